/* keeper.c — the sandbox's keeper: the one process that outlives every
 * other, so that nothing the program starts outlives the sandbox.
 * Only async-signal-safe system calls (it runs between clone and exec in a
 * copy of a possibly multi-threaded ward): no malloc, no stdio.
 *
 * KEEPER_PIDNS: pid 1 of the sandbox's pid namespace. It forwards signals
 * (as pid 1 the program would ignore every signal it has no handler for),
 * reaps orphans and exits the way the program did; its exit makes the
 * kernel kill every process of the namespace, and ward (its parent, with
 * PR_SET_PDEATHSIG SIGKILL on it) reaps it only after they are all gone.
 *
 * KEEPER_SUBREAPER: no pid namespace could be made. The keeper is
 * PR_SET_CHILD_SUBREAPER, so a double-forked, setsid daemon is reparented
 * to it, not to the host's init. It stays outside the program's Landlock
 * domain (forked before it), so with Landlock's signal scoping (ABI 6) the
 * program can neither signal nor ptrace it. When the program exits, or ward
 * dies (its end of the sync socket closes, or we are reparented), it
 * SIGKILLs every descendant through pidfds, reaps them until ECHILD, and
 * only then writes KEEPER_DONE to ward: the proof ward needs before it
 * removes anything the sandbox could have touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/idle_memory.h"
#include "sandbox/sandbox.h"

static volatile pid_t init_child_pid;

static void init_forward_signal(int sig, siginfo_t *info, void *context)
{
	(void)context;
	/* A terminal's signal (SI_KERNEL) reached the program's process group
	 * already: forwarding it would deliver it twice. */
	if (init_child_pid > 0 && (!info || info->si_code != SI_KERNEL))
		kill(init_child_pid, sig);
}

/* Exits with the program's status, or dies of the same signal so that
 * ward reports 128+N. */
static __attribute__((noreturn)) void exit_like(int status)
{
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	signal(WTERMSIG(status), SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, WTERMSIG(status));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), WTERMSIG(status));
	_exit(WARD_EXIT_SIGNAL_BASE + WTERMSIG(status));
}

/* The keeper never execs: every descriptor it inherited, close-on-exec or
 * not, would stay open as long as it lives — the write end of the caller's
 * stdin pipe among them, and the program would never see EOF. It keeps only
 * KEEP (or none: -1) above 2. */
static void close_all_but(int keep)
{
	if (keep < 0) {
		syscall(SYS_close_range, 3u, ~0u, 0u);
		return;
	}
	if (keep > 3)
		syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u);
	syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u);
}

void keeper_run_pidns(const struct child_setup *s, pid_t child)
{
	static const int forwarded[] = {WARD_FORWARDED_SIGNALS};
	init_child_pid = child;
	/* The program reports its own exec failure; the parent waits for EOF. */
	close(s->report_fd);
	close_all_but(-1);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = init_forward_signal;
	sa.sa_flags = SA_SIGINFO;
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Once the program has run a while, the keeper (a copy of ward) gives
	 * back the pages of ward's code that only the start-up used. */
	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		if (poll(&p, 1, IDLE_MEMORY_AFTER_MS) == 0)
			idle_memory_shed_text();
		close(pidfd);
	}
	for (;;) {
		int status;
		pid_t pid = wait(&status);
		if (pid < 0 && errno == ECHILD)
			_exit(WARD_EXIT_ERROR);
		if (pid == child)
			exit_like(status);
	}
}

/* ---- KEEPER_SUBREAPER ---- */

static int parse_int(const char *p, const char *end, long *out)
{
	long v = 0;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	*out = v;
	return 0;
}

/* The parent pid of PID from /proc/PID/stat, or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	/* No snprintf: it may take locks. */
	static const char pre[] = "/proc/", post[] = "/stat";
	char num[16];
	int n = 0;
	for (long v = pid; v > 0 && n < 15; v /= 10)
		num[n++] = (char)('0' + v % 10);
	size_t len = 0;
	memcpy(path, pre, sizeof(pre) - 1);
	len = sizeof(pre) - 1;
	while (n > 0)
		path[len++] = num[--n];
	memcpy(path + len, post, sizeof(post));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	char *paren = strrchr(buf, ')');
	/* ") S PPID ..." */
	if (!paren || paren + 4 >= buf + got)
		return -1;
	long ppid;
	if (parse_int(paren + 4, buf + got, &ppid) < 0)
		return -1;
	return (pid_t)ppid;
}

static size_t append_num(char *out, size_t len, long v)
{
	char num[20];
	int n = 0;
	do
		num[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < 20);
	while (n > 0)
		out[len++] = num[--n];
	return len;
}

/* Calls FN for every child of every thread of PID (from
 * /proc/PID/task/TID/children). */
static void for_each_child(pid_t pid, void (*fn)(pid_t child, pid_t parent, void *), void *arg)
{
	char path[96];
	size_t len = 0;
	/* Built by hand (async-signal-safe, no snprintf); the "/task" copy
	 * below brings the terminating NUL. */
	// NOLINTNEXTLINE(bugprone-not-null-terminated-result)
	memcpy(path, "/proc/", 6);
	len = append_num(path, 6, pid);
	memcpy(path + len, "/task", 6);
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return;
	char dents[4096];
	long n;
	while ((n = syscall(SYS_getdents64, dir, dents, sizeof(dents))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(dents + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			char file[64];
			size_t fl = strlen(d->d_name);
			if (fl > 20)
				continue;
			memcpy(file, d->d_name, fl);
			memcpy(file + fl, "/children", 10);
			int fd = openat(dir, file, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			char buf[4096];
			ssize_t got;
			long v = 0;
			bool in = false;
			while ((got = read(fd, buf, sizeof(buf))) > 0) {
				for (ssize_t i = 0; i < got; i++) {
					if (buf[i] >= '0' && buf[i] <= '9') {
						v = v * 10 + (buf[i] - '0');
						in = true;
					} else if (in) {
						fn((pid_t)v, pid, arg);
						v = 0;
						in = false;
					}
				}
			}
			if (in)
				fn((pid_t)v, pid, arg);
			close(fd);
		}
	}
	close(dir);
}

#define TREE_MAX 4096
struct tree {
	pid_t pid[TREE_MAX];
	int pidfd[TREE_MAX];
	unsigned len;
	unsigned signalled;
};

static bool alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

/* A child listed under PARENT: pinned with a pidfd, then checked to still be
 * PARENT's (a pid read from /proc may have been reused meanwhile; the pidfd
 * cannot be). It is killed through the pidfd once its own children are
 * listed. */
static void visit(pid_t child, pid_t parent, void *arg)
{
	struct tree *t = arg;
	if (t->len >= TREE_MAX || child <= 0)
		return;
	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd < 0)
		return;
	if (parent != getpid()) {
		/* PARENT was alive when its list was read (checked by the
		 * caller); the child's stat names PARENT while the pidfd's
		 * process lives, or the signal below finds it dead. */
		if (parent_of(child) != parent) {
			close(pidfd);
			return;
		}
	}
	t->pid[t->len] = child;
	t->pidfd[t->len] = pidfd;
	t->len++;
}

/* One pass over the whole tree, breadth first; returns how many were
 * signalled. */
static unsigned kill_tree_once(struct tree *t)
{
	t->len = 0;
	t->signalled = 0;
	for_each_child(getpid(), visit, t);
	for (unsigned i = 0; i < t->len; i++) {
		unsigned before = t->len;
		for_each_child(t->pid[i], visit, t);
		/* Listed while the parent was dead: the pid may name
		 * another process's children. Drop what was added. */
		if (!alive(t->pidfd[i]) && t->len > before) {
			for (unsigned j = before; j < t->len; j++)
				close(t->pidfd[j]);
			t->len = before;
		}
		if (syscall(SYS_pidfd_send_signal, t->pidfd[i], SIGKILL, NULL, 0) == 0)
			t->signalled++;
	}
	for (unsigned i = 0; i < t->len; i++)
		close(t->pidfd[i]);
	return t->signalled;
}

static struct tree tree;

/* Kills and reaps every descendant; 0 once wait() says there is none.
 * Children it cannot find (no procfs of these pids at /proc) and that do
 * not die make it give up after KILL_GIVE_UP_MS: -ETIMEDOUT, no proof. */
#define KILL_GIVE_UP_MS 3000
static int kill_all(pid_t child, int *child_status, bool *child_done)
{
	unsigned idle_ms = 0;
	for (;;) {
		unsigned signalled = kill_tree_once(&tree);
		int status;
		pid_t pid;
		bool reaped = false;
		while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
			reaped = true;
			if (pid == child && !*child_done) {
				*child_status = status;
				*child_done = true;
			}
		}
		if (pid < 0 && errno == ECHILD)
			return 0;
		if (pid < 0 && errno != EINTR)
			return -errno;
		if (reaped || signalled) {
			idle_ms = 0;
		} else {
			/* Nothing found to signal, nothing died: wait a little for
			 * the dying, but never forever. */
			if (idle_ms >= KILL_GIVE_UP_MS)
				return -ETIMEDOUT;
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
			idle_ms++;
		}
		if (signalled && !reaped) {
			/* Every child is signalled: wait for one to die. */
			pid = waitpid(-1, &status, __WALL);
			if (pid < 0 && errno == ECHILD)
				return 0;
			if (pid == child && !*child_done) {
				*child_status = status;
				*child_done = true;
			}
		}
	}
}

void keeper_run_subreaper(const struct child_setup *s, pid_t child)
{
	static const int forwarded[] = {WARD_FORWARDED_SIGNALS};
	close_all_but(s->sync_fd);

	/* Blocked since before the fork (child.c): read through a signalfd. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	/* SIGKILL on ward's death would orphan the tree: a signal we read
	 * instead, then getppid() tells a death from a forwarded SIGHUP. */
	prctl(PR_SET_PDEATHSIG, SIGHUP);

	/* Tell ward the program's pid (the supervisor takes its listener). */
	int32_t pid_msg = child;
	/* If ward is gone, the loop below sees it. */
	ssize_t sent = send(s->sync_fd, &pid_msg, sizeof(pid_msg), MSG_NOSIGNAL);
	(void)sent;

	int status = 0;
	bool done = false, ward_gone = false, kill_asked = false;
	while (!done && !ward_gone) {
		int st;
		pid_t pid;
		while ((pid = waitpid(-1, &st, WNOHANG | __WALL)) > 0)
			if (pid == child) {
				status = st;
				done = true;
			}
		if (done)
			break;
		if (getppid() != s->parent) {
			ward_gone = true;
			break;
		}
		struct pollfd fds[2] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = s->sync_fd, .events = POLLIN},
		};
		if (poll(fds, 2, sfd < 0 ? 50 : -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents) {
			char c;
			if (read(s->sync_fd, &c, 1) <= 0) {
				ward_gone = true;
				break;
			}
			if (c == KEEPER_KILL) {
				kill_asked = true;
				break;
			}
		}
		struct signalfd_siginfo si;
		while (sfd >= 0 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			/* SIGCHLD: reaped above. A terminal's signal (SI_KERNEL)
			 * reached the program's process group already. */
			if (si.ssi_signo == SIGCHLD || si.ssi_code == SI_KERNEL)
				continue;
			kill(child, (int)si.ssi_signo);
		}
	}
	int r = kill_all(child, &status, &done);
	if (r == 0 && !ward_gone) {
		char proof = KEEPER_DONE;
		ssize_t unused = send(s->sync_fd, &proof, 1, MSG_NOSIGNAL);
		(void)unused;
	}
	if (kill_asked)
		exit_like(SIGKILL); /* a wait status of "killed by SIGKILL" */
	if (ward_gone || !done)
		_exit(WARD_EXIT_ERROR);
	exit_like(status);
}
