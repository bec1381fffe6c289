#!/usr/bin/env bash
# fs_mask.sh BUILD — the cost of holding an fs deny and a read-only
# carve-out inside a write grant with the mount-namespace mask, on an
# open-heavy workload: `git status` in a 5,000-file repository, side by side
# with the same run without the rules and with no sandbox. Medians of
# hyperfine runs, from one run on one machine.
set -eu
BUILD=${1:-build}
WARD=$(cd "$(dirname "$BUILD/ward")" && pwd)/ward
RUNS=${RUNS:-30}
FILES=${FILES:-5000}
REPO=$(mktemp -d /tmp/ward-bench-repo.XXXXXX)
out=$(mktemp)
trap 'case $REPO in /tmp/ward-bench-repo.*) rm -rf "$REPO" ;; esac; rm -f "$out"' EXIT
git -C "$REPO" init -q
for d in $(seq 0 49); do
	mkdir "$REPO/d$d"
	for f in $(seq 0 $((FILES / 50 - 1))); do echo "$d $f" >"$REPO/d$d/f$f"; done
done
echo SECRET >"$REPO/.env"
git -C "$REPO" add -A && git -C "$REPO" -c user.name=b -c user.email=b@example.invalid commit -qm init
git -C "$REPO" status >/dev/null # warm the index
cmds=(
	"git -C $REPO status --porcelain"
	"$WARD run -w $REPO -- git -C $REPO status --porcelain"
	"$WARD run -w $REPO --fs-deny $REPO/.env -r $REPO/.git/config -- git -C $REPO status --porcelain"
)
names=("bare git status" "ward -w repo" "ward -w repo + deny + carve-out")
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$out" "${cmds[@]}" >/dev/null
python3 - "$out" "$FILES" "${names[@]}" <<'PY'
import json, statistics, sys
data = json.load(open(sys.argv[1]))["results"]
files, names = sys.argv[2], sys.argv[3:]
med = [statistics.median(r["times"]) * 1e3 for r in data]
print(f"git status, {files} files")
print(f"{'command':34} {'median ms':>10} {'x bare':>8}")
for n, m in zip(names, med):
    print(f"{n:34} {m:10.3f} {m / med[0]:8.2f}")
print(f"mask / no mask: {med[2] / med[1]:.3f}")
PY
