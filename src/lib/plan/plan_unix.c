/* plan_unix.c — pathname unix sockets: which layer holds "connect and send
 * only to sockets inside write grants, the sandbox's own tmpfs mounts or a
 * net.unix rule", and whether anything must hold it at all. Pure, like the
 * rest of the planner. It must never call the rule enforced while a socket
 * outside those places stays reachable by name.
 */
#include <stdio.h>
#include <string.h>

#include "../../bpf/ward_bpf.h"
#include "layers/landlock_abi.h"
#include "plan/layer_caps.h"
#include "plan/plan.h"

/* Root-owned trees the own root binds read-only. A service's socket lives
 * in /run, /tmp, /var or a home directory, never here; only root can make
 * one here, and that one stays reachable (docs/threat-model.md). */
static const char *const system_trees[] = {"/usr",   "/bin",   "/sbin",	  "/lib",
					   "/lib32", "/lib64", "/libx32", "/etc"};

static bool in_system_tree(const char *path)
{
	for (size_t i = 0; i < sizeof(system_trees) / sizeof(system_trees[0]); i++)
		if (plan_path_within(path, system_trees[i]))
			return true;
	return false;
}

static const struct fs_rule *policy_rule_of(const struct ward_policy *policy, const char *path)
{
	VEC_FOREACH(&policy->fs, f)
	if (f->path == path)
		return f;
	return NULL;
}

static bool policy_exec_of(const struct ward_policy *policy, const char *path)
{
	VEC_FOREACH(&policy->exec, x)
	if (x->path == path)
		return true;
	return false;
}

/* The first grant through which the sandbox can name a socket that it did
 * not make and that no write grant holds, or NULL. Without an own root
 * every path of the host can be named. */
static const char *reachable_through(const struct ward_policy *policy, const struct plan *plan)
{
	if (!plan->world)
		return "the host's filesystem (no own root)";
	VEC_FOREACH(&plan->fs_grants, g)
	{
		if (g->access & WARD_FS_WRITE)
			continue;
		const struct fs_rule *f = policy_rule_of(policy, g->path);
		/* The own /dev's device nodes: files bound by inode, not
		 * directories a socket could appear in. */
		if (!f && !policy_exec_of(policy, g->path))
			continue;
		if (f && f->optional && f->missing)
			continue;
		if (in_system_tree(g->path))
			continue;
		return g->path;
	}
	return NULL;
}

static int add_root(struct plan *plan, const char *path, bool allow, bool explicit_rule,
		    struct ward_loc loc)
{
	struct plan_unix_root root = {
		.path = path, .allow = allow, .explicit_rule = explicit_rule, .loc = loc};
	return VEC_PUSH(&plan->sup_unix.roots, root);
}

static int plan_unix_roots(const struct ward_policy *policy, struct plan *plan)
{
	struct ward_loc builtin = {.file = "ward"};
	int r;
	VEC_FOREACH(&plan->fs_grants, g)
	{
		const struct fs_rule *f = policy_rule_of(policy, g->path);
		if ((r = add_root(plan, g->path, g->access & WARD_FS_WRITE, false,
				  f ? f->loc : builtin)) < 0)
			return r;
	}
	VEC_FOREACH(&policy->fs, f)
	{
		if (f->deny && (r = add_root(plan, f->path, false, false, f->loc)) < 0)
			return r;
	}
	VEC_FOREACH(&policy->unix_allow, u)
	{
		if ((r = add_root(plan, u->path, true, true, u->loc)) < 0)
			return r;
	}
	plan->sup_unix.private_tmpfs = plan->world;
	return 0;
}

/* The BPF LSM holds a net.unix path by its directory's inode and a last
 * component of at most WARD_UNIX_NAME_MAX - 1 bytes. */
static bool unix_names_fit(const struct ward_policy *policy)
{
	VEC_FOREACH(&policy->unix_allow, u)
	{
		const char *slash = strrchr(u->path, '/');
		size_t len = slash ? strlen(slash + 1) : 0;
		if (!len || len >= WARD_UNIX_NAME_MAX)
			return false;
	}
	return true;
}

/* The rule on the BPF LSM's unix hooks: no supervisor trap, nobody acts on
 * the sandbox's behalf. */
static int plan_unix_bpf(const struct ward_policy *policy, struct plan *plan, const char *rule)
{
	struct ward_loc builtin = {.file = "ward"};
	const char *note = "unix_stream_connect/unix_may_send judge the peer: made by the "
			   "sandbox's cgroup, or the root nearest to its socket inode where it "
			   "was bound (renames followed; a hard link or bind mount elsewhere "
			   "does not move it) allows it";
	int r;
	if ((r = plan_unix_roots(policy, plan)) < 0)
		return r;
	plan->bpf_lsm_unix = true;
	if (plan->mode == WARD_MODE_AUDIT)
		return plan_add_entry(plan, builtin, LAYER_BPF_LSM, PLAN_AUDITED, note, "%s", rule);
	if ((r = plan_add_entry(plan, builtin, LAYER_BPF_LSM, PLAN_ENFORCED, note, "%s", rule)) < 0)
		return r;
	VEC_FOREACH(&policy->unix_allow, u)
	{
		if ((r = plan_add_entry(plan, u->loc, LAYER_BPF_LSM, PLAN_ENFORCED,
					"allowed by inode, and by name in its directory (a "
					"socket made there after the start)",
					"net unix %s", u->path)) < 0)
			return r;
	}
	return 0;
}

int plan_unix(const struct ward_policy *policy, const struct host_features *host, struct plan *plan)
{
	struct ward_loc builtin = {.file = "ward"};
	const char *rule = "net: pathname unix sockets only inside write grants, the sandbox's "
			   "own tmpfs or net.unix";
	char note[400];
	int r;
	/* plan_net placed the rule on Landlock where the kernel has the
	 * right; explicit rules outside the write grants still need us. */
	bool landlock_holds =
		plan->landlock && host->landlock_abi >= WARD_LANDLOCK_ABI_RESOLVE_UNIX;
	if (landlock_holds && !policy->unix_allow.len)
		return 0;
	const char *reach = reachable_through(policy, plan);
	if (!reach && !policy->unix_allow.len) {
		return plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
				      "own root: only write grants, private tmpfs mounts and the "
				      "root-owned system trees (/usr /bin /sbin /lib* /etc, "
				      "read-only) are in it; a socket root makes there stays "
				      "reachable",
				      "%s", rule);
	}
	/* `ward learn` observes and holds nothing (its supervisor answers
	 * "continue"): connects are seen there; the learned policy, run with
	 * ward run, holds the rule. */
	if (plan->sup_rules.learn)
		return plan_add_entry(plan, builtin, LAYER_SUPERVISOR, PLAN_AUDITED,
				      "learn mode: observed and let through, held when the learned "
				      "policy runs",
				      "%s", rule);
	if (unix_names_fit(policy) &&
	    layer_can_enforce(LAYER_BPF_LSM, CLASS_UNIX, NULL, host, NULL, 0))
		return plan_unix_bpf(policy, plan, rule);
	if (!host->seccomp_user_notif)
		return plan_add_missing(plan, policy, builtin, LAYER_SUPERVISOR,
					"seccomp user notification unavailable", rule);
	if ((r = plan_unix_roots(policy, plan)) < 0)
		return r;
	plan->supervisor = true;
	plan->sup_unix.trap = true;
	/* sup_unix.c makes every call whose name or socket could change on
	 * the caller's behalf from its copies, and freezes (so tracks forks)
	 * only for what the kernel must judge as the caller: an abstract name
	 * under Landlock's scope on the host's network, an IP connect under
	 * Landlock's TCP rules from a task whose fd table others share, any
	 * IP call where BPF holds the address rules (the LSM hooks and the
	 * cgroup programs judge the calling task's sandbox: ward's own
	 * thread has none). */
	plan->sup_unix.may_freeze =
		(plan->landlock && plan->landlock_scope && !(plan->ns_flags & WARD_NS_NET)) ||
		(plan->landlock && plan->landlock_net && !plan->tcp_connect_any) ||
		plan->bpf_lsm_net || plan->cgroup_bpf_net;
	snprintf(note, sizeof(note),
		 "connect/sendto/sendmsg resolved in the sandbox's view, the socket's inode "
		 "checked, then connected on its behalf (the peer sees ward's pid); "
		 "reachable through %s",
		 reach ? reach : "net.unix");
	if (plan->mode == WARD_MODE_AUDIT)
		return plan_add_entry(plan, builtin, LAYER_SUPERVISOR, PLAN_AUDITED, note, "%s",
				      rule);
	if ((r = plan_add_entry(plan, builtin, LAYER_SUPERVISOR, PLAN_ENFORCED, note, "%s", rule)) <
	    0)
		return r;
	VEC_FOREACH(&policy->unix_allow, u)
	{
		if ((r = plan_add_entry(plan, u->loc, LAYER_SUPERVISOR, PLAN_ENFORCED,
					"allowed by inode, resolved again at each connect",
					"net unix %s", u->path)) < 0)
			return r;
	}
	return 0;
}
