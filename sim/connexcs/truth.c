/* Ground truth of the ConnexCS simulator (GET /_sim/truth): everything a test may assert,
 * computed by scanning the generated data itself (counts, per-customer revenue and profit,
 * SIP code histogram) plus the scripted scenarios (their Call-IDs, times, prefixes, numbers).
 * Tests read this document instead of hard-coding what a seed happens to produce. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxsim.h"

#define MAX_CUST 16

typedef struct cust_acc {
    long attempts, connected;
    double duration, rev[2], cost[2], profit;
    bool has_rev[2], has_cost[2];
} cust_acc;

typedef struct totals {
    long total, connected, zero, routing_failures, traced, rtcp, class5, ai, transcribed;
    double duration;
    long codes[700];
    cust_acc cust[MAX_CUST];
} totals;

static double r4(double v) { return round(v * 10000.0) / 10000.0; }

static json_t *iso(int64_t t)
{
    char b[24];
    cxs_fmt_dt(t, b);
    b[10] = 'T';
    char z[32];
    snprintf(z, sizeof z, "%sZ", b);
    return json_string(z);
}

static json_t *money(const double *v, const bool *has)
{
    json_t *m = json_object();
    if (has[0])
        json_object_set_new(m, "USD", json_real(r4(v[0])));
    if (has[1])
        json_object_set_new(m, "EUR", json_real(r4(v[1])));
    return m;
}

static void scan(const cxs_world *w, totals *t)
{
    size_t nc;
    const cxs_customer *cs = cxs_customers(&nc);
    cxs_iter it;
    cxs_iter_init(&it, w, INT64_MIN / 2, INT64_MAX / 2, false);
    uint32_t pos;
    cxs_cdr c;
    int64_t now = cxs_world_now(w);
    while (cxs_iter_next(&it, &pos)) {
        if (cxs_cdr_get(w, pos, &c))
            continue;
        t->total++;
        t->connected += c.duration > 0;
        t->zero += c.duration == 0;
        t->duration += c.duration;
        if (c.sip_code >= 0 && c.sip_code < 700)
            t->codes[c.sip_code]++;
        t->routing_failures += c.sip_code == 503 || c.sip_code == 580;
        t->traced += now - c.dt < CXS_TRACE_RETENTION_S;
        t->rtcp += (c.flags & CXS_F_RTCP) && c.duration > 0;
        t->class5 += (c.flags & CXS_F_CLASS5) && c.sip_code == 200;
        t->ai += (c.flags & CXS_F_AI) && c.sip_code == 200;
        t->transcribed += (c.flags & CXS_F_TRANSCRIBE) && c.sip_code == 200;
        for (size_t i = 0; i < nc && i < MAX_CUST; i++) {
            if (cs[i].id != c.customer_id)
                continue;
            cust_acc *a = &t->cust[i];
            int ci = strcmp(c.customer_currency, "EUR") == 0;
            int pi = strcmp(c.provider_currency, "EUR") == 0;
            a->attempts++;
            a->connected += c.duration > 0;
            a->duration += c.duration;
            a->rev[ci] += c.customer_charge;
            a->has_rev[ci] = true;
            if (c.provider_id) {
                a->cost[pi] += c.provider_charge;
                a->has_cost[pi] = true;
            }
            a->profit += cxs_profit_usd(&c);
        }
    }
}

static json_t *customers_json(const totals *t, json_t **negative)
{
    size_t nc;
    const cxs_customer *cs = cxs_customers(&nc);
    json_t *a = json_array();
    *negative = json_null();
    for (size_t i = 0; i < nc && i < MAX_CUST; i++) {
        const cust_acc *x = &t->cust[i];
        double rev_usd = x->rev[0] + x->rev[1] * CXS_FX_EUR_USD;
        json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:f}", "id", cs[i].id,
                              "name", cs[i].name, "currency", cs[i].currency, "card_id",
                              cs[i].card_id, "attempts", (json_int_t)x->attempts, "connected",
                              (json_int_t)x->connected, "duration_s", (json_int_t)x->duration,
                              "revenue", money(x->rev, x->has_rev), "cost",
                              money(x->cost, x->has_cost), "profit_usd", r4(x->profit));
        json_object_set_new(o, "margin_pct", rev_usd > 0 ? json_real(round(x->profit / rev_usd * 10000) / 100)
                                                         : json_null());
        json_object_set_new(o, "credit", json_real(cs[i].credit));
        json_object_set_new(o, "debit_limit", json_real(cs[i].debit_limit));
        json_object_set_new(o, "can_make_calls", json_boolean(cs[i].credit + cs[i].debit_limit > 0));
        json_array_append_new(a, o);
        if (x->attempts && x->profit < 0 && json_is_null(*negative))
            *negative = json_pack("{s:i, s:s, s:f}", "id", cs[i].id, "name", cs[i].name,
                                  "profit_usd", r4(x->profit));
    }
    return a;
}

static json_t *call_json(const cxs_world *w, const cxs_cdr *c)
{
    char date[24];
    cxs_fmt_dt(c->dt, date);
    date[10] = '\0';
    return json_pack("{s:s, s:s, s:s, s:o, s:I, s:s, s:i, s:s, s:s, s:i, s:s, s:i, s:b}", "callid",
                     c->callid, "callidb", c->callidb, "bleg_callid", c->bleg_callid, "time",
                     iso(c->dt), "start_time", (json_int_t)c->dt, "date", date, "customer_id",
                     c->customer_id, "cli", c->source_cli, "dest_number", c->dest_number,
                     "sip_code", c->sip_code, "sip_reason", c->sip_reason, "duration",
                     c->duration, "has_trace",
                     cxs_world_now(w) - c->dt < CXS_TRACE_RETENTION_S);
}

static json_t *scenarios_json(const cxs_world *w)
{
    json_t *o = json_object();
    cxs_cdr c;
    for (int sc = 0; sc < CXS_SC_COUNT; sc++) {
        if (cxs_cdr_scenario(w, (cxs_scenario)sc, &c))
            continue;
        json_t *j = call_json(w, &c);
        if (sc == CXS_SC_SLOW_PDD)
            json_object_set_new(j, "pdd_ms", json_integer(c.pdd_in));
        if (sc == CXS_SC_RETRANS)
            json_object_set_new(j, "invite_copies", json_integer(3));
        if (sc == CXS_SC_NAT)
            json_object_set_new(j, "private_ip", json_string("192.168.1.20"));
        if (sc == CXS_SC_ANYEDGE)
            json_object_set_new(j, "anyedge_host", json_string("anyedge-lon1.sim.connexcs.net"));
        json_object_set_new(o, cxs_scenario_name((cxs_scenario)sc), j);
    }
    return o;
}

/* The scripted calls between t0 and t1 of one customer. */
static json_t *script_calls(const cxs_world *w, int64_t t0, int64_t t1, int customer,
                            const char *prefix)
{
    json_t *a = json_array();
    cxs_iter it;
    cxs_iter_init(&it, w, t0, t1, false);
    uint32_t pos;
    cxs_cdr c;
    while (cxs_iter_next(&it, &pos)) {
        if (pos < CXS_SCRIPT_BASE || cxs_cdr_get(w, pos, &c))
            continue;
        if ((customer && c.customer_id != customer) ||
            strncmp(c.dest_number, prefix, strlen(prefix)) != 0)
            continue;
        json_array_append_new(a, call_json(w, &c));
    }
    return a;
}

static json_t *burst_json(const cxs_world *w)
{
    int64_t t0 = cxs_burst_start(w), t1 = t0 + (CXS_BURST_CALLS - 1) * CXS_BURST_STEP;
    json_t *calls = script_calls(w, t0, t1, 0, CXS_BURST_PREFIX);
    json_t *first = json_array_get(calls, 0);
    json_t *o = json_pack("{s:s, s:s, s:i, s:o, s:o, s:I, s:I, s:i, s:s, s:[i,i], s:O}", "prefix",
                          CXS_BURST_PREFIX, "dest_name", "Nigeria - Mobile", "count",
                          CXS_BURST_CALLS, "start", iso(t0), "end", iso(t1), "start_time",
                          (json_int_t)t0, "end_time", (json_int_t)t1, "sip_code", 503,
                          "sip_reason", "No Routes Available (Pre)", "customers", 1001, 1003,
                          "first_callid", json_object_get(first, "callid"));
    json_object_set_new(o, "cards_missing_prefix", json_pack("[s,s]", "AcmE-R8T1", "AdCm-EU04"));
    json_object_set_new(o, "draft_revision_with_prefix",
                        json_pack("{s:s, s:i}", "card_id", "AcmE-R8T1", "rev", 3));
    json_decref(calls);
    return o;
}

static json_t *zero_json(const cxs_world *w)
{
    int64_t t0 = cxs_zero_start(w), t1 = t0 + (CXS_ZERO_CALLS - 1) * CXS_ZERO_STEP;
    json_t *calls = script_calls(w, t0, t1, CXS_ZERO_CUSTOMER, CXS_ZERO_NUMBER);
    json_t *ids = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(calls, i, v)
        json_array_append(ids, json_object_get(v, "callid"));
    json_decref(calls);
    return json_pack("{s:i, s:s, s:s, s:i, s:o, s:o, s:I, s:I, s:i, s:i, s:{s:i, s:i}, s:o}",
                     "customer_id", CXS_ZERO_CUSTOMER, "number", CXS_ZERO_NUMBER,
                     "source_dest_number", "00" CXS_ZERO_NUMBER, "count", CXS_ZERO_CALLS,
                     "first", iso(t0), "last", iso(t1), "first_time", (json_int_t)t0, "last_time",
                     (json_int_t)t1, "window_s", (int)(t1 - t0), "dominant_sip_code", 480,
                     "sip_codes", "480", CXS_ZERO_CALLS - 2, "487", 2, "callids", ids);
}

static json_t *dup_json(const cxs_world *w)
{
    int64_t t0 = cxs_dup_start(w), t1 = t0 + (CXS_DUP_CALLS - 1) * 600;
    json_t *calls = script_calls(w, t0, t1, CXS_DUP_CUSTOMER, "4444");
    json_t *nums = json_array(), *ids = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(calls, i, v) {
        json_array_append(nums, json_object_get(v, "dest_number"));
        json_array_append(ids, json_object_get(v, "callid"));
    }
    json_decref(calls);
    return json_pack("{s:i, s:s, s:s, s:i, s:o, s:o, s:i, s:s, s:o, s:{s:s, s:i, s:s, s:i}}",
                     "customer_id", CXS_DUP_CUSTOMER, "country_code", "44", "pattern", "4444",
                     "count", CXS_DUP_CALLS, "numbers", nums, "callids", ids, "sip_code", 404,
                     "sip_reason", "Not Found", "first", iso(t0), "rate_card", "card_id",
                     "AdCm-EU04", "rev", 4, "prefix", "447", "occurrences", 2);
}

static json_t *cards_json(void)
{
    size_t n;
    const cxs_card *cs = cxs_cards(&n);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        cxs_rule *r = NULL;
        long k = cxs_card_rules(&cs[i], cs[i].active_rev, &r);
        free(r);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:I}", "card_id",
                                           cs[i].id, "direction", cs[i].direction, "currency",
                                           cs[i].currency, "owner_id", cs[i].owner_id,
                                           "active_rev", cs[i].active_rev, "revisions",
                                           cs[i].nrevs, "active_rules", (json_int_t)k));
    }
    return a;
}

static long cards_big_rules(void)
{
    const cxs_card *c = cxs_card_by_id("PrV1-USD1");
    cxs_rule *r = NULL;
    long n = cxs_card_rules(c, c ? c->active_rev : 0, &r);
    free(r);
    return n;
}

json_t *cxs_truth_json(const cxs_world *w)
{
    totals *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    scan(w, t);
    json_t *codes = json_object();
    for (int k = 0; k < 700; k++)
        if (t->codes[k]) {
            char key[8];
            snprintf(key, sizeof key, "%d", k);
            json_object_set_new(codes, key, json_integer(t->codes[k]));
        }
    json_t *neg;
    json_t *cust = customers_json(t, &neg);
    json_t *cdr = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "total",
        (json_int_t)t->total, "base", (json_int_t)cxs_world_base_count(w), "scripted",
        (json_int_t)cxs_world_script_count(w), "connected", (json_int_t)t->connected, "failed",
        (json_int_t)(t->total - t->connected), "zero_duration", (json_int_t)t->zero,
        "total_duration_s", (json_int_t)t->duration, "by_sip_code", codes, "routing_failures",
        (json_int_t)t->routing_failures, "traced_calls", (json_int_t)t->traced, "rtcp_calls",
        (json_int_t)t->rtcp, "class5_calls", (json_int_t)t->class5, "ai_agent_calls",
        (json_int_t)t->ai, "transcribed_calls", (json_int_t)t->transcribed);
    free(t);
    int64_t now = cxs_world_now(w);
    return json_pack("{s:o, s:I, s:o, s:I, s:i, s:o, s:o, s:[i,i,i], s:o, s:[s,s], s:f, s:s, "
                     "s:o, s:o, s:o, s:o, s:o, s:{s:s, s:I}, s:i, s:i, s:i, s:s}",
                     "now", iso(now), "now_unix", (json_int_t)now, "window_start",
                     iso(cxs_world_start(w)), "window_start_unix",
                     (json_int_t)cxs_world_start(w), "days", CXS_DAYS, "cdr", cdr, "customers",
                     cust, "customers_named_test", 1002, 1005, 1006,
                     "negative_margin_customer", neg, "currencies", "USD", "EUR", "fx_eur_usd",
                     CXS_FX_EUR_USD, "account_currency", "USD", "scenarios", scenarios_json(w),
                     "no_route_burst", burst_json(w), "zero_duration_repeats", zero_json(w),
                     "dial_prefix_duplication", dup_json(w), "rate_cards", cards_json(),
                     "big_rate_card", "card_id", "PrV1-USD1", "rules",
                     (json_int_t)cards_big_rules(), "log_search_cap", 200,
                     "trace_retention_days", 7, "cdr_limit_max", 5000, "switch_ip",
                     CXS_SWITCH_IP);
}
