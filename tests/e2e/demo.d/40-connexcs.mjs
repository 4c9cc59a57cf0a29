// Demo steps of the ConnexCS family: starts the ConnexCS simulator (build/connexcs-sim, fixed
// "now", stops by itself) and asks what an operator would ask of the switch.
import { dirname, join } from "node:path";
import { startSimulator } from "../sim-lib.mjs";

const NOW = "2026-03-01T12:00:00Z";
let sim;

export async function setup(ctx) {
  const bin = process.env.CX_SIM ?? join(dirname(ctx.switchboard), "connexcs-sim");
  sim = await startSimulator(bin, ["--now", NOW]);
  const base = sim.base;
  return {
    env: { API_USERNAME: "api@sim.connexcs.net", API_PASSWORD: "sim-password", CONNEXCS_BASE_URL: `${base}/api/cp/`,
           CONNEXCS_NOW: NOW },
    cleanup: async () => sim?.stop(),
  };
}

export const steps = [
  {
    title: "ConnexCS: how did the switch do this month? (getCallReport)",
    run: (ctx) => ctx.call("getCallReport", { days: 30, top_n: 3 }),
  },
  {
    title: "ConnexCS: is the switch healthy right now? (getSwitchHealth)",
    run: (ctx) => ctx.call("getSwitchHealth", { hours: 24 }),
  },
  {
    title: "ConnexCS: are calls failing for lack of a route? (findNoRouteFailures)",
    run: (ctx) => ctx.call("findNoRouteFailures", { days: 7 }),
  },
  {
    title: "ConnexCS: C-Trace of the last call to +44 20 7946 0999 (getCTrace)",
    run: (ctx) => ctx.call("getCTrace", { phone: "+442079460999" }),
  },
  {
    title: "ConnexCS: a customer asks about their balance (searchCustomers, getCustomerBalance)",
    run: async (ctx) => (await ctx.call("searchCustomers", { query: "Adam" })) + "\n" +
      (await ctx.call("getCustomerBalance", { customer_id: "1003" })),
  },
];
