/* Shared driver of the ConnexCS fuzz targets (see cx_fuzz.h): an MCP server holding the real
 * cx tool tables, a client whose transport answers from the fuzz input, and the segmenting of
 * the input into upstream answers. */
#include "cx_fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/connexcs/cx_client.h"
#include "connect/http.h"
#include "mcp/mcp_session.h"
#include "tools/cx_internal.h"
#include "util/log.h"

#define CXF_MAX_SEGMENTS 32
#define CXF_MAX_REQUESTS 256 /* per tool call; later requests fail like a dead network */
#define CXF_NOW 1772366400   /* 2026-03-01T12:00:00Z, the tests' "now" */

typedef struct segment {
    const char *p;
    size_t n;
    long status;
} segment;

typedef struct answers {
    segment seg[CXF_MAX_SEGMENTS];
    size_t nseg;
    size_t next;
} answers;

static void split(answers *a, const char *d, size_t n)
{
    static const char sep[] = "\n----\n";
    a->nseg = 0;
    a->next = 0;
    size_t start = 0;
    for (size_t i = 0; i + 6 <= n && a->nseg + 1 < CXF_MAX_SEGMENTS; i++)
        if (!memcmp(d + i, sep, 6)) {
            a->seg[a->nseg++] = (segment){d + start, i - start, 200};
            start = i + 6;
            i += 5;
        }
    a->seg[a->nseg++] = (segment){d + start, n - start, 200};
    for (size_t k = 0; k < a->nseg; k++) {
        segment *s = &a->seg[k];
        if (s->n >= 9 && !memcmp(s->p, "HTTP ", 5) && s->p[8] == '\n') {
            long st = 0;
            for (int j = 5; j < 8; j++)
                st = st * 10 + (s->p[j] >= '0' && s->p[j] <= '9' ? s->p[j] - '0' : 0);
            s->status = st;
            s->p += 9;
            s->n -= 9;
        }
    }
}

/* The transport: request k gets segment k mod count, as cn_http_perform would fill it. */
static int answer(void *ud, const char *method, const char *path, const char *query, const char *body,
                  struct cn_http_response *hr)
{
    (void)method;
    (void)path;
    (void)query;
    (void)body;
    answers *a = ud;
    memset(hr, 0, sizeof *hr);
    sb_buf_init(&hr->body, 64u << 20);
    hr->retry_after_s = -1;
    if (a->next >= CXF_MAX_REQUESTS || !a->nseg) {
        sb_buf_append(&hr->body, "", 0);
        hr->error = CN_HTTP_ERR_CONNECT;
        snprintf(hr->message, sizeof hr->message, "connection refused");
        return -1;
    }
    const segment *s = &a->seg[a->next++ % a->nseg];
    if (s->status == 0) {
        sb_buf_append(&hr->body, "", 0);
        hr->error = CN_HTTP_ERR_TIMEOUT;
        snprintf(hr->message, sizeof hr->message, "timed out");
        return -1;
    }
    if (sb_buf_append(&hr->body, s->p, s->n) < 0)
        sb_buf_append(&hr->body, "", 0);
    hr->status = s->status;
    hr->content_type = strdup(s->n && s->p[0] == '<' ? "text/html" : "application/json");
    if (s->status == 429)
        hr->retry_after_s = 0;
    return 0;
}

static char *b64url(const char *s)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(s), k = 0;
    char *out = malloc(4 * (n / 3 + 1) + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[k++] = tbl[(v >> 18) & 63];
        out[k++] = tbl[(v >> 12) & 63];
        if (i + 1 < n)
            out[k++] = tbl[(v >> 6) & 63];
        if (i + 2 < n)
            out[k++] = tbl[v & 63];
    }
    out[k] = '\0';
    return out;
}

/* A client for the fuzz transport: Basic auth, or a refresh JWT with 1 day left (so the
 * 15-day renewal runs too). */
static cx_client *new_client(bool refresh, answers *a)
{
    cx_config cfg = {0};
    cfg.username = strdup("fuzz@example.com");
    cfg.base_url = strdup("http://127.0.0.1:9/api/cp/");
    cfg.timeout_ms = 1000;
    cfg.max_retry_wait_s = 0;
    cfg.now_override = CXF_NOW;
    if (refresh) {
        char claims[64];
        snprintf(claims, sizeof claims, "{\"exp\":%lld}", (long long)time(NULL) + 86400);
        char *mid = b64url(claims);
        size_t n = (mid ? strlen(mid) : 0) + 64;
        cfg.refresh_token = malloc(n);
        if (cfg.refresh_token)
            snprintf(cfg.refresh_token, n, "eyJhbGciOiJIUzI1NiJ9.%s.c2ln", mid ? mid : "");
        free(mid);
    } else {
        cfg.password = strdup("fuzz-password");
    }
    cx_client *c = cx_client_new(&cfg);
    if (c)
        cx_client_set_transport(c, answer, a);
    return c;
}

typedef struct harness {
    mcp_server *srv;
    cx_family fam;
    cx_client *basic;
    answers ans;
    bool debug;
} harness;

static harness *harness_get(void)
{
    static harness h;
    if (h.srv)
        return &h;
    sb_log_set_level(SB_LOG_OFF);
    h.debug = getenv("CXF_DEBUG") != NULL;
    mcp_server_config cfg = {.workers = 1};
    h.srv = mcp_server_new(&cfg);
    if (!h.srv)
        abort();
    h.basic = new_client(false, &h.ans);
    h.fam.client = h.basic;
    mcp_registry *reg = mcp_server_registry(h.srv);
    int rc = cx_calls_register(reg, &h.fam) | cx_trace_register(reg, &h.fam) |
             cx_customers_register(reg, &h.fam) | cx_stats_register(reg, &h.fam) |
             cx_diag_register(reg, &h.fam) | cx_docs_register(reg, &h.fam);
    if (rc)
        abort();
    return &h;
}

void cxf_run_case(const cxf_case *c, bool refresh, const uint8_t *data, size_t size)
{
    harness *h = harness_get();
    split(&h->ans, (const char *)data, size);
    cx_client *fresh = refresh ? new_client(true, &h->ans) : NULL;
    h->fam.client = refresh ? fresh : h->basic;
    if (!h->fam.client)
        abort();
    json_t *args = json_loads(c->args, 0, NULL);
    int rpc = 0;
    json_t *r = mcp_server_call_tool(h->srv, c->tool, args, false, &rpc);
    if (!r) {
        fprintf(stderr, "cx fuzz: tool %s refused (%d)\n", c->tool, rpc);
        abort(); /* the case table is wrong, not the input */
    }
    char *text = json_dumps(r, JSON_COMPACT); /* the whole result must serialise */
    if (h->debug) /* CXF_DEBUG=1: what each input did (checking seeds by hand) */
        fprintf(stderr, "%s %s -> %zu request(s): %.300s\n", c->tool, c->args, h->ans.next, text ? text : "?");
    free(text);
    json_decref(r);
    json_decref(args);
    h->fam.client = h->basic;
    cx_client_free(fresh);
}

void cxf_run(const cxf_case *cases, size_t n, bool refresh, const uint8_t *data, size_t size)
{
    if (!size || !n)
        return;
    cxf_run_case(&cases[data[0] % n], refresh, data + 1, size - 1);
}
