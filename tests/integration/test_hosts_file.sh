#!/usr/bin/env bash
# test_hosts_file.sh — a sandbox with its own root whose policy names hosts
# gets them in its /etc/hosts: the program resolves the allowed name with
# getaddrinfo (no DNS egress) to the address its rule allows, and after the
# name is re-resolved (TTL) to the new one, in the same run: the file is
# replaced by a rename (a descriptor opened before reads the whole previous
# file; a reader looping over it meanwhile never sees a partial one). The
# file is ward's (read-only inside), and it is gone after the run. A loopback DNS
# server (dns_server.py, WARD_DNS_SERVER) answers svc.test.
# Usage: test_hosts_file.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
PY=/usr/bin/python3

t_tempdir hosts 777
D=$T_DIR
DNS_PID= SRV_PID= WARD_PID=
cleanup() {
	t_stop $WARD_PID $SRV_PID $DNS_PID
	t_tempdirs_remove
}
trap cleanup EXIT

# The DNS server, and one TCP port answered on 127.0.0.2 and on 127.0.0.3.
echo "svc.test 127.0.0.2 5" >"$D/answer"
if ! t_dns_servers "$D"; then
	t_summary
	exit
fi
export WARD_DNS_SERVER=127.0.0.1:$DNS_PORT
ARGS=(--share-net --net-allow "tcp://svc.test:$PORT" -w "$D")

# ---- at start: the name is in the sandbox's /etc/hosts ----
run_ward run "${ARGS[@]}" -- /bin/sh -c 'grep -c "^127.0.0.2 svc.test$" /etc/hosts; grep -c localhost /etc/hosts; echo x >>/etc/hosts; echo append=$?'
if [ "$RC" = 0 ] && printf '%s\n' "$OUT" | sed -n 1p | grep -qx 1 &&
	[ "$(printf '%s\n' "$OUT" | sed -n 2p)" -ge 1 ] 2>/dev/null; then
	t_ok "the sandbox's /etc/hosts names svc.test (127.0.0.2) and keeps the host's lines"
else
	t_fail "the sandbox's /etc/hosts names svc.test and keeps the host's lines" "rc $RC" "$OUT" "$ERR"
fi
if printf '%s\n' "$OUT" | grep -qx 'append=[1-9]'; then
	t_ok "the sandbox cannot write its /etc/hosts"
else
	t_fail "the sandbox cannot write its /etc/hosts" "$OUT"
fi
run_ward run --share-net -- /bin/sh -c 'grep -c "^# ward:" /etc/hosts'
if [ "$(printf '%s' "$OUT" | head -1)" = 0 ]; then
	t_ok "control: without host names the sandbox sees the host's /etc/hosts"
else
	t_fail "control: without host names the sandbox sees the host's /etc/hosts" "rc $RC" "$OUT" "$ERR"
fi

# ---- in one run: resolve, connect; the answer changes; resolve again ----
cat >"$D/client.py" <<'PY'
import os, socket, sys, threading, time
d, port = sys.argv[1], int(sys.argv[2])
def attempt(tag):
    addr = socket.getaddrinfo("svc.test", port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    s = socket.socket()
    try:
        s.connect((addr, port)); how = "ok"
    except OSError as e:
        how = e.strerror
    s.close()
    print(tag, addr, how, flush=True)
attempt("before")
# Opened before the re-resolution and read after it: the previous file,
# whole, when the new one was renamed over it (not rewritten in place).
held = open("/etc/hosts")
inode = os.stat("/etc/hosts").st_ino
first = open("/etc/hosts").read()
mark = "# the host's /etc/hosts"
suffix = first[first.index(mark):] if mark in first else ""
stop = threading.Event()
reads = [0, 0]  # opens during the re-resolution, and those not whole
def reader():
    while not stop.is_set():
        text = open("/etc/hosts").read()
        reads[0] += 1
        if not (text.startswith("# ward:") and text.endswith(suffix) and " svc.test\n" in text):
            reads[1] += 1
        time.sleep(0.001)
looping = threading.Thread(target=reader)
looping.start()
open(d + "/ready", "w").close()
deadline = time.time() + 25
while not os.path.exists(d + "/go"):
    if time.time() > deadline:
        print("timed out waiting for go"); stop.set(); sys.exit(2)
    time.sleep(0.05)
stop.set()
looping.join()
print("held", "whole-previous" if held.read() == first else "changed", flush=True)
print("inode", "replaced" if os.stat("/etc/hosts").st_ino != inode else "same", flush=True)
print("partial", reads[1], "of", reads[0], flush=True)
attempt("after")
PY
chmod 644 "$D/client.py"
EV=$D/ev.jsonl
: >"$EV"
chmod 666 "$EV"
as_caller "$WARD" run "${ARGS[@]}" --events "$EV" -- "$PY" "$D/client.py" "$D" "$PORT" \
	>"$D/out" 2>"$D/err" &
WARD_PID=$!
if wait_for "the client's first attempt" 25 test -e "$D/ready"; then
	echo "svc.test 127.0.0.3 5" >"$D/answer.tmp" && mv "$D/answer.tmp" "$D/answer"
	wait_for "a net_update event" 25 grep -q '"type":"net_update"' "$EV"
	touch "$D/go"
fi
wait "$WARD_PID"
RC=$?
WARD_PID=
if [ "$RC" = 0 ] && grep -qx 'before 127.0.0.2 ok' "$D/out"; then
	t_ok "getaddrinfo inside resolves svc.test to 127.0.0.2, which connects"
else
	t_fail "getaddrinfo inside resolves svc.test to 127.0.0.2" "rc $RC" "$(cat "$D/out" "$D/err")"
fi
if grep -qx 'held whole-previous' "$D/out" && grep -qx 'inode replaced' "$D/out"; then
	t_ok "the re-resolution replaces /etc/hosts: a descriptor opened before reads the whole previous file"
else
	t_fail "the re-resolution replaces /etc/hosts: a descriptor opened before reads the whole previous file" \
		"$(cat "$D/out" "$D/err")"
fi
if grep -Eqx 'partial 0 of [1-9][0-9]*' "$D/out"; then
	t_ok "a reader opening /etc/hosts during the re-resolution never sees a partial file ($(grep partial "$D/out"))"
else
	t_fail "a reader opening /etc/hosts during the re-resolution never sees a partial file" \
		"$(cat "$D/out" "$D/err")"
fi
if grep -qx 'after 127.0.0.3 ok' "$D/out"; then
	t_ok "after the re-resolution it resolves to 127.0.0.3, which connects"
else
	t_fail "after the re-resolution it resolves to 127.0.0.3" "$(cat "$D/out" "$D/err")"
fi

# ---- nothing left in ward's runtime directory ----
case ${AS_USER:-0} in
0) HDIR=/run/ward/hosts ;;
*) HDIR=/tmp/ward-$AS_USER/hosts ;;
esac
left=$(find "$HDIR" -name "hosts-*" 2>/dev/null | wc -l)
if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -n "$AS_USER" ]; then
	t_skip "no hosts file left after the runs" "uid $AS_USER's runtime dir may be under XDG_RUNTIME_DIR"
elif [ "$left" = 0 ]; then
	t_ok "no hosts file is left in $HDIR after the runs"
else
	t_fail "no hosts file is left in $HDIR after the runs" "$(ls "$HDIR")"
fi
t_summary
