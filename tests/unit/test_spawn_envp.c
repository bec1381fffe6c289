/* test_spawn_envp.c — ward_spawn_config.envp: a caller's snapshot of the
 * environment is the only one a spawn reads (the program's environment and
 * the PATH its command is found on), never this process's live environ.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ward.h"

/* Runs ARGV with ENVP, returns ward's exit code (or the error); the
 * program's stdout in OUT. */
static int run_with_envp(char *const argv[], char *const envp[], char *out, size_t size,
			 ward_error *err)
{
	int pipefd[2];
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	ward_policy *p = ward_policy_new();
	assert_non_null(p);
	assert_int_equal(ward_policy_use_profile(p, "default", err), 0);
	struct ward_spawn_config c;
	ward_spawn_config_init(&c);
	c.stdout_fd = pipefd[1];
	c.envp = envp;
	ward_sandbox *sb = NULL;
	int r = ward_sandbox_spawn_config(p, argv, &c, &sb, err);
	close(pipefd[1]);
	if (r == 0) {
		struct ward_exit x;
		r = ward_sandbox_wait(sb, &x, err);
		if (r == 0)
			r = x.code;
		ward_sandbox_free(sb);
	}
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(pipefd[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pipefd[0]);
	ward_policy_free(p);
	return r;
}

static void test_the_program_gets_the_snapshot_not_environ(void **state)
{
	(void)state;
	assert_int_equal(setenv("WARD_T_SNAP", "live", 1), 0);
	char *envp[] = {"WARD_T_SNAP=snapshot", "PATH=/usr/bin:/bin", NULL};
	char *argv[] = {"/bin/sh", "-c", "echo \"$WARD_T_SNAP\"", NULL};
	char out[64];
	ward_error err = {0};
	assert_int_equal(run_with_envp(argv, envp, out, sizeof(out), &err), 0);
	assert_string_equal(out, "snapshot\n");
	/* control: without a snapshot the live environ is the base */
	assert_int_equal(run_with_envp(argv, NULL, out, sizeof(out), &err), 0);
	assert_string_equal(out, "live\n");
	unsetenv("WARD_T_SNAP");
}

static void test_the_command_is_found_on_the_snapshots_path(void **state)
{
	(void)state;
	char *envp[] = {"PATH=/nonexistent-ward-dir", NULL};
	char *argv[] = {"true", NULL};
	char out[64];
	ward_error err = {0};
	assert_int_equal(run_with_envp(argv, envp, out, sizeof(out), &err), -ENOENT);
	assert_non_null(strstr(err.message, "command not found"));
	char *good[] = {"PATH=/usr/bin:/bin", NULL};
	assert_int_equal(run_with_envp(argv, good, out, sizeof(out), &err), 0);
}

static void test_the_snapshot_still_drops_secrets(void **state)
{
	(void)state;
	char *envp[] = {"WARD_T_API_TOKEN=hunter2", "WARD_T_PLAIN=kept", "PATH=/usr/bin:/bin",
			NULL};
	char *argv[] = {"/bin/sh", "-c", "echo \"${WARD_T_API_TOKEN:-none} $WARD_T_PLAIN\"", NULL};
	char out[64];
	ward_error err = {0};
	assert_int_equal(run_with_envp(argv, envp, out, sizeof(out), &err), 0);
	assert_string_equal(out, "none kept\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_program_gets_the_snapshot_not_environ),
		cmocka_unit_test(test_the_command_is_found_on_the_snapshots_path),
		cmocka_unit_test(test_the_snapshot_still_drops_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
