/* test_plan_sections.c — the plan is the layers' only input: for every
 * simulated host kind and a set of policies, each network rule, argv rule,
 * callback and kill_after sits in the section of exactly the layer its
 * --explain entry names, and in no other section. A layer that enforced a
 * rule the plan gave someone else (or nobody) would have to find it in its
 * section, so a planner change that leaks one fails here. Pure: no kernel.
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

#include "core/env_source.h"
#include "plan/plan.h"
#include "sandbox/sandbox.h"
#include "policy/policy.h"
#include "policy/sup_rules.h"
#include "sim_host.h"
#include "ward.h"

/* The host kinds every policy is planned on, and their names. */
static const enum host_kind section_hosts[] = {H_FULL, H_ROOT_HERE, H_USER, H_BARE, H_LL3_ROOT};
static const char *const host_names[] = {"full", "cgroup-bpf", "user", "bare",
					 "landlock3+cgroup-bpf"};
#define HOST_KINDS (sizeof(section_hosts) / sizeof(section_hosts[0]))

static struct ward_verdict allow_all(const struct ward_sup_event *ev, ward_sup_context *ctx,
				     void *userdata)
{
	(void)ev;
	(void)ctx;
	(void)userdata;
	return (struct ward_verdict){WARD_VERDICT_ALLOW, 0};
}

/* "<kind> <arg>": net, netdeny, bind, argv, kill, callback, read, write, deny. */
static void add_rule(struct ward_policy *p, const char *spec)
{
	ward_error err = {0};
	struct ward_loc loc = {.file = "sections.yaml", .line = 7};
	char kind[32], arg[200] = "";
	assert_true(sscanf(spec, "%31s %199[^\n]", kind, arg) >= 1);
	int r = 0;
	if (!strcmp(kind, "net"))
		r = policy_add_net(p, arg, false, loc, &err);
	else if (!strcmp(kind, "netdeny"))
		r = policy_add_net(p, arg, true, loc, &err);
	else if (!strcmp(kind, "bind"))
		r = policy_add_bind(p, arg, loc, &err);
	else if (!strcmp(kind, "argv"))
		r = policy_add_exec_argv(p, arg, true, loc, &err);
	else if (!strcmp(kind, "kill"))
		p->kill_after = (struct kill_after){.set = true, .denials = 3, .seconds = 10};
	else if (!strcmp(kind, "callback"))
		r = ward_policy_set_callback(p, allow_all, NULL);
	else if (!strcmp(kind, "read"))
		r = policy_add_fs(p, arg, WARD_FS_READ, false, false, loc, &err);
	else if (!strcmp(kind, "write"))
		r = policy_add_fs(p, arg, WARD_FS_READ | WARD_FS_WRITE, false, false, loc, &err);
	else if (!strcmp(kind, "deny"))
		r = policy_add_fs(p, arg, WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC, true, false,
				  loc, &err);
	else
		fail_msg("unknown rule kind '%s'", kind);
	if (r < 0)
		fail_msg("adding '%s': %s", spec, err.message);
}

static struct ward_policy *policy_of(const char *const *rules, enum ward_mode mode)
{
	struct ward_policy *p = ward_policy_new();
	assert_non_null(p);
	p->mode = mode;
	/* Nothing is refused for want of a layer: every host kind plans all
	 * rules, and each lands somewhere or nowhere. */
	p->degraded = ~0u;
	for (; *rules; rules++)
		add_rule(p, *rules);
	return p;
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

static bool is_bpf(enum ward_layer layer)
{
	return layer == LAYER_BPF_LSM || layer == LAYER_CGROUP_BPF;
}

static size_t count_rule_id(const struct plan_net_rule *rules, size_t n, uint32_t rule_id)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += rules[i].rule_id == rule_id;
	return count;
}

/* Every net rule is in the section of the layer its entry names, with its
 * rule id and origin, and in no other; no section holds anything else. */
static void check_net_sections(const struct ward_policy *policy, const struct plan *plan,
			       const char *where)
{
	size_t in_bpf = 0, in_sup = 0;
	VEC_FOREACH(&policy->net, n)
	{
		char rule[200];
		snprintf(rule, sizeof(rule), "net %s %s", n->deny ? "deny" : "allow", n->text);
		const struct plan_entry *e = entry_for(plan, rule);
		if (!e)
			fail_msg("%s: no entry for '%s'", where, rule);
		uint32_t id = (uint32_t)(n - policy->net.items);
		bool active = e->status == PLAN_ENFORCED || e->status == PLAN_AUDITED;
		size_t want_bpf = active && is_bpf(e->layer) ? 1 : 0;
		size_t want_sup = active && e->layer == LAYER_SUPERVISOR ? 1 : 0;
		size_t got_bpf =
			count_rule_id(plan->bpf_net_rules.items, plan->bpf_net_rules.len, id);
		size_t got_sup =
			count_rule_id(plan->sup_net_rules.items, plan->sup_net_rules.len, id);
		if (got_bpf != want_bpf || got_sup != want_sup)
			fail_msg("%s: '%s' is on %s (%s) but in the BPF section %zu times and the "
				 "supervisor's %zu times",
				 where, rule, ward_layer_name(e->layer),
				 plan_status_name(e->status), got_bpf, got_sup);
		in_bpf += got_bpf;
		in_sup += got_sup;
	}
	assert_int_equal(plan->bpf_net_rules.len, in_bpf);
	assert_int_equal(plan->sup_net_rules.len, in_sup);
	VEC_FOREACH(&plan->bpf_net_rules, pr)
	{
		assert_ptr_equal(pr->rule.text, policy->net.items[pr->rule_id].text);
		assert_string_equal(pr->rule.loc.file, "sections.yaml");
	}
	VEC_FOREACH(&plan->sup_net_rules, pr)
	assert_ptr_equal(pr->rule.text, policy->net.items[pr->rule_id].text);
	/* The BPF programs are told about the network only through this. */
	assert_int_equal(plan->bpf_net_rules.len > 0,
			 (plan->bpf_lsm_net || plan->cgroup_bpf_net) && policy->net.len > 0);
	/* The bind ports also reach the BPF LSM's listen hook when it holds
	 * the autobind rule ("no TCP listen without bind"). */
	if (plan->bpf_lsm_listen)
		assert_int_equal(plan->bpf_bind_ports.len, policy->bind.len);
	if (plan->bpf_lsm_net || plan->cgroup_bpf_net) {
		assert_int_equal(plan->bpf_bind_ports.len, policy->bind.len);
		const struct plan_entry *e = entry_for(
			plan, "net: bind (TCP and UDP) only to port 0 and the bind ports");
		if (!e || !is_bpf(e->layer))
			fail_msg("%s: BPF holds binds but --explain does not say so", where);
	} else if (!plan->bpf_lsm_listen) {
		assert_int_equal(plan->bpf_bind_ports.len, 0);
	}
	assert_int_equal(plan->sup_net, plan->sup_net_rules.len > 0);
}

/* The argv rules and the callback: in the supervisor's section exactly when
 * their entries put them on the supervisor. */
static void check_sup_sections(const struct ward_policy *policy, const struct plan *plan,
			       const char *where)
{
	const struct sup_policy *sp = policy->supervisor;
	size_t placed = 0;
	if (sp) {
		VEC_FOREACH(&sp->exec_argv, a)
		{
			char rule[200];
			snprintf(rule, sizeof(rule), "exec %s argv '%s'",
				 a->deny ? "deny" : "allow", a->text);
			const struct plan_entry *e = entry_for(plan, rule);
			if (!e)
				fail_msg("%s: no entry for '%s'", where, rule);
			bool on_sup = e->layer == LAYER_SUPERVISOR;
			bool found = false;
			VEC_FOREACH(&plan->sup_rules.exec_argv, x)
			found |= x->text == a->text;
			if (found != on_sup)
				fail_msg("%s: '%s' is on %s but %s the supervisor's section", where,
					 rule, ward_layer_name(e->layer), found ? "in" : "not in");
			placed += on_sup;
		}
	}
	assert_int_equal(plan->sup_rules.exec_argv.len, placed);
	const struct plan_entry *cb = entry_for(plan, "callback: run-time decisions");
	bool cb_placed = cb && cb->layer == LAYER_SUPERVISOR;
	if ((plan->sup_rules.callback != NULL) != cb_placed)
		fail_msg("%s: the callback is %s but %s the supervisor's section", where,
			 cb_placed ? "placed" : "not placed",
			 plan->sup_rules.callback ? "in" : "not in");
}

static void check_kill_after(const struct ward_policy *policy, const struct plan *plan,
			     const char *where)
{
	char rule[200];
	snprintf(rule, sizeof(rule), "escalate: SIGKILL after %u denials in %u s",
		 policy->kill_after.denials, policy->kill_after.seconds);
	const struct plan_entry *e = policy->kill_after.set ? entry_for(plan, rule) : NULL;
	bool placed = e && e->layer == LAYER_BPF_LSM;
	if (plan->bpf_kill_after.set != placed || plan->bpf_escalate != placed)
		fail_msg("%s: kill_after is %s but the BPF section says %s", where,
			 placed ? "placed" : "not placed",
			 plan->bpf_kill_after.set ? "set" : "unset");
	if (placed)
		assert_int_equal(plan->bpf_kill_after.denials, policy->kill_after.denials);
}

static const char *const *const policies[] = {
	(const char *const[]){"net tcp://10.0.0.0/8:443", "netdeny tcp://10.1.0.0/16", NULL},
	(const char *const[]){"net tcp://*:443", "net udp://*", NULL}, /* static: no section */
	(const char *const[]){"net tcp://192.168.1.0/24:22", "bind 8080", "bind 0", NULL},
	(const char *const[]){"bind 8080", NULL},
	(const char *const[]){"argv git push --force*", "callback", NULL},
	(const char *const[]){"kill", "read /etc", "deny /etc/shadow", "deny /root", NULL},
	(const char *const[]){"net tcp://10.0.0.0/8", "argv rm -rf*", "kill", "callback", NULL},
};

static void test_every_rule_is_in_exactly_its_layers_section(void **state)
{
	(void)state;
	for (size_t h = 0; h < HOST_KINDS; h++) {
		struct host_features host;
		host_of(section_hosts[h], &host);
		for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
			for (int m = 0; m < 2; m++) {
				enum ward_mode mode = m ? WARD_MODE_AUDIT : WARD_MODE_ENFORCE;
				struct ward_policy *policy = policy_of(policies[i], mode);
				struct plan plan;
				ward_error err = {0};
				int r = plan_build(policy, &host, &plan, &err);
				if (r < 0)
					fail_msg("host %s, policy %zu: %s", host_names[h], i,
						 err.message);
				char where[120];
				snprintf(where, sizeof(where), "host %s, policy %zu, %s",
					 host_names[h], i, m ? "audit" : "enforce");
				check_net_sections(policy, &plan, where);
				check_sup_sections(policy, &plan, where);
				check_kill_after(policy, &plan, where);
				plan_free(&plan);
				ward_policy_free(policy);
			}
		}
	}
}

/* The case the issue names: a rule the plan gives Landlock (or a mask) is
 * in no dynamic layer's section, on a host where BPF could have held it. */
static void test_landlock_rules_are_not_in_the_bpf_section(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_ROOT_HERE, &host);
	const char *const rules[] = {"net tcp://*:443", "write /srv", "deny /srv/secret", NULL};
	struct ward_policy *policy = policy_of(rules, WARD_MODE_ENFORCE);
	policy->degraded = 0;
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	const struct plan_entry *e = entry_for(&plan, "net allow tcp://*:443");
	assert_non_null(e);
	assert_int_equal(e->layer, LAYER_LANDLOCK);
	assert_int_equal(plan.bpf_net_rules.len, 0);
	assert_int_equal(plan.bpf_bind_ports.len, 0);
	assert_false(plan.cgroup_bpf_net);
	assert_int_equal(plan.bpf_inode_rules.len, 0);
	assert_int_equal(plan.sup_net_rules.len, 0);
	assert_int_equal(plan.sup_fs_rules.len, 0);
	plan_free(&plan);

	/* control: an address rule on the same host goes to cgroup BPF */
	add_rule(policy, "net tcp://10.0.0.0/8:443");
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_int_equal(plan.bpf_net_rules.len, 2);
	assert_int_equal(plan.bpf_net_rules.items[1].rule_id, 1);
	assert_true(plan.cgroup_bpf_net);
	plan_free(&plan);
	ward_policy_free(policy);
}

/* Without Landlock's TCP rules the bind ports are BPF's to hold, and the
 * plan says so rather than refusing what BPF enforces. */
static void test_bind_on_bpf_when_landlock_has_no_tcp_rules(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_LL3_ROOT, &host);
	const char *const rules[] = {"net tcp://10.0.0.0/8:443", "bind 8080", NULL};
	struct ward_policy *policy = policy_of(rules, WARD_MODE_ENFORCE);
	policy->degraded = 0;
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	const struct plan_entry *e = entry_for(&plan, "net bind tcp 8080-8080");
	assert_non_null(e);
	assert_int_equal(e->layer, LAYER_CGROUP_BPF);
	assert_int_equal(e->status, PLAN_ENFORCED);
	assert_int_equal(plan.bpf_bind_ports.len, 1);
	assert_int_equal(plan.bpf_bind_ports.items[0].lo, 8080);
	plan_free(&plan);
	ward_policy_free(policy);
}

/* The plan is built once: the private HOME/TMPDIR is a symbol in it, and
 * resolving it names the directory in the grant and in the entry alike. */
static void test_private_tmp_is_a_symbol_resolved_at_spawn(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_USER, &host);
	const char *const rules[] = {"read /usr", NULL};
	struct ward_policy *policy = policy_of(rules, WARD_MODE_ENFORCE);
	policy->private_tmp = true;
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_true(plan.private_tmp_dir);
	assert_null(plan.private_tmp);
	const struct plan_fs_grant *grant = NULL;
	VEC_FOREACH(&plan.fs_grants, g)
	{
		if (g->private_tmp)
			grant = g;
	}
	assert_non_null(grant);
	assert_string_equal(grant->path, PLAN_PRIVATE_TMP);
	assert_non_null(
		entry_for(&plan, "fs read+write " PLAN_PRIVATE_TMP " (private HOME and TMPDIR)"));
	plan_resolve_private_tmp(&plan, "/tmp/ward-test-dir");
	assert_string_equal(grant->path, "/tmp/ward-test-dir");
	assert_string_equal(plan.private_tmp, "/tmp/ward-test-dir");
	assert_null(
		entry_for(&plan, "fs read+write " PLAN_PRIVATE_TMP " (private HOME and TMPDIR)"));
	const struct plan_entry *e =
		entry_for(&plan, "fs read+write /tmp/ward-test-dir (private HOME and TMPDIR)");
	assert_non_null(e);
	assert_int_equal(e->layer, LAYER_LANDLOCK);
	plan_free(&plan);

	/* control: without private_tmp there is nothing to resolve */
	policy->private_tmp = false;
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_false(plan.private_tmp_dir);
	VEC_FOREACH(&plan.fs_grants, g)
	assert_false(g->private_tmp);
	plan_free(&plan);
	ward_policy_free(policy);
}

static bool env_has(char **envp, const char *kv)
{
	for (char **e = envp; e && *e; e++)
		if (!strcmp(*e, kv))
			return true;
	return false;
}

static bool env_has_key(char **envp, const char *key)
{
	size_t n = strlen(key);
	for (char **e = envp; e && *e; e++)
		if (!strncmp(*e, key, n) && (*e)[n] == '=')
			return true;
	return false;
}

/* The run section: spawn builds the environment, the start directory and
 * the host name from the plan alone, and the checks before the start
 * (hard links, the exec diagnosis) read every path denial from it. */
static void test_run_section_is_what_spawn_reads(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_USER, &host);
	const char *const rules[] = {"read /usr", "deny /usr/share/doc", NULL};
	struct ward_policy *policy = policy_of(rules, WARD_MODE_ENFORCE);
	ward_error err = {0};
	struct ward_loc loc = {.file = "sections.yaml", .line = 9};
	assert_int_equal(policy_add_exec(policy, "/usr/bin/id", true, loc, &err), 0);
	assert_int_equal(policy_add_env(policy, "B=2", loc, &err), 0);
	assert_int_equal(policy_add_unset_env(policy, "DROPME", loc, &err), 0);
	assert_int_equal(policy_add_pass_env(policy, "KEPT_TOKEN", loc, &err), 0);
	assert_int_equal(policy_set_cwd(policy, "/usr", loc, &err), 0);
	assert_int_equal(policy_set_hostname(policy, "box", loc, &err), 0);
	policy->drop_secret_env = true;
	policy->clean_env = false;

	struct plan plan;
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_string_equal(plan.cwd, "/usr");
	/* No UTS namespace planned: no host name to set. */
	assert_false(plan.ns_flags & WARD_NS_UTS);
	assert_null(plan.hostname);
	size_t fs = 0, exec = 0;
	VEC_FOREACH(&plan.path_denies, d)
	{
		if (!d->exec && !strcmp(d->path, "/usr/share/doc"))
			fs++;
		if (d->exec && !strcmp(d->path, "/usr/bin/id")) {
			exec++;
			assert_int_equal(d->loc.line, 9);
			assert_true(d->access & WARD_FS_EXEC);
		}
	}
	assert_int_equal(fs, 1);
	assert_int_equal(exec, 1);
	assert_int_equal(plan.path_denies.len, 2); /* the grant is no denial */
	/* Each environment rule with its origin. */
	assert_int_equal(plan.env.nset, 1);
	assert_string_equal(plan.env.set[0], "B=2");
	assert_int_equal(plan.env.set_loc[0].line, 9);
	assert_int_equal(plan.env.nunset, 1);
	assert_int_equal(plan.env.unset_loc[0].line, 9);
	assert_int_equal(plan.env.npass, 1);
	assert_int_equal(plan.env.pass_loc[0].line, 9);

	char *caller[] = {"A=1", "DROPME=1", "AWS_SECRET_ACCESS_KEY=x", "KEPT_TOKEN=y", NULL};
	env_source_use(caller);
	char **envp = environ_build(&plan.env, NULL);
	env_source_use(NULL);
	assert_non_null(envp);
	assert_true(env_has(envp, "A=1"));
	assert_true(env_has(envp, "B=2"));
	assert_true(env_has(envp, "KEPT_TOKEN=y"));
	assert_false(env_has_key(envp, "DROPME"));
	assert_false(env_has_key(envp, "AWS_SECRET_ACCESS_KEY"));
	assert_true(env_has_key(envp, "PATH"));
	environ_free(envp);
	plan_free(&plan);

	/* With a UTS namespace the plan carries the host name. */
	policy->ns_flags |= WARD_NS_UTS;
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_true(plan.ns_flags & WARD_NS_UTS);
	assert_string_equal(plan.hostname, "box");
	plan_free(&plan);
	ward_policy_free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_is_in_exactly_its_layers_section),
		cmocka_unit_test(test_landlock_rules_are_not_in_the_bpf_section),
		cmocka_unit_test(test_bind_on_bpf_when_landlock_has_no_tcp_rules),
		cmocka_unit_test(test_private_tmp_is_a_symbol_resolved_at_spawn),
		cmocka_unit_test(test_run_section_is_what_spawn_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
