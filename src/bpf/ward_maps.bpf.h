/* ward_maps.bpf.h — the maps every ward BPF object shares (pinned by name
 * under the layout's directory, so the cgroup and LSM objects see the same
 * sandboxes) and the lookup of the sandbox a task belongs to. A task in a
 * cgroup ward does not manage costs one cache lookup once its cgroup is known.
 * Kernel side only: included by the .bpf.c files after vmlinux.h.
 */
#ifndef WARD_MAPS_BPF_H
#define WARD_MAPS_BPF_H

#include <bpf/bpf_helpers.h>

#include "ward_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_MAX_SANDBOXES);
	__type(key, __u64); /* v2 cgroup id of the sandbox */
	__type(value, struct ward_sandbox_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_sandboxes SEC(".maps");

/* cgroup id -> the sandbox cgroup id it lies in, 0 for "none". Sandbox
 * cgroups are created empty and user space drops their entry here when it
 * adds the sandbox, so a "none" is never stale for a cgroup ward manages. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_cgroup_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WARD_MAX_NET_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ward_net4_key);
	__type(value, struct ward_net_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_net4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WARD_MAX_NET_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ward_net6_key);
	__type(value, struct ward_net_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_net6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_MAX_SANDBOXES);
	__type(key, __u64);
	__type(value, struct ward_bind_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_bind SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_MAX_INODES);
	__type(key, struct ward_inode_key);
	__type(value, struct ward_inode_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_inodes SEC(".maps");

/* net.unix paths by (directory inode, name) -> the rule id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_MAX_UNIX_NAMES);
	__type(key, struct ward_unix_name_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_unix_names SEC(".maps");

/* A pool of ring buffers, one per running sandbox, so concurrent wards never
 * read each other's events. A slot is filled once (user space creates the
 * buffer the first time the slot is used) and kept: a sandbox claims a free
 * slot in ward_ring_owner and names it in its ward_sandbox_cfg. Updating a
 * map-in-map waits for an RCU grace period (~10 ms); claiming a slot is a
 * plain hash update, so a start pays no such wait. */
struct ward_events_inner {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WARD_EVENTS_BYTES);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, WARD_RING_SLOTS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct ward_events_inner);
} ward_events SEC(".maps");

/* Slot -> the v2 cgroup id of the sandbox that holds it (user space only). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_RING_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ward_ring_owner SEC(".maps");

/* The sandbox (its cgroup id) the current task belongs to, or 0. The deepest
 * managed ancestor wins, so a task that moves into a child cgroup of its
 * sandbox stays under the sandbox's rules. */
static __always_inline __u64 ward_current_sandbox(void)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	__u64 *cached = bpf_map_lookup_elem(&ward_cgroup_cache, &cgid);
	if (cached)
		return *cached;

	__u64 found = 0;
	for (int level = 0; level < WARD_MAX_CGROUP_DEPTH; level++) {
		__u64 ancestor = bpf_get_current_ancestor_cgroup_id(level);
		if (!ancestor)
			break;
		if (bpf_map_lookup_elem(&ward_sandboxes, &ancestor))
			found = ancestor;
	}
	bpf_map_update_elem(&ward_cgroup_cache, &cgid, &found, BPF_ANY);
	return found;
}

#endif
