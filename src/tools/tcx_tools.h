/* Shared by the 3CX tool files (tcx_*.c): the family state (one connector per configured
 * PBX), per-call context, and small helpers that keep every handler short: resolve the `pbx`
 * argument, run an XAPI request and turn a failure into an actionable isError result, pick
 * and redact fields, and finish with structuredContent plus a compact text summary. */
#ifndef SB_TOOLS_TCX_TOOLS_H
#define SB_TOOLS_TCX_TOOLS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "connect/tcx/tcx.h"
#include "connect/tcx/tcx_odata.h"
#include "mcp/mcp_tool.h"
#include "util/phone.h"
#include "util/tz.h"

typedef struct tcx_family {
    size_t npbx;
    tcx_pbx **pbx;
    tcx_config *cfg;                       /* npbx rows */
    sb_tz **tz;                            /* the PBX's zone (TCX_TIMEZONE or the host zone) */
    const sb_phone_country **country;      /* default dialling plan, may be NULL */
    bool writes;                           /* write tools registered */
    bool global_writes;                    /* --allow-writes or TCX_ALLOW_WRITES */
    int64_t fixed_now;                     /* TCX_TEST_NOW (tests of "today"), 0 = the clock */
    mcp_tool_def *table;                   /* built at registration */
    mcp_param **param_copies;              /* per row when a `pbx` argument was added */
    const char **pbx_names;                /* NULL-terminated enum of the pbx argument */
} tcx_family;

/* tcx_tools_register() that also hands back the family (tests and benchmarks read the
 * connector counters through it); *out stays untouched when 3CX is not configured. */
struct sb_options;
int tcx_tools_register_ex(mcp_registry *reg, const struct sb_options *opt, tcx_family **out);

/* One call's context. */
typedef struct tcx_ctx {
    mcp_call *call;
    tcx_family *fam;
    size_t idx;
    tcx_pbx *pbx;
    const tcx_config *cfg;
    const volatile int *cancel;
} tcx_ctx;

/* Resolves the pbx argument (absent: the first PBX). False after answering with an error. */
bool tcx_begin(mcp_call *call, const json_t *args, tcx_ctx *c);

/* Answers the call with the connector's error (isError). */
void tcx_fail(tcx_ctx *c, const tcx_error *e);
/* Answers with an error built from a format. */
void tcx_failf(tcx_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Finishes the URL and runs the request; on failure answers the call and returns false. The
 * URL is consumed. out may be NULL when the body is not needed. */
bool tcx_do(tcx_ctx *c, const char *method, tcx_url *u, const json_t *body, json_t **out);
/* GET of a collection: value array (new reference) and @odata.count (-1 when absent). */
bool tcx_list(tcx_ctx *c, tcx_url *u, json_t **value, long *count);

/* Looks a user up by extension number. Returns 1 with *user (new reference), 0 when there is
 * no such user (already answered with an error naming the extension), -1 on failure (answered). */
int tcx_user_by_ext(tcx_ctx *c, const char *ext, const char *select, const char *expand, json_t **user);

/* A new object with the given fields of src that are present and not null. */
json_t *tcx_pick(const json_t *src, const char *const *fields);
/* Replaces every secret-looking value (passwords, PINs, secrets, tokens) in place. */
void tcx_redact(json_t *j);
/* json string value or "" (never NULL). */
const char *tcx_s(const json_t *obj, const char *key);

/* A result object that starts with {"pbx": name}. */
json_t *tcx_result(tcx_ctx *c);
/* Sets structuredContent and the text summary; steals structured. */
void tcx_finish(tcx_ctx *c, json_t *structured, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The current time in UTC seconds (the clock, or TCX_TEST_NOW for tests). */
int64_t tcx_now(const tcx_ctx *c);

/* Lower-cased trimmed copy (ASCII), free() it. */
char *tcx_lower_trim(const char *s);
/* Lower-cased copy of UTF-8 text (ASCII and Latin-1 capitals), free() it. */
char *tcx_lower_text(const char *s);
/* Appends "(contains(tolower(F1),'q') or ...)" with q lower-cased and escaped: a search that
 * does not depend on whether the PBX compares case-sensitively. */
void tcx_filter_contains_any(tcx_filter *f, const char *const *fields, const char *query);
/* Do two phone numbers name the same line (default country of this PBX)? 2 exact, 1 suffix. */
int tcx_phone_match(tcx_ctx *c, const char *a, const char *b);
/* Looks like a phone number (digits with + ( ) - . / spaces, at least 5 digits)? */
bool tcx_looks_like_phone(const char *s);

/* Resolves a queue argument to its number: digits are used as they are; a name is matched
 * like get_queue_agents does (a tie is answered with the candidates). False after answering. */
bool tcx_queue_number(tcx_ctx *c, const char *query, char *number, size_t n);

/* Tool tables of each file (terminated by a NULL-name row). */
extern const mcp_tool_def tcx_users_tools[];
extern const mcp_tool_def tcx_org_tools[];
extern const mcp_tool_def tcx_queue_tools[];
extern const mcp_tool_def tcx_contact_tools[];
extern const mcp_tool_def tcx_call_tools[];

/* JSON Schema fragments shared by output schemas. */
#define TCX_OS_PBX "\"pbx\":{\"type\":\"string\"}"
#define TCX_OS_PAGE "\"total\":{\"type\":[\"integer\",\"null\"]},\"returned\":{\"type\":\"integer\"},\"hasMore\":{\"type\":\"boolean\"}"
#define TCX_OS_WRITE                                                                                          \
    "\"status\":{\"type\":\"string\",\"enum\":[\"preview\",\"declined\",\"cancelled\",\"done\",\"unchanged\"]}," \
    "\"summary\":{\"type\":\"string\"}"

/* The `confirm` parameter of every write tool. */
#define TCX_P_CONFIRM                                                                                      \
    {.name = "confirm", .type = MCP_T_BOOLEAN, .default_json = "false",                                   \
     .description = "Set true to apply the change after the user approved the preview. Clients with "     \
                    "elicitation are asked directly instead."}

#endif
