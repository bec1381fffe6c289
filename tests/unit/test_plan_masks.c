/* test_plan_masks.c — the planner's mount-namespace masks (pure: no kernel):
 * a denial inside a grant is a mask instead of a Landlock hole when a mount
 * namespace can be made, a narrower nested grant is a carve-out held there,
 * and nothing is claimed that no layer here holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/plan.h"

/* Grants must exist: a fixture tree under a fresh directory. */
static char base[64];
static const char *const tree[] = {"/p", "/p/.git", "/p/out", "/p/ro", "/p/ro/rw", "/q", "/q/bin"};

/* BASE + REL, in one of a few rotating buffers. */
static const char *at(const char *rel)
{
	static char bufs[8][128];
	static unsigned next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s%s", base, rel);
	return b;
}

static int make_tree(void **state)
{
	snprintf(base, sizeof(base), "/tmp/ward-planmask-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
		if (mkdir(at(tree[i]), 0755) < 0)
			return -1;
	FILE *f = fopen(at("/p/.env"), "w");
	FILE *c = fopen(at("/p/.git/config"), "w");
	if (!f || !c)
		return -1;
	fclose(f);
	fclose(c);
	return 0;
}

/* Removes only what make_tree made. */
static int remove_tree(void **state)
{
	unlink(at("/p/.env"));
	unlink(at("/p/.git/config"));
	for (size_t i = sizeof(tree) / sizeof(tree[0]); i-- > 0;)
		rmdir(at(tree[i]));
	return rmdir(base);
}

#define RW (WARD_FS_READ | WARD_FS_WRITE)

static struct host_features host_with(bool root, bool userns)
{
	struct host_features host;
	memset(&host, 0, sizeof(host));
	host.landlock_abi = 7;
	host.seccomp_filter = true;
	host.seccomp_user_notif = true;
	host.root = root;
	host.userns = userns;
	return host;
}

static const char *rule_of(const char *prefix, const char *rel)
{
	static char rule[200];
	snprintf(rule, sizeof(rule), "%s%s%s", prefix, base, rel);
	return rule;
}

static const struct plan_entry *entry_for(const struct plan *plan, const char *rule)
{
	VEC_FOREACH(&plan->entries, e)
	{
		if (!strcmp(e->rule, rule))
			return e;
	}
	return NULL;
}

static ward_policy *policy_of(const char *const *grants, const unsigned *access, size_t n,
			      const char *deny)
{
	ward_error err = {0};
	ward_policy *policy = ward_policy_new();
	assert_non_null(policy);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ward_policy_fs_allow(policy, grants[i], access[i], &err), 0);
	if (deny)
		assert_int_equal(ward_policy_fs_deny(policy, deny, &err), 0);
	return policy;
}

static void test_deny_inside_write_grant_is_a_mask_not_a_hole(void **state)
{
	struct host_features host = host_with(false, true);
	const char *g[] = {at("/p")};
	unsigned a[] = {RW};
	ward_policy *policy = policy_of(g, a, 1, at("/p/.env"));
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_true(plan.mount_ns);
	assert_true(plan.ns_flags & WARD_NS_USER);
	assert_int_equal(plan.fs_holes.len, 0);
	assert_int_equal(plan.fs_masks.len, 1);
	assert_string_equal(plan.fs_masks.items[0].path, at("/p/.env"));
	assert_true(plan.fs_masks.items[0].hide);
	const struct plan_entry *e = entry_for(&plan, rule_of("fs deny ", "/p/.env"));
	assert_non_null(e);
	assert_int_equal(e->layer, LAYER_NAMESPACES);
	assert_int_equal(e->status, PLAN_ENFORCED);
	assert_false(plan.sup_fs_deny); /* the supervisor may hold the unix rule, not this */
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_root_needs_no_user_namespace_for_the_mask(void **state)
{
	struct host_features host = host_with(true, false);
	const char *g[] = {at("/p")};
	unsigned a[] = {RW};
	ward_policy *policy = policy_of(g, a, 1, at("/p/.env"));
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_true(plan.mount_ns);
	assert_false(plan.ns_flags & WARD_NS_USER);
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_without_a_mount_namespace_the_deny_is_a_hole(void **state)
{
	struct host_features host = host_with(false, false);
	const char *g[] = {at("/p")};
	unsigned a[] = {RW};
	ward_policy *policy = policy_of(g, a, 1, at("/p/.env"));
	struct plan plan;
	ward_error err = {0};
	/* The hole holds reads and writes; nothing here holds the metadata
	 * of the denied file, so the run is refused unless allowed. */
	assert_int_equal(plan_build(policy, &host, &plan, &err), -EPERM);
	assert_non_null(strstr(err.message, "metadata"));
	assert_int_equal(entry_for(&plan, rule_of("fs deny ", "/p/.env"))->layer, LAYER_LANDLOCK);
	plan_free(&plan);
	assert_int_equal(ward_policy_allow_degraded(policy, "namespaces", &err), 0);
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_false(plan.mount_ns);
	assert_int_equal(plan.fs_holes.len, 1);
	assert_int_equal(entry_for(&plan, rule_of("fs deny ", "/p/.env"))->layer, LAYER_LANDLOCK);
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_read_only_grant_under_write_grant_is_a_carveout(void **state)
{
	struct host_features host = host_with(false, true);
	const char *g[] = {at("/p"), at("/p/.git/config")};
	unsigned a[] = {RW, WARD_FS_READ};
	ward_policy *policy = policy_of(g, a, 2, NULL);
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_true(plan.mount_ns);
	assert_int_equal(plan.fs_masks.len, 1);
	assert_false(plan.fs_masks.items[0].hide);
	assert_int_equal(plan.fs_masks.items[0].keep, WARD_FS_READ);
	const struct plan_entry *e = entry_for(&plan, rule_of("fs read ", "/p/.git/config"));
	assert_non_null(e);
	assert_int_equal(e->layer, LAYER_NAMESPACES);
	assert_non_null(strstr(e->note, "read-only"));
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_carveout_without_mount_namespace_is_refused(void **state)
{
	struct host_features host = host_with(false, false);
	const char *g[] = {at("/p"), at("/p/.git/config")};
	unsigned a[] = {RW, WARD_FS_READ};
	ward_policy *policy = policy_of(g, a, 2, NULL);
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), -EPERM);
	assert_non_null(strstr(err.message, "/.git/config"));
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_a_nested_grant_that_adds_rights_is_no_carveout(void **state)
{
	struct host_features host = host_with(false, true);
	const char *g[] = {at("/p"), at("/p/out"), at("/q"), at("/q/bin")};
	unsigned a[] = {WARD_FS_READ, RW, RW, WARD_FS_READ | WARD_FS_EXEC};
	ward_policy *policy = policy_of(g, a, 4, NULL);
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_false(plan.mount_ns);
	assert_int_equal(plan.fs_masks.len, 0);
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_a_writable_grant_inside_a_carveout_is_bound_again(void **state)
{
	struct host_features host = host_with(false, true);
	const char *g[] = {at("/p/ro/rw"), at("/p"), at("/p/ro")};
	unsigned a[] = {RW, RW, WARD_FS_READ};
	ward_policy *policy = policy_of(g, a, 3, NULL);
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_int_equal(plan.fs_masks.len, 2);
	/* By path length: the outer carve-out first. */
	assert_string_equal(plan.fs_masks.items[0].path, at("/p/ro"));
	assert_int_equal(plan.fs_masks.items[0].keep, WARD_FS_READ);
	assert_string_equal(plan.fs_masks.items[1].path, at("/p/ro/rw"));
	assert_int_equal(plan.fs_masks.items[1].keep, RW);
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_audit_mode_applies_no_mask(void **state)
{
	struct host_features host = host_with(false, true);
	const char *g[] = {at("/p"), at("/p/.git/config")};
	unsigned a[] = {RW, WARD_FS_READ};
	ward_policy *policy = policy_of(g, a, 2, NULL);
	ward_policy_set_mode(policy, WARD_MODE_AUDIT);
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_false(plan.mount_ns);
	assert_int_equal(entry_for(&plan, rule_of("fs read ", "/p/.git/config"))->status,
			 PLAN_NOT_AUDITED);
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_default_profile_masks_only_host_secrets(void **state)
{
	struct host_features host = host_with(false, true);
	ward_error err = {0};
	ward_policy *policy = ward_policy_new();
	assert_non_null(policy);
	assert_int_equal(ward_policy_use_profile(policy, "default", &err), 0);
	struct plan plan;
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	/* Its only masks are the host secrets it denies under /etc (those that
	 * exist on this machine: the denials are optional); a mount namespace
	 * for masks only when there is one to place. */
	VEC_FOREACH(&plan.fs_masks, m)
	assert_true(strncmp(m->path, "/etc/", 5) == 0);
	assert_int_equal(plan.mount_ns, plan.fs_masks.len > 0);
	plan_free(&plan);
	ward_policy_free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_inside_write_grant_is_a_mask_not_a_hole),
		cmocka_unit_test(test_root_needs_no_user_namespace_for_the_mask),
		cmocka_unit_test(test_without_a_mount_namespace_the_deny_is_a_hole),
		cmocka_unit_test(test_read_only_grant_under_write_grant_is_a_carveout),
		cmocka_unit_test(test_carveout_without_mount_namespace_is_refused),
		cmocka_unit_test(test_a_nested_grant_that_adds_rights_is_no_carveout),
		cmocka_unit_test(test_a_writable_grant_inside_a_carveout_is_bound_again),
		cmocka_unit_test(test_audit_mode_applies_no_mask),
		cmocka_unit_test(test_default_profile_masks_only_host_secrets),
	};
	return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
