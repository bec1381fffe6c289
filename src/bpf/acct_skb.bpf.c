// SPDX-License-Identifier: GPL-2.0
/* acct_skb.bpf.c — counts every packet a sandbox sends and receives, in the
 * kernel, on the sandbox's own v2 cgroup (cgroup_skb ingress/egress), and
 * holds a byte quota: once over it the crossing is latched for ward to act
 * on, and with a kill or freeze action further packets are dropped so the
 * quota holds while ward reacts. Never drops anything under quota.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "ward_acct.h"

char LICENSE[] SEC("license") = "GPL";

/* One record per (cgroup, attach type): the kernel allocates it on attach
 * and frees it with the cgroup. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, struct ward_acct);
} ward_acct_map SEC(".maps");

static __always_inline int account(struct __sk_buff *skb)
{
	struct ward_acct *a = bpf_get_local_storage(&ward_acct_map, 0);
	__u64 len = skb->len;
	/* A packet that would cross the quota latches the crossing; with a
	 * dropping action it is not delivered, and not counted. */
	if (a->quota && a->bytes + len > a->quota) {
		a->crossed = 1;
		if (a->drop)
			return 0;
	}
	__sync_fetch_and_add(&a->bytes, len);
	__sync_fetch_and_add(&a->packets, 1);
	return 1;
}

SEC("cgroup_skb/egress")
int ward_acct_egress(struct __sk_buff *skb)
{
	return account(skb);
}

SEC("cgroup_skb/ingress")
int ward_acct_ingress(struct __sk_buff *skb)
{
	return account(skb);
}
