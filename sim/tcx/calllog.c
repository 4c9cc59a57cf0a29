/* GET /xapi/v1/ReportCallLogData/Pbx.GetCallLogData(periodFrom=…,…,hidePcalls=…): the V20
 * call-log report function (spec §3.5, §4.3 row 23). All eleven parameters are required
 * (a missing, repeated or unknown one is 404, as for an unmatched OData function); a wrongly
 * typed value (quoted date, bare string, bad number) is 500 as reported on real PBXs; an empty
 * callTimeFilterFrom/To is 400. Rows whose StartTime lies in [periodFrom, periodTo] are
 * selected, filtered by callsType and the source/destination filters, ordered newest first,
 * capped at REPORT_ROW_LIMIT, and then the OData options apply on top. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xapi.h"

enum { P_FROM, P_TO, P_STYPE, P_SFILTER, P_DTYPE, P_DFILTER, P_CALLS, P_TFTYPE, P_TFFROM, P_TFTO,
       P_HIDE, P_COUNT };

static const char *const pnames[P_COUNT] = {
    "periodFrom",        "periodTo",         "sourceType",         "sourceFilter",
    "destinationType",   "destinationFilter", "callsType",         "callTimeFilterType",
    "callTimeFilterFrom", "callTimeFilterTo", "hidePcalls"};

typedef struct cl_args {
    const char *v[P_COUNT];
    size_t n[P_COUNT];
    int64_t from, to;
    long long stype, dtype, calls, tftype;
    char *sfilter, *dfilter;
    bool hide;
} cl_args;

/* 0 ok, else the HTTP status to answer. */
static int split_args(const char *a, size_t len, cl_args *ca)
{
    const char *p = a, *end = a + len;
    while (p < end) {
        const char *q = p;
        bool quoted = false;
        while (q < end && (quoted || *q != ',')) {
            if (*q == '\'')
                quoted = !quoted;
            q++;
        }
        const char *eq = memchr(p, '=', (size_t)(q - p));
        if (!eq)
            return 404;
        int which = -1;
        for (int i = 0; i < P_COUNT; i++)
            if ((size_t)(eq - p) == strlen(pnames[i]) && memcmp(p, pnames[i], (size_t)(eq - p)) == 0)
                which = i;
        if (which < 0 || ca->v[which])
            return 404;
        ca->v[which] = eq + 1;
        ca->n[which] = (size_t)(q - eq - 1);
        p = q < end ? q + 1 : q;
    }
    for (int i = 0; i < P_COUNT; i++)
        if (!ca->v[i])
            return 404;
    return 0;
}

static bool bare_int(const char *s, size_t n, long long *out)
{
    return tsim_parse_int_key(s, n, out);
}

static int typed_args(cl_args *ca, sb_http_response *resp)
{
    if (!tsim_parse_datetime(ca->v[P_FROM], ca->n[P_FROM], &ca->from) ||
        !tsim_parse_datetime(ca->v[P_TO], ca->n[P_TO], &ca->to))
        return 500;
    if (!bare_int(ca->v[P_STYPE], ca->n[P_STYPE], &ca->stype) ||
        !bare_int(ca->v[P_DTYPE], ca->n[P_DTYPE], &ca->dtype) ||
        !bare_int(ca->v[P_CALLS], ca->n[P_CALLS], &ca->calls) ||
        !bare_int(ca->v[P_TFTYPE], ca->n[P_TFTYPE], &ca->tftype))
        return 500;
    ca->sfilter = tsim_unquote(ca->v[P_SFILTER], ca->n[P_SFILTER]);
    ca->dfilter = tsim_unquote(ca->v[P_DFILTER], ca->n[P_DFILTER]);
    char *tf_from = tsim_unquote(ca->v[P_TFFROM], ca->n[P_TFFROM]);
    char *tf_to = tsim_unquote(ca->v[P_TFTO], ca->n[P_TFTO]);
    bool strings_ok = ca->sfilter && ca->dfilter && tf_from && tf_to;
    bool empty_tf = strings_ok && (!*tf_from || !*tf_to);
    free(tf_from);
    free(tf_to);
    if (!strings_ok)
        return 500;
    if (ca->n[P_HIDE] == 4 && memcmp(ca->v[P_HIDE], "true", 4) == 0)
        ca->hide = true;
    else if (!(ca->n[P_HIDE] == 5 && memcmp(ca->v[P_HIDE], "false", 5) == 0))
        return 500;
    if (empty_tf) {
        tsim_odata_error(resp, 400, "callTimeFilterFrom and callTimeFilterTo must not be empty "
                                    "(send '0:00:0').");
        return 400;
    }
    if (ca->calls < 0 || ca->calls > 2) {
        tsim_odata_error(resp, 400, "callsType must be 0 (all), 1 (answered) or 2 (unanswered).");
        return 400;
    }
    return 0;
}

static bool str_field_is(const json_t *row, const char *field, const char *want)
{
    const char *v = json_string_value(json_object_get(row, field));
    return v && strcmp(v, want) == 0;
}

static bool row_selected(const json_t *row, const cl_args *ca)
{
    int64_t t;
    const json_t *st = json_object_get(row, "StartTime");
    if (!json_is_string(st) || !tsim_parse_datetime(json_string_value(st), json_string_length(st),
                                                     &t))
        return false;
    if (t < ca->from || t > ca->to)
        return false;
    bool answered = json_is_true(json_object_get(row, "Answered"));
    if ((ca->calls == 1 && !answered) || (ca->calls == 2 && answered))
        return false;
    if (*ca->sfilter && !str_field_is(row, "SourceDn", ca->sfilter) &&
        !str_field_is(row, "SourceCallerId", ca->sfilter))
        return false;
    if (*ca->dfilter && !str_field_is(row, "DestinationDn", ca->dfilter) &&
        !str_field_is(row, "DestinationCallerId", ca->dfilter))
        return false;
    return true;
}

static int newest_first(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t tx = 0, ty = 0;
    const json_t *sx = json_object_get(x, "StartTime"), *sy = json_object_get(y, "StartTime");
    tsim_parse_datetime(json_string_value(sx), json_string_length(sx), &tx);
    tsim_parse_datetime(json_string_value(sy), json_string_length(sy), &ty);
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "CdrId")),
                  json_string_value(json_object_get(y, "CdrId")));
}

void tsim_calllog(tsim_state *st, const char *args, size_t args_len, const char *query,
                  size_t query_len, sb_http_response *resp)
{
    cl_args ca = {0};
    int rc = split_args(args, args_len, &ca);
    if (!rc)
        rc = typed_args(&ca, resp);
    if (rc) {
        if (rc != 400)
            resp->status = rc;
        if (rc == 500)
            tsim_odata_error(resp, 500, "An error has occurred.");
        free(ca.sfilter);
        free(ca.dfilter);
        return;
    }
    size_t n = json_array_size(st->calllog), k = 0;
    json_t **sel = calloc(n ? n : 1, sizeof *sel);
    for (size_t i = 0; sel && i < n; i++) {
        json_t *row = json_array_get(st->calllog, i);
        if (row_selected(row, &ca))
            sel[k++] = row;
    }
    if (sel)
        qsort(sel, k, sizeof *sel, newest_first);
    if (st->cfg.report_row_limit >= 0 && k > (size_t)st->cfg.report_row_limit)
        k = (size_t)st->cfg.report_row_limit;
    json_t *rows = json_array();
    for (size_t i = 0; i < k; i++)
        json_array_append(rows, sel[i]);
    free(sel);
    free(ca.sfilter);
    free(ca.dfilter);
    tsim_respond_collection_ex(st, resp, &tsim_schema_calllog, rows,
                               "Collection(Pbx.CallLogData)", st->cfg.ignore_calllog_orderby,
                               query, query_len);
    json_decref(rows);
}
