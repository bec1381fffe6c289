/* policy_validate.c — whole-policy checks once every source is loaded:
 * rules that contradict each other and settings that need another one.
 * It reports, never repairs: guessing which of two rules the user meant
 * would silently weaken (or widen) the sandbox.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
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

/* One rule as the contradiction search sees it. */
struct keyed_rule {
	const char *key; /* the path or the rule's text */
	bool deny;
	size_t index; /* its position in the policy */
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed_rule *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The first rule (in policy order) that says the opposite of an earlier
 * one with the same key, and the first such earlier one: sorted by key, so
 * 10,000 rules are checked in n log n, not by comparing every pair.
 * Returns false when none contradicts another. */
static bool find_contradiction(struct keyed_rule *rules, size_t n, size_t *earlier,
			       size_t *later)
{
	qsort(rules, n, sizeof(*rules), cmp_keyed);
	bool found = false;
	for (size_t start = 0; start < n;) {
		size_t end = start + 1;
		while (end < n && strcmp(rules[end].key, rules[start].key) == 0)
			end++;
		const struct keyed_rule *first_deny = NULL, *first_allow = NULL;
		for (size_t i = start; i < end; i++) {
			const struct keyed_rule *r = &rules[i];
			const struct keyed_rule *opposite = r->deny ? first_allow : first_deny;
			if (opposite && (!found || r->index < *later)) {
				*later = r->index;
				*earlier = opposite->index;
				found = true;
				break; /* later rules of this key come after this one */
			}
			if (r->deny && !first_deny)
				first_deny = r;
			else if (!r->deny && !first_allow)
				first_allow = r;
		}
		start = end;
	}
	return found;
}

static int check_fs(const struct ward_policy *policy, ward_error *err)
{
	char where[300];
	size_t n = policy->fs.len, i, j;
	_cleanup_free_ struct keyed_rule *keyed = calloc(n ? n : 1, sizeof(*keyed));
	if (!keyed)
		return ward_fail(err, -ENOMEM, "policy: out of memory");
	for (i = 0; i < n; i++)
		keyed[i] = (struct keyed_rule){policy->fs.items[i].path, policy->fs.items[i].deny, i};
	if (!find_contradiction(keyed, n, &i, &j))
		return 0;
	const struct fs_rule *earlier = &policy->fs.items[i], *later = &policy->fs.items[j];
	return policy_fail_at(err, later->loc, fs_rule_key(later), "'%s' conflicts with %s '%s' at %s",
			      later->path, fs_rule_key(earlier), earlier->path,
			      ward_loc_format(earlier->loc, where, sizeof(where)));
}

static int check_net(const struct ward_policy *policy, ward_error *err)
{
	char where[300];
	size_t n = policy->net.len, i, j;
	_cleanup_free_ struct keyed_rule *keyed = calloc(n ? n : 1, sizeof(*keyed));
	if (!keyed)
		return ward_fail(err, -ENOMEM, "policy: out of memory");
	for (i = 0; i < n; i++)
		keyed[i] = (struct keyed_rule){policy->net.items[i].text, policy->net.items[i].deny, i};
	if (!find_contradiction(keyed, n, &i, &j))
		return 0;
	const struct net_rule *earlier = &policy->net.items[i], *later = &policy->net.items[j];
	return policy_fail_at(err, later->loc, later->deny ? "net.deny" : "net.allow",
			      "'%s' conflicts with %s '%s' at %s", later->text,
			      earlier->deny ? "net.deny" : "net.allow", earlier->text,
			      ward_loc_format(earlier->loc, where, sizeof(where)));
}

static int check_exec(const struct ward_policy *policy, ward_error *err)
{
	char where[300];
	size_t n = policy->exec.len, i, j;
	_cleanup_free_ struct keyed_rule *keyed = calloc(n ? n : 1, sizeof(*keyed));
	if (!keyed)
		return ward_fail(err, -ENOMEM, "policy: out of memory");
	for (i = 0; i < n; i++)
		keyed[i] =
			(struct keyed_rule){policy->exec.items[i].path, policy->exec.items[i].deny, i};
	if (!find_contradiction(keyed, n, &i, &j))
		return 0;
	const struct exec_rule *earlier = &policy->exec.items[i], *later = &policy->exec.items[j];
	return policy_fail_at(err, later->loc, later->deny ? "exec.deny" : "exec.allow",
			      "'%s' conflicts with %s '%s' at %s", later->path,
			      earlier->deny ? "exec.deny" : "exec.allow", earlier->path,
			      ward_loc_format(earlier->loc, where, sizeof(where)));
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
