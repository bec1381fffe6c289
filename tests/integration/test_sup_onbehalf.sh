#!/usr/bin/env bash
# test_sup_onbehalf.sh — the supervisor's opens on the program's behalf, as
# root and unprivileged: made in the sandbox's own root (never ward's), from
# the program's cwd or dirfd, with "..", absolute symlinks and a directory fd
# from outside that root. Audit-mode fs rules put every open on the
# supervisor (it opens the file and injects the fd); each case runs a real
# process and checks the real errno (tests/progs/sup_fs_probe exits with it),
# next to a control that succeeds.
# Usage: test_sup_onbehalf.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
FSP=$BIN/sup_fs_probe

DATA=$(mktemp -d "$WORK/onbehalf.XXXXXX")
chmod 755 "$DATA"
D=$DATA/granted   # the only granted tree
HOST=$DATA/host   # exists on the host, outside every grant
mkdir -p "$D/sub" "$D/sub/deeper" "$HOST"
echo granted >"$D/f"
echo secret >"$D/secret"
echo host >"$HOST/x"
ln -s "$D/f" "$D/sub/inlink"      # absolute, to a granted file
ln -s "$HOST/x" "$D/sub/hostlink" # absolute, to a host file the sandbox lacks
chmod -R a+rX "$DATA"

cleanup() {
	case $DATA in "$WORK"/onbehalf.*) rm -rf "$DATA" ;; esac
}
trap cleanup EXIT

EVENTS=$(mktemp "$WORK/onbehalf-ev.XXXXXX")
chmod 666 "$EVENTS"
# audit: the fs deny is the supervisor's, so it traps and makes every open.
A=(run --mode audit -x "$BIN" -r "$D" --fs-deny "$D/secret" --cwd "$D/sub" --events "$EVENTS")

# ---- the open path works at all (unprivileged it failed with EPERM) ----
expect "control: a granted file by absolute path is read (on-behalf open)" 0 '' -- \
	"${A[@]}" -- "$FSP" open "$D/f"
expect "audit: the denied file is read and reported" 0 '' -- \
	"${A[@]}" -- "$FSP" open "$D/secret"
expect_event "audit: an audit event names the denied file" "$EVENTS" audit \
	"\"layer\":\"supervisor\".*\"path\":\"$D/secret\""

# ---- relative lookups from the program's cwd ----
expect "relative below the cwd: deeper/../../f is read" 0 '' -- \
	"${A[@]}" -- "$FSP" open "deeper/../../f"
expect "relative above the cwd: ../f is read (openat, AT_FDCWD)" 0 '' -- \
	"${A[@]}" -- "$FSP" openat "../f"

# ---- never ward's root: the host file stays out of reach ----
if [ -r "$HOST/x" ]; then
	t_ok "control: the host file exists and is readable outside the sandbox"
else
	t_fail "control: the host file exists and is readable outside the sandbox" "$HOST/x"
fi
expect "absolute path of a host file outside the grants: ENOENT (2)" 2 '' -- \
	"${A[@]}" -- "$FSP" open "$HOST/x"
expect "control: an absolute symlink to a granted file is followed inside the root" 0 '' -- \
	"${A[@]}" -- "$FSP" open inlink
expect "an absolute symlink to a host file resolves in the sandbox's root: ENOENT (2)" 2 '' -- \
	"${A[@]}" -- "$FSP" open hostlink
UP=$(printf '../%.0s' 1 2 3 4 5 6 7 8 9 10 11 12)
expect "dot-dot far above the cwd stops at the sandbox's root: ENOENT (2)" 2 '' -- \
	"${A[@]}" -- "$FSP" openat "$UP${HOST#/}/x"
expect "control: the same dot-dots to a granted file read it" 0 '' -- \
	"${A[@]}" -- "$FSP" openat "$UP${D#/}/f"

# ---- a directory fd from outside the sandbox's root (--pass-fd 3) ----
# Below that directory the kernel itself would walk from the fd: allowed.
# Above it the supervisor cannot place the walk inside the root: refused.
{ expect "control: openat(fd of a host dir, \"x\") reads below the fd" 0 '' -- \
	"${A[@]}" --pass-fd 3 -- "$FSP" openat3 x; } 3<"$HOST"
: >"$EVENTS"
{ expect "openat(fd of a host dir, \"../host/x\") is refused: EACCES (13)" 13 '' -- \
	"${A[@]}" --pass-fd 3 -- "$FSP" openat3 ../host/x; } 3<"$HOST"
expect_event "the refusal is a deny event that says why" "$EVENTS" deny \
	"outside the sandbox's root"

# ---- DAC: the open is made with the program's credentials ----
if [ -n "$AS_USER" ]; then
	echo private >"$D/rootonly"
	chmod 600 "$D/rootonly"
	expect "a root-only file in the grant: EACCES (13) for uid $AS_USER" 13 '' -- \
		"${A[@]}" -- "$FSP" open "$D/rootonly"
	chown "$AS_USER" "$D/rootonly"
	expect "control: the same file owned by uid $AS_USER is read" 0 '' -- \
		"${A[@]}" -- "$FSP" open "$D/rootonly"
fi

rm -f "$EVENTS"
t_summary
