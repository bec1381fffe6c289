#!/usr/bin/env bash
# test_quota_file.sh — file byte accounting and quotas (fexit programs on
# vfs_read/vfs_write, src/bpf/acct_file.bpf.c). Where the programs load, an
# 8 MiB dd is counted and a write quota kills; where they do not (this
# project's CI host refuses fexit, as does every unprivileged user), a file
# quota is refused with one line naming the layer, the figure is absent
# rather than zero, and --report says it was not measured. The kernel path
# is also proven in the QEMU guests (tests/vm/ward_e2e.sh).
# Usage: test_quota_file.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"

DATA=$(mktemp -d "$WORK/qfile.XXXXXX")
chmod 777 "$DATA"
EV=$DATA/ev.jsonl
: >"$EV"
chmod 666 "$EV"

# ---- the quota's grammar, on every host ----
expect_err "an unknown quota names the file quota among the known ones" 125 \
	"unknown quota 'file_bytes'.*cpu_time or file_write_bytes" -- \
	run --quota file_bytes=1M -- true
expect_err "a read quota is refused: mmap'd reads reach no counted call" 125 \
	"quota file_read_bytes is not offered: reads through mmap" -- \
	run --quota file_read_bytes=1M -- true
expect_err "a zero file quota is a bad size" 125 "quota file_write_bytes: bad size '0'" -- \
	run --quota file_write_bytes=0 -- true
printf 'extends: default\nquotas:\n  file_write_bytes: {bytes: 2M, action: report}\n' \
	>"$DATA/q.yaml"
chmod 644 "$DATA/q.yaml"
run_ward check "$DATA/q.yaml" --json
if printf '%s' "$OUT$ERR" | grep -q 'quota file_write_bytes 2097152 bytes, then report'; then
	t_ok "quotas: file_write_bytes loads from YAML (size, action)"
else
	t_fail "quotas: file_write_bytes loads from YAML" "rc $RC" "$OUT" "$ERR"
fi

run_ward features --json
fexit=$(printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["bpf"]["fexit_loads"])' 2>/dev/null)
if [ "$fexit" = True ] && [ -z "$AS_USER" ]; then
	# ---- a host where fexit programs load (root) ----
	expect "an 8 MiB dd runs under file accounting" 0 "" -- \
		run --events "$EV" -w "$DATA" -- dd if=/dev/zero of="$DATA/big" bs=64K count=128 status=none
	written=$(event_field exit file_bytes_written)
	if [ -n "$written" ] && [ "$written" -ge 8388608 ] && [ "$written" -lt 8454144 ]; then
		t_ok "8 MiB written is counted within 64 KiB ($written)"
	else
		t_fail "8 MiB written is counted within 64 KiB" "file_bytes_written=$written"
	fi
	: >"$EV"
	expect "a write quota of 1M kills dd (137)" 137 "" -- \
		run --events "$EV" --quota file_write_bytes=1M:kill -w "$DATA" -- \
		dd if=/dev/zero of="$DATA/capped" bs=64K count=128 status=none
	if [ "$(grep -c '"type":"quota"' "$EV")" = 1 ]; then
		t_ok "the crossed quota yields one quota event"
	else
		t_fail "the crossed quota yields one quota event" "$(cat "$EV")"
	fi
else
	# ---- a host (or user) without them: refused, never counted as held ----
	why="fexit programs do not load here"
	[ -n "$AS_USER" ] && why="unprivileged"
	expect_err "a file quota is refused where fexit programs do not load ($why)" 125 \
		"cannot enforce 'quota file_write_bytes 1048576 bytes, then kill'.*needs bpf-trace.*--allow-degraded bpf-trace" -- \
		run --quota file_write_bytes=1M -- true
	: >"$EV"
	expect "with --allow-degraded bpf-trace the run goes on (0)" 0 "" -- \
		run --events "$EV" --allow-degraded bpf-trace --quota file_write_bytes=1M -w "$DATA" -- \
		dd if=/dev/zero of="$DATA/big" bs=64K count=4 status=none
	if grep -q '"type":"exit"' "$EV" && ! grep -q 'file_bytes_written' "$EV"; then
		t_ok "the exit event has no file figure where nothing counted (absent, not 0)"
	else
		t_fail "the exit event has no file figure where nothing counted" "$(cat "$EV")"
	fi
	run_ward run --report -- true
	if [ "$RC" = 0 ] && printf '%s' "$ERR" | grep -q 'files not measured (needs fexit programs)'; then
		t_ok "--report says file bytes were not measured"
	else
		t_fail "--report says file bytes were not measured" "rc $RC" "$ERR"
	fi
	run_ward features
	if printf '%s' "$OUT" | grep -Eq '^bpf-fexit +no: ' && printf '%s' "$OUT" | grep -q 'missing: .*bpf-trace ('; then
		t_ok "ward features says why bpf-fexit / bpf-trace is missing"
	else
		t_fail "ward features says why bpf-fexit / bpf-trace is missing" "$OUT"
	fi
fi

case $DATA in "$WORK"/qfile.*) rm -rf "$DATA" ;; esac
t_summary
