/* test_spawn_threads.c — many sandboxes spawned at once from the threads of
 * one process, while other threads allocate without pause (what a Python
 * program running sandboxes from a thread pool does).
 *
 * The child between clone and exec is a copy of this multi-threaded
 * process: a lock another thread held at the clone is held there forever.
 * glibc's fork(3) in the child (for the init of the pid namespace or the
 * keeper) took the malloc arena locks and hung such a spawn for good; the
 * Python SDK's twenty-thread test hung. Every spawn here must finish within
 * a bounded deadline, or the test fails naming the spawns still waiting.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ward.h"

#ifndef SPAWNERS
#define SPAWNERS 20
#endif
#ifndef ALLOCATORS
#define ALLOCATORS 4
#endif
#ifndef ROUNDS
#define ROUNDS 3
#endif
#define DEADLINE_S 120 /* generous: 60 sandboxes on a loaded 2-core machine take seconds */

static atomic_bool stop_allocating;

/* Keeps an arena lock taken as often as possible: small and large blocks,
 * never all freed at once. */
static void *allocate(void *arg)
{
	(void)arg;
	void *keep[64] = {0};
	unsigned seed = (unsigned)(uintptr_t)&keep;
	for (unsigned i = 0; !atomic_load(&stop_allocating); i++) {
		unsigned slot = i % 64;
		free(keep[slot]);
		seed = seed * 1103515245u + 12345u;
		keep[slot] = malloc(16 + (seed >> 8) % 65536);
		if (keep[slot])
			memset(keep[slot], 1, 16);
	}
	for (unsigned i = 0; i < 64; i++)
		free(keep[i]);
	return NULL;
}

/* Keeps stdio's list of streams locked as often as possible (fopen and
 * fclose take it): glibc's fork(3) takes it too, and under ASan, whose
 * allocator has no arena locks, this is the lock that shows the hang. */
static void *open_streams(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_allocating)) {
		FILE *f = fopen("/dev/null", "r");
		if (f)
			fclose(f);
	}
	return NULL;
}

struct spawn {
	pthread_t thread;
	int index;
	int result; /* the sandbox's exit code, or a negative error */
	char message[sizeof(((ward_error *)0)->message)];
	atomic_bool done;
};

static pthread_mutex_t finished_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t finished_cond = PTHREAD_COND_INITIALIZER;
static int finished;

static void *spawn_one(void *arg)
{
	struct spawn *s = arg;
	char code[16];
	snprintf(code, sizeof(code), "exit %d", s->index % 4);
	char *argv[] = {"/bin/sh", "-c", code, NULL};
	ward_error err = {0};
	ward_policy *p = ward_policy_new();
	int r = p ? ward_policy_use_profile(p, "default", &err) : -ENOMEM;
	ward_sandbox *sb = NULL;
	struct ward_spawn_config config;
	ward_spawn_config_init(&config); /* the Python SDK's entry point */
	if (r == 0)
		r = ward_sandbox_spawn_config(p, argv, &config, &sb, &err);
	if (r == 0) {
		struct ward_exit x;
		r = ward_sandbox_wait(sb, &x, &err);
		if (r == 0)
			r = x.code;
		ward_sandbox_free(sb);
	}
	ward_policy_free(p);
	s->result = r;
	snprintf(s->message, sizeof(s->message), "%s", r < 0 ? err.message : "");
	atomic_store(&s->done, true);
	pthread_mutex_lock(&finished_lock);
	finished++;
	pthread_cond_signal(&finished_cond);
	pthread_mutex_unlock(&finished_lock);
	return NULL;
}

static void test_twenty_spawns_from_threads_while_others_allocate(void **state)
{
	(void)state;
	pthread_t allocators[ALLOCATORS];
	atomic_store(&stop_allocating, false);
	for (int i = 0; i < ALLOCATORS; i++)
		assert_int_equal(
			pthread_create(&allocators[i], NULL, i % 2 ? open_streams : allocate, NULL),
			0);

	static struct spawn spawns[ROUNDS][SPAWNERS];
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += DEADLINE_S;
	for (int round = 0; round < ROUNDS; round++) {
		pthread_mutex_lock(&finished_lock);
		finished = 0;
		pthread_mutex_unlock(&finished_lock);
		for (int i = 0; i < SPAWNERS; i++) {
			struct spawn *s = &spawns[round][i];
			memset(s, 0, sizeof(*s));
			s->index = i;
			assert_int_equal(pthread_create(&s->thread, NULL, spawn_one, s), 0);
		}
		int r = 0;
		pthread_mutex_lock(&finished_lock);
		while (finished < SPAWNERS && r != ETIMEDOUT)
			r = pthread_cond_timedwait(&finished_cond, &finished_lock, &deadline);
		int left = SPAWNERS - finished;
		pthread_mutex_unlock(&finished_lock);
		if (left > 0) {
			char which[256] = "";
			for (int i = 0; i < SPAWNERS; i++)
				if (!atomic_load(&spawns[round][i].done))
					snprintf(which + strlen(which),
						 sizeof(which) - strlen(which), " %d", i);
			/* The hung threads stay; exiting kills their sandboxes. */
			fail_msg("round %d: %d of %d concurrent spawns not finished after %d s "
				 "(spawns%s): a "
				 "child hung between clone and exec (a lock held by another thread "
				 "at the clone?)",
				 round, left, SPAWNERS, DEADLINE_S, which);
		}
		for (int i = 0; i < SPAWNERS; i++) {
			struct spawn *s = &spawns[round][i];
			assert_int_equal(pthread_join(s->thread, NULL), 0);
			if (s->result != i % 4)
				fail_msg("round %d, spawn %d: result %d, expected exit code %d: %s",
					 round, i, s->result, i % 4, s->message);
		}
	}
	atomic_store(&stop_allocating, true);
	for (int i = 0; i < ALLOCATORS; i++)
		assert_int_equal(pthread_join(allocators[i], NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_twenty_spawns_from_threads_while_others_allocate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
