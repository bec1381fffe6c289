#!/usr/bin/env bash
# test_globs.sh — globs in fs rules against the real kernel: the paths that
# match at start are denied (or made read-only) like any path, with the real
# errno and a control that succeeds; a name created later is not, which
# --explain says and enforce mode refuses unless allowed; bad globs name the
# character at fault. Usage: test_globs.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"

D=$(mktemp -d "$WORK/globs.XXXXXX")
P=$D/p
mkdir -p "$P/sub" "$P/secrets"
echo key >"$P/a.pem"
echo key >"$P/sub/b.pem"
echo env >"$P/sub/.env"
echo fine >"$P/ok.txt"
echo fine >"$P/sub/notes.md"
echo s >"$P/secrets/token"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$D"
chmod -R a+rX "$D"
chmod 755 "$D"

# check NAME WANT_RC STDERR_PATTERN STDOUT_PATTERN -- ward args
check() {
	local name=$1 want_rc=$2 err_pat=$3 out_pat=$4
	shift 4
	[ "$1" = -- ] && shift
	run_ward "$@"
	if [ "$RC" = "$want_rc" ] && printf '%s\n' "$ERR" | grep -Eq -- "$err_pat" &&
		printf '%s\n' "$OUT" | grep -Eq -- "$out_pat"; then
		t_ok "$name"
	else
		t_fail "$name" "rc $RC (wanted $want_rc)" "stdout: $OUT" "stderr: $ERR"
	fi
}

DEG=(--allow-degraded bpf-lsm)
# Denials of the matches that exist at start: EACCES, at any depth.
check "a *.pem match at the top is denied (EACCES)" 1 "a.pem: Permission denied" "" -- \
	run -w "$P" --fs-deny "$P/**/*.pem" "${DEG[@]}" -- /bin/cat "$P/a.pem"
check "a *.pem match in a subdirectory is denied (EACCES)" 1 "b.pem: Permission denied" "" -- \
	run -w "$P" --fs-deny "$P/**/*.pem" "${DEG[@]}" -- /bin/cat "$P/sub/b.pem"
check "control: a file the glob does not match is read" 0 "" "^fine$" -- \
	run -w "$P" --fs-deny "$P/**/*.pem" "${DEG[@]}" -- /bin/cat "$P/ok.txt"
check "secrets/* denies the directory's entries (EACCES)" 1 "token: Permission denied" "" -- \
	run -w "$P" --fs-deny "$P/secrets/*" "${DEG[@]}" -- /bin/cat "$P/secrets/token"

# Names created later: not denied. Enforce mode refuses unless allowed, and
# says why; the plan says so too.
check "enforce mode refuses a glob denial no layer holds for later names" 125 \
	"created after the start is NOT denied.*--allow-degraded bpf-lsm" "" -- \
	run -w "$P" --fs-deny "$P/**/*.pem" -- /bin/true
check "--dry-run says what the glob holds and what it does not" 125 "" \
	"fs deny $P/\*\*/\*\.pem: 2 matching now" -- run -w "$P" --fs-deny "$P/**/*.pem" --dry-run
check "a name created during the run is not denied, as the plan says" 0 "" "^late$" -- \
	run -w "$P" --fs-deny "$P/**/*.pem" "${DEG[@]}" -- /bin/sh -c "echo late >'$P/late.pem'; cat '$P/late.pem'"
rm -f "$P/late.pem"

# In a file: an unanchored glob applies beneath the policy's own grants, and
# read globs make the matches read-only inside a write grant.
cat >"$D/g.yaml" <<EOF
extends: default
allow_degraded: [bpf-lsm]
fs:
  write: ["$P"]
  deny: ["**/.env"]
  read: ["$P/**/*.md"]
EOF
chmod 644 "$D/g.yaml"
check "**/.env in a file denies .env beneath the grants (EACCES)" 1 ".env: Permission denied" "" -- \
	run -p "$D/g.yaml" -- /bin/cat "$P/sub/.env"
check "a read glob match is read-only inside a write grant (EROFS)" 2 "Read-only file system" "" -- \
	run -p "$D/g.yaml" -- /bin/sh -c "echo x >>'$P/sub/notes.md'"
check "control: the match stays readable" 0 "" "^fine$" -- run -p "$D/g.yaml" -- /bin/cat "$P/sub/notes.md"
check "control: a file no glob matches stays writable" 0 "" "" -- \
	run -p "$D/g.yaml" -- /bin/sh -c "echo more >>'$P/ok.txt'"

# Bad globs: one line, exit 125, the character at fault and the fix.
expect_err "an unclosed [ is named by its character" 125 "glob '$P/\[ab', character $((${#P} + 2)): '\[' is never closed" -- \
	run --fs-deny "$P/[ab" -- /bin/true
expect_err "** inside a component is named by its character" 125 "character $((${#P} + 3)): '\*\*' must be a whole component" -- \
	run --fs-deny "$P/a**/x" -- /bin/true
printf 'fs:\n  write: ["%s/*"]\n' "$P" >"$D/bad.yaml"
chmod 644 "$D/bad.yaml"
expect_err "a glob in fs.write is refused at its file position" 125 "bad.yaml:2:11: fs.write\[0\]: glob .*globs are for fs.deny and fs.read" -- \
	check "$D/bad.yaml"
t_summary
