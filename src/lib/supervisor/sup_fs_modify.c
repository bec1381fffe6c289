/* sup_fs_modify.c — truncate, rename, link and unlink on the caller's
 * behalf: the directories involved are opened as the caller and checked as
 * fds, the entries checked, and the operation made as the caller relative to
 * those fixed directories. Never lets a file leave or enter a denied
 * directory, and never truncates an inode that was not checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_internal.h"

#define SUP_FS_ALL (WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC)

enum modify_op { OP_TRUNCATE, OP_RENAME, OP_LINK, OP_UNLINK };

struct modify_args {
	enum modify_op op;
	const char *name;
	int olddir, newdir;
	uint64_t old_addr, new_addr;
	int64_t length;
	unsigned flags;
};

static int decode(const struct seccomp_notif *req, struct modify_args *m)
{
	const __u64 *a = req->data.args;
	m->olddir = m->newdir = AT_FDCWD;
	switch (req->data.nr) {
#ifdef SYS_truncate
	case SYS_truncate:
		*m = (struct modify_args){OP_TRUNCATE, "truncate", AT_FDCWD,	  AT_FDCWD,
					  a[0],	       0,	   (int64_t)a[1], 0};
		return 0;
#endif
#ifdef SYS_rename
	case SYS_rename:
		*m = (struct modify_args){OP_RENAME, "rename", AT_FDCWD, AT_FDCWD,
					  a[0],	     a[1],     0,	 0};
		return 0;
#endif
	case SYS_renameat:
	case SYS_renameat2:
		*m = (struct modify_args){
			OP_RENAME, req->data.nr == SYS_renameat ? "renameat" : "renameat2",
			(int)a[0], (int)a[2],
			a[1],	   a[3],
			0,	   req->data.nr == SYS_renameat2 ? (unsigned)a[4] : 0};
		return 0;
#ifdef SYS_link
	case SYS_link:
		*m = (struct modify_args){OP_LINK, "link", AT_FDCWD, AT_FDCWD, a[0], a[1], 0, 0};
		return 0;
#endif
	case SYS_linkat:
		*m = (struct modify_args){OP_LINK, "linkat", (int)a[0], (int)a[2],
					  a[1],	   a[3],     0,		(unsigned)a[4]};
		return 0;
#ifdef SYS_unlink
	case SYS_unlink:
		*m = (struct modify_args){OP_UNLINK, "unlink", AT_FDCWD, AT_FDCWD, a[0], 0, 0, 0};
		return 0;
#endif
#ifdef SYS_rmdir
	case SYS_rmdir:
		*m = (struct modify_args){OP_UNLINK, "rmdir", AT_FDCWD, AT_FDCWD,
					  a[0],	     0,	      0,	AT_REMOVEDIR};
		return 0;
#endif
	case SYS_unlinkat:
		*m = (struct modify_args){OP_UNLINK, "unlinkat", (int)a[0], AT_FDCWD,
					  a[1],	     0,		 0,	    (unsigned)a[2]};
		return 0;
	default:
		return ENOSYS;
	}
}

/* "a/b/c/" → dir "a/b", name "c"; "c" → ".", "c"; "/c" → "/", "c". */
static int split_path(const char *path, char **dir, const char **name)
{
	char *copy = strdup(path);
	if (!copy)
		return ENOMEM;
	size_t len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	char *slash = strrchr(copy, '/');
	if (!slash) {
		*name = copy;
		*dir = NULL;
	} else {
		*slash = '\0';
		*name = slash + 1;
		*dir = copy;
	}
	if (!**name || strcmp(*name, ".") == 0 || strcmp(*name, "..") == 0) {
		free(copy);
		return EBUSY;
	}
	return 0;
}

/* The directory holding PATH, opened as the caller from DIRFD_ARG and
 * checked (a denied directory gets no entry added or removed). */
struct place {
	int dir;
	char *buf; /* owns NAME */
	const char *name;
};

static void place_release(struct place *p)
{
	if (p->dir >= 0)
		close(p->dir);
	free(p->buf);
	p->dir = -1;
	p->buf = NULL;
}

static int open_place(struct sup_fs_call *call, int dirfd_arg, const char *path, struct place *out)
{
	out->dir = -1;
	out->buf = NULL;
	char *dir = NULL;
	int r = split_path(path, &dir, &out->name);
	if (r)
		return r;
	/* split_path's buffer starts with the directory, or is the name */
	out->buf = dir ? dir : (char *)out->name;
	const char *parent = !dir ? "." : dir[0] ? dir : "/";
	bool relative = path[0] != '/';
	int saved = call->dirfd;
	if (relative) {
		int fd = sup_fs_caller_dirfd(call, dirfd_arg);
		if (fd < 0)
			return -fd;
		call->dirfd = fd;
	}
	r = sup_fs_lookup(call, parent, O_DIRECTORY, 0, WARD_FS_WRITE, &out->dir);
	if (call->dirfd != saved) {
		close(call->dirfd);
		call->dirfd = saved;
	}
	return r;
}

/* The entry NAME in the fixed directory P, if any, against every rule. */
static int check_entry(struct sup_fs_call *call, const struct place *p, const char *path)
{
	_cleanup_close_ int entry = openat(p->dir, p->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (entry < 0)
		return 0; /* absent: the operation itself reports that */
	char rule[PATH_MAX + 400];
	int r = sup_fs_check_fd(call->sup, entry, SUP_FS_ALL, rule, sizeof(rule));
	if (r == 0)
		return 0;
	return sup_fs_denied(call, path, r > 0 ? rule : "supervisor: cannot place the file",
			     EACCES);
}

struct modify_job {
	const struct modify_args *m;
	int olddir, newdir, fd, proc_fd;
	const char *oldname, *newname;
};

static int modify_as_caller(void *arg)
{
	struct modify_job *j = arg;
	int r;
	switch (j->m->op) {
	case OP_TRUNCATE: {
		char name[16];
		snprintf(name, sizeof(name), "%d", j->fd);
		/* O_NONBLOCK: a FIFO must not hold the supervisor. */
		int fd = openat(j->proc_fd, name, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = ftruncate(fd, j->m->length);
		r = r < 0 ? -errno : 0;
		close(fd);
		return r;
	}
	case OP_RENAME:
		r = (int)syscall(SYS_renameat2, j->olddir, j->oldname, j->newdir, j->newname,
				 j->m->flags);
		break;
	case OP_LINK:
		if (j->fd >= 0) {
			char name[16];
			snprintf(name, sizeof(name), "%d", j->fd);
			r = linkat(j->proc_fd, name, j->newdir, j->newname, AT_SYMLINK_FOLLOW);
		} else {
			r = linkat(j->olddir, j->oldname, j->newdir, j->newname, 0);
		}
		break;
	default:
		r = unlinkat(j->olddir, j->oldname, (int)(j->m->flags & AT_REMOVEDIR));
		break;
	}
	return r < 0 ? -errno : 0;
}

static int read_path(int mem, uint64_t addr, char **out)
{
	int r = sup_mem_read_string(mem, addr, PATH_MAX, out);
	if (r < 0)
		return r == -E2BIG ? ENAMETOOLONG : r == -ENOMEM ? ENOMEM : EFAULT;
	return (*out)[0] ? 0 : ENOENT;
}

static int modify(struct sup_fs_call *call, const struct modify_args *m, const char *oldpath,
		  const char *newpath)
{
	struct modify_job j = {
		.m = m, .olddir = -1, .newdir = -1, .fd = -1, .proc_fd = call->proc_fd};
	struct place from = {.dir = -1}, to = {.dir = -1};
	int r;
	if (m->op == OP_TRUNCATE || (m->op == OP_LINK && (m->flags & AT_SYMLINK_FOLLOW))) {
		r = sup_fs_lookup(call, oldpath, 0, 0,
				  m->op == OP_TRUNCATE ? WARD_FS_WRITE : SUP_FS_ALL, &j.fd);
		if (r)
			goto out;
		struct stat st;
		if (m->op == OP_TRUNCATE && fstat(j.fd, &st) == 0 && !S_ISREG(st.st_mode)) {
			r = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
			goto out;
		}
	} else {
		if ((r = open_place(call, m->olddir, oldpath, &from)) ||
		    (r = check_entry(call, &from, oldpath)))
			goto out;
		j.olddir = from.dir;
		j.oldname = from.name;
	}
	if (newpath) {
		if ((r = open_place(call, m->newdir, newpath, &to)) ||
		    (r = check_entry(call, &to, newpath)))
			goto out;
		j.newdir = to.dir;
		j.newname = to.name;
	}
	if ((r = sup_fs_ask_callback(call, oldpath, 0)))
		goto out;
	r = -sup_as_caller(&call->caller, modify_as_caller, &j);
out:
	if (j.fd >= 0)
		close(j.fd);
	place_release(&from);
	place_release(&to);
	return r;
}

void sup_fs_modify_notified(struct supervisor *sup, const struct seccomp_notif *req)
{
	struct modify_args m;
	int r = decode(req, &m);
	if (r) {
		sup_reply_errno(sup, req->id, r);
		return;
	}
	/* linkat(fd, "", AT_EMPTY_PATH) would name the caller's fd itself: not
	 * supported here (it needs CAP_DAC_READ_SEARCH anyway). */
	if (m.op == OP_LINK && (m.flags & AT_EMPTY_PATH)) {
		sup_reply_errno(sup, req->id, EPERM);
		return;
	}
	_cleanup_close_ int mem = sup_mem_open((pid_t)req->pid);
	_cleanup_free_ char *oldpath = NULL;
	_cleanup_free_ char *newpath = NULL;
	if (mem < 0 || !sup_notif_valid(sup, req->id)) {
		sup_reply_errno(sup, req->id, EPERM);
		return;
	}
	if ((r = read_path(mem, m.old_addr, &oldpath)) ||
	    (m.new_addr && (r = read_path(mem, m.new_addr, &newpath)))) {
		sup_reply_errno(sup, req->id, r);
		return;
	}
	struct sup_fs_call call;
	/* Each path takes its own directory in open_place(). */
	r = sup_fs_call_init(sup, req, m.name, AT_FDCWD, &call);
	if (r == 0)
		r = modify(&call, &m, oldpath, newpath);
	if (r)
		sup_reply_errno(sup, req->id, r);
	else
		sup_reply_value(sup, req->id, 0);
	sup_fs_call_release(&call);
}
