// The ConnexCS tools through the real MCP path: the official SDK client over stdio against
// `switchboard`, which talks to the ConnexCS simulator (build/connexcs-sim) on a loopback port
// with a fixed "now". Checks the tool and prompt lists, representative calls against the
// simulator's ground truth and request log, progress and cancellation of a long diagnostic,
// the missing-API_USERNAME message (at start and on each call), and that no secret reaches a
// result or the log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connectStdio } from "./core-lib.mjs";

const BUILD = process.env.SB_BUILD_DIR ?? new URL("../../build", import.meta.url).pathname;
const SIM = process.env.CX_SIM ?? `${BUILD}/connexcs-sim`;
const NOW = "2026-03-01T12:00:00Z";
let sim, base, truth;
const sessions = [];

before(async () => {
  sim = spawn(SIM, ["--listen", "127.0.0.1:0", "--now", NOW, "--max-seconds", "240"], { stdio: ["ignore", "pipe", "inherit"] });
  base = await new Promise((resolve, reject) => {
    let buf = "";
    const t = setTimeout(() => reject(new Error("connexcs-sim did not start")), 10000);
    sim.stdout.on("data", (c) => {
      buf += c;
      const m = buf.match(/listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
  });
  truth = await (await fetch(`${base}/_sim/truth`)).json();
});
after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  sim?.kill("SIGTERM");
});

const env = (extra = {}) => ({ API_USERNAME: "api@sim.connexcs.net", API_PASSWORD: "sim-password",
                               CONNEXCS_BASE_URL: `${base}/api/cp/`, CONNEXCS_NOW: NOW, ...extra });
async function open(extraEnv) {
  const s = await connectStdio([], { env: env(extraEnv), stderr: "pipe" });
  let stderr = "";
  s.transport.stderr?.on("data", (c) => { stderr += c; });
  s.stderr = () => stderr;
  sessions.push(s);
  return s;
}
const simPost = (path, body) => fetch(`${base}/_sim/${path}`, { method: "POST", body: JSON.stringify(body),
                                                                headers: { "content-type": "application/json" } });
const clearLog = () => fetch(`${base}/_sim/requests`, { method: "DELETE" });
const upstream = async () => (await (await fetch(`${base}/_sim/requests`)).json()).map((r) => `${r.method} ${r.target}`);

const CX_TOOLS = ["searchCallLogs", "searchCdr", "getCallAnalytics", "getSipTrace", "getCallQuality", "investigateCall",
  "getRtpServerGroups", "getTranscription", "getAiAgentLogs", "searchCustomers", "getCustomerBalance", "getLastTopup",
  "listRtpServers", "getCustomerPackages", "getCustomerRateCards", "getRateCardDetails", "getRateCardRules",
  "getCustomerProfitability", "listCustomersByProfitability", "getCustomerCallStatistics",
  "getCustomerDestinationStatistics", "getDocumentation", "searchDocumentation", "getCTrace", "getCallReport",
  "getSwitchHealth", "findZeroDurationRepeats", "findRoutingGaps", "findDialPrefixDuplication", "findNoRouteFailures"];

test("tools/list and prompts/list: the ConnexCS family, read-only, with output schemas", async () => {
  const { client } = await open();
  const { tools } = await client.listTools();
  for (const name of CX_TOOLS) {
    const t = tools.find((x) => x.name === name);
    assert.ok(t, `${name} is listed`);
    assert.equal(t.annotations.readOnlyHint, true, `${name} is read-only`);
    assert.equal(t.annotations.destructiveHint, false);
    assert.equal(t.outputSchema?.type, "object", `${name} has an output schema`);
  }
  const search = tools.find((x) => x.name === "searchCdr");
  assert.equal(search.inputSchema.properties.limit.maximum, 5000);
  assert.equal(search.inputSchema.properties.limit.default, 1000);
  assert.deepEqual(tools.find((x) => x.name === "getCustomerPackages").inputSchema.properties.type.enum,
                   ["all", "recurring", "one-time", "free-minutes"]);
  const { prompts } = await client.listPrompts();
  for (const p of ["monthlySwitchHealthReport", "cdrAnalysisByCustomer", "topRevenueCalls", "repeatedRoutingFailures",
                   "debugAiAgentCall", "cTraceFailedCall"])
    assert.ok(prompts.find((x) => x.name === p), `prompt ${p}`);
  const got = await client.getPrompt({ name: "cTraceFailedCall", arguments: { phone_or_callid: "+442079460999" } });
  assert.match(got.messages[0].content.text, /getCTrace \{"phone": "\+442079460999"\}/);
  const ai = await client.getPrompt({ name: "debugAiAgentCall", arguments: { callid: "abc@1.2.3.4", date: "2026-02-25" } });
  assert.match(ai.messages[0].content.text, /getAiAgentLogs/);
});

test("getSipTrace: the 407 re-INVITE is not a retransmission; ladder in text and Mermaid", async () => {
  const { client } = await open();
  const sc = truth.scenarios.auth_407;
  await clearLog();
  const r = await client.callTool({ name: "getSipTrace", arguments: { callid: sc.callid } });
  assert.ok(!r.isError);
  const a = r.structuredContent.analysis;
  assert.equal(a.call_connected, true);
  assert.equal(a.auth_required, true);
  assert.equal(a.retransmissions, 0);
  assert.match(r.structuredContent.ladder.mermaid, /^sequenceDiagram/);
  assert.match(r.content[0].text, /407 Proxy Auth/);
  const log = await upstream();
  assert.deepEqual(log, [`GET /api/cp/log/trace?callid=${encodeURIComponent(sc.callid)}`]);
});

test("investigateCall: bad Call-ID is an isError result; a fake one is a clear 'not found'", async () => {
  const { client } = await open();
  const bad = await client.callTool({ name: "investigateCall", arguments: { callid: "" } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /cannot be an empty string/);
  const fake = await client.callTool({ name: "investigateCall", arguments: { callid: "FAKE-CALLID-THAT-DOES-NOT-EXIST" } });
  assert.ok(!fake.isError);
  assert.equal(fake.structuredContent.trace.available, false);
  assert.deepEqual(fake.structuredContent.issues, ["No SIP trace data found"]);
  const poor = await client.callTool({ name: "investigateCall", arguments: { callid: truth.scenarios.rtcp_poor.callid } });
  assert.match(poor.structuredContent.debug_summary, /Quality: POOR/);
  assert.match(poor.structuredContent.debug_summary, /From: .* → To: /);
});

test("getCallReport: 30-day totals match the ground truth, money per currency, progress reported", async () => {
  const { client } = await open();
  const progress = [];
  await clearLog();
  const r = await client.callTool({ name: "getCallReport", arguments: { days: 30 } }, undefined,
                                  { onprogress: (p) => progress.push(p), timeout: 120000 });
  assert.ok(!r.isError);
  const s = r.structuredContent;
  assert.equal(s.summary.attempts, truth.cdr.total);
  assert.equal(s.summary.answered, truth.cdr.connected);
  assert.equal(s.routing_failures.count, truth.cdr.routing_failures);
  assert.deepEqual(Object.keys(s.top_calls_by_revenue).sort(), ["EUR", "USD"]);
  assert.ok(progress.length >= 1, "progress notifications");
  const log = await upstream();
  assert.equal(log.filter((l) => l === "POST /api/cp/cdr").length, s.fetch.upstream_requests);
});

test("findNoRouteFailures and findRoutingGaps find the 503 burst with its evidence", async () => {
  const { client } = await open();
  const nr = await client.callTool({ name: "findNoRouteFailures", arguments: {} });
  assert.equal(nr.structuredContent.groups[0].count, truth.no_route_burst.count);
  assert.equal(nr.structuredContent.groups[0].evidence[0].callid, truth.no_route_burst.first_callid);
  const gaps = await client.callTool({ name: "findRoutingGaps", arguments: {} });
  assert.equal(gaps.structuredContent.finding_count, 1);
  const uncovered = gaps.structuredContent.rate_card_check[0].rate_cards.filter((c) => !c.covered).map((c) => c.card_id);
  assert.deepEqual(uncovered.sort(), [...truth.no_route_burst.cards_missing_prefix].sort());
});

test("cancellation: a slow upstream request stops when the client cancels", async () => {
  const { client } = await open();
  await simPost("fault", { kind: "slow", count: 1, delay_ms: 20000, path: "rtp-group" });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  await assert.rejects(client.callTool({ name: "getRtpServerGroups", arguments: {} }, undefined, { signal: ac.signal }));
  await fetch(`${base}/_sim/fault`, { method: "DELETE" });
  const r = await client.callTool({ name: "getRtpServerGroups", arguments: {} }); // the server still answers
  assert.equal(r.structuredContent.group_count, 10);
  // a diagnostic streaming CDR pages stops too, and the next one runs normally
  await simPost("fault", { kind: "slow", count: 1, delay_ms: 20000, path: "/api/cp/cdr" });
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 300);
  await assert.rejects(client.callTool({ name: "getCallReport", arguments: {} }, undefined, { signal: ac2.signal }));
  await fetch(`${base}/_sim/fault`, { method: "DELETE" });
  const rep = await client.callTool({ name: "getCallReport", arguments: {} }, undefined, { timeout: 60000 });
  assert.equal(rep.structuredContent.summary.attempts, truth.cdr.total);
});

test("missing API_USERNAME: said at start and on each call; no secret in results or logs", async () => {
  const s = await open({ API_USERNAME: "", API_PASSWORD: "", CONNEXCS_API_TOKEN: "refresh-token-value-xyz" });
  for (const name of ["searchCallLogs", "getRtpServerGroups"]) {
    const r = await s.client.callTool({ name, arguments: name === "searchCallLogs" ? { search: "44" } : {} });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /API_USERNAME environment variable is required but not set/);
    assert.doesNotMatch(JSON.stringify(r), /refresh-token-value-xyz/);
  }
  assert.match(s.stderr(), /API_USERNAME environment variable is required/);
  assert.doesNotMatch(s.stderr(), /refresh-token-value-xyz/);
  const ok = await open({ VERBOSE: "1" });
  await ok.client.callTool({ name: "getCustomerBalance", arguments: { customer_id: "1001" } });
  assert.doesNotMatch(ok.stderr(), /sim-password/);
});
