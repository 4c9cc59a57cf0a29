/* Detectors: hand-made rows at the thresholds' edges, and a generated file with one planted
 * anomaly of each kind (cdr_gen --plant) whose detection is asserted, with no false alarm
 * from the normal traffic around them. argv[1] = the cdr_gen binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdr/cdr_detect.h"
#include "cdr/cdr_import.h"

static const char *gen_path;

static void rec(cdr_record *r, int64_t t_s, const char *callee, int sip, int64_t billsec,
                const char *customer, const char *carrier)
{
    cdr_record_clear(r);
    r->start_ms = t_s * 1000;
    r->callee = (cdr_str){callee, strlen(callee)};
    r->sip_code = (int16_t)sip;
    r->billsec_s = billsec;
    r->have = CDR_HAVE_BILLSEC;
    r->customer = (cdr_str){customer, strlen(customer)};
    r->carrier = (cdr_str){carrier, strlen(carrier)};
    cdr_record_finish(r, sb_phone_country_find("GB"));
}

static size_t count_kind(const cdr_finding *fs, size_t n, cdr_finding_kind k, const char *key_part)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (fs[i].kind == k && (!key_part || strstr(fs[i].key, key_part)))
            c++;
    return c;
}

static void test_zero_repeat_window(void **state)
{
    (void)state;
    cdr_thresholds t;
    cdr_thresholds_default(&t);
    t.enabled_mask = 1u << CDR_FIND_ZERO_REPEAT;
    cdr_detector *d = cdr_detector_new(&t, NULL);
    cdr_record r;
    /* 3 zero calls within 600 s to 07700900001 from c1: flagged, with 3 evidence rows */
    rec(&r, 1000, "07700900001", 480, 0, "c1", "A"), cdr_detector_add(d, &r);
    rec(&r, 1200, "+447700900001", 480, 0, "c1", "A"), cdr_detector_add(d, &r);
    rec(&r, 1590, "07700 900001", 486, 0, "c1", "A"), cdr_detector_add(d, &r);
    rec(&r, 1700, "07700900001", 486, 0, "c1", "A"), cdr_detector_add(d, &r); /* extends it */
    /* 3 zero calls spread over 700 s: not flagged */
    rec(&r, 1000, "07700900002", 480, 0, "c1", "A"), cdr_detector_add(d, &r);
    rec(&r, 1400, "07700900002", 480, 0, "c1", "A"), cdr_detector_add(d, &r);
    rec(&r, 1700, "07700900002", 480, 0, "c1", "A"), cdr_detector_add(d, &r);
    /* answered calls to the same number do not count */
    rec(&r, 1000, "07700900003", 200, 30, "c1", "A"), cdr_detector_add(d, &r);
    rec(&r, 1010, "07700900003", 200, 30, "c1", "A"), cdr_detector_add(d, &r);
    rec(&r, 1020, "07700900003", 200, 30, "c1", "A"), cdr_detector_add(d, &r);
    size_t n;
    const cdr_finding *fs = cdr_detector_finish(d, &n);
    assert_int_equal(n, 1);
    assert_int_equal(fs[0].kind, CDR_FIND_ZERO_REPEAT);
    assert_non_null(strstr(fs[0].key, "+447700900001"));
    assert_int_equal(fs[0].count, 4);
    assert_int_equal(fs[0].n_evidence, 4);
    assert_int_equal(fs[0].evidence[2].sip_code, 486);
    json_t *j = cdr_detector_json(d);
    assert_int_equal(json_array_size(json_object_get(j, "findings")), 1);
    json_decref(j);
    cdr_detector_free(d);
}

static void test_prefix_dup_patterns(void **state)
{
    (void)state;
    static const char *const tech[] = {"1010", NULL};
    cdr_thresholds t;
    cdr_thresholds_default(&t);
    t.enabled_mask = 1u << CDR_FIND_PREFIX_DUP;
    t.tech_prefixes = tech;
    cdr_detector *d = cdr_detector_new(&t, NULL);
    cdr_record r;
    static const char *const bad[] = {"+44 44 20 7946 0018", "0044 0044 2079460018", "+44 0 20 7946 0018",
                                      "011 011 44 2079460018", "101010102079460018", "0044442079460018",
                                      "+49 12345678901234567"};
    static const char *const good[] = {"+44 20 7946 0018", "020 7946 0018", "+49 491 123456", "101"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        rec(&r, 100 + (int64_t)i, bad[i], 200, 10, "c1", "A"), cdr_detector_add(d, &r);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        rec(&r, 200 + (int64_t)i, good[i], 200, 10, "c1", "A"), cdr_detector_add(d, &r);
    size_t n;
    const cdr_finding *fs = cdr_detector_finish(d, &n);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += fs[i].count;
    assert_int_equal(total, 7);
    assert_int_equal(count_kind(fs, n, CDR_FIND_PREFIX_DUP, "country code 44 twice after +"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_PREFIX_DUP, "international prefix after 0044"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_PREFIX_DUP, "international prefix after 011"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_PREFIX_DUP, "national 0 kept after +44"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_PREFIX_DUP, "tech prefix 1010 twice"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_PREFIX_DUP, "E.164 allows 15"), 1);
    cdr_detector_free(d);
}

static void test_carrier_tallies(void **state)
{
    (void)state;
    cdr_thresholds t;
    cdr_thresholds_default(&t);
    cdr_detector *d = cdr_detector_new(&t, NULL);
    cdr_record r;
    char num[32];
    for (int i = 0; i < 30; i++) { /* FAS-like: 28/30 answered, 2 s each */
        snprintf(num, sizeof num, "+4420794600%02d", i);
        rec(&r, 10000 + i * 120, num, i < 28 ? 200 : 486, i < 28 ? 2 : 0, "c1", "FAS"), cdr_detector_add(d, &r);
    }
    for (int i = 0; i < 30; i++) { /* healthy carrier: 60% ASR, 3 min calls */
        snprintf(num, sizeof num, "+4420794601%02d", i);
        rec(&r, 10000 + i * 120, num, i % 5 < 3 ? 200 : 480, i % 5 < 3 ? 180 + i : 0, "c1", "GOOD"), cdr_detector_add(d, &r);
    }
    for (int i = 0; i < 12; i++) { /* 503 burst: 12 in 24 s on BURST */
        snprintf(num, sizeof num, "+4420794602%02d", i);
        rec(&r, 50000 + i * 2, num, 503, 0, "c2", "BURST"), cdr_detector_add(d, &r);
    }
    size_t n;
    const cdr_finding *fs = cdr_detector_finish(d, &n);
    assert_int_equal(count_kind(fs, n, CDR_FIND_FAS, "carrier=FAS"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_SHORT_CALLS, "carrier=FAS"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_FAS, "GOOD"), 0);
    assert_int_equal(count_kind(fs, n, CDR_FIND_BURST_503, "carrier=BURST"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_BURST_503, NULL), 1);
    /* the 503s went to one 4-digit prefix (4420): also a routing gap by share? 12 no-route of
     * 12+60 attempts on 4420 is 17%: below 80%, so no */
    assert_int_equal(count_kind(fs, n, CDR_FIND_ROUTING_GAP, NULL), 0);
    cdr_detector_free(d);
}

/* The generated file: 20,000 normal rows over 2 days plus the planted anomalies. */
static void test_generated_planted(void **state)
{
    (void)state;
    char path[] = "/tmp/cdr_gen_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' --rows 20000 --days 2 --plant --seed 7 > '%s'", gen_path, path);
    assert_int_equal(system(cmd), 0);
    cdr_import_opts o;
    cdr_import_opts_init(&o);
    o.country = sb_phone_country_find("GB");
    cdr_detector *d = cdr_detector_new(NULL, NULL);
    cdr_report *rep = cdr_report_new(NULL, NULL);
    cdr_import_stats st;
    assert_int_equal(cdr_import_file(path, &o, (cdr_sink){cdr_detector_sink_row, d}, &st), 0);
    assert_int_equal(st.rows_bad, 0);
    assert_int_equal(st.rows_ok, 20000 + 6 + 30 + 12 + 25 + 60 + 15 + 40);
    cdr_import_stats_free(&st);
    size_t n;
    const cdr_finding *fs = cdr_detector_finish(d, &n);
    for (size_t i = 0; i < n; i++)
        printf("  finding %s %s: %s\n", cdr_finding_kind_name(fs[i].kind), fs[i].key, fs[i].summary);
    assert_int_equal(count_kind(fs, n, CDR_FIND_ZERO_REPEAT, "customer=C-ZR callee=+447700900123"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_ZERO_REPEAT, NULL), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_ROUTING_GAP, "prefix=2125"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_ROUTING_GAP, NULL), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_PREFIX_DUP, "country code 44 twice after 00"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_BURST_503, "carrier=CARR-BURST"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_BURST_503, NULL), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_FAS, "carrier=CARR-FAS"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_FAS, NULL), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_SHORT_CALLS, "carrier=CARR-FAS"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_HIGH_COST_BURST, "customer=C-IRSF"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_HIGH_COST_BURST, NULL), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_ROUND_DURATION, "carrier=CARR-TIMER billsec=3600"), 1);
    assert_int_equal(count_kind(fs, n, CDR_FIND_ROUND_DURATION, NULL), 1);
    for (size_t i = 0; i < n; i++)
        assert_true(fs[i].n_evidence > 0);
    cdr_detector_free(d);
    cdr_report_free(rep);
    unlink(path);
}

int main(int argc, char **argv)
{
    gen_path = argc > 1 ? argv[1] : "cdr_gen";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_repeat_window),
        cmocka_unit_test(test_prefix_dup_patterns),
        cmocka_unit_test(test_carrier_tallies),
        cmocka_unit_test(test_generated_planted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
