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
	ward_sup_verdict_fn fn = ctx->verdict_fn;
	if (!fn || fn(event, ctx, userdata, &v) < 0)
		v = (struct ward_verdict){.kind = WARD_VERDICT_DENY, .error = EPERM};
	return v;
}

static void worker_put(struct sup_callback_worker *w)
{
	pthread_mutex_lock(&w->lock);
	bool last = --w->refs == 0;
	pthread_mutex_unlock(&w->lock);
	if (!last)
		return;
	free((void *)w->event);
	pthread_mutex_destroy(&w->ctx.lock);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

/* Touches only W, never the supervisor or the policy: once the supervisor
 * stopped, a callback that was still running returns into this alone. */
static void *callback_worker(void *arg)
{
	struct sup_callback_worker *w = arg;
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
		struct ward_verdict v = w->fn(event, &w->ctx, w->userdata);
		free(event);
		pthread_mutex_lock(&w->lock);
		w->busy = false;
		w->verdict = v;
		w->done_seq = seq;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	worker_put(w);
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

int sup_callback_init(struct supervisor *sup)
{
	if (!sup->sp || !sup->sp->callback)
		return 0;
	struct sup_callback_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->ctx.lock, NULL);
	w->ctx.sup = sup;
	w->ctx.verdict_fn = sup->sp->verdict_fn;
	w->fn = sup->sp->callback;
	w->userdata = sup->sp->callback_userdata;
	w->refs = 1;
	sup->cb = w;
	return 0;
}

/* The thread at the first question: most sandboxes never ask one. */
static int start_worker(struct sup_callback_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->refs++;
	pthread_mutex_unlock(&w->lock);
	int r = pthread_create(&w->thread, NULL, callback_worker, w);
	if (r) {
		worker_put(w);
		return -r;
	}
	w->started = true;
	return 0;
}

bool sup_callback_ask(struct supervisor *sup, const struct ward_sup_event *event,
		      struct ward_verdict *out)
{
	unsigned ms = sup->sp->callback_timeout_ms ? sup->sp->callback_timeout_ms
						   : SUP_CALLBACK_DEFAULT_MS;
	struct sup_callback_worker *w = sup->cb;
	if (!w || (!w->started && start_worker(w) < 0))
		return false;
	struct ward_sup_event *copy = event_clone(event);
	if (!copy)
		return false;
	struct timespec deadline = deadline_after(ms);
	pthread_mutex_lock(&w->lock);
	/* A callback still busy with an earlier (timed-out) call gets the same
	 * deadline to finish before this one counts as timed out too. */
	int r = 0;
	while ((w->busy || w->event) && r != ETIMEDOUT && !w->stopping)
		r = pthread_cond_timedwait(&w->cond, &w->lock, &deadline);
	bool answered = false;
	if (r != ETIMEDOUT && !w->stopping) {
		w->event = copy;
		copy = NULL; /* the worker frees it */
		uint64_t seq = ++w->seq;
		pthread_cond_broadcast(&w->cond);
		while (w->done_seq != seq && r != ETIMEDOUT && !w->stopping)
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

const char *sup_callback_no_verdict(const struct supervisor *sup)
{
	struct sup_callback_worker *w = sup->cb;
	bool stopping = false;
	if (w) {
		pthread_mutex_lock(&w->lock);
		stopping = w->stopping;
		pthread_mutex_unlock(&w->lock);
	}
	return stopping ? "callback: not waited for, the sandbox is being killed"
			: "callback: no verdict before the timeout";
}

void sup_callback_abandon(struct supervisor *sup)
{
	struct sup_callback_worker *w = sup->cb;
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void sup_callback_stop(struct supervisor *sup)
{
	struct sup_callback_worker *w = sup->cb;
	if (!w)
		return;
	sup->cb = NULL;
	/* From here a callback still running reaches no supervisor: its
	 * ward_sup_* calls fail (one in progress finishes first). */
	pthread_mutex_lock(&w->ctx.lock);
	w->ctx.sup = NULL;
	pthread_mutex_unlock(&w->ctx.lock);
	pthread_mutex_lock(&w->lock);
	w->quit = w->stopping = true;
	bool busy = w->busy;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	/* A callback that does not return (user code blocked, a Ctrl-C in
	 * the host program) must not hold the sandbox's end: the thread is
	 * left to finish it, and frees W itself. */
	if (w->started && busy)
		pthread_detach(w->thread);
	else if (w->started)
		pthread_join(w->thread, NULL);
	worker_put(w);
}

static int net_deny(ward_sup_context *ctx, const char *rule, ward_error *err);
static int deny_path(ward_sup_context *ctx, const char *path, ward_error *err);

/* FN(CTX, ARG) while CTX's supervisor is held alive; ESRCH once it stopped
 * (a callback that outlived its sandbox). */
static int with_live_context(ward_sup_context *ctx, const char *arg, const char *what,
			     int (*fn)(ward_sup_context *, const char *, ward_error *),
			     ward_error *err)
{
	if (!ctx || !arg)
		return ward_fail(err, -EINVAL, "%s: no context or argument", what);
	pthread_mutex_lock(&ctx->lock);
	int r = ctx->sup ? fn(ctx, arg, err)
			 : ward_fail(err, -ESRCH,
				     "callback: the sandbox has ended (its supervisor stopped)");
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

int ward_sup_net_deny(ward_sup_context *ctx, const char *rule, ward_error *err)
{
	return with_live_context(ctx, rule, "ward_sup_net_deny", net_deny, err);
}

int ward_sup_deny_path(ward_sup_context *ctx, const char *path, ward_error *err)
{
	return with_live_context(ctx, path, "ward_sup_deny_path", deny_path, err);
}

/* Both under CTX->lock, with CTX->sup alive. */
static int net_deny(ward_sup_context *ctx, const char *rule, ward_error *err)
{
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

static int deny_path(ward_sup_context *ctx, const char *path, ward_error *err)
{
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
