#!/usr/bin/env bash
# it-one.sh TOPIC [BUILD] — runs one integration file (tests/integration/TOPIC.sh)
# against BUILD's binaries (default build/san), as root and as uid 65534,
# the way run-all.sh does; for working on one area without the whole suite.
set -u
TOPIC=${1:?usage: tests/it-one.sh test_TOPIC [BUILD]}
BUILD=${2:-build/san}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d /tmp/ward-it.XXXXXX)
chmod 755 "$WORK"
mkdir "$WORK/bin"
cp "$BUILD/ward" "$BUILD"/progs/* examples/policy.yaml "$WORK/bin/"
chmod -R a+rX "$WORK/bin"
rc=0
tests/integration/"$TOPIC".sh "$WORK" || rc=1
tests/integration/"$TOPIC".sh "$WORK" 65534 || rc=1
rm -rf "$WORK"
exit $rc
