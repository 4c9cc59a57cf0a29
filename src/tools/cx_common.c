/* The ConnexCS tool family: registration (only when ConnexCS is configured), the health probe,
 * and the helpers every cx_*.c handler shares (see cx_internal.h). */
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cx_internal.h"
#include "tools/tools.h"
#include "util/health.h"
#include "util/log.h"

/* ---- registration ------------------------------------------------------------------------ */

static bool cx_health_probe(void *ud, char *detail, size_t n)
{
    cx_family *fam = ud;
    const char *problem = cx_config_problem(cx_client_config(fam->client));
    if (problem) {
        snprintf(detail, n, "not configured: API_USERNAME or credential missing");
        return false;
    }
    return cx_client_probe(fam->client, detail, n);
}

static void cx_family_free(void *data)
{
    cx_family *fam = data;
    sb_health_unregister(fam);
    cx_client_free(fam->client);
    free(fam);
}

int cx_tools_register(mcp_registry *reg, const sb_options *opt)
{
    (void)opt;
    cx_config cfg;
    if (!cx_config_from_env(&cfg)) {
        cx_config_free(&cfg);
        return 0; /* ConnexCS not configured: no tools */
    }
    const char *problem = cx_config_problem(&cfg);
    if (problem)
        sb_error("connexcs", "%s", problem); /* said at start, and again on every call */
    cx_family *fam = calloc(1, sizeof *fam);
    if (!fam || !(fam->client = cx_client_new(&cfg))) {
        cx_config_free(&cfg);
        free(fam);
        return -1;
    }
    sb_health_register("connexcs", cx_health_probe, fam);
    mcp_registry_set_family_free(reg, fam, cx_family_free);
    mcp_registry_add_hint(reg, "ConnexCS call debugging",
                          "find a call by number/Call-ID/IP -> searchCallLogs; why did it fail -> "
                          "investigateCall or getSipTrace (getCTrace takes a phone number); audio quality -> "
                          "getCallQuality");
    mcp_registry_add_hint(reg, "ConnexCS reports",
                          "30-day report -> getCallReport; is the switch healthy -> getSwitchHealth; "
                          "routing failures -> findNoRouteFailures, findRoutingGaps; repeated 0-second calls -> "
                          "findZeroDurationRepeats; doubled prefixes -> findDialPrefixDuplication");
    mcp_registry_add_hint(reg, "ConnexCS customers",
                          "customer by name/IP/SIP user -> searchCustomers; balance -> getCustomerBalance; "
                          "margin -> getCustomerProfitability, listCustomersByProfitability");
    int rc = 0;
    rc |= cx_calls_register(reg, fam);
    rc |= cx_trace_register(reg, fam);
    rc |= cx_customers_register(reg, fam);
    rc |= cx_stats_register(reg, fam);
    rc |= cx_docs_register(reg, fam);
    rc |= cx_diag_register(reg, fam);
    rc |= cx_prompts_register(reg, fam);
    return rc ? -1 : 0;
}

cx_client *cx_tool_client(mcp_call *call)
{
    cx_family *fam = mcp_call_data(call);
    if (!fam || !fam->client) {
        mcp_call_error(call, "ConnexCS is not configured.");
        return NULL;
    }
    const char *problem = cx_config_problem(cx_client_config(fam->client));
    if (problem) {
        mcp_call_error(call, "%s", problem);
        return NULL;
    }
    return fam->client;
}

/* ---- arguments --------------------------------------------------------------------------- */

const char *cx_arg_str(const json_t *args, const char *name)
{
    const char *s = json_string_value(json_object_get(args, name));
    return s && *s ? s : NULL;
}

bool cx_arg_has(const json_t *args, const char *name)
{
    json_t *v = json_object_get(args, name);
    return v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v));
}

long long cx_arg_int(const json_t *args, const char *name, long long def)
{
    json_t *v = json_object_get(args, name);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        long long n = strtoll(s, &end, 10);
        if (*s && !*end)
            return n;
    }
    return def;
}

bool cx_check_callid(mcp_call *call, const json_t *args, const char *name, const char **out)
{
    json_t *v = json_object_get(args, name);
    if (!v || json_is_null(v)) {
        mcp_call_error(call, "Parameter \"%s\" is required but was not provided", name);
        return false;
    }
    if (!json_is_string(v)) {
        mcp_call_error(call, "Parameter \"%s\" must be a string, received %s", name,
                       json_is_number(v) ? "number" : json_is_boolean(v) ? "boolean" : "object");
        return false;
    }
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    size_t ws = strspn(s, " \t\r\n");
    if (ws == n) {
        mcp_call_error(call, "Parameter \"%s\" cannot be an empty string", name);
        return false;
    }
    if (n > 255) {
        mcp_call_error(call,
                       "Parameter \"%s\" exceeds maximum length of 255 characters (received %zu)",
                       name, n);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20) {
            mcp_call_error(call, "Parameter \"%s\" contains control characters; a Call-ID is "
                                 "printable text such as 8a1f...@10.0.0.5", name);
            return false;
        }
    *out = s;
    return true;
}

bool cx_check_digits(mcp_call *call, const char *name, const char *value)
{
    size_t n = value ? strlen(value) : 0;
    bool ok = n > 0 && n < 20 && strspn(value, "0123456789") == n;
    if (!ok)
        mcp_call_error(call,
                       "Parameter \"%s\" must be a numeric ConnexCS customer id (digits only), got "
                       "\"%.40s\". Use searchCustomers to find the id from a name.",
                       name, value ? value : "");
    return ok;
}

/* ---- dates ------------------------------------------------------------------------------- */

static int digits2(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool cx_parse_day(const char *s, time_t *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits2(s, 4), m = digits2(s + 5, 2), d = digits2(s + 8, 2);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_mday != d) /* 2026-02-30 */
        return false;
    *out = t;
    return true;
}

void cx_fmt_dt(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

void cx_fmt_day(time_t t, char *out, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d", &tm);
}

/* Accepts YYYY-MM-DD, a 10-digit Unix time, or an ISO date-time (its day is used). */
static bool parse_day_flexible(const char *s, time_t *out)
{
    size_t n = strlen(s);
    if (n == 10 && strspn(s, "0123456789") == 10) {
        time_t t = (time_t)strtoll(s, NULL, 10);
        *out = t - t % 86400;
        return true;
    }
    if (n > 10 && (s[10] == 'T' || s[10] == ' ')) {
        char day[11];
        memcpy(day, s, 10);
        day[10] = '\0';
        return cx_parse_day(day, out);
    }
    return cx_parse_day(s, out);
}

bool cx_window_from_args(mcp_call *call, cx_client *c, const json_t *args, const char *start_key,
                         const char *end_key, int default_days, bool start_required,
                         cx_window *w)
{
    const char *s = cx_arg_str(args, start_key), *e = cx_arg_str(args, end_key);
    time_t now = cx_client_now(c), today = now - now % 86400;
    if (!s && start_required) {
        mcp_call_error(call, "Parameter \"%s\" is required (YYYY-MM-DD, UTC)", start_key);
        return false;
    }
    time_t sd, ed;
    if (s && !parse_day_flexible(s, &sd)) {
        mcp_call_error(call, "Parameter \"%s\" must be a date YYYY-MM-DD (UTC), got \"%.40s\"",
                       start_key, s);
        return false;
    }
    if (e && !parse_day_flexible(e, &ed)) {
        mcp_call_error(call, "Parameter \"%s\" must be a date YYYY-MM-DD (UTC), got \"%.40s\"",
                       end_key, e);
        return false;
    }
    if (!s && !e) {
        ed = today;
        sd = today - (time_t)(default_days - 1) * 86400;
    } else if (!s) {
        sd = ed - (time_t)(default_days - 1) * 86400;
    } else if (!e) {
        ed = start_required ? sd : today;
    }
    if (ed < sd) {
        mcp_call_error(call, "\"%s\" (%s) is before \"%s\" (%s); swap them.", end_key, e ? e : "",
                       start_key, s ? s : "");
        return false;
    }
    w->start = sd;
    w->end = ed + 86399;
    cx_fmt_day(w->start, w->start_day, sizeof w->start_day);
    cx_fmt_day(w->end, w->end_day, sizeof w->end_day);
    cx_fmt_dt(w->start, w->start_dt, sizeof w->start_dt);
    cx_fmt_dt(w->end, w->end_dt, sizeof w->end_dt);
    return true;
}

/* ---- fetching ---------------------------------------------------------------------------- */

static json_t *finish_fetch(mcp_call *call, int rc, cx_response *r, const char *path,
                            bool *not_found)
{
    json_t *out = NULL;
    if (rc == 0) {
        out = r->json;
        r->json = NULL;
    } else if (not_found && r->status == 404) {
        *not_found = true;
    } else if (r->cancelled) {
        mcp_call_error(call, "Cancelled while fetching %s from ConnexCS.", path);
    } else {
        mcp_call_error(call, "%s", r->error);
    }
    cx_response_free(r);
    return out;
}

json_t *cx_fetch(mcp_call *call, cx_client *c, const char *path, const char *query)
{
    cx_response r;
    int rc = cx_get_json(c, path, query, mcp_call_cancel_flag(call), &r);
    return finish_fetch(call, rc, &r, path, NULL);
}

json_t *cx_fetch_opt(mcp_call *call, cx_client *c, const char *path, const char *query,
                     bool *not_found)
{
    *not_found = false;
    cx_response r;
    int rc = cx_get_json(c, path, query, mcp_call_cancel_flag(call), &r);
    return finish_fetch(call, rc, &r, path, not_found);
}

json_t *cx_fetch_post(mcp_call *call, cx_client *c, const char *path, const json_t *body)
{
    cx_response r;
    int rc = cx_post_json(c, path, body, mcp_call_cancel_flag(call), &r);
    return finish_fetch(call, rc, &r, path, NULL);
}

char *cx_enc(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *o = malloc(3 * n + 1), *p = o;
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            *p++ = (char)ch;
        } else {
            *p++ = '%';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 15];
        }
    }
    *p = '\0';
    return o;
}

/* ---- numbers and shaping ----------------------------------------------------------------- */

/* Upstream numbers are clamped to +-1e17 and NaN/infinity refused, so no conversion to an
 * integer type downstream can overflow. */
double cx_num(const json_t *v, double def)
{
    double d = def;
    if (json_is_number(v)) {
        d = json_number_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        double x = strtod(s, &end);
        if (*s && end != s)
            d = x;
    }
    if (!isfinite(d))
        return def;
    return d > 1e17 ? 1e17 : d < -1e17 ? -1e17 : d;
}

long long cx_i64(double d)
{
    if (!isfinite(d))
        return 0;
    return d > 9e18 ? (long long)9e18 : d < -9e18 ? (long long)-9e18 : (long long)d;
}

int cx_code(double d)
{
    return isfinite(d) && d >= 0 && d < 1000 ? (int)d : 0;
}

json_t *cx_money(double v)
{
    char b[64];
    snprintf(b, sizeof b, "%.2f", v + 0.0); /* + 0.0 turns -0.00 into 0.00 */
    if (!strcmp(b, "-0.00"))
        strcpy(b, "0.00");
    return json_string(b);
}

json_t *cx_array_head(const json_t *arr, size_t max)
{
    json_t *o = json_array();
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n && i < max; i++)
        json_array_append(o, json_array_get(arr, i));
    return o;
}

void cx_currency_add(json_t *map, const char *currency, double amount)
{
    const char *k = currency && *currency ? currency : "unknown";
    json_t *cur = json_object_get(map, k);
    json_object_set_new(map, k, json_real(cx_num(cur, 0) + amount));
}

json_t *cx_currency_round(const json_t *map)
{
    json_t *o = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)map, k, v) {
        double d = cx_num(v, 0);
        double r = round(d * 100) / 100.0;
        json_object_set_new(o, k, json_real(r));
    }
    return o;
}

void cx_reply(mcp_call *call, json_t *structured, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcp_call_textv(call, fmt, ap);
    va_end(ap);
    mcp_call_structured(call, structured);
}

/* ---- breakout-aggrid --------------------------------------------------------------------- */

char *cx_breakout_query(const cx_agg_col *groups, const cx_agg_col *values, const cx_window *w,
                        const char *customer_id, long end_row)
{
    size_t cap = 8192;
    char *q = malloc(cap);
    if (!q)
        return NULL;
    size_t n = (size_t)snprintf(q, cap, "_startRow=0&_endRow=%ld&_pivotMode=false", end_row);
    for (size_t i = 0; groups && groups[i].field && n < cap; i++)
        n += (size_t)snprintf(q + n, cap - n,
                              "&_rowGroupCols%%5B%zu%%5D%%5Bid%%5D=%s&_rowGroupCols%%5B%zu%%5D%%5Bfield%%5D=%s",
                              i, groups[i].field, i, groups[i].field);
    for (size_t i = 0; values && values[i].field && n < cap; i++)
        n += (size_t)snprintf(q + n, cap - n,
                              "&_valueCols%%5B%zu%%5D%%5Bid%%5D=%s&_valueCols%%5B%zu%%5D%%5Bfield%%5D=%s"
                              "&_valueCols%%5B%zu%%5D%%5BaggFunc%%5D=%s",
                              i, values[i].field, i, values[i].field, i, values[i].agg);
    if (n < cap) {
        char *s = cx_enc(w->start_dt), *e = cx_enc(w->end_dt);
        if (s && e)
            n += (size_t)snprintf(q + n, cap - n,
                                  "&_filterModel%%5Bdt%%5D%%5Btype%%5D=inRange"
                                  "&_filterModel%%5Bdt%%5D%%5Bfilter%%5D=%s"
                                  "&_filterModel%%5Bdt%%5D%%5BfilterTo%%5D=%s",
                                  s, e);
        free(s);
        free(e);
    }
    if (customer_id && n < cap)
        n += (size_t)snprintf(q + n, cap - n,
                              "&_filterModel%%5Bcustomer_id%%5D%%5Btype%%5D=equals"
                              "&_filterModel%%5Bcustomer_id%%5D%%5Bfilter%%5D=%s",
                              customer_id);
    if (n >= cap) {
        free(q);
        return NULL;
    }
    return q;
}

json_t *cx_customer_names(mcp_call *call, cx_client *c)
{
    json_t *names = json_object();
    cx_response r;
    if (cx_get_json(c, "customer", "s=", mcp_call_cancel_flag(call), &r) == 0)
        for (size_t i = 0; i < json_array_size(r.json); i++) {
            const json_t *cu = json_array_get(r.json, i);
            char id[32];
            snprintf(id, sizeof id, "%.0f", cx_num(json_object_get(cu, "id"), -1));
            if (json_is_string(json_object_get(cu, "name")))
                json_object_set(names, id, json_object_get(cu, "name"));
        }
    cx_response_free(&r);
    return names;
}
