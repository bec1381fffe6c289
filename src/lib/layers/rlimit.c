/* rlimit.c — per-process resource limits: exactly the limits the plan puts
 * on the rlimit layer (plan->limits), never read from the policy.
 * Computed in the parent; the child applies them with plain syscalls. Never
 * raises a limit: a hard limit already lower than the policy's is kept.
 * With a file write quota, no core dumps (RLIMIT_CORE 0): the kernel writes
 * them past the counted calls.
 */
#include "layers/rlimit.h"

#include <errno.h>
#include <stdint.h>

static void set_add(struct rlimit_set *set, int resource, rlim_t soft, rlim_t hard)
{
	if (set->count >= sizeof(set->items) / sizeof(set->items[0]))
		return;
	set->items[set->count].resource = resource;
	set->items[set->count].limit.rlim_cur = soft;
	set->items[set->count].limit.rlim_max = hard;
	set->count++;
}

static rlim_t clamp_rlim(uint64_t value)
{
	return value >= (uint64_t)RLIM_INFINITY ? RLIM_INFINITY - 1 : (rlim_t)value;
}

void rlimit_prepare(const struct plan *plan, struct rlimit_set *out)
{
	out->count = 0;
	for (int i = 0; i < WARD_LIMIT_COUNT_; i++) {
		const struct plan_limit *limit = &plan->limits[i];
		if (!limit->set || limit->layer != LAYER_RLIMIT)
			continue;
		rlim_t value = clamp_rlim(limit->value);
		switch (i) {
		case WARD_LIMIT_MEMORY:
			set_add(out, RLIMIT_AS, value, value);
			break;
		case WARD_LIMIT_PIDS:
			set_add(out, RLIMIT_NPROC, value, value);
			break;
		case WARD_LIMIT_CPU_TIME:
			/* The soft limit sends SIGXCPU, which a program may
			 * catch; one second later the hard limit's SIGKILL
			 * cannot be. */
			set_add(out, RLIMIT_CPU, value, value + 1);
			break;
		case WARD_LIMIT_NOFILE:
			set_add(out, RLIMIT_NOFILE, value, value);
			break;
		default:
			/* CPU percent and the timeout are not process limits. */
			break;
		}
	}
	/* A core dump is written by the kernel (dump_emit, __kernel_write),
	 * not through vfs_write: the file write quota's fexit programs never
	 * count it, and a program raising its own soft limit could write
	 * its memory to files again and again. Hard limit 0: raising it
	 * needs CAP_SYS_RESOURCE in the host's user namespace. */
	if (plan->seccomp_file_write_guard)
		set_add(out, RLIMIT_CORE, 0, 0);
}

int rlimit_enforce(const struct rlimit_set *set)
{
	for (unsigned i = 0; i < set->count; i++) {
		struct rlimit current, wanted = set->items[i].limit;
		if (getrlimit(set->items[i].resource, &current) < 0)
			return -errno;
		/* Raising a hard limit needs CAP_SYS_RESOURCE, and a lower
		 * one is already stricter than the policy asks. */
		if (wanted.rlim_max > current.rlim_max)
			wanted.rlim_max = current.rlim_max;
		if (wanted.rlim_cur > wanted.rlim_max)
			wanted.rlim_cur = wanted.rlim_max;
		if (setrlimit(set->items[i].resource, &wanted) < 0)
			return -errno;
	}
	return 0;
}
