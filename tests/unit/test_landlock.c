/* test_landlock.c — ward's Landlock layer against the real kernel: each test
 * builds a plan by hand, prepares the ruleset in the test process, enforces
 * it in a forked child, tries one operation there and checks the errno.
 * Denials are paired with the same operation outside the domain, so a pass
 * cannot come from plain file permissions. Passes as root and as nobody
 * (the scratch tree is a mkdtemp directory of mode 0755 made by the runner).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "landlock_child.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/landlock.h"

static int kernel_abi;
static char base[64];

/* ---- scratch tree ---- */

static char *path_in(const char *rel)
{
	static char paths[8][256];
	static unsigned next;
	char *path = paths[next++ % 8];
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
	snprintf(base, sizeof(base), "/tmp/ward-test-landlock-XXXXXX");
	if (!mkdtemp(base) || chmod(base, 0755) < 0)
		return -1;
	if (mkdir(path_in("ro"), 0755) < 0 || mkdir(path_in("rw"), 0755) < 0 ||
	    mkdir(path_in("outside"), 0755) < 0 || mkdir(path_in("bin"), 0755) < 0)
		return -1;
	if (write_file(path_in("ro/f"), "data", 0644) < 0 ||
	    write_file(path_in("outside/f"), "data", 0644) < 0 ||
	    write_file(path_in("outside/g"), "data", 0644) < 0 ||
	    copy_file("/usr/bin/true", path_in("bin/true"), 0755) < 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	if (base[0])
		nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void require_abi(int abi)
{
	if (kernel_abi < abi) {
		print_message("skip: needs Landlock ABI %d, this kernel has %d\n", abi, kernel_abi);
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

static void grant(struct plan *plan, const char *path, unsigned access, bool optional)
{
	struct plan_fs_grant entry = {.path = path, .access = access, .optional = optional};
	assert_int_equal(VEC_PUSH(&plan->fs_grants, entry), 0);
}

static void allow_ports(void *ranges_vec, uint16_t lo, uint16_t hi)
{
	VEC(struct port_range) *ranges = ranges_vec;
	struct port_range range = {.lo = lo, .hi = hi};
	assert_int_equal(VEC_PUSH(ranges, range), 0);
}

static void free_plan(struct plan *plan)
{
	VEC_FREE(&plan->fs_grants);
	VEC_FREE(&plan->tcp_connect_ports);
	VEC_FREE(&plan->tcp_bind_ports);
}


static int run_in(const struct plan *plan, op_fn op, const char *arg)
{
	int fd = prepare(plan);
	int r = run(fd, op, arg);
	close(fd);
	return r;
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
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int err = result_of(write(fd, "x", 1));
	close(fd);
	return err;
}

static int op_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return result_of(unlink(path));
}

static int op_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0)
		return errno;
	return result_of(rmdir(path));
}

static int op_unlink(const char *path)
{
	return result_of(unlink(path));
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

static int tcp_op(const char *port, bool do_bind, int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	struct sockaddr_storage addr;
	memset(&addr, 0, sizeof(addr));
	socklen_t len;
	uint16_t p = htons((uint16_t)atoi(port));
	if (family == AF_INET) {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&addr;
		in4->sin_family = AF_INET;
		in4->sin_port = p;
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = p;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	int err = do_bind ? result_of(bind(fd, (struct sockaddr *)&addr, len))
			  : result_of(connect(fd, (struct sockaddr *)&addr, len));
	close(fd);
	return err;
}

static int op_connect4(const char *port)
{
	return tcp_op(port, false, AF_INET);
}

static int op_connect6(const char *port)
{
	return tcp_op(port, false, AF_INET6);
}

static int op_bind4(const char *port)
{
	return tcp_op(port, true, AF_INET);
}

static int op_kill0(const char *pid)
{
	return result_of(kill((pid_t)atoi(pid), 0));
}

/* Signals a process of its own, inside the same domain. */
static int op_kill_own_child(const char *unused)
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		pause();
		_exit(0);
	}
	int err = result_of(kill(pid, SIGKILL));
	waitpid(pid, NULL, 0);
	return err;
}

static socklen_t abstract_address(const char *name, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	size_t len = strlen(name);
	memcpy(addr->sun_path + 1, name, len);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

static int op_connect_abstract(const char *name)
{
	struct sockaddr_un addr;
	socklen_t len = abstract_address(name, &addr);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int err = result_of(connect(fd, (struct sockaddr *)&addr, len));
	close(fd);
	return err;
}

/* A free TCP port on the loopback, LISTEN or not. Returns the socket (the
 * caller closes it to free the port again) and the port in PORT. */
static int tcp_port(bool listening, char port[8])
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, len), 0);
	if (listening)
		assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	snprintf(port, 8, "%u", ntohs(addr.sin_port));
	return fd;
}

/* ---- filesystem ---- */

static void test_abi_version_is_reported(void **state)
{
	char why[160] = "";
	require_abi(1);
	assert_int_equal(landlock_abi_version(why, sizeof(why)), kernel_abi);
	assert_true(kernel_abi >= 1);
}

static void test_read_inside_grant_works(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	grant(&plan, path_in("ro"), WARD_FS_READ, false);
	assert_int_equal(run_in(&plan, op_read, path_in("ro/f")), 0);
	free_plan(&plan);
}

static void test_read_outside_grant_is_eacces(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	grant(&plan, path_in("ro"), WARD_FS_READ, false);
	assert_int_equal(run(-1, op_read, path_in("outside/f")), 0);
	assert_int_equal(run_in(&plan, op_read, path_in("outside/f")), EACCES);
	free_plan(&plan);
}

static void test_write_to_read_only_grant_is_eacces(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	grant(&plan, path_in("ro"), WARD_FS_READ, false);
	assert_int_equal(run_in(&plan, op_write_existing, path_in("ro/f")), EACCES);
	assert_int_equal(run_in(&plan, op_create, path_in("ro/new")), EACCES);
	assert_int_equal(run_in(&plan, op_mkdir, path_in("ro/dir")), EACCES);
	assert_int_equal(run_in(&plan, op_unlink, path_in("ro/f")), EACCES);
	assert_int_equal(run(-1, op_create, path_in("ro/new")), 0);
	free_plan(&plan);
}

static void test_write_inside_write_grant_works(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	grant(&plan, path_in("rw"), WARD_FS_READ | WARD_FS_WRITE, false);
	assert_int_equal(run_in(&plan, op_create, path_in("rw/new")), 0);
	assert_int_equal(run_in(&plan, op_mkdir, path_in("rw/dir")), 0);
	free_plan(&plan);
}

static void test_exec_outside_exec_grants_is_eacces(void **state)
{
	require_abi(1);
	if (run(-1, op_exec, path_in("bin/true")) != 0) {
		print_message("skip: %s cannot run even without Landlock (noexec /tmp?)\n",
			      path_in("bin/true"));
		skip();
	}
	struct plan plan = landlock_plan();
	grant(&plan, "/", WARD_FS_READ, false);
	grant(&plan, "/usr", WARD_FS_READ | WARD_FS_EXEC, false);
	assert_int_equal(run_in(&plan, op_exec, "/usr/bin/true"), 0);
	assert_int_equal(run_in(&plan, op_exec, path_in("bin/true")), EACCES);
	free_plan(&plan);
}

static void test_single_file_grant_works(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	/* Directory-only rights (READ_DIR, MAKE_*, ...) must be left out or
	 * the kernel refuses the rule with EINVAL. */
	grant(&plan, path_in("outside/f"), WARD_FS_READ | WARD_FS_WRITE | WARD_FS_EXEC, false);
	assert_int_equal(run_in(&plan, op_read, path_in("outside/f")), 0);
	assert_int_equal(run_in(&plan, op_write_existing, path_in("outside/f")), 0);
	assert_int_equal(run_in(&plan, op_read, path_in("outside/g")), EACCES);
	free_plan(&plan);
}

static void test_optional_missing_grant_is_skipped(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	grant(&plan, path_in("missing"), WARD_FS_READ, true);
	grant(&plan, path_in("ro"), WARD_FS_READ, false);
	assert_int_equal(run_in(&plan, op_read, path_in("ro/f")), 0);
	free_plan(&plan);
}

static void test_missing_grant_is_an_error(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	grant(&plan, path_in("ro"), WARD_FS_READ, false);
	grant(&plan, path_in("missing"), WARD_FS_READ, false);
	int fd = 123;
	ward_error err = {0};
	assert_int_equal(landlock_prepare(&plan, &fd, &err), -ENOENT);
	assert_int_equal(fd, -1);
	assert_int_equal(err.code, -ENOENT);
	assert_non_null(strstr(err.message, path_in("missing")));
	free_plan(&plan);
}

static void test_every_abi_denies_reads_outside(void **state)
{
	require_abi(1);
	for (int abi = 1; abi <= kernel_abi; abi++) {
		struct plan plan = landlock_plan();
		plan.landlock_abi = abi;
		grant(&plan, path_in("ro"), WARD_FS_READ, false);
		grant(&plan, path_in("rw"), WARD_FS_READ | WARD_FS_WRITE, false);
		assert_int_equal(run_in(&plan, op_read, path_in("ro/f")), 0);
		assert_int_equal(run_in(&plan, op_create, path_in("rw/new")), 0);
		assert_int_equal(run_in(&plan, op_read, path_in("outside/f")), EACCES);
		free_plan(&plan);
	}
}

static void test_plan_without_landlock_is_refused(void **state)
{
	struct plan plan = landlock_plan();
	plan.landlock = false;
	int fd;
	assert_int_equal(landlock_prepare(&plan, &fd, NULL), -EINVAL);
	assert_int_equal(fd, -1);
	assert_int_equal(landlock_enforce(-1), -EBADF);
}

/* ---- TCP ports (ABI 4) ---- */

static void test_connect_to_unlisted_port_is_eacces(void **state)
{
	require_abi(4);
	char open_port[8], closed_port[8];
	int listener = tcp_port(true, open_port);
	close(tcp_port(false, closed_port));

	struct plan plan = landlock_plan();
	grant(&plan, "/", WARD_FS_READ, false);
	plan.landlock_net = true;
	allow_ports(&plan.tcp_connect_ports, (uint16_t)atoi(open_port), (uint16_t)atoi(open_port));
	assert_int_equal(run(-1, op_connect4, closed_port), ECONNREFUSED);
	assert_int_equal(run_in(&plan, op_connect4, open_port), 0);
	assert_int_equal(run_in(&plan, op_connect4, closed_port), EACCES);
	assert_int_equal(run_in(&plan, op_connect6, closed_port), EACCES);

	/* Once listed, the closed port is reached: the kernel refuses it. */
	allow_ports(&plan.tcp_connect_ports, (uint16_t)atoi(closed_port),
		    (uint16_t)atoi(closed_port));
	assert_int_equal(run_in(&plan, op_connect4, closed_port), ECONNREFUSED);
	close(listener);
	free_plan(&plan);
}

static void test_bind_only_to_listed_ports(void **state)
{
	require_abi(4);
	/* Both held while the other is picked, so they differ. */
	char listed[8], unlisted[8];
	int hold_listed = tcp_port(false, listed);
	close(tcp_port(false, unlisted));
	close(hold_listed);

	struct plan plan = landlock_plan();
	plan.landlock_net = true;
	allow_ports(&plan.tcp_bind_ports, (uint16_t)atoi(listed), (uint16_t)atoi(listed));
	assert_int_equal(run(-1, op_bind4, unlisted), 0);
	assert_int_equal(run_in(&plan, op_bind4, listed), 0);
	assert_int_equal(run_in(&plan, op_bind4, unlisted), EACCES);
	/* No connect ports: every connect is refused. */
	assert_int_equal(run_in(&plan, op_connect4, listed), EACCES);
	free_plan(&plan);
}

static void test_all_ports_listed_leaves_connect_open(void **state)
{
	require_abi(4);
	char closed_port[8], listed[8], unlisted[8];
	int hold_closed = tcp_port(false, closed_port);
	int hold_listed = tcp_port(false, listed);
	close(tcp_port(false, unlisted));
	close(hold_listed);
	close(hold_closed);

	struct plan plan = landlock_plan();
	plan.landlock_net = true;
	allow_ports(&plan.tcp_connect_ports, 1, 30000);
	allow_ports(&plan.tcp_connect_ports, 20000, 65535);
	allow_ports(&plan.tcp_bind_ports, (uint16_t)atoi(listed), (uint16_t)atoi(listed));
	assert_int_equal(run_in(&plan, op_connect4, closed_port), ECONNREFUSED);
	assert_int_equal(run_in(&plan, op_bind4, unlisted), EACCES);
	free_plan(&plan);
}

static void test_port_rules_need_abi_4(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	plan.landlock_abi = 3;
	plan.landlock_net = true;
	int fd;
	ward_error err = {0};
	assert_int_equal(landlock_prepare(&plan, &fd, &err), -EOPNOTSUPP);
	assert_int_equal(fd, -1);
	free_plan(&plan);
}

/* ---- scopes (ABI 6) ---- */

static void test_signal_outside_domain_is_eperm(void **state)
{
	require_abi(6);
	pid_t outsider = fork();
	assert_true(outsider >= 0);
	if (outsider == 0) {
		pause();
		_exit(0);
	}
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)outsider);

	struct plan plan = landlock_plan();
	grant(&plan, "/", WARD_FS_READ, false);
	assert_int_equal(run_in(&plan, op_kill0, pid), 0);
	plan.landlock_scope = true;
	assert_int_equal(run_in(&plan, op_kill0, pid), EPERM);
	assert_int_equal(run_in(&plan, op_kill_own_child, NULL), 0);

	kill(outsider, SIGKILL);
	waitpid(outsider, NULL, 0);
	free_plan(&plan);
}

static void test_abstract_socket_outside_domain_is_eperm(void **state)
{
	require_abi(6);
	char name[64];
	snprintf(name, sizeof(name), "ward-test-landlock-%d", (int)getpid());
	struct sockaddr_un addr;
	socklen_t len = abstract_address(name, &addr);
	int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(listener >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&addr, len), 0);
	assert_int_equal(listen(listener, 8), 0);

	struct plan plan = landlock_plan();
	assert_int_equal(run_in(&plan, op_connect_abstract, name), 0);
	plan.landlock_scope = true;
	assert_int_equal(run_in(&plan, op_connect_abstract, name), EPERM);
	close(listener);
	free_plan(&plan);
}

static void test_scopes_need_abi_6(void **state)
{
	require_abi(1);
	struct plan plan = landlock_plan();
	plan.landlock_abi = 5;
	plan.landlock_scope = true;
	int fd;
	assert_int_equal(landlock_prepare(&plan, &fd, NULL), -EOPNOTSUPP);
	free_plan(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_version_is_reported),
		cmocka_unit_test(test_read_inside_grant_works),
		cmocka_unit_test(test_read_outside_grant_is_eacces),
		cmocka_unit_test(test_write_to_read_only_grant_is_eacces),
		cmocka_unit_test(test_write_inside_write_grant_works),
		cmocka_unit_test(test_exec_outside_exec_grants_is_eacces),
		cmocka_unit_test(test_single_file_grant_works),
		cmocka_unit_test(test_optional_missing_grant_is_skipped),
		cmocka_unit_test(test_missing_grant_is_an_error),
		cmocka_unit_test(test_every_abi_denies_reads_outside),
		cmocka_unit_test(test_plan_without_landlock_is_refused),
		cmocka_unit_test(test_connect_to_unlisted_port_is_eacces),
		cmocka_unit_test(test_bind_only_to_listed_ports),
		cmocka_unit_test(test_all_ports_listed_leaves_connect_open),
		cmocka_unit_test(test_port_rules_need_abi_4),
		cmocka_unit_test(test_signal_outside_domain_is_eperm),
		cmocka_unit_test(test_abstract_socket_outside_domain_is_eperm),
		cmocka_unit_test(test_scopes_need_abi_6),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
