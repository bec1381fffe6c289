/* plan.h — a policy assigned to the layers of this host.
 * plan_build() is pure: given the policy and the probed host features it
 * decides, for every rule, which layer enforces it, and whether the run may
 * go ahead. It must never place a rule on a layer that cannot hold it: a rule
 * nothing here can enforce is PLAN_UNENFORCEABLE, and in enforce mode that
 * stops the run unless its layer is in allow_degraded.
 */
#ifndef WARD_PLAN_H
#define WARD_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/vec.h"
#include "host/features.h"
#include "policy/policy.h"
#include "policy/sup_rules.h"

enum plan_status {
	PLAN_ENFORCED = 0,  /* a layer enforces it */
	PLAN_AUDITED,	    /* audit mode: a layer observes it and allows */
	PLAN_NOT_AUDITED,   /* audit mode: nothing here can observe it; allowed silently */
	PLAN_DEGRADED,	    /* no layer here; the user allowed that layer to be missing */
	PLAN_UNENFORCEABLE, /* no layer here: the run is refused */
};

struct plan_entry {
	char rule[200]; /* "fs read /usr", "net allow tcp://ANY:443", "limit memory 512M" */
	struct ward_loc loc;
	enum ward_layer layer;	/* the enforcing layer, or LAYER_NONE */
	enum ward_layer wanted; /* when not enforced: the layer that would enforce it */
	enum plan_status status;
	char note[400]; /* why this layer, or why none */
};

/* The private HOME/TMPDIR in a plan: a symbol, since the directory is made
 * only when the run starts (spawn creates it, then plan_resolve_private_tmp
 * puts its path where the symbol stands). The plan is built once. */
#define PLAN_PRIVATE_TMP "<private tmp>"

/* A filesystem grant as Landlock receives it. */
struct plan_fs_grant {
	const char *path; /* points into the policy, or PLAN_PRIVATE_TMP until resolved */
	unsigned access;  /* WARD_FS_* */
	bool optional;	  /* skip when missing */
	bool private_tmp; /* the private HOME/TMPDIR grant */
};

/* A denial inside grants that Landlock holds by punching a hole into them:
 * the grants that contain PATH are expanded around it (layers/landlock.h). */
struct plan_fs_hole {
	const char *path; /* points into the policy */
	unsigned access;  /* WARD_FS_* denied */
};

/* A denial the plan placed on an inode-keyed layer (BPF LSM or the
 * supervisor): exactly the rules of that layer, nothing it may pick itself. */
struct plan_inode_rule {
	const char *path; /* points into the policy */
	unsigned access;  /* WARD_FS_* denied */
	bool optional;	  /* a missing path is skipped */
	uint32_t rule_id; /* the BPF rule id: net, then fs, then exec positions */
	struct ward_loc loc;
	bool exec; /* an exec deny (else an fs deny): names the rule in events */
};

/* An address rule the plan placed on a dynamic layer (BPF or the
 * supervisor): a copy of the policy's rule, whose text and origin (loc)
 * point into the policy. */
struct plan_net_rule {
	struct net_rule rule;
	uint32_t rule_id; /* the BPF rule id: its position in the policy's net rules */
};

/* Every fs and exec denial of the policy, whichever layer holds it: what
 * the checks before the start read (the hard-link pre-check of
 * layers/mount_mask.c, the exec failure diagnosis). */
struct plan_path_deny {
	const char *path; /* points into the policy */
	unsigned access;  /* WARD_FS_* denied (an exec deny: WARD_FS_EXEC | WARD_FS_READ) */
	bool exec;	  /* an exec deny (else an fs deny) */
	struct ward_loc loc;
};

/* The program's environment, as sandbox/environ.c builds it from the
 * caller's: start clean or from the caller's, remove UNSET, drop the
 * secret-looking names but PASS (with DROP_SECRETS), then put SET. The
 * arrays point into the policy; *_LOC[i] is where entry i came from. */
struct plan_env {
	bool clean; /* only PATH, not the caller's environment */
	char *const *unset;
	const struct ward_loc *unset_loc;
	size_t nunset;
	bool drop_secrets;
	char *const *pass;
	const struct ward_loc *pass_loc;
	size_t npass;
	char *const *set; /* "KEY=VALUE" */
	const struct ward_loc *set_loc;
	size_t nset;
};

/* A host name the running sandbox re-resolves (plan.net_names). */
struct plan_net_name {
	const char *host; /* interned in the policy */
	uint32_t ttl;	  /* seconds, within DNS_TTL_MIN_S..DNS_TTL_MAX_S */
};

/* How far a limit holds: across the sandbox (cgroup), per process
 * (rlimit), or across every process of the user (RLIMIT_NPROC). */
enum plan_limit_scope {
	PLAN_SCOPE_SANDBOX = 0,
	PLAN_SCOPE_PROCESS,
	PLAN_SCOPE_USER,
};

/* A limit as the layer holding it receives it. */
struct plan_limit {
	bool set;
	uint64_t value;	       /* the unit of enum ward_limit */
	enum ward_layer layer; /* LAYER_CGROUP, LAYER_RLIMIT, LAYER_MONITOR or LAYER_NONE */
	enum plan_limit_scope scope;
};

/* A mount over PATH in the sandbox's own mount namespace (layers/mount_mask.h).
 * HIDE: an empty, read-only, unreadable mask (an fs denial inside a grant).
 * Otherwise a bind of PATH onto itself that keeps only KEEP: read-only
 * without WARD_FS_WRITE, noexec without WARD_FS_EXEC (a carve-out, e.g.
 * "-r proj/.git/config" under "-w proj"). Applied in this order: carve-outs
 * by path length, then the masks. */
struct plan_fs_mask {
	const char *path; /* points into the policy */
	unsigned keep;	  /* WARD_FS_* left beneath PATH; 0 when HIDE */
	bool hide;
	bool unmountable; /* a carve-out that removes read: no mount can; not applied */
};

/* A directory (or socket) the supervisor's unix rule is keyed by: allowed
 * (a write grant, an explicit net.unix rule) or a stop (a read-only grant or
 * a denial nearer to the socket than the allowing root). */
struct plan_unix_root {
	const char *path; /* points into the policy, or the plan's private_tmp */
	bool allow;
	bool explicit_rule; /* net.unix / --unix-allow */
	struct ward_loc loc;
};

struct plan {
	VEC(struct plan_entry) entries;
	enum ward_mode mode;
	bool refused; /* an entry is PLAN_UNENFORCEABLE */

	/* Host names of net rules, resolved at load: "ADDRESS NAME" lines for
	 * the sandbox's /etc/hosts (points into the policy). A world with its
	 * own root binds ward's file of them over /etc/hosts (hosts_file.h);
	 * without one they are listed only, and the program must resolve the
	 * names some other way. */
	char *const *hosts;
	size_t nhosts;
	/* The names of those a DNS answer gave, with its TTL: the monitor
	 * re-resolves each when it expires (sandbox/net_refresh.c) and updates
	 * the layer that holds their address rules, net_names_layer (BPF or
	 * the supervisor), in place. Empty when no such layer holds them. */
	VEC(struct plan_net_name) net_names;
	enum ward_layer net_names_layer;

	/* The run itself: what the process starts with, and what events name */
	struct plan_env env;
	const char *cwd;	/* the start directory (points into the policy), or NULL */
	const char *hostname;	/* with WARD_NS_UTS: the sandbox's host name, else NULL */
	const char *name;	/* the run's name in `ward ps`, or NULL */
	char policy_digest[65]; /* the policy's SHA-256 digest, or "" (filled by
				 * the spawn only for a start event) */
	VEC(struct plan_path_deny) path_denies;

	/* Landlock */
	bool landlock; /* apply a Landlock domain at all */
	int landlock_abi;
	VEC(struct plan_fs_grant) fs_grants;
	VEC(struct plan_fs_hole) fs_holes; /* denials punched out of fs_grants */

	/* mount namespace: denials and carve-outs inside grants */
	bool mount_ns; /* the child makes its own mount namespace for fs_masks */
	VEC(struct plan_fs_mask) fs_masks;
	bool landlock_net;    /* handle TCP bind (and connect, unless tcp_connect_any) (ABI >= 4) */
	bool tcp_connect_any; /* every TCP port may be connected to: do not handle CONNECT_TCP */
	VEC(struct port_range) tcp_connect_ports; /* allowed connect ports */
	VEC(struct port_range) tcp_bind_ports;	  /* allowed bind ports */
	bool landlock_scope; /* ABI >= 6: abstract unix sockets and signals scoped */

	/* seccomp */
	bool seccomp;		      /* always true unless the host lacks seccomp (refused then) */
	bool seccomp_deny_inet;	      /* no IPv4/IPv6 sockets at all */
	bool seccomp_deny_inet_dgram; /* no UDP (and other datagram) IPv4/IPv6 sockets */
	bool seccomp_deny_inet_stream; /* no TCP IPv4/IPv6 sockets */
	bool seccomp_log_only;	       /* audit mode: log instead of deny */
	/* Socket kinds the other network layers do not see, refused whenever
	 * the network is restricted (issue 9): */
	bool seccomp_deny_vsock;    /* AF_VSOCK: not namespaced, no address rules */
	bool seccomp_deny_mptcp;    /* IPPROTO_MPTCP: Landlock's TCP rules miss it */
	bool seccomp_deny_sctp;	    /* IPPROTO_SCTP: no layer has rules for it */
	bool seccomp_deny_ping;	    /* ICMP datagram sockets: no sendmsg hook */
	bool seccomp_deny_tfo;	    /* sendto/sendmsg MSG_FASTOPEN: a connect Landlock misses */
	bool seccomp_deny_srcroute; /* IP_OPTIONS, IPV6_RTHDR: the packet goes to a hop no rule saw
				     */
	bool seccomp_deny_memfd;    /* memfd_create: Landlock exempts memfds from EXECUTE */
	bool seccomp_file_write_guard; /* a file write quota: uncounted write paths refused */

	/* resources: each limit, the layer it lands on and how far it holds */
	struct plan_limit limits[WARD_LIMIT_COUNT_];
	bool cgroup; /* create a sandbox cgroup */

	unsigned ns_flags; /* namespaces to create (WARD_NS_*) */
	/* The sandbox's own world (plan_world.c): with WARD_NS_MOUNT, a root
	 * of only the grants plus its own /proc, /dev and tmpfs mounts. */
	bool world;	   /* build the root (sandbox/world_build.c) */
	bool net_private;  /* no network allowed and a private netns: only lo */
	bool drop_caps;	   /* empty capability sets before exec */
	uint64_t tmp_size; /* bytes per private tmpfs */
	bool tmp_noexec;

	/* The process side (plan_proc.c) */
	enum plan_keeper {
		PLAN_KEEPER_NONE = 0,
		PLAN_KEEPER_PIDNS,     /* pid 1 of the sandbox's pid namespace */
		PLAN_KEEPER_SUBREAPER, /* a subreaper outside the Landlock domain */
	} keeper;		       /* never frozen or traced by the supervisor */
	bool seccomp_proc_guard;       /* no pid ns: process-control syscalls only on oneself */

	/* supervisor (seccomp user notification) */
	bool supervisor;			  /* start one for this sandbox */
	bool sup_fs_deny;			  /* fs deny rules inside grants */
	VEC(struct plan_inode_rule) sup_fs_rules; /* exactly those denials */
	bool sup_exec;				  /* exec deny rules (paths, argv) */
	bool sup_net;				  /* network rules by address */
	bool sup_listen; /* listen(): an unbound inet stream socket is refused (autobind) */
	VEC(struct plan_net_rule) sup_net_rules; /* exactly those address rules */
	/* The argv rules and the callback placed on the supervisor: a view of
	 * the policy's (the VEC is the plan's; patterns and texts point into
	 * the policy). Empty when the supervisor cannot hold them here. */
	struct sup_policy sup_rules;

	/* BPF */
	bool bpf_lsm_fs;     /* fs deny/allow by inode in file_open/inode_permission */
	bool bpf_lsm_exec;   /* exec rules in bprm_check_security */
	bool bpf_lsm_net;    /* network rules in the socket_* hooks */
	bool bpf_lsm_listen; /* the bind ports alone in socket_bind/listen/accept */
	bool bpf_lsm_kernel; /* ptrace, bpf, module, mount hooks */
	bool bpf_lsm_unix;   /* pathname unix peers by inode (plan_unix: sup_unix.roots) */
	bool cgroup_bpf_net; /* network rules in cgroup sock_addr programs */
	bool bpf_escalate;   /* kill_after: the LSM hooks SIGKILL a repeat offender */
	/* The fs and exec denials placed on BPF LSM, and only those (a denial
	 * the plan gave to Landlock is not written into the inode map). */
	VEC(struct plan_inode_rule) bpf_inode_rules;
	/* With bpf_lsm_net or cgroup_bpf_net: the address rules and the bind
	 * ports (TCP and UDP) the BPF programs judge, and nothing else. */
	VEC(struct plan_net_rule) bpf_net_rules;
	VEC(struct port_range) bpf_bind_ports;
	struct kill_after bpf_kill_after; /* set only with bpf_escalate */

	/* network accounting and quotas: cgroup_skb programs (bpf/bpf_acct.h) */
	bool net_acct;	/* count the sandbox's packets */
	bool file_acct; /* count its file bytes (fexit programs, bpf/bpf_file_acct.h) */
	uint64_t quota_amount[WARD_QUOTA_COUNT_]; /* bytes or ms; 0: no quota */
	enum ward_quota_action quota_action[WARD_QUOTA_COUNT_];

	/* The run needs a host directory as private HOME/TMPDIR (the policy
	 * wants one and there is no own root, whose tmpfs mounts serve). */
	bool private_tmp_dir;
	const char *private_tmp; /* that directory, once resolved; NULL before */

	/* Pathname unix sockets held by the supervisor (plan_unix.c): a
	 * connect or send to one succeeds when the socket's inode lies in an
	 * ALLOW root nearer than any STOP root, or on a private tmpfs of the
	 * sandbox's own world. */
	struct plan_sup_unix {
		bool trap;	    /* connect, sendto, sendmsg, sendmmsg decided there */
		bool private_tmpfs; /* the world's own tmpfs mounts count as the sandbox's */
		/* Some call must run in the kernel as the caller while its
		 * memory may change (an abstract name Landlock's scope judges
		 * on the host's network, an IP connect Landlock's TCP rules
		 * judge): the supervisor may freeze, so it tracks forks. */
		bool may_freeze;
		VEC(struct plan_unix_root) roots;
	} sup_unix;
};

/* Plans POLICY for HOST, once per run: the private HOME/TMPDIR stands as
 * PLAN_PRIVATE_TMP (plan->private_tmp_dir says the run must make one).
 * Returns 0, or -EPERM with ERR naming the first unenforceable rule (the plan
 * is still complete for --explain; free it). Other negative errnos are ward
 * errors (nothing to free). */
int plan_build(const struct ward_policy *policy, const struct host_features *host, struct plan *out,
	       ward_error *err);
/* At spawn, after creating the private directory PATH (which outlives the
 * plan): the grant and the entry that held PLAN_PRIVATE_TMP name PATH. */
void plan_resolve_private_tmp(struct plan *plan, const char *path);

/* plan_world.c: the namespaces, the sandbox's own root and capabilities. */
int plan_world(const struct ward_policy *policy, const struct host_features *host,
	       struct plan *plan);
/* True when POLICY allows any IPv4/IPv6 traffic (then the host's netns stays). */
bool plan_policy_allows_inet(const struct ward_policy *policy);
/* Appends an entry (plan.c); RULE is printf-style. */
int plan_add_entry(struct plan *plan, struct ward_loc loc, enum ward_layer layer,
		   enum plan_status status, const char *note, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* An entry for a rule that no layer here can hold (plan.c): refused unless
 * WANTED may be degraded. */
int plan_add_missing(struct plan *plan, const struct ward_policy *policy, struct ward_loc loc,
		     enum ward_layer wanted, const char *why, const char *rule);
void plan_free(struct plan *plan);
/* plan_unix.c: pathname unix sockets, after plan_fs and plan_net. */
int plan_unix(const struct ward_policy *policy, const struct host_features *host,
	      struct plan *plan);
/* plan_proc.c: keeper, process control, task limit; after the namespaces. */
int plan_proc(const struct ward_policy *policy, const struct host_features *host,
	      struct plan *plan);

/* Whether ENV keeps NAME (LEN bytes, no '=') out of the sandbox: secrets
 * are dropped, NAME looks like one and is not passed. */
bool plan_env_drops(const struct plan_env *env, const char *name, size_t len);

void plan_print(const struct plan *plan, FILE *out);
/* The plan as a JSON array (caller frees). */
char *plan_to_json(const struct plan *plan);
/* The per-layer sections as one JSON object (plan_sections.c; caller
 * frees): what each layer receives. */
char *plan_sections_to_json(const struct plan *plan);
/* The same as a json-c array (caller puts it), for events that embed it. */
struct json_object *plan_to_json_object(const struct plan *plan);

const char *plan_status_name(enum plan_status status);
const char *plan_limit_scope_name(enum plan_limit_scope scope);

/* plan_masks.c (pure) */
/* Can the child make a mount namespace here (privileged, or inside a user
 * namespace of its own)? */
bool plan_mount_ns_possible(const struct host_features *host);
/* Fills PLAN->fs_masks with the carve-outs of the policy's grants: a grant
 * nested in another that has only a subset of its rights keeps exactly its
 * own (see docs/policy.md). 0 or -ENOMEM. */
int plan_add_carveouts(const struct ward_policy *policy, struct plan *plan);
/* The carve-out planned at PATH, or NULL. */
const struct plan_fs_mask *plan_find_carveout(const struct plan *plan, const char *path);
/* True when A is B or lies beneath B (both normalized absolute paths). */
bool plan_path_within(const char *a, const char *b);
/* plan_globs.c: what each fs glob holds (its matches at start are rules of
 * their own) and what it cannot (names created later). */
int plan_fs_globs(const struct ward_policy *policy, struct plan *plan);

#endif
