// Reads the stdio-bench.mjs results of one bench/stdio.sh run and prints them side by side,
// with the ratios the goals are stated in (SDK / switchboard) and a verdict per goal.
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dir, sdkNode] = process.argv.slice(2);
const load = (n) => (existsSync(join(dir, `${n}.json`)) ? JSON.parse(readFileSync(join(dir, `${n}.json`), "utf8")) : null);
const r = { c: load("c"), sdk: load("sdk"), floor: load("floor"), c100: load("c_100k"), sdk100: load("sdk_100k"), c1m: load("c_1m"), sdk1m: load("sdk_1m") };
const f = (x, d = 1) => (x == null ? "-" : Number(x).toFixed(d));
const ratio = (a, b) => (a == null || b == null || b === 0 ? "-" : (a / b).toFixed(1) + "x");

const rows = [
  ["tools/call RTT median (us)", r.c.tools_call_rtt_us.median, r.sdk.tools_call_rtt_us.median, r.floor.tools_call_rtt_us.median],
  ["tools/call RTT p99 (us)", r.c.tools_call_rtt_us.p99, r.sdk.tools_call_rtt_us.p99, r.floor.tools_call_rtt_us.p99],
  ["server CPU per call (us, 100k run)", r.c100.server_cpu_us_per_call, r.sdk100.server_cpu_us_per_call, r.floor.server_cpu_us_per_call],
  ["cold start to initialize (ms, median)", r.c.cold_start_ms.median, r.sdk.cold_start_ms.median, r.floor.cold_start_ms.median],
  ["peak RSS (MiB)", r.c.server_peak_rss_MiB, r.sdk.server_peak_rss_MiB, r.floor.server_peak_rss_MiB],
  ["RSS after 100k calls (MiB)", r.c100.server_rss_end_MiB, r.sdk100.server_rss_end_MiB, null],
  ["RSS after 1M calls (MiB)", r.c1m?.server_rss_end_MiB, r.sdk1m?.server_rss_end_MiB, null],
  ["peak RSS, 1M run (MiB)", r.c1m?.server_peak_rss_MiB, r.sdk1m?.server_peak_rss_MiB, null],
];
console.log(`\nstdio benchmark (driver: stdio-bench.mjs on ${r.c.driver_node}; SDK server on Node ${sdkNode}; ${r.c.tools_call_rtt_us.n} calls per latency run)`);
console.log(`${"metric".padEnd(40)} ${"switchboard".padStart(12)} ${"SDK v1".padStart(10)} ${"floor".padStart(8)} ${"SDK/switchboard".padStart(16)}`);
for (const [name, c, s, fl] of rows)
  console.log(`${name.padEnd(40)} ${f(c).padStart(12)} ${f(s).padStart(10)} ${f(fl).padStart(8)} ${ratio(s, c).padStart(16)}`);

// perf stat task-clock (ms) over 100,500 calls plus start-up, when bench/stdio.sh could run perf
const perfUs = (n) => {
  const p = join(dir, `${n}_perf.txt`);
  if (!existsSync(p)) return null;
  const line = readFileSync(p, "utf8").split("\n").find((l) => l.includes("task-clock"));
  return line ? (Number(line.split(",")[0]) * 1000) / 100500 : null;
};
const pc = perfUs("c"), ps = perfUs("sdk"), pf = perfUs("floor");
if (pc != null)
  console.log(`${"server CPU per call (us, perf stat)".padEnd(40)} ${f(pc).padStart(12)} ${f(ps).padStart(10)} ${f(pf).padStart(8)} ${ratio(ps, pc).padStart(16)}`);

const goals = [
  ["RTT median <= 1/4 of the SDK's", r.c.tools_call_rtt_us.median * 4 <= r.sdk.tools_call_rtt_us.median],
  ["CPU per call <= 1/20 of the SDK's", pc != null && ps != null ? pc * 20 <= ps : r.c100.server_cpu_us_per_call * 20 <= r.sdk100.server_cpu_us_per_call],
  ["cold start < 10 ms", r.c.cold_start_ms.median < 10],
  ["peak RSS < 8 MiB", Math.max(r.c.server_peak_rss_MiB, r.c100.server_peak_rss_MiB, r.c1m?.server_peak_rss_MiB ?? 0) < 8],
  ["RSS flat (within 1 MiB) from 100k to 1M calls", r.c1m ? Math.abs(r.c1m.server_rss_end_MiB - r.c100.server_rss_end_MiB) <= 1 : null],
];
console.log("\ngoals:");
for (const [g, ok] of goals) console.log(`  ${ok == null ? "n/a " : ok ? "met " : "MISS"}  ${g}`);
console.log(`  (floor = canned-reply C responder: what the driver and pipes cost by themselves)`);
writeFileSync(join(dir, "summary.json"), JSON.stringify({ rows, goals }, null, 2));
