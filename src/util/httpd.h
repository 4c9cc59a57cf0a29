/* A small HTTP server wrapper over libmicrohttpd for the simulators and test servers.
 * One handler function answers every request; it may block (each connection has its own
 * thread), so a simulator can model a slow upstream. Request bodies are capped; the raw
 * request target (path and undecoded query) is kept for request logs.
 * (The MCP Streamable HTTP transport needs streaming and uses libmicrohttpd directly.) */
#ifndef SB_UTIL_HTTPD_H
#define SB_UTIL_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

typedef struct sb_httpd sb_httpd;

typedef struct sb_http_request {
    const char *method;  /* "GET", "POST", ... */
    const char *target;  /* raw request target as sent: "/xapi/v1/Users?$filter=..." */
    const char *path;    /* decoded path without the query: "/xapi/v1/Users" */
    const char *body;    /* NUL-terminated; body_len bytes (may contain NULs) */
    size_t body_len;
    const char *remote_addr; /* "127.0.0.1" */
    void *internal;
} sb_http_request;

/* A request header (case-insensitive name), or NULL. */
const char *sb_http_header(const sb_http_request *req, const char *name);
/* A query argument, percent-decoded, or NULL. */
const char *sb_http_query(const sb_http_request *req, const char *name);
/* Calls fn for each query argument in order (decoded); stops when fn returns non-zero. */
void sb_http_query_each(const sb_http_request *req,
                        int (*fn)(void *ud, const char *name, const char *value), void *ud);

#define SB_HTTP_MAX_RESPONSE_HEADERS 16

typedef struct sb_http_response {
    int status;               /* default 200 */
    const char *content_type; /* default "application/json" (static string) */
    sb_buf body;              /* capped at 512 MiB */
    char *header_names[SB_HTTP_MAX_RESPONSE_HEADERS];
    char *header_values[SB_HTTP_MAX_RESPONSE_HEADERS];
    size_t nheaders;
    bool close;               /* drop the connection without a response (fault injection) */
} sb_http_response;

void sb_http_set_header(sb_http_response *resp, const char *name, const char *value);

typedef void (*sb_http_handler)(void *ud, const sb_http_request *req, sb_http_response *resp);

/* Starts serving on addr ("127.0.0.1", "::1") and port (0 = an ephemeral port). Request bodies
 * over max_body get 413 without calling the handler. NULL on failure (logged). */
sb_httpd *sb_httpd_start(const char *addr, int port, size_t max_body, sb_http_handler handler,
                         void *ud);
int sb_httpd_port(const sb_httpd *srv);
/* Stops accepting, waits for running handlers, frees everything. */
void sb_httpd_stop(sb_httpd *srv);

#endif
