/* policy_json.c — the canonical JSON rendering of a policy and its SHA-256
 * digest, for "ward check --json", logs and caching. The rendering must be
 * a pure function of the rules: no locations, addresses or timestamps, so
 * the same policy always has the same digest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/policy_internal.h"
#include "supervisor/supervisor.h"

static void put(json_object *obj, const char *key, json_object *value)
{
	json_object_object_add(obj, key, value);
}

static json_object *access_json(unsigned access)
{
	json_object *list = json_object_new_array();
	if (access & WARD_FS_READ)
		json_object_array_add(list, json_object_new_string("read"));
	if (access & WARD_FS_WRITE)
		json_object_array_add(list, json_object_new_string("write"));
	if (access & WARD_FS_EXEC)
		json_object_array_add(list, json_object_new_string("exec"));
	return list;
}

static json_object *range_json(const struct port_range *range)
{
	char text[16];
	if (range->lo == range->hi)
		snprintf(text, sizeof(text), "%u", range->lo);
	else
		snprintf(text, sizeof(text), "%u-%u", range->lo, range->hi);
	return json_object_new_string(text);
}

static json_object *ranges_json(const struct port_range *ranges, size_t count)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < count; i++)
		json_object_array_add(list, range_json(&ranges[i]));
	return list;
}

static json_object *net_json(const struct net_rule *rule)
{
	static const char *const protos[] = {"any", "tcp", "udp"};
	json_object *obj = json_object_new_object();
	char addr[INET6_ADDRSTRLEN] = "*";

	if (rule->family)
		inet_ntop(rule->family, rule->addr, addr, sizeof(addr));
	put(obj, "action", json_object_new_string(rule->deny ? "deny" : "allow"));
	put(obj, "proto", json_object_new_string(protos[rule->proto]));
	put(obj, "family",
	    json_object_new_string(rule->family == AF_INET    ? "ipv4"
				   : rule->family == AF_INET6 ? "ipv6"
							      : "any"));
	put(obj, "addr", json_object_new_string(addr));
	put(obj, "prefix", json_object_new_int(rule->prefix));
	put(obj, "ports", ranges_json(rule->ports, rule->nports));
	put(obj, "text", json_object_new_string(rule->text ? rule->text : ""));
	return obj;
}

static json_object *strings_json(char *const *items, size_t len)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < len; i++)
		json_object_array_add(list, json_object_new_string(items[i]));
	return list;
}

/* In order: the supervisor tries them first to last, so order is meaning. */
static json_object *argv_rules_json(const struct sup_policy *sp)
{
	json_object *list = json_object_new_array();
	if (!sp)
		return list;
	VEC_FOREACH(&sp->exec_argv, rule)
	{
		json_object *obj = json_object_new_object();
		put(obj, "deny", json_object_new_boolean(rule->deny));
		put(obj, "argv", strings_json(rule->patterns, rule->npatterns));
		json_object_array_add(list, obj);
	}
	return list;
}

static json_object *policy_json_object(const struct ward_policy *policy)
{
	json_object *root = json_object_new_object();
	json_object *fs = json_object_new_array();
	json_object *net = json_object_new_array();
	json_object *bind = json_object_new_array();
	json_object *exec = json_object_new_object();
	json_object *exec_paths = json_object_new_array();
	json_object *limits = json_object_new_object();
	json_object *degraded = json_object_new_array();
	json_object *process = json_object_new_object();
	json_object *namespaces = json_object_new_array();

	put(root, "version", json_object_new_int(1));
	put(root, "mode",
	    json_object_new_string(policy->mode == WARD_MODE_AUDIT ? "audit" : "enforce"));
	for (int layer = 0; layer < LAYER_COUNT_; layer++)
		if (policy->degraded & (1u << layer))
			json_object_array_add(degraded, json_object_new_string(ward_layer_name(
								(enum ward_layer)layer)));
	put(root, "allow_degraded", degraded);

	VEC_FOREACH(&policy->fs, rule)
	{
		if (rule->from_glob) /* the glob is the rule; its matches vary */
			continue;
		json_object *obj = json_object_new_object();
		put(obj, "path", json_object_new_string(rule->path));
		put(obj, "action", json_object_new_string(rule->deny ? "deny" : "allow"));
		put(obj, "access", access_json(rule->access));
		put(obj, "optional", json_object_new_boolean(rule->optional));
		json_object_array_add(fs, obj);
	}
	put(root, "fs", fs);
	if (policy->fs_globs.len) {
		json_object *globs = json_object_new_array();
		VEC_FOREACH(&policy->fs_globs, g)
		{
			json_object *obj = json_object_new_object();
			put(obj, "glob", json_object_new_string(g->text));
			put(obj, "action", json_object_new_string(g->deny ? "deny" : "allow"));
			put(obj, "access", access_json(g->access));
			json_object_array_add(globs, obj);
		}
		put(root, "fs_globs", globs);
	}
	put(root, "private_tmp", json_object_new_boolean(policy->private_tmp));

	VEC_FOREACH(&policy->net, rule)
	json_object_array_add(net, net_json(rule));
	put(root, "net", net);
	VEC_FOREACH(&policy->bind, rule)
	json_object_array_add(bind, range_json(&rule->range));
	put(root, "bind", bind);
	if (policy->unix_allow.len) {
		json_object *unix_paths = json_object_new_array();
		VEC_FOREACH(&policy->unix_allow, rule)
		json_object_array_add(unix_paths, json_object_new_string(rule->path));
		put(root, "unix_allow", unix_paths);
	}

	VEC_FOREACH(&policy->exec, rule)
	{
		json_object *obj = json_object_new_object();
		put(obj, "path", json_object_new_string(rule->path));
		put(obj, "action", json_object_new_string(rule->deny ? "deny" : "allow"));
		json_object_array_add(exec_paths, obj);
	}
	put(exec, "paths", exec_paths);
	put(exec, "argv_rules", argv_rules_json(policy->supervisor));
	put(root, "exec", exec);

	for (int i = 0; i < WARD_LIMIT_COUNT_; i++)
		if (policy->limits[i].set)
			put(limits, policy_limit_name((enum ward_limit)i),
			    json_object_new_uint64(policy->limits[i].value));
	put(root, "limits", limits);
	json_object *quotas = NULL;
	for (int i = 0; i < WARD_QUOTA_COUNT_; i++) {
		if (!policy->quotas[i].set)
			continue;
		if (!quotas)
			quotas = json_object_new_object();
		json_object *q = json_object_new_object();
		put(q, i == WARD_QUOTA_CPU_TIME ? "ms" : "bytes",
		    json_object_new_uint64(policy->quotas[i].amount));
		put(q, "action",
		    json_object_new_string(policy_quota_action_name(policy->quotas[i].action)));
		put(quotas, policy_quota_name((enum ward_quota)i), q);
	}
	if (quotas)
		put(root, "quotas", quotas);
	if (policy->kill_after.set) {
		json_object *kill_after = json_object_new_object();
		put(kill_after, "denials", json_object_new_uint64(policy->kill_after.denials));
		put(kill_after, "seconds", json_object_new_uint64(policy->kill_after.seconds));
		put(root, "kill_after", kill_after);
	}

	put(process, "cwd", policy->cwd ? json_object_new_string(policy->cwd) : NULL);
	put(process, "clean_env", json_object_new_boolean(policy->clean_env));
	put(process, "env", strings_json(policy->env_set.items, policy->env_set.len));
	put(process, "unset_env", strings_json(policy->env_unset.items, policy->env_unset.len));
	put(process, "drop_secret_env", json_object_new_boolean(policy->drop_secret_env));
	put(process, "pass_env", strings_json(policy->env_pass.items, policy->env_pass.len));
	for (unsigned bit = 1; bit; bit <<= 1)
		if ((policy->ns_flags & bit) && policy_ns_name(bit))
			json_object_array_add(namespaces,
					      json_object_new_string(policy_ns_name(bit)));
	put(process, "namespaces", namespaces);
	json_object *shared = json_object_new_array();
	for (unsigned bit = 1; bit; bit <<= 1)
		if ((policy->ns_share & bit) && policy_ns_name(bit))
			json_object_array_add(shared, json_object_new_string(policy_ns_name(bit)));
	put(process, "share_namespaces", shared);
	put(process, "isolate", json_object_new_boolean(policy->isolate));
	put(root, "tmp_size", json_object_new_uint64(policy->tmp_size));
	put(root, "tmp_noexec", json_object_new_boolean(policy->tmp_noexec));
	put(process, "hostname",
	    policy->hostname ? json_object_new_string(policy->hostname) : NULL);
	put(root, "process", process);
	return root;
}

char *policy_to_json(const struct ward_policy *policy)
{
	json_object *root = policy_json_object(policy);
	if (!root)
		return NULL;
	const char *text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = text ? strdup(text) : NULL;
	json_object_put(root);
	return copy;
}

int policy_digest(const struct ward_policy *policy, char hex_out[65])
{
	char *json = policy_to_json(policy);
	if (!json)
		return -ENOMEM;
	SHA256Data((const uint8_t *)json, strlen(json), hex_out);
	free(json);
	return 0;
}
