// SPDX-License-Identifier: GPL-2.0
/* lsm_file.bpf.c — BPF LSM file hooks: file_open and inode_permission
 * (every way to open: openat2, io_uring, open_by_handle_at, /proc/self/fd
 * reopens), bprm_check_security and mmap_file with PROT_EXEC (exec and
 * ld.so tricks). Rules are keyed by inode identity, so symlinks, hardlinks,
 * renames and bind mounts reach the same key; "beneath" rules are found by
 * a bounded walk of parent dentries. Returns 0, an earlier verdict, or -EPERM.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ward_escalate.bpf.h"
#include "ward_inode.bpf.h"
#include "ward_net.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define WARD_EPERM 1
#define WARD_FMODE_READ 0x1
#define WARD_FMODE_WRITE 0x2
#define WARD_MAY_OPEN 0x20
#define WARD_MAY_EXEC 0x1
#define WARD_MAY_WRITE 0x2
#define WARD_MAY_READ 0x4
#define WARD_MAY_APPEND 0x8
#define WARD_PROT_EXEC 0x4
#define WARD_S_IFMT 00170000
#define WARD_S_IFDIR 0040000

/* The rule that denies WANT on DENTRY: its own inode's rule, or a
 * "beneath" rule of one of its first WARD_MAX_PARENT_WALK ancestors. The
 * walk stays inside one mount's tree (d_parent of a root is itself). */
static __always_inline const struct ward_inode_value *
ward_dentry_denied(__u64 sandbox, struct dentry *dentry, __u32 want, __u64 *dev, __u64 *ino)
{
	struct ward_inode_key key = {};
	for (int depth = 0; depth < WARD_MAX_PARENT_WALK; depth++) {
		struct inode *inode = BPF_CORE_READ(dentry, d_inode);
		if (!inode)
			return 0;
		const struct ward_inode_value *value = ward_inode_rule(sandbox, inode, &key);
		if (depth == 0) {
			*dev = key.dev;
			*ino = key.ino;
		}
		if (value && (value->deny & want) && (depth == 0 || value->beneath))
			return value;
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (!parent || parent == dentry)
			return 0;
		dentry = parent;
	}
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(ward_file_open, struct file *file, int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_FS))
		return 0;

	/* Exec is judged once, by bprm_check_security, not at its open. */
	__u32 fmode = BPF_CORE_READ(file, f_mode);
	__u32 want = 0;
	if ((fmode & WARD_FMODE_READ) && (cfg->flags & WARD_SB_FS))
		want |= WARD_ACC_READ;
	if ((fmode & WARD_FMODE_WRITE) && (cfg->flags & WARD_SB_FS))
		want |= WARD_ACC_WRITE;
	if (!want)
		return 0;
	__u64 dev = 0, ino = 0;
	const struct ward_inode_value *rule =
		ward_dentry_denied(sandbox, BPF_CORE_READ(file, f_path.dentry), want, &dev, &ino);
	if (!rule)
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_FILE_OPEN, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			rule->rule_id);
	ev.mask = want & rule->deny;
	ev.dev = dev;
	ev.ino = ino;
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/inode_permission")
int BPF_PROG(ward_inode_permission, struct inode *inode, int mask, int ret)
{
	if (ret != 0)
		return ret;
	/* Opens are judged by file_open, with the parent walk: judging them
	 * here too would report one operation twice in audit mode. */
	if (mask & WARD_MAY_OPEN)
		return 0;
	if (!(mask & (WARD_MAY_READ | WARD_MAY_WRITE | WARD_MAY_APPEND | WARD_MAY_EXEC)))
		return 0;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_FS))
		return 0;

	/* The inode's own rule only: there is no dentry here to walk, and
	 * file_open judges what lies beneath. Search on a directory is not a
	 * read of it. */
	__u16 imode = BPF_CORE_READ(inode, i_mode);
	__u32 want = 0;
	if (mask & WARD_MAY_READ)
		want |= WARD_ACC_READ;
	if (mask & (WARD_MAY_WRITE | WARD_MAY_APPEND))
		want |= WARD_ACC_WRITE;
	if ((mask & WARD_MAY_EXEC) && (imode & WARD_S_IFMT) != WARD_S_IFDIR)
		want |= WARD_ACC_EXEC;
	if (!want)
		return 0;
	struct ward_inode_key key = {};
	const struct ward_inode_value *rule = ward_inode_rule(sandbox, inode, &key);
	if (!rule || !(rule->deny & want))
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_INODE_PERMISSION,
			audit ? WARD_EV_AUDIT : WARD_EV_DENY, rule->rule_id);
	ev.mask = want & rule->deny;
	ev.dev = key.dev;
	ev.ino = key.ino;
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(ward_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_EXEC))
		return 0;

	__u64 dev = 0, ino = 0;
	const struct ward_inode_value *rule = ward_dentry_denied(
		sandbox, BPF_CORE_READ(bprm, file, f_path.dentry), WARD_ACC_EXEC, &dev, &ino);
	if (!rule)
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_BPRM_CHECK, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			rule->rule_id);
	ev.mask = WARD_ACC_EXEC;
	ev.dev = dev;
	ev.ino = ino;
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/mmap_file")
int BPF_PROG(ward_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret != 0)
		return ret;
	/* ld.so can map a binary it was not asked to exec: PROT_EXEC is exec. */
	if (!file || !(prot & WARD_PROT_EXEC))
		return 0;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_EXEC))
		return 0;
	/* The binary being exec'd is mapped by the kernel's loader after
	 * bprm_check_security judged it; judge only other mappings. */
	struct task_struct *task = bpf_get_current_task_btf();
	struct inode *exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
	if (exe && exe == BPF_CORE_READ(file, f_inode))
		return 0;

	__u64 dev = 0, ino = 0;
	const struct ward_inode_value *rule = ward_dentry_denied(
		sandbox, BPF_CORE_READ(file, f_path.dentry), WARD_ACC_EXEC, &dev, &ino);
	if (!rule)
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_MMAP_FILE, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			rule->rule_id);
	ev.mask = WARD_ACC_EXEC;
	ev.dev = dev;
	ev.ino = ino;
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}
