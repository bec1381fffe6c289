/* test_globs.c — globs in fs rules (policy/glob.c): matching component by
 * component with '**', syntax errors with the character at fault, and the
 * expansion into one rule per path that matches at start, never following
 * a symlink, redone (not accumulated) at every expansion.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy/policy_internal.h"

static void test_star_stays_in_one_component(void **state)
{
	assert_true(glob_match("*.pem", "a.pem"));
	assert_true(glob_match("*.pem", ".hidden.pem")); /* a leading dot too */
	assert_false(glob_match("*.pem", "sub/a.pem"));
	assert_true(glob_match("secrets/*", "secrets/token"));
	assert_false(glob_match("secrets/*", "secrets/a/b"));
	assert_true(glob_match("k?y.[ab]", "key.a"));
	assert_false(glob_match("k?y.[ab]", "key.c"));
}

static void test_double_star_matches_any_depth(void **state)
{
	assert_true(glob_match("**/.env", ".env"));
	assert_true(glob_match("**/.env", "a/.env"));
	assert_true(glob_match("**/.env", "a/b/c/.env"));
	assert_false(glob_match("**/.env", "a/b/.env.example"));
	assert_true(glob_match("a/**/x", "a/x"));
	assert_true(glob_match("a/**/x", "a/b/c/x"));
	assert_false(glob_match("a/**/x", "b/x"));
	assert_true(glob_match("**", "anything/at/all"));
}

static void test_bad_globs_name_the_character(void **state)
{
	char why[200];
	size_t pos = 0;
	assert_int_equal(glob_check("/p/[ab", &pos, why, sizeof(why)), -EINVAL);
	assert_int_equal(pos, 4);
	assert_non_null(strstr(why, "never closed"));
	assert_int_equal(glob_check("/p/a**/x", &pos, why, sizeof(why)), -EINVAL);
	assert_int_equal(pos, 5);
	assert_non_null(strstr(why, "whole component"));
	assert_int_equal(glob_check("/p/../*.pem", &pos, why, sizeof(why)), -EINVAL);
	assert_int_equal(pos, 4);
	assert_int_equal(glob_check("/p/**/[!x]*.pem", &pos, why, sizeof(why)), 0);
	/* Each '**' multiplies the matching's work: at most four. */
	assert_int_equal(glob_check("**/a/**/b/**/c/**/d", &pos, why, sizeof(why)), 0);
	assert_int_equal(glob_check("**/a/**/b/**/c/**/d/**/e", &pos, why, sizeof(why)), -EINVAL);
	assert_int_equal(pos, 21);
	assert_non_null(strstr(why, "at most 4"));
	assert_int_equal(glob_check("**/.env", &pos, why, sizeof(why)), 0);
}

static void touch(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static size_t glob_rules(const struct ward_policy *policy)
{
	size_t n = 0;
	VEC_FOREACH(&policy->fs, f)
	n += f->from_glob != 0;
	return n;
}

static void test_expansion_is_one_rule_per_match_never_through_symlinks(void **state)
{
	char dir[] = "/tmp/ward-globs-XXXXXX", sub[PATH_MAX], link[PATH_MAX], pattern[PATH_MAX];
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	touch(dir, "a.pem");
	touch(dir, "sub/b.pem");
	touch(dir, "ok.txt");
	snprintf(link, sizeof(link), "%s/via", dir);
	assert_int_equal(symlink(sub, link), 0); /* via/b.pem must not match twice */

	ward_error err = {0};
	ward_policy *policy = ward_policy_new();
	assert_non_null(policy);
	snprintf(pattern, sizeof(pattern), "%s/**/*.pem", dir);
	assert_int_equal(ward_policy_fs_deny(policy, pattern, &err), 0);
	assert_int_equal(policy->fs.len, 0); /* kept as a glob, not a path */
	assert_int_equal(policy_expand_globs(policy, &err), 0);
	assert_int_equal(glob_rules(policy), 2);
	assert_int_equal(policy->fs_globs.items[0].matches, 2);
	VEC_FOREACH(&policy->fs, f)
	{
		assert_true(f->deny);
		assert_null(strstr(f->path, "/via/"));
	}
	/* Again after a new match: redone, not accumulated. */
	touch(dir, "sub/c.pem");
	assert_int_equal(policy_expand_globs(policy, &err), 0);
	assert_int_equal(glob_rules(policy), 3);
	ward_policy_free(policy);

	/* A glob in a write grant is refused with the fix. */
	policy = ward_policy_new();
	snprintf(pattern, sizeof(pattern), "%s/*", dir);
	assert_int_equal(ward_policy_fs_allow(policy, pattern, WARD_FS_READ | WARD_FS_WRITE, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "globs are for fs.deny and fs.read"));
	ward_policy_free(policy);

	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir); /* our mkdtemp directory */
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star_stays_in_one_component),
		cmocka_unit_test(test_double_star_matches_any_depth),
		cmocka_unit_test(test_bad_globs_name_the_character),
		cmocka_unit_test(test_expansion_is_one_rule_per_match_never_through_symlinks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
