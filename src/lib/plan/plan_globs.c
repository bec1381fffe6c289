/* plan_globs.c — the plan's word on each glob of fs.deny and fs.read. The
 * paths that match at start were made rules of their own (policy/glob.c)
 * and are planned like any path; this file says what no layer holds: a name
 * that matches and is created later. It never claims that part enforced.
 */
#include <stdio.h>
#include <string.h>

#include "plan/plan.h"

/* Whether a write grant of the policy reaches beneath GLOB's root (for an
 * unanchored glob: any write grant), so that matching names can be made. */
static bool glob_in_write_grant(const struct ward_policy *policy, const struct fs_glob *glob)
{
	VEC_FOREACH(&policy->fs, f)
	{
		if (f->deny || !(f->access & WARD_FS_WRITE))
			continue;
		if (!glob->root || plan_path_within(glob->root, f->path) ||
		    plan_path_within(f->path, glob->root))
			return true;
	}
	return false;
}

int plan_fs_globs(const struct ward_policy *policy, struct plan *plan)
{
	VEC_FOREACH(&policy->fs_globs, g)
	{
		char rule[300], why[400];
		const char *where = g->root ? "" : " (beneath the policy's own grants)";
		int r;
		if (g->deny) {
			snprintf(rule, sizeof(rule),
				 "fs deny %s%s: %zu matching now, each denied above", g->text,
				 where, g->matches);
			snprintf(
				why, sizeof(why),
				"a matching name created after the start is NOT denied: Landlock "
				"holes and mount masks hold only what exists at start, and no "
				"layer "
				"of ward matches names yet; --allow-degraded bpf-lsm runs with the "
				"%zu present matches denied",
				g->matches);
			r = plan_add_missing(plan, policy, g->loc, LAYER_BPF_LSM, why, rule);
		} else if (glob_in_write_grant(policy, g)) {
			snprintf(rule, sizeof(rule),
				 "fs read %s%s: %zu matching now, each read-only above", g->text,
				 where, g->matches);
			snprintf(why, sizeof(why),
				 "a matching name created after the start stays writable (it lies "
				 "in "
				 "a write grant; only what exists at start can be made read-only); "
				 "--allow-degraded bpf-lsm runs with the %zu present matches "
				 "read-only",
				 g->matches);
			r = plan_add_missing(plan, policy, g->loc, LAYER_BPF_LSM, why, rule);
		} else {
			snprintf(rule, sizeof(rule), "fs read %s%s: %zu matching now", g->text,
				 where, g->matches);
			r = plan_add_entry(
				plan, g->loc, LAYER_LANDLOCK, PLAN_ENFORCED,
				"a name created later is not granted: Landlock denies it", "%s",
				rule);
		}
		if (r < 0)
			return r;
	}
	return 0;
}
