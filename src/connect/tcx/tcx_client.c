/* The 3CX XAPI client: one shared token per PBX, requests with one refresh-and-retry after a
 * 401, and failures turned into actionable messages (tcx.h). */
#include "connect/tcx/tcx.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/http.h"
#include "connect/tcx/tcx_odata.h"
#include "util/health.h"
#include "util/log.h"

#define TCX_MAX_TOKEN 8192

struct tcx_pbx {
    tcx_config cfg;
    char *api_base;   /* .../xapi/v1 */
    char *token_url;  /* .../connect/token */
    char *label;      /* "3CX" or "3CX PBX 'name'" for messages */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    char *token;
    int64_t refresh_at_ms; /* monotonic: refresh from then on */
    uint64_t gen;          /* bumps with every new token */
    bool refreshing;
    uint64_t fail_gen;     /* bumps with every failed token request */
    tcx_error last_fail;
    tcx_stats stats;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_error(tcx_error *e, tcx_err_kind kind, long status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_error(tcx_error *e, tcx_err_kind kind, long status, const char *fmt, ...)
{
    e->kind = kind;
    e->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    sb_log_redact(e->message);
}

/* ---- construction ---------------------------------------------------------------------- */

static char *xdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int copy_config(tcx_config *d, const tcx_config *s)
{
    *d = *s;
    d->name = xdup(s->name ? s->name : "default");
    d->fqdn = xdup(s->fqdn);
    d->timezone = xdup(s->timezone);
    d->client_id = xdup(s->client_id);
    d->client_secret = xdup(s->client_secret);
    d->base_url = xdup(s->base_url);
    d->ca_file = xdup(s->ca_file);
    d->default_country = xdup(s->default_country);
    if (d->timeout_ms <= 0)
        d->timeout_ms = 30000;
    return d->name && d->client_id && d->client_secret ? 0 : -1;
}

static bool probe_fn(void *ud, char *detail, size_t detail_size)
{
    return tcx_pbx_probe(ud, detail, detail_size);
}

tcx_pbx *tcx_pbx_new(const tcx_config *cfg, char *err, size_t errsz)
{
    tcx_pbx *p = calloc(1, sizeof *p);
    if (!p || copy_config(&p->cfg, cfg) < 0)
        goto oom;
    sb_log_add_secret(p->cfg.client_secret);
    char root[600];
    if (p->cfg.base_url) {
        size_t n = strlen(p->cfg.base_url);
        while (n && p->cfg.base_url[n - 1] == '/')
            n--;
        snprintf(root, sizeof root, "%.*s", (int)(n > 500 ? 500 : n), p->cfg.base_url);
    } else if (p->cfg.port == 443) {
        snprintf(root, sizeof root, "https://%.500s", p->cfg.fqdn);
    } else {
        snprintf(root, sizeof root, "https://%.500s:%u", p->cfg.fqdn, p->cfg.port);
    }
    size_t rl = strlen(root) + 32;
    p->api_base = malloc(rl);
    p->token_url = malloc(rl);
    p->label = malloc(strlen(p->cfg.name) + 32);
    if (!p->api_base || !p->token_url || !p->label)
        goto oom;
    snprintf(p->api_base, rl, "%s/xapi/v1", root);
    snprintf(p->token_url, rl, "%s/connect/token", root);
    if (strcmp(p->cfg.name, "default") == 0)
        snprintf(p->label, strlen(p->cfg.name) + 32, "3CX");
    else
        snprintf(p->label, strlen(p->cfg.name) + 32, "3CX PBX '%s'", p->cfg.name);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    char hname[80];
    snprintf(hname, sizeof hname, "3cx:%.60s", p->cfg.name);
    sb_health_register(hname, probe_fn, p);
    return p;
oom:
    snprintf(err, errsz, "out of memory");
    if (p) {
        free(p->api_base);
        free(p->token_url);
        free(p->label);
        tcx_config *c = malloc(sizeof *c);
        if (c) {
            *c = p->cfg;
            tcx_config_free(c, 1);
        }
        free(p);
    }
    return NULL;
}

void tcx_pbx_free(tcx_pbx *p)
{
    if (!p)
        return;
    sb_health_unregister(p);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p->api_base);
    free(p->token_url);
    free(p->label);
    free(p->token);
    tcx_config *c = malloc(sizeof *c);
    if (c) {
        *c = p->cfg;
        tcx_config_free(c, 1);
    }
    free(p);
}

const tcx_config *tcx_pbx_config(const tcx_pbx *p)
{
    return &p->cfg;
}

const char *tcx_pbx_api_base(const tcx_pbx *p)
{
    return p->api_base;
}

void tcx_pbx_stats(tcx_pbx *p, tcx_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->stats;
    pthread_mutex_unlock(&p->lock);
}

void tcx_pbx_forget_token(tcx_pbx *p)
{
    pthread_mutex_lock(&p->lock);
    free(p->token);
    p->token = NULL;
    pthread_mutex_unlock(&p->lock);
}

/* ---- transport failures ---------------------------------------------------------------- */

static void transport_error(tcx_pbx *p, const cn_http_response *r, const char *what, tcx_error *e)
{
    const char *host = p->cfg.base_url ? p->cfg.base_url : p->cfg.fqdn;
    switch (r->error) {
    case CN_HTTP_ERR_DNS:
        set_error(e, TCX_E_TRANSPORT, 0,
                  "%s: the host name '%.200s' does not resolve (check TCX_FQDN)", p->label, host);
        break;
    case CN_HTTP_ERR_CONNECT:
        set_error(e, TCX_E_TRANSPORT, 0,
                  "%s: cannot connect to %.200s (%.120s); check TCX_FQDN and TCX_PORT (self-hosted "
                  "PBXs usually listen on 5001) and any firewall", p->label, p->api_base, r->message);
        break;
    case CN_HTTP_ERR_TLS:
        set_error(e, TCX_E_TRANSPORT, 0,
                  "%s: the TLS connection to %.200s failed (%.120s); if the PBX uses a private CA, "
                  "set TCX_CA_FILE to its certificate", p->label, host, r->message);
        break;
    case CN_HTTP_ERR_TIMEOUT:
        set_error(e, TCX_E_TRANSPORT, 0,
                  "%s did not answer %s within %ld s; the PBX may be overloaded or the query too "
                  "large (try a narrower one)", p->label, what, p->cfg.timeout_ms / 1000);
        break;
    case CN_HTTP_ERR_CANCELLED:
        set_error(e, TCX_E_CANCELLED, 0, "cancelled: the request to %s was aborted", p->label);
        break;
    case CN_HTTP_ERR_TOO_LARGE:
        set_error(e, TCX_E_TRANSPORT, 0,
                  "%s sent more data for %s than this server accepts; narrow the query", p->label, what);
        break;
    default:
        set_error(e, TCX_E_TRANSPORT, 0,
                  "%s: no usable answer for %s (%.160s); the connection may have been dropped by the PBX or a "
                  "proxy: try again, and check that TCX_FQDN/TCX_PORT reach the 3CX web server", p->label, what,
                  r->message[0] ? r->message : "unknown error");
    }
}

/* A short, safe name for the request in messages: the path without its query, capped. */
static void what_of(const char *path, char *out, size_t outsz)
{
    size_t n = strcspn(path, "?");
    if (n > 80)
        n = 80;
    snprintf(out, outsz, "%.*s", (int)n, path);
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
}

/* ---- token ----------------------------------------------------------------------------- */

static char *form_body(const tcx_pbx *p)
{
    char *id = cn_url_encode(p->cfg.client_id), *sec = cn_url_encode(p->cfg.client_secret);
    char *out = NULL;
    if (id && sec) {
        size_t n = strlen(id) + strlen(sec) + 80;
        out = malloc(n);
        if (out)
            snprintf(out, n, "client_id=%s&client_secret=%s&grant_type=client_credentials", id, sec);
    }
    free(id);
    free(sec);
    return out;
}

static void token_refused(tcx_pbx *p, const cn_http_response *r, tcx_error *e)
{
    json_t *j = json_loads(r->body.data ? r->body.data : "", 0, NULL);
    const char *code = json_string_value(json_object_get(j, "error"));
    const char *desc = json_string_value(json_object_get(j, "error_description"));
    char why[200] = "";
    if (code || desc)
        snprintf(why, sizeof why, ": %.60s%s%.120s", code ? code : "", code && desc ? " - " : "",
                 desc ? desc : "");
    if (r->status == 400 || r->status == 401 || r->status == 403)
        set_error(e, TCX_E_AUTH, r->status,
                  "%s refused the API credentials (HTTP %ld%s). Check TCX_CLIENT_ID and "
                  "TCX_CLIENT_SECRET, and that the API client has XAPI access enabled (Admin > "
                  "Integrations > API)", p->label, r->status, why);
    else if (r->status == 404)
        set_error(e, TCX_E_AUTH, 404,
                  "%s: no token endpoint at %.200s (HTTP 404); is TCX_FQDN/TCX_PORT the PBX's web "
                  "address?", p->label, p->token_url);
    else
        set_error(e, r->status >= 500 ? TCX_E_SERVER : TCX_E_AUTH, r->status,
                  "%s: the token request failed with HTTP %ld%s", p->label, r->status, why);
    json_decref(j);
}

/* Sends POST /connect/token. Called without the lock held. */
static int fetch_token(tcx_pbx *p, const volatile int *cancel, long timeout_ms, char **token,
                       int64_t *lifetime_s, tcx_error *e)
{
    char *body = form_body(p);
    if (!body) {
        set_error(e, TCX_E_TRANSPORT, 0, "out of memory");
        return -1;
    }
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
                             "Accept: application/json", NULL};
    cn_http_request req = {.method = "POST", .url = p->token_url, .headers = headers, .body = body,
                           .body_len = strlen(body), .timeout_ms = timeout_ms,
                           .max_response = 64 * 1024, .cancel = cancel, .ca_file = p->cfg.ca_file};
    cn_http_response r;
    memset(&r, 0, sizeof r);
    int rc = cn_http_perform(&req, &r);
    free(body);
    pthread_mutex_lock(&p->lock);
    p->stats.token_requests++;
    p->stats.upstream_seconds += r.elapsed_s;
    pthread_mutex_unlock(&p->lock);
    int out = -1;
    if (rc < 0) {
        transport_error(p, &r, "the token request", e);
    } else if (r.status != 200) {
        token_refused(p, &r, e);
    } else {
        json_t *j = json_loads(r.body.data ? r.body.data : "", 0, NULL);
        const char *tok = json_string_value(json_object_get(j, "access_token"));
        json_t *exp = json_object_get(j, "expires_in");
        if (!tok || !*tok || strlen(tok) > TCX_MAX_TOKEN) {
            set_error(e, TCX_E_BAD_BODY, 200,
                      "%s: the token endpoint answered without an access_token; is the address right?",
                      p->label);
        } else {
            double ex = json_is_number(exp) ? json_number_value(exp) : 3600;
            if (ex <= 0)
                ex = 60;
            *lifetime_s = ex <= 120 ? (int64_t)(ex * 60) : (int64_t)ex; /* minutes before 20.0.9 */
            *token = strdup(tok);
            sb_log_add_secret(tok);
            out = *token ? 0 : -1;
        }
        json_decref(j);
    }
    cn_http_response_free(&r);
    return out;
}

/* Returns a copy of the current token (fetching one when needed) and its generation. */
static int get_token(tcx_pbx *p, const volatile int *cancel, long timeout_ms, char **tok, uint64_t *gen,
                     tcx_error *e)
{
    int64_t deadline = now_ms() + timeout_ms + 5000;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->token && now_ms() < p->refresh_at_ms) {
            *tok = strdup(p->token);
            *gen = p->gen;
            pthread_mutex_unlock(&p->lock);
            if (!*tok)
                set_error(e, TCX_E_TRANSPORT, 0, "out of memory");
            return *tok ? 0 : -1;
        }
        if (p->refreshing) {
            uint64_t fails = p->fail_gen;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100 * 1000000L;
            if (ts.tv_nsec >= 1000000000L)
                ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&p->cond, &p->lock, &ts);
            if (p->fail_gen != fails) { /* the refresh we waited for failed: share its error */
                *e = p->last_fail;
                pthread_mutex_unlock(&p->lock);
                return -1;
            }
            if ((cancel && *cancel) || now_ms() > deadline) {
                pthread_mutex_unlock(&p->lock);
                set_error(e, cancel && *cancel ? TCX_E_CANCELLED : TCX_E_TRANSPORT, 0,
                          cancel && *cancel ? "cancelled while waiting for a 3CX token"
                                            : "%s: timed out waiting for an access token", p->label);
                return -1;
            }
            continue;
        }
        p->refreshing = true;
        pthread_mutex_unlock(&p->lock);
        char *fresh = NULL;
        int64_t life = 0;
        int rc = fetch_token(p, cancel, timeout_ms, &fresh, &life, e);
        pthread_mutex_lock(&p->lock);
        p->refreshing = false;
        if (rc == 0) {
            free(p->token);
            p->token = fresh;
            p->gen++;
            int64_t margin = life / 10 < 60 ? life / 10 : 60;
            p->refresh_at_ms = now_ms() + (life - margin) * 1000;
        } else if (e->kind != TCX_E_CANCELLED) {
            /* share the failure with the calls that waited for this refresh; a cancelled
             * refresh is not a failure of theirs: one of them starts a new one */
            p->fail_gen++;
            p->last_fail = *e;
        }
        pthread_cond_broadcast(&p->cond);
        if (rc < 0) {
            pthread_mutex_unlock(&p->lock);
            return -1;
        }
    }
}

/* After a 401: drop the token unless another call already replaced it. */
static void invalidate(tcx_pbx *p, uint64_t gen)
{
    pthread_mutex_lock(&p->lock);
    if (p->gen == gen && p->token) {
        free(p->token);
        p->token = NULL;
    }
    p->stats.retries_after_401++;
    pthread_mutex_unlock(&p->lock);
}

/* ---- XAPI requests --------------------------------------------------------------------- */

/* Reads an OData error body into e->odata_* and a one-line text (newlines flattened). */
static void odata_error(const char *body, tcx_error *e, char *text, size_t textsz)
{
    text[0] = 0;
    json_t *j = json_loads(body ? body : "", 0, NULL);
    json_t *err = json_object_get(j, "error");
    const char *msg = json_string_value(json_object_get(err, "message"));
    json_t *d0 = json_array_get(json_object_get(err, "details"), 0);
    const char *dmsg = json_string_value(json_object_get(d0, "message"));
    const char *target = json_string_value(json_object_get(d0, "target"));
    if (!target)
        target = json_string_value(json_object_get(err, "target"));
    snprintf(e->odata_code, sizeof e->odata_code, "%s", dmsg ? dmsg : "");
    snprintf(e->odata_target, sizeof e->odata_target, "%s", target ? target : "");
    if (msg && *msg)
        snprintf(text, textsz, "%.300s", msg);
    else if (json_is_string(err))
        snprintf(text, textsz, "%.300s", json_string_value(err));
    for (char *c = text; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    json_decref(j);
}

static void status_error(tcx_pbx *p, const char *method, const char *what, const cn_http_response *r,
                         tcx_error *e)
{
    char msg[320];
    odata_error(r->body.data, e, msg, sizeof msg);
    char sep[8] = "";
    if (msg[0])
        snprintf(sep, sizeof sep, ": ");
    long s = r->status;
    if (s == 401)
        set_error(e, TCX_E_UNAUTHORIZED, s,
                  "%s answered 401 for %s %s even with a fresh token: the API client may have lost "
                  "XAPI access, or another program using the same client id took the token (3CX keeps "
                  "one token per client active)", p->label, method, what);
    else if (s == 403)
        set_error(e, TCX_E_FORBIDDEN, s,
                  "%s answered 403 for %s %s: the API client's role does not allow this. Call history "
                  "(ReportCallLogData) and recordings need the System Owner role: Admin > "
                  "Integrations > API > edit the client > Role: System Owner", p->label, method, what);
    else if (s == 404)
        set_error(e, TCX_E_NOT_FOUND, s, "%s answered 404 for %s %s: not found%s%s", p->label, method,
                  what, sep, msg);
    else if (s == 405)
        set_error(e, TCX_E_BAD_REQUEST, s, "%s answered 405 for %s %s: this PBX version does not "
                  "support that operation", p->label, method, what);
    else if (s >= 400 && s < 500) {
        char hint[160] = "";
        const char *t = e->odata_target[0] ? e->odata_target : "a value";
        if (strstr(e->odata_code, "ALREADY_IN_USE") || strstr(e->odata_code, "DUPLICATE"))
            snprintf(hint, sizeof hint, " - %s is already used by another entry; choose another", t);
        else if (strstr(e->odata_code, "NOT_FOUND"))
            snprintf(hint, sizeof hint, " - %s refers to something that does not exist", t);
        else if (strstr(e->odata_code, "INVALID"))
            snprintf(hint, sizeof hint, " - the PBX does not accept this %s", t);
        set_error(e, TCX_E_BAD_REQUEST, s, "%s rejected %s %s (HTTP %ld)%s%s%s", p->label, method, what,
                  s, sep, msg[0] ? msg : "", hint);
    }
    else if (s == 504)
        set_error(e, TCX_E_SERVER, s, "%s answered 504 (gateway timeout) for %s %s: the query is too "
                  "large for the PBX; narrow it (a shorter period, fewer rows)", p->label, method, what);
    else
        set_error(e, TCX_E_SERVER, s, "%s answered HTTP %ld (server error) for %s %s%s%s; try again "
                  "later, and check the PBX's event log if it persists", p->label, s, method, what,
                  sep, msg);
}

static int perform_once(tcx_pbx *p, const char *method, const char *url, const char *body,
                        const char *token, const volatile int *cancel, long timeout_ms,
                        cn_http_response *r)
{
    size_t hl = strlen(token) + 32;
    char *auth = malloc(hl);
    if (!auth)
        return -1;
    snprintf(auth, hl, "Authorization: Bearer %s", token);
    const char *headers[] = {auth, "Accept: application/json",
                             body ? "Content-Type: application/json" : NULL, NULL};
    cn_http_request req = {.method = method, .url = url, .headers = headers, .body = body,
                           .body_len = body ? strlen(body) : 0, .timeout_ms = timeout_ms,
                           .cancel = cancel, .ca_file = p->cfg.ca_file};
    memset(r, 0, sizeof *r);
    int rc = cn_http_perform(&req, r);
    free(auth);
    pthread_mutex_lock(&p->lock);
    p->stats.xapi_requests++;
    p->stats.upstream_seconds += r->elapsed_s;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

static int parse_success(tcx_pbx *p, const char *method, const char *what, const cn_http_response *r,
                         json_t **out, tcx_error *e)
{
    const char *b = r->body.data ? r->body.data : "";
    size_t n = r->body.len;
    while (n && (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t'))
        b++, n--;
    if (r->status == 204 || n == 0) {
        *out = NULL;
        return 0;
    }
    json_error_t je;
    json_t *j = json_loadb(b, n, JSON_DECODE_ANY, &je);
    if (!j) {
        set_error(e, TCX_E_BAD_BODY, r->status,
                  "%s answered HTTP %ld for %s %s, but the body is not JSON (content type %.60s): a "
                  "proxy or login page may be answering; check TCX_FQDN/TCX_BASE_URL", p->label,
                  r->status, method, what, r->content_type ? r->content_type : "none");
        return -1;
    }
    *out = j;
    return 0;
}

static int request_impl(tcx_pbx *p, const char *method, const char *path, const json_t *body,
                        const volatile int *cancel, long timeout_ms, json_t **out, tcx_error *e)
{
    memset(e, 0, sizeof *e);
    *out = NULL;
    char what[96];
    what_of(path, what, sizeof what);
    char *bodytext = body ? json_dumps(body, JSON_COMPACT) : NULL;
    size_t ul = strlen(p->api_base) + strlen(path) + 2;
    char *url = malloc(ul);
    if (!url || (body && !bodytext)) {
        free(url);
        free(bodytext);
        set_error(e, TCX_E_TRANSPORT, 0, "out of memory");
        return -1;
    }
    snprintf(url, ul, "%s/%s", p->api_base, path);
    int rc = -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *tok = NULL;
        uint64_t gen = 0;
        if (get_token(p, cancel, timeout_ms, &tok, &gen, e) < 0)
            break;
        cn_http_response r;
        int prc = perform_once(p, method, url, bodytext, tok, cancel, timeout_ms, &r);
        free(tok);
        if (prc < 0) {
            transport_error(p, &r, what, e);
        } else if (r.status == 401 && attempt == 0) {
            invalidate(p, gen);
            cn_http_response_free(&r);
            continue;
        } else if (r.status >= 200 && r.status < 300) {
            rc = parse_success(p, method, what, &r, out, e);
        } else {
            status_error(p, method, what, &r, e);
        }
        cn_http_response_free(&r);
        break;
    }
    free(url);
    free(bodytext);
    return rc;
}

int tcx_request(tcx_pbx *p, const char *method, const char *path, const json_t *body,
                const volatile int *cancel, json_t **out, tcx_error *e)
{
    return request_impl(p, method, path, body, cancel, p->cfg.timeout_ms, out, e);
}

int tcx_get_collection(tcx_pbx *p, const char *path, const volatile int *cancel, json_t **value,
                       long *count, tcx_error *e)
{
    json_t *j;
    *value = NULL;
    *count = -1;
    if (tcx_request(p, "GET", path, NULL, cancel, &j, e) < 0)
        return -1;
    json_t *v = json_object_get(j, "value");
    if (!json_is_array(v)) {
        char what[96];
        what_of(path, what, sizeof what);
        set_error(e, TCX_E_BAD_BODY, 200, "%s answered GET %s without a \"value\" list; is this a 3CX "
                  "V20 XAPI?", p->label, what);
        json_decref(j);
        return -1;
    }
    json_t *c = json_object_get(j, "@odata.count");
    if (json_is_integer(c))
        *count = (long)json_integer_value(c);
    *value = json_incref(v);
    json_decref(j);
    return 0;
}

bool tcx_pbx_probe(tcx_pbx *p, char *detail, size_t detail_size)
{
    tcx_error e;
    json_t *j = NULL;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long t = p->cfg.timeout_ms < 3000 ? p->cfg.timeout_ms : 3000;
    int rc = request_impl(p, "GET", "Defs?$select=Id", NULL, NULL, t, &j, &e);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
    json_decref(j);
    if (rc == 0)
        snprintf(detail, detail_size, "XAPI answered in %ld ms", ms);
    else
        snprintf(detail, detail_size, "%.200s", e.message);
    return rc == 0;
}
