/* test_policy_merge.c — a load that fails leaves the caller's policy
 * byte-for-byte unchanged (its digest), whichever field the failed file set:
 * the merge works on a copy and swaps it in only when it validates. The
 * fuzzer (tests/fuzz/fuzz_policy.c) checks the same on random input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "policy/policy.h"
#include "policy/sup_rules.h"

static const char base[] = "version: 1\n"
			   "fs: {read: [/usr], write: [/tmp]}\n"
			   "exec: {deny: [{argv: [git, push]}]}\n"
			   "limits: {memory: 1G}\n";

/* Each passes the parser and fails validation only combined with BASE. */
static const char *const failing[] = {
	"version: 1\nkill_after: {denials: 3, seconds: 10}\nfs: {deny: [/usr]}\n",
	"version: 1\nlimits: {pids: 7, timeout: 5s}\nmode: audit\nfs: {deny: [/usr]}\n",
	"version: 1\nexec: {deny: [{argv: [rm, -rf]}]}\nnet: {allow: [\"tcp://*:80\"]}\n"
	"fs: {deny: [/usr]}\n",
	"version: 1\nlimits: {nofile: 10}\nfs: {deny: [/tmp]}\n",
};

static void test_failed_load_changes_nothing(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(failing) / sizeof(failing[0]); i++) {
		ward_policy *p = ward_policy_new();
		ward_error err = {0};
		char before[65], after[65];
		assert_int_equal(ward_policy_load_string(p, base, "<base>", &err), 0);
		assert_int_equal(policy_digest(p, before), 0);
		size_t argv_rules = p->supervisor ? p->supervisor->exec_argv.len : 0;
		int r = ward_policy_load_string(p, failing[i], "<bad>", &err);
		/* failed in validation, after parsing: the merge was tried */
		if (r != 0 && strstr(err.message, "unknown key"))
			fail_msg("case %zu failed to parse: %s", i, err.message);
		if (r == 0)
			fail_msg("case %zu was expected to fail", i);
		assert_int_equal(policy_digest(p, after), 0);
		if (strcmp(before, after) != 0)
			fail_msg("case %zu: the failed load (%s) changed the policy", i,
				 err.message);
		assert_false(p->kill_after.set);
		assert_int_equal(p->supervisor ? p->supervisor->exec_argv.len : 0, argv_rules);
		assert_null(p->cwd);
		ward_policy_free(p);
	}
}

/* A load that succeeds takes everything, kill_after and argv rules too. */
static void test_successful_load_takes_all(void **state)
{
	(void)state;
	ward_policy *p = ward_policy_new();
	ward_error err = {0};
	assert_int_equal(ward_policy_load_string(p, base, "<base>", &err), 0);
	assert_int_equal(
		ward_policy_load_string(p,
					"version: 1\nkill_after: {denials: 3, "
					"seconds: 10}\nexec: {deny: [{argv: [rm, -rf]}]}\n",
					"<more>", &err),
		0);
	assert_true(p->kill_after.set);
	assert_int_equal(p->supervisor->exec_argv.len, 2);
	ward_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_load_changes_nothing),
		cmocka_unit_test(test_successful_load_takes_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
