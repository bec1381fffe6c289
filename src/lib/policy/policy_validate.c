/* policy_validate.c — whole-policy checks once every source is loaded:
 * rules that contradict each other and settings that need another one.
 * It reports, never repairs: guessing which of two rules the user meant
 * would silently weaken (or widen) the sandbox.
 */
#include <errno.h>
#include <string.h>

#include "core/error.h"
#include "policy/policy_internal.h"

static const char *fs_rule_key(const struct fs_rule *rule)
{
	if (rule->deny)
		return "fs.deny";
	if (rule->access & WARD_FS_EXEC)
		return "fs.exec";
	if (rule->access & WARD_FS_WRITE)
		return "fs.write";
	return "fs.read";
}

static int check_fs(const struct ward_policy *policy, ward_error *err)
{
	char where[300];
	for (size_t j = 1; j < policy->fs.len; j++) {
		const struct fs_rule *later = &policy->fs.items[j];
		for (size_t i = 0; i < j; i++) {
			const struct fs_rule *earlier = &policy->fs.items[i];
			if (earlier->deny == later->deny || strcmp(earlier->path, later->path) != 0)
				continue;
			return policy_fail_at(err, later->loc, fs_rule_key(later),
					      "'%s' conflicts with %s '%s' at %s", later->path,
					      fs_rule_key(earlier), earlier->path,
					      ward_loc_format(earlier->loc, where, sizeof(where)));
		}
	}
	return 0;
}

static int check_net(const struct ward_policy *policy, ward_error *err)
{
	char where[300];
	for (size_t j = 1; j < policy->net.len; j++) {
		const struct net_rule *later = &policy->net.items[j];
		for (size_t i = 0; i < j; i++) {
			const struct net_rule *earlier = &policy->net.items[i];
			if (earlier->deny == later->deny || strcmp(earlier->text, later->text) != 0)
				continue;
			return policy_fail_at(
				err, later->loc, later->deny ? "net.deny" : "net.allow",
				"'%s' conflicts with %s '%s' at %s", later->text,
				earlier->deny ? "net.deny" : "net.allow", earlier->text,
				ward_loc_format(earlier->loc, where, sizeof(where)));
		}
	}
	return 0;
}

static int check_exec(const struct ward_policy *policy, ward_error *err)
{
	char where[300];
	for (size_t j = 1; j < policy->exec.len; j++) {
		const struct exec_rule *later = &policy->exec.items[j];
		for (size_t i = 0; i < j; i++) {
			const struct exec_rule *earlier = &policy->exec.items[i];
			if (earlier->deny == later->deny || strcmp(earlier->path, later->path) != 0)
				continue;
			return policy_fail_at(
				err, later->loc, later->deny ? "exec.deny" : "exec.allow",
				"'%s' conflicts with %s '%s' at %s", later->path,
				earlier->deny ? "exec.deny" : "exec.allow", earlier->path,
				ward_loc_format(earlier->loc, where, sizeof(where)));
		}
	}
	return 0;
}

int policy_validate(const struct ward_policy *policy, ward_error *err)
{
	int r = check_fs(policy, err);
	if (r < 0)
		return r;
	r = check_net(policy, err);
	if (r < 0)
		return r;
	r = check_exec(policy, err);
	if (r < 0)
		return r;
	/* A hostname set in the host's own UTS namespace would rename the host. */
	if (policy->hostname && !(policy->ns_flags & WARD_NS_UTS) &&
	    !(policy->isolate && !(policy->ns_share & WARD_NS_UTS)))
		return policy_fail_at(err, policy->hostname_loc, "process.hostname",
				      "hostname '%s' needs the uts namespace "
				      "(add uts to process.namespaces)",
				      policy->hostname);
	const struct limit_value *cpu = &policy->limits[WARD_LIMIT_CPU_PERCENT];
	if (cpu->set && cpu->value > 100 * 1024)
		return policy_fail_at(err, cpu->loc, "limits.cpu", "%llu%% is more than 1024 CPUs",
				      (unsigned long long)cpu->value);
	return 0;
}
