/* layer_caps.c — asks the optional layers what they enforce here.
 * Must never answer yes for a class a layer does not implement: this is the
 * one place that stands between a rule and a silent downgrade.
 */
#include "plan/layer_caps.h"

#include <stdio.h>

#include "bpf/bpf_layer.h"
#include "supervisor/supervisor.h"

static bool say_no(char *why, size_t why_size, const char *reason)
{
	if (why && why_size)
		snprintf(why, why_size, "%s", reason);
	return false;
}

static enum bpf_rule_kind bpf_kind_of(enum layer_rule_class cls)
{
	switch (cls) {
	case CLASS_FS_DENY:
		return BPF_RULE_FS;
	case CLASS_EXEC_DENY:
		return BPF_RULE_EXEC;
	case CLASS_NET:
		return BPF_RULE_NET;
	default:
		return BPF_RULE_KERNEL;
	}
}

bool layer_can_enforce(enum ward_layer layer, enum layer_rule_class cls,
		       const struct net_rule *rule, const struct host_features *host, char *why,
		       size_t why_size)
{
	switch (layer) {
	case LAYER_BPF_LSM:
		if (!host->bpf_lsm_loads)
			return say_no(why, why_size,
				      host->bpf_lsm_why[0] ? host->bpf_lsm_why
							   : "BPF LSM programs do not load here");
		/* Every BPF map is keyed by the sandbox's v2 cgroup. */
		if (!host->cgroup_v2_usable)
			return say_no(why, why_size, "no usable cgroup v2 tree to key the maps on");
		if (!bpf_layer_lsm_enforces(bpf_kind_of(cls)))
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
		if (rule && !bpf_layer_cgroup_enforces_net(rule))
			return say_no(why, why_size, "cgroup BPF cannot hold this network rule");
		return true;
	case LAYER_SUPERVISOR:
		if (!host->seccomp_user_notif)
			return say_no(why, why_size, "seccomp user notification unavailable");
		switch (cls) {
		case CLASS_NET:
			if (sup_can(SUP_CAP_NET_CONNECT) && sup_can(SUP_CAP_NET_SENDTO))
				return true;
			return say_no(why, why_size,
				      "the supervisor does not decide connect/sendto");
		case CLASS_FS_DENY:
			if (sup_can(SUP_CAP_FS_DENY))
				return true;
			return say_no(why, why_size, "the supervisor has no inode-keyed open yet");
		case CLASS_EXEC_DENY:
			if (sup_can(SUP_CAP_EXEC_PATH))
				return true;
			return say_no(why, why_size,
				      "the supervisor does not decide exec by path (a string "
				      "decision races the filesystem)");
		case CLASS_EXEC_ARGV:
			return sup_can(SUP_CAP_EXEC_ARGV) ||
			       say_no(why, why_size, "the supervisor does not decide argv");
		case CLASS_CALLBACK:
			return sup_can(SUP_CAP_CALLBACK) ||
			       say_no(why, why_size, "the supervisor has no callback");
		default:
			return say_no(why, why_size, "the supervisor does not hold this rule kind");
		}
	default:
		return say_no(why, why_size, "layer cannot hold this rule");
	}
}
