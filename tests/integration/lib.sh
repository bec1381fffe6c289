# lib.sh — a small TAP harness for tests that drive the real ward binary.
# Each check prints "ok N - name" or "not ok N - name" with a diagnosis;
# skips print "ok N # SKIP reason" and are counted apart, never as passes.
T_NUM=0; T_PASS=0; T_FAIL=0; T_SKIP=0

t_ok() { T_NUM=$((T_NUM + 1)); T_PASS=$((T_PASS + 1)); echo "ok $T_NUM - $T_PREFIX$1"; }
t_fail() {
	T_NUM=$((T_NUM + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_NUM - $T_PREFIX$1"
	shift; for line in "$@"; do printf '#   %s\n' "$line"; done
}
t_skip() { T_NUM=$((T_NUM + 1)); T_SKIP=$((T_SKIP + 1)); echo "ok $T_NUM # SKIP $T_PREFIX$1: $2"; }

# run_ward ARGS... : runs ward (as $AS_USER when set), capturing OUT, ERR, RC.
# It starts in / (RUN_CWD to change), which every sandbox has, so ward's
# one-line "not in the sandbox; starting in HOME" warning only appears in
# the tests that ask for it.
run_ward() {
	local o e
	o=$(mktemp) e=$(mktemp)
	chmod 666 "$o" "$e"
	if [ -n "${AS_USER:-}" ]; then
		(cd "${RUN_CWD:-/}" && setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$WARD" "$@" >"$o" 2>"$e" </dev/null)
	else
		(cd "${RUN_CWD:-/}" && "$WARD" "$@" >"$o" 2>"$e" </dev/null)
	fi
	RC=$?
	OUT=$(cat "$o"); ERR=$(cat "$e")
	rm -f "$o" "$e"
}

# expect NAME STATUS OUTPUT_PATTERN -- ward args...
# OUTPUT_PATTERN is a grep -E pattern the stdout must match ("" = any).
expect() {
	local name=$1 want_rc=$2 want_out=$3
	shift 3
	[ "$1" = "--" ] && shift
	run_ward "$@"
	if [ "$RC" != "$want_rc" ]; then
		t_fail "$name" "exit status $RC, wanted $want_rc" "stdout: $OUT" "stderr: $(echo "$ERR" | head -5)"
	elif [ -n "$want_out" ] && ! printf '%s\n' "$OUT" | grep -Eq -- "$want_out"; then
		t_fail "$name" "stdout did not match /$want_out/" "stdout: $OUT" "stderr: $(echo "$ERR" | head -5)"
	else
		t_ok "$name"
	fi
}

# expect_err NAME STATUS STDERR_PATTERN -- ward args...: also checks stderr is one line.
expect_err() {
	local name=$1 want_rc=$2 want_err=$3
	shift 3
	[ "$1" = "--" ] && shift
	run_ward "$@"
	local lines
	lines=$(printf '%s' "$ERR" | grep -c '')
	if [ "$RC" != "$want_rc" ]; then
		t_fail "$name" "exit status $RC, wanted $want_rc" "stderr: $ERR"
	elif ! printf '%s\n' "$ERR" | grep -Eq -- "$want_err"; then
		t_fail "$name" "stderr did not match /$want_err/" "stderr: $ERR"
	elif [ "$lines" != 1 ]; then
		t_fail "$name" "stderr has $lines lines, wanted one" "stderr: $ERR"
	else
		t_ok "$name"
	fi
}

t_summary() {
	echo "1..$T_NUM"
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ]
}
