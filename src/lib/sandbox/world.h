/* world.h — the sandbox's own root, built the way bubblewrap builds it: the
 * parent turns the plan into a list of mount operations (world_build.c, may
 * allocate and read the host), the child replays them between clone and
 * exec (world_enter.c, system calls only). Capabilities are dropped by
 * world_caps.c. Nothing outside the grants exists in the root.
 */
#ifndef WARD_SANDBOX_WORLD_H
#define WARD_SANDBOX_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

enum world_op_kind {
	WORLD_BIND,    /* src (host path under /oldroot) at dst, mount attributes attr */
	WORLD_TMPFS,   /* a tmpfs at dst, options in data, MS_* flags in attr */
	WORLD_SYMLINK, /* dst -> data */
	WORLD_PROC,    /* procfs of the new pid namespace */
	WORLD_DEVPTS,  /* a new devpts instance */
	WORLD_DENY,    /* an empty node of mode 000 over dst (a denial in a grant) */
	WORLD_OVERLAY, /* a read-only overlay of src (under /oldroot) at dst, MS_* in attr */
};

struct world_op {
	enum world_op_kind kind;
	char *dst;  /* under /newroot */
	char *src;  /* WORLD_BIND: under /oldroot */
	char *data; /* WORLD_TMPFS, WORLD_OVERLAY: mount options; WORLD_SYMLINK: the link text */
	unsigned long attr;
	bool is_dir; /* WORLD_BIND: the mount point is a directory (else a file) */
	bool link;   /* WORLD_BIND: src is a symlink, bound itself (not its target) */
};

/* A Landlock rule on a mount the child makes (it has no inode before). */
struct world_rule {
	char *path; /* in the final root */
	uint64_t rights;
};

struct world_setup {
	struct world_op *ops;
	size_t n_ops;
	struct world_rule *rules;
	size_t n_rules;
	char *cwd; /* in the final root */
};

/* Builds the operations for PLAN. HOME is the sandbox's $HOME (may be NULL),
 * CWD the directory the program should start in (NULL: ward's). When that
 * directory is not in the root, the setup starts in HOME and WARNING says
 * so in one line. */
int world_build(const struct plan *plan, const char *home, const char *cwd, struct world_setup *out,
		char *warning, size_t warning_size, ward_error *err);
/* Adds to W the host directory DIR bound read-only at INSIDE (a directory
 * the world makes on its own /dev tmpfs) and the symlink LINK, which points
 * into INSIDE, bound itself over the file DST: DST then reads whatever file
 * DIR holds at each open, so one replaced there by a rename is seen whole,
 * never half-written. Readable under Landlock, in mount order. */
int world_add_linked_dir(struct world_setup *w, const struct plan *plan, const char *dir,
			 const char *inside, const char *link, const char *dst);
void world_free(struct world_setup *world);

/* In the child, with the capabilities of the new user namespace: replays
 * the operations, pivots into the new root and adds the Landlock rules of
 * the new mounts to LANDLOCK_FD (when >= 0). Returns 0 or a negative errno;
 * *STAGE names the step that failed (enum child_stage), *STEP which one of
 * them (world_step_name). */
int world_enter(const struct world_setup *world, int landlock_fd, int *stage, int *step);

/* In the parent: the words for world_enter's failed STEP ("mounting proc on
 * /proc"), in BUF or static; NULL when STEP names none. */
const char *world_step_name(const struct world_setup *world, int step, char *buf, size_t size);

/* In the child: lo up in a new network namespace (needs CAP_NET_ADMIN in
 * its user namespace). 0 or -errno. */
int world_loopback_up(void);

/* In the child, last before no_new_privs: empties every capability set
 * (effective, permitted, inheritable, ambient, bounding). 0 or -errno. */
int world_drop_caps(void);

/* Where the new root is assembled in the child's mount namespace. */
#define WORLD_NEWROOT "/newroot"
#define WORLD_OLDROOT "/oldroot"
/* The empty second lower layer of the read-only overlays, in the assembly
 * root. */
#define WORLD_OVERLAY_EMPTY "/overlay-empty"

#endif
