#!/usr/bin/env bash
# test_prove.sh — `ward prove` on this host: every attack of the catalogue is
# stopped and every control run succeeds, as root and as an unprivileged
# user. Each probe row is one TAP line (a skip keeps its reason, and never
# counts as a pass); then the table's own closing line and exit status.
# Usage: test_prove.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"

# A bad argument is one line and 125, before anything runs.
expect_err "prove: unknown class is refused" 125 "no probe of class 'nope'" -- prove --class nope
expect_err "prove: unknown argument is refused" 125 "unknown argument '--bogus'" -- prove --bogus

run_ward prove
rows=$(printf '%s\n' "$OUT" | awk 'NR > 1 && NF >= 6 && $1 != "" && $0 !~ /^[0-9]+ passed/')
if [ -z "$rows" ]; then
	t_fail "prove printed its table" "exit $RC" "stdout: $OUT" "stderr: $(echo "$ERR" | head -5)"
fi
while IFS= read -r row; do
	[ -n "$row" ] || continue
	name=$(echo "$row" | awk '{print $1 " " $2}')
	case "$row" in
	*" pass"*) t_ok "prove $name" ;;
	*" skip: "*) t_skip "prove $name" "${row#* skip: }" ;;
	*) t_fail "prove $name" "$row" ;;
	esac
done <<<"$rows"
summary=$(printf '%s\n' "$OUT" | grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$')
failed=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
if [ -z "$summary" ]; then
	t_fail "prove ends with 'N passed, N failed, N skipped'" "stdout: $(echo "$OUT" | tail -3)"
elif { [ "$failed" = 0 ] && [ "$RC" = 0 ]; } || { [ "$failed" != 0 ] && [ "$RC" = 1 ]; }; then
	t_ok "prove's exit status ($RC) follows its failures ($failed)"
else
	t_fail "prove's exit status ($RC) follows its failures ($failed)" "$summary"
fi

# --json: the same verdicts, machine-readable.
run_ward prove --class kernel --json
if printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["failed"] == 0 and d["passed"] > 0, d
assert all(p["class"] == "kernel" and p["result"] in ("pass", "skip") for p in d["probes"]), d
' 2>/dev/null && [ "$RC" = 0 ]; then
	t_ok "prove --class kernel --json: parseable, only that class, no failure"
else
	t_fail "prove --class kernel --json" "exit $RC" "stdout: $(echo "$OUT" | head -5)" "stderr: $(echo "$ERR" | head -3)"
fi
t_summary
