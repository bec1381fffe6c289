/* test_landlock_abi.c — the ABI switch for Landlock rights ward uses but
 * this host may not have (pure: no kernel): the pathname unix socket right
 * (ABI 9) is handled only from ABI 9, write grants carry it, and the plan
 * says which layer holds unix sockets at each ABI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "layers/landlock_internal.h"
#include "plan/plan.h"

static void test_resolve_unix_is_handled_from_abi_9_only(void **state)
{
	for (int abi = 1; abi <= 8; abi++)
		assert_false(landlock_handled_fs(abi) & LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
	assert_true(landlock_handled_fs(9) & LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
	assert_int_equal(WARD_LANDLOCK_ABI_MAX, 9);
	/* The older rights stay as they were. */
	assert_true(landlock_handled_fs(8) & LANDLOCK_ACCESS_FS_IOCTL_DEV);
	assert_false(landlock_handled_fs(4) & LANDLOCK_ACCESS_FS_IOCTL_DEV);
}

static void test_write_grants_carry_resolve_unix_read_grants_do_not(void **state)
{
	__u64 handled = landlock_handled_fs(9);
	assert_true(landlock_fs_rights(WARD_FS_READ | WARD_FS_WRITE, true, handled) &
		    LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
	assert_false(landlock_fs_rights(WARD_FS_READ | WARD_FS_EXEC, true, handled) &
		     LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
	/* Not on a rule for a file: the kernel takes only file rights there. */
	assert_false(landlock_fs_rights(WARD_FS_READ | WARD_FS_WRITE, false, handled) &
		     LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
	/* An older kernel never sees the bit. */
	assert_false(landlock_fs_rights(WARD_FS_WRITE, true, landlock_handled_fs(7)) &
		     LANDLOCK_ACCESS_FS_RESOLVE_UNIX);
}

static bool plan_has(int abi, const char *rule)
{
	struct host_features host;
	memset(&host, 0, sizeof(host));
	host.landlock_abi = abi;
	host.seccomp_filter = true;
	host.seccomp_user_notif = true; /* below ABI 9 the supervisor holds the rule */
	ward_policy *policy = ward_policy_new();
	assert_non_null(policy);
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	bool found = false;
	VEC_FOREACH(&plan.entries, e)
	{
		if (!strcmp(e->rule, rule))
			found = e->layer == LAYER_LANDLOCK && e->status == PLAN_ENFORCED;
	}
	plan_free(&plan);
	ward_policy_free(policy);
	return found;
}

static void test_plan_names_landlock_for_unix_sockets_where_it_can(void **state)
{
	const char *pathname =
		"net: pathname unix sockets only inside write grants or made in the sandbox";
	const char *abstract = "net: abstract unix sockets and signals only within the sandbox";
	assert_true(plan_has(9, pathname));
	assert_false(plan_has(7, pathname));
	assert_true(plan_has(7, abstract));
	assert_true(plan_has(6, abstract));
	assert_false(plan_has(5, abstract));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_unix_is_handled_from_abi_9_only),
		cmocka_unit_test(test_write_grants_carry_resolve_unix_read_grants_do_not),
		cmocka_unit_test(test_plan_names_landlock_for_unix_sockets_where_it_can),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
