/* Bearer-token authentication: static token file and JWT (see auth.h). The token file is
 * parsed with pointer+length views; each token is kept only as its SHA-256 digest. */
#include "transport/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"

typedef struct token_entry {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    unsigned scopes;
} token_entry;

typedef struct token_table {
    token_entry *entries;
    size_t n;
} token_table;

struct http_auth {
    char *tokens_file;
    http_jwt_verifier *jwt;
    pthread_rwlock_t lock; /* guards table (swapped on reload) */
    token_table table;
};

/* ---- scopes ---------------------------------------------------------------------------- */

static unsigned scope_implied(unsigned bits)
{
    if (bits & HTTP_SCOPE_ADMIN)
        bits |= HTTP_SCOPE_WRITE;
    if (bits & HTTP_SCOPE_WRITE)
        bits |= HTTP_SCOPE_READ;
    return bits;
}

static unsigned scope_word(const char *w, size_t n)
{
    if (n == 10 && memcmp(w, "tools:read", 10) == 0)
        return HTTP_SCOPE_READ;
    if (n == 11 && memcmp(w, "tools:write", 11) == 0)
        return HTTP_SCOPE_WRITE;
    if (n == 5 && memcmp(w, "admin", 5) == 0)
        return HTTP_SCOPE_ADMIN;
    return 0;
}

static bool scope_sep(char c) { return c == ' ' || c == ',' || c == '\t' || c == '\r'; }

unsigned http_scope_parse(const char *list, size_t len)
{
    unsigned bits = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && scope_sep(list[i]))
            i++;
        size_t start = i;
        while (i < len && !scope_sep(list[i]))
            i++;
        bits |= scope_word(list + start, i - start);
    }
    return scope_implied(bits);
}

const char *http_scope_string(unsigned bits)
{
    static const char *const names[8] = {
        "",
        "tools:read",
        "tools:write",
        "tools:read tools:write",
        "admin",
        "tools:read admin",
        "tools:write admin",
        "tools:read tools:write admin",
    };
    return names[bits & 7u];
}

const char *http_scope_name(unsigned bit)
{
    if (bit & HTTP_SCOPE_READ)
        return "tools:read";
    if (bit & HTTP_SCOPE_WRITE)
        return "tools:write";
    if (bit & HTTP_SCOPE_ADMIN)
        return "admin";
    return "";
}

/* ---- token file ------------------------------------------------------------------------ */

static int read_file(const char *path, sb_buf *out, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "cannot open token file %s", path);
        return -1;
    }
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sb_buf_append(out, chunk, n) < 0) {
            snprintf(err, errsz, "token file %s is larger than %u bytes", path, HTTP_AUTH_MAX_FILE);
            rc = -1;
            break;
        }
    }
    if (ferror(f)) {
        snprintf(err, errsz, "cannot read token file %s", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* One line "<token> <scope>[ <scope>...]" (blank and '#' lines skipped). Returns 1 when an
 * entry was produced, 0 for a skipped line, -1 for a bad line. */
static int parse_line(const char *p, size_t n, token_entry *e, const char **why)
{
    size_t i = 0;
    while (i < n && is_space(p[i]))
        i++;
    if (i == n || p[i] == '#')
        return 0;
    size_t start = i;
    while (i < n && !is_space(p[i]))
        i++;
    size_t tlen = i - start;
    if (tlen < HTTP_AUTH_MIN_TOKEN) {
        *why = "token shorter than 16 characters";
        return -1;
    }
    for (size_t k = start; k < i; k++) {
        unsigned char c = (unsigned char)p[k];
        if (c < 0x21 || c > 0x7e) {
            *why = "token contains a character outside visible ASCII";
            return -1;
        }
    }
    e->scopes = http_scope_parse(p + i, n - i);
    if (e->scopes == 0) {
        *why = "no known scope after the token (tools:read, tools:write, admin)";
        return -1;
    }
    SHA256((const unsigned char *)p + start, tlen, e->digest);
    char *copy = strndup(p + start, tlen);
    if (copy) { /* so that a token pasted into a log line is masked too */
        sb_log_add_secret(copy);
        OPENSSL_cleanse(copy, tlen);
        free(copy);
    }
    return 1;
}

static int load_tokens(const char *path, token_table *out, char *err, size_t errsz)
{
    sb_buf file;
    sb_buf_init(&file, HTTP_AUTH_MAX_FILE);
    int rc = -1;
    token_table t = {calloc(HTTP_AUTH_MAX_TOKENS, sizeof(token_entry)), 0};
    if (!t.entries || read_file(path, &file, err, errsz) < 0)
        goto out;
    const char *p = file.data ? file.data : "";
    size_t len = file.len, line_no = 0;
    while (len > 0 || line_no == 0) {
        const char *nl = memchr(p, '\n', len);
        size_t n = nl ? (size_t)(nl - p) : len;
        line_no++;
        const char *why = NULL;
        int r = t.n < HTTP_AUTH_MAX_TOKENS ? parse_line(p, n, &t.entries[t.n], &why) : -1;
        if (r < 0) {
            snprintf(err, errsz, "%s line %zu: %s", path, line_no, why ? why : "too many tokens");
            goto out;
        }
        t.n += (size_t)r;
        p += n + (nl ? 1 : 0);
        len -= n + (nl ? 1 : 0);
        if (!nl)
            break;
    }
    *out = t;
    t.entries = NULL;
    rc = 0;
out:
    if (t.entries) {
        OPENSSL_cleanse(t.entries, HTTP_AUTH_MAX_TOKENS * sizeof(token_entry));
        free(t.entries);
    }
    if (file.data)
        OPENSSL_cleanse(file.data, file.len);
    sb_buf_free(&file);
    return rc;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

http_auth *http_auth_new(const char *tokens_file, http_jwt_verifier *jwt, char *err, size_t errsz)
{
    http_auth *a = calloc(1, sizeof *a);
    if (!a) {
        http_jwt_verifier_free(jwt);
        return NULL;
    }
    pthread_rwlock_init(&a->lock, NULL);
    a->jwt = jwt;
    if (tokens_file) {
        a->tokens_file = strdup(tokens_file);
        if (!a->tokens_file || load_tokens(tokens_file, &a->table, err, errsz) < 0) {
            http_auth_free(a);
            return NULL;
        }
    }
    return a;
}

void http_auth_free(http_auth *a)
{
    if (!a)
        return;
    http_jwt_verifier_free(a->jwt);
    if (a->table.entries)
        OPENSSL_cleanse(a->table.entries, a->table.n * sizeof(token_entry));
    free(a->table.entries);
    free(a->tokens_file);
    pthread_rwlock_destroy(&a->lock);
    free(a);
}

bool http_auth_enabled(const http_auth *a) { return a && (a->tokens_file || a->jwt); }

size_t http_auth_token_count(const http_auth *a)
{
    if (!a)
        return 0;
    pthread_rwlock_rdlock((pthread_rwlock_t *)&a->lock);
    size_t n = a->table.n;
    pthread_rwlock_unlock((pthread_rwlock_t *)&a->lock);
    return n;
}

int http_auth_reload(http_auth *a, char *err, size_t errsz)
{
    if (!a || !a->tokens_file)
        return 0;
    token_table fresh = {0};
    if (load_tokens(a->tokens_file, &fresh, err, errsz) < 0)
        return -1;
    pthread_rwlock_wrlock(&a->lock);
    token_table old = a->table;
    a->table = fresh;
    pthread_rwlock_unlock(&a->lock);
    if (old.entries)
        OPENSSL_cleanse(old.entries, old.n * sizeof(token_entry));
    free(old.entries);
    return 0;
}

/* ---- decisions ------------------------------------------------------------------------- */

static void deny(http_auth_result *out, int status, const char *error, const char *description)
{
    out->status = status;
    out->error = error;
    out->description = description;
}

static void set_who(http_auth_result *out, const char *kind, const unsigned char *digest)
{
    snprintf(out->who, sizeof out->who, "%s:%02x%02x%02x%02x", kind, digest[0], digest[1],
             digest[2], digest[3]);
}

/* Looks the token up among the static tokens: every entry is compared (constant time). */
static bool static_lookup(http_auth *a, const unsigned char digest[SHA256_DIGEST_LENGTH],
                          unsigned *scopes)
{
    bool found = false;
    pthread_rwlock_rdlock(&a->lock);
    for (size_t i = 0; i < a->table.n; i++) {
        if (CRYPTO_memcmp(a->table.entries[i].digest, digest, SHA256_DIGEST_LENGTH) == 0) {
            *scopes = a->table.entries[i].scopes;
            found = true;
        }
    }
    pthread_rwlock_unlock(&a->lock);
    return found;
}

/* The principal of a JWT for the access log and session binding: a digest of iss and sub,
 * so that a refreshed token of the same subject keeps its sessions. */
static void jwt_who(const json_t *claims, unsigned char digest[SHA256_DIGEST_LENGTH])
{
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    if (!sub)
        return; /* keep the token digest */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(ctx, iss ? iss : "", iss ? strlen(iss) : 0) == 1 &&
        EVP_DigestUpdate(ctx, "\n", 1) == 1 && EVP_DigestUpdate(ctx, sub, strlen(sub)) == 1)
        EVP_DigestFinal_ex(ctx, digest, NULL);
    EVP_MD_CTX_free(ctx);
}

static bool jwt_lookup(http_auth *a, const char *tok, size_t len, unsigned *scopes,
                       http_auth_result *out, unsigned char digest[SHA256_DIGEST_LENGTH])
{
    json_t *claims = NULL;
    http_jwt_status st = http_jwt_verify(a->jwt, tok, len, time(NULL), &claims);
    if (st != HTTP_JWT_OK) {
        out->description = http_jwt_status_text(st);
        return false;
    }
    char *list = http_jwt_scopes(claims);
    *scopes = list ? http_scope_parse(list, strlen(list)) : 0;
    free(list);
    jwt_who(claims, digest);
    json_decref(claims);
    return true;
}

void http_auth_check(http_auth *a, const char *authorization, unsigned required,
                     http_auth_result *out)
{
    memset(out, 0, sizeof *out);
    if (!http_auth_enabled(a)) {
        out->scopes = HTTP_SCOPE_READ | HTTP_SCOPE_WRITE | HTTP_SCOPE_ADMIN;
        snprintf(out->who, sizeof out->who, "-");
        return;
    }
    if (!authorization)
        return deny(out, 401, NULL, "authentication required");
    if (strncasecmp(authorization, "Bearer", 6) != 0 ||
        (authorization[6] != ' ' && authorization[6] != '\0'))
        return deny(out, 401, "invalid_token", "only Bearer tokens are accepted");
    const char *tok = authorization + 6;
    while (*tok == ' ')
        tok++;
    size_t len = strlen(tok);
    while (len > 0 && tok[len - 1] == ' ')
        len--;
    if (len == 0 || memchr(tok, ' ', len) || len > HTTP_JWT_MAX_LEN)
        return deny(out, 400, "invalid_request", "malformed Authorization header");
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)tok, len, digest);
    unsigned scopes = 0;
    if (a->tokens_file && static_lookup(a, digest, &scopes)) {
        set_who(out, "token", digest);
    } else if (a->jwt && jwt_lookup(a, tok, len, &scopes, out, digest)) {
        set_who(out, "jwt", digest);
    } else {
        return deny(out, 401, "invalid_token",
                    out->description ? out->description : "unknown token");
    }
    out->scopes = scopes;
    unsigned missing = required & ~scopes;
    if (missing)
        return deny(out, 403, "insufficient_scope", "the token lacks a required scope");
}
