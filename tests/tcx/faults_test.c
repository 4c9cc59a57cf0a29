/* The 3CX connector under faults, against the simulator: one shared token (also for
 * concurrent first calls and for the pre-20.0.9 minutes unit), a 401 storm (exactly one
 * refresh per 401, no loop), revoked tokens, 403 with the System Owner hint, 500, malformed
 * JSON, bad credentials, refused/TLS/DNS failures, token expiry in the middle of a paged list,
 * cancellation of a slow upstream, confirmation by elicitation (accept and decline), and
 * several PBXs with the `pbx` argument. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "connect/http.h"
#include "harness.h"
#include "util/health.h"

static th_sim g_sim;

static int setup(void **state)
{
    (void)state;
    cn_http_global_init();
    return th_sim_start(&g_sim, NULL);
}

static int teardown(void **state)
{
    (void)state;
    th_sim_stop(&g_sim);
    cn_http_global_cleanup();
    return 0;
}

static long sim_tokens(void)
{
    json_t *s = th_sim_get(&g_sim, "stats");
    long n = (long)json_integer_value(json_object_get(s, "token_requests"));
    json_decref(s);
    return n;
}

static void reset(void)
{
    th_sim_send(&g_sim, "POST", "reset", NULL);
    th_sim_send(&g_sim, "DELETE", "fault", NULL);
    th_sim_send(&g_sim, "POST", "config", "{\"expires_in_unit\":\"seconds\",\"roles\":{\"900\":\"system_owners\"}}");
    th_env(&g_sim);
}

static json_t *call_ok(mcp_server *srv, const char *tool, const char *args)
{
    json_t *r = th_call(srv, tool, args);
    assert_non_null(r);
    if (json_is_true(json_object_get(r, "isError"))) {
        char *t = th_text(r);
        fail_msg("%s failed: %s", tool, t);
    }
    return r;
}

static char *call_err(mcp_server *srv, const char *tool, const char *args)
{
    json_t *r = th_call(srv, tool, args);
    assert_non_null(r);
    assert_true(json_is_true(json_object_get(r, "isError")));
    char *t = th_text(r);
    json_decref(r);
    return t;
}

/* ---- tokens ---------------------------------------------------------------------------- */

static const char *const mix[][2] = {
    {"get_system_status", "{}"}, {"find_users", "{\"query\":\"a\"}"}, {"get_user", "{\"extension\":\"100\"}"},
    {"list_trunks", "{}"}, {"get_active_calls", "{}"}, {"get_event_logs", "{}"}, {"find_queues", "{}"},
    {"get_queue_agents", "{\"queue\":\"800\"}"}, {"list_ring_groups", "{}"}, {"search_contacts", "{\"query\":\"e\"}"},
    {"find_contact_by_phone", "{\"phone\":\"07315551234\"}"}, {"get_forwarding_profiles", "{\"extension\":\"101\"}"},
    {"get_call_history", "{\"date\":\"2026-06-15\"}"}, {"list_departments", "{}"}, {"get_extension_status", "{\"extension\":\"103\"}"},
};

static void run_mix(mcp_server *srv, int rounds)
{
    for (int k = 0; k < rounds; k++)
        for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++)
            json_decref(call_ok(srv, mix[i][0], mix[i][1]));
}

static void test_one_token_for_many_calls(void **state)
{
    (void)state;
    reset();
    long before = sim_tokens();
    mcp_server *srv = th_server(NULL);
    run_mix(srv, 4);
    assert_int_equal(sim_tokens() - before, 1);
    mcp_server_free(srv, 2000);
}

static void test_minutes_unit(void **state)
{
    (void)state;
    reset();
    /* builds before 20.0.9 say expires_in 60 meaning minutes: still one token */
    th_sim_send(&g_sim, "POST", "config", "{\"expires_in_unit\":\"minutes\"}");
    long before = sim_tokens();
    mcp_server *srv = th_server(NULL);
    run_mix(srv, 2);
    assert_int_equal(sim_tokens() - before, 1);
    mcp_server_free(srv, 2000);
}

typedef struct worker {
    mcp_server *srv;
    int failures;
} worker;

static void *concurrent(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 5; i++) {
        json_t *r = th_call(w->srv, "find_users", "{\"query\":\"e\"}");
        w->failures += !r || json_is_true(json_object_get(r, "isError"));
        json_decref(r);
    }
    return NULL;
}

static void test_concurrent_first_calls_share_one_refresh(void **state)
{
    (void)state;
    reset();
    long before = sim_tokens();
    mcp_server *srv = th_server(NULL);
    pthread_t t[8];
    worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){srv, 0};
        pthread_create(&t[i], NULL, concurrent, &w[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(sim_tokens() - before, 1);
    mcp_server_free(srv, 2000);
}

/* ---- 401 --------------------------------------------------------------------------------- */

static void test_401_storm_no_loop(void **state)
{
    (void)state;
    reset();
    mcp_server *srv = th_server(NULL);
    json_decref(call_ok(srv, "get_system_status", "{}")); /* holds a token now */
    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"/xapi/v1/SystemStatus\",\"status\":401,\"count\":50}");
    for (int round = 0; round < 3; round++) {
        th_sim_clear_log(&g_sim);
        char *t = call_err(srv, "get_system_status", "{}");
        assert_non_null(strstr(t, "401"));
        free(t);
        json_t *lines = th_sim_requests(&g_sim, NULL);
        /* exactly: the call, one refresh, one retry, then an error */
        assert_int_equal(json_array_size(lines), 3);
        assert_string_equal(json_string_value(json_array_get(lines, 0)), "GET /xapi/v1/SystemStatus");
        assert_string_equal(json_string_value(json_array_get(lines, 1)), "POST /connect/token");
        assert_string_equal(json_string_value(json_array_get(lines, 2)), "GET /xapi/v1/SystemStatus");
        json_decref(lines);
    }
    mcp_server_free(srv, 2000);
}

static void test_revoked_token_refreshes_once(void **state)
{
    (void)state;
    reset();
    mcp_server *srv = th_server(NULL);
    json_decref(call_ok(srv, "list_trunks", "{}"));
    th_sim_send(&g_sim, "POST", "tokens/revoke", NULL);
    th_sim_clear_log(&g_sim);
    json_decref(call_ok(srv, "list_trunks", "{}"));
    json_t *lines = th_sim_requests(&g_sim, NULL);
    assert_int_equal(json_array_size(lines), 3);
    assert_int_equal(th_count(lines, "POST /connect/token"), 1);
    json_decref(lines);
    th_sim_clear_log(&g_sim);
    json_decref(call_ok(srv, "list_trunks", "{}")); /* the new token is kept */
    lines = th_sim_requests(&g_sim, NULL);
    assert_int_equal(json_array_size(lines), 1);
    json_decref(lines);
    mcp_server_free(srv, 2000);
}

static void test_expiry_mid_paged_list(void **state)
{
    (void)state;
    reset();
    setenv("TCX_PAGE_SIZE", "3", 1);
    mcp_server *srv = th_server(NULL);
    json_decref(call_ok(srv, "list_trunks", "{}"));
    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"$skip=6\",\"status\":401,\"count\":1}");
    th_sim_clear_log(&g_sim);
    json_t *r = call_ok(srv, "find_contact_by_phone", "{\"phone\":\"0731 5551234\"}");
    assert_int_equal(json_integer_value(th_at(r, "structuredContent/scanned")), 10);
    assert_int_equal(json_integer_value(th_at(r, "structuredContent/returned")), 2);
    json_t *lines = th_sim_requests(&g_sim, NULL);
    /* pages 0, 3, 6 (401), token, 6 again, 9 */
    assert_int_equal(json_array_size(lines), 6);
    assert_string_equal(json_string_value(json_array_get(lines, 3)), "POST /connect/token");
    assert_non_null(strstr(json_string_value(json_array_get(lines, 4)), "$skip=6"));
    assert_non_null(strstr(json_string_value(json_array_get(lines, 5)), "$skip=9"));
    json_decref(lines);
    json_decref(r);
    mcp_server_free(srv, 2000);
    unsetenv("TCX_PAGE_SIZE");
}

/* ---- other failures ------------------------------------------------------------------------ */

static void test_status_errors(void **state)
{
    (void)state;
    reset();
    mcp_server *srv = th_server(NULL);
    th_sim_send(&g_sim, "POST", "config", "{\"roles\":{\"900\":\"system_admins\"}}");
    char *t = call_err(srv, "get_call_history", "{\"date\":\"2026-06-15\"}");
    assert_non_null(strstr(t, "403"));
    assert_non_null(strstr(t, "System Owner"));
    free(t);
    th_sim_send(&g_sim, "POST", "config", "{\"roles\":{\"900\":\"system_owners\"}}");

    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"/xapi/v1/EventLogs\",\"status\":500,\"count\":1}");
    t = call_err(srv, "get_event_logs", "{}");
    assert_non_null(strstr(t, "HTTP 500"));
    assert_non_null(strstr(t, "Simulated upstream failure"));
    free(t);

    /* a PBX that refuses $count on the report function: asked again without it */
    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"$count=true\",\"status\":400,\"count\":1}");
    th_sim_clear_log(&g_sim);
    json_t *r = call_ok(srv, "get_call_history", "{\"date\":\"2026-06-15\"}");
    json_t *lines = th_sim_requests(&g_sim, NULL);
    assert_int_equal(json_array_size(lines), 2);
    assert_non_null(strstr(json_string_value(json_array_get(lines, 0)), "&$count=true"));
    assert_null(strstr(json_string_value(json_array_get(lines, 1)), "$count"));
    assert_true(json_integer_value(th_at(r, "structuredContent/matchedCalls")) > 3);
    json_decref(lines);
    json_decref(r);

    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"/xapi/v1/Users\",\"malformed\":true,\"count\":1}");
    t = call_err(srv, "find_users", "{}");
    assert_non_null(strstr(t, "not JSON"));
    free(t);

    /* dropped connections (libcurl may retry a reused one once by itself) */
    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"/xapi/v1/Queues\",\"close\":true,\"count\":5}");
    t = call_err(srv, "find_queues", "{}");
    assert_non_null(strstr(t, "Queues"));
    free(t);
    th_sim_send(&g_sim, "DELETE", "fault", NULL);

    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"/xapi/v1/Trunks\",\"status\":504,\"count\":1}");
    t = call_err(srv, "list_trunks", "{}");
    assert_non_null(strstr(t, "504"));
    free(t);
    json_decref(call_ok(srv, "list_trunks", "{}")); /* and it recovers */
    mcp_server_free(srv, 2000);
}

/* A PBX that compares contains() case-sensitively still finds "O'BRIEN". */
static void test_case_sensitive_pbx(void **state)
{
    (void)state;
    reset();
    th_sim_send(&g_sim, "POST", "config", "{\"case_sensitive_contains\":true}");
    mcp_server *srv = th_server(NULL);
    json_t *r = call_ok(srv, "find_users", "{\"query\":\"O'BRIEN\"}");
    assert_int_equal(json_integer_value(th_at(r, "structuredContent/total")), 1);
    assert_string_equal(json_string_value(th_at(r, "structuredContent/users/0/Number")), "101");
    json_decref(r);
    r = call_ok(srv, "search_contacts", "{\"query\":\"hans\"}");
    assert_int_equal(json_integer_value(th_at(r, "structuredContent/returned")), 1);
    json_decref(r);
    mcp_server_free(srv, 2000);
    th_sim_send(&g_sim, "POST", "config", "{\"case_sensitive_contains\":false}");
}

static void test_bad_credentials_and_transport(void **state)
{
    (void)state;
    reset();
    setenv("TCX_CLIENT_SECRET", "wrong-secret-123", 1);
    mcp_server *srv = th_server(NULL);
    char *t = call_err(srv, "get_system_status", "{}");
    assert_non_null(strstr(t, "refused the API credentials"));
    assert_non_null(strstr(t, "TCX_CLIENT_SECRET"));
    assert_null(strstr(t, "wrong-secret-123"));
    free(t);
    mcp_server_free(srv, 2000);

    th_env(&g_sim);
    setenv("TCX_BASE_URL", "http://127.0.0.1:1", 1);
    srv = th_server(NULL);
    t = call_err(srv, "get_system_status", "{}");
    assert_non_null(strstr(t, "cannot connect"));
    free(t);
    mcp_server_free(srv, 2000);

    char url[80];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", g_sim.port);
    setenv("TCX_BASE_URL", url, 1);
    srv = th_server(NULL);
    t = call_err(srv, "get_system_status", "{}");
    assert_non_null(strstr(t, "TLS"));
    free(t);
    mcp_server_free(srv, 2000);

    unsetenv("TCX_BASE_URL");
    setenv("TCX_FQDN", "no-such-pbx.invalid", 1);
    srv = th_server(NULL);
    t = call_err(srv, "get_system_status", "{}");
    assert_true(strstr(t, "does not resolve") || strstr(t, "cannot connect"));
    free(t);
    mcp_server_free(srv, 2000);
    th_env(&g_sim);
}

static void test_row_cap_scan_limit_timeout_health(void **state)
{
    (void)state;
    reset();
    th_sim_send(&g_sim, "POST", "config", "{\"report_row_limit\":5}");
    setenv("TCX_REPORT_ROW_LIMIT", "5", 1);
    mcp_server *srv = th_server(NULL);
    json_t *r = call_ok(srv, "get_call_history", "{\"date\":\"2026-06-15\"}");
    assert_true(json_is_true(th_at(r, "structuredContent/rowCapReached")));
    char *t = th_text(r);
    assert_non_null(strstr(t, "REPORT_ROW_LIMIT"));
    free(t);
    json_decref(r);
    mcp_server_free(srv, 2000);
    th_sim_send(&g_sim, "POST", "config", "{\"report_row_limit\":20000}");
    unsetenv("TCX_REPORT_ROW_LIMIT");

    srv = th_server(NULL);
    r = call_ok(srv, "get_call_history", "{\"date\":\"2026-06-15\",\"scanLimit\":3}");
    assert_int_equal(json_integer_value(th_at(r, "structuredContent/scannedSegments")), 3);
    assert_false(json_is_true(th_at(r, "structuredContent/rowCapReached")));
    t = th_text(r);
    assert_non_null(strstr(t, "only the newest 3 segments"));
    free(t);
    json_decref(r);
    /* the health probe registered for the PBX answers */
    assert_int_equal(sb_health_check_all(NULL, NULL), 0);
    mcp_server_free(srv, 2000);

    setenv("TCX_TIMEOUT_S", "1", 1);
    srv = th_server(NULL);
    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"/xapi/v1/ActiveCalls\",\"delay_ms\":3000,\"count\":1}");
    t = call_err(srv, "get_active_calls", "{}");
    assert_non_null(strstr(t, "did not answer"));
    free(t);
    mcp_server_free(srv, 2000);
    unsetenv("TCX_TIMEOUT_S");
    th_sim_send(&g_sim, "DELETE", "fault", NULL);
}

/* "today" on DST change days (the clock fixed by TCX_TEST_NOW) and the last 24 hours. */
static void expect_today(const char *now, const char *zone, const char *args, const char *from, const char *to)
{
    setenv("TCX_TEST_NOW", now, 1);
    setenv("TCX_TIMEZONE", zone, 1);
    mcp_server *srv = th_server(NULL);
    json_t *r = call_ok(srv, "get_call_history", args);
    assert_string_equal(json_string_value(th_at(r, "structuredContent/window/periodFrom")), from);
    assert_string_equal(json_string_value(th_at(r, "structuredContent/window/periodTo")), to);
    json_decref(r);
    mcp_server_free(srv, 2000);
}

static void test_today_on_dst_days(void **state)
{
    (void)state;
    reset();
    expect_today("2026-03-29T12:00:00Z", "Europe/Berlin", "{}", "2026-03-28T23:00:00Z", "2026-03-29T21:59:59Z");
    expect_today("2026-03-28T23:30:00Z", "Europe/Berlin", "{}", "2026-03-28T23:00:00Z", "2026-03-29T21:59:59Z");
    expect_today("2026-10-25T22:30:00Z", "Europe/Berlin", "{\"scope\":\"today\"}", "2026-10-24T22:00:00Z",
                 "2026-10-25T22:59:59Z");
    expect_today("2026-03-08T12:00:00Z", "America/New_York", "{}", "2026-03-08T05:00:00Z", "2026-03-09T03:59:59Z");
    expect_today("2026-11-02T04:30:00Z", "America/New_York", "{}", "2026-11-01T04:00:00Z", "2026-11-02T04:59:59Z");
    expect_today("2026-06-15T10:00:00Z", "Europe/Berlin", "{\"scope\":\"last_24_hours\"}", "2026-06-14T10:00:00Z",
                 "2026-06-15T10:00:00Z");
    expect_today("2026-06-15T10:00:00Z", "Europe/Berlin", "{\"scope\":\"all_recent\"}", "2026-06-11T22:00:00Z",
                 "2026-06-15T21:59:59Z");
    unsetenv("TCX_TEST_NOW");
    th_env(&g_sim);
}

/* ---- sessions: cancellation and elicitation ------------------------------------------------ */

typedef struct outbox {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    json_t *msgs;
} outbox;

static int on_out(void *ctx, const char *json, size_t len, void *handle, unsigned flags)
{
    (void)handle;
    (void)flags;
    outbox *o = ctx;
    json_t *j = json ? json_loadb(json, len, 0, NULL) : NULL;
    pthread_mutex_lock(&o->mu);
    if (j)
        json_array_append_new(o->msgs, j);
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    return 0;
}

/* Waits (bounded) for a message with this id (response) or this method (request). */
static json_t *wait_msg(outbox *o, int id, const char *method, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    pthread_mutex_lock(&o->mu);
    for (;;) {
        size_t i;
        json_t *m;
        json_array_foreach(o->msgs, i, m) {
            const char *meth = json_string_value(json_object_get(m, "method"));
            bool hit = method ? (meth && strcmp(meth, method) == 0)
                              : (!meth && json_integer_value(json_object_get(m, "id")) == id);
            if (hit) {
                json_incref(m);
                json_array_remove(o->msgs, i);
                pthread_mutex_unlock(&o->mu);
                return m;
            }
        }
        if (pthread_cond_timedwait(&o->cv, &o->mu, &dl) != 0) {
            pthread_mutex_unlock(&o->mu);
            return NULL;
        }
    }
}

static void send_msg(mcp_session *s, const char *json)
{
    mcp_session_handle(s, json, strlen(json), NULL);
}

static mcp_session *open_session(mcp_server *srv, outbox *o, bool elicitation)
{
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    o->msgs = json_array();
    mcp_session *s = mcp_session_new(srv, on_out, o, 0);
    char init[400];
    snprintf(init, sizeof init,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
             "\"capabilities\":{%s},\"clientInfo\":{\"name\":\"tcx-test\",\"version\":\"1\"}}}",
             elicitation ? "\"elicitation\":{}" : "");
    send_msg(s, init);
    json_decref(wait_msg(o, 1, NULL, 5000));
    send_msg(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    return s;
}

static void close_session(mcp_session *s, outbox *o)
{
    mcp_session_close(s);
    json_decref(o->msgs);
}

static void test_cancel_slow_upstream(void **state)
{
    (void)state;
    reset();
    mcp_server *srv = th_server(NULL);
    outbox o;
    mcp_session *s = open_session(srv, &o, false);
    th_sim_send(&g_sim, "POST", "fault", "{\"path\":\"/xapi/v1/SystemStatus\",\"delay_ms\":30000,\"count\":1}");
    send_msg(s, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"get_system_status\","
                "\"arguments\":{}}}");
    usleep(300 * 1000);
    assert_int_equal(mcp_session_in_flight(s), 1);
    send_msg(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":2}}");
    /* the 30 s upstream wait is aborted: the call ends long before the delay */
    assert_true(mcp_session_wait_idle(s, 10000));
    close_session(s, &o);
    mcp_server_free(srv, 2000);
}

static void answer_elicitation(mcp_session *s, outbox *o, const char *result)
{
    json_t *req = wait_msg(o, 0, "elicitation/create", 5000);
    assert_non_null(req);
    const char *msg = json_string_value(th_at(req, "params/message"));
    assert_non_null(strstr(msg, "from forwarding profile 'Available' to 'Away'"));
    char *id = json_dumps(json_object_get(req, "id"), JSON_ENCODE_ANY);
    char reply[400];
    snprintf(reply, sizeof reply, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}", id, result);
    free(id);
    send_msg(s, reply);
    json_decref(req);
}

static void test_elicitation_confirms(void **state)
{
    (void)state;
    reset();
    mcp_server *srv = th_server(NULL);
    outbox o;
    mcp_session *s = open_session(srv, &o, true);
    const char *call = "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
                       "\"set_forwarding_profile\",\"arguments\":{\"extension\":\"100\",\"profile\":\"Away\"}}}";
    char buf[400];

    /* declined: nothing is sent upstream */
    th_sim_clear_log(&g_sim);
    snprintf(buf, sizeof buf, call, 2);
    send_msg(s, buf);
    answer_elicitation(s, &o, "{\"action\":\"decline\"}");
    json_t *r = wait_msg(&o, 2, NULL, 10000);
    assert_non_null(r);
    assert_string_equal(json_string_value(th_at(r, "result/structuredContent/status")), "declined");
    json_t *lines = th_sim_requests(&g_sim, NULL);
    assert_int_equal(th_count(lines, "PATCH"), 0);
    json_decref(lines);
    json_decref(r);

    /* accepted: the PATCH goes out */
    th_sim_clear_log(&g_sim);
    snprintf(buf, sizeof buf, call, 3);
    send_msg(s, buf);
    answer_elicitation(s, &o, "{\"action\":\"accept\",\"content\":{\"confirm\":true}}");
    r = wait_msg(&o, 3, NULL, 10000);
    assert_non_null(r);
    assert_string_equal(json_string_value(th_at(r, "result/structuredContent/status")), "done");
    assert_string_equal(json_string_value(th_at(r, "result/structuredContent/current")), "Away");
    lines = th_sim_requests(&g_sim, NULL);
    assert_int_equal(th_count(lines, "PATCH /xapi/v1/Users(26)"), 1);
    json_decref(lines);
    json_decref(r);
    close_session(s, &o);
    mcp_server_free(srv, 2000);
}

/* ---- several PBXs -------------------------------------------------------------------------- */

static void test_multi_pbx(void **state)
{
    (void)state;
    reset();
    unsetenv("TCX_FQDN");
    unsetenv("TCX_BASE_URL");
    char path[] = "/tmp/tcx_multi_XXXXXX";
    int fd = mkstemp(path);
    char text[600];
    int n = snprintf(text, sizeof text,
                     "[pbx main]\nbase_url = %s\nclient_id = 900\nclient_secret = sim-secret-900\ntimezone = Europe/Berlin\n"
                     "[pbx branch]\nbase_url = %s\nclient_id = 901\nclient_secret = sim-secret-901\ntimezone = America/New_York\n",
                     g_sim.base, g_sim.base);
    assert_int_equal(write(fd, text, (size_t)n), n);
    close(fd);
    mcp_server *srv = th_server(path);
    assert_non_null(srv);
    const json_t *schema = mcp_registry_input_schema(mcp_server_registry(srv), "find_users");
    json_t *en = th_at((json_t *)schema, "properties/pbx/enum");
    assert_int_equal(json_array_size(en), 2);
    assert_string_equal(json_string_value(json_array_get(en, 1)), "branch");
    bool required = false;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(schema, "required"), i, v) required = required || strcmp(json_string_value(v), "pbx") == 0;
    assert_true(required);

    json_t *r = call_ok(srv, "list_pbxs", "{}");
    assert_int_equal(json_integer_value(th_at(r, "structuredContent/configured")), 2);
    assert_int_equal(json_integer_value(th_at(r, "structuredContent/reachable")), 2);
    json_decref(r);
    r = call_ok(srv, "get_call_history", "{\"pbx\":\"main\",\"date\":\"2026-06-15\"}");
    json_decref(r);
    char *t = call_err(srv, "get_call_history", "{\"pbx\":\"branch\",\"date\":\"2026-06-15\"}");
    assert_non_null(strstr(t, "3CX PBX 'branch'"));
    assert_non_null(strstr(t, "System Owner"));
    free(t);
    r = call_ok(srv, "get_user", "{\"pbx\":\"branch\",\"extension\":\"101\"}");
    assert_string_equal(json_string_value(th_at(r, "structuredContent/pbx")), "branch");
    json_decref(r);
    r = th_call(srv, "get_user", "{\"extension\":\"101\"}"); /* pbx is required */
    assert_true(!r || json_is_true(json_object_get(r, "isError")));
    json_decref(r);
    mcp_server_free(srv, 2000);
    unlink(path);
    th_env(&g_sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_token_for_many_calls),
        cmocka_unit_test(test_minutes_unit),
        cmocka_unit_test(test_concurrent_first_calls_share_one_refresh),
        cmocka_unit_test(test_401_storm_no_loop),
        cmocka_unit_test(test_revoked_token_refreshes_once),
        cmocka_unit_test(test_expiry_mid_paged_list),
        cmocka_unit_test(test_status_errors),
        cmocka_unit_test(test_case_sensitive_pbx),
        cmocka_unit_test(test_bad_credentials_and_transport),
        cmocka_unit_test(test_row_cap_scan_limit_timeout_health),
        cmocka_unit_test(test_today_on_dst_days),
        cmocka_unit_test(test_cancel_slow_upstream),
        cmocka_unit_test(test_elicitation_confirms),
        cmocka_unit_test(test_multi_pbx),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
