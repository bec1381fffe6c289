/* plan_masks.c — which mounts the sandbox's own mount namespace needs so
 * that denials and read-only carve-outs inside grants hold while the rest
 * of the grant stays fully usable (Landlock can only add rights: a nested
 * narrower grant is silently widened by the enclosing one). Pure: reads
 * the policy, writes the plan; never claims a carve-out it cannot mount.
 */
#include <stdlib.h>
#include <string.h>

#include "core/path_prefix.h"
#include "plan/plan.h"

bool plan_mount_ns_possible(const struct host_features *host)
{
	return host->root || host->cap_sys_admin || host->userns;
}

bool plan_path_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (n == 1 && b[0] == '/')
		return true;
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* The rights that matter to a mount: write (read-only) and exec (noexec).
 * Read cannot be taken away by a mount; a carve-out that removes it is not
 * planned here and the caller reports it unenforceable. */
#define MOUNT_RIGHTS (WARD_FS_WRITE | WARD_FS_EXEC)

struct nested_grant {
	const char *path;
	unsigned access;    /* as granted */
	unsigned effective; /* after the enclosing grants */
	bool mounted;	    /* this or an enclosing grant has a carve-out mount */
	size_t order;	    /* its position in the policy */
};

/* Shorter first (an enclosing grant is decided before what it encloses);
 * then by path and policy order, so equal grants keep their order. */
static int by_length(const void *a, const void *b)
{
	const struct nested_grant *x = a, *y = b;
	size_t la = strlen(x->path), lb = strlen(y->path);
	if (la != lb)
		return la < lb ? -1 : 1;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int by_path(const void *a, const void *b)
{
	const struct nested_grant *x = *(const struct nested_grant *const *)a;
	const struct nested_grant *y = *(const struct nested_grant *const *)b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x < y ? -1 : x > y; /* the later in length order last */
}

/* The nearest grant strictly above G: the last (in length order) grant of
 * its longest proper ancestor that is granted. BY_PATH: the grants sorted
 * by path; each ancestor is one binary search. */
static const struct nested_grant *nearest_outer(const struct nested_grant *const *by_path_sorted,
						size_t n, const struct nested_grant *g)
{
	const char *path = g->path;
	for (size_t len = path_parent_len(path, strlen(path)); len; len = path_parent_len(path, len)) {
		size_t lo = 0, hi = n;
		while (lo < hi) { /* past the last grant not above this prefix */
			size_t mid = lo + (hi - lo) / 2;
			if (path_cmp_prefix(path, len, by_path_sorted[mid]->path) >= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && path_cmp_prefix(path, len, by_path_sorted[lo - 1]->path) == 0)
			return by_path_sorted[lo - 1];
	}
	return NULL;
}

int plan_add_carveouts(const struct ward_policy *policy, struct plan *plan)
{
	size_t n = 0;
	VEC_FOREACH(&policy->fs, f)
	{
		n += !f->deny;
	}
	if (n < 2)
		return 0;
	struct nested_grant *g = calloc(n, sizeof(*g));
	const struct nested_grant **sorted = calloc(n, sizeof(*sorted));
	if (!g || !sorted) {
		free(g);
		free(sorted);
		return -ENOMEM;
	}
	size_t i = 0;
	VEC_FOREACH(&policy->fs, f)
	{
		if (!f->deny) {
			g[i] = (struct nested_grant){.path = f->path, .access = f->access, .order = i};
			i++;
		}
	}
	qsort(g, n, sizeof(*g), by_length);
	for (i = 0; i < n; i++)
		sorted[i] = &g[i];
	qsort(sorted, n, sizeof(*sorted), by_path);

	int r = 0;
	for (i = 0; i < n && r == 0; i++) {
		/* The nearest enclosing grant: decided already, being shorter. */
		const struct nested_grant *outer = nearest_outer(sorted, n, &g[i]);
		if (!outer) {
			g[i].effective = g[i].access;
			continue;
		}
		bool narrower = (g[i].access & outer->effective) == g[i].access &&
				g[i].access != outer->effective;
		g[i].effective = narrower ? g[i].access : g[i].access | outer->effective;
		unsigned changed = (g[i].effective ^ outer->effective) & MOUNT_RIGHTS;
		bool needed = changed && (narrower || outer->mounted);
		/* A removed read is not mountable: recorded, never applied,
		 * and reported unenforceable by the caller. */
		bool unmountable = (outer->effective & ~g[i].effective) & WARD_FS_READ;
		g[i].mounted = outer->mounted || (needed && !unmountable);
		if (needed || unmountable) {
			struct plan_fs_mask m = {.path = g[i].path,
						 .keep = g[i].effective,
						 .unmountable = unmountable};
			r = VEC_PUSH(&plan->fs_masks, m);
		}
	}
	free(sorted);
	free(g);
	return r;
}

const struct plan_fs_mask *plan_find_carveout(const struct plan *plan, const char *path)
{
	VEC_FOREACH(&plan->fs_masks, m)
	{
		if (!m->hide && strcmp(m->path, path) == 0)
			return m;
	}
	return NULL;
}
