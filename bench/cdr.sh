#!/usr/bin/env bash
# bench/cdr.sh - `switchboard report FILE` (streaming, no import) and `switchboard report FILE
# --import` (load into the SQLite store, then report from it) against the sqlite3 command-line
# shell doing `.import` of the same CSV and the same aggregate queries, on one generated
# 10,000,000-row CDR file. Reports wall time, MB/s (wall and per CPU second) and peak RSS of
# each, the ratios to sqlite3, and the streaming report's peak RSS on a file 10x smaller (to show
# it does not grow with the file).
# Goals (issue 7): streaming >= 10x faster than sqlite3 import+query, >= 300 MB/s on one core,
# peak RSS independent of the file size.
# Usage: bench/cdr.sh [workdir] [rows]  (default bench/out/cdr-scratch, 10000000 rows)
#        SWITCHBOARD=path/to/switchboard CDR_GEN=path/to/cdr_gen (default build/...)
#        KEEP=1 keeps the generated files (they are deleted at the end otherwise).
# Needs sqlite3 and GNU time.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$root/bench/out/cdr-scratch}
ROWS=${2:-10000000}
SB=${SWITCHBOARD:-$root/build/switchboard}
GEN=${CDR_GEN:-$(dirname "$SB")/cdr_gen}
for t in sqlite3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing $t (make deps)"; exit 1; }
done
[ -x "$SB" ] || { echo "missing $SB (make build)"; exit 1; }
[ -x "$GEN" ] || { echo "missing $GEN (make build)"; exit 1; }
mkdir -p "$W"
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -f "$W"/big.csv "$W"/small.csv "$W"/*.db "$W"/*.db-wal "$W"/*.db-shm; }
trap cleanup EXIT

SMALL=$((ROWS / 10))
echo "generating $ROWS and $SMALL rows"
[ -s "$W/big.csv" ] && [ "$(cat "$W/big.rows" 2>/dev/null)" = "$ROWS" ] || { "$GEN" --rows "$ROWS" > "$W/big.csv" && echo "$ROWS" > "$W/big.rows"; }
"$GEN" --rows "$SMALL" --seed 2 > "$W/small.csv"
BYTES=$(stat -c %s "$W/big.csv")
MB=$(echo "$BYTES / 1000000" | bc -l)
SMALL_MB=$(echo "$(stat -c %s "$W/small.csv") / 1000000" | bc -l)
printf "file: %s rows, %.0f MB\n" "$ROWS" "$MB"
cat "$W/big.csv" > /dev/null # warm the page cache for every contender alike

# run NAME CMD...: wall, user+sys, peak RSS in $W/NAME.time
run() {
  local name=$1 mb=$MB; shift
  [ "$name" = sb-stream-small ] && mb=$SMALL_MB
  /usr/bin/time -f "%e %U %S %M" -o "$W/$name.time" "$@" > "$W/$name.out" 2> "$W/$name.err"
  local rc=$?
  [ $rc -eq 0 ] || { echo "$name failed ($rc):"; tail -3 "$W/$name.err"; }
  read -r WALL USR SYS RSS < "$W/$name.time"
  CPU=$(echo "$USR + $SYS" | bc -l)
  printf "%-28s wall %7.2f s  cpu %7.2f s  %7.1f MB/s wall  %7.1f MB/s cpu  peak RSS %7.1f MB\n" \
    "$name" "$WALL" "$CPU" "$(echo "$mb / $WALL" | bc -l)" "$(echo "$mb / $CPU" | bc -l)" "$(echo "$RSS / 1024" | bc -l)"
  eval "${name//-/_}_wall=$WALL; ${name//-/_}_cpu=$CPU; ${name//-/_}_rss=$RSS"
}

QUERY="
SELECT count(*), sum(billsec > 0), round(100.0 * sum(billsec > 0) / count(*), 2),
       round(1.0 * sum(billsec) / sum(billsec > 0), 1), round(sum(billsec) / 60.0, 1),
       round(sum(revenue), 2), round(sum(cost), 2), count(DISTINCT customer) FROM cdr;
SELECT customer, count(*), sum(billsec > 0), sum(billsec) FROM cdr GROUP BY customer ORDER BY 2 DESC LIMIT 10;
SELECT dest_name, count(*), sum(billsec > 0) FROM cdr GROUP BY dest_name ORDER BY 2 DESC LIMIT 10;
SELECT carrier, count(*), sum(billsec = 0) FROM cdr GROUP BY carrier ORDER BY 3 DESC;
SELECT sip_code, count(*) FROM cdr WHERE billsec = 0 GROUP BY sip_code ORDER BY 2 DESC;
SELECT substr(start, 1, 10) AS day, count(*), sum(billsec > 0), sum(billsec) FROM cdr GROUP BY day ORDER BY day;"

rm -f "$W"/*.db "$W"/*.db-wal "$W"/*.db-shm
run sb-stream "$SB" report "$W/big.csv" --json
run sb-stream-small "$SB" report "$W/small.csv" --json
run sb-import-report "$SB" report "$W/big.csv" --import --json --store "$W/sb.db"
run sqlite3-import-query sqlite3 "$W/sq.db" -cmd ".mode csv" -cmd ".import $W/big.csv cdr" "$QUERY"

ATT=$(grep -m1 '"attempts"' "$W/sb-stream.out" | tr -dc 0-9)
SQ=$(head -1 "$W/sqlite3-import-query.out" | cut -d, -f1)
echo "attempts: switchboard $ATT, sqlite3 $SQ"
[ "$ATT" = "$SQ" ] || echo "WARNING: the row counts differ"
printf "streaming vs sqlite3 import+query: %.1fx faster (goal >= 10x)\n" "$(echo "$sqlite3_import_query_wall / $sb_stream_wall" | bc -l)"
printf "store import+report vs sqlite3 import+query: %.2fx\n" "$(echo "$sqlite3_import_query_wall / $sb_import_report_wall" | bc -l)"
printf "streaming throughput: %.0f MB/s wall, %.0f MB/s per CPU second (goal >= 300 MB/s on one core)\n" \
  "$(echo "$MB / $sb_stream_wall" | bc -l)" "$(echo "$MB / $sb_stream_cpu" | bc -l)"
printf "streaming peak RSS: %.1f MB on %s rows, %.1f MB on %s rows (ratio %.2f)\n" \
  "$(echo "$sb_stream_rss / 1024" | bc -l)" "$ROWS" "$(echo "$sb_stream_small_rss / 1024" | bc -l)" "$SMALL" \
  "$(echo "$sb_stream_rss / $sb_stream_small_rss" | bc -l)"
printf "peak RSS vs sqlite3: %.2fx\n" "$(echo "$sb_stream_rss / $sqlite3_import_query_rss" | bc -l)"
