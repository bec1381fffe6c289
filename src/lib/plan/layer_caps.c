/* layer_caps.c — what the optional layers enforce here, read from the host
 * probe's answers (host_features.support, filled once by
 * host/layer_support.c). Pure: includes no layer header and loads nothing,
 * so a plan can be built for any host_features (tests/unit/test_plan.c).
 * Must never answer yes for a class a layer does not implement: this is the
 * one place that stands between a rule and a silent downgrade.
 */
#include "plan/layer_caps.h"

#include <stdio.h>
#include <sys/socket.h>

static bool say_no(char *why, size_t why_size, const char *reason)
{
	if (why && why_size)
		snprintf(why, why_size, "%s", reason);
	return false;
}

/* The rules the cgroup sock_addr programs decide (net_cgroup.bpf.c): TCP,
 * UDP or both, by IPv4/IPv6 prefix and port. */
static bool cgroup_bpf_holds_net_rule(const struct net_rule *rule)
{
	if (rule->family != 0 && rule->family != AF_INET && rule->family != AF_INET6)
		return false;
	return rule->proto == NET_PROTO_ANY || rule->proto == NET_PROTO_TCP ||
	       rule->proto == NET_PROTO_UDP;
}

static const char *const sup_no[SUPPORT_CLASS_COUNT_] = {
	[SUPPORT_FS_DENY] = "the supervisor has no inode-keyed open yet",
	[SUPPORT_EXEC_DENY] = ("the supervisor does not decide exec by path (a string decision "
			       "races the filesystem)"),
	[SUPPORT_NET] = "the supervisor does not decide connect/sendto",
	[SUPPORT_KERNEL] = "the supervisor does not hold this rule kind",
	[SUPPORT_EXEC_ARGV] = "the supervisor does not decide argv",
	[SUPPORT_CALLBACK] = "the supervisor has no callback",
	[SUPPORT_UNIX] = "the supervisor holds pathname unix sockets in plan_unix, not here",
};

bool layer_can_enforce(enum ward_layer layer, enum layer_rule_class cls,
		       const struct net_rule *rule, const struct host_features *host, char *why,
		       size_t why_size)
{
	const struct layer_support *s = &host->support;
	if ((unsigned)cls >= SUPPORT_CLASS_COUNT_)
		return say_no(why, why_size, "unknown rule class");
	switch (layer) {
	case LAYER_BPF_LSM:
		if (!host->bpf_lsm_loads)
			return say_no(why, why_size,
				      host->bpf_lsm_why[0] ? host->bpf_lsm_why
							   : "BPF LSM programs do not load here");
		/* Every BPF map is keyed by the sandbox's v2 cgroup. */
		if (!host->cgroup_v2_usable)
			return say_no(why, why_size, "no usable cgroup v2 tree to key the maps on");
		if (!s->bpf_lsm[cls])
			return say_no(why, why_size,
				      "the BPF LSM layer does not hold this rule kind");
		return true;
	case LAYER_CGROUP_BPF:
		if (cls != CLASS_NET)
			return say_no(why, why_size, "cgroup BPF holds network rules only");
		if (!host->cgroup_bpf_loads)
			return say_no(why, why_size,
				      host->cgroup_bpf_why[0]
					      ? host->cgroup_bpf_why
					      : "cgroup BPF programs do not load here");
		if (!host->cgroup_v2_usable)
			return say_no(why, why_size,
				      host->cgroup_v2_why[0]
					      ? host->cgroup_v2_why
					      : "no usable cgroup v2 tree to attach to");
		if (!s->cgroup_bpf_net)
			return say_no(why, why_size, "ward's cgroup BPF programs do not load here");
		if (rule && !cgroup_bpf_holds_net_rule(rule))
			return say_no(why, why_size, "cgroup BPF cannot hold this network rule");
		return true;
	case LAYER_SUPERVISOR:
		if (!host->seccomp_user_notif)
			return say_no(why, why_size, "seccomp user notification unavailable");
		if (!s->supervisor[cls])
			return say_no(why, why_size, sup_no[cls]);
		return true;
	default:
		return say_no(why, why_size, "layer cannot hold this rule");
	}
}

bool layer_can_escalate(const struct host_features *host, char *why, size_t why_size)
{
	if (!layer_can_enforce(LAYER_BPF_LSM, CLASS_KERNEL, NULL, host, why, why_size))
		return false;
	if (!host->support.bpf_lsm_escalate)
		return say_no(why, why_size, "not every BPF LSM program is attached here");
	return true;
}
