/* policy_api.c — the public ward_policy_* functions of ward.h: thin wrappers
 * that check their arguments and call the shared adders with the location
 * "api", so messages read "api: path 'x' does not exist". They must never
 * bypass the adders' validation.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "policy/policy_internal.h"

/* Where API calls come from: "api", or what ward_policy_set_origin() named
 * (the CLI names each flag, so errors read "--net-allow: ..."). */
static struct ward_loc api_loc_of(const ward_policy *policy)
{
	struct ward_loc loc = {.file = policy->api_origin ? policy->api_origin : "api"};
	return loc;
}

int ward_policy_set_origin(ward_policy *policy, const char *origin, ward_error *err)
{
	if (!policy)
		return ward_fail(err, -EINVAL, "api: no policy given");
	if (!origin) {
		policy->api_origin = NULL;
		return 0;
	}
	const char *interned = policy_intern(policy, origin);
	if (!interned)
		return ward_fail(err, -ENOMEM, "out of memory");
	policy->api_origin = interned;
	return 0;
}

#define REQUIRE_POLICY(policy, err)                                               \
	do {                                                                      \
		if (!(policy))                                                    \
			return ward_fail((err), -EINVAL, "api: no policy given"); \
	} while (0)

int ward_policy_load_file(ward_policy *policy, const char *path, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_load_yaml_file(policy, path, err);
}

int ward_policy_load_string(ward_policy *policy, const char *yaml, const char *origin,
			    ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	if (!yaml)
		return ward_fail(err, -EINVAL, "api: no policy text given");
	return policy_load_yaml_string(policy, yaml, strlen(yaml), origin, err);
}

int ward_policy_use_profile(ward_policy *policy, const char *name, ward_error *err)
{
	char origin[128];

	REQUIRE_POLICY(policy, err);
	const char *yaml = profile_yaml(name);
	if (!yaml)
		return ward_fail(err, -EINVAL, "unknown profile '%s' (known: default, minimal, python, node, git, rust, go)",
				 name ? name : "");
	snprintf(origin, sizeof(origin), "profile:%s", name);
	return policy_load_yaml_string(policy, yaml, strlen(yaml), origin, err);
}

int ward_policy_fs_allow(ward_policy *policy, const char *path, unsigned access, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_fs(policy, path, access, false, false, api_loc_of(policy), err);
}

int ward_policy_fs_deny(ward_policy *policy, const char *path, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_fs(policy, path, WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC, true, false,
			     api_loc_of(policy), err);
}

int ward_policy_net_allow(ward_policy *policy, const char *rule, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_net(policy, rule, false, api_loc_of(policy), err);
}

int ward_policy_net_deny(ward_policy *policy, const char *rule, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_net(policy, rule, true, api_loc_of(policy), err);
}

int ward_policy_net_bind(ward_policy *policy, const char *ports, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_bind(policy, ports, api_loc_of(policy), err);
}

int ward_policy_exec_allow(ward_policy *policy, const char *path, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_exec(policy, path, false, api_loc_of(policy), err);
}

int ward_policy_exec_deny(ward_policy *policy, const char *path, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_exec(policy, path, true, api_loc_of(policy), err);
}

int ward_policy_unix_allow(ward_policy *policy, const char *path, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_unix(policy, path, api_loc_of(policy), err);
}

int ward_policy_set_limit(ward_policy *policy, enum ward_limit limit, const char *text,
			  ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_set_limit(policy, limit, text, api_loc_of(policy), err);
}

int ward_policy_set_mode(ward_policy *policy, enum ward_mode mode)
{
	if (!policy || (mode != WARD_MODE_ENFORCE && mode != WARD_MODE_AUDIT))
		return -EINVAL;
	policy->mode = mode;
	return 0;
}

int ward_policy_allow_degraded(ward_policy *policy, const char *layer, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_degraded(policy, layer, api_loc_of(policy), err);
}

int ward_policy_set_env(ward_policy *policy, const char *key_eq_value, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_env(policy, key_eq_value, api_loc_of(policy), err);
}

int ward_policy_unset_env(ward_policy *policy, const char *key, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_unset_env(policy, key, api_loc_of(policy), err);
}

int ward_policy_pass_env(ward_policy *policy, const char *name, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_add_pass_env(policy, name, api_loc_of(policy), err);
}

int ward_policy_drop_secret_env(ward_policy *policy, int drop)
{
	if (!policy)
		return -EINVAL;
	policy->drop_secret_env = drop != 0;
	return 0;
}

int ward_policy_clean_env(ward_policy *policy, int clean)
{
	if (!policy)
		return -EINVAL;
	policy->clean_env = clean != 0;
	return 0;
}

int ward_policy_set_cwd(ward_policy *policy, const char *dir, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_set_cwd(policy, dir, api_loc_of(policy), err);
}

int ward_policy_unshare(ward_policy *policy, unsigned ns_flags)
{
	if (!policy || (ns_flags & ~WARD_NS_ALL))
		return -EINVAL;
	policy->ns_flags |= ns_flags;
	return 0;
}

int ward_policy_share(ward_policy *policy, unsigned ns_flags)
{
	if (!policy || (ns_flags & ~WARD_NS_ALL))
		return -EINVAL;
	policy->ns_share |= ns_flags;
	return 0;
}

int ward_policy_isolate(ward_policy *policy, int on)
{
	if (!policy)
		return -EINVAL;
	policy->isolate = on != 0;
	return 0;
}

int ward_policy_set_tmp_size(ward_policy *policy, const char *size, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	uint64_t bytes;
	char where[300];
	if (!size || parse_size(size, &bytes) < 0 || bytes < 4096)
		return ward_fail(err, -EINVAL,
				 "%s: expected a size of at least 4K such as 512M or 2G, got '%s'",
				 ward_loc_format(api_loc_of(policy), where, sizeof(where)),
				 size ? size : "");
	policy->tmp_size = bytes;
	return 0;
}

int ward_policy_set_hostname(ward_policy *policy, const char *hostname, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_set_hostname(policy, hostname, api_loc_of(policy), err);
}

int ward_policy_set_name(ward_policy *policy, const char *name, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > 63)
		return ward_fail(err, -EINVAL, "sandbox name '%s': must be 1 to 63 characters",
				 name ? name : "");
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return ward_fail(err, -EINVAL,
					 "sandbox name '%s': only letters, digits, '.', '_' and "
					 "'-' are allowed",
					 name);
	char *copy = strdup(name);
	if (!copy)
		return ward_fail(err, -ENOMEM, "out of memory");
	free(policy->name);
	policy->name = copy;
	return 0;
}

int ward_policy_set_quota(ward_policy *policy, const char *name, const char *size,
			  const char *action, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	return policy_set_quota(policy, name, size, action, api_loc_of(policy), err);
}

int ward_policy_set_kill_after(ward_policy *policy, const char *text, ward_error *err)
{
	REQUIRE_POLICY(policy, err);
	struct ward_loc loc = api_loc_of(policy);
	char where[300];
	ward_loc_format(loc, where, sizeof(where));
	const char *slash = text ? strchr(text, '/') : NULL;
	uint64_t denials, seconds;
	char count[32];
	if (!slash || (size_t)(slash - text) >= sizeof(count))
		return ward_fail(err, -EINVAL, "%s: expected DENIALS/SECONDS (e.g. 5/10), got '%s'",
				 where, text ? text : "");
	memcpy(count, text, (size_t)(slash - text));
	count[slash - text] = '\0';
	if (parse_count(count, 1000000, &denials) < 0 ||
	    parse_count(slash + 1, 86400, &seconds) < 0)
		return ward_fail(err, -EINVAL,
				 "%s: expected DENIALS/SECONDS with 1..1000000 denials in "
				 "1..86400 seconds, got '%s'",
				 where, text);
	policy->kill_after = (struct kill_after){.set = true,
						 .denials = (uint32_t)denials,
						 .seconds = (uint32_t)seconds,
						 .loc = loc};
	return 0;
}
