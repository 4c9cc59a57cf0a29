// Exact JSON-RPC behaviour over stdio, driven line by line: every kind of bad input gets the
// right error and the server still answers afterwards; ordering of progress before the result;
// shutdown on EOF (in-flight calls finish) and SIGTERM (they are cancelled); SIGHUP reload.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rawServer } from "./core-lib.mjs";

let s;
let n = 0;
const id = () => `r${++n}`;
before(async () => { s = rawServer(["--conformance-fixtures"]); });
after(async () => { await s.close(); });

async function stillAnswers() {
  const r = await s.request(id(), "ping");
  assert.deepEqual(r.result, {});
}
async function lineError(line, code, idWanted = null) {
  const before = s.messages.length;
  await s.write(line + "\n");
  const m = await s.waitFor((x, i) => s.messages.indexOf(x) >= before && x.error && x.id === idWanted);
  assert.equal(m.error.code, code, `${line.slice(0, 80)} -> ${JSON.stringify(m)}`);
  return m;
}

test("calls before initialize get an error, ping works", async () => {
  const r = await s.request(id(), "tools/list");
  assert.equal(r.error.code, -32600);
  assert.match(r.error.message, /not initialized/);
  await stillAnswers();
  const init = await s.initialize();
  assert.equal(init.result.protocolVersion, "2025-11-25");
  const again = await s.request(id(), "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } });
  assert.equal(again.error.code, -32600, "a second initialize is refused");
});

test("malformed JSON: -32700 with id null", async () => {
  await lineError('{"jsonrpc":"2.0","id":1,"method":"ping"', -32700);
  await lineError("not json at all", -32700);
  await stillAnswers();
});

test("a JSON array (batch): -32600", async () => {
  await lineError('[{"jsonrpc":"2.0","id":"b1","method":"ping"}]', -32600);
  await stillAnswers();
});

test("wrong jsonrpc value: -32600 with the id", async () => {
  await lineError('{"jsonrpc":"1.0","id":"w1","method":"ping"}', -32600, "w1");
  await lineError('{"id":"w2","method":"ping"}', -32600, "w2");
  await stillAnswers();
});

test("missing id is a notification (no answer); null id is -32600", async () => {
  const before = s.messages.length;
  await s.write('{"jsonrpc":"2.0","method":"ping"}\n');
  await s.write('{"jsonrpc":"2.0","method":"notifications/whatever"}\n');
  await stillAnswers();
  assert.equal(s.messages.length, before + 1, "only the ping answer");
  await lineError('{"jsonrpc":"2.0","id":null,"method":"ping"}', -32600);
  await lineError('{"jsonrpc":"2.0","id":1.5,"method":"ping"}', -32600);
  await lineError('{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', -32600);
});

test("unknown method: -32601", async () => {
  const r = await s.request(id(), "tools/destroy");
  assert.equal(r.error.code, -32601);
  await stillAnswers();
});

test("params of the wrong type: -32602", async () => {
  for (const params of [[1, 2], "x", 5]) {
    const r = await s.request(id(), "tools/list", params);
    assert.equal(r.error.code, -32602, JSON.stringify(params));
  }
  const r2 = await s.request(id(), "tools/call", { name: 5 });
  assert.equal(r2.error.code, -32602);
  const r3 = await s.request(id(), "tools/call", { name: "echo", arguments: "text" });
  assert.equal(r3.error.code, -32602);
  const r4 = await s.request(id(), "logging/setLevel", { level: "loud" });
  assert.equal(r4.error.code, -32602);
  const r5 = await s.request(id(), "tools/list", { cursor: "bogus" });
  assert.equal(r5.error.code, -32602);
  await stillAnswers();
});

test("invalid UTF-8: -32700", async () => {
  const before = s.messages.length;
  await s.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"u1","method":"ping","params":{"x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}\n')]));
  const m = await s.waitFor((x) => s.messages.indexOf(x) >= before && x.error);
  assert.equal(m.error.code, -32700);
  await stillAnswers();
});

test("an oversized line (over 16 MiB): -32600, the connection goes on", async () => {
  const big = '{"jsonrpc":"2.0","id":"big","method":"ping","params":{"pad":"' + "x".repeat(17 * 1024 * 1024) + '"}}';
  const m = await lineError(big, -32600);
  assert.match(m.error.message, /longer than 16777216 bytes/);
  await stillAnswers();
});

test("deep nesting (100,000 levels): -32700, no crash", async () => {
  await lineError("[".repeat(100000) + "]".repeat(100000), -32700);
  await lineError('{"jsonrpc":"2.0","id":"deep","method":"ping","params":{"a":' + "[".repeat(100000) + "]".repeat(100000) + "}}", -32700);
  await stillAnswers();
});

test("a 10 MB string argument is handled (validated, echoed)", async () => {
  const msg = "y".repeat(10 * 1000 * 1000);
  const r = await s.request(id(), "tools/call", { name: "echo", arguments: { message: msg } }, 30000);
  assert.equal(r.result.content[0].text.length, msg.length);
  const e = await s.request(id(), "tools/call", { name: "explain_sip_response", arguments: { code: msg } }, 30000);
  assert.equal(e.result.isError, true);
  await stillAnswers();
});

test("duplicate ids in flight: the second is refused, the first answers", async () => {
  await s.send({ jsonrpc: "2.0", id: "dup", method: "tools/call", params: { name: "slow", arguments: { ms: 400 } } });
  await s.send({ jsonrpc: "2.0", id: "dup", method: "tools/call", params: { name: "slow", arguments: { ms: 0 } } });
  const err = await s.waitFor((m) => m.id === "dup" && m.error);
  assert.equal(err.error.code, -32600);
  const ok = await s.waitFor((m) => m.id === "dup" && m.result);
  assert.match(ok.result.content[0].text, /slept 400 ms/);
  await stillAnswers();
});

test("a burst of 100 slow calls: 64 run (per-session cap), the rest are refused at once", async () => {
  const before = s.messages.length;
  const ids = Array.from({ length: 100 }, (_, i) => `burst${i}`);
  await s.write(ids.map((id) => JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "slow", arguments: { ms: 50 } } })).join("\n") + "\n");
  await stillAnswers(); // ping is answered while the burst runs
  const all = await Promise.all(ids.map((id) => s.response(id, 30000)));
  const busy = all.filter((m) => m.error);
  assert.equal(busy.length, 36);
  assert.ok(busy.every((m) => m.error.code === -32603 && /too many calls in flight/.test(m.error.message)));
  assert.ok(all.filter((m) => m.result).every((m) => /slept 50 ms/.test(m.result.content[0].text)));
  assert.ok(s.messages.length > before);
});

test("progress notifications precede the result, in order", async () => {
  const before = s.messages.length;
  const r = await s.request("prog", "tools/call", { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: "tok" } });
  const seq = s.messages.slice(before).filter((m) => m.method === "notifications/progress" || m.id === "prog");
  assert.deepEqual(seq.map((m) => m.params?.progress ?? "result"), [0, 50, 100, "result"]);
  assert.ok(seq.slice(0, 3).every((m) => m.params.progressToken === "tok"));
  assert.ok(r.result);
});

test("cancellation: the handler stops and the request gets no response", async () => {
  // --drain-ms 100000: were the handler still running at EOF, the exit would wait for it
  const t = rawServer(["--conformance-fixtures", "--drain-ms", "100000"]);
  await t.initialize();
  await t.send({ jsonrpc: "2.0", id: "c1", method: "tools/call", params: { name: "slow", arguments: { ms: 60000 }, _meta: { progressToken: "c1" } } });
  await t.waitFor((m) => m.method === "notifications/progress"); // running
  await t.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "c1", reason: "test" } });
  await t.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "never-existed" } });
  const p = await t.request("p", "ping");
  assert.deepEqual(p.result, {});
  const ex = await t.close(); // EOF: exits once the cancelled handler has returned
  assert.equal(ex.code, 0);
  assert.equal(t.messages.some((m) => m.id === "c1"), false, "no response for a cancelled request");
});

test("stdin EOF: in-flight calls finish, then a clean exit", async () => {
  const t = rawServer(["--conformance-fixtures"]);
  await t.initialize();
  await t.send({ jsonrpc: "2.0", id: "e1", method: "tools/call", params: { name: "slow", arguments: { ms: 300 } } });
  const ex = await t.close();
  assert.equal(ex.code, 0);
  assert.ok(t.messages.some((m) => m.id === "e1" && m.result), "the call in flight was answered before exit");
});

test("2025-03-26 sessions: a batch is answered with one array, handlers included", async () => {
  const t = rawServer(["--conformance-fixtures"]);
  const init = await t.initialize("2025-03-26");
  assert.equal(init.result.protocolVersion, "2025-03-26");
  await t.write(JSON.stringify([
    { jsonrpc: "2.0", id: "b1", method: "ping" },
    { jsonrpc: "2.0", method: "notifications/whatever" },
    { jsonrpc: "2.0", id: "b2", method: "tools/call", params: { name: "slow", arguments: { ms: 50 } } },
    { jsonrpc: "2.0", id: "b3", method: "nope" },
    7,
  ]) + "\n");
  const arr = await t.waitFor((m) => Array.isArray(m));
  assert.deepEqual(arr.map((m) => m.id).sort(), [null, "b1", "b2", "b3"].sort());
  assert.match(arr.find((m) => m.id === "b2").result.content[0].text, /slept 50 ms/);
  assert.equal(arr.find((m) => m.id === "b3").error.code, -32601);
  const before = t.messages.length;
  await t.write('[{"jsonrpc":"2.0","method":"notifications/x"}]\n'); // nothing to answer
  await t.write("[]\n");
  const empty = await t.waitFor((m) => t.messages.indexOf(m) >= before && m.error);
  assert.equal(empty.error.code, -32600);
  assert.equal(t.messages.length, before + 1);
  await t.close();
});

test("SIGTERM: calls in flight are cancelled, clean exit", async () => {
  const t = rawServer(["--conformance-fixtures"]);
  await t.initialize();
  await t.send({ jsonrpc: "2.0", id: "t1", method: "tools/call", params: { name: "slow", arguments: { ms: 60000 }, _meta: { progressToken: "t1" } } });
  await t.waitFor((m) => m.method === "notifications/progress"); // the handler is running
  t.child.kill("SIGTERM");
  const ex = await t.exited;
  assert.equal(ex.code, 0);
  // the handler saw the cancellation: its answer (if it got out) is not a completed sleep
  const r = t.messages.find((m) => m.id === "t1");
  assert.ok(!r || /cancelled after/.test(r.result.content[0].text), JSON.stringify(r));
  await t.close();
});

test("SIGHUP: the configuration is reloaded and list_changed is sent", async () => {
  const t = rawServer(["--conformance-fixtures"]);
  await t.initialize();
  t.child.kill("SIGHUP");
  await t.waitFor((m) => m.method === "notifications/tools/list_changed");
  const r = await t.request("l", "tools/list");
  assert.ok(r.result.tools.some((x) => x.name === "explain_sip_response"));
  await t.close();
});

test("stdout is the protocol's alone: a handler's printf lands on stderr", async () => {
  const r = await s.request(id(), "tools/call", { name: "test_stdout_guard", arguments: {} });
  assert.equal(r.result.content[0].text, "wrote to stdout");
  await stillAnswers();
  assert.equal(s.messages.some((m) => m.nonJson), false, "no non-JSON line on stdout");
  assert.match(s.stderr, /stray output from a handler/);
});

test("tools/list pages with an opaque cursor in a stable order", async () => {
  const first = await s.request(id(), "tools/list");
  assert.equal(first.result.nextCursor, undefined, "everything fits one page by default");
  const names = first.result.tools.map((t) => t.name);
  const again = await s.request(id(), "tools/list");
  assert.deepEqual(again.result.tools.map((t) => t.name), names);
});
