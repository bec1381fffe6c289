/* landlock_child.h — shared by the Landlock unit tests: prepare a ruleset
 * from a hand-built plan, and run one operation in a child confined by it,
 * returning the errno the kernel gave (0 on success). Include after cmocka. */
#ifndef WARD_TEST_LANDLOCK_CHILD_H
#define WARD_TEST_LANDLOCK_CHILD_H

#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/landlock.h"

static inline int prepare(const struct plan *plan)
{
	int fd = -1;
	ward_error err = {0};
	int r = landlock_prepare(plan, &fd, &err);
	if (r < 0)
		print_error("landlock_prepare: %s\n", err.message);
	assert_int_equal(r, 0);
	assert_true(fd >= 0);
	return fd;
}

typedef int (*op_fn)(const char *arg);

static inline int wait_child(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

/* OP(ARG) in a child restricted by RULESET_FD (none when -1): its errno, 0
 * on success; 250/251 when the child could not confine itself. */
static inline int run(int ruleset_fd, op_fn op, const char *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (ruleset_fd >= 0) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				_exit(250);
			if (landlock_enforce(ruleset_fd) < 0)
				_exit(251);
		}
		_exit(op(arg));
	}
	return wait_child(pid);
}

#endif
