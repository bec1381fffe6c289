#!/usr/bin/env bash
# test_world_red4.sh — red-team findings (red4), each with the real program,
# the real result and a control that succeeds:
#  - ward learn writes the names of the files a program executed into the
#    policy's comments: a name with a newline (or NEL) ended the comment and
#    its next line became policy ("mode: audit" turned the later `ward run
#    -p` into observe-only); a name with a byte that is not UTF-8 made the
#    written policy fail to load. Names are escaped now, paths with control
#    characters survive in the quoted grants.
# Usage: test_world_red4.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
cd /
PY=/usr/bin/python3

DATA=$(mktemp -d "$WORK/red4.XXXXXX")
chmod 755 "$DATA"
mkdir "$DATA/proj"
echo "inside" >"$DATA/proj/in.txt"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$DATA"
chmod -R a+rX "$DATA"

# ---- ward learn: names a program chose cannot write policy ----
# The program makes executables whose names carry a policy line after a
# newline, after NEL (U+0085, a YAML line break), a byte that is not UTF-8
# and a control character, and runs each of them.
RUN_CWD=$DATA/proj
run_ward learn --out "$DATA/learned.yaml" -- $PY -c '
import os, subprocess
for n in (b"p\nmode: audit\n#", b"n\xc2\x85mode: audit", b"r\xff", b"s\x01t"):
    with open(n, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(n, 0o755)
    subprocess.run([b"./" + n], check=True)
print(open("in.txt").read().strip())'
unset RUN_CWD
if [ "$RC" -eq 0 ] && [ "$OUT" = inside ] && [ -s "$DATA/learned.yaml" ]; then
	t_ok "learn: a program running files named with newlines, NEL and non-UTF-8 bytes gives a policy that loads"
else
	t_fail "learn with hostile program names" "rc=$RC" "$OUT" "$ERR"
fi
if ! grep -Eq '^[[:space:]]*mode:' "$DATA/learned.yaml" 2>/dev/null &&
	grep -Fq '#   '"$DATA"'/proj/p\nmode: audit\n#' "$DATA/learned.yaml" 2>/dev/null &&
	grep -Fq '#   '"$DATA"'/proj/r\xff' "$DATA/learned.yaml" 2>/dev/null; then
	t_ok "learn: the executed names are escaped inside their comment lines (no line of policy)"
else
	t_fail "learn: executed names escaped" "$(grep -n 'mode\|proj/' "$DATA/learned.yaml" 2>&1 | head -8)"
fi
# The learned policy enforces (under "mode: audit" both would pass): its
# plan is in enforce mode, and a write into the read-only /proc fails with
# EACCES, while reading there works (control below).
run_ward check "$DATA/learned.yaml" --explain
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT$ERR" | grep -q '^ward plan (mode enforce)'; then
	t_ok "learned policy: its plan is in enforce mode"
else
	t_fail "learned policy's mode" "rc=$RC" "$(printf '%s\n' "$OUT$ERR" | head -3)"
fi
run_ward run -p "$DATA/learned.yaml" -- /bin/sh -c 'echo red4 >/proc/self/comm'
if [ "$RC" -ne 0 ] && printf '%s\n' "$ERR" | grep -q "Permission denied"; then
	t_ok "learned policy: a write outside its grants (/proc/self/comm) fails with EACCES"
else
	t_fail "learned policy enforces" "rc=$RC" "$OUT" "$ERR"
fi
run_ward run -p "$DATA/learned.yaml" -- /bin/sh -c "cat $DATA/proj/in.txt /proc/self/comm"
if [ "$RC" -eq 0 ] && [ "$OUT" = "inside
cat" ]; then
	t_ok "control: the learned policy reads the project and /proc"
else
	t_fail "learned policy reads the project" "rc=$RC" "$OUT" "$ERR"
fi
# A project directory whose name has a control character is granted as it
# is (the quoted scalar escapes it), and the replay writes there.
CTL=$DATA/ctl$(printf '\001')dir
mkdir "$CTL"
[ -n "$AS_USER" ] && chown "$AS_USER" "$CTL"
RUN_CWD=$CTL
run_ward learn --out "$DATA/ctl.yaml" -- /bin/sh -c 'echo one >f'
run_ward run -p "$DATA/ctl.yaml" -- /bin/sh -c 'echo two >f && cat f'
unset RUN_CWD
if [ "$RC" -eq 0 ] && [ "$OUT" = two ] && grep -Fq '\x01dir"' "$DATA/ctl.yaml"; then
	t_ok "learn: a project named with a control character is granted by its exact name"
else
	t_fail "learn: control character in the project's name" "rc=$RC" "$OUT" "$ERR" "$(grep -v '^#' "$DATA/ctl.yaml" 2>&1)"
fi

rm -rf "$DATA"
t_summary
