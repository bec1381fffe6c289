#!/usr/bin/env bash
# world_startup.sh BUILD — start-up of the realistic case, runs spaced apart
# (about 50 ms between them, as a user or a build system starts them), not
# back to back: the median of RUNS (30) interleaved runs each of bare
# /bin/true, bwrap --unshare-all --dev /dev --proc /proc (with /usr bound), and
# ward's default and minimal profiles (their own namespaces and root).
set -eu
BUILD=${1:-build}
WARD=$(cd "$BUILD" && pwd)/ward
RUNS=${RUNS:-30}
python3 - "$WARD" "$RUNS" <<'PY'
import statistics, subprocess, sys, time, shutil
ward, runs = sys.argv[1], int(sys.argv[2])
cmds = {
    "bare /bin/true": ["/bin/true"],
    "ward default": [ward, "run", "--", "/bin/true"],
    "ward minimal": [ward, "run", "--profile", "minimal", "--", "/bin/true"],
}
if shutil.which("bwrap"):
    # The brief's `bwrap --unshare-all --dev /dev --proc /proc /bin/true` has
    # no /bin/true in its empty root; give it /usr and the merged-usr links
    # (what ward's minimal profile binds), or the whole host read-only.
    cmds["bwrap --unshare-all"] = ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--unshare-all", "--dev", "/dev", "--proc", "/proc", "/bin/true"]
    cmds["bwrap --ro-bind / / --unshare-all"] = ["bwrap", "--ro-bind", "/", "/", "--unshare-all",
        "--dev", "/dev", "--proc", "/proc", "/bin/true"]
times = {k: [] for k in cmds}
for _ in range(runs):
    for name, argv in cmds.items():
        time.sleep(0.05)
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd="/")
        times[name].append((time.perf_counter() - t) * 1e3)
base = statistics.median(times["bare /bin/true"])
print(f"{'command':24} {'median ms':>10} {'x bare':>8}")
for name, ts in times.items():
    m = statistics.median(ts)
    print(f"{name:24} {m:10.2f} {m / base:8.1f}")
if "bwrap --unshare-all" in times:
    b = statistics.median(times["bwrap --unshare-all"])
    print(f"ward default / bwrap: {statistics.median(times['ward default']) / b:.2f}")
PY
