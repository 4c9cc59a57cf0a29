#!/usr/bin/env bash
# bench/sip.sh - `switchboard analyze` against sngrep and tshark on one capture of >= 100,000 SIP
# messages made here with SIPp on loopback (built-in uac/uas, all calls on one UDP 5-tuple, the
# trunk case). Reports messages per second and peak RSS of each, as ratios to sngrep, and the
# dialog counts (switchboard's Call-IDs against sngrep's "Dialog count").
# Needs root (tcpdump on lo), sip-tester (sipp), tcpdump, sngrep, tshark, GNU time.
# Usage: bench/sip.sh [workdir] [calls]   (default /tmp/sb-sipbench, 17000 calls = 102,000 msgs)
#        SWITCHBOARD=path/to/switchboard  (default build/switchboard)
#        KEEP=1 keeps the capture (reused by the next run when the call count matches).
#        RUNS=N runs of each tool (default 5; the best wall and CPU time of each are compared).
# Goals (issue 6): >= 30x sngrep's messages/s, <= 1/4 of its peak RSS, the same dialog count.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/sb-sipbench}
CALLS=${2:-17000}
RUNS=${RUNS:-5}
SB=${SWITCHBOARD:-$root/build/switchboard}
mkdir -p "$W"
cd "$W" || exit 1
for t in sipp tcpdump sngrep tshark /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing $t (make deps)"; exit 1; }
done
[ -x "$SB" ] || { echo "missing $SB (make build)"; exit 1; }

if [ ! -s big.pcap ] || [ "$(cat big.calls 2>/dev/null)" != "$CALLS" ]; then
  echo "building the capture: $CALLS calls with SIPp (about $((CALLS / 1000 + 10)) s)"
  rm -f big.pcap
  tcpdump -i lo -s 0 -B 65536 -U -Z root -w big.pcap 'udp port 5060 or udp port 5070' 2>tcpdump.log &
  CAP=$!
  sleep 1
  timeout 300 sipp -sn uas -i 127.0.0.1 -p 5060 -m "$CALLS" -nostdin >uas.out 2>&1 &
  UAS=$!
  sleep 0.5
  timeout 300 sipp -sn uac 127.0.0.1:5060 -i 127.0.0.1 -p 5070 -m "$CALLS" -r 1000 -d 1000 \
    -l 5000 -nostdin >uac.out 2>&1
  wait $UAS
  sleep 1
  kill -INT $CAP
  wait $CAP
  grep -E "captured|dropped" tcpdump.log
  echo "$CALLS" > big.calls
fi

# run LABEL CMD... : best and median wall time of RUNS runs, peak RSS (GNU time) and best CPU
# time (user+sys) - on a shared machine CPU time is the steadier figure; stdout of the last run
# kept.
# With perf installed, a second run of each under perf stat gives the CPU time (task-clock;
# GNU time's figure has a 10 ms resolution, a fifth of switchboard's whole run here) and the
# wall time (perf's elapsed time, from the command's start to its exit). Without perf the wall
# time is taken around /usr/bin/time with date, less the same harness running /bin/true: the
# two forks, the exec of time and date's own start cost about 5 ms here, a tenth of
# switchboard's run and nothing of sngrep's, and they are not the commands' own time.
PERF=""
command -v perf >/dev/null 2>&1 && perf stat -e task-clock -o /dev/null true 2>/dev/null && PERF=1
# the harness's own cost around a command (best of 5 runs of /bin/true), for the runs without perf
HARNESS=""
for _ in 1 2 3 4 5; do
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M %U %S' -o harness.rss /bin/true
  t1=$(date +%s.%N)
  h=$(echo "$t1 - $t0" | bc -l)
  if [ -z "$HARNESS" ] || [ "$(echo "$h < $HARNESS" | bc -l)" = 1 ]; then HARNESS=$h; fi
done
run() {
  local label=$1 best="" rss=0 cpu=""
  shift
  : >"$label.walls"
  for _ in $(seq "$RUNS"); do
    local t0 t1 w r c
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o "$label.rss" "$@" >"$label.out" 2>"$label.err"
    t1=$(date +%s.%N)
    w=$(echo "$t1 - $t0" | bc -l)
    read -r r u s < <(tail -n 1 "$label.rss")
    c=$(echo "$u + $s" | bc -l)
    w=$(echo "$w - $HARNESS" | bc -l)
    if [ -n "$PERF" ]; then
      local ms el
      perf stat -e task-clock -o "$label.perf" -- "$@" >/dev/null 2>&1
      ms=$(awk '/task-clock/ {gsub(",", "", $1); print $1; exit}' "$label.perf")
      el=$(awk '/seconds time elapsed/ {print $1; exit}' "$label.perf")
      [ -n "$ms" ] && c=$(echo "$ms / 1000" | bc -l)
      [ -n "$el" ] && w=$el
    fi
    echo "$w" >>"$label.walls"
    if [ -z "$best" ] || [ "$(echo "$w < $best" | bc -l)" = 1 ]; then best=$w; fi
    if [ -z "$cpu" ] || [ "$(echo "$c < $cpu" | bc -l)" = 1 ]; then cpu=$c; fi
    [ "$r" -gt "$rss" ] && rss=$r
  done
  echo "$best $rss $cpu $(sort -g "$label.walls" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
}

read -r SB_WALL SB_RSS SB_CPU SB_MED < <(run switchboard "$SB" analyze big.pcap --no-progress)
MSGS=$(sed -n 's/.* \([0-9]*\) SIP messages.*/\1/p' switchboard.out | head -n 1)
SB_DIALOGS=$(sed -n 's/.* \([0-9]*\) Call-IDs.*/\1/p' switchboard.out | head -n 1)
read -r NG_WALL NG_RSS NG_CPU NG_MED < <(run sngrep sngrep -I big.pcap -N -l 1000000)
NG_DIALOGS=$(sed -n 's/.*Dialog count: \([0-9]*\).*/\1/p' sngrep.out | head -n 1)
read -r TS_WALL TS_RSS TS_CPU TS_MED < <(run tshark tshark -r big.pcap -q -z sip,stat)

# messages per second; a time below the clock's resolution counts as 1 us
rate() { echo "t = $1; if (t < 0.000001) t = 0.000001; $MSGS / t" | bc -l | xargs printf '%.0f'; }
SB_RATE=$(rate "$SB_WALL")
NG_RATE=$(rate "$NG_WALL")
TS_RATE=$(rate "$TS_WALL")
echo
echo "capture: $(du -h big.pcap | cut -f1), $MSGS SIP messages ($CALLS calls); load: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$PERF" ] && echo "wall s: perf stat elapsed; CPU s: perf task-clock (without perf: date around GNU time less $(printf '%.4f' "$HARNESS") s of harness; user+sys)"
echo "best of $RUNS runs each (wall and CPU); median wall of the $RUNS in the last column"
printf '%-36s %8s %10s %8s %10s %11s %8s\n' command "wall s" "msgs/s" "CPU s" "msgs/CPU-s" "peak RSS kB" "median s"
row() { printf '%-36s %8.3f %10s %8.3f %10s %11s %8.3f\n' "$1" "$2" "$(rate "$2")" "$3" "$(rate "$3")" "$4" "$5"; }
row "switchboard analyze big.pcap" "$SB_WALL" "$SB_CPU" "$SB_RSS" "$SB_MED"
row "sngrep -I big.pcap -N -l 1000000" "$NG_WALL" "$NG_CPU" "$NG_RSS" "$NG_MED"
row "tshark -r big.pcap -q -z sip,stat" "$TS_WALL" "$TS_CPU" "$TS_RSS" "$TS_MED"
SB_RATE=$(rate "$SB_WALL")
NG_RATE=$(rate "$NG_WALL")
TS_RATE=$(rate "$TS_WALL")
SPEED=$(echo "$SB_RATE / $NG_RATE" | bc -l)
CPUSPEED=$(echo "$(rate "$SB_CPU") / $(rate "$NG_CPU")" | bc -l)
MEM=$(echo "$NG_RSS / $SB_RSS" | bc -l)
printf 'switchboard vs sngrep: %.1fx messages/s by wall time (goal >= 30x), %.1fx by CPU time, 1/%.1f of the peak RSS (goal >= 1/4)\n' "$SPEED" "$CPUSPEED" "$MEM"
printf 'switchboard vs sngrep, median against median wall time: %.1fx\n' "$(echo "$(rate "$SB_MED") / $(rate "$NG_MED")" | bc -l)"
printf 'switchboard vs tshark: %.1fx messages/s by wall time, %.1fx by CPU time, 1/%.1f of the peak RSS\n' \
  "$(echo "$SB_RATE / $TS_RATE" | bc -l)" "$(echo "$(rate "$SB_CPU") / $(rate "$TS_CPU")" | bc -l)" "$(echo "$TS_RSS / $SB_RSS" | bc -l)"
echo "dialogs: switchboard $SB_DIALOGS Call-IDs, sngrep $NG_DIALOGS"
[ "${KEEP:-0}" = 1 ] || rm -f big.pcap big.calls
ok=1
[ "$(echo "$SPEED >= 30" | bc -l)" = 1 ] || ok=0
[ "$(echo "$MEM >= 4" | bc -l)" = 1 ] || ok=0
[ "$SB_DIALOGS" = "$NG_DIALOGS" ] || ok=0
[ $ok = 1 ] && echo "goals met" || echo "goals NOT met"
