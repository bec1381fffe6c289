/* layer_caps.h — what the optional layers (BPF LSM, cgroup BPF, the
 * supervisor) can enforce on this host, asked of the layers themselves.
 * The planner trusts only these answers: a layer that has not implemented
 * and tested a class of rule must answer false, so the plan never places a
 * rule on a layer that would not hold it.
 */
#ifndef WARD_PLAN_LAYER_CAPS_H
#define WARD_PLAN_LAYER_CAPS_H

#include <stdbool.h>

#include "host/features.h"
#include "policy/policy.h"

enum layer_rule_class {
	CLASS_FS_DENY,	 /* deny beneath a path inside a grant */
	CLASS_EXEC_DENY, /* deny exec of a path inside an exec grant */
	CLASS_NET,	 /* network rules by address / UDP port / deny carve-outs */
	CLASS_KERNEL,	 /* ptrace, bpf, modules, mount as LSM hooks */
	CLASS_EXEC_ARGV, /* exec rules on the arguments */
	CLASS_CALLBACK,	 /* the user's policy callback */
};

/* Can LAYER enforce rules of CLASS on HOST? For CLASS_NET, RULE (may be NULL)
 * narrows the question to one rule. WHY receives the reason for "no". */
bool layer_can_enforce(enum ward_layer layer, enum layer_rule_class cls,
		       const struct net_rule *rule, const struct host_features *host, char *why,
		       size_t why_size);

#endif
