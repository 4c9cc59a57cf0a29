// The Streamable HTTP transport against a live `switchboard serve --http`: sessions, status
// codes, Accept/Content-Type/version rules, SSE, DELETE, Origin/Host, limits, health, metrics.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  startServer, post, openSession, sessionHeaders, initBody, JSON_SSE, PROTOCOL,
} from "./http-lib.mjs";

let srv;
before(async () => {
  srv = await startServer(["--max-body", "65536", "--max-calls-per-session", "4", "--max-header", "8192"]);
});
after(async () => { await srv?.stop(); });

const list = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} };

test("initialize issues an unguessable session id and echoes the version", async () => {
  const a = await post(srv.url, initBody());
  const b = await post(srv.url, initBody());
  assert.equal(a.status, 200);
  assert.equal(a.json.result.protocolVersion, PROTOCOL);
  const sa = a.headers.get("mcp-session-id"), sb = b.headers.get("mcp-session-id");
  assert.match(sa, /^[0-9a-f]{32}$/);
  assert.notEqual(sa, sb);
});

test("notifications get 202 with no body; requests need the session", async () => {
  const sid = await openSession(srv.url);
  const r = await post(srv.url, list, sessionHeaders(sid));
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.json.result.tools));
  const n = await post(srv.url, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 99 } }, sessionHeaders(sid));
  assert.equal(n.status, 202);
  assert.equal(n.text, "");
});

test("missing session id is 400, unknown is 404", async () => {
  const missing = await post(srv.url, list, { "MCP-Protocol-Version": PROTOCOL });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.code, -32600);
  const unknown = await post(srv.url, list, sessionHeaders("0".repeat(32)));
  assert.equal(unknown.status, 404);
  const garbage = await post(srv.url, list, sessionHeaders("not-a-session"));
  assert.equal(garbage.status, 404);
});

test("DELETE ends a session; reusing it is 404; deleting twice is 404", async () => {
  const sid = await openSession(srv.url);
  const d = await fetch(srv.url, { method: "DELETE", headers: sessionHeaders(sid) });
  assert.equal(d.status, 200);
  const again = await post(srv.url, list, sessionHeaders(sid));
  assert.equal(again.status, 404);
  const d2 = await fetch(srv.url, { method: "DELETE", headers: sessionHeaders(sid) });
  assert.equal(d2.status, 404);
  const nohdr = await fetch(srv.url, { method: "DELETE" });
  assert.equal(nohdr.status, 400);
});

test("Accept rules: 406 when neither JSON nor SSE is accepted; SSE-only gets a stream", async () => {
  const sid = await openSession(srv.url);
  const bad = await post(srv.url, list, sessionHeaders(sid, { Accept: "text/html" }));
  assert.equal(bad.status, 406);
  const sseOnly = await post(srv.url, list, sessionHeaders(sid, { Accept: "text/event-stream" }));
  assert.equal(sseOnly.status, 200);
  assert.match(sseOnly.headers.get("content-type"), /^text\/event-stream/);
  assert.equal(sseOnly.events.length, 1);
  assert.equal(sseOnly.events[0].id, 2);
  const jsonOnly = await post(srv.url, list, sessionHeaders(sid, { Accept: "application/json" }));
  assert.equal(jsonOnly.status, 200);
  assert.ok(jsonOnly.json.result.tools);
});

test("Content-Type must be JSON (415); bad JSON is a 400 parse error", async () => {
  const sid = await openSession(srv.url);
  const ct = await post(srv.url, list, sessionHeaders(sid, { "Content-Type": "text/plain" }));
  assert.equal(ct.status, 415);
  const pe = await post(srv.url, "{not json", sessionHeaders(sid));
  assert.equal(pe.status, 400);
  assert.equal(pe.json.error.code, -32700);
});

test("unsupported MCP-Protocol-Version is 400 and lists the supported ones", async () => {
  const sid = await openSession(srv.url);
  const r = await post(srv.url, list, sessionHeaders(sid, { "MCP-Protocol-Version": "1999-01-01" }));
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /2025-11-25/);
  const ok = await post(srv.url, list, sessionHeaders(sid, { "MCP-Protocol-Version": "2025-06-18" }));
  assert.equal(ok.status, 200);
});

test("Origin and Host allow-list: 403 for foreign ones, loopback names pass", async () => {
  const evilOrigin = await post(srv.url, initBody(), { Origin: "http://evil.example.com" });
  assert.equal(evilOrigin.status, 403);
  const nullOrigin = await post(srv.url, initBody(), { Origin: "null" });
  assert.equal(nullOrigin.status, 403);
  const goodOrigin = await post(srv.url, initBody(), { Origin: `http://localhost:${srv.port}` });
  assert.equal(goodOrigin.status, 200);
  assert.equal(goodOrigin.headers.get("access-control-allow-origin"), `http://localhost:${srv.port}`);
  // fetch cannot set Host: speak HTTP/1.1 directly
  const evilHost = await rawRequest(srv.port, `POST /mcp HTTP/1.1\r\nHost: evil.example.com\r\nContent-Type: application/json\r\nAccept: ${JSON_SSE}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
  assert.match(evilHost, /^HTTP\/1\.1 403/);
  const goodHost = await rawRequest(srv.port, `GET /healthz HTTP/1.1\r\nHost: localhost:${srv.port}\r\nConnection: close\r\n\r\n`);
  assert.match(goodHost, /^HTTP\/1\.1 200/);
});

test("a token in the query string is refused", async () => {
  const r = await post(`${srv.url}?access_token=abc`, initBody());
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /query string/);
});

test("limits: body over --max-body is 413, an oversized head is 431", async () => {
  const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(70000) } });
  const r = await post(srv.url, big);
  assert.equal(r.status, 413);
  assert.match(r.json.error.message, /65536/);
  const head = await rawRequest(srv.port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(9000)}\r\nConnection: close\r\n\r\n`);
  assert.match(head, /^HTTP\/1\.1 431/);
  assert.match(head, /limited to 8192 bytes/);
  const huge = await rawRequest(srv.port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(100000)}\r\nConnection: close\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431/); // past the connection's memory: libmicrohttpd's own 431
  const fits = await rawRequest(srv.port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(7000)}\r\nConnection: close\r\n\r\n`);
  assert.match(fits, /^HTTP\/1\.1 200/);
  // chunked body over the limit (no Content-Length to check up front)
  const chunked = await rawRequest(srv.port, `POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAccept: ${JSON_SSE}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(70000).toString(16)}\r\n${"x".repeat(70000)}\r\n0\r\n\r\n`);
  assert.match(chunked, /^HTTP\/1\.1 413/);
});

test("GET opens the session's SSE stream (one at a time); 406 without SSE in Accept", async () => {
  const sid = await openSession(srv.url);
  const ctl = new AbortController();
  const g = await fetch(srv.url, { headers: sessionHeaders(sid, { Accept: "text/event-stream" }), signal: ctl.signal });
  assert.equal(g.status, 200);
  assert.match(g.headers.get("content-type"), /^text\/event-stream/);
  const second = await fetch(srv.url, { headers: sessionHeaders(sid, { Accept: "text/event-stream" }) });
  assert.equal(second.status, 409);
  await second.text();
  ctl.abort();
  const nosse = await fetch(srv.url, { headers: sessionHeaders(sid, { Accept: "application/json" }) });
  assert.equal(nosse.status, 406);
  await nosse.text();
  const nosid = await fetch(srv.url, { headers: { Accept: "text/event-stream" } });
  assert.equal(nosid.status, 400);
  await nosid.text();
});

test("/healthz answers without auth and without secrets; /metrics counts requests", async () => {
  const h = await fetch(`${srv.base}/healthz`);
  assert.equal(h.status, 200);
  const body = await h.json();
  assert.ok(["ok", "degraded"].includes(body.status));
  assert.ok(Array.isArray(body.upstreams));
  const m = await fetch(`${srv.base}/metrics`);
  assert.equal(m.status, 200);
  const text = await m.text();
  assert.match(text, /switchboard_http_requests_total\{method="POST",code="200"\} \d+/);
  assert.match(text, /switchboard_http_request_duration_seconds_bucket\{method="POST",le="\+Inf"\} \d+/);
  assert.match(text, /switchboard_sessions_open \d+/);
  const nf = await fetch(`${srv.base}/nothing-here`);
  assert.equal(nf.status, 404);
});

test("PUT on the endpoint is 405 with Allow", async () => {
  const r = await fetch(srv.url, { method: "PUT", body: "{}" });
  assert.equal(r.status, 405);
  assert.match(r.headers.get("allow"), /POST/);
});

test("the access log names method, path, status and session but never a token", async () => {
  await post(srv.url, initBody(), { Authorization: "Bearer sekret-token-value-123456" });
  const log = srv.stderr();
  assert.match(log, /http: POST \/mcp 200 [\d.]+ms sid=[0-9a-f]{8}/);
  assert.doesNotMatch(log, /sekret-token-value/);
});

function rawRequest(port, text) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let out = "";
    const t = setTimeout(() => { sock.destroy(); reject(new Error("raw request timed out")); }, 10000);
    sock.on("data", (d) => { out += d.toString(); });
    sock.on("error", () => {});
    sock.on("close", () => { clearTimeout(t); resolve(out); });
    sock.write(text);
  });
}

test("stateless mode: no session ids, GET/DELETE 405, calls still work", async () => {
  const s = await startServer(["--stateless"]);
  try {
    const init = await post(s.url, initBody());
    assert.equal(init.status, 200);
    assert.equal(init.headers.get("mcp-session-id"), null);
    const r = await post(s.url, list, { "MCP-Protocol-Version": PROTOCOL });
    assert.equal(r.status, 200);
    assert.ok(r.json.result.tools.length > 0);
    const g = await fetch(s.url, { headers: { Accept: "text/event-stream" } });
    assert.equal(g.status, 405);
    const d = await fetch(s.url, { method: "DELETE" });
    assert.equal(d.status, 405);
    const v = await post(s.url, list, { "MCP-Protocol-Version": "2024-01-01" });
    assert.equal(v.status, 400);
  } finally {
    await s.stop();
  }
});

test("idle sessions expire (404 afterwards)", async () => {
  const s = await startServer(["--session-idle-timeout", "1"]);
  try {
    const sid = await openSession(s.url);
    assert.equal((await post(s.url, list, sessionHeaders(sid))).status, 200);
    // idle for 1 s, swept once a second: gone after at most ~2 s (every request would renew it)
    await new Promise((r) => setTimeout(r, 3200));
    assert.equal((await post(s.url, list, sessionHeaders(sid))).status, 404);
  } finally {
    await s.stop();
  }
});

test("a clean stop on SIGTERM", async () => {
  const s = await startServer([]);
  const r = await s.stop();
  assert.equal(r.code, 0);
});
