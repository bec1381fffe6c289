/* sup_fs_open.c — open, openat, openat2 and creat, performed on the caller's
 * behalf: look the path up as the caller without side effects (O_PATH),
 * check that fd's inode, then reopen exactly that inode as the caller and
 * inject the result (SECCOMP_IOCTL_NOTIF_ADDFD). Never answers "continue":
 * the kernel would resolve the path again (docs/supervisor.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_internal.h"

/* The kernel's O_LARGEFILE (glibc defines it as 0 on 64-bit). */
#define KERNEL_O_LARGEFILE 0100000
#define SUP_VALID_OPEN_FLAGS                                                                       \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |     \
	 O_SYNC | O_ASYNC | O_DIRECT | KERNEL_O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | \
	 O_CLOEXEC | O_PATH | O_TMPFILE)
#define SUP_VALID_RESOLVE                                                                  \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | \
	 RESOLVE_IN_ROOT | RESOLVE_CACHED)
#define SUP_CREATE_ATTEMPTS 4
#ifndef OPEN_HOW_SIZE_VER0
#define OPEN_HOW_SIZE_VER0 24 /* the first struct open_how */
#endif

struct open_args {
	int dirfd;
	char *path;
	uint64_t flags, mode, resolve;
};

static const char *syscall_name(long nr)
{
	switch (nr) {
#ifdef SYS_open
	case SYS_open:
		return "open";
#endif
#ifdef SYS_creat
	case SYS_creat:
		return "creat";
#endif
	case SYS_openat2:
		return "openat2";
	default:
		return "openat";
	}
}

/* The access an open asks for, in WARD_FS_* terms. O_PATH counts as a read:
 * an fd of a denied file is access to it even when it cannot read. */
static unsigned access_of(uint64_t flags)
{
	unsigned access = 0;
	if (flags & O_PATH)
		return WARD_FS_READ;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		access = WARD_FS_READ;
		break;
	case O_WRONLY:
		access = WARD_FS_WRITE;
		break;
	default:
		access = WARD_FS_READ | WARD_FS_WRITE;
	}
	if ((flags & (O_TRUNC | O_CREAT | O_APPEND)) || (flags & O_TMPFILE) == O_TMPFILE)
		access |= WARD_FS_WRITE;
	return access;
}

/* Copies the arguments once; returns 0 or a positive errno. */
static int read_args(const struct seccomp_notif *req, int mem, struct open_args *a)
{
	const __u64 *arg = req->data.args;
	uint64_t path_addr;
	a->dirfd = AT_FDCWD;
	switch (req->data.nr) {
#ifdef SYS_open
	case SYS_open:
		path_addr = arg[0];
		a->flags = arg[1];
		a->mode = arg[2];
		break;
#endif
#ifdef SYS_creat
	case SYS_creat:
		path_addr = arg[0];
		a->flags = O_CREAT | O_WRONLY | O_TRUNC;
		a->mode = arg[1];
		break;
#endif
	case SYS_openat2: {
		struct open_how how;
		if (arg[3] < OPEN_HOW_SIZE_VER0)
			return EINVAL;
		if (arg[3] > 4096)
			return E2BIG;
		memset(&how, 0, sizeof(how));
		size_t size = arg[3] < sizeof(how) ? (size_t)arg[3] : sizeof(how);
		if (sup_mem_read(mem, arg[2], &how, size) < 0)
			return EFAULT;
		/* A larger struct from a newer libc: unknown fields must be 0. */
		for (uint64_t off = sizeof(how); off < arg[3]; off++) {
			unsigned char byte;
			if (sup_mem_read(mem, arg[2] + off, &byte, 1) < 0)
				return EFAULT;
			if (byte)
				return E2BIG;
		}
		a->dirfd = (int)arg[0];
		path_addr = arg[1];
		a->flags = how.flags;
		a->mode = how.mode;
		a->resolve = how.resolve;
		if ((a->flags & ~(uint64_t)SUP_VALID_OPEN_FLAGS) ||
		    (a->resolve & ~SUP_VALID_RESOLVE))
			return EINVAL;
		if (a->mode && !(a->flags & (O_CREAT | O_TMPFILE)))
			return EINVAL;
		if (a->mode & ~07777ULL)
			return EINVAL;
		if ((a->flags & O_PATH) &&
		    (a->flags & ~(uint64_t)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
					    KERNEL_O_LARGEFILE)))
			return EINVAL;
		break;
	}
	default: /* openat */
		a->dirfd = (int)arg[0];
		path_addr = arg[1];
		a->flags = arg[2];
		a->mode = arg[3];
		break;
	}
	if (req->data.nr != SYS_openat2) {
		/* open/openat ignore unknown bits and, with O_PATH, most flags. */
		a->flags &= (uint32_t)SUP_VALID_OPEN_FLAGS;
		if (a->flags & O_PATH)
			a->flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
		a->mode = (a->flags & (O_CREAT | O_TMPFILE)) ? a->mode & 07777 : 0;
	}
	int r = sup_mem_read_string(mem, path_addr, PATH_MAX, &a->path);
	if (r < 0)
		return r == -E2BIG ? ENAMETOOLONG : r == -ENOMEM ? ENOMEM : EFAULT;
	if (!a->path[0])
		return ENOENT;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s || strlen(s) > 9)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* These spellings reopen the caller's own fd N (docs/supervisor.md); -1 for
 * any other path. */
static int own_fd_link(const char *path, const struct sup_caller *c)
{
	static const char *const std_names[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
	for (int i = 0; i < 3; i++)
		if (strcmp(path, std_names[i]) == 0)
			return i;
	char prefixes[6][80];
	snprintf(prefixes[0], sizeof(prefixes[0]), "/dev/fd/");
	snprintf(prefixes[1], sizeof(prefixes[1]), "/proc/self/fd/");
	snprintf(prefixes[2], sizeof(prefixes[2]), "/proc/thread-self/fd/");
	snprintf(prefixes[3], sizeof(prefixes[3]), "/proc/%d/fd/", (int)c->tgid);
	snprintf(prefixes[4], sizeof(prefixes[4]), "/proc/%d/task/%d/fd/", (int)c->tgid,
		 (int)c->tid);
	snprintf(prefixes[5], sizeof(prefixes[5]), "/proc/self/task/%d/fd/", (int)c->tid);
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) == 0 && all_digits(path + n))
			return atoi(path + n);
	}
	return -1;
}

/* The reopen, on a thread of its own: it may block (a FIFO without a
 * writer), and must not hold up other notifications. It owns what it uses
 * and never touches the supervisor, which may stop meanwhile. */
struct reopen_job {
	struct sup_caller caller; /* owned: groups, root_fd, landlock_fd */
	int listener, proc_fd, target;
	uint64_t id, flags;
	bool tmpfile;
	mode_t mode;
};

static void reopen_job_free(struct reopen_job *job)
{
	if (job->caller.landlock_fd >= 0)
		close(job->caller.landlock_fd);
	sup_caller_free(&job->caller);
	if (job->listener >= 0)
		close(job->listener);
	if (job->proc_fd >= 0)
		close(job->proc_fd);
	if (job->target >= 0)
		close(job->target);
	free(job);
}

static void *reopen_thread(void *arg)
{
	struct reopen_job *job = arg;
	int r = sup_caller_become(&job->caller);
	if (r == 0) {
		/* O_NOCTTY always: the opener is a ward thread, and a terminal
		 * opened here must not become ward's controlling tty. */
		int flags = (int)((job->flags & ~(uint64_t)(O_CREAT | O_EXCL | O_NOFOLLOW)) |
				  O_NOCTTY | O_CLOEXEC);
		int fd;
		if (job->tmpfile) {
			fd = openat(job->target, ".", flags, job->mode);
		} else {
			char name[16];
			snprintf(name, sizeof(name), "%d", job->target);
			fd = openat(job->proc_fd, name, flags);
		}
		r = fd < 0 ? -errno : fd;
	}
	if (r < 0) {
		struct seccomp_notif_resp resp = {.id = job->id, .error = r};
		ioctl(job->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	} else {
		sup_fs_inject(job->listener, job->id, r, job->flags & O_CLOEXEC);
		close(r);
	}
	reopen_job_free(job);
	return NULL;
}

/* Hands TARGET (a checked O_PATH fd, or a checked directory for O_TMPFILE) to
 * a reopen thread. Returns 0 when the thread answers, else a positive errno. */
static int start_reopen(struct sup_fs_call *call, int target, const struct open_args *a)
{
	struct reopen_job *job = calloc(1, sizeof(*job));
	if (!job) {
		close(target);
		return ENOMEM;
	}
	job->caller = call->caller;
	call->caller.groups = NULL; /* moved into the job */
	call->caller.root_fd = -1;
	job->caller.landlock_fd = -1;
	job->listener = fcntl(call->sup->listener, F_DUPFD_CLOEXEC, 0);
	job->proc_fd = fcntl(call->proc_fd, F_DUPFD_CLOEXEC, 0);
	job->target = target;
	job->id = call->req->id;
	job->flags = a->flags;
	job->mode = (mode_t)a->mode;
	job->tmpfile = (a->flags & O_TMPFILE) == O_TMPFILE;
	if (call->sup->landlock_fd >= 0)
		job->caller.landlock_fd = fcntl(call->sup->landlock_fd, F_DUPFD_CLOEXEC, 0);
	pthread_t thread;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	bool ok = job->listener >= 0 && job->proc_fd >= 0 &&
		  (call->sup->landlock_fd < 0 || job->caller.landlock_fd >= 0) &&
		  pthread_create(&thread, &attr, reopen_thread, job) == 0;
	pthread_attr_destroy(&attr);
	if (!ok) {
		reopen_job_free(job);
		return EAGAIN;
	}
	return 0;
}

struct create_args {
	int parent;
	const char *name;
	struct open_how how;
};

static int create_as_caller(void *arg)
{
	struct create_args *c = arg;
	int fd = (int)syscall(SYS_openat2, c->parent, c->name, &c->how, sizeof(c->how));
	return fd < 0 ? -errno : fd;
}

/* O_CREAT of a name that did not exist: check the parent directory, then
 * create a new inode in that fixed directory. Returns 0 when answered,
 * -EAGAIN to look up again (a name appeared), or a positive errno. */
static int create_file(struct sup_fs_call *call, const struct open_args *a)
{
	size_t len = strlen(a->path);
	if (a->path[len - 1] == '/')
		return EISDIR;
	_cleanup_free_ char *dir = strdup(a->path);
	if (!dir)
		return ENOMEM;
	char *slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : dir;
	const char *parent_path = ".";
	if (slash) {
		*slash = '\0';
		parent_path = slash == dir ? "/" : dir;
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return EISDIR;
	/* A dangling symlink: the kernel would create its target, wherever
	 * it points. That target's directory is not the one we would check. */
	int link = -1;
	if (sup_fs_lookup(call, a->path, O_NOFOLLOW, a->resolve, WARD_FS_READ, &link) == 0) {
		struct stat st;
		bool is_link = fstat(link, &st) == 0 && S_ISLNK(st.st_mode);
		close(link);
		if (!is_link)
			return -EAGAIN;
		return sup_fs_denied(call, a->path,
				     "supervisor: O_CREAT through a dangling symlink is refused",
				     EACCES);
	}
	int parent = -1;
	int r = sup_fs_lookup(call, parent_path, O_DIRECTORY, a->resolve, WARD_FS_WRITE, &parent);
	if (r)
		return r;
	_cleanup_close_ int parent_fd = parent;
	if ((r = sup_fs_ask_callback(call, a->path, a->flags)))
		return r;
	/* O_EXCL: a new inode, never one that appeared since the lookup. */
	struct create_args c = {
		.parent = parent_fd,
		.name = name,
		.how = {.flags = a->flags | O_EXCL | O_NOCTTY | O_CLOEXEC,
			.mode = a->mode,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS},
	};
	int fd = sup_as_caller(&call->caller, create_as_caller, &c);
	if ((fd == -EEXIST || fd == -ELOOP) && !(a->flags & O_EXCL))
		return -EAGAIN;
	if (fd < 0)
		return -fd;
	sup_fs_inject(call->sup->listener, call->req->id, fd, a->flags & O_CLOEXEC);
	close(fd);
	return 0;
}

/* Returns 0 when answered, or a positive errno to answer with. */
static int open_file(struct sup_fs_call *call, const struct open_args *a)
{
	unsigned access = access_of(a->flags);
	int fd = -1, r;

	if ((a->flags & O_TMPFILE) == O_TMPFILE) {
		r = sup_fs_lookup(call, a->path, O_DIRECTORY, a->resolve, WARD_FS_WRITE, &fd);
		if (r)
			return r;
		if ((r = sup_fs_ask_callback(call, a->path, a->flags))) {
			close(fd);
			return r;
		}
		return start_reopen(call, fd, a);
	}

	int own = a->path[0] == '/' && !(a->resolve & ~(uint64_t)RESOLVE_CACHED) &&
				  !(a->flags & O_NOFOLLOW)
			  ? own_fd_link(a->path, &call->caller)
			  : -1;
	if (own >= 0) {
		/* A reopen of the caller's fd: check the file it holds. Its
		 * /proc link gives an O_PATH fd of that file (pidfd_getfd
		 * cannot take O_PATH fds); ward's rights only reach the
		 * caller's own fd here, and the reopen is made as the caller. */
		char link[64];
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)call->caller.tid, own);
		fd = open(link, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? EBADF : EPERM;
		if (!sup_notif_valid(call->sup, call->req->id)) {
			close(fd);
			return ESRCH;
		}
		char rule[PATH_MAX + 400];
		r = sup_fs_check_fd(call->sup, fd, access, rule, sizeof(rule));
		if (r != 0) {
			close(fd);
			return sup_fs_denied(call, a->path,
					     r > 0 ? rule : "supervisor: cannot place the file",
					     EACCES);
		}
	} else {
		for (int attempt = 0;; attempt++) {
			uint64_t lookup_flags = a->flags & (O_NOFOLLOW | O_DIRECTORY);
			if ((a->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
				lookup_flags |= O_NOFOLLOW;
			r = sup_fs_lookup(call, a->path, lookup_flags, a->resolve, access, &fd);
			if (r == ENOENT && (a->flags & O_CREAT)) {
				r = create_file(call, a);
				if (r == -EAGAIN && attempt + 1 < SUP_CREATE_ATTEMPTS)
					continue;
				return r == -EAGAIN ? EAGAIN : r;
			}
			if (r)
				return r;
			break;
		}
		if ((a->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
			close(fd);
			return EEXIST;
		}
	}

	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return EPERM;
	}
	if ((r = sup_fs_ask_callback(call, a->path, a->flags))) {
		close(fd);
		return r;
	}
	if (a->flags & O_PATH) {
		/* ADDFD cannot pass an O_PATH file. An O_PATH fd is identity
		 * only: every way to reach content through it (a reopen via
		 * /proc, a lookup relative to it) is trapped and checked at
		 * that use. So the kernel may make it itself, as the caller;
		 * a race can at worst hand out an identity. */
		close(fd);
		sup_reply_continue(call->sup, call->req->id);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) { /* only O_NOFOLLOW stops on a symlink */
		close(fd);
		return ELOOP;
	}
	return start_reopen(call, fd, a);
}

void sup_fs_open_notified(struct supervisor *sup, const struct seccomp_notif *req)
{
	const char *name = syscall_name(req->data.nr);
	struct open_args a = {0};
	_cleanup_close_ int mem = sup_mem_open((pid_t)req->pid);
	if (mem < 0 || !sup_notif_valid(sup, req->id)) {
		sup_reply_errno(sup, req->id, mem == -ENOENT ? ESRCH : EPERM);
		return;
	}
	int r = read_args(req, mem, &a);
	if (r) {
		sup_reply_errno(sup, req->id, r);
		free(a.path);
		return;
	}
	struct sup_fs_call call;
	bool relative = a.path[0] != '/' || (a.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT));
	r = sup_fs_call_init(sup, req, name, relative ? a.dirfd : AT_FDCWD, &call);
	if (r == 0)
		r = open_file(&call, &a);
	if (r)
		sup_reply_errno(sup, req->id, r);
	sup_fs_call_release(&call);
	free(a.path);
}
