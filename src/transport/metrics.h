/* Counters of the HTTP transport and their Prometheus text exposition (GET /metrics).
 *
 * Updates are lock-free atomics on fixed arrays (HTTP method x status, latency histograms);
 * tool names get a slot on first use under a mutex, capped at HTTP_METRICS_MAX_TOOLS so a
 * client inventing names cannot grow memory (the rest count under tool="(other)"). */
#ifndef SB_TRANSPORT_METRICS_H
#define SB_TRANSPORT_METRICS_H

#include <stddef.h>

#include "util/buf.h"

#define HTTP_METRICS_MAX_TOOLS 256

typedef struct http_metrics http_metrics;

typedef enum {
    HTTP_OUTCOME_OK = 0,     /* result without isError */
    HTTP_OUTCOME_TOOL_ERROR, /* result with isError: true */
    HTTP_OUTCOME_PROTOCOL,   /* JSON-RPC error response */
    HTTP_OUTCOME_ABANDONED,  /* no response: cancelled, timed out, client gone */
    HTTP_OUTCOME_COUNT
} http_outcome;

http_metrics *http_metrics_new(void);
void http_metrics_free(http_metrics *m);

/* One HTTP request finished: method ("GET", "POST", ...), status, duration in seconds. */
void http_metrics_request(http_metrics *m, const char *method, int status, double seconds);
/* One tools/call finished. tool may be any client-supplied string: names that are not
 * valid tool names count as "(other)". */
void http_metrics_tool_call(http_metrics *m, const char *tool, http_outcome outcome,
                            double seconds);
/* Sessions open (gauge). */
void http_metrics_sessions_add(http_metrics *m, long delta);
long http_metrics_sessions_open(const http_metrics *m);

/* One upstream host's counters (from the connectors' HTTP client). */
typedef struct http_upstream_stat {
    const char *host; /* "pbx.example.com:5001"; escaped when rendered */
    unsigned long requests;
    unsigned long transport_errors; /* no response: DNS, connect, TLS, timeout, cancelled */
    unsigned long status_4xx, status_5xx;
    double seconds_total;
} http_upstream_stat;

/* Values owned elsewhere, rendered alongside. */
typedef struct http_metrics_extra {
    unsigned calls_in_flight;
    const http_upstream_stat *upstreams;
    size_t nupstreams;
} http_metrics_extra;

/* Appends the Prometheus text format (version 0.0.4). Returns 0, or -1 when out is full. */
int http_metrics_render(http_metrics *m, const http_metrics_extra *extra, sb_buf *out);

#endif
