/* The server object: configuration, the live registry (swapped atomically on reload), the set
 * of live sessions (for list_changed broadcasts), and the worker pool that runs handlers so a
 * slow one never blocks the reader. The queue is bounded (max_queue); workers drain it even
 * while stopping, with every call cancelled, so each request still ends through one path. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_internal.h"
#include "util/buf.h"
#include "util/log.h"

#define MOD "mcp"

#ifndef SB_VERSION
#define SB_VERSION "0.1.0"
#endif

const char *const mcp_protocol_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", NULL};

bool mcp_protocol_supported(const char *version)
{
    for (const char *const *v = mcp_protocol_versions; version && *v; v++)
        if (!strcmp(*v, version))
            return true;
    return false;
}

struct mcp_server {
    mcp_server_config cfg;
    char *name, *version, *title, *instructions;
    pthread_mutex_t lock;
    pthread_cond_t qcond;   /* work arrived / stopping */
    pthread_cond_t idle;    /* a call ended */
    mcp_registry *reg;
    mcp_ptr_vec sessions;
    mcp_call *qhead, *qtail;
    unsigned in_flight;     /* queued + running */
    unsigned running_workers;
    pthread_t *workers;
    unsigned nworkers;
    bool stopping;
};

static const char default_instructions[] =
    "switchboard answers questions about phone systems: a 3CX PBX, the ConnexCS softswitch, "
    "SIP captures and CDR files. Pick the tool by the question; list tools return totals and "
    "hasMore, so narrow with their filters instead of paging through everything. Tools that "
    "change state ask for confirmation.";

const mcp_server_config *mcp_server_cfg(const mcp_server *srv)
{
    return &srv->cfg;
}

bool mcp_server_stopping(const mcp_server *srv)
{
    return __atomic_load_n(&srv->stopping, __ATOMIC_ACQUIRE);
}

static void *worker_main(void *arg)
{
    mcp_server *srv = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals belong to the transport's threads */
    pthread_mutex_lock(&srv->lock);
    for (;;) {
        while (!srv->qhead && !srv->stopping)
            pthread_cond_wait(&srv->qcond, &srv->lock);
        mcp_call *c = srv->qhead;
        if (!c)
            break; /* stopping and drained */
        srv->qhead = c->next_q;
        if (!srv->qhead)
            srv->qtail = NULL;
        pthread_mutex_unlock(&srv->lock);
        if (!mcp_call_is_cancelled(c) && !c->invalid)
            mcp_call_run(c);
        mcp_session_finish_call(c->s, c); /* frees c */
        pthread_mutex_lock(&srv->lock);
        srv->in_flight--;
        pthread_cond_broadcast(&srv->idle);
    }
    srv->running_workers--;
    pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

mcp_server *mcp_server_new(const mcp_server_config *cfg)
{
    mcp_server *srv = calloc(1, sizeof *srv);
    if (cfg)
        srv->cfg = *cfg;
    srv->name = strdup(srv->cfg.name ? srv->cfg.name : "switchboard");
    srv->version = strdup(srv->cfg.version ? srv->cfg.version : SB_VERSION);
    srv->title = srv->cfg.title ? strdup(srv->cfg.title) : NULL;
    srv->instructions = strdup(srv->cfg.instructions ? srv->cfg.instructions
                                                     : default_instructions);
    srv->cfg.name = srv->name;
    srv->cfg.version = srv->version;
    srv->cfg.title = srv->title;
    srv->cfg.instructions = srv->instructions;
    if (!srv->cfg.workers)
        srv->cfg.workers = 4;
    if (!srv->cfg.max_queue)
        srv->cfg.max_queue = 256;
    if (!srv->cfg.elicit_timeout_ms)
        srv->cfg.elicit_timeout_ms = 300000;
    if (!srv->cfg.page_size)
        srv->cfg.page_size = 100;
    if (!srv->cfg.max_per_session)
        srv->cfg.max_per_session = 64;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->qcond, NULL);
    pthread_cond_init(&srv->idle, NULL);
    srv->reg = mcp_registry_create(srv);
    srv->workers = calloc(srv->cfg.workers, sizeof *srv->workers);
    return srv;
}

void mcp_server_free(mcp_server *srv, unsigned timeout_ms)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->lock);
    __atomic_store_n(&srv->stopping, true, __ATOMIC_RELEASE);
    for (size_t i = 0; i < srv->sessions.n; i++)
        mcp_session_cancel_all(srv->sessions.v[i]);
    for (mcp_call *c = srv->qhead; c; c = c->next_q)
        mcp_call_set_cancelled(c);
    pthread_cond_broadcast(&srv->qcond);
    double deadline = mcp_now_ms() + timeout_ms;
    while (srv->running_workers > 0) {
        double left = deadline - mcp_now_ms();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double ns = (double)ts.tv_nsec + (left < 200 ? left : 200) * 1e6;
        ts.tv_sec += (time_t)(ns / 1e9);
        ts.tv_nsec = (long)(ns - (double)(time_t)(ns / 1e9) * 1e9);
        pthread_cond_timedwait(&srv->idle, &srv->lock, &ts);
    }
    bool all_done = srv->running_workers == 0;
    size_t open_sessions = srv->sessions.n;
    pthread_mutex_unlock(&srv->lock);
    if (!all_done || open_sessions) {
        /* A handler ignores cancellation, or a transport still holds a session: leave the
         * server to the exiting process rather than free memory someone still uses. */
        sb_warn(MOD, "shutdown: %u handler(s) still running, %zu session(s) still open",
                srv->running_workers, open_sessions);
        return;
    }
    for (unsigned i = 0; i < srv->nworkers; i++)
        pthread_join(srv->workers[i], NULL);
    free(srv->workers);
    mcp_registry_unref(srv->reg);
    free(srv->sessions.v);
    pthread_cond_destroy(&srv->qcond);
    pthread_cond_destroy(&srv->idle);
    pthread_mutex_destroy(&srv->lock);
    free(srv->name);
    free(srv->version);
    free(srv->title);
    free(srv->instructions);
    free(srv);
}

/* Workers start with the first queued call: a session that only uses quick methods and
 * inline tools (and every short CLI run) never pays for them. Caller holds srv->lock. */
static bool start_workers_locked(mcp_server *srv)
{
    while (srv->nworkers < srv->cfg.workers) {
        if (pthread_create(&srv->workers[srv->nworkers], NULL, worker_main, srv) != 0) {
            sb_error(MOD, "cannot start worker thread %u", srv->nworkers);
            break;
        }
        srv->nworkers++;
        srv->running_workers++;
    }
    return srv->nworkers > 0;
}

int mcp_server_submit(mcp_server *srv, mcp_call *c)
{
    pthread_mutex_lock(&srv->lock);
    if (srv->in_flight >= srv->cfg.max_queue || srv->stopping ||
        (srv->nworkers < srv->cfg.workers && !start_workers_locked(srv))) {
        pthread_mutex_unlock(&srv->lock);
        return -1;
    }
    srv->in_flight++;
    c->next_q = NULL;
    if (srv->qtail)
        srv->qtail->next_q = c;
    else
        srv->qhead = c;
    srv->qtail = c;
    pthread_cond_signal(&srv->qcond);
    pthread_mutex_unlock(&srv->lock);
    return 0;
}

unsigned mcp_server_calls_in_flight(mcp_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    unsigned n = srv->in_flight;
    pthread_mutex_unlock(&srv->lock);
    return n;
}

/* ---- registry ---------------------------------------------------------------------------- */

mcp_registry *mcp_server_registry(mcp_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    mcp_registry *r = srv->reg;
    pthread_mutex_unlock(&srv->lock);
    return r;
}

mcp_registry *mcp_server_current_registry(mcp_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    mcp_registry *r = srv->reg;
    mcp_registry_ref(r);
    pthread_mutex_unlock(&srv->lock);
    return r;
}

mcp_registry *mcp_server_new_registry(mcp_server *srv)
{
    return mcp_registry_create(NULL); /* attached to srv when swapped in */
}

void mcp_server_swap_registry(mcp_server *srv, mcp_registry *fresh)
{
    pthread_mutex_lock(&srv->lock);
    mcp_registry *old = srv->reg;
    srv->reg = fresh;
    fresh->srv = srv;
    old->srv = NULL;
    pthread_mutex_unlock(&srv->lock);
    mcp_registry_unref(old);
    mcp_server_notify_list_changed(srv);
}

void mcp_server_discard_registry(mcp_server *srv, mcp_registry *fresh)
{
    mcp_registry_unref(fresh);
}

char *mcp_server_instructions(mcp_server *srv)
{
    mcp_registry *reg = mcp_server_current_registry(srv);
    char *guide = mcp_registry_guide(reg);
    mcp_registry_unref(reg);
    sb_buf b;
    sb_buf_init(&b, 128 * 1024);
    sb_buf_puts(&b, srv->instructions);
    if (*guide)
        sb_buf_printf(&b, "\n\nWhich tool answers what:\n%s", guide);
    free(guide);
    char *s = sb_buf_steal(&b, NULL);
    return s ? s : strdup(srv->instructions);
}

/* ---- sessions ---------------------------------------------------------------------------- */

void mcp_server_attach(mcp_server *srv, mcp_session *s)
{
    pthread_mutex_lock(&srv->lock);
    if (srv->sessions.n == srv->sessions.cap) {
        srv->sessions.cap = srv->sessions.cap ? srv->sessions.cap * 2 : 16;
        srv->sessions.v = realloc(srv->sessions.v, srv->sessions.cap * sizeof(void *));
    }
    srv->sessions.v[srv->sessions.n++] = s;
    pthread_mutex_unlock(&srv->lock);
}

void mcp_server_detach(mcp_server *srv, mcp_session *s)
{
    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; i < srv->sessions.n; i++)
        if (srv->sessions.v[i] == s) {
            srv->sessions.v[i] = srv->sessions.v[--srv->sessions.n];
            break;
        }
    pthread_mutex_unlock(&srv->lock);
}

/* Takes a reference on every live session (the caller unrefs each and frees the array). */
static mcp_session **snapshot_sessions(mcp_server *srv, size_t *n)
{
    pthread_mutex_lock(&srv->lock);
    *n = srv->sessions.n;
    mcp_session **v = calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; i < *n; i++) {
        v[i] = srv->sessions.v[i];
        mcp_session_ref(v[i]);
    }
    pthread_mutex_unlock(&srv->lock);
    return v;
}

void mcp_server_notify_list_changed(mcp_server *srv)
{
    size_t n;
    mcp_session **v = snapshot_sessions(srv, &n);
    for (size_t i = 0; i < n; i++) {
        if (mcp_session_wants_broadcasts(v[i])) {
            mcp_session_notify(v[i], "notifications/tools/list_changed", NULL);
            mcp_session_notify(v[i], "notifications/resources/list_changed", NULL);
            mcp_session_notify(v[i], "notifications/prompts/list_changed", NULL);
        }
        mcp_session_unref(v[i]);
    }
    free(v);
}

void mcp_server_notify_resource_updated(mcp_server *srv, const char *uri)
{
    size_t n;
    mcp_session **v = snapshot_sessions(srv, &n);
    for (size_t i = 0; i < n; i++) {
        if (mcp_session_subscribed(v[i], uri))
            mcp_session_notify(v[i], "notifications/resources/updated",
                               json_pack("{s:s}", "uri", uri));
        mcp_session_unref(v[i]);
    }
    free(v);
}

json_t *mcp_server_call_tool(mcp_server *srv, const char *name, const json_t *args,
                             bool writes_ok, int *rpc_error)
{
    mcp_call *c = mcp_call_new(MCP_CALL_DIRECT, mcp_server_current_registry(srv));
    char *msg = NULL;
    int code = mcp_call_prepare_tool(c, name ? name : "", (json_t *)args,
                                     (writes_ok ? MCP_W_SESSION : 0u) |
                                         (srv->cfg.allow_writes ? MCP_W_SERVER : 0u), &msg);
    free(msg);
    if (code) {
        if (rpc_error)
            *rpc_error = code;
        mcp_call_free(c);
        return NULL;
    }
    if (!c->invalid)
        mcp_call_run(c);
    json_t *r = mcp_call_result(c);
    mcp_call_free(c);
    return r;
}
