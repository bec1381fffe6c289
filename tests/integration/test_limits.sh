#!/usr/bin/env bash
# test_limits.sh — limits are held where the plan says and labelled honestly:
# a sandbox-wide limit (memory, pids, cpu) lands in the sandbox's cgroup, or,
# without a usable controller, is held per process (RLIMIT_AS) or per user
# (RLIMIT_NPROC) only, which enforce mode refuses unless --allow-degraded
# limits. What each layer installed is read back from inside the sandbox
# (the cgroup's limit files, /proc/self/limits) and compared with the plan.
# Host expectations come from `ward features --json` (run as the test user).
# Usage: test_limits.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"

DATA=$(mktemp -d "$WORK/limits.XXXXXX")
chmod 777 "$DATA"
trap 'rm -rf "$DATA"' EXIT

# explain NAME STATUS PATTERN -- ward args: --explain prints the plan on stderr.
explain() {
	local name=$1 want_rc=$2 want=$3
	shift 3
	[ "$1" = "--" ] && shift
	run_ward "$@"
	if [ "$RC" = "$want_rc" ] && printf '%s\n' "$ERR" | grep -Eq -- "$want"; then
		t_ok "$name"
	else
		t_fail "$name" "rc=$RC (wanted $want_rc), plan did not match /$want/" "$(printf '%s' "$ERR" | grep limit)"
	fi
}

run_ward features --json
FEATURES=$OUT
usable() { # controller -> "true"/"false"
	printf '%s' "$FEATURES" | python3 -c 'import json,sys; print(str(json.load(sys.stdin)["cgroup"]["controllers"][sys.argv[1]]["usable"]).lower())' "$1"
}
MEM=$(usable memory)
PIDS=$(usable pids)
if [ "$MEM" != true ] && [ "$MEM" != false ]; then
	t_fail "ward features --json names the memory controller" "$FEATURES"
	t_summary
	exit 1
fi

# The limit a layer installed, read from inside the sandbox: the file of
# the cgroup that holds CONTROLLER (v1 "N:controller:/path" or v2 "0::/path").
CG_READ='ctl=$1 v1file=$2 v2file=$3
line=$(grep -E "^[0-9]+:([^:]*,)?$ctl(,[^:]*)?:" /proc/self/cgroup | head -1)
if [ -n "$line" ]; then cat "/sys/fs/cgroup/$ctl${line#*:*:}/$v1file"; exit; fi
line=$(grep "^0::" /proc/self/cgroup); for m in /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ -f "$m${line#0::}/$v2file" ] && { cat "$m${line#0::}/$v2file"; exit; }; done; echo none'
AS_LIMIT='grep "^Max address space" /proc/self/limits | awk "{print \$4}"'
NPROC_LIMIT='grep "^Max processes" /proc/self/limits | awk "{print \$3}"'

if [ "$MEM" = true ]; then
	explain "explain: --memory is per sandbox on the cgroup layer" 0 \
		'limit memory 100M per sandbox +cgroup +enforced' -- run --memory 100M --explain -- /bin/true
	expect "the sandbox's cgroup holds the planned memory limit" 0 '^104857600$' -- \
		run -r /sys/fs/cgroup --share-cgroup --memory 100M -- /bin/sh -c "$CG_READ" sh memory memory.limit_in_bytes memory.max
	# No layer enforces a rule the plan did not give it: no RLIMIT_AS.
	expect "no RLIMIT_AS beside the cgroup memory limit" 0 '^unlimited$' -- \
		run --memory 100M -- /bin/sh -c "$AS_LIMIT"
else
	explain "explain: without a cgroup --memory is per process and refused" 125 \
		'limit memory 100M per process, not per sandbox +- +unenforceable' -- \
		run --memory 100M --explain -- /bin/true
	run_ward run -w "$DATA" --memory 100M -- /bin/sh -c "touch $DATA/ran"
	lines=$(printf '%s' "$ERR" | grep -c '')
	if [ "$RC" = 125 ] && [ "$lines" = 1 ] && printf '%s' "$ERR" | grep -q 'per process, not per sandbox.*--allow-degraded limits' &&
		[ ! -e "$DATA/ran" ]; then
		t_ok "enforce mode refuses a per-sandbox memory limit held per process (125, one line, nothing ran)"
	else
		t_fail "per-process memory limit refused" "rc=$RC lines=$lines" "stderr: $ERR" "ran: $(ls "$DATA")"
	fi
	run_ward run --allow-degraded limits --memory 100M -- /bin/sh -c "$AS_LIMIT"
	if [ "$RC" = 0 ] && [ "$OUT" = 104857600 ] &&
		printf '%s' "$ERR" | grep -q 'WEAKER THAN ASKED: limit memory 100M per process, not per sandbox by rlimit'; then
		t_ok "--allow-degraded limits: RLIMIT_AS holds the limit per process, with a warning"
	else
		t_fail "--allow-degraded limits (memory)" "rc=$RC out=$OUT" "stderr: $ERR"
	fi
	# The same for a policy file: allow_degraded: [limits]
	printf 'extends: default\nallow_degraded: [limits]\nlimits:\n  memory: 100M\n' >"$DATA/p.yaml"
	chmod 644 "$DATA/p.yaml"
	expect "allow_degraded: [limits] in a policy file" 0 '^104857600$' -- \
		run -p "$DATA/p.yaml" -- /bin/sh -c "$AS_LIMIT"
fi

if [ "$PIDS" = true ]; then
	expect "the sandbox's cgroup holds the planned pids limit" 0 '^32$' -- \
		run -r /sys/fs/cgroup --share-cgroup --pids 32 -- /bin/sh -c "$CG_READ" sh pids pids.max pids.max
	expect "no RLIMIT_NPROC of ward's beside the cgroup pids limit" 0 '^(unlimited|[0-9]{4,})$' -- \
		run --pids 32 -- /bin/sh -c "$NPROC_LIMIT"
elif [ -n "$AS_USER" ]; then
	# RLIMIT_NPROC inside the sandbox's own user namespace counts only the
	# sandbox's tasks: per sandbox, so enforce mode accepts it.
	explain "explain: an unprivileged pids limit is per sandbox (its own user namespace)" 0 \
		'limit pids 32 per sandbox +rlimit +enforced' -- run --pids 32 --explain -- /bin/true
	expect "--allow-degraded limits: RLIMIT_NPROC holds --pids per user" 0 '^32$' -- \
		run --allow-degraded limits --pids 32 -- /bin/sh -c "$NPROC_LIMIT"
	# The default profile's pids guard is held per user and says so; it
	# does not stop the default profile.
	explain "explain: the default profile's pids guard is per sandbox here too" 0 \
		'limit pids 512 per sandbox +rlimit +enforced' -- run --explain -- /bin/true
	run_ward run -- /bin/sh -c "$NPROC_LIMIT"
	if [ "$RC" = 0 ] && [ "$OUT" = 512 ] && [ -z "$ERR" ]; then
		t_ok "the default profile runs with its pids guard as RLIMIT_NPROC, without a warning"
	else
		t_fail "default profile pids guard" "rc=$RC out=$OUT" "stderr: $ERR"
	fi
else
	t_skip "pids limit placement" "no pids controller and privileged (RLIMIT_NPROC does not bind root)"
fi

# Per process by definition: cpu_time and nofile, labelled so, never refused.
explain "explain: cpu_time is per process" 0 'limit cpu_time 5s per process, not per sandbox +rlimit +enforced' -- \
	run --cpu-time 5 --explain -- /bin/true
expect "RLIMIT_NOFILE holds --nofile" 0 '^64$' -- run --nofile 64 -- /bin/sh -c 'ulimit -n'

t_summary
