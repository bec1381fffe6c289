#!/usr/bin/env bash
# startup.sh BUILD — start-up cost of ward against bare exec and bubblewrap:
# medians of hyperfine runs, and ratios, from one run on one machine.
set -eu
BUILD=${1:-build}
WARD=$BUILD/ward
RUNS=${RUNS:-200}
out=$(mktemp)
cmds=(
	"/bin/true"
	"$WARD run --profile minimal -- /bin/true"
	"$WARD run -- /bin/true"
)
names=("bare /bin/true" "ward minimal" "ward default")
if command -v bwrap >/dev/null; then
	cmds+=("bwrap --ro-bind / / /bin/true")
	names+=("bwrap --ro-bind / /")
fi
hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$out" "${cmds[@]}" >/dev/null
python3 - "$out" "${names[@]}" <<'PY'
import json, statistics, sys
data = json.load(open(sys.argv[1]))["results"]
names = sys.argv[2:]
med = [statistics.median(r["times"]) * 1e3 for r in data]
base = med[0]
print(f"{'command':24} {'median ms':>10} {'x bare':>8}")
for n, m in zip(names, med):
    print(f"{n:24} {m:10.3f} {m / base:8.2f}")
if len(med) > 3:
    print(f"ward default / bwrap: {med[2] / med[3]:.2f}   ward minimal / bwrap: {med[1] / med[3]:.2f}")
PY
rm -f "$out"
