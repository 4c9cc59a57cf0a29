/* The 3CX tool family: configuration → one connector per PBX, the tool table (with a `pbx`
 * argument when several PBXs are configured, write tools only when writes are allowed),
 * list_pbxs, the routing hints, and the helpers every tcx_*.c handler shares (tcx_tools.h). */
#include "tools/tcx_tools.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tools/tools.h"
#include "util/log.h"

/* ---- per-call helpers ------------------------------------------------------------------ */

static const mcp_tool_def *find_def(const tcx_family *f, const char *name)
{
    for (const mcp_tool_def *d = f->table; d && d->name; d++)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

static bool writes_allowed(const tcx_family *f, size_t idx);

bool tcx_begin(mcp_call *call, const json_t *args, tcx_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->call = call;
    c->fam = mcp_call_data(call);
    c->cancel = mcp_call_cancel_flag(call);
    const char *want = json_string_value(json_object_get(args, "pbx"));
    if (c->fam->npbx > 1 || want) {
        size_t i = 0;
        while (want && i < c->fam->npbx && strcmp(c->fam->cfg[i].name, want) != 0)
            i++;
        if (!want || i == c->fam->npbx) {
            mcp_call_error(call, "Unknown PBX '%.60s'; list_pbxs shows the configured names.",
                           want ? want : "");
            return false;
        }
        c->idx = i;
    }
    c->pbx = c->fam->pbx[c->idx];
    c->cfg = &c->fam->cfg[c->idx];
    const mcp_tool_def *d = find_def(c->fam, mcp_call_tool_name(call));
    if (d && (d->flags & MCP_TOOL_WRITE) && !writes_allowed(c->fam, c->idx)) {
        mcp_call_error(call, "Changes are not enabled for PBX '%s': start the server with --allow-writes "
                             "(or TCX_ALLOW_WRITES=1), or set allow_writes = true in its [pbx] section.",
                       c->cfg->name);
        return false;
    }
    return true;
}

void tcx_fail(tcx_ctx *c, const tcx_error *e)
{
    mcp_call_error(c->call, "%s", e->message);
}

void tcx_failf(tcx_ctx *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mcp_call_error(c->call, "%s", msg);
}

bool tcx_do(tcx_ctx *c, const char *method, tcx_url *u, const json_t *body, json_t **out)
{
    char *path = tcx_url_done(u);
    if (out)
        *out = NULL;
    if (!path) {
        tcx_failf(c, "The request would be too long for the PBX (over 64 KiB); use shorter text.");
        return false;
    }
    tcx_error e;
    json_t *j = NULL;
    int rc = tcx_request(c->pbx, method, path, body, c->cancel, &j, &e);
    free(path);
    if (rc < 0) {
        tcx_fail(c, &e);
        return false;
    }
    if (out)
        *out = j;
    else
        json_decref(j);
    return true;
}

bool tcx_list(tcx_ctx *c, tcx_url *u, json_t **value, long *count)
{
    char *path = tcx_url_done(u);
    *value = NULL;
    if (!path) {
        tcx_failf(c, "The request would be too long for the PBX (over 64 KiB); use shorter text.");
        return false;
    }
    tcx_error e;
    int rc = tcx_get_collection(c->pbx, path, c->cancel, value, count, &e);
    free(path);
    if (rc < 0) {
        tcx_fail(c, &e);
        return false;
    }
    return true;
}

int tcx_user_by_ext(tcx_ctx *c, const char *ext, const char *select, const char *expand, json_t **user)
{
    tcx_url u;
    tcx_filter f;
    tcx_filter_init(&f);
    tcx_filter_raw(&f, "Number eq ");
    tcx_filter_lit(&f, ext);
    tcx_url_init(&u, "Users");
    tcx_url_filter(&u, &f);
    tcx_filter_free(&f);
    tcx_url_opt(&u, "$top", "1");
    tcx_url_opt(&u, "$select", select);
    tcx_url_opt(&u, "$expand", expand);
    json_t *v;
    long n;
    *user = NULL;
    if (!tcx_list(c, &u, &v, &n))
        return -1;
    json_t *row = json_array_get(v, 0);
    if (!json_is_object(row)) {
        json_decref(v);
        tcx_failf(c, "No user with extension '%.64s' on %s (find_users searches by name or number).",
                  ext, c->cfg->name);
        return 0;
    }
    *user = json_incref(row);
    json_decref(v);
    return 1;
}

/* ---- JSON helpers ---------------------------------------------------------------------- */

json_t *tcx_pick(const json_t *src, const char *const *fields)
{
    json_t *o = json_object();
    for (size_t i = 0; fields[i]; i++) {
        json_t *v = json_object_get(src, fields[i]);
        if (v && !json_is_null(v))
            json_object_set(o, fields[i], v);
    }
    return o;
}

static bool secret_key(const char *k)
{
    char low[64];
    size_t n = strlen(k);
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)k[i]);
    low[n] = 0;
    return strstr(low, "password") || strstr(low, "secret") || strstr(low, "token") ||
           strstr(low, "apikey") || strstr(low, "pincode") ||
           (n >= 3 && strcmp(low + n - 3, "pin") == 0);
}

void tcx_redact(json_t *j)
{
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) tcx_redact(v);
        return;
    }
    if (!json_is_object(j))
        return;
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(j, tmp, k, v) {
        if (!secret_key(k)) {
            tcx_redact(v);
            continue;
        }
        if (json_is_null(v) || json_is_boolean(v) || (json_is_string(v) && !*json_string_value(v)))
            continue;
        if (json_is_object(v) && json_object_get(v, "Value")) { /* {Concealed, Value} */
            if (!json_is_null(json_object_get(v, "Value")))
                json_object_set_new(v, "Value", json_string("***redacted***"));
            continue;
        }
        json_object_set_new(j, k, json_string("***redacted***"));
    }
}

const char *tcx_s(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

json_t *tcx_result(tcx_ctx *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "pbx", json_string(c->cfg->name));
    return o;
}

void tcx_finish(tcx_ctx *c, json_t *structured, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcp_call_textv(c->call, fmt, ap);
    va_end(ap);
    tcx_redact(structured);
    mcp_call_structured(c->call, structured);
}

int64_t tcx_now(const tcx_ctx *c)
{
    return c->fam->fixed_now ? c->fam->fixed_now : (int64_t)time(NULL);
}

char *tcx_lower_trim(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++)
        o[i] = (char)tolower((unsigned char)s[i]);
    o[n] = 0;
    return o;
}

char *tcx_lower_text(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    for (size_t i = 0; i <= n; i++) {
        unsigned char ch = (unsigned char)s[i];
        o[i] = (char)(ch < 0x80 ? tolower(ch) : ch);
        /* Latin-1 capitals in UTF-8: C3 80..C3 9E (except C3 97, the multiplication sign) */
        if (ch == 0xC3 && i + 1 < n) {
            unsigned char nx = (unsigned char)s[i + 1];
            o[++i] = (char)(nx >= 0x80 && nx <= 0x9E && nx != 0x97 ? nx + 0x20 : nx);
        }
    }
    return o;
}

void tcx_filter_contains_any(tcx_filter *f, const char *const *fields, const char *query)
{
    char *q = tcx_lower_text(query);
    if (!q) {
        f->failed = true;
        return;
    }
    tcx_filter_raw(f, "(");
    for (size_t i = 0; fields[i]; i++) {
        tcx_filter_raw(f, i ? " or contains(tolower(" : "contains(tolower(");
        tcx_filter_raw(f, fields[i]);
        tcx_filter_raw(f, "),");
        tcx_filter_lit(f, q);
        tcx_filter_raw(f, ")");
    }
    tcx_filter_raw(f, ")");
    free(q);
}

int tcx_phone_match(tcx_ctx *c, const char *a, const char *b)
{
    if (!a || !b || !*a || !*b)
        return 0;
    sb_phone_match_kind k = sb_phone_match(a, strlen(a), b, strlen(b), c->fam->country[c->idx]);
    return k == SB_PHONE_MATCH_EXACT ? 2 : k == SB_PHONE_MATCH_SUFFIX ? 1 : 0;
}

bool tcx_looks_like_phone(const char *s)
{
    unsigned digits = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (!strchr("+()-./ ", *p))
            return false;
    }
    return digits >= 5;
}

/* ---- list_pbxs ------------------------------------------------------------------------- */

static void h_list_pbxs(mcp_call *call, const json_t *args)
{
    tcx_family *f = mcp_call_data(call);
    json_t *arr = json_array();
    size_t up = 0;
    for (size_t i = 0; i < f->npbx; i++) {
        char detail[256];
        bool ok = tcx_pbx_probe(f->pbx[i], detail, sizeof detail);
        up += ok;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b, s:b, s:s}", "name", f->cfg[i].name,
                                             "apiBase", tcx_pbx_api_base(f->pbx[i]), "timezone",
                                             sb_tz_name(f->tz[i]), "writesAllowed", writes_allowed(f, i),
                                             "reachable", ok, "detail", detail));
        if (mcp_call_cancelled(call))
            break;
    }
    json_t *out = json_pack("{s:o, s:i, s:i}", "pbxs", arr, "configured", (int)f->npbx, "reachable", (int)up);
    mcp_call_text(call, "%zu of %zu configured 3CX PBX(s) reachable.", up, f->npbx);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *p = json_array_get(arr, i);
        mcp_call_text(call, "%s: %s (%s)", tcx_s(p, "name"),
                      json_is_true(json_object_get(p, "reachable")) ? "reachable" : "NOT reachable",
                      tcx_s(p, "detail"));
    }
    mcp_call_structured(call, out);
}

static const mcp_tool_def list_pbxs_def = {
    .name = "list_pbxs",
    .title = "List 3CX PBXs",
    .description = "Lists the configured 3CX PBXs (the values of the `pbx` argument of every 3CX tool), "
                   "their time zone, whether changes are allowed, and whether each answers right now.",
    .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
    .output_schema = "{\"type\":\"object\",\"properties\":{\"pbxs\":{\"type\":\"array\",\"items\":{\"type\":"
                     "\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"apiBase\":{\"type\":\"string\"},"
                     "\"timezone\":{\"type\":\"string\"},\"writesAllowed\":{\"type\":\"boolean\"},\"reachable\":"
                     "{\"type\":\"boolean\"},\"detail\":{\"type\":\"string\"}},\"required\":[\"name\",\"reachable\"]}},"
                     "\"configured\":{\"type\":\"integer\"},\"reachable\":{\"type\":\"integer\"}},"
                     "\"required\":[\"pbxs\",\"configured\",\"reachable\"]}",
    .handler = h_list_pbxs,
};

/* ---- registration ---------------------------------------------------------------------- */

static bool env_writes(void)
{
    const char *v = getenv("TCX_ALLOW_WRITES");
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0);
}

static bool writes_allowed(const tcx_family *f, size_t idx)
{
    return f->global_writes || f->cfg[idx].allow_writes;
}

static void family_free(void *data)
{
    tcx_family *f = data;
    if (!f)
        return;
    for (size_t i = 0; i < f->npbx; i++) {
        tcx_pbx_free(f->pbx ? f->pbx[i] : NULL);
        sb_tz_free(f->tz ? f->tz[i] : NULL);
    }
    if (f->param_copies)
        for (size_t i = 0; f->table && f->table[i].name; i++)
            free(f->param_copies[i]);
    free(f->param_copies);
    free(f->table);
    free(f->pbx);
    free(f->tz);
    free(f->country);
    free(f->pbx_names);
    tcx_config_free(f->cfg, f->npbx);
    free(f);
}

/* A copy of params with the `pbx` argument appended. */
static mcp_param *with_pbx_param(const mcp_param *params, const char **names)
{
    size_t n = 0;
    while (params && params[n].name)
        n++;
    mcp_param *p = calloc(n + 2, sizeof *p);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, params, n * sizeof *p);
    p[n] = (mcp_param){.name = "pbx", .type = MCP_T_STRING, .required = true, .enum_values = names,
                       .description = "Which PBX to ask: one of the configured names (see list_pbxs)."};
    return p;
}

static int build_table(tcx_family *f)
{
    const mcp_tool_def *const parts[] = {tcx_users_tools, tcx_org_tools, tcx_queue_tools,
                                         tcx_contact_tools, tcx_call_tools};
    size_t total = 1;
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
        for (const mcp_tool_def *d = parts[k]; d->name; d++)
            total++;
    f->table = calloc(total + 1, sizeof *f->table);
    f->param_copies = calloc(total + 1, sizeof *f->param_copies);
    if (!f->table || !f->param_copies)
        return -1;
    size_t n = 0;
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
        for (const mcp_tool_def *d = parts[k]; d->name; d++) {
            if ((d->flags & MCP_TOOL_WRITE) && !f->writes)
                continue;
            f->table[n] = *d;
            if (f->npbx > 1) {
                if (!(f->param_copies[n] = with_pbx_param(d->params, f->pbx_names)))
                    return -1;
                f->table[n].params = f->param_copies[n];
            }
            n++;
        }
    f->table[n++] = list_pbxs_def;
    return 0;
}

static int open_pbxs(tcx_family *f)
{
    char err[TCX_ERR_LEN];
    f->pbx = calloc(f->npbx, sizeof *f->pbx);
    f->tz = calloc(f->npbx, sizeof *f->tz);
    f->country = calloc(f->npbx, sizeof *f->country);
    f->pbx_names = calloc(f->npbx + 1, sizeof *f->pbx_names);
    if (!f->pbx || !f->tz || !f->country || !f->pbx_names)
        return -1;
    for (size_t i = 0; i < f->npbx; i++) {
        tcx_config *c = &f->cfg[i];
        f->pbx_names[i] = c->name;
        if (!(f->tz[i] = sb_tz_open(c->timezone, err, sizeof err))) {
            sb_error("tcx", "3CX PBX '%s': TCX_TIMEZONE: %s", c->name, err);
            return -1;
        }
        if (c->default_country && !(f->country[i] = sb_phone_country_find(c->default_country))) {
            sb_error("tcx", "3CX PBX '%s': TCX_DEFAULT_COUNTRY '%s' is not a known country code "
                            "(use e.g. DE or 49)", c->name, c->default_country);
            return -1;
        }
        if (!(f->pbx[i] = tcx_pbx_new(c, err, sizeof err))) {
            sb_error("tcx", "%s", err);
            return -1;
        }
        f->writes = f->writes || writes_allowed(f, i);
    }
    return 0;
}

static const char *const routing_hint =
    "who is online or registered -> find_users onlyRegistered=true; one extension's state -> "
    "get_extension_status; missed calls today -> get_call_history missedOnly=true (scope today|date|"
    "last_24_hours); who answers a queue and is logged in -> get_queue_agents loggedInOnly=true; calls "
    "right now -> get_active_calls; trunk up or down -> list_trunks; PBX errors -> get_event_logs "
    "type=Error; whose number is this -> find_contact_by_phone; DND/away -> get_forwarding_profiles and "
    "set_forwarding_profile. Changes (create/update/delete user, departments, forwarding) show a preview "
    "first and need the user's confirmation; update/delete take the numeric Id from get_user.";

int tcx_tools_register(mcp_registry *reg, const sb_options *opt)
{
    return tcx_tools_register_ex(reg, opt, NULL);
}

int tcx_tools_register_ex(mcp_registry *reg, const sb_options *opt, tcx_family **out)
{
    tcx_config *cfg = NULL;
    char err[TCX_ERR_LEN];
    int n = tcx_config_load(opt ? opt->config_file : NULL, &cfg, err, sizeof err);
    if (n == 0)
        return 0;
    if (n < 0) {
        sb_error("tcx", "%s", err);
        return -1;
    }
    tcx_family *f = calloc(1, sizeof *f);
    if (!f) {
        tcx_config_free(cfg, (size_t)n);
        return -1;
    }
    f->global_writes = (opt && opt->allow_writes) || env_writes();
    const char *fixed = getenv("TCX_TEST_NOW");
    if (fixed && sb_parse_iso_utc(fixed, &f->fixed_now) < 0) {
        sb_error("tcx", "TCX_TEST_NOW must be an ISO 8601 date-time");
        family_free(f);
        return -1;
    }
    f->cfg = cfg;
    f->npbx = (size_t)n;
    if (open_pbxs(f) < 0 || build_table(f) < 0 || mcp_registry_add_table(reg, f->table, f) < 0) {
        sb_error("tcx", "the 3CX tools could not start (see above)");
        family_free(f);
        return -1;
    }
    mcp_registry_set_family_free(reg, f, family_free);
    if (out)
        *out = f;
    mcp_registry_add_hint(reg, "3CX PBX", routing_hint);
    sb_info("tcx", "3CX: %zu PBX(s) configured; %s", f->npbx,
            f->writes ? "changes allowed (confirmed per call)" : "read-only");
    return 0;
}
