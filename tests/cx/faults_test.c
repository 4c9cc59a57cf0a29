/* Upstream faults against the simulator: an access token expiring mid-session (one
 * re-authentication and one retry), the refresh-token renewal under 15 days, a 401 storm (no
 * loop), 429 with Retry-After (bounded back-off), 500 and HTML error pages, timeouts and
 * cancellation, Markdown where JSON was expected, truncated JSON, a dropped connection. Every
 * answer is an isError a person can act on, and no token or password ever shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connect/connexcs/cx_client.h"
#include "connect/http.h"
#include "harness.h"
#include "util/health.h"

static cxh_sim g_sim;

static int setup(void **state)
{
    (void)state;
    return cxh_sim_start(&g_sim, NULL);
}

static int teardown(void **state)
{
    (void)state;
    cxh_sim_stop(&g_sim);
    return 0;
}

/* A refresh token from the simulator with ttl seconds left. */
static char *mint_refresh(long ttl)
{
    char body[96];
    snprintf(body, sizeof body, "{\"typ\":\"refresh\",\"ttl\":%ld}", ttl);
    json_t *j = cxh_sim_post(&g_sim, "/_sim/token", body);
    char *t = j && json_is_string(json_object_get(j, "token")) ? strdup(json_string_value(json_object_get(j, "token"))) : NULL;
    json_decref(j);
    return t;
}

static mcp_server *server_with(const char *refresh)
{
    cxh_env(&g_sim, refresh);
    setenv("CONNEXCS_MAX_RETRY_WAIT_S", "1", 1);
    return cxh_server();
}

static void no_secret(json_t *r, const char *secret)
{
    char *t = cxh_text(r);
    char *s = json_dumps(r, 0);
    assert_null(strstr(t, secret));
    assert_null(strstr(s, secret));
    assert_null(strstr(t, "sim-password"));
    free(t);
    free(s);
}

static void test_expired_access_token_mid_session(void **state)
{
    (void)state;
    char *refresh = mint_refresh(30L * 86400);
    assert_non_null(refresh);
    mcp_server *srv = server_with(refresh);
    cxh_clear_log(&g_sim);
    json_t *r = cxh_call(srv, "getRtpServerGroups", "{}");
    assert_false(cxh_is_error(r));
    json_decref(r);
    r = cxh_call(srv, "getRtpServerGroups", "{}"); /* the access token is cached */
    json_decref(r);
    json_t *l = cxh_requests(&g_sim);
    assert_int_equal(cxh_count(l, "GET", "/api/cp/auth/jwt"), 1);
    assert_int_equal(cxh_count(l, "POST", "auth/jwt/refresh"), 0); /* 30 days left: no renewal */
    assert_string_equal(cxh_str(l, "1/auth"), "bearer-access");
    json_decref(l);

    assert_int_equal(cxh_sim_send(&g_sim, "POST", "/_sim/expire", NULL), 200);
    cxh_clear_log(&g_sim);
    r = cxh_call(srv, "getRtpServerGroups", "{}");
    assert_false(cxh_is_error(r)); /* 401 -> new access token -> retried once */
    no_secret(r, refresh);
    json_decref(r);
    l = cxh_requests(&g_sim);
    assert_int_equal(cxh_count(l, "GET", "setup/server/rtp-group"), 2);
    assert_int_equal(cxh_count(l, "GET", "/api/cp/auth/jwt"), 1);
    assert_string_equal(cxh_str(l, "0/auth"), "bearer-expired");
    assert_int_equal(cxh_int(l, "0/status"), 401);
    assert_int_equal(cxh_int(l, "2/status"), 200);
    json_decref(l);
    mcp_server_free(srv, 5000);
    free(refresh);
}

static void test_refresh_renewal(void **state)
{
    (void)state;
    char *refresh = mint_refresh(3L * 86400); /* under 15 days left */
    mcp_server *srv = server_with(refresh);
    cxh_clear_log(&g_sim);
    json_t *r = cxh_call(srv, "getRtpServerGroups", "{}");
    assert_false(cxh_is_error(r));
    json_decref(r);
    json_t *l = cxh_requests(&g_sim);
    assert_int_equal(cxh_count(l, "POST", "/api/cp/auth/jwt/refresh"), 1);
    assert_string_equal(cxh_str(l, "0/auth"), "bearer-refresh");
    json_t *body = json_loads(cxh_str(l, "0/body"), 0, NULL);
    assert_int_equal(cxh_int(body, "lifetime"), 2592000);
    json_decref(body);
    assert_int_equal(cxh_count(l, "GET", "/api/cp/auth/jwt"), 1);
    json_decref(l);
    mcp_server_free(srv, 5000);
    free(refresh);
}

static void test_401_storm_no_loop(void **state)
{
    (void)state;
    char *refresh = mint_refresh(30L * 86400);
    mcp_server *srv = server_with(refresh);
    cxh_clear_log(&g_sim);
    assert_int_equal(cxh_fault(&g_sim, "401", 50, "\"path\":\"rtp-group\""), 200);
    json_t *r = cxh_call(srv, "getRtpServerGroups", "{}");
    assert_true(cxh_is_error(r));
    assert_true(cxh_text_has(r, "401"));
    no_secret(r, refresh);
    json_decref(r);
    json_t *l = cxh_requests(&g_sim);
    assert_int_equal(cxh_count(l, "GET", "setup/server/rtp-group"), 2); /* one retry, no loop */
    assert_int_equal(cxh_count(l, "GET", "/api/cp/auth/jwt"), 2);
    json_decref(l);
    cxh_sim_send(&g_sim, "DELETE", "/_sim/fault", NULL);
    mcp_server_free(srv, 5000);
    free(refresh);

    srv = server_with(NULL); /* Basic: a 401 is final, no retry */
    cxh_clear_log(&g_sim);
    cxh_fault(&g_sim, "401", 50, "\"path\":\"rtp-group\"");
    r = cxh_call(srv, "getRtpServerGroups", "{}");
    assert_true(cxh_is_error(r));
    assert_true(cxh_text_has(r, "API_USERNAME"));
    json_decref(r);
    l = cxh_requests(&g_sim);
    assert_int_equal(cxh_count(l, NULL, "rtp-group"), 1);
    json_decref(l);
    cxh_sim_send(&g_sim, "DELETE", "/_sim/fault", NULL);
    mcp_server_free(srv, 5000);
}

static void test_429_retry_after(void **state)
{
    (void)state;
    mcp_server *srv = server_with(NULL);
    cxh_clear_log(&g_sim);
    cxh_fault(&g_sim, "429", 2, "\"retry_after\":1,\"path\":\"setup/rtp\"");
    json_t *r = cxh_call(srv, "listRtpServers", "{}");
    assert_false(cxh_is_error(r));
    assert_int_equal(cxh_int(r, "structuredContent/allServersCount"), 20);
    json_decref(r);
    json_t *l = cxh_requests(&g_sim);
    assert_int_equal(cxh_count(l, "GET", "/api/cp/setup/rtp"), 3);
    /* Retry-After honoured: the retries came at least a second apart */
    assert_true(cxh_int(l, "1/time_ms") - cxh_int(l, "0/time_ms") >= 900);
    json_decref(l);

    cxh_clear_log(&g_sim);
    cxh_fault(&g_sim, "429", 20, "\"retry_after\":1,\"path\":\"setup/rtp\"");
    r = cxh_call(srv, "listRtpServers", "{}");
    assert_true(cxh_is_error(r));
    assert_true(cxh_text_has(r, "rate-limiting"));
    json_decref(r);
    l = cxh_requests(&g_sim);
    assert_int_equal(cxh_count(l, "GET", "/api/cp/setup/rtp"), 4); /* 1 + 3 retries, bounded */
    json_decref(l);
    cxh_sim_send(&g_sim, "DELETE", "/_sim/fault", NULL);
    mcp_server_free(srv, 5000);
}

static void expect_fault(mcp_server *srv, const char *kind, const char *tool, const char *args, const char *needle)
{
    char extra[64];
    snprintf(extra, sizeof extra, "\"path\":\"%s\"", strcmp(tool, "getRtpServerGroups") ? "setup/rtp" : "rtp-group");
    /* a dropped keep-alive connection is retried once by libcurl: drop a few */
    cxh_fault(&g_sim, kind, strcmp(kind, "close") ? 1 : 4, extra);
    json_t *r = cxh_call(srv, tool, args);
    char *t = cxh_text(r);
    if (!cxh_is_error(r) || !t || !strstr(t, needle)) {
        print_error("fault %s: %s\n", kind, t ? t : "(none)");
        fail();
    }
    assert_null(strstr(t, "<html"));
    assert_null(strstr(t, "<!DOCTYPE"));
    free(t);
    json_decref(r);
    cxh_sim_send(&g_sim, "DELETE", "/_sim/fault", NULL);
}

static void test_error_answers(void **state)
{
    (void)state;
    mcp_server *srv = server_with(NULL);
    expect_fault(srv, "500", "getRtpServerGroups", "{}", "ConnexCS answered 500");
    expect_fault(srv, "html", "getRtpServerGroups", "{}", "502");
    expect_fault(srv, "403", "getRtpServerGroups", "{}", "permission");
    expect_fault(srv, "markdown", "getRtpServerGroups", "{}", "instead of JSON");
    expect_fault(srv, "truncated", "listRtpServers", "{}", "truncated JSON");
    expect_fault(srv, "close", "getRtpServerGroups", "{}", "Could not reach ConnexCS");
    /* a CDR query without a date bound is refused upstream with 500: the sim enforces it, the
     * tools always send one; the message stays actionable when it happens anyway */
    cxh_fault(&g_sim, "500", 1, "\"path\":\"cdr\"");
    json_t *r = cxh_call(srv, "searchCdr", "{\"start_date\":\"2026-02-27\"}");
    assert_true(cxh_is_error(r));
    assert_true(cxh_text_has(r, "date range"));
    json_decref(r);
    cxh_sim_send(&g_sim, "DELETE", "/_sim/fault", NULL);
    /* investigateCall with every step failing is an isError; with one failing it reports it */
    cxh_fault(&g_sim, "500", 1, "\"path\":\"log/rtcp\"");
    r = cxh_call(srv, "investigateCall", "{\"callid\":\"FAKE-CALLID-THAT-DOES-NOT-EXIST\"}");
    assert_false(cxh_is_error(r));
    assert_true(json_is_string(cxh_at(r, "structuredContent/rtcp/error")));
    json_decref(r);
    cxh_sim_send(&g_sim, "DELETE", "/_sim/fault", NULL);
    mcp_server_free(srv, 5000);
}

static void test_timeout(void **state)
{
    (void)state;
    cxh_env(&g_sim, NULL);
    setenv("CONNEXCS_TIMEOUT_MS", "800", 1);
    mcp_server *srv = cxh_server();
    cxh_fault(&g_sim, "timeout", 1, "\"delay_ms\":5000,\"path\":\"rtp-group\"");
    json_t *r = cxh_call(srv, "getRtpServerGroups", "{}");
    assert_true(cxh_is_error(r));
    assert_true(cxh_text_has(r, "did not answer"));
    json_decref(r);
    cxh_sim_send(&g_sim, "DELETE", "/_sim/fault", NULL);
    mcp_server_free(srv, 5000);
    unsetenv("CONNEXCS_TIMEOUT_MS");
}

/* Cancellation: the flag a handler gets from mcp_call_cancel_flag stops a slow request. */
typedef struct cancel_ctx {
    volatile int flag;
} cancel_ctx;

static void *raise_later(void *p)
{
    usleep(300000);
    ((cancel_ctx *)p)->flag = 1;
    return NULL;
}

static void test_cancellation(void **state)
{
    (void)state;
    cxh_env(&g_sim, NULL);
    cx_config cfg;
    cx_config_from_env(&cfg);
    cx_client *c = cx_client_new(&cfg);
    cxh_fault(&g_sim, "slow", 1, "\"delay_ms\":20000,\"path\":\"rtp-group\"");
    cancel_ctx ctx = {0};
    pthread_t th;
    pthread_create(&th, NULL, raise_later, &ctx);
    cx_response r;
    int rc = cx_get_json(c, "setup/server/rtp-group", NULL, &ctx.flag, &r);
    pthread_join(th, NULL);
    assert_int_equal(rc, -1);
    assert_true(r.cancelled);
    assert_non_null(strstr(r.error, "cancelled"));
    /* no timed assertion: without cancellation the call would succeed after the delay */
    cx_response_free(&r);
    /* a flag already raised stops before any request */
    cxh_clear_log(&g_sim);
    rc = cx_get_json(c, "setup/server/rtp-group", NULL, &ctx.flag, &r);
    assert_int_equal(rc, -1);
    assert_true(r.cancelled);
    cx_response_free(&r);
    json_t *l = cxh_requests(&g_sim);
    assert_int_equal(cxh_count(l, NULL, "rtp-group"), 0);
    json_decref(l);
    cxh_sim_send(&g_sim, "DELETE", "/_sim/fault", NULL);
    cx_client_free(c);
}

static void test_bad_refresh_token(void **state)
{
    (void)state;
    const char *bogus = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDAsInR5cCI6InJlZnJlc2gifQ.Ym9ndXM";
    mcp_server *srv = server_with(bogus);
    json_t *r = cxh_call(srv, "getRtpServerGroups", "{}");
    assert_true(cxh_is_error(r));
    assert_true(cxh_text_has(r, "refresh token"));
    no_secret(r, bogus);
    json_decref(r);
    mcp_server_free(srv, 5000);
}

static void probe_cb(void *ctx, const char *name, bool ok, const char *detail)
{
    if (!strcmp(name, "connexcs")) {
        *(int *)ctx = ok ? 1 : 0;
        assert_null(strstr(detail, "sim-password"));
    }
}

static void test_health_probe(void **state)
{
    (void)state;
    mcp_server *srv = server_with(NULL);
    int ok = -1;
    sb_health_check_all(probe_cb, &ok);
    assert_int_equal(ok, 1);
    mcp_server_free(srv, 5000);
    setenv("API_PASSWORD", "wrong-password", 1);
    srv = cxh_server();
    ok = -1;
    sb_health_check_all(probe_cb, &ok);
    assert_int_equal(ok, 0);
    mcp_server_free(srv, 5000);
    ok = -1;
    sb_health_check_all(probe_cb, &ok); /* the family is gone with its server: no probe left */
    assert_int_equal(ok, -1);
}

int main(void)
{
    cn_http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expired_access_token_mid_session),
        cmocka_unit_test(test_refresh_renewal),
        cmocka_unit_test(test_401_storm_no_loop),
        cmocka_unit_test(test_429_retry_after),
        cmocka_unit_test(test_error_answers),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_cancellation),
        cmocka_unit_test(test_bad_refresh_token),
        cmocka_unit_test(test_health_probe),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    cn_http_global_cleanup();
    return rc;
}
