// SPDX-License-Identifier: GPL-2.0
/* net_cgroup.bpf.c — the cgroup sock_addr programs (connect4/6, sendmsg4/6,
 * bind4/6): ward's network enforcement where BPF LSM cannot load. Attached
 * to a sandbox's v2 cgroup; they judge by the sandbox's tries and must never
 * allow what the tries deny (a full ring buffer only loses the event).
 * Returning 0 makes the syscall fail with EPERM; 1 lets it go on.
 */
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "ward_net.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define WARD_AF_INET 2
#define WARD_AF_INET6 10

SEC("cgroup/connect4")
int ward_connect4(struct bpf_sock_addr *ctx)
{
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 1;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_NET))
		return 1;

	__u32 addr = ctx->user_ip4;
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u8 proto = ward_proto_of(ctx->protocol);
	__u32 rule;
	if (!ward_net4_decide(sandbox, addr, proto, port, &rule))
		return 1;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_CONNECT4, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			rule);
	ev.family = WARD_AF_INET;
	ev.port = port;
	ev.proto = proto;
	__builtin_memcpy(ev.addr, &addr, 4);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	return audit ? 1 : 0;
}

SEC("cgroup/sendmsg4")
int ward_sendmsg4(struct bpf_sock_addr *ctx)
{
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 1;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_NET))
		return 1;

	__u32 addr = ctx->user_ip4;
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u8 proto = ward_proto_of(ctx->protocol);
	__u32 rule;
	if (!ward_net4_decide(sandbox, addr, proto, port, &rule))
		return 1;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SENDMSG4, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			rule);
	ev.family = WARD_AF_INET;
	ev.port = port;
	ev.proto = proto;
	__builtin_memcpy(ev.addr, &addr, 4);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	return audit ? 1 : 0;
}

SEC("cgroup/connect6")
int ward_connect6(struct bpf_sock_addr *ctx)
{
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 1;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_NET))
		return 1;

	__u32 addr[4];
	addr[0] = ctx->user_ip6[0];
	addr[1] = ctx->user_ip6[1];
	addr[2] = ctx->user_ip6[2];
	addr[3] = ctx->user_ip6[3];
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u8 proto = ward_proto_of(ctx->protocol);
	__u32 rule;
	int mapped = ward_is_v4_mapped(addr);
	int deny = mapped ? ward_net4_decide(sandbox, addr[3], proto, port, &rule)
			  : ward_net6_decide(sandbox, addr, proto, port, &rule);
	if (!deny)
		return 1;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_CONNECT6, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			rule);
	ev.port = port;
	ev.proto = proto;
	if (mapped) {
		ev.family = WARD_AF_INET;
		__builtin_memcpy(ev.addr, &addr[3], 4);
	} else {
		ev.family = WARD_AF_INET6;
		__builtin_memcpy(ev.addr, addr, 16);
	}
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	return audit ? 1 : 0;
}

SEC("cgroup/sendmsg6")
int ward_sendmsg6(struct bpf_sock_addr *ctx)
{
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 1;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_NET))
		return 1;

	__u32 addr[4];
	addr[0] = ctx->user_ip6[0];
	addr[1] = ctx->user_ip6[1];
	addr[2] = ctx->user_ip6[2];
	addr[3] = ctx->user_ip6[3];
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u8 proto = ward_proto_of(ctx->protocol);
	__u32 rule;
	int mapped = ward_is_v4_mapped(addr);
	int deny = mapped ? ward_net4_decide(sandbox, addr[3], proto, port, &rule)
			  : ward_net6_decide(sandbox, addr, proto, port, &rule);
	if (!deny)
		return 1;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SENDMSG6, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			rule);
	ev.port = port;
	ev.proto = proto;
	if (mapped) {
		ev.family = WARD_AF_INET;
		__builtin_memcpy(ev.addr, &addr[3], 4);
	} else {
		ev.family = WARD_AF_INET6;
		__builtin_memcpy(ev.addr, addr, 16);
	}
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	return audit ? 1 : 0;
}

SEC("cgroup/bind4")
int ward_bind4(struct bpf_sock_addr *ctx)
{
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 1;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_BIND))
		return 1;

	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	if (ward_bind_allowed(sandbox, port))
		return 1;

	__u32 addr = ctx->user_ip4;
	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_BIND4, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	ev.family = WARD_AF_INET;
	ev.port = port;
	ev.proto = ward_proto_of(ctx->protocol);
	__builtin_memcpy(ev.addr, &addr, 4);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	return audit ? 1 : 0;
}

SEC("cgroup/bind6")
int ward_bind6(struct bpf_sock_addr *ctx)
{
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 1;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_BIND))
		return 1;

	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	if (ward_bind_allowed(sandbox, port))
		return 1;

	__u32 addr[4];
	addr[0] = ctx->user_ip6[0];
	addr[1] = ctx->user_ip6[1];
	addr[2] = ctx->user_ip6[2];
	addr[3] = ctx->user_ip6[3];
	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_BIND6, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	ev.family = WARD_AF_INET6;
	ev.port = port;
	ev.proto = ward_proto_of(ctx->protocol);
	__builtin_memcpy(ev.addr, addr, 16);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	return audit ? 1 : 0;
}
