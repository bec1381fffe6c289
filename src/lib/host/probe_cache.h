/* probe_cache.h — this boot's probe results kept in root's /run/ward
 * (probe_cache.c): the BPF probe's answers and where the cgroup
 * hierarchies are mounted. */
#ifndef WARD_HOST_PROBE_CACHE_H
#define WARD_HOST_PROBE_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "host/features.h"

#define PROBE_CACHED_PATH_MAX 256

struct probe_cached_mount {
	char path[PROBE_CACHED_PATH_MAX]; /* "" when none */
	uint64_t dev, ino;
};

/* What mountinfo said about the cgroup hierarchies, and the per-kernel
 * cgroup.kill/cgroup.freeze answers (host/cgroup_probe.c). */
struct probe_cached_cgroups {
	bool valid;
	uint64_t mntns_dev, mntns_ino;
	bool v1_mounted;
	bool kill, freeze;
	struct probe_cached_mount v2;
	struct probe_cached_mount v1[CG_CTRL_COUNT_];
};

struct probe_record {
	char magic[8];
	char version[16];
	uint32_t layout;
	char boot_id[40];
	bool bpf_valid;
	bool lsm_list_known;
	char lsm_list[128];
	char lockdown[32];
	bool bpf_lsm_listed;
	bool bpf_lsm_loads;
	char bpf_lsm_why[200];
	bool cgroup_bpf_loads;
	char cgroup_bpf_why[200];
	bool fexit_loads;
	char fexit_why[200];
	bool btf;
	struct probe_cached_cgroups cgroups;
};

/* This boot's record, when root owns it and nobody else may write it; false
 * (REC zeroed, its key filled) otherwise. */
bool probe_cache_read(struct probe_record *rec);
/* Fills F's BPF fields from REC (bpf_valid). */
void probe_cache_bpf_get(const struct probe_record *rec, struct host_features *f);
void probe_cache_bpf_put(struct probe_record *rec, const struct host_features *f);
/* Writes REC (root only), replacing the file at once. */
void probe_cache_write(const struct probe_record *rec);
/* Drops the cache (after `ward bpf load|unload`, or for a fresh probe). */
void probe_cache_forget(void);

#endif
