/* The capture tools: analyze_capture (a file -> calls by outcome, problems ranked, KPIs, calls
 * paginated), get_call_flow (a Call-ID -> verdict and ladder, B2BUA legs together) and
 * find_sip_problems (calls matching problem filters). Files are read only under the configured
 * data directories (--data-dir, default the working directory): the path is resolved with
 * realpath(), so ".." and symlinks that leave the allowed directories are refused. Reading
 * reports MCP progress and stops on cancellation. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_tool.h"
#include "sip/sip_read.h"
#include "sip/sip_render.h"
#include "tools/datadir.h"
#include "tools/tools.h"

typedef struct capture_family {
    tools_datadirs data;
} capture_family;

/* ---- paths --------------------------------------------------------------------------------- */


static int on_progress(void *ctx, uint64_t done, uint64_t total)
{
    mcp_call *call = ctx;
    mcp_call_progress(call, (double)done, (double)total, "reading capture");
    return mcp_call_cancelled(call) ? 1 : 0;
}

static sip_read_opts read_opts(mcp_call *call)
{
    return (sip_read_opts){.progress = on_progress, .progress_ctx = call,
                           .cancel = mcp_call_cancel_flag(call)};
}

static sip_report *load(mcp_call *call, const json_t *args, const sip_engine_opts *eo)
{
    const capture_family *f = mcp_call_data(call);
    char err[600];
    char *real = tools_datadirs_resolve(&f->data, json_string_value(json_object_get(args, "path")), err, sizeof err);
    if (!real) {
        mcp_call_error(call, "%s", err);
        return NULL;
    }
    sip_read_opts ro = read_opts(call);
    sip_read_stats st;
    sip_report *r = sip_analyze_file(real, eo, &ro, &st, err, sizeof err);
    free(real);
    if (!r) {
        mcp_call_error(call, "%s", err);
        return NULL;
    }
    if (st.cancelled) {
        sip_report_free(r);
        mcp_call_error(call, "cancelled while reading the capture");
        return NULL;
    }
    return r;
}

static size_t arg_size(const json_t *args, const char *name)
{
    json_int_t v = json_integer_value(json_object_get(args, name));
    return v > 0 ? (size_t)v : 0;
}

/* ---- text views of the JSON (clients that pass only text content to the model see the
 * same answer as structuredContent, compactly) ------------------------------------------------ */

static const char *jstr(const json_t *o, const char *key, const char *dflt)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : dflt;
}

/* "1-25538@127.0.0.1  failed 404 Not Found (Q.850 1 UNALLOCATED_NUMBER), PDD 2.1 s, 1 retransmission" */
static void text_call_line(FILE *f, const json_t *c)
{
    fprintf(f, "- %s  %s", jstr(c, "callId", "?"), jstr(c, "outcome", "?"));
    json_t *code = json_object_get(c, "finalCode");
    if (json_is_integer(code))
        fprintf(f, " %lld %s", (long long)json_integer_value(code), jstr(c, "finalPhrase", ""));
    json_t *q = json_object_get(c, "q850");
    if (json_is_integer(q))
        fprintf(f, " (Q.850 %lld %s)", (long long)json_integer_value(q), jstr(c, "q850Name", ""));
    json_t *pdd = json_object_get(json_object_get(c, "timings"), "pddMs");
    if (json_is_number(pdd))
        fprintf(f, ", PDD %.0f ms", json_number_value(pdd));
    json_int_t rtx = json_integer_value(json_object_get(c, "retransmissions"));
    if (rtx > 0)
        fprintf(f, ", %lld retransmission%s", (long long)rtx, rtx == 1 ? "" : "s");
    fputc('\n', f);
    json_t *findings = json_object_get(c, "findings");
    for (size_t i = 0; i < json_array_size(findings); i++) {
        const json_t *fd = json_array_get(findings, i);
        if (strcmp(jstr(fd, "severity", "info"), "info") != 0)
            fprintf(f, "    [%s] %s\n", jstr(fd, "severity", ""), jstr(fd, "text", ""));
    }
}

static void text_problems(FILE *f, const json_t *problems)
{
    if (json_array_size(problems))
        fputs("\nProblems, most serious first:\n", f);
    for (size_t i = 0; i < json_array_size(problems); i++) {
        const json_t *p = json_array_get(problems, i);
        const json_t *ex = json_array_get(json_object_get(p, "examples"), 0);
        fprintf(f, "- [%s] %s: %lld call(s), e.g. %s: %s\n", jstr(p, "severity", ""),
                jstr(p, "code", ""), (long long)json_integer_value(json_object_get(p, "calls")),
                jstr(ex, "callId", "?"), jstr(ex, "text", ""));
    }
}

static void text_calls(FILE *f, const json_t *calls, const char *heading)
{
    if (json_array_size(calls))
        fprintf(f, "\n%s\n", heading);
    for (size_t i = 0; i < json_array_size(calls); i++)
        text_call_line(f, json_array_get(calls, i));
}

/* Appends the text view built by fn(FILE*, o) as one text block. */
static void text_block(mcp_call *call, const json_t *o, const char *lead,
                       void (*fn)(FILE *f, const json_t *o))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        mcp_call_text(call, "%s", lead);
        return;
    }
    fputs(lead, f);
    fn(f, o);
    fclose(f);
    mcp_call_text(call, "%s", text);
    free(text);
}

static void analyze_text(FILE *f, const json_t *o)
{
    text_problems(f, json_object_get(o, "problems"));
    text_calls(f, json_object_get(o, "calls"), "Calls:");
}

static void problems_text(FILE *f, const json_t *o)
{
    text_calls(f, json_object_get(o, "calls"), "Matching calls:");
}

/* ---- analyze_capture ------------------------------------------------------------------------ */

static void analyze_capture(mcp_call *call, const json_t *args)
{
    sip_report *r = load(call, args, NULL);
    if (!r)
        return;
    size_t offset = arg_size(args, "offset"), limit = arg_size(args, "limit");
    json_t *o = sip_report_json(r, offset, limit ? limit : 20);
    if (!o) {
        sip_report_free(r);
        mcp_call_error(call, "could not build the result (out of memory)");
        return;
    }
    char lead[640];
    snprintf(lead, sizeof lead,
             "%s: %llu SIP messages, %zu Call-IDs (%zu calls: %zu answered, %zu failed, "
             "%zu cancelled, %zu timeout, %zu no response, %zu incomplete; %zu REGISTER, "
             "%zu OPTIONS), %llu retransmissions, ASR %.1f%%; calls %zu-%zu of %zu listed.\n",
             r->source_format, (unsigned long long)r->n_messages,
             r->n_calls + r->n_calls_dropped, r->n_invite_calls, r->by_outcome[SIP_OUT_ANSWERED],
             r->by_outcome[SIP_OUT_FAILED], r->by_outcome[SIP_OUT_CANCELLED],
             r->by_outcome[SIP_OUT_TIMEOUT], r->by_outcome[SIP_OUT_NO_RESPONSE],
             r->by_outcome[SIP_OUT_INCOMPLETE], r->n_register, r->n_options,
             (unsigned long long)r->n_retransmissions, r->asr < 0 ? 0 : r->asr,
             json_array_size(json_object_get(o, "calls")) ? offset + 1 : 0,
             offset + json_array_size(json_object_get(o, "calls")), r->n_calls);
    text_block(call, o, lead, analyze_text);
    mcp_call_structured(call, o);
    sip_report_free(r);
}

/* ---- get_call_flow -------------------------------------------------------------------------- */

static void get_call_flow(mcp_call *call, const json_t *args)
{
    const capture_family *f = mcp_call_data(call);
    const char *cid = json_string_value(json_object_get(args, "call_id"));
    const char *fmt = json_string_value(json_object_get(args, "format"));
    bool raw = json_is_true(json_object_get(args, "include_raw"));
    char err[600];
    char *real = tools_datadirs_resolve(&f->data, json_string_value(json_object_get(args, "path")), err, sizeof err);
    if (!real) {
        mcp_call_error(call, "%s", err);
        return;
    }
    sip_read_opts ro = read_opts(call);
    size_t idx[16], n = 0;
    sip_report *r = sip_analyze_file_call(real, cid, &ro, idx, 16, &n, err, sizeof err);
    free(real);
    if (!r) {
        mcp_call_error(call, "%s", err);
        return;
    }
    bool want_text = !fmt || strcmp(fmt, "mermaid") != 0;
    bool want_mmd = !fmt || strcmp(fmt, "text") != 0;
    json_t *legs = json_array();
    char *verdicts = NULL;
    size_t vlen = 0;
    FILE *vf = open_memstream(&verdicts, &vlen);
    for (size_t i = 0; i < n; i++) {
        json_t *c = sip_call_json(&r->calls[idx[i]], true);
        if (!raw) {
            json_t *flow = json_object_get(c, "flow");
            for (size_t k = 0; k < json_array_size(flow); k++)
                json_object_del(json_array_get(flow, k), "raw");
        }
        char *v = sip_call_verdict(&r->calls[idx[i]]);
        json_object_set_new(c, "verdict", json_string(v ? v : ""));
        if (vf && v)
            fprintf(vf, "%s%s: %s\n", i ? "\n" : "", r->calls[idx[i]].call_id, v);
        free(v);
        json_array_append_new(legs, c);
    }
    if (vf)
        fclose(vf);
    char *ladder = want_text ? sip_ladder_text(r, idx, n, true) : NULL;
    char *mmd = want_mmd ? sip_ladder_mermaid(r, idx, n) : NULL;
    json_t *o = json_pack("{s:s,s:o,s:s}", "callId", cid, "legs", legs, "verdict",
                          verdicts ? verdicts : "");
    if (ladder)
        json_object_set_new(o, "ladder", json_string(ladder));
    if (mmd)
        json_object_set_new(o, "mermaid", json_string(mmd));
    mcp_call_text(call, "%s", verdicts ? verdicts : "");
    if (ladder)
        mcp_call_text(call, "%s", ladder);
    if (mmd)
        mcp_call_text(call, "```mermaid\n%s```", mmd);
    mcp_call_structured(call, o);
    free(verdicts);
    free(ladder);
    free(mmd);
    sip_report_free(r);
}

/* ---- find_sip_problems ---------------------------------------------------------------------- */

static void find_sip_problems(mcp_call *call, const json_t *args)
{
    sip_report *r = load(call, args, NULL);
    if (!r)
        return;
    const char *sev = json_string_value(json_object_get(args, "min_severity"));
    sip_problem_filter flt = {
        .final_code = (int)json_integer_value(json_object_get(args, "final_code")),
        .min_final_code = (int)json_integer_value(json_object_get(args, "min_final_code")),
        .pdd_above_ms = json_number_value(json_object_get(args, "pdd_above_ms")),
        .nat = json_is_true(json_object_get(args, "nat")),
        .one_way_audio = json_is_true(json_object_get(args, "one_way_audio")),
        .auth_failure = json_is_true(json_object_get(args, "auth_failure")),
        .retransmissions = json_is_true(json_object_get(args, "retransmissions")),
        .code_prefix = json_string_value(json_object_get(args, "finding")),
        .min_severity = !sev || strcmp(sev, "warning") == 0 ? SIP_SEV_WARNING
                        : strcmp(sev, "error") == 0         ? SIP_SEV_ERROR
                                                            : SIP_SEV_INFO,
    };
    size_t offset = arg_size(args, "offset"), limit = arg_size(args, "limit");
    if (!limit)
        limit = 20;
    json_t *calls = json_array();
    size_t total = 0;
    for (size_t i = 0; i < r->n_calls; i++) {
        const sip_call *c = &r->calls[i];
        if (!sip_call_matches(c, &flt))
            continue;
        if (total >= offset && json_array_size(calls) < limit)
            json_array_append_new(calls, sip_call_json(c, false));
        total++;
    }
    bool more = offset + json_array_size(calls) < total;
    json_t *o = json_pack("{s:I,s:I,s:o,s:b}", "total", (json_int_t)total, "offset",
                          (json_int_t)offset, "calls", calls, "hasMore", more);
    if (more)
        json_object_set_new(o, "nextOffset", json_integer((json_int_t)(offset + json_array_size(calls))));
    char lead[256];
    snprintf(lead, sizeof lead, "%zu of %zu Call-IDs match the filters; %zu listed from offset %zu%s.\n",
             total, r->n_calls, json_array_size(calls), offset, more ? " (more: use nextOffset)" : "");
    text_block(call, o, lead, problems_text);
    mcp_call_structured(call, o);
    sip_report_free(r);
}

/* ---- the table ------------------------------------------------------------------------------ */

#define PATH_PARAM                                                                                 \
    {.name = "path", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 4096,  \
     .description = "capture or log file (pcap, pcapng, ngrep -W byline, SIPp -trace_msg, SIP "    \
                    "text with timestamps), relative to a data directory or absolute inside one"}
#define PAGE_PARAMS                                                                                \
    {.name = "offset", .type = MCP_T_INTEGER, .default_json = "0", .minimum = MCP_BOUND(0),       \
     .description = "first call to list (from nextOffset)"},                                      \
    {.name = "limit", .type = MCP_T_INTEGER, .default_json = "20", .minimum = MCP_BOUND(1),       \
     .maximum = MCP_BOUND(200), .description = "calls per page"}

static const mcp_param analyze_params[] = {PATH_PARAM, PAGE_PARAMS, {0}};

static const char *const flow_formats[] = {"both", "text", "mermaid", NULL};
static const mcp_param flow_params[] = {
    PATH_PARAM,
    {.name = "call_id", .type = MCP_T_STRING, .required = true, .min_length = 1,
     .max_length = 1024, .description = "the Call-ID header value of the call"},
    {.name = "format", .type = MCP_T_STRING, .default_json = "\"both\"", .enum_values = flow_formats,
     .description = "ladder as text (sngrep style), Mermaid sequenceDiagram, or both"},
    {.name = "include_raw", .type = MCP_T_BOOLEAN, .default_json = "false",
     .description = "include the raw text of every SIP message"},
    {0},
};

static const char *const severities[] = {"info", "warning", "error", NULL};
static const mcp_param problem_params[] = {
    PATH_PARAM,
    {.name = "final_code", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(100), .maximum = MCP_BOUND(699),
     .description = "only calls whose final response is this status"},
    {.name = "min_final_code", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(100),
     .maximum = MCP_BOUND(699), .description = "only calls whose final status is at least this (e.g. 400)"},
    {.name = "pdd_above_ms", .type = MCP_T_NUMBER, .minimum = MCP_BOUND(0),
     .description = "only calls whose post-dial delay (INVITE to first 18x) exceeds this"},
    {.name = "nat", .type = MCP_T_BOOLEAN, .description = "only calls with NAT problems"},
    {.name = "one_way_audio", .type = MCP_T_BOOLEAN, .description = "only calls with one-way or no audio observed"},
    {.name = "auth_failure", .type = MCP_T_BOOLEAN,
     .description = "only calls with failed authentication (wrong password loop, 403, no credentials)"},
    {.name = "retransmissions", .type = MCP_T_BOOLEAN, .description = "only calls with SIP retransmissions"},
    {.name = "finding", .type = MCP_T_STRING, .max_length = 64,
     .description = "only calls with a finding whose code starts with this (e.g. \"nat.\", \"media.codec\")"},
    {.name = "min_severity", .type = MCP_T_STRING, .default_json = "\"warning\"", .enum_values = severities,
     .description = "only calls with at least one finding this severe"},
    PAGE_PARAMS,
    {0},
};

#define EVIDENCE_SCHEMA                                                                            \
    "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"frame\":{\"type\":\"integer\"}," \
    "\"time\":{\"type\":\"number\"}},\"required\":[\"frame\",\"time\"]}}"
#define CALL_SCHEMA                                                                                \
    "{\"type\":\"object\",\"required\":[\"callId\",\"kind\",\"outcome\",\"findings\"],\"properties\":{" \
    "\"callId\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"},\"outcome\":{\"type\":\"string\"}," \
    "\"finalCode\":{\"type\":[\"integer\",\"null\"]},\"q850\":{\"type\":[\"integer\",\"null\"]},"       \
    "\"timings\":{\"type\":\"object\"},\"findings\":{\"type\":\"array\",\"items\":{\"type\":\"object\","  \
    "\"required\":[\"code\",\"severity\",\"text\",\"evidence\"],\"properties\":{\"code\":{\"type\":\"string\"}," \
    "\"severity\":{\"type\":\"string\",\"enum\":[\"info\",\"warning\",\"error\"]},\"text\":{\"type\":\"string\"}," \
    "\"evidence\":" EVIDENCE_SCHEMA "}}},\"rtp\":{\"type\":\"array\"}}}"

static const char analyze_schema[] =
    "{\"type\":\"object\",\"required\":[\"summary\",\"problems\",\"calls\",\"total\",\"hasMore\"],"
    "\"properties\":{\"summary\":{\"type\":\"object\",\"required\":[\"sipMessages\",\"callIds\",\"calls\","
    "\"outcomes\",\"kpi\",\"timingsMs\"]},\"problems\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"required\":[\"code\",\"severity\",\"calls\",\"examples\"]}},\"calls\":{\"type\":\"array\",\"items\":"
    CALL_SCHEMA "},\"total\":{\"type\":\"integer\"},\"offset\":{\"type\":\"integer\"},"
    "\"hasMore\":{\"type\":\"boolean\"},\"nextOffset\":{\"type\":\"integer\"}}}";

static const char flow_schema[] =
    "{\"type\":\"object\",\"required\":[\"callId\",\"legs\",\"verdict\"],\"properties\":{"
    "\"callId\":{\"type\":\"string\"},\"legs\":{\"type\":\"array\",\"items\":" CALL_SCHEMA "},"
    "\"verdict\":{\"type\":\"string\"},\"ladder\":{\"type\":\"string\"},\"mermaid\":{\"type\":\"string\"}}}";

static const char problems_schema[] =
    "{\"type\":\"object\",\"required\":[\"total\",\"calls\",\"hasMore\"],\"properties\":{"
    "\"total\":{\"type\":\"integer\"},\"offset\":{\"type\":\"integer\"},\"calls\":{\"type\":\"array\","
    "\"items\":" CALL_SCHEMA "},\"hasMore\":{\"type\":\"boolean\"},\"nextOffset\":{\"type\":\"integer\"}}}";

static const mcp_tool_def capture_tools[] = {
    {.name = "analyze_capture", .title = "Analyse a SIP capture",
     .description = "Reads a SIP capture or log file (pcap/pcapng incl. TCP and fragments, ngrep, "
                    "SIPp trace, SIP text) and answers: calls by outcome (answered, failed with "
                    "code and Q.850 cause, cancelled, timeout), the problems ranked with evidence "
                    "(frame numbers and times), KPIs (ASR, NER, PDD/setup/talk median and p95), "
                    "and the calls, paginated.",
     .params = analyze_params, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT,
     .output_schema = analyze_schema, .handler = analyze_capture},
    {.name = "get_call_flow", .title = "SIP call flow (ladder)",
     .description = "The message ladder of one call (by Call-ID) with its verdict: a text ladder in "
                    "the manner of sngrep and a Mermaid sequenceDiagram; B2BUA legs of the same "
                    "call (X-CID header, or dialled number and time) are shown together.",
     .params = flow_params, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT,
     .output_schema = flow_schema, .handler = get_call_flow},
    {.name = "find_sip_problems", .title = "Find SIP problems",
     .description = "Calls in a capture matching problem filters: final code, PDD above a bound, "
                    "NAT, one-way audio, authentication failure, retransmissions, finding code; "
                    "each with its findings and evidence.",
     .params = problem_params, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT,
     .output_schema = problems_schema, .handler = find_sip_problems},
    {0},
};

static void family_free(void *p)
{
    capture_family *f = p;
    tools_datadirs_free(&f->data);
    free(f);
}

int capture_tools_register(mcp_registry *reg, const sb_options *opt)
{
    capture_family *f = calloc(1, sizeof *f);
    if (!f || tools_datadirs_init(&f->data, opt) < 0) {
        free(f);
        return -1;
    }
    if (mcp_registry_add_table(reg, capture_tools, f) < 0) {
        family_free(f);
        return -1;
    }
    mcp_registry_set_family_free(reg, f, family_free);
    mcp_registry_add_hint(reg, "SIP captures",
                          "why did calls in a capture fail / what is wrong -> analyze_capture; "
                          "the ladder of one call -> get_call_flow; calls with NAT, one-way audio, "
                          "auth failures, a given code or slow PDD -> find_sip_problems");
    return 0;
}
