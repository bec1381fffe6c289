/* sup_fs_race.c — tries to win the race against the supervisor's inode
 * check: one thread flips a name between an allowed file and a denied one
 * (symlink swap by rename), the main thread opens that name and reads.
 * Exits 1 if the denied content was ever read, 2 if the race never ran
 * both ways, else 0. Usage: sup_fs_race DIR ALLOWED DENIED ITERATIONS.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char name[4096], tmp[4096];
static const char *targets[2];
static atomic_bool stop;

static void *flipper(void *arg)
{
	(void)arg;
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		unlink(tmp);
		if (symlink(targets[i & 1], tmp) == 0)
			rename(tmp, name);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return 3;
	snprintf(name, sizeof(name), "%s/flip", argv[1]);
	snprintf(tmp, sizeof(tmp), "%s/flip.tmp", argv[1]);
	targets[0] = argv[2];
	targets[1] = argv[3];
	int iterations = atoi(argv[4]);
	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	int opened = 0, denied = 0, leaked = 0;
	for (int i = 0; i < iterations; i++) {
		int fd = open(name, O_RDONLY);
		if (fd < 0) {
			denied += errno == EACCES;
			continue;
		}
		char buf[16] = "";
		if (read(fd, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "SECRET", 6) == 0)
			leaked++;
		opened++;
		close(fd);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	fprintf(stderr, "sup_fs_race: opened %d, denied %d, leaked %d\n", opened, denied, leaked);
	if (leaked)
		return 1;
	return opened && denied ? 0 : 2;
}
