/* Every ConnexCS tool and diagnostic against the simulator, asserting the answers against the
 * seed's ground truth (/_sim/truth) and the exact upstream requests from its request log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/http.h"
#include "harness.h"

static cxh_sim g_sim;
static mcp_server *g_srv;
static json_t *g_truth;

static json_t *call(const char *tool, const char *fmt, ...)
{
    char args[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    json_t *r = cxh_call(g_srv, tool, args);
    if (cxh_is_error(r) || json_object_get(r, "rpc_error")) {
        char *t = cxh_text(r);
        print_error("%s %s -> %s\n", tool, args, t ? t : "rpc error");
        free(t);
    }
    return r;
}

static const char *truth_str(const char *path) { return cxh_str(g_truth, path); }

/* The request log since the last clear, then cleared. */
static json_t *log_take(void)
{
    json_t *l = cxh_requests(&g_sim);
    cxh_clear_log(&g_sim);
    return l;
}

static bool money_eq(double a, double b) { return fabs(a - b) < 0.006; }

static int setup(void **state)
{
    (void)state;
    if (cxh_sim_start(&g_sim, NULL) != 0)
        return -1;
    cxh_env(&g_sim, NULL);
    g_srv = cxh_server();
    g_truth = cxh_sim_get(&g_sim, "/_sim/truth");
    return g_srv && g_truth ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(g_truth);
    mcp_server_free(g_srv, 5000);
    cxh_sim_stop(&g_sim);
    return 0;
}

/* ---- call logs and CDRs ------------------------------------------------------------------ */

static void test_search_call_logs(void **state)
{
    (void)state;
    cxh_clear_log(&g_sim);
    const char *cid = truth_str("scenarios/normal/callid");
    json_t *r = call("searchCallLogs", "{\"search\":\"%s\"}", cid);
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/result_count"), 1);
    assert_string_equal(cxh_str(r, "structuredContent/calls/0/routing/callid"), cid);
    json_t *l = log_take();
    assert_int_equal(json_array_size(l), 1);
    char want[256]; /* '@' is percent-encoded in the query */
    snprintf(want, sizeof want, "/api/cp/log?s=%.*s%%40", (int)(strchr(cid, '@') - cid), cid);
    assert_non_null(strstr(cxh_str(l, "0/target"), want));
    json_decref(l);
    json_decref(r);

    r = call("searchCallLogs", "{\"search\":\"44\"}"); /* matches most calls: the 200 cap holds */
    assert_int_equal(cxh_int(r, "structuredContent/result_count"), cxh_int(g_truth, "log_search_cap"));
    assert_true(json_is_true(cxh_at(r, "structuredContent/capped")));
    assert_true(json_array_size(cxh_at(r, "structuredContent/calls")) <= 200);
    json_decref(r);
}

static void test_search_cdr_request(void **state)
{
    (void)state;
    cxh_clear_log(&g_sim);
    const char *cli = truth_str("scenarios/normal/cli");
    json_t *r = call("searchCdr", "{\"start_date\":\"%s\",\"cli\":\"%s\",\"customer_id\":1001,\"limit\":0}",
                     truth_str("scenarios/normal/date"), cli);
    assert_false(cxh_is_error(r));
    json_t *recs = cxh_at(r, "structuredContent/records");
    assert_true(json_array_size(recs) >= 1);
    for (size_t i = 0; i < json_array_size(recs); i++)
        assert_string_equal(cxh_str(json_array_get(recs, i), "dest_cli"), cli);
    json_t *l = log_take();
    assert_int_equal(cxh_count(l, "POST", "/api/cp/cdr"), 1);
    json_t *body = json_loads(cxh_str(l, "0/body"), 0, NULL);
    assert_int_equal(cxh_int(body, "limit"), 1000); /* 0 means 1000 */
    char want[64];
    snprintf(want, sizeof want, "%s 00:00:00", truth_str("scenarios/normal/date"));
    assert_string_equal(cxh_str(body, "where/rules/0/field"), "dt");
    assert_string_equal(cxh_str(body, "where/rules/0/condition"), ">=");
    assert_string_equal(cxh_str(body, "where/rules/0/data"), want);
    assert_string_equal(cxh_str(body, "where/rules/1/condition"), "<=");
    assert_string_equal(cxh_str(body, "where/rules/2/field"), "dest_cli");
    assert_string_equal(cxh_str(body, "where/rules/3/field"), "customer_id");
    assert_int_equal(cxh_int(body, "where/rules/3/data"), 1001);
    json_decref(body);
    json_decref(l);
    json_decref(r);
}

static void test_call_analytics_totals(void **state)
{
    (void)state;
    json_t *r = call("getCallAnalytics", "{\"start_date\":\"2026-01-30\",\"end_date\":\"2026-03-01\"}");
    json_t *s = cxh_at(r, "structuredContent/summary");
    assert_int_equal(cxh_int(s, "total_attempts"), cxh_int(g_truth, "cdr/total"));
    assert_int_equal(cxh_int(s, "successful_calls"), cxh_int(g_truth, "cdr/connected"));
    assert_int_equal(cxh_int(s, "failed_calls"), cxh_int(g_truth, "cdr/failed"));
    assert_true(cxh_num(s, "total_charges/USD") > 0 && cxh_num(s, "total_charges/EUR") > 0); /* never mixed */
    json_decref(r);

    /* cli and dst of the same call: counted once, never negative */
    const char *cli = truth_str("scenarios/normal/cli"), *dst = truth_str("scenarios/normal/dest_number");
    const char *day = truth_str("scenarios/normal/date");
    r = call("getCallAnalytics", "{\"start_date\":\"%s\",\"cli\":\"%s\",\"dst\":\"%s\"}", day, cli, dst);
    s = cxh_at(r, "structuredContent/summary");
    long long att = cxh_int(s, "total_attempts"), okc = cxh_int(s, "successful_calls"), bad = cxh_int(s, "failed_calls");
    assert_true(att >= 1 && okc >= 1 && bad >= 0);
    assert_int_equal(att, okc + bad);
    /* the expected union of Call-IDs, computed independently from the two log searches + CDR */
    json_t *ids = json_object();
    const char *terms[2] = {cli, dst};
    time_t d0 = (time_t)cxh_int(g_truth, "scenarios/normal/start_time");
    d0 -= d0 % 86400;
    for (int t = 0; t < 2; t++) {
        json_t *lg = call("searchCallLogs", "{\"search\":\"%s\"}", terms[t]);
        json_t *calls = cxh_at(lg, "structuredContent/calls");
        for (size_t i = 0; i < json_array_size(calls); i++) {
            long long st = cxh_int(json_array_get(calls, i), "routing/start_time");
            if (st >= d0 && st < d0 + 86400)
                json_object_set_new(ids, cxh_str(json_array_get(calls, i), "routing/callid"), json_true());
        }
        json_decref(lg);
    }
    json_t *cdr = call("searchCdr", "{\"start_date\":\"%s\",\"cli\":\"%s\",\"dst\":\"%s\"}", day, cli, dst);
    json_t *recs = cxh_at(cdr, "structuredContent/records");
    for (size_t i = 0; i < json_array_size(recs); i++)
        json_object_set_new(ids, cxh_str(json_array_get(recs, i), "callid"), json_true());
    assert_int_equal(att, (long long)json_object_size(ids));
    json_decref(cdr);
    json_decref(ids);
    json_decref(r);
}

/* ---- traces ------------------------------------------------------------------------------ */

static json_t *trace_of(const char *scenario)
{
    char p[96];
    snprintf(p, sizeof p, "scenarios/%s/callid", scenario);
    return call("getSipTrace", "{\"callid\":\"%s\"}", truth_str(p));
}

static bool has_issue(json_t *issues, const char *needle)
{
    for (size_t i = 0; i < json_array_size(issues); i++)
        if (strstr(json_string_value(json_array_get(issues, i)), needle))
            return true;
    return false;
}

static void test_trace_scenarios(void **state)
{
    (void)state;
    cxh_clear_log(&g_sim);
    json_t *r = trace_of("auth_407");
    json_t *a = cxh_at(r, "structuredContent/analysis");
    assert_true(json_is_true(cxh_at(a, "call_connected")));
    assert_true(json_is_true(cxh_at(a, "auth_required")));
    assert_int_equal(cxh_int(a, "retransmissions"), 0); /* the re-INVITE with credentials is not one */
    assert_false(has_issue(cxh_at(a, "issues"), "retransmission"));
    assert_true(json_is_null(cxh_at(a, "final_response")));
    assert_non_null(strstr(cxh_str(r, "structuredContent/ladder/text"), "407"));
    assert_int_equal(strncmp(cxh_str(r, "structuredContent/ladder/mermaid"), "sequenceDiagram", 15), 0);
    assert_true(cxh_text_has(r, "407"));
    json_t *l = log_take();
    assert_int_equal(cxh_count(l, "GET", "/api/cp/log/trace?callid="), 1);
    json_decref(l);
    json_decref(r);

    r = trace_of("nat");
    a = cxh_at(r, "structuredContent/analysis");
    assert_true(json_is_true(cxh_at(a, "nat_detected")));
    assert_true(has_issue(cxh_at(a, "nat_rules"), "X-CX-NAT"));
    assert_true(has_issue(cxh_at(a, "nat_rules"), "Contact"));
    json_decref(r);

    r = trace_of("invite_retransmission");
    a = cxh_at(r, "structuredContent/analysis");
    assert_int_equal(cxh_int(a, "retransmissions"), 2);
    assert_true(has_issue(cxh_at(a, "issues"), "3 copies"));
    json_decref(r);

    r = trace_of("pdd_over_5s");
    a = cxh_at(r, "structuredContent/analysis");
    assert_true(fabs(cxh_num(a, "pdd_ms") - (double)cxh_int(g_truth, "scenarios/pdd_over_5s/pdd_ms")) < 20);
    assert_true(has_issue(cxh_at(a, "issues"), "High Post-Dial Delay"));
    json_decref(r);

    r = trace_of("no_route_503");
    a = cxh_at(r, "structuredContent/analysis");
    assert_false(json_is_true(cxh_at(a, "call_connected"))); /* a failed call is never connected */
    assert_int_equal(cxh_int(a, "final_response/code"), 503);
    assert_string_equal(cxh_str(a, "final_response/reason"), "No Routes Available (Pre)");
    json_decref(r);

    r = trace_of("sip_488");
    a = cxh_at(r, "structuredContent/analysis");
    assert_false(json_is_true(cxh_at(a, "call_connected")));
    assert_int_equal(cxh_int(a, "final_response/code"), 488);
    assert_string_equal(cxh_str(a, "codecs/0"), "G729");
    json_decref(r);

    r = trace_of("anyedge");
    assert_true(strlen(cxh_str(r, "structuredContent/analysis/anyedge_host")) > 0);
    json_decref(r);

    r = trace_of("trace_expired"); /* 9 days old: kept 7 days */
    assert_false(cxh_is_error(r));
    assert_false(json_is_true(cxh_at(r, "structuredContent/found")));
    assert_true(json_array_size(cxh_at(r, "structuredContent/suggestions")) > 0);
    json_decref(r);
}

static void test_ctrace_by_phone(void **state)
{
    (void)state;
    const char *num = truth_str("scenarios/no_route_580/dest_number");
    json_t *lg = call("searchCallLogs", "{\"search\":\"%s\"}", num);
    json_t *calls = cxh_at(lg, "structuredContent/calls");
    const char *newest = NULL;
    long long best = -1;
    for (size_t i = 0; i < json_array_size(calls); i++) {
        long long st = cxh_int(json_array_get(calls, i), "routing/start_time");
        if (st > best) {
            best = st;
            newest = cxh_str(json_array_get(calls, i), "routing/callid");
        }
    }
    assert_non_null(newest);
    cxh_clear_log(&g_sim);
    json_t *r = call("getCTrace", "{\"phone\":\"+%s\"}", num);
    assert_false(cxh_is_error(r));
    assert_string_equal(cxh_str(r, "structuredContent/resolved_from/callid"), newest);
    json_t *l = log_take();
    json_t *intl = call("getCTrace", "{\"phone\":\"00%.2s %s\"}", num, num + 2); /* 0044 20 ... */
    assert_string_equal(cxh_str(intl, "structuredContent/resolved_from/callid"), newest);
    json_decref(intl);
    json_t *nat = call("getCTrace", "{\"phone\":\"0%s\"}", num + 2); /* the national form 020 ... */
    assert_string_equal(cxh_str(nat, "structuredContent/resolved_from/callid"), newest);
    json_decref(nat);
    char want[64];
    snprintf(want, sizeof want, "/api/cp/log?s=%s", num);
    assert_string_equal(cxh_str(l, "0/target"), want);
    assert_non_null(strstr(cxh_str(l, "1/target"), "/api/cp/log/trace?callid="));
    json_decref(l);
    json_decref(r);
    json_decref(lg);
}

static void test_call_quality_shapes(void **state)
{
    (void)state;
    const char *cid = truth_str("scenarios/rtcp_poor/callid");
    json_t *r = call("getCallQuality", "{\"callid\":\"%s\"}", cid);
    assert_true(json_is_true(cxh_at(r, "structuredContent/has_rtcp"))); /* the real {processed, aggregate} */
    assert_string_equal(cxh_str(r, "structuredContent/shape"), "object");
    assert_string_equal(cxh_str(r, "structuredContent/summary/overall_quality"), "poor");
    assert_true(has_issue(cxh_at(r, "structuredContent/summary/issues"), "Low MOS"));
    assert_true(has_issue(cxh_at(r, "structuredContent/summary/issues"), "High jitter"));
    double mos = cxh_num(r, "structuredContent/summary/mos/avg");
    json_decref(r);
    assert_int_equal(cxh_sim_send(&g_sim, "POST", "/_sim/config", "{\"rtcp_shape\":\"array\"}"), 200);
    r = call("getCallQuality", "{\"callid\":\"%s\"}", cid);
    assert_string_equal(cxh_str(r, "structuredContent/shape"), "array");
    assert_true(fabs(cxh_num(r, "structuredContent/summary/mos/avg") - mos) < 0.01);
    json_decref(r);
    cxh_sim_send(&g_sim, "POST", "/_sim/config", "{\"rtcp_shape\":\"object\"}");
    r = call("getCallQuality", "{\"callid\":\"%s\"}", truth_str("scenarios/no_route_503/callid"));
    assert_false(json_is_true(cxh_at(r, "structuredContent/has_rtcp")));
    json_decref(r);
}

static void test_investigate_and_side_records(void **state)
{
    (void)state;
    json_t *r = call("investigateCall", "{\"callid\":\"%s\"}", truth_str("scenarios/class5_ivr/callid"));
    assert_string_equal(cxh_str(r, "structuredContent/call_type"), "class5");
    assert_true(json_array_size(cxh_at(r, "structuredContent/class5/records")) > 0);
    json_decref(r);
    r = call("investigateCall", "{\"callid\":\"%s\"}", truth_str("scenarios/rtcp_poor/callid"));
    assert_string_equal(cxh_str(r, "structuredContent/call_type"), "class4");
    const char *sum = cxh_str(r, "structuredContent/debug_summary");
    assert_non_null(strstr(sum, "→"));
    assert_non_null(strstr(sum, "Connected: Yes"));
    assert_non_null(strstr(sum, "Quality: POOR"));
    assert_true(has_issue(cxh_at(r, "structuredContent/issues"), "Low MOS"));
    json_decref(r);
    r = call("investigateCall", "{\"callid\":\"%s\"}", truth_str("scenarios/no_route_503/callid"));
    assert_non_null(strstr(cxh_str(r, "structuredContent/debug_summary"), "Failed: 503"));
    assert_non_null(strstr(cxh_str(r, "structuredContent/debug_summary"), "Connected: No"));
    json_decref(r);

    const char *ai = truth_str("scenarios/ai_agent/callid");
    r = call("getAiAgentLogs", "{\"callid\":\"%s\",\"date\":\"%s\"}", ai, truth_str("scenarios/ai_agent/date"));
    assert_true(json_is_true(cxh_at(r, "structuredContent/has_ai_agent")));
    assert_true(cxh_int(r, "structuredContent/log_count") > 0);
    json_decref(r);
    r = call("getAiAgentLogs", "{\"callid\":\"%s\",\"date\":\"2026-01-01\"}", ai);
    assert_false(json_is_true(cxh_at(r, "structuredContent/has_ai_agent")));
    json_decref(r);
    r = call("getTranscription", "{\"callid\":\"%s\"}", truth_str("scenarios/transcribed/callid"));
    assert_true(json_is_true(cxh_at(r, "structuredContent/has_transcription")));
    json_decref(r);
    r = call("getTranscription", "{\"callid\":\"%s\"}", truth_str("scenarios/no_route_503/callid"));
    assert_false(json_is_true(cxh_at(r, "structuredContent/has_transcription")));
    json_decref(r);
}

/* ---- customers and cards ----------------------------------------------------------------- */

static json_t *truth_customer(long long id)
{
    json_t *cs = cxh_at(g_truth, "customers");
    for (size_t i = 0; i < json_array_size(cs); i++)
        if (cxh_int(json_array_get(cs, i), "id") == id)
            return json_array_get(cs, i);
    return NULL;
}

static void test_customers(void **state)
{
    (void)state;
    json_t *r = call("searchCustomers", "{\"query\":\"test\"}"); /* auto -> name */
    json_t *want = cxh_at(g_truth, "customers_named_test");
    assert_string_equal(cxh_str(r, "structuredContent/search_type"), "name");
    assert_string_equal(cxh_str(r, "structuredContent/matchType"), "partial");
    assert_int_equal(cxh_int(r, "structuredContent/totalFound"), (long long)json_array_size(want));
    json_decref(r);
    r = call("searchCustomers", "{\"query\":\"1003\"}");
    assert_string_equal(cxh_str(r, "structuredContent/search_type"), "id");
    assert_string_equal(cxh_str(r, "structuredContent/customer/name"), cxh_str(truth_customer(1003), "name"));
    json_decref(r);
    cxh_clear_log(&g_sim);
    r = call("searchCustomers", "{\"query\":\"ACME\",\"search_type\":\"sip_user\"}");
    assert_string_equal(cxh_str(r, "structuredContent/matchType"), "partial");
    assert_int_equal(cxh_int(r, "structuredContent/totalFound"), 2);
    assert_int_equal(cxh_int(r, "structuredContent/matches/1/customer/id"), 1001);
    json_decref(r);
    json_t *l = log_take();
    assert_string_equal(cxh_str(l, "0/target"), "/api/cp/switch/user?_limit=1000");
    assert_string_equal(cxh_str(l, "1/target"), "/api/cp/customer/1001");
    json_decref(l);
    r = call("searchCustomers", "{\"query\":\"adam_fax\",\"search_type\":\"sip_user\"}");
    assert_string_equal(cxh_str(r, "structuredContent/matchType"), "exact");
    assert_int_equal(cxh_int(r, "structuredContent/customer/id"), 1003);
    assert_string_equal(cxh_str(r, "structuredContent/switchUser/username"), "adam_fax");
    json_decref(r);
    r = call("searchCustomers", "{\"query\":\"203.0.113.99\"}");
    assert_string_equal(cxh_str(r, "structuredContent/search_type"), "ips");
    assert_int_equal(cxh_int(r, "structuredContent/totalFound"), 2);
    json_decref(r);

    for (long long id = 1001; id <= 1006; id++) {
        json_t *t = truth_customer(id);
        r = call("getCustomerBalance", "{\"customer_id\":\"%lld\"}", id);
        assert_true(money_eq(cxh_num(r, "structuredContent/balance/credit"), cxh_num(t, "credit")));
        assert_true(money_eq(cxh_num(r, "structuredContent/balance/available_balance"),
                             cxh_num(t, "credit") + cxh_num(t, "debit_limit")));
        assert_int_equal(json_is_true(cxh_at(r, "structuredContent/call_capability/can_make_calls")),
                         json_is_true(cxh_at(t, "can_make_calls")));
        json_decref(r);
    }
    r = call("getLastTopup", "{\"customer_id\":\"1001\"}");
    assert_true(json_is_true(cxh_at(r, "structuredContent/success")));
    assert_true(cxh_num(r, "structuredContent/amount") > 0);
    json_decref(r);
    r = call("getLastTopup", "{\"customer_id\":\"1006\"}");
    assert_false(json_is_true(cxh_at(r, "structuredContent/success")));
    assert_true(cxh_text_has(r, "No payments found for customer 1006"));
    json_decref(r);
    r = call("getCustomerPackages", "{\"customerId\":\"1001\",\"type\":\"free-minutes\"}");
    json_t *pk = cxh_at(r, "structuredContent/packages");
    for (size_t i = 0; i < json_array_size(pk); i++)
        assert_true(cxh_num(json_array_get(pk, i), "remaining_minutes") >= 0);
    json_decref(r);
}

static void test_rate_cards(void **state)
{
    (void)state;
    json_t *r = call("getCustomerRateCards", "{\"customerId\":\"1001\"}");
    json_t *rows = cxh_at(r, "structuredContent/rateCards");
    size_t pseudo = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        const char *c = cxh_str(json_array_get(rows, i), "card_id");
        if (!strcmp(c, "internal") || !strncmp(c, "ip:", 3)) {
            pseudo++;
            assert_false(json_is_true(cxh_at(json_array_get(rows, i), "fetchable")));
        }
    }
    assert_int_equal(pseudo, 2);
    json_decref(r);
    json_t *cards = cxh_at(g_truth, "rate_cards");
    for (size_t i = 0; i < json_array_size(cards); i++) {
        json_t *t = json_array_get(cards, i);
        r = call("getRateCardDetails", "{\"rateCardId\":\"%s\"}", cxh_str(t, "card_id"));
        assert_int_equal(cxh_int(r, "structuredContent/data/active_rev"), cxh_int(t, "active_rev"));
        json_decref(r);
    }
    const char *big = truth_str("big_rate_card/card_id");
    long long total = cxh_int(g_truth, "big_rate_card/rules");
    cxh_clear_log(&g_sim);
    r = call("getRateCardRules", "{\"rateCardId\":\"%s\",\"activeRev\":\"1\",\"prefix_limit\":1000,\"offset\":%lld}",
             big, total - 27);
    assert_int_equal(cxh_int(r, "structuredContent/pagination/returned"), 27);
    assert_false(json_is_true(cxh_at(r, "structuredContent/pagination/hasMore")));
    json_t *l = log_take();
    char want[128];
    snprintf(want, sizeof want, "/api/cp/card/%s/rev/1/rule?limit=1000&offset=%lld", big, total - 27);
    assert_string_equal(cxh_str(l, "0/target"), want);
    json_decref(l);
    json_decref(r);
    r = call("getRateCardRules", "{\"rateCardId\":\"%s\",\"activeRev\":\"1\",\"prefix_limit\":50000}", big);
    assert_int_equal(cxh_int(r, "structuredContent/pagination/limit"), 10000); /* clamped */
    assert_int_equal(cxh_int(r, "structuredContent/pagination/returned"), total);
    json_decref(r);
    r = call("getRateCardRules", "{\"rateCardId\":\"%s\",\"activeRev\":\"1\",\"include_prefixes\":false}", big);
    assert_int_equal(cxh_int(r, "structuredContent/pagination/returned"), 0);
    json_decref(r);
}

static void test_rtp_servers(void **state)
{
    (void)state;
    json_t *r = call("listRtpServers", "{\"geozone\":\"us\"}");
    json_t *s = cxh_at(r, "structuredContent/servers");
    assert_true(json_array_size(s) > 0);
    assert_int_equal(cxh_int(r, "structuredContent/allServersCount"), 20);
    for (size_t i = 0; i < json_array_size(s); i++) {
        assert_non_null(strcasestr(cxh_str(json_array_get(s, i), "zone"), "us"));
        if (i)
            assert_true(strcasecmp(cxh_str(json_array_get(s, i - 1), "alias"), cxh_str(json_array_get(s, i), "alias")) <= 0);
    }
    json_decref(r);
    r = call("getRtpServerGroups", "{}");
    assert_int_equal(cxh_int(r, "structuredContent/group_count"), 10);
    json_decref(r);
}

/* ---- statistics -------------------------------------------------------------------------- */

static void test_profitability(void **state)
{
    (void)state;
    for (long long id = 1001; id <= 1005; id++) {
        json_t *t = truth_customer(id);
        json_t *r = call("getCustomerProfitability",
                         "{\"customer_id\":\"%lld\",\"start_date\":\"2026-01-30\",\"end_date\":\"2026-03-01\"}", id);
        json_t *m = cxh_at(r, "structuredContent/metrics");
        assert_int_equal(cxh_int(m, "total_attempts"), cxh_int(t, "attempts"));
        assert_int_equal(cxh_int(m, "total_connected"), cxh_int(t, "connected"));
        const char *k;
        json_t *v;
        json_object_foreach(cxh_at(t, "revenue"), k, v) assert_true(
            money_eq(json_number_value(json_object_get(cxh_at(m, "total_revenue"), k)), json_number_value(v)));
        json_object_foreach(cxh_at(t, "cost"), k, v) assert_true(
            money_eq(json_number_value(json_object_get(cxh_at(m, "total_cost"), k)), json_number_value(v)));
        json_decref(r);
    }
    /* the negative-margin customer shows a loss in its own currency */
    long long neg = cxh_int(g_truth, "negative_margin_customer/id");
    json_t *r = call("getCustomerProfitability", "{\"customer_id\":\"%lld\",\"group_by\":\"week\"}", neg);
    assert_true(cxh_num(r, "structuredContent/metrics/total_profit/USD") < 0);
    assert_true(json_array_size(cxh_at(r, "structuredContent/periods")) >= 4);
    json_decref(r);
    r = call("listCustomersByProfitability",
             "{\"start_date\":\"2026-01-30\",\"end_date\":\"2026-03-01\",\"sort_order\":\"asc\",\"limit\":2}");
    assert_int_equal(cxh_int(r, "structuredContent/customers/0/customer_id"), neg);
    assert_string_equal(cxh_str(r, "structuredContent/customers/0/customer_name"), truth_str("negative_margin_customer/name"));
    assert_true(json_is_true(cxh_at(r, "structuredContent/pagination/hasMore")));
    assert_int_equal(cxh_int(r, "structuredContent/pagination/total"), 5); /* 1006 has no traffic */
    json_decref(r);
}

static void test_call_and_destination_statistics(void **state)
{
    (void)state;
    json_t *t = truth_customer(1005);
    json_t *r = call("getCustomerCallStatistics",
                     "{\"company_id\":\"1005\",\"start_date\":\"2026-01-30\",\"end_date\":\"2026-03-01\"}");
    json_t *s = cxh_at(r, "structuredContent/statistics");
    assert_int_equal(cxh_int(s, "total_calls"), cxh_int(t, "attempts"));
    assert_int_equal(cxh_int(s, "connected_calls"), cxh_int(t, "connected")); /* failures with a code are not connected */
    assert_int_equal(cxh_int(s, "failed_calls"), cxh_int(t, "attempts") - cxh_int(t, "connected"));
    assert_int_equal(cxh_int(s, "total_duration"), cxh_int(t, "duration_s"));
    assert_true(money_eq(cxh_num(s, "profit_metrics/revenue/EUR"), cxh_num(t, "revenue/EUR")));
    json_decref(r);
    r = call("getCustomerDestinationStatistics",
             "{\"customer_id\":\"all\",\"start_date\":\"2026-01-30\",\"end_date\":\"2026-03-01\",\"limit\":500}");
    assert_int_equal(cxh_int(r, "structuredContent/summary/total_calls"), cxh_int(g_truth, "cdr/total"));
    assert_int_equal(cxh_int(r, "structuredContent/summary/successful_calls"), cxh_int(g_truth, "cdr/connected"));
    assert_int_equal(cxh_int(r, "structuredContent/limit"), 100); /* clamped */
    assert_true(json_array_size(cxh_at(r, "structuredContent/destinations")) <= 100);
    json_decref(r);
}

static void test_documentation(void **state)
{
    (void)state;
    json_t *r = call("searchDocumentation", "{\"query\":\"no route\",\"limit\":2}");
    assert_true(cxh_int(r, "structuredContent/data/displayedResults") <= 2);
    const char *link = cxh_str(r, "structuredContent/data/results/0/link");
    assert_true(strlen(link) > 0);
    json_t *d = call("getDocumentation", "{\"path\":\"%s\"}", link);
    assert_true(strlen(cxh_str(d, "structuredContent/data/title")) > 0);
    assert_null(strstr(cxh_str(d, "structuredContent/data/content"), "<details"));
    assert_true(strlen(cxh_str(d, "structuredContent/data/content")) <= 3000 + 32);
    json_decref(d);
    json_decref(r);
}

/* ---- diagnostics ------------------------------------------------------------------------- */

static void test_call_report(void **state)
{
    (void)state;
    cxh_clear_log(&g_sim);
    json_t *r = call("getCallReport", "{}");
    json_t *s = cxh_at(r, "structuredContent/summary");
    assert_int_equal(cxh_int(s, "attempts"), cxh_int(g_truth, "cdr/total"));
    assert_int_equal(cxh_int(s, "answered"), cxh_int(g_truth, "cdr/connected"));
    assert_int_equal(cxh_int(s, "active_customers"), 5);
    assert_int_equal(cxh_int(r, "structuredContent/routing_failures/count"), cxh_int(g_truth, "cdr/routing_failures"));
    /* revenue per currency = the sum of the customers' revenue in that currency */
    double usd = 0, eur = 0, cusd = 0, ceur = 0; /* each charge in its own currency, never converted */
    json_t *cs = cxh_at(g_truth, "customers");
    for (size_t i = 0; i < json_array_size(cs); i++) {
        json_t *rv = cxh_at(json_array_get(cs, i), "revenue"), *co = cxh_at(json_array_get(cs, i), "cost");
        usd += json_number_value(json_object_get(rv, "USD"));
        eur += json_number_value(json_object_get(rv, "EUR"));
        cusd += json_number_value(json_object_get(co, "USD"));
        ceur += json_number_value(json_object_get(co, "EUR"));
    }
    json_t *money = cxh_at(r, "structuredContent/money");
    size_t seen = 0;
    for (size_t i = 0; i < json_array_size(money); i++) {
        const char *cur = cxh_str(json_array_get(money, i), "currency");
        double rev = cxh_num(json_array_get(money, i), "revenue");
        double cost = cxh_num(json_array_get(money, i), "cost");
        if (!strcmp(cur, "USD"))
            seen++, assert_true(money_eq(rev, usd) && money_eq(cost, cusd));
        if (!strcmp(cur, "EUR"))
            seen++, assert_true(money_eq(rev, eur) && money_eq(cost, ceur));
    }
    assert_int_equal(seen, 2);
    assert_string_equal(cxh_str(r, "structuredContent/top_customers/0/name"), cxh_str(truth_customer(1001), "name"));
    assert_null(cxh_at(r, "structuredContent/top_customers/0/revenue")); /* no single-currency total */
    json_t *top = cxh_at(r, "structuredContent/top_calls_by_revenue/USD");
    assert_int_equal(json_array_size(top), 5);
    for (size_t i = 1; i < json_array_size(top); i++)
        assert_true(cxh_num(json_array_get(top, i - 1), "revenue") >= cxh_num(json_array_get(top, i), "revenue"));
    json_t *l = log_take();
    assert_int_equal(cxh_count(l, "POST", "/api/cp/cdr"), (size_t)cxh_int(r, "structuredContent/fetch/upstream_requests"));
    json_t *body = json_loads(cxh_str(l, "0/body"), 0, NULL);
    assert_string_equal(cxh_str(body, "where/rules/0/data"), "2026-01-30 12:00:00");
    assert_string_equal(cxh_str(body, "order/0/direction"), "ASC");
    json_decref(body);
    json_decref(l);
    json_decref(r);
}

static void test_switch_health(void **state)
{
    (void)state;
    json_t *r = call("getSwitchHealth", "{\"hours\":720,\"asr_min\":90}");
    assert_int_equal(cxh_int(r, "structuredContent/kpis/attempts"), cxh_int(g_truth, "cdr/total"));
    assert_string_equal(cxh_str(r, "structuredContent/status"), "degraded");
    json_t *flags = cxh_at(r, "structuredContent/flags");
    bool low_asr = false;
    for (size_t i = 0; i < json_array_size(flags); i++)
        low_asr |= !strcmp(cxh_str(json_array_get(flags, i), "flag"), "low_asr");
    assert_true(low_asr);
    json_decref(r);
    r = call("getSwitchHealth", "{\"hours\":720,\"pdd_max_ms\":1000}");
    flags = cxh_at(r, "structuredContent/flags");
    bool pdd = false;
    for (size_t i = 0; i < json_array_size(flags); i++)
        pdd |= !strcmp(cxh_str(json_array_get(flags, i), "flag"), "high_pdd");
    assert_true(pdd);
    assert_true(cxh_num(r, "structuredContent/kpis/pdd_avg_ms") > 1000);
    json_decref(r);
    r = call("getSwitchHealth", "{\"hours\":720,\"share_5xx_max\":1}");
    flags = cxh_at(r, "structuredContent/flags");
    bool found = false;
    for (size_t i = 0; i < json_array_size(flags); i++)
        if (!strcmp(cxh_str(json_array_get(flags, i), "flag"), "high_5xx")) {
            found = true;
            assert_true(json_array_size(cxh_at(json_array_get(flags, i), "evidence")) > 0);
        }
    assert_true(found); /* 41 of 3067 are 503/580 */
    json_decref(r);
}

static bool in_array(json_t *arr, const char *s)
{
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (!strcmp(json_string_value(json_array_get(arr, i)), s))
            return true;
    return false;
}

static void test_zero_duration_repeats(void **state)
{
    (void)state;
    json_t *r = call("findZeroDurationRepeats", "{}");
    assert_int_equal(cxh_int(r, "structuredContent/finding_count"), 1);
    json_t *f = cxh_at(r, "structuredContent/findings/0");
    assert_int_equal(cxh_int(f, "count"), cxh_int(g_truth, "zero_duration_repeats/count"));
    assert_non_null(strstr(cxh_str(f, "key"), truth_str("zero_duration_repeats/number")));
    json_t *ev = cxh_at(f, "evidence");
    assert_true(json_array_size(ev) > 0);
    for (size_t i = 0; i < json_array_size(ev); i++)
        assert_true(in_array(cxh_at(g_truth, "zero_duration_repeats/callids"), cxh_str(json_array_get(ev, i), "call_id")));
    json_decref(r);
    r = call("findZeroDurationRepeats", "{\"window_minutes\":1}"); /* 52 s apart: 2 per minute */
    assert_int_equal(cxh_int(r, "structuredContent/finding_count"), 0);
    json_decref(r);
}

static void test_routing_gaps(void **state)
{
    (void)state;
    json_t *r = call("findRoutingGaps", "{}");
    assert_int_equal(cxh_int(r, "structuredContent/finding_count"), 1);
    json_t *f = cxh_at(r, "structuredContent/findings/0");
    assert_int_equal(cxh_int(f, "count"), cxh_int(g_truth, "no_route_burst/count"));
    assert_non_null(strstr(cxh_str(f, "key"), "2348"));
    json_t *cards = cxh_at(r, "structuredContent/rate_card_check/0/rate_cards");
    json_t *missing = cxh_at(g_truth, "no_route_burst/cards_missing_prefix");
    size_t uncovered = 0;
    for (size_t i = 0; i < json_array_size(cards); i++)
        if (!json_is_true(cxh_at(json_array_get(cards, i), "covered"))) {
            uncovered++;
            assert_true(in_array(missing, cxh_str(json_array_get(cards, i), "card_id")));
        }
    assert_int_equal(uncovered, json_array_size(missing));
    json_decref(r);
}

static void test_prefix_duplication(void **state)
{
    (void)state;
    json_t *r = call("findDialPrefixDuplication", "{}");
    assert_int_equal(cxh_int(r, "structuredContent/finding_count"), 1);
    json_t *f = cxh_at(r, "structuredContent/findings/0");
    assert_int_equal(cxh_int(f, "count"), cxh_int(g_truth, "dial_prefix_duplication/count"));
    json_t *ev = cxh_at(f, "evidence");
    for (size_t i = 0; i < json_array_size(ev); i++)
        assert_true(in_array(cxh_at(g_truth, "dial_prefix_duplication/callids"), cxh_str(json_array_get(ev, i), "call_id")));
    json_t *d = cxh_at(r, "structuredContent/rate_card_duplicates/0");
    assert_string_equal(cxh_str(d, "card_id"), truth_str("dial_prefix_duplication/rate_card/card_id"));
    assert_string_equal(cxh_str(d, "prefix"), truth_str("dial_prefix_duplication/rate_card/prefix"));
    assert_int_equal(cxh_int(d, "occurrences"), cxh_int(g_truth, "dial_prefix_duplication/rate_card/occurrences"));
    json_decref(r);
}

static void test_no_route_failures(void **state)
{
    (void)state;
    json_t *r = call("findNoRouteFailures", "{}");
    assert_int_equal(cxh_int(r, "structuredContent/total"), cxh_int(g_truth, "cdr/routing_failures"));
    json_t *g0 = cxh_at(r, "structuredContent/groups/0");
    assert_int_equal(cxh_int(g0, "count"), cxh_int(g_truth, "no_route_burst/count"));
    assert_string_equal(cxh_str(g0, "sip_reason"), truth_str("no_route_burst/sip_reason"));
    assert_non_null(strstr(cxh_str(g0, "explanation"), "rate-card"));
    assert_string_equal(cxh_str(g0, "evidence/0/callid"), truth_str("no_route_burst/first_callid"));
    assert_int_equal(cxh_int(r, "structuredContent/groups/1/sip_code"), 580);
    json_decref(r);
}

/* Many pages: the keyset paging on dt feeds every row exactly once. */
static void test_report_paging(void **state)
{
    (void)state;
    cxh_sim big;
    const char *const extra[] = {"--cdr-count", "14000", NULL};
    assert_int_equal(cxh_sim_start(&big, extra), 0);
    cxh_env(&big, NULL);
    mcp_server *srv = cxh_server();
    json_t *truth = cxh_sim_get(&big, "/_sim/truth");
    json_t *r = cxh_call(srv, "getCallReport", "{}");
    assert_int_equal(cxh_int(r, "structuredContent/summary/attempts"), cxh_int(truth, "cdr/total"));
    assert_int_equal(cxh_int(r, "structuredContent/summary/answered"), cxh_int(truth, "cdr/connected"));
    assert_true(cxh_int(r, "structuredContent/fetch/pages") >= 3);
    assert_false(json_is_true(cxh_at(r, "structuredContent/fetch/partial")));
    json_decref(r);
    json_decref(truth);
    mcp_server_free(srv, 5000);
    cxh_sim_stop(&big);
    cxh_env(&g_sim, NULL);
}

/* The exact upstream requests of each tool, as data: the tool, its arguments, and the request
 * lines (method and raw target) the simulator logged, in order. {cid} is the normal scenario's
 * Call-ID, percent-encoded as the tools must send it. */
static const struct {
    const char *tool, *args;
    const char *reqs[4];
} exact[] = {
    {"getCustomerBalance", "{\"customer_id\":\"1001\"}", {"GET /api/cp/customer/1001"}},
    {"getLastTopup", "{\"customer_id\":\"1001\"}",
     {"GET /api/cp/payment?s=&company_id=1001&_startRow=0&_endRow=100&_pivotMode=false"
      "&_sortModel%5B0%5D%5Bsort%5D=desc&_sortModel%5B0%5D%5BcolId%5D=payment.payment_time"}},
    {"getCustomerPackages", "{\"customerId\":\"1001\"}", {"GET /api/cp/package?s=&company_id=1001"}},
    {"getCustomerRateCards", "{\"customerId\":\"1001\"}", {"GET /api/cp/routing?s=&company_id=1001"}},
    {"getRateCardDetails", "{\"rateCardId\":\"AcmE-R8T1\"}", {"GET /api/cp/card/AcmE-R8T1"}},
    {"getRateCardRules", "{\"rateCardId\":\"AcmE-R8T1\",\"activeRev\":\"2\",\"prefix_limit\":50}",
     {"GET /api/cp/card/AcmE-R8T1/rev/2/rule?limit=50&offset=0"}},
    {"getRtpServerGroups", "{}", {"GET /api/cp/setup/server/rtp-group"}},
    {"listRtpServers", "{\"zone\":\"London\"}", {"GET /api/cp/setup/rtp"}},
    {"getTranscription", "{\"callid\":\"{cidraw}\"}", {"GET /api/cp/transcribe?s={cid}"}},
    {"getAiAgentLogs", "{\"callid\":\"{cidraw}\",\"date\":\"2026-02-28\"}",
     {"GET /api/cp/log/ai-agent?callid={cid}&d=2026-02-28"}},
    {"getCallQuality", "{\"callid\":\"{cidraw}\"}", {"GET /api/cp/log/rtcp?callid={cid}"}},
    {"investigateCall", "{\"callid\":\"{cidraw}\"}",
     {"GET /api/cp/log/trace?callid={cid}", "GET /api/cp/log/class5?callid={cid}", "GET /api/cp/log/rtcp?callid={cid}"}},
    {"searchCustomers", "{\"query\":\"Adam\"}", {"GET /api/cp/customer?s=&name=Adam"}},
    {"searchCustomers", "{\"query\":\"nobody\",\"search_type\":\"sip_user\"}", {"GET /api/cp/switch/user?_limit=1000"}},
    {"searchDocumentation", "{\"query\":\"rate card\"}", {"GET /api/cp/docs?s=rate%20card"}},
    {"getDocumentation", "{\"path\":\"guides/none\"}", {"GET /api/cp/docs/guides/none", "GET /api/cp/docs/guides/none.md"}},
    {"getCustomerCallStatistics", "{\"company_id\":\"1005\"}", {"POST /api/cp/cdr", "GET /api/cp/invoice/billed?company_id=1005"}},
};

static char *subst(const char *tmpl, const char *cid, const char *cidraw)
{
    char *out = malloc(2048);
    size_t o = 0;
    for (const char *p = tmpl; *p && o < 1800;) {
        if (!strncmp(p, "{cid}", 5)) {
            o += (size_t)snprintf(out + o, 2048 - o, "%s", cid);
            p += 5;
        } else if (!strncmp(p, "{cidraw}", 8)) {
            o += (size_t)snprintf(out + o, 2048 - o, "%s", cidraw);
            p += 8;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

static void test_exact_requests(void **state)
{
    (void)state;
    const char *raw = truth_str("scenarios/normal/callid");
    char cid[256];
    size_t k = 0;
    for (const char *p = raw; *p && k < 240; p++) {
        if (*p == '@') {
            memcpy(cid + k, "%40", 3);
            k += 3;
        } else {
            cid[k++] = *p;
        }
    }
    cid[k] = '\0';
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        cxh_clear_log(&g_sim);
        char *args = subst(exact[i].args, cid, raw);
        json_t *r = call(exact[i].tool, "%s", args);
        json_decref(r);
        json_t *l = log_take();
        size_t n = 0;
        for (; n < 4 && exact[i].reqs[n]; n++) {
            char *want = subst(exact[i].reqs[n], cid, raw);
            char got[2200];
            snprintf(got, sizeof got, "%s %s", cxh_str(json_array_get(l, n), "method"),
                     cxh_str(json_array_get(l, n), "target"));
            if (strcmp(got, want)) {
                print_error("%s %s request %zu:\n  want %s\n  got  %s\n", exact[i].tool, args, n, want, got);
                fail();
            }
            free(want);
        }
        assert_int_equal(json_array_size(l), n);
        json_decref(l);
        free(args);
    }
}

int main(void)
{
    cn_http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_call_logs),
        cmocka_unit_test(test_search_cdr_request),
        cmocka_unit_test(test_call_analytics_totals),
        cmocka_unit_test(test_trace_scenarios),
        cmocka_unit_test(test_ctrace_by_phone),
        cmocka_unit_test(test_call_quality_shapes),
        cmocka_unit_test(test_investigate_and_side_records),
        cmocka_unit_test(test_customers),
        cmocka_unit_test(test_rate_cards),
        cmocka_unit_test(test_rtp_servers),
        cmocka_unit_test(test_profitability),
        cmocka_unit_test(test_call_and_destination_statistics),
        cmocka_unit_test(test_documentation),
        cmocka_unit_test(test_call_report),
        cmocka_unit_test(test_switch_health),
        cmocka_unit_test(test_zero_duration_repeats),
        cmocka_unit_test(test_routing_gaps),
        cmocka_unit_test(test_prefix_duplication),
        cmocka_unit_test(test_no_route_failures),
        cmocka_unit_test(test_report_paging),
        cmocka_unit_test(test_exact_requests),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    cn_http_global_cleanup();
    return rc;
}
