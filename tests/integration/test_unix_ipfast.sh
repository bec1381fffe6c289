#!/usr/bin/env bash
# test_unix_ipfast.sh — where the supervisor holds the pathname unix rule, a
# multithreaded program's IP calls (its fd table shared, so never continued
# in the kernel) are made on its behalf on the supervisor's loop without
# waiting, and go to a thread only when they would block: UDP sendto and
# sendmsg arrive; a TCP send larger than both socket buffers is completed
# by the thread from where the try stopped (every byte, in order, one
# count); loopback connects answer (0, ECONNREFUSED, ENETUNREACH); a
# connect to a full accept queue waits on the thread and ends with its
# SO_SNDTIMEO as the kernel ends it (EINPROGRESS), then connects once the
# queue has room.
# Usage: test_unix_ipfast.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
t_tempdir ipfast 755 # a read grant outside the system trees
DATA=$T_DIR
trap t_tempdirs_remove EXIT
if ! t_unix_rule_on_supervisor "$DATA"; then
	t_summary
	exit 0
fi

PROG='
import os, socket, struct, sys, threading
only = sys.argv[1:]
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()  # a second thread: the fd table is shared
def check(name, fn):
    if only and name not in only:
        return
    try:
        print(name, fn(), flush=True)
    except OSError as e:
        print(name, "ERR", os.strerror(e.errno), flush=True)
def udp():
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    r.settimeout(20)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = s.sendto(b"to", r.getsockname())
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.connect(r.getsockname())
    m = c.sendmsg([b"ms", b"g"])
    return "%d,%d %s,%s" % (n, m, r.recv(8).decode(), r.recv(8).decode())
check("udp", udp)
def tcp_big():
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    l.bind(("127.0.0.1", 0))
    l.listen(1)
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    c.connect(l.getsockname())
    a, _ = l.accept()
    data = bytes(range(256)) * 4096  # 1 MiB: far more than both buffers hold
    got = []
    def reader():
        n = 0
        while n < len(data):
            b = a.recv(65536)
            if not b:
                break
            got.append(b)
            n += len(b)
    t = threading.Thread(target=reader)
    t.start()
    sent = c.sendmsg([data])
    t.join(20)
    return "%d %s" % (sent, "same" if b"".join(got) == data[:sent] else "differs")
check("tcp-big", tcp_big)
def tcp_connects():
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(8)
    c = socket.socket()
    c.connect(l.getsockname())
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    out = ["ok"]
    for addr in (("127.0.0.1", port), ("192.0.2.1", 9)):
        try:
            socket.socket().connect(addr)
            out.append("connected")
        except OSError as e:
            out.append(os.strerror(e.errno))
    return ",".join(out)
check("tcp-connects", tcp_connects)
def tcp_full_queue():
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(0)
    first = socket.create_connection(l.getsockname(), timeout=20)  # fills the queue
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 0, 300000))
    try:
        c.connect(l.getsockname())
        out = "connected"
    except OSError as e:
        out = os.strerror(e.errno)
    l.accept()[0].close()
    again = socket.create_connection(l.getsockname(), timeout=20)
    return out + ",then-connects"
check("tcp-full-queue", tcp_full_queue)
stop.set()
'
expect "a multithreaded program sends UDP (sendto, sendmsg)" 0 '^udp 2,3 to,msg$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"
expect "a TCP sendmsg past both buffers sends every byte in order, one count" 0 '^tcp-big 1048576 same$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"
expect "loopback connects: connected, refused, unreachable outside" 0 '^tcp-connects ok,Connection refused,Network is unreachable$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"
expect "a connect to a full accept queue waits until SO_SNDTIMEO (EINPROGRESS), then connects" 0 \
	'^tcp-full-queue Operation now in progress,then-connects$' -- \
	run -r "$DATA" -- /usr/bin/python3 -c "$PROG"
# The kernel's own answer, without ward (the host's loopback).
bare=$(cd / && as_caller timeout 60 /usr/bin/python3 -c "$PROG" tcp-full-queue 2>&1)
if [ "$bare" = "tcp-full-queue Operation now in progress,then-connects" ]; then
	t_ok "control: without ward the same connect ends EINPROGRESS too"
else
	t_fail "control: without ward the same connect ends EINPROGRESS too" "got: $bare"
fi
t_summary
