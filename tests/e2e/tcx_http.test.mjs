// The 3CX tools over Streamable HTTP with bearer tokens: the official SDK client (Streamable
// HTTP transport) against `switchboard --allow-writes serve --http` and the XAPI simulator.
// A token with only tools:read sees no write tools and cannot call one; a token with
// tools:write sees them and a confirmed change reaches the PBX exactly once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startServer } from "./http-lib.mjs";

const BUILD = process.env.SB_BUILD_DIR ?? new URL("../../build", import.meta.url).pathname;
const SIM = process.env.TCX_SIM ?? `${BUILD}/tcx-sim`;
const READ = "tcx-read-token-5f2a9c";
const WRITE = "tcx-write-token-81d4e7";
let sim, base, server;
const clients = [];

before(async () => {
  sim = spawn(SIM, ["--max-seconds", "120"], { stdio: ["ignore", "pipe", "inherit"] });
  base = await new Promise((resolve, reject) => {
    let buf = "";
    const t = setTimeout(() => reject(new Error("tcx-sim did not start")), 10000);
    sim.stdout.on("data", (c) => {
      buf += c;
      const m = buf.match(/listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "tcx-http-"));
  const tokens = join(dir, "tokens");
  writeFileSync(tokens, `${READ} tools:read\n${WRITE} tools:read tools:write\n`);
  server = await startServer(["--auth-tokens", tokens], {
    global: ["--allow-writes"],
    env: { TCX_FQDN: "sim.3cx.local", TCX_BASE_URL: base, TCX_CLIENT_ID: "900", TCX_CLIENT_SECRET: "sim-secret-900",
           TCX_TIMEZONE: "Europe/Berlin", TCX_DEFAULT_COUNTRY: "DE", SB_CHECK_OUTPUT: "1" },
  });
});
after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await server?.stop();
  sim?.kill("SIGTERM");
});

async function connect(token) {
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "tcx-http-e2e", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  clients.push(client);
  return client;
}
async function upstream() {
  const j = await (await fetch(`${base}/_sim/requests`)).json();
  return j.requests.map((r) => `${r.method} ${r.path}`);
}

test("tools:read: reads work, write tools are neither listed nor callable", async () => {
  const c = await connect(READ);
  const names = (await c.listTools()).tools.map((t) => t.name);
  assert.ok(names.includes("get_call_history"));
  assert.ok(!names.includes("set_forwarding_profile"));
  const r = await c.callTool({ name: "get_extension_status", arguments: { extension: "101" } });
  assert.equal(r.structuredContent.currentProfile, "Available");
  await fetch(`${base}/_sim/requests`, { method: "DELETE" });
  let refused = false;
  try {
    const w = await c.callTool({ name: "set_forwarding_profile", arguments: { extension: "101", profile: "Away", confirm: true } });
    refused = w.isError === true;
  } catch {
    refused = true;
  }
  assert.ok(refused, "a read-only token cannot change the PBX");
  assert.ok(!(await upstream()).some((l) => l.startsWith("PATCH")));
});

test("tools:write: the confirmed change is sent once", async () => {
  const c = await connect(WRITE);
  const names = (await c.listTools()).tools.map((t) => t.name);
  assert.ok(names.includes("set_forwarding_profile"));
  await fetch(`${base}/_sim/requests`, { method: "DELETE" });
  const p = await c.callTool({ name: "set_forwarding_profile", arguments: { extension: "101", profile: "Away" } });
  assert.equal(p.structuredContent.status, "preview");
  const d = await c.callTool({ name: "set_forwarding_profile", arguments: { extension: "101", profile: "Away", confirm: true } });
  assert.equal(d.structuredContent.status, "done");
  assert.equal((await upstream()).filter((l) => l === "PATCH /xapi/v1/Users(27)").length, 1);
});
