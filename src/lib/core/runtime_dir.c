/* runtime_dir.c — where ward keeps what it must find again (the live
 * records, the cgroup registry): one place per user, chosen the same way for
 * every record. Another user may have made the path first (/tmp is shared),
 * so each component is opened without following symlinks and must belong to
 * the caller and be writable by nobody else; otherwise it is refused. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runtime_dir.h"

bool runtime_dir_is_owned(int fd, uid_t uid)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* Opens (creating with mode 0700 when CREATE) each component of REL below
 * an existing BASE, refusing symlinks and directories not owned by UID. */
static int open_owned_below(const char *base, const char *rel, uid_t uid, bool create)
{
	int fd = open(base, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", rel);
	char *save = NULL;
	for (char *part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (create && mkdirat(fd, part, 0700) < 0 && errno != EEXIST) {
			int e = -errno;
			close(fd);
			return e;
		}
		int next = openat(fd, part, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int e = -errno;
		close(fd);
		if (next < 0)
			return e;
		if (!runtime_dir_is_owned(next, uid)) {
			close(next);
			return -EPERM;
		}
		fd = next;
	}
	return fd;
}

/* $XDG_RUNTIME_DIR, when it is set and really the caller's. */
static const char *own_xdg_runtime_dir(uid_t uid)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (!xdg || xdg[0] != '/')
		return NULL;
	int fd = open(xdg, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	bool mine = fd >= 0 && runtime_dir_is_owned(fd, uid);
	if (fd >= 0)
		close(fd);
	return mine ? xdg : NULL;
}

/* The places, as the patterns of other users' directories say too. */
#define ROOT_BASE "/run"
#define TMP_BASE "/tmp"
#define XDG_USERS "/run/user/*" /* systemd's XDG_RUNTIME_DIR, /run/user/UID */
#define OWN_REL "ward/%s"	/* below /run or $XDG_RUNTIME_DIR */
#define TMP_REL "ward-%s/%s"	/* below /tmp, by uid */

/* BASE and REL of the caller's directory for SUB. */
static int choose(const char *sub, char *base, size_t base_size, char *rel, size_t rel_size)
{
	uid_t uid = geteuid();
	const char *xdg = uid ? own_xdg_runtime_dir(uid) : NULL;
	char uid_text[16];
	snprintf(uid_text, sizeof(uid_text), "%u", (unsigned)uid);
	int n, m;
	if (uid == 0) {
		n = snprintf(base, base_size, ROOT_BASE);
		m = snprintf(rel, rel_size, OWN_REL, sub);
	} else if (xdg) {
		n = snprintf(base, base_size, "%s", xdg);
		m = snprintf(rel, rel_size, OWN_REL, sub);
	} else {
		n = snprintf(base, base_size, TMP_BASE);
		m = snprintf(rel, rel_size, TMP_REL, uid_text, sub);
	}
	return n > 0 && (size_t)n < base_size && m > 0 && (size_t)m < rel_size ? 0 : -ENAMETOOLONG;
}

int runtime_dir_open(const char *sub, bool create)
{
	char base[PATH_MAX], rel[PATH_MAX];
	int r = choose(sub, base, sizeof(base), rel, sizeof(rel));
	return r < 0 ? r : open_owned_below(base, rel, geteuid(), create);
}

int runtime_dir_where(const char *sub, char *out, size_t size)
{
	char base[PATH_MAX], rel[PATH_MAX];
	int r = choose(sub, base, sizeof(base), rel, sizeof(rel));
	if (r < 0)
		return r;
	int n = snprintf(out, size, "%s/%s", base, rel);
	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

int runtime_dir_open_path(const char *sub, bool create, char *out, size_t size)
{
	char base[PATH_MAX], rel[PATH_MAX];
	int r = choose(sub, base, sizeof(base), rel, sizeof(rel));
	if (r < 0)
		return r;
	int n = snprintf(out, size, "%s/%s", base, rel);
	if (n <= 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return open_owned_below(base, rel, geteuid(), create);
}

int runtime_dir_path(const char *sub, bool create, char *out, size_t size)
{
	int fd = runtime_dir_open_path(sub, create, out, size);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int runtime_dir_users_glob(size_t which, const char *sub, char *out, size_t size)
{
	int n;
	if (which == 0)
		n = snprintf(out, size, XDG_USERS "/" OWN_REL, sub);
	else if (which == 1)
		n = snprintf(out, size, TMP_BASE "/" TMP_REL, "*", sub);
	else
		return -ENOENT;
	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}
