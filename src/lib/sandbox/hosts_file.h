/* hosts_file.h — the sandbox's /etc/hosts when its policy names hosts: the
 * host's file followed by the plan's pinned "ADDRESS NAME" lines, so the
 * program resolves the allowed names (to the addresses the rules allow)
 * without DNS egress. The file lives in ward's own runtime directory, is
 * bound read-only over /etc/hosts in the sandbox's root, and is rewritten
 * in place when a name is re-resolved (the bind pins its inode).
 */
#ifndef WARD_SANDBOX_HOSTS_FILE_H
#define WARD_SANDBOX_HOSTS_FILE_H

#include <stddef.h>

#include "core/error.h"

struct hosts_file {
	char path[4096]; /* "" when there is none */
	int fd;		 /* open for rewriting */
};

/* Creates it with the host's /etc/hosts and the N pinned LINES. */
int hosts_file_create(struct hosts_file *hf, char *const *lines, size_t n, ward_error *err);
/* Rewrites it with the host's /etc/hosts and LINES (a re-resolution). */
int hosts_file_rewrite(const struct hosts_file *hf, char *const *lines, size_t n);
/* Removes it (after the run); safe on one never created. */
void hosts_file_remove(struct hosts_file *hf);

#endif
