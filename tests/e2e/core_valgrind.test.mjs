// valgrind (memcheck) on an end-to-end session: handshake, listing, tool calls, bad input,
// cancellation, elicitation, progress, resources, prompts, completion, EOF shutdown. Any
// invalid read/write, use of uninitialised memory or definite/indirect leak fails the test
// (valgrind's exit status 99).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rawServer } from "./core-lib.mjs";

let haveValgrind = true;
try { execFileSync("valgrind", ["--version"]); } catch { haveValgrind = false; }

const VG = ["--leak-check=full", "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect",
            "--error-exitcode=99", "--track-origins=yes", "--quiet"];

test("valgrind: a full session is clean", { timeout: 280000, skip: !haveValgrind && "valgrind is not installed (make deps)" }, async () => {
  const s = rawServer(["--conformance-fixtures"], { command: "valgrind", commandArgs: VG, killAfterMs: 270000 });
  const W = 60000;
  await s.send({ jsonrpc: "2.0", id: "pre", method: "tools/list" });
  await s.response("pre", W);
  await s.send({ jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: { elicitation: {}, sampling: {} }, clientInfo: { name: "vg", version: "1" } } });
  await s.response("init", W);
  await s.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  const reqs = [
    ["l", "tools/list"], ["p", "ping"],
    ["e1", "tools/call", { name: "explain_sip_response", arguments: { code: 486 } }],
    ["e2", "tools/call", { name: "explain_sip_response", arguments: { code: 699.5 } }],
    ["e3", "tools/call", { name: "explain_sip_response", arguments: { code: 499, x: [1, { y: 2 }] } }],
    ["e4", "tools/call", { name: "no_such" }],
    ["j", "tools/call", { name: "json_schema_2020_12_tool", arguments: { name: "n", address: { street: "s", city: 5 } } }],
    ["j2", "tools/call", { name: "json_schema_2020_12_tool", arguments: { name: "n", address: { street: "s", city: "c" } } }],
    ["m", "tools/call", { name: "test_multiple_content_types", arguments: {} }],
    ["g", "tools/call", { name: "test_tool_with_progress", arguments: {}, _meta: { progressToken: 7 } }],
    ["lg", "tools/call", { name: "test_tool_with_logging", arguments: {} }],
    ["r1", "resources/read", { uri: "test://template/9/data" }], ["r2", "resources/read", { uri: "test://static-binary" }],
    ["r3", "resources/read", { uri: "test://none" }], ["rl", "resources/list"], ["rt", "resources/templates/list"],
    ["su", "resources/subscribe", { uri: "test://watched-resource" }],
    ["pr", "prompts/get", { name: "test_prompt_with_embedded_resource", arguments: { resourceUri: "test://x" } }],
    ["pl", "prompts/list"], ["pm", "prompts/get", { name: "test_prompt_with_arguments", arguments: {} }],
    ["c", "completion/complete", { ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "pa" } }],
    ["lv", "logging/setLevel", { level: "debug" }], ["cur", "tools/list", { cursor: "o999" }],
  ];
  for (const [id, method, params] of reqs) await s.send({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });
  for (const [id] of reqs) await s.response(id, W);
  for (const line of ["{bad", "[1]", '{"jsonrpc":"2.0","id":null,"method":"ping"}', "[".repeat(5000), '{"jsonrpc":"2.0","id":"x","method":"nope"}'])
    await s.write(line + "\n");
  await s.write(Buffer.from([0x7b, 0xff, 0x0a]));
  // a batch arrives on a 2025-03-26 session only; here it is refused, in a second run it is served
  await s.write('[{"jsonrpc":"2.0","id":"bb","method":"ping"}]\n');
  // elicitation answered by us, sampling answered with an error
  await s.send({ jsonrpc: "2.0", id: "el", method: "tools/call", params: { name: "test_elicitation", arguments: { message: "ok?" } } });
  const ask = await s.waitFor((m) => m.method === "elicitation/create", W);
  await s.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { username: "u", email: "e@x.org" } } });
  await s.response("el", W);
  await s.send({ jsonrpc: "2.0", id: "sa", method: "tools/call", params: { name: "test_sampling", arguments: { prompt: "hi" } } });
  const samp = await s.waitFor((m) => m.method === "sampling/createMessage", W);
  await s.send({ jsonrpc: "2.0", id: samp.id, error: { code: -1, message: "no" } });
  const sr = await s.response("sa", W);
  assert.equal(sr.result.isError, true);
  // cancellation of a running call, and a call still in flight at EOF
  await s.send({ jsonrpc: "2.0", id: "slow", method: "tools/call", params: { name: "slow", arguments: { ms: 20000 } } });
  await new Promise((r) => setTimeout(r, 300));
  await s.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "slow" } });
  await s.send({ jsonrpc: "2.0", id: "tail", method: "tools/call", params: { name: "slow", arguments: { ms: 200 } } });
  await s.send({ jsonrpc: "2.0", id: "end", method: "ping" });
  await s.response("end", W);
  const ex = await s.close();
  assert.equal(ex.code, 0, `valgrind reported errors:\n${s.stderr.slice(-4000)}`);
  assert.ok(s.messages.some((m) => m.id === "tail" && m.result));
});

test("valgrind: 2025-03-26 batches are clean", { timeout: 120000, skip: !haveValgrind && "valgrind is not installed (make deps)" }, async () => {
  const s = rawServer(["--conformance-fixtures"], { command: "valgrind", commandArgs: VG, killAfterMs: 110000 });
  await s.send({ jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "vg", version: "1" } } });
  await s.response("init", 60000);
  await s.write(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "ping" }, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "slow", arguments: { ms: 100 } } }, 3]) + "\n");
  await s.write(JSON.stringify([{ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "slow", arguments: { ms: 5000 } } }]) + "\n");
  await s.waitFor((m) => Array.isArray(m), 60000);
  const ex = await s.close(); // the second batch is still in flight at EOF
  assert.equal(ex.code, 0, `valgrind reported errors:\n${s.stderr.slice(-4000)}`);
});
