/* plan_proc.c — the process side of a sandbox: what ends every process of
 * it (the keeper), what keeps it from acting on processes outside (prlimit,
 * setpriority, ioprio, affinity, scheduler... on ward or the host's), and
 * the task limit where there is no cgroup pids controller. Pure, like the
 * rest of the planner; runs after the namespaces are decided.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plan/plan.h"

static int push(struct plan *plan, enum ward_layer layer, enum plan_status status, const char *note,
		const char *rule)
{
	struct plan_entry e = {
		.loc = {.file = "ward"}, .layer = layer, .wanted = layer, .status = status};
	snprintf(e.rule, sizeof(e.rule), "%s", rule);
	snprintf(e.note, sizeof(e.note), "%s", note);
	return VEC_PUSH(&plan->entries, e);
}

/* Nothing outlives the sandbox: which mechanism holds. */
static int plan_keeper(const struct host_features *host, struct plan *plan)
{
	static const char rule[] = "process: nothing outlives the sandbox";
	char note[400];
	if (plan->ns_flags & WARD_NS_PID) {
		plan->keeper = PLAN_KEEPER_PIDNS;
		snprintf(note, sizeof(note),
			 "a keeper is pid 1 of the sandbox's pid namespace: when the program "
			 "ends, at the timeout or when ward dies, the kernel kills every "
			 "process of the namespace%s",
			 plan->cgroup ? "; the cgroup is killed too" : "");
		return push(plan, LAYER_NAMESPACES, PLAN_ENFORCED, note, rule);
	}
	plan->keeper = PLAN_KEEPER_SUBREAPER;
	bool cgroup_kill = plan->cgroup && host->cgroup_v2_usable;
	snprintf(note, sizeof(note),
		 "no pid namespace: a keeper (PR_SET_CHILD_SUBREAPER, outside the program's "
		 "Landlock domain%s) kills every descendant when the program ends, at the "
		 "timeout or when ward dies%s",
		 plan->landlock_scope ? ", which cannot signal it" : "",
		 cgroup_kill ? "; and cgroup.kill ends every task of the cgroup" : "");
	/* Without signal scoping the program could kill the keeper first;
	 * only the cgroup would hold then. */
	if (!plan->landlock_scope && !plan->cgroup) {
		snprintf(note, sizeof(note),
			 "no pid namespace, no cgroup, and Landlock cannot scope signals (ABI < "
			 "6): the program can kill its keeper and leave descendants behind");
		return push(plan, LAYER_NAMESPACES,
			    plan->mode == WARD_MODE_AUDIT ? PLAN_NOT_AUDITED : PLAN_DEGRADED, note,
			    rule);
	}
	return push(plan, cgroup_kill ? LAYER_CGROUP : LAYER_MONITOR, PLAN_ENFORCED, note, rule);
}

static int plan_process_control(struct plan *plan)
{
	static const char rule[] =
		"process: no control of processes outside (prlimit, setpriority, ioprio, "
		"affinity, scheduler, migrate/move_pages, kcmp, pidfd_open)";
	if (plan->ns_flags & WARD_NS_PID)
		return push(plan, LAYER_NAMESPACES, PLAN_ENFORCED,
			    "its own pid namespace: no process outside has a pid inside", rule);
	if (!plan->seccomp)
		return 0; /* the hardening filter's entry already says it is missing */
	plan->seccomp_proc_guard = true;
	return push(plan, LAYER_SECCOMP,
		    plan->mode == WARD_MODE_AUDIT ? PLAN_AUDITED : PLAN_ENFORCED,
		    "no pid namespace: only the caller itself (pid/who 0) may be named; any other "
		    "target fails with EPERM (kcmp and pidfd_open always)",
		    rule);
}

/* RLIMIT_NPROC is counted per user namespace (ucounts, 5.14+): in the
 * sandbox's own user namespace it counts the sandbox's tasks only, not
 * every process of the user. It binds no task of kuid 0, and none with
 * CAP_SYS_RESOURCE/CAP_SYS_ADMIN in the initial namespace. */
static int plan_task_limit(const struct ward_policy *policy, const struct host_features *host,
			   struct plan *plan)
{
	struct plan_limit *pl = &plan->limits[WARD_LIMIT_PIDS];
	if (!policy->limits[WARD_LIMIT_PIDS].set || host->controllers[CG_CTRL_PIDS].usable)
		return 0;
	if (host->root || host->cap_sys_admin || host->cap_sys_resource || !host->userns)
		return 0;
	/* Refused as per-user (not planned then), or planned per user. */
	if (pl->set && pl->layer != LAYER_RLIMIT)
		return 0;
	*pl = (struct plan_limit){
		.set = true, .value = policy->limits[WARD_LIMIT_PIDS].value, .layer = LAYER_RLIMIT};
	plan->ns_flags |= WARD_NS_USER;
	pl->scope = PLAN_SCOPE_SANDBOX;
	bool refused = false;
	VEC_FOREACH(&plan->entries, e)
	{
		if (strncmp(e->rule, "limit pids", 10) == 0) {
			char *weak = strstr(e->rule, " per user, not per sandbox");
			if (weak)
				snprintf(weak, sizeof(e->rule) - (size_t)(weak - e->rule),
					 " per sandbox");
			e->layer = e->wanted = LAYER_RLIMIT;
			snprintf(
				e->note, sizeof(e->note),
				"RLIMIT_NPROC inside the sandbox's own user namespace: counts only "
				"the sandbox's tasks (per sandbox)");
			/* Held per sandbox now: what a per-user scope made
			 * weaker than asked is not. */
			if (e->status == PLAN_UNENFORCEABLE || e->status == PLAN_DEGRADED)
				e->status = PLAN_ENFORCED;
		}
		refused |= e->status == PLAN_UNENFORCEABLE;
	}
	plan->refused = refused;
	return 0;
}

int plan_proc(const struct ward_policy *policy, const struct host_features *host, struct plan *plan)
{
	int r;
	if ((r = plan_task_limit(policy, host, plan)) < 0 || (r = plan_keeper(host, plan)) < 0 ||
	    (r = plan_process_control(plan)) < 0)
		return r;
	return 0;
}
