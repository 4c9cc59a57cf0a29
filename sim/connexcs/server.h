/* The HTTP face of the ConnexCS simulator: routes /api/cp/... to the world, checks auth,
 * injects faults, keeps the request log, and serves the /_sim/ control endpoints. */
#ifndef CXSIM_SERVER_H
#define CXSIM_SERVER_H

#include <stdbool.h>

#include "cxsim.h"
#include "util/httpd.h"

typedef struct cxs_server cxs_server;

typedef struct cxs_server_opts {
    const char *username;
    const char *password;
    const char *refresh_token; /* accepted as a refresh token; may be NULL */
    long access_ttl;           /* s; default 900 */
    long rate_limit;           /* API requests per second before 429; 0 = off */
    bool rtcp_array;           /* log/rtcp answers a bare array (the app's expectation) */
    bool nested_names;         /* breakout destination names as [["", "UK"]] */
    bool verbose;
} cxs_server_opts;

/* Takes ownership of w and docs. NULL on failure. */
cxs_server *cxs_server_new(cxs_world *w, cxs_docs *docs, const cxs_server_opts *o);
void cxs_server_free(cxs_server *s);
/* The sb_httpd handler; ud is the cxs_server. */
void cxs_server_handle(void *ud, const sb_http_request *req, sb_http_response *resp);
/* Queues a fault, as POST /_sim/fault does: kind is 401|403|404|429|500|502|503|slow|timeout|
 * close|markdown|truncated|html|expire; count requests (default 1). 0, or -1 on a bad kind. */
int cxs_server_add_fault(cxs_server *s, const char *kind, long count, long retry_after,
                         long delay_ms, const char *path);
/* Makes slow handlers return (called before stopping the HTTP server). */
void cxs_server_stopping(cxs_server *s);

#endif
