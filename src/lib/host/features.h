/* features.h — what this host's kernel and ward's privilege offer.
 * Probed once per process by trying the real thing (creating a Landlock
 * ruleset, loading a tiny BPF program), never by reading version numbers
 * alone. Every "no" carries the reason that ward features prints.
 */
#ifndef WARD_HOST_FEATURES_H
#define WARD_HOST_FEATURES_H

#include <limits.h>
#include <stdbool.h>

#include "ward.h"

enum cgroup_layout {
	CGROUP_LAYOUT_NONE = 0,
	CGROUP_LAYOUT_V2,     /* unified: controllers on the v2 tree */
	CGROUP_LAYOUT_HYBRID, /* v2 tree for BPF/ids, controllers on v1 */
	CGROUP_LAYOUT_V1,
};

enum cgroup_controller {
	CG_CTRL_MEMORY = 0,
	CG_CTRL_PIDS,
	CG_CTRL_CPU,
	CG_CTRL_CPUACCT, /* v1 only; v2 has cpu.stat in every cgroup */
	CG_CTRL_FREEZER, /* v1 only; v2 has cgroup.freeze */
	CG_CTRL_COUNT_,
};

struct cgroup_controller_info {
	bool available;	      /* exists on this host */
	bool usable;	      /* ward may create child cgroups there */
	bool v2;	      /* on the v2 tree (else v1) */
	char mount[PATH_MAX]; /* hierarchy root, e.g. /sys/fs/cgroup/memory */
	char why[160];	      /* when !usable */
};

/* What each optional layer can hold on this host, asked of the layers once
 * when the host is probed (host/layer_support.c: the BPF programs are loaded
 * and pinned there, never while planning). The planner reads only this. */
enum layer_support_class {
	SUPPORT_FS_DENY = 0, /* deny beneath a path inside a grant */
	SUPPORT_EXEC_DENY,   /* deny exec of a path inside an exec grant */
	SUPPORT_NET,	     /* network rules by address / UDP port / deny carve-outs */
	SUPPORT_KERNEL,	     /* ptrace, bpf, modules, mount as LSM hooks */
	SUPPORT_EXEC_ARGV,   /* exec rules on the arguments */
	SUPPORT_CALLBACK,    /* the user's policy callback */
	SUPPORT_UNIX,	     /* pathname unix peers (unix_stream_connect, unix_may_send) */
	SUPPORT_CLASS_COUNT_,
};

struct layer_support {
	bool probed;			    /* filled by layer_support_fill */
	bool bpf_lsm[SUPPORT_CLASS_COUNT_]; /* every LSM program of the class attached */
	bool bpf_lsm_escalate;		    /* every LSM program attached: kill_after */
	bool cgroup_bpf_net;		    /* the cgroup sock_addr programs loaded */
	bool file_acct;			    /* the fexit file accounting programs attached */
	char file_acct_why[200];
	bool supervisor[SUPPORT_CLASS_COUNT_]; /* implemented by the supervisor */
};

struct host_features {
	int landlock_abi; /* 0: none */
	char landlock_why[160];
	bool seccomp_filter;
	bool seccomp_user_notif;
	bool seccomp_kill_process;
	bool userns; /* unprivileged user namespaces can be created */
	bool root;   /* euid 0 */
	bool cap_sys_admin, cap_bpf, cap_sys_resource;

	enum cgroup_layout cgroup_layout;
	char cgroup_v2_mount[PATH_MAX]; /* "" when there is no v2 tree */
	bool cgroup_v2_usable;		/* ward can create sandbox cgroups on the v2 tree */
	char cgroup_v2_why[160];
	char cgroup_v2_base[PATH_MAX]; /* ward/<id> goes here: the mount or a delegated dir */
	struct cgroup_controller_info controllers[CG_CTRL_COUNT_];
	bool cgroup_kill;   /* cgroup.kill exists (5.14+) */
	bool cgroup_freeze; /* cgroup.freeze exists on the v2 tree (5.2+) */

	bool lsm_list_known; /* /sys/kernel/security/lsm could be read */
	char lsm_list[128];  /* its contents, e.g. "lockdown,capability,landlock,bpf" */
	char lockdown[32];   /* the bracketed lockdown mode, "" when unknown */
	bool bpf_lsm_listed; /* "bpf" in /sys/kernel/security/lsm */
	bool bpf_lsm_loads;  /* a probe LSM program loaded and attached */
	char bpf_lsm_why[200];
	bool cgroup_bpf_loads; /* a cgroup/connect4 program loaded */
	char cgroup_bpf_why[200];
	bool fexit_loads; /* a probe fexit program on vfs_write loaded and attached */
	char fexit_why[200];
	bool btf; /* /sys/kernel/btf/vmlinux */

	struct layer_support support;
};

/* Probes once and caches; later calls return the cached result. */
const struct host_features *host_features_get(void);
/* Probes again (tests, after privilege changes). */
int host_features_probe(struct host_features *out);

const char *cgroup_controller_name(enum cgroup_controller ctrl);

/* 1 when the kernel's audit subsystem is on, 0 when off, a negative errno
 * when this process may not ask (AUDIT_GET needs CAP_AUDIT_CONTROL); WHY
 * says which, for `ward features`. */
int audit_enabled_probe(char *why, size_t why_size);

#endif
