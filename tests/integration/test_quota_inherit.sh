#!/usr/bin/env bash
# test_quota_inherit.sh — a network byte quota counts the sandbox's own
# sockets (cgroup_skb programs on its cgroup); a TCP socket the caller hands
# in (stdout redirected to a connection, one passed with --pass-fd) was made outside
# that cgroup and would carry any number of bytes uncounted. ward refuses to
# start such a run (125, naming the descriptor); the control with a pipe runs.
# Usage: test_quota_inherit.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
PY=/usr/bin/python3

if [ -n "$AS_USER" ]; then
	t_skip "inherited sockets and the network quota" "network quotas need root (the BPF accounting programs)"
	t_summary
	exit
fi
if ! "$WARD" run --quota net_egress_bytes=1M -- true >/dev/null 2>&1; then
	t_skip "inherited sockets and the network quota" "a network quota cannot be set on this host"
	t_summary
	exit
fi

DATA=$(mktemp -d "$WORK/qinherit.XXXXXX")
chmod 755 "$DATA"
# A sink outside the sandbox: accepts connections, writes the bytes each got.
cat >"$DATA/sink.py" <<'PY'
import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
def serve(c, i):
    n = 0
    while True:
        b = c.recv(1 << 16)
        if not b: break
        n += len(b)
    open("%s.got%d" % (sys.argv[1], i), "w").write(str(n))
for i in range(2):
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c, i)).start()
PY
cat >"$DATA/push.py" <<'PY'
import os, sys
fd, left = int(sys.argv[1]), int(sys.argv[2]); b = b"x" * 65536
while left > 0: left -= os.write(fd, b[:min(left, 65536)])
PY
chmod 644 "$DATA"/*.py
"$PY" "$DATA/sink.py" "$DATA/port" &
SINK=$!
deadline=$(($(date +%s) + 20))
until [ -f "$DATA/port" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.05; done
PORT=$(cat "$DATA/port" 2>/dev/null)
if [ -z "$PORT" ]; then
	t_fail "the sink outside the sandbox never listened"
	kill "$SINK" 2>/dev/null
	t_summary
	exit
fi
Q=(run -r "$DATA" --quota net_egress_bytes=100k:kill --)
Q=(run --pass-fd 3 -r "$DATA" --quota net_egress_bytes=100k:kill --)
# A TCP connection made by the caller, passed on fd 3.
out=$(bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; shift; "$@" 2>&1' _ "$PORT" "$WARD" "${Q[@]}" "$PY" "$DATA/push.py" 3 10000000)
rc=$?
if [ $rc = 125 ] && printf '%s' "$out" | grep -q 'descriptor 3 is a network socket'; then
	t_ok "a TCP socket passed on fd 3 is refused under a byte quota (125)"
else
	t_fail "a TCP socket passed on fd 3 under a 100k quota: exit $rc: $out"
fi
Q=(run -r "$DATA" --quota net_egress_bytes=100k:kill --)
# stdout redirected to a TCP connection.
out=$(bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; shift; "$@" 2>&1 >&3 3>&-' _ "$PORT" "$WARD" "${Q[@]}" "$PY" "$DATA/push.py" 1 10000000)
rc=$?
if [ $rc = 125 ] && printf '%s' "$out" | grep -q 'descriptor 1 is a network socket'; then
	t_ok "stdout on a TCP connection is refused under a byte quota (125)"
else
	t_fail "stdout on a TCP connection under a 100k quota: exit $rc: $out"
fi
deadline=$(($(date +%s) + 20))
until [ -f "$DATA/port.got0" ] && [ -f "$DATA/port.got1" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.05; done
got=$(cat "$DATA/port.got0" "$DATA/port.got1" 2>/dev/null | tr '\n' ' ')
if [ "$got" = "0 0 " ] || [ "$got" = "00" ]; then t_ok "no byte crossed the inherited sockets"; else t_fail "bytes over inherited sockets: '$got'"; fi
kill "$SINK" 2>/dev/null
wait "$SINK" 2>/dev/null
# Control: stdout on a pipe runs and the program's output arrives.
expect "control: stdout on a pipe runs under the quota" 0 '^ok$' -- \
	run -r "$DATA" --quota net_egress_bytes=100k:kill -- "$PY" -c 'print("ok")'
t_summary
