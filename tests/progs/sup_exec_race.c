/* sup_exec_race.c — the argv TOCTOU race: a thread rewrites an argument in a
 * tight loop between a denied ("--force") and an allowed ("--fooce") value
 * while the main thread execs. Usage: sup_exec_race TARGET ATTEMPTS.
 * Prints "bypass=N denied=N allowed=N"; exits 1 when any exec got through
 * with the denied value. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char arg[] = "--fooce";
static volatile char *const flipped = arg + 4; /* volatile: every store happens */

static void *flip(void *unused)
{
	(void)unused;
	for (;;) {
		*flipped = 'r';
		*flipped = 'o';
	}
	return NULL;
}

static int attempt(const char *target)
{
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, flip, NULL);
		char *argv[] = {(char *)"sup_argv_report", (char *)"push", arg, NULL};
		/* Spin until the flipper is running so the exec really races it. */
		for (volatile int i = 0; i < 2000; i++)
			;
		execv(target, argv);
		_exit(errno == EACCES ? 77 : 78);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int n = atoi(argv[2]), bypass = 0, denied = 0, allowed = 0, other = 0;
	for (int i = 0; i < n; i++) {
		int r = attempt(argv[1]);
		if (r == 42)
			bypass++;
		else if (r == 77)
			denied++;
		else if (r == 0)
			allowed++;
		else
			other++;
	}
	printf("bypass=%d denied=%d allowed=%d other=%d\n", bypass, denied, allowed, other);
	return bypass ? 1 : 0;
}
