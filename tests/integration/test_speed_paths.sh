#!/usr/bin/env bash
# test_speed_paths.sh — the supervisor's fast paths stay correct: sendto
# without an address passes in the kernel, but one WITH an address is still
# checked; sendmsg is always checked; a denied connect is still refused on
# the blocking (worker pool) and the non-blocking (inline) paths; argv rules
# still deny under fork+exec and posix_spawn (vfork) loops. No timing here:
# bench/ measures. Usage: test_speed_paths.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
NP=$BIN/netpaths
G=(-x "$BIN")
# As root the cgroup BPF programs hold address rules (EPERM); without
# privilege the supervisor does (EACCES).
if [ -z "$AS_USER" ]; then NET_ERR=EPERM; else NET_ERR=EACCES; fi

# step NAME STEP RESULT: the line "STEP RESULT" is in $OUT of the last run.
step() {
	if printf '%s\n' "$OUT" | grep -qx -- "$2 $3"; then
		t_ok "$1"
	else
		t_fail "$1" "wanted '$2 $3'" "stdout: $OUT" "stderr: $(echo "$ERR" | head -3)"
	fi
}

# ---- UDP: connected send in the kernel, addressed sends checked ----
run_ward run "${G[@]}" --net-allow udp://127.0.0.0/8 -- "$NP" udp 10.9.9.9
step "connect of a UDP socket to an allowed address works" connect OK
step "100 sends without an address on the connected socket all go" send-100 OK
step "control: sendto with an allowed address works" sendto-allowed OK
step "sendto WITH a denied address on a connected socket is $NET_ERR" sendto-denied "$NET_ERR"
step "sendmsg without an address works" sendmsg-noaddr OK
step "control: sendmsg with an allowed address works" sendmsg-allowed OK
step "sendmsg with a denied address on a connected socket is $NET_ERR" sendmsg-denied "$NET_ERR"
step "sendto of an unconnected socket to a denied address is $NET_ERR" unconnected-sendto-denied "$NET_ERR"
step "control: sendto of an unconnected socket to an allowed address works" \
	unconnected-sendto-allowed OK

# ---- TCP: blocking connects go to a worker, non-blocking ones inline ----
PORTFILE=$(mktemp "$WORK/port.XXXXXX")
chmod 644 "$PORTFILE"
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1] + ".ready")
end=time.time()+120
s.settimeout(1)
while time.time()<end:
    try: c,_=s.accept(); c.close()
    except OSError: pass' "$PORTFILE" &
LISTENER=$!
# Wait (bounded, 20 s) for the listener to publish its port.
for _ in $(seq 200); do [ -s "$PORTFILE.ready" ] && break; sleep 0.1; done
PORT=$(cat "$PORTFILE.ready" 2>/dev/null)
if [ -z "$PORT" ]; then
	t_fail "TCP listener" "the listener did not publish its port within 20 s"
else
	run_ward run "${G[@]}" --net-allow "tcp://127.0.0.0/8:$PORT" -- "$NP" tcp 127.0.0.1 "$PORT"
	step "control: a blocking TCP connect to an allowed address works" connect-blocking OK
	step "control: a non-blocking TCP connect to an allowed address works" connect-nonblocking OK
	run_ward run "${G[@]}" --net-allow "tcp://10.0.0.0/8:$PORT" -- "$NP" tcp 127.0.0.1 "$PORT"
	step "a blocking TCP connect outside the allowed prefix is $NET_ERR" connect-blocking "$NET_ERR"
	step "a non-blocking TCP connect outside the allowed prefix is $NET_ERR" \
		connect-nonblocking "$NET_ERR"
fi
kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null
rm -f "$PORTFILE" "$PORTFILE.ready"

# ---- argv rules under exec loops (blocking waits, vfork parents) ----
expect "fork+exec loop: 50 allowed execs under an argv rule all run" 0 '^50$' -- \
	run "${G[@]}" --exec-deny 'true --force*' -- /bin/sh -c \
	'n=0; for i in $(seq 50); do /bin/true --gentle && n=$((n+1)); done; echo $n'
expect "fork+exec loop: a denied exec after 20 allowed ones is still denied" 0 '^20 126$' -- \
	run "${G[@]}" --exec-deny 'true --force*' -- /bin/sh -c \
	'n=0; for i in $(seq 20); do /bin/true && n=$((n+1)); done; /bin/sh -c "exec /bin/true --force" 2>/dev/null; echo $n $?'
expect "posix_spawn (vfork parent frozen): a denied argv is PermissionError" 0 '^denied ok$' -- \
	run "${G[@]}" --exec-deny 'true --force*' -- /usr/bin/python3 -c '
import os
try:
    os.posix_spawn("/bin/true", ["true", "--force"], os.environ); r = "ran"
except PermissionError: r = "denied"
pid = os.posix_spawn("/bin/true", ["true", "--gentle"], os.environ)
print(r, "ok" if os.waitpid(pid, 0)[1] == 0 else "failed")'
expect "threads: an exec from a multi-threaded process is still checked" 0 '^denied$' -- \
	run "${G[@]}" --exec-deny 'true --force*' -- /usr/bin/python3 -c '
import os, subprocess, threading
stop = threading.Event()
ts = [threading.Thread(target=stop.wait) for _ in range(3)]
[t.start() for t in ts]
try:
    subprocess.run(["/bin/true", "--force"]); r = "ran"
except PermissionError: r = "denied"
stop.set(); [t.join() for t in ts]
print(r)'

t_summary
