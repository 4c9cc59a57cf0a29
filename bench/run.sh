#!/usr/bin/env bash
# Runs every benchmark script in bench/ (stdio, http, sip, cdr, tcx, cx), each side by side
# with its named peer, and collects their reports in bench/out/. Not part of make test.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/bench/out"
status=0
for script in "$root"/bench/*.sh; do
  [ "$(basename "$script")" = run.sh ] && continue
  name=$(basename "$script" .sh)
  echo "=== bench $name"
  if ! "$script" 2>&1 | tee "$root/bench/out/$name.txt"; then
    echo "bench $name failed" >&2
    status=1
  fi
done
exit $status
