/* Prometheus counters for the HTTP transport (see metrics.h). */
#include "transport/metrics.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Histogram upper bounds in seconds (the +Inf bucket is implicit). */
static const double k_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10,  30};
#define NBOUNDS (sizeof k_bounds / sizeof k_bounds[0])

typedef struct histogram {
    uint64_t buckets[NBOUNDS + 1]; /* non-cumulative; the last is +Inf */
    uint64_t count;
    uint64_t sum_ns;
} histogram;

static const char *const k_methods[] = {"GET", "POST", "DELETE", "OPTIONS", "HEAD", "other"};
#define NMETHODS (sizeof k_methods / sizeof k_methods[0])
#define STATUS_MIN 100
#define STATUS_MAX 599

static const char *const k_outcomes[HTTP_OUTCOME_COUNT] = {"ok", "tool_error", "protocol_error",
                                                           "abandoned"};

typedef struct tool_slot {
    char *name;
    uint64_t outcomes[HTTP_OUTCOME_COUNT];
    histogram latency;
} tool_slot;

struct http_metrics {
    uint64_t requests[NMETHODS][STATUS_MAX - STATUS_MIN + 1];
    histogram req_latency[NMETHODS];
    pthread_mutex_t tools_lock;
    tool_slot tools[HTTP_METRICS_MAX_TOOLS + 1]; /* the last is "(other)" */
    size_t ntools;                               /* published with release ordering */
    long sessions;
};

static void inc(uint64_t *p, uint64_t v) { __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
static uint64_t get(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

static void observe(histogram *h, double seconds)
{
    size_t i = 0;
    while (i < NBOUNDS && seconds > k_bounds[i])
        i++;
    inc(&h->buckets[i], 1);
    inc(&h->count, 1);
    inc(&h->sum_ns, seconds > 0 ? (uint64_t)(seconds * 1e9) : 0);
}

http_metrics *http_metrics_new(void)
{
    http_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->tools_lock, NULL);
    m->tools[HTTP_METRICS_MAX_TOOLS].name = strdup("(other)");
    if (!m->tools[HTTP_METRICS_MAX_TOOLS].name) {
        free(m);
        return NULL;
    }
    return m;
}

void http_metrics_free(http_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i <= HTTP_METRICS_MAX_TOOLS; i++)
        free(m->tools[i].name);
    pthread_mutex_destroy(&m->tools_lock);
    free(m);
}

static size_t method_index(const char *method)
{
    for (size_t i = 0; i + 1 < NMETHODS; i++)
        if (method && strcmp(method, k_methods[i]) == 0)
            return i;
    return NMETHODS - 1;
}

void http_metrics_request(http_metrics *m, const char *method, int status, double seconds)
{
    if (!m)
        return;
    size_t mi = method_index(method);
    if (status < STATUS_MIN || status > STATUS_MAX)
        status = 500;
    inc(&m->requests[mi][status - STATUS_MIN], 1);
    observe(&m->req_latency[mi], seconds);
}

static bool valid_tool_name(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok || n >= 128)
            return false;
    }
    return n > 0;
}

/* The slot for a tool name, created on first use; "(other)" when full or invalid. */
static tool_slot *tool_slot_for(http_metrics *m, const char *tool)
{
    tool_slot *other = &m->tools[HTTP_METRICS_MAX_TOOLS];
    if (!tool || !valid_tool_name(tool))
        return other;
    size_t n = __atomic_load_n(&m->ntools, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < n; i++)
        if (strcmp(m->tools[i].name, tool) == 0)
            return &m->tools[i];
    tool_slot *slot = other;
    pthread_mutex_lock(&m->tools_lock);
    n = m->ntools;
    for (size_t i = 0; i < n; i++)
        if (strcmp(m->tools[i].name, tool) == 0) {
            slot = &m->tools[i];
            goto out;
        }
    if (n < HTTP_METRICS_MAX_TOOLS && (m->tools[n].name = strdup(tool)) != NULL) {
        slot = &m->tools[n];
        __atomic_store_n(&m->ntools, n + 1, __ATOMIC_RELEASE);
    }
out:
    pthread_mutex_unlock(&m->tools_lock);
    return slot;
}

void http_metrics_tool_call(http_metrics *m, const char *tool, http_outcome outcome,
                            double seconds)
{
    if (!m || outcome >= HTTP_OUTCOME_COUNT)
        return;
    tool_slot *slot = tool_slot_for(m, tool);
    inc(&slot->outcomes[outcome], 1);
    observe(&slot->latency, seconds);
}

void http_metrics_sessions_add(http_metrics *m, long delta)
{
    if (m)
        __atomic_fetch_add(&m->sessions, delta, __ATOMIC_RELAXED);
}

long http_metrics_sessions_open(const http_metrics *m)
{
    return m ? __atomic_load_n(&m->sessions, __ATOMIC_RELAXED) : 0;
}

/* ---- exposition ------------------------------------------------------------------------ */

static int render_histogram(sb_buf *out, const char *name, const char *label, const char *value,
                            const histogram *h)
{
    uint64_t cum = 0;
    int rc = 0;
    for (size_t i = 0; i <= NBOUNDS; i++) {
        cum += get(&h->buckets[i]);
        if (i < NBOUNDS)
            rc |= sb_buf_printf(out, "%s_bucket{%s=\"%s\",le=\"%g\"} %llu\n", name, label, value,
                                k_bounds[i], (unsigned long long)cum);
        else
            rc |= sb_buf_printf(out, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %llu\n", name, label,
                                value, (unsigned long long)cum);
    }
    rc |= sb_buf_printf(out, "%s_sum{%s=\"%s\"} %.6f\n", name, label, value,
                        (double)get(&h->sum_ns) / 1e9);
    rc |= sb_buf_printf(out, "%s_count{%s=\"%s\"} %llu\n", name, label, value,
                        (unsigned long long)get(&h->count));
    return rc;
}

static int render_requests(http_metrics *m, sb_buf *out)
{
    int rc = sb_buf_puts(out, "# HELP switchboard_http_requests_total HTTP requests by method and "
                              "status code.\n# TYPE switchboard_http_requests_total counter\n");
    for (size_t mi = 0; mi < NMETHODS; mi++)
        for (int s = STATUS_MIN; s <= STATUS_MAX; s++) {
            uint64_t v = get(&m->requests[mi][s - STATUS_MIN]);
            if (v)
                rc |= sb_buf_printf(out, "switchboard_http_requests_total{method=\"%s\",code=\"%d\"} %llu\n",
                                    k_methods[mi], s, (unsigned long long)v);
        }
    rc |= sb_buf_puts(out, "# HELP switchboard_http_request_duration_seconds Time from request "
                           "to the end of the response.\n"
                           "# TYPE switchboard_http_request_duration_seconds histogram\n");
    for (size_t mi = 0; mi < NMETHODS; mi++)
        if (get(&m->req_latency[mi].count))
            rc |= render_histogram(out, "switchboard_http_request_duration_seconds", "method",
                                   k_methods[mi], &m->req_latency[mi]);
    return rc;
}

static int render_tool(sb_buf *out, const tool_slot *t)
{
    int rc = 0;
    for (int o = 0; o < HTTP_OUTCOME_COUNT; o++) {
        uint64_t v = get(&t->outcomes[o]);
        if (v)
            rc |= sb_buf_printf(out, "switchboard_tool_calls_total{tool=\"%s\",outcome=\"%s\"} %llu\n",
                                t->name, k_outcomes[o], (unsigned long long)v);
    }
    return rc;
}

static int render_tools(http_metrics *m, sb_buf *out)
{
    size_t n = __atomic_load_n(&m->ntools, __ATOMIC_ACQUIRE);
    const tool_slot *other = &m->tools[HTTP_METRICS_MAX_TOOLS];
    int rc = sb_buf_puts(out, "# HELP switchboard_tool_calls_total tools/call requests by tool and "
                              "outcome.\n# TYPE switchboard_tool_calls_total counter\n");
    for (size_t i = 0; i < n; i++)
        rc |= render_tool(out, &m->tools[i]);
    rc |= render_tool(out, other);
    rc |= sb_buf_puts(out, "# HELP switchboard_tool_call_duration_seconds Time from tools/call "
                           "to its result.\n"
                           "# TYPE switchboard_tool_call_duration_seconds histogram\n");
    for (size_t i = 0; i < n; i++)
        rc |= render_histogram(out, "switchboard_tool_call_duration_seconds", "tool",
                               m->tools[i].name, &m->tools[i].latency);
    if (get(&other->latency.count))
        rc |= render_histogram(out, "switchboard_tool_call_duration_seconds", "tool", other->name,
                               &other->latency);
    return rc;
}

/* A label value with \\, " and newlines escaped (Prometheus text format). */
static int put_label(sb_buf *out, const char *v)
{
    int rc = 0;
    for (const char *p = v; *p; p++) {
        if (*p == '\\' || *p == '"')
            rc |= sb_buf_putc(out, '\\') | sb_buf_putc(out, *p);
        else if (*p == '\n')
            rc |= sb_buf_puts(out, "\\n");
        else
            rc |= sb_buf_putc(out, *p);
    }
    return rc;
}

static int upstream_line(sb_buf *out, const char *name, const char *host, const char *kind,
                         const char *fmt_value, double v)
{
    int rc = sb_buf_printf(out, "%s{host=\"", name);
    rc |= put_label(out, host);
    if (kind)
        rc |= sb_buf_printf(out, "\",kind=\"%s", kind);
    rc |= sb_buf_puts(out, "\"} ");
    rc |= sb_buf_printf(out, fmt_value, v);
    rc |= sb_buf_putc(out, '\n');
    return rc;
}

static int render_upstreams(sb_buf *out, const http_metrics_extra *extra)
{
    int rc = sb_buf_puts(out,
        "# HELP switchboard_upstream_requests_total Requests to upstream APIs by host.\n"
        "# TYPE switchboard_upstream_requests_total counter\n");
    for (size_t i = 0; i < extra->nupstreams; i++)
        rc |= upstream_line(out, "switchboard_upstream_requests_total", extra->upstreams[i].host,
                            NULL, "%.0f", (double)extra->upstreams[i].requests);
    rc |= sb_buf_puts(out,
        "# HELP switchboard_upstream_errors_total Upstream requests that failed: kind=transport "
        "(no response), 4xx, 5xx.\n# TYPE switchboard_upstream_errors_total counter\n");
    for (size_t i = 0; i < extra->nupstreams; i++) {
        const http_upstream_stat *u = &extra->upstreams[i];
        rc |= upstream_line(out, "switchboard_upstream_errors_total", u->host, "transport", "%.0f",
                            (double)u->transport_errors);
        rc |= upstream_line(out, "switchboard_upstream_errors_total", u->host, "4xx", "%.0f",
                            (double)u->status_4xx);
        rc |= upstream_line(out, "switchboard_upstream_errors_total", u->host, "5xx", "%.0f",
                            (double)u->status_5xx);
    }
    rc |= sb_buf_puts(out,
        "# HELP switchboard_upstream_seconds_total Time spent in upstream requests by host.\n"
        "# TYPE switchboard_upstream_seconds_total counter\n");
    for (size_t i = 0; i < extra->nupstreams; i++)
        rc |= upstream_line(out, "switchboard_upstream_seconds_total", extra->upstreams[i].host,
                            NULL, "%.6f", extra->upstreams[i].seconds_total);
    return rc;
}

int http_metrics_render(http_metrics *m, const http_metrics_extra *extra, sb_buf *out)
{
    int rc = render_requests(m, out);
    rc |= render_tools(m, out);
    rc |= sb_buf_printf(out, "# HELP switchboard_sessions_open MCP sessions open.\n"
                             "# TYPE switchboard_sessions_open gauge\nswitchboard_sessions_open %ld\n",
                        http_metrics_sessions_open(m));
    if (extra) {
        rc |= sb_buf_printf(out, "# HELP switchboard_calls_in_flight Handler calls queued or running.\n"
                                 "# TYPE switchboard_calls_in_flight gauge\nswitchboard_calls_in_flight %u\n",
                            extra->calls_in_flight);
        rc |= render_upstreams(out, extra);
    }
    return rc ? -1 : 0;
}
