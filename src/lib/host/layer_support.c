/* layer_support.c — the one place that asks the layers what they hold here
 * (see layer_support.h). A layer answers yes only for a class it implements
 * and tests, and only when its programs loaded on this host.
 */
#include "host/layer_support.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bpf/bpf_file_acct.h"
#include "bpf/bpf_layer.h"
#include "supervisor/supervisor.h"

/* The BPF layer keeps its load state in statics: one caller at a time. */
static pthread_mutex_t support_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct {
	enum layer_support_class cls;
	enum bpf_rule_kind kind;
} lsm_kinds[] = {
	{SUPPORT_FS_DENY, BPF_RULE_FS}, {SUPPORT_EXEC_DENY, BPF_RULE_EXEC},
	{SUPPORT_NET, BPF_RULE_NET},	{SUPPORT_KERNEL, BPF_RULE_KERNEL},
	{SUPPORT_UNIX, BPF_RULE_UNIX},
};

static const struct {
	enum layer_support_class cls;
	enum sup_capability cap;
} sup_caps[] = {
	{SUPPORT_FS_DENY, SUP_CAP_FS_DENY},
	{SUPPORT_EXEC_DENY, SUP_CAP_EXEC_PATH},
	{SUPPORT_EXEC_ARGV, SUP_CAP_EXEC_ARGV},
	{SUPPORT_CALLBACK, SUP_CAP_CALLBACK},
};

void layer_support_fill(struct host_features *f)
{
	struct layer_support s = {.probed = true};
	pthread_mutex_lock(&support_lock);
	if (f->bpf_lsm_loads) {
		for (size_t i = 0; i < sizeof(lsm_kinds) / sizeof(lsm_kinds[0]); i++)
			s.bpf_lsm[lsm_kinds[i].cls] = bpf_layer_lsm_enforces(lsm_kinds[i].kind);
		s.bpf_lsm_escalate = bpf_layer_can_escalate();
	}
	if (f->cgroup_bpf_loads) {
		char why[512];
		s.cgroup_bpf_net = bpf_layer_cgroup_net_usable(why, sizeof(why));
	}
	/* Only where a probe fexit program loaded this boot: elsewhere trying
	 * the real ones would parse the kernel's BTF on every run. */
	if (f->fexit_loads)
		s.file_acct = bpf_file_acct_usable(s.file_acct_why, sizeof(s.file_acct_why));
	else
		snprintf(s.file_acct_why, sizeof(s.file_acct_why), "%s", f->fexit_why);
	pthread_mutex_unlock(&support_lock);
	if (f->seccomp_user_notif) {
		for (size_t i = 0; i < sizeof(sup_caps) / sizeof(sup_caps[0]); i++)
			s.supervisor[sup_caps[i].cls] = sup_can(sup_caps[i].cap);
		s.supervisor[SUPPORT_NET] =
			sup_can(SUP_CAP_NET_CONNECT) && sup_can(SUP_CAP_NET_SENDTO);
	}
	f->support = s;
}
