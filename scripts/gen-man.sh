#!/bin/sh
# gen-man.sh WARD TEMPLATE — writes ward(1) on standard output: TEMPLATE's
# prose (docs/ward.1.in) with @SYNOPSIS@ and @OPTIONS@ replaced by what
# WARD --help and each subcommand's --help print, so that the manual page
# and --help come from the same table and cannot drift
# (tests/integration/test_man.sh checks every subcommand and flag).
set -eu
WARD=$1
TEMPLATE=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# roff: escape backslashes and dashes, protect a leading dot or quote.
ROFF_AWK='
function esc(s) {
	gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s)
	if (s ~ /^[.\047]/) s = "\\&" s
	return s
}'

# The usage lines of the top-level --help become the synopsis.
"$WARD" --help >"$TMP/main"
awk "$ROFF_AWK"'
/^usage: / { sub(/^usage: /, ""); print ".nf"; print esc($0); inuse = 1; next }
inuse && /^       ward / { sub(/^ +/, ""); print esc($0); next }
inuse { print ".fi"; exit }
' "$TMP/main" >"$TMP/synopsis"

# One section per help text: usage lines as a literal block, option lines
# ("  -p, --policy FILE   text", continued by deeper-indented lines) as
# tagged paragraphs, anything else as text.
help_to_roff() { # TITLE FILE
	awk -v title="$1" "$ROFF_AWK"'
	function flush() { if (tag != "") { print ".TP"; print ".B " esc(tag); print esc(desc) } tag = ""; desc = "" }
	BEGIN { print ".SS " esc(title) }
	/^(usage: |       ward )/ { next }
	/^[a-z]+ options \(.*\):$/ { next }
	/^exit status:/ { flush(); skip = 1; next }
	skip { next }
	/^ +(-[A-Za-z], )?--[a-z]/ || /^ +-[A-Za-z], / {
		flush(); line = $0; sub(/^ +/, "", line)
		n = match(line, /   */)
		if (n) { tag = substr(line, 1, n - 1); desc = substr(line, n); sub(/^ +/, "", desc) }
		else { tag = line; desc = "" }
		next
	}
	/^                    +[^ ]/ && tag != "" { line = $0; sub(/^ +/, "", line); desc = desc " " line; next }
	/^$/ { flush(); print ".PP"; next }
	{ flush(); line = $0; sub(/^ +/, "", line); print esc(line) }
	END { flush() }
	' "$2"
}

{
	help_to_roff "ward run (flags add to or override the policy file)" "$TMP/main"
	for sub in learn check features bpf prove ps; do
		if "$WARD" "$sub" --help >"$TMP/$sub" 2>/dev/null && [ -s "$TMP/$sub" ]; then
			help_to_roff "ward $sub" "$TMP/$sub"
		fi
	done
} >"$TMP/options"

VERSION=$("$WARD" version | sed 's/^ward //')
awk -v syn="$TMP/synopsis" -v opt="$TMP/options" -v version="$VERSION" '
{ gsub(/@VERSION@/, version) }
/^@SYNOPSIS@$/ { while ((getline l < syn) > 0) print l; next }
/^@OPTIONS@$/ { while ((getline l < opt) > 0) print l; next }
{ print }
' "$TEMPLATE"
