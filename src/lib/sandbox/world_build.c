/* world_build.c — the parent's half of the sandbox's own root: turns the
 * plan's grants into bind mounts at their own host paths (read-only unless
 * written), recreates the symlinks on the way to them (/lib -> usr/lib),
 * and adds the private /proc, /dev, devpts and tmpfs mounts. Reads the host
 * (lstat, readlink, realpath) but never changes it. A grant is only ever
 * bound with at most the access it grants: never read-write when read-only.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/path_prefix.h"
#include "core/runtime_dir.h"
#include "layers/landlock.h"
#include "layers/landlock_abi.h"
#include "sandbox/world.h"

/* A bind mount candidate before sorting. */
struct bind {
	char *path;	 /* resolved host path */
	unsigned access; /* WARD_FS_* granted, the union of every grant of it */
	bool dev, is_dir;
	bool nested; /* beneath a private tmpfs: the mount holds its limits */
	bool noexec;
	bool overlay; /* a read-only overlay, not a bind (plan.world_overlays) */
	size_t order; /* when it was first added: which duplicate's flags stay */
};

static bool bind_write(const struct bind *b)
{
	return b->access & WARD_FS_WRITE;
}

struct builder {
	struct world_setup *w;
	struct bind *binds;
	size_t n_binds, cap_binds;
	size_t cap_ops, cap_rules;
	const struct plan *plan;
};

static char *prefixed(const char *prefix, const char *path)
{
	char *out = NULL;
	if (asprintf(&out, "%s%s", prefix, strcmp(path, "/") ? path : "") < 0)
		return NULL;
	return out;
}

static int add_op(struct builder *b, enum world_op_kind kind, const char *dst, const char *src,
		  const char *data, unsigned long attr, bool is_dir)
{
	struct world_setup *w = b->w;
	if (w->n_ops == b->cap_ops) {
		size_t cap = b->cap_ops ? b->cap_ops * 2 : 32;
		struct world_op *grown = realloc(w->ops, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		w->ops = grown;
		b->cap_ops = cap;
	}
	struct world_op *op = &w->ops[w->n_ops];
	*op = (struct world_op){.kind = kind, .attr = attr, .is_dir = is_dir};
	op->dst = prefixed(WORLD_NEWROOT, dst);
	op->src = src ? prefixed(WORLD_OLDROOT, src) : NULL;
	op->data = data ? strdup(data) : NULL;
	w->n_ops++;
	if (!op->dst || (src && !op->src) || (data && !op->data))
		return -ENOMEM;
	return 0;
}

static int add_rule_rights(struct builder *b, const char *path, uint64_t rights)
{
	struct world_setup *w = b->w;
	if (!rights)
		return 0;
	if (w->n_rules == b->cap_rules) {
		size_t cap = b->cap_rules ? b->cap_rules * 2 : 16;
		struct world_rule *grown = realloc(w->rules, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		w->rules = grown;
		b->cap_rules = cap;
	}
	w->rules[w->n_rules] = (struct world_rule){.path = strdup(path), .rights = rights};
	return w->rules[w->n_rules++].path ? 0 : -ENOMEM;
}

static int add_rule(struct builder *b, const char *path, unsigned access, bool is_dir)
{
	return add_rule_rights(b, path, landlock_rights_for(b->plan, access, is_dir));
}

/* Duplicates are merged once all are added (merge_binds), not searched
 * for on every add. */
static int add_bind(struct builder *b, const char *path, unsigned access, bool dev, bool is_dir,
		    bool overlay)
{
	if (b->n_binds == b->cap_binds) {
		size_t cap = b->cap_binds ? b->cap_binds * 2 : 32;
		struct bind *grown = realloc(b->binds, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		b->binds = grown;
		b->cap_binds = cap;
	}
	b->binds[b->n_binds] = (struct bind){.path = strdup(path),
					     .access = access,
					     .dev = dev,
					     .is_dir = is_dir,
					     .overlay = overlay && is_dir && !dev,
					     .order = b->n_binds};
	return b->binds[b->n_binds++].path ? 0 : -ENOMEM;
}

static bool has_symlink_op(const struct builder *b, const char *dst)
{
	char *full = prefixed(WORLD_NEWROOT, dst);
	bool found = false;
	for (size_t i = 0; full && i < b->w->n_ops; i++)
		if (b->w->ops[i].kind == WORLD_SYMLINK && !strcmp(b->w->ops[i].dst, full))
			found = true;
	free(full);
	return found;
}

/* Walks PATH from the root: the first component that is a symlink is
 * recreated as that symlink and the walk goes on at its target, so the
 * program resolves the same names to the same files. Binds the resolved
 * path. A missing path binds nothing (optional grants, and Landlock reports
 * the others). */
static int add_grant_path(struct builder *b, const char *path, unsigned access, bool overlay,
			  int depth)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);
	if (depth > 16 || len >= sizeof(prefix))
		return 0;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		struct stat st;
		if (lstat(prefix, &st) < 0)
			return 0;
		if (S_ISLNK(st.st_mode)) {
			char text[PATH_MAX], target[PATH_MAX * 2];
			ssize_t n = readlink(prefix, text, sizeof(text) - 1);
			if (n <= 0)
				return 0;
			text[n] = '\0';
			int r;
			if (!has_symlink_op(b, prefix) &&
			    (r = add_op(b, WORLD_SYMLINK, prefix, NULL, text, 0, false)) < 0)
				return r;
			/* The target, absolute, with the rest of PATH after it. */
			if (text[0] == '/') {
				snprintf(target, sizeof(target), "%s%s", text, path + i);
			} else {
				char *slash = strrchr(prefix, '/');
				size_t dir_len = (size_t)(slash - prefix);
				snprintf(target, sizeof(target), "%.*s/%s%s", (int)dir_len, prefix,
					 text, path + i);
			}
			char resolved[PATH_MAX];
			/* Normalise ".." and "." of relative link texts by the
			 * host's own resolution of the target's parent. */
			if (!realpath(target, resolved))
				return 0;
			return add_grant_path(b, resolved, access, overlay, depth + 1);
		}
		if (i == len) {
			bool dev = path_within(path, "/dev");
			return add_bind(b, path, access, dev, S_ISDIR(st.st_mode), overlay);
		}
	}
	return 0;
}

/* A read grant as a read-only overlay of itself (plan.world_overlays):
 * lowerdir=GRANT:EMPTY (overlayfs needs two lower layers without an upper
 * one; the empty one is made in the assembly root, world_enter.c). Its
 * Landlock rule is added on the overlay once it is mounted: the host's
 * rule is on the host's inode, which the sandbox no longer reaches. */
static int add_overlay(struct builder *b, const struct bind *bd)
{
	char data[PATH_MAX + 64];
	if (strpbrk(bd->path, ":,\\ \t\n"))
		return -EINVAL; /* the plan refuses such names; a link led here */
	snprintf(data, sizeof(data), "lowerdir=%s%s:%s", WORLD_OLDROOT, bd->path,
		 WORLD_OVERLAY_EMPTY);
	unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | (bd->noexec ? MS_NOEXEC : 0);
	int r = add_op(b, WORLD_OVERLAY, bd->path, bd->path, data, flags, true);
	return r < 0 ? r : add_rule(b, bd->path, bd->access, true);
}

static int cmp_binds(const void *a, const void *b)
{
	const struct bind *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorted by path (then by when added), the same tree granted twice is one
 * bind: the union of the accesses, the first grant's other flags. */
static void merge_binds(struct builder *b)
{
	qsort(b->binds, b->n_binds, sizeof(*b->binds), cmp_binds);
	size_t kept = 0;
	for (size_t i = 0; i < b->n_binds; i++) {
		if (kept && !strcmp(b->binds[kept - 1].path, b->binds[i].path)) {
			b->binds[kept - 1].access |= b->binds[i].access;
			/* an overlay only where every grant of it is one */
			b->binds[kept - 1].overlay &= b->binds[i].overlay;
			free(b->binds[i].path);
			continue;
		}
		b->binds[kept++] = b->binds[i];
	}
	b->n_binds = kept;
}

/* The bind at exactly the first LEN bytes of PATH (binds merged), or NULL. */
static struct bind *bind_at(const struct builder *b, const char *path, size_t len)
{
	size_t lo = 0, hi = b->n_binds;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = path_cmp_prefix(path, len, b->binds[mid].path);
		if (c == 0)
			return &b->binds[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The nearest bind strictly above bind INDEX, or NULL. Sorted by path, an
 * ancestor comes before it, so this is the last enclosing one before it. */
static const struct bind *enclosing_bind(const struct builder *b, size_t index)
{
	const char *path = b->binds[index].path;
	for (size_t len = path_parent_len(path, strlen(path)); len;
	     len = path_parent_len(path, len)) {
		const struct bind *found = bind_at(b, path, len);
		if (found)
			return found;
	}
	return NULL;
}

static bool is_bind_point(const struct builder *b, const char *path)
{
	return bind_at(b, path, strlen(path)) != NULL;
}

static bool is_bound(const struct builder *b, const char *path)
{
	for (size_t len = strlen(path); len; len = path_parent_len(path, len))
		if (bind_at(b, path, len))
			return true;
	return false;
}

/* Grants the world replaces with its own: /proc, /dev's pts and shm. */
static bool replaced_by_world(const char *path)
{
	return path_within(path, "/proc") || !strcmp(path, "/dev") ||
	       path_within(path, "/dev/pts") || path_within(path, "/dev/shm") ||
	       !strcmp(path, "/dev/ptmx");
}

/* The bind that holds PATH (the nearest), or NULL. */
static const struct bind *bind_of(const struct builder *b, const char *path)
{
	const struct bind *best = NULL;
	for (size_t i = 0; i < b->n_binds; i++)
		if (path_within(path, b->binds[i].path) &&
		    (!best || strlen(b->binds[i].path) > strlen(best->path)))
			best = &b->binds[i];
	return best;
}

static int deny_path(struct builder *b, const char *path, const struct stat *st)
{
	return add_op(b, WORLD_DENY, path, NULL, NULL, 0, S_ISDIR(st->st_mode));
}

/* Denials inside grants beneath a private tmpfs, which Landlock cannot hold
 * there (see above): a denied path is overmounted with an empty node of
 * mode 000 (EACCES to read, write and exec; EBUSY to unlink or rename), and
 * so is every hard link to it beside it; an exec-only denial is the file
 * bound onto itself noexec. */
static int add_nested_holes(struct builder *b)
{
	int r;
	VEC_FOREACH(&b->plan->fs_holes, h)
	{
		char real[PATH_MAX];
		struct stat st;
		if (!realpath(h->path, real) || lstat(real, &st) < 0)
			continue;
		const struct bind *bd = bind_of(b, real);
		if (!bd || !bd->nested || bd->dev)
			continue;
		if (!(h->access & (WARD_FS_READ | WARD_FS_WRITE))) {
			unsigned long attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     MOUNT_ATTR_NOEXEC |
					     (bind_write(bd) ? 0 : MOUNT_ATTR_RDONLY);
			if ((r = add_op(b, WORLD_BIND, real, real, NULL, attr,
					S_ISDIR(st.st_mode))) < 0)
				return r;
			continue;
		}
		if ((r = deny_path(b, real, &st)) < 0)
			return r;
		if (S_ISDIR(st.st_mode) || st.st_nlink < 2)
			continue;
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", real);
		char *slash = strrchr(dir, '/');
		if (!slash)
			continue;
		*slash = '\0';
		DIR *d = opendir(dir[0] ? dir : "/");
		if (!d)
			continue;
		for (struct dirent *e; (e = readdir(d));) {
			char sibling[PATH_MAX * 2];
			struct stat sst;
			snprintf(sibling, sizeof(sibling), "%s/%s", dir, e->d_name);
			if (strcmp(sibling, real) && lstat(sibling, &sst) == 0 &&
			    sst.st_dev == st.st_dev && sst.st_ino == st.st_ino &&
			    (r = deny_path(b, sibling, &sst)) < 0) {
				closedir(d);
				return r;
			}
		}
		closedir(d);
	}
	return 0;
}

static void strip_slashes(char *dir)
{
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
}

/* ward's own runtime directory (live records, the cgroup registry, the
 * sandboxes' hosts files) lies inside a write grant when, say, uid 65534
 * without $XDG_RUNTIME_DIR grants -w /tmp: the program could then forge
 * what ward reads back. An empty node of mode 000 over it hides it from
 * the sandbox; a grant of exactly that directory is the caller's choice. */
static int hide_runtime_dir(struct builder *b)
{
	char dir[PATH_MAX];
	/* Where it would be, without making it: most runs grant no tree that
	 * holds it, and then nothing is created or masked. */
	if (runtime_dir_where("", dir, sizeof(dir)) < 0)
		return 0;
	strip_slashes(dir);
	if (!is_bound(b, dir) || is_bind_point(b, dir))
		return 0;
	/* Made now when missing: otherwise the program could make it in its
	 * write grant, as the caller's uid, and ward would take it for its own
	 * later in this run or the next. */
	if (runtime_dir_path("", true, dir, sizeof(dir)) < 0)
		return 0; /* none to hide: ward makes no records there either */
	strip_slashes(dir);
	return add_op(b, WORLD_DENY, dir, NULL, NULL, 0, true);
}

static int cmp_ops(const void *a, const void *b)
{
	return strcmp(((const struct world_op *)a)->dst, ((const struct world_op *)b)->dst);
}

int world_build(const struct plan *plan, const char *home, const char *cwd, struct world_setup *out,
		char *warning, size_t warning_size, ward_error *err)
{
	memset(out, 0, sizeof(*out));
	warning[0] = '\0';
	struct builder b = {.w = out, .plan = plan};
	int r = 0;
	char tmpfs_opts[96];
	unsigned long tmpfs_flags = MS_NOSUID | MS_NODEV | (plan->tmp_noexec ? MS_NOEXEC : 0);
	unsigned tmp_access = WARD_FS_READ | WARD_FS_WRITE | (plan->tmp_noexec ? 0 : WARD_FS_EXEC);

	size_t next_overlay = 0;
	VEC_FOREACH(&plan->fs_grants, g)
	{
		/* plan_unix listed the overlays in the grants' order */
		bool overlay = next_overlay < plan->world_overlays.len &&
			       plan->world_overlays.items[next_overlay].path == g->path;
		next_overlay += overlay;
		if (replaced_by_world(g->path))
			continue;
		if ((r = add_grant_path(&b, g->path, g->access, overlay, 0)) < 0)
			goto fail;
	}
	/* Every overlay the plan counts on is made, or nothing starts. */
	if (next_overlay != plan->world_overlays.len) {
		r = -EINVAL;
		goto fail;
	}
	merge_binds(&b);

	/* The private tmpfs mounts, where no grant binds the same path. HOME
	 * keeps its path, so configuration naming ~/... still works; a HOME
	 * inside a grant but missing on the host is left alone: creating it
	 * would write to the host. */
	const char *tmpfs_paths[4];
	size_t n_tmpfs = 0;
	static const char *const shared_tmp[] = {"/tmp", "/var/tmp", "/dev/shm"};
	for (size_t i = 0; i < sizeof(shared_tmp) / sizeof(shared_tmp[0]); i++)
		if (!is_bind_point(&b, shared_tmp[i]))
			tmpfs_paths[n_tmpfs++] = shared_tmp[i];
	char home_real[PATH_MAX];
	const char *home_path = NULL;
	bool home_tmpfs = false;
	if (home && home[0] == '/' && strcmp(home, "/") && !replaced_by_world(home)) {
		home_path = realpath(home, home_real) ? home_real : home;
		struct stat st;
		bool exists = stat(home_path, &st) == 0 && S_ISDIR(st.st_mode);
		if (is_bind_point(&b, home_path)) {
			/* HOME itself is granted: the real one. */
		} else if ((is_bound(&b, home_path) && !exists) || path_within(home_path, "/tmp") ||
			   path_within(home_path, "/var/tmp")) {
			home_path = NULL;
		} else {
			tmpfs_paths[n_tmpfs++] = home_path;
			home_tmpfs = true;
		}
	}
	for (size_t i = 0; i < n_tmpfs; i++) {
		bool is_home = home_tmpfs && tmpfs_paths[i] == home_path;
		snprintf(tmpfs_opts, sizeof(tmpfs_opts), "mode=%s,size=%llu",
			 is_home ? "0700" : "1777", (unsigned long long)plan->tmp_size);
		if ((r = add_op(&b, WORLD_TMPFS, tmpfs_paths[i], NULL, tmpfs_opts, tmpfs_flags,
				true)) < 0 ||
		    (r = add_rule(&b, tmpfs_paths[i], tmp_access, true)) < 0)
			goto fail;
	}

	for (size_t i = 0; i < b.n_binds; i++) {
		struct bind *bd = &b.binds[i];
		const struct bind *outer = enclosing_bind(&b, i);
		/* A grant beneath a private tmpfs: Landlock's rule on the tmpfs
		 * (read, write, exec) reaches into it, because Landlock rules
		 * hold beneath mount points too. Its limits are the mount's:
		 * read-only unless written, noexec unless executable or written,
		 * and its holes are overmounted (below). */
		for (size_t t = 0; t < n_tmpfs; t++)
			bd->nested |= path_within(bd->path, tmpfs_paths[t]);
		bool noexec = bd->nested && !(bd->access & (WARD_FS_WRITE | WARD_FS_EXEC));
		/* A read grant inside an overlay is another view of the same
		 * files, whose host rules (Landlock's) the overlay's inodes do
		 * not carry: an overlay of its own, with its own rule. */
		if (outer && outer->overlay && !bind_write(bd) && bd->is_dir && !bd->dev)
			bd->overlay = true;
		if (bd->overlay) {
			bd->noexec = noexec;
			if ((r = add_overlay(&b, bd)) < 0)
				goto fail;
			continue;
		}
		/* /bin -> usr/bin inside a /usr of the same access: one mount. */
		if (outer && bind_write(outer) == bind_write(bd) && outer->dev == bd->dev &&
		    (outer->noexec == noexec) && !outer->overlay) {
			bd->noexec = noexec;
			continue;
		}
		bd->noexec = noexec;
		unsigned long attr = MOUNT_ATTR_NOSUID;
		if (bd->dev)
			/* Device nodes: no nodev, and read-only unless a written
			 * directory: the node is the host's own inode, so chmod,
			 * chown or utimensat through a writable bind change the
			 * host's /dev/null (root: chmod 600 locks every user out).
			 * Reading and writing a device ignore the mount's flag. */
			attr |= MOUNT_ATTR_NOEXEC |
				(bind_write(bd) && bd->is_dir ? 0 : MOUNT_ATTR_RDONLY);
		else
			attr |= MOUNT_ATTR_NODEV | (bind_write(bd) ? 0 : MOUNT_ATTR_RDONLY) |
				(noexec ? MOUNT_ATTR_NOEXEC : 0);
		if ((r = add_op(&b, WORLD_BIND, bd->path, bd->path, NULL, attr, bd->is_dir)) < 0)
			goto fail;
	}
	if ((r = add_nested_holes(&b)) < 0)
		goto fail;
	if ((r = hide_runtime_dir(&b)) < 0)
		goto fail;

	/* /dev: a tmpfs of links and bound device nodes, and a new devpts. */
	if ((r = add_op(&b, WORLD_TMPFS, "/dev", NULL, "mode=0755,size=64k", MS_NOSUID | MS_NOEXEC,
			true)) < 0 ||
	    (r = add_rule(&b, "/dev", WARD_FS_READ, true)) < 0 ||
	    (r = add_op(&b, WORLD_DEVPTS, "/dev/pts", NULL, "newinstance,ptmxmode=0666,mode=620",
			MS_NOSUID | MS_NOEXEC, true)) < 0 ||
	    (r = add_rule(&b, "/dev/pts", WARD_FS_READ | WARD_FS_WRITE, true)) < 0 ||
	    (r = add_op(&b, WORLD_SYMLINK, "/dev/ptmx", NULL, "pts/ptmx", 0, false)) < 0 ||
	    (r = add_op(&b, WORLD_SYMLINK, "/dev/fd", NULL, "/proc/self/fd", 0, false)) < 0 ||
	    (r = add_op(&b, WORLD_SYMLINK, "/dev/stdin", NULL, "/proc/self/fd/0", 0, false)) < 0 ||
	    (r = add_op(&b, WORLD_SYMLINK, "/dev/stdout", NULL, "/proc/self/fd/1", 0, false)) < 0 ||
	    (r = add_op(&b, WORLD_SYMLINK, "/dev/stderr", NULL, "/proc/self/fd/2", 0, false)) < 0 ||
	    (r = add_op(&b, WORLD_PROC, "/proc", NULL, NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC,
			true)) < 0 ||
	    (r = add_rule(&b, "/proc", WARD_FS_READ, true)) < 0)
		goto fail;
	/* The root itself may be listed (ls /, os.listdir("/")): it holds
	 * only what is granted, every grant includes read, so READ_DIR
	 * beneath / adds nothing else, unless a denial is punched into a
	 * grant, whose names would then list. */
	if (!plan->fs_holes.len &&
	    (r = add_rule_rights(&b, "/",
				 landlock_rights_for(plan, WARD_FS_READ, true) &
					 LANDLOCK_ACCESS_FS_READ_DIR)) < 0)
		goto fail;
	/* Parents before children: "/dev" sorts before "/dev/null". */
	qsort(out->ops, out->n_ops, sizeof(*out->ops), cmp_ops);

	/* The directory to start in: ward's own when the root has it. */
	char here[PATH_MAX], real[PATH_MAX];
	if (!cwd)
		cwd = getcwd(here, sizeof(here));
	if (cwd && realpath(cwd, real) && (is_bound(&b, real) || !strcmp(real, "/"))) {
		out->cwd = strdup(real);
	} else {
		const char *fallback = home_path ? home_path : "/";
		if (cwd)
			snprintf(warning, warning_size,
				 "%s is not in the sandbox; starting in %s (add -r %s or -w %s "
				 "to keep it)",
				 cwd, fallback, cwd, cwd);
		out->cwd = strdup(fallback);
	}
	if (!out->cwd)
		r = -ENOMEM;

fail:
	for (size_t i = 0; i < b.n_binds; i++)
		free(b.binds[i].path);
	free(b.binds);
	if (r < 0) {
		world_free(out);
		return ward_fail(err, r, "building the sandbox's root: %s", strerror(-r));
	}
	return 0;
}

int world_add_linked_dir(struct world_setup *w, const struct plan *plan, const char *dir,
			 const char *inside, const char *link, const char *dst)
{
	struct builder b = {.w = w, .cap_ops = w->n_ops, .cap_rules = w->n_rules, .plan = plan};
	const unsigned long ro =
		MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
	/* The rule is on the directory: a rule on DST would name the file
	 * the link reaches now, which the next rename replaces. */
	int r = add_op(&b, WORLD_BIND, inside, dir, NULL, ro, true);
	if (r == 0)
		r = add_rule(&b, inside, WARD_FS_READ, true);
	if (r == 0 && (r = add_op(&b, WORLD_BIND, dst, link, NULL, ro, false)) == 0)
		w->ops[w->n_ops - 1].link = true;
	if (r < 0)
		return r;
	qsort(w->ops, w->n_ops, sizeof(*w->ops), cmp_ops);
	return 0;
}

void world_free(struct world_setup *w)
{
	for (size_t i = 0; i < w->n_ops; i++) {
		free(w->ops[i].dst);
		free(w->ops[i].src);
		free(w->ops[i].data);
	}
	free(w->ops);
	for (size_t i = 0; i < w->n_rules; i++)
		free(w->rules[i].path);
	free(w->rules);
	free(w->cwd);
	memset(w, 0, sizeof(*w));
}
