/* JWT (JWS compact form) verification: parsing, signature check per algorithm, registered
 * claims (see jwt.h). Key loading from PEM and JWKS lives in jwt_keys.c. */
#include "transport/jwt.h"
#include "transport/jwt_internal.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* ---- base64url ------------------------------------------------------------------------- */

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

long http_b64url_decode(const char *in, size_t len, unsigned char *out)
{
    while (len > 0 && in[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* non-canonical: leftover bits must be zero */
        return -1;
    return (long)o;
}

size_t http_b64url_encode(const unsigned char *in, size_t len, char *out)
{
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = alpha[(acc >> bits) & 63];
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0)
        out[o++] = alpha[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return o;
}

/* Decodes one base64url part into a fresh buffer (free() it); NULL when invalid. */
static unsigned char *b64_part(const char *p, size_t n, size_t *out_len)
{
    unsigned char *buf = malloc(n * 3 / 4 + 3);
    if (!buf)
        return NULL;
    long got = http_b64url_decode(p, n, buf);
    if (got < 0) {
        free(buf);
        return NULL;
    }
    *out_len = (size_t)got;
    return buf;
}

/* Decodes a base64url part holding a JSON object; NULL when it is anything else. */
static json_t *b64_json_object(const char *p, size_t n)
{
    size_t len = 0;
    unsigned char *raw = b64_part(p, n, &len);
    if (!raw)
        return NULL;
    json_t *obj = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (obj && !json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* ---- signatures ------------------------------------------------------------------------ */

static bool verify_hs256(const http_jwt_verifier *v, const char *signing_input, size_t n,
                         const unsigned char *sig, size_t sig_len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha256(), v->secret, (int)v->secret_len, (const unsigned char *)signing_input,
              n, mac, &mac_len))
        return false;
    return sig_len == mac_len && CRYPTO_memcmp(mac, sig, mac_len) == 0;
}

static bool digest_verify(EVP_PKEY *key, const char *data, size_t n, const unsigned char *sig,
                          size_t sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
              EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)data, n) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* ES256 signatures are r||s (32 bytes each); OpenSSL wants a DER ECDSA-Sig-Value. */
static bool verify_es256(EVP_PKEY *key, const char *data, size_t n, const unsigned char *sig,
                         size_t sig_len)
{
    if (sig_len != 64)
        return false;
    bool ok = false;
    unsigned char *der = NULL;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        goto out;
    }
    int der_len = i2d_ECDSA_SIG(es, &der);
    if (der_len > 0)
        ok = digest_verify(key, data, n, der, (size_t)der_len);
out:
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    return ok;
}

static jwt_alg alg_from_header(const json_t *hdr)
{
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    if (!alg)
        return JWT_ALG_NONE;
    if (strcmp(alg, "HS256") == 0)
        return JWT_ALG_HS256;
    if (strcmp(alg, "RS256") == 0)
        return JWT_ALG_RS256;
    if (strcmp(alg, "ES256") == 0)
        return JWT_ALG_ES256;
    return JWT_ALG_NONE;
}

/* Checks the signature with the key(s) of the token's algorithm (and kid, when given). */
static http_jwt_status check_signature(const http_jwt_verifier *v, const json_t *hdr,
                                       const char *input, size_t input_len,
                                       const unsigned char *sig, size_t sig_len)
{
    jwt_alg alg = alg_from_header(hdr);
    if (alg == JWT_ALG_NONE || json_object_get(hdr, "crit"))
        return HTTP_JWT_BAD_ALG;
    if (alg == JWT_ALG_HS256) {
        if (!v->secret)
            return HTTP_JWT_BAD_ALG;
        return verify_hs256(v, input, input_len, sig, sig_len) ? HTTP_JWT_OK
                                                                 : HTTP_JWT_BAD_SIGNATURE;
    }
    const json_t *kid_j = json_object_get(hdr, "kid");
    if (kid_j && !json_is_string(kid_j))
        return HTTP_JWT_MALFORMED;
    const char *kid = json_string_value(kid_j);
    size_t candidates = 0;
    for (size_t i = 0; i < v->nkeys; i++) {
        const jwt_key *k = &v->keys[i];
        if (k->alg != alg)
            continue;
        if (kid && k->kid && strcmp(kid, k->kid) != 0)
            continue;
        candidates++;
        bool ok = alg == JWT_ALG_RS256 ? digest_verify(k->pkey, input, input_len, sig, sig_len)
                                       : verify_es256(k->pkey, input, input_len, sig, sig_len);
        if (ok)
            return HTTP_JWT_OK;
    }
    if (candidates > 0)
        return HTTP_JWT_BAD_SIGNATURE;
    /* No key of this algorithm at all: the algorithm is not accepted here; a key type that
     * exists but no such kid: unknown key. */
    for (size_t i = 0; i < v->nkeys; i++)
        if (v->keys[i].alg == alg)
            return HTTP_JWT_NO_KEY;
    return HTTP_JWT_BAD_ALG;
}

/* ---- claims ---------------------------------------------------------------------------- */

static bool aud_matches(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    if (!json_is_array(aud))
        return false;
    size_t i;
    const json_t *item;
    json_array_foreach(aud, i, item) {
        if (json_is_string(item) && strcmp(json_string_value(item), want) == 0)
            return true;
    }
    return false;
}

static http_jwt_status check_claims(const http_jwt_verifier *v, const json_t *claims, time_t now)
{
    const json_t *exp = json_object_get(claims, "exp");
    if (!json_is_number(exp) || json_number_value(exp) + (double)v->leeway_s <= (double)now)
        return HTTP_JWT_EXPIRED;
    const json_t *nbf = json_object_get(claims, "nbf");
    if (nbf && (!json_is_number(nbf) || json_number_value(nbf) - (double)v->leeway_s > (double)now))
        return HTTP_JWT_NOT_YET_VALID;
    if (v->issuer) {
        const char *iss = json_string_value(json_object_get(claims, "iss"));
        if (!iss || strcmp(iss, v->issuer) != 0)
            return HTTP_JWT_BAD_ISSUER;
    }
    if (!aud_matches(json_object_get(claims, "aud"), v->audience))
        return HTTP_JWT_BAD_AUDIENCE;
    return HTTP_JWT_OK;
}

http_jwt_status http_jwt_verify(const http_jwt_verifier *v, const char *token, size_t len,
                                time_t now, json_t **claims_out)
{
    if (claims_out)
        *claims_out = NULL;
    if (!v || !token || len == 0 || len > HTTP_JWT_MAX_LEN)
        return HTTP_JWT_MALFORMED;
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return HTTP_JWT_MALFORMED;
    http_jwt_status st = HTTP_JWT_MALFORMED;
    json_t *hdr = b64_json_object(token, (size_t)(dot1 - token));
    json_t *claims = NULL;
    size_t sig_len = 0;
    unsigned char *sig = b64_part(dot2 + 1, len - (size_t)(dot2 + 1 - token), &sig_len);
    if (!hdr || !sig)
        goto out;
    claims = b64_json_object(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!claims)
        goto out;
    st = check_signature(v, hdr, token, (size_t)(dot2 - token), sig, sig_len);
    if (st == HTTP_JWT_OK)
        st = check_claims(v, claims, now);
    if (st == HTTP_JWT_OK && claims_out) {
        *claims_out = claims;
        claims = NULL;
    }
out:
    json_decref(hdr);
    json_decref(claims);
    free(sig);
    return st;
}

const char *http_jwt_status_text(http_jwt_status st)
{
    switch (st) {
    case HTTP_JWT_OK: return "valid";
    case HTTP_JWT_MALFORMED: return "malformed token";
    case HTTP_JWT_BAD_ALG: return "token algorithm not accepted";
    case HTTP_JWT_NO_KEY: return "token signed with an unknown key";
    case HTTP_JWT_BAD_SIGNATURE: return "invalid token signature";
    case HTTP_JWT_EXPIRED: return "token expired";
    case HTTP_JWT_NOT_YET_VALID: return "token not yet valid";
    case HTTP_JWT_BAD_ISSUER: return "token issuer not accepted";
    case HTTP_JWT_BAD_AUDIENCE: return "token audience does not match this server";
    }
    return "invalid token";
}

/* Appends a space-separated scope list s to b (capped, like every buffer). */
static void add_scopes(sb_buf *b, const char *s)
{
    if (!s || !*s)
        return;
    if (b->len > 0)
        sb_buf_putc(b, ' ');
    sb_buf_puts(b, s);
}

char *http_jwt_scopes(const json_t *claims)
{
    sb_buf b;
    sb_buf_init(&b, 16384);
    add_scopes(&b, json_string_value(json_object_get(claims, "scope")));
    const json_t *scp = json_object_get(claims, "scp");
    if (json_is_string(scp)) {
        add_scopes(&b, json_string_value(scp));
    } else if (json_is_array(scp)) {
        size_t i;
        const json_t *item;
        json_array_foreach(scp, i, item) add_scopes(&b, json_string_value(item));
    }
    if (!b.data)
        return strdup("");
    size_t n;
    return sb_buf_steal(&b, &n);
}
