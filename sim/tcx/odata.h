/* The OData subset of the 3CX XAPI simulator: entity schemas, the $filter expression
 * parser and evaluator, $orderby/$select/$expand/$top/$skip/$count/$search parsing, and
 * applying a parsed query to a collection of jansson objects.
 * Everything parses pointer+length views of untrusted text with hard limits (node count,
 * nesting depth, text length); a problem gives an OData-style message, never a crash. */
#ifndef TSIM_ODATA_H
#define TSIM_ODATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    TSIM_T_STRING,
    TSIM_T_ENUM,      /* compared as a string */
    TSIM_T_DURATION,  /* ISO 8601 duration, compared as a string */
    TSIM_T_INT,
    TSIM_T_DECIMAL,
    TSIM_T_BOOL,
    TSIM_T_DATETIME,  /* ISO 8601 UTC string in the JSON */
    TSIM_T_OBJECT,    /* complex property: sub-paths are untyped */
    TSIM_T_COLLECTION,/* collection of primitives or complex values */
    TSIM_T_NAV,       /* navigation property: only with $expand */
} tsim_type;

typedef struct tsim_schema tsim_schema;

typedef struct tsim_prop {
    const char *name;
    tsim_type type;
    const tsim_schema *nav; /* element schema of a navigation property */
} tsim_prop;

struct tsim_schema {
    const char *name;       /* entity set or type name, for messages */
    const tsim_prop *props;
    size_t nprops;
};

/* The property called name[0..len) (case-sensitive), or NULL. */
const tsim_prop *tsim_schema_find(const tsim_schema *s, const char *name, size_t len);

#define TSIM_ERR_LEN 256
#define TSIM_FILTER_MAX_NODES 512
#define TSIM_FILTER_MAX_DEPTH 64
#define TSIM_QUERY_MAX_TEXT 65536

typedef struct tsim_filter tsim_filter;

typedef struct tsim_odata_opts {
    bool case_sensitive_contains; /* contains/startswith/endswith; default insensitive */
} tsim_odata_opts;

/* Parses and type-checks a $filter expression against schema. Returns NULL and a message
 * in err (at most TSIM_ERR_LEN bytes) when the text is not a valid boolean expression. */
tsim_filter *tsim_filter_parse(const char *text, size_t len, const tsim_schema *schema,
                               const tsim_odata_opts *opts, char *err);
/* True when entity (a JSON object) satisfies the filter. */
bool tsim_filter_match(const tsim_filter *f, const json_t *entity);
void tsim_filter_free(tsim_filter *f);

/* Date/time helpers shared with the simulator. */
/* Parses YYYY-MM-DDTHH:MM[:SS[.fff...]](Z|+HH:MM|-HH:MM) into milliseconds since the epoch. */
bool tsim_parse_datetime(const char *s, size_t len, int64_t *ms);
/* Parses YYYY-MM-DD into days since 1970-01-01. */
bool tsim_parse_date(const char *s, size_t len, int64_t *days);
/* Formats ms as YYYY-MM-DDTHH:MM:SS[.fff]Z into out (at least 32 bytes). */
void tsim_format_datetime(int64_t ms, bool millis, char *out, size_t outlen);
int64_t tsim_days_from_civil(int64_t y, unsigned m, unsigned d);

typedef struct tsim_order_key {
    char *path;            /* property name, or Complex/Sub */
    const tsim_prop *prop;
    bool desc;
} tsim_order_key;

#define TSIM_MAX_LIST 64

typedef struct tsim_query {
    tsim_filter *filter;
    tsim_order_key order[TSIM_MAX_LIST];
    size_t norder;
    char *select[TSIM_MAX_LIST];
    size_t nselect;
    bool select_all;
    char *expand[TSIM_MAX_LIST];
    size_t nexpand;
    long long top;    /* -1 when absent */
    long long skip;   /* 0 when absent */
    bool count;
    char *search;     /* NULL when absent */
    bool has_orderby;
} tsim_query;

/* Which options a route accepts: single entities take only $select and $expand. */
enum { TSIM_Q_COLLECTION = 0, TSIM_Q_ENTITY = 1 };

/* Parses the raw (still percent-encoded) query string of a request target against schema.
 * Options not starting with '$' are ignored; unknown or repeated $options, bad values and
 * unknown properties give -1 with a message. Always tsim_query_free() q. */
int tsim_query_parse(const char *raw, size_t len, const tsim_schema *schema, int mode,
                     const tsim_odata_opts *opts, tsim_query *q, char *err);
void tsim_query_free(tsim_query *q);

/* Applies filter → count → orderby → skip → top to rows (not modified); returns a new array
 * of the kept rows (borrowed into new references) and the count after the filter. */
json_t *tsim_query_rows(const tsim_query *q, const tsim_schema *schema, json_t *rows,
                        size_t *count);
/* A copy of entity shaped for output: navigation properties dropped unless expanded (expanded
 * ones are added by the caller), then reduced to $select when given. */
json_t *tsim_query_shape(const tsim_query *q, const tsim_schema *schema, const json_t *entity);
bool tsim_query_expands(const tsim_query *q, const char *nav);

/* Percent-decodes s[0..len) into a new string; plus_is_space for query components.
 * NULL on a malformed escape or an embedded NUL. free() it. */
char *tsim_pct_decode(const char *s, size_t len, bool plus_is_space);

#endif
