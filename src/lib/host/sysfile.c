/* sysfile.c — one-shot reads and writes of kernel text files.
 * Never retries a short write: cgroupfs and procfs take a value in one write,
 * so a partial write is reported as an error, not completed piecemeal.
 */
#include "host/sysfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"

ssize_t sysfile_read(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

int sysfile_write(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n;
	do
		n = write(fd, text, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int sysfile_read_key_u64(const char *path, const char *key, uint64_t *out)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[256];
	size_t key_len = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, key_len) != 0 || line[key_len] != ' ')
			continue;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(line + key_len + 1, &end, 10);
		if (errno || end == line + key_len + 1)
			return -EINVAL;
		*out = v;
		return 0;
	}
	return -ENOENT;
}

int sysfile_read_u64(const char *path, uint64_t *out)
{
	char buf[64];
	ssize_t n = sysfile_read(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (strncmp(buf, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	*out = v;
	return 0;
}
