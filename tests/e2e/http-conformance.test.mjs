// The official MCP conformance suite (0.1.16, pinned in package.json) over HTTP against
// `switchboard --conformance-fixtures serve --http 127.0.0.1:0`: every active scenario must pass,
// dns-rebinding-protection included, and the pending ones too (no baseline file is needed).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { startServer, tmpDir } from "./http-lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

let srv;
before(async () => { srv = await startServer(["--no-access-log"], { global: ["--conformance-fixtures"] }); });
after(async () => { await srv?.stop(); });

function conformance(args) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, "server", "--url", `http://localhost:${srv.port}/mcp`, "-o", tmpDir(), ...args],
      { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => { out += d; });
    p.stderr.on("data", (d) => { out += d; });
    const t = setTimeout(() => p.kill("SIGKILL"), 240000);
    p.on("exit", (code) => { clearTimeout(t); resolve({ code, out }); });
  });
}

test("conformance 0.1.16, active suite: all scenarios pass", { timeout: 300000 }, async () => {
  const r = await conformance([]);
  const total = /Total: (\d+) passed, (\d+) failed/.exec(r.out);
  assert.ok(total, r.out);
  assert.equal(Number(total[2]), 0, r.out.slice(r.out.indexOf("=== SUMMARY")));
  assert.ok(Number(total[1]) >= 39, r.out);
  assert.match(r.out, /✓ dns-rebinding-protection: 2 passed, 0 failed/);
  assert.equal(r.code, 0);
});

test("conformance 0.1.16, pending suite: passes too", { timeout: 300000 }, async () => {
  const r = await conformance(["--suite", "pending"]);
  assert.match(r.out, /Total: \d+ passed, 0 failed/, r.out);
  assert.equal(r.code, 0);
});
