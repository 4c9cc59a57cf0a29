/* Lifecycle of the Streamable HTTP transport: the listening socket, authentication set-up,
 * the refusal to serve a non-loopback address without authentication, TLS, the daemon. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/http_internal.h"
#include "util/log.h"

#define MOD "http"
#define SMALL_FILE_MAX (1u << 20)

static bool is_loopback(const char *addr)
{
    struct in_addr a4;
    if (inet_pton(AF_INET, addr, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return !strcmp(addr, "::1");
}

/* Reads a small file into a NUL-terminated string (free() it); NULL with err. */
static char *read_small_file(const char *path, size_t *len, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    sb_buf b;
    sb_buf_init(&b, SMALL_FILE_MAX);
    char chunk[4096];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = sb_buf_append(&b, chunk, n) == 0;
    fclose(f);
    if (!ok || !b.data) {
        snprintf(err, errsz, "%s is %s", path, ok ? "empty" : "larger than 1 MiB");
        sb_buf_free(&b);
        return NULL;
    }
    return sb_buf_steal(&b, len);
}

static int listen_socket(const char *addr, int port, int *bound, char *err, size_t errsz)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        sl = sizeof *a4;
    } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        sl = sizeof *a6;
    } else {
        snprintf(err, errsz, "'%s' is not an IPv4 or IPv6 address", addr);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 511) < 0) {
        snprintf(err, errsz, "cannot listen on %s port %d: %s", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound = ntohs(ss.ss_family == AF_INET ? a4->sin_port : a6->sin6_port);
    return fd;
}

static http_jwt_verifier *make_jwt(const http_config *cfg, const char *audience, char *err,
                                   size_t errsz, bool *failed)
{
    *failed = false;
    const char *env_secret = getenv("SWITCHBOARD_JWT_SECRET");
    if (!cfg->jwt_secret_file && !env_secret && !cfg->jwt_public_key && !cfg->jwks_file)
        return NULL;
    char *secret = NULL;
    size_t secret_len = 0;
    if (cfg->jwt_secret_file) {
        secret = read_small_file(cfg->jwt_secret_file, &secret_len, err, errsz);
        if (!secret) {
            *failed = true;
            return NULL;
        }
        while (secret_len > 0 && (secret[secret_len - 1] == '\n' || secret[secret_len - 1] == '\r'))
            secret[--secret_len] = '\0';
    } else if (env_secret) {
        secret = strdup(env_secret);
        secret_len = secret ? strlen(secret) : 0;
    }
    if (secret)
        sb_log_add_secret(secret);
    http_jwt_config jc = {
        .hs256_secret = (const unsigned char *)secret,
        .hs256_secret_len = secret_len,
        .public_key_file = cfg->jwt_public_key,
        .jwks_file = cfg->jwks_file,
        .issuer = cfg->jwt_issuer,
        .audience = cfg->jwt_audience ? cfg->jwt_audience : audience,
        .leeway_s = -1,
    };
    http_jwt_verifier *v = http_jwt_verifier_new(&jc, err, errsz);
    if (secret) {
        memset(secret, 0, secret_len);
        free(secret);
    }
    *failed = v == NULL;
    return v;
}

static int setup_auth(struct http_server *hs, char *err, size_t errsz)
{
    bool failed;
    http_jwt_verifier *jwt = make_jwt(&hs->cfg, hs->resource_url, err, errsz, &failed);
    if (failed)
        return -1;
    hs->auth = http_auth_new(hs->cfg.tokens_file, jwt, err, errsz);
    if (!hs->auth)
        return -1;
    if (!http_auth_enabled(hs->auth) && !is_loopback(hs->cfg.addr) && !hs->cfg.insecure_no_auth) {
        snprintf(err, errsz,
                 "refusing to serve %s without authentication: give --auth-tokens FILE or a JWT "
                 "key (--jwt-secret-file, --jwt-public-key, --jwks), or --insecure-no-auth",
                 hs->cfg.addr);
        return -1;
    }
    return 0;
}

static int setup_tls(struct http_server *hs, char *err, size_t errsz)
{
    if (!hs->cfg.tls_cert && !hs->cfg.tls_key)
        return 0;
    if (!hs->cfg.tls_cert || !hs->cfg.tls_key) {
        snprintf(err, errsz, "--tls-cert and --tls-key go together");
        return -1;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errsz, "this libmicrohttpd was built without TLS support");
        return -1;
    }
    size_t n;
    hs->tls_cert_pem = read_small_file(hs->cfg.tls_cert, &n, err, errsz);
    hs->tls_key_pem = hs->tls_cert_pem ? read_small_file(hs->cfg.tls_key, &n, err, errsz) : NULL;
    return hs->tls_key_pem ? 0 : -1;
}

static int start_daemon(struct http_server *hs, int fd, char *err, size_t errsz)
{
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG;
    if (strchr(hs->cfg.addr, ':'))
        flags |= MHD_USE_IPv6;
    if (hs->tls_cert_pem)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, hs->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, hs->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
    hs->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, http_on_request, hs, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, hs, MHD_OPTION_NOTIFY_CONNECTION,
        http_on_connection, hs, MHD_OPTION_CONNECTION_LIMIT, hs->cfg.max_connections + 16,
        MHD_OPTION_CONNECTION_TIMEOUT, hs->cfg.io_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        2 * hs->cfg.max_header + (size_t)32768, MHD_OPTION_EXTERNAL_LOGGER, http_on_mhd_log, NULL,
        MHD_OPTION_ARRAY, hs->tls_cert_pem ? tls_opts : none, MHD_OPTION_END);
    if (!hs->daemon) {
        snprintf(err, errsz, "libmicrohttpd could not start%s",
                 hs->tls_cert_pem ? " (check the TLS certificate and key)" : "");
        close(fd);
        return -1;
    }
    return 0;
}

http_server *http_start(mcp_server *srv, const http_config *cfg, char *err, size_t errsz)
{
    struct http_server *hs = calloc(1, sizeof *hs);
    if (!hs) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    hs->cfg = *cfg;
    if (cfg->addr == cfg->addr_buf)
        hs->cfg.addr = hs->cfg.addr_buf;
    hs->srv = srv;
    pthread_rwlock_init(&hs->sess_mu, NULL);
    if (hs->cfg.path[0] != '/') {
        snprintf(err, errsz, "--http-path must start with /");
        goto fail;
    }
    int fd = listen_socket(hs->cfg.addr, hs->cfg.port, &hs->port, err, errsz);
    if (fd < 0)
        goto fail;
    hs->metrics = http_metrics_new();
    hs->guard = http_guard_new(hs->cfg.allowed_hosts, hs->cfg.allowed_origins, hs->cfg.addr, err,
                               errsz);
    if (!hs->metrics || !hs->guard || setup_tls(hs, err, errsz) < 0 ||
        http_ops_init(hs, err, errsz) < 0 || setup_auth(hs, err, errsz) < 0) {
        close(fd);
        goto fail;
    }
    if (start_daemon(hs, fd, err, errsz) < 0)
        goto fail;
    sb_info(MOD, "listening on %s://%s%s%s:%d%s (%s, auth %s)", hs->tls_cert_pem ? "https" : "http",
            strchr(hs->cfg.addr, ':') ? "[" : "", hs->cfg.addr, strchr(hs->cfg.addr, ':') ? "]" : "",
            hs->port, hs->cfg.path, hs->cfg.stateless ? "stateless" : "sessions",
            http_auth_enabled(hs->auth) ? "on" : "off");
    return hs;
fail:
    http_stop(hs);
    return NULL;
}

int http_port(const http_server *hs) { return hs ? hs->port : -1; }

int http_reload(http_server *hs)
{
    char err[512] = "";
    if (http_auth_reload(hs->auth, err, sizeof err) < 0) {
        sb_error(MOD, "token file not reloaded, the previous tokens stay in force: %s", err);
        return -1;
    }
    sb_info(MOD, "token file reloaded: %zu tokens", http_auth_token_count(hs->auth));
    return 0;
}

void http_sweep(http_server *hs) { http_sessions_sweep(hs, http_now_us()); }

void http_stop(http_server *hs)
{
    if (!hs)
        return;
    __atomic_store_n(&hs->stopping, true, __ATOMIC_SEQ_CST);
    http_sessions_close_all(hs);
    if (hs->daemon)
        MHD_stop_daemon(hs->daemon);
    http_sessions_close_all(hs); /* any created while stopping */
    http_auth_free(hs->auth);
    http_guard_free(hs->guard);
    http_metrics_free(hs->metrics);
    free(hs->resource_url);
    free(hs->resource_metadata_url);
    free(hs->prm_path);
    free(hs->prm_json);
    free(hs->tls_cert_pem);
    if (hs->tls_key_pem) {
        memset(hs->tls_key_pem, 0, strlen(hs->tls_key_pem));
        free(hs->tls_key_pem);
    }
    pthread_rwlock_destroy(&hs->sess_mu);
    free(hs);
}
