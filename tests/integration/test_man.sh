#!/usr/bin/env bash
# test_man.sh — ward(1) is generated from --help (scripts/gen-man.sh, as
# `make man` does): every subcommand and every flag that `ward --help` and
# the subcommands' --help print appears in it, and groff reads it without a
# warning. Usage: test_man.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
ROOT=$(cd "$HERE/../.." && pwd)
MAN=$(mktemp "$WORK/ward.1.XXXXXX")
chmod 644 "$MAN"

if as_caller "$ROOT/scripts/gen-man.sh" "$WARD" "$ROOT/docs/ward.1.in" >"$MAN" && [ -s "$MAN" ]; then
	t_ok "gen-man.sh writes the page from ward --help"
else
	t_fail "gen-man.sh writes the page from ward --help" "$(head -5 "$MAN")"
fi
if grep -q '@SYNOPSIS@\|@OPTIONS@\|@VERSION@' "$MAN"; then
	t_fail "no placeholder is left" "$(grep -n '@[A-Z]*@' "$MAN")"
else
	t_ok "no placeholder is left"
fi

# roff spells "-" as "\-": look for the flag as roff writes it.
roff() { printf '%s' "$1" | sed 's/-/\\-/g'; }
HELP=$("$WARD" --help)
for sub in learn check features bpf prove ps; do
	HELP+=$'\n'$("$WARD" "$sub" --help 2>/dev/null)
done
missing=""
for flag in $(printf '%s\n' "$HELP" | grep -oE -- '(^|[ [|,])--?[a-z][a-z0-9-]*' | sed 's/^[ [|,]//' | sort -u); do
	grep -qF -- "$(roff "$flag")" "$MAN" || missing+=" $flag"
done
if [ -z "$missing" ]; then
	t_ok "every flag of --help is in the page ($(printf '%s\n' "$HELP" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | wc -l) long flags)"
else
	t_fail "every flag of --help is in the page" "missing:$missing"
fi
missing=""
for sub in $(printf '%s\n' "$HELP" | sed -n 's/^\(usage: \| *\)ward \([a-z|]*\).*/\2/p' | tr '|' '\n' | sort -u); do
	grep -qE "ward $(roff "$sub")([ |]|$)|[|]$(roff "$sub")([| ]|$)" "$MAN" || missing+=" $sub"
done
if [ -z "$missing" ]; then
	t_ok "every subcommand of --help is in the page"
else
	t_fail "every subcommand of --help is in the page" "missing:$missing"
fi
if grep -q '^\.SS ward learn' "$MAN"; then
	t_ok "ward learn has its own options section"
else
	t_fail "ward learn has its own options section" "$(grep -n '^\.SS' "$MAN")"
fi
if command -v groff >/dev/null; then
	warnings=$(groff -man -Tutf8 -z -wall "$MAN" 2>&1)
	if [ -z "$warnings" ]; then
		t_ok "groff reads the page without a warning"
	else
		t_fail "groff reads the page without a warning" "$warnings"
	fi
else
	t_skip "groff reads the page without a warning" "groff not installed"
fi
rm -f "$MAN"
t_summary
