#!/bin/sh
# install-deps.sh — everything ward needs to build and test on Debian 12.
# Run as root (or with sudo). Safe to run again.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential pkg-config ca-certificates \
	libbpf-dev libseccomp-dev libyaml-dev libjson-c-dev libmd-dev libcmocka-dev \
	libelf-dev zlib1g-dev libzstd-dev \
	clang-16 llvm-16 libclang-rt-16-dev bpftool \
	clang-format clang-tidy cppcheck \
	python3 python3-pytest python3-setuptools python3-pip python3-venv libpython3.11-testsuite git gcc tmux \
	util-linux iproute2 procps \
	qemu-system-x86 busybox-static cpio \
	hyperfine bubblewrap
