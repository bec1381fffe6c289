// SPDX-License-Identifier: GPL-2.0
/* acct_file.bpf.c — counts the bytes a sandbox reads from and writes to
 * regular files, in the kernel: fexit programs on vfs_read/vfs_write (read,
 * pread64, write, pwrite64) and vfs_readv/vfs_writev (readv, writev,
 * preadv*, pwritev*), loaded once and pinned, shared by every sandbox. A
 * task counts when its v2 cgroup has a record (user space adds one per
 * sandbox); everything else costs one hash lookup. Pipes, sockets and
 * devices are not files here. Over a quota the crossing is latched, and with
 * the kill action the task that crossed (and any later reader/writer over
 * it) gets SIGKILL from the kernel at once; ward kills the rest.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ward_file_acct.h"

char LICENSE[] SEC("license") = "GPL";

#define S_IFMT 00170000
#define S_IFREG 0100000
#define SIGKILL 9

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARD_FILE_ACCT_MAX);
	__type(key, __u64); /* the sandbox's v2 cgroup id */
	__type(value, struct ward_file_acct);
} ward_file_acct_map SEC(".maps");

static __always_inline void account(struct file *file, long ret, int dir)
{
	if (ret <= 0)
		return;
	__u64 cgroup = bpf_get_current_cgroup_id();
	struct ward_file_acct *a = bpf_map_lookup_elem(&ward_file_acct_map, &cgroup);
	if (!a)
		return;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFREG)
		return;
	__u64 now = __sync_fetch_and_add(&a->bytes[dir], (__u64)ret) + (__u64)ret;
	if (a->quota[dir] && now > a->quota[dir]) {
		a->crossed[dir] = 1;
		if (a->kill)
			bpf_send_signal(SIGKILL);
	}
}

SEC("fexit/vfs_read")
int BPF_PROG(ward_vfs_read, struct file *file, char *buf, size_t count, loff_t *pos, long ret)
{
	account(file, ret, WARD_FILE_READ);
	return 0;
}

SEC("fexit/vfs_write")
int BPF_PROG(ward_vfs_write, struct file *file, const char *buf, size_t count, loff_t *pos,
	     long ret)
{
	account(file, ret, WARD_FILE_WRITE);
	return 0;
}

SEC("fexit/vfs_readv")
int BPF_PROG(ward_vfs_readv, struct file *file, const struct iovec *vec, unsigned long vlen,
	     loff_t *pos, rwf_t flags, long ret)
{
	account(file, ret, WARD_FILE_READ);
	return 0;
}

SEC("fexit/vfs_writev")
int BPF_PROG(ward_vfs_writev, struct file *file, const struct iovec *vec, unsigned long vlen,
	     loff_t *pos, rwf_t flags, long ret)
{
	account(file, ret, WARD_FILE_WRITE);
	return 0;
}
