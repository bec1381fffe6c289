#!/usr/bin/env bash
# test_world_red6.sh — red6's findings with controls (root and uid 65534):
# - ward learn widened a loopback destination to the kernel's whole ephemeral
#   range whenever the program had bound port 0 anywhere (a UDP socket
#   would do), so reaching ONE host service on an ephemeral port learned a
#   policy reaching every one; now only a port the sandbox's own socket held
#   is widened (control: its own server still gets the range, and replays);
# - pathname unix sockets outside the write grants stay out of reach through
#   a hard link into the write grant, a rename into it and /proc/self/fd
#   names of an O_PATH fd (controls: a socket in the write grant connects).
# Usage: test_world_red6.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
PY=/usr/bin/python3

D=$(mktemp -d "$WORK/red6.XXXXXX")
chmod 755 "$D"
mkdir "$D/ro" "$D/w" "$D/bin" "$D/out"
[ -n "$AS_USER" ] && chown "$AS_USER" "$D/w" "$D/out"
SERVERS=""
trap 'for p in $SERVERS; do kill "$p" 2>/dev/null; done' EXIT

# Two loopback servers outside the sandbox on kernel-chosen (ephemeral)
# ports: each answers "pong" and writes its port to a file once listening.
start_tcp() {
	$PY -c '
import socket, sys, os
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
tmp = sys.argv[1] + ".tmp"
open(tmp, "w").write(str(s.getsockname()[1])); os.rename(tmp, sys.argv[1])
while True:
    c, _ = s.accept(); c.sendall(b"pong"); c.close()
' "$1" &
	SERVERS="$SERVERS $!"
}
start_tcp "$D/port1"
start_tcp "$D/port2"
# A unix stream listener outside the write grant, in a read-only one, and
# one inside the write grant (the control).
cat >"$D/bin/unix_listen.py" <<'PY'
import socket, os, sys
socks = []
for path in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(path)
    os.chmod(path, 0o777); s.listen(16); socks.append(s)
open(sys.argv[1] + ".ready", "w").close()
import select
while True:
    for s in select.select(socks, [], [])[0]:
        c, _ = s.accept(); c.sendall(b"HOST"); c.close()
PY
cat >"$D/bin/unix_attack.py" <<'PY'
import socket, os, sys, errno
how, ro, w = sys.argv[1], sys.argv[2], sys.argv[3]
def conn(p):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(10); s.connect(p)
    return s.recv(4).decode()
try:
    if how == "control":
        print(conn(w + "/ok.sock"))
    elif how == "link":
        os.link(ro + "/s", w + "/linked"); print(conn(w + "/linked"))
    elif how == "rename":
        os.rename(ro + "/s", w + "/moved"); print(conn(w + "/moved"))
    elif how == "procfd":
        fd = os.open(ro + "/s", os.O_PATH); print(conn("/proc/self/fd/%d" % fd))
    elif how == "procfd-dir":
        fd = os.open(ro, os.O_PATH); print(conn("/proc/self/fd/%d/s" % fd))
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
PY
chmod -R a+rX "$D/bin"
$PY "$D/bin/unix_listen.py" "$D/ro/s" "$D/w/ok.sock" &
SERVERS="$SERVERS $!"
if ! wait_for "the loopback servers' port files" 20 test -s "$D/port1" -a -s "$D/port2" ||
	! wait_for "the unix listener" 20 test -e "$D/ro/s.ready"; then
	t_fail "host-side servers started" "no $D/port1, $D/port2 or $D/ro/s.ready"
	t_summary
	exit 1
fi
P1=$(cat "$D/port1") P2=$(cat "$D/port2")
read -r LO HI </proc/sys/net/ipv4/ip_local_port_range

# ---- ward learn: one host port reached, after a bind(0) elsewhere ----
CLIENT="import socket, sys
u = socket.socket(); u.bind(('127.0.0.1', 0))
print(socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10).recv(4).decode())"
run_ward learn --out "$D/out/client.yaml" -- $PY -c "$CLIENT" "$P1"
if [ "$RC" = 0 ] && grep -qF "\"tcp://127.0.0.1:$P1\"" "$D/out/client.yaml" &&
	! grep -qE '"tcp://127\.0\.0\.1:[0-9]+-[0-9]+"' "$D/out/client.yaml"; then
	t_ok "learn: a bind(0) and one host service on port $P1 learn that port, not $LO-$HI"
else
	t_fail "learn: a bind(0) and one host service on port $P1 learn that port, not $LO-$HI" \
		"rc $RC" "stderr: $ERR" "$(cat "$D/out/client.yaml" 2>/dev/null)"
fi
run_ward run -p "$D/out/client.yaml" -- $PY -c "$CLIENT" "$P1"
if [ "$RC" = 0 ] && [ "$OUT" = pong ]; then
	t_ok "ward run -p LEARNED: the learned host service answers (control)"
else
	t_fail "ward run -p LEARNED: the learned host service answers (control)" "rc $RC" "stdout: $OUT" "stderr: $ERR"
fi
run_ward run -p "$D/out/client.yaml" -- $PY -c "$CLIENT" "$P2"
if [ -s "$D/out/client.yaml" ] && [ "$RC" != 0 ] && [ "$OUT" != pong ]; then
	t_ok "ward run -p LEARNED: another host service on an ephemeral port ($P2) is not reached"
else
	t_fail "ward run -p LEARNED: another host service on an ephemeral port ($P2) is not reached" \
		"rc $RC" "stdout: $OUT" "stderr: $ERR" "$(cat "$D/out/client.yaml")"
fi

# Control: its own server on a port the kernel picks keeps the range.
SELF='import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); print("self ok")'
run_ward learn --out "$D/out/self.yaml" -- $PY -c "$SELF"
if [ "$RC" = 0 ] && grep -qF "\"tcp://127.0.0.1:$LO-$HI\"" "$D/out/self.yaml"; then
	t_ok "learn: its own ephemeral server still learns the range $LO-$HI (control)"
else
	t_fail "learn: its own ephemeral server still learns the range $LO-$HI (control)" "rc $RC" "stderr: $ERR" "$(cat "$D/out/self.yaml" 2>/dev/null)"
fi
run_ward run -p "$D/out/self.yaml" -- $PY -c "$SELF"
if [ "$RC" = 0 ] && [ "$OUT" = "self ok" ]; then
	t_ok "ward run -p LEARNED: its own ephemeral server again (control)"
else
	t_fail "ward run -p LEARNED: its own ephemeral server again (control)" "rc $RC" "stdout: $OUT" "stderr: $ERR"
fi

# ---- ward learn: calls that fail do not widen the policy ----
# "mkdir -p D/out/mk/sub" first tries mkdir of every existing ancestor
# (EEXIST) and "rm -f" an absent name unlinks nothing (ENOENT): once each
# was learned as a write of that directory (-w $WORK, -w $D).
run_ward learn --out "$D/out/mkdir.yaml" -- /bin/sh -c "mkdir -p '$D/out/mk/sub' && rm -f '$D/absent'"
LEARNED=$(grep -E '^    - ' "$D/out/mkdir.yaml" 2>/dev/null)
if [ "$RC" = 0 ] && [ -d "$D/out/mk/sub" ] && ! printf '%s\n' "$LEARNED" | grep -qxE "    - \"($WORK|$D|$D/out)\""; then
	t_ok "learn: mkdir -p and rm -f of an absent name grant no existing ancestor"
else
	t_fail "learn: mkdir -p and rm -f of an absent name grant no existing ancestor" "rc $RC" "stderr: $ERR" "$(cat "$D/out/mkdir.yaml" 2>/dev/null)"
fi
rm -rf "$D/out/mk"
run_ward learn --out "$D/out/mkdir2.yaml" -- /bin/sh -c "mkdir '$D/out/new' && echo x >'$D/out/new/f'"
if [ "$RC" = 0 ] && grep -qF "\"$D/out/new\"" "$D/out/mkdir2.yaml"; then
	t_ok "learn: a directory it made and wrote in is learned (control)"
else
	t_fail "learn: a directory it made and wrote in is learned (control)" "rc $RC" "stderr: $ERR" "$(cat "$D/out/mkdir2.yaml" 2>/dev/null)"
fi

# ---- IP from a process with a second thread, under address rules ----
# The supervisor makes a sharing task's IP calls on its behalf; the BPF
# programs holding the rules (root here: cgroup-bpf) find the sandbox by the
# calling task, so ward's thread passed them: a TCP connect to a host
# service outside tcp://127.0.0.2 (any port) connected. Controls: the same
# connect single-threaded is denied too; an allowed one connects.
cat >"$D/bin/tcp_thread.py" <<'PY'
import socket, sys, threading, errno
ev = threading.Event()
if sys.argv[1] == "thread":
    threading.Thread(target=ev.wait).start()
try:
    print(socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10).recv(4).decode())
except OSError as e:
    print(errno.errorcode.get(e.errno, e))
ev.set()
PY
chmod a+r "$D/bin/tcp_thread.py"
TT=(run -r "$D/bin" --net-allow tcp://127.0.0.2 -- $PY "$D/bin/tcp_thread.py")
expect "net: a threaded connect outside the address rules is denied" 0 '^(EPERM|EACCES)$' -- \
	"${TT[@]}" thread 127.0.0.1 "$P1"
expect "net: the same connect single-threaded is denied (control)" 0 '^(EPERM|EACCES)$' -- \
	"${TT[@]}" single 127.0.0.1 "$P1"
expect "net: a threaded connect the rules allow connects (control)" 0 '^pong$' -- \
	run -r "$D/bin" --net-allow "tcp://127.0.0.1:$P1" -- $PY "$D/bin/tcp_thread.py" thread 127.0.0.1 "$P1"

# ---- pathname unix sockets outside the write grant ----
UNIX=(run -r "$D/ro" -r "$D/bin" -w "$D/w" -- $PY "$D/bin/unix_attack.py")
expect "unix: a socket in the write grant connects (control)" 0 '^HOST$' -- \
	"${UNIX[@]}" control "$D/ro" "$D/w"
expect "unix: a hard link of the outside socket into the write grant: EXDEV" 0 '^EXDEV$' -- \
	"${UNIX[@]}" link "$D/ro" "$D/w"
expect "unix: a rename of the outside socket into the write grant: EXDEV" 0 '^EXDEV$' -- \
	"${UNIX[@]}" rename "$D/ro" "$D/w"
expect "unix: /proc/self/fd/N of an O_PATH fd of the socket: ELOOP" 0 '^ELOOP$' -- \
	"${UNIX[@]}" procfd "$D/ro" "$D/w"
expect "unix: /proc/self/fd/N/s of an O_PATH fd of its directory: ELOOP" 0 '^ELOOP$' -- \
	"${UNIX[@]}" procfd-dir "$D/ro" "$D/w"
if [ -S "$D/ro/s" ] && [ ! -e "$D/w/linked" ] && [ ! -e "$D/w/moved" ]; then
	t_ok "unix: the outside socket is where it was, nothing linked or moved"
else
	t_fail "unix: the outside socket is where it was, nothing linked or moved" "$(ls -la "$D/ro" "$D/w")"
fi

t_summary
