/* idle_memory.c — see idle_memory.h. */
#include "core/idle_memory.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

bool idle_memory_drop_own_text;

/* The pathname of the mapping that holds this function: the executable
 * when libward is linked in statically, as in the CLI. */
static bool own_path(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return false;
	uintptr_t self = (uintptr_t)(void *)own_path;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int at = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &at) < 2 || !at)
			continue;
		if (self < lo || self >= hi || line[at] != '/')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, size, "%s", line + at);
		found = true;
	}
	fclose(f);
	return found;
}

static void drop_own_text(void)
{
	char path[4096];
	if (!own_path(path, sizeof(path)))
		return;
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return;
	char line[4096];
	unsigned long lo = 0, hi = 0;
	bool candidate = false, clean = false;
	for (;;) {
		bool more = fgets(line, sizeof(line), f) != NULL;
		unsigned long a, b;
		char perms[8];
		int at = 0;
		bool header =
			more && sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &a, &b, perms, &at) >= 3;
		if (!more || header) {
			/* The previous mapping, now that all its fields were read. */
			if (candidate && clean)
				madvise((void *)lo, hi - lo, MADV_DONTNEED);
			if (!more)
				break;
			line[strcspn(line, "\n")] = '\0';
			lo = a;
			hi = b;
			/* Private, never writable, this file: nothing in it but the
			 * file's bytes, unless "Anonymous" below says otherwise. */
			candidate = at && perms[1] == '-' && perms[3] == 'p' &&
				    !strcmp(line + at, path);
			clean = false;
			continue;
		}
		unsigned long kb;
		if (sscanf(line, "Anonymous: %lu kB", &kb) == 1)
			clean = kb == 0;
		else if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " lo"))
			candidate = false; /* locked */
	}
	fclose(f);
}

void idle_memory_shed(void)
{
	malloc_trim(0);
	if (idle_memory_drop_own_text)
		drop_own_text();
}
