/* Unit tests for JWT verification (src/transport/jwt*.c): base64url, each algorithm, algorithm
 * confusion, alg none, kid selection, registered claims with leeway, key loading errors. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "jwt_helpers.h"
#include "transport/jwt.h"

#define NOW 1800000000L
static const unsigned char SECRET[] = "0123456789abcdef0123456789abcdef-secret";
#define SECRET_LEN (sizeof SECRET - 1)

static EVP_PKEY *g_rsa, *g_ec, *g_rsa2;
static char *g_rsa_pem, *g_ec_pem, *g_jwks;

static int setup(void **state)
{
    (void)state;
    g_rsa = th_rsa_key(2048);
    g_rsa2 = th_rsa_key(2048);
    g_ec = th_ec_key("prime256v1");
    g_rsa_pem = th_write_pubkey("rsa.pem", g_rsa);
    g_ec_pem = th_write_pubkey("ec.pem", g_ec);
    json_t *set = json_pack("{s:[o,o,o]}", "keys", th_jwk(g_rsa, "r1", "RS256"),
                            th_jwk(g_ec, "e1", NULL), th_jwk(g_rsa2, "r2", NULL));
    char *text = json_dumps(set, 0);
    g_jwks = th_write_file("jwks.json", text);
    free(text);
    json_decref(set);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(g_rsa);
    EVP_PKEY_free(g_rsa2);
    EVP_PKEY_free(g_ec);
    free(g_rsa_pem);
    free(g_ec_pem);
    free(g_jwks);
    th_tmpdir_remove();
    return 0;
}

static http_jwt_verifier *verifier(bool secret, const char *pem, const char *jwks)
{
    http_jwt_config cfg = {
        .hs256_secret = secret ? SECRET : NULL,
        .hs256_secret_len = secret ? SECRET_LEN : 0,
        .public_key_file = pem,
        .jwks_file = jwks,
        .issuer = "https://issuer.example",
        .audience = "https://mcp.example/mcp",
        .leeway_s = 30,
    };
    char err[256] = "";
    http_jwt_verifier *v = http_jwt_verifier_new(&cfg, err, sizeof err);
    if (!v)
        fprintf(stderr, "verifier: %s\n", err);
    return v;
}

static const char *CLAIMS_OK =
    "{\"iss\":\"https://issuer.example\",\"aud\":\"https://mcp.example/mcp\","
    "\"exp\":1800000100,\"scope\":\"tools:read\",\"sub\":\"alice\"}";

static http_jwt_status verify(http_jwt_verifier *v, const char *tok)
{
    return http_jwt_verify(v, tok, strlen(tok), NOW, NULL);
}

static void test_b64url(void **state)
{
    (void)state;
    unsigned char out[64];
    char enc[64];
    const unsigned char raw[] = {0xfb, 0xff, 0x00, 0x41, 0x42};
    for (size_t n = 0; n <= sizeof raw; n++) {
        size_t el = http_b64url_encode(raw, n, enc);
        assert_int_equal(http_b64url_decode(enc, el, out), (long)n);
        assert_memory_equal(out, raw, n);
    }
    assert_int_equal(http_b64url_decode("-_8", 3, out), 2);
    assert_int_equal(http_b64url_decode("ab+/", 4, out), -1); /* standard alphabet refused */
    assert_int_equal(http_b64url_decode("abcde", 5, out), -1);  /* impossible length */
    assert_int_equal(http_b64url_decode("QR", 2, out), -1);     /* non-zero trailing bits */
    assert_int_equal(http_b64url_decode("QQ==", 4, out), 1);    /* padding tolerated */
    assert_int_equal(http_b64url_decode("Q\0Q", 3, out), -1);
}

static void test_hs256(void **state)
{
    (void)state;
    http_jwt_verifier *v = verifier(true, NULL, NULL);
    assert_non_null(v);
    char *tok = th_sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", CLAIMS_OK, "HS256", NULL, SECRET,
                        SECRET_LEN);
    json_t *claims = NULL;
    assert_int_equal(http_jwt_verify(v, tok, strlen(tok), NOW, &claims), HTTP_JWT_OK);
    assert_string_equal(json_string_value(json_object_get(claims, "sub")), "alice");
    json_decref(claims);
    /* one flipped character of the signature */
    size_t n = strlen(tok);
    tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_SIGNATURE);
    free(tok);
    const unsigned char other[] = "another-secret-another-secret-another-secret";
    tok = th_sign("{\"alg\":\"HS256\"}", CLAIMS_OK, "HS256", NULL, other, sizeof other - 1);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_SIGNATURE);
    free(tok);
    http_jwt_verifier_free(v);
}

static void test_alg_none_and_unknown(void **state)
{
    (void)state;
    http_jwt_verifier *v = verifier(true, g_rsa_pem, NULL);
    char *tok = th_sign("{\"alg\":\"none\"}", CLAIMS_OK, "none", NULL, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_ALG);
    free(tok);
    tok = th_sign("{\"alg\":\"HS512\"}", CLAIMS_OK, "HS256", NULL, SECRET, SECRET_LEN);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_ALG);
    free(tok);
    tok = th_sign("{\"typ\":\"JWT\"}", CLAIMS_OK, "HS256", NULL, SECRET, SECRET_LEN);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_ALG);
    free(tok);
    tok = th_sign("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", CLAIMS_OK, "HS256", NULL, SECRET,
                  SECRET_LEN);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_ALG);
    free(tok);
    http_jwt_verifier_free(v);
}

/* An HS256 token "signed" with the RSA public key's PEM text must not pass an RS256-only
 * verifier (the classic algorithm-confusion attack). */
static void test_alg_confusion(void **state)
{
    (void)state;
    http_jwt_verifier *v = verifier(false, g_rsa_pem, NULL);
    FILE *f = fopen(g_rsa_pem, "r");
    char pem[4096];
    size_t n = fread(pem, 1, sizeof pem, f);
    fclose(f);
    char *tok = th_sign("{\"alg\":\"HS256\"}", CLAIMS_OK, "HS256", NULL, (unsigned char *)pem, n);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_ALG);
    free(tok);
    /* an ES256 token against an RSA-only verifier */
    tok = th_sign("{\"alg\":\"ES256\"}", CLAIMS_OK, "ES256", g_ec, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_ALG);
    free(tok);
    /* an RS256 header over an ES256 signature */
    tok = th_sign("{\"alg\":\"RS256\"}", CLAIMS_OK, "RS256", g_rsa2, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_SIGNATURE);
    free(tok);
    http_jwt_verifier_free(v);
}

static void test_rs256_es256_pem(void **state)
{
    (void)state;
    http_jwt_verifier *v = verifier(false, g_rsa_pem, NULL);
    char *tok = th_sign("{\"alg\":\"RS256\",\"kid\":\"any\"}", CLAIMS_OK, "RS256", g_rsa, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_OK);
    free(tok);
    http_jwt_verifier_free(v);
    v = verifier(false, g_ec_pem, NULL);
    tok = th_sign("{\"alg\":\"ES256\"}", CLAIMS_OK, "ES256", g_ec, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_OK);
    /* a signature of the wrong length */
    char *dot = strrchr(tok, '.');
    dot[5] = '\0';
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_SIGNATURE);
    free(tok);
    http_jwt_verifier_free(v);
}

static void test_jwks_kid(void **state)
{
    (void)state;
    http_jwt_verifier *v = verifier(false, NULL, g_jwks);
    assert_non_null(v);
    assert_int_equal(http_jwt_key_count(v), 3);
    char *tok = th_sign("{\"alg\":\"RS256\",\"kid\":\"r2\"}", CLAIMS_OK, "RS256", g_rsa2, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_OK);
    free(tok);
    /* right key, wrong kid: the key named r1 does not verify it */
    tok = th_sign("{\"alg\":\"RS256\",\"kid\":\"r1\"}", CLAIMS_OK, "RS256", g_rsa2, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_SIGNATURE);
    free(tok);
    tok = th_sign("{\"alg\":\"RS256\",\"kid\":\"nope\"}", CLAIMS_OK, "RS256", g_rsa, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_NO_KEY);
    free(tok);
    tok = th_sign("{\"alg\":\"RS256\"}", CLAIMS_OK, "RS256", g_rsa, NULL, 0); /* no kid: try all */
    assert_int_equal(verify(v, tok), HTTP_JWT_OK);
    free(tok);
    tok = th_sign("{\"alg\":\"ES256\",\"kid\":\"e1\"}", CLAIMS_OK, "ES256", g_ec, NULL, 0);
    assert_int_equal(verify(v, tok), HTTP_JWT_OK);
    free(tok);
    tok = th_sign("{\"alg\":\"HS256\"}", CLAIMS_OK, "HS256", NULL, SECRET, SECRET_LEN);
    assert_int_equal(verify(v, tok), HTTP_JWT_BAD_ALG); /* no secret configured */
    free(tok);
    http_jwt_verifier_free(v);
}

static void check_claims(http_jwt_verifier *v, const char *claims, http_jwt_status want)
{
    char *tok = th_sign("{\"alg\":\"HS256\"}", claims, "HS256", NULL, SECRET, SECRET_LEN);
    assert_int_equal(verify(v, tok), want);
    free(tok);
}

static void test_claims(void **state)
{
    (void)state;
    http_jwt_verifier *v = verifier(true, NULL, NULL);
    const char *aud = "\"aud\":\"https://mcp.example/mcp\"";
    const char *iss = "\"iss\":\"https://issuer.example\"";
    char buf[512];
#define CLAIMS(fmt, ...) (snprintf(buf, sizeof buf, fmt, __VA_ARGS__), buf)
    check_claims(v, CLAIMS("{%s,%s,\"exp\":%ld}", aud, iss, NOW - 100), HTTP_JWT_EXPIRED);
    check_claims(v, CLAIMS("{%s,%s,\"exp\":%ld}", aud, iss, NOW - 10), HTTP_JWT_OK); /* leeway */
    check_claims(v, CLAIMS("{%s,%s}", aud, iss), HTTP_JWT_EXPIRED);                 /* no exp */
    check_claims(v, CLAIMS("{%s,%s,\"exp\":\"soon\"}", aud, iss), HTTP_JWT_EXPIRED);
    check_claims(v, CLAIMS("{%s,%s,\"exp\":%ld,\"nbf\":%ld}", aud, iss, NOW + 999, NOW + 100),
                 HTTP_JWT_NOT_YET_VALID);
    check_claims(v, CLAIMS("{%s,%s,\"exp\":%ld,\"nbf\":%ld}", aud, iss, NOW + 999, NOW + 10),
                 HTTP_JWT_OK);
    check_claims(v, CLAIMS("{%s,\"iss\":\"https://evil\",\"exp\":%ld}", aud, NOW + 99),
                 HTTP_JWT_BAD_ISSUER);
    check_claims(v, CLAIMS("{%s,\"exp\":%ld}", aud, NOW + 99), HTTP_JWT_BAD_ISSUER);
    check_claims(v, CLAIMS("{%s,\"aud\":\"https://other\",\"exp\":%ld}", iss, NOW + 99),
                 HTTP_JWT_BAD_AUDIENCE);
    check_claims(v, CLAIMS("{%s,\"exp\":%ld}", iss, NOW + 99), HTTP_JWT_BAD_AUDIENCE);
    check_claims(v, CLAIMS("{%s,\"aud\":[\"x\",\"https://mcp.example/mcp\"],\"exp\":%ld}", iss,
                           NOW + 99),
                 HTTP_JWT_OK);
#undef CLAIMS
    http_jwt_verifier_free(v);
}

static void test_malformed(void **state)
{
    (void)state;
    http_jwt_verifier *v = verifier(true, NULL, NULL);
    const char *bad[] = {"", "abc", "a.b", "a.b.c.d", "...", "eyJhbGciOiJIUzI1NiJ9..",
                         "W10.e30.AAAA" /* header is an array */, "e30.W10.AAAA", "%%%.e30.AA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_jwt_status st = verify(v, bad[i]);
        assert_true(st == HTTP_JWT_MALFORMED || st == HTTP_JWT_BAD_ALG);
    }
    char *huge = malloc(HTTP_JWT_MAX_LEN + 10);
    memset(huge, 'A', HTTP_JWT_MAX_LEN + 9);
    huge[10] = huge[20] = '.';
    huge[HTTP_JWT_MAX_LEN + 9] = '\0';
    assert_int_equal(verify(v, huge), HTTP_JWT_MALFORMED);
    free(huge);
    /* duplicate claim names are refused (no "last one wins" ambiguity) */
    char *tok = th_sign("{\"alg\":\"HS256\"}",
                        "{\"aud\":\"x\",\"aud\":\"https://mcp.example/mcp\",\"exp\":1900000000}",
                        "HS256", NULL, SECRET, SECRET_LEN);
    assert_int_equal(verify(v, tok), HTTP_JWT_MALFORMED);
    free(tok);
    http_jwt_verifier_free(v);
}

static void test_key_loading_errors(void **state)
{
    (void)state;
    char err[256];
    http_jwt_config cfg = {.hs256_secret = SECRET, .hs256_secret_len = SECRET_LEN, .leeway_s = -1};
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err)); /* no audience */
    assert_non_null(strstr(err, "audience"));
    cfg.audience = "a";
    cfg.hs256_secret_len = 8;
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "32 bytes"));
    cfg.hs256_secret = NULL;
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err)); /* no key at all */
    EVP_PKEY *weak = th_rsa_key(1024);
    char *weak_pem = th_write_pubkey("weak.pem", weak);
    cfg.public_key_file = weak_pem;
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "2048"));
    EVP_PKEY *p384 = th_ec_key("secp384r1");
    char *p384_pem = th_write_pubkey("p384.pem", p384);
    cfg.public_key_file = p384_pem;
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "P-256"));
    cfg.public_key_file = "/nonexistent/key.pem";
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err));
    cfg.public_key_file = NULL;
    char *bad_json = th_write_file("bad.json", "{\"keys\": [");
    cfg.jwks_file = bad_json;
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err));
    json_t *mismatch = json_pack("{s:[o]}", "keys", th_jwk(g_rsa, "x", "ES256"));
    char *text = json_dumps(mismatch, 0);
    char *mm = th_write_file("mismatch.json", text);
    cfg.jwks_file = mm;
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "alg does not match"));
    char *empty = th_write_file("empty.json", "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}");
    cfg.jwks_file = empty;
    assert_null(http_jwt_verifier_new(&cfg, err, sizeof err));
    free(text);
    json_decref(mismatch);
    free(mm);
    free(empty);
    free(bad_json);
    free(weak_pem);
    free(p384_pem);
    EVP_PKEY_free(weak);
    EVP_PKEY_free(p384);
}

static void test_scopes(void **state)
{
    (void)state;
    json_t *c = json_pack("{s:s,s:[s,s]}", "scope", "tools:read admin", "scp", "tools:write", "x");
    char *s = http_jwt_scopes(c);
    assert_string_equal(s, "tools:read admin tools:write x");
    free(s);
    json_decref(c);
    c = json_pack("{s:i}", "scope", 5);
    s = http_jwt_scopes(c);
    assert_string_equal(s, "");
    free(s);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_hs256),
        cmocka_unit_test(test_alg_none_and_unknown),
        cmocka_unit_test(test_alg_confusion),
        cmocka_unit_test(test_rs256_es256_pem),
        cmocka_unit_test(test_jwks_kid),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_key_loading_errors),
        cmocka_unit_test(test_scopes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
