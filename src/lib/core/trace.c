/* trace.c — see trace.h. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/trace.h"

int trace_fd = -1;
static struct timespec trace_t0;
static pthread_once_t trace_once = PTHREAD_ONCE_INIT;

/* Decimal digits of V at the end of BUF; returns the first. */
static char *put_u64(char *end, unsigned long long v)
{
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

static void trace_open(void)
{
	const char *v = getenv("WARD_TRACE_PHASES");
	if (v && *v && strcmp(v, "0") != 0) {
		clock_gettime(CLOCK_MONOTONIC, &trace_t0);
		trace_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		/* The clock's origin, for a runner that stamps the exec itself. */
		char name[48] = "t0 ", *end = name + sizeof(name) - 1;
		*end = '\0';
		unsigned long long us = (unsigned long long)trace_t0.tv_sec * 1000000ull +
					(unsigned long long)trace_t0.tv_nsec / 1000;
		char *d = put_u64(end, us);
		memmove(name + 3, d, (size_t)(end - d) + 1);
		trace_phase_slow(name);
	}
}

void trace_start(void)
{
	pthread_once(&trace_once, trace_open);
}

/* Appends the N bytes of S (a NUL ends it sooner) to LINE, within CAP. */
static size_t append(char *line, size_t len, size_t cap, const char *s, size_t n)
{
	for (size_t k = 0; k < n && s[k] && len < cap; k++)
		line[len++] = s[k];
	return len;
}

void trace_phase_slow(const char *phase)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long us = (now.tv_sec - trace_t0.tv_sec) * 1000000LL +
		       (now.tv_nsec - trace_t0.tv_nsec) / 1000;
	char line[160], pid_buf[24], us_buf[24];
	/* raw getpid: this runs in a raw clone, where glibc's cache is stale */
	const char *pid =
		put_u64(pid_buf + sizeof(pid_buf), (unsigned long long)syscall(SYS_getpid));
	const char *t = put_u64(us_buf + sizeof(us_buf), us < 0 ? 0 : (unsigned long long)us);
	const size_t cap = sizeof(line) - 1;
	size_t len = append(line, 0, cap, "ward-trace ", 11);
	len = append(line, len, cap, pid, (size_t)(pid_buf + sizeof(pid_buf) - pid));
	len = append(line, len, cap, " +", 2);
	len = append(line, len, cap, t, (size_t)(us_buf + sizeof(us_buf) - t));
	len = append(line, len, cap, " ", 1);
	len = append(line, len, cap, phase, cap);
	line[len++] = '\n';
	ssize_t unused = write(trace_fd, line, len);
	(void)unused;
}
