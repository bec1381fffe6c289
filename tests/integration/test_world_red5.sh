#!/usr/bin/env bash
# test_world_red5.sh — red-team findings (red5), each with the real program,
# the real result and a control that succeeds:
#  - the default profile's drop_secrets let GitLab CI's CI_JOB_JWT (and a
#    BEARER token) into the sandbox: JWT and BEARER are secret words now;
#    --pass-env still keeps one (control);
#  - a core dump is written by the kernel past vfs_write, which the file
#    write quota counts: with the quota the sandbox has RLIMIT_CORE 0 (soft
#    and hard), a crashing child leaves no core; without one it still can
#    (control). Only where the fexit programs load (the quota is refused
#    elsewhere, which test_quota_file.sh proves);
#  - what speed3 and the hosts file added: the program holds no descriptor
#    of ward's (the seccomp pipe is gone before exec), cannot remount its
#    read-only /etc/hosts writable, and still reads it (control).
# Usage: test_world_red5.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
cd /
PY=/usr/bin/python3

t_tempdir red5 777
DATA=$T_DIR
trap t_tempdirs_remove EXIT

# ---- secrets: JWT and BEARER are dropped, --pass-env keeps one ----
export CI_JOB_JWT=red5-jwt-value API_BEARER=red5-bearer-value RED5_PLAIN=red5-plain
run_ward run -- /usr/bin/env
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx 'RED5_PLAIN=red5-plain' &&
	! printf '%s\n' "$OUT" | grep -q 'red5-jwt-value\|red5-bearer-value'; then
	t_ok "CI_JOB_JWT and API_BEARER are dropped, RED5_PLAIN passes"
else
	t_fail "CI_JOB_JWT and API_BEARER are dropped, RED5_PLAIN passes" "rc $RC" "$OUT" "$ERR"
fi
expect "control: --pass-env CI_JOB_JWT keeps it" 0 '^CI_JOB_JWT=red5-jwt-value$' -- \
	run --pass-env CI_JOB_JWT -- /usr/bin/env
unset CI_JOB_JWT API_BEARER RED5_PLAIN

# ---- no descriptor of ward's crosses exec (the seccomp pipe included) ----
expect "the program holds only 0, 1 and 2" 0 '^fds=0,1,2$' -- \
	run -- "$PY" -c '
import os
fds = []
for f in os.listdir("/proc/self/fd"):  # less the listing'"'"'s own descriptor
    try:
        if not os.readlink("/proc/self/fd/" + f).endswith("/fd"):
            fds.append(int(f))
    except OSError:
        pass
print("fds=" + ",".join(str(f) for f in sorted(fds)))'

# ---- the sandbox's /etc/hosts: read-only, and cannot be remounted ----
cat >"$DATA/remount.py" <<'PY'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 0x20, 0x1000
r = libc.mount(b"none", b"/etc/hosts", None, MS_REMOUNT | MS_BIND, None)
print("remount", "ok" if r == 0 else os.strerror(ctypes.get_errno()))
try:
    open("/etc/hosts", "a").write("6.6.6.6 evil.test\n")
    print("append ok")
except OSError as e:
    print("append", e.strerror)
print("read", sum(1 for l in open("/etc/hosts") if l.rstrip().endswith(" localhost")))
PY
chmod 644 "$DATA/remount.py"
run_ward run --share-net --net-allow tcp://localhost:9 -r "$DATA" -- "$PY" "$DATA/remount.py"
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx 'remount Operation not permitted' &&
	printf '%s\n' "$OUT" | grep -q '^append [A-Z]' && ! printf '%s\n' "$OUT" | grep -qx 'append ok'; then
	t_ok "the sandbox's /etc/hosts cannot be remounted writable (EPERM) nor appended to"
else
	t_fail "the sandbox's /etc/hosts cannot be remounted writable nor appended to" "rc $RC" "$OUT" "$ERR"
fi
if printf '%s\n' "$OUT" | grep -Eq '^read [1-9]'; then
	t_ok "control: the sandbox reads its /etc/hosts (localhost)"
else
	t_fail "control: the sandbox reads its /etc/hosts" "$OUT"
fi

# ---- the file write quota: no core dumps ----
# The program raises its soft core limit to the hard one, crashes a child,
# counts the cores in its directory.
CRASH='cd "$0" || exit 9; ulimit -c "$(ulimit -H -c)" 2>/dev/null; echo "core=$(ulimit -c) hard=$(ulimit -H -c)"; '"$PY"' -c "import os; os.kill(os.getpid(), 11)"; echo "cores=$(ls | grep -c "^core")"'
run_ward features --json
fexit=$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["bpf"]["fexit_loads"])' 2>/dev/null)
if [ "$fexit" != True ] || [ -n "$AS_USER" ]; then
	t_skip "a file write quota leaves no core dump" "fexit programs do not load here (the quota is refused: test_quota_file.sh)"
else
	mkdir "$DATA/q"
	run_ward run --quota file_write_bytes=1G:report -w "$DATA/q" -- /bin/sh -c "$CRASH" "$DATA/q"
	if printf '%s\n' "$OUT" | grep -qx 'core=0 hard=0' && printf '%s\n' "$OUT" | grep -qx 'cores=0'; then
		t_ok "with a file write quota: RLIMIT_CORE 0 soft and hard, a SIGSEGV leaves no core"
	else
		t_fail "with a file write quota: RLIMIT_CORE 0 soft and hard, no core" "rc $RC" "$OUT" "$ERR"
	fi
fi
mkdir "$DATA/c"
chmod 777 "$DATA/c"
run_ward run -w "$DATA/c" -- /bin/sh -c "$CRASH" "$DATA/c"
soft=$(printf '%s\n' "$OUT" | sed -n 's/^core=\([^ ]*\) hard=.*/\1/p')
hard=$(printf '%s\n' "$OUT" | sed -n 's/^core=[^ ]* hard=\(.*\)/\1/p')
if [ -n "$soft" ] && [ "$soft" = "$hard" ] && printf '%s\n' "$OUT" | grep -q '^cores='; then
	t_ok "control: without a quota the program raises its core limit to the hard one ($hard)"
else
	t_fail "control: without a quota the program raises its core limit" "rc $RC" "$OUT" "$ERR"
fi

t_summary
