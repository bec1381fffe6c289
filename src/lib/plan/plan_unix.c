/* plan_unix.c — pathname unix sockets: which layer holds "connect and send
 * only to sockets inside write grants, the sandbox's own tmpfs mounts or a
 * net.unix rule", and whether anything must hold it at all. Pure, like the
 * rest of the planner. It must never call the rule enforced while a socket
 * outside those places stays reachable by name.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The policy's fs rules by the address of their path, which the plan's
 * grants point to: found in O(log n) for policies of thousands of grants. */
struct rule_index {
	const struct fs_rule **rules;
	size_t n;
};

static int cmp_rule_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)(*(const struct fs_rule *const *)a)->path;
	uintptr_t y = (uintptr_t)(*(const struct fs_rule *const *)b)->path;
	return x < y ? -1 : x > y;
}

static int rule_index_build(const struct ward_policy *policy, struct rule_index *ix)
{
	ix->n = 0;
	ix->rules = calloc(policy->fs.len ? policy->fs.len : 1, sizeof(*ix->rules));
	if (!ix->rules)
		return -ENOMEM;
	VEC_FOREACH(&policy->fs, f)
	ix->rules[ix->n++] = f;
	qsort(ix->rules, ix->n, sizeof(*ix->rules), cmp_rule_ptr);
	return 0;
}

static const struct fs_rule *rule_index_find(const struct rule_index *ix, const char *path)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uintptr_t m = (uintptr_t)ix->rules[mid]->path;
		if (m == (uintptr_t)path)
			return ix->rules[mid];
		if (m < (uintptr_t)path)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool policy_exec_of(const struct ward_policy *policy, const char *path)
{
	VEC_FOREACH(&policy->exec, x)
	if (x->path == path)
		return true;
	return false;
}

/* A path, the policy's or a plan section's, that lies on the grant G's
 * tree: beneath it, or holding it. */
static bool crosses(const char *path, const char *g)
{
	return plan_path_within(path, g) || plan_path_within(g, path);
}

/* Whether the own root can mount the read grant G (rule F) as a read-only
 * overlay and still hold every other rule on it. The overlay's files are
 * other inodes with other dentries: a rule keyed by the host's (a Landlock
 * hole, an inode rule of BPF LSM or the supervisor, a mask or carve-out
 * mounted at a host path, a net.unix socket) would miss them, so any of
 * those on G's tree keeps the bind. Another grant within G is a mount of
 * its own on top (world_build.c: an overlay again when read-only), which
 * carries its own Landlock rule. */
static bool overlay_fits(const struct ward_policy *policy, const struct host_features *host,
			 const struct plan *plan, const struct plan_fs_grant *g,
			 const struct fs_rule *f)
{
	/* Audit and learn observe a connect and let it through: the trap. */
	if (plan->mode == WARD_MODE_AUDIT || plan->sup_rules.learn)
		return false;
	/* Only the optional trees (the profiles' toolchains: /opt, ~/.pyenv,
	 * ~/.rustup...): a program reads a few of their files, and the host
	 * rarely changes them during a run. A fresh overlay looks every file
	 * up again (git status over 5,000 files of a -r tree: 3.9x bare, the
	 * trap's bind 1.1x; bench/unix_overlay_ab.py), and may miss what the
	 * host changes there: a user's -r project keeps its bind. */
	if (!f || !f->optional)
		return false;
	if (!host->overlay_ro || !plan->world || !f->is_dir || f->has_mounts || f->on_overlayfs ||
	    g->path[0] != '/' || strpbrk(g->path, ":,\\ \t\n"))
		return false;
	VEC_FOREACH(&plan->path_denies, d)
	if (crosses(d->path, g->path))
		return false;
	VEC_FOREACH(&plan->fs_holes, h)
	if (crosses(h->path, g->path))
		return false;
	VEC_FOREACH(&plan->fs_masks, m)
	if (crosses(m->path, g->path))
		return false;
	VEC_FOREACH(&plan->sup_fs_rules, r)
	if (crosses(r->path, g->path))
		return false;
	VEC_FOREACH(&plan->bpf_inode_rules, r)
	if (crosses(r->path, g->path))
		return false;
	VEC_FOREACH(&policy->unix_allow, u)
	if (crosses(u->path, g->path))
		return false;
	return true;
}

/* The first grant through which the sandbox can name a socket that it did
 * not make and that no write grant holds, or NULL. Without an own root
 * every path of the host can be named. The read grants an overlay can
 * close are put into the plan's world_overlays (emptied again when some
 * grant stays reachable: the trap then holds the rule for all of them). */
static const char *reachable_through(const struct ward_policy *policy,
				     const struct host_features *host, struct plan *plan,
				     bool overlays)
{
	if (!plan->world)
		return "the host's filesystem (no own root)";
	const char *reach = NULL;
	struct rule_index ix;
	if (rule_index_build(policy, &ix) < 0)
		return "a grant the plan could not look up (out of memory)";
	VEC_FOREACH(&plan->fs_grants, g)
	{
		if (g->access & WARD_FS_WRITE)
			continue;
		const struct fs_rule *f = rule_index_find(&ix, g->path);
		/* The own /dev's device nodes: files bound by inode, not
		 * directories a socket could appear in. */
		if (!f && !policy_exec_of(policy, g->path))
			continue;
		if (f && f->optional && f->missing)
			continue;
		if (in_system_tree(g->path))
			continue;
		/* A file that is no socket is bound by its inode: nothing the
		 * host makes later appears at it. The own /proc, /dev/pts and
		 * /dev/shm replace their grants. */
		/* A pseudo filesystem (sysfs, proc...) has no socket inodes;
		 * a mount beneath it might. */
		if ((f && f->is_file) || (f && f->no_sockets && !f->has_mounts) ||
		    plan_path_within(g->path, "/proc") || !strcmp(g->path, "/dev") ||
		    !strcmp(g->path, "/dev/ptmx") || plan_path_within(g->path, "/dev/pts") ||
		    plan_path_within(g->path, "/dev/shm"))
			continue;
		if (!reach && overlays && overlay_fits(policy, host, plan, g, f)) {
			struct plan_overlay o = {
				.path = g->path, .access = g->access, .loc = f->loc};
			if (VEC_PUSH(&plan->world_overlays, o) < 0) {
				reach = "an overlay the plan could not record (out of memory)";
				break;
			}
			continue;
		}
		if (!reach)
			reach = g->path;
	}
	free(ix.rules);
	if (reach)
		plan->world_overlays.len = 0;
	return reach;
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
	/* The BPF LSM's unix hooks, where they load, hold the rule at no cost
	 * and see every change of the host: no overlays then. net.unix rules
	 * need the hooks or the supervisor anyway: no overlays either. */
	bool bpf_unix = !plan->sup_rules.learn && unix_names_fit(policy) &&
			layer_can_enforce(LAYER_BPF_LSM, CLASS_UNIX, NULL, host, NULL, 0);
	const char *reach = policy->unix_allow.len
				    ? "net.unix"
				    : reachable_through(policy, host, plan, !bpf_unix);
	if (!reach && !plan->world_overlays.len) {
		return plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
				      "own root: only write grants, private tmpfs mounts and the "
				      "root-owned system trees (/usr /bin /sbin /lib* /etc, "
				      "read-only) are in it; a socket root makes there stays "
				      "reachable",
				      "%s", rule);
	}
	if (!reach) {
		VEC_FOREACH(&plan->world_overlays, o)
		{
			if ((r = plan_add_entry(
				     plan, o->loc, LAYER_NAMESPACES, PLAN_ENFORCED,
				     "mounted as a read-only overlay of itself: the same files, "
				     "other inodes (st_dev and directory inode numbers differ from "
				     "the host's), so a socket "
				     "the host binds there, before or during the run, refuses "
				     "connections (ECONNREFUSED); entries the host adds or "
				     "replaces there during the run may not be seen",
				     "fs read-only overlay %s", o->path)) < 0)
				return r;
		}
		return plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
				      "own root: only write grants, private tmpfs mounts, the "
				      "root-owned system trees (/usr /bin /sbin /lib* /etc, "
				      "read-only; a socket root makes there stays reachable) and "
				      "read-only overlays of the other read grants, in which no "
				      "socket of the host answers; no trap on connect or send",
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
		 reach);
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
