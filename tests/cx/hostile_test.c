/* An upstream that answers with well-formed but hostile JSON (wrong types everywhere, numbers
 * out of every range, NaN strings, deep nesting, thousands of messages, unclosed HTML): every
 * ConnexCS tool must answer (a result or an isError) without a crash, a leak or undefined
 * behaviour (this test runs under ASan and UBSan too). The server is a loopback sb_httpd in
 * this process that answers per path; nothing leaves the machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/http.h"
#include "harness.h"
#include "util/httpd.h"

static const char *const bad_values[] = {
    "null", "true", "\"\"", "\"NaN\"", "\"-inf\"", "1e308", "-1e308", "\"1e400\"", "[]", "{}", "[[[[[[]]]]]]",
    "\"\\u0000\"", "9223372036854775807", "-9223372036854775808", "0.0000001", "\"<script>\"", "{\"USD\":\"x\"}",
};
#define NBAD (sizeof bad_values / sizeof bad_values[0])

/* An object whose listed fields take bad value i (rotating). */
static void bad_object(sb_buf *b, const char *const *fields, size_t i)
{
    sb_buf_putc(b, '{');
    for (size_t f = 0; fields[f]; f++)
        sb_buf_printf(b, "%s\"%s\":%s", f ? "," : "", fields[f], bad_values[(i + f) % NBAD]);
    sb_buf_putc(b, '}');
}

static void bad_array(sb_buf *b, const char *const *fields, size_t n)
{
    sb_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_buf_putc(b, ',');
        if (i % 7 == 3)
            sb_buf_puts(b, bad_values[i % NBAD]); /* not even an object */
        else
            bad_object(b, fields, i);
    }
    sb_buf_putc(b, ']');
}

static const char *const trace_fields[] = {"id", "date", "micro_ts", "callid", "method", "reply_reason", "from_user",
                                           "to_user", "source_ip", "source_port", "destination_ip", "destination_port",
                                           "protocol", "msg", "delta", NULL};
static const char *const cdr_fields[] = {"dt", "callid", "dest_cli", "dest_number", "duration", "customer_id",
                                         "customer_charge", "customer_card_currency", "provider_id", "provider_charge",
                                         "provider_card_currency", "sip_code", "sip_reason", "pdd_in",
                                         "customer_card_dest_name", "customer_duration", NULL};
static const char *const agg_fields[] = {"customer_id", "provider_id", "dt", "attempts", "connected", "duration",
                                         "customer_duration", "customer_charge", "provider_charge", "account_profit",
                                         "customer_card_dest_name", "provider_card_dest_name", NULL};
static const char *const misc_fields[] = {"id", "name", "card_id", "company_id", "credit", "debit_limit", "currency",
                                          "username", "ip", "amount", "payment_time", "type", "retail", "minutes",
                                          "minutes_used", "zone", "alias", "location", "status", "active_rev", "prefix",
                                          "link", "public_url", "body", "invoice_id", "cdr_date", "mos", "jitter",
                                          "speaker", "text", NULL};

static void handler(void *ud, const sb_http_request *req, sb_http_response *resp)
{
    (void)ud;
    const char *p = req->path;
    sb_buf *b = &resp->body;
    if (strstr(p, "/log/trace")) {
        const char *cid = sb_http_query(req, "callid");
        if (cid && !strcmp(cid, "many")) { /* 3000 messages with odd raw SIP */
            sb_buf_putc(b, '[');
            for (int i = 0; i < 3000; i++)
                sb_buf_printf(b, "%s{\"id\":%d,\"method\":\"%s\",\"source_ip\":\"10.0.0.%d\",\"source_port\":%d,"
                                 "\"destination_ip\":\"::1\",\"destination_port\":70000,\"micro_ts\":%d,"
                                 "\"msg\":\"INVITE sip:x@h SIP/2.0\\r\\nVia: SIP/2.0/UDP\\r\\nCall-ID: many\\r\\n"
                                 "From: <sip:a@b>;tag=1\\r\\nTo: <sip:c@d>\\r\\nCSeq: 99999999999999999999 "
                                 "INVITE\\r\\nX-CX-NAT: TRUE\\r\\nContact: <sip:@>\\r\\n\\r\\nc=IN IP4 192.168.%d\\r\\n"
                                 "a=rtpmap:\\r\\na=rtpmap:0 \"}",
                              i ? "," : "", i, i % 3 ? "INVITE" : "407", i % 256, i * 1000, i * 7, i);
            sb_buf_putc(b, ']');
        } else if (cid && !strcmp(cid, "object")) {
            sb_buf_puts(b, "{\"data\":\"not a list\",\"processed\":5}");
        } else {
            bad_array(b, trace_fields, 60);
        }
    } else if (strstr(p, "/log/rtcp")) {
        const char *cid = sb_http_query(req, "callid");
        if (cid && !strcmp(cid, "object"))
            sb_buf_puts(b, "{\"processed\":\"x\",\"aggregate\":{\"mos_avg\":\"NaN\",\"jitter_avg\":1e308}}");
        else
            bad_array(b, misc_fields, 40);
    } else if (!strcmp(p, "/api/cp/log")) {
        sb_buf_puts(b, "[{\"routing\":\"string\"},5,{\"routing\":{\"start_time\":\"1e400\",\"callid\":42,\"cli\":{}}},"
                       "{\"routing\":{\"start_time\":1e308,\"callid\":\"abc\",\"cli\":\"4420\",\"ou\":\"4420\",\"sip_code\":1e300}}]");
    } else if (!strcmp(p, "/api/cp/cdr")) {
        bad_array(b, cdr_fields, 120);
    } else if (strstr(p, "breakout-aggrid")) {
        bad_array(b, agg_fields, 90);
    } else if (strstr(p, "/docs/")) {
        resp->content_type = "text/markdown";
        sb_buf_puts(b, "<details><summary>x</summary>Category: a\n");
        for (int i = 0; i < 2000; i++)
            sb_buf_puts(b, "<b>&nbsp;&amp;\n\n\n# \n- **Audience:**\n<");
    } else if (strstr(p, "/customer/")) {
        sb_buf_puts(b, "[1,\"x\",null]");
    } else if (strstr(p, "/card/")) {
        bad_object(b, misc_fields, 3);
    } else {
        bad_array(b, misc_fields, 50);
    }
}

static mcp_server *g_srv;
static sb_httpd *g_httpd;

static int setup(void **state)
{
    (void)state;
    g_httpd = sb_httpd_start("127.0.0.1", 0, 1 << 20, handler, NULL);
    if (!g_httpd)
        return -1;
    char base[96];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/api/cp/", sb_httpd_port(g_httpd));
    setenv("API_USERNAME", "ops@example.com", 1);
    setenv("API_PASSWORD", "hostile-password", 1);
    setenv("CONNEXCS_BASE_URL", base, 1);
    setenv("CONNEXCS_NOW", CXH_NOW, 1);
    unsetenv("CONNEXCS_API_TOKEN");
    g_srv = cxh_server();
    return g_srv ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mcp_server_free(g_srv, 5000);
    sb_httpd_stop(g_httpd);
    return 0;
}

static void survive(const char *tool, const char *args)
{
    json_t *r = cxh_call(g_srv, tool, args);
    assert_non_null(r);
    assert_null(json_object_get(r, "rpc_error"));
    assert_true(json_is_array(json_object_get(r, "content")));
    assert_false(cxh_text_has(r, "hostile-password"));
    json_decref(r);
}

static void test_every_tool_survives(void **state)
{
    (void)state;
    static const char *const calls[][2] = {
        {"searchCallLogs", "{\"search\":\"4420\"}"},
        {"searchCdr", "{\"start_date\":\"2026-02-01\",\"end_date\":\"2026-02-28\"}"},
        {"getCallAnalytics", "{\"start_date\":\"2026-02-01\",\"cli\":\"4420\",\"dst\":\"4420\"}"},
        {"getSipTrace", "{\"callid\":\"x\"}"},
        {"getSipTrace", "{\"callid\":\"many\"}"},
        {"getSipTrace", "{\"callid\":\"object\"}"},
        {"getCTrace", "{\"phone\":\"4420\"}"},
        {"getCallQuality", "{\"callid\":\"x\"}"},
        {"getCallQuality", "{\"callid\":\"object\"}"},
        {"investigateCall", "{\"callid\":\"many\"}"},
        {"investigateCall", "{\"callid\":\"x\"}"},
        {"getRtpServerGroups", "{}"},
        {"getTranscription", "{\"callid\":\"x\"}"},
        {"getAiAgentLogs", "{\"callid\":\"x\",\"date\":\"2026-02-01\"}"},
        {"searchCustomers", "{\"query\":\"1\"}"},
        {"searchCustomers", "{\"query\":\"acme\"}"},
        {"searchCustomers", "{\"query\":\"u\",\"search_type\":\"sip_user\"}"},
        {"searchCustomers", "{\"query\":\"1.2.3.4\"}"},
        {"getCustomerBalance", "{\"customer_id\":\"1\"}"},
        {"getLastTopup", "{\"customer_id\":\"1\"}"},
        {"listRtpServers", "{\"zone\":\"a\",\"alias\":\"b\"}"},
        {"getCustomerPackages", "{\"customerId\":\"1\",\"type\":\"recurring\"}"},
        {"getCustomerRateCards", "{\"customerId\":\"1\"}"},
        {"getRateCardDetails", "{\"rateCardId\":\"AB-1\"}"},
        {"getRateCardRules", "{\"rateCardId\":\"AB-1\",\"activeRev\":\"1\"}"},
        {"getCustomerProfitability", "{\"customer_id\":\"1\",\"group_by\":\"month\"}"},
        {"getCustomerProfitability", "{\"customer_id\":\"1\",\"group_by\":\"day\"}"},
        {"listCustomersByProfitability", "{\"sort_by\":\"profit_margin\",\"min_profit\":-1e300}"},
        {"getCustomerCallStatistics", "{\"company_id\":\"1\"}"},
        {"getCustomerDestinationStatistics", "{\"customer_id\":\"all\"}"},
        {"getDocumentation", "{\"path\":\"guides/x\"}"},
        {"searchDocumentation", "{\"query\":\"x\"}"},
        {"getCallReport", "{\"days\":3}"},
        {"getSwitchHealth", "{\"hours\":5}"},
        {"findZeroDurationRepeats", "{}"},
        {"findRoutingGaps", "{}"},
        {"findDialPrefixDuplication", "{\"tech_prefixes\":[\"1010\",\"\"]}"},
        {"findNoRouteFailures", "{}"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        survive(calls[i][0], calls[i][1]);
}

/* A 3000-message trace: raw messages capped at 200, the ladder cut to a readable size. */
static void test_long_trace_is_bounded(void **state)
{
    (void)state;
    json_t *r = cxh_call(g_srv, "getSipTrace", "{\"callid\":\"many\"}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/raw_message_count"), 3000);
    assert_int_equal(json_array_size(cxh_at(r, "structuredContent/raw_messages")), 200);
    if (!json_is_true(cxh_at(r, "structuredContent/ladder/truncated"))) {
        char *d = json_dumps(cxh_at(r, "structuredContent/engine"), 0);
        print_error("ladder %zu bytes, engine: %.300s\n", strlen(cxh_str(r, "structuredContent/ladder/text")), d ? d : "");
        free(d);
    }
    assert_true(json_is_true(cxh_at(r, "structuredContent/ladder/truncated")));
    assert_true(strlen(cxh_str(r, "structuredContent/ladder/text")) <= 96 * 1024);
    assert_true(strlen(cxh_str(r, "structuredContent/ladder/mermaid")) <= 96 * 1024);
    json_decref(r);
}

int main(void)
{
    cn_http_global_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_tool_survives),
                                       cmocka_unit_test(test_long_trace_is_bounded)};
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    cn_http_global_cleanup();
    return rc;
}
