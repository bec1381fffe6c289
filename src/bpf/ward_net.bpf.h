/* ward_net.bpf.h — matching an address, protocol and port against a
 * sandbox's network tries, shared by the cgroup sock_addr programs and the
 * LSM socket hooks so both decide alike. It only decides: each hook keeps
 * its own explicit deny tail (shared deny tails broke loading elsewhere).
 * Kernel side only.
 */
#ifndef WARD_NET_BPF_H
#define WARD_NET_BPF_H

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "ward_maps.bpf.h"

#define WARD_IPPROTO_TCP 6
#define WARD_IPPROTO_UDP 17

static __always_inline __u8 ward_proto_of(__u32 ipproto)
{
	if (ipproto == WARD_IPPROTO_TCP)
		return WARD_PROTO_TCP;
	if (ipproto == WARD_IPPROTO_UDP)
		return WARD_PROTO_UDP;
	return WARD_PROTO_ANY;
}

/* 1 to deny, 0 to allow; *RULE names the deciding entry. No entry matching
 * means deny: a managed sandbox's network is closed unless a rule opens it. */
static __always_inline int ward_net_decide(const struct ward_net_value *value, __u8 proto,
					   __u16 port, __u32 *rule)
{
	*rule = WARD_RULE_DEFAULT;
	if (!value)
		return 1;
	__u32 count = value->count;
	for (__u32 i = 0; i < WARD_MAX_NET_ENTRIES; i++) {
		if (i >= count)
			break;
		const struct ward_net_entry *e = &value->entries[i];
		if (e->proto != WARD_PROTO_ANY && e->proto != proto)
			continue;
		if (port < e->port_lo || port > e->port_hi)
			continue;
		*rule = e->rule_id;
		return e->deny ? 1 : 0;
	}
	return 1;
}

/* A destination of 0.0.0.0 (or ::) reaches the local host: it is judged
 * as 127.0.0.1 (or ::1), or a deny of the loopback is walked around. */
#define WARD_LOOPBACK4_BE bpf_htonl(0x7f000001)

static __always_inline int ward_net4_decide(__u64 sandbox, __u32 addr_be, __u8 proto, __u16 port,
					    __u32 *rule)
{
	if (addr_be == 0)
		addr_be = WARD_LOOPBACK4_BE;
	struct ward_net4_key key = {
		.prefixlen = WARD_NET_KEY_CGID_BITS + 32,
		.cgid_lo = (__u32)sandbox,
		.cgid_hi = (__u32)(sandbox >> 32),
	};
	__builtin_memcpy(key.addr, &addr_be, 4);
	return ward_net_decide(bpf_map_lookup_elem(&ward_net4, &key), proto, port, rule);
}

static __always_inline int ward_net6_decide(__u64 sandbox, const __u32 addr_be[4], __u8 proto,
					    __u16 port, __u32 *rule)
{
	struct ward_net6_key key = {
		.prefixlen = WARD_NET_KEY_CGID_BITS + 128,
		.cgid_lo = (__u32)sandbox,
		.cgid_hi = (__u32)(sandbox >> 32),
	};
	__builtin_memcpy(key.addr, addr_be, 16);
	if ((addr_be[0] | addr_be[1] | addr_be[2] | addr_be[3]) == 0) {
		__u32 loopback[4] = {0, 0, 0, bpf_htonl(1)};
		__builtin_memcpy(key.addr, loopback, 16);
	}
	return ward_net_decide(bpf_map_lookup_elem(&ward_net6, &key), proto, port, rule);
}

/* ::ffff:a.b.c.d reaches the IPv6 hooks from a dual-stack socket; it must be
 * judged by the IPv4 rules or those are bypassed. */
static __always_inline int ward_is_v4_mapped(const __u32 addr_be[4])
{
	return addr_be[0] == 0 && addr_be[1] == 0 && addr_be[2] == bpf_htonl(0x0000ffff);
}

static __always_inline int ward_bind_allowed(__u64 sandbox, __u16 port)
{
	if (port == 0)
		return 1; /* an ephemeral port is not a listening choice */
	const struct ward_bind_value *value = bpf_map_lookup_elem(&ward_bind, &sandbox);
	if (!value)
		return 0;
	__u32 count = value->count;
	for (__u32 i = 0; i < WARD_MAX_BIND_RANGES; i++) {
		if (i >= count)
			break;
		if (port >= value->ranges[i].lo && port <= value->ranges[i].hi)
			return 1;
	}
	return 0;
}

/* Fills the common part of an event. */
static __always_inline void ward_event_init(struct ward_event *ev, __u64 sandbox, __u32 hook,
					    __u32 verdict, __u32 rule)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	ev->cgid = bpf_get_current_cgroup_id();
	ev->sandbox_cgid = sandbox;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = (__u32)(pid_tgid >> 32);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->hook = hook;
	ev->verdict = verdict;
	ev->rule_id = rule;
}

/* Sends EV to the sandbox's ring buffer; a full or missing buffer is counted
 * as a drop and changes nothing about the verdict. */
static __always_inline void ward_event_send(struct ward_sandbox_cfg *cfg, __u64 sandbox,
					    struct ward_event *ev)
{
	(void)sandbox; /* the record names it (ev->sandbox_cgid) */
	__u32 slot = cfg->ring - 1;
	void *ring = cfg->ring ? bpf_map_lookup_elem(&ward_events, &slot) : NULL;
	if (!ring || bpf_ringbuf_output(ring, ev, sizeof(*ev), 0) != 0)
		__sync_fetch_and_add(&cfg->drops, 1);
}

#endif
