/* cgroup_probe.h — finding this host's cgroup hierarchies (v2, v1, hybrid)
 * from /proc/self/mountinfo and deciding whether ward may create cgroups
 * there. Part of host_features_probe(); never assumes a mount path.
 */
#ifndef WARD_HOST_CGROUP_PROBE_H
#define WARD_HOST_CGROUP_PROBE_H

#include "host/features.h"

/* Fills the cgroup_* and controllers[] fields of F (root, euid known). */
void cgroup_probe(struct host_features *f);

#endif
