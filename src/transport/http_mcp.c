/* The /mcp endpoint of the Streamable HTTP transport: sessions, calls and event streams.
 *
 * A POST feeds its one message to a core session (a table entry keyed by Mcp-Session-Id, or a
 * fresh stateless session), tagged with an http_call. The core's output for that call lands in
 * the call's queue; the request thread waits for the first message: a lone final response is
 * sent as application/json, anything else (progress, log, elicitation first) turns the reply
 * into an SSE stream that a content-reader callback drains until the final response.
 *
 * Lifetimes: a session is referenced by the table, by each request using it and by each of its
 * calls; a call by its HTTP response and by the core until the FINAL message (or the end of the
 * session, when the core drops its handles). sess->life (rwlock) orders every use of the core
 * session against mcp_session_close(). */
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport/http_internal.h"
#include "util/log.h"

#define MOD "http"

/* ---- time helpers ---------------------------------------------------------------------- */

static struct timespec ts_after(unsigned seconds)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += seconds;
    return t;
}

static bool ts_passed(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static const struct timespec *ts_min(const struct timespec *a, const struct timespec *b)
{
    return (a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec)) ? a : b;
}

/* Waits on cv until `until`, but never longer than a second, so that a stopping server is
 * noticed promptly by every waiting request thread. */
static void wait_capped(pthread_cond_t *cv, pthread_mutex_t *mu, const struct timespec *until)
{
    struct timespec cap;
    clock_gettime(CLOCK_REALTIME, &cap);
    cap.tv_sec += 1;
    pthread_cond_timedwait(cv, mu, ts_min(until, &cap));
}

/* ---- sessions -------------------------------------------------------------------------- */

static pthread_rwlock_t *sess_life(http_sess *s);

typedef struct sess_box {
    http_sess s;
    pthread_rwlock_t life;
} sess_box;

static pthread_rwlock_t *sess_life(http_sess *s) { return &((sess_box *)s)->life; }

/* Reference counts and the activity fields are atomics: every request touches them, and a
 * session shared by many connections must not serialise on a mutex for that. */
static void sess_ref(http_sess *s) { __atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED); }

uint64_t http_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void sess_touch(http_sess *s)
{
    __atomic_store_n(&s->last_used, http_now_us(), __ATOMIC_RELAXED);
}

static void sess_unref(http_sess *s)
{
    if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    pthread_mutex_destroy(&s->mu);
    pthread_rwlock_destroy(sess_life(s));
    free(s);
}

static int on_output(void *ctx, const char *json, size_t len, void *handle, unsigned flags);

static http_sess *sess_new(struct http_server *hs, bool stateless)
{
    sess_box *box = calloc(1, sizeof *box);
    if (!box)
        return NULL;
    http_sess *s = &box->s;
    pthread_mutex_init(&s->mu, NULL);
    pthread_rwlock_init(&box->life, NULL);
    s->refs = 1;
    s->hs = hs;
    s->stateless = stateless;
    s->last_used = http_now_us();
    s->ms = mcp_session_new(hs->srv, on_output, s, stateless ? MCP_SESSION_STATELESS : 0);
    if (!s->ms) {
        sess_unref(s);
        return NULL;
    }
    if (!stateless) {
        unsigned char rnd[HTTP_SID_LEN / 2];
        if (RAND_bytes(rnd, sizeof rnd) != 1) {
            mcp_session_close(s->ms);
            sess_unref(s);
            return NULL;
        }
        for (size_t i = 0; i < sizeof rnd; i++)
            snprintf(s->id + 2 * i, 3, "%02x", rnd[i]);
    }
    return s;
}

static void call_release(http_call *c);
static void call_finish_locked(http_call *c);

/* Ends a session: the core session is closed (no output after this), calls still held by the
 * core are released, the GET stream ends. Idempotent. */
static void sess_end(http_sess *s)
{
    pthread_rwlock_wrlock(sess_life(s));
    if (s->closed) {
        pthread_rwlock_unlock(sess_life(s));
        return;
    }
    s->closed = true;
    mcp_session_close(s->ms);
    s->ms = NULL;
    pthread_rwlock_unlock(sess_life(s));
    pthread_mutex_lock(&s->mu);
    http_call *live = s->live, *stream = s->stream;
    s->live = NULL;
    s->stream = NULL;
    bool counted = s->counted;
    s->counted = false;
    pthread_mutex_unlock(&s->mu);
    if (counted)
        http_metrics_sessions_add(s->hs->metrics, -1);
    while (live) {
        http_call *next = live->next_live;
        pthread_mutex_lock(&live->mu);
        call_finish_locked(live);
        pthread_mutex_unlock(&live->mu);
        call_release(live); /* the core's reference */
        live = next;
    }
    if (stream) {
        pthread_mutex_lock(&stream->mu);
        call_finish_locked(stream);
        pthread_mutex_unlock(&stream->mu);
        call_release(stream); /* the session's reference */
    }
}

static unsigned bucket_of(const char *id)
{
    unsigned h = 2166136261u;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % HTTP_SESSION_BUCKETS;
}

/* Looks a session up by id and takes a reference; NULL when unknown or ended. */
static http_sess *sess_find(struct http_server *hs, const char *id)
{
    if (strlen(id) != HTTP_SID_LEN)
        return NULL;
    pthread_rwlock_rdlock(&hs->sess_mu);
    http_sess *s = hs->buckets[bucket_of(id)];
    while (s && strcmp(s->id, id) != 0)
        s = s->next_bucket;
    if (s)
        sess_ref(s);
    pthread_rwlock_unlock(&hs->sess_mu);
    return s;
}

static void sess_remove(struct http_server *hs, http_sess *s);

/* The least recently used session with nothing in flight and no stream, with a reference
 * taken; NULL when every session is busy. Caller holds hs->sess_mu. */
static http_sess *oldest_idle_locked(struct http_server *hs)
{
    http_sess *best = NULL;
    uint64_t best_t = 0;
    for (unsigned b = 0; b < HTTP_SESSION_BUCKETS; b++)
        for (http_sess *s = hs->buckets[b]; s; s = s->next_bucket) {
            uint64_t t = __atomic_load_n(&s->last_used, __ATOMIC_RELAXED);
            pthread_mutex_lock(&s->mu);
            bool idle = __atomic_load_n(&s->active, __ATOMIC_RELAXED) == 0 && !s->stream;
            pthread_mutex_unlock(&s->mu);
            if (idle && (!best || t < best_t)) {
                best = s;
                best_t = t;
            }
        }
    if (best)
        sess_ref(best);
    return best;
}

/* Adds a new session to the table. When the table is full the least recently used idle
 * session makes room (so one client opening sessions in a loop cannot lock others out); when
 * every session is busy the new one is refused. */
static bool sess_insert(struct http_server *hs, http_sess *s)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_rwlock_wrlock(&hs->sess_mu);
        bool stopping = __atomic_load_n(&hs->stopping, __ATOMIC_RELAXED);
        bool room = hs->nsessions < hs->cfg.max_sessions;
        http_sess *victim = NULL;
        if (!stopping && room) {
            unsigned b = bucket_of(s->id);
            s->next_bucket = hs->buckets[b];
            hs->buckets[b] = s;
            hs->nsessions++;
            sess_ref(s); /* the table's reference */
        } else if (!stopping && attempt == 0) {
            victim = oldest_idle_locked(hs);
        }
        pthread_rwlock_unlock(&hs->sess_mu);
        if (!stopping && room) {
            pthread_mutex_lock(&s->mu);
            s->counted = true;
            pthread_mutex_unlock(&s->mu);
            http_metrics_sessions_add(hs->metrics, 1);
            return true;
        }
        if (!victim)
            return false;
        sb_info(MOD, "session %.8s ended to make room (--max-sessions %u reached)", victim->id,
                hs->cfg.max_sessions);
        sess_remove(hs, victim);
        sess_unref(victim);
    }
    return false;
}

/* Removes a session from the table (when present) and drops the table's reference. */
static void sess_remove(struct http_server *hs, http_sess *s)
{
    bool found = false;
    pthread_rwlock_wrlock(&hs->sess_mu);
    for (http_sess **pp = &hs->buckets[bucket_of(s->id)]; *pp; pp = &(*pp)->next_bucket)
        if (*pp == s) {
            *pp = s->next_bucket;
            hs->nsessions--;
            found = true;
            break;
        }
    pthread_rwlock_unlock(&hs->sess_mu);
    if (found) {
        sess_end(s);
        sess_unref(s);
    }
}

void http_sessions_sweep(struct http_server *hs, uint64_t now_us)
{
    http_sess *expired[64];
    size_t n = 0;
    pthread_rwlock_wrlock(&hs->sess_mu);
    for (unsigned b = 0; b < HTTP_SESSION_BUCKETS && n < 64; b++)
        for (http_sess *s = hs->buckets[b]; s && n < 64; s = s->next_bucket) {
            pthread_mutex_lock(&s->mu);
            uint64_t used = __atomic_load_n(&s->last_used, __ATOMIC_RELAXED);
            bool idle = __atomic_load_n(&s->active, __ATOMIC_RELAXED) == 0 && !s->stream &&
                        used <= now_us &&
                        now_us - used >= (uint64_t)hs->cfg.session_idle_s * 1000000u;
            pthread_mutex_unlock(&s->mu);
            if (idle) {
                sess_ref(s);
                expired[n++] = s;
            }
        }
    pthread_rwlock_unlock(&hs->sess_mu);
    for (size_t i = 0; i < n; i++) {
        sb_info(MOD, "session %.8s expired after %u s idle", expired[i]->id, hs->cfg.session_idle_s);
        sess_remove(hs, expired[i]);
        sess_unref(expired[i]);
    }
}

void http_sessions_close_all(struct http_server *hs)
{
    for (;;) {
        http_sess *s = NULL;
        pthread_rwlock_wrlock(&hs->sess_mu);
        for (unsigned b = 0; b < HTTP_SESSION_BUCKETS && !s; b++)
            s = hs->buckets[b];
        if (s)
            sess_ref(s);
        pthread_rwlock_unlock(&hs->sess_mu);
        if (!s)
            return;
        sess_remove(hs, s);
        sess_unref(s);
    }
}

/* ---- calls ----------------------------------------------------------------------------- */

static double since(const struct timespec *start);

static http_call *call_new(http_sess *s, int refs)
{
    http_call *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_cond_init(&c->cv, &attr);
    pthread_condattr_destroy(&attr);
    c->refs = refs;
    c->sess = s;
    c->keepalive_s = s->hs->cfg.sse_keepalive_s;
    sb_buf_init(&c->stage, (size_t)256 << 20); /* one event: the largest response fits */
    sess_ref(s);
    return c;
}

static void call_drop_queue_locked(http_call *c)
{
    while (c->head) {
        http_msg *m = c->head;
        c->head = m->next;
        free(m);
    }
    c->tail = NULL;
    c->queued_bytes = 0;
}

static void call_release(http_call *c)
{
    pthread_mutex_lock(&c->mu);
    int left = --c->refs;
    pthread_mutex_unlock(&c->mu);
    if (left > 0)
        return;
    if (c->is_tool && !c->metered)
        http_metrics_tool_call(c->metrics, c->tool, HTTP_OUTCOME_ABANDONED, since(&c->start));
    call_drop_queue_locked(c);
    sb_buf_free(&c->stage);
    free(c->id_json);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    sess_unref(c->sess);
    free(c);
}

static void call_finish_locked(http_call *c)
{
    c->final = true;
    pthread_cond_broadcast(&c->cv);
}

/* Adds a message to a call's queue. Returns -1 when it cannot be delivered. */
static int call_push(http_call *c, const char *json, size_t len, unsigned flags)
{
    int rc = 0;
    pthread_mutex_lock(&c->mu);
    bool is_response = flags & MCP_OUT_RESPONSE;
    if (c->gone || c->timed_out || (c->json_only && !is_response) ||
        (!is_response && c->queued_bytes + len > HTTP_STREAM_MAX_QUEUED)) {
        rc = (flags & MCP_OUT_REQUEST) ? -1 : 0; /* a dropped notification is not an error */
        goto out;
    }
    if (json && len > 0) {
        http_msg *m = malloc(sizeof *m + len + 1);
        if (!m) {
            rc = -1;
            goto out;
        }
        m->next = NULL;
        m->flags = flags;
        m->len = len;
        memcpy(m->json, json, len);
        m->json[len] = '\0';
        if (c->tail)
            c->tail->next = m;
        else
            c->head = m;
        c->tail = m;
        c->queued_bytes += len;
    }
    pthread_cond_broadcast(&c->cv);
out:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static void live_unlink_locked(http_sess *s, http_call *c)
{
    if (c->prev_live)
        c->prev_live->next_live = c->next_live;
    else if (s->live == c)
        s->live = c->next_live;
    if (c->next_live)
        c->next_live->prev_live = c->prev_live;
    c->prev_live = c->next_live = NULL;
}

static int on_output(void *ctx, const char *json, size_t len, void *handle, unsigned flags)
{
    http_sess *s = ctx;
    if (!handle) {
        pthread_mutex_lock(&s->mu);
        http_call *stream = s->stream;
        if (stream) {
            pthread_mutex_lock(&stream->mu);
            stream->refs++;
            pthread_mutex_unlock(&stream->mu);
        }
        pthread_mutex_unlock(&s->mu);
        if (!stream)
            return (flags & MCP_OUT_REQUEST) ? -1 : 0; /* nowhere to send it */
        int rc = call_push(stream, json, len, flags & ~MCP_OUT_FINAL);
        call_release(stream);
        return rc;
    }
    http_call *c = handle;
    int rc = call_push(c, json, len, flags);
    if (flags & MCP_OUT_FINAL) {
        pthread_mutex_lock(&s->mu);
        live_unlink_locked(s, c);
        pthread_mutex_unlock(&s->mu);
        pthread_mutex_lock(&c->mu);
        call_finish_locked(c);
        pthread_mutex_unlock(&c->mu);
        call_release(c); /* the core's reference */
    }
    return rc;
}

/* ---- request inspection ---------------------------------------------------------------- */

typedef struct rpc_peek {
    json_t *doc;
    const char *method;   /* NULL for responses */
    const json_t *id;     /* NULL for notifications */
    const char *tool;     /* params.name of tools/call */
    bool is_batch;
} rpc_peek;

static void peek_message(const char *body, size_t len, rpc_peek *p)
{
    memset(p, 0, sizeof *p);
    p->doc = json_loadb(body, len, 0, NULL);
    if (!p->doc)
        return;
    if (json_is_array(p->doc)) {
        p->is_batch = true;
        return;
    }
    p->method = json_string_value(json_object_get(p->doc, "method"));
    p->id = json_object_get(p->doc, "id");
    if (p->method && !strcmp(p->method, "tools/call"))
        p->tool = json_string_value(json_object_get(json_object_get(p->doc, "params"), "name"));
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Whether an Accept header value lists a media type (or a wildcard covering it). */
static bool accepts(const char *accept, const char *type)
{
    if (!accept)
        return true;
    const char *slash = strchr(type, '/');
    size_t major = (size_t)(slash - type);
    const char *p = accept;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",;");
        size_t t = n;
        while (t > 0 && p[t - 1] == ' ')
            t--;
        if ((t == strlen(type) && !strncasecmp(p, type, t)) || (t == 3 && !strncmp(p, "*/*", 3)) ||
            (t == major + 2 && !strncasecmp(p, type, major) && !strncmp(p + major, "/*", 2)))
            return true;
        p += n;
        if (*p == ';')
            p += strcspn(p, ",");
    }
    return false;
}

static bool content_type_json(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, "; ");
    return n == 16 && !strncasecmp(ct, "application/json", 16);
}

/* ---- responses ------------------------------------------------------------------------- */

/* What a response message says: a JSON-RPC error, an isError result, or a plain result. */
static http_outcome classify_response(const char *json, size_t len)
{
    json_t *doc = json_loadb(json, len, 0, NULL);
    http_outcome o = HTTP_OUTCOME_OK;
    if (!doc || json_object_get(doc, "error"))
        o = HTTP_OUTCOME_PROTOCOL;
    else if (json_is_true(json_object_get(json_object_get(doc, "result"), "isError")))
        o = HTTP_OUTCOME_TOOL_ERROR;
    json_decref(doc);
    return o;
}

static double since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Counts a tools/call once, when its response goes out (caller holds c->mu). */
static void meter_response_locked(http_call *c, const http_msg *m)
{
    if (!c->is_tool || c->metered || !(m->flags & MCP_OUT_RESPONSE))
        return;
    c->metered = true;
    http_metrics_tool_call(c->metrics, c->tool, classify_response(m->json, m->len), since(&c->start));
}

static void add_session_header(struct MHD_Response *resp, const http_sess *s)
{
    if (!s->stateless)
        MHD_add_response_header(resp, "Mcp-Session-Id", s->id);
}

static enum MHD_Result respond_json_msgs(struct MHD_Connection *conn, http_req *r, http_call *c,
                                         http_sess *s)
{
    sb_buf out;
    sb_buf_init(&out, (size_t)1 << 31);
    size_t n = 0;
    for (http_msg *m = c->head; m; m = m->next)
        n += (m->flags & MCP_OUT_RESPONSE) ? 1 : 0;
    if (n > 1)
        sb_buf_putc(&out, '[');
    size_t k = 0;
    for (http_msg *m = c->head; m; m = m->next) {
        if (!(m->flags & MCP_OUT_RESPONSE))
            continue;
        if (k++ > 0)
            sb_buf_putc(&out, ',');
        sb_buf_append(&out, m->json, m->len);
        meter_response_locked(c, m);
        if (r->check_init && n == 1)
            r->init_failed = classify_response(m->json, m->len) != HTTP_OUTCOME_OK;
    }
    if (n > 1)
        sb_buf_putc(&out, ']');
    int status = 200;
    if (n == 1 && strstr(out.data, "\"id\":null") &&
        (strstr(out.data, "-32700") || strstr(out.data, "-32600")))
        status = 400; /* the message itself could not be understood */
    if (n == 0) {
        sb_buf_free(&out);
        return http_respond_rpc_error(conn, r, 200, c->id_json, -32603,
                                      "the request ended without a response (session closed)");
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(out.len, out.data,
                                                                MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        sb_buf_free(&out);
        return MHD_NO;
    }
    http_add_common_headers(resp, r);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    add_session_header(resp, s);
    r->status = status;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Formats the next SSE event into c->stage (caller holds c->mu). */
static void stage_event(http_call *c, const http_msg *m)
{
    sb_buf_reset(&c->stage);
    c->stage_off = 0;
    sb_buf_puts(&c->stage, "event: message\n");
    const char *p = m->json, *end = m->json + m->len;
    while (p < end) { /* compact JSON has no raw newline; split defensively if one appears */
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        sb_buf_puts(&c->stage, "data: ");
        sb_buf_append(&c->stage, p, n);
        sb_buf_putc(&c->stage, '\n');
        p += n + (nl ? 1 : 0);
    }
    sb_buf_putc(&c->stage, '\n');
}

static void stage_text(http_call *c, const char *text)
{
    sb_buf_reset(&c->stage);
    c->stage_off = 0;
    sb_buf_puts(&c->stage, text);
}

/* The request ran past its timeout: cancel it and put an error in its place. */
static void call_timeout(http_call *c)
{
    http_sess *s = c->sess;
    pthread_rwlock_rdlock(sess_life(s));
    if (!s->closed)
        mcp_session_cancel_handle(s->ms, c);
    pthread_rwlock_unlock(sess_life(s));
    sb_info(MOD, "request timed out after %u s and was cancelled", s->hs->cfg.request_timeout_s);
}

static void stage_timeout_error(http_call *c)
{
    char msg[512];
    snprintf(msg, sizeof msg,
             "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":-32603,"
             "\"message\":\"request timed out after %u s and was cancelled\"}}\n\n",
             c->id_json ? c->id_json : "null", c->sess->hs->cfg.request_timeout_s);
    stage_text(c, msg);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    http_call *c = cls;
    bool do_timeout = false;
    ssize_t ret;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        if (c->stage_off < c->stage.len) {
            size_t n = c->stage.len - c->stage_off;
            if (n > max)
                n = max;
            memcpy(buf, c->stage.data + c->stage_off, n);
            c->stage_off += n;
            ret = (ssize_t)n;
            break;
        }
        if (c->head) {
            http_msg *m = c->head;
            c->head = m->next;
            if (!c->head)
                c->tail = NULL;
            c->queued_bytes -= m->len;
            meter_response_locked(c, m);
            stage_event(c, m);
            free(m);
            continue;
        }
        if (c->final || c->timed_out || __atomic_load_n(&c->sess->hs->stopping, __ATOMIC_RELAXED)) {
            ret = MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        if (!c->get_stream && ts_passed(&c->deadline)) {
            c->timed_out = true;
            do_timeout = true;
            stage_timeout_error(c);
            continue;
        }
        if (ts_passed(&c->next_ping)) {
            c->next_ping = ts_after(c->keepalive_s);
            stage_text(c, ": keep-alive\n\n");
            continue;
        }
        const struct timespec *until = c->get_stream ? &c->next_ping
                                                     : ts_min(&c->next_ping, &c->deadline);
        wait_capped(&c->cv, &c->mu, until);
    }
    pthread_mutex_unlock(&c->mu);
    if (do_timeout)
        call_timeout(c);
    return ret;
}

static void sse_free(void *cls)
{
    http_call *c = cls;
    pthread_mutex_lock(&c->mu);
    c->gone = true;
    call_drop_queue_locked(c);
    pthread_mutex_unlock(&c->mu);
    if (c->get_stream) {
        http_sess *s = c->sess;
        bool was_stream = false;
        pthread_mutex_lock(&s->mu);
        if (s->stream == c) {
            s->stream = NULL;
            was_stream = true;
        }
        pthread_mutex_unlock(&s->mu);
        if (was_stream)
            call_release(c); /* the session's reference */
    }
    call_release(c); /* the HTTP response's reference */
}

static enum MHD_Result respond_sse(struct MHD_Connection *conn, http_req *r, http_call *c,
                                   http_sess *s)
{
    c->sse = true;
    c->next_ping = ts_after(c->keepalive_s);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read, c, sse_free);
    if (!resp) {
        call_release(c);
        return MHD_NO;
    }
    http_add_common_headers(resp, r);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache, no-transform");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    add_session_header(resp, s);
    r->status = 200;
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- POST ------------------------------------------------------------------------------ */

/* Waits for the call's first message (or its end) and answers: JSON for a lone response,
 * SSE otherwise. Consumes the HTTP reference of c. */
static enum MHD_Result answer_call(struct http_server *hs, struct MHD_Connection *conn,
                                   http_req *r, http_call *c, http_sess *s, bool sse_ok,
                                   bool json_ok)
{
    pthread_mutex_lock(&c->mu);
    for (;;) {
        bool only_responses = true;
        for (http_msg *m = c->head; m; m = m->next)
            only_responses = only_responses && (m->flags & MCP_OUT_RESPONSE);
        if (c->final || (c->head && !only_responses && sse_ok) ||
            __atomic_load_n(&hs->stopping, __ATOMIC_RELAXED))
            break;
        if (!ts_passed(&c->deadline)) {
            wait_capped(&c->cv, &c->mu, &c->deadline);
            continue;
        }
        c->timed_out = true;
        pthread_mutex_unlock(&c->mu);
        call_timeout(c);
        char msg[128];
        snprintf(msg, sizeof msg, "request timed out after %u s and was cancelled",
                 hs->cfg.request_timeout_s);
        enum MHD_Result ret = http_respond_rpc_error(conn, r, 200, c->id_json, -32603, msg);
        call_release(c);
        return ret;
    }
    bool stream = sse_ok && !__atomic_load_n(&hs->stopping, __ATOMIC_RELAXED) &&
                  (!c->final || !json_ok);
    if (!stream) {
        enum MHD_Result ret = respond_json_msgs(conn, r, c, s);
        c->gone = true;
        pthread_mutex_unlock(&c->mu);
        call_release(c);
        return ret;
    }
    pthread_mutex_unlock(&c->mu);
    return respond_sse(conn, r, c, s); /* the response's free callback releases c */
}

static enum MHD_Result reject_version(struct MHD_Connection *conn, http_req *r, const char *v)
{
    char msg[256];
    size_t off = (size_t)snprintf(msg, sizeof msg, "Bad Request: unsupported MCP-Protocol-Version "
                                                   "(supported:");
    for (const char *const *p = mcp_protocol_versions; *p && off < sizeof msg - 16; p++)
        off += (size_t)snprintf(msg + off, sizeof msg - off, " %s", *p);
    snprintf(msg + off, sizeof msg - off, ")");
    (void)v;
    return http_respond_rpc_error(conn, r, 400, NULL, -32600, msg);
}

typedef struct flag_lookup {
    const char *name;
    unsigned flags;
    bool found;
} flag_lookup;

static int find_flags(void *ctx, const char *name, const json_t *tool, unsigned flags)
{
    (void)tool;
    flag_lookup *f = ctx;
    if (strcmp(name, f->name) != 0)
        return 0;
    f->flags = flags;
    f->found = true;
    return 1;
}

/* A tools/call of a tool that changes state, by a token without tools:write: the HTTP
 * authorization answer is 403 insufficient_scope (the core would also refuse it). */
static bool needs_write_scope(struct http_server *hs, const http_req *r, const char *tool)
{
    if (!tool || !http_auth_enabled(hs->auth) || (r->auth.scopes & HTTP_SCOPE_WRITE))
        return false;
    flag_lookup f = {tool, 0, false};
    mcp_registry_foreach_tool(mcp_server_registry(hs->srv), find_flags, &f);
    return f.found && (f.flags & MCP_TOOL_WRITE);
}

/* Finds or creates the session a POST belongs to; on failure queues the error response and
 * returns NULL with *ret set. */
static http_sess *post_session(struct http_server *hs, struct MHD_Connection *conn, http_req *r,
                               const rpc_peek *p, enum MHD_Result *ret, bool *created)
{
    *created = false;
    if (hs->cfg.stateless) {
        http_sess *s = sess_new(hs, true);
        if (!s)
            *ret = http_respond_rpc_error(conn, r, 503, NULL, -32603, "out of memory");
        return s;
    }
    const char *sid = header(conn, "Mcp-Session-Id");
    bool is_init = p->method && !strcmp(p->method, "initialize");
    if (!sid) {
        if (!is_init) {
            *ret = http_respond_rpc_error(conn, r, 400, NULL, -32600,
                                          "Bad Request: Mcp-Session-Id header is required "
                                          "(send initialize first)");
            return NULL;
        }
        http_sess *s = sess_new(hs, false);
        if (!s) {
            *ret = http_respond_rpc_error(conn, r, 503, NULL, -32603, "out of memory");
            return NULL;
        }
        snprintf(s->who, sizeof s->who, "%s", r->auth.who);
        *created = true;
        return s;
    }
    http_sess *s = sess_find(hs, sid);
    if (s && strcmp(s->who, r->auth.who) != 0) { /* another principal's session */
        sess_unref(s);
        s = NULL;
    }
    if (!s)
        *ret = http_respond_rpc_error(conn, r, 404, NULL, -32001,
                                      "Session not found (unknown, expired or deleted): "
                                      "initialize a new session");
    return s;
}

/* Reserves a slot for a request on the session (per-session concurrency limit). */
static bool sess_begin_request(http_sess *s, unsigned limit, bool counts)
{
    sess_touch(s);
    if (!counts)
        return true;
    if (__atomic_add_fetch(&s->active, 1, __ATOMIC_RELAXED) <= limit)
        return true;
    __atomic_sub_fetch(&s->active, 1, __ATOMIC_RELAXED);
    return false;
}

/* Feeds the message to the core and answers. */
static enum MHD_Result post_dispatch(struct http_server *hs, struct MHD_Connection *conn,
                                     http_req *r, http_sess *s, const rpc_peek *p, bool sse_ok,
                                     bool json_ok)
{
    http_call *c = call_new(s, 2);
    if (!c)
        return http_respond_rpc_error(conn, r, 503, NULL, -32603, "out of memory");
    c->json_only = !sse_ok;
    c->deadline = ts_after(hs->cfg.request_timeout_s);
    if (p->id)
        c->id_json = json_dumps(p->id, JSON_ENCODE_ANY | JSON_COMPACT);
    if (p->tool) {
        snprintf(c->tool, sizeof c->tool, "%s", p->tool);
        c->is_tool = true;
        clock_gettime(CLOCK_MONOTONIC, &c->start);
    }
    c->metrics = hs->metrics;
    pthread_rwlock_rdlock(sess_life(s));
    if (s->closed) {
        pthread_rwlock_unlock(sess_life(s));
        call_release(c);
        call_release(c);
        return http_respond_rpc_error(conn, r, 404, NULL, -32001, "Session not found (ended)");
    }
    pthread_mutex_lock(&s->mu);
    c->next_live = s->live;
    if (s->live)
        s->live->prev_live = c;
    s->live = c;
    pthread_mutex_unlock(&s->mu);
    mcp_session_set_scopes(s->ms, http_auth_enabled(hs->auth) ? http_scope_string(r->auth.scopes)
                                                              : NULL);
    mcp_in_kind kind = mcp_session_handle(s->ms, r->body.data ? r->body.data : "", r->body.len, c);
    pthread_rwlock_unlock(sess_life(s));
    if (kind == MCP_IN_ACCEPTED) {
        /* the core keeps no handle: drop its reference and answer 202 */
        pthread_mutex_lock(&s->mu);
        live_unlink_locked(s, c);
        pthread_mutex_unlock(&s->mu);
        call_release(c);
        call_release(c);
        return http_respond(conn, r, 202, NULL, NULL, 0);
    }
    return answer_call(hs, conn, r, c, s, sse_ok, json_ok);
}

enum MHD_Result http_mcp_post(struct http_server *hs, struct MHD_Connection *conn, http_req *r)
{
    const char *accept = header(conn, "Accept");
    bool json_ok = accepts(accept, "application/json");
    bool sse_ok = accepts(accept, "text/event-stream");
    if (!json_ok && !sse_ok)
        return http_respond_rpc_error(conn, r, 406, NULL, -32600,
                                      "Not Acceptable: Accept must include application/json "
                                      "and/or text/event-stream");
    if (!content_type_json(header(conn, "Content-Type")))
        return http_respond_rpc_error(conn, r, 415, NULL, -32600,
                                      "Unsupported Media Type: Content-Type must be "
                                      "application/json");
    const char *version = header(conn, "MCP-Protocol-Version");
    if (version && !mcp_protocol_supported(version))
        return reject_version(conn, r, version);
    rpc_peek p;
    peek_message(r->body.data ? r->body.data : "", r->body.len, &p);
    if (p.tool) {
        snprintf(r->tool, sizeof r->tool, "%s", p.tool);
        r->is_tool_call = true;
    }
    enum MHD_Result ret = MHD_NO;
    if (needs_write_scope(hs, r, p.tool)) {
        http_auth_result denied = r->auth;
        denied.status = 403;
        denied.error = "insufficient_scope";
        denied.description = "this tool changes state and needs the tools:write scope";
        ret = http_respond_auth(hs, conn, r, &denied, HTTP_SCOPE_WRITE);
        goto out;
    }
    bool created = false;
    http_sess *s = post_session(hs, conn, r, &p, &ret, &created);
    if (!s)
        goto out;
    r->sess = s; /* released in http_mcp_request_done */
    if (!s->stateless)
        snprintf(r->sid, sizeof r->sid, "%.8s", s->id);
    if (s->stateless && version && mcp_session_set_protocol_version(s->ms, version) < 0) {
        ret = reject_version(conn, r, version);
        goto out;
    }
    bool is_request = (p.method && p.id) || p.is_batch || !p.doc;
    if (!sess_begin_request(s, hs->cfg.max_calls_per_session, is_request && !s->stateless)) {
        ret = http_respond_rpc_error(conn, r, 429, NULL, -32603,
                                     "Too Many Requests: this session already has the maximum "
                                     "number of requests in flight");
        goto out;
    }
    r->counted_active = is_request && !s->stateless;
    if (created && !sess_insert(hs, s)) {
        sess_end(s); /* never in the table: end it here (the request still holds a reference) */
        ret = http_respond_rpc_error(conn, r, 503, NULL, -32603,
                                     "Service Unavailable: too many sessions");
        goto out;
    }
    r->check_init = created;
    ret = post_dispatch(hs, conn, r, s, &p, sse_ok, json_ok);
    if (created && (r->status != 200 || r->init_failed)) /* initialize failed: forget it */
        sess_remove(hs, s);
out:
    json_decref(p.doc);
    return ret;
}

/* ---- GET and DELETE -------------------------------------------------------------------- */

static http_sess *existing_session(struct http_server *hs, struct MHD_Connection *conn,
                                   http_req *r, enum MHD_Result *ret)
{
    const char *sid = header(conn, "Mcp-Session-Id");
    if (!sid) {
        *ret = http_respond_rpc_error(conn, r, 400, NULL, -32600,
                                      "Bad Request: Mcp-Session-Id header is required");
        return NULL;
    }
    http_sess *s = sess_find(hs, sid);
    if (s && strcmp(s->who, r->auth.who) != 0) {
        sess_unref(s);
        s = NULL;
    }
    if (!s)
        *ret = http_respond_rpc_error(conn, r, 404, NULL, -32001,
                                      "Session not found (unknown, expired or deleted)");
    else
        snprintf(r->sid, sizeof r->sid, "%.8s", s->id);
    return s;
}

static enum MHD_Result method_not_allowed(struct MHD_Connection *conn, http_req *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    http_add_common_headers(resp, r);
    MHD_add_response_header(resp, "Allow", "POST");
    r->status = 405;
    enum MHD_Result ret = MHD_queue_response(conn, 405, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result http_mcp_get(struct http_server *hs, struct MHD_Connection *conn, http_req *r)
{
    if (hs->cfg.stateless)
        return method_not_allowed(conn, r);
    if (!accepts(header(conn, "Accept"), "text/event-stream"))
        return http_respond_rpc_error(conn, r, 406, NULL, -32600,
                                      "Not Acceptable: Accept must include text/event-stream");
    enum MHD_Result ret = MHD_NO;
    http_sess *s = existing_session(hs, conn, r, &ret);
    if (!s)
        return ret;
    r->sess = s;
    http_call *c = call_new(s, 2); /* the response, and the session's stream pointer */
    if (!c)
        return http_respond_rpc_error(conn, r, 503, NULL, -32603, "out of memory");
    c->get_stream = true;
    pthread_mutex_lock(&s->mu);
    bool busy = s->stream != NULL || s->closed;
    if (!busy)
        s->stream = c;
    pthread_mutex_unlock(&s->mu);
    sess_touch(s);
    if (busy) {
        call_release(c);
        call_release(c);
        return http_respond_rpc_error(conn, r, 409, NULL, -32600,
                                      "Conflict: this session already has a GET stream open");
    }
    return respond_sse(conn, r, c, s);
}

enum MHD_Result http_mcp_delete(struct http_server *hs, struct MHD_Connection *conn, http_req *r)
{
    if (hs->cfg.stateless)
        return method_not_allowed(conn, r);
    enum MHD_Result ret = MHD_NO;
    http_sess *s = existing_session(hs, conn, r, &ret);
    if (!s)
        return ret;
    sess_remove(hs, s);
    sess_unref(s);
    sb_info(MOD, "session %s deleted by the client", r->sid);
    return http_respond(conn, r, 200, NULL, NULL, 0);
}

void http_mcp_request_done(struct http_server *hs, http_req *r, bool client_gone)
{
    (void)hs;
    (void)client_gone;
    http_sess *s = r->sess;
    if (!s)
        return;
    r->sess = NULL;
    if (r->counted_active)
        __atomic_sub_fetch(&s->active, 1, __ATOMIC_RELAXED);
    /* "Last used" is when a request arrived (so the order of sessions is the order of their
     * clients' requests); a GET stream counts until it closes. */
    if (r->method && !strcmp(r->method, "GET"))
        sess_touch(s);
    if (s->stateless)
        sess_end(s);
    sess_unref(s);
}
