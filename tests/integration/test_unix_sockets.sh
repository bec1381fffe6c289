#!/usr/bin/env bash
# test_unix_sockets.sh — pathname unix sockets: a connect or send reaches a
# socket only inside a write grant, the sandbox's own tmpfs or a
# --unix-allow / net.unix rule; anything else is EACCES with a deny event
# (category unix). Host-made sockets sit inside a read grant, behind a
# symlink, a relative name and a datagram; each deny is a real process
# seeing the real errno, next to a control that succeeds.
# Usage: test_unix_sockets.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
# This file tests the supervisor's trap, which holds the rule where the own
# root cannot mount read grants as overlays (test_unix_overlay.sh tests
# those): as if this host had no overlayfs.
export WARD_NO_OVERLAY=1

DATA=$(mktemp -d "$WORK/unix.XXXXXX")
chmod 755 "$DATA"
RO=$DATA/ro # a read grant holding the host's sockets
RW=$DATA/rw # a write grant
mkdir -p "$RO/sub" "$RW"
chmod 755 "$RO" "$RO/sub"
chmod 777 "$RW"
LISTENER=

cleanup() {
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null && wait "$LISTENER" 2>/dev/null
	# Only the directory this run made under WORK.
	case $DATA in "$WORK"/unix.*) rm -rf "$DATA" ;; esac
}
trap cleanup EXIT

# The host's services: stream sockets answer "pong" and the peer's uid,
# datagram sockets append what they get to NAME.got.
/usr/bin/python3 - "$RO/sock" "$RO/allowed" "$RO/sub/other" "$RW/sock" "$RO/dg" "$RW/dg" <<'PY' &
import os, socket, struct, sys, threading
def serve(path):
    kind = socket.SOCK_DGRAM if path.endswith("dg") else socket.SOCK_STREAM
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(path)
    os.chmod(path, 0o777)
    if kind == socket.SOCK_DGRAM:
        while True:
            data = s.recv(64)
            with open(path + ".got", "ab") as f:
                f.write(data + b"\n")
    s.listen(64)
    while True:
        c, _ = s.accept()
        cred = c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        c.recv(16)
        c.sendall(b"pong uid=%d" % struct.unpack("3i", cred)[1])
        c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(p,), daemon=True).start()
threading.Event().wait()
PY
LISTENER=$!
deadline=$((SECONDS + 20))
for s in "$RO/sock" "$RO/allowed" "$RO/sub/other" "$RW/sock" "$RO/dg" "$RW/dg"; do
	while [ ! -S "$s" ] && [ $SECONDS -lt $deadline ]; do read -r -t 0.05 <> <(:) || :; done
	if [ ! -S "$s" ]; then
		t_fail "the host's listener did not create $s within 20 s"
		t_summary
		exit 1
	fi
done
ln -s "$RO/sock" "$RW/alias"
[ -n "$AS_USER" ] && chown -h "$AS_USER" "$RW/alias"

# A client: "s PATH" connects and prints the answer, "d PATH" sends a
# datagram; an error prints its errno name and exits 1.
CLIENT='
import errno, socket, sys
kind, path = sys.argv[1], sys.argv[2]
try:
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
G=(-r "$DATA" -w "$RW")

# ---- stream connects ----
expect "control: a socket in the write grant answers" 0 '^OK pong' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RW/sock"
expect "a host socket in a read grant: connect is EACCES" 1 '^EACCES$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"
expect "the same socket through a symlink in the write grant: EACCES" 1 '^EACCES$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RW/alias"
expect "the same socket by a relative name from its directory: EACCES" 1 '^EACCES$' -- \
	run "${G[@]}" --cwd "$RO" -- /usr/bin/python3 -c "$CLIENT" s sock
expect "control: a relative name into the write grant answers" 0 '^OK pong' -- \
	run "${G[@]}" --cwd "$RO" -- /usr/bin/python3 -c "$CLIENT" s ../rw/sock
expect "a socket beneath a read grant's subdirectory: EACCES" 1 '^EACCES$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sub/other"

# The deny event names the category, the path and the layer.
EV=$(mktemp "$DATA/ev.XXXXXX")
chmod 666 "$EV"
run_ward run --events "$EV" "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"
expect_event "the denial is an event: layer supervisor, category unix, the path" "$EV" deny \
	"\"layer\":\"supervisor\".*\"category\":\"unix\",\"path\":\"$RO/sock\""
if printf '%s' "$ERR" | grep -q "1 denial (net 1)"; then
	t_ok "the run's summary counts the denial"
else
	t_fail "the run's summary counts the denial" "$ERR"
fi

# The peer sees the caller's uid (ward's pid: documented), never ward's uid.
want_uid=${AS_USER:-0}
expect "the listener sees the sandbox's uid ($want_uid) as its peer" 0 "^OK pong uid=$want_uid\$" -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RW/sock"

# ---- datagrams (sendto with an address) ----
expect "a datagram to a host socket in a read grant: EACCES" 1 '^EACCES$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" d "$RO/dg" denied
expect "control: a datagram to the write grant is sent" 0 '^OK$' -- \
	run "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" d "$RW/dg" allowed
deadline=$((SECONDS + 20))
while ! grep -qx hello-allowed "$RW/dg.got" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
	read -r -t 0.05 <> <(:) || :
done
if grep -qx hello-allowed "$RW/dg.got" 2>/dev/null; then
	t_ok "the allowed datagram arrived"
else
	t_fail "the allowed datagram did not arrive within 20 s"
fi
if grep -q hello-denied "$RO/dg.got" 2>/dev/null; then
	t_fail "the denied datagram arrived" "$(cat "$RO/dg.got")"
else
	t_ok "the denied datagram never arrived"
fi

# ---- explicit rules ----
expect "--unix-allow SOCKET: that socket answers" 0 '^OK pong' -- \
	run "${G[@]}" --unix-allow "$RO/allowed" -- /usr/bin/python3 -c "$CLIENT" s "$RO/allowed"
expect "--unix-allow SOCKET: its neighbour stays EACCES" 1 '^EACCES$' -- \
	run "${G[@]}" --unix-allow "$RO/allowed" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"
expect "--unix-allow DIR: a socket beneath it answers" 0 '^OK pong' -- \
	run "${G[@]}" --unix-allow "$RO/sub" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sub/other"
POL=$DATA/unix.yaml
printf 'extends: default\nnet:\n  unix: [%s]\n' "$RO/allowed" >"$POL"
chmod 644 "$POL"
expect "net.unix in YAML: that socket answers" 0 '^OK pong' -- \
	run -p "$POL" "${G[@]}" -- /usr/bin/python3 -c "$CLIENT" s "$RO/allowed"
expect_err "--unix-allow with a relative path: one line, exit 125" 125 "not absolute" -- \
	run --unix-allow '' -- /bin/true
printf 'net:\n  unix: 5\n' >"$DATA/bad.yaml"
chmod 644 "$DATA/bad.yaml"
expect_err "net.unix that is not a list: one line, exit 125" 125 "bad.yaml:2" -- \
	run -p "$DATA/bad.yaml" -- /bin/true

# ---- what the sandbox makes itself ----
OWN='
import socket
s = socket.socket(socket.AF_UNIX); s.bind("/tmp/own.sock"); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect("/tmp/own.sock"); print("own")
a = socket.socket(socket.AF_UNIX); a.bind("\0ward-test-own"); a.listen(1)
b = socket.socket(socket.AF_UNIX); b.connect("\0ward-test-own"); print("abstract")
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind("/tmp/own.dg")
e = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); e.sendto(b"x", "/tmp/own.dg")
print("dgram", d.recv(4).decode())
'
expect "control: sockets the sandbox makes in its own /tmp (stream, abstract, datagram)" 0 \
	'^dgram x$' -- run "${G[@]}" -- /usr/bin/python3 -c "$OWN"

# ---- without the own root: every host path can be named ----
expect "--share-mount: a host socket outside every grant is EACCES" 1 '^EACCES$' -- \
	run --share-mount -w "$RW" -- /usr/bin/python3 -c "$CLIENT" s "$RO/sock"
expect "--share-mount: control: the write grant's socket answers" 0 '^OK pong' -- \
	run --share-mount -w "$RW" -- /usr/bin/python3 -c "$CLIENT" s "$RW/sock"

run_ward run --explain "${G[@]}" -- /bin/true
if printf '%s' "$ERR" | grep -A1 "pathname unix sockets only inside write grants" | grep -Eq "(supervisor|landlock) +enforced"; then
	t_ok "--explain: the rule is enforced and names its layer"
else
	t_fail "--explain names the layer of the unix rule" "$(printf '%s' "$ERR" | grep -A1 unix)"
fi

# ---- real software with the rule in force ----
PROJ=$RW/proj
mkdir -p "$PROJ"
[ -n "$AS_USER" ] && chown "$AS_USER" "$PROJ"
expect "git init, commit and status in the write grant" 0 '^clean$' -- \
	run "${G[@]}" -- /bin/sh -c "cd '$PROJ' && git init -q && echo a >a && git add a &&
		git -c user.email=t@example.invalid -c user.name=t commit -qm a &&
		test -z \"\$(git status --porcelain)\" && echo clean"
expect "a python venv in the sandbox's /tmp" 0 '^venv ok$' -- \
	run "${G[@]}" -- /bin/sh -c "/usr/bin/python3 -m venv --without-pip /tmp/v &&
		/tmp/v/bin/python -c 'print(\"venv ok\")'"
if command -v script >/dev/null; then
	expect "a shell in a pty (script)" 0 'pty ok' -- \
		run "${G[@]}" -- /usr/bin/script -qec "/bin/sh -c 'echo pty ok'" /dev/null
else
	t_skip "a shell in a pty" "script(1) is not installed"
fi

t_summary
