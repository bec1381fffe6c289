#!/usr/bin/env bash
# test_runtime_dir_hidden.sh — ward's runtime directory (live records, the
# cgroup registry, the sandboxes' hosts files) is hidden from a sandbox
# whose write grant contains it: root granting -w /run (/run/ward), uid
# 65534 without $XDG_RUNTIME_DIR granting -w /tmp (/tmp/ward-65534). The
# program gets EACCES there, and the rest of the grant stays usable.
# Usage: test_runtime_dir_hidden.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"

if [ -z "$AS_USER" ]; then
	GRANT=/run RT=/run/ward
else
	GRANT=/tmp RT=/tmp/ward-$AS_USER
fi
MARK=$(mktemp "$GRANT/ward-rt-test.XXXXXX")
chmod 644 "$MARK"
# ward makes its runtime directory on its first run; make sure it exists.
run_ward ps
# shellcheck disable=SC2016
PROG='ls "$1" >/dev/null 2>&1; echo "list=$?"; echo x >"$1/forged" 2>/dev/null; echo "write=$?"; cat "$2" >/dev/null; echo "control=$?"'
OUT=$(as_caller env -u XDG_RUNTIME_DIR "$WARD" run -w "$GRANT" -- /bin/sh -c "$PROG" sh "$RT" "$MARK" 2>/dev/null)
RC=$?
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx 'list=[12]' && printf '%s\n' "$OUT" | grep -qx 'write=[12]'; then
	t_ok "$RT inside the write grant $GRANT: neither listed nor written"
else
	t_fail "$RT inside the write grant $GRANT: neither listed nor written" "rc $RC" "$OUT"
fi
if printf '%s\n' "$OUT" | grep -qx 'control=0'; then
	t_ok "control: another file of $GRANT is read"
else
	t_fail "control: another file of $GRANT is read" "$OUT"
fi
if [ ! -e "$RT/forged" ]; then
	t_ok "nothing was written into $RT"
else
	t_fail "nothing was written into $RT" "$(ls -la "$RT/forged")"
	rm -f "$RT/forged"
fi
case $MARK in "$GRANT"/ward-rt-test.*) rm -f "$MARK" ;; esac
t_summary
