#!/usr/bin/env bash
# test_unix_overlay.sh — optional read grants outside the system trees (the
# profiles' toolchain trees; here written as {path: DIR, optional: true})
# as read-only overlays of themselves (plan_unix.c, world_build.c): a socket the host
# binds in such a grant, before the start or during the run, is another
# inode inside the sandbox, with no socket bound to it, so connect() and
# sendto() fail in the kernel with ECONNREFUSED (unix_find_bsd finds the
# overlay's inode; no trap, no supervisor, hence no event); not ENOENT: the
# name is there. A socket in a write grant and a net.unix socket answer (the
# controls), and real software works on the overlays: git, python venvs,
# pip, cc, programs executed from an exec grant.
# Usage: test_unix_overlay.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
unset WARD_NO_OVERLAY

if ! "$WARD" features 2>/dev/null | grep -q '^overlay *yes'; then
	t_skip "read grants as overlays" "ward features: $("$WARD" features 2>&1 | grep '^overlay')"
	t_summary
	exit 0
fi

DATA=$(mktemp -d "$WORK/ovl.XXXXXX")
chmod 755 "$DATA"
RO=$DATA/ro # a read grant holding the host's sockets
RW=$DATA/rw # a write grant beside it
mkdir -p "$RO/sub" "$RW"
chmod 755 "$RO" "$RO/sub"
chmod 777 "$RW"
LISTENER=

cleanup() {
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null && wait "$LISTENER" 2>/dev/null
	# Only the directory this run made under WORK.
	case $DATA in "$WORK"/ovl.*) rm -rf "$DATA" ;; esac
}
trap cleanup EXIT

# The host's services: stream sockets answer "pong", datagram sockets
# (names ending in dg) append what they get to NAME.got. A path named on
# stdin later is served too (a socket made during the run).
/usr/bin/python3 - "$RO/sock" "$RO/sub/other" "$RW/sock" "$RO/dg" "$RO/allowed" <<'PY' &
import os, socket, sys, threading
def serve(path):
    kind = socket.SOCK_DGRAM if path.endswith("dg") else socket.SOCK_STREAM
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(path + ".tmp")
    os.chmod(path + ".tmp", 0o777)
    if kind == socket.SOCK_STREAM:
        s.listen(64)
    os.rename(path + ".tmp", path)  # the name appears only once it answers
    if kind == socket.SOCK_DGRAM:
        while True:
            data = s.recv(64)
            with open(path + ".got", "ab") as f:
                f.write(data + b"\n")
    while True:
        c, _ = s.accept()
        c.recv(16)
        c.sendall(b"pong")
        c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(p,), daemon=True).start()
# A later socket: when the file LATE.want appears, serve LATE.
late = os.path.join(os.path.dirname(sys.argv[1]), "late")
want = os.path.join(os.path.dirname(sys.argv[3]), "late.want")
while not os.path.exists(want):
    threading.Event().wait(0.02)
threading.Thread(target=serve, args=(late,), daemon=True).start()
threading.Event().wait()
PY
LISTENER=$!
deadline=$((SECONDS + 20))
for s in "$RO/sock" "$RO/sub/other" "$RW/sock" "$RO/dg" "$RO/allowed"; do
	while [ ! -S "$s" ] && [ $SECONDS -lt $deadline ]; do read -r -t 0.05 <> <(:) || :; done
	if [ ! -S "$s" ]; then
		t_fail "the host's listener did not create $s within 20 s"
		t_summary
		exit 1
	fi
done

# A client: "s PATH" connects and prints the answer, "d PATH" sends a
# datagram, "late RW RO" asks the host for a socket RO/late, waits (by
# polling RW, never RO: a name looked up on an overlay before the host made
# it stays absent there) until the host made it and connects to it. An
# error prints its errno name and exits 1.
CLIENT='
import errno, os, socket, sys, time
kind, path = sys.argv[1], sys.argv[2]
try:
    if kind == "late":
        open(os.path.join(path, "late.want"), "w").close()
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(path, "late.seen")):
            if time.monotonic() > deadline:
                print("TIMEOUT waiting for late.seen"); sys.exit(2)
            time.sleep(0.02)
        path = sys.argv[3]
        kind = "s"
    if kind == "s":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(b"ping")
        print("OK", s.recv(32).decode())
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"hello-" + sys.argv[3].encode(), path)
        print("OK")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
    sys.exit(1)
'
# optional_policy FILE ACCESS DIR: a policy of the default profile plus an
# optional grant of DIR (ACCESS: read or exec), which the own root overlays.
optional_policy() {
	printf 'extends: default\nfs:\n  %s:\n    - {path: %s, optional: true}\n' "$2" "$3" >"$1"
	chmod 644 "$1"
}
optional_policy "$DATA/ro.yaml" read "$RO"
optional_policy "$DATA/data.yaml" read "$DATA"
G=("$DATA/ro.yaml" -w "$RW")

# ---- the plan ----
run_ward run --explain "${G[@]}" -- /bin/true
if printf '%s\n' "$OUT" "$ERR" | grep -q "fs read-only overlay $RO " &&
	printf '%s\n' "$OUT" "$ERR" | grep -A1 "pathname unix sockets" | grep -q "namespaces *enforced"; then
	t_ok "--explain: the read grant is an overlay, the unix rule held by namespaces"
else
	t_fail "--explain: the read grant is an overlay, the unix rule held by namespaces" "$OUT" "$ERR"
fi
if printf '%s\n' "$OUT" "$ERR" | grep -q "supervisor.*connect/sendto/sendmsg resolved"; then
	t_fail "--explain: no supervisor trap for the unix rule" "$OUT"
else
	t_ok "--explain: no supervisor trap for the unix rule"
fi
run_ward run --dry-run --json "${G[@]}" -- /bin/true
if printf '%s' "$OUT" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
e = [x for x in d if x["rule"].startswith("net: pathname unix")]
sys.exit(0 if e and e[0]["layer"] == "namespaces" and e[0]["status"] == "enforced" else 1)' 2>/dev/null; then
	t_ok "--dry-run --json: the unix rule is enforced by namespaces"
else
	t_fail "--dry-run --json: the unix rule is enforced by namespaces" "$(printf '%s' "$OUT" | head -c 600)"
fi

# ---- the host's sockets in the read grant ----
expect "control: a socket in the write grant answers" 0 '^OK pong$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RW/sock"
expect "a host socket in the read grant: ECONNREFUSED (the overlay's inode has no socket)" 1 \
	'^ECONNREFUSED$' -- run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"
expect "a host socket in a subdirectory of the read grant: ECONNREFUSED" 1 '^ECONNREFUSED$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sub/other"
expect "the same socket by a relative name from its directory: ECONNREFUSED" 1 \
	'^ECONNREFUSED$' -- run "${G[@]}" --cwd "$RO" -- /usr/bin/python3 -c "$CLIENT" s sock
expect "control: a relative name into the write grant answers" 0 '^OK pong$' -- \
	run "${G[@]}" --cwd "$RO" -- /usr/bin/python3 -c "$CLIENT" s ../rw/sock
expect "a datagram to a host socket in the read grant: ECONNREFUSED" 1 '^ECONNREFUSED$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" d "$RO/dg" denied
if grep -q hello-denied "$RO/dg.got" 2>/dev/null; then
	t_fail "the refused datagram did not arrive" "$(cat "$RO/dg.got")"
else
	t_ok "the refused datagram did not arrive"
fi
# The read grant given as a parent of the write grant: the write grant is a
# bind on top of the overlay, its socket answers, the other is refused.
expect "-r DATA -w DATA/rw: the write grant's socket answers" 0 '^OK pong$' -- \
	run "$DATA/data.yaml" -w "$RW" -- /usr/bin/python3 -c "$CLIENT" s "$RW/sock"
expect "-r DATA -w DATA/rw: the read grant's socket is refused" 1 '^ECONNREFUSED$' -- \
	run "$DATA/data.yaml" -w "$RW" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"
# A user's -r grant (not optional) keeps its bind: the trap holds the rule.
expect "a plain -r grant keeps its bind: the host socket is EACCES (the trap)" 1 '^EACCES$' -- \
	run -r "$RO" -w "$RW" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"

# ---- a socket the host makes after the start ----
(
	deadline=$((SECONDS + 30))
	while [ ! -S "$RO/late" ] && [ $SECONDS -lt $deadline ]; do read -r -t 0.05 <> <(:) || :; done
	[ -S "$RO/late" ] && touch "$RW/late.seen"
	[ -n "$AS_USER" ] && [ -e "$RW/late.seen" ] && chown "$AS_USER" "$RW/late.seen"
) &
WATCH=$!
expect "a socket the host binds in the read grant during the run: ECONNREFUSED" 1 \
	'^ECONNREFUSED$' -- run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" late "$RW" "$RO/late"
wait "$WATCH"
if [ -S "$RO/late" ] && as_caller /usr/bin/python3 -c "$CLIENT" s "$RO/late" | grep -q '^OK pong$'; then
	t_ok "control: that socket answers outside the sandbox"
else
	t_fail "control: that socket answers outside the sandbox" "$(ls -la "$RO")"
fi

# ---- net.unix keeps working (the supervisor holds the rule then) ----
expect "--unix-allow SOCKET in a read grant: that socket answers" 0 '^OK pong$' -- \
	run "${G[@]}" --unix-allow "$RO/allowed" -- /usr/bin/python3 -c "$CLIENT" s "$RO/allowed"
expect "--unix-allow SOCKET: its neighbour is EACCES (the trap)" 1 '^EACCES$' -- \
	run "${G[@]}" --unix-allow "$RO/allowed" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"
run_ward run --explain "${G[@]}" --unix-allow "$RO/allowed" -- /bin/true
if printf '%s\n' "$OUT" | grep -q "fs read-only overlay"; then
	t_fail "--unix-allow: no overlays (the supervisor holds the rule)" "$OUT"
else
	t_ok "--unix-allow: no overlays (the supervisor holds the rule)"
fi

# ---- the fallback: no overlay on this host -> the trap, never silently ----
WARD_NO_OVERLAY=1 run_ward run --explain "${G[@]}" -- /bin/true
if printf '%s\n' "$OUT" "$ERR" | grep -A1 "pathname unix sockets" | grep -q "supervisor *enforced.*reachable through /"; then
	t_ok "WARD_NO_OVERLAY=1: the supervisor holds the rule, naming a grant"
else
	t_fail "WARD_NO_OVERLAY=1: the supervisor holds the rule, naming a grant" "$OUT" "$ERR"
fi
WARD_NO_OVERLAY=1 expect "WARD_NO_OVERLAY=1: the host socket is EACCES (the trap)" 1 '^EACCES$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"

# ---- the overlay is read-only and cannot be taken away ----
expect "the overlay is read-only: EROFS" 0 '^EROFS$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c '
import errno, sys
try:
    open(sys.argv[1] + "/new", "w")
    print("written")
except OSError as e:
    print(errno.errorcode[e.errno])' "$RO"
expect "the overlay cannot be unmounted or remounted (EPERM)" 0 '^EPERM EPERM$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c '
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
out = []
r = libc.umount2(sys.argv[1].encode(), 2)
out.append("ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
r = libc.mount(None, sys.argv[1].encode(), None, 32 | 4096, None)  # MS_REMOUNT|MS_BIND
out.append("ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
print(" ".join(out))' "$RO"

# ---- real software on the overlays ----
SRC=$DATA/src
mkdir -p "$SRC"
printf '#include <stdio.h>\nint main(void) { puts("compiled ok"); return 0; }\n' >"$SRC/hello.c"
git -c init.defaultBranch=main init -q "$SRC/repo"
for i in $(seq 1 50); do echo "$i" >"$SRC/repo/f$i"; done
git -C "$SRC/repo" add -A
git -C "$SRC/repo" -c user.name=t -c user.email=t@t commit -qm init
/usr/bin/python3 -m venv --without-pip --system-site-packages "$SRC/venv"
cp /bin/echo "$SRC/echo"
optional_policy "$DATA/src-r.yaml" read "$SRC"
optional_policy "$DATA/src-x.yaml" exec "$SRC"
chmod -R a+rX "$SRC"
# Inside an overlay, files keep the host's inode numbers (st_dev differs:
# the overlay's own); hard links stay hard links.
ln "$SRC/hello.c" "$SRC/hello-link.c"
expect "a file in the read grant keeps the host's inode number; a hard link stays one" 0 \
	"^$(stat -c '%i %h' "$SRC/hello.c") same\$" -- \
	run "$DATA/src-r.yaml" -- /bin/sh -c "stat -c '%i %h' $SRC/hello.c | tr -d '\n'; [ $SRC/hello.c -ef $SRC/hello-link.c ] && echo ' same'"
# git refuses a repository another user owns unless it is marked safe.
GITSAFE=(-c safe.directory='*')
expect "git status in a repository in a read grant" 0 '^clean$' -- \
	run "$DATA/src-x.yaml" -- /bin/sh -c "git ${GITSAFE[*]} -C $SRC/repo status --porcelain | grep -q . || echo clean"
expect "git log in a repository in a read grant" 0 '^1$' -- \
	run "$DATA/src-x.yaml" -- /bin/sh -c "git ${GITSAFE[*]} -C $SRC/repo rev-list --count HEAD"
expect "cc compiles a source file in a read grant" 0 '^compiled ok$' -- \
	run "$DATA/src-x.yaml" -- /bin/sh -c "cc -o /tmp/hello $SRC/hello.c && /tmp/hello"
expect "a venv in a read+exec grant runs its python" 0 "^$SRC/venv\$" -- \
	run "$DATA/src-x.yaml" -- "$SRC/venv/bin/python" -c 'import sys; print(sys.prefix)'
expect "pip --version from that venv" 0 '^pip ' -- \
	run "$DATA/src-x.yaml" -- "$SRC/venv/bin/python" -m pip --version
expect "a new venv made from the overlay's python, in /tmp" 0 '^venv ok$' -- \
	run "$DATA/src-x.yaml" -- /bin/sh -c "$SRC/venv/bin/python -m venv --without-pip /tmp/v && /tmp/v/bin/python -c 'print(\"venv ok\")'"
expect "a program copied into a read+exec grant runs from the overlay" 0 '^ran$' -- \
	run "$DATA/src-x.yaml" -- "$SRC/echo" ran
expect "the same program under a read-only grant: cannot execute (126)" 126 '' -- \
	run "$DATA/src-r.yaml" -- "$SRC/echo" ran
if [ -z "$AS_USER" ] && [ -x /root/.pyenv/shims/python3 ]; then
	expect "the default profile: pyenv's python (an overlay) imports json, asyncio" 0 '^py ok$' -- \
		run -- /root/.pyenv/shims/python3 -c 'import json, asyncio, email, http.client; print("py ok")'
	expect "the default profile: pyenv's pip --version" 0 '^pip ' -- \
		run -- /root/.pyenv/shims/python3 -m pip --version
else
	t_skip "the default profile's pyenv python" "no /root/.pyenv/shims/python3 for this user"
	t_skip "the default profile's pyenv pip" "no /root/.pyenv/shims/python3 for this user"
fi
if [ -n "$(t_leftover_cgroups)" ]; then
	t_fail "no cgroup left behind" "$(t_leftover_cgroups)"
else
	t_ok "no cgroup left behind"
fi
t_summary
