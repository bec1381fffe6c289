/* test_cgroup_bpf.c — ward's cgroup sock_addr programs against the real
 * kernel: a process moved into a sandbox cgroup gets EPERM from connect,
 * sendto and bind where the rules say so (also through an IPv4-mapped IPv6
 * address and from a child cgroup), a process elsewhere is untouched, audit
 * mode allows and reports exactly once, and the pinned maps are left clean.
 * Skips, saying why, when not root or when the programs cannot load here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf/bpf_internal.h"
#include "bpf/bpf_layer.h"
#include "events/events.h"
#include "plan/plan.h"
#include "policy/policy.h"

static char cg_root[64]; /* the v2 hierarchy */
static char skip_why[512];

/* ---- fixtures: cgroups, listeners, a child in a cgroup ---- */

struct cgroup {
	char path[256];
	uint64_t id;
	int fd;
};

static void cgroup_make(struct cgroup *cg, const char *parent, const char *name)
{
	snprintf(cg->path, sizeof(cg->path), "%s/%s", parent, name);
	rmdir(cg->path);
	assert_int_equal(mkdir(cg->path, 0755), 0);
	struct stat st;
	assert_int_equal(stat(cg->path, &st), 0);
	cg->id = st.st_ino; /* a v2 cgroup's id is its kernfs inode number */
	cg->fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cg->fd >= 0);
}

static void cgroup_remove(struct cgroup *cg)
{
	close(cg->fd);
	rmdir(cg->path);
}

static void enter_cgroup(const char *path)
{
	char procs[300];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	int fd = open(procs, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(200);
	close(fd);
}

/* Runs OP in a child moved into cgroup PATH; returns 0 or the errno OP hit. */
static int run_in(const char *path, int (*op)(const void *arg), const void *arg)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		enter_cgroup(path);
		_exit(op(arg));
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 200); /* could not enter the cgroup */
	return WEXITSTATUS(status);
}

static int tcp_listener(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A loopback TCP port free right now (bound to 0, read back, closed). */
static uint16_t free_port(void)
{
	uint16_t port;
	int fd = tcp_listener(&port);
	close(fd);
	return port;
}

struct target {
	int family; /* AF_INET, or AF_INET6 for ::ffff:127.0.0.1 */
	int type;   /* SOCK_STREAM: connect; SOCK_DGRAM: sendto; 0: bind */
	uint16_t port;
};

static int net_op(const void *arg)
{
	const struct target *t = arg;
	int type = t->type ? t->type : SOCK_STREAM;
	int fd = socket(t->family, type, 0);
	if (fd < 0)
		return errno;
	struct sockaddr_storage ss = {0};
	socklen_t len;
	if (t->family == AF_INET) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
		sa->sin_family = AF_INET;
		sa->sin_port = htons(t->port);
		sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sa);
	} else {
		int off = 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(t->port);
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &sa->sin6_addr);
		len = sizeof(*sa);
	}
	int r;
	if (t->type == 0)
		r = bind(fd, (struct sockaddr *)&ss, len);
	else if (t->type == SOCK_DGRAM)
		r = sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) == 1 ? 0 : -1;
	else
		r = connect(fd, (struct sockaddr *)&ss, len);
	int saved = r < 0 ? errno : 0;
	close(fd);
	return saved;
}

/* ---- a policy built by hand ---- */

static void add_rule(struct ward_policy *policy, const char *text, bool deny, enum net_proto proto,
		     int family, const char *addr, uint8_t prefix, uint16_t port)
{
	struct net_rule rule = {.deny = deny, .proto = proto, .family = family, .prefix = prefix};
	if (family)
		assert_int_equal(inet_pton(family, addr, rule.addr), 1);
	if (port) {
		rule.nports = 1;
		rule.ports[0].lo = rule.ports[0].hi = port;
	}
	rule.text = strdup(text);
	assert_int_equal(VEC_PUSH(&policy->net, rule), 0);
}

static void policy_clear(struct ward_policy *policy)
{
	VEC_FOREACH(&policy->net, r)
	free(r->text);
	VEC_FREE(&policy->net);
	VEC_FREE(&policy->bind);
}

struct captured {
	int count;
	char last[2048];
};

static void capture_event(const char *json, void *userdata)
{
	struct captured *c = userdata;
	c->count++;
	snprintf(c->last, sizeof(c->last), "%s", json);
}

struct world {
	struct cgroup sandbox, child, outside;
	int listen_fd;
	uint16_t open_port, closed_port;
	int spare_fd;
	struct ward_policy policy;
	struct plan plan;
	struct captured events;
	struct event_sink sink;
	struct bpf_sandbox *sb;
};

static int world_setup(void **state)
{
	if (skip_why[0])
		return 0;
	struct world *w = calloc(1, sizeof(*w));
	char name[64];
	snprintf(name, sizeof(name), "ward-test-cgbpf-%d", getpid());
	cgroup_make(&w->sandbox, cg_root, name);
	cgroup_make(&w->child, w->sandbox.path, "child");
	snprintf(name, sizeof(name), "ward-test-cgbpf-outside-%d", getpid());
	cgroup_make(&w->outside, cg_root, name);
	w->listen_fd = tcp_listener(&w->open_port);
	w->spare_fd = tcp_listener(&w->closed_port);
	w->plan.cgroup_bpf_net = true;
	w->sink.fn = capture_event;
	w->sink.userdata = &w->events;
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;
	if (!w)
		return 0;
	bpf_sandbox_destroy(w->sb);
	plan_free(&w->plan);
	policy_clear(&w->policy);
	close(w->listen_fd);
	close(w->spare_fd);
	cgroup_remove(&w->child);
	cgroup_remove(&w->sandbox);
	cgroup_remove(&w->outside);
	free(w);
	return 0;
}

/* The BPF layer reads only the plan: place the policy's address rules and
 * bind ports on it, as the planner does when BPF holds the network. */
static void place_on_bpf(const struct ward_policy *policy, struct plan *plan)
{
	VEC_FREE(&plan->bpf_net_rules);
	VEC_FREE(&plan->bpf_bind_ports);
	VEC_FOREACH(&policy->net, n)
	{
		struct plan_net_rule pr = {.rule = *n,
					   .rule_id = (uint32_t)(n - policy->net.items)};
		assert_int_equal(VEC_PUSH(&plan->bpf_net_rules, pr), 0);
	}
	VEC_FOREACH(&policy->bind, b)
	assert_int_equal(VEC_PUSH(&plan->bpf_bind_ports, b->range), 0);
	if (plan->bpf_escalate)
		plan->bpf_kill_after = policy->kill_after;
}

static void create_sandbox(struct world *w)
{
	ward_error err = {0};
	place_on_bpf(&w->policy, &w->plan);
	int r = bpf_sandbox_create(&w->plan, w->sandbox.id, w->sandbox.fd, &w->sink, &w->sb, &err);
	if (r < 0)
		fail_msg("bpf_sandbox_create: %s", err.message);
}

#define SKIP_IF_UNUSABLE()                                     \
	do {                                                   \
		if (skip_why[0]) {                             \
			print_message("SKIP: %s\n", skip_why); \
			skip();                                \
		}                                              \
	} while (0)

/* ---- enforcement ---- */

static void test_connect_outside_allowed_port_is_eperm(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	add_rule(&w->policy, "tcp://127.0.0.1:open", false, NET_PROTO_TCP, AF_INET, "127.0.0.1", 32,
		 w->open_port);
	create_sandbox(w);

	struct target open = {AF_INET, SOCK_STREAM, w->open_port};
	struct target closed = {AF_INET, SOCK_STREAM, w->closed_port};
	assert_int_equal(run_in(w->sandbox.path, net_op, &open), 0);
	assert_int_equal(run_in(w->sandbox.path, net_op, &closed), EPERM);
	/* the same from an unmanaged cgroup: untouched */
	assert_int_equal(run_in(w->outside.path, net_op, &closed), 0);

	assert_int_equal(bpf_sandbox_poll_events(w->sb), 1);
	assert_non_null(strstr(w->events.last, "\"type\":\"deny\""));
	assert_non_null(strstr(w->events.last, "\"layer\":\"cgroup-bpf\""));
	assert_non_null(strstr(w->events.last, "\"rule\":\"default deny\""));
}

static void test_v4_mapped_connect_is_denied(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	add_rule(&w->policy, "*", false, NET_PROTO_ANY, 0, NULL, 0, 0);
	add_rule(&w->policy, "127.0.0.0/8", true, NET_PROTO_ANY, AF_INET, "127.0.0.0", 8, 0);
	create_sandbox(w);

	struct target v4 = {AF_INET, SOCK_STREAM, w->open_port};
	struct target mapped = {AF_INET6, SOCK_STREAM, w->open_port};
	assert_int_equal(run_in(w->sandbox.path, net_op, &v4), EPERM);
	assert_int_equal(run_in(w->sandbox.path, net_op, &mapped), EPERM);
	assert_int_equal(run_in(w->outside.path, net_op, &mapped), 0);

	assert_int_equal(bpf_sandbox_poll_events(w->sb), 2);
	assert_non_null(strstr(w->events.last, "\"rule\":\"127.0.0.0/8\""));
	assert_non_null(strstr(w->events.last, "\"address\":\"127.0.0.1\""));
	assert_non_null(strstr(w->events.last, "\"family\":\"inet\""));
}

static void test_udp_sendto_denied_cidr_is_eperm(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	add_rule(&w->policy, "*", false, NET_PROTO_ANY, 0, NULL, 0, 0);
	add_rule(&w->policy, "udp://127.0.0.0/8", true, NET_PROTO_UDP, AF_INET, "127.0.0.0", 8, 0);
	create_sandbox(w);

	struct target udp = {AF_INET, SOCK_DGRAM, w->open_port};
	struct target udp_mapped = {AF_INET6, SOCK_DGRAM, w->open_port};
	struct target tcp = {AF_INET, SOCK_STREAM, w->open_port};
	assert_int_equal(run_in(w->sandbox.path, net_op, &udp), EPERM);
	assert_int_equal(run_in(w->sandbox.path, net_op, &udp_mapped), EPERM);
	assert_int_equal(run_in(w->sandbox.path, net_op, &tcp), 0); /* the rule is UDP only */
	assert_int_equal(run_in(w->outside.path, net_op, &udp), 0);
}

static void test_child_cgroup_is_still_denied(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	add_rule(&w->policy, "*", false, NET_PROTO_ANY, 0, NULL, 0, 0);
	add_rule(&w->policy, "127.0.0.1", true, NET_PROTO_TCP, AF_INET, "127.0.0.1", 32, 0);
	create_sandbox(w);

	struct target tcp = {AF_INET, SOCK_STREAM, w->open_port};
	assert_int_equal(run_in(w->child.path, net_op, &tcp), EPERM);
	assert_int_equal(bpf_sandbox_poll_events(w->sb), 1);
	char want[64];
	snprintf(want, sizeof(want), "\"cgroup\":%llu", (unsigned long long)w->child.id);
	assert_non_null(strstr(w->events.last, want));
}

static void test_bind_outside_bind_ports_is_eperm(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	add_rule(&w->policy, "*", false, NET_PROTO_ANY, 0, NULL, 0, 0);
	/* Ports the kernel just handed out and nobody holds: fixed numbers
	 * failed with EADDRINUSE when another test run held them. */
	uint16_t listed_port = free_port(), unlisted_port = free_port();
	while (unlisted_port == listed_port)
		unlisted_port = free_port();
	struct bind_rule allowed = {.range = {listed_port, listed_port}};
	assert_int_equal(VEC_PUSH(&w->policy.bind, allowed), 0);
	create_sandbox(w);

	struct target listed = {AF_INET, 0, listed_port};
	struct target unlisted = {AF_INET, 0, unlisted_port};
	struct target ephemeral = {AF_INET, 0, 0};
	assert_int_equal(run_in(w->sandbox.path, net_op, &listed), 0);
	assert_int_equal(run_in(w->sandbox.path, net_op, &ephemeral), 0);
	assert_int_equal(run_in(w->sandbox.path, net_op, &unlisted), EPERM);
	assert_int_equal(run_in(w->outside.path, net_op, &unlisted), 0);
}

static void test_audit_mode_allows_and_reports_once(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	w->plan.mode = WARD_MODE_AUDIT;
	add_rule(&w->policy, "127.0.0.0/8", true, NET_PROTO_ANY, AF_INET, "127.0.0.0", 8, 0);
	create_sandbox(w);

	struct target tcp = {AF_INET, SOCK_STREAM, w->open_port};
	assert_int_equal(run_in(w->sandbox.path, net_op, &tcp), 0);
	assert_int_equal(bpf_sandbox_poll_events(w->sb), 1);
	assert_int_equal(w->events.count, 1);
	assert_non_null(strstr(w->events.last, "\"type\":\"audit\""));
}

/* ---- lifetime ---- */

static bool sandbox_in_map(uint64_t cgid)
{
	int fd = bpf_map_pinned_fd("ward_sandboxes");
	struct ward_sandbox_cfg cfg;
	bool found = fd >= 0 && bpf_map_lookup_elem(fd, &cgid, &cfg) == 0;
	if (fd >= 0)
		close(fd);
	return found;
}

static size_t net4_entries_of(uint64_t cgid)
{
	int fd = bpf_map_pinned_fd("ward_net4");
	struct ward_net4_key key, prev;
	size_t n = 0;
	const void *prevp = NULL;
	while (fd >= 0 && bpf_map_get_next_key(fd, prevp, &key) == 0) {
		if ((((uint64_t)key.cgid_hi << 32) | key.cgid_lo) == cgid)
			n++;
		prev = key;
		prevp = &prev;
	}
	if (fd >= 0)
		close(fd);
	return n;
}

static void test_destroy_removes_every_entry(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	add_rule(&w->policy, "10.0.0.0/8", false, NET_PROTO_TCP, AF_INET, "10.0.0.0", 8, 443);
	add_rule(&w->policy, "10.1.0.0/16", true, NET_PROTO_TCP, AF_INET, "10.1.0.0", 16, 0);
	create_sandbox(w);
	assert_true(sandbox_in_map(w->sandbox.id));
	assert_int_equal(net4_entries_of(w->sandbox.id), 2);

	bpf_sandbox_destroy(w->sb);
	w->sb = NULL;
	assert_false(sandbox_in_map(w->sandbox.id));
	assert_int_equal(net4_entries_of(w->sandbox.id), 0);
	/* and the cgroup is no longer judged: the default deny is gone */
	struct target tcp = {AF_INET, SOCK_STREAM, w->open_port};
	assert_int_equal(run_in(w->sandbox.path, net_op, &tcp), 0);
}

static void test_gc_collects_sandbox_whose_cgroup_is_gone(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	struct cgroup doomed;
	char name[64];
	snprintf(name, sizeof(name), "ward-test-cgbpf-doomed-%d", getpid());
	cgroup_make(&doomed, cg_root, name);
	ward_error err = {0};
	struct bpf_sandbox *sb = NULL;
	place_on_bpf(&w->policy, &w->plan);
	assert_int_equal(bpf_sandbox_create(&w->plan, doomed.id, doomed.fd, NULL, &sb, &err), 0);
	create_sandbox(w); /* alive: must survive the collection */

	cgroup_remove(&doomed); /* as if its ward had died and the cgroup been reaped */
	assert_true(bpf_gc_stale() >= 1);
	assert_false(sandbox_in_map(doomed.id));
	assert_true(sandbox_in_map(w->sandbox.id));
	bpf_sandbox_destroy(sb); /* removing what is already gone is harmless */
}

static void test_pinned_programs_are_reused(void **state)
{
	SKIP_IF_UNUSABLE();
	(void)state;
	int fd1 = bpf_prog_pinned_fd(&bpf_progs[0]);
	assert_true(fd1 >= 0);
	struct bpf_prog_info a = {0}, b = {0};
	uint32_t len = sizeof(a);
	assert_int_equal(bpf_obj_get_info_by_fd(fd1, &a, &len), 0);
	char why[512];
	assert_true(bpf_layer_cgroup_net_usable(why, sizeof(why)));
	int fd2 = bpf_prog_pinned_fd(&bpf_progs[0]);
	len = sizeof(b);
	assert_int_equal(bpf_obj_get_info_by_fd(fd2, &b, &len), 0);
	assert_int_equal(a.id, b.id); /* the same program: not loaded again */
	close(fd1);
	close(fd2);
}

static uint32_t pinned_prog_id(const struct bpf_prog_desc *desc)
{
	int fd = bpf_prog_pinned_fd(desc);
	assert_true(fd >= 0);
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	return info.id;
}

/* A pin left by another build of ward (same layout, other programs) is
 * replaced on the next load, then reused. */
static void test_pins_of_another_build_are_replaced(void **state)
{
	SKIP_IF_UNUSABLE();
	(void)state;
	uint32_t before = pinned_prog_id(&bpf_progs[0]);
	char path[512];
	snprintf(path, sizeof(path), "%s/ward_build", bpf_pin_dir());
	int map = bpf_obj_get(path);
	assert_true(map >= 0);
	uint32_t key = 0; /* bpf_progs[0]'s slot */
	uint64_t other_build = 42;
	assert_int_equal(bpf_map_update_elem(map, &key, &other_build, BPF_ANY), 0);
	close(map);

	struct bpf_prog_state states[64];
	ward_error err = {0};
	assert_true(bpf_progs_count <= 64);
	assert_int_equal(bpf_progs_load(bpf_progs[0].object, states, &err), 0);
	uint32_t replaced = pinned_prog_id(&bpf_progs[0]);
	assert_int_not_equal(before, replaced);
	assert_int_equal(bpf_progs_load(bpf_progs[0].object, states, &err), 0);
	assert_int_equal(pinned_prog_id(&bpf_progs[0]), replaced); /* this build's: reused */
}

/* ---- compilation of rules (no kernel) ---- */

/* ---- escalation: LSM only ---- */

/* The cgroup programs never kill: a policy asking for kill_after must be
 * refused rather than run on them as if it had its escalation. */
static void test_kill_after_on_cgroup_programs_alone_is_refused(void **state)
{
	SKIP_IF_UNUSABLE();
	struct world *w = *state;
	add_rule(&w->policy, "*", false, NET_PROTO_ANY, 0, NULL, 0, 0);
	w->policy.kill_after = (struct kill_after){.set = true, .denials = 3, .seconds = 10};
	w->plan.bpf_escalate = true; /* as if a planner had placed it */
	ward_error err = {0};
	place_on_bpf(&w->policy, &w->plan);
	int r = bpf_sandbox_create(&w->plan, w->sandbox.id, w->sandbox.fd, &w->sink, &w->sb, &err);
	assert_int_equal(r, -EOPNOTSUPP);
	assert_null(w->sb);
	assert_non_null(strstr(err.message, "kill_after needs the BPF LSM"));
	/* nothing of the refused sandbox stays in the maps */
	int fd = bpf_map_pinned_fd("ward_sandboxes");
	struct ward_sandbox_cfg cfg;
	assert_true(fd >= 0);
	assert_true(bpf_map_lookup_elem(fd, &w->sandbox.id, &cfg) < 0);
	assert_int_equal(errno, ENOENT);
	close(fd);
}

static void test_kill_after_yaml_sets_both_fields(void **state)
{
	(void)state;
	ward_policy *p = ward_policy_new();
	ward_error err = {0};
	assert_non_null(p);
	assert_int_equal(ward_policy_load_string(p, "kill_after: {denials: 5, seconds: 10}\n",
						 "<test>", &err),
			 0);
	assert_true(p->kill_after.set);
	assert_int_equal(p->kill_after.denials, 5);
	assert_int_equal(p->kill_after.seconds, 10);
	ward_policy_free(p);
}

static void test_kill_after_yaml_refuses_half_or_zero(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"kill_after: {denials: 5}\n",
		"kill_after: {seconds: 10}\n",
		"kill_after: {denials: 0, seconds: 10}\n",
		"kill_after: {denials: 5, seconds: 86401}\n",
		"kill_after: {denials: 5, seconds: 10, signal: 9}\n",
		"kill_after: 5\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ward_policy *p = ward_policy_new();
		ward_error err = {0};
		assert_non_null(p);
		if (ward_policy_load_string(p, bad[i], "<test>", &err) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(err.message, "kill_after"));
		assert_false(p->kill_after.set);
		ward_policy_free(p);
	}
}

static void test_compile_carries_covering_rules_most_specific_first(void **state)
{
	(void)state;
	struct ward_policy policy = {0};
	add_rule(&policy, "10.0.0.0/8:443", false, NET_PROTO_TCP, AF_INET, "10.0.0.0", 8, 443);
	add_rule(&policy, "10.1.0.0/16", true, NET_PROTO_ANY, AF_INET, "10.1.0.0", 16, 0);
	add_rule(&policy, "[::ffff:192.168.0.0]/112", true, NET_PROTO_ANY, AF_INET6,
		 "::ffff:192.168.0.0", 112, 0);
	struct bpf_net_prefix *p = NULL;
	size_t n = 0;
	ward_error err = {0};
	struct plan plan = {0};
	place_on_bpf(&policy, &plan);
	assert_int_equal(
		bpf_net_compile(plan.bpf_net_rules.items, plan.bpf_net_rules.len, &p, &n, &err), 0);
	assert_int_equal(n, 3);
	/* 10.1/16 carries its own deny first, then the covering /8 allow */
	assert_int_equal(p[1].prefix, 16);
	assert_int_equal(p[1].value.count, 2);
	assert_int_equal(p[1].value.entries[0].deny, 1);
	assert_int_equal(p[1].value.entries[0].rule_id, 1);
	assert_int_equal(p[1].value.entries[1].deny, 0);
	assert_int_equal(p[1].value.entries[1].port_lo, 443);
	/* an IPv4-mapped IPv6 rule is judged as the IPv4 rule it means */
	assert_int_equal(p[2].family, AF_INET);
	assert_int_equal(p[2].prefix, 16);
	assert_int_equal(p[2].addr[0], 192);
	free(p);
	plan_free(&plan);
	policy_clear(&policy);
}

static void test_compile_refuses_to_truncate(void **state)
{
	(void)state;
	struct ward_policy policy = {0};
	for (int i = 0; i < WARD_MAX_NET_ENTRIES + 1; i++)
		add_rule(&policy, "10.0.0.0/8", true, NET_PROTO_TCP, AF_INET, "10.0.0.0", 8,
			 (uint16_t)(1000 + i));
	struct bpf_net_prefix *p = NULL;
	size_t n = 0;
	ward_error err = {0};
	struct plan plan = {0};
	place_on_bpf(&policy, &plan);
	assert_int_equal(
		bpf_net_compile(plan.bpf_net_rules.items, plan.bpf_net_rules.len, &p, &n, &err),
		-E2BIG);
	assert_null(p);
	plan_free(&plan);
	policy_clear(&policy);
}

/* 10,000 rules of mixed lengths: every compiled prefix carries exactly
 * the rules whose prefix covers it, most specific first (checked against
 * the definition, rule by rule), one entry per distinct masked prefix, and
 * the compile is fast enough for a start (it was quadratic: seconds). */
static bool covers_ref(const struct net_rule *outer, int family, uint8_t prefix, const uint8_t *addr)
{
	if (outer->family && outer->family != family)
		return false;
	if (!outer->family)
		return true;
	if (outer->prefix > prefix)
		return false;
	for (unsigned bit = 0; bit < outer->prefix; bit++) {
		unsigned mask = 0x80u >> (bit % 8);
		if ((outer->addr[bit / 8] & mask) != (addr[bit / 8] & mask))
			return false;
	}
	return true;
}

static void test_compile_scales_and_covers_exactly(void **state)
{
	(void)state;
	struct ward_policy policy = {0};
	char text[64], addr[32];
	for (int i = 0; i < 10000; i++) {
		/* /32s in 10.x.y.1, a /24 every 50, a /16 every 2,000; some twice */
		int len = i % 2000 == 0 ? 16 : i % 50 == 0 ? 24 : 32;
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", (i / 250) % 40, i % 250, 1 + i % 3);
		snprintf(text, sizeof(text), "tcp://%s/%d:443", addr, len);
		add_rule(&policy, text, i % 7 == 0, NET_PROTO_TCP, AF_INET, addr, (uint8_t)len, 443);
	}
	add_rule(&policy, "*", false, NET_PROTO_ANY, 0, NULL, 0, 0);
	struct plan plan = {0};
	place_on_bpf(&policy, &plan);
	struct bpf_net_prefix *p = NULL;
	size_t n = 0;
	ward_error err = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(
		bpf_net_compile(plan.bpf_net_rules.items, plan.bpf_net_rules.len, &p, &n, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* a bound far above what it takes here (~10 ms): a quadratic compile takes seconds */
	assert_true(ms < 2000);
	for (size_t k = 0; k < n; k++) {
		for (size_t j = 0; j < k; j++)
			assert_false(p[j].family == p[k].family && p[j].prefix == p[k].prefix &&
				     memcmp(p[j].addr, p[k].addr, 16) == 0);
		/* the reference: every policy rule that covers this prefix, in
		 * the order the programs scan (longest, deny first, policy order) */
		size_t want = 0;
		int last_prefix = 200, last_deny = 1;
		uint32_t last_id = 0;
		VEC_FOREACH(&policy.net, r)
		{
			if (!covers_ref(r, p[k].family, p[k].prefix, p[k].addr))
				continue;
			want++;
		}
		assert_int_equal(p[k].value.count, want);
		for (size_t e = 0; e < p[k].value.count; e++) {
			const struct ward_net_entry *en = &p[k].value.entries[e];
			const struct net_rule *r = &policy.net.items[en->rule_id];
			assert_true(covers_ref(r, p[k].family, p[k].prefix, p[k].addr));
			int pl = r->family ? r->prefix : 0;
			assert_true(pl < last_prefix || (pl == last_prefix && (int)en->deny < last_deny) ||
				    (pl == last_prefix && (int)en->deny == last_deny && en->rule_id > last_id) ||
				    e == 0);
			last_prefix = pl;
			last_deny = en->deny;
			last_id = en->rule_id;
		}
	}
	free(p);
	plan_free(&plan);
	policy_clear(&policy);
}

static bool find_cgroup2(void)
{
	const char *candidates[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
	for (size_t i = 0; i < 2; i++) {
		struct statfs fs;
		if (statfs(candidates[i], &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) {
			snprintf(cg_root, sizeof(cg_root), "%s", candidates[i]);
			return true;
		}
	}
	return false;
}

int main(void)
{
	if (geteuid() != 0)
		snprintf(skip_why, sizeof(skip_why), "needs root to load BPF and create cgroups");
	else if (!find_cgroup2())
		snprintf(skip_why, sizeof(skip_why), "no cgroup v2 hierarchy mounted");
	else if (!bpf_layer_cgroup_net_usable(skip_why, sizeof(skip_why)))
		; /* skip_why says why */
	else
		skip_why[0] = '\0';
	if (skip_why[0])
		fprintf(stderr, "cgroup-bpf tests skip: %s\n", skip_why);

	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)
		T(test_connect_outside_allowed_port_is_eperm),
		T(test_v4_mapped_connect_is_denied),
		T(test_udp_sendto_denied_cidr_is_eperm),
		T(test_child_cgroup_is_still_denied),
		T(test_bind_outside_bind_ports_is_eperm),
		T(test_audit_mode_allows_and_reports_once),
		T(test_destroy_removes_every_entry),
		T(test_gc_collects_sandbox_whose_cgroup_is_gone),
		T(test_pinned_programs_are_reused),
		T(test_pins_of_another_build_are_replaced),
		T(test_kill_after_on_cgroup_programs_alone_is_refused),
		cmocka_unit_test(test_kill_after_yaml_sets_both_fields),
		cmocka_unit_test(test_kill_after_yaml_refuses_half_or_zero),
		cmocka_unit_test(test_compile_carries_covering_rules_most_specific_first),
		cmocka_unit_test(test_compile_refuses_to_truncate),
		cmocka_unit_test(test_compile_scales_and_covers_exactly),
#undef T
	};
	return cmocka_run_group_tests_name("cgroup_bpf", tests, NULL, NULL);
}
