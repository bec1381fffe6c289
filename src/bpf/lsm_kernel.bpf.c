// SPDX-License-Identifier: GPL-2.0
/* lsm_kernel.bpf.c — BPF LSM hooks that keep a sandbox away from the
 * kernel itself: ptrace attach, bpf(), module loading and mount. Each hook
 * is explicit and returns 0 (allow, or an earlier LSM's verdict) or -EPERM.
 * Tasks outside ward's sandboxes pay one cache lookup and are never denied.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ward_escalate.bpf.h"
#include "ward_net.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define WARD_EPERM 1

SEC("lsm/ptrace_access_check")
int BPF_PROG(ward_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_KERNEL))
		return 0;
	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_PTRACE, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/bpf")
int BPF_PROG(ward_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_KERNEL))
		return 0;
	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_BPF, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	ev.mask = (__u32)cmd;
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/kernel_read_file")
int BPF_PROG(ward_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents,
	     int ret)
{
	if (ret != 0)
		return ret;
	/* Modules only: firmware and policy reads are the kernel's business. */
	if (id != READING_MODULE)
		return 0;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_KERNEL))
		return 0;
	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_KERNEL_READ_FILE,
			audit ? WARD_EV_AUDIT : WARD_EV_DENY, WARD_RULE_DEFAULT);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/kernel_load_data")
int BPF_PROG(ward_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret != 0)
		return ret;
	if (id != LOADING_MODULE)
		return 0;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_KERNEL))
		return 0;
	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_KERNEL_LOAD_DATA,
			audit ? WARD_EV_AUDIT : WARD_EV_DENY, WARD_RULE_DEFAULT);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

/* PFA_NO_NEW_PRIVS, bit 0 of task_struct.atomic_flags (linux/sched.h). */
#define WARD_PFA_NO_NEW_PRIVS 0

/* mount(2) by a task of a sandbox. Ward's own child builds the sandbox's
 * root (world_enter.c) and its masks in the sandbox's cgroup before it sets
 * no_new_privs, which every task of the sandbox holds from then on and can
 * never clear (child.c step 6, before the keeper forks and the program
 * execs): a task without it is ward's setup, which this hook must let
 * through, or no sandbox with its own root could start on a BPF LSM host. */
SEC("lsm/sb_mount")
int BPF_PROG(ward_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret != 0)
		return ret;
	struct task_struct *task = bpf_get_current_task_btf();
	if (!(BPF_CORE_READ(task, atomic_flags) & (1UL << WARD_PFA_NO_NEW_PRIVS)))
		return 0;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_KERNEL))
		return 0;
	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SB_MOUNT, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}
