#!/usr/bin/env python3
"""bench/unix_overlay_ab.py ROUNDS NAME=WARD... — the unix rule's cost in
the default profile, side by side: bare, then each named ward binary (e.g.
main=... with the supervisor's trap, overlay=... with read-only overlays),
rounds interleaved so load hits all alike; each figure the median over
rounds, with the ratio to bare. Runs as the calling user (run it again
under setpriv for uid 65534). A measurement, never a test.

  connect / sendto / send   bench/netcost.c inside the sandbox (its own lo)
  git status                a 5,000-file tree in the write grant (-w: a bind
                            either way), and, as "... overlaid", given as an
                            optional read grant (an overlay where the build
                            makes them)
  python imports            PYTHON (default: pyenv's python3 when there is
                            one, else /usr/bin/python3) importing json,
                            asyncio, email, http.client, spaced 50 ms
"""
import os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rounds = int(sys.argv[1])
wards = [a.split("=", 1) for a in sys.argv[2:]]
work = tempfile.mkdtemp(prefix="ward-ovl-bench.")
os.chmod(work, 0o755)
net = os.path.join(work, "netcost")
subprocess.run(["cc", "-std=gnu11", "-O2", "-D_GNU_SOURCE", "-pthread", "-o", net,
                os.path.join(ROOT, "bench/netcost.c")], check=True)
tree = os.path.join(work, "tree")
os.makedirs(tree)
for d in range(50):
    os.makedirs(f"{tree}/d{d}")
    for f in range(100):
        open(f"{tree}/d{d}/f{f}.txt", "w").write(f"{d} {f}\n")
git = ["git", "-c", "user.email=b@ward", "-c", "user.name=bench", "-C", tree]
subprocess.run(["git", "init", "-q", tree], check=True)
subprocess.run(git + ["add", "-A"], check=True)
subprocess.run(git + ["commit", "-qm", "tree"], check=True)
subprocess.run(["chmod", "-R", "a+rX", work])
pyenv = os.path.expanduser("~/.pyenv/versions")
python = os.environ.get("PYTHON")
if not python and os.path.isdir(pyenv) and os.access(pyenv, os.R_OK):
    vs = sorted(os.listdir(pyenv),
                key=lambda v: [int(x) if x.isdigit() else 0 for x in v.split(".")])
    if vs:
        python = os.path.join(pyenv, vs[-1], "bin", "python3")
python = python or "/usr/bin/python3"
uid = os.getuid()


def prefixes():
    yield "bare", []
    for name, path in wards:
        yield name, [os.path.abspath(path), "run", "-w", work, "--"]


def run(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd="/")
    ms = (time.perf_counter() - t) * 1000
    if r.returncode:
        sys.exit(f"{cmd}: exit {r.returncode}: {r.stderr.strip()[:300]}")
    return ms, r.stdout


opt_policy = os.path.join(work, "optional-tree.yaml")
with open(opt_policy, "w") as f:
    f.write(f"extends: default\nfs:\n  read:\n    - {{path: {tree}, optional: true}}\n")
os.chmod(opt_policy, 0o644)

res = {}
for r in range(rounds + 1):  # the first round warms the caches, and is dropped
    # The order flips every round: a run pays for the one before it (a
    # network namespace with 2,000 closed connections is torn down late).
    order = list(prefixes())
    for name, pre in (order if r % 2 else order[::-1]):
        _, out = run(pre + [net, "2000", "3", "connect"])
        _, out2 = run(pre + [net, "20000", "3", "sendto", "send"])
        for line in (out + out2).splitlines():
            op, med, _mn = line.split()
            if r:
                res.setdefault((op + " (ns/call)", name), []).append(float(med))
        time.sleep(0.05)
        ms, _ = run(pre + ["git", "-c", "safe.directory=*", "-C", tree, "status", "--short"])
        if r:
            res.setdefault(("git status 5000 files (ms)", name), []).append(ms)
        time.sleep(0.05)
        opt = pre if not pre else [pre[0], "run", opt_policy, "--"]
        ms, _ = run(opt + ["git", "-c", "safe.directory=*", "-C", tree, "status", "--short"])
        if r:
            res.setdefault(("git status 5000, tree optional (ms)", name), []).append(ms)
        time.sleep(0.05)
        ms, _ = run(pre + [python, "-c", "import json, asyncio, email, http.client"])
        if r:
            res.setdefault((f"python imports (ms)", name), []).append(ms)
        time.sleep(0.05)
        ms, _ = run(pre + ["/bin/true"])
        if r:
            res.setdefault(("start-up /bin/true, spaced (ms)", name), []).append(ms)

print(f"uid {uid}, {rounds} rounds interleaved, python {python}, "
      f"load {os.getloadavg()[0]:.1f}")
names = ["bare"] + [n for n, _ in wards]
print(f"{'measure':34}" + "".join(f"{n:>16}" for n in names))
for metric in dict.fromkeys(m for m, _ in res):
    base = statistics.median(res[(metric, "bare")])
    cells = []
    for n in names:
        v = statistics.median(res[(metric, n)])
        cells.append(f"{v:9.1f}" + (f" {v / base:5.2f}x" if n != "bare" else "       "))
    print(f"{metric:34}" + "".join(f"{c:>16}" for c in cells))
# Only the directory this script made.
if os.path.basename(work).startswith("ward-ovl-bench."):
    shutil.rmtree(work)
