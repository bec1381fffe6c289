/* test_landlock_holes.c — denials inside grants punched into the Landlock
 * ruleset, against the real kernel: hand-built plans, the ruleset prepared
 * here, enforced in a forked child that tries one operation and reports its
 * errno. Every denial is paired with the same operation outside the domain
 * (it succeeds there), and every hole with a sibling that still works, so a
 * pass can come neither from file permissions nor from a grant lost whole.
 * Passes as root and as nobody (a mkdtemp scratch tree of mode 0755).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "landlock_child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/landlock.h"
#include "layers/landlock_abi.h"
#include "host/layer_support.h"
#include "plan/plan.h"

static int kernel_abi;
static char base[64];

/* ---- scratch tree ----
 *   tree/a/secret        the usual hole (D)
 *   tree/a/public        its sibling
 *   tree/a/sub/deep      a file deeper in a sibling directory
 *   tree/a/tool          an executable sibling, tree/a/denied-tool the exec hole
 *   tree/a/private/f     a directory hole and a file in it
 *   tree/a/alias         a symlink to secret (a denial written through it)
 *   tree/a/secret-link   a hard link to secret beside it
 *   tree/a/sub/far-link  a hard link to secret in a sibling directory
 *   tree/top             a file directly in the grant root
 *   rw/                  a writable directory outside the grant
 *   binlink -> tree/a    a grant through a symlink, like /bin -> usr/bin
 */
static char *path_in(const char *rel)
{
	static char paths[16][256];
	static unsigned next;
	char *path = paths[next++ % 16];
	snprintf(path, sizeof(paths[0]), "%s/%s", base, rel);
	return path;
}

static int group_setup(void **state)
{
	char why[160] = "";
	kernel_abi = landlock_abi_version(why, sizeof(why));
	if (kernel_abi < 1) {
		print_message("skip: no Landlock on this host: %s\n", why);
		return 0;
	}
	snprintf(base, sizeof(base), "/tmp/ward-test-holes-XXXXXX");
	if (!mkdtemp(base) || chmod(base, 0755) < 0)
		return -1;
	const char *dirs[] = {"tree", "tree/a", "tree/a/sub", "tree/a/private", "rw"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(path_in(dirs[i]), 0755) < 0)
			return -1;
	if (chmod(path_in("rw"), 0777) < 0 || write_file(path_in("tree/a/secret"), "s", 0666) ||
	    write_file(path_in("tree/a/public"), "p", 0666) ||
	    write_file(path_in("tree/a/sub/deep"), "d", 0666) ||
	    write_file(path_in("tree/a/private/f"), "f", 0666) ||
	    write_file(path_in("tree/top"), "t", 0666) ||
	    copy_file("/usr/bin/true", path_in("tree/a/tool"), 0755) ||
	    copy_file("/usr/bin/true", path_in("tree/a/denied-tool"), 0755) ||
	    symlink("secret", path_in("tree/a/alias")) < 0 ||
	    link(path_in("tree/a/secret"), path_in("tree/a/secret-link")) < 0 ||
	    link(path_in("tree/a/secret"), path_in("tree/a/sub/far-link")) < 0 ||
	    symlink("tree/a", path_in("binlink")) < 0)
		return -1;
	/* The sandbox writes in the punched directories: as nobody too. */
	if (chmod(path_in("tree/a"), 0777) < 0 || chmod(path_in("tree/a/sub"), 0777) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	if (base[0])
		nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void require_landlock(void)
{
	if (kernel_abi < 1) {
		print_message("skip: no Landlock on this host\n");
		skip();
	}
}

/* ---- plans ---- */

static struct plan landlock_plan(void)
{
	struct plan plan;
	memset(&plan, 0, sizeof(plan));
	plan.landlock = true;
	plan.landlock_abi = kernel_abi;
	return plan;
}

static void grant(struct plan *plan, const char *path, unsigned access)
{
	struct plan_fs_grant entry = {.path = path, .access = access};
	assert_int_equal(VEC_PUSH(&plan->fs_grants, entry), 0);
}

/* What a dynamically linked program needs to start (tree/a/tool is a copy
 * of /usr/bin/true). */
static void grant_loader(struct plan *plan)
{
	struct plan_fs_grant entries[] = {
		{.path = "/usr", .access = WARD_FS_READ | WARD_FS_EXEC},
		{.path = "/lib", .access = WARD_FS_READ | WARD_FS_EXEC, .optional = true},
		{.path = "/lib64", .access = WARD_FS_READ | WARD_FS_EXEC, .optional = true},
	};
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		assert_int_equal(VEC_PUSH(&plan->fs_grants, entries[i]), 0);
}

static void hole(struct plan *plan, const char *path, unsigned access)
{
	struct plan_fs_hole entry = {.path = path, .access = access};
	assert_int_equal(VEC_PUSH(&plan->fs_holes, entry), 0);
}

static void free_plan(struct plan *plan)
{
	VEC_FREE(&plan->fs_grants);
	VEC_FREE(&plan->fs_holes);
}

static int result_of(long r)
{
	return r < 0 ? errno : 0;
}

static int op_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	char byte;
	int err = result_of(read(fd, &byte, 1));
	close(fd);
	return err;
}

static int op_write_existing(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int err = result_of(write(fd, "", 0));
	close(fd);
	return err;
}

/* Creates PATH and removes it again. */
static int op_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return result_of(unlink(path));
}

static int op_list(const char *path)
{
	DIR *dir = opendir(path);
	if (!dir)
		return errno;
	errno = 0;
	while (readdir(dir))
		;
	int err = errno;
	closedir(dir);
	return err;
}

/* execve's errno, or the exit status of the program when it ran. */
static int op_exec(const char *path)
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		char *argv[] = {(char *)path, NULL};
		execv(path, argv);
		_exit(errno);
	}
	return wait_child(pid);
}

static int op_unlink(const char *path)
{
	return result_of(unlink(path));
}

/* Renames PATH to PATH.moved (and back). */
static int op_rename_away(const char *path)
{
	char moved[300];
	snprintf(moved, sizeof(moved), "%s.moved", path);
	if (rename(path, moved) < 0)
		return errno;
	return result_of(rename(moved, path));
}

/* Replaces D (the global target) by PATH: rename(PATH, D). */
static const char *replace_target;
static int op_replace(const char *path)
{
	return result_of(rename(path, replace_target));
}

/* Moves PATH into the writable directory rw/ (a link, then a rename). */
static int op_link_out(const char *path)
{
	return result_of(link(path, path_in("rw/linked")));
}

/* A symlink to PATH made in the writable rw/, read through. */
static int op_read_via_new_symlink(const char *path)
{
	char *link_path = path_in("rw/link-to-target");
	unlink(link_path);
	if (symlink(path, link_path) < 0)
		return 200;
	return op_read(link_path);
}

/* An O_PATH fd (Landlock does not check those), reopened for reading
 * through /proc/self/fd. */
static int op_reopen_opath(const char *path)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	int err = op_read(proc);
	close(fd);
	return err;
}

/* ---- file holes in read and exec grants ---- */

static void test_read_of_denied_file_is_eacces(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant_loader(&plan);
	grant(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_EXEC);
	hole(&plan, path_in("tree/a/secret"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);

	assert_int_equal(run(-1, op_read, path_in("tree/a/secret")), 0);
	assert_int_equal(run(fd, op_read, path_in("tree/a/secret")), EACCES);
	/* Everything else of the grant stays: siblings, the grant root's
	 * files, deeper files, executables, and listing on the way. */
	assert_int_equal(run(fd, op_read, path_in("tree/a/public")), 0);
	assert_int_equal(run(fd, op_read, path_in("tree/top")), 0);
	assert_int_equal(run(fd, op_read, path_in("tree/a/sub/deep")), 0);
	assert_int_equal(run(fd, op_exec, path_in("tree/a/tool")), 0);
	assert_int_equal(run(fd, op_list, path_in("tree/a")), 0);
	assert_int_equal(run(fd, op_list, path_in("tree")), 0);
	close(fd);
	free_plan(&plan);
}

static void test_denied_file_cannot_be_reached_another_way(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_EXEC);
	grant(&plan, path_in("rw"), WARD_FS_READ | WARD_FS_WRITE);
	grant(&plan, "/proc", WARD_FS_READ);
	hole(&plan, path_in("tree/a/secret"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);

	assert_int_equal(run(fd, op_read_via_new_symlink, path_in("tree/a/public")), 0);
	assert_int_equal(run(fd, op_read_via_new_symlink, path_in("tree/a/secret")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/alias")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/sub/../secret")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("binlink/secret")), EACCES);
	/* A rule on a hard link beside it would be a rule on its inode. */
	assert_int_equal(run(fd, op_read, path_in("tree/a/secret-link")), EACCES);
	assert_int_equal(run(fd, op_reopen_opath, path_in("tree/a/public")), 0);
	assert_int_equal(run(-1, op_reopen_opath, path_in("tree/a/secret")), 0);
	assert_int_equal(run(fd, op_reopen_opath, path_in("tree/a/secret")), EACCES);
	close(fd);
	free_plan(&plan);
}

static void test_exec_of_denied_file_is_eacces(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant_loader(&plan);
	grant(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_EXEC);
	hole(&plan, path_in("tree/a/denied-tool"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(run(-1, op_exec, path_in("tree/a/denied-tool")), 0);
	assert_int_equal(run(fd, op_exec, path_in("tree/a/denied-tool")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/denied-tool")), EACCES);
	assert_int_equal(run(fd, op_exec, path_in("tree/a/tool")), 0);
	close(fd);
	free_plan(&plan);
}

static void test_exec_hole_keeps_the_file_readable(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant_loader(&plan);
	grant(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_EXEC);
	hole(&plan, path_in("tree/a/denied-tool"), WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(run(fd, op_exec, path_in("tree/a/denied-tool")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/denied-tool")), 0);
	assert_int_equal(run(fd, op_exec, path_in("tree/a/tool")), 0);
	/* Reading needs no hole: the directories on the way keep it. */
	assert_int_equal(run(fd, op_read, path_in("tree/top")), 0);
	close(fd);
	free_plan(&plan);
}

/* /bin -> usr/bin: a grant through a symlink lands on the same inodes and
 * must be punched too, or it would grant the hole back. */
static void test_grant_through_a_symlink_is_punched_too(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_EXEC);
	grant(&plan, path_in("binlink"), WARD_FS_READ | WARD_FS_EXEC | WARD_FS_WRITE);
	hole(&plan, path_in("tree/a/secret"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(run(fd, op_read, path_in("tree/a/secret")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("binlink/secret")), EACCES);
	assert_int_equal(run(fd, op_write_existing, path_in("binlink/secret")), EACCES);
	assert_int_equal(run(fd, op_write_existing, path_in("binlink/public")), 0);
	close(fd);
	free_plan(&plan);
}

/* A denial written through a symlink denies the file it names. */
static void test_denial_through_a_symlink_denies_its_target(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree"), WARD_FS_READ);
	hole(&plan, path_in("binlink/alias"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(run(fd, op_read, path_in("tree/a/secret")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/public")), 0);
	close(fd);
	free_plan(&plan);
}

/* The documented limit (docs/policy.md): a hard link made before the run
 * in another granted directory is another path to the same inode, and that
 * path's directories are granted whole. BPF LSM, by inode, closes it. */
static void test_hard_link_elsewhere_still_reaches_d(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree"), WARD_FS_READ);
	hole(&plan, path_in("tree/a/secret"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(run(fd, op_read, path_in("tree/a/secret")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/sub/far-link")), 0);
	close(fd);
	free_plan(&plan);
}

/* ---- holes in write grants ---- */

static void test_denied_file_cannot_be_written_moved_or_replaced(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_WRITE);
	grant(&plan, path_in("rw"), WARD_FS_READ | WARD_FS_WRITE);
	hole(&plan, path_in("tree/a/secret"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);

	assert_int_equal(run(-1, op_write_existing, path_in("tree/a/secret")), 0);
	assert_int_equal(run(fd, op_write_existing, path_in("tree/a/secret")), EACCES);
	assert_int_equal(run(fd, op_unlink, path_in("tree/a/secret")), EACCES);
	assert_int_equal(run(fd, op_rename_away, path_in("tree/a/secret")), EACCES);
	/* Landlock answers a denied reparenting with EXDEV (so that mv falls
	 * back to a copy, which the read denial stops). */
	assert_int_equal(run(fd, op_link_out, path_in("tree/a/secret")), EXDEV);
	assert_int_equal(access(path_in("rw/linked"), F_OK), -1);
	replace_target = path_in("tree/a/secret");
	assert_int_equal(run(fd, op_replace, path_in("tree/a/public")), EACCES);
	/* The directory on the way cannot be moved away from its rules. */
	assert_int_equal(run(fd, op_rename_away, path_in("tree/a")), EACCES);
	assert_int_equal(access(path_in("tree/a/secret"), F_OK), 0);
	assert_int_equal(access(path_in("tree/a/public"), F_OK), 0);

	/* Siblings keep the whole write grant, deeper too. */
	assert_int_equal(run(fd, op_write_existing, path_in("tree/a/public")), 0);
	assert_int_equal(run(fd, op_create, path_in("tree/a/sub/new")), 0);
	/* Documented: entries cannot be created directly in a punched
	 * directory (the grant is a snapshot of its entries there). */
	assert_int_equal(run(-1, op_create, path_in("tree/a/new")), 0);
	assert_int_equal(run(fd, op_create, path_in("tree/a/new")), EACCES);
	close(fd);
	free_plan(&plan);
}

/* Why no rule on the way to D may carry a right that changes entries: the
 * kernel applies a directory's rights to everything beneath it, so
 * REMOVE_FILE on the grant root reaches D two levels down. */
static void test_kernel_remove_right_on_an_ancestor_reaches_d(void **state)
{
	require_landlock();
	assert_int_equal(write_file(path_in("tree/a/sub/victim"), "v", 0666), 0);
	struct ward_landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_REMOVE_FILE,
	};
	int fd = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	assert_true(fd >= 0);
	int root = open(path_in("tree"), O_PATH | O_CLOEXEC);
	struct ward_landlock_path_beneath_attr rule = {
		.allowed_access = LANDLOCK_ACCESS_FS_REMOVE_FILE,
		.parent_fd = root,
	};
	assert_int_equal(
		syscall(__NR_landlock_add_rule, fd, WARD_LANDLOCK_RULE_PATH_BENEATH, &rule, 0), 0);
	close(root);
	assert_int_equal(run(fd, op_unlink, path_in("tree/a/sub/victim")), 0);
	close(fd);
}

/* ---- directory holes, several holes, missing holes ---- */

static void test_denied_directory_cannot_be_listed_or_read(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree"), WARD_FS_READ);
	hole(&plan, path_in("tree/a/private"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(run(-1, op_list, path_in("tree/a/private")), 0);
	assert_int_equal(run(fd, op_list, path_in("tree/a/private")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/private/f")), EACCES);
	/* Listing is a right beneath: the parents lose it with a directory
	 * hole, or it would reach the hole. Files and subdirectories keep it. */
	assert_int_equal(run(fd, op_list, path_in("tree/a")), EACCES);
	assert_int_equal(run(fd, op_list, path_in("tree/a/sub")), 0);
	assert_int_equal(run(fd, op_read, path_in("tree/a/public")), 0);
	close(fd);
	free_plan(&plan);
}

static void test_several_holes_share_one_walk(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_EXEC);
	hole(&plan, path_in("tree/a/secret"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	hole(&plan, path_in("tree/a/sub/deep"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	hole(&plan, path_in("tree/top"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(run(fd, op_read, path_in("tree/a/secret")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/sub/deep")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/top")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/public")), 0);
	assert_int_equal(run(fd, op_read, path_in("tree/a/private/f")), 0);
	close(fd);
	free_plan(&plan);
}

static void test_missing_hole_stays_denied_once_created(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_WRITE);
	hole(&plan, path_in("tree/a/later"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(write_file(path_in("tree/a/later"), "l", 0666), 0);
	assert_int_equal(run(-1, op_read, path_in("tree/a/later")), 0);
	assert_int_equal(run(fd, op_read, path_in("tree/a/later")), EACCES);
	assert_int_equal(run(fd, op_read, path_in("tree/a/public")), 0);
	assert_int_equal(unlink(path_in("tree/a/later")), 0);
	close(fd);
	free_plan(&plan);
}

/* A denial of the grant itself, or above it: deny wins, the grant goes. */
static void test_denial_containing_the_grant_drops_it(void **state)
{
	require_landlock();
	struct plan plan = landlock_plan();
	grant(&plan, path_in("tree/a"), WARD_FS_READ);
	grant(&plan, path_in("rw"), WARD_FS_READ | WARD_FS_WRITE);
	hole(&plan, path_in("tree"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = prepare(&plan);
	assert_int_equal(run(fd, op_read, path_in("tree/a/public")), EACCES);
	assert_int_equal(run(fd, op_create, path_in("rw/x")), 0);
	close(fd);
	free_plan(&plan);
}

/* Past LANDLOCK_MAX_FS_RULES siblings the run is refused, never opened. */
static void test_too_many_rules_is_refused(void **state)
{
	require_landlock();
	char *big = path_in("big");
	assert_int_equal(mkdir(big, 0755), 0);
	char name[300];
	for (int i = 0; i <= 20000; i++) {
		snprintf(name, sizeof(name), "%s/%d", big, i);
		int f = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		assert_true(f >= 0);
		close(f);
	}
	struct plan plan = landlock_plan();
	grant(&plan, big, WARD_FS_READ);
	snprintf(name, sizeof(name), "%s/0", big);
	hole(&plan, name, WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = -1;
	ward_error err = {0};
	assert_int_equal(landlock_prepare(&plan, &fd, &err), -E2BIG);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err.message, "more than 20000 path rules"));
	free_plan(&plan);
	nftw(big, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A directory ward cannot list cannot be punched: refused, not granted. */
static void test_unlistable_directory_is_an_error(void **state)
{
	require_landlock();
	if (geteuid() == 0) {
		print_message("skip: root lists any directory\n");
		skip();
	}
	char *closed = path_in("closed");
	assert_int_equal(mkdir(closed, 0311), 0);
	struct plan plan = landlock_plan();
	grant(&plan, base, WARD_FS_READ);
	hole(&plan, path_in("closed/x"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	int fd = -1;
	ward_error err = {0};
	assert_int_equal(landlock_prepare(&plan, &fd, &err), -EACCES);
	assert_non_null(strstr(err.message, "cannot list"));
	free_plan(&plan);
	rmdir(closed);
}

/* ---- the planner puts denials inside grants on Landlock ---- */

static void test_plan_punches_a_denial_inside_a_grant(void **state)
{
	struct host_features host;
	memset(&host, 0, sizeof(host));
	host.landlock_abi = 7;
	host.seccomp_filter = true;
	host.seccomp_user_notif = true;
	layer_support_fill(&host); /* what the layers answer for this host */
	ward_error err = {0};
	ward_policy *policy = ward_policy_new();
	assert_non_null(policy);
	assert_int_equal(ward_policy_fs_allow(policy, "/usr", WARD_FS_READ | WARD_FS_EXEC, &err),
			 0);
	assert_int_equal(ward_policy_fs_deny(policy, "/usr/bin", &err), 0);
	assert_int_equal(ward_policy_exec_deny(policy, "/usr/bin/env", &err), 0);

	/* No mount namespace here: the denial's metadata has no layer, which
	 * refuses the run unless that is allowed to degrade. */
	struct plan plan;
	assert_int_equal(plan_build(policy, &host, &plan, &err), -EPERM);
	assert_non_null(strstr(err.message, "/usr/bin: metadata"));
	plan_free(&plan);
	assert_int_equal(ward_policy_allow_degraded(policy, "namespaces", &err), 0);
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	assert_int_equal(plan.fs_holes.len, 2);
	assert_string_equal(plan.fs_holes.items[0].path, "/usr/bin");
	assert_int_equal(plan.fs_holes.items[0].access,
			 WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC);
	/* an exec deny withholds read too: ld.so FILE and mmap only read */
	assert_int_equal(plan.fs_holes.items[1].access, WARD_FS_EXEC | WARD_FS_READ);
	bool fs_entry = false, exec_entry = false;
	VEC_FOREACH(&plan.entries, e)
	{
		if (!strcmp(e->rule, "fs deny /usr/bin"))
			fs_entry = e->layer == LAYER_LANDLOCK && strstr(e->note, "hole");
		if (!strcmp(e->rule, "exec deny /usr/bin/env"))
			exec_entry = e->layer == LAYER_LANDLOCK && strstr(e->note, "hole");
	}
	assert_true(fs_entry);
	assert_true(exec_entry);
	assert_false(plan.sup_fs_deny); /* the supervisor may hold the unix rule, not these */
	plan_free(&plan);

	ward_policy_free(policy);

	/* Audit mode: Landlock cannot observe, the supervisor can (outside
	 * exec grants). */
	policy = ward_policy_new();
	assert_non_null(policy);
	assert_int_equal(ward_policy_fs_allow(policy, "/usr", WARD_FS_READ, &err), 0);
	assert_int_equal(ward_policy_fs_deny(policy, "/usr/bin", &err), 0);
	ward_policy_set_mode(policy, WARD_MODE_AUDIT);
	assert_int_equal(plan_build(policy, &host, &plan, &err), 0);
	bool supervised = false;
	VEC_FOREACH(&plan.entries, e)
	{
		if (!strcmp(e->rule, "fs deny /usr/bin"))
			supervised = e->layer == LAYER_SUPERVISOR && e->status == PLAN_AUDITED;
	}
	assert_true(supervised);
	plan_free(&plan);
	ward_policy_free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_of_denied_file_is_eacces),
		cmocka_unit_test(test_denied_file_cannot_be_reached_another_way),
		cmocka_unit_test(test_exec_of_denied_file_is_eacces),
		cmocka_unit_test(test_exec_hole_keeps_the_file_readable),
		cmocka_unit_test(test_grant_through_a_symlink_is_punched_too),
		cmocka_unit_test(test_denial_through_a_symlink_denies_its_target),
		cmocka_unit_test(test_hard_link_elsewhere_still_reaches_d),
		cmocka_unit_test(test_denied_file_cannot_be_written_moved_or_replaced),
		cmocka_unit_test(test_kernel_remove_right_on_an_ancestor_reaches_d),
		cmocka_unit_test(test_denied_directory_cannot_be_listed_or_read),
		cmocka_unit_test(test_several_holes_share_one_walk),
		cmocka_unit_test(test_missing_hole_stays_denied_once_created),
		cmocka_unit_test(test_denial_containing_the_grant_drops_it),
		cmocka_unit_test(test_too_many_rules_is_refused),
		cmocka_unit_test(test_unlistable_directory_is_an_error),
		cmocka_unit_test(test_plan_punches_a_denial_inside_a_grant),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
