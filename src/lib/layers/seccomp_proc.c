/* seccomp_proc.c — where the sandbox has no pid namespace of its own, the
 * system calls that act on another process by pid fail with EPERM unless
 * they name the caller itself (0): otherwise the program could lower ward's
 * limits (prlimit: ward then fails), renice or pin ward and the user's other
 * processes. A seccomp filter cannot know the caller's own pid, so only 0
 * passes; glibc's own wrappers (setrlimit, nice, sched_setaffinity(0)...)
 * use 0. kcmp and pidfd_open take no "self" value: always denied.
 * Comparisons are on the whole 64-bit register: a value with upper bits set
 * is denied even where the kernel would read only the low 32 (fails closed).
 */
#include <errno.h>
#include <seccomp.h>
#include <sys/resource.h>

#include "core/error.h"
#include "layers/seccomp.h"

#ifndef IOPRIO_WHO_PROCESS
#define IOPRIO_WHO_PROCESS 1
#endif

struct proc_rule {
	const char *name;
	int arg;       /* the pid/who argument; -1: deny the call whatever it names */
	int which_arg; /* -1, or an argument that must equal WHICH */
	unsigned long long which;
};

static const struct proc_rule rules[] = {
	{"prlimit64", 0, -1, 0},
	{"setpriority", 1, 0, PRIO_PROCESS},
	{"ioprio_set", 1, 0, IOPRIO_WHO_PROCESS},
	{"sched_setaffinity", 0, -1, 0},
	{"sched_setscheduler", 0, -1, 0},
	{"sched_setparam", 0, -1, 0},
	{"sched_setattr", 0, -1, 0},
	{"migrate_pages", 0, -1, 0},
	{"move_pages", 0, -1, 0},
	{"kcmp", -1, -1, 0},
	{"pidfd_open", -1, -1, 0},
};

static int add(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name, unsigned n,
	       const struct scmp_arg_cmp *args, ward_error *err)
{
	int r = seccomp_rule_add_array(ctx, action, nr, n, args);
	if (r < 0)
		return ward_fail_errno(err, r, "seccomp: cannot add a process rule for %s", name);
	return 0;
}

int seccomp_add_process_rules(scmp_filter_ctx ctx, uint32_t deny, ward_error *err)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct proc_rule *p = &rules[i];
		int nr = seccomp_syscall_resolve_name(p->name);
		if (nr == __NR_SCMP_ERROR)
			return ward_fail(err, -ENOSYS, "seccomp: libseccomp does not know %s",
					 p->name);
		int r;
		if (p->arg < 0) {
			r = add(ctx, deny, nr, p->name, 0, NULL, err);
		} else {
			/* Denied when the target is not 0, or (setpriority,
			 * ioprio_set) when it is not a single process: a
			 * process group or a user reaches ward too. */
			struct scmp_arg_cmp who = {(unsigned)p->arg, SCMP_CMP_NE, 0, 0};
			r = add(ctx, deny, nr, p->name, 1, &who, err);
			if (r == 0 && p->which_arg >= 0) {
				struct scmp_arg_cmp which = {(unsigned)p->which_arg, SCMP_CMP_NE,
							     p->which, 0};
				r = add(ctx, deny, nr, p->name, 1, &which, err);
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}
