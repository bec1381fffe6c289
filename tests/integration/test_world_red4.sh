#!/usr/bin/env bash
# test_world_red4.sh — red-team findings (red4), each with the real program,
# the real result and a control that succeeds:
#  - ward learn writes the names of the files a program executed into the
#    policy's comments: a name with a newline (or NEL) ended the comment and
#    its next line became policy ("mode: audit" turned the later `ward run
#    -p` into observe-only); a name with a byte that is not UTF-8 made the
#    written policy fail to load. Names are escaped now, paths with control
#    characters survive in the quoted grants;
#  - ward learn never grants HOME whole, but only compared the names: with
#    HOME behind a symlink (or with a trailing slash) a file read directly
#    in the home collapsed to its directory, the resolved home, and the
#    policy granted all of it (~/.ssh included); a listing through a
#    symlink to the home granted the directory holding the home;
#  - ward learn wrote names as grants that the loader expands: a directory
#    named "*" in ~/.config became the glob "~/.config/*" (read of every
#    directory there: ~/.config/gh's token), one named "$HOME" a variable;
#    a policy cannot escape them, so such names are counted, not granted;
#  - TIOCSETD on the caller's terminal (descriptor 0 a pty): N_NULL stayed
#    set after ward exited, and the caller's shell read nothing more;
#    TIOCEXCL stayed set too, and every later open of the terminal
#    (/dev/tty for sudo's password prompt) failed with EBUSY. The hardening
#    filter refuses both (EPERM); reading the discipline, and writing to
#    the terminal, still work (control).
# Usage: test_world_red4.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
cd /
PY=/usr/bin/python3

t_tempdir red4 755
DATA=$T_DIR
trap t_tempdirs_remove EXIT
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

# ---- ward learn: the home under another name is still the home ----
# learn_home HOME_VALUE: learns, with HOME set so, a program that reads
# one file directly in the home and lists it through its symlink.
mkdir -p "$DATA/realhome/.ssh"
echo "profile-$$" >"$DATA/realhome/.profile"
echo "key-$$" >"$DATA/realhome/.ssh/id"
ln -s realhome "$DATA/h"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$DATA/realhome"
chmod 755 "$DATA/realhome" "$DATA/realhome/.ssh"
chmod 644 "$DATA/realhome/.profile" "$DATA/realhome/.ssh/id"
learn_home() {
	local o e
	o=$(mktemp) e=$(mktemp)
	chmod 666 "$o" "$e"
	(cd "$DATA/proj" && as_caller env HOME="$1" "$WARD" learn --out "$DATA/home.yaml" -- \
		/bin/sh -c "cat $DATA/realhome/.profile && ls $DATA/h/ >/dev/null" >"$o" 2>"$e" </dev/null)
	RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
}
for home in "$DATA/h" "$DATA/realhome/"; do
	learn_home "$home"
	granted=$(grep -E '^ +- "' "$DATA/home.yaml" 2>/dev/null | sed 's/^ *- "\([^"]*\)".*/\1/')
	whole=""
	for g in $granted; do
		case $g in
		"$DATA" | "$DATA/realhome" | "$DATA/h" | "~" | "$DATA/realhome/" | / | /tmp) whole="$whole $g" ;;
		esac
	done
	if [ "$RC" -eq 0 ] && [ "$OUT" = "profile-$$" ] && [ -z "$whole" ] &&
		printf '%s\n' "$granted" | grep -qx '~/.profile'; then
		t_ok "learn with HOME=$home: the file read is granted (~/.profile), never the home or a directory holding it"
	else
		t_fail "learn with HOME=$home" "rc=$RC" "$OUT" "$ERR" "whole:$whole" "granted: $granted"
	fi
done
# The replay under the learned policy reads the profile, not ~/.ssh.
o=$(mktemp) e=$(mktemp)
chmod 666 "$o" "$e"
(cd / && as_caller env HOME="$DATA/h" "$WARD" run -p "$DATA/home.yaml" -- /bin/sh -c \
	"cat $DATA/h/.profile; cat $DATA/h/.ssh/id" >"$o" 2>"$e" </dev/null)
RC=$?
OUT=$(cat "$o") ERR=$(cat "$e")
rm -f "$o" "$e"
if [ "$RC" -ne 0 ] && [ "$OUT" = "profile-$$" ] && printf '%s\n' "$ERR" | grep -Eq "id: (Permission denied|No such file)"; then
	t_ok "the learned policy: ~/.profile is read (control), ~/.ssh/id is not"
else
	t_fail "learned home policy replay" "rc=$RC" "$OUT" "$ERR"
fi

# ---- ward learn: names with glob or variable characters ----
mkdir -p "$DATA/realhome/.config/*" "$DATA/realhome/.config/gh"
echo "star" >"$DATA/realhome/.config/*/f"
echo "token-$$" >"$DATA/realhome/.config/gh/hosts.yml"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$DATA/realhome"
chmod -R a+rX "$DATA/realhome"
o=$(mktemp) e=$(mktemp)
chmod 666 "$o" "$e"
(cd "$DATA/proj" && as_caller env HOME="$DATA/realhome" "$WARD" learn --out "$DATA/glob.yaml" -- \
	/bin/sh -c "cat '$DATA/realhome/.config/*/f' && mkdir -p '$DATA/realhome/\$HOME' && echo v >'$DATA/realhome/\$HOME/g'" \
	>"$o" 2>"$e" </dev/null)
RC=$?
OUT=$(cat "$o") ERR=$(cat "$e")
rm -f "$o" "$e"
if [ "$RC" -eq 0 ] && [ "$OUT" = star ] && ! grep -Eq '^ +- ".*[*?[$]' "$DATA/glob.yaml" &&
	grep -q "names a policy cannot" "$DATA/glob.yaml"; then
	t_ok "learn: names with * or \$ are counted as not granted, never written as a glob or a variable"
else
	t_fail "learn: glob and variable characters in names" "rc=$RC" "$OUT" "$ERR" "$(grep -v '^#' "$DATA/glob.yaml" 2>&1)"
fi
o=$(mktemp) e=$(mktemp)
chmod 666 "$o" "$e"
(cd / && as_caller env HOME="$DATA/realhome" "$WARD" run -p "$DATA/glob.yaml" -- /bin/sh -c \
	"cat $DATA/realhome/.config/gh/hosts.yml; cat /proc/self/comm" >"$o" 2>"$e" </dev/null)
RC=$?
OUT=$(cat "$o") ERR=$(cat "$e")
rm -f "$o" "$e"
if [ "$OUT" = cat ] && printf '%s\n' "$ERR" | grep -Eq "hosts.yml: (Permission denied|No such file)"; then
	t_ok "that policy: ~/.config/gh/hosts.yml stays unreadable, /proc is read (control)"
else
	t_fail "glob-named policy replay" "rc=$RC" "$OUT" "$ERR"
fi

# ---- the caller's terminal: no line discipline change ----
# A pty outside the sandbox is the program's standard input and output; the
# program tries TIOCSETD N_NULL on it and reads it back with TIOCGETD; the
# discipline is read again outside once ward has exited.
SETD_PROG='import fcntl, struct, errno, sys
def attempt(request, arg):
    try:
        fcntl.ioctl(0, request, arg)
        return "done"
    except OSError as e:
        return errno.errorcode[e.errno]
r = attempt(0x5423, struct.pack("i", 27))
x = attempt(0x540C, 0)
d = struct.unpack("i", fcntl.ioctl(0, 0x5424, b"\0" * 4))[0]
print("tiocsetd=%s tiocexcl=%s ldisc=%d" % (r, x, d))'
$PY - "$WARD" "$SETD_PROG" "${AS_USER:-}" >"$DATA/tty.out" 2>&1 <<'PYEOF'
import fcntl, os, pty, select, struct, subprocess, sys, time
ward, prog, user = sys.argv[1], sys.argv[2], sys.argv[3]
master, slave = pty.openpty()
cmd = [ward, "run", "--", "/usr/bin/python3", "-c", prog]
if user:
    os.fchown(slave, int(user), -1)
    cmd = ["setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups", "--"] + cmd
p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, cwd="/")
out = b""
deadline = time.time() + 60
# Read while ward runs; once it has exited, what it wrote is buffered
# already: drain until nothing is left.
while True:
    done = p.poll() is not None
    r, _, _ = select.select([master], [], [], 0 if done else 0.2)
    if r:
        out += os.read(master, 4096)
    elif done or time.time() > deadline:
        break
rc = p.wait(timeout=5) if p.poll() is None else p.returncode
after = struct.unpack("i", fcntl.ioctl(slave, 0x5424, b"\0" * 4))[0]
excl = struct.unpack("i", fcntl.ioctl(slave, 0x80045440, b"\0" * 4))[0]  # TIOCGEXCL
print("rc=%d" % rc)
print(out.decode(errors="replace").strip())
print("after=%d exclusive=%d" % (after, excl))
PYEOF
TTY_OUT=$(cat "$DATA/tty.out")
if printf '%s\n' "$TTY_OUT" | grep -q "tiocsetd=EPERM tiocexcl=EPERM ldisc=0" &&
	printf '%s\n' "$TTY_OUT" | grep -qx "after=0 exclusive=0"; then
	t_ok "TIOCSETD and TIOCEXCL on the caller's terminal fail with EPERM; after the run it is N_TTY and not exclusive"
else
	t_fail "TIOCSETD on the caller's terminal" "$TTY_OUT"
fi
if printf '%s\n' "$TTY_OUT" | grep -qx "rc=0" && printf '%s\n' "$TTY_OUT" | grep -q "ldisc=0"; then
	t_ok "control: the program reads the terminal's discipline and writes to the terminal"
else
	t_fail "terminal control" "$TTY_OUT"
fi

t_summary
