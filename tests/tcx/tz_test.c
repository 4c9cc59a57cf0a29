/* Unit tests for src/util/tz.c: local-day windows on DST change days (23 and 25 hours), the
 * POSIX footer rule past the stored transitions, gaps at midnight, hostile zone names, and the
 * UTC offsets compared hour by hour with the C library's own reading of the same files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/tz.h"

static void expect_window(const char *zone, const char *date, const char *start, const char *end,
                          int hours)
{
    char err[200] = "";
    sb_tz *tz = sb_tz_open(zone, err, sizeof err);
    assert_non_null(tz);
    int y, m, d;
    assert_int_equal(sb_parse_date(date, &y, &m, &d), 0);
    int64_t s, e;
    assert_int_equal(sb_tz_day_window(tz, y, m, d, &s, &e), 0);
    char a[21], b[21];
    sb_format_utc(s, a);
    sb_format_utc(e, b);
    assert_string_equal(a, start);
    assert_string_equal(b, end);
    assert_int_equal((int)(e - s), hours * 3600);
    sb_tz_free(tz);
}

static void test_berlin_dst_days(void **state)
{
    (void)state;
    expect_window("Europe/Berlin", "2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 23);
    expect_window("Europe/Berlin", "2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 25);
    expect_window("Europe/Berlin", "2026-07-01", "2026-06-30T22:00:00Z", "2026-07-01T22:00:00Z", 24);
    expect_window("Europe/Berlin", "2026-01-15", "2026-01-14T23:00:00Z", "2026-01-15T23:00:00Z", 24);
}

static void test_new_york_dst_days(void **state)
{
    (void)state;
    expect_window("America/New_York", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23);
    expect_window("America/New_York", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 25);
}

static void test_footer_rule_future(void **state)
{
    (void)state;
    /* 2040 lies past the 2037 end of the stored transitions: the POSIX rule decides. */
    expect_window("Europe/Berlin", "2040-03-25", "2040-03-24T23:00:00Z", "2040-03-25T22:00:00Z", 23);
    expect_window("America/New_York", "2040-11-04", "2040-11-04T04:00:00Z", "2040-11-05T05:00:00Z", 25);
}

static void test_gap_at_midnight(void **state)
{
    (void)state;
    /* Havana springs forward at 00:00: the day starts at the transition, 01:00 local. */
    expect_window("America/Havana", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 23);
}

/* Samoa skipped 2011-12-30 entirely: that local day is empty, the next one is whole. */
static void test_skipped_day(void **state)
{
    (void)state;
    char err[200];
    sb_tz *tz = sb_tz_open("Pacific/Apia", err, sizeof err);
    assert_non_null(tz);
    int64_t s, e;
    assert_int_equal(sb_tz_day_window(tz, 2011, 12, 30, &s, &e), 0);
    assert_true(s == e);
    assert_int_equal(sb_tz_day_window(tz, 2011, 12, 31, &s, &e), 0);
    assert_int_equal((int)(e - s), 86400);
    sb_tz_free(tz);
}

static void test_utc_and_bad_names(void **state)
{
    (void)state;
    expect_window("UTC", "2026-03-29", "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", 24);
    const char *bad[] = {"../../etc/passwd", "/etc/localtime", "Europe/Nowhere", "Europe/Berlin;rm",
                         "", NULL};
    char err[200];
    for (size_t i = 0; bad[i]; i++) {
        if (!*bad[i])
            continue;
        err[0] = 0;
        assert_null(sb_tz_open(bad[i], err, sizeof err));
        assert_true(strlen(err) > 0);
    }
    int y, m, d;
    assert_int_equal(sb_parse_date("2026-02-29", &y, &m, &d), -1);
    assert_int_equal(sb_parse_date("2026-2-01", &y, &m, &d), -1);
    assert_int_equal(sb_parse_date("2028-02-29", &y, &m, &d), 0);
    int64_t t;
    assert_int_equal(sb_parse_iso_utc("2026-03-29T01:30:00.123Z", &t), 0);
    char out[21];
    sb_format_utc(t, out);
    assert_string_equal(out, "2026-03-29T01:30:00Z");
    assert_int_equal(sb_parse_iso_utc("2026-03-29T03:30:00+02:00", &t), 0);
    sb_format_utc(t, out);
    assert_string_equal(out, "2026-03-29T01:30:00Z");
    assert_int_equal(sb_parse_iso_utc("2026-03-29 01:30", &t), -1);
    assert_int_equal(sb_parse_iso_utc("2026-03-29T01:30:00Zjunk", &t), -1);
}

static void test_truncated_files_rejected(void **state)
{
    (void)state;
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
    assert_non_null(f);
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char err[200];
    for (size_t cut = 0; cut < n; cut += 7) {
        sb_tz *tz = sb_tz_parse("x", buf, cut, err, sizeof err);
        if (tz) { /* a v1 prefix may parse; it must still answer */
            (void)sb_tz_offset(tz, 0);
            sb_tz_free(tz);
        }
    }
    sb_tz *tz = sb_tz_parse("x", buf, n, err, sizeof err);
    assert_non_null(tz);
    sb_tz_free(tz);
}

/* Our offsets equal the C library's for every hour from 2020 to 2045 in several zones. */
static void test_offsets_match_libc(void **state)
{
    (void)state;
    const char *zones[] = {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
                           "America/Sao_Paulo", "Europe/London", "Pacific/Chatham", NULL};
    for (size_t z = 0; zones[z]; z++) {
        char err[200];
        sb_tz *tz = sb_tz_open(zones[z], err, sizeof err);
        assert_non_null(tz);
        setenv("TZ", zones[z], 1);
        tzset();
        for (int64_t t = 1577836800; t < 2366841600; t += 3600) {
            time_t tt = (time_t)t;
            struct tm tm;
            localtime_r(&tt, &tm);
            if (sb_tz_offset(tz, t) != tm.tm_gmtoff) {
                char out[21];
                sb_format_utc(t, out);
                fail_msg("%s at %s: %d vs libc %ld", zones[z], out, sb_tz_offset(tz, t), tm.tm_gmtoff);
            }
        }
        sb_tz_free(tz);
    }
    unsetenv("TZ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_berlin_dst_days),     cmocka_unit_test(test_new_york_dst_days),
        cmocka_unit_test(test_footer_rule_future),  cmocka_unit_test(test_gap_at_midnight),
        cmocka_unit_test(test_skipped_day),
        cmocka_unit_test(test_utc_and_bad_names),   cmocka_unit_test(test_truncated_files_rejected),
        cmocka_unit_test(test_offsets_match_libc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
