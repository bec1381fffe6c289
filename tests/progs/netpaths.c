/* netpaths.c — the supervisor's network fast paths, seen from inside:
 * each step prints "STEP RESULT" (OK or an errno name), never a verdict.
 *   netpaths udp DENIED_IP   a UDP socket connected to a local receiver,
 *                            then send without an address (kernel fast
 *                            path), sendto/sendmsg with the receiver's
 *                            address (allowed), and with DENIED_IP.
 *   netpaths tcp IP PORT     blocking and non-blocking TCP connects.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void report(const char *step, int r)
{
	if (r >= 0)
		printf("%s OK\n", step);
	else
		printf("%s %s\n", step, strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	fflush(stdout);
}

static int send_msg(int s, const struct sockaddr_in *to)
{
	struct iovec iov = {.iov_base = "m", .iov_len = 1};
	struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
	if (to) {
		h.msg_name = (void *)to;
		h.msg_namelen = sizeof(*to);
	}
	return (int)sendmsg(s, &h, 0);
}

static int udp(const char *denied_ip)
{
	struct sockaddr_in rx = {.sin_family = AF_INET}, denied = {.sin_family = AF_INET};
	rx.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(rx);
	int r = socket(AF_INET, SOCK_DGRAM, 0);
	if (r < 0 || bind(r, (struct sockaddr *)&rx, sizeof(rx)) < 0 ||
	    getsockname(r, (struct sockaddr *)&rx, &len) < 0) {
		report("receiver", -1);
		return 2;
	}
	denied.sin_port = rx.sin_port;
	if (inet_pton(AF_INET, denied_ip, &denied.sin_addr) != 1)
		return 2;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	report("connect", connect(s, (struct sockaddr *)&rx, sizeof(rx)));
	int sent = 0;
	for (int i = 0; i < 100; i++)
		sent += send(s, "x", 1, 0) == 1;
	errno = EIO;
	report("send-100", sent == 100 ? 0 : -1);
	report("sendto-allowed", (int)sendto(s, "y", 1, 0, (struct sockaddr *)&rx, sizeof(rx)));
	report("sendto-denied",
	       (int)sendto(s, "z", 1, 0, (struct sockaddr *)&denied, sizeof(denied)));
	report("sendmsg-noaddr", send_msg(s, NULL));
	report("sendmsg-allowed", send_msg(s, &rx));
	report("sendmsg-denied", send_msg(s, &denied));
	/* An unconnected socket: the address is all there is to check. */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	report("unconnected-sendto-denied",
	       (int)sendto(u, "w", 1, 0, (struct sockaddr *)&denied, sizeof(denied)));
	report("unconnected-sendto-allowed",
	       (int)sendto(u, "v", 1, 0, (struct sockaddr *)&rx, sizeof(rx)));
	return 0;
}

static int tcp(const char *ip, int port)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, ip, &to.sin_addr) != 1)
		return 2;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	report("connect-blocking", connect(s, (struct sockaddr *)&to, sizeof(to)));
	close(s);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(s, (struct sockaddr *)&to, sizeof(to));
	if (r < 0 && errno == EINPROGRESS) {
		struct pollfd p = {.fd = s, .events = POLLOUT};
		int soerr = 0;
		socklen_t l = sizeof(soerr);
		/* bounded: a loopback handshake, 20 s at most on a loaded host */
		if (poll(&p, 1, 20000) != 1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0)
			soerr = ETIMEDOUT;
		errno = soerr;
		r = soerr ? -1 : 0;
	}
	report("connect-nonblocking", r);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "udp"))
		return udp(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "tcp"))
		return tcp(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: netpaths udp DENIED_IP | tcp IP PORT\n");
	return 2;
}
