/* sup_spawner.c — runs TARGET ARGS... through one way of creating a process:
 * fork, vfork, posix_spawn, clone3, clonevm (CLONE_VM child) or thread (exec
 * from a second thread). Exits with the target's status, or 100 + errno
 * when the exec failed. Usage: sup_spawner MODE TARGET ARGS... */
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char **target_argv;

static int exec_target(void *unused)
{
	(void)unused;
	execv(target_argv[0], target_argv);
	_exit(100 + errno);
}

static int wait_status(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, __WALL) < 0)
		return 99;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

static void *thread_exec(void *unused)
{
	(void)unused;
	execv(target_argv[0], target_argv);
	_exit(100 + errno);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	const char *mode = argv[1];
	target_argv = argv + 2;
	pid_t pid;
	if (strcmp(mode, "fork") == 0) {
		if ((pid = fork()) == 0)
			exec_target(NULL);
		return wait_status(pid);
	}
	if (strcmp(mode, "vfork") == 0) {
		if ((pid = vfork()) == 0) {
			execv(target_argv[0], target_argv);
			_exit(100 + errno);
		}
		return wait_status(pid);
	}
	if (strcmp(mode, "posix_spawn") == 0) {
		int r = posix_spawn(&pid, target_argv[0], NULL, NULL, target_argv, environ);
		return r ? 100 + r : wait_status(pid);
	}
	if (strcmp(mode, "clone3") == 0) {
		struct clone_args ca = {.exit_signal = SIGCHLD};
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0)
			exec_target(NULL);
		return pid < 0 ? 97 : wait_status(pid);
	}
	if (strcmp(mode, "clonevm") == 0) {
		size_t size = 1 << 20;
		char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
		pid = clone(exec_target, stack + size, CLONE_VM | SIGCHLD, NULL);
		return pid < 0 ? 97 : wait_status(pid);
	}
	if (strcmp(mode, "thread") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, thread_exec, NULL);
		pthread_join(t, NULL);
		return 96;
	}
	return 2;
}
