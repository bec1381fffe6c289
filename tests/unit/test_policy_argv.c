/* test_policy_argv.c — exec argv rules written in policy files: they load in
 * file order into policy->supervisor, come after what a file extends, append
 * on every load, change the canonical JSON, leave the policy untouched when
 * a file fails, and deny a real exec (EACCES) in a real sandbox. Runs from
 * the repo root; the sandbox test needs root and skips saying why.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy/policy.h"
#include "supervisor/supervisor.h"

#define GOOD_DIR "tests/policies/good"
#define BAD_DIR "tests/policies/bad"

static char progs[PATH_MAX / 2];

static const struct exec_argv_rule *argv_rule(const ward_policy *policy, size_t i)
{
	assert_non_null(policy->supervisor);
	assert_true(i < policy->supervisor->exec_argv.len);
	return &policy->supervisor->exec_argv.items[i];
}

static size_t argv_rule_count(const ward_policy *policy)
{
	return policy->supervisor ? policy->supervisor->exec_argv.len : 0;
}

static void assert_rule(const struct exec_argv_rule *rule, bool deny, const char *text,
			const char *file, unsigned line, unsigned column)
{
	assert_int_equal(rule->deny, deny);
	assert_string_equal(rule->text, text);
	assert_string_equal(rule->loc.file, file);
	assert_int_equal(rule->loc.line, line);
	assert_int_equal(rule->loc.column, column);
}

static void load_file_ok(ward_policy *policy, const char *path)
{
	ward_error err = {0};
	if (ward_policy_load_file(policy, path, &err) != 0)
		fail_msg("%s: %s", path, err.message);
}

static void load_string_ok(ward_policy *policy, const char *yaml, const char *origin)
{
	ward_error err = {0};
	if (ward_policy_load_string(policy, yaml, origin, &err) != 0)
		fail_msg("%s: %s", origin, err.message);
}

/* "deny" is written before "allow" in the file: its rules come first. */
static void test_argv_rules_load_in_file_order(void **state)
{
	ward_policy *policy = ward_policy_new();
	const char *file = GOOD_DIR "/exec_argv.yaml";
	load_file_ok(policy, file);

	assert_int_equal(argv_rule_count(policy), 3);
	assert_rule(argv_rule(policy, 0), true, "git push --force*", file, 5, 13);
	assert_rule(argv_rule(policy, 1), true, "* --dangerously-*", file, 6, 14);
	assert_rule(argv_rule(policy, 2), false, "git push origin main", file, 9, 13);
	assert_int_equal(argv_rule(policy, 2)->npatterns, 4);
	assert_string_equal(argv_rule(policy, 2)->patterns[3], "main");
	/* path items, scalar or {path: ...}, stay path rules */
	assert_int_equal(policy->exec.len, 2);
	assert_string_equal(policy->exec.items[0].path, "/usr/bin/git");
	assert_string_equal(policy->exec.items[1].path, "/usr/bin/true");
	assert_int_equal(policy->exec.items[1].loc.line, 10);

	/* What the supervisor will decide on exactly these rules. */
	char *force[] = {"git", "push", "--force", "origin"};
	char *main_branch[] = {"git", "push", "origin", "main"};
	char *danger[] = {"tool", "--dangerously-skip-checks"};
	char *status[] = {"git", "status"};
	const struct sup_policy *sp = policy->supervisor;
	assert_ptr_equal(exec_argv_first_match(sp, "/usr/bin/git", force, 4), argv_rule(policy, 0));
	assert_ptr_equal(exec_argv_first_match(sp, "/usr/bin/git", main_branch, 4),
			 argv_rule(policy, 2));
	assert_ptr_equal(exec_argv_first_match(sp, "/usr/bin/tool", danger, 2),
			 argv_rule(policy, 1));
	assert_null(exec_argv_first_match(sp, "/usr/bin/git", status, 2));
	ward_policy_free(policy);
}

static void test_allow_and_deny_lists_keep_their_written_order(void **state)
{
	ward_policy *allow_first = ward_policy_new();
	ward_policy *deny_first = ward_policy_new();
	char *lease[] = {"git", "push", "--force-with-lease"};

	load_string_ok(allow_first,
		       "exec:\n"
		       "  allow: [{argv: [git, push, --force-with-lease]}]\n"
		       "  deny: [{argv: [git, push, '--force*']}]\n",
		       "allow_first.yaml");
	load_string_ok(deny_first,
		       "exec:\n"
		       "  deny: [{argv: [git, push, '--force*']}]\n"
		       "  allow: [{argv: [git, push, --force-with-lease]}]\n",
		       "deny_first.yaml");
	assert_false(exec_argv_first_match(allow_first->supervisor, NULL, lease, 3)->deny);
	assert_true(exec_argv_first_match(deny_first->supervisor, NULL, lease, 3)->deny);
	ward_policy_free(allow_first);
	ward_policy_free(deny_first);
}

/* The rules see the executed file, not only the spelling the caller chose. */
static void test_identity_spellings_match_the_executed_file(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	struct ward_loc loc = {.file = "--exec-deny"};
	assert_int_equal(policy_add_exec_argv(policy, "git push --force*", true, loc, &err), 0);
	const struct sup_policy *sp = policy->supervisor;

	/* a symlink named otherwise, resolved to git */
	char *renamed[] = {"innocent", "push", "--force"};
	struct exec_identity git = {.real = "/usr/lib/git-core/git"};
	assert_null(exec_argv_first_match(sp, "/tmp/innocent", renamed, 3));
	assert_non_null(exec_argv_match_identity(sp, "/tmp/innocent", &git, renamed, 3));
	/* a dashed helper that is git */
	char *dashed[] = {"git-push", "--force"};
	assert_non_null(
		exec_argv_match_identity(sp, "/usr/lib/git-core/git-push", &git, dashed, 2));
	char *dashed_ok[] = {"git-push", "origin"};
	assert_null(exec_argv_match_identity(sp, "/usr/lib/git-core/git-push", &git, dashed_ok, 2));
	/* the dynamic loader running git */
	char *ldso[] = {"/lib64/ld-linux-x86-64.so.2", "--argv0", "x", "/usr/bin/git", "push",
			"--force-with-lease"};
	assert_true(exec_is_dynamic_loader(ldso[0]));
	assert_int_equal(exec_ldso_program_index(ldso, 6), 3);
	struct exec_identity loader = {.real = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
				       .ldso_real = "/usr/bin/git",
				       .ldso_prog = 3};
	assert_non_null(exec_argv_match_identity(sp, ldso[0], &loader, ldso, 6));
	/* not claimed: option spellings before the subcommand (a guardrail) */
	char *option[] = {"git", "-c", "x=y", "push", "--force"};
	assert_null(exec_argv_match_identity(sp, "/usr/bin/git", &git, option, 5));
	ward_policy_free(policy);
}

static void test_extended_files_rules_come_first(void **state)
{
	ward_policy *policy = ward_policy_new();
	load_file_ok(policy, GOOD_DIR "/exec_argv_child.yaml");

	assert_int_equal(argv_rule_count(policy), 2);
	assert_rule(argv_rule(policy, 0), true, "curl *", GOOD_DIR "/exec_argv_base.yaml", 4, 13);
	assert_rule(argv_rule(policy, 1), false, "git status", GOOD_DIR "/exec_argv_child.yaml", 5,
		    13);
	ward_policy_free(policy);
}

/* Every load appends after the rules already there, API rules included. */
static void test_loading_twice_appends(void **state)
{
	ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	struct ward_loc loc = {.file = "--exec-deny"};

	assert_int_equal(policy_add_exec_argv(policy, "rm -rf /", true, loc, &err), 0);
	load_file_ok(policy, GOOD_DIR "/exec_argv.yaml");
	load_file_ok(policy, GOOD_DIR "/exec_argv.yaml");
	load_string_ok(policy, "exec: {deny: [{argv: [sudo]}]}", "more.yaml");

	assert_int_equal(argv_rule_count(policy), 1 + 3 + 3 + 1);
	assert_string_equal(argv_rule(policy, 0)->text, "rm -rf /");
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(argv_rule(policy, 1 + i)->text, argv_rule(policy, 4 + i)->text);
		assert_int_equal(argv_rule(policy, 1 + i)->deny, argv_rule(policy, 4 + i)->deny);
	}
	assert_rule(argv_rule(policy, 7), true, "sudo", "more.yaml", 1, 22);
	ward_policy_free(policy);
}

static const char *const bad_argv_files[] = {
	"argv_and_path.yaml",	 "argv_empty_list.yaml",      "argv_empty_string.yaml",
	"argv_missing.yaml",	 "argv_non_string_item.yaml", "argv_not_a_list.yaml",
	"argv_null_item.yaml",	 "argv_then_conflict.yaml",   "argv_too_many.yaml",
	"argv_unknown_key.yaml",
};

static void assert_load_fails_unchanged(ward_policy *policy, const char *name)
{
	char path[256];
	ward_error err = {0};
	regex_t line_col;
	char *before = policy_to_json(policy);
	size_t rules_before = argv_rule_count(policy);
	const struct sup_policy *sp_before = policy->supervisor;

	snprintf(path, sizeof(path), "%s/%s", BAD_DIR, name);
	assert_int_equal(regcomp(&line_col,
				 "^tests/policies/bad/argv_[a-z_]+\\.yaml:[0-9]+:[0-9]+: ",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	int r = ward_policy_load_file(policy, path, &err);
	if (r != -EINVAL)
		fail_msg("%s: expected -EINVAL, got %d (%s)", name, r, err.message);
	if (strchr(err.message, '\n'))
		fail_msg("%s: message is not one line: %s", name, err.message);
	if (regexec(&line_col, err.message, 0, NULL, 0) != 0)
		fail_msg("%s: message does not start with file:line:col: %s", name, err.message);

	char *after = policy_to_json(policy);
	assert_string_equal(before, after);
	assert_int_equal(argv_rule_count(policy), rules_before);
	assert_ptr_equal(policy->supervisor, sp_before); /* none created, none replaced */
	free(before);
	free(after);
	regfree(&line_col);
}

static void test_bad_argv_files_fail_and_change_nothing(void **state)
{
	for (size_t i = 0; i < sizeof(bad_argv_files) / sizeof(bad_argv_files[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, bad_argv_files[i]);
		if (access(path, R_OK) != 0)
			fail_msg("%s does not exist", path);

		/* onto a policy that has argv rules, and onto one without any */
		ward_policy *with_rules = ward_policy_new();
		load_file_ok(with_rules, GOOD_DIR "/exec_argv.yaml");
		assert_load_fails_unchanged(with_rules, bad_argv_files[i]);
		assert_string_equal(argv_rule(with_rules, 2)->text, "git push origin main");
		ward_policy_free(with_rules);

		ward_policy *empty = ward_policy_new();
		assert_load_fails_unchanged(empty, bad_argv_files[i]);
		assert_null(empty->supervisor);
		ward_policy_free(empty);
	}
}

static void digest_of(const ward_policy *policy, char hex[65])
{
	assert_int_equal(policy_digest(policy, hex), 0);
}

static void test_json_lists_argv_rules_and_digest_follows_them(void **state)
{
	ward_policy *from_yaml = ward_policy_new();
	ward_policy *from_api = ward_policy_new();
	ward_policy *other_verdict = ward_policy_new();
	ward_policy *none = ward_policy_new();
	ward_error err = {0};
	struct ward_loc loc = {.file = "--exec-deny"};
	char d_yaml[65], d_api[65], d_other[65], d_none[65];

	load_string_ok(from_yaml, "exec: {deny: [{argv: [git, push, '--force*']}]}", "a.yaml");
	assert_int_equal(policy_add_exec_argv(from_api, "git push --force*", true, loc, &err), 0);
	assert_int_equal(policy_add_exec_argv(other_verdict, "git push --force*", false, loc, &err),
			 0);

	char *json = policy_to_json(from_yaml);
	assert_non_null(strstr(json, "\"exec\":{\"paths\":[],\"argv_rules\":[{\"deny\":true,"
				     "\"argv\":[\"git\",\"push\",\"--force*\"]}]}"));
	free(json);
	json = policy_to_json(none);
	assert_non_null(strstr(json, "\"exec\":{\"paths\":[],\"argv_rules\":[]}"));
	free(json);

	digest_of(from_yaml, d_yaml);
	digest_of(from_api, d_api);
	digest_of(other_verdict, d_other);
	digest_of(none, d_none);
	assert_string_equal(d_yaml, d_api); /* no locations in the digest */
	assert_string_not_equal(d_yaml, d_other);
	assert_string_not_equal(d_yaml, d_none);

	/* Order is meaning (first match wins), so it is in the digest too. */
	ward_policy *ab = ward_policy_new(), *ba = ward_policy_new();
	char d_ab[65], d_ba[65];
	load_string_ok(ab, "exec: {deny: [{argv: [a]}, {argv: [b]}]}", "ab.yaml");
	load_string_ok(ba, "exec: {deny: [{argv: [b]}, {argv: [a]}]}", "ba.yaml");
	digest_of(ab, d_ab);
	digest_of(ba, d_ba);
	assert_string_not_equal(d_ab, d_ba);

	ward_policy_free(ab);
	ward_policy_free(ba);
	ward_policy_free(from_yaml);
	ward_policy_free(from_api);
	ward_policy_free(other_verdict);
	ward_policy_free(none);
}

/* ---- a real sandbox ---- */

static char events[1 << 15];

static void on_event(const char *json, void *userdata)
{
	size_t len = strlen(events);
	snprintf(events + len, sizeof(events) - len, "%s\n", json);
}

/* Runs sup_spawner (fork, then exec of sup_argv_report ARGS...) under a
 * policy loaded from YAML; the spawner exits 100 + errno when its exec
 * failed, sup_argv_report exits 42 when it ran with a "--force*" argument. */
static int run_report(ward_policy *policy, const char *arg1, const char *arg2)
{
	char spawner[PATH_MAX], report[PATH_MAX];
	struct ward_spawn_options options = {.on_event = on_event};
	struct ward_exit result = {0};
	ward_error err = {0};

	snprintf(spawner, sizeof(spawner), "%s/sup_spawner", progs);
	snprintf(report, sizeof(report), "%s/sup_argv_report", progs);
	char *argv[] = {spawner, "fork", report, (char *)arg1, (char *)arg2, NULL};
	events[0] = '\0';
	if (ward_run(policy, argv, &options, &result, &err) != 0)
		fail_msg("ward_run: %s", err.message);
	return result.code;
}

static ward_policy *sandbox_policy(const char *exec_section)
{
	ward_policy *policy = ward_policy_new();
	char *yaml = NULL;
	assert_true(asprintf(&yaml,
			     "extends: default\n"
			     "fs: {exec: ['%s']}\n"
			     "%s",
			     progs, exec_section) > 0);
	load_string_ok(policy, yaml, "sandbox.yaml");
	free(yaml);
	return policy;
}

static void test_yaml_argv_deny_is_eacces_in_a_sandbox(void **state)
{
	char spawner[PATH_MAX];
	snprintf(spawner, sizeof(spawner), "%s/sup_spawner", progs);
	if (geteuid() != 0) {
		print_message("SKIP: needs root (the supervisor ptraces the sandbox)\n");
		skip();
	}
	if (access(spawner, X_OK) != 0) {
		print_message("SKIP: %s not built (make tests/progs first)\n", spawner);
		skip();
	}
	ward_policy *policy =
		sandbox_policy("exec:\n"
			       "  allow:\n"
			       "    - argv: [sup_argv_report, push, --force-with-lease]\n"
			       "  deny:\n"
			       "    - argv: [sup_argv_report, push, '--force*']\n");

	assert_int_equal(run_report(policy, "push", "--force"), 100 + EACCES);
	/* the event names the rule and where it was written */
	assert_non_null(strstr(events, "sup_argv_report push --force*"));
	assert_non_null(strstr(events, "sandbox.yaml:7:13"));
	/* an earlier allow wins; no rule matching: allowed */
	assert_int_equal(run_report(policy, "push", "--force-with-lease"), 42);
	assert_int_equal(run_report(policy, "push", "--safe"), 0);
	ward_policy_free(policy);
}

int main(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 1;
	exe[n] = '\0';
	snprintf(progs, sizeof(progs), "%s/progs", dirname(dirname(exe)));

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_rules_load_in_file_order),
		cmocka_unit_test(test_allow_and_deny_lists_keep_their_written_order),
		cmocka_unit_test(test_identity_spellings_match_the_executed_file),
		cmocka_unit_test(test_extended_files_rules_come_first),
		cmocka_unit_test(test_loading_twice_appends),
		cmocka_unit_test(test_bad_argv_files_fail_and_change_nothing),
		cmocka_unit_test(test_json_lists_argv_rules_and_digest_follows_them),
		cmocka_unit_test(test_yaml_argv_deny_is_eacces_in_a_sandbox),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
