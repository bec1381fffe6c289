/* sup_fs_probe.c — runs filesystem operations inside a sandbox for
 * test_supervisor_fs: "OP PATH [PATH2]" groups in order; exits 0 when all
 * succeed, else with the errno of the first that failed (and says which on
 * stderr). Reads a byte after every open so the fd is proven usable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int read_one(int fd)
{
	char c;
	int r = read(fd, &c, 1) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int reopen(int fd, const char *fmt)
{
	char path[64];
	snprintf(path, sizeof(path), fmt, fd);
	int again = open(path, O_RDONLY);
	int saved = errno;
	close(fd);
	if (again < 0)
		return -saved;
	return read_one(again);
}

static int kept = -1; /* "keep": an O_PATH fd held for a later "reopen" */

static int run(const char *op, const char *path, const char *path2)
{
	int fd;
	if (strcmp(op, "keep") == 0) {
		kept = open(path, O_PATH);
		return kept < 0 ? -errno : 0;
	}
	if (strcmp(op, "reopen") == 0) /* path unused */
		return reopen(dup(kept), "/proc/self/fd/%d");
	if (strcmp(op, "open") == 0) {
		fd = open(path, O_RDONLY);
		return fd < 0 ? -errno : read_one(fd);
	}
	if (strcmp(op, "openat") == 0) {
		fd = openat(AT_FDCWD, path, O_RDONLY);
		return fd < 0 ? -errno : read_one(fd);
	}
	if (strcmp(op, "openat3") == 0) { /* relative to fd 3 (--pass-fd 3) */
		fd = openat(3, path, O_RDONLY);
		return fd < 0 ? -errno : read_one(fd);
	}
	if (strcmp(op, "openat2") == 0) {
		struct open_how how = {.flags = O_RDONLY};
		fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		return fd < 0 ? -errno : read_one(fd);
	}
	if (strcmp(op, "write") == 0) {
		fd = open(path, O_WRONLY | O_APPEND);
		if (fd < 0)
			return -errno;
		int r = write(fd, "w", 1) == 1 ? 0 : -errno;
		close(fd);
		return r;
	}
	if (strcmp(op, "creat") == 0) {
		fd = creat(path, 0644);
		if (fd < 0)
			return -errno;
		int r = write(fd, "new\n", 4) == 4 ? 0 : -errno;
		close(fd);
		return r;
	}
	if (strcmp(op, "opath") == 0) {
		fd = open(path, O_PATH);
		return fd < 0 ? -errno : reopen(fd, "/proc/self/fd/%d");
	}
	if (strcmp(op, "devfd") == 0) {
		fd = open(path, O_RDONLY);
		return fd < 0 ? -errno : reopen(fd, "/dev/fd/%d");
	}
	if (strcmp(op, "readdir") == 0) {
		DIR *d = opendir(path);
		if (!d)
			return -errno;
		int r = readdir(d) ? 0 : -EIO;
		closedir(d);
		return r;
	}
	if (strcmp(op, "truncate") == 0)
		return truncate(path, 0) < 0 ? -errno : 0;
	if (strcmp(op, "unlink") == 0)
		return unlink(path) < 0 ? -errno : 0;
	if (strcmp(op, "rename") == 0)
		return rename(path, path2) < 0 ? -errno : 0;
	if (strcmp(op, "link") == 0)
		return link(path, path2) < 0 ? -errno : 0;
	if (strcmp(op, "waitfor") == 0) { /* stat is not trapped: poll up to 5 s */
		struct stat st;
		for (int i = 0; i < 500; i++) {
			if (stat(path, &st) == 0)
				return 0;
			usleep(10000);
		}
		return -ETIMEDOUT;
	}
	if (strcmp(op, "landlock") == 0) /* path unused: a nested domain */
		return syscall(446, -1, 0) < 0 ? -errno : 0;
	return -ENOSYS;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc;) {
		const char *op = argv[i++];
		const char *path = i < argc ? argv[i++] : "";
		const char *path2 = NULL;
		if (strcmp(op, "rename") == 0 || strcmp(op, "link") == 0)
			path2 = i < argc ? argv[i++] : "";
		int r = run(op, path, path2);
		if (r < 0) {
			fprintf(stderr, "sup_fs_probe: %s %s: %s\n", op, path, strerror(-r));
			return -r;
		}
	}
	return 0;
}
