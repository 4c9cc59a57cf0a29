/* CDR queries of the ConnexCS simulator: `POST cdr` (spec §4.6: field projection, AND-ed rules
 * with = != > >= < <= like, order, limit <= 5000, offset, 500 without a dt bound) and
 * `GET breakout-aggrid` (§4.7: ag-grid row groups, value columns with sum/avg/count/
 * groupUniqArray, filter model, sort, paging; charges as currency maps). Both stream the calls
 * in time order from the generator, so memory stays bounded by the answer, not the data. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cxsim.h"

#define CDR_MAX_LIMIT 5000
#define SORT_MAX_MATCHES 2000000
#define MAX_GROUPS 200000

/* ---- time ---- */

void cxs_fmt_dt(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    int v[6] = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
    static const char tmpl[] = "0000-00-00 00:00:00";
    static const int at[6] = {3, 6, 9, 12, 15, 18}, width[6] = {4, 2, 2, 2, 2, 2};
    memcpy(buf, tmpl, sizeof tmpl);
    for (int k = 0; k < 6; k++) {
        int x = v[k] < 0 ? 0 : v[k];
        for (int d = 0; d < width[k]; d++, x /= 10)
            buf[at[k] - d] = (char)('0' + x % 10);
    }
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int cxs_parse_time(const char *s, size_t len, bool end_of_day, int64_t *out)
{
    while (len && (s[len - 1] == ' ' || s[len - 1] == 'Z'))
        len--;
    if (len == 10 && s[4] != '-') { /* Unix seconds */
        int64_t v = 0;
        for (size_t i = 0; i < len; i++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            v = v * 10 + (s[i] - '0');
        }
        *out = v;
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (len < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
        digits(s + 8, 2, &d))
        return -1;
    if (len > 10) {
        if (len < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' ||
            digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
            return -1;
        if (len > 19 && s[19] != '.')
            return -1;
        for (size_t i = 20; i < len; i++)
            if (s[i] < '0' || s[i] > '9')
                return -1;
    } else if (end_of_day) {
        h = 23, mi = 59, se = 59;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1970)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = se};
    *out = (int64_t)timegm(&tm);
    return 0;
}

void cxs_json_str(sb_buf *out, const char *s)
{
    sb_buf_putc(out, '"');
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20)
            continue;
        sb_buf_append(out, run, (size_t)(p - run)); /* the plain run so far, in one copy */
        if (*p == '"' || *p == '\\')
            sb_buf_printf(out, "\\%c", *p);
        else
            sb_buf_printf(out, "\\u%04x", *p);
        run = p + 1;
    }
    sb_buf_append(out, run, (size_t)(p - run));
    sb_buf_putc(out, '"');
}

/* ---- fields ---- */

typedef enum { T_STR, T_INT, T_NUM, T_DT } ftype;

static const struct {
    const char *name;
    ftype type;
} FIELDS[] = {
    {"dt", T_DT},                     {"callid", T_STR},
    {"callidb", T_STR},               {"dest_cli", T_STR},
    {"dest_number", T_STR},           {"source_cli", T_STR},
    {"source_dest_number", T_STR},    {"duration", T_INT},
    {"customer_id", T_INT},           {"customer_charge", T_NUM},
    {"customer_card_currency", T_STR}, {"customer_duration", T_INT},
    {"customer_card_rate", T_NUM},    {"customer_card_dest_code", T_STR},
    {"customer_card_dest_name", T_STR}, {"customer_card_id", T_STR},
    {"provider_id", T_INT},           {"provider_charge", T_NUM},
    {"provider_card_currency", T_STR}, {"provider_duration", T_INT},
    {"provider_card_rate", T_NUM},    {"provider_card_dest_code", T_STR},
    {"provider_card_dest_name", T_STR}, {"provider_card_id", T_STR},
    {"branch_idx", T_INT},            {"pdd_in", T_INT},
    {"pdd_out", T_INT},               {"ring_duration", T_INT},
    {"sip_code", T_INT},              {"sip_reason", T_STR},
    {"release_reason", T_STR},        {"recording_cost", T_NUM},
    {"source_ip", T_STR},             {"switch", T_STR},
    {"account_profit", T_NUM},        {"billed_duration", T_INT},
};
#define NFIELDS (sizeof FIELDS / sizeof FIELDS[0])

int cxs_field_index(const char *name)
{
    for (size_t i = 0; name && i < NFIELDS; i++)
        if (strcmp(FIELDS[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *cxs_field_name(int idx) { return idx >= 0 && (size_t)idx < NFIELDS ? FIELDS[idx].name : NULL; }
size_t cxs_field_count(void) { return NFIELDS; }

static double fx(const char *cur) { return strcmp(cur, "EUR") == 0 ? CXS_FX_EUR_USD : 1.0; }

double cxs_profit_usd(const cxs_cdr *c)
{
    return c->customer_charge * fx(c->customer_currency) -
           c->provider_charge * fx(c->provider_currency);
}

/* A field's value: a string (s, into buf) or a number (num). Returns the type. */
static ftype field_value(const cxs_cdr *c, int idx, const char **s, double *num, char *buf)
{
    size_t nd;
    const cxs_dest *d = cxs_dests(&nd);
    *s = "";
    *num = 0;
    switch (idx) {
    case 0: cxs_fmt_dt(c->dt, buf); *s = buf; return T_DT;
    case 1: *s = c->callid; break;
    case 2: *s = c->callidb; break;
    case 3: *s = c->dest_cli; break;
    case 4: *s = c->dest_number; break;
    case 5: *s = c->source_cli; break;
    case 6: *s = c->source_dest_number; break;
    case 7: *num = c->duration; break;
    case 8: *num = c->customer_id; break;
    case 9: *num = c->customer_charge; break;
    case 10: *s = c->customer_currency; break;
    case 11: *num = c->billed_customer; break;
    case 12: *num = c->customer_rate; break;
    case 13: *s = c->dest >= 0 ? d[c->dest].code : ""; break;
    case 14: *s = c->dest >= 0 ? d[c->dest].name : ""; break;
    case 15: *s = c->customer_card; break;
    case 16: *num = c->provider_id; break;
    case 17: *num = c->provider_charge; break;
    case 18: *s = c->provider_id ? c->provider_currency : ""; break;
    case 19: *num = c->billed_provider; break;
    case 20: *num = c->provider_rate; break;
    case 21: *s = c->provider_id && c->dest >= 0 ? d[c->dest].code : ""; break;
    case 22: *s = c->provider_id && c->dest >= 0 ? d[c->dest].name : ""; break;
    case 23: *s = c->provider_card; break;
    case 24: *num = c->branch_idx; break;
    case 25: *num = c->pdd_in; break;
    case 26: *num = c->pdd_out; break;
    case 27: *num = c->ring_duration; break;
    case 28: *num = c->sip_code; break;
    case 29: *s = c->sip_reason; break;
    case 30: *s = c->release_reason ? c->release_reason : ""; break;
    case 31: *num = 0; break;
    case 32: *s = c->src_ip; break;
    case 33: *s = CXS_SWITCH_IP; break;
    case 34: *num = round(cxs_profit_usd(c) * 10000) / 10000; break;
    case 35: *num = c->billed_customer; break;
    default: break;
    }
    return FIELDS[idx].type;
}

void cxs_field_text(const cxs_cdr *c, int idx, char *out, size_t cap, double *num)
{
    const char *s;
    double n;
    char buf[24];
    ftype t = field_value(c, idx, &s, &n, buf);
    if (num)
        *num = n;
    if (t == T_STR || t == T_DT)
        snprintf(out, cap, "%s", s);
    else if (t == T_INT)
        snprintf(out, cap, "%lld", (long long)n);
    else
        snprintf(out, cap, "%.10g", n);
}

void cxs_field_json(const cxs_cdr *c, int idx, sb_buf *out)
{
    const char *s;
    double num;
    char buf[24];
    ftype t = field_value(c, idx, &s, &num, buf);
    if (t == T_STR || t == T_DT) {
        cxs_json_str(out, s);
    } else if (t == T_INT) {
        char tmp[24];
        int n = 0;
        long long v = (long long)num;
        bool neg = v < 0;
        unsigned long long u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
        do
            tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        while ((u /= 10) && n < 22);
        if (neg)
            tmp[sizeof tmp - 1 - n++] = '-';
        sb_buf_append(out, tmp + sizeof tmp - n, (size_t)n);
    } else if (num == 0) {
        sb_buf_putc(out, '0');
    } else {
        sb_buf_printf(out, "%.10g", num);
    }
}

/* ---- POST cdr ---- */

typedef enum { OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE, OP_LIKE } op;

typedef struct rule {
    int field;
    op cond;
    char *text;      /* the datum as text */
    double num;      /* the datum as a number (numeric fields) */
    int64_t t;       /* the datum as time (dt) */
} rule;

typedef struct query {
    int fields[64];
    size_t nfields;
    rule rules[32];
    size_t nrules;
    int order_field;     /* -1: dt */
    bool desc;
    long limit, offset;
    int64_t t_lo, t_hi;
} query;

static int parse_op(const char *s, op *o)
{
    static const struct { const char *s; op o; } OPS[] = {
        {"=", OP_EQ}, {"==", OP_EQ}, {"!=", OP_NE}, {"<>", OP_NE}, {">", OP_GT}, {">=", OP_GE},
        {"<", OP_LT}, {"<=", OP_LE}, {"like", OP_LIKE}, {"LIKE", OP_LIKE},
    };
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
        if (strcmp(OPS[i].s, s) == 0) {
            *o = OPS[i].o;
            return 0;
        }
    return -1;
}

/* SQL LIKE with % and _, case-insensitive. */
static bool like(const char *s, const char *p)
{
    for (; *p; p++, s++) {
        if (*p == '%') {
            while (p[1] == '%')
                p++;
            if (!p[1])
                return true;
            for (; *s; s++)
                if (like(s, p + 1))
                    return true;
            return false;
        }
        if (!*s)
            return false;
        if (*p != '_' && tolower((unsigned char)*p) != tolower((unsigned char)*s))
            return false;
    }
    return *s == '\0';
}

static int err_out(sb_buf *out, int status, const char *msg)
{
    sb_buf_reset(out);
    sb_buf_puts(out, "{\"error\":");
    cxs_json_str(out, msg);
    sb_buf_puts(out, "}");
    return status;
}

static void free_query(query *q)
{
    for (size_t i = 0; i < q->nrules; i++)
        free(q->rules[i].text);
}

static int parse_rule(query *q, json_t *r, char *err, size_t errlen)
{
    const char *f = json_string_value(json_object_get(r, "field"));
    const char *c = json_string_value(json_object_get(r, "condition"));
    json_t *data = json_object_get(r, "data");
    if (!f || !c || !data) {
        snprintf(err, errlen, "each rule needs field, condition and data");
        return 400;
    }
    int fi = cxs_field_index(f);
    if (fi < 0) {
        snprintf(err, errlen, "Unknown field: %.64s", f);
        return 400;
    }
    if (q->nrules >= sizeof q->rules / sizeof q->rules[0]) {
        snprintf(err, errlen, "too many rules");
        return 400;
    }
    rule *ru = &q->rules[q->nrules];
    memset(ru, 0, sizeof *ru);
    ru->field = fi;
    if (parse_op(c, &ru->cond)) {
        snprintf(err, errlen, "Unsupported condition: %.16s", c);
        return 400;
    }
    char nbuf[64];
    if (json_is_string(data))
        ru->text = strdup(json_string_value(data));
    else if (json_is_number(data)) {
        snprintf(nbuf, sizeof nbuf, "%.15g", json_number_value(data));
        ru->text = strdup(nbuf);
    } else {
        snprintf(err, errlen, "rule data for %.64s must be a string or a number", f);
        return 400;
    }
    if (!ru->text)
        return 500;
    q->nrules++;
    size_t pct = 0;
    for (const char *p = ru->text; *p; p++)
        pct += *p == '%';
    if (strlen(ru->text) > 256 || (ru->cond == OP_LIKE && pct > 6)) {
        snprintf(err, errlen, "rule data for %.64s is too long or too complex", f);
        return 400;
    }
    if (FIELDS[fi].type == T_DT && ru->cond != OP_LIKE) {
        if (cxs_parse_time(ru->text, strlen(ru->text), ru->cond == OP_LE, &ru->t)) {
            snprintf(err, errlen, "bad date for dt: %.40s", ru->text);
            return 400;
        }
        if (ru->cond == OP_GE || ru->cond == OP_EQ)
            q->t_lo = ru->t > q->t_lo ? ru->t : q->t_lo;
        if (ru->cond == OP_GT)
            q->t_lo = ru->t + 1 > q->t_lo ? ru->t + 1 : q->t_lo;
        if (ru->cond == OP_LE || ru->cond == OP_EQ)
            q->t_hi = ru->t < q->t_hi ? ru->t : q->t_hi;
        if (ru->cond == OP_LT)
            q->t_hi = ru->t - 1 < q->t_hi ? ru->t - 1 : q->t_hi;
        return 0;
    }
    if (FIELDS[fi].type != T_STR && ru->cond != OP_LIKE) {
        char *end;
        ru->num = strtod(ru->text, &end);
        if (end == ru->text || *end) {
            snprintf(err, errlen, "%.64s needs a number, got \"%.40s\"", f, ru->text);
            return 400;
        }
    }
    return 0;
}

static int parse_query(json_t *root, query *q, char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    q->order_field = -1;
    q->t_lo = INT64_MIN;
    q->t_hi = INT64_MAX;
    q->limit = 1000;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "body must be a JSON object");
        return 400;
    }
    json_t *fields = json_object_get(root, "field"), *v;
    size_t i;
    json_array_foreach(fields, i, v) {
        int fi = cxs_field_index(json_string_value(v));
        if (fi < 0) {
            snprintf(err, errlen, "Unknown field: %.64s",
                     json_is_string(v) ? json_string_value(v) : "(not a string)");
            return 400;
        }
        if (q->nfields < sizeof q->fields / sizeof q->fields[0])
            q->fields[q->nfields++] = fi;
    }
    if (q->nfields == 0)
        for (size_t k = 0; k < NFIELDS && k < 64; k++)
            q->fields[q->nfields++] = (int)k;
    json_t *rules = json_object_get(json_object_get(root, "where"), "rules");
    bool dt_bound = false;
    json_array_foreach(rules, i, v) {
        int st = parse_rule(q, v, err, errlen);
        if (st)
            return st;
        if (q->rules[q->nrules - 1].field == 0 && q->rules[q->nrules - 1].cond != OP_NE &&
            q->rules[q->nrules - 1].cond != OP_LIKE)
            dt_bound = true;
    }
    if (!dt_bound) {
        snprintf(err, errlen, "Query too large: a dt range is required");
        return 500;
    }
    json_t *lim = json_object_get(root, "limit");
    if (lim) {
        if (!json_is_integer(lim) || json_integer_value(lim) < 0) {
            snprintf(err, errlen, "limit must be a non-negative integer");
            return 400;
        }
        q->limit = json_integer_value(lim) == 0 ? 1000 : (long)json_integer_value(lim);
        if (q->limit > CDR_MAX_LIMIT) {
            snprintf(err, errlen, "limit must be at most %d", CDR_MAX_LIMIT);
            return 400;
        }
    }
    json_t *off = json_object_get(root, "offset");
    if (off) {
        if (!json_is_integer(off) || json_integer_value(off) < 0) {
            snprintf(err, errlen, "offset must be a non-negative integer");
            return 400;
        }
        q->offset = (long)json_integer_value(off);
    }
    json_t *order = json_array_get(json_object_get(root, "order"), 0);
    if (order) {
        const char *of = json_string_value(json_object_get(order, "field"));
        const char *dir = json_string_value(json_object_get(order, "direction"));
        int fi = cxs_field_index(of);
        if (fi < 0) {
            snprintf(err, errlen, "Unknown order field: %.64s", of ? of : "(missing)");
            return 400;
        }
        q->order_field = fi == 0 ? -1 : fi;
        q->desc = dir && strcasecmp(dir, "DESC") == 0;
    }
    return 0;
}

static bool rule_match(const cxs_cdr *c, const rule *r)
{
    const char *s;
    double num;
    char buf[24];
    ftype t = field_value(c, r->field, &s, &num, buf);
    if (r->cond == OP_LIKE) {
        char nb[48];
        if (t == T_INT || t == T_NUM) {
            snprintf(nb, sizeof nb, "%.10g", num);
            s = nb;
        }
        return like(s, r->text);
    }
    int cmp;
    if (t == T_DT)
        cmp = (c->dt > r->t) - (c->dt < r->t);
    else if (t == T_STR)
        cmp = strcmp(s, r->text);
    else
        cmp = (num > r->num) - (num < r->num);
    switch (r->cond) {
    case OP_EQ: return cmp == 0;
    case OP_NE: return cmp != 0;
    case OP_GT: return cmp > 0;
    case OP_GE: return cmp >= 0;
    case OP_LT: return cmp < 0;
    case OP_LE: return cmp <= 0;
    default: return false;
    }
}

static bool all_match(const cxs_cdr *c, const query *q)
{
    for (size_t i = 0; i < q->nrules; i++)
        if (q->rules[i].field != 0 && !rule_match(c, &q->rules[i]))
            return false;
    return true;
}

static void emit_row(const cxs_cdr *c, const query *q, sb_buf *out, bool *first)
{
    sb_buf_puts(out, *first ? "{" : ",{");
    *first = false;
    for (size_t i = 0; i < q->nfields; i++) {
        if (i)
            sb_buf_putc(out, ',');
        cxs_json_str(out, FIELDS[q->fields[i]].name);
        sb_buf_putc(out, ':');
        cxs_field_json(c, q->fields[i], out);
    }
    sb_buf_putc(out, '}');
}

typedef struct keyed {
    double num;
    char str[40];
    uint32_t pos;
    int64_t dt;
} keyed;

static int cmp_keyed_asc(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = x->str[0] || y->str[0] ? strcmp(x->str, y->str) : (x->num > y->num) - (x->num < y->num);
    if (c)
        return c;
    return (x->dt > y->dt) - (x->dt < y->dt);
}

/* Non-dt order: collect the matches with their sort key, sort, then emit the page. */
static int sorted_query(const cxs_world *w, const query *q, sb_buf *out)
{
    cxs_iter it;
    cxs_iter_init(&it, w, q->t_lo, q->t_hi, false);
    size_t n = 0, cap = 1024;
    keyed *k = malloc(cap * sizeof *k);
    uint32_t pos;
    cxs_cdr c;
    int status = 200;
    while (k && cxs_iter_next(&it, &pos)) {
        if (cxs_cdr_get(w, pos, &c) || !all_match(&c, q))
            continue;
        if (n == cap) {
            if (cap >= SORT_MAX_MATCHES) {
                free(k);
                return err_out(out, 500, "Query too large to sort: narrow the date range");
            }
            keyed *nk = realloc(k, cap * 2 * sizeof *k);
            if (!nk)
                break;
            k = nk, cap *= 2;
        }
        const char *s;
        char buf[24];
        keyed *e = &k[n++];
        memset(e, 0, sizeof *e);
        ftype t = field_value(&c, q->order_field, &s, &e->num, buf);
        if (t == T_STR)
            snprintf(e->str, sizeof e->str, "%s", s[0] ? s : " ");
        e->pos = pos;
        e->dt = c.dt;
    }
    if (!k)
        return err_out(out, 500, "out of memory");
    qsort(k, n, sizeof *k, cmp_keyed_asc);
    sb_buf_putc(out, '[');
    bool first = true;
    for (long i = q->offset, emitted = 0; i < (long)n && emitted < q->limit; i++, emitted++) {
        size_t idx = q->desc ? n - 1 - (size_t)i : (size_t)i;
        cxs_cdr_get(w, k[idx].pos, &c);
        emit_row(&c, q, out, &first);
    }
    if (sb_buf_putc(out, ']'))
        status = err_out(out, 500, "response too large");
    free(k);
    return status;
}

int cxs_cdr_query(const cxs_world *w, const char *body, size_t len, sb_buf *out)
{
    json_error_t je;
    json_t *root = json_loadb(body ? body : "", len, 0, &je);
    if (!root)
        return err_out(out, 400, "body is not valid JSON");
    query q;
    char err[160];
    int st = parse_query(root, &q, err, sizeof err);
    json_decref(root);
    if (st) {
        free_query(&q);
        return err_out(out, st, err);
    }
    if (q.order_field >= 0) {
        st = sorted_query(w, &q, out);
        free_query(&q);
        return st;
    }
    cxs_iter it;
    cxs_iter_init(&it, w, q.t_lo, q.t_hi, q.desc);
    sb_buf_putc(out, '[');
    bool first = true;
    long skipped = 0, emitted = 0;
    uint32_t pos;
    cxs_cdr c;
    bool only_dt = true;
    for (size_t i = 0; i < q.nrules; i++)
        only_dt = only_dt && q.rules[i].field == 0;
    while (emitted < q.limit && cxs_iter_next(&it, &pos)) {
        if (only_dt && skipped < q.offset) { /* skip without building the record */
            skipped++;
            continue;
        }
        if (cxs_cdr_get(w, pos, &c) || !all_match(&c, &q))
            continue;
        if (skipped++ < q.offset)
            continue;
        emit_row(&c, &q, out, &first);
        emitted++;
    }
    free_query(&q);
    if (sb_buf_putc(out, ']'))
        return err_out(out, 500, "response too large");
    return 200;
}
