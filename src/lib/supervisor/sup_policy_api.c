/* sup_policy_api.c — the public C API for exec argv rules: thin wrappers
 * over policy_add_exec_argv() with the caller's origin for messages. */
#include <errno.h>

#include "core/error.h"
#include "supervisor/supervisor.h"

static int add_argv(ward_policy *policy, const char *words, bool deny, ward_error *err)
{
	if (!policy || !words)
		return ward_fail(err, -EINVAL, "api: no policy or no argv rule given");
	struct ward_loc loc = {.file = policy->api_origin ? policy->api_origin : "api"};
	return policy_add_exec_argv(policy, words, deny, loc, err);
}

int ward_policy_exec_allow_argv(ward_policy *policy, const char *words, ward_error *err)
{
	return add_argv(policy, words, false, err);
}

int ward_policy_exec_deny_argv(ward_policy *policy, const char *words, ward_error *err)
{
	return add_argv(policy, words, true, err);
}
