// Streaming, limits and signals of `switchboard serve --http`: SSE replies for calls that report
// progress, the request timeout (JSON and SSE paths), the per-session and connection limits,
// clients that vanish mid-stream, SIGHUP (token file re-read; list_changed on the GET stream).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { writeFileSync } from "node:fs";
import {
  startServer, post, openSession, sessionHeaders, initBody, tmpDir, writeTmp, JSON_SSE,
} from "./http-lib.mjs";

const servers = [];
after(async () => { for (const s of servers) await s.stop(); });
async function server(args, opts = {}) {
  const s = await startServer(args, { global: ["--conformance-fixtures"], ...opts });
  servers.push(s);
  return s;
}
const call = (id, name, args = {}, meta) =>
  ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a call that reports progress is answered as an SSE stream ending with the result", async () => {
  const s = await server([]);
  const sid = await openSession(s.url);
  const r = await post(s.url, call(7, "test_tool_with_progress", {}, { progressToken: "p7" }), sessionHeaders(sid));
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /^text\/event-stream/);
  assert.equal(r.headers.get("mcp-session-id"), sid);
  const progress = r.events.filter((e) => e.method === "notifications/progress");
  assert.deepEqual(progress.map((e) => e.params.progress), [0, 50, 100]);
  assert.ok(progress.every((e) => e.params.progressToken === "p7"));
  const last = r.events.at(-1);
  assert.equal(last.id, 7);
  assert.ok(last.result);
  // the same call without a progress token: one JSON answer
  const j = await post(s.url, call(8, "test_tool_with_progress"), sessionHeaders(sid));
  assert.match(j.headers.get("content-type"), /^application\/json/);
  assert.equal(j.json.id, 8);
  // a JSON-only client gets the result without the progress events
  const jo = await post(s.url, call(9, "test_tool_with_progress", {}, { progressToken: "p9" }), sessionHeaders(sid, { Accept: "application/json" }));
  assert.match(jo.headers.get("content-type"), /^application\/json/);
  assert.equal(jo.json.id, 9);
});

test("stateless: progress still streams; quiet streams carry keep-alive comments", async () => {
  const st = await server(["--stateless"]);
  const r = await post(st.url, call(1, "test_tool_with_progress", {}, { progressToken: "s1" }), { "MCP-Protocol-Version": "2025-11-25" });
  assert.match(r.headers.get("content-type"), /^text\/event-stream/);
  assert.equal(r.events.filter((e) => e.method === "notifications/progress").length, 3);
  assert.equal(r.events.at(-1).id, 1);
  const s = await server(["--sse-keepalive", "1"]);
  const sid = await openSession(s.url);
  const res = await fetch(s.url, { method: "POST", headers: { "Content-Type": "application/json", Accept: JSON_SSE, ...sessionHeaders(sid) },
    body: JSON.stringify(call(2, "slow", { ms: 2500 }, { progressToken: 2 })) });
  const text = await res.text();
  assert.match(text, /^: keep-alive$/m);
  assert.match(text, /"id":2,"result"/);
});

test("the request timeout cancels the call and answers with an error (JSON and SSE)", async () => {
  const s = await server(["--request-timeout", "1"]);
  const sid = await openSession(s.url);
  const r = await post(s.url, call(1, "slow", { ms: 20000 }), sessionHeaders(sid));
  assert.equal(r.status, 200);
  assert.equal(r.json.id, 1);
  assert.match(r.json.error.message, /timed out after 1 s/);
  const sse = await post(s.url, call(2, "slow", { ms: 20000 }, { progressToken: 2 }), sessionHeaders(sid));
  assert.match(sse.headers.get("content-type"), /^text\/event-stream/);
  const last = sse.events.at(-1);
  assert.equal(last.id, 2);
  assert.match(last.error.message, /timed out/);
  // the session is still fine
  const ok = await post(s.url, call(3, "echo", { message: "after" }), sessionHeaders(sid));
  assert.equal(ok.json.result.content[0].text, "after");
});

test("per-session limit: one request over it is 429, other sessions are unaffected", async () => {
  const s = await server(["--max-calls-per-session", "2"]);
  const sid = await openSession(s.url);
  // the slow calls last long enough for a loaded machine (a full CI run beside other work)
  // to get both of them to the server while the loop below is still polling
  const slow = [1, 2].map((i) => post(s.url, call(i, "slow", { ms: 8000 }), sessionHeaders(sid)));
  let over;
  for (let i = 0; i < 70; i++) { // bounded: until both slow calls are in flight
    over = await post(s.url, call(100 + i, "echo", { message: "x" }), sessionHeaders(sid));
    if (over.status === 429) break;
    await sleep(100);
  }
  assert.equal(over.status, 429);
  assert.match(over.json.error.message, /Too Many Requests/);
  const other = await openSession(s.url);
  const fine = await post(s.url, call(4, "echo", { message: "y" }), sessionHeaders(other));
  assert.equal(fine.status, 200);
  const done = await Promise.all(slow);
  assert.deepEqual(done.map((d) => d.status), [200, 200]);
  // notifications do not count against the limit
  const n = await post(s.url, { jsonrpc: "2.0", method: "notifications/initialized" }, sessionHeaders(sid));
  assert.equal(n.status, 202);
});

test("session limit: the least recently used idle session makes room; busy sessions are kept (503)", async () => {
  const s = await server(["--max-sessions", "2"]);
  const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
  const a = await openSession(s.url);
  const b = await openSession(s.url);
  assert.equal((await post(s.url, list, sessionHeaders(a))).status, 200); // b is now the older
  const c = await openSession(s.url);
  assert.equal((await post(s.url, list, sessionHeaders(b))).status, 404);
  assert.equal((await post(s.url, list, sessionHeaders(a))).status, 200);
  assert.equal((await post(s.url, list, sessionHeaders(c))).status, 200);
  // both remaining sessions busy: a new one is refused
  const busy = [a, c].map((sid, i) => post(s.url, call(10 + i, "slow", { ms: 3000 }), sessionHeaders(sid)));
  for (let i = 0; i < 50; i++) { // bounded: until both slow calls are in flight
    if ((await (await fetch(`${s.base}/healthz`)).json()).calls_in_flight >= 2) break;
    await sleep(50);
  }
  const r = await post(s.url, initBody());
  assert.equal(r.status, 503);
  assert.match(r.json.error.message, /too many sessions/);
  await Promise.all(busy);
});

test("connection limit: the connection over it gets 503, the server stays up", async () => {
  const s = await server(["--max-connections", "2"]);
  const idle = [];
  for (let i = 0; i < 2; i++) {
    const sock = net.connect(s.port, "127.0.0.1");
    sock.on("error", () => {});
    await new Promise((r) => sock.once("connect", r));
    idle.push(sock);
  }
  let text = "";
  for (let i = 0; i < 30 && !/^HTTP\/1\.1 503/.test(text); i++) { // bounded: until both are counted
    text = await raw(s.port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    if (!/^HTTP\/1\.1 503/.test(text)) await sleep(100);
  }
  assert.match(text, /^HTTP\/1\.1 503/);
  assert.match(text, /too many connections/);
  idle.forEach((sock) => sock.destroy());
  let status = 0;
  for (let i = 0; i < 30 && status !== 200; i++) { // bounded: until the closed ones are released
    status = (await fetch(`${s.base}/healthz`)).status;
    if (status !== 200) await sleep(100);
  }
  assert.equal(status, 200);
});

test("a client that vanishes mid-stream does not disturb the server", async () => {
  const s = await server([]);
  const sid = await openSession(s.url);
  for (let i = 0; i < 5; i++) {
    const ctl = new AbortController();
    const res = await fetch(s.url, { method: "POST", signal: ctl.signal,
      headers: { "Content-Type": "application/json", Accept: JSON_SSE, ...sessionHeaders(sid) },
      body: JSON.stringify(call(10 + i, "slow", { ms: 800 }, { progressToken: i })) });
    assert.match(res.headers.get("content-type"), /^text\/event-stream/);
    ctl.abort();
  }
  const text = await raw(s.port, `POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAccept: ${JSON_SSE}\r\nContent-Length: 500\r\n\r\n{"partial":`);
  assert.equal(text, ""); // closed by us mid-body: no answer expected
  const ok = await post(s.url, call(99, "echo", { message: "still here" }), sessionHeaders(sid));
  assert.equal(ok.json.result.content[0].text, "still here");
});

test("SIGTERM during long calls (stateless and in a session) still stops cleanly", async () => {
  for (const args of [["--stateless"], []]) {
    const s = await startServer(args, { global: ["--conformance-fixtures"] });
    const headers = args.length ? {} : sessionHeaders(await openSession(s.url));
    const pending = post(s.url, call(1, "slow", { ms: 30000 }), headers).catch((e) => e);
    const streaming = post(s.url, call(2, "slow", { ms: 30000 }, { progressToken: 2 }), headers).catch((e) => e);
    await sleep(300);
    const r = await s.stop(); // SIGTERM, then SIGKILL after 10 s: code 0 means it stopped by itself
    assert.equal(r.code, 0, `exit ${JSON.stringify(r)} with ${args.join(" ") || "sessions"}`);
    await Promise.all([pending, streaming]);
  }
});

test("SIGHUP re-reads the token file (a broken file keeps the old tokens) and sends list_changed on the GET stream", async () => {
  const dir = tmpDir();
  const A = "first-token-0123456789abcdef", B = "second-token-0123456789abcdef";
  const file = writeTmp(dir, "tokens", `${A} tools:read\n`);
  const s = await server(["--auth-tokens", file]);
  const auth = (t) => ({ Authorization: `Bearer ${t}` });
  assert.equal((await post(s.url, initBody(), auth(A))).status, 200);
  assert.equal((await post(s.url, initBody(), auth(B))).status, 401);
  const sid = await openSession(s.url, auth(A));
  const ctl = new AbortController();
  const stream = await fetch(s.url, { headers: { ...sessionHeaders(sid), ...auth(A), Accept: "text/event-stream" }, signal: ctl.signal });
  assert.equal(stream.status, 200);
  const reader = stream.body.getReader();
  writeFileSync(file, `${B} tools:read\n`);
  s.proc.kill("SIGHUP");
  let seen = "";
  const deadline = Date.now() + 10000;
  while (!seen.includes("list_changed") && Date.now() < deadline) {
    const { value, done } = await Promise.race([reader.read(), sleep(5000).then(() => ({ done: true }))]);
    if (done) break;
    seen += Buffer.from(value).toString();
  }
  ctl.abort();
  assert.match(seen, /notifications\/tools\/list_changed/);
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) { // bounded wait for the reload
    status = (await post(s.url, initBody(), auth(B))).status;
    if (status !== 200) await sleep(100);
  }
  assert.equal(status, 200);
  assert.equal((await post(s.url, initBody(), auth(A))).status, 401);
  writeFileSync(file, "short tools:read\n");
  s.proc.kill("SIGHUP");
  await sleep(500);
  assert.equal((await post(s.url, initBody(), auth(B))).status, 200);
  assert.match(s.stderr(), /token file not reloaded/);
});

function raw(port, text) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let out = "";
    const t = setTimeout(() => { sock.destroy(); resolve(out); }, 3000);
    sock.on("data", (d) => { out += d.toString(); });
    sock.on("error", () => {});
    sock.on("close", () => { clearTimeout(t); resolve(out); });
    sock.write(text);
    if (text.includes('{"partial":')) setTimeout(() => sock.destroy(), 200);
  });
}
