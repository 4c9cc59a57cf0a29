/* The Streamable HTTP transport: options, the libmicrohttpd daemon, routing, the checks every
 * request passes first (connection limit, Host/Origin, tokens in the query string, body size,
 * authentication), common responses and the access log (see http.h). The /mcp endpoint itself
 * is in http_mcp.c; /healthz, /metrics and the protected-resource metadata in http_ops.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/http_internal.h"
#include "util/log.h"

#define MOD "http"

/* ---- options --------------------------------------------------------------------------- */

typedef enum { OPT_LISTEN, OPT_STR, OPT_FLAG, OPT_NOFLAG, OPT_UINT, OPT_SIZE } opt_kind;

typedef struct opt_row {
    const char *name;
    opt_kind kind;
    size_t off;
    const char *arg;
    const char *help;
} opt_row;

#define F(field) offsetof(http_config, field)
static const opt_row k_opts[] = {
    {"--http", OPT_LISTEN, 0, "[ADDR:]PORT", "serve MCP over Streamable HTTP (default 127.0.0.1:8808)"},
    {"--http-path", OPT_STR, F(path), "PATH", "endpoint path (default /mcp)"},
    {"--stateless", OPT_FLAG, F(stateless), NULL, "no sessions: every POST stands alone (load balancers)"},
    {"--auth-tokens", OPT_STR, F(tokens_file), "FILE", "static bearer tokens, one per line: TOKEN SCOPE..."},
    {"--jwt-secret-file", OPT_STR, F(jwt_secret_file), "FILE", "HS256 shared secret (or env SWITCHBOARD_JWT_SECRET)"},
    {"--jwt-public-key", OPT_STR, F(jwt_public_key), "FILE", "RS256/ES256 public key (PEM)"},
    {"--jwks", OPT_STR, F(jwks_file), "FILE", "RS256/ES256 keys as a JSON Web Key Set file"},
    {"--jwt-issuer", OPT_STR, F(jwt_issuer), "ISS", "required iss claim"},
    {"--jwt-audience", OPT_STR, F(jwt_audience), "AUD", "required aud claim (default: the resource URL)"},
    {"--resource-url", OPT_STR, F(resource_url), "URL", "public URL of the endpoint (behind a proxy)"},
    {"--authorization-server", OPT_STR, F(authorization_servers), "URL", "OAuth authorization server(s) for the resource metadata"},
    {"--insecure-no-auth", OPT_FLAG, F(insecure_no_auth), NULL, "allow a non-loopback address without authentication"},
    {"--allowed-origins", OPT_STR, F(allowed_origins), "LIST", "Origin allow-list (default: loopback origins)"},
    {"--allowed-hosts", OPT_STR, F(allowed_hosts), "LIST", "Host allow-list (default: loopback names and the bind address)"},
    {"--tls-cert", OPT_STR, F(tls_cert), "FILE", "serve HTTPS with this certificate (PEM)"},
    {"--tls-key", OPT_STR, F(tls_key), "FILE", "private key of --tls-cert (PEM)"},
    {"--max-body", OPT_SIZE, F(max_body), "BYTES", "largest request body (default 4194304)"},
    {"--max-header", OPT_SIZE, F(max_header), "BYTES", "largest request head (default 16384)"},
    {"--max-connections", OPT_UINT, F(max_connections), "N", "concurrent connections (default 256)"},
    {"--max-sessions", OPT_UINT, F(max_sessions), "N", "sessions open at once (default 1024)"},
    {"--max-calls-per-session", OPT_UINT, F(max_calls_per_session), "N", "requests in flight per session (default 16)"},
    {"--request-timeout", OPT_UINT, F(request_timeout_s), "SECONDS", "a request is cancelled after this (default 300)"},
    {"--session-idle-timeout", OPT_UINT, F(session_idle_s), "SECONDS", "idle sessions end after this (default 1800)"},
    {"--sse-keepalive", OPT_UINT, F(sse_keepalive_s), "SECONDS", "comment line on quiet streams (default 15)"},
    {"--io-timeout", OPT_UINT, F(io_timeout_s), "SECONDS", "idle client connections close after this (default 60)"},
    {"--no-access-log", OPT_NOFLAG, F(access_log), NULL, "no access log lines on stderr"},
};
#undef F

void http_config_defaults(http_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->addr = "127.0.0.1";
    cfg->port = 8808;
    cfg->path = "/mcp";
    cfg->max_body = 4u << 20;
    cfg->max_header = 16u << 10;
    cfg->max_connections = 256;
    cfg->max_sessions = 1024;
    cfg->max_calls_per_session = 16;
    cfg->request_timeout_s = 300;
    cfg->session_idle_s = 1800;
    cfg->sse_keepalive_s = 15;
    cfg->io_timeout_s = 60;
    cfg->access_log = true;
}

const char *http_config_usage(void)
{
    static char text[4096];
    if (text[0])
        return text;
    size_t off = 0;
    for (size_t i = 0; i < sizeof k_opts / sizeof k_opts[0] && off < sizeof text; i++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", k_opts[i].name, k_opts[i].arg ? " " : "",
                 k_opts[i].arg ? k_opts[i].arg : "");
        off += (size_t)snprintf(text + off, sizeof text - off, "  %-34s %s\n", left, k_opts[i].help);
    }
    return text;
}

static int parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s)
        return -1;
    unsigned long long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (max - (unsigned)(*p - '0')) / 10)
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    *out = v;
    return 0;
}

/* "[ADDR:]PORT", "[v6]:PORT", "localhost:PORT". */
static int parse_listen(http_config *cfg, const char *v, char *err, size_t errsz)
{
    const char *port = v;
    const char *colon = strrchr(v, ':');
    if (colon) {
        const char *a = v;
        size_t n = (size_t)(colon - v);
        if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
            a++;
            n -= 2;
        }
        if (n == 0 || n >= sizeof cfg->addr_buf) {
            snprintf(err, errsz, "--http: bad address in '%s'", v);
            return -1;
        }
        memcpy(cfg->addr_buf, a, n);
        cfg->addr_buf[n] = '\0';
        if (!strcmp(cfg->addr_buf, "localhost"))
            snprintf(cfg->addr_buf, sizeof cfg->addr_buf, "127.0.0.1");
        cfg->addr = cfg->addr_buf;
        port = colon + 1;
    }
    unsigned long long p;
    if (parse_ulong(port, 65535, &p) < 0) {
        snprintf(err, errsz, "--http: bad port in '%s' (expected [ADDR:]PORT, PORT 0-65535)", v);
        return -1;
    }
    cfg->port = (int)p;
    cfg->enabled = true;
    return 0;
}

int http_config_option(http_config *cfg, int argc, char **argv, int *i, char *err, size_t errsz)
{
    const char *arg = argv[*i];
    for (size_t k = 0; k < sizeof k_opts / sizeof k_opts[0]; k++) {
        const opt_row *o = &k_opts[k];
        size_t n = strlen(o->name);
        if (strncmp(arg, o->name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
            continue;
        char *field = (char *)cfg + o->off;
        if (o->kind == OPT_FLAG || o->kind == OPT_NOFLAG) {
            if (arg[n] == '=') {
                snprintf(err, errsz, "%s takes no value", o->name);
                return -1;
            }
            *(bool *)field = o->kind == OPT_FLAG;
            (*i)++;
            return 1;
        }
        const char *v = arg[n] == '=' ? arg + n + 1 : (*i + 1 < argc ? argv[*i + 1] : NULL);
        if (o->kind == OPT_LISTEN && !v) { /* --http alone: the default address */
            cfg->enabled = true;
            (*i)++;
            return 1;
        }
        if (o->kind == OPT_LISTEN && arg[n] != '=' && v[0] == '-') {
            cfg->enabled = true;
            (*i)++;
            return 1;
        }
        if (!v) {
            snprintf(err, errsz, "%s needs a value (%s)", o->name, o->arg);
            return -1;
        }
        unsigned long long num = 0;
        switch (o->kind) {
        case OPT_LISTEN:
            if (parse_listen(cfg, v, err, errsz) < 0)
                return -1;
            break;
        case OPT_STR:
            *(const char **)field = v;
            break;
        case OPT_UINT:
        case OPT_SIZE:
            if (parse_ulong(v, o->kind == OPT_UINT ? 1000000000ull : (1ull << 40), &num) < 0 ||
                num == 0) {
                snprintf(err, errsz, "%s: '%s' is not a positive number", o->name, v);
                return -1;
            }
            if (o->kind == OPT_UINT)
                *(unsigned *)field = (unsigned)num;
            else
                *(size_t *)field = (size_t)num;
            break;
        default:
            break;
        }
        *i += arg[n] == '=' ? 1 : 2;
        return 1;
    }
    return 0;
}

/* ---- common responses ------------------------------------------------------------------ */

double http_elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void add_cors(struct MHD_Response *resp, const char *origin);

void http_add_common_headers(struct MHD_Response *resp, const http_req *r)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r && r->origin)
        add_cors(resp, r->origin);
}

enum MHD_Result http_respond(struct MHD_Connection *c, http_req *r, int status,
                             const char *content_type, const char *body, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    http_add_common_headers(resp, r);
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    r->status = status;
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result http_respond_rpc_error(struct MHD_Connection *c, http_req *r, int status,
                                       const char *id_json, int code, const char *message)
{
    json_t *msg = json_string(message);
    char *quoted = msg ? json_dumps(msg, JSON_ENCODE_ANY) : NULL;
    json_decref(msg);
    char *body = NULL;
    int n = asprintf(&body, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":{\"code\":%d,\"message\":%s}}",
                     id_json ? id_json : "null", code, quoted ? quoted : "\"error\"");
    free(quoted);
    if (n < 0)
        return MHD_NO;
    enum MHD_Result ret = http_respond(c, r, status, "application/json", body, (size_t)n);
    free(body);
    return ret;
}

enum MHD_Result http_respond_auth(struct http_server *hs, struct MHD_Connection *c, http_req *r,
                                  const http_auth_result *a, unsigned required)
{
    char challenge[1024];
    size_t off = (size_t)snprintf(challenge, sizeof challenge, "Bearer realm=\"switchboard\"");
    if (hs->prm_json)
        off += (size_t)snprintf(challenge + off, sizeof challenge - off,
                                ", resource_metadata=\"%s\"", hs->resource_metadata_url);
    if (a->error)
        off += (size_t)snprintf(challenge + off, sizeof challenge - off, ", error=\"%s\"", a->error);
    if (a->status == 401 || a->status == 403)
        off += (size_t)snprintf(challenge + off, sizeof challenge - off, ", scope=\"%s\"",
                                http_scope_string(required));
    if (a->description && off < sizeof challenge)
        snprintf(challenge + off, sizeof challenge - off, ", error_description=\"%s\"",
                 a->description);
    json_t *body = json_pack("{s:s,s:s}", "error", a->error ? a->error : "unauthorized",
                             "error_description", a->description ? a->description : "");
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        text ? strlen(text) : 0, text ? text : (void *)"", text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    http_add_common_headers(resp, r);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "WWW-Authenticate", challenge);
    r->status = a->status;
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)a->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- routing --------------------------------------------------------------------------- */

static const char *hdr(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static enum MHD_Result find_token_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    (void)value;
    if (key && !strcasecmp(key, "access_token")) {
        *(bool *)cls = true;
        return MHD_NO;
    }
    return MHD_YES;
}

static bool is_mcp_path(const struct http_server *hs, const char *url)
{
    size_t n = strlen(hs->cfg.path);
    return !strncmp(url, hs->cfg.path, n) && (url[n] == '\0' || (url[n] == '/' && url[n + 1] == '\0'));
}

/* CORS for browser clients whose Origin passed the allow-list. */
static void add_cors(struct MHD_Response *resp, const char *origin)
{
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header(resp, "Vary", "Origin");
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", "Mcp-Session-Id, WWW-Authenticate");
}

static enum MHD_Result preflight(struct MHD_Connection *c, http_req *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    http_add_common_headers(resp, r);
    MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
    MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                            "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID");
    MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    r->status = 204;
    enum MHD_Result ret = MHD_queue_response(c, 204, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4; /* "k: v\r\n" */
    return MHD_YES;
}

/* Checks done when the request head has arrived. Returns true when a response was queued. */
static bool early_checks(struct http_server *hs, struct MHD_Connection *c, http_req *r,
                         const char *url, enum MHD_Result *ret)
{
    if (__atomic_load_n(&hs->connections, __ATOMIC_RELAXED) > hs->cfg.max_connections) {
        *ret = http_respond_rpc_error(c, r, 503, NULL, -32603,
                                      "Service Unavailable: too many connections, retry later");
        return true;
    }
    size_t head = strlen(url) + 16;
    MHD_get_connection_values(c, MHD_HEADER_KIND, sum_header, &head);
    if (head > hs->cfg.max_header) {
        char msg[128];
        snprintf(msg, sizeof msg, "Request Header Fields Too Large: the request head is limited "
                                  "to %zu bytes", hs->cfg.max_header);
        *ret = http_respond_rpc_error(c, r, 431, NULL, -32600, msg);
        return true;
    }
    bool health = !strcmp(url, "/healthz");
    if ((!health && !http_guard_host_ok(hs->guard, hdr(c, "Host"))) ||
        !http_guard_origin_ok(hs->guard, hdr(c, "Origin"))) {
        *ret = http_respond_rpc_error(c, r, 403, NULL, -32600,
                                      "Forbidden: Host or Origin not allowed (DNS rebinding protection)");
        return true;
    }
    r->origin = hdr(c, "Origin");
    bool token_in_query = false;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, find_token_arg, &token_in_query);
    if (token_in_query) {
        *ret = http_respond_rpc_error(c, r, 400, NULL, -32600,
                                      "Bad Request: access tokens are refused in the query string; "
                                      "send Authorization: Bearer");
        return true;
    }
    const char *cl = hdr(c, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > hs->cfg.max_body) {
        char msg[128];
        snprintf(msg, sizeof msg, "Payload Too Large: the body limit is %zu bytes", hs->cfg.max_body);
        *ret = http_respond_rpc_error(c, r, 413, NULL, -32600, msg);
        return true;
    }
    return false;
}

static enum MHD_Result route(struct http_server *hs, struct MHD_Connection *c, http_req *r,
                             const char *url, const char *method)
{
    if (r->too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "Payload Too Large: the body limit is %zu bytes", hs->cfg.max_body);
        return http_respond_rpc_error(c, r, 413, NULL, -32600, msg);
    }
    if (!strcmp(method, "OPTIONS"))
        return preflight(c, r);
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!strcmp(url, "/healthz") && get)
        return http_ops_healthz(hs, c, r);
    if (hs->prm_json && get &&
        (!strcmp(url, "/.well-known/oauth-protected-resource") || !strcmp(url, hs->prm_path)))
        return http_ops_prm(hs, c, r);
    unsigned required = !strcmp(url, "/metrics") ? HTTP_SCOPE_ADMIN : HTTP_SCOPE_READ;
    bool mcp = is_mcp_path(hs, url);
    if (!mcp && strcmp(url, "/metrics") != 0)
        return http_respond(c, r, 404, "application/json", "{\"error\":\"not found\"}", 21);
    http_auth_check(hs->auth, hdr(c, "Authorization"), required, &r->auth);
    if (r->auth.status != 0)
        return http_respond_auth(hs, c, r, &r->auth, required);
    if (!mcp)
        return get ? http_ops_metrics(hs, c, r) : http_respond(c, r, 405, NULL, NULL, 0);
    if (!strcmp(method, "POST"))
        return http_mcp_post(hs, c, r);
    if (!strcmp(method, "GET"))
        return http_mcp_get(hs, c, r);
    if (!strcmp(method, "DELETE"))
        return http_mcp_delete(hs, c, r);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    http_add_common_headers(resp, r);
    MHD_add_response_header(resp, "Allow", hs->cfg.stateless ? "POST" : "GET, POST, DELETE");
    r->status = 405;
    enum MHD_Result ret = MHD_queue_response(c, 405, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result http_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct http_server *hs = cls;
    http_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        r->method = method; /* MHD keeps it for the request's life */
        snprintf(r->path, sizeof r->path, "%s", url);
        snprintf(r->auth.who, sizeof r->auth.who, "-");
        sb_buf_init(&r->body, hs->cfg.max_body);
        enum MHD_Result ret = MHD_YES;
        if (early_checks(hs, c, r, url, &ret)) {
            r->rejected = true;
            return ret;
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!r->rejected && !r->too_large &&
            sb_buf_append(&r->body, upload_data, *upload_data_size) < 0) {
            r->too_large = true;
            sb_buf_free(&r->body);
        }
        /* A response cannot be queued mid-upload: the rest is read and dropped so the client
         * gets its 413, but a sender that keeps going past 1 MiB more is cut off. */
        if (r->too_large || r->rejected)
            r->discarded += *upload_data_size;
        *upload_data_size = 0;
        return r->discarded > ((size_t)1 << 20) ? MHD_NO : MHD_YES;
    }
    if (r->rejected)
        return MHD_YES;
    return route(hs, c, r, url, method);
}

/* The access log line: never a token (only the digest prefix in r->auth.who). */
static void access_log(const http_req *r, double secs)
{
    char path[128];
    size_t i = 0;
    for (; r->path[i] && i < sizeof path - 1; i++) {
        unsigned char ch = (unsigned char)r->path[i];
        path[i] = (ch < 0x21 || ch > 0x7e) ? '?' : (char)ch;
    }
    path[i] = '\0';
    sb_info(MOD, "%s %s %d %.2fms sid=%s tool=%s auth=%s", r->method ? r->method : "-", path,
            r->status, secs * 1e3, r->sid[0] ? r->sid : "-", r->tool[0] ? r->tool : "-",
            r->auth.who[0] ? r->auth.who : "-");
}

void http_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    struct http_server *hs = cls;
    http_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    double secs = http_elapsed(&r->start);
    if (r->status == 0)
        r->status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? 200 : 499;
    http_mcp_request_done(hs, r, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
    http_metrics_request(hs->metrics, r->method, r->status, secs);
    if (hs->cfg.access_log)
        access_log(r, secs);
    sb_buf_free(&r->body);
    free(r);
}

void http_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)c;
    (void)socket_context;
    struct http_server *hs = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        __atomic_fetch_add(&hs->connections, 1, __ATOMIC_RELAXED);
    else
        __atomic_fetch_sub(&hs->connections, 1, __ATOMIC_RELAXED);
}

void http_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    sb_debug(MOD, "libmicrohttpd: %s", line);
}
