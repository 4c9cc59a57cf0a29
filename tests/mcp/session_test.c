/* Sessions through the transport API: JSON-RPC framing errors, the lifecycle gate, version
 * negotiation, pagination with opaque cursors, handlers on the worker pool, cancellation,
 * duplicate ids, elicitation correlation, scopes and writes, stateless sessions, close with a
 * call in flight. Messages are captured from the output callback. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mcp/mcp_session.h"

typedef struct capture {
    pthread_mutex_t lock;
    json_t *msgs;    /* every message, in order */
    json_t *flags;   /* flags of each */
    json_t *handles; /* handle of each, as an integer */
    int finals_null; /* FINAL without a message */
    mcp_session *s;  /* for auto-answering elicitation */
    const char *elicit_action;
} capture;

static int out(void *ctx, const char *json, size_t len, void *handle, unsigned flags)
{
    capture *c = ctx;
    pthread_mutex_lock(&c->lock);
    if (!json)
        c->finals_null++;
    else {
        json_t *m = json_loadb(json, len, 0, NULL);
        assert_non_null(m);
        json_array_append_new(c->msgs, m);
        json_array_append_new(c->flags, json_integer(flags));
        json_array_append_new(c->handles, json_integer((json_int_t)(intptr_t)handle));
    }
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The first message with this id (as JSON text), waiting up to 5 s. New reference. */
static json_t *find(capture *c, const char *id_json)
{
    json_t *want = json_loads(id_json, JSON_DECODE_ANY, NULL);
    json_t *found = NULL;
    for (int i = 0; i < 500 && !found; i++) {
        pthread_mutex_lock(&c->lock);
        size_t k;
        json_t *m;
        json_array_foreach(c->msgs, k, m) {
            json_t *id = json_object_get(m, "id");
            if (id && json_equal(id, want) && !json_object_get(m, "method")) {
                found = json_incref(m);
                break;
            }
        }
        pthread_mutex_unlock(&c->lock);
        if (!found)
            sleep_ms(10);
    }
    json_decref(want);
    return found;
}

static int error_code(json_t *m)
{
    return (int)json_integer_value(json_object_get(json_object_get(m, "error"), "code"));
}

static void slow(mcp_call *call, const json_t *args)
{
    for (int i = 0; i < 500 && !mcp_call_cancelled(call); i++)
        sleep_ms(2);
    mcp_call_text(call, mcp_call_cancelled(call) ? "cancelled" : "done");
}

static void ask(mcp_call *call, const json_t *args)
{
    json_t *content = NULL;
    json_t *schema = json_pack("{s:s, s:{s:{s:s}}}", "type", "object", "properties", "ok", "type", "boolean");
    mcp_elicit_outcome o = mcp_call_elicit(call, "Sure?", schema, &content);
    json_decref(schema);
    mcp_call_text(call, "outcome %d %s", (int)o, content ? "content" : "none");
    json_decref(content);
}

static void quick(mcp_call *call, const json_t *args) { mcp_call_text(call, "q"); }

static const mcp_tool_def tools[] = {
    {.name = "t1", .description = "quick", .handler = quick, .flags = MCP_TOOL_INLINE},
    {.name = "t2", .description = "quick", .handler = quick},
    {.name = "t3", .description = "quick", .handler = quick},
    {.name = "slow", .description = "slow", .handler = slow},
    {.name = "ask", .description = "elicits", .handler = ask},
    {.name = "w", .description = "writes", .handler = quick, .flags = MCP_TOOL_WRITE},
    {0},
};

typedef struct fixture {
    mcp_server *srv;
    mcp_session *s;
    capture c;
} fixture;

static fixture *setup_fx(bool writes, unsigned flags)
{
    fixture *f = calloc(1, sizeof *f);
    mcp_server_config cfg = {.workers = 2, .page_size = 2, .allow_writes = writes,
                             .elicit_timeout_ms = 3000};
    f->srv = mcp_server_new(&cfg);
    mcp_registry_add_table(mcp_server_registry(f->srv), tools, NULL);
    pthread_mutex_init(&f->c.lock, NULL);
    f->c.msgs = json_array();
    f->c.flags = json_array();
    f->c.handles = json_array();
    f->s = mcp_session_new(f->srv, out, &f->c, flags);
    return f;
}

static void teardown_fx(fixture *f)
{
    mcp_session_close(f->s);
    mcp_server_free(f->srv, 3000);
    json_decref(f->c.msgs);
    json_decref(f->c.flags);
    json_decref(f->c.handles);
    pthread_mutex_destroy(&f->c.lock);
    free(f);
}

static mcp_in_kind feed(fixture *f, const char *text)
{
    return mcp_session_handle(f->s, text, strlen(text), (void *)(intptr_t)7);
}

static void init(fixture *f, const char *version, const char *caps)
{
    char buf[512];
    snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":\"init\",\"method\":\"initialize\","
             "\"params\":{\"protocolVersion\":\"%s\",\"capabilities\":%s,\"clientInfo\":"
             "{\"name\":\"t\",\"version\":\"1\"}}}", version, caps);
    assert_int_equal(feed(f, buf), MCP_IN_REQUEST);
    assert_int_equal(feed(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"), MCP_IN_ACCEPTED);
}

static void test_framing(void **state)
{
    fixture *f = setup_fx(false, 0);
    static const struct { const char *in; const char *id; int code; } cases[] = {
        {"{", "null", -32700},
        {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", "null", -32600},
        {"42", "null", -32600},
        {"{\"jsonrpc\":\"1.0\",\"id\":2,\"method\":\"ping\"}", "2", -32600},
        {"{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", "null", -32600},
        {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":7}", "3", -32600},
        {"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}", "4", -32600}, /* before init */
        {"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"nope\"}", "5", -32601},
        {"{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\",\"params\":[1]}", "6", -32602},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t before = json_array_size(f->c.msgs);
        assert_int_equal(feed(f, cases[i].in), MCP_IN_REQUEST);
        assert_int_equal(json_array_size(f->c.msgs), before + 1);
        json_t *m = json_array_get(f->c.msgs, before);
        json_t *want = json_loads(cases[i].id, JSON_DECODE_ANY, NULL);
        if (!json_equal(json_object_get(m, "id"), want) || error_code(m) != cases[i].code)
            fail_msg("%s -> %s", cases[i].in, json_dumps(m, 0));
        json_decref(want);
        assert_int_equal(json_integer_value(json_array_get(f->c.flags, before)),
                         MCP_OUT_RESPONSE | MCP_OUT_FINAL);
        assert_int_equal(json_integer_value(json_array_get(f->c.handles, before)), 7);
    }
    /* a ping before initialize is fine; a notification gets nothing */
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
    json_t *p = find(&f->c, "\"p\"");
    assert_non_null(json_object_get(p, "result"));
    json_decref(p);
    size_t n = json_array_size(f->c.msgs);
    assert_int_equal(feed(f, "{\"jsonrpc\":\"2.0\",\"method\":\"whatever\"}"), MCP_IN_ACCEPTED);
    assert_int_equal(json_array_size(f->c.msgs), n);
    teardown_fx(f);
}

static void test_versions(void **state)
{
    static const char *const cases[][2] = {{"2025-11-25", "2025-11-25"}, {"2025-06-18", "2025-06-18"},
                                           {"2025-03-26", "2025-03-26"}, {"2024-11-05", "2025-11-25"},
                                           {"garbage", "2025-11-25"}};
    for (size_t i = 0; i < 5; i++) {
        fixture *f = setup_fx(false, 0);
        init(f, cases[i][0], "{}");
        json_t *m = find(&f->c, "\"init\"");
        assert_string_equal(json_string_value(json_object_get(json_object_get(m, "result"), "protocolVersion")), cases[i][1]);
        assert_string_equal(mcp_session_protocol_version(f->s), cases[i][1]);
        json_decref(m);
        teardown_fx(f);
    }
    fixture *f = setup_fx(false, 0);
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");
    json_t *m = find(&f->c, "1");
    assert_int_equal(error_code(m), -32602);
    json_decref(m);
    teardown_fx(f);
}

static void test_pagination(void **state)
{
    fixture *f = setup_fx(false, 0);
    init(f, "2025-11-25", "{}");
    json_t *names = json_array();
    char req[256];
    const char *cursor = NULL;
    char cur[64] = "";
    for (int page = 0; page < 10; page++) {
        snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/list\"%s%s%s}",
                 100 + page, cursor ? ",\"params\":{\"cursor\":\"" : "", cursor ? cursor : "",
                 cursor ? "\"}" : "");
        feed(f, req);
        char idj[16];
        snprintf(idj, sizeof idj, "%d", 100 + page);
        json_t *m = find(&f->c, idj);
        json_t *r = json_object_get(m, "result");
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(r, "tools"), i, t)
            json_array_append(names, json_object_get(t, "name"));
        const char *next = json_string_value(json_object_get(r, "nextCursor"));
        if (next) {
            snprintf(cur, sizeof cur, "%s", next);
            cursor = cur;
        }
        json_decref(m);
        if (!next)
            break;
    }
    /* page size 2; "w" is a write tool and writes are off: hidden */
    json_t *want = json_pack("[s,s,s,s,s]", "t1", "t2", "t3", "slow", "ask");
    assert_true(json_equal(names, want));
    json_decref(want);
    json_decref(names);
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\",\"params\":{\"cursor\":\"zz\"}}");
    json_t *m = find(&f->c, "9");
    assert_int_equal(error_code(m), -32602);
    json_decref(m);
    teardown_fx(f);
}

static void test_workers_cancel_duplicates(void **state)
{
    fixture *f = setup_fx(false, 0);
    init(f, "2025-11-25", "{}");
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}");
    assert_int_equal(mcp_session_in_flight(f->s), 1);
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"tools/call\",\"params\":{\"name\":\"t1\"}}");
    json_t *dup = find(&f->c, "\"s\"");
    assert_int_equal(error_code(dup), -32600);
    json_decref(dup);
    /* ping answers at once although a handler runs */
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
    json_t *p = find(&f->c, "\"p\"");
    assert_non_null(p);
    json_decref(p);
    assert_int_equal(feed(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"s\"}}"), MCP_IN_ACCEPTED);
    assert_true(mcp_session_wait_idle(f->s, 3000));
    assert_int_equal(f->c.finals_null, 1); /* ended without a response */
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"u\",\"method\":\"tools/call\",\"params\":{\"name\":\"zz\"}}");
    json_t *u = find(&f->c, "\"u\"");
    assert_int_equal(error_code(u), -32602);
    json_decref(u);
    teardown_fx(f);
}

/* Answers elicitation requests from another thread, like a transport would. */
static void *answerer(void *arg)
{
    fixture *f = arg;
    for (int i = 0; i < 300; i++) {
        json_t *req = NULL;
        pthread_mutex_lock(&f->c.lock);
        size_t k;
        json_t *m;
        json_array_foreach(f->c.msgs, k, m) {
            const char *method = json_string_value(json_object_get(m, "method"));
            if (method && !strcmp(method, "elicitation/create")) {
                req = json_incref(m);
                assert_int_equal(json_integer_value(json_array_get(f->c.flags, k)), MCP_OUT_REQUEST);
                assert_int_equal(json_integer_value(json_array_get(f->c.handles, k)), 7);
            }
        }
        pthread_mutex_unlock(&f->c.lock);
        if (req) {
            json_t *resp = json_pack("{s:s, s:O, s:{s:s, s:{s:b}}}", "jsonrpc", "2.0", "id",
                                     json_object_get(req, "id"), "result", "action",
                                     f->c.elicit_action, "content", "ok", 1);
            char *text = json_dumps(resp, JSON_COMPACT);
            assert_int_equal(mcp_session_handle(f->s, text, strlen(text), NULL), MCP_IN_ACCEPTED);
            free(text);
            json_decref(resp);
            json_decref(req);
            return NULL;
        }
        sleep_ms(10);
    }
    return NULL;
}

static void test_per_session_cap(void **state)
{
    fixture *f = setup_fx(false, 0);
    init(f, "2025-11-25", "{}");
    char req[160];
    for (int i = 0; i < 65; i++) {
        snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"slow\"}}", 1000 + i);
        feed(f, req);
    }
    json_t *m = find(&f->c, "1064"); /* the 65th: over the default cap of 64 */
    assert_int_equal(error_code(m), -32603);
    json_decref(m);
    mcp_session_cancel_all(f->s);
    assert_true(mcp_session_wait_idle(f->s, 10000));
    teardown_fx(f);
}

static void test_inline_is_synchronous(void **state)
{
    fixture *f = setup_fx(false, 0);
    init(f, "2025-11-25", "{}");
    size_t n = json_array_size(f->c.msgs);
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"i\",\"method\":\"tools/call\",\"params\":{\"name\":\"t1\"}}");
    /* answered before mcp_session_handle returned: no worker hop */
    assert_int_equal(json_array_size(f->c.msgs), n + 1);
    assert_int_equal(mcp_session_in_flight(f->s), 0);
    teardown_fx(f);
}

static void test_elicitation(void **state)
{
    fixture *f = setup_fx(false, 0);
    init(f, "2025-11-25", "{\"elicitation\":{}}");
    f->c.elicit_action = "accept";
    pthread_t th;
    pthread_create(&th, NULL, answerer, f);
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\",\"params\":{\"name\":\"ask\"}}");
    json_t *m = find(&f->c, "\"a\"");
    pthread_join(th, NULL);
    const char *text = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(m, "result"), "content"), 0), "text"));
    assert_string_equal(text, "outcome 0 content");
    json_decref(m);
    teardown_fx(f);

    f = setup_fx(false, 0); /* no capability: UNSUPPORTED without asking */
    init(f, "2025-11-25", "{}");
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\",\"params\":{\"name\":\"ask\"}}");
    m = find(&f->c, "\"a\"");
    text = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(m, "result"), "content"), 0), "text"));
    assert_string_equal(text, "outcome 3 none");
    json_decref(m);
    teardown_fx(f);
}

/* The number of messages with this method so far. */
static size_t count_method(capture *c, const char *method)
{
    size_t n = 0, k;
    json_t *m;
    pthread_mutex_lock(&c->lock);
    json_array_foreach(c->msgs, k, m) {
        const char *x = json_string_value(json_object_get(m, "method"));
        n += x && !strcmp(x, method);
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void test_elicitation_timeout_and_cancel(void **state)
{
    fixture *f = setup_fx(false, 0); /* elicit_timeout_ms = 3000 */
    init(f, "2025-11-25", "{\"elicitation\":{}}");
    /* nobody answers: FAILED after the bound */
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"t\",\"method\":\"tools/call\",\"params\":{\"name\":\"ask\"}}");
    json_t *m = find(&f->c, "\"t\"");
    for (int i = 0; i < 50 && !m; i++)
        m = find(&f->c, "\"t\"");
    assert_non_null(m);
    const char *text = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(m, "result"), "content"), 0), "text"));
    assert_string_equal(text, "outcome 4 none");
    json_decref(m);
    /* cancelled while waiting: the wait ends at once, no response */
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"c\",\"method\":\"tools/call\",\"params\":{\"name\":\"ask\"}}");
    for (int i = 0; i < 100 && count_method(&f->c, "elicitation/create") < 2; i++)
        sleep_ms(10);
    feed(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"c\"}}");
    assert_true(mcp_session_wait_idle(f->s, 1000));
    assert_int_equal(f->c.finals_null, 1);
    /* a late answer to the abandoned request is ignored */
    assert_int_equal(feed(f, "{\"jsonrpc\":\"2.0\",\"id\":\"sb-2\",\"result\":{\"action\":\"accept\"}}"), MCP_IN_ACCEPTED);
    teardown_fx(f);
}

static void test_notifications(void **state)
{
    fixture *f = setup_fx(false, 0);
    init(f, "2025-11-25", "{}");
    /* a tool added at run time: list_changed to initialized sessions */
    mcp_tool_builder *t = mcp_tool_new(mcp_server_registry(f->srv), "late", "added later", quick, NULL);
    assert_int_equal(mcp_tool_commit(t), 0);
    assert_int_equal(count_method(&f->c, "notifications/tools/list_changed"), 1);
    /* resources/updated only for subscribed URIs */
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"x://a\"}}");
    mcp_server_notify_resource_updated(f->srv, "x://a");
    mcp_server_notify_resource_updated(f->srv, "x://b");
    assert_int_equal(count_method(&f->c, "notifications/resources/updated"), 1);
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/unsubscribe\",\"params\":{\"uri\":\"x://a\"}}");
    mcp_server_notify_resource_updated(f->srv, "x://a");
    assert_int_equal(count_method(&f->c, "notifications/resources/updated"), 1);
    teardown_fx(f);
}

static void test_scopes_and_writes(void **state)
{
    fixture *f = setup_fx(true, 0);
    init(f, "2025-11-25", "{}");
    mcp_session_set_scopes(f->s, "tools:read");
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"w\"}}");
    json_t *m = find(&f->c, "1");
    assert_true(json_is_true(json_object_get(json_object_get(m, "result"), "isError")));
    json_decref(m);
    mcp_session_set_scopes(f->s, "tools:read tools:write");
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"w\"}}");
    m = find(&f->c, "2");
    assert_null(json_object_get(json_object_get(m, "result"), "isError"));
    json_decref(m);
    mcp_session_set_writes(f->s, false);
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"w\"}}");
    m = find(&f->c, "3");
    assert_true(json_is_true(json_object_get(json_object_get(m, "result"), "isError")));
    json_decref(m);
    teardown_fx(f);
}

static void test_stateless_and_close(void **state)
{
    fixture *f = setup_fx(false, MCP_SESSION_STATELESS);
    assert_string_equal(mcp_session_protocol_version(f->s), "2025-03-26");
    assert_int_equal(mcp_session_set_protocol_version(f->s, "2025-06-18"), 0);
    assert_int_equal(mcp_session_set_protocol_version(f->s, "1999-01-01"), -1);
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t1\"}}");
    json_t *m = find(&f->c, "1");
    assert_non_null(json_object_get(m, "result"));
    json_decref(m);
    /* close while a call runs: no crash, no output afterwards */
    feed(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}");
    mcp_session_close(f->s);
    size_t n = json_array_size(f->c.msgs);
    sleep_ms(100);
    assert_int_equal(json_array_size(f->c.msgs), n);
    f->s = mcp_session_new(f->srv, out, &f->c, 0); /* for teardown */
    teardown_fx(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_workers_cancel_duplicates),
        cmocka_unit_test(test_per_session_cap),
        cmocka_unit_test(test_inline_is_synchronous),
        cmocka_unit_test(test_elicitation),
        cmocka_unit_test(test_elicitation_timeout_and_cancel),
        cmocka_unit_test(test_notifications),
        cmocka_unit_test(test_scopes_and_writes),
        cmocka_unit_test(test_stateless_and_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
