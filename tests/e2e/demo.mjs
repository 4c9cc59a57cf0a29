// `make demo`: starts switchboard and drives it with the official MCP SDK client through a
// short scripted session, printing each question and the answer a model would get.
//
// Extending it: drop a module into tests/e2e/demo.d/ (run in file-name order) exporting
//   export const steps = [{ title, run: async (ctx) => string }];   // ctx.client, ctx.call(name, args)
//   export async function setup(ctx) { ... return { args: [], env: {}, cleanup: async () => {} }; }
// setup() runs before switchboard starts (start a simulator there and return the arguments or
// environment switchboard needs); cleanup() runs at the end whatever happened. A failing step
// is reported and the demo goes on; the exit status is 1 when any step failed.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const here = new URL(".", import.meta.url).pathname;
const SWITCHBOARD = process.env.SWITCHBOARD ?? join(here, "../../build/switchboard");
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

const modules = [];
for (const f of readdirSync(join(here, "demo.d")).filter((f) => f.endsWith(".mjs")).sort())
  modules.push({ file: f, ...(await import(join(here, "demo.d", f))) });

const args = [], env = {}, cleanups = [];
let failed = 0;
try {
  for (const m of modules) {
    if (!m.setup) continue;
    const r = (await m.setup({ switchboard: SWITCHBOARD })) ?? {};
    args.push(...(r.args ?? []));
    Object.assign(env, r.env ?? {});
    if (r.cleanup) cleanups.push(r.cleanup);
  }
  const transport = new StdioClientTransport({ command: SWITCHBOARD, args, env: { ...process.env, ...env }, stderr: "inherit" });
  const client = new Client({ name: "switchboard-demo", version: "1.0.0" }, { capabilities: {} });
  const t0 = performance.now();
  await client.connect(transport);
  const info = client.getServerVersion();
  console.log(bold(`switchboard ${info.version}`) + ` — connected over stdio with the MCP SDK client in ${(performance.now() - t0).toFixed(0)} ms, protocol ${transport._protocolVersion ?? "2025-11-25"}`);
  const ctx = {
    client,
    instructions: client.getInstructions(),
    async call(name, callArgs) {
      const r = await client.callTool({ name, arguments: callArgs });
      const text = r.content.filter((b) => b.type === "text").map((b) => b.text).join("\n");
      return (r.isError ? "[tool error] " : "") + text;
    },
  };
  for (const m of modules) {
    for (const step of m.steps ?? []) {
      console.log("\n" + bold(`== ${step.title}`));
      try {
        const t = performance.now();
        const out = await step.run(ctx);
        console.log(typeof out === "string" ? out : JSON.stringify(out, null, 2));
        console.log(`   (${(performance.now() - t).toFixed(1)} ms)`);
      } catch (e) {
        failed++;
        console.log(`   step failed: ${e.message}`);
      }
    }
  }
  await client.close();
} finally {
  for (const c of cleanups.reverse()) await c().catch((e) => console.error(`cleanup: ${e.message}`));
}
console.log(failed ? `\n${failed} step(s) failed` : "\ndemo complete");
process.exit(failed ? 1 : 0);
