/* cgroup.h — a cgroup per sandbox, on v2, v1 or both (hybrid hosts): limits
 * for memory, pids and CPU, accounting, killing every task, and removal.
 * A sandbox's cgroups are named after its id under a "ward" parent; those
 * left by a ward that died are reclaimed (tasks killed, directories removed).
 */
#ifndef WARD_LAYERS_CGROUP_H
#define WARD_LAYERS_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan/plan.h"

struct cgroup_sandbox;

struct cgroup_stats {
	uint64_t oom_kills;	    /* tasks killed by the memory limit */
	uint64_t pids_max_hits;	    /* forks refused by the pids limit */
	uint64_t peak_memory_bytes; /* 0 when unknown */
	uint64_t cpu_usage_us;	    /* 0 when unknown */
	uint64_t cpu_throttled_us;
};

/* Creates the cgroups PLAN needs (those of limits placed on LAYER_CGROUP in
 * plan->limits; the policy is not read) and writes the limits. The owner's
 * pid is recorded for reclaim. */
int cgroup_sandbox_create(const char *sandbox_id, const struct plan *plan,
			  const struct host_features *host, struct cgroup_sandbox **out,
			  ward_error *err);
/* Moves PID into every cgroup of the sandbox. */
int cgroup_sandbox_attach(struct cgroup_sandbox *cg, pid_t pid, ward_error *err);
/* The same for the v1 hierarchies only: for a child born in the v2 cgroup
 * (clone3 with CLONE_INTO_CGROUP), which skips a costly migration. */
int cgroup_sandbox_attach_v1(struct cgroup_sandbox *cg, pid_t pid, ward_error *err);
/* Opens the "tasks" file of every v1 directory (at most MAX) for the child
 * to join itself, thread by thread, which skips the RCU grace period a
 * process move takes. Returns how many, or a negative errno. */
int cgroup_sandbox_open_v1_tasks(struct cgroup_sandbox *cg, int *fds, size_t max, ward_error *err);
/* Freezes (FROZEN true) or thaws every task: v2 cgroup.freeze or the v1
 * freezer; -EOPNOTSUPP without either. */
int cgroup_sandbox_freeze(struct cgroup_sandbox *cg, bool frozen);
/* SIGKILLs every task in the sandbox (cgroup.kill, or freeze + kill loop). */
int cgroup_sandbox_kill(struct cgroup_sandbox *cg);
int cgroup_sandbox_stats(struct cgroup_sandbox *cg, struct cgroup_stats *out);
/* The v2 cgroup id (inode) the BPF layers key on, 0 when no v2 cgroup. */
uint64_t cgroup_sandbox_v2_id(const struct cgroup_sandbox *cg);
/* An O_DIRECTORY fd of the v2 cgroup, -1 when none (BPF attach point). */
int cgroup_sandbox_v2_fd(const struct cgroup_sandbox *cg);
/* The sandbox's cgroup directories (v2 first), at most MAX; their count. */
size_t cgroup_sandbox_paths(const struct cgroup_sandbox *cg, char (*out)[PATH_MAX], size_t max);
/* Kills what is left and removes the directories; frees CG. */
int cgroup_sandbox_destroy(struct cgroup_sandbox *cg);

/* Reclaims sandboxes whose ward process is gone. Returns how many. */
int cgroup_reclaim_stale(const struct host_features *host);

#endif
