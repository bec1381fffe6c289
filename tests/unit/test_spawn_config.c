/* test_spawn_config.c — ward_sandbox_spawn_config() against the real kernel:
 * the versioned struct (sizes older and newer than the library's), the
 * program's stdio descriptors, close_fds and the cancel descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ward.h"

static ward_policy *default_policy(void)
{
	ward_error err;
	ward_policy *p = ward_policy_new();
	assert_non_null(p);
	assert_int_equal(ward_policy_use_profile(p, "default", &err), 0);
	return p;
}

/* Spawns ARGV with CONFIG, waits, returns ward's exit code (or the error). */
static int run_config(char *const argv[], const struct ward_spawn_config *config, ward_error *err)
{
	ward_policy *p = default_policy();
	ward_sandbox *sb = NULL;
	int r = ward_sandbox_spawn_config(p, argv, config, &sb, err);
	if (r == 0) {
		struct ward_exit x;
		r = ward_sandbox_wait(sb, &x, err);
		if (r == 0)
			r = x.code;
		ward_sandbox_free(sb);
	}
	ward_policy_free(p);
	return r;
}

static size_t read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

static void test_size_too_small_is_einval(void **state)
{
	(void)state;
	struct ward_spawn_config c;
	ward_spawn_config_init(&c);
	c.size = 2;
	ward_error err;
	char *argv[] = {"/bin/true", NULL};
	assert_int_equal(run_config(argv, &c, &err), -EINVAL);
	assert_non_null(strstr(err.message, "sizeof"));
}

static void test_a_newer_callers_unknown_fields_must_be_zero(void **state)
{
	(void)state;
	struct {
		struct ward_spawn_config c;
		int future_field;
	} newer;
	memset(&newer, 0, sizeof(newer));
	ward_spawn_config_init(&newer.c);
	newer.c.size = sizeof(newer);
	ward_error err;
	char *argv[] = {"/bin/true", NULL};
	assert_int_equal(run_config(argv, &newer.c, &err), 0);
	newer.future_field = 1;
	assert_int_equal(run_config(argv, &newer.c, &err), -E2BIG);
	assert_non_null(strstr(err.message, "does not know"));
}

static void test_an_older_caller_gets_the_defaults(void **state)
{
	(void)state;
	/* A caller built when the struct ended at forward_signals: the
	 * descriptors it never saw must read as -1 (inherit), not 0. */
	struct ward_spawn_config c;
	memset(&c, 0, sizeof(c));
	c.size = offsetof(struct ward_spawn_config, stdin_fd);
	ward_error err;
	char *argv[] = {"/bin/sh", "-c", "exit 7", NULL};
	assert_int_equal(run_config(argv, &c, &err), 7);
}

static void test_stdout_and_stderr_to_one_pipe(void **state)
{
	(void)state;
	int pipefd[2];
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	struct ward_spawn_config c;
	ward_spawn_config_init(&c);
	c.stdout_fd = pipefd[1];
	c.stderr_fd = pipefd[1];
	ward_error err;
	char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2", NULL};
	assert_int_equal(run_config(argv, &c, &err), 0);
	close(pipefd[1]);
	char buf[64];
	read_all(pipefd[0], buf, sizeof(buf));
	close(pipefd[0]);
	assert_string_equal(buf, "out\nerr\n");
}

static void test_stdin_from_a_pipe(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(write(in[1], "ping\n", 5), 5);
	close(in[1]);
	struct ward_spawn_config c;
	ward_spawn_config_init(&c);
	c.stdin_fd = in[0];
	c.stdout_fd = out[1];
	ward_error err;
	char *argv[] = {"/bin/cat", NULL};
	assert_int_equal(run_config(argv, &c, &err), 0);
	close(in[0]);
	close(out[1]);
	char buf[64];
	read_all(out[0], buf, sizeof(buf));
	close(out[0]);
	assert_string_equal(buf, "ping\n");
}

/* Only the descriptors passed on purpose reach the program (issue 8): an
 * inheritable one a careless caller left open is closed, close_fds or not,
 * and pass_fds keeps it. */
static void test_only_passed_descriptors_reach_the_program(void **state)
{
	(void)state;
	int leak[2];
	assert_int_equal(pipe(leak), 0); /* no O_CLOEXEC: a careless caller */
	char script[64];
	snprintf(script, sizeof(script), "test -e /proc/self/fd/%d", leak[1]);
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct ward_spawn_config c;
	ward_spawn_config_init(&c);
	ward_error err;
	assert_int_equal(run_config(argv, &c, &err), 1);
	c.close_fds = 1;
	assert_int_equal(run_config(argv, &c, &err), 1);
	int pass[] = {leak[1]};
	c.close_fds = 0;
	c.pass_fds = pass;
	c.n_pass_fds = 1;
	assert_int_equal(run_config(argv, &c, &err), 0); /* control: passed on purpose */
	close(leak[0]);
	close(leak[1]);
}

static void test_cancel_fd_kills_the_sandbox(void **state)
{
	(void)state;
	int cancel[2];
	assert_int_equal(pipe2(cancel, O_CLOEXEC), 0);
	struct ward_spawn_config c;
	ward_spawn_config_init(&c);
	c.cancel_fd = cancel[0];
	ward_policy *p = default_policy();
	ward_sandbox *sb = NULL;
	ward_error err;
	char *argv[] = {"/bin/sleep", "60", NULL};
	assert_int_equal(ward_sandbox_spawn_config(p, argv, &c, &sb, &err), 0);
	assert_int_equal(write(cancel[1], "k", 1), 1);
	struct ward_exit x;
	assert_int_equal(ward_sandbox_wait(sb, &x, &err), 0);
	assert_int_equal(x.exited, 0);
	assert_int_equal(x.status, SIGKILL);
	assert_true(x.wall_ms < 30000);
	ward_sandbox_free(sb);
	ward_policy_free(p);
	close(cancel[0]);
	close(cancel[1]);
}

static void test_a_closed_descriptor_is_ebadf(void **state)
{
	(void)state;
	int pipefd[2];
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	close(pipefd[0]);
	close(pipefd[1]);
	struct ward_spawn_config c;
	ward_spawn_config_init(&c);
	c.stdout_fd = pipefd[1];
	ward_error err;
	char *argv[] = {"/bin/true", NULL};
	assert_int_equal(run_config(argv, &c, &err), -EBADF);
	assert_non_null(strstr(err.message, "not open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_too_small_is_einval),
		cmocka_unit_test(test_a_newer_callers_unknown_fields_must_be_zero),
		cmocka_unit_test(test_an_older_caller_gets_the_defaults),
		cmocka_unit_test(test_stdout_and_stderr_to_one_pipe),
		cmocka_unit_test(test_stdin_from_a_pipe),
		cmocka_unit_test(test_only_passed_descriptors_reach_the_program),
		cmocka_unit_test(test_cancel_fd_kills_the_sandbox),
		cmocka_unit_test(test_a_closed_descriptor_is_ebadf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
