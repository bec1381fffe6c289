/* test_plan_net_names.c — host names a DNS answer gave (a TTL) are planned
 * for re-resolution only where a layer holding their address rules can be
 * updated while the program runs (cgroup BPF, BPF LSM, the supervisor),
 * and --explain says so; names without a TTL (/etc/hosts) are listed as
 * resolved at start only. Pure: the names are put in the policy directly.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan/plan.h"
#include "policy/policy.h"
#include "sim_host.h"
#include "ward.h"

/* An address rule as if resolved from HOST with TTL (0: no TTL), and its
 * pinned hosts line. */
static void add_named(struct ward_policy *p, const char *rule, const char *addr, const char *host,
		      uint32_t ttl)
{
	ward_error err = {0};
	struct ward_loc loc = {.file = "names.yaml", .line = 3};
	assert_int_equal(policy_add_net(p, rule, false, loc, &err), 0);
	struct net_rule *n = &p->net.items[p->net.len - 1];
	n->host = policy_intern(p, host);
	n->ttl = ttl;
	char *pin = NULL;
	assert_true(asprintf(&pin, "%s %s", addr, host) > 0);
	assert_int_equal(VEC_PUSH(&p->hosts, pin), 0);
}

static const struct plan_entry *entry_starting(const struct plan *plan, const char *prefix)
{
	VEC_FOREACH(&plan->entries, e)
	{
		if (!strncmp(e->rule, prefix, strlen(prefix)))
			return e;
	}
	return NULL;
}

static struct ward_policy *two_names(void)
{
	struct ward_policy *p = ward_policy_new();
	assert_non_null(p);
	p->degraded = ~0u;
	add_named(p, "tcp://127.0.0.2/32:8080", "127.0.0.2", "svc.test", 30);
	add_named(p, "tcp://127.0.0.3/32:8080", "127.0.0.3", "svc.test", 30);
	add_named(p, "tcp://127.0.0.1/32:8080", "127.0.0.1", "localhost", 0);
	return p;
}

static void check_live(enum host_kind kind, enum ward_layer want)
{
	struct host_features host;
	host_of(kind, &host);
	struct ward_policy *p = two_names();
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(p, &host, &plan, &err), 0);
	assert_int_equal(plan.net_names.len, 1); /* svc.test once; localhost has no TTL */
	assert_string_equal(plan.net_names.items[0].host, "svc.test");
	assert_int_equal(plan.net_names.items[0].ttl, 30);
	assert_int_equal(plan.net_names_layer, want);
	const struct plan_entry *e =
		entry_starting(&plan, "net: host names re-resolved every TTL (min 5 s, max 1 h)");
	assert_non_null(e);
	assert_int_equal(e->layer, LAYER_MONITOR);
	assert_non_null(strstr(e->note, "svc.test (ttl 30 s)"));
	char updates[80];
	snprintf(updates, sizeof(updates), "updates the %s rules in place", ward_layer_name(want));
	assert_non_null(strstr(e->note, updates));
	e = entry_starting(&plan, "net: host names resolved at start (1)");
	assert_non_null(e);
	assert_non_null(strstr(e->note, "127.0.0.1 localhost"));
	assert_null(strstr(e->note, "svc.test"));
	/* the layer updated holds every rule of the name */
	size_t held = 0;
	if (want == LAYER_SUPERVISOR) {
		VEC_FOREACH(&plan.sup_net_rules, r)
		held += r->rule.host && !strcmp(r->rule.host, "svc.test");
	} else {
		VEC_FOREACH(&plan.bpf_net_rules, r)
		held += r->rule.host && !strcmp(r->rule.host, "svc.test");
	}
	assert_int_equal(held, 2);
	plan_free(&plan);
	ward_policy_free(p);
}

static void test_cgroup_bpf_updated(void **state)
{
	check_live(H_ROOT_HERE, LAYER_CGROUP_BPF);
}

static void test_bpf_lsm_updated(void **state)
{
	check_live(H_FULL, LAYER_BPF_LSM);
}

static void test_supervisor_updated(void **state)
{
	check_live(H_USER, LAYER_SUPERVISOR);
}

/* No layer holds address rules: nothing to update, nothing claimed. */
static void test_no_live_layer_no_claim(void **state)
{
	struct host_features host;
	host_of(H_BARE, &host);
	struct ward_policy *p = two_names();
	struct plan plan;
	ward_error err = {0};
	plan_build(p, &host, &plan, &err);
	assert_int_equal(plan.net_names.len, 0);
	assert_int_equal(plan.net_names_layer, LAYER_NONE);
	assert_null(entry_starting(&plan, "net: host names re-resolved"));
	const struct plan_entry *e = entry_starting(&plan, "net: host names resolved at start (3)");
	assert_non_null(e);
	plan_free(&plan);
	ward_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_bpf_updated),
		cmocka_unit_test(test_bpf_lsm_updated),
		cmocka_unit_test(test_supervisor_updated),
		cmocka_unit_test(test_no_live_layer_no_claim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
