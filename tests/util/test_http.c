/* The libcurl client against the libmicrohttpd server wrapper on loopback: methods, bodies,
 * query decoding, the raw target, headers both ways, body caps, Retry-After, dropped
 * connections, timeouts, cancellation, refused connections and the per-host counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connect/http.h"
#include "util/httpd.h"

static sb_httpd *g_srv;
static char g_base[64];

static void handler(void *ud, const sb_http_request *req, sb_http_response *resp)
{
    if (strcmp(req->path, "/echo") == 0) {
        const char *q = sb_http_query(req, "q");
        const char *h = sb_http_header(req, "X-Test");
        sb_buf_printf(&resp->body, "%s|%s|%s|%s|%zu|%s", req->method, req->target, q ? q : "-",
                      h ? h : "-", req->body_len, req->body);
        resp->content_type = "text/plain";
        sb_http_set_header(resp, "X-Reply", "yes");
        return;
    }
    if (strcmp(req->path, "/busy") == 0) {
        resp->status = 429;
        sb_http_set_header(resp, "Retry-After", "7");
        sb_buf_puts(&resp->body, "{\"error\":\"slow down\"}");
        return;
    }
    if (strcmp(req->path, "/slow") == 0) {
        usleep(3000 * 1000);
        sb_buf_puts(&resp->body, "{}");
        return;
    }
    if (strcmp(req->path, "/drop") == 0) {
        resp->close = true;
        return;
    }
    if (strcmp(req->path, "/big") == 0) {
        for (int i = 0; i < 1000; i++)
            sb_buf_puts(&resp->body, "0123456789");
        return;
    }
    resp->status = 404;
    sb_buf_puts(&resp->body, "{\"error\":\"no such path\"}");
}

static int setup(void **state)
{
    cn_http_global_init();
    g_srv = sb_httpd_start("127.0.0.1", 0, 1024, handler, NULL);
    if (!g_srv)
        return -1;
    snprintf(g_base, sizeof g_base, "http://127.0.0.1:%d", sb_httpd_port(g_srv));
    return 0;
}

static int teardown(void **state)
{
    sb_httpd_stop(g_srv);
    cn_http_global_cleanup();
    return 0;
}

static void url(char *out, size_t size, const char *path)
{
    snprintf(out, size, "%s%s", g_base, path);
}

static void get_with_query_and_headers(void **state)
{
    char u[256];
    url(u, sizeof u, "/echo?q=a%20b%27c&$filter=x");
    const char *headers[] = {"X-Test: hello", NULL};
    cn_http_request req = {.url = u, .headers = headers};
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body.data, "GET|/echo?q=a%20b%27c&$filter=x|a b'c|hello|0|");
    assert_string_equal(cn_http_response_header(&resp, "x-reply"), "yes");
    assert_string_equal(cn_http_response_header(&resp, "X-REPLY"), "yes");
    assert_non_null(strstr(resp.content_type, "text/plain"));
    cn_http_response_free(&resp);
}

static void post_body(void **state)
{
    char u[256];
    url(u, sizeof u, "/echo");
    cn_http_request req = {.method = "POST", .url = u, .body = "{\"a\":1}", .body_len = 7};
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), 0);
    assert_string_equal(resp.body.data, "POST|/echo|-|-|7|{\"a\":1}");
    cn_http_response_free(&resp);
    req.method = "PATCH";
    assert_int_equal(cn_http_perform(&req, &resp), 0);
    assert_string_equal(resp.body.data, "PATCH|/echo|-|-|7|{\"a\":1}");
    cn_http_response_free(&resp);
}

static void request_body_over_cap_is_413(void **state)
{
    char u[256], body[2048];
    url(u, sizeof u, "/echo");
    memset(body, 'x', sizeof body);
    cn_http_request req = {.method = "POST", .url = u, .body = body, .body_len = sizeof body};
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), 0);
    assert_int_equal(resp.status, 413);
    cn_http_response_free(&resp);
}

static void retry_after_and_404(void **state)
{
    char u[256];
    url(u, sizeof u, "/busy");
    cn_http_request req = {.url = u};
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), 0);
    assert_int_equal(resp.status, 429);
    assert_int_equal(resp.retry_after_s, 7);
    cn_http_response_free(&resp);
    url(u, sizeof u, "/nothing");
    assert_int_equal(cn_http_perform(&req, &resp), 0);
    assert_int_equal(resp.status, 404);
    assert_int_equal(resp.retry_after_s, -1);
    cn_http_response_free(&resp);
}

static void response_cap(void **state)
{
    char u[256];
    url(u, sizeof u, "/big");
    cn_http_request req = {.url = u, .max_response = 100};
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), -1);
    assert_int_equal(resp.error, CN_HTTP_ERR_TOO_LARGE);
    cn_http_response_free(&resp);
}

static void dropped_connection(void **state)
{
    char u[256];
    url(u, sizeof u, "/drop");
    cn_http_request req = {.url = u};
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), -1);
    assert_int_equal(resp.error, CN_HTTP_ERR_OTHER);
    assert_true(strlen(resp.message) > 0);
    cn_http_response_free(&resp);
}

static void timeout(void **state)
{
    char u[256];
    url(u, sizeof u, "/slow");
    cn_http_request req = {.url = u, .timeout_ms = 300};
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), -1);
    assert_int_equal(resp.error, CN_HTTP_ERR_TIMEOUT);
    cn_http_response_free(&resp);
}

static volatile int g_cancel;

static void *raise_cancel(void *arg)
{
    usleep(200 * 1000);
    g_cancel = 1;
    return NULL;
}

static void cancellation(void **state)
{
    char u[256];
    url(u, sizeof u, "/slow");
    g_cancel = 0;
    cn_http_request req = {.url = u, .cancel = &g_cancel};
    pthread_t t;
    pthread_create(&t, NULL, raise_cancel, NULL);
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), -1);
    assert_int_equal(resp.error, CN_HTTP_ERR_CANCELLED);
    pthread_join(t, NULL);
    cn_http_response_free(&resp);
}

static void refused(void **state)
{
    sb_httpd *tmp = sb_httpd_start("127.0.0.1", 0, 16, handler, NULL);
    assert_non_null(tmp);
    char u[256];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/echo", sb_httpd_port(tmp));
    sb_httpd_stop(tmp);
    cn_http_request req = {.url = u};
    cn_http_response resp;
    assert_int_equal(cn_http_perform(&req, &resp), -1);
    assert_int_equal(resp.error, CN_HTTP_ERR_CONNECT);
    cn_http_response_free(&resp);
}

static void counters_per_host(void **state)
{
    cn_http_host_stats stats[8];
    size_t n = cn_http_stats(stats, 8);
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", sb_httpd_port(g_srv));
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(stats[i].host, host) != 0)
            continue;
        found = 1;
        assert_true(stats[i].requests >= 8);
        assert_true(stats[i].status_4xx >= 3);
        assert_true(stats[i].transport_errors >= 3);
    }
    assert_true(found);
}

static void url_encode(void **state)
{
    char *s = cn_url_encode("a b'c&d=e/ü");
    assert_string_equal(s, "a%20b%27c%26d%3De%2F%C3%BC");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_with_query_and_headers),
        cmocka_unit_test(post_body),
        cmocka_unit_test(request_body_over_cap_is_413),
        cmocka_unit_test(retry_after_and_404),
        cmocka_unit_test(response_cap),
        cmocka_unit_test(dropped_connection),
        cmocka_unit_test(timeout),
        cmocka_unit_test(cancellation),
        cmocka_unit_test(refused),
        cmocka_unit_test(counters_per_host),
        cmocka_unit_test(url_encode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
