#!/bin/sh
# bench/supervisor.sh — exec and connect rates with and without the
# supervisor, as ratios (time supervised / time bare; 1.00 = no cost).
# Usage: bench/supervisor.sh [BUILD_DIR] [EXEC_N] [CONNECT_N]; needs root.
set -eu
build=${1:-build}
make -s BUILD="$build" "$build/libward.a"
cc -std=gnu11 -O2 -D_GNU_SOURCE -Iinclude -Isrc/lib $(pkg-config --cflags json-c) \
	-o "$build/supervisor_bench" bench/supervisor_bench.c "$build/libward.a" \
	$(pkg-config --libs libseccomp yaml-0.1 json-c libbpf libmd) -lpthread
"$build/supervisor_bench" "${2:-500}" "${3:-5000}"
