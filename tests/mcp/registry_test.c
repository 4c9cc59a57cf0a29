/* The registry: tables and the builder, name rules, duplicates, family removal with its
 * destructor, hints and the routing guide, input-schema replacement, listing order, and the
 * in-process call path (validation before the handler). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mcp/mcp_session.h"

static int handler_runs;

static void h_ok(mcp_call *call, const json_t *args)
{
    handler_runs++;
    json_int_t n = json_integer_value(json_object_get(args, "n"));
    mcp_call_structured(call, json_pack("{s:I, s:s}", "n", n, "family",
                                        mcp_call_data(call) ? (char *)mcp_call_data(call) : "-"));
}

static const mcp_param p_n[] = {
    {.name = "n", .type = MCP_T_INTEGER, .default_json = "3", .maximum = MCP_BOUND(9)}, {0}};

static const mcp_tool_def good[] = {
    {.name = "alpha", .title = "Alpha", .description = "first", .params = p_n, .handler = h_ok,
     .output_schema = "{\"type\":\"object\",\"required\":[\"n\"]}"},
    {.name = "beta.v2", .description = "second", .handler = h_ok, .flags = MCP_TOOL_WRITE},
    {.name = "gamma", .description = "hidden", .handler = h_ok, .flags = MCP_TOOL_HIDDEN},
    {0},
};

static mcp_server *server(bool writes)
{
    mcp_server_config cfg = {.workers = 1, .allow_writes = writes};
    mcp_server *srv = mcp_server_new(&cfg);
    assert_non_null(srv);
    return srv;
}

static int collect(void *ctx, const char *name, const json_t *tool, unsigned flags)
{
    json_array_append_new(ctx, json_string(name));
    return 0;
}

static void test_tables_and_order(void **state)
{
    mcp_server *srv = server(false);
    mcp_registry *reg = mcp_server_registry(srv);
    assert_int_equal(mcp_registry_add_table(reg, good, NULL), 0);
    const mcp_tool_def bad[] = {
        {.name = "alpha", .description = "dup", .handler = h_ok},
        {.name = "bad name", .description = "space", .handler = h_ok},
        {.name = "", .description = "empty", .handler = h_ok},
        {.name = "nohandler", .description = "x"},
        {.name = "badout", .description = "x", .handler = h_ok, .output_schema = "{"},
        {.name = "delta", .description = "fine", .handler = h_ok},
        {0},
    };
    assert_int_equal(mcp_registry_add_table(reg, bad, NULL), -1);
    json_t *names = json_array();
    mcp_registry_foreach_tool(reg, collect, names);
    json_t *want = json_pack("[s,s,s,s]", "alpha", "beta.v2", "gamma", "delta");
    assert_true(json_equal(names, want));
    json_decref(want);
    json_decref(names);
    assert_int_equal(mcp_registry_tool_count(reg), 4);
    const json_t *in = mcp_registry_input_schema(reg, "alpha");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(in, "properties"), "n"), "default")),
                     3);
    mcp_server_free(srv, 1000);
}

static void test_call_path(void **state)
{
    mcp_server *srv = server(false);
    mcp_registry *reg = mcp_server_registry(srv);
    mcp_registry_add_table(reg, good, "fam");
    handler_runs = 0;
    int code = 0;
    json_t *r = mcp_server_call_tool(srv, "alpha", NULL, false, &code);
    assert_int_equal(handler_runs, 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "structuredContent"), "n")), 3);
    /* the text mirror of structuredContent */
    const char *mirror = json_string_value(json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));
    assert_string_equal(mirror, "{\"n\":3,\"family\":\"fam\"}");
    json_decref(r);

    json_t *args = json_pack("{s:i}", "n", 10);
    r = mcp_server_call_tool(srv, "alpha", args, false, &code);
    assert_true(json_is_true(json_object_get(r, "isError")));
    assert_int_equal(handler_runs, 1); /* the handler never saw the bad input */
    json_decref(r);
    json_decref(args);

    assert_null(mcp_server_call_tool(srv, "nope", NULL, false, &code));
    assert_int_equal(code, -32602);
    /* a write tool without --allow-writes: refused with an explanation */
    r = mcp_server_call_tool(srv, "beta.v2", NULL, true, &code);
    assert_true(json_is_true(json_object_get(r, "isError")));
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(json_object_get(r, "content"), 0), "text")), "--allow-writes"));
    json_decref(r);
    /* hidden tools stay callable */
    r = mcp_server_call_tool(srv, "gamma", NULL, false, &code);
    assert_null(json_object_get(r, "isError"));
    json_decref(r);
    mcp_server_free(srv, 1000);

    srv = server(true);
    mcp_registry_add_table(mcp_server_registry(srv), good, NULL);
    r = mcp_server_call_tool(srv, "beta.v2", NULL, true, &code);
    assert_null(json_object_get(r, "isError"));
    json_decref(r);
    r = mcp_server_call_tool(srv, "beta.v2", NULL, false, &code); /* the session says no */
    assert_true(json_is_true(json_object_get(r, "isError")));
    json_decref(r);
    mcp_server_free(srv, 1000);

    /* without --allow-writes, a family may enable its own write tools */
    srv = server(false);
    mcp_registry_add_table(mcp_server_registry(srv), good, "fam");
    mcp_registry_allow_family_writes(mcp_server_registry(srv), "fam");
    r = mcp_server_call_tool(srv, "beta.v2", NULL, true, &code);
    assert_null(json_object_get(r, "isError"));
    json_decref(r);
    mcp_server_free(srv, 1000);
}

static int freed;
static void fam_free(void *data) { freed++; assert_string_equal(data, "famB"); }

static void test_families_and_builder(void **state)
{
    mcp_server *srv = server(false);
    mcp_registry *reg = mcp_server_registry(srv);
    const mcp_tool_def b[] = {{.name = "b1", .description = "x", .handler = h_ok}, {0}};
    mcp_registry_add_table(reg, good, "famA");
    mcp_registry_add_table(reg, b, "famB");
    mcp_registry_set_family_free(reg, "famB", fam_free);
    freed = 0;
    mcp_registry_remove_family(reg, "famB");
    assert_int_equal(freed, 1);
    assert_int_equal(mcp_registry_tool_count(reg), 3);

    mcp_tool_builder *t = mcp_tool_new(reg, "built", "made at run time", h_ok, NULL);
    mcp_param *p = mcp_tool_add_param(t, "n", MCP_T_INTEGER, "a number", true);
    p->maximum = MCP_BOUND(5);
    mcp_tool_set_title(t, "Built");
    mcp_tool_set_annotations(t, MCP_ANN_READ_ONLY);
    assert_int_equal(mcp_tool_commit(t), 0);
    const json_t *in = mcp_registry_input_schema(reg, "built");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(in, "properties"), "n"), "maximum")), 5);
    t = mcp_tool_new(reg, "built", "duplicate", h_ok, NULL);
    assert_int_equal(mcp_tool_commit(t), -1);

    assert_int_equal(mcp_registry_set_input_schema(reg, "built", "{\"type\":\"object\",\"$defs\":{}}"), 0);
    assert_non_null(json_object_get(mcp_registry_input_schema(reg, "built"), "$defs"));
    assert_int_equal(mcp_registry_set_input_schema(reg, "missing", "{}"), -1);
    assert_int_equal(mcp_registry_set_input_schema(reg, "built", "{bad"), -1);
    mcp_server_free(srv, 1000);
}

static void test_guide(void **state)
{
    mcp_server *srv = server(false);
    mcp_registry *reg = mcp_server_registry(srv);
    mcp_registry_add_table(reg, good, NULL);
    mcp_registry_add_hint(reg, "Numbers", "counting things -> alpha");
    mcp_registry_add_hint(reg, "Deltas", "for changes use delta_x or Xgamma, then beta.v2.");
    char *instr = mcp_server_instructions(srv);
    assert_non_null(strstr(instr, "- Numbers: counting things -> alpha\n"));
    /* "beta.v2." at the end of a sentence names beta.v2; "Xgamma" does not name gamma */
    assert_null(strstr(instr, "- beta.v2 -> beta.v2"));
    assert_null(strstr(instr, "- Alpha -> alpha")); /* named by a hint: not repeated */
    assert_null(strstr(instr, "-> gamma"));          /* hidden */
    free(instr);
    mcp_server_free(srv, 1000);
}

static void test_reload_swap(void **state)
{
    mcp_server *srv = server(false);
    mcp_registry_add_table(mcp_server_registry(srv), good, NULL);
    mcp_registry *fresh = mcp_server_new_registry(srv);
    const mcp_tool_def b[] = {{.name = "only", .description = "x", .handler = h_ok}, {0}};
    mcp_registry_add_table(fresh, b, "famB");
    mcp_registry_set_family_free(fresh, "famB", fam_free);
    mcp_server_swap_registry(srv, fresh);
    assert_int_equal(mcp_registry_tool_count(mcp_server_registry(srv)), 1);
    freed = 0;
    mcp_server_free(srv, 1000);
    assert_int_equal(freed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_and_order),
        cmocka_unit_test(test_call_path),
        cmocka_unit_test(test_families_and_builder),
        cmocka_unit_test(test_guide),
        cmocka_unit_test(test_reload_swap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
