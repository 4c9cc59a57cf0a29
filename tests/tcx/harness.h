/* Test harness for the 3CX tools: starts build/tcx-sim on a loopback port (it stops by itself
 * after --max-seconds), drives its /_sim/ controls, reads its request log as decoded
 * "METHOD path?query" lines, and runs tools in-process through the MCP core. */
#ifndef TCX_TEST_HARNESS_H
#define TCX_TEST_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mcp/mcp_session.h"

typedef struct th_sim {
    pid_t pid;
    int port;
    char base[64]; /* http://127.0.0.1:PORT */
} th_sim;

/* Starts the simulator (path from $TCX_SIM) with extra arguments (NULL-terminated, may be NULL).
 * Returns 0, or -1 when it could not start. */
int th_sim_start(th_sim *s, const char *const *extra);
void th_sim_stop(th_sim *s);

/* Control endpoints: GET returns the parsed body (new reference) or NULL; POST/DELETE return
 * the HTTP status. */
json_t *th_sim_get(th_sim *s, const char *path);
long th_sim_send(th_sim *s, const char *method, const char *path, const char *json);
void th_sim_clear_log(th_sim *s);

/* The request log since the last clear: one "METHOD /path?query" line per request, path and
 * query percent-decoded; token requests as "POST /connect/token". Returned as a JSON array of
 * strings (new reference). Bodies in a parallel array when bodies != NULL. */
json_t *th_sim_requests(th_sim *s, json_t **bodies);
/* The number of requests whose line starts with prefix. */
size_t th_count(const json_t *lines, const char *prefix);

/* Sets TCX_* for this simulator (client 900, Europe/Berlin, DE) and clears other TCX_ vars. */
void th_env(const th_sim *s);

/* A core server with the tcx family registered (writes allowed), or NULL. */
mcp_server *th_server(const char *config_file);
/* Runs a tool in-process; returns the CallToolResult (new reference). args is JSON text. */
json_t *th_call(mcp_server *srv, const char *tool, const char *args);

/* A value inside j by a path like "structuredContent/users/0/Number" (borrowed, may be NULL). */
json_t *th_at(json_t *j, const char *path);
/* The concatenated text content of a result (malloc'd). */
char *th_text(const json_t *result);

#endif
