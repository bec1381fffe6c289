/* hosts_file.c — see hosts_file.h. The directory is named after ward's pid
 * and a counter, in ward's owner-checked runtime directory
 * (core/runtime_dir.c), and made by mkdir (which fails on anything already
 * there), so nothing another user planted is ever written or bound. Every
 * version of the file is written whole under a temporary name, then renamed
 * over the last.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runtime_dir.h"
#include "sandbox/hosts_file.h"

#define HOST_HOSTS "/etc/hosts"
#define HOST_HOSTS_MAX (1 << 20) /* more is not a hosts file we copy */

static int write_all(int fd, const char *buf, size_t len, off_t *at)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, *at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
		*at += n;
	}
	return 0;
}

/* The policy's names first (the first match wins in hosts(5), so a name
 * resolves to the addresses its rules allow), then the host's own file:
 * localhost and the rest keep resolving. */
static int fill(int fd, char *const *lines, size_t n)
{
	off_t at = 0;
	int r;
	static const char header[] = "# ward: the host names of the sandbox's policy\n";
	if ((r = write_all(fd, header, sizeof(header) - 1, &at)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = write_all(fd, lines[i], strlen(lines[i]), &at)) < 0 ||
		    (r = write_all(fd, "\n", 1, &at)) < 0)
			return r;
	int host = open(HOST_HOSTS, O_RDONLY | O_CLOEXEC);
	if (host >= 0) {
		char *buf = malloc(HOST_HOSTS_MAX);
		ssize_t got = buf ? read(host, buf, HOST_HOSTS_MAX) : -1;
		close(host);
		static const char from_host[] = "# the host's " HOST_HOSTS "\n";
		r = got > 0 ? write_all(fd, from_host, sizeof(from_host) - 1, &at) : 0;
		if (!r && got > 0)
			r = write_all(fd, buf, (size_t)got, &at);
		free(buf);
		if (r < 0)
			return r;
	}
	return ftruncate(fd, at) < 0 ? -errno : 0;
}

#define HOSTS_NAME "hosts"
#define HOSTS_NEW "hosts.new"

/* Writes the file whole under HOSTS_NEW, then renames it over HOSTS_NAME. */
static int publish(int dfd, char *const *lines, size_t n)
{
	unlinkat(dfd, HOSTS_NEW, 0); /* a failed earlier version's */
	int fd = openat(dfd, HOSTS_NEW, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int r = fchmod(fd, 0644) < 0 ? -errno : 0; /* whatever the umask */
	if (!r)
		r = fill(fd, lines, n);
	close(fd);
	if (!r && renameat(dfd, HOSTS_NEW, dfd, HOSTS_NAME) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dfd, HOSTS_NEW, 0);
	return r;
}

int hosts_file_create(struct hosts_file *hf, char *const *lines, size_t n, ward_error *err)
{
	static atomic_uint counter;
	hf->dir[0] = '\0';
	hf->dfd = -1;
	char parent[PATH_MAX];
	int pfd = runtime_dir_open_path("hosts", true, parent, sizeof(parent));
	if (pfd < 0)
		return ward_fail(err, pfd, "the sandbox's hosts file: ward's runtime directory: %s",
				 strerror(-pfd));
	char name[64];
	snprintf(name, sizeof(name), "hosts-%d-%u", (int)getpid(), atomic_fetch_add(&counter, 1));
	int r = mkdirat(pfd, name, 0755) < 0 ? -errno : 0;
	int dfd = r ? -1 : openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (!r && dfd < 0)
		r = -errno;
	if (!r && fchmod(dfd, 0755) < 0) /* whatever the umask */
		r = -errno;
	if (!r && symlinkat(HOSTS_FILE_INSIDE "/" HOSTS_NAME, dfd, HOSTS_FILE_LINK) < 0)
		r = -errno;
	if (!r)
		r = publish(dfd, lines, n);
	if (r < 0) {
		if (dfd >= 0) {
			unlinkat(dfd, HOSTS_NAME, 0);
			unlinkat(dfd, HOSTS_FILE_LINK, 0);
			close(dfd);
		}
		unlinkat(pfd, name, AT_REMOVEDIR);
		close(pfd);
		return ward_fail(err, r, "the sandbox's hosts file %s/%s: %s", parent, name,
				 strerror(-r));
	}
	close(pfd);
	int len = snprintf(hf->dir, sizeof(hf->dir), "%.4000s/%.60s", parent, name);
	(void)len; /* PATH_MAX-bounded directory, short name: it fits */
	hf->dfd = dfd;
	return 0;
}

int hosts_file_rewrite(const struct hosts_file *hf, char *const *lines, size_t n)
{
	if (!hf->dir[0])
		return -ENOENT;
	return publish(hf->dfd, lines, n);
}

void hosts_file_remove(struct hosts_file *hf)
{
	if (!hf->dir[0])
		return;
	unlinkat(hf->dfd, HOSTS_NEW, 0);
	unlinkat(hf->dfd, HOSTS_NAME, 0);
	unlinkat(hf->dfd, HOSTS_FILE_LINK, 0);
	close(hf->dfd);
	rmdir(hf->dir);
	hf->dir[0] = '\0';
	hf->dfd = -1;
}
