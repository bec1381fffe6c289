#!/bin/sh
# bench/deps.sh — what `make bench` compares against, from Debian: the peers
# (bubblewrap, firejail), the timer (hyperfine), the workloads (redis, git,
# python3) and the chart (gnuplot). Installs only what is missing; needs
# root for apt-get. Never part of `make check`.
set -eu
need=""
for p in bubblewrap:bwrap firejail:firejail hyperfine:hyperfine redis-server:redis-server \
	redis-tools:redis-benchmark gnuplot-nox:gnuplot git:git python3:python3; do
	command -v "${p#*:}" >/dev/null 2>&1 || need="$need ${p%%:*}"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "bench/deps.sh: missing:$need (run as root, or apt-get install them)" >&2
	exit 1
fi
apt-get update -qq
# redis-server must not start a system service as a side effect.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends $need
