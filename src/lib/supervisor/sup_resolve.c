/* sup_resolve.c — path lookups in a sandboxed task's view without chroot:
 * absolute paths (and absolute symlinks) inside its root by RESOLVE_IN_ROOT,
 * relative ones from its directory. Works unprivileged; must never resolve
 * outside the task's root, and refuses (-EXDEV) what it cannot place.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_resolve.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

/* openat2, again when the kernel saw a rename or mount race during a ".."
 * under RESOLVE_BENEATH / RESOLVE_IN_ROOT (-EAGAIN), unless the caller asked
 * RESOLVE_CACHED, whose -EAGAIN is the answer. */
static int openat2_fd(int dirfd, const char *path, const struct open_how *how)
{
	for (int attempt = 0;; attempt++) {
		int fd = (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN || (how->resolve & RESOLVE_CACHED) || attempt == 3)
			return -errno;
	}
}

static bool same_object(int a, int b)
{
	struct statx sa, sb;
	unsigned mask = STATX_INO | STATX_MNT_ID;
	if (statx(a, "", AT_EMPTY_PATH, mask, &sa) < 0 ||
	    statx(b, "", AT_EMPTY_PATH, mask, &sb) < 0)
		return false;
	if (!(sa.stx_mask & sb.stx_mask & STATX_MNT_ID))
		return false;
	return sa.stx_dev_major == sb.stx_dev_major && sa.stx_dev_minor == sb.stx_dev_minor &&
	       sa.stx_ino == sb.stx_ino && sa.stx_mnt_id == sb.stx_mnt_id;
}

/* The kernel's name of FD: from this thread's root, or from the root mount
 * of FD's mount namespace when FD is not reachable from here. */
static int fd_name(int fd, char *out, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n == size - 1)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

/* DIRFD's path below ROOT_FD, proven to name DIRFD itself (the same inode on
 * the same mount, reached without symlinks), or -EXDEV. */
static int place_under_root(int root_fd, int dirfd, char *out, size_t size)
{
	char root_name[PATH_MAX], dir_name[PATH_MAX];
	if (fd_name(root_fd, root_name, sizeof(root_name)) < 0 ||
	    fd_name(dirfd, dir_name, sizeof(dir_name)) < 0)
		return -EXDEV;
	const char *rel = dir_name;
	size_t n = strlen(root_name);
	if (strcmp(root_name, "/") != 0) {
		if (strncmp(dir_name, root_name, n) != 0 || (dir_name[n] != '/' && dir_name[n]))
			return -EXDEV;
		rel = dir_name[n] ? dir_name + n : "/";
	}
	if (rel[0] != '/')
		return -EXDEV;
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = openat2_fd(root_fd, rel, &how);
	if (fd < 0 || !same_object(fd, dirfd))
		return -EXDEV;
	if ((size_t)snprintf(out, size, "%s", rel) >= size)
		return -EXDEV;
	return 0;
}

int sup_resolve_at(int root_fd, int dirfd, const char *path, const struct open_how *how,
		   bool *outside)
{
	if (outside)
		*outside = false;
	/* The task's own BENEATH / IN_ROOT make DIRFD the root: its root has
	 * no part in the walk. */
	if (root_fd < 0 || (how->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)))
		return openat2_fd(dirfd, path, how);
	struct open_how in_root = *how;
	in_root.resolve |= RESOLVE_IN_ROOT;
	if (path[0] == '/')
		return openat2_fd(root_fd, path, &in_root);
	/* Relative: a walk that stays below DIRFD never meets the root, and
	 * RESOLVE_BENEATH proves it stayed (the common case, exact). */
	struct open_how beneath = *how;
	beneath.resolve |= RESOLVE_BENEATH;
	int fd = openat2_fd(dirfd, path, &beneath);
	if (fd != -EXDEV)
		return fd;
	/* It leaves DIRFD (".." above it, an absolute symlink): the same walk
	 * from DIRFD's place in the root, inside the root. */
	char place[PATH_MAX];
	if (place_under_root(root_fd, dirfd, place, sizeof(place)) < 0) {
		if (outside)
			*outside = true;
		return -EXDEV;
	}
	char full[PATH_MAX];
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", place, path) >= sizeof(full))
		return -ENAMETOOLONG;
	return openat2_fd(root_fd, full, &in_root);
}

int sup_resolve_in_child(pid_t pid, int dirfd_arg, const char *path, uint64_t flags,
			 uint64_t resolve)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/%d/root", (int)pid);
	_cleanup_close_ int root = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	if (dirfd_arg == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, dirfd_arg);
	_cleanup_close_ int dir = open(link, O_PATH | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	struct open_how how = {
		.flags = (flags & (O_NOFOLLOW | O_DIRECTORY)) | O_PATH | O_CLOEXEC,
		.resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};
	return sup_resolve_at(root, dir, path, &how, NULL);
}
