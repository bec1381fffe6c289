/* supervisor_bench.c — exec and connect rates under the supervisor against
 * the same workload with no supervisor, as ratios. A measurement, not a
 * test: it asserts nothing. Usage: supervisor_bench EXEC_N CONNECT_N
 * (built and run by bench/supervisor.sh). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plan/plan.h"
#include "policy/policy.h"
#include "supervisor/supervisor.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void exec_loop(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", "status", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
}

static void connect_loop(int n)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(9)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			_exit(1);
		close(s);
	}
}

/* Runs WORK(n) in a child, supervised when POLICY is not NULL; seconds. */
static double timed(struct ward_policy *policy, struct plan *plan, void (*work)(int), int n)
{
	struct seccomp_program prog = {0};
	struct supervisor *sup = NULL;
	struct event_sink sink = {0};
	ward_error err = {0};
	int sv[2] = {-1, -1};
	if (policy && sup_prepare(policy, plan, &prog, &err) < 0) {
		fprintf(stderr, "%s\n", err.message);
		exit(1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		exit(1);
	double start = now_s();
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, 9);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (policy && sup_child_install(&prog, sv[1]) < 0)
			_exit(125);
		work(n);
		_exit(0);
	}
	close(sv[1]);
	if (policy && sup_start(policy, plan, sv[0], pid, &sink, &sup, &err) < 0) {
		fprintf(stderr, "%s\n", err.message);
		exit(1);
	}
	int status, pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	poll(&pfd, 1, -1); /* reap only once exited: the tracer shares our group */
	close(pidfd);
	waitpid(pid, &status, __WNOTHREAD);
	double took = now_s() - start;
	sup_stop(sup);
	close(sv[0]);
	seccomp_program_release(&prog);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "workload failed (status %d)\n", status);
		exit(1);
	}
	return took;
}

int main(int argc, char **argv)
{
	int exec_n = argc > 1 ? atoi(argv[1]) : 500;
	int connect_n = argc > 2 ? atoi(argv[2]) : 5000;
	ward_error err = {0};
	struct ward_loc loc = {.file = "bench"};

	struct ward_policy *exec_policy = ward_policy_new();
	policy_add_exec_argv(exec_policy, "git push --force*", true, loc, &err);
	struct plan exec_plan = {0};
	double bare = timed(NULL, NULL, exec_loop, exec_n);
	double sup = timed(exec_policy, &exec_plan, exec_loop, exec_n);
	printf("exec:    %8.0f/s bare, %8.0f/s supervised, ratio %.2f (fork+exec of /bin/true, "
	       "n=%d)\n",
	       exec_n / bare, exec_n / sup, sup / bare, exec_n);

	struct ward_policy *net_policy = ward_policy_new();
	ward_policy_net_deny(net_policy, "udp://10.0.0.0/8", &err);
	struct plan net_plan = {.supervisor = true, .sup_net = true};
	bare = timed(NULL, NULL, connect_loop, connect_n);
	sup = timed(net_policy, &net_plan, connect_loop, connect_n);
	printf("connect: %8.0f/s bare, %8.0f/s supervised, ratio %.2f (UDP socket+connect+close, "
	       "n=%d)\n",
	       connect_n / bare, connect_n / sup, sup / bare, connect_n);
	ward_policy_free(exec_policy);
	ward_policy_free(net_policy);
	return 0;
}
