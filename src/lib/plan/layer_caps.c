/* layer_caps.c — asks the optional layers what they enforce here.
 * Must never answer yes for a class a layer does not implement: this is the
 * one place that stands between a rule and a silent downgrade.
 */
#include "plan/layer_caps.h"

#include <stdio.h>

static bool say_no(char *why, size_t why_size, const char *reason)
{
	if (why && why_size)
		snprintf(why, why_size, "%s", reason);
	return false;
}

bool layer_can_enforce(enum ward_layer layer, enum layer_rule_class cls,
		       const struct net_rule *rule, const struct host_features *host, char *why,
		       size_t why_size)
{
	(void)cls;
	(void)rule;
	switch (layer) {
	case LAYER_BPF_LSM:
		if (!host->bpf_lsm_loads)
			return say_no(why, why_size,
				      host->bpf_lsm_why[0] ? host->bpf_lsm_why :
							     "BPF LSM programs do not load here");
		return say_no(why, why_size, "this ward build has no BPF LSM layer yet");
	case LAYER_CGROUP_BPF:
		if (!host->cgroup_bpf_loads)
			return say_no(why, why_size,
				      host->cgroup_bpf_why[0] ? host->cgroup_bpf_why :
								"cgroup BPF programs do not load here");
		return say_no(why, why_size, "this ward build has no cgroup BPF layer yet");
	case LAYER_SUPERVISOR:
		if (!host->seccomp_user_notif)
			return say_no(why, why_size, "seccomp user notification unavailable");
		return say_no(why, why_size, "this ward build has no supervisor yet");
	default:
		return say_no(why, why_size, "layer cannot hold this rule");
	}
}
