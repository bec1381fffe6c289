#!/usr/bin/env bash
# test_world_red3.sh — red-team findings against the sandbox's own world,
# each with the real program, the real errno and a control that succeeds:
#  - host device nodes in the own /dev are bound read-only: their metadata
#    cannot be changed (EROFS) while reading and writing them still work;
#  - the keeper (pid 1) is not dumpable: /proc/1/environ, which holds ward's
#    own environment with the secrets the program's was cleaned of, and
#    /proc/1/mem cannot be read;
#  - an exec deny of a file with a hard link in another directory of the
#    exec grant is refused at start (the link would run it).
# Usage: test_world_red3.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
cd /

DATA=$(mktemp -d "$WORK/red3.XXXXXX")
chmod 755 "$DATA"

# The own root needs user, mount and pid namespaces.
run_ward run --explain -- /bin/true
if ! printf '%s\n' "$ERR$OUT" | grep -Eq "file metadata outside write grants: EROFS +namespaces +enforced"; then
	t_skip "device nodes and keeper of the own world" "no own root on this host: $(printf '%s\n' "$ERR" | head -2)"
	t_summary
	exit
fi

# ---- device nodes: metadata EROFS, data as before ----
# chown to -1:-1 changes nothing but the node's ctime even if it worked.
run_ward run -- /usr/bin/python3 -c '
import os, errno
for dev in ("/dev/null", "/dev/urandom", "/dev/tty"):
    if not os.path.exists(dev):
        continue
    try:
        os.chown(dev, -1, -1)
        print(dev, "changed")
    except OSError as e:
        print(dev, errno.errorcode[e.errno])
'
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q "^/dev/null EROFS$" &&
	printf '%s\n' "$OUT" | grep -q "^/dev/urandom EROFS$" && ! printf '%s\n' "$OUT" | grep -q changed; then
	t_ok "chown of the host's /dev/null and /dev/urandom inside: EROFS"
else
	t_fail "device node metadata" "rc=$RC" "$OUT" "$ERR"
fi
run_ward run -- /bin/sh -c 'echo data >/dev/null && head -c 16 /dev/urandom | wc -c && head -c 4 /dev/zero | wc -c'
if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | tr -d ' ' | tr '\n' ,)" = "16,4," ]; then
	t_ok "control: /dev/null, /dev/urandom and /dev/zero still read and written"
else
	t_fail "device nodes usable" "rc=$RC" "$OUT" "$ERR"
fi
run_ward run -- /bin/sh -c 'f=$(mktemp) && python3 -c "import os,sys; os.chown(sys.argv[1], -1, -1)" "$f" && echo own-ok'
if [ "$RC" -eq 0 ] && [ "$OUT" = own-ok ]; then
	t_ok "control: chown -1:-1 of a file of its own in /tmp works"
else
	t_fail "own chown" "rc=$RC" "$OUT" "$ERR"
fi

# ---- the keeper is not dumpable ----
# The marker is in ward's environment; the default profile drops it from
# the program's (a *_TOKEN), and pid 1's environment block must not show it.
run_ward_env() { # NAME=VALUE ARGS...: run_ward with one more variable in ward's environment
	local kv=$1 o e
	shift
	o=$(mktemp) e=$(mktemp)
	chmod 666 "$o" "$e"
	(cd / && as_caller env "$kv" "$WARD" "$@" >"$o" 2>"$e" </dev/null)
	RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
}
MARK=red3-$$-marker
run_ward_env "RED3_TOKEN=$MARK" run -- /bin/sh -c '
echo "own=${RED3_TOKEN:-unset}"
if tr "\0" "\n" </proc/1/environ 2>/dev/null | grep -q RED3_TOKEN; then echo pid1-environ=read; else echo pid1-environ=denied; fi
if (exec 3</proc/1/mem) 2>/dev/null; then echo pid1-mem=opened; else echo pid1-mem=denied; fi
python3 -c "import sys; sys.exit(b\"PATH=\" not in open(\"/proc/self/environ\", \"rb\").read())" && echo self-environ=read'
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q "^own=unset$" &&
	printf '%s\n' "$OUT" | grep -q "^pid1-environ=denied$" && printf '%s\n' "$OUT" | grep -q "^pid1-mem=denied$"; then
	t_ok "the dropped secret is not readable from the keeper's /proc/1/environ; /proc/1/mem denied"
else
	t_fail "keeper environ/mem" "rc=$RC" "$OUT" "$ERR"
fi
if printf '%s\n' "$OUT" | grep -q "^self-environ=read$"; then
	t_ok "control: the program reads its own /proc/self/environ"
else
	t_fail "own environ" "rc=$RC" "$OUT" "$ERR"
fi

# ---- exec deny and hard links in other directories ----
mkdir -p "$DATA/x/a" "$DATA/x/b" "$DATA/x/c"
cp /bin/true "$DATA/x/a/tool"
cp /bin/true "$DATA/x/c/other"
chmod -R a+rX "$DATA/x"
ln "$DATA/x/a/tool" "$DATA/x/b/alias"
run_ward run -x "$DATA/x" --exec-deny "$DATA/x/a/tool" -- "$DATA/x/b/alias"
if [ "$RC" -eq 125 ] && printf '%s\n' "$ERR" | grep -q "hard links"; then
	t_ok "exec deny of a file linked from another directory: refused (125, names the links)"
else
	t_fail "exec deny with a link elsewhere" "rc=$RC" "$ERR"
fi
rm -f "$DATA/x/b/alias"
run_ward run -x "$DATA/x" --exec-deny "$DATA/x/a/tool" -- "$DATA/x/c/other"
if [ "$RC" -eq 0 ]; then
	t_ok "control: without the link the same policy runs"
else
	t_fail "exec deny without links" "rc=$RC" "$ERR"
fi
ln "$DATA/x/a/tool" "$DATA/x/a/tool2"
run_ward run -x "$DATA/x" --exec-deny "$DATA/x/a/tool" -- "$DATA/x/a/tool2"
if [ "$RC" -eq 126 ]; then
	t_ok "a link beside the denied file is denied with it (126)"
else
	t_fail "link beside the denied file" "rc=$RC" "$ERR"
fi

# ---- the host's secrets under /etc (root inside still owns them) ----
if [ -e /etc/shadow ]; then
	run_ward run -- /bin/sh -c 'cat /etc/shadow >/dev/null 2>&1; echo shadow=$?; cat /etc/passwd >/dev/null && echo passwd=ok; ls /etc >/dev/null && echo list=ok'
	if printf '%s\n' "$OUT" | grep -q '^shadow=1$' && printf '%s\n' "$OUT" | grep -q '^passwd=ok$' &&
		printf '%s\n' "$OUT" | grep -q '^list=ok$'; then
		t_ok "default profile: /etc/shadow unreadable (root too), /etc/passwd and the /etc listing still work"
	else
		t_fail "default profile hides /etc/shadow" "rc=$RC" "$OUT" "$ERR"
	fi
else
	t_skip "default profile hides /etc/shadow" "this host has no /etc/shadow"
fi
# An optional denial of a path that is absent is skipped, like an optional grant.
printf 'extends: default\nfs:\n  deny:\n    - {path: /etc/ward-absent-%s, optional: true}\n' "$$" >"$DATA/opt.yaml"
chmod 644 "$DATA/opt.yaml"
run_ward run -p "$DATA/opt.yaml" --explain -- /bin/ls /etc
if [ "$RC" -eq 0 ] && ! printf '%s\n' "$ERR" | grep -q "ward-absent-$$"; then
	t_ok "an optional denial of an absent path is skipped (/etc stays listable)"
else
	t_fail "optional absent denial" "rc=$RC" "$(printf '%s\n' "$ERR" | grep -i absent)"
fi

rm -rf "$DATA"
t_summary
