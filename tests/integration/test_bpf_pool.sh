#!/usr/bin/env bash
# test_bpf_pool.sh — the cgroup BPF layer's ring buffers come from a pinned
# pool (a start claims a slot, no map-in-map update): address rules still
# deny with a control that connects, each sandbox reports only its own
# denials while another runs at the same time, a recycled slot never reports
# what its previous sandbox left, and no slot stays claimed after a run.
# No timing here (bench/ measures). Root only: without privilege the
# supervisor holds address rules (test_speed_paths.sh covers it).
# Usage: test_bpf_pool.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"

if [ -n "$AS_USER" ]; then
	t_skip "address rules on cgroup BPF" "cgroup BPF programs need root; as uid $AS_USER the supervisor holds address rules (test_speed_paths.sh)"
	t_summary
	exit $?
fi

D=$(mktemp -d "$WORK/pool.XXXXXX")
chmod 755 "$D"
POOL_OWNER=/sys/fs/bpf/ward/v2/ward_ring_owner

# A loopback listener outside the sandbox that accepts and closes.
python3 -c 'import socket,sys,time,os
s=socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
end=time.time()+120
s.settimeout(1)
while time.time()<end:
    try: c,_=s.accept(); c.close()
    except OSError: pass' "$D/port" &
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null' EXIT
for _ in $(seq 200); do [ -s "$D/port" ] && break; sleep 0.1; done
PORT=$(cat "$D/port" 2>/dev/null)
if [ -z "$PORT" ]; then
	t_fail "the loopback listener published its port within 20 s" "no $D/port"
	t_summary
	exit $?
fi

# connect.py ADDR...: one line "ADDR OK|ERRNAME" per address.
cat >"$D/connect.py" <<'EOF'
import errno, socket, sys
port = int(sys.argv[1])
for addr in sys.argv[2:]:
    s = socket.socket()
    try:
        s.connect((addr, port))
        print(addr, "OK")
    except OSError as e:
        print(addr, errno.errorcode.get(e.errno, e.errno))
    s.close()
EOF
chmod 644 "$D/connect.py"
RULE=(--net-allow "tcp://127.0.0.1:$PORT" -r "$D")

# deny_count FILE [ADDR]: deny events of the cgroup-bpf layer (to ADDR).
deny_count() {
	python3 - "$1" "${2:-}" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("type") == "deny" and e.get("layer") == "cgroup-bpf":
        if not sys.argv[2] or e.get("detail", {}).get("address") == sys.argv[2]:
            n += 1
print(n)
EOF
}
# cgroups FILE: the cgroup ids its deny events name (the sandbox's).
cgroups() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e.get("type")=="deny": print(e["detail"]["cgroup"])' "$1" | sort -u
}

# ---- a denial and its control, through a pooled ring buffer ----
run_ward run --events "$D/ev1" "${RULE[@]}" -- python3 "$D/connect.py" "$PORT" 127.0.0.1 127.0.0.2
t_sandbox_ids "$D/ev1"
if printf '%s\n' "$OUT" | grep -qx "127.0.0.1 OK"; then
	t_ok "control: a connect the address rule allows works"
else
	t_fail "control: a connect the address rule allows works" "stdout: $OUT" "stderr: $ERR"
fi
if printf '%s\n' "$OUT" | grep -qx "127.0.0.2 EPERM"; then
	t_ok "a connect to another address (same port) is EPERM"
else
	t_fail "a connect to another address (same port) is EPERM" "stdout: $OUT" "stderr: $ERR"
fi
n=$(deny_count "$D/ev1" 127.0.0.2)
if [ "$n" = 1 ]; then
	t_ok "its denial is reported once, by cgroup-bpf, from the pooled ring"
else
	t_fail "its denial is reported once, by cgroup-bpf, from the pooled ring" "deny events: $n" "$(head -c 600 "$D/ev1")"
fi

# ---- a recycled slot: nothing of the previous sandbox is reported ----
run_ward run --events "$D/ev2" "${RULE[@]}" -- python3 "$D/connect.py" "$PORT" 127.0.0.1
t_sandbox_ids "$D/ev2"
n=$(deny_count "$D/ev2")
if [ "$RC" = 0 ] && [ "$n" = 0 ] && printf '%s\n' "$OUT" | grep -qx "127.0.0.1 OK"; then
	t_ok "the next sandbox (same slot) reports no denial it did not cause"
else
	t_fail "the next sandbox (same slot) reports no denial it did not cause" "rc $RC, deny events: $n" "stdout: $OUT"
fi

# ---- two at once: each sees its own denials only ----
# A claims a slot, says it is ready, waits (at most 20 s) for "go", then
# makes its own denial. B runs meanwhile.
cat >"$D/waiter.py" <<'EOF'
import os, subprocess, sys, time
d, port = sys.argv[1], sys.argv[2]
open(os.path.join(d, "a-ready"), "w").close()
end = time.time() + 20
while not os.path.exists(os.path.join(d, "go")):
    if time.time() > end:
        print("no go within 20 s")
        sys.exit(3)
    time.sleep(0.02)
subprocess.run([sys.executable, os.path.join(d, "connect.py"), port, "127.0.0.4"])
EOF
chmod 644 "$D/waiter.py"
(cd / && "$WARD" run --events "$D/evA" "${RULE[@]}" -w "$D" -- python3 "$D/waiter.py" "$D" "$PORT" >"$D/outA" 2>"$D/errA") &
A=$!
for _ in $(seq 200); do [ -e "$D/a-ready" ] && break; sleep 0.1; done
if [ -e "$D/a-ready" ]; then
	run_ward run --events "$D/evB" "${RULE[@]}" -- python3 "$D/connect.py" "$PORT" 127.0.0.3 127.0.0.3
	t_sandbox_ids "$D/evB"
	touch "$D/go"
	wait $A
	RCA=$?
	t_sandbox_ids "$D/evA"
	nb=$(deny_count "$D/evB" 127.0.0.3)
	nb_all=$(deny_count "$D/evB")
	na=$(deny_count "$D/evA" 127.0.0.4)
	na_all=$(deny_count "$D/evA")
	if [ "$nb" = 2 ] && [ "$nb_all" = 2 ]; then
		t_ok "B (while A runs) reports its 2 denials and none of A's"
	else
		t_fail "B (while A runs) reports its 2 denials and none of A's" "B: $nb to 127.0.0.3, $nb_all in all" "stdout: $OUT"
	fi
	if [ "$RCA" = 0 ] && [ "$na" = 1 ] && [ "$na_all" = 1 ] && grep -qx "127.0.0.4 EPERM" "$D/outA"; then
		t_ok "A reports its own denial (EPERM) and none of B's"
	else
		t_fail "A reports its own denial (EPERM) and none of B's" "rc $RCA; A: $na to 127.0.0.4, $na_all in all" "stdout: $(cat "$D/outA")" "stderr: $(head -3 "$D/errA")"
	fi
	ca=$(cgroups "$D/evA")
	cb=$(cgroups "$D/evB")
	if [ -n "$ca" ] && [ -n "$cb" ] && [ "$ca" != "$cb" ]; then
		t_ok "A and B were distinct sandboxes (cgroups $ca, $cb)"
	else
		t_fail "A and B were distinct sandboxes" "A: '$ca' B: '$cb'"
	fi
else
	touch "$D/go"
	wait $A
	t_fail "sandbox A started within 20 s" "stderr: $(head -3 "$D/errA")"
fi

# ---- no slot stays claimed by a sandbox that ended ----
ours=$(for f in "$D"/ev1 "$D"/evA "$D"/evB; do [ -f "$f" ] && cgroups "$f"; done | sort -u)
if [ ! -e "$POOL_OWNER" ]; then
	t_fail "the ring pool's owner map is pinned" "no $POOL_OWNER"
elif ! command -v bpftool >/dev/null; then
	t_skip "no ring slot is left claimed" "bpftool is not installed"
else
	held=$(bpftool -j map dump pinned "$POOL_OWNER" | python3 -c 'import json,sys
for e in json.load(sys.stdin):
    f=e.get("formatted")
    if f: print(f["value"])
    else: print(int.from_bytes(bytes(int(b,16) for b in e["value"]),"little"))')
	left=""
	for c in $ours; do
		printf '%s\n' "$held" | grep -qx "$c" && left="$left $c"
	done
	if [ -n "$ours" ] && [ -z "$left" ]; then
		t_ok "no ring slot is left claimed by the ended sandboxes"
	else
		t_fail "no ring slot is left claimed by the ended sandboxes" "ours: $ours" "still held:$left"
	fi
fi

kill $LISTENER 2>/dev/null
t_summary
