/* unix_peer.c — pathname unix socket probes for the BPF LSM's unix hooks
 * (tests/vm/ward_e2e.sh). Each OP prints one line: OK (exit 0) or the errno
 * name (exit 1); "ERR usage" exits 2. It reports what the kernel said.
 *   serve PATH stream|dgram   bind PATH and answer until killed (the
 *                             caller polls for PATH to exist)
 *   connect PATH              stream connect
 *   dgram-connect PATH        datagram connect
 *   sendto PATH               datagram sendto on an unconnected socket
 *   sendmsg PATH              datagram sendmsg with msg_name
 *   opath PATH                stream connect to /proc/self/fd/N of an O_PATH fd
 *   own DIR                   serve DIR/own.sock from a child, connect to it
 *   socketpair                stream and datagram socketpair, one byte each way
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int report(int err)
{
	if (!err) {
		puts("OK");
		return 0;
	}
	const char *name = strerrorname_np(err);
	puts(name ? name : "EUNKNOWN");
	return 1;
}

static socklen_t addr_of(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun->sun_path) + 1);
}

static int serve(const char *path, int type)
{
	struct sockaddr_un sun;
	socklen_t len = addr_of(path, &sun);
	int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&sun, len) < 0)
		return report(errno);
	if (type == SOCK_STREAM && listen(s, 16) < 0)
		return report(errno);
	for (;;) {
		char buf[64];
		if (type == SOCK_DGRAM) {
			if (recv(s, buf, sizeof(buf), 0) < 0 && errno != EINTR)
				return report(errno);
			continue;
		}
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

static int stream_connect(const char *path)
{
	struct sockaddr_un sun;
	socklen_t len = addr_of(path, &sun);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	int r = connect(s, (struct sockaddr *)&sun, len) < 0 ? errno : 0;
	close(s);
	return r;
}

static int dgram(const char *path, const char *how)
{
	struct sockaddr_un sun;
	socklen_t len = addr_of(path, &sun);
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	int r = 0;
	if (!strcmp(how, "connect")) {
		r = connect(s, (struct sockaddr *)&sun, len) < 0 ? errno : 0;
	} else if (!strcmp(how, "sendto")) {
		r = sendto(s, "x", 1, 0, (struct sockaddr *)&sun, len) < 0 ? errno : 0;
	} else {
		struct iovec iov = {.iov_base = "x", .iov_len = 1};
		struct msghdr m = {
			.msg_name = &sun, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
		r = sendmsg(s, &m, 0) < 0 ? errno : 0;
	}
	close(s);
	return r;
}

static int opath(const char *path)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno;
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	return stream_connect(link);
}

/* Polls (20 s at most) for PATH to be a socket. */
static int wait_socket(const char *path)
{
	struct stat st;
	for (int i = 0; i < 2000; i++) {
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return ETIMEDOUT;
}

static int own(const char *dir)
{
	char path[108];
	snprintf(path, sizeof(path), "%s/own.sock", dir);
	unlink(path);
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		fclose(stdout);
		serve(path, SOCK_STREAM);
		_exit(1);
	}
	int r = wait_socket(path);
	if (!r)
		r = stream_connect(path);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
	return r;
}

static int pair(int type)
{
	int sv[2];
	char c = 0;
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return errno;
	int r = (write(sv[0], "x", 1) != 1 || read(sv[1], &c, 1) != 1 ||
		 write(sv[1], "y", 1) != 1 || read(sv[0], &c, 1) != 1)
			? errno
			: 0;
	close(sv[0]);
	close(sv[1]);
	return r;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		goto usage;
	const char *op = argv[1], *arg = argc > 2 ? argv[2] : NULL;
	if (!strcmp(op, "socketpair")) {
		int r = pair(SOCK_STREAM);
		return report(r ? r : pair(SOCK_DGRAM));
	}
	if (!arg)
		goto usage;
	if (!strcmp(op, "serve") && argc > 3)
		return serve(arg, !strcmp(argv[3], "dgram") ? SOCK_DGRAM : SOCK_STREAM);
	if (!strcmp(op, "connect"))
		return report(stream_connect(arg));
	if (!strcmp(op, "dgram-connect"))
		return report(dgram(arg, "connect"));
	if (!strcmp(op, "sendto"))
		return report(dgram(arg, "sendto"));
	if (!strcmp(op, "sendmsg"))
		return report(dgram(arg, "sendmsg"));
	if (!strcmp(op, "opath"))
		return report(opath(arg));
	if (!strcmp(op, "own"))
		return report(own(arg));
usage:
	puts("ERR usage");
	return 2;
}
