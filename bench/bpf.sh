#!/usr/bin/env bash
# bpf.sh — builds and runs bench/bpf_bench.c (cost of ward's cgroup BPF
# programs on this host). The LSM figures come from the VM harness, where
# BPF LSM loads. Usage: bench/bpf.sh [BUILD_DIR] [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
make -s BUILD="$BUILD" bpf
mkdir -p "$BUILD/bench"
# shellcheck disable=SC2046
cc -std=gnu11 -O2 -D_GNU_SOURCE -Iinclude -Isrc/lib -I"$BUILD/gen" $(pkg-config --cflags json-c libbpf) \
	-o "$BUILD/bench/bpf_bench" bench/bpf_bench.c src/lib/bpf/*.c src/lib/core/error.c \
	src/lib/core/vec.c src/lib/events/events.c $(pkg-config --libs json-c libbpf)
"$BUILD/bench/bpf_bench" "${2:-20000}"
