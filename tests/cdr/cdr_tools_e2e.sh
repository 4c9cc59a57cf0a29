#!/bin/sh
# End-to-end: the CDR MCP tools through `switchboard call` and the stdio protocol, and the
# `switchboard report` CLI. Outputs are checked against the tools' outputSchema by the server
# (SB_CHECK_OUTPUT=1). Usage: cdr_tools_e2e.sh SWITCHBOARD CDR_GEN SOURCE_DIR
set -eu
SB=$1 GEN=$2 SRC=$3
T=$(mktemp -d /tmp/cdr_e2e_XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/data/sub" "$T/outside"
cp "$SRC/tests/cdr/data/asterisk_master.csv" "$T/data/"
cp "$SRC/tests/cdr/data/connexcs.json" "$T/data/sub/"
echo 'start,callee' > "$T/outside/secret.csv"
ln -s "$T/outside/secret.csv" "$T/data/escape.csv"
ln -s "$T/outside" "$T/data/dirlink"
"$GEN" --rows 30000 --days 2 --plant > "$T/data/planted.csv"
export SB_CHECK_OUTPUT=1
call() { "$SB" --data-dir "$T/data" --store "$T/store.db" call "$@" --json 2>"$T/err"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { [ "$(printf "%s\n" "$1" | jq -r "$2")" = "$3" ] || fail "$2: got $(printf "%s\n" "$1" | jq -c "$2"), want $3"; }

# imports: counts, bad rows with line numbers, idempotent
out=$(call import_cdrs '{"path":"asterisk_master.csv","country":"GB"}')
check "$out" .structuredContent.added 6
check "$out" .structuredContent.rows_bad 2
check "$out" '.structuredContent.bad_rows[0].line' 7
out=$(call import_cdrs '{"path":"asterisk_master.csv","country":"GB"}')
check "$out" .structuredContent.added 0
check "$out" .structuredContent.already_stored 6
out=$(call import_cdrs '{"path":"sub/connexcs.json","country":"GB"}')
check "$out" .structuredContent.dialect connexcs-json
check "$out" .structuredContent.added 4

# retention: the test data is from 2026-03; keeping 0 days purges all of it
out=$(call import_cdrs '{"path":"asterisk_master.csv","retain_days":0}')
check "$out" .structuredContent.purged 10
check "$out" .structuredContent.stored_total 0
call import_cdrs '{"path":"asterisk_master.csv","country":"GB"}' > /dev/null
call import_cdrs '{"path":"sub/connexcs.json","country":"GB"}' > /dev/null

# paths outside the data directory, directly, by .., by symlink (file and directory)
for p in "$T/outside/secret.csv" ../outside/secret.csv escape.csv dirlink/secret.csv /etc/passwd missing.csv; do
    if out=$(call import_cdrs "{\"path\":\"$p\"}"); then fail "import of $p was allowed"; fi
    check "$out" .isError true
done
printf "%s\n" "$(call cdr_report '{"path":"escape.csv"}' || true)" | grep -q 'outside the directories' || fail "report read through a symlink"

# report from the store (Asterisk + ConnexCS rows) and from a file with filters
out=$(call cdr_report '{"customer":"cust1"}')
check "$out" .structuredContent.summary.attempts 3
check "$out" .structuredContent.summary.asr 66.67
out=$(call cdr_report '{"path":"asterisk_master.csv","country":"GB","from":"2026-03-02","to":"2026-03-02","top":3}')
check "$out" .structuredContent.summary.attempts 3
check "$out" '.structuredContent.daily | length' 1
printf "%s\n" "$out" | jq -r .structuredContent.mermaid | grep -q xychart-beta || fail "no mermaid chart"

out=$(SB_DEFAULT_COUNTRY=GB call cdr_report '{"path":"asterisk_master.csv"}')
check "$out" '.structuredContent.top_destinations[0].destination' 4420
out=$(call cdr_report '{"path":"asterisk_master.csv"}')
check "$out" '.structuredContent.top_destinations[0].destination' 0207

# anomalies: each planted kind found in the generated file
out=$(call find_cdr_anomalies '{"path":"planted.csv","country":"GB"}')
for k in zero_repeat routing_gap prefix_dup burst_503 short_calls fas high_cost_burst round_duration; do
    n=$(printf "%s\n" "$out" | jq ".structuredContent.counts_by_kind.$k")
    [ "$n" -ge 1 ] || fail "anomaly $k not found"
done
out=$(call find_cdr_anomalies '{"path":"planted.csv","kinds":["burst_503"],"burst_min":16}')
check "$out" .structuredContent.counts_by_kind.burst_503 1

# search: filters and pages
out=$(call search_cdrs '{"customer":"cust2","limit":2}')
check "$out" .structuredContent.total 3
check "$out" .structuredContent.hasMore true
check "$out" .structuredContent.nextOffset 2
out=$(call search_cdrs '{"callee":"020 7946 0018","country":"GB"}')
check "$out" .structuredContent.total 2

# progress notifications during a long read (stdio protocol)
"$GEN" --rows 100000 > "$T/data/big.csv"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"import_cdrs","arguments":{"path":"big.csv"},"_meta":{"progressToken":"p1"}}}' |
    timeout 120 "$SB" --data-dir "$T/data" --store "$T/store.db" serve --drain-ms 100000 > "$T/proto.out" 2>/dev/null
grep -q '"method":"notifications/progress","params":{"progressToken":"p1"' "$T/proto.out" || fail "no progress notification"
grep '"id":2' "$T/proto.out" | jq -e '.result.structuredContent.added == 100000' >/dev/null || fail "big import result"

# the CLI: streaming report, JSON, SVG, import then store report
"$SB" report "$T/data/asterisk_master.csv" --country GB --json > "$T/r.json" 2>/dev/null
check "$(cat "$T/r.json")" .summary.answered 3
"$SB" report "$T/data/planted.csv" --svg "$T/r.svg" > /dev/null 2>&1
head -c 5 "$T/r.svg" | grep -q '<?xml' || fail "no SVG written"
grep -q '</svg>' "$T/r.svg" || fail "SVG not closed"
"$SB" --store "$T/cli.db" report "$T/data/asterisk_master.csv" --import --json > "$T/s.json" 2>/dev/null
check "$(cat "$T/s.json")" .summary.attempts 6
"$SB" report --customer cust2 --json --store "$T/cli.db" > "$T/s2.json" 2>/dev/null
check "$(cat "$T/s2.json")" .summary.attempts 3
if "$SB" report "$T/data/nope.csv" > /dev/null 2>&1; then fail "missing file accepted"; fi
XDG_DATA_HOME="$T/xdg" "$SB" report "$T/data/asterisk_master.csv" --import > /dev/null 2>&1
XDG_DATA_HOME="$T/xdg" "$SB" report --json --store > "$T/s3.json" 2>/dev/null
check "$(cat "$T/s3.json")" .summary.attempts 6
[ -f "$T/xdg/switchboard/cdr.db" ] || fail "default store not in XDG_DATA_HOME"
echo "cdr e2e: all checks passed"
