/* Importers per dialect, each with a small hand-checked file and the report figures worked out
 * by hand (in the comments); hostile files; connector JSON rows; charts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cdr/cdr_import.h"
#include "cdr/cdr_report.h"

#define DATA "tests/cdr/data/"

typedef struct run {
    cdr_report *rep;
    cdr_import_stats st;
    int rc;
    cdr_summary s;
    json_t *json;
} run;

static void import(run *r, const char *file, cdr_dialect d, const char *mapping, const char *country)
{
    memset(r, 0, sizeof *r);
    cdr_import_opts o;
    cdr_import_opts_init(&o);
    o.dialect = d;
    o.mapping = mapping;
    o.country = country ? sb_phone_country_find(country) : NULL;
    r->rep = cdr_report_new(NULL, NULL);
    r->rc = cdr_import_file(file, &o, (cdr_sink){cdr_report_sink_row, r->rep}, &r->st);
    cdr_report_summary(r->rep, &r->s);
    r->json = cdr_report_json(r->rep);
}

static void done(run *r)
{
    cdr_report_free(r->rep);
    cdr_import_stats_free(&r->st);
    json_decref(r->json);
}

#define assert_near(a, b) assert_true(fabs((double)(a) - (double)(b)) < 0.006)

static const json_t *find_row(const json_t *arr, const char *key, const char *val)
{
    size_t i;
    const json_t *x;
    json_array_foreach(arr, i, x) {
        const json_t *k = json_object_get(x, key);
        if (json_is_string(k) && strcmp(json_string_value(k), val) == 0)
            return x;
    }
    return NULL;
}

/* Asterisk Master.csv, 8 lines: 6 good rows (3 answered: billsec 120, 30, 60; durations 124,
 * 32, 61), then a short row (line 7) and an impossible date (line 8).
 * ASR 3/6 = 50%; NER (3 answered + 1 no answer + 1 busy; congestion excluded) 5/6 = 83.33%;
 * ACD 210/3 = 70 s; ALOC 217/3 = 72.33 s; talk 3.5 min; 2 customers; 2 days (3 + 3). */
static void test_asterisk(void **state)
{
    (void)state;
    run r;
    import(&r, DATA "asterisk_master.csv", CDR_DIALECT_AUTO, NULL, "GB");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.dialect, CDR_DIALECT_ASTERISK);
    assert_false(r.st.header);
    assert_int_equal(r.st.rows_ok, 6);
    assert_int_equal(r.st.rows_bad, 2);
    assert_int_equal(r.st.bad[0].line, 7);
    assert_non_null(strstr(r.st.bad[0].reason, "field count"));
    assert_int_equal(r.st.bad[1].line, 8);
    assert_non_null(strstr(r.st.bad[1].reason, "bad time"));
    assert_int_equal(r.s.attempts, 6);
    assert_int_equal(r.s.answered, 3);
    assert_near(r.s.asr, 50.0);
    assert_near(r.s.ner, 83.333);
    assert_near(r.s.acd_s, 70.0);
    assert_near(r.s.aloc_s, 72.333);
    assert_near(r.s.talk_minutes, 3.5);
    assert_int_equal(r.s.active_customers, 2);
    assert_true(r.s.pdd_median_ms < 0);
    const json_t *disp = json_object_get(json_object_get(r.json, "failures"), "by_disposition");
    assert_int_equal(json_integer_value(json_object_get(disp, "no_answer")), 1);
    assert_int_equal(json_integer_value(json_object_get(disp, "busy")), 1);
    assert_int_equal(json_integer_value(json_object_get(disp, "congestion")), 1);
    const json_t *daily = json_object_get(r.json, "daily");
    assert_int_equal(json_array_size(daily), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(daily, 0), "answered")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(daily, 1), "answered")), 1);
    const json_t *carriers = json_object_get(r.json, "carriers");
    const json_t *ta = find_row(carriers, "carrier", "trunkA");
    assert_non_null(ta); /* trunkA: rows 1, 2, 6 */
    assert_int_equal(json_integer_value(json_object_get(ta, "attempts")), 3);
    done(&r);
}

/* FreeSWITCH default template: 4 calls, 1 answered (60 s). Causes: USER_BUSY -> 486,
 * NO_ROUTE_DESTINATION -> 404 (a routing failure), ORIGINATOR_CANCEL -> 487.
 * ASR 25%; NER (answered + busy + cancel) 75%. */
static void test_freeswitch(void **state)
{
    (void)state;
    run r;
    import(&r, DATA "freeswitch.csv", CDR_DIALECT_AUTO, NULL, "GB");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.dialect, CDR_DIALECT_FREESWITCH);
    assert_int_equal(r.s.attempts, 4);
    assert_int_equal(r.s.answered, 1);
    assert_near(r.s.asr, 25.0);
    assert_near(r.s.ner, 75.0);
    assert_near(r.s.acd_s, 60.0);
    assert_int_equal(r.s.routing_failures, 1);
    /* RFC 6076 over 200, 486, 404, 487: SER 1/4, SEER (200 + 486) 2/4, ISA none */
    const json_t *sum = json_object_get(r.json, "summary");
    assert_near(json_real_value(json_object_get(sum, "ser")), 25.0);
    assert_near(json_real_value(json_object_get(sum, "seer")), 50.0);
    assert_near(json_real_value(json_object_get(sum, "isa")), 0.0);
    const json_t *codes = json_object_get(json_object_get(r.json, "failures"), "by_sip_code");
    assert_int_equal(json_array_size(codes), 3);
    const json_t *causes = json_object_get(json_object_get(r.json, "failures"), "by_cause");
    bool seen17 = false;
    size_t i;
    const json_t *x;
    json_array_foreach(causes, i, x)
        if (json_integer_value(json_object_get(x, "q850")) == 17)
            seen17 = !strcmp(json_string_value(json_object_get(x, "name")), "USER_BUSY");
    assert_true(seen17);
    done(&r);
}

/* 3CX CDR service output: 3 calls, 2 answered with talk 100 s and 30 s (ACD 65 s); holding
 * times 110 s and 35 s (ALOC 72.5 s); one cost 0.0333 in an unstated currency. */
static void test_tcx_cdr(void **state)
{
    (void)state;
    run r;
    import(&r, DATA "tcx_cdr.csv", CDR_DIALECT_AUTO, NULL, "GB");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.dialect, CDR_DIALECT_TCX);
    assert_true(r.st.header);
    assert_int_equal(r.s.attempts, 3);
    assert_int_equal(r.s.answered, 2);
    assert_near(r.s.acd_s, 65.0);
    assert_near(r.s.aloc_s, 72.5);
    assert_int_equal(r.s.n_money, 1);
    assert_near(r.s.money[0].cost, 0.0333);
    done(&r);
}

/* 3CX web export: ringing + talking -> answer 09:00:05, end 09:02:05 (talk 120, holding 125). */
static void test_tcx_export(void **state)
{
    (void)state;
    run r;
    import(&r, DATA "tcx_export.csv", CDR_DIALECT_AUTO, NULL, "GB");
    assert_int_equal(r.st.dialect, CDR_DIALECT_TCX);
    assert_int_equal(r.s.attempts, 2);
    assert_int_equal(r.s.answered, 1);
    assert_near(r.s.acd_s, 120.0);
    assert_near(r.s.aloc_s, 125.0);
    done(&r);
}

/* ConnexCS CSV: 4 calls, 2 connected (60 s, 30 s); GBP revenue 0.5 cost 0.3, USD revenue 0.2
 * cost 0.1; PDD 800/1200/1500/2000 -> median 1200, p95 2000; one routing failure (503 "No
 * Routes Available"); destinations from the rate card names. */
static void check_connexcs(const run *r)
{
    assert_int_equal(r->s.attempts, 4);
    assert_int_equal(r->s.answered, 2);
    assert_near(r->s.asr, 50.0);
    assert_near(r->s.acd_s, 45.0);
    assert_near(r->s.pdd_median_ms, 1200);
    assert_near(r->s.pdd_p95_ms, 2000);
    assert_int_equal(r->s.routing_failures, 1);
    const json_t *money = json_object_get(r->json, "money");
    const json_t *gbp = find_row(money, "currency", "GBP"), *usd = find_row(money, "currency", "USD");
    assert_non_null(gbp);
    assert_non_null(usd);
    assert_near(json_real_value(json_object_get(gbp, "revenue")), 0.5);
    assert_near(json_real_value(json_object_get(gbp, "margin")), 0.2);
    assert_near(json_real_value(json_object_get(usd, "cost")), 0.1);
    assert_int_equal(r->s.active_customers, 2);
}

static void test_connexcs_csv(void **state)
{
    (void)state;
    run r;
    import(&r, DATA "connexcs.csv", CDR_DIALECT_AUTO, NULL, "GB");
    assert_int_equal(r.st.dialect, CDR_DIALECT_CONNEXCS);
    check_connexcs(&r);
    assert_non_null(find_row(json_object_get(r.json, "top_destinations"), "destination", "UK London"));
    done(&r);
}

/* The JSON export has the same 4 calls plus a non-object and a row without a time (bad rows
 * 5 and 6); currency maps and nested name arrays are unpacked. */
static void test_connexcs_json(void **state)
{
    (void)state;
    run r;
    import(&r, DATA "connexcs.json", CDR_DIALECT_AUTO, NULL, "GB");
    assert_int_equal(r.st.dialect, CDR_DIALECT_CONNEXCS_JSON);
    assert_int_equal(r.st.rows_ok, 4);
    assert_int_equal(r.st.rows_bad, 2);
    assert_int_equal(r.st.bad[0].line, 5);
    assert_int_equal(r.st.bad[1].line, 6);
    check_connexcs(&r);
    assert_non_null(find_row(json_object_get(r.json, "top_destinations"), "destination", "UK London"));
    done(&r);
}

/* The connector entry point: rows as the cx helper gets them from `POST cdr`. */
static int collect(void *ud, const cdr_record *rec)
{
    json_array_append_new(ud, cdr_record_json(rec));
    return 0;
}

static void test_connector_rows(void **state)
{
    (void)state;
    json_t *rows = json_loads("[{\"dt\":\"2026-03-01 09:00:00\",\"callid\":\"x1\",\"dest_number\":\"+44 20 7946 0018\","
                              "\"duration\":42,\"customer_id\":9,\"customer_charge\":1.5,\"customer_card_currency\":\"EUR\"}]", 0, NULL);
    json_t *out = json_array();
    cdr_import_stats st;
    assert_int_equal(cdr_feed_connexcs_json(rows, NULL, (cdr_sink){collect, out}, &st), 0);
    assert_int_equal(st.rows_ok, 1);
    const json_t *r = json_array_get(out, 0);
    assert_string_equal(json_string_value(json_object_get(r, "callee_e164")), "+442079460018");
    assert_int_equal(json_integer_value(json_object_get(r, "billsec_s")), 42);
    assert_string_equal(json_string_value(json_object_get(r, "customer")), "9");
    assert_string_equal(json_string_value(json_object_get(r, "currency")), "EUR");
    assert_string_equal(json_string_value(json_object_get(r, "disposition")), "answered");
    assert_string_equal(json_string_value(json_object_get(r, "source")), "connexcs");
    cdr_import_stats_free(&st);
    json_decref(rows);
    json_decref(out);

    /* 3CX CallLogData rows (XAPI) */
    rows = json_loads("{\"value\":[{\"CdrId\":\"a\",\"StartTime\":\"2026-03-01T09:00:00Z\",\"SourceCallerId\":\"101\","
                      "\"DestinationCallerId\":\"02079460018\",\"RingingDuration\":\"PT5S\",\"TalkingDuration\":\"PT1M30S\","
                      "\"Answered\":true,\"Direction\":\"Outbound\",\"CallCost\":0.12},"
                      "{\"CdrId\":\"b\",\"StartTime\":\"2026-03-01T10:00:00Z\",\"SourceCallerId\":\"+442079460055\","
                      "\"DestinationCallerId\":\"100\",\"RingingDuration\":\"PT20S\",\"TalkingDuration\":\"PT0S\","
                      "\"Answered\":false,\"Direction\":\"Inbound\"}]}", 0, NULL);
    out = json_array();
    cdr_import_opts o;
    cdr_import_opts_init(&o);
    o.country = sb_phone_country_find("GB");
    assert_int_equal(cdr_feed_tcx_json(rows, &o, (cdr_sink){collect, out}, &st), 0);
    assert_int_equal(st.rows_ok, 2);
    r = json_array_get(out, 0);
    assert_string_equal(json_string_value(json_object_get(r, "answer")), "2026-03-01T09:00:05Z");
    assert_string_equal(json_string_value(json_object_get(r, "end")), "2026-03-01T09:01:35Z");
    assert_int_equal(json_integer_value(json_object_get(r, "billsec_s")), 90);
    assert_string_equal(json_string_value(json_object_get(r, "callee_e164")), "+442079460018");
    r = json_array_get(out, 1);
    assert_string_equal(json_string_value(json_object_get(r, "disposition")), "no_answer");
    assert_string_equal(json_string_value(json_object_get(r, "direction")), "inbound");
    cdr_import_stats_free(&st);
    json_decref(rows);
    json_decref(out);
    assert_int_equal(cdr_feed_tcx_json(json_object_get(NULL, "x") ? NULL : json_null(), NULL,
                                       (cdr_sink){collect, NULL}, &st), -1);
}

/* Header-less, ';'-separated, with a BOM and mixed CRLF/LF, columns by number. The second
 * time carries +01:00, so it is 08:05Z. */
static void test_generic_mapping(void **state)
{
    (void)state;
    run r;
    import(&r, DATA "generic_semicolon_bom.csv", CDR_DIALECT_AUTO, "start=1,callee=2,billsec=3,customer=4", NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.dialect, CDR_DIALECT_GENERIC);
    assert_int_equal(r.st.sep, ';');
    assert_int_equal(r.st.rows_ok, 2);
    assert_int_equal(r.s.answered, 1);
    char t[40];
    cdr_format_time(r.s.first_ms, t, sizeof t);
    assert_string_equal(t, "2026-03-01T08:05:00Z");
    done(&r);
    /* mapping errors are clear */
    import(&r, DATA "generic_semicolon_bom.csv", CDR_DIALECT_AUTO, "when=1", NULL);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.st.error, "unknown field"));
    done(&r);
}

/* Bad rows of every kind with their line numbers; the good rows (2, 8-9 quoted with an
 * embedded newline, 11) still load. */
static void test_hostile_rows(void **state)
{
    (void)state;
    run r;
    import(&r, DATA "hostile_rows.csv", CDR_DIALECT_AUTO, NULL, "GB");
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.rows_ok, 3);
    assert_int_equal(r.st.rows_bad, 5);
    static const struct { unsigned line; const char *why; } want[] = {
        {3, "field count"}, {4, "bad time"}, {5, "bad duration"}, {6, "quoting"}, {7, "UTF-8"}};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(r.st.bad[i].line, want[i].line);
        if (!strstr(r.st.bad[i].reason, want[i].why))
            fail_msg("line %u: reason \"%s\"", want[i].line, r.st.bad[i].reason);
    }
    assert_int_equal(r.s.answered, 2);
    done(&r);
    import(&r, DATA "empty.csv", CDR_DIALECT_AUTO, NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.rows_ok, 0);
    assert_int_equal(r.s.attempts, 0);
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "summary"), "asr")));
    done(&r);
    import(&r, DATA "does-not-exist.csv", CDR_DIALECT_AUTO, NULL, NULL);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.st.error, "cannot open"));
    done(&r);
    import(&r, DATA "freeswitch.csv", CDR_DIALECT_ASTERISK, NULL, NULL);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.st.error, "does not fit"));
    done(&r);
}

/* A 1 GiB line read through the file importer (a pipe, so nothing touches the disk) is one bad
 * row; the rows around it load and memory stays bounded. */
static void test_gigabyte_line_file(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        static char buf[1 << 16];
        memset(buf, 'x', sizeof buf);
        const char *head = "start,callee,billsec\n2026-03-01 09:00:00,+442079460018,60\n";
        const char *tail = "\n2026-03-01 09:01:00,+442079460018,0\n";
        if (write(fds[1], head, strlen(head)) < 0)
            _exit(1);
        for (int i = 0; i < 16384; i++)
            for (size_t off = 0; off < sizeof buf;) {
                ssize_t k = write(fds[1], buf + off, sizeof buf - off);
                if (k <= 0)
                    _exit(1);
                off += (size_t)k;
            }
        if (write(fds[1], tail, strlen(tail)) < 0)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long before = ru.ru_maxrss;
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    run r;
    import(&r, path, CDR_DIALECT_AUTO, NULL, NULL);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.rows_ok, 2);
    assert_int_equal(r.st.rows_bad, 1);
    assert_int_equal(r.st.bad[0].line, 3);
    assert_string_equal(r.st.bad[0].reason, "line too long");
    assert_true(r.st.bytes > (1ull << 30));
    assert_int_equal(r.s.answered, 1);
    getrusage(RUSAGE_SELF, &ru);
    if (ru.ru_maxrss - before > 64 * 1024)
        fail_msg("RSS grew by %ld KiB for a 1 GiB line", ru.ru_maxrss - before);
    done(&r);
}

static void test_filters_and_charts(void **state)
{
    (void)state;
    cdr_filter f;
    cdr_filter_init(&f);
    f.customer = "cust1";
    f.direction_mask = 1u << CDR_DIR_OUTBOUND;
    cdr_import_opts o;
    cdr_import_opts_init(&o);
    o.country = sb_phone_country_find("GB");
    cdr_report *rep = cdr_report_new(&f, NULL);
    cdr_import_stats st;
    assert_int_equal(cdr_import_file(DATA "asterisk_master.csv", &o, (cdr_sink){cdr_report_sink_row, rep}, &st), 0);
    cdr_summary s;
    cdr_report_summary(rep, &s);
    assert_int_equal(s.attempts, 2); /* cust1 outbound: rows 1 and 2 (row 5 is internal) */
    sb_buf b;
    sb_buf_init(&b, 1 << 20);
    assert_int_equal(cdr_report_mermaid(rep, &b), 0);
    assert_non_null(strstr(b.data, "xychart-beta"));
    assert_non_null(strstr(b.data, "x-axis [\"03-01\"]"));
    assert_non_null(strstr(b.data, "bar [2]"));
    assert_non_null(strstr(b.data, "line [1]"));
    sb_buf_reset(&b);
    assert_int_equal(cdr_report_svg(rep, &b), 0);
    assert_non_null(strstr(b.data, "<svg"));
    assert_non_null(strstr(b.data, "</svg>"));
    sb_buf_reset(&b);
    assert_int_equal(cdr_report_text(rep, &b), 0);
    assert_non_null(strstr(b.data, "ASR 50.00%"));
    sb_buf_free(&b);
    cdr_report_free(rep);
    cdr_import_stats_free(&st);
}

static void test_field_parsers(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(cdr_parse_time("2026-03-01 09:00:00", 19, &v), 0);
    assert_int_equal(v, 1772355600000LL);
    assert_int_equal(cdr_parse_time("2026-03-01T09:00:00.250Z", 24, &v), 0);
    assert_int_equal(v, 1772355600250LL);
    assert_int_equal(cdr_parse_time("01/03/2026 10:00", 16, &v), 0);
    assert_int_equal(v, 1772359200000LL);
    assert_int_equal(cdr_parse_time("1772355600", 10, &v), 0);
    assert_int_equal(v, 1772355600000LL);
    assert_int_equal(cdr_parse_time("2026-02-29 00:00:00", 19, &v), -1);
    assert_int_equal(cdr_parse_time("2026-03-01 24:00:00", 19, &v), -1);
    assert_int_equal(cdr_parse_time("yesterday", 9, &v), -1);
    assert_int_equal(cdr_parse_duration("PT1H2M3S", 8, &v), 0);
    assert_int_equal(v, 3723);
    assert_int_equal(cdr_parse_duration("01:02:03", 8, &v), 0);
    assert_int_equal(v, 3723);
    assert_int_equal(cdr_parse_duration("12.6", 4, &v), 0);
    assert_int_equal(v, 13);
    assert_int_equal(cdr_parse_duration("-5", 2, &v), -1);
    double d;
    assert_int_equal(cdr_parse_double("0.0333", 6, &d), 0);
    assert_true(fabs(d - 0.0333) < 1e-12);
    assert_int_equal(cdr_parse_double("1e-3", 4, &d), 0);
    assert_true(fabs(d - 0.001) < 1e-12);
    assert_int_equal(cdr_parse_double("1.2.3", 5, &d), -1);
    assert_int_equal(cdr_sip_from_q850(17), 486);
    assert_int_equal(cdr_q850_from_sip(404), 1);
    assert_int_equal(cdr_q850_from_name("normal_clearing", 15), 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asterisk),
        cmocka_unit_test(test_freeswitch),
        cmocka_unit_test(test_tcx_cdr),
        cmocka_unit_test(test_tcx_export),
        cmocka_unit_test(test_connexcs_csv),
        cmocka_unit_test(test_connexcs_json),
        cmocka_unit_test(test_connector_rows),
        cmocka_unit_test(test_generic_mapping),
        cmocka_unit_test(test_hostile_rows),
        cmocka_unit_test(test_gigabyte_line_file),
        cmocka_unit_test(test_filters_and_charts),
        cmocka_unit_test(test_field_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
