/* test_seccomp.c — ward's seccomp filter against the real kernel: each test
 * compiles a filter from a hand-built plan, installs it in a forked child,
 * tries one syscall there and checks the errno (or signal) the kernel gave.
 * Where the unfiltered answer is the same for root and nobody, the test
 * also runs the syscall without the filter, so a pass cannot come from the
 * host refusing the call on its own. Passes as root and as nobody.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <linux/fs.h>
#include <linux/fsverity.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/seccomp.h"

/* What run_* return for a child killed by SIG. */
#define KILLED_BY(sig) (1000 + (sig))

static int wait_child(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFSIGNALED(status))
		return KILLED_BY(WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* Runs OP in a child under the filter PLAN compiles; returns the errno OP
 * returned (0: success) or KILLED_BY(signal). */
static int run_filtered(const struct plan *plan, int (*op)(void))
{
	struct seccomp_program program;
	ward_error err = {0};
	int r = seccomp_prepare(plan, &program, &err);
	if (r < 0)
		print_error("seccomp_prepare: %s\n", err.message);
	assert_int_equal(r, 0);
	assert_non_null(program.filter);
	assert_true(program.len > 0);

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(250);
		if (seccomp_enforce(&program) < 0)
			_exit(251);
		_exit(op());
	}
	seccomp_program_release(&program);
	assert_null(program.filter);
	return wait_child(pid);
}

static int run_unfiltered(int (*op)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(op());
	return wait_child(pid);
}

static struct plan default_plan(void)
{
	struct plan plan;
	memset(&plan, 0, sizeof(plan));
	plan.seccomp = true;
	return plan;
}

static int run_default(int (*op)(void))
{
	struct plan plan = default_plan();
	return run_filtered(&plan, op);
}

static int result_of(long r)
{
	return r < 0 ? errno : 0;
}

static int close_result(long fd)
{
	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

/* ---- the operations, each run in a child ---- */

static int op_getpid(void)
{
	return result_of(syscall(SYS_getpid));
}

static int op_ptrace_traceme(void)
{
	return result_of(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

static int op_bpf_prog_load(void)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uintptr_t) "GPL";
	return close_result(syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
}

/* The target does not exist: unfiltered, root and nobody alike get ENOENT. */
static int op_mount_tmpfs(void)
{
	return result_of(mount("ward-test", "/nonexistent/ward-test", "tmpfs", 0, NULL));
}

static int op_unshare_user(void)
{
	return result_of(unshare(CLONE_NEWUSER));
}

static int raw_clone(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	return wait_child((pid_t)pid) == 0 ? 0 : ECHILD;
}

static int op_clone_newns(void)
{
	return raw_clone(CLONE_NEWNS);
}

static int op_clone_newuser(void)
{
	return raw_clone(CLONE_NEWUSER);
}

static int op_clone_plain(void)
{
	return raw_clone(0);
}

static int op_fork(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	return wait_child(pid) == 0 ? 0 : ECHILD;
}

static void *thread_main(void *arg)
{
	return arg;
}

static int op_pthread_create(void)
{
	pthread_t thread;
	int r = pthread_create(&thread, NULL, thread_main, NULL);
	if (r)
		return r;
	return pthread_join(thread, NULL);
}

static int op_clone3(void)
{
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	return wait_child((pid_t)pid) == 0 ? 0 : ECHILD;
}

static int op_io_uring_setup(void)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	return close_result(syscall(SYS_io_uring_setup, 1, &params));
}

static int op_add_key(void)
{
	/* KEY_SPEC_PROCESS_KEYRING (-2): the key dies with the child. */
	return result_of(syscall(SYS_add_key, "user", "ward-test", "x", 1, -2));
}

static int op_perf_event_open(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	return close_result(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
}

static int op_userfaultfd(void)
{
	/* UFFD_USER_MODE_ONLY (1): allowed to nobody by the default sysctl. */
	return close_result(syscall(SYS_userfaultfd, O_CLOEXEC | 1));
}

static int op_raw_socket(void)
{
	return close_result(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
}

/* SOCK_NONBLOCK | SOCK_CLOEXEC ride in the type argument. */
static int op_raw_socket_flags(void)
{
	return close_result(socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP));
}

static int op_raw6_socket(void)
{
	return close_result(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6));
}

static int op_packet_socket(void)
{
	return close_result(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
}

/* The kernel reads the family as an int: bits above 31 are ignored. */
static int op_packet_socket_high_bits(void)
{
	return close_result(
		syscall(SYS_socket, (1UL << 32) | AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
}

static int op_netlink_socket(void)
{
	return close_result(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
}

static int op_tcp_socket(void)
{
	return close_result(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static int op_tcp6_socket(void)
{
	return close_result(socket(AF_INET6, SOCK_STREAM, 0));
}

static int op_udp_socket(void)
{
	return close_result(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
}

static int op_udp6_socket(void)
{
	return close_result(socket(AF_INET6, SOCK_DGRAM, 0));
}

static int op_unix_socket(void)
{
	return close_result(socket(AF_UNIX, SOCK_STREAM, 0));
}

/* TIOCSTI on a pipe: the kernel answers ENOTTY, so EPERM can only come
 * from the filter, which must act before the tty check. */
static int tiocsti_on_pipe(unsigned long request)
{
	int fds[2];
	if (pipe(fds) < 0)
		return errno;
	char byte = 0;
	int err = result_of(syscall(SYS_ioctl, fds[0], request, &byte));
	close(fds[0]);
	close(fds[1]);
	return err;
}

static int op_tiocsti(void)
{
	return tiocsti_on_pipe(TIOCSTI);
}

/* The kernel reads the request as 32 bits: (1 << 32) | TIOCSTI is TIOCSTI. */
static int op_tiocsti_high_bits(void)
{
	return tiocsti_on_pipe((1UL << 32) | TIOCSTI);
}

static int op_tioclinux(void)
{
	return tiocsti_on_pipe(TIOCLINUX);
}

static int op_tiocsetd(void)
{
	return tiocsti_on_pipe(TIOCSETD);
}

static int op_tiocexcl(void)
{
	return tiocsti_on_pipe(TIOCEXCL);
}

/* KDSKBMODE and VT_ACTIVATE: the console's ioctls, whole types. */
static int op_kdskbmode(void)
{
	return tiocsti_on_pipe(0x4b45);
}

static int op_vt_activate(void)
{
	return tiocsti_on_pipe(0x5606);
}

/* VIDIOC_QUERYCAP is type 'V' too, with a size: not a console ioctl. */
static int op_vidioc_querycap(void)
{
	return tiocsti_on_pipe(0x80685600);
}

static int op_personality_bsd(void)
{
	return result_of(syscall(SYS_personality, PER_BSD));
}

static int op_personality_no_aslr(void)
{
	return result_of(syscall(SYS_personality, ADDR_NO_RANDOMIZE));
}

static int op_personality_query_and_linux(void)
{
	long r = syscall(SYS_personality, 0xffffffffUL);
	if (r < 0)
		return errno;
	return result_of(syscall(SYS_personality, PER_LINUX));
}

/* getpid through the x32 ABI: __X32_SYSCALL_BIT | 39. */
static int op_x32_getpid(void)
{
	return result_of(syscall(0x40000000L | 39));
}

/* getpid (20) through the i386 ABI. */
static int op_i386_getpid(void)
{
	long r = 20;
	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	return r < 0 ? (int)-r : 0;
}

/* ---- tests ---- */

static void test_ordinary_syscalls_are_allowed(void **state)
{
	assert_int_equal(run_default(op_getpid), 0);
	assert_int_equal(run_default(op_tcp_socket), 0);
	assert_int_equal(run_default(op_unix_socket), 0);
}

static void test_fork_and_threads_still_work(void **state)
{
	assert_int_equal(run_default(op_fork), 0);
	assert_int_equal(run_default(op_clone_plain), 0);
	/* glibc creates threads with clone3 and falls back to clone on ENOSYS. */
	assert_int_equal(run_default(op_pthread_create), 0);
}

static void test_ptrace_is_eperm(void **state)
{
	assert_int_equal(run_unfiltered(op_ptrace_traceme), 0);
	assert_int_equal(run_default(op_ptrace_traceme), EPERM);
}

static void test_bpf_is_eperm(void **state)
{
	assert_int_equal(run_default(op_bpf_prog_load), EPERM);
}

static void test_mount_is_eperm(void **state)
{
	assert_int_equal(run_unfiltered(op_mount_tmpfs), ENOENT);
	assert_int_equal(run_default(op_mount_tmpfs), EPERM);
}

static void test_unshare_is_eperm(void **state)
{
	assert_int_equal(run_unfiltered(op_unshare_user), 0);
	assert_int_equal(run_default(op_unshare_user), EPERM);
}

static void test_clone_with_namespace_flags_is_eperm(void **state)
{
	assert_int_equal(run_unfiltered(op_clone_newuser), 0);
	assert_int_equal(run_default(op_clone_newuser), EPERM);
	assert_int_equal(run_default(op_clone_newns), EPERM);
}

static void test_clone3_is_enosys(void **state)
{
	assert_int_equal(run_unfiltered(op_clone3), 0);
	assert_int_equal(run_default(op_clone3), ENOSYS);
}

static void test_io_uring_setup_is_eperm(void **state)
{
	assert_int_equal(run_unfiltered(op_io_uring_setup), 0);
	assert_int_equal(run_default(op_io_uring_setup), EPERM);
}

static void test_add_key_is_eperm(void **state)
{
	assert_int_equal(run_unfiltered(op_add_key), 0);
	assert_int_equal(run_default(op_add_key), EPERM);
}

static void test_perf_event_open_is_eperm(void **state)
{
	assert_int_equal(run_unfiltered(op_perf_event_open), 0);
	assert_int_equal(run_default(op_perf_event_open), EPERM);
}

static void test_userfaultfd_is_eperm(void **state)
{
	assert_int_equal(run_unfiltered(op_userfaultfd), 0);
	assert_int_equal(run_default(op_userfaultfd), EPERM);
}

static int op_xdp_socket(void)
{
	return close_result(socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0));
}

static void test_raw_and_packet_sockets_are_eperm(void **state)
{
	assert_int_equal(run_default(op_xdp_socket), EPERM);
	assert_int_equal(run_default(op_raw_socket), EPERM);
	assert_int_equal(run_default(op_raw_socket_flags), EPERM);
	assert_int_equal(run_default(op_raw6_socket), EPERM);
	assert_int_equal(run_default(op_packet_socket), EPERM);
	assert_int_equal(run_default(op_packet_socket_high_bits), EPERM);
}

static void test_netlink_socket_is_allowed(void **state)
{
	assert_int_equal(run_default(op_netlink_socket), 0);
}

static void test_tiocsti_is_eperm_before_the_tty_check(void **state)
{
	assert_int_equal(run_unfiltered(op_tiocsti), ENOTTY);
	assert_int_equal(run_unfiltered(op_tiocsti_high_bits), ENOTTY);
	assert_int_equal(run_default(op_tiocsti), EPERM);
	assert_int_equal(run_default(op_tiocsti_high_bits), EPERM);
	assert_int_equal(run_default(op_tioclinux), EPERM);
	assert_int_equal(run_unfiltered(op_tiocsetd), ENOTTY);
	assert_int_equal(run_default(op_tiocsetd), EPERM);
	assert_int_equal(run_unfiltered(op_tiocexcl), ENOTTY);
	assert_int_equal(run_default(op_tiocexcl), EPERM);
	assert_int_equal(run_unfiltered(op_kdskbmode), ENOTTY);
	assert_int_equal(run_default(op_kdskbmode), EPERM);
	assert_int_equal(run_default(op_vt_activate), EPERM);
	assert_int_equal(run_default(op_vidioc_querycap), ENOTTY);
}

static void test_personality_change_is_eperm_query_allowed(void **state)
{
	assert_int_equal(run_unfiltered(op_personality_bsd), 0);
	assert_int_equal(run_default(op_personality_bsd), EPERM);
	assert_int_equal(run_default(op_personality_no_aslr), EPERM);
	assert_int_equal(run_default(op_personality_query_and_linux), 0);
}

static void test_x32_syscall_is_killed_by_sigsys(void **state)
{
	/* This kernel has no x32 ABI (ENOSYS) or runs getpid (0): either way
	 * only the filter kills. */
	int unfiltered = run_unfiltered(op_x32_getpid);
	assert_true(unfiltered == ENOSYS || unfiltered == 0);
	assert_int_equal(run_default(op_x32_getpid), KILLED_BY(SIGSYS));
}

static void test_i386_int80_is_killed_by_sigsys(void **state)
{
	int unfiltered = run_unfiltered(op_i386_getpid);
	if (unfiltered != 0) {
		print_message("skip: int 0x80 does not work here without a filter (%d): "
			      "no IA32 emulation\n",
			      unfiltered);
		skip();
	}
	assert_int_equal(run_default(op_i386_getpid), KILLED_BY(SIGSYS));
}

static void test_deny_inet_is_eacces_unix_works(void **state)
{
	struct plan plan = default_plan();
	plan.seccomp_deny_inet = true;
	assert_int_equal(run_filtered(&plan, op_tcp_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_tcp6_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_udp_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_raw_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_unix_socket), 0);
	assert_int_equal(run_filtered(&plan, op_netlink_socket), 0);
	assert_int_equal(run_filtered(&plan, op_packet_socket), EPERM);
}

static void test_deny_inet_dgram_is_eacces_tcp_works(void **state)
{
	struct plan plan = default_plan();
	plan.seccomp_deny_inet_dgram = true;
	assert_int_equal(run_filtered(&plan, op_udp_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_udp6_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_tcp_socket), 0);
	assert_int_equal(run_filtered(&plan, op_tcp6_socket), 0);
	assert_int_equal(run_filtered(&plan, op_raw_socket), EPERM);
}

static void test_deny_inet_stream_is_eacces_udp_works(void **state)
{
	struct plan plan = default_plan();
	plan.seccomp_deny_inet_stream = true;
	assert_int_equal(run_filtered(&plan, op_tcp_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_tcp6_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_udp_socket), 0);
	assert_int_equal(run_filtered(&plan, op_raw_socket), EPERM);
}

static int op_mptcp_socket(void)
{
	return close_result(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP));
}

static int op_sctp_seqpacket(void)
{
	return close_result(socket(AF_INET, SOCK_SEQPACKET | SOCK_CLOEXEC, IPPROTO_SCTP));
}

static int op_ping_socket(void)
{
	return close_result(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP));
}

static int op_vsock_socket(void)
{
	return close_result(socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static int op_memfd_create(void)
{
	return close_result((int)syscall(SYS_memfd_create, "t", MFD_CLOEXEC));
}

/* A fast-open send on a UDP socket: the flag alone decides, before any
 * connection exists (the kernel would ignore it on UDP). */
static int op_sendto_fastopen(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(9)};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int r = sendto(s, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&in, sizeof(in)) < 0 ? errno : 0;
	close(s);
	return r;
}

/* A source route (an SRv6 header needs no privilege) sends the packet to
 * its first hop, not the address the rules checked. */
static int op_setsockopt(int family, int level, int name, const void *v, socklen_t len)
{
	int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	int r = setsockopt(s, level, name, v, len) < 0 ? errno : 0;
	close(s);
	return r;
}
static int op_srh(void)
{
	unsigned char srh[8 + 32] = {0, 4, 4, 1, 1};
	srh[8 + 15] = srh[8 + 16 + 15] = 1; /* segments ::1, ::1 */
	return op_setsockopt(AF_INET6, IPPROTO_IPV6, IPV6_RTHDR, srh, sizeof(srh));
}
static int op_ip_options_lsrr(void)
{
	unsigned char lsrr[8] = {0x83, 7, 4, 127, 0, 0, 3, 1};
	return op_setsockopt(AF_INET, IPPROTO_IP, IP_OPTIONS, lsrr, sizeof(lsrr));
}
static int op_ip_tos(void)
{
	int tos = 0x10;
	return op_setsockopt(AF_INET, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
}

static void test_source_routing_is_eacces_when_net_is_restricted(void **state)
{
	struct plan plan = default_plan();
	plan.seccomp_deny_srcroute = true;
	assert_int_equal(run_filtered(&plan, op_srh), EACCES);
	assert_int_equal(run_filtered(&plan, op_ip_options_lsrr), EACCES);
	assert_int_equal(run_filtered(&plan, op_ip_tos), 0);
	/* Control: unfiltered, the kernel takes the SRv6 header from anyone. */
	struct plan open_plan = default_plan();
	assert_int_equal(run_filtered(&open_plan, op_srh), 0);
}

/* Sockets no address or port layer sees are EACCES; their plain TCP/UDP
 * siblings stay usable. A kernel without the protocol says so first, which
 * is the errno the filter would have replaced: both are checked apart. */
static void test_unseen_sockets_are_eacces_when_net_is_restricted(void **state)
{
	struct plan plan = default_plan();
	plan.seccomp_deny_vsock = plan.seccomp_deny_mptcp = plan.seccomp_deny_sctp = true;
	plan.seccomp_deny_ping = plan.seccomp_deny_tfo = plan.seccomp_deny_memfd = true;
	assert_int_equal(run_filtered(&plan, op_mptcp_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_sctp_seqpacket), EACCES);
	assert_int_equal(run_filtered(&plan, op_ping_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_vsock_socket), EACCES);
	assert_int_equal(run_filtered(&plan, op_sendto_fastopen), EACCES);
	assert_int_equal(run_filtered(&plan, op_memfd_create), ENOSYS);
	assert_int_equal(run_filtered(&plan, op_tcp_socket), 0);
	assert_int_equal(run_filtered(&plan, op_udp_socket), 0);
	/* without the flags, the same calls are not the filter's business */
	struct plan open_plan = default_plan();
	assert_int_not_equal(run_filtered(&open_plan, op_sendto_fastopen), EACCES);
	assert_int_equal(run_filtered(&open_plan, op_memfd_create), 0);
}

static void test_log_only_allows_the_call(void **state)
{
	struct plan plan = default_plan();
	plan.seccomp_log_only = true;
	plan.seccomp_deny_inet = true;
	assert_int_equal(run_filtered(&plan, op_add_key), 0);
	assert_int_equal(run_filtered(&plan, op_unshare_user), 0);
	assert_int_equal(run_filtered(&plan, op_clone_newuser), 0);
	assert_int_equal(run_filtered(&plan, op_tiocsti), ENOTTY);
	assert_int_equal(run_filtered(&plan, op_personality_bsd), 0);
	assert_int_equal(run_filtered(&plan, op_tcp_socket), 0);
	/* Not a denial but a compatibility answer: the same in both modes. */
	assert_int_equal(run_filtered(&plan, op_clone3), ENOSYS);
	/* Foreign ABIs are never merely logged. */
	assert_int_equal(run_filtered(&plan, op_x32_getpid), KILLED_BY(SIGSYS));
}

/* ---- the file write guard (a file write quota): uncounted write paths ---- */

static int scratch_file(void)
{
	char path[] = "/tmp/ward-seccomp-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, 4096) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int op_sendfile_file(void)
{
	int in = scratch_file(), out = scratch_file();
	if (in < 0 || out < 0)
		return 240;
	return syscall(SYS_sendfile, out, in, NULL, 16) < 0 ? errno : 0;
}

static int op_copy_file_range(void)
{
	int in = scratch_file(), out = scratch_file();
	if (in < 0 || out < 0)
		return 240;
	return syscall(SYS_copy_file_range, in, NULL, out, NULL, 16, 0) < 0 ? errno : 0;
}

static int op_splice(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 240;
	int out = scratch_file();
	if (out < 0 || write(p[1], "x", 1) != 1)
		return 240;
	return syscall(SYS_splice, p[0], NULL, out, NULL, 1, 0) < 0 ? errno : 0;
}

static int op_io_setup(void)
{
	unsigned long ctx = 0;
	return syscall(SYS_io_setup, 1, &ctx) < 0 ? errno : 0;
}

static int mmap_file(int flags, int prot)
{
	int fd = scratch_file();
	if (fd < 0)
		return 240;
	void *p = mmap(NULL, 4096, prot, flags, fd, 0);
	return p == MAP_FAILED ? errno : 0;
}

static int op_mmap_shared_file(void)
{
	return mmap_file(MAP_SHARED, PROT_READ | PROT_WRITE);
}

static int op_mmap_shared_validate_file_readonly(void)
{
	return mmap_file(MAP_SHARED_VALIDATE, PROT_READ);
}

static int op_mmap_private_file(void)
{
	return mmap_file(MAP_PRIVATE, PROT_READ | PROT_WRITE);
}

static int op_mmap_shared_anonymous(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? errno : 0;
}

static int op_write_file(void)
{
	int fd = scratch_file();
	return fd < 0 ? 240 : write(fd, "x", 1) == 1 ? 0 : errno;
}

/* A bad source fd: the kernel says EBADF, only the filter EOPNOTSUPP. */
static int op_ficlone(void)
{
	int out = scratch_file();
	if (out < 0)
		return 240;
	return ioctl(out, FICLONE, -1) < 0 ? errno : 0;
}

/* On a pipe the kernel says ENOTTY, only the filter EOPNOTSUPP. */
static int op_enable_verity(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 240;
	int r = ioctl(p[0], FS_IOC_ENABLE_VERITY, NULL) < 0 ? errno : 0;
	close(p[0]);
	close(p[1]);
	return r;
}

static void test_file_write_guard_refuses_uncounted_writes(void **state)
{
	struct plan plan = default_plan();
	plan.seccomp_file_write_guard = true;
	assert_int_equal(run_filtered(&plan, op_sendfile_file), ENOSYS);
	assert_int_equal(run_filtered(&plan, op_copy_file_range), ENOSYS);
	assert_int_equal(run_filtered(&plan, op_splice), ENOSYS);
	assert_int_equal(run_filtered(&plan, op_io_setup), ENOSYS);
	assert_int_equal(run_filtered(&plan, op_ficlone), EOPNOTSUPP);
	assert_int_equal(run_filtered(&plan, op_enable_verity), EOPNOTSUPP);
	assert_int_equal(run_filtered(&plan, op_mmap_shared_file), EACCES);
	assert_int_equal(run_filtered(&plan, op_mmap_shared_validate_file_readonly), EACCES);
	/* what the accounting counts, or what writes no file, still works */
	assert_int_equal(run_filtered(&plan, op_write_file), 0);
	assert_int_equal(run_filtered(&plan, op_mmap_private_file), 0);
	assert_int_equal(run_filtered(&plan, op_mmap_shared_anonymous), 0);
	/* control: without the guard the same calls succeed */
	struct plan plain = default_plan();
	assert_int_equal(run_filtered(&plain, op_sendfile_file), 0);
	assert_int_equal(run_filtered(&plain, op_copy_file_range), 0);
	assert_int_equal(run_filtered(&plain, op_mmap_shared_file), 0);
	assert_int_equal(run_filtered(&plain, op_ficlone), EBADF);
	assert_int_equal(run_filtered(&plain, op_enable_verity), ENOTTY);
}

static void test_enforce_without_program_is_einval(void **state)
{
	struct seccomp_program empty = {0};
	assert_int_equal(seccomp_enforce(&empty), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary_syscalls_are_allowed),
		cmocka_unit_test(test_fork_and_threads_still_work),
		cmocka_unit_test(test_ptrace_is_eperm),
		cmocka_unit_test(test_file_write_guard_refuses_uncounted_writes),
		cmocka_unit_test(test_bpf_is_eperm),
		cmocka_unit_test(test_mount_is_eperm),
		cmocka_unit_test(test_unshare_is_eperm),
		cmocka_unit_test(test_clone_with_namespace_flags_is_eperm),
		cmocka_unit_test(test_clone3_is_enosys),
		cmocka_unit_test(test_io_uring_setup_is_eperm),
		cmocka_unit_test(test_add_key_is_eperm),
		cmocka_unit_test(test_perf_event_open_is_eperm),
		cmocka_unit_test(test_userfaultfd_is_eperm),
		cmocka_unit_test(test_raw_and_packet_sockets_are_eperm),
		cmocka_unit_test(test_source_routing_is_eacces_when_net_is_restricted),
		cmocka_unit_test(test_netlink_socket_is_allowed),
		cmocka_unit_test(test_tiocsti_is_eperm_before_the_tty_check),
		cmocka_unit_test(test_personality_change_is_eperm_query_allowed),
		cmocka_unit_test(test_x32_syscall_is_killed_by_sigsys),
		cmocka_unit_test(test_i386_int80_is_killed_by_sigsys),
		cmocka_unit_test(test_deny_inet_is_eacces_unix_works),
		cmocka_unit_test(test_deny_inet_dgram_is_eacces_tcp_works),
		cmocka_unit_test(test_deny_inet_stream_is_eacces_udp_works),
		cmocka_unit_test(test_unseen_sockets_are_eacces_when_net_is_restricted),
		cmocka_unit_test(test_log_only_allows_the_call),
		cmocka_unit_test(test_enforce_without_program_is_einval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
