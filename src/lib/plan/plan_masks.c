/* plan_masks.c — which mounts the sandbox's own mount namespace needs so
 * that denials and read-only carve-outs inside grants hold while the rest
 * of the grant stays fully usable (Landlock can only add rights: a nested
 * narrower grant is silently widened by the enclosing one). Pure: reads
 * the policy, writes the plan; never claims a carve-out it cannot mount.
 */
#include <stdlib.h>
#include <string.h>

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
};

static int by_length(const void *a, const void *b)
{
	size_t la = strlen(((const struct nested_grant *)a)->path);
	size_t lb = strlen(((const struct nested_grant *)b)->path);
	return la < lb ? -1 : la > lb;
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
	if (!g)
		return -ENOMEM;
	size_t i = 0;
	VEC_FOREACH(&policy->fs, f)
	{
		if (!f->deny)
			g[i++] = (struct nested_grant){.path = f->path, .access = f->access};
	}
	qsort(g, n, sizeof(*g), by_length);

	int r = 0;
	for (i = 0; i < n && r == 0; i++) {
		/* The nearest enclosing grant: the longest earlier one. */
		const struct nested_grant *outer = NULL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(g[j].path, g[i].path) != 0 &&
			    plan_path_within(g[i].path, g[j].path))
				outer = &g[j];
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
