#!/usr/bin/env bash
# test_dns_ttl.sh — a host-name rule is re-resolved while the sandbox runs,
# as the DNS answer's TTL says, and the layer holding its address rules is
# updated in place: cgroup BPF as root, the supervisor as uid 65534. A tiny
# DNS server on loopback (dns_server.py, WARD_DNS_SERVER) answers svc.test
# with 127.0.0.2 (TTL 5), then with 127.0.0.3: a program inside the sandbox
# connects to both (real connects, real errnos), before and after.
# No internet needed. Usage: test_dns_ttl.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	t_skip "dns ttl tests" "no $PY"
	t_summary
	exit
fi

t_tempdir dnsttl 777
D=$T_DIR
DNS_PID= SRV_PID= WARD_PID=
cleanup() {
	t_stop $WARD_PID $SRV_PID $DNS_PID
	t_tempdirs_remove
}
trap cleanup EXIT

# The DNS server, and two TCP servers on one port of 127.0.0.2 and 127.0.0.3.
echo "svc.test 127.0.0.2 5" >"$D/answer"
if ! t_dns_servers "$D"; then
	t_summary
	exit
fi
export WARD_DNS_SERVER=127.0.0.1:$DNS_PORT
RULE="tcp://svc.test:$PORT"
# A second rule naming the same host (another protocol): both are
# rewritten from one answer, and the event lists each address once.
ARGS=(--share-net --net-allow "$RULE" --net-allow "udp://svc.test:$PORT" -w "$D")

# ---- the plan: resolved through that server, re-resolved every TTL ----
run_ward run "${ARGS[@]}" --explain -- /bin/true
if [ "$RC" = 0 ] && printf '%s\n' "$ERR" | grep -q "net allow $RULE = 127.0.0.2" &&
	printf '%s\n' "$ERR" | grep -q "net allow udp://svc.test:$PORT = 127.0.0.2"; then
	t_ok "svc.test resolved at start through WARD_DNS_SERVER (127.0.0.2)"
else
	t_fail "svc.test resolved at start through WARD_DNS_SERVER (127.0.0.2)" "exit $RC" "$ERR"
fi
ROW=$(printf '%s\n' "$ERR" | grep -A1 "re-resolved every TTL (min 5 s, max 1 h)")
LAYER=$(printf '%s\n' "$ERR" | grep -A1 "net allow $RULE = " | grep -oE '(cgroup-bpf|bpf-lsm|supervisor) +enforced' |
	head -1 | awk '{print $1}')
case $LAYER in
cgroup-bpf | bpf-lsm) DENIED=EPERM ;;
supervisor) DENIED=EACCES ;;
*) DENIED=unknown ;;
esac
if [ -n "$ROW" ] && printf '%s\n' "$ROW" | grep -q "svc.test (ttl 5 s)" &&
	printf '%s\n' "$ROW" | grep -q "updates the $LAYER rules in place"; then
	t_ok "--explain: svc.test re-resolved every TTL, updating $LAYER in place"
else
	t_fail "--explain: svc.test re-resolved every TTL, updating $LAYER in place" "$ERR"
fi
if [ -n "$AS_USER" ] && [ "$LAYER" != supervisor ] && [ "$LAYER" != bpf-lsm ]; then
	t_fail "uid $AS_USER: the rules are on the supervisor" "layer: $LAYER"
elif [ -z "$AS_USER" ] && [ "$LAYER" = supervisor ]; then
	t_fail "root: the rules are on a BPF layer" "layer: $LAYER"
else
	t_ok "the address rules are on $LAYER (denial: $DENIED)"
fi

# ---- the run: .2 before, .3 after the answer changed ----
# The program reports what connects do, says "ready", waits until the
# test changed the answer, then polls (deadline 25 s) until .3 connects.
PROG='import errno, os, socket, sys, time
d, port = sys.argv[1], int(sys.argv[2])
def try_connect(addr):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((addr, port)); return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
print("before .2=%s .3=%s" % (try_connect("127.0.0.2"), try_connect("127.0.0.3")), flush=True)
open(d + "/ready", "w").close()
deadline = time.monotonic() + 25
while not os.path.exists(d + "/changed"):
    if time.monotonic() > deadline:
        print("timed out waiting for the changed answer"); sys.exit(2)
    time.sleep(0.05)
start = time.monotonic()
deadline = start + 25
three = try_connect("127.0.0.3")
while three != "OK" and time.monotonic() < deadline:
    time.sleep(0.1)
    three = try_connect("127.0.0.3")
print("after .3=%s .2=%s" % (three, try_connect("127.0.0.2")), flush=True)
print("waited %.1f s" % (time.monotonic() - start), flush=True)'
EV="$D/events"
: >"$EV"
chmod 666 "$EV"
(cd / && as_caller "$WARD" run --events "$EV" "${ARGS[@]}" -- "$PY" -c "$PROG" "$D" "$PORT" \
	>"$D/out" 2>"$D/err" </dev/null) &
WARD_PID=$!
if wait_for "the sandboxed program's first connects" 30 test -e "$D/ready"; then
	if grep -q "^before .2=OK .3=$DENIED\$" "$D/out"; then
		t_ok "before: 127.0.0.2 connects, 127.0.0.3 is $DENIED"
	else
		t_fail "before: 127.0.0.2 connects, 127.0.0.3 is $DENIED" "$(cat "$D/out")" "$(head -5 "$D/err")"
	fi
else
	t_fail "the sandboxed program started" "$(cat "$D/out")" "$(head -5 "$D/err")"
fi
echo "svc.test 127.0.0.3 5" >"$D/answer.tmp" && mv "$D/answer.tmp" "$D/answer"
: >"$D/changed"
wait "$WARD_PID"
RC=$?
WARD_PID=
t_sandbox_ids "$EV"
if [ "$RC" = 0 ] && grep -q "^after .3=OK .2=$DENIED\$" "$D/out"; then
	t_ok "after the TTL: 127.0.0.3 connects, 127.0.0.2 is $DENIED ($(grep waited "$D/out"))"
else
	t_fail "after the TTL: 127.0.0.3 connects, 127.0.0.2 is $DENIED" "exit $RC" "$(cat "$D/out")" \
		"$(head -5 "$D/err")"
fi
N=$(grep -c '"type":"net_update"' "$EV")
if [ "$N" = 1 ] && grep '"type":"net_update"' "$EV" | "$PY" -c '
import json, sys
ev = json.loads(sys.stdin.readline())
ok = (ev["name"] == "svc.test" and ev["added"] == ["127.0.0.3"] and
      ev["removed"] == ["127.0.0.2"] and ev["ttl"] == 5)
sys.exit(0 if ok else 1)'; then
	t_ok "one net_update event: svc.test +127.0.0.3 -127.0.0.2 ttl 5"
else
	t_fail "one net_update event: svc.test +127.0.0.3 -127.0.0.2 ttl 5" "$N events" \
		"$(grep '"type":"net_update"' "$EV")"
fi
if grep -q '"type":"exit"' "$EV" && ! sed -n '/"type":"exit"/,$p' "$EV" | grep -q net_update; then
	t_ok "no net_update after the exit event"
else
	t_fail "no net_update after the exit event" "$(tail -3 "$EV")"
fi

# ---- DNS fails while it runs: the last addresses stay ----
# The program connects, the server turns to SERVFAIL, ward's failed
# re-resolution is a warning; then .2 still connects and .3 stays denied.
PROG_FAIL='import errno, os, socket, sys, time
d, port = sys.argv[1], int(sys.argv[2])
def try_connect(addr):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((addr, port)); return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
print("before .2=%s" % try_connect("127.0.0.2"), flush=True)
open(d + "/ready2", "w").close()
deadline = time.monotonic() + 40
while not os.path.exists(d + "/failed"):
    if time.monotonic() > deadline:
        print("timed out waiting for the failed re-resolution"); sys.exit(2)
    time.sleep(0.05)
print("after .2=%s .3=%s" % (try_connect("127.0.0.2"), try_connect("127.0.0.3")), flush=True)'
echo "svc.test 127.0.0.2 5" >"$D/answer.tmp" && mv "$D/answer.tmp" "$D/answer"
EV="$D/events2"
: >"$EV"
chmod 666 "$EV"
(cd / && as_caller "$WARD" run --events "$EV" "${ARGS[@]}" -- "$PY" -c "$PROG_FAIL" "$D" "$PORT" \
	>"$D/out2" 2>"$D/err2" </dev/null) &
WARD_PID=$!
if wait_for "the second program's first connect" 30 test -e "$D/ready2"; then
	: >"$D/servfail"
	if wait_for "ward's warning about the failed re-resolution" 40 \
		grep -q 'svc.test: re-resolution failed' "$EV"; then
		t_ok "a failed re-resolution is one warning event"
	else
		t_fail "a failed re-resolution is one warning event" "$(cat "$EV")"
	fi
fi
: >"$D/failed"
wait "$WARD_PID"
RC=$?
WARD_PID=
rm -f "$D/servfail"
t_sandbox_ids "$EV"
if [ "$RC" = 0 ] && grep -q "^before .2=OK\$" "$D/out2" &&
	grep -q "^after .2=OK .3=$DENIED\$" "$D/out2"; then
	t_ok "DNS failing: 127.0.0.2 still connects, 127.0.0.3 still $DENIED"
else
	t_fail "DNS failing: 127.0.0.2 still connects, 127.0.0.3 still $DENIED" "exit $RC" \
		"$(cat "$D/out2")" "$(head -5 "$D/err2")"
fi
N=$(grep -c '"type":"net_update"' "$EV")
W=$(grep -c 're-resolution failed' "$EV")
if [ "$N" = 0 ] && [ "$W" = 1 ]; then
	t_ok "no net_update, one warning while DNS fails"
else
	t_fail "no net_update, one warning while DNS fails" "$N updates, $W warnings" "$(cat "$EV")"
fi

# ---- a name from /etc/hosts has no TTL: resolved once ----
run_ward run --share-net --net-allow "tcp://localhost:$PORT" --explain -- /bin/true
if [ "$RC" = 0 ] && printf '%s\n' "$ERR" | grep -q "host names resolved at start" &&
	! printf '%s\n' "$ERR" | grep -q "re-resolved every TTL"; then
	t_ok "localhost (/etc/hosts): resolved at start only"
else
	t_fail "localhost (/etc/hosts): resolved at start only" "exit $RC" "$ERR"
fi

# ---- a name the server does not know: one line, exit 125 ----
expect_err "a name DNS does not know: exit 125, one line" 125 "cannot resolve host 'nope.test'" -- \
	run --share-net --net-allow "tcp://nope.test:$PORT" -- /bin/true

t_summary
