/* plan_sections.c — the per-layer sections of a plan as JSON (`ward run
 * --dry-run --sections`, ward_policy_plan_sections_json): what each layer
 * receives, for tests that compare it with what the layers installed
 * (tests/integration/test_plan_installed.sh). Not on the start path. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

static json_object *access_json(unsigned access)
{
	json_object *a = json_object_new_array();
	if (access & WARD_FS_READ)
		json_object_array_add(a, json_object_new_string("read"));
	if (access & WARD_FS_WRITE)
		json_object_array_add(a, json_object_new_string("write"));
	if (access & WARD_FS_EXEC)
		json_object_array_add(a, json_object_new_string("exec"));
	return a;
}

static json_object *ports_json(const struct port_range *r, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_new_array();
		json_object_array_add(p, json_object_new_int(r[i].lo));
		json_object_array_add(p, json_object_new_int(r[i].hi));
		json_object_array_add(a, p);
	}
	return a;
}

static json_object *inode_rules_json(const struct plan_inode_rule *r, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(r[i].path));
		json_object_object_add(o, "access", access_json(r[i].access));
		json_object_object_add(o, "exec", json_object_new_boolean(r[i].exec));
		json_object_object_add(o, "rule_id", json_object_new_int64(r[i].rule_id));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *net_rules_json(const struct plan_net_rule *r, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "rule", json_object_new_string(r[i].rule.text));
		json_object_object_add(o, "deny", json_object_new_boolean(r[i].rule.deny));
		json_object_object_add(o, "rule_id", json_object_new_int64(r[i].rule_id));
		json_object_array_add(a, o);
	}
	return a;
}

/* Each entry with where it came from. */
static json_object *strings_json(char *const *s, const struct ward_loc *loc, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char where[300];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "entry", json_object_new_string(s[i]));
		json_object_object_add(
			o, "origin",
			json_object_new_string(ward_loc_format(loc[i], where, sizeof(where))));
		json_object_array_add(a, o);
	}
	return a;
}

static void add_bool(json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

static json_object *landlock_json(const struct plan *p)
{
	json_object *o = json_object_new_object();
	add_bool(o, "on", p->landlock);
	json_object_object_add(o, "abi", json_object_new_int(p->landlock_abi));
	json_object *g = json_object_new_array();
	VEC_FOREACH(&p->fs_grants, x)
	{
		json_object *e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(x->path));
		json_object_object_add(e, "access", access_json(x->access));
		add_bool(e, "optional", x->optional);
		add_bool(e, "private_tmp", x->private_tmp);
		json_object_array_add(g, e);
	}
	json_object_object_add(o, "grants", g);
	json_object *h = json_object_new_array();
	VEC_FOREACH(&p->fs_holes, x)
	{
		json_object *e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(x->path));
		json_object_object_add(e, "access", access_json(x->access));
		json_object_array_add(h, e);
	}
	json_object_object_add(o, "holes", h);
	add_bool(o, "net", p->landlock_net);
	add_bool(o, "tcp_connect_any", p->tcp_connect_any);
	json_object_object_add(o, "tcp_connect_ports",
			       ports_json(p->tcp_connect_ports.items, p->tcp_connect_ports.len));
	json_object_object_add(o, "tcp_bind_ports",
			       ports_json(p->tcp_bind_ports.items, p->tcp_bind_ports.len));
	add_bool(o, "scope", p->landlock_scope);
	return o;
}

static json_object *seccomp_json(const struct plan *p)
{
	json_object *o = json_object_new_object();
	add_bool(o, "on", p->seccomp);
	add_bool(o, "log_only", p->seccomp_log_only);
	add_bool(o, "deny_inet", p->seccomp_deny_inet);
	add_bool(o, "deny_inet_dgram", p->seccomp_deny_inet_dgram);
	add_bool(o, "deny_inet_stream", p->seccomp_deny_inet_stream);
	add_bool(o, "deny_vsock", p->seccomp_deny_vsock);
	add_bool(o, "deny_mptcp", p->seccomp_deny_mptcp);
	add_bool(o, "deny_sctp", p->seccomp_deny_sctp);
	add_bool(o, "deny_ping", p->seccomp_deny_ping);
	add_bool(o, "deny_tfo", p->seccomp_deny_tfo);
	add_bool(o, "deny_srcroute", p->seccomp_deny_srcroute);
	add_bool(o, "deny_memfd", p->seccomp_deny_memfd);
	add_bool(o, "proc_guard", p->seccomp_proc_guard);
	add_bool(o, "file_write_guard", p->seccomp_file_write_guard);
	return o;
}

/* The pathname unix sockets the supervisor holds (plan_unix.c). */
static json_object *sup_unix_json(const struct plan *p)
{
	json_object *o = json_object_new_object();
	add_bool(o, "trap", p->sup_unix.trap);
	add_bool(o, "private_tmpfs", p->sup_unix.private_tmpfs);
	add_bool(o, "may_freeze", p->sup_unix.may_freeze);
	json_object *roots = json_object_new_array();
	VEC_FOREACH(&p->sup_unix.roots, x)
	{
		char where[300];
		json_object *e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(x->path));
		add_bool(e, "allow", x->allow);
		add_bool(e, "explicit_rule", x->explicit_rule);
		json_object_object_add(
			e, "origin",
			json_object_new_string(ward_loc_format(x->loc, where, sizeof(where))));
		json_object_array_add(roots, e);
	}
	json_object_object_add(o, "roots", roots);
	return o;
}

static json_object *sup_json(const struct plan *p)
{
	json_object *o = json_object_new_object();
	add_bool(o, "on", p->supervisor);
	add_bool(o, "fs_deny", p->sup_fs_deny);
	add_bool(o, "exec", p->sup_exec);
	add_bool(o, "net", p->sup_net);
	add_bool(o, "listen", p->sup_listen);
	add_bool(o, "unix_trap", p->sup_unix.trap);
	json_object_object_add(o, "fs_rules",
			       inode_rules_json(p->sup_fs_rules.items, p->sup_fs_rules.len));
	json_object_object_add(o, "net_rules",
			       net_rules_json(p->sup_net_rules.items, p->sup_net_rules.len));
	json_object_object_add(o, "argv_rules",
			       json_object_new_int64((int64_t)p->sup_rules.exec_argv.len));
	add_bool(o, "callback", p->sup_rules.callback != NULL);
	json_object_object_add(o, "unix", sup_unix_json(p));
	return o;
}

static json_object *bpf_json(const struct plan *p)
{
	json_object *o = json_object_new_object();
	add_bool(o, "lsm_fs", p->bpf_lsm_fs);
	add_bool(o, "lsm_exec", p->bpf_lsm_exec);
	add_bool(o, "lsm_net", p->bpf_lsm_net);
	add_bool(o, "lsm_listen", p->bpf_lsm_listen);
	add_bool(o, "lsm_kernel", p->bpf_lsm_kernel);
	add_bool(o, "lsm_unix", p->bpf_lsm_unix);
	add_bool(o, "cgroup_net", p->cgroup_bpf_net);
	add_bool(o, "escalate", p->bpf_escalate);
	json_object_object_add(o, "inode_rules",
			       inode_rules_json(p->bpf_inode_rules.items, p->bpf_inode_rules.len));
	json_object_object_add(o, "net_rules",
			       net_rules_json(p->bpf_net_rules.items, p->bpf_net_rules.len));
	json_object_object_add(o, "bind_ports",
			       ports_json(p->bpf_bind_ports.items, p->bpf_bind_ports.len));
	add_bool(o, "net_acct", p->net_acct);
	return o;
}

static const char *const limit_names[WARD_LIMIT_COUNT_] = {
	[WARD_LIMIT_MEMORY] = "memory",	  [WARD_LIMIT_PIDS] = "pids",
	[WARD_LIMIT_CPU_PERCENT] = "cpu", [WARD_LIMIT_CPU_TIME] = "cpu_time",
	[WARD_LIMIT_NOFILE] = "nofile",	  [WARD_LIMIT_TIMEOUT_MS] = "timeout_ms",
};

static json_object *limits_json(const struct plan *p)
{
	json_object *o = json_object_new_object();
	for (int i = 0; i < WARD_LIMIT_COUNT_; i++) {
		const struct plan_limit *l = &p->limits[i];
		if (!l->set)
			continue;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "value", json_object_new_int64((int64_t)l->value));
		json_object_object_add(e, "layer",
				       json_object_new_string(l->layer == LAYER_NONE
								      ? "-"
								      : ward_layer_name(l->layer)));
		json_object_object_add(e, "scope",
				       json_object_new_string(plan_limit_scope_name(l->scope)));
		json_object_object_add(o, limit_names[i], e);
	}
	return o;
}

static json_object *ns_json(const struct plan *p)
{
	static const struct {
		unsigned bit;
		const char *name;
	} ns[] = {{WARD_NS_NET, "net"},	     {WARD_NS_PID, "pid"},   {WARD_NS_IPC, "ipc"},
		  {WARD_NS_UTS, "uts"},	     {WARD_NS_USER, "user"}, {WARD_NS_MOUNT, "mount"},
		  {WARD_NS_CGROUP, "cgroup"}};
	json_object *o = json_object_new_object();
	json_object *f = json_object_new_array();
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if (p->ns_flags & ns[i].bit)
			json_object_array_add(f, json_object_new_string(ns[i].name));
	json_object_object_add(o, "flags", f);
	add_bool(o, "mount_ns", p->mount_ns);
	add_bool(o, "world", p->world);
	add_bool(o, "net_private", p->net_private);
	add_bool(o, "drop_caps", p->drop_caps);
	json_object *m = json_object_new_array();
	VEC_FOREACH(&p->fs_masks, x)
	{
		json_object *e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(x->path));
		add_bool(e, "hide", x->hide);
		json_object_object_add(e, "keep", access_json(x->keep));
		add_bool(e, "unmountable", x->unmountable);
		json_object_array_add(m, e);
	}
	json_object_object_add(o, "masks", m);
	json_object *ov = json_object_new_array();
	VEC_FOREACH(&p->world_overlays, x)
	{
		json_object *e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(x->path));
		json_object_object_add(e, "access", access_json(x->access));
		json_object_array_add(ov, e);
	}
	json_object_object_add(o, "overlays", ov);
	return o;
}

static json_object *run_json(const struct plan *p)
{
	json_object *o = json_object_new_object();
	json_object *env = json_object_new_object();
	add_bool(env, "clean", p->env.clean);
	json_object_object_add(env, "unset",
			       strings_json(p->env.unset, p->env.unset_loc, p->env.nunset));
	add_bool(env, "drop_secrets", p->env.drop_secrets);
	json_object_object_add(env, "pass",
			       strings_json(p->env.pass, p->env.pass_loc, p->env.npass));
	json_object_object_add(env, "set", strings_json(p->env.set, p->env.set_loc, p->env.nset));
	json_object_object_add(o, "env", env);
	json_object_object_add(o, "cwd", p->cwd ? json_object_new_string(p->cwd) : NULL);
	json_object_object_add(o, "hostname",
			       p->hostname ? json_object_new_string(p->hostname) : NULL);
	json_object *d = json_object_new_array();
	VEC_FOREACH(&p->path_denies, x)
	{
		json_object *e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(x->path));
		json_object_object_add(e, "access", access_json(x->access));
		add_bool(e, "exec", x->exec);
		json_object_array_add(d, e);
	}
	json_object_object_add(o, "path_denies", d);
	return o;
}

char *plan_sections_to_json(const struct plan *p)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "landlock", landlock_json(p));
	json_object_object_add(o, "seccomp", seccomp_json(p));
	json_object_object_add(o, "supervisor", sup_json(p));
	json_object_object_add(o, "bpf", bpf_json(p));
	add_bool(o, "cgroup", p->cgroup);
	json_object_object_add(o, "limits", limits_json(p));
	json_object_object_add(o, "namespaces", ns_json(p));
	json_object_object_add(o, "run", run_json(p));
	char *text = strdup(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}
