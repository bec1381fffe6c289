/* cgroup_internal.h — the sandbox cgroup record shared by the cgroup layer's
 * files: its directories (one v2, one per v1 hierarchy) and the registry
 * entry that lets a later ward reclaim them. Not part of any public API.
 */
#ifndef WARD_LAYERS_CGROUP_INTERNAL_H
#define WARD_LAYERS_CGROUP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>

#include "layers/cgroup.h"

/* One v2 directory plus at most one per v1 controller. */
#define CG_MAX_DIRS (1 + CG_CTRL_COUNT_)
#define CG_ID_MAX 64

struct cg_dir {
	char path[PATH_MAX]; /* <hierarchy>/ward/<id> */
	bool v2;
	unsigned ctrls; /* 1u << enum cgroup_controller, the controllers this dir holds */
};

struct cgroup_sandbox {
	char id[CG_ID_MAX + 1];
	struct cg_dir dirs[CG_MAX_DIRS];
	size_t ndirs;
	int v2_fd; /* -1 when no v2 directory */
	uint64_t v2_id;
	char registry[PATH_MAX]; /* the registry entry, "" when none */
	bool proven_empty;	 /* a kill found every directory empty */
};

/* The v2 directory of CG, or NULL. */
const struct cg_dir *cg_v2_dir(const struct cgroup_sandbox *cg);
/* The directory holding controller CTRL, or NULL. */
const struct cg_dir *cg_dir_of(const struct cgroup_sandbox *cg, enum cgroup_controller ctrl);
/* PATH = DIR/FILE; -ENAMETOOLONG when it does not fit. */
int cg_path(char *path, size_t size, const char *dir, const char *file);
/* Copies SRC into DST; -ENAMETOOLONG (DST untouched) when it does not fit. */
int cg_copy(char *dst, size_t size, const char *src);

/* ---- cgroup_registry.c ---- */
/* Records CG (owner: this process) under the registry, atomically. */
int cg_registry_add(struct cgroup_sandbox *cg, ward_error *err);
void cg_registry_remove(struct cgroup_sandbox *cg);

#endif
