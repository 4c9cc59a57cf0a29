/* Schema generation from mcp_param rows and the validator: each rule, its message, and the
 * integer normalisation handlers rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mcp/mcp_schema.h"

static const char *const colours[] = {"red", "green", NULL};
static const mcp_param params[] = {
    {.name = "limit", .type = MCP_T_INTEGER, .description = "max rows", .default_json = "10",
     .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(100)},
    {.name = "name", .type = MCP_T_STRING, .required = true, .min_length = 2, .max_length = 5},
    {.name = "colour", .type = MCP_T_STRING, .enum_values = colours},
    {.name = "ext", .type = MCP_T_STRING, .pattern = "[0-9]{3,4}"},
    {.name = "day", .type = MCP_T_STRING, .format = "date"},
    {.name = "ids", .type = MCP_T_ARRAY, .items = MCP_T_INTEGER, .min_items = 1, .max_items = 3},
    {.name = "ratio", .type = MCP_T_NUMBER, .maximum = MCP_BOUND(0.5)},
    {.name = "flag", .type = MCP_T_BOOLEAN},
    {.name = "raw", .schema_json = "{\"type\":[\"string\",\"null\"]}", .description = "d"},
    {0},
};

static json_t *gen(void)
{
    char *err = NULL;
    json_t *s = mcp_schema_from_params(params, &err);
    assert_non_null(s);
    assert_null(err);
    return s;
}

static void test_generation(void **state)
{
    json_t *s = gen();
    json_t *want = json_loads(
        "{\"type\":\"object\",\"properties\":{"
        "\"limit\":{\"type\":\"integer\",\"description\":\"max rows\",\"minimum\":1,\"maximum\":100,"
        "\"default\":10},"
        "\"name\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":5},"
        "\"colour\":{\"type\":\"string\",\"enum\":[\"red\",\"green\"]},"
        "\"ext\":{\"type\":\"string\",\"pattern\":\"^([0-9]{3,4})$\"},"
        "\"day\":{\"type\":\"string\",\"format\":\"date\"},"
        "\"ids\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":3},"
        "\"ratio\":{\"type\":\"number\",\"maximum\":0.5},"
        "\"flag\":{\"type\":\"boolean\"},"
        "\"raw\":{\"type\":[\"string\",\"null\"],\"description\":\"d\"}},"
        "\"required\":[\"name\"],\"additionalProperties\":false}", 0, NULL);
    assert_true(json_equal(s, want));
    json_decref(want);
    json_decref(s);
}

static void test_bad_rows(void **state)
{
    char *err = NULL;
    const mcp_param bad_default[] = {
        {.name = "n", .type = MCP_T_INTEGER, .default_json = "500", .maximum = MCP_BOUND(10)}, {0}};
    assert_null(mcp_schema_from_params(bad_default, &err));
    assert_non_null(strstr(err, "maximum"));
    free(err);
    err = NULL;
    const mcp_param dup[] = {{.name = "a", .type = MCP_T_STRING}, {.name = "a", .type = MCP_T_STRING}, {0}};
    assert_null(mcp_schema_from_params(dup, &err));
    free(err);
    err = NULL;
    const mcp_param badjson[] = {{.name = "a", .schema_json = "{nope"}, {0}};
    assert_null(mcp_schema_from_params(badjson, &err));
    free(err);
    err = NULL;
    json_t *s = json_loads("{\"type\":\"string\",\"pattern\":\"([a-z\"}", 0, NULL);
    assert_null(mcp_schema_compile(s, &err));
    assert_non_null(strstr(err, "pattern"));
    free(err);
    json_decref(s);
}

/* Validates text against the generated schema; returns the error (malloc'd) or NULL. */
static char *check(const char *text)
{
    json_t *s = gen();
    char *err = NULL;
    mcp_schema *sc = mcp_schema_compile(s, &err);
    assert_non_null(sc);
    json_t *inst = json_loads(text, 0, NULL);
    assert_non_null(inst);
    mcp_schema_validate(sc, inst, "argument", &err);
    json_decref(inst);
    mcp_schema_free(sc);
    json_decref(s);
    return err;
}

static void expect(const char *text, const char *fragment)
{
    char *err = check(text);
    if (!fragment) {
        if (err)
            fail_msg("%s: unexpected error %s", text, err);
        return;
    }
    if (!err || !strstr(err, fragment))
        fail_msg("%s: wanted '%s', got '%s'", text, fragment, err ? err : "(ok)");
    free(err);
}

static void test_rules(void **state)
{
    expect("{\"name\":\"abc\"}", NULL);
    expect("{}", "argument 'name': is required but missing (required)");
    expect("{\"name\":\"a\"}", "argument 'name': must be at least 2 characters long (minLength)");
    expect("{\"name\":\"abcdef\"}", "must be at most 5 characters long, got 6 (maxLength)");
    expect("{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}", NULL); /* 3 characters, 6 bytes */
    expect("{\"name\":\"ab\",\"limit\":0}", "argument 'limit': must be at least 1 (minimum)");
    expect("{\"name\":\"ab\",\"limit\":101}", "must be at most 100 (maximum)");
    expect("{\"name\":\"ab\",\"limit\":1.5}", "must be an integer, got a number (type)");
    expect("{\"name\":\"ab\",\"limit\":\"5\"}", "must be an integer, got a string (type)");
    expect("{\"name\":\"ab\",\"colour\":\"blue\"}", "must be one of [\"red\",\"green\"] (enum)");
    expect("{\"name\":\"ab\",\"ext\":\"12\"}", "must match the pattern ^([0-9]{3,4})$ (pattern)");
    expect("{\"name\":\"ab\",\"ext\":\"1234\"}", NULL);
    expect("{\"name\":\"ab\",\"ext\":\"12345\"}", "(pattern)");
    expect("{\"name\":\"ab\",\"day\":\"2026-02-29\"}", "must be a valid date");
    expect("{\"name\":\"ab\",\"day\":\"2028-02-29\"}", NULL);
    expect("{\"name\":\"ab\",\"ids\":[]}", "must have at least 1 items (minItems)");
    expect("{\"name\":\"ab\",\"ids\":[1,2,3,4]}", "(maxItems)");
    expect("{\"name\":\"ab\",\"ids\":[1,\"x\"]}", "argument 'ids[1]': must be an integer");
    expect("{\"name\":\"ab\",\"ratio\":0.6}", "must be at most 0.5 (maximum)");
    expect("{\"name\":\"ab\",\"flag\":1}", "must be a boolean, got an integer (type)");
    expect("{\"name\":\"ab\",\"raw\":null}", NULL);
    expect("{\"name\":\"ab\",\"raw\":3}", "must be one of the types [\"string\",\"null\"]");
    expect("{\"name\":\"ab\",\"zzz\":1}", "argument 'zzz': is not an accepted argument "
                                          "(additionalProperties); accepted: limit, name");
}

static void test_integer_normalised(void **state)
{
    json_t *s = gen();
    char *err = NULL;
    mcp_schema *sc = mcp_schema_compile(s, &err);
    json_t *inst = json_loads("{\"name\":\"ab\",\"limit\":7.0,\"ids\":[1.0,2]}", 0, NULL);
    assert_int_equal(mcp_schema_validate(sc, inst, "argument", &err), 0);
    assert_true(json_is_integer(json_object_get(inst, "limit")));
    assert_int_equal(json_integer_value(json_object_get(inst, "limit")), 7);
    assert_true(json_is_integer(json_array_get(json_object_get(inst, "ids"), 0)));
    mcp_schema_fill_defaults(s, inst);
    json_object_del(inst, "limit");
    mcp_schema_fill_defaults(s, inst);
    assert_int_equal(json_integer_value(json_object_get(inst, "limit")), 10);
    json_decref(inst);
    mcp_schema_free(sc);
    json_decref(s);
}

static void test_formats_and_combinators(void **state)
{
    json_t *s = json_loads(
        "{\"$defs\":{\"a\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}},"
        "\"type\":\"object\",\"properties\":{"
        "\"addr\":{\"$ref\":\"#/$defs/a\"},"
        "\"when\":{\"type\":\"string\",\"format\":\"date-time\"},"
        "\"mail\":{\"type\":\"string\",\"format\":\"email\"},"
        "\"link\":{\"type\":\"string\",\"format\":\"uri\"},"
        "\"one\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\",\"minimum\":5}]},"
        "\"any\":{\"anyOf\":[{\"const\":\"x\"},{\"type\":\"integer\"}]},"
        "\"not\":{\"not\":{\"type\":\"null\"}},"
        "\"ex\":{\"type\":\"number\",\"exclusiveMinimum\":0}}}", 0, NULL);
    char *err = NULL;
    mcp_schema *sc = mcp_schema_compile(s, &err);
    assert_non_null(sc);
    static const struct { const char *inst; const char *frag; } cases[] = {
        {"{\"addr\":{\"city\":\"Paris\"}}", NULL},
        {"{\"addr\":{\"city\":5}}", "argument 'addr.city': must be a string"},
        {"{\"when\":\"2026-11-21T09:30:00Z\"}", NULL},
        {"{\"when\":\"2026-11-21T09:30:00.123+01:00\"}", NULL},
        {"{\"when\":\"2026-11-21 25:00:00Z\"}", "date-time"},
        {"{\"mail\":\"a@b.org\"}", NULL},
        {"{\"mail\":\"a@b\"}", "email"},
        {"{\"link\":\"https://x/y\"}", NULL},
        {"{\"link\":\"no scheme\"}", "uri"},
        {"{\"one\":3}", NULL},
        {"{\"one\":7}", "(oneOf)"},
        {"{\"one\":2.5}", "(oneOf)"},
        {"{\"any\":\"x\"}", NULL},
        {"{\"any\":\"y\"}", "(anyOf)"},
        {"{\"not\":null}", "(not)"},
        {"{\"ex\":0}", "(exclusiveMinimum)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *inst = json_loads(cases[i].inst, 0, NULL);
        err = NULL;
        int rc = mcp_schema_validate(sc, inst, "argument", &err);
        if (cases[i].frag ? (rc == 0 || !strstr(err, cases[i].frag)) : rc != 0)
            fail_msg("%s: wanted %s, got %s", cases[i].inst, cases[i].frag ? cases[i].frag : "ok",
                     err ? err : "ok");
        free(err);
        json_decref(inst);
    }
    mcp_schema_free(sc);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generation),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_integer_normalised),
        cmocka_unit_test(test_formats_and_combinators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
