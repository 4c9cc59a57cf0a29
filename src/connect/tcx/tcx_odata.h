/* OData request building for the 3CX XAPI: string literals with '' doubling, percent-encoding
 * of every query value and key segment, and $top/$skip/$count paging options.
 *
 * The rule the tools follow: argument text only ever enters a URL through tcx_odata_lit()
 * (a quoted, escaped literal), tcx_url_key() (a key segment) or tcx_url_opt() (an encoded
 * query value), so no text from a client can change the structure of a $filter. */
#ifndef SB_CONNECT_TCX_ODATA_H
#define SB_CONNECT_TCX_ODATA_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define TCX_URL_MAX (64u * 1024)

/* A relative XAPI URL under construction: path, then query options. Every append either fits
 * (TCX_URL_MAX) or marks the URL failed (tcx_url_done() then returns NULL). */
typedef struct tcx_url {
    sb_buf b;
    bool has_query;
    bool failed;
} tcx_url;

/* Starts with a trusted path ("Users", "ReportCallLogData/Pbx.GetCallLogData(" ...). */
void tcx_url_init(tcx_url *u, const char *path);
/* Appends trusted path text verbatim. */
void tcx_url_path(tcx_url *u, const char *text);
/* Appends a key segment "(Prop='value')" (prop NULL: "('value')"), escaped and encoded. */
void tcx_url_key_str(tcx_url *u, const char *prop, const char *value);
/* Appends "(<id>)". */
void tcx_url_key_int(tcx_url *u, long long id);
/* Appends an OData string literal 'value' ('' doubling), percent-encoded for a path. */
void tcx_url_path_lit(tcx_url *u, const char *value);
/* Appends "?name=value" or "&name=value", value percent-encoded. value NULL or "" skips it. */
void tcx_url_opt(tcx_url *u, const char *name, const char *value);
void tcx_url_opt_int(tcx_url *u, const char *name, long long value);
/* Hands the finished URL to the caller (free() it), or NULL when it overflowed. */
char *tcx_url_done(tcx_url *u);
void tcx_url_free(tcx_url *u);

/* A $filter expression under construction. */
typedef struct tcx_filter {
    sb_buf b;
    bool failed;
} tcx_filter;

void tcx_filter_init(tcx_filter *f);
/* Appends trusted expression text (field names, operators, parentheses). */
void tcx_filter_raw(tcx_filter *f, const char *text);
/* Appends a quoted string literal built from untrusted text: 'O''Brien'. */
void tcx_filter_lit(tcx_filter *f, const char *value);
/* "and"-joins: appends " and " when the filter is not empty. */
void tcx_filter_and(tcx_filter *f);
/* The expression text, or NULL when empty or failed. Borrowed. */
const char *tcx_filter_text(const tcx_filter *f);
void tcx_filter_free(tcx_filter *f);

/* Appends "$filter=<expression>" (nothing when the filter is empty); a filter that overflowed
 * fails the URL instead of silently widening the query. */
struct tcx_filter;
void tcx_url_filter(tcx_url *u, const struct tcx_filter *f);

/* Quotes s as an OData string literal into a new string ('' doubling). free() it. */
char *tcx_odata_lit(const char *s);
/* Percent-encodes s for a query value or path segment: unreserved characters and
 * "'(),:" stay readable; everything else (space, &, =, +, #, %, ?, /, non-ASCII) is encoded. */
char *tcx_odata_encode(const char *s);

#endif
