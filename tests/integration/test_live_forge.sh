#!/usr/bin/env bash
# test_live_forge.sh — a local user forges a live record naming someone
# else's processes: `ward ps` must not list it and `ward kill` (as root, who
# acts on every user's records) must not hit them. Control: the same user's
# real sandbox is listed and killed by root. A planted FIFO does not block ward ps.
# Usage: test_live_forge.sh WORKDIR [UID]  (the forger is uid 65534; the
# victim and the controller are root, so this runs as root only)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
PY=/usr/bin/python3
FORGER=65534
as_forger() { setpriv --reuid=$FORGER --regid=$FORGER --clear-groups -- env -u XDG_RUNTIME_DIR HOME=/tmp "$@"; }
listed() { "$WARD" ps --json | "$PY" -c '
import json, sys
sys.exit(0 if any(r.get("name") == sys.argv[1] for r in json.load(sys.stdin)) else 1)' "$1"; }
start_of() { awk '{sub(/.*\) /,""); print $20}' "/proc/$1/stat"; }

if [ -n "$AS_USER" ]; then
	t_skip "forged live record aimed at root's processes" "needs root (victim and controller are root; forger is uid $FORGER)"
	t_summary
	exit
fi

DATA=$(mktemp -d /tmp/ward-forge.XXXXXX)
TAG=$$
# The victim: a root process (sleep) and its root parent.
setsid sh -c "sleep 300; echo victim-parent-$TAG" </dev/null >"$DATA/victim.out" 2>&1 &
VP=$!
wait_for "the victim's sleep" 20 pgrep -P "$VP" sleep
VC=$(pgrep -P "$VP" sleep | head -1)
ID=ward-forge$TAG
NAME=forged-$TAG
# The forger's own records directory (as ward itself makes it).
as_forger "$WARD" run -- true >/dev/null 2>&1
DIR=/tmp/ward-$FORGER/live
if [ ! -d "$DIR" ] || [ "$(stat -c %u "$DIR")" != $FORGER ]; then
	t_skip "forged live record aimed at root's processes" "uid $FORGER's records directory $DIR was not made"
else
	as_forger sh -c "printf '%s' '{\"id\":\"$ID\",\"name\":\"$NAME\",\"pid\":$VC,\"pid_start\":$(start_of "$VC"),\"ward_pid\":$VP,\"ward_start\":$(start_of "$VP"),\"uid\":$FORGER,\"started\":0,\"argv\":[\"make\"],\"cgroups\":[]}' >$DIR/$ID.json"
	if listed "$NAME"; then t_fail "ward ps lists a record whose ward process is root's"; else t_ok "ward ps ignores a forged record naming root's processes"; fi
	"$WARD" kill "$NAME" >"$DATA/kill.out" 2>&1
	rc=$?
	if kill -0 "$VC" 2>/dev/null && [ $rc = 125 ]; then
		t_ok "root's ward kill of a forged record leaves root's process alive (exit 125)"
	else
		t_fail "root's ward kill of a forged record: exit $rc, victim $(kill -0 "$VC" 2>/dev/null && echo alive || echo KILLED): $(cat "$DATA/kill.out")"
	fi
	as_forger rm -f "$DIR/$ID.json"
	# A FIFO named like a record would block root's ward ps on open.
	as_forger mkfifo "$DIR/$ID.json" "$DIR/$ID.denials"
	timeout 20 "$WARD" ps >"$DATA/ps.out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then t_ok "root's ward ps is not blocked by a FIFO planted as a record"; else t_fail "root's ward ps with a planted FIFO: exit $rc (124: blocked 20 s): $(cat "$DATA/ps.out")"; fi
	as_forger rm -f "$DIR/$ID.json" "$DIR/$ID.denials"
fi
kill "$VC" 2>/dev/null
wait "$VP" 2>/dev/null

# Control: the forger's real sandbox is listed for root and killed by it.
as_forger "$WARD" run --name "real-$TAG" -- sleep 300 </dev/null >"$DATA/real.out" 2>&1 &
RP=$!
if wait_for "uid $FORGER's sandbox real-$TAG in root's ward ps" 20 listed "real-$TAG"; then
	"$WARD" kill "real-$TAG" >"$DATA/kill2.out" 2>&1
	rc=$?
	wait "$RP"
	run_rc=$?
	if [ $rc = 0 ] && [ $run_rc = 137 ]; then t_ok "control: root kills uid $FORGER's real sandbox (ward kill 0, run 137)"; else t_fail "control: ward kill $rc, run $run_rc: $(cat "$DATA/kill2.out" "$DATA/real.out")"; fi
else
	t_fail "control: uid $FORGER's real sandbox never listed: $(cat "$DATA/real.out")"
	kill "$RP" 2>/dev/null
	wait "$RP" 2>/dev/null
fi
case $DATA in /tmp/ward-forge.*) rm -rf "$DATA" ;; esac
t_summary
