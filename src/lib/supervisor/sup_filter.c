/* sup_filter.c — the supervisor's seccomp filter: SECCOMP_RET_USER_NOTIF for
 * exactly the syscalls some rule or the callback needs, and the handover of
 * its listener from the child to the parent. The child half is
 * async-signal-safe (no allocation, no stdio); no policy means no filter.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "supervisor/sup_internal.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#if defined(__x86_64__)
#define SUP_AUDIT_ARCH AUDIT_ARCH_X86_64
#define SUP_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define SUP_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define SUP_X32_BIT 0u
#else
#error "the supervisor filter knows x86_64 and aarch64"
#endif

/* The two 32-bit halves of a 64-bit syscall argument in seccomp_data. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the supervisor filter reads arguments as little-endian halves"
#endif
#define SUP_ARG_LO(n) ((unsigned)offsetof(struct seccomp_data, args[n]))
#define SUP_ARG_HI(n) ((unsigned)offsetof(struct seccomp_data, args[n]) + 4u)

bool sup_can(enum sup_capability cap)
{
	switch (cap) {
	case SUP_CAP_EXEC_ARGV:
	case SUP_CAP_NET_CONNECT:
	case SUP_CAP_NET_SENDTO:
	case SUP_CAP_CALLBACK:
	case SUP_CAP_FS_DENY: /* opens made as the caller, checked by inode */
		return true;
	case SUP_CAP_EXEC_PATH: /* a path string races renames: Landlock or BPF LSM instead */
	default:
		return false;
	}
}

/* Only the plan's supervisor section: a rule the plan gave another layer
 * (or could not place) traps nothing here. */
static bool callback_wants(const struct plan *plan, unsigned category)
{
	const struct sup_policy *sp = &plan->sup_rules;
	return sp->callback && (sp->callback_categories & category);
}

static bool wants_exec(const struct plan *plan)
{
	return plan->sup_rules.exec_argv.len || callback_wants(plan, WARD_SUP_PROCESS) ||
	       plan->sup_exec;
}

static bool wants_net(const struct plan *plan)
{
	return callback_wants(plan, WARD_SUP_NETWORK) || plan->sup_net;
}

/* The pathname unix rule traps the same syscalls as the net rules. */
static bool wants_unix(const struct plan *plan)
{
	return plan->sup_unix.trap;
}

static bool wants_listen(const struct plan *plan)
{
	return plan->sup_listen;
}

bool sup_wants_fs(const struct plan *plan)
{
	return callback_wants(plan, WARD_SUP_FILE) || plan->sup_fs_deny;
}

static bool wants_learn(const struct plan *plan)
{
	return plan->sup_rules.learn;
}

bool sup_tracks_forks(const struct plan *plan)
{
	return wants_exec(plan) || wants_net(plan) || sup_wants_fs(plan) ||
	       (wants_unix(plan) && plan->sup_unix.may_freeze);
}

bool sup_needed(const struct plan *plan)
{
	return wants_learn(plan) || sup_tracks_forks(plan) || wants_listen(plan) ||
	       wants_unix(plan);
}

/* Fork-class syscalls are trapped whenever a decision may freeze writers:
 * the freezer must know every process that shares the caller's memory. */
static const int fork_syscalls[] = {
	SYS_clone,
	SYS_clone3,
#ifdef SYS_fork
	SYS_fork,
#endif
#ifdef SYS_vfork
	SYS_vfork,
#endif
};
static const int exec_syscalls[] = {SYS_execve, SYS_execveat};
static const int net_syscalls[] = {SYS_connect, SYS_sendto, SYS_sendmsg, SYS_sendmmsg};
static const int listen_syscalls[] = {SYS_listen};
static const int fs_syscalls[] = {
#ifdef SYS_open
	SYS_open,
#endif
#ifdef SYS_creat
	SYS_creat,
#endif
	SYS_openat,   SYS_openat2,
#ifdef SYS_truncate
	SYS_truncate,
#endif
#ifdef SYS_rename
	SYS_rename,
#endif
	SYS_renameat, SYS_renameat2,
#ifdef SYS_link
	SYS_link,
#endif
	SYS_linkat,
#ifdef SYS_unlink
	SYS_unlink,
#endif
#ifdef SYS_rmdir
	SYS_rmdir,
#endif
	SYS_unlinkat,
};
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif
/* Refused outright (EPERM) while opens are made on the caller's behalf: a
 * Landlock domain the sandbox stacks itself would not be the opener's. */
static const int fs_refused_syscalls[] = {__NR_landlock_restrict_self};

static void push_syscalls(int *nrs, size_t *n, const int *add, size_t count)
{
	for (size_t i = 0; i < count; i++)
		nrs[(*n)++] = add[i];
}

int sup_prepare(const struct plan *plan, struct seccomp_program *out, ward_error *err)
{
	int nrs[48];
	size_t n = 0, m = 0;
	out->filter = NULL;
	out->len = 0;
	if (!sup_needed(plan))
		return ward_fail(err, -EINVAL, "supervisor: this policy needs no supervisor");
	if (wants_learn(plan)) {
		/* One listener per task: the observer answers every trap with
		 * "continue", so a rule given to the supervisor would not hold. */
		if (wants_exec(plan) || wants_net(plan) || sup_wants_fs(plan) ||
		    wants_listen(plan) || wants_unix(plan))
			return ward_fail(err, -EINVAL,
					 "learn: a rule of this policy needs the supervisor (an "
					 "exec argv rule, a network rule by address without "
					 "privilege, an fs denial inside a grant, listen without "
					 "bind, or a callback), which observes in learn mode; drop "
					 "it for the learn run");
		push_syscalls(nrs, &n, fs_syscalls, ARRAY_SIZE(fs_syscalls));
		push_syscalls(nrs, &n, exec_syscalls, ARRAY_SIZE(exec_syscalls));
		n += sup_learn_syscalls(nrs + n, ARRAY_SIZE(nrs) - n);
	} else {
		if (wants_exec(plan))
			push_syscalls(nrs, &n, exec_syscalls, ARRAY_SIZE(exec_syscalls));
		if (wants_net(plan) || wants_unix(plan))
			push_syscalls(nrs, &n, net_syscalls, ARRAY_SIZE(net_syscalls));
		if (sup_wants_fs(plan))
			push_syscalls(nrs, &n, fs_syscalls, ARRAY_SIZE(fs_syscalls));
		if (wants_listen(plan))
			push_syscalls(nrs, &n, listen_syscalls, ARRAY_SIZE(listen_syscalls));
		/* listen() alone decides on a pinned socket and never freezes:
		 * no fork tracing then, the supervisor stays off every fork. */
		if (sup_tracks_forks(plan))
			push_syscalls(nrs, &n, fork_syscalls, ARRAY_SIZE(fork_syscalls));
	}
	/* After the notified ones: NRS[n..n+m) get EPERM. */
	if (!wants_learn(plan) && sup_wants_fs(plan)) {
		size_t total = n;
		push_syscalls(nrs, &total, fs_refused_syscalls, ARRAY_SIZE(fs_refused_syscalls));
		m = total - n;
	}

	/* The unix rule continues a call of a single-threaded caller without
	 * a process list: only threads may share an fd table, so
	 * clone(CLONE_FILES) without CLONE_THREAD fails with EPERM (sup_unix.c
	 * fd_table_private), and clone3, whose flags seccomp cannot read, with
	 * ENOSYS (glibc then uses clone), as ward's own filter does. Not in
	 * audit mode, which refuses nothing. */
	bool refuse_shared_files =
		!wants_learn(plan) && wants_unix(plan) && plan->mode != WARD_MODE_AUDIT;
	const size_t pre = refuse_shared_files ? 8 : 0;
	/* arch check, x32 check, [the clone tests (eight)], one compare per
	 * syscall, allow, notify, refuse, deny, then the sendto test (six).
	 * Indices are absolute; classic BPF jumps forward only, so the clone
	 * and sendto tests carry their own returns. */
	size_t len = 4 + pre + n + m + 4 + 6;
	struct sock_filter *f = calloc(len, sizeof(*f));
	if (!f)
		return ward_fail(err, -ENOMEM, "supervisor: out of memory");
	size_t k = n + m, i = 0;
	const size_t at_allow = 4 + pre + k, at_notify = at_allow + 1, at_refuse = at_allow + 2,
		     at_deny = at_allow + 3, at_sendto = at_allow + 4;
#define JUMP_TO(target, from) ((unsigned)((target) - (from)-1))
	/* A foreign ABI reaches other syscall numbers: deny rather than guess.
	 * ward's main filter kills those anyway; this keeps ours closed alone. */
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SUP_AUDIT_ARCH, 0,
					    JUMP_TO(at_deny, i));
	i++;
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
					    SUP_X32_BIT ? SUP_X32_BIT : 0, JUMP_TO(at_deny, i), 0);
	i++;
	if (refuse_shared_files) {
		/* A holds nr. Not clone, or CLONE_FILES clear, or CLONE_THREAD
		 * set: on to the compares with nr loaded again. */
		f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
		f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
		f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
		f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SUP_ARG_LO(0));
		f[i++] =
			(struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_FILES, 0, 2);
		f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1,
						      0);
		f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
		f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      offsetof(struct seccomp_data, nr));
	}
	for (size_t c = 0; c < k; c++) {
		size_t target = c >= n ? at_refuse : nrs[c] == SYS_sendto ? at_sendto : at_notify;
		f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[c],
						    JUMP_TO(target, i), 0);
		i++;
	}
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	/* sendto with no address (dest_addr, a register, is NULL) goes to the
	 * connected peer, which connect checked: the kernel lets it through.
	 * Any address at all, whatever addrlen says, is decided in user space. */
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SUP_ARG_LO(4));
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3);
	i++;
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SUP_ARG_HI(4));
	f[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
	i++;
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
#undef JUMP_TO
	out->filter = f;
	out->len = (unsigned short)i;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EPIPE;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int sup_child_install(const struct seccomp_program *prog, int sock_fd)
{
	struct sock_fprog fprog = {.len = prog->len, .filter = prog->filter};
	/* WAIT_KILLABLE_RECV: once received, only a fatal signal interrupts the
	 * caller. Then an answer cannot race a restarted syscall, and a pending
	 * ptrace interrupt of the caller stops it only after the syscall. */
	int listener = (int)syscall(
		SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &fprog);
	if (listener < 0) {
		int r = -errno;
		close(sock_fd);
		return r;
	}
	int r = write_all(sock_fd, &listener, sizeof(listener));
	char ack;
	/* Wait until the parent holds its own copy: closing ours first would
	 * leave a filter with no listener (every trapped syscall ENOSYS). */
	if (r == 0) {
		ssize_t got;
		do
			got = read(sock_fd, &ack, 1);
		while (got < 0 && errno == EINTR);
		r = got == 1 && ack == 'y' ? 0 : -EPIPE;
	}
	close(listener);
	close(sock_fd);
	return r;
}
