/* landlock_holes.c — a denial inside a grant, held by Landlock alone: the
 * grant is replaced by rules on the directories down to the denied path D
 * (only rights that cannot reach D) and on every other entry of those
 * directories (the whole grant); D gets the grant minus what is denied.
 * Never fails open: a directory that cannot be listed stops the run, and no
 * rule above D ever carries a right that D is denied.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "layers/landlock_internal.h"

/* A denial, resolved to the inode path the kernel will see. */
struct hole {
	char *real;   /* absolute, no symlink in it (the final one followed) */
	__u64 denied; /* rights withheld from D and everything beneath it */
	__u64 reach;  /* those a rule on an ancestor of D would still reach D with */
	bool exists;
	dev_t dev; /* D's inode, when it exists: Landlock rules are on inodes, */
	ino_t ino; /* so a hard link to D beside it must not be granted whole */
};

/* A grant, opened and resolved. */
struct root {
	int fd; /* O_PATH */
	char *real;
	unsigned access;
	bool is_dir;
	bool redundant; /* another grant above it gives at least as much */
};

/* A hole as seen from the directory being punched. */
struct rel_hole {
	const char *rest; /* D's path below this directory, never empty */
	const struct hole *hole;
};

typedef VEC(struct hole) hole_vec;
typedef VEC(struct root) root_vec;
typedef VEC(struct rel_hole) rel_vec;

struct punch {
	int ruleset_fd;
	const hole_vec *holes; /* all of them, for their inodes */
	__u64 granted;	       /* the grant's rights on a directory */
	size_t *count;
	ward_error *err;
	char path[PATH_MAX]; /* the entry being granted, for errors */
};

/* True when A is B or lies beneath B (both absolute, resolved). */
static bool real_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (n == 1 && b[0] == '/')
		return true;
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* PATH with every symlink resolved, including the last component: a denied
 * /usr/bin/python3 is the python3.11 that exec reaches. A missing tail is
 * appended as written, so a denial of a path not created yet still punches
 * the deepest directory that exists. */
static int resolve_path(const char *path, char out[PATH_MAX])
{
	if (realpath(path, out))
		return 0;
	if (errno != ENOENT)
		return -errno;
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path) {
		if (!slash || !slash[1])
			return -ENOENT;
		snprintf(out, PATH_MAX, "%s", path);
		return 0;
	}
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	int r = resolve_path(parent, out);
	if (r < 0)
		return r;
	size_t len = strlen(out);
	if (len + strlen(slash) + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	snprintf(out + len, PATH_MAX - len, "%s", len == 1 ? slash + 1 : slash);
	return 0;
}

static void free_holes(hole_vec *holes)
{
	VEC_FOREACH(holes, h)
	{
		free(h->real);
	}
	VEC_FREE(holes);
}

static void free_roots(root_vec *roots)
{
	VEC_FOREACH(roots, g)
	{
		if (g->fd >= 0)
			close(g->fd);
		free(g->real);
	}
	VEC_FREE(roots);
}

static void closedirp(DIR **dir)
{
	if (*dir)
		closedir(*dir);
}

static int resolve_holes(const struct plan *plan, __u64 handled, hole_vec *holes, ward_error *err)
{
	VEC_FOREACH(&plan->fs_holes, h)
	{
		char real[PATH_MAX];
		int r = resolve_path(h->path, real);
		if (r < 0)
			return ward_fail_errno(
				err, r, "landlock: cannot resolve the denied path %s", h->path);
		struct stat st;
		/* A path that does not exist yet may become a directory:
		 * treat it as one, so no ancestor may list it either. */
		bool exists = stat(real, &st) == 0;
		bool is_dir = !exists || S_ISDIR(st.st_mode);
		struct hole hole = {
			.real = strdup(real),
			.denied = landlock_fs_rights(h->access, true, handled),
			.exists = exists,
			.dev = exists ? st.st_dev : 0,
			.ino = exists ? st.st_ino : 0,
		};
		/* Listing a directory is READ_DIR beneath it: on an ancestor it
		 * reaches D only when D is a directory. */
		hole.reach = hole.denied & ~(is_dir ? 0 : LANDLOCK_ACCESS_FS_READ_DIR);
		if (!hole.real || VEC_PUSH(holes, hole) < 0) {
			free(hole.real);
			return ward_fail(err, -ENOMEM, "landlock: out of memory");
		}
	}
	return 0;
}

static int resolve_roots(const struct plan *plan, root_vec *roots, ward_error *err)
{
	VEC_FOREACH(&plan->fs_grants, grant)
	{
		_cleanup_close_ int fd = open(grant->path, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			if ((errno == ENOENT || errno == EACCES || errno == ENOTDIR) &&
			    grant->optional)
				continue;
			return ward_fail_errno(err, -errno, "landlock: cannot open %s",
					       grant->path);
		}
		struct stat st;
		if (fstat(fd, &st) < 0)
			return ward_fail_errno(err, -errno, "landlock: cannot stat %s",
					       grant->path);
		char real[PATH_MAX];
		if (!realpath(grant->path, real))
			return ward_fail_errno(err, -errno, "landlock: cannot resolve %s",
					       grant->path);
		struct root root = {
			.fd = steal_fd(fd),
			.real = strdup(real),
			.access = grant->access,
			.is_dir = S_ISDIR(st.st_mode),
		};
		if (!root.real || VEC_PUSH(roots, root) < 0) {
			close(root.fd);
			free(root.real);
			return ward_fail(err, -ENOMEM, "landlock: out of memory");
		}
	}

	/* Landlock rights add up along a path, so a grant beneath another
	 * that gives at least the same rights adds nothing; punched, it would
	 * only list the same directories again (/bin is /usr/bin here). */
	for (size_t j = 0; j < roots->len; j++) {
		struct root *inner = &roots->items[j];
		for (size_t i = 0; i < roots->len && !inner->redundant; i++) {
			const struct root *outer = &roots->items[i];
			if (i == j || outer->redundant || !real_within(inner->real, outer->real) ||
			    (inner->access & ~outer->access))
				continue;
			/* Of two equal grants keep the first. */
			if (strcmp(inner->real, outer->real) == 0 &&
			    inner->access == outer->access && i > j)
				continue;
			inner->redundant = true;
		}
	}
	return 0;
}

/* What the holes deny to the inode ST under any of its names: a rule on a
 * hard link (or a bind mount) of D would be a rule on D itself. */
static __u64 denied_to_inode(const hole_vec *holes, const struct stat *st)
{
	__u64 denied = 0;
	VEC_FOREACH(holes, h)
	{
		if (h->exists && h->dev == st->st_dev && h->ino == st->st_ino)
			denied |= h->denied;
	}
	return denied;
}

static int punch_dir(struct punch *p, int dir_fd, const struct rel_hole *holes, size_t n,
		     __u64 withheld);

/* Grants NAME, an entry of DIR_FD: whole, minus WITHHELD, unless a hole lies
 * at or beneath it. */
static int punch_entry(struct punch *p, int dir_fd, const char *name, const struct rel_hole *holes,
		       size_t n, __u64 withheld)
{
	size_t name_len = strlen(name);
	rel_vec deeper = {0};
	for (size_t i = 0; i < n; i++) {
		const char *rest = holes[i].rest;
		if (strncmp(rest, name, name_len) != 0)
			continue;
		if (rest[name_len] == '\0') {
			withheld |= holes[i].hole->denied;
		} else if (rest[name_len] == '/') {
			struct rel_hole below = {rest + name_len + 1, holes[i].hole};
			if (VEC_PUSH(&deeper, below) < 0) {
				VEC_FREE(&deeper);
				return ward_fail(p->err, -ENOMEM, "landlock: out of memory");
			}
		}
	}

	int r;
	_cleanup_close_ int fd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		/* Gone since it was listed: there is nothing left to grant. */
		r = errno == ENOENT
			    ? 0
			    : ward_fail_errno(p->err, -errno, "landlock: cannot open %s", p->path);
	} else if (S_ISLNK(st.st_mode)) {
		/* A rule on a symlink grants nothing: its target is checked
		 * on its own path, which these rules already cover. */
		r = 0;
	} else if (deeper.len && S_ISDIR(st.st_mode)) {
		r = punch_dir(p, fd, deeper.items, deeper.len,
			      withheld | denied_to_inode(p->holes, &st));
	} else {
		__u64 rights = p->granted & ~withheld & ~denied_to_inode(p->holes, &st);
		if (!S_ISDIR(st.st_mode))
			rights &= ACCESS_FS_FILE;
		r = landlock_add_fd_rule(p->ruleset_fd, fd, rights, p->count, p->path, p->err);
	}
	VEC_FREE(&deeper);
	return r;
}

/* DIR_FD lies on the way to every hole in HOLES: it gets only the rights
 * that cannot reach them, and each of its other entries gets the grant. */
static int punch_dir(struct punch *p, int dir_fd, const struct rel_hole *holes, size_t n,
		     __u64 withheld)
{
	/* Every right on a directory holds beneath it, so what may stay here
	 * is what no hole below is denied; and nothing that creates, removes
	 * or moves entries, so D (or a directory on its way) can neither be
	 * moved away from its rules nor replaced. */
	__u64 reach = 0;
	for (size_t i = 0; i < n; i++)
		reach |= holes[i].hole->reach;
	int r = landlock_add_fd_rule(p->ruleset_fd, dir_fd,
				     p->granted & ~withheld & ~reach & ~ACCESS_FS_ENTRIES, p->count,
				     p->path, p->err);
	if (r < 0)
		return r;

	int list_fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (list_fd < 0)
		return ward_fail_errno(
			p->err, -errno,
			"landlock: cannot list %s to punch a denial out of its grant", p->path);
	__attribute__((cleanup(closedirp))) DIR *dir = fdopendir(list_fd);
	if (!dir) {
		close(list_fd);
		return ward_fail_errno(p->err, -errno, "landlock: cannot list %s", p->path);
	}

	size_t len = strlen(p->path);
	struct dirent *entry;
	while ((errno = 0, entry = readdir(dir))) {
		const char *name = entry->d_name;
		/* A rule on a symlink grants nothing (its target is checked on
		 * its own path): skip them unopened, most of /usr/bin is. */
		if (!strcmp(name, ".") || !strcmp(name, "..") || entry->d_type == DT_LNK)
			continue;
		if (len + 1 + strlen(name) >= sizeof(p->path))
			return ward_fail(p->err, -ENAMETOOLONG, "landlock: path too long in %s",
					 p->path);
		snprintf(p->path + len, sizeof(p->path) - len, "%s%s", len == 1 ? "" : "/", name);
		r = punch_entry(p, dir_fd, name, holes, n, withheld);
		p->path[len] = '\0';
		if (r < 0)
			return r;
	}
	if (errno)
		return ward_fail_errno(p->err, -errno, "landlock: cannot list %s", p->path);
	return 0;
}

/* Adds ROOT's rules: one, unless holes lie beneath it. */
static int add_root(int ruleset_fd, const struct root *root, const hole_vec *holes, __u64 handled,
		    size_t *count, ward_error *err)
{
	struct punch p = {
		.ruleset_fd = ruleset_fd,
		.holes = holes,
		.granted = landlock_fs_rights(root->access, true, handled),
		.count = count,
		.err = err,
	};
	snprintf(p.path, sizeof(p.path), "%s", root->real);

	/* A denial of the grant itself or of a directory above it: deny wins,
	 * the grant keeps only what is not denied (nothing, for --fs-deny). */
	struct stat st;
	if (fstat(root->fd, &st) < 0)
		return ward_fail_errno(err, -errno, "landlock: cannot stat %s", root->real);
	__u64 withheld = denied_to_inode(holes, &st);
	rel_vec inside = {0};
	size_t root_len = strlen(root->real);
	VEC_FOREACH(holes, h)
	{
		if (!(p.granted & h->denied))
			continue;
		if (real_within(root->real, h->real)) {
			withheld |= h->denied;
		} else if (root->is_dir && real_within(h->real, root->real)) {
			struct rel_hole rel = {h->real + (root_len == 1 ? 1 : root_len + 1), h};
			if (VEC_PUSH(&inside, rel) < 0) {
				VEC_FREE(&inside);
				return ward_fail(err, -ENOMEM, "landlock: out of memory");
			}
		}
	}

	int r;
	if (inside.len) {
		r = punch_dir(&p, root->fd, inside.items, inside.len, withheld);
	} else {
		__u64 rights = p.granted & ~withheld;
		if (!root->is_dir)
			rights &= ACCESS_FS_FILE;
		r = landlock_add_fd_rule(ruleset_fd, root->fd, rights, count, root->real, err);
	}
	VEC_FREE(&inside);
	return r;
}

int landlock_add_punched_grants(int ruleset_fd, const struct plan *plan, __u64 handled,
				size_t *count, ward_error *err)
{
	__attribute__((cleanup(free_holes))) hole_vec holes = {0};
	__attribute__((cleanup(free_roots))) root_vec roots = {0};

	int r = resolve_holes(plan, handled, &holes, err);
	if (r < 0)
		return r;
	if ((r = resolve_roots(plan, &roots, err)) < 0)
		return r;
	VEC_FOREACH(&roots, root)
	{
		if (root->redundant)
			continue;
		if ((r = add_root(ruleset_fd, root, &holes, handled, count, err)) < 0)
			return r;
	}
	return 0;
}
