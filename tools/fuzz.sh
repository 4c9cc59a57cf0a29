#!/usr/bin/env bash
# Runs every libFuzzer binary in DIR for SECONDS each, starting from its corpus in
# fuzz/<name>/corpus (copied to a scratch directory so the committed corpus stays as it is).
set -euo pipefail
dir=$1 seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
shopt -s nullglob
fuzzers=("$dir"/fuzz_*)
[ ${#fuzzers[@]} -gt 0 ] || { echo "no fuzz targets"; exit 0; }
for f in "${fuzzers[@]}"; do
  name=${f##*/fuzz_}
  work=$(mktemp -d)
  [ -d "$root/fuzz/$name/corpus" ] && cp -r "$root/fuzz/$name/corpus/." "$work/"
  echo "fuzzing $name for ${seconds}s"
  "$f" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$work/" "$work" 2>&1 | tail -n 5
  rm -rf "$work"
done
