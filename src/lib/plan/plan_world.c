/* plan_world.c — plans the sandbox's own world: which namespaces it gets,
 * whether it has its own root (only the grants, its own /proc, /dev and
 * tmpfs mounts), loopback-only networking and no capabilities. Pure, like
 * the rest of the planner. It must never claim an isolation the host cannot
 * give: a namespace that cannot be made is an unenforceable entry that names
 * its fallback, refused in enforce mode unless namespaces may be degraded.
 */
#include <stdio.h>
#include <string.h>

#include "plan/plan.h"

bool plan_policy_allows_inet(const struct ward_policy *policy)
{
	VEC_FOREACH(&policy->net, n)
	if (!n->deny)
		return true;
	return false;
}

static const struct {
	unsigned bit;
	const char *name;
	const char *isolates;
	const char *fallback; /* what holds instead when it cannot be made */
} namespaces[] = {
	{WARD_NS_USER, "user", "own uids and capabilities: powerless over the host",
	 "the host's user namespace"},
	{WARD_NS_MOUNT, "mount",
	 "own root holding only the grants; own /proc, /dev, /tmp, /var/tmp, /dev/shm, HOME",
	 "the host's filesystem under Landlock, a private directory as HOME and TMPDIR"},
	{WARD_NS_PID, "pid", "no process outside is visible or addressable by pid",
	 "the host's processes stay visible in /proc"},
	{WARD_NS_IPC, "ipc", "own System V IPC and POSIX message queues",
	 "the host's System V IPC"},
	{WARD_NS_UTS, "uts", "own hostname", "the host's hostname"},
	{WARD_NS_CGROUP, "cgroup", "own cgroup root in /proc/self/cgroup",
	 "the host's cgroup paths"},
	{WARD_NS_NET, "net", "own network: only lo (127.0.0.1, ::1), nothing outside",
	 "seccomp refuses IPv4/IPv6 sockets"},
};

static int plan_namespaces(const struct ward_policy *policy, const struct host_features *host,
			   unsigned want, struct plan *plan)
{
	struct ward_loc builtin = {.file = "ward"};
	bool privileged = host->root || host->cap_sys_admin;
	/* Unprivileged, every other namespace needs a user namespace to own it;
	 * an isolated sandbox has one as root too (root maps to itself), so
	 * that it holds no capability over the host. */
	if (want && (!privileged || policy->isolate) && !(policy->ns_share & WARD_NS_USER))
		want |= WARD_NS_USER;
	bool can = privileged || host->userns;
	int r;
	for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		if (!(want & namespaces[i].bit))
			continue;
		char rule[200], why[300];
		snprintf(rule, sizeof(rule), "namespace %s", namespaces[i].name);
		if (can) {
			plan->ns_flags |= namespaces[i].bit;
			r = plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
					   namespaces[i].isolates, "%s", rule);
		} else {
			snprintf(why, sizeof(why),
				 "not privileged and user namespaces are unavailable; fallback: %s",
				 namespaces[i].fallback);
			r = plan_add_missing(plan, policy, builtin, LAYER_NAMESPACES, why, rule);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* What the own root closes that Landlock alone cannot (kernel-facts.md):
 * pathname unix sockets and metadata changes outside the grants. */
static int plan_own_root(const struct ward_policy *policy, struct plan *plan)
{
	struct ward_loc builtin = {.file = "ward"};
	char note[200];
	uint64_t mib = plan->tmp_size >> 20;
	snprintf(note, sizeof(note), "tmpfs of %llu MiB each%s", (unsigned long long)mib,
		 plan->tmp_noexec ? ", noexec" : ", executable");
	int r;
	if ((r = plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
				"not in the sandbox's root: ENOENT",
				"fs: nothing outside the grants exists")) < 0 ||
	    (r = plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
				"mount namespace: only granted paths are bound in",
				"unix sockets outside grants: unreachable")) < 0 ||
	    (r = plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
				"read-only bind mounts (nosuid, nodev)",
				"file metadata outside write grants: EROFS")) < 0 ||
	    (r = plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
				"procfs of the sandbox's pid namespace", "/proc: own")) < 0 ||
	    (r = plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
				"null zero full random urandom tty; a new devpts instance (ptmx)",
				"/dev: own")) < 0 ||
	    (r = plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED, note,
				"/tmp /var/tmp /dev/shm HOME: private tmpfs")) < 0)
		return r;
	return 0;
}

int plan_world(const struct ward_policy *policy, const struct host_features *host,
	       struct plan *plan)
{
	struct ward_loc builtin = {.file = "ward"};
	int r;
	unsigned want = policy->ns_flags;
	if (policy->isolate) {
		unsigned isolated = WARD_NS_ALL & ~WARD_NS_NET;
		/* A policy that allows network keeps the host's network and its
		 * address rules; with none, a private netns holds "no network". */
		if (!plan_policy_allows_inet(policy))
			isolated |= WARD_NS_NET;
		want |= isolated & ~policy->ns_share;
	}
	plan->tmp_size = policy->tmp_size ? policy->tmp_size : WARD_TMP_SIZE_DEFAULT;
	plan->tmp_noexec = policy->tmp_noexec;
	if ((r = plan_namespaces(policy, host, want, plan)) < 0)
		return r;
	/* The own root needs its own /proc, hence a pid namespace. */
	plan->world = (plan->ns_flags & WARD_NS_MOUNT) && (plan->ns_flags & WARD_NS_PID);
	plan->net_private = (plan->ns_flags & WARD_NS_NET) && !plan_policy_allows_inet(policy);
	if (plan->world && (r = plan_own_root(policy, plan)) < 0)
		return r;

	/* Capabilities: whatever ward holds, the program starts with none. */
	plan->drop_caps = true;
	return plan_add_entry(plan, builtin, LAYER_NAMESPACES, PLAN_ENFORCED,
			      "empty effective, permitted, inheritable, ambient and bounding sets",
			      "capabilities: none");
}
