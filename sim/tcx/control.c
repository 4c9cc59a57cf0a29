/* The simulator's front door and test controls: the request handler that every HTTP request
 * passes (request log → fault rules → /connect/token or /xapi/v1 with the bearer check), the
 * fault rules (next N requests on a path answer a status, malformed JSON, a dropped connection
 * or a delay), the request log tests read to assert the exact upstream calls, and the /_sim/
 * control endpoints (fault, requests, tokens, config, reset, stats, shutdown). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "xapi.h"

int64_t tsim_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tsim_now_ms(const tsim_state *st)
{
    return st->cfg.now_ms + (tsim_mono_ms() - st->start_mono_ms);
}

/* ---- state ---- */

int tsim_state_init(tsim_state *st, const tsim_config *cfg)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    st->cfg = *cfg;
    st->start_mono_ms = tsim_mono_ms();
    st->log = json_array();
    return tsim_seed(st);
}

int tsim_add_principal(tsim_state *st, const char *id, const char *secret, const char *role)
{
    if (st->nprincipals >= TSIM_MAX_PRINCIPALS)
        return -1;
    for (int i = 0; i < st->nprincipals; i++)
        if (strcmp(st->principals[i].client_id, id) == 0)
            return -1;
    tsim_principal *p = &st->principals[st->nprincipals++];
    p->client_id = strdup(id);
    p->secret = strdup(secret);
    p->role = strdup(role);
    return p->client_id && p->secret && p->role ? 0 : -1;
}

void tsim_state_free(tsim_state *st)
{
    json_t *sets[] = {st->system_status, st->users,   st->groups,     st->trunks,
                      st->active_calls,  st->calllog, st->history,    st->queues,
                      st->ringgroups,    st->contacts, st->eventlogs, st->timezones, st->log};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        json_decref(sets[i]);
    for (int i = 0; i < st->nprincipals; i++) {
        free(st->principals[i].client_id);
        free(st->principals[i].secret);
        free(st->principals[i].role);
    }
    tsim_tokens_free(st);
    tsim_faults_free(st);
    pthread_mutex_destroy(&st->mu);
}

/* ---- faults ---- */

static void fault_clear(tsim_fault *f)
{
    free(f->path);
    free(f->method);
    memset(f, 0, sizeof *f);
}

void tsim_faults_free(tsim_state *st)
{
    for (int i = 0; i < st->nfaults; i++)
        fault_clear(&st->faults[i]);
    st->nfaults = 0;
}

int tsim_fault_add(tsim_state *st, const json_t *rule, char *err, size_t errlen)
{
    if (!json_is_object(rule)) {
        snprintf(err, errlen, "a fault rule is a JSON object");
        return -1;
    }
    if (st->nfaults >= TSIM_MAX_FAULTS) {
        snprintf(err, errlen, "at most %d fault rules", TSIM_MAX_FAULTS);
        return -1;
    }
    tsim_fault f = {0};
    json_t *v;
    const char *key;
    json_object_foreach((json_t *)rule, key, v) {
        if (strcmp(key, "path") == 0 && json_is_string(v))
            f.path = strdup(json_string_value(v));
        else if (strcmp(key, "method") == 0 && json_is_string(v))
            f.method = strdup(json_string_value(v));
        else if (strcmp(key, "count") == 0 && json_is_integer(v) && json_integer_value(v) >= -1 &&
                 json_integer_value(v) <= 1000000)
            f.remaining = (int)json_integer_value(v);
        else if (strcmp(key, "status") == 0 && json_is_integer(v) &&
                 json_integer_value(v) >= 200 && json_integer_value(v) <= 599)
            f.status = (int)json_integer_value(v);
        else if (strcmp(key, "delay_ms") == 0 && json_is_integer(v) &&
                 json_integer_value(v) >= 0 && json_integer_value(v) <= 600000)
            f.delay_ms = (int)json_integer_value(v);
        else if (strcmp(key, "malformed") == 0 && json_is_boolean(v))
            f.malformed = json_is_true(v);
        else if (strcmp(key, "close") == 0 && json_is_boolean(v))
            f.close = json_is_true(v);
        else {
            snprintf(err, errlen, "bad fault field '%.40s' (path, method, count, status, "
                     "delay_ms, malformed, close)", key);
            fault_clear(&f);
            return -1;
        }
    }
    if (!json_object_get(rule, "count"))
        f.remaining = 1;
    if (!f.status && !f.delay_ms && !f.malformed && !f.close) {
        snprintf(err, errlen, "a fault rule needs status, delay_ms, malformed or close");
        fault_clear(&f);
        return -1;
    }
    if (f.remaining == 0) {
        fault_clear(&f);
        return 0;
    }
    st->faults[st->nfaults++] = f;
    return 0;
}

bool tsim_fault_take(tsim_state *st, const sb_http_request *req, tsim_fault *out)
{
    for (int i = 0; i < st->nfaults; i++) {
        tsim_fault *f = &st->faults[i];
        if (f->path && !strstr(req->target, f->path))
            continue;
        if (f->method && strcmp(f->method, req->method) != 0)
            continue;
        *out = *f;
        out->path = out->method = NULL;
        if (f->remaining > 0 && --f->remaining == 0) {
            fault_clear(f);
            memmove(f, f + 1, (size_t)(st->nfaults - i - 1) * sizeof *f);
            st->nfaults--;
        }
        return true;
    }
    return false;
}

static json_t *faults_json(const tsim_state *st)
{
    json_t *arr = json_array();
    for (int i = 0; i < st->nfaults; i++) {
        const tsim_fault *f = &st->faults[i];
        json_array_append_new(arr, json_pack("{s:s?, s:s?, s:i, s:i, s:i, s:b, s:b}", "path",
                                             f->path, "method", f->method, "count", f->remaining,
                                             "status", f->status, "delay_ms", f->delay_ms,
                                             "malformed", f->malformed, "close", f->close));
    }
    return arr;
}

/* ---- request log ---- */

static char *masked_body(const tsim_state *st, const sb_http_request *req)
{
    size_t n = req->body_len < TSIM_MAX_LOG_BODY ? req->body_len : TSIM_MAX_LOG_BODY;
    char *b = strndup(req->body ? req->body : "", n);
    if (!b)
        return NULL;
    /* the token request carries the client secret: never keep it */
    for (int i = 0; i < st->nprincipals; i++) {
        const char *s = st->principals[i].secret;
        size_t sl = strlen(s);
        for (char *p = sl ? strstr(b, s) : NULL; p; p = strstr(p + 3, s)) {
            memcpy(p, "***", 3);
            memmove(p + 3, p + sl, strlen(p + sl) + 1);
        }
    }
    for (char *p = strstr(b, "client_secret="); p; p = strstr(p, "client_secret=")) {
        p += 14;
        size_t vl = strcspn(p, "&");
        if (vl != 3 || memcmp(p, "***", 3) != 0) {
            memmove(p + 3, p + vl, strlen(p + vl) + 1);
            memcpy(p, "***", 3);
        }
    }
    return b;
}

void tsim_log_request(tsim_state *st, const sb_http_request *req)
{
    if (json_array_size(st->log) >= TSIM_MAX_LOG) {
        st->log_dropped++;
        return;
    }
    static const char *const hdrs[] = {"Content-Type", "Accept", "User-Agent", "Host",
                                       "Content-Length", "If-Match", "OData-Version",
                                       "Prefer", "Accept-Encoding"};
    json_t *h = json_object();
    for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
        const char *v = sb_http_header(req, hdrs[i]);
        if (v)
            json_object_set_new(h, hdrs[i], json_string(v));
    }
    const char *auth = sb_http_header(req, "Authorization");
    size_t scheme = auth ? strcspn(auth, " ") : 0;
    const char *q = strchr(req->target, '?');
    char *body = masked_body(st, req);
    json_t *jbody = body ? json_string(body) : NULL;
    if (body && !jbody)
        jbody = json_sprintf("<%zu bytes, not UTF-8>", req->body_len);
    free(body);
    size_t plen = q ? (size_t)(q - req->target) : strlen(req->target);
    char *path = tsim_pct_decode(req->target, plen, false);
    json_t *jpath = path ? json_string(path) : NULL;
    free(path);
    json_t *rec = json_pack("{s:I, s:s, s:s, s:o*, s:s?, s:o, s:b, s:s%, s:o*}", "seq",
                            (json_int_t)(json_array_size(st->log) + st->log_dropped + 1),
                            "method", req->method, "target", req->target, "path", jpath, "query",
                            q ? q + 1 : NULL, "headers", h, "authorization", auth != NULL,
                            "auth_scheme", auth ? auth : "", scheme, "body", jbody);
    if (rec)
        json_array_append_new(st->log, rec);
}

/* ---- /_sim/ endpoints ---- */

static json_t *config_json(const tsim_state *st)
{
    json_t *roles = json_object();
    for (int i = 0; i < st->nprincipals; i++)
        json_object_set_new(roles, st->principals[i].client_id,
                            json_string(st->principals[i].role));
    char now[40];
    tsim_format_datetime(tsim_now_ms(st), true, now, sizeof now);
    return json_pack("{s:s, s:s, s:i, s:b, s:b, s:I, s:b, s:o, s:s}", "expires_in_unit",
                     st->cfg.legacy_expiry_minutes ? "minutes" : "seconds", "now", now,
                     "token_lifetime_s", st->cfg.token_lifetime_s, "single_token",
                     st->cfg.single_token, "ignore_calllog_orderby", st->cfg.ignore_calllog_orderby,
                     "report_row_limit", (json_int_t)st->cfg.report_row_limit,
                     "case_sensitive_contains", st->cfg.odata.case_sensitive_contains, "roles",
                     roles, "version", TSIM_VERSION);
}

static int set_role(tsim_state *st, const json_t *roles)
{
    const char *id;
    json_t *v;
    json_object_foreach((json_t *)roles, id, v) {
        int k = -1;
        for (int i = 0; i < st->nprincipals; i++)
            if (strcmp(st->principals[i].client_id, id) == 0)
                k = i;
        if (k < 0 || !json_is_string(v))
            return -1;
        char *r = strdup(json_string_value(v));
        if (!r)
            return -1;
        free(st->principals[k].role);
        st->principals[k].role = r;
    }
    return 0;
}

static int apply_config(tsim_state *st, const json_t *c, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)c, key, v) {
        bool ok = true;
        if (strcmp(key, "expires_in_unit") == 0 && json_is_string(v))
            st->cfg.legacy_expiry_minutes = strcmp(json_string_value(v), "minutes") == 0;
        else if (strcmp(key, "token_lifetime_s") == 0 && json_is_integer(v) &&
                 json_integer_value(v) > 0 && json_integer_value(v) <= 86400 * 30)
            st->cfg.token_lifetime_s = (int)json_integer_value(v);
        else if (strcmp(key, "single_token") == 0 && json_is_boolean(v))
            st->cfg.single_token = json_is_true(v);
        else if (strcmp(key, "ignore_calllog_orderby") == 0 && json_is_boolean(v))
            st->cfg.ignore_calllog_orderby = json_is_true(v);
        else if (strcmp(key, "report_row_limit") == 0 && json_is_integer(v) &&
                 json_integer_value(v) >= 0)
            st->cfg.report_row_limit = (long)json_integer_value(v);
        else if (strcmp(key, "case_sensitive_contains") == 0 && json_is_boolean(v))
            st->cfg.odata.case_sensitive_contains = json_is_true(v);
        else if (strcmp(key, "roles") == 0 && json_is_object(v))
            ok = set_role(st, v) == 0;
        else
            ok = false;
        if (!ok) {
            snprintf(err, errlen, "bad config field '%.40s'", key);
            return -1;
        }
    }
    return 0;
}

static void control_error(sb_http_response *resp, const char *msg)
{
    tsim_json_response(resp, 400, json_pack("{s:s}", "error", msg));
}

static json_t *control_body(const sb_http_request *req, sb_http_response *resp)
{
    json_t *b = json_loadb(req->body, req->body_len, 0, NULL);
    if (!b)
        control_error(resp, "the body must be JSON");
    return b;
}

static void control_fault(tsim_state *st, const sb_http_request *req, sb_http_response *resp)
{
    if (strcmp(req->method, "DELETE") == 0) {
        tsim_faults_free(st);
        resp->status = 204;
        return;
    }
    if (strcmp(req->method, "POST") == 0) {
        json_t *b = control_body(req, resp);
        if (!b)
            return;
        char err[160];
        int rc = 0;
        if (json_is_array(b)) {
            size_t i;
            json_t *r;
            json_array_foreach(b, i, r) if (rc == 0) rc = tsim_fault_add(st, r, err, sizeof err);
        } else {
            rc = tsim_fault_add(st, b, err, sizeof err);
        }
        json_decref(b);
        if (rc < 0) {
            control_error(resp, err);
            return;
        }
    }
    tsim_json_response(resp, 200, json_pack("{s:o}", "faults", faults_json(st)));
}

static void control_config(tsim_state *st, const sb_http_request *req, sb_http_response *resp)
{
    if (strcmp(req->method, "POST") == 0) {
        json_t *b = control_body(req, resp);
        if (!b)
            return;
        char err[160];
        int rc = json_is_object(b) ? apply_config(st, b, err, sizeof err) : -1;
        if (!json_is_object(b))
            snprintf(err, sizeof err, "the config is a JSON object");
        json_decref(b);
        if (rc < 0) {
            control_error(resp, err);
            return;
        }
    }
    tsim_json_response(resp, 200, config_json(st));
}

void tsim_control(tsim_state *st, const sb_http_request *req, sb_http_response *resp)
{
    const char *p = req->path + 6; /* after "/_sim/" */
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    if (strcmp(p, "requests") == 0 && get) {
        tsim_json_response(resp, 200, json_pack("{s:O, s:I}", "requests", st->log, "dropped",
                                                (json_int_t)st->log_dropped));
    } else if (strcmp(p, "requests") == 0 && strcmp(req->method, "DELETE") == 0) {
        json_array_clear(st->log);
        st->log_dropped = 0;
        resp->status = 204;
    } else if (strcmp(p, "fault") == 0) {
        control_fault(st, req, resp);
    } else if (strcmp(p, "config") == 0 && (get || post)) {
        control_config(st, req, resp);
    } else if (strcmp(p, "tokens/revoke") == 0 && post) {
        tsim_revoke_all(st);
        resp->status = 204;
    } else if (strcmp(p, "reset") == 0 && post) {
        tsim_seed(st);
        tsim_faults_free(st);
        json_array_clear(st->log);
        st->log_dropped = 0;
        resp->status = 204;
    } else if (strcmp(p, "stats") == 0 && get) {
        tsim_json_response(resp, 200,
                           json_pack("{s:I, s:I, s:I}", "token_requests",
                                     (json_int_t)st->token_requests, "xapi_requests",
                                     (json_int_t)st->xapi_requests, "live_tokens",
                                     (json_int_t)st->ntokens));
    } else if (strcmp(p, "shutdown") == 0 && post) {
        st->stop_requested = 1;
        resp->status = 204;
    } else {
        resp->status = 404;
    }
}

/* ---- the front door ---- */

static void apply_fault(tsim_state *st, const sb_http_request *req, const tsim_fault *f,
                        sb_http_response *resp)
{
    if (strncmp(req->path, "/xapi/", 6) == 0 && !f->close) {
        sb_http_set_header(resp, "OData-Version", "4.0");
        sb_http_set_header(resp, "X-3CX-Version", TSIM_VERSION);
    }
    if (f->close) {
        resp->close = true;
    } else if (f->malformed) {
        char ctx[300];
        snprintf(ctx, sizeof ctx, "{\"@odata.context\":\"https://%s/xapi/v1/$metadata#Users\","
                 "\"value\":[{\"Id\":26,\"Number\":\"10", st->cfg.fqdn);
        resp->status = 200;
        resp->content_type = "application/json; odata.metadata=minimal; charset=utf-8";
        sb_buf_puts(&resp->body, ctx);
    } else if (f->status == 401) {
        resp->status = 401;
        sb_http_set_header(resp, "WWW-Authenticate", "Bearer");
    } else if (f->status == 403 || f->status == 404 || f->status == 405) {
        resp->status = f->status;
    } else {
        char msg[80];
        snprintf(msg, sizeof msg, "Simulated upstream failure (HTTP %d).", f->status);
        tsim_odata_error(resp, f->status, msg);
    }
}

static void route(tsim_state *st, const sb_http_request *req, sb_http_response *resp,
                  const char *path, const char *query, size_t qlen)
{
    if (strcmp(path, "/connect/token") == 0) {
        tsim_token_endpoint(st, req, resp);
        return;
    }
    if (strncmp(path, "/xapi/v1", 8) != 0 || (path[8] != '\0' && path[8] != '/')) {
        resp->status = 404;
        return;
    }
    st->xapi_requests++;
    sb_http_set_header(resp, "OData-Version", "4.0");
    sb_http_set_header(resp, "X-3CX-Version", TSIM_VERSION);
    int who = tsim_authenticate(st, req);
    if (who < 0) {
        resp->status = 401;
        sb_http_set_header(resp, "WWW-Authenticate", "Bearer");
        return;
    }
    tsim_xapi(st, who, req, resp, path[8] ? path + 9 : "", query, qlen);
}

void tsim_handle(void *ud, const sb_http_request *req, sb_http_response *resp)
{
    tsim_state *st = ud;
    if (strncmp(req->path, "/_sim/", 6) == 0) {
        pthread_mutex_lock(&st->mu);
        tsim_control(st, req, resp);
        pthread_mutex_unlock(&st->mu);
        return;
    }
    tsim_fault f;
    pthread_mutex_lock(&st->mu);
    tsim_log_request(st, req);
    bool faulty = tsim_fault_take(st, req, &f);
    pthread_mutex_unlock(&st->mu);
    /* a slow upstream: sleep in slices so that a stopping simulator is not held up */
    for (int waited = 0; faulty && waited < f.delay_ms && !st->stop_requested; waited += 20) {
        int step = f.delay_ms - waited < 20 ? f.delay_ms - waited : 20;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (faulty && (f.status || f.malformed || f.close)) {
        apply_fault(st, req, &f, resp);
        return;
    }
    const char *target = req->target, *q = strchr(target, '?');
    size_t plen = q ? (size_t)(q - target) : strlen(target);
    char *path = tsim_pct_decode(target, plen, false);
    if (!path) {
        tsim_odata_error(resp, 400, "The request path is not valid percent-encoding.");
        return;
    }
    const char *query = q ? q + 1 : "";
    pthread_mutex_lock(&st->mu);
    route(st, req, resp, path, query, strlen(query));
    pthread_mutex_unlock(&st->mu);
    if (st->cfg.verbose)
        sb_info("tcx-sim", "%s %s -> %d", req->method, path, resp->status);
    free(path);
}
