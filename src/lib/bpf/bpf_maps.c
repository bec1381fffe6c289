/* bpf_maps.c — removing a sandbox from ward's pinned maps, by exit or by
 * garbage collection of sandboxes whose ward died (their cgroup is gone).
 * Never removes an entry of a sandbox whose cgroup still exists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/bpf_internal.h"
#include "core/cleanup.h"

/* Deletes every key of map NAME that MATCHES (keys of KEY_SIZE bytes).
 * Keys are collected first: deleting during get_next_key restarts walks. */
static int delete_matching(const char *name, size_t key_size,
			   bool (*matches)(const void *key, uint64_t cgid), uint64_t cgid)
{
	_cleanup_close_ int fd = bpf_map_pinned_fd(name);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	size_t cap = 64, n = 0;
	_cleanup_free_ uint8_t *keys = malloc(cap * key_size);
	_cleanup_free_ uint8_t *cur = calloc(1, key_size);
	_cleanup_free_ uint8_t *last = calloc(1, key_size);
	if (!keys || !cur || !last)
		return -ENOMEM;
	const void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, cur) == 0) {
		if (matches(cur, cgid)) {
			if (n == cap) {
				uint8_t *grown = realloc(keys, cap * 2 * key_size);
				if (!grown)
					return -ENOMEM;
				keys = grown;
				cap *= 2;
			}
			memcpy(keys + n * key_size, cur, key_size);
			n++;
		}
		memcpy(last, cur, key_size);
		prev = last;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
	return 0;
}

static bool u64_key_is(const void *key, uint64_t cgid)
{
	uint64_t k;
	memcpy(&k, key, sizeof(k));
	return k == cgid;
}

static bool net_key_is(const void *key, uint64_t cgid)
{
	const struct ward_net4_key *k = key; /* net6 keys begin alike */
	return (((uint64_t)k->cgid_hi << 32) | k->cgid_lo) == cgid;
}

static bool inode_key_is(const void *key, uint64_t cgid)
{
	const struct ward_inode_key *k = key;
	return k->cgid == cgid;
}

/* Cache entries whose value is CGID: the cgroups that lay inside it. */
static int delete_cache_for(uint64_t cgid)
{
	_cleanup_close_ int fd = bpf_map_pinned_fd("ward_cgroup_cache");
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	uint64_t key, next, value;
	const uint64_t *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (next == cgid || (bpf_map_lookup_elem(fd, &next, &value) == 0 && value == cgid))
			bpf_map_delete_elem(fd, &next);
		key = next;
		prev = &key;
	}
	return 0;
}

/* Gives back the ring pool slot CGID holds (its buffer stays in the pool
 * for the next sandbox: no map-in-map update, no grace period). Last, after
 * the sandbox entry is gone, so no program still writes for it. */
int bpf_ring_slot_release(uint64_t cgid)
{
	_cleanup_close_ int fd = bpf_map_pinned_fd("ward_ring_owner");
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	uint32_t key, next;
	uint64_t value;
	const uint32_t *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &value) == 0 && value == cgid)
			bpf_map_delete_elem(fd, &next);
		key = next;
		prev = &key;
	}
	return 0;
}

int bpf_maps_remove_sandbox(uint64_t cgid)
{
	int first = 0, r;
	/* The sandbox entry first: without it the programs treat the cgroup as
	 * unmanaged, so no half-removed rule set is ever judged by. */
	r = delete_matching("ward_sandboxes", sizeof(uint64_t), u64_key_is, cgid);
	first = first ? first : r;
	r = delete_matching("ward_net4", sizeof(struct ward_net4_key), net_key_is, cgid);
	first = first ? first : r;
	r = delete_matching("ward_net6", sizeof(struct ward_net6_key), net_key_is, cgid);
	first = first ? first : r;
	r = delete_matching("ward_bind", sizeof(uint64_t), u64_key_is, cgid);
	first = first ? first : r;
	r = delete_matching("ward_inodes", sizeof(struct ward_inode_key), inode_key_is, cgid);
	first = first ? first : r;
	/* Name keys begin with the sandbox's cgroup id too. */
	r = delete_matching("ward_unix_names", sizeof(struct ward_unix_name_key), inode_key_is,
			    cgid);
	first = first ? first : r;
	r = bpf_ring_slot_release(cgid);
	first = first ? first : r;
	r = delete_cache_for(cgid);
	return first ? first : r;
}
