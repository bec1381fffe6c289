/* guest.c — runs inside the QEMU guest (as /init's test program): the load
 * gate (every ward BPF program loads and attaches; one line per program for
 * the host to compare with the baseline) and the behaviour gate (each class
 * denied with the real errno in a sandbox cgroup, the same operation allowed
 * in an unmanaged cgroup, audit mode allows and reports exactly once) and
 * escalation (kill_after: SIGKILL at the Nth denial, from the LSM hook).
 * Prints TAP-like lines on the console; never decides pass/fail totals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/bpf_internal.h"
#include "bpf/bpf_layer.h"
#include "events/events.h"
#include "plan/plan.h"
#include "policy/policy.h"

static int test_no;

static void result(int ok, const char *fmt, const char *name, int got, int want)
{
	(void)fmt;
	if (ok)
		printf("ok %d - %s\n", ++test_no, name);
	else
		printf("not ok %d - %s (got %s, want %s)\n", ++test_no, name, strerror(got),
		       want ? strerror(want) : "success");
	fflush(stdout);
}

/* ---- operations, each run in a child inside a cgroup; 0 or errno ---- */

static int op_read(const void *arg)
{
	int fd = open(arg, O_RDONLY);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int op_write(const void *arg)
{
	int fd = open(arg, O_WRONLY);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int op_opath_reopen(const void *arg)
{
	int pfd = open(arg, O_PATH);
	if (pfd < 0)
		return errno;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int fd = open(proc, O_RDONLY);
	int r = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	close(pfd);
	return r;
}

static int op_openat2(const void *arg)
{
	struct open_how how = {.flags = O_RDONLY};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, arg, &how, sizeof(how));
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* One IORING_OP_OPENAT through raw io_uring_setup/io_uring_enter (no
 * liburing): the open happens in the kernel on the ring's behalf, with no
 * open syscall for a seccomp or ptrace layer to see; the LSM must see it. */
static int op_io_uring_openat(const void *arg)
{
	struct io_uring_params params = {0};
	int ring = (int)syscall(SYS_io_uring_setup, 1, &params);
	if (ring < 0)
		return errno;
	size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(__u32);
	size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
	if (params.features & IORING_FEAT_SINGLE_MMAP)
		sq_size = cq_size = sq_size > cq_size ? sq_size : cq_size;
	char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
			IORING_OFF_SQ_RING);
	char *cq = params.features & IORING_FEAT_SINGLE_MMAP
			   ? sq
			   : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
				  ring, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes =
		mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return errno;

	struct io_uring_sqe *sqe = &sqes[0];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_OPENAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (__u64)(uintptr_t)arg;
	sqe->open_flags = O_RDONLY;
	__u32 *sq_tail = (__u32 *)(sq + params.sq_off.tail);
	__u32 *sq_mask = (__u32 *)(sq + params.sq_off.ring_mask);
	__u32 *sq_array = (__u32 *)(sq + params.sq_off.array);
	__u32 tail = *sq_tail;
	sq_array[tail & *sq_mask] = 0;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return errno;

	__u32 *cq_head = (__u32 *)(cq + params.cq_off.head);
	__u32 *cq_tail = (__u32 *)(cq + params.cq_off.tail);
	__u32 *cq_mask = (__u32 *)(cq + params.cq_off.ring_mask);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + params.cq_off.cqes);
	__u32 head = *cq_head;
	if (head == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE))
		return EIO; /* the request did not complete: a harness bug */
	int res = cqes[head & *cq_mask].res;
	__atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
	if (res >= 0)
		close(res);
	close(ring);
	return res < 0 ? -res : 0;
}

static int op_exec(const void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* busybox runs the applet argv[0] names */
		char *argv[] = {"true", NULL};
		execv(arg, argv);
		_exit(errno);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

struct net_target {
	int family, type;
	uint16_t port;
};

static int op_net(const void *arg)
{
	const struct net_target *t = arg;
	int fd = socket(t->family, t->type, 0);
	if (fd < 0)
		return errno;
	struct sockaddr_storage ss = {0};
	socklen_t len;
	if (t->family == AF_INET) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
		sa->sin_family = AF_INET;
		sa->sin_port = htons(t->port);
		sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sa);
	} else {
		int off = 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(t->port);
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &sa->sin6_addr);
		len = sizeof(*sa);
	}
	int r = t->type == SOCK_DGRAM ? (sendto(fd, "x", 1, 0, (void *)&ss, len) == 1 ? 0 : -1)
				      : connect(fd, (void *)&ss, len);
	int saved = r < 0 ? errno : 0;
	close(fd);
	return saved;
}

/* listen() on a TCP socket never bound: the kernel would pick the port. */
static int op_listen(const void *arg)
{
	(void)arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return errno;
	int r = listen(fd, 1) < 0 ? errno : 0;
	close(fd);
	return r;
}

/* accept() on an inherited listener; "nothing pending" also reached the stack. */
static int op_accept(const void *arg)
{
	int lfd = *(const int *)arg;
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	int fd = accept(lfd, NULL, NULL);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EAGAIN ? 0 : errno;
}

static int op_ptrace(const void *arg)
{
	pid_t target = *(const pid_t *)arg;
	if (ptrace(PTRACE_ATTACH, target, 0, 0) < 0)
		return errno;
	waitpid(target, NULL, __WALL);
	ptrace(PTRACE_DETACH, target, 0, 0);
	return 0;
}

static int op_bpf_load(const void *arg)
{
	(void)arg;
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr = {0};
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* A module image that is not one: the LSM hook runs before parsing, so a
 * sandbox gets EPERM and an unmanaged task the loader's own ENOEXEC. */
static int op_module(const void *arg)
{
	(void)arg;
	static const char junk[64] = "not a module";
	if (syscall(SYS_init_module, junk, sizeof(junk), "") < 0)
		return errno;
	return 0;
}

static int op_mount(const void *arg)
{
	if (mount("none", arg, "tmpfs", 0, NULL) < 0)
		return errno;
	umount(arg);
	return 0;
}

/* ---- cgroups and sandboxes ---- */

static void enter_cgroup(const char *path)
{
	char procs[300];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	int fd = open(procs, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(254);
	close(fd);
}

/* OP in a child in cgroup CG. A program in a ward sandbox always has
 * no_new_privs (child.c sets it before the keeper forks and the program
 * execs); before it only ward's own setup runs there, which may mount
 * (the sandbox's own root). SETUP runs OP as that setup. */
static int run_in_as(const char *cg, int (*op)(const void *), const void *arg, bool setup)
{
	pid_t pid = fork();
	if (pid == 0) {
		enter_cgroup(cg);
		if (!setup && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(253);
		_exit(op(arg));
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static int run_in(const char *cg, int (*op)(const void *), const void *arg)
{
	return run_in_as(cg, op, arg, false);
}

static uint64_t make_cgroup(const char *path, int *fd)
{
	mkdir(path, 0755);
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	*fd = open(path, O_RDONLY | O_DIRECTORY);
	return st.st_ino;
}

struct captured {
	int count;
};

static void count_event(const char *json, void *userdata)
{
	((struct captured *)userdata)->count++;
	printf("# event %s\n", json);
}

static void add_net_rule(struct ward_policy *p, const char *text, bool deny, int family,
			 const char *addr, uint8_t prefix)
{
	struct net_rule r = {.deny = deny, .family = family, .prefix = prefix};
	if (family)
		inet_pton(family, addr, r.addr);
	r.text = strdup(text);
	VEC_PUSH(&p->net, r);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

static int load_gate(void)
{
	struct bpf_prog_state *states = calloc(bpf_progs_count, sizeof(*states));
	ward_error err = {0};
	bpf_progs_load(NULL, states, &err);
	int failed = 0;
	for (size_t i = 0; i < bpf_progs_count; i++) {
		const struct bpf_prog_desc *d = &bpf_progs[i];
		bool ok = states[i].loaded && (!d->lsm || states[i].attached);
		printf("LOAD %s %s\n", d->name, ok ? "ok" : "failed");
		if (ok)
			printf("ok %d - load %s\n", ++test_no, d->name);
		else
			printf("not ok %d - load %s: %s\n", ++test_no, d->name, states[i].why);
		failed += !ok;
	}
	free(states);
	fflush(stdout);
	return failed;
}

/* ---- escalation ---- */

/* In cgroup CG, tries to read PATH up to 5 times, writing one byte to a pipe
 * before each try; returns the tries made and the child's wait status. */
static int denials_until_killed(const char *cg, const char *path, int *status)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		enter_cgroup(cg);
		for (int i = 0; i < 5; i++) {
			if (write(fds[1], "x", 1) != 1)
				_exit(253);
			int fd = open(path, O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		_exit(0);
	}
	close(fds[1]);
	char buf[16];
	int tries = 0;
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		tries += (int)n;
	close(fds[0]);
	waitpid(pid, status, 0);
	return tries;
}

static void check_escalation(struct ward_policy *policy, struct plan *plan, struct event_sink *sink)
{
	int fd = -1;
	uint64_t id = make_cgroup("/sys/fs/cgroup/kill", &fd);
	struct bpf_sandbox *sb = NULL;
	ward_error err = {0};
	policy->kill_after = (struct kill_after){.set = true, .denials = 3, .seconds = 10};
	plan->bpf_escalate = true; /* what the planner sets when it places kill_after */
	plan->bpf_kill_after = policy->kill_after;
	if (bpf_sandbox_create(plan, id, fd, sink, &sb, &err) < 0) {
		printf("not ok %d - escalation sandbox create: %s\n", ++test_no, err.message);
		policy->kill_after = (struct kill_after){0};
		plan->bpf_escalate = false;
		return;
	}
	int status = 0;
	int tries = denials_until_killed("/sys/fs/cgroup/kill", "/data/denied", &status);
	char name[160];
	snprintf(name, sizeof(name),
		 "kill_after 3 in 10 s: SIGKILLed at the 3rd denial (tries %d, status 0x%x)", tries,
		 status);
	result(tries == 3 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, NULL, name, 0, 0);
	bpf_sandbox_destroy(sb);
	policy->kill_after = (struct kill_after){0};
	plan->bpf_escalate = false;
	plan->bpf_kill_after = (struct kill_after){0};

	/* control: the same sandbox without kill_after lets every try fail alone */
	if (bpf_sandbox_create(plan, id, fd, sink, &sb, &err) < 0) {
		printf("not ok %d - escalation control create: %s\n", ++test_no, err.message);
		return;
	}
	tries = denials_until_killed("/sys/fs/cgroup/kill", "/data/denied", &status);
	snprintf(name, sizeof(name),
		 "without kill_after: 5 denials, exit 0 (tries %d, status 0x%x)", tries, status);
	result(tries == 5 && WIFEXITED(status) && WEXITSTATUS(status) == 0, NULL, name, 0, 0);
	bpf_sandbox_destroy(sb);
	close(fd);
}

/* Does this kernel let a cgroup sock_addr program call bpf_send_signal?
 * Asked with a raw 4-instruction program; the answer is printed for the
 * record (escalation stays in the LSM hooks either way). */
static void probe_cgroup_send_signal(void)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = SIGKILL},
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_send_signal},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr = {0};
	attr.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	attr.expected_attach_type = BPF_CGROUP_INET4_CONNECT;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = 4;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	printf("# cgroup/connect4 with bpf_send_signal: %s\n", fd >= 0 ? "loads" : strerror(errno));
	if (fd >= 0)
		close(fd);
}

#define CHECK(name, cg, op, arg, want)                          \
	do {                                                    \
		int got_ = run_in(cg, op, arg);                 \
		result(got_ == (want), NULL, name, got_, want); \
	} while (0)

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (load_gate())
		printf("# load gate failed: behaviour gate runs with what loaded\n");

	/* the world: files, links, a bind mount, listeners */
	mkdir("/data", 0755);
	mkdir("/data/secret", 0755);
	mkdir("/data/mnt", 0755);
	mkdir("/data/mnt2", 0755);
	write_file("/data/secret/file", "secret\n");
	write_file("/data/denied", "denied\n");
	write_file("/data/open", "open\n");
	symlink("/data/denied", "/data/symlink");
	link("/data/denied", "/data/hardlink");
	write_file("/data/renamed-src", "x\n");
	system("cp /bin/busybox /data/nox && chmod 755 /data/nox");
	mount("/data/secret", "/data/mnt", NULL, MS_BIND, NULL);

	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t salen = sizeof(sa);
	bind(lfd, (void *)&sa, sizeof(sa));
	listen(lfd, 64);
	getsockname(lfd, (void *)&sa, &salen);
	uint16_t port = ntohs(sa.sin_port);

	pid_t sleeper = fork();
	if (sleeper == 0) {
		for (;;)
			pause();
	}

	int sb_fd = -1, out_fd = -1, au_fd = -1;
	uint64_t sb_id = make_cgroup("/sys/fs/cgroup/sandbox", &sb_fd);
	make_cgroup("/sys/fs/cgroup/outside", &out_fd);
	uint64_t au_id = make_cgroup("/sys/fs/cgroup/audit", &au_fd);

	struct ward_policy policy = {0};
	add_net_rule(&policy, "*", false, 0, NULL, 0);
	add_net_rule(&policy, "127.0.0.0/8", true, AF_INET, "127.0.0.0", 8);
	struct fs_rule fr = {
		.path = "/data/secret", .access = WARD_FS_READ | WARD_FS_WRITE, .deny = true};
	VEC_PUSH(&policy.fs, fr);
	fr.path = "/data/denied";
	VEC_PUSH(&policy.fs, fr);
	fr.path = "/data/renamed-src";
	VEC_PUSH(&policy.fs, fr);
	struct exec_rule er = {.path = "/data/nox", .deny = true};
	VEC_PUSH(&policy.exec, er);

	struct plan plan = {0};
	plan.bpf_lsm_fs = plan.bpf_lsm_exec = plan.bpf_lsm_net = plan.bpf_lsm_kernel = true;
	/* What the planner places on BPF LSM here: every denial (the layer
	 * writes only the inode rules the plan gives it). */
	for (size_t i = 0; i < policy.fs.len; i++) {
		struct plan_inode_rule ir = {.path = policy.fs.items[i].path,
					     .access = policy.fs.items[i].access,
					     .rule_id = (uint32_t)(policy.net.len + i)};
		VEC_PUSH(&plan.bpf_inode_rules, ir);
	}
	/* ... and every address rule (the BPF layer reads the plan only). */
	for (size_t i = 0; i < policy.net.len; i++) {
		struct plan_net_rule pr = {.rule = policy.net.items[i], .rule_id = (uint32_t)i};
		VEC_PUSH(&plan.bpf_net_rules, pr);
	}
	for (size_t i = 0; i < policy.exec.len; i++) {
		struct plan_inode_rule ir = {.path = policy.exec.items[i].path,
					     .access = WARD_FS_EXEC,
					     .rule_id =
						     (uint32_t)(policy.net.len + policy.fs.len + i),
					     .exec = true};
		VEC_PUSH(&plan.bpf_inode_rules, ir);
	}
	struct captured enforce_events = {0}, audit_events = {0};
	struct event_sink sink = {.fn = count_event, .userdata = &enforce_events};
	struct bpf_sandbox *sb = NULL, *au = NULL;
	ward_error err = {0};
	if (bpf_sandbox_create(&plan, sb_id, sb_fd, &sink, &sb, &err) < 0) {
		printf("not ok %d - sandbox create: %s\n", ++test_no, err.message);
		return 0;
	}
	/* renamed after the rule was set: the inode keeps its rule */
	rename("/data/renamed-src", "/data/renamed-dst");

	const char *S = "/sys/fs/cgroup/sandbox", *O = "/sys/fs/cgroup/outside";
	struct net_target tcp = {AF_INET, SOCK_STREAM, port};
	struct net_target mapped = {AF_INET6, SOCK_STREAM, port};
	struct net_target udp = {AF_INET, SOCK_DGRAM, port};

	CHECK("read of a denied inode is EPERM", S, op_read, "/data/denied", EPERM);
	CHECK("write of a denied inode is EPERM", S, op_write, "/data/denied", EPERM);
	CHECK("read beneath a denied directory is EPERM", S, op_read, "/data/secret/file", EPERM);
	CHECK("read through a symlink is EPERM", S, op_read, "/data/symlink", EPERM);
	CHECK("read through a hardlink is EPERM", S, op_read, "/data/hardlink", EPERM);
	CHECK("read after a rename is EPERM", S, op_read, "/data/renamed-dst", EPERM);
	CHECK("read through a bind mount is EPERM", S, op_read, "/data/mnt/file", EPERM);
	CHECK("O_PATH reopened via /proc/self/fd is EPERM", S, op_opath_reopen, "/data/denied",
	      EPERM);
	CHECK("openat2 is EPERM", S, op_openat2, "/data/denied", EPERM);
	CHECK("io_uring openat is EPERM", S, op_io_uring_openat, "/data/denied", EPERM);
	CHECK("exec of a denied binary is EPERM", S, op_exec, "/data/nox", EPERM);
	CHECK("read of an undenied file succeeds", S, op_read, "/data/open", 0);
	CHECK("TCP connect to a denied CIDR is EPERM", S, op_net, &tcp, EPERM);
	CHECK("connect via ::ffff:127.0.0.1 is EPERM", S, op_net, &mapped, EPERM);
	CHECK("UDP sendto a denied CIDR is EPERM", S, op_net, &udp, EPERM);
	CHECK("listen on an unbound TCP socket is EPERM", S, op_listen, NULL, EPERM);
	CHECK("accept on an inherited listener of an unbound port is EPERM", S, op_accept, &lfd,
	      EPERM);
	CHECK("ptrace attach is EPERM", S, op_ptrace, &sleeper, EPERM);
	CHECK("bpf prog load is EPERM", S, op_bpf_load, NULL, EPERM);
	CHECK("module load is EPERM", S, op_module, NULL, EPERM);
	CHECK("mount is EPERM", S, op_mount, "/data/mnt2", EPERM);
	{
		/* ward's setup in the sandbox's cgroup, before no_new_privs,
		 * builds the sandbox's root: its mounts must pass */
		int got = run_in_as(S, op_mount, "/data/mnt2", true);
		result(got == 0, NULL, "mount before no_new_privs (ward's setup) succeeds", got, 0);
	}

	/* controls: the same outside any sandbox */
	CHECK("control: read succeeds outside", O, op_read, "/data/denied", 0);
	CHECK("control: symlink read succeeds outside", O, op_read, "/data/symlink", 0);
	CHECK("control: O_PATH reopen succeeds outside", O, op_opath_reopen, "/data/denied", 0);
	CHECK("control: io_uring openat succeeds outside", O, op_io_uring_openat, "/data/denied",
	      0);
	CHECK("control: exec succeeds outside", O, op_exec, "/data/nox", 0);
	CHECK("control: TCP connect succeeds outside", O, op_net, &tcp, 0);
	CHECK("control: mapped connect succeeds outside", O, op_net, &mapped, 0);
	CHECK("control: UDP sendto succeeds outside", O, op_net, &udp, 0);
	CHECK("control: listen succeeds outside", O, op_listen, NULL, 0);
	CHECK("control: accept reaches the stack outside", O, op_accept, &lfd, 0);
	CHECK("control: ptrace attach succeeds outside", O, op_ptrace, &sleeper, 0);
	CHECK("control: bpf prog load succeeds outside", O, op_bpf_load, NULL, 0);
	CHECK("control: module load reaches the loader outside", O, op_module, NULL, ENOEXEC);
	CHECK("control: mount succeeds outside", O, op_mount, "/data/mnt2", 0);

	bpf_sandbox_poll_events(sb);
	result(enforce_events.count >= 17, NULL, "enforce mode reported the denials",
	       enforce_events.count, 0);

	/* audit: allowed, one event each (the renamed file's rule by its new name) */
	policy.fs.items[2].path = "/data/renamed-dst";
	plan.bpf_inode_rules.items[2].path = "/data/renamed-dst";
	plan.mode = WARD_MODE_AUDIT;
	sink.userdata = &audit_events;
	if (bpf_sandbox_create(&plan, au_id, au_fd, &sink, &au, &err) < 0) {
		printf("not ok %d - audit sandbox create: %s\n", ++test_no, err.message);
	} else {
		const char *A = "/sys/fs/cgroup/audit";
		struct {
			const char *name;
			int (*op)(const void *);
			const void *arg;
		} audited[] = {
			{"audit: write of a denied inode", op_write, "/data/denied"},
			{"audit: io_uring openat of a denied inode", op_io_uring_openat,
			 "/data/denied"},
			{"audit: exec of a denied binary", op_exec, "/data/nox"},
			{"audit: TCP connect to a denied CIDR", op_net, &tcp},
			{"audit: UDP sendto a denied CIDR", op_net, &udp},
			{"audit: ptrace attach", op_ptrace, &sleeper},
			{"audit: listen on an unbound TCP socket", op_listen, NULL},
			{"audit: mount", op_mount, "/data/mnt2"},
		};
		for (size_t i = 0; i < sizeof(audited) / sizeof(audited[0]); i++) {
			audit_events.count = 0;
			int got = run_in(A, audited[i].op, audited[i].arg);
			bpf_sandbox_poll_events(au);
			char name[160];
			snprintf(name, sizeof(name), "%s succeeds with exactly one event (%d)",
				 audited[i].name, audit_events.count);
			result(got == 0 && audit_events.count == 1, NULL, name, got, 0);
		}
		bpf_sandbox_destroy(au);
	}
	plan.mode = WARD_MODE_ENFORCE;
	check_escalation(&policy, &plan, &sink);
	probe_cgroup_send_signal();
	bpf_sandbox_destroy(sb);
	kill(sleeper, SIGKILL);
	printf("# guest done\n");
	return 0;
}
