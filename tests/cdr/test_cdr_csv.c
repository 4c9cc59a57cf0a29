/* The streaming CSV reader: quoting, line endings, BOM, separator detection, bad rows with
 * line numbers, chunk-size independence, and a 1 GiB line that must cost bounded memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cdr/cdr_csv.h"

/* Rows rendered as "line:status:f1|f2|...\n" for comparison. */
typedef struct sink {
    char out[8192];
    size_t len;
    unsigned rows, bad;
} sink;

static int on_row(void *ud, const cdr_str *f, size_t nf, uint64_t line, int status)
{
    sink *s = ud;
    if (status)
        s->bad++;
    else
        s->rows++;
    s->len += (size_t)snprintf(s->out + s->len, sizeof s->out - s->len, "%llu:%d:", (unsigned long long)line, status);
    for (size_t i = 0; i < nf; i++)
        s->len += (size_t)snprintf(s->out + s->len, sizeof s->out - s->len, "%s%.*s", i ? "|" : "", (int)f[i].n, f[i].p);
    s->len += (size_t)snprintf(s->out + s->len, sizeof s->out - s->len, "\n");
    return 0;
}

static void run_chunks(const char *data, size_t n, size_t chunk, char sep, size_t max_row, sink *s)
{
    memset(s, 0, sizeof *s);
    cdr_csv *c = cdr_csv_new(sep, max_row, 16, on_row, s);
    assert_non_null(c);
    for (size_t off = 0; off < n; off += chunk)
        assert_int_equal(cdr_csv_feed(c, data + off, n - off < chunk ? n - off : chunk), 0);
    assert_int_equal(cdr_csv_finish(c), 0);
    cdr_csv_free(c);
}

static const char sample[] =
    "\xEF\xBB\xBF" "a,b,c\r\n"
    "1,\"x,y\",3\n"
    "\"say \"\"hi\"\"\",,\"multi\nline\"\r\n"
    "\n"
    "bad\"quote,2,3\n"
    "\"closed\"junk,2\n"
    "last,row,no-newline";

static const char expected[] =
    "1:0:a|b|c\n"
    "2:0:1|x,y|3\n"
    "3:0:say \"hi\"||multi\nline\n"
    "6:2:\n"
    "7:2:\n"
    "8:0:last|row|no-newline\n";

static void test_quoting_and_lines(void **state)
{
    (void)state;
    sink s;
    run_chunks(sample, sizeof sample - 1, sizeof sample, 0, 1024, &s);
    assert_string_equal(s.out, expected);
    assert_int_equal(s.rows, 4);
    assert_int_equal(s.bad, 2);
}

static void test_every_chunk_size(void **state)
{
    (void)state;
    for (size_t chunk = 1; chunk <= sizeof sample; chunk++) {
        sink s;
        run_chunks(sample, sizeof sample - 1, chunk, 0, 1024, &s);
        if (strcmp(s.out, expected) != 0)
            fail_msg("chunk size %zu gave:\n%s", chunk, s.out);
    }
}

static void test_separator_detection(void **state)
{
    (void)state;
    const char semi[] = "a;b;\"c;d\"\n1;2;3\n";
    sink s;
    run_chunks(semi, sizeof semi - 1, 5, 0, 1024, &s);
    assert_string_equal(s.out, "1:0:a|b|c;d\n2:0:1|2|3\n");
    const char tab[] = "a\tb\tc,d\n";
    run_chunks(tab, sizeof tab - 1, 64, 0, 1024, &s);
    assert_string_equal(s.out, "1:0:a|b|c,d\n");
    run_chunks(tab, sizeof tab - 1, 64, ',', 1024, &s); /* given, not detected */
    assert_string_equal(s.out, "1:0:a\tb\tc|d\n");
}

static void test_long_and_utf8(void **state)
{
    (void)state;
    char buf[600];
    size_t k = (size_t)snprintf(buf, sizeof buf, "ok,1\n");
    memset(buf + k, 'z', 300);
    k += 300;
    k += (size_t)snprintf(buf + k, sizeof buf - k, ",\"q\nq\"\nok,2\n\xC3\xA9t\xC3\xA9,3\n\xC3(,4\nend,5");
    sink s;
    for (size_t chunk = 1; chunk < 80; chunk += 13) {
        run_chunks(buf, k, chunk, ',', 128, &s);
        assert_string_equal(s.out, "1:0:ok|1\n2:1:\n4:0:ok|2\n5:0:\xC3\xA9t\xC3\xA9|3\n6:4:\n7:0:end|5\n");
    }
}

static void test_unterminated_quote_at_end(void **state)
{
    (void)state;
    const char d[] = "a,b\n\"open,field\nmore";
    sink s;
    run_chunks(d, sizeof d - 1, 3, 0, 1024, &s);
    assert_string_equal(s.out, "1:0:a|b\n2:2:\n");
}

static void test_too_many_fields(void **state)
{
    (void)state;
    char d[200];
    size_t k = 0;
    for (int i = 0; i < 20; i++) k += (size_t)snprintf(d + k, sizeof d - k, "%d,", i);
    k += (size_t)snprintf(d + k, sizeof d - k, "x\nfine\n");
    sink s;
    run_chunks(d, k, 7, ',', 1024, &s);
    assert_string_equal(s.out, "1:3:\n2:0:fine\n");
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A 1 GiB line (with quotes inside it) is one bad row; memory stays bounded. */
static void test_gigabyte_line(void **state)
{
    (void)state;
    size_t chunk = 1 << 20;
    char *buf = malloc(chunk);
    assert_non_null(buf);
    memset(buf, 'A', chunk);
    buf[100] = '"'; /* an opened and closed quoted stretch inside the huge line */
    buf[200] = '"';
    sink s;
    memset(&s, 0, sizeof s);
    long before = max_rss_kb();
    cdr_csv *c = cdr_csv_new(',', 64 * 1024, 64, on_row, &s);
    assert_int_equal(cdr_csv_feed(c, "h1,h2\n", 6), 0);
    for (int i = 0; i < 1024; i++)
        assert_int_equal(cdr_csv_feed(c, buf, chunk), 0);
    assert_int_equal(cdr_csv_feed(c, "\nafter,1\n", 9), 0);
    assert_int_equal(cdr_csv_finish(c), 0);
    cdr_csv_free(c);
    free(buf);
    assert_string_equal(s.out, "1:0:h1|h2\n2:1:\n3:0:after|1\n");
    long grown = max_rss_kb() - before;
    if (grown > 64 * 1024)
        fail_msg("RSS grew by %ld KiB for a 1 GiB line", grown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting_and_lines),
        cmocka_unit_test(test_every_chunk_size),
        cmocka_unit_test(test_separator_detection),
        cmocka_unit_test(test_long_and_utf8),
        cmocka_unit_test(test_unterminated_quote_at_end),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_gigabyte_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
