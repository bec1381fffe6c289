/* ward_bpf.h — the types that ward's BPF programs and user space share: map
 * keys and values, the ring buffer record, hook numbers. Included by both
 * sides, so plain fixed-width types only. Any change to a layout here must
 * bump WARD_BPF_LAYOUT: pinned maps of another layout are never reused.
 */
#ifndef WARD_BPF_H
#define WARD_BPF_H

#ifdef __BPF__
/* vmlinux.h provides the __u* types. */
#else
#include <linux/types.h>
#endif

/* Pins live under /sys/fs/bpf/ward/v<LAYOUT>/. */
#define WARD_BPF_LAYOUT 2 /* 2: ring buffers in a pool (ward_events is an array) */
#define WARD_BPF_PIN_ROOT "/sys/fs/bpf/ward"

#define WARD_MAX_SANDBOXES 1024
#define WARD_MAX_NET_PREFIXES 16384
#define WARD_MAX_NET_ENTRIES 32 /* (proto, ports, verdict) per prefix */
#define WARD_MAX_BIND_RANGES 32
#define WARD_MAX_CGROUP_DEPTH 16 /* ancestors walked to find a sandbox */
#define WARD_MAX_INODES 65536
#define WARD_MAX_PARENT_WALK 16		   /* parent dentries walked for "beneath" */
#define WARD_MAX_UNIX_WALK 32		   /* dentries (across mounts) from a unix peer */
#define WARD_MAX_UNIX_NAMES 4096	   /* net.unix names, all sandboxes */
#define WARD_UNIX_NAME_MAX 64		   /* a net.unix name's last component, NUL included */
#define WARD_EVENTS_BYTES (256 * 1024)	   /* per sandbox ring buffer */
#define WARD_RING_SLOTS WARD_MAX_SANDBOXES /* ring buffers in the pool */
#define WARD_RULE_DEFAULT 0xffffffffu	   /* rule id of "no rule matched" */

/* struct ward_sandbox_cfg.flags */
#define WARD_SB_AUDIT (1u << 0)	      /* allow and report instead of deny */
#define WARD_SB_NET (1u << 1)	      /* connect/sendmsg: default deny, the tries decide */
#define WARD_SB_BIND (1u << 2)	      /* bind: only port 0 and the bind ranges */
#define WARD_SB_FS (1u << 3)	      /* file hooks consult the inode map */
#define WARD_SB_EXEC (1u << 4)	      /* exec hooks consult the inode map */
#define WARD_SB_KERNEL (1u << 5)      /* ptrace, bpf, modules, mount denied */
#define WARD_SB_INET_CREATE (1u << 6) /* LSM socket_create decides families */
#define WARD_SB_UNIX (1u << 7)	      /* pathname unix peers: the unix roots decide */

/* One sandbox, keyed by its v2 cgroup id. Counters are updated atomically by
 * the programs; user space only reads them. */
struct ward_sandbox_cfg {
	__u32 flags;
	__u32 kill_after;     /* escalate to SIGKILL after N denials, 0: never */
	__u64 kill_window_ns; /* ... within this window */
	__u64 denials;
	__u64 drops; /* events lost: ring buffer full or absent */
	__u64 window_start_ns;
	__u64 window_count;
	__u32 ring; /* the sandbox's slot in the ring pool (ward_events) + 1; 0: none */
	__u32 reserved;
};

/* LPM keys: the sandbox's cgroup id is part of the key so one trie serves
 * every sandbox; prefixlen counts its 64 bits plus the address prefix. */
struct ward_net4_key {
	__u32 prefixlen;
	__u32 cgid_lo, cgid_hi;
	__u8 addr[4];
};

struct ward_net6_key {
	__u32 prefixlen;
	__u32 cgid_lo, cgid_hi;
	__u8 addr[16];
};

#define WARD_NET_KEY_CGID_BITS 64

/* ward_net_entry.proto */
#define WARD_PROTO_ANY 0
#define WARD_PROTO_TCP 1
#define WARD_PROTO_UDP 2

struct ward_net_entry {
	__u16 port_lo, port_hi; /* host order, inclusive; 0-65535 for any */
	__u8 proto;		/* WARD_PROTO_* */
	__u8 deny;
	__u16 pad;
	__u32 rule_id; /* index of the rule in the policy's net rules */
};

/* The value of a prefix: its own rules and those of every shorter prefix
 * that covers it (user space merges them), most specific first, deny before
 * allow within one prefix. The first entry that matches decides. */
struct ward_net_value {
	__u32 count;
	__u32 pad;
	struct ward_net_entry entries[WARD_MAX_NET_ENTRIES];
};

struct ward_bind_value {
	__u32 count;
	__u32 pad;
	struct {
		__u16 lo, hi;
	} ranges[WARD_MAX_BIND_RANGES];
};

/* Inode identity: s_dev in the kernel's encoding (major << 20 | minor). */
struct ward_inode_key {
	__u64 cgid;
	__u64 dev;
	__u64 ino;
};

/* ward_inode_value.deny / .allow: WARD_ACC_* */
#define WARD_ACC_READ (1u << 0)
#define WARD_ACC_WRITE (1u << 1)
#define WARD_ACC_EXEC (1u << 2)
#define WARD_ACC_CREATE (1u << 3) /* create/delete/rename entries inside */

/* ward_inode_value.unix_root: this inode as a root of the pathname unix rule.
 * The root nearest to a peer socket decides; a stop beats an allow on one
 * inode (user space merges). */
#define WARD_UNIX_ALLOW 1 /* a write grant or a net.unix path */
#define WARD_UNIX_STOP 2  /* a read-only grant or an fs deny */

struct ward_inode_value {
	__u32 deny;    /* access denied on this inode and, if beneath, below it */
	__u32 beneath; /* 1: applies to everything under this directory */
	__u32 rule_id;
	__u32 unix_root; /* WARD_UNIX_*, 0: not a root (was padding: same layout) */
};

/* A net.unix path by name: its directory's inode and its last component,
 * so a socket made there after the start (a restarted service) is the one
 * allowed, as the supervisor's lookup at each connect would find it. */
struct ward_unix_name_key {
	__u64 cgid;
	__u64 dev;
	__u64 ino;
	char name[WARD_UNIX_NAME_MAX]; /* zero padded */
};

/* ward_event.hook */
enum ward_hook {
	WARD_HOOK_CONNECT4 = 1,
	WARD_HOOK_CONNECT6,
	WARD_HOOK_SENDMSG4,
	WARD_HOOK_SENDMSG6,
	WARD_HOOK_BIND4,
	WARD_HOOK_BIND6,
	WARD_HOOK_FILE_OPEN,
	WARD_HOOK_INODE_PERMISSION,
	WARD_HOOK_BPRM_CHECK,
	WARD_HOOK_MMAP_FILE,
	WARD_HOOK_SOCKET_CREATE,
	WARD_HOOK_SOCKET_CONNECT,
	WARD_HOOK_SOCKET_SENDMSG,
	WARD_HOOK_SOCKET_BIND,
	WARD_HOOK_SOCKET_LISTEN,
	WARD_HOOK_SOCKET_ACCEPT,
	WARD_HOOK_PTRACE,
	WARD_HOOK_BPF,
	WARD_HOOK_KERNEL_READ_FILE,
	WARD_HOOK_KERNEL_LOAD_DATA,
	WARD_HOOK_SB_MOUNT,
	WARD_HOOK_UNIX_STREAM_CONNECT,
	WARD_HOOK_UNIX_MAY_SEND,
	WARD_HOOK_COUNT_,
};

/* ward_event.verdict */
#define WARD_EV_DENY 1
#define WARD_EV_AUDIT 2

/* One ring buffer record. */
struct ward_event {
	__u64 cgid;	    /* the task's cgroup */
	__u64 sandbox_cgid; /* the sandbox it belongs to */
	__u32 pid, tgid;
	char comm[16];
	__u32 hook;    /* enum ward_hook */
	__u32 verdict; /* WARD_EV_* */
	__u32 rule_id; /* WARD_RULE_DEFAULT when no rule matched */
	__u32 mask;    /* WARD_ACC_* for file hooks; WARD_UNIX_STOP: a stop root decided */
	__u32 family;  /* AF_* for network hooks */
	__u16 port;    /* host order */
	__u8 proto;    /* WARD_PROTO_* */
	__u8 pad;
	__u8 addr[16]; /* IPv4 in addr[0..3] (also when mapped from IPv6) */
	__u64 dev, ino;
};

#endif
