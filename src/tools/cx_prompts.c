/* MCP prompts for the use cases the ConnexCS documentation sells: each one starts a flow,
 * names the tools to call in order and the arguments it needs from the user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_resource.h"
#include "tools/cx_internal.h"

static const char *arg(const json_t *args, const char *name, const char *def)
{
    const char *s = json_string_value(json_object_get(args, name));
    return s && *s ? s : def;
}

/* Prompt arguments are user text put into an instruction: keep them short and on one line. */
static void clean_arg(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = in; *p && k + 1 < n; p++)
        out[k++] = (*p == '\n' || *p == '\r' || *p == '`') ? ' ' : *p;
    out[k] = '\0';
}

static void p_monthly(mcp_call *call, const json_t *args)
{
    char days[16];
    clean_arg(arg(args, "days", "30"), days, sizeof days);
    mcp_prompt_description(call, "Monthly switch health report");
    mcp_prompt_text(call, "user",
                    "Prepare the monthly health report of our ConnexCS switch for the last %s days.\n"
                    "1. Call getCallReport {\"days\": %s} for totals, ASR, ACD, talk time, active customers, "
                    "revenue/cost/margin per currency, top customers, top destinations and top calls by revenue.\n"
                    "2. Call getSwitchHealth {\"hours\": 24} for the current ASR, NER, PDD, 5xx share and RTP groups.\n"
                    "3. Call findNoRouteFailures, findRoutingGaps, findZeroDurationRepeats and "
                    "findDialPrefixDuplication with {\"days\": %s}.\n"
                    "4. For the worst finding, call investigateCall on one evidence Call-ID.\n"
                    "Write the report: headline KPIs, money per currency (never add different currencies), the "
                    "findings with their evidence Call-IDs, and recommended actions.",
                    days, days, days);
}

static void p_customer_cdr(mcp_call *call, const json_t *args)
{
    char name[128], s[16], e[16];
    clean_arg(arg(args, "customer_name", ""), name, sizeof name);
    clean_arg(arg(args, "start_date", ""), s, sizeof s);
    clean_arg(arg(args, "end_date", ""), e, sizeof e);
    json_t *search = json_pack("{s:s,s:s}", "query", name, "search_type", "name");
    json_t *stats = json_pack("{s:s}", "company_id", "<id>");
    if (*s)
        json_object_set_new(stats, "start_date", json_string(s));
    if (*e)
        json_object_set_new(stats, "end_date", json_string(e));
    char *js = json_dumps(search, JSON_COMPACT), *jt = json_dumps(stats, JSON_COMPACT);
    mcp_prompt_description(call, "CDR analysis for a customer by name");
    mcp_prompt_text(call, "user",
                    "Analyse the calls of the ConnexCS customer named \"%s\"%s%s%s%s.\n"
                    "1. Call searchCustomers %s. If several customers match, list them and ask which one; if "
                    "none, say so and stop (do not guess an id).\n"
                    "2. With its id, call getCustomerCallStatistics %s.\n"
                    "3. Call getCustomerDestinationStatistics {\"customer_id\": \"<id>\"} and "
                    "getCustomerProfitability {\"customer_id\": \"<id>\", \"group_by\": \"week\"}.\n"
                    "4. Call findZeroDurationRepeats and findNoRouteFailures with {\"customer_id\": \"<id>\"}.\n"
                    "Summarise ASR, ACD, top destinations, failures with example Call-IDs, and margin per currency.",
                    name, *s ? " from " : "", s, *e ? " to " : "", e, js ? js : "{}", jt ? jt : "{}");
    free(js);
    free(jt);
    json_decref(search);
    json_decref(stats);
}

static void p_top_revenue(mcp_call *call, const json_t *args)
{
    char days[16];
    clean_arg(arg(args, "days", "30"), days, sizeof days);
    mcp_prompt_description(call, "Top revenue calls");
    mcp_prompt_text(call, "user",
                    "Show the top revenue calls on our ConnexCS switch over the last %s days.\n"
                    "1. Call getCallReport {\"days\": %s, \"top_n\": 10} and read top_calls_by_revenue (one list per "
                    "currency).\n"
                    "2. Call listCustomersByProfitability {\"sort_by\": \"total_revenue\", \"limit\": 10} for the "
                    "customers behind them.\n"
                    "3. For the top call, call investigateCall with its Call-ID when it is under 7 days old.\n"
                    "Present the calls per currency with time, number, customer and revenue.",
                    days, days);
}

static void p_routing_failures(mcp_call *call, const json_t *args)
{
    char days[16], cust[24];
    clean_arg(arg(args, "days", "7"), days, sizeof days);
    clean_arg(arg(args, "customer_id", ""), cust, sizeof cust);
    mcp_prompt_description(call, "Repeated routing failures");
    mcp_prompt_text(call, "user",
                    "Investigate repeated routing failures on our ConnexCS switch over the last %s days%s%s.\n"
                    "1. Call findNoRouteFailures {\"days\": %s%s%s%s} for 503 No Routes Available / 580 No Route "
                    "Available grouped by reason, with explanations.\n"
                    "2. Call findRoutingGaps and findDialPrefixDuplication with the same arguments.\n"
                    "3. For the largest group, call getSipTrace on an evidence Call-ID less than 7 days old, and "
                    "getCustomerRateCards / getRateCardRules for the customer to check the prefix is covered.\n"
                    "4. searchDocumentation {\"query\": \"routing error codes\"} if a reason needs explaining.\n"
                    "Say which prefixes or customers lack routes and what to change.",
                    days, *cust ? " for customer " : "", cust, days, *cust ? ", \"customer_id\": \"" : "", cust,
                    *cust ? "\"" : "");
}

static void p_ai_agent(mcp_call *call, const json_t *args)
{
    char cid[256], date[16];
    clean_arg(arg(args, "callid", ""), cid, sizeof cid);
    clean_arg(arg(args, "date", ""), date, sizeof date);
    mcp_prompt_description(call, "Debug an AI-agent call");
    mcp_prompt_text(call, "user",
                    "Debug the ConnexCS AI-agent call with Call-ID \"%s\" on %s.\n"
                    "1. Call investigateCall {\"callid\": \"%s\"} for signalling, class 5 logs and RTCP.\n"
                    "2. Call getAiAgentLogs {\"callid\": \"%s\", \"date\": \"%s\"} for the STT/LLM/TTS stages and "
                    "their latencies.\n"
                    "3. Call getTranscription {\"callid\": \"%s\"} and getCallQuality {\"callid\": \"%s\"}.\n"
                    "Explain where the conversation went wrong (slow stage, bad audio, signalling failure) with "
                    "the evidence.",
                    cid, date, cid, cid, date, cid, cid);
}

static void p_ctrace(mcp_call *call, const json_t *args)
{
    char who[256];
    clean_arg(arg(args, "phone_or_callid", ""), who, sizeof who);
    bool phone = strspn(who, "+0123456789 -()") == strlen(who);
    mcp_prompt_description(call, "C-Trace of a failed call");
    mcp_prompt_text(call, "user",
                    "Run a C-Trace of the failed ConnexCS call %s \"%s\".\n"
                    "1. Call getCTrace {\"%s\": \"%s\"}: it finds the newest call%s and returns the SIP analysis, "
                    "verdict and ladder.\n"
                    "2. Call investigateCall with the resolved Call-ID for class 5 logs and RTCP.\n"
                    "3. If the failure is a 503/580 no-route, call findNoRouteFailures {\"days\": 1} and explain the "
                    "reason; otherwise searchDocumentation for the SIP code.\n"
                    "Show the ladder (Mermaid) and say why the call failed and what to fix.",
                    phone ? "to or from" : "with Call-ID", who, phone ? "phone" : "callid", who,
                    phone ? " for that number" : "");
}

static const mcp_prompt_arg a_days30[] = {{"days", "Period in days (default 30).", false}, {0}};
static const mcp_prompt_arg a_customer[] = {{"customer_name", "The customer's name, or part of it.", true},
                                            {"start_date", "First day YYYY-MM-DD (optional).", false},
                                            {"end_date", "Last day YYYY-MM-DD (optional).", false},
                                            {0}};
static const mcp_prompt_arg a_failures[] = {{"days", "Period in days (default 7).", false},
                                            {"customer_id", "Only this customer (optional).", false},
                                            {0}};
static const mcp_prompt_arg a_ai[] = {{"callid", "Call-ID of the AI-agent call.", true},
                                      {"date", "Day of the call, YYYY-MM-DD (UTC).", true},
                                      {0}};
static const mcp_prompt_arg a_ctrace[] = {{"phone_or_callid", "A phone number or a Call-ID.", true}, {0}};

static const mcp_prompt_def cx_prompts[] = {
    {"monthlySwitchHealthReport", "Monthly switch health report",
     "ConnexCS: 30-day report, switch health and the four diagnostics, written up with evidence.", a_days30,
     p_monthly, NULL},
    {"cdrAnalysisByCustomer", "CDR analysis by customer name",
     "ConnexCS: find a customer by name and analyse their calls, destinations, failures and margin.", a_customer,
     p_customer_cdr, NULL},
    {"topRevenueCalls", "Top revenue calls", "ConnexCS: the calls that earned most, per currency.", a_days30,
     p_top_revenue, NULL},
    {"repeatedRoutingFailures", "Repeated routing failures",
     "ConnexCS: 503/580 no-route failures, routing gaps and doubled prefixes, explained.", a_failures,
     p_routing_failures, NULL},
    {"debugAiAgentCall", "Debug an AI-agent call",
     "ConnexCS: signalling, AI-agent stage logs, transcription and quality of one call.", a_ai, p_ai_agent, NULL},
    {"cTraceFailedCall", "C-Trace of a failed call",
     "ConnexCS: trace a failed call by phone number or Call-ID, with ladder and explanation.", a_ctrace, p_ctrace,
     NULL},
    {0}};

int cx_prompts_register(mcp_registry *reg, cx_family *fam)
{
    return mcp_registry_add_prompts(reg, cx_prompts, fam);
}
