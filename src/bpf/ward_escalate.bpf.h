/* ward_escalate.bpf.h — the optional escalation of a sandbox's denials:
 * after kill_after denials within kill_window_ns, SIGKILL the process that
 * made the last one (bpf_send_signal acts on current). Off when kill_after
 * is 0. LSM programs only: the cgroup sock_addr programs do not use it (see
 * docs in bpf_layer.h). It never changes a verdict, only adds the kill.
 * Kernel side only.
 */
#ifndef WARD_ESCALATE_BPF_H
#define WARD_ESCALATE_BPF_H

#include <bpf/bpf_helpers.h>

#include "ward_bpf.h"

#define WARD_SIGKILL 9

/* A fixed window that opens at the first denial after the previous one
 * expired. Concurrent denials may race the reset and lose a count: the
 * kill then comes one denial later, never earlier. */
static __always_inline void ward_escalate(struct ward_sandbox_cfg *cfg)
{
	__u32 limit = cfg->kill_after;
	if (!limit)
		return;
	__u64 now = bpf_ktime_get_ns();
	if (now - cfg->window_start_ns > cfg->kill_window_ns) {
		cfg->window_start_ns = now;
		cfg->window_count = 0;
	}
	__sync_fetch_and_add(&cfg->window_count, 1);
	if (cfg->window_count >= limit)
		bpf_send_signal(WARD_SIGKILL);
}

#endif
