/* ward_acct.h — per-sandbox network accounting shared by acct_skb.bpf.c and
 * user space (src/lib/bpf/bpf_acct.c): one record per (sandbox cgroup,
 * direction) in a cgroup storage map. Plain fixed-width types only; a layout
 * change bumps WARD_ACCT_LAYOUT (pins of another layout are never reused).
 */
#ifndef WARD_ACCT_H
#define WARD_ACCT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define WARD_ACCT_LAYOUT 1

struct ward_acct {
	__u64 bytes; /* L3 bytes (skb->len) seen in this direction */
	__u64 packets;
	__u64 quota;   /* bytes; 0: none. Written by user space after attach */
	__u32 drop;    /* 1: drop packets once over quota (kill/freeze actions) */
	__u32 crossed; /* set by the program the first time bytes > quota */
};

#endif
