#!/usr/bin/env bash
# Streamable HTTP benchmark, side by side in one run: switchboard serve --http against the
# TypeScript SDK reference server (shared/peers/mcp-sdk/echo-server-http.mjs, SDK 1.32.2 +
# Express 5). Same driver for both: wrk with the peers' tools-call.lua (tools/call echo, unique
# JSON-RPC ids), 1 thread, 1/8/32 keep-alive connections, stateless and with one session.
# Then RSS after LONG requests (default 1,000,000) on each of our modes (SDK: SDK_LONG, default
# 100,000 because the SDK needs ~15-30 min for a million; set SDK_LONG=1000000 for the full run).
#
# Usage: bench/http.sh [seconds per point, default 15]
# Env:   SWITCHBOARD (default build/switchboard), SHARED (default ../shared beside the repo),
#        LONG, SDK_LONG, CONNS ("1 8 32"), OUT (default bench/out/http-<time>.jsonl)
# Needs: wrk, curl, node + npm (the SDK's packages go to bench/out/http-sdk, gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
D=${1:-15}
CONNS=${CONNS:-"1 8 32"}
LONG=${LONG:-1000000}
SDK_LONG=${SDK_LONG:-100000}
SB=${SWITCHBOARD:-$ROOT/build/switchboard}
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
PEER=$SHARED/peers/mcp-sdk
SCRATCH=$ROOT/bench/out/http-sdk
mkdir -p "$ROOT/bench/out"
OUT=${OUT:-$ROOT/bench/out/http-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
: > "$OUT"

for tool in wrk curl node npm; do
  command -v "$tool" >/dev/null || { echo "bench/http.sh: $tool is needed" >&2; exit 2; }
done
[ -x "$SB" ] || { echo "bench/http.sh: no $SB (make build first)" >&2; exit 2; }
[ -f "$PEER/echo-server-http.mjs" ] || { echo "bench/http.sh: no peer in $PEER" >&2; exit 2; }

# The SDK peer in a scratch dir (the shared folder is read-only).
if [ ! -d "$SCRATCH/node_modules/@modelcontextprotocol/sdk" ] || ! cmp -s "$PEER/package-lock.json" "$SCRATCH/package-lock.json"; then
  mkdir -p "$SCRATCH"
  cp "$PEER/package.json" "$PEER/package-lock.json" "$SCRATCH/"
  (cd "$SCRATCH" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
cp "$PEER/echo-server-http.mjs" "$SCRATCH/"

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rss_mib() { awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mib() { awk '/VmHWM/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
wait_up() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "server did not come up: $1" >&2; return 1; }

# start_server NAME MODE -> sets SPID and URL
start_server() {
  local name=$1 mode=$2
  if [ "$name" = sdk ]; then
    local port; port=$(free_port)
    (cd "$SCRATCH" && MODE=$mode-json PORT=$port exec node echo-server-http.mjs 2>/dev/null) & SPID=$!
    URL=http://127.0.0.1:$port/mcp
  else
    local log; log=$(mktemp)
    local extra=(); [ "$mode" = stateless ] && extra=(--stateless)
    "$SB" --conformance-fixtures serve --http 127.0.0.1:0 --no-access-log --max-calls-per-session 64 "${extra[@]}" 2>"$log" & SPID=$!
    for _ in $(seq 100); do grep -aq 'listening on port' "$log" && break; sleep 0.05; done
    URL=http://127.0.0.1:$(grep -ao 'listening on port [0-9]*' "$log" | grep -o '[0-9]*$')/mcp
    rm -f "$log"
  fi
  PIDS+=("$SPID")
  wait_up "$URL"
}

stop_server() { kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; }

session_header() {
  if [ "$1" = session ]; then HDR=(-H "Mcp-Session-Id: $(sh "$PEER/session-init.sh" "$URL")"); else HDR=(); fi
}

emit() { echo "$1" | tee -a "$OUT" >/dev/null; }

declare -A RPS P99
for mode in stateless session; do
  for name in switchboard sdk; do
    start_server "$name" "$mode"
    session_header "$mode"
    wrk -t1 -c4 -d3s -s "$PEER/tools-call.lua" "${HDR[@]}" "$URL" >/dev/null   # warm-up
    for c in $CONNS; do
      R=$(wrk -t1 -c"$c" -d"${D}s" -s "$PEER/tools-call.lua" "${HDR[@]}" "$URL" | sed -n 's/^JSON: //p')
      RPS[$name,$mode,$c]=$(echo "$R" | sed -n 's/.*"rps":\([0-9]*\).*/\1/p')
      P99[$name,$mode,$c]=$(echo "$R" | sed -n 's/.*"lat_p99_us":\([0-9]*\).*/\1/p')
      emit "{\"server\":\"$name\",\"mode\":\"$mode\",\"connections\":$c,\"wrk\":$R,\"rss_MiB\":$(rss_mib "$SPID")}"
    done
    emit "{\"server\":\"$name\",\"mode\":\"$mode\",\"peak_rss_MiB\":$(hwm_mib "$SPID")}"
    stop_server
  done
done

# RSS over a long run: wrk in 10 s chunks (8 connections) until at least N requests were served.
long_run() {
  local n=$1 total=0 chunks=0 secs=0 bad=0 r
  while [ "$total" -lt "$n" ] && [ "$chunks" -lt 720 ]; do
    r=$(wrk -t1 -c8 -d10s -s "$PEER/tools-call.lua" "${HDR[@]}" "$URL" | sed -n 's/^JSON: //p')
    total=$((total + $(echo "$r" | sed -n 's/.*"requests":\([0-9]*\).*/\1/p')))
    bad=$((bad + $(echo "$r" | sed -n 's/.*"non2xx_or_socket_errors":\([0-9]*\).*/\1/p')))
    chunks=$((chunks + 1)); secs=$((secs + 10))
  done
  echo "{\"requests\":$total,\"seconds\":$secs,\"errors\":$bad}"
}
declare -A RSS0 RSS1
for mode in stateless session; do
  for name in switchboard sdk; do
    n=$LONG; [ "$name" = sdk ] && n=$SDK_LONG
    start_server "$name" "$mode"
    session_header "$mode"
    wrk -t1 -c4 -d2s -s "$PEER/tools-call.lua" "${HDR[@]}" "$URL" >/dev/null
    RSS0[$name,$mode]=$(rss_mib "$SPID")
    R=$(long_run "$n")
    RSS1[$name,$mode]=$(rss_mib "$SPID")
    emit "{\"server\":\"$name\",\"mode\":\"$mode\",\"long_run\":$R,\"rss_before_MiB\":${RSS0[$name,$mode]},\"rss_after_MiB\":${RSS1[$name,$mode]},\"peak_rss_MiB\":$(hwm_mib "$SPID")}"
    stop_server
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
echo
echo "Streamable HTTP, tools/call echo, wrk 1 thread, ${D} s per point (raw: $OUT)"
printf "%-10s %5s | %12s %10s | %12s %10s | %8s\n" mode conns "switchboard" "p99 us" "SDK req/s" "p99 us" "ratio"
for mode in stateless session; do
  for c in $CONNS; do
    printf "%-10s %5s | %12s %10s | %12s %10s | %8s\n" "$mode" "$c" "${RPS[switchboard,$mode,$c]}" "${P99[switchboard,$mode,$c]}" \
      "${RPS[sdk,$mode,$c]}" "${P99[sdk,$mode,$c]}" "$(ratio "${RPS[switchboard,$mode,$c]}" "${RPS[sdk,$mode,$c]}")"
  done
done
echo
echo "RSS (MiB) before -> after a long run: switchboard $LONG requests, SDK $SDK_LONG requests"
for mode in stateless session; do
  printf "%-10s switchboard %s -> %s | SDK %s -> %s\n" "$mode" "${RSS0[switchboard,$mode]}" "${RSS1[switchboard,$mode]}" \
    "${RSS0[sdk,$mode]}" "${RSS1[sdk,$mode]}"
done
