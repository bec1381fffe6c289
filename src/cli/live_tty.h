/* live_tty.h — the terminal of `ward top` (see live_tty.c). */
#ifndef WARD_CLI_LIVE_TTY_H
#define WARD_CLI_LIVE_TTY_H

enum { LIVE_TTY_TIMEOUT = -1, LIVE_TTY_QUIT = -2 };

/* Enters the alternate screen in cbreak mode; -1 when stdin or stdout is
 * not a terminal (top then prints plain frames). */
int live_tty_begin(void);
/* Gives the terminal back as it was. */
void live_tty_end(void);
/* The terminal's height in rows. */
int live_tty_rows(void);
/* Waits up to SECONDS for a key: the key, LIVE_TTY_TIMEOUT, or LIVE_TTY_QUIT
 * for q, Esc, a hang-up or a stop signal. */
int live_tty_wait_key(double seconds);

#endif
