/* plan_api.c — the public face of planning: ward_policy_check() and
 * ward_policy_plan_json() / _sections_json() (one builder). Checks the whole policy, then plans it
 * for this host without creating anything. */
#include <errno.h>
#include <stdlib.h>

#include "core/error.h"
#include "plan/plan.h"

static int check_and_plan(ward_policy *policy, struct plan *plan, ward_error *err)
{
	int r = policy_expand_globs(policy, err);
	if (r == 0)
		r = policy_validate(policy, err);
	if (r < 0)
		return r;
	/* No private directory exists yet: plan with a placeholder grant. */
	return plan_build(policy, host_features_get(), plan, err);
}

int ward_policy_check(ward_policy *policy, FILE *out, ward_error *err)
{
	struct plan plan;
	int r = check_and_plan(policy, &plan, err);
	if (r < 0 && r != -EPERM)
		return r;
	if (out)
		plan_print(&plan, out);
	plan_free(&plan);
	return r;
}

/* The plan rendered by RENDER (its entries or its layers' sections) as JSON;
 * -EPERM still renders it (a rule this host cannot enforce is part of it). */
static int plan_json(ward_policy *policy, char *(*render)(const struct plan *), char **json_out,
		     ward_error *err)
{
	struct plan plan;
	int r = check_and_plan(policy, &plan, err);
	if (r < 0 && r != -EPERM)
		return r;
	*json_out = render(&plan);
	plan_free(&plan);
	if (!*json_out)
		return ward_fail(err, -ENOMEM, "rendering the plan: out of memory");
	return r;
}

int ward_policy_plan_json(ward_policy *policy, char **json_out, ward_error *err)
{
	return plan_json(policy, plan_to_json, json_out, err);
}

int ward_policy_plan_sections_json(ward_policy *policy, char **json_out, ward_error *err)
{
	return plan_json(policy, plan_sections_to_json, json_out, err);
}
