#!/usr/bin/env bash
# test_setid_plants.sh — nothing written in a write grant keeps or gains
# privilege outside: a set-id file rewritten by the sandbox loses S_ISUID
# (root keeps it only with CAP_FSETID, which the child drops), and no device
# node can be made (Landlock grants no MAKE_CHAR/MAKE_BLOCK; seccomp refuses
# them too, but for the 0:0 whiteout: tests/unit/test_seccomp_setid.c). Each deny is a real process next
# to a control that succeeds.
# Usage: test_setid_plants.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"

DATA=$(mktemp -d "$WORK/setid.XXXXXX")
chmod 755 "$DATA"
P=$DATA/proj
mkdir -p "$P"
[ -n "$AS_USER" ] && chown "$AS_USER" "$P"
cleanup() {
	# Only the directory this run made under WORK.
	case $DATA in "$WORK"/setid.*) rm -rf "$DATA" ;; esac
}
trap cleanup EXIT
G=(-x "$BIN" -w "$P")

# ---- a set-id file in the write grant, rewritten inside ----
cp /bin/true "$P/tool"
[ -n "$AS_USER" ] && chown "$AS_USER" "$P/tool"
chmod 4755 "$P/tool"
expect "control: the set-id file is rewritten" 0 '^done$' -- \
	run "${G[@]}" -- /bin/sh -c "cat /bin/true >'$P/tool' && echo done"
mode=$(stat -c %a "$P/tool")
[ "$mode" = 755 ] && t_ok "a rewritten set-id file loses S_ISUID" ||
	t_fail "a rewritten set-id file keeps S_ISUID" "mode $mode"
expect "CAP_FSETID, CAP_MKNOD and CAP_SETFCAP are not held" 0 '^none$' -- \
	run "${G[@]}" -- /bin/sh -c "b=\$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status);
		[ \$(( 0x\$b & ((1 << 4) | (1 << 27) | (1 << 31)) )) = 0 ] && echo none || echo \$b"

# ---- device nodes ----
expect "mknod of a block device in a write grant fails" 1 '' -- \
	run "${G[@]}" -- /bin/mknod "$P/blk" b 7 0
[ -e "$P/blk" ] && t_fail "the block node exists" "$(ls -l "$P/blk")" || t_ok "no block node was made"
expect "mknod of a character device in a write grant fails" 1 '' -- \
	run "${G[@]}" -- /bin/mknod "$P/chr" c 1 3
expect "control: a fifo is made" 0 '^done$' -- \
	run "${G[@]}" -- /bin/sh -c "/bin/mknod '$P/fifo' p && [ -p '$P/fifo' ] && echo done"

t_summary
