/* landlock.h — the Landlock layer: filesystem, TCP port and scope rules.
 * Built in the parent (open the paths, create the ruleset); the child only
 * restricts itself, so nothing after fork allocates. Never fails open: a
 * grant that cannot be added is an error, not a skipped rule.
 */
#ifndef WARD_LAYERS_LANDLOCK_H
#define WARD_LAYERS_LANDLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "plan/plan.h"

/* The running kernel's Landlock ABI (0 when unsupported), and why not. */
int landlock_abi_version(char *why, size_t why_size);

/* Creates a ruleset fd holding PLAN's grants (O_CLOEXEC). */
int landlock_prepare(const struct plan *plan, int *ruleset_fd_out, ward_error *err);

/* The Landlock rights WARD_FS_* ACCESS becomes on this host for PLAN, for
 * a directory or another inode: for rules the child adds on mounts it makes
 * (sandbox/world.h). 0 when Landlock is off. */
uint64_t landlock_rights_for(const struct plan *plan, unsigned access, bool is_dir);

/* In the child, before enforcing: adds a rule of RIGHTS beneath PATH.
 * Async-signal-safe. 0 or a negative errno. */
int landlock_add_path_rule(int ruleset_fd, const char *path, uint64_t rights);

/* Adds rules for the files behind fds 0, 1 and 2 with the access each was
 * opened with, so the program can reopen its own standard streams by path
 * (/dev/stdout, /proc/self/fd/1) wherever they point. Pipes and sockets
 * need none. */
int landlock_add_stdio(const struct plan *plan, int ruleset_fd, ward_error *err);

/* In the child, after PR_SET_NO_NEW_PRIVS: enforces RULESET_FD on the
 * calling thread. Async-signal-safe. Returns 0 or a negative errno. */
int landlock_enforce(int ruleset_fd);

#endif
