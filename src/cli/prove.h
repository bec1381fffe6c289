/* prove.h — `ward prove`: attack programs compiled into ward (run inside a
 * sandbox as `ward __probe NAME MODE ARGS...`) and the runner that starts
 * each in a fresh sandbox. A probe reports through its exit status only:
 * 0 the operation succeeded, an errno (1..119) it failed with, or one of
 * the PROBE_* codes below; a signal (SIGSYS) is the kernel killing it. */
#ifndef WARD_PROVE_H
#define WARD_PROVE_H

enum {
	PROBE_SETUP = 120,	 /* the probe could not set itself up: inconclusive */
	PROBE_UNKNOWN = 121,	 /* no such probe */
	PROBE_UNSUPPORTED = 122, /* the kernel lacks the feature the probe attacks */
	PROBE_ARGV_WON = 123,	 /* the argv race was won: the denied argv ran */
};

/* net-listen-autobind's control binds a free port of PORT_ALLOWED+1 ..
 * PORT_ALLOWED+PROBE_BIND_SPAN, the --net-bind range the runner grants. */
#define PROBE_BIND_SPAN 32

/* `ward __probe NAME attack|control ARGS...` (inside the sandbox). */
int prove_probe_main(int argc, char **argv);

#endif
