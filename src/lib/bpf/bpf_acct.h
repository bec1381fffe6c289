/* bpf_acct.h — per-sandbox network accounting and byte quotas in the kernel
 * (src/bpf/acct_skb.bpf.c): two cgroup_skb programs loaded once and pinned,
 * attached to each sandbox's v2 cgroup for its lifetime. Root (or
 * CAP_BPF + CAP_NET_ADMIN) only; where they do not load, the plan says so.
 */
#ifndef WARD_BPF_ACCT_H
#define WARD_BPF_ACCT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct bpf_acct;

struct net_figures {
	uint64_t bytes_in, packets_in, bytes_out, packets_out;
	bool egress_crossed, ingress_crossed;
};

/* Whether the programs load and attach here (tried once per process). */
bool bpf_acct_usable(char *why, size_t why_size);
/* Attaches accounting to the cgroup CGROUP_FD (id CGROUP_ID) with byte
 * quotas (0: none); DROP: drop packets once a quota is crossed. */
int bpf_acct_attach(int cgroup_fd, uint64_t cgroup_id, uint64_t egress_quota,
		    uint64_t ingress_quota, bool drop, struct bpf_acct **out, ward_error *err);
int bpf_acct_read(const struct bpf_acct *acct, struct net_figures *out);
/* The figures of any sandbox cgroup by id, through the pinned map (for
 * ward ps); -ENOENT when nothing is attached there. */
int bpf_acct_read_cgroup(uint64_t cgroup_id, struct net_figures *out);
void bpf_acct_detach(struct bpf_acct *acct);
/* Removes the pins of every build's accounting programs (ward bpf unload):
 * attached programs stay attached until their sandbox ends. */
void bpf_acct_unpin_all(void);

#endif
