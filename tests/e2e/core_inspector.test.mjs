// The MCP Inspector CLI (2.12.0) against switchboard over stdio: the second official client.
// Its exit status is 0 on success and 5 for a tool error or unknown tool (measured).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { SWITCHBOARD } from "./core-lib.mjs";

const here = new URL(".", import.meta.url).pathname;
const inspector = join(here, "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");

function cli(serverArgs, args) {
  return new Promise((res) => {
    const p = spawn(process.execPath, [inspector, "--cli", SWITCHBOARD, ...serverArgs, ...args], { cwd: here, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (c) => (out += c));
    p.stderr.on("data", (c) => (err += c));
    const t = setTimeout(() => p.kill("SIGKILL"), 60000);
    p.on("exit", (code) => { clearTimeout(t); res({ code, out, err }); });
  });
}

test("inspector: tools/list", { timeout: 90000 }, async () => {
  const r = await cli([], ["--method", "tools/list"]);
  assert.equal(r.code, 0, r.err);
  const tools = JSON.parse(r.out).tools;
  const t = tools.find((x) => x.name === "explain_sip_response");
  assert.equal(t.inputSchema.properties.code.type, "integer");
});

test("inspector: tools/call with a coerced argument", { timeout: 90000 }, async () => {
  const r = await cli([], ["--method", "tools/call", "--tool-name", "explain_sip_response", "--tool-arg", "code=404"]);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out);
  assert.equal(res.structuredContent.reason, "Not Found");
  assert.equal(res.structuredContent.q850.cause, 1);
});

test("inspector: an isError result and an unknown tool exit 5", { timeout: 90000 }, async () => {
  const bad = await cli([], ["--method", "tools/call", "--tool-name", "explain_sip_response", "--tool-args-json", '{"code":42}']);
  assert.equal(bad.code, 5);
  const unknown = await cli([], ["--method", "tools/call", "--tool-name", "nope"]);
  assert.equal(unknown.code, 5);
});

test("inspector: resources and prompts with the fixtures", { timeout: 90000 }, async () => {
  const r = await cli(["--conformance-fixtures"], ["--method", "resources/read", "--uri", "test://static-text"]);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).contents[0].text, "This is the content of the static text resource.");
  const p = await cli(["--conformance-fixtures"], ["--method", "prompts/get", "--prompt-name", "test_prompt_with_arguments", "--prompt-args", "arg1=x", "arg2=y"]);
  assert.equal(p.code, 0, p.err);
  assert.equal(JSON.parse(p.out).messages[0].content.text, "Prompt with arguments: arg1='x', arg2='y'");
});
