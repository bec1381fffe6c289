/* policy.h — ward's policy model: the one source of truth that the YAML
 * loader, the CLI flags and the C API all fill. Pure data: nothing here
 * touches the kernel. Every rule remembers where it came from (file:line:col
 * or "--flag") so errors and --explain can name it.
 */
#ifndef WARD_POLICY_H
#define WARD_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vec.h"
#include "ward.h"

/* Where a rule came from. FILE is interned in the policy (never freed early). */
struct ward_loc {
	const char *file;      /* a path, "<string>", "profile:default" or "--net-allow" */
	unsigned line, column; /* 1-based; 0 when not from a file */
};

struct fs_rule {
	char *path;	 /* absolute, normalized (no "..", no trailing "/") */
	unsigned access; /* WARD_FS_* granted (allow) or denied (deny) */
	bool deny;
	bool optional; /* a profile entry that may be missing on this host */
	bool absent; /* a deny of a path that did not exist when it was added */
	size_t from_glob; /* 1 + index in fs_globs: a match of it, remade before each plan */
	struct ward_loc loc;
	bool missing; /* an optional grant whose path did not exist when it was added */
	/* A grant, as the host had it when it was added (policy_rules.c),
	 * for the own root's read-only overlays (plan_unix.c): */
	bool is_dir;	   /* a directory (after symlinks) */
	bool is_file;	   /* anything else but a socket (no socket can appear at it) */
	bool has_mounts;   /* a mount point lies beneath it (an overlay would hide it) */
	bool on_overlayfs; /* it is on overlayfs already (a stack too deep to overlay) */
	bool no_sockets;   /* a pseudo filesystem (sysfs, proc...) no socket is bound on */
};

/* A glob in fs.deny or fs.read (policy/glob.c): expanded before each plan
 * into one fs_rule per path matching then (policy_expand_globs). */
struct fs_glob {
	char *text;	 /* as written, ~ and $VARs expanded */
	char *root;	 /* the directory it is anchored in; NULL: beneath the user's grants */
	char *pattern;	 /* relative to ROOT (or to each grant), '**' for any depth */
	unsigned access; /* WARD_FS_* denied (deny) or granted (read) */
	bool deny;
	size_t matches; /* at the last expansion */
	struct ward_loc loc;
	bool missing; /* an optional grant whose path did not exist when it was added */
};

enum net_proto {
	NET_PROTO_ANY = 0,
	NET_PROTO_TCP,
	NET_PROTO_UDP,
};

struct port_range {
	uint16_t lo, hi; /* inclusive, 1..65535 */
};

#define NET_MAX_PORT_RANGES 32

struct net_rule {
	bool deny;
	enum net_proto proto;
	int family;	  /* 0: any address ("*"); AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 in addr[0..3]; host bits zeroed */
	uint8_t prefix;	  /* 0..32 or 0..128 */
	size_t nports;	  /* 0: any port */
	struct port_range ports[NET_MAX_PORT_RANGES];
	char *text; /* the rule as written */
	struct ward_loc loc;
	/* A rule resolved from a host name: the name (interned in the policy)
	 * and the TTL of the DNS answer, in seconds; 0: never re-resolved (an
	 * /etc/hosts entry, a name DNS did not answer). NULL for addresses. */
	const char *host;
	uint32_t ttl;
};

struct bind_rule {
	struct port_range range;
	struct ward_loc loc;
};

struct exec_rule {
	char *path; /* absolute; a directory means "beneath" */
	bool deny;
	struct ward_loc loc;
};

/* A pathname unix socket (or a directory of them) the sandbox may connect
 * and send to although it lies outside every write grant (net.unix,
 * --unix-allow). Resolved again at each decision: a service that re-creates
 * its socket keeps its rule. */
struct unix_rule {
	char *path; /* absolute, normalized */
	struct ward_loc loc;
};

struct limit_value {
	bool set;
	uint64_t value; /* the unit of enum ward_limit */
	struct ward_loc loc;
};

struct quota_value {
	bool set;
	uint64_t amount; /* bytes, or ms for cpu_time */
	enum ward_quota_action action;
	struct ward_loc loc;
};

/* Escalation (YAML "kill_after: {denials: N, seconds: T}"): SIGKILL the
 * process that makes the Nth denial within T seconds. Counted and done by
 * the BPF LSM hooks only (bpf/bpf_layer.h); off unless set. */
struct kill_after {
	bool set;
	uint32_t denials; /* 1..1000000 */
	uint32_t seconds; /* 1..86400 */
	struct ward_loc loc;
};

/* The layers that can enforce a rule, strongest first in plan order. */
enum ward_layer {
	LAYER_BPF_LSM = 0,
	LAYER_CGROUP_BPF,
	LAYER_LANDLOCK,
	LAYER_SECCOMP,
	LAYER_SUPERVISOR,
	LAYER_CGROUP,
	LAYER_RLIMIT,
	LAYER_NAMESPACES,
	LAYER_MONITOR,	 /* ward itself: wall-clock timeout, accounting */
	LAYER_BPF_TRACE, /* fexit programs: file byte accounting and quotas */
	LAYER_COUNT_,
	LAYER_NONE = -1,
};

const char *ward_layer_name(enum ward_layer layer);
/* Returns the layer for NAME, or LAYER_NONE. */
enum ward_layer ward_layer_from_name(const char *name);

struct ward_policy {
	VEC(struct fs_rule) fs;
	VEC(struct fs_glob) fs_globs;
	VEC(struct net_rule) net;
	VEC(struct bind_rule) bind;
	VEC(struct exec_rule) exec;
	VEC(char *) hosts; /* "ADDRESS NAME" lines pinned for host-name rules (hosts(5)) */
	bool private_tmp; /* a fresh read-write directory as HOME and TMPDIR */
	struct limit_value limits[WARD_LIMIT_COUNT_];
	struct kill_after kill_after;
	struct quota_value quotas[WARD_QUOTA_COUNT_];
	enum ward_mode mode;
	unsigned degraded; /* bit (1 << enum ward_layer) per layer allowed to be missing */
	bool clean_env;
	VEC(char *) env_set;   /* "KEY=VALUE" */
	VEC(char *) env_unset; /* "KEY" */
	bool drop_secret_env; /* drop secret-looking variables (env.drop_secrets) */
	VEC(char *) env_pass; /* names kept even when they look secret */
	/* Where each env_set, env_unset and env_pass entry came from, index
	 * for index (not part of the digest: origins are not rules). */
	VEC(struct ward_loc) env_set_loc;
	VEC(struct ward_loc) env_unset_loc;
	VEC(struct ward_loc) env_pass_loc;
	char *cwd;
	unsigned ns_flags; /* WARD_NS_*: namespaces ward creates for the sandbox */
	/* The sandbox's own world (docs/policy.md "The sandbox's world"): every
	 * namespace the host allows (net only when no network is allowed),
	 * minus ns_share. Set by the default and minimal profiles. */
	bool isolate;
	unsigned ns_share; /* WARD_NS_* kept from the host (share_namespaces, --share-*) */
	uint64_t tmp_size; /* bytes per tmpfs of /tmp, /var/tmp, HOME, /dev/shm; 0: default */
	bool tmp_noexec;   /* mount those tmpfs noexec */
	char *hostname;
	struct ward_loc hostname_loc;  /* where hostname was set, for "needs uts" */
	struct sup_policy *supervisor; /* argv rules, callback: supervisor/supervisor.h */
	char *name; /* the run's name in `ward ps` (ward_policy_set_name), or NULL */
	VEC(char *) interned; /* origin names that ward_loc.file points into */
	const char *api_origin; /* interned; the location API calls report */
	VEC(char *) loading; /* files being loaded, for extends: cycle detection */
	VEC(struct unix_rule) unix_allow; /* net.unix, --unix-allow */
};

/* Interns NAME in POLICY so a ward_loc may point to it. NULL on ENOMEM. */
const char *policy_intern(struct ward_policy *policy, const char *name);

/* Adders shared by the YAML loader, the CLI and the C API. Each validates
 * its input and fails with a message that starts with LOC. */
int policy_add_fs(struct ward_policy *policy, const char *path, unsigned access, bool deny,
		  bool optional, struct ward_loc loc, ward_error *err);
int policy_add_net(struct ward_policy *policy, const char *text, bool deny, struct ward_loc loc,
		   ward_error *err);
int policy_add_bind(struct ward_policy *policy, const char *text, struct ward_loc loc,
		    ward_error *err);
int policy_add_exec(struct ward_policy *policy, const char *path, bool deny, struct ward_loc loc,
		    ward_error *err);
int policy_add_unix(struct ward_policy *policy, const char *path, struct ward_loc loc,
		    ward_error *err);
/* "net_egress_bytes" etc., or NULL for an unknown name. */
const char *policy_quota_name(enum ward_quota quota);
const char *policy_quota_action_name(enum ward_quota_action action);
int policy_set_quota(struct ward_policy *policy, const char *name, const char *size,
		     const char *action, struct ward_loc loc, ward_error *err);
int policy_set_limit(struct ward_policy *policy, enum ward_limit limit, const char *text,
		     struct ward_loc loc, ward_error *err);
int policy_add_env(struct ward_policy *policy, const char *key_eq_value, struct ward_loc loc,
		   ward_error *err);
int policy_add_unset_env(struct ward_policy *policy, const char *key, struct ward_loc loc,
			 ward_error *err);
int policy_add_pass_env(struct ward_policy *policy, const char *name, struct ward_loc loc,
			ward_error *err);
int policy_set_cwd(struct ward_policy *policy, const char *dir, struct ward_loc loc,
		   ward_error *err);
int policy_set_hostname(struct ward_policy *policy, const char *name, struct ward_loc loc,
			ward_error *err);
/* Default size of each private tmpfs (/tmp, /var/tmp, HOME, /dev/shm). */
#define WARD_TMP_SIZE_DEFAULT (1024ull * 1024 * 1024)

int policy_add_degraded(struct ward_policy *policy, const char *layer, struct ward_loc loc,
			ward_error *err);

/* Whole-policy checks after everything is loaded: conflicting rules (the same
 * path both granted and denied with the same access, a bind port both ...).
 * Named by the later rule's location. */
int policy_validate(const struct ward_policy *policy, ward_error *err);

/* Prints LOC as "file:line:col" or "file" into BUF. */
const char *ward_loc_format(struct ward_loc loc, char *buf, size_t size);

/* A canonical JSON rendering (caller frees) and its SHA-256 digest in hex. */
char *policy_to_json(const struct ward_policy *policy);
int policy_digest(const struct ward_policy *policy, char hex_out[65]);

/* ---- parsers (pure, unit-tested, fuzzed) ---- */
/* "512M", "1G", "1048576", "1.5GiB" → bytes. */
int parse_size(const char *text, uint64_t *bytes_out);
/* "30", "30s", "250ms", "2m", "1h" → milliseconds. */
int parse_duration_ms(const char *text, uint64_t *ms_out);
/* "50", "50%", "250%" → percent (1..100000). */
int parse_percent(const char *text, uint64_t *percent_out);
/* A positive integer that fits 1..MAX. */
int parse_count(const char *text, uint64_t max, uint64_t *out);
/* A network rule; on failure fills WHY with a short reason. */
int parse_net_rule(const char *text, struct net_rule *out, char *why, size_t why_size);
/* A rule naming a host instead of an address, "[tcp://|udp://]NAME[:PORTS]":
 * fills OUT's protocol and ports (no address) and HOST with the name. */
int parse_net_host(const char *text, struct net_rule *out, char *host, size_t host_size,
		   char *why, size_t why_size);
/* How host rules are resolved: getaddrinfo(3) unless replaced (the fuzzer
 * replaces it, so no input makes it wait on DNS). NULL restores it. */
struct addrinfo;
typedef int (*policy_resolver_fn)(const char *host, const struct addrinfo *hints,
				  struct addrinfo **found);
void policy_set_resolver(policy_resolver_fn fn);
/* "80", "8000-8100", "80,443" → ranges; on failure fills WHY. */
int parse_port_list(const char *text, struct port_range *ranges, size_t max, size_t *count,
		    char *why, size_t why_size);

/* ---- globs in fs rules (glob.c, pure but for the walk) ---- */
bool glob_is_pattern(const char *text);
/* -EINVAL with *POS (1-based) and WHY when PATTERN is malformed. */
int glob_check(const char *pattern, size_t *pos, char *why, size_t why_size);
/* Whether relative PATH matches relative PATTERN ('**': any components). */
bool glob_match(const char *pattern, const char *path);
/* Replaces the fs rules made from globs by the paths matching now. */
int policy_expand_globs(struct ward_policy *policy, ward_error *err);
void policy_glob_free(struct fs_glob *glob);

/* Whether environment variable NAME (LEN bytes, no '=') looks like a secret
 * (env_secrets.c; docs/policy.md "Environment" lists the rules). */
bool env_name_looks_secret(const char *name, size_t len);
/* Whether POLICY keeps NAME out of the sandbox: drop_secret_env is on, NAME
 * looks like a secret and env_pass does not name it. */
bool policy_drops_env(const struct ward_policy *policy, const char *name, size_t len);

/* ---- YAML (policy_yaml.c) and built-in profiles (profiles.c) ---- */
int policy_load_yaml_file(struct ward_policy *policy, const char *path, ward_error *err);
int policy_load_yaml_string(struct ward_policy *policy, const char *yaml, size_t len,
			    const char *origin, ward_error *err);
/* The YAML text of built-in profile NAME, or NULL. */
const char *profile_yaml(const char *name);
/* NULL-terminated list of built-in profile names. */
const char *const *profile_names(void);

#endif
