/* The ConnexCS REST API client: configuration from the environment, the authentication flows
 * of the API (refresh JWT -> short-lived access JWT, or Basic), and one call that performs a
 * request and hands back parsed JSON or an actionable error.
 *
 * Auth (see the ConnexCS spec §4.2):
 *   - CONNEXCS_API_TOKEN is a refresh JWT. GET auth/jwt with "Bearer <refresh>" mints an access
 *     JWT; it is cached and renewed a minute before its exp claim. When fewer than 15 days
 *     remain on the refresh token, POST auth/jwt/refresh renews it (in memory).
 *   - API_PASSWORD alone gives Basic auth (API_USERNAME:API_PASSWORD) on every request.
 *   - After a 401 the client re-authenticates once and retries once; never a loop.
 *   - A 429 is retried after Retry-After (or a short back-off), bounded in count and time.
 * Every secret is registered with sb_log_add_secret() and never copied into an error text.
 * The client is thread-safe: handlers on several worker threads may share one. */
#ifndef SB_CONNECT_CX_CLIENT_H
#define SB_CONNECT_CX_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct cx_client cx_client;

/* The message the CX MCP App gives when the user e-mail is missing (also at start). */
#define CX_MSG_NO_USERNAME                                                                     \
    "API_USERNAME environment variable is required but not set. Set API_USERNAME to the "      \
    "e-mail of your ConnexCS user, and CONNEXCS_API_TOKEN (a refresh JWT from Setup > "         \
    "Integrations > JWT Keys) or API_PASSWORD."

#define CX_DEFAULT_BASE_URL "https://app.connexcs.com/api/cp/"

typedef struct cx_config {
    char *username;      /* API_USERNAME (e-mail); NULL when missing */
    char *refresh_token; /* CONNEXCS_API_TOKEN */
    char *password;      /* API_PASSWORD */
    char *base_url;      /* CONNEXCS_BASE_URL, always ending in '/' */
    bool verbose;        /* VERBOSE */
    long timeout_ms;     /* CONNEXCS_TIMEOUT_MS, default 30000 */
    long max_retry_wait_s; /* longest single Retry-After honoured, CONNEXCS_MAX_RETRY_WAIT_S (10) */
    time_t now_override; /* CONNEXCS_NOW (Unix seconds or YYYY-MM-DD[THH:MM:SSZ]); 0 = clock */
} cx_config;

/* Reads the configuration from getenv. Returns false when nothing ConnexCS-related is set
 * (the family is then not registered); *cfg is filled either way (cx_config_free it). */
bool cx_config_from_env(cx_config *cfg);
void cx_config_free(cx_config *cfg);
/* NULL when usable, else the actionable reason (CX_MSG_NO_USERNAME, or no credential). */
const char *cx_config_problem(const cx_config *cfg);

/* Takes ownership of cfg's strings (cfg is zeroed). Never NULL except out of memory. */
cx_client *cx_client_new(cx_config *cfg);
void cx_client_free(cx_client *c);
const cx_config *cx_client_config(const cx_client *c);
/* "Now" for date defaults: CONNEXCS_NOW when set (tests, demo), else the clock. */
time_t cx_client_now(const cx_client *c);
/* How many HTTP requests went upstream since creation (benchmarks, tests). */
unsigned long cx_client_request_count(const cx_client *c);

/* One API request. path is relative to the base URL ("log/trace"); query is an already
 * encoded query string without '?' (may be NULL); body is sent as JSON when non-NULL (borrowed).
 * expect_json: parse the body as JSON (an error when it is not); otherwise the text is kept. */
typedef struct cx_request {
    const char *method; /* "GET" default */
    const char *path;
    const char *query;
    const json_t *body;
    bool expect_json;
    const volatile int *cancel;
} cx_request;

typedef struct cx_response {
    long status;          /* last HTTP status, 0 when none arrived */
    json_t *json;         /* parsed body on success when expect_json */
    char *text;           /* raw body (always when one arrived; NUL-terminated) */
    char *content_type;
    bool ok;              /* 2xx and (if expected) valid JSON */
    bool cancelled;
    char error[512];      /* actionable message when !ok */
    unsigned attempts;    /* HTTP requests this call made (incl. auth) */
} cx_response;

/* Performs the request. Returns 0 when ok, -1 otherwise (resp->error says why). Always call
 * cx_response_free(). A 404 and other 4xx carry the upstream's own error text in resp->error. */
int cx_call(cx_client *c, const cx_request *req, cx_response *resp);
void cx_response_free(cx_response *resp);

/* Convenience: GET path?query expecting JSON. */
int cx_get_json(cx_client *c, const char *path, const char *query, const volatile int *cancel,
                cx_response *resp);
/* Convenience: POST JSON body expecting JSON. */
int cx_post_json(cx_client *c, const char *path, const json_t *body, const volatile int *cancel,
                 cx_response *resp);

/* Verifies the credentials (GET setup/account); used by the health probe. detail gets a short
 * line without secrets. */
bool cx_client_probe(cx_client *c, char *detail, size_t detail_size);

/* Stands in for the HTTP transport (fuzzers, in-process tests): fn answers every request the
 * client makes, authentication included, instead of libcurl. It gets the method, the path
 * relative to the base URL, the encoded query (or NULL) and the JSON body (or NULL), fills hr as
 * cn_http_perform would (status, NUL-terminated body, retry_after_s...) and returns 0, or -1
 * for a transport failure (hr->error, hr->message). NULL, the default, is HTTP. */
struct cn_http_response;
typedef int (*cx_transport_fn)(void *ud, const char *method, const char *path, const char *query,
                               const char *body, struct cn_http_response *hr);
void cx_client_set_transport(cx_client *c, cx_transport_fn fn, void *ud);

/* Decodes the exp claim of a JWT (no signature check); 0 when absent or malformed, otherwise
 * clamped to [1, 9999-12-31T23:59:59Z] so arithmetic on it cannot overflow. */
long long cx_jwt_exp(const char *jwt);

#endif
