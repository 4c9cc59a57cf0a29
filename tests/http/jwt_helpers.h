/* Test helpers: make keys and sign JWTs with OpenSSL, write PEM/JWKS/token files into a
 * temporary directory. Independent of the verifier's code paths (signing, not verifying). */
#ifndef SB_TESTS_HTTP_JWT_HELPERS_H
#define SB_TESTS_HTTP_JWT_HELPERS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>

/* A fresh temporary directory (mkdtemp), removed by th_tmpdir_remove(). */
const char *th_tmpdir(void);
void th_tmpdir_remove(void);
/* Writes text to <tmpdir>/name; returns the path (static per call site copy; free() it). */
char *th_write_file(const char *name, const char *text);

EVP_PKEY *th_rsa_key(int bits);
EVP_PKEY *th_ec_key(const char *curve); /* "prime256v1", "secp384r1" */
/* PEM "PUBLIC KEY" of pkey written to <tmpdir>/name; returns the path (free() it). */
char *th_write_pubkey(const char *name, EVP_PKEY *pkey);
/* A JWK (public part) of an RSA or EC key, with kid (may be NULL) and alg (may be NULL). */
json_t *th_jwk(EVP_PKEY *pkey, const char *kid, const char *alg);

/* Signs a JWT. header_json and claims_json are JSON texts. alg: "HS256" (secret used),
 * "RS256"/"ES256" (pkey used), "none" (empty signature). Returns a malloc'd token. */
char *th_sign(const char *header_json, const char *claims_json, const char *alg, EVP_PKEY *pkey,
              const unsigned char *secret, size_t secret_len);

#endif
