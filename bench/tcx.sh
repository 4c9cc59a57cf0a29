#!/bin/sh
# 3CX benchmark: token requests over 1,000 tool calls (goal: 1), upstream requests per tool, and
# the server-side time per tool call beyond the time spent waiting for the PBX, in-process
# through the MCP core against the XAPI simulator on loopback.
# usage: bench/tcx.sh [BUILD_DIR] [CALLS]   (default build, 1000)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
CALLS=${2:-1000}
cmake --build "$BUILD" -j2 --target tcx_bench tcx-sim switchboard >/dev/null 2>&1 ||
  cmake --build "$BUILD" -j2 --target tcx_bench tcx-sim switchboard
TCX_SIM="$BUILD/tcx-sim" SWITCHBOARD="$BUILD/switchboard" "$BUILD/bench/tcx/tcx_bench" "$CALLS" 2>/dev/null
