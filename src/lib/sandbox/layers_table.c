/* layers_table.c — the one table of ward's layers and the loops that spawn,
 * child and monitor run over it. The row order is the order of every step:
 * prepare, attach, start and the child's steps run top to bottom (seccomp
 * last, as the child's filter would deny what the steps above need);
 * destroy runs bottom to top. Each row reads its section of the plan only.
 * The child's loop is async-signal-safe: a static table, no allocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdint.h>
#include <sys/uio.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bpf/bpf_acct.h"
#include "bpf/bpf_file_acct.h"
#include "sandbox/hosts_file.h"
#include "core/error.h"
#include "core/trace.h"
#include "host/features.h"
#include "layers/landlock.h"
#include "layers/mount_mask.h"
#include "sandbox/layers.h"
#include "supervisor/supervisor.h"

/* ---- cgroup: the sandbox's cgroup(s) and their limits ---- */

static bool cgroup_wanted(const struct plan *plan)
{
	return plan->cgroup;
}

static int cgroup_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	const struct host_features *host = host_features_get();
	cgroup_reclaim_stale(host);
	int r = cgroup_sandbox_create(sb->id, &sb->plan, host, &sb->cgroup, err);
	if (r < 0)
		return r;
	/* Born in the v2 cgroup (CLONE_INTO_CGROUP), the child joins its v1
	 * directories itself (child.c explains why that is cheaper). */
	if (cgroup_sandbox_v2_fd(sb->cgroup) < 0)
		return 0;
	r = cgroup_sandbox_open_v1_tasks(sb->cgroup, w->cg_tasks, 1, err);
	if (r < 0 && r != -E2BIG)
		return r;
	if (r == -E2BIG) {
		/* More than one v1 directory: the parent moves it. */
		if (err)
			memset(err, 0, sizeof(*err));
		r = 0;
	}
	w->n_cg_tasks = r;
	w->cg_tasks_fd = r == 1 ? w->cg_tasks[0] : -1;
	return 0;
}

static int cgroup_attach(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	if (!sb->cgroup)
		return 0;
	if (w->born_in_cgroup && w->cg_tasks_fd >= 0)
		return 0; /* the child joins its v1 directory itself */
	if (!w->born_in_cgroup && w->cg_tasks_fd >= 0)
		/* No CLONE_INTO_CGROUP after all: move it whole (the child's
		 * own join then finds it there already). */
		return cgroup_sandbox_attach(sb->cgroup, sb->pid, err);
	return w->born_in_cgroup ? cgroup_sandbox_attach_v1(sb->cgroup, sb->pid, err)
				 : cgroup_sandbox_attach(sb->cgroup, sb->pid, err);
}

static bool cgroup_destroy(struct ward_sandbox *sb)
{
	bool had = sb->cgroup;
	if (had)
		cgroup_sandbox_destroy(sb->cgroup);
	sb->cgroup = NULL;
	return had;
}

static void cgroup_release_work(struct spawn_work *w)
{
	for (int i = 0; i < w->n_cg_tasks; i++)
		close(w->cg_tasks[i]);
	w->n_cg_tasks = 0;
	w->cg_tasks_fd = -1;
}

/* ---- quotas: network accounting (cgroup_skb) on the v2 cgroup, file
 * accounting (fexit) keyed by its id ---- */

static bool quotas_wanted(const struct plan *plan)
{
	return plan->net_acct || plan->file_acct;
}

static int file_quotas_prepare(struct ward_sandbox *sb, ward_error *err)
{
	const uint64_t *q = sb->plan.quota_amount;
	uint64_t wq = q[WARD_QUOTA_FILE_WRITE_BYTES];
	bool kill = wq && sb->plan.quota_action[WARD_QUOTA_FILE_WRITE_BYTES] == WARD_QUOTA_KILL;
	bool quota = wq != 0;
	int r = bpf_file_acct_attach(cgroup_sandbox_v2_id(sb->cgroup), 0, wq, kill, &sb->file_acct,
				     quota ? err : NULL);
	return r < 0 && quota ? r : 0;
}

static int quotas_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	(void)w;
	if (!sb->cgroup || cgroup_sandbox_v2_fd(sb->cgroup) < 0)
		return 0;
	if (sb->plan.file_acct) {
		int fr = file_quotas_prepare(sb, err);
		if (fr < 0)
			return fr;
	}
	if (!sb->plan.net_acct)
		return 0;
	const uint64_t *q = sb->plan.quota_amount;
	bool quota = q[WARD_QUOTA_NET_EGRESS_BYTES] || q[WARD_QUOTA_NET_INGRESS_BYTES];
	bool drop = false;
	for (int i = 0; i < WARD_QUOTA_COUNT_; i++)
		drop |= q[i] && sb->plan.quota_action[i] != WARD_QUOTA_REPORT;
	int r = bpf_acct_attach(cgroup_sandbox_v2_fd(sb->cgroup), cgroup_sandbox_v2_id(sb->cgroup),
				q[WARD_QUOTA_NET_EGRESS_BYTES], q[WARD_QUOTA_NET_INGRESS_BYTES],
				drop, &sb->acct, quota ? err : NULL);
	/* A quota is a rule: it holds or the run does not start. Plain
	 * accounting is only a figure. */
	return r < 0 && quota ? r : 0;
}

static bool quotas_destroy(struct ward_sandbox *sb)
{
	bool had = sb->acct || sb->file_acct;
	bpf_acct_detach(sb->acct);
	sb->acct = NULL;
	bpf_file_acct_detach(sb->file_acct);
	sb->file_acct = NULL;
	return had;
}

/* ---- BPF: map entries keyed by the v2 cgroup, cgroup programs ---- */

static bool bpf_wanted(const struct plan *plan)
{
	return plan_uses_bpf(plan);
}

static int bpf_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	(void)w;
	/* The BPF maps are keyed by the sandbox's v2 cgroup: without one the
	 * rules would match nothing, so that is an error. */
	if (!sb->cgroup || !cgroup_sandbox_v2_id(sb->cgroup))
		return ward_fail(err, -EOPNOTSUPP,
				 "the BPF layer needs a cgroup v2 directory for the sandbox");
	bpf_gc_stale();
	return bpf_sandbox_create(&sb->plan, cgroup_sandbox_v2_id(sb->cgroup),
				  cgroup_sandbox_v2_fd(sb->cgroup), &sb->sink, &sb->bpf, err);
}

static int bpf_event_fd(struct ward_sandbox *sb)
{
	return sb->bpf ? bpf_sandbox_event_fd(sb->bpf) : -1;
}

static void bpf_poll(struct ward_sandbox *sb)
{
	if (sb->bpf)
		bpf_sandbox_poll_events(sb->bpf);
}

static bool bpf_destroy(struct ward_sandbox *sb)
{
	bool had = sb->bpf;
	if (had)
		bpf_sandbox_destroy(sb->bpf);
	sb->bpf = NULL;
	return had;
}

/* ---- namespaces: the own root, lo, mount masks ---- */

static bool namespaces_wanted(const struct plan *plan)
{
	return plan->world || plan->mount_ns || plan->ns_flags;
}

static int namespaces_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	if (!sb->plan.world)
		return 0;
	int r = world_build(&sb->plan, environ_get(w->envp, "HOME"), w->cwd, &w->world,
			    sb->world_warning, sizeof(sb->world_warning), err);
	if (r < 0 || !sb->plan.nhosts)
		return r;
	/* The policy's host names resolve inside to the addresses its rules
	 * allow, without DNS egress (net_refresh rewrites it on a change). */
	if ((r = hosts_file_create(&sb->hosts, sb->plan.hosts, sb->plan.nhosts, err)) < 0)
		return r;
	char link[sizeof(sb->hosts.dir) + sizeof(HOSTS_FILE_LINK) + 1];
	snprintf(link, sizeof(link), "%s/%s", sb->hosts.dir, HOSTS_FILE_LINK);
	r = world_add_linked_dir(&w->world, &sb->plan, sb->hosts.dir, HOSTS_FILE_INSIDE, link,
				 "/etc/hosts");
	return r < 0 ? ward_fail(err, r, "binding the sandbox's /etc/hosts: %s", strerror(-r)) : 0;
}

static bool namespaces_destroy(struct ward_sandbox *sb)
{
	bool had = sb->hosts.dir[0];
	hosts_file_remove(&sb->hosts);
	return had;
}

/* Steps 4a-4b: with the capabilities of the user namespace (the parent
 * wrote the id maps before the release): cgroup namespace -> mounts ->
 * pivot_root (its /proc belongs to our pid namespace: we are its pid 1)
 * -> lo; then, in our own mount namespace (in the own root when there is
 * one), the masks and carve-outs, before Landlock forbids mounting and
 * before chdir, which must see them. */
static int namespaces_enforce(const struct child_setup *s, int *stage, int *step)
{
	*stage = STAGE_NAMESPACES;
	if (s->cgroup_namespace && unshare(CLONE_NEWCGROUP) < 0)
		return -errno;
	if (s->world) {
		*stage = STAGE_MOUNTS;
		int r = world_enter(s->world, s->landlock_fd, stage, step);
		if (r < 0)
			return r;
	}
	*stage = STAGE_LOOPBACK;
	if (s->loopback_up) {
		int r = world_loopback_up();
		if (r < 0)
			return r;
		trace_phase("child: lo up");
	}
	*stage = STAGE_MOUNT;
	if (!s->mount_plan)
		return 0;
	int r = mount_mask_apply(s->mount_plan);
	if (r == 0)
		trace_phase("child: mount masks applied");
	return r;
}

static void namespaces_release_work(struct spawn_work *w)
{
	world_free(&w->world);
}

/* ---- rlimit: per-process limits ---- */

static bool rlimit_wanted(const struct plan *plan)
{
	(void)plan;
	return true; /* rlimit_prepare sets only the limits placed on it */
}

static int rlimit_layer_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	(void)err;
	rlimit_prepare(&sb->plan, &w->rlimits);
	return 0;
}

static int rlimit_layer_enforce(const struct child_setup *s, int *stage, int *step)
{
	*stage = STAGE_RLIMIT;
	return s->rlimits ? rlimit_enforce(s->rlimits) : 0;
}

/* ---- Landlock: filesystem, TCP ports, scopes ---- */

static bool landlock_wanted(const struct plan *plan)
{
	return plan->landlock;
}

static int landlock_layer_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	int r = landlock_prepare(&sb->plan, &w->landlock_fd, err);
	return r < 0 ? r : landlock_add_stdio(&sb->plan, w->landlock_fd, err);
}

static int landlock_layer_enforce(const struct child_setup *s, int *stage, int *step)
{
	*stage = STAGE_LANDLOCK;
	if (s->landlock_fd < 0)
		return 0;
	int r = landlock_enforce(s->landlock_fd);
	if (r == 0)
		close(s->landlock_fd);
	return r;
}

static void landlock_release_work(struct spawn_work *w)
{
	if (w->landlock_fd >= 0)
		close(w->landlock_fd);
	w->landlock_fd = -1;
}

/* ---- the supervisor: seccomp user notification ---- */

static bool supervisor_wanted(const struct plan *plan)
{
	return sup_needed(plan);
}

static int supervisor_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	int r = sup_prepare(&sb->plan, &w->sup_filter, err);
	if (r < 0)
		return r;
	w->supervised = true;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w->sup_pair) < 0)
		return ward_fail_errno(err, -errno, "creating the supervisor's socket pair");
	return 0;
}

/* The child installs the notification filter after "go": take its listener
 * and serve before it reaches exec, which may be trapped. */
static int supervisor_start(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	if (!w->supervised)
		return 0;
	return sup_start_landlocked(&sb->plan, w->landlock_fd, w->sup_pair[0], w->program,
				    &sb->sink, &sb->sup, err);
}

/* Step 8: before the main filter, which would deny nothing it needs, but
 * after Landlock so that what it traps is already confined. */
static int supervisor_enforce(const struct child_setup *s, int *stage, int *step)
{
	*stage = STAGE_SUPERVISOR;
	return s->sup_filter ? sup_child_install(s->sup_filter, s->sup_sock) : 0;
}

static bool supervisor_stop(struct ward_sandbox *sb)
{
	bool had = sb->sup;
	if (had)
		sup_stop(sb->sup);
	sb->sup = NULL;
	return had;
}

static void supervisor_finish(struct ward_sandbox *sb)
{
	supervisor_stop(sb);
}

static void supervisor_release_work(struct spawn_work *w)
{
	seccomp_program_release(&w->sup_filter);
	for (int i = 0; i < 2; i++) {
		if (w->sup_pair[i] >= 0)
			close(w->sup_pair[i]);
		w->sup_pair[i] = -1;
	}
}

/* ---- seccomp: the hardening filter, last ---- */

static bool seccomp_wanted(const struct plan *plan)
{
	return plan->seccomp;
}

/* The filter is compiled (libseccomp, ~0.5 ms) while the child builds its
 * own root, and reaches it on a pipe only ward and the child hold: the
 * child reads it whole at its seccomp step or fails there (fail closed: a
 * parent that could not build it closes the pipe, then kills the child).
 * The pipe must hold the largest filter, so that the parent's write never
 * waits for the child; where it cannot be made that large (a user over
 * pipe-user-pages-soft), the filter is built before the clone as before. */
#define SECCOMP_PIPE_BYTES (sizeof(uint16_t) + BPF_MAXINSNS * sizeof(struct sock_filter))

static int seccomp_layer_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	w->seccomp_pipe[0] = w->seccomp_pipe[1] = -1;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) == 0) {
		int size = fcntl(fds[1], F_SETPIPE_SZ, (int)SECCOMP_PIPE_BYTES);
		/* Never on 0..2, which the child's stdio may take. */
		if (size >= (int)SECCOMP_PIPE_BYTES && fds[0] > 2 && fds[1] > 2) {
			w->seccomp_pipe[0] = fds[0];
			w->seccomp_pipe[1] = fds[1];
			return 0;
		}
		close(fds[0]);
		close(fds[1]);
	}
	return seccomp_prepare(&sb->plan, &w->seccomp, err);
}

static int seccomp_layer_released(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	if (w->seccomp_pipe[1] < 0)
		return 0;
	int r = seccomp_prepare(&sb->plan, &w->seccomp, err);
	if (r == 0) {
		uint16_t len = w->seccomp.len;
		struct iovec iov[2] = {
			{.iov_base = &len, .iov_len = sizeof(len)},
			{.iov_base = w->seccomp.filter,
			 .iov_len = len * sizeof(struct sock_filter)},
		};
		ssize_t want = (ssize_t)(iov[0].iov_len + iov[1].iov_len);
		ssize_t n;
		do
			n = writev(w->seccomp_pipe[1], iov, 2);
		while (n < 0 && errno == EINTR);
		if (n != want)
			r = ward_fail_errno(err, n < 0 ? -errno : -EIO,
					    "seccomp: cannot hand the filter to the sandbox");
	}
	close(w->seccomp_pipe[1]);
	w->seccomp_pipe[1] = -1;
	if (r == 0)
		trace_phase("seccomp program built (child setting up)");
	return r;
}

/* Child: the whole filter from the pipe, into static memory (no
 * allocation here); anything short of it fails the run. */
static int seccomp_read_program(int fd)
{
	static struct sock_filter filter[BPF_MAXINSNS];
	uint16_t len = 0;
	size_t have = 0;
	while (have < sizeof(len)) {
		ssize_t n = read(fd, (char *)&len + have, sizeof(len) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		have += (size_t)n;
	}
	if (len == 0 || len > BPF_MAXINSNS)
		return -E2BIG;
	size_t want = len * sizeof(struct sock_filter);
	for (have = 0; have < want;) {
		ssize_t n = read(fd, (char *)filter + have, want - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		have += (size_t)n;
	}
	close(fd);
	struct seccomp_program program = {.filter = filter, .len = len};
	return seccomp_enforce(&program);
}

static int seccomp_layer_enforce(const struct child_setup *s, int *stage, int *step)
{
	*stage = STAGE_SECCOMP;
	if (s->seccomp_fd >= 0)
		return seccomp_read_program(s->seccomp_fd);
	return s->seccomp ? seccomp_enforce(s->seccomp) : 0;
}

static void seccomp_release_work(struct spawn_work *w)
{
	seccomp_program_release(&w->seccomp);
	for (int i = 0; i < 2; i++) {
		if (w->seccomp_pipe[i] >= 0)
			close(w->seccomp_pipe[i]);
		w->seccomp_pipe[i] = -1;
	}
}

/* The order of every step (docs/architecture.md, "The layer table"). */
const struct sandbox_layer sandbox_layers[] = {
	{.name = "cgroup",
	 .wanted = cgroup_wanted,
	 .prepare = cgroup_prepare,
	 .attach = cgroup_attach,
	 .destroy = cgroup_destroy,
	 .release_work = cgroup_release_work,
	 .prepared = "cgroups created",
	 .destroyed = "cgroups removed"},
	{.name = "quotas",
	 .wanted = quotas_wanted,
	 .prepare = quotas_prepare,
	 .destroy = quotas_destroy,
	 .prepared = "accounting programs attached",
	 .destroyed = "accounting detached"},
	{.name = "bpf",
	 .wanted = bpf_wanted,
	 .prepare = bpf_prepare,
	 .event_fd = bpf_event_fd,
	 .poll_events = bpf_poll,
	 .finish = bpf_poll,
	 .destroy = bpf_destroy,
	 .prepared = "BPF sandbox created",
	 .destroyed = "BPF sandbox removed"},
	{.name = "namespaces",
	 .wanted = namespaces_wanted,
	 .prepare = namespaces_prepare,
	 .child_phase = CHILD_MOUNTS,
	 .enforce = namespaces_enforce,
	 .release_work = namespaces_release_work,
	 .destroy = namespaces_destroy,
	 .prepared = "own root planned",
	 .destroyed = "hosts file removed"},
	{.name = "rlimit",
	 .wanted = rlimit_wanted,
	 .prepare = rlimit_layer_prepare,
	 .child_phase = CHILD_LIMITS,
	 .enforce = rlimit_layer_enforce},
	{.name = "landlock",
	 .wanted = landlock_wanted,
	 .prepare = landlock_layer_prepare,
	 .child_phase = CHILD_CONFINE,
	 .enforce = landlock_layer_enforce,
	 .release_work = landlock_release_work,
	 .prepared = "Landlock ruleset built"},
	{.name = "supervisor",
	 .wanted = supervisor_wanted,
	 .prepare = supervisor_prepare,
	 .start = supervisor_start,
	 .child_phase = CHILD_CONFINE,
	 .enforce = supervisor_enforce,
	 .finish = supervisor_finish,
	 .destroy = supervisor_stop,
	 .release_work = supervisor_release_work,
	 .prepared = "supervisor filter built"},
	{.name = "seccomp",
	 .wanted = seccomp_wanted,
	 .prepare = seccomp_layer_prepare,
	 .released = seccomp_layer_released,
	 .child_phase = CHILD_CONFINE,
	 .enforce = seccomp_layer_enforce,
	 .release_work = seccomp_release_work,
	 .prepared = "seccomp pipe made (or program built)"},
};
const size_t sandbox_layers_count = sizeof(sandbox_layers) / sizeof(sandbox_layers[0]);
_Static_assert(sizeof(sandbox_layers) / sizeof(sandbox_layers[0]) <= LAYERS_MAX,
	       "the monitor polls at most LAYERS_MAX layers");

enum parent_step { STEP_PREPARE, STEP_ATTACH, STEP_RELEASED, STEP_START };

static int run_parent_step(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err,
			   enum parent_step which)
{
	for (size_t i = 0; i < sandbox_layers_count; i++) {
		const struct sandbox_layer *l = &sandbox_layers[i];
		int (*step)(struct ward_sandbox *, struct spawn_work *, ward_error *) =
			which == STEP_PREPARE	 ? l->prepare
			: which == STEP_ATTACH	 ? l->attach
			: which == STEP_RELEASED ? l->released
						 : l->start;
		if (!step || !l->wanted(&sb->plan))
			continue;
		int r = step(sb, w, err);
		if (r < 0)
			return r;
		if (which == STEP_PREPARE && l->prepared)
			trace_phase(l->prepared);
	}
	return 0;
}

int layers_prepare(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	return run_parent_step(sb, w, err, STEP_PREPARE);
}

int layers_attach(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	return run_parent_step(sb, w, err, STEP_ATTACH);
}

int layers_released(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	return run_parent_step(sb, w, err, STEP_RELEASED);
}

int layers_start(struct ward_sandbox *sb, struct spawn_work *w, ward_error *err)
{
	return run_parent_step(sb, w, err, STEP_START);
}

int layers_child_enforce(const struct child_setup *s, enum layer_child_phase phase, int *stage,
			 int *step)
{
	for (size_t i = 0; i < sandbox_layers_count; i++) {
		const struct sandbox_layer *l = &sandbox_layers[i];
		if (l->child_phase != phase || !l->enforce)
			continue;
		int r = l->enforce(s, stage, step);
		if (r < 0)
			return r;
	}
	return 0;
}

size_t layers_event_fds(struct ward_sandbox *sb, int *fds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < sandbox_layers_count && n < max; i++)
		fds[n++] = sandbox_layers[i].event_fd ? sandbox_layers[i].event_fd(sb) : -1;
	return n;
}

void layers_poll_events(struct ward_sandbox *sb, size_t index)
{
	if (index < sandbox_layers_count && sandbox_layers[index].poll_events)
		sandbox_layers[index].poll_events(sb);
}

void layers_finish(struct ward_sandbox *sb)
{
	for (size_t i = 0; i < sandbox_layers_count; i++)
		if (sandbox_layers[i].finish)
			sandbox_layers[i].finish(sb);
}

void layers_destroy(struct ward_sandbox *sb)
{
	for (size_t i = sandbox_layers_count; i-- > 0;) {
		if (!sandbox_layers[i].destroy)
			continue;
		if (sandbox_layers[i].destroy(sb) && sandbox_layers[i].destroyed)
			trace_phase(sandbox_layers[i].destroyed);
	}
}

void layers_release_work(struct spawn_work *w)
{
	for (size_t i = sandbox_layers_count; i-- > 0;)
		if (sandbox_layers[i].release_work)
			sandbox_layers[i].release_work(w);
}
