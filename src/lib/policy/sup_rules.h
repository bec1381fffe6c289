/* sup_rules.h — the rule data of the supervised rule types (exec argv
 * rules, the callback): policy data like every other rule, so that the
 * planner reads it without the supervisor's headers (struct
 * ward_policy.supervisor). The data and its API: policy/sup_rules.c; the
 * pure matchers: supervisor/sup_policy.c.
 */
#ifndef WARD_POLICY_SUP_RULES_H
#define WARD_POLICY_SUP_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

/* An exec argv rule: PATTERNS[i] is an fnmatch glob for argv[i]; the rule
 * matches an argv with at least NPATTERNS arguments whose first NPATTERNS
 * match. PATTERNS[0] is matched against argv[0], its basename and the
 * basename of the executed path. First matching rule wins; no match: allow. */
struct exec_argv_rule {
	char **patterns;
	size_t npatterns;
	bool deny;
	char *text; /* the rule as written, for events */
	struct ward_loc loc;
};

struct sup_policy {
	VEC(struct exec_argv_rule) exec_argv;
	ward_sup_callback_fn callback;
	ward_sup_verdict_fn verdict_fn; /* callback is sup_verdict_adapter when set */
	void *callback_userdata;
	unsigned callback_categories; /* WARD_SUP_* the callback is asked about */
	unsigned callback_timeout_ms; /* 0: the default, 5000 */
	/* `ward learn`: file, exec and network syscalls are observed and let
	 * run (supervisor/sup_learn.c); no supervisor rule may be set then. */
	bool learn;
};

/* Adds an argv rule from a shell-like word list ("git push --force*", words
 * split on blanks, no quoting) or from an array. */
int policy_add_exec_argv(struct ward_policy *policy, const char *words, bool deny,
			 struct ward_loc loc, ward_error *err);
int policy_add_exec_argv_array(struct ward_policy *policy, const char *const *patterns,
			       size_t npatterns, bool deny, struct ward_loc loc, ward_error *err);
/* The policy's supervisor data, created on first use; NULL on ENOMEM. */
struct sup_policy *sup_policy_get(struct ward_policy *policy);
/* Frees policy->supervisor; ward_policy_free() calls it. */
void sup_policy_free(struct sup_policy *sp);

/* The ward_sup_callback_fn that asks sup_policy.verdict_fn
 * (supervisor/sup_callback.c): ward_policy_set_verdict_callback sets it. */
struct ward_verdict sup_verdict_adapter(const struct ward_sup_event *event, ward_sup_context *ctx,
					void *userdata);

/* Pure: the first rule of RULES matching ARGV (and the exec'd PATH), or NULL. */
const struct exec_argv_rule *exec_argv_first_match(const struct sup_policy *sp, const char *path,
						   char *const *argv, size_t argc);

/* The executed file as the supervisor resolved it in the caller's view. */
struct exec_identity {
	const char *real;      /* PATH with every symlink resolved; NULL if unknown */
	const char *ldso_real; /* when REAL is the dynamic loader: its program, resolved */
	size_t ldso_prog;      /* ... and that program's index in argv (0: none) */
};

/* Pure: matches the rules against every spelling of one exec: as given;
 * under the resolved file's name (a symlink or copy named otherwise); a
 * dashed helper ("git-push" that is git) as "git push"; and `ld.so PROG`
 * as PROG. A deny matched by any spelling wins; else the first match. */
const struct exec_argv_rule *exec_argv_match_identity(const struct sup_policy *sp, const char *path,
						      const struct exec_identity *id,
						      char *const *argv, size_t argc);
/* True when the file name NAME is the dynamic loader's (ld-linux*.so*, ld.so). */
bool exec_is_dynamic_loader(const char *name);
/* The index of the program in a dynamic loader's ARGV (skipping its
 * options), or 0 when there is none. */
size_t exec_ldso_program_index(char *const *argv, size_t argc);

#endif
