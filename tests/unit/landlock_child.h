/* landlock_child.h — shared by the Landlock unit tests: files for fixtures,
 * a ruleset prepared from a hand-built plan, and one operation run in a child
 * confined by it, returning the errno the kernel gave (0 on success).
 * Include after cmocka. */
#ifndef WARD_TEST_LANDLOCK_CHILD_H
#define WARD_TEST_LANDLOCK_CHILD_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "layers/landlock.h"

/* DATA into PATH with exactly MODE (chmod: the umask must not decide). */
static inline int write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) && chmod(path, mode) == 0 ? 0 : -1;
}

static inline int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int r = in >= 0 && out >= 0 ? 0 : -1;
	char buf[65536];
	ssize_t n;
	while (!r && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			r = -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return r;
}

/* An nftw callback removing what it visits (with FTW_DEPTH). */
static inline int remove_entry(const char *path, const struct stat *st, int type,
			       struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

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
