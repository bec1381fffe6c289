/* sup_mem.c — reading (and writing results into) a sandboxed process's
 * memory through /proc/PID/mem, and small /proc lookups. A read here is a
 * snapshot: the caller must freeze the writers or act on the copy, never hand
 * the decision back to a kernel that reads the memory again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "supervisor/sup_internal.h"

int sup_mem_open(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int sup_mem_read(int mem_fd, uint64_t addr, void *buf, size_t len)
{
	ssize_t got = pread(mem_fd, buf, len, (off_t)addr);
	if (got < 0)
		return -errno;
	return (size_t)got == len ? 0 : -EFAULT;
}

int sup_vm_read(pid_t tid, const struct iovec *local, const struct iovec *remote, size_t n)
{
	size_t want = 0;
	for (size_t i = 0; i < n; i++)
		want += local[i].iov_len;
	ssize_t got = process_vm_readv(tid, local, n, remote, n, 0);
	if (got < 0)
		return -errno;
	return (size_t)got == want ? 0 : -EFAULT;
}

int sup_mem_write(int mem_fd, uint64_t addr, const void *buf, size_t len)
{
	ssize_t put = pwrite(mem_fd, buf, len, (off_t)addr);
	if (put < 0)
		return -errno;
	return (size_t)put == len ? 0 : -EFAULT;
}

int sup_mem_read_string(int mem_fd, uint64_t addr, size_t max, char **out)
{
	size_t cap = 256, len = 0;
	_cleanup_free_ char *s = malloc(cap);
	if (!s)
		return -ENOMEM;
	while (len < max) {
		/* Read up to the next page boundary so a string that ends just
		 * before an unmapped page still reads. */
		size_t chunk = 4096 - (size_t)((addr + len) & 4095);
		if (chunk > max - len)
			chunk = max - len;
		if (len + chunk + 1 > cap) {
			while (len + chunk + 1 > cap)
				cap *= 2;
			char *grown = realloc(s, cap);
			if (!grown)
				return -ENOMEM;
			s = grown;
		}
		ssize_t got = pread(mem_fd, s + len, chunk, (off_t)(addr + len));
		if (got <= 0)
			return got < 0 ? -errno : -EFAULT;
		char *nul = memchr(s + len, '\0', (size_t)got);
		if (nul) {
			*out = steal_ptr(s);
			return 0;
		}
		len += (size_t)got;
	}
	return -E2BIG;
}

int sup_proc_status(pid_t tid, const char *const keys[], long values[], size_t n)
{
	char path[64], line[256];
	for (size_t i = 0; i < n; i++)
		values[i] = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t found = 0;
	while (found < n && fgets(line, sizeof(line), f))
		for (size_t i = 0; i < n; i++) {
			size_t klen = strlen(keys[i]);
			if (values[i] == -1 && strncmp(line, keys[i], klen) == 0 &&
			    line[klen] == ':') {
				values[i] = atol(line + klen + 1);
				found++;
				break;
			}
		}
	return 0;
}

static pid_t status_field(pid_t pid, const char *key)
{
	long value;
	int r = sup_proc_status(pid, &key, &value, 1);
	if (r < 0)
		return r;
	return value == -1 ? -ESRCH : (pid_t)value;
}

pid_t sup_proc_tgid(pid_t tid)
{
	return status_field(tid, "Tgid");
}

pid_t sup_proc_ppid(pid_t pid)
{
	return status_field(pid, "PPid");
}
