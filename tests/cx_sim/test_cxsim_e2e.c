/* End-to-end test of the connexcs-sim binary over loopback HTTP: the start-up line, the auth
 * flows of spec §4.2, the main endpoints against /_sim/truth, fault injection (429 with
 * Retry-After, truncated JSON, Markdown, dropped connections, expired tokens) and the request
 * log. The binary path is argv[1]; the simulator is started with --max-seconds so it always
 * stops by itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connect/http.h"

static const char *g_bin;
static pid_t g_pid;
static char g_base[64];
static json_t *g_truth;

#define BASIC "Authorization: Basic YXBpQHNpbS5jb25uZXhjcy5uZXQ6c2ltLXBhc3N3b3Jk" /* default user:pw */

static int start_sim(void **state)
{
    (void)state;
    int fd[2];
    if (pipe(fd))
        return -1;
    g_pid = fork();
    if (g_pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execl(g_bin, g_bin, "--listen", "127.0.0.1:0", "--now", "2026-03-01T12:00:00Z",
              "--max-seconds", "90", "--refresh-token", "given-refresh-token-123456", NULL);
        _exit(127);
    }
    close(fd[1]);
    char line[256] = "";
    size_t n = 0;
    struct pollfd p = {fd[0], POLLIN, 0};
    while (n + 1 < sizeof line && !strchr(line, '\n') && poll(&p, 1, 15000) > 0) {
        ssize_t r = read(fd[0], line + n, sizeof line - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        line[n] = '\0';
    }
    close(fd[0]);
    const char *u = strstr(line, "listening on http://127.0.0.1:");
    if (!u)
        return -1;
    snprintf(g_base, sizeof g_base, "http://127.0.0.1:%d", atoi(u + 30));
    return 0;
}

static int stop_sim(void **state)
{
    (void)state;
    json_decref(g_truth);
    if (g_pid > 0) {
        kill(g_pid, SIGTERM);
        int st;
        waitpid(g_pid, &st, 0);
    }
    return 0;
}

/* One request; auth is a full header line or NULL. */
static long call(const char *method, const char *path, const char *auth, const char *body,
                 cn_http_response *resp)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", g_base, path);
    const char *hdrs[3] = {auth, "Content-Type: application/json", NULL};
    cn_http_request req = {.method = method, .url = url, .headers = auth ? hdrs : hdrs + 1,
                           .body = body, .body_len = body ? strlen(body) : 0,
                           .timeout_ms = 20000};
    memset(resp, 0, sizeof *resp);
    cn_http_perform(&req, resp);
    return resp->status;
}

static json_t *call_json(const char *method, const char *path, const char *auth,
                         const char *body, long want)
{
    cn_http_response r;
    long st = call(method, path, auth, body, &r);
    if (st != want)
        fprintf(stderr, "%s %s -> %ld %s\n", method, path, st, r.body.data ? r.body.data : "");
    assert_int_equal(st, want);
    json_t *j = json_loads(r.body.data ? r.body.data : "", JSON_DECODE_ANY, NULL);
    cn_http_response_free(&r);
    assert_non_null(j);
    return j;
}

static const char *truth_callid(const char *scenario)
{
    if (!g_truth)
        g_truth = call_json("GET", "/_sim/truth", NULL, NULL, 200);
    return json_string_value(
        json_object_get(json_object_get(json_object_get(g_truth, "scenarios"), scenario), "callid"));
}

static char *token(const char *path, const char *method, const char *auth, const char *body)
{
    json_t *j = call_json(method, path, auth, body, 200);
    char *t = strdup(json_string_value(json_object_get(j, "token")));
    json_decref(j);
    return t;
}

static void test_auth_flow(void **state)
{
    (void)state;
    json_t *j = call_json("GET", "/api/cp/setup/account", NULL, NULL, 401);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "Unauthorized");
    json_decref(j);
    j = call_json("GET", "/api/cp/setup/account", "Authorization: Basic d3Jvbmc6d3Jvbmc=", NULL, 401);
    json_decref(j);
    j = call_json("GET", "/api/cp/setup/account", BASIC, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Sim Telecom Ltd");
    json_decref(j);

    char *refresh = token("/api/cp/auth/jwt/refresh", "POST", BASIC,
                          "{\"lifetime\":2592000,\"audience\":\"e2e\"}");
    char hdr[4096];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", refresh);
    char *access = token("/api/cp/auth/jwt", "GET", hdr, NULL);
    j = call_json("GET", "/api/cp/customer/1001", hdr, NULL, 401); /* refresh is not access */
    json_decref(j);
    char *renewed = token("/api/cp/auth/jwt/refresh", "POST", hdr, "{\"lifetime\":2592000}");
    assert_string_not_equal(renewed, refresh);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", access);
    j = call_json("GET", "/api/cp/customer/1001", hdr, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Acme Telecom Ltd");
    json_decref(j);
    j = call_json("POST", "/_sim/expire", NULL, "", 200);
    json_decref(j);
    j = call_json("GET", "/api/cp/customer/1001", hdr, NULL, 401);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "Token expired");
    json_decref(j);
    j = call_json("GET", "/api/cp/auth/jwt", BASIC, NULL, 401); /* needs a refresh token */
    json_decref(j);
    char *a2 = token("/api/cp/auth/jwt", "GET", "Authorization: Bearer given-refresh-token-123456", NULL);
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", a2);
    j = call_json("GET", "/api/cp/customer?s=&name=test", hdr, NULL, 200);
    assert_int_equal(json_array_size(j), 3);
    json_decref(j);
    j = call_json("POST", "/api/cp/auth/jwt/refresh", BASIC, "{\"lifetime\":\"long\"}", 400);
    json_decref(j);
    free(refresh);
    free(access);
    free(renewed);
    free(a2);
}

static void test_endpoints(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "/api/cp/log/trace?callid=%s", truth_callid("auth_407"));
    json_t *j = call_json("GET", path, BASIC, NULL, 200);
    assert_true(json_array_size(j) > 10);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "method")), "407");
    json_decref(j);
    snprintf(path, sizeof path, "/api/cp/log/trace?callid=%s", truth_callid("trace_expired"));
    j = call_json("GET", path, BASIC, NULL, 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    j = call_json("GET", "/api/cp/log/trace", BASIC, NULL, 400);
    json_decref(j);
    j = call_json("GET", "/api/cp/log/trace?callid=FAKE-CALLID-THAT-DOES-NOT-EXIST", BASIC, NULL, 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    snprintf(path, sizeof path, "/api/cp/log/rtcp?callid=%s", truth_callid("rtcp_poor"));
    j = call_json("GET", path, BASIC, NULL, 200);
    assert_true(json_is_object(j) && json_array_size(json_object_get(j, "processed")) > 0);
    json_decref(j);
    json_decref(call_json("POST", "/_sim/config", NULL, "{\"rtcp_shape\":\"array\"}", 200));
    j = call_json("GET", path, BASIC, NULL, 200);
    assert_true(json_is_array(j) && json_array_size(j) > 0);
    json_decref(j);
    json_decref(call_json("POST", "/_sim/config", NULL, "{\"rtcp_shape\":\"object\"}", 200));
    j = call_json("GET", "/api/cp/log?s=12125550147", BASIC, NULL, 200);
    assert_int_equal(json_array_size(j), 9);
    assert_non_null(json_object_get(json_object_get(json_array_get(j, 0), "routing"), "callidb"));
    json_decref(j);
    j = call_json("GET", "/api/cp/log?s=198.51.100.10", BASIC, NULL, 200);
    assert_int_equal(json_array_size(j), 200); /* the cap */
    json_decref(j);
    j = call_json("POST", "/api/cp/cdr", BASIC, "{\"field\":[\"dt\"],\"where\":{\"rules\":[]}}", 500);
    json_decref(j);
    j = call_json("GET", "/api/cp/card/XXXX-0000", BASIC, NULL, 404);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "Record Not Found");
    json_decref(j);
    j = call_json("GET", "/api/cp/card/AdCm-EU04/rev/4/rule?limit=2&offset=1", BASIC, NULL, 200);
    assert_int_equal(json_array_size(j), 2);
    json_decref(j);
    json_decref(call_json("GET", "/api/cp/card/AdCm-EU04/rev/9/rule", BASIC, NULL, 404));
    json_decref(call_json("GET", "/api/cp/customer/0", BASIC, NULL, 404));
    j = call_json("GET", "/api/cp/customer?s=&id=999999999", BASIC, NULL, 200);
    assert_int_equal(json_array_size(j), 0);
    json_decref(j);
    json_decref(call_json("GET", "/api/cp/log/ai-agent?callid=x", BASIC, NULL, 400));
    json_decref(call_json("GET", "/api/cp/no/such/thing", BASIC, NULL, 404));
    j = call_json("GET", "/api/cp/setup/server/rtp-group", BASIC, NULL, 200);
    assert_true(json_array_size(j) >= 10);
    json_decref(j);
    j = call_json("GET", "/api/cp/docs?s=rate%20card", BASIC, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "link")), "card/rate-card");
    json_decref(j);
    cn_http_response r;
    assert_int_equal(call("GET", "/api/cp/docs/card/rate-card", BASIC, NULL, &r), 200);
    assert_non_null(strstr(r.content_type, "text/markdown"));
    assert_int_equal(strncmp(r.body.data, "# Rate cards", 12), 0);
    cn_http_response_free(&r);
    j = call_json("POST", "/api/cp/setup/query/0/run", BASIC, "{\"_query\":\"select 1\"}", 400);
    json_decref(j);
}

static void test_faults_and_log(void **state)
{
    (void)state;
    cn_http_response r;
    json_decref(call_json("DELETE", "/_sim/requests", NULL, NULL, 200));
    json_decref(call_json("POST", "/_sim/fault", NULL,
                          "{\"kind\":\"429\",\"count\":1,\"retry_after\":2,\"path\":\"/customer\"}", 200));
    json_decref(call_json("GET", "/api/cp/package?company_id=1001", BASIC, NULL, 200)); /* other path */
    assert_int_equal(call("GET", "/api/cp/customer/1002", BASIC, NULL, &r), 429);
    assert_int_equal(r.retry_after_s, 2);
    cn_http_response_free(&r);
    json_decref(call_json("GET", "/api/cp/customer/1002", BASIC, NULL, 200)); /* used up */
    json_decref(call_json("POST", "/_sim/fault", NULL, "{\"kind\":\"truncated\"}", 200));
    assert_int_equal(call("GET", "/api/cp/setup/rtp", BASIC, NULL, &r), 200);
    assert_null(json_loads(r.body.data, 0, NULL));
    cn_http_response_free(&r);
    json_decref(call_json("POST", "/_sim/fault", NULL, "{\"kind\":\"markdown\"}", 200));
    assert_int_equal(call("GET", "/api/cp/setup/rtp", BASIC, NULL, &r), 200);
    assert_non_null(strstr(r.content_type, "markdown"));
    cn_http_response_free(&r);
    /* count 2: libcurl silently retries once when a reused connection dies */
    json_decref(call_json("POST", "/_sim/fault", NULL, "{\"kind\":\"close\",\"count\":2}", 200));
    assert_int_equal(call("GET", "/api/cp/setup/rtp", BASIC, NULL, &r), 0);
    assert_int_not_equal(r.error, CN_HTTP_OK);
    cn_http_response_free(&r);
    json_decref(call_json("DELETE", "/_sim/fault", NULL, NULL, 200));
    json_decref(call_json("POST", "/_sim/fault", NULL, "{\"kind\":\"bogus\"}", 400));
    assert_int_equal(call("GET", "/api/cp/setup/rtp?_sim_fail=500", BASIC, NULL, &r), 500);
    cn_http_response_free(&r);
    json_decref(call_json("POST", "/api/cp/cdr", BASIC,
                          "{\"field\":[\"dt\"],\"where\":{\"rules\":[{\"field\":\"dt\",\"condition\":"
                          "\">=\",\"data\":\"2026-02-27\"}]},\"limit\":1}", 200));
    json_t *log = call_json("GET", "/_sim/requests", NULL, NULL, 200);
    size_t nlog = json_array_size(log);
    assert_true(nlog == 9 || nlog == 10); /* one or two dropped connections */
    json_t *first = json_array_get(log, 0), *last = json_array_get(log, nlog - 1);
    assert_string_equal(json_string_value(json_object_get(first, "target")), "/api/cp/package?company_id=1001");
    assert_string_equal(json_string_value(json_object_get(first, "auth")), "basic");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(log, 1), "status")), 429);
    assert_string_equal(json_string_value(json_object_get(last, "method")), "POST");
    assert_non_null(strstr(json_string_value(json_object_get(last, "body")), "2026-02-27"));
    char *dump = json_dumps(log, 0);
    assert_null(strstr(dump, "sim-password"));
    assert_null(strstr(dump, "YXBpQHNpbS5jb25uZXhjcy5uZXQ6c2ltLXBhc3N3b3Jk"));
    free(dump);
    char since[64];
    snprintf(since, sizeof since, "/_sim/requests?since=%lld",
             (long long)json_integer_value(json_object_get(first, "seq")));
    json_decref(log);
    log = call_json("GET", since, NULL, NULL, 200);
    assert_int_equal(json_array_size(log), nlog - 1);
    json_decref(log);
}

static void test_rate_limit(void **state)
{
    (void)state;
    json_decref(call_json("POST", "/_sim/config", NULL, "{\"rate_limit\":1}", 200));
    cn_http_response r;
    int limited = 0;
    /* back-to-back requests: the second inside one second is over 1/s */
    for (int i = 0; i < 20 && !limited; i++) {
        long st = call("GET", "/api/cp/setup/account", BASIC, NULL, &r);
        if (st == 429) {
            limited++;
            assert_int_equal(r.retry_after_s, 1);
        } else {
            assert_int_equal(st, 200);
        }
        cn_http_response_free(&r);
    }
    json_decref(call_json("POST", "/_sim/config", NULL, "{\"rate_limit\":0}", 200));
    assert_true(limited >= 1);
    json_decref(call_json("GET", "/api/cp/setup/account", BASIC, NULL, 200));
}

/* Runs the binary with args (stdout/stderr discarded); exit status, or -1 after 20 s. */
static int run_status(const char *const *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *n = freopen("/dev/null", "w", stdout);
        (void)n;
        n = freopen("/dev/null", "w", stderr);
        (void)n;
        execv(g_bin, (char *const *)args);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(100000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void test_command_line(void **state)
{
    (void)state;
    const char *stops[] = {g_bin, "--listen", "127.0.0.1:0", "--max-seconds", "1", NULL};
    assert_int_equal(run_status(stops), 0); /* stops by itself */
    const char *wide[] = {g_bin, "--listen", "0.0.0.0:0", "--max-seconds", "1", NULL};
    assert_int_equal(run_status(wide), 2); /* loopback only */
    const char *now[] = {g_bin, "--now", "yesterday", "--max-seconds", "1", NULL};
    assert_int_equal(run_status(now), 2);
    const char *count[] = {g_bin, "--cdr-count", "0", "--max-seconds", "1", NULL};
    assert_int_equal(run_status(count), 2);
    const char *fault[] = {g_bin, "--fault", "teapot:3", "--max-seconds", "1", NULL};
    assert_int_equal(run_status(fault), 1);
    const char *docs[] = {g_bin, "--docs", "/nonexistent", "--max-seconds", "1", NULL};
    assert_int_equal(run_status(docs), 1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <connexcs-sim binary>\n", argv[0]);
        return 2;
    }
    g_bin = argv[1];
    cn_http_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_flow),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_faults_and_log),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_command_line),
    };
    int rc = cmocka_run_group_tests(tests, start_sim, stop_sim);
    cn_http_global_cleanup();
    return rc;
}
