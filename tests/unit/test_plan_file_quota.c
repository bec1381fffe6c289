/* test_plan_file_quota.c — file byte quotas are planned on bpf-trace (the
 * fexit accounting programs) where they load and refused with the reason
 * where they do not; file accounting itself is on wherever it can be. A
 * quota the plan claims is a quota the monitor reads (plan.quota_amount).
 * Pure: simulated hosts, no kernel.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "plan/plan.h"
#include "policy/policy.h"
#include "sim_host.h"
#include "ward.h"

static const struct plan_entry *entry_for(const struct plan *plan, const char *rule)
{
	VEC_FOREACH(&plan->entries, e)
	{
		if (!strcmp(e->rule, rule))
			return e;
	}
	return NULL;
}

static struct ward_policy *policy_with_quota(const char *name, const char *size, const char *action)
{
	struct ward_policy *p = ward_policy_new();
	assert_non_null(p);
	ward_error err = {0};
	struct ward_loc loc = {.file = "q.yaml", .line = 3};
	assert_int_equal(policy_set_quota(p, name, size, action, loc, &err), 0);
	return p;
}

static void test_write_quota_on_bpf_trace_where_fexit_loads(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_FULL, &host);
	struct ward_policy *policy = policy_with_quota("file_write_bytes", "1M", "kill");
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	const struct plan_entry *e =
		entry_for(&plan, "quota file_write_bytes 1048576 bytes, then kill");
	assert_non_null(e);
	assert_int_equal(e->layer, LAYER_BPF_TRACE);
	assert_int_equal(e->status, PLAN_ENFORCED);
	assert_true(plan.file_acct);
	assert_int_equal(plan.quota_amount[WARD_QUOTA_FILE_WRITE_BYTES], 1048576);
	assert_int_equal(plan.quota_action[WARD_QUOTA_FILE_WRITE_BYTES], WARD_QUOTA_KILL);
	/* the writes the programs do not count are refused with it */
	assert_true(plan.seccomp_file_write_guard);
	plan_free(&plan);
	ward_policy_free(policy);
}

static void test_write_quota_refused_where_fexit_does_not_load(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_ROOT_HERE, &host);
	struct ward_policy *policy = policy_with_quota("file_write_bytes", "2M", "report");
	policy->degraded = 0;
	struct plan plan;
	ward_error err = {0};
	int r = plan_build(policy, &host, &plan, &err);
	assert_int_equal(r, -EPERM);
	const struct plan_entry *e =
		entry_for(&plan, "quota file_write_bytes 2097152 bytes, then report");
	assert_non_null(e);
	assert_int_not_equal(e->status, PLAN_ENFORCED);
	assert_int_equal(e->wanted, LAYER_BPF_TRACE);
	assert_non_null(strstr(e->note, "fexit program load returned EPERM"));
	/* nothing the monitor would read as a quota it holds */
	assert_int_equal(plan.quota_amount[WARD_QUOTA_FILE_WRITE_BYTES], 0);
	assert_false(plan.file_acct);
	assert_false(plan.seccomp_file_write_guard);
	plan_free(&plan);

	/* allowed to degrade: the run is planned, still without the quota */
	policy->degraded = 1u << LAYER_BPF_TRACE;
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_int_equal(plan.quota_amount[WARD_QUOTA_FILE_WRITE_BYTES], 0);
	plan_free(&plan);
	ward_policy_free(policy);
}

/* Reads through mmap reach no counted call: a read quota could not hold,
 * so it is not offered, and the refusal says why and what exists. */
static void test_read_quota_is_not_offered(void **state)
{
	(void)state;
	struct ward_policy *p = ward_policy_new();
	ward_error err = {0};
	struct ward_loc loc = {.file = "q.yaml", .line = 3};
	assert_true(policy_set_quota(p, "file_read_bytes", "1M", NULL, loc, &err) < 0);
	assert_non_null(strstr(err.message, "not offered: reads through mmap"));
	assert_non_null(strstr(err.message, "file_write_bytes"));
	ward_policy_free(p);
}

static void test_file_accounting_on_without_a_quota(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_FULL, &host);
	struct ward_policy *policy = ward_policy_new();
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_true(plan.file_acct);
	plan_free(&plan);
	host_of(H_USER, &host);
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_false(plan.file_acct);
	plan_free(&plan);
	ward_policy_free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_quota_on_bpf_trace_where_fexit_loads),
		cmocka_unit_test(test_write_quota_refused_where_fexit_does_not_load),
		cmocka_unit_test(test_read_quota_is_not_offered),
		cmocka_unit_test(test_file_accounting_on_without_a_quota),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
