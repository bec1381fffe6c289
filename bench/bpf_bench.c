/* bpf_bench.c — the cost of ward's BPF programs: loops of TCP
 * connect+close and of open+close, each the best of 5 runs.
 *   bpf_bench [N]      cgroup programs (this host): unmanaged cgroup vs a
 *                      sandbox cgroup with them attached and an allowing rule;
 *   bpf_bench lsm [N]  BPF LSM (the VM harness): no ward program loaded at
 *                      all, vs a task outside any sandbox with every LSM
 *                      program attached, vs a sandbox whose fs and network
 *                      rules are on the LSM (every call judged and allowed).
 * Also the time to load the programs (cold, and reusing the pins) and to
 * set up one sandbox. Prints "BENCH key value" lines too, for scripts.
 * Needs root and a cgroup v2 hierarchy. Measures only: never judges.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
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

/* A loopback connect costs about 50 opens (an accept on the other side,
 * and under TCG about 1 ms): it runs a 20th of the iterations. */
static long connect_iterations(void)
{
	return iterations / 20 > 0 ? iterations / 20 : 1;
}

static void loop_connect(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	for (long i = 0; i < connect_iterations(); i++) {
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
static double measure_once(const char *cg, void (*loop)(void))
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
		double per = (now_ns() - t0) /
			     (loop == loop_connect ? connect_iterations() : iterations);
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

/* The best of 5: the figures are lower bounds, less noisy under TCG. */
static double measure(const char *cg, void (*loop)(void))
{
	double best = -1;
	for (int i = 0; i < 5; i++) {
		double per = measure_once(cg, loop);
		if (per > 0 && (best < 0 || per < best))
			best = per;
	}
	return best;
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

static void print_ratio(const char *what, const char *key, double base, double with)
{
	printf("%s: %.0f ns vs %.0f ns, ratio %.3f\n", what, with, base, with / base);
	printf("BENCH %s_ns %.0f\nBENCH %s_ratio %.3f\n", key, with, key, with / base);
}

static int bench_lsm(const char *sb_path, uint64_t sb_id, const char *out_path)
{
	char why[512];
	ward_error err = {0};
	/* none: no ward program anywhere, the kernel's own cost (refused, and
	 * the figure is then not "none", while a live sandbox uses the pins) */
	if (bpf_unload_pinned(&err) < 0) {
		printf("bench: SKIP: cannot unload ward's programs first: %s\n", err.message);
		return 0;
	}
	double c_none = measure(out_path, loop_connect), o_none = measure(out_path, loop_open);
	printf("none (no ward program loaded): connect+close %.0f ns, open+close %.0f ns\n", c_none,
	       o_none);
	printf("BENCH none_connect_ns %.0f\nBENCH none_open_ns %.0f\n", c_none, o_none);

	double t0 = now_ns();
	if (!bpf_layer_lsm_usable(why, sizeof(why))) {
		printf("bench: SKIP: BPF LSM unusable: %s\n", why);
		return 0;
	}
	double load_ms = (now_ns() - t0) / 1e6;
	struct bpf_prog_state *states = calloc(bpf_progs_count, sizeof(*states));
	t0 = now_ns();
	bpf_progs_load("lsm_file", states, &err);
	bpf_progs_load("lsm_net", states, &err);
	bpf_progs_load("lsm_kernel", states, &err);
	double reuse_ms = (now_ns() - t0) / 1e6;
	free(states);
	printf("load+attach of every LSM program, cold: %.1f ms; reusing the pins: %.2f ms\n",
	       load_ms, reuse_ms);
	printf("BENCH lsm_load_cold_ms %.1f\nBENCH lsm_load_reuse_ms %.2f\n", load_ms, reuse_ms);

	/* outside: LSM attached, the task in no sandbox (one cache lookup) */
	print_ratio("outside any sandbox, connect+close", "outside_connect", c_none,
		    measure(out_path, loop_connect));
	print_ratio("outside any sandbox, open+close", "outside_open", o_none,
		    measure(out_path, loop_open));

	/* sandbox: fs deny elsewhere (so every open walks its parents) and an
	 * allowing network rule (so every connect is looked up and passes) */
	struct ward_policy policy = {0};
	struct net_rule allow = {.family = AF_INET, .prefix = 8, .addr = {127}, .text = "127/8"};
	VEC_PUSH(&policy.net, allow);
	struct fs_rule deny = {
		.path = "/proc/sys", .access = WARD_FS_READ | WARD_FS_WRITE, .deny = true};
	VEC_PUSH(&policy.fs, deny);
	struct plan plan = {.bpf_lsm_net = true, .bpf_lsm_fs = true};
	struct bpf_sandbox *sb = NULL;
	t0 = now_ns();
	if (bpf_sandbox_create(&policy, &plan, sb_id, -1, NULL, &sb, &err) < 0) {
		printf("bench: sandbox: %s\n", err.message);
		return 1;
	}
	double setup_ms = (now_ns() - t0) / 1e6;
	printf("per-sandbox setup (maps, ring buffer): %.2f ms\nBENCH lsm_setup_ms %.2f\n",
	       setup_ms, setup_ms);
	print_ratio("in a sandbox, connect+close", "sandbox_connect", c_none,
		    measure(sb_path, loop_connect));
	print_ratio("in a sandbox, open+close", "sandbox_open", o_none,
		    measure(sb_path, loop_open));
	bpf_sandbox_destroy(sb);
	VEC_FREE(&policy.net);
	VEC_FREE(&policy.fs);

	/* none once more, after unloading: the better of the two is the base */
	if (bpf_unload_pinned(&err) == 0) {
		double c2 = measure(out_path, loop_connect), o2 = measure(out_path, loop_open);
		printf("none again after unloading: connect+close %.0f ns, open+close %.0f ns\n",
		       c2, o2);
		printf("BENCH none2_connect_ns %.0f\nBENCH none2_open_ns %.0f\n", c2, o2);
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool lsm = argc > 1 && strcmp(argv[1], "lsm") == 0;
	if (argc > 1 + lsm)
		iterations = atol(argv[1 + lsm]);
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

	if (lsm) {
		int r = bench_lsm(sb_path, st.st_ino, out_path);
		kill(acceptor, 9);
		waitpid(acceptor, NULL, 0);
		close(sb_fd);
		rmdir(sb_path);
		rmdir(out_path);
		return r;
	}

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
