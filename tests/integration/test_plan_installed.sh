#!/usr/bin/env bash
# test_plan_installed.sh WORKDIR [UID] — the plan against what the layers
# installed, for real: for a set of policies, the plan's sections (`ward run
# --dry-run --sections`) are compared with what the kernel holds for the
# running sandbox (plan_installed.py): seccomp filters and socket answers,
# the file write guard (sendfile), pathname unix connects against the
# supervisor's unix roots,
# each granted/denied path probed from inside, the masks in the child's
# mountinfo, its rlimits, the cgroup limit files, and (root) the cgroup-BPF
# map entries. Both ways: a missed rule or an unplanned one fails.
set -u
. "$(dirname "$0")/lib.sh"
t_setup "$@"
HERE=$(cd "$(dirname "$0")" && pwd)

# The layers read only the plan: no layer file includes the policy header.
if out=$("$HERE/../../scripts/check-layer-inputs.sh" 2>&1); then
	t_ok "no layer, sandbox or supervisor file reads the policy"
else
	t_fail "no layer, sandbox or supervisor file reads the policy" "$out"
fi

W=$(mktemp -d "$WORK/plan-installed.XXXXXX")
chmod 755 "$W"
mkdir -p "$W/ro" "$W/rw/hole" "$W/secret" "$W/out"
for d in ro rw rw/hole secret; do echo data >"$W/$d/f"; done
chmod -R a+rX "$W"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$W/out" "$W/rw"
as_caller cat /proc/self/limits >"$W/outer-limits"
for n in net pid ipc uts user mnt cgroup; do
	echo "$n $(as_caller readlink /proc/self/ns/$n)"
done >"$W/outer-ns"

# Pathname unix sockets in a write grant, in a hole of it, in a read grant
# and outside every grant, each answered (accept, close) while the test runs.
UNIX_PID=
trap 't_stop $UNIX_PID' EXIT
/usr/bin/python3 -c '
import os, selectors, socket, sys
sel = selectors.DefaultSelector()
for path in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX)
    s.bind(path + ".tmp")
    os.chmod(path + ".tmp", 0o777)
    os.rename(path + ".tmp", path)
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        c, _ = key.fileobj.accept()
        c.close()' "$W/rw/sock" "$W/rw/hole/sock" "$W/ro/sock" "$W/secret/sock" &
UNIX_PID=$!
wait_for "the unix sockets of the test" 20 test -S "$W/secret/sock" ||
	t_fail "the test's unix sockets listen" "no $W/secret/sock"

# case NAME FLAGS...: plan, run, read back, compare.
case_run() {
	local name=$1
	shift
	local o="$W/out/$name" sections="$W/$name.sections.json" ev="$W/$name.events"
	mkdir -p "$o"
	[ -n "$AS_USER" ] && chown "$AS_USER" "$o"
	: >"$ev"
	chmod 666 "$ev"
	run_ward run "$@" -w "$o" -r "$W/ro" -w "$W/rw" --fs-deny "$W/rw/hole" -x "$BIN" \
		--dry-run --sections
	if [ "$RC" != 0 ]; then
		t_fail "$name: planned" "ward --dry-run --sections: exit $RC" "$ERR"
		return
	fi
	printf '%s\n' "$OUT" >"$sections"
	# The same flags' entries (--explain as JSON), to tie the sections to
	# the plan the run itself reports in its start event.
	run_ward run "$@" -w "$o" -r "$W/ro" -w "$W/rw" --fs-deny "$W/rw/hole" -x "$BIN" \
		--dry-run --json
	printf '%s\n' "$OUT" >"$W/$name.entries.json"
	# The program records what it sees, says so, and waits (bounded) for
	# the test to have read the sandbox from outside.
	local script='o=$1; p=$2; w=$3
cat /proc/self/status >"$o/status"; cat /proc/self/mountinfo >"$o/mountinfo"
cat /proc/self/limits >"$o/limits"
for n in net pid ipc uts user mnt cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done >"$o/ns"
cat /proc/sys/kernel/hostname >"$o/hostname"
for s in tcp-socket udp-socket; do "$p" "$s" >"$o/probe.$s" 2>&1; done
n=0
for spec in "read $w/ro/f" "write $w/ro/f" "read $w/rw/f" "write $w/rw/f" \
	"read $w/rw/hole/f" "write $w/rw/hole/f" "read $w/secret/f" \
	"exec /usr/bin/true" "exec /usr/bin/id"; do
	n=$((n + 1))
	{ echo "$spec"; "$p" $spec 2>&1; } >"$o/probe.fs.$n"
done
m=0
for s in "$w/rw/sock" "$w/rw/hole/sock" "$w/ro/sock" "$w/secret/sock"; do
	m=$((m + 1))
	{ echo "$s"; "$p" unix-connect "$s" 2>&1; } >"$o/probe.unix.$m"
done
"$p" sendfile >"$o/probe.sendfile" 2>&1
for port in 8080 8079; do
	{ echo "127.0.0.1 $port"; "$p" connect 127.0.0.1 $port 2>&1; } >"$o/probe.net.$port"
done
: >"$o/ready"
i=0
while [ ! -e "$o/go" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done'
	(
		if [ -n "$AS_USER" ]; then
			cd / && exec setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- \
				"$WARD" run --events "$ev" "$@" -w "$o" -r "$W/ro" -w "$W/rw" \
				--fs-deny "$W/rw/hole" -x "$BIN" -- /bin/sh -c "$script" sh "$o" "$PROBE" "$W"
		else
			cd / && exec "$WARD" run --events "$ev" "$@" -w "$o" -r "$W/ro" -w "$W/rw" \
				--fs-deny "$W/rw/hole" -x "$BIN" -- /bin/sh -c "$script" sh "$o" "$PROBE" "$W"
		fi
	) >"$W/$name.stdout" 2>"$W/$name.stderr" </dev/null &
	local wpid=$!
	if ! wait_for "$name: the sandboxed program's ready file" 20 test -e "$o/ready"; then
		t_fail "$name: sandbox ran" "$(cat "$W/$name.stderr")"
		kill "$wpid" 2>/dev/null
		wait "$wpid" 2>/dev/null
		return
	fi
	local pid="" res rc=0
	if wait_for "$name: the start event" 20 grep -q '"type":"start"' "$ev"; then
		t_sandbox_ids "$ev"
		pid=$(EV=$ev event_field start pid)
	fi
	if [ -z "$pid" ]; then
		rc=1 res="not ok start: no start event with the sandbox's pid in $ev"
	elif ! same=$(/usr/bin/python3 - "$W/$name.entries.json" "$ev" <<'PY'
import json, sys
dry = json.load(open(sys.argv[1]))
start = [json.loads(l) for l in open(sys.argv[2]) if '"type":"start"' in l][0]["plan"]
key = lambda e: (e["rule"], e["layer"], e["status"])
tmp = lambda e: "private HOME and TMPDIR" in e["rule"]
a = sorted(key(e) for e in dry if not tmp(e))
b = sorted(key(e) for e in start if not tmp(e))
print("same" if a == b else f"dry-run only: {sorted(set(a) - set(b))}; run only: {sorted(set(b) - set(a))}")
sys.exit(a != b)
PY
	); then
		rc=1 res="not ok plan: the run's start event planned otherwise than --dry-run ($same)"
	else
		res=$(/usr/bin/python3 "$HERE/plan_installed.py" "$sections" "$o" "$pid" "$W" \
			"$W/outer-limits" 2>&1) || rc=$?
		res="ok plan: the run's start event has the --dry-run plan's entries"$'\n'"$res"
	fi
	: >"$o/go"
	wait "$wpid"
	local wrc=$?
	local line
	# A check the checker could not make here is a skip of its own, with
	# its reason, never part of a pass.
	while IFS= read -r line; do
		t_skip "$name: ${line#skip }" "see the reason in parentheses"
	done < <(printf '%s\n' "$res" | grep '^skip ')
	if [ "$rc" = 0 ] && [ "$wrc" = 0 ]; then
		t_ok "$name: every layer installed exactly its plan section ($(printf '%s\n' "$res" | grep -c '^ok') checks)"
	else
		local why=()
		mapfile -t why < <(printf '%s\n' "$res" | grep -v '^ok' | grep -v '^skip ')
		t_fail "$name: every layer installed exactly its plan section" \
			"ward exit $wrc; checker exit $rc" "${why[@]}" "$(head -c 600 "$W/$name.stderr")"
	fi
}

case_run default
case_run minimal --profile minimal
# Unprivileged, the sandbox-wide limits hold per process (rlimit), degraded.
case_run limits --memory 256M --pids 64 --cpu 50 --nofile 200 --cpu-time 60 \
	--allow-degraded limits
case_run net --net-allow tcp://127.0.0.1:8080 --net-allow udp://127.0.0.1:53 --net-bind 8081
case_run exec --exec-deny /usr/bin/id
case_run uts --unshare-uts --hostname plan-installed --share-net

t_stop $UNIX_PID
UNIX_PID=
rm -rf "$W"
t_summary
