/* Internal interface of the 3CX XAPI simulator (sim/tcx): configuration, the in-memory PBX
 * state (entity sets as jansson arrays), tokens, fault rules and the request log, and the
 * functions that the request handler (xapi.c, calllog.c, control.c, auth.c) share.
 * One mutex guards the whole state; handlers hold it while they read or change anything. */
#ifndef TSIM_SIM_H
#define TSIM_SIM_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "odata.h"
#include "util/httpd.h"

#define TSIM_VERSION "20.0.10.1000"
#define TSIM_MAX_PRINCIPALS 8
#define TSIM_MAX_FAULTS 32
#define TSIM_MAX_LOG 5000
#define TSIM_MAX_LOG_BODY 16384

typedef struct tsim_principal {
    char *client_id;
    char *secret;
    char *role;          /* "system_owners", "system_admins", ... */
} tsim_principal;

typedef struct tsim_token {
    char *value;
    int principal;
    int64_t expires_mono_ms;
    bool revoked;
} tsim_token;

typedef struct tsim_fault {
    char *path;          /* substring of the request target; NULL = every request */
    char *method;        /* NULL = any */
    int remaining;       /* requests left; -1 = until cleared */
    int status;          /* 0 = no status override */
    int delay_ms;
    bool malformed;      /* 200 with a truncated JSON body */
    bool close;          /* drop the connection */
} tsim_fault;

typedef struct tsim_config {
    int64_t now_ms;                  /* the simulated "now" at start (--now) */
    bool legacy_expiry_minutes;      /* expires_in in minutes (builds before 20.0.9) */
    int token_lifetime_s;            /* actual lifetime; default 3600 */
    bool single_token;               /* a new token revokes the client's previous one */
    bool ignore_calllog_orderby;     /* mimic the unreliable $orderby on GetCallLogData */
    long report_row_limit;           /* REPORT_ROW_LIMIT, default 20000 */
    tsim_odata_opts odata;
    const char *fqdn;
    bool verbose;
} tsim_config;

typedef struct tsim_state {
    pthread_mutex_t mu;
    tsim_config cfg;
    int64_t start_mono_ms;
    tsim_principal principals[TSIM_MAX_PRINCIPALS];
    int nprincipals;
    tsim_token *tokens;
    size_t ntokens, cap_tokens;
    unsigned long token_seq;
    tsim_fault faults[TSIM_MAX_FAULTS];
    int nfaults;
    json_t *log;                     /* array of request records */
    unsigned long log_dropped;
    unsigned long token_requests, xapi_requests;
    /* entity sets */
    json_t *system_status, *users, *groups, *trunks, *active_calls, *calllog, *history,
        *queues, *ringgroups, *contacts, *eventlogs, *timezones;
    int next_id;
    atomic_int stop_requested;       /* POST /_sim/shutdown, or the process is stopping */
} tsim_state;

/* control.c: state lifetime and the HTTP handler (sb_http_handler, ud = the state). */
int tsim_state_init(tsim_state *st, const tsim_config *cfg); /* seeds; -1 on failure */
int tsim_add_principal(tsim_state *st, const char *client_id, const char *secret,
                       const char *role);
void tsim_state_free(tsim_state *st);
void tsim_handle(void *ud, const sb_http_request *req, sb_http_response *resp);

/* schema.c */
extern const tsim_schema tsim_schema_user, tsim_schema_group, tsim_schema_usergroup,
    tsim_schema_fwdprofile, tsim_schema_trunk, tsim_schema_activecall, tsim_schema_calllog,
    tsim_schema_history, tsim_schema_queue, tsim_schema_agent, tsim_schema_manager,
    tsim_schema_ringgroup, tsim_schema_rgmember, tsim_schema_contact, tsim_schema_eventlog,
    tsim_schema_timezone, tsim_schema_systemstatus, tsim_schema_defs;

/* seed.c: fills the entity sets relative to cfg.now_ms (replacing what was there). */
int tsim_seed(tsim_state *st);
/* The five default forwarding profiles of a new user, ids from st->next_id. */
json_t *tsim_default_profiles(tsim_state *st);

/* The simulated clock: --now plus the real time elapsed since start. */
int64_t tsim_now_ms(const tsim_state *st);
int64_t tsim_mono_ms(void);

/* auth.c */
void tsim_token_endpoint(tsim_state *st, const sb_http_request *req, sb_http_response *resp);
/* The principal index for the request's bearer token, or -1 (401). */
int tsim_authenticate(tsim_state *st, const sb_http_request *req);
void tsim_revoke_all(tsim_state *st);
void tsim_tokens_free(tsim_state *st);

/* xapi.c */
void tsim_xapi(tsim_state *st, int principal, const sb_http_request *req, sb_http_response *resp,
               const char *path, const char *query, size_t query_len);

/* calllog.c: GET /ReportCallLogData/Pbx.GetCallLogData(args) */
void tsim_calllog(tsim_state *st, const char *args, size_t args_len, const char *query,
                  size_t query_len, sb_http_response *resp);

/* control.c */
void tsim_control(tsim_state *st, const sb_http_request *req, sb_http_response *resp);
/* Applies a fault rule given as JSON; -1 with a message when invalid. */
int tsim_fault_add(tsim_state *st, const json_t *rule, char *err, size_t errlen);
/* The first fault rule matching req, consumed; copies it to out. */
bool tsim_fault_take(tsim_state *st, const sb_http_request *req, tsim_fault *out);
void tsim_log_request(tsim_state *st, const sb_http_request *req);
void tsim_faults_free(tsim_state *st);

/* Response helpers (xapi.c). */
void tsim_json_response(sb_http_response *resp, int status, json_t *body); /* steals body */
void tsim_odata_error(sb_http_response *resp, int status, const char *message);
/* {"error":{"code":"","message":"<target>:\n<code>","details":[...]}} */
void tsim_xapi_error(sb_http_response *resp, int status, const char *target, const char *code);
void tsim_context(tsim_state *st, json_t *obj, const char *fragment);

#endif
