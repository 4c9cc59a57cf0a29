#!/bin/sh
# ConnexCS benchmark: getCallReport over 30 days of 1,000,000 CDRs served by the simulator
# (build/connexcs-sim --cdr-count N) through `switchboard call` (the MCP core in-process):
# wall time, peak RSS and upstream requests. Side by side with the floor: the same POST cdr
# pages fetched back to back with curl (no parsing, no analysis), so the ratio is what the
# connector and the CDR engine add on top of moving the bytes.
# usage: bench/cx.sh [BUILD_DIR] [CDRS]   (default build, 1000000)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
CDRS=${2:-1000000}
NOW=2026-03-01T12:00:00Z
cmake --build "$BUILD" -j2 --target connexcs-sim switchboard >/dev/null 2>&1 ||
  cmake --build "$BUILD" -j2 --target connexcs-sim switchboard
TMP=$(mktemp -d)
SIM_PID=
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

"$BUILD/connexcs-sim" --listen 127.0.0.1:0 --now "$NOW" --cdr-count "$CDRS" --max-seconds 900 \
  >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
i=0
while ! grep -q listening "$TMP/sim.out" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "simulator did not start" >&2; exit 1; }
  sleep 0.1
done
BASE=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$TMP/sim.out" | head -1)
TOTAL=$(curl -s "$BASE/_sim/truth" | sed -n 's/.*"cdr":{"total":\([0-9]*\).*/\1/p')
curl -s -X DELETE "$BASE/_sim/requests" >/dev/null

export API_USERNAME=api@sim.connexcs.net API_PASSWORD=sim-password CONNEXCS_BASE_URL="$BASE/api/cp/" CONNEXCS_NOW="$NOW"
# one untimed run first: the simulator indexes its calls lazily on the first scan
"$BUILD/switchboard" call getCallReport '{"days":30}' >/dev/null 2>&1
curl -s -X DELETE "$BASE/_sim/requests" >/dev/null
/usr/bin/time -f '%e %M' -o "$TMP/time" "$BUILD/switchboard" call getCallReport '{"days":30}' --json \
  >"$TMP/report.json" 2>"$TMP/sb.err"
read -r WALL RSS_KB <"$TMP/time"
ATTEMPTS=$(jq '.structuredContent.summary.attempts' "$TMP/report.json")
REQS=$(jq '.structuredContent.fetch.upstream_requests' "$TMP/report.json")
PAGES=$(jq '.structuredContent.fetch.pages' "$TMP/report.json")
LOGGED=$(curl -s "$BASE/_sim/requests" | jq '[.[] | select(.path == "/api/cp/cdr")] | length')

# The floor: replay the same request bodies with curl, sequentially, discarding the answers.
curl -s "$BASE/_sim/requests" | jq -c '.[] | select(.path == "/api/cp/cdr") | .body' >"$TMP/bodies"
START=$(date +%s.%N)
while IFS= read -r body; do
  printf '%s' "$body" | jq -r '.' | curl -s -o /dev/null -u "$API_USERNAME:$API_PASSWORD" \
    -H 'Content-Type: application/json' --data-binary @- "$BASE/api/cp/cdr"
done <"$TMP/bodies"
END=$(date +%s.%N)
FLOOR=$(echo "$END - $START" | bc -l)

printf 'cx bench: getCallReport, 30 days, %s CDRs in the simulator (truth %s)\n' "$CDRS" "$TOTAL"
printf '  attempts counted      %s (%s)\n' "$ATTEMPTS" "$([ "$ATTEMPTS" = "$TOTAL" ] && echo matches truth || echo MISMATCH)"
printf '  upstream requests     %s (POST cdr pages %s, in the simulator log %s)\n' "$REQS" "$PAGES" "$LOGGED"
printf '  switchboard wall      %.2f s\n' "$WALL"
printf '  switchboard peak RSS  %.1f MiB\n' "$(echo "$RSS_KB / 1024" | bc -l)"
printf '  curl fetch floor      %.2f s (same %s requests, no parsing)\n' "$FLOOR" "$LOGGED"
printf '  ratio wall / floor    %.2f\n' "$(echo "$WALL / $FLOOR" | bc -l)"
[ "$ATTEMPTS" = "$TOTAL" ]
