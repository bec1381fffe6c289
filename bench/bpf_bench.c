/* bpf_bench.c — the cost of ward's cgroup BPF programs on this host:
 * loops of TCP connect+close and of open+close, run in an unmanaged cgroup
 * and in a sandbox cgroup with the programs attached (an allowing rule, so
 * every call is judged and passes), printed as times per call and ratios;
 * plus the time to load the programs and to set up one sandbox.
 * Needs root and a cgroup v2 hierarchy. Usage: bpf_bench [iterations]
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf/bpf_internal.h"
#include "bpf/bpf_layer.h"
#include "plan/plan.h"
#include "policy/policy.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long iterations = 20000;
static uint16_t port;

static void loop_connect(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	for (long i = 0; i < iterations; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (void *)&sa, sizeof(sa)) < 0)
			_exit(1);
		close(fd);
	}
}

static void loop_open(void)
{
	for (long i = 0; i < iterations; i++) {
		int fd = open("/etc/hostname", O_RDONLY);
		if (fd < 0)
			_exit(1);
		close(fd);
	}
}

/* ns per iteration of LOOP in a child moved into cgroup CG */
static double measure(const char *cg, void (*loop)(void))
{
	int pipefd[2];
	if (pipe(pipefd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char procs[300];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		int fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(2);
		close(fd);
		double t0 = now_ns();
		loop();
		double per = (now_ns() - t0) / iterations;
		if (write(pipefd[1], &per, sizeof(per)) != sizeof(per))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	double per = -1;
	if (read(pipefd[0], &per, sizeof(per)) != sizeof(per))
		per = -1;
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return per;
}

/* The accept side, so connects never fill the backlog. */
static void accept_forever(int lfd)
{
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		iterations = atol(argv[1]);
	const char *root = "/sys/fs/cgroup/unified";
	struct statfs fs;
	if (statfs(root, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC)
		root = "/sys/fs/cgroup";
	char sb_path[256], out_path[256];
	snprintf(sb_path, sizeof(sb_path), "%s/ward-bench-sb-%d", root, getpid());
	snprintf(out_path, sizeof(out_path), "%s/ward-bench-out-%d", root, getpid());
	mkdir(sb_path, 0755);
	mkdir(out_path, 0755);
	struct stat st;
	stat(sb_path, &st);
	int sb_fd = open(sb_path, O_RDONLY | O_DIRECTORY);

	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	bind(lfd, (void *)&sa, sizeof(sa));
	listen(lfd, 4096);
	getsockname(lfd, (void *)&sa, &len);
	port = ntohs(sa.sin_port);
	pid_t acceptor = fork();
	if (acceptor == 0)
		accept_forever(lfd);

	char why[512];
	double t0 = now_ns();
	if (!bpf_layer_cgroup_net_usable(why, sizeof(why))) {
		printf("bench: SKIP: cgroup BPF unusable: %s\n", why);
		return 0;
	}
	double load_ms = (now_ns() - t0) / 1e6;

	struct ward_policy policy = {0};
	struct net_rule allow = {.family = AF_INET, .prefix = 8, .addr = {127}, .text = "127/8"};
	VEC_PUSH(&policy.net, allow);
	struct plan plan = {.cgroup_bpf_net = true};
	struct bpf_sandbox *sb = NULL;
	ward_error err = {0};
	t0 = now_ns();
	if (bpf_sandbox_create(&policy, &plan, st.st_ino, sb_fd, NULL, &sb, &err) < 0) {
		printf("bench: sandbox: %s\n", err.message);
		return 1;
	}
	double setup_ms = (now_ns() - t0) / 1e6;

	double c_out = measure(out_path, loop_connect), c_sb = measure(sb_path, loop_connect);
	double o_out = measure(out_path, loop_open), o_sb = measure(sb_path, loop_open);
	printf("load (or reuse) of the cgroup programs: %.2f ms\n", load_ms);
	printf("per-sandbox setup (maps + attach): %.2f ms\n", setup_ms);
	printf("connect+close: unmanaged %.0f ns, sandbox %.0f ns, ratio %.3f\n", c_out, c_sb,
	       c_sb / c_out);
	printf("open+close (no cgroup program on this path): unmanaged %.0f ns, sandbox %.0f ns, "
	       "ratio %.3f\n",
	       o_out, o_sb, o_sb / o_out);

	bpf_sandbox_destroy(sb);
	kill(acceptor, 9);
	waitpid(acceptor, NULL, 0);
	VEC_FREE(&policy.net);
	close(sb_fd);
	rmdir(sb_path);
	rmdir(out_path);
	return 0;
}
