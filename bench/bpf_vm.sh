#!/usr/bin/env bash
# bpf_vm.sh — the BPF LSM figures of bench/bpf_bench.c, measured inside the
# QEMU harness's guests (Debian 6.1 and 6.12 kernels, lsm=...,bpf), since
# BPF LSM does not load on the host. Under TCG the absolute times are
# emulated: compare the ratios. Usage: bench/bpf_vm.sh [BUILD_DIR] [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
VM_MODE=bench BENCH_ITERATIONS=${2:-20000} exec tests/vm/run.sh "${1:-build/vm}"
