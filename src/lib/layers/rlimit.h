/* rlimit.h — per-process resource limits, for limits with no cgroup
 * controller here (and RLIMIT_NOFILE / RLIMIT_CPU, which are per process by
 * nature). Computed in the parent, applied in the child before exec.
 */
#ifndef WARD_LAYERS_RLIMIT_H
#define WARD_LAYERS_RLIMIT_H

#include <sys/resource.h>

#include "plan/plan.h"

struct rlimit_set {
	unsigned count;
	struct {
		int resource;
		struct rlimit limit;
	} items[8];
};

/* The limits PLAN placed on LAYER_RLIMIT. */
void rlimit_prepare(const struct plan *plan, struct rlimit_set *out);
/* In the child. Async-signal-safe. Returns 0 or a negative errno. */
int rlimit_enforce(const struct rlimit_set *set);

#endif
