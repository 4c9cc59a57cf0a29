/* ConnexCS connector unit tests, no network: configuration from the environment, the missing
 * API_USERNAME message (at start and on every call), JWT exp decoding, registration only when
 * configured, and the argument checks that run before any request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "connect/connexcs/cx_client.h"
#include "connect/http.h"
#include "harness.h"
#include "tools/tools.h"

static void clear_env(void)
{
    static const char *const vars[] = {"API_USERNAME", "API_PASSWORD", "CONNEXCS_API_TOKEN", "CONNEXCS_BASE_URL",
                                       "CONNEXCS_NOW", "CONNEXCS_TIMEOUT_MS", "VERBOSE", NULL};
    for (size_t i = 0; vars[i]; i++)
        unsetenv(vars[i]);
}

static void test_config(void **state)
{
    (void)state;
    clear_env();
    cx_config cfg;
    assert_false(cx_config_from_env(&cfg)); /* nothing set: not configured */
    cx_config_free(&cfg);

    setenv("CONNEXCS_API_TOKEN", "aaaa.bbbb.cccc", 1);
    assert_true(cx_config_from_env(&cfg));
    assert_string_equal(cx_config_problem(&cfg), CX_MSG_NO_USERNAME);
    assert_string_equal(cfg.base_url, "https://app.connexcs.com/api/cp/");
    cx_config_free(&cfg);

    setenv("API_USERNAME", "  ops@example.com \n", 1);
    setenv("CONNEXCS_BASE_URL", "http://127.0.0.1:9/api/cp", 1);
    setenv("CONNEXCS_NOW", "2026-03-01T12:00:00Z", 1);
    setenv("VERBOSE", "true", 1);
    assert_true(cx_config_from_env(&cfg));
    assert_null(cx_config_problem(&cfg));
    assert_string_equal(cfg.username, "ops@example.com");
    assert_string_equal(cfg.base_url, "http://127.0.0.1:9/api/cp/"); /* slash added */
    assert_int_equal((long long)cfg.now_override, 1772366400LL);
    assert_true(cfg.verbose);
    cx_config_free(&cfg);

    unsetenv("CONNEXCS_API_TOKEN");
    assert_true(cx_config_from_env(&cfg));
    assert_non_null(strstr(cx_config_problem(&cfg), "CONNEXCS_API_TOKEN"));
    cx_config_free(&cfg);
    clear_env();
}

static void test_jwt_exp(void **state)
{
    (void)state;
    /* header {"alg":"none"} . payload {"exp":1772366400,"typ":"access"} . sig */
    assert_int_equal(cx_jwt_exp("eyJhbGciOiJub25lIn0.eyJleHAiOjE3NzIzNjY0MDAsInR5cCI6ImFjY2VzcyJ9.c2ln"), 1772366400LL);
    assert_int_equal(cx_jwt_exp("not-a-jwt"), 0);
    assert_int_equal(cx_jwt_exp("a.!!!.c"), 0);
    assert_int_equal(cx_jwt_exp("a.e30.c"), 0); /* {} */
    assert_int_equal(cx_jwt_exp(NULL), 0);
}

static void test_not_configured_registers_nothing(void **state)
{
    (void)state;
    clear_env();
    mcp_server_config cfg = {.workers = 1};
    mcp_server *srv = mcp_server_new(&cfg);
    sb_options opt = {0};
    assert_int_equal(cx_tools_register(mcp_server_registry(srv), &opt), 0);
    assert_int_equal(mcp_registry_tool_count(mcp_server_registry(srv)), 0);
    mcp_server_free(srv, 1000);
}

static void test_missing_username_on_each_call(void **state)
{
    (void)state;
    clear_env();
    setenv("CONNEXCS_API_TOKEN", "aaaa.bbbb.cccc", 1);
    setenv("CONNEXCS_BASE_URL", "http://127.0.0.1:9/api/cp/", 1);
    mcp_server *srv = cxh_server();
    assert_non_null(srv);
    assert_true(mcp_registry_tool_count(mcp_server_registry(srv)) >= 30);
    const char *calls[][2] = {{"searchCallLogs", "{\"search\":\"4420\"}"}, {"getRtpServerGroups", "{}"},
                              {"getCallReport", "{}"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = cxh_call(srv, calls[i][0], calls[i][1]);
        assert_true(cxh_is_error(r));
        assert_true(cxh_text_has(r, "API_USERNAME environment variable is required but not set"));
        assert_false(cxh_text_has(r, "aaaa.bbbb.cccc")); /* the token never shows */
        json_decref(r);
    }
    mcp_server_free(srv, 1000);
    clear_env();
}

/* Validation that must answer before any request (the base URL points nowhere). */
static void test_argument_checks(void **state)
{
    (void)state;
    clear_env();
    setenv("API_USERNAME", "ops@example.com", 1);
    setenv("API_PASSWORD", "secret-password", 1);
    setenv("CONNEXCS_BASE_URL", "http://127.0.0.1:9/api/cp/", 1);
    mcp_server *srv = cxh_server();
    static const char *const cases[][3] = {
        {"getCustomerBalance", "{\"customer_id\":\"12a\"}", "numeric"},
        {"getCustomerBalance", "{\"customer_id\":\"1; DROP TABLE\"}", "numeric"},
        {"getRateCardDetails", "{\"rateCardId\":\"internal\"}", "pseudo-card"},
        {"getRateCardDetails", "{\"rateCardId\":\"../../etc\"}", "not a rate card id"},
        {"getRateCardRules", "{\"rateCardId\":\"AcmE-R8T1\",\"activeRev\":\"x\"}", "revision number"},
        {"getDocumentation", "{\"path\":\"../secrets\"}", "not a documentation path"},
        {"getCTrace", "{}", "exactly one"},
        {"getCTrace", "{\"phone\":\"call me\"}", "phone number"},
        {"searchCustomers", "{\"query\":\"1.2.3\",\"search_type\":\"ips\"}", "IPv4"},
        {"getCustomerCallStatistics", "{}", "company_id"},
        {"getCustomerCallStatistics", "{\"company_id\":\"5\",\"start_date\":\"2026-13-45\"}", "date"},
        {"searchCdr", "{\"start_date\":\"2026-03-02\",\"end_date\":\"2026-03-01\"}", "before"},
        {"getAiAgentLogs", "{\"callid\":\"x\",\"date\":\"2026-02-30\"}", "YYYY-MM-DD"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *r = cxh_call(srv, cases[i][0], cases[i][1]);
        bool refused = cxh_is_error(r) || json_object_get(r, "rpc_error");
        if (!refused || (cxh_is_error(r) && !cxh_text_has(r, cases[i][2]))) {
            char *t = cxh_text(r);
            print_error("case %zu %s %s: %s\n", i, cases[i][0], cases[i][1], t ? t : "(rpc error)");
            free(t);
            fail();
        }
        assert_false(cxh_text_has(r, "secret-password"));
        json_decref(r);
    }
    mcp_server_free(srv, 1000);
    clear_env();
}

int main(void)
{
    cn_http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_jwt_exp),
        cmocka_unit_test(test_not_configured_registers_nothing),
        cmocka_unit_test(test_missing_username_on_each_call),
        cmocka_unit_test(test_argument_checks),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cn_http_global_cleanup();
    return rc;
}
