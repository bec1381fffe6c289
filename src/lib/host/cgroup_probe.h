/* cgroup_probe.h — finding this host's cgroup hierarchies (v2, v1, hybrid)
 * from /proc/self/mountinfo and deciding whether ward may create cgroups
 * there. Part of host_features_probe(); never assumes a mount path.
 */
#ifndef WARD_HOST_CGROUP_PROBE_H
#define WARD_HOST_CGROUP_PROBE_H

#include "host/features.h"

struct probe_cached_cgroups;

/* Fills the cgroup_* and controllers[] fields of F (root, euid known).
 * With CACHE (this boot's record, host/probe_cache.h), mountinfo is read
 * only when the cached mounts no longer hold; then CACHE is refilled and
 * the call returns true (the record is to be written). */
bool cgroup_probe(struct host_features *f, struct probe_cached_cgroups *cache);

#endif
