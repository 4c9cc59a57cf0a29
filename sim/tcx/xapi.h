/* Shared between the read side (xapi.c) and the write side (xapi_write.c) of the simulated
 * XAPI: the entity-set table, route segments, key lookup and the collection responder. */
#ifndef TSIM_XAPI_H
#define TSIM_XAPI_H

#include "sim.h"

typedef struct tsim_set {
    const char *name;           /* "Users" */
    const tsim_schema *schema;
    size_t rows_off;            /* offset of the json_t * array in tsim_state */
    bool number_key;            /* Set(Number='x') alternate key */
    const char *col_methods;    /* methods on the collection: "GET,POST" */
    const char *ent_methods;    /* methods on one entity: "GET,PATCH,DELETE" */
    const char *default_order;  /* property sorted descending when no $orderby, or NULL */
    bool owner_only;            /* System Owner role required */
} tsim_set;

typedef struct tsim_seg {
    const char *name;
    size_t nname;
    const char *key;            /* text inside the parentheses */
    size_t nkey;
    bool has_key;
} tsim_seg;

typedef struct tsim_route {
    tsim_seg s1, s2;
    bool has_s2;
} tsim_route;

json_t *tsim_set_rows(tsim_state *st, const tsim_set *set);
const tsim_set *tsim_set_by_name(const char *name);
bool tsim_method_in(const char *method, const char *list);
bool tsim_parse_route(const char *path, tsim_route *r);
bool tsim_seg_is(const tsim_seg *s, const char *name);
char *tsim_unquote(const char *p, size_t n);
bool tsim_parse_int_key(const char *p, size_t n, long long *out);
json_t *tsim_find_by_id(json_t *rows, long long id, size_t *index);
json_t *tsim_find_by_number(json_t *rows, const char *number, size_t *index);
json_t *tsim_find_entity(tsim_state *st, const tsim_set *set, const tsim_seg *seg, size_t *index);
json_t *tsim_nav_rows(tsim_state *st, const tsim_set *set, const json_t *entity, const char *nav);
void tsim_not_allowed(sb_http_response *resp, const char *allow);
/* Answers a collection GET over rows with the query options (schema of the rows; set for
 * $expand of navigation properties, or NULL). */
void tsim_respond_collection(tsim_state *st, sb_http_response *resp, const tsim_schema *schema,
                             const tsim_set *set, json_t *rows, const char *ctx_base,
                             const char *default_order, bool default_desc, const char *query,
                             size_t qlen);

/* The same for rows already in their default order; ignore_orderby drops $orderby. */
void tsim_respond_collection_ex(tsim_state *st, sb_http_response *resp,
                                const tsim_schema *schema, json_t *rows, const char *ctx_base,
                                bool ignore_orderby, const char *query, size_t qlen);

/* xapi_write.c */
void tsim_create(tsim_state *st, const tsim_set *set, const sb_http_request *req,
                 sb_http_response *resp);
void tsim_patch(tsim_state *st, const tsim_set *set, json_t *e, const sb_http_request *req,
                sb_http_response *resp);
void tsim_delete(tsim_state *st, const tsim_set *set, json_t *e, size_t index,
                 sb_http_response *resp);
/* Set/Pbx.Name(...) functions and actions, and Set(key)/Pbx.Name bound actions. */
void tsim_action(tsim_state *st, const tsim_set *set, const tsim_route *r,
                 const sb_http_request *req, sb_http_response *resp, const char *query,
                 size_t qlen);

#endif
