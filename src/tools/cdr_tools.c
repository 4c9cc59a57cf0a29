/* The CDR tools: import_cdrs (a file under --data-dir into the store), cdr_report (KPIs,
 * money, tops, failures, per-day series and charts, streamed from a file or read from the
 * store), find_cdr_anomalies (the detectors with their thresholds as parameters) and
 * search_cdrs (filtered, paginated rows from the store).
 *
 * Files are read only under the configured data directories: the path is resolved with
 * realpath(), so ".." and symlinks that leave them are refused. Long reads report MCP
 * progress and stop on cancellation; each call opens its own store connection (SQLite WAL),
 * so concurrent calls do not share a handle. The default country for numbers written without
 * one comes from the call's "country" argument, else SB_DEFAULT_COUNTRY (e.g. GB). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdr/cdr_detect.h"
#include "cdr/cdr_import.h"
#include "cdr/cdr_report.h"
#include "cdr/cdr_store.h"
#include "mcp/mcp_tool.h"
#include "tools/datadir.h"
#include "tools/tools.h"
#include "util/log.h"

typedef struct cdr_family {
    tools_datadirs data;
    char *store_path; /* NULL = the XDG default */
    const sb_phone_country *country; /* SB_DEFAULT_COUNTRY, used when a call names none */
} cdr_family;

/* ---- arguments ------------------------------------------------------------------------------ */


static const char *str_arg(const json_t *args, const char *k)
{
    const char *s = json_string_value(json_object_get(args, k));
    return s && *s ? s : NULL;
}

/* "2026-03-01" as `to` means the end of that day. */
static int time_arg(const json_t *args, const char *k, bool end_of_day, int64_t *out, char *err, size_t en)
{
    const char *s = str_arg(args, k);
    *out = 0;
    if (!s)
        return 0;
    if (cdr_parse_time(s, strlen(s), out) < 0) {
        snprintf(err, en, "%s: \"%.40s\" is not a date or date-time (use 2026-03-01 or 2026-03-01T09:00:00Z)", k, s);
        return -1;
    }
    if (end_of_day && strlen(s) == 10)
        *out += 86400000LL;
    return 0;
}

typedef struct common {
    cdr_filter f;
    cdr_import_opts io;
    char *path;   /* resolved file, or NULL = the store */
    char err[700];
} common;

static int parse_common(mcp_call *call, const json_t *args, common *c)
{
    const cdr_family *fam = mcp_call_data(call);
    memset(c, 0, sizeof *c);
    cdr_filter_init(&c->f);
    cdr_import_opts_init(&c->io);
    const char *country = str_arg(args, "country");
    c->io.country = fam->country;
    if (country && !(c->io.country = sb_phone_country_find(country))) {
        snprintf(c->err, sizeof c->err, "country \"%.20s\" is not known: use an ISO code (GB, US, DE) or a calling code (44)", country);
        return -1;
    }
    c->f.country = c->io.country;
    const char *dialect = str_arg(args, "dialect");
    if (dialect) {
        int d = cdr_dialect_parse(dialect);
        if (d < 0) {
            snprintf(c->err, sizeof c->err, "unknown dialect \"%.40s\"", dialect);
            return -1;
        }
        c->io.dialect = (cdr_dialect)d;
    }
    c->io.mapping = str_arg(args, "mapping");
    if (time_arg(args, "from", false, &c->f.from_ms, c->err, sizeof c->err) < 0 ||
        time_arg(args, "to", true, &c->f.to_ms, c->err, sizeof c->err) < 0)
        return -1;
    json_t *days = json_object_get(args, "days");
    if (json_is_number(days) && !c->f.from_ms) {
        int64_t now = (int64_t)time(NULL) * 1000;
        c->f.from_ms = now - (int64_t)(json_number_value(days) * 86400000.0);
    }
    c->f.customer = str_arg(args, "customer");
    c->f.carrier = str_arg(args, "carrier");
    c->f.prefix = str_arg(args, "prefix");
    c->f.callee = str_arg(args, "callee");
    const char *dir = str_arg(args, "direction");
    if (dir) {
        int d = cdr_direction_parse(dir, strlen(dir));
        if (d >= 0)
            c->f.direction_mask = 1u << d;
    }
    json_t *code = json_object_get(args, "sip_code");
    if (json_is_integer(code))
        c->f.sip_code = (int)json_integer_value(code);
    json_t *ans = json_object_get(args, "answered");
    if (json_is_boolean(ans))
        c->f.answered = json_is_true(ans) ? 1 : 0;
    const char *path = str_arg(args, "path");
    if (path && !(c->path = tools_datadirs_resolve(&fam->data, path, c->err, sizeof c->err)))
        return -1;
    return 0;
}

static void progress_cb(void *ud, uint64_t done, uint64_t total, uint64_t rows)
{
    char msg[64];
    snprintf(msg, sizeof msg, "%llu rows read", (unsigned long long)rows);
    mcp_call_progress(ud, (double)done, (double)total, msg);
}

static cdr_store *open_store(mcp_call *call)
{
    const cdr_family *fam = mcp_call_data(call);
    char err[512];
    cdr_store *s = cdr_store_open(fam->store_path, err, sizeof err);
    if (!s)
        mcp_call_error(call, "%s", err);
    return s;
}

/* Store scans check for cancellation every 64k rows and report progress in rows. */
typedef struct scan_ctx {
    mcp_call *call;
    cdr_sink sink;
    uint64_t rows;
} scan_ctx;

static int scan_row(void *ud, const cdr_record *r)
{
    scan_ctx *sc = ud;
    if ((++sc->rows & 0xFFFF) == 0) {
        if (mcp_call_cancelled(sc->call))
            return 1;
        mcp_call_progress(sc->call, (double)sc->rows, 0, "stored rows read");
    }
    return sc->sink.row(sc->sink.ud, r);
}

/* Feeds the file (streaming) or the store to sink; an isError result on failure. */
static int feed(mcp_call *call, common *c, cdr_sink sink, json_t **import_stats)
{
    if (c->path) {
        c->io.cancel = mcp_call_cancel_flag(call);
        c->io.progress = progress_cb;
        c->io.progress_ud = call;
        cdr_import_stats st;
        int rc = cdr_import_file(c->path, &c->io, sink, &st);
        if (rc < 0) {
            mcp_call_error(call, "reading %s: %s", c->path, st.error);
            cdr_import_stats_free(&st);
            return -1;
        }
        *import_stats = cdr_import_stats_json(&st);
        cdr_import_stats_free(&st);
        return 0;
    }
    cdr_store *s = open_store(call);
    if (!s)
        return -1;
    scan_ctx sc = {call, sink, 0};
    int rc = cdr_store_scan(s, &c->f, (cdr_sink){scan_row, &sc});
    if (rc < 0)
        mcp_call_error(call, "reading the store %s failed", cdr_store_path(s));
    else if (rc == 1 && mcp_call_cancelled(call))
        mcp_call_error(call, "cancelled after %llu stored rows", (unsigned long long)sc.rows), rc = -1;
    else
        *import_stats = json_pack("{ss}", "store", cdr_store_path(s));
    cdr_store_close(s);
    return rc < 0 ? -1 : 0;
}

/* ---- import_cdrs ------------------------------------------------------------------------------ */

static void import_cdrs(mcp_call *call, const json_t *args)
{
    common c;
    if (parse_common(call, args, &c) < 0 || !c.path) {
        mcp_call_error(call, "%s", c.err[0] ? c.err : "path is required");
        goto out;
    }
    cdr_store *s = open_store(call);
    if (!s)
        goto out;
    c.io.cancel = mcp_call_cancel_flag(call);
    c.io.progress = progress_cb;
    c.io.progress_ud = call;
    cdr_import_stats st;
    uint64_t added = 0;
    int rc = cdr_store_import_file(s, c.path, &c.io, &st, &added);
    if (rc < 0) {
        mcp_call_error(call, "import of %s failed, the store is unchanged: %s", c.path, st.error);
    } else {
        json_t *o = cdr_import_stats_json(&st);
        json_object_set_new(o, "file", json_string(c.path));
        json_object_set_new(o, "store", json_string(cdr_store_path(s)));
        json_object_set_new(o, "added", json_integer((json_int_t)added));
        json_object_set_new(o, "already_stored", json_integer((json_int_t)(st.rows_ok - added)));
        json_t *keep = json_object_get(args, "retain_days");
        if (json_is_number(keep)) {
            int64_t cutoff = (int64_t)time(NULL) * 1000 - (int64_t)(json_number_value(keep) * 86400000.0);
            json_object_set_new(o, "purged", json_integer(cdr_store_purge_before(s, cutoff)));
        }
        json_object_set_new(o, "stored_total", json_integer(cdr_store_count(s)));
        mcp_call_text(call, "Imported %s (%s): %llu rows read, %llu new, %llu already stored, %llu bad rows.",
                      c.path, cdr_dialect_name(st.dialect), (unsigned long long)st.rows_ok,
                      (unsigned long long)added, (unsigned long long)(st.rows_ok - added),
                      (unsigned long long)st.rows_bad);
        mcp_call_structured(call, o);
    }
    cdr_import_stats_free(&st);
    cdr_store_close(s);
out:
    free(c.path);
}

/* ---- cdr_report --------------------------------------------------------------------------------- */

static void cdr_report_tool(mcp_call *call, const json_t *args)
{
    common c;
    cdr_report *rep = NULL;
    if (parse_common(call, args, &c) < 0) {
        mcp_call_error(call, "%s", c.err);
        goto out;
    }
    cdr_report_opts ro = {0};
    json_t *top = json_object_get(args, "top");
    if (json_is_integer(top))
        ro.top_n = (unsigned)json_integer_value(top);
    rep = cdr_report_new(&c.f, &ro);
    if (!rep) {
        mcp_call_error(call, "out of memory");
        goto out;
    }
    json_t *src = NULL;
    if (feed(call, &c, (cdr_sink){cdr_report_sink_row, rep}, &src) < 0)
        goto out;
    json_t *o = cdr_report_json(rep);
    json_object_set_new(o, "source", src);
    sb_buf b;
    sb_buf_init(&b, 1 << 20);
    if (cdr_report_text(rep, &b) == 0)
        mcp_call_text(call, "%s", b.data);
    sb_buf_reset(&b);
    if (cdr_report_mermaid(rep, &b) == 0 && b.len) {
        json_object_set_new(o, "mermaid", json_string(b.data));
        mcp_call_text(call, "%s", b.data);
    }
    sb_buf_free(&b);
    mcp_call_structured(call, o);
out:
    cdr_report_free(rep);
    free(c.path);
}

/* ---- find_cdr_anomalies ------------------------------------------------------------------------- */

static char **str_list(const json_t *a, size_t *n)
{
    *n = 0;
    if (!json_is_array(a))
        return NULL;
    char **l = calloc(json_array_size(a) + 1, sizeof *l);
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
        if (l && json_is_string(x))
            l[(*n)++] = (char *)json_string_value(x);
    return l;
}

static void get_uint(const json_t *args, const char *k, unsigned *v)
{
    json_t *x = json_object_get(args, k);
    if (json_is_integer(x) && json_integer_value(x) >= 0)
        *v = (unsigned)json_integer_value(x);
}

static void get_num(const json_t *args, const char *k, double *v)
{
    json_t *x = json_object_get(args, k);
    if (json_is_number(x))
        *v = json_number_value(x);
}

static void find_anomalies(mcp_call *call, const json_t *args)
{
    common c;
    cdr_detector *d = NULL;
    char **hc = NULL, **tech = NULL;
    if (parse_common(call, args, &c) < 0) {
        mcp_call_error(call, "%s", c.err);
        goto out;
    }
    cdr_thresholds t;
    cdr_thresholds_default(&t);
    static const char *const uints[] = {"zero_repeat_min", "zero_repeat_window_s", "gap_min_attempts",
                                        "burst_min", "burst_window_s", "short_min_answered", "short_call_s",
                                        "fas_min_attempts", "hc_min_calls", "hc_min_distinct", "hc_window_s",
                                        "round_min_s", "round_min_count", "max_evidence", "prefix_digits"};
    unsigned *uptr[] = {&t.zero_repeat_min, &t.zero_repeat_window_s, &t.gap_min_attempts, &t.burst_min,
                        &t.burst_window_s, &t.short_min_answered, &t.short_call_s, &t.fas_min_attempts,
                        &t.hc_min_calls, &t.hc_min_distinct, &t.hc_window_s, &t.round_min_s,
                        &t.round_min_count, &t.max_evidence, &t.prefix_digits};
    for (size_t i = 0; i < sizeof uints / sizeof uints[0]; i++)
        get_uint(args, uints[i], uptr[i]);
    get_num(args, "gap_min_share", &t.gap_min_share);
    get_num(args, "short_share", &t.short_share);
    get_num(args, "fas_min_asr", &t.fas_min_asr);
    get_num(args, "fas_max_acd_s", &t.fas_max_acd_s);
    get_num(args, "round_min_share", &t.round_min_share);
    size_t nh, nt;
    hc = str_list(json_object_get(args, "high_cost_prefixes"), &nh);
    tech = str_list(json_object_get(args, "tech_prefixes"), &nt);
    if (hc && nh)
        t.high_cost_prefixes = (const char *const *)hc;
    if (tech && nt)
        t.tech_prefixes = (const char *const *)tech;
    const json_t *kinds = json_object_get(args, "kinds");
    size_t i;
    json_t *k;
    json_array_foreach(kinds, i, k) {
        int kind = cdr_finding_kind_parse(json_string_value(k));
        if (kind >= 0)
            t.enabled_mask |= 1u << kind;
    }
    d = cdr_detector_new(&t, &c.f);
    if (!d) {
        mcp_call_error(call, "out of memory");
        goto out;
    }
    json_t *src = NULL;
    if (feed(call, &c, (cdr_sink){cdr_detector_sink_row, d}, &src) < 0)
        goto out;
    json_t *o = cdr_detector_json(d);
    json_object_set_new(o, "source", src);
    size_t n;
    const cdr_finding *fs = cdr_detector_finish(d, &n);
    mcp_call_text(call, "%zu finding%s over %lld rows.", n, n == 1 ? "" : "s",
                  (long long)json_integer_value(json_object_get(o, "rows_seen")));
    for (size_t j = 0; j < n && j < 20; j++)
        mcp_call_text(call, "[%s] %s: %s", fs[j].severity, cdr_finding_kind_name(fs[j].kind), fs[j].summary);
    mcp_call_structured(call, o);
out:
    cdr_detector_free(d);
    free(hc);
    free(tech);
    free(c.path);
}

/* ---- search_cdrs ---------------------------------------------------------------------------------- */

static const char *row_str(const json_t *row, const char *key)
{
    const char *v = json_string_value(json_object_get(row, key));
    return v && *v ? v : "-";
}

/* The page as text too: one line per CDR, so a client that shows the model only text content
 * gives it the same rows as structuredContent. */
static void search_text(mcp_call *call, const json_t *page, json_int_t total, json_int_t off, size_t got)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    fprintf(f, "%lld matching CDRs; rows %lld..%lld shown%s.\n", (long long)total,
            (long long)(got ? off + 1 : 0), (long long)(off + (json_int_t)got),
            json_is_true(json_object_get(page, "hasMore")) ? " (more: use nextOffset)" : "");
    const json_t *rows = json_object_get(page, "rows");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        const json_t *r = json_array_get(rows, i);
        fprintf(f, "- %s %s -> %s %s", row_str(r, "start"), row_str(r, "caller"), row_str(r, "callee"),
                row_str(r, "disposition"));
        if (json_integer_value(json_object_get(r, "sip_code")))
            fprintf(f, " %lld", (long long)json_integer_value(json_object_get(r, "sip_code")));
        if (json_integer_value(json_object_get(r, "q850")))
            fprintf(f, " (Q.850 %lld)", (long long)json_integer_value(json_object_get(r, "q850")));
        fprintf(f, ", %lld s billed, customer %s, carrier %s, Call-ID %s\n",
                (long long)json_integer_value(json_object_get(r, "billsec_s")), row_str(r, "customer"),
                row_str(r, "carrier"), row_str(r, "call_id"));
    }
    fclose(f);
    mcp_call_text(call, "%s", text);
    free(text);
}

static void search_cdrs(mcp_call *call, const json_t *args)
{
    common c;
    if (parse_common(call, args, &c) < 0) {
        mcp_call_error(call, "%s", c.err);
        goto out;
    }
    cdr_store *s = open_store(call);
    if (!s)
        goto out;
    json_int_t off = json_integer_value(json_object_get(args, "offset"));
    json_int_t lim = json_integer_value(json_object_get(args, "limit"));
    json_t *page = cdr_store_search(s, &c.f, off > 0 ? (uint64_t)off : 0, lim > 0 ? (unsigned)lim : 50);
    if (!page) {
        mcp_call_error(call, "searching the store %s failed", cdr_store_path(s));
    } else {
        json_object_set_new(page, "store", json_string(cdr_store_path(s)));
        json_int_t total = json_integer_value(json_object_get(page, "total"));
        size_t got = json_array_size(json_object_get(page, "rows"));
        if (json_is_true(json_object_get(page, "hasMore")))
            json_object_set_new(page, "nextOffset", json_integer(off + (json_int_t)got));
        search_text(call, page, total, off, got);
        mcp_call_structured(call, page);
    }
    cdr_store_close(s);
out:
    free(c.path);
}

/* ---- the table -------------------------------------------------------------------------------------- */

static const char *const dialects[] = {"auto", "asterisk", "freeswitch", "3cx", "connexcs", "connexcs-json", "generic", NULL};
static const char *const directions[] = {"inbound", "outbound", "internal", "unknown", NULL};

#define P_COUNTRY {.name = "country", .type = MCP_T_STRING, .max_length = 4, \
                   .description = "default country for numbers without one: ISO code (GB, US, DE) or calling code (44); default SB_DEFAULT_COUNTRY"}
#define P_FILE(req, what) {.name = "path", .type = MCP_T_STRING, .required = req, .max_length = 4096, .description = what}
#define P_DIALECT {.name = "dialect", .type = MCP_T_STRING, .enum_values = dialects, \
                   .description = "file format; auto detects it from the header or first row"}
#define P_MAPPING {.name = "mapping", .type = MCP_T_STRING, .max_length = 1024, \
                   .description = "generic CSV columns, e.g. \"start=calldate,callee=dst,billsec=7\" (names or 1-based numbers)"}
#define P_FILTERS                                                                                              \
    {.name = "from", .type = MCP_T_STRING, .max_length = 40, .description = "start time from (date or ISO date-time, UTC)"}, \
    {.name = "to", .type = MCP_T_STRING, .max_length = 40, .description = "start time before (a date means through that day)"}, \
    {.name = "days", .type = MCP_T_NUMBER, .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(3660),           \
     .description = "the last N days up to now (when from is not given), e.g. 30"},                        \
    {.name = "customer", .type = MCP_T_STRING, .max_length = 128, .description = "only this customer / account"}, \
    {.name = "carrier", .type = MCP_T_STRING, .max_length = 128, .description = "only this carrier / trunk"},     \
    {.name = "prefix", .type = MCP_T_STRING, .max_length = 16, .pattern = "^\\+?[0-9]{1,15}$",               \
     .description = "only callees whose E.164 number (or rate-card prefix) starts with this"},              \
    {.name = "direction", .type = MCP_T_STRING, .enum_values = directions, .description = "only this direction"}

static const mcp_param import_params[] = {
    P_FILE(true, "the CDR file (CSV or ConnexCS JSON) under the allowed data directories"),
    P_DIALECT, P_MAPPING, P_COUNTRY,
    {.name = "retain_days", .type = MCP_T_NUMBER, .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(36600),
     .description = "after importing, delete stored calls that started more than this many days ago"},
    {0},
};

static const mcp_param report_params[] = {
    P_FILE(false, "a CDR file to report on directly (streamed, not imported); omit to use the store"),
    P_DIALECT, P_MAPPING, P_COUNTRY, P_FILTERS,
    {.name = "top", .type = MCP_T_INTEGER, .default_json = "10", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(100),
     .description = "rows in each top list and breakdown"},
    {0},
};

static const mcp_param anomaly_params[] = {
    P_FILE(false, "a CDR file to scan directly; omit to use the store"),
    P_DIALECT, P_MAPPING, P_COUNTRY, P_FILTERS,
    {.name = "kinds", .type = MCP_T_ARRAY, .items = MCP_T_STRING, .max_items = 8,
     .schema_json = "{\"type\":\"array\",\"maxItems\":8,\"items\":{\"type\":\"string\",\"enum\":[\"zero_repeat\",\"routing_gap\","
                    "\"prefix_dup\",\"burst_503\",\"short_calls\",\"fas\",\"high_cost_burst\",\"round_duration\"]},"
                    "\"description\":\"detectors to run (default all)\"}"},
    {.name = "zero_repeat_min", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(2), .maximum = MCP_BOUND(8),
     .description = "zero-duration calls to one number that make a repeat (default 3)"},
    {.name = "zero_repeat_window_s", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(86400),
     .description = "within this many seconds (default 600)"},
    {.name = "gap_min_attempts", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "routing gap: attempts per prefix (default 5)"},
    {.name = "gap_min_share", .type = MCP_T_NUMBER, .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(1),
     .description = "routing gap: share of no-route failures (default 0.8)"},
    {.name = "prefix_digits", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(15),
     .description = "prefix length when the CDR has no rate-card prefix (default 4)"},
    {.name = "tech_prefixes", .type = MCP_T_ARRAY, .items = MCP_T_STRING, .max_items = 64,
     .description = "tech prefixes whose doubling to flag (e.g. [\"1010\"])"},
    {.name = "burst_min", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(2), .maximum = MCP_BOUND(16),
     .description = "503/congestion failures per carrier that make a burst (default 10)"},
    {.name = "burst_window_s", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "within this many seconds (default 60)"},
    {.name = "short_min_answered", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "short calls: answered calls per carrier (default 20)"},
    {.name = "short_call_s", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(0), .description = "a short call lasts at most this (default 6)"},
    {.name = "short_share", .type = MCP_T_NUMBER, .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(1), .description = "share of short calls to flag (default 0.5)"},
    {.name = "fas_min_attempts", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "FAS: attempts per carrier (default 20)"},
    {.name = "fas_min_asr", .type = MCP_T_NUMBER, .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(100), .description = "FAS: ASR at least, percent (default 80)"},
    {.name = "fas_max_acd_s", .type = MCP_T_NUMBER, .minimum = MCP_BOUND(0), .description = "FAS: ACD at most, seconds (default 15)"},
    {.name = "high_cost_prefixes", .type = MCP_T_ARRAY, .items = MCP_T_STRING, .max_items = 256,
     .description = "E.164 prefixes of high-cost ranges (default: satellite, international networks, premium islands)"},
    {.name = "hc_min_calls", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(16), .description = "high-cost burst: calls (default 10)"},
    {.name = "hc_min_distinct", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(16), .description = "or this many distinct numbers (default 5)"},
    {.name = "hc_window_s", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "high-cost burst window, seconds (default 3600)"},
    {.name = "round_min_s", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "round endings: billsec at least (default 60)"},
    {.name = "round_min_count", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "calls ending at the same second (default 10)"},
    {.name = "round_min_share", .type = MCP_T_NUMBER, .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(1),
     .description = "share of the carrier's answered calls (default 0.2)"},
    {.name = "max_evidence", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(100), .description = "evidence rows per finding (default 10)"},
    {0},
};

static const mcp_param search_params[] = {
    P_COUNTRY, P_FILTERS,
    {.name = "callee", .type = MCP_T_STRING, .max_length = 64, .description = "calls to this number (any written form)"},
    {.name = "answered", .type = MCP_T_BOOLEAN, .description = "only answered (true) or unanswered (false) calls"},
    {.name = "sip_code", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(100), .maximum = MCP_BOUND(699), .description = "only this final SIP code"},
    {.name = "limit", .type = MCP_T_INTEGER, .default_json = "50", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(500), .description = "rows per page"},
    {.name = "offset", .type = MCP_T_INTEGER, .default_json = "0", .minimum = MCP_BOUND(0), .description = "rows to skip"},
    {0},
};

static const char import_schema[] =
    "{\"type\":\"object\",\"required\":[\"dialect\",\"rows_ok\",\"rows_bad\",\"bad_rows\",\"added\",\"store\"],"
    "\"properties\":{\"dialect\":{\"type\":\"string\"},\"rows_ok\":{\"type\":\"integer\"},\"rows_bad\":{\"type\":\"integer\"},"
    "\"bad_rows\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"line\",\"reason\"]}},"
    "\"added\":{\"type\":\"integer\"},\"already_stored\":{\"type\":\"integer\"},\"store\":{\"type\":\"string\"},"
    "\"stored_total\":{\"type\":\"integer\"},\"purged\":{\"type\":\"integer\"}}}";

static const char report_schema[] =
    "{\"type\":\"object\",\"required\":[\"summary\",\"money\",\"top_customers\",\"top_destinations\",\"failures\",\"daily\"],"
    "\"properties\":{\"summary\":{\"type\":\"object\",\"required\":[\"attempts\",\"answered\",\"asr\",\"ner\",\"acd_s\","
    "\"aloc_s\",\"pdd_median_ms\",\"pdd_p95_ms\",\"talk_minutes\",\"active_customers\"]},\"money\":{\"type\":\"array\"},"
    "\"top_customers\":{\"type\":\"array\"},\"top_destinations\":{\"type\":\"array\"},\"carriers\":{\"type\":\"array\"},"
    "\"failures\":{\"type\":\"object\",\"required\":[\"by_sip_code\",\"by_cause\",\"by_prefix\",\"by_carrier\"]},"
    "\"daily\":{\"type\":\"array\"},\"mermaid\":{\"type\":\"string\"},\"truncated\":{\"type\":\"boolean\"},"
    "\"source\":{\"type\":\"object\"}}}";

static const char anomaly_schema[] =
    "{\"type\":\"object\",\"required\":[\"rows_seen\",\"findings\",\"counts_by_kind\",\"thresholds\"],"
    "\"properties\":{\"rows_seen\":{\"type\":\"integer\"},\"findings\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"required\":[\"kind\",\"severity\",\"key\",\"summary\",\"count\",\"evidence\"],\"properties\":{\"kind\":{\"type\":\"string\"},"
    "\"severity\":{\"type\":\"string\",\"enum\":[\"info\",\"warning\",\"critical\"]},\"key\":{\"type\":\"string\"},"
    "\"summary\":{\"type\":\"string\"},\"count\":{\"type\":\"integer\"},\"metric\":{\"type\":\"number\"},"
    "\"evidence\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}},\"counts_by_kind\":{\"type\":\"object\"},"
    "\"thresholds\":{\"type\":\"object\"},\"truncated\":{\"type\":\"boolean\"},\"source\":{\"type\":\"object\"}}}";

static const char search_schema[] =
    "{\"type\":\"object\",\"required\":[\"total\",\"offset\",\"limit\",\"hasMore\",\"rows\"],\"properties\":{"
    "\"total\":{\"type\":\"integer\"},\"offset\":{\"type\":\"integer\"},\"limit\":{\"type\":\"integer\"},"
    "\"hasMore\":{\"type\":\"boolean\"},\"nextOffset\":{\"type\":\"integer\"},\"store\":{\"type\":\"string\"},"
    "\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"start\",\"disposition\"]}}}}";

static const mcp_tool_def cdr_tools[] = {
    {.name = "import_cdrs", .title = "Import CDRs into the store",
     .description = "Imports a CDR file (Asterisk Master.csv, FreeSWITCH cdr_csv, 3CX call log CSV, ConnexCS "
                    "CDR CSV or JSON, or any CSV with a column mapping) from the allowed data directories into the "
                    "local CDR store. Idempotent (re-importing adds nothing) and all-or-nothing; bad rows are "
                    "counted with their line numbers while the good rows load.",
     .params = import_params, .annotations = MCP_ANN_IDEMPOTENT, .output_schema = import_schema,
     .handler = import_cdrs},
    {.name = "cdr_report", .title = "CDR period report",
     .description = "KPIs for a period from a CDR file (streamed) or the store: attempts, answered, ASR, NER, ACD, "
                    "ALOC, PDD median/p95, talk minutes, revenue/cost/margin per currency, active customers, top "
                    "customers and destinations, failures by SIP code, cause, prefix and carrier, a per-day series, "
                    "and Mermaid charts. Filters: time (from/to or the last N days), customer, carrier, prefix, direction.",
     .params = report_params, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT,
     .output_schema = report_schema, .handler = cdr_report_tool},
    {.name = "find_cdr_anomalies", .title = "Find CDR anomalies",
     .description = "Scans CDRs (a file or the store) for repeated zero-duration calls, routing gaps (prefixes "
                    "failing with no route), doubled dial prefixes, 503 bursts, short calls and false answer "
                    "supervision per carrier, bursts to high-cost ranges (fraud), and calls ending at the same "
                    "round duration (trunk timers). Thresholds are parameters; each finding has evidence rows.",
     .params = anomaly_params, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT,
     .output_schema = anomaly_schema, .handler = find_anomalies},
    {.name = "search_cdrs", .title = "Search stored CDRs",
     .description = "Stored CDRs matching filters (time, customer, carrier, prefix, callee in any written form, "
                    "direction, answered, SIP code), newest first, paginated with total and hasMore.",
     .params = search_params, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT,
     .output_schema = search_schema, .handler = search_cdrs},
    {0},
};

static void family_free(void *p)
{
    cdr_family *f = p;
    tools_datadirs_free(&f->data);
    free(f->store_path);
    free(f);
}

int cdr_tools_register(mcp_registry *reg, const sb_options *opt)
{
    cdr_family *f = calloc(1, sizeof *f);
    if (!f || tools_datadirs_init(&f->data, opt) < 0) {
        free(f);
        return -1;
    }
    if (opt && opt->store_path)
        f->store_path = strdup(opt->store_path);
    const char *cc = getenv("SB_DEFAULT_COUNTRY");
    if (cc && *cc && !(f->country = sb_phone_country_find(cc)))
        sb_log(SB_LOG_WARNING, "cdr", "SB_DEFAULT_COUNTRY=%s is not a known country; numbers stay as dialled", cc);
    if (mcp_registry_add_table(reg, cdr_tools, f) < 0) {
        family_free(f);
        return -1;
    }
    mcp_registry_set_family_free(reg, f, family_free);
    mcp_registry_add_hint(reg, "CDR files and the CDR store",
                          "load a CDR file -> import_cdrs; ASR/ACD/revenue/failures for a period -> cdr_report; "
                          "fraud, routing gaps, 503 bursts, FAS, redial storms -> find_cdr_anomalies; "
                          "look up calls to a number or customer -> search_cdrs");
    return 0;
}
