/* trace.h — WARD_TRACE_PHASES=1: one line per start-up and teardown phase
 * on standard error, "ward-trace PID +MICROSECONDS PHASE", stamped with
 * CLOCK_MONOTONIC from the first trace_start() (the CLI's, else the spawn's). A measuring aid only
 * (it changes nothing the sandbox enforces). trace_phase() is async-signal-safe (the vDSO clock and
 * one write), so the child calls it between clone and exec; with tracing off it is one load and a
 * branch.
 */
#ifndef WARD_CORE_TRACE_H
#define WARD_CORE_TRACE_H

/* The descriptor traces go to (a close-on-exec copy of stderr), or -1. */
extern int trace_fd;

/* Reads WARD_TRACE_PHASES and starts the clock, once per process. */
void trace_start(void);
void trace_phase_slow(const char *phase);

static inline void trace_phase(const char *phase)
{
	if (__builtin_expect(trace_fd >= 0, 0))
		trace_phase_slow(phase);
}

#endif
