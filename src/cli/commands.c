/* The subcommands of `switchboard`, one row each (see cli.h for how to add one). */
#include "cli/cli.h"

const cli_command cli_commands[] = {
    {"serve", cli_serve, "serve MCP over stdio (the default command)", "[serve options]"},
    {"tools", cli_tools, "print the tool catalogue", "[--json|--markdown]"},
    {"call", cli_call, "run one tool in-process and print its result (exit 1 on isError)",
     "TOOL ['JSON-ARGS'] [--json]"},
    {"analyze", cli_analyze, "analyse a SIP capture or log (calls, verdicts, ladders)", "FILE [--call CALLID] [--json|--ladder|--mermaid]"},
    {"report", cli_report, "CDR report (KPIs, money, failures, per-day) streamed from a file or from the store", "FILE|--store [--from T --to T --customer C ...] [--json|--svg OUT|--mermaid] [--anomalies]"},
    {NULL, NULL, NULL, NULL},
};
