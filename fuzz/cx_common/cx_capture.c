/* Seeds the cx fuzz corpora from a real upstream (the ConnexCS simulator): runs one tool call
 * with the fuzz targets' own client, whose transport forwards each request over HTTP (Basic
 * auth) and records every answer, then writes the seed in the targets' input format (selector
 * byte, answers split by "\n----\n", "HTTP nnn\n" before a non-200 answer).
 * Usage: cx_fuzz_capture BASE_URL USER PASSWORD OUT_FILE SELECTOR TOOL ARGS_JSON */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/connexcs/cx_client.h"
#include "connect/http.h"
#include "mcp/mcp_session.h"
#include "tools/cx_internal.h"
#include "util/log.h"

typedef struct recorder {
    const char *base, *auth;
    sb_buf out;
    unsigned n;
} recorder;

static int forward(void *ud, const char *method, const char *path, const char *query, const char *body,
                   struct cn_http_response *hr)
{
    recorder *r = ud;
    char url[4096];
    snprintf(url, sizeof url, "%s%s%s%s", r->base, path, query && *query ? "?" : "", query && *query ? query : "");
    const char *headers[] = {"Accept: application/json", r->auth, body ? "Content-Type: application/json" : NULL,
                             NULL};
    cn_http_request rq = {.method = method, .url = url, .headers = headers, .body = body,
                          .body_len = body ? strlen(body) : 0, .timeout_ms = 30000};
    int rc = cn_http_perform(&rq, hr);
    if (r->n++)
        sb_buf_puts(&r->out, "\n----\n");
    if (rc != 0)
        sb_buf_puts(&r->out, "HTTP 000\n");
    else if (hr->status != 200)
        sb_buf_printf(&r->out, "HTTP %03ld\n", hr->status % 1000);
    if (rc == 0)
        sb_buf_append(&r->out, hr->body.data, hr->body.len);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: %s BASE_URL USER PASSWORD OUT_FILE SELECTOR TOOL ARGS_JSON\n", argv[0]);
        return 2;
    }
    cn_http_global_init();
    sb_log_set_level(SB_LOG_ERROR);
    char auth[512], cred[256];
    snprintf(cred, sizeof cred, "%s:%s", argv[2], argv[3]);
    /* Basic credentials: base64 by hand (no product helper is public) */
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(cred), k = (size_t)snprintf(auth, sizeof auth, "Authorization: Basic ");
    for (size_t i = 0; i < n && k + 5 < sizeof auth; i += 3) {
        unsigned v = (unsigned)(unsigned char)cred[i] << 16 | (i + 1 < n ? (unsigned)(unsigned char)cred[i + 1] << 8 : 0) |
                     (i + 2 < n ? (unsigned char)cred[i + 2] : 0);
        auth[k++] = tbl[v >> 18 & 63];
        auth[k++] = tbl[v >> 12 & 63];
        auth[k++] = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        auth[k++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    auth[k] = '\0';
    recorder rec = {.base = argv[1], .auth = auth};
    sb_buf_init(&rec.out, 64u << 20);
    sb_buf_append(&rec.out, argv[5], 1);
    cx_config cfg = {.username = strdup(argv[2]), .password = strdup(argv[3]), .base_url = strdup(argv[1]),
                     .timeout_ms = 30000, .max_retry_wait_s = 0, .now_override = 1772366400};
    cx_family fam = {.client = cx_client_new(&cfg)};
    cx_client_set_transport(fam.client, forward, &rec);
    mcp_server_config scfg = {.workers = 1};
    mcp_server *srv = mcp_server_new(&scfg);
    mcp_registry *reg = mcp_server_registry(srv);
    cx_calls_register(reg, &fam);
    cx_trace_register(reg, &fam);
    cx_customers_register(reg, &fam);
    cx_stats_register(reg, &fam);
    cx_diag_register(reg, &fam);
    cx_docs_register(reg, &fam);
    json_t *args = json_loads(argv[7], 0, NULL);
    int rpc = 0;
    json_t *res = mcp_server_call_tool(srv, argv[6], args, false, &rpc);
    int rc = 1;
    FILE *f = fopen(argv[4], "wb");
    if (res && f && fwrite(rec.out.data, 1, rec.out.len, f) == rec.out.len)
        rc = 0;
    if (f)
        fclose(f);
    fprintf(stderr, "%s: %u answer(s), %zu bytes, isError=%d\n", argv[4], rec.n, rec.out.len,
            res ? json_is_true(json_object_get(res, "isError")) : -1);
    json_decref(res);
    json_decref(args);
    mcp_server_free(srv, 1000);
    cx_client_free(fam.client);
    sb_buf_free(&rec.out);
    return rc;
}
