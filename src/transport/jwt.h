/* JWT bearer-token verification for the HTTP transport, over OpenSSL.
 *
 * A verifier holds the keys the operator configured: an HS256 shared secret, and/or RSA
 * (RS256) and EC P-256 (ES256) public keys from a PEM file or a JWKS file. Each key is bound to
 * exactly one algorithm, so a token can never choose how it is checked: "alg":"none", unknown
 * algorithms, an HS256 token against an RSA key (algorithm confusion) and a "crit" header are
 * all refused. After the signature the registered claims are checked: exp (required), nbf, iss
 * and aud, with a small leeway for clock skew. The token is parsed as a pointer+length view and
 * capped in size; nothing of it is ever logged. */
#ifndef SB_TRANSPORT_JWT_H
#define SB_TRANSPORT_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Tokens longer than this are refused before any parsing. */
#define HTTP_JWT_MAX_LEN 8192
/* Default leeway for exp/nbf, in seconds. */
#define HTTP_JWT_DEFAULT_LEEWAY 30

typedef struct http_jwt_verifier http_jwt_verifier;

typedef struct http_jwt_config {
    const unsigned char *hs256_secret; /* raw secret bytes (>= 32), or NULL */
    size_t hs256_secret_len;
    const char *public_key_file; /* PEM "PUBLIC KEY" (RSA >= 2048 bits, or EC P-256), or NULL */
    const char *jwks_file;       /* JSON Web Key Set with RSA and/or EC P-256 keys, or NULL */
    const char *issuer;          /* required "iss" value, or NULL = not checked */
    const char *audience;        /* required "aud" value (string or member of the array); required */
    long leeway_s;               /* < 0 = HTTP_JWT_DEFAULT_LEEWAY */
} http_jwt_config;

typedef enum {
    HTTP_JWT_OK = 0,
    HTTP_JWT_MALFORMED,     /* not three base64url parts of JSON objects, or too long */
    HTTP_JWT_BAD_ALG,       /* none, unknown, "crit", or no key configured for this algorithm */
    HTTP_JWT_NO_KEY,        /* a "kid" that matches no configured key */
    HTTP_JWT_BAD_SIGNATURE,
    HTTP_JWT_EXPIRED,       /* exp missing or in the past */
    HTTP_JWT_NOT_YET_VALID, /* nbf in the future */
    HTTP_JWT_BAD_ISSUER,
    HTTP_JWT_BAD_AUDIENCE,
} http_jwt_status;

/* Loads the keys. Returns NULL with a reason in err (never containing key material) when a
 * file cannot be read or parsed, a key is too weak or of an unsupported type, no key at all is
 * configured, or no audience is given. */
http_jwt_verifier *http_jwt_verifier_new(const http_jwt_config *cfg, char *err, size_t errsz);
void http_jwt_verifier_free(http_jwt_verifier *v);
/* Number of keys loaded (the secret counts as one). */
size_t http_jwt_key_count(const http_jwt_verifier *v);

/* Verifies token[0..len) at time now. On HTTP_JWT_OK and when claims is not NULL, *claims is
 * the payload object (new reference). */
http_jwt_status http_jwt_verify(const http_jwt_verifier *v, const char *token, size_t len,
                                time_t now, json_t **claims);
/* A short English reason for a status ("token expired"), safe to send to the client. */
const char *http_jwt_status_text(http_jwt_status st);

/* The scopes a payload grants, space-separated: "scope" (a string) and/or "scp" (a string or an
 * array of strings). Returns a new string (free() it), "" when there are none, NULL on OOM. */
char *http_jwt_scopes(const json_t *claims);

/* base64url (RFC 4648 §5) without padding, as JWS uses it; padding '=' is tolerated at the end.
 * Decodes in[0..len) into out (at least len*3/4+3 bytes). Returns the decoded length, or -1 for
 * a character outside the alphabet, a bad length, or non-zero trailing bits. */
long http_b64url_decode(const char *in, size_t len, unsigned char *out);
/* Encodes in[0..len) into out (at least (len*4+2)/3+1 bytes), NUL-terminated, no padding.
 * Returns the encoded length. */
size_t http_b64url_encode(const unsigned char *in, size_t len, char *out);

#endif
