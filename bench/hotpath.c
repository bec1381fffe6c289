/* hotpath.c — per-operation cost of the calls a sandbox pays for, run
 * inside (or outside) ward: prints one "OP NS_PER_OP" line per operation,
 * the median of ROUNDS rounds. A measurement, not a test: it asserts
 * nothing. Usage: hotpath FILE ROUNDS TCP_PORT [OPS...] (TCP_PORT 0: no
 * connect; built by bench/run.py). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *file;
static int tcp_port;
static struct sockaddr_in udp_rx;
static int udp_conn = -1;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void op_open(void)
{
	char buf[64];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			exit(3);
		close(fd);
	}
}
static void op_stat(void)
{
	struct stat st;
	stat(file, &st);
}
static void op_getpid(void)
{
	(void)getpid();
}
static void op_forkexec(void)
{
	pid_t p = fork();
	if (p == 0) {
		execl("/bin/true", "true", "--gentle", (char *)NULL);
		_exit(127);
	}
	waitpid(p, NULL, 0);
}
static void op_connect(void)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)tcp_port)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&to, sizeof(to)) < 0)
		exit(4);
	close(s);
}
static void op_sendto(void)
{
	static int s = -1;
	if (s < 0)
		s = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(s, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&udp_rx, sizeof(udp_rx));
}
static void op_send(void)
{
	send(udp_conn, "x", 1, MSG_DONTWAIT);
}

static const struct {
	const char *name;
	void (*fn)(void);
	int n;
} ops[] = {
	{"open_read_close", op_open, 20000}, {"stat", op_stat, 20000},
	{"getpid", op_getpid, 200000},	     {"fork_exec_wait", op_forkexec, 200},
	{"tcp_connect", op_connect, 2000},   {"udp_sendto", op_sendto, 20000},
	{"send_connected", op_send, 20000},
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	file = argv[1];
	int rounds = atoi(argv[2]);
	tcp_port = atoi(argv[3]);
	/* A local UDP receiver that drains nothing: sends are MSG_DONTWAIT. */
	int rx = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t len = sizeof(udp_rx);
	udp_rx.sin_family = AF_INET;
	udp_rx.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int big = 1 << 24;
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (rx >= 0 && bind(rx, (struct sockaddr *)&udp_rx, sizeof(udp_rx)) == 0)
		getsockname(rx, (struct sockaddr *)&udp_rx, &len);
	udp_conn = socket(AF_INET, SOCK_DGRAM, 0);
	connect(udp_conn, (struct sockaddr *)&udp_rx, sizeof(udp_rx));
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		bool want = argc == 4;
		for (int a = 4; a < argc; a++)
			want |= !strcmp(argv[a], ops[i].name);
		if (!want || (ops[i].fn == op_connect && !tcp_port))
			continue;
		double t[15];
		int r = rounds > 15 ? 15 : rounds;
		for (int k = 0; k < r; k++) {
			double start = now_ns();
			for (int j = 0; j < ops[i].n; j++)
				ops[i].fn();
			t[k] = (now_ns() - start) / ops[i].n;
		}
		qsort(t, (size_t)r, sizeof(double), cmp);
		printf("%s %.1f %.1f %.1f\n", ops[i].name, t[r / 2], t[0], t[r - 1]);
	}
	return 0;
}
