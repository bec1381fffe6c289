/* spawn.c — starting a sandbox from its plan (run/run_api.c plans the
 * policy for this host; nothing here reads the policy): prepare every layer
 * in the parent, clone the child, place it in its cgroups and
 * namespaces, then let it confine itself and exec.
 * Refuses to start (and leaves nothing behind) when any rule cannot be
 * enforced and was not allowed to degrade: never fails open.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <sys/socket.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "core/trace.h"
#include "host/features.h"
#include "layers/mount_mask.h"
#include "sandbox/layers.h"
#include "sandbox/live.h"
#include "sandbox/sandbox.h"

static void make_sandbox_id(char *out, size_t size)
{
	unsigned char raw[8];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		unsigned long long mix =
			(unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 32);
		memcpy(raw, &mix, sizeof(raw));
	}
	snprintf(out, size, "ward-%02x%02x%02x%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2], raw[3],
		 raw[4], raw[5], raw[6], raw[7]);
}

static int write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	if (n < 0)
		return -errno;
	return (size_t)n == strlen(text) ? 0 : -EIO;
}

/* Maps our own uid and gid into the child's new user namespace, so files
 * keep their owners and the program keeps its identity. */
static int write_id_maps(pid_t pid, ward_error *err)
{
	char path[64], line[64];
	int r;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	if ((r = write_file(path, "deny")) < 0 && r != -ENOENT)
		return ward_fail_errno(err, r, "writing %s", path);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	snprintf(line, sizeof(line), "%u %u 1\n", getuid(), getuid());
	if ((r = write_file(path, line)) < 0)
		return ward_fail_errno(err, r, "writing %s", path);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	snprintf(line, sizeof(line), "%u %u 1\n", getgid(), getgid());
	if ((r = write_file(path, line)) < 0)
		return ward_fail_errno(err, r, "writing %s", path);
	return 0;
}

static unsigned long clone_flags_for(unsigned ns)
{
	unsigned long flags = 0;
	if (ns & WARD_NS_USER)
		flags |= CLONE_NEWUSER;
	if (ns & WARD_NS_NET)
		flags |= CLONE_NEWNET;
	if (ns & WARD_NS_PID)
		flags |= CLONE_NEWPID;
	if (ns & WARD_NS_IPC)
		flags |= CLONE_NEWIPC;
	if (ns & WARD_NS_UTS)
		flags |= CLONE_NEWUTS;
	if (ns & WARD_NS_MOUNT)
		flags |= CLONE_NEWNS;
	/* WARD_NS_CGROUP: the child unshares it once inside its cgroups, so
	 * that the namespace is rooted at the sandbox's cgroup. */
	return flags;
}

/* Raw clone: namespaces, a pidfd and, where there is a v2 cgroup, birth
 * inside it (CLONE_INTO_CGROUP, 5.7+: no migration, which costs a
 * synchronize_rcu) in one step. The child runs only child_run(), which
 * makes no library calls that could need a lock. Returns the pid (0 in the
 * child) or -1 with errno. */
static long spawn_clone(unsigned long ns_flags, int cgroup_fd, int *pidfd, bool *born_in_cgroup)
{
	*born_in_cgroup = false;
	if (cgroup_fd >= 0) {
		struct clone_args args = {
			.flags = ns_flags | CLONE_PIDFD | CLONE_INTO_CGROUP,
			.pidfd = (uint64_t)(uintptr_t)pidfd,
			.exit_signal = SIGCHLD,
			.cgroup = (uint64_t)cgroup_fd,
		};
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*born_in_cgroup = pid > 0;
			return pid;
		}
		/* Older kernels: no clone3 or no CLONE_INTO_CGROUP; migrate. */
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
			return -1;
	}
	return syscall(SYS_clone, ns_flags | CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL, 0);
}

/* What only the start needed: the layers' part, then the channels. */
static void spawn_work_release(struct spawn_work *w)
{
	layers_release_work(w);
	environ_free(w->envp);
	w->envp = NULL;
	for (int i = 0; i < 2; i++) {
		if (w->sync_pipe[i] >= 0)
			close(w->sync_pipe[i]);
		if (w->report_pipe[i] >= 0)
			close(w->report_pipe[i]);
		w->sync_pipe[i] = w->report_pipe[i] = -1;
	}
}

int sandbox_reap(struct ward_sandbox *sb, int *status, struct rusage *usage)
{
	struct pollfd pfd = {.fd = sb->pidfd, .events = POLLIN};
	while (sb->pidfd >= 0 && poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	pid_t r;
	while ((r = wait4(sb->pid, status, __WNOTHREAD, usage)) < 0 && errno == EINTR)
		;
	return r < 0 ? -errno : 0;
}

static void count_denial(void *ctx)
{
	live_count_denial(ctx);
}

static void sandbox_release(struct ward_sandbox *sb)
{
	event_sink_close(&sb->sink); /* frees what a failed spawn queued */
	sandbox_teardown(sb);
	/* After the event sources have stopped (the teardown): they count
	 * denials in it. */
	live_unpublish(sb);
	free(sb->start_event);
	sb->start_event = NULL;
	if (sb->plan_valid)
		plan_free(&sb->plan);
	sb->plan_valid = false;
	if (sb->pidfd >= 0)
		close(sb->pidfd);
	sb->pidfd = -1;
	if (sb->keeper_fd >= 0)
		close(sb->keeper_fd);
	sb->keeper_fd = -1;
}

/* Reads the child's report: EOF means exec succeeded. */
static int await_exec(struct ward_sandbox *sb, struct spawn_work *w, const char *exec_path,
		      char *const argv[], ward_error *err)
{
	struct child_report report;
	ssize_t n;
	do
		n = read(w->report_pipe[0], &report, sizeof(report));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(report))
		return ward_fail(err, -EIO, "lost contact with the sandbox child");
	int status;
	sandbox_reap(sb, &status, NULL);
	sb->pid = -1;
	if (report.stage == STAGE_EXEC) {
		char why[sizeof(err->message)];
		bool policy_caused =
			exec_diagnose(&sb->plan, exec_path, argv, report.error, why, sizeof(why));
		ward_fail(err, -report.error, "%s", why);
		if (err)
			err->exit_status = report.error == ENOENT && !policy_caused
						   ? WARD_EXIT_NOT_FOUND
						   : WARD_EXIT_CANNOT_EXEC;
		return -report.error;
	}
	char step_buf[PATH_MAX + 64];
	const char *step = world_step_name(&w->world, report.step, step_buf, sizeof(step_buf));
	return ward_fail(err, -report.error, "sandbox setup failed while %s%s%s: %s",
			 child_stage_name(report.stage), step ? ", " : "", step ? step : "",
			 strerror(report.error));
}

void ward_spawn_config_init(struct ward_spawn_config *config)
{
	memset(config, 0, sizeof(*config));
	config->size = sizeof(*config);
	config->stdin_fd = config->stdout_fd = config->stderr_fd = -1;
	config->cancel_fd = -1;
}

/* The clone3/openat2 convention for the struct's size. */
int sandbox_config_copy(const struct ward_spawn_config *in, struct ward_spawn_config *out,
			ward_error *err)
{
	ward_spawn_config_init(out);
	if (!in)
		return 0;
	if (in->size < offsetof(struct ward_spawn_config, on_event))
		return ward_fail(err, -EINVAL,
				 "ward_spawn_config: size %zu is too small (set it to sizeof)",
				 in->size);
	if (in->size > sizeof(*out)) {
		const unsigned char *extra = (const unsigned char *)in + sizeof(*out);
		for (size_t i = 0; i < in->size - sizeof(*out); i++)
			if (extra[i])
				return ward_fail(err, -E2BIG,
						 "ward_spawn_config: fields this libward (%s) "
						 "does not know are set",
						 WARD_VERSION);
	}
	memcpy(out, in, in->size < sizeof(*out) ? in->size : sizeof(*out));
	out->size = sizeof(*out);
	const int fds[] = {out->stdin_fd, out->stdout_fd, out->stderr_fd, out->cancel_fd};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0 && fcntl(fds[i], F_GETFD) < 0)
			return ward_fail(err, -EBADF,
					 "ward_spawn_config: descriptor %d is not open", fds[i]);
	return 0;
}

/* A network socket the program inherits was made outside the sandbox's
 * cgroup: the accounting programs (cgroup_skb, keyed by the socket's cgroup)
 * never see its packets, so a byte quota would not hold for it (stdout
 * redirected to a TCP connection, or one passed with --pass-fd). Returns the
 * first such descriptor the program would get (its standard ones and the
 * passed ones: every other is closed before exec), or -1. */
static bool is_net_socket(int fd)
{
	int domain = 0;
	socklen_t len = sizeof(domain);
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	       getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain != AF_UNIX &&
	       domain != AF_NETLINK;
}

static int inherited_net_socket(const struct ward_spawn_config *config)
{
	const int stdio[3] = {config->stdin_fd, config->stdout_fd, config->stderr_fd};
	for (int i = 0; i < 3; i++)
		if (is_net_socket(stdio[i] >= 0 ? stdio[i] : i))
			return i;
	for (size_t i = 0; i < config->n_pass_fds; i++)
		if (is_net_socket(config->pass_fds[i]))
			return config->pass_fds[i];
	return -1;
}

int sandbox_spawn(struct plan *plan, char *const argv[], const struct ward_spawn_config *config_in,
		  ward_sandbox **out, ward_error *err)
{
	int r;
	struct ward_spawn_config config;
	if ((r = sandbox_config_copy(config_in, &config, err)) < 0) {
		plan_free(plan);
		return r;
	}
	struct ward_sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb) {
		plan_free(plan);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	/* The sandbox owns the plan from here: its sections are the layers'
	 * only input. */
	sb->plan = *plan;
	memset(plan, 0, sizeof(*plan));
	sb->plan_valid = true;
	sb->pidfd = -1;
	sb->pid = -1;
	sb->keeper_fd = -1;
	make_sandbox_id(sb->id, sizeof(sb->id));
	snprintf(sb->sink.sandbox_id, sizeof(sb->sink.sandbox_id), "%s", sb->id);
	sb->sink.held = true; /* until the start event: monitor_emit_start */
	sb->sink.on_denial = count_denial;
	sb->sink.denial_ctx = sb;
	sb->sink.fn = config.on_event;
	sb->sink.userdata = config.event_userdata;
	sb->forward_signals = config.forward_signals;
	sb->cancel_fd = config.cancel_fd;
	sb->skip_start_event = config.skip_start_event != 0;

	struct spawn_work w = {.landlock_fd = -1,
			       .seccomp_pipe = {-1, -1},
			       .sync_pipe = {-1, -1},
			       .report_pipe = {-1, -1},
			       .sup_pair = {-1, -1},
			       .cg_tasks_fd = -1,
			       .cwd = sb->plan.cwd};
	char exec_path[PATH_MAX];

	/* The passed descriptors are checked before anything is made. */
	if ((r = fds_prepare(config.pass_fds, config.n_pass_fds, &w.pass, err)) < 0)
		goto fail_early;

	w.envp = environ_build(&sb->plan.env, NULL);
	if (!w.envp) {
		r = ward_fail(err, -ENOMEM, "building the environment: out of memory");
		goto fail_early;
	}
	r = environ_resolve_command(argv[0], w.envp, exec_path, sizeof(exec_path));
	if (r < 0) {
		if (r == -ENOENT)
			ward_fail(err, r, "%s: command not found", argv[0]);
		else
			ward_fail(err, r, "%s: cannot execute: %s", argv[0], strerror(-r));
		if (err)
			err->exit_status =
				r == -ENOENT ? WARD_EXIT_NOT_FOUND : WARD_EXIT_CANNOT_EXEC;
		goto fail_early;
	}
	environ_free(w.envp);
	w.envp = NULL;

	/* With its own root the sandbox has tmpfs mounts, no host directory. */
	if (sb->plan.private_tmp_dir) {
		if ((r = private_tmp_create(sb->id, &sb->private_tmp, err)) < 0)
			goto fail;
		plan_resolve_private_tmp(&sb->plan, sb->private_tmp);
	}
	/* The monitor's deadline and the cpu_time verdict: as planned. */
	const struct plan_limit *timeout = &sb->plan.limits[WARD_LIMIT_TIMEOUT_MS];
	const struct plan_limit *cpu_time = &sb->plan.limits[WARD_LIMIT_CPU_TIME];
	sb->timeout_ms = timeout->set && timeout->layer == LAYER_MONITOR ? timeout->value : 0;
	sb->cpu_time_s = cpu_time->set ? cpu_time->value : 0;
	w.envp = sb->plan.world ? environ_build_world(&sb->plan.env)
				: environ_build(&sb->plan.env, sb->private_tmp);
	if (!w.envp) {
		r = ward_fail(err, -ENOMEM, "building the environment: out of memory");
		goto fail;
	}

	/* A byte quota that an inherited socket would bypass. */
	if (sb->plan.quota_amount[WARD_QUOTA_NET_EGRESS_BYTES] ||
	    sb->plan.quota_amount[WARD_QUOTA_NET_INGRESS_BYTES]) {
		int fd = inherited_net_socket(&config);
		if (fd >= 0) {
			r = ward_fail(err, -EINVAL,
				      "network quota: descriptor %d is a network socket opened "
				      "outside the sandbox, whose traffic the quota cannot count "
				      "(give the program a file or pipe there instead, or run "
				      "without the quota)",
				      fd);
			goto fail;
		}
	}
	/* A denial that a hard link made before the run would bypass. */
	if ((r = mount_mask_check_links(&sb->plan, err)) < 0)
		goto fail;
	/* Every layer the plan wants, in table order (layers_table.c). */
	if ((r = layers_prepare(sb, &w, err)) < 0)
		goto fail;

	/* The sync channel is a socket so the release can be sent with
	 * MSG_NOSIGNAL: a child that died must not kill ward with SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w.sync_pipe) < 0 ||
	    pipe2(w.report_pipe, O_CLOEXEC) < 0) {
		r = ward_fail_errno(err, -errno, "creating pipes");
		goto fail;
	}

	unsigned ns = sb->plan.ns_flags;
	struct child_setup setup = {
		.exec_path = exec_path,
		.argv = argv,
		.envp = w.envp,
		.cwd = sb->plan.cwd,
		.hostname = sb->plan.hostname,
		.sync_fd = w.sync_pipe[0],
		.report_fd = w.report_pipe[1],
		.mount_plan = sb->plan.mount_ns ? &sb->plan : NULL,
		.landlock_fd = w.landlock_fd,
		.sup_filter = w.supervised ? &w.sup_filter : NULL,
		.sup_sock = w.sup_pair[1],
		/* The filter is in memory now, or comes on the pipe. */
		.seccomp = sb->plan.seccomp && w.seccomp_pipe[0] < 0 ? &w.seccomp : NULL,
		.seccomp_fd = sb->plan.seccomp ? w.seccomp_pipe[0] : -1,
		.rlimits = &w.rlimits,
		.pid_namespace = ns & WARD_NS_PID,
		.keeper = (ns & WARD_NS_PID) ? KEEPER_PIDNS : sb->plan.keeper,
		.pass_fds = &w.pass,
		.cgroup_tasks_fd = w.cg_tasks_fd,
		.world = sb->plan.world ? &w.world : NULL,
		.cgroup_namespace = ns & WARD_NS_CGROUP,
		.loopback_up = ns & WARD_NS_NET,
		.drop_caps = sb->plan.drop_caps,
		.stdio = {config.stdin_fd, config.stdout_fd, config.stderr_fd},
		.close_fds = config.close_fds,
		.parent = getpid(),
	};
	sb->keeper = setup.keeper;

	int pidfd = -1;
	long pid = spawn_clone(clone_flags_for(ns) | (sb->plan.mount_ns ? CLONE_NEWNS : 0),
			       sb->cgroup ? cgroup_sandbox_v2_fd(sb->cgroup) : -1, &pidfd,
			       &w.born_in_cgroup);
	if (pid < 0) {
		r = ward_fail_errno(err, -errno, "cannot start the sandbox (clone)");
		goto fail;
	}
	if (pid == 0) {
		close(w.sync_pipe[1]);
		close(w.report_pipe[0]);
		if (w.sup_pair[0] >= 0)
			close(w.sup_pair[0]);
		if (w.seccomp_pipe[1] >= 0) /* its end: EOF if ward fails to build */
			close(w.seccomp_pipe[1]);
		child_run(&setup);
	}
	trace_phase("cloned");
	sb->pid = (pid_t)pid;
	sb->pidfd = pidfd;
	close(w.sync_pipe[0]);
	w.sync_pipe[0] = -1;
	close(w.report_pipe[1]);
	w.report_pipe[1] = -1;
	if (w.sup_pair[1] >= 0) {
		close(w.sup_pair[1]);
		w.sup_pair[1] = -1;
	}
	if (w.seccomp_pipe[0] >= 0) {
		close(w.seccomp_pipe[0]);
		w.seccomp_pipe[0] = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &sb->started);

	if ((ns & WARD_NS_USER) && (r = write_id_maps(sb->pid, err)) < 0)
		goto fail_child;
	/* The layers place the child (its cgroups) before it is released. */
	if ((r = layers_attach(sb, &w, err)) < 0)
		goto fail_child;
	trace_phase("id maps written, cgroups joined");
	if (send(w.sync_pipe[1], "g", 1, MSG_NOSIGNAL) != 1) {
		r = ward_fail_errno(err, -errno, "releasing the sandbox child");
		goto fail_child;
	}
	/* While the child builds its own root: what it needs only later. */
	if ((r = layers_released(sb, &w, err)) < 0)
		goto fail_child;
	/* Without a pid namespace the keeper forks the program before it
	 * confines itself and says which pid it has: the supervisor takes the
	 * listener from that process. */
	w.program = sb->pid;
	if (setup.keeper == KEEPER_SUBREAPER) {
		int32_t msg;
		ssize_t n;
		do
			n = read(w.sync_pipe[1], &msg, sizeof(msg));
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof(msg) && msg > 0) {
			w.program = msg;
		} else {
			/* Setup failed before the fork: the report says why. */
			if ((r = await_exec(sb, &w, exec_path, argv, err)) < 0)
				goto fail;
			r = ward_fail(err, -EIO, "lost contact with the sandbox keeper");
			goto fail_child;
		}
	}
	/* The layers that serve the child from outside start now, before it
	 * reaches exec (the supervisor: exec may be trapped). */
	if ((r = layers_start(sb, &w, err)) < 0)
		goto fail_child;
	/* Also while the child sets up: the start event (sent after exec)
	 * and the record ward ps reads (removed if the spawn fails). */
	monitor_prepare_start(sb, argv);
	live_publish(sb, sb->plan.name, argv);
	trace_phase("start event built, published");
	if ((r = await_exec(sb, &w, exec_path, argv, err)) < 0)
		goto fail;
	trace_phase("program exec'd");
	sb->exec_done = true;
	if (setup.keeper == KEEPER_SUBREAPER) {
		/* Kept: its closing tells the keeper that ward is gone, and the
		 * keeper's proof that everything is gone comes back on it. */
		sb->keeper_fd = w.sync_pipe[1];
		w.sync_pipe[1] = -1;
	}

	spawn_work_release(&w);
	monitor_emit_start(sb);
	trace_phase("started (event emitted)");
	*out = sb;
	return 0;

fail_child:
	kill(sb->pid, SIGKILL);
	sandbox_reap(sb, NULL, NULL);
	sb->pid = -1;
fail:
	spawn_work_release(&w);
	sandbox_release(sb);
	free(sb);
	return r;
fail_early:
	environ_free(w.envp);
	if (sb->plan_valid)
		plan_free(&sb->plan);
	free(sb);
	return r;
}

pid_t ward_sandbox_pid(const ward_sandbox *sb)
{
	return sb->pid;
}

const char *ward_sandbox_id(const ward_sandbox *sb)
{
	return sb->id;
}

void ward_sandbox_free(ward_sandbox *sb)
{
	if (!sb)
		return;
	if (!sb->finished && sb->pid > 0) {
		ward_sandbox_kill(sb);
		sandbox_reap(sb, NULL, NULL);
		sandbox_end_all(sb);
	}
	sandbox_release(sb);
	free(sb);
}
