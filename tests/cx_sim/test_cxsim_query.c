/* Unit tests of the ConnexCS simulator's query side: POST cdr (rules, projection, order, limit,
 * offset, the 500 without a dt bound, bad input), breakout-aggrid (groups, value columns,
 * filters, paging, sort) cross-checked against a direct scan, the ground-truth document, the
 * documentation corpus and the token manager. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cxsim.h"

#define NOW 1772366400 /* 2026-03-01T12:00:00Z */

static cxs_world *g_w;

static int setup(void **state)
{
    (void)state;
    char err[128];
    cxs_options o = {.seed = 1, .now = NOW, .cdr_count = 3000};
    g_w = cxs_world_new(&o, err, sizeof err);
    return g_w ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cxs_world_free(g_w);
    return 0;
}

static int run(const char *body, json_t **out)
{
    sb_buf b;
    sb_buf_init(&b, 64 * 1024 * 1024);
    int st = cxs_cdr_query(g_w, body, strlen(body), &b);
    *out = json_loads(b.data ? b.data : "", 0, NULL);
    sb_buf_free(&b);
    assert_non_null(*out);
    return st;
}

#define DAY_RULES(d)                                                                        \
    "{\"field\":\"dt\",\"condition\":\">=\",\"data\":\"" d " 00:00:00\"},"                   \
    "{\"field\":\"dt\",\"condition\":\"<=\",\"data\":\"" d " 23:59:59\"}"

static long scan_count(int64_t lo, int64_t hi, int customer, int min_dur)
{
    cxs_iter it;
    cxs_iter_init(&it, g_w, lo, hi, false);
    uint32_t pos;
    cxs_cdr c;
    long n = 0;
    while (cxs_iter_next(&it, &pos)) {
        cxs_cdr_get(g_w, pos, &c);
        n += (!customer || c.customer_id == customer) && c.duration >= min_dur;
    }
    return n;
}

static void test_cdr_errors(void **state)
{
    (void)state;
    json_t *j;
    assert_int_equal(run("{\"field\":[\"dt\"],\"where\":{\"rules\":[]},\"limit\":5}", &j), 500);
    assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "dt"));
    json_decref(j);
    assert_int_equal(run("{\"field\":[\"dt\"],\"where\":{\"rules\":[{\"field\":\"customer_id\","
                         "\"condition\":\"=\",\"data\":1001}]}}", &j), 500);
    json_decref(j);
    assert_int_equal(run("not json", &j), 400);
    json_decref(j);
    assert_int_equal(run("[1,2]", &j), 400);
    json_decref(j);
    assert_int_equal(run("{\"field\":[\"dt\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-27") "]},"
                         "\"limit\":5001}", &j), 400);
    json_decref(j);
    assert_int_equal(run("{\"field\":[\"nope\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-27") "]}}", &j), 400);
    assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "nope"));
    json_decref(j);
    /* hostile names come back escaped in valid JSON (run() parses the answer) */
    assert_int_equal(run("{\"field\":[\"a\\\"b\\n\\u0001\\\\\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-27") "]}}", &j), 400);
    assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "a\"b\n\001\\"));
    json_decref(j);
    assert_int_equal(run("{\"where\":{\"rules\":[{\"field\":\"dt\",\"condition\":\">=\",\"data\":\"yesterday\"}]}}", &j), 400);
    json_decref(j);
    assert_int_equal(run("{\"where\":{\"rules\":[" DAY_RULES("2026-02-27") ",{\"field\":\"duration\","
                         "\"condition\":\"~\",\"data\":1}]}}", &j), 400);
    json_decref(j);
    assert_int_equal(run("{\"where\":{\"rules\":[" DAY_RULES("2026-02-27") ",{\"field\":\"duration\","
                         "\"condition\":\">\",\"data\":\"many\"}]}}", &j), 400);
    json_decref(j);
    assert_int_equal(run("{\"where\":{\"rules\":[" DAY_RULES("2026-02-27") "]},\"order\":[{\"field\":"
                         "\"x\",\"direction\":\"ASC\"}]}", &j), 400);
    json_decref(j);
    /* a pathological LIKE pattern is refused, not run */
    assert_int_equal(run("{\"where\":{\"rules\":[" DAY_RULES("2026-02-27") ",{\"field\":\"callid\","
                         "\"condition\":\"like\",\"data\":\"%a%a%a%a%a%a%a%a%\"}]}}", &j), 400);
    json_decref(j);
    assert_int_equal(run("{\"where\":{\"rules\":[" DAY_RULES("2026-02-27") ",{\"field\":\"sip_code\","
                         "\"condition\":\"=\",\"data\":[1]}]}}", &j), 400);
    json_decref(j);
    assert_int_equal(run("{\"where\":{\"rules\":[" DAY_RULES("2026-02-27") "]},\"limit\":-1}", &j), 400);
    json_decref(j);
}

static void test_cdr_filters(void **state)
{
    (void)state;
    json_t *j;
    int64_t lo = 1772150400, hi = lo + 86399; /* 2026-02-27 */
    assert_int_equal(run("{\"field\":[\"dt\",\"callid\",\"duration\",\"customer_id\"],\"where\":{\"rules\":["
                         DAY_RULES("2026-02-27") ",{\"field\":\"customer_id\",\"condition\":\"=\",\"data\":1001},"
                         "{\"field\":\"duration\",\"condition\":\">\",\"data\":0}]},\"limit\":5000}", &j), 200);
    assert_int_equal((long)json_array_size(j), scan_count(lo, hi, 1001, 1));
    assert_true(json_array_size(j) > 5);
    json_t *r0 = json_array_get(j, 0);
    assert_int_equal(json_object_size(r0), 4); /* only the requested fields */
    assert_int_equal(json_integer_value(json_object_get(r0, "customer_id")), 1001);
    assert_int_equal(strncmp(json_string_value(json_object_get(r0, "dt")), "2026-02-27", 10), 0);
    json_decref(j);
    /* string equality, numbers sent as strings, like */
    assert_int_equal(run("{\"field\":[\"dest_number\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-26")
                         ",{\"field\":\"customer_id\",\"condition\":\"=\",\"data\":\"1003\"},"
                         "{\"field\":\"dest_number\",\"condition\":\"like\",\"data\":\"44%\"}]}}", &j), 200);
    size_t i;
    json_t *v;
    assert_true(json_array_size(j) > 0);
    json_array_foreach(j, i, v)
        assert_int_equal(strncmp(json_string_value(json_object_get(v, "dest_number")), "44", 2), 0);
    json_decref(j);
    /* no match is an empty array, not an error */
    assert_int_equal(run("{\"where\":{\"rules\":[" DAY_RULES("2026-02-26") ",{\"field\":\"customer_id\","
                         "\"condition\":\"=\",\"data\":999999999}]}}", &j), 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    /* outside the data window */
    assert_int_equal(run("{\"where\":{\"rules\":[" DAY_RULES("2026-01-01") "]}}", &j), 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
}

static void test_cdr_order_limit_offset(void **state)
{
    (void)state;
    json_t *a, *b, *d;
    assert_int_equal(run("{\"field\":[\"dt\",\"callid\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-25")
                         "]},\"limit\":20}", &a), 200);
    assert_int_equal(json_array_size(a), 20);
    assert_int_equal(run("{\"field\":[\"dt\",\"callid\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-25")
                         "]},\"limit\":10,\"offset\":10}", &b), 200);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 10), "callid")),
                        json_string_value(json_object_get(json_array_get(b, 0), "callid")));
    assert_int_equal(run("{\"field\":[\"dt\",\"callid\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-25")
                         "]},\"limit\":5,\"order\":[{\"field\":\"dt\",\"direction\":\"DESC\"}]}", &d), 200);
    const char *d0 = json_string_value(json_object_get(json_array_get(d, 0), "dt"));
    const char *d4 = json_string_value(json_object_get(json_array_get(d, 4), "dt"));
    assert_true(strcmp(d0, d4) >= 0);
    assert_true(strcmp(d0, json_string_value(json_object_get(json_array_get(a, 19), "dt"))) > 0);
    json_decref(a);
    json_decref(b);
    json_decref(d);
    /* order by another field */
    assert_int_equal(run("{\"field\":[\"duration\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-25")
                         "]},\"limit\":50,\"order\":[{\"field\":\"duration\",\"direction\":\"DESC\"}]}", &d), 200);
    size_t i;
    json_t *v;
    long prev = 1L << 30;
    json_array_foreach(d, i, v) {
        long x = (long)json_integer_value(json_object_get(v, "duration"));
        assert_true(x <= prev);
        prev = x;
    }
    json_decref(d);
}

typedef struct kv {
    const char *k, *v;
} kv;

static kv *g_params;
static bool g_nested;

static void each(void *req, cxs_param_fn fn, void *ud)
{
    (void)req;
    for (kv *p = g_params; p->k; p++)
        if (fn(ud, p->k, p->v))
            break;
}

static int breakout(kv *params, json_t **out)
{
    g_params = params;
    sb_buf b;
    sb_buf_init(&b, 64 * 1024 * 1024);
    int st = cxs_breakout_query(g_w, each, NULL, g_nested, &b);
    *out = json_loads(b.data ? b.data : "", 0, NULL);
    sb_buf_free(&b);
    assert_non_null(*out);
    return st;
}

static void test_breakout(void **state)
{
    (void)state;
    kv p[] = {{"_rowGroupCols[0][id]", "customer_id"}, {"_valueCols[0][id]", "attempts"},
              {"_valueCols[0][aggFunc]", "sum"},        {"_valueCols[1][id]", "connected"},
              {"_valueCols[2][id]", "customer_charge"}, {"_valueCols[3][id]", "asr"},
              {"_valueCols[4][id]", "customer_card_dest_name"},
              {"_sortModel[0][colId]", "attempts"},   {"_sortModel[0][sort]", "desc"},
              {NULL, NULL}};
    json_t *j;
    assert_int_equal(breakout(p, &j), 200);
    long total = 0, prev = 1L << 40;
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) {
        long a = (long)json_integer_value(json_object_get(v, "attempts"));
        int cid = (int)json_integer_value(json_object_get(v, "customer_id"));
        assert_int_equal(a, scan_count(INT64_MIN / 2, INT64_MAX / 2, cid, 0));
        assert_int_equal(json_integer_value(json_object_get(v, "connected")),
                         scan_count(INT64_MIN / 2, INT64_MAX / 2, cid, 1));
        assert_true(a <= prev);
        prev = a;
        total += a;
        assert_true(json_is_object(json_object_get(v, "customer_charge")));
        assert_true(json_is_array(json_object_get(v, "customer_card_dest_name")));
    }
    assert_int_equal(total, cxs_world_total(g_w));
    json_decref(j);

    kv q[] = {{"_rowGroupCols[0][id]", "customer_id"}, {"_rowGroupCols[1][id]", "dt"},
              {"_valueCols[0][id]", "attempts"},
              {"_filterModel[dt][type]", "inRange"},     {"_filterModel[dt][filter]", "2026-02-20"},
              {"_filterModel[dt][filterTo]", "2026-02-21"},
              {"_filterModel[customer_id][type]", "equals"}, {"_filterModel[customer_id][filter]", "1003"},
              {"_startRow", "0"}, {"_endRow", "1"}, {NULL, NULL}};
    assert_int_equal(breakout(q, &j), 200);
    assert_int_equal(json_array_size(j), 1); /* two days, paged to one row */
    v = json_array_get(j, 0);
    assert_int_equal(json_integer_value(json_object_get(v, "customer_id")), 1003);
    assert_string_equal(json_string_value(json_object_get(v, "dt")), "2026-02-20");
    assert_int_equal(json_integer_value(json_object_get(v, "attempts")),
                     scan_count(1771545600, 1771545600 + 86399, 1003, 0));
    json_decref(j);

    kv day[] = {{"_filterModel[dt][type]", "equals"}, {"_filterModel[dt][filter]", "2026-02-20"},
                {"_valueCols[0][id]", "attempts"}, {NULL, NULL}};
    assert_int_equal(breakout(day, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "attempts")),
                     scan_count(1771545600, 1771545600 + 86399, 0, 0));
    json_decref(j);
    kv after[] = {{"_filterModel[dt][type]", "greaterThan"}, {"_filterModel[dt][filter]", "2026-02-27"},
                  {"_valueCols[0][id]", "attempts"}, {NULL, NULL}};
    assert_int_equal(breakout(after, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "attempts")),
                     scan_count(1772150400 + 86400, INT64_MAX / 2, 0, 0));
    json_decref(j);
    kv odd[] = {{"_filterModel[dt][type]", "contains"}, {"_filterModel[dt][filter]", "2026-02-27"}, {NULL, NULL}};
    assert_int_equal(breakout(odd, &j), 400);
    json_decref(j);
    kv bad[] = {{"_rowGroupCols[0][id]", "nope"}, {NULL, NULL}};
    assert_int_equal(breakout(bad, &j), 400);
    json_decref(j);
    kv bad2[] = {{"_valueCols[0][id]", "bogus"}, {NULL, NULL}};
    assert_int_equal(breakout(bad2, &j), 400);
    json_decref(j);
    kv bad3[] = {{"_filterModel[dt][type]", "inRange"}, {"_filterModel[dt][filter]", "soon"}, {NULL, NULL}};
    assert_int_equal(breakout(bad3, &j), 400);
    json_decref(j);
    kv bad4[] = {{"_filterModel[x y][type]", "equals"}, {NULL, NULL}};
    assert_int_equal(breakout(bad4, &j), 400);
    json_decref(j);
    kv names[] = {{"_rowGroupCols[0][id]", "customer_id"},
                  {"_valueCols[0][id]", "customer_card_dest_name"},
                  {"_filterModel[customer_id][filter]", "1001"}, {NULL, NULL}};
    g_nested = true;
    assert_int_equal(breakout(names, &j), 200);
    g_nested = false;
    v = json_object_get(json_array_get(j, 0), "customer_card_dest_name");
    assert_true(json_is_array(json_array_get(v, 0))); /* [["", "UK - London", ...]] */
    assert_string_equal(json_string_value(json_array_get(json_array_get(v, 0), 0)), "");
    json_decref(j);
    kv none[] = {{NULL, NULL}}; /* no groups: one total row with the default value columns */
    assert_int_equal(breakout(none, &j), 200);
    assert_int_equal(json_array_size(j), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "attempts")),
                     cxs_world_total(g_w));
    json_decref(j);
}

static void test_truth(void **state)
{
    (void)state;
    json_t *t = cxs_truth_json(g_w);
    assert_non_null(t);
    json_t *cdr = json_object_get(t, "cdr");
    assert_int_equal(json_integer_value(json_object_get(cdr, "total")), cxs_world_total(g_w));
    long sum = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(t, "customers"), i, v)
        sum += (long)json_integer_value(json_object_get(v, "attempts"));
    assert_int_equal(sum, cxs_world_total(g_w));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(t, "negative_margin_customer"), "id")), 1004);
    json_t *burst = json_object_get(t, "no_route_burst");
    assert_string_equal(json_string_value(json_object_get(burst, "prefix")), CXS_BURST_PREFIX);
    assert_int_equal(json_integer_value(json_object_get(burst, "count")), CXS_BURST_CALLS);
    json_t *zero = json_object_get(t, "zero_duration_repeats");
    assert_int_equal(json_array_size(json_object_get(zero, "callids")), CXS_ZERO_CALLS);
    assert_int_equal(json_array_size(json_object_get(json_object_get(t, "dial_prefix_duplication"), "numbers")),
                     CXS_DUP_CALLS);
    json_t *sc = json_object_get(t, "scenarios");
    assert_int_equal(json_object_size(sc), CXS_SC_COUNT);
    assert_true(json_is_true(json_object_get(json_object_get(sc, "normal"), "has_trace")));
    assert_true(json_is_false(json_object_get(json_object_get(sc, "trace_expired"), "has_trace")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(cdr, "by_sip_code"), "503")),
                     CXS_BURST_CALLS);
    json_decref(t);
}

static void test_docs(void **state)
{
    (void)state;
    char err[128];
    assert_null(cxs_docs_load("/nonexistent-dir", err, sizeof err));
    cxs_docs *d = cxs_docs_load("sim/connexcs/docs", err, sizeof err);
    assert_non_null(d);
    assert_true(cxs_docs_count(d) >= 10);
    json_t *r = cxs_docs_search(d, "rate card", 3);
    assert_int_equal(json_array_size(r), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "link")), "card/rate-card");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(r, 0), "public_url")),
                           "card/rate-card"));
    json_decref(r);
    r = cxs_docs_search(d, "zzqqxx", 10);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    r = cxs_docs_search(d, "", 10);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    const char *md = cxs_docs_get(d, "guides/tshoot-signal");
    assert_non_null(md);
    assert_int_equal(strncmp(md, "# ", 2), 0);
    assert_non_null(strstr(md, "<details>"));
    assert_ptr_equal(cxs_docs_get(d, "guides/tshoot-signal.md"), md);
    assert_ptr_equal(cxs_docs_get(d, "/guides/tshoot-signal/"), md);
    assert_null(cxs_docs_get(d, "guides/../logging"));
    assert_null(cxs_docs_get(d, "nope"));
    cxs_docs_free(d);
}

static void test_auth(void **state)
{
    (void)state;
    cxs_auth *a = cxs_auth_new("api@example.com", "pw-secret", 900);
    assert_int_equal(cxs_auth_check(a, NULL), CXS_AUTH_NONE);
    /* "api@example.com:pw-secret" and a wrong password */
    assert_int_equal(cxs_auth_check(a, "Basic YXBpQGV4YW1wbGUuY29tOnB3LXNlY3JldA=="), CXS_AUTH_BASIC);
    assert_int_equal(cxs_auth_check(a, "Basic YXBpQGV4YW1wbGUuY29tOndyb25n"), CXS_AUTH_BASIC_INVALID);
    assert_int_equal(cxs_auth_check(a, "Basic !!!"), CXS_AUTH_MALFORMED);
    assert_int_equal(cxs_auth_check(a, "Token abc"), CXS_AUTH_MALFORMED);
    char *r = cxs_auth_issue(a, true, 0, "aud");
    char *x = cxs_auth_issue(a, false, 0, NULL);
    assert_non_null(r);
    assert_non_null(x);
    assert_int_equal(strncmp(r, "eyJ", 3), 0);
    assert_non_null(strchr(strchr(r, '.') + 1, '.'));
    char hdr[4096];
    snprintf(hdr, sizeof hdr, "Bearer %s", r);
    assert_int_equal(cxs_auth_check(a, hdr), CXS_AUTH_BEARER_REFRESH);
    snprintf(hdr, sizeof hdr, "Bearer %s", x);
    assert_int_equal(cxs_auth_check(a, hdr), CXS_AUTH_BEARER_ACCESS);
    hdr[strlen(hdr) - 2] ^= 1;
    assert_int_equal(cxs_auth_check(a, hdr), CXS_AUTH_BEARER_INVALID);
    cxs_auth_expire_access(a);
    snprintf(hdr, sizeof hdr, "Bearer %s", x);
    assert_int_equal(cxs_auth_check(a, hdr), CXS_AUTH_BEARER_EXPIRED);
    snprintf(hdr, sizeof hdr, "Bearer %s", r);
    assert_int_equal(cxs_auth_check(a, hdr), CXS_AUTH_BEARER_REFRESH); /* refresh survives */
    cxs_auth_add_refresh(a, "given-refresh-token", 1);                 /* already expired */
    assert_int_equal(cxs_auth_check(a, "Bearer given-refresh-token"), CXS_AUTH_BEARER_EXPIRED);
    free(r);
    free(x);
    cxs_auth_free(a);
}

/* Mutated request bodies and random ag-grid parameters: every answer is a known status with a
 * JSON body, never a crash (run under ASan in the sanitizer build). Deterministic seed. */
static uint64_t g_rng = 0x1234567;
static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)g_rng;
}

static void test_robust_cdr_bodies(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"field\":[\"dt\",\"callid\",\"duration\"],\"where\":{\"rules\":[" DAY_RULES("2026-02-27")
        ",{\"field\":\"customer_id\",\"condition\":\"=\",\"data\":1001}]},\"limit\":50,"
        "\"order\":[{\"field\":\"duration\",\"direction\":\"DESC\"}]}",
        "{\"where\":{\"rules\":[" DAY_RULES("2026-02-26") ",{\"field\":\"dest_number\",\"condition\":"
        "\"like\",\"data\":\"%44_0%\"}]},\"limit\":5,\"offset\":3}",
    };
    char buf[1024];
    for (int iter = 0; iter < 1500; iter++) {
        const char *seed = seeds[iter % 2];
        size_t n = strlen(seed);
        memcpy(buf, seed, n + 1);
        int edits = 1 + (int)(rnd() % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = rnd() % n;
            switch (rnd() % 4) {
            case 0: buf[at] = (char)(rnd() % 256 ? rnd() % 256 : 'x'); break;
            case 1: n = at; buf[n] = '\0'; break;
            case 2: buf[at] = "{}[]\":,0-9%_"[rnd() % 13]; break;
            default: memmove(buf + at, buf + at + 1, n - at); n--; break;
            }
            if (n == 0)
                break;
        }
        sb_buf b;
        sb_buf_init(&b, 64 * 1024 * 1024);
        int st = cxs_cdr_query(g_w, buf, strlen(buf), &b);
        assert_true(st == 200 || st == 400 || st == 500);
        json_t *j = json_loads(b.data ? b.data : "", 0, NULL);
        assert_non_null(j);
        assert_true(st == 200 ? json_is_array(j) : json_is_string(json_object_get(j, "error")));
        json_decref(j);
        sb_buf_free(&b);
    }
}

static void test_robust_breakout_params(void **state)
{
    (void)state;
    static const char *const names[] = {
        "_rowGroupCols[0][id]", "_rowGroupCols[1][field]", "_rowGroupCols[x][id]", "_rowGroupCols[3]",
        "_valueCols[0][id]", "_valueCols[1][aggFunc]", "_valueCols[23][id]", "_valueCols[24][id]",
        "_filterModel[dt][type]", "_filterModel[dt][filter]", "_filterModel[dt][filterTo]",
        "_filterModel[customer_id][type]", "_filterModel[customer_id][filter]", "_filterModel[]",
        "_sortModel[0][colId]", "_sortModel[0][sort]", "_startRow", "_endRow", "_groupKeys[0]",
        "[", "_rowGroupCols[0][id", "_valueCols[0][id]]", "",
    };
    static const char *const values[] = {
        "customer_id", "dt", "provider_id", "attempts", "asr", "customer_charge", "avg", "max",
        "inRange", "equals", "2026-02-20", "2026-02-21 12:00:00", "1001", "-5", "7", "desc",
        "customer_card_dest_name", "", "bogus", "99999999999999999999", "%",
    };
    kv p[9];
    json_t *j;
    for (int iter = 0; iter < 400; iter++) {
        int n = (int)(rnd() % 8);
        for (int k = 0; k < n; k++) {
            p[k].k = names[rnd() % (sizeof names / sizeof names[0])];
            p[k].v = values[rnd() % (sizeof values / sizeof values[0])];
        }
        p[n].k = p[n].v = NULL;
        /* a dt window keeps each scan short */
        kv q[11] = {{"_filterModel[dt][type]", "inRange"}, {"_filterModel[dt][filter]", "2026-02-20"},
                    {"_filterModel[dt][filterTo]", "2026-02-21"}};
        memcpy(q + 3, p, (size_t)(n + 1) * sizeof p[0]);
        int st = breakout(iter % 3 ? q : p, &j);
        assert_true(st == 200 || st == 400 || st == 500);
        assert_true(st == 200 ? json_is_array(j) : json_is_string(json_object_get(j, "error")));
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdr_errors),   cmocka_unit_test(test_cdr_filters),
        cmocka_unit_test(test_cdr_order_limit_offset), cmocka_unit_test(test_breakout),
        cmocka_unit_test(test_truth),        cmocka_unit_test(test_docs),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_robust_cdr_bodies), cmocka_unit_test(test_robust_breakout_params),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
