// Demo steps of the 3CX family: starts the XAPI simulator (build/tcx-sim, fixed "now" on the
// Berlin spring DST day, stops by itself) and asks what a PBX administrator would ask.
import { dirname, join } from "node:path";
import { startSimulator } from "../sim-lib.mjs";

const NOW = "2026-03-29T20:00:00Z";
let sim;

export async function setup(ctx) {
  const bin = process.env.TCX_SIM ?? join(dirname(ctx.switchboard), "tcx-sim");
  sim = await startSimulator(bin, ["--now", NOW]);
  const base = sim.base;
  return {
    env: { TCX_FQDN: "pbx.example.com", TCX_BASE_URL: base, TCX_CLIENT_ID: "900", TCX_CLIENT_SECRET: "sim-secret-900",
           TCX_TIMEZONE: "Europe/Berlin", TCX_DEFAULT_COUNTRY: "DE" },
    cleanup: async () => sim?.stop(),
  };
}

export const steps = [
  {
    title: "3CX: is the PBX healthy? (get_system_status)",
    run: (ctx) => ctx.call("get_system_status", {}),
  },
  {
    title: "3CX: who is in the support queue, and who is logged in? (get_queue_agents)",
    run: (ctx) => ctx.call("get_queue_agents", { queue: "support" }),
  },
  {
    title: "3CX: what calls were missed on the DST day 2026-03-29, in Berlin time? (get_call_history)",
    run: (ctx) => ctx.call("get_call_history", { scope: "date", date: "2026-03-29", missedOnly: true }),
  },
  {
    title: "3CX: who called from 0731 555 1234 (national form of a stored +49 number)? (find_contact_by_phone)",
    run: (ctx) => ctx.call("find_contact_by_phone", { phone: "0731 5551234" }),
  },
  {
    title: "3CX: a hostile search is just text, never OData (search_contacts)",
    run: (ctx) => ctx.call("search_contacts", { query: "') or (1 eq 1" }),
  },
];
