/* 3CX system and organisation: get_system_status, list/create/update_department, list_trunks,
 * get_trunk_details (name from Gateway.Name), get_active_calls (with durations) and
 * get_event_logs (TimeGenerated kept, newest first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/confirm.h"
#include "tools/tcx_tools.h"
#include "util/buf.h"

/* ---- get_system_status ----------------------------------------------------------------- */

static void h_get_system_status(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    tcx_url u;
    tcx_url_init(&u, "SystemStatus");
    json_t *s;
    if (!tcx_do(&c, "GET", &u, NULL, &s))
        return;
    json_object_del(s, "@odata.context");
    json_t *out = tcx_result(&c);
    json_object_set(out, "status", s);
    tcx_finish(&c, out,
               "3CX %s at %s: %lld of %lld extensions registered, %lld of %lld trunks registered, %lld active "
               "call(s) (max %lld); licence %s%s%s; disk %lld%% used; last backup %s.",
               tcx_s(s, "Version"), tcx_s(s, "FQDN"), json_integer_value(json_object_get(s, "ExtensionsRegistered")),
               json_integer_value(json_object_get(s, "ExtensionsTotal")),
               json_integer_value(json_object_get(s, "TrunksRegistered")),
               json_integer_value(json_object_get(s, "TrunksTotal")), json_integer_value(json_object_get(s, "CallsActive")),
               json_integer_value(json_object_get(s, "MaxSimCalls")),
               json_is_true(json_object_get(s, "LicenseActive")) ? "active" : "NOT active",
               *tcx_s(s, "ExpirationDate") ? ", expires " : "", tcx_s(s, "ExpirationDate"), json_integer_value(json_object_get(s, "DiskUsage")),
               *tcx_s(s, "LastBackupDateTime") ? tcx_s(s, "LastBackupDateTime") : "never");
    json_decref(s);
}

/* ---- departments ----------------------------------------------------------------------- */

static const char *const dept_fields[] = {"Id", "Name", "Number", "Language", "TimeZoneId", "IsDefault", NULL};

static void h_list_departments(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *name = json_string_value(json_object_get(args, "name"));
    long top = (long)json_integer_value(json_object_get(args, "top"));
    long skip = (long)json_integer_value(json_object_get(args, "skip"));
    tcx_filter f;
    tcx_filter_init(&f);
    if (name && *name) {
        static const char *const fields[] = {"Name", NULL};
        tcx_filter_contains_any(&f, fields, name);
    }
    tcx_url u;
    tcx_url_init(&u, "Groups");
    tcx_url_filter(&u, &f);
    tcx_filter_free(&f);
    tcx_url_opt(&u, "$select", "Id,Name,Number,Language,TimeZoneId,IsDefault");
    tcx_url_opt(&u, "$orderby", "Name asc");
    tcx_url_opt_int(&u, "$top", top);
    tcx_url_opt_int(&u, "$skip", skip);
    tcx_url_opt(&u, "$count", "true");
    json_t *v;
    long total;
    if (!tcx_list(&c, &u, &v, &total))
        return;
    json_t *items = json_array();
    sb_buf b;
    sb_buf_init(&b, 64 * 1024);
    size_t i;
    json_t *g;
    json_array_foreach(v, i, g) {
        json_array_append_new(items, tcx_pick(g, dept_fields));
        sb_buf_printf(&b, "\n%s (Id %lld, %s), language %s, time zone id %s", tcx_s(g, "Name"),
                      (long long)json_integer_value(json_object_get(g, "Id")), tcx_s(g, "Number"),
                      tcx_s(g, "Language"), tcx_s(g, "TimeZoneId"));
    }
    size_t n = json_array_size(items);
    if (total < 0)
        total = skip + (long)n;
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "total", json_integer(total));
    json_object_set_new(out, "returned", json_integer((json_int_t)n));
    json_object_set_new(out, "hasMore", json_boolean(skip + (long)n < total));
    json_object_set_new(out, "departments", items);
    tcx_finish(&c, out, "%zu of %ld department(s)%s", n, total, b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(v);
}

/* The 3CX time zone id for the timeZone (IANA) or timeZoneId argument; *id = NULL when neither
 * was given. False after answering with an error. */
static bool zone_id(tcx_ctx *c, const json_t *args, char *buf, size_t n, const char **id)
{
    const char *tzid = json_string_value(json_object_get(args, "timeZoneId"));
    const char *iana = json_string_value(json_object_get(args, "timeZone"));
    *id = tzid;
    if (!iana)
        return true;
    if (tzid) {
        tcx_failf(c, "Give either timeZone (an IANA name) or timeZoneId (a 3CX id), not both.");
        return false;
    }
    tcx_filter f;
    tcx_filter_init(&f);
    tcx_filter_raw(&f, "IanaName eq ");
    tcx_filter_lit(&f, iana);
    tcx_url u;
    tcx_url_init(&u, "Defs/TimeZones");
    tcx_url_filter(&u, &f);
    tcx_filter_free(&f);
    tcx_url_opt(&u, "$select", "Id,Name,IanaName");
    json_t *v;
    long cnt;
    if (!tcx_list(c, &u, &v, &cnt))
        return false;
    json_t *row = json_array_get(v, 0);
    if (!row) {
        json_decref(v);
        tcx_failf(c, "The PBX knows no time zone '%.64s' (use an IANA name such as Europe/Berlin).", iana);
        return false;
    }
    json_t *jid = json_object_get(row, "Id");
    if (json_is_integer(jid))
        snprintf(buf, n, "%lld", (long long)json_integer_value(jid));
    else
        snprintf(buf, n, "%s", tcx_s(row, "Id"));
    json_decref(v);
    *id = buf;
    return true;
}

static void h_create_department(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *name = json_string_value(json_object_get(args, "name"));
    const char *lang = json_string_value(json_object_get(args, "language"));
    const char *tzid;
    char tzbuf[32];
    if (!zone_id(&c, args, tzbuf, sizeof tzbuf, &tzid))
        return;
    tcx_filter f;
    tcx_filter_init(&f);
    tcx_filter_raw(&f, "Name eq ");
    tcx_filter_lit(&f, name);
    tcx_url u;
    tcx_url_init(&u, "Groups");
    tcx_url_filter(&u, &f);
    tcx_filter_free(&f);
    tcx_url_opt(&u, "$select", "Id,Name,Number");
    tcx_url_opt(&u, "$top", "1");
    json_t *v;
    long cnt;
    if (!tcx_list(&c, &u, &v, &cnt))
        return;
    json_t *dup = json_array_get(v, 0);
    if (dup) {
        tcx_failf(&c, "A department named '%s' already exists (Id %lld, %s); nothing was created.", name,
                  (long long)json_integer_value(json_object_get(dup, "Id")), tcx_s(dup, "Number"));
        json_decref(v);
        return;
    }
    json_decref(v);
    json_t *body = json_pack("{s:s}", "Name", name);
    if (lang)
        json_object_set_new(body, "Language", json_string(lang));
    if (tzid)
        json_object_set_new(body, "TimeZoneId", json_string(tzid));
    char summary[800];
    snprintf(summary, sizeof summary, "Create department '%s' on PBX '%s'%s%s%s%s%s.", name, c.cfg->name,
             lang ? ", language " : "", lang ? lang : "", tzid ? ", time zone id " : "", tzid ? tzid : "",
             lang || tzid ? "" : " with the PBX defaults");
    json_t *res = tcx_result(&c);
    json_object_set(res, "request", body);
    if (tools_confirm(call, args, summary, res)) {
        json_t *g;
        tcx_url_init(&u, "Groups");
        if (tcx_do(&c, "POST", &u, body, &g)) {
            json_t *out = tcx_result(&c);
            json_object_set_new(out, "status", json_string("done"));
            json_object_set_new(out, "summary", json_string(summary));
            json_object_set_new(out, "department", tcx_pick(g, dept_fields));
            tcx_finish(&c, out, "Created department '%s' (Id %lld, %s).", tcx_s(g, "Name"),
                       (long long)json_integer_value(json_object_get(g, "Id")), tcx_s(g, "Number"));
            json_decref(g);
        }
    }
    json_decref(body);
}

static void h_update_department(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    static const char *const map[][2] = {{"name", "Name"}, {"language", "Language"}, {"timeZoneId", "TimeZoneId"},
                                         {NULL, NULL}};
    bool any = json_object_get(args, "timeZone") != NULL;
    for (size_t i = 0; map[i][0]; i++)
        any = any || json_object_get(args, map[i][0]);
    if (!any) {
        tcx_failf(&c, "Nothing to update: give at least one of name, language, timeZone, timeZoneId.");
        return;
    }
    const char *tzid;
    char tzbuf[32];
    if (!zone_id(&c, args, tzbuf, sizeof tzbuf, &tzid))
        return;
    long long id = json_integer_value(json_object_get(args, "id"));
    tcx_url u;
    tcx_url_init(&u, "Groups");
    tcx_url_key_int(&u, id);
    tcx_url_opt(&u, "$select", "Id,Name,Number,Language,TimeZoneId,IsDefault");
    json_t *cur;
    if (!tcx_do(&c, "GET", &u, NULL, &cur))
        return;
    json_t *patch = json_object();
    sb_buf sum;
    sb_buf_init(&sum, 4096);
    sb_buf_printf(&sum, "Update department '%s' (Id %lld) on PBX '%s':", tcx_s(cur, "Name"), id, c.cfg->name);
    size_t n = 0;
    for (size_t i = 0; map[i][0]; i++) {
        const char *nv = strcmp(map[i][0], "timeZoneId") == 0 ? tzid : json_string_value(json_object_get(args, map[i][0]));
        const char *ov = tcx_s(cur, map[i][1]);
        if (!nv || strcmp(nv, ov) == 0)
            continue;
        sb_buf_printf(&sum, "%s %s '%s' -> '%s'", n++ ? ";" : "", map[i][1], ov, nv);
        json_object_set_new(patch, map[i][1], json_string(nv));
    }
    if (!n) {
        json_t *out = tcx_result(&c);
        json_object_set_new(out, "status", json_string("unchanged"));
        json_object_set_new(out, "summary", json_string("The department already has these values; nothing sent."));
        json_object_set_new(out, "department", tcx_pick(cur, dept_fields));
        tcx_finish(&c, out, "Department '%s' already has these values; nothing was changed.", tcx_s(cur, "Name"));
        goto out;
    }
    json_t *res = tcx_result(&c);
    json_object_set(res, "changes", patch);
    if (!tools_confirm(call, args, sum.data, res))
        goto out;
    tcx_url_init(&u, "Groups");
    tcx_url_key_int(&u, id);
    if (!tcx_do(&c, "PATCH", &u, patch, NULL))
        goto out;
    json_t *after;
    tcx_url_init(&u, "Groups");
    tcx_url_key_int(&u, id);
    tcx_url_opt(&u, "$select", "Id,Name,Number,Language,TimeZoneId,IsDefault");
    if (tcx_do(&c, "GET", &u, NULL, &after)) {
        json_t *out = tcx_result(&c);
        json_object_set_new(out, "status", json_string("done"));
        json_object_set_new(out, "summary", json_string(sum.data));
        json_object_set_new(out, "department", tcx_pick(after, dept_fields));
        tcx_finish(&c, out, "Done. %s", sum.data);
        json_decref(after);
    }
out:
    json_decref(cur);
    json_decref(patch);
    sb_buf_free(&sum);
}

/* ---- trunks ---------------------------------------------------------------------------- */

static json_t *trunk_brief(const json_t *t)
{
    static const char *const keep[] = {"Id", "Number", "IsOnline", "Direction", "SimultaneousCalls",
                                       "ExternalNumber", NULL};
    json_t *o = tcx_pick(t, keep);
    json_t *gw = json_object_get(t, "Gateway");
    json_object_set_new(o, "Name", json_string(tcx_s(gw, "Name")));
    if (*tcx_s(gw, "Host"))
        json_object_set_new(o, "Host", json_string(tcx_s(gw, "Host")));
    return o;
}

static void h_list_trunks(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    tcx_url u;
    tcx_url_init(&u, "Trunks");
    tcx_url_opt(&u, "$select", "Id,Number,Gateway,IsOnline,Direction,SimultaneousCalls,ExternalNumber");
    tcx_url_opt(&u, "$orderby", "Number asc");
    tcx_url_opt(&u, "$count", "true");
    json_t *v;
    long total;
    if (!tcx_list(&c, &u, &v, &total))
        return;
    json_t *items = json_array();
    sb_buf b;
    sb_buf_init(&b, 32768);
    size_t i, online = 0;
    json_t *t;
    json_array_foreach(v, i, t) {
        json_t *o = trunk_brief(t);
        bool on = json_is_true(json_object_get(t, "IsOnline"));
        online += on;
        sb_buf_printf(&b, "\n%s %s (Id %lld): %s, %s, %lld simultaneous calls", tcx_s(t, "Number"),
                      tcx_s(o, "Name"), (long long)json_integer_value(json_object_get(t, "Id")),
                      on ? "online" : "OFFLINE", tcx_s(t, "Direction"),
                      (long long)json_integer_value(json_object_get(t, "SimultaneousCalls")));
        json_array_append_new(items, o);
    }
    size_t n = json_array_size(items);
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "total", json_integer(total < 0 ? (long)n : total));
    json_object_set_new(out, "returned", json_integer((json_int_t)n));
    json_object_set_new(out, "hasMore", json_boolean(total > (long)n));
    json_object_set_new(out, "online", json_integer((json_int_t)online));
    json_object_set_new(out, "trunks", items);
    tcx_finish(&c, out, "%zu trunk(s), %zu online%s", n, online, b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(v);
}

static void h_get_trunk_details(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    json_t *id = json_object_get(args, "id");
    const char *number = json_string_value(json_object_get(args, "number"));
    tcx_url u;
    tcx_url_init(&u, "Trunks");
    if (json_is_integer(id)) {
        tcx_url_key_int(&u, json_integer_value(id));
    } else if (number) {
        tcx_url_key_str(&u, "Number", number);
    } else {
        tcx_url_free(&u);
        tcx_failf(&c, "Say which trunk: give id (from list_trunks) or number (e.g. \"10000\").");
        return;
    }
    json_t *t;
    if (!tcx_do(&c, "GET", &u, NULL, &t))
        return;
    json_object_del(t, "@odata.context");
    json_object_set_new(t, "Name", json_string(tcx_s(json_object_get(t, "Gateway"), "Name")));
    json_t *out = tcx_result(&c);
    json_object_set(out, "trunk", t);
    json_t *gw = json_object_get(t, "Gateway");
    tcx_finish(&c, out, "Trunk %s %s (Id %lld): %s, host %s:%lld, %s, %lld simultaneous calls, %zu DID(s).",
               tcx_s(t, "Number"), tcx_s(t, "Name"), (long long)json_integer_value(json_object_get(t, "Id")),
               json_is_true(json_object_get(t, "IsOnline")) ? "online" : "OFFLINE", tcx_s(gw, "Host"),
               (long long)json_integer_value(json_object_get(gw, "Port")), tcx_s(t, "Direction"),
               (long long)json_integer_value(json_object_get(t, "SimultaneousCalls")),
               json_array_size(json_object_get(t, "DidNumbers")));
    json_decref(t);
}

/* ---- active calls ---------------------------------------------------------------------- */

static void h_get_active_calls(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    tcx_url u;
    tcx_url_init(&u, "ActiveCalls");
    tcx_url_opt(&u, "$orderby", "EstablishedAt asc");
    tcx_url_opt(&u, "$top", "500");
    tcx_url_opt(&u, "$count", "true");
    json_t *v;
    long total;
    if (!tcx_list(&c, &u, &v, &total))
        return;
    static const char *const keep[] = {"Id", "Caller", "Callee", "Status", "EstablishedAt", "LastChangeStatus", NULL};
    json_t *items = json_array();
    sb_buf b;
    sb_buf_init(&b, 64 * 1024);
    size_t i;
    json_t *a;
    json_array_foreach(v, i, a) {
        json_t *o = tcx_pick(a, keep);
        int64_t est, now;
        long long dur = -1;
        if (sb_parse_iso_utc(tcx_s(a, "EstablishedAt"), &est) == 0 &&
            (sb_parse_iso_utc(tcx_s(a, "ServerNow"), &now) == 0 || (now = tcx_now(&c), 1)))
            dur = now >= est ? (long long)(now - est) : 0;
        if (dur >= 0)
            json_object_set_new(o, "durationSeconds", json_integer(dur));
        sb_buf_printf(&b, "\n%s -> %s: %s", tcx_s(a, "Caller"), tcx_s(a, "Callee"), tcx_s(a, "Status"));
        if (dur >= 0)
            sb_buf_printf(&b, " for %lld:%02lld", dur / 60, dur % 60);
        json_array_append_new(items, o);
    }
    size_t n = json_array_size(items);
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "total", json_integer(total < 0 ? (long)n : total));
    json_object_set_new(out, "returned", json_integer((json_int_t)n));
    json_object_set_new(out, "hasMore", json_boolean(total > (long)n));
    json_object_set_new(out, "calls", items);
    tcx_finish(&c, out, "%zu active call(s)%s", n, b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(v);
}

/* ---- event logs ------------------------------------------------------------------------ */

static void h_get_event_logs(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *type = json_string_value(json_object_get(args, "type"));
    const char *since = json_string_value(json_object_get(args, "since"));
    long top = (long)json_integer_value(json_object_get(args, "top"));
    long skip = (long)json_integer_value(json_object_get(args, "skip"));
    tcx_filter f;
    tcx_filter_init(&f);
    if (type) {
        tcx_filter_raw(&f, "Type eq ");
        tcx_filter_lit(&f, type);
    }
    if (since) {
        int64_t t;
        if (sb_parse_iso_utc(since, &t) < 0) {
            tcx_filter_free(&f);
            tcx_failf(&c, "since must be a date-time such as 2026-03-18T08:00:00Z.");
            return;
        }
        char iso[21];
        sb_format_utc(t, iso);
        tcx_filter_and(&f);
        tcx_filter_raw(&f, "TimeGenerated ge ");
        tcx_filter_raw(&f, iso);
    }
    tcx_url u;
    tcx_url_init(&u, "EventLogs");
    tcx_url_filter(&u, &f);
    tcx_filter_free(&f);
    tcx_url_opt(&u, "$orderby", "TimeGenerated desc");
    tcx_url_opt_int(&u, "$top", top);
    tcx_url_opt_int(&u, "$skip", skip);
    tcx_url_opt(&u, "$count", "true");
    json_t *v;
    long total;
    if (!tcx_list(&c, &u, &v, &total))
        return;
    static const char *const keep[] = {"Id", "TimeGenerated", "Type", "EventId", "Message", "Source", "GroupName", NULL};
    json_t *items = json_array();
    sb_buf b;
    sb_buf_init(&b, 64 * 1024);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        json_array_append_new(items, tcx_pick(e, keep));
        sb_buf_printf(&b, "\n%s %s %lld: %.200s", tcx_s(e, "TimeGenerated"), tcx_s(e, "Type"),
                      (long long)json_integer_value(json_object_get(e, "EventId")), tcx_s(e, "Message"));
    }
    size_t n = json_array_size(items);
    if (total < 0)
        total = skip + (long)n;
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "total", json_integer(total));
    json_object_set_new(out, "returned", json_integer((json_int_t)n));
    json_object_set_new(out, "hasMore", json_boolean(skip + (long)n < total));
    json_object_set_new(out, "events", items);
    tcx_finish(&c, out, "%zu of %ld event(s), newest first%s", n, total, b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(v);
}

/* ---- the table ------------------------------------------------------------------------- */

static const mcp_param p_list_depts[] = {
    {.name = "name", .type = MCP_T_STRING, .max_length = 200, .description = "Only departments whose name contains this text."},
    {.name = "top", .type = MCP_T_INTEGER, .default_json = "50", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(200),
     .description = "Page size."},
    {.name = "skip", .type = MCP_T_INTEGER, .default_json = "0", .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(100000),
     .description = "Rows to skip (paging)."},
    {0}};
static const mcp_param p_create_dept[] = {
    {.name = "name", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 100,
     .description = "Department name."},
    {.name = "language", .type = MCP_T_STRING, .min_length = 2, .max_length = 8,
     .description = "Prompt language code, e.g. EN or DE."},
    {.name = "timeZone", .type = MCP_T_STRING, .min_length = 1, .max_length = 64,
     .description = "Time zone as an IANA name (e.g. Europe/Berlin); looked up in the PBX's Defs/TimeZones."},
    {.name = "timeZoneId", .type = MCP_T_STRING, .min_length = 1, .max_length = 8, .pattern = "^[0-9]+$",
     .description = "Or the 3CX time zone id from Defs/TimeZones (e.g. \"51\"), not a Windows name."},
    TCX_P_CONFIRM,
    {0}};
static const mcp_param p_update_dept[] = {
    {.name = "id", .type = MCP_T_INTEGER, .required = true, .minimum = MCP_BOUND(1),
     .description = "Department Id (from list_departments)."},
    {.name = "name", .type = MCP_T_STRING, .min_length = 1, .max_length = 100, .description = "New name."},
    {.name = "language", .type = MCP_T_STRING, .min_length = 2, .max_length = 8, .description = "New language code."},
    {.name = "timeZone", .type = MCP_T_STRING, .min_length = 1, .max_length = 64,
     .description = "New time zone as an IANA name (e.g. Europe/Berlin)."},
    {.name = "timeZoneId", .type = MCP_T_STRING, .min_length = 1, .max_length = 8, .pattern = "^[0-9]+$",
     .description = "Or the new 3CX time zone id."},
    TCX_P_CONFIRM,
    {0}};
static const mcp_param p_trunk[] = {
    {.name = "id", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "Trunk Id (from list_trunks)."},
    {.name = "number", .type = MCP_T_STRING, .min_length = 1, .max_length = 32,
     .description = "Or the trunk's number, e.g. \"10000\"."},
    {0}};
static const char *const event_types[] = {"Error", "Warning", "Info", NULL};
static const mcp_param p_events[] = {
    {.name = "type", .type = MCP_T_STRING, .enum_values = event_types, .description = "Only this severity."},
    {.name = "since", .type = MCP_T_STRING, .format = "date-time", .max_length = 40,
     .description = "Only events at or after this time (ISO 8601)."},
    {.name = "top", .type = MCP_T_INTEGER, .default_json = "50", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(500),
     .description = "Page size."},
    {.name = "skip", .type = MCP_T_INTEGER, .default_json = "0", .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(100000),
     .description = "Rows to skip (paging)."},
    {0}};

#define OS_LIST(key)                                                                                          \
    "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX "," TCX_OS_PAGE ",\"" key "\":{\"type\":\"array\",\"items\":" \
    "{\"type\":\"object\"}}},\"required\":[\"" key "\",\"returned\",\"hasMore\"]}"
#define OS_DEPT_WRITE                                                                                     \
    "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX "," TCX_OS_WRITE ",\"department\":{\"type\":\"object\"}}," \
    "\"required\":[\"status\",\"summary\"]}"
#define RO (MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD)

const mcp_tool_def tcx_org_tools[] = {
    {.name = "get_system_status", .title = "3CX system status",
     .description = "Version, licence, registered extensions and trunks, active calls, disk and backup state of the PBX.",
     .annotations = RO,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX ",\"status\":{\"type\":\"object\"}},"
                      "\"required\":[\"status\"]}",
     .handler = h_get_system_status},
    {.name = "list_departments", .title = "List departments",
     .description = "Departments (3CX groups) with Id, number, language and time zone id.",
     .params = p_list_depts, .annotations = RO, .output_schema = OS_LIST("departments"),
     .handler = h_list_departments},
    {.name = "create_department", .title = "Create a department",
     .description = "Creates a department (3CX group). Refuses a duplicate name; asks the user to confirm first.",
     .params = p_create_dept, .annotations = MCP_ANN_OPEN_WORLD, .flags = MCP_TOOL_WRITE,
     .output_schema = OS_DEPT_WRITE, .handler = h_create_department},
    {.name = "update_department", .title = "Update a department",
     .description = "Renames a department or changes its language or time zone; shows old -> new and asks the user "
                    "to confirm first.",
     .params = p_update_dept, .annotations = MCP_ANN_DESTRUCTIVE | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .flags = MCP_TOOL_WRITE, .output_schema = OS_DEPT_WRITE, .handler = h_update_department},
    {.name = "list_trunks", .title = "List trunks",
     .description = "SIP trunks with their provider name, online state and direction: is a trunk down?",
     .annotations = RO, .output_schema = OS_LIST("trunks"), .handler = h_list_trunks},
    {.name = "get_trunk_details", .title = "Trunk details",
     .description = "One trunk in full (gateway, DIDs, caller id, registration); passwords redacted.",
     .params = p_trunk, .annotations = RO,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX ",\"trunk\":{\"type\":\"object\"}},"
                      "\"required\":[\"trunk\"]}",
     .handler = h_get_trunk_details},
    {.name = "get_active_calls", .title = "Active calls",
     .description = "Calls in progress right now: caller, callee, state (Ringing, Talking, ...) and duration.",
     .annotations = RO, .output_schema = OS_LIST("calls"), .handler = h_get_active_calls},
    {.name = "get_event_logs", .title = "PBX event log",
     .description = "The PBX's event log, newest first, with the time of each event; filter by type or time.",
     .params = p_events, .annotations = RO, .output_schema = OS_LIST("events"), .handler = h_get_event_logs},
    {0}};
