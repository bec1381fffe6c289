/* glob.c — globs in fs rules ("**" "/.env", "~/project/" "*.pem", "secrets/" "*")
 * for denials and read-only carve-outs. A glob is kept as written and expanded,
 * just before each plan, into one ordinary fs rule per path that matches
 * then: those are held like any denial. A name that matches and is created
 * later is not: the plan says so and refuses it in enforce mode unless the
 * user allows it (plan.c). The walk never follows symlinks and is bounded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "policy/policy_internal.h"

#define GLOB_WALK_MAX 100000 /* entries visited per glob and run */
/* '**' components per glob: each one multiplies the matching's work by the
 * path's depth, so their number is bounded (more is never needed). */
#define GLOB_DOUBLE_STAR_MAX 4

bool glob_is_pattern(const char *text)
{
	return text && strpbrk(text, "*?[") != NULL;
}

/* Checks PATTERN's syntax; on error returns -EINVAL with *POS the 1-based
 * character at fault and WHY filled. */
int glob_check(const char *pattern, size_t *pos, char *why, size_t why_size)
{
	const char *comp = pattern;
	int double_stars = 0;
	for (const char *p = pattern; *p; p++) {
		if (*p == '/') {
			comp = p + 1;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			if (*q == '!' || *q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']' && *q != '/')
				q++;
			if (*q != ']') {
				*pos = (size_t)(p - pattern) + 1;
				snprintf(why, why_size,
					 "'[' is never closed by ']' in its component");
				return -EINVAL;
			}
			p = q;
			continue;
		}
		if (p[0] == '*' && p[1] == '*') {
			size_t len = strcspn(comp, "/");
			if (p != comp || len != 2) {
				*pos = (size_t)(p - pattern) + 1;
				snprintf(why, why_size,
					 "'**' must be a whole component ('**/x' or 'a/**/x')");
				return -EINVAL;
			}
			if (++double_stars > GLOB_DOUBLE_STAR_MAX) {
				*pos = (size_t)(p - pattern) + 1;
				snprintf(why, why_size, "at most %d '**' components in a glob",
					 GLOB_DOUBLE_STAR_MAX);
				return -EINVAL;
			}
			p++;
		}
	}
	for (const char *c = pattern; *c;) {
		size_t len = strcspn(c, "/");
		if ((len == 2 && !strncmp(c, "..", 2)) || (len == 1 && c[0] == '.')) {
			*pos = (size_t)(c - pattern) + 1;
			snprintf(why, why_size,
				 "'.' and '..' components are not allowed in a glob");
			return -EINVAL;
		}
		c += len;
		while (*c == '/')
			c++;
	}
	return 0;
}

/* Whether PATH (relative, no leading '/') matches PATTERN (relative),
 * component by component; '**' matches any number of components. */
bool glob_match(const char *pattern, const char *path)
{
	if (!*pattern)
		return !*path;
	size_t plen = strcspn(pattern, "/");
	const char *pnext = pattern[plen] ? pattern + plen + 1 : pattern + plen;
	if (plen == 2 && pattern[0] == '*' && pattern[1] == '*') {
		for (const char *p = path;;) {
			if (glob_match(pnext, p))
				return true;
			if (!*p)
				return false;
			p += strcspn(p, "/");
			if (*p == '/')
				p++;
		}
	}
	if (!*path)
		return false;
	size_t len = strcspn(path, "/");
	char comp_pat[NAME_MAX + 1], comp[NAME_MAX + 1];
	if (plen > NAME_MAX || len > NAME_MAX)
		return false;
	memcpy(comp_pat, pattern, plen);
	comp_pat[plen] = '\0';
	memcpy(comp, path, len);
	comp[len] = '\0';
	if (fnmatch(comp_pat, comp, 0) != 0)
		return false;
	return glob_match(pnext, path[len] ? path + len + 1 : path + len);
}

int policy_add_fs_glob(struct ward_policy *policy, const char *text, unsigned access, bool deny,
		       struct ward_loc loc, const char *key, ward_error *err)
{
	char expanded[PATH_MAX], why[200];
	size_t pos = 0;
	if (!deny && access != WARD_FS_READ)
		return policy_fail_at(err, loc, key,
				      "glob '%s': globs are for fs.deny and fs.read (read-only "
				      "carve-outs) only; grant a directory for write or exec",
				      text);
	int r = path_expand_env(text, expanded, sizeof(expanded), why, sizeof(why));
	if (r == -EINVAL)
		return policy_fail_at(err, loc, key, "glob '%s': %s", text, why);
	if (r < 0)
		return policy_fail_at(err, loc, key, "glob '%.64s...' is too long", text);
	if (glob_check(expanded, &pos, why, sizeof(why)) < 0)
		return policy_fail_at(err, loc, key, "glob '%s', character %zu: %s", expanded, pos,
				      why);
	struct fs_glob g = {.access = access, .deny = deny, .loc = loc};
	char root[PATH_MAX], pattern[PATH_MAX];
	if (expanded[0] == '/') {
		/* The root: the components before the first one with a wildcard. */
		const char *first = strpbrk(expanded, "*?[");
		const char *slash = first;
		while (slash > expanded && *slash != '/')
			slash--;
		snprintf(root, sizeof(root), "%.*s", (int)(slash - expanded), expanded);
		if (!root[0])
			snprintf(root, sizeof(root), "/");
		char normalized[PATH_MAX];
		if (path_normalize(root, normalized, sizeof(normalized)) < 0)
			return policy_fail_at(err, loc, key, "glob '%s': bad root '%s'", expanded,
					      root);
		snprintf(pattern, sizeof(pattern), "%s", slash + 1);
		g.root = strdup(normalized);
		if (!g.root)
			return ward_fail(err, -ENOMEM, "out of memory");
	} else {
		/* Unanchored: at any depth beneath the policy's own grants. */
		bool starts_any = !strncmp(expanded, "**/", 3);
		if (snprintf(pattern, sizeof(pattern), "%s%s", starts_any ? "" : "**/", expanded) >=
		    (int)sizeof(pattern))
			return policy_fail_at(err, loc, key, "glob '%.64s...' is too long", text);
	}
	g.text = strdup(expanded);
	g.pattern = strdup(pattern);
	if (!g.text || !g.pattern || VEC_PUSH(&policy->fs_globs, g) < 0) {
		free(g.root);
		free(g.text);
		free(g.pattern);
		return ward_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

void policy_glob_free(struct fs_glob *g)
{
	free(g->root);
	free(g->text);
	free(g->pattern);
}

struct walk {
	struct ward_policy *policy;
	const struct fs_glob *glob;
	size_t glob_index;
	size_t visited;
	size_t matches;
	ward_error *err;
};

static int push_match(struct walk *w, const char *path)
{
	VEC_FOREACH(&w->policy->fs, f)
	if (f->from_glob == w->glob_index + 1 && !strcmp(f->path, path))
		return 0; /* found from another root already */
	struct fs_rule rule = {
		.path = strdup(path),
		.access = w->glob->deny ? (WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC)
					: w->glob->access,
		.deny = w->glob->deny,
		.loc = w->glob->loc,
		.from_glob = w->glob_index + 1,
	};
	if (!rule.path || VEC_PUSH(&w->policy->fs, rule) < 0) {
		free(rule.path);
		return ward_fail(w->err, -ENOMEM, "out of memory");
	}
	w->matches++;
	return 0;
}

/* Walks directory FD (ROOT/REL) depth first, without following symlinks. */
static int walk_dir(struct walk *w, int fd, const char *root, char *rel, size_t rel_len)
{
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0; /* unreadable: nothing the sandbox could reach through it either */
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++w->visited > GLOB_WALK_MAX) {
			r = policy_fail_at(w->err, w->glob->loc, NULL,
					   "glob '%s': more than %d entries beneath %s; anchor it "
					   "deeper (e.g. ~/project/**/.env)",
					   w->glob->text, GLOB_WALK_MAX, root);
			break;
		}
		size_t name_len = strlen(de->d_name);
		if (rel_len + name_len + 2 >= PATH_MAX)
			continue;
		if (rel_len)
			rel[rel_len] = '/';
		memcpy(rel + rel_len + (rel_len ? 1 : 0), de->d_name, name_len + 1);
		size_t len = rel_len + (rel_len ? 1 : 0) + name_len;
		if (glob_match(w->glob->pattern, rel)) {
			char full[PATH_MAX];
			snprintf(full, sizeof(full), "%s/%s", strcmp(root, "/") ? root : "", rel);
			r = push_match(w, full);
			/* A denied directory is denied beneath: no need to look inside. */
			rel[rel_len] = '\0';
			continue;
		}
		bool is_dir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			is_dir = fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				 S_ISDIR(st.st_mode);
		}
		if (is_dir) {
			int sub = openat(dirfd(dir), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				r = walk_dir(w, sub, root, rel, len);
		}
		rel[rel_len] = '\0';
	}
	closedir(dir);
	return r;
}

static int walk_root(struct walk *w, const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* absent: no match now */
	char rel[PATH_MAX] = "";
	return walk_dir(w, fd, root, rel, 0);
}

/* The roots an unanchored glob applies beneath: the grants the user wrote,
 * not the built-in profiles' system and toolchain directories, and not one
 * inside another (it would be walked twice). */
static bool user_grant_root(const struct ward_policy *policy, const struct fs_rule *f)
{
	if (f->deny || f->from_glob || (f->loc.file && !strncmp(f->loc.file, "profile:", 8)))
		return false;
	VEC_FOREACH(&policy->fs, o)
	if (o != f && !o->deny && !o->from_glob &&
	    !(o->loc.file && !strncmp(o->loc.file, "profile:", 8)) &&
	    strlen(o->path) < strlen(f->path) && !strncmp(f->path, o->path, strlen(o->path)) &&
	    (f->path[strlen(o->path)] == '/' || !strcmp(o->path, "/")))
		return false;
	return true;
}

int policy_expand_globs(struct ward_policy *policy, ward_error *err)
{
	/* No glob, no write: a policy without globs may be spawned from many
	 * threads at once (tests/unit/test_spawn_threads.c). */
	if (!policy->fs_globs.len)
		return 0;
	size_t kept = 0;
	for (size_t i = 0; i < policy->fs.len; i++) {
		if (policy->fs.items[i].from_glob)
			free(policy->fs.items[i].path);
		else
			policy->fs.items[kept++] = policy->fs.items[i];
	}
	policy->fs.len = kept;
	int r = 0;
	for (size_t g = 0; r == 0 && g < policy->fs_globs.len; g++) {
		struct fs_glob *glob = &policy->fs_globs.items[g];
		struct walk w = {.policy = policy, .glob = glob, .glob_index = g, .err = err};
		if (glob->root) {
			r = walk_root(&w, glob->root);
		} else {
			size_t n = policy->fs.len; /* matches are appended: walk the grants only */
			for (size_t i = 0; r == 0 && i < n; i++) {
				const struct fs_rule *f = &policy->fs.items[i];
				if (!user_grant_root(policy, f))
					continue;
				char root[PATH_MAX];
				snprintf(root, sizeof(root), "%s", f->path);
				r = walk_root(&w, root);
			}
		}
		glob->matches = w.matches;
	}
	return r;
}
