/* test_supervisor_fs.c — the supervisor's filesystem denials against the real
 * kernel: a Landlock-confined child with a notify filter runs
 * tests/progs/sup_fs_probe, and every denial is the real errno of a real
 * syscall. Runs the child as root and as uid 65534 (setpriv), to show the
 * supervisor never lends ward's privilege. Needs root; skips say why.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "layers/landlock.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "supervisor/supervisor.h"

static char progs[PATH_MAX];
static char probe[PATH_MAX + 32];
static char dir[64], outside[64]; /* granted, and not granted */
static bool as_nobody;		  /* run the probe as uid 65534 */

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

static char *in_dir(const char *name)
{
	static char paths[16][PATH_MAX];
	static int next;
	char *p = paths[next++ % 16];
	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void add_grant(struct plan *plan, const char *path, unsigned access)
{
	struct plan_fs_grant g = {.path = path, .access = access, .optional = true};
	assert_int_equal(VEC_PUSH(&plan->fs_grants, g), 0);
}

/* The plan the planner makes for a deny inside a grant, with Landlock:
 * every denial of POLICY placed on the supervisor. */
static void make_plan(struct plan *plan, const struct ward_policy *policy)
{
	memset(plan, 0, sizeof(*plan));
	plan->landlock = true;
	plan->landlock_abi = landlock_abi_version(NULL, 0);
	plan->supervisor = plan->sup_fs_deny = true;
	const unsigned rx = WARD_FS_READ | WARD_FS_EXEC;
	add_grant(plan, "/usr", rx);
	add_grant(plan, "/lib", rx);
	add_grant(plan, "/lib64", rx);
	add_grant(plan, "/bin", rx);
	add_grant(plan, "/etc", WARD_FS_READ);
	add_grant(plan, "/proc", WARD_FS_READ);
	add_grant(plan, "/dev", WARD_FS_READ | WARD_FS_WRITE);
	add_grant(plan, progs, rx);
	add_grant(plan, dir, WARD_FS_READ | WARD_FS_WRITE);
	VEC_FOREACH(&policy->fs, f)
	{
		if (!f->deny)
			continue;
		struct plan_inode_rule ir = {.path = f->path, .access = f->access, .loc = f->loc};
		assert_int_equal(VEC_PUSH(&plan->sup_fs_rules, ir), 0);
	}
	/* ... and its callback: the supervisor reads the plan only. */
	const struct sup_policy *sp = policy->supervisor;
	if (sp) {
		plan->sup_rules.callback = sp->callback;
		plan->sup_rules.verdict_fn = sp->verdict_fn;
		plan->sup_rules.callback_userdata = sp->callback_userdata;
		plan->sup_rules.callback_categories = sp->callback_categories;
		plan->sup_rules.callback_timeout_ms = sp->callback_timeout_ms;
	}
}

static struct ward_policy *policy_denying(const char *const *paths)
{
	struct ward_policy *policy = ward_policy_new();
	ward_error err = {0};
	struct ward_loc loc = {.file = "test"};
	assert_non_null(policy);
	for (; *paths; paths++)
		assert_int_equal(policy_add_fs(policy, *paths, 0, true, false, loc, &err), 0);
	return policy;
}

/* The spawn path in miniature: fork, no_new_privs, Landlock, the notify
 * filter, exec; the supervisor gets the same ruleset. */
static int run_prog(struct ward_policy *policy, const char *prog_path, const char *const *ops)
{
	struct plan plan;
	struct seccomp_program prog = {0};
	ward_error err = {0};
	int landlock_fd = -1, sv[2];
	make_plan(&plan, policy);
	assert_int_equal(landlock_prepare(&plan, &landlock_fd, &err), 0);
	assert_int_equal(sup_prepare(&plan, &prog, &err), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	char *argv[64];
	size_t n = 0;
	if (as_nobody) {
		argv[n++] = "/usr/bin/setpriv";
		argv[n++] = "--reuid=65534";
		argv[n++] = "--regid=65534";
		argv[n++] = "--clear-groups";
	}
	argv[n++] = (char *)prog_path;
	for (; *ops && n < 63; ops++)
		argv[n++] = (char *)*ops;
	argv[n] = NULL;
	events[0] = '\0';
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (landlock_enforce(landlock_fd) < 0 || sup_child_install(&prog, sv[1]) < 0)
			_exit(125);
		execv(argv[0], argv);
		_exit(126);
	}
	close(sv[1]);
	struct supervisor *sup = NULL;
	int r = sup_start_landlocked(&plan, landlock_fd, sv[0], pid, &sink, &sup, &err);
	close(sv[0]);
	if (r < 0)
		print_message("sup_start: %s\n", err.message);
	assert_int_equal(r, 0);
	/* As the spawn path must: the pidfd first, then reap (__WNOTHREAD). */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	close(pidfd);
	int status;
	assert_int_equal(waitpid(pid, &status, __WNOTHREAD), pid);
	sup_stop(sup);
	seccomp_program_release(&prog);
	close(landlock_fd);
	plan_free(&plan);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_probe(struct ward_policy *policy, const char *const *ops)
{
	return run_prog(policy, probe, ops);
}

static int probe1(struct ward_policy *policy, const char *op, const char *path)
{
	const char *ops[] = {op, path, NULL};
	return run_probe(policy, ops);
}

static struct ward_policy *standard_policy(void)
{
	const char *deny[] = {in_dir("secret.txt"), in_dir("secretdir"), NULL};
	return policy_denying(deny);
}

/* ---- tests ---- */

static void test_allowed_files_still_open(void **state)
{
	(void)state;
	struct ward_policy *policy = standard_policy();
	assert_int_equal(probe1(policy, "open", in_dir("allowed.txt")), 0);
	assert_int_equal(probe1(policy, "openat", in_dir("allowed.txt")), 0);
	assert_int_equal(probe1(policy, "openat2", in_dir("allowed.txt")), 0);
	assert_int_equal(probe1(policy, "write", in_dir("allowed.txt")), 0);
	assert_int_equal(probe1(policy, "readdir", dir), 0);
	/* /proc/self is the caller's, not ward's: its status opens */
	assert_int_equal(probe1(policy, "open", "/proc/self/status"), 0);
	assert_int_equal(probe1(policy, "devfd", in_dir("allowed.txt")), 0);
	assert_int_equal(probe1(policy, "opath", in_dir("allowed.txt")), 0);
	ward_policy_free(policy);
}

static void test_denied_file_is_eacces_every_way(void **state)
{
	(void)state;
	struct ward_policy *policy = standard_policy();
	const char *ways[] = {"open", "openat", "openat2", "write", "opath", "devfd"};
	for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		print_message("%s\n", ways[i]);
		assert_int_equal(probe1(policy, ways[i], in_dir("secret.txt")), EACCES);
	}
	assert_true(events_contain("fs deny"));
	/* other names of the same inode */
	assert_int_equal(probe1(policy, "open", in_dir("symlink")), EACCES);
	assert_int_equal(probe1(policy, "open", in_dir("hardlink")), EACCES);
	assert_int_equal(probe1(policy, "open", in_dir("secretdir/../secret.txt")), EACCES);
	assert_int_equal(probe1(policy, "open", in_dir("sub/../secret.txt")), EACCES);
	/* renamed by someone outside the sandbox after the rule was made */
	pid_t renamer = fork();
	assert_true(renamer >= 0);
	if (renamer == 0) {
		usleep(300000);
		_exit(rename(in_dir("secret.txt"), in_dir("moved.txt")) == 0 ? 0 : 1);
	}
	const char *after_rename[] = {"waitfor", in_dir("moved.txt"), "open", in_dir("moved.txt"),
				      NULL};
	int moved = run_probe(policy, after_rename);
	int status;
	assert_int_equal(waitpid(renamer, &status, 0), renamer);
	assert_int_equal(rename(in_dir("moved.txt"), in_dir("secret.txt")), 0);
	assert_int_equal(status, 0);
	assert_int_equal(moved, EACCES);
	ward_policy_free(policy);
}

static void test_denied_file_cannot_be_changed(void **state)
{
	(void)state;
	struct ward_policy *policy = standard_policy();
	assert_int_equal(probe1(policy, "truncate", in_dir("secret.txt")), EACCES);
	assert_int_equal(probe1(policy, "unlink", in_dir("secret.txt")), EACCES);
	const char *ren[] = {"rename", in_dir("secret.txt"), in_dir("stolen.txt"), NULL};
	assert_int_equal(run_probe(policy, ren), EACCES);
	struct stat st;
	assert_int_equal(stat(in_dir("secret.txt"), &st), 0);
	assert_int_equal(st.st_size, 7); /* "SECRET\n" intact */
	/* a nested Landlock domain is refused: the opener would not have it */
	assert_int_equal(probe1(policy, "landlock", "-"), EPERM);
	ward_policy_free(policy);
}

static void test_directory_denial_covers_what_is_beneath(void **state)
{
	(void)state;
	struct ward_policy *policy = standard_policy();
	assert_int_equal(probe1(policy, "open", in_dir("secretdir/inner.txt")), EACCES);
	assert_int_equal(probe1(policy, "open", in_dir("secretdir/deeper/file.txt")), EACCES);
	assert_int_equal(probe1(policy, "readdir", in_dir("secretdir")), EACCES);
	assert_int_equal(probe1(policy, "creat", in_dir("secretdir/new.txt")), EACCES);
	assert_int_equal(access(in_dir("secretdir/new.txt"), F_OK), -1);
	/* nothing leaves the directory under another name */
	const char *ren[] = {"rename", in_dir("secretdir/inner.txt"), in_dir("out.txt"), NULL};
	assert_int_equal(run_probe(policy, ren), EACCES);
	const char *lnk[] = {"link", in_dir("secretdir/inner.txt"), in_dir("out.txt"), NULL};
	assert_int_equal(run_probe(policy, lnk), EACCES);
	assert_int_equal(access(in_dir("out.txt"), F_OK), -1);
	ward_policy_free(policy);
}

static void test_create_where_granted_works_as_the_caller(void **state)
{
	(void)state;
	struct ward_policy *policy = standard_policy();
	unlink(in_dir("created.txt"));
	assert_int_equal(probe1(policy, "creat", in_dir("created.txt")), 0);
	struct stat st;
	assert_int_equal(stat(in_dir("created.txt"), &st), 0);
	/* made with the caller's credentials, not ward's */
	assert_int_equal(st.st_uid, as_nobody ? 65534u : 0u);
	assert_int_equal(unlink(in_dir("created.txt")), 0);
	const char *ren[] = {"creat",	      in_dir("a.txt"), "rename",	in_dir("a.txt"),
			     in_dir("b.txt"), "unlink",	       in_dir("b.txt"), NULL};
	assert_int_equal(run_probe(policy, ren), 0);
	ward_policy_free(policy);
}

static void test_no_privilege_is_lent(void **state)
{
	(void)state;
	struct ward_policy *policy = standard_policy();
	/* Landlock: outside every grant, even for a root child */
	char out_file[PATH_MAX];
	snprintf(out_file, sizeof(out_file), "%s/x.txt", outside);
	assert_int_equal(probe1(policy, "open", out_file), EACCES);
	/* DAC: a root-only file, readable only when the child is root */
	assert_int_equal(probe1(policy, "open", in_dir("rootonly.txt")), as_nobody ? EACCES : 0);
	ward_policy_free(policy);
}

static int callback_denials;

static struct ward_verdict deny_later_cb(const struct ward_sup_event *ev, ward_sup_context *ctx,
					 void *userdata)
{
	(void)userdata;
	if (ev->path && strstr(ev->path, "trigger.txt")) {
		ward_error err = {0};
		if (ward_sup_deny_path(ctx, in_dir("later.txt"), &err) == 0)
			callback_denials++;
	}
	return (struct ward_verdict){WARD_VERDICT_ALLOW, 0};
}

static void test_callback_denies_a_path_at_run_time(void **state)
{
	(void)state;
	const char *none[] = {NULL};
	struct ward_policy *policy = policy_denying(none);
	ward_policy_set_callback(policy, deny_later_cb, NULL);
	ward_policy_set_callback_categories(policy, WARD_SUP_FILE);
	callback_denials = 0;
	const char *before[] = {"open", in_dir("later.txt"), "open", in_dir("trigger.txt"),
				"open", in_dir("later.txt"), NULL};
	assert_int_equal(run_probe(policy, before), EACCES);
	assert_int_equal(callback_denials, 1);
	assert_true(events_contain("(callback)"));
	/* an O_PATH fd taken before the denial cannot be reopened after it */
	const char *kept[] = {"keep", in_dir("later.txt"),   "reopen", "-",
			      "open", in_dir("trigger.txt"), "reopen", "-",
			      NULL};
	callback_denials = 0;
	assert_int_equal(run_probe(policy, kept), EACCES);
	assert_int_equal(callback_denials, 1);
	ward_policy_free(policy);
}

static void test_symlink_swap_race_never_reads_the_denied_file(void **state)
{
	(void)state;
	struct ward_policy *policy = standard_policy();
	char race[PATH_MAX + 32];
	snprintf(race, sizeof(race), "%s/sup_fs_race", progs);
	const char *args[] = {dir, in_dir("allowed.txt"), in_dir("secret.txt"), "3000", NULL};
	int code = run_prog(policy, race, args);
	assert_int_equal(code, 0);
	ward_policy_free(policy);
}

static void test_runtime_denial_needs_file_traps(void **state)
{
	(void)state;
	assert_true(sup_can(SUP_CAP_FS_DENY));
}

static int setup_tree(void)
{
	strcpy(dir, "/tmp/ward-supfs-XXXXXX");
	strcpy(outside, "/tmp/ward-supfs-out-XXXXXX");
	if (!mkdtemp(dir) || !mkdtemp(outside))
		return -1;
	chmod(dir, 01777);
	chmod(outside, 0755);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/x.txt", outside);
	FILE *f = fopen(p, "w");
	if (!f)
		return -1;
	fputs("outside\n", f);
	fclose(f);
	chmod(p, 0644);
	return 0;
}

static int fill_tree(void **state)
{
	(void)state;
	write_file(in_dir("allowed.txt"), "public\n", 0666);
	write_file(in_dir("secret.txt"), "SECRET\n", 0644);
	write_file(in_dir("rootonly.txt"), "root\n", 0600);
	write_file(in_dir("trigger.txt"), "t\n", 0644);
	write_file(in_dir("later.txt"), "later\n", 0644);
	unlink(in_dir("hardlink"));
	unlink(in_dir("symlink"));
	unlink(in_dir("flip")); /* the race's, owned by whoever ran it last */
	unlink(in_dir("flip.tmp"));
	/* made before the rule: the same inode */
	assert_int_equal(link(in_dir("secret.txt"), in_dir("hardlink")), 0);
	assert_int_equal(symlink("secret.txt", in_dir("symlink")), 0);
	mkdir(in_dir("sub"), 0755);
	mkdir(in_dir("secretdir"), 0755);
	mkdir(in_dir("secretdir/deeper"), 0755);
	write_file(in_dir("secretdir/inner.txt"), "inner\n", 0644);
	write_file(in_dir("secretdir/deeper/file.txt"), "deep\n", 0644);
	return 0;
}

int main(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 1;
	exe[n] = '\0';
	char relative[PATH_MAX + 16];
	snprintf(relative, sizeof(relative), "%s/../progs", dirname(exe));
	if (!realpath(relative, progs))
		return 1;
	snprintf(probe, sizeof(probe), "%s/sup_fs_probe", progs);
	if (geteuid() != 0) {
		printf("SKIP: test_supervisor_fs needs root (pidfd_getfd, setpriv to 65534)\n");
		return 0;
	}
	if (landlock_abi_version(NULL, 0) < 1) {
		printf("SKIP: test_supervisor_fs needs Landlock\n");
		return 0;
	}
	if (setup_tree() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_denial_needs_file_traps),
		cmocka_unit_test_setup(test_allowed_files_still_open, fill_tree),
		cmocka_unit_test_setup(test_denied_file_is_eacces_every_way, fill_tree),
		cmocka_unit_test_setup(test_denied_file_cannot_be_changed, fill_tree),
		cmocka_unit_test_setup(test_directory_denial_covers_what_is_beneath, fill_tree),
		cmocka_unit_test_setup(test_create_where_granted_works_as_the_caller, fill_tree),
		cmocka_unit_test_setup(test_no_privilege_is_lent, fill_tree),
		cmocka_unit_test_setup(test_callback_denies_a_path_at_run_time, fill_tree),
		cmocka_unit_test_setup(test_symlink_swap_race_never_reads_the_denied_file,
				       fill_tree),
	};
	int failed = 0;
	as_nobody = false;
	printf("== child as root\n");
	failed += cmocka_run_group_tests_name("supervisor_fs_root", tests, NULL, NULL);
	as_nobody = true;
	printf("== child as uid 65534 (setpriv)\n");
	failed += cmocka_run_group_tests_name("supervisor_fs_nobody", tests, NULL, NULL);
	char cmd[PATH_MAX];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, outside);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", dir);
	return failed;
}
