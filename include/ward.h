/* ward.h — the public API of libward, a kernel-enforced process sandbox.
 *
 * Every function returns 0 (or a non-negative value) on success and a
 * negative errno on failure, filling the caller's ward_error with a one-line
 * message. The library never exits or aborts on a runtime condition, and it
 * never fails open: a rule that no layer can enforce stops the spawn unless
 * the policy allows that layer to be degraded.
 */
#ifndef WARD_H
#define WARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libward is built with -fvisibility=hidden: what is declared here, and only
 * that, is exported (with src/lib/libward.map). */
#pragma GCC visibility push(default)

#define WARD_VERSION "0.1.0"

/* Exit statuses the CLI uses, and ward_exit.code reports. */
enum {
	WARD_EXIT_ERROR = 125, /* ward's own error: nothing was run */
	WARD_EXIT_CANNOT_EXEC = 126,
	WARD_EXIT_NOT_FOUND = 127,
	WARD_EXIT_SIGNAL_BASE = 128,
};

typedef struct ward_error {
	int code;	 /* negative errno */
	int exit_status; /* what the CLI exits with: 125, or 126/127 when the command could not run
			  */
	char message[512];
} ward_error;

typedef struct ward_policy ward_policy;
typedef struct ward_sandbox ward_sandbox;

/* Filesystem access bits for grants and denials. */
enum {
	WARD_FS_READ = 1u << 0,
	WARD_FS_WRITE = 1u << 1,
	WARD_FS_EXEC = 1u << 2,
};

enum ward_mode {
	WARD_MODE_ENFORCE = 0,
	WARD_MODE_AUDIT = 1,
};

enum ward_limit {
	WARD_LIMIT_MEMORY = 0,	/* bytes */
	WARD_LIMIT_PIDS,	/* tasks */
	WARD_LIMIT_CPU_PERCENT, /* percent of one CPU, may exceed 100 */
	WARD_LIMIT_CPU_TIME,	/* seconds of CPU time */
	WARD_LIMIT_NOFILE,	/* open files per process */
	WARD_LIMIT_TIMEOUT_MS,	/* wall clock, milliseconds */
	WARD_LIMIT_COUNT_,
};

/* Quotas: a total the sandbox may use, and what happens when it is crossed
 * (one "quota" event, latched). Counted in the kernel per sandbox. */
enum ward_quota {
	WARD_QUOTA_NET_EGRESS_BYTES = 0, /* bytes sent (IP packets, all sockets) */
	WARD_QUOTA_NET_INGRESS_BYTES,	 /* bytes received */
	WARD_QUOTA_CPU_TIME,		 /* CPU time of every task together, in ms */
	WARD_QUOTA_FILE_WRITE_BYTES,	 /* bytes written to regular files */
	WARD_QUOTA_COUNT_,
};

enum ward_quota_action {
	WARD_QUOTA_KILL = 0, /* kill the sandbox (packets over quota are dropped meanwhile) */
	WARD_QUOTA_FREEZE,   /* freeze it (cgroup freezer), for a look before it ends */
	WARD_QUOTA_REPORT,   /* only the event */
};

/* Namespaces a policy may ask for. */
enum {
	WARD_NS_NET = 1u << 0,
	WARD_NS_PID = 1u << 1,
	WARD_NS_IPC = 1u << 2,
	WARD_NS_UTS = 1u << 3,
	WARD_NS_USER = 1u << 4,
	WARD_NS_MOUNT = 1u << 5, /* its own root: only the grants, own /proc, /dev, /tmp */
	WARD_NS_CGROUP = 1u << 6,
	WARD_NS_ALL = (1u << 7) - 1,
};

/* ---- policies ---- */
ward_policy *ward_policy_new(void);
void ward_policy_free(ward_policy *policy);

/* Adds a YAML policy file (or string) on top of what the policy holds. */
int ward_policy_load_file(ward_policy *policy, const char *path, ward_error *err);
int ward_policy_load_string(ward_policy *policy, const char *yaml, const char *origin,
			    ward_error *err);
/* Names where later API calls come from in error messages ("--read", a
 * config key...); NULL returns to "api". */
int ward_policy_set_origin(ward_policy *policy, const char *origin, ward_error *err);
/* Adds a built-in profile ("default", "minimal"). */
int ward_policy_use_profile(ward_policy *policy, const char *name, ward_error *err);

int ward_policy_fs_allow(ward_policy *policy, const char *path, unsigned access, ward_error *err);
int ward_policy_fs_deny(ward_policy *policy, const char *path, ward_error *err);
/* RULE: [tcp://|udp://]ADDR[/PREFIX][:PORT[-PORT][,PORT...]], ADDR "*", IPv4, [IPv6]. */
int ward_policy_net_allow(ward_policy *policy, const char *rule, ward_error *err);
int ward_policy_net_deny(ward_policy *policy, const char *rule, ward_error *err);
int ward_policy_net_bind(ward_policy *policy, const char *ports, ward_error *err);
int ward_policy_exec_allow(ward_policy *policy, const char *path, ward_error *err);
/* A pathname unix socket, or a directory of them, outside the write grants
 * that the sandbox may connect and send to (it need not exist yet). */
int ward_policy_unix_allow(ward_policy *policy, const char *path, ward_error *err);
int ward_policy_exec_deny(ward_policy *policy, const char *path, ward_error *err);
/* Exec rules on the arguments, decided by the supervisor: WORDS is a blank-
 * separated list of fnmatch globs, one per argument ("git push --force*").
 * First matching rule wins, in the order added. */
int ward_policy_exec_allow_argv(ward_policy *policy, const char *words, ward_error *err);
int ward_policy_exec_deny_argv(ward_policy *policy, const char *words, ward_error *err);
/* Parses TEXT in the limit's unit ("512M", "1.5G", "30s", "250ms", "50%"). */
int ward_policy_set_limit(ward_policy *policy, enum ward_limit limit, const char *text,
			  ward_error *err);
int ward_policy_set_mode(ward_policy *policy, enum ward_mode mode);
/* NAME "net_egress_bytes" or "net_ingress_bytes" with SIZE as for memory
 * ("10M"), or "cpu_time" with a duration ("30s"); ACTION "kill", "freeze"
 * or "report" (NULL: kill). */
int ward_policy_set_quota(ward_policy *policy, const char *name, const char *size,
			  const char *action, ward_error *err);
/* Escalation: SIGKILL the process that makes the DENIALS-th denial within
 * SECONDS ("5/10"). Needs the BPF LSM layer. */
int ward_policy_set_kill_after(ward_policy *policy, const char *denials_per_seconds,
			       ward_error *err);
/* LAYER: landlock, seccomp, cgroup, rlimit, supervisor, bpf-lsm, cgroup-bpf, namespaces. */
int ward_policy_allow_degraded(ward_policy *policy, const char *layer, ward_error *err);
int ward_policy_set_env(ward_policy *policy, const char *key_eq_value, ward_error *err);
int ward_policy_unset_env(ward_policy *policy, const char *key, ward_error *err);
int ward_policy_clean_env(ward_policy *policy, int clean);
/* Drop variables whose names look like secrets (*TOKEN*, *SECRET*, *_KEY,
 * AWS_*, ...: docs/policy.md); the default profile does. */
int ward_policy_drop_secret_env(ward_policy *policy, int drop);
/* Keep NAME even when it looks like a secret. */
int ward_policy_pass_env(ward_policy *policy, const char *name, ward_error *err);
int ward_policy_set_cwd(ward_policy *policy, const char *dir, ward_error *err);
int ward_policy_unshare(ward_policy *policy, unsigned ns_flags);
/* The sandbox's own world: every namespace the host allows (net only when no
 * network is allowed), its own root of only the grants, /proc, /dev, tmpfs
 * /tmp, /var/tmp, /dev/shm and HOME, no capabilities. The built-in profiles
 * turn it on. */
int ward_policy_isolate(ward_policy *policy, int on);
/* Keeps the host's namespaces NS_FLAGS (WARD_NS_*) in an isolated policy. */
int ward_policy_share(ward_policy *policy, unsigned ns_flags);
/* The size of each private tmpfs ("512M", "2G"; default 1G). */
int ward_policy_set_tmp_size(ward_policy *policy, const char *size, ward_error *err);
/* A name for the run, shown by `ward ps` and accepted by ward kill|freeze|thaw
 * (letters, digits, '.', '_', '-'; at most 63). Not part of the rules. */
int ward_policy_set_name(ward_policy *policy, const char *name, ward_error *err);
int ward_policy_set_hostname(ward_policy *policy, const char *hostname, ward_error *err);

/* Checks the policy as a whole (conflicts, paths) and plans it for this host.
 * Writes the human-readable plan to OUT when OUT is not NULL. Returns 0 when
 * the policy can run here, -EPERM when a rule cannot be enforced. */
int ward_policy_check(ward_policy *policy, FILE *out, ward_error *err);
/* The plan as JSON (caller frees). */
int ward_policy_plan_json(ward_policy *policy, char **json_out, ward_error *err);
/* What each layer receives from the plan (its section), as one JSON object
 * (caller frees): for comparing the plan with what the layers installed. */
int ward_policy_plan_sections_json(ward_policy *policy, char **json_out, ward_error *err);

/* ---- host features ---- */
/* What this host's kernel and privilege offer, as JSON (caller frees) or text. */
int ward_features_json(char **json_out, ward_error *err);
int ward_features_print(FILE *out, ward_error *err);

/* ---- sandboxes ---- */
/* Called once per event with one JSON object (no newline). */
typedef void (*ward_event_fn)(const char *json, void *userdata);

/* The signals ward forwards to a sandbox (forward_signals): a caller that
 * blocks them for a whole run uses the same list,
 *   static const int sigs[] = {WARD_FORWARDED_SIGNALS}; */
#define WARD_FORWARDED_SIGNALS SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2

struct ward_spawn_options {
	ward_event_fn on_event; /* may be NULL */
	void *event_userdata;
	/* Forward WARD_FORWARDED_SIGNALS sent to this
	 * process to the sandbox while ward_sandbox_wait() runs. The caller must
	 * not otherwise consume those signals. */
	int forward_signals;
};

struct ward_exit {
	int exited;	    /* 1: exited with status; 0: killed by signal */
	int status;	    /* exit status, or the signal number */
	int code;	    /* the shell convention: status, or 128+signal, or 125/126/127 */
	const char *reason; /* "exit", "signal", "timeout", "memory", "pids", "cpu-time", "exec",
			       "quota" */
	uint64_t wall_ms;
	uint64_t cpu_user_ms, cpu_system_ms;
	uint64_t peak_memory_bytes; /* 0 when unknown */
};

int ward_sandbox_spawn(ward_policy *policy, char *const argv[],
		       const struct ward_spawn_options *options, ward_sandbox **out,
		       ward_error *err);

/* Everything ward_sandbox_spawn_config() can be told, in a versioned struct:
 * SIZE is the caller's sizeof(struct ward_spawn_config), so fields added
 * later read as their defaults for an older caller, and a newer caller's
 * unknown fields must be zero (or the spawn fails with -E2BIG). Fill it with
 * ward_spawn_config_init() first: a descriptor 0 is a real descriptor. */
struct ward_spawn_config {
	size_t size;
	ward_event_fn on_event; /* may be NULL */
	void *event_userdata;
	int forward_signals; /* as in ward_spawn_options */
	/* Descriptors the program gets as its standard input, output and
	 * error (dup2'd onto 0, 1, 2 in the child); -1 inherits ward's. */
	int stdin_fd, stdout_fd, stderr_fd;
	/* Non-zero: no descriptor above 2 reaches the program, whether or not
	 * the caller marked it close-on-exec. */
	int close_fds;
	/* -1, or a descriptor that ward_sandbox_wait() watches: when it becomes
	 * readable (or its other end is closed) the sandbox is killed, as on a
	 * timeout. Another thread cancels a wait through it without touching
	 * the sandbox. The caller keeps it open until the wait returns. */
	int cancel_fd;
	/* Descriptors above 2 that stay open in the sandbox (each must be open
	 * here; --pass-fd N). Every other descriptor above 2 is closed before
	 * exec, whatever close_fds says. */
	const int *pass_fds;
	size_t n_pass_fds;
	/* NULL, or the environment (NULL-terminated "K=V" strings) to read
	 * instead of this process's environ for the whole spawn: the base of
	 * the program's environment, and HOME and TMPDIR as ward uses them.
	 * A caller whose other threads may change the environment meanwhile
	 * (Python's os.environ) passes a snapshot; environ is then never read.
	 * Read only during ward_sandbox_spawn_config(). */
	char *const *envp;
	/* Non-zero: no "start" event is built or delivered, for a caller that
	 * reads none (its plan as JSON and the policy's digest are the
	 * costliest part of a start's events); the others are delivered as
	 * ever. What is enforced does not change. */
	int skip_start_event;
};

/* Defaults: no events, no forwarding, inherited stdio, no cancel_fd. */
void ward_spawn_config_init(struct ward_spawn_config *config);
int ward_sandbox_spawn_config(ward_policy *policy, char *const argv[],
			      const struct ward_spawn_config *config, ward_sandbox **out,
			      ward_error *err);
pid_t ward_sandbox_pid(const ward_sandbox *sandbox);
const char *ward_sandbox_id(const ward_sandbox *sandbox);
int ward_sandbox_signal(ward_sandbox *sandbox, int sig);
/* Kills every process of the sandbox. */
int ward_sandbox_kill(ward_sandbox *sandbox);
/* Waits for the sandbox's main process to end, then kills what is left.
 * Call it from the thread that spawned the sandbox: the program is that
 * thread's child (it reaps with __WNOTHREAD, and the program dies with that
 * thread, PR_SET_PDEATHSIG). A sandbox is not locked: other threads stop it
 * through ward_spawn_config.cancel_fd. */
int ward_sandbox_wait(ward_sandbox *sandbox, struct ward_exit *out, ward_error *err);
void ward_sandbox_free(ward_sandbox *sandbox);

/* Runs ARGV under POLICY to completion: spawn + wait + free. */
int ward_run(ward_policy *policy, char *const argv[], const struct ward_spawn_options *options,
	     struct ward_exit *out, ward_error *err);

/* ---- running sandboxes: ward ps, stats, kill, freeze, thaw ---- */
/* The running sandboxes the caller may see (its own; root: everyone's) as a
 * JSON array (caller frees): id, name, pid, argv, uid, started, age_s,
 * cpu_us, memory_bytes, tasks, denials, figures_source ("cgroup": the
 * sandbox's own cgroup counters; "proc": summed over its processes). */
int ward_live_list(char **json_out, ward_error *err);
/* ACTION ("kill", "freeze", "thaw") on the running sandbox whose id or name
 * is WHO; the kernel checks the caller's right to it. */
int ward_live_control(const char *who, const char *action, ward_error *err);

/* ---- supervisor: decisions at run time (src/lib/supervisor, docs/supervisor.md) ---- */
/* Categories of trapped operations a policy callback is asked about. */
enum {
	WARD_SUP_FILE =
		1u << 0, /* open family; observe-only unless an fs deny needs the supervisor */
	WARD_SUP_NETWORK = 1u << 1, /* connect, sendto, sendmsg, sendmmsg */
	WARD_SUP_PROCESS = 1u << 2, /* execve, execveat */
};

enum ward_verdict_kind {
	WARD_VERDICT_ALLOW = 0,
	WARD_VERDICT_DENY,  /* the syscall fails with ward_verdict.error (EPERM when 0) */
	WARD_VERDICT_AUDIT, /* allow, and emit an "audit" event */
	WARD_VERDICT_KILL,  /* kill the whole sandbox */
};

struct ward_verdict {
	enum ward_verdict_kind kind;
	int error; /* positive errno for WARD_VERDICT_DENY */
};

/* What a callback is asked about. Strings live until the callback returns. */
struct ward_sup_event {
	const char *syscall; /* "execve", "connect", "openat"... */
	unsigned category;   /* one WARD_SUP_* */
	pid_t pid, ppid;     /* the calling thread's process and its parent */
	/* execve/execveat: the path as passed and the arguments */
	const char *exec_path;
	const char *const *argv;
	size_t argc;
	/* connect, sendto, sendmsg, sendmmsg: the destination (family 0: none) */
	int family;	  /* AF_INET or AF_INET6; IPv4-mapped IPv6 is given as AF_INET */
	char address[46]; /* numeric */
	uint16_t port;
	int protocol; /* IPPROTO_TCP, IPPROTO_UDP... */
	/* open family: the path as passed; observe_only says the verdict cannot
	 * be enforced safely for this call (then only deny/kill take effect) */
	const char *path;
	int open_flags;
	int observe_only;
};

/* A handle to the running supervisor, valid during the callback. */
typedef struct ward_sup_context ward_sup_context;

typedef struct ward_verdict (*ward_sup_callback_fn)(const struct ward_sup_event *event,
						    ward_sup_context *ctx, void *userdata);

/* Asks FN about every trapped operation in CATEGORIES (WARD_SUP_*). FN runs
 * in a supervisor thread; no verdict within the timeout (default 5000 ms)
 * means deny. */
int ward_policy_set_callback(ward_policy *policy, ward_sup_callback_fn fn, void *userdata);
/* The same callback for bindings whose callbacks cannot return a struct by
 * value (Python's ctypes): FN fills *OUT, which starts as a deny with EPERM,
 * and returns 0; a negative return denies with EPERM. Replaces any callback
 * set before, as ward_policy_set_callback does. */
typedef int (*ward_sup_verdict_fn)(const struct ward_sup_event *event, ward_sup_context *ctx,
				   void *userdata, struct ward_verdict *out);
int ward_policy_set_verdict_callback(ward_policy *policy, ward_sup_verdict_fn fn, void *userdata);
int ward_policy_set_callback_categories(ward_policy *policy, unsigned categories);
int ward_policy_set_callback_timeout(ward_policy *policy, unsigned timeout_ms);

/* Learn mode (`ward learn`): the supervisor traps the open family, exec,
 * path-changing syscalls, connect/sendto/sendmsg and bind, emits one
 * "observe" event for each (kind "fs" with path and access, "net" or "bind"
 * with protocol, address and port) and lets the call run: nothing is
 * enforced by it; every other layer of the policy still is. A policy whose
 * rules need the supervisor cannot be run in learn mode (the spawn fails). */
int ward_policy_set_learn(ward_policy *policy, int on);

/* From a callback: deny PATH's inode (resolved now) for the rest of the run;
 * another name, a hard link or a rename of it stays denied. */
int ward_sup_deny_path(ward_sup_context *ctx, const char *path, ward_error *err);
/* From a callback: narrow the network rules (RULE as ward_policy_net_deny). */
int ward_sup_net_deny(ward_sup_context *ctx, const char *rule, ward_error *err);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
