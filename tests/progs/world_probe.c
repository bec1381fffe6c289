/* world_probe.c — probes of the sandbox's own world for test_world.sh: what
 * a powerless program in its own namespaces may and may not do.
 *   world_probe OP [ARGS]  prints OK (exit 0) or the errno name (exit 1);
 *   "ERR usage" (exit 2). It reports what the kernel said, nothing more.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static int report(int err)
{
	if (!err) {
		puts("OK");
		return 0;
	}
	const char *name = strerrorname_np(err);
	if (name)
		puts(name);
	else
		printf("E%d\n", err);
	return 1;
}

static int result_of(long r)
{
	return r < 0 ? errno : 0;
}

/* Network configuration of the current netns: sets lo's MTU to what it is
 * (a no-op if it were allowed), through a unix socket so that no inet
 * socket is needed. */
static int set_lo_mtu(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0)
		return errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	int r = result_of(ioctl(fd, SIOCGIFMTU, &ifr));
	if (!r)
		r = result_of(ioctl(fd, SIOCSIFMTU, &ifr));
	close(fd);
	return r;
}

/* A server and a client on ADDR inside this network namespace. */
static int loopback_pair(const char *addr)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s4->sin_addr);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		len = sizeof(*s6);
	}
	int srv = socket(family, SOCK_STREAM, 0);
	if (srv < 0)
		return errno;
	if (bind(srv, (struct sockaddr *)&ss, len) < 0 || listen(srv, 1) < 0 ||
	    getsockname(srv, (struct sockaddr *)&ss, &len) < 0)
		return errno;
	int cli = socket(family, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&ss, len) < 0)
		return errno;
	int conn = accept(srv, NULL, NULL);
	if (conn < 0)
		return errno;
	char c = 0;
	if (write(cli, "x", 1) != 1 || read(conn, &c, 1) != 1 || c != 'x')
		return EIO;
	return 0;
}

static int tcp_connect(const char *addr, const char *port)
{
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	inet_pton(AF_INET, addr, &s4.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return errno;
	return result_of(connect(fd, (struct sockaddr *)&s4, sizeof(s4)));
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	const char *a1 = argc > 2 ? argv[2] : NULL;
	const char *a2 = argc > 3 ? argv[3] : NULL;
	if (!strcmp(op, "sethostname"))
		return report(result_of(sethostname("ward-escaped", 12)));
	if (!strcmp(op, "clock_settime")) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		return report(result_of(clock_settime(CLOCK_REALTIME, &ts)));
	}
	if (!strcmp(op, "lo-mtu"))
		return report(set_lo_mtu());
	if (!strcmp(op, "mknod-char") && a1) /* /dev/kmsg's numbers */
		return report(result_of(mknod(a1, S_IFCHR | 0600, makedev(1, 11))));
	if (!strcmp(op, "fanotify"))
		return report(result_of(fanotify_init(FAN_CLASS_CONTENT, O_RDONLY)));
	if (!strcmp(op, "iopl"))
		return report(result_of(iopl(3)));
	if (!strcmp(op, "ioperm"))
		return report(result_of(ioperm(0x80, 1, 1)));
	if (!strcmp(op, "fifreeze") && a1) {
		int fd = open(a1, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return report(errno);
		return report(result_of(ioctl(fd, FIFREEZE, 0)));
	}
	if (!strcmp(op, "chmod") && a1)
		return report(result_of(chmod(a1, 0644)));
	if (!strcmp(op, "openpty")) {
		int m, s;
		return report(result_of(openpty(&m, &s, NULL, NULL, NULL)));
	}
	if (!strcmp(op, "loopback") && a1)
		return report(loopback_pair(a1));
	if (!strcmp(op, "connect") && a1 && a2)
		return report(tcp_connect(a1, a2));
	if (!strcmp(op, "unix-connect") && a1) {
		struct sockaddr_un {
			sa_family_t sun_family;
			char sun_path[108];
		} sun = {.sun_family = AF_UNIX};
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", a1);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0)
			return report(errno);
		return report(result_of(connect(fd, (struct sockaddr *)&sun, sizeof(sun))));
	}
	puts("ERR usage");
	return 2;
}
