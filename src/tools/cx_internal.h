/* Shared pieces of the ConnexCS tool family (cx_*.c): the family state handed to every
 * handler, argument helpers that mirror the CX MCP App's validation, the fetch wrappers that
 * turn connector failures into isError results, date windows, and result shaping (compact
 * text + structuredContent, capped lists with totals). Internal to src/tools. */
#ifndef SB_TOOLS_CX_INTERNAL_H
#define SB_TOOLS_CX_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "connect/connexcs/cx_client.h"
#include "mcp/mcp_tool.h"

/* Hard caps on lists handed back (the totals are always reported beside them). */
#define CX_MAX_LOG_RESULTS 200
#define CX_MAX_RAW_MESSAGES 200
#define CX_MAX_LIST 500

typedef struct cx_family {
    cx_client *client;
} cx_family;

/* Common annotation set: every ConnexCS tool only reads. */
#define CX_ANN (MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD)

/* One row of a ConnexCS tool table: read-only, with an output schema. */
#define CX_TOOL(n, t, d, p, s, h)                                                              \
    {.name = (n), .title = (t), .description = (d), .params = (p), .annotations = CX_ANN,       \
     .output_schema = (s), .handler = (h)}

/* The client, or NULL after answering with the configuration problem as an isError result. */
cx_client *cx_tool_client(mcp_call *call);

/* String argument or NULL (also for ""); trimmed views are not made: values are used as given. */
const char *cx_arg_str(const json_t *args, const char *name);
/* Integer argument (number or digit string) or def. */
long long cx_arg_int(const json_t *args, const char *name, long long def);
bool cx_arg_has(const json_t *args, const char *name);

/* validateCallId of the app: answers isError with the app's messages and returns false. */
bool cx_check_callid(mcp_call *call, const json_t *args, const char *name, const char **out);
/* A customer / company id: digits only, 1..19 of them. isError + false otherwise. */
bool cx_check_digits(mcp_call *call, const char *name, const char *value);

/* Parses "YYYY-MM-DD" (strict) into the UTC midnight; false when malformed. */
bool cx_parse_day(const char *s, time_t *out);
/* Formats a UTC instant as "YYYY-MM-DD HH:MM:SS" / "YYYY-MM-DD". */
void cx_fmt_dt(time_t t, char *out, size_t n);
void cx_fmt_day(time_t t, char *out, size_t n);
/* A date window [start 00:00:00, end 23:59:59] from optional start/end day arguments, with
 * default_days back from now when both are absent. isError + false on a bad date or when end
 * is before start. */
typedef struct cx_window {
    time_t start, end; /* inclusive seconds */
    char start_day[11], end_day[11];
    char start_dt[20], end_dt[20];
} cx_window;
bool cx_window_from_args(mcp_call *call, cx_client *c, const json_t *args, const char *start_key,
                         const char *end_key, int default_days, bool start_required,
                         cx_window *w);

/* GET/POST helpers: on failure they answer isError (the connector's actionable text, prefixed
 * by what was being done) and return NULL. The JSON is a new reference. */
json_t *cx_fetch(mcp_call *call, cx_client *c, const char *path, const char *query);
json_t *cx_fetch_post(mcp_call *call, cx_client *c, const char *path, const json_t *body);
/* Like cx_fetch but a 404 is not an error: *not_found is set and NULL returned. */
json_t *cx_fetch_opt(mcp_call *call, cx_client *c, const char *path, const char *query,
                     bool *not_found);

/* URL-encodes into a new string (abort-free: returns NULL on OOM). */
char *cx_enc(const char *s);

/* Number from a JSON value that may be a number or a numeric string; def otherwise. */
double cx_num(const json_t *v, double def);
/* A double as a 64-bit integer without overflow (clamped; NaN = 0). */
long long cx_i64(double d);
/* A SIP status from an upstream number: 0..999, else 0. */
int cx_code(double d);
/* 2-decimal string as a new JSON string. */
json_t *cx_money(double v);
/* A shallow copy of the first max elements of an array (new reference). */
json_t *cx_array_head(const json_t *arr, size_t max);
/* Adds amount to map[currency] (currency "" becomes "unknown"). */
void cx_currency_add(json_t *map, const char *currency, double amount);
/* Rounds every number in a currency map to 2 dp (new object). */
json_t *cx_currency_round(const json_t *map);

/* id -> name of every customer (GET customer?s=, one request); {} when that fails. New. */
json_t *cx_customer_names(mcp_call *call, cx_client *c);

/* Sets structuredContent and a compact text (printf). */
void cx_reply(mcp_call *call, json_t *structured, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* POST cdr bodies: fields (NULL-terminated; NULL = the searchCdr defaults), the dt window
 * rules, limit and an optional order on dt ("ASC"/"DESC"/NULL). New reference. */
json_t *cx_cdr_body(const char *const *fields, const cx_window *w, long limit, const char *dt_order);
/* Appends {field, condition, data} (data stolen) to body.where.rules. */
void cx_cdr_rule(json_t *body, const char *field, const char *cond, json_t *data);
extern const char *const cx_cdr_default_fields[];

/* Family tables (one per file) and their registration. */
int cx_calls_register(mcp_registry *reg, cx_family *fam);
int cx_trace_register(mcp_registry *reg, cx_family *fam);
int cx_customers_register(mcp_registry *reg, cx_family *fam);
int cx_stats_register(mcp_registry *reg, cx_family *fam);
int cx_docs_register(mcp_registry *reg, cx_family *fam);
int cx_diag_register(mcp_registry *reg, cx_family *fam);
int cx_prompts_register(mcp_registry *reg, cx_family *fam);

/* ag-grid query builder for breakout-aggrid (cx_stats.c, cx_diag.c). */
typedef struct cx_agg_col {
    const char *field;
    const char *agg; /* "sum", "avg", "groupUniqArray"; NULL for a row group */
} cx_agg_col;
/* groups and values are NULL-field terminated; customer_id may be NULL (all). New string. */
char *cx_breakout_query(const cx_agg_col *groups, const cx_agg_col *values, const cx_window *w,
                        const char *customer_id, long end_row);

#endif
