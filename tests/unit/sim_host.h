/* sim_host.h — simulated hosts for the planner's tests: the host_features a
 * probe would report on each kind of machine, so the plan can be built for
 * hosts this one is not. Shared by test_plan.c and test_plan_sections.c. */
#ifndef WARD_TEST_SIM_HOST_H
#define WARD_TEST_SIM_HOST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "host/features.h"

enum host_kind {
	H_FULL,	     /* Landlock 7, seccomp, notify, root, v2 + controllers, BPF LSM, cgroup BPF */
	H_ROOT_HERE, /* like this test machine as root: no BPF LSM, cgroup BPF loads */
	H_USER,	     /* unprivileged: no cgroup, no BPF */
	H_BARE,	     /* no Landlock, no user notification */
	H_LL3,	     /* Landlock ABI 3 (no network rules), unprivileged */
	H_LL3_ROOT,  /* Landlock ABI 3 (no TCP rules), root with cgroup BPF */
	H_V2_USER,   /* unprivileged with a delegated v2 cgroup holding every controller */
	H_NO_USERNS, /* unprivileged, no user namespaces: no mount namespace either */
	H_NO_NOTIF,  /* unprivileged, Landlock 7, no seccomp user notification */
};

static inline void host_of(enum host_kind kind, struct host_features *h)
{
	memset(h, 0, sizeof(*h));
	h->landlock_abi = kind == H_BARE ? 0 : kind == H_LL3 || kind == H_LL3_ROOT ? 3 : 7;
	if (kind == H_BARE)
		snprintf(h->landlock_why, sizeof(h->landlock_why), "Landlock is not enabled");
	h->seccomp_filter = true;
	h->seccomp_user_notif = kind != H_BARE && kind != H_NO_NOTIF;
	h->seccomp_kill_process = true;
	h->userns = kind != H_NO_USERNS;
	bool root = kind == H_FULL || kind == H_ROOT_HERE || kind == H_LL3_ROOT;
	h->root = h->cap_sys_admin = h->cap_bpf = root;
	h->cgroup_v2_usable = root || kind == H_V2_USER;
	snprintf(h->cgroup_v2_why, sizeof(h->cgroup_v2_why), "%s",
		 h->cgroup_v2_usable ? "" : "not delegated");
	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		h->controllers[c].available = true;
		h->controllers[c].usable = root || kind == H_V2_USER;
		h->controllers[c].v2 = kind == H_V2_USER;
		snprintf(h->controllers[c].why, sizeof(h->controllers[c].why), "%s",
			 h->controllers[c].usable ? "" : "not delegated");
	}
	h->bpf_lsm_loads = kind == H_FULL;
	snprintf(h->bpf_lsm_why, sizeof(h->bpf_lsm_why), "%s",
		 h->bpf_lsm_loads ? "" : "bpf is not an active LSM");
	h->cgroup_bpf_loads = root;
	snprintf(h->cgroup_bpf_why, sizeof(h->cgroup_bpf_why), "%s",
		 root ? "" : "EPERM without CAP_BPF");
	struct layer_support *s = &h->support;
	s->probed = true;
	if (h->bpf_lsm_loads) {
		s->bpf_lsm[SUPPORT_FS_DENY] = s->bpf_lsm[SUPPORT_EXEC_DENY] = true;
		s->bpf_lsm[SUPPORT_NET] = s->bpf_lsm[SUPPORT_KERNEL] = true;
		s->bpf_lsm[SUPPORT_UNIX] = true;
		s->bpf_lsm_escalate = true;
	}
	s->cgroup_bpf_net = h->cgroup_bpf_loads;
	/* fexit loads where the BPF LSM does (the QEMU guests); this machine
	 * refuses both. */
	h->fexit_loads = s->file_acct = kind == H_FULL;
	snprintf(s->file_acct_why, sizeof(s->file_acct_why), "%s",
		 s->file_acct ? "" : "fexit program load returned EPERM");
	if (h->seccomp_user_notif) {
		s->supervisor[SUPPORT_FS_DENY] = s->supervisor[SUPPORT_NET] = true;
		s->supervisor[SUPPORT_EXEC_ARGV] = s->supervisor[SUPPORT_CALLBACK] = true;
	}
}

#endif
