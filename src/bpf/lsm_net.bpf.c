// SPDX-License-Identifier: GPL-2.0
/* lsm_net.bpf.c — BPF LSM socket hooks: the same tries as the cgroup
 * programs, judged on every path into the stack (io_uring, static binaries,
 * raw syscalls). Families are decided explicitly at socket_create: inet,
 * inet6, unix and netlink are allowed (unix is a file, judged by the file
 * layers); packet and every other family are denied in a sandbox. listen
 * and accept follow the bind rules (see each hook). Each hook
 * keeps its own explicit tail; returns are 0, an earlier verdict, or -EPERM.
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
#define WARD_AF_UNIX 1
#define WARD_AF_INET 2
#define WARD_AF_INET6 10
#define WARD_AF_NETLINK 16

SEC("lsm/socket_create")
int BPF_PROG(ward_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret != 0)
		return ret;
	if (kern)
		return 0; /* the kernel's own sockets */
	if (family == WARD_AF_INET || family == WARD_AF_INET6 || family == WARD_AF_UNIX ||
	    family == WARD_AF_NETLINK)
		return 0;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_INET_CREATE))
		return 0;
	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SOCKET_CREATE, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	ev.family = (__u32)family;
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/socket_connect")
int BPF_PROG(ward_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_NET))
		return 0;

	__u16 family = BPF_CORE_READ(address, sa_family);
	if (family != WARD_AF_INET && family != WARD_AF_INET6)
		return 0; /* unix: a file; netlink: decided at socket_create */
	__u8 proto = ward_proto_of(BPF_CORE_READ(sock, sk, sk_protocol));
	__u32 addr[4] = {};
	__u16 port;
	__u32 rule;
	int deny, v4;
	if (family == WARD_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)address;
		addr[0] = BPF_CORE_READ(sin, sin_addr.s_addr);
		port = bpf_ntohs(BPF_CORE_READ(sin, sin_port));
		v4 = 1;
		deny = ward_net4_decide(sandbox, addr[0], proto, port, &rule);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)address;
		BPF_CORE_READ_INTO(&addr, sin6, sin6_addr.in6_u.u6_addr32);
		port = bpf_ntohs(BPF_CORE_READ(sin6, sin6_port));
		v4 = ward_is_v4_mapped(addr);
		if (v4) {
			addr[0] = addr[3];
			deny = ward_net4_decide(sandbox, addr[0], proto, port, &rule);
		} else {
			deny = ward_net6_decide(sandbox, addr, proto, port, &rule);
		}
	}
	if (!deny)
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SOCKET_CONNECT,
			audit ? WARD_EV_AUDIT : WARD_EV_DENY, rule);
	ev.family = v4 ? WARD_AF_INET : WARD_AF_INET6;
	ev.port = port;
	ev.proto = proto;
	if (v4)
		__builtin_memcpy(ev.addr, addr, 4);
	else
		__builtin_memcpy(ev.addr, addr, 16);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(ward_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_NET))
		return 0;

	/* Without an address the socket is connected: judged at connect. */
	struct sockaddr *address = BPF_CORE_READ(msg, msg_name);
	if (!address)
		return 0;
	__u16 family = BPF_CORE_READ(address, sa_family);
	if (family != WARD_AF_INET && family != WARD_AF_INET6)
		return 0;
	__u8 proto = ward_proto_of(BPF_CORE_READ(sock, sk, sk_protocol));
	__u32 addr[4] = {};
	__u16 port;
	__u32 rule;
	int deny, v4;
	if (family == WARD_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)address;
		addr[0] = BPF_CORE_READ(sin, sin_addr.s_addr);
		port = bpf_ntohs(BPF_CORE_READ(sin, sin_port));
		v4 = 1;
		deny = ward_net4_decide(sandbox, addr[0], proto, port, &rule);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)address;
		BPF_CORE_READ_INTO(&addr, sin6, sin6_addr.in6_u.u6_addr32);
		port = bpf_ntohs(BPF_CORE_READ(sin6, sin6_port));
		v4 = ward_is_v4_mapped(addr);
		if (v4) {
			addr[0] = addr[3];
			deny = ward_net4_decide(sandbox, addr[0], proto, port, &rule);
		} else {
			deny = ward_net6_decide(sandbox, addr, proto, port, &rule);
		}
	}
	if (!deny)
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SOCKET_SENDMSG,
			audit ? WARD_EV_AUDIT : WARD_EV_DENY, rule);
	ev.family = v4 ? WARD_AF_INET : WARD_AF_INET6;
	ev.port = port;
	ev.proto = proto;
	if (v4)
		__builtin_memcpy(ev.addr, addr, 4);
	else
		__builtin_memcpy(ev.addr, addr, 16);
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

SEC("lsm/socket_bind")
int BPF_PROG(ward_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_BIND))
		return 0;

	__u16 family = BPF_CORE_READ(address, sa_family);
	__u16 port;
	if (family == WARD_AF_INET)
		port = bpf_ntohs(BPF_CORE_READ((struct sockaddr_in *)address, sin_port));
	else if (family == WARD_AF_INET6)
		port = bpf_ntohs(BPF_CORE_READ((struct sockaddr_in6 *)address, sin6_port));
	else
		return 0; /* unix: a file; netlink: decided at socket_create */
	if (ward_bind_allowed(sandbox, port))
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SOCKET_BIND, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	ev.family = family;
	ev.port = port;
	ev.proto = ward_proto_of(BPF_CORE_READ(sock, sk, sk_protocol));
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

/* Listening is judged by the bind rules, on the port the socket is bound to.
 * A socket never bound gets a port the kernel picks at listen(): no bind
 * rule can name it, so it is denied (binding port 0 stays allowed: that is
 * how clients get an ephemeral port, and clients do not listen). */
SEC("lsm/socket_listen")
int BPF_PROG(ward_socket_listen, struct socket *sock, int backlog, int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_BIND))
		return 0;

	__u16 family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	if (family != WARD_AF_INET && family != WARD_AF_INET6)
		return 0; /* unix: a file; others: decided at socket_create */
	__u16 port = BPF_CORE_READ(sock, sk, __sk_common.skc_num);
	if (port != 0 && ward_bind_allowed(sandbox, port))
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SOCKET_LISTEN, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	ev.family = family;
	ev.port = port;
	ev.proto = ward_proto_of(BPF_CORE_READ(sock, sk, sk_protocol));
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}

/* accept() is allowed unless the policy says otherwise, and the only thing
 * a policy says about serving is its bind rules: a listener the sandbox
 * made passed socket_listen, so this denies only listeners it inherited on
 * a port its bind rules do not name. The peer is not known yet at this hook:
 * no rule can be about the peer's address. */
SEC("lsm/socket_accept")
int BPF_PROG(ward_socket_accept, struct socket *sock, struct socket *newsock, int ret)
{
	if (ret != 0)
		return ret;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_BIND))
		return 0;

	__u16 family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	if (family != WARD_AF_INET && family != WARD_AF_INET6)
		return 0;
	__u16 port = BPF_CORE_READ(sock, sk, __sk_common.skc_num);
	if (port != 0 && ward_bind_allowed(sandbox, port))
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, WARD_HOOK_SOCKET_ACCEPT, audit ? WARD_EV_AUDIT : WARD_EV_DENY,
			WARD_RULE_DEFAULT);
	ev.family = family;
	ev.port = port;
	ev.proto = ward_proto_of(BPF_CORE_READ(sock, sk, sk_protocol));
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EPERM;
}
