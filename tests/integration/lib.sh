# lib.sh — a small TAP harness for tests that drive the real ward binary.
# Each check prints "ok N - name" or "not ok N - name" with a diagnosis;
# skips print "ok N # SKIP reason" and are counted apart, never as passes.
T_NUM=0; T_PASS=0; T_FAIL=0; T_SKIP=0

t_ok() { T_NUM=$((T_NUM + 1)); T_PASS=$((T_PASS + 1)); echo "ok $T_NUM - $T_PREFIX$1"; }
t_fail() {
	T_NUM=$((T_NUM + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_NUM - $T_PREFIX$1"
	shift; for line in "$@"; do printf '#   %s\n' "$line"; done
}
t_skip() { T_NUM=$((T_NUM + 1)); T_SKIP=$((T_SKIP + 1)); echo "ok $T_NUM # SKIP $T_PREFIX$1: $2"; }

# t_setup WORKDIR [UID]: the common start of a test file: WORK, AS_USER,
# BIN, WARD, PROBE, the TAP name prefix and leak checking.
t_setup() {
	WORK=$1
	AS_USER=${2:-}
	BIN=$WORK/bin
	WARD=$BIN/ward
	PROBE=$BIN/probe
	if [ -n "$AS_USER" ]; then T_PREFIX="[uid $AS_USER] "; else T_PREFIX="[root] "; fi
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
}

# as_caller CMD...: runs CMD as the test's user (AS_USER when set).
as_caller() {
	if [ -n "${AS_USER:-}" ]; then
		setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$@"
	else
		"$@"
	fi
}

# wait_for DESC SECONDS CMD...: polls CMD until it succeeds; after SECONDS
# it fails, saying what was awaited. Tests synchronise with this, never sleep.
wait_for() {
	local desc=$1 deadline=$(($(date +%s) + $2))
	shift 2
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "# timed out waiting for: $desc"
			return 1
		fi
		sleep 0.05
	done
}

# t_tempdir NAME MODE: makes a directory WORK/NAME.XXXXXX of MODE for this
# file, in T_DIR; t_tempdirs_remove (the file's EXIT trap) removes the ones
# made here, and only when they still lie under WORK.
T_TEMPDIRS=()
t_tempdir() {
	T_DIR=$(mktemp -d "$WORK/$1.XXXXXX") || return 1
	chmod "$2" "$T_DIR"
	T_TEMPDIRS+=("$T_DIR")
}
t_tempdirs_remove() {
	local d
	for d in "${T_TEMPDIRS[@]}"; do
		case $d in "$WORK"/?*.??????) rm -rf "$d" ;; esac
	done
}

# t_stop PID...: kills and reaps each background process named (empty: none).
t_stop() {
	local p
	for p in "$@"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
}

# t_dns_servers DIR: the loopback servers of the host-name tests, in the
# background: dns_server.py answering from DIR/answer (the caller writes it
# first) and one TCP port answered on 127.0.0.2 and on 127.0.0.3. Sets
# DNS_PID and SRV_PID (for the caller's t_stop), DNS_PORT and PORT; fails
# (a t_fail, status 1) when one has not started within 20 s.
t_dns_servers() {
	local d=$1 here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	/usr/bin/python3 "$here/dns_server.py" "$d" &
	DNS_PID=$!
	/usr/bin/python3 -c '
import os, socket, sys, threading
d = sys.argv[1]
for attempt in range(50):
    a = socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    a.bind(("127.0.0.2", 0)); port = a.getsockname()[1]
    b = socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        b.bind(("127.0.0.3", port))
        break
    except OSError:
        a.close(); b.close()
for s in (a, b):
    s.listen(16)
open(d + "/srvport.tmp", "w").write("%d\n" % port)
os.rename(d + "/srvport.tmp", d + "/srvport")
def serve(s):
    while True:
        c, _ = s.accept(); c.close()
threading.Thread(target=serve, args=(a,), daemon=True).start()
serve(b)' "$d" &
	SRV_PID=$!
	if ! wait_for "the DNS server's port file" 20 test -s "$d/port" ||
		! wait_for "the TCP servers' port file" 20 test -s "$d/srvport"; then
		t_fail "test servers started" "dns: $(cat "$d/port" 2>/dev/null) tcp: $(cat "$d/srvport" 2>/dev/null)"
		return 1
	fi
	DNS_PORT=$(cat "$d/port")
	PORT=$(cat "$d/srvport")
}

# t_unix_rule_on_supervisor GRANT: whether ward plans the pathname unix rule
# on the supervisor here for a run with the read grant GRANT (a directory
# outside the system trees); a skip with the reason when it does not.
t_unix_rule_on_supervisor() {
	run_ward run --explain -r "$1" -- /bin/true
	if ! printf '%s' "$ERR" | grep -A1 'pathname unix sockets only inside' | grep -q supervisor; then
		t_skip "unix rule on the supervisor" "not planned there on this host (Landlock RESOLVE_UNIX, or no user notification)"
		return 1
	fi
}

# event_field TYPE FIELD: FIELD of the last TYPE event in the file $EV.
event_field() {
	/usr/bin/python3 -c '
import json, sys
last = None
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev["type"] == sys.argv[2]:
        last = ev
print("" if last is None else last.get(sys.argv[3], ""))' "$EV" "$1" "$2"
}

# The ids of the sandboxes this test file started (from their start events),
# so that checks of what is left behind look at ours only: other wards may
# run on the same machine at the same time.
# Kept in WORKDIR (the test's first argument), which the runner removes.
if [ -d "${1:-}" ]; then T_SANDBOXES=$1/.sandboxes.$$; else T_SANDBOXES=$(mktemp); fi
: >"$T_SANDBOXES"

# run_ward ARGS... : runs ward (as $AS_USER when set), capturing OUT, ERR, RC.
# A `run` without --events of its own gets one, to learn its sandbox id.
# It starts in / (RUN_CWD to change), which every sandbox has, so ward's
# one-line "not in the sandbox; starting in HOME" warning only appears in
# the tests that ask for it.
run_ward() {
	local o e ev="" a
	o=$(mktemp) e=$(mktemp)
	chmod 666 "$o" "$e"
	local args=("$@")
	if [ "${1:-}" = run ]; then
		ev=$(mktemp)
		chmod 666 "$ev"
		for a in "$@"; do
			[ "$a" = -- ] && break
			case $a in --events | --events=*) ev="" ;; esac
		done
		[ -n "$ev" ] && args=(run --events "$ev" "${@:2}")
	fi
	if [ -n "${AS_USER:-}" ]; then
		(cd "${RUN_CWD:-/}" && setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$WARD" "${args[@]}" >"$o" 2>"$e" </dev/null)
	else
		(cd "${RUN_CWD:-/}" && "$WARD" "${args[@]}" >"$o" 2>"$e" </dev/null)
	fi
	RC=$?
	OUT=$(cat "$o"); ERR=$(cat "$e")
	rm -f "$o" "$e"
	if [ -n "$ev" ]; then
		grep -o '"sandbox":"ward-[0-9a-f]*"' "$ev" 2>/dev/null | sed 's/.*"\(ward-[0-9a-f]*\)"/\1/' | sort -u >>"$T_SANDBOXES"
		rm -f "$ev"
	fi
}

# t_sandbox_ids FILE: adds the sandbox ids of an events file the test wrote.
t_sandbox_ids() {
	grep -o '"sandbox":"ward-[0-9a-f]*"' "$1" 2>/dev/null | sed 's/.*"\(ward-[0-9a-f]*\)"/\1/' | sort -u >>"$T_SANDBOXES"
}

# t_leftover_cgroups: the cgroup directories of this file's sandboxes that
# still exist (empty when none), whatever other wards run meanwhile.
t_leftover_cgroups() {
	local id
	sort -u "$T_SANDBOXES" | while read -r id; do
		[ -n "$id" ] || continue
		find /sys/fs/cgroup -maxdepth 4 -type d -name "$id" 2>/dev/null
	done
}

# expect_event NAME EVENTS_FILE TYPE [JQ_LIKE_PATTERN]: the events file holds
# an event of TYPE whose line also matches the grep -E PATTERN ("" = any).
expect_event() {
	local name=$1 file=$2 type=$3 pattern=${4:-}
	t_sandbox_ids "$file"
	local lines
	lines=$(grep -E "\"type\":\"$type\"" "$file" 2>/dev/null)
	if [ -z "$lines" ]; then
		t_fail "$name" "no \"$type\" event in $file" "$(head -c 2000 "$file" 2>/dev/null)"
	elif [ -n "$pattern" ] && ! printf '%s\n' "$lines" | grep -Eq -- "$pattern"; then
		t_fail "$name" "no \"$type\" event matches /$pattern/" "$(printf '%s' "$lines" | head -c 2000)"
	else
		t_ok "$name"
	fi
}

# expect NAME STATUS OUTPUT_PATTERN -- ward args...
# OUTPUT_PATTERN is a grep -E pattern the stdout must match ("" = any).
expect() {
	local name=$1 want_rc=$2 want_out=$3
	shift 3
	[ "$1" = "--" ] && shift
	run_ward "$@"
	if [ "$RC" != "$want_rc" ]; then
		t_fail "$name" "exit status $RC, wanted $want_rc" "stdout: $OUT" "stderr: $(echo "$ERR" | head -5)"
	elif [ -n "$want_out" ] && ! printf '%s\n' "$OUT" | grep -Eq -- "$want_out"; then
		t_fail "$name" "stdout did not match /$want_out/" "stdout: $OUT" "stderr: $(echo "$ERR" | head -5)"
	else
		t_ok "$name"
	fi
}

# expect_err NAME STATUS STDERR_PATTERN -- ward args...: also checks stderr is one line.
expect_err() {
	local name=$1 want_rc=$2 want_err=$3
	shift 3
	[ "$1" = "--" ] && shift
	run_ward "$@"
	local lines
	lines=$(printf '%s' "$ERR" | grep -c '')
	if [ "$RC" != "$want_rc" ]; then
		t_fail "$name" "exit status $RC, wanted $want_rc" "stderr: $ERR"
	elif ! printf '%s\n' "$ERR" | grep -Eq -- "$want_err"; then
		t_fail "$name" "stderr did not match /$want_err/" "stderr: $ERR"
	elif [ "$lines" != 1 ]; then
		t_fail "$name" "stderr has $lines lines, wanted one" "stderr: $ERR"
	else
		t_ok "$name"
	fi
}

t_summary() {
	echo "1..$T_NUM"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ]
}
