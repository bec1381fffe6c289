/* seccomp.c — compiles ward's seccomp filter with libseccomp in the parent;
 * the child only installs the finished BPF program. Default allow; the
 * listed syscalls fail with EPERM (logged instead in audit mode), foreign
 * ABIs (i386 int 0x80, x32) kill the process. Never fails open: a rule that
 * cannot be added fails the whole filter. Why each group is denied:
 *   ptrace, process_vm_*       read and write other processes' memory
 *   bpf, perf_event_open       kernel attack surface, tracing of others
 *   *_module, kexec_*          replacing or extending the kernel
 *   mount family, pivot_root   reshaping the filesystem Landlock reasons about
 *                              (open_tree_attr by number: libseccomp 2.5 lacks it)
 *   swapon/off, reboot, acct, quotactl, syslog, iopl, ioperm,
 *   lookup_dcookie             host administration, never a sandbox's job
 *   unshare, setns, clone(NEW*) new namespaces (user ns: kernel attack surface)
 *   clone(CLONE_UNTRACED)      a child hidden from the supervisor's tracer
 *   clone3 → ENOSYS            its flags live in memory seccomp cannot read;
 *                              glibc then falls back to clone, which is checked
 *   io_uring_*                 performs syscalls seccomp never sees
 *   userfaultfd                stalls the kernel at will, a race-exploit aid
 *   keyctl, add_key, request_key  keyrings are not namespaced
 *   personality (not 0 or query)  ASLR off, READ_IMPLIES_EXEC
 *   open_by_handle_at          opens files by handle, past path-based rules
 *   ioctl TIOCSTI, TIOCLINUX   typing into the terminal outside the sandbox
 *   ioctl TIOCSETD             a line discipline outlives the sandbox on the
 *                              caller's terminal (N_NULL: nothing typed
 *                              reaches the shell after ward exits) and
 *                              autoloads ldisc modules (n_gsm, n_hdlc...)
 *   ioctl TIOCEXCL             the caller's terminal stays exclusive: every
 *                              later open of it (/dev/tty for a password
 *                              prompt) fails with EBUSY
 *   ioctl 0x4bXX, 0x56XX       a Linux console's keyboard mode, display
 *                              mode, keymaps, fonts and VT switching: the
 *                              controlling terminal suffices, and they
 *                              outlive the run
 *   socket AF_PACKET, AF_XDP, raw IP  forging packets, sniffing the host's
 *                              traffic (AF_XDP transmits frames on a device
 *                              queue past every address hook, as AF_PACKET)
 *   memfd_create → ENOSYS      Landlock never checks exec of a memfd
 *   AF_VSOCK, MPTCP, SCTP, ping sockets, MSG_FASTOPEN  when the network is
 *                              restricted: no other layer sees them
 *   setsockopt IP_OPTIONS, IPV6_RTHDR  when the network is restricted: a
 *                              source route (LSRR, an SRv6 header) routes
 *                              the packet to a hop, not the checked address
 *   S_ISUID/S_ISGID modes      a set-id file planted in a write grant works
 *                              outside (seccomp_setid.c); openat2 → ENOSYS
 */
#include "layers/seccomp.h"

#include <errno.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/fsverity.h>
#include <sys/mman.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sched.h>
#include <linux/seccomp.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "layers/seccomp_internal.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

/* Syscalls denied whatever their arguments. */
static const char *const denied_syscalls[] = {
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"bpf",
	"perf_event_open",
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"mount",
	"umount2",
	"pivot_root",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"mount_setattr",
	"swapon",
	"swapoff",
	"reboot",
	"acct",
	"quotactl",
	"quotactl_fd",
	"lookup_dcookie",
	"syslog",
	"iopl",
	"ioperm",
	"unshare",
	"setns",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"userfaultfd",
	"keyctl",
	"add_key",
	"request_key",
	"open_by_handle_at",
};

/* On clone, the low byte of flags is the exit signal, so CLONE_NEWTIME
 * (0x80) cannot be asked for there (only through clone3 and unshare). */
static const uint64_t clone_ns_flags[] = {
	CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID,	CLONE_NEWNET,
};

/* The kernel reads these arguments as 32-bit ints and ignores the upper
 * half of the register; comparing all 64 bits would let ioctl(fd,
 * (1ul << 32) | TIOCSTI) through (flatpak's CVE-2019-10063). */
#define INT_ARG_MASK 0xffffffffULL
/* IPPROTO_MPTCP (Linux 5.6), which older libc headers lack. */
#define WARD_IPPROTO_MPTCP 262
#define WARD_IPPROTO_SMC 256 /* Linux 6.11 */
/* socket()'s type carries SOCK_NONBLOCK | SOCK_CLOEXEC above this. */
#define SOCK_TYPE_MASK 0xfULL

struct filter_actions {
	uint32_t deny;	    /* EPERM, or log in audit mode */
	uint32_t deny_inet; /* EACCES, the errno a network policy denial gives */
};

static int rule_add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned nargs,
		    const struct scmp_arg_cmp *args, ward_error *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return ward_fail(err, -ENOSYS, "seccomp: libseccomp does not know %s", name);
	int r = seccomp_rule_add_array(ctx, action, nr, nargs, args);
	if (r < 0)
		return ward_fail_errno(err, r, "seccomp: cannot add a rule for %s", name);
	return 0;
}

/* Denied syscalls newer than the libseccomp ward is built with knows by
 * name (2.5.4: Linux 6.0), by their x86_64 number (the one ABI the filter
 * lets through; any other kills). */
#if defined(__x86_64__)
static const struct {
	int nr;
	const char *name;
} denied_numbers[] = {
	{467, "open_tree_attr"}, /* Linux 6.15: open_tree with mount attributes */
};
#endif

static int add_denied_syscalls(scmp_filter_ctx ctx, const struct filter_actions *act,
			       ward_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(denied_syscalls); i++) {
		int r = rule_add(ctx, act->deny, denied_syscalls[i], 0, NULL, err);
		if (r < 0)
			return r;
	}
#if defined(__x86_64__)
	for (size_t i = 0; i < ARRAY_SIZE(denied_numbers); i++) {
		int r = seccomp_rule_add_array(ctx, act->deny, denied_numbers[i].nr, 0, NULL);
		if (r < 0)
			return ward_fail_errno(err, r, "seccomp: cannot add a rule for %s",
					       denied_numbers[i].name);
	}
#endif
	return 0;
}

static int add_clone_rules(scmp_filter_ctx ctx, const struct filter_actions *act, ward_error *err)
{
	/* x86_64 clone(flags, stack, parent_tid, child_tid, tls): flags is
	 * arg0 on every architecture ward builds for. */
	for (size_t i = 0; i < ARRAY_SIZE(clone_ns_flags); i++) {
		struct scmp_arg_cmp flag =
			SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns_flags[i], clone_ns_flags[i]);
		int r = rule_add(ctx, act->deny, "clone", 1, &flag, err);
		if (r < 0)
			return r;
	}
	/* CLONE_UNTRACED: a child no ptrace fork event reports, so the
	 * supervisor, which registers every process at its fork to freeze it
	 * while an exec's argv is read, would never see it (a MAP_SHARED
	 * writer of the argv wins the race). Only the kernel's own threads
	 * need it. */
	struct scmp_arg_cmp untraced = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED);
	int r = rule_add(ctx, act->deny, "clone", 1, &untraced, err);
	if (r < 0)
		return r;
	/* ENOSYS even in audit mode: it denies nothing, glibc retries with
	 * clone, and logging every thread creation would drown the log. */
	return rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err);
}

/* Allows personality(0) (PER_LINUX) and personality(0xffffffff) (the
 * query); denies every other value. libseccomp takes one comparison per
 * argument and rule, so "neither 0 nor ~0" is spelled as a union: any
 * 32-bit value other than those two has, cyclically, a set bit followed by
 * a clear bit, and one masked rule per bit position catches it. */
static int add_personality_rules(scmp_filter_ctx ctx, const struct filter_actions *act,
				 ward_error *err)
{
	struct scmp_arg_cmp high = SCMP_A0(SCMP_CMP_GT, INT_ARG_MASK);
	int r = rule_add(ctx, act->deny, "personality", 1, &high, err);
	if (r < 0)
		return r;
	for (unsigned bit = 0; bit < 32; bit++) {
		uint64_t set = 1ULL << bit, clear = 1ULL << ((bit + 1) % 32);
		struct scmp_arg_cmp edge =
			SCMP_A0(SCMP_CMP_MASKED_EQ, ~INT_ARG_MASK | set | clear, set);
		r = rule_add(ctx, act->deny, "personality", 1, &edge, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_ioctl_rules(scmp_filter_ctx ctx, const struct filter_actions *act, ward_error *err)
{
	static const unsigned long requests[] = {TIOCSTI, TIOCLINUX, TIOCSETD, TIOCEXCL};

	for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
		struct scmp_arg_cmp request =
			SCMP_A1(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, requests[i]);
		int r = rule_add(ctx, act->deny, "ioctl", 1, &request, err);
		if (r < 0)
			return r;
	}
	/* The console's own ioctls, 'K' (KDSKBMODE, KDSETMODE, keymaps,
	 * fonts) and 'V' (VT_ACTIVATE, VT_SETMODE...): on a Linux console
	 * they need only that it be the caller's controlling terminal, which
	 * the sandbox shares, and their effect outlives the run (K_OFF leaves
	 * the keyboard dead). They carry no size or direction bits, so
	 * V4L2's 'V' ioctls (VIDIOC_*) do not match. */
	static const unsigned long console_types[] = {0x4b00, 0x5600};
	for (size_t i = 0; i < ARRAY_SIZE(console_types); i++) {
		struct scmp_arg_cmp request =
			SCMP_A1(SCMP_CMP_MASKED_EQ, INT_ARG_MASK & ~0xffULL, console_types[i]);
		int r = rule_add(ctx, act->deny, "ioctl", 1, &request, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_socket_type_rule(scmp_filter_ctx ctx, uint32_t action, int family, int type,
				ward_error *err)
{
	struct scmp_arg_cmp args[] = {
		SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)family),
		SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, (uint64_t)type),
	};
	return rule_add(ctx, action, "socket", ARRAY_SIZE(args), args, err);
}

/* libseccomp refuses a rule that overlaps another of a different action
 * (EEXIST), so the rules for one family are kept disjoint: either the whole
 * family, or one rule per socket type. */
static int add_socket_rules(scmp_filter_ctx ctx, const struct plan *plan,
			    const struct filter_actions *act, ward_error *err)
{
	static const int inet_families[] = {AF_INET, AF_INET6};

	static const int frame_families[] = {AF_PACKET, AF_XDP};
	int r;
	for (size_t i = 0; i < ARRAY_SIZE(frame_families); i++) {
		struct scmp_arg_cmp fam =
			SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)frame_families[i]);
		if ((r = rule_add(ctx, act->deny, "socket", 1, &fam, err)) < 0)
			return r;
	}

	for (size_t i = 0; i < ARRAY_SIZE(inet_families); i++) {
		int family = inet_families[i];
		if (plan->seccomp_deny_inet) {
			struct scmp_arg_cmp any =
				SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)family);
			r = rule_add(ctx, act->deny_inet, "socket", 1, &any, err);
			if (r < 0)
				return r;
			continue;
		}
		r = add_socket_type_rule(ctx, act->deny, family, SOCK_RAW, err);
		if (r >= 0 && plan->seccomp_deny_inet_dgram)
			r = add_socket_type_rule(ctx, act->deny_inet, family, SOCK_DGRAM, err);
		if (r >= 0 && plan->seccomp_deny_inet_stream)
			r = add_socket_type_rule(ctx, act->deny_inet, family, SOCK_STREAM, err);
		if (r >= 0 && plan->seccomp_deny_mptcp && !plan->seccomp_deny_inet_stream) {
			struct scmp_arg_cmp mptcp[] = {
				SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)family),
				SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, SOCK_STREAM),
				SCMP_A2(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, WARD_IPPROTO_MPTCP),
			};
			r = rule_add(ctx, act->deny_inet, "socket", ARRAY_SIZE(mptcp), mptcp, err);
		}
		/* IPPROTO_SMC (Linux 6.11): an AF_INET stream socket that Landlock's
		 * TCP hooks skip (not IPPROTO_TCP), as MPTCP. */
		if (r >= 0 && plan->seccomp_deny_mptcp && !plan->seccomp_deny_inet_stream) {
			struct scmp_arg_cmp smc[] = {
				SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)family),
				SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, SOCK_STREAM),
				SCMP_A2(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, WARD_IPPROTO_SMC),
			};
			r = rule_add(ctx, act->deny_inet, "socket", ARRAY_SIZE(smc), smc, err);
		}
		if (r < 0)
			return r;
	}
	/* TCP Fast Open connects from sendto/sendmsg, where Landlock's connect
	 * hook never looks. The flags: sendto's fourth argument, sendmsg's
	 * third, sendmmsg's fourth. */
	if (plan->seccomp_deny_tfo && !plan->seccomp_deny_inet) {
		struct scmp_arg_cmp a3 = SCMP_A3(SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN);
		struct scmp_arg_cmp a2 = SCMP_A2(SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN);
		r = rule_add(ctx, act->deny_inet, "sendto", 1, &a3, err);
		if (r >= 0)
			r = rule_add(ctx, act->deny_inet, "sendmsg", 1, &a2, err);
		if (r >= 0)
			r = rule_add(ctx, act->deny_inet, "sendmmsg", 1, &a3, err);
	}
	return r < 0 ? r : 0;
}

static int add_socket_proto_rule(scmp_filter_ctx ctx, uint32_t action, int family, int type,
				 int protocol, ward_error *err)
{
	struct scmp_arg_cmp args[] = {
		SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)family),
		SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, (uint64_t)type),
		SCMP_A2(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)protocol),
	};
	return rule_add(ctx, action, "socket", ARRAY_SIZE(args), args, err);
}

/* Sockets no address or port layer sees (plan_net_unseen): AF_VSOCK, SCTP
 * and ICMP ping sockets (MPTCP and TCP Fast Open: add_socket_rules). Each
 * rule is added only where no broader rule already covers the same type. */
static int add_unseen_socket_rules(scmp_filter_ctx ctx, const struct plan *plan,
				   const struct filter_actions *act, ward_error *err)
{
	static const struct {
		int family, icmp;
	} inet[] = {{AF_INET, IPPROTO_ICMP}, {AF_INET6, IPPROTO_ICMPV6}};
	int r = 0;
	/* Families whose traffic leaves through kernel sockets (SMC's TCP
	 * clcsock, RxRPC's UDP endpoint, TIPC and RDS bearers): kernel_connect
	 * and kernel_sendmsg call no LSM hook, and the supervisor only acts on
	 * AF_INET/AF_INET6. Refused with AF_VSOCK whether or not this kernel
	 * has them (a distribution kernel autoloads their modules). */
	static const int unseen_families[] = {AF_VSOCK, AF_SMC, AF_RXRPC, AF_TIPC, AF_RDS};
	for (size_t i = 0; r >= 0 && plan->seccomp_deny_vsock && i < ARRAY_SIZE(unseen_families);
	     i++) {
		struct scmp_arg_cmp fam =
			SCMP_A0(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)unseen_families[i]);
		r = rule_add(ctx, act->deny_inet, "socket", 1, &fam, err);
	}
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(inet) && !plan->seccomp_deny_inet; i++) {
		int family = inet[i].family;
		bool stream = !plan->seccomp_deny_inet_stream,
		     dgram = !plan->seccomp_deny_inet_dgram;
		if (r >= 0 && plan->seccomp_deny_sctp && stream)
			r = add_socket_proto_rule(ctx, act->deny_inet, family, SOCK_STREAM,
						  IPPROTO_SCTP, err);
		if (r >= 0 && plan->seccomp_deny_sctp)
			r = add_socket_type_rule(ctx, act->deny_inet, family, SOCK_SEQPACKET, err);
		if (r >= 0 && plan->seccomp_deny_ping && dgram)
			r = add_socket_proto_rule(ctx, act->deny_inet, family, SOCK_DGRAM,
						  inet[i].icmp, err);
	}
	return r < 0 ? r : 0;
}

/* Source routing: IPv4 LSRR/SSRR options (root only: the kernel wants
 * CAP_NET_RAW) and IPv6 routing headers (an SRv6 header needs no
 * privilege) send each packet to the route's first hop, while connect,
 * sendto and every hook on them checked the final address. setsockopt's
 * level is its second argument, the option its third. A cmsg carrying
 * IP_RETOPTS (CAP_NET_RAW) is out of seccomp's sight: dropping that
 * capability is what closes it for root. */
static int add_srcroute_rules(scmp_filter_ctx ctx, const struct plan *plan,
			      const struct filter_actions *act, ward_error *err)
{
	static const struct {
		int level, name;
	} opts[] = {{IPPROTO_IP, IP_OPTIONS},
		    {IPPROTO_IPV6, IPV6_RTHDR},
		    {IPPROTO_IPV6, 24 /* IPV6_2292RTHDR */}};
	if (!plan->seccomp_deny_srcroute || plan->seccomp_deny_inet)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		struct scmp_arg_cmp args[] = {
			SCMP_A1(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)opts[i].level),
			SCMP_A2(SCMP_CMP_MASKED_EQ, INT_ARG_MASK, (uint64_t)opts[i].name),
		};
		int r = rule_add(ctx, act->deny_inet, "setsockopt", ARRAY_SIZE(args), args, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* libseccomp 2.5 can only export to an fd: go through a memfd. */
static int export_program(scmp_filter_ctx ctx, struct seccomp_program *out, ward_error *err)
{
	_cleanup_close_ int fd = memfd_create("ward-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return ward_fail_errno(err, -errno, "seccomp: memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return ward_fail_errno(err, r, "seccomp: cannot export the filter");

	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return ward_fail_errno(err, -errno, "seccomp: lseek");
	size_t count = (size_t)size / sizeof(struct sock_filter);
	if (count == 0 || (size_t)size % sizeof(struct sock_filter) || count > BPF_MAXINSNS)
		return ward_fail(err, -E2BIG, "seccomp: the filter has a bad size (%lld bytes)",
				 (long long)size);

	_cleanup_free_ struct sock_filter *filter = malloc((size_t)size);
	if (!filter)
		return ward_fail(err, -ENOMEM, "seccomp: out of memory");
	ssize_t n = pread(fd, filter, (size_t)size, 0);
	if (n != size)
		return ward_fail(err, n < 0 ? -errno : -EIO,
				 "seccomp: cannot read the filter back");

	out->filter = steal_ptr(filter);
	out->len = (unsigned short)count;
	return 0;
}

/* Under a file write quota every write to a file must go through the calls
 * the accounting programs count (vfs_write, vfs_writev): the others that
 * write file data fail, with the errno that makes programs fall back to
 * write(2) (cp, shutil, libaio users), and a shared file mapping (whose
 * stores reach the file with no call at all) with the errno of a mapping
 * the file's mode refuses. */
static int add_file_write_guard(scmp_filter_ctx ctx, const struct plan *plan, ward_error *err)
{
	uint32_t enosys = plan->seccomp_log_only ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(ENOSYS);
	uint32_t eacces = plan->seccomp_log_only ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EACCES);
	static const char *const uncounted[] = {"sendfile", "splice", "copy_file_range", "io_setup",
						"io_submit"};
	int r = 0;
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(uncounted); i++)
		r = rule_add(ctx, enosys, uncounted[i], 0, NULL, err);
	/* Reflinks and dedupe share another file's data with no write at all;
	 * cp --reflink=auto falls back to copying on EOPNOTSUPP. Enabling
	 * fs-verity makes the kernel write a Merkle tree into the file
	 * (ext4, f2fs, btrfs: pagecache_write, never vfs_write), about 1/128
	 * of its size, however the size came (an uncounted fallocate): red6. */
	uint32_t eopnotsupp = plan->seccomp_log_only ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EOPNOTSUPP);
	static const unsigned long clones[] = {FICLONE, FICLONERANGE, FIDEDUPERANGE,
					       FS_IOC_ENABLE_VERITY};
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(clones); i++) {
		struct scmp_arg_cmp request = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, clones[i]);
		r = rule_add(ctx, eopnotsupp, "ioctl", 1, &request, err);
	}
	/* MAP_SHARED (1) and MAP_SHARED_VALIDATE (3) without MAP_ANONYMOUS. */
	const unsigned long type = 0x0f | MAP_ANONYMOUS;
	for (unsigned long shared = 1; r >= 0 && shared <= 3; shared += 2) {
		struct scmp_arg_cmp file_shared = SCMP_A3(SCMP_CMP_MASKED_EQ, type, shared);
		r = rule_add(ctx, eacces, "mmap", 1, &file_shared, err);
	}
	return r;
}

static void release_ctx(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

int seccomp_prepare(const struct plan *plan, struct seccomp_program *out, ward_error *err)
{
	out->filter = NULL;
	out->len = 0;

	__attribute__((cleanup(release_ctx))) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return ward_fail(err, -ENOMEM, "seccomp: cannot create a filter");

	/* Any syscall not of the native ABI kills the process: a filter
	 * written for x86_64 numbers means nothing for i386 (int 0x80) or x32
	 * numbers. libseccomp 2.5.4 sends x32 (nr >= 0x40000000 under the
	 * x86_64 audit arch) to this action as well; test_seccomp proves it. */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		return ward_fail_errno(err, r, "seccomp: cannot set the bad-arch action");
	/* A binary tree of syscall numbers: default-allow filters otherwise
	 * walk every rule on every syscall. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		return ward_fail_errno(err, r, "seccomp: cannot set the optimizer");

	struct filter_actions act = {
		.deny = plan->seccomp_log_only ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EPERM),
		.deny_inet = plan->seccomp_log_only ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EACCES),
	};
	if ((r = add_denied_syscalls(ctx, &act, err)) < 0 ||
	    (r = add_clone_rules(ctx, &act, err)) < 0 ||
	    (r = add_personality_rules(ctx, &act, err)) < 0 ||
	    (r = add_ioctl_rules(ctx, &act, err)) < 0 ||
	    (r = add_socket_rules(ctx, plan, &act, err)) < 0 ||
	    (r = add_unseen_socket_rules(ctx, plan, &act, err)) < 0 ||
	    (r = add_srcroute_rules(ctx, plan, &act, err)) < 0 ||
	    (r = seccomp_add_setid_rules(ctx, act.deny, err)) < 0 ||
	    (plan->seccomp_proc_guard && (r = seccomp_add_process_rules(ctx, act.deny, err)) < 0))
		return r;
	if (plan->seccomp_deny_memfd &&
	    (r = rule_add(ctx, plan->seccomp_log_only ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(ENOSYS),
			  "memfd_create", 0, NULL, err)) < 0)
		return r;
	if (plan->seccomp_file_write_guard && (r = add_file_write_guard(ctx, plan, err)) < 0)
		return r;

	return export_program(ctx, out, err);
}

int seccomp_enforce(const struct seccomp_program *program)
{
	if (!program->filter || !program->len)
		return -EINVAL;
	struct sock_fprog prog = {
		.len = program->len,
		.filter = program->filter,
	};
	/* No SECCOMP_FILTER_FLAG_TSYNC: the child is single-threaded here. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

void seccomp_program_release(struct seccomp_program *program)
{
	free(program->filter);
	program->filter = NULL;
	program->len = 0;
}
