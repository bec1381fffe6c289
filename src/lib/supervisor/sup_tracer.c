/* sup_tracer.c — the supervisor's use of ptrace: register every child at fork
 * time, and freeze every thread that could write a caller's memory (or file
 * table) while a decision is made and until the kernel has consumed it.
 * Never reports "frozen" for a thread that could still run user code.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_internal.h"

/* EXITKILL: if the supervisor thread dies, its tracees die with it. */
#define SUP_PTRACE_OPTS                                                                        \
	(PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | \
	 PTRACE_O_EXITKILL)
#define SUP_FREEZE_WAIT_MS 250
#define SUP_COMPLETE_WAIT_MS 5000
#define SUP_FORK_EVENT_WAIT_MS 50

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Only where a stop cannot be certain to come (a thread we interrupted may
 * sit in an uninterruptible sleep): the supervisor thread runs with a timer
 * slack of 1 µs (sup_tracer_thread_init), so this is a 5 µs pause, not the
 * default slack's 55. */
static void pause_briefly(void)
{
	struct timespec ts = {0, 5000};
	nanosleep(&ts, NULL);
}

void sup_tracer_thread_init(void)
{
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

/* Blocks until a tracee of this thread has a stop or an exit to report,
 * without consuming it (sup_tracer_poll does that). Only for waits whose
 * stop is certain to come: a tracee with a PTRACE_INTERRUPT pending that is
 * not asleep uninterruptibly stops or dies. A report sup_tracer_poll leaves
 * (the exit of the sandbox root, which only its parent reaps) returns at
 * once: the caller's loop then runs as a poll bounded by its deadline. */
static void await_tracee_report(void)
{
	siginfo_t si;
	while (waitid(P_ALL, 0, &si, WSTOPPED | WEXITED | WNOWAIT | __WALL | __WNOTHREAD) < 0 &&
	       errno == EINTR) {
	}
}

static struct sup_tracee *tracee_find(struct supervisor *sup, pid_t tid)
{
	VEC_FOREACH(&sup->tracees, t)
	if (t->tid == tid)
		return t;
	return NULL;
}

static struct sup_tracee *tracee_add(struct supervisor *sup, pid_t tid, enum tracee_role role)
{
	struct sup_tracee t = {.tid = tid, .role = role};
	if (VEC_PUSH(&sup->tracees, t) < 0)
		return NULL;
	return &sup->tracees.items[sup->tracees.len - 1];
}

static void tracee_remove(struct supervisor *sup, struct sup_tracee *t)
{
	*t = sup->tracees.items[--sup->tracees.len];
}

bool sup_tracer_busy(const struct supervisor *sup)
{
	return sup->tracees.len > 0;
}

static void register_proc(struct supervisor *sup, pid_t tid)
{
	pid_t tgid = sup_proc_tgid(tid);
	if (tgid <= 0)
		tgid = tid; /* a newborn's /proc entry may lag: its tid is a fine key */
	VEC_FOREACH(&sup->procs, p)
	if (*p == tgid)
		return;
	if (VEC_PUSH(&sup->procs, tgid) < 0) {
		/* An unregistered process could escape a freeze: fail closed. */
		sup_kill_sandbox(sup, "out of memory registering a child");
	}
}

/* Detaches a stopped tracee (re-injecting a signal it stopped for); one
 * that is not stopped is detached at its next stop. */
static void tracee_detach(struct supervisor *sup, struct sup_tracee *t)
{
	if (ptrace(PTRACE_DETACH, t->tid, 0, (void *)(long)t->pending_signal) == 0 ||
	    errno != ESRCH || kill(t->tid, 0) < 0) {
		tracee_remove(sup, t);
		return;
	}
	t->role = TRACEE_DETACH_PENDING;
	t->stopped = false;
}

static void exec_event(struct supervisor *sup, struct sup_tracee **tp, pid_t pid)
{
	unsigned long former = 0;
	ptrace(PTRACE_GETEVENTMSG, pid, 0, &former);
	if ((pid_t)former == pid)
		return;
	/* A non-leader thread exec'd and took the leader's pid: the entry of
	 * its old tid is this task now. */
	struct sup_tracee *old = tracee_find(sup, (pid_t)former);
	if (old && old->role == TRACEE_CALLER) {
		(*tp)->role = TRACEE_CALLER;
		pid_t keep = (*tp)->tid;
		tracee_remove(sup, old);
		*tp = tracee_find(sup, keep);
	}
}

static bool proc_is_zombie(pid_t pid)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f || !fgets(line, sizeof(line), f))
		return true;
	const char *paren = strrchr(line, ')');
	return !paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X';
}

/* A child whose first stop came before its parent's fork event was handled
 * then; the event must not make it a tracee again. */
static bool forget_early_newborn(struct supervisor *sup, pid_t child)
{
	for (size_t i = 0; i < sup->early_newborns.len; i++) {
		if (sup->early_newborns.items[i] == child) {
			sup->early_newborns.items[i] =
				sup->early_newborns.items[--sup->early_newborns.len];
			return true;
		}
	}
	return false;
}

static void handle_status(struct supervisor *sup, pid_t pid, int status, bool freezing)
{
	struct sup_tracee *t = tracee_find(sup, pid);
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (t)
			tracee_remove(sup, t);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!t) {
		/* A child auto-attached at creation, seen before its parent's
		 * fork event: it has not run user code yet. */
		register_proc(sup, pid);
		t = tracee_add(sup, pid, TRACEE_NEWBORN);
		if (!t || VEC_PUSH(&sup->early_newborns, pid) < 0) {
			/* Released unremembered, the parent's event would make
			 * it a tracee again, one that never stops. */
			sup_kill_sandbox(sup, "out of memory tracking a child");
			return;
		}
	}
	int event = (int)((unsigned)status >> 16);
	int sig = WSTOPSIG(status);
	t->stopped = true;
	t->event = event;
	if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
	    event == PTRACE_EVENT_CLONE) {
		unsigned long child = 0;
		if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &child) == 0 && child) {
			register_proc(sup, (pid_t)child);
			if (!forget_early_newborn(sup, (pid_t)child) &&
			    !tracee_find(sup, (pid_t)child)) {
				t = NULL; /* the vector may move */
				tracee_add(sup, (pid_t)child, TRACEE_NEWBORN);
				t = tracee_find(sup, pid);
			}
		}
	} else if (event == PTRACE_EVENT_EXEC) {
		exec_event(sup, &t, pid);
	} else if (event == 0) {
		t->pending_signal = sig; /* a signal-delivery stop */
	}
	if (!t)
		return;
	switch (t->role) {
	case TRACEE_NEWBORN:
		if (freezing) {
			t->role = TRACEE_FROZEN;
			break;
		}
		tracee_detach(sup, t);
		break;
	case TRACEE_FORKWATCH:
	case TRACEE_DETACH_PENDING:
		tracee_detach(sup, t);
		break;
	case TRACEE_FROZEN_BLOCKED:
		t->role = TRACEE_FROZEN; /* woke and stopped: still held */
		break;
	case TRACEE_FROZEN:
	case TRACEE_CALLER:
		break;
	}
}

/* The tracer thread shares a thread group with the sandbox root's real
 * parent, so the kernel lets either reap the root: the supervisor must never
 * wait for its exit, or the spawn path would lose the exit status. Stops are
 * taken from any tracee; exits only per tracee, never the root's. */
void sup_tracer_poll(struct supervisor *sup, bool freezing)
{
	if (!sup->tracees.len)
		return;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		/* __WNOTHREAD: only this thread's tracees, never the host's own
		 * children. */
		if (waitid(P_ALL, 0, &si, WSTOPPED | WNOHANG | __WALL | __WNOTHREAD) < 0 ||
		    si.si_pid == 0)
			break;
		/* For waitid, si_status carries the whole stop code, event
		 * included: rebuild the waitpid encoding handle_status reads. */
		handle_status(sup, si.si_pid, (si.si_status << 8) | 0x7f, freezing);
	}
	for (size_t i = 0; i < sup->tracees.len;) {
		pid_t tid = sup->tracees.items[i].tid;
		size_t before = sup->tracees.len;
		int status;
		if (tid == sup->root) {
			if (kill(tid, 0) < 0 || proc_is_zombie(tid))
				tracee_remove(sup, &sup->tracees.items[i]);
		} else if (waitpid(tid, &status, WNOHANG | __WALL | __WNOTHREAD) == tid) {
			handle_status(sup, tid, status, freezing);
		}
		if (sup->tracees.len >= before)
			i++;
	}
}

void sup_fork_notified(struct supervisor *sup, const struct seccomp_notif *req)
{
	pid_t tid = (pid_t)req->pid;
	if (!tracee_find(sup, tid)) {
		if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)SUP_PTRACE_OPTS) < 0) {
			int e = errno;
			if (e == ESRCH)
				return; /* gone: its notification is void */
			/* A child we cannot register could escape a later freeze. */
			sup_reply_errno(sup, req->id, EAGAIN);
			sup_emit(sup, "deny", "clone", tid, "supervisor: cannot register the child",
				 EAGAIN, NULL);
			return;
		}
		if (!tracee_add(sup, tid, TRACEE_FORKWATCH)) {
			ptrace(PTRACE_DETACH, tid, 0, 0);
			sup_reply_errno(sup, req->id, EAGAIN);
			return;
		}
	}
	/* Continue: nothing was decided on the clone arguments; the ptrace
	 * fork event names the child, whatever the kernel read. */
	if (sup_reply_continue(sup, req->id) < 0)
		return;
	/* Wait a little for the fork event and the newborn's first stop, so
	 * neither sits stopped until the next poll. A failed clone has no
	 * event: no stop is certain, so this polls (briefly; see pause_briefly). */
	uint64_t deadline = now_us() + SUP_FORK_EVENT_WAIT_MS * 1000u;
	for (;;) {
		sup_tracer_poll(sup, false);
		struct sup_tracee *t = tracee_find(sup, tid);
		bool newborn = false;
		VEC_FOREACH(&sup->tracees, n)
		newborn |= n->role == TRACEE_NEWBORN;
		if ((!t || t->role != TRACEE_FORKWATCH) && !newborn)
			break;
		if (now_us() >= deadline)
			break;
		pause_briefly();
	}
}

/* A vfork parent sleeps (killable, not interruptible) until its child execs
 * or exits: the interrupt stays pending and it stops before it runs any user
 * code again, so it is as good as frozen. */
static bool blocked_in_vfork(pid_t tid)
{
	char path[64], line[512];
	/* Asleep (D) inside a fork-class syscall: not a newborn that has yet to
	 * run (its regs also name clone3), not a task about to return. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	_cleanup_fclose_ FILE *stat = fopen(path, "re");
	if (!stat || !fgets(line, sizeof(line), stat))
		return false;
	const char *paren = strrchr(line, ')');
	if (!paren || paren[1] != ' ' || paren[2] != 'D')
		return false;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)tid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f || !fgets(line, sizeof(line), f))
		return false;
	long nr = -1;
	unsigned long arg0 = 0;
	if (sscanf(line, "%ld %lx", &nr, &arg0) < 1)
		return false;
#ifdef SYS_vfork
	if (nr == SYS_vfork)
		return true;
#endif
	if (nr == SYS_clone)
		return (arg0 & CLONE_VFORK) != 0;
	return nr == SYS_clone3;
}

static int freeze_thread(struct supervisor *sup, pid_t tid)
{
	struct sup_tracee *t = tracee_find(sup, tid);
	if (!t) {
		if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)SUP_PTRACE_OPTS) < 0) {
			int e = errno;
			/* An exited task its parent has yet to reap (still in
			 * /proc, kill(pid, 0) still succeeds) cannot be seized
			 * (EPERM) and never runs again: nothing to freeze. */
			if (e == ESRCH || (e == EPERM && proc_is_zombie(tid)))
				return 0;
			return -e;
		}
		t = tracee_add(sup, tid, TRACEE_FROZEN);
		if (!t) {
			ptrace(PTRACE_DETACH, tid, 0, 0);
			return -ENOMEM;
		}
	}
	t->role = TRACEE_FROZEN;
	if (!t->stopped && ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 && errno != ESRCH)
		return -errno;
	return 0;
}

static int freeze_process(struct supervisor *sup, pid_t tgid, pid_t caller)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	DIR *dir = opendir(path);
	if (!dir) {
		/* A process reaped since the list was read: procfs answers
		 * ESRCH (seen 1 in 15 runs of 400 parallel execs under an argv
		 * rule, each then EAGAIN) or ENOENT. Gone, it writes nothing;
		 * anything else that fails the open fails the freeze. */
		int e = errno;
		if (e == ENOENT ||
		    (e == ESRCH && ((kill(tgid, 0) < 0 && errno == ESRCH) || proc_is_zombie(tgid))))
			return 0;
		return -e;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(dir))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		if (tid > 0 && tid != caller)
			r = freeze_thread(sup, tid);
	}
	closedir(dir);
	return r;
}

void sup_release(struct supervisor *sup, struct sup_frozen *frozen)
{
	(void)frozen;
	for (size_t i = 0; i < sup->tracees.len;) {
		struct sup_tracee *t = &sup->tracees.items[i];
		if (t->role != TRACEE_FROZEN && t->role != TRACEE_FROZEN_BLOCKED &&
		    t->role != TRACEE_CALLER) {
			i++;
			continue;
		}
		if (!t->stopped) {
			t->role = TRACEE_DETACH_PENDING;
			i++;
			continue;
		}
		size_t before = sup->tracees.len;
		tracee_detach(sup, t);
		if (sup->tracees.len == before)
			i++;
	}
}

int sup_freeze(struct supervisor *sup, pid_t caller, struct sup_frozen *frozen, char *why,
	       size_t why_size)
{
	frozen->caller = caller;
	sup_tracer_poll(sup, false);
	pid_t caller_tgid = sup_proc_tgid(caller);
	if (caller_tgid <= 0) {
		snprintf(why, why_size, "the caller %d is gone", (int)caller);
		return -ESRCH;
	}
	int r = freeze_process(sup, caller_tgid, caller);
	for (size_t i = 0; r == 0 && i < sup->procs.len;) {
		pid_t p = sup->procs.items[i];
		if (p != caller_tgid && kill(p, 0) < 0 && errno == ESRCH) {
			sup->procs.items[i] = sup->procs.items[--sup->procs.len];
			continue;
		}
		/* Every process, not only those sharing the mm or fd table: a
		 * MAP_SHARED mapping (or a shared file's pages) lets a separate
		 * process rewrite what is inspected between the supervisor's
		 * read and the kernel's (issue 9: won in ~20 attempts). The
		 * keeper runs only ward's code and must keep reaping and
		 * forwarding signals: it is never stopped (plan.keeper). */
		if (p != caller_tgid && p != sup->keeper)
			r = freeze_process(sup, p, caller);
		i++;
	}
	if (r < 0) {
		snprintf(why, why_size, "cannot seize a thread of the sandbox: %s", strerror(-r));
		sup_release(sup, frozen);
		return r;
	}

	uint64_t deadline = now_us() + SUP_FREEZE_WAIT_MS * 1000u;
	for (;;) {
		sup_tracer_poll(sup, true);
		pid_t running = 0;
		/* A thread that has not stopped at once may be a vfork parent
		 * (posix_spawn's, usually the caller's): asleep in the kernel
		 * until the caller execs, it is as good as stopped. */
		VEC_FOREACH(&sup->tracees, t)
		{
			if (t->role != TRACEE_FROZEN || t->stopped)
				continue;
			if (blocked_in_vfork(t->tid))
				t->role = TRACEE_FROZEN_BLOCKED;
			else
				running = t->tid;
		}
		if (!running)
			return 0;
		if (now_us() >= deadline)
			break;
		pause_briefly();
	}
	/* Past the deadline: vfork parents count as frozen; anything else
	 * means the decision cannot be made safely. */
	VEC_FOREACH(&sup->tracees, t)
	{
		if (t->role != TRACEE_FROZEN || t->stopped)
			continue;
		if (kill(t->tid, 0) < 0 || blocked_in_vfork(t->tid)) {
			t->role = TRACEE_FROZEN_BLOCKED;
			continue;
		}
		snprintf(why, why_size, "thread %d of the sandbox could not be stopped",
			 (int)t->tid);
		sup_release(sup, frozen);
		return -EBUSY;
	}
	return 0;
}

static void kill_frozen(struct supervisor *sup, pid_t caller)
{
	kill(caller, SIGKILL);
	VEC_FOREACH(&sup->tracees, t)
	if (t->role == TRACEE_FROZEN || t->role == TRACEE_FROZEN_BLOCKED ||
	    t->role == TRACEE_CALLER)
		kill(t->tid, SIGKILL);
}

int sup_continue_frozen(struct supervisor *sup, uint64_t id, struct sup_frozen *frozen)
{
	pid_t caller = frozen->caller;
	struct sup_tracee *t = tracee_find(sup, caller);
	if (!t) {
		if (ptrace(PTRACE_SEIZE, caller, 0, (void *)(long)SUP_PTRACE_OPTS) < 0) {
			int e = errno;
			sup_reply_errno(sup, id, EPERM);
			sup_release(sup, frozen);
			return -e;
		}
		t = tracee_add(sup, caller, TRACEE_CALLER);
		if (!t) {
			ptrace(PTRACE_DETACH, caller, 0, 0);
			sup_reply_errno(sup, id, EPERM);
			sup_release(sup, frozen);
			return -ENOMEM;
		}
	}
	t->role = TRACEE_CALLER;
	/* The caller waits killably for our answer (WAIT_KILLABLE_RECV), so this
	 * interrupt only takes effect when its syscall is over: that stop tells
	 * us the kernel has read what we checked. */
	if (ptrace(PTRACE_INTERRUPT, caller, 0, 0) < 0) {
		sup_reply_errno(sup, id, EPERM);
		sup_release(sup, frozen);
		return -ESRCH;
	}
	if (sup_reply_continue(sup, id) < 0) {
		sup_release(sup, frozen);
		return -ENOENT;
	}
	/* With no writer held stopped by us (a vfork parent sleeps on its own),
	 * nothing we hold can keep the syscall from ending: block until the
	 * caller's stop. With writers stopped, the syscall could wait on one
	 * of them (a FUSE server in the sandbox): poll, bounded. */
	bool writers_stopped = false;
	VEC_FOREACH(&sup->tracees, w)
	writers_stopped |= w->role == TRACEE_FROZEN;
	uint64_t deadline = now_us() + SUP_COMPLETE_WAIT_MS * 1000u;
	for (;;) {
		sup_tracer_poll(sup, true);
		bool pending = false;
		VEC_FOREACH(&sup->tracees, c)
		pending |= c->role == TRACEE_CALLER && !c->stopped;
		if (!pending)
			break;
		/* With no writer stopped, the deadline only bounds a wait that
		 * keeps waking for reports the poll leaves (see
		 * await_tracee_report): the caller is released as usual. */
		if (!writers_stopped && now_us() >= deadline)
			break;
		if (writers_stopped && now_us() >= deadline) {
			/* Releasing now could let a writer change memory the
			 * kernel has yet to read: kill instead. */
			kill_frozen(sup, caller);
			sup_emit(sup, "kill", "execve", caller,
				 "supervisor: syscall did not complete while writers were frozen",
				 0, NULL);
			break;
		}
		if (writers_stopped)
			pause_briefly();
		else
			await_tracee_report();
	}
	sup_release(sup, frozen);
	return 0;
}

void sup_tracer_detach_all(struct supervisor *sup)
{
	sup_tracer_poll(sup, false);
	for (size_t i = 0; i < sup->tracees.len;) {
		struct sup_tracee *t = &sup->tracees.items[i];
		size_t before = sup->tracees.len;
		if (t->stopped)
			tracee_detach(sup, t);
		if (sup->tracees.len == before)
			i++;
	}
	/* What is left is not stopped; our thread's exit detaches it, and
	 * PTRACE_O_EXITKILL kills it: the sandbox is over at this point. */
}
