/* The HTTP client every connector uses, over libcurl.
 * One call performs one request with a total timeout, a connect timeout, a response size cap
 * and cancellation (a flag polled during the transfer), and classifies failures so connectors
 * can give actionable messages (DNS, connect, TLS, timeout, ...). Connections are reused across
 * calls and threads. TLS verification is on unless the request says otherwise. */
#ifndef SB_CONNECT_HTTP_H
#define SB_CONNECT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

typedef enum {
    CN_HTTP_OK = 0,        /* a response arrived (any status) */
    CN_HTTP_ERR_DNS,       /* the host name did not resolve */
    CN_HTTP_ERR_CONNECT,   /* refused or unreachable */
    CN_HTTP_ERR_TLS,       /* handshake or certificate verification failed */
    CN_HTTP_ERR_TIMEOUT,   /* no complete answer within the timeout */
    CN_HTTP_ERR_CANCELLED, /* the cancel flag was raised */
    CN_HTTP_ERR_TOO_LARGE, /* the response body passed max_response */
    CN_HTTP_ERR_OTHER,
} cn_http_error;

typedef struct cn_http_request {
    const char *method;           /* "GET" (default), "POST", "PATCH", "DELETE", ... */
    const char *url;
    const char *const *headers;   /* "Name: value" strings, NULL-terminated; may be NULL */
    const char *body;             /* may be NULL */
    size_t body_len;
    long timeout_ms;              /* total; default 30000 */
    long connect_timeout_ms;      /* default 5000 */
    size_t max_response;          /* default 64 MiB */
    const volatile int *cancel;   /* non-zero = abort; may be NULL */
    const char *ca_file;          /* extra CA bundle for TLS verification; may be NULL */
    bool insecure;                /* skip TLS verification (never the default) */
} cn_http_request;

#define CN_HTTP_MAX_RESPONSE_HEADERS 32

typedef struct cn_http_response {
    long status;                  /* HTTP status, 0 when no response */
    sb_buf body;                  /* NUL-terminated */
    char *content_type;           /* or NULL */
    long retry_after_s;           /* Retry-After in seconds, -1 when absent */
    cn_http_error error;
    char message[256];            /* a human-readable reason when error != CN_HTTP_OK */
    double elapsed_s;
    char *header_names[CN_HTTP_MAX_RESPONSE_HEADERS];   /* lower-cased */
    char *header_values[CN_HTTP_MAX_RESPONSE_HEADERS];
    size_t nheaders;
} cn_http_response;

/* Call once at start (not thread-safe) and once at exit. */
int cn_http_global_init(void);
void cn_http_global_cleanup(void);

/* Performs the request; fills resp (always cn_http_response_free() it). Returns 0 when a
 * response arrived, -1 otherwise (resp->error and resp->message say why). */
int cn_http_perform(const cn_http_request *req, cn_http_response *resp);
void cn_http_response_free(cn_http_response *resp);
/* A response header by name (case-insensitive), or NULL. */
const char *cn_http_response_header(const cn_http_response *resp, const char *name);

/* Counters per upstream host since start, for the metrics endpoint. */
typedef struct cn_http_host_stats {
    char host[128];               /* "pbx.example.com:5001" */
    unsigned long requests;
    unsigned long transport_errors; /* no response: DNS, connect, TLS, timeout, cancelled */
    unsigned long status_4xx;
    unsigned long status_5xx;
    double seconds_total;
} cn_http_host_stats;

/* Copies up to max entries into out; returns how many. Thread-safe. */
size_t cn_http_stats(cn_http_host_stats *out, size_t max);

/* Percent-encodes s for use in a URL query component (RFC 3986 unreserved kept). free() it. */
char *cn_url_encode(const char *s);

#endif
