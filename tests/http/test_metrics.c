/* Unit tests for the Prometheus counters (src/transport/metrics.c). */
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "transport/metrics.h"

static bool has_line(const sb_buf *b, const char *line)
{
    char want[512];
    snprintf(want, sizeof want, "\n%s\n", line);
    return strstr(b->data, want) != NULL;
}

static void test_render(void **state)
{
    (void)state;
    http_metrics *m = http_metrics_new();
    http_metrics_request(m, "POST", 200, 0.0003);
    http_metrics_request(m, "POST", 200, 0.002);
    http_metrics_request(m, "GET", 404, 0.0001);
    http_metrics_request(m, "BREW", 999, 1.0); /* odd method and status are folded */
    http_metrics_tool_call(m, "echo", HTTP_OUTCOME_OK, 0.001);
    http_metrics_tool_call(m, "echo", HTTP_OUTCOME_TOOL_ERROR, 0.001);
    http_metrics_tool_call(m, "bad name\"}\n", HTTP_OUTCOME_PROTOCOL, 0.001);
    http_metrics_sessions_add(m, 2);
    http_metrics_sessions_add(m, -1);
    http_upstream_stat ups[] = {{.host = "pbx.example.com:5001", .requests = 7, .transport_errors = 1,
                                 .status_4xx = 2, .status_5xx = 0, .seconds_total = 0.5},
                                {.host = "we\"ird\\host\n", .requests = 1}};
    http_metrics_extra extra = {.calls_in_flight = 3, .upstreams = ups, .nupstreams = 2};
    sb_buf out;
    sb_buf_init(&out, 1 << 20);
    assert_int_equal(http_metrics_render(m, &extra, &out), 0);
    assert_true(has_line(&out, "switchboard_http_requests_total{method=\"POST\",code=\"200\"} 2"));
    assert_true(has_line(&out, "switchboard_http_requests_total{method=\"GET\",code=\"404\"} 1"));
    assert_true(has_line(&out, "switchboard_http_requests_total{method=\"other\",code=\"500\"} 1"));
    assert_true(has_line(&out, "switchboard_http_request_duration_seconds_bucket{method=\"POST\",le=\"0.0005\"} 1"));
    assert_true(has_line(&out, "switchboard_http_request_duration_seconds_bucket{method=\"POST\",le=\"0.0025\"} 2"));
    assert_true(has_line(&out, "switchboard_http_request_duration_seconds_bucket{method=\"POST\",le=\"+Inf\"} 2"));
    assert_true(has_line(&out, "switchboard_http_request_duration_seconds_count{method=\"POST\"} 2"));
    assert_true(has_line(&out, "switchboard_tool_calls_total{tool=\"echo\",outcome=\"ok\"} 1"));
    assert_true(has_line(&out, "switchboard_tool_calls_total{tool=\"echo\",outcome=\"tool_error\"} 1"));
    assert_true(has_line(&out, "switchboard_tool_calls_total{tool=\"(other)\",outcome=\"protocol_error\"} 1"));
    assert_true(has_line(&out, "switchboard_sessions_open 1"));
    assert_true(has_line(&out, "switchboard_calls_in_flight 3"));
    assert_true(has_line(&out, "switchboard_upstream_requests_total{host=\"pbx.example.com:5001\"} 7"));
    assert_true(has_line(&out, "switchboard_upstream_errors_total{host=\"pbx.example.com:5001\",kind=\"transport\"} 1"));
    assert_true(has_line(&out, "switchboard_upstream_errors_total{host=\"pbx.example.com:5001\",kind=\"4xx\"} 2"));
    assert_true(has_line(&out, "switchboard_upstream_seconds_total{host=\"pbx.example.com:5001\"} 0.500000"));
    assert_true(has_line(&out, "switchboard_upstream_requests_total{host=\"we\\\"ird\\\\host\\n\"} 1"));
    assert_null(strstr(out.data, "bad name"));
    sb_buf_free(&out);
    http_metrics_free(m);
}

static void test_tool_cap(void **state)
{
    (void)state;
    http_metrics *m = http_metrics_new();
    char name[32];
    for (int i = 0; i < HTTP_METRICS_MAX_TOOLS + 50; i++) {
        snprintf(name, sizeof name, "t%d", i);
        http_metrics_tool_call(m, name, HTTP_OUTCOME_OK, 0.0);
    }
    sb_buf out;
    sb_buf_init(&out, 4 << 20);
    assert_int_equal(http_metrics_render(m, NULL, &out), 0);
    assert_true(has_line(&out, "switchboard_tool_calls_total{tool=\"(other)\",outcome=\"ok\"} 50"));
    sb_buf_free(&out);
    sb_buf_init(&out, 100); /* a full buffer is an error, not a crash */
    assert_int_equal(http_metrics_render(m, NULL, &out), -1);
    sb_buf_free(&out);
    http_metrics_free(m);
}

static http_metrics *g_m;
static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        http_metrics_request(g_m, "POST", 200, 0.001);
        http_metrics_tool_call(g_m, (i & 1) ? "a" : "b", HTTP_OUTCOME_OK, 0.001);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    g_m = http_metrics_new();
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    sb_buf out;
    sb_buf_init(&out, 1 << 20);
    http_metrics_render(g_m, NULL, &out);
    assert_true(has_line(&out, "switchboard_http_requests_total{method=\"POST\",code=\"200\"} 80000"));
    assert_true(has_line(&out, "switchboard_tool_calls_total{tool=\"a\",outcome=\"ok\"} 40000"));
    sb_buf_free(&out);
    http_metrics_free(g_m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_tool_cap),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
