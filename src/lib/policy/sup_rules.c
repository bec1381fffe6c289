/* sup_rules.c — the supervised rule types as policy data (policy/sup_rules.h):
 * exec argv rules, the policy callback and learn mode, with their public C
 * API. Pure data: the supervisor reads them only through the plan
 * (plan.sup_rules), and nothing here touches the kernel or a sandbox.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "policy/sup_rules.h"

#define EXEC_ARGV_MAX_PATTERNS 64

struct sup_policy *sup_policy_get(struct ward_policy *policy)
{
	if (!policy->supervisor)
		policy->supervisor = calloc(1, sizeof(*policy->supervisor));
	return policy->supervisor;
}

static void exec_argv_rule_free(struct exec_argv_rule *rule)
{
	for (size_t i = 0; i < rule->npatterns; i++)
		free(rule->patterns[i]);
	free(rule->patterns);
	free(rule->text);
}

void sup_policy_free(struct sup_policy *sp)
{
	if (!sp)
		return;
	VEC_FOREACH(&sp->exec_argv, rule)
	exec_argv_rule_free(rule);
	VEC_FREE(&sp->exec_argv);
	free(sp);
}

static char *join_words(const char *const *words, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	char *text = calloc(1, len);
	if (!text)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(text, " ");
		strcat(text, words[i]);
	}
	return text;
}

int policy_add_exec_argv_array(struct ward_policy *policy, const char *const *patterns,
			       size_t npatterns, bool deny, struct ward_loc loc, ward_error *err)
{
	char where[300];
	ward_loc_format(loc, where, sizeof(where));
	if (npatterns == 0)
		return ward_fail(err, -EINVAL, "%s: an argv rule needs at least one pattern",
				 where);
	if (npatterns > EXEC_ARGV_MAX_PATTERNS)
		return ward_fail(err, -EINVAL, "%s: an argv rule has at most %d patterns", where,
				 EXEC_ARGV_MAX_PATTERNS);
	for (size_t i = 0; i < npatterns; i++)
		if (!patterns[i] || !patterns[i][0])
			return ward_fail(err, -EINVAL, "%s: argv pattern %zu is empty", where,
					 i + 1);
	struct sup_policy *sp = sup_policy_get(policy);
	if (!sp)
		return ward_fail(err, -ENOMEM, "%s: out of memory", where);

	struct exec_argv_rule rule = {.npatterns = npatterns, .deny = deny, .loc = loc};
	rule.patterns = calloc(npatterns, sizeof(*rule.patterns));
	rule.text = join_words(patterns, npatterns);
	bool ok = rule.patterns && rule.text;
	for (size_t i = 0; ok && i < npatterns; i++)
		ok = (rule.patterns[i] = strdup(patterns[i])) != NULL;
	if (!ok || VEC_PUSH(&sp->exec_argv, rule) < 0) {
		exec_argv_rule_free(&rule);
		return ward_fail(err, -ENOMEM, "%s: out of memory", where);
	}
	return 0;
}

int policy_add_exec_argv(struct ward_policy *policy, const char *words, bool deny,
			 struct ward_loc loc, ward_error *err)
{
	_cleanup_free_ char *copy = strdup(words ? words : "");
	if (!copy)
		return ward_fail(err, -ENOMEM, "out of memory");
	const char *patterns[EXEC_ARGV_MAX_PATTERNS + 1];
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == ARRAY_SIZE(patterns)) {
			char where[300];
			return ward_fail(err, -EINVAL, "%s: argv rule '%s' has more than %zu words",
					 ward_loc_format(loc, where, sizeof(where)), words,
					 ARRAY_SIZE(patterns));
		}
		patterns[n++] = w;
	}
	return policy_add_exec_argv_array(policy, patterns, n, deny, loc, err);
}

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

int ward_policy_set_learn(ward_policy *policy, int on)
{
	if (!policy)
		return -EINVAL;
	struct sup_policy *sp = sup_policy_get(policy);
	if (!sp)
		return -ENOMEM;
	sp->learn = on != 0;
	return 0;
}

int ward_policy_set_callback(ward_policy *policy, ward_sup_callback_fn fn, void *userdata)
{
	struct sup_policy *sp = sup_policy_get(policy);
	if (!sp)
		return -ENOMEM;
	sp->callback = fn;
	sp->verdict_fn = NULL;
	sp->callback_userdata = userdata;
	if (!sp->callback_categories)
		sp->callback_categories = WARD_SUP_PROCESS | WARD_SUP_NETWORK;
	return 0;
}

int ward_policy_set_verdict_callback(ward_policy *policy, ward_sup_verdict_fn fn, void *userdata)
{
	int r = ward_policy_set_callback(policy, fn ? sup_verdict_adapter : NULL, userdata);
	if (r < 0)
		return r;
	sup_policy_get(policy)->verdict_fn = fn;
	return 0;
}

int ward_policy_set_callback_categories(ward_policy *policy, unsigned categories)
{
	struct sup_policy *sp = sup_policy_get(policy);
	if (!sp)
		return -ENOMEM;
	if (categories & ~(unsigned)(WARD_SUP_FILE | WARD_SUP_NETWORK | WARD_SUP_PROCESS))
		return -EINVAL;
	sp->callback_categories = categories;
	return 0;
}

int ward_policy_set_callback_timeout(ward_policy *policy, unsigned timeout_ms)
{
	struct sup_policy *sp = sup_policy_get(policy);
	if (!sp)
		return -ENOMEM;
	sp->callback_timeout_ms = timeout_ms;
	return 0;
}
