#!/bin/sh
# ward_e2e.sh — runs inside the QEMU guest after guest.c: the real static
# `ward` CLI end to end (features, --explain, enforce and audit through the
# BPF LSM, the pure-v2 cgroup limits). Prints TAP-like lines that run.sh
# judges; it asserts exact errnos, exit codes and event counts, never "any
# failure". Usage: ward_e2e.sh [lsm|nobpf] (nobpf: booted without bpf in lsm=).
W=/usr/bin/ward
P=/usr/libexec/ward
D=/data/e2e
n=0

pass() {
	n=$((n + 1))
	echo "ok e$n - $1"
}
fail() {
	n=$((n + 1))
	echo "not ok e$n - $1 ($2)"
}
# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$3', want '$2'"; fi
}
# count PATTERN FILE: lines of FILE that contain every word of PATTERN (&-separated)
count() {
	pattern=$1 file=$2
	set -f
	IFS='&'
	set -- $pattern
	unset IFS
	set +f
	cmd="cat $file"
	for part; do cmd="$cmd | grep -F -e '$part'"; done
	eval "$cmd" | wc -l | tr -d ' '
}
answer() { # probe's one-line answer, among ward's warnings
	grep -E '^(OK|E[A-Z0-9]+)$' /tmp/out.txt | tail -1
}
show() { # the evidence of a failed check, on the console
	sed 's/^/# /' "$@"
}

mkdir -p $D/granted
echo secret >$D/granted/file
echo public >$D/granted/sibling

if [ "$1" = nobpf ]; then
	# Without bpf in lsm= the BPF LSM cannot hold an fs deny inside a
	# grant: ward must never run the command unprotected.
	$W features >/tmp/features.txt 2>&1
	expect "no bpf in lsm=: ward features reports bpf-lsm: no" 1 \
		"$(grep -cE '^bpf-lsm +no' /tmp/features.txt)"
	# Another layer may hold the deny instead (Landlock by punching the file
	# out of the grant, the supervisor, or an empty mask over it in the
	# sandbox's mount namespace): each answers EACCES. If none can,
	# ward must refuse with its own exit code (125).
	$W run --explain --fs-deny $D/granted/file -r $D/granted -- $P/probe read \
		$D/granted/file >/tmp/out.txt 2>&1
	rc=$?
	holder=$(awk -v rule="$D/granted/file" '$1 == "fs" && $2 == "deny" && $3 == rule \
		{ print $4 "/" $5; exit }' /tmp/out.txt)
	echo "# no bpf in lsm=: the plan gives the fs deny to: ${holder:-nothing}"
	case $holder in
	landlock/enforced | supervisor/enforced | namespaces/enforced)
		expect "no bpf in lsm=: ${holder%/*} holds the deny: read is EACCES" \
			"EACCES 1" "$(answer) $rc"
		;;
	*)
		expect "no bpf in lsm=: ward run --fs-deny refuses with 125" 125 $rc
		expect "no bpf in lsm=: the refusal names bpf-lsm" 1 \
			"$(grep -c "cannot enforce 'fs deny $D/granted/file'.*bpf-lsm" /tmp/out.txt)"
		;;
	esac
	expect "no bpf in lsm=: the denied file is never read" 0 "$(grep -cx OK /tmp/out.txt)"
	[ $rc != 0 ] || show /tmp/out.txt
	# kill_after is counted by the LSM hooks only: without them a policy
	# asking for it must be refused, never run without its escalation.
	printf 'extends: default\nkill_after: {denials: 3, seconds: 10}\n' >/tmp/kill.yaml
	$W run -p /tmp/kill.yaml -- /bin/true >/tmp/out.txt 2>&1
	rc=$?
	expect "no bpf in lsm=: a policy with kill_after is refused (125)" 125 $rc
	[ $rc = 125 ] || show /tmp/out.txt
	echo "# ward e2e done"
	exit 0
fi

# ---- features ----
$W features >/tmp/features.txt 2>&1
expect "ward features reports bpf-lsm: yes" 1 "$(grep -cE '^bpf-lsm +yes' /tmp/features.txt)"
expect "ward features reports bpf-lsm-unix: yes" 1 "$(grep -cE '^bpf-lsm-unix +yes' /tmp/features.txt)"
expect "ward features reports a pure v2 cgroup tree" 1 \
	"$(grep -cE '^cgroup +v2: v2 at /sys/fs/cgroup ' /tmp/features.txt)"
show /tmp/features.txt

# ---- fs deny inside a grant, enforced by bpf-lsm ----
run_fs() { # MODE TARGET -> /tmp/out.txt, /tmp/ev.json; returns ward's status
	rm -f /tmp/ev.json
	$W run --mode "$1" --explain --events /tmp/ev.json --fs-deny $D/granted/file \
		-r $D/granted -- $P/probe read "$2" >/tmp/out.txt 2>&1
}
run_fs enforce $D/granted/file
rc=$?
expect "explain: fs deny is enforced by bpf-lsm" 1 \
	"$(count "fs deny $D/granted/file&bpf-lsm&enforced" /tmp/out.txt)"
expect "enforce: read of the denied file is EPERM" EPERM "$(answer)"
expect "enforce: probe exits 1" 1 $rc
expect "enforce: one bpf-lsm deny event for the read" 1 \
	"$(count '"type":"deny"&"layer":"bpf-lsm"&"operation":"open"' /tmp/ev.json)"
# events are written without escaping "/" (JSON_C_TO_STRING_NOSLASHESCAPE)
expect "enforce: the deny event carries the path" 1 \
	"$(count "\"type\":\"deny\"&\"path\":\"$D/granted/file\"" /tmp/ev.json)"
[ $rc = 1 ] || show /tmp/out.txt /tmp/ev.json

run_fs enforce $D/granted/sibling
rc=$?
expect "enforce: the sibling file reads OK" "OK 0" "$(answer) $rc"
expect "enforce: no deny event for the sibling" 0 "$(count '"type":"deny"' /tmp/ev.json)"

run_fs audit $D/granted/file
rc=$?
expect "audit: read of the denied file is OK" "OK 0" "$(answer) $rc"
expect "audit: exactly one audit event" 1 "$(count '"type":"audit"' /tmp/ev.json)"
expect "audit: the audit event is bpf-lsm's" 1 \
	"$(count '"type":"audit"&"layer":"bpf-lsm"' /tmp/ev.json)"
[ $rc = 0 ] || show /tmp/out.txt /tmp/ev.json

# ---- the sandbox's own root keeps inode identity for the BPF LSM ----
# The grants are bind mounts of the host's tree (same superblock, same
# inode), so the BPF LSM's inode rules hold inside the own root; its mask of
# the denied file's metadata is the file bound onto itself read-only, never
# an empty node that would answer the opens itself (EACCES, no event).
mkdir -p $D/w/sub
echo x >$D/w/file
echo y >$D/w/other
echo z >$D/w/sub/inner
rm -f /tmp/ev.json
$W run --explain --events /tmp/ev.json --fs-deny $D/w/file -w $D/w -- /bin/chmod 600 \
	$D/w/file >/tmp/out.txt 2>&1
rc=$?
expect "metadata: the mask is a read-only bind (explain)" 1 \
	"$(count "namespaces&enforced&bound onto itself read-only" /tmp/out.txt)"
expect "metadata: chmod of the denied file is EROFS (exit 1)" "1 1" \
	"$rc $(grep -c 'Read-only file system' /tmp/out.txt)"
[ $rc = 1 ] || show /tmp/out.txt
$W run --fs-deny $D/w/file -w $D/w -- /bin/chmod 600 $D/w/other >/tmp/out.txt 2>&1
rc=$?
expect "metadata control: chmod of a sibling in the write grant succeeds" "0 600" \
	"$rc $(stat -c %a $D/w/other)"
[ $rc = 0 ] || show /tmp/out.txt
rm -f /tmp/ev.json
$W run --events /tmp/ev.json --fs-deny $D/w/sub -r $D/w -- $P/probe read $D/w/sub/inner \
	>/tmp/out.txt 2>&1
rc=$?
expect "own root: read beneath a denied directory is EPERM" "EPERM 1" "$(answer) $rc"
expect "own root: its deny event is bpf-lsm's, beneath the directory" 1 \
	"$(count "\"type\":\"deny\"&\"layer\":\"bpf-lsm\"&\"beneath\":\"$D/w/sub\"" /tmp/ev.json)"
[ $rc = 1 ] || show /tmp/out.txt /tmp/ev.json
# An exec deny inside an exec grant: Landlock's hole (read withheld too, so
# `ld.so FILE` and mmap cannot run it) answers its own names first with
# EACCES. A hard link to the file in another grant would still let the
# program read it (and run a copy) past the BPF LSM's exec-by-inode check,
# so such a run is refused on this host too; without the link it runs.
mkdir -p $D/w2
cp $P/probe $D/w/tool
$W run --explain --exec-deny $D/w/tool -x $D/w -x $D/w2 -- $P/probe exec $D/w/tool \
	>/tmp/out.txt 2>&1
rc=$?
expect "explain: exec deny is enforced by bpf-lsm" 1 \
	"$(count "exec deny $D/w/tool&bpf-lsm&enforced" /tmp/out.txt)"
expect "exec deny: exec by its path is EACCES (Landlock's hole)" "EACCES 1" "$(answer) $rc"
[ $rc = 1 ] || show /tmp/out.txt
ln $D/w/tool $D/w2/alias
$W run --exec-deny $D/w/tool -x $D/w -x $D/w2 -- $P/probe exec $D/w2/alias >/tmp/out.txt 2>&1
rc=$?
expect "exec deny of a file linked from another grant: the run is refused (125, names the links)" \
	"125 1" "$rc $(count "hard links" /tmp/out.txt)"
[ $rc = 125 ] || show /tmp/out.txt
$W run -x $D/w -x $D/w2 -- $P/probe exec $D/w2/alias >/tmp/out.txt 2>&1
rc=$?
expect "exec control: the link runs without the deny" "OK 0" "$(answer) $rc"
[ $rc = 0 ] || show /tmp/out.txt

# ---- a CIDR rule: on an LSM host the plan prefers bpf-lsm ----
# The port is one Landlock allows, so the address is what the BPF LSM judges
# (Landlock runs before bpf in the LSM order and would answer EACCES).
run_net() { # ADDR
	rm -f /tmp/ev.json
	$W run --explain --events /tmp/ev.json --net-allow tcp://127.0.0.0/8:80 \
		--net-deny tcp://127.0.0.5/32:80 -- $P/probe connect "$1" 80 >/tmp/out.txt 2>&1
}
run_net 127.0.0.5
rc=$?
expect "explain: the CIDR rules are enforced by bpf-lsm" 2 \
	"$(count 'net &127.0.0.&bpf-lsm&enforced' /tmp/out.txt)"
expect "net: connect to a denied CIDR is EPERM" "EPERM 1" "$(answer) $rc"
expect "net: one bpf-lsm deny event from socket_connect" 1 \
	"$(count '"type":"deny"&"layer":"bpf-lsm"&lsm/socket_connect&"address":"127.0.0.5"' \
		/tmp/ev.json)"
[ $rc = 1 ] || show /tmp/out.txt /tmp/ev.json
run_net 127.0.0.1
rc=$?
expect "net: connect to an allowed address reaches the stack" "ECONNREFUSED 1" \
	"$(answer) $rc"

# ---- pathname unix sockets, held by the BPF LSM's unix hooks ----
# Host-made sockets: in a read grant (u: a stop), in a write grant (uw: an
# allow), one named by --unix-allow. The servers run outside ward; the
# probe (unix_peer) reports the kernel's errno. No supervisor trap is armed.
U=$P/unix_peer
mkdir -p $D/u $D/uw
serve_bg() { # PATH TYPE: a host server, waited for (20 s) until PATH is a socket
	$U serve "$1" "$2" >/dev/null 2>&1 &
	i=0
	while [ ! -S "$1" ] && [ $i -lt 200 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	[ -S "$1" ] || echo "# unix: $1 never appeared"
}
serve_bg $D/u/host.sock stream
srv1=$!
serve_bg $D/u/host.dg dgram
srv2=$!
serve_bg $D/u/allowed.sock stream
srv3=$!
serve_bg $D/uw/host.sock stream
srv4=$!
run_unix() { # MODE OP PATH [ward options...] -> /tmp/out.txt, /tmp/ev.json
	mode=$1 op=$2 target=$3
	shift 3
	rm -f /tmp/ev.json
	$W run --mode "$mode" --explain --events /tmp/ev.json -r $D/u -w $D/uw "$@" -- \
		$U "$op" "$target" >/tmp/out.txt 2>&1
}
run_unix enforce connect $D/u/host.sock
rc=$?
# The rule's text is long: --explain puts the layer on the next line.
grep -A1 -F 'pathname unix sockets only inside write grants' /tmp/out.txt >/tmp/explain.txt
expect "unix: explain says bpf-lsm enforces the pathname rule" 1 \
	"$(grep -cE 'bpf-lsm +enforced' /tmp/explain.txt)"
show /tmp/explain.txt
expect "unix: stream connect to a host socket in a read grant is EACCES" "EACCES 1" \
	"$(answer) $rc"
expect "unix: one bpf-lsm deny event from unix_stream_connect" 1 \
	"$(count '"type":"deny"&"layer":"bpf-lsm"&lsm/unix_stream_connect&"family":"unix"' /tmp/ev.json)"
[ $rc = 1 ] || show /tmp/out.txt /tmp/ev.json
$W run --dry-run --sections -r $D/u -w $D/uw -- $U connect $D/u/host.sock >/tmp/plan.json 2>&1
expect "unix: the plan has lsm_unix and no supervisor unix trap" "1 1" \
	"$(grep -c '"lsm_unix":true' /tmp/plan.json) $(grep -c '"unix_trap":false' /tmp/plan.json)"
run_unix enforce connect $D/uw/host.sock
rc=$?
expect "unix control: a host socket in a write grant answers" "OK 0" "$(answer) $rc"
expect "unix control: no deny event" 0 "$(count '"type":"deny"' /tmp/ev.json)"
[ $rc = 0 ] || show /tmp/out.txt /tmp/ev.json
run_unix enforce own /tmp
rc=$?
expect "unix control: a socket the sandbox made (its own /tmp) answers" "OK 0" "$(answer) $rc"
[ $rc = 0 ] || show /tmp/out.txt /tmp/ev.json
run_unix enforce own $D/uw
rc=$?
expect "unix control: a socket the sandbox made in a write grant answers" "OK 0" "$(answer) $rc"
run_unix enforce connect $D/u/allowed.sock --unix-allow $D/u/allowed.sock
rc=$?
expect "unix control: --unix-allow SOCKET answers" "OK 0" "$(answer) $rc"
expect "unix: explain says bpf-lsm holds the net unix rule" 1 \
	"$(count "net unix $D/u/allowed.sock&bpf-lsm&enforced" /tmp/out.txt)"
[ $rc = 0 ] || show /tmp/out.txt /tmp/ev.json
run_unix enforce connect $D/u/host.sock --unix-allow $D/u/allowed.sock
expect "unix: --unix-allow leaves its neighbour EACCES" EACCES "$(answer)"
# A service that restarts makes a new socket (a new inode) under the
# allowed name: found by name in its directory.
kill $srv3
rm -f $D/u/allowed.sock
rm -f /tmp/ev.json
$W run --events /tmp/ev.json -r $D/u -w $D/uw --unix-allow $D/u/allowed.sock -- /bin/sh -c \
	"i=0; while [ ! -S $D/u/allowed.sock ] && [ \$i -lt 200 ]; do i=\$((i+1)); sleep 0.1; done; $U connect $D/u/allowed.sock" \
	>/tmp/out.txt 2>&1 &
runner=$!
serve_bg $D/u/allowed.sock stream
srv3=$!
wait $runner
rc=$?
expect "unix control: --unix-allow of a socket made after the start answers" "OK 0" "$(answer) $rc"
[ $rc = 0 ] || show /tmp/out.txt /tmp/ev.json
for op in sendto sendmsg dgram-connect; do
	run_unix enforce $op $D/u/host.dg
	rc=$?
	expect "unix: datagram $op to a host socket in a read grant is EACCES" "EACCES 1" \
		"$(answer) $rc"
	expect "unix: datagram $op: one bpf-lsm deny event from unix_may_send" 1 \
		"$(count '"type":"deny"&"layer":"bpf-lsm"&lsm/unix_may_send' /tmp/ev.json)"
	[ $rc = 1 ] || show /tmp/out.txt /tmp/ev.json
done
run_unix audit connect $D/u/host.sock
rc=$?
expect "unix audit: the connect goes through" "OK 0" "$(answer) $rc"
expect "unix audit: one bpf-lsm audit event" 1 \
	"$(count '"type":"audit"&"layer":"bpf-lsm"&lsm/unix_stream_connect' /tmp/ev.json)"
[ $rc = 0 ] || show /tmp/out.txt /tmp/ev.json
run_unix audit sendto $D/u/host.dg
rc=$?
expect "unix audit: a datagram sendto goes through, one audit event" "OK 0 1" \
	"$(answer) $rc $(count '"type":"audit"&lsm/unix_may_send' /tmp/ev.json)"
run_unix enforce socketpair x
expect "unix control: socketpair (unnamed) is not judged" "OK 0" "$(answer) $?"
# Red team: other names of the same socket inode.
run_unix enforce opath $D/u/host.sock
expect "unix red: connect via /proc/self/fd/N of an O_PATH fd is EACCES" "EACCES 1" \
	"$(answer) $?"
ln -sf $D/u/host.sock $D/uw/link.sock
run_unix enforce connect $D/uw/link.sock
expect "unix red: a symlink in a write grant to the socket is EACCES" "EACCES 1" "$(answer) $?"
rm -f $D/uw/hard.sock
ln $D/u/host.sock $D/uw/hard.sock
run_unix enforce connect $D/uw/hard.sock
expect "unix red: a hard link in a write grant (made before the start) is EACCES" "EACCES 1" \
	"$(answer) $?"
rm -f $D/uw/hard.sock $D/uw/link.sock
: >$D/uw/bind.sock
mount --bind $D/u/host.sock $D/uw/bind.sock
run_unix enforce connect $D/uw/bind.sock
rc=$?
got=$(answer)
# The own root may show the bind mount (EACCES from the hook) or only the
# file under it (ECONNREFUSED): never the host's socket.
case "$got $rc" in
"EACCES 1" | "ECONNREFUSED 1") pass "unix red: the socket bind-mounted into a write grant is stopped ($got)" ;;
*) fail "unix red: the socket bind-mounted into a write grant is stopped" "got '$got $rc'" ;;
esac
umount $D/uw/bind.sock
rm -f $D/uw/bind.sock
# The sandbox moves a host socket it can write into a write grant... it can
# only move what already lies in a write grant; the host moving one there
# after the start offers it (renames are followed).
serve_bg $D/u/moved.sock stream
srv5=$!
rm -f /tmp/ev.json
$W run --events /tmp/ev.json -r $D/u -w $D/uw -- /bin/sh -c \
	"$U connect $D/u/moved.sock; i=0; while [ ! -S $D/uw/moved.sock ] && [ \$i -lt 200 ]; do i=\$((i+1)); sleep 0.1; done; $U connect $D/uw/moved.sock" \
	>/tmp/out.txt 2>&1 &
runner=$!
i=0
while ! grep -q EACCES /tmp/out.txt 2>/dev/null && [ $i -lt 200 ]; do
	i=$((i + 1))
	sleep 0.1
done
mv $D/u/moved.sock $D/uw/moved.sock
wait $runner
expect "unix: a socket in a read grant is EACCES; renamed by the host into a write grant, it answers" \
	"EACCES OK" "$(grep -E '^(OK|E[A-Z]+)$' /tmp/out.txt | tr '\n' ' ' | sed 's/ $//')"
kill $srv1 $srv2 $srv3 $srv4 $srv5 2>/dev/null
wait 2>/dev/null

# ---- escalation: kill_after from a policy file ----
# The shell opens the file itself (a regular builtin's redirection: a failed
# one on a special builtin such as ":" would end the shell), so the shell is
# the offender the BPF LSM kills at the third denial.
printf 'extends: default\nkill_after: {denials: 3, seconds: 10}\n' >/tmp/kill.yaml
printf 'extends: default\n' >/tmp/nokill.yaml
run_tries() { # POLICY
	rm -f /tmp/ev.json
	$W run -p "$1" --events /tmp/ev.json --fs-deny $D/granted/file -r $D/granted -- /bin/sh -c \
		"for i in 1 2 3 4 5; do echo try \$i; true <$D/granted/file; done; exit 7" \
		>/tmp/out.txt 2>&1
}
run_tries /tmp/kill.yaml
rc=$?
expect "kill_after 3 in 10 s: the shell is SIGKILLed (137)" 137 $rc
expect "kill_after 3 in 10 s: killed at its 3rd try" 3 "$(grep -c '^try' /tmp/out.txt)"
expect "kill_after 3 in 10 s: 3 deny events" 3 "$(count '"type":"deny"&"layer":"bpf-lsm"' /tmp/ev.json)"
[ $rc = 137 ] || show /tmp/out.txt /tmp/ev.json
run_tries /tmp/nokill.yaml
rc=$?
expect "without kill_after: 5 tries, the shell exits 7" "5 7" "$(grep -c '^try' /tmp/out.txt) $rc"

# ---- file bytes: counted in the kernel (fexit on vfs_read/vfs_write) ----
# dd moves 8 MiB with read(2)/write(2) (busybox cat would use sendfile);
# /dev/zero and /dev/null are devices, not files, so only the file counts.
field() { # KEY: the number KEY holds in the exit event of /tmp/ev.json
	grep '"type":"exit"' /tmp/ev.json | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
mkdir -p $D/files
expect "ward features reports bpf-fexit: yes" 1 "$(grep -cE '^bpf-fexit +yes' /tmp/features.txt)"
rm -f /tmp/ev.json
$W run --events /tmp/ev.json -w $D/files -- dd if=/dev/zero of=$D/files/big bs=65536 count=128 \
	>/tmp/out.txt 2>&1
rc=$?
written=$(field file_bytes_written)
expect "file accounting: dd of 8 MiB exits 0" 0 $rc
expect "file accounting: 8 MiB written, counted within 64 KiB" 1 \
	"$([ "${written:-0}" -ge 8388608 ] && [ "${written:-0}" -lt 8454144 ] && echo 1)"
[ $rc = 0 ] || show /tmp/out.txt /tmp/ev.json
echo "# file_bytes_written=$written"
rm -f /tmp/ev.json
$W run --events /tmp/ev.json -r $D/files -- dd if=$D/files/big of=/dev/null bs=65536 \
	>/tmp/out.txt 2>&1
rc=$?
read_b=$(field file_bytes_read)
written=$(field file_bytes_written)
# Its stderr is /tmp/out.txt, a regular file: dd's summary there is written.
expect "file accounting: 8 MiB read back, counted within 64 KiB; only dd's summary written" "1 1" \
	"$([ "${read_b:-0}" -ge 8388608 ] && [ "${read_b:-0}" -lt 8454144 ] && echo 1) $([ "${written:-x}" -gt 0 ] && [ "${written:-x}" -lt 4096 ] && echo 1)"
echo "# file_bytes_read=$read_b"
rm -f /tmp/ev.json $D/files/capped
$W run --events /tmp/ev.json --explain --quota file_write_bytes=1M:kill -w $D/files -- \
	dd if=/dev/zero of=$D/files/capped bs=65536 count=128 >/tmp/out.txt 2>&1
rc=$?
size=$(stat -c %s $D/files/capped 2>/dev/null)
expect "file quota: explain says bpf-trace enforces file_write_bytes" 1 \
	"$(count 'quota file_write_bytes 1048576 bytes&bpf-trace&enforced' /tmp/out.txt)"
expect "file quota 1M kill: dd is killed (137), reason quota" "137 1" \
	"$rc $(count '"type":"exit"&"reason":"quota"' /tmp/ev.json)"
expect "file quota 1M kill: one quota event" 1 \
	"$(count '"type":"quota"&"quota":"file_write_bytes"' /tmp/ev.json)"
expect "file quota 1M kill: the file stops within one block of the quota" 1 \
	"$([ "${size:-0}" -gt 1048576 ] && [ "${size:-0}" -le 1114112 ] && echo 1)"
[ $rc = 137 ] || show /tmp/out.txt /tmp/ev.json
rm -f /tmp/ev.json
$W run --events /tmp/ev.json --quota file_write_bytes=1M:report -w $D/files -- \
	dd if=/dev/zero of=$D/files/reported bs=65536 count=32 >/tmp/out.txt 2>&1
rc=$?
expect "file quota 1M report: dd writes all 2 MiB (exit 0), one quota event" "0 1" \
	"$rc $(count '"type":"quota"&"quota":"file_write_bytes"&"action":"report"' /tmp/ev.json)"
[ $rc = 0 ] || show /tmp/out.txt /tmp/ev.json

# ---- the pure-v2 cgroup path: memory.max and pids.max ----
$W run --memory 32M -x $P -- $P/membomb 512 >/tmp/out.txt 2>&1
rc=$?
expect "cgroup v2: --memory 32M kills membomb (137)" 137 $rc
[ $rc = 137 ] || show /tmp/out.txt
$W run --pids 16 -x $P -- $P/forkbomb >/tmp/out.txt 2>&1
rc=$?
expect "cgroup v2: --pids 16 refuses forkbomb's forks (exit 1)" 1 $rc
[ $rc = 1 ] || show /tmp/out.txt

echo "# ward e2e done"
