/* Loading JWT verification keys: the HS256 secret, a PEM public key, a JWKS file (see jwt.h).
 * Every key is bound here to the one algorithm it may verify, which is what makes algorithm
 * confusion impossible later. Errors name the file and the reason, never key material. */
#include "transport/jwt.h"
#include "transport/jwt_internal.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/param_build.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JWKS_MAX_BYTES (1u << 20)
#define RSA_MIN_BITS 2048

static void set_err(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
    if (!err || errsz == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
}

/* Binds a parsed public key to its algorithm: RSA >= 2048 bits → RS256, EC P-256 → ES256. */
static jwt_alg alg_for_pkey(EVP_PKEY *pkey, const char **why)
{
    int id = EVP_PKEY_get_base_id(pkey);
    if (id == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS) {
            *why = "RSA key shorter than 2048 bits";
            return JWT_ALG_NONE;
        }
        return JWT_ALG_RS256;
    }
    if (id == EVP_PKEY_EC) {
        char group[64] = "";
        size_t glen = 0;
        if (EVP_PKEY_get_group_name(pkey, group, sizeof group, &glen) == 1 &&
            (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
            return JWT_ALG_ES256;
        *why = "EC key not on curve P-256 (only ES256 is supported)";
        return JWT_ALG_NONE;
    }
    *why = "unsupported key type (RSA or EC P-256 expected)";
    return JWT_ALG_NONE;
}

static int add_key(http_jwt_verifier *v, EVP_PKEY *pkey, const char *kid, jwt_alg alg)
{
    if (v->nkeys >= JWT_MAX_KEYS)
        return -1;
    char *kid_copy = kid ? strdup(kid) : NULL;
    if (kid && !kid_copy)
        return -1;
    v->keys[v->nkeys++] = (jwt_key){kid_copy, alg, pkey};
    return 0;
}

static int load_pem(http_jwt_verifier *v, const char *path, char *err, size_t errsz)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, errsz, "cannot open public key file %s", path);
        return -1;
    }
    EVP_PKEY *pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (!pkey) {
        set_err(err, errsz, "%s: not a PEM public key (-----BEGIN PUBLIC KEY-----)", path);
        return -1;
    }
    const char *why = NULL;
    jwt_alg alg = alg_for_pkey(pkey, &why);
    if (alg == JWT_ALG_NONE || add_key(v, pkey, NULL, alg) < 0) {
        set_err(err, errsz, "%s: %s", path, why ? why : "too many keys");
        EVP_PKEY_free(pkey);
        return -1;
    }
    return 0;
}

/* A base64url member of a JWK as a BIGNUM. */
static BIGNUM *jwk_bn(const json_t *jwk, const char *name)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    if (!s || strlen(s) > 4096)
        return NULL;
    size_t n = strlen(s);
    unsigned char *raw = malloc(n * 3 / 4 + 3);
    if (!raw)
        return NULL;
    long len = http_b64url_decode(s, n, raw);
    BIGNUM *bn = len > 0 ? BN_bin2bn(raw, (int)len, NULL) : NULL;
    free(raw);
    return bn;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *jwk_rsa(const json_t *jwk)
{
    EVP_PKEY *pkey = NULL;
    BIGNUM *n = jwk_bn(jwk, "n"), *e = jwk_bn(jwk, "e");
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (n && e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1)
        pkey = pkey_fromdata("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return pkey;
}

/* Decodes a fixed-size base64url coordinate; 0 or -1. */
static int jwk_coord(const json_t *jwk, const char *name, unsigned char out[32])
{
    const char *s = json_string_value(json_object_get(jwk, name));
    unsigned char tmp[48];
    if (!s || strlen(s) > 44)
        return -1;
    long len = http_b64url_decode(s, strlen(s), tmp);
    if (len != 32)
        return -1;
    memcpy(out, tmp, 32);
    return 0;
}

static EVP_PKEY *jwk_ec(const json_t *jwk)
{
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    unsigned char point[65];
    point[0] = 0x04; /* uncompressed */
    if (!crv || strcmp(crv, "P-256") != 0 || jwk_coord(jwk, "x", point + 1) < 0 ||
        jwk_coord(jwk, "y", point + 33) < 0)
        return NULL;
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) == 1)
        pkey = pkey_fromdata("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

/* One JWK: returns 1 when added, 0 when skipped (encryption key, other algorithm), -1 on error. */
static int add_jwk(http_jwt_verifier *v, const json_t *jwk, const char *path, size_t idx,
                   char *err, size_t errsz)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *use = json_string_value(json_object_get(jwk, "use"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    const json_t *kid = json_object_get(jwk, "kid");
    if (use && strcmp(use, "sig") != 0)
        return 0;
    if (alg && strcmp(alg, "RS256") != 0 && strcmp(alg, "ES256") != 0)
        return 0;
    if (!kty || (kid && !json_is_string(kid))) {
        set_err(err, errsz, "%s: key %zu has no kty or a non-string kid", path, idx);
        return -1;
    }
    EVP_PKEY *pkey = NULL;
    if (strcmp(kty, "RSA") == 0)
        pkey = jwk_rsa(jwk);
    else if (strcmp(kty, "EC") == 0)
        pkey = jwk_ec(jwk);
    else
        return 0; /* "oct" and others are never accepted from a key set */
    const char *why = "invalid key parameters";
    jwt_alg a = pkey ? alg_for_pkey(pkey, &why) : JWT_ALG_NONE;
    if (a != JWT_ALG_NONE && alg && strcmp(alg, a == JWT_ALG_RS256 ? "RS256" : "ES256") != 0) {
        a = JWT_ALG_NONE;
        why = "alg does not match the key type";
    }
    if (a == JWT_ALG_NONE || add_key(v, pkey, json_string_value(kid), a) < 0) {
        set_err(err, errsz, "%s: key %zu: %s", path, idx, a == JWT_ALG_NONE ? why : "too many keys");
        EVP_PKEY_free(pkey);
        return -1;
    }
    return 1;
}

static int load_jwks(http_jwt_verifier *v, const char *path, char *err, size_t errsz)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        set_err(err, errsz, "%s: not valid JSON (line %d: %s)", path, jerr.line, jerr.text);
        return -1;
    }
    int rc = -1;
    const json_t *keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        set_err(err, errsz, "%s: no \"keys\" array (a JWKS document is expected)", path);
        goto out;
    }
    size_t i, added = 0;
    const json_t *jwk;
    json_array_foreach(keys, i, jwk) {
        int r = json_is_object(jwk) ? add_jwk(v, jwk, path, i, err, errsz) : 0;
        if (r < 0)
            goto out;
        added += (size_t)r;
    }
    if (added == 0) {
        set_err(err, errsz, "%s: no RS256 or ES256 signing key in the set", path);
        goto out;
    }
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

static char *dup_opt(const char *s) { return s ? strdup(s) : NULL; }

http_jwt_verifier *http_jwt_verifier_new(const http_jwt_config *cfg, char *err, size_t errsz)
{
    if (!cfg->audience || !*cfg->audience) {
        set_err(err, errsz, "JWT verification needs an audience (--jwt-audience): tokens issued "
                            "for another server must not be accepted");
        return NULL;
    }
    if (cfg->hs256_secret && cfg->hs256_secret_len < 32) {
        set_err(err, errsz, "the HS256 secret must be at least 32 bytes");
        return NULL;
    }
    http_jwt_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->leeway_s = cfg->leeway_s < 0 ? HTTP_JWT_DEFAULT_LEEWAY : cfg->leeway_s;
    v->issuer = dup_opt(cfg->issuer);
    v->audience = dup_opt(cfg->audience);
    if (cfg->hs256_secret) {
        v->secret = malloc(cfg->hs256_secret_len);
        if (!v->secret)
            goto fail;
        memcpy(v->secret, cfg->hs256_secret, cfg->hs256_secret_len);
        v->secret_len = cfg->hs256_secret_len;
    }
    if (cfg->public_key_file && load_pem(v, cfg->public_key_file, err, errsz) < 0)
        goto fail;
    if (cfg->jwks_file && load_jwks(v, cfg->jwks_file, err, errsz) < 0)
        goto fail;
    if (!v->secret && v->nkeys == 0) {
        set_err(err, errsz, "no JWT key configured (a secret, a public key or a JWKS file)");
        goto fail;
    }
    return v;
fail:
    http_jwt_verifier_free(v);
    return NULL;
}

void http_jwt_verifier_free(http_jwt_verifier *v)
{
    if (!v)
        return;
    if (v->secret) {
        OPENSSL_cleanse(v->secret, v->secret_len);
        free(v->secret);
    }
    for (size_t i = 0; i < v->nkeys; i++) {
        free(v->keys[i].kid);
        EVP_PKEY_free(v->keys[i].pkey);
    }
    free(v->issuer);
    free(v->audience);
    free(v);
}

size_t http_jwt_key_count(const http_jwt_verifier *v)
{
    return v ? v->nkeys + (v->secret ? 1 : 0) : 0;
}
