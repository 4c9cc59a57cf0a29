// A bounded load test on loopback: wrk with 32 connections for 20 s against one session of
// `switchboard serve --http` (the mode where the SDK leaks), then 10 s stateless. Checks: every
// answer a 200 with the echo, no socket errors, the server still answers afterwards, and RSS
// flat (growth between the end of a warm-up and the end of the run stays under 8 MiB).
// No speed assertion: speed is measured in bench/http.sh, side by side with the SDK.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { startServer, openSession, post, PROTOCOL } from "./http-lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const LUA = join(here, "http-load.lua");
const haveWrk = spawnSync("wrk", ["--version"]).error === undefined;
const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

function wrk(url, seconds, headers = []) {
  return new Promise((resolve, reject) => {
    const args = ["-t2", "-c32", `-d${seconds}s`, "--timeout", "10s", "-s", LUA, ...headers.flatMap((h) => ["-H", h]), url];
    const p = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => { out += d; });
    p.stderr.on("data", (d) => { out += d; });
    const t = setTimeout(() => p.kill("SIGKILL"), (seconds + 30) * 1000);
    p.on("exit", () => {
      clearTimeout(t);
      const m = /JSON: (\{.*\})/.exec(out);
      m ? resolve(JSON.parse(m[1])) : reject(new Error(out));
    });
  });
}

async function run(args, seconds, sessions) {
  const s = await startServer(["--no-access-log", "--max-calls-per-session", "64", ...args], { global: ["--conformance-fixtures"] });
  servers.push(s);
  const headers = [];
  if (sessions) headers.push(`Mcp-Session-Id: ${await openSession(s.url)}`);
  await wrk(s.url, 2, headers); // warm-up
  const before = rssKiB(s.proc.pid);
  const r = await wrk(s.url, seconds, headers);
  const afterRss = rssKiB(s.proc.pid);
  assert.ok(r.requests > 1000, JSON.stringify(r));
  assert.equal(r.bad, 0, JSON.stringify(r));
  assert.equal(r.status_errors, 0, JSON.stringify(r));
  assert.equal(r.socket_errors, 0, JSON.stringify(r));
  assert.ok(afterRss - before < 8192, `RSS grew from ${before} KiB to ${afterRss} KiB over ${r.requests} requests`);
  const alive = await post(s.url, { jsonrpc: "2.0", id: "after", method: "ping" },
    sessions ? { "Mcp-Session-Id": headers[0].slice(16), "MCP-Protocol-Version": PROTOCOL } : { "MCP-Protocol-Version": PROTOCOL });
  assert.equal(alive.status, 200);
  const stop = await s.stop();
  assert.equal(stop.code, 0, "clean exit after the load");
  return { ...r, rss_before_kib: before, rss_after_kib: afterRss };
}

test("32 connections for 20 s on one session: no errors, RSS flat", { skip: !haveWrk && "wrk not installed", timeout: 120000 }, async (t) => {
  const r = await run([], 20, true);
  t.diagnostic(JSON.stringify(r));
});

test("32 connections for 10 s stateless: no errors, RSS flat", { skip: !haveWrk && "wrk not installed", timeout: 120000 }, async (t) => {
  const r = await run(["--stateless"], 10, false);
  t.diagnostic(JSON.stringify(r));
});
