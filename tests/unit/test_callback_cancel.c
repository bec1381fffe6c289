/* test_callback_cancel.c — a policy callback stuck in user code never holds
 * the end of its sandbox: a cancel (what the Python SDK does on Ctrl-C) or
 * the wall-clock timeout kills the sandbox and ward_sandbox_wait() returns
 * while the callback is still blocked; released later, the callback returns
 * into an abandoned worker, and the context it holds refuses to act (ESRCH)
 * rather than touch the freed supervisor. Real spawns, bounded waits.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ward.h"

#define DEADLINE_MS 20000 /* for what must happen; far below the callback's block */

struct blocker {
	int release[2]; /* the callback reads one byte: a block in user code */
	int entered[2]; /* it writes one byte when it is inside */
	atomic_bool returned;
	atomic_int deny_path_rc;
};

static struct blocker blk;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static struct ward_verdict blocking_cb(const struct ward_sup_event *ev, ward_sup_context *ctx,
				       void *userdata)
{
	struct blocker *b = userdata;
	if (ev->argc < 2 || strcmp(ev->argv[1], "judge") != 0)
		return (struct ward_verdict){WARD_VERDICT_ALLOW, 0};
	(void)!write(b->entered[1], "e", 1);
	char c;
	(void)!read(b->release[0], &c, 1);
	/* The supervisor is gone by now: the context must say so. */
	ward_error err = {0};
	atomic_store(&b->deny_path_rc, ward_sup_deny_path(ctx, "/tmp", &err));
	atomic_store(&b->returned, true);
	return (struct ward_verdict){WARD_VERDICT_ALLOW, 0};
}

static bool readable_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

/* Spawns `/bin/sh -c '/bin/echo judge; exec /bin/sleep 60'` with the
 * blocking callback; KILL_BY_TIMEOUT: a 1 s wall-clock limit ends it, else
 * a write to the cancel descriptor once the callback is inside. */
static void run_blocked(bool kill_by_timeout)
{
	memset(&blk, 0, sizeof(blk));
	atomic_store(&blk.deny_path_rc, 1);
	assert_int_equal(pipe(blk.release), 0);
	assert_int_equal(pipe(blk.entered), 0);
	int cancel[2];
	assert_int_equal(pipe(cancel), 0);

	ward_error err = {0};
	ward_policy *policy = ward_policy_new();
	assert_non_null(policy);
	assert_int_equal(ward_policy_use_profile(policy, "default", &err), 0);
	assert_int_equal(ward_policy_set_callback(policy, blocking_cb, &blk), 0);
	assert_int_equal(ward_policy_set_callback_categories(policy, WARD_SUP_PROCESS), 0);
	assert_int_equal(ward_policy_set_callback_timeout(policy, 600000), 0);
	if (kill_by_timeout)
		assert_int_equal(ward_policy_set_limit(policy, WARD_LIMIT_TIMEOUT_MS, "1s", &err),
				 0);
	struct ward_spawn_config config;
	ward_spawn_config_init(&config);
	config.cancel_fd = cancel[0];
	char *argv[] = {"/bin/sh", "-c", "/bin/echo judge >/dev/null; exec /bin/sleep 60", NULL};
	ward_sandbox *sb = NULL;
	int r = ward_sandbox_spawn_config(policy, argv, &config, &sb, &err);
	if (r < 0) {
		print_message("spawn: %s\n", err.message);
		fail();
	}
	if (!readable_within(blk.entered[0], DEADLINE_MS))
		fail_msg("the callback was not asked within %d ms", DEADLINE_MS);
	long started = now_ms();
	if (!kill_by_timeout)
		assert_int_equal(write(cancel[1], "k", 1), 1);
	struct ward_exit x;
	assert_int_equal(ward_sandbox_wait(sb, &x, &err), 0);
	long took = now_ms() - started;
	/* Still inside: nothing waited for it. */
	assert_false(atomic_load(&blk.returned));
	assert_true(took < DEADLINE_MS);
	print_message("wait returned %ld ms after the %s, the callback still blocked\n", took,
		      kill_by_timeout ? "callback was entered (timeout 1 s)" : "cancel");
	assert_false(x.exited);
	assert_int_equal(x.status, 9); /* SIGKILL */
	ward_sandbox_free(sb);
	ward_policy_free(policy);

	/* Released: the callback returns into the abandoned worker. */
	assert_int_equal(write(blk.release[1], "r", 1), 1);
	long until = now_ms() + DEADLINE_MS;
	while (!atomic_load(&blk.returned) && now_ms() < until) {
		struct timespec ts = {0, 10000000L};
		nanosleep(&ts, NULL); /* polling a condition, with a deadline */
	}
	assert_true(atomic_load(&blk.returned));
	assert_int_equal(atomic_load(&blk.deny_path_rc), -ESRCH);
	close(cancel[0]);
	close(cancel[1]);
	close(blk.release[0]);
	close(blk.release[1]);
	close(blk.entered[0]);
	close(blk.entered[1]);
}

static void test_cancel_while_callback_blocked_returns_at_once(void **state)
{
	(void)state;
	run_blocked(false);
}

static void test_timeout_while_callback_blocked_returns_at_once(void **state)
{
	(void)state;
	run_blocked(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cancel_while_callback_blocked_returns_at_once),
		cmocka_unit_test(test_timeout_while_callback_blocked_returns_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
