/* 3CX call history: get_call_history over ReportCallLogData/Pbx.GetCallLogData.
 *
 * The period is a local-day window in an IANA zone built with util/tz (23 or 25 hours long on
 * DST change days), sent as bare UTC date-times. Segment rows are grouped into calls by
 * MainCallHistoryId, so a queue call answered on its third segment counts as answered, not
 * missed. Filters by extension (also the "Ext.101" caller-id form) and queue; newest first;
 * says when the scan limit or the PBX's report row cap (REPORT_ROW_LIMIT) cut the period. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tools/tcx_tools.h"
#include "util/buf.h"

#define CALL_PAGE 500

/* ISO 8601 duration ("PT1M16.46S", "P5DT13H43M24.96S") in seconds; 0 when unreadable. */
static double iso_duration(const char *s)
{
    if (!s || *s != 'P')
        return 0;
    double total = 0, num = 0, frac = 0, scale = 0;
    bool in_time = false, have = false;
    for (const char *p = s + 1; *p; p++) {
        if (*p == 'T') {
            in_time = true;
        } else if (isdigit((unsigned char)*p)) {
            if (scale > 0) {
                frac += (*p - '0') * scale;
                scale /= 10;
            } else {
                num = num * 10 + (*p - '0');
            }
            have = true;
            if (num > 1e9)
                return 0;
        } else if (*p == '.' || *p == ',') {
            scale = 0.1;
        } else if (have) {
            double v = num + frac;
            switch (*p) {
            case 'D': total += v * 86400; break;
            case 'H': total += v * 3600; break;
            case 'M': total += in_time ? v * 60 : v * 30 * 86400; break;
            case 'S': total += v; break;
            case 'W': total += v * 7 * 86400; break;
            case 'Y': total += v * 365 * 86400; break;
            default: return 0;
            }
            num = frac = scale = 0;
            have = false;
        } else {
            return 0;
        }
    }
    return total;
}

/* ---- the period ------------------------------------------------------------------------ */

typedef struct period {
    int64_t from, to; /* inclusive UTC seconds */
    char date[11];    /* local date of "today"/date, or "" */
    const char *scope;
} period;

static int make_period(const sb_tz *tz, int64_t now, const char *scope, const char *date, period *p, char *err,
                       size_t errsz)
{
    int64_t s, e;
    int y, m, d;
    p->scope = scope;
    p->date[0] = 0;
    if (strcmp(scope, "last_24_hours") == 0) {
        p->from = now - 86400;
        p->to = now;
        return 0;
    }
    if (strcmp(scope, "date") == 0) {
        if (!date || sb_parse_date(date, &y, &m, &d) < 0) {
            snprintf(err, errsz, "scope 'date' needs date as YYYY-MM-DD (a real calendar day).");
            return -1;
        }
    } else {
        sb_tz_local_date(tz, now, &y, &m, &d);
    }
    snprintf(p->date, sizeof p->date, "%04u-%02u-%02u", (unsigned)y % 10000, (unsigned)m % 13, (unsigned)d % 32);
    if (sb_tz_day_window(tz, y, m, d, &s, &e) < 0 || e <= s) {
        snprintf(err, errsz, "%s does not exist in %s (the zone skipped that day)", p->date, sb_tz_name(tz));
        return -1;
    }
    if (strcmp(scope, "all_recent") == 0) {
        int64_t s3, e3;
        int yy, mm, dd;
        sb_civil_from_days(sb_days_from_civil(y, (unsigned)m, (unsigned)d) - 3, &yy, &mm, &dd);
        if (sb_tz_day_window(tz, yy, mm, dd, &s3, &e3) == 0)
            s = s3;
    }
    p->from = s;
    p->to = e - 1;
    return 0;
}

/* ---- fetching and grouping ------------------------------------------------------------- */

static char *call_log_path(const period *p)
{
    char f[21], t[21];
    sb_format_utc(p->from, f);
    sb_format_utc(p->to, t);
    char *s = malloc(512);
    if (s)
        snprintf(s, 512,
                 "ReportCallLogData/Pbx.GetCallLogData(periodFrom=%s,periodTo=%s,sourceType=0,sourceFilter='',"
                 "destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,"
                 "callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)", f, t);
    return s;
}

static const char *const slim_fields[] = {
    "CdrId", "CallHistoryId", "MainCallHistoryId", "CallId", "StartTime", "SourceDn", "SourceCallerId",
    "SourceDisplayName", "DestinationDn", "DestinationCallerId", "DestinationDisplayName", "ActionDnDn", "actionDnDn",
    "Answered", "Status", "Direction", "TalkingDuration", "RingingDuration", NULL};

/* Fetches up to limit segment rows, newest first (the PBX's default order); full = keep every
 * field (includeSegments), else only the fields the summaries use. */
/* One page of the call log. $count=true is asked for so the cap and the scan limit can be
 * stated; a PBX that refuses it (400) is asked again without it, once per call. */
static bool fetch_page(tcx_ctx *c, const char *path, long top, long skip, bool *use_count, json_t **v, long *cnt)
{
    for (;;) {
        tcx_url u;
        tcx_url_init(&u, path);
        tcx_url_opt_int(&u, "$top", top);
        tcx_url_opt_int(&u, "$skip", skip);
        if (*use_count)
            tcx_url_opt(&u, "$count", "true");
        char *url = tcx_url_done(&u);
        tcx_error e;
        int rc = url ? tcx_get_collection(c->pbx, url, c->cancel, v, cnt, &e) : -1;
        free(url);
        if (rc == 0)
            return true;
        if (url && e.kind == TCX_E_BAD_REQUEST && *use_count) {
            *use_count = false;
            continue;
        }
        if (url)
            tcx_fail(c, &e);
        else
            tcx_failf(c, "out of memory");
        return false;
    }
}

static bool fetch_segments(tcx_ctx *c, const period *p, long limit, bool full, json_t *rows, long *total)
{
    char *path = call_log_path(p);
    if (!path) {
        tcx_failf(c, "out of memory");
        return false;
    }
    *total = -1;
    bool ok = true, use_count = true;
    long page = c->cfg->page_size > 0 ? c->cfg->page_size : CALL_PAGE;
    for (long skip = 0; skip < limit; skip += page) {
        long want = limit - skip < page ? limit - skip : page, cnt;
        json_t *v;
        if (!(ok = fetch_page(c, path, want, skip, &use_count, &v, &cnt)))
            break;
        if (cnt >= 0)
            *total = cnt;
        if (full) {
            json_array_extend(rows, v);
        } else { /* keep only what grouping and summaries read: bounded memory on big days */
            size_t i;
            json_t *row;
            json_array_foreach(v, i, row) json_array_append_new(rows, tcx_pick(row, slim_fields));
        }
        size_t got = json_array_size(v);
        json_decref(v);
        if ((long)got < want || (*total >= 0 && skip + (long)got >= *total))
            break;
        mcp_call_progress(c->call, (double)(skip + (long)got), (double)(*total > 0 ? *total : 0), "reading call log");
    }
    free(path);
    return ok;
}

static void group_key(const json_t *row, char *out, size_t n)
{
    static const char *const keys[] = {"MainCallHistoryId", "CdrId", "CallHistoryId", NULL};
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(row, keys[i]);
        if (json_is_string(v) && *json_string_value(v)) {
            snprintf(out, n, "%s", json_string_value(v));
            return;
        }
        if (json_is_integer(v)) {
            snprintf(out, n, "%lld", (long long)json_integer_value(v));
            return;
        }
    }
    snprintf(out, n, "%lld-%s", (long long)json_integer_value(json_object_get(row, "CallId")),
             tcx_s(row, "StartTime"));
}

/* "Ext.101" / " ext. 101 " -> "101" (lower case, no spaces). */
static void norm_ext(const char *s, char *out, size_t n)
{
    size_t j = 0;
    for (; *s && j + 1 < n; s++)
        if (!isspace((unsigned char)*s))
            out[j++] = (char)tolower((unsigned char)*s);
    out[j] = 0;
    if (strncmp(out, "ext.", 4) == 0)
        memmove(out, out + 4, strlen(out + 4) + 1);
}

static bool seg_has_ext(const json_t *row, const char *want)
{
    static const char *const f[] = {"SourceDn", "DestinationDn", "SourceCallerId", "DestinationCallerId",
                                    "ActionDnDn", "actionDnDn", NULL};
    for (size_t i = 0; f[i]; i++) {
        char a[96];
        norm_ext(tcx_s(row, f[i]), a, sizeof a);
        if (*a && strcmp(a, want) == 0)
            return true;
    }
    return false;
}

static bool seg_has_queue(const json_t *row, const char *queue_dn)
{
    char dn[96];
    norm_ext(tcx_s(row, "DestinationDn"), dn, sizeof dn);
    return *dn && strcmp(dn, queue_dn) == 0;
}

static bool seg_answered(const json_t *row)
{
    return json_is_true(json_object_get(row, "Answered")) || strcmp(tcx_s(row, "Status"), "Answered") == 0;
}

static int64_t seg_time(const json_t *row)
{
    int64_t t;
    return sb_parse_iso_utc(tcx_s(row, "StartTime"), &t) == 0 ? t : 0;
}

typedef struct call_sum {
    json_t *obj;
    int64_t start;
} call_sum;

/* Summarises one call from its segments. */
static json_t *summarise(const char *key, json_t *segs, const sb_tz *tz, bool with_segments, int64_t *start)
{
    json_t *first = NULL, *ans = NULL;
    double talk = 0, ring = 0;
    size_t i;
    json_t *r;
    json_array_foreach(segs, i, r) {
        if (!first || seg_time(r) < seg_time(first))
            first = r;
        if (!ans && seg_answered(r))
            ans = r;
        talk += iso_duration(tcx_s(r, "TalkingDuration"));
        ring += iso_duration(tcx_s(r, "RingingDuration"));
    }
    *start = seg_time(first);
    char utc[21], local[26];
    sb_format_utc(*start, utc);
    sb_format_local(*start, sb_tz_offset(tz, *start), local);
    const char *from = *tcx_s(first, "SourceCallerId") ? tcx_s(first, "SourceCallerId") : tcx_s(first, "SourceDn");
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "callId", key, "startTime",
                          utc, "localStartTime", local, "status", ans ? "answered" : "missed", "direction",
                          tcx_s(ans ? ans : first, "Direction"), "from", from, "fromName",
                          tcx_s(first, "SourceDisplayName"), "to", tcx_s(first, "DestinationDn"), "toName",
                          tcx_s(first, "DestinationDisplayName"), "talkingSeconds", (int)(talk + 0.5),
                          "ringingSeconds", (int)(ring + 0.5), "segments", (int)json_array_size(segs));
    if (ans) {
        json_object_set_new(o, "answeredBy", json_string(tcx_s(ans, "DestinationDn")));
        json_object_set_new(o, "answeredByName", json_string(tcx_s(ans, "DestinationDisplayName")));
    }
    if (with_segments)
        json_object_set(o, "segmentRows", segs);
    return o;
}

static int cmp_calls(const void *a, const void *b)
{
    const call_sum *x = a, *y = b;
    return x->start > y->start ? -1 : x->start < y->start;
}

typedef struct hist_args {
    const char *ext, *queue;
    bool missed, with_segments;
    long top;
} hist_args;

/* Groups rows into calls, filters, sorts newest first. Returns the array of all matches. */
static json_t *build_calls(json_t *rows, const sb_tz *tz, const hist_args *h)
{
    json_t *groups = json_object(), *order = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        char key[160];
        group_key(r, key, sizeof key);
        json_t *g = json_object_get(groups, key);
        if (!g) {
            g = json_array();
            json_object_set_new(groups, key, g);
            json_array_append_new(order, json_string(key));
        }
        json_array_append(g, r);
    }
    char ext[96] = "", qdn[96] = "";
    if (h->ext)
        norm_ext(h->ext, ext, sizeof ext);
    if (h->queue)
        norm_ext(h->queue, qdn, sizeof qdn);
    size_t n = json_array_size(order);
    call_sum *cs = calloc(n ? n : 1, sizeof *cs);
    size_t m = 0;
    for (i = 0; cs && i < n; i++) {
        const char *key = json_string_value(json_array_get(order, i));
        json_t *segs = json_object_get(groups, key), *seg;
        bool ok_ext = !h->ext, ok_q = !h->queue, answered = false;
        size_t k;
        json_array_foreach(segs, k, seg) {
            ok_ext = ok_ext || seg_has_ext(seg, ext);
            ok_q = ok_q || seg_has_queue(seg, qdn);
            answered = answered || seg_answered(seg);
        }
        if (!ok_ext || !ok_q || (h->missed && answered))
            continue;
        cs[m].obj = summarise(key, segs, tz, h->with_segments, &cs[m].start);
        m++;
    }
    if (cs)
        qsort(cs, m, sizeof *cs, cmp_calls);
    json_t *out = json_array();
    for (i = 0; cs && i < m; i++)
        json_array_append_new(out, cs[i].obj);
    free(cs);
    json_decref(groups);
    json_decref(order);
    return out;
}

/* ---- the handler ----------------------------------------------------------------------- */

static void call_text(sb_buf *b, const json_t *k)
{
    long t = (long)json_integer_value(json_object_get(k, "talkingSeconds"));
    sb_buf_printf(b, "\n%.16s %s %s%s%s -> %s %s: %s", tcx_s(k, "localStartTime"), tcx_s(k, "direction"),
                  tcx_s(k, "from"), *tcx_s(k, "fromName") ? " " : "", tcx_s(k, "fromName"), tcx_s(k, "to"),
                  tcx_s(k, "toName"), tcx_s(k, "status"));
    if (*tcx_s(k, "answeredBy"))
        sb_buf_printf(b, " by %s %s, talk %ld:%02ld", tcx_s(k, "answeredBy"), tcx_s(k, "answeredByName"), t / 60, t % 60);
    if (json_integer_value(json_object_get(k, "segments")) > 1)
        sb_buf_printf(b, " (%lld segments)", (long long)json_integer_value(json_object_get(k, "segments")));
}

static void add_notes(json_t *notes, const period *p, long scanned, long total, long limit, long cap)
{
    char n[400];
    long hours = (long)((p->to + 1 - p->from) / 3600);
    if (p->date[0] && hours != 24 && strcmp(p->scope, "all_recent") != 0) {
        snprintf(n, sizeof n, "%s has %ld hours in this time zone (daylight-saving change)", p->date, hours);
        json_array_append_new(notes, json_string(n));
    }
    if (total >= cap || scanned >= cap) {
        snprintf(n, sizeof n, "the PBX caps report output at %ld rows (REPORT_ROW_LIMIT, Settings > Parameters, up "
                              "to 80000): this period holds at least that many segments, so older calls are missing; "
                              "ask for a shorter period", cap);
        json_array_append_new(notes, json_string(n));
    } else if (total > scanned || (total < 0 && scanned >= limit)) {
        snprintf(n, sizeof n, "only the newest %ld segments of the period were read (scanLimit); older calls are "
                              "not included", scanned);
        json_array_append_new(notes, json_string(n));
    }
}

static void h_get_call_history(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *scope = json_string_value(json_object_get(args, "scope"));
    const char *date = json_string_value(json_object_get(args, "date"));
    const char *zone = json_string_value(json_object_get(args, "timezone"));
    if (date && (!scope || strcmp(scope, "today") == 0))
        scope = "date";
    hist_args h = {.ext = json_string_value(json_object_get(args, "extension")),
                   .queue = json_string_value(json_object_get(args, "queue")),
                   .missed = json_is_true(json_object_get(args, "missedOnly")),
                   .with_segments = json_is_true(json_object_get(args, "includeSegments")),
                   .top = (long)json_integer_value(json_object_get(args, "top"))};
    long limit = (long)json_integer_value(json_object_get(args, "scanLimit"));
    char err[300];
    sb_tz *own = NULL;
    const sb_tz *tz = c.fam->tz[c.idx];
    if (zone && !(tz = own = sb_tz_open(zone, err, sizeof err))) {
        tcx_failf(&c, "timezone: %s", err);
        return;
    }
    period p;
    json_t *rows = json_array();
    long total;
    if (make_period(tz, tcx_now(&c), scope ? scope : "today", date, &p, err, sizeof err) < 0) {
        tcx_failf(&c, "%s", err);
        goto out;
    }
    char qnum[64];
    if (h.queue) {
        if (!tcx_queue_number(&c, h.queue, qnum, sizeof qnum))
            goto out;
        h.queue = qnum;
    }
    if (!fetch_segments(&c, &p, limit, h.with_segments, rows, &total))
        goto out;
    json_t *calls = build_calls(rows, tz, &h), *page = json_array(), *notes = json_array();
    size_t matched = json_array_size(calls), missed = 0;
    for (size_t i = 0; i < matched; i++) {
        json_t *k = json_array_get(calls, i);
        missed += strcmp(tcx_s(k, "status"), "missed") == 0;
        if ((long)i < h.top)
            json_array_append(page, k);
    }
    long scanned = (long)json_array_size(rows);
    long cap = c.cfg->report_row_limit > 0 ? c.cfg->report_row_limit : 20000;
    add_notes(notes, &p, scanned, total, limit, cap);
    char f[21], t[21];
    sb_format_utc(p.from, f);
    sb_format_utc(p.to, t);
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "scope", json_string(p.scope));
    json_object_set_new(out, "date", p.date[0] ? json_string(p.date) : json_null());
    json_object_set_new(out, "timezone", json_string(sb_tz_name(tz)));
    json_object_set_new(out, "window", json_pack("{s:s, s:s, s:f}", "periodFrom", f, "periodTo", t, "hours",
                                                 (double)(p.to + 1 - p.from) / 3600.0));
    json_object_set_new(out, "scannedSegments", json_integer(scanned));
    json_object_set_new(out, "totalSegments", total >= 0 ? json_integer(total) : json_null());
    json_object_set_new(out, "matchedCalls", json_integer((json_int_t)matched));
    json_object_set_new(out, "missedCalls", json_integer((json_int_t)missed));
    json_object_set_new(out, "returned", json_integer((json_int_t)json_array_size(page)));
    json_object_set_new(out, "hasMore", json_boolean(matched > json_array_size(page)));
    json_object_set_new(out, "rowCapReached", json_boolean(total >= cap || scanned >= cap));
    json_object_set_new(out, "notes", notes);
    json_object_set_new(out, "calls", page);
    sb_buf b;
    sb_buf_init(&b, 256 * 1024);
    char when[64];
    if (strcmp(p.scope, "last_24_hours") == 0)
        snprintf(when, sizeof when, "in the last 24 hours");
    else if (strcmp(p.scope, "all_recent") == 0)
        snprintf(when, sizeof when, "in the 4 local days up to %s", p.date);
    else
        snprintf(when, sizeof when, "on %s", p.date);
    sb_buf_printf(&b, "%zu call(s), %zu missed, %s (%s, %s to %s)%s", matched, missed, when, sb_tz_name(tz), f, t,
                  matched > json_array_size(page) ? "; newest shown first, raise top for more" : "");
    for (size_t i = 0; i < json_array_size(notes); i++)
        sb_buf_printf(&b, "\nNote: %s", json_string_value(json_array_get(notes, i)));
    for (size_t i = 0; i < json_array_size(page); i++)
        call_text(&b, json_array_get(page, i));
    tcx_finish(&c, out, "%s", b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(calls);
out:
    json_decref(rows);
    sb_tz_free(own);
}

static const char *const scopes[] = {"today", "date", "last_24_hours", "all_recent", NULL};
static const mcp_param p_hist[] = {
    {.name = "scope", .type = MCP_T_STRING, .enum_values = scopes, .default_json = "\"today\"",
     .description = "today (the local day), date (the local day given in date), last_24_hours, or all_recent (the "
                    "last 3 days and today)."},
    {.name = "date", .type = MCP_T_STRING, .format = "date", .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
     .description = "A local calendar day YYYY-MM-DD (implies scope=date)."},
    {.name = "timezone", .type = MCP_T_STRING, .max_length = 64,
     .description = "IANA time zone for the local day, e.g. Europe/Berlin (default: the PBX's TCX_TIMEZONE)."},
    {.name = "missedOnly", .type = MCP_T_BOOLEAN, .default_json = "false",
     .description = "Only calls no one answered (a queue call answered on a later segment is not missed)."},
    {.name = "extension", .type = MCP_T_STRING, .max_length = 64,
     .description = "Only calls to or from this extension (also matches the Ext.101 form)."},
    {.name = "queue", .type = MCP_T_STRING, .max_length = 100, .description = "Only calls through this queue (number, or a name resolved like get_queue_agents)."},
    {.name = "top", .type = MCP_T_INTEGER, .default_json = "20", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(200),
     .description = "Calls to return, newest first."},
    {.name = "includeSegments", .type = MCP_T_BOOLEAN, .default_json = "false",
     .description = "Also return each call's raw segment rows."},
    {.name = "scanLimit", .type = MCP_T_INTEGER, .default_json = "2000", .minimum = MCP_BOUND(1),
     .maximum = MCP_BOUND(20000), .description = "At most this many segment rows are read (newest first)."},
    {0}};

const mcp_tool_def tcx_call_tools[] = {
    {.name = "get_call_history", .title = "Call history",
     .description = "Calls of a local day (today, a date, the last 24 hours), grouped from their segments: who called "
                    "whom, answered or missed, by whom, talk time; filter by extension or queue, missedOnly=true for "
                    "missed calls. Needs the System Owner role on the PBX.",
     .params = p_hist, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX ",\"scope\":{\"type\":\"string\"},\"date\":"
                      "{\"type\":[\"string\",\"null\"]},\"timezone\":{\"type\":\"string\"},\"window\":{\"type\":\"object\","
                      "\"properties\":{\"periodFrom\":{\"type\":\"string\"},\"periodTo\":{\"type\":\"string\"},\"hours\":"
                      "{\"type\":\"number\"}},\"required\":[\"periodFrom\",\"periodTo\"]},\"scannedSegments\":{\"type\":"
                      "\"integer\"},\"totalSegments\":{\"type\":[\"integer\",\"null\"]},\"matchedCalls\":{\"type\":\"integer\"},"
                      "\"missedCalls\":{\"type\":\"integer\"},\"returned\":{\"type\":\"integer\"},\"hasMore\":{\"type\":"
                      "\"boolean\"},\"rowCapReached\":{\"type\":\"boolean\"},\"notes\":{\"type\":\"array\",\"items\":{\"type\":"
                      "\"string\"}},\"calls\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"status\":"
                      "{\"type\":\"string\",\"enum\":[\"answered\",\"missed\"]}},\"required\":[\"callId\",\"startTime\","
                      "\"status\"]}}},\"required\":[\"window\",\"calls\",\"matchedCalls\",\"returned\",\"hasMore\"]}",
     .handler = h_get_call_history},
    {0}};
