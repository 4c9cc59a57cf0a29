/* `GET breakout-aggrid` of the ConnexCS simulator (spec §4.7): the ag-grid server-side model
 * over the CDRs. Row groups (_rowGroupCols[i][id|field]) become one output row per combination
 * (dt groups by UTC day), value columns (_valueCols[i][id|field|aggFunc]) are aggregated the way
 * the breakout table does (attempts, connected, durations, charges as currency maps, acd, asr,
 * account_profit, groupUniqArray of destination names, or sum/avg/min/max/count of any numeric
 * CDR field), _filterModel restricts the calls (dt inRange bounds the scan), _sortModel orders
 * the rows and _startRow/_endRow page them. Memory is bounded by the number of groups. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cxsim.h"

#define MAX_COLS 24
#define MAX_FILTERS 12
#define BO_MAX_GROUPS 100000

typedef enum { V_ATTEMPTS, V_CONNECTED, V_FAILED, V_CDUR, V_PDUR, V_DUR, V_CCHARGE, V_PCHARGE,
               V_ACD, V_ASR, V_ZERO, V_PROFIT, V_PROFIT_PCT, V_CDEST, V_PDEST, V_PDD,
               V_FIELD } vkind;

static const struct { const char *name; vkind k; } SPECIAL[] = {
    {"attempts", V_ATTEMPTS}, {"connected", V_CONNECTED}, {"failed", V_FAILED},
    {"customer_duration", V_CDUR}, {"provider_duration", V_PDUR}, {"duration", V_DUR},
    {"customer_charge", V_CCHARGE}, {"provider_charge", V_PCHARGE}, {"acd", V_ACD},
    {"asr", V_ASR}, {"dtmf", V_ZERO}, {"sdp_6", V_ZERO}, {"account_profit", V_PROFIT},
    {"account_profit_percent", V_PROFIT_PCT}, {"customer_card_dest_name", V_CDEST},
    {"provider_card_dest_name", V_PDEST}, {"pdd", V_PDD},
};

typedef enum { A_SUM, A_AVG, A_MIN, A_MAX, A_COUNT } aggf;

typedef struct vcol {
    char name[48];
    vkind kind;
    int field;      /* for V_FIELD */
    aggf f;
} vcol;

typedef struct filt {
    int field;      /* cxs field index */
    char type[16];
    char filter[64], filter_to[64];
} filt;

typedef struct bo_req {
    char gcol_name[MAX_COLS][48];
    int gcol[MAX_COLS];
    size_t ngcol;
    char gkeys[MAX_COLS][64];
    size_t ngkeys;
    vcol v[MAX_COLS];
    size_t nv;
    filt f[MAX_FILTERS];
    size_t nf;
    char sort_col[48];
    bool sort_desc;
    bool nested;
    long start_row, end_row;
    char err[160];
} bo_req;

typedef struct group {
    char *key;               /* group values joined by \x1f */
    long attempts, connected;
    double dur, cdur, pdur, pdd, profit, rev_usd;
    double cc[2], pc[2];     /* USD, EUR */
    bool has_cc[2], has_pc[2];
    uint32_t cdest, pdest;   /* destination bitmasks */
    bool cdest_empty, pdest_empty;
    double acc[MAX_COLS], mn[MAX_COLS], mx[MAX_COLS];
    long cnt[MAX_COLS];
} group;

typedef struct table {
    group *g;
    size_t n, cap;
    size_t *slots;           /* open addressing: index+1, 0 = empty */
    size_t nslots;
} table;

/* "_rowGroupCols[0][id]" -> base "_rowGroupCols", a "0", b "id". */
static int split_name(const char *name, char *base, size_t bl, char *a, size_t al, char *b,
                      size_t blen)
{
    const char *p = strchr(name, '[');
    if (!p)
        return -1;
    size_t n = (size_t)(p - name);
    if (n >= bl)
        return -1;
    memcpy(base, name, n);
    base[n] = '\0';
    const char *q = strchr(p, ']');
    if (!q || (size_t)(q - p - 1) >= al)
        return -1;
    memcpy(a, p + 1, (size_t)(q - p - 1));
    a[q - p - 1] = '\0';
    b[0] = '\0';
    if (q[1] == '[') {
        const char *r = strchr(q + 1, ']');
        if (!r || (size_t)(r - q - 2) >= blen || r[1])
            return -1;
        memcpy(b, q + 2, (size_t)(r - q - 2));
        b[r - q - 2] = '\0';
    } else if (q[1]) {
        return -1;
    }
    return 0;
}

static long small_index(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= 0 && v < MAX_COLS ? v : -1;
}

static void set_vcol(bo_req *r, long i, const char *key, const char *value)
{
    vcol *v = &r->v[i];
    if (!strcmp(key, "id") || !strcmp(key, "field"))
        snprintf(v->name, sizeof v->name, "%s", value);
    else if (!strcmp(key, "aggFunc")) {
        static const char *const F[] = {"sum", "avg", "min", "max", "count"};
        v->f = A_SUM;
        for (int k = 0; k < 5; k++)
            if (!strcasecmp(value, F[k]))
                v->f = (aggf)k;
    }
    if ((size_t)i + 1 > r->nv)
        r->nv = (size_t)i + 1;
}

static int on_param(void *ud, const char *name, const char *value)
{
    bo_req *r = ud;
    char base[32], a[48], b[32];
    if (!strcmp(name, "_startRow"))
        r->start_row = strtol(value, NULL, 10);
    else if (!strcmp(name, "_endRow"))
        r->end_row = strtol(value, NULL, 10);
    if (split_name(name, base, sizeof base, a, sizeof a, b, sizeof b))
        return 0;
    long i = small_index(a);
    if (!strcmp(base, "_rowGroupCols") && i >= 0 && (!strcmp(b, "id") || !strcmp(b, "field"))) {
        snprintf(r->gcol_name[i], sizeof r->gcol_name[i], "%s", value);
        if ((size_t)i + 1 > r->ngcol)
            r->ngcol = (size_t)i + 1;
    } else if (!strcmp(base, "_valueCols") && i >= 0) {
        set_vcol(r, i, b, value);
    } else if (!strcmp(base, "_groupKeys") && i >= 0 && !b[0]) {
        snprintf(r->gkeys[i], sizeof r->gkeys[i], "%s", value);
        if ((size_t)i + 1 > r->ngkeys)
            r->ngkeys = (size_t)i + 1;
    } else if (!strcmp(base, "_sortModel") && i == 0) {
        if (!strcmp(b, "colId"))
            snprintf(r->sort_col, sizeof r->sort_col, "%s", value);
        else if (!strcmp(b, "sort"))
            r->sort_desc = !strcasecmp(value, "desc");
    } else if (!strcmp(base, "_filterModel")) {
        int fi = cxs_field_index(a);
        if (fi < 0) {
            snprintf(r->err, sizeof r->err, "Unknown filter field: %.40s", a);
            return 1;
        }
        size_t k = 0;
        while (k < r->nf && r->f[k].field != fi)
            k++;
        if (k == r->nf) {
            if (r->nf >= MAX_FILTERS)
                return 0;
            memset(&r->f[r->nf], 0, sizeof r->f[0]);
            r->f[r->nf++].field = fi;
        }
        filt *f = &r->f[k];
        if (!strcmp(b, "type"))
            snprintf(f->type, sizeof f->type, "%s", value);
        else if (!strcmp(b, "filter") || !strcmp(b, "dateFrom"))
            snprintf(f->filter, sizeof f->filter, "%s", value);
        else if (!strcmp(b, "filterTo") || !strcmp(b, "dateTo"))
            snprintf(f->filter_to, sizeof f->filter_to, "%s", value);
    }
    return 0;
}

static int validate(bo_req *r, int64_t *t_lo, int64_t *t_hi)
{
    for (size_t i = 0; i < r->ngcol; i++) {
        r->gcol[i] = cxs_field_index(r->gcol_name[i]);
        if (r->gcol[i] < 0) {
            snprintf(r->err, sizeof r->err, "Unknown row group column: %.40s", r->gcol_name[i]);
            return 400;
        }
    }
    for (size_t i = 0; i < r->nv; i++) {
        vcol *v = &r->v[i];
        v->kind = V_FIELD;
        for (size_t k = 0; k < sizeof SPECIAL / sizeof SPECIAL[0]; k++)
            if (!strcmp(SPECIAL[k].name, v->name))
                v->kind = SPECIAL[k].k;
        if (v->kind == V_FIELD) {
            v->field = cxs_field_index(v->name);
            if (v->field < 0 || !strcmp(v->name, "dt")) {
                snprintf(r->err, sizeof r->err, "Unknown value column: %.40s", v->name);
                return 400;
            }
        }
    }
    *t_lo = INT64_MIN;
    *t_hi = INT64_MAX;
    for (size_t i = 0; i < r->nf; i++) {
        filt *f = &r->f[i];
        if (f->field != 0)
            continue;
        int64_t a, b;
        bool range = !strcasecmp(f->type, "inRange");
        if (cxs_parse_time(f->filter, strlen(f->filter), false, &a) ||
            (range && cxs_parse_time(f->filter_to, strlen(f->filter_to), true, &b))) {
            snprintf(r->err, sizeof r->err, "bad dt filter");
            return 400;
        }
        bool day = strlen(f->filter) == 10; /* a bare date means the whole day */
        if (range) {
            *t_lo = a, *t_hi = b;
        } else if (!strcasecmp(f->type, "equals")) {
            *t_lo = a, *t_hi = day ? a + 86399 : a;
        } else if (!strcasecmp(f->type, "greaterThan")) {
            *t_lo = day ? a + 86400 : a + 1;
        } else if (!strcasecmp(f->type, "lessThan")) {
            *t_hi = a - 1;
        } else {
            snprintf(r->err, sizeof r->err, "dt filter type must be inRange, equals, greaterThan or lessThan");
            return 400;
        }
    }
    if (r->start_row < 0 || (r->end_row && r->end_row < r->start_row)) {
        snprintf(r->err, sizeof r->err, "bad _startRow/_endRow");
        return 400;
    }
    return 0;
}

/* A field's text (group keys, filters); dt is the UTC day. */
static void text_of(const cxs_cdr *c, int field, char *buf, size_t cap)
{
    cxs_field_text(c, field, buf, cap, NULL);
    if (field == 0 && cap > 10)
        buf[10] = '\0'; /* dt groups by UTC day */
}

static bool filters_match(const bo_req *r, const cxs_cdr *c)
{
    char v[96];
    for (size_t i = 0; i < r->nf; i++) {
        const filt *f = &r->f[i];
        if (f->field == 0)
            continue;
        text_of(c, f->field, v, sizeof v);
        const char *t = f->type[0] ? f->type : "equals";
        double x = atof(v), a = atof(f->filter), b = atof(f->filter_to);
        bool ok = !strcasecmp(t, "equals")        ? !strcmp(v, f->filter)
                  : !strcasecmp(t, "notEqual")    ? strcmp(v, f->filter) != 0
                  : !strcasecmp(t, "contains")    ? strcasestr(v, f->filter) != NULL
                  : !strcasecmp(t, "startsWith")  ? !strncasecmp(v, f->filter, strlen(f->filter))
                  : !strcasecmp(t, "greaterThan") ? x > a
                  : !strcasecmp(t, "lessThan")    ? x < a
                  : !strcasecmp(t, "inRange")     ? x >= a && x <= b
                                                  : false;
        if (!ok)
            return false;
    }
    return true;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static group *lookup(table *t, const char *key, const bo_req *r)
{
    if (t->n * 2 >= t->nslots) {
        size_t ns = t->nslots ? t->nslots * 2 : 1024;
        size_t *s = calloc(ns, sizeof *s);
        if (!s)
            return NULL;
        for (size_t i = 0; i < t->n; i++) {
            size_t h = hash_str(t->g[i].key) & (ns - 1);
            while (s[h])
                h = (h + 1) & (ns - 1);
            s[h] = i + 1;
        }
        free(t->slots);
        t->slots = s, t->nslots = ns;
    }
    size_t h = hash_str(key) & (t->nslots - 1);
    while (t->slots[h]) {
        group *g = &t->g[t->slots[h] - 1];
        if (!strcmp(g->key, key))
            return g;
        h = (h + 1) & (t->nslots - 1);
    }
    if (t->n >= BO_MAX_GROUPS)
        return NULL;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 256;
        group *ng = realloc(t->g, nc * sizeof *ng);
        if (!ng)
            return NULL;
        t->g = ng, t->cap = nc;
    }
    group *g = &t->g[t->n];
    memset(g, 0, sizeof *g);
    g->key = strdup(key);
    if (!g->key)
        return NULL;
    for (size_t i = 0; i < r->nv; i++)
        g->mn[i] = INFINITY, g->mx[i] = -INFINITY;
    t->slots[h] = ++t->n;
    return g;
}

static void accumulate(group *g, const cxs_cdr *c, const bo_req *r)
{
    g->attempts++;
    g->connected += c->duration > 0;
    g->dur += c->duration;
    g->cdur += c->billed_customer;
    g->pdur += c->billed_provider;
    g->pdd += c->pdd_in;
    int ci = strcmp(c->customer_currency, "EUR") == 0, pi = strcmp(c->provider_currency, "EUR") == 0;
    g->cc[ci] += c->customer_charge;
    g->has_cc[ci] = true;
    if (c->provider_id) {
        g->pc[pi] += c->provider_charge;
        g->has_pc[pi] = true;
    }
    g->profit += cxs_profit_usd(c);
    g->rev_usd += c->customer_charge * (ci ? CXS_FX_EUR_USD : 1.0);
    if (c->dest >= 0)
        g->cdest |= 1u << c->dest;
    else
        g->cdest_empty = true;
    if (c->dest >= 0 && c->provider_id)
        g->pdest |= 1u << c->dest;
    else
        g->pdest_empty = true;
    for (size_t i = 0; i < r->nv; i++) {
        if (r->v[i].kind != V_FIELD)
            continue;
        char tb[96];
        double x = 0;
        cxs_field_text(c, r->v[i].field, tb, sizeof tb, &x);
        g->acc[i] += x;
        g->cnt[i]++;
        g->mn[i] = x < g->mn[i] ? x : g->mn[i];
        g->mx[i] = x > g->mx[i] ? x : g->mx[i];
    }
}

static double r4(double v) { return round(v * 10000.0) / 10000.0; }

static json_t *money_map(const double *v, const bool *has)
{
    json_t *m = json_object();
    if (has[0])
        json_object_set_new(m, "USD", json_real(r4(v[0])));
    if (has[1])
        json_object_set_new(m, "EUR", json_real(r4(v[1])));
    return m;
}

static json_t *dest_names(uint32_t mask, bool empty)
{
    size_t nd;
    const cxs_dest *d = cxs_dests(&nd);
    json_t *a = json_array();
    if (empty)
        json_array_append_new(a, json_string(""));
    for (size_t i = 0; i < nd; i++)
        if ((mask >> i) & 1u)
            json_array_append_new(a, json_string(d[i].name));
    return a;
}

static json_t *nest(json_t *a, bool nested)
{
    if (!nested)
        return a;
    json_t *o = json_array();
    json_array_append_new(o, a);
    return o;
}

static json_t *value_of(const group *g, const vcol *v, size_t i, bool nested)
{
    switch (v->kind) {
    case V_ATTEMPTS: return json_integer(g->attempts);
    case V_CONNECTED: return json_integer(g->connected);
    case V_FAILED: return json_integer(g->attempts - g->connected);
    case V_CDUR: return json_integer((json_int_t)g->cdur);
    case V_PDUR: return json_integer((json_int_t)g->pdur);
    case V_DUR: return json_integer((json_int_t)g->dur);
    case V_CCHARGE: return money_map(g->cc, g->has_cc);
    case V_PCHARGE: return money_map(g->pc, g->has_pc);
    case V_ACD: return g->connected ? json_real(round(g->dur / g->connected * 100) / 100) : json_null();
    case V_ASR: return g->attempts ? json_real(round(10000.0 * g->connected / g->attempts) / 100) : json_null();
    case V_ZERO: return json_integer(0);
    case V_PROFIT: return json_real(r4(g->profit));
    case V_PROFIT_PCT: return g->rev_usd > 0 ? json_real(round(g->profit / g->rev_usd * 10000) / 100) : json_null();
    case V_CDEST: return nest(dest_names(g->cdest, g->cdest_empty), nested);
    case V_PDEST: return nest(dest_names(g->pdest, g->pdest_empty), nested);
    case V_PDD: return g->attempts ? json_real(round(g->pdd / g->attempts)) : json_null();
    case V_FIELD:
        if (!g->cnt[i])
            return json_null();
        switch (v->f) {
        case A_AVG: return json_real(r4(g->acc[i] / g->cnt[i]));
        case A_MIN: return json_real(g->mn[i]);
        case A_MAX: return json_real(g->mx[i]);
        case A_COUNT: return json_integer(g->cnt[i]);
        default: return json_real(r4(g->acc[i]));
        }
    }
    return json_null();
}

static json_t *row_json(const group *g, const bo_req *r)
{
    json_t *o = json_object();
    const char *p = g->key;
    for (size_t i = 0; i < r->ngcol; i++) {
        const char *e = strchr(p, '\x1f');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char v[96];
        snprintf(v, sizeof v, "%.*s", (int)l, p);
        char *end;
        long long n = strtoll(v, &end, 10);
        bool numeric = *v && !*end && r->gcol[i] != 0 && strcmp(r->gcol_name[i], "callid") &&
                       (strstr(r->gcol_name[i], "_id") || !strcmp(r->gcol_name[i], "sip_code") ||
                        !strcmp(r->gcol_name[i], "branch_idx"));
        json_object_set_new(o, r->gcol_name[i], numeric ? json_integer(n) : json_string(v));
        p = e ? e + 1 : p + l;
    }
    for (size_t i = 0; i < r->nv; i++)
        json_object_set_new(o, r->v[i].name, value_of(g, &r->v[i], i, r->nested));
    return o;
}

static int cmp_rows(const void *a, const void *b, void *ctx)
{
    const bo_req *r = ctx;
    json_t *x = json_object_get(*(json_t *const *)a, r->sort_col);
    json_t *y = json_object_get(*(json_t *const *)b, r->sort_col);
    int c;
    if (json_is_number(x) && json_is_number(y))
        c = (json_number_value(x) > json_number_value(y)) - (json_number_value(x) < json_number_value(y));
    else if (json_is_string(x) && json_is_string(y))
        c = strcmp(json_string_value(x), json_string_value(y));
    else
        c = (x != NULL && !json_is_null(x)) - (y != NULL && !json_is_null(y));
    return r->sort_desc ? -c : c;
}

static int fail(sb_buf *out, int status, const char *msg)
{
    sb_buf_reset(out);
    sb_buf_puts(out, "{\"error\":");
    cxs_json_str(out, msg);
    sb_buf_putc(out, '}');
    return status;
}

static void default_values(bo_req *r)
{
    static const char *const D[] = {"attempts", "connected", "duration", "customer_charge",
                                    "provider_charge", "acd", "asr", "account_profit",
                                    "account_profit_percent"};
    for (size_t i = 0; i < sizeof D / sizeof D[0]; i++)
        set_vcol(r, (long)i, "id", D[i]);
}

int cxs_breakout_query(const cxs_world *w, cxs_param_each each, void *req, bool nested_names,
                       sb_buf *out)
{
    static bo_req zero;
    bo_req *r = malloc(sizeof *r);
    if (!r)
        return fail(out, 500, "out of memory");
    *r = zero;
    r->nested = nested_names;
    each(req, on_param, r);
    int64_t lo, hi;
    int st = r->err[0] ? 400 : 0;
    if (r->nv == 0 && !st)
        default_values(r);
    if (!st)
        st = validate(r, &lo, &hi);
    if (st) {
        st = fail(out, st, r->err);
        free(r);
        return st;
    }
    table t = {0};
    cxs_iter it;
    cxs_iter_init(&it, w, lo, hi, false);
    uint32_t pos;
    cxs_cdr c;
    char key[1024];
    while (cxs_iter_next(&it, &pos)) {
        if (cxs_cdr_get(w, pos, &c) || !filters_match(r, &c))
            continue;
        size_t kl = 0;
        bool keep = true;
        for (size_t i = 0; i < r->ngcol; i++) {
            char v[96];
            text_of(&c, r->gcol[i], v, sizeof v);
            if (i < r->ngkeys && strcmp(v, r->gkeys[i]) != 0)
                keep = false;
            kl += (size_t)snprintf(key + kl, sizeof key - kl, "%s%s", i ? "\x1f" : "", v);
            if (kl >= sizeof key)
                kl = sizeof key - 1;
        }
        key[kl] = '\0';
        if (!keep)
            continue;
        group *g = lookup(&t, key, r);
        if (!g) {
            st = fail(out, 500, "too many groups: narrow the query");
            break;
        }
        accumulate(g, &c, r);
    }
    if (!st) {
        json_t **rows = calloc(t.n ? t.n : 1, sizeof *rows);
        for (size_t i = 0; rows && i < t.n; i++)
            rows[i] = row_json(&t.g[i], r);
        if (rows && r->sort_col[0])
            qsort_r(rows, t.n, sizeof *rows, cmp_rows, r);
        size_t from = (size_t)r->start_row, to = r->end_row > 0 ? (size_t)r->end_row : t.n;
        json_t *arr = json_array();
        for (size_t i = from; rows && i < to && i < t.n; i++)
            json_array_append(arr, rows[i]);
        for (size_t i = 0; rows && i < t.n; i++)
            json_decref(rows[i]);
        free(rows);
        char *s = json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(12));
        json_decref(arr);
        st = s && sb_buf_puts(out, s) == 0 ? 200 : fail(out, 500, "response too large");
        free(s);
    }
    for (size_t i = 0; i < t.n; i++)
        free(t.g[i].key);
    free(t.g);
    free(t.slots);
    free(r);
    return st;
}
