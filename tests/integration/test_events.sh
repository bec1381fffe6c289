#!/usr/bin/env bash
# test_events.sh — the events stream: one complete JSON object per line,
# `start` first, `exit` last (no event after it, whichever thread made the
# decisions: the monitor, the BPF ring buffer or the supervisor).
# Usage: test_events.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"

EV=$(mktemp "$WORK/events.XXXXXX")
chmod 666 "$EV"
trap 'rm -f "$EV"' EXIT

# stream_ok FILE: every line parses, start first, exit last and only once.
stream_ok() {
	python3 - "$1" <<'PY'
import json, sys
types = [json.loads(line)["type"] for line in open(sys.argv[1]) if line.strip()]
ok = types and types[0] == "start" and types[-1] == "exit" and types.count("exit") == 1
print(" ".join(types))
sys.exit(0 if ok else 1)
PY
}

# A denial decided at run time (port 443 passes Landlock; the address is
# judged by cgroup BPF as root, by the supervisor without
# privilege), then exit: the deny event comes before the exit event.
run_ward run -x "$BIN" --net-allow 'tcp://10.0.0.0/8:443' --events "$EV" -- "$PROBE" connect 127.0.0.1 443
expect_event "a run-time denial is an event" "$EV" deny '"operation"'
if types=$(stream_ok "$EV"); then
	t_ok "events: start first, exit last, every line one JSON object ($types)"
else
	t_fail "events stream" "types: $types" "$(head -c 3000 "$EV")"
fi
if [ "$RC" = 1 ] && { [ "$OUT" = EACCES ] || [ "$OUT" = EPERM ]; }; then
	t_ok "the denied connect failed in the program ($OUT)"
else
	t_fail "denied connect" "rc=$RC out=$OUT" "$ERR"
fi

# Many decisions from the supervisor's thread racing the exit: still
# nothing after the exit event.
: >"$EV"
run_ward run -x "$BIN" --net-allow 'tcp://10.0.0.0/8:443' --events "$EV" -- \
	/bin/sh -c "for i in 1 2 3 4 5 6 7 8; do \"$PROBE\" connect 127.0.0.1 443 & done; wait"
if types=$(stream_ok "$EV"); then
	t_ok "concurrent denials: no event after exit ($(printf '%s' "$types" | wc -w) events)"
else
	t_fail "concurrent denials stream" "types: $types" "$(head -c 3000 "$EV")"
fi
expect_event "the exit event says why it ended" "$EV" exit "\"reason\":\"(exit|signal)\""
t_summary
