/* Many sessions on many threads at once (as the HTTP transport runs them) while the registry
 * is swapped again and again (SIGHUP reloads) and sessions close with calls in flight: every
 * request gets exactly one FINAL message, family destructors run once per registry, nothing
 * leaks (ASan) and nothing races (run it under TSan too). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mcp/mcp_session.h"

#define THREADS 6
#define CALLS 300

static atomic_int families_freed;

static void work(mcp_call *call, const json_t *args)
{
    json_int_t n = json_integer_value(json_object_get(args, "n"));
    if (n % 7 == 0) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    mcp_call_progress(call, 1, 2, NULL);
    mcp_call_structured(call, json_pack("{s:I, s:s}", "n", n, "family", (char *)mcp_call_data(call)));
}

static void fast(mcp_call *call, const json_t *args)
{
    mcp_call_text(call, "%s", (char *)mcp_call_data(call));
}

static const mcp_param p_n[] = {{.name = "n", .type = MCP_T_INTEGER, .required = true}, {0}};
static const mcp_tool_def tools[] = {
    {.name = "work", .description = "d", .params = p_n, .handler = work,
     .output_schema = "{\"type\":\"object\",\"required\":[\"n\"]}"},
    {.name = "fast", .description = "d", .handler = fast, .flags = MCP_TOOL_INLINE},
    {0},
};

static void family_free(void *data)
{
    free(data);
    atomic_fetch_add(&families_freed, 1);
}

static void fill(mcp_registry *reg, int generation)
{
    char *tag = malloc(16);
    snprintf(tag, 16, "gen%d", generation);
    mcp_registry_add_table(reg, tools, tag);
    mcp_registry_set_family_free(reg, tag, family_free);
}

typedef struct client {
    mcp_server *srv;
    atomic_int finals;
    atomic_int responses;
    int id;
} client;

static int out(void *ctx, const char *json, size_t len, void *handle, unsigned flags)
{
    client *c = ctx;
    if (flags & MCP_OUT_FINAL)
        atomic_fetch_add(&c->finals, 1);
    if (json && (flags & MCP_OUT_RESPONSE))
        atomic_fetch_add(&c->responses, 1);
    return 0;
}

static void *client_main(void *arg)
{
    client *c = arg;
    mcp_session *s = mcp_session_new(c->srv, out, c, 0);
    static const char init[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                               "{\"protocolVersion\":\"2025-11-25\"}}";
    mcp_session_handle(s, init, sizeof init - 1, (void *)1);
    char req[200];
    int sent = 1;
    for (int i = 1; i <= CALLS; i++) {
        const char *tool = i % 3 == 0 ? "fast" : "work";
        int n = snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
                         "\"params\":{\"name\":\"%s\",\"arguments\":{\"n\":%d},\"_meta\":"
                         "{\"progressToken\":%d}}}", i, tool, i, i);
        if (mcp_session_handle(s, req, (size_t)n, (void *)(intptr_t)(i + 1)) == MCP_IN_REQUEST)
            sent++;
        if (i % 50 == 0) {
            n = snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                         "\"params\":{\"requestId\":%d}}", i - 1);
            mcp_session_handle(s, req, (size_t)n, NULL);
        }
    }
    mcp_session_wait_idle(s, 20000);
    assert_int_equal(atomic_load(&c->finals), sent);
    /* a second session closes with calls in flight: no callback after close */
    mcp_session *t = mcp_session_new(c->srv, out, c, MCP_SESSION_STATELESS);
    for (int i = 0; i < 20; i++) {
        int n = snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
                         "\"params\":{\"name\":\"work\",\"arguments\":{\"n\":7}}}", i);
        mcp_session_handle(t, req, (size_t)n, (void *)(intptr_t)(i + 1));
    }
    mcp_session_close(t);
    mcp_session_close(s);
    return NULL;
}

static void test_sessions_and_reloads(void **state)
{
    mcp_server_config cfg = {.workers = 3, .max_queue = 4096};
    mcp_server *srv = mcp_server_new(&cfg);
    fill(mcp_server_registry(srv), 0);
    client clients[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        clients[i] = (client){.srv = srv, .id = i};
        pthread_create(&th[i], NULL, client_main, &clients[i]);
    }
    int generations = 1;
    for (int g = 1; g <= 40; g++) { /* reloads while the clients run */
        mcp_registry *fresh = mcp_server_new_registry(srv);
        fill(fresh, g);
        mcp_server_swap_registry(srv, fresh);
        generations++;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    mcp_server_free(srv, 5000);
    assert_int_equal(atomic_load(&families_freed), generations);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions_and_reloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
