/* layer_caps.h — what the optional layers (BPF LSM, cgroup BPF, the
 * supervisor) can enforce on this host, as the host probe recorded it
 * (host_features.support; host/layer_support.c asks the layers once).
 * The planner trusts only these answers: a layer that has not implemented
 * and tested a class of rule must answer false, so the plan never places a
 * rule on a layer that would not hold it. Pure: reads HOST, loads nothing.
 */
#ifndef WARD_PLAN_LAYER_CAPS_H
#define WARD_PLAN_LAYER_CAPS_H

#include <stdbool.h>

#include "host/features.h"
#include "policy/policy.h"

enum layer_rule_class {
	CLASS_FS_DENY = SUPPORT_FS_DENY,
	CLASS_EXEC_DENY = SUPPORT_EXEC_DENY,
	CLASS_NET = SUPPORT_NET,
	CLASS_KERNEL = SUPPORT_KERNEL,
	CLASS_EXEC_ARGV = SUPPORT_EXEC_ARGV,
	CLASS_CALLBACK = SUPPORT_CALLBACK,
	CLASS_UNIX = SUPPORT_UNIX,
};

/* Can LAYER enforce rules of CLASS on HOST? For CLASS_NET, RULE (may be NULL)
 * narrows the question to one rule. WHY receives the reason for "no". */
bool layer_can_enforce(enum ward_layer layer, enum layer_rule_class cls,
		       const struct net_rule *rule, const struct host_features *host, char *why,
		       size_t why_size);
/* Can the BPF LSM hooks count denials and SIGKILL the offender (kill_after)? */
bool layer_can_escalate(const struct host_features *host, char *why, size_t why_size);

#endif
