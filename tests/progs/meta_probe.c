/* meta_probe.c — file metadata and unix-socket probes for
 * tests/integration/test_unix_meta.sh, in the convention of probe.c:
 *   meta_probe OP PATH [ARG]  prints OK (exit 0), an errno name (exit 1) or
 *   "ERR usage" (exit 2). It reports what the kernel said, nothing more.
 * OPs: chmod PATH OCTAL, fchmod-empty PATH OCTAL (fchmodat2 + AT_EMPTY_PATH
 * on an O_PATH fd), chown PATH (to its own owner), setxattr PATH NAME,
 * utimes PATH, create-mode PATH OCTAL, unix-connect PATH (sends "ping",
 * expects a reply).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static int report(int err)
{
	if (err == 0) {
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

static int unix_connect(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return errno;
	char reply[16];
	if (write(fd, "ping", 4) != 4)
		return errno;
	ssize_t n = read(fd, reply, sizeof(reply));
	if (n < 0)
		return errno;
	return n > 0 ? 0 : ECONNRESET;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		puts("ERR usage");
		return 2;
	}
	const char *op = argv[1], *path = argv[2], *arg = argc > 3 ? argv[3] : NULL;
	mode_t mode = arg ? (mode_t)strtoul(arg, NULL, 8) : 0;
	if (!strcmp(op, "chmod") && arg)
		return report(result_of(chmod(path, mode)));
	if (!strcmp(op, "fchmod-empty") && arg) {
		int fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return report(errno);
		return report(result_of(syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH)));
	}
	if (!strcmp(op, "chown")) {
		struct stat st;
		if (stat(path, &st) < 0)
			return report(errno);
		return report(result_of(chown(path, st.st_uid, st.st_gid)));
	}
	if (!strcmp(op, "setxattr") && arg) {
		/* A version 2 file capability for CAP_NET_RAW: what a plant
		 * would write; for other names the value is just bytes. */
		static const unsigned char cap[20] = {0, 0, 0, 2, 0, 0x20};
		return report(result_of(setxattr(path, arg, cap, sizeof(cap), 0)));
	}
	if (!strcmp(op, "utimes"))
		return report(result_of(utimensat(AT_FDCWD, path, NULL, 0)));
	if (!strcmp(op, "create-mode") && arg) {
		int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, mode);
		return report(fd < 0 ? errno : 0);
	}
	if (!strcmp(op, "unix-connect"))
		return report(unix_connect(path));
	puts("ERR usage");
	return 2;
}
