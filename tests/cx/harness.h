/* Test harness for the ConnexCS tools: starts the simulator (build/connexcs-sim, path in
 * $CX_SIM) on a loopback port with a fixed "now" (it stops by itself after --max-seconds),
 * reads its ground truth and request log, injects faults, and runs the tools in-process
 * through the MCP core (the same lookup and argument validation as tools/call). */
#ifndef CX_TEST_HARNESS_H
#define CX_TEST_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mcp/mcp_session.h"

#define CXH_NOW "2026-03-01T12:00:00Z"

typedef struct cxh_sim {
    pid_t pid;
    int port;
    char base[64];    /* http://127.0.0.1:PORT */
    char api[96];     /* http://127.0.0.1:PORT/api/cp/ */
} cxh_sim;

/* Starts the simulator with extra arguments (NULL-terminated, may be NULL). 0 or -1. */
int cxh_sim_start(cxh_sim *s, const char *const *extra);
void cxh_sim_stop(cxh_sim *s);

/* GET a control path ("/_sim/truth"): parsed body (new) or NULL. */
json_t *cxh_sim_get(cxh_sim *s, const char *path);
/* POST/DELETE a control path with a JSON body (may be NULL); returns the status. */
long cxh_sim_send(cxh_sim *s, const char *method, const char *path, const char *json);
/* POST a control path and parse the answer (new reference or NULL). */
json_t *cxh_sim_post(cxh_sim *s, const char *path, const char *json);
/* A fault: kind ("401", "429", "markdown", ...), count, extra JSON members (may be NULL). */
long cxh_fault(cxh_sim *s, const char *kind, int count, const char *extra_members);
void cxh_clear_log(cxh_sim *s);
/* The request log since the last clear: [{method, path, target, body, auth, status}] (new). */
json_t *cxh_requests(cxh_sim *s);
/* Requests whose method matches and whose path contains sub (method NULL = any). */
size_t cxh_count(const json_t *log, const char *method, const char *sub);

/* Sets the ConnexCS environment for this simulator: Basic auth (API_PASSWORD) by default, or
 * the refresh token when refresh != NULL. Clears the other variables. */
void cxh_env(const cxh_sim *s, const char *refresh);
/* A core server with only the ConnexCS family registered, or NULL (nothing registered). */
mcp_server *cxh_server(void);
/* Runs a tool; args is JSON text. Returns the CallToolResult (new), or a JSON-RPC error object
 * {"rpc_error": code} when the core refused the call. */
json_t *cxh_call(mcp_server *srv, const char *tool, const char *args);

/* A value by path "structuredContent/calls/0/routing/callid" (borrowed, may be NULL). */
json_t *cxh_at(json_t *j, const char *path);
const char *cxh_str(json_t *j, const char *path);   /* "" when absent */
long long cxh_int(json_t *j, const char *path);     /* -1 when absent */
double cxh_num(json_t *j, const char *path);        /* NAN when absent */
bool cxh_is_error(const json_t *result);
/* The concatenated text content (malloc'd). */
char *cxh_text(const json_t *result);
/* Does the result's text contain needle? */
bool cxh_text_has(const json_t *result, const char *needle);

#endif
