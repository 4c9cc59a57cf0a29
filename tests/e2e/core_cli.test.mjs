// The switchboard command line: --version, --help, tools (text, --json, --markdown), call
// (text, --json, exit statuses 0 / 1 on isError / 2 on usage or unknown tool).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { SWITCHBOARD } from "./core-lib.mjs";

const sb = (...args) => spawnSync(SWITCHBOARD, args, { encoding: "utf8", timeout: 30000, env: { ...process.env, SB_CHECK_OUTPUT: "1" } });

test("--version and --help", () => {
  const v = sb("--version");
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^switchboard \d+\.\d+\.\d+ \(MCP 2025-11-25/);
  const h = sb("--help");
  assert.equal(h.status, 0);
  for (const c of ["serve", "tools", "call", "--allow-writes", "--data-dir", "--config", "--store"]) assert.ok(h.stdout.includes(c), c);
  const bad = sb("frobnicate");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
});

test("tools: text, --json (the tools/list shape), --markdown", () => {
  const t = sb("tools");
  assert.equal(t.status, 0);
  assert.match(t.stdout, /^explain_sip_response — Explain a SIP response code/m);
  const j = sb("tools", "--json");
  const doc = JSON.parse(j.stdout);
  const e = doc.tools.find((x) => x.name === "explain_sip_response");
  assert.deepEqual(e.inputSchema.required, ["code"]);
  const m = sb("--conformance-fixtures", "tools", "--markdown");
  assert.match(m.stdout, /### `explain_sip_response` — Explain a SIP response code/);
  assert.match(m.stdout, /\| `code` \| integer \| yes \|/);
  assert.match(m.stdout, /### `test_write_echo`[\s\S]*Changes state upstream/);
  assert.equal(sb("tools", "--yaml").status, 2);
});

test("call: text, --json, exit statuses", () => {
  const ok = sb("call", "explain_sip_response", '{"code":404}');
  assert.equal(ok.status, 0);
  assert.match(ok.stdout, /SIP 404 Not Found/);
  const js = sb("call", "explain_sip_response", '{"code":404}', "--json");
  assert.equal(JSON.parse(js.stdout).structuredContent.q850.cause, 1);
  const invalid = sb("call", "explain_sip_response", '{"code":1}');
  assert.equal(invalid.status, 1);
  assert.match(invalid.stdout, /must be at least 100/);
  assert.equal(sb("call", "nope").status, 2);
  assert.equal(sb("call", "explain_sip_response", "{not json").status, 2);
  assert.equal(sb("call").status, 2);
  assert.equal(sb("--conformance-fixtures", "call", "test_write_echo", '{"message":"m"}').status, 1);
  assert.equal(sb("--conformance-fixtures", "--allow-writes", "call", "test_write_echo", '{"message":"m"}').stdout, "m\n");
});
