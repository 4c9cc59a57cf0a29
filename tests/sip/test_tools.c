/* The capture tools through the core, in-process: results checked against their output
 * schemas (SB_CHECK_OUTPUT), pagination, filters, and the data-directory confinement (absolute
 * paths outside, ".." and a symlink escaping the allowed directory are all refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcp/mcp_session.h"
#include "tools/tools.h"

static mcp_server *srv;
static char tmpdir[64];

static json_t *call(const char *tool, const char *args_json)
{
    json_error_t e;
    json_t *args = json_loads(args_json, 0, &e);
    assert_non_null(args);
    int rpc = 0;
    json_t *res = mcp_server_call_tool(srv, tool, args, false, &rpc);
    json_decref(args);
    assert_non_null(res);
    return res;
}

static const char *text_of(const json_t *res)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(res, "content"), 0), "text"));
}

static bool is_error(const json_t *res)
{
    return json_is_true(json_object_get(res, "isError"));
}

static json_t *sc(const json_t *res)
{
    if (is_error(res))
        fail_msg("unexpected error: %s", text_of(res));
    return json_object_get(res, "structuredContent");
}

static int setup(void **st)
{
    (void)st;
    setenv("SB_CHECK_OUTPUT", "1", 1);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sb-sip-tools-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char link[128];
    snprintf(link, sizeof link, "%s/escape.pcap", tmpdir);
    assert_int_equal(symlink("/etc/hostname", link), 0);
    const char *shared = getenv("SB_SHARED_CAPTURES");
    static const char *dirs[2];
    dirs[0] = shared ? shared : "../shared/captures";
    dirs[1] = tmpdir;
    sb_options opt = {.data_dirs = dirs, .n_data_dirs = 2};
    srv = mcp_server_new(&(mcp_server_config){.workers = 1});
    assert_non_null(srv);
    assert_int_equal(capture_tools_register(mcp_server_registry(srv), &opt), 0);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    mcp_server_free(srv, 1000);
    char link[128];
    snprintf(link, sizeof link, "%s/escape.pcap", tmpdir);
    unlink(link);
    rmdir(tmpdir);
    return 0;
}

static void analyze_and_paginate(void **st)
{
    (void)st;
    json_t *res = call("analyze_capture", "{\"path\":\"mixed_outcomes.pcapng\",\"limit\":15}");
    json_t *o = sc(res);
    json_t *s = json_object_get(o, "summary");
    assert_int_equal(json_integer_value(json_object_get(s, "callIds")), 40);
    assert_int_equal(json_integer_value(json_object_get(s, "sipMessages")), 237);
    assert_int_equal(json_integer_value(json_object_get(s, "retransmissions")), 16);
    assert_int_equal(json_array_size(json_object_get(o, "calls")), 15);
    assert_true(json_is_true(json_object_get(o, "hasMore")));
    assert_int_equal(json_integer_value(json_object_get(o, "nextOffset")), 15);
    json_t *p = json_array_get(json_object_get(o, "problems"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "severity")), "error");
    assert_non_null(strstr(text_of(res), "40 Call-IDs"));
    json_decref(res);
    res = call("analyze_capture", "{\"path\":\"mixed_outcomes.pcapng\",\"offset\":30,\"limit\":15}");
    o = sc(res);
    assert_int_equal(json_array_size(json_object_get(o, "calls")), 10);
    assert_false(json_is_true(json_object_get(o, "hasMore")));
    json_decref(res);
}

static void call_flow(void **st)
{
    (void)st;
    json_t *res = call("get_call_flow", "{\"path\":\"mixed_outcomes.pcapng\",\"call_id\":\"1-25651@203.0.113.5\"}");
    json_t *o = sc(res);
    const char *ladder = json_string_value(json_object_get(o, "ladder"));
    assert_non_null(strstr(ladder, "[retrans]"));
    assert_non_null(strstr(ladder, "198.51.100.7:5060"));
    assert_non_null(strstr(json_string_value(json_object_get(o, "mermaid")), "sequenceDiagram"));
    assert_non_null(strstr(json_string_value(json_object_get(o, "verdict")), "nat.no_ack"));
    json_t *leg = json_array_get(json_object_get(o, "legs"), 0);
    assert_int_equal(json_array_size(json_object_get(leg, "flow")), 16);
    assert_null(json_object_get(json_array_get(json_object_get(leg, "flow"), 0), "raw"));
    json_decref(res);
    res = call("get_call_flow", "{\"path\":\"ok_calls.pcap\",\"call_id\":\"nope\",\"format\":\"text\"}");
    assert_true(is_error(res));
    assert_non_null(strstr(text_of(res), "not in"));
    json_decref(res);
}

static void problems(void **st)
{
    (void)st;
    static const struct {
        const char *args;
        int total;
    } cases[] = {
        {"{\"path\":\"mixed_outcomes.pcapng\",\"nat\":true}", 2},
        {"{\"path\":\"mixed_outcomes.pcapng\",\"final_code\":486}", 3},
        {"{\"path\":\"mixed_outcomes.pcapng\",\"auth_failure\":true}", 1},
        {"{\"path\":\"mixed_outcomes.pcapng\",\"retransmissions\":true}", 2},
        {"{\"path\":\"mixed_outcomes.pcapng\",\"finding\":\"media.codec\"}", 2},
        {"{\"path\":\"mixed_outcomes.pcapng\",\"min_final_code\":500}", 6},
        {"{\"path\":\"ok_calls.pcap\"}", 0},
        {"{\"path\":\"rtp_oneway.pcap\",\"one_way_audio\":true}", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *res = call("find_sip_problems", cases[i].args);
        json_t *o = sc(res);
        if (json_integer_value(json_object_get(o, "total")) != cases[i].total)
            fail_msg("%s: total %lld, expected %d", cases[i].args,
                     (long long)json_integer_value(json_object_get(o, "total")), cases[i].total);
        json_decref(res);
    }
}

static void confinement(void **st)
{
    (void)st;
    char args[256];
    const char *bad[] = {"/etc/hostname", "../../../../etc/hostname", "escape.pcap", "missing.pcap"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "{\"path\":\"%s\"}", bad[i]);
        json_t *res = call("analyze_capture", args);
        assert_true(is_error(res));
        json_decref(res);
    }
    snprintf(args, sizeof args, "{\"path\":\"%s/escape.pcap\"}", tmpdir);
    json_t *res = call("analyze_capture", args);
    assert_true(is_error(res));
    assert_non_null(strstr(text_of(res), "outside"));
    json_decref(res);
    res = call("analyze_capture", "{\"path\":\"/etc/hostname\"}");
    assert_non_null(strstr(text_of(res), "outside"));
    json_decref(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(analyze_and_paginate), cmocka_unit_test(call_flow),
        cmocka_unit_test(problems), cmocka_unit_test(confinement),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
