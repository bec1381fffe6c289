/* sup_argv_report.c — exec target for supervisor tests: exits 42 when any
 * argument starts with "--force" (a denied exec got through), else 0. */
#include <string.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--force", 7) == 0)
			return 42;
	return 0;
}
