/* Token issuing and checking of the ConnexCS simulator (see auth.c). Thread-safe. */
#ifndef CXSIM_AUTH_H
#define CXSIM_AUTH_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cxs_auth cxs_auth;

typedef enum {
    CXS_AUTH_NONE,
    CXS_AUTH_BASIC,
    CXS_AUTH_BASIC_INVALID,
    CXS_AUTH_BEARER_ACCESS,
    CXS_AUTH_BEARER_REFRESH,
    CXS_AUTH_BEARER_EXPIRED,
    CXS_AUTH_BEARER_INVALID,
    CXS_AUTH_MALFORMED,
} cxs_auth_kind;

/* access_ttl: lifetime of access tokens in seconds (default 900). The password is registered
 * as a log secret. */
cxs_auth *cxs_auth_new(const char *user, const char *pass, long access_ttl);
void cxs_auth_free(cxs_auth *a);
/* A new token (malloc'd); lifetime <= 0 takes the default (30 days refresh, access_ttl). */
char *cxs_auth_issue(cxs_auth *a, bool refresh, long lifetime, const char *audience);
/* Accepts an externally supplied refresh token until exp (Unix s). */
void cxs_auth_add_refresh(cxs_auth *a, const char *text, int64_t exp);
/* Every access token issued so far is expired from now on. */
void cxs_auth_expire_access(cxs_auth *a);
/* Classifies an Authorization header value (NULL = none). */
cxs_auth_kind cxs_auth_check(cxs_auth *a, const char *header);
const char *cxs_auth_kind_name(cxs_auth_kind k);
const char *cxs_auth_user(const cxs_auth *a);

#endif
