#!/usr/bin/env python3
"""bench/trace_phases.py WARD [RUNS] [-- ward run arguments...]

A phase breakdown of spaced start-ups: runs `WARD run ARGS -- /bin/true`
RUNS times (default 30), 50 ms apart, with WARD_TRACE_PHASES=1, and prints
for each phase the median time since the previous stamp (CLOCK_MONOTONIC,
microseconds), plus the wall time seen from outside (fork+exec of ward to
its exit). A measurement, never a test."""
import os, statistics, subprocess, sys, time

ward = os.path.abspath(sys.argv[1])
runs = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "--" else 30
extra = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
env = dict(os.environ, WARD_TRACE_PHASES="1")
deltas, order, walls = {}, [], []
for _ in range(runs):
    time.sleep(0.05)
    t = time.perf_counter()
    t_mono = time.monotonic_ns() // 1000
    p = subprocess.run([ward, "run", *extra, "--", "/bin/true"], env=env, cwd="/",
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    walls.append((time.perf_counter() - t) * 1e3)
    t_end = time.monotonic_ns() // 1000
    if p.returncode != 0:
        sys.exit(f"exit {p.returncode}: {p.stderr}")
    prev = 0
    t0 = None
    for line in p.stderr.splitlines():
        if not line.startswith("ward-trace "):
            continue
        _, _pid, stamp, phase = line.split(" ", 3)
        us = int(stamp[1:])
        if phase.startswith("t0 "):  # the clock's origin: the exec before it
            t0 = int(phase[3:])
            phase, us = "(fork+exec of ward, to main)", 0
            deltas.setdefault(phase, []).append(t0 - t_mono)
            if phase not in order:
                order.append(phase)
            continue
        if phase not in deltas:
            deltas[phase] = []
            order.append(phase)
        deltas[phase].append(us - prev)
        prev = us
    if t0 is not None:
        phase = "(exit of ward, seen by its parent)"
        deltas.setdefault(phase, []).append(t_end - (t0 + prev))
        if phase not in order:
            order.append(phase)
print(f"{'phase (time since the previous stamp)':58} {'median us':>10} {'p90 us':>8}")
total = 0
for ph in order:
    v = sorted(deltas[ph])
    med = statistics.median(v)
    total += med
    print(f"{ph:58} {med:10.0f} {v[int(len(v) * 0.9) - 1 if len(v) > 1 else 0]:8.0f}")
print(f"{'sum of medians':58} {total:10.0f}")
print(f"{'wall from outside (median ms)':58} {statistics.median(walls):10.2f}")
