/* The MCP Streamable HTTP transport (2025-11-25 rules) on libmicrohttpd.
 *
 * One endpoint (default /mcp): POST carries one JSON-RPC message; a request is answered with
 * application/json, or with a text/event-stream when the call sends progress, log messages or
 * an elicitation request before its result; notifications and responses get 202. GET opens the
 * session's server-to-client SSE stream; DELETE ends the session. Sessions (Mcp-Session-Id,
 * unguessable, idle expiry) or --stateless (a fresh core session per POST). Around it: the
 * Host/Origin allow-list (403), bearer tokens and JWTs with scopes (401/403), OAuth Protected
 * Resource Metadata, /healthz, /metrics, limits with clear errors, optional TLS, an access log
 * on stderr that never shows a token.
 *
 * `switchboard serve --http` runs it through http_cli_run()/http_cli_stop() (a row of
 * cli_serve_modes[]); embedding code uses http_config_defaults(), http_config_option() and
 * http_start()/http_stop(). */
#ifndef SB_TRANSPORT_HTTP_H
#define SB_TRANSPORT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "mcp/mcp_session.h"

typedef struct http_config {
    bool enabled;              /* --http was given */
    char addr_buf[64];         /* storage for an address parsed out of --http */
    const char *addr;          /* bind address; default "127.0.0.1" */
    int port;                  /* default 8808; 0 = ephemeral (printed on stderr) */
    const char *path;          /* MCP endpoint path; default "/mcp" */
    bool stateless;            /* --stateless: no sessions, GET/DELETE 405 */
    /* authentication */
    const char *tokens_file;      /* --auth-tokens FILE */
    const char *jwt_secret_file;  /* --jwt-secret-file FILE (or env SWITCHBOARD_JWT_SECRET) */
    const char *jwt_public_key;   /* --jwt-public-key FILE (PEM) */
    const char *jwks_file;        /* --jwks FILE */
    const char *jwt_issuer;       /* --jwt-issuer ISS */
    const char *jwt_audience;     /* --jwt-audience AUD; default the resource URL */
    const char *resource_url;     /* --resource-url URL: this endpoint's public URL */
    const char *authorization_servers; /* --authorization-server URL (comma-separated) */
    bool insecure_no_auth;        /* --insecure-no-auth */
    /* access control */
    const char *allowed_origins; /* --allowed-origins LIST */
    const char *allowed_hosts;   /* --allowed-hosts LIST */
    /* TLS */
    const char *tls_cert, *tls_key; /* --tls-cert FILE --tls-key FILE */
    /* limits */
    size_t max_body;             /* --max-body BYTES; default 4 MiB */
    size_t max_header;           /* --max-header BYTES (whole request head); default 16 KiB */
    unsigned max_connections;    /* --max-connections N; default 256 */
    unsigned max_sessions;       /* --max-sessions N; default 1024 */
    unsigned max_calls_per_session; /* --max-calls-per-session N; default 16 */
    unsigned request_timeout_s;  /* --request-timeout S; default 300 */
    unsigned session_idle_s;     /* --session-idle-timeout S; default 1800 */
    unsigned sse_keepalive_s;    /* --sse-keepalive S; default 15 */
    unsigned io_timeout_s;       /* --io-timeout S: idle client connection; default 60 */
    bool access_log;             /* default true; --no-access-log */
} http_config;

void http_config_defaults(http_config *cfg);

/* Consumes the HTTP option at argv[*i] (and its value): returns 1 and advances *i past it, 0
 * when argv[*i] is not an HTTP option, -1 with a message in err for a bad value. "--http
 * [ADDR:]PORT" is among them. */
int http_config_option(http_config *cfg, int argc, char **argv, int *i, char *err, size_t errsz);

/* The option list for --help, one option per line. */
const char *http_config_usage(void);

typedef struct http_server http_server;

/* Starts listening. NULL with a reason in err (bad address, port in use, non-loopback without
 * authentication, unreadable key files, TLS not available, ...). */
http_server *http_start(mcp_server *srv, const http_config *cfg, char *err, size_t errsz);
/* The bound port (useful with port 0). */
int http_port(const http_server *hs);
/* Re-reads the token file (what SIGHUP does). 0 or -1 (the old tokens stay). */
int http_reload(http_server *hs);
/* Expires idle sessions; http_cli_run() calls it every second. */
void http_sweep(http_server *hs);
/* Stops accepting, ends every session and stream, frees everything. */
void http_stop(http_server *hs);

/* The serve mode for src/cli/serve.c: reads the HTTP options from serve's argv (others are
 * left to serve), starts, prints "switchboard: listening on port N" on stderr, expires idle
 * sessions every second and returns when http_cli_stop() is called (0), or 2 for a bad option,
 * 1 when the server could not start. http_cli_reload() re-reads the token file (SIGHUP). */
struct sb_options;
int http_cli_run(mcp_server *srv, int argc, char **argv, const struct sb_options *opt);
void http_cli_stop(void);
void http_cli_reload(void);
/* The usage line of the serve mode (the option list: http_config_usage(), docs/http.md). */
#define HTTP_CLI_USAGE                                                                        \
    "  --http [ADDR:]PORT   serve MCP over Streamable HTTP (default 127.0.0.1:8808, path /mcp);\n" \
    "                       its options (--stateless, --auth-tokens, --jwks, ...): docs/http.md\n"

#endif
