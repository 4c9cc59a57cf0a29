/* A session: JSON-RPC 2.0 framing checks, the lifecycle (initialize, version negotiation,
 * the pre-initialize gate), method dispatch, in-flight bookkeeping (duplicate ids,
 * cancellation), server->client requests (elicitation) and their answers, and serialised
 * output through the transport's callback. Quick methods answer inline; handler methods go to
 * the server's worker pool (see mcp_session.h). */
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_internal.h"
#include "util/log.h"

#define MOD "mcp"

/* ---- lifetime ---------------------------------------------------------------------------- */

mcp_session *mcp_session_new(mcp_server *srv, mcp_output_fn out, void *ctx, unsigned flags)
{
    mcp_session *s = calloc(1, sizeof *s);
    s->srv = srv;
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->out_lock, NULL);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->out = out;
    s->ctx = ctx;
    s->flags = flags;
    s->log_level = SB_LOG_INFO;
    s->writes = true;
    s->subs = json_object();
    if (flags & MCP_SESSION_STATELESS) {
        s->init_done = s->client_ready = true;
        s->version = "2025-03-26";
    }
    mcp_server_attach(srv, s);
    return s;
}

void mcp_session_ref(mcp_session *s)
{
    atomic_fetch_add(&s->refs, 1);
}

void mcp_session_unref(mcp_session *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (pending_req *p = s->pending, *n; p; p = n) {
        n = p->next;
        json_decref(p->result);
        free(p->id_key);
        free(p);
    }
    mcp_batch_free_all(s);
    json_decref(s->client_caps);
    json_decref(s->client_info);
    json_decref(s->subs);
    free(s->scopes);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->out_lock);
    free(s);
}

void mcp_session_close(mcp_session *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->out_lock);
    s->closed = true;
    pthread_mutex_unlock(&s->out_lock);
    mcp_session_cancel_all(s);
    mcp_server_detach(s->srv, s);
    mcp_session_unref(s);
}

/* ---- output ------------------------------------------------------------------------------ */

int mcp_session_emit(mcp_session *s, json_t *msg, void *handle, unsigned flags)
{
    int brc;
    if (handle && atomic_load(&s->n_batches) && mcp_batch_intercept(s, msg, handle, flags, &brc))
        return brc;
    /* Small messages (nearly all) are written into a per-thread buffer: no allocation. */
    static _Thread_local char small[8192];
    char *text = NULL, *heap = NULL;
    size_t len = 0;
    if (msg) {
        len = json_dumpb(msg, small, sizeof small, JSON_COMPACT);
        if (len > 0 && len <= sizeof small)
            text = small;
        else if (len > 0 && (heap = malloc(len)) && json_dumpb(msg, heap, len, JSON_COMPACT) == len)
            text = heap;
        json_decref(msg);
        if (!text) {
            free(heap);
            return -1;
        }
    }
    int rc = -1;
    pthread_mutex_lock(&s->out_lock);
    if (!s->closed && s->out)
        rc = s->out(s->ctx, text, len, handle, flags);
    pthread_mutex_unlock(&s->out_lock);
    free(heap);
    return rc;
}

void mcp_session_send_result(mcp_session *s, json_t *id, json_t *result, void *handle)
{
    json_t *m = json_object();
    json_object_set_new(m, "jsonrpc", json_string("2.0"));
    json_object_set(m, "id", id);
    json_object_set_new(m, "result", result);
    mcp_session_emit(s, m, handle, MCP_OUT_RESPONSE | MCP_OUT_FINAL);
}

void mcp_session_send_rpc_error(mcp_session *s, json_t *id, int code, const char *message,
                                json_t *data, void *handle)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_integer(code));
    json_object_set_new(e, "message", json_string(message ? message : "error"));
    if (data)
        json_object_set_new(e, "data", data);
    json_t *m = json_object();
    json_object_set_new(m, "jsonrpc", json_string("2.0"));
    json_object_set(m, "id", id ? id : json_null());
    json_object_set_new(m, "error", e);
    mcp_session_emit(s, m, handle, MCP_OUT_RESPONSE | MCP_OUT_FINAL);
}

void mcp_session_send_error(mcp_session *s, void *handle, int code, const char *message)
{
    mcp_session_send_rpc_error(s, NULL, code, message, NULL, handle);
}

void mcp_session_notify(mcp_session *s, const char *method, json_t *params)
{
    json_t *m = json_object();
    json_object_set_new(m, "jsonrpc", json_string("2.0"));
    json_object_set_new(m, "method", json_string(method));
    if (params)
        json_object_set_new(m, "params", params);
    mcp_session_emit(s, m, NULL, MCP_OUT_NOTIFICATION);
}

/* ---- accessors --------------------------------------------------------------------------- */

const char *mcp_session_protocol_version(const mcp_session *s)
{
    return __atomic_load_n(&s->version, __ATOMIC_ACQUIRE);
}

int mcp_session_set_protocol_version(mcp_session *s, const char *version)
{
    for (const char *const *v = mcp_protocol_versions; version && *v; v++)
        if (!strcmp(*v, version)) {
            __atomic_store_n(&s->version, *v, __ATOMIC_RELEASE);
            return 0;
        }
    return -1;
}

bool mcp_session_initialized(const mcp_session *s)
{
    return __atomic_load_n(&s->init_done, __ATOMIC_ACQUIRE);
}

bool mcp_session_wants_broadcasts(const mcp_session *s)
{
    return mcp_session_initialized(s) && !(s->flags & MCP_SESSION_STATELESS);
}

void mcp_session_set_scopes(mcp_session *s, const char *scopes)
{
    pthread_mutex_lock(&s->lock);
    free(s->scopes);
    s->scopes = scopes ? strdup(scopes) : NULL;
    pthread_mutex_unlock(&s->lock);
}

void mcp_session_set_writes(mcp_session *s, bool enabled)
{
    pthread_mutex_lock(&s->lock);
    s->writes = enabled;
    pthread_mutex_unlock(&s->lock);
}

json_t *mcp_session_client_caps(mcp_session *s)
{
    pthread_mutex_lock(&s->lock);
    json_t *c = json_deep_copy(s->client_caps); /* NULL stays NULL */
    pthread_mutex_unlock(&s->lock);
    return c;
}

int mcp_session_log_allowed(mcp_session *s, int level)
{
    return level >= __atomic_load_n(&s->log_level, __ATOMIC_RELAXED);
}

bool mcp_session_subscribed(mcp_session *s, const char *uri)
{
    pthread_mutex_lock(&s->lock);
    bool b = json_object_get(s->subs, uri) != NULL;
    pthread_mutex_unlock(&s->lock);
    return b;
}

/* Caller holds s->lock. */
unsigned mcp_session_writes_locked(mcp_session *s)
{
    return (mcp_server_cfg(s->srv)->allow_writes ? MCP_W_SERVER : 0u) |
           (s->writes && mcp_scope_has(s->scopes, "tools:write") ? MCP_W_SESSION : 0u);
}

/* ---- in-flight bookkeeping --------------------------------------------------------------- */

/* A key that tells ids apart (an integer 5 and a string "5" differ). */
char *mcp_id_key(const json_t *id)
{
    if (json_is_integer(id)) {
        char buf[32];
        snprintf(buf, sizeof buf, "i%lld", (long long)json_integer_value(id));
        return strdup(buf);
    }
    if (json_is_string(id)) {
        size_t n = json_string_length(id);
        char *k = malloc(n + 2);
        k[0] = 's';
        memcpy(k + 1, json_string_value(id), n);
        k[n + 1] = '\0';
        return k;
    }
    return json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
}

unsigned mcp_session_in_flight(mcp_session *s)
{
    pthread_mutex_lock(&s->lock);
    unsigned n = s->n_inflight;
    pthread_mutex_unlock(&s->lock);
    return n;
}

bool mcp_session_wait_idle(mcp_session *s, unsigned timeout_ms)
{
    double deadline = mcp_now_ms() + timeout_ms;
    pthread_mutex_lock(&s->lock);
    while (s->n_inflight > 0) {
        double left = deadline - mcp_now_ms();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ns = (long long)ts.tv_nsec + (long long)((left < 100 ? left : 100) * 1e6);
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    bool idle = s->n_inflight == 0;
    pthread_mutex_unlock(&s->lock);
    return idle;
}

void mcp_session_cancel_all(mcp_session *s)
{
    pthread_mutex_lock(&s->lock);
    for (mcp_call *c = s->inflight; c; c = c->next_s)
        mcp_call_set_cancelled(c);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void mcp_session_cancel_handle(mcp_session *s, void *handle)
{
    pthread_mutex_lock(&s->lock);
    for (mcp_call *c = s->inflight; c; c = c->next_s)
        if (c->handle == handle)
            mcp_call_set_cancelled(c);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void mcp_session_finish_call(mcp_session *s, mcp_call *c)
{
    pthread_mutex_lock(&s->lock); /* suppress_reply is set under it by notifications/cancelled */
    bool suppress = c->suppress_reply;
    pthread_mutex_unlock(&s->lock);
    json_t *result = suppress ? NULL : mcp_call_result(c);
    if (suppress)
        mcp_session_emit(s, NULL, c->handle, MCP_OUT_FINAL);
    else if (result)
        mcp_session_send_result(s, c->id, result, c->handle);
    else
        mcp_session_send_rpc_error(s, c->id, c->rpc_error ? c->rpc_error : -32603,
                   c->rpc_message ? c->rpc_message : "Internal error",
                   c->rpc_error == -32002
                       ? json_pack("{s:s?}", "uri",
                                   json_string_value(json_object_get(c->params, "uri")))
                       : NULL,
                   c->handle);
    pthread_mutex_lock(&s->lock);
    for (mcp_call **pp = &s->inflight; *pp; pp = &(*pp)->next_s)
        if (*pp == c) {
            *pp = c->next_s;
            s->n_inflight--;
            break;
        }
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    mcp_call_free(c);
}

/* ---- server -> client requests ----------------------------------------------------------- */

int mcp_session_request(mcp_session *s, mcp_call *c, const char *method, json_t *params,
                        unsigned timeout_ms, json_t **result)
{
    *result = NULL;
    pending_req *p = calloc(1, sizeof *p);
    pthread_mutex_lock(&s->lock);
    unsigned long n = ++s->next_req_id;
    pthread_mutex_unlock(&s->lock);
    char idbuf[40];
    snprintf(idbuf, sizeof idbuf, "sb-%lu", n);
    json_t *id = json_string(idbuf);
    p->id_key = mcp_id_key(id);
    pthread_mutex_lock(&s->lock);
    p->next = s->pending;
    s->pending = p;
    pthread_mutex_unlock(&s->lock);

    json_t *m = json_pack("{s:s, s:o, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method", method,
                          "params", params);
    int rc = mcp_session_emit(s, m, c->handle, MCP_OUT_REQUEST);
    double deadline = mcp_now_ms() + timeout_ms;
    pthread_mutex_lock(&s->lock);
    while (rc == 0 && p->state == 0 && !mcp_call_is_cancelled(c)) {
        double left = deadline - mcp_now_ms();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ns = (long long)ts.tv_nsec + (long long)((left < 500 ? left : 500) * 1e6);
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    for (pending_req **pp = &s->pending; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    pthread_mutex_unlock(&s->lock);
    int out = p->state == 1 ? 0 : -1;
    if (out == 0)
        *result = p->result;
    else
        json_decref(p->result);
    free(p->id_key);
    free(p);
    return out;
}

/* A response from the client to one of our requests. */
static void handle_response(mcp_session *s, json_t *msg)
{
    char *key = mcp_id_key(json_object_get(msg, "id"));
    json_t *res = json_object_get(msg, "result");
    pthread_mutex_lock(&s->lock);
    for (pending_req *p = s->pending; p && key; p = p->next) {
        if (strcmp(p->id_key, key) || p->state)
            continue;
        p->state = json_is_object(res) ? 1 : -1;
        p->result = json_deep_copy(res); /* read by the waiting worker */
        pthread_cond_broadcast(&s->cond);
        break;
    }
    pthread_mutex_unlock(&s->lock);
    free(key);
}

/* ---- notifications ----------------------------------------------------------------------- */

static void handle_notification(mcp_session *s, const char *method, json_t *params)
{
    if (!strcmp(method, "notifications/initialized")) {
        s->client_ready = true;
        return;
    }
    if (!strcmp(method, "notifications/cancelled")) {
        json_t *rid = json_object_get(params, "requestId");
        if (!rid)
            return;
        char *key = mcp_id_key(rid);
        pthread_mutex_lock(&s->lock);
        for (mcp_call *c = s->inflight; c && key; c = c->next_s)
            if (!strcmp(c->id_key, key)) {
                mcp_call_set_cancelled(c);
                c->suppress_reply = true;
            }
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        free(key);
    }
    /* other notifications (roots/list_changed, progress, ...) are ignored */
}


/* ---- framing ----------------------------------------------------------------------------- */

static bool valid_id(const json_t *id)
{
    return json_is_string(id) || json_is_integer(id);
}

mcp_in_kind mcp_session_handle(mcp_session *s, const char *text, size_t len, void *handle)
{
    if (len > MCP_MAX_MESSAGE) {
        mcp_session_send_rpc_error(s, NULL, -32600, "Invalid Request: message too large", NULL,
                                   handle);
        return MCP_IN_REQUEST;
    }
    json_error_t je;
    json_t *msg = json_loadb(text, len, JSON_DECODE_ANY, &je);
    if (!msg) {
        char m[256];
        snprintf(m, sizeof m, "Parse error: %s (at byte %d)", je.text, je.position);
        mcp_session_send_rpc_error(s, NULL, -32700, m, NULL, handle);
        return MCP_IN_REQUEST;
    }
    mcp_in_kind kind;
    const char *v = mcp_session_protocol_version(s);
    if (!json_is_array(msg))
        kind = mcp_session_handle_value(s, msg, handle);
    else if (v && !strcmp(v, "2025-03-26"))
        kind = mcp_batch_handle(s, msg, handle);
    else {
        mcp_session_send_rpc_error(s, NULL, -32600,
                                   "Invalid Request: JSON-RPC batches exist only in protocol "
                                   "2025-03-26; send one message per line",
                                   NULL, handle);
        kind = MCP_IN_REQUEST;
    }
    json_decref(msg);
    return kind;
}

mcp_in_kind mcp_session_handle_value(mcp_session *s, json_t *msg, void *handle)
{
    mcp_in_kind kind = MCP_IN_REQUEST;
    json_t *id = json_object_get(msg, "id");
    json_t *good_id = valid_id(id) ? id : NULL;
    json_t *method = json_object_get(msg, "method");
    json_t *params = json_object_get(msg, "params");
    if (!json_is_object(msg))
        mcp_session_send_rpc_error(s, NULL, -32600,
                                   "Invalid Request: a message must be a JSON object", NULL, handle);
    else if (!json_is_string(json_object_get(msg, "jsonrpc")) ||
             strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0"))
        mcp_session_send_rpc_error(s, good_id, -32600,
                                   "Invalid Request: \"jsonrpc\" must be \"2.0\"", NULL, handle);
    else if (!method && good_id &&
             (json_object_get(msg, "result") || json_object_get(msg, "error"))) {
        handle_response(s, msg);
        kind = MCP_IN_ACCEPTED;
    } else if (!json_is_string(method))
        mcp_session_send_rpc_error(s, good_id, -32600,
                                   "Invalid Request: \"method\" must be a string", NULL, handle);
    else if (!id) {
        if (!params || json_is_object(params))
            handle_notification(s, json_string_value(method), params);
        kind = MCP_IN_ACCEPTED;
    } else if (!good_id)
        mcp_session_send_rpc_error(s, NULL, -32600,
                                   "Invalid Request: \"id\" must be a string or an integer "
                                   "(null is not allowed)", NULL, handle);
    else if (params && !json_is_object(params))
        mcp_session_send_rpc_error(s, id, -32602, "Invalid params: \"params\" must be an object",
                                   NULL, handle);
    else
        mcp_session_dispatch(s, json_string_value(method), id, params, handle);
    return kind;
}
