/* fds.c — only the descriptors the caller passes reach the program: every
 * descriptor above 2 is closed at exec unless it was passed (--pass-fd N,
 * ward_spawn_options.pass_fds). The list is checked and sorted in the
 * parent; the child only makes system calls (close_range, fcntl).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "sandbox/sandbox.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int fds_prepare(const int *fds, size_t n, struct pass_fds *out, ward_error *err)
{
	out->count = 0;
	for (size_t i = 0; i < n; i++) {
		int fd = fds[i];
		if (fd < 0)
			return ward_fail(err, -EBADF,
					 "pass-fd %d: not a descriptor number; pass an open "
					 "descriptor (3 or above)",
					 fd);
		if (fd <= 2)
			continue; /* the standard streams always pass */
		if (fcntl(fd, F_GETFD) < 0)
			return ward_fail(err, -EBADF,
					 "pass-fd %d: descriptor %d is not open; open it first "
					 "(e.g. '%d<FILE') or drop --pass-fd %d",
					 fd, fd, fd, fd);
		if (out->count >= PASS_FDS_MAX)
			return ward_fail(err, -E2BIG,
					 "pass-fd: at most %d descriptors can be passed",
					 PASS_FDS_MAX);
		out->fd[out->count++] = fd;
	}
	qsort(out->fd, out->count, sizeof(out->fd[0]), cmp_int);
	/* Duplicates collapse. */
	unsigned w = 0;
	for (unsigned i = 0; i < out->count; i++)
		if (w == 0 || out->fd[w - 1] != out->fd[i])
			out->fd[w++] = out->fd[i];
	out->count = w;
	return 0;
}

/* Marks [lo, hi] close-on-exec, or closes it where the kernel lacks
 * CLOSE_RANGE_CLOEXEC (5.11) — except KEEP, which must survive until exec. */
static int cloexec_range(unsigned lo, unsigned hi, int keep)
{
	if (lo > hi)
		return 0;
	if (syscall(SYS_close_range, lo, hi, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (keep >= (int)lo && keep <= (int)hi) {
		int r = cloexec_range(lo, (unsigned)keep - 1, -1);
		return r < 0 ? r : cloexec_range((unsigned)keep + 1, hi, -1);
	}
	if (syscall(SYS_close_range, lo, hi, 0) < 0 && errno != ENOSYS)
		return -errno;
	return 0;
}

int fds_enforce(const struct pass_fds *pass, int keep)
{
	unsigned lo = 3;
	for (unsigned i = 0; i < pass->count; i++) {
		int fd = pass->fd[i];
		int r = cloexec_range(lo, (unsigned)fd - 1, keep);
		if (r < 0)
			return r;
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
			return -errno;
		lo = (unsigned)fd + 1;
	}
	return cloexec_range(lo, UINT_MAX, keep);
}
