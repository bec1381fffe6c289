// SPDX-License-Identifier: GPL-2.0
/* lsm_unix.bpf.c — BPF LSM hooks on pathname unix sockets: a stream or
 * seqpacket connect (unix_stream_connect) and a datagram connect or send
 * (unix_may_send) from a sandbox reach a peer bound to a path only when the
 * peer was made by a task of the sandbox's cgroup (or a descendant), or the
 * root nearest to the peer's socket inode allows it: a write grant, a
 * net.unix path (by inode, or by name in its directory), while a read-only
 * grant or an fs deny nearer to it stops. The peer's place is where it was
 * bound (its dentry now, so renames are followed; a hard link or a bind
 * mount elsewhere does not move it). Abstract and unnamed peers are not
 * judged here (Landlock's scope, the network namespace). Returns 0, an
 * earlier verdict, or -EACCES with a ring buffer event (audit: event, 0).
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ward_escalate.bpf.h"
#include "ward_inode.bpf.h"
#include "ward_net.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define WARD_EACCES 13
#define WARD_AF_UNIX 1

/* Was OTHER made by a task inside SANDBOX's cgroup tree? sk_cgrp_data holds
 * the v2 cgroup of the task that created the socket. */
static __always_inline int ward_made_inside(__u64 sandbox, struct sock *other)
{
	struct cgroup *cg = BPF_CORE_READ(other, sk_cgrp_data.cgroup);
	for (int level = 0; level < WARD_MAX_CGROUP_DEPTH && cg; level++) {
		if (BPF_CORE_READ(cg, kn, id) == sandbox)
			return 1;
		/* self is the first member: a css of a cgroup is the cgroup. */
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
	return 0;
}

/* A net.unix path by name: DENTRY's directory and last component. */
static __always_inline int ward_unix_named(__u64 sandbox, struct dentry *dentry, __u32 *rule)
{
	struct ward_unix_name_key key = {.cgid = sandbox};
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct inode *dir = parent ? BPF_CORE_READ(parent, d_inode) : 0;
	if (!dir || parent == dentry)
		return 0;
	__u32 len = BPF_CORE_READ(dentry, d_name.len);
	if (len == 0 || len >= WARD_UNIX_NAME_MAX)
		return 0;
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	if (bpf_probe_read_kernel_str(key.name, sizeof(key.name), name) != (long)len + 1)
		return 0;
	key.dev = BPF_CORE_READ(dir, i_sb, s_dev);
	key.ino = BPF_CORE_READ(dir, i_ino);
	__u32 *id = bpf_map_lookup_elem(&ward_unix_names, &key);
	if (!id)
		return 0;
	*rule = *id;
	return 1;
}

/* 1 when SANDBOX may not reach the pathname peer OTHER (DENTRY, MNT: where
 * it was bound), 0 when it may. Fills the socket's DEV/INO, the deciding
 * RULE and whether a stop root decided (STOP). The walk climbs d_parent
 * and, at a mount's root, to its mount point in the parent mount, as
 * d_path does: one that ends at the top or runs out of steps denies. */
static __always_inline int ward_unix_denied(__u64 sandbox, struct dentry *dentry,
					    struct vfsmount *vmnt, __u64 *dev, __u64 *ino,
					    __u32 *rule, __u32 *stop)
{
	struct mount *mnt =
		(struct mount *)((char *)vmnt - bpf_core_field_offset(struct mount, mnt));
	struct ward_inode_key key = {};
	*rule = WARD_RULE_DEFAULT;
	for (int depth = 0; depth < WARD_MAX_UNIX_WALK; depth++) {
		struct inode *inode = BPF_CORE_READ(dentry, d_inode);
		if (!inode)
			return 1;
		const struct ward_inode_value *value = ward_inode_rule(sandbox, inode, &key);
		if (depth == 0) {
			*dev = key.dev;
			*ino = key.ino;
		}
		if (value && value->unix_root) {
			*rule = value->rule_id;
			*stop = value->unix_root == WARD_UNIX_STOP;
			return *stop;
		}
		if (depth == 0 && ward_unix_named(sandbox, dentry, rule))
			return 0;
		struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
		if (dentry == root) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (!up || up == mnt)
				return 1; /* the top: no root holds it */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (!parent || parent == dentry)
			return 1;
		dentry = parent;
	}
	return 1;
}

static __always_inline int ward_unix_judge(struct sock *other, __u32 hook)
{
	if (!other)
		return 0;
	__u64 sandbox = ward_current_sandbox();
	if (!sandbox)
		return 0;
	struct ward_sandbox_cfg *cfg = bpf_map_lookup_elem(&ward_sandboxes, &sandbox);
	if (!cfg || !(cfg->flags & WARD_SB_UNIX))
		return 0;
	/* unix_sock begins with its sock. */
	struct unix_sock *peer = (struct unix_sock *)other;
	struct dentry *dentry = BPF_CORE_READ(peer, path.dentry);
	if (!dentry)
		return 0; /* abstract or unnamed */
	if (ward_made_inside(sandbox, other))
		return 0;
	__u64 dev = 0, ino = 0;
	__u32 rule = WARD_RULE_DEFAULT, stop = 0;
	if (!ward_unix_denied(sandbox, dentry, BPF_CORE_READ(peer, path.mnt), &dev, &ino, &rule,
			      &stop))
		return 0;

	int audit = cfg->flags & WARD_SB_AUDIT;
	struct ward_event ev = {};
	ward_event_init(&ev, sandbox, hook, audit ? WARD_EV_AUDIT : WARD_EV_DENY, rule);
	ev.family = WARD_AF_UNIX;
	ev.mask = stop ? WARD_UNIX_STOP : 0;
	ev.dev = dev;
	ev.ino = ino;
	__sync_fetch_and_add(&cfg->denials, 1);
	ward_event_send(cfg, sandbox, &ev);
	if (!audit)
		ward_escalate(cfg);
	return audit ? 0 : -WARD_EACCES;
}

SEC("lsm/unix_stream_connect")
int BPF_PROG(ward_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret != 0)
		return ret;
	return ward_unix_judge(other, WARD_HOOK_UNIX_STREAM_CONNECT);
}

/* A datagram connect, and every datagram send (with an address or to the
 * connected peer). A send to the peer the socket is connected to was judged
 * at that connect (or the socket came connected, on purpose): not again. */
SEC("lsm/unix_may_send")
int BPF_PROG(ward_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret != 0)
		return ret;
	struct sock *peer = BPF_CORE_READ(other, sk);
	struct unix_sock *self = (struct unix_sock *)BPF_CORE_READ(sock, sk);
	if (self && peer && BPF_CORE_READ(self, peer) == peer)
		return 0;
	return ward_unix_judge(peer, WARD_HOOK_UNIX_MAY_SEND);
}
