/* sandbox.h — one running sandbox, shared by the parent-side files of
 * src/lib/sandbox/: spawn.c (prepare and start), child.c (what the child does
 * between clone and exec), monitor.c (wait, limits, exit), environ.c and
 * private_tmp.c.
 */
#ifndef WARD_SANDBOX_H
#define WARD_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#include "bpf/bpf_layer.h"
#include "events/events.h"
#include "layers/cgroup.h"
#include "layers/rlimit.h"
#include "layers/seccomp.h"
#include "plan/plan.h"
#include "sandbox/hosts_file.h"
#include "sandbox/world.h"

/* fds.c: the descriptors above 2 that reach the program. */
#define PASS_FDS_MAX 64
struct pass_fds {
	int fd[PASS_FDS_MAX]; /* sorted, unique, all > 2 */
	unsigned count;
};
/* Checks (each must be open) and sorts the caller's list. */
int fds_prepare(const int *fds, size_t n, struct pass_fds *out, ward_error *err);
/* In the child just before exec: every descriptor above 2 but PASS gets
 * close-on-exec, PASS loses it. KEEP (the report pipe) stays open until
 * exec on kernels without CLOSE_RANGE_CLOEXEC. 0 or a negative errno. */
int fds_enforce(const struct pass_fds *pass, int keep);

/* How the sandbox's processes are all ended (keeper.c): the plan's choice. */
#define KEEPER_NONE PLAN_KEEPER_NONE
#define KEEPER_PIDNS PLAN_KEEPER_PIDNS
#define KEEPER_SUBREAPER PLAN_KEEPER_SUBREAPER
typedef enum plan_keeper keeper_mode_t;

/* Everything the child needs, prepared by the parent so that the child only
 * makes system calls between clone and exec (no allocation: the parent may
 * be multi-threaded, and a lock held by another thread at fork time would
 * never be released in the child). */
struct child_setup {
	const char *exec_path;
	char *const *argv;
	char *const *envp;
	const char *cwd;
	const char *hostname;	       /* NULL unless a UTS namespace is created */
	int sync_fd;		       /* read end: the parent writes one byte when ready */
	int report_fd;		       /* write end, O_CLOEXEC: a child_report on failure */
	const struct plan *mount_plan; /* NULL: no masks (plan->mount_ns false) */
	int landlock_fd;	       /* -1: no Landlock domain */
	const struct seccomp_program *sup_filter; /* NULL: no supervisor */
	int sup_sock;				  /* the child's end of the listener handover */
	const struct seccomp_program *seccomp;	  /* NULL: no filter, or it comes on seccomp_fd */
	int seccomp_fd; /* -1, or a pipe the parent writes the filter to after the release */
	const struct rlimit_set *rlimits;
	bool pid_namespace; /* the child is pid 1: it runs a small init */
	keeper_mode_t keeper;
	const struct pass_fds *pass_fds;
	int cgroup_tasks_fd; /* -1, or a v1 "tasks" file the child joins itself through */
	const struct world_setup *world; /* its own root (sandbox/world.h), or NULL */
	bool cgroup_namespace;		 /* unshare it once inside the sandbox's cgroups */
	bool loopback_up;		 /* a new netns: bring lo up */
	bool drop_caps;			 /* empty every capability set */
	int stdio[3];			 /* dup2'd onto 0, 1, 2; -1: inherited */
	bool close_fds;			 /* nothing above 2 survives exec */
	pid_t parent;
};

enum child_stage {
	STAGE_SYNC = 1,
	STAGE_STDIO,
	STAGE_HOSTNAME,
	STAGE_RLIMIT,
	STAGE_CWD,
	STAGE_NO_NEW_PRIVS,
	STAGE_LANDLOCK,
	STAGE_SUPERVISOR,
	STAGE_SECCOMP,
	STAGE_EXEC,
	STAGE_INIT,
	STAGE_FDS,
	STAGE_CGROUP,
	STAGE_NAMESPACES,
	STAGE_MOUNTS,
	STAGE_PIVOT,
	STAGE_LOOPBACK,
	STAGE_CAPS,
	STAGE_MOUNT,
	STAGE_SETFCAP,
};

struct child_report {
	int stage; /* enum child_stage */
	int error; /* positive errno */
	int step;  /* world_enter's failed step (world_step_name), else 0 */
};

/* keeper.c: the process that outlives every other one of the sandbox.
 * KEEPER_PIDNS: forwards signals, reaps, exits like the program (the kernel
 * then kills the namespace). KEEPER_SUBREAPER: the same, and before it exits
 * it kills and reaps every descendant, then writes KEEPER_DONE on SYNC_FD;
 * it does the same at once when ward dies. Never return. */
#define KEEPER_DONE 'e'
#define KEEPER_KILL 'k' /* ward -> keeper: kill everything now */
__attribute__((noreturn)) void keeper_run_pidns(const struct child_setup *s, pid_t child);
__attribute__((noreturn)) void keeper_run_subreaper(const struct child_setup *s, pid_t child);
/* Why the command could not be executed, in terms of PLAN: the
 * rule that denied it or the grant it (its interpreter, its loader) lacks,
 * with the flag that would allow it. "cannot execute PATH: ..." into OUT.
 * True when the policy is the cause (the exit status is then 126, even for
 * ENOENT from a private root that lacks the ungranted file). */
bool exec_diagnose(const struct plan *plan, const char *exec_path, char *const argv[], int error,
		   char *out, size_t size);

/* Runs in the child after clone; never returns. */
__attribute__((noreturn)) void child_run(const struct child_setup *setup);
const char *child_stage_name(int stage);

struct ward_sandbox {
	char id[40];
	pid_t pid;
	int pidfd;
	struct event_sink sink;
	struct plan plan;
	bool plan_valid;
	struct cgroup_sandbox *cgroup;
	struct bpf_sandbox *bpf; /* entries in the shared BPF maps, or NULL */
	struct supervisor *sup;	 /* the seccomp notification supervisor, or NULL */
	char *private_tmp;
	keeper_mode_t keeper;
	int keeper_fd;		 /* ward's end of the sync channel (KEEPER_SUBREAPER), or -1 */
	bool all_gone;		 /* proven: no process of the sandbox is left */
	bool exec_done;		 /* the program ran: what it made may be hostile */
	char world_warning[512]; /* one line about the start directory, or "" */
	uint64_t timeout_ms;
	uint64_t cpu_time_s;
	struct timespec started;
	bool forward_signals;
	int cancel_fd; /* the caller's; readable: kill the sandbox (-1: none) */
	bool finished;
	struct ward_exit exit;
	struct live_entry *live;	       /* its record for ward ps (live.h), or NULL */
	char *start_event;		       /* built while the child sets up; sent after exec */
	bool skip_start_event;		       /* config.skip_start_event */
	struct bpf_acct *acct;		       /* network accounting and quotas, or NULL */
	struct bpf_file_acct *file_acct;       /* file byte accounting and quotas, or NULL */
	struct hosts_file hosts;	       /* the sandbox's /etc/hosts, dir "" when none */
	bool quota_latched[WARD_QUOTA_COUNT_]; /* its one event was emitted */
	bool quota_killed;		       /* a quota's kill action ended it */
	struct net_refresh *refresh;	       /* host names re-resolved while it runs, or NULL */
};

/* environ.c: the sandbox's environment, NULL-terminated (caller frees with
 * environ_free). */
char **environ_build(const struct plan_env *env, const char *private_tmp);
void environ_free(char **envp);
/* With its own root: the caller's HOME path (a tmpfs there) and TMPDIR=/tmp,
 * unless the policy's env sets them. */
char **environ_build_world(const struct plan_env *env);
/* The value of KEY in ENVP, or NULL. */
const char *environ_get(char *const *envp, const char *key);
/* Finds FILE like execvp would, with PATH from ENVP; 0 or -ENOENT/-EACCES. */
int environ_resolve_command(const char *file, char *const *envp, char *out, size_t size);

/* private_tmp.c */
int private_tmp_create(const char *sandbox_id, char **path_out, ward_error *err);
/* Removes the directory and everything in it, descriptor by descriptor:
 * never following a symlink, never crossing into another filesystem, so a
 * rename or link made inside cannot redirect it. 0 or a negative errno
 * (what could not be removed stays). Call only once every process of the
 * sandbox is known gone. */
int private_tmp_remove(const char *path);

/* True when the plan puts any rule on a BPF layer. */
static inline bool plan_uses_bpf(const struct plan *plan)
{
	return plan->bpf_lsm_fs || plan->bpf_lsm_exec || plan->bpf_lsm_net ||
	       plan->bpf_lsm_listen || plan->bpf_lsm_kernel || plan->bpf_lsm_unix ||
	       plan->cgroup_bpf_net;
}

/* Reaps the sandbox's main process. Waits for its pidfd first and then
 * with __WNOTHREAD: the supervisor thread ptraces sandbox tasks, and a plain
 * wait from this thread could take its ptrace stops (docs/supervisor.md). */
int sandbox_reap(struct ward_sandbox *sb, int *status, struct rusage *usage);

/* monitor.c */
/* Kills what is left after the main process is reaped; sets all_gone when
 * that is proven (pid namespace, the keeper's word, an empty cgroup). */
void sandbox_end_all(struct ward_sandbox *sb);
/* The start event is built (the plan as JSON, the policy's digest) while
 * the child sets up, off the start-up's critical path, and sent once the
 * program has exec'd: prepare, then emit. */
void monitor_prepare_start(struct ward_sandbox *sb, char *const argv[]);
void monitor_emit_start(struct ward_sandbox *sb);

/* spawn.c: starts the sandbox PLAN describes (plan_build's, not refused),
 * whose policy is planned for this host already. Takes PLAN over, run or
 * not (it is freed with the sandbox, or on failure). The public entry points
 * that take a policy are in run/run_api.c. */
int sandbox_spawn(struct plan *plan, char *const argv[], const struct ward_spawn_config *config,
		  ward_sandbox **out, ward_error *err);
/* Copies the caller's config, whatever version of the struct it was built
 * against; checks its descriptors. */
int sandbox_config_copy(const struct ward_spawn_config *in, struct ward_spawn_config *out,
			ward_error *err);

#endif
