/* Unit tests of the ConnexCS simulator's generator: determinism, time order, Call-ID lookups,
 * the scripted scenarios (burst, zero-duration repeats, duplicated prefix), SIP traces of each
 * scenario, 7-day retention, RTCP shapes, rate cards and their rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cxsim.h"

#define NOW 1772366400 /* 2026-03-01T12:00:00Z */

static cxs_world *make(uint32_t n, uint64_t seed)
{
    char err[128];
    cxs_options o = {.seed = seed, .now = NOW, .cdr_count = n};
    cxs_world *w = cxs_world_new(&o, err, sizeof err);
    assert_non_null(w);
    return w;
}

static void test_bad_options(void **state)
{
    (void)state;
    char err[128];
    cxs_options o = {.seed = 1, .now = NOW, .cdr_count = 0};
    assert_null(cxs_world_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "cdr count"));
    o.cdr_count = 10;
    o.now = 5;
    assert_null(cxs_world_new(&o, err, sizeof err));
}

static void test_deterministic(void **state)
{
    (void)state;
    cxs_world *a = make(2000, 7), *b = make(2000, 7), *c = make(2000, 8);
    cxs_cdr x, y, z;
    int differ = 0;
    for (uint32_t i = 0; i < 2000; i += 37) {
        assert_int_equal(cxs_cdr_get(a, i, &x), 0);
        assert_int_equal(cxs_cdr_get(b, i, &y), 0);
        assert_int_equal(cxs_cdr_get(c, i, &z), 0);
        assert_string_equal(x.callid, y.callid);
        assert_string_equal(x.dest_number, y.dest_number);
        assert_int_equal(x.duration, y.duration);
        assert_true(x.customer_charge == y.customer_charge);
        differ += strcmp(x.dest_number, z.dest_number) != 0;
    }
    assert_true(differ > 10); /* another seed gives other data */
    assert_int_equal(cxs_cdr_get(a, 2000, &x), -1);
    assert_int_equal(cxs_cdr_get(a, CXS_SCRIPT_BASE + 100000, &x), -1);
    cxs_world_free(a);
    cxs_world_free(b);
    cxs_world_free(c);
}

static void test_time_order_and_window(void **state)
{
    (void)state;
    cxs_world *w = make(5000, 1);
    cxs_iter it;
    cxs_iter_init(&it, w, INT64_MIN / 2, INT64_MAX / 2, false);
    uint32_t pos, n = 0;
    int64_t prev = 0;
    cxs_cdr c;
    while (cxs_iter_next(&it, &pos)) {
        assert_int_equal(cxs_cdr_get(w, pos, &c), 0);
        assert_true(c.dt >= prev);
        assert_true(c.dt >= NOW - 30 * 86400 && c.dt < NOW);
        prev = c.dt;
        n++;
    }
    assert_int_equal(n, cxs_world_total(w));
    /* descending walk of one day sees the same number of calls as ascending */
    int64_t lo = NOW - 3 * 86400, hi = NOW - 2 * 86400 - 1;
    uint32_t up = 0, down = 0;
    cxs_iter_init(&it, w, lo, hi, false);
    while (cxs_iter_next(&it, &pos))
        up++;
    cxs_iter_init(&it, w, lo, hi, true);
    prev = INT64_MAX;
    while (cxs_iter_next(&it, &pos)) {
        cxs_cdr_get(w, pos, &c);
        assert_true(c.dt <= prev && c.dt >= lo && c.dt <= hi);
        prev = c.dt;
        down++;
    }
    assert_int_equal(up, down);
    assert_true(up > 100);
    cxs_iter_init(&it, w, hi, lo, false);
    assert_false(cxs_iter_next(&it, &pos));
    cxs_world_free(w);
}

static void test_callid_lookup(void **state)
{
    (void)state;
    cxs_world *w = make(3000, 1);
    cxs_cdr c, f;
    for (uint32_t i = 0; i < 3000; i += 101) {
        cxs_cdr_get(w, i, &c);
        assert_int_equal(cxs_cdr_find(w, c.callid, &f), 0);
        assert_int_equal(f.pos, i);
        assert_int_equal(cxs_cdr_find(w, c.bleg_callid, &f), 0);
        assert_int_equal(f.pos, i);
        assert_string_not_equal(c.callid, c.bleg_callid);
    }
    assert_int_equal(cxs_cdr_scenario(w, CXS_SC_NAT, &c), 0);
    assert_int_equal(cxs_cdr_find(w, c.callid, &f), 0);
    assert_int_equal(f.pos, c.pos);
    char forged[80];
    snprintf(forged, sizeof forged, "%s", c.callid);
    forged[strlen(forged) - 1] = 'x';
    assert_int_equal(cxs_cdr_find(w, forged, &f), -1);
    assert_int_equal(cxs_cdr_find(w, "FAKE-CALLID-THAT-DOES-NOT-EXIST", &f), -1);
    assert_int_equal(cxs_cdr_find(w, "", &f), -1);
    assert_int_equal(cxs_cdr_find(w, NULL, &f), -1);
    assert_int_equal(cxs_cdr_find(w, "zzzzzzzz-aaaa", &f), -1);
    cxs_world_free(w);
}

/* Counts the scripted calls of one pattern by walking the data. */
static void test_failure_patterns(void **state)
{
    (void)state;
    cxs_world *w = make(3000, 1);
    cxs_iter it;
    cxs_iter_init(&it, w, INT64_MIN / 2, INT64_MAX / 2, false);
    uint32_t pos;
    cxs_cdr c;
    int burst = 0, zero = 0, zero480 = 0, dup = 0, noroute_other = 0;
    int64_t bfirst = 0, blast = 0, zfirst = 0, zlast = 0;
    while (cxs_iter_next(&it, &pos)) {
        cxs_cdr_get(w, pos, &c);
        if (c.sip_code == 503) {
            assert_int_equal(strncmp(c.dest_number, CXS_BURST_PREFIX, 5), 0);
            assert_int_equal(c.provider_id, 0);
            assert_int_equal(c.duration, 0);
            assert_string_equal(c.sip_reason, "No Routes Available (Pre)");
            bfirst = burst++ ? bfirst : c.dt;
            blast = c.dt;
        } else if (!strncmp(c.dest_number, CXS_BURST_PREFIX, 5)) {
            noroute_other++;
        }
        if (c.customer_id == CXS_ZERO_CUSTOMER && !strcmp(c.dest_number, CXS_ZERO_NUMBER)) {
            assert_int_equal(c.duration, 0);
            assert_string_equal(c.source_dest_number, "00" CXS_ZERO_NUMBER);
            zfirst = zero++ ? zfirst : c.dt;
            zlast = c.dt;
            zero480 += c.sip_code == 480;
        }
        if (!strncmp(c.dest_number, "4444", 4)) {
            assert_int_equal(c.customer_id, CXS_DUP_CUSTOMER);
            assert_int_equal(c.sip_code, 404);
            dup++;
        }
    }
    assert_int_equal(burst, CXS_BURST_CALLS);
    assert_int_equal(noroute_other, 0);
    assert_int_equal(bfirst, cxs_burst_start(w));
    assert_true(blast - bfirst < 20 * 60);
    assert_int_equal(zero, CXS_ZERO_CALLS);
    assert_int_equal(zero480, CXS_ZERO_CALLS - 2);
    assert_int_equal(zfirst, cxs_zero_start(w));
    assert_true(zlast - zfirst <= 10 * 60);
    assert_int_equal(dup, CXS_DUP_CALLS);
    cxs_world_free(w);
}

static bool has_method(json_t *tr, const char *m, int *count)
{
    size_t i;
    json_t *v;
    int n = 0;
    json_array_foreach(tr, i, v)
        n += strcmp(json_string_value(json_object_get(v, "method")), m) == 0;
    if (count)
        *count = n;
    return n > 0;
}

static bool any_msg_has(json_t *tr, const char *needle)
{
    size_t i;
    json_t *v;
    json_array_foreach(tr, i, v)
        if (strstr(json_string_value(json_object_get(v, "msg")), needle))
            return true;
    return false;
}

static json_t *trace_of(cxs_world *w, cxs_scenario sc, cxs_cdr *c)
{
    assert_int_equal(cxs_cdr_scenario(w, sc, c), 0);
    json_t *t = cxs_trace_json(w, c);
    assert_non_null(t);
    return t;
}

static void test_trace_scenarios(void **state)
{
    (void)state;
    cxs_world *w = make(1000, 1);
    cxs_cdr c;
    int n;
    json_t *t = trace_of(w, CXS_SC_NORMAL, &c);
    assert_true(json_array_size(t) >= 12);
    assert_string_equal(json_string_value(json_object_get(json_array_get(t, 0), "method")), "INVITE");
    assert_true(has_method(t, "BYE", NULL) && has_method(t, "180", NULL));
    assert_false(has_method(t, "407", NULL));
    assert_false(any_msg_has(t, "X-CX-NAT"));
    /* time order, deltas and both legs */
    int64_t prev = 0;
    bool bleg = false;
    size_t i;
    json_t *v;
    json_array_foreach(t, i, v) {
        int64_t ts = json_integer_value(json_object_get(v, "micro_ts"));
        assert_true(ts >= prev);
        if (i)
            assert_int_equal(json_integer_value(json_object_get(v, "delta")), ts - prev);
        prev = ts;
        bleg = bleg || !strcmp(json_string_value(json_object_get(v, "callid")), c.bleg_callid);
    }
    assert_true(bleg);
    json_decref(t);

    t = trace_of(w, CXS_SC_AUTH407, &c);
    assert_true(has_method(t, "407", NULL));
    assert_true(has_method(t, "INVITE", &n) && n == 3); /* two on the A leg, one on the B leg */
    assert_true(any_msg_has(t, "Proxy-Authorization: Digest"));
    assert_true(any_msg_has(t, "CSeq: 2 INVITE"));
    json_decref(t);

    t = trace_of(w, CXS_SC_RETRANS, &c);
    has_method(t, "INVITE", &n);
    assert_int_equal(n, 4); /* three copies on the A leg + the B leg */
    json_decref(t);

    t = trace_of(w, CXS_SC_NAT, &c);
    assert_true(any_msg_has(t, "X-CX-NAT: true"));
    assert_true(any_msg_has(t, "c=IN IP4 192.168.1.20"));
    json_decref(t);

    t = trace_of(w, CXS_SC_SLOW_PDD, &c);
    int64_t inv = json_integer_value(json_object_get(json_array_get(t, 0), "micro_ts")), p18 = 0;
    json_array_foreach(t, i, v) {
        const char *m = json_string_value(json_object_get(v, "method"));
        if (!p18 && (!strcmp(m, "180") || !strcmp(m, "183")))
            p18 = json_integer_value(json_object_get(v, "micro_ts"));
    }
    assert_int_equal((p18 - inv) / 1000, c.pdd_in);
    assert_true(c.pdd_in > 5000);
    json_decref(t);

    t = trace_of(w, CXS_SC_NOROUTE503, &c);
    assert_true(has_method(t, "503", NULL));
    json_array_foreach(t, i, v) /* never left ingress: no carrier leg */
        assert_string_equal(json_string_value(json_object_get(v, "callid")), c.callid);
    json_decref(t);

    t = trace_of(w, CXS_SC_488, &c);
    has_method(t, "488", &n);
    assert_int_equal(n, 2);
    assert_true(any_msg_has(t, "a=rtpmap:18 G729/8000"));
    json_decref(t);

    t = trace_of(w, CXS_SC_ANYEDGE, &c);
    assert_true(any_msg_has(t, "X-AnyEdge-Host: "));
    json_decref(t);

    t = trace_of(w, CXS_SC_TRACE_EXPIRED, &c);
    assert_int_equal(json_array_size(t), 0);
    json_decref(t);
    cxs_world_free(w);
}

static void test_rtcp_and_artefacts(void **state)
{
    (void)state;
    cxs_world *w = make(1000, 1);
    cxs_cdr c;
    cxs_cdr_scenario(w, CXS_SC_RTCP_BAD, &c);
    json_t *r = cxs_rtcp_json(w, &c, false);
    json_t *agg = json_object_get(r, "aggregate");
    assert_true(json_array_size(json_object_get(r, "processed")) > 3);
    assert_true(json_real_value(json_object_get(agg, "mos_avg")) < 3.5);
    assert_true(json_real_value(json_object_get(agg, "jitter_avg")) > 30);
    json_decref(r);
    r = cxs_rtcp_json(w, &c, true);
    assert_true(json_is_array(r) && json_array_size(r) > 3);
    json_decref(r);
    cxs_cdr_scenario(w, CXS_SC_NORMAL, &c);
    r = cxs_rtcp_json(w, &c, false);
    assert_true(json_real_value(json_object_get(json_object_get(r, "aggregate"), "mos_avg")) >= 4.0);
    json_decref(r);
    cxs_cdr_scenario(w, CXS_SC_NOROUTE503, &c);
    r = cxs_rtcp_json(w, &c, false);
    assert_int_equal(json_array_size(json_object_get(r, "processed")), 0);
    assert_int_equal(json_object_size(json_object_get(r, "aggregate")), 0);
    json_decref(r);
    r = cxs_class5_json(&c);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    cxs_cdr_scenario(w, CXS_SC_CLASS5, &c);
    r = cxs_class5_json(&c);
    assert_true(json_array_size(r) > 3);
    assert_non_null(json_object_get(json_array_get(r, 0), "event"));
    json_decref(r);
    cxs_cdr_scenario(w, CXS_SC_AI, &c);
    r = cxs_ai_json(&c);
    assert_int_equal(json_array_size(r), 9);
    json_decref(r);
    r = cxs_transcript_json(&c);
    assert_true(json_array_size(r) > 0);
    json_decref(r);
    json_t *log = cxs_log_entry_json(w, &c);
    assert_string_equal(json_string_value(json_object_get(json_object_get(log, "routing"), "callid")), c.callid);
    assert_non_null(json_object_get(json_object_get(log, "routing"), "ok"));
    json_decref(log);
    assert_true(cxs_log_match(&c, c.source_cli));
    assert_true(cxs_log_match(&c, c.dest_number + 2));
    assert_false(cxs_log_match(&c, "no-such-thing"));
    cxs_world_free(w);
}

static void test_cards(void **state)
{
    (void)state;
    const cxs_card *adam = cxs_card_by_id("AdCm-EU04");
    assert_non_null(adam);
    cxs_rule *r = NULL;
    long n = cxs_card_rules(adam, adam->active_rev, &r);
    int dup447 = 0, ng = 0;
    for (long i = 0; i < n; i++) {
        dup447 += !strcmp(r[i].prefix, "447");
        ng += !strcmp(r[i].prefix, CXS_BURST_PREFIX);
    }
    free(r);
    assert_int_equal(dup447, 2);
    assert_int_equal(ng, 0); /* the routing gap */
    const cxs_card *acme = cxs_card_by_id("AcmE-R8T1");
    n = cxs_card_rules(acme, acme->active_rev + 1, &r); /* the draft adds the gap prefix */
    ng = 0;
    for (long i = 0; i < n; i++)
        ng += !strcmp(r[i].prefix, CXS_BURST_PREFIX);
    free(r);
    assert_int_equal(ng, 1);
    assert_int_equal(cxs_card_rules(acme, 0, &r), -1);
    assert_int_equal(cxs_card_rules(acme, 99, &r), -1);
    const cxs_card *big = cxs_card_by_id("PrV1-USD1");
    n = cxs_card_rules(big, big->active_rev, &r);
    free(r);
    assert_true(n > 3000);
    assert_null(cxs_card_by_id("XXXX-0000"));
    assert_null(cxs_card_by_id(NULL));
    cxs_rule m;
    assert_true(cxs_card_match(acme, "447700900123", &m) >= 0);
    assert_string_equal(m.prefix, "447");
    assert_true(cxs_card_match(acme, "442079460123", &m) >= 0);
    assert_string_equal(m.prefix, "4420");
    assert_int_equal(cxs_card_match(acme, "2348012345678", &m), -1);
    /* the negative-margin card sells below cost */
    const cxs_card *nw = cxs_card_by_id("NwVp-LOW2");
    size_t nd;
    const cxs_dest *d = cxs_dests(&nd);
    int di = cxs_card_match(nw, "442079460123", &m);
    assert_true(di >= 0 && m.cost < d[di].cost);
}

static void test_profit_and_currency(void **state)
{
    (void)state;
    cxs_world *w = make(4000, 1);
    cxs_iter it;
    cxs_iter_init(&it, w, INT64_MIN / 2, INT64_MAX / 2, false);
    uint32_t pos;
    cxs_cdr c;
    double nw = 0, acme = 0;
    bool eur = false, usd = false;
    while (cxs_iter_next(&it, &pos)) {
        cxs_cdr_get(w, pos, &c);
        if (c.customer_id == 1004)
            nw += cxs_profit_usd(&c);
        if (c.customer_id == 1001)
            acme += cxs_profit_usd(&c);
        eur = eur || !strcmp(c.customer_currency, "EUR");
        usd = usd || !strcmp(c.customer_currency, "USD");
        if (c.duration == 0)
            assert_true(c.customer_charge == 0 && c.provider_charge == 0);
    }
    assert_true(nw < 0);
    assert_true(acme > 0);
    assert_true(eur && usd);
    cxs_world_free(w);
}

static void test_parse_time(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(cxs_parse_time("2026-03-01", 10, false, &t), 0);
    assert_int_equal(t, 1772323200);
    assert_int_equal(cxs_parse_time("2026-03-01", 10, true, &t), 0);
    assert_int_equal(t, 1772323200 + 86399);
    assert_int_equal(cxs_parse_time("2026-03-01T12:00:00Z", 20, false, &t), 0);
    assert_int_equal(t, NOW);
    assert_int_equal(cxs_parse_time("2026-03-01 12:00:00.250Z", 24, false, &t), 0);
    assert_int_equal(t, NOW);
    assert_int_equal(cxs_parse_time("1772366400", 10, false, &t), 0);
    assert_int_equal(t, NOW);
    assert_int_equal(cxs_parse_time("2026-13-01", 10, false, &t), -1);
    assert_int_equal(cxs_parse_time("2026-03-01X", 11, false, &t), -1);
    assert_int_equal(cxs_parse_time("abc", 3, false, &t), -1);
    assert_int_equal(cxs_parse_time("", 0, false, &t), -1);
    assert_int_equal(cxs_parse_time("2026-03-01 1:00:00", 18, false, &t), -1);
    char b[24];
    cxs_fmt_dt(NOW, b);
    assert_string_equal(b, "2026-03-01 12:00:00");
}

/* Every generated trace is well formed: time-ordered, Content-Length equal to the body, the
 * first line a request or a status line, the Call-ID header equal to the message's callid. */
static void test_trace_invariants(void **state)
{
    (void)state;
    cxs_world *w = make(100000, 3);
    cxs_iter it;
    cxs_iter_init(&it, w, NOW - 6 * 86400, NOW, false);
    uint32_t pos;
    cxs_cdr c;
    int checked = 0;
    for (int k = 0; cxs_iter_next(&it, &pos); k++) {
        if (k % 97)
            continue;
        cxs_cdr_get(w, pos, &c);
        json_t *t = cxs_trace_json(w, &c);
        assert_true(json_array_size(t) >= 4);
        size_t i;
        json_t *v;
        int64_t prev = 0;
        json_array_foreach(t, i, v) {
            const char *msg = json_string_value(json_object_get(v, "msg"));
            const char *body = strstr(msg, "\r\n\r\n");
            const char *cl = strstr(msg, "Content-Length: ");
            assert_non_null(body);
            assert_non_null(cl);
            assert_int_equal(strtol(cl + 16, NULL, 10), (long)strlen(body + 4));
            const char *method = json_string_value(json_object_get(v, "method"));
            if (method[0] >= '0' && method[0] <= '9')
                assert_int_equal(strncmp(msg, "SIP/2.0 ", 8), 0);
            else
                assert_int_equal(strncmp(msg, method, strlen(method)), 0);
            char hdr[128];
            snprintf(hdr, sizeof hdr, "Call-ID: %s\r\n", json_string_value(json_object_get(v, "callid")));
            assert_non_null(strstr(msg, hdr));
            int64_t ts = json_integer_value(json_object_get(v, "micro_ts"));
            assert_true(ts >= prev);
            prev = ts;
        }
        /* the final answer to the customer is the CDR's code */
        bool seen = false;
        char code[8];
        snprintf(code, sizeof code, "%d", c.sip_code);
        json_array_foreach(t, i, v)
            seen = seen || (!strcmp(json_string_value(json_object_get(v, "method")), code) &&
                            !strcmp(json_string_value(json_object_get(v, "destination_ip")), c.src_ip));
        assert_true(seen);
        json_decref(t);
        checked++;
    }
    assert_true(checked > 50);
    cxs_world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_options),      cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_time_order_and_window), cmocka_unit_test(test_callid_lookup),
        cmocka_unit_test(test_failure_patterns), cmocka_unit_test(test_trace_scenarios),
        cmocka_unit_test(test_rtcp_and_artefacts), cmocka_unit_test(test_cards),
        cmocka_unit_test(test_profit_and_currency), cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_trace_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
