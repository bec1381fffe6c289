/* live_tty.c — the terminal side of `ward top`: an alternate screen in
 * cbreak mode while it runs, keys read between refreshes, and the terminal
 * given back exactly as it was however top ends (q, Ctrl-C, SIGTERM, a hang-up). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "live_tty.h"

static struct termios saved_termios;
static volatile sig_atomic_t tty_active;
static volatile sig_atomic_t stop_signal;

static void tty_restore(void)
{
	if (!tty_active)
		return;
	/* Leave the alternate screen and show the cursor again. */
	static const char leave[] = "\033[?25h\033[?1049l";
	(void)!write(STDOUT_FILENO, leave, sizeof(leave) - 1);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
	tty_active = 0;
}

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

int live_tty_begin(void)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return -1;
	struct termios raw = saved_termios;
	/* cbreak: keys arrive one by one, unechoed; ISIG stays on so that
	 * Ctrl-C still reaches top as SIGINT and ends it cleanly. */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
		return -1;
	tty_active = 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() returns EINTR and the loop ends. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fputs("\033[?1049h\033[?25l", stdout);
	fflush(stdout);
	return 0;
}

void live_tty_end(void)
{
	fflush(stdout);
	tty_restore();
}

int live_tty_rows(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return 24;
	return ws.ws_row;
}

int live_tty_wait_key(double seconds)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (stop_signal)
			return LIVE_TTY_QUIT;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double left = seconds - (double)(now.tv_sec - start.tv_sec) -
			      (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (left <= 0)
			return LIVE_TTY_TIMEOUT;
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
		int r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (p.revents & (POLLHUP | POLLERR))
			return LIVE_TTY_QUIT;
		unsigned char key;
		ssize_t n = read(STDIN_FILENO, &key, 1);
		if (n <= 0)
			return LIVE_TTY_QUIT;
		if (key == 'q' || key == 'Q' || key == 0x1b)
			return LIVE_TTY_QUIT;
		return key;
	}
}
