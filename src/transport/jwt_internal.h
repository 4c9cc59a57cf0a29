/* Internals shared by jwt.c (verification) and jwt_keys.c (key loading); not a public API. */
#ifndef SB_TRANSPORT_JWT_INTERNAL_H
#define SB_TRANSPORT_JWT_INTERNAL_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

/* The algorithm a key is bound to; a token's "alg" must name it exactly. */
typedef enum { JWT_ALG_NONE = 0, JWT_ALG_HS256, JWT_ALG_RS256, JWT_ALG_ES256 } jwt_alg;

typedef struct jwt_key {
    char *kid;      /* or NULL */
    jwt_alg alg;    /* RS256 or ES256 */
    EVP_PKEY *pkey;
} jwt_key;

#define JWT_MAX_KEYS 32

struct http_jwt_verifier {
    unsigned char *secret; /* HS256, or NULL */
    size_t secret_len;
    jwt_key keys[JWT_MAX_KEYS];
    size_t nkeys;
    char *issuer;
    char *audience;
    long leeway_s;
};

#endif
