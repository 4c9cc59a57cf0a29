#!/usr/bin/env bash
# make demo: starts build/switchboard and drives it with the official MCP SDK client through a
# scripted session (tests/e2e/demo.mjs; steps in tests/e2e/demo.d/), printing the answers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export SWITCHBOARD=${SWITCHBOARD:-$root/${BUILD:-build}/switchboard}
[ -x "$SWITCHBOARD" ] || { echo "tools/demo.sh: $SWITCHBOARD is not built (make build)" >&2; exit 1; }
"$root/tests/e2e/setup.sh"
exec "$root/tests/e2e/node" "$root/tests/e2e/demo.mjs" "$@"
