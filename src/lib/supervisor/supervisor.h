/* supervisor.h — ward's supervisor: run-time decisions on seccomp user
 * notifications (exec argv rules, network rules by address, a policy
 * callback). How the spawn path plugs it in. It never answers "continue" on a
 * decision about user memory that the kernel would read again, and it never
 * fails open: a timeout, an unknown syscall or a dead supervisor all deny.
 */
#ifndef WARD_SUPERVISOR_H
#define WARD_SUPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "events/events.h"
#include "layers/seccomp.h"
#include "plan/plan.h"
#include "policy/sup_rules.h"

/* Which classes are implemented and tested: the planner assigns rules to the
 * supervisor only when true. Never claims a class that is not TOCTOU-safe. */
enum sup_capability {
	SUP_CAP_EXEC_PATH, /* false: a path decided by string races the filesystem */
	SUP_CAP_EXEC_ARGV,
	SUP_CAP_FS_DENY,
	SUP_CAP_NET_CONNECT,
	SUP_CAP_NET_SENDTO,
	SUP_CAP_CALLBACK,
};
bool sup_can(enum sup_capability cap);

/* The supervisor reads the plan only: plan->sup_* flags, sup_fs_rules,
 * sup_net_rules and sup_rules (the argv rules and callback placed on it),
 * never the policy, so it traps exactly what --explain gives it. */

/* Whether this plan needs a supervisor at all (plan->sup_* set, argv rules
 * or a callback placed on it). When false there is no filter, no thread, no
 * cost. */
bool sup_needed(const struct plan *plan);
/* Whether it traps the fork-class syscalls to know every process (the
 * freezer needs them): not when listen() is its only trap. */
bool sup_tracks_forks(const struct plan *plan);
/* Whether it traps the filesystem: fs denials inside grants
 * (plan->sup_fs_deny) or a placed callback asking for WARD_SUP_FILE. */
bool sup_wants_fs(const struct plan *plan);

/* Parent, before clone: compiles the USER_NOTIF filter for exactly the
 * syscalls needed. Release with seccomp_program_release(). */
int sup_prepare(const struct plan *plan, struct seccomp_program *out, ward_error *err);

/* Child, async-signal-safe, after PR_SET_NO_NEW_PRIVS and before ward's main
 * filter: installs PROG with SECCOMP_FILTER_FLAG_NEW_LISTENER and hands the
 * listener to the parent over SOCK_FD (one end of a socketpair), then closes
 * both. The handover uses write/read, not sendmsg, because sendmsg may itself
 * be trapped by PROG: the child writes the listener's fd number, the parent
 * takes the fd with pidfd_getfd() and acknowledges. Returns 0 or -errno. */
int sup_child_install(const struct seccomp_program *prog, int sock_fd);

struct supervisor;

/* Parent, after clone: takes the listener from CHILD through SOCK_FD (which
 * it does not close), then serves notifications in its own thread (epoll)
 * and emits events to SINK (SINK and PLAN must outlive the supervisor). That thread
 * ptraces sandbox tasks: wait for CHILD only after its pidfd is readable,
 * and with __WNOTHREAD (docs/supervisor.md, "Integration requirement"). */
int sup_start(const struct plan *plan, int sock_fd, pid_t child, struct event_sink *sink,
	      struct supervisor **out, ward_error *err);
/* sup_start for a child that enforces the Landlock ruleset LANDLOCK_FD (-1:
 * none); the supervisor keeps a dup. Files it opens on the child's behalf
 * are opened under the same rules, so a policy that traps the filesystem
 * (sup_wants_fs) needs this when plan->landlock: sup_start() refuses it. */
int sup_start_landlocked(const struct plan *plan, int landlock_fd, int sock_fd, pid_t child,
			 struct event_sink *sink, struct supervisor **out, ward_error *err);

/* Replaces the address rules the supervisor judges by (it starts with
 * plan->sup_net_rules) with a copy of RULES, atomically for the threads
 * that decide: a host name re-resolved while the sandbox runs. 0 or
 * -ENOMEM (the old rules stay). Any thread. */
int sup_update_net(struct supervisor *sup, const struct plan_net_rule *rules, size_t count);

/* Stops serving that sandbox and frees it; pending notifications are denied
 * (the listener is closed: trapped syscalls then fail with ENOSYS). */
void sup_stop(struct supervisor *sup);

/* The sandbox is being killed: a wait for the callback's verdict ends now
 * (a deny), and so does every later one. Without it a callback stuck in
 * user code would hold the supervisor thread, which must reap the killed
 * tracees before the sandbox can end. Called on the waiting thread. */
void sup_callback_abandon(struct supervisor *sup);

#endif
