#!/usr/bin/env bash
# test_resources.sh — the resource guard against real hogs: a memory bomb
# stopped at the limit with an event, a fork bomb held at the pids limit while
# ward stays in control, a CPU spinner held to its quota; and, unprivileged,
# limits that are labelled for what they are.
# Usage: test_resources.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
PY=/usr/bin/python3

DATA=$(mktemp -d "$WORK/res.XXXXXX")
chmod 755 "$DATA"
EV=$DATA/events.jsonl
: >"$EV"
chmod 666 "$EV"

if [ -z "$AS_USER" ]; then
	# ---- memory ----
	expect "a memory bomb under --memory 64M is killed (137)" 137 '' -- \
		run --memory 64M --events "$EV" -- "$PY" -c '
x = []
while True:
    x.append(bytearray(16 << 20))'
	if grep -q '"type":"limit","resource":"memory"' "$EV"; then
		t_ok "the memory limit emits a limit event"
	else
		t_fail "the memory limit emits a limit event" "$(cat "$EV" | tail -3)"
	fi
	reason=$(event_field exit reason)
	if [ "$reason" = memory ]; then t_ok "the exit reason is memory"; else t_fail "exit reason memory" "reason=$reason"; fi

	# ---- pids ----
	: >"$EV"
	start=$(date +%s)
	# dash gives up (status 2) when a fork fails: what matters is that the
	# run ends by itself, long before its timeout.
	run_ward run --pids 64 --timeout 20s --events "$EV" -- /bin/sh -c '
i=0
while [ $i -lt 400 ]; do sleep 5 & i=$((i+1)); done 2>/dev/null
exit 0'
	reason=$(event_field exit reason)
	if [ "$reason" != timeout ] && [ "$RC" != 125 ]; then
		t_ok "a fork bomb under --pids 64 is held and the run ends (status $RC)"
	else
		t_fail "a fork bomb under --pids 64 is held and the run ends" "status $RC, reason $reason" "$ERR"
	fi
	took=$(($(date +%s) - start))
	if grep -q '"resource":"pids"' "$EV"; then
		t_ok "forks beyond the pids limit are refused and reported ($took s)"
	else
		t_fail "pids limit event" "$(tail -3 "$EV")"
	fi

	# ---- cpu ----
	: >"$EV"
	expect "a CPU spinner runs under --cpu 25" 0 '' -- \
		run --cpu 25 --events "$EV" -- "$PY" -c '
import time
end = time.monotonic() + 4
while time.monotonic() < end:
    pass'
	user=$(event_field exit cpu_user_ms)
	sys=$(event_field exit cpu_system_ms)
	wall=$(event_field exit duration_ms)
	pct=$(( (user + sys) * 100 / wall ))
	# The quota is the ceiling (25% + 5 points); below it the spinner may get
	# less on a busy machine, but it must have run.
	if [ "$pct" -le 30 ] && [ "$pct" -ge 10 ]; then
		t_ok "the CPU quota holds the spinner at ${pct}% of one CPU (quota 25%)"
	else
		t_fail "the CPU quota holds the spinner near 25%" "measured ${pct}% (cpu $((user + sys)) ms over $wall ms)"
	fi
else
	# Without a cgroup of its own a memory limit can only be per process:
	# --explain must say so, or the run must refuse to call it enforced.
	run_ward check --explain /dev/null 2>/dev/null
	run_ward run --explain --memory 100M -- true
	if printf '%s\n' "$ERR" | grep -Eiq 'limit memory.*(per process|rlimit)|cannot enforce .limit memory'; then
		t_ok "an unprivileged memory limit is labelled per process (or refused)"
	else
		t_fail "an unprivileged memory limit is labelled honestly" "$ERR"
	fi
fi

expect_err "a bad --memory: one line, 125" 125 "memory" -- run --memory lots -- true
expect_err "a bad --cpu: one line, 125" 125 "cpu" -- run --cpu -5 -- true

rm -rf "$DATA"
t_summary
