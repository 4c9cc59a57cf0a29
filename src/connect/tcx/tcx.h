/* The 3CX connector: configuration of one or more PBXs, the token manager and XAPI calls.
 *
 * A PBX is reached at https://FQDN[:PORT]/xapi/v1 (the port left out when it is 443) or at a
 * TCX_BASE_URL override. Each PBX holds ONE access token for the whole process (3CX keeps only
 * one token per API client active): concurrent calls share it, one refresh is in flight at a
 * time, it is refreshed shortly before it expires, and `expires_in` <= 120 is read as minutes
 * (builds before 20.0.9). After a 401 a call refreshes once (or takes the token another thread
 * just fetched) and retries once; a second 401 is an error, never a loop.
 *
 * Every failure comes back as a message a person can act on (bad credentials, 403 with the
 * System Owner hint, 404, 400 with the OData message, 5xx, timeouts, DNS, TLS, a body that is
 * not JSON). Secrets are registered with the log redactor as soon as they are loaded. */
#ifndef SB_CONNECT_TCX_H
#define SB_CONNECT_TCX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCX_ERR_LEN 600

typedef struct tcx_config {
    char *name;            /* "default" for the environment PBX, else the [pbx NAME] section */
    char *fqdn;
    unsigned port;         /* 443 default */
    char *timezone;        /* IANA zone, NULL = host zone */
    char *client_id;
    char *client_secret;
    char *base_url;        /* override, e.g. http://127.0.0.1:PORT (no trailing slash) */
    char *ca_file;         /* extra CA bundle */
    char *default_country; /* ISO code or calling code for national numbers, e.g. "DE" or "49" */
    bool allow_writes;
    long timeout_ms;       /* per request, default 30000 */
    long report_row_limit; /* the PBX's REPORT_ROW_LIMIT, default 20000 */
    long page_size;        /* rows per page when a tool scans a list; 0 = the tool's default */
} tcx_config;

/* Reads the environment (TCX_*) and the [pbx NAME] sections of config_file (may be NULL).
 * Keys in a section: fqdn, port, timezone, client_id, client_secret, base_url, ca_file,
 * allow_writes, default_country, timeout_s, report_row_limit, page_size (TCX_-prefixed upper-case names work too).
 * Returns the number of PBXs (0 = 3CX not configured) or -1 with a message in err. */
int tcx_config_load(const char *config_file, tcx_config **out, char *err, size_t errsz);
void tcx_config_free(tcx_config *cfg, size_t n);
/* Only the [pbx NAME] sections of INI text (no environment): for tests and fuzzing. */
int tcx_config_parse(const char *text, size_t len, tcx_config **out, char *err, size_t errsz);

typedef struct tcx_pbx tcx_pbx;

/* Creates the client for one PBX (copies cfg). Registers secrets with the log redactor and a
 * health probe "3cx:<name>". NULL on error (message in err). */
tcx_pbx *tcx_pbx_new(const tcx_config *cfg, char *err, size_t errsz);
void tcx_pbx_free(tcx_pbx *p);
const tcx_config *tcx_pbx_config(const tcx_pbx *p);
/* The API base, e.g. "https://pbx.example.com:5001/xapi/v1". */
const char *tcx_pbx_api_base(const tcx_pbx *p);

typedef enum {
    TCX_OK = 0,
    TCX_E_AUTH,      /* the token endpoint refused the credentials */
    TCX_E_UNAUTHORIZED, /* XAPI answered 401 even with a fresh token */
    TCX_E_FORBIDDEN, /* 403 */
    TCX_E_NOT_FOUND, /* 404 */
    TCX_E_BAD_REQUEST, /* 400 (and other 4xx) */
    TCX_E_SERVER,    /* 5xx */
    TCX_E_TRANSPORT, /* DNS, connect, TLS, timeout */
    TCX_E_CANCELLED,
    TCX_E_BAD_BODY,  /* not JSON, or not the expected shape */
} tcx_err_kind;

typedef struct tcx_error {
    tcx_err_kind kind;
    long status;           /* HTTP status, 0 when none */
    char odata_code[96];   /* e.g. "WARNINGS.XAPI.ALREADY_IN_USE" when the body said so */
    char odata_target[64]; /* e.g. "Number" */
    char message[TCX_ERR_LEN]; /* actionable, secret-free */
} tcx_error;

/* One XAPI request. path is relative to the API base and already built with the OData
 * helpers (tcx_odata.h), e.g. "Users?$filter=...". body may be NULL. On 2xx *out receives the
 * parsed JSON (NULL for 204 or an empty body) and 0 is returned; otherwise -1 with *e filled.
 * cancel (may be NULL) aborts the transfer when it becomes non-zero. */
int tcx_request(tcx_pbx *p, const char *method, const char *path, const json_t *body,
                const volatile int *cancel, json_t **out, tcx_error *e);

/* GET of a collection: *value receives the "value" array (new reference) and *count the
 * "@odata.count" (or -1 when absent). */
int tcx_get_collection(tcx_pbx *p, const char *path, const volatile int *cancel, json_t **value,
                       long *count, tcx_error *e);

/* Counters for tests and benchmarks. */
typedef struct tcx_stats {
    uint64_t token_requests;   /* POST /connect/token sent */
    uint64_t xapi_requests;    /* XAPI requests sent (retries included) */
    uint64_t retries_after_401;
    double upstream_seconds;   /* time spent waiting for the PBX, token requests included */
} tcx_stats;
void tcx_pbx_stats(tcx_pbx *p, tcx_stats *out);

/* Drops the cached token (tests; "revoke" on our side). */
void tcx_pbx_forget_token(tcx_pbx *p);

/* A cheap reachability check: GET Defs?$select=Id. Writes a short detail line. */
bool tcx_pbx_probe(tcx_pbx *p, char *detail, size_t detail_size);

#endif
