/* Request routing and the read side of the simulated XAPI (/xapi/v1/...): path parsing
 * (Set, Set(Id), Set(Number='x'), Set(key)/Nav, Set/Pbx.Function(args), Set(key)/Pbx.Action),
 * collection and entity GETs with the OData options, navigation sub-collections, the
 * singletons (SystemStatus, Defs), role checks, 404/405 answers, and the response helpers.
 * Writes (POST, PATCH, DELETE, actions) are in xapi_write.c. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xapi.h"

#define JSON_TYPE "application/json; odata.metadata=minimal; charset=utf-8"

/* ---- response helpers ---- */

void tsim_json_response(sb_http_response *resp, int status, json_t *body)
{
    resp->status = status;
    resp->content_type = JSON_TYPE;
    if (!body)
        return;
    char *text = json_dumps(body, JSON_COMPACT);
    if (text)
        sb_buf_puts(&resp->body, text);
    free(text);
    json_decref(body);
}

void tsim_odata_error(sb_http_response *resp, int status, const char *message)
{
    tsim_json_response(resp, status,
                       json_pack("{s:{s:s, s:s, s:[]}}", "error", "code", "", "message", message,
                                 "details"));
}

void tsim_xapi_error(sb_http_response *resp, int status, const char *target, const char *code)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s:\n%s", target, code);
    tsim_json_response(resp, status,
                       json_pack("{s:{s:s, s:s, s:[{s:s, s:s, s:s}]}}", "error", "code", "",
                                 "message", msg, "details", "code", "", "message", code, "target",
                                 target));
}

void tsim_context(tsim_state *st, json_t *obj, const char *fragment)
{
    char ctx[1024];
    snprintf(ctx, sizeof ctx, "https://%.200s/xapi/v1/$metadata#%.700s", st->cfg.fqdn, fragment);
    json_object_set_new(obj, "@odata.context", json_string(ctx));
}

void tsim_not_allowed(sb_http_response *resp, const char *allow)
{
    resp->status = 405;
    sb_http_set_header(resp, "Allow", allow);
}

/* ---- sets ---- */

#define ROWS(field) offsetof(tsim_state, field)

static const tsim_set sets[] = {
    {"Users", &tsim_schema_user, ROWS(users), true, "GET,POST", "GET,PATCH,DELETE", NULL, false},
    {"Groups", &tsim_schema_group, ROWS(groups), false, "GET,POST", "GET,PATCH,DELETE", NULL,
     false},
    {"Trunks", &tsim_schema_trunk, ROWS(trunks), true, "GET", "GET", NULL, false},
    {"ActiveCalls", &tsim_schema_activecall, ROWS(active_calls), false, "GET", "GET", NULL,
     false},
    {"Queues", &tsim_schema_queue, ROWS(queues), true, "GET", "GET,PATCH", NULL, false},
    {"RingGroups", &tsim_schema_ringgroup, ROWS(ringgroups), true, "GET", "GET,PATCH", NULL,
     false},
    {"Contacts", &tsim_schema_contact, ROWS(contacts), false, "GET,POST", "GET,PATCH,DELETE",
     NULL, false},
    {"EventLogs", &tsim_schema_eventlog, ROWS(eventlogs), false, "GET", "GET", "Id", false},
    {"CallHistoryView", &tsim_schema_history, ROWS(history), false, "GET", "", NULL, true},
};

json_t *tsim_set_rows(tsim_state *st, const tsim_set *set)
{
    return *(json_t **)((char *)st + set->rows_off);
}

const tsim_set *tsim_set_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (strcmp(sets[i].name, name) == 0)
            return &sets[i];
    return NULL;
}

bool tsim_method_in(const char *method, const char *list)
{
    size_t n = strlen(method);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && memcmp(p, method, n) == 0)
            return true;
        p += k + (p[k] == ',');
    }
    return false;
}

/* ---- path parsing ---- */

static bool parse_segment(const char **pp, const char *end, tsim_seg *seg)
{
    const char *p = *pp;
    seg->name = p;
    while (p < end && *p != '(' && *p != '/')
        p++;
    seg->nname = (size_t)(p - seg->name);
    if (seg->nname == 0)
        return false;
    if (p < end && *p == '(') {
        bool quoted = false;
        const char *open = ++p;
        while (p < end && (quoted || *p != ')')) {
            if (*p == '\'')
                quoted = !quoted;
            p++;
        }
        if (p >= end)
            return false;
        seg->key = open;
        seg->nkey = (size_t)(p - open);
        seg->has_key = true;
        p++;
    }
    *pp = p;
    return true;
}

/* Splits "Set(key)/Name(args)" into two segments; false for anything deeper or malformed. */
bool tsim_parse_route(const char *path, tsim_route *r)
{
    memset(r, 0, sizeof *r);
    const char *p = path, *end = path + strlen(path);
    if (p == end)
        return true;
    if (!parse_segment(&p, end, &r->s1))
        return false;
    if (p < end && *p == '/') {
        p++;
        if (p == end)
            return true;
        if (!parse_segment(&p, end, &r->s2))
            return false;
        r->has_s2 = true;
    }
    return p == end;
}

bool tsim_seg_is(const tsim_seg *s, const char *name)
{
    return s->nname == strlen(name) && memcmp(s->name, name, s->nname) == 0;
}

/* Unescapes a quoted OData string literal 'a''b' into a new string; NULL if malformed. */
char *tsim_unquote(const char *p, size_t n)
{
    if (n < 2 || p[0] != '\'' || p[n - 1] != '\'')
        return NULL;
    char *out = malloc(n);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (p[i] == '\'') {
            if (i + 2 >= n || p[i + 1] != '\'') {
                free(out);
                return NULL;
            }
            i++;
        }
        out[k++] = p[i];
    }
    out[k] = '\0';
    return out;
}

bool tsim_parse_int_key(const char *p, size_t n, long long *out)
{
    if (n == 0 || n > 12)
        return false;
    long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

json_t *tsim_find_by_id(json_t *rows, long long id, size_t *index)
{
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e) {
        if (json_integer_value(json_object_get(e, "Id")) == id) {
            if (index)
                *index = i;
            return e;
        }
    }
    return NULL;
}

json_t *tsim_find_by_number(json_t *rows, const char *number, size_t *index)
{
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e) {
        const char *n = json_string_value(json_object_get(e, "Number"));
        if (n && strcmp(n, number) == 0) {
            if (index)
                *index = i;
            return e;
        }
    }
    return NULL;
}

/* The entity addressed by a key segment: (26) or (Number='100') where the set allows it. */
json_t *tsim_find_entity(tsim_state *st, const tsim_set *set, const tsim_seg *seg, size_t *index)
{
    json_t *rows = tsim_set_rows(st, set);
    long long id;
    if (tsim_parse_int_key(seg->key, seg->nkey, &id))
        return tsim_find_by_id(rows, id, index);
    if (!set->number_key || seg->nkey < 7 || memcmp(seg->key, "Number=", 7) != 0)
        return NULL;
    char *num = tsim_unquote(seg->key + 7, seg->nkey - 7);
    json_t *e = num ? tsim_find_by_number(rows, num, index) : NULL;
    free(num);
    return e;
}

/* ---- navigation ---- */

/* A group's members, computed from the users' Groups entries. */
static json_t *group_members(tsim_state *st, const json_t *group)
{
    json_int_t gid = json_integer_value(json_object_get(group, "Id"));
    json_t *out = json_array();
    size_t i, j;
    json_t *u, *g;
    json_array_foreach(st->users, i, u) {
        json_array_foreach(json_object_get(u, "Groups"), j, g) {
            if (json_integer_value(json_object_get(g, "GroupId")) != gid)
                continue;
            json_t *m = json_deep_copy(g);
            json_object_set(m, "Number", json_object_get(u, "Number"));
            json_object_set(m, "Name", json_object_get(u, "DisplayName"));
            json_array_append_new(out, m);
        }
    }
    return out;
}

json_t *tsim_nav_rows(tsim_state *st, const tsim_set *set, const json_t *entity, const char *nav)
{
    if (strcmp(set->name, "Groups") == 0 && strcmp(nav, "Members") == 0)
        return group_members(st, entity);
    json_t *v = json_object_get(entity, nav);
    return json_is_array(v) ? json_incref(v) : json_array();
}

static json_t *shape(tsim_state *st, const tsim_set *set, const tsim_query *q, const json_t *e)
{
    json_t *out = tsim_query_shape(q, set->schema, e);
    for (size_t i = 0; i < q->nexpand; i++)
        json_object_set_new(out, q->expand[i], tsim_nav_rows(st, set, e, q->expand[i]));
    return out;
}

static void select_fragment(const tsim_query *q, const char *base, char *out, size_t n)
{
    int k = snprintf(out, n, "%s", base);
    if (!q->nselect || q->select_all)
        return;
    for (size_t i = 0; i < q->nselect && (size_t)k < n; i++)
        k += snprintf(out + k, n - (size_t)k, "%c%s", i ? ',' : '(', q->select[i]);
    if ((size_t)k < n)
        snprintf(out + k, n - (size_t)k, ")");
}

/* ---- reads ---- */

static void respond_collection(tsim_state *st, sb_http_response *resp, const tsim_schema *schema,
                               const tsim_set *set, json_t *rows, const char *ctx_base,
                               const char *default_order, bool default_desc, bool ignore_orderby,
                               const char *query, size_t qlen)
{
    tsim_query q;
    char err[TSIM_ERR_LEN];
    if (tsim_query_parse(query, qlen, schema, TSIM_Q_COLLECTION, &st->cfg.odata, &q, err) < 0) {
        tsim_query_free(&q);
        tsim_odata_error(resp, 400, err);
        return;
    }
    if (ignore_orderby) {
        for (size_t i = 0; i < q.norder; i++)
            free(q.order[i].path);
        q.norder = 0;
    }
    if (!q.norder && default_order) {
        q.order[0].path = strdup(default_order);
        q.order[0].prop = tsim_schema_find(schema, default_order, strlen(default_order));
        q.order[0].desc = default_desc;
        q.norder = q.order[0].path && q.order[0].prop ? 1 : 0;
    }
    size_t count = 0;
    json_t *kept = tsim_query_rows(&q, schema, rows, &count);
    json_t *value = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(kept, i, e) {
        json_t *o = set ? shape(st, set, &q, e) : tsim_query_shape(&q, schema, e);
        json_array_append_new(value, o);
    }
    json_decref(kept);
    json_t *body = json_object();
    char frag[600];
    select_fragment(&q, ctx_base, frag, sizeof frag);
    tsim_context(st, body, frag);
    if (q.count)
        json_object_set_new(body, "@odata.count", json_integer((json_int_t)count));
    json_object_set_new(body, "value", value);
    tsim_query_free(&q);
    tsim_json_response(resp, 200, body);
}

void tsim_respond_collection(tsim_state *st, sb_http_response *resp, const tsim_schema *schema,
                             const tsim_set *set, json_t *rows, const char *ctx_base,
                             const char *default_order, bool default_desc, const char *query,
                             size_t qlen)
{
    respond_collection(st, resp, schema, set, rows, ctx_base, default_order, default_desc, false,
                       query, qlen);
}

void tsim_respond_collection_ex(tsim_state *st, sb_http_response *resp,
                                const tsim_schema *schema, json_t *rows, const char *ctx_base,
                                bool ignore_orderby, const char *query, size_t qlen)
{
    respond_collection(st, resp, schema, NULL, rows, ctx_base, NULL, false, ignore_orderby, query,
                       qlen);
}

static void respond_entity(tsim_state *st, sb_http_response *resp, const tsim_set *set,
                           const json_t *e, const char *query, size_t qlen)
{
    tsim_query q;
    char err[TSIM_ERR_LEN];
    if (tsim_query_parse(query, qlen, set->schema, TSIM_Q_ENTITY, &st->cfg.odata, &q, err) < 0) {
        tsim_query_free(&q);
        tsim_odata_error(resp, 400, err);
        return;
    }
    json_t *body = shape(st, set, &q, e);
    char frag[600], ent[700];
    select_fragment(&q, set->name, frag, sizeof frag);
    snprintf(ent, sizeof ent, "%s/$entity", frag);
    tsim_context(st, body, ent);
    tsim_query_free(&q);
    tsim_json_response(resp, 200, body);
}

static void nav_collection(tsim_state *st, sb_http_response *resp, const tsim_set *set,
                           json_t *e, const tsim_route *r, const char *query, size_t qlen)
{
    char nav[64];
    snprintf(nav, sizeof nav, "%.*s", (int)(r->s2.nname < 63 ? r->s2.nname : 63), r->s2.name);
    const tsim_prop *p = tsim_schema_find(set->schema, r->s2.name, r->s2.nname);
    if (!p || p->type != TSIM_T_NAV || !p->nav || r->s2.has_key) {
        resp->status = 404;
        return;
    }
    json_t *rows = tsim_nav_rows(st, set, e, nav);
    char ctx[300];
    snprintf(ctx, sizeof ctx, "%s(%lld)/%s", set->name,
             (long long)json_integer_value(json_object_get(e, "Id")), nav);
    tsim_respond_collection(st, resp, p->nav, NULL, rows, ctx, NULL, false, query, qlen);
    json_decref(rows);
}

static void system_status(tsim_state *st, sb_http_response *resp, const char *query, size_t qlen)
{
    size_t i, regs = 0, online = 0;
    json_t *e;
    json_array_foreach(st->users, i, e) regs += json_is_true(json_object_get(e, "IsRegistered"));
    json_array_foreach(st->trunks, i, e) online += json_is_true(json_object_get(e, "IsOnline"));
    json_t *s = st->system_status;
    json_object_set_new(s, "ExtensionsRegistered", json_integer((json_int_t)regs));
    json_object_set_new(s, "ExtensionsTotal", json_integer((json_int_t)json_array_size(st->users)));
    json_object_set_new(s, "TrunksRegistered", json_integer((json_int_t)online));
    json_object_set_new(s, "TrunksTotal", json_integer((json_int_t)json_array_size(st->trunks)));
    json_object_set_new(s, "CallsActive",
                        json_integer((json_int_t)json_array_size(st->active_calls)));
    static const tsim_set status_set = {"SystemStatus", &tsim_schema_systemstatus, 0, false,
                                        "GET", "GET", NULL, false};
    respond_entity(st, resp, &status_set, s, query, qlen);
}

static void service_document(tsim_state *st, sb_http_response *resp)
{
    static const char *const names[] = {"Users",  "Groups",   "Trunks",    "ActiveCalls",
                                        "Queues", "RingGroups", "Contacts", "EventLogs",
                                        "CallHistoryView", "ReportCallLogData", "Defs",
                                        "SystemStatus"};
    json_t *value = json_array();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        json_array_append_new(value, json_pack("{s:s, s:s, s:s}", "name", names[i], "kind",
                                               i >= 10 ? "Singleton" : "EntitySet", "url",
                                               names[i]));
    json_t *body = json_object();
    char ctx[300];
    snprintf(ctx, sizeof ctx, "https://%s/xapi/v1/$metadata", st->cfg.fqdn);
    json_object_set_new(body, "@odata.context", json_string(ctx));
    json_object_set_new(body, "value", value);
    tsim_json_response(resp, 200, body);
}

static void defs(tsim_state *st, const tsim_route *r, sb_http_response *resp, const char *query,
                 size_t qlen)
{
    if (r->has_s2) {
        if (!tsim_seg_is(&r->s2, "TimeZones") || r->s2.has_key) {
            resp->status = 404;
            return;
        }
        tsim_respond_collection(st, resp, &tsim_schema_timezone, NULL, st->timezones,
                                "Defs/TimeZones", NULL, false, query, qlen);
        return;
    }
    static const tsim_set defs_set = {"Defs", &tsim_schema_defs, 0, false, "GET", "GET", NULL,
                                      false};
    json_t *d = json_pack("{s:i}", "Id", 0);
    respond_entity(st, resp, &defs_set, d, query, qlen);
    json_decref(d);
}

static void active_calls_now(tsim_state *st)
{
    char now[40];
    tsim_format_datetime(tsim_now_ms(st), true, now, sizeof now);
    size_t i;
    json_t *c;
    json_array_foreach(st->active_calls, i, c) json_object_set_new(c, "ServerNow", json_string(now));
}

static bool owner_only_denied(tsim_state *st, int principal, sb_http_response *resp)
{
    if (strcmp(st->principals[principal].role, "system_owners") == 0)
        return false;
    resp->status = 403;
    return true;
}

static void set_route(tsim_state *st, int principal, const tsim_set *set, const tsim_route *r,
                      const sb_http_request *req, sb_http_response *resp, const char *query,
                      size_t qlen)
{
    if (set->owner_only && owner_only_denied(st, principal, resp))
        return;
    if (strcmp(set->name, "ActiveCalls") == 0)
        active_calls_now(st);
    if (r->has_s2 && r->s2.nname > 4 && memcmp(r->s2.name, "Pbx.", 4) == 0) {
        tsim_action(st, set, r, req, resp, query, qlen);
        return;
    }
    if (!r->s1.has_key) {
        if (r->has_s2) {
            resp->status = 404;
        } else if (!tsim_method_in(req->method, set->col_methods)) {
            tsim_not_allowed(resp, set->col_methods);
        } else if (strcmp(req->method, "GET") == 0) {
            tsim_respond_collection(st, resp, set->schema, set, tsim_set_rows(st, set), set->name,
                                    set->default_order, true, query, qlen);
        } else {
            tsim_create(st, set, req, resp);
        }
        return;
    }
    size_t index = 0;
    json_t *e = tsim_find_entity(st, set, &r->s1, &index);
    if (!e) {
        resp->status = 404;
        return;
    }
    if (r->has_s2) {
        if (strcmp(req->method, "GET") != 0)
            tsim_not_allowed(resp, "GET");
        else
            nav_collection(st, resp, set, e, r, query, qlen);
    } else if (!tsim_method_in(req->method, set->ent_methods)) {
        tsim_not_allowed(resp, set->ent_methods);
    } else if (strcmp(req->method, "GET") == 0) {
        respond_entity(st, resp, set, e, query, qlen);
    } else if (strcmp(req->method, "PATCH") == 0) {
        tsim_patch(st, set, e, req, resp);
    } else {
        tsim_delete(st, set, e, index, resp);
    }
}

static void singletons(tsim_state *st, int principal, const tsim_route *r,
                       const sb_http_request *req, sb_http_response *resp, const char *query,
                       size_t qlen)
{
    bool get = strcmp(req->method, "GET") == 0;
    if (tsim_seg_is(&r->s1, "ReportCallLogData")) {
        if (!r->has_s2 || !tsim_seg_is(&r->s2, "Pbx.GetCallLogData") || !r->s2.has_key ||
            r->s1.has_key)
            resp->status = 404;
        else if (!get)
            tsim_not_allowed(resp, "GET");
        else if (!owner_only_denied(st, principal, resp))
            tsim_calllog(st, r->s2.key, r->s2.nkey, query, qlen, resp);
        return;
    }
    if (r->s1.has_key) {
        resp->status = 404;
    } else if (!get) {
        tsim_not_allowed(resp, "GET");
    } else if (tsim_seg_is(&r->s1, "Defs")) {
        defs(st, r, resp, query, qlen);
    } else if (!r->has_s2) {
        system_status(st, resp, query, qlen);
    } else if (tsim_seg_is(&r->s2, "Pbx.SystemHealthStatus") && r->s2.has_key && !r->s2.nkey) {
        size_t i, online = 0;
        json_t *t;
        json_array_foreach(st->trunks, i, t) online += json_is_true(json_object_get(t, "IsOnline"));
        json_t *b = json_pack("{s:b, s:b, s:b, s:i, s:i}", "Firewall", true, "Phones", true,
                              "Trunks", online == json_array_size(st->trunks),
                              "CustomTemplatesCount", 0, "UnsupportedFirmwaresCount", 0);
        tsim_context(st, b, "Pbx.SystemHealthStatus");
        tsim_json_response(resp, 200, b);
    } else {
        resp->status = 404;
    }
}

void tsim_xapi(tsim_state *st, int principal, const sb_http_request *req, sb_http_response *resp,
               const char *path, const char *query, size_t query_len)
{
    tsim_route r;
    if (!tsim_parse_route(path, &r)) {
        resp->status = 404;
        return;
    }
    if (r.s1.nname == 0) {
        if (strcmp(req->method, "GET") != 0)
            tsim_not_allowed(resp, "GET");
        else
            service_document(st, resp);
        return;
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(r.s1.nname < 63 ? r.s1.nname : 63), r.s1.name);
    const tsim_set *set = tsim_set_by_name(name);
    if (set) {
        set_route(st, principal, set, &r, req, resp, query, query_len);
    } else if (strcmp(name, "SystemStatus") == 0 || strcmp(name, "Defs") == 0 ||
               strcmp(name, "ReportCallLogData") == 0) {
        singletons(st, principal, &r, req, resp, query, query_len);
    } else {
        resp->status = 404;
    }
}
