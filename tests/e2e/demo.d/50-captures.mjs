// Demo steps of the SIP engine: the captures beside the repository (../shared/captures, made
// with SIPp; tests/data/captures when that folder is absent) analysed as a NOC engineer would.
import { existsSync } from "node:fs";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const shared = join(here, "../../../../shared/captures");
const own = join(here, "../../data/captures");
const dir = existsSync(join(shared, "mixed_outcomes.pcapng")) ? shared : own;
const mixed = dir === shared ? "mixed_outcomes.pcapng" : "b2bua_xcid.pcap";

export async function setup() {
  return { args: ["--data-dir", dir] };
}

export const steps = [
  {
    title: `Captures: what went wrong in ${mixed}? (analyze_capture)`,
    run: (ctx) => ctx.call("analyze_capture", { path: mixed, limit: 5 }),
  },
  {
    title: "Captures: which calls got no ACK for their 200 OK (NAT)? (find_sip_problems)",
    run: (ctx) => ctx.call("find_sip_problems", { path: dir === shared ? "nat_no_ack.pcap" : mixed, nat: true }),
  },
  {
    title: "Captures: the ladder of a call refused with 488 (get_call_flow)",
    run: async (ctx) => {
      if (dir !== shared) return "(needs ../shared/captures/codec_488.pcap)";
      const r = await ctx.client.callTool({ name: "find_sip_problems", arguments: { path: "codec_488.pcap", final_code: 488 } });
      const callId = r.structuredContent?.calls?.[0]?.callId;
      if (!callId) return "no 488 call found";
      return ctx.call("get_call_flow", { path: "codec_488.pcap", call_id: callId, format: "text" });
    },
  },
];
