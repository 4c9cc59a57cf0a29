/* Bearer-token authentication and scopes for the HTTP transport.
 *
 * Two token sources, usable together: static tokens from a file (one per line with its
 * scopes; only their SHA-256 digests are kept in memory, compared in constant time; the file
 * is re-read on SIGHUP through http_auth_reload()) and JWTs checked by a jwt.h verifier.
 *
 * Scopes: tools:read (every MCP request; read-only tools), tools:write (tools flagged
 * MCP_TOOL_WRITE), admin (/metrics; implies the other two). tools:write implies tools:read.
 *
 * http_auth_check() turns an Authorization header into a decision: 0 (allowed, with the
 * granted scopes), 400 (malformed), 401 (missing, unknown, invalid or expired token) or 403
 * (insufficient scope), with the RFC 6750 error code that goes into WWW-Authenticate. */
#ifndef SB_TRANSPORT_AUTH_H
#define SB_TRANSPORT_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "transport/jwt.h"

enum {
    HTTP_SCOPE_READ = 1u << 0,  /* "tools:read" */
    HTTP_SCOPE_WRITE = 1u << 1, /* "tools:write" */
    HTTP_SCOPE_ADMIN = 1u << 2, /* "admin" */
};

/* Largest token file accepted, and most tokens in it. */
#define HTTP_AUTH_MAX_FILE (1u << 20)
#define HTTP_AUTH_MAX_TOKENS 4096
/* Shortest static token accepted (a guessable token is worse than none). */
#define HTTP_AUTH_MIN_TOKEN 16

typedef struct http_auth http_auth;

/* tokens_file and jwt may each be NULL (both NULL = authentication off). Takes ownership of
 * jwt. Returns NULL with a reason in err when the token file is unreadable or has a bad line. */
http_auth *http_auth_new(const char *tokens_file, http_jwt_verifier *jwt, char *err, size_t errsz);
void http_auth_free(http_auth *a);
/* True when any token source is configured (requests then need a token). */
bool http_auth_enabled(const http_auth *a);
/* Re-reads the token file. On error the previous tokens stay in force; returns -1 with err. */
int http_auth_reload(http_auth *a, char *err, size_t errsz);
/* Number of static tokens loaded. */
size_t http_auth_token_count(const http_auth *a);

typedef struct http_auth_result {
    int status;              /* 0 = allowed; else 400, 401 or 403 */
    const char *error;       /* RFC 6750: "invalid_request", "invalid_token",
                              * "insufficient_scope", or NULL (no token at all) */
    const char *description; /* a short English reason, safe to send */
    unsigned scopes;         /* HTTP_SCOPE_* granted, after implications */
    char who[48];            /* for the access log: "token:1a2b3c4d" (digest prefix) or
                              * "jwt:1a2b3c4d"; never the token */
} http_auth_result;

/* Checks an Authorization header value (NULL when absent) against the token sources and
 * requires every scope bit in `required`. When authentication is off the result is allowed
 * with every scope. */
void http_auth_check(http_auth *a, const char *authorization, unsigned required,
                     http_auth_result *out);

/* Scope bits named in a space- or comma-separated list (unknown names ignored), with the
 * implications applied. */
unsigned http_scope_parse(const char *list, size_t len);
/* The canonical scope string for bits ("tools:read tools:write"), a static string. */
const char *http_scope_string(unsigned bits);
/* The name of the lowest scope bit in bits ("tools:read", ...). */
const char *http_scope_name(unsigned bit);

#endif
