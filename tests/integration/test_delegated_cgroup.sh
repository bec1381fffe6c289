#!/usr/bin/env bash
# test_delegated_cgroup.sh — an unprivileged ward in a cgroup v2 subtree
# delegated to its user (what `systemd-run --user --scope -p Delegate=yes`
# gives) makes each sandbox a cgroup of its own there: ward features says
# so, ward ps reads the figures from it, ward freeze really freezes it
# (a counter inside stops) and ward kill ends it through cgroup.kill.
# The delegation is made by the test (root): it chowns a fresh v2 cgroup
# to the user, moves the starting shell into it and drops to the user, as
# systemd does. The control: the same user outside the subtree has no
# cgroup of its own and ward freeze refuses (125).
# Usage: test_delegated_cgroup.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
PY=/usr/bin/python3

if [ -z "$AS_USER" ]; then
	t_skip "a delegated cgroup" "this file tests the unprivileged path (see its uid pass); root always has its own cgroups"
	t_summary
	exit
fi
if [ "$(id -u)" != 0 ]; then
	t_skip "a delegated cgroup" "the test needs root to delegate a cgroup to uid $AS_USER"
	t_summary
	exit
fi
V2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -z "$V2" ] || [ ! -w "$V2" ]; then
	t_skip "a delegated cgroup" "no writable cgroup2 mount on this host"
	t_summary
	exit
fi

DATA=$(mktemp -d "$WORK/deleg.XXXXXX")
chmod 777 "$DATA"
TAG=deleg$$
D=$V2/ward-test-$TAG
mkdir "$D"
chown "$AS_USER" "$D" "$D/cgroup.procs" "$D/cgroup.threads" "$D/cgroup.subtree_control"
BG=
cleanup() {
	[ -n "$BG" ] && kill "$BG" 2>/dev/null && wait "$BG" 2>/dev/null
	# Only the cgroups this test made: the subtree, once its tasks are gone.
	local deadline=$((SECONDS + 20))
	while [ -d "$D" ] && [ $SECONDS -lt $deadline ]; do
		find "$D" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$D" 2>/dev/null || sleep 0.05
	done
	case $DATA in "$WORK"/deleg.*) rm -rf "$DATA" ;; esac
}
trap cleanup EXIT

# in_delegated CMD...: CMD as the user, started inside the delegated subtree.
in_delegated() {
	sh -c 'u=$1; shift; echo $$ >"$0/cgroup.procs" && exec setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"' \
		"$D" "$AS_USER" "$@"
}

usable=$(in_delegated "$WARD" features --json 2>/dev/null | "$PY" -c '
import json, sys
f = json.load(sys.stdin)
def find(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "v2_usable":
                return v
            r = find(v)
            if r is not None:
                return r
    return None
print(find(f))')
if [ "$usable" = True ]; then
	t_ok "ward features: the delegated v2 subtree is usable unprivileged"
else
	t_fail "ward features: the delegated v2 subtree is usable unprivileged" "cgroup_v2_usable=$usable"
fi

COUNTER=$DATA/counter
in_delegated "$WARD" run -w "$DATA" --name "$TAG" -- /bin/sh -c \
	"i=0; while :; do i=\$((i+1)); echo \$i > $COUNTER.tmp; mv $COUNTER.tmp $COUNTER; done" \
	</dev/null >"$DATA/run.out" 2>&1 &
BG=$!
listed() { as_caller "$WARD" ps --json 2>/dev/null | grep -q "\"$TAG\""; }
if ! wait_for "ward ps to list $TAG" 20 listed || ! wait_for "the counter to run" 20 test -s "$COUNTER"; then
	t_fail "a sandbox starts in the delegated subtree" "$(cat "$DATA/run.out")"
	t_summary
	exit
fi
cg=$(as_caller "$WARD" ps --json | "$PY" -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("name") == sys.argv[1]:
        print(" ".join(r.get("cgroups", [])), r.get("figures_source", ""))' "$TAG")
case $cg in
"$D"/*cgroup*) t_ok "the sandbox has a cgroup of its own inside the subtree, and ward ps reads it ($cg)" ;;
*) t_fail "the sandbox has a cgroup of its own inside the subtree" "ps: $cg" ;;
esac

as_caller "$WARD" freeze "$TAG"
rc=$?
frozen_file=${cg%% *}/cgroup.events
v1=$(cat "$COUNTER")
# Frozen is the kernel's word (cgroup.events), then the counter must hold.
if [ "$rc" = 0 ] && grep -q '^frozen 1' "$frozen_file" && v2=$(cat "$COUNTER") && [ "$v1" = "$v2" ]; then
	t_ok "ward freeze freezes it (the kernel says frozen, the counter holds at $v1)"
else
	t_fail "ward freeze in a delegated cgroup" "rc=$rc, $(cat "$frozen_file" 2>&1 | tr '\n' ' '), counter $v1 -> $(cat "$COUNTER")"
fi
as_caller "$WARD" thaw "$TAG"
rc=$?
if [ "$rc" = 0 ] && wait_for "the counter to move after thaw" 20 sh -c "[ \"\$(cat $COUNTER)\" != '$v1' ]"; then
	t_ok "ward thaw resumes it"
else
	t_fail "ward thaw in a delegated cgroup" "rc=$rc"
fi
as_caller "$WARD" kill "$TAG"
rc=$?
wait "$BG"
st=$?
BG=
if [ "$rc" = 0 ] && [ "$st" = 137 ]; then
	t_ok "ward kill ends it (ward exits 137)"
else
	t_fail "ward kill in a delegated cgroup" "kill rc=$rc, ward exit $st"
fi

# Control: the same user outside the subtree has no cgroup of its own.
as_caller "$WARD" run --name "o$TAG" -- sleep 600 </dev/null >"$DATA/out.out" 2>&1 &
BG=$!
olisted() { as_caller "$WARD" ps --json 2>/dev/null | grep -q "\"o$TAG\""; }
if wait_for "ward ps to list o$TAG" 20 olisted; then
	expect_err "outside a delegated cgroup ward freeze refuses (125)" 125 'no cgroup of its own' -- freeze "o$TAG"
else
	t_fail "the control sandbox starts" "$(cat "$DATA/out.out")"
fi
t_summary
