#!/usr/bin/env bash
# test_unix_meta.sh — denials and read-only carve-outs inside a write grant
# (the mount-namespace mask), their metadata, set-id and file-capability
# plants, and a unix socket behind a denial. Every deny is a real process
# seeing the real errno (tests/progs/probe, tests/progs/meta_probe), next to
# a control that succeeds.
# Usage: test_unix_meta.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
META=$BIN/meta_probe

DATA=$(mktemp -d "$WORK/meta.XXXXXX")
chmod 755 "$DATA"
P=$DATA/proj
mkdir -p "$P/sub" "$P/sec"
echo SECRET >"$P/.env"
echo key >"$P/sec/key"
echo a >"$P/sub/a"
cp /bin/true "$P/tool"
git -C "$P" init -q 2>/dev/null
git -C "$P" config user.email t@example.invalid
git -C "$P" config user.name t
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$P"
LISTENER=

cleanup() {
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null && wait "$LISTENER" 2>/dev/null
	# Only the directory this run made under WORK.
	case $DATA in "$WORK"/meta.*) rm -rf "$DATA" ;; esac
}
trap cleanup EXIT

G=(-x "$BIN") # every run may execute the test programs
DENY=(-w "$P" --fs-deny "$P/.env")

# ---- fs deny inside a write grant: the rest of the grant stays usable ----
expect "control: without the deny .env is readable" 0 '^OK$' -- \
	run "${G[@]}" -w "$P" -- "$PROBE" read "$P/.env"
expect "fs-deny proj/.env: reading it is EACCES" 1 '^EACCES$' -- \
	run "${G[@]}" "${DENY[@]}" -- "$PROBE" read "$P/.env"
expect "fs-deny proj/.env: cat fails" 1 '' -- run "${DENY[@]}" -- /bin/cat "$P/.env"
expect "fs-deny proj/.env: writing it is EACCES" 1 '^EACCES$' -- \
	run "${G[@]}" "${DENY[@]}" -- "$PROBE" write "$P/.env"
expect "fs-deny proj/.env: a new file beside it can be created" 0 '^OK$' -- \
	run "${G[@]}" "${DENY[@]}" -- "$PROBE" write "$P/new"
expect "fs-deny proj/.env: create, rename, list and remove beside it" 0 '^done$' -- \
	run "${DENY[@]}" -- /bin/sh -c "mkdir '$P/d' && echo x >'$P/d/f' && mv '$P/d/f' '$P/sub/g' &&
		ls '$P/sub' | grep -qx g && rm '$P/sub/g' && rmdir '$P/d' && ls -a '$P' | grep -qx .env && echo done"
rm -f "$P/new"
for op in chmod fchmod-empty; do
	expect "fs-deny proj/.env: $op of it is EROFS" 1 '^EROFS$' -- \
		run "${G[@]}" "${DENY[@]}" -- "$META" $op "$P/.env" 600
done
expect "fs-deny proj/.env: chown of it is EROFS" 1 '^EROFS$' -- \
	run "${G[@]}" "${DENY[@]}" -- "$META" chown "$P/.env"
expect "fs-deny proj/.env: setxattr on it is EROFS" 1 '^EROFS$' -- \
	run "${G[@]}" "${DENY[@]}" -- "$META" setxattr "$P/.env" user.ward
expect "fs-deny proj/.env: utimensat on it is EROFS" 1 '^EROFS$' -- \
	run "${G[@]}" "${DENY[@]}" -- "$META" utimes "$P/.env"
expect "control: chmod of a sibling works" 0 '^OK$' -- \
	run "${G[@]}" "${DENY[@]}" -- "$META" chmod "$P/sub/a" 640
expect "control: utimensat of a sibling works" 0 '^OK$' -- \
	run "${G[@]}" "${DENY[@]}" -- "$META" utimes "$P/sub/a"
[ "$(cat "$P/.env")" = SECRET ] && t_ok "the denied file is unchanged" || t_fail "the denied file changed" "$(cat "$P/.env")"

# A denied directory: empty and read-only (unreadable for an unprivileged user).
expect "fs-deny proj/sec: a file in it cannot be read" 1 '^(EACCES|ENOENT)$' -- \
	run "${G[@]}" -w "$P" --fs-deny "$P/sec" -- "$PROBE" read "$P/sec/key"
expect "fs-deny proj/sec: nothing can be created in it" 1 '^(EACCES|EROFS)$' -- \
	run "${G[@]}" -w "$P" --fs-deny "$P/sec" -- "$PROBE" write "$P/sec/new"
expect "fs-deny proj/sec: proj itself stays writable" 0 '^OK$' -- \
	run "${G[@]}" -w "$P" --fs-deny "$P/sec" -- "$PROBE" write "$P/sub/b"
rm -f "$P/sub/b"
# Started from inside the denied directory: the working directory is
# entered again through the mask, so a relative path reaches nothing.
cd "$P/sec" || exit 1
expect "fs-deny proj/sec, started inside it: a relative read fails" 1 '^(EACCES|ENOENT)$' -- \
	run "${G[@]}" -w "$P" --fs-deny "$P/sec" -- "$PROBE" read key
cd / || exit 1

# Hard links made before the run would reach the file past the denial.
ln "$P/.env" "$P/env-link"
expect_err "a denied file with another hard link refuses the run" 125 "\\.env has 2 hard links" -- \
	run "${DENY[@]}" -- /bin/true
rm -f "$P/env-link"
ln "$P/sec/key" "$P/key-link"
expect_err "a file with another hard link beneath a denied directory refuses the run" 125 "sec/key has 2 hard links" -- \
	run -w "$P" --fs-deny "$P/sec" -- /bin/true
rm -f "$P/key-link"

run_ward run --explain "${DENY[@]}" -- /bin/true
if printf '%s' "$ERR" | grep -q "fs deny $P/.env *namespaces *enforced"; then
	t_ok "--explain: the deny is held by the mount namespace"
else
	t_fail "--explain names the mount namespace for the deny" "$ERR"
fi

# ---- a read-only carve-out inside a write grant ----
CARVE=(-w "$P" -r "$P/.git/config")
expect "-r .git/config under -w proj: writing it is EROFS" 1 '^EROFS$' -- \
	run "${G[@]}" "${CARVE[@]}" -- "$PROBE" write "$P/.git/config"
expect "-r .git/config under -w proj: chmod of it is EROFS" 1 '^EROFS$' -- \
	run "${G[@]}" "${CARVE[@]}" -- "$META" chmod "$P/.git/config" 600
expect "-r .git/config under -w proj: it stays readable" 0 '^OK$' -- \
	run "${G[@]}" "${CARVE[@]}" -- "$PROBE" read "$P/.git/config"
expect "-r .git/config under -w proj: git add and git status work" 0 '^A  sub/a$' -- \
	run "${CARVE[@]}" -- /bin/sh -c "cd '$P' && git add sub/a && git status --porcelain"
expect "control: without the carve-out .git/config is writable" 0 '^OK$' -- \
	run "${G[@]}" -w "$P" -- "$META" chmod "$P/.git/config" 644
run_ward run --explain "${CARVE[@]}" -- /bin/true
if printf '%s' "$ERR" | grep -q "fs read $P/.git/config *namespaces *enforced *carve-out"; then
	t_ok "--explain: the carve-out is held by the mount namespace"
else
	t_fail "--explain names the mount namespace for the carve-out" "$ERR"
fi

# ---- no set-id or file-capability plant in a write grant ----
expect "chmod 4755 in a write grant is EPERM" 1 '^EPERM$' -- \
	run "${G[@]}" -w "$P" -- "$META" chmod "$P/tool" 4755
expect "chmod 2755 in a write grant is EPERM" 1 '^EPERM$' -- \
	run "${G[@]}" -w "$P" -- "$META" chmod "$P/tool" 2755
expect "open(O_CREAT, 04755) in a write grant is EPERM" 1 '^EPERM$' -- \
	run "${G[@]}" -w "$P" -- "$META" create-mode "$P/suid" 4755
expect "control: chmod 755 works" 0 '^OK$' -- \
	run "${G[@]}" -w "$P" -- "$META" chmod "$P/tool" 755
mode=$(stat -c %a "$P/tool")
[ "$mode" = 755 ] && t_ok "the plant target has no set-id bit" || t_fail "set-id bit on the plant target" "mode $mode"
# Root without CAP_SETFCAP gets EPERM; an unprivileged user never had it.
expect "setxattr security.capability in a write grant is EPERM" 1 '^EPERM$' -- \
	run "${G[@]}" -w "$P" -- "$META" setxattr "$P/tool" security.capability

# ---- a unix socket behind a denial ----
SOCK=$P/sock
/usr/bin/python3 - "$SOCK" <<'PY' &
import os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o777)
s.listen(8)
while True:
    c, _ = s.accept()
    c.recv(16)
    c.sendall(b"pong")
    c.close()
PY
LISTENER=$!
deadline=$((SECONDS + 20))
while [ ! -S "$SOCK" ] && [ $SECONDS -lt $deadline ]; do read -r -t 0.05 <> <(:) || :; done
if [ ! -S "$SOCK" ]; then
	t_fail "the unix listener did not create $SOCK within 20 s"
else
	expect "control: a unix socket in the grant answers" 0 '^OK$' -- \
		run "${G[@]}" -w "$P" -- "$META" unix-connect "$SOCK"
	expect "fs-deny on a unix socket: connect is refused" 1 '^(ECONNREFUSED|EACCES)$' -- \
		run "${G[@]}" -w "$P" --fs-deny "$SOCK" -- "$META" unix-connect "$SOCK"
fi

t_summary
