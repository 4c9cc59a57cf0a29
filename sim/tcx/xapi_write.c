/* The write side of the simulated XAPI: POST to collections (Users, Groups, Contacts),
 * PATCH (partial updates with the PBX's validations: Number cannot change, profile names must
 * exist, duplicate numbers and e-mails are ALREADY_IN_USE, queue agents must be users), DELETE,
 * and the Pbx.* functions and actions the tools use (BatchDelete with its per-user error list,
 * GetFirstAvailableExtensionNumber, GetContactsByNumber, DropCall, ...). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xapi.h"

#define INVALID "WARNINGS.XAPI.INVALID"
#define NOT_FOUND "WARNINGS.XAPI.NOT_FOUND"
#define IN_USE "WARNINGS.XAPI.ALREADY_IN_USE"
#define DUPLICATE "WARNINGS.XAPI.DUPLICATE"

/* ---- body checks ---- */

static json_t *parse_body(const sb_http_request *req, sb_http_response *resp, bool empty_ok)
{
    if (req->body_len == 0 && empty_ok)
        return json_object();
    json_error_t jerr;
    json_t *b = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!b || !json_is_object(b)) {
        char msg[300];
        snprintf(msg, sizeof msg, "The request body is not a valid JSON object: %s",
                 b ? "not an object" : jerr.text);
        json_decref(b);
        tsim_odata_error(resp, 400, msg);
        return NULL;
    }
    return b;
}

static bool type_ok(tsim_type t, const json_t *v)
{
    if (json_is_null(v))
        return true;
    switch (t) {
    case TSIM_T_STRING:
    case TSIM_T_ENUM:
    case TSIM_T_DURATION: return json_is_string(v);
    case TSIM_T_INT: return json_is_integer(v);
    case TSIM_T_DECIMAL: return json_is_number(v);
    case TSIM_T_BOOL: return json_is_boolean(v);
    case TSIM_T_DATETIME: {
        int64_t ms;
        return json_is_string(v) &&
               tsim_parse_datetime(json_string_value(v), json_string_length(v), &ms);
    }
    case TSIM_T_OBJECT: return json_is_object(v);
    default: return json_is_array(v);
    }
}

/* Every key must be a property of the type with a value of the right type; navigation
 * properties only when listed in navs ("Agents,Managers"). */
static bool check_props(const tsim_schema *s, json_t *body, const char *navs,
                        sb_http_response *resp)
{
    const char *key;
    json_t *v;
    char msg[300];
    json_object_foreach(body, key, v) {
        if (strncmp(key, "@odata.", 7) == 0)
            continue;
        const tsim_prop *p = tsim_schema_find(s, key, strlen(key));
        if (!p || (p->type == TSIM_T_NAV && !(navs && tsim_method_in(key, navs)))) {
            snprintf(msg, sizeof msg, "The property '%.60s' does not exist on type 'Pbx.%s' or "
                     "cannot be written. Make sure to only use property names that are defined "
                     "by the type.", key, s->name);
            tsim_odata_error(resp, 400, msg);
            return false;
        }
        if (!type_ok(p->type, v) || (strcmp(key, "Id") == 0 && json_is_null(v))) {
            snprintf(msg, sizeof msg, "Cannot convert the value of property '%.60s' to the "
                     "expected type.", key);
            tsim_odata_error(resp, 400, msg);
            return false;
        }
    }
    return true;
}

static json_t *get_ci(const json_t *obj, const char *name)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) if (strcasecmp(key, name) == 0) return v;
    return NULL;
}

static bool str_eq_ci(const json_t *a, const json_t *b)
{
    return json_is_string(a) && json_is_string(b) &&
           strcasecmp(json_string_value(a), json_string_value(b)) == 0;
}

/* ---- users ---- */

static bool number_in_use(tsim_state *st, const char *number, const json_t *except)
{
    json_t *sets[] = {st->users, st->queues, st->ringgroups, st->trunks};
    for (size_t k = 0; k < 4; k++) {
        json_t *e = tsim_find_by_number(sets[k], number, NULL);
        if (e && e != except)
            return true;
    }
    return false;
}

static bool first_free_number(tsim_state *st, char *out, size_t n)
{
    for (int i = 100; i < 100000; i++) {
        snprintf(out, n, "%d", i);
        if (!number_in_use(st, out, NULL))
            return true;
    }
    return false;
}

static bool email_in_use(tsim_state *st, const json_t *email, const json_t *except)
{
    size_t i;
    json_t *u;
    if (!json_is_string(email) || !json_string_length(email))
        return false;
    json_array_foreach(st->users, i, u) {
        if (u != except && str_eq_ci(json_object_get(u, "EmailAddress"), email))
            return true;
    }
    return false;
}

static void set_display_name(json_t *u)
{
    const char *f = json_string_value(json_object_get(u, "FirstName"));
    const char *l = json_string_value(json_object_get(u, "LastName"));
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s%s", f ? f : "", f && *f && l && *l ? " " : "", l ? l : "");
    json_object_set_new(u, "DisplayName", json_string(buf));
}

/* Queue agents/managers and ring-group members carry the user's name: keep it current. */
static void sync_member_names(tsim_state *st, const json_t *u, bool remove)
{
    const char *number = json_string_value(json_object_get(u, "Number"));
    struct {
        json_t *rows;
        const char *nav;
    } lists[] = {{st->queues, "Agents"}, {st->queues, "Managers"}, {st->ringgroups, "Members"}};
    for (size_t k = 0; k < 3; k++) {
        size_t i;
        json_t *owner;
        json_array_foreach(lists[k].rows, i, owner) {
            json_t *arr = json_object_get(owner, lists[k].nav);
            for (size_t j = json_array_size(arr); j-- > 0;) {
                json_t *m = json_array_get(arr, j);
                if (!number || strcmp(json_string_value(json_object_get(m, "Number")), number))
                    continue;
                if (remove)
                    json_array_remove(arr, j);
                else
                    json_object_set(m, "Name", json_object_get(u, "DisplayName"));
            }
        }
    }
}

static void create_user(tsim_state *st, json_t *body, sb_http_response *resp)
{
    json_t *num = json_object_get(body, "Number");
    char number[16];
    if (json_is_string(num) && json_string_length(num)) {
        if (number_in_use(st, json_string_value(num), NULL)) {
            tsim_xapi_error(resp, 400, "Number", IN_USE);
            return;
        }
    } else if (!first_free_number(st, number, sizeof number)) {
        tsim_xapi_error(resp, 400, "Number", INVALID);
        return;
    } else {
        json_object_set_new(body, "Number", json_string(number));
    }
    if (email_in_use(st, json_object_get(body, "EmailAddress"), NULL)) {
        tsim_xapi_error(resp, 400, "EmailAddress", IN_USE);
        return;
    }
    const char *n = json_string_value(json_object_get(body, "Number"));
    char auth[64], pw[64], pin[16];
    snprintf(auth, sizeof auth, "auth%s", n);
    snprintf(pw, sizeof pw, "SimNewPw-%s-%d", n, st->next_id);
    snprintf(pin, sizeof pin, "%04d", (st->next_id * 37) % 10000);
    json_t *u = json_pack("{s:i, s:n, s:n, s:n, s:n, s:b, s:s, s:n, s:i, s:b, s:s, s:s, s:[], s:s,"
                          " s:s, s:n, s:s, s:n, s:s}",
                          "Id", st->next_id++, "FirstName", "LastName", "EmailAddress", "Mobile",
                          "Enabled", true, "Language", "EN", "OutboundCallerID", "PrimaryGroupId",
                          28, "IsRegistered", false, "CurrentProfileName", "Available",
                          "QueueStatus", "LoggedOut", "Tags", "AuthID", auth, "AuthPassword", pw,
                          "DeskphonePassword", "VMPIN", pin, "AccessPassword", "SIPID", auth);
    json_object_del(body, "Id");
    json_object_update(u, body);
    if (!json_object_get(body, "DisplayName"))
        set_display_name(u);
    json_object_set_new(u, "Groups",
                        json_pack("[{s:i, s:i, s:s, s:s, s:O, s:s, s:b, s:{s:s}}]", "Id",
                                  st->next_id++, "GroupId", 28, "Name", "DEFAULT", "Number",
                                  "GRP0000", "MemberName", json_object_get(u, "DisplayName"),
                                  "Type", "Extension", "CanDelete", false, "Rights", "RoleName",
                                  "users"));
    json_object_set_new(u, "ForwardingProfiles", tsim_default_profiles(st));
    json_object_set_new(u, "ForwardingExceptions", json_array());
    json_object_set_new(u, "Greetings", json_array());
    json_object_set_new(u, "Phones", json_array());
    json_array_append(st->users, u);
    json_t *out = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(u, key, v) {
        const tsim_prop *p = tsim_schema_find(&tsim_schema_user, key, strlen(key));
        if (p && p->type != TSIM_T_NAV)
            json_object_set(out, key, v);
    }
    json_decref(u);
    tsim_context(st, out, "Users/$entity");
    tsim_json_response(resp, 201, out);
}

static bool has_profile(const json_t *u, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(u, "ForwardingProfiles"), i, p) {
        if (strcmp(json_string_value(json_object_get(p, "Name")), name) == 0)
            return true;
    }
    return false;
}

/* PATCH Groups:[{GroupId, Rights:{RoleName}}] replaces the user's memberships. */
static json_t *user_groups(tsim_state *st, const json_t *u, const json_t *list)
{
    json_t *out = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g) {
        json_t *grp = json_is_object(g) ? tsim_find_by_id(st->groups,
                          json_integer_value(json_object_get(g, "GroupId")), NULL) : NULL;
        if (!grp) {
            json_decref(out);
            return NULL;
        }
        const char *role = json_string_value(json_object_get(json_object_get(g, "Rights"),
                                                             "RoleName"));
        json_array_append_new(out, json_pack("{s:i, s:O, s:O, s:O, s:O, s:s, s:b, s:{s:s}}", "Id",
                                             st->next_id++, "GroupId", json_object_get(grp, "Id"),
                                             "Name", json_object_get(grp, "Name"), "Number",
                                             json_object_get(grp, "Number"), "MemberName",
                                             json_object_get(u, "DisplayName"), "Type",
                                             "Extension", "CanDelete", true, "Rights", "RoleName",
                                             role ? role : "users"));
    }
    return out;
}

static bool patch_user(tsim_state *st, json_t *u, json_t *body, sb_http_response *resp)
{
    json_t *v = json_object_get(body, "CurrentProfileName");
    if (v && (!json_is_string(v) || !has_profile(u, json_string_value(v)))) {
        tsim_xapi_error(resp, 400, "CurrentProfileName", NOT_FOUND);
        return false;
    }
    v = json_object_get(body, "QueueStatus");
    if (v && (!json_is_string(v) || (strcmp(json_string_value(v), "LoggedIn") != 0 &&
                                     strcmp(json_string_value(v), "LoggedOut") != 0))) {
        tsim_xapi_error(resp, 400, "QueueStatus", INVALID);
        return false;
    }
    if (email_in_use(st, json_object_get(body, "EmailAddress"), u)) {
        tsim_xapi_error(resp, 400, "EmailAddress", IN_USE);
        return false;
    }
    json_object_del(body, "IsRegistered"); /* computed by the PBX */
    json_t *groups = json_object_get(body, "Groups");
    if (groups) {
        json_t *g = user_groups(st, u, groups);
        if (!g) {
            tsim_xapi_error(resp, 400, "Groups", NOT_FOUND);
            return false;
        }
        json_object_set_new(body, "Groups", g);
    }
    return true;
}

/* ---- groups, queues, ring groups, contacts ---- */

static bool timezone_ok(tsim_state *st, const json_t *tz)
{
    size_t i;
    json_t *z;
    if (!tz || json_is_null(tz))
        return true;
    json_array_foreach(st->timezones, i, z) {
        if (json_equal(json_object_get(z, "Id"), tz))
            return true;
    }
    return false;
}

static bool group_name_taken(tsim_state *st, const json_t *name, const json_t *except)
{
    size_t i;
    json_t *g;
    json_array_foreach(st->groups, i, g) {
        if (g != except && str_eq_ci(json_object_get(g, "Name"), name))
            return true;
    }
    return false;
}

static bool check_group(tsim_state *st, json_t *g, json_t *body, sb_http_response *resp)
{
    json_t *name = json_object_get(body, "Name");
    if ((!g || name) && (!json_is_string(name) || !json_string_length(name))) {
        tsim_xapi_error(resp, 400, "Name", INVALID);
        return false;
    }
    if (name && group_name_taken(st, name, g)) {
        tsim_xapi_error(resp, 400, "Name", DUPLICATE);
        return false;
    }
    if (!timezone_ok(st, json_object_get(body, "TimeZoneId"))) {
        tsim_xapi_error(resp, 400, "TimeZoneId", NOT_FOUND);
        return false;
    }
    return true;
}

static void create_group(tsim_state *st, json_t *body, sb_http_response *resp)
{
    if (!check_group(st, NULL, body, resp))
        return;
    char number[16];
    for (int i = 1; i < 10000; i++) {
        snprintf(number, sizeof number, "GRP%04d", i);
        if (!tsim_find_by_number(st->groups, number, NULL))
            break;
    }
    json_t *g = json_pack("{s:i, s:s, s:n, s:s, s:s, s:b, s:b, s:b, s:n, s:{}}", "Id",
                          st->next_id++, "Number", number, "Name", "Language", "EN", "TimeZoneId",
                          "51", "IsDefault", false, "HasMembers", false, "AllowCallService", true,
                          "PromptSet", "Props");
    json_object_del(body, "Id");
    json_object_update(g, body);
    json_array_append(st->groups, g);
    json_t *out = json_deep_copy(g);
    json_decref(g);
    tsim_context(st, out, "Groups/$entity");
    tsim_json_response(resp, 201, out);
}

/* PATCH Agents/Managers/Members: [{Number, SkillGroup?}] replaces the whole list. */
static bool replace_members(tsim_state *st, json_t *body, const char *nav, bool agents,
                            sb_http_response *resp)
{
    json_t *list = json_object_get(body, nav);
    if (!list)
        return true;
    json_t *out = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m) {
        json_t *num = json_is_object(m) ? json_object_get(m, "Number") : NULL;
        json_t *u = json_is_string(num) ? tsim_find_by_number(st->users, json_string_value(num),
                                                              NULL) : NULL;
        if (!u) {
            json_decref(out);
            tsim_xapi_error(resp, 400, nav, NOT_FOUND);
            return false;
        }
        json_t *e = json_pack("{s:i, s:O, s:O, s:[]}", "Id", st->next_id++, "Number", num, "Name",
                              json_object_get(u, "DisplayName"), "Tags");
        if (agents) {
            json_t *sg = json_object_get(m, "SkillGroup");
            json_object_set(e, "SkillGroup", sg ? sg : json_null());
        }
        json_array_append_new(out, e);
    }
    json_object_set_new(body, nav, out);
    return true;
}

static void create_contact(tsim_state *st, json_t *body, sb_http_response *resp)
{
    json_t *c = json_object();
    for (size_t i = 0; i < tsim_schema_contact.nprops; i++)
        json_object_set_new(c, tsim_schema_contact.props[i].name, json_null());
    json_object_del(body, "Id");
    json_object_update(c, body);
    json_object_set_new(c, "Id", json_integer(st->next_id++));
    if (json_is_null(json_object_get(c, "ContactType")))
        json_object_set_new(c, "ContactType", json_string("3CX"));
    json_array_append(st->contacts, c);
    json_t *out = json_deep_copy(c);
    json_decref(c);
    tsim_context(st, out, "Contacts/$entity");
    tsim_json_response(resp, 201, out);
}

void tsim_create(tsim_state *st, const tsim_set *set, const sb_http_request *req,
                 sb_http_response *resp)
{
    json_t *body = parse_body(req, resp, true);
    if (!body)
        return;
    if (check_props(set->schema, body, NULL, resp)) {
        if (strcmp(set->name, "Users") == 0)
            create_user(st, body, resp);
        else if (strcmp(set->name, "Groups") == 0)
            create_group(st, body, resp);
        else
            create_contact(st, body, resp);
    }
    json_decref(body);
}

void tsim_patch(tsim_state *st, const tsim_set *set, json_t *e, const sb_http_request *req,
                sb_http_response *resp)
{
    json_t *body = parse_body(req, resp, false);
    if (!body)
        return;
    bool users = strcmp(set->name, "Users") == 0, queues = strcmp(set->name, "Queues") == 0;
    bool rgs = strcmp(set->name, "RingGroups") == 0;
    const char *navs = users ? "Groups" : queues ? "Agents,Managers" : rgs ? "Members" : NULL;
    bool ok = check_props(set->schema, body, navs, resp);
    json_t *id = json_object_get(body, "Id"), *num = json_object_get(body, "Number");
    if (ok && id && !json_equal(id, json_object_get(e, "Id"))) {
        tsim_xapi_error(resp, 400, "Id", INVALID);
        ok = false;
    }
    if (ok && num && !json_equal(num, json_object_get(e, "Number"))) {
        tsim_xapi_error(resp, 400, "Number", INVALID);
        ok = false;
    }
    if (ok && users)
        ok = patch_user(st, e, body, resp);
    else if (ok && strcmp(set->name, "Groups") == 0)
        ok = check_group(st, e, body, resp);
    else if (ok && queues)
        ok = replace_members(st, body, "Agents", true, resp) &&
             replace_members(st, body, "Managers", false, resp);
    else if (ok && rgs)
        ok = replace_members(st, body, "Members", false, resp);
    if (ok) {
        json_object_update(e, body);
        if (users && !json_object_get(body, "DisplayName") &&
            (json_object_get(body, "FirstName") || json_object_get(body, "LastName")))
            set_display_name(e);
        if (users)
            sync_member_names(st, e, false);
        resp->status = 204;
    }
    json_decref(body);
}

static bool is_principal_user(const json_t *u)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(u, "Tags"), i, t) {
        if (json_is_string(t) && strcmp(json_string_value(t), "Principal") == 0)
            return true;
    }
    return false;
}

static void delete_user_at(tsim_state *st, json_t *u, size_t index)
{
    sync_member_names(st, u, true);
    json_array_remove(st->users, index);
}

static void delete_group_at(tsim_state *st, json_int_t gid, size_t index)
{
    json_array_remove(st->groups, index);
    size_t i;
    json_t *u;
    json_array_foreach(st->users, i, u) {
        json_t *g = json_object_get(u, "Groups");
        for (size_t j = json_array_size(g); j-- > 0;)
            if (json_integer_value(json_object_get(json_array_get(g, j), "GroupId")) == gid)
                json_array_remove(g, j);
    }
}

void tsim_delete(tsim_state *st, const tsim_set *set, json_t *e, size_t index,
                 sb_http_response *resp)
{
    if (strcmp(set->name, "Users") == 0) {
        if (is_principal_user(e)) {
            tsim_xapi_error(resp, 400, "Id", "WARNINGS.XAPI.CANNOT_DELETE_PRINCIPAL");
            return;
        }
        delete_user_at(st, e, index);
    } else if (strcmp(set->name, "Groups") == 0) {
        if (json_is_true(json_object_get(e, "IsDefault"))) {
            tsim_xapi_error(resp, 400, "Id", INVALID);
            return;
        }
        delete_group_at(st, json_integer_value(json_object_get(e, "Id")), index);
    } else {
        json_array_remove(tsim_set_rows(st, set), index);
    }
    resp->status = 204;
}

/* ---- actions and functions ---- */

/* {"ids":[..]} or {"Ids":[..]}: the integer list, or NULL (400 already answered). */
static json_t *id_list(const sb_http_request *req, sb_http_response *resp, json_t **body)
{
    *body = parse_body(req, resp, false);
    if (!*body)
        return NULL;
    json_t *ids = get_ci(*body, "ids");
    size_t i;
    json_t *v;
    bool ok = json_is_array(ids);
    json_array_foreach(ids, i, v) ok = ok && json_is_integer(v);
    if (!ok) {
        tsim_odata_error(resp, 400, "The request body must be {\"ids\":[integer, ...]}.");
        json_decref(*body);
        *body = NULL;
        return NULL;
    }
    return ids;
}

static void batch_delete(tsim_state *st, const sb_http_request *req, sb_http_response *resp)
{
    json_t *body;
    json_t *ids = id_list(req, resp, &body);
    if (!ids)
        return;
    json_t *errors = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        size_t index;
        json_t *u = tsim_find_by_id(st->users, json_integer_value(v), &index);
        if (!u)
            json_array_append_new(errors, json_pack("{s:n, s:s}", "ExtensionNumber", "Error",
                                                    NOT_FOUND));
        else if (is_principal_user(u))
            json_array_append_new(errors, json_pack("{s:O, s:s}", "ExtensionNumber",
                                                    json_object_get(u, "Number"), "Error",
                                                    "WARNINGS.XAPI.CANNOT_DELETE_PRINCIPAL"));
        else
            delete_user_at(st, u, index);
    }
    json_decref(body);
    json_t *out = json_object();
    tsim_context(st, out, "Collection(Pbx.UserDeleteError)");
    json_object_set_new(out, "value", errors);
    tsim_json_response(resp, 200, out);
}

static void delete_contacts(tsim_state *st, const sb_http_request *req, sb_http_response *resp)
{
    json_t *body;
    json_t *ids = id_list(req, resp, &body);
    if (!ids)
        return;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        size_t index;
        if (tsim_find_by_id(st->contacts, json_integer_value(v), &index))
            json_array_remove(st->contacts, index);
    }
    json_decref(body);
    resp->status = 204;
}

static void delete_company(tsim_state *st, const sb_http_request *req, sb_http_response *resp,
                           bool by_number)
{
    json_t *body = parse_body(req, resp, false);
    if (!body)
        return;
    json_t *key = get_ci(body, by_number ? "number" : "id");
    size_t index = 0;
    json_t *g = NULL;
    if (by_number && json_is_string(key))
        g = tsim_find_by_number(st->groups, json_string_value(key), &index);
    else if (!by_number && json_is_integer(key))
        g = tsim_find_by_id(st->groups, json_integer_value(key), &index);
    if (!g)
        tsim_xapi_error(resp, 400, by_number ? "number" : "id", NOT_FOUND);
    else if (json_is_true(json_object_get(g, "IsDefault")))
        tsim_xapi_error(resp, 400, by_number ? "number" : "id", INVALID);
    else {
        delete_group_at(st, json_integer_value(json_object_get(g, "Id")), index);
        resp->status = 204;
    }
    json_decref(body);
}

/* Digits of a phone number with a leading "+" or "00" removed. */
static void phone_digits(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; s && *s && k + 1 < n; s++)
        if (isdigit((unsigned char)*s))
            out[k++] = *s;
    out[k] = '\0';
    if (s && strncmp(out, "00", 2) == 0)
        memmove(out, out + 2, k - 1);
}

static void contacts_by_number(tsim_state *st, const tsim_seg *fn, sb_http_response *resp,
                               const char *query, size_t qlen)
{
    static const char *const fields[] = {"PhoneNumber", "Business", "Business2", "BusinessFax",
                                         "Home", "Mobile2", "Other", "Pager"};
    char *num = NULL;
    if (fn->nkey > 7 && memcmp(fn->key, "number=", 7) == 0)
        num = tsim_unquote(fn->key + 7, fn->nkey - 7);
    if (!num) {
        resp->status = 404;
        return;
    }
    char want[64], have[64];
    phone_digits(num, want, sizeof want);
    free(num);
    json_t *rows = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(st->contacts, i, c) {
        for (size_t f = 0; f < sizeof fields / sizeof fields[0] && want[0]; f++) {
            phone_digits(json_string_value(json_object_get(c, fields[f])), have, sizeof have);
            if (strcmp(have, want) == 0) {
                json_array_append(rows, c);
                break;
            }
        }
    }
    tsim_respond_collection(st, resp, &tsim_schema_contact, NULL, rows, "Contacts", NULL, false,
                            query, qlen);
    json_decref(rows);
}

typedef struct action_def {
    const char *set, *name, *method;
    bool bound;     /* Set(key)/Pbx.Name */
    bool function;  /* GET with (args) */
} action_def;

static const action_def actions[] = {
    {"Users", "Pbx.BatchDelete", "POST", false, false},
    {"Users", "Pbx.GetFirstAvailableExtensionNumber", "GET", false, true},
    {"Groups", "Pbx.DeleteCompanyById", "POST", false, false},
    {"Groups", "Pbx.DeleteCompanyByNumber", "POST", false, false},
    {"Contacts", "Pbx.GetContactsByNumber", "GET", false, true},
    {"Contacts", "Pbx.DeleteContactsById", "POST", false, false},
    {"EventLogs", "Pbx.PurgeEventLog", "POST", false, false},
    {"ActiveCalls", "Pbx.DropCall", "POST", true, false},
};

static void run_action(tsim_state *st, const action_def *a, const tsim_route *r,
                       const sb_http_request *req, sb_http_response *resp, const char *query,
                       size_t qlen)
{
    if (strcmp(a->name, "Pbx.BatchDelete") == 0) {
        batch_delete(st, req, resp);
    } else if (strcmp(a->name, "Pbx.GetFirstAvailableExtensionNumber") == 0) {
        char number[16];
        if (r->s2.nkey || !first_free_number(st, number, sizeof number)) {
            resp->status = 404;
            return;
        }
        json_t *b = json_pack("{s:s}", "Number", number);
        tsim_context(st, b, "Pbx.GetFirstAvailableExtensionNumber");
        tsim_json_response(resp, 200, b);
    } else if (strcmp(a->name, "Pbx.DeleteCompanyById") == 0) {
        delete_company(st, req, resp, false);
    } else if (strcmp(a->name, "Pbx.DeleteCompanyByNumber") == 0) {
        delete_company(st, req, resp, true);
    } else if (strcmp(a->name, "Pbx.GetContactsByNumber") == 0) {
        contacts_by_number(st, &r->s2, resp, query, qlen);
    } else if (strcmp(a->name, "Pbx.DeleteContactsById") == 0) {
        delete_contacts(st, req, resp);
    } else if (strcmp(a->name, "Pbx.PurgeEventLog") == 0) {
        json_array_clear(st->eventlogs);
        resp->status = 204;
    } else {
        size_t index;
        long long id;
        if (!tsim_parse_int_key(r->s1.key, r->s1.nkey, &id) ||
            !tsim_find_by_id(st->active_calls, id, &index)) {
            resp->status = 404;
            return;
        }
        json_array_remove(st->active_calls, index);
        tsim_json_response(resp, 200, json_object());
    }
}

void tsim_action(tsim_state *st, const tsim_set *set, const tsim_route *r,
                 const sb_http_request *req, sb_http_response *resp, const char *query,
                 size_t qlen)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        const action_def *a = &actions[i];
        if (strcmp(a->set, set->name) != 0 || !tsim_seg_is(&r->s2, a->name))
            continue;
        if (a->bound != r->s1.has_key || a->function != r->s2.has_key) {
            resp->status = 404;
        } else if (strcmp(req->method, a->method) != 0) {
            tsim_not_allowed(resp, a->method);
        } else {
            run_action(st, a, r, req, resp, query, qlen);
        }
        return;
    }
    resp->status = 404;
}
