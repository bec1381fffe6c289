/* runtime_dir.h — the caller's own runtime directory for ward's records
 * (see runtime_dir.c). */
#ifndef WARD_CORE_RUNTIME_DIR_H
#define WARD_CORE_RUNTIME_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A real directory owned by UID that nobody else can write. */
bool runtime_dir_is_owned(int fd, uid_t uid);
/* Opens <the caller's runtime dir>/SUB (creating it 0700 when CREATE):
 * /run/ward for root, $XDG_RUNTIME_DIR/ward when that directory is the
 * caller's, else /tmp/ward-UID; every component owner-checked, no symlink
 * followed. Returns an fd or -errno. */
int runtime_dir_open(const char *sub, bool create);
/* The same, as a path (checked the same way) for code that works on paths. */
int runtime_dir_path(const char *sub, bool create, char *out, size_t size);
/* Both at once from one choice: the fd, and its path in OUT. */
int runtime_dir_open_path(const char *sub, bool create, char *out, size_t size);
/* Only where it would be: nothing is made, opened below it or checked. */
int runtime_dir_where(const char *sub, char *out, size_t size);
/* Pattern WHICH (0, 1, ...; -ENOENT past the last) of other users' SUB
 * directories, for glob(3): the places the above picks for a user with
 * systemd's $XDG_RUNTIME_DIR and for one without. Each match still needs
 * its owner checked. */
int runtime_dir_users_glob(size_t which, const char *sub, char *out, size_t size);

#endif
