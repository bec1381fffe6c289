#!/usr/bin/env bash
# test_learn.sh — `ward learn` against the real kernel: a command run observed
# yields a policy that loads, grants what the run used (collapsed to the
# project directory, loopback destinations apart, never / or HOME), and under
# which `ward run -p` runs the same command with zero denials; the default
# profile alone (the control) does not. Also git status in a repository.
# Usage: test_learn.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
t_setup "$@"
PY=/usr/bin/python3

D=$(mktemp -d "$WORK/learn.XXXXXX")
chmod 755 "$D"
mkdir "$D/proj" "$D/data"
echo "learned data" >"$D/proj/in.txt"
echo a >"$D/data/a.txt"
echo b >"$D/data/b.txt"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$D"
chmod -R a+rX "$D"

# A loopback server outside the sandbox: answers "pong" to every connection
# and writes its (kernel-chosen) port to a file once it listens.
$PY -c '
import socket, sys, os
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
tmp = sys.argv[1] + ".tmp"
open(tmp, "w").write(str(s.getsockname()[1])); os.rename(tmp, sys.argv[1])
while True:
    c, _ = s.accept(); c.sendall(b"pong"); c.close()
' "$D/port" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
if ! wait_for "the loopback server's port file" 20 test -s "$D/port"; then
	t_fail "loopback server started" "no port in $D/port"
	t_summary
	exit 1
fi
PORT=$(cat "$D/port")

# The program: reads a file, writes one, runs /bin/true, talks to the server.
PROG='import socket, subprocess
data = open("in.txt").read()
open("out.txt", "w").write(data)
subprocess.run(["/bin/true"], check=True)
s = socket.create_connection(("127.0.0.1", '"$PORT"'))
print("reply", s.recv(4).decode(), data.strip())'

RUN_CWD=$D/proj
run_ward learn --out "$D/p.yaml" -- $PY -c "$PROG"
if [ "$RC" = 0 ] && [ "$OUT" = "reply pong learned data" ] && [ -s "$D/p.yaml" ]; then
	t_ok "learn runs the program and writes the policy"
else
	t_fail "learn runs the program and writes the policy" "rc $RC" "stdout: $OUT" "stderr: $ERR"
fi
if printf '%s\n' "$ERR" | grep -q "observing, not enforcing"; then
	t_ok "learn says on stderr that nothing is enforced"
else
	t_fail "learn says on stderr that nothing is enforced" "stderr: $ERR"
fi
if grep -q "^  write:" "$D/p.yaml" && grep -qF "\"$D/proj\"  # the project" "$D/p.yaml"; then
	t_ok "the project directory is one write grant"
else
	t_fail "the project directory is one write grant" "$(cat "$D/p.yaml")"
fi
if grep -qF "\"tcp://127.0.0.1:$PORT\"" "$D/p.yaml" && grep -q "# loopback" "$D/p.yaml"; then
	t_ok "the loopback destination is listed as seen, apart"
else
	t_fail "the loopback destination is listed as seen, apart" "$(cat "$D/p.yaml")"
fi
if [ ! -s "$D/p.yaml" ] || grep -qE '^    - "(/|~|/tmp|/home)"$' "$D/p.yaml" ||
	grep -qF "\"$D/proj/in.txt\"" "$D/p.yaml"; then
	t_fail "no grant of /, HOME or a single project file" "$(cat "$D/p.yaml")"
else
	t_ok "no grant of /, HOME or a single project file"
fi
if grep -q "^#   /bin/true$\|^#   /usr/bin/true$" "$D/p.yaml"; then
	t_ok "the executed programs are listed"
else
	t_fail "the executed programs are listed" "$(cat "$D/p.yaml")"
fi
expect "the learned policy loads (ward check)" 0 "" -- check "$D/p.yaml"

# The replay: the same command under the learned policy, zero denials.
rm -f "$D/proj/out.txt"
EV=$D/replay.jsonl
: >"$EV"
chmod 666 "$EV"
run_ward run -p "$D/p.yaml" --events "$EV" -- $PY -c "$PROG"
t_sandbox_ids "$EV"
if [ "$RC" = 0 ] && [ "$OUT" = "reply pong learned data" ] &&
	[ "$(cat "$D/proj/out.txt" 2>/dev/null)" = "learned data" ]; then
	t_ok "ward run -p LEARNED runs the same command"
else
	t_fail "ward run -p LEARNED runs the same command" "rc $RC" "stdout: $OUT" "stderr: $ERR" "$(cat "$D/p.yaml")"
fi
if grep -q '"type":"deny"' "$EV" || printf '%s\n' "$ERR" | grep -q denial; then
	t_fail "the replay has zero denials" "$(grep '"type":"deny"' "$EV" | head -5)" "stderr: $ERR"
else
	t_ok "the replay has zero denials"
fi
# Control: the base profile alone does not let it run (the file is not in
# its world), so the learned grants are what made the difference.
run_ward run -- $PY -c "$PROG"
if [ "$RC" != 0 ] && printf '%s\n' "$ERR" | grep -q "No such file or directory: 'in.txt'"; then
	t_ok "control: without the learned grants the read fails (ENOENT)"
else
	t_fail "control: without the learned grants the read fails (ENOENT)" "rc $RC" "stdout: $OUT" "stderr: $ERR"
fi
unset RUN_CWD

# git status in a repository.
if command -v git >/dev/null; then
	R=$D/repo
	mkdir "$R"
	[ -n "$AS_USER" ] && chown "$AS_USER" "$R"
	(cd "$R" && as_caller env HOME="$R" git init -q . && echo hi >f && as_caller env HOME="$R" git add f &&
		as_caller env HOME="$R" GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t \
			GIT_COMMITTER_EMAIL=t@t git commit -qm init && echo change >>f) >/dev/null 2>&1
	[ -n "$AS_USER" ] && chown -R "$AS_USER" "$R"
	RUN_CWD=$R
	run_ward learn --out "$D/git.yaml" -- git status --short
	if [ "$RC" = 0 ] && [ "$OUT" = " M f" ]; then
		t_ok "learn: git status in a repository"
	else
		t_fail "learn: git status in a repository" "rc $RC" "stdout: $OUT" "stderr: $ERR"
	fi
	run_ward run -p "$D/git.yaml" -- git status --short
	if [ "$RC" = 0 ] && [ "$OUT" = " M f" ]; then
		t_ok "ward run -p LEARNED: git status"
	else
		t_fail "ward run -p LEARNED: git status" "rc $RC" "stdout: $OUT" "stderr: $ERR" "$(cat "$D/git.yaml")"
	fi
	unset RUN_CWD
else
	t_skip "learn: git status" "git not installed"
fi

# Files outside the project collapse to their directory: one read grant.
run_ward learn --out "$D/cat.yaml" -- /bin/cat "$D/data/a.txt" "$D/data/b.txt"
if [ "$RC" = 0 ] && [ "$(grep -c '^    - ' "$D/cat.yaml")" = 1 ] &&
	grep -A1 '^  read:' "$D/cat.yaml" | grep -qF "\"$D/data\""; then
	t_ok "two files read in one directory: one read grant of it"
else
	t_fail "two files read in one directory: one read grant of it" "rc $RC" "stderr: $ERR" "$(cat "$D/cat.yaml" 2>/dev/null)"
fi
run_ward run -p "$D/cat.yaml" -- /bin/cat "$D/data/a.txt" "$D/data/b.txt"
if [ "$RC" = 0 ] && [ "$OUT" = "a
b" ]; then
	t_ok "ward run -p LEARNED: cat reads both"
else
	t_fail "ward run -p LEARNED: cat reads both" "rc $RC" "stdout: $OUT" "stderr: $ERR"
fi
run_ward run -p "$D/cat.yaml" -- /bin/cat "$D/proj/in.txt"
if [ "$RC" != 0 ] && printf '%s\n' "$ERR" | grep -q "No such file or directory"; then
	t_ok "the learned grant is narrow: a file of another directory is not there (ENOENT)"
else
	t_fail "the learned grant is narrow: a file of another directory is not there (ENOENT)" "rc $RC" "stdout: $OUT" "stderr: $ERR"
fi

# Its own server on a port the kernel picks (bind 0), then a connection to
# it: the port differs at each run, so the loopback ephemeral range is
# written, with bind: [0]; the replay passes.
SELF='import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); print("self ok")'
run_ward learn --out "$D/self.yaml" -- $PY -c "$SELF"
if [ "$RC" = 0 ] && grep -q '^  bind: \[0\]' "$D/self.yaml" &&
	grep -qE '"tcp://127\.0\.0\.1:[0-9]+-[0-9]+"' "$D/self.yaml"; then
	t_ok "its own ephemeral server: bind [0] and the loopback ephemeral range"
else
	t_fail "its own ephemeral server: bind [0] and the loopback ephemeral range" "rc $RC" "stderr: $ERR" "$(cat "$D/self.yaml" 2>/dev/null)"
fi
run_ward run -p "$D/self.yaml" -- $PY -c "$SELF"
if [ "$RC" = 0 ] && [ "$OUT" = "self ok" ]; then
	t_ok "ward run -p LEARNED: its own ephemeral server again"
else
	t_fail "ward run -p LEARNED: its own ephemeral server again" "rc $RC" "stdout: $OUT" "stderr: $ERR"
fi

# The learned policy extends the same base: a -p file (by its absolute
# path) and a --profile, in order; it loads.
printf 'extends: default\nlimits: {pids: 300}\n' >"$D/base.yaml"
chmod 644 "$D/base.yaml"
run_ward learn --out "$D/based.yaml" -p "$D/base.yaml" --profile git -- /bin/true
if [ "$RC" = 0 ] && grep -qxF "  - \"$D/base.yaml\"" "$D/based.yaml" && grep -qxF '  - "git"' "$D/based.yaml"; then
	t_ok "the learned policy extends the learn run's base (-p FILE, --profile)"
else
	t_fail "the learned policy extends the learn run's base (-p FILE, --profile)" "rc $RC" "stderr: $ERR" "$(cat "$D/based.yaml" 2>/dev/null)"
fi

# A rule the supervisor would enforce cannot hold while it only observes.
expect_err "learn refuses a rule that needs the supervisor" 125 "learn: .*needs the supervisor" -- \
	learn --out "$D/x.yaml" --exec-deny 'git push*' -- /bin/true
if [ -e "$D/x.yaml" ]; then
	t_fail "a refused learn run writes no policy" "$D/x.yaml exists"
else
	t_ok "a refused learn run writes no policy"
fi
expect "learn --help names --out" 0 "--out FILE" -- learn --help
expect_err "learn --out without a file is an error" 125 "--out needs a file name" -- learn --out

kill $SERVER 2>/dev/null
wait $SERVER 2>/dev/null
t_summary
