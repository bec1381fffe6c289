/* netcost.c — per-call cost of the socket calls the supervisor's unix trap
 * sees, run inside (or outside) ward: prints "OP MEDIAN_NS MIN_NS" per
 * operation (over ROUNDS rounds of N calls; on a loaded host the minimum is
 * the steadier figure). A measurement, not a test: it
 * asserts nothing. Usage: netcost N ROUNDS [thread] OPS...
 *   connect  loopback TCP connect + close (a forked process accepts)
 *   sendto   UDP sendto with an address (loopback, nobody reads)
 *   send     send() on a connected UDP socket
 *   sendmsg  sendmsg() without an address on a connected UDP socket
 * "thread" first starts a second, idle thread (the fd table is shared). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in tcp_addr, udp_addr;
static int udp_conn = -1, udp_free = -1;
static pid_t acceptor = -1;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void setup(void)
{
	socklen_t len = sizeof(tcp_addr);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	tcp_addr.sin_family = AF_INET;
	tcp_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&tcp_addr, sizeof(tcp_addr)) < 0 ||
	    listen(l, 4096) < 0 || getsockname(l, (struct sockaddr *)&tcp_addr, &len) < 0) {
		perror("netcost: listen");
		exit(2);
	}
	acceptor = fork();
	if (acceptor == 0) {
		for (;;) {
			int c = accept(l, NULL, NULL);
			if (c >= 0)
				close(c);
		}
	}
	close(l);
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	udp_addr = tcp_addr;
	udp_addr.sin_port = 0;
	len = sizeof(udp_addr);
	if (rx < 0 || bind(rx, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) < 0 ||
	    getsockname(rx, (struct sockaddr *)&udp_addr, &len) < 0) {
		perror("netcost: udp");
		exit(2);
	}
	udp_free = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	udp_conn = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udp_free < 0 || udp_conn < 0 ||
	    connect(udp_conn, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) < 0) {
		perror("netcost: udp connect");
		exit(2);
	}
}

static void op_connect(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&tcp_addr, sizeof(tcp_addr)) < 0) {
		perror("netcost: connect");
		exit(3);
	}
	close(s);
}

static void op_sendto(void)
{
	if (sendto(udp_free, "x", 1, 0, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) < 0) {
		perror("netcost: sendto");
		exit(3);
	}
}

static void op_send(void)
{
	if (send(udp_conn, "x", 1, 0) < 0) {
		perror("netcost: send");
		exit(3);
	}
}

static void op_sendmsg(void)
{
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
	if (sendmsg(udp_conn, &h, 0) < 0) {
		perror("netcost: sendmsg");
		exit(3);
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: netcost N ROUNDS [thread] OPS...\n");
		return 2;
	}
	int n = atoi(argv[1]), rounds = atoi(argv[2]), i = 3;
	setup();
	if (strcmp(argv[i], "thread") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, idle, NULL);
		i++;
	}
	double *per = calloc((size_t)rounds, sizeof(*per));
	for (; i < argc; i++) {
		void (*op)(void) = strcmp(argv[i], "connect") == 0   ? op_connect
				   : strcmp(argv[i], "sendto") == 0  ? op_sendto
				   : strcmp(argv[i], "send") == 0    ? op_send
				   : strcmp(argv[i], "sendmsg") == 0 ? op_sendmsg
								     : NULL;
		if (!op) {
			fprintf(stderr, "netcost: unknown op %s\n", argv[i]);
			return 2;
		}
		for (int r = 0; r < rounds; r++) {
			double t = now_ns();
			for (int k = 0; k < n; k++)
				op();
			per[r] = (now_ns() - t) / n;
		}
		qsort(per, (size_t)rounds, sizeof(*per), cmp);
		printf("%s %.0f %.0f\n", argv[i], per[rounds / 2], per[0]);
	}
	kill(acceptor, SIGKILL);
	waitpid(acceptor, NULL, 0);
	return 0;
}
