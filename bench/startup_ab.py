#!/usr/bin/env python3
"""bench/startup_ab.py RUNS NAME=WARD... [-- ward run arguments...]

Spaced start-up (50 ms apart) of `WARD run ARGS -- /bin/true` for each
named ward binary, INTERLEAVED with bare /bin/true and
`bwrap --unshare-all --dev /dev --proc /proc --ro-bind / / /bin/true` in
the same rounds, so that load hits every command alike. Prints the median,
the p10..p90 spread, and the ratio of medians to bare and to bwrap, plus
the load average before and after. A measurement, never a test.

The ward runs carry WARD_TRACE_PHASES=1; the last column is the median
with the "host features" phase taken out of each run: on a host where
other checkouts' wards replace the pinned BPF programs, the next start
reloads them (~300 ms under the pin lock), which says nothing about this
build (see BENCHMARKS.md).
"""
import os, shlex, shutil, statistics, subprocess, sys, time

runs = int(sys.argv[1])
rest = sys.argv[2:]
extra = rest[rest.index("--") + 1:] if "--" in rest else []
wards = [a.split("=", 1) for a in (rest[:rest.index("--")] if "--" in rest else rest)]
cmds = [("bare /bin/true", ["/bin/true"])]
if shutil.which("bwrap"):
    cmds.append(("bwrap --unshare-all", shlex.split(
        "bwrap --unshare-all --dev /dev --proc /proc --ro-bind / / /bin/true")))
for name, path in wards:
    cmds.append((name, [os.path.abspath(path), "run", *extra, "--", "/bin/true"]))
times = [[] for _ in cmds]
trimmed = [[] for _ in cmds]
env = dict(os.environ, WARD_TRACE_PHASES="1")


def host_features_us(stderr):
    prev = 0
    for line in stderr.splitlines():
        if not line.startswith("ward-trace "):
            continue
        _, _pid, stamp, phase = line.split(" ", 3)
        if phase.startswith("t0 "):
            continue
        us = int(stamp[1:])
        if phase == "host features":
            return us - prev
        prev = us
    return 0
load0 = os.getloadavg()[0]
for _ in range(runs):
    for i, (_, c) in enumerate(cmds):
        time.sleep(0.05)
        t = time.perf_counter()
        r = subprocess.run(c, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd="/",
                           stderr=subprocess.PIPE, text=True, env=env)
        wall = (time.perf_counter() - t) * 1000
        times[i].append(wall)
        trimmed[i].append(wall - host_features_us(r.stderr) / 1000)
        if r.returncode != 0:
            sys.exit(f"{c}: exit {r.returncode}: {r.stderr}")
load1 = os.getloadavg()[0]
med = [statistics.median(t) for t in times]
bw = med[1] if len(cmds) > 1 and cmds[1][0].startswith("bwrap") else None
print(f"spaced 50 ms, {runs} rounds interleaved, load average {load0:.1f} -> {load1:.1f}")
print(f"{'command':22} {'median ms':>9} {'p10..p90 ms':>14} {'x bare':>7} {'x bwrap':>8}"
      f" {'w/o host features':>18} {'x bwrap':>8}")
for (nm, _), m, t, tr in zip(cmds, med, times, trimmed):
    s = sorted(t)
    p10, p90 = s[int(len(s) * 0.1)], s[min(len(s) - 1, int(len(s) * 0.9))]
    mt = statistics.median(tr)
    print(f"{nm:22} {m:9.2f} {p10:6.2f}..{p90:6.2f} {m / med[0]:7.2f} "
          f"{(m / bw if bw else float('nan')):8.2f} {mt:18.2f} "
          f"{(mt / bw if bw else float('nan')):8.2f}")
