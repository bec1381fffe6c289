#!/usr/bin/env bash
# test_process.sh — the process side of a sandbox, end to end: nothing
# outlives it (setsid daemons at exit, at --timeout, when ward is killed),
# it cannot act on ward by pid (prlimit, setpriority, affinity, pidfd_open),
# only passed descriptors reach it, its private directory is removed without
# following what a survivor swaps in, and a fork bomb ends at the task limit.
# Each case runs with and without a pid namespace. Every wait polls for its
# condition with a deadline; nothing sleeps and hopes.
# Usage: test_process.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
DEADLINE_S=20
# The system's Python, not a caller's shim (pyenv...) the sandbox cannot read.
export PY3=/usr/bin/python3

DATA=$(mktemp -d "$WORK/proc.XXXXXX")
chmod 755 "$DATA"
mkdir "$DATA/rw"
chmod 777 "$DATA/rw"
echo secret >"$DATA/secret"
chmod 644 "$DATA/secret"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$DATA/rw"

# as_user CMD...: runs CMD as the test's user (exec'd: the pid stays).
as_user() {
	if [ -n "$AS_USER" ]; then
		exec setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$@"
	fi
	exec "$@"
}

# A token no other process has in its command line.
token() { echo "$(( (RANDOM % 9000) + 1000 )).$$$RANDOM"; }
# alive TOKEN: is a process with "TOKEN" in its command line running?
alive() { pgrep -f -- "$1" >/dev/null; }
# wait_cond DESCRIPTION COMMAND...: polls COMMAND until it succeeds or the
# deadline passes; then fails naming what was awaited.
wait_cond() {
	local what=$1 end=$((SECONDS + DEADLINE_S))
	shift
	until "$@"; do
		if [ $SECONDS -ge $end ]; then
			WAIT_FAILED="gave up after ${DEADLINE_S}s waiting for $what"
			return 1
		fi
		sleep 0.02
	done
}
gone() { ! alive "$1"; }
# two_alive TOKEN: the program and its daemon both run.
two_alive() { [ "$(pgrep -f -- "$1" | wc -l)" -ge 2 ]; }

# The daemon: double fork, setsid, exec sleep TOKEN (the host sees TOKEN).
DAEMON='setsid sh -c "sh -c \"exec sleep \$0\" \"\$0\" &" "$1"'

for NS in "--share-pid" "--unshare-pid"; do
	L="no pid namespace"; [ "$NS" = --unshare-pid ] && L=$NS

	# ---- 1. nothing outlives the sandbox ----
	tok=$(token)
	run_ward run $NS -- sh -c "$DAEMON"'
		i=0; until pgrep -f "sleep $1" >/dev/null 2>&1 || [ $i -ge 2000 ]; do i=$((i+1)); done
		echo started' x "$tok"
	# The daemon was running (control) unless pgrep is not allowed inside;
	# ward has returned: it must be gone now, with no wait.
	if [ "$RC" != 0 ]; then
		t_fail "$L: setsid daemon: ward exits 0" "exit $RC" "$ERR"
	elif alive "$tok"; then
		t_fail "$L: a setsid double-forked daemon dies when the program exits" "still running: $(pgrep -af -- "$tok")"
		pgrep -f -- "$tok" | while read -r p; do kill -KILL "$p"; done
	else
		t_ok "$L: a setsid double-forked daemon dies when the program exits"
	fi

	tok=$(token)
	start=$SECONDS
	(as_user "$WARD" run $NS --timeout 2s -- sh -c "$DAEMON; exec sleep 1000 \"\$1\"" x "$tok") >/dev/null 2>&1 &
	wpid=$!
	WAIT_FAILED=
	if wait_cond "the daemon to start" alive "$tok"; then
		wait "$wpid"; rc=$?
		if [ "$rc" != 137 ]; then
			t_fail "$L: --timeout ends the sandbox with 137" "exit $rc"
		elif alive "$tok"; then
			t_fail "$L: a setsid daemon dies at --timeout" "still running: $(pgrep -af -- "$tok")"
			pgrep -f -- "$tok" | while read -r p; do kill -KILL "$p"; done
		else
			t_ok "$L: a setsid daemon dies at --timeout (ward exit 137 after $((SECONDS - start))s)"
		fi
	else
		t_fail "$L: a setsid daemon dies at --timeout" "$WAIT_FAILED"
		kill -KILL "$wpid"; wait "$wpid" 2>/dev/null
	fi

	tok=$(token)
	(as_user "$WARD" run $NS -- sh -c "$DAEMON; exec sleep 1000 \"\$1\"" x "$tok") >/dev/null 2>&1 &
	wpid=$!
	WAIT_FAILED=
	if wait_cond "the daemon and the program to start" two_alive "$tok"; then
		kill -KILL "$wpid"
		wait "$wpid" 2>/dev/null
		if wait_cond "every process of the sandbox to die after ward was killed" gone "$tok"; then
			t_ok "$L: the program and a setsid daemon die when ward is SIGKILLed"
		else
			t_fail "$L: the program and a setsid daemon die when ward is SIGKILLed" "$WAIT_FAILED" "$(pgrep -af -- "$tok")"
			pgrep -f -- "$tok" | while read -r p; do kill -KILL "$p"; done
		fi
	else
		t_fail "$L: the program and a setsid daemon die when ward is SIGKILLed" "$WAIT_FAILED"
		kill -KILL "$wpid"; wait "$wpid" 2>/dev/null
	fi

	# ---- 2. no control of processes outside, ward included ----
	# TARGET is ward's own pid: the shell exec's setpriv, which exec's ward.
	PY='
import errno, os, resource, sys
t = int(os.environ["TARGET"])
def attempt(name, fn):
    try:
        fn(); print(name, "OK")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
attempt("prlimit", lambda: resource.prlimit(t, resource.RLIMIT_NOFILE, (3, 3)))
attempt("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, t, 10))
attempt("affinity", lambda: os.sched_setaffinity(t, {0}))
attempt("pidfd_open", lambda: os.close(os.pidfd_open(t)))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
attempt("own-prlimit", lambda: resource.prlimit(0, resource.RLIMIT_NOFILE, (hard, hard)))
attempt("own-nice", lambda: os.setpriority(os.PRIO_PROCESS, 0, 5))
sys.exit(3)'
	out=$(sh -c 'export TARGET=$$; '"$(declare -f as_user); AS_USER='$AS_USER'"'; as_user "$0" run '"$NS"' --env TARGET=$TARGET -- "$PY3" -c "$1"' "$WARD" "$PY" 2>&1)
	rc=$?
	# Outside a pid namespace: EPERM. Inside one ward has no pid: ESRCH.
	want=EPERM; [ "$NS" = --unshare-pid ] && want=ESRCH
	for op in prlimit setpriority affinity pidfd_open; do
		if printf '%s\n' "$out" | grep -qx "$op $want"; then
			t_ok "$L: $op on ward's pid fails with $want"
		else
			t_fail "$L: $op on ward's pid fails with $want" "output: $out"
		fi
	done
	if printf '%s\n' "$out" | grep -qx "own-prlimit OK" && printf '%s\n' "$out" | grep -qx "own-nice OK"; then
		t_ok "$L: control: raising its own limit and niceness works"
	else
		t_fail "$L: control: raising its own limit and niceness works" "output: $out"
	fi
	if [ "$rc" = 3 ]; then
		t_ok "$L: ward still exits with the child's status (3) after the attempts"
	else
		t_fail "$L: ward still exits with the child's status (3) after the attempts" "exit $rc" "$out"
	fi

	# ---- 3. only the descriptors passed ----
	FDPY='
import errno, os, stat, sys
for fd in map(int, sys.argv[1:]):
    try:
        st = os.fstat(fd)
        print(fd, "socket" if stat.S_ISSOCK(st.st_mode) else "open")
    except OSError as e:
        print(fd, errno.errorcode[e.errno])'
	# fd 3 a file outside every grant, fd 5 a socket: as a shell would pass them.
	SOCKRUN='
import os, socket, subprocess, sys
a, b = socket.socketpair()
os.dup2(a.fileno(), 5, inheritable=True)
fd3 = os.open(sys.argv[1], os.O_RDONLY)
os.dup2(fd3, 3, inheritable=True)
sys.exit(subprocess.run(sys.argv[2:], pass_fds=(3, 5)).returncode)'
	out=$( (as_user "$PY3" -c "$SOCKRUN" "$DATA/secret" "$WARD" run $NS -- "$PY3" -c "$FDPY" 3 5) 2>&1)
	if printf '%s\n' "$out" | grep -qx "3 EBADF" && printf '%s\n' "$out" | grep -qx "5 EBADF"; then
		t_ok "$L: an inherited file (fd 3) and socket (fd 5) are closed inside (EBADF)"
	else
		t_fail "$L: an inherited file (fd 3) and socket (fd 5) are closed inside (EBADF)" "output: $out"
	fi
	out=$( (as_user "$PY3" -c "$SOCKRUN" "$DATA/secret" "$WARD" run $NS --pass-fd 3 --pass-fd 5 -- "$PY3" -c "$FDPY"'
print(os.read(3, 100).decode().strip())' 3 5) 2>&1)
	if printf '%s\n' "$out" | grep -qx "3 open" && printf '%s\n' "$out" | grep -qx "5 socket" &&
		printf '%s\n' "$out" | grep -qx secret; then
		t_ok "$L: --pass-fd 3 --pass-fd 5 pass the file (readable) and the socket"
	else
		t_fail "$L: --pass-fd 3 --pass-fd 5 pass the file (readable) and the socket" "output: $out"
	fi

	# ---- 6. fork bomb: the task limit holds and ward ends ----
	tok=$(token)
	BOMB='
import errno, os, signal, sys, time
n = 0
while True:
    try:
        pid = os.fork()
    except OSError as e:
        print("stopped", errno.errorcode[e.errno], n); sys.stdout.flush(); break
    if pid == 0:
        time.sleep(1000); os._exit(0)
    n += 1
sys.exit(0)'
	start=$SECONDS
	run_ward run $NS -- "$PY3" -c "$BOMB" "$tok"
	took=$((SECONDS - start))
	n=$(printf '%s\n' "$OUT" | sed -n 's/^stopped EAGAIN \([0-9]*\)$/\1/p')
	if [ "$RC" = 0 ] && [ -n "$n" ] && [ "$n" -le 512 ] && [ "$n" -ge 400 ] && ! alive "$tok"; then
		t_ok "$L: a fork bomb stops at the task limit ($n forks, EAGAIN), ward exits in ${took}s, nothing left"
	else
		t_fail "$L: a fork bomb stops at the task limit, ward exits, nothing left" "exit $RC after ${took}s" "stdout: $OUT" "stderr: $(echo "$ERR" | head -3)" "left: $(pgrep -f -- "$tok" | wc -l)"
		pgrep -f -- "$tok" | while read -r p; do kill -KILL "$p"; done
	fi

	TBOMB='
import sys, threading
ev = threading.Event()
n = 0
while True:
    try:
        threading.Thread(target=ev.wait, daemon=True).start()
    except RuntimeError as e:
        print("stopped", n); sys.stdout.flush(); break
    n += 1
ev.set()'
	start=$SECONDS
	run_ward run $NS -- "$PY3" -c "$TBOMB"
	took=$((SECONDS - start))
	n=$(printf '%s\n' "$OUT" | sed -n 's/^stopped \([0-9]*\)$/\1/p')
	if [ "$RC" = 0 ] && [ -n "$n" ] && [ "$n" -le 512 ] && [ "$n" -ge 400 ]; then
		t_ok "$L: a thread bomb stops at the task limit ($n threads), ward exits in ${took}s"
	else
		t_fail "$L: a thread bomb stops at the task limit, ward exits" "exit $RC after ${took}s" "stdout: $OUT" "stderr: $(echo "$ERR" | head -3)"
	fi
done

# ---- 4. cleanup never follows what a survivor swaps in ----
# A process outside plays the surviving sandbox process: while ward removes
# the private directory it exchanges (RENAME_EXCHANGE) a directory of the
# tree with a symlink to OUTSIDE, whose files have the same names.
SWAP='
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
pathfile, go = sys.argv[1], sys.argv[2]
end = time.time() + 10
while not os.path.exists(pathfile) and time.time() < end:
    time.sleep(0.002)
priv = open(pathfile).read().strip()
d, l = (os.path.join(priv, n).encode() for n in ("d", "l"))
swaps = 0
open(go, "w").close()
while os.path.isdir(priv) and time.time() < end:
    if libc.renameat2(AT_FDCWD, d, AT_FDCWD, l, RENAME_EXCHANGE) == 0:
        swaps += 1
print(swaps)'
OUTSIDE=$DATA/outside
mkdir "$OUTSIDE"
for i in $(seq 0 19); do echo keep >"$OUTSIDE/f$i"; done
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$OUTSIDE"
lost=0 raced=0 runs=30
for i in $(seq 1 $runs); do
	rm -f "$DATA/rw/path" "$DATA/rw/go"
	swaps_file=$DATA/rw/swaps
	(as_user "$PY3" -c "$SWAP" "$DATA/rw/path" "$DATA/rw/go" >"$swaps_file" 2>&1) &
	spid=$!
	# --share-mount: the fallback where the private directory is a host
	# directory (with its own root, TMPDIR is a tmpfs that vanishes with it).
	run_ward run --share-mount -w "$DATA/rw" -- sh -c '
		mkdir "$TMPDIR/d" && for i in $(seq 0 19); do echo x >"$TMPDIR/d/f$i"; done
		ln -s "$1" "$TMPDIR/l"
		echo "$TMPDIR" >"$2/path"
		i=0; until [ -e "$2/go" ] || [ $i -ge 200000 ]; do i=$((i+1)); done' x "$OUTSIDE" "$DATA/rw"
	wait "$spid"
	n=$(cat "$swaps_file" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] 2>/dev/null && raced=$((raced + 1))
	left=$(ls "$OUTSIDE" | wc -l)
	[ "$left" != 20 ] && lost=$((lost + 1))
	# Restore what a failure removed, so each run starts alike.
	for j in $(seq 0 19); do [ -e "$OUTSIDE/f$j" ] || echo keep >"$OUTSIDE/f$j"; done
done
if [ "$lost" = 0 ] && [ "$raced" -gt 0 ]; then
	t_ok "cleanup with a RENAME_EXCHANGE racer: outside files survive all $runs runs (the racer swapped in $raced)"
elif [ "$raced" = 0 ]; then
	t_fail "cleanup with a RENAME_EXCHANGE racer" "the racer never swapped: the test proved nothing"
else
	t_fail "cleanup with a RENAME_EXCHANGE racer: outside files survive" "files outside were deleted in $lost of $runs runs"
fi
expect "control: a plain run that records its private directory exits 0" 0 '' -- \
	run --share-mount -w "$DATA/rw" -- sh -c 'echo "$TMPDIR" >"$1/priv"' x "$DATA/rw"
if [ -e "$(cat "$DATA/rw/priv")" ]; then
	t_fail "the private directory is gone after the run" "$(cat "$DATA/rw/priv") still exists"
else
	t_ok "the private directory is gone after the run"
fi

rm -rf "$DATA"
t_summary
