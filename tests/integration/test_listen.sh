#!/usr/bin/env bash
# test_listen.sh — "no TCP bind" holds against listen()'s autobind: on the
# host's network with TCP bind restricted, listen() on a socket never bound
# fails (EACCES from the supervisor deciding on the pinned socket, EPERM
# from the BPF LSM's socket_listen hook where it loads), while a
# socket bound to a --net-bind port listens and serves, and unix sockets
# listen as before. Real processes, real errnos, a control beside each deny.
# Usage: test_listen.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
PY=/usr/bin/python3
SERVER=
cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
}
trap cleanup EXIT

if [ ! -x "$PY" ]; then
	t_skip "listen tests" "no $PY"
	t_summary
	exit
fi

# A free TCP port on 127.0.0.1 of the host, found by the kernel.
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# What a listen() of an unbound socket does, as "OK PORT" or the errno name.
LISTEN_UNBOUND='import errno, socket, sys
s = socket.socket(socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET)
try:
    s.listen(1)
    print("OK", s.getsockname()[1])
except OSError as e:
    print(errno.errorcode[e.errno]); sys.exit(1)'
# Binds the first free port of LO..HI on loopback and listens on it (no
# connect rule: a host client talking to it is the http.server check below).
LISTEN_BOUND='import errno, socket, sys
lo, hi = int(sys.argv[1]), int(sys.argv[2])
for port in range(lo, hi + 1):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            continue
        print("bind", errno.errorcode[e.errno]); sys.exit(1)
    try:
        s.listen(4)
    except OSError as e:
        print("listen", errno.errorcode[e.errno]); sys.exit(1)
    print("OK" if s.getsockname()[1] == port else "moved to %d" % s.getsockname()[1])
    sys.exit(0)
print("no free port in the range"); sys.exit(2)'
# A pathname unix socket in the sandbox's /tmp: listen, connect, peer uid.
LISTEN_UNIX='import os, socket, struct
s = socket.socket(socket.AF_UNIX)
s.bind("/tmp/listen.sock")
s.listen(1)
c = socket.socket(socket.AF_UNIX)
c.connect("/tmp/listen.sock")
a, _ = s.accept()
pid, uid, gid = struct.unpack("3i", c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
print("OK" if uid == os.getuid() else "peer uid %d, mine %d" % (uid, os.getuid()))'

# The fd-number race: one thread keeps swapping an unbound TCP socket and a
# unix socket onto one fd number while another listens on that number. The
# decision is made on the socket object itself, so the TCP socket never
# gets a port, whichever the kernel would have looked at.
LISTEN_RACE='import ctypes, os, socket, threading
libc = ctypes.CDLL(None, use_errno=True)
tcp = socket.socket()
unix = socket.socket(socket.AF_UNIX)
unix.bind("\0ward-listen-race-%d" % os.getpid())
slot = os.dup(unix.fileno())
done = False
def swap():
    while not done:
        os.dup2(tcp.fileno(), slot)
        os.dup2(unix.fileno(), slot)
t = threading.Thread(target=swap)
t.start()
listened = refused = 0
for i in range(2000):
    if libc.listen(slot, 1) == 0:
        listened += 1
    elif ctypes.get_errno() in (1, 13):
        refused += 1
done = True
t.join()
print("port %d listened %d refused %d" % (tcp.getsockname()[1], listened, refused))'
HOSTNET=(--share-net --net-allow 'tcp://*:443')

# explain_row NAME PATTERN LAYER ARGS...: the --explain table (stderr) has a
# row matching PATTERN held by LAYER, enforced (a long rule wraps the row).
explain_row() {
	local name=$1 pattern=$2 layer=$3
	shift 3
	run_ward run "$@" --explain -- /bin/true
	if [ "$RC" = 0 ] && printf '%s\n' "$ERR" | grep -A1 -- "$pattern" | grep -q "$layer  *enforced"; then
		t_ok "$name"
	else
		t_fail "$name" "exit status $RC" "$(printf '%s\n' "$ERR" | grep -A1 -i listen)"
	fi
}
# The holder is the BPF LSM where it loads (its hook answers EPERM), else
# the supervisor (EACCES, like Landlock's bind denial).
HOLDER=supervisor DENIED=EACCES
run_ward run "${HOSTNET[@]}" --explain -- /bin/true
if printf '%s\n' "$ERR" | grep -A1 'no TCP listen without bind' | grep -q 'bpf-lsm  *enforced'; then
	HOLDER=bpf-lsm DENIED=EPERM
fi

# ---- host network, no bind rule: listen() without bind is refused ----
expect "host net, no bind rule: listen() without bind (IPv4) is $DENIED" 1 "^$DENIED\$" -- \
	run "${HOSTNET[@]}" -- "$PY" -c "$LISTEN_UNBOUND" 4
expect "host net, no bind rule: listen() without bind (IPv6) is $DENIED" 1 "^$DENIED\$" -- \
	run "${HOSTNET[@]}" -- "$PY" -c "$LISTEN_UNBOUND" 6
EV=$(mktemp)
chmod 666 "$EV"
run_ward run --events "$EV" "${HOSTNET[@]}" -- "$PY" -c "$LISTEN_UNBOUND" 4
if [ "$HOLDER" = supervisor ]; then
	expect_event "the refusal is a deny event: net, listen without bind" "$EV" deny \
		'"operation":"listen".*"category":"net","reason":"listen without bind"'
else
	expect_event "the refusal is a deny event of the BPF LSM" "$EV" deny '"layer":"bpf-lsm"'
fi
rm -f "$EV"
if printf '%s\n' "$ERR" | grep -q 'denial (net 1)'; then
	t_ok "the exit summary counts it as a net denial"
else
	t_fail "the exit summary counts it as a net denial" "stderr: $ERR"
fi
explain_row "host net: --explain places it on $HOLDER, enforced" \
	'no TCP listen without bind' "$HOLDER" "${HOSTNET[@]}"

run_ward run "${HOSTNET[@]}" -- "$PY" -c "$LISTEN_RACE"
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | grep -Eq '^port 0 listened [1-9][0-9]* refused [1-9][0-9]*$'; then
	t_ok "fd-number race: the unbound TCP socket never listens; the unix one does ($OUT)"
else
	t_fail "fd-number race: the unbound TCP socket never listens; the unix one does" \
		"exit status $RC" "stdout: $OUT" "stderr: $(echo "$ERR" | head -5)"
fi

# ---- host network, a --net-bind range: only its ports, never an ephemeral one ----
P=$(free_port)
LO=$((P > 65000 ? 64000 : P))
HI=$((LO + 40))
BINDNET=(--share-net --net-bind "$LO-$HI")
expect "host net, --net-bind $LO-$HI: listen() without bind is $DENIED" 1 "^$DENIED\$" -- \
	run "${BINDNET[@]}" -- "$PY" -c "$LISTEN_UNBOUND" 4
expect "control: bind a --net-bind port, then listen() works on it" 0 '^OK$' -- \
	run "${BINDNET[@]}" -- "$PY" -c "$LISTEN_BOUND" "$LO" "$HI"
expect "control: binding outside the range is still EACCES (Landlock)" 1 '^bind EACCES$' -- \
	run "${BINDNET[@]}" -- "$PY" -c "$LISTEN_BOUND" $((HI + 1)) $((HI + 1))
expect "control: a unix socket listens, its peer sees the caller's uid" 0 '^OK$' -- \
	run "${BINDNET[@]}" -- "$PY" -c "$LISTEN_UNIX"
expect "--net-bind 0 (any ephemeral port): listen() without bind is allowed" 0 '^OK [0-9]+$' -- \
	run --share-net --net-bind 0 -- "$PY" -c "$LISTEN_UNBOUND" 4

# ---- own network namespace: autobind reaches only its own lo ----
expect "own netns: listen() without bind works (its own lo only)" 0 '^OK [0-9]+$' -- \
	run -- "$PY" -c "$LISTEN_UNBOUND" 4
explain_row "own netns: --explain says its namespace holds it (only its own lo)" \
	'net: TCP listen without bind' namespaces

# ---- real software: python3 http.server on a --net-bind port serves ----
P=$(free_port)
LOG=$(mktemp)
chmod 666 "$LOG"
(cd / && as_caller "$WARD" run --share-net --net-bind "$P" -- \
	"$PY" -m http.server "$P" --bind 127.0.0.1 --directory /usr >"$LOG" 2>&1 </dev/null) &
SERVER=$!
fetch() {
	"$PY" -c 'import sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=5)
sys.exit(0 if r.status == 200 and b"bin/" in r.read() else 1)' "$1"
}
if wait_for "http.server in the sandbox answering on 127.0.0.1:$P" 20 fetch "$P"; then
	t_ok "python3 -m http.server on --net-bind $P serves a request"
else
	t_fail "python3 -m http.server on --net-bind $P serves a request" "$(head -c 2000 "$LOG")"
fi
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
SERVER=
rm -f "$LOG"

t_summary
