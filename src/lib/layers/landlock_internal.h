/* landlock_internal.h — what landlock.c and landlock_holes.c share: the
 * rights a WARD_FS_* grant becomes, and adding one counted rule on an fd.
 * Internal to the Landlock layer; never include it from another layer.
 */
#ifndef WARD_LAYERS_LANDLOCK_INTERNAL_H
#define WARD_LAYERS_LANDLOCK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "layers/landlock_abi.h"
#include "plan/plan.h"

#define ACCESS_FS_WRITE                                                                          \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                         \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |                          \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV | LANDLOCK_ACCESS_FS_RESOLVE_UNIX)
/* Handled but never granted: no grant lets the program make device nodes. */
#define ACCESS_FS_DEVICES (LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)
#define ACCESS_FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define ACCESS_FS_ALL \
	(ACCESS_FS_READ | ACCESS_FS_WRITE | ACCESS_FS_DEVICES | LANDLOCK_ACCESS_FS_EXECUTE)

/* The only rights a rule on a non-directory may carry: the kernel rejects
 * the others with EINVAL. */
#define ACCESS_FS_FILE                                                \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Rights that change a directory's entries: creating, removing, moving. */
#define ACCESS_FS_ENTRIES                                                 \
	(LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |     \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |     \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |   \
	 LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER)

/* The filesystem rights a ruleset handles at ABI (clamped by the caller to
 * WARD_LANDLOCK_ABI_MAX). Write grants carry RESOLVE_UNIX: a pathname unix
 * socket is reachable only inside a write grant, or when the sandbox made it. */
__u64 landlock_handled_fs(int abi);

/* More path rules than this in one ruleset is refused: each costs kernel
 * memory and a punched /usr/bin is about 1,400. */
#define LANDLOCK_MAX_FS_RULES 20000

/* The Landlock rights of WARD_FS_* ACCESS on a directory or another inode,
 * limited to HANDLED. */
__u64 landlock_fs_rights(unsigned access, bool is_dir, __u64 handled);

/* Adds a path-beneath rule of RIGHTS on FD (an O_PATH fd is enough) and
 * counts it in *COUNT; past LANDLOCK_MAX_FS_RULES it fails with -E2BIG.
 * RIGHTS of 0 adds nothing. SHOWN names the path in errors. */
int landlock_add_fd_rule(int ruleset_fd, int fd, __u64 rights, size_t *count, const char *shown,
			 ward_error *err);

/* Adds PLAN's filesystem grants with every hole of plan->fs_holes punched
 * out of them (landlock_holes.c). */
int landlock_add_punched_grants(int ruleset_fd, const struct plan *plan, __u64 handled,
				size_t *count, ward_error *err);

#endif
