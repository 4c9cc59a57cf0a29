// Demo steps of the MCP core: what the model is told, the catalogue, and a SIP answer.
export const steps = [
  {
    title: "What the model is told at connection (initialize.instructions)",
    run: async (ctx) => ctx.instructions,
  },
  {
    title: "The tool catalogue (tools/list)",
    run: async (ctx) => {
      const { tools } = await ctx.client.listTools();
      return tools.map((t) => `  ${t.name.padEnd(28)} ${t.title ?? ""}`).join("\n") + `\n  (${tools.length} tools)`;
    },
  },
  {
    title: "A caller hears a busy tone: what does SIP 486 mean? (explain_sip_response)",
    run: (ctx) => ctx.call("explain_sip_response", { code: 486 }),
  },
  {
    title: "The carrier answered 503: what to check? (explain_sip_response)",
    run: (ctx) => ctx.call("explain_sip_response", { code: 503 }),
  },
  {
    title: "A bad argument comes back as an error the model can act on",
    run: (ctx) => ctx.call("explain_sip_response", { code: 700 }),
  },
];
