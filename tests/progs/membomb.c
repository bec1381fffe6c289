/* membomb.c — allocates and touches memory in 16 MiB steps until a memory
 * limit stops it (killed, or an allocation fails: exit 1). Prints nothing.
 * Must never run away when no limit is in force: it stops at [MAX_MIB]
 * (default 4096) or after 30 s and then exits 0, which tests read as
 * "the limit did not hold".
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define STEP (16UL << 20)

int main(int argc, char **argv)
{
	unsigned long max_mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 4096;
	time_t deadline = time(NULL) + 30;

	for (unsigned long total = 0; total < (max_mib << 20) && time(NULL) < deadline;
	     total += STEP) {
		/* mmap, not malloc: each step is fresh pages that must be
		 * faulted in, never recycled heap. */
		char *block = mmap(NULL, STEP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
		if (block == MAP_FAILED)
			return 1;
		memset(block, 0xa5, STEP);
	}
	return 0;
}
