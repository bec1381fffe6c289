/* sup_fs_call.c — what every supervised filesystem syscall shares: the
 * caller's snapshot and directory, lookups made as the caller, the check of
 * their result against the denials, deny events and fd injection. Never
 * resolves a path with ward's own rights on the caller's behalf.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_internal.h"
#include "supervisor/sup_resolve.h"

bool sup_fs_syscall(long nr)
{
	switch (nr) {
#ifdef SYS_open
	case SYS_open:
#endif
#ifdef SYS_creat
	case SYS_creat:
#endif
	case SYS_openat:
	case SYS_openat2:
		return true;
	default:
		return false;
	}
}

int sup_fs_caller_dirfd(const struct sup_fs_call *call, int dirfd_arg)
{
	pid_t tid = (pid_t)call->req->pid;
	if (dirfd_arg == AT_FDCWD) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/cwd", (int)tid);
		int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd >= 0 ? fd : errno == ENOENT ? -ESRCH : -EPERM;
	}
	/* Through its /proc link rather than pidfd_getfd, which cannot take
	 * an O_PATH fd: an O_PATH of the directory is all a lookup needs. */
	char link[64];
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, dirfd_arg);
	int fd = open(link, O_PATH | O_CLOEXEC);
	return fd >= 0 ? fd : errno == ENOENT ? -EBADF : -EPERM;
}

int sup_fs_call_init(struct supervisor *sup, const struct seccomp_notif *req, const char *name,
		     int dirfd_arg, struct sup_fs_call *call)
{
	pid_t tid = (pid_t)req->pid;
	memset(call, 0, sizeof(*call));
	call->sup = sup;
	call->req = req;
	call->syscall = name;
	call->dirfd = call->proc_fd = -1;
	call->caller.root_fd = -1;
	int r = sup_caller_load(tid, sup->landlock_fd, &call->caller);
	if (r < 0)
		return r == -ENOENT ? ESRCH : EPERM;
	int fd = sup_fs_caller_dirfd(call, dirfd_arg);
	if (fd < 0)
		return -fd;
	call->dirfd = fd;
	call->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (call->proc_fd < 0)
		return EPERM;
	/* Checked after the /proc lookups: the tid still is the caller. */
	if (!sup_notif_valid(sup, req->id))
		return ESRCH;
	return 0;
}

void sup_fs_call_release(struct sup_fs_call *call)
{
	sup_caller_free(&call->caller);
	if (call->dirfd >= 0)
		close(call->dirfd);
	if (call->proc_fd >= 0)
		close(call->proc_fd);
	call->dirfd = call->proc_fd = -1;
}

struct lookup_args {
	int root_fd, dirfd;
	const char *path;
	struct open_how how;
	bool outside; /* out: DIRFD lies outside the caller's root */
};

/* In the caller's root without chroot (ward may be unprivileged): see
 * sup_resolve.c. */
static int lookup_as_caller(void *arg)
{
	struct lookup_args *a = arg;
	return sup_resolve_at(a->root_fd, a->dirfd, a->path, &a->how, &a->outside);
}

static int lookup_raw(struct sup_fs_call *call, int dirfd, const char *path, uint64_t flags,
		      uint64_t resolve)
{
	struct lookup_args a = {
		.root_fd = call->caller.root_fd,
		.dirfd = dirfd,
		.path = path,
		.how = {.flags = flags | O_PATH | O_CLOEXEC,
			.resolve = resolve | RESOLVE_NO_MAGICLINKS},
	};
	int fd = sup_as_caller(&call->caller, lookup_as_caller, &a);
	if (fd == -EXDEV && a.outside)
		return -sup_fs_denied(call, path,
				      "supervisor: the path leaves a directory outside the "
				      "sandbox's root",
				      EACCES);
	return fd;
}

static bool is_ward_task(pid_t pid)
{
	return pid == getpid() || sup_proc_tgid(pid) == getpid();
}

/* /proc/self names the opener, and the opener is ward: a lookup that landed
 * in ward's own /proc/PID tree is meant for the caller's. Fills OUT with the
 * caller's equivalent and returns 1, or returns 0 when FD is elsewhere. */
static int caller_proc_path(int fd, const struct sup_caller *c, char *out, size_t size)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return 0;
	char link[64], name[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, name, sizeof(name) - 1);
	if (n < 0)
		return -errno;
	name[n] = '\0';
	char *end;
	if (strncmp(name, "/proc/", 6) != 0)
		return 0;
	long pid = strtol(name + 6, &end, 10);
	if (end == name + 6 || (*end && *end != '/') || !is_ward_task((pid_t)pid))
		return 0;
	const char *rest = end;
	if (strncmp(rest, "/task/", 6) == 0) {
		long tid = strtol(rest + 6, &end, 10);
		if (end != rest + 6 && (!*end || *end == '/') && is_ward_task((pid_t)tid)) {
			snprintf(out, size, "/proc/%d/task/%d%s", (int)c->tgid, (int)c->tid, end);
			return 1;
		}
	}
	snprintf(out, size, "/proc/%d%s", (int)c->tgid, rest);
	return 1;
}

int sup_fs_denied(struct sup_fs_call *call, const char *path, const char *rule, int error)
{
	json_object *detail = json_object_new_object();
	if (detail && path)
		json_object_object_add(detail, "path", json_object_new_string(path));
	sup_emit(call->sup, "deny", call->syscall, (pid_t)call->req->pid, rule, error, detail);
	return error;
}

int sup_fs_lookup(struct sup_fs_call *call, const char *path, uint64_t flags, uint64_t resolve,
		  unsigned access, int *out)
{
	int fd = lookup_raw(call, call->dirfd, path, flags, resolve);
	if (fd < 0)
		return -fd;
	char proc_path[PATH_MAX];
	int r = caller_proc_path(fd, &call->caller, proc_path, sizeof(proc_path));
	if (r != 0) {
		close(fd);
		if (r < 0)
			return sup_fs_denied(call, path, "supervisor: cannot place a /proc file",
					     EACCES);
		fd = lookup_raw(call, AT_FDCWD, proc_path, flags & (O_NOFOLLOW | O_DIRECTORY), 0);
		if (fd < 0)
			return -fd;
	}
	char rule[PATH_MAX + 400];
	r = sup_fs_check_fd(call->sup, fd, access, rule, sizeof(rule));
	if (r > 0 && call->sup->audit) {
		/* Audit mode: report the access a rule would deny, and allow it. */
		json_object *detail = json_object_new_object();
		if (detail)
			json_object_object_add(detail, "path", json_object_new_string(path));
		sup_emit(call->sup, "audit", call->syscall, (pid_t)call->req->pid, rule, EACCES,
			 detail);
		r = 0;
	}
	if (r != 0) {
		close(fd);
		if (r < 0)
			snprintf(rule, sizeof(rule),
				 "supervisor: cannot establish where '%s' lies (%s)", path,
				 strerror(-r));
		return sup_fs_denied(call, path, rule, EACCES);
	}
	*out = fd;
	return 0;
}

int sup_fs_inject(int listener, uint64_t id, int fd, bool cloexec)
{
	struct seccomp_notif_addfd addfd = {
		.id = id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	int r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	if (r >= 0)
		return 0;
	/* Not installed (EMFILE in the caller...): answer with the error if
	 * the notification is still waiting. */
	r = -errno;
	struct seccomp_notif_resp resp = {.id = id, .error = r};
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	return r;
}

int sup_fs_ask_callback(struct sup_fs_call *call, const char *path, uint64_t flags)
{
	struct supervisor *sup = call->sup;
	if (!sup_callback_wants(sup, WARD_SUP_FILE))
		return 0;
	pid_t tid = (pid_t)call->req->pid;
	struct ward_sup_event ev = {
		.syscall = call->syscall,
		.category = WARD_SUP_FILE,
		.pid = call->caller.tgid,
		.ppid = sup_proc_ppid(call->caller.tgid),
		.path = path,
		.open_flags = (int)flags,
		.observe_only = 0, /* the operation is ours to make: every verdict holds */
	};
	struct ward_verdict v;
	const char *decider = "callback";
	if (!sup_callback_ask(sup, &ev, &v)) {
		v.kind = WARD_VERDICT_DENY;
		v.error = EPERM;
		decider = sup_callback_no_verdict(sup);
	}
	switch (v.kind) {
	case WARD_VERDICT_ALLOW:
		return 0;
	case WARD_VERDICT_AUDIT: {
		json_object *detail = json_object_new_object();
		if (detail)
			json_object_object_add(detail, "path", json_object_new_string(path));
		sup_emit(sup, "audit", call->syscall, tid, decider, 0, detail);
		return 0;
	}
	case WARD_VERDICT_KILL:
		sup_kill_sandbox(sup, "callback verdict: kill");
		return sup_fs_denied(call, path, decider, EPERM);
	case WARD_VERDICT_DENY:
		return sup_fs_denied(call, path, decider, v.error > 0 ? v.error : EPERM);
	default: /* an unknown verdict is no permission */
		return sup_fs_denied(call, path, "callback: unknown verdict", EPERM);
	}
}
