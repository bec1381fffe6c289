/* test_seccomp_handoff.c — the seccomp filter is compiled while the child
 * sets up and reaches it on a pipe (layers_table.c). The child's step must
 * install exactly what the parent built, and fail — installing nothing —
 * on anything less: an empty pipe (the parent could not build it), a
 * truncated program, a length of zero or above BPF_MAXINSNS. Each case runs
 * in a forked child, so a filter installed by mistake never reaches this
 * process.
 */
#include <errno.h>
#include <linux/filter.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sandbox/layers.h"

static const struct sandbox_layer *seccomp_row(void)
{
	for (size_t i = 0; i < sandbox_layers_count; i++)
		if (!strcmp(sandbox_layers[i].name, "seccomp"))
			return &sandbox_layers[i];
	fail_msg("no seccomp row");
	return NULL;
}

static int seccomp_filters_of_self(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int n = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp_filters: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* Runs the child's seccomp step on FD in a fork, which exits with 0 when
 * the step succeeded and installed one filter more, 99 when it said 0
 * without installing one, and 100 + errno when it failed. */
static int enforce_in_fork(int fd)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) /* as the child has */
			_exit(98);
		int before = seccomp_filters_of_self();
		struct child_setup s;
		memset(&s, 0, sizeof(s));
		s.seccomp_fd = fd;
		int stage = 0, step = 0;
		int r = seccomp_row()->enforce(&s, &stage, &step);
		if (r < 0)
			_exit(100 + (-r > 100 ? 100 : -r));
		_exit(seccomp_filters_of_self() == before + 1 ? 0 : 99);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_built_filter_arrives_whole(void **state)
{
	(void)state;
	struct ward_sandbox sb;
	struct spawn_work w;
	memset(&sb, 0, sizeof(sb));
	memset(&w, 0, sizeof(w));
	sb.plan.seccomp = true;
	const struct sandbox_layer *l = seccomp_row();
	assert_non_null(l->released);
	ward_error err = {0};
	assert_int_equal(l->prepare(&sb, &w, &err), 0);
	/* On this host the pipe can hold the largest filter. */
	assert_true(w.seccomp_pipe[0] > 2 && w.seccomp_pipe[1] > 2);
	assert_null(w.seccomp.filter);
	assert_int_equal(l->released(&sb, &w, &err), 0);
	assert_int_equal(w.seccomp_pipe[1], -1); /* closed: the child sees the end */
	assert_non_null(w.seccomp.filter);
	assert_int_equal(enforce_in_fork(w.seccomp_pipe[0]), 0);
	l->release_work(&w);
	assert_int_equal(w.seccomp_pipe[0], -1);
}

static int pipe_with(const void *data, size_t len)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	if (len)
		assert_int_equal(write(p[1], data, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

static void test_anything_short_installs_nothing(void **state)
{
	(void)state;
	/* The parent failed to build it: the pipe ends with nothing. */
	int fd = pipe_with(NULL, 0);
	assert_int_equal(enforce_in_fork(fd), 100 + EPIPE);
	close(fd);
	/* Half a length. */
	uint8_t half = 1;
	fd = pipe_with(&half, 1);
	assert_int_equal(enforce_in_fork(fd), 100 + EPIPE);
	close(fd);
	/* Ten instructions promised, three sent. */
	struct {
		uint16_t len;
		struct sock_filter insns[3];
	} __attribute__((packed)) truncated = {.len = 10};
	fd = pipe_with(&truncated, sizeof(truncated));
	assert_int_equal(enforce_in_fork(fd), 100 + EPIPE);
	close(fd);
	/* Lengths the kernel would refuse are refused first. */
	uint16_t zero = 0, huge = BPF_MAXINSNS + 1;
	fd = pipe_with(&zero, sizeof(zero));
	assert_int_equal(enforce_in_fork(fd), 100 + E2BIG);
	close(fd);
	fd = pipe_with(&huge, sizeof(huge));
	assert_int_equal(enforce_in_fork(fd), 100 + E2BIG);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_built_filter_arrives_whole),
		cmocka_unit_test(test_anything_short_installs_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
