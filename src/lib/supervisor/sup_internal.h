/* sup_internal.h — the supervisor's private state, shared by its files:
 * the serving loop, the ptrace freezer, and the exec, network and callback
 * deciders. Everything here runs on the supervisor's own thread (ptrace
 * requires one tracer thread), except the callback worker.
 */
#ifndef WARD_SUP_INTERNAL_H
#define WARD_SUP_INTERNAL_H

#include <linux/seccomp.h>
#include <pthread.h>
#include <stdint.h>

#include "supervisor/supervisor.h"

enum tracee_role {
	TRACEE_FORKWATCH,      /* seized to learn the pid of the child it is creating */
	TRACEE_NEWBORN,	       /* auto-attached at creation, held until registered */
	TRACEE_FROZEN,	       /* a writer held stopped while a decision is made */
	TRACEE_FROZEN_BLOCKED, /* a writer asleep in vfork: held, stops when it wakes */
	TRACEE_CALLER,	       /* the caller whose syscall we wait to see complete */
	TRACEE_DETACH_PENDING, /* not stoppable now (vfork wait); detach at its stop */
};

struct sup_tracee {
	pid_t tid;
	enum tracee_role role;
	bool stopped;
	int pending_signal; /* to re-inject at detach */
	int event;	    /* the last PTRACE_EVENT_* seen while stopped */
};

/* What a callback holds. SUP is NULL once the supervisor stopped (a
 * callback that outlived it); LOCK is held while a ward_sup_* call uses it. */
struct ward_sup_context {
	pthread_mutex_t lock;
	struct supervisor *sup;
	ward_sup_verdict_fn verdict_fn; /* for sup_verdict_adapter */
};

/* The callback worker: the supervisor thread hands it one event at a time and
 * waits at most the timeout for the verdict. Its own allocation, shared by
 * the supervisor and the thread (REFS): a callback stuck in user code keeps
 * it, never the supervisor's stop (sup_stop abandons it, see
 * sup_callback.c). The callback's context lives here for the same reason. */
struct sup_callback_worker {
	pthread_t thread;
	bool started;  /* THREAD runs (set by the supervisor thread only) */
	int refs;      /* the supervisor's, the thread's; under LOCK */
	bool quit;     /* the thread ends at its next look */
	bool stopping; /* the supervisor stops: askers stop waiting (deny) */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const struct ward_sup_event *event; /* set: a request is waiting */
	bool busy;			    /* the callback is running */
	uint64_t seq, done_seq;		    /* request and completion counters */
	struct ward_verdict verdict;
	ward_sup_callback_fn fn; /* copied at start: the policy may go first */
	void *userdata;
	struct ward_sup_context ctx;
};

/* A filesystem denial: an inode identity taken when the rule was added. */
struct sup_inode {
	dev_t dev;
	ino_t ino;
	unsigned access; /* WARD_FS_* denied */
	bool beneath;	 /* a directory: everything beneath it too */
	char *rule;	 /* "fs deny PATH (where)", for events */
};

struct supervisor {
	int listener;
	int epfd;
	int stop_fd; /* eventfd: sup_stop() wakes the loop */
	pthread_t thread;
	bool thread_started;
	pid_t root;
	pid_t keeper; /* the sandbox's keeper when it is traced here (pid ns init): never frozen */
	const struct plan *plan;     /* its sections are the supervisor's only rules */
	const struct sup_policy *sp; /* &plan->sup_rules: argv rules and callback */
	struct event_sink *sink;
	bool exec_rules;  /* argv rules to check */
	bool net_rules;	  /* policy network rules to check */
	bool audit;	  /* audit mode: policy rules allow and report instead */
	bool track_forks; /* fork-class syscalls trapped: register children */
	bool fs_traps;	  /* the open family and path syscalls are trapped */
	int landlock_fd;  /* a dup of the child's Landlock ruleset, or -1 */
	bool learn;	  /* observe and continue only (sup_learn.c) */
	/* learn: the run's private HOME/TMPDIR, whose paths are not reported */
	char *learn_private_tmp;

	VEC(struct sup_tracee) tracees;
	VEC(pid_t) procs;	   /* every process of the sandbox seen so far (tgids) */
	VEC(pid_t) early_newborns; /* released before their parent's fork event */

	pthread_mutex_t rules_lock;	     /* runtime rules, written by the callback */
	VEC(struct sup_inode) denied_inodes; /* the policy's fs denials, then the callback's */
	VEC(struct net_rule) net_runtime;    /* deny rules added at run time */
	/* The address rules placed on it: plan->sup_net_rules, then what
	 * sup_update_net() put instead (a host name re-resolved); texts owned. */
	VEC(struct plan_net_rule) net_placed;

	struct sup_callback_worker *cb; /* started at the first question */
	struct sup_net_pool *net_pool;	/* workers for blocking on-behalf calls */
	struct sup_unix *unix_state;	/* pathname unix socket rules (sup_unix.c), or NULL */
};

/* ---- the placed address rules (sup_net.c) ---- */
void sup_net_placed_free(struct supervisor *sup);

/* ---- answers (sup_loop.c) ---- */
int sup_reply_errno(struct supervisor *sup, uint64_t id, int error);
int sup_reply_value(struct supervisor *sup, uint64_t id, int64_t value);
/* Lets the kernel run the syscall itself. Safe only when the decision read no
 * user memory, or every writer of that memory is frozen (sup_freeze). */
int sup_reply_continue(struct supervisor *sup, uint64_t id);
bool sup_notif_valid(struct supervisor *sup, uint64_t id);
/* A pidfd whose fd table is task TID's, for pidfd_getfd: the thread's own
 * (PIDFD_THREAD, Linux 6.9+), or before that its process's. -1 and errno. */
int sup_task_pidfd(pid_t tid);
void sup_kill_sandbox(struct supervisor *sup, const char *why);
/* The "supervisor" decision event for SYSCALL by PID. */
void sup_emit(struct supervisor *sup, const char *verdict, const char *syscall, pid_t pid,
	      const char *rule, int error, json_object *detail);

/* ---- child memory (sup_mem.c) ---- */
int sup_mem_open(pid_t pid);
int sup_mem_read(int mem_fd, uint64_t addr, void *buf, size_t len);
/* Reads a NUL-terminated string of at most MAX bytes (malloc'd). */
int sup_mem_read_string(int mem_fd, uint64_t addr, size_t max, char **out);
int sup_mem_write(int mem_fd, uint64_t addr, const void *buf, size_t len);
/* One read of TID's memory without opening /proc/TID/mem (process_vm_readv:
 * the same ptrace access check): REMOTE[i] into LOCAL[i] (equal lengths),
 * all or -EFAULT. A snapshot like sup_mem_read; the caller checks the
 * notification is still valid afterwards (the pid was not reused).
 * -ENOSYS/-EPERM/-ESRCH: use sup_mem_open instead. */
struct iovec;
int sup_vm_read(pid_t tid, const struct iovec *local, const struct iovec *remote, size_t n);
/* Numeric fields KEYS[0..N) of /proc/TID/status in one read; VALUES[i] is -1
 * where the field is absent. 0, or a negative errno when TID is gone. */
int sup_proc_status(pid_t tid, const char *const keys[], long values[], size_t n);
pid_t sup_proc_tgid(pid_t tid);
pid_t sup_proc_ppid(pid_t pid);

/* ---- ptrace freezer and fork registration (sup_tracer.c) ---- */
struct sup_frozen {
	VEC(pid_t) tids;
	pid_t caller;
};
/* A fork-class notification: seize the caller for its fork event, answer
 * "continue" (clone arguments are not inspected) and register the child. */
void sup_fork_notified(struct supervisor *sup, const struct seccomp_notif *req);
/* Handles ptrace stops and exits that are waiting; FREEZING keeps newborns. */
void sup_tracer_poll(struct supervisor *sup, bool freezing);
bool sup_tracer_busy(const struct supervisor *sup);
/* On the supervisor thread, first: its short pauses keep their length. */
void sup_tracer_thread_init(void);
/* Stops every thread that can write CALLER's memory or file table. Returns 0,
 * or -errno with WHY filled: then nothing stays frozen. */
int sup_freeze(struct supervisor *sup, pid_t caller, struct sup_frozen *frozen, char *why,
	       size_t why_size);
/* Answers ID with "continue" and waits for CALLER's syscall to complete
 * before releasing the writers: the kernel reads the memory after our answer. */
int sup_continue_frozen(struct supervisor *sup, uint64_t id, struct sup_frozen *frozen);
void sup_release(struct supervisor *sup, struct sup_frozen *frozen);
void sup_tracer_detach_all(struct supervisor *sup);

/* ---- deciders ---- */
void sup_exec_notified(struct supervisor *sup, const struct seccomp_notif *req);
void sup_net_notified(struct supervisor *sup, const struct seccomp_notif *req);
void sup_listen_notified(struct supervisor *sup, const struct seccomp_notif *req);
/* Lets the network workers go; one inside a call finishes it first. */
void sup_net_stop(struct supervisor *sup);

/* ---- pathname unix sockets (sup_unix.c) ---- */
/* Copies the plan's unix roots when plan->sup_unix.trap; 0 or -errno. */
int sup_unix_start(struct supervisor *sup, const struct plan *plan, ward_error *err);
/* Waits for workers still deciding, then frees the rules. */
void sup_unix_stop(struct supervisor *sup);
/* A connect/send on any socket while the unix rule is trapped: answers it
 * and returns true, or returns false for an IP socket the net rules decide. */
bool sup_unix_notified(struct supervisor *sup, const struct seccomp_notif *req);

/* ---- learn mode (sup_learn.c) ---- */
/* Reports what REQ touches as an "observe" event and answers "continue". */
void sup_learn_notified(struct supervisor *sup, const struct seccomp_notif *req);
/* The syscalls the observer traps besides sup_filter.c's fs and exec lists,
 * into NRS (at most MAX); returns how many. */
size_t sup_learn_syscalls(int *nrs, size_t max);

/* ---- filesystem denials (sup_fs_rules.c) ---- */
/* Adds the policy's fs deny rules (at start). */
int sup_fs_rules_load(struct supervisor *sup, const struct plan *plan, ward_error *err);
/* Adds a denial of PATH's inode (followed through symlinks) for ACCESS. */
int sup_fs_deny_add(struct supervisor *sup, const char *path, unsigned access, const char *rule);
/* Whether the open file FD is denied for ACCESS (WARD_FS_*): 0 no, 1 yes
 * (RULE filled), or -errno when its place cannot be established (deny). */
int sup_fs_check_fd(struct supervisor *sup, int fd, unsigned access, char *rule, size_t size);

/* ---- acting as the caller (sup_fs_caller.c) ---- */
/* What makes a task's filesystem access what it is, snapshotted while it is
 * blocked in a trapped syscall (it cannot change its credentials then). */
struct sup_caller {
	pid_t tid, tgid;
	uid_t uid[4]; /* real, effective, saved, fs */
	gid_t gid[4];
	gid_t *groups;
	size_t ngroups;
	uint64_t cap_prm, cap_eff;
	mode_t umask;
	bool foreign_userns; /* in another user namespace: no capabilities at all */
	int root_fd;	     /* its root when not ward's, else -1 */
	int landlock_fd;     /* borrowed from the supervisor, or -1 */
};
int sup_caller_load(pid_t tid, int landlock_fd, struct sup_caller *out);
void sup_caller_free(struct sup_caller *c);
/* Turns the calling (throwaway) thread into CALLER for good. */
int sup_caller_become(const struct sup_caller *c);
/* Runs FN(ARG) on a new thread that became CALLER first; returns FN's
 * result, or the -errno of becoming. */
int sup_as_caller(const struct sup_caller *c, int (*fn)(void *arg), void *arg);

/* ---- filesystem syscalls (sup_fs_open.c, sup_fs_modify.c) ---- */
bool sup_fs_syscall(long nr);
void sup_fs_open_notified(struct supervisor *sup, const struct seccomp_notif *req);
void sup_fs_modify_notified(struct supervisor *sup, const struct seccomp_notif *req);
/* The shared open path: resolves DIRFD/PATH as the caller and checks the
 * result; on success *OUT is an O_PATH fd of the checked inode. Returns 0 or
 * a positive errno for the caller (EACCES: denied, event emitted). */
struct sup_fs_call {
	struct supervisor *sup;
	const struct seccomp_notif *req;
	const char *syscall;
	struct sup_caller caller;
	int dirfd;   /* the caller's directory for relative paths */
	int proc_fd; /* ward's /proc/self/fd, for reopens */
};
int sup_fs_call_init(struct supervisor *sup, const struct seccomp_notif *req, const char *name,
		     int dirfd_arg, struct sup_fs_call *call);
void sup_fs_call_release(struct sup_fs_call *call);
/* The caller's directory DIRFD_ARG (AT_FDCWD: its cwd) as our fd, or -errno. */
int sup_fs_caller_dirfd(const struct sup_fs_call *call, int dirfd_arg);
int sup_fs_lookup(struct sup_fs_call *call, const char *path, uint64_t flags, uint64_t resolve,
		  unsigned access, int *out);
/* Emits a deny event and returns ERROR. */
int sup_fs_denied(struct sup_fs_call *call, const char *path, const char *rule, int error);
/* Installs FD in the caller and answers ID with its number (ADDFD_FLAG_SEND);
 * answers with the error when that fails. */
int sup_fs_inject(int listener, uint64_t id, int fd, bool cloexec);
/* Asks the callback about a file operation; 0 to go ahead or a positive errno. */
int sup_fs_ask_callback(struct sup_fs_call *call, const char *path, uint64_t flags);

/* ---- callback (sup_callback.c) ---- */
bool sup_callback_wants(const struct supervisor *sup, unsigned category);
/* Asks the callback; false when it gave no verdict within the timeout. */
bool sup_callback_ask(struct supervisor *sup, const struct ward_sup_event *event,
		      struct ward_verdict *out);
/* Ends the worker: joined when idle, else left to finish the callback on its
 * own (it then touches nothing of the supervisor). */
void sup_callback_stop(struct supervisor *sup);
/* The worker's state (not its thread) when the policy has a callback, so
 * that sup_callback_abandon() never races its creation. */
int sup_callback_init(struct supervisor *sup);
/* Why sup_callback_ask() had no verdict, for the deny event. */
const char *sup_callback_no_verdict(const struct supervisor *sup);
const char *sup_verdict_name(enum ward_verdict_kind kind);

/* ---- network matching (sup_net_match.c, pure) ---- */
struct sup_sockaddr {
	int family; /* AF_INET (also for v4-mapped v6) or AF_INET6; 0: none */
	uint8_t addr[16];
	uint16_t port;
};
/* Normalizes a sockaddr copy; -EAFNOSUPPORT when not IP. */
int sup_sockaddr_parse(const void *sa, size_t len, struct sup_sockaddr *out);
/* The first rule deciding (ADDR, PROTO), or NULL; deny rules before allow rules. */
const struct net_rule *sup_net_match(const struct net_rule *rules, size_t n,
				     const struct sup_sockaddr *addr, enum net_proto proto,
				     bool deny_only);
/* The same over the rules the plan placed on the supervisor. */
const struct plan_net_rule *sup_net_match_plan(const struct plan_net_rule *rules, size_t n,
					       const struct sup_sockaddr *addr,
					       enum net_proto proto);

#endif
