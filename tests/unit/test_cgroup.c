/* test_cgroup.c — the cgroup layer against the real kernel: a sandbox with
 * memory 64M, pids 16 and cpu 50% on whatever hierarchies this host has;
 * real children are attached, OOM-killed, refused forks, killed (including
 * double-forked grandchildren) and reclaimed after their ward "dies".
 * Needs root (cgroup creation); skips with the reason otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/cgroup.h"

#define MEMORY_LIMIT (64ull << 20)

static const struct host_features *host;
static struct plan plan;
static char skip_reason[200];

static int setup(void **state)
{
	(void)state;
	host = host_features_get();
	if (!host->root)
		snprintf(skip_reason, sizeof(skip_reason), "not root: cannot create cgroups");
	else if (!host->controllers[CG_CTRL_MEMORY].usable ||
		 !host->controllers[CG_CTRL_PIDS].usable || !host->controllers[CG_CTRL_CPU].usable)
		snprintf(skip_reason, sizeof(skip_reason),
			 "memory/pids/cpu controllers unusable: %s",
			 host->controllers[CG_CTRL_MEMORY].why);
	for (int l = 0; l < WARD_LIMIT_COUNT_; l++)
		plan.limits[l] = (struct plan_limit){.layer = LAYER_NONE};
	plan.limits[WARD_LIMIT_MEMORY] =
		(struct plan_limit){.set = true, .value = MEMORY_LIMIT, .layer = LAYER_CGROUP};
	plan.limits[WARD_LIMIT_PIDS] =
		(struct plan_limit){.set = true, .value = 16, .layer = LAYER_CGROUP};
	plan.limits[WARD_LIMIT_CPU_PERCENT] =
		(struct plan_limit){.set = true, .value = 50, .layer = LAYER_CGROUP};
	plan.cgroup = true;
	/* Orphans of the sandbox come back to us, so the tests can reap them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

#define SKIP_UNLESS_ROOT()                                        \
	do {                                                      \
		if (skip_reason[0]) {                             \
			print_message("skip: %s\n", skip_reason); \
			skip();                                   \
		}                                                 \
	} while (0)

static void make_id(char *id, size_t size, const char *what)
{
	static int counter;
	snprintf(id, size, "test-%d-%s-%d", (int)getpid(), what, counter++);
}

static struct cgroup_sandbox *create_or_fail(const char *id)
{
	ward_error err = {0};
	struct cgroup_sandbox *cg = NULL;
	int r = cgroup_sandbox_create(id, &plan, host, &cg, &err);
	if (r < 0)
		fail_msg("create %s: %s", id, err.message);
	return cg;
}

/* The directory of ID in the hierarchy holding CTRL (or the v2 one). */
static void dir_of(char *out, size_t size, const char *id, int ctrl)
{
	const char *root = ctrl < 0 ? host->cgroup_v2_base : host->controllers[ctrl].mount;
	snprintf(out, size, "%s/ward/%s", root, id);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* A child blocked on a pipe until released: attached before it runs. */
struct held_child {
	pid_t pid;
	int release_fd;
};

static struct held_child fork_held(void (*body)(void))
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(99);
		body();
		_exit(0);
	}
	close(fds[0]);
	return (struct held_child){pid, fds[1]};
}

static void release(struct held_child *child)
{
	assert_int_equal(write(child->release_fd, "x", 1), 1);
	close(child->release_fd);
}

static int wait_status(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void pause_forever(void)
{
	for (;;)
		pause();
}

static void test_child_is_attached_and_limits_are_written(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	char id[64], dir[4200], path[4300], text[4096];
	make_id(id, sizeof(id), "limits");
	struct cgroup_sandbox *cg = create_or_fail(id);
	struct held_child child = fork_held(pause_forever);
	ward_error err = {0};
	assert_int_equal(cgroup_sandbox_attach(cg, child.pid, &err), 0);

	char want[128];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)child.pid);
	read_text(path, text, sizeof(text));
	static const char *const ctrls[] = {"memory", "pids", "cpu"};
	for (int c = CG_CTRL_MEMORY; c <= CG_CTRL_CPU; c++) {
		if (host->controllers[c].v2)
			continue;
		/* "4:memory:/ward/<id>", or "1:cpu,cpuacct:/ward/<id>". */
		snprintf(want, sizeof(want), "%s:/ward/%s\n", ctrls[c], id);
		assert_non_null(strstr(text, want));
	}
	if (host->cgroup_v2_usable) {
		dir_of(dir, sizeof(dir), id, -1);
		snprintf(want, sizeof(want), "0::%s\n", dir + strlen(host->cgroup_v2_mount));
		assert_non_null(strstr(text, want));
		struct stat st;
		assert_int_equal(stat(dir, &st), 0);
		assert_int_equal(cgroup_sandbox_v2_id(cg), st.st_ino);
		assert_int_equal(fstat(cgroup_sandbox_v2_fd(cg), &st), 0);
		assert_int_equal(cgroup_sandbox_v2_id(cg), st.st_ino);
	}

	bool v2 = host->controllers[CG_CTRL_MEMORY].v2;
	dir_of(dir, sizeof(dir), id, CG_CTRL_MEMORY);
	snprintf(path, sizeof(path), "%s/%s", dir, v2 ? "memory.max" : "memory.limit_in_bytes");
	read_text(path, text, sizeof(text));
	assert_int_equal(strtoull(text, NULL, 10), MEMORY_LIMIT);
	dir_of(dir, sizeof(dir), id, CG_CTRL_PIDS);
	snprintf(path, sizeof(path), "%s/pids.max", dir);
	read_text(path, text, sizeof(text));
	assert_string_equal(text, "16\n");
	dir_of(dir, sizeof(dir), id, CG_CTRL_CPU);
	if (host->controllers[CG_CTRL_CPU].v2) {
		snprintf(path, sizeof(path), "%s/cpu.max", dir);
		read_text(path, text, sizeof(text));
		assert_string_equal(text, "50000 100000\n");
	} else {
		snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
		read_text(path, text, sizeof(text));
		assert_string_equal(text, "50000\n");
		snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
		read_text(path, text, sizeof(text));
		assert_string_equal(text, "100000\n");
	}
	assert_int_equal(cgroup_sandbox_destroy(cg), 0);
	int status = wait_status(child.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(child.release_fd);
}

static void allocate_200m(void)
{
	size_t size = 200u << 20;
	char *p = malloc(size);
	if (!p)
		_exit(3);
	for (size_t i = 0; i < size; i += 4096)
		p[i] = 1;
	_exit(0);
}

static void test_memory_hog_is_oom_killed(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	char id[64];
	make_id(id, sizeof(id), "oom");
	struct cgroup_sandbox *cg = create_or_fail(id);
	struct held_child child = fork_held(allocate_200m);
	ward_error err = {0};
	assert_int_equal(cgroup_sandbox_attach(cg, child.pid, &err), 0);
	release(&child);
	int status = wait_status(child.pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	struct cgroup_stats stats;
	assert_int_equal(cgroup_sandbox_stats(cg, &stats), 0);
	assert_true(stats.oom_kills >= 1);
	assert_true(stats.peak_memory_bytes > 0);
	assert_true(stats.peak_memory_bytes <= MEMORY_LIMIT);
	assert_int_equal(cgroup_sandbox_destroy(cg), 0);
}

/* Exits with how many of 100 forks succeeded, 200 if none was refused. */
static void fork_100(void)
{
	int made = 0;
	for (int i = 0; i < 100; i++) {
		pid_t pid = fork();
		if (pid == 0)
			pause_forever();
		if (pid < 0) {
			_exit(errno == EAGAIN ? made : 201);
		}
		made++;
	}
	_exit(200);
}

static void test_fork_bomb_stops_at_pids_max(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	char id[64];
	make_id(id, sizeof(id), "pids");
	struct cgroup_sandbox *cg = create_or_fail(id);
	struct held_child child = fork_held(fork_100);
	ward_error err = {0};
	assert_int_equal(cgroup_sandbox_attach(cg, child.pid, &err), 0);
	release(&child);
	int status = wait_status(child.pid);
	assert_true(WIFEXITED(status));
	/* 16 tasks: the child and 15 forks (fewer if a helper thread counts). */
	assert_true(WEXITSTATUS(status) >= 10 && WEXITSTATUS(status) <= 15);
	struct cgroup_stats stats;
	assert_int_equal(cgroup_sandbox_stats(cg, &stats), 0);
	assert_true(stats.pids_max_hits >= 1);
	assert_int_equal(cgroup_sandbox_kill(cg), 0);
	reap_orphans();
	assert_int_equal(cgroup_sandbox_destroy(cg), 0);
}

static int report_fd = -1;

/* Double fork: the grandchild is orphaned and must still be killed. */
static void double_fork(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0)
			pause_forever();
		if (write(report_fd, &grandchild, sizeof(grandchild)) != sizeof(grandchild))
			_exit(1);
		_exit(0);
	}
	pause_forever();
}

/* Kills a sandbox created for HOST_VIEW whose child double-forked. */
static void kill_double_forked(const struct host_features *host_view, const char *what)
{
	char id[64], dir[4200], path[4300], text[4096];
	make_id(id, sizeof(id), what);
	ward_error err = {0};
	struct cgroup_sandbox *cg = NULL;
	if (cgroup_sandbox_create(id, &plan, host_view, &cg, &err) < 0)
		fail_msg("create %s: %s", id, err.message);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	report_fd = fds[1];
	struct held_child child = fork_held(double_fork);
	close(fds[1]);
	assert_int_equal(cgroup_sandbox_attach(cg, child.pid, &err), 0);
	release(&child);
	pid_t grandchild;
	assert_int_equal(read(fds[0], &grandchild, sizeof(grandchild)), sizeof(grandchild));
	close(fds[0]);

	assert_int_equal(cgroup_sandbox_kill(cg), 0);
	int status = wait_status(child.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	status = wait_status(grandchild);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	reap_orphans();
	for (int c = -1; c < CG_CTRL_COUNT_; c++) {
		if (c >= 0 && (host_view->controllers[c].v2 || !host_view->controllers[c].usable))
			continue;
		if (c < 0 && !host_view->cgroup_v2_usable)
			continue;
		/* The v2 directory stands in for v1 cpuacct, and for the freezer
		 * where cgroup.kill exists: those are not created then. */
		if (host_view->cgroup_v2_usable &&
		    (c == CG_CTRL_CPUACCT || (c == CG_CTRL_FREEZER && host_view->cgroup_kill)))
			continue;
		dir_of(dir, sizeof(dir), id, c);
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		read_text(path, text, sizeof(text));
		assert_string_equal(text, "");
	}
	assert_int_equal(cgroup_sandbox_destroy(cg), 0);
}

static void test_kill_empties_cgroup_with_double_forked_grandchild(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	kill_double_forked(host, "kill");
}

/* Without a v2 directory there is no cgroup.kill: freeze, kill, thaw. */
static void test_kill_without_v2_freezes_and_kills_by_pid(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	static struct host_features v1_only;
	v1_only = *host;
	v1_only.cgroup_v2_usable = false;
	for (int c = 0; c < CG_CTRL_COUNT_; c++) {
		if (v1_only.controllers[c].v2) {
			print_message("skip: controllers are on v2 here, no v1-only view\n");
			skip();
		}
	}
	kill_double_forked(&v1_only, "kill-v1");
}

static void assert_sandbox_gone(const char *id)
{
	char dir[4200];
	for (int c = -1; c < CG_CTRL_COUNT_; c++) {
		if (c < 0 && !host->cgroup_v2_usable)
			continue;
		if (c >= 0 && (host->controllers[c].v2 || !host->controllers[c].available))
			continue;
		dir_of(dir, sizeof(dir), id, c);
		if (exists(dir))
			fail_msg("%s still exists", dir);
	}
	snprintf(dir, sizeof(dir), "/run/ward/sandboxes/%s", id);
	assert_false(exists(dir));
}

static void test_destroy_removes_directories_and_registry(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	char id[64], dir[4200];
	make_id(id, sizeof(id), "destroy");
	struct cgroup_sandbox *cg = create_or_fail(id);
	snprintf(dir, sizeof(dir), "/run/ward/sandboxes/%s", id); /* one file */
	assert_true(exists(dir));
	dir_of(dir, sizeof(dir), id, CG_CTRL_MEMORY);
	assert_true(exists(dir));
	struct held_child child = fork_held(pause_forever);
	ward_error err = {0};
	assert_int_equal(cgroup_sandbox_attach(cg, child.pid, &err), 0);
	assert_int_equal(cgroup_sandbox_destroy(cg), 0);
	assert_sandbox_gone(id);
	int status = wait_status(child.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(child.release_fd);
}

static void test_failed_limit_write_leaves_nothing(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	char id[64];
	make_id(id, sizeof(id), "fail");
	/* A quota beyond the kernel's maximum (2^44 us) is refused with EINVAL
	 * after the directories and the memory and pids limits were written. */
	struct plan bad = plan;
	bad.limits[WARD_LIMIT_CPU_PERCENT].value = 1ull << 40;
	ward_error err = {0};
	struct cgroup_sandbox *cg = NULL;
	int r = cgroup_sandbox_create(id, &bad, host, &cg, &err);
	assert_true(r < 0);
	assert_null(cg);
	assert_non_null(strstr(err.message, "cpu."));
	assert_non_null(strstr(err.message, id));
	assert_sandbox_gone(id);
}

static void test_invalid_id_is_refused(void **state)
{
	(void)state;
	ward_error err = {0};
	struct cgroup_sandbox *cg = NULL;
	assert_int_equal(cgroup_sandbox_create("../escape", &plan, host, &cg, &err), -EINVAL);
	assert_null(cg);
}

/* A ward that dies without destroy: its creator process exits, its task
 * lives on. reclaim must kill the task and remove everything. */
static void test_reclaim_removes_sandbox_of_dead_ward(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	char id[64];
	make_id(id, sizeof(id), "reclaim");
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t ward = fork();
	assert_true(ward >= 0);
	if (ward == 0) {
		close(fds[0]);
		ward_error err = {0};
		struct cgroup_sandbox *cg = NULL;
		if (cgroup_sandbox_create(id, &plan, host, &cg, &err) < 0)
			_exit(1);
		pid_t task = fork();
		if (task == 0)
			pause_forever();
		if (cgroup_sandbox_attach(cg, task, &err) < 0)
			_exit(2);
		if (write(fds[1], &task, sizeof(task)) != sizeof(task))
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	pid_t task;
	assert_int_equal(read(fds[0], &task, sizeof(task)), sizeof(task));
	close(fds[0]);
	int status = wait_status(ward);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	assert_true(cgroup_reclaim_stale(host) >= 1);
	status = wait_status(task);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_sandbox_gone(id);
}

/* An entry an older ward left as a directory (<id>/pid, <id>/cgroups) is
 * still read: its cgroups are reclaimed and the directory removed. */
static void test_reclaim_reads_old_directory_entries(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	char id[64], entry[4200], path[4300], text[8192];
	make_id(id, sizeof(id), "olddir");
	pid_t ward = fork();
	assert_true(ward >= 0);
	if (ward == 0) {
		ward_error err = {0};
		struct cgroup_sandbox *cg = NULL;
		_exit(cgroup_sandbox_create(id, &plan, host, &cg, &err) < 0 ? 1 : 0);
	}
	int status = wait_status(ward);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Rewrite its one-file entry the old way. */
	snprintf(entry, sizeof(entry), "/run/ward/sandboxes/%s", id);
	FILE *f = fopen(entry, "re");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	char *dirs = strchr(text, '\n');
	assert_non_null(dirs);
	*dirs++ = '\0';
	assert_int_equal(unlink(entry), 0);
	assert_int_equal(mkdir(entry, 0755), 0);
	snprintf(path, sizeof(path), "%s/pid", entry);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "%s\n", text);
	fclose(f);
	snprintf(path, sizeof(path), "%s/cgroups", entry);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(dirs, f);
	fclose(f);
	dir_of(path, sizeof(path), id, CG_CTRL_PIDS);
	assert_true(exists(path));

	assert_true(cgroup_reclaim_stale(host) >= 1);
	assert_sandbox_gone(id);
}

static void test_reclaim_spares_live_sandbox(void **state)
{
	(void)state;
	SKIP_UNLESS_ROOT();
	char id[64], dir[4200];
	make_id(id, sizeof(id), "live");
	struct cgroup_sandbox *cg = create_or_fail(id);
	assert_true(cgroup_reclaim_stale(host) >= 0);
	dir_of(dir, sizeof(dir), id, CG_CTRL_PIDS);
	assert_true(exists(dir));
	assert_int_equal(cgroup_sandbox_destroy(cg), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_is_attached_and_limits_are_written),
		cmocka_unit_test(test_memory_hog_is_oom_killed),
		cmocka_unit_test(test_fork_bomb_stops_at_pids_max),
		cmocka_unit_test(test_kill_empties_cgroup_with_double_forked_grandchild),
		cmocka_unit_test(test_kill_without_v2_freezes_and_kills_by_pid),
		cmocka_unit_test(test_destroy_removes_directories_and_registry),
		cmocka_unit_test(test_failed_limit_write_leaves_nothing),
		cmocka_unit_test(test_invalid_id_is_refused),
		cmocka_unit_test(test_reclaim_removes_sandbox_of_dead_ward),
		cmocka_unit_test(test_reclaim_reads_old_directory_entries),
		cmocka_unit_test(test_reclaim_spares_live_sandbox),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
