/* ConnexCS call tools: searchCallLogs (log?s=), searchCdr (POST cdr), getCallAnalytics (CDR +
 * logs reconciled by Call-ID, so totals never go negative or double count), and the per-call
 * side records: getRtpServerGroups, getTranscription, getAiAgentLogs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cx_internal.h"

const char *const cx_cdr_default_fields[] = {
    "dt", "callid", "dest_cli", "dest_number", "duration", "customer_id", "customer_charge",
    "customer_card_currency", "provider_id", "provider_charge", "provider_card_currency",
    "branch_idx", NULL};

json_t *cx_cdr_body(const char *const *fields, const cx_window *w, long limit, const char *dt_order)
{
    json_t *f = json_array();
    for (const char *const *p = fields ? fields : cx_cdr_default_fields; *p; p++)
        json_array_append_new(f, json_string(*p));
    json_t *rules = json_array();
    json_array_append_new(rules, json_pack("{s:s,s:s,s:s}", "field", "dt", "condition", ">=",
                                           "data", w->start_dt));
    json_array_append_new(rules, json_pack("{s:s,s:s,s:s}", "field", "dt", "condition", "<=",
                                           "data", w->end_dt));
    json_t *order = json_array();
    if (dt_order)
        json_array_append_new(order, json_pack("{s:s,s:s}", "field", "dt", "direction", dt_order));
    return json_pack("{s:o,s:{s:o},s:I,s:o}", "field", f, "where", "rules", rules, "limit",
                     (json_int_t)limit, "order", order);
}

void cx_cdr_rule(json_t *body, const char *field, const char *cond, json_t *data)
{
    json_t *rules = json_object_get(json_object_get(body, "where"), "rules");
    json_array_append_new(rules, json_pack("{s:s,s:s,s:o}", "field", field, "condition", cond,
                                           "data", data));
}

/* ---- searchCallLogs ---------------------------------------------------------------------- */

static const mcp_param p_search_logs[] = {
    {.name = "search", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 255,
     .description = "Phone number (CLI or dialled), Call-ID or IP address to look for."},
    {0}};

static const char s_search_logs[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},"
    "\"result_count\":{\"type\":\"integer\"},\"returned\":{\"type\":\"integer\"},"
    "\"capped\":{\"type\":\"boolean\"},\"calls\":{\"type\":\"array\"},"
    "\"search_term\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}},"
    "\"required\":[\"success\",\"result_count\",\"calls\",\"message\"]}";

static void h_search_logs(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    if (!c)
        return;
    const char *s = cx_arg_str(args, "search");
    if (!s || strspn(s, " \t") == strlen(s)) {
        mcp_call_error(call, "search parameter is required and must be a non-empty string");
        return;
    }
    char *enc = cx_enc(s);
    char q[1024];
    snprintf(q, sizeof q, "s=%s", enc ? enc : "");
    free(enc);
    json_t *arr = cx_fetch(call, c, "log", q);
    if (!arr)
        return;
    if (!json_is_array(arr)) {
        json_decref(arr);
        mcp_call_error(call, "ConnexCS answered log?s= with something other than a list.");
        return;
    }
    size_t n = json_array_size(arr);
    json_t *calls = cx_array_head(arr, CX_MAX_LOG_RESULTS);
    char msg[512];
    if (n)
        snprintf(msg, sizeof msg,
                 "Found %zu matching call(s)%s. Each has routing.callid and routing.callidb: pass "
                 "them to getSipTrace or investigateCall.",
                 n, n >= CX_MAX_LOG_RESULTS ? " (the log search returns at most 200; narrow it)" : "");
    else
        snprintf(msg, sizeof msg,
                 "No calls matched \"%.80s\". Try another form of the number (with or without "
                 "country code), the full Call-ID, or the customer's IP; logs cover recent calls "
                 "only (use searchCdr for older ones).",
                 s);
    json_t *out = json_pack("{s:b,s:I,s:I,s:b,s:o,s:s,s:s}", "success", 1, "result_count",
                            (json_int_t)n, "returned", (json_int_t)json_array_size(calls),
                            "capped", n >= CX_MAX_LOG_RESULTS, "calls", calls, "search_term", s,
                            "message", msg);
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text, "%s", msg);
    for (size_t i = 0; i < n && i < 10 && o < sizeof text; i++) {
        json_t *r = json_object_get(json_array_get(arr, i), "routing");
        o += (size_t)snprintf(text + o, sizeof text - o, "\n- %s | %s -> %s | %lld %s",
                              json_string_value(json_object_get(r, "callid"))
                                  ? json_string_value(json_object_get(r, "callid")) : "?",
                              json_string_value(json_object_get(r, "cli"))
                                  ? json_string_value(json_object_get(r, "cli")) : "",
                              json_string_value(json_object_get(r, "ou"))
                                  ? json_string_value(json_object_get(r, "ou")) : "",
                              (long long)cx_num(json_object_get(r, "sip_code"), 0),
                              json_string_value(json_object_get(r, "sip_reason"))
                                  ? json_string_value(json_object_get(r, "sip_reason")) : "");
    }
    json_decref(arr);
    cx_reply(call, out, "%s", text);
}

/* ---- searchCdr --------------------------------------------------------------------------- */

static const mcp_param p_search_cdr[] = {
    {.name = "start_date", .type = MCP_T_STRING, .required = true, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "First day, YYYY-MM-DD (UTC, from 00:00:00)."},
    {.name = "end_date", .type = MCP_T_STRING, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "Last day, YYYY-MM-DD (UTC, to 23:59:59). Defaults to start_date."},
    {.name = "cli", .type = MCP_T_STRING, .max_length = 64,
     .description = "Caller number as sent onward (matches the CDR field dest_cli)."},
    {.name = "dst", .type = MCP_T_STRING, .max_length = 64,
     .description = "Dialled number (CDR field dest_number)."},
    {.name = "customer_id", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(0),
     .description = "Only this customer's calls."},
    {.name = "provider_id", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(0),
     .description = "Only calls sent to this provider (carrier)."},
    {.name = "limit", .type = MCP_T_INTEGER, .default_json = "1000", .minimum = MCP_BOUND(0),
     .maximum = MCP_BOUND(5000), .description = "Most records to return, 1-5000 (0 means 1000)."},
    {0}};

static const char s_search_cdr[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},"
    "\"date_range\":{\"type\":\"string\"},\"result_count\":{\"type\":\"integer\"},"
    "\"limit\":{\"type\":\"integer\"},\"hasMore\":{\"type\":\"boolean\"},"
    "\"filters_applied\":{\"type\":\"object\"},\"records\":{\"type\":\"array\"},"
    "\"message\":{\"type\":\"string\"}},\"required\":[\"success\",\"result_count\",\"records\"]}";

/* Adds the optional filters of searchCdr / getCallAnalytics to body and to `applied`. */
static void cdr_filters(json_t *body, const json_t *args, json_t *applied)
{
    const char *cli = cx_arg_str(args, "cli"), *dst = cx_arg_str(args, "dst");
    if (cli) {
        cx_cdr_rule(body, "dest_cli", "=", json_string(cli));
        json_object_set_new(applied, "cli", json_string(cli));
    }
    if (dst) {
        cx_cdr_rule(body, "dest_number", "=", json_string(dst));
        json_object_set_new(applied, "dst", json_string(dst));
    }
    const char *ids[] = {"customer_id", "provider_id"};
    for (int i = 0; i < 2; i++)
        if (json_is_integer(json_object_get(args, ids[i]))) {
            json_int_t v = json_integer_value(json_object_get(args, ids[i]));
            cx_cdr_rule(body, ids[i], "=", json_integer(v));
            json_object_set_new(applied, ids[i], json_integer(v));
        }
}

static void date_range_text(const cx_window *w, char *out, size_t n)
{
    if (!strcmp(w->start_day, w->end_day))
        snprintf(out, n, "%s", w->start_day);
    else
        snprintf(out, n, "%s to %s", w->start_day, w->end_day);
}

static void h_search_cdr(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    cx_window w;
    if (!c || !cx_window_from_args(call, c, args, "start_date", "end_date", 1, true, &w))
        return;
    long limit = (long)cx_arg_int(args, "limit", 1000);
    if (limit <= 0)
        limit = 1000;
    if (limit > 5000)
        limit = 5000;
    json_t *body = cx_cdr_body(NULL, &w, limit, "DESC");
    json_t *applied = json_object();
    cdr_filters(body, args, applied);
    json_t *rows = cx_fetch_post(call, c, "cdr", body);
    json_decref(body);
    if (!rows) {
        json_decref(applied);
        return;
    }
    if (json_is_object(rows) && json_is_array(json_object_get(rows, "result"))) {
        json_t *inner = json_incref(json_object_get(rows, "result"));
        json_decref(rows);
        rows = inner;
    }
    if (!json_is_array(rows)) {
        json_decref(rows);
        json_decref(applied);
        mcp_call_error(call, "ConnexCS answered POST cdr with something other than a list.");
        return;
    }
    size_t n = json_array_size(rows);
    size_t answered = 0;
    for (size_t i = 0; i < n; i++)
        if (cx_num(json_object_get(json_array_get(rows, i), "duration"), 0) > 0)
            answered++;
    char range[40], msg[512];
    date_range_text(&w, range, sizeof range);
    if (n)
        snprintf(msg, sizeof msg,
                 "%zu CDR record(s) for %s (%zu with duration > 0; records with duration 0 are "
                 "attempts that did not connect).%s",
                 n, range, answered,
                 (long)n >= limit ? " The limit was reached: more records exist; narrow the "
                                    "dates or raise limit (max 5000)." : "");
    else
        snprintf(msg, sizeof msg,
                 "No CDR records for %s with these filters. Check the dates (UTC), that cli is the "
                 "number as sent onward (dest_cli) and dst the dialled number, and the customer or "
                 "provider id; calls that never reached routing only appear in searchCallLogs.",
                 range);
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text, "%s", msg);
    for (size_t i = 0; i < n && i < 10 && o < sizeof text; i++) {
        json_t *r = json_array_get(rows, i);
        const char *cid = json_string_value(json_object_get(r, "callid"));
        const char *dt = json_string_value(json_object_get(r, "dt"));
        const char *dn = json_string_value(json_object_get(r, "dest_number"));
        o += (size_t)snprintf(text + o, sizeof text - o, "\n- %s %s -> %s, %.0f s, customer %.0f",
                              dt ? dt : "?", cid ? cid : "?", dn ? dn : "?",
                              cx_num(json_object_get(r, "duration"), 0), cx_num(json_object_get(r, "customer_id"), 0));
    }
    json_t *out = json_pack("{s:b,s:s,s:I,s:I,s:b,s:o,s:o,s:s}", "success", 1, "date_range",
                            range, "result_count", (json_int_t)n, "limit", (json_int_t)limit,
                            "hasMore", (long)n >= limit, "filters_applied", applied, "records",
                            rows, "message", msg);
    cx_reply(call, out, "%s", text);
}

/* ---- getCallAnalytics -------------------------------------------------------------------- */

static const mcp_param p_analytics[] = {
    {.name = "start_date", .type = MCP_T_STRING, .required = true, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "First day, YYYY-MM-DD (UTC)."},
    {.name = "end_date", .type = MCP_T_STRING, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "Last day, YYYY-MM-DD (UTC). Defaults to start_date."},
    {.name = "cli", .type = MCP_T_STRING, .max_length = 64,
     .description = "Caller number; also searched in the call logs for failed attempts."},
    {.name = "dst", .type = MCP_T_STRING, .max_length = 64,
     .description = "Dialled number; also searched in the call logs for failed attempts."},
    {.name = "customer_id", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(0),
     .description = "Only this customer."},
    {.name = "provider_id", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(0),
     .description = "Only this provider."},
    {0}};

static const char s_analytics[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},"
    "\"date_range\":{\"type\":\"string\"},\"filters_applied\":{\"type\":\"object\"},"
    "\"summary\":{\"type\":\"object\",\"properties\":{\"total_attempts\":{\"type\":\"integer\","
    "\"minimum\":0},\"successful_calls\":{\"type\":\"integer\",\"minimum\":0},"
    "\"failed_calls\":{\"type\":\"integer\",\"minimum\":0},\"success_rate\":{\"type\":\"string\"},"
    "\"failure_rate\":{\"type\":\"string\"},\"total_duration_seconds\":{\"type\":\"string\"},"
    "\"total_charges\":{\"type\":\"object\"}}},\"top_failure_reasons\":{\"type\":\"array\"},"
    "\"successful_calls_sample\":{\"type\":\"array\"},\"failed_calls_sample\":{\"type\":\"array\"},"
    "\"message\":{\"type\":\"string\"},\"warning\":{\"type\":[\"string\",\"null\"]}},"
    "\"required\":[\"success\",\"summary\"]}";

typedef struct attempt_set {
    json_t *by_id;    /* callid -> {connected, code, reason, source} */
    size_t anon;      /* records without a callid (each its own attempt) */
    size_t anon_ok;
} attempt_set;

static void add_attempt(attempt_set *a, const char *callid, bool connected, int code,
                        const char *reason, const char *source)
{
    if (!callid || !*callid) {
        a->anon++;
        a->anon_ok += connected;
        return;
    }
    json_t *e = json_object_get(a->by_id, callid);
    if (!e) {
        json_object_set_new(a->by_id, callid,
                            json_pack("{s:b,s:i,s:s,s:s}", "connected", connected, "code", code,
                                      "reason", reason ? reason : "", "source", source));
        return;
    }
    /* the CDR decides whether the call connected; the log adds the failure code it lacks */
    if (connected)
        json_object_set_new(e, "connected", json_true());
    if (code && !json_integer_value(json_object_get(e, "code"))) {
        json_object_set_new(e, "code", json_integer(code));
        json_object_set_new(e, "reason", json_string(reason ? reason : ""));
    }
}

static void rate_text(size_t part, size_t total, char *out, size_t n)
{
    if (total)
        snprintf(out, n, "%.2f%%", 100.0 * (double)part / (double)total);
    else
        snprintf(out, n, "N/A");
}

/* Log entries for one term within the window; returns how many the search returned. */
static size_t analytics_logs(mcp_call *call, cx_client *c, const char *term, const cx_window *w,
                             const json_t *args, attempt_set *a, json_t *errors)
{
    char *enc = cx_enc(term);
    char q[512];
    snprintf(q, sizeof q, "s=%s", enc ? enc : "");
    free(enc);
    cx_response r;
    if (cx_get_json(c, "log", q, mcp_call_cancel_flag(call), &r) != 0 || !json_is_array(r.json)) {
        json_array_append_new(errors, json_pack("{s:s,s:s}", "term", term, "error",
                                                r.error[0] ? r.error : "not a list"));
        cx_response_free(&r);
        return 0;
    }
    size_t n = json_array_size(r.json);
    long long cust = cx_arg_int(args, "customer_id", -1);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(r.json, i);
        json_t *rt = json_object_get(e, "routing") ? json_object_get(e, "routing") : e;
        double st = cx_num(json_object_get(rt, "start_time"), -1);
        if (st < (double)w->start || st > (double)w->end)
            continue;
        if (cust >= 0 && json_object_get(rt, "account_id") &&
            (long long)cx_num(json_object_get(rt, "account_id"), -1) != cust)
            continue;
        int code = cx_code(cx_num(json_object_get(rt, "sip_code"), cx_num(json_object_get(e, "sip_code"), 0)));
        const char *reason = json_string_value(json_object_get(rt, "sip_reason"));
        if (!reason)
            reason = json_string_value(json_object_get(e, "sip_reason"));
        const char *cid = json_string_value(json_object_get(rt, "callid"));
        add_attempt(a, cid, code == 200, code, reason, "log");
    }
    cx_response_free(&r);
    return n;
}

static json_t *top_reasons(const attempt_set *a, size_t failed, json_t **sample)
{
    json_t *counts = json_object();
    *sample = json_array();
    const char *cid;
    json_t *e;
    json_object_foreach(a->by_id, cid, e) {
        if (json_is_true(json_object_get(e, "connected")))
            continue;
        int code = (int)json_integer_value(json_object_get(e, "code"));
        const char *reason = json_string_value(json_object_get(e, "reason"));
        char key[160];
        if (code)
            snprintf(key, sizeof key, "%d %s", code, reason ? reason : "");
        else
            snprintf(key, sizeof key, "no final code recorded (duration 0)");
        json_object_set_new(counts, key, json_integer(json_integer_value(json_object_get(counts, key)) + 1));
        if (json_array_size(*sample) < 5)
            json_array_append_new(*sample, json_pack("{s:i,s:s,s:s}", "code", code, "reason",
                                                     reason ? reason : "", "callid", cid));
    }
    json_t *list = json_array();
    for (int k = 0; k < 10; k++) { /* top 10 by count, selection is fine for small maps */
        const char *best = NULL;
        json_int_t bc = 0;
        const char *key;
        json_t *v;
        json_object_foreach(counts, key, v) if (json_integer_value(v) > bc) {
            bc = json_integer_value(v);
            best = key;
        }
        if (!best)
            break;
        char pct[32];
        snprintf(pct, sizeof pct, "%.2f", failed ? 100.0 * (double)bc / (double)failed : 0.0);
        json_array_append_new(list, json_pack("{s:s,s:I,s:s}", "error", best, "count", bc,
                                              "percentage", pct));
        json_object_del(counts, best);
    }
    json_decref(counts);
    return list;
}

static void h_analytics(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    cx_window w;
    if (!c || !cx_window_from_args(call, c, args, "start_date", "end_date", 1, true, &w))
        return;
    static const char *const fields[] = {
        "dt", "callid", "dest_cli", "dest_number", "duration", "customer_id", "customer_charge",
        "customer_card_currency", "provider_id", "sip_code", "sip_reason", NULL};
    json_t *body = cx_cdr_body(fields, &w, 5000, "DESC");
    json_t *applied = json_object();
    cdr_filters(body, args, applied);
    json_t *rows = cx_fetch_post(call, c, "cdr", body);
    json_decref(body);
    if (!rows || !json_is_array(rows)) {
        if (rows)
            mcp_call_error(call, "ConnexCS answered POST cdr with something other than a list.");
        json_decref(rows);
        json_decref(applied);
        return;
    }
    attempt_set a = {.by_id = json_object()};
    json_t *charges = json_object(), *ok_sample = json_array();
    double talk = 0;
    size_t ncdr = json_array_size(rows);
    for (size_t i = 0; i < ncdr; i++) {
        json_t *r = json_array_get(rows, i);
        double d = cx_num(json_object_get(r, "duration"), 0);
        bool conn = d > 0;
        if (conn) {
            talk += d;
            cx_currency_add(charges, json_string_value(json_object_get(r, "customer_card_currency")),
                            cx_num(json_object_get(r, "customer_charge"), 0));
            if (json_array_size(ok_sample) < 5)
                json_array_append(ok_sample, r);
        }
        add_attempt(&a, json_string_value(json_object_get(r, "callid")), conn,
                    cx_code(cx_num(json_object_get(r, "sip_code"), 0)),
                    json_string_value(json_object_get(r, "sip_reason")), "cdr");
    }
    json_decref(rows);
    const char *terms[2] = {cx_arg_str(args, "cli"), cx_arg_str(args, "dst")};
    json_t *errors = json_array();
    size_t log_max = 0;
    bool searched = false;
    for (int t = 0; t < 2; t++)
        if (terms[t]) {
            searched = true;
            size_t got = analytics_logs(call, c, terms[t], &w, args, &a, errors);
            if (got > log_max)
                log_max = got;
        }
    size_t attempts = json_object_size(a.by_id) + a.anon, ok = a.anon_ok;
    const char *k;
    json_t *v;
    json_object_foreach(a.by_id, k, v) ok += json_is_true(json_object_get(v, "connected"));
    size_t failed = attempts - ok;
    json_t *fail_sample;
    json_t *reasons = top_reasons(&a, failed, &fail_sample);
    char sr[32], fr[32], range[40], dur[32], msg[512];
    rate_text(ok, attempts, sr, sizeof sr);
    rate_text(failed, attempts, fr, sizeof fr);
    date_range_text(&w, range, sizeof range);
    snprintf(dur, sizeof dur, "%.2f", talk);
    snprintf(msg, sizeof msg,
             "%s: %zu attempt(s), %zu connected, %zu failed (success rate %s). Attempts are the "
             "CDR records%s, counted once per Call-ID.",
             range, attempts, ok, failed, sr, searched ? " plus call-log entries for the numbers given" : "");
    const char *warning = NULL;
    if (ncdr >= 5000)
        warning = "The CDR query hit its 5000-record cap: totals cover the newest 5000 records; narrow the dates.";
    else if (log_max >= CX_MAX_LOG_RESULTS)
        warning = "The call-log search returned its maximum of 200 entries: older failed attempts may be missing.";
    else if (!searched)
        warning = "No log search performed: failures are taken from the CDR (duration 0). Provide cli or dst to include attempts rejected before routing.";
    json_t *summary = json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:o}", "total_attempts",
                                (json_int_t)attempts, "successful_calls", (json_int_t)ok,
                                "failed_calls", (json_int_t)failed, "success_rate", sr,
                                "failure_rate", fr, "total_duration_seconds", dur,
                                "total_charges", cx_currency_round(charges));
    json_t *out = json_pack("{s:b,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:s?,s:o}", "success", 1,
                            "date_range", range, "filters_applied", applied, "summary", summary,
                            "top_failure_reasons", reasons, "successful_calls_sample", ok_sample,
                            "failed_calls_sample", fail_sample, "message", msg, "warning",
                            warning, "log_errors", errors);
    json_object_set_new(out, "warning", warning ? json_string(warning) : json_null());
    json_decref(charges);
    json_decref(a.by_id);
    char text[3072];
    size_t o = (size_t)snprintf(text, sizeof text, "%s", msg);
    for (size_t i = 0; i < json_array_size(reasons) && i < 5 && o < sizeof text; i++) {
        json_t *e = json_array_get(reasons, i);
        o += (size_t)snprintf(text + o, sizeof text - o, "\n- %s: %lld (%s%% of failures)",
                              json_string_value(json_object_get(e, "error")),
                              (long long)json_integer_value(json_object_get(e, "count")),
                              json_string_value(json_object_get(e, "percentage")));
    }
    cx_reply(call, out, "%s%s%s", text, warning ? "\nWarning: " : "", warning ? warning : "");
}

/* ---- getRtpServerGroups, getTranscription, getAiAgentLogs -------------------------------- */

static const char s_rtp_groups[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},"
    "\"group_count\":{\"type\":\"integer\"},\"groups\":{\"type\":\"array\"},"
    "\"summary\":{\"type\":\"string\"}},\"required\":[\"success\",\"group_count\",\"groups\"]}";

static void h_rtp_groups(mcp_call *call, const json_t *args)
{
    (void)args;
    cx_client *c = cx_tool_client(call);
    json_t *arr = c ? cx_fetch(call, c, "setup/server/rtp-group", NULL) : NULL;
    if (!arr)
        return;
    if (!json_is_array(arr)) {
        json_decref(arr);
        mcp_call_error(call, "ConnexCS answered setup/server/rtp-group with something other than a list.");
        return;
    }
    size_t n = json_array_size(arr);
    char sum[128];
    snprintf(sum, sizeof sum, "Found %zu RTP server groups/zones available for media routing", n);
    char text[2048];
    size_t o = (size_t)snprintf(text, sizeof text, "%s", sum);
    for (size_t i = 0; i < n && i < 20 && o < sizeof text; i++) {
        json_t *g = json_array_get(arr, i);
        const char *nm = json_string_value(json_object_get(g, "name"));
        const char *loc = json_string_value(json_object_get(g, "location"));
        o += (size_t)snprintf(text + o, sizeof text - o, "\n- %lld %s (%s)",
                              (long long)cx_num(json_object_get(g, "id"), 0), nm ? nm : "?",
                              loc ? loc : "?");
    }
    json_t *out = json_pack("{s:b,s:I,s:o,s:s}", "success", 1, "group_count", (json_int_t)n,
                            "groups", cx_array_head(arr, CX_MAX_LIST), "summary", sum);
    json_decref(arr);
    cx_reply(call, out, "%s", text);
}

static const mcp_param p_callid_only[] = {
    {.name = "callid", .type = MCP_T_STRING, .required = true, .max_length = 255,
     .description = "The Call-ID (routing.callid from searchCallLogs or callid from searchCdr)."},
    {0}};

static const char s_transcription[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},"
    "\"callid\":{\"type\":\"string\"},\"has_transcription\":{\"type\":\"boolean\"},"
    "\"transcription\":{},\"message\":{\"type\":\"string\"}},"
    "\"required\":[\"success\",\"callid\",\"has_transcription\"]}";

static void h_transcription(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cid;
    if (!c || !cx_check_callid(call, args, "callid", &cid))
        return;
    char *enc = cx_enc(cid);
    char q[1024];
    snprintf(q, sizeof q, "s=%s", enc ? enc : "");
    free(enc);
    json_t *t = cx_fetch(call, c, "transcribe", q);
    if (!t)
        return;
    bool has = (json_is_array(t) && json_array_size(t)) || (json_is_object(t) && json_object_size(t));
    char msg[256];
    if (has)
        snprintf(msg, sizeof msg, "Transcription found (%zu part(s)).",
                 json_is_array(t) ? json_array_size(t) : (size_t)1);
    else
        snprintf(msg, sizeof msg, "No transcription for this call: transcription must be "
                                  "enabled for the customer or the call's route.");
    json_t *out = json_pack("{s:b,s:s,s:b,s:o,s:s}", "success", 1, "callid", cid,
                            "has_transcription", has, "transcription",
                            has ? json_incref(t) : json_null(), "message", msg);
    char text[2048];
    size_t o = (size_t)snprintf(text, sizeof text, "%s", msg);
    for (size_t i = 0; has && json_is_array(t) && i < json_array_size(t) && i < 12 && o < sizeof text; i++) {
        json_t *p = json_array_get(t, i);
        const char *sp = json_string_value(json_object_get(p, "speaker"));
        const char *tx = json_string_value(json_object_get(p, "text"));
        o += (size_t)snprintf(text + o, sizeof text - o, "\n%s: %s", sp ? sp : "?", tx ? tx : "");
    }
    json_decref(t);
    cx_reply(call, out, "%s", text);
}

static const mcp_param p_ai_agent[] = {
    {.name = "callid", .type = MCP_T_STRING, .required = true, .max_length = 255,
     .description = "The Call-ID of the AI-agent call."},
    {.name = "date", .type = MCP_T_STRING, .required = true, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "Day of the call, YYYY-MM-DD (UTC)."},
    {0}};

static const char s_ai_agent[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},"
    "\"callid\":{\"type\":\"string\"},\"date\":{\"type\":\"string\"},"
    "\"has_ai_agent\":{\"type\":\"boolean\"},\"log_count\":{\"type\":\"integer\"},"
    "\"logs\":{\"type\":\"array\"},\"message\":{\"type\":\"string\"}},"
    "\"required\":[\"success\",\"has_ai_agent\",\"logs\"]}";

static void h_ai_agent(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cid;
    if (!c || !cx_check_callid(call, args, "callid", &cid))
        return;
    const char *date = cx_arg_str(args, "date");
    time_t day;
    if (!cx_parse_day(date, &day)) {
        mcp_call_error(call, "Parameter \"date\" must be YYYY-MM-DD (UTC), got \"%.40s\"",
                       date ? date : "");
        return;
    }
    char *enc = cx_enc(cid);
    char q[1024];
    snprintf(q, sizeof q, "callid=%s&d=%s", enc ? enc : "", date);
    free(enc);
    json_t *t = cx_fetch(call, c, "log/ai-agent", q);
    if (!t)
        return;
    if (!json_is_array(t)) {
        json_decref(t);
        mcp_call_error(call, "ConnexCS answered log/ai-agent with something other than a list.");
        return;
    }
    size_t n = json_array_size(t);
    char msg[256];
    if (n)
        snprintf(msg, sizeof msg, "%zu AI-agent log entr%s for this call.", n, n == 1 ? "y" : "ies");
    else
        snprintf(msg, sizeof msg, "No AI-agent logs for this call on %s: it did not reach an AI "
                                  "agent, or the date is not the call's day (UTC).", date);
    json_t *out = json_pack("{s:b,s:s,s:s,s:b,s:I,s:o,s:s}", "success", 1, "callid", cid, "date",
                            date, "has_ai_agent", n > 0, "log_count", (json_int_t)n, "logs",
                            cx_array_head(t, CX_MAX_LIST), "message", msg);
    json_decref(t);
    cx_reply(call, out, "%s", msg);
}

/* ---- table ------------------------------------------------------------------------------- */

static const mcp_tool_def cx_call_tools[] = {
    CX_TOOL("searchCallLogs", "Search call logs",
     "Search ConnexCS call logs by phone number, Call-ID or IP address. START HERE when "
     "debugging a call: each result carries routing.callid and routing.callidb for getSipTrace "
     "and investigateCall, plus the SIP code, reason and routing decision trail. At most 200 "
     "results (newest first).",
     p_search_logs, s_search_logs, h_search_logs),
    CX_TOOL("searchCdr", "Search CDRs",
     "Search call detail records (CDRs) for a date range (UTC days) with optional caller (cli), "
     "dialled number (dst), customer and provider filters. Records include 0-duration attempts. "
     "limit 1-5000 (default 1000).",
     p_search_cdr, s_search_cdr, h_search_cdr),
    CX_TOOL("getCallAnalytics", "Call analytics (failed vs successful)",
     "Successful vs failed calls for a date range: attempts, connected, failed, success rate, "
     "talk time, charges per currency and the top failure reasons. Give cli or dst to include "
     "attempts rejected before routing (from the call logs).",
     p_analytics, s_analytics, h_analytics),
    CX_TOOL("getRtpServerGroups", "RTP server groups",
     "List the RTP (media) server groups/zones available for media routing.", NULL, s_rtp_groups, h_rtp_groups),
    CX_TOOL("getTranscription", "Call transcription",
     "Fetch the transcription of a call, when transcription was enabled for it.", p_callid_only, s_transcription, h_transcription),
    CX_TOOL("getAiAgentLogs", "AI agent logs",
     "Fetch the AI-agent logs (speech-to-text, LLM, text-to-speech stages with latencies) of a "
     "call on a given day.",
     p_ai_agent, s_ai_agent, h_ai_agent),
    {0}};

int cx_calls_register(mcp_registry *reg, cx_family *fam)
{
    return mcp_registry_add_table(reg, cx_call_tools, fam);
}
