/* test_seccomp_setid.c — no set-id file can be made under ward's seccomp
 * filter: each test forks a child that installs the filter, makes one call
 * with S_ISUID or S_ISGID in the mode in a fresh directory, and checks the
 * errno; each denial has a control (the same call without the bit) that must
 * succeed. Passes as root and as nobody.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/seccomp.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static char dir[64];

static int setup_dir(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ward-setid-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return chdir(dir);
}

static int teardown_dir(void **state)
{
	/* Only the entries this suite makes, in the directory it made. */
	static const char *const names[] = {"f", "g", "d", "n", "c", "w"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (unlink(names[i]) < 0 && errno == EISDIR)
			rmdir(names[i]);
	rmdir("d");
	if (chdir("/") < 0)
		return -1;
	return rmdir(dir);
}

/* Runs OP in a child under the default plan's filter; the errno it returned
 * (0: success). */
static int run_filtered(int (*op)(void))
{
	struct plan plan;
	memset(&plan, 0, sizeof(plan));
	plan.seccomp = true;
	struct seccomp_program program;
	ward_error err = {0};
	int r = seccomp_prepare(&plan, &program, &err);
	if (r < 0)
		print_error("seccomp_prepare: %s\n", err.message);
	assert_int_equal(r, 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_enforce(&program) < 0)
			_exit(250);
		_exit(op());
	}
	seccomp_program_release(&program);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int result(long r)
{
	return r < 0 ? errno : 0;
}

static int make_file(void)
{
	int fd = open("f", O_CREAT | O_WRONLY, 0644);
	return fd < 0 ? errno : close(fd);
}

static int op_chmod_setuid(void)
{
	int r = make_file();
	return r ? 200 : result(chmod("f", 04755));
}
static int op_chmod_plain(void)
{
	int r = make_file();
	return r ? 200 : result(chmod("f", 0755));
}
static int op_fchmod_setgid(void)
{
	int fd = open("f", O_CREAT | O_WRONLY, 0644);
	return fd < 0 ? 200 : result(fchmod(fd, 02755));
}
static int op_fchmodat_setuid(void)
{
	int r = make_file();
	return r ? 200 : result(fchmodat(AT_FDCWD, "f", 04700, 0));
}
static int op_fchmodat2_empty_path_setuid(void)
{
	int fd = open("f", O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return 200;
	return result(syscall(SYS_fchmodat2, fd, "", 04755, AT_EMPTY_PATH));
}
static int op_open_creat_setuid(void)
{
	return result(open("g", O_CREAT | O_WRONLY, 04755));
}
static int op_openat_creat_plain(void)
{
	return result(openat(AT_FDCWD, "g", O_CREAT | O_WRONLY, 0755));
}
static int op_openat_tmpfile_setgid(void)
{
	return result(openat(AT_FDCWD, ".", O_TMPFILE | O_WRONLY, 02755));
}
static int op_creat_setuid(void)
{
	return result(syscall(SYS_creat, "g", 04755));
}
static int op_mkdir_setgid(void)
{
	return result(mkdir("d", 02755));
}
static int op_mkdir_plain(void)
{
	return result(mkdir("d", 0755));
}
static int op_mknod_setuid(void)
{
	return result(mknod("n", S_IFREG | 04755, 0));
}
static int op_mknodat_plain(void)
{
	return result(mknodat(AT_FDCWD, "n", S_IFREG | 0644, 0));
}
/* Device nodes: refused (a 0666 disk node in a write grant is raw disk
 * access for everyone outside); the 0:0 whiteout is no device. */
static int op_mknod_block(void)
{
	return result(mknod("n", S_IFBLK | 0600, makedev(7, 0)));
}
static int op_mknodat_char(void)
{
	return result(mknodat(AT_FDCWD, "n", S_IFCHR | 0600, makedev(1, 3)));
}
/* The kernel reads dev as 32 bits (this is 0:0 to it); the filter sees a
 * nonzero register and refuses: never let through on a stray high bit. */
static int op_mknod_char_high_bits(void)
{
	return result(syscall(SYS_mknod, "n", S_IFCHR | 0600, 1ul << 32));
}
static int op_mknodat_whiteout(void)
{
	return result(mknodat(AT_FDCWD, "w", S_IFCHR | 0600, 0));
}
/* Without O_CREAT the mode is ignored by the kernel: not refused. */
static int op_open_existing_with_stray_mode(void)
{
	int r = make_file();
	return r ? 200 : result(syscall(SYS_open, "f", O_RDONLY, 04755));
}
static int op_openat2(void)
{
	struct {
		uint64_t flags, mode, resolve;
	} how = {.flags = O_RDONLY};
	return result(syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how)));
}

static void test_chmod_setuid_is_eperm_plain_chmod_works(void **state)
{
	assert_int_equal(run_filtered(op_chmod_setuid), EPERM);
	assert_int_equal(run_filtered(op_chmod_plain), 0);
}

static void test_fchmod_family_setid_is_eperm(void **state)
{
	assert_int_equal(run_filtered(op_fchmod_setgid), EPERM);
	assert_int_equal(run_filtered(op_fchmodat_setuid), EPERM);
	assert_int_equal(run_filtered(op_fchmodat2_empty_path_setuid), EPERM);
}

static void test_create_with_setid_mode_is_eperm_plain_create_works(void **state)
{
	assert_int_equal(run_filtered(op_open_creat_setuid), EPERM);
	assert_int_equal(run_filtered(op_creat_setuid), EPERM);
	assert_int_equal(run_filtered(op_openat_tmpfile_setgid), EPERM);
	assert_int_equal(run_filtered(op_openat_creat_plain), 0);
	struct stat st;
	assert_int_equal(stat("g", &st), 0);
	assert_int_equal(st.st_mode & (S_ISUID | S_ISGID), 0);
}

static void test_mkdir_mknod_setid_is_eperm(void **state)
{
	assert_int_equal(run_filtered(op_mkdir_setgid), EPERM);
	assert_int_equal(run_filtered(op_mkdir_plain), 0);
	assert_int_equal(run_filtered(op_mknod_setuid), EPERM);
	assert_int_equal(run_filtered(op_mknodat_plain), 0);
}

static void test_device_nodes_are_eperm_whiteout_works(void **state)
{
	assert_int_equal(run_filtered(op_mknod_block), EPERM);
	assert_int_equal(run_filtered(op_mknodat_char), EPERM);
	assert_int_equal(run_filtered(op_mknod_char_high_bits), EPERM);
	assert_int_equal(run_filtered(op_mknodat_whiteout), 0);
	struct stat st;
	assert_int_equal(stat("w", &st), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == 0);
}

static void test_open_without_creat_ignores_the_mode(void **state)
{
	assert_int_equal(run_filtered(op_open_existing_with_stray_mode), 0);
}

static void test_openat2_is_enosys(void **state)
{
	assert_int_equal(run_filtered(op_openat2), ENOSYS);
	/* Control: unfiltered, the kernel has openat2. */
	assert_int_equal(op_openat2(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chmod_setuid_is_eperm_plain_chmod_works,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_fchmod_family_setid_is_eperm, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(
			test_create_with_setid_mode_is_eperm_plain_create_works, setup_dir,
			teardown_dir),
		cmocka_unit_test_setup_teardown(test_mkdir_mknod_setid_is_eperm, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_device_nodes_are_eperm_whiteout_works,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_open_without_creat_ignores_the_mode, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_openat2_is_enosys, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
