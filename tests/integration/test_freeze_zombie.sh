#!/usr/bin/env bash
# test_freeze_zombie.sh — the supervisor's freezer (exec argv rules) meets a
# process that has exited but is not yet reaped: a zombie cannot be seized
# (PTRACE_SEIZE: EPERM) and never runs again, so it must not make the
# freeze fail (the exec was EAGAIN, "cannot seize a thread of the sandbox",
# 11 to 27 times in 600 parallel execs). The zombie is made deterministic:
# a child exits, its parent waits until /proc shows it as Z, then runs a
# program. A deny of the rule's own argv is the control that it held.
# Usage: test_freeze_zombie.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"

PROG='
import os, subprocess, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
deadline = time.monotonic() + 20
state = "?"
while time.monotonic() < deadline:
    with open("/proc/%d/stat" % pid) as f:
        state = f.read().rsplit(")", 1)[1].split()[0]
    if state == "Z":
        break
    time.sleep(0.01)
if state != "Z":
    print("no zombie within 20 s, state", state)
    sys.exit(2)
r = subprocess.run(["/bin/echo", "ran"], capture_output=True, text=True)
print(r.stdout.strip() or "exec failed: rc %d %s" % (r.returncode, r.stderr.strip()))
os.waitpid(pid, 0)
'
expect "an exec next to an unreaped zombie is not refused by the freezer" 0 '^ran$' -- \
	run --exec-deny 'echo FORBIDDEN*' -- /usr/bin/python3 -c "$PROG"
expect "control: the argv rule holds (EACCES)" 0 '^EACCES$' -- \
	run --exec-deny 'echo FORBIDDEN*' -- /usr/bin/python3 -c '
import subprocess, sys
try:
    subprocess.run(["/bin/echo", "FORBIDDEN"], check=True)
    print("RAN")
except PermissionError:
    print("EACCES")'
run_ward run --exec-deny 'nothing-matches' -- /bin/sh -c \
	'l() { for i in $(seq 100); do /bin/true || echo FAIL; done; }; l & l & l & l & wait; echo done'
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx 'done' && ! printf '%s\n' "$OUT" | grep -q FAIL; then
	t_ok "400 execs from four parallel loops all run under an argv rule"
else
	t_fail "parallel execs under an argv rule" "rc $RC" "stdout: $(printf '%s' "$OUT" | sort | uniq -c)" "stderr: $(echo "$ERR" | tail -3)"
fi

t_summary
