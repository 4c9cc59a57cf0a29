// The official TypeScript SDK client (1.32.2) over StreamableHTTPClientTransport against
// `switchboard serve --http`: list and call tools with sessions, stateless, with a bearer token;
// progress over SSE; elicitation through the client; session end with DELETE.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { startServer, tmpDir, writeTmp } from "./http-lib.mjs";

const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

async function server(args) {
  const s = await startServer(args, { global: ["--conformance-fixtures"] });
  servers.push(s);
  return s;
}

async function connect(url, { headers, capabilities = {} } = {}) {
  const client = new Client({ name: "sdk-e2e", version: "1.0.0" }, { capabilities });
  const transport = new StreamableHTTPClientTransport(new URL(url), headers ? { requestInit: { headers } } : undefined);
  await client.connect(transport);
  return { client, transport };
}

test("with sessions: list, call echo, progress over SSE, terminate", async () => {
  const s = await server([]);
  const { client, transport } = await connect(s.url);
  assert.ok(transport.sessionId, "a session id was issued");
  assert.equal(client.getServerVersion().name, "switchboard");
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === "echo"));
  const r = await client.callTool({ name: "echo", arguments: { message: "hello over http" } });
  assert.deepEqual(r.content, [{ type: "text", text: "hello over http" }]);
  const progress = [];
  const p = await client.callTool({ name: "test_tool_with_progress", arguments: {} }, undefined,
    { onprogress: (n) => progress.push(n.progress) });
  assert.ok(!p.isError);
  assert.deepEqual(progress, [0, 50, 100]);
  const bad = await client.callTool({ name: "echo", arguments: {} });
  assert.equal(bad.isError, true);
  await transport.terminateSession();
  await client.close();
});

test("elicitation reaches the SDK client's handler and the result comes back", async () => {
  const s = await server([]);
  const { client } = await connect(s.url, { capabilities: { elicitation: {} } });
  let asked = null;
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked = req.params.message;
    return { action: "accept", content: { username: "alice", email: "a@example.com" } };
  });
  const r = await client.callTool({ name: "test_elicitation", arguments: { message: "Who are you?" } });
  assert.equal(asked, "Who are you?");
  assert.ok(!r.isError);
  assert.match(JSON.stringify(r.content), /accept/);
  await client.close();
});

test("stateless server: the SDK client works without a session", async () => {
  const s = await server(["--stateless"]);
  const { client, transport } = await connect(s.url);
  assert.equal(transport.sessionId, undefined);
  const { tools } = await client.listTools();
  assert.ok(tools.length > 10);
  const r = await client.callTool({ name: "echo", arguments: { message: "stateless" } });
  assert.equal(r.content[0].text, "stateless");
  await client.close();
});

test("with a bearer token: accepted with it, rejected without it", async () => {
  const dir = tmpDir();
  const token = "sdk-e2e-token-0123456789abcdef";
  const file = writeTmp(dir, "tokens", `${token} tools:read\n`);
  const s = await server(["--auth-tokens", file]);
  const { client } = await connect(s.url, { headers: { Authorization: `Bearer ${token}` } });
  const r = await client.callTool({ name: "echo", arguments: { message: "authorised" } });
  assert.equal(r.content[0].text, "authorised");
  await client.close();
  await assert.rejects(connect(s.url), /401|Unauthorized|invalid_token|authentication required/i);
  await assert.rejects(connect(s.url, { headers: { Authorization: "Bearer wrong-token-0123456789" } }), /401|Unauthorized|invalid_token|authentication required/i);
});
