/* test_plan.c — the heart of ward: for a table of host-feature sets × rules,
 * which layer the planner puts each rule on, with which status, and whether
 * the run is refused; and that the per-layer sections of the plan (what the
 * layers read) hold exactly the rules placed there. Pure: the planner reads a
 * host description and loads nothing, so every host is simulated here. A
 * change that lets a rule land on a layer that cannot hold it fails here.
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
#include "policy/sup_rules.h"
#include "sim_host.h"

/* Adds one rule written as "<kind> <arg>" (see the table). */
static void add_rule(struct ward_policy *p, const char *spec)
{
	ward_error err = {0};
	struct ward_loc loc = {.file = "test", .line = 1};
	char kind[32], arg[200] = "";
	assert_int_equal(sscanf(spec, "%31s %199[^\n]", kind, arg) >= 1, 1);
	int r = 0;
	if (!strcmp(kind, "read"))
		r = policy_add_fs(p, arg, WARD_FS_READ, false, false, loc, &err);
	else if (!strcmp(kind, "write"))
		r = policy_add_fs(p, arg, WARD_FS_READ | WARD_FS_WRITE, false, false, loc, &err);
	else if (!strcmp(kind, "deny"))
		r = policy_add_fs(p, arg, WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC, true, false,
				  loc, &err);
	else if (!strcmp(kind, "exec"))
		r = policy_add_exec(p, arg, false, loc, &err);
	else if (!strcmp(kind, "noexec"))
		r = policy_add_exec(p, arg, true, loc, &err);
	else if (!strcmp(kind, "net"))
		r = policy_add_net(p, arg, false, loc, &err);
	else if (!strcmp(kind, "netdeny"))
		r = policy_add_net(p, arg, true, loc, &err);
	else if (!strcmp(kind, "bind"))
		r = policy_add_bind(p, arg, loc, &err);
	else if (!strcmp(kind, "argv"))
		r = policy_add_exec_argv(p, arg, true, loc, &err);
	else if (!strcmp(kind, "kill"))
		p->kill_after = (struct kill_after){.set = true, .denials = 3, .seconds = 10};
	else if (!strcmp(kind, "ns"))
		p->ns_flags |= WARD_NS_NET;
	else if (!strcmp(kind, "profile-pids")) {
		struct ward_loc profile = {.file = "profile:default", .line = 24};
		r = policy_set_limit(p, WARD_LIMIT_PIDS, arg, profile, &err);
	} else {
		static const char *const names[WARD_LIMIT_COUNT_] = {
			[WARD_LIMIT_MEMORY] = "memory",	  [WARD_LIMIT_PIDS] = "pids",
			[WARD_LIMIT_CPU_PERCENT] = "cpu", [WARD_LIMIT_CPU_TIME] = "cpu_time",
			[WARD_LIMIT_NOFILE] = "nofile",	  [WARD_LIMIT_TIMEOUT_MS] = "timeout",
		};
		int l = 0;
		while (l < WARD_LIMIT_COUNT_ && strcmp(names[l], kind))
			l++;
		if (l == WARD_LIMIT_COUNT_)
			fail_msg("unknown rule kind '%s'", kind);
		r = policy_set_limit(p, (enum ward_limit)l, arg, loc, &err);
	}
	if (r < 0)
		fail_msg("adding '%s': %s", spec, err.message);
}

#define ANY_LAYER ((enum ward_layer) - 2)

struct plan_case {
	const char *name;
	enum host_kind host;
	enum ward_mode mode;
	const char *degraded; /* a layer name for allow_degraded, or NULL */
	const char *rules[6]; /* the policy */
	const char *entry;    /* a substring of the plan entry checked */
	enum ward_layer layer;
	enum plan_status status;
	bool refused;
};

#define E WARD_MODE_ENFORCE
#define A WARD_MODE_AUDIT
#define R_GRANT "read /usr"
static const struct plan_case cases[] = {
	/* filesystem grants and the baseline */
	{"grant on Landlock",
	 H_USER,
	 E,
	 NULL,
	 {R_GRANT},
	 "fs read /usr",
	 LAYER_LANDLOCK,
	 PLAN_ENFORCED,
	 false},
	{"no Landlock: a grant is refused",
	 H_BARE,
	 E,
	 NULL,
	 {R_GRANT},
	 "fs read /usr",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	/* Degraded, but still refused: nothing holds the unix rule either. */
	{"no Landlock, degraded",
	 H_BARE,
	 E,
	 "landlock",
	 {R_GRANT},
	 "fs read /usr",
	 LAYER_NONE,
	 PLAN_DEGRADED,
	 true},
	{"pathname unix sockets on the supervisor",
	 H_USER,
	 E,
	 NULL,
	 {R_GRANT},
	 "pathname unix sockets",
	 LAYER_SUPERVISOR,
	 PLAN_ENFORCED,
	 false},
	{"pathname unix sockets without user notification: refused",
	 H_BARE,
	 E,
	 "landlock",
	 {R_GRANT},
	 "pathname unix sockets",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	{"pathname unix sockets without user notification, degraded",
	 H_BARE,
	 E,
	 "supervisor",
	 {R_GRANT},
	 "pathname unix sockets",
	 LAYER_NONE,
	 PLAN_DEGRADED,
	 true},
	{"audit: Landlock cannot observe",
	 H_USER,
	 A,
	 NULL,
	 {R_GRANT},
	 "fs read /usr",
	 LAYER_LANDLOCK,
	 PLAN_NOT_AUDITED,
	 false},
	/* fs denials */
	{"deny outside grants: Landlock",
	 H_FULL,
	 E,
	 NULL,
	 {R_GRANT, "deny /etc/shadow"},
	 "fs deny /etc/shadow",
	 LAYER_LANDLOCK,
	 PLAN_ENFORCED,
	 false},
	{"deny inside a grant: BPF LSM first",
	 H_FULL,
	 E,
	 NULL,
	 {"read /etc", "deny /etc/shadow"},
	 "fs deny /etc/shadow",
	 LAYER_BPF_LSM,
	 PLAN_ENFORCED,
	 false},
	{"deny inside a grant: a mount mask without BPF",
	 H_USER,
	 E,
	 NULL,
	 {"read /etc", "deny /etc/shadow"},
	 "fs deny /etc/shadow",
	 LAYER_NAMESPACES,
	 PLAN_ENFORCED,
	 false},
	{"deny inside a grant: a Landlock hole without a mount namespace (its metadata "
	 "entry degraded)",
	 H_NO_USERNS,
	 E,
	 "namespaces",
	 {"read /etc", "deny /etc/shadow"},
	 "fs deny /etc/shadow",
	 LAYER_LANDLOCK,
	 PLAN_ENFORCED,
	 false},
	{"audit deny inside a grant: the supervisor observes",
	 H_USER,
	 A,
	 NULL,
	 {"read /etc", "deny /etc/shadow"},
	 "fs deny /etc/shadow",
	 LAYER_SUPERVISOR,
	 PLAN_AUDITED,
	 false},
	{"deny inside a grant, nothing holds it",
	 H_BARE,
	 E,
	 NULL,
	 {"read /etc", "deny /etc/shadow"},
	 "fs deny /etc/shadow",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	/* exec */
	{"exec deny inside an exec grant: BPF LSM",
	 H_FULL,
	 E,
	 NULL,
	 {"exec /usr", "noexec /usr/bin/git"},
	 "exec deny /usr/bin/git",
	 LAYER_BPF_LSM,
	 PLAN_ENFORCED,
	 false},
	{"exec deny inside an exec grant: a Landlock hole",
	 H_USER,
	 E,
	 NULL,
	 {"exec /usr", "noexec /usr/bin/git"},
	 "exec deny /usr/bin/git",
	 LAYER_LANDLOCK,
	 PLAN_ENFORCED,
	 false},
	{"argv rule: the supervisor",
	 H_USER,
	 E,
	 NULL,
	 {"argv git push"},
	 "argv 'git push'",
	 LAYER_SUPERVISOR,
	 PLAN_ENFORCED,
	 false},
	{"argv rule without user notification: refused",
	 H_BARE,
	 E,
	 NULL,
	 {"argv git push"},
	 "argv 'git push'",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	/* network */
	{"no network: seccomp",
	 H_USER,
	 E,
	 NULL,
	 {R_GRANT},
	 "net: no IPv4/IPv6",
	 LAYER_SECCOMP,
	 PLAN_ENFORCED,
	 false},
	{"TCP port: Landlock",
	 H_USER,
	 E,
	 NULL,
	 {"net tcp://*:443"},
	 "net allow tcp://*:443",
	 LAYER_LANDLOCK,
	 PLAN_ENFORCED,
	 false},
	{"TCP port on Landlock 3: the supervisor",
	 H_LL3,
	 E,
	 NULL,
	 {"net tcp://*:443"},
	 "net allow tcp://*:443",
	 LAYER_SUPERVISOR,
	 PLAN_ENFORCED,
	 false},
	{"address rule: BPF LSM",
	 H_FULL,
	 E,
	 NULL,
	 {"net tcp://10.0.0.0/8:443"},
	 "net allow tcp://10.0.0.0/8:443",
	 LAYER_BPF_LSM,
	 PLAN_ENFORCED,
	 false},
	{"address rule: cgroup BPF as root here",
	 H_ROOT_HERE,
	 E,
	 NULL,
	 {"net tcp://10.0.0.0/8:443"},
	 "net allow tcp://10.0.0.0/8:443",
	 LAYER_CGROUP_BPF,
	 PLAN_ENFORCED,
	 false},
	{"address rule: the supervisor unprivileged",
	 H_USER,
	 E,
	 NULL,
	 {"net tcp://10.0.0.0/8:443"},
	 "net allow tcp://10.0.0.0/8:443",
	 LAYER_SUPERVISOR,
	 PLAN_ENFORCED,
	 false},
	{"address rule, nothing dynamic: refused",
	 H_BARE,
	 E,
	 NULL,
	 {"net tcp://10.0.0.0/8:443"},
	 "net allow tcp://10.0.0.0/8:443",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	{"bind port: Landlock",
	 H_USER,
	 E,
	 NULL,
	 {"bind 8080"},
	 "net bind tcp 8080-8080",
	 LAYER_LANDLOCK,
	 PLAN_ENFORCED,
	 false},
	{"bind port on Landlock 3: refused",
	 H_LL3,
	 E,
	 NULL,
	 {"bind 8080"},
	 "net bind tcp 8080-8080",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	/* kernel hooks and escalation */
	{"kill_after: BPF LSM",
	 H_FULL,
	 E,
	 NULL,
	 {"kill"},
	 "escalate",
	 LAYER_BPF_LSM,
	 PLAN_ENFORCED,
	 false},
	{"kill_after without BPF LSM: refused",
	 H_ROOT_HERE,
	 E,
	 NULL,
	 {"kill"},
	 "escalate",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	{"kill_after degraded",
	 H_ROOT_HERE,
	 E,
	 "bpf-lsm",
	 {"kill"},
	 "escalate",
	 LAYER_NONE,
	 PLAN_DEGRADED,
	 false},
	{"namespaces unprivileged: in a user namespace",
	 H_USER,
	 E,
	 NULL,
	 {"ns"},
	 "namespace user",
	 LAYER_NAMESPACES,
	 PLAN_ENFORCED,
	 false},
	/* limits: per sandbox, or per process and refused unless degraded */
	{"memory: cgroup per sandbox",
	 H_ROOT_HERE,
	 E,
	 NULL,
	 {"memory 100M"},
	 "limit memory 100M per sandbox",
	 LAYER_CGROUP,
	 PLAN_ENFORCED,
	 false},
	{"memory: a delegated v2 cgroup unprivileged",
	 H_V2_USER,
	 E,
	 NULL,
	 {"memory 100M"},
	 "limit memory 100M per sandbox",
	 LAYER_CGROUP,
	 PLAN_ENFORCED,
	 false},
	{"memory per process only: refused",
	 H_USER,
	 E,
	 NULL,
	 {"memory 100M"},
	 "limit memory 100M per process, not per sandbox",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	{"memory per process, --allow-degraded limits",
	 H_USER,
	 E,
	 "limits",
	 {"memory 100M"},
	 "limit memory 100M per process, not per sandbox",
	 LAYER_RLIMIT,
	 PLAN_DEGRADED,
	 false},
	{"memory per process in audit mode: held, degraded",
	 H_USER,
	 A,
	 NULL,
	 {"memory 100M"},
	 "limit memory 100M per process",
	 LAYER_RLIMIT,
	 PLAN_DEGRADED,
	 false},
	/* Unprivileged, RLIMIT_NPROC inside the sandbox's own user namespace
	 * counts only the sandbox's tasks: per sandbox, not refused. */
	{"pids unprivileged: RLIMIT_NPROC in the sandbox's user namespace",
	 H_USER,
	 E,
	 NULL,
	 {"pids 32"},
	 "limit pids 32 per sandbox",
	 LAYER_RLIMIT,
	 PLAN_ENFORCED,
	 false},
	{"pids of a profile, unprivileged: per sandbox too",
	 H_USER,
	 E,
	 NULL,
	 {"profile-pids 512"},
	 "limit pids 512 per sandbox",
	 LAYER_RLIMIT,
	 PLAN_ENFORCED,
	 false},
	{"pids: cgroup as root",
	 H_FULL,
	 E,
	 NULL,
	 {"pids 32"},
	 "limit pids 32 per sandbox",
	 LAYER_CGROUP,
	 PLAN_ENFORCED,
	 false},
	{"cpu without a controller: refused",
	 H_USER,
	 E,
	 NULL,
	 {"cpu 50"},
	 "limit cpu 50%",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	{"cpu degraded: not enforced at all",
	 H_USER,
	 E,
	 "limits",
	 {"cpu 50"},
	 "limit cpu 50%",
	 LAYER_NONE,
	 PLAN_DEGRADED,
	 false},
	{"cpu_time: per process by definition",
	 H_USER,
	 E,
	 NULL,
	 {"cpu_time 5"},
	 "limit cpu_time 5s per process",
	 LAYER_RLIMIT,
	 PLAN_ENFORCED,
	 false},
	{"nofile: per process by definition",
	 H_ROOT_HERE,
	 E,
	 NULL,
	 {"nofile 64"},
	 "limit nofile 64 per process",
	 LAYER_RLIMIT,
	 PLAN_ENFORCED,
	 false},
	{"listen without bind, host net, TCP allowed: the supervisor",
	 H_USER,
	 E,
	 NULL,
	 {"net tcp://*:443"},
	 "no TCP listen without bind",
	 LAYER_SUPERVISOR,
	 PLAN_ENFORCED,
	 false},
	{"listen without bind, BPF LSM loaded: its socket_listen hook",
	 H_FULL,
	 E,
	 NULL,
	 {"bind 8000-8100"},
	 "no TCP listen without bind",
	 LAYER_BPF_LSM,
	 PLAN_ENFORCED,
	 false},
	{"listen without bind, a bind range: the supervisor",
	 H_ROOT_HERE,
	 E,
	 NULL,
	 {"bind 8000-8100"},
	 "no TCP listen without bind",
	 LAYER_SUPERVISOR,
	 PLAN_ENFORCED,
	 false},
	{"listen without bind, audit mode: reported",
	 H_USER,
	 A,
	 NULL,
	 {"bind 8000-8100"},
	 "no TCP listen without bind",
	 LAYER_SUPERVISOR,
	 PLAN_AUDITED,
	 false},
	{"listen without bind, no user notification: refused",
	 H_NO_NOTIF,
	 E,
	 NULL,
	 {"bind 8000-8100"},
	 "no TCP listen without bind",
	 LAYER_NONE,
	 PLAN_UNENFORCEABLE,
	 true},
	{"listen without bind, no user notification, degraded: said so",
	 H_NO_NOTIF,
	 E,
	 "supervisor",
	 {"net tcp://*:443"},
	 "no TCP listen without bind",
	 LAYER_NONE,
	 PLAN_DEGRADED,
	 false},
	{"listen without bind, own netns: only its lo",
	 H_USER,
	 E,
	 NULL,
	 {"ns net"},
	 "net: TCP listen without bind",
	 LAYER_NAMESPACES,
	 PLAN_ENFORCED,
	 false},
	{"timeout: the monitor",
	 H_USER,
	 E,
	 NULL,
	 {"timeout 10s"},
	 "limit timeout 10s",
	 LAYER_MONITOR,
	 PLAN_ENFORCED,
	 false},
};

static const struct plan_entry *find_entry(const struct plan *plan, const char *what)
{
	VEC_FOREACH(&plan->entries, e)
	if (strstr(e->rule, what))
		return e;
	return NULL;
}

static void dump(const struct plan *plan)
{
	VEC_FOREACH(&plan->entries, e)
	print_message("    %-50s %-10s %s (%s)\n", e->rule, ward_layer_name(e->layer),
		      plan_status_name(e->status), e->note);
}

static struct ward_policy *policy_of(const struct plan_case *c)
{
	struct ward_policy *p = ward_policy_new();
	assert_non_null(p);
	for (size_t i = 0; i < 6 && c->rules[i]; i++)
		add_rule(p, c->rules[i]);
	p->mode = c->mode;
	if (c->degraded) {
		ward_error err = {0};
		struct ward_loc loc = {.file = "test"};
		assert_int_equal(policy_add_degraded(p, c->degraded, loc, &err), 0);
	}
	return p;
}

static void test_placement_table(void **state)
{
	(void)state;
	unsigned failures = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct plan_case *c = &cases[i];
		struct host_features host;
		host_of(c->host, &host);
		struct ward_policy *p = policy_of(c);
		struct plan plan;
		ward_error err = {0};
		int r = plan_build(p, &host, &plan, &err);
		const struct plan_entry *e = find_entry(&plan, c->entry);
		bool ok = e && (c->layer == ANY_LAYER || e->layer == c->layer) &&
			  e->status == c->status && plan.refused == c->refused &&
			  (r == -EPERM) == c->refused && (r == 0 || r == -EPERM);
		if (ok && c->refused && !strstr(err.message, "--allow-degraded"))
			ok = false;
		if (!ok) {
			failures++;
			print_message("FAIL %s: '%s' wanted %s/%s refused=%d; got %s/%s refused=%d "
				      "(r=%d %s)\n",
				      c->name, c->entry, ward_layer_name(c->layer),
				      plan_status_name(c->status), c->refused,
				      e ? ward_layer_name(e->layer) : "no entry",
				      e ? plan_status_name(e->status) : "-", plan.refused, r,
				      err.message);
			dump(&plan);
		}
		plan_free(&plan);
		ward_policy_free(p);
	}
	assert_int_equal(failures, 0);
}

/* The sections the layers read hold exactly the rules the plan placed on
 * them: a deny given to Landlock is not in the BPF inode rules. */
static void test_sections_hold_only_placed_rules(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_FULL, &host);
	struct ward_policy *p = ward_policy_new();
	add_rule(p, "read /etc");
	add_rule(p, "deny /etc/shadow"); /* inside the /etc grant: BPF LSM */
	add_rule(p, "deny /var/log");	 /* outside every grant: Landlock */
	add_rule(p, "exec /usr");
	add_rule(p, "noexec /usr/bin/git"); /* inside the exec grant: BPF LSM */
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(p, &host, &plan, &err), 0);
	assert_int_equal(plan.bpf_inode_rules.len, 2);
	assert_string_equal(plan.bpf_inode_rules.items[0].path, "/etc/shadow");
	assert_int_equal(plan.bpf_inode_rules.items[0].rule_id, 1); /* net.len 0 + fs index 1 */
	assert_string_equal(plan.bpf_inode_rules.items[1].path, "/usr/bin/git");
	assert_int_equal(plan.bpf_inode_rules.items[1].access, WARD_FS_EXEC);
	assert_int_equal(plan.bpf_inode_rules.items[1].rule_id, 3 + 1); /* fs.len 3 + exec 1 */
	assert_int_equal(plan.sup_fs_rules.len, 0);
	/* every BPF inode rule has a plan entry naming BPF LSM, and back */
	size_t bpf_entries = 0;
	VEC_FOREACH(&plan.entries, e)
	if (e->layer == LAYER_BPF_LSM &&
	    (strstr(e->rule, "fs deny") || strstr(e->rule, "exec deny")))
		bpf_entries++;
	assert_int_equal(bpf_entries, plan.bpf_inode_rules.len);
	plan_free(&plan);

	/* audit mode without BPF: the supervisor gets the inside-grant deny only */
	host_of(H_USER, &host);
	p->mode = WARD_MODE_AUDIT;
	assert_int_equal(plan_build(p, &host, &plan, &err), 0);
	assert_int_equal(plan.bpf_inode_rules.len, 0);
	assert_int_equal(plan.sup_fs_rules.len, 1);
	assert_string_equal(plan.sup_fs_rules.items[0].path, "/etc/shadow");
	plan_free(&plan);
	ward_policy_free(p);
}

/* A deny the BPF LSM holds keeps its inode in the mount namespace: its
 * metadata mask is the file bound onto itself read-only (an empty mask
 * would answer every open itself, and the BPF LSM, its events and
 * kill_after would never see one). Without BPF LSM the mask hides it. */
static const struct plan_fs_mask *mask_of(const struct plan *plan, const char *path)
{
	VEC_FOREACH(&plan->fs_masks, m)
	if (!strcmp(m->path, path))
		return m;
	return NULL;
}

static void test_bpf_lsm_deny_keeps_its_inode(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_FULL, &host);
	struct ward_policy *p = ward_policy_new();
	add_rule(p, "read /etc");
	add_rule(p, "deny /etc/shadow");
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(p, &host, &plan, &err), 0);
	assert_int_equal(plan.bpf_inode_rules.len, 1);
	const struct plan_fs_mask *m = mask_of(&plan, "/etc/shadow");
	assert_non_null(m);
	assert_false(m->hide);
	assert_int_equal(m->keep, WARD_FS_READ | WARD_FS_EXEC); /* read-only, not empty */
	plan_free(&plan);

	host_of(H_USER, &host); /* control: no BPF LSM, the mask holds the deny */
	assert_int_equal(plan_build(p, &host, &plan, &err), 0);
	assert_int_equal(plan.bpf_inode_rules.len, 0);
	m = mask_of(&plan, "/etc/shadow");
	assert_non_null(m);
	assert_true(m->hide);
	plan_free(&plan);
	ward_policy_free(p);
}

/* plan.limits is what cgroup.c and rlimit.c apply: layer, value, scope. */
/* listen-without-bind sets exactly the section of the layer it was placed
 * on, and nothing when port 0 may be bound anyway. */
static void test_listen_section(void **state)
{
	(void)state;
	static const struct {
		enum host_kind host;
		const char *rule;
		bool lsm, sup;
	} listen_cases[] = {
		{H_FULL, "bind 8000-8100", true, false},
		{H_USER, "bind 8000-8100", false, true},
		{H_USER, "bind 0", false, false},
		{H_USER, "net tcp://*:443", false, true},
	};
	for (size_t i = 0; i < sizeof(listen_cases) / sizeof(listen_cases[0]); i++) {
		struct host_features host;
		host_of(listen_cases[i].host, &host);
		struct ward_policy *p = ward_policy_new();
		add_rule(p, listen_cases[i].rule);
		struct plan plan;
		ward_error err = {0};
		assert_int_equal(plan_build(p, &host, &plan, &err), 0);
		assert_int_equal(plan.bpf_lsm_listen, listen_cases[i].lsm);
		assert_int_equal(plan.sup_listen, listen_cases[i].sup);
		assert_int_equal(find_entry(&plan, "no TCP listen without bind") != NULL,
				 listen_cases[i].lsm || listen_cases[i].sup);
		plan_free(&plan);
		ward_policy_free(p);
	}
}

/* The unix rule freezes (so tracks forks) only where the kernel must judge
 * a call as the caller: Landlock's scope on the host's network, or
 * Landlock's TCP connect rules. In its own network, nothing. */
static void test_unix_freeze_section(void **state)
{
	(void)state;
	static const struct {
		const char *rules[3];
		bool may_freeze;
		enum host_kind host;
		bool trap;
	} unix_cases[] = {
		{{"read /usr"}, true, H_USER, true},
		{{"read /usr", "ns"}, false, H_USER, true},
		{{"read /usr", "ns", "net tcp://*:443"}, true, H_USER, true},
		/* Where the BPF LSM's unix hooks hold the rule there is no
		 * trap, so no IP call is ever ward's thread's. */
		{{"read /usr", "ns", "net tcp://10.0.0.1"}, false, H_FULL, false},
		/* cgroup BPF judges the calling task: IP calls are the
		 * kernel's, frozen, never ward's thread's (red6). */
		{{"read /usr", "net udp://10.0.0.1:53"}, true, H_ROOT_HERE, true},
	};
	for (size_t i = 0; i < sizeof(unix_cases) / sizeof(unix_cases[0]); i++) {
		struct host_features host;
		host_of(unix_cases[i].host, &host);
		struct ward_policy *p = ward_policy_new();
		for (size_t r = 0; r < 3 && unix_cases[i].rules[r]; r++)
			add_rule(p, unix_cases[i].rules[r]);
		struct plan plan;
		ward_error err = {0};
		assert_int_equal(plan_build(p, &host, &plan, &err), 0);
		if (plan.sup_unix.trap != unix_cases[i].trap ||
		    plan.sup_unix.may_freeze != unix_cases[i].may_freeze ||
		    (unix_cases[i].host == H_FULL && !plan.bpf_lsm_net)) {
			dump(&plan);
			fail_msg("case %zu: trap %d may_freeze %d", i, plan.sup_unix.trap,
				 plan.sup_unix.may_freeze);
		}
		plan_free(&plan);
		ward_policy_free(p);
	}
}

/* Where the BPF LSM's unix hooks load, they hold the pathname unix rule:
 * no supervisor trap; where they do not, the supervisor does. */
static void test_unix_bpf_lsm(void **state)
{
	(void)state;
	static const struct {
		enum host_kind host;
		bool lsm;
	} ucases[] = {{H_FULL, true}, {H_USER, false}, {H_ROOT_HERE, false}};
	for (size_t i = 0; i < sizeof(ucases) / sizeof(ucases[0]); i++) {
		struct host_features host;
		host_of(ucases[i].host, &host);
		struct ward_policy *p = ward_policy_new();
		add_rule(p, "read /usr");
		add_rule(p, "write /tmp");
		struct plan plan;
		ward_error err = {0};
		assert_int_equal(plan_build(p, &host, &plan, &err), 0);
		const struct plan_entry *e = find_entry(&plan, "pathname unix sockets");
		if (!e || plan.bpf_lsm_unix != ucases[i].lsm || plan.sup_unix.trap == ucases[i].lsm ||
		    e->layer != (ucases[i].lsm ? LAYER_BPF_LSM : LAYER_SUPERVISOR) ||
		    (ucases[i].lsm && !plan.sup_unix.roots.len)) {
			dump(&plan);
			fail_msg("case %zu: lsm_unix %d trap %d", i, plan.bpf_lsm_unix,
				 plan.sup_unix.trap);
		}
		plan_free(&plan);
		ward_policy_free(p);
	}
}

static void test_limits_section(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_USER, &host);
	struct ward_policy *p = ward_policy_new();
	add_rule(p, "memory 100M");
	add_rule(p, "nofile 64");
	add_rule(p, "timeout 1s");
	ward_error err = {0};
	assert_int_equal(policy_add_degraded(p, "limits", (struct ward_loc){.file = "t"}, &err), 0);
	struct plan plan;
	assert_int_equal(plan_build(p, &host, &plan, &err), 0);
	const struct plan_limit *m = &plan.limits[WARD_LIMIT_MEMORY];
	assert_true(m->set);
	assert_int_equal(m->layer, LAYER_RLIMIT);
	assert_int_equal(m->scope, PLAN_SCOPE_PROCESS);
	assert_int_equal(m->value, 100ull << 20);
	assert_int_equal(plan.limits[WARD_LIMIT_NOFILE].layer, LAYER_RLIMIT);
	assert_int_equal(plan.limits[WARD_LIMIT_TIMEOUT_MS].layer, LAYER_MONITOR);
	assert_false(plan.limits[WARD_LIMIT_PIDS].set);
	assert_false(plan.cgroup);
	plan_free(&plan);

	host_of(H_ROOT_HERE, &host);
	assert_int_equal(plan_build(p, &host, &plan, &err), 0);
	assert_int_equal(plan.limits[WARD_LIMIT_MEMORY].layer, LAYER_CGROUP);
	assert_int_equal(plan.limits[WARD_LIMIT_MEMORY].scope, PLAN_SCOPE_SANDBOX);
	assert_true(plan.cgroup);
	plan_free(&plan);
	ward_policy_free(p);
}

/* A refused limit is held by nothing: no layer may apply it. */
static void test_refused_limit_is_not_applied(void **state)
{
	(void)state;
	struct host_features host;
	host_of(H_USER, &host);
	struct ward_policy *p = ward_policy_new();
	add_rule(p, "memory 100M");
	struct plan plan;
	ward_error err = {0};
	assert_int_equal(plan_build(p, &host, &plan, &err), -EPERM);
	assert_non_null(strstr(err.message, "per process, not per sandbox"));
	assert_non_null(strstr(err.message, "--allow-degraded limits"));
	assert_false(plan.limits[WARD_LIMIT_MEMORY].set);
	plan_free(&plan);
	ward_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement_table),
		cmocka_unit_test(test_sections_hold_only_placed_rules),
		cmocka_unit_test(test_bpf_lsm_deny_keeps_its_inode),
		cmocka_unit_test(test_listen_section),
		cmocka_unit_test(test_unix_freeze_section),
		cmocka_unit_test(test_unix_bpf_lsm),
		cmocka_unit_test(test_limits_section),
		cmocka_unit_test(test_refused_limit_is_not_applied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
