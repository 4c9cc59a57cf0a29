/* The simulated 3CX token endpoint (POST /connect/token, OAuth client_credentials) and bearer
 * token checks (spec §4.2). Tokens are opaque three-segment base64url strings; each has a real
 * lifetime (monotonic clock) and, in single-token mode, issuing one revokes the client's
 * previous token, as on the real PBX. expires_in is seconds (20.0.9+) or minutes (older). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "sim.h"
#include "util/log.h"

#define MAX_TOKENS 4096

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[k++] = tbl[v >> 18 & 63];
        out[k++] = tbl[v >> 12 & 63];
        if (i + 1 < n)
            out[k++] = tbl[v >> 6 & 63];
        if (i + 2 < n)
            out[k++] = tbl[v & 63];
    }
    out[k] = '\0';
}

static char *make_token(tsim_state *st, const tsim_principal *p, int lifetime_s)
{
    unsigned char sig[48];
    if (getrandom(sig, sizeof sig, 0) != (ssize_t)sizeof sig)
        for (size_t i = 0; i < sizeof sig; i++)
            sig[i] = (unsigned char)(rand() & 0xff);
    static const char header[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
    char payload[512];
    int64_t now_s = tsim_now_ms(st) / 1000;
    snprintf(payload, sizeof payload,
             "{\"sub\":\"%.64s\",\"role\":\"%.32s\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"%lu\"}",
             p->client_id, p->role, (long long)now_s, (long long)(now_s + lifetime_s),
             ++st->token_seq);
    char h64[64], p64[700], s64[70];
    b64url((const unsigned char *)header, strlen(header), h64);
    b64url((const unsigned char *)payload, strlen(payload), p64);
    b64url(sig, sizeof sig, s64);
    size_t n = strlen(h64) + strlen(p64) + strlen(s64) + 3;
    char *tok = malloc(n);
    if (tok)
        snprintf(tok, n, "%s.%s.%s", h64, p64, s64);
    return tok;
}

/* Drops revoked and expired tokens, and the oldest one when the table is full. */
static void prune(tsim_state *st)
{
    int64_t now = tsim_mono_ms();
    size_t k = 0;
    for (size_t i = 0; i < st->ntokens; i++) {
        tsim_token *t = &st->tokens[i];
        if (t->revoked || t->expires_mono_ms <= now)
            free(t->value);
        else
            st->tokens[k++] = *t;
    }
    st->ntokens = k;
    if (st->ntokens >= MAX_TOKENS) {
        free(st->tokens[0].value);
        memmove(st->tokens, st->tokens + 1, (st->ntokens - 1) * sizeof *st->tokens);
        st->ntokens--;
    }
}

static int add_token(tsim_state *st, int principal, char *value, int lifetime_s)
{
    prune(st);
    if (st->ntokens == st->cap_tokens) {
        size_t cap = st->cap_tokens ? st->cap_tokens * 2 : 16;
        tsim_token *t = realloc(st->tokens, cap * sizeof *t);
        if (!t)
            return -1;
        st->tokens = t;
        st->cap_tokens = cap;
    }
    if (st->cfg.single_token)
        for (size_t i = 0; i < st->ntokens; i++)
            if (st->tokens[i].principal == principal)
                st->tokens[i].revoked = true;
    st->tokens[st->ntokens++] = (tsim_token){value, principal,
                                             tsim_mono_ms() + lifetime_s * 1000LL, false};
    return 0;
}

void tsim_revoke_all(tsim_state *st)
{
    for (size_t i = 0; i < st->ntokens; i++)
        st->tokens[i].revoked = true;
    prune(st);
}

void tsim_tokens_free(tsim_state *st)
{
    for (size_t i = 0; i < st->ntokens; i++)
        free(st->tokens[i].value);
    free(st->tokens);
    st->tokens = NULL;
    st->ntokens = st->cap_tokens = 0;
}

int tsim_authenticate(tsim_state *st, const sb_http_request *req)
{
    const char *h = sb_http_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return -1;
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    int64_t now = tsim_mono_ms();
    for (size_t i = 0; i < st->ntokens; i++) {
        const tsim_token *t = &st->tokens[i];
        if (strcmp(t->value, tok) == 0)
            return t->revoked || t->expires_mono_ms <= now ? -1 : t->principal;
    }
    return -1;
}

/* ---- form parsing ---- */

typedef struct form {
    char *grant_type, *client_id, *client_secret;
} form;

static void form_set(form *f, const char *name, size_t nlen, char *value)
{
    char **slot = NULL;
    if (nlen == 10 && memcmp(name, "grant_type", 10) == 0)
        slot = &f->grant_type;
    else if (nlen == 9 && memcmp(name, "client_id", 9) == 0)
        slot = &f->client_id;
    else if (nlen == 13 && memcmp(name, "client_secret", 13) == 0)
        slot = &f->client_secret;
    if (slot) {
        free(*slot);
        *slot = value;
    } else {
        free(value);
    }
}

static int parse_urlencoded(form *f, const char *body, size_t len)
{
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq) {
            char *name = tsim_pct_decode(p, (size_t)(eq - p), true);
            char *val = tsim_pct_decode(eq + 1, (size_t)(stop - eq - 1), true);
            if (!name || !val) {
                free(name);
                free(val);
                return -1;
            }
            form_set(f, name, strlen(name), val);
            free(name);
        }
        p = stop + 1;
    }
    return 0;
}

/* multipart/form-data as the official tutorial's FormData sends it. */
static int parse_multipart(form *f, const char *ctype, const char *body, size_t len)
{
    const char *b = strcasestr(ctype, "boundary=");
    if (!b)
        return -1;
    b += 9;
    size_t blen = strcspn(b, "; ");
    if (*b == '"') {
        b++;
        blen = strcspn(b, "\"");
    }
    if (blen == 0 || blen > 200)
        return -1;
    char delim[210];
    snprintf(delim, sizeof delim, "--%.*s", (int)blen, b);
    size_t dlen = strlen(delim);
    const char *p = memmem(body, len, delim, dlen), *end = body + len;
    while (p) {
        p += dlen;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0;
        const char *hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hdr_end)
            return -1;
        const char *next = memmem(hdr_end + 4, (size_t)(end - hdr_end - 4), delim, dlen);
        if (!next)
            return -1;
        const char *nm = memmem(p, (size_t)(hdr_end - p), "name=\"", 6);
        if (nm) {
            nm += 6;
            const char *q = memchr(nm, '"', (size_t)(hdr_end - nm));
            size_t vlen = (size_t)(next - (hdr_end + 4));
            if (vlen >= 2 && next[-2] == '\r' && next[-1] == '\n')
                vlen -= 2;
            if (q)
                form_set(f, nm, (size_t)(q - nm), strndup(hdr_end + 4, vlen));
        }
        p = next;
    }
    return -1;
}

static void token_error(sb_http_response *resp, int status, const char *error, const char *desc)
{
    json_t *b = json_pack("{s:s}", "error", error);
    if (desc)
        json_object_set_new(b, "error_description", json_string(desc));
    tsim_json_response(resp, status, b);
}

static void issue(tsim_state *st, int principal, sb_http_response *resp)
{
    int lifetime = st->cfg.token_lifetime_s;
    char *tok = make_token(st, &st->principals[principal], lifetime);
    if (!tok || add_token(st, principal, tok, lifetime) < 0) {
        free(tok);
        token_error(resp, 500, "server_error", NULL);
        return;
    }
    sb_log_add_secret(tok);
    int expires_in = st->cfg.legacy_expiry_minutes ? (lifetime + 59) / 60 : lifetime;
    tsim_json_response(resp, 200,
                       json_pack("{s:s, s:i, s:s, s:n}", "token_type", "Bearer", "expires_in",
                                 expires_in, "access_token", tok, "refresh_token"));
}

void tsim_token_endpoint(tsim_state *st, const sb_http_request *req, sb_http_response *resp)
{
    st->token_requests++;
    if (strcmp(req->method, "POST") != 0) {
        resp->status = 405;
        sb_http_set_header(resp, "Allow", "POST");
        return;
    }
    const char *ct = sb_http_header(req, "Content-Type");
    form f = {0};
    int rc;
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
        rc = parse_urlencoded(&f, req->body, req->body_len);
    else if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0)
        rc = parse_multipart(&f, ct, req->body, req->body_len);
    else {
        token_error(resp, 400, "invalid_request",
                    "The token request must be application/x-www-form-urlencoded or "
                    "multipart/form-data.");
        return;
    }
    if (rc < 0) {
        token_error(resp, 400, "invalid_request", "The request body is malformed.");
    } else if (!f.grant_type || strcmp(f.grant_type, "client_credentials") != 0) {
        token_error(resp, 400, "unsupported_grant_type", NULL);
    } else {
        int who = -1;
        for (int i = 0; i < st->nprincipals; i++)
            if (f.client_id && f.client_secret &&
                strcmp(st->principals[i].client_id, f.client_id) == 0 &&
                strcmp(st->principals[i].secret, f.client_secret) == 0)
                who = i;
        if (who < 0)
            token_error(resp, 401, "unauthorized",
                        "The request requires valid user authentication.");
        else
            issue(st, who, resp);
    }
    free(f.grant_type);
    free(f.client_id);
    free(f.client_secret);
}
