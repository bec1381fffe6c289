/* test_process.c — the process side's pure parts: the removal of the
 * private directory (never following a link, never crossing a mount), the
 * planner's keeper / process-control / task-limit choices, and the check of
 * passed descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "layers/cgroup_internal.h"
#include "plan/plan.h"
#include "sandbox/sandbox.h"

static char base[] = "/tmp/ward-test-process-XXXXXX";

static void put(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", base, name);
}

static void test_remove_never_follows_symlinks(void **state)
{
	char priv[256], outside[256], p[300];
	path_of(priv, sizeof(priv), "priv");
	path_of(outside, sizeof(outside), "outside");
	assert_int_equal(mkdir(priv, 0700), 0);
	assert_int_equal(mkdir(outside, 0700), 0);
	snprintf(p, sizeof(p), "%s/keep", outside);
	put(p);
	snprintf(p, sizeof(p), "%s/sub", priv);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/sub/keep", priv);
	put(p);
	/* A link to the outside directory, and one to the outside file. */
	snprintf(p, sizeof(p), "%s/link", priv);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/sub/filelink", priv);
	char target[300];
	snprintf(target, sizeof(target), "%s/keep", outside);
	assert_int_equal(symlink(target, p), 0);

	assert_int_equal(private_tmp_remove(priv), 0);
	struct stat st;
	assert_int_equal(lstat(priv, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stat(target, &st), 0); /* the outside file is intact */
	unlink(target);
	rmdir(outside);
}

static void test_remove_missing_is_not_an_error(void **state)
{
	char priv[256];
	path_of(priv, sizeof(priv), "never-made");
	assert_int_equal(private_tmp_remove(priv), 0);
	assert_int_equal(private_tmp_remove("relative/path"), -EINVAL);
}

static void test_remove_never_crosses_a_mount(void **state)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0) {
		print_message("SKIP: needs root and a mount namespace to mount a tmpfs in\n");
		skip();
		return;
	}
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	char priv[256], mnt[300], file[320];
	path_of(priv, sizeof(priv), "mounted");
	assert_int_equal(mkdir(priv, 0700), 0);
	snprintf(mnt, sizeof(mnt), "%s/mnt", priv);
	assert_int_equal(mkdir(mnt, 0700), 0);
	assert_int_equal(mount("tmpfs", mnt, "tmpfs", 0, "size=1m"), 0);
	snprintf(file, sizeof(file), "%s/keep", mnt);
	put(file);
	assert_int_equal(private_tmp_remove(priv), -EXDEV);
	struct stat st;
	assert_int_equal(stat(file, &st), 0); /* nothing under the mount went */
	assert_int_equal(umount(mnt), 0);
	assert_int_equal(private_tmp_remove(priv), 0);
}

/* A task list that cannot be read is not an empty one: the kill reports an
 * error, so the sandbox is not proven gone and its directory is kept. */
static void test_unreadable_task_list_is_not_empty(void **state)
{
	struct cgroup_sandbox *cg = calloc(1, sizeof(*cg));
	assert_non_null(cg);
	cg->v2_fd = -1;
	cg->ndirs = 1;
	path_of(cg->dirs[0].path, sizeof(cg->dirs[0].path), "fakecg");
	assert_int_equal(mkdir(cg->dirs[0].path, 0700), 0);
	char procs[PATH_MAX + 16];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->dirs[0].path);
	/* A directory where the list should be: open works, read fails. */
	assert_int_equal(mkdir(procs, 0700), 0);
	assert_int_not_equal(cgroup_sandbox_kill(cg), 0);
	rmdir(procs);
	/* Control: an empty list read to its end is proof. */
	put(procs);
	int fd = open(procs, O_WRONLY | O_TRUNC | O_CLOEXEC);
	close(fd);
	assert_int_equal(cgroup_sandbox_kill(cg), 0);
	unlink(procs);
	rmdir(cg->dirs[0].path);
	free(cg);
}

static struct host_features unprivileged_host(void)
{
	struct host_features h;
	memset(&h, 0, sizeof(h));
	h.userns = true;
	return h;
}

static void plan_with_pids_on_rlimit(struct plan *plan, struct ward_policy *policy)
{
	memset(plan, 0, sizeof(*plan));
	memset(policy, 0, sizeof(*policy));
	policy->limits[WARD_LIMIT_PIDS].set = true;
	policy->limits[WARD_LIMIT_PIDS].value = 512;
	plan->limits[WARD_LIMIT_PIDS] = (struct plan_limit){
		.set = true, .value = 512, .layer = LAYER_RLIMIT, .scope = PLAN_SCOPE_USER};
	plan->seccomp = true;
	plan->landlock_scope = true;
	struct plan_entry e = {.layer = LAYER_RLIMIT, .status = PLAN_ENFORCED};
	snprintf(e.rule, sizeof(e.rule), "limit pids 512");
	assert_int_equal(VEC_PUSH(&plan->entries, e), 0);
}

static const struct plan_entry *find(const struct plan *plan, const char *prefix)
{
	VEC_FOREACH(&plan->entries, e)
	if (strncmp(e->rule, prefix, strlen(prefix)) == 0)
		return e;
	return NULL;
}

static void test_plan_without_pid_namespace(void **state)
{
	struct plan plan;
	struct ward_policy policy;
	struct host_features h = unprivileged_host();
	plan_with_pids_on_rlimit(&plan, &policy);
	assert_int_equal(plan_proc(&policy, &h, &plan), 0);
	assert_int_equal(plan.keeper, PLAN_KEEPER_SUBREAPER);
	assert_true(plan.seccomp_proc_guard);
	/* RLIMIT_NPROC counts per user namespace: the planner adds one. */
	assert_true(plan.ns_flags & WARD_NS_USER);
	const struct plan_entry *e = find(&plan, "limit pids");
	assert_non_null(e);
	assert_non_null(strstr(e->note, "own user namespace"));
	e = find(&plan, "process: nothing outlives");
	assert_non_null(e);
	assert_int_equal(e->status, PLAN_ENFORCED);
	e = find(&plan, "process: no control");
	assert_non_null(e);
	assert_int_equal(e->layer, LAYER_SECCOMP);
	plan_free(&plan);
}

static void test_plan_with_pid_namespace(void **state)
{
	struct plan plan;
	struct ward_policy policy;
	struct host_features h = unprivileged_host();
	plan_with_pids_on_rlimit(&plan, &policy);
	plan.ns_flags = WARD_NS_USER | WARD_NS_PID;
	assert_int_equal(plan_proc(&policy, &h, &plan), 0);
	assert_int_equal(plan.keeper, PLAN_KEEPER_PIDNS);
	assert_false(plan.seccomp_proc_guard);
	assert_int_equal(find(&plan, "process: no control")->layer, LAYER_NAMESPACES);
	plan_free(&plan);
}

static void test_plan_root_keeps_the_user_namespace_choice(void **state)
{
	struct plan plan;
	struct ward_policy policy;
	struct host_features h = unprivileged_host();
	h.root = true; /* RLIMIT_NPROC binds no kuid 0: no user ns is added for it */
	plan_with_pids_on_rlimit(&plan, &policy);
	assert_int_equal(plan_proc(&policy, &h, &plan), 0);
	assert_false(plan.ns_flags & WARD_NS_USER);
	plan_free(&plan);
}

static void test_plan_no_scope_no_cgroup_is_degraded(void **state)
{
	struct plan plan;
	struct ward_policy policy;
	struct host_features h = unprivileged_host();
	plan_with_pids_on_rlimit(&plan, &policy);
	plan.landlock_scope = false;
	assert_int_equal(plan_proc(&policy, &h, &plan), 0);
	const struct plan_entry *e = find(&plan, "process: nothing outlives");
	assert_int_not_equal(e->status, PLAN_ENFORCED);
	plan_free(&plan);
}

static void test_pass_fds_checked_and_sorted(void **state)
{
	struct pass_fds out;
	ward_error err;
	memset(&err, 0, sizeof(err));
	int a = open("/dev/null", O_RDONLY | O_CLOEXEC), b = dup(a);
	assert_true(a > 2 && b > 2);
	int list[] = {b, 1, a, b};
	assert_int_equal(fds_prepare(list, 4, &out, &err), 0);
	assert_int_equal(out.count, 2);
	assert_true(out.fd[0] < out.fd[1]);
	close(b);
	int closed[] = {b};
	assert_int_equal(fds_prepare(closed, 1, &out, &err), -EBADF);
	assert_non_null(strstr(err.message, "not open"));
	int negative[] = {-1};
	assert_int_equal(fds_prepare(negative, 1, &out, &err), -EBADF);
	close(a);
}

static int setup(void **state)
{
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	/* Only the directory this test made, by its exact name. */
	return private_tmp_remove(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_never_follows_symlinks),
		cmocka_unit_test(test_remove_missing_is_not_an_error),
		cmocka_unit_test(test_remove_never_crosses_a_mount),
		cmocka_unit_test(test_unreadable_task_list_is_not_empty),
		cmocka_unit_test(test_plan_without_pid_namespace),
		cmocka_unit_test(test_plan_with_pid_namespace),
		cmocka_unit_test(test_plan_root_keeps_the_user_namespace_choice),
		cmocka_unit_test(test_plan_no_scope_no_cgroup_is_degraded),
		cmocka_unit_test(test_pass_fds_checked_and_sorted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
