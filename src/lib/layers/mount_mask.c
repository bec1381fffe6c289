/* mount_mask.c — holds denials and carve-outs inside grants with mounts in
 * the sandbox's own mount namespace (layers/mount_mask.h). The child half
 * makes system calls only (it runs between clone and exec); the parent half
 * refuses denials that pre-existing hard links would bypass. Never fails
 * open: a mount that cannot be made stops the child before exec.
 */

#include "layers/mount_mask.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
struct mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/* The empty, unreadable things that cover a denied path. */
#define MASK_DIR_OPTIONS "mode=000,size=4k,nr_inodes=1"
#define MASK_FILE_SOURCE "/dev/null" /* on a nodev mount: every open is EACCES */

/* Sets and clears mount attributes on PATH and every mount beneath it.
 * mount_setattr changes only the named flags, so flags the kernel locked
 * (those inherited from a more privileged namespace) are left as they are. */
static int set_attrs(const char *path, uint64_t set, uint64_t clear)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clear};
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* Before 5.12: a remount of the top mount that repeats its flags. */
	struct statfs st;
	if (statfs(path, &st) < 0)
		return -errno;
	unsigned long flags = MS_REMOUNT | MS_BIND;
	static const struct {
		unsigned long st, ms;
	} keep[] = {{ST_NOSUID, MS_NOSUID},    {ST_NODEV, MS_NODEV},
		    {ST_NOEXEC, MS_NOEXEC},    {ST_RDONLY, MS_RDONLY},
		    {ST_NOATIME, MS_NOATIME},  {ST_NODIRATIME, MS_NODIRATIME},
		    {ST_RELATIME, MS_RELATIME}};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (st.f_flags & keep[i].st)
			flags |= keep[i].ms;
	if (set & MOUNT_ATTR_RDONLY)
		flags |= MS_RDONLY;
	if (set & MOUNT_ATTR_NOEXEC)
		flags |= MS_NOEXEC;
	if (set & MOUNT_ATTR_NOSUID)
		flags |= MS_NOSUID;
	if (set & MOUNT_ATTR_NODEV)
		flags |= MS_NODEV;
	if (clear & MOUNT_ATTR_RDONLY)
		flags &= ~(unsigned long)MS_RDONLY;
	if (clear & MOUNT_ATTR_NOEXEC)
		flags &= ~(unsigned long)MS_NOEXEC;
	return mount(NULL, path, NULL, flags, NULL) < 0 ? -errno : 0;
}

static int mask_hide(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	const unsigned long locked = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (S_ISDIR(st.st_mode))
		return mount("ward-mask", path, "tmpfs", locked, MASK_DIR_OPTIONS) < 0 ? -errno : 0;
	if (mount(MASK_FILE_SOURCE, path, NULL, MS_BIND, NULL) < 0)
		return -errno;
	return set_attrs(
		path, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
		0);
}

static int mask_bind(const char *path, unsigned keep)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : -errno;
	uint64_t set = 0, clear = 0;
	*(keep & WARD_FS_WRITE ? &clear : &set) |= MOUNT_ATTR_RDONLY;
	*(keep & WARD_FS_EXEC ? &clear : &set) |= MOUNT_ATTR_NOEXEC;
	int r = set_attrs(path, set, clear);
	/* A right the host's own mount withholds (locked read-only or
	 * noexec) stays withheld: only ever narrower than asked. */
	if (r == -EPERM && clear)
		r = set_attrs(path, set, 0);
	return r;
}

/* Whether the program may write the directory PATH (a rename beneath it). */
static bool writable_dir(const struct plan *plan, const char *path)
{
	VEC_FOREACH(&plan->fs_grants, g)
	{
		if ((g->access & WARD_FS_WRITE) && plan_path_within(path, g->path))
			return true;
	}
	return false;
}

/* Was ANCESTOR (a prefix of the mask at INDEX, LEN bytes) pinned already for
 * an earlier mask? */
static bool pinned_before(const struct plan *plan, size_t index, const char *ancestor, size_t len)
{
	for (size_t i = 0; i < index; i++) {
		const struct plan_fs_mask *m = &plan->fs_masks.items[i];
		if (!m->unmountable && strncmp(m->path, ancestor, len) == 0 && m->path[len] == '/')
			return true;
	}
	return false;
}

/* A mask covers one name: a program that may write a directory above it
 * could rename that directory away (the mount goes with it) and create the
 * name afresh, replacing a read-only carve-out (say DIR/.git/config) or a
 * denied file for whatever runs there after the sandbox. So every ancestor
 * in a writable directory is pinned: bound onto itself (recursively, its
 * flags unchanged), it is a mount point, which rename and rmdir refuse
 * (EBUSY). Done before the masks, so none of them is copied or changed. */
static int pin_ancestors(const struct plan *plan)
{
	for (size_t i = 0; i < plan->fs_masks.len; i++) {
		const struct plan_fs_mask *m = &plan->fs_masks.items[i];
		if (m->unmountable)
			continue;
		char path[4096];
		size_t len = strlen(m->path);
		if (len >= sizeof(path))
			return -ENAMETOOLONG;
		memcpy(path, m->path, len + 1);
		for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			char *cut = strrchr(path, '/');
			/* The ancestor's parent: "/" for a top-level directory. */
			char save = cut[cut == path ? 1 : 0];
			cut[cut == path ? 1 : 0] = '\0';
			bool parent_writable = writable_dir(plan, path);
			cut[cut == path ? 1 : 0] = save;
			if (parent_writable &&
			    !pinned_before(plan, i, path, (size_t)(slash - path)) &&
			    mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0 &&
			    errno != ENOENT) {
				int e = -errno;
				*slash = '/';
				return e;
			}
			*slash = '/';
		}
	}
	return 0;
}

int mount_mask_apply(const struct plan *plan)
{
	if (!plan || !plan->mount_ns)
		return 0;
	/* Nothing mounted here may propagate back to the host's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	int pr = pin_ancestors(plan);
	if (pr < 0)
		return pr;
	VEC_FOREACH(&plan->fs_masks, m)
	{
		if (m->unmountable)
			continue;
		int r = m->hide ? mask_hide(m->path) : mask_bind(m->path, m->keep);
		if (r < 0)
			return r;
	}
	/* The working directory was entered before the masks: it still names
	 * the directory beneath one, and relative paths would reach what it
	 * hides. Enter it again by name, through the masks (failing closed:
	 * a masked working directory stops the run). */
	char cwd[4096];
	if (syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0)
		return -errno;
	return chdir(cwd) < 0 ? -errno : 0;
}

/* ---- parent: pre-existing hard links ---- */

#define LINK_WALK_MAX 100000 /* entries beneath one denied directory */

static __thread struct {
	const char *found; /* first linked file, in link_path */
	char link_path[4096];
	nlink_t nlink;
	size_t seen;
} walk;

static int note_linked(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (++walk.seen > LINK_WALK_MAX)
		return 2;
	if (type == FTW_F && st->st_nlink > 1) {
		snprintf(walk.link_path, sizeof(walk.link_path), "%s", path);
		walk.found = walk.link_path;
		walk.nlink = st->st_nlink;
		return 1;
	}
	return 0;
}

static int check_one(const struct plan_path_deny *f, ward_error *err)
{
	char where[300];
	ward_loc_format(f->loc, where, sizeof(where));
	struct stat st;
	if (lstat(f->path, &st) < 0)
		return 0; /* nothing to reach */
	memset(&walk, 0, sizeof(walk));
	if (!S_ISDIR(st.st_mode)) {
		if (st.st_nlink > 1) {
			snprintf(walk.link_path, sizeof(walk.link_path), "%s", f->path);
			walk.found = walk.link_path;
			walk.nlink = st.st_nlink;
		}
	} else {
		int r = nftw(f->path, note_linked, 32, FTW_PHYS | FTW_MOUNT);
		if (r == 2)
			return ward_fail(err, -EPERM,
					 "%s: cannot deny %s: more than %d entries to check for "
					 "hard links; deny a smaller directory, or use the BPF LSM "
					 "layer (by inode)",
					 where, f->path, LINK_WALK_MAX);
	}
	if (walk.found)
		return ward_fail(err, -EPERM,
				 "%s: cannot deny %s: %s has %lu hard links, and a link elsewhere "
				 "reaches it past the denial; remove the other links, or deny "
				 "that file itself (the BPF LSM holds a file by its inode)",
				 where, f->path, walk.found, (unsigned long)walk.nlink);
	return 0;
}

/* Is the denial of PATH on the BPF LSM layer, which decides by inode? */
static bool held_by_inode(const struct plan *plan, const char *path)
{
	char rule[sizeof(((struct plan_entry *)0)->rule)];
	snprintf(rule, sizeof(rule), "fs deny %s", path);
	VEC_FOREACH(&plan->entries, e)
	{
		if (!strcmp(e->rule, rule))
			return e->layer == LAYER_BPF_LSM && e->status == PLAN_ENFORCED;
	}
	return false;
}

/* An exec deny is held on the denied path (a Landlock hole, which takes
 * read too): a hard link to the file elsewhere in an exec grant runs it,
 * and reads it for ld.so, past the denial. Links beside it, in the same
 * directory, are punched with it (landlock_holes.c, world_build.c), so
 * only links that are not all there are refused (Debian's /usr/bin/perl
 * and perl5.36.0 stay deniable). A directory: no file beneath it linked. */
static int check_exec_one(const struct plan_path_deny *x, ward_error *err)
{
	char where[300], real[PATH_MAX];
	struct stat st;
	if (!realpath(x->path, real) || lstat(real, &st) < 0)
		return 0; /* nothing to reach */
	if (S_ISDIR(st.st_mode)) {
		struct plan_path_deny f = {.path = real, .access = x->access, .loc = x->loc};
		return check_one(&f, err);
	}
	if (st.st_nlink < 2)
		return 0;
	char *slash = strrchr(real, '/');
	nlink_t beside = 0;
	*slash = '\0';
	DIR *d = opendir(real[0] ? real : "/");
	*slash = '/';
	for (struct dirent *e; d && (e = readdir(d));) {
		struct stat sst;
		if (strcmp(e->d_name, slash + 1) &&
		    fstatat(dirfd(d), e->d_name, &sst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    sst.st_dev == st.st_dev && sst.st_ino == st.st_ino)
			beside++;
	}
	if (d)
		closedir(d);
	if (beside + 1 >= st.st_nlink)
		return 0;
	ward_loc_format(x->loc, where, sizeof(where));
	return ward_fail(err, -EPERM,
			 "%s: cannot deny executing %s: it has %lu hard links, %lu of them in "
			 "other directories, which would run it past the denial; remove the "
			 "other links",
			 where, x->path, (unsigned long)st.st_nlink,
			 (unsigned long)(st.st_nlink - 1 - beside));
}

int mount_mask_check_links(const struct plan *plan, ward_error *err)
{
	if (plan->mode != WARD_MODE_ENFORCE)
		return 0;
	VEC_FOREACH(&plan->path_denies, x)
	{
		int r = x->exec ? check_exec_one(x, err) : 0;
		if (r < 0)
			return r;
	}
	VEC_FOREACH(&plan->path_denies, f)
	{
		if (f->exec || !(f->access & WARD_FS_READ))
			continue;
		/* The BPF LSM holds a denied file by its inode under every name;
		 * a denied directory only by "beneath it", and a hard link from
		 * elsewhere to a file inside is not beneath it: that case is
		 * checked on every layer (found in the QEMU harness by prove's
		 * fs-deny-hardlink). */
		struct stat st;
		if (held_by_inode(plan, f->path) && lstat(f->path, &st) == 0 &&
		    !S_ISDIR(st.st_mode))
			continue;
		int r = check_one(f, err);
		if (r < 0)
			return r;
	}
	return 0;
}
