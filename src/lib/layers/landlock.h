/* landlock.h — the Landlock layer: filesystem, TCP port and scope rules.
 * Built in the parent (open the paths, create the ruleset); the child only
 * restricts itself, so nothing after fork allocates. Never fails open: a
 * grant that cannot be added is an error, not a skipped rule.
 */
#ifndef WARD_LAYERS_LANDLOCK_H
#define WARD_LAYERS_LANDLOCK_H

#include "plan/plan.h"

/* The running kernel's Landlock ABI (0 when unsupported), and why not. */
int landlock_abi_version(char *why, size_t why_size);

/* Creates a ruleset fd holding PLAN's grants (O_CLOEXEC). */
int landlock_prepare(const struct plan *plan, int *ruleset_fd_out, ward_error *err);

/* In the child, after PR_SET_NO_NEW_PRIVS: enforces RULESET_FD on the
 * calling thread. Async-signal-safe. Returns 0 or a negative errno. */
int landlock_enforce(int ruleset_fd);

#endif
