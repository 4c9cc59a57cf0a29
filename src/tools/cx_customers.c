/* ConnexCS customer and rate-card tools: searchCustomers (id, name, SIP user, IP), balance,
 * last top-up, packages, rate cards with their details and rules, and the RTP server list.
 * Searches that match nothing are successes with zero results and guidance; a record that
 * does not exist (customer 0, card XXXX-0000) is an isError result that says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tools/cx_internal.h"

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The id of a record as text ("42"), for comparisons and messages. */
static void id_text(const json_t *v, char *out, size_t n)
{
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else if (json_is_real(v))
        snprintf(out, n, "%.0f", json_real_value(v));
    else
        out[0] = '\0';
}

static bool is_ipv4(const char *s)
{
    int parts = 0;
    const char *p = s;
    while (parts < 4) {
        int v = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            v = v * 10 + (*p++ - '0');
            digits++;
        }
        if (!digits || digits > 3 || v > 255)
            return false;
        parts++;
        if (parts < 4 && *p++ != '.')
            return false;
    }
    return *p == '\0';
}

/* GET customer/<id>; NULL with *missing when 404; NULL after isError otherwise. */
static json_t *get_customer(mcp_call *call, cx_client *c, const char *id, bool *missing)
{
    char path[64];
    snprintf(path, sizeof path, "customer/%s", id);
    json_t *j = cx_fetch_opt(call, c, path, NULL, missing);
    if (j && json_is_array(j)) { /* some deployments wrap it */
        json_t *first = json_incref(json_array_get(j, 0));
        json_decref(j);
        j = first;
        if (!j)
            *missing = true;
    }
    return j;
}

/* ---- searchCustomers --------------------------------------------------------------------- */

static const char *const search_types[] = {"auto", "id", "name", "sip_user", "ips", NULL};

static const mcp_param p_search_customers[] = {
    {.name = "query", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 200,
     .description = "Customer id, (part of a) name, SIP username or IPv4 address."},
    {.name = "search_type", .type = MCP_T_STRING, .default_json = "\"auto\"", .enum_values = search_types,
     .description = "auto (IPv4 -> ips, digits -> id, else name), id, name, sip_user or ips."},
    {.name = "limit", .type = MCP_T_INTEGER, .default_json = "10", .minimum = MCP_BOUND(1),
     .maximum = MCP_BOUND(100), .description = "Most customers returned (1-100)."},
    {0}};

static const char s_search_customers[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"matchType\":{\"type\":\"string\","
    "\"enum\":[\"exact\",\"partial\",\"none\"]},\"search_type\":{\"type\":\"string\"},\"query\":{\"type\":\"string\"},"
    "\"totalFound\":{\"type\":\"integer\"},\"customers\":{\"type\":\"array\"},\"matches\":{\"type\":\"array\"},"
    "\"customer\":{\"type\":\"object\"},\"message\":{\"type\":\"string\"}},"
    "\"required\":[\"success\",\"matchType\",\"totalFound\",\"search_type\"]}";

static json_t *none_result(const char *type, const char *query, const char *hint)
{
    char msg[512];
    snprintf(msg, sizeof msg, "No customer found matching \"%.100s\" (%s search). %s", query, type, hint);
    return json_pack("{s:b,s:s,s:s,s:s,s:i,s:[],s:s}", "success", 1, "matchType", "none", "search_type", type,
                     "query", query, "totalFound", 0, "customers", "message", msg);
}

static json_t *search_by_id(mcp_call *call, cx_client *c, const char *q)
{
    if (strspn(q, "0123456789") != strlen(q)) {
        mcp_call_error(call, "search_type \"id\" needs a numeric customer id, got \"%.40s\".", q);
        return NULL;
    }
    char qs[96];
    snprintf(qs, sizeof qs, "s=&id=%s", q);
    json_t *arr = cx_fetch(call, c, "customer", qs);
    if (!arr)
        return NULL;
    json_t *first = json_array_get(arr, 0);
    json_t *out;
    if (json_is_object(first)) {
        char msg[256];
        snprintf(msg, sizeof msg, "Customer %s: %s.", q, jstr(first, "name"));
        out = json_pack("{s:b,s:s,s:s,s:O,s:i,s:[O],s:s}", "success", 1, "matchType", "exact", "id", q,
                        "customer", first, "totalFound", 1, "customers", first, "message", msg);
    } else {
        out = none_result("id", q, "Check the id, or search by name.");
    }
    json_decref(arr);
    return out;
}

static json_t *search_by_name(mcp_call *call, cx_client *c, const char *q, long limit)
{
    char *enc = cx_enc(q);
    size_t n = strlen(enc ? enc : "") + 16;
    char *qs = malloc(n);
    if (qs)
        snprintf(qs, n, "s=&name=%s", enc ? enc : "");
    free(enc);
    json_t *arr = cx_fetch(call, c, "customer", qs);
    free(qs);
    if (!arr)
        return NULL;
    size_t total = json_array_size(arr);
    if (!total) {
        json_decref(arr);
        return none_result("name", q, "Names match by substring, case-insensitive: try a shorter part.");
    }
    bool exact = false;
    for (size_t i = 0; i < total; i++)
        exact |= !strcasecmp(jstr(json_array_get(arr, i), "name"), q);
    char msg[256];
    snprintf(msg, sizeof msg, "%zu customer(s) match \"%.100s\"%s.", total, q,
             (size_t)limit < total ? " (list cut to limit)" : "");
    json_t *out = json_pack("{s:b,s:s,s:o,s:I,s:s}", "success", 1, "matchType", exact ? "exact" : "partial",
                            "customers", cx_array_head(arr, (size_t)limit), "totalFound", (json_int_t)total,
                            "message", msg);
    json_decref(arr);
    return out;
}

static json_t *search_by_sip_user(mcp_call *call, cx_client *c, const char *q, long limit)
{
    json_t *users = cx_fetch(call, c, "switch/user", "_limit=1000");
    if (!users)
        return NULL;
    json_t *matches = json_array();
    const json_t *exact = NULL;
    size_t total = 0;
    for (size_t i = 0; i < json_array_size(users); i++) {
        const json_t *u = json_array_get(users, i);
        const char *name = jstr(u, "username");
        if (!strcasecmp(name, q))
            exact = u;
        else if (!strcasestr(name, q))
            continue;
        total++;
        if (json_array_size(matches) >= (size_t)limit && !exact)
            continue;
        char id[32];
        id_text(json_object_get(u, "company_id"), id, sizeof id);
        bool missing = false;
        json_t *cust = *id ? get_customer(call, c, id, &missing) : NULL;
        if (!cust && !missing) {
            json_decref(users);
            json_decref(matches);
            return NULL;
        }
        json_array_append_new(matches, json_pack("{s:O,s:o}", "switchUser", u, "customer",
                                                 cust ? cust : json_null()));
        if (exact == u)
            break;
    }
    json_t *out;
    if (!total) {
        out = none_result("sip_user", q, "SIP usernames match by substring; check the spelling.");
    } else if (exact) {
        json_t *last = json_array_get(matches, json_array_size(matches) - 1);
        out = json_pack("{s:b,s:s,s:O,s:O,s:i,s:s}", "success", 1, "matchType", "exact", "switchUser",
                        json_object_get(last, "switchUser"), "customer", json_object_get(last, "customer"),
                        "totalFound", 1, "message", "SIP user found.");
    } else {
        out = json_pack("{s:b,s:s,s:O,s:I,s:s}", "success", 1, "matchType", "partial", "matches", matches,
                        "totalFound", (json_int_t)total, "message", "SIP users partly matching the query.");
    }
    json_decref(matches);
    json_decref(users);
    return out;
}

static json_t *search_by_ip(mcp_call *call, cx_client *c, const char *q, long limit)
{
    if (!is_ipv4(q)) {
        mcp_call_error(call, "search_type \"ips\" needs an IPv4 address such as 203.0.113.7, got \"%.40s\".", q);
        return NULL;
    }
    char qs[96];
    snprintf(qs, sizeof qs, "ip=%s&_limit=1000", q);
    json_t *ips = cx_fetch(call, c, "switch/ip", qs);
    if (!ips)
        return NULL;
    json_t *seen = json_object(), *custs = json_array();
    for (size_t i = 0; i < json_array_size(ips) && json_array_size(custs) < (size_t)limit; i++) {
        const json_t *e = json_array_get(ips, i);
        char id[32];
        id_text(json_object_get(e, "company_id"), id, sizeof id);
        if (!*id || json_object_get(seen, id))
            continue;
        json_object_set_new(seen, id, json_true());
        bool missing = false;
        json_t *cust = get_customer(call, c, id, &missing);
        if (!cust && !missing) {
            json_decref(ips);
            json_decref(seen);
            json_decref(custs);
            return NULL;
        }
        json_array_append_new(custs, json_pack("{s:O,s:o}", "ipEntry", e, "customer", cust ? cust : json_null()));
    }
    size_t total = json_object_size(seen);
    json_decref(ips);
    json_decref(seen);
    if (!total) {
        json_decref(custs);
        return none_result("ips", q, "The IP must be an exact switch IP authorised for a customer.");
    }
    return json_pack("{s:b,s:s,s:s,s:I,s:o,s:s}", "success", 1, "matchType", "exact", "ip", q, "totalFound",
                     (json_int_t)total, "customers", custs, "message", "Customers authorised from this IP.");
}

static void h_search_customers(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    if (!c)
        return;
    const char *q = cx_arg_str(args, "query");
    if (!q || strspn(q, " \t") == strlen(q)) {
        mcp_call_error(call, "Query parameter is required");
        return;
    }
    const char *type = cx_arg_str(args, "search_type");
    long limit = (long)cx_arg_int(args, "limit", 10);
    if (limit < 1)
        limit = 1;
    if (limit > 100)
        limit = 100;
    if (!type || !strcmp(type, "auto"))
        type = is_ipv4(q) ? "ips" : strspn(q, "0123456789") == strlen(q) ? "id" : "name";
    json_t *out = !strcmp(type, "id")         ? search_by_id(call, c, q)
                  : !strcmp(type, "name")     ? search_by_name(call, c, q, limit)
                  : !strcmp(type, "sip_user") ? search_by_sip_user(call, c, q, limit)
                                              : search_by_ip(call, c, q, limit);
    if (!out)
        return;
    json_object_set_new(out, "search_type", json_string(type));
    json_object_set_new(out, "query", json_string(q));
    char text[2048];
    size_t o = (size_t)snprintf(text, sizeof text, "%s", jstr(out, "message"));
    json_t *list = json_object_get(out, "customers");
    if (!list)
        list = json_object_get(out, "matches");
    for (size_t i = 0; i < json_array_size(list) && i < 20 && o < sizeof text; i++) {
        json_t *cu = json_array_get(list, i), *su = json_object_get(cu, "switchUser");
        if (json_object_get(cu, "customer"))
            cu = json_object_get(cu, "customer");
        char id[32];
        id_text(json_object_get(cu, "id"), id, sizeof id);
        o += (size_t)snprintf(text + o, sizeof text - o, "\n- %s %s%s%s", id, jstr(cu, "name"),
                              su ? " (SIP user " : "", su ? jstr(su, "username") : "");
        if (su && o < sizeof text)
            o += (size_t)snprintf(text + o, sizeof text - o, ")");
    }
    json_t *su1 = json_object_get(out, "switchUser"), *cu1 = json_object_get(out, "customer");
    if (su1 && json_is_object(cu1) && o < sizeof text) {
        char id[32];
        id_text(json_object_get(cu1, "id"), id, sizeof id);
        snprintf(text + o, sizeof text - o, "\n- %s: customer %s %s", jstr(su1, "username"), id, jstr(cu1, "name"));
    }
    cx_reply(call, out, "%s", text);
}

/* ---- getCustomerBalance, getLastTopup ---------------------------------------------------- */

static const mcp_param p_customer_id[] = {
    {.name = "customer_id", .type = MCP_T_STRING, .required = true, .max_length = 19,
     .description = "Numeric ConnexCS customer id (searchCustomers finds it from a name)."},
    {0}};

static const char s_balance[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"customer_id\":{\"type\":\"string\"},"
    "\"customer_name\":{\"type\":\"string\"},\"balance\":{\"type\":\"object\",\"properties\":{\"credit\":{\"type\":\"number\"},"
    "\"debit_limit\":{\"type\":\"number\"},\"available_balance\":{\"type\":\"number\"},\"currency\":{\"type\":\"string\"}}},"
    "\"call_capability\":{\"type\":\"object\"},\"message\":{\"type\":\"string\"}},"
    "\"required\":[\"success\",\"customer_id\",\"balance\"]}";

static void h_balance(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *id = cx_arg_str(args, "customer_id");
    if (!c || !cx_check_digits(call, "customer_id", id))
        return;
    bool missing = false;
    json_t *cu = get_customer(call, c, id, &missing);
    if (!cu) {
        if (missing)
            mcp_call_error(call, "Customer %s not found. Use searchCustomers to find the right id; nothing is "
                                 "known about this id.", id);
        return;
    }
    double credit = cx_num(json_object_get(cu, "credit"), 0);
    double debit = cx_num(json_object_get(cu, "debit_limit"), 0);
    double avail = credit + debit;
    const char *cur = *jstr(cu, "currency") ? jstr(cu, "currency") : "USD";
    bool can = avail > 0;
    char cap[256], msg[256];
    snprintf(cap, sizeof cap, can ? "Can make calls: %.2f %s available" : "Cannot make calls: available balance %.2f %s",
             avail, cur);
    snprintf(msg, sizeof msg, "%s (customer %s): credit %.2f, debit limit %.2f, available %.2f %s.",
             jstr(cu, "name"), id, credit, debit, avail, cur);
    json_t *out = json_pack("{s:b,s:s,s:s,s:{s:f,s:f,s:f,s:s},s:{s:b,s:s,s:s},s:s}", "success", 1, "customer_id",
                            id, "customer_name", jstr(cu, "name"), "balance", "credit", credit, "debit_limit", debit,
                            "available_balance", avail, "currency", cur, "call_capability", "can_make_calls", can,
                            "status", can ? "active" : "suspended", "message", cap, "message", msg);
    json_decref(cu);
    cx_reply(call, out, "%s %s", msg, cap);
}

static const char s_topup[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"found\":{\"type\":\"boolean\"},"
    "\"customer_id\":{\"type\":\"string\"},\"payment_id\":{},\"amount\":{\"type\":\"number\"},"
    "\"currency\":{\"type\":\"string\"},\"payment_date\":{},\"payment_method\":{\"type\":\"string\"},"
    "\"status\":{},\"message\":{\"type\":\"string\"}},\"required\":[\"success\",\"customer_id\"]}";

static void h_topup(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *id = cx_arg_str(args, "customer_id");
    if (!c || !cx_check_digits(call, "customer_id", id))
        return;
    char q[256];
    snprintf(q, sizeof q,
             "s=&company_id=%s&_startRow=0&_endRow=100&_pivotMode=false&_sortModel%%5B0%%5D%%5Bsort%%5D=desc"
             "&_sortModel%%5B0%%5D%%5BcolId%%5D=payment.payment_time",
             id);
    json_t *arr = cx_fetch(call, c, "payment", q);
    if (!arr)
        return;
    /* take the newest by payment_time whatever order came back */
    const json_t *best = NULL;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *p = json_array_get(arr, i);
        if (!best || strcmp(jstr(p, "payment_time"), jstr(best, "payment_time")) > 0)
            best = p;
    }
    if (!best) {
        char msg[128];
        snprintf(msg, sizeof msg, "No payments found for customer %s", id);
        json_t *out = json_pack("{s:b,s:b,s:s,s:s,s:s}", "success", 0, "found", 0, "customer_id", id, "error", msg,
                                "message", msg);
        json_decref(arr);
        cx_reply(call, out, "%s.", msg);
        return;
    }
    double amount = cx_num(json_object_get(best, "amount"), cx_num(json_object_get(best, "total"), 0));
    const char *method = *jstr(best, "method") ? jstr(best, "method") : "Unknown";
    json_t *out = json_pack("{s:b,s:b,s:s,s:O?,s:f,s:s,s:O?,s:s,s:O?}", "success", 1, "found", 1, "customer_id", id,
                            "payment_id", json_object_get(best, "id"), "amount", amount, "currency",
                            jstr(best, "currency"), "payment_date", json_object_get(best, "payment_time"),
                            "payment_method", method, "status", json_object_get(best, "status"));
    char msg[256];
    snprintf(msg, sizeof msg, "Last top-up of customer %s: %.2f %s on %s by %s.", id, amount, jstr(best, "currency"),
             jstr(best, "payment_time"), method);
    json_object_set_new(out, "message", json_string(msg));
    json_decref(arr);
    cx_reply(call, out, "%s", msg);
}

/* ---- listRtpServers ---------------------------------------------------------------------- */

static const mcp_param p_rtp_servers[] = {
    {.name = "geozone", .type = MCP_T_STRING, .max_length = 100, .description = "Zone filter (alias of zone)."},
    {.name = "zone", .type = MCP_T_STRING, .max_length = 100,
     .description = "Case-insensitive part of the server zone, e.g. \"Frankfurt\"."},
    {.name = "server_id", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(0), .description = "One server by id."},
    {.name = "alias", .type = MCP_T_STRING, .max_length = 100, .description = "Case-insensitive part of the hostname alias."},
    {0}};

static const char s_rtp_servers[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"totalFound\":{\"type\":\"integer\"},"
    "\"servers\":{\"type\":\"array\"},\"allServersCount\":{\"type\":\"integer\"},\"message\":{\"type\":\"string\"},"
    "\"filters\":{\"type\":\"object\"}},\"required\":[\"success\",\"totalFound\",\"servers\"]}";

static int by_alias(const void *a, const void *b)
{
    return strcasecmp(jstr(*(json_t *const *)a, "alias"), jstr(*(json_t *const *)b, "alias"));
}

static void h_rtp_servers(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    json_t *arr = c ? cx_fetch(call, c, "setup/rtp", NULL) : NULL;
    if (!arr)
        return;
    const char *zone = cx_arg_str(args, "zone") ? cx_arg_str(args, "zone") : cx_arg_str(args, "geozone");
    const char *alias = cx_arg_str(args, "alias");
    long long sid = cx_arg_int(args, "server_id", -1);
    size_t all = json_array_size(arr), k = 0;
    json_t **keep = calloc(all ? all : 1, sizeof *keep);
    for (size_t i = 0; keep && i < all; i++) {
        json_t *s = json_array_get(arr, i);
        if (sid >= 0 && (long long)cx_num(json_object_get(s, "id"), -2) != sid)
            continue;
        if (zone && !strcasestr(jstr(s, "zone"), zone))
            continue;
        if (alias && !strcasestr(jstr(s, "alias"), alias))
            continue;
        keep[k++] = s;
    }
    if (keep)
        qsort(keep, k, sizeof *keep, by_alias);
    json_t *servers = json_array(), *filters = json_object();
    for (size_t i = 0; i < k && i < CX_MAX_LIST; i++)
        json_array_append(servers, keep[i]);
    free(keep);
    if (zone)
        json_object_set_new(filters, "zone", json_string(zone));
    if (alias)
        json_object_set_new(filters, "alias", json_string(alias));
    if (sid >= 0)
        json_object_set_new(filters, "server_id", json_integer(sid));
    char msg[256];
    if (k)
        snprintf(msg, sizeof msg, "%zu of %zu RTP server(s) match.", k, all);
    else
        snprintf(msg, sizeof msg, "No RTP server matches these filters (of %zu); zone and alias match by "
                                  "case-insensitive substring, e.g. zone \"Frankfurt\".", all);
    json_t *out = json_pack("{s:b,s:I,s:o,s:I,s:s,s:o}", "success", 1, "totalFound", (json_int_t)k, "servers",
                            servers, "allServersCount", (json_int_t)all, "message", msg, "filters", filters);
    json_decref(arr);
    cx_reply(call, out, "%s", msg);
}

/* ---- packages ---------------------------------------------------------------------------- */

static const char *const package_types[] = {"all", "recurring", "one-time", "free-minutes", NULL};

static const mcp_param p_packages[] = {
    {.name = "customerId", .type = MCP_T_STRING, .required = true, .max_length = 19,
     .description = "Numeric customer id."},
    {.name = "type", .type = MCP_T_STRING, .default_json = "\"all\"", .enum_values = package_types,
     .description = "all, recurring, one-time or free-minutes."},
    {0}};

static const char s_packages[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"customerId\":{\"type\":\"string\"},"
    "\"type\":{\"type\":\"string\"},\"totalPackages\":{\"type\":\"integer\"},\"packages\":{\"type\":\"array\"},"
    "\"message\":{\"type\":\"string\"}},\"required\":[\"success\",\"packages\",\"totalPackages\"]}";

static bool nonempty(const json_t *v)
{
    return v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v));
}

static bool has_type(const json_t *p, const char *t)
{
    const json_t *ty = json_object_get(p, "type");
    if (json_is_string(ty))
        return !strcmp(json_string_value(ty), t);
    for (size_t i = 0; i < json_array_size(ty); i++)
        if (json_is_string(json_array_get(ty, i)) && !strcmp(json_string_value(json_array_get(ty, i)), t))
            return true;
    return false;
}

static int by_id_desc(const void *a, const void *b)
{
    double x = cx_num(json_object_get(*(json_t *const *)a, "id"), 0);
    double y = cx_num(json_object_get(*(json_t *const *)b, "id"), 0);
    return x < y ? 1 : x > y ? -1 : 0;
}

static void h_packages(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *id = cx_arg_str(args, "customerId");
    if (!c || !cx_check_digits(call, "customerId", id))
        return;
    const char *type = cx_arg_str(args, "type") ? cx_arg_str(args, "type") : "all";
    char q[96];
    snprintf(q, sizeof q, "s=&company_id=%s", id);
    json_t *arr = cx_fetch(call, c, "package", q);
    if (!arr)
        return;
    size_t n = json_array_size(arr), k = 0;
    json_t **keep = calloc(n ? n : 1, sizeof *keep);
    for (size_t i = 0; keep && i < n; i++) {
        json_t *p = json_array_get(arr, i);
        bool ok = !strcmp(type, "all") || (!strcmp(type, "free-minutes") && has_type(p, "free-minutes")) ||
                  (!strcmp(type, "recurring") && nonempty(json_object_get(p, "retail"))) ||
                  (!strcmp(type, "one-time") && nonempty(json_object_get(p, "setup_retail")));
        if (ok)
            keep[k++] = p;
    }
    if (keep)
        qsort(keep, k, sizeof *keep, by_id_desc);
    json_t *list = json_array();
    for (size_t i = 0; i < k && i < CX_MAX_LIST; i++) {
        json_t *p = json_copy(keep[i]);
        double rem = cx_num(json_object_get(p, "minutes"), 0) - cx_num(json_object_get(p, "minutes_used"), 0);
        json_object_set_new(p, "remaining_minutes", json_real(rem > 0 ? rem : 0));
        json_array_append_new(list, p);
    }
    free(keep);
    char msg[256];
    if (!k)
        snprintf(msg, sizeof msg, "Customer %s has no packages of type %s.", id, type);
    else
        snprintf(msg, sizeof msg, "Customer %s has %zu package(s) of type %s.", id, k, type);
    json_t *out = json_pack("{s:b,s:s,s:s,s:I,s:o,s:s}", "success", 1, "customerId", id, "type", type,
                            "totalPackages", (json_int_t)k, "packages", list, "message", msg);
    json_decref(arr);
    cx_reply(call, out, "%s", msg);
}

/* ---- rate cards -------------------------------------------------------------------------- */

static const mcp_param p_rate_cards[] = {
    {.name = "customerId", .type = MCP_T_STRING, .required = true, .max_length = 19,
     .description = "Numeric customer id."},
    {0}};

static const char s_rate_cards[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"matchType\":{\"type\":\"string\"},"
    "\"customerId\":{\"type\":\"string\"},\"totalRateCards\":{\"type\":\"integer\"},\"rateCards\":{\"type\":\"array\"},"
    "\"message\":{\"type\":\"string\"}},\"required\":[\"success\",\"rateCards\",\"totalRateCards\"]}";

static bool card_fetchable(const char *card)
{
    return *card && strcmp(card, "internal") && strncmp(card, "ip:", 3) && !strchr(card, ':');
}

static void h_rate_cards(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *id = cx_arg_str(args, "customerId");
    if (!c || !cx_check_digits(call, "customerId", id))
        return;
    char q[96];
    snprintf(q, sizeof q, "s=&company_id=%s", id);
    json_t *arr = cx_fetch(call, c, "routing", q);
    if (!arr)
        return;
    size_t n = json_array_size(arr);
    json_t **rows = calloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; rows && i < n; i++)
        rows[i] = json_array_get(arr, i);
    if (rows)
        qsort(rows, n, sizeof *rows, by_id_desc);
    json_t *list = json_array();
    for (size_t i = 0; rows && i < n && i < CX_MAX_LIST; i++) {
        json_t *r = json_copy(rows[i]);
        json_object_set_new(r, "fetchable", json_boolean(card_fetchable(jstr(r, "card_id"))));
        json_array_append_new(list, r);
    }
    free(rows);
    char msg[320];
    if (n)
        snprintf(msg, sizeof msg, "Customer %s has %zu rate card(s). Use card_id (not the numeric id) with "
                                  "getRateCardDetails; 'internal' and 'ip:' cards cannot be fetched.", id, n);
    else
        snprintf(msg, sizeof msg, "Customer %s has no rate cards assigned (or the id does not exist; check it "
                                  "with getCustomerBalance or searchCustomers).", id);
    json_t *out = json_pack("{s:b,s:s,s:s,s:I,s:o,s:s}", "success", 1, "matchType", n ? "exact" : "none",
                            "customerId", id, "totalRateCards", (json_int_t)n, "rateCards", list, "message", msg);
    json_decref(arr);
    cx_reply(call, out, "%s", msg);
}

static bool check_card(mcp_call *call, const char *card)
{
    size_t n = card ? strlen(card) : 0;
    if (!n) {
        mcp_call_error(call, "Parameter \"rateCardId\" is required (a card_id such as GjjS-E0FO from getCustomerRateCards).");
        return false;
    }
    if (!card_fetchable(card)) {
        mcp_call_error(call, "Rate card \"%.60s\" is a pseudo-card ('internal' or 'ip:'): it has no details to fetch.",
                       card);
        return false;
    }
    if (strspn(card, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != n) {
        mcp_call_error(call, "\"%.60s\" is not a rate card id: card ids are letters, digits and '-' (e.g. GjjS-E0FO).",
                       card);
        return false;
    }
    return true;
}

static const mcp_param p_card[] = {
    {.name = "rateCardId", .type = MCP_T_STRING, .required = true, .max_length = 64,
     .description = "The card_id (e.g. GjjS-E0FO) from getCustomerRateCards, not the numeric routing id."},
    {0}};

static const char s_card[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"rateCardId\":{\"type\":\"string\"},"
    "\"data\":{\"type\":\"object\"}},\"required\":[\"success\",\"rateCardId\",\"data\"]}";

static void h_card(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *card = cx_arg_str(args, "rateCardId");
    if (!c || !check_card(call, card))
        return;
    char path[96];
    snprintf(path, sizeof path, "card/%s", card);
    bool missing;
    json_t *j = cx_fetch_opt(call, c, path, NULL, &missing);
    if (j && json_is_array(j)) {
        json_t *first = json_incref(json_array_get(j, 0));
        json_decref(j);
        j = first;
        missing = !j;
    }
    if (!j) {
        if (missing)
            mcp_call_error(call, "Rate card %s not found (Record Not Found). Use a card_id from getCustomerRateCards; "
                                 "numeric routing ids are not card ids.", card);
        return;
    }
    json_t *out = json_pack("{s:b,s:s,s:o}", "success", 1, "rateCardId", card, "data", j);
    char rev[32];
    id_text(json_object_get(j, "active_rev"), rev, sizeof rev);
    cx_reply(call, out, "Rate card %s \"%s\": active revision %s, currency %s, direction %s.", card, jstr(j, "name"),
             *rev ? rev : "none", jstr(j, "currency"), jstr(j, "direction"));
}

static const mcp_param p_rules[] = {
    {.name = "rateCardId", .type = MCP_T_STRING, .required = true, .max_length = 64,
     .description = "The card_id (e.g. GjjS-E0FO)."},
    {.name = "activeRev", .type = MCP_T_STRING, .required = true, .max_length = 20,
     .description = "The revision (active_rev from getRateCardDetails); 0 is allowed."},
    {.name = "include_prefixes", .type = MCP_T_BOOLEAN, .default_json = "true",
     .description = "false returns no rules (no API call)."},
    {.name = "prefix_limit", .type = MCP_T_INTEGER, .default_json = "1000",
     .description = "Most rules to return, clamped to 1-10000."},
    {.name = "offset", .type = MCP_T_INTEGER, .default_json = "0", .minimum = MCP_BOUND(0),
     .description = "Rules to skip (pagination)."},
    {0}};

static const char s_rules[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"rateCardId\":{\"type\":\"string\"},"
    "\"activeRev\":{\"type\":\"string\"},\"totalRules\":{\"type\":\"integer\"},\"rules\":{\"type\":\"array\"},"
    "\"pagination\":{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\"},\"offset\":{\"type\":\"integer\"},"
    "\"returned\":{\"type\":\"integer\"},\"hasMore\":{\"type\":\"boolean\"}}},\"message\":{\"type\":\"string\"}},"
    "\"required\":[\"success\",\"rules\",\"pagination\"]}";

static void h_rules(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *card = cx_arg_str(args, "rateCardId"), *rev = cx_arg_str(args, "activeRev");
    if (!c || !check_card(call, card))
        return;
    if (!rev || strspn(rev, "0123456789") != strlen(rev)) {
        mcp_call_error(call, "Parameter \"activeRev\" must be a revision number such as 3 (active_rev from "
                             "getRateCardDetails), got \"%.20s\".", rev ? rev : "");
        return;
    }
    long long limit = cx_arg_int(args, "prefix_limit", 1000), offset = cx_arg_int(args, "offset", 0);
    limit = limit < 1 ? 1 : limit > 10000 ? 10000 : limit;
    offset = offset < 0 ? 0 : offset;
    json_t *rules;
    if (!json_is_false(json_object_get(args, "include_prefixes"))) {
        char path[128], q[64];
        snprintf(path, sizeof path, "card/%s/rev/%s/rule", card, rev);
        snprintf(q, sizeof q, "limit=%lld&offset=%lld", limit, offset);
        bool missing;
        rules = cx_fetch_opt(call, c, path, q, &missing);
        if (!rules) {
            if (missing)
                mcp_call_error(call, "Rate card %s revision %s not found. Check the card_id and use active_rev from "
                                     "getRateCardDetails.", card, rev);
            return;
        }
        if (!json_is_array(rules)) {
            json_decref(rules);
            mcp_call_error(call, "ConnexCS answered %s with something other than a list.", path);
            return;
        }
    } else {
        rules = json_array();
    }
    size_t n = json_array_size(rules);
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append(list, json_array_get(rules, i));
    size_t ret = json_array_size(list);
    char msg[256];
    snprintf(msg, sizeof msg, "%zu rule(s) of card %s revision %s from offset %lld%s.", ret, card, rev, offset,
             ret == (size_t)limit ? " (more may follow: raise offset)" : "");
    json_t *out = json_pack("{s:b,s:s,s:s,s:I,s:o,s:{s:I,s:I,s:I,s:b},s:s}", "success", 1, "rateCardId", card,
                            "activeRev", rev, "totalRules", (json_int_t)ret, "rules", list, "pagination", "limit",
                            (json_int_t)limit, "offset", (json_int_t)offset, "returned", (json_int_t)ret, "hasMore",
                            ret == (size_t)limit, "message", msg);
    json_decref(rules);
    cx_reply(call, out, "%s", msg);
}

/* ---- table ------------------------------------------------------------------------------- */

static const mcp_tool_def cx_customer_tools[] = {
    CX_TOOL("searchCustomers", "Search customers",
     "Find customers by id, name (partial, case-insensitive), SIP username or IPv4 address "
     "(search_type auto detects which). Returns the customer records with their ids.",
     p_search_customers, s_search_customers, h_search_customers),
    CX_TOOL("getCustomerBalance", "Customer balance",
     "A customer's credit, debit limit and available balance, and whether they can make calls.",
     p_customer_id, s_balance, h_balance),
    CX_TOOL("getLastTopup", "Last top-up", "The most recent payment (top-up) of a customer.", p_customer_id, s_topup, h_topup),
    CX_TOOL("listRtpServers", "RTP servers",
     "List the RTP media servers, optionally filtered by zone/geozone, id or alias; sorted by alias.",
     p_rtp_servers, s_rtp_servers, h_rtp_servers),
    CX_TOOL("getCustomerPackages", "Customer packages",
     "A customer's packages (recurring, one-time, free minutes) with remaining minutes.", p_packages, s_packages, h_packages),
    CX_TOOL("getCustomerRateCards", "Customer rate cards",
     "The rate cards assigned to a customer (routing rows with card_id for getRateCardDetails).",
     p_rate_cards, s_rate_cards, h_rate_cards),
    CX_TOOL("getRateCardDetails", "Rate card details",
     "Details of a rate card by card_id: name, active revision, currency, strategy, direction.", p_card, s_card, h_card),
    CX_TOOL("getRateCardRules", "Rate card rules",
     "The prefix rules (prefix, name, cost, minimum duration, pulse) of a rate card revision, paginated.",
     p_rules, s_rules, h_rules),
    {0}};

int cx_customers_register(mcp_registry *reg, cx_family *fam)
{
    return mcp_registry_add_table(reg, cx_customer_tools, fam);
}
