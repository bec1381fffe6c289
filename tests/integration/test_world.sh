#!/usr/bin/env bash
# test_world.sh — the sandbox's own world (issue 8) against the real kernel:
# namespaces by default, no capabilities, a root of only the grants, its own
# /proc, /dev, devpts and tmpfs mounts, lo inside, stdio reopened by path.
# Every deny runs the real program and checks the real errno, with a control.
# Usage: test_world.sh WORKDIR [UID]   (WORKDIR holds bin/ward, bin/world_probe)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

t_setup "$@"
WP=$BIN/world_probe
G=(-x "$BIN")
# The world's tests start in a directory the sandbox has (no cwd warning).
cd /

DATA=$(mktemp -d "$WORK/world.XXXXXX")
chmod 755 "$DATA"
echo secret >"$DATA/secret"
chmod 644 "$DATA/secret"
mkdir "$DATA/rw" "$DATA/ro"
echo x >"$DATA/ro/file"
echo x >"$DATA/rw/file"
chmod 777 "$DATA/rw"
chmod 666 "$DATA/rw/file"
[ -n "$AS_USER" ] && chown -R "$AS_USER" "$DATA/rw"
chmod -R a+rX "$DATA"

# wait_until TEST-COMMAND... : polls (bounded, 20 s) until it succeeds.
wait_until() {
	local deadline=$((SECONDS + 20))
	until "$@" 2>/dev/null; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}

# ---- namespaces, and --explain naming each ----
run_ward run --explain -- /bin/true
for ns in user mount pid ipc uts cgroup net; do
	if printf '%s\n' "$ERR$OUT" | grep -Eq "namespace $ns +namespaces +enforced"; then
		t_ok "--explain: namespace $ns enforced"
	else
		t_fail "--explain: namespace $ns" "$(printf '%s\n' "$ERR$OUT" | grep -i namespace)"
	fi
done
for rule in "unix sockets outside grants: unreachable" "file metadata outside write grants: EROFS" \
	"capabilities: none" "net: no IPv4/IPv6 network +namespaces"; do
	if printf '%s\n' "$ERR$OUT" | grep -Eq "$rule"; then t_ok "--explain: $rule"; else t_fail "--explain: $rule" "$ERR"; fi
done
run_ward run --net-allow 'tcp://*:443' --explain -- /bin/true
if ! printf '%s\n' "$ERR$OUT" | grep -q "namespace net"; then
	t_ok "a policy that allows network keeps the host's network namespace"
else
	t_fail "network policy keeps host netns" "$ERR"
fi
expect "namespaces: own user namespace (uid_map maps the caller to itself)" 0 "^ +$(id -u "${AS_USER:-0}") +$(id -u "${AS_USER:-0}") +1$" -- \
	run -- /bin/cat /proc/self/uid_map
host_uts=$(readlink /proc/self/ns/uts)
expect "namespaces: own uts namespace" 0 '^OK$' -- \
	run -- /bin/sh -c "test \"\$(readlink /proc/self/ns/uts)\" != '$host_uts' && echo OK"

# ---- no capabilities ----
expect "capabilities: every set is empty" 0 '^5$' -- \
	run -- /bin/sh -c 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):[[:space:]]+0+$" /proc/self/status | wc -l'
expect "capabilities: no_new_privs is set" 0 '^NoNewPrivs:[[:space:]]+1$' -- \
	run -- /bin/grep NoNewPrivs /proc/self/status
host_name=$(hostname)
expect "capabilities: sethostname is EPERM" 1 '^EPERM$' -- run "${G[@]}" -- "$WP" sethostname
expect "capabilities: sethostname with --share-uts is EPERM (host's hostname)" 1 '^EPERM$' -- \
	run "${G[@]}" --share-uts -- "$WP" sethostname
if [ "$(hostname)" = "$host_name" ]; then t_ok "the host's hostname is unchanged"; else t_fail "hostname changed" "$(hostname)"; fi
expect "capabilities: clock_settime is EPERM" 1 '^EPERM$' -- run "${G[@]}" -- "$WP" clock_settime
expect "capabilities: configuring the host's lo (SIOCSIFMTU) is EPERM" 1 '^EPERM$' -- \
	run "${G[@]}" --share-net -- "$WP" lo-mtu
expect "capabilities: mknod of a char device in /tmp is refused (seccomp EPERM, or Landlock EACCES)" 1 '^(EACCES|EPERM)$' -- \
	run "${G[@]}" -- "$WP" mknod-char /tmp/kmsg
expect "write grants carry no MAKE_CHAR (host namespaces): refused" 1 '^(EACCES|EPERM)$' -- \
	run "${G[@]}" --share-all -w "$DATA/rw" -- "$WP" mknod-char "$DATA/rw/kmsg"
expect "capabilities: fanotify_init is EPERM" 1 '^EPERM$' -- run "${G[@]}" -- "$WP" fanotify
expect "capabilities: iopl is EPERM" 1 '^EPERM$' -- run "${G[@]}" -- "$WP" iopl
expect "capabilities: ioperm is EPERM" 1 '^EPERM$' -- run "${G[@]}" -- "$WP" ioperm
expect "capabilities: FIFREEZE of /tmp is EPERM" 1 '^EPERM$' -- run "${G[@]}" -- "$WP" fifreeze /tmp
if [ -z "$AS_USER" ]; then
	# Controls, bare as root: the same calls succeed (none changes the host).
	ctl=$(mktemp -d "$WORK/ctl.XXXXXX")
	for op in fanotify iopl ioperm "mknod-char $ctl/kmsg"; do
		res=$("$WP" $op)
		if [ "$res" = OK ]; then t_ok "control: bare root $op succeeds"
		elif [ "$res" = ENOSYS ]; then t_skip "control: bare root $op" "this kernel has no ${op%% *} (ENOSYS bare)"
		else t_fail "control: bare $op" "$res"; fi
	done
	rm -f "$ctl/kmsg"; rmdir "$ctl"
fi

# ---- the root holds only the grants ----
expect "root: a path outside the grants does not exist (ENOENT)" 1 '^ENOENT$' -- \
	run "${G[@]}" -- "$WP" chmod "$DATA/secret"
expect "root: chmod inside a read grant is EROFS" 1 '^EROFS$' -- \
	run "${G[@]}" -r "$DATA/ro" -- "$WP" chmod "$DATA/ro/file"
expect "control: chmod inside a write grant works" 0 '^OK$' -- \
	run "${G[@]}" -w "$DATA/rw" -- "$WP" chmod "$DATA/rw/file"
expect "root: /lib is the host's symlink (merged /usr)" 0 '^usr/lib$' -- run -- /bin/readlink /lib
expect "root: / holds only the granted top-level names" 0 '^OK$' -- \
	run -- /bin/sh -c 'test ! -e /home -a ! -e /sys -a ! -e /root/.ssh -a -d /usr && echo OK'
# A unix socket listening on the host, outside the grants.
SOCK=$DATA/host.sock
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(5); time.sleep(60)' "$SOCK" &
sock_pid=$!
if wait_until test -S "$SOCK"; then
	chmod 777 "$SOCK" 2>/dev/null
	expect "root: a host unix socket outside the grants is unreachable (ENOENT)" 1 '^ENOENT$' -- \
		run "${G[@]}" -- "$WP" unix-connect "$SOCK"
	if [ "$("$WP" unix-connect "$SOCK")" = OK ]; then t_ok "control: bare connect to the socket works"; else t_fail "control: unix connect" "$("$WP" unix-connect "$SOCK")"; fi
else
	t_fail "host unix socket" "the listener did not create $SOCK within 20 s"
fi
kill "$sock_pid" 2>/dev/null; wait "$sock_pid" 2>/dev/null

# ---- its own /proc ----
sleep 60 &
host_pid=$!
expect "/proc: a host process is not visible (pid namespace)" 1 '^ENOENT$' -- \
	run "${G[@]}" -- "$WP" chmod "/proc/$host_pid/environ"
expect "/proc: the program is pid 2, under ward's init" 0 '^2$' -- run -- /bin/sh -c 'echo $$'
# The same value written back: nothing changes even if it were allowed.
expect "/proc/sys is not writable (root's uid maps to itself; Landlock: read only)" 0 '^denied$' -- \
	run -- /bin/sh -c 'v=$(cat /proc/sys/kernel/printk_ratelimit); (echo "$v" >/proc/sys/kernel/printk_ratelimit) 2>/dev/null && echo WROTE || echo denied'
expect "/proc: only the sandbox's processes are listed (init, sh)" 0 '^2$' -- \
	run -- /bin/sh -c 'set -- /proc/[0-9]*; echo $#'
expect "control: --share-all sees the host process" 0 '^OK$' -- \
	run --share-all -- /bin/sh -c "test -e /proc/$host_pid && echo OK"
kill "$host_pid"; wait "$host_pid" 2>/dev/null

# ---- its own /dev ----
expect "/dev: null zero full random urandom tty, nothing else of the host" 0 '^OK$' -- \
	run -- /bin/sh -c 'for d in null zero full random urandom tty; do test -c /dev/$d || exit 1; done; test ! -e /dev/kmsg -a ! -e /dev/mem -a ! -e /dev/vda && echo OK'
expect "/dev/pts: a new devpts instance: no host terminal is there" 0 '^ptmx$' -- run -- /bin/ls /dev/pts
expect "/dev/ptmx: openpty works" 0 '^OK$' -- run "${G[@]}" -- "$WP" openpty
expect "/dev/shm: a writable tmpfs (POSIX semaphores work)" 0 '^OK$' -- \
	run -- /usr/bin/python3 -c 'import multiprocessing as m; l=m.Lock(); l.acquire(); print("OK")'

# ---- private tmpfs: /tmp, /var/tmp, HOME ----
expect "tmpfs: /tmp and /var/tmp are writable, mktemp -p /var/tmp works" 0 '^OK$' -- \
	run -- /bin/sh -c 'f=$(mktemp -p /var/tmp) && : >/tmp/x && echo OK'
expect "tmpfs: a script written in /tmp runs" 0 '^ran$' -- \
	run -- /bin/sh -c 'printf "#!/bin/sh\necho ran\n" >/tmp/s && chmod +x /tmp/s && /tmp/s'
expect "tmpfs: a script written in HOME runs" 0 '^ran$' -- \
	run -- /bin/sh -c 'printf "#!/bin/sh\necho ran\n" >"$HOME/s" && chmod +x "$HOME/s" && "$HOME/s"'
expect "tmpfs: the default size is 1 GiB" 0 '^1048576$' -- \
	run -- /bin/sh -c "df -k /tmp | awk 'NR==2 {print \$2}'"
expect "tmpfs: --tmp-size caps it (ENOSPC past 4M)" 0 '^ENOSPC$' -- \
	run --tmp-size 4M -- /bin/sh -c 'dd if=/dev/zero of=/tmp/big bs=1M count=8 2>/dev/null && echo wrote || echo ENOSPC'
cat >"$DATA/noexec.yaml" <<'EOF'
extends: default
fs:
  tmp_noexec: true
EOF
chmod 644 "$DATA/noexec.yaml"
expect "tmpfs: tmp_noexec: true makes a script in /tmp EACCES" 0 'Permission denied' -- \
	run "$DATA/noexec.yaml" -- /bin/sh -c 'printf "#!/bin/sh\necho ran\n" >/tmp/s; chmod +x /tmp/s; /tmp/s 2>&1; true'
expect "write grants are executable" 0 '^ran$' -- \
	run -w "$DATA/rw" -- /bin/sh -c "printf '#!/bin/sh\necho ran\n' >'$DATA/rw/s' && chmod +x '$DATA/rw/s' && '$DATA/rw/s'"
expect "read grants are not executable" 126 '' -- \
	run -r "$DATA/ro" -- /bin/sh -c "cp /bin/true /tmp/t && exec '$DATA/ro/file'"

# ---- the start directory ----
expect_err "cwd outside the grants: one warning line, started in HOME" 0 "is not in the sandbox; starting in" -- \
	run --cwd "$DATA" -- /bin/true
expect "cwd inside a grant is kept" 0 "^$DATA/ro\$" -- run -r "$DATA/ro" --cwd "$DATA/ro" -- /bin/pwd

# ---- standard streams reopened by path ----
outf=$DATA/stdout-outside-grants
: >"$outf"; : >"$outf.2"; chmod 666 "$outf" "$outf.2"
if [ -n "$AS_USER" ]; then
	setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$WARD" run -- /bin/sh -c 'echo via-dev-stdout >/dev/stdout' >"$outf" 2>/dev/null </dev/null
else
	"$WARD" run -- /bin/sh -c 'echo via-dev-stdout >/dev/stdout' >"$outf" 2>/dev/null </dev/null
fi
if [ "$(cat "$outf")" = via-dev-stdout ]; then t_ok "stdio: echo > /dev/stdout reopens a file outside the grants"; else t_fail "stdio: /dev/stdout" "got: $(cat "$outf")"; fi
errf=$DATA/stderr-outside-grants
: >"$errf"; chmod 666 "$errf"
if [ -n "$AS_USER" ]; then
	echo via-tee | setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$WARD" run -- /usr/bin/tee /dev/stderr >/dev/null 2>"$errf"
else
	echo via-tee | "$WARD" run -- /usr/bin/tee /dev/stderr >/dev/null 2>"$errf"
fi
if grep -qx via-tee "$errf"; then t_ok "stdio: tee /dev/stderr reopens a file outside the grants"; else t_fail "stdio: tee /dev/stderr" "got: $(cat "$errf")"; fi
if [ -n "$AS_USER" ]; then
	setpriv --reuid="$AS_USER" --regid="$AS_USER" --clear-groups -- "$WARD" run -- /bin/sh -c 'cat /proc/self/fd/0 >/dev/null && echo x >/dev/stdout' <"$outf" >"$outf.2" 2>/dev/null
else
	"$WARD" run -- /bin/sh -c 'cat /proc/self/fd/0 >/dev/null && echo x >/dev/stdout' <"$outf" >"$outf.2" 2>/dev/null
fi
if [ "$(cat "$outf.2" 2>/dev/null)" = x ]; then t_ok "stdio: /proc/self/fd/0 reopens for reading"; else t_fail "stdio: /proc/self/fd/0" "$(cat "$outf.2" 2>/dev/null)"; fi
expect "stdio: the file behind stdout is not otherwise writable by another name" 1 '^ENOENT$' -- \
	run "${G[@]}" -- "$WP" chmod "$outf"

# ---- loopback inside, nothing outside ----
expect "loopback: server and client on 127.0.0.1 inside" 0 '^OK$' -- run "${G[@]}" -- "$WP" loopback 127.0.0.1
expect "loopback: server and client on ::1 inside" 0 '^OK$' -- run "${G[@]}" -- "$WP" loopback ::1
portf=$DATA/port
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(5)
open(sys.argv[1]+".tmp","w").write(str(s.getsockname()[1])); __import__("os").rename(sys.argv[1]+".tmp",sys.argv[1])
time.sleep(60)' "$portf" &
lis_pid=$!
if wait_until test -s "$portf"; then
	port=$(cat "$portf")
	if [ "$("$WP" connect 127.0.0.1 "$port")" = OK ]; then t_ok "control: bare connect to the host's loopback service works"; else t_fail "control: host listener" "$("$WP" connect 127.0.0.1 "$port")"; fi
	expect "loopback: the host's loopback service is unreachable (ECONNREFUSED)" 1 '^ECONNREFUSED$' -- \
		run "${G[@]}" -- "$WP" connect 127.0.0.1 "$port"
else
	t_fail "host loopback listener" "no port file within 20 s"
fi
kill "$lis_pid" 2>/dev/null; wait "$lis_pid" 2>/dev/null
expect "loopback: with --share-net and no network, inet sockets are EACCES (seccomp)" 1 '^EACCES$' -- \
	run "${G[@]}" --share-net -- "$WP" loopback 127.0.0.1

# ---- opting out ----
expect "--share-all: the host's root under Landlock (outside grants: EACCES, not ENOENT)" 0 'Permission denied' -- \
	run --share-all -- /bin/sh -c "cat '$DATA/secret' 2>&1; true"
cat >"$DATA/share.yaml" <<'EOF'
extends: default
process:
  share_namespaces: [net]
EOF
chmod 644 "$DATA/share.yaml"
run_ward run --explain "$DATA/share.yaml" -- /bin/true
if printf '%s\n' "$ERR$OUT" | grep -q "namespace mount" && ! printf '%s\n' "$ERR$OUT" | grep -q "namespace net"; then
	t_ok "share_namespaces: [net] in YAML keeps only the host's netns"
else
	t_fail "share_namespaces yaml" "$ERR"
fi
printf 'process: {share_namespaces: [bogus]}\n' >"$DATA/bogus.yaml"; chmod 644 "$DATA/bogus.yaml"
expect_err "share_namespaces: an unknown name is a one-line error (125)" 125 "unknown namespace 'bogus'" -- \
	run "$DATA/bogus.yaml" -- /bin/true

rm -rf "$DATA"
t_summary
