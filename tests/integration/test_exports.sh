#!/usr/bin/env bash
# test_exports.sh — libward.so exports exactly the functions ward.h declares:
# nothing internal (built -fvisibility=hidden with src/lib/libward.map) and
# nothing public missing. Reads the library next to the CLI's build (BUILD
# from WORKDIR's ward is not enough: the .so is not copied), so it looks in
# the tree's build/ and build/san/. Usage: test_exports.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
AS_USER=${2:-}
if [ -n "$AS_USER" ]; then T_PREFIX="[uid $AS_USER] "; else T_PREFIX="[root] "; fi
ROOT=$(cd "$HERE/../.." && pwd)

public=$(sed -n 's/^[a-z].*[ *]\(ward_[a-z0-9_]*\)(.*/\1/p' "$ROOT/include/ward.h" | sort -u)
if [ -z "$public" ]; then
	t_fail "ward.h declares public functions" "none found in $ROOT/include/ward.h"
fi
checked=0
for so in "$ROOT/build/libward.so" "$ROOT/build/san/libward.so"; do
	[ -f "$so" ] || continue
	checked=$((checked + 1))
	name=${so#"$ROOT"/}
	exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TtWi]$/ {sub(/@.*/, "", $3); print $3}' | sort -u)
	extra=$(comm -13 <(printf '%s\n' "$public") <(printf '%s\n' "$exported") | grep -v '^$')
	missing=$(comm -23 <(printf '%s\n' "$public") <(printf '%s\n' "$exported") | grep -v '^$')
	if [ -z "$extra" ]; then
		t_ok "$name exports nothing but ward.h's functions"
	else
		t_fail "$name exports internal symbols" $extra
	fi
	if [ -z "$missing" ]; then
		t_ok "$name exports every function of ward.h ($(printf '%s\n' "$public" | wc -l))"
	else
		t_fail "$name misses public functions (add a prefix to src/lib/libward.map?)" $missing
	fi
	# Internal helpers stay reachable by the static archive, hidden here.
	if nm -D --defined-only "$so" | grep -qw ward_fail; then
		t_fail "$name hides ward_fail (internal)"
	else
		t_ok "$name hides internal helpers (ward_fail)"
	fi
done
[ "$checked" -gt 0 ] || t_skip "libward.so exports" "no build/libward.so or build/san/libward.so in $ROOT (run make first)"
t_summary
