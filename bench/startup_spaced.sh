#!/usr/bin/env bash
# startup_spaced.sh BUILD — start-up as it happens in real use: runs spaced
# apart (SPACE_MS between runs, default 50), so that no run inherits the
# previous one's RCU grace period. Median of RUNS (default 30) per command,
# the commands interleaved so that load affects them alike.
set -eu
BUILD=${1:-build}
WARD=$BUILD/ward
RUNS=${RUNS:-30}
SPACE_MS=${SPACE_MS:-50}
names=("bare /bin/true" "ward default" "ward --unshare-pid")
cmds=("/bin/true" "$WARD run -- /bin/true" "$WARD run --unshare-pid -- /bin/true")
if command -v bwrap >/dev/null; then
	names+=("bwrap --unshare-all")
	cmds+=("bwrap --unshare-all --dev /dev --proc /proc --ro-bind / / /bin/true")
fi
python3 - "$RUNS" "$SPACE_MS" "${#cmds[@]}" "${cmds[@]}" "${names[@]}" <<'PY'
import shlex, statistics, subprocess, sys, time
runs, space, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
cmds, names = sys.argv[4:4 + n], sys.argv[4 + n:4 + 2 * n]
times = [[] for _ in cmds]
for _ in range(runs):
    for i, c in enumerate(cmds):
        time.sleep(space / 1000)
        t = time.perf_counter()
        r = subprocess.run(shlex.split(c), stdin=subprocess.DEVNULL)
        times[i].append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            sys.exit(f"{c}: exit {r.returncode}")
med = [statistics.median(t) for t in times]
print(f"{'command':24} {'median ms':>10} {'x bare':>8}   (spaced {space} ms, {runs} runs)")
for nm, m in zip(names, med):
    print(f"{nm:24} {m:10.2f} {m / med[0]:8.1f}")
PY
