#!/usr/bin/env python3
"""bench/idle_pss.py ROUNDS NAME=WARD... — PSS (smaps_rollup) of an idle
`WARD run -- /bin/sleep 3` and of its keeper (the sandbox's pid 1, a copy
of ward), read 0.5 s after the program started, for each named ward binary,
the binaries alternated. Prints the median and min..max in KiB. A
measurement, never a test."""
import os, statistics, subprocess, sys, time

rounds = int(sys.argv[1])
wards = [a.split("=", 1) for a in sys.argv[2:]]


def pss(pid):
    for line in open(f"/proc/{pid}/smaps_rollup"):
        if line.startswith("Pss:"):
            return int(line.split()[1])


res = {n: ([], []) for n, _ in wards}
for _ in range(rounds):
    for name, path in wards:
        p = subprocess.Popen([os.path.abspath(path), "run", "--", "/bin/sleep", "3"], cwd="/",
                             stderr=subprocess.DEVNULL)
        deadline, got = time.time() + 20, None
        while time.time() < deadline and got is None:
            kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
            if kids:
                time.sleep(0.5)
                got = (pss(p.pid), pss(int(kids[0])))
            else:
                time.sleep(0.02)
        p.wait()
        if got:
            res[name][0].append(got[0])
            res[name][1].append(got[1])
print(f"idle PSS, {rounds} rounds, load average {os.getloadavg()[0]:.1f}")
print(f"{'ward':12} {'ward KiB':>9} {'min..max':>14} {'keeper KiB':>11} {'min..max':>14}")
for name, (w, k) in res.items():
    print(f"{name:12} {statistics.median(w):9.0f} {min(w):6}..{max(w):<7} "
          f"{statistics.median(k):11.0f} {min(k):6}..{max(k):<7}")
