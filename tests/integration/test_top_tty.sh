#!/usr/bin/env bash
# test_top_tty.sh — `ward top` on a real terminal (a tmux pane): it takes the
# alternate screen, lists a running sandbox by name, drops it once it is
# killed, and q or Ctrl-C end it with status 0 and the terminal given back.
# Every step polls the pane with a deadline; nothing sleeps and hopes.
# Usage: test_top_tty.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"

if ! command -v tmux >/dev/null; then
	t_skip "ward top in a terminal" "tmux is not installed (scripts/install-deps.sh installs it)"
	t_summary
	exit
fi

DATA=$(mktemp -d "$WORK/top.XXXXXX")
chmod 777 "$DATA"
SOCK=$DATA/tmux.sock
TAG=top$$
# The pane keeps its last screen after top exits, so the status and the
# restored screen can be read; the server never exits under the test. The
# pane's shell is /bin/sh: without $SHELL (CI has none) tmux would take the
# user's login shell, which for uid 65534 is nologin.
printf 'set -g remain-on-exit on\nset -g history-limit 0\nset -g default-shell /bin/sh\n' >"$DATA/tmux.conf"
chmod 644 "$DATA/tmux.conf"

tm() { as_caller env TERM=xterm tmux -S "$SOCK" -f "$DATA/tmux.conf" "$@"; }
pane() { tm capture-pane -p -t "$1" 2>/dev/null; }
pane_has() { pane "$1" | grep -q -- "$2"; }
pane_lacks() { ! pane_has "$1" "$2"; }
alt_screen() { [ "$(tm display-message -p -t "$1" '#{alternate_on}' 2>/dev/null)" = "$2" ]; }
listed() { as_caller "$WARD" ps 2>/dev/null | grep -q -- "$TAG"; }
cleanup() {
	tm kill-server >/dev/null 2>&1
	[ -n "${BG:-}" ] && kill "$BG" 2>/dev/null && wait "$BG" 2>/dev/null
	case $DATA in "$WORK"/top.*) rm -rf "$DATA" ;; esac
}
trap cleanup EXIT

# A sandbox for top to show.
as_caller "$WARD" run --name "$TAG" -- sleep 600 </dev/null >"$DATA/bg.out" 2>&1 &
BG=$!
if ! wait_for "ward ps to list $TAG" 20 listed; then
	t_fail "a named sandbox runs for top to show" "$(cat "$DATA/bg.out")"
	t_summary
	exit
fi

# top, with its status written where the test can read it.
TOP_CMD="'$WARD' top --interval 0.2; echo \$? >'$DATA/rc.q'"
if ! tm new-session -d -x 200 -y 30 -s q "sh -c \"$TOP_CMD\""; then
	t_fail "tmux starts a pane for ward top" "tmux new-session failed"
	t_summary
	exit
fi

if wait_for "the pane to show ward top's header" 20 pane_has q "q quits"; then
	t_ok "ward top draws its screen in a terminal"
else
	t_fail "ward top draws its screen in a terminal" "pane: $(pane q | head -5)"
fi
SEEN=0
if wait_for "the pane to show $TAG" 20 pane_has q "$TAG"; then
	SEEN=1
	t_ok "ward top lists the running sandbox by name"
else
	t_fail "ward top lists the running sandbox by name" "pane: $(pane q | head -8)"
fi
ALT=0
if alt_screen q 1; then
	ALT=1
	t_ok "ward top runs on the alternate screen"
else
	t_fail "ward top runs on the alternate screen" "alternate_on=$(tm display-message -p -t q '#{alternate_on}')"
fi

as_caller "$WARD" kill "$TAG" >/dev/null 2>&1
# Dropped only counts once it was shown: an empty pane lacks the name too.
if [ "$SEEN" = 1 ] && wait_for "top to drop $TAG after ward kill" 20 pane_lacks q "$TAG"; then
	t_ok "ward top drops a sandbox once it is killed"
else
	t_fail "ward top drops a sandbox once it is killed" "pane: $(pane q | head -8)"
fi
wait "$BG" 2>/dev/null
BG=

tm send-keys -t q q
if wait_for "top to exit on q" 20 test -s "$DATA/rc.q"; then
	expect_rc=$(cat "$DATA/rc.q")
	if [ "$expect_rc" = 0 ]; then t_ok "q ends ward top with status 0"; else t_fail "q ends ward top with status 0" "status $expect_rc"; fi
else
	t_fail "q ends ward top" "pane: $(pane q | head -5)"
fi
if [ "$ALT" = 1 ] && wait_for "the pane to leave the alternate screen" 20 alt_screen q 0; then
	t_ok "after q the terminal is back on its normal screen"
else
	t_fail "after q the terminal is back on its normal screen" "alternate_on stays 1"
fi

# Ctrl-C: the same clean end (ISIG stays on; the signal ends the loop). The
# pane's shell catches SIGINT too (a handler, reset at exec) so that it
# lives on to write top's status.
TOP_CMD="trap : INT; '$WARD' top --interval 0.2; echo \$? >'$DATA/rc.c'"
tm new-session -d -x 200 -y 30 -s c "sh -c \"$TOP_CMD\""
if wait_for "the second pane to show top" 20 pane_has c "q quits"; then
	tm send-keys -t c C-c
	if wait_for "top to exit on Ctrl-C" 20 test -s "$DATA/rc.c"; then
		rc=$(cat "$DATA/rc.c")
		if [ "$rc" = 0 ]; then t_ok "Ctrl-C ends ward top with status 0"; else t_fail "Ctrl-C ends ward top with status 0" "status $rc"; fi
	else
		t_fail "Ctrl-C ends ward top" "pane: $(pane c | head -5)"
	fi
	if wait_for "the pane to leave the alternate screen" 20 alt_screen c 0; then
		t_ok "after Ctrl-C the terminal is back on its normal screen"
	else
		t_fail "after Ctrl-C the terminal is back on its normal screen" "alternate_on stays 1"
	fi
else
	t_fail "ward top starts in a second pane" "pane: $(pane c | head -5)"
fi

# Not a terminal: plain frames, as many as --count.
run_ward top --count 2 --interval 0.1
frames=$(printf '%s\n' "$OUT" | grep -c '^ward top')
if [ "$RC" = 0 ] && [ "$frames" = 2 ] && ! printf '%s' "$OUT" | grep -q $'\033'; then
	t_ok "ward top on a pipe prints --count plain frames"
else
	t_fail "ward top on a pipe prints --count plain frames" "rc $RC frames $frames"
fi
t_summary
