/* seccomp.h — ward's seccomp filter: the syscalls no sandbox needs
 * (ptrace, bpf, mount family, namespaces, io_uring, keyrings, raw sockets,
 * TIOCSTI...) and foreign syscall ABIs. Compiled with libseccomp in the
 * parent; the child only installs the ready BPF program.
 */
#ifndef WARD_LAYERS_SECCOMP_H
#define WARD_LAYERS_SECCOMP_H

#include <linux/filter.h>

#include "plan/plan.h"

struct seccomp_program {
	struct sock_filter *filter;
	unsigned short len;
};

/* Compiles the filter PLAN asks for. */
int seccomp_prepare(const struct plan *plan, struct seccomp_program *out, ward_error *err);

/* In the child, after PR_SET_NO_NEW_PRIVS, as the last step before exec.
 * Async-signal-safe. Returns 0 or a negative errno. */
int seccomp_enforce(const struct seccomp_program *program);

/* seccomp_proc.c: with no pid namespace, process-control syscalls may only
 * name the caller (0); used by seccomp_prepare when plan->seccomp_proc_guard. */
#include <seccomp.h>
int seccomp_add_process_rules(scmp_filter_ctx ctx, uint32_t deny, ward_error *err);

void seccomp_program_release(struct seccomp_program *program);

#endif
