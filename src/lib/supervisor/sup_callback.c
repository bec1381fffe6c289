/* sup_callback.c — asking the user's policy callback, with a deadline. The
 * callback runs on a worker thread; the supervisor waits at most the timeout
 * and then denies. A late verdict is dropped, never applied to a later call.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "supervisor/sup_internal.h"

#define SUP_CALLBACK_DEFAULT_MS 5000

const char *sup_verdict_name(enum ward_verdict_kind kind)
{
	switch (kind) {
	case WARD_VERDICT_ALLOW:
		return "allow";
	case WARD_VERDICT_DENY:
		return "deny";
	case WARD_VERDICT_AUDIT:
		return "audit";
	case WARD_VERDICT_KILL:
		return "kill";
	}
	return "deny";
}

bool sup_callback_wants(const struct supervisor *sup, unsigned category)
{
	return sup->sp && sup->sp->callback && (sup->sp->callback_categories & category);
}

/* One allocation holding the event and every string it points to, so a
 * callback that outlives its deadline still reads valid memory. */
static struct ward_sup_event *event_clone(const struct ward_sup_event *src)
{
	size_t size = sizeof(*src) + src->argc * sizeof(char *);
	const char *strs[] = {src->syscall, src->exec_path, src->path};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		size += strs[i] ? strlen(strs[i]) + 1 : 0;
	for (size_t i = 0; i < src->argc; i++)
		size += strlen(src->argv[i]) + 1;
	struct ward_sup_event *ev = malloc(size);
	if (!ev)
		return NULL;
	*ev = *src;
	const char **argv = (const char **)(ev + 1);
	char *pos = (char *)(argv + src->argc);
#define COPY_STR(dst, str)                           \
	do {                                         \
		if (str) {                           \
			size_t n_ = strlen(str) + 1; \
			memcpy(pos, str, n_);        \
			(dst) = pos;                 \
			pos += n_;                   \
		}                                    \
	} while (0)
	COPY_STR(ev->syscall, src->syscall);
	COPY_STR(ev->exec_path, src->exec_path);
	COPY_STR(ev->path, src->path);
	for (size_t i = 0; i < src->argc; i++)
		COPY_STR(argv[i], src->argv[i]);
#undef COPY_STR
	ev->argv = src->argc ? argv : NULL;
	return ev;
}

struct ward_verdict sup_verdict_adapter(const struct ward_sup_event *event, ward_sup_context *ctx,
					void *userdata)
{
	struct ward_verdict v = {.kind = WARD_VERDICT_DENY, .error = EPERM};
	ward_sup_verdict_fn fn = ctx->sup->sp->verdict_fn;
	if (!fn || fn(event, ctx, userdata, &v) < 0)
		v = (struct ward_verdict){.kind = WARD_VERDICT_DENY, .error = EPERM};
	return v;
}

static void *callback_worker(void *arg)
{
	struct supervisor *sup = arg;
	struct sup_callback_worker *w = &sup->cb;
	struct ward_sup_context ctx = {.sup = sup};
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->event && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->quit)
			break;
		struct ward_sup_event *event = (struct ward_sup_event *)w->event;
		uint64_t seq = w->seq;
		w->event = NULL;
		w->busy = true;
		pthread_mutex_unlock(&w->lock);
		struct ward_verdict v = sup->sp->callback(event, &ctx, sup->sp->callback_userdata);
		free(event);
		pthread_mutex_lock(&w->lock);
		w->busy = false;
		w->verdict = v;
		w->done_seq = seq;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static struct timespec deadline_after(unsigned ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static int start_worker(struct supervisor *sup)
{
	struct sup_callback_worker *w = &sup->cb;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_destroy(&w->cond);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	int r = pthread_create(&w->thread, NULL, callback_worker, sup);
	if (r)
		return -r;
	w->started = true;
	return 0;
}

bool sup_callback_ask(struct supervisor *sup, const struct ward_sup_event *event,
		      struct ward_verdict *out)
{
	struct sup_callback_worker *w = &sup->cb;
	unsigned ms = sup->sp->callback_timeout_ms ? sup->sp->callback_timeout_ms
						   : SUP_CALLBACK_DEFAULT_MS;
	if (!w->started && start_worker(sup) < 0)
		return false;
	struct ward_sup_event *copy = event_clone(event);
	if (!copy)
		return false;
	struct timespec deadline = deadline_after(ms);
	pthread_mutex_lock(&w->lock);
	/* A callback still busy with an earlier (timed-out) call gets the same
	 * deadline to finish before this one counts as timed out too. */
	int r = 0;
	while ((w->busy || w->event) && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&w->cond, &w->lock, &deadline);
	bool answered = false;
	if (r != ETIMEDOUT) {
		w->event = copy;
		copy = NULL; /* the worker frees it */
		uint64_t seq = ++w->seq;
		pthread_cond_broadcast(&w->cond);
		while (w->done_seq != seq && r != ETIMEDOUT)
			r = pthread_cond_timedwait(&w->cond, &w->lock, &deadline);
		answered = w->done_seq == seq;
		if (answered)
			*out = w->verdict;
		else if (w->event) { /* never picked up: withdraw it */
			copy = (struct ward_sup_event *)w->event;
			w->event = NULL;
		}
	}
	pthread_mutex_unlock(&w->lock);
	free(copy);
	return answered;
}

void sup_callback_stop(struct supervisor *sup)
{
	struct sup_callback_worker *w = &sup->cb;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->quit = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		/* A callback that never returns holds sup_stop here: the timeout
		 * protects the sandbox, not the host program. */
		pthread_join(w->thread, NULL);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

int ward_sup_net_deny(ward_sup_context *ctx, const char *rule, ward_error *err)
{
	if (!ctx || !rule)
		return ward_fail(err, -EINVAL, "ward_sup_net_deny: no context or rule");
	struct net_rule parsed;
	char why[200];
	memset(&parsed, 0, sizeof(parsed));
	if (parse_net_rule(rule, &parsed, why, sizeof(why)) < 0)
		return ward_fail(err, -EINVAL, "callback: bad network rule '%s': %s", rule, why);
	parsed.deny = true;
	parsed.text = strdup(rule);
	if (!parsed.text)
		return ward_fail(err, -ENOMEM, "out of memory");
	parsed.loc.file = "callback";
	pthread_mutex_lock(&ctx->sup->rules_lock);
	int r = VEC_PUSH(&ctx->sup->net_runtime, parsed);
	pthread_mutex_unlock(&ctx->sup->rules_lock);
	if (r < 0) {
		free(parsed.text);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

int ward_sup_deny_path(ward_sup_context *ctx, const char *path, ward_error *err)
{
	if (!ctx || !path)
		return ward_fail(err, -EINVAL, "ward_sup_deny_path: no context or path");
	/* Without the filesystem trapped nothing would enforce the denial:
	 * accepting it would be failing open. */
	if (!ctx->sup->fs_traps)
		return ward_fail(err, -EOPNOTSUPP,
				 "callback: run-time path denials need WARD_SUP_FILE in the "
				 "callback categories (or an fs deny rule inside a grant)");
	char rule[PATH_MAX + 64];
	snprintf(rule, sizeof(rule), "fs deny %s (callback)", path);
	/* Resolved now, in ward's view: the inode is what stays denied. */
	int r = sup_fs_deny_add(ctx->sup, path, 0, rule);
	if (r < 0)
		return ward_fail_errno(err, r, "callback: cannot deny '%s'", path);
	return 0;
}
