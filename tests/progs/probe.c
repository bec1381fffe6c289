/* probe.c — one program, many probes: the integration tests run it inside a
 * sandbox to try one operation and read the kernel's answer.
 *   probe OP [ARGS]  prints one line: OK (exit 0), an errno name such as
 *   EACCES (exit 1), or "ERR usage" (exit 2). A few OPs print data instead.
 * It must never interpret a result: it reports what the kernel said.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <net/ethernet.h>
#include <sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 2

static int report(int err)
{
	if (err == 0) {
		puts("OK");
		return 0;
	}
	const char *name = strerrorname_np(err);
	if (name)
		puts(name);
	else
		printf("E%d\n", err);
	return 1;
}

static int usage(void)
{
	puts("ERR usage");
	return EXIT_USAGE;
}

/* The errno of a -1 result, 0 otherwise. */
static int result_of(long r)
{
	return r < 0 ? errno : 0;
}

static int parse_signal(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);
	if (*text && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (!strncmp(text, "SIG", 3))
		text += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && !strcmp(abbrev, text))
			return sig;
	}
	return -1;
}

/* Runs FN in a forked child: reports how the child ended, so an operation
 * that kills its process (SIGSYS from seccomp) can still be reported. The
 * child exits with the errno FN returns. */
static int in_child(int (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return report(errno);
	if (pid == 0)
		_exit(fn());
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return report(errno);
	if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));
		printf("KILLED:SIG%s\n", abbrev ? abbrev : "?");
		return 1;
	}
	return report(WEXITSTATUS(status));
}

static int op_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return report(errno);
	char byte;
	int err = result_of(read(fd, &byte, 1));
	close(fd);
	return report(err);
}

static int op_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return report(errno);
	int err = result_of(write(fd, "x", 1));
	if (close(fd) < 0 && !err)
		err = errno;
	return report(err);
}

static int op_exec(char **argv)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return report(errno);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return report(errno);
	if (pid == 0) {
		execv(argv[0], argv);
		int err = errno;
		(void)!write(pipefd[1], &err, sizeof(err));
		_exit(127);
	}
	close(pipefd[1]);
	int err = 0;
	ssize_t n = read(pipefd[0], &err, sizeof(err));
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	/* The pipe closes without data when execv succeeded (O_CLOEXEC). */
	return report(n == sizeof(err) ? err : 0);
}

static int parse_address(const char *host, const char *port, struct sockaddr_storage *addr,
			 socklen_t *len)
{
	char *end;
	long p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535)
		return -1;
	memset(addr, 0, sizeof(*addr));
	struct sockaddr_in *in4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int op_connect(const char *host, const char *port, int type)
{
	struct sockaddr_storage addr;
	socklen_t len;
	if (parse_address(host, port, &addr, &len) < 0)
		return usage();
	int fd = socket(addr.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report(errno);
	/* A blackholed address must not hang the test: give up after 3 s. */
	struct timeval timeout = {.tv_sec = 3};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	int err;
	if (type == SOCK_STREAM)
		err = result_of(connect(fd, (struct sockaddr *)&addr, len));
	else
		err = result_of(sendto(fd, "x", 1, 0, (struct sockaddr *)&addr, len));
	close(fd);
	return report(err);
}

/* connect() to the pathname unix socket PATH. */
static int op_unix_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return usage();
	memcpy(addr.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report(errno);
	int err = result_of(connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	close(fd);
	return report(err);
}

/* sendfile() on no descriptor: the kernel answers EBADF, a filter that
 * refuses the call answers first (the file write guard: ENOSYS). */
static int op_sendfile(void)
{
	return report(result_of(syscall(SYS_sendfile, -1, -1, NULL, 1)));
}

static int op_socket(int family, int type, int protocol)
{
	int fd = socket(family, type | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return report(errno);
	close(fd);
	return report(0);
}

/* PTRACE_SEIZE of a child of ours: allowed by the kernel's own rules, so
 * only a sandbox makes it fail, and unlike PTRACE_TRACEME it leaves no
 * tracer waiting on us. */
static int op_ptrace(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return report(errno);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	int err = result_of(ptrace(PTRACE_SEIZE, pid, NULL, NULL));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return report(err);
}

static int op_bpf(void)
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
	long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		return report(errno);
	close((int)fd);
	return report(0);
}

/* Mounts a tmpfs on a fresh directory. When no directory can be made there,
 * the target does not exist: the kernel then answers ENOENT, while a seccomp
 * denial answers EPERM before it looks at the path. */
static int op_mount(void)
{
	char dir[] = "/tmp/ward-probe-mount-XXXXXX";
	const char *target = mkdtemp(dir) ? dir : "/nonexistent/ward-probe-mount";
	int err = result_of(mount("ward-probe", target, "tmpfs", 0, "size=1m"));
	if (!err)
		umount2(target, MNT_DETACH);
	if (target == dir)
		rmdir(dir);
	return report(err);
}

static int op_unshare(int flags)
{
	return report(result_of(unshare(flags)));
}

static int op_clone_newns(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		return report(errno);
	if (pid == 0)
		_exit(0);
	waitpid((pid_t)pid, NULL, 0);
	return report(0);
}

static int op_clone3(void)
{
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	fflush(stdout);
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return report(errno);
	if (pid == 0)
		_exit(0);
	waitpid((pid_t)pid, NULL, 0);
	return report(0);
}

static int op_io_uring(void)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	long fd = syscall(SYS_io_uring_setup, 1, &params);
	if (fd < 0)
		return report(errno);
	close((int)fd);
	return report(0);
}

static int op_userfaultfd(void)
{
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
	/* User-mode-only is what vm.unprivileged_userfaultfd=0 still allows. */
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return report(errno);
	close((int)fd);
	return report(0);
}

static int op_perf(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0)
		return report(errno);
	close((int)fd);
	return report(0);
}

static int op_keyctl(void)
{
	/* KEY_SPEC_PROCESS_KEYRING: the key dies with this process. */
	long key = syscall(SYS_add_key, "user", "ward-probe", "x", 1, -2);
	return report(result_of(key));
}

static int op_tiocsti(void)
{
	int fd = 0;
	if (!isatty(0)) {
		int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (tty >= 0)
			fd = tty;
	}
	/* A NUL byte: if it does get through, it types nothing visible. */
	char nul = 0;
	int err = result_of(ioctl(fd, TIOCSTI, &nul));
	if (fd != 0)
		close(fd);
	return report(err);
}

static int op_personality(void)
{
	int old = personality(0xffffffff);
	int r = personality(PER_BSD);
	int err = r < 0 ? errno : 0;
	if (!err)
		personality((unsigned long)old);
	return report(err);
}

static int x32_getpid(void)
{
	/* __X32_SYSCALL_BIT | x86_64's getpid */
	long r = syscall(0x40000000L | 39);
	return r < 0 ? errno : 0;
}

static int i386_getpid(void)
{
	long r = 20; /* i386 getpid */
	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	return r < 0 ? (int)-r : 0;
}

static int op_fork(long count)
{
	long forked = 0;
	int first_err = 0;
	pid_t *pids = calloc((size_t)count, sizeof(*pids));
	if (!pids)
		return report(ENOMEM);
	fflush(stdout);
	for (long i = 0; i < count; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			if (!first_err)
				first_err = errno;
			continue;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			sleep(60);
			_exit(0);
		}
		pids[forked++] = pid;
	}
	if (first_err)
		printf("FORKED %ld %s\n", forked, strerrorname_np(first_err));
	else
		printf("FORKED %ld\n", forked);
	for (long i = 0; i < forked; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	free(pids);
	return first_err ? 1 : 0;
}

static int op_cat(void)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return report(errno);
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, (size_t)(n - off));
			if (w < 0)
				return errno == EINTR ? 0 : report(errno);
			off += w;
		}
	}
}

static long parse_long(const char *text, long min, long max, int *ok)
{
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	*ok = *text && !*end && !errno && n >= min && n <= max;
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *op = argv[1];
	const char *a1 = argc > 2 ? argv[2] : NULL;
	const char *a2 = argc > 3 ? argv[3] : NULL;
	int ok;

	if (!strcmp(op, "read") && a1)
		return op_read(a1);
	if (!strcmp(op, "write") && a1)
		return op_write(a1);
	if (!strcmp(op, "mkdir") && a1)
		return report(result_of(mkdir(a1, 0755)));
	if (!strcmp(op, "unlink") && a1)
		return report(result_of(unlink(a1)));
	if (!strcmp(op, "exec") && a1)
		return op_exec(argv + 2);
	if (!strcmp(op, "connect") && a2)
		return op_connect(a1, a2, SOCK_STREAM);
	if (!strcmp(op, "udp") && a2)
		return op_connect(a1, a2, SOCK_DGRAM);
	if (!strcmp(op, "unix-connect") && a1)
		return op_unix_connect(a1);
	if (!strcmp(op, "sendfile"))
		return op_sendfile();
	if (!strcmp(op, "tcp-socket"))
		return op_socket(AF_INET, SOCK_STREAM, 0);
	if (!strcmp(op, "udp-socket"))
		return op_socket(AF_INET, SOCK_DGRAM, 0);
	if (!strcmp(op, "raw-socket"))
		return op_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (!strcmp(op, "packet-socket"))
		return op_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (!strcmp(op, "ptrace"))
		return op_ptrace();
	if (!strcmp(op, "bpf"))
		return op_bpf();
	if (!strcmp(op, "mount"))
		return op_mount();
	if (!strcmp(op, "unshare"))
		return op_unshare(CLONE_NEWUSER);
	if (!strcmp(op, "unshare-net"))
		return op_unshare(CLONE_NEWNET);
	if (!strcmp(op, "clone-newns"))
		return op_clone_newns();
	if (!strcmp(op, "clone3"))
		return op_clone3();
	if (!strcmp(op, "io_uring"))
		return op_io_uring();
	if (!strcmp(op, "userfaultfd"))
		return op_userfaultfd();
	if (!strcmp(op, "perf"))
		return op_perf();
	if (!strcmp(op, "keyctl"))
		return op_keyctl();
	if (!strcmp(op, "tiocsti"))
		return op_tiocsti();
	if (!strcmp(op, "personality"))
		return op_personality();
	if (!strcmp(op, "x32"))
		return in_child(x32_getpid);
	if (!strcmp(op, "i386"))
		return in_child(i386_getpid);
	if (!strcmp(op, "kill") && a2) {
		long pid = parse_long(a1, -2147483647L, 2147483647L, &ok);
		int sig = !strcmp(a2, "0") ? 0 : parse_signal(a2);
		if (!ok || sig < 0)
			return usage();
		return report(result_of(kill((pid_t)pid, sig)));
	}
	if (!strcmp(op, "env") && a1) {
		const char *value = getenv(a1);
		puts(value ? value : "UNSET");
		return 0;
	}
	if (!strcmp(op, "sleep") && a1) {
		long seconds = parse_long(a1, 0, 86400, &ok);
		if (!ok)
			return usage();
		sleep((unsigned)seconds);
		return report(0);
	}
	if (!strcmp(op, "cat"))
		return op_cat();
	if (!strcmp(op, "exit") && a1) {
		long code = parse_long(a1, 0, 255, &ok);
		if (!ok)
			return usage();
		return (int)code;
	}
	if (!strcmp(op, "selfsignal") && a1) {
		int sig = parse_signal(a1);
		if (sig < 0)
			return usage();
		fflush(stdout);
		raise(sig);
		return report(0);
	}
	if (!strcmp(op, "pid")) {
		printf("%d\n", (int)getpid());
		return 0;
	}
	if (!strcmp(op, "fork") && a1) {
		long count = parse_long(a1, 1, 100000, &ok);
		if (!ok)
			return usage();
		return op_fork(count);
	}
	return usage();
}
