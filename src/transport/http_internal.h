/* Internals of the Streamable HTTP transport shared by http.c (daemon, routing, options),
 * http_mcp.c (the /mcp endpoint: sessions, calls, SSE) and http_ops.c (health, metrics,
 * protected-resource metadata). Not a public API. */
#ifndef SB_TRANSPORT_HTTP_INTERNAL_H
#define SB_TRANSPORT_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "transport/auth.h"
#include "transport/http.h"
#include "transport/http_guard.h"
#include "transport/metrics.h"
#include "util/buf.h"

#define HTTP_SID_LEN 32 /* hex characters of 16 random bytes */
#define HTTP_SESSION_BUCKETS 256
/* Most bytes queued for one stream before notifications are dropped (the final response is
 * always kept). */
#define HTTP_STREAM_MAX_QUEUED (8u * 1024u * 1024u)

typedef struct http_sess http_sess;

/* One queued outgoing message. */
typedef struct http_msg {
    struct http_msg *next;
    unsigned flags; /* MCP_OUT_* */
    size_t len;
    char json[];
} http_msg;

/* One request fed to the core (the handle the core tags its output with), or a GET stream. */
typedef struct http_call {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;           /* the HTTP request, and the core until FINAL (or session end) */
    http_msg *head, *tail;
    size_t queued_bytes;
    bool final;         /* no more messages will come */
    bool gone;          /* the HTTP side finished; queued output is dropped */
    bool sse;           /* the response is an event stream */
    bool json_only;     /* the client accepts only application/json */
    bool get_stream;    /* the session's GET stream */
    http_sess *sess;
    struct http_call *prev_live, *next_live; /* the session's calls in flight (core refs) */
    sb_buf stage;       /* SSE bytes being written */
    size_t stage_off;
    struct timespec deadline;
    struct timespec next_ping;
    char *id_json;      /* the request id as JSON text (for a timeout error) */
    unsigned keepalive_s;
    bool timed_out;
    bool is_tool, metered; /* a tools/call, and whether it was counted */
    char tool[64];
    struct timespec start; /* CLOCK_MONOTONIC */
    http_metrics *metrics;
} http_call;

struct http_sess {
    char id[HTTP_SID_LEN + 1];
    http_sess *next_bucket;
    struct http_server *hs;
    mcp_session *ms;
    pthread_mutex_t mu;
    int refs;             /* atomic: the table, each request using it, each call */
    bool closed;          /* ended: DELETE, expiry, shutdown */
    bool stateless;
    bool counted;         /* counted in the sessions-open gauge */
    char who[48];         /* the principal that created it */
    unsigned active;      /* atomic: requests in flight (for the per-session limit) */
    uint64_t last_used;   /* atomic: http_now_us() of the last request */
    http_call *live;      /* calls the core still holds */
    http_call *stream;    /* the GET stream, or NULL */
};

struct http_server {
    http_config cfg;
    mcp_server *srv;
    struct MHD_Daemon *daemon;
    int port;
    http_auth *auth;
    http_guard *guard;
    http_metrics *metrics;
    char *resource_url;          /* this endpoint's public URL */
    char *resource_metadata_url; /* its PRM document */
    char *prm_path;              /* the path-specific PRM path */
    char *prm_json;              /* the PRM document, or NULL when none is served */
    char *tls_cert_pem, *tls_key_pem;
    pthread_rwlock_t sess_mu; /* the session table */
    http_sess *buckets[HTTP_SESSION_BUCKETS];
    unsigned nsessions;
    unsigned connections; /* atomic */
    bool stopping;
};

/* Per-HTTP-request state (MHD con_cls). */
typedef struct http_req {
    struct timespec start;
    const char *method;
    char path[128];
    sb_buf body;
    bool too_large;
    size_t discarded; /* body bytes dropped after a rejection or the size limit */
    bool rejected; /* a response was queued on the first call */
    int status;
    char tool[64];
    char sid[12];
    http_auth_result auth;
    http_call *call; /* an SSE stream owned by this request, if any */
    bool is_tool_call;
    bool counted_active; /* holds a slot of the session's concurrency limit */
    bool check_init;     /* a new session's initialize: see whether it failed */
    bool init_failed;
    http_sess *sess; /* session in use (ref held) */
    const char *origin; /* the Origin header (allowed), or NULL; MHD keeps it */
} http_req;

/* ---- http.c: responses ----------------------------------------------------------------- */

/* Queues a response with a body (copied) and the usual headers. */
enum MHD_Result http_respond(struct MHD_Connection *c, http_req *r, int status,
                             const char *content_type, const char *body, size_t len);
/* A JSON-RPC error body {"jsonrpc":"2.0","id":<id_json|null>,"error":{code,message}}. */
enum MHD_Result http_respond_rpc_error(struct MHD_Connection *c, http_req *r, int status,
                                       const char *id_json, int code, const char *message);
/* 401/403/400 with the WWW-Authenticate challenge for an auth result. */
enum MHD_Result http_respond_auth(struct http_server *hs, struct MHD_Connection *c, http_req *r,
                                  const http_auth_result *a, unsigned required);
/* nosniff, and CORS headers for a browser whose Origin passed the allow-list. */
void http_add_common_headers(struct MHD_Response *resp, const http_req *r);
double http_elapsed(const struct timespec *start);

/* ---- http.c: libmicrohttpd callbacks ------------------------------------------------- */

enum MHD_Result http_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version,
                                const char *upload_data, size_t *upload_data_size, void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                       enum MHD_RequestTerminationCode toe);
void http_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe);
void http_on_mhd_log(void *cls, const char *fmt, va_list ap);

/* ---- http_mcp.c: the endpoint ---------------------------------------------------------- */

enum MHD_Result http_mcp_post(struct http_server *hs, struct MHD_Connection *c, http_req *r);
enum MHD_Result http_mcp_get(struct http_server *hs, struct MHD_Connection *c, http_req *r);
enum MHD_Result http_mcp_delete(struct http_server *hs, struct MHD_Connection *c, http_req *r);
/* The request finished (MHD completed callback): releases what it held. */
void http_mcp_request_done(struct http_server *hs, http_req *r, bool client_gone);
void http_sessions_sweep(struct http_server *hs, uint64_t now_us);
/* A monotonic clock in microseconds. */
uint64_t http_now_us(void);
void http_sessions_close_all(struct http_server *hs);

/* ---- http_ops.c: operations endpoints -------------------------------------------------- */

enum MHD_Result http_ops_healthz(struct http_server *hs, struct MHD_Connection *c, http_req *r);
enum MHD_Result http_ops_metrics(struct http_server *hs, struct MHD_Connection *c, http_req *r);
enum MHD_Result http_ops_prm(struct http_server *hs, struct MHD_Connection *c, http_req *r);
/* Builds resource_url, resource_metadata_url, prm_path and prm_json from the configuration. */
int http_ops_init(struct http_server *hs, char *err, size_t errsz);

#endif
