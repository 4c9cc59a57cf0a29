/* The SQLite store: default XDG path, WAL, idempotent and transactional imports, retention,
 * paginated search with filters, and a scan feeding the report with the same figures as the
 * streaming report over the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdr/cdr_store.h"

#define DATA "tests/cdr/data/"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cdr_store_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static cdr_import_opts gb_opts(void)
{
    cdr_import_opts o;
    cdr_import_opts_init(&o);
    o.country = sb_phone_country_find("GB");
    return o;
}

static void test_default_path_and_idempotence(void **state)
{
    (void)state;
    setenv("XDG_DATA_HOME", dir, 1);
    char *p = cdr_store_default_path();
    char want[128];
    snprintf(want, sizeof want, "%s/switchboard/cdr.db", dir);
    assert_string_equal(p, want);
    free(p);
    char err[256];
    cdr_store *s = cdr_store_open(NULL, err, sizeof err);
    assert_non_null(s);
    assert_string_equal(cdr_store_path(s), want);
    cdr_import_opts o = gb_opts();
    cdr_import_stats st;
    uint64_t added;
    assert_int_equal(cdr_store_import_file(s, DATA "asterisk_master.csv", &o, &st, &added), 0);
    assert_int_equal(added, 6);
    assert_int_equal(st.rows_bad, 2);
    cdr_import_stats_free(&st);
    assert_int_equal(cdr_store_import_file(s, DATA "asterisk_master.csv", &o, &st, &added), 0);
    assert_int_equal(added, 0); /* idempotent */
    cdr_import_stats_free(&st);
    assert_int_equal(cdr_store_count(s), 6);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", want);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0); /* WAL mode */
    /* a failing import leaves the store as it was */
    assert_int_equal(cdr_store_import_file(s, DATA "missing.csv", &o, &st, &added), -1);
    cdr_import_stats_free(&st);
    assert_int_equal(cdr_store_count(s), 6);
    cdr_store_close(s);
    unsetenv("XDG_DATA_HOME");
}

/* Cancelled after the first 4 MiB were written inside the transaction: all rolled back. */
static int cancel_flag;
static void cancel_on_progress(void *ud, uint64_t done, uint64_t total, uint64_t rows)
{
    (void)ud, (void)total;
    if (done < total && rows > 0)
        cancel_flag = 1;
}

static void test_transactional_cancel(void **state)
{
    (void)state;
    char csv[128], db[128];
    snprintf(csv, sizeof csv, "%s/big.csv", dir);
    snprintf(db, sizeof db, "%s/t.db", dir);
    FILE *f = fopen(csv, "w");
    assert_non_null(f);
    fputs("start,callee,billsec,customer\n", f);
    for (int i = 0; i < 120000; i++)
        fprintf(f, "2026-03-01 %02d:%02d:%02d,+4420794%05d,%d,cust%d\n", i / 3600 % 24, i / 60 % 60, i % 60, i % 100000, i % 7, i % 13);
    fclose(f);
    char err[256];
    cdr_store *s = cdr_store_open(db, err, sizeof err);
    assert_non_null(s);
    cdr_import_opts o = gb_opts();
    cancel_flag = 0;
    o.cancel = &cancel_flag;
    o.progress = cancel_on_progress;
    cdr_import_stats st;
    uint64_t added;
    assert_int_equal(cdr_store_import_file(s, csv, &o, &st, &added), -1);
    assert_string_equal(st.error, "cancelled");
    assert_true(st.rows_ok > 0);
    cdr_import_stats_free(&st);
    assert_int_equal(cdr_store_count(s), 0);
    cancel_flag = 0;
    o.cancel = NULL;
    assert_int_equal(cdr_store_import_file(s, csv, &o, &st, &added), 0);
    cdr_import_stats_free(&st);
    assert_int_equal(cdr_store_count(s), 120000);
    cdr_store_close(s);
}

static void test_search_scan_retention(void **state)
{
    (void)state;
    char db[128], err[256];
    snprintf(db, sizeof db, "%s/s.db", dir);
    cdr_store *s = cdr_store_open(db, err, sizeof err);
    assert_non_null(s);
    cdr_import_opts o = gb_opts();
    cdr_import_stats st;
    uint64_t added;
    assert_int_equal(cdr_store_import_file(s, DATA "asterisk_master.csv", &o, &st, &added), 0);
    cdr_import_stats_free(&st);
    assert_int_equal(cdr_store_import_file(s, DATA "connexcs.csv", &o, &st, &added), 0);
    cdr_import_stats_free(&st);
    assert_int_equal(added, 4);

    cdr_filter f;
    cdr_filter_init(&f);
    f.customer = "cust2";
    json_t *page = cdr_store_search(s, &f, 0, 2);
    assert_non_null(page);
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 3);
    assert_true(json_is_true(json_object_get(page, "hasMore")));
    const json_t *rows = json_object_get(page, "rows");
    assert_int_equal(json_array_size(rows), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "start")), "2026-03-02T10:00:00Z");
    json_decref(page);
    page = cdr_store_search(s, &f, 2, 2);
    assert_int_equal(json_array_size(json_object_get(page, "rows")), 1);
    assert_true(json_is_false(json_object_get(page, "hasMore")));
    json_decref(page);

    cdr_filter_init(&f);
    f.prefix = "+4420";
    f.answered = 1;
    page = cdr_store_search(s, &f, 0, 50);
    /* answered calls to +4420...: Asterisk row 1 and ConnexCS c1 */
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 2);
    json_decref(page);
    cdr_filter_init(&f);
    f.callee = "020 7946 0018";
    f.country = sb_phone_country_find("GB");
    page = cdr_store_search(s, &f, 0, 50);
    assert_int_equal(json_integer_value(json_object_get(page, "total")), 2);
    json_decref(page);

    /* store scan -> report equals the streaming report of the same file */
    cdr_filter_init(&f);
    f.from_ms = 1772323200000LL; /* 2026-03-01 */
    f.to_ms = 1772496000000LL;   /* 2026-03-03 */
    f.customer = "cust1";
    cdr_report *a = cdr_report_new(&f, NULL), *b = cdr_report_new(&f, NULL);
    assert_int_equal(cdr_store_scan(s, &f, (cdr_sink){cdr_report_sink_row, a}), 0);
    assert_int_equal(cdr_import_file(DATA "asterisk_master.csv", &o, (cdr_sink){cdr_report_sink_row, b}, &st), 0);
    cdr_import_stats_free(&st);
    cdr_summary sa, sb;
    cdr_report_summary(a, &sa);
    cdr_report_summary(b, &sb);
    assert_int_equal(sa.attempts, 3);
    assert_int_equal(sa.attempts, sb.attempts);
    assert_int_equal(sa.answered, sb.answered);
    assert_true(sa.acd_s == sb.acd_s && sa.aloc_s == sb.aloc_s);
    cdr_report_free(a);
    cdr_report_free(b);

    /* retention: everything before 2026-03-02 goes (3 Asterisk + 4 ConnexCS rows) */
    assert_int_equal(cdr_store_purge_before(s, 1772409600000LL), 7);
    assert_int_equal(cdr_store_count(s), 3);
    cdr_store_close(s);
    assert_null(cdr_store_open("/proc/forbidden/x.db", err, sizeof err));
    assert_true(strlen(err) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_path_and_idempotence),
        cmocka_unit_test(test_transactional_cancel),
        cmocka_unit_test(test_search_scan_retention),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
