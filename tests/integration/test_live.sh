#!/usr/bin/env bash
# test_live.sh — ward ps | stats | top | kill | freeze | thaw against real
# running sandboxes: what is listed, who sees what, and that control acts.
# Usage: test_live.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
PY=/usr/bin/python3

DATA=$(mktemp -d "$WORK/live.XXXXXX")
chmod 777 "$DATA"
TAG=$$

# Starts ward in the background as the caller; sets BG_PID.
ward_bg() {
	as_caller "$WARD" "$@" </dev/null >"$DATA/bg.$BASHPID.out" 2>&1 &
	BG_PID=$!
}


listed() { # NAME: ward ps --json (as the caller) lists NAME
	as_caller "$WARD" ps --json | "$PY" -c '
import json, sys
sys.exit(0 if any(r.get("name") == sys.argv[1] for r in json.load(sys.stdin)) else 1)' "$1"
}

# ---- ps lists a named sandbox with its pid and command ----
A=a$TAG B=b$TAG
ward_bg run --name "$A" -- sleep 60
PID_A=$BG_PID
ward_bg run --name "$B" -- sleep 61
PID_B=$BG_PID
if wait_for "$A listed" 20 listed "$A" &&
	wait_for "$B listed" 20 listed "$B"; then
	t_ok "ward ps lists two concurrent sandboxes"
else
	t_fail "ward ps lists two concurrent sandboxes" "$(as_caller "$WARD" ps 2>&1)"
fi
json=$(as_caller "$WARD" ps --json)
if printf '%s' "$json" | "$PY" -c '
import json, sys
recs = {r["name"]: r for r in json.load(sys.stdin) if "name" in r}
a = recs[sys.argv[1]]
assert a["argv"] == ["sleep", "60"], a["argv"]
assert a["pid"] > 1 and a["tasks"] >= 1 and a["memory_bytes"] > 0, a
assert a["figures_source"] in ("cgroup", "cgroup+proc", "proc"), a
assert a["uid"] == int(sys.argv[2]), a
' "$A" "${AS_USER:-0}"; then
	t_ok "ward ps --json gives argv, pid, uid, tasks, memory and their source"
else
	t_fail "ward ps --json fields" "$json"
fi
out=$(as_caller "$WARD" ps)
if printf '%s\n' "$out" | grep -q "^ID .*NAME.*COMMAND" && printf '%s\n' "$out" | grep -q " $A .*sleep 60"; then
	t_ok "ward ps prints a table with the name and command"
else
	t_fail "ward ps table" "$out"
fi
out=$(as_caller "$WARD" stats "$A" --count 2 --interval 0.1)
if [ "$(printf '%s\n' "$out" | grep -c ' cpu .* mem .* tasks ')" = 2 ]; then
	t_ok "ward stats NAME --count 2 prints two updates"
else
	t_fail "ward stats" "$out"
fi
out=$(as_caller "$WARD" top --count 2 --interval 0.1)
if [ "$(printf '%s\n' "$out" | grep -c '^ward top')" = 2 ] && printf '%s\n' "$out" | grep -q " $B "; then
	t_ok "ward top --count 2 refreshes twice and lists the sandboxes"
else
	t_fail "ward top" "$out"
fi

# ---- who sees what ----
if [ -z "$AS_USER" ]; then
	if setpriv --reuid=65534 --regid=65534 --clear-groups -- "$WARD" ps --json | grep -q "$A"; then
		t_fail "an unprivileged user does not see root's sandboxes" "uid 65534 listed $A"
	else
		t_ok "an unprivileged user does not see root's sandboxes"
	fi
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$WARD" kill "$A" 2>&1)
	rc=$?
	if [ "$rc" = 125 ] && kill -0 "$PID_A" 2>/dev/null; then
		t_ok "an unprivileged user cannot kill root's sandbox (125, still running)"
	else
		t_fail "unprivileged kill of root's sandbox" "rc=$rc: $out"
	fi
else
	if "$WARD" ps --json | grep -q "$A"; then
		t_ok "root sees an unprivileged user's sandboxes"
	else
		t_fail "root sees an unprivileged user's sandboxes" "$("$WARD" ps 2>&1)"
	fi
fi

# ---- kill ends the sandbox, with its status ----
as_caller "$WARD" kill "$A"
rc=$?
wait "$PID_A"
st=$?
if [ "$rc" = 0 ] && [ "$st" = 137 ]; then
	t_ok "ward kill NAME ends the sandbox (ward exits 137)"
else
	t_fail "ward kill NAME" "kill rc=$rc, ward exit $st"
fi
if listed "$A"; then t_fail "a killed sandbox leaves ward ps" "still listed"; else t_ok "a killed sandbox leaves ward ps"; fi

# ---- freeze and thaw ----
COUNTER=$DATA/counter
ward_bg run -w "$DATA" --name "c$TAG" -- /bin/sh -c "i=0; while :; do i=\$((i+1)); echo \$i > $COUNTER.tmp; mv $COUNTER.tmp $COUNTER; done"
PID_C=$BG_PID
wait_for "counter runs" 20 test -s "$COUNTER"
wait_for "c$TAG listed" 20 listed "c$TAG"
has_cgroup=$(as_caller "$WARD" ps --json | "$PY" -c '
import json, sys
print(any(r.get("name") == sys.argv[1] and r["cgroups"] for r in json.load(sys.stdin)))' "c$TAG")
if [ "$has_cgroup" = True ]; then
	as_caller "$WARD" freeze "c$TAG"
	rc=$?
	v1=$(cat "$COUNTER"); sleep 0.3; v2=$(cat "$COUNTER")
	if [ "$rc" = 0 ] && [ "$v1" = "$v2" ]; then
		t_ok "ward freeze stops the sandbox (counter holds at $v1)"
	else
		t_fail "ward freeze" "rc=$rc, counter $v1 -> $v2"
	fi
	as_caller "$WARD" thaw "c$TAG"
	rc=$?
	if [ "$rc" = 0 ] && wait_for "counter moves after thaw" 20 sh -c "[ \"\$(cat $COUNTER)\" != '$v2' ]"; then
		t_ok "ward thaw resumes it"
	else
		t_fail "ward thaw" "rc=$rc"
	fi
else
	expect_err "ward freeze without a cgroup of its own is refused (125)" 125 'no cgroup of its own' -- freeze "c$TAG"
fi
as_caller "$WARD" kill "c$TAG"
wait "$PID_C"

# ---- a forged record (a sandbox that can write its owner's runtime dir) ----
if [ -z "$AS_USER" ]; then LIVE=/run/ward/live; else LIVE=/tmp/ward-$AS_USER/live; fi
as_caller sleep 60 &
VICTIM=$!
wait_for "victim started" 10 test -e /proc/$VICTIM/stat
vstart=$(sed 's/.*) //' /proc/$VICTIM/stat | cut -d' ' -f20)
ward_bg run --name "host$TAG" -- sleep 60
PID_H=$BG_PID
wait_for "host$TAG listed" 20 listed "host$TAG"
FAKE=ward-0000000000f0$TAG
# Names a live ward (so it is listed) but the victim as its process, and a
# cgroup that is not the sandbox's.
as_caller "$PY" -c '
import json, sys
live, fake, victim, vstart, ward, uid = sys.argv[1:7]
wstart = open("/proc/%s/stat" % ward).read().rsplit(")", 1)[1].split()[19]
rec = {"id": fake, "name": "forged" + fake[-6:], "pid": int(victim), "pid_start": int(vstart),
       "ward_pid": int(ward), "ward_start": int(wstart), "uid": int(uid), "started": 0,
       "argv": ["x"], "cgroups": ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/freezer"]}
open("%s/%s.json" % (live, fake), "w").write(json.dumps(rec))' "$LIVE" "$FAKE" "$VICTIM" "$vstart" "$PID_H" "${AS_USER:-0}"
as_caller "$WARD" kill "$FAKE" >/dev/null 2>&1
as_caller "$WARD" freeze "$FAKE" >/dev/null 2>&1
if kill -0 "$VICTIM" 2>/dev/null && [ "$(cat /sys/fs/cgroup/unified/cgroup.freeze 2>/dev/null || echo 0)" = 0 ]; then
	t_ok "a forged record cannot make ward kill or freeze what is not its sandbox"
else
	t_fail "a forged record cannot make ward kill or freeze what is not its sandbox" "victim gone or cgroup frozen"
fi
rm -f "$LIVE/$FAKE.json"
kill "$VICTIM" 2>/dev/null
as_caller "$WARD" kill "host$TAG" >/dev/null 2>&1
wait "$PID_H" 2>/dev/null

# ---- bad input ----
expect_err "ward stats of an unknown sandbox: one line, 125" 125 "no running sandbox 'nosuch$TAG'" -- stats "nosuch$TAG"
expect_err "ward kill without an id: one line, 125" 125 'give an id or a name' -- kill
expect_err "a bad --name: one line, 125" 125 "sandbox name 'a/b'" -- run --name a/b -- true
expect_err "ward ps with an unknown option: one line, 125" 125 "unknown option '--nope'" -- ps --nope

kill "$PID_B" 2>/dev/null
as_caller "$WARD" kill "$B" >/dev/null 2>&1
wait "$PID_B" 2>/dev/null
rm -rf "$DATA"
t_summary
