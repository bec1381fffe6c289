#!/usr/bin/env bash
# test_usability.sh — policies people can write (issue 11): errors that name
# the missing grant or the rule, "did you mean", ~ and $VAR in paths,
# denials of paths that do not exist yet, toolchains under HOME in the
# default profile, secret-looking variables kept out of the sandbox.
# Usage: test_usability.sh WORKDIR [UID]   (WORKDIR holds bin/ward, bin/probe)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
G=(-x "$BIN")

# Everything lives under a directory this test made; HOME for ward is a
# fake one inside it (never the caller's real home).
DATA=$(mktemp -d "$WORK/usable.XXXXXX")
chmod 755 "$DATA"
TH=$DATA/home
mkdir -p "$TH/.pyenv/shims" "$TH/notes" "$DATA/bin" "$DATA/interp" "$DATA/rw"
printf '#!/bin/sh\nexec /usr/bin/python3 "$@"\n' >"$TH/.pyenv/shims/python3"
chmod 755 "$TH/.pyenv/shims/python3"
echo note >"$TH/notes/a.txt"
printf '#!%s/interp/sh\necho script ran\n' "$DATA" >"$DATA/bin/script"
chmod 755 "$DATA/bin/script"
cp /bin/sh "$DATA/interp/sh"
echo keep >"$DATA/rw/existing"
chmod -R a+rX "$DATA"
chmod 777 "$DATA/rw"
chmod 666 "$DATA/rw/existing"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$DATA/rw" "$TH"

# ---- the README's first command, with python3 a shim under HOME ----
HOME=$TH PATH=$TH/.pyenv/shims:/usr/bin:/bin \
	expect "python3 shim under HOME runs in the default profile" 0 '^hello from the sandbox$' -- \
	run -- python3 -c 'print("hello from the sandbox")'
HOME=$TH PATH=$TH/.pyenv/shims:/usr/bin:/bin \
	expect "--explain lists the toolchain grant with the expanded path" 0 '' -- \
	run --explain -- true
if printf '%s\n' "$ERR" | grep -Fq "fs read+exec $TH/.pyenv (if present)"; then
	t_ok "--explain names $TH/.pyenv"
else
	t_fail "--explain names the toolchain grant" "stderr: $(printf '%s\n' "$ERR" | grep pyenv)"
fi
HOME=$TH PATH=$TH/.pyenv/shims:/usr/bin:/bin \
	expect_err "a shim outside every exec grant names the grant to add (126)" 126 \
	"cannot execute ~/.pyenv/shims/python3: not inside any exec grant \(add -x ~/.pyenv, or see ward check --explain\)" -- \
	run --profile minimal -- python3 -c 1
HOME=$TH PATH=$TH/.pyenv/shims:/usr/bin:/bin \
	expect "control: the same with -x ~/.pyenv runs" 0 '^ok$' -- \
	run --profile minimal -x '~/.pyenv' -- python3 -c 'print("ok")'

# ---- exec failures name their cause ----
expect_err "a script whose interpreter is not granted names the interpreter" 126 \
	"cannot execute $DATA/bin/script: its interpreter $DATA/interp/sh is not inside any exec grant \(add -x $DATA/interp" -- \
	run -x "$DATA/bin" -- "$DATA/bin/script"
expect "control: the script runs once its interpreter is granted" 0 '^script ran$' -- \
	run -x "$DATA/bin" -x "$DATA/interp" -- "$DATA/bin/script"
expect_err "an argv rule that blocks the command is named with its origin" 126 \
	"cannot execute /usr/bin/python3: denied by the exec rule 'python3 -c\*' \(--exec-deny" -- \
	run --exec-deny 'python3 -c*' -- /usr/bin/python3 -c 1
expect "control: the argv rule lets other arguments through" 0 '^Python 3' -- \
	run --exec-deny 'python3 -c*' -- /usr/bin/python3 -V
printf 'exec:\n  deny:\n    - argv: ["python3", "-c*"]\n' >"$DATA/argv.yaml"
chmod 644 "$DATA/argv.yaml"
expect_err "an argv rule from a file is named by file:line:col" 126 \
	"denied by the exec rule 'python3 -c\*' \($DATA/argv.yaml:3:" -- \
	run -p "$DATA/argv.yaml" -- /usr/bin/python3 -c 1
expect_err "a path denial of the command is named" 126 \
	"cannot execute /usr/bin/id: denied by 'exec deny /usr/bin/id' \(--exec-deny\)" -- \
	run --exec-deny /usr/bin/id -- /usr/bin/id
expect_err "a missing command is 127" 127 "ward-no-such-command: command not found" -- \
	run -- ward-no-such-command

# ---- did you mean ----
expect_err "a mistyped flag suggests the flag" 125 \
	"unknown option '--net-alow'; did you mean '--net-allow'\?" -- \
	run --net-alow 127.0.0.1:80 -- true
printf 'netwrok:\n  allow: []\n' >"$DATA/typo.yaml"
chmod 644 "$DATA/typo.yaml"
expect_err "a mistyped YAML key suggests the key" 125 \
	"typo.yaml:1:1: unknown key 'netwrok'; did you mean 'net'\?" -- check "$DATA/typo.yaml"

# ---- paths people write ----
HOME=$TH expect "-r '~/notes' reads under HOME" 0 '^OK$' -- \
	run "${G[@]}" -r '~/notes' -- "$PROBE" read "$TH/notes/a.txt"
HOME=$TH expect "control: without the grant the read is EACCES (ENOENT outside the own root)" 1 '^(EACCES|ENOENT)$' -- \
	run "${G[@]}" -- "$PROBE" read "$TH/notes/a.txt"
printf 'fs:\n  read:\n    - $HOME/notes\n    - ${HOME}/.pyenv\n' >"$DATA/home.yaml"
chmod 644 "$DATA/home.yaml"
HOME=$TH expect "\$HOME and \${HOME} in a policy file" 0 '^OK$' -- \
	run "${G[@]}" -p "$DATA/home.yaml" --profile default -- "$PROBE" read "$TH/notes/a.txt"
expect_err "an unset variable in a path is an error naming it" 125 \
	"path '\\\$WARD_TEST_UNSET/x': \\\$WARD_TEST_UNSET is not set" -- \
	run -r '$WARD_TEST_UNSET/x' -- true

# ---- a denial of a path that does not exist yet ----
# On the host's tree (--share-mount) a Landlock hole holds it. The test's
# directory lies under /tmp, which the sandbox's own root makes a private
# tmpfs where a hole holds nothing: there it is refused, not claimed.
SM=--share-mount
expect "a denied path that does not exist cannot be created" 1 '^EACCES$' -- \
	run "${G[@]}" $SM -w "$DATA/rw" --fs-deny "$DATA/rw/.aws" -- "$PROBE" mkdir "$DATA/rw/.aws"
if [ -e "$DATA/rw/.aws" ]; then t_fail "the denied path stayed absent" "$DATA/rw/.aws exists"; else t_ok "the denied path stayed absent"; fi
expect "control: the rest of the grant stays writable" 0 '^OK$' -- \
	run "${G[@]}" $SM -w "$DATA/rw" --fs-deny "$DATA/rw/.aws" -- "$PROBE" write "$DATA/rw/existing"
expect "--explain says the absent denial holds once created" 0 '' -- \
	run $SM -w "$DATA/rw" --fs-deny "$DATA/rw/.aws" --explain -- true
if printf '%s\n' "$ERR" | grep -Eq "fs deny $DATA/rw/.aws +landlock +enforced +hole in the grant; absent now, denied if created"; then
	t_ok "--explain: absent denial is a Landlock hole"
else
	t_fail "--explain: absent denial is a Landlock hole" "$(printf '%s\n' "$ERR" | grep 'fs deny')"
fi
case $DATA in
/tmp/* | /var/tmp/*)
	expect_err "under the sandbox's private /tmp an absent denial is refused (125)" 125 \
		"does not exist yet and lies under the sandbox's private tmpfs" -- \
		run -w "$DATA/rw" --fs-deny "$DATA/rw/.aws" -- true
	if [ -e "$DATA/rw/.aws" ]; then t_fail "refused: nothing created" "$DATA/rw/.aws exists"; else t_ok "refused: nothing created"; fi
	;;
*) t_skip "an absent denial under the private /tmp" "the test directory $DATA is not under /tmp" ;;
esac

# ---- secrets stay out of the environment ----
GITHUB_TOKEN=ghp_should_not_leak AWS_SECRET_ACCESS_KEY=aws_should_not_leak KEYBOARD=kb \
	expect "the default profile drops secret-looking variables" 0 '' -- run -- /usr/bin/env
if printf '%s\n' "$OUT" | grep -Eq 'GITHUB_TOKEN|AWS_SECRET_ACCESS_KEY|should_not_leak'; then
	t_fail "no secret reached the sandbox" "$(printf '%s\n' "$OUT" | grep -E 'TOKEN|SECRET')"
else
	t_ok "no secret reached the sandbox"
fi
if printf '%s\n' "$OUT" | grep -q '^KEYBOARD=kb$'; then t_ok "control: KEYBOARD passes"; else t_fail "control: KEYBOARD passes" "env: $OUT"; fi
GITHUB_TOKEN=ghp_kept expect "--pass-env keeps one" 0 '^GITHUB_TOKEN=ghp_kept$' -- \
	run --pass-env GITHUB_TOKEN -- /usr/bin/env
printf 'extends: default\nenv:\n  pass: [GITHUB_TOKEN]\n' >"$DATA/pass.yaml"
chmod 644 "$DATA/pass.yaml"
GITHUB_TOKEN=ghp_kept expect "env.pass in a policy file keeps one" 0 '^GITHUB_TOKEN=ghp_kept$' -- \
	run -p "$DATA/pass.yaml" -- /usr/bin/env
GITHUB_TOKEN=ghp_should_not_leak expect "--explain names dropped variables, never values" 0 '' -- \
	run --explain -- true
if printf '%s\n' "$ERR" | grep -q 'env: drop secret-looking variables.*GITHUB_TOKEN' &&
	! printf '%s\n' "$ERR" | grep -q 'ghp_should_not_leak'; then
	t_ok "--explain lists GITHUB_TOKEN without its value"
else
	t_fail "--explain lists GITHUB_TOKEN without its value" "$(printf '%s\n' "$ERR" | grep -E 'env:|ghp')"
fi

# ---- host names ----
# localhost is in every /etc/hosts: resolving it needs no network. Port 1
# has no listener, so an allowed connect is refused by the peer, not ward.
expect "--net-allow localhost:1 allows its address" 1 '^ECONNREFUSED$' -- \
	run "${G[@]}" --net-allow localhost:1 -- "$PROBE" connect 127.0.0.1 1
expect "control: another port of the same host stays denied" 1 '^EACCES$' -- \
	run "${G[@]}" --net-allow localhost:1 -- "$PROBE" connect 127.0.0.1 2
expect "--explain shows the name, its address and that it is resolved once" 0 '' -- \
	run --net-allow 'tcp://localhost:1' --explain -- true
if printf '%s\n' "$ERR" | grep -q 'net allow tcp://localhost:1 = 127.0.0.1' &&
	printf '%s\n' "$ERR" | grep -q 'host names resolved at start'; then
	t_ok "--explain: host rule and its pinned address"
else
	t_fail "--explain: host rule and its pinned address" "$(printf '%s\n' "$ERR" | grep net)"
fi
expect_err "a host name that does not resolve is one line and 125" 125 \
	"--net-allow: cannot resolve host 'ward-test.invalid'" -- \
	run --net-allow ward-test.invalid:443 -- true
expect_err "a denial by host name is refused with the reason" 125 \
	"a denial names host 'localhost'" -- run --net-deny localhost:1 -- true

# ---- servers: --net-bind 0 is an ephemeral port ----
BINDPY='import socket,sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    print("bound" if s.getsockname()[1] > 0 else "no port")
except OSError as e:
    print("errno", e.errno)'
expect "--net-bind 0 binds an ephemeral port" 0 '^bound$' -- \
	run --net-bind 0 -- /usr/bin/python3 -c "$BINDPY" 0
expect "control: --net-bind 0 does not open a fixed port (EACCES)" 0 '^errno 13$' -- \
	run --share-net --net-bind 0 -- /usr/bin/python3 -c "$BINDPY" 8765
expect "control: a bind rule alone opens no TCP connect (EACCES)" 1 '^EACCES$' -- \
	run "${G[@]}" --share-net --net-bind 0 -- "$PROBE" connect 127.0.0.1 1
WALKPY='import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
    print("mptcp open")
except OSError as e:
    print("mptcp", e.errno)
try:
    socket.socket().sendto(b"x", 0x20000000, ("127.0.0.1", 1))
    print("tfo open")
except OSError as e:
    print("tfo", e.errno)'
expect "a bind rule alone: MPTCP and TCP Fast Open cannot walk around Landlock (EACCES)" 0 \
	'^tfo 13$' -- run --share-net --net-bind 0 -- /usr/bin/python3 -c "$WALKPY"
if printf '%s\n' "$OUT" | grep -q '^mptcp 13$'; then t_ok "a bind rule alone: MPTCP socket is EACCES"; else t_fail "a bind rule alone: MPTCP socket is EACCES" "stdout: $OUT"; fi

# ---- denials and kills you can see ----
expect_err "a timeout kill says so on stderr" 137 "^ward: killed: timeout 1s reached$" -- \
	run --timeout 1s -- /bin/sleep 30
if [ -z "$AS_USER" ]; then
	expect_err "a memory kill says so on stderr" 137 "^ward: killed: memory limit 32M reached$" -- \
		run "${G[@]}" --memory 32M -- "$BIN/membomb"
else
	t_skip "a memory kill says so on stderr" "as uid $AS_USER the limit is an rlimit (allocation fails, nothing is killed)"
fi
expect_err "denials the supervisor saw are summed up at exit" 0 \
	"^ward: 1 denial \(exec 1\); (--events FILE for details|details in /.*)$" -- \
	run --exec-deny 'id -u' -- /bin/sh -c '/usr/bin/id -u 2>/dev/null; true'
expect "control: no denial, no summary line" 0 '' -- run -- /bin/sh -c '/usr/bin/id -u >/dev/null'
if [ -z "$ERR" ]; then t_ok "control: stderr is empty without denials"; else t_fail "control: stderr is empty without denials" "stderr: $ERR"; fi

# ---- every subcommand has --help; check and run --dry-run plan without running ----
for sub in run check features bpf; do
	expect "ward $sub --help is usage on stdout, exit 0" 0 "^usage: ward" -- $sub --help
done
printf 'fs:\n  read: [/usr]\n' >"$DATA/ok.yaml"
chmod 644 "$DATA/ok.yaml"
expect "ward check --json prints the plan as JSON" 0 '^\[\{"rule":.*\{"rule":"fs: deny everything not granted"' -- \
	check "$DATA/ok.yaml" --json
expect "ward run --dry-run plans the flags and runs nothing" 0 \
	'limit timeout 10m( per sandbox)? +monitor +enforced' -- \
	run --timeout 10m --memory 512M --allow-degraded limits --dry-run -- /bin/sh -c "touch $DATA/rw/dry-ran"
if [ -e "$DATA/rw/dry-ran" ]; then t_fail "--dry-run ran nothing" "the command ran"; else t_ok "--dry-run ran nothing"; fi
if printf '%s\n' "$OUT" | grep -Eq 'limit memory 512M'; then t_ok "--dry-run: memory in human units"; else t_fail "--dry-run: memory in human units" "$(printf '%s\n' "$OUT" | grep limit)"; fi
expect_err "--dry-run of a refused policy is 125" 125 "conflicts with" -- \
	run --fs-deny /usr --dry-run
expect "events do not escape '/'" 0 '"argv":\["/bin/true"\]' -- run --events /dev/stdout -- /bin/true

# ---- the README's agent example (examples/agent.yaml) ----
# api.example.com may not resolve here (no DNS in CI): the same file with
# localhost, which every /etc/hosts has.
mkdir -p "$TH/project" "$TH/.ssh"
echo key >"$TH/.ssh/id_ed25519"
chmod -R a+rX "$TH"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$TH/project"
sed 's/api\.example\.com:443/localhost:1/' "$HERE/../../examples/agent.yaml" >"$DATA/agent.yaml"
chmod 644 "$DATA/agent.yaml"
HOME=$TH expect "agent example: writes in ~/project" 0 '^OK$' -- \
	run -p "$DATA/agent.yaml" "${G[@]}" -- "$PROBE" write "$TH/project/out"
HOME=$TH expect "agent example: reaches its API host" 1 '^ECONNREFUSED$' -- \
	run -p "$DATA/agent.yaml" "${G[@]}" -- "$PROBE" connect 127.0.0.1 1
HOME=$TH expect "agent example: never reads ~/.ssh (EACCES, or ENOENT: not in the own root)" 1 '^(EACCES|ENOENT)$' -- \
	run -p "$DATA/agent.yaml" "${G[@]}" -- "$PROBE" read "$TH/.ssh/id_ed25519"
HOME=$TH expect "agent example: no other host (EACCES)" 1 '^EACCES$' -- \
	run -p "$DATA/agent.yaml" "${G[@]}" -- "$PROBE" connect 127.0.0.1 2

# ---- toolchain profiles: each runs its tool when the tool is installed ----
# runnable_outside CMD...: the tool works for this user without ward (else a
# test of the profile would prove nothing about ward).
runnable_outside() {
	if [ -n "$AS_USER" ]; then
		setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$@" >/dev/null 2>&1 </dev/null
	else
		"$@" >/dev/null 2>&1 </dev/null
	fi
}
profile_case() { # PROFILE NAME PATTERN TOOL -- CMD...
	local profile=$1 name=$2 pattern=$3 tool=$4
	shift 5
	if ! runnable_outside "$tool" --version; then
		t_skip "profile $profile: $name" "'$tool' is not installed or not runnable by this user outside ward"
		return
	fi
	expect "profile $profile: $name" 0 "$pattern" -- \
		run --profile "$profile" -w "$DATA/rw" -x "$DATA/rw" -- "$@"
}
printf 'fn main() { println!("rust ok"); }\n' >"$DATA/rw/hello.rs"
printf 'package main\nimport "fmt"\nfunc main() { fmt.Println("go ok") }\n' >"$DATA/rw/hello.go"
chmod 666 "$DATA/rw/hello.rs" "$DATA/rw/hello.go"
profile_case python "python3 runs a script" '^py ok$' python3 -- python3 -c 'print("py ok")'
profile_case node "node evaluates" '^node ok$' node -- node -e 'console.log("node ok")'
profile_case git "git init, commit and log in a granted directory" '^1$' git -- \
	/bin/sh -c "cd $DATA/rw && git init -q repo && cd repo && git -c user.email=w@example.invalid -c user.name=w commit -q --allow-empty -m x && git log --oneline | wc -l"
profile_case rust "cargo finds its toolchain" '^cargo [0-9]' cargo -- cargo --version
profile_case rust "rustc compiles and the program runs" '^rust ok$' rustc -- \
	/bin/sh -c "cd $DATA/rw && rustc -o hello-rs hello.rs && ./hello-rs"
profile_case go "go builds and runs" '^go ok$' go -- /bin/sh -c "cd $DATA/rw && go run hello.go"

expect "ward features says whether Landlock audit records are logged" 0 \
	'^landlock audit +(yes|no|unknown): ' -- features

# ---- bash completion ----
got=$(bash -c '. "$1"; COMP_WORDS=(ward run --net-a); COMP_CWORD=2; _ward; printf "%s\n" "${COMPREPLY[@]}"' _ \
	"$HERE/../../scripts/ward.bash-completion" 2>&1)
if [ "$got" = "--net-allow" ]; then t_ok "bash completion completes --net-a"; else t_fail "bash completion completes --net-a" "got: $got"; fi

# Remove only what this test made.
case $DATA in "$WORK"/usable.*) rm -rf "$DATA" ;; esac
t_summary
