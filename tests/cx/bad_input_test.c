/* Bad input of the CX MCP App's manual testing guide against the simulator: missing
 * parameters, FAKE-CALLID-THAT-DOES-NOT-EXIST, customer 0, card XXXX-0000, searches that match
 * nothing (success with zero results and guidance, nothing invented) and hostile strings (sent
 * percent-encoded, never able to add a parameter or a path). Nothing crashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/http.h"
#include "harness.h"

static cxh_sim g_sim;
static mcp_server *g_srv;

static json_t *call(const char *tool, const char *args) { return cxh_call(g_srv, tool, args); }

static int setup(void **state)
{
    (void)state;
    if (cxh_sim_start(&g_sim, NULL) != 0)
        return -1;
    cxh_env(&g_sim, NULL);
    g_srv = cxh_server();
    return g_srv ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mcp_server_free(g_srv, 5000);
    cxh_sim_stop(&g_sim);
    return 0;
}

static void expect_error(const char *tool, const char *args, const char *needle)
{
    json_t *r = call(tool, args);
    char *t = cxh_text(r);
    if (!cxh_is_error(r) || (needle && (!t || !strstr(t, needle)))) {
        print_error("%s %s: expected an error with \"%s\", got: %s\n", tool, args, needle ? needle : "",
                    t ? t : "(none)");
        free(t);
        json_decref(r);
        fail();
    }
    assert_null(strstr(t, "sim-password"));
    free(t);
    json_decref(r);
}

static void test_missing_parameters(void **state)
{
    (void)state;
    static const char *const tools[][2] = {
        {"searchCallLogs", "search"},        {"searchCdr", "start_date"},         {"getCallAnalytics", "start_date"},
        {"getSipTrace", "callid"},           {"getCallQuality", "callid"},        {"investigateCall", "callid"},
        {"getTranscription", "callid"},      {"getAiAgentLogs", "callid"},        {"searchCustomers", "query"},
        {"getCustomerBalance", "customer_id"}, {"getLastTopup", "customer_id"},   {"getCustomerPackages", "customerId"},
        {"getCustomerRateCards", "customerId"}, {"getRateCardDetails", "rateCardId"}, {"getRateCardRules", "rateCardId"},
        {"getCustomerProfitability", "customer_id"}, {"getCustomerDestinationStatistics", "customer_id"},
        {"getDocumentation", "path"},        {"searchDocumentation", "query"},    {"getCustomerCallStatistics", "company_id"},
    };
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        expect_error(tools[i][0], "{}", tools[i][1]);
    expect_error("getAiAgentLogs", "{\"callid\":\"x\"}", "date");
}

static void test_fake_callid(void **state)
{
    (void)state;
    const char *fake = "{\"callid\":\"FAKE-CALLID-THAT-DOES-NOT-EXIST\"}";
    json_t *r = call("getSipTrace", fake);
    assert_false(cxh_is_error(r));
    assert_false(json_is_true(cxh_at(r, "structuredContent/success")));
    assert_false(json_is_true(cxh_at(r, "structuredContent/found")));
    assert_string_equal(cxh_str(r, "structuredContent/message"), "No SIP trace data found for this Call-ID");
    assert_int_equal(json_array_size(cxh_at(r, "structuredContent/suggestions")), 4);
    json_decref(r);
    r = call("investigateCall", fake);
    assert_false(cxh_is_error(r));
    assert_false(json_is_true(cxh_at(r, "structuredContent/trace/available")));
    assert_string_equal(cxh_str(r, "structuredContent/issues/0"), "No SIP trace data found");
    assert_string_equal(cxh_str(r, "structuredContent/call_type"), "class4");
    json_decref(r);
    r = call("getCallQuality", fake);
    assert_false(json_is_true(cxh_at(r, "structuredContent/has_rtcp")));
    json_decref(r);
    r = call("getTranscription", fake);
    assert_false(json_is_true(cxh_at(r, "structuredContent/has_transcription")));
    json_decref(r);
    r = call("searchCallLogs", "{\"search\":\"FAKE-CALLID-THAT-DOES-NOT-EXIST\"}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/result_count"), 0);
    assert_true(cxh_text_has(r, "No calls matched"));
    json_decref(r);
    r = call("getCTrace", "{\"phone\":\"+999999999999\"}");
    assert_false(cxh_is_error(r));
    assert_false(json_is_true(cxh_at(r, "structuredContent/found")));
    json_decref(r);
}

/* investigateCall with a bad Call-ID: an isError result (the app threw), never a crash. */
static void test_invalid_callids(void **state)
{
    (void)state;
    char long_id[400] = "{\"callid\":\"";
    size_t n = strlen(long_id);
    memset(long_id + n, 'a', 300);
    strcpy(long_id + n + 300, "\"}");
    const char *const bad[] = {"{\"callid\":\"\"}", "{\"callid\":\"   \"}", "{\"callid\":42}", "{\"callid\":null}",
                               "{\"callid\":\"a\\u0000b\"}", "{\"callid\":\"line\\r\\nX-Injected: 1\"}", long_id};
    const char *const tools[] = {"investigateCall", "getSipTrace", "getCallQuality", "getTranscription"};
    for (size_t t = 0; t < 4; t++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            expect_error(tools[t], bad[i], NULL);
    expect_error("investigateCall", long_id, "255");
}

static void test_customer_zero_and_unknown_ids(void **state)
{
    (void)state;
    expect_error("getCustomerBalance", "{\"customer_id\":\"0\"}", "Customer 0 not found");
    expect_error("getCustomerBalance", "{\"customer_id\":\"999999999\"}", "not found"); /* no invention */
    json_t *r = call("getLastTopup", "{\"customer_id\":\"0\"}");
    assert_false(json_is_true(cxh_at(r, "structuredContent/success")));
    assert_true(cxh_text_has(r, "No payments found for customer 0"));
    json_decref(r);
    r = call("getCustomerRateCards", "{\"customerId\":\"0\"}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/totalRateCards"), 0);
    json_decref(r);
    r = call("getCustomerPackages", "{\"customerId\":\"0\"}");
    assert_int_equal(cxh_int(r, "structuredContent/totalPackages"), 0);
    json_decref(r);
    r = call("searchCustomers", "{\"query\":\"0\"}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/totalFound"), 0);
    assert_string_equal(cxh_str(r, "structuredContent/matchType"), "none");
    json_decref(r);
    r = call("getCustomerProfitability", "{\"customer_id\":\"0\"}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/metrics/total_attempts"), 0);
    assert_true(cxh_text_has(r, "No traffic"));
    json_decref(r);
}

static void test_unknown_card(void **state)
{
    (void)state;
    expect_error("getRateCardDetails", "{\"rateCardId\":\"XXXX-0000\"}", "not found");
    expect_error("getRateCardRules", "{\"rateCardId\":\"XXXX-0000\",\"activeRev\":\"1\"}", "not found");
    expect_error("getRateCardDetails", "{\"rateCardId\":\"12\"}", "numeric routing ids"); /* a routing row id */
    expect_error("getRateCardDetails", "{\"rateCardId\":\"ip:203.0.113.7\"}", "pseudo-card");
}

static void test_no_match_searches(void **state)
{
    (void)state;
    json_t *r = call("searchCustomers", "{\"query\":\"zzzz-nobody-by-this-name\"}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/totalFound"), 0);
    assert_true(cxh_text_has(r, "No customer found matching"));
    json_decref(r);
    r = call("searchCustomers", "{\"query\":\"nobody\",\"search_type\":\"sip_user\"}");
    assert_int_equal(cxh_int(r, "structuredContent/totalFound"), 0);
    json_decref(r);
    r = call("searchCustomers", "{\"query\":\"198.18.0.1\"}");
    assert_int_equal(cxh_int(r, "structuredContent/totalFound"), 0);
    json_decref(r);
    r = call("searchDocumentation", "{\"query\":\"qwertyuiopasdfgh\"}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/data/totalResults"), 0);
    assert_true(cxh_text_has(r, "No documentation matched"));
    json_decref(r);
    r = call("searchCdr", "{\"start_date\":\"2026-02-27\",\"dst\":\"000000000\"}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/result_count"), 0);
    assert_true(cxh_text_has(r, "No CDR records"));
    json_decref(r);
    r = call("getCallAnalytics", "{\"start_date\":\"2026-02-27\",\"dst\":\"000000000\"}");
    assert_int_equal(cxh_int(r, "structuredContent/summary/total_attempts"), 0);
    assert_string_equal(cxh_str(r, "structuredContent/summary/success_rate"), "N/A");
    json_decref(r);
    expect_error("getDocumentation", "{\"path\":\"guides/does-not-exist\"}", "not found");
}

/* Hostile strings travel percent-encoded: they can neither add a query parameter nor change
 * the path, and the answer is an ordinary empty result. */
static void test_hostile_strings(void **state)
{
    (void)state;
    static const char *const hostile[] = {
        "'; DROP TABLE cdr; --", "<script>alert(1)</script>", "x&s=1&id=1001", "../../etc/passwd",
        "%00%0d%0aX-Injected: 1", "\\u202e\\u200b", "Ωmega ☎ 電話", "${jndi:ldap://x}"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "{\"search\":\"%s\"}", hostile[i]);
        cxh_clear_log(&g_sim);
        json_t *r = call("searchCallLogs", args);
        assert_false(cxh_is_error(r));
        assert_int_equal(cxh_int(r, "structuredContent/result_count"), 0);
        json_decref(r);
        json_t *l = cxh_requests(&g_sim);
        assert_int_equal(json_array_size(l), 1);
        const char *target = cxh_str(l, "0/target");
        assert_int_equal(strncmp(target, "/api/cp/log?s=", 14), 0);
        assert_null(strchr(target + 14, '&'));
        assert_null(strchr(target, ' '));
        assert_null(strchr(target, '<'));
        json_decref(l);
    }
    cxh_clear_log(&g_sim);
    json_t *r = call("searchCustomers", "{\"query\":\"a&id=1001\",\"search_type\":\"name\"}");
    assert_int_equal(cxh_int(r, "structuredContent/totalFound"), 0);
    json_decref(r);
    json_t *l = cxh_requests(&g_sim);
    assert_string_equal(cxh_str(l, "0/target"), "/api/cp/customer?s=&name=a%26id%3D1001");
    json_decref(l);
    expect_error("getDocumentation", "{\"path\":\"../../etc/passwd\"}", "not a documentation path");
    expect_error("getDocumentation", "{\"path\":\"guides/x?s=1\"}", "not a documentation path");
    expect_error("getRateCardRules", "{\"rateCardId\":\"AcmE-R8T1/../x\",\"activeRev\":\"1\"}", "not a rate card id");
    expect_error("getCustomerBalance", "{\"customer_id\":\"1001/../1002\"}", "numeric");
}

int main(void)
{
    cn_http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_parameters),
        cmocka_unit_test(test_fake_callid),
        cmocka_unit_test(test_invalid_callids),
        cmocka_unit_test(test_customer_zero_and_unknown_ids),
        cmocka_unit_test(test_unknown_card),
        cmocka_unit_test(test_no_match_searches),
        cmocka_unit_test(test_hostile_strings),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    cn_http_global_cleanup();
    return rc;
}
