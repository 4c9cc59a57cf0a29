/* ConnexCS statistics tools over breakout-aggrid and the CDR: getCustomerProfitability,
 * listCustomersByProfitability, getCustomerCallStatistics, getCustomerDestinationStatistics.
 * Money is always kept per currency ({"USD":1.2,"EUR":0.4}); margins are per currency; a
 * call is connected only when its duration is above zero; ASR and ACD are ratios of sums
 * (connected/attempts, duration/connected), never means of per-row ratios. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cx_internal.h"

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* ---- money maps -------------------------------------------------------------------------- */

/* Adds a breakout charge (a currency map, or a bare number with currency fallback) into map. */
static void add_charge(json_t *map, const json_t *v, const char *fallback_currency)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) cx_currency_add(map, k, cx_num(x, 0));
    } else if (v && !json_is_null(v)) {
        cx_currency_add(map, fallback_currency, cx_num(v, 0));
    }
}

/* profit[c] = revenue[c] - cost[c] over the union of currencies (new object). */
static json_t *profit_map(const json_t *rev, const json_t *cost)
{
    json_t *p = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)rev, k, v) cx_currency_add(p, k, cx_num(v, 0));
    json_object_foreach((json_t *)cost, k, v) cx_currency_add(p, k, -cx_num(v, 0));
    return p;
}

/* margin[c] = profit[c] / revenue[c] * 100 where revenue[c] > 0 (new object). */
static json_t *margin_map(const json_t *rev, const json_t *profit)
{
    json_t *m = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)rev, k, v) {
        double r = cx_num(v, 0);
        if (r > 0) {
            double x = cx_num(json_object_get(profit, k), 0) / r * 100.0;
            json_object_set_new(m, k, json_real(round(x * 100) / 100.0));
        }
    }
    return m;
}

/* The currency holding most of map's value ("" for an empty map). */
static const char *main_currency(const json_t *map)
{
    const char *best = "", *k;
    double bv = -1e300;
    json_t *v;
    json_object_foreach((json_t *)map, k, v) if (cx_num(v, 0) > bv) {
        bv = cx_num(v, 0);
        best = k;
    }
    return best;
}

static double pct(double a, double b) { return b > 0 ? round(a / b * 10000) / 100.0 : 0; }

/* ---- breakout ---------------------------------------------------------------------------- */

static json_t *fetch_breakout(mcp_call *call, cx_client *c, const cx_agg_col *groups, const cx_agg_col *values,
                              const cx_window *w, const char *customer_id)
{
    char *q = cx_breakout_query(groups, values, w, customer_id, 100000);
    if (!q) {
        mcp_call_error(call, "out of memory");
        return NULL;
    }
    json_t *rows = cx_fetch(call, c, "breakout-aggrid", q);
    free(q);
    if (rows && json_is_object(rows)) {
        json_t *inner = json_object_get(rows, "rows") ? json_object_get(rows, "rows") : json_object_get(rows, "data");
        json_t *arr = json_is_array(inner) ? json_incref(inner) : NULL;
        json_decref(rows);
        rows = arr;
        if (!rows)
            mcp_call_error(call, "ConnexCS answered breakout-aggrid without a list of rows.");
    } else if (rows && !json_is_array(rows)) {
        json_decref(rows);
        rows = NULL;
        mcp_call_error(call, "ConnexCS answered breakout-aggrid with something other than a list.");
    }
    return rows;
}

/* One aggregate: traffic counters and money maps. */
typedef struct agg {
    double attempts, connected, duration;
    json_t *revenue, *cost;
} agg;

static void agg_init(agg *a) { *a = (agg){0, 0, 0, json_object(), json_object()}; }
static void agg_free(agg *a)
{
    json_decref(a->revenue);
    json_decref(a->cost);
}

static void agg_row(agg *a, const json_t *row)
{
    a->attempts += cx_num(json_object_get(row, "attempts"), 0);
    a->connected += cx_num(json_object_get(row, "connected"), 0);
    double d = cx_num(json_object_get(row, "customer_duration"), -1);
    a->duration += d >= 0 ? d : cx_num(json_object_get(row, "duration"), 0);
    add_charge(a->revenue, json_object_get(row, "customer_charge"), jstr(row, "customer_card_currency"));
    add_charge(a->cost, json_object_get(row, "provider_charge"), jstr(row, "provider_card_currency"));
}

/* {attempts, connected, failed, asr, acd, duration, revenue, cost, profit, profit_margin} */
static json_t *agg_json(const agg *a)
{
    json_t *rev = cx_currency_round(a->revenue), *cost = cx_currency_round(a->cost);
    json_t *pr0 = profit_map(a->revenue, a->cost);
    json_t *profit = cx_currency_round(pr0);
    json_t *margin = margin_map(a->revenue, pr0);
    json_decref(pr0);
    double failed = a->attempts - a->connected;
    return json_pack("{s:I,s:I,s:I,s:f,s:f,s:I,s:o,s:o,s:o,s:o}", "attempts", cx_i64(a->attempts), "connected",
                     cx_i64(a->connected), "failed", cx_i64(failed > 0 ? failed : 0), "asr",
                     pct(a->connected, a->attempts), "acd",
                     a->connected > 0 ? round(a->duration / a->connected * 100) / 100.0 : 0.0,
                     "duration", cx_i64(a->duration), "revenue", rev, "cost", cost, "profit", profit,
                     "profit_margin", margin);
}

static void money_text(const json_t *map, char *out, size_t n)
{
    size_t o = 0;
    const char *k;
    json_t *v;
    out[0] = '\0';
    json_object_foreach((json_t *)map, k, v) if (o < n) o += (size_t)snprintf(out + o, n - o, "%s%.2f %s",
                                                                              o ? ", " : "", cx_num(v, 0), k);
    if (!o)
        snprintf(out, n, "0.00");
}

/* ---- getCustomerProfitability ------------------------------------------------------------ */

static const char *const group_bys[] = {"day", "week", "month", NULL};

static const mcp_param p_profit[] = {
    {.name = "customer_id", .type = MCP_T_STRING, .required = true, .max_length = 19, .description = "Numeric customer id."},
    {.name = "start_date", .type = MCP_T_STRING, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "First day YYYY-MM-DD (UTC); default 30 days ago."},
    {.name = "end_date", .type = MCP_T_STRING, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "Last day YYYY-MM-DD (UTC); default today."},
    {.name = "group_by", .type = MCP_T_STRING, .enum_values = group_bys,
     .description = "Also break the figures down by day, week (Monday start) or month."},
    {0}};

static const char s_profit[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"customer_id\":{\"type\":\"string\"},"
    "\"totalRecords\":{\"type\":\"integer\"},\"metrics\":{\"type\":\"object\",\"properties\":{"
    "\"total_revenue\":{\"type\":\"object\"},\"total_cost\":{\"type\":\"object\"},\"total_profit\":{\"type\":\"object\"},"
    "\"profit_margin\":{\"type\":\"object\"},\"total_attempts\":{\"type\":\"integer\"},\"total_connected\":{\"type\":\"integer\"},"
    "\"avg_asr\":{\"type\":\"number\"},\"avg_acd\":{\"type\":\"number\"}}},\"periods\":{\"type\":\"array\"},"
    "\"dateRange\":{\"type\":\"object\"},\"groupBy\":{\"type\":[\"string\",\"null\"]},\"message\":{\"type\":\"string\"}},"
    "\"required\":[\"success\",\"metrics\",\"dateRange\"]}";

static const cx_agg_col profit_values[] = {
    {"attempts", "sum"}, {"connected", "sum"}, {"customer_duration", "sum"}, {"provider_duration", "sum"},
    {"duration", "sum"}, {"customer_charge", "sum"}, {"provider_charge", "sum"}, {"acd", "avg"}, {"asr", "avg"},
    {"dtmf", "sum"}, {"account_profit", "sum"}, {"account_profit_percent", "avg"}, {"sdp_6", "sum"},
    {"customer_card_dest_name", "groupUniqArray"}, {"provider_card_dest_name", "groupUniqArray"}, {NULL, NULL}};

/* The bucket of a row's dt for group_by ("2026-03-02", week start "2026-03-02", "2026-03"). */
static void period_key(const char *dt, const char *by, char *out, size_t n)
{
    time_t day;
    char d10[11];
    snprintf(d10, sizeof d10, "%.10s", dt);
    if (!strcmp(by, "month")) {
        snprintf(out, n, "%.7s", dt);
    } else if (!strcmp(by, "week") && cx_parse_day(d10, &day)) {
        struct tm tm;
        gmtime_r(&day, &tm);
        int back = (tm.tm_wday + 6) % 7;
        cx_fmt_day(day - (time_t)back * 86400, out, n);
    } else {
        snprintf(out, n, "%s", d10);
    }
}

static void h_profit(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *id = cx_arg_str(args, "customer_id");
    cx_window w;
    if (!c || !cx_check_digits(call, "customer_id", id) ||
        !cx_window_from_args(call, c, args, "start_date", "end_date", 30, false, &w))
        return;
    const char *by = cx_arg_str(args, "group_by");
    cx_agg_col groups[3] = {{"customer_id", NULL}, {by ? "dt" : NULL, NULL}, {NULL, NULL}};
    json_t *rows = fetch_breakout(call, c, groups, profit_values, &w, id);
    if (!rows)
        return;
    agg total;
    agg_init(&total);
    json_t *buckets = json_object(); /* period -> index into pers */
    agg pers[400];
    char keys[400][12];
    size_t np = 0;
    double account_profit = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        const json_t *r = json_array_get(rows, i);
        agg_row(&total, r);
        account_profit += cx_num(json_object_get(r, "account_profit"), 0);
        if (!by)
            continue;
        char k[12];
        period_key(jstr(r, "dt"), by, k, sizeof k);
        json_t *ix = json_object_get(buckets, k);
        size_t at;
        if (ix) {
            at = (size_t)json_integer_value(ix);
        } else if (np < 400) {
            at = np++;
            agg_init(&pers[at]);
            snprintf(keys[at], sizeof keys[at], "%s", k);
            json_object_set_new(buckets, k, json_integer((json_int_t)at));
        } else {
            continue;
        }
        agg_row(&pers[at], r);
    }
    json_t *periods = json_array();
    for (size_t i = 0; i < np; i++) {
        json_t *p = agg_json(&pers[i]);
        json_object_set_new(p, "period", json_string(keys[i]));
        json_array_append_new(periods, p);
        agg_free(&pers[i]);
    }
    json_decref(buckets);
    json_t *a = agg_json(&total);
    json_t *metrics = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:f}", "total_revenue", json_object_get(a, "revenue"),
                                "total_cost", json_object_get(a, "cost"), "total_profit", json_object_get(a, "profit"),
                                "profit_margin", json_object_get(a, "profit_margin"), "total_attempts",
                                json_object_get(a, "attempts"), "total_connected", json_object_get(a, "connected"),
                                "avg_asr", json_object_get(a, "asr"), "avg_acd", json_object_get(a, "acd"),
                                "account_profit_reported", round(account_profit * 100) / 100.0);
    char rev[256], prof[256], msg[768];
    money_text(json_object_get(a, "revenue"), rev, sizeof rev);
    money_text(json_object_get(a, "profit"), prof, sizeof prof);
    size_t nrows = json_array_size(rows);
    if (nrows)
        snprintf(msg, sizeof msg, "Customer %s, %s to %s: %lld attempts, %lld connected (ASR %.2f%%), revenue %s, "
                                  "profit %s.", id, w.start_day, w.end_day,
                 (long long)json_integer_value(json_object_get(a, "attempts")),
                 (long long)json_integer_value(json_object_get(a, "connected")), cx_num(json_object_get(a, "asr"), 0),
                 rev, prof);
    else
        snprintf(msg, sizeof msg, "No traffic for customer %s between %s and %s (check the id with "
                                  "searchCustomers, or widen the dates).", id, w.start_day, w.end_day);
    json_t *out = json_pack("{s:b,s:s,s:I,s:o,s:o,s:o,s:{s:s,s:s},s:s?,s:s}", "success", 1, "customer_id", id,
                            "totalRecords", (json_int_t)nrows, "data", cx_array_head(rows, CX_MAX_LIST), "metrics",
                            metrics, "periods", periods, "dateRange", "start", w.start_day, "end", w.end_day,
                            "groupBy", by, "message", msg);
    if (!by)
        json_object_set_new(out, "groupBy", json_null());
    json_decref(a);
    agg_free(&total);
    json_decref(rows);
    cx_reply(call, out, "%s", msg);
}

/* ---- listCustomersByProfitability -------------------------------------------------------- */

static const char *const sort_bys[] = {"total_profit", "profit_margin", "total_revenue", "total_cost", NULL};
static const char *const sort_orders[] = {"desc", "asc", NULL};

static const mcp_param p_list_profit[] = {
    {.name = "start_date", .type = MCP_T_STRING, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "First day YYYY-MM-DD (UTC); default 30 days ago."},
    {.name = "end_date", .type = MCP_T_STRING, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "Last day YYYY-MM-DD (UTC); default today."},
    {.name = "sort_by", .type = MCP_T_STRING, .default_json = "\"total_profit\"", .enum_values = sort_bys,
     .description = "Sort key, in each customer's billing currency."},
    {.name = "sort_order", .type = MCP_T_STRING, .default_json = "\"desc\"", .enum_values = sort_orders,
     .description = "desc or asc."},
    {.name = "limit", .type = MCP_T_INTEGER, .default_json = "10", .description = "Customers per page, clamped to 1-100."},
    {.name = "offset", .type = MCP_T_INTEGER, .default_json = "0", .minimum = MCP_BOUND(0), .description = "Customers to skip."},
    {.name = "min_profit", .type = MCP_T_NUMBER, .description = "Only customers whose profit is at least this."},
    {0}};

static const char s_list_profit[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"totalRecords\":{\"type\":\"integer\"},"
    "\"returnedRecords\":{\"type\":\"integer\"},\"customers\":{\"type\":\"array\"},\"summary\":{\"type\":\"object\"},"
    "\"pagination\":{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\"},\"offset\":{\"type\":\"integer\"},"
    "\"total\":{\"type\":\"integer\"},\"hasMore\":{\"type\":\"boolean\"}}},\"sortBy\":{\"type\":\"string\"},"
    "\"sortOrder\":{\"type\":\"string\"},\"dateRange\":{\"type\":\"object\"}},"
    "\"required\":[\"success\",\"customers\",\"pagination\"]}";

typedef struct cust_row {
    json_t *obj;
    double key;
} cust_row;

static int sort_desc(const void *a, const void *b)
{
    double x = ((const cust_row *)a)->key, y = ((const cust_row *)b)->key;
    return x < y ? 1 : x > y ? -1 : 0;
}
static int sort_asc(const void *a, const void *b) { return -sort_desc(a, b); }

static void h_list_profit(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    cx_window w;
    if (!c || !cx_window_from_args(call, c, args, "start_date", "end_date", 30, false, &w))
        return;
    const char *sort_by = cx_arg_str(args, "sort_by") ? cx_arg_str(args, "sort_by") : "total_profit";
    const char *order = cx_arg_str(args, "sort_order") ? cx_arg_str(args, "sort_order") : "desc";
    long long limit = cx_arg_int(args, "limit", 10), offset = cx_arg_int(args, "offset", 0);
    limit = limit < 1 ? 1 : limit > 100 ? 100 : limit;
    offset = offset < 0 ? 0 : offset;
    bool has_min = json_is_number(json_object_get(args, "min_profit"));
    double min_profit = cx_num(json_object_get(args, "min_profit"), 0);
    static const cx_agg_col groups[] = {{"customer_id", NULL}, {NULL, NULL}};
    static const cx_agg_col values[] = {{"attempts", "sum"}, {"connected", "sum"}, {"customer_duration", "sum"},
                                        {"customer_charge", "sum"}, {"provider_charge", "sum"},
                                        {"account_profit", "sum"}, {NULL, NULL}};
    json_t *rows = fetch_breakout(call, c, groups, values, &w, NULL);
    if (!rows)
        return;
    json_t *by_cust = json_object(); /* id -> index */
    size_t n = json_array_size(rows), nc = 0;
    agg *aggs = calloc(n ? n : 1, sizeof *aggs);
    char (*ids)[32] = calloc(n ? n : 1, sizeof *ids);
    for (size_t i = 0; aggs && ids && i < n; i++) {
        const json_t *r = json_array_get(rows, i);
        char id[32];
        snprintf(id, sizeof id, "%.0f", cx_num(json_object_get(r, "customer_id"), -1));
        json_t *ix = json_object_get(by_cust, id);
        size_t at = ix ? (size_t)json_integer_value(ix) : nc;
        if (!ix) {
            agg_init(&aggs[nc]);
            snprintf(ids[nc], sizeof ids[nc], "%s", id);
            json_object_set_new(by_cust, id, json_integer((json_int_t)nc++));
        }
        agg_row(&aggs[at], r);
    }
    json_t *names = cx_customer_names(call, c);
    cust_row *list = calloc(nc ? nc : 1, sizeof *list);
    size_t kept = 0;
    json_t *srev = json_object(), *scost = json_object();
    for (size_t i = 0; list && i < nc; i++) {
        json_t *o = agg_json(&aggs[i]);
        const char *cur = main_currency(json_object_get(o, "revenue"));
        if (!*cur)
            cur = main_currency(json_object_get(o, "cost"));
        double profit = cx_num(json_object_get(json_object_get(o, "profit"), cur), 0);
        double key = !strcmp(sort_by, "total_revenue") ? cx_num(json_object_get(json_object_get(o, "revenue"), cur), 0)
                     : !strcmp(sort_by, "total_cost") ? cx_num(json_object_get(json_object_get(o, "cost"), cur), 0)
                     : !strcmp(sort_by, "profit_margin") ? cx_num(json_object_get(json_object_get(o, "profit_margin"), cur), 0)
                                                         : profit;
        if (has_min && profit < min_profit) {
            json_decref(o);
            continue;
        }
        add_charge(srev, aggs[i].revenue, "");
        add_charge(scost, aggs[i].cost, "");
        json_t *nm = json_object_get(names, ids[i]);
        json_object_set_new(o, "customer_id", json_integer(strtoll(ids[i], NULL, 10)));
        json_object_set(o, "customer_name", nm ? nm : json_null());
        json_object_set_new(o, "currency", json_string(cur));
        list[kept++] = (cust_row){o, key};
    }
    qsort(list, kept, sizeof *list, strcmp(order, "asc") ? sort_desc : sort_asc);
    json_t *page = json_array();
    for (size_t i = 0; i < kept; i++) {
        if (i >= (size_t)offset && i < (size_t)(offset + limit))
            json_array_append(page, list[i].obj);
        json_decref(list[i].obj);
    }
    json_t *sprofit0 = profit_map(srev, scost);
    json_t *summary = json_pack("{s:o,s:o,s:o,s:o}", "total_revenue", cx_currency_round(srev), "total_cost",
                                cx_currency_round(scost), "total_profit", cx_currency_round(sprofit0),
                                "profit_margin", margin_map(srev, sprofit0));
    size_t ret = json_array_size(page);
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text, "%zu customer(s) with traffic %s to %s, sorted by %s %s; showing %zu:",
                                kept, w.start_day, w.end_day, sort_by, order, ret);
    for (size_t i = 0; i < ret && o < sizeof text; i++) {
        json_t *e = json_array_get(page, i);
        const char *cur = jstr(e, "currency");
        o += (size_t)snprintf(text + o, sizeof text - o, "\n%zu. %s (id %lld): revenue %.2f, profit %.2f %s",
                              (size_t)offset + i + 1, json_is_string(json_object_get(e, "customer_name")) ? jstr(e, "customer_name") : "?",
                              (long long)json_integer_value(json_object_get(e, "customer_id")),
                              cx_num(json_object_get(json_object_get(e, "revenue"), cur), 0),
                              cx_num(json_object_get(json_object_get(e, "profit"), cur), 0), cur);
    }
    json_t *out = json_pack("{s:b,s:I,s:I,s:o,s:o,s:{s:I,s:I,s:I,s:b},s:s,s:s,s:{s:s,s:s}}", "success", 1,
                            "totalRecords", (json_int_t)kept, "returnedRecords", (json_int_t)ret, "customers", page,
                            "summary", summary, "pagination", "limit", (json_int_t)limit, "offset", (json_int_t)offset,
                            "total", (json_int_t)kept, "hasMore", (size_t)(offset + limit) < kept, "sortBy", sort_by,
                            "sortOrder", order, "dateRange", "start", w.start_day, "end", w.end_day);
    json_decref(sprofit0);
    json_decref(srev);
    json_decref(scost);
    json_decref(names);
    for (size_t i = 0; aggs && i < nc; i++)
        agg_free(&aggs[i]);
    free(aggs);
    free(ids);
    free(list);
    json_decref(by_cust);
    json_decref(rows);
    cx_reply(call, out, "%s", text);
}

/* ---- getCustomerCallStatistics ----------------------------------------------------------- */

static const mcp_param p_call_stats[] = {
    {.name = "company_id", .type = MCP_T_STRING, .max_length = 19, .description = "Numeric customer (company) id."},
    {.name = "customer_id", .type = MCP_T_STRING, .max_length = 19, .description = "Same as company_id."},
    {.name = "start_date", .type = MCP_T_STRING, .max_length = 32,
     .description = "First day: YYYY-MM-DD, ISO date-time or 10-digit Unix time; default 90 days ago."},
    {.name = "end_date", .type = MCP_T_STRING, .max_length = 32, .description = "Last day (same forms); default today."},
    {0}};

static const char s_call_stats[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"company_id\":{\"type\":\"string\"},"
    "\"period\":{\"type\":\"object\"},\"statistics\":{\"type\":\"object\",\"properties\":{"
    "\"total_calls\":{\"type\":\"integer\",\"minimum\":0},\"connected_calls\":{\"type\":\"integer\",\"minimum\":0},"
    "\"failed_calls\":{\"type\":\"integer\",\"minimum\":0},\"asr\":{\"type\":\"string\"},\"acd\":{\"type\":\"number\"},"
    "\"total_cost\":{\"type\":\"object\"},\"profit_metrics\":{\"type\":\"object\"},"
    "\"destination_breakdown\":{\"type\":\"array\"},\"hourly_breakdown\":{\"type\":\"object\"},"
    "\"daily_breakdown\":{\"type\":\"object\"},\"billing\":{\"type\":\"object\"}}},"
    "\"warning\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"success\",\"statistics\",\"period\"]}";

static void bump(json_t *map, const char *key, double dur, const char *cur, double cost)
{
    json_t *e = json_object_get(map, key);
    if (!e) {
        e = json_pack("{s:i,s:f,s:{}}", "calls", 0, "duration", 0.0, "cost");
        json_object_set_new(map, key, e);
    }
    json_object_set_new(e, "calls", json_integer(json_integer_value(json_object_get(e, "calls")) + 1));
    json_object_set_new(e, "duration", json_real(cx_num(json_object_get(e, "duration"), 0) + dur));
    cx_currency_add(json_object_get(e, "cost"), cur, cost);
}

static json_t *billing_info(mcp_call *call, cx_client *c, const char *id, const cx_window *w)
{
    char q[64];
    snprintf(q, sizeof q, "company_id=%s", id);
    cx_response r;
    if (cx_get_json(c, "invoice/billed", q, mcp_call_cancel_flag(call), &r) != 0) {
        json_t *e = json_pack("{s:i,s:s}", "total_invoices", 0, "error", r.error);
        cx_response_free(&r);
        return e;
    }
    json_t *inv = json_array(), *uniq = json_object();
    for (size_t i = 0; i < json_array_size(r.json); i++) {
        const json_t *x = json_array_get(r.json, i);
        const char *d = jstr(x, "cdr_date");
        if (*d && (strncmp(d, w->start_day, 10) < 0 || strncmp(d, w->end_day, 10) > 0))
            continue;
        if (json_array_size(inv) < 100)
            json_array_append(inv, (json_t *)x);
        char k[64];
        snprintf(k, sizeof k, "%.0f", cx_num(json_object_get(x, "invoice_id"), -1));
        json_object_set_new(uniq, k, json_true());
    }
    json_t *b = json_pack("{s:I,s:I,s:{s:s,s:s},s:o}", "total_invoices", (json_int_t)json_array_size(inv),
                          "unique_invoice_ids", (json_int_t)json_object_size(uniq), "date_range", "start", w->start_day,
                          "end", w->end_day, "invoices", inv);
    json_decref(uniq);
    cx_response_free(&r);
    return b;
}

static void h_call_stats(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *id = cx_arg_str(args, "company_id") ? cx_arg_str(args, "company_id") : cx_arg_str(args, "customer_id");
    if (!c)
        return;
    if (!id) {
        mcp_call_error(call, "Parameter \"company_id\" (or \"customer_id\") is required: the numeric customer id.");
        return;
    }
    cx_window w;
    if (!cx_check_digits(call, "company_id", id) ||
        !cx_window_from_args(call, c, args, "start_date", "end_date", 90, false, &w))
        return;
    static const char *const fields[] = {
        "dt", "callid", "dest_cli", "dest_number", "duration", "source_cli", "source_dest_number", "customer_charge",
        "customer_duration", "customer_id", "customer_card_rate", "customer_card_dest_code", "customer_card_dest_name",
        "pdd_in", "pdd_out", "ring_duration", "sip_code", "sip_reason", "release_reason", "recording_cost",
        "customer_card_currency", "provider_charge", "provider_card_currency", NULL};
    json_t *body = cx_cdr_body(fields, &w, 5000, "DESC");
    cx_cdr_rule(body, "customer_id", "=", json_integer(strtoll(id, NULL, 10)));
    json_t *rows = cx_fetch_post(call, c, "cdr", body);
    json_decref(body);
    if (!rows)
        return;
    if (json_is_object(rows)) {
        json_t *in = json_object_get(rows, "result") ? json_object_get(rows, "result") : json_object_get(rows, "data");
        json_t *arr = json_is_array(in) ? json_incref(in) : json_array();
        json_decref(rows);
        rows = arr;
    }
    size_t n = json_array_size(rows), conn = 0;
    double dur = 0, billed = 0;
    json_t *revenue = json_object(), *cost = json_object();
    json_t *dest = json_object(), *hourly = json_object(), *daily = json_object();
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(rows, i);
        double d = cx_num(json_object_get(r, "duration"), 0); /* talk time; customer_duration is billed */
        billed += cx_num(json_object_get(r, "customer_duration"), d);
        const char *cur = jstr(r, "customer_card_currency");
        double ch = cx_num(json_object_get(r, "customer_charge"), 0);
        if (d > 0) {
            conn++;
            dur += d;
        }
        cx_currency_add(revenue, cur, ch);
        if (json_object_get(r, "provider_charge"))
            cx_currency_add(cost, jstr(r, "provider_card_currency"), cx_num(json_object_get(r, "provider_charge"), 0));
        const char *dn = *jstr(r, "customer_card_dest_name") ? jstr(r, "customer_card_dest_name")
                         : *jstr(r, "dest_number")           ? jstr(r, "dest_number")
                                                             : "Unknown";
        bump(dest, dn, d, cur, ch);
        const char *dt = jstr(r, "dt");
        char hk[8], dk[11];
        snprintf(hk, sizeof hk, "%.2s:00", strlen(dt) >= 13 ? dt + 11 : "??");
        snprintf(dk, sizeof dk, "%.10s", dt);
        bump(hourly, hk, d, cur, ch);
        bump(daily, dk, d, cur, ch);
    }
    /* destinations as a list sorted by calls, capped */
    json_t *dlist = json_array();
    while (json_object_size(dest) && json_array_size(dlist) < 50) {
        const char *best = NULL, *k;
        json_t *v;
        json_int_t bc = -1;
        json_object_foreach(dest, k, v) if (json_integer_value(json_object_get(v, "calls")) > bc) {
            bc = json_integer_value(json_object_get(v, "calls"));
            best = k;
        }
        json_t *e = json_copy(json_object_get(dest, best));
        json_object_set_new(e, "destination", json_string(best));
        json_object_set_new(e, "cost", cx_currency_round(json_object_get(e, "cost")));
        json_array_append_new(dlist, e);
        json_object_del(dest, best);
    }
    char asr[32];
    snprintf(asr, sizeof asr, "%.2f", n ? 100.0 * (double)conn / (double)n : 0.0);
    double acd = conn ? round(dur / (double)conn) : 0;
    json_t *avg_cost = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(revenue, k, v) {
        char b[32];
        snprintf(b, sizeof b, "%.4f", n ? cx_num(v, 0) / (double)n : 0);
        json_object_set_new(avg_cost, k, json_string(b));
    }
    json_t *pm0 = profit_map(revenue, cost);
    json_t *profit = json_pack("{s:o,s:o,s:o,s:o}", "revenue", cx_currency_round(revenue), "cost",
                               cx_currency_round(cost), "profit", cx_currency_round(pm0), "profit_margin",
                               margin_map(revenue, pm0));
    json_decref(pm0);
    json_t *stats = json_pack("{s:I,s:I,s:I,s:I,s:f,s:o,s:o,s:f,s:s,s:o,s:o,s:o,s:o,s:o}", "total_calls", (json_int_t)n,
                              "connected_calls", (json_int_t)conn, "failed_calls", (json_int_t)(n - conn),
                              "total_duration", cx_i64(dur), "average_duration", acd, "total_cost",
                              cx_currency_round(revenue), "average_cost_per_call", avg_cost, "acd", acd, "asr", asr,
                              "profit_metrics", profit, "destination_breakdown", dlist, "hourly_breakdown", hourly,
                              "daily_breakdown", daily, "billing", billing_info(call, c, id, &w));
    json_object_set_new(stats, "billed_duration", json_integer(cx_i64(billed)));
    const char *warning = n >= 5000 ? "The CDR query returned its maximum of 5000 records: the statistics cover the "
                                      "newest 5000 calls of the period; narrow the dates for complete figures."
                                    : NULL;
    json_t *out = json_pack("{s:b,s:s,s:{s:s,s:s},s:o}", "success", 1, "company_id", id, "period", "start", w.start_dt,
                            "end", w.end_dt, "statistics", stats);
    json_object_set_new(out, "warning", warning ? json_string(warning) : json_null());
    char money[256];
    money_text(json_object_get(profit, "revenue"), money, sizeof money);
    json_decref(revenue);
    json_decref(cost);
    json_decref(dest);
    json_decref(rows);
    cx_reply(call, out, "Customer %s, %s to %s: %zu calls, %zu connected (ASR %s%%), ACD %.0f s, charges %s.%s%s", id,
             w.start_day, w.end_day, n, conn, asr, acd, money, warning ? "\nWarning: " : "", warning ? warning : "");
}

/* ---- getCustomerDestinationStatistics ---------------------------------------------------- */

static const mcp_param p_dest_stats[] = {
    {.name = "customer_id", .type = MCP_T_STRING, .required = true, .max_length = 19,
     .description = "Numeric customer id, or \"all\"."},
    {.name = "start_date", .type = MCP_T_STRING, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "First day YYYY-MM-DD (UTC); default 30 days ago."},
    {.name = "end_date", .type = MCP_T_STRING, .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "Last day YYYY-MM-DD (UTC); default today."},
    {.name = "limit", .type = MCP_T_INTEGER, .default_json = "20", .description = "Destinations returned, clamped to 1-100."},
    {0}};

static const char s_dest_stats[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"customer_id\":{\"type\":\"string\"},"
    "\"destinations\":{\"type\":\"array\"},\"summary\":{\"type\":\"object\",\"properties\":{"
    "\"total_calls\":{\"type\":\"integer\"},\"total_destinations\":{\"type\":\"integer\"},"
    "\"successful_calls\":{\"type\":\"integer\"},\"failed_calls\":{\"type\":\"integer\",\"minimum\":0}}},"
    "\"dateRange\":{\"type\":\"object\"}},\"required\":[\"success\",\"destinations\",\"summary\"]}";

/* Joins the non-empty strings of a (possibly nested) array. */
static void join_names(const json_t *v, char *out, size_t n, size_t *o)
{
    if (json_is_string(v) && *json_string_value(v)) {
        if (*o < n)
            *o += (size_t)snprintf(out + *o, n - *o, "%s%s", *o ? ", " : "", json_string_value(v));
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            join_names(json_array_get(v, i), out, n, o);
    }
}

static void h_dest_stats(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *id = cx_arg_str(args, "customer_id");
    cx_window w;
    if (!c)
        return;
    bool all = id && !strcmp(id, "all");
    if ((!all && !cx_check_digits(call, "customer_id", id)) ||
        !cx_window_from_args(call, c, args, "start_date", "end_date", 30, false, &w))
        return;
    long long limit = cx_arg_int(args, "limit", 20);
    limit = limit < 1 ? 1 : limit > 100 ? 100 : limit;
    static const cx_agg_col groups[] = {{"customer_id", NULL}, {"provider_id", NULL}, {"customer_card_dest_name", NULL},
                                        {"provider_card_dest_name", NULL}, {NULL, NULL}};
    static const cx_agg_col values[] = {{"attempts", "sum"}, {"connected", "sum"}, {"duration", "sum"},
                                        {"customer_charge", "sum"}, {"provider_charge", "sum"}, {"acd", "avg"},
                                        {"asr", "avg"}, {"account_profit", "sum"}, {"account_profit_percent", "avg"},
                                        {NULL, NULL}};
    json_t *rows = fetch_breakout(call, c, groups, values, &w, all ? NULL : id);
    if (!rows)
        return;
    size_t n = json_array_size(rows), nd = 0;
    agg *aggs = calloc(n ? n : 1, sizeof *aggs);
    json_t *index = json_object(), *names = json_array();
    agg total;
    agg_init(&total);
    for (size_t i = 0; aggs && i < n; i++) {
        const json_t *r = json_array_get(rows, i);
        char name[256];
        size_t o = 0;
        name[0] = '\0';
        join_names(json_object_get(r, "customer_card_dest_name"), name, sizeof name, &o);
        if (!o)
            join_names(json_object_get(r, "provider_card_dest_name"), name, sizeof name, &o);
        if (!o)
            snprintf(name, sizeof name, "Customer %.0f", cx_num(json_object_get(r, "customer_id"), 0));
        json_t *ix = json_object_get(index, name);
        size_t at = ix ? (size_t)json_integer_value(ix) : nd;
        if (!ix) {
            agg_init(&aggs[nd]);
            json_array_append_new(names, json_string(name));
            json_object_set_new(index, name, json_integer((json_int_t)nd++));
        }
        agg_row(&aggs[at], r);
        agg_row(&total, r);
    }
    cust_row *list = calloc(nd ? nd : 1, sizeof *list);
    for (size_t i = 0; list && i < nd; i++) {
        json_t *o = agg_json(&aggs[i]);
        json_object_set_new(o, "destination", json_incref(json_array_get(names, i)));
        list[i] = (cust_row){o, aggs[i].attempts};
        agg_free(&aggs[i]);
    }
    if (list)
        qsort(list, nd, sizeof *list, sort_desc);
    json_t *dests = json_array();
    for (size_t i = 0; list && i < nd; i++) {
        if (i < (size_t)limit)
            json_array_append(dests, list[i].obj);
        json_decref(list[i].obj);
    }
    json_t *t = agg_json(&total);
    json_t *summary = json_pack("{s:O,s:I,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "total_calls",
                                json_object_get(t, "attempts"), "total_destinations", (json_int_t)nd, "successful_calls",
                                json_object_get(t, "connected"), "failed_calls", json_object_get(t, "failed"),
                                "success_rate", json_object_get(t, "asr"), "total_duration", json_object_get(t, "duration"),
                                "avg_call_duration", json_object_get(t, "acd"), "total_customer_charge",
                                json_object_get(t, "revenue"), "total_provider_charge", json_object_get(t, "cost"),
                                "total_profit", json_object_get(t, "profit"), "profit_margin",
                                json_object_get(t, "profit_margin"));
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text, "%s, %s to %s: %zu destination(s), %lld calls; top %zu by attempts:",
                                all ? "All customers" : "Customer", w.start_day, w.end_day, nd,
                                (long long)json_integer_value(json_object_get(t, "attempts")), json_array_size(dests));
    for (size_t i = 0; i < json_array_size(dests) && o < sizeof text; i++) {
        json_t *d = json_array_get(dests, i);
        o += (size_t)snprintf(text + o, sizeof text - o, "\n- %s: %lld attempts, ASR %.2f%%, ACD %.0f s",
                              jstr(d, "destination"), (long long)json_integer_value(json_object_get(d, "attempts")),
                              cx_num(json_object_get(d, "asr"), 0), cx_num(json_object_get(d, "acd"), 0));
    }
    json_t *out = json_pack("{s:b,s:s,s:o,s:o,s:{s:s,s:s},s:I}", "success", 1, "customer_id", id, "destinations", dests,
                            "summary", summary, "dateRange", "start", w.start_day, "end", w.end_day, "limit",
                            (json_int_t)limit);
    json_decref(t);
    agg_free(&total);
    free(aggs);
    free(list);
    json_decref(index);
    json_decref(names);
    json_decref(rows);
    cx_reply(call, out, "%s", text);
}

/* ---- table ------------------------------------------------------------------------------- */

static const mcp_tool_def cx_stats_tools[] = {
    CX_TOOL("getCustomerProfitability", "Customer profitability",
     "Revenue, cost, profit and margin (per currency) of one customer for a period, with attempts, "
     "connected calls, ASR and ACD; optionally by day, week or month.",
     p_profit, s_profit, h_profit),
    CX_TOOL("listCustomersByProfitability", "Customers by profitability",
     "Rank customers by profit, margin, revenue or cost for a period (each in the customer's billing "
     "currency), with names, paginated.",
     p_list_profit, s_list_profit, h_list_profit),
    CX_TOOL("getCustomerCallStatistics", "Customer call statistics",
     "A customer's call statistics from the CDR (default last 90 days): totals, ASR, ACD, charges per "
     "currency, breakdowns by destination, hour and day, and billed invoices.",
     p_call_stats, s_call_stats, h_call_stats),
    CX_TOOL("getCustomerDestinationStatistics", "Customer destination statistics",
     "Traffic by destination for a customer (or all): attempts, connected, failed, ASR, ACD and "
     "charges per currency, sorted by attempts.",
     p_dest_stats, s_dest_stats, h_dest_stats),
    {0}};

int cx_stats_register(mcp_registry *reg, cx_family *fam)
{
    return mcp_registry_add_table(reg, cx_stats_tools, fam);
}
