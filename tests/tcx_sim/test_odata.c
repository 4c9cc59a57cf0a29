/* Unit tests of the XAPI simulator's OData subset (sim/tcx/odata*.c): $filter parsing with its
 * 400 messages, evaluation against jansson entities (escaping, case rules, null, dates,
 * complex paths), the other query options, applying a query, and the date helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "odata.h"
#include "sim.h"

static json_t *users(void)
{
    return json_loads(
        "[{\"Id\":26,\"Number\":\"100\",\"FirstName\":\"Max\",\"LastName\":\"Mustermann\","
        "\"EmailAddress\":\"Max@Example.com\",\"Mobile\":\"+49 731 123456\",\"Enabled\":true,"
        "\"IsRegistered\":true,\"QueueStatus\":\"LoggedIn\",\"PrimaryGroupId\":28},"
        "{\"Id\":27,\"Number\":\"101\",\"FirstName\":\"Se\\u00e1n\",\"LastName\":\"O'Brien\","
        "\"EmailAddress\":\"sean@example.com\",\"Mobile\":null,\"Enabled\":true,"
        "\"IsRegistered\":false,\"QueueStatus\":\"LoggedOut\",\"PrimaryGroupId\":35},"
        "{\"Id\":28,\"Number\":\"102\",\"FirstName\":\"Julia\",\"LastName\":\"Weber\","
        "\"EmailAddress\":\"julia@example.com\",\"Enabled\":false,"
        "\"IsRegistered\":false,\"QueueStatus\":\"LoggedOut\",\"PrimaryGroupId\":28}]",
        0, NULL);
}

/* Numbers of the users a filter keeps, comma-joined, or "ERR:<message>". */
static char *run(const char *filter, bool case_sensitive)
{
    static char out[512];
    char err[TSIM_ERR_LEN];
    tsim_odata_opts o = {case_sensitive};
    tsim_filter *f = tsim_filter_parse(filter, strlen(filter), &tsim_schema_user, &o, err);
    if (!f) {
        snprintf(out, sizeof out, "ERR:%s", err);
        return out;
    }
    json_t *u = users();
    out[0] = '\0';
    size_t i;
    json_t *e;
    json_array_foreach(u, i, e) {
        if (tsim_filter_match(f, e)) {
            if (out[0])
                strcat(out, ",");
            strcat(out, json_string_value(json_object_get(e, "Number")));
        }
    }
    json_decref(u);
    tsim_filter_free(f);
    return out;
}

static void expect(const char *filter, const char *want)
{
    const char *got = run(filter, false);
    if (strcmp(got, want) != 0)
        fail_msg("filter <%s>: got <%s>, want <%s>", filter, got, want);
}

static void expect_error(const char *filter, const char *fragment)
{
    const char *got = run(filter, false);
    if (strncmp(got, "ERR:", 4) != 0 || !strstr(got, fragment))
        fail_msg("filter <%s>: got <%s>, want an error containing <%s>", filter, got, fragment);
}

static void test_filter_comparisons(void **state)
{
    (void)state;
    expect("Number eq '100'", "100");
    expect("Number ne '100'", "101,102");
    expect("Number gt '100'", "101,102");
    expect("Number ge '101' and Number le '101'", "101");
    expect("Id lt 27", "100");
    expect("Id ge 27", "101,102");
    expect("Enabled eq true", "100,101");
    expect("Enabled eq false", "102");
    expect("IsRegistered eq true and Enabled eq true", "100");
    expect("QueueStatus eq 'LoggedIn'", "100");
    expect("Number eq '100' or Number eq '102'", "100,102");
    expect("not (Number eq '100')", "101,102");
    expect("not Enabled", "102");
    expect("Number eq '100' or Number eq '101' and Enabled eq false", "100");
    expect("(Number eq '100' or Number eq '101') and Enabled eq true", "100,101");
    expect("Id eq 26.0", "100");
}

static void test_filter_strings(void **state)
{
    (void)state;
    expect("LastName eq 'O''Brien'", "101");
    expect("contains(LastName,'''')", "101");
    expect("contains(LastName,'o''b')", "101");
    expect("contains(FirstName,'án')", "101");
    expect("startswith(Number,'10')", "100,101,102");
    expect("endswith(EmailAddress,'EXAMPLE.COM')", "100,101,102");
    expect("tolower(EmailAddress) eq 'max@example.com'", "100");
    expect("toupper(LastName) eq 'WEBER'", "102");
    expect("EmailAddress eq 'max@example.com'", ""); /* eq is case-sensitive */
    expect("length(Number) eq 3", "100,101,102");
    expect("trim('  x ') eq 'x'", "100,101,102");
    expect("contains(Mobile,'731')", "100");
    expect("contains(LastName,'') ", "100,101,102");
    expect("contains(LastName,'x'') or (1 eq 1')", "");
    const char *cs = run("contains(LastName,'o''b')", true);
    assert_string_equal(cs, "");
    cs = run("contains(LastName,'O''B')", true);
    assert_string_equal(cs, "101");
}

static void test_filter_null(void **state)
{
    (void)state;
    expect("Mobile eq null", "101,102");
    expect("Mobile ne null", "100");
    expect("null eq Mobile", "101,102");
    expect("Mobile gt 'a'", "");
    expect("contains(Mobile,'1')", "100");
}

static void test_filter_errors(void **state)
{
    (void)state;
    expect_error("Foo eq 1", "Could not find a property named 'Foo' on type 'Pbx.User'");
    expect_error("Number eq 100", "incompatible types");
    expect_error("Enabled gt true", "incompatible types");
    expect_error("Number", "boolean");
    expect_error("Number eq", "operand was expected");
    expect_error("Number eq 'x", "Syntax error");
    expect_error("(Number eq '1'", "')' expected");
    expect_error("Number eq '1')", "unexpected token");
    expect_error("Number eq '1' xor Id eq 2", "unexpected token");
    expect_error("frobnicate(Number)", "unknown function");
    expect_error("contains(Number)", "arguments");
    expect_error("contains(Id,'1')", "No function signature");
    expect_error("date(Number) eq 2026-01-01", "No function signature");
    expect_error("", "empty");
    expect_error("   ", "empty");
    expect_error("Groups eq null", "cannot be compared");
    expect_error("Number/Sub eq 'x'", "no sub-properties");
    expect_error("Number eq '1' and Id", "must be boolean");
    expect_error("Id eq 99999999999999999999999", "Syntax error");
    expect_error("Number eq 2026-02-30", "Syntax error");
    expect_error("Number eq #", "Syntax error");
    expect_error("Id eq 1abc", "Syntax error");
}

static void test_filter_limits(void **state)
{
    (void)state;
    char deep[400];
    size_t k = 0;
    for (int i = 0; i < 100; i++)
        deep[k++] = '(';
    memcpy(deep + k, "Id eq 1", 7);
    k += 7;
    for (int i = 0; i < 100; i++)
        deep[k++] = ')';
    deep[k] = '\0';
    expect_error(deep, "recursion depth");
    char *wide = malloc(40000);
    k = 0;
    for (int i = 0; i < 600; i++)
        k += (size_t)sprintf(wide + k, "%sId eq %d", i ? " or " : "", i);
    const char *got = run(wide, false);
    assert_non_null(strstr(got, "node count limit"));
    free(wide);
    char nots[300];
    k = 0;
    for (int i = 0; i < 70; i++)
        k += (size_t)sprintf(nots + k, "not ");
    sprintf(nots + k, "Enabled");
    expect_error(nots, "recursion depth");
}

static void test_filter_dates_and_paths(void **state)
{
    (void)state;
    json_t *ev = json_loads("[{\"Id\":1,\"Type\":\"Error\",\"TimeGenerated\":\"2026-03-01T10:00:00Z\"},"
                            "{\"Id\":2,\"Type\":\"Info\",\"TimeGenerated\":\"2026-03-02T00:30:00.250Z\"}]",
                            0, NULL);
    char err[TSIM_ERR_LEN];
    const char *cases[][2] = {
        {"TimeGenerated ge 2026-03-02T00:00:00Z", "2"},
        {"TimeGenerated lt 2026-03-02T01:30:00+01:00", "1"},
        {"TimeGenerated gt 2026-03-02T00:30:00.249Z", "2"},
        {"date(TimeGenerated) eq 2026-03-01", "1"},
        {"date(TimeGenerated) ge 2026-03-01 and Type eq 'Info'", "2"},
        {"Type eq 'Error' or Type eq 'Warning'", "1"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tsim_filter *f = tsim_filter_parse(cases[c][0], strlen(cases[c][0]), &tsim_schema_eventlog,
                                           NULL, err);
        if (!f)
            fail_msg("%s: %s", cases[c][0], err);
        char got[16] = "";
        size_t i;
        json_t *e;
        json_array_foreach(ev, i, e) if (tsim_filter_match(f, e))
            sprintf(got + strlen(got), "%lld", (long long)json_integer_value(json_object_get(e, "Id")));
        if (strcmp(got, cases[c][1]) != 0)
            fail_msg("%s: got %s want %s", cases[c][0], got, cases[c][1]);
        tsim_filter_free(f);
    }
    assert_null(tsim_filter_parse("TimeGenerated ge '2026-03-01'", 29, &tsim_schema_eventlog, NULL,
                                  err));
    assert_non_null(strstr(err, "incompatible"));
    json_decref(ev);

    json_t *trunk = json_loads("{\"Id\":1,\"Gateway\":{\"Name\":\"Provider A\",\"Port\":5060}}", 0, NULL);
    tsim_filter *f = tsim_filter_parse("Gateway/Name eq 'Provider A' and Gateway/Port eq 5060", 53,
                                       &tsim_schema_trunk, NULL, err);
    assert_non_null(f);
    assert_true(tsim_filter_match(f, trunk));
    tsim_filter_free(f);
    assert_null(tsim_filter_parse("Gateway eq 'x'", 14, &tsim_schema_trunk, NULL, err));
    assert_null(tsim_filter_parse("Gateway/ eq 'x'", 15, &tsim_schema_trunk, NULL, err));
    json_decref(trunk);
}

static int parse(const char *raw, int mode, tsim_query *q, char *err)
{
    return tsim_query_parse(raw, strlen(raw), &tsim_schema_user, mode, NULL, q, err);
}

static void expect_query_error(const char *raw, int mode, const char *fragment)
{
    tsim_query q;
    char err[TSIM_ERR_LEN];
    int rc = parse(raw, mode, &q, err);
    tsim_query_free(&q);
    if (rc == 0 || !strstr(err, fragment))
        fail_msg("query <%s>: rc %d err <%s>, want <%s>", raw, rc, err, fragment);
}

static void test_query_options(void **state)
{
    (void)state;
    tsim_query q;
    char err[TSIM_ERR_LEN];
    assert_int_equal(parse("%24filter=LastName%20eq%20%27O%27%27Brien%27&$select=Id,Number"
                           "&$expand=Groups($select=Name),ForwardingProfiles&$orderby=LastName desc,"
                           "Number&$top=5&$skip=1&$count=true&other=ignored",
                           TSIM_Q_COLLECTION, &q, err), 0);
    assert_non_null(q.filter);
    assert_int_equal(q.nselect, 2);
    assert_string_equal(q.select[1], "Number");
    assert_int_equal(q.nexpand, 2);
    assert_string_equal(q.expand[0], "Groups");
    assert_int_equal(q.norder, 2);
    assert_true(q.order[0].desc);
    assert_false(q.order[1].desc);
    assert_int_equal(q.top, 5);
    assert_int_equal(q.skip, 1);
    assert_true(q.count);
    tsim_query_free(&q);
    /* '+' is a space in a query component */
    assert_int_equal(parse("$filter=Number+eq+'100'", TSIM_Q_COLLECTION, &q, err), 0);
    tsim_query_free(&q);
    assert_int_equal(parse("$select=*&$expand=*", TSIM_Q_COLLECTION, &q, err), 0);
    assert_true(q.select_all);
    assert_int_equal(q.nexpand, 5);
    tsim_query_free(&q);

    expect_query_error("$top=-1", TSIM_Q_COLLECTION, "non-negative integer");
    expect_query_error("$top=abc", TSIM_Q_COLLECTION, "non-negative integer");
    expect_query_error("$skip=99999999999", TSIM_Q_COLLECTION, "non-negative integer");
    expect_query_error("$count=yes", TSIM_Q_COLLECTION, "count");
    expect_query_error("$format=json", TSIM_Q_COLLECTION, "not supported");
    expect_query_error("$top=1&$top=2", TSIM_Q_COLLECTION, "more than once");
    expect_query_error("$select=Nope", TSIM_Q_COLLECTION, "Nope");
    expect_query_error("$select=Id,", TSIM_Q_COLLECTION, "property");
    expect_query_error("$expand=Number", TSIM_Q_COLLECTION, "navigation property");
    expect_query_error("$expand=Groups(", TSIM_Q_COLLECTION, "$expand");
    expect_query_error("$orderby=Number sideways", TSIM_Q_COLLECTION, "asc");
    expect_query_error("$orderby=Groups", TSIM_Q_COLLECTION, "cannot be used");
    expect_query_error("$orderby=", TSIM_Q_COLLECTION, "empty");
    expect_query_error("$filter=%ZZ", TSIM_Q_COLLECTION, "percent");
    expect_query_error("$filter=a%00", TSIM_Q_COLLECTION, "percent");
    expect_query_error("$top=1", TSIM_Q_ENTITY, "single entity");
    expect_query_error("$search=", TSIM_Q_COLLECTION, "empty");
    assert_int_equal(parse("$select=Id&$expand=Groups", TSIM_Q_ENTITY, &q, err), 0);
    tsim_query_free(&q);
}

static char *numbers(json_t *rows)
{
    static char out[256];
    out[0] = '\0';
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e) {
        if (out[0])
            strcat(out, ",");
        strcat(out, json_string_value(json_object_get(e, "Number")));
    }
    return out;
}

static void test_query_apply(void **state)
{
    (void)state;
    json_t *u = users();
    tsim_query q;
    char err[TSIM_ERR_LEN];
    size_t count;
    assert_int_equal(parse("$filter=Enabled eq true or Id eq 28&$orderby=PrimaryGroupId desc,Number desc"
                           "&$skip=1&$top=1&$count=true", TSIM_Q_COLLECTION, &q, err), 0);
    json_t *rows = tsim_query_rows(&q, &tsim_schema_user, u, &count);
    assert_int_equal(count, 3);
    assert_string_equal(numbers(rows), "102");
    json_decref(rows);
    tsim_query_free(&q);

    assert_int_equal(parse("$search=BRIEN", TSIM_Q_COLLECTION, &q, err), 0);
    rows = tsim_query_rows(&q, &tsim_schema_user, u, &count);
    assert_string_equal(numbers(rows), "101");
    json_decref(rows);
    tsim_query_free(&q);

    assert_int_equal(parse("$orderby=Mobile&$skip=5", TSIM_Q_COLLECTION, &q, err), 0);
    rows = tsim_query_rows(&q, &tsim_schema_user, u, &count);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
    tsim_query_free(&q);

    assert_int_equal(parse("$orderby=Mobile", TSIM_Q_COLLECTION, &q, err), 0);
    rows = tsim_query_rows(&q, &tsim_schema_user, u, &count);
    assert_string_equal(numbers(rows), "101,102,100"); /* nulls first, stable */
    json_decref(rows);
    tsim_query_free(&q);

    json_t *e = json_loads("{\"Id\":1,\"Number\":\"1\",\"Groups\":[],\"AuthPassword\":\"x\"}", 0, NULL);
    assert_int_equal(parse("$select=Number,Groups", TSIM_Q_COLLECTION, &q, err), 0);
    json_t *s = tsim_query_shape(&q, &tsim_schema_user, e);
    assert_int_equal(json_object_size(s), 1);
    assert_non_null(json_object_get(s, "Number"));
    json_decref(s);
    tsim_query_free(&q);
    json_decref(e);
    json_decref(u);
}

static void test_dates(void **state)
{
    (void)state;
    int64_t ms, days;
    assert_true(tsim_parse_datetime("1970-01-01T00:00:00Z", 20, &ms));
    assert_int_equal(ms, 0);
    assert_true(tsim_parse_datetime("2026-03-29T01:00:00Z", 20, &ms));
    assert_int_equal(ms, 1774746000000LL);
    assert_true(tsim_parse_datetime("2026-03-29T03:00:00+02:00", 25, &ms));
    assert_int_equal(ms, 1774746000000LL);
    assert_true(tsim_parse_datetime("2026-03-29T01:00:00.5Z", 22, &ms));
    assert_int_equal(ms, 1774746000500LL);
    assert_true(tsim_parse_datetime("2026-03-29T01:00Z", 17, &ms));
    assert_false(tsim_parse_datetime("2026-03-29T01:00:00", 19, &ms));
    assert_false(tsim_parse_datetime("2026-03-29T24:00:00Z", 20, &ms));
    assert_false(tsim_parse_datetime("2026-13-01T00:00:00Z", 20, &ms));
    assert_false(tsim_parse_datetime("2026-03-29 01:00:00Z", 20, &ms));
    assert_false(tsim_parse_datetime("2026-03-29T01:00:00.Z", 21, &ms));
    assert_true(tsim_parse_date("2024-02-29", 10, &days));
    assert_false(tsim_parse_date("2026-02-29", 10, &days));
    assert_false(tsim_parse_date("2026-04-31", 10, &days));
    char out[40];
    tsim_format_datetime(1774746000500LL, true, out, sizeof out);
    assert_string_equal(out, "2026-03-29T01:00:00.500Z");
    tsim_format_datetime(-1000, false, out, sizeof out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    char *d = tsim_pct_decode("a%27b+c%2B", 10, true);
    assert_string_equal(d, "a'b c+");
    free(d);
    d = tsim_pct_decode("a+b", 3, false);
    assert_string_equal(d, "a+b");
    free(d);
    assert_null(tsim_pct_decode("%2", 2, true));
    assert_null(tsim_pct_decode("%00", 3, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_comparisons), cmocka_unit_test(test_filter_strings),
        cmocka_unit_test(test_filter_null),        cmocka_unit_test(test_filter_errors),
        cmocka_unit_test(test_filter_limits),      cmocka_unit_test(test_filter_dates_and_paths),
        cmocka_unit_test(test_query_options),      cmocka_unit_test(test_query_apply),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
