/* The ConnexCS REST API client (see cx_client.h): configuration, token management, requests
 * with one re-authentication after a 401 and bounded 429 back-off, and error texts a person
 * can act on. */
#include "connect/connexcs/cx_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connect/http.h"
#include "util/log.h"

#define CX_MOD "connexcs"
#define CX_MAX_429_RETRIES 3
#define CX_ACCESS_MARGIN_S 60
#define CX_REFRESH_RENEW_S (15LL * 86400)
#define CX_REFRESH_LIFETIME_S 2592000
#define CX_JWT_EXP_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

struct cx_client {
    cx_config cfg;
    pthread_mutex_t lock;
    char *access;          /* cached access JWT */
    long long access_exp;  /* its exp, 0 = unknown */
    bool refresh_checked;  /* the 15-day renewal was considered */
    atomic_ulong nreq;
    cx_transport_fn transport; /* NULL = HTTP */
    void *transport_ud;
};

/* ---- configuration ----------------------------------------------------------------------- */

static char *env_dup(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        return NULL;
    while (*v == ' ' || *v == '\t')
        v++;
    if (!*v)
        return NULL;
    char *s = strdup(v);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static bool env_true(const char *name)
{
    const char *v = getenv(name);
    return v && (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"));
}

static long env_long(const char *name, long def, long lo, long hi)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < lo || n > hi)
        return def;
    return n;
}

/* Unix seconds, or YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS[Z]; 0 when unparsable. */
static time_t parse_now(const char *v)
{
    if (!v || !*v)
        return 0;
    bool digits = true;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9')
            digits = false;
    if (digits)
        return (time_t)strtoll(v, NULL, 10);
    struct tm tm = {0};
    const char *p = strptime(v, "%Y-%m-%d", &tm);
    if (!p)
        return 0;
    if (*p == 'T' || *p == ' ') {
        p = strptime(p + 1, "%H:%M:%S", &tm);
        if (!p)
            return 0;
    }
    return timegm(&tm);
}

bool cx_config_from_env(cx_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->username = env_dup("API_USERNAME");
    cfg->refresh_token = env_dup("CONNEXCS_API_TOKEN");
    cfg->password = env_dup("API_PASSWORD");
    char *base = env_dup("CONNEXCS_BASE_URL");
    cfg->verbose = env_true("VERBOSE");
    cfg->timeout_ms = env_long("CONNEXCS_TIMEOUT_MS", 30000, 100, 600000);
    cfg->max_retry_wait_s = env_long("CONNEXCS_MAX_RETRY_WAIT_S", 10, 0, 300);
    cfg->now_override = parse_now(getenv("CONNEXCS_NOW"));
    const char *b = base ? base : CX_DEFAULT_BASE_URL;
    size_t n = strlen(b);
    cfg->base_url = malloc(n + 2);
    if (cfg->base_url) {
        memcpy(cfg->base_url, b, n + 1);
        if (n == 0 || b[n - 1] != '/')
            strcat(cfg->base_url, "/");
    }
    bool configured = cfg->username || cfg->refresh_token || cfg->password || base;
    free(base);
    if (cfg->refresh_token)
        sb_log_add_secret(cfg->refresh_token);
    if (cfg->password)
        sb_log_add_secret(cfg->password);
    return configured;
}

void cx_config_free(cx_config *cfg)
{
    free(cfg->username);
    free(cfg->refresh_token);
    free(cfg->password);
    free(cfg->base_url);
    memset(cfg, 0, sizeof *cfg);
}

const char *cx_config_problem(const cx_config *cfg)
{
    if (!cfg->username)
        return CX_MSG_NO_USERNAME;
    if (!cfg->refresh_token && !cfg->password)
        return "No ConnexCS credential is set: set CONNEXCS_API_TOKEN to a refresh JWT (Setup > "
               "Integrations > JWT Keys, type Refresh Token) or API_PASSWORD for Basic auth.";
    if (!cfg->base_url)
        return "out of memory";
    return NULL;
}

/* ---- client ------------------------------------------------------------------------------ */

cx_client *cx_client_new(cx_config *cfg)
{
    cx_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->nreq, 0);
    return c;
}

void cx_client_free(cx_client *c)
{
    if (!c)
        return;
    cx_config_free(&c->cfg);
    free(c->access);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

const cx_config *cx_client_config(const cx_client *c) { return &c->cfg; }

time_t cx_client_now(const cx_client *c)
{
    return c->cfg.now_override ? c->cfg.now_override : time(NULL);
}

void cx_client_set_transport(cx_client *c, cx_transport_fn fn, void *ud)
{
    c->transport = fn;
    c->transport_ud = ud;
}

unsigned long cx_client_request_count(const cx_client *c)
{
    return atomic_load(&((cx_client *)c)->nreq);
}

void cx_response_free(cx_response *r)
{
    if (!r)
        return;
    json_decref(r->json);
    free(r->text);
    free(r->content_type);
    r->json = NULL;
    r->text = NULL;
    r->content_type = NULL;
}

/* ---- JWT --------------------------------------------------------------------------------- */

static int b64url_val(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '-' || ch == '+')
        return 62;
    if (ch == '_' || ch == '/')
        return 63;
    return -1;
}

long long cx_jwt_exp(const char *jwt)
{
    if (!jwt)
        return 0;
    const char *p = strchr(jwt, '.');
    if (!p)
        return 0;
    p++;
    const char *e = strchr(p, '.');
    if (!e || e - p > 8192)
        return 0;
    size_t n = (size_t)(e - p);
    unsigned char *out = malloc(n + 1);
    if (!out)
        return 0;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '=')
            break;
        int v = b64url_val(p[i]);
        if (v < 0) {
            free(out);
            return 0;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    json_t *j = json_loadb((const char *)out, o, 0, NULL);
    free(out);
    /* exp is kept within [1, year 9999] so "exp - now" never overflows (a hostile token may
     * say -2^63 or 1e300; found by fuzz/cx_auth); 0 stays "absent". */
    double exp = 0;
    json_t *x = json_object_get(j, "exp");
    if (json_is_integer(x))
        exp = (double)json_integer_value(x);
    else if (json_is_real(x))
        exp = json_real_value(x);
    json_decref(j);
    if (exp == 0 || exp != exp)
        return 0;
    return exp < 1 ? 1 : exp > CX_JWT_EXP_MAX ? CX_JWT_EXP_MAX : (long long)exp;
}

static char *basic_header(const cx_config *cfg)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t lu = strlen(cfg->username), lp = strlen(cfg->password);
    size_t n = lu + 1 + lp;
    unsigned char *raw = malloc(n);
    char *out = malloc(32 + 4 * (n / 3 + 1));
    if (!raw || !out) {
        free(raw);
        free(out);
        return NULL;
    }
    memcpy(raw, cfg->username, lu);
    raw[lu] = ':';
    memcpy(raw + lu + 1, cfg->password, lp);
    size_t o = (size_t)sprintf(out, "Authorization: Basic ");
    char *enc = out + o;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)raw[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)raw[i + 1] << 8;
        if (i + 2 < n)
            v |= raw[i + 2];
        enc[k++] = tbl[(v >> 18) & 63];
        enc[k++] = tbl[(v >> 12) & 63];
        enc[k++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        enc[k++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    enc[k] = '\0';
    free(raw);
    sb_log_add_secret(enc);
    return out;
}

static char *bearer_header(const char *token)
{
    size_t n = strlen(token) + 32;
    char *h = malloc(n);
    if (h)
        snprintf(h, n, "Authorization: Bearer %s", token);
    return h;
}

/* ---- one HTTP exchange ------------------------------------------------------------------- */

static char *make_url(const cx_client *c, const char *path, const char *query)
{
    while (*path == '/')
        path++;
    size_t n = strlen(c->cfg.base_url) + strlen(path) + (query ? strlen(query) : 0) + 2;
    char *u = malloc(n);
    if (u)
        snprintf(u, n, "%s%s%s%s", c->cfg.base_url, path, query && *query ? "?" : "",
                 query && *query ? query : "");
    return u;
}

static int exchange(cx_client *c, const char *method, const char *path, const char *query,
                    const char *auth, const char *body, const volatile int *cancel,
                    cn_http_response *hr)
{
    char *url = make_url(c, path, query);
    if (!url)
        return -1;
    const char *headers[4];
    size_t nh = 0;
    headers[nh++] = "Accept: application/json";
    if (body)
        headers[nh++] = "Content-Type: application/json";
    if (auth)
        headers[nh++] = auth;
    headers[nh] = NULL;
    cn_http_request rq = {
        .method = method,
        .url = url,
        .headers = headers,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .timeout_ms = c->cfg.timeout_ms,
        .cancel = cancel,
    };
    atomic_fetch_add(&c->nreq, 1);
    if (c->cfg.verbose) /* VERBOSE: each upstream request on stderr (never its headers) */
        sb_log(SB_LOG_INFO, CX_MOD, "%s %s%s%s", method, path, query && *query ? "?" : "",
               query && *query ? query : "");
    int rc = c->transport ? c->transport(c->transport_ud, method, path, query, body, hr)
                          : cn_http_perform(&rq, hr);
    free(url);
    return rc;
}

/* Extracts a short reason from an error body: JSON error/message, or short non-HTML text. */
static void upstream_reason(const cn_http_response *hr, char *out, size_t n)
{
    out[0] = '\0';
    if (!hr->body.data || !hr->body.len)
        return;
    json_t *j = json_loadb(hr->body.data, hr->body.len, 0, NULL);
    if (j) {
        const char *keys[] = {"error", "message", "msg"};
        for (size_t i = 0; i < 3; i++) {
            json_t *v = json_object_get(j, keys[i]);
            if (json_is_string(v)) {
                snprintf(out, n, "%s", json_string_value(v));
                break;
            }
        }
        json_decref(j);
        sb_log_redact(out);
        return;
    }
    const char *b = hr->body.data;
    while (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')
        b++;
    if (*b == '<')
        return; /* an HTML page says nothing useful */
    snprintf(out, n, "%.160s", b);
    for (char *p = out; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    sb_log_redact(out); /* upstream text goes into results: mask anything that looks like a credential */
}

/* ---- tokens ------------------------------------------------------------------------------ */

/* Fetches a token via path with the given auth header; *token gets the value. */
static int fetch_token(cx_client *c, const char *method, const char *path, const char *auth,
                       const char *body, const volatile int *cancel, char **token,
                       cx_response *resp)
{
    cn_http_response hr;
    memset(&hr, 0, sizeof hr);
    int rc = exchange(c, method, path, NULL, auth, body, cancel, &hr);
    resp->attempts++;
    int out = -1;
    if (rc != 0) {
        resp->cancelled = hr.error == CN_HTTP_ERR_CANCELLED;
        snprintf(resp->error, sizeof resp->error,
                 "Could not reach ConnexCS at %s to authenticate: %s", c->cfg.base_url,
                 hr.message[0] ? hr.message : "transport error");
        goto done;
    }
    resp->status = hr.status;
    if (hr.status == 401 || hr.status == 403) {
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS rejected the refresh token (HTTP %ld on %s). CONNEXCS_API_TOKEN may be "
                 "expired or revoked: create a new Refresh Token under Setup > Integrations > JWT "
                 "Keys, or set API_PASSWORD for Basic auth.",
                 hr.status, path);
        goto done;
    }
    json_t *j = hr.status / 100 == 2 ? json_loadb(hr.body.data, hr.body.len, 0, NULL) : NULL;
    const char *t = json_string_value(json_object_get(j, "token"));
    if (!t || !*t) {
        char why[200] = "the answer was not a JSON object with a token";
        if (hr.status / 100 != 2) /* a 2xx body here may itself be a token: never quote it */
            upstream_reason(&hr, why, sizeof why);
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS did not issue a token on %s (HTTP %ld%s%s).", path, hr.status,
                 why[0] ? ": " : "", why);
        json_decref(j);
        goto done;
    }
    *token = strdup(t);
    /* Refresh tokens join the redaction list; short-lived access tokens (one every few minutes)
     * would fill it, and they are never logged or put in a result. */
    if (!strcmp(path, "auth/jwt/refresh"))
        sb_log_add_secret(t);
    json_decref(j);
    out = *token ? 0 : -1;
done:
    cn_http_response_free(&hr);
    return out;
}

/* Renews the refresh token when fewer than 15 days remain (once per process unless it fails;
 * a failed renewal is logged and the old token kept: it still works until it expires). */
static void maybe_renew_refresh(cx_client *c, const volatile int *cancel, cx_response *resp)
{
    long long exp = cx_jwt_exp(c->cfg.refresh_token);
    if (c->refresh_checked || !exp || exp - (long long)time(NULL) >= CX_REFRESH_RENEW_S)
        return;
    c->refresh_checked = true;
    char *auth = bearer_header(c->cfg.refresh_token);
    char body[96];
    snprintf(body, sizeof body, "{\"lifetime\":%d,\"audience\":\"switchboard\"}",
             CX_REFRESH_LIFETIME_S);
    char *fresh = NULL;
    cx_response tmp = {0};
    if (auth && fetch_token(c, "POST", "auth/jwt/refresh", auth, body, cancel, &fresh, &tmp) == 0) {
        free(c->cfg.refresh_token);
        c->cfg.refresh_token = fresh;
        sb_info(CX_MOD, "refresh token renewed (it had under 15 days left)");
    } else {
        sb_warn(CX_MOD, "refresh token renewal failed: %s", tmp.error);
    }
    resp->attempts += tmp.attempts;
    free(auth);
}

/* Builds the Authorization header for a request; force drops the cached access token. */
static char *auth_header(cx_client *c, bool force, const volatile int *cancel, cx_response *resp)
{
    if (!c->cfg.refresh_token)
        return basic_header(&c->cfg);
    char *h = NULL;
    pthread_mutex_lock(&c->lock);
    long long now = (long long)time(NULL);
    if (force || !c->access || (c->access_exp && c->access_exp - now < CX_ACCESS_MARGIN_S)) {
        free(c->access);
        c->access = NULL;
        maybe_renew_refresh(c, cancel, resp);
        char *rauth = bearer_header(c->cfg.refresh_token);
        char *tok = NULL;
        if (rauth && fetch_token(c, "GET", "auth/jwt", rauth, NULL, cancel, &tok, resp) == 0) {
            c->access = tok;
            c->access_exp = cx_jwt_exp(tok);
        }
        free(rauth);
    }
    if (c->access)
        h = bearer_header(c->access);
    pthread_mutex_unlock(&c->lock);
    if (!h && !resp->error[0])
        snprintf(resp->error, sizeof resp->error, "out of memory");
    return h;
}

/* ---- requests ---------------------------------------------------------------------------- */

static void sleep_cancellable(long seconds, const volatile int *cancel)
{
    for (long i = 0; i < seconds * 20; i++) {
        if (cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED))
            return;
        usleep(50000);
    }
}

static void describe_status(const cx_client *c, const char *path, const cn_http_response *hr,
                            cx_response *resp)
{
    char why[200];
    upstream_reason(hr, why, sizeof why);
    const char *sep = why[0] ? ": " : "";
    long s = hr->status;
    if (s == 401)
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS answered 401 Unauthorized on %s even after re-authenticating%s%s. "
                 "Check API_USERNAME and CONNEXCS_API_TOKEN/API_PASSWORD.",
                 path, sep, why);
    else if (s == 403)
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS answered 403 Forbidden on %s%s%s: the user %s lacks the permission "
                 "for this data.",
                 path, sep, why, c->cfg.username ? c->cfg.username : "");
    else if (s == 404)
        snprintf(resp->error, sizeof resp->error, "ConnexCS answered 404 on %s%s%s.", path, sep,
                 why[0] ? why : "Not Found");
    else if (s == 429)
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS is rate-limiting requests (429 on %s) and still refused after %d "
                 "retries; wait a minute and try again.",
                 path, CX_MAX_429_RETRIES);
    else if (s >= 500)
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS answered %ld on %s%s%s. The API may be failing (see status.connexcs.com), "
                 "or the query is too broad (CDR queries need a date range).",
                 s, path, sep, why);
    else
        snprintf(resp->error, sizeof resp->error, "ConnexCS answered %ld on %s%s%s.", s, path, sep,
                 why);
    sb_log_redact(resp->error);
}

static void transport_error(const cx_client *c, const char *path, const cn_http_response *hr,
                            cx_response *resp)
{
    resp->cancelled = hr->error == CN_HTTP_ERR_CANCELLED;
    if (resp->cancelled)
        snprintf(resp->error, sizeof resp->error, "The request to ConnexCS (%s) was cancelled.",
                 path);
    else if (hr->error == CN_HTTP_ERR_TIMEOUT)
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS did not answer %s within %ld ms; try a narrower query or later.", path,
                 c->cfg.timeout_ms);
    else
        snprintf(resp->error, sizeof resp->error,
                 "Could not reach ConnexCS at %s (%s): %s. Check CONNEXCS_BASE_URL and the network.",
                 c->cfg.base_url, path, hr->message[0] ? hr->message : "transport error");
}

/* Parses a 2xx body as JSON or says what it was instead. */
static void parse_body(const char *path, const cn_http_response *hr, cx_response *resp)
{
    json_error_t jerr;
    resp->json = json_loadb(hr->body.data ? hr->body.data : "", hr->body.len, 0, &jerr);
    if (resp->json) {
        resp->ok = true;
        return;
    }
    const char *ct = hr->content_type ? hr->content_type : "no content type";
    const char *b = hr->body.data ? hr->body.data : "";
    while (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')
        b++;
    if (*b == '{' || *b == '[')
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS returned malformed or truncated JSON on %s (%s at byte %d); try again "
                 "or narrow the query.",
                 path, jerr.text, jerr.position);
    else
        snprintf(resp->error, sizeof resp->error,
                 "ConnexCS returned %s instead of JSON on %s (body starts \"%.40s\"); check that "
                 "CONNEXCS_BASE_URL points at the API (…/api/cp/).",
                 ct, path, b);
    for (char *p = resp->error; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
}

int cx_call(cx_client *c, const cx_request *req, cx_response *resp)
{
    memset(resp, 0, sizeof *resp);
    const char *problem = cx_config_problem(&c->cfg);
    if (problem) {
        snprintf(resp->error, sizeof resp->error, "%s", problem);
        return -1;
    }
    const char *method = req->method ? req->method : "GET";
    char *body = req->body ? json_dumps(req->body, JSON_COMPACT) : NULL;
    bool reauthed = false;
    unsigned n429 = 0;
    cn_http_response hr;
    memset(&hr, 0, sizeof hr);
    for (;;) {
        cn_http_response_free(&hr);
        memset(&hr, 0, sizeof hr);
        if (req->cancel && *req->cancel) {
            resp->cancelled = true;
            snprintf(resp->error, sizeof resp->error, "The request to ConnexCS (%s) was cancelled.",
                     req->path);
            goto fail;
        }
        char *auth = auth_header(c, reauthed, req->cancel, resp);
        if (!auth)
            goto fail;
        int rc = exchange(c, method, req->path, req->query, auth, body, req->cancel, &hr);
        free(auth);
        resp->attempts++;
        if (rc != 0) {
            transport_error(c, req->path, &hr, resp);
            goto fail;
        }
        resp->status = hr.status;
        if (hr.status == 401 && !reauthed && c->cfg.refresh_token) {
            reauthed = true; /* the access token may have expired early: one new one, one retry */
            continue;
        }
        if (hr.status == 429 && n429 < CX_MAX_429_RETRIES) {
            long wait = hr.retry_after_s >= 0 ? hr.retry_after_s : (1L << n429);
            if (wait > c->cfg.max_retry_wait_s)
                wait = c->cfg.max_retry_wait_s;
            n429++;
            sb_info(CX_MOD, "429 on %s: retrying in %ld s (%u/%d)", req->path, wait, n429,
                    CX_MAX_429_RETRIES);
            sleep_cancellable(wait, req->cancel);
            continue;
        }
        break;
    }
    if (hr.body.data && (!req->expect_json || hr.status / 100 != 2))
        resp->text = strdup(hr.body.data); /* JSON answers are parsed, not copied */
    if (hr.content_type)
        resp->content_type = strdup(hr.content_type);
    if (hr.status / 100 != 2) {
        describe_status(c, req->path, &hr, resp);
        goto fail;
    }
    if (req->expect_json) {
        parse_body(req->path, &hr, resp);
        if (!resp->ok)
            goto fail;
    } else {
        resp->ok = true;
    }
    cn_http_response_free(&hr);
    free(body);
    return 0;
fail:
    cn_http_response_free(&hr);
    free(body);
    resp->ok = false;
    return -1;
}

int cx_get_json(cx_client *c, const char *path, const char *query, const volatile int *cancel,
                cx_response *resp)
{
    cx_request rq = {.method = "GET", .path = path, .query = query, .expect_json = true,
                     .cancel = cancel};
    return cx_call(c, &rq, resp);
}

int cx_post_json(cx_client *c, const char *path, const json_t *body, const volatile int *cancel,
                 cx_response *resp)
{
    cx_request rq = {.method = "POST", .path = path, .body = body, .expect_json = true,
                     .cancel = cancel};
    return cx_call(c, &rq, resp);
}

bool cx_client_probe(cx_client *c, char *detail, size_t detail_size)
{
    cx_response r;
    int rc = cx_get_json(c, "setup/account", NULL, NULL, &r);
    bool ok = rc == 0 && json_is_object(r.json);
    if (ok)
        snprintf(detail, detail_size, "HTTP %ld, account \"%s\"", r.status,
                 json_string_value(json_object_get(r.json, "name"))
                     ? json_string_value(json_object_get(r.json, "name"))
                     : "?");
    else
        snprintf(detail, detail_size, "%.200s", r.error[0] ? r.error : "unexpected answer");
    cx_response_free(&r);
    return ok;
}
