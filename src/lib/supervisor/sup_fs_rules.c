/* sup_fs_rules.c — the supervisor's filesystem denials, keyed by inode
 * identity, and the check of an open fd against them (its identity, and its
 * ancestry for directory rules). Decides on fds only, never on path strings:
 * when a file's place cannot be established the answer is "denied".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "plan/plan.h"
#include "supervisor/sup_internal.h"

#define SUP_MAX_DEPTH 4096 /* ".." steps before giving up (and denying) */

int sup_fs_deny_add(struct supervisor *sup, const char *path, unsigned access, const char *rule)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	struct sup_inode d = {
		.dev = st.st_dev,
		.ino = st.st_ino,
		.access = access ? access : WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC,
		.beneath = S_ISDIR(st.st_mode),
		.rule = strdup(rule),
	};
	if (!d.rule)
		return -ENOMEM;
	pthread_mutex_lock(&sup->rules_lock);
	int r = VEC_PUSH(&sup->denied_inodes, d);
	pthread_mutex_unlock(&sup->rules_lock);
	if (r < 0)
		free(d.rule);
	return r;
}

/* Exactly the denials the plan placed on the supervisor. */
int sup_fs_rules_load(struct supervisor *sup, const struct plan *plan, ward_error *err)
{
	VEC_FOREACH(&plan->sup_fs_rules, f)
	{
		char where[300], rule[PATH_MAX + 400];
		ward_loc_format(f->loc, where, sizeof(where));
		snprintf(rule, sizeof(rule), "fs deny %s (%s)", f->path, where);
		int r = sup_fs_deny_add(sup, f->path, f->access, rule);
		/* An absent path's denial is the Landlock hole's (plan.c). */
		if (r == -ENOENT && f->optional)
			continue;
		/* A denial that cannot be keyed now would be enforced by
		 * nothing: stop the run rather than start it open. */
		if (r < 0)
			return ward_fail_errno(err, r, "%s: fs deny %s", where, f->path);
	}
	return 0;
}

static const struct sup_inode *match(const struct supervisor *sup, const struct stat *st,
				     unsigned access, bool beneath_only)
{
	VEC_FOREACH(&sup->denied_inodes, d)
	{
		if (beneath_only && !d->beneath)
			continue;
		if (d->dev == st->st_dev && d->ino == st->st_ino && (d->access & access))
			return d;
	}
	return NULL;
}

static bool has_beneath_rules(const struct supervisor *sup, unsigned access)
{
	VEC_FOREACH(&sup->denied_inodes, d)
	if (d->beneath && (d->access & access))
		return true;
	return false;
}

/* The directory holding the file FD (ST) under the name it was opened by.
 * The name is a string, so the directory found must prove it: it holds an
 * entry with FD's very identity. */
static int parent_of(int fd, const struct stat *st)
{
	char link[64], name[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, name, sizeof(name) - 1);
	if (n < 0)
		return -errno;
	name[n] = '\0';
	char *slash = strrchr(name, '/');
	if (name[0] != '/' || !slash)
		return -ENOENT;
	const char *base = slash + 1;
	const char *dir = slash == name ? "/" : name;
	*slash = '\0';
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int parent = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
	if (parent < 0)
		return -errno;
	struct stat entry;
	if (fstatat(parent, base, &entry, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (entry.st_dev != st->st_dev || entry.st_ino != st->st_ino)
		return -ESTALE; /* renamed while we looked: deny, the caller may retry */
	return steal_fd(parent);
}

/* Walks DIR and its ancestors to the root, each step an fd. */
static const struct sup_inode *walk_up(const struct supervisor *sup, int dir, unsigned access,
				       int *error)
{
	_cleanup_close_ int cur = fcntl(dir, F_DUPFD_CLOEXEC, 0);
	if (cur < 0) {
		*error = -errno;
		return NULL;
	}
	for (int depth = 0; depth < SUP_MAX_DEPTH; depth++) {
		struct stat st, up_st;
		if (fstat(cur, &st) < 0) {
			*error = -errno;
			return NULL;
		}
		const struct sup_inode *d = match(sup, &st, access, true);
		if (d)
			return d;
		int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0) {
			*error = -errno;
			return NULL;
		}
		if (fstat(up, &up_st) < 0) {
			*error = -errno;
			close(up);
			return NULL;
		}
		close(cur);
		cur = up;
		if (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino)
			return NULL; /* the root is its own parent */
	}
	*error = -ELOOP;
	return NULL;
}

int sup_fs_check_fd(struct supervisor *sup, int fd, unsigned access, char *rule, size_t size)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	pthread_mutex_lock(&sup->rules_lock);
	const struct sup_inode *d = match(sup, &st, access, false);
	int error = 0;
	if (!d && has_beneath_rules(sup, access)) {
		if (S_ISDIR(st.st_mode)) {
			d = walk_up(sup, fd, access, &error);
		} else if (st.st_nlink > 0) {
			/* Pipes, sockets, memfds and unlinked files have no
			 * name: no directory holds them, only identity counts. */
			int parent = parent_of(fd, &st);
			if (parent >= 0) {
				d = walk_up(sup, parent, access, &error);
				close(parent);
			} else if (parent != -ENOENT || S_ISREG(st.st_mode) ||
				   S_ISDIR(st.st_mode)) {
				error = parent;
			}
		}
	}
	if (d)
		snprintf(rule, size, "%s", d->rule);
	pthread_mutex_unlock(&sup->rules_lock);
	if (d)
		return 1;
	return error;
}
