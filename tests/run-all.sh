#!/usr/bin/env bash
# run-all.sh BUILD — every test ward has: unit (cmocka), integration (the
# real ward binary, as root and as an unprivileged user), and the QEMU kernel
# harness. Prints one closing line "N passed, N failed, N skipped"; skips
# are never passes. Exit status 0 only when nothing failed.
set -u
BUILD=${1:-build/san}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PASS=0 FAIL=0 SKIP=0
LOG=$(mktemp -d)

count_tap() { # file
	PASS=$((PASS + $(grep -Ec '^ok [0-9]+( |$)' "$1" | tr -d ' ') - $(grep -Ec '^ok [0-9]+ # SKIP' "$1" | tr -d ' ')))
	FAIL=$((FAIL + $(grep -Ec '^not ok ' "$1" | tr -d ' ')))
	SKIP=$((SKIP + $(grep -Ec '^ok [0-9]+ # SKIP' "$1" | tr -d ' ')))
}

echo "== unit tests (cmocka, sanitizers on)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	out=$LOG/$name.out
	# A hung test is a failed test, never a hung CI.
	timeout -k 10 "${UNIT_TIMEOUT:-600}" "$t" >"$out" 2>&1
	rc=$?
	[ "$rc" = 124 ] && echo "[  FAILED  ] 1 test(s): $name timed out after ${UNIT_TIMEOUT:-600} s" >>"$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi # a crash is a failure
	PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
	echo "$name: $p passed, $f failed, $s skipped"
	if [ "$f" != 0 ]; then sed 's/^/    /' "$out" | tail -40; fi
	grep -h 'SKIP' "$out" | sed 's/^/    /' | head -10
done

echo "== integration tests"
WORK=$(mktemp -d /tmp/ward-it.XXXXXX)
chmod 755 "$WORK"
mkdir "$WORK/bin"
cp "$BUILD/ward" "$BUILD"/progs/* examples/policy.yaml "$WORK/bin/"
chmod -R a+rX "$WORK/bin"
# Every tests/integration/test_*.sh, as root and as an unprivileged user;
# a topic is selected with IT_ONLY=name (e.g. IT_ONLY=test_run).
for it in tests/integration/test_*.sh; do
	topic=$(basename "$it" .sh)
	[ -n "${IT_ONLY:-}" ] && [ "$topic" != "$IT_ONLY" ] && continue
	echo "-- $topic"
	"$it" "$WORK" >"$LOG/$topic-root.tap" 2>&1
	cat "$LOG/$topic-root.tap"; count_tap "$LOG/$topic-root.tap"
	grep -q '^1\.\.[0-9]' "$LOG/$topic-root.tap" || { echo "not ok - $topic (root) ended without a plan line"; FAIL=$((FAIL + 1)); }
	if command -v setpriv >/dev/null; then
		"$it" "$WORK" 65534 >"$LOG/$topic-user.tap" 2>&1
		cat "$LOG/$topic-user.tap"; count_tap "$LOG/$topic-user.tap"
		grep -q '^1\.\.[0-9]' "$LOG/$topic-user.tap" || { echo "not ok - $topic (uid 65534) ended without a plan line"; FAIL=$((FAIL + 1)); }
	else
		echo "ok # SKIP $topic as an unprivileged user: setpriv not installed"; SKIP=$((SKIP + 1))
	fi
done
rm -rf "$WORK"

# The QEMU kernel harness: BPF LSM and the pure-v2 cgroup path, which this
# host cannot load (tests/vm/run.sh; a skip prints its reason, never a pass).
if [ -x tests/vm/run.sh ]; then
	echo "== kernel harness (QEMU)"
	# Its own build directory: the guest binaries are static, without sanitizers.
	tests/vm/run.sh build/vm >"$LOG/vm.out" 2>&1
	vrc=$?
	cat "$LOG/vm.out"
	line=$(grep -E '^vm: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$LOG/vm.out" | tail -1)
	if [ -n "$line" ]; then
		set -- $(echo "$line" | tr -dc '0-9 ')
		PASS=$((PASS + $1)); FAIL=$((FAIL + $2)); SKIP=$((SKIP + $3))
		[ "$vrc" != 0 ] && [ "$2" = 0 ] && FAIL=$((FAIL + 1))
	else
		echo "not ok - the VM harness printed no result line (exit $vrc)"; FAIL=$((FAIL + 1))
	fi
fi

echo "== Python SDK (pytest, tests/python)"
# pytest_counts FILE: adds pytest's closing "N passed, N failed, N skipped"
# line to the totals; no such line (a crash, a hang) is a failure.
pytest_counts() {
	line=$(grep -E '^=* ?[0-9]+ (passed|failed|skipped|errors?)' "$1" | tail -1)
	if [ -z "$line" ]; then
		echo "not ok - pytest printed no result line"; FAIL=$((FAIL + 1)); return
	fi
	for kind in passed failed skipped error errors; do
		n=$(echo "$line" | grep -oE "[0-9]+ $kind\b" | grep -oE '^[0-9]+')
		[ -n "$n" ] || continue
		case $kind in
		passed) PASS=$((PASS + n)) ;;
		skipped) SKIP=$((SKIP + n)) ;;
		*) FAIL=$((FAIL + n)) ;;
		esac
	done
}
PYLIB=$ROOT/build/libward.so
if [ ! -f "$PYLIB" ]; then
	echo "not ok - $PYLIB was not built (make)"; FAIL=$((FAIL + 1))
elif ! /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
	echo "not ok - /usr/bin/python3 has no pytest (apt-get install python3-pytest)"; FAIL=$((FAIL + 1))
else
	# Debian's python3 (not a pyenv shim), the package from the tree, no
	# bytecode or cache written into the checkout.
	PYTEST="/usr/bin/python3 -m pytest -p no:cacheprovider -q -rs tests/python"
	PYTMP=$(mktemp -d /tmp/ward-py.XXXXXX)
	chmod 755 "$PYTMP"
	mkdir "$PYTMP/root" "$PYTMP/user"
	chown 65534:65534 "$PYTMP/user" 2>/dev/null || true
	echo "-- as root"
	HOME=$PYTMP/root TMPDIR=$PYTMP/root WARD_LIBRARY=$PYLIB PYTHONDONTWRITEBYTECODE=1 \
		timeout -k 10 900 $PYTEST >"$LOG/py-root.out" 2>&1
	cat "$LOG/py-root.out"; pytest_counts "$LOG/py-root.out"
	echo "-- as uid 65534"
	if ! command -v setpriv >/dev/null; then
		echo "ok # SKIP Python SDK as uid 65534: setpriv not installed"; SKIP=$((SKIP + 1))
	elif ! setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c 'test -r "$1/tests/python/conftest.py" && test -r "$2" && test -x "$1/bindings/python/libward_sandbox"' \
		sh "$ROOT" "$PYLIB" 2>/dev/null; then
		echo "ok # SKIP Python SDK as uid 65534: the checkout $ROOT is not readable by uid 65534"
		SKIP=$((SKIP + 1))
	else
		(cd "$ROOT" && setpriv --reuid=65534 --regid=65534 --clear-groups \
			env HOME="$PYTMP/user" TMPDIR="$PYTMP/user" WARD_LIBRARY="$PYLIB" PYTHONDONTWRITEBYTECODE=1 \
			timeout -k 10 900 $PYTEST) >"$LOG/py-user.out" 2>&1
		cat "$LOG/py-user.out"; pytest_counts "$LOG/py-user.out"
	fi
	rm -rf "$PYTMP"
fi

echo "== fuzzing the policy parser (${FUZZ_SECONDS:-60} s)"
if command -v clang-16 >/dev/null || command -v clang >/dev/null; then
	if make --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}" >"$LOG/fuzz.out" 2>&1; then
		tail -3 "$LOG/fuzz.out"; echo "ok - fuzz_policy ran ${FUZZ_SECONDS:-60} s without a crash"; PASS=$((PASS + 1))
	else
		tail -40 "$LOG/fuzz.out"; echo "not ok - fuzz_policy"; FAIL=$((FAIL + 1))
	fi
else
	echo "ok # SKIP fuzzing: clang is not installed"; SKIP=$((SKIP + 1))
fi

rm -rf "$LOG"
echo
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
