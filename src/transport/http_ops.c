/* Operations endpoints of the HTTP transport: GET /healthz (no authentication; upstream
 * reachability from the util/health.h probes, never a secret), GET /metrics (Prometheus text;
 * needs the admin scope when authentication is on; upstream counters from connect/http.h) and the OAuth 2.0 Protected Resource
 * Metadata (RFC 9728) at /.well-known/oauth-protected-resource[/<mcp path>]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/http.h"
#include "transport/http_internal.h"
#include "util/health.h"

static enum MHD_Result respond_json(struct MHD_Connection *c, http_req *r, int status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        return http_respond(c, r, 500, NULL, NULL, 0);
    enum MHD_Result ret = http_respond(c, r, status, "application/json", text, strlen(text));
    free(text);
    return ret;
}

static void add_probe(void *ctx, const char *name, bool ok, const char *detail)
{
    json_array_append_new(ctx, json_pack("{s:s,s:b,s:s}", "name", name, "ok", ok, "detail", detail));
}

enum MHD_Result http_ops_healthz(struct http_server *hs, struct MHD_Connection *c, http_req *r)
{
    json_t *upstreams = json_array();
    size_t failed = sb_health_check_all(add_probe, upstreams);
    json_t *doc = json_pack("{s:s,s:o,s:I,s:I}", "status", failed ? "degraded" : "ok",
                            "upstreams", upstreams, "sessions",
                            (json_int_t)http_metrics_sessions_open(hs->metrics), "calls_in_flight",
                            (json_int_t)mcp_server_calls_in_flight(hs->srv));
    return respond_json(c, r, 200, doc);
}

enum MHD_Result http_ops_metrics(struct http_server *hs, struct MHD_Connection *c, http_req *r)
{
    enum { MAX_HOSTS = 64 };
    cn_http_host_stats hosts[MAX_HOSTS];
    http_upstream_stat ups[MAX_HOSTS];
    size_t n = cn_http_stats(hosts, MAX_HOSTS);
    for (size_t i = 0; i < n; i++)
        ups[i] = (http_upstream_stat){hosts[i].host, hosts[i].requests, hosts[i].transport_errors,
                                      hosts[i].status_4xx, hosts[i].status_5xx,
                                      hosts[i].seconds_total};
    http_metrics_extra extra = {.calls_in_flight = mcp_server_calls_in_flight(hs->srv),
                                .upstreams = ups, .nupstreams = n};
    sb_buf out;
    sb_buf_init(&out, 16u << 20);
    if (http_metrics_render(hs->metrics, &extra, &out) < 0) {
        sb_buf_free(&out);
        return http_respond(c, r, 500, "text/plain", "metrics too large\n", 18);
    }
    enum MHD_Result ret = http_respond(c, r, 200, "text/plain; version=0.0.4; charset=utf-8",
                                       out.data ? out.data : "", out.len);
    sb_buf_free(&out);
    return ret;
}

enum MHD_Result http_ops_prm(struct http_server *hs, struct MHD_Connection *c, http_req *r)
{
    return http_respond(c, r, 200, "application/json", hs->prm_json, strlen(hs->prm_json));
}

/* scheme://authority of a URL, as a length. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    p += 3;
    return (size_t)(p - url) + strcspn(p, "/?#");
}

static json_t *split_list(const char *csv)
{
    json_t *arr = json_array();
    for (const char *p = csv; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n > 0)
            json_array_append_new(arr, json_stringn(p, n));
        p += n;
    }
    return arr;
}

int http_ops_init(struct http_server *hs, char *err, size_t errsz)
{
    const http_config *cfg = &hs->cfg;
    if (cfg->resource_url) {
        if (origin_len(cfg->resource_url) == 0) {
            snprintf(err, errsz, "--resource-url must be an absolute http(s) URL");
            return -1;
        }
        hs->resource_url = strdup(cfg->resource_url);
    } else {
        bool v6 = strchr(cfg->addr, ':') != NULL;
        bool wild = !strcmp(cfg->addr, "0.0.0.0") || !strcmp(cfg->addr, "::");
        if (asprintf(&hs->resource_url, "%s://%s%s%s:%d%s", hs->tls_cert_pem ? "https" : "http",
                     v6 && !wild ? "[" : "", wild ? "localhost" : cfg->addr, v6 && !wild ? "]" : "",
                     hs->port, cfg->path) < 0)
            hs->resource_url = NULL;
    }
    if (!hs->resource_url)
        return -1;
    size_t olen = origin_len(hs->resource_url);
    const char *res_path = hs->resource_url + olen;
    if (asprintf(&hs->resource_metadata_url, "%.*s/.well-known/oauth-protected-resource%s",
                 (int)olen, hs->resource_url, res_path) < 0 ||
        asprintf(&hs->prm_path, "/.well-known/oauth-protected-resource%s", cfg->path) < 0)
        return -1;
    if (!cfg->authorization_servers)
        return 0; /* no OAuth: 401 carries no resource_metadata and no PRM is served */
    json_t *doc = json_pack("{s:s,s:o,s:[s,s,s],s:[s],s:s}", "resource", hs->resource_url,
                            "authorization_servers", split_list(cfg->authorization_servers),
                            "scopes_supported", "tools:read", "tools:write", "admin",
                            "bearer_methods_supported", "header", "resource_name", "switchboard");
    hs->prm_json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return hs->prm_json ? 0 : -1;
}
