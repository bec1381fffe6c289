/* sup_resolve.h — resolving a path the way a sandboxed task sees it (its
 * root, its cwd or dirfd) without chroot, so without privilege: the task's
 * root is an fd (/proc/PID/root) and lookups are confined to it by
 * openat2(RESOLVE_IN_ROOT). Never lets a lookup escape that root.
 */
#ifndef WARD_SUP_RESOLVE_H
#define WARD_SUP_RESOLVE_H

#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* PATH from DIRFD as a task whose root is ROOT_FD resolves it (ROOT_FD < 0:
 * this thread's own root, a plain openat2), with HOW (RESOLVE_IN_ROOT is
 * added where the task's root applies). Only syscalls on the given fds and
 * this thread's credentials: call it on a thread that became the caller
 * (sup_caller_become) for the caller's DAC and Landlock checks.
 * Returns an fd or -errno. -EXDEV with *OUTSIDE set (OUTSIDE may be NULL):
 * DIRFD cannot be placed under ROOT_FD (a directory outside the task's root,
 * or deleted) and the path leaves DIRFD's subtree; refused, never guessed. */
int sup_resolve_at(int root_fd, int dirfd, const char *path, const struct open_how *how,
		   bool *outside);

/* An O_PATH fd of PATH in PID's view: from its cwd (DIRFD_ARG == AT_FDCWD)
 * or its fd DIRFD_ARG, inside its root. FLAGS: O_NOFOLLOW / O_DIRECTORY;
 * RESOLVE: extra RESOLVE_* bits (RESOLVE_NO_MAGICLINKS is always added).
 * Made with this thread's credentials: an identity to check before use,
 * never a grant. Returns the fd or -errno. */
int sup_resolve_in_child(pid_t pid, int dirfd_arg, const char *path, uint64_t flags,
			 uint64_t resolve);

#endif
