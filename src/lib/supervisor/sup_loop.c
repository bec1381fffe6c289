/* sup_loop.c — the supervisor's life: take the listener from the child, serve
 * notifications on an epoll loop in its own thread, answer, stop. Every path
 * that cannot decide answers with an error: it never fails open. When the
 * listener closes (ward died or sup_stop), trapped syscalls get ENOSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "supervisor/sup_internal.h"

#define SUP_HANDOVER_TIMEOUT_MS 5000

int sup_reply_errno(struct supervisor *sup, uint64_t id, int error)
{
	struct seccomp_notif_resp resp = {.id = id, .error = -(error ? error : EPERM)};
	return ioctl(sup->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

int sup_reply_value(struct supervisor *sup, uint64_t id, int64_t value)
{
	struct seccomp_notif_resp resp = {.id = id, .val = value};
	return ioctl(sup->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

int sup_reply_continue(struct supervisor *sup, uint64_t id)
{
	struct seccomp_notif_resp resp = {.id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
	return ioctl(sup->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

bool sup_notif_valid(struct supervisor *sup, uint64_t id)
{
	return ioctl(sup->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* Before 6.9 a pidfd names a process (pidfd_open of a thread that is not
 * its leader is EINVAL): its fd table is every thread's, since the
 * hardening filter refuses unshare (so unshare(CLONE_FILES)) and the
 * supervisor's refuses clone(CLONE_FILES) without CLONE_THREAD. */
int sup_task_pidfd(pid_t tid)
{
	int fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (fd >= 0 || errno != EINVAL)
		return fd;
	pid_t tgid = sup_proc_tgid(tid);
	if (tgid <= 0) {
		errno = ESRCH;
		return -1;
	}
	return (int)syscall(SYS_pidfd_open, tgid, 0);
}

void sup_emit(struct supervisor *sup, const char *verdict, const char *syscall, pid_t pid,
	      const char *rule, int error, json_object *detail)
{
	if (!detail)
		detail = json_object_new_object();
	if (detail)
		json_object_object_add(detail, "syscall", json_object_new_string(syscall));
	event_emit_decision(sup->sink, verdict, "supervisor", syscall, pid, rule, error, detail);
}

void sup_kill_sandbox(struct supervisor *sup, const char *why)
{
	/* Every process of the sandbox was registered at fork time (the
	 * fork-class syscalls are trapped), so this list is complete. */
	kill(sup->root, SIGKILL);
	VEC_FOREACH(&sup->procs, p)
	kill(*p, SIGKILL);
	json_object *detail = json_object_new_object();
	if (detail)
		json_object_object_add(detail, "reason", json_object_new_string(why));
	event_emit_decision(sup->sink, "kill", "supervisor", "sandbox", sup->root, why, 0, detail);
}

static void dispatch(struct supervisor *sup, const struct seccomp_notif *req)
{
	if (sup->learn) {
		sup_learn_notified(sup, req);
		return;
	}
	switch (req->data.nr) {
	case SYS_execve:
	case SYS_execveat:
		sup_exec_notified(sup, req);
		return;
	case SYS_clone:
	case SYS_clone3:
#ifdef SYS_fork
	case SYS_fork:
#endif
#ifdef SYS_vfork
	case SYS_vfork:
#endif
		sup_fork_notified(sup, req);
		return;
	case SYS_connect:
	case SYS_sendto:
	case SYS_sendmsg:
	case SYS_sendmmsg:
		sup_net_notified(sup, req);
		return;
	case SYS_listen:
		sup_listen_notified(sup, req);
		return;
	default:
		if (sup->fs_traps && sup_fs_syscall(req->data.nr)) {
			sup_fs_open_notified(sup, req);
			return;
		}
		if (sup->fs_traps) {
			sup_fs_modify_notified(sup, req);
			return;
		}
		/* The filter traps nothing else; a surprise is denied. */
		sup_reply_errno(sup, req->id, ENOSYS);
	}
}

static void *serve(void *arg)
{
	struct supervisor *sup = arg;
	struct seccomp_notif req;
	sup_tracer_thread_init();
	for (;;) {
		struct epoll_event evs[4];
		int timeout = sup_tracer_busy(sup) ? 5 : -1;
		int n = epoll_wait(sup->epfd, evs, (int)ARRAY_SIZE(evs), timeout);
		if (n < 0 && errno != EINTR)
			break;
		sup_tracer_poll(sup, false);
		bool quit = false;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == sup->stop_fd) {
				quit = true;
				continue;
			}
			if (evs[i].events & EPOLLIN) {
				memset(&req, 0, sizeof(req));
				if (ioctl(sup->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0)
					dispatch(sup, &req);
			} else if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
				/* No task uses the filter any more: the sandbox is gone. */
				if (!sup_tracer_busy(sup))
					quit = true;
			}
		}
		if (quit)
			break;
	}
	sup_tracer_detach_all(sup);
	return NULL;
}

static int take_listener(int sock_fd, pid_t child, ward_error *err)
{
	struct pollfd pfd = {.fd = sock_fd, .events = POLLIN};
	int r = poll(&pfd, 1, SUP_HANDOVER_TIMEOUT_MS);
	if (r <= 0)
		return ward_fail(err, r == 0 ? -ETIMEDOUT : -errno,
				 "supervisor: the child did not hand over its listener");
	int child_fd = -1;
	if (read(sock_fd, &child_fd, sizeof(child_fd)) != (ssize_t)sizeof(child_fd))
		return ward_fail(err, -EPIPE, "supervisor: the child failed to install its filter");
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd < 0)
		return ward_fail_errno(err, -errno, "supervisor: pidfd_open(%d)", (int)child);
	int listener = (int)syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	if (listener < 0)
		return ward_fail_errno(err, -errno, "supervisor: pidfd_getfd");
	/* A child that died meanwhile must not take ward down with SIGPIPE. */
	if (send(sock_fd, "y", 1, MSG_NOSIGNAL) != 1) {
		close(listener);
		return ward_fail(err, -EPIPE, "supervisor: the child went away");
	}
	return listener;
}

/* Linux >= 6.6 (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP): a notification and
 * its reply hand the CPU over to the waiting side instead of waking it on
 * another CPU. Each cross-CPU wake-up costs ~25 us in this VM; a trapped
 * call pays two (a trapped sendto: 60-93 -> 22-24 us). Not where forks are
 * tracked: the tracer's ptrace and waitid work then runs on the CPU of the
 * task it holds, and fork+exec took twice as long. Older kernels refuse
 * the flag: nothing changes there. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
static void set_sync_wake_up(int listener)
{
	(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

static void sup_free(struct supervisor *sup)
{
	if (sup->listener >= 0)
		close(sup->listener);
	if (sup->epfd >= 0)
		close(sup->epfd);
	if (sup->stop_fd >= 0)
		close(sup->stop_fd);
	if (sup->landlock_fd >= 0)
		close(sup->landlock_fd);
	sup_unix_stop(sup);
	free(sup->learn_private_tmp);
	VEC_FREE(&sup->tracees);
	VEC_FREE(&sup->procs);
	VEC_FREE(&sup->early_newborns);
	VEC_FOREACH(&sup->denied_inodes, d)
	free(d->rule);
	VEC_FREE(&sup->denied_inodes);
	VEC_FOREACH(&sup->net_runtime, n)
	free(n->text);
	VEC_FREE(&sup->net_runtime);
	sup_net_placed_free(sup);
	pthread_mutex_destroy(&sup->rules_lock);
	free(sup);
}

int sup_start(const struct plan *plan, int sock_fd, pid_t child, struct event_sink *sink,
	      struct supervisor **out, ward_error *err)
{
	return sup_start_landlocked(plan, -1, sock_fd, child, sink, out, err);
}

int sup_start_landlocked(const struct plan *plan, int landlock_fd, int sock_fd, pid_t child,
			 struct event_sink *sink, struct supervisor **out, ward_error *err)
{
	/* Opening for the child outside its Landlock domain would lend it
	 * ward's reach: refuse before anything runs. */
	if (sup_wants_fs(plan) && plan->landlock && landlock_fd < 0)
		return ward_fail(err, -EINVAL,
				 "supervisor: filesystem denials need the child's Landlock ruleset "
				 "(sup_start_landlocked)");
	struct supervisor *sup = calloc(1, sizeof(*sup));
	if (!sup)
		return ward_fail(err, -ENOMEM, "supervisor: out of memory");
	sup->listener = sup->epfd = sup->stop_fd = sup->landlock_fd = -1;
	pthread_mutex_init(&sup->rules_lock, NULL);
	sup->root = child;
	/* In a pid namespace the child is the keeper (pid 1), which forks
	 * the program under this filter; plan->keeper says so. */
	sup->keeper = plan->keeper == PLAN_KEEPER_PIDNS ? child : 0;
	sup->plan = plan;
	sup->sp = &plan->sup_rules;
	sup->sink = sink;
	sup->exec_rules = sup->sp->exec_argv.len;
	sup->net_rules = plan->sup_net;
	sup->audit = plan->mode == WARD_MODE_AUDIT;
	sup->learn = sup->sp->learn;
	/* The observer freezes nobody, nor does listen() alone: forks need no
	 * registration then. */
	sup->track_forks = !sup->learn && sup_tracks_forks(plan);
	sup->fs_traps = !sup->learn && sup_wants_fs(plan);

	int r = 0;
	if (sup->learn && plan->private_tmp &&
	    !(sup->learn_private_tmp = strdup(plan->private_tmp))) {
		r = ward_fail(err, -ENOMEM, "supervisor: out of memory");
		goto fail;
	}
	if (landlock_fd >= 0 && (sup->landlock_fd = fcntl(landlock_fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		r = ward_fail_errno(err, -errno, "supervisor: dup of the Landlock ruleset");
		goto fail;
	}
	if (sup->fs_traps && plan->sup_fs_deny && (r = sup_fs_rules_load(sup, plan, err)) < 0)
		goto fail;
	if ((r = sup_unix_start(sup, plan, err)) < 0)
		goto fail;
	if (sup->net_rules &&
	    sup_update_net(sup, plan->sup_net_rules.items, plan->sup_net_rules.len) < 0) {
		r = ward_fail(err, -ENOMEM, "supervisor: out of memory");
		goto fail;
	}
	if ((r = sup_callback_init(sup)) < 0) {
		ward_fail_errno(err, r, "supervisor: the callback's worker");
		goto fail;
	}
	r = take_listener(sock_fd, child, err);
	if (r < 0)
		goto fail;
	sup->listener = r;
	if (!sup->track_forks)
		set_sync_wake_up(sup->listener);
	if (VEC_PUSH(&sup->procs, child) < 0) {
		r = ward_fail(err, -ENOMEM, "supervisor: out of memory");
		goto fail;
	}
	sup->epfd = epoll_create1(EPOLL_CLOEXEC);
	sup->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sup->epfd < 0 || sup->stop_fd < 0) {
		r = ward_fail_errno(err, -errno, "supervisor: epoll");
		goto fail;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = sup->listener};
	struct epoll_event stop_ev = {.events = EPOLLIN, .data.fd = sup->stop_fd};
	if (epoll_ctl(sup->epfd, EPOLL_CTL_ADD, sup->listener, &ev) < 0 ||
	    epoll_ctl(sup->epfd, EPOLL_CTL_ADD, sup->stop_fd, &stop_ev) < 0) {
		r = ward_fail_errno(err, -errno, "supervisor: epoll_ctl");
		goto fail;
	}
	r = -pthread_create(&sup->thread, NULL, serve, sup);
	if (r < 0) {
		ward_fail_errno(err, r, "supervisor: pthread_create");
		goto fail;
	}
	sup->thread_started = true;
	*out = sup;
	return 0;
fail:
	sup_callback_stop(sup);
	sup_free(sup);
	return r;
}

void sup_stop(struct supervisor *sup)
{
	if (!sup)
		return;
	/* A question to a callback stuck in user code must not hold the
	 * loop: it is answered "deny" at once. */
	sup_callback_abandon(sup);
	if (sup->thread_started) {
		uint64_t one = 1;
		if (write(sup->stop_fd, &one, sizeof(one)) < 0) {
			/* an eventfd write fails only on overflow: the loop is awake */
		}
		pthread_join(sup->thread, NULL);
	}
	sup_callback_stop(sup);
	sup_net_stop(sup);
	sup_unix_stop(sup);
	/* Closing the listener answers every pending notification with ENOSYS. */
	sup_free(sup);
}
