/* Test helpers for JWT and auth tests (see jwt_helpers.h). */
#include "jwt_helpers.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport/jwt.h"

static char g_dir[64];

const char *th_tmpdir(void)
{
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/sb-http-test-XXXXXX");
        if (!mkdtemp(g_dir))
            abort();
    }
    return g_dir;
}

void th_tmpdir_remove(void)
{
    if (!g_dir[0])
        return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
    g_dir[0] = '\0';
}

char *th_write_file(const char *name, const char *text)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", th_tmpdir(), name) < 0)
        abort();
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    return path;
}

EVP_PKEY *th_rsa_key(int bits)
{
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) != 1 || EVP_PKEY_keygen(ctx, &k) != 1)
        abort();
    EVP_PKEY_CTX_free(ctx);
    return k;
}

EVP_PKEY *th_ec_key(const char *curve)
{
    EVP_PKEY *k = EVP_EC_gen(curve);
    if (!k)
        abort();
    return k;
}

char *th_write_pubkey(const char *name, EVP_PKEY *pkey)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", th_tmpdir(), name) < 0)
        abort();
    FILE *f = fopen(path, "w");
    if (!f || PEM_write_PUBKEY(f, pkey) != 1)
        abort();
    fclose(f);
    return path;
}

static json_t *b64_of(const unsigned char *p, size_t n)
{
    char *out = malloc(n * 4 / 3 + 4);
    http_b64url_encode(p, n, out);
    json_t *s = json_string(out);
    free(out);
    return s;
}

static json_t *bn_param(EVP_PKEY *pkey, const char *name)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
        abort();
    unsigned char buf[1024];
    int n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64_of(buf, (size_t)n);
}

json_t *th_jwk(EVP_PKEY *pkey, const char *kid, const char *alg)
{
    json_t *jwk = json_object();
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
        json_object_set_new(jwk, "kty", json_string("RSA"));
        json_object_set_new(jwk, "n", bn_param(pkey, OSSL_PKEY_PARAM_RSA_N));
        json_object_set_new(jwk, "e", bn_param(pkey, OSSL_PKEY_PARAM_RSA_E));
    } else {
        unsigned char pt[133];
        size_t len = 0;
        if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &len) != 1)
            abort();
        size_t half = (len - 1) / 2;
        json_object_set_new(jwk, "kty", json_string("EC"));
        json_object_set_new(jwk, "crv", json_string(half == 32 ? "P-256" : "P-384"));
        json_object_set_new(jwk, "x", b64_of(pt + 1, half));
        json_object_set_new(jwk, "y", b64_of(pt + 1 + half, half));
    }
    if (kid)
        json_object_set_new(jwk, "kid", json_string(kid));
    if (alg)
        json_object_set_new(jwk, "alg", json_string(alg));
    json_object_set_new(jwk, "use", json_string("sig"));
    return jwk;
}

static size_t sign_pkey(EVP_PKEY *pkey, const char *in, size_t n, unsigned char *sig, size_t cap)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = cap;
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
        EVP_DigestSign(ctx, sig, &len, (const unsigned char *)in, n) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
    return len;
}

/* DER ECDSA signature to JWS r||s. */
static size_t der_to_raw(const unsigned char *der, size_t n, unsigned char out[64])
{
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)n);
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(es, &r, &s);
    BN_bn2binpad(r, out, 32);
    BN_bn2binpad(s, out + 32, 32);
    ECDSA_SIG_free(es);
    return 64;
}

char *th_sign(const char *header_json, const char *claims_json, const char *alg, EVP_PKEY *pkey,
              const unsigned char *secret, size_t secret_len)
{
    size_t hl = strlen(header_json), cl = strlen(claims_json);
    char *input = malloc(hl * 2 + cl * 2 + 8);
    size_t n = http_b64url_encode((const unsigned char *)header_json, hl, input);
    input[n++] = '.';
    n += http_b64url_encode((const unsigned char *)claims_json, cl, input + n);
    unsigned char sig[1024];
    size_t sig_len = 0;
    if (strcmp(alg, "HS256") == 0) {
        unsigned len = 0;
        HMAC(EVP_sha256(), secret, (int)secret_len, (unsigned char *)input, n, sig, &len);
        sig_len = len;
    } else if (strcmp(alg, "RS256") == 0) {
        sig_len = sign_pkey(pkey, input, n, sig, sizeof sig);
    } else if (strcmp(alg, "ES256") == 0) {
        unsigned char der[128];
        size_t dl = sign_pkey(pkey, input, n, der, sizeof der);
        sig_len = der_to_raw(der, dl, sig);
    }
    char *token = malloc(n + sig_len * 2 + 4);
    memcpy(token, input, n);
    token[n] = '.';
    http_b64url_encode(sig, sig_len, token + n + 1);
    free(input);
    return token;
}
