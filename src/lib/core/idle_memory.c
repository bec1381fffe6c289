/* idle_memory.c — see idle_memory.h. The executable's mappings are found
 * and dropped with system calls only and static buffers, no allocation and
 * no stdio: the keeper (a raw clone of a caller that may be
 * multi-threaded) calls it too.
 */
#include "core/idle_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

bool idle_memory_drop_own_text;

struct line_reader {
	int fd;
	size_t len, at;
	char buf[8192];
	char line[1024];
};

/* The next line (without its newline, cut at sizeof(line) - 1), or NULL at
 * the end or on an error. */
static const char *next_line(struct line_reader *r)
{
	size_t n = 0;
	for (;;) {
		if (r->at == r->len) {
			ssize_t got;
			do
				got = read(r->fd, r->buf, sizeof(r->buf));
			while (got < 0 && errno == EINTR);
			if (got <= 0) {
				if (n == 0)
					return NULL;
				break;
			}
			r->len = (size_t)got;
			r->at = 0;
		}
		char c = r->buf[r->at++];
		if (c == '\n')
			break;
		if (n < sizeof(r->line) - 1)
			r->line[n++] = c;
	}
	r->line[n] = '\0';
	return r->line;
}

static const char *parse_hex(const char *p, uintptr_t *out)
{
	uintptr_t v = 0;
	const char *start = p;
	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			break;
		v = v * 16 + d;
	}
	*out = v;
	return p == start ? NULL : p;
}

static const char *skip_field(const char *p)
{
	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	return p;
}

/* A mapping line of maps or smaps: "LO-HI PERMS OFFSET DEV INODE [PATH]".
 * Sets the range, the permissions and the "DEV INODE" identity. */
static bool parse_mapping(const char *line, uintptr_t *lo, uintptr_t *hi, char perms[5],
			  char id[64])
{
	const char *p = parse_hex(line, lo);
	if (!p || *p != '-' || !(p = parse_hex(p + 1, hi)) || *p != ' ')
		return false;
	p++;
	for (int i = 0; i < 4; i++) {
		if (!p[i])
			return false;
		perms[i] = p[i];
	}
	perms[4] = '\0';
	p = skip_field(skip_field(p)); /* perms, offset */
	const char *dev = p;
	p = skip_field(skip_field(p)); /* dev, inode */
	size_t n = (size_t)(p - dev);
	while (n && dev[n - 1] == ' ')
		n--;
	if (n == 0 || n >= 64)
		return false;
	memcpy(id, dev, n);
	id[n] = '\0';
	return true;
}

static int open_proc(const char *path)
{
	int fd;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static void drop_own_text(void)
{
	static struct line_reader r;
	static char own[64];
	uintptr_t self = (uintptr_t)(void *)drop_own_text, lo, hi;
	char perms[5], id[64];
	/* Which file holds this code ("DEV INODE" of its mapping). */
	own[0] = '\0';
	r.fd = open_proc("/proc/self/maps");
	if (r.fd < 0)
		return;
	r.len = r.at = 0;
	for (const char *line; !own[0] && (line = next_line(&r));)
		if (parse_mapping(line, &lo, &hi, perms, id) && self >= lo && self < hi &&
		    strcmp(id, "00:00 0") != 0)
			memcpy(own, id, sizeof(own));
	close(r.fd);
	if (!own[0])
		return;
	/* Each private, never-writable mapping of that file whose every
	 * resident page is the file's (no anonymous copy), once all of its
	 * smaps fields were read. */
	r.fd = open_proc("/proc/self/smaps");
	if (r.fd < 0)
		return;
	r.len = r.at = 0;
	bool candidate = false, clean = false;
	uintptr_t cur_lo = 0, cur_hi = 0;
	for (;;) {
		const char *line = next_line(&r);
		bool header = line && parse_mapping(line, &lo, &hi, perms, id);
		if (!line || header) {
			if (candidate && clean)
				madvise((void *)cur_lo, cur_hi - cur_lo, MADV_DONTNEED);
			if (!line)
				break;
			cur_lo = lo;
			cur_hi = hi;
			candidate = perms[1] == '-' && perms[3] == 'p' && !strcmp(id, own);
			clean = false;
			continue;
		}
		if (!strncmp(line, "Anonymous:", 10)) {
			const char *p = line + 10;
			while (*p == ' ')
				p++;
			clean = p[0] == '0' && p[1] == ' ';
		} else if (!strncmp(line, "VmFlags:", 8) && strstr(line, " lo")) {
			candidate = false; /* locked */
		}
	}
	close(r.fd);
}

void idle_memory_shed(void)
{
	malloc_trim(0);
	if (idle_memory_drop_own_text)
		drop_own_text();
}

void idle_memory_shed_text(void)
{
	if (idle_memory_drop_own_text)
		drop_own_text();
}
