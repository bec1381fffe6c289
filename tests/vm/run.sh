#!/usr/bin/env bash
# run.sh — the QEMU kernel harness of ward's BPF layer. Boots Debian's 6.1
# and 6.12 cloud kernels (downloaded with apt-get into tests/vm/cache) with
# lsm=...,bpf under TCG, runs tests/vm/guest.c inside from an initramfs,
# and judges the TAP lines it prints: the load gate against the checked-in
# tests/vm/baseline-<series>.txt, the behaviour gate line by line, then
# the static `ward` CLI end to end (tests/vm/ward_e2e.sh) and `ward prove`
# (tests/vm/ward_prove.sh). One more short
# boot of the newest kernel without bpf in lsm= checks that ward refuses
# what only the BPF LSM could hold. VM_MODE=bench boots each kernel to run
# bench/bpf_bench.c's LSM figures instead (bench/bpf_vm.sh). A guest that hangs is killed by the timeout and fails. A skip says why
# and never counts as a pass. Usage: tests/vm/run.sh [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build/vm}
CACHE=tests/vm/cache
OUT=$BUILD/vm
# Per boot: a normal one takes 1 to 3 min under TCG on a loaded 2-core
# machine; a hang must not eat CI's budget (three boots per run).
TIMEOUT=${VM_TIMEOUT:-360}
SERIES=${VM_SERIES:-"6.1 6.12"}
mkdir -p "$CACHE" "$OUT"
passed=0 failed=0 skipped=0

finish() {
	echo "vm: wall time ${SECONDS}s"
	echo "vm: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}
skip_all() {
	echo "vm: SKIP: $*"
	skipped=$((skipped + 1))
	finish
}

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
[ -x /bin/busybox ] || skip_all "busybox-static is not installed"

# ---- the guest program, static ----
make -s BUILD="$BUILD" bpf || { echo "vm: building the BPF skeletons failed"; failed=1; finish; }
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Iinclude -Isrc/lib -I$BUILD/gen $(pkg-config --cflags json-c libbpf)"
# shellcheck disable=SC2086
cc -static $CFLAGS -o "$OUT/guest" tests/vm/guest.c src/lib/bpf/*.c src/lib/core/error.c \
	src/lib/core/vec.c src/lib/core/trace.c src/lib/events/events.c \
	-l:libbpf.a -l:libelf.a -l:libjson-c.a -lz -lzstd ||
	{ echo "vm: building the static guest failed"; failed=1; finish; }
if [ "${VM_MODE:-test}" = bench ]; then
	# shellcheck disable=SC2086
	cc -static $CFLAGS -o "$OUT/bpf_bench" bench/bpf_bench.c src/lib/bpf/*.c \
		src/lib/core/error.c src/lib/core/vec.c src/lib/core/trace.c src/lib/events/events.c \
		-l:libbpf.a -l:libelf.a -l:libjson-c.a -lz -lzstd ||
		{ echo "vm: building the static bench failed"; failed=1; finish; }
else
	make -s BUILD="$BUILD" static-ward >/dev/null ||
		{ echo "vm: building the static ward failed"; failed=1; finish; }
fi

# ---- kernels: the newest cloud package of each series ----
kernel_package() {
	case $1 in
	6.1) apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
	6.12) apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$' ;;
	esac | awk '{print $1}' | sort -V | tail -1
}

fetch_kernel() { # series -> path of vmlinuz, or empty
	local series=$1 deb dir
	deb=$(ls "$CACHE"/linux-image-"$series"[.-]*cloud-amd64-unsigned_*.deb 2>/dev/null | sort -V | tail -1)
	if [ -z "$deb" ]; then
		local pkg
		pkg=$(kernel_package "$series")
		if [ -z "$pkg" ]; then
			apt-get update -qq >/dev/null 2>&1
			pkg=$(kernel_package "$series")
		fi
		[ -n "$pkg" ] || return 0
		(cd "$CACHE" && apt-get download -qq "$pkg" >/dev/null 2>&1)
		deb=$(ls "$CACHE"/linux-image-"$series"[.-]*cloud-amd64-unsigned_*.deb 2>/dev/null | sort -V | tail -1)
		[ -n "$deb" ] || return 0
	fi
	dir=$CACHE/$(basename "$deb" .deb)
	[ -d "$dir/boot" ] || dpkg -x "$deb" "$dir"
	ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -1
}

# ---- the initramfs: busybox, the guest, /init ----
ROOT=$OUT/initramfs
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,lib,dev,proc,run,sys,tmp,data,etc,usr/bin,usr/libexec/ward}
cp /bin/busybox "$ROOT/bin/busybox"
cp "$OUT/guest" "$ROOT/guest"
cp tests/vm/ward_e2e.sh "$ROOT/ward_e2e.sh"
cp tests/vm/ward_prove.sh "$ROOT/ward_prove.sh"
if [ "${VM_MODE:-test}" != bench ]; then
	cp "$BUILD/static/ward" "$ROOT/usr/bin/ward"
	for prog in probe membomb forkbomb unix_peer; do
		cp "$BUILD/static/progs/$prog" "$ROOT/usr/libexec/ward/$prog"
	done
fi
echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOT/etc/passwd"
echo ward-vm >"$ROOT/etc/hostname"
[ -f "$OUT/bpf_bench" ] && [ "${VM_MODE:-test}" = bench ] && cp "$OUT/bpf_bench" "$ROOT/bpf_bench"
# VM_MODE=debug VM_DEBUG=script.sh: the guest runs only that script (for
# finding a failure's cause by hand; never part of make check)
[ "${VM_MODE:-test}" = debug ] && cp "${VM_DEBUG:?VM_DEBUG=script for VM_MODE=debug}" "$ROOT/debug.sh"
cat >"$ROOT/init" <<'INIT'
#!/bin/busybox sh
# The initramfs root (rootfs) cannot be pivoted away from, as no real host's
# root is: move onto a tmpfs first, so the sandbox's own root (pivot_root)
# works in the guest as it does on a host.
if [ -z "$WARD_SWITCHED" ]; then
	/bin/busybox mkdir -p /newroot
	/bin/busybox mount -t tmpfs -o size=1g root /newroot
	for e in /*; do
		[ "$e" = /newroot ] || /bin/busybox cp -a "$e" /newroot/
	done
	export WARD_SWITCHED=1
	exec /bin/busybox switch_root /newroot /init
fi
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security
mount -t bpf bpf /sys/fs/bpf
# pure v2, like most distributions: ward creates its sandboxes below it
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mount -t tmpfs tmp /tmp
# /run, a tmpfs as on every systemd host: ward keeps root's records there
mount -t tmpfs -o mode=0755,nosuid,nodev run /run
mount -t tmpfs data /data
echo 0 > /proc/sys/kernel/yama/ptrace_scope 2>/dev/null
ip link set lo up
echo "KERNEL $(uname -r)"
echo "LSM $(cat /sys/kernel/security/lsm)"
if [ -f /debug.sh ]; then
	sh /debug.sh
	echo "# debug done"
elif grep -q ward_vm=bench /proc/cmdline; then
	/bpf_bench lsm @ITERATIONS@
	echo "# bench done"
elif grep -q ward_vm=nobpf /proc/cmdline; then
	sh /ward_e2e.sh nobpf
	echo "# guest done"
else
	/guest
	echo "GUEST-EXIT $?"
	sh /ward_e2e.sh lsm
	sh /ward_prove.sh
fi
poweroff -f
INIT
sed -i "s/@ITERATIONS@/${BENCH_ITERATIONS:-20000}/" "$ROOT/init"
chmod 755 "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT/initrd.gz"

# ---- boot each kernel and judge ----
boot() { # series vmlinuz log lsm-list [extra cmdline] -> qemu's status
	echo "vm $1: booting $(basename "$2") with lsm=$4 (timeout ${TIMEOUT}s)"
	local start=$SECONDS
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512 -nographic \
		-no-reboot -kernel "$2" -initrd "$OUT/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1 lsm=$4 ${5:-}" \
		</dev/null >"$3" 2>&1
	local rc=$?
	echo "vm $1: boot with lsm=$4 took $((SECONDS - start))s"
	tr -d '\r' <"$3" >"$3.txt"
	local marker
	for marker in "${@:6}"; do
		if [ $rc -eq 124 ] || ! grep -q "^# $marker done" "$3.txt"; then
			echo "not ok - vm $1: the guest did not finish its $marker part (qemu rc $rc, see $3)"
			failed=$((failed + 1))
		fi
	done
}

judge_tap() { # label log.txt: every TAP line of the guest
	while IFS= read -r line; do
		case $line in
		"not ok "*) echo "vm $1: $line"; failed=$((failed + 1)) ;;
		"ok "*"# SKIP"*) echo "vm $1: $line"; skipped=$((skipped + 1)) ;;
		"ok "*) passed=$((passed + 1)) ;;
		esac
	done < <(grep -E '^(not )?ok ' "$2")
}

if [ "${VM_MODE:-test}" = bench ]; then
	for series in $SERIES; do
		vmlinuz=$(fetch_kernel "$series")
		[ -n "$vmlinuz" ] || { echo "vm $series: SKIP: no kernel"; skipped=$((skipped + 1)); continue; }
		log=$OUT/console-$series-bench.log
		boot "$series" "$vmlinuz" "$log" landlock,lockdown,yama,bpf ward_vm=bench bench
		grep -o 'KERNEL .*' "$log.txt" | head -1
		grep -v '^BENCH \|^\[' "$log.txt" | sed -n '/^none /,/^# bench done/p'
		grep '^BENCH ' "$log.txt" >"$OUT/bench-$series.txt"
	done
	finish
fi

if [ "${VM_MODE:-test}" = debug ]; then
	for series in $SERIES; do
		vmlinuz=$(fetch_kernel "$series")
		boot "$series" "$vmlinuz" "$OUT/console-$series-debug.log" "${VM_LSM:-landlock,lockdown,yama,bpf}" "" debug
		cat "$OUT/console-$series-debug.log.txt"
	done
	finish
fi

newest=""
for series in $SERIES; do
	vmlinuz=$(fetch_kernel "$series")
	if [ -z "$vmlinuz" ]; then
		echo "vm $series: SKIP: no Debian $series cloud kernel could be fetched"
		skipped=$((skipped + 1))
		continue
	fi
	newest=$series:$vmlinuz
	log=$OUT/console-$series.log
	boot "$series" "$vmlinuz" "$log" landlock,lockdown,yama,bpf "" guest "ward e2e" "ward prove"

	# load gate: the programs that load here, against the baseline
	baseline=tests/vm/baseline-$series.txt
	grep '^LOAD ' "$log.txt" | sed 's/^LOAD //' | sort >"$OUT/load-$series.txt"
	if [ ! -s "$OUT/load-$series.txt" ]; then
		echo "not ok - vm $series: load gate printed nothing"
		failed=$((failed + 1))
	elif [ ! -f "$baseline" ]; then
		cp "$OUT/load-$series.txt" "$baseline"
		echo "ok # SKIP vm $series: no baseline yet; wrote $baseline (check it in)"
		skipped=$((skipped + 1))
	else
		# a program that loaded in the baseline and fails now is a regression
		regressions=$(join <(grep ' ok$' "$baseline" | awk '{print $1}') \
			<(grep ' failed$' "$OUT/load-$series.txt" | awk '{print $1}'))
		missing=$(comm -23 <(awk '{print $1}' "$baseline") <(awk '{print $1}' "$OUT/load-$series.txt"))
		if [ -n "$regressions$missing" ]; then
			echo "not ok - vm $series: load regressions against $baseline: $regressions $missing"
			failed=$((failed + 1))
		else
			echo "ok - vm $series: load gate matches $baseline"
			passed=$((passed + 1))
		fi
	fi
	judge_tap "$series" "$log.txt"
done

# ---- the newest kernel once more, without the BPF LSM ----
if [ -n "$newest" ]; then
	series=${newest%%:*}
	log=$OUT/console-$series-nobpf.log
	boot "$series" "${newest#*:}" "$log" landlock,lockdown,yama ward_vm=nobpf "ward e2e"
	judge_tap "$series without bpf" "$log.txt"
fi
finish
