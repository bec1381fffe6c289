/* bpf_admin.c — `ward bpf status|load|unload` and the garbage collection of
 * sandboxes whose ward died. A sandbox is stale only when its cgroup no
 * longer exists (asked of the kernel by cgroup id); unload refuses while a
 * live sandbox still relies on the programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bpf/bpf_acct.h"
#include "bpf/bpf_file_acct.h"
#include "bpf/bpf_internal.h"
#include "core/cleanup.h"
#include "core/error.h"

/* The v2 hierarchy: /sys/fs/cgroup on a pure-v2 host, .../unified on a hybrid one. */
static int open_cgroup2_root(void)
{
	const char *candidates[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
		struct statfs fs;
		if (statfs(candidates[i], &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
			return open(candidates[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return -ENOENT;
}

#define FILEID_KERNFS 0xfe

/* 1 when cgroup CGID exists, 0 when it does not, negative when unknown. */
static int cgroup_exists(int root_fd, uint64_t cgid)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} handle = {.fh = {.handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS}};
	memcpy(handle.fh.f_handle, &cgid, sizeof(cgid));
	int fd = open_by_handle_at(root_fd, &handle.fh, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ESTALE || errno == ENOENT ? 0 : -errno;
}

/* Every sandbox cgroup id in the map (caller frees). */
static int list_sandboxes(uint64_t **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	_cleanup_close_ int fd = bpf_map_pinned_fd("ward_sandboxes");
	if (fd < 0)
		return fd;
	_cleanup_free_ uint64_t *ids = calloc(WARD_MAX_SANDBOXES, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	size_t n = 0;
	uint64_t key, prev;
	const uint64_t *prevp = NULL;
	while (n < WARD_MAX_SANDBOXES && bpf_map_get_next_key(fd, prevp, &key) == 0) {
		ids[n++] = key;
		prev = key;
		prevp = &prev;
	}
	*out = steal_ptr(ids);
	*count = n;
	return 0;
}

int bpf_gc_stale(void)
{
	_cleanup_free_ uint64_t *ids = NULL;
	size_t count = 0;
	int r = list_sandboxes(&ids, &count);
	if (r == -ENOENT)
		return 0; /* nothing was ever loaded */
	if (r < 0)
		return r;
	_cleanup_close_ int root = open_cgroup2_root();
	if (root < 0)
		return root;
	int collected = 0;
	for (size_t i = 0; i < count; i++) {
		if (cgroup_exists(root, ids[i]) != 0)
			continue; /* alive, or unknown: never collect on doubt */
		if (bpf_maps_remove_sandbox(ids[i]) == 0)
			collected++;
	}
	/* Ring slots claimed by a ward that died before its sandbox entry
	 * was written. */
	_cleanup_close_ int owner = bpf_map_pinned_fd("ward_ring_owner");
	uint32_t slot, prev;
	const uint32_t *prevp = NULL;
	uint64_t cgid;
	while (owner >= 0 && bpf_map_get_next_key(owner, prevp, &slot) == 0) {
		if (bpf_map_lookup_elem(owner, &slot, &cgid) == 0 && cgroup_exists(root, cgid) == 0)
			bpf_ring_slot_release(cgid);
		prev = slot;
		prevp = &prev;
	}
	return collected;
}

static size_t map_entries(const char *name, size_t key_size)
{
	_cleanup_close_ int fd = bpf_map_pinned_fd(name);
	if (fd < 0)
		return 0;
	uint8_t cur[64], prev[64];
	size_t n = 0;
	const void *prevp = NULL;
	while (key_size <= sizeof(cur) && bpf_map_get_next_key(fd, prevp, cur) == 0) {
		n++;
		memcpy(prev, cur, key_size);
		prevp = prev;
	}
	return n;
}

int bpf_status_print(FILE *out)
{
	fprintf(out, "pins: %s (layout %d)\n", bpf_pin_dir(), WARD_BPF_LAYOUT);
	fprintf(out, "programs:\n");
	for (size_t i = 0; i < bpf_progs_count; i++) {
		const struct bpf_prog_desc *desc = &bpf_progs[i];
		char path[256];
		snprintf(path, sizeof(path), "%s/progs/%s", bpf_pin_dir(), desc->name);
		bool loaded = access(path, F_OK) == 0;
		snprintf(path, sizeof(path), "%s/links/%s", bpf_pin_dir(), desc->name);
		bool attached = access(path, F_OK) == 0;
		fprintf(out, "  %-28s %-12s %s\n", desc->name, desc->object,
			!loaded			 ? "not loaded"
			: desc->lsm && !attached ? "loaded, not attached"
			: desc->lsm		 ? "loaded, attached"
						 : "loaded (attached per sandbox cgroup)");
	}
	_cleanup_free_ uint64_t *ids = NULL;
	size_t count = 0;
	list_sandboxes(&ids, &count);
	fprintf(out, "sandboxes: %zu\n", count);
	_cleanup_close_ int fd = bpf_map_pinned_fd("ward_sandboxes");
	for (size_t i = 0; i < count && fd >= 0; i++) {
		struct ward_sandbox_cfg cfg;
		if (bpf_map_lookup_elem(fd, &ids[i], &cfg) < 0)
			continue;
		fprintf(out, "  cgroup %llu: flags 0x%x%s, denials %llu, events dropped %llu\n",
			(unsigned long long)ids[i], cfg.flags,
			cfg.flags & WARD_SB_AUDIT ? " (audit)" : "",
			(unsigned long long)cfg.denials, (unsigned long long)cfg.drops);
	}
	fprintf(out, "entries: net4 %zu, net6 %zu, inodes %zu, unix names %zu\n",
		map_entries("ward_net4", sizeof(struct ward_net4_key)),
		map_entries("ward_net6", sizeof(struct ward_net6_key)),
		map_entries("ward_inodes", sizeof(struct ward_inode_key)),
		map_entries("ward_unix_names", sizeof(struct ward_unix_name_key)));
	return 0;
}

int bpf_load_pinned(ward_error *err)
{
	struct bpf_prog_state *states = calloc(bpf_progs_count, sizeof(*states));
	if (!states)
		return ward_fail(err, -ENOMEM, "bpf: out of memory");
	int r = bpf_progs_load(NULL, states, err);
	if (r < 0) {
		/* Name every program that failed, not only the first. */
		size_t at = 0;
		char list[sizeof(err->message)] = "";
		for (size_t i = 0; i < bpf_progs_count && at < sizeof(list); i++)
			if (!states[i].loaded || (bpf_progs[i].lsm && !states[i].attached))
				at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
						       at ? ", " : "", bpf_progs[i].name);
		ward_fail(err, r, "bpf: not loaded here: %s", list);
	}
	free(states);
	return r;
}

int bpf_unload_pinned(ward_error *err)
{
	bpf_gc_stale();
	_cleanup_free_ uint64_t *ids = NULL;
	size_t count = 0;
	if (list_sandboxes(&ids, &count) == 0 && count > 0)
		return ward_fail(err, -EBUSY,
				 "bpf: %zu sandbox(es) still run under the programs; not unloading",
				 count);
	bpf_acct_unpin_all();
	bpf_file_acct_unpin_all();
	return bpf_pins_remove(err);
}
