/* mount_mask.h — denials and carve-outs inside grants, held by the
 * sandbox's own mount namespace: an empty, read-only, unreadable mask over
 * each denied path, a bind of each carve-out onto itself that is read-only
 * and/or noexec. The kernel then answers EACCES/EROFS for the path and its
 * metadata, while the rest of the grant stays fully usable. seccomp and
 * Landlock keep the sandbox from unmounting any of it.
 */
#ifndef WARD_LAYERS_MOUNT_MASK_H
#define WARD_LAYERS_MOUNT_MASK_H

#include "plan/plan.h"

/* In the child, in its new mount namespace, after the grants are mounted and
 * before Landlock: makes every mount private (nothing propagates to the
 * host), then applies PLAN->fs_masks in order, then enters the working
 * directory again by name (it may lie beneath a mask). Async-signal-safe
 * (system calls only). Returns 0 or a negative errno; a path missing at
 * start is skipped. */
int mount_mask_apply(const struct plan *plan);

/* In the parent, before the child starts: refuses (-EPERM, ERR naming the
 * file and the fix) a denied file that has other hard links, which would
 * reach it past a path-based denial, also for every file beneath a denied
 * directory (a bounded walk). Denials held by the BPF LSM layer (by inode)
 * are not checked. An exec deny of a file with links in other directories
 * is refused too (links beside it are punched with it), whatever layer
 * stops its execve: the read it withholds is path-based. Reads only
 * plan->path_denies. */
int mount_mask_check_links(const struct plan *plan, ward_error *err);

#endif
