/* sysfile.h — reading and writing the small text files of /proc, /sys and
 * cgroupfs. Each call is one open/read-or-write/close with the errno kept:
 * a cgroup write that the kernel refuses must be reported, never ignored.
 */
#ifndef WARD_HOST_SYSFILE_H
#define WARD_HOST_SYSFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads at most SIZE-1 bytes of PATH into BUF, NUL-terminated.
 * Returns the length or a negative errno. */
ssize_t sysfile_read(const char *path, char *buf, size_t size);
/* Writes TEXT to PATH in one write(2). Returns 0 or a negative errno. */
int sysfile_write(const char *path, const char *text);
/* Finds the line "KEY VALUE" in PATH ("oom_kill 3" in memory.events).
 * Returns 0, -ENOENT when the key is absent, or a negative errno. */
int sysfile_read_key_u64(const char *path, const char *key, uint64_t *out);
/* The first number in PATH ("max" reads as UINT64_MAX). */
int sysfile_read_u64(const char *path, uint64_t *out);

#endif
