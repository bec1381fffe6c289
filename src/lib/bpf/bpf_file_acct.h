/* bpf_file_acct.h — per-sandbox file byte accounting and quotas in the
 * kernel (src/bpf/acct_file.bpf.c): fexit programs on the VFS read/write
 * paths, loaded, attached and pinned once for the host, and one map record
 * per sandbox keyed by its v2 cgroup id. Root only; where fexit programs do
 * not load (this CI host refuses them), the plan says so.
 */
#ifndef WARD_BPF_FILE_ACCT_H
#define WARD_BPF_FILE_ACCT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct bpf_file_acct;

struct file_figures {
	uint64_t bytes_read, bytes_written;
	bool read_crossed, write_crossed;
};

/* Whether the programs load and attach here (tried once per process). */
bool bpf_file_acct_usable(char *why, size_t why_size);
/* Starts counting for the sandbox cgroup CGROUP_ID with byte quotas (0:
 * none); KILL: the kernel SIGKILLs a task that reads/writes over one. */
int bpf_file_acct_attach(uint64_t cgroup_id, uint64_t read_quota, uint64_t write_quota, bool kill,
			 struct bpf_file_acct **out, ward_error *err);
int bpf_file_acct_read(const struct bpf_file_acct *acct, struct file_figures *out);
/* The figures of any sandbox cgroup by id, through the pinned map (for
 * ward ps); -ENOENT when it is not counted. */
int bpf_file_acct_read_cgroup(uint64_t cgroup_id, struct file_figures *out);
/* Removes the sandbox's record (its figures are gone after this). */
void bpf_file_acct_detach(struct bpf_file_acct *acct);
/* Removes the pins of every build's file accounting (ward bpf unload): the
 * programs detach once nothing holds them. */
void bpf_file_acct_unpin_all(void);

#endif
