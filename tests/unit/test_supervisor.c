/* test_supervisor.c — the supervisor against the real kernel: a minimal spawn
 * (fork, no_new_privs, the notify filter, exec a helper from tests/progs),
 * real denials with real errnos, the argv and sockaddr races, fail-closed
 * behaviour. Needs root (ptrace, pidfd_getfd); skips say why.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <linux/filter.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "plan/plan.h"
#include "policy/policy.h"
#include "supervisor/supervisor.h"
#include "supervisor/sup_internal.h"
#include <arpa/inet.h>
#include <netinet/in.h>

static char progs[PATH_MAX / 2];

/* ---- events captured from the sink ---- */
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;
static char events[1 << 16];

static void on_event(const char *json, void *userdata)
{
	(void)userdata;
	pthread_mutex_lock(&events_lock);
	size_t len = strlen(events);
	snprintf(events + len, sizeof(events) - len, "%s\n", json);
	pthread_mutex_unlock(&events_lock);
}

static bool events_contain(const char *needle)
{
	pthread_mutex_lock(&events_lock);
	bool found = strstr(events, needle) != NULL;
	pthread_mutex_unlock(&events_lock);
	return found;
}

static struct event_sink sink = {.fn = on_event, .sandbox_id = "test"};

static void prog_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", progs, name);
}

/* The supervisor reads only the plan: place the policy's argv rules, its
 * callback and (with plan->sup_net) its address rules on it, as the planner
 * does when the supervisor is the layer that holds them. */
static void release_placed(struct plan *plan)
{
	VEC_FREE(&plan->sup_rules.exec_argv);
	VEC_FREE(&plan->sup_net_rules);
}

static void place_on_supervisor(const struct ward_policy *policy, struct plan *plan)
{
	release_placed(plan);
	const struct sup_policy *sp = policy->supervisor;
	if (sp) {
		VEC_FOREACH(&sp->exec_argv, a)
		assert_int_equal(VEC_PUSH(&plan->sup_rules.exec_argv, *a), 0);
		plan->sup_rules.callback = sp->callback;
		plan->sup_rules.verdict_fn = sp->verdict_fn;
		plan->sup_rules.callback_userdata = sp->callback_userdata;
		plan->sup_rules.callback_categories = sp->callback_categories;
		plan->sup_rules.callback_timeout_ms = sp->callback_timeout_ms;
	}
	if (!plan->sup_net)
		return;
	VEC_FOREACH(&policy->net, n)
	{
		struct plan_net_rule pr = {.rule = *n,
					   .rule_id = (uint32_t)(n - policy->net.items)};
		assert_int_equal(VEC_PUSH(&plan->sup_net_rules, pr), 0);
	}
}

/* The spawn path in miniature: what the lead's spawn does around us. */
struct run {
	pid_t pid;
	struct supervisor *sup;
	struct seccomp_program prog;
	struct plan *plan;
};

static int start(struct ward_policy *policy, struct plan *plan, char *const argv[], struct run *run)
{
	ward_error err = {0};
	int sv[2];
	events[0] = '\0';
	place_on_supervisor(policy, plan);
	run->plan = plan;
	assert_int_equal(sup_prepare(plan, &run->prog, &err), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	run->pid = fork();
	assert_true(run->pid >= 0);
	if (run->pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (sup_child_install(&run->prog, sv[1]) < 0)
			_exit(125);
		execv(argv[0], argv);
		_exit(100 + errno);
	}
	close(sv[1]);
	int r = sup_start(plan, sv[0], run->pid, &sink, &run->sup, &err);
	close(sv[0]);
	if (r < 0)
		print_message("sup_start: %s\n", err.message);
	return r;
}

/* As the spawn path must: the supervisor thread is the ptrace tracer and
 * shares our thread group, so a wait while the root lives could take its
 * ptrace stops. Wait for the pidfd first, then reap (__WNOTHREAD). */
static void wait_exited(pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	assert_true(pidfd >= 0);
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	close(pidfd);
}

static int finish(struct run *run)
{
	int status;
	wait_exited(run->pid);
	assert_int_equal(waitpid(run->pid, &status, __WNOTHREAD), run->pid);
	sup_stop(run->sup);
	seccomp_program_release(&run->prog);
	release_placed(run->plan);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_to_end(struct ward_policy *policy, struct plan *plan, char *const argv[])
{
	struct run run = {0};
	assert_int_equal(start(policy, plan, argv, &run), 0);
	return finish(&run);
}

static struct ward_policy *policy_with_force_rule(void)
{
	struct ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	struct ward_loc loc = {.file = "--exec-deny"};
	assert_non_null(policy);
	assert_int_equal(
		policy_add_exec_argv(policy, "sup_argv_report push --force*", true, loc, &err), 0);
	return policy;
}

/* ---- tests ---- */

/* 0.0.0.0, :: and ::ffff:0.0.0.0 reach the local host: matched as loopback. */
static void test_unspecified_destination_is_matched_as_loopback(void **state)
{
	struct sup_sockaddr a;
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(22)};
	assert_int_equal(sup_sockaddr_parse(&in, sizeof(in), &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.addr, ((uint8_t[]){127, 0, 0, 1}), 4);
	assert_int_equal(a.port, 22);

	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	assert_int_equal(sup_sockaddr_parse(&in6, sizeof(in6), &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.addr, &in6addr_loopback, 16);

	assert_int_equal(inet_pton(AF_INET6, "::ffff:0.0.0.0", &in6.sin6_addr), 1);
	assert_int_equal(sup_sockaddr_parse(&in6, sizeof(in6), &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.addr, ((uint8_t[]){127, 0, 0, 1}), 4);

	/* other addresses are untouched */
	assert_int_equal(inet_pton(AF_INET, "10.0.0.0", &in.sin_addr), 1);
	assert_int_equal(sup_sockaddr_parse(&in, sizeof(in), &a), 0);
	assert_memory_equal(a.addr, ((uint8_t[]){10, 0, 0, 0}), 4);
}

static void test_argv_matcher_first_match_wins(void **state)
{
	(void)state;
	struct ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	struct ward_loc loc = {.file = "test"};
	assert_int_equal(policy_add_exec_argv(policy, "git push origin", false, loc, &err), 0);
	assert_int_equal(policy_add_exec_argv(policy, "git push --force*", true, loc, &err), 0);
	assert_int_equal(policy_add_exec_argv(policy, "git push *", true, loc, &err), 0);
	char *force[] = {"git", "push", "--force-with-lease", "x"};
	char *origin[] = {"git", "push", "origin", "--force"};
	char *status[] = {"git", "status"};
	char *renamed[] = {"anything", "push", "--force"};
	const struct exec_argv_rule *r;
	r = exec_argv_first_match(policy->supervisor, "/usr/bin/git", force, 4);
	assert_non_null(r);
	assert_true(r->deny);
	assert_string_equal(r->text, "git push --force*");
	r = exec_argv_first_match(policy->supervisor, "/usr/bin/git", origin, 4);
	assert_non_null(r);
	assert_false(r->deny);
	assert_null(exec_argv_first_match(policy->supervisor, "/usr/bin/git", status, 2));
	/* argv[0] is the caller's choice: the executed file's name counts too */
	r = exec_argv_first_match(policy->supervisor, "/usr/bin/git", renamed, 3);
	assert_non_null(r);
	assert_true(r->deny);
	ward_policy_free(policy);
}

static void test_no_supervisor_when_nothing_needs_it(void **state)
{
	(void)state;
	struct ward_policy *policy = ward_policy_new();
	struct plan plan = {0};
	struct seccomp_program prog = {0};
	ward_error err = {0};
	assert_false(sup_needed(&plan));
	assert_int_equal(sup_prepare(&plan, &prog, &err), -EINVAL);
	assert_null(prog.filter);
	struct ward_loc loc = {.file = "test"};
	assert_int_equal(policy_add_exec_argv(policy, "git push", true, loc, &err), 0);
	/* A rule in the policy alone traps nothing: only its place in the plan. */
	assert_false(sup_needed(&plan));
	place_on_supervisor(policy, &plan);
	assert_true(sup_needed(&plan));
	release_placed(&plan);
	ward_policy_free(policy);
}

/* Whether PROG compares the syscall number with NR anywhere. */
static bool filter_names(const struct seccomp_program *prog, int nr)
{
	for (unsigned i = 0; i < prog->len; i++)
		if (prog->filter[i].code == (BPF_JMP | BPF_JEQ | BPF_K) &&
		    prog->filter[i].k == (unsigned)nr)
			return true;
	return false;
}

/* listen() decides on a pinned socket and never freezes anyone: a
 * supervisor with only that rule traps listen and stays off every fork. */
static void test_listen_only_traps_no_fork(void **state)
{
	(void)state;
	struct plan plan = {.supervisor = true, .sup_listen = true};
	struct seccomp_program prog = {0};
	ward_error err = {0};
	assert_true(sup_needed(&plan));
	assert_false(sup_tracks_forks(&plan));
	assert_int_equal(sup_prepare(&plan, &prog, &err), 0);
	assert_true(filter_names(&prog, SYS_listen));
	assert_false(filter_names(&prog, SYS_clone));
	assert_false(filter_names(&prog, SYS_clone3));
	free(prog.filter);
	plan.sup_net = true; /* with decisions that freeze: forks are tracked */
	assert_true(sup_tracks_forks(&plan));
	assert_int_equal(sup_prepare(&plan, &prog, &err), 0);
	assert_true(filter_names(&prog, SYS_listen));
	assert_true(filter_names(&prog, SYS_clone));
	free(prog.filter);
}

/* The pathname unix rule decides on pinned objects and makes what could
 * change on the caller's behalf: without an abstract name Landlock's scope
 * must judge on the host's network or a Landlock TCP rule, it freezes
 * nobody and tracks no fork. Its filter then refuses the one way a process
 * could share an fd table without being a thread of it. Checked in a child
 * that installs the filter and closes the listener: a notified syscall
 * fails with ENOSYS, one not trapped runs. */
static void test_unix_only_traps_no_fork(void **state)
{
	(void)state;
	struct plan plan = {.supervisor = true, .sup_unix = {.trap = true}};
	struct seccomp_program prog = {0};
	ward_error err = {0};
	assert_true(sup_needed(&plan));
	assert_false(sup_tracks_forks(&plan));
	assert_int_equal(sup_prepare(&plan, &prog, &err), 0);
	assert_true(filter_names(&prog, SYS_connect));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sock_fprog fprog = {.len = prog.len, .filter = prog.filter};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(10);
		int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					    SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
		if (listener < 0)
			_exit(11);
		close(listener);
		/* Not trapped: a plain fork runs. */
		pid_t c = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (c == 0)
			_exit(0);
		if (c < 0 || waitpid(c, NULL, 0) != c)
			_exit(12);
		/* Shared fd table without a thread: EPERM, no child. */
		c = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
		if (c == 0)
			_exit(0);
		if (c >= 0 || errno != EPERM)
			_exit(13);
		if (syscall(SYS_clone3, NULL, 0) >= 0 || errno != ENOSYS)
			_exit(14);
		/* Trapped: connect reaches the (closed) listener. */
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "/nonexistent"};
		if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0 || errno != ENOSYS)
			_exit(15);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(prog.filter);
	/* An abstract name the kernel must judge as the caller: it may
	 * freeze, so forks are tracked. */
	plan.sup_unix.may_freeze = true;
	assert_true(sup_tracks_forks(&plan));
	assert_int_equal(sup_prepare(&plan, &prog, &err), 0);
	free(prog.filter);
}

static void test_exec_argv_deny_is_eacces(void **state)
{
	(void)state;
	struct ward_policy *policy = policy_with_force_rule();
	struct plan plan = {0};
	char target[PATH_MAX];
	prog_path(target, sizeof(target), "sup_argv_report");
	char *denied[] = {target, "push", "--force", NULL};
	char *allowed[] = {target, "push", "--safe", NULL};
	assert_int_equal(run_to_end(policy, &plan, denied), 100 + EACCES);
	assert_true(events_contain("sup_argv_report push --force*"));
	assert_int_equal(run_to_end(policy, &plan, allowed), 0);
	ward_policy_free(policy);
}

static void test_every_way_to_spawn_is_checked(void **state)
{
	(void)state;
	struct ward_policy *policy = policy_with_force_rule();
	struct plan plan = {0};
	char spawner[PATH_MAX], target[PATH_MAX];
	prog_path(spawner, sizeof(spawner), "sup_spawner");
	prog_path(target, sizeof(target), "sup_argv_report");
	const char *modes[] = {"fork", "vfork", "posix_spawn", "clone3", "clonevm", "thread"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *denied[] = {spawner, (char *)modes[i], target, "push", "--force", NULL};
		char *allowed[] = {spawner, (char *)modes[i], target, "push", "--ok", NULL};
		print_message("mode %s\n", modes[i]);
		int want_denied =
			strcmp(modes[i], "posix_spawn") == 0 ? 100 + EACCES : 100 + EACCES;
		assert_int_equal(run_to_end(policy, &plan, denied), want_denied);
		assert_int_equal(run_to_end(policy, &plan, allowed), 0);
	}
	ward_policy_free(policy);
}

static void test_python_threads_spawning_are_checked(void **state)
{
	(void)state;
	char python[PATH_MAX];
	FILE *p = popen("command -v python3", "r");
	bool have = p && fgets(python, sizeof(python), p);
	if (p)
		pclose(p);
	if (!have) {
		print_message("SKIP: no python3 on this host\n");
		skip();
	}
	python[strcspn(python, "\n")] = '\0';
	char resolved[PATH_MAX];
	if (!realpath(python, resolved))
		skip();
	struct ward_policy *policy = policy_with_force_rule();
	struct plan plan = {0};
	char target[PATH_MAX], script[2 * PATH_MAX + 600];
	prog_path(target, sizeof(target), "sup_argv_report");
	/* Eight threads each run an allowed and a denied command; exit 0 only
	 * when every allowed one ran and every denied one failed. */
	snprintf(script, sizeof(script),
		 "import subprocess, threading, sys\n"
		 "bad = []\n"
		 "def work():\n"
		 "    for _ in range(5):\n"
		 "        if subprocess.call(['%s', 'push', '--ok']) != 0: bad.append('ok')\n"
		 "        try:\n"
		 "            subprocess.call(['%s', 'push', '--force'])\n"
		 "            bad.append('force ran')\n"
		 "        except PermissionError:\n"
		 "            pass\n"
		 "ts = [threading.Thread(target=work) for _ in range(8)]\n"
		 "[t.start() for t in ts]; [t.join() for t in ts]\n"
		 "sys.exit(1 if bad else 0)\n",
		 target, target);
	char *argv[] = {resolved, "-c", script, NULL};
	assert_int_equal(run_to_end(policy, &plan, argv), 0);
	ward_policy_free(policy);
}

static void test_argv_race_has_no_bypass(void **state)
{
	(void)state;
	struct ward_policy *policy = policy_with_force_rule();
	struct plan plan = {0};
	char race[PATH_MAX], target[PATH_MAX];
	prog_path(race, sizeof(race), "sup_exec_race");
	prog_path(target, sizeof(target), "sup_argv_report");
	char *argv[] = {race, target, "10000", NULL};
	assert_int_equal(run_to_end(policy, &plan, argv), 0);
	ward_policy_free(policy);
}

static void test_connect_race_has_no_bypass(void **state)
{
	(void)state;
	struct ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	assert_int_equal(ward_policy_net_deny(policy, "udp://127.0.0.1:10002", &err), 0);
	struct plan plan = {.sup_net = true, .supervisor = true};
	char race[PATH_MAX];
	prog_path(race, sizeof(race), "sup_connect_race");
	char *argv[] = {race, "10001", "10002", "10000", NULL};
	assert_int_equal(run_to_end(policy, &plan, argv), 0);
	ward_policy_free(policy);
}

/* ---- the callback ---- */
static struct ward_verdict next_verdict;
static unsigned callback_sleep_ms;
static int callback_calls;

static struct ward_verdict verdict_cb(const struct ward_sup_event *ev, ward_sup_context *ctx,
				      void *userdata)
{
	(void)ctx;
	(void)userdata;
	__atomic_add_fetch(&callback_calls, 1, __ATOMIC_SEQ_CST);
	if (ev->argc >= 2 && strcmp(ev->argv[1], "judge") != 0)
		return (struct ward_verdict){WARD_VERDICT_ALLOW, 0};
	if (callback_sleep_ms) {
		struct timespec ts = {callback_sleep_ms / 1000,
				      (long)(callback_sleep_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return next_verdict;
}

static int run_judged(struct ward_verdict verdict, unsigned timeout_ms, unsigned sleep_ms)
{
	struct ward_policy *policy = ward_policy_new();
	struct plan plan = {0};
	char spawner[PATH_MAX], target[PATH_MAX];
	prog_path(spawner, sizeof(spawner), "sup_spawner");
	prog_path(target, sizeof(target), "sup_argv_report");
	ward_policy_set_callback(policy, verdict_cb, NULL);
	ward_policy_set_callback_categories(policy, WARD_SUP_PROCESS);
	if (timeout_ms)
		ward_policy_set_callback_timeout(policy, timeout_ms);
	next_verdict = verdict;
	callback_sleep_ms = sleep_ms;
	char *argv[] = {spawner, "fork", target, "judge", NULL};
	int code = run_to_end(policy, &plan, argv);
	ward_policy_free(policy);
	return code;
}

static void test_callback_verdicts(void **state)
{
	(void)state;
	assert_int_equal(run_judged((struct ward_verdict){WARD_VERDICT_ALLOW, 0}, 0, 0), 0);
	assert_int_equal(run_judged((struct ward_verdict){WARD_VERDICT_DENY, EROFS}, 0, 0),
			 100 + EROFS);
	assert_true(events_contain("\"deny\""));
	assert_int_equal(run_judged((struct ward_verdict){WARD_VERDICT_AUDIT, 0}, 0, 0), 0);
	assert_true(events_contain("audit"));
	/* kill: the spawner (the sandbox) dies by SIGKILL */
	assert_int_equal(run_judged((struct ward_verdict){WARD_VERDICT_KILL, 0}, 0, 0),
			 128 + SIGKILL);
	assert_true(events_contain("kill"));
}

static void test_callback_timeout_denies(void **state)
{
	(void)state;
	int code = run_judged((struct ward_verdict){WARD_VERDICT_ALLOW, 0}, 200, 1000);
	assert_int_equal(code, 100 + EPERM);
	assert_true(events_contain("timeout"));
}

static void test_closed_listener_fails_closed_with_enosys(void **state)
{
	(void)state;
	struct ward_policy *policy = policy_with_force_rule();
	struct plan plan = {0};
	char spawner[PATH_MAX], target[PATH_MAX];
	prog_path(spawner, sizeof(spawner), "sup_spawner");
	prog_path(target, sizeof(target), "sup_argv_report");
	/* The sandbox is a shell that waits, then tries to exec: by then the
	 * supervisor is stopped. */
	char script[4 * PATH_MAX];
	snprintf(script, sizeof(script), "sleep 0.3; exec %s fork %s push --ok", spawner, target);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct run run = {0};
	assert_int_equal(start(policy, &plan, argv, &run), 0);
	sup_stop(run.sup);
	int status;
	wait_exited(run.pid);
	waitpid(run.pid, &status, __WNOTHREAD);
	seccomp_program_release(&run.prog);
	release_placed(&plan);
	/* sh's exec of the spawner fails: ENOSYS, never an unchecked exec */
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 0);
	ward_policy_free(policy);
}

static void test_supervisor_killed_sandbox_gone_within_1s(void **state)
{
	(void)state;
	/* The supervisor runs in its own process here, so it can be SIGKILLed. */
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t ward = fork();
	if (ward == 0) {
		struct ward_policy *policy = policy_with_force_rule();
		struct plan plan = {0};
		char *argv[] = {"/bin/sleep", "30", NULL};
		struct run run = {0};
		if (start(policy, &plan, argv, &run) < 0)
			_exit(1);
		if (write(pipefd[1], &run.pid, sizeof(run.pid)) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	pid_t sandbox = 0;
	assert_int_equal(read(pipefd[0], &sandbox, sizeof(sandbox)), sizeof(sandbox));
	usleep(100000);
	assert_int_equal(kill(sandbox, 0), 0);
	kill(ward, SIGKILL);
	waitpid(ward, NULL, 0);
	struct timespec start_ts, now;
	clock_gettime(CLOCK_MONOTONIC, &start_ts);
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		char path[64], st = 0;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)sandbox);
		FILE *f = fopen(path, "r");
		if (!f || fscanf(f, "%*d %*s %c", &st) != 1 || st == 'Z')
			gone = true;
		if (f)
			fclose(f);
		if (!gone)
			usleep(10000);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	assert_true(gone);
	assert_true(now.tv_sec - start_ts.tv_sec <= 1);
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 1;
	exe[n] = '\0';
	snprintf(progs, sizeof(progs), "%s/../progs", dirname(exe));
	if (geteuid() != 0) {
		printf("SKIP: test_supervisor needs root (ptrace and pidfd_getfd of the "
		       "sandbox)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_matcher_first_match_wins),
		cmocka_unit_test(test_unspecified_destination_is_matched_as_loopback),
		cmocka_unit_test(test_no_supervisor_when_nothing_needs_it),
		cmocka_unit_test(test_listen_only_traps_no_fork),
		cmocka_unit_test(test_unix_only_traps_no_fork),
		cmocka_unit_test(test_exec_argv_deny_is_eacces),
		cmocka_unit_test(test_every_way_to_spawn_is_checked),
		cmocka_unit_test(test_python_threads_spawning_are_checked),
		cmocka_unit_test(test_callback_verdicts),
		cmocka_unit_test(test_callback_timeout_denies),
		cmocka_unit_test(test_closed_listener_fails_closed_with_enosys),
		cmocka_unit_test(test_supervisor_killed_sandbox_gone_within_1s),
		cmocka_unit_test(test_argv_race_has_no_bypass),
		cmocka_unit_test(test_connect_race_has_no_bypass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
