/* cgroup_join_bench.c — what moving a new task into a v1 cgroup costs, the
 * two ways ward can do it, with runs spaced apart (50 ms) as in real use:
 *   parent: the parent writes the child's pid to cgroup.procs (a process
 *           move: the global threadgroup rwsem, an RCU grace period);
 *   self:   the single-threaded child writes "0" to tasks (a thread move of
 *           current: no threadgroup lock, no grace period).
 * Usage (root): cgroup_join_bench V1_DIR [RUNS]; V1_DIR must exist (e.g. a
 * fresh /sys/fs/cgroup/pids/ward-bench) and is left as it was.
 * Prints the median and 90th percentile per method, in microseconds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s V1_CGROUP_DIR [RUNS]\n", argv[0]);
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 30;
	char procs[4096], tasks[4096];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", argv[1]);
	snprintf(tasks, sizeof(tasks), "%s/tasks", argv[1]);
	double *t[2] = {calloc(runs, sizeof(double)), calloc(runs, sizeof(double))};
	for (int i = 0; i < runs; i++) {
		for (int m = 0; m < 2; m++) {
			usleep(50000);
			int fd = open(m ? tasks : procs, O_WRONLY | O_CLOEXEC);
			int p[2];
			if (fd < 0 || pipe(p) < 0) {
				perror(argv[1]);
				return 1;
			}
			pid_t child = fork();
			if (child == 0) {
				char go;
				if (read(p[0], &go, 1) != 1)
					_exit(1);
				double start = now_us();
				if (m && write(fd, "0", 1) != 1)
					_exit(1);
				double took = now_us() - start;
				if (write(p[1], &took, sizeof(took)) != sizeof(took))
					_exit(1);
				_exit(0);
			}
			double took = 0;
			if (m == 0) {
				char pid[32];
				int n = snprintf(pid, sizeof(pid), "%d", child);
				double start = now_us();
				if (write(fd, pid, (size_t)n) != n)
					perror("cgroup.procs");
				took = now_us() - start;
			}
			if (write(p[1], "g", 1) != 1)
				return 1;
			int status;
			waitpid(child, &status, 0);
			if (m == 1 && read(p[0], &took, sizeof(took)) != sizeof(took))
				return 1;
			t[m][i] = took;
			close(fd);
			close(p[0]);
			close(p[1]);
		}
	}
	const char *names[] = {"parent writes pid to cgroup.procs", "child writes 0 to tasks"};
	for (int m = 0; m < 2; m++) {
		qsort(t[m], runs, sizeof(double), cmp);
		printf("%-36s median %8.1f us   p90 %8.1f us\n", names[m], t[m][runs / 2],
		       t[m][runs * 9 / 10]);
	}
	return 0;
}
