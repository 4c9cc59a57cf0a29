// Helpers for the HTTP transport end-to-end tests: start `switchboard serve --http 127.0.0.1:0`
// (ephemeral port, read back from stderr), raw MCP requests with fetch, JWT signing with
// node:crypto. Every server started here is killed when its test ends and by a hard timeout.
import { spawn } from "node:child_process";
import { createHmac, createSign, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SWITCHBOARD = process.env.SWITCHBOARD || "build/switchboard";
export const PROTOCOL = "2025-11-25";

// Starts the server; resolves {port, url, base, proc, stderr(), stop()}.
export async function startServer(args = [], { env = {}, timeoutMs = 120000, global = [] } = {}) {
  const proc = spawn(SWITCHBOARD, [...global, "serve", "--http", "127.0.0.1:0", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const killer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  killer.unref();
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no port announced; stderr:\n${log}`)), 10000);
    proc.stderr.on("data", (d) => {
      log += d.toString();
      const m = /listening on port (\d+)/.exec(log);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
    proc.on("exit", (code) => { clearTimeout(t); reject(new Error(`server exited ${code}:\n${log}`)); });
  });
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise((r) => proc.on("exit", (code, sig) => r({ code, sig })));
  return {
    port, base, url: `${base}/mcp`, proc,
    stderr: () => log,
    async stop() {
      clearTimeout(killer);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

// Runs the server expecting it to refuse to start; resolves {code, stderr}.
export function startFails(args, { env = {} } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(SWITCHBOARD, ["serve", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    const t = setTimeout(() => proc.kill("SIGKILL"), 10000);
    proc.stderr.on("data", (d) => { log += d.toString(); });
    proc.on("exit", (code) => { clearTimeout(t); resolve({ code, stderr: log }); });
  });
}

export const JSON_SSE = "application/json, text/event-stream";

export function initBody(id = 1, capabilities = {}) {
  return { jsonrpc: "2.0", id, method: "initialize",
    params: { protocolVersion: PROTOCOL, capabilities, clientInfo: { name: "http-e2e", version: "1" } } };
}

// One POST; returns {status, headers, text, json (when JSON), events (when SSE)}.
export async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: JSON_SSE, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30000),
  });
  return readResponse(res);
}

export async function readResponse(res) {
  const text = await res.text();
  const out = { status: res.status, headers: res.headers, text };
  const ct = res.headers.get("content-type") || "";
  if (ct.startsWith("application/json") && text) out.json = JSON.parse(text);
  if (ct.startsWith("text/event-stream")) out.events = parseSse(text);
  return out;
}

export function parseSse(text) {
  const events = [];
  for (const block of text.split("\n\n")) {
    const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
    if (data) events.push(JSON.parse(data));
  }
  return events;
}

// initialize + notifications/initialized; returns the session id.
export async function openSession(url, headers = {}, capabilities = {}) {
  const r = await post(url, initBody(1, capabilities), headers);
  if (r.status !== 200) throw new Error(`initialize: ${r.status} ${r.text}`);
  const sid = r.headers.get("mcp-session-id");
  const n = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" },
    { ...headers, "Mcp-Session-Id": sid, "MCP-Protocol-Version": PROTOCOL });
  if (n.status !== 202) throw new Error(`initialized: ${n.status}`);
  return sid;
}

export function sessionHeaders(sid, extra = {}) {
  return { "Mcp-Session-Id": sid, "MCP-Protocol-Version": PROTOCOL, ...extra };
}

export function tmpDir() {
  return mkdtempSync(join(tmpdir(), "sb-http-e2e-"));
}

export function writeTmp(dir, name, text) {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// ---- JWT ------------------------------------------------------------------------------------

const b64u = (buf) => Buffer.from(buf).toString("base64url");

export function signJwt(header, claims, { secret, privateKey } = {}) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  let sig = "";
  if (header.alg === "HS256") sig = b64u(createHmac("sha256", secret).update(input).digest());
  else if (header.alg === "RS256") sig = b64u(createSign("sha256").update(input).sign(privateKey));
  else if (header.alg === "ES256")
    sig = b64u(createSign("sha256").update(input).sign({ key: privateKey, dsaEncoding: "ieee-p1363" }));
  return `${input}.${sig}`;
}

export function rsaKeys() {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

export function ecKeys() {
  return generateKeyPairSync("ec", { namedCurve: "P-256" });
}

export const now = () => Math.floor(Date.now() / 1000);
