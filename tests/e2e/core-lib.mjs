// Helpers for end-to-end tests against the switchboard binary over stdio (shared by every
// family's tests): an SDK client session, and a raw line driver for exact-bytes protocol tests.
// Every process started here is killed when the test ends (no strays), every wait is bounded.
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

export const SWITCHBOARD = process.env.SWITCHBOARD ?? new URL("../../build/switchboard", import.meta.url).pathname;

// Connects the official SDK client to `switchboard [args]` over stdio.
// opts.capabilities: client capabilities (e.g. {elicitation: {}}); opts.env: extra environment.
export async function connectStdio(args = [], opts = {}) {
  const transport = new StdioClientTransport({
    command: opts.command ?? SWITCHBOARD,
    args: opts.command ? [...(opts.commandArgs ?? []), SWITCHBOARD, ...args] : args,
    env: { ...process.env, SB_CHECK_OUTPUT: "1", ...(opts.env ?? {}) },
    stderr: opts.stderr ?? "pipe",
  });
  const client = new Client({ name: "switchboard-e2e", version: "1.0.0" },
                            { capabilities: opts.capabilities ?? {} });
  await client.connect(transport);
  return { client, transport, close: () => client.close() };
}

// Raw driver: writes lines to `switchboard [args]`, collects every stdout line as JSON.
export function rawServer(args = [], opts = {}) {
  const child = spawn(opts.command ?? SWITCHBOARD, opts.command ? [...(opts.commandArgs ?? []), SWITCHBOARD, ...args] : args,
                      { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...(opts.env ?? {}) } });
  const messages = [];
  const waiters = [];
  let buf = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg;
      try { msg = JSON.parse(line); } catch { msg = { nonJson: line }; }
      messages.push(msg);
      for (const w of [...waiters]) if (w.pred(msg)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(msg); }
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (c) => { stderr += c; if (stderr.length > 1e6) stderr = stderr.slice(-5e5); });
  const exited = new Promise((res) => child.on("exit", (code, signal) => res({ code, signal })));
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.killAfterMs ?? 120000);
  timer.unref();
  return {
    child, messages, exited,
    get stderr() { return stderr; },
    write(data) { return new Promise((res, rej) => child.stdin.write(data, (e) => (e ? rej(e) : res()))); },
    send(obj) { return this.write(JSON.stringify(obj) + "\n"); },
    // Resolves with the first message (already received or future) matching pred.
    waitFor(pred, ms = 10000) {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => { const i = waiters.indexOf(w); if (i >= 0) { waiters.splice(i, 1); reject(new Error(`timeout waiting for a message; got ${JSON.stringify(messages.slice(-3)).slice(0, 500)}`)); } }, ms).unref();
      });
    },
    response(id, ms) { return this.waitFor((m) => m.id === id && (m.result !== undefined || m.error !== undefined), ms); },
    async request(id, method, params, ms) { await this.send({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) }); return this.response(id, ms); },
    async initialize(version = "2025-11-25", capabilities = {}) {
      const r = await this.request("init", "initialize", { protocolVersion: version, capabilities, clientInfo: { name: "raw", version: "1" } });
      await this.send({ jsonrpc: "2.0", method: "notifications/initialized" });
      return r;
    },
    async close() { child.stdin.end(); const r = await Promise.race([exited, new Promise((res) => setTimeout(() => { child.kill("SIGKILL"); res({ code: null, signal: "SIGKILL" }); }, 10000).unref())]); clearTimeout(timer); return r; },
  };
}
