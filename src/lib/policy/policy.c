/* policy.c — the policy object itself: creation, release, interned origin
 * names, locations and the names of layers, namespaces and limits.
 * Nothing here validates rules (policy_rules.c) or touches the kernel.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "policy/policy_internal.h"
#include "supervisor/supervisor.h"

ward_policy *ward_policy_new(void)
{
	return calloc(1, sizeof(struct ward_policy));
}

static void free_strings(char **items, size_t len)
{
	for (size_t i = 0; i < len; i++)
		free(items[i]);
}

void ward_policy_free(ward_policy *policy)
{
	if (!policy)
		return;
	VEC_FOREACH(&policy->fs, rule)
	free(rule->path);
	VEC_FOREACH(&policy->fs_globs, glob)
	policy_glob_free(glob);
	VEC_FREE(&policy->fs_globs);
	VEC_FOREACH(&policy->net, rule)
	free(rule->text);
	VEC_FOREACH(&policy->exec, rule)
	free(rule->path);
	VEC_FOREACH(&policy->unix_allow, rule)
	free(rule->path);
	free_strings(policy->env_set.items, policy->env_set.len);
	free_strings(policy->env_unset.items, policy->env_unset.len);
	free_strings(policy->env_pass.items, policy->env_pass.len);
	free_strings(policy->hosts.items, policy->hosts.len);
	free_strings(policy->interned.items, policy->interned.len);
	free_strings(policy->loading.items, policy->loading.len);
	VEC_FREE(&policy->fs);
	VEC_FREE(&policy->net);
	VEC_FREE(&policy->bind);
	VEC_FREE(&policy->exec);
	VEC_FREE(&policy->unix_allow);
	VEC_FREE(&policy->env_set);
	VEC_FREE(&policy->env_unset);
	VEC_FREE(&policy->env_pass);
	VEC_FREE(&policy->env_set_loc);
	VEC_FREE(&policy->env_unset_loc);
	VEC_FREE(&policy->env_pass_loc);
	VEC_FREE(&policy->hosts);
	VEC_FREE(&policy->interned);
	VEC_FREE(&policy->loading);
	free(policy->cwd);
	free(policy->hostname);
	free(policy->name);
	sup_policy_free(policy->supervisor);
	free(policy);
}

const char *policy_intern(struct ward_policy *policy, const char *name)
{
	VEC_FOREACH(&policy->interned, it)
	{
		if (strcmp(*it, name) == 0)
			return *it;
	}
	_cleanup_free_ char *copy = strdup(name);
	if (!copy || VEC_PUSH(&policy->interned, copy) < 0)
		return NULL;
	return steal_ptr(copy);
}

const char *ward_loc_format(struct ward_loc loc, char *buf, size_t size)
{
	const char *file = loc.file ? loc.file : "<unknown>";
	if (loc.line)
		snprintf(buf, size, "%s:%u:%u", file, loc.line, loc.column);
	else
		snprintf(buf, size, "%s", file);
	return buf;
}

int policy_fail_at(ward_error *err, struct ward_loc loc, const char *key, const char *fmt, ...)
{
	char where[300], what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ward_loc_format(loc, where, sizeof(where));
	if (key)
		ward_fail(err, -EINVAL, "%s: %s: %s", where, key, what);
	else
		ward_fail(err, -EINVAL, "%s: %s", where, what);
	/* Errors are one line: a value quoted from the input must not break it. */
	if (err)
		for (char *c = err->message; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	return -EINVAL;
}

int path_normalize(const char *path, char *out, size_t size)
{
	size_t len = 0;
	const char *p = path;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (size < 2)
		return -ENAMETOOLONG;
	while (*p) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - start);
		if (n == 0 || (n == 1 && start[0] == '.'))
			continue;
		if (n == 2 && start[0] == '.' && start[1] == '.') {
			/* Lexical "..": drop the last component; "/.." is "/". */
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		if (len + 1 + n + 1 > size)
			return -ENAMETOOLONG;
		out[len++] = '/';
		memcpy(out + len, start, n);
		len += n;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

static const char *const layer_names[LAYER_COUNT_] = {
	[LAYER_BPF_LSM] = "bpf-lsm",	   [LAYER_CGROUP_BPF] = "cgroup-bpf",
	[LAYER_LANDLOCK] = "landlock",	   [LAYER_SECCOMP] = "seccomp",
	[LAYER_SUPERVISOR] = "supervisor", [LAYER_CGROUP] = "cgroup",
	[LAYER_RLIMIT] = "rlimit",	   [LAYER_NAMESPACES] = "namespaces",
	[LAYER_MONITOR] = "monitor",	   [LAYER_BPF_TRACE] = "bpf-trace",
};

const char *ward_layer_name(enum ward_layer layer)
{
	if (layer < 0 || layer >= LAYER_COUNT_)
		return "none";
	return layer_names[layer];
}

enum ward_layer ward_layer_from_name(const char *name)
{
	for (int i = 0; name && i < LAYER_COUNT_; i++)
		if (strcmp(layer_names[i], name) == 0)
			return (enum ward_layer)i;
	return LAYER_NONE;
}

static const struct {
	const char *name;
	unsigned bit;
} ns_names[] = {
	{"net", WARD_NS_NET},	    {"pid", WARD_NS_PID},   {"ipc", WARD_NS_IPC},
	{"uts", WARD_NS_UTS},	    {"user", WARD_NS_USER}, {"mount", WARD_NS_MOUNT},
	{"cgroup", WARD_NS_CGROUP},
};

unsigned policy_ns_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++)
		if (strcmp(ns_names[i].name, name) == 0)
			return ns_names[i].bit;
	return 0;
}

const char *policy_ns_name(unsigned bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++)
		if (ns_names[i].bit == bit)
			return ns_names[i].name;
	return NULL;
}

const char *policy_limit_name(enum ward_limit limit)
{
	static const char *const names[WARD_LIMIT_COUNT_] = {
		[WARD_LIMIT_MEMORY] = "memory",	  [WARD_LIMIT_PIDS] = "pids",
		[WARD_LIMIT_CPU_PERCENT] = "cpu", [WARD_LIMIT_CPU_TIME] = "cpu_time",
		[WARD_LIMIT_NOFILE] = "nofile",	  [WARD_LIMIT_TIMEOUT_MS] = "timeout",
	};
	if ((int)limit < 0 || limit >= WARD_LIMIT_COUNT_)
		return NULL;
	return names[limit];
}
