/* The diagnostics the ConnexCS documentation promises, as deterministic tools (spec §6):
 * getCallReport (30-day report with top calls by revenue), getSwitchHealth,
 * findZeroDurationRepeats, findRoutingGaps, findDialPrefixDuplication, findNoRouteFailures.
 *
 * Every one streams the CDRs of its window from POST cdr (keyset pages of 5000 on dt, so any
 * volume is fetched with bounded memory and no row twice) into the project's CDR engine
 * (cdr_report, cdr_detector: the same code that judges local CDR files) and adds evidence rows
 * (Call-IDs and times) behind every finding. Thresholds are parameters with defaults. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdr/cdr_detect.h"
#include "cdr/cdr_import.h"
#include "cdr/cdr_report.h"
#include "tools/cx_internal.h"
#include "util/buf.h"

#define PAGE_ROWS 5000
#define MAX_PAGES 2000 /* 10 million rows: beyond that the answer says it is partial */
#define TOP_CALLS_MAX 20
#define EVIDENCE_MAX 10

static const char *const diag_fields[] = {
    "dt", "callid", "dest_cli", "dest_number", "duration", "customer_id", "customer_charge",
    "customer_card_currency", "provider_id", "provider_charge", "provider_card_currency", "sip_code", "sip_reason",
    "pdd_in", "customer_card_dest_code", "customer_card_dest_name", NULL};

/* ---- evidence rows ----------------------------------------------------------------------- */

typedef struct ev_row {
    char callid[96], dt[24], callee[40], customer[24], reason[64];
    int code;
    double pdd_ms, revenue;
    char currency[8];
} ev_row;

typedef struct ev_list {
    ev_row rows[EVIDENCE_MAX];
    size_t n;
    uint64_t total;
} ev_list;

static void copy_str(char *dst, size_t n, cdr_str s)
{
    size_t k = s.n < n - 1 ? s.n : n - 1;
    if (s.p)
        memcpy(dst, s.p, k);
    dst[s.p ? k : 0] = '\0';
}

static void ev_fill(ev_row *e, const cdr_record *r)
{
    memset(e, 0, sizeof *e);
    copy_str(e->callid, sizeof e->callid, r->call_id);
    cdr_format_time(r->start_ms, e->dt, sizeof e->dt);
    copy_str(e->callee, sizeof e->callee, r->callee);
    copy_str(e->customer, sizeof e->customer, r->customer);
    copy_str(e->reason, sizeof e->reason, r->sip_reason);
    copy_str(e->currency, sizeof e->currency, r->currency);
    e->code = r->sip_code;
    e->pdd_ms = (r->have & CDR_HAVE_PDD) ? r->pdd_ms : -1;
    e->revenue = r->revenue;
}

static void ev_add(ev_list *l, const cdr_record *r)
{
    l->total++;
    if (l->n < EVIDENCE_MAX)
        ev_fill(&l->rows[l->n++], r);
}

static json_t *ev_json(const ev_row *e)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:i}", "callid", e->callid, "time", e->dt, "dest_number", e->callee,
                          "customer_id", e->customer, "sip_code", e->code);
    if (*e->reason)
        json_object_set_new(o, "sip_reason", json_string(e->reason));
    if (e->pdd_ms >= 0)
        json_object_set_new(o, "pdd_ms", json_real(e->pdd_ms));
    return o;
}

static json_t *ev_list_json(const ev_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, ev_json(&l->rows[i]));
    return a;
}

/* ---- the streaming fetch ----------------------------------------------------------------- */

typedef struct top_calls {
    char currency[8];
    ev_row rows[TOP_CALLS_MAX];
    size_t n;
} top_calls;

/* What a diagnostic collects besides the engine's own tables. */
typedef struct diag_ctx {
    cdr_report *rep;
    cdr_detector *det;
    unsigned top_n;
    top_calls tops[CDR_MAX_CURRENCIES];
    size_t n_tops;
    ev_list fail5xx, high_pdd, no_route;
    double pdd_max_ms;
    json_t *no_route_by_reason; /* reason -> {count, evidence[]} */
    json_t *no_route_numbers;   /* "customer|digits" of no-route calls (capped), for card checks */
    json_t *money;              /* {revenue:{cur:n}, cost:{cur:n}}: each charge in its own currency */
    json_t *money_by_customer;  /* customer -> {revenue:{}, cost:{}} (capped) */
    uint64_t rows;
    double pdd_sum;             /* for the average PDD */
    uint64_t pdd_n;
} diag_ctx;

static void top_add(diag_ctx *d, const cdr_record *r)
{
    if (!d->top_n || !(r->have & CDR_HAVE_REVENUE) || r->revenue <= 0)
        return;
    char cur[8];
    copy_str(cur, sizeof cur, r->currency);
    top_calls *t = NULL;
    for (size_t i = 0; i < d->n_tops; i++)
        if (!strcmp(d->tops[i].currency, cur))
            t = &d->tops[i];
    if (!t) {
        if (d->n_tops >= CDR_MAX_CURRENCIES)
            return;
        t = &d->tops[d->n_tops++];
        snprintf(t->currency, sizeof t->currency, "%s", cur);
        t->n = 0;
    }
    size_t cap = d->top_n < TOP_CALLS_MAX ? d->top_n : TOP_CALLS_MAX;
    if (t->n == cap && t->rows[cap - 1].revenue >= r->revenue)
        return;
    size_t pos = t->n < cap ? t->n++ : cap - 1;
    while (pos > 0 && t->rows[pos - 1].revenue < r->revenue) {
        t->rows[pos] = t->rows[pos - 1];
        pos--;
    }
    ev_fill(&t->rows[pos], r);
}

static bool reason_no_route(cdr_str s)
{
    char b[96];
    copy_str(b, sizeof b, s);
    return strcasestr(b, "no route") != NULL;
}

static void no_route_add(diag_ctx *d, const cdr_record *r)
{
    bool nr = (r->sip_code == 503 || r->sip_code == 580) && (reason_no_route(r->sip_reason) || r->sip_code == 580);
    if (!nr)
        nr = (r->sip_code == 503 || r->sip_code == 580) && cdr_record_no_route(r);
    if (!nr)
        return;
    ev_add(&d->no_route, r);
    if (d->no_route_numbers && json_object_size(d->no_route_numbers) < 1000) {
        char cust[24], num[40], key[72];
        copy_str(cust, sizeof cust, r->customer);
        size_t k = 0;
        for (size_t i = 0; i < r->callee.n && k + 1 < sizeof num; i++)
            if (r->callee.p[i] >= '0' && r->callee.p[i] <= '9')
                num[k++] = r->callee.p[i];
        num[k] = '\0';
        snprintf(key, sizeof key, "%s|%s", cust, num);
        json_object_set_new(d->no_route_numbers, key, json_true());
    }
    if (!d->no_route_by_reason)
        return;
    char key[96];
    char reason[72];
    copy_str(reason, sizeof reason, r->sip_reason);
    snprintf(key, sizeof key, "%d %s", r->sip_code, reason);
    json_t *g = json_object_get(d->no_route_by_reason, key);
    if (!g) {
        g = json_pack("{s:i,s:s,s:I,s:[]}", "sip_code", r->sip_code, "sip_reason", reason, "count", (json_int_t)0,
                      "evidence");
        json_object_set_new(d->no_route_by_reason, key, g);
    }
    json_object_set_new(g, "count", json_integer(json_integer_value(json_object_get(g, "count")) + 1));
    json_t *ev = json_object_get(g, "evidence");
    if (json_array_size(ev) < EVIDENCE_MAX) {
        ev_row e;
        ev_fill(&e, r);
        json_array_append_new(ev, ev_json(&e));
    }
}

static int diag_row(void *ud, const cdr_record *r)
{
    diag_ctx *d = ud;
    d->rows++;
    if (d->rep)
        cdr_report_add(d->rep, r);
    if (d->det)
        cdr_detector_add(d->det, r);
    top_add(d, r);
    if (r->sip_code >= 500 && r->sip_code < 600)
        ev_add(&d->fail5xx, r);
    if (r->have & CDR_HAVE_PDD) {
        d->pdd_sum += r->pdd_ms;
        d->pdd_n++;
        if (d->pdd_max_ms > 0 && r->pdd_ms > d->pdd_max_ms)
            ev_add(&d->high_pdd, r);
    }
    no_route_add(d, r);
    return 0;
}

/* ConnexCS writes international numbers as bare E.164 digits ("442079460123"); the CDR engine
 * reads a number as international only with an access prefix, so give it the '+'. Numbers that
 * start with 0 (national or 00/011 access) are left as dialled. */
static void plus_e164(json_t *row, const char *field)
{
    const char *v = json_string_value(json_object_get(row, field));
    size_t n = v ? strlen(v) : 0;
    if (n < 7 || n > 16 || v[0] == '0' || strspn(v, "0123456789") != n)
        return;
    char b[20];
    snprintf(b, sizeof b, "+%s", v);
    json_object_set_new(row, field, json_string(b));
}

/* Money stays in its own currency: the customer charge in the customer's card currency, the
 * provider charge in the provider's. A CDR record has one currency, so a provider charge in
 * another currency is tallied here and taken out of the row the CDR engine sees. */
static void tally(json_t *obj, const char *side, const char *cur, double v)
{
    if (v == 0)
        return; /* unanswered calls carry 0 and often no currency */
    json_t *m = json_object_get(obj, side);
    if (!m) {
        m = json_object();
        json_object_set_new(obj, side, m);
    }
    cx_currency_add(m, cur, v);
}

static void split_currencies(diag_ctx *d, json_t *row)
{
    const char *cc = json_string_value(json_object_get(row, "customer_card_currency"));
    const char *pc = json_string_value(json_object_get(row, "provider_card_currency"));
    json_t *rev = json_object_get(row, "customer_charge"), *cost = json_object_get(row, "provider_charge");
    if (d->money) {
        json_t *cust = NULL;
        if (d->money_by_customer) {
            char id[32];
            snprintf(id, sizeof id, "%.0f", cx_num(json_object_get(row, "customer_id"), -1));
            cust = json_object_get(d->money_by_customer, id);
            if (!cust && json_object_size(d->money_by_customer) < 10000) {
                cust = json_object();
                json_object_set_new(d->money_by_customer, id, cust);
            }
        }
        if (json_is_number(rev) || json_is_string(rev)) {
            tally(d->money, "revenue", cc, cx_num(rev, 0));
            if (cust)
                tally(cust, "revenue", cc, cx_num(rev, 0));
        }
        if (json_is_number(cost) || json_is_string(cost)) {
            tally(d->money, "cost", pc ? pc : cc, cx_num(cost, 0));
            if (cust)
                tally(cust, "cost", pc ? pc : cc, cx_num(cost, 0));
        }
    }
    if (cost && pc && cc && strcmp(pc, cc))
        json_object_del(row, "provider_charge");
}

typedef struct fetch_stats {
    uint64_t rows, pages, bad_rows;
    unsigned long requests_before, requests;
    bool partial;
    char note[256];
} fetch_stats;

/* Streams every CDR in [from, to] (seconds, inclusive) through diag_row. Returns false after
 * answering isError. customer: optional customer_id rule. */
static bool stream_cdrs(mcp_call *call, cx_client *c, time_t from, time_t to, const char *customer, diag_ctx *d,
                        fetch_stats *fs)
{
    memset(fs, 0, sizeof *fs);
    fs->requests_before = cx_client_request_count(c);
    cx_window w = {.start = from, .end = to};
    cx_fmt_dt(from, w.start_dt, sizeof w.start_dt);
    cx_fmt_dt(to, w.end_dt, sizeof w.end_dt);
    json_t *boundary = json_object(); /* callids already fed at the cursor second */
    char cursor[20];
    snprintf(cursor, sizeof cursor, "%s", w.start_dt);
    cdr_import_opts o;
    cdr_import_opts_init(&o);
    o.cancel = mcp_call_cancel_flag(call);
    o.source = "connexcs";
    bool ok = true;
    for (unsigned page = 0;; page++) {
        if (page >= MAX_PAGES) {
            fs->partial = true;
            snprintf(fs->note, sizeof fs->note, "stopped after %u pages (%llu rows): narrow the period", page,
                     (unsigned long long)fs->rows);
            break;
        }
        if (mcp_call_cancelled(call)) {
            mcp_call_error(call, "Cancelled after %llu CDR rows.", (unsigned long long)fs->rows);
            ok = false;
            break;
        }
        snprintf(w.start_dt, sizeof w.start_dt, "%s", cursor);
        json_t *body = cx_cdr_body(diag_fields, &w, PAGE_ROWS, "ASC");
        if (customer)
            cx_cdr_rule(body, "customer_id", "=", json_integer(strtoll(customer, NULL, 10)));
        json_t *rows = cx_fetch_post(call, c, "cdr", body);
        json_decref(body);
        if (!rows) {
            ok = false;
            break;
        }
        if (!json_is_array(rows)) {
            json_decref(rows);
            mcp_call_error(call, "ConnexCS answered POST cdr with something other than a list.");
            ok = false;
            break;
        }
        fs->pages++;
        size_t n = json_array_size(rows);
        const char *last_dt = n ? json_string_value(json_object_get(json_array_get(rows, n - 1), "dt")) : NULL;
        bool cursor_moves = last_dt && strcmp(last_dt, cursor) != 0;
        json_t *fresh = json_array(), *next_boundary = json_object();
        for (size_t i = 0; i < n; i++) {
            json_t *row = json_array_get(rows, i);
            const char *dt = json_string_value(json_object_get(row, "dt"));
            const char *cid = json_string_value(json_object_get(row, "callid"));
            if (dt && cid && !strcmp(dt, cursor) && json_object_get(boundary, cid))
                continue; /* fed by the previous page */
            plus_e164(row, "dest_number");
            plus_e164(row, "dest_cli");
            split_currencies(d, row);
            json_array_append(fresh, row);
            if (dt && cid && last_dt && !strcmp(dt, last_dt))
                json_object_set_new(next_boundary, cid, json_true());
        }
        size_t nfresh = json_array_size(fresh);
        cdr_import_stats st;
        memset(&st, 0, sizeof st);
        int rc = cdr_feed_connexcs_json(fresh, &o, (cdr_sink){diag_row, d}, &st);
        fs->rows += nfresh;
        fs->bad_rows += st.rows_bad;
        cdr_import_stats_free(&st);
        json_decref(fresh);
        if (rc < 0 && o.cancel && *o.cancel) {
            json_decref(rows);
            json_decref(next_boundary);
            mcp_call_error(call, "Cancelled after %llu CDR rows.", (unsigned long long)fs->rows);
            ok = false;
            break;
        }
        mcp_call_progress(call, (double)fs->rows, 0, "CDR rows fetched");
        bool done = n < PAGE_ROWS;
        if (!done && !nfresh) {
            /* a whole page shares the cursor second: the API cannot page inside one second, so
             * step past it and say the answer is partial */
            fs->partial = true;
            snprintf(fs->note, sizeof fs->note, "more than %d CDRs at %s; the rest of that second was skipped",
                     PAGE_ROWS, cursor);
            int64_t ms;
            if (cdr_parse_time(cursor, strlen(cursor), &ms) == 0)
                cx_fmt_dt((time_t)(ms / 1000) + 1, cursor, sizeof cursor);
            json_decref(next_boundary);
            json_object_clear(boundary);
        } else if (last_dt && cursor_moves) {
            json_decref(boundary);
            boundary = next_boundary;
            snprintf(cursor, sizeof cursor, "%s", last_dt);
        } else {
            json_object_update(boundary, next_boundary);
            json_decref(next_boundary);
        }
        json_decref(rows);
        if (done)
            break;
    }
    json_decref(boundary);
    fs->requests = cx_client_request_count(c) - fs->requests_before;
    return ok;
}

static json_t *fetch_json(const fetch_stats *fs, time_t from, time_t to)
{
    char a[24], b[24];
    cx_fmt_dt(from, a, sizeof a);
    cx_fmt_dt(to, b, sizeof b);
    return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:b,s:s?}", "from", a, "to", b, "rows", (json_int_t)fs->rows,
                     "pages", (json_int_t)fs->pages, "bad_rows", (json_int_t)fs->bad_rows, "upstream_requests",
                     (json_int_t)fs->requests, "partial", fs->partial, "note", fs->note[0] ? fs->note : NULL);
}

/* The window ending now (the client's "now") going back `seconds`. */
static void window_back(cx_client *c, long long seconds, time_t *from, time_t *to)
{
    *to = cx_client_now(c);
    *from = *to - (time_t)seconds;
}

static bool customer_arg(mcp_call *call, const json_t *args, const char **out)
{
    *out = cx_arg_str(args, "customer_id");
    return !*out || cx_check_digits(call, "customer_id", *out);
}

/* ---- getCallReport ----------------------------------------------------------------------- */

static const mcp_param p_report[] = {
    {.name = "days", .type = MCP_T_INTEGER, .default_json = "30", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(92),
     .description = "Period: the last N days up to now (1-92)."},
    {.name = "customer_id", .type = MCP_T_STRING, .max_length = 19, .description = "Only this customer (numeric id)."},
    {.name = "top_n", .type = MCP_T_INTEGER, .default_json = "5", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(20),
     .description = "Rows in each top list (customers, destinations, calls by revenue)."},
    {0}};

static const char s_report[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"period\":{\"type\":\"object\"},"
    "\"summary\":{\"type\":\"object\"},\"money\":{\"type\":\"array\"},\"top_customers\":{\"type\":\"array\"},"
    "\"top_destinations\":{\"type\":\"array\"},\"top_calls_by_revenue\":{\"type\":\"object\"},"
    "\"routing_failures\":{\"type\":\"object\"},\"report\":{\"type\":\"object\"},\"fetch\":{\"type\":\"object\"}},"
    "\"required\":[\"success\",\"summary\",\"fetch\"]}";

static json_t *tops_json(const diag_ctx *d)
{
    json_t *o = json_object();
    for (size_t i = 0; i < d->n_tops; i++) {
        json_t *a = json_array();
        for (size_t k = 0; k < d->tops[i].n; k++) {
            const ev_row *e = &d->tops[i].rows[k];
            json_t *row = ev_json(e);
            json_object_set_new(row, "revenue", json_real(round(e->revenue * 10000) / 10000));
            json_array_append_new(a, row);
        }
        json_object_set_new(o, *d->tops[i].currency ? d->tops[i].currency : "unknown", a);
    }
    return o;
}

/* [{currency, revenue, cost, margin, margin_percent}] from a {revenue:{}, cost:{}} tally. */
static json_t *money_list(const json_t *m)
{
    json_t *curs = json_object(), *out = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(m, "revenue"), k, v) json_object_set_new(curs, k, json_true());
    json_object_foreach(json_object_get(m, "cost"), k, v) json_object_set_new(curs, k, json_true());
    json_object_foreach(curs, k, v) {
        double rev = cx_num(json_object_get(json_object_get(m, "revenue"), k), 0);
        double cost = cx_num(json_object_get(json_object_get(m, "cost"), k), 0);
        json_t *row = json_pack("{s:s,s:f,s:f,s:f}", "currency", k, "revenue", round(rev * 10000) / 10000, "cost",
                                round(cost * 10000) / 10000, "margin", round((rev - cost) * 10000) / 10000);
        json_object_set_new(row, "margin_percent", rev > 0 ? json_real(round((rev - cost) / rev * 10000) / 100) : json_null());
        json_array_append_new(out, row);
    }
    json_decref(curs);
    return out;
}

/* The engine's top rows with money replaced by per-currency maps (and names for customers). */
static void fix_top_money(json_t *rows, const json_t *by_customer, const json_t *names)
{
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        json_object_del(r, "revenue");
        json_object_del(r, "cost");
        json_object_del(r, "margin");
        const char *id = json_string_value(json_object_get(r, "customer"));
        if (!by_customer || !id)
            continue;
        json_t *m = json_object_get(by_customer, id);
        json_object_set_new(r, "money", money_list(m));
        json_t *nm = json_object_get(names, id);
        json_object_set(r, "name", nm ? nm : json_null());
    }
}

static void report_text(sb_buf *t, const json_t *out, const diag_ctx *d)
{
    json_t *s = json_object_get(out, "summary");
    sb_buf_printf(t, "attempts %lld, answered %lld (ASR %.2f%%, NER %.2f%%), ACD %.1f s, talk %.1f min, PDD median "
                     "%.0f ms, active customers %lld, routing failures (503/580 no route) %llu",
                  (long long)cx_num(json_object_get(s, "attempts"), 0), (long long)cx_num(json_object_get(s, "answered"), 0),
                  cx_num(json_object_get(s, "asr"), 0), cx_num(json_object_get(s, "ner"), 0),
                  cx_num(json_object_get(s, "acd_s"), 0), cx_num(json_object_get(s, "talk_minutes"), 0),
                  cx_num(json_object_get(s, "pdd_median_ms"), 0), (long long)cx_num(json_object_get(s, "active_customers"), 0),
                  (unsigned long long)d->no_route.total);
    json_t *money = json_object_get(out, "money");
    for (size_t i = 0; i < json_array_size(money); i++) {
        json_t *m = json_array_get(money, i);
        sb_buf_printf(t, "\n%s: revenue %.2f, cost %.2f, margin %.2f", json_string_value(json_object_get(m, "currency")),
                      cx_num(json_object_get(m, "revenue"), 0), cx_num(json_object_get(m, "cost"), 0),
                      cx_num(json_object_get(m, "margin"), 0));
    }
    json_t *tc = json_object_get(out, "top_customers");
    sb_buf_printf(t, "\nTop customers:");
    for (size_t i = 0; i < json_array_size(tc); i++) {
        json_t *c = json_array_get(tc, i), *m = json_object_get(c, "money");
        sb_buf_printf(t, "\n  %s %s: %lld calls, ASR %.2f%%", json_string_value(json_object_get(c, "customer")),
                      json_is_string(json_object_get(c, "name")) ? json_string_value(json_object_get(c, "name")) : "",
                      (long long)cx_num(json_object_get(c, "attempts"), 0), cx_num(json_object_get(c, "asr"), 0));
        for (size_t k = 0; k < json_array_size(m); k++)
            sb_buf_printf(t, "%s %.2f %s margin", k ? "," : ";", cx_num(json_object_get(json_array_get(m, k), "margin"), 0),
                          json_string_value(json_object_get(json_array_get(m, k), "currency")));
    }
    json_t *td = json_object_get(out, "top_destinations");
    sb_buf_printf(t, "\nTop destinations:");
    for (size_t i = 0; i < json_array_size(td); i++) {
        json_t *x = json_array_get(td, i);
        const char *nm = json_string_value(json_object_get(x, "destination"));
        if (!nm)
            nm = json_string_value(json_object_get(x, "key"));
        sb_buf_printf(t, "%s %s (%lld)", i ? "," : "", nm ? nm : "?", (long long)cx_num(json_object_get(x, "attempts"), 0));
    }
    json_t *codes = json_object_get(json_object_get(json_object_get(out, "report"), "failures"), "by_sip_code");
    sb_buf_printf(t, "\nFailures by SIP code:");
    for (size_t i = 0; i < json_array_size(codes); i++)
        sb_buf_printf(t, " %lld x%lld", (long long)cx_num(json_object_get(json_array_get(codes, i), "sip_code"), 0),
                      (long long)cx_num(json_object_get(json_array_get(codes, i), "count"), 0));
    for (size_t i = 0; i < d->n_tops; i++) {
        sb_buf_printf(t, "\nTop calls by revenue (%s):", d->tops[i].currency);
        for (size_t j = 0; j < d->tops[i].n; j++)
            sb_buf_printf(t, "\n  %.4f  %s  %s  %s", d->tops[i].rows[j].revenue, d->tops[i].rows[j].dt,
                          d->tops[i].rows[j].callee, d->tops[i].rows[j].callid);
    }
}

static void h_report(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cust;
    if (!c || !customer_arg(call, args, &cust))
        return;
    long long days = cx_arg_int(args, "days", 30), top = cx_arg_int(args, "top_n", 5);
    time_t from, to;
    window_back(c, days * 86400, &from, &to);
    cdr_filter f;
    cdr_filter_init(&f);
    f.from_ms = (int64_t)from * 1000;
    f.to_ms = ((int64_t)to + 1) * 1000;
    cdr_report_opts ro = {.top_n = (unsigned)top};
    diag_ctx d = {.rep = cdr_report_new(&f, &ro), .top_n = (unsigned)top, .no_route_by_reason = json_object(),
                  .money = json_object(), .money_by_customer = json_object()};
    fetch_stats fs;
    if (!d.rep || !stream_cdrs(call, c, from, to, cust, &d, &fs)) {
        if (!d.rep)
            mcp_call_error(call, "out of memory");
        cdr_report_free(d.rep);
        json_decref(d.no_route_by_reason);
        json_decref(d.money);
        json_decref(d.money_by_customer);
        return;
    }
    json_t *rep = cdr_report_json(d.rep);
    json_t *names = cx_customer_names(call, c);
    json_t *groups = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(d.no_route_by_reason, k, v) json_array_append(groups, v);
    json_t *summary = json_deep_copy(json_object_get(rep, "summary"));
    if (summary) {
        json_object_set(summary, "routing_failures_incl_not_found", json_object_get(summary, "routing_failures"));
        json_object_set_new(summary, "routing_failures", json_integer((json_int_t)d.no_route.total));
    }
    json_t *tc = json_deep_copy(json_object_get(rep, "top_customers"));
    json_t *td = json_deep_copy(json_object_get(rep, "top_destinations"));
    fix_top_money(tc, d.money_by_customer, names);
    fix_top_money(td, NULL, NULL);
    json_t *out = json_pack("{s:b,s:{s:I,s:s?},s:o?,s:o,s:o?,s:o?,s:o,s:{s:I,s:o,s:o},s:o}", "success", 1, "period",
                            "days", (json_int_t)days, "customer_id", cust, "summary", summary, "money",
                            money_list(d.money), "top_customers", tc, "top_destinations", td, "top_calls_by_revenue",
                            tops_json(&d), "routing_failures", "count", (json_int_t)d.no_route.total, "by_reason",
                            groups, "evidence", ev_list_json(&d.no_route), "fetch", fetch_json(&fs, from, to));
    json_object_del(rep, "money"); /* the engine's money has one currency per record: ours replaces it */
    json_object_set_new(out, "report", rep);
    sb_buf text;
    sb_buf_init(&text, 1 << 16);
    sb_buf_printf(&text, "Call report, last %lld day(s)%s%s: %llu CDRs fetched in %llu request(s).\n", days,
                  cust ? " for customer " : "", cust ? cust : "", (unsigned long long)fs.rows,
                  (unsigned long long)fs.requests);
    report_text(&text, out, &d);
    if (fs.partial)
        sb_buf_printf(&text, "\nPartial: %s", fs.note);
    mcp_call_text(call, "%s", text.data ? text.data : "");
    sb_buf_free(&text);
    mcp_call_structured(call, out);
    cdr_report_free(d.rep);
    json_decref(names);
    json_decref(d.no_route_by_reason);
    json_decref(d.money);
    json_decref(d.money_by_customer);
}

/* ---- getSwitchHealth --------------------------------------------------------------------- */

static const mcp_param p_health[] = {
    {.name = "hours", .type = MCP_T_INTEGER, .default_json = "24", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(720),
     .description = "Period: the last N hours (1-720)."},
    {.name = "asr_min", .type = MCP_T_NUMBER, .default_json = "30", .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(100),
     .description = "Flag when ASR (percent) is below this."},
    {.name = "pdd_max_ms", .type = MCP_T_NUMBER, .default_json = "5000", .minimum = MCP_BOUND(0),
     .description = "Flag when the average PDD (ms) is above this; calls above it are evidence."},
    {.name = "share_5xx_max", .type = MCP_T_NUMBER, .default_json = "10", .minimum = MCP_BOUND(0),
     .maximum = MCP_BOUND(100), .description = "Flag when the share of 5xx failures among attempts (percent) is above this."},
    {0}};

static const char s_health[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"status\":{\"type\":\"string\","
    "\"enum\":[\"healthy\",\"degraded\",\"no_traffic\"]},\"kpis\":{\"type\":\"object\"},\"failure_codes\":{\"type\":\"array\"},"
    "\"rtp_groups\":{\"type\":\"object\"},\"flags\":{\"type\":\"array\"},\"fetch\":{\"type\":\"object\"}},"
    "\"required\":[\"success\",\"status\",\"kpis\",\"flags\"]}";

static json_t *rtp_group_status(mcp_call *call, cx_client *c)
{
    cx_response r;
    if (cx_get_json(c, "setup/server/rtp-group", NULL, mcp_call_cancel_flag(call), &r) != 0) {
        json_t *e = json_pack("{s:s}", "error", r.error);
        cx_response_free(&r);
        return e;
    }
    size_t n = json_array_size(r.json), up = 0, elastic = 0;
    json_t *down = json_array();
    for (size_t i = 0; i < n; i++) {
        const json_t *g = json_array_get(r.json, i);
        if (cx_num(json_object_get(g, "status"), 1) == 1)
            up++;
        else
            json_array_append_new(down, json_pack("{s:O?,s:O?}", "id", json_object_get(g, "id"), "name",
                                                  json_object_get(g, "name")));
        elastic += cx_num(json_object_get(g, "elastic"), 0) != 0;
    }
    cx_response_free(&r);
    return json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)n, "enabled", (json_int_t)up, "elastic",
                     (json_int_t)elastic, "disabled", down);
}

static void h_health(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    if (!c)
        return;
    long long hours = cx_arg_int(args, "hours", 24);
    double asr_min = cx_num(json_object_get(args, "asr_min"), 30);
    double pdd_max = cx_num(json_object_get(args, "pdd_max_ms"), 5000);
    double s5_max = cx_num(json_object_get(args, "share_5xx_max"), 10);
    time_t from, to;
    window_back(c, hours * 3600, &from, &to);
    cdr_filter f;
    cdr_filter_init(&f);
    f.from_ms = (int64_t)from * 1000;
    f.to_ms = ((int64_t)to + 1) * 1000;
    diag_ctx d = {.rep = cdr_report_new(&f, NULL), .pdd_max_ms = pdd_max};
    fetch_stats fs;
    if (!d.rep || !stream_cdrs(call, c, from, to, NULL, &d, &fs)) {
        cdr_report_free(d.rep);
        return;
    }
    cdr_summary s;
    cdr_report_summary(d.rep, &s);
    json_t *rep = cdr_report_json(d.rep);
    double share5 = s.attempts ? 100.0 * (double)d.fail5xx.total / (double)s.attempts : 0;
    json_t *flags = json_array();
    char b[256];
    if (s.attempts && s.asr >= 0 && s.asr < asr_min) {
        snprintf(b, sizeof b, "ASR %.2f%% is below %.2f%%", s.asr, asr_min);
        json_array_append_new(flags, json_pack("{s:s,s:s,s:f,s:f}", "flag", "low_asr", "text", b, "value", s.asr,
                                               "threshold", asr_min));
    }
    double pdd_avg = d.pdd_n ? d.pdd_sum / (double)d.pdd_n : -1;
    if (d.pdd_n && pdd_avg > pdd_max) {
        snprintf(b, sizeof b, "average PDD %.0f ms is above %.0f ms", pdd_avg, pdd_max);
        json_array_append_new(flags, json_pack("{s:s,s:s,s:f,s:f,s:o}", "flag", "high_pdd", "text", b, "value",
                                               pdd_avg, "threshold", pdd_max, "evidence", ev_list_json(&d.high_pdd)));
    }
    if (s.attempts && share5 > s5_max) {
        snprintf(b, sizeof b, "5xx failures are %.2f%% of attempts (above %.2f%%)", share5, s5_max);
        json_array_append_new(flags, json_pack("{s:s,s:s,s:f,s:f,s:o}", "flag", "high_5xx", "text", b, "value",
                                               share5, "threshold", s5_max, "evidence", ev_list_json(&d.fail5xx)));
    }
    json_t *groups = rtp_group_status(call, c);
    if (json_array_size(json_object_get(groups, "disabled"))) {
        snprintf(b, sizeof b, "%zu RTP server group(s) disabled", json_array_size(json_object_get(groups, "disabled")));
        json_array_append_new(flags, json_pack("{s:s,s:s,s:O}", "flag", "rtp_group_disabled", "text", b, "evidence",
                                               json_object_get(groups, "disabled")));
    }
    const char *status = !s.attempts ? "no_traffic" : json_array_size(flags) ? "degraded" : "healthy";
    json_t *failures = json_object_get(rep, "failures");
    json_t *kpis = json_pack("{s:I,s:I,s:f,s:f,s:f,s:f,s:I,s:I,s:f,s:o}", "attempts", (json_int_t)s.attempts,
                             "answered", (json_int_t)s.answered, "asr", s.asr, "ner", s.ner, "pdd_median_ms",
                             s.pdd_median_ms, "pdd_p95_ms", s.pdd_p95_ms, "pdd_samples", (json_int_t)s.pdd_samples,
                             "failures_5xx", (json_int_t)d.fail5xx.total, "share_5xx", round(share5 * 100) / 100,
                             "high_pdd_calls", json_integer((json_int_t)d.high_pdd.total));
    json_object_set_new(kpis, "pdd_avg_ms", d.pdd_n ? json_real(round(pdd_avg)) : json_null());
    json_t *out = json_pack("{s:b,s:s,s:I,s:o,s:O?,s:o,s:o,s:o}", "success", 1, "status", status, "hours",
                            (json_int_t)hours, "kpis", kpis, "failure_codes", json_object_get(failures, "by_sip_code"),
                            "rtp_groups", groups, "flags", flags, "fetch", fetch_json(&fs, from, to));
    if (!json_object_get(out, "failure_codes"))
        json_object_set_new(out, "failure_codes", json_array());
    sb_buf t;
    sb_buf_init(&t, 1 << 14);
    sb_buf_printf(&t, "Switch health, last %lld h: %s. %llu attempts, ASR %.2f%%, NER %.2f%%, PDD average %.0f ms "
                      "(median %.0f), 5xx share %.2f%%.", hours, status, (unsigned long long)s.attempts, s.asr, s.ner,
                  pdd_avg, s.pdd_median_ms, share5);
    for (size_t i = 0; i < json_array_size(flags); i++)
        sb_buf_printf(&t, "\n- %s", json_string_value(json_object_get(json_array_get(flags, i), "text")));
    mcp_call_text(call, "%s", t.data ? t.data : "");
    sb_buf_free(&t);
    mcp_call_structured(call, out);
    json_decref(rep);
    cdr_report_free(d.rep);
}

/* ---- rate-card cross-checks -------------------------------------------------------------- */

#define CARD_CUSTOMERS_MAX 5
#define CARDS_PER_CUSTOMER_MAX 5

/* The active-revision rules of a customer's fetchable rate cards:
 * [{card_id, active_rev, rules:[...]}] (new). Upstream errors are noted in the entries. */
static json_t *customer_cards(mcp_call *call, cx_client *c, const char *customer)
{
    json_t *out = json_array();
    char q[96];
    snprintf(q, sizeof q, "s=&company_id=%s", customer);
    cx_response r;
    if (cx_get_json(c, "routing", q, mcp_call_cancel_flag(call), &r) != 0) {
        json_array_append_new(out, json_pack("{s:s}", "error", r.error));
        cx_response_free(&r);
        return out;
    }
    for (size_t i = 0; i < json_array_size(r.json) && json_array_size(out) < CARDS_PER_CUSTOMER_MAX; i++) {
        const char *card = json_string_value(json_object_get(json_array_get(r.json, i), "card_id"));
        if (!card || !*card || !strcmp(card, "internal") || strchr(card, ':') ||
            strspn(card, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(card))
            continue;
        char path[128];
        snprintf(path, sizeof path, "card/%s", card);
        cx_response cr;
        if (cx_get_json(c, path, NULL, mcp_call_cancel_flag(call), &cr) != 0) {
            json_array_append_new(out, json_pack("{s:s,s:s}", "card_id", card, "error", cr.error));
            cx_response_free(&cr);
            continue;
        }
        json_t *cobj = json_is_array(cr.json) ? json_array_get(cr.json, 0) : cr.json;
        long long rev = (long long)cx_num(json_object_get(cobj, "active_rev"), -1);
        cx_response_free(&cr);
        if (rev < 0)
            continue;
        snprintf(path, sizeof path, "card/%s/rev/%lld/rule", card, rev);
        cx_response rr;
        if (cx_get_json(c, path, "limit=10000&offset=0", mcp_call_cancel_flag(call), &rr) != 0) {
            json_array_append_new(out, json_pack("{s:s,s:I,s:s}", "card_id", card, "active_rev", (json_int_t)rev,
                                                 "error", rr.error));
        } else {
            json_array_append_new(out, json_pack("{s:s,s:I,s:O}", "card_id", card, "active_rev", (json_int_t)rev,
                                                 "rules", json_is_array(rr.json) ? rr.json : json_array()));
        }
        cx_response_free(&rr);
    }
    cx_response_free(&r);
    return out;
}

static void digits_only(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; s && *s && k + 1 < n; s++)
        if (*s >= '0' && *s <= '9')
            out[k++] = *s;
    out[k] = '\0';
}

/* The longest rule prefix of a card matching number (digits), or NULL. */
static const char *card_match(const json_t *rules, const char *number)
{
    const char *best = NULL;
    size_t bl = 0;
    for (size_t i = 0; i < json_array_size(rules); i++) {
        const char *p = json_string_value(json_object_get(json_array_get(rules, i), "prefix"));
        size_t pl = p ? strlen(p) : 0;
        if (pl > bl && !strncmp(number, p, pl)) {
            best = p;
            bl = pl;
        }
    }
    return best;
}

/* Adds customer to the set (json object) unless full. */
static void add_customer(json_t *set, const char *cust)
{
    if (*cust && strspn(cust, "0123456789") == strlen(cust) && json_object_size(set) < CARD_CUSTOMERS_MAX)
        json_object_set_new(set, cust, json_true());
}

/* routing gaps: does any rate card of the customers involved have a rule for the numbers? */
static json_t *gap_cards(mcp_call *call, cx_client *c, const diag_ctx *d, const cdr_finding *fd, size_t n)
{
    json_t *checks = json_array();
    for (size_t i = 0; i < n && i < 10; i++) {
        /* the prefix of the finding ("prefix=2348"), and the customers whose no-route calls match it */
        char prefix[32];
        const char *eq = strchr(fd[i].key, '=');
        digits_only(eq ? eq + 1 : fd[i].key, prefix, sizeof prefix);
        json_t *custs = json_object();
        char num[48] = "";
        const char *key;
        json_t *v;
        json_object_foreach(d->no_route_numbers, key, v) {
            const char *bar = strchr(key, '|');
            if (!bar || !*prefix || strncmp(bar + 1, prefix, strlen(prefix)))
                continue;
            char cust[24];
            snprintf(cust, sizeof cust, "%.*s", (int)(bar - key) < 23 ? (int)(bar - key) : 23, key);
            add_customer(custs, cust);
            if (!*num)
                snprintf(num, sizeof num, "%s", bar + 1);
        }
        json_t *cards = json_array();
        const char *cust;
        json_object_foreach(custs, cust, v) {
            json_t *cl = customer_cards(call, c, cust);
            for (size_t k = 0; k < json_array_size(cl); k++) {
                json_t *cd = json_array_get(cl, k);
                if (json_object_get(cd, "error")) {
                    json_object_set_new(cd, "customer_id", json_string(cust));
                    json_array_append(cards, cd);
                    continue;
                }
                const char *m = card_match(json_object_get(cd, "rules"), num);
                json_array_append_new(cards, json_pack("{s:s,s:O,s:O,s:b,s:s?}", "customer_id", cust, "card_id",
                                                       json_object_get(cd, "card_id"), "active_rev",
                                                       json_object_get(cd, "active_rev"), "covered", m != NULL,
                                                       "matching_prefix", m));
            }
            json_decref(cl);
        }
        json_array_append_new(checks, json_pack("{s:s,s:s,s:s,s:o}", "finding", fd[i].key, "prefix", prefix,
                                                "sample_number", num, "rate_cards", cards));
        json_decref(custs);
    }
    return json_pack("{s:o}", "rate_card_check", checks);
}

/* dial-prefix duplication: duplicate prefix values inside one active rate-card revision. */
static json_t *dup_cards(mcp_call *call, cx_client *c, const diag_ctx *d, const cdr_finding *fd, size_t n)
{
    (void)d;
    json_t *custs = json_object();
    for (size_t i = 0; i < n; i++)
        for (size_t e = 0; e < fd[i].n_evidence; e++)
            add_customer(custs, fd[i].evidence[e].customer);
    json_t *dups = json_array();
    const char *cust;
    json_t *v;
    json_object_foreach(custs, cust, v) {
        json_t *cl = customer_cards(call, c, cust);
        for (size_t k = 0; k < json_array_size(cl); k++) {
            json_t *cd = json_array_get(cl, k), *rules = json_object_get(cd, "rules");
            json_t *seen = json_object();
            for (size_t r = 0; r < json_array_size(rules); r++) {
                const char *p = json_string_value(json_object_get(json_array_get(rules, r), "prefix"));
                if (p)
                    json_object_set_new(seen, p, json_integer(json_integer_value(json_object_get(seen, p)) + 1));
            }
            const char *p;
            json_t *cnt;
            json_object_foreach(seen, p, cnt) if (json_integer_value(cnt) > 1) json_array_append_new(
                dups, json_pack("{s:s,s:O,s:O,s:s,s:O}", "customer_id", cust, "card_id", json_object_get(cd, "card_id"),
                                "active_rev", json_object_get(cd, "active_rev"), "prefix", p, "occurrences", cnt));
            json_decref(seen);
        }
        json_decref(cl);
    }
    json_decref(custs);
    return json_pack("{s:o}", "rate_card_duplicates", dups);
}

/* ---- the detector tools ------------------------------------------------------------------ */

/* Runs the CDR detector of one kind over the window and answers with its findings. */
/* The CDR engine keeps evidence rows in fixed buffers that can cut a long Call-ID. A Call-ID
 * that filled its buffer is looked up again (POST cdr: callid like '<cut>%' at that second), so
 * the evidence always names calls that getSipTrace can open. Bounded: at most 40 lookups. */
#define RESTORE_MAX 40

static bool maybe_cut(const char *id)
{
    size_t n = strlen(id);
    return n == CDR_CALL_ID_KEEP - 1 || n == CDR_EVIDENCE_CALL_ID - 1; /* filled an engine buffer */
}

static void restore_callids(mcp_call *call, cx_client *c, json_t *findings)
{
    unsigned lookups = 0;
    for (size_t i = 0; i < json_array_size(findings); i++) {
        json_t *ev = json_object_get(json_array_get(findings, i), "evidence");
        for (size_t e = 0; e < json_array_size(ev) && lookups < RESTORE_MAX; e++) {
            json_t *row = json_array_get(ev, e);
            const char *id = json_string_value(json_object_get(row, "call_id"));
            const char *st = json_string_value(json_object_get(row, "start"));
            int64_t ms;
            if (!id || !st || !maybe_cut(id) || cdr_parse_time(st, strlen(st), &ms) != 0)
                continue;
            lookups++;
            cx_window w;
            cx_fmt_dt((time_t)(ms / 1000), w.start_dt, sizeof w.start_dt);
            cx_fmt_dt((time_t)(ms / 1000) + 1, w.end_dt, sizeof w.end_dt);
            static const char *const fields[] = {"dt", "callid", NULL};
            json_t *body = cx_cdr_body(fields, &w, 2, NULL);
            char like[80];
            snprintf(like, sizeof like, "%s%%", id);
            cx_cdr_rule(body, "callid", "like", json_string(like));
            cx_response r;
            if (cx_post_json(c, "cdr", body, mcp_call_cancel_flag(call), &r) == 0 && json_array_size(r.json) == 1) {
                const char *full = json_string_value(json_object_get(json_array_get(r.json, 0), "callid"));
                if (full && !strncmp(full, id, strlen(id)))
                    json_object_set_new(row, "call_id", json_string(full));
            }
            cx_response_free(&r);
            json_decref(body);
        }
    }
}

/* One line per rate-card fact found by the cross-checks. */
static void extra_text(const json_t *extra, sb_buf *t)
{
    json_t *checks = json_object_get(extra, "rate_card_check");
    for (size_t i = 0; i < json_array_size(checks); i++) {
        json_t *ck = json_array_get(checks, i), *cards = json_object_get(ck, "rate_cards");
        for (size_t k = 0; k < json_array_size(cards); k++) {
            json_t *cd = json_array_get(cards, k);
            if (json_object_get(cd, "error"))
                continue;
            bool cov = json_is_true(json_object_get(cd, "covered"));
            sb_buf_printf(t, "\n  rate card %s (customer %s, rev %lld): %s %s", json_string_value(json_object_get(cd, "card_id")),
                          json_string_value(json_object_get(cd, "customer_id")),
                          (long long)json_integer_value(json_object_get(cd, "active_rev")),
                          cov ? "has a rule for" : "has NO rule for", json_string_value(json_object_get(ck, "prefix")));
        }
    }
    json_t *dups = json_object_get(extra, "rate_card_duplicates");
    for (size_t i = 0; i < json_array_size(dups); i++) {
        json_t *d = json_array_get(dups, i);
        sb_buf_printf(t, "\n  rate card %s rev %lld lists prefix %s %lld times", json_string_value(json_object_get(d, "card_id")),
                      (long long)json_integer_value(json_object_get(d, "active_rev")),
                      json_string_value(json_object_get(d, "prefix")),
                      (long long)json_integer_value(json_object_get(d, "occurrences")));
    }
}

typedef json_t *(*extra_fn)(mcp_call *call, cx_client *c, const diag_ctx *d, const cdr_finding *fd, size_t n);

static void run_detector(mcp_call *call, cx_client *c, cdr_finding_kind kind, const cdr_thresholds *t,
                         long long days, const char *cust, const char *what, extra_fn extra_of)
{
    json_t *extra = NULL;
    time_t from, to;
    window_back(c, days * 86400, &from, &to);
    cdr_filter f;
    cdr_filter_init(&f);
    f.from_ms = (int64_t)from * 1000;
    f.to_ms = ((int64_t)to + 1) * 1000;
    cdr_thresholds th = *t;
    th.enabled_mask = 1u << kind;
    diag_ctx d = {.det = cdr_detector_new(&th, &f), .no_route_numbers = json_object()};
    fetch_stats fs;
    if (!d.det || !stream_cdrs(call, c, from, to, cust, &d, &fs)) {
        cdr_detector_free(d.det);
        json_decref(d.no_route_numbers);
        return;
    }
    size_t n;
    const cdr_finding *fd = cdr_detector_finish(d.det, &n);
    if (extra_of)
        extra = extra_of(call, c, &d, fd, n);
    json_t *dj = cdr_detector_json(d.det);
    json_t *findings = json_object_get(dj, "findings");
    restore_callids(call, c, findings);
    sb_buf text;
    sb_buf_init(&text, 1 << 15);
    sb_buf_printf(&text, "%s over the last %lld day(s): %zu finding(s) in %llu CDRs.", what, days, n,
                  (unsigned long long)fs.rows);
    for (size_t i = 0; i < json_array_size(findings) && i < 20; i++) {
        json_t *f1 = json_array_get(findings, i), *ev = json_object_get(f1, "evidence");
        sb_buf_printf(&text, "\n- [%s] %s", json_string_value(json_object_get(f1, "severity")),
                      json_string_value(json_object_get(f1, "summary")));
        for (size_t e = 0; e < json_array_size(ev) && e < 3; e++) {
            json_t *row = json_array_get(ev, e);
            sb_buf_printf(&text, "\n    %s %s -> %s (SIP %lld)", json_string_value(json_object_get(row, "start")),
                          json_string_value(json_object_get(row, "call_id")),
                          json_string_value(json_object_get(row, "callee")),
                          (long long)json_integer_value(json_object_get(row, "sip_code")));
        }
    }
    if (!n)
        sb_buf_printf(&text, " Nothing crossed the thresholds; lower them to look closer.");
    extra_text(extra, &text);
    json_t *out = json_pack("{s:b,s:s,s:I,s:s?,s:I,s:O?,s:O?,s:o}", "success", 1, "kind", cdr_finding_kind_name(kind),
                            "days", (json_int_t)days, "customer_id", cust, "finding_count", (json_int_t)n, "findings",
                            findings, "thresholds", json_object_get(dj, "thresholds"), "fetch",
                            fetch_json(&fs, from, to));
    if (!json_object_get(out, "findings"))
        json_object_set_new(out, "findings", json_array());
    if (extra)
        json_object_update(out, extra);
    json_decref(extra);
    json_decref(dj);
    mcp_call_text(call, "%s", text.data ? text.data : "");
    sb_buf_free(&text);
    mcp_call_structured(call, out);
    cdr_detector_free(d.det);
    json_decref(d.no_route_numbers);
}

static const char s_findings[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"kind\":{\"type\":\"string\"},"
    "\"finding_count\":{\"type\":\"integer\"},\"findings\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"properties\":{\"summary\":{\"type\":\"string\"},\"evidence\":{\"type\":\"array\"}}}},"
    "\"thresholds\":{\"type\":\"object\"},\"fetch\":{\"type\":\"object\"}},"
    "\"required\":[\"success\",\"kind\",\"finding_count\",\"findings\"]}";

static const mcp_param p_zero[] = {
    {.name = "days", .type = MCP_T_INTEGER, .default_json = "7", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(92),
     .description = "Period: the last N days."},
    {.name = "customer_id", .type = MCP_T_STRING, .max_length = 19, .description = "Only this customer."},
    {.name = "min_count", .type = MCP_T_INTEGER, .default_json = "3", .minimum = MCP_BOUND(2), .maximum = MCP_BOUND(8),
     .description = "Zero-duration calls from one customer to one number that make a finding (2-8)."},
    {.name = "window_minutes", .type = MCP_T_INTEGER, .default_json = "10", .minimum = MCP_BOUND(1),
     .maximum = MCP_BOUND(1440), .description = "...within this many minutes."},
    {0}};

static void h_zero(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cust;
    if (!c || !customer_arg(call, args, &cust))
        return;
    cdr_thresholds t;
    cdr_thresholds_default(&t);
    t.zero_repeat_min = (unsigned)cx_arg_int(args, "min_count", 3);
    t.zero_repeat_window_s = (unsigned)cx_arg_int(args, "window_minutes", 10) * 60;
    run_detector(call, c, CDR_FIND_ZERO_REPEAT, &t, cx_arg_int(args, "days", 7), cust,
                 "Repeated zero-duration calls", NULL);
}

static const mcp_param p_gaps[] = {
    {.name = "days", .type = MCP_T_INTEGER, .default_json = "7", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(92),
     .description = "Period: the last N days."},
    {.name = "customer_id", .type = MCP_T_STRING, .max_length = 19, .description = "Only this customer."},
    {.name = "min_attempts", .type = MCP_T_INTEGER, .default_json = "5", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(1000000),
     .description = "Attempts to a prefix needed before it is judged."},
    {.name = "min_share", .type = MCP_T_NUMBER, .default_json = "0.8", .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(1),
     .description = "Share of no-route failures (0-1) that makes the prefix a gap."},
    {.name = "prefix_digits", .type = MCP_T_INTEGER, .default_json = "4", .minimum = MCP_BOUND(2),
     .maximum = MCP_BOUND(8), .description = "Digits grouped when the CDR has no rate-card prefix."},
    {.name = "check_rate_cards", .type = MCP_T_BOOLEAN, .default_json = "true",
     .description = "Cross-check each gap against the rate cards of the customers involved."},
    {0}};

static void h_gaps(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cust;
    if (!c || !customer_arg(call, args, &cust))
        return;
    cdr_thresholds t;
    cdr_thresholds_default(&t);
    t.gap_min_attempts = (unsigned)cx_arg_int(args, "min_attempts", 5);
    t.gap_min_share = cx_num(json_object_get(args, "min_share"), 0.8);
    t.prefix_digits = (unsigned)cx_arg_int(args, "prefix_digits", 4);
    run_detector(call, c, CDR_FIND_ROUTING_GAP, &t, cx_arg_int(args, "days", 7), cust, "Routing gaps",
                 json_is_false(json_object_get(args, "check_rate_cards")) ? NULL : gap_cards);
}

static const mcp_param p_dup[] = {
    {.name = "days", .type = MCP_T_INTEGER, .default_json = "7", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(92),
     .description = "Period: the last N days."},
    {.name = "customer_id", .type = MCP_T_STRING, .max_length = 19, .description = "Only this customer."},
    {.name = "tech_prefixes", .type = MCP_T_ARRAY, .items = MCP_T_STRING, .max_items = 20,
     .description = "Tech prefixes customers put in front of numbers (e.g. [\"1010\"]); a doubled one is flagged."},
    {.name = "check_rate_cards", .type = MCP_T_BOOLEAN, .default_json = "true",
     .description = "Also look for duplicate prefixes inside the active revision of the customers' rate cards."},
    {0}};

static void h_dup(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cust;
    if (!c || !customer_arg(call, args, &cust))
        return;
    cdr_thresholds t;
    cdr_thresholds_default(&t);
    const json_t *tp = json_object_get(args, "tech_prefixes");
    const char *prefixes[21];
    size_t np = 0;
    for (size_t i = 0; i < json_array_size(tp) && np < 20; i++)
        if (json_is_string(json_array_get(tp, i)) && *json_string_value(json_array_get(tp, i)))
            prefixes[np++] = json_string_value(json_array_get(tp, i));
    prefixes[np] = NULL;
    if (np)
        t.tech_prefixes = prefixes;
    run_detector(call, c, CDR_FIND_PREFIX_DUP, &t, cx_arg_int(args, "days", 7), cust, "Dial-prefix duplication",
                 json_is_false(json_object_get(args, "check_rate_cards")) ? NULL : dup_cards);
}

/* ---- findNoRouteFailures ----------------------------------------------------------------- */

/* ConnexCS routing failure reasons (docs routing.md) and what to do about each. */
static const struct {
    int code;
    const char *reason;
    const char *meaning;
} no_route_table[] = {
    {503, "No Routes Available (Pre)", "No rate-card rule matches the dialled prefix for this customer: add the "
                                       "prefix to the customer's rate card or fix the number format."},
    {503, "No Routes Available (U)", "Routes exist but Lock, Profit Assurance, Strategy or ScriptForge removed them "
                                     "all: check the routing strategy and provider rate cards."},
    {503, "No Routes Available (Lock)", "Every route is locked for this customer or destination: review route locks."},
    {503, "No Routes Available (Profit Assurance)", "Every provider would cost more than the customer pays: fix the "
                                                    "sell rate or add a cheaper provider."},
    {580, "No Route Available", "No ingress routing profile matches the call (IP, tech prefix or dialled number): "
                                "check the customer's ingress routing."},
    {580, "Switch IP Variable Not Provided", "The call reached the switch without the switch IP variable: check the "
                                             "SIP trunk's target address."},
    {580, "To (oU) User Missing", "The Request-URI has no user part (dialled number missing)."},
    {580, "To (fU) User Missing", "The From header has no user part (caller number missing)."},
};

static const char *explain_no_route(int code, const char *reason)
{
    for (size_t i = 0; i < sizeof no_route_table / sizeof no_route_table[0]; i++)
        if (no_route_table[i].code == code && !strcasecmp(no_route_table[i].reason, reason))
            return no_route_table[i].meaning;
    return code == 580 ? "No ingress route matched the call: check the customer's ingress routing profile."
                       : "The switch found no usable route: check the customer's rate card and routing.";
}

static const mcp_param p_noroute[] = {
    {.name = "days", .type = MCP_T_INTEGER, .default_json = "7", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(92),
     .description = "Period: the last N days."},
    {.name = "customer_id", .type = MCP_T_STRING, .max_length = 19, .description = "Only this customer."},
    {.name = "min_count", .type = MCP_T_INTEGER, .default_json = "1", .minimum = MCP_BOUND(1),
     .description = "Report a reason only when it occurred at least this often."},
    {0}};

static const char s_noroute[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"total\":{\"type\":\"integer\"},"
    "\"groups\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"sip_code\":{\"type\":\"integer\"},"
    "\"sip_reason\":{\"type\":\"string\"},\"count\":{\"type\":\"integer\"},\"explanation\":{\"type\":\"string\"},"
    "\"evidence\":{\"type\":\"array\"}}}},\"fetch\":{\"type\":\"object\"}},\"required\":[\"success\",\"total\",\"groups\"]}";

static int by_count_desc(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "count"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "count"));
    return x < y ? 1 : x > y ? -1 : 0;
}

static void h_noroute(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cust;
    if (!c || !customer_arg(call, args, &cust))
        return;
    long long days = cx_arg_int(args, "days", 7), min_count = cx_arg_int(args, "min_count", 1);
    time_t from, to;
    window_back(c, days * 86400, &from, &to);
    diag_ctx d = {.no_route_by_reason = json_object()};
    fetch_stats fs;
    if (!stream_cdrs(call, c, from, to, cust, &d, &fs)) {
        json_decref(d.no_route_by_reason);
        return;
    }
    size_t ng = json_object_size(d.no_route_by_reason), k = 0;
    json_t **gs = calloc(ng ? ng : 1, sizeof *gs);
    const char *key;
    json_t *g;
    json_object_foreach(d.no_route_by_reason, key, g) if (gs && json_integer_value(json_object_get(g, "count")) >= min_count)
    {
        json_object_set_new(g, "explanation", json_string(explain_no_route((int)json_integer_value(json_object_get(g, "sip_code")),
                                                                           json_string_value(json_object_get(g, "sip_reason")))));
        gs[k++] = g;
    }
    if (gs)
        qsort(gs, k, sizeof *gs, by_count_desc);
    json_t *groups = json_array();
    sb_buf t;
    sb_buf_init(&t, 1 << 14);
    sb_buf_printf(&t, "No-route failures (503/580) over the last %lld day(s): %llu in %llu CDRs.", days,
                  (unsigned long long)d.no_route.total, (unsigned long long)fs.rows);
    for (size_t i = 0; i < k; i++) {
        json_array_append(groups, gs[i]);
        sb_buf_printf(&t, "\n- %lld x %lld %s: %s", (long long)json_integer_value(json_object_get(gs[i], "count")),
                      (long long)json_integer_value(json_object_get(gs[i], "sip_code")),
                      json_string_value(json_object_get(gs[i], "sip_reason")),
                      json_string_value(json_object_get(gs[i], "explanation")));
        json_t *ev = json_object_get(gs[i], "evidence");
        for (size_t e = 0; e < json_array_size(ev) && e < 3; e++)
            sb_buf_printf(&t, "\n    %s %s -> %s", json_string_value(json_object_get(json_array_get(ev, e), "time")),
                          json_string_value(json_object_get(json_array_get(ev, e), "callid")),
                          json_string_value(json_object_get(json_array_get(ev, e), "dest_number")));
    }
    free(gs);
    if (!d.no_route.total)
        sb_buf_printf(&t, " None: every call found a route.");
    json_t *out = json_pack("{s:b,s:I,s:I,s:s?,s:o,s:o}", "success", 1, "total", (json_int_t)d.no_route.total, "days",
                            (json_int_t)days, "customer_id", cust, "groups", groups, "fetch", fetch_json(&fs, from, to));
    mcp_call_text(call, "%s", t.data ? t.data : "");
    sb_buf_free(&t);
    mcp_call_structured(call, out);
    json_decref(d.no_route_by_reason);
}

/* ---- table ------------------------------------------------------------------------------- */

static const mcp_tool_def cx_diag_tools[] = {
    CX_TOOL("getCallReport", "Call report (30 days)",
     "The switch report for the last N days (default 30): total calls, answered, ASR, NER, ACD, talk "
     "time, active customers, routing failures, revenue/cost/margin per currency, top customers, top "
     "destinations and top calls by revenue. Computed from every CDR of the period.",
     p_report, s_report, h_report),
    CX_TOOL("getSwitchHealth", "Switch health",
     "Health of the switch over the last N hours: ASR, NER, PDD, failure-code histogram, 5xx share and "
     "RTP group status, with flags (ASR below, PDD above, 5xx share above the thresholds) and the calls "
     "behind each flag.",
     p_health, s_health, h_health),
    CX_TOOL("findZeroDurationRepeats", "Find repeated zero-duration calls",
     "Find repeated zero-duration calls from one customer to one number within a short window "
     "(default 3 within 10 minutes), with the calls as evidence.",
     p_zero, s_findings, h_zero),
    CX_TOOL("findRoutingGaps", "Find routing gaps",
     "Find destination prefixes whose calls mostly fail with no-route errors (503 No Routes Available, "
     "580 No Route Available): missing rate-card or routing coverage, with evidence calls.",
     p_gaps, s_findings, h_gaps),
    CX_TOOL("findDialPrefixDuplication", "Find dial-prefix duplication",
     "Find dialled numbers with a doubled prefix (44 44..., 0044 0044..., a tech prefix twice, a trunk 0 "
     "after the country code), with evidence calls.",
     p_dup, s_findings, h_dup),
    CX_TOOL("findNoRouteFailures", "Find no-route failures",
     "Find SIP 503 'No Routes Available' and 580 'No Route Available' failures grouped by reason, each "
     "explained (what the reason means and what to fix) with evidence calls.",
     p_noroute, s_noroute, h_noroute),
    {0}};

int cx_diag_register(mcp_registry *reg, cx_family *fam)
{
    return mcp_registry_add_table(reg, cx_diag_tools, fam);
}
