/* private_tmp.c — the sandbox's private HOME/TMPDIR: created 0700 for the
 * run, removed with everything in it once every process of the sandbox is
 * known gone (monitor.c decides that).
 * Removal is descriptor-relative: each directory is opened with
 * O_NOFOLLOW|O_DIRECTORY from its already-open parent, checked to be on the
 * same filesystem (st_dev: never into a mount) and to be the inode just
 * looked at, and its entries are removed with unlinkat on that descriptor.
 * A symlink is removed, never followed; a rename or RENAME_EXCHANGE made
 * meanwhile can only change which of the tree's own entries goes, never
 * reach a path outside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/env_source.h"
#include "core/error.h"
#include "sandbox/sandbox.h"

#define REMOVE_DEPTH_MAX 256

int private_tmp_create(const char *sandbox_id, char **path_out, ward_error *err)
{
	const char *base = env_source_get("TMPDIR");
	if (!base || base[0] != '/')
		base = "/tmp";
	char *path = NULL;
	if (asprintf(&path, "%s/%s-XXXXXX", base, sandbox_id) < 0)
		return ward_fail(err, -ENOMEM, "private directory: out of memory");
	if (!mkdtemp(path)) {
		int e = -errno;
		ward_fail_errno(err, e, "cannot create the private directory %s", path);
		free(path);
		return e;
	}
	*path_out = path;
	return 0;
}

/* Empties the directory open as DFD (consumed). Returns 0 or the first
 * error; removes what it can either way. */
static int empty_dir(int dfd, dev_t dev, int depth)
{
	if (depth > REMOVE_DEPTH_MAX) {
		close(dfd);
		return -ELOOP;
	}
	DIR *dir = fdopendir(dfd);
	if (!dir) {
		int e = -errno;
		close(dfd);
		return e;
	}
	int first = 0;
	/* Entries removed while reading may shift the listing: read again
	 * until a pass removes nothing. */
	for (bool removed = true; removed;) {
		removed = false;
		rewinddir(dir);
		struct dirent *de;
		while ((de = readdir(dir))) {
			const char *name = de->d_name;
			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			struct stat st;
			if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (S_ISDIR(st.st_mode)) {
				if (st.st_dev != dev) {
					/* A mount inside: never cross it. */
					if (!first)
						first = -EXDEV;
					continue;
				}
				int sub = openat(dirfd(dir), name,
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub < 0)
					continue; /* swapped for a non-directory: next pass */
				struct stat sst;
				if (fstat(sub, &sst) < 0 || sst.st_dev != dev ||
				    sst.st_ino != st.st_ino) {
					close(sub);
					continue;
				}
				int r = empty_dir(sub, dev, depth + 1);
				if (r < 0 && !first)
					first = r;
				if (unlinkat(dirfd(dir), name, AT_REMOVEDIR) == 0)
					removed = true;
			} else if (unlinkat(dirfd(dir), name, 0) == 0) {
				removed = true;
			}
		}
	}
	closedir(dir);
	return first;
}

int private_tmp_remove(const char *path)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	const char *slash = strrchr(path, '/');
	const char *name = slash + 1;
	char parent[PATH_MAX];
	size_t len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= sizeof(parent) || !*name)
		return -ENAMETOOLONG;
	memcpy(parent, path, len);
	parent[len] = '\0';
	int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		int e = errno == ENOENT ? 0 : -errno;
		close(pfd);
		return e;
	}
	struct stat st;
	int r = fstat(dfd, &st) < 0 ? -errno : 0;
	if (r == 0)
		r = empty_dir(dfd, st.st_dev, 0);
	else
		close(dfd);
	if (unlinkat(pfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	close(pfd);
	return r;
}
