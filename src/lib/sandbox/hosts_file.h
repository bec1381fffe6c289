/* hosts_file.h — the sandbox's /etc/hosts when its policy names hosts: the
 * host's file followed by the plan's pinned "ADDRESS NAME" lines, so the
 * program resolves the allowed names (to the addresses the rules allow)
 * without DNS egress. The file lives in a directory of its own in ward's
 * runtime directory, which the sandbox sees read-only at HOSTS_FILE_INSIDE;
 * its /etc/hosts is that directory's symlink LINK (bound itself), so a
 * re-resolution replaces the file by a rename: a reader opens the old file
 * or the new one, each whole, never one half-written.
 */
#ifndef WARD_SANDBOX_HOSTS_FILE_H
#define WARD_SANDBOX_HOSTS_FILE_H

#include <stddef.h>

#include "core/error.h"

#define HOSTS_FILE_INSIDE "/dev/.ward-hosts" /* on the world's own /dev tmpfs */
#define HOSTS_FILE_LINK "link"		     /* in the directory: -> INSIDE/hosts */

struct hosts_file {
	char dir[4096]; /* its directory, "" when there is none */
	int dfd;	/* that directory, for rewriting */
};

/* Creates it with the host's /etc/hosts and the N pinned LINES. */
int hosts_file_create(struct hosts_file *hf, char *const *lines, size_t n, ward_error *err);
/* Rewrites it with the host's /etc/hosts and LINES (a re-resolution). */
int hosts_file_rewrite(const struct hosts_file *hf, char *const *lines, size_t n);
/* Removes it (after the run); safe on one never created. */
void hosts_file_remove(struct hosts_file *hf);

#endif
