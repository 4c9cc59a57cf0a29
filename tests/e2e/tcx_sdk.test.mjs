// The 3CX tools through the real MCP path: the official SDK client over stdio against
// `switchboard`, which talks to the XAPI simulator (build/tcx-sim) on a loopback port. Checks the
// tool list (names, annotations, output schemas, write tools hidden without --allow-writes),
// representative calls with the exact upstream requests from the simulator's request log,
// confirmation by elicitation (accept / decline) and by preview + confirm:true, and that the
// client secret never reaches a result or the log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { connectStdio } from "./core-lib.mjs";

const BUILD = process.env.SB_BUILD_DIR ?? new URL("../../build", import.meta.url).pathname;
const SIM = process.env.TCX_SIM ?? `${BUILD}/tcx-sim`;
let sim, base;
const sessions = [];

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
});
after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  sim?.kill("SIGTERM");
});

const env = () => ({ TCX_FQDN: "sim.3cx.local", TCX_BASE_URL: base, TCX_CLIENT_ID: "900", TCX_CLIENT_SECRET: "sim-secret-900",
                     TCX_TIMEZONE: "Europe/Berlin", TCX_DEFAULT_COUNTRY: "DE" });
async function open(args, capabilities) {
  const s = await connectStdio(args, { env: env(), capabilities, stderr: "pipe" });
  let stderr = "";
  s.transport.stderr?.on("data", (c) => { stderr += c; });
  s.stderr = () => stderr;
  sessions.push(s);
  return s;
}
const simCall = (path, method = "GET", body) =>
  fetch(`${base}/_sim/${path}`, { method, body: body && JSON.stringify(body), headers: { "content-type": "application/json" } });
async function upstream() {
  const j = await (await simCall("requests")).json();
  return j.requests.filter((r) => !r.path.startsWith("/_sim"))
    .map((r) => `${r.method} ${r.path}${r.query ? "?" + decodeURIComponent(r.query) : ""}`);
}
const clearLog = () => simCall("requests", "DELETE");

test("tools/list: 22 tools + list_pbxs, annotations and output schemas; writes hidden by default", async () => {
  const ro = await open([]);
  const names = (await ro.client.listTools()).tools.map((t) => t.name);
  for (const w of ["create_user", "update_user", "delete_user", "create_department", "update_department", "set_forwarding_profile"])
    assert.ok(!names.includes(w), `${w} hidden without --allow-writes`);
  assert.match(ro.client.getInstructions(), /get_call_history/);

  const rw = await open(["--allow-writes"]);
  const tools = (await rw.client.listTools()).tools.filter((t) => !["explain_sip_response"].includes(t.name));
  const expected = ["get_system_status", "find_users", "get_user", "create_user", "update_user", "delete_user",
    "list_departments", "create_department", "update_department", "list_trunks", "get_trunk_details", "get_active_calls",
    "get_call_history", "find_queues", "get_queue_agents", "list_ring_groups", "search_contacts", "find_contact_by_phone",
    "get_extension_status", "get_event_logs", "get_forwarding_profiles", "set_forwarding_profile", "list_pbxs"];
  for (const n of expected) {
    const t = tools.find((x) => x.name === n);
    assert.ok(t, `${n} listed`);
    assert.equal(t.outputSchema?.type, "object", `${n} has an output schema`);
    assert.equal(typeof t.annotations?.readOnlyHint, "boolean", `${n} has annotations`);
    assert.ok(!("pbx" in (t.inputSchema.properties ?? {})), `${n}: no pbx argument with one PBX`);
  }
  assert.equal(tools.find((t) => t.name === "delete_user").annotations.destructiveHint, true);
  assert.equal(tools.find((t) => t.name === "find_users").annotations.readOnlyHint, true);
  assert.ok(tools.find((t) => t.name === "set_forwarding_profile").inputSchema.properties.confirm);
});

test("find_users escapes the query; call history uses the DST-correct window", async () => {
  const { client } = await open([]);
  await clearLog();
  const r = await client.callTool({ name: "find_users", arguments: { query: "o'brien" } });
  assert.equal(r.isError, undefined);
  assert.equal(r.structuredContent.users[0].Number, "101");
  const log = (await upstream()).filter((l) => !l.startsWith("POST /connect/token"));
  assert.equal(log.length, 1);
  assert.match(log[0], /contains\(tolower\(FirstName\),'o''brien'\)/);

  const h = await client.callTool({ name: "get_call_history", arguments: { date: "2026-10-25", timezone: "Europe/Berlin" } });
  assert.equal(h.structuredContent.window.periodFrom, "2026-10-24T22:00:00Z");
  assert.equal(h.structuredContent.window.periodTo, "2026-10-25T22:59:59Z");
  assert.equal(h.structuredContent.window.hours, 25);

  const q = await client.callTool({ name: "get_queue_agents", arguments: { queue: "80" } });
  assert.equal(q.isError, true);
  assert.match(q.content[0].text, /matches 3 queues/);

  const s = await client.callTool({ name: "get_user", arguments: { extension: "101" } });
  assert.equal(s.structuredContent.user.AuthPassword, "***redacted***");
});

test("elicitation: decline sends nothing, accept applies", async () => {
  await simCall("reset", "POST");
  const s = await open(["--allow-writes"], { elicitation: {} });
  let answer = { action: "decline" };
  const asked = [];
  s.client.setRequestHandler(ElicitRequestSchema, async (req) => { asked.push(req.params.message); return answer; });
  await clearLog();
  const d = await s.client.callTool({ name: "set_forwarding_profile", arguments: { extension: "103", profile: "Available" } });
  assert.equal(d.structuredContent.status, "declined");
  assert.match(asked[0], /from forwarding profile 'Out of office' to 'Available'/);
  assert.ok(!(await upstream()).some((l) => l.startsWith("PATCH")));

  answer = { action: "accept", content: { confirm: true } };
  const a = await s.client.callTool({ name: "set_forwarding_profile", arguments: { extension: "103", profile: "Available" } });
  assert.equal(a.structuredContent.status, "done");
  assert.ok((await upstream()).includes("PATCH /xapi/v1/Users(29)"));
});

test("without elicitation: preview first, confirm:true applies; secrets never leak", async () => {
  await simCall("reset", "POST");
  const s = await open(["--allow-writes"]);
  await clearLog();
  const args = { extension: "101", firstName: "Sean" };
  const p = await s.client.callTool({ name: "update_user", arguments: args });
  assert.equal(p.structuredContent.status, "preview");
  assert.ok(!(await upstream()).some((l) => l.startsWith("PATCH")));
  const c = await s.client.callTool({ name: "update_user", arguments: { ...args, confirm: true } });
  assert.equal(c.structuredContent.status, "done");
  assert.equal(c.structuredContent.user.FirstName, "Sean");
  assert.ok((await upstream()).includes("PATCH /xapi/v1/Users(27)"));
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(!JSON.stringify([p, c]).includes("sim-secret-900"));
  assert.ok(!s.stderr().includes("sim-secret-900"), "the client secret is not logged");
});
