#!/usr/bin/env bash
# test_software.sh — real software nobody here wrote, inside ward's default
# profile, each compared with a bare run as the same user: CPython's own
# regression tests (Debian's libpython3.11-testsuite), a C compile-and-run in
# HOME, a venv with an offline pip install, git, a shell in a pty (script),
# tmux. A check that fails bare on this host is skipped with that reason.
# Usage: test_software.sh WORKDIR [UID]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

# The sanitizers' leak checker would report on ward, not on the software.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
t_setup "$@"
PY=/usr/bin/python3
cd /

# bare CMD... : runs CMD as the test's user (like run_ward), in a private
# temporary HOME/TMPDIR, capturing OUT and RC.
BARE_HOME=$(mktemp -d "$WORK/bare-home.XXXXXX")
chmod 777 "$BARE_HOME"
bare() {
	local o
	o=$(mktemp)
	chmod 666 "$o"
	if [ -n "$AS_USER" ]; then
		HOME=$BARE_HOME TMPDIR=$BARE_HOME setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$@" >"$o" 2>&1 </dev/null
	else
		HOME=$BARE_HOME TMPDIR=$BARE_HOME "$@" >"$o" 2>&1 </dev/null
	fi
	RC=$?
	OUT=$(cat "$o")
	rm -f "$o"
}

# inside NAME SCRIPT : runs /bin/sh -c SCRIPT in the default profile; passes
# when it exits 0 (bare run first: SCRIPT must pass bare, else a skip).
inside() {
	local name=$1 script=$2
	bare /bin/sh -c "$script"
	if [ "$RC" != 0 ]; then
		t_skip "$name" "fails bare on this host (exit $RC): $(printf '%s' "$OUT" | tail -2 | tr '\n' ' ')"
		return
	fi
	run_ward run -- /bin/sh -c "$script"
	if [ "$RC" = 0 ]; then t_ok "$name"; else
		t_fail "$name" "exit $RC inside, 0 bare" "$(printf '%s\n%s' "$OUT" "$ERR" | tail -8)"
	fi
}

# ---- CPython's regression tests ----
if [ -d /usr/lib/python3.11/test/support ] && [ -e /usr/lib/python3.11/test/test_os.py ]; then
	# Left out: tests that only run as root and change identity (chown to
	# another uid, setuid/setgid children): the program holds no
	# CAP_CHOWN/CAP_SETUID/CAP_SETGID by design, and only its ids are mapped.
	# test_socket's VSOCK tests wait forever in accept() on hosts with a
	# vsock device (this VM), bare as well.
	# test_chown_without_permission wants EPERM for chown to an unmapped uid;
	# a user namespace answers EINVAL (as under bubblewrap).
	# test_memfd_create: memfd_create is refused (ENOSYS) by design: Landlock
	# never checks exec of a memfd, so it would run code no exec rule sees.
	for mod in "test_os --ignore test_chown_with_root --ignore test_chown_without_permission --ignore test_memfd_create" \
		"test_subprocess --ignore test_group --ignore test_user" test_venv test_pty \
		test_shutil test_tempfile test_glob test_json test_re "test_socket --ignore *VSOCK*" \
		test_asyncio.test_events test_logging test_urllib2_localnet test_selectors \
		test_multiprocessing_main_handling test_concurrent_futures; do
		inside "CPython $mod passes inside as bare" \
			"cd \"\${TMPDIR:-/tmp}\" && timeout -k 10 900 $PY -m test -j1 $mod >out.log 2>&1 || { tail -15 out.log; exit 1; }"
	done
else
	t_skip "CPython regression tests" "libpython3.11-testsuite is not installed (scripts/install-deps.sh)"
fi

# ---- a C compile-and-run in HOME ----
if command -v gcc >/dev/null; then
	inside "gcc: compile and run a program in HOME" \
		'cd "$HOME" && printf "#include <stdio.h>\nint main(void){puts(\"built\");return 0;}\n" >t.c && gcc -o t t.c && ./t | grep -qx built'
else
	t_skip "gcc compile-and-run" "gcc is not installed"
fi

# ---- a venv and an offline pip install of a local package ----
if $PY -c 'import venv, ensurepip' 2>/dev/null; then
	inside "venv: create, pip install a local package offline, import it" \
		'cd "$HOME" && mkdir -p pkg/wardpkg && echo "X = 42" >pkg/wardpkg/__init__.py &&
		 printf "from setuptools import setup\nsetup(name=\"wardpkg\", version=\"1.0\", packages=[\"wardpkg\"])\n" >pkg/setup.py &&
		 '"$PY"' -m venv venv && venv/bin/pip install -q --no-index --no-build-isolation ./pkg &&
		 venv/bin/python -c "import wardpkg; assert wardpkg.X == 42"'
else
	t_skip "venv with pip" "python3-venv (ensurepip) is not installed"
fi

# ---- git ----
if command -v git >/dev/null; then
	inside "git: init, commit, log in HOME" \
		'cd "$HOME" && git init -q r && cd r && echo a >f && git add f &&
		 git -c user.name=w -c user.email=w@example.invalid commit -qm first &&
		 git log --oneline | grep -q first'
else
	t_skip "git" "git is not installed"
fi

# ---- an interactive shell in a pty ----
if command -v script >/dev/null; then
	inside "script(1): an interactive shell in a new pty" \
		'echo "echo in-pty-\$((6*7)); exit" | script -qec "/bin/sh -i" /dev/null | grep -q in-pty-42'
else
	t_skip "script(1)" "util-linux script is not installed"
fi

# ---- tmux: its server starts asynchronously, so every step is polled ----
if command -v tmux >/dev/null; then
	inside "tmux: a session starts, runs a command, its pane shows the output" \
		'S="${TMPDIR:-/tmp}/tmux.sock"; tmux -S "$S" new-session -d -x 80 -y 24 "sh -c \"echo tmux-\$((6*7)); exec sleep 60\"" || exit 1
		 i=0; until tmux -S "$S" has-session 2>/dev/null; do i=$((i+1)); [ $i -gt 400 ] && { echo "no server after 20 s"; exit 1; }; sleep 0.05; done
		 i=0; until tmux -S "$S" capture-pane -p 2>/dev/null | grep -q tmux-42; do i=$((i+1)); [ $i -gt 400 ] && { echo "pane never showed tmux-42"; tmux -S "$S" capture-pane -p; exit 1; }; sleep 0.05; done
		 tmux -S "$S" kill-server'
else
	t_skip "tmux" "tmux is not installed"
fi

rm -rf "$BARE_HOME"
t_summary
