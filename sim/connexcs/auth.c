/* Authentication of the ConnexCS simulator (spec §4.2): Basic with the configured user and
 * password, refresh JWTs (POST auth/jwt/refresh) and short-lived access JWTs (GET auth/jwt).
 * Tokens are well-formed JWTs (base64url header.payload.signature with exp, iat, aud, email,
 * typ) whose signature is random; the simulator remembers what it issued, so an unknown or
 * altered token is invalid, and "expire now" invalidates every access token issued so far.
 * Expiry uses the real clock (a client reads `exp` with its own clock), not the data's "now". */
#include "auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cxsim.h"
#include "util/log.h"

#define MAX_TOKENS 4096

typedef struct token {
    char *text;
    bool refresh;
    int64_t exp;
    unsigned epoch;
} token;

struct cxs_auth {
    pthread_mutex_t mu;
    char *user, *pass;
    long access_ttl;
    token tokens[MAX_TOKENS];
    size_t next;           /* ring position */
    unsigned epoch;        /* access tokens of older epochs are expired */
    uint64_t counter;
};

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char B64STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64(sb_buf *out, const unsigned char *p, size_t n, const char *alpha, bool pad)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        sb_buf_putc(out, alpha[v >> 18 & 63]);
        sb_buf_putc(out, alpha[v >> 12 & 63]);
        if (i + 1 < n)
            sb_buf_putc(out, alpha[v >> 6 & 63]);
        else if (pad)
            sb_buf_putc(out, '=');
        if (i + 2 < n)
            sb_buf_putc(out, alpha[v & 63]);
        else if (pad)
            sb_buf_putc(out, '=');
    }
}

/* Decodes standard base64 (Basic credentials); NULL on bad input. free() it. */
static char *unb64(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        const char *p = memchr(B64STD, s[i], 64);
        if (!p) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (unsigned)(p - B64STD);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits & 0xff);
        }
    }
    out[o] = '\0';
    return out;
}

cxs_auth *cxs_auth_new(const char *user, const char *pass, long access_ttl)
{
    cxs_auth *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->mu, NULL);
    a->user = strdup(user);
    a->pass = strdup(pass);
    a->access_ttl = access_ttl > 0 ? access_ttl : 900;
    a->counter = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)a << 16);
    if (!a->user || !a->pass) {
        cxs_auth_free(a);
        return NULL;
    }
    sb_log_add_secret(pass);
    return a;
}

void cxs_auth_free(cxs_auth *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < MAX_TOKENS; i++)
        free(a->tokens[i].text);
    free(a->user);
    free(a->pass);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static void remember(cxs_auth *a, char *text, bool refresh, int64_t exp)
{
    token *t = &a->tokens[a->next];
    free(t->text);
    *t = (token){text, refresh, exp, a->epoch};
    a->next = (a->next + 1) % MAX_TOKENS;
}

char *cxs_auth_issue(cxs_auth *a, bool refresh, long lifetime, const char *audience)
{
    if (lifetime <= 0)
        lifetime = refresh ? 2592000 : a->access_ttl;
    pthread_mutex_lock(&a->mu);
    int64_t now = (int64_t)time(NULL), exp = now + lifetime;
    uint64_t jti = cxs_mix(++a->counter);
    json_t *payload = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "sub", a->user, "email",
                                a->user, "aud", audience ? audience : "switchboard", "typ",
                                refresh ? "refresh" : "access", "iat", (json_int_t)now, "exp",
                                (json_int_t)exp, "iss", "sim.connexcs.net", "jti", "");
    char jbuf[24];
    snprintf(jbuf, sizeof jbuf, "%016llx", (unsigned long long)jti);
    json_object_set_new(payload, "jti", json_string(jbuf));
    char *ps = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(payload);
    sb_buf b;
    sb_buf_init(&b, 8192);
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    b64(&b, (const unsigned char *)header, sizeof header - 1, B64URL, false);
    sb_buf_putc(&b, '.');
    if (ps)
        b64(&b, (const unsigned char *)ps, strlen(ps), B64URL, false);
    free(ps);
    sb_buf_putc(&b, '.');
    unsigned char sig[32];
    for (size_t i = 0; i < sizeof sig; i += 8) {
        uint64_t x = cxs_mix(jti + i * 0x100000001b3ull + ++a->counter);
        memcpy(sig + i, &x, 8);
    }
    b64(&b, sig, sizeof sig, B64URL, false);
    char *text = sb_buf_steal(&b, NULL);
    char *copy = text ? strdup(text) : NULL;
    if (text)
        remember(a, text, refresh, exp);
    pthread_mutex_unlock(&a->mu);
    return copy;
}

void cxs_auth_add_refresh(cxs_auth *a, const char *text, int64_t exp)
{
    pthread_mutex_lock(&a->mu);
    char *t = strdup(text);
    if (t)
        remember(a, t, true, exp);
    pthread_mutex_unlock(&a->mu);
}

void cxs_auth_expire_access(cxs_auth *a)
{
    pthread_mutex_lock(&a->mu);
    a->epoch++;
    pthread_mutex_unlock(&a->mu);
}

const char *cxs_auth_kind_name(cxs_auth_kind k)
{
    static const char *const N[] = {"none", "basic", "basic-invalid", "bearer-access",
                                    "bearer-refresh", "bearer-expired", "bearer-invalid",
                                    "malformed"};
    return (size_t)k < sizeof N / sizeof N[0] ? N[k] : "?";
}

static cxs_auth_kind check_basic(cxs_auth *a, const char *cred)
{
    char *plain = unb64(cred, strlen(cred));
    if (!plain)
        return CXS_AUTH_MALFORMED;
    char *colon = strchr(plain, ':');
    cxs_auth_kind k = CXS_AUTH_BASIC_INVALID;
    if (colon) {
        *colon = '\0';
        if (strcmp(plain, a->user) == 0 && strcmp(colon + 1, a->pass) == 0)
            k = CXS_AUTH_BASIC;
    }
    free(plain);
    return k;
}

cxs_auth_kind cxs_auth_check(cxs_auth *a, const char *header)
{
    if (!header || !*header)
        return CXS_AUTH_NONE;
    if (strncasecmp(header, "Basic ", 6) == 0)
        return check_basic(a, header + 6);
    if (strncasecmp(header, "Bearer ", 7) != 0)
        return CXS_AUTH_MALFORMED;
    const char *tok = header + 7;
    cxs_auth_kind k = CXS_AUTH_BEARER_INVALID;
    int64_t now = (int64_t)time(NULL);
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < MAX_TOKENS; i++) {
        token *t = &a->tokens[i];
        if (!t->text || strcmp(t->text, tok) != 0)
            continue;
        if (t->exp <= now || (!t->refresh && t->epoch != a->epoch))
            k = CXS_AUTH_BEARER_EXPIRED;
        else
            k = t->refresh ? CXS_AUTH_BEARER_REFRESH : CXS_AUTH_BEARER_ACCESS;
        break;
    }
    pthread_mutex_unlock(&a->mu);
    return k;
}

const char *cxs_auth_user(const cxs_auth *a) { return a->user; }
