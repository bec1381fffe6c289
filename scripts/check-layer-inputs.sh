#!/usr/bin/env bash
# The plan is the layers' only input (docs/architecture.md): no file of the
# layers, the sandbox or the supervisor includes the policy's header or
# takes a struct ward_policy. They see policy types only through plan/plan.h
# (the rule structs its sections copy). `make lint` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=(src/lib/sandbox src/lib/layers src/lib/supervisor)
for d in src/lib/bpf*; do dirs+=("$d"); done
bad=$(grep -rnE '#[[:space:]]*include[[:space:]]*"policy/(policy|policy_internal)\.h"' "${dirs[@]}" || true)
bad+=$(grep -rnw 'ward_policy' "${dirs[@]}" || true)
if [ -n "$bad" ]; then
	echo "check-layer-inputs: a layer reads the policy (it must read its plan section; docs/architecture.md):" >&2
	echo "$bad" >&2
	exit 1
fi
echo "check-layer-inputs: ok (${dirs[*]} read only the plan)"
