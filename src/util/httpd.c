/* A small HTTP server wrapper over libmicrohttpd for the simulators and test servers
 * (see httpd.h). Each connection has its own thread, so a handler may block to model a slow
 * upstream without holding up other clients. */
#include "util/httpd.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/log.h"

#define HTTPD_MAX_RESPONSE (512u * 1024 * 1024)

struct sb_httpd {
    struct MHD_Daemon *daemon;
    sb_http_handler handler;
    void *ud;
    size_t max_body;
    int port;
};

/* Per-request state, created by the URI log callback before anything else runs. */
typedef struct request_state {
    char *target;
    sb_buf body;
    int too_large;
    int headers_seen; /* the first handler call carries only the headers */
} request_state;

typedef struct query_walk {
    int (*fn)(void *ud, const char *name, const char *value);
    void *ud;
} query_walk;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    sb_httpd *srv = cls;
    request_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->target = strdup(uri ? uri : "/");
    sb_buf_init(&st->body, srv->max_body);
    return st;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    request_state *st = *req_cls;
    if (!st)
        return;
    free(st->target);
    sb_buf_free(&st->body);
    free(st);
    *req_cls = NULL;
}

const char *sb_http_header(const sb_http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->internal, MHD_HEADER_KIND, name);
}

const char *sb_http_query(const sb_http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->internal, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result query_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    query_walk *w = cls;
    return w->fn(w->ud, key, value ? value : "") ? MHD_NO : MHD_YES;
}

void sb_http_query_each(const sb_http_request *req,
                        int (*fn)(void *ud, const char *name, const char *value), void *ud)
{
    query_walk w = {fn, ud};
    MHD_get_connection_values(req->internal, MHD_GET_ARGUMENT_KIND, query_iter, &w);
}

void sb_http_set_header(sb_http_response *resp, const char *name, const char *value)
{
    if (resp->nheaders >= SB_HTTP_MAX_RESPONSE_HEADERS)
        return;
    resp->header_names[resp->nheaders] = strdup(name);
    resp->header_values[resp->nheaders] = strdup(value);
    resp->nheaders++;
}

static void response_free(sb_http_response *resp)
{
    sb_buf_free(&resp->body);
    for (size_t i = 0; i < resp->nheaders; i++) {
        free(resp->header_names[i]);
        free(resp->header_values[i]);
    }
}

static enum MHD_Result send_response(struct MHD_Connection *conn, sb_http_response *resp)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body.len, resp->body.data ? resp->body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type ? resp->content_type : "application/json");
    for (size_t i = 0; i < resp->nheaders; i++)
        if (resp->header_names[i] && resp->header_values[i])
            MHD_add_response_header(r, resp->header_names[i], resp->header_values[i]);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ok;
}

static void split_path(const char *target, char *path, size_t size)
{
    size_t n = strcspn(target, "?");
    if (n >= size)
        n = size - 1;
    memcpy(path, target, n);
    path[n] = '\0';
    MHD_http_unescape(path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    sb_httpd *srv = cls;
    request_state *st = *req_cls;
    if (!st)
        return MHD_NO;
    if (!st->headers_seen) {
        st->headers_seen = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->too_large && sb_buf_append(&st->body, upload_data, *upload_data_size) < 0)
            st->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    sb_http_response resp = {.status = 200};
    sb_buf_init(&resp.body, HTTPD_MAX_RESPONSE);
    if (st->too_large) {
        resp.status = 413;
        sb_buf_puts(&resp.body, "{\"error\":\"request body too large\"}");
    } else {
        char path[4096];
        split_path(st->target, path, sizeof path);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char addr[INET6_ADDRSTRLEN] = "";
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
                          sizeof addr);
        }
        sb_http_request req = {
            .method = method,
            .target = st->target,
            .path = path,
            .body = st->body.data ? st->body.data : "",
            .body_len = st->body.len,
            .remote_addr = addr,
            .internal = conn,
        };
        srv->handler(srv->ud, &req, &resp);
    }
    enum MHD_Result rc = resp.close ? MHD_NO : send_response(conn, &resp);
    response_free(&resp);
    return rc;
}

static int make_sockaddr(const char *addr, int port, struct sockaddr_storage *ss, int *ipv6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *ipv6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *ipv6 = 1;
        return 0;
    }
    return -1;
}

sb_httpd *sb_httpd_start(const char *addr, int port, size_t max_body, sb_http_handler handler,
                         void *ud)
{
    struct sockaddr_storage ss;
    int ipv6 = 0;
    if (port < 0 || port > 65535 || make_sockaddr(addr ? addr : "127.0.0.1", port, &ss, &ipv6) < 0) {
        sb_error("httpd", "cannot listen on %s:%d: not a numeric address and port", addr, port);
        return NULL;
    }
    sb_httpd *srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->handler = handler;
    srv->ud = ud;
    srv->max_body = max_body;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     (ipv6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
    if (!srv->daemon) {
        sb_error("httpd", "cannot listen on %s:%d", addr, port);
        free(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : port;
    return srv;
}

int sb_httpd_port(const sb_httpd *srv) { return srv->port; }

void sb_httpd_stop(sb_httpd *srv)
{
    if (!srv)
        return;
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
