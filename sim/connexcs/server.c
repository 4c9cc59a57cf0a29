/* Request handling of the ConnexCS simulator (see server.h). Every /api/cp/ request is logged
 * (method, raw target, body, the kind of credentials, never the credentials), may be hit by a
 * queued fault, is authenticated (spec §4.2), and then routed to one endpoint of §5. */
#include "server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "util/log.h"

#define MAX_FAULTS 32
#define LOG_CAP 10000
#define LOG_BODY_CAP 8192
#define LOG_SEARCH_CAP 200
#define API_PREFIX "/api/cp/"

typedef struct fault {
    char kind[16];
    long remaining;
    long retry_after;
    long delay_ms;
    char path[128];
} fault;

typedef struct logent {
    uint64_t seq;
    int64_t time_ms;
    char *method, *target, *body;
    bool body_truncated;
    cxs_auth_kind auth;
    int status;
} logent;

struct cxs_server {
    cxs_world *w;
    cxs_docs *docs;
    cxs_auth *auth;
    cxs_server_opts opt;
    pthread_mutex_t mu;
    fault faults[MAX_FAULTS];
    size_t nfaults;
    logent *log;            /* ring of LOG_CAP */
    size_t log_head, log_n;
    uint64_t seq;
    int64_t rl_second;
    long rl_count;
    pthread_mutex_t truth_mu; /* the first truth scan can take a second: not under mu */
    char *truth;              /* the truth document, serialised once */
    atomic_int rtcp_array, nested_names; /* switchable at run time by /_sim/config */
    atomic_long rate_limit;
    atomic_int stopping;
};

/* ---- helpers ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_json(sb_http_response *resp, int status, json_t *j)
{
    resp->status = status;
    resp->content_type = "application/json";
    sb_buf_reset(&resp->body);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(12)) : NULL;
    if (s && sb_buf_puts(&resp->body, s) == 0) {
        free(s);
    } else {
        free(s);
        resp->status = 500;
        sb_buf_reset(&resp->body);
        sb_buf_puts(&resp->body, "{\"error\":\"response too large\"}");
    }
    json_decref(j);
}

static void send_error(sb_http_response *resp, int status, const char *msg)
{
    send_json(resp, status, json_pack("{s:s}", "error", msg));
}

static long qlong(const sb_http_request *req, const char *name, long def)
{
    const char *v = sb_http_query(req, name);
    if (!v || !*v)
        return def;
    char *end;
    long x = strtol(v, &end, 10);
    return *end ? def : x;
}

static bool all_digits(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static void walk_params(void *req, cxs_param_fn fn, void *ud)
{
    sb_http_query_each(req, fn, ud);
}

/* ---- request log ---- */

static uint64_t log_start(cxs_server *s, const sb_http_request *req, cxs_auth_kind k)
{
    pthread_mutex_lock(&s->mu);
    size_t slot = (s->log_head + s->log_n) % LOG_CAP;
    if (s->log_n == LOG_CAP) {
        logent *old = &s->log[s->log_head];
        free(old->method), free(old->target), free(old->body);
        s->log_head = (s->log_head + 1) % LOG_CAP;
        s->log_n--;
    }
    logent *e = &s->log[slot];
    size_t bl = req->body_len > LOG_BODY_CAP ? LOG_BODY_CAP : req->body_len;
    *e = (logent){++s->seq, now_ms(), strdup(req->method), strdup(req->target),
                  strndup(req->body ? req->body : "", bl), req->body_len > LOG_BODY_CAP, k, 0};
    s->log_n++;
    uint64_t seq = e->seq;
    pthread_mutex_unlock(&s->mu);
    return seq;
}

static void log_finish(cxs_server *s, uint64_t seq, int status)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = s->log_n; i > 0; i--) {
        logent *e = &s->log[(s->log_head + i - 1) % LOG_CAP];
        if (e->seq == seq) {
            e->status = status;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

static json_t *log_json(cxs_server *s, uint64_t since)
{
    json_t *a = json_array();
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->log_n; i++) {
        const logent *e = &s->log[(s->log_head + i) % LOG_CAP];
        if (e->seq <= since)
            continue;
        const char *q = e->target ? strchr(e->target, '?') : NULL;
        char path[1024];
        snprintf(path, sizeof path, "%.*s", q ? (int)(q - e->target) : (int)strlen(e->target),
                 e->target);
        json_array_append_new(
            a, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:i}", "seq",
                         (json_int_t)e->seq, "time_ms", (json_int_t)e->time_ms, "method",
                         e->method ? e->method : "", "target", e->target ? e->target : "",
                         "path", path, "body", e->body ? e->body : "", "body_truncated",
                         e->body_truncated, "auth", cxs_auth_kind_name(e->auth), "status",
                         e->status));
    }
    pthread_mutex_unlock(&s->mu);
    return a;
}

static void log_clear(cxs_server *s)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->log_n; i++) {
        logent *e = &s->log[(s->log_head + i) % LOG_CAP];
        free(e->method), free(e->target), free(e->body);
    }
    s->log_head = s->log_n = 0;
    pthread_mutex_unlock(&s->mu);
}

/* ---- faults ---- */

static const char *const FAULT_KINDS[] = {"401", "403", "404", "429", "500", "502", "503",
                                          "slow", "timeout", "close", "markdown", "truncated",
                                          "html", "expire"};

int cxs_server_add_fault(cxs_server *s, const char *kind, long count, long retry_after,
                         long delay_ms, const char *path)
{
    bool known = false;
    for (size_t i = 0; kind && i < sizeof FAULT_KINDS / sizeof FAULT_KINDS[0]; i++)
        known = known || strcmp(kind, FAULT_KINDS[i]) == 0;
    if (!known)
        return -1;
    if (strcmp(kind, "expire") == 0) {
        cxs_auth_expire_access(s->auth);
        return 0;
    }
    pthread_mutex_lock(&s->mu);
    int rc = -1;
    if (s->nfaults < MAX_FAULTS) {
        fault *f = &s->faults[s->nfaults++];
        memset(f, 0, sizeof *f);
        snprintf(f->kind, sizeof f->kind, "%s", kind);
        f->remaining = count > 0 ? count : 1;
        f->retry_after = retry_after >= 0 ? retry_after : 1;
        f->delay_ms = delay_ms > 0 ? delay_ms : (strcmp(kind, "timeout") == 0 ? 60000 : 3000);
        snprintf(f->path, sizeof f->path, "%s", path ? path : "");
        rc = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Takes one fault that applies to this target; false if none. */
static bool take_fault(cxs_server *s, const char *target, fault *out)
{
    bool got = false;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nfaults; i++) {
        fault *f = &s->faults[i];
        if (f->path[0] && !strstr(target, f->path))
            continue;
        *out = *f;
        got = true;
        if (--f->remaining <= 0) {
            memmove(f, f + 1, (s->nfaults - i - 1) * sizeof *f);
            s->nfaults--;
        }
        break;
    }
    pthread_mutex_unlock(&s->mu);
    return got;
}

static json_t *faults_json(cxs_server *s)
{
    json_t *a = json_array();
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nfaults; i++)
        json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:i, s:s}", "kind", s->faults[i].kind,
                                           "remaining", (int)s->faults[i].remaining,
                                           "retry_after", (int)s->faults[i].retry_after,
                                           "delay_ms", (int)s->faults[i].delay_ms, "path",
                                           s->faults[i].path));
    pthread_mutex_unlock(&s->mu);
    return a;
}

static void sleep_ms(cxs_server *s, long ms)
{
    for (long t = 0; t < ms && !s->stopping; t += 20)
        usleep(20000);
}

static void error_status(sb_http_response *resp, int code, long retry_after)
{
    const char *msg = code == 401   ? "Unauthorized"
                      : code == 403 ? "Forbidden"
                      : code == 404 ? "Not Found"
                      : code == 429 ? "Too Many Requests"
                      : code == 502 ? "Bad Gateway"
                      : code == 503 ? "Service Unavailable"
                                    : "Internal Server Error";
    send_error(resp, code, msg);
    if (code == 429 || code == 503) {
        char ra[24];
        snprintf(ra, sizeof ra, "%ld", retry_after);
        sb_http_set_header(resp, "Retry-After", ra);
    }
}

/* Pre-dispatch faults: true when the response is final. */
static bool apply_fault(cxs_server *s, const fault *f, sb_http_response *resp)
{
    if (!strcmp(f->kind, "slow") || !strcmp(f->kind, "timeout")) {
        sleep_ms(s, f->delay_ms);
        return false;
    }
    if (!strcmp(f->kind, "close")) {
        resp->close = true;
        return true;
    }
    if (!strcmp(f->kind, "markdown") || !strcmp(f->kind, "truncated") || !strcmp(f->kind, "html"))
        return false;
    error_status(resp, atoi(f->kind), f->retry_after);
    return true;
}

static void apply_post_fault(const fault *f, sb_http_response *resp)
{
    if (!strcmp(f->kind, "markdown")) {
        sb_buf_reset(&resp->body);
        sb_buf_puts(&resp->body, "# Scheduled maintenance\n\nThe control panel API is being "
                                 "updated. Please try again in a few minutes.\n");
        resp->content_type = "text/markdown; charset=utf-8";
        resp->status = 200;
    } else if (!strcmp(f->kind, "truncated")) {
        size_t keep = resp->body.len / 2;
        if (keep > 0 && resp->body.len > 1) {
            resp->body.len = keep;
            resp->body.data[keep] = '\0';
        }
    } else if (!strcmp(f->kind, "html")) {
        sb_buf_reset(&resp->body);
        sb_buf_puts(&resp->body, "<!DOCTYPE html><html><head><title>502 Bad Gateway</title>"
                                 "</head><body><h1>502 Bad Gateway</h1></body></html>");
        resp->content_type = "text/html";
        resp->status = 502;
    }
}

static bool rate_limited(cxs_server *s)
{
    long limit = s->rate_limit;
    if (limit <= 0)
        return false;
    int64_t sec = now_ms() / 1000;
    pthread_mutex_lock(&s->mu);
    if (sec != s->rl_second)
        s->rl_second = sec, s->rl_count = 0;
    bool over = ++s->rl_count > limit;
    pthread_mutex_unlock(&s->mu);
    return over;
}

/* ---- endpoints ---- */

static void ep_log(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    const char *q = sb_http_query(req, "s");
    json_t *a = json_array();
    cxs_cdr c;
    if (q && *q && cxs_cdr_find(s->w, q, &c) == 0) {
        json_array_append_new(a, cxs_log_entry_json(s->w, &c));
        send_json(resp, 200, a);
        return;
    }
    cxs_iter it;
    cxs_iter_init(&it, s->w, INT64_MIN / 2, cxs_world_now(s->w), true);
    uint32_t pos;
    while (json_array_size(a) < LOG_SEARCH_CAP && cxs_iter_next(&it, &pos) && !s->stopping) {
        if (cxs_cdr_get(s->w, pos, &c))
            continue;
        if (q && *q && !cxs_log_match(&c, q))
            continue;
        json_array_append_new(a, cxs_log_entry_json(s->w, &c));
    }
    send_json(resp, 200, a);
}

static bool need_callid(const sb_http_request *req, sb_http_response *resp, const char **id)
{
    *id = sb_http_query(req, "callid");
    if (!*id || !**id) {
        send_error(resp, 400, "callid is required");
        return false;
    }
    return true;
}

static void ep_trace(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    const char *id;
    cxs_cdr c;
    if (!need_callid(req, resp, &id))
        return;
    if (cxs_cdr_find(s->w, id, &c) != 0) {
        send_json(resp, 200, json_array());
        return;
    }
    send_json(resp, 200, cxs_trace_json(s->w, &c));
}

static void ep_call_artefact(cxs_server *s, const sb_http_request *req, sb_http_response *resp,
                             int kind)
{
    const char *id;
    cxs_cdr c;
    if (kind == 3) { /* transcribe?s= */
        id = sb_http_query(req, "s");
        if (!id || !*id) {
            send_error(resp, 400, "s is required");
            return;
        }
    } else if (!need_callid(req, resp, &id)) {
        return;
    }
    bool found = cxs_cdr_find(s->w, id, &c) == 0;
    if (kind == 0) {
        send_json(resp, 200, found ? cxs_rtcp_json(s->w, &c, s->rtcp_array)
                                   : s->rtcp_array ? json_array()
                                   : json_pack("{s:[], s:{}}", "processed", "aggregate"));
        return;
    }
    if (kind == 2) {
        const char *d = sb_http_query(req, "d");
        int64_t t;
        if (!d || strlen(d) != 10 || cxs_parse_time(d, 10, false, &t)) {
            send_error(resp, 400, "d must be a date YYYY-MM-DD");
            return;
        }
        char day[24];
        if (found) {
            cxs_fmt_dt(c.dt, day);
            found = strncmp(day, d, 10) == 0;
        }
        send_json(resp, 200, found ? cxs_ai_json(&c) : json_array());
        return;
    }
    if (!found) {
        send_json(resp, 200, json_array());
        return;
    }
    send_json(resp, 200, kind == 1 ? cxs_class5_json(&c) : cxs_transcript_json(&c));
}

static void ep_customer(cxs_server *s, const sb_http_request *req, sb_http_response *resp,
                        const char *rest)
{
    if (!rest) {
        send_json(resp, 200, cxs_json_customers(s->w, sb_http_query(req, "id"),
                                                sb_http_query(req, "name"),
                                                sb_http_query(req, "status")));
        return;
    }
    const cxs_customer *c =
        all_digits(rest) && strlen(rest) < 10 ? cxs_customer_by_id(atoi(rest)) : NULL;
    if (!c) {
        send_error(resp, 404, "Record Not Found");
        return;
    }
    send_json(resp, 200, cxs_json_customer(c, s->w));
}

static int company_filter(const sb_http_request *req, sb_http_response *resp, bool *ok)
{
    const char *v = sb_http_query(req, "company_id");
    *ok = true;
    if (!v || !*v)
        return 0;
    if (!all_digits(v) || strlen(v) > 9) {
        send_error(resp, 400, "company_id must be a number");
        *ok = false;
        return 0;
    }
    return atoi(v) ? atoi(v) : -1; /* 0 matches nothing */
}

static json_t *page_rows(json_t *a, long start, long end)
{
    if (start <= 0 && end <= 0)
        return a;
    json_t *out = json_array();
    for (long i = start < 0 ? 0 : start; i < (long)json_array_size(a) && (end <= 0 || i < end); i++)
        json_array_append(out, json_array_get(a, (size_t)i));
    json_decref(a);
    return out;
}

static void ep_payment(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    bool ok;
    int cid = company_filter(req, resp, &ok);
    if (!ok)
        return;
    json_t *a = cid < 0 ? json_array() : cxs_json_payments(s->w, cid);
    const char *dir = sb_http_query(req, "_sortModel[0][sort]");
    if (!dir || strcasecmp(dir, "desc") != 0) { /* ascending unless asked otherwise */
        json_t *r = json_array();
        for (size_t i = json_array_size(a); i > 0; i--)
            json_array_append(r, json_array_get(a, i - 1));
        json_decref(a);
        a = r;
    }
    send_json(resp, 200, page_rows(a, qlong(req, "_startRow", 0), qlong(req, "_endRow", 0)));
}

static void ep_card(cxs_server *s, const sb_http_request *req, sb_http_response *resp,
                    const char *rest)
{
    (void)s;
    char id[64];
    const char *slash = strchr(rest, '/');
    size_t l = slash ? (size_t)(slash - rest) : strlen(rest);
    if (l == 0 || l >= sizeof id) {
        send_error(resp, 404, "Record Not Found");
        return;
    }
    memcpy(id, rest, l);
    id[l] = '\0';
    const cxs_card *c = cxs_card_by_id(id);
    if (!c) {
        send_error(resp, 404, "Record Not Found");
        return;
    }
    if (!slash) {
        send_json(resp, 200, cxs_json_card(c));
        return;
    }
    /* rev/<n>/rule */
    const char *p = slash + 1;
    if (strncmp(p, "rev/", 4) != 0) {
        send_error(resp, 404, "Not Found");
        return;
    }
    p += 4;
    char rev[16];
    const char *e = strchr(p, '/');
    if (!e || (size_t)(e - p) >= sizeof rev || strcmp(e, "/rule") != 0) {
        send_error(resp, 404, "Not Found");
        return;
    }
    memcpy(rev, p, (size_t)(e - p));
    rev[e - p] = '\0';
    cxs_rule *rules = NULL;
    long n = all_digits(rev) && strlen(rev) < 6 ? cxs_card_rules(c, atoi(rev), &rules) : -1;
    if (n < 0) {
        send_error(resp, 404, "Record Not Found");
        return;
    }
    long limit = qlong(req, "limit", 1000), offset = qlong(req, "offset", 0);
    if (limit < 1 || limit > 10000 || offset < 0) {
        free(rules);
        send_error(resp, 400, "limit must be 1..10000 and offset >= 0");
        return;
    }
    json_t *a = json_array();
    for (long i = offset; i < n && i < offset + limit; i++)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:f, s:i, s:i, s:i}", "id",
                                           (json_int_t)(i + 1), "prefix", rules[i].prefix,
                                           "name", rules[i].name, "cost", rules[i].cost, "mcd",
                                           rules[i].mcd, "pulse", rules[i].pulse, "rev",
                                           atoi(rev)));
    free(rules);
    send_json(resp, 200, a);
}

static void ep_docs(cxs_server *s, const sb_http_request *req, sb_http_response *resp,
                    const char *rest)
{
    if (!rest || !*rest) {
        const char *q = sb_http_query(req, "s");
        send_json(resp, 200, cxs_docs_search(s->docs, q ? q : "", 20));
        return;
    }
    const char *md = cxs_docs_get(s->docs, rest);
    if (!md) {
        send_error(resp, 404, "Not Found");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/markdown; charset=utf-8";
    sb_buf_puts(&resp->body, md);
}

static void ep_breakout(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    resp->content_type = "application/json";
    resp->status = cxs_breakout_query(s->w, walk_params, (void *)req, s->nested_names,
                                      &resp->body);
}

static void ep_cdr(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    resp->content_type = "application/json";
    resp->status = cxs_cdr_query(s->w, req->body, req->body_len, &resp->body);
}

static void ep_auth(cxs_server *s, const sb_http_request *req, sb_http_response *resp,
                    cxs_auth_kind k, bool refresh)
{
    if (refresh ? (k != CXS_AUTH_BASIC && k != CXS_AUTH_BEARER_REFRESH)
                : k != CXS_AUTH_BEARER_REFRESH) {
        send_error(resp, 401, k == CXS_AUTH_BEARER_EXPIRED ? "Token expired"
                              : refresh ? "Basic credentials or a refresh token required"
                                        : "A refresh token is required");
        return;
    }
    long lifetime = 0;
    const char *aud = NULL;
    json_t *body = NULL;
    if (refresh && req->body_len) {
        body = json_loadb(req->body, req->body_len, 0, NULL);
        if (!json_is_object(body)) {
            json_decref(body);
            send_error(resp, 400, "body must be JSON {lifetime, audience}");
            return;
        }
        json_t *lt = json_object_get(body, "lifetime");
        if (lt && (!json_is_integer(lt) || json_integer_value(lt) < 60 ||
                   json_integer_value(lt) > 31536000)) {
            json_decref(body);
            send_error(resp, 400, "lifetime must be 60..31536000 seconds");
            return;
        }
        lifetime = lt ? (long)json_integer_value(lt) : 0;
        aud = json_string_value(json_object_get(body, "audience"));
    }
    char *tok = cxs_auth_issue(s->auth, refresh, lifetime, aud);
    json_decref(body);
    if (!tok) {
        send_error(resp, 500, "could not issue a token");
        return;
    }
    send_json(resp, 200, json_pack("{s:s}", "token", tok));
    free(tok);
}

static void route_get(cxs_server *s, const sb_http_request *req, sb_http_response *resp,
                      const char *p)
{
    bool ok;
    int cid;
    if (!strcmp(p, "setup/account"))
        send_json(resp, 200, json_pack("{s:i, s:s, s:s, s:s, s:s}", "id", 1, "name",
                                       "Sim Telecom Ltd", "email", cxs_auth_user(s->auth),
                                       "currency", "USD", "timezone", "UTC"));
    else if (!strcmp(p, "log"))
        ep_log(s, req, resp);
    else if (!strcmp(p, "log/trace"))
        ep_trace(s, req, resp);
    else if (!strcmp(p, "log/rtcp"))
        ep_call_artefact(s, req, resp, 0);
    else if (!strcmp(p, "log/class5"))
        ep_call_artefact(s, req, resp, 1);
    else if (!strcmp(p, "log/ai-agent"))
        ep_call_artefact(s, req, resp, 2);
    else if (!strcmp(p, "transcribe"))
        ep_call_artefact(s, req, resp, 3);
    else if (!strcmp(p, "breakout-aggrid"))
        ep_breakout(s, req, resp);
    else if (!strcmp(p, "customer"))
        ep_customer(s, req, resp, NULL);
    else if (!strncmp(p, "customer/", 9))
        ep_customer(s, req, resp, p + 9);
    else if (!strcmp(p, "switch/user")) {
        if ((cid = company_filter(req, resp, &ok)), ok)
            send_json(resp, 200, cid < 0 ? json_array()
                                         : cxs_json_switch_users(cid, qlong(req, "_limit", 0)));
    } else if (!strcmp(p, "switch/ip"))
        send_json(resp, 200, cxs_json_switch_ips(sb_http_query(req, "ip"), qlong(req, "_limit", 0)));
    else if (!strcmp(p, "payment"))
        ep_payment(s, req, resp);
    else if (!strcmp(p, "package") || !strcmp(p, "routing") || !strcmp(p, "invoice/billed")) {
        if ((cid = company_filter(req, resp, &ok)), !ok)
            return;
        json_t *a = cid < 0 ? json_array()
                    : p[0] == 'p' ? cxs_json_packages(cid)
                    : p[0] == 'r' ? cxs_json_routing(cid)
                                  : cxs_json_invoices(s->w, cid);
        send_json(resp, 200, a);
    } else if (!strncmp(p, "card/", 5))
        ep_card(s, req, resp, p + 5);
    else if (!strcmp(p, "setup/server/rtp-group"))
        send_json(resp, 200, cxs_json_rtp_groups());
    else if (!strcmp(p, "setup/rtp"))
        send_json(resp, 200, cxs_json_rtp_servers());
    else if (!strcmp(p, "docs"))
        ep_docs(s, req, resp, NULL);
    else if (!strncmp(p, "docs/", 5))
        ep_docs(s, req, resp, p + 5);
    else
        send_error(resp, 404, "Not Found");
}

static void route_post(cxs_server *s, const sb_http_request *req, sb_http_response *resp,
                       const char *p)
{
    if (!strcmp(p, "cdr"))
        ep_cdr(s, req, resp);
    else if (!strcmp(p, "setup/query/0/run"))
        send_error(resp, 400, "SQL not supported in simulator");
    else
        send_error(resp, 404, "Not Found");
}

/* ---- control endpoints (/_sim/...) ---- */

static void ctl_fault(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    json_t *b = json_loadb(req->body ? req->body : "", req->body_len, 0, NULL);
    const char *kind = json_string_value(json_object_get(b, "kind"));
    json_t *cnt = json_object_get(b, "count"), *ra = json_object_get(b, "retry_after");
    json_t *dl = json_object_get(b, "delay_ms");
    int rc = cxs_server_add_fault(s, kind, cnt ? (long)json_integer_value(cnt) : 1,
                                  ra ? (long)json_integer_value(ra) : 1,
                                  dl ? (long)json_integer_value(dl) : 0,
                                  json_string_value(json_object_get(b, "path")));
    json_decref(b);
    if (rc)
        send_error(resp, 400, "kind must be one of 401 403 404 429 500 502 503 slow timeout "
                              "close markdown truncated html expire (max 32 queued)");
    else
        send_json(resp, 200, json_pack("{s:o}", "faults", faults_json(s)));
}

static void ctl_token(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    json_t *b = json_loadb(req->body ? req->body : "", req->body_len, 0, NULL);
    const char *typ = json_string_value(json_object_get(b, "typ"));
    long ttl = (long)json_integer_value(json_object_get(b, "ttl"));
    bool refresh = !typ || strcmp(typ, "access") != 0;
    char *tok = cxs_auth_issue(s->auth, refresh, ttl,
                               json_string_value(json_object_get(b, "audience")));
    json_decref(b);
    if (!tok) {
        send_error(resp, 500, "could not issue a token");
        return;
    }
    send_json(resp, 200, json_pack("{s:s, s:s}", "token", tok, "typ", refresh ? "refresh" : "access"));
    free(tok);
}

static void ctl_config(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    json_t *b = json_loadb(req->body ? req->body : "", req->body_len, 0, NULL);
    const char *shape = json_string_value(json_object_get(b, "rtcp_shape"));
    json_t *rl = json_object_get(b, "rate_limit");
    pthread_mutex_lock(&s->mu);
    if (shape)
        s->rtcp_array = strcmp(shape, "array") == 0;
    const char *names = json_string_value(json_object_get(b, "dest_names"));
    if (names)
        s->nested_names = strcmp(names, "nested") == 0;
    if (json_is_integer(rl))
        s->rate_limit = (long)json_integer_value(rl);
    json_t *cfg = json_pack("{s:s, s:s, s:I, s:I}", "rtcp_shape", s->rtcp_array ? "array" : "object",
                            "dest_names", s->nested_names ? "nested" : "flat",
                            "rate_limit", (json_int_t)s->rate_limit, "access_ttl",
                            (json_int_t)s->opt.access_ttl);
    pthread_mutex_unlock(&s->mu);
    json_decref(b);
    send_json(resp, 200, cfg);
}

static void control(cxs_server *s, const sb_http_request *req, sb_http_response *resp)
{
    const char *p = req->path + 6, *m = req->method;
    if (!strcmp(p, "truth") && !strcmp(m, "GET")) {
        pthread_mutex_lock(&s->truth_mu);
        if (!s->truth) {
            json_t *t = cxs_truth_json(s->w);
            s->truth = t ? json_dumps(t, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
            json_decref(t);
        }
        bool ok = s->truth && sb_buf_puts(&resp->body, s->truth) == 0;
        pthread_mutex_unlock(&s->truth_mu);
        if (!ok)
            send_error(resp, 500, "out of memory");
    } else if (!strcmp(p, "health")) {
        send_json(resp, 200, json_pack("{s:b, s:I}", "ok", 1, "cdrs",
                                       (json_int_t)cxs_world_total(s->w)));
    } else if (!strcmp(p, "requests") && !strcmp(m, "GET")) {
        long since = qlong(req, "since", 0);
        send_json(resp, 200, log_json(s, since > 0 ? (uint64_t)since : 0));
    } else if (!strcmp(p, "requests") && !strcmp(m, "DELETE")) {
        log_clear(s);
        send_json(resp, 200, json_pack("{s:b}", "cleared", 1));
    } else if (!strcmp(p, "fault") && !strcmp(m, "POST")) {
        ctl_fault(s, req, resp);
    } else if (!strcmp(p, "fault") && !strcmp(m, "GET")) {
        send_json(resp, 200, faults_json(s));
    } else if (!strcmp(p, "fault") && !strcmp(m, "DELETE")) {
        pthread_mutex_lock(&s->mu);
        s->nfaults = 0;
        pthread_mutex_unlock(&s->mu);
        send_json(resp, 200, json_array());
    } else if (!strcmp(p, "expire") && !strcmp(m, "POST")) {
        cxs_auth_expire_access(s->auth);
        send_json(resp, 200, json_pack("{s:b}", "expired", 1));
    } else if (!strcmp(p, "token") && !strcmp(m, "POST")) {
        ctl_token(s, req, resp);
    } else if (!strcmp(p, "config") && !strcmp(m, "POST")) {
        ctl_config(s, req, resp);
    } else {
        send_error(resp, 404, "Not Found");
    }
}

/* ---- entry ---- */

static bool auth_ok(cxs_server *s, cxs_auth_kind k, sb_http_response *resp)
{
    if (k == CXS_AUTH_BASIC || k == CXS_AUTH_BEARER_ACCESS)
        return true;
    send_error(resp, 401, k == CXS_AUTH_BEARER_EXPIRED   ? "Token expired"
                          : k == CXS_AUTH_BEARER_REFRESH ? "An access token is required"
                          : k == CXS_AUTH_NONE           ? "Unauthorized"
                                                         : "Invalid credentials");
    (void)s;
    return false;
}

static void api(cxs_server *s, const sb_http_request *req, sb_http_response *resp,
                cxs_auth_kind k)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", req->path + strlen(API_PREFIX));
    size_t l = strlen(p);
    while (l && p[l - 1] == '/')
        p[--l] = '\0';
    bool get = !strcmp(req->method, "GET"), post = !strcmp(req->method, "POST");
    if (!strcmp(p, "auth/jwt/refresh") && post)
        ep_auth(s, req, resp, k, true);
    else if (!strcmp(p, "auth/jwt") && get)
        ep_auth(s, req, resp, k, false);
    else if (!auth_ok(s, k, resp))
        return;
    else if (get)
        route_get(s, req, resp, p);
    else if (post)
        route_post(s, req, resp, p);
    else
        send_error(resp, 405, "Method Not Allowed");
}

void cxs_server_handle(void *ud, const sb_http_request *req, sb_http_response *resp)
{
    cxs_server *s = ud;
    if (!strncmp(req->path, "/_sim/", 6)) {
        control(s, req, resp);
        return;
    }
    cxs_auth_kind k = cxs_auth_check(s->auth, sb_http_header(req, "Authorization"));
    uint64_t seq = log_start(s, req, k);
    if (s->opt.verbose)
        sb_info("cxsim", "%s %s (%s)", req->method, req->target, cxs_auth_kind_name(k));
    fault f;
    bool have = take_fault(s, req->target, &f);
    const char *fail = sb_http_query(req, "_sim_fail");
    if (fail && (!strcmp(fail, "429") || !strcmp(fail, "500"))) {
        error_status(resp, atoi(fail), 1);
    } else if (rate_limited(s)) {
        error_status(resp, 429, 1);
    } else if (have && apply_fault(s, &f, resp)) {
        /* the fault is the answer */
    } else if (strncmp(req->path, API_PREFIX, strlen(API_PREFIX)) != 0) {
        send_error(resp, 404, "Not Found");
    } else {
        api(s, req, resp, k);
        if (have)
            apply_post_fault(&f, resp);
    }
    log_finish(s, seq, resp->close ? 0 : resp->status);
}

cxs_server *cxs_server_new(cxs_world *w, cxs_docs *docs, const cxs_server_opts *o)
{
    cxs_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->log = calloc(LOG_CAP, sizeof *s->log);
    s->auth = cxs_auth_new(o->username, o->password, o->access_ttl);
    if (!s->log || !s->auth) {
        free(s->log);
        cxs_auth_free(s->auth);
        free(s);
        return NULL;
    }
    s->w = w;
    s->docs = docs;
    s->opt = *o;
    if (s->opt.access_ttl <= 0)
        s->opt.access_ttl = 900;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->truth_mu, NULL);
    atomic_init(&s->rtcp_array, o->rtcp_array);
    atomic_init(&s->nested_names, o->nested_names);
    atomic_init(&s->rate_limit, o->rate_limit);
    if (o->refresh_token && *o->refresh_token)
        cxs_auth_add_refresh(s->auth, o->refresh_token, (int64_t)time(NULL) + 30 * 86400);
    return s;
}

void cxs_server_stopping(cxs_server *s) { atomic_store(&s->stopping, 1); }

void cxs_server_free(cxs_server *s)
{
    if (!s)
        return;
    log_clear(s);
    free(s->log);
    free(s->truth);
    cxs_auth_free(s->auth);
    cxs_docs_free(s->docs);
    cxs_world_free(s->w);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->truth_mu);
    free(s);
}
