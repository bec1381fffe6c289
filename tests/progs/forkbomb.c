/* forkbomb.c — forks in a loop and keeps every child alive, until a pids
 * limit refuses forks or the sandbox is killed. Only the first process
 * forks (no exponential growth), children die with it, and it must never
 * run away when no limit holds: it gives up after 20 s or 5000 children,
 * kills and reaps them (zombies would still count against RLIMIT_NPROC) and
 * exits 0. Exit 1 means a fork was refused at least once. Prints nothing.
 */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 5000
#define SECONDS 20

static pid_t children[MAX_CHILDREN];

int main(void)
{
	time_t deadline = time(NULL) + SECONDS;
	int count = 0, refused = 0;
	pid_t self = getpid();

	while (time(NULL) < deadline) {
		if (count >= MAX_CHILDREN) {
			sleep(1);
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* The parent may have died before PDEATHSIG was set. */
			if (getppid() != self)
				_exit(0);
			sleep(SECONDS + 5);
			_exit(0);
		}
		if (pid > 0) {
			children[count++] = pid;
			continue;
		}
		refused = 1;
		/* Keep pressing on the limit without spinning a CPU. */
		usleep(10000);
	}
	for (int i = 0; i < count; i++)
		kill(children[i], SIGKILL);
	for (int i = 0; i < count; i++)
		waitpid(children[i], NULL, 0);
	return refused;
}
