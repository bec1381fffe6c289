/* child.c — the child's side of a spawn, from clone to exec.
 * Only async-signal-safe system calls here: no malloc, no stdio, no locks.
 * The order is the security argument, so it is written where it happens;
 * any failure reports (stage, errno) to the parent and exits — never execs
 * a half-confined program.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/trace.h"
#include "sandbox/layers.h"
#include "sandbox/sandbox.h"
#include "sandbox/world.h"

/* fork(2) without glibc's fork(3). This process is a raw clone of a
 * possibly multi-threaded ward (a Python program running sandboxes from
 * threads): any lock another thread held at that instant is held forever
 * here. fork(3) takes the malloc arena locks, the stdio list lock and the
 * atfork lock, and runs the atfork handlers, so it hangs the spawn for good
 * when the clone caught another thread in malloc. The raw system call takes
 * no lock; like the clone before it, it leaves glibc's thread state stale,
 * which nothing in the child reads. */
static pid_t raw_fork(void)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, NULL, NULL, 0UL);
}

static const char *const stage_names[] = {
	[STAGE_SYNC] = "waiting for the parent",
	[STAGE_STDIO] = "setting up standard input and output",
	[STAGE_HOSTNAME] = "setting the hostname",
	[STAGE_RLIMIT] = "setting resource limits",
	[STAGE_CWD] = "changing directory",
	[STAGE_NO_NEW_PRIVS] = "setting no_new_privs",
	[STAGE_LANDLOCK] = "enforcing Landlock",
	[STAGE_SUPERVISOR] = "installing the supervisor's filter",
	[STAGE_SECCOMP] = "installing the seccomp filter",
	[STAGE_EXEC] = "executing",
	[STAGE_INIT] = "starting the keeper",
	[STAGE_FDS] = "closing descriptors",
	[STAGE_CGROUP] = "joining the sandbox cgroup",
	[STAGE_NAMESPACES] = "entering the cgroup namespace",
	[STAGE_MOUNTS] = "building the sandbox's root (mounts)",
	[STAGE_PIVOT] = "entering the sandbox's root (pivot_root)",
	[STAGE_LOOPBACK] = "bringing up lo in the network namespace",
	[STAGE_CAPS] = "dropping capabilities",
	[STAGE_MOUNT] = "masking denied paths in the mount namespace",
	[STAGE_SETFCAP] = "dropping CAP_SETFCAP, CAP_FSETID and CAP_MKNOD",
};

const char *child_stage_name(int stage)
{
	if (stage <= 0 || stage >= (int)(sizeof(stage_names) / sizeof(stage_names[0])))
		return "setting up";
	return stage_names[stage];
}

static __attribute__((noreturn)) void fail_step(const struct child_setup *s, int stage, int error,
						int step)
{
	struct child_report report = {.stage = stage, .error = error, .step = step};
	ssize_t unused = write(s->report_fd, &report, sizeof(report));
	(void)unused;
	if (stage == STAGE_EXEC)
		_exit(error == ENOENT ? WARD_EXIT_NOT_FOUND : WARD_EXIT_CANNOT_EXEC);
	_exit(WARD_EXIT_ERROR);
}

static __attribute__((noreturn)) void fail(const struct child_setup *s, int stage, int error)
{
	fail_step(s, stage, error, 0);
}

/* The caller's descriptors become 0, 1 and 2. A source that is itself one
 * of 0..2 is moved out of the way first, so that an earlier dup2 cannot
 * overwrite it (stdout and stderr to one pipe, or 1 and 2 swapped). */
static int setup_stdio(const struct child_setup *s)
{
	int src[3];
	/* A caller that runs with 0..2 closed may have left ward's own
	 * descriptors there: never overwrite them, refuse. */
	const int ours[] = {s->report_fd, s->landlock_fd, s->sup_filter ? s->sup_sock : -1,
			    s->seccomp_fd};
	for (int i = 0; i < 3; i++)
		for (size_t j = 0; s->stdio[i] >= 0 && j < sizeof(ours) / sizeof(ours[0]); j++)
			if (ours[j] == i)
				return -EBADF;
	for (int i = 0; i < 3; i++) {
		src[i] = s->stdio[i];
		if (src[i] >= 0 && src[i] < 3 && src[i] != i) {
			src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
			if (src[i] < 0)
				return -errno;
		}
	}
	for (int i = 0; i < 3; i++) {
		if (src[i] < 0)
			continue;
		if (src[i] == i) { /* dup2 onto itself would keep close-on-exec */
			if (fcntl(i, F_SETFD, 0) < 0)
				return -errno;
		} else if (dup2(src[i], i) < 0) {
			return -errno;
		}
	}
	return 0;
}

/* Marks every descriptor above 2 close-on-exec; ours that are still needed
 * until exec (the report pipe, the supervisor's socket) keep working. */
static int mark_fds_cloexec(void)
{
	if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* Before 5.11: one by one, up to the descriptor limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	rlim_t top = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576 ? 1048576 : rl.rlim_cur;
	for (rlim_t fd = 3; fd < top; fd++) {
		int flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
	}
	return 0;
}

void child_run(const struct child_setup *s)
{
	char go;

	/* 1. Die with ward. If ward died before the death signal was armed,
	 * step 2's read sees the end of the sync channel and we exit there.
	 * (In a new pid namespace getppid() is 0: the parent is outside.) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || (!s->pid_namespace && getppid() != s->parent))
		_exit(WARD_EXIT_ERROR);

	/* 2. Wait until the parent has put us in the sandbox cgroups (and
	 * written the user namespace maps): nothing runs outside them. */
	if (read(s->sync_fd, &go, 1) != 1)
		fail(s, STAGE_SYNC, errno ? errno : EPIPE);
	trace_phase("child: released by the parent");
	if (s->keeper != KEEPER_SUBREAPER)
		close(s->sync_fd);

	/* 2b. Into the v1 cgroups the parent did not place us in: moving
	 * oneself as a single thread skips the global threadgroup lock a
	 * move of a whole process takes, and with it an RCU grace period
	 * (about 10 ms). We are single-threaded, so the thread is the process;
	 * nothing else runs before it. */
	if (s->cgroup_tasks_fd >= 0) {
		if (write(s->cgroup_tasks_fd, "0", 1) != 1)
			fail(s, STAGE_CGROUP, errno);
		close(s->cgroup_tasks_fd);
		trace_phase("child: joined its v1 cgroup");
	}

	/* 3. A clean signal state: the caller (a Python host, a shell) may
	 * block or ignore signals, and exec keeps both. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* 3b. The standard descriptors the caller chose; nothing else of the
	 * caller's reaches the program when it asked so. */
	{
		int r = setup_stdio(s);
		if (r == 0 && s->close_fds)
			r = mark_fds_cloexec();
		if (r < 0)
			fail(s, STAGE_STDIO, -r);
	}

	/* 4a-4b. The layers' CHILD_MOUNTS steps (layers_table.c): the
	 * sandbox's own world, with the capabilities of its user namespace
	 * (the parent wrote the id maps before the release): cgroup namespace
	 * -> mounts -> pivot_root -> lo; then the masks of denied paths and
	 * the carve-outs, before Landlock forbids mounting and before chdir,
	 * which must see them. */
	{
		int stage = STAGE_NAMESPACES, step = 0;
		int r = layers_child_enforce(s, CHILD_MOUNTS, &stage, &step);
		if (r < 0)
			fail_step(s, stage, -r, step);
	}

	/* 4c. Nothing planted in a write grant may grant privilege outside
	 * (ward run as root maps root to root): no file capabilities
	 * (CAP_SETFCAP); no keeping S_ISUID on a set-id file root rewrites
	 * (CAP_FSETID: without it the kernel clears the bit on every write or
	 * truncate); no device nodes (CAP_MKNOD, beside seccomp's rule). Without
	 * CAP_SETPCAP (unprivileged, no user namespace) none is held either. */
	static const int dropped_caps[] = {CAP_SETFCAP, CAP_FSETID, CAP_MKNOD};
	for (size_t i = 0; i < sizeof(dropped_caps) / sizeof(dropped_caps[0]); i++)
		if (prctl(PR_CAPBSET_DROP, dropped_caps[i], 0, 0, 0) < 0 && errno != EPERM)
			fail(s, STAGE_SETFCAP, errno);

	/* 5. Namespaced identity, limits and directory, while we still may. */
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		fail(s, STAGE_HOSTNAME, errno);
	{
		int stage = STAGE_RLIMIT, step = 0;
		int r = layers_child_enforce(s, CHILD_LIMITS, &stage, &step);
		if (r < 0)
			fail_step(s, stage, -r, step);
	}
	if (!s->world && s->cwd && chdir(s->cwd) < 0)
		fail(s, STAGE_CWD, errno);

	/* 5b. No capabilities from here on, as root too. */
	if (s->drop_caps) {
		int r = world_drop_caps();
		if (r < 0)
			fail(s, STAGE_CAPS, -r);
	}

	trace_phase("child: identity, limits, capabilities done");
	/* 6. no_new_privs: required by Landlock and unprivileged seccomp, and
	 * it keeps setuid binaries from lifting the confinement. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(s, STAGE_NO_NEW_PRIVS, errno);

	/* 6b. Without a pid namespace, the keeper is forked here: a
	 * subreaper outside the Landlock domain (the program cannot signal or
	 * trace it, with Landlock's scoping), which kills every descendant at
	 * the end (keeper.c). Signals stay blocked until each side is ready. */
	if (s->keeper == KEEPER_SUBREAPER) {
		static const int forwarded[] = {WARD_FORWARDED_SIGNALS};
		sigset_t block;
		sigemptyset(&block);
		sigaddset(&block, SIGCHLD);
		for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
			sigaddset(&block, forwarded[i]);
		sigprocmask(SIG_BLOCK, &block, NULL);
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			fail(s, STAGE_INIT, errno);
		pid_t keeper = getpid();
		pid_t child = raw_fork();
		if (child < 0)
			fail(s, STAGE_INIT, errno);
		if (child > 0)
			keeper_run_subreaper(s, child);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != keeper)
			_exit(WARD_EXIT_ERROR);
		close(s->sync_fd);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}

	/* 7-9. The layers' CHILD_CONFINE steps, in table order: Landlock
	 * (filesystem, TCP ports, scopes); the supervisor's notification
	 * filter, its listener handed to ward (before the main filter, which
	 * would deny nothing it needs, after Landlock so that what it traps is
	 * already confined); seccomp last: it denies calls the steps above
	 * need. */
	{
		int stage = STAGE_LANDLOCK, step = 0;
		int r = layers_child_enforce(s, CHILD_CONFINE, &stage, &step);
		if (r < 0)
			fail_step(s, stage, -r, step);
	}
	trace_phase("child: Landlock, supervisor filter, seccomp enforced");

	/* 10. As pid 1 of a new pid namespace, fork the program under an init.
	 * Both are confined already. */
	if (s->pid_namespace) {
		/* The keeper is a copy of ward: its environment block holds
		 * the secrets the program's was cleaned of, its memory ward's
		 * heap (a library caller's). Not dumpable, the program (same
		 * uid, same Landlock domain) cannot read its /proc/1/environ
		 * or mem. Only after the fork: the supervisor of an
		 * unprivileged ward attaches to the forking keeper, which a
		 * non-dumpable one refuses; the program waits at the gate
		 * until the keeper is, and fails if it could not be made so. */
		int gate[2];
		if (pipe2(gate, O_CLOEXEC) < 0)
			fail(s, STAGE_INIT, errno);
		pid_t child = raw_fork();
		if (child < 0)
			fail(s, STAGE_INIT, errno);
		if (child > 0) {
			close(gate[0]);
			if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0) {
				ssize_t unused = write(gate[1], "1", 1);
				(void)unused;
			}
			close(gate[1]);
			keeper_run_pidns(s, child);
		}
		close(gate[1]);
		char opened;
		if (read(gate[0], &opened, 1) != 1)
			fail(s, STAGE_INIT, EPERM);
		close(gate[0]);
	}

	/* 11. Only the descriptors passed on purpose cross exec. */
	if (s->pass_fds) {
		int r = fds_enforce(s->pass_fds, s->report_fd);
		if (r < 0)
			fail(s, STAGE_FDS, -r);
	}

	trace_phase("child: exec");
	execve(s->exec_path, s->argv, s->envp);
	fail(s, STAGE_EXEC, errno);
}
