// Demo steps of the CDR engine: a week of synthetic CDRs with planted anomalies (made by
// build/cdr_gen into a temporary directory), reported on and scanned straight from the file.
import { mkdtempSync, rmSync, openSync, closeSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

let dir;

export async function setup(ctx) {
  dir = mkdtempSync(join(tmpdir(), "switchboard-demo-"));
  const out = openSync(join(dir, "week.csv"), "w");
  const gen = spawnSync(join(dirname(ctx.switchboard), "cdr_gen"), ["--rows", "50000", "--days", "7", "--plant"],
                        { stdio: ["ignore", out, "inherit"] });
  closeSync(out);
  if (gen.status !== 0) throw new Error("cdr_gen failed");
  return { args: ["--data-dir", dir], cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

export const steps = [
  {
    title: "CDRs: how did last week go? (cdr_report, streamed from a 50,000-row CSV)",
    run: async (ctx) => (await ctx.call("cdr_report", { path: "week.csv" })).split("```")[0].trim(),
  },
  {
    title: "CDRs: anything suspicious — fraud, routing gaps, false answer supervision? (find_cdr_anomalies)",
    run: (ctx) => ctx.call("find_cdr_anomalies", { path: "week.csv" }),
  },
];
