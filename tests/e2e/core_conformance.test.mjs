// The official MCP conformance suite (0.1.16, active server scenarios) against switchboard
// over stdio, bridged to Streamable HTTP by supergateway 4.0.0, with the fixtures registered.
// Every scenario must pass except those in core_conformance.baseline.yml (with the reason);
// the suite also fails on stale baseline entries. The pending json-schema-2020-12 scenario runs
// too; server-sse-polling (pending) tests the HTTP server's SSE behaviour, i.e. the bridge's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { SWITCHBOARD } from "./core-lib.mjs";

const here = new URL(".", import.meta.url).pathname;
const node = process.execPath;

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => { const p = srv.address().port; srv.close(() => res(p)); });
    srv.on("error", rej);
  });
}

async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { await fetch(url, { method: "GET" }); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error(`bridge did not come up at ${url}`);
}

function run(cmd, args, ms) {
  return new Promise((res) => {
    const p = spawn(cmd, args, { cwd: here, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (c) => (out += c));
    p.stderr.on("data", (c) => (out += c));
    const t = setTimeout(() => p.kill("SIGKILL"), ms);
    p.on("exit", (code) => { clearTimeout(t); res({ code, out }); });
  });
}

test("conformance 0.1.16 over stdio via supergateway", { timeout: 240000 }, async () => {
  const port = await freePort();
  const bridge = spawn(node, [join(here, "node_modules/supergateway/dist/index.js"), "--stdio",
    `${SWITCHBOARD} --conformance-fixtures`, "--outputTransport", "streamableHttp", "--stateful",
    "--port", String(port), "--logLevel", "none"], { cwd: here, stdio: "ignore", env: { ...process.env, SB_CHECK_OUTPUT: "1" } });
  const out = mkdtempSync(join(tmpdir(), "sb-conformance-"));
  try {
    await waitHttp(`http://localhost:${port}/healthz`, 20000);
    const r = await run(node, [join(here, "node_modules/@modelcontextprotocol/conformance/dist/index.js"), "server",
      "--url", `http://localhost:${port}/mcp`, "-o", out, "--expected-failures", join(here, "core_conformance.baseline.yml")], 200000);
    const summary = r.out.slice(r.out.indexOf("=== SUMMARY ==="));
    console.log(summary);
    assert.equal(r.code, 0, summary);
    assert.match(summary, /server-initialize: 1 passed, 0 failed/);
    assert.match(summary, /tools-call-elicitation: 1 passed, 0 failed/);
    // pending in 0.1.16 (not in the active suite) but it applies to us: the 2020-12 schema fixture
    const js = await run(node, [join(here, "node_modules/@modelcontextprotocol/conformance/dist/index.js"), "server",
      "--url", `http://localhost:${port}/mcp`, "--scenario", "json-schema-2020-12", "-o", out], 60000);
    assert.equal(js.code, 0, js.out);
    assert.match(js.out, /Passed: 4\/4, 0 failed/);
  } finally {
    bridge.kill("SIGTERM");
    setTimeout(() => bridge.kill("SIGKILL"), 3000).unref();
    rmSync(out, { recursive: true, force: true });
  }
});
