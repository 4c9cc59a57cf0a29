/* OData query options of the XAPI simulator other than $filter's expression language:
 * parsing the raw query string ($filter, $select, $expand, $orderby, $top, $skip, $count,
 * $search), applying them to a collection in the order filter → count → orderby → skip →
 * top, shaping entities for $select/$expand, and ISO date/time helpers. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odata.h"

const tsim_prop *tsim_schema_find(const tsim_schema *s, const char *name, size_t len)
{
    for (size_t i = 0; s && i < s->nprops; i++)
        if (strlen(s->props[i].name) == len && memcmp(s->props[i].name, name, len) == 0)
            return &s->props[i];
    return NULL;
}

/* ---- dates ---- */

int64_t tsim_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool tsim_parse_date(const char *s, size_t len, int64_t *days)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) ||
        !digits(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y)))
        return false;
    *days = tsim_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

bool tsim_parse_datetime(const char *s, size_t len, int64_t *ms)
{
    int64_t days;
    int hh, mi, ss = 0, frac_ms = 0;
    if (len < 17 || s[10] != 'T' || !tsim_parse_date(s, 10, &days))
        return false;
    const char *p = s + 11, *end = s + len;
    if (!digits(p, 2, &hh) || p[2] != ':' || !digits(p + 3, 2, &mi))
        return false;
    p += 5;
    if (p < end && *p == ':') {
        if (end - p < 3 || !digits(p + 1, 2, &ss))
            return false;
        p += 3;
        if (p < end && *p == '.') {
            const char *f = ++p;
            int scale = 100;
            while (p < end && isdigit((unsigned char)*p)) {
                frac_ms += (*p - '0') * scale;
                scale /= 10;
                p++;
            }
            if (p == f || p - f > 9)
                return false;
        }
    }
    if (hh > 23 || mi > 59 || ss > 59)
        return false;
    int offset_min = 0;
    if (p < end && *p == 'Z') {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int oh, om;
        if (end - p < 6 || !digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) ||
            oh > 14 || om > 59)
            return false;
        offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (p != end)
        return false;
    *ms = ((days * 86400 + hh * 3600 + mi * 60 + ss) - (int64_t)offset_min * 60) * 1000 + frac_ms;
    return true;
}

void tsim_format_datetime(int64_t ms, bool millis, char *out, size_t outlen)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int frac = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (millis)
        snprintf(out, outlen, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, (int)(rem / 3600),
                 (int)(rem / 60 % 60), (int)(rem % 60), frac);
    else
        snprintf(out, outlen, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600),
                 (int)(rem / 60 % 60), (int)(rem % 60));
}

/* ---- percent decoding ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *tsim_pct_decode(const char *s, size_t len, bool plus_is_space)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int h = i + 2 < len ? hexval(s[i + 1]) : -1, l = h >= 0 ? hexval(s[i + 2]) : -1;
            if (h < 0 || l < 0)
                goto bad;
            c = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0')
            goto bad;
        out[k++] = c;
    }
    out[k] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* ---- query option parsing ---- */

static void set_err(char *err, const char *fmt, const char *a, size_t alen)
{
    char detail[160];
    snprintf(detail, sizeof detail, fmt, alen > 60 ? 60 : (int)alen, a);
    snprintf(err, TSIM_ERR_LEN, "The query specified in the URI is not valid. %s", detail);
}

/* Splits v on top-level commas (outside parentheses and quotes); calls fn per trimmed item. */
static int split_list(const char *v, int (*fn)(void *ud, const char *item, size_t n), void *ud)
{
    int depth = 0;
    bool quoted = false;
    const char *start = v;
    for (const char *p = v;; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && *p == '(')
            depth++;
        else if (!quoted && *p == ')')
            depth--;
        if (*p == '\0' || (*p == ',' && depth == 0 && !quoted)) {
            const char *a = start, *b = p;
            while (a < b && isspace((unsigned char)*a))
                a++;
            while (b > a && isspace((unsigned char)b[-1]))
                b--;
            if (fn(ud, a, (size_t)(b - a)) < 0)
                return -1;
            if (*p == '\0')
                break;
            start = p + 1;
        }
        if (depth < 0)
            return -1;
    }
    return depth == 0 && !quoted ? 0 : -1;
}

typedef struct list_ctx {
    tsim_query *q;
    const tsim_schema *schema;
    char *err;
} list_ctx;

static bool check_path(const tsim_schema *schema, const char *p, size_t n, const tsim_prop **out,
                       char *err)
{
    const char *slash = memchr(p, '/', n);
    size_t head = slash ? (size_t)(slash - p) : n;
    const tsim_prop *prop = tsim_schema_find(schema, p, head);
    if (!prop) {
        char fmt[128];
        snprintf(fmt, sizeof fmt, "Could not find a property named '%%.*s' on type 'Pbx.%s'.",
                 schema->name);
        set_err(err, fmt, p, head);
        return false;
    }
    if (prop->type == TSIM_T_NAV || prop->type == TSIM_T_COLLECTION ||
        (prop->type == TSIM_T_OBJECT) != (slash != NULL) ||
        (slash && (size_t)(slash - p) + 1 >= n)) {
        set_err(err, "The property path '%.*s' cannot be used to order a collection.", p, n);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '/')) {
            set_err(err, "Syntax error in the property path '%.*s'.", p, n);
            return false;
        }
    *out = prop;
    return true;
}

static int orderby_item(void *ud, const char *item, size_t n)
{
    list_ctx *c = ud;
    if (n == 0) {
        set_err(c->err, "An empty item was found in $orderby%.*s.", "", 0);
        return -1;
    }
    if (c->q->norder >= TSIM_MAX_LIST) {
        set_err(c->err, "Too many $orderby items%.*s.", "", 0);
        return -1;
    }
    const char *sp = item;
    while (sp < item + n && !isspace((unsigned char)*sp))
        sp++;
    size_t plen = (size_t)(sp - item);
    const char *dir = sp;
    while (dir < item + n && isspace((unsigned char)*dir))
        dir++;
    size_t dlen = (size_t)(item + n - dir);
    bool desc = false;
    if (dlen == 4 && memcmp(dir, "desc", 4) == 0)
        desc = true;
    else if (!(dlen == 0 || (dlen == 3 && memcmp(dir, "asc", 3) == 0))) {
        set_err(c->err, "Syntax error in $orderby: expected 'asc' or 'desc' in '%.*s'.", item, n);
        return -1;
    }
    tsim_order_key *k = &c->q->order[c->q->norder];
    if (!check_path(c->schema, item, plen, &k->prop, c->err))
        return -1;
    k->path = strndup(item, plen);
    if (!k->path)
        return -1;
    k->desc = desc;
    c->q->norder++;
    return 0;
}

static int select_item(void *ud, const char *item, size_t n)
{
    list_ctx *c = ud;
    if (n == 1 && item[0] == '*') {
        c->q->select_all = true;
        return 0;
    }
    if (n == 0 || !tsim_schema_find(c->schema, item, n)) {
        char fmt[128];
        snprintf(fmt, sizeof fmt, "Could not find a property named '%%.*s' on type 'Pbx.%s'.",
                 c->schema->name);
        set_err(c->err, fmt, item, n);
        return -1;
    }
    if (c->q->nselect >= TSIM_MAX_LIST) {
        set_err(c->err, "Too many $select items%.*s.", "", 0);
        return -1;
    }
    c->q->select[c->q->nselect] = strndup(item, n);
    return c->q->select[c->q->nselect++] ? 0 : -1;
}

static int expand_add(tsim_query *q, const char *name, size_t n)
{
    for (size_t i = 0; i < q->nexpand; i++)
        if (strlen(q->expand[i]) == n && memcmp(q->expand[i], name, n) == 0)
            return 0;
    if (q->nexpand >= TSIM_MAX_LIST)
        return -1;
    q->expand[q->nexpand] = strndup(name, n);
    return q->expand[q->nexpand++] ? 0 : -1;
}

static int expand_item(void *ud, const char *item, size_t n)
{
    list_ctx *c = ud;
    size_t name_len = 0;
    while (name_len < n && (isalnum((unsigned char)item[name_len]) || item[name_len] == '_' ||
                            item[name_len] == '*'))
        name_len++;
    /* nested options "Nav($select=...)" are accepted and ignored */
    if (name_len < n && (item[name_len] != '(' || item[n - 1] != ')')) {
        set_err(c->err, "Syntax error in $expand item '%.*s'.", item, n);
        return -1;
    }
    if (name_len == 1 && item[0] == '*') {
        for (size_t i = 0; i < c->schema->nprops; i++)
            if (c->schema->props[i].type == TSIM_T_NAV &&
                expand_add(c->q, c->schema->props[i].name, strlen(c->schema->props[i].name)) < 0)
                return -1;
        return 0;
    }
    const tsim_prop *p = tsim_schema_find(c->schema, item, name_len);
    if (!p || p->type != TSIM_T_NAV) {
        char fmt[128];
        snprintf(fmt, sizeof fmt, "Could not find a navigation property named '%%.*s' on type "
                 "'Pbx.%s'.", c->schema->name);
        set_err(c->err, fmt, item, name_len);
        return -1;
    }
    return expand_add(c->q, item, name_len);
}

static bool parse_count(const char *v, long long *out)
{
    if (!*v || strlen(v) > 10)
        return false;
    long long x = 0;
    for (const char *p = v; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        x = x * 10 + (*p - '0');
    }
    if (x > 2147483647LL)
        return false;
    *out = x;
    return true;
}

typedef struct opt_seen {
    unsigned mask;
} opt_seen;

static const char *const known_opts[] = {"$filter", "$select", "$expand", "$orderby",
                                         "$top",    "$skip",   "$count",  "$search"};

static int apply_option(tsim_query *q, int which, const char *v, const tsim_schema *schema,
                        const tsim_odata_opts *opts, char *err)
{
    list_ctx c = {q, schema, err};
    switch (which) {
    case 0:
        q->filter = tsim_filter_parse(v, strlen(v), schema, opts, err);
        return q->filter ? 0 : -1;
    case 1:
        if (split_list(v, select_item, &c) < 0) {
            if (!err[0])
                set_err(err, "Syntax error in $select%.*s.", "", 0);
            return -1;
        }
        return 0;
    case 2:
        if (split_list(v, expand_item, &c) < 0) {
            if (!err[0])
                set_err(err, "Syntax error in $expand%.*s.", "", 0);
            return -1;
        }
        return 0;
    case 3:
        q->has_orderby = true;
        if (split_list(v, orderby_item, &c) < 0) {
            if (!err[0])
                set_err(err, "Syntax error in $orderby%.*s.", "", 0);
            return -1;
        }
        return 0;
    case 4:
    case 5:
        if (!parse_count(v, which == 4 ? &q->top : &q->skip)) {
            set_err(err, "Invalid value '%.*s' for $top or $skip: a non-negative integer is "
                    "expected.", v, strlen(v));
            return -1;
        }
        return 0;
    case 6:
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
            set_err(err, "'%.*s' is not a valid count option (true or false).", v, strlen(v));
            return -1;
        }
        q->count = v[0] == 't';
        return 0;
    default:
        if (!*v) {
            set_err(err, "The $search option is empty%.*s.", "", 0);
            return -1;
        }
        q->search = strdup(v);
        return q->search ? 0 : -1;
    }
}

static int handle_pair(tsim_query *q, opt_seen *seen, const char *name, const char *v,
                       const tsim_schema *schema, int mode, const tsim_odata_opts *opts, char *err)
{
    if (name[0] != '$')
        return 0; /* ordinary parameters are ignored, as ASP.NET does */
    int which = -1;
    for (int i = 0; i < 8; i++)
        if (strcmp(name, known_opts[i]) == 0)
            which = i;
    if (which < 0) {
        set_err(err, "The query parameter '%.*s' is not supported.", name, strlen(name));
        return -1;
    }
    if (seen->mask & (1u << which)) {
        set_err(err, "Query option '%.*s' was specified more than once, it must be specified "
                "at most once.", name, strlen(name));
        return -1;
    }
    seen->mask |= 1u << which;
    if (mode == TSIM_Q_ENTITY && which != 1 && which != 2) {
        set_err(err, "The query option '%.*s' cannot be applied to a single entity.", name,
                strlen(name));
        return -1;
    }
    return apply_option(q, which, v, schema, opts, err);
}

int tsim_query_parse(const char *raw, size_t len, const tsim_schema *schema, int mode,
                     const tsim_odata_opts *opts, tsim_query *q, char *err)
{
    memset(q, 0, sizeof *q);
    q->top = -1;
    err[0] = '\0';
    if (len > TSIM_QUERY_MAX_TEXT) {
        set_err(err, "The query string is longer than 65536 bytes%.*s.", "", 0);
        return -1;
    }
    opt_seen seen = {0};
    const char *p = raw, *end = raw + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (stop > p) {
            char *name = tsim_pct_decode(p, (size_t)((eq ? eq : stop) - p), true);
            char *val = eq ? tsim_pct_decode(eq + 1, (size_t)(stop - eq - 1), true) : strdup("");
            int rc = (name && val) ? handle_pair(q, &seen, name, val, schema, mode, opts, err) : -1;
            if (rc < 0 && !err[0])
                set_err(err, "Malformed percent-encoding in the query string%.*s.", "", 0);
            free(name);
            free(val);
            if (rc < 0)
                return -1;
        }
        p = stop + 1;
    }
    return 0;
}

void tsim_query_free(tsim_query *q)
{
    tsim_filter_free(q->filter);
    for (size_t i = 0; i < q->norder; i++)
        free(q->order[i].path);
    for (size_t i = 0; i < q->nselect; i++)
        free(q->select[i]);
    for (size_t i = 0; i < q->nexpand; i++)
        free(q->expand[i]);
    free(q->search);
    memset(q, 0, sizeof *q);
}

/* ---- applying ---- */

static bool search_match(const char *needle, const json_t *e)
{
    size_t nl = strlen(needle);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)e, key, v) {
        if (!json_is_string(v))
            continue;
        const char *s = json_string_value(v);
        size_t sl = json_string_length(v);
        for (size_t i = 0; i + nl <= sl; i++)
            if (strncasecmp(s + i, needle, nl) == 0)
                return true;
    }
    return false;
}

static const json_t *get_path(const json_t *obj, const char *path)
{
    const char *slash = strchr(path, '/');
    if (!slash)
        return json_object_get(obj, path);
    const json_t *sub = json_object_getn(obj, path, (size_t)(slash - path));
    return sub && json_is_object(sub) ? get_path(sub, slash + 1) : NULL;
}

static int cmp_json(const json_t *a, const json_t *b, tsim_type t)
{
    bool an = !a || json_is_null(a), bn = !b || json_is_null(b);
    if (an || bn)
        return an == bn ? 0 : an ? -1 : 1;
    if (json_is_number(a) && json_is_number(b)) {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_is_boolean(a) && json_is_boolean(b))
        return json_is_true(a) == json_is_true(b) ? 0 : json_is_true(a) ? 1 : -1;
    if (json_is_string(a) && json_is_string(b)) {
        int64_t x, y;
        if (t == TSIM_T_DATETIME &&
            tsim_parse_datetime(json_string_value(a), json_string_length(a), &x) &&
            tsim_parse_datetime(json_string_value(b), json_string_length(b), &y))
            return x < y ? -1 : x > y;
        int c = strcmp(json_string_value(a), json_string_value(b));
        return c < 0 ? -1 : c > 0;
    }
    return json_typeof(a) < json_typeof(b) ? -1 : json_typeof(a) > json_typeof(b);
}

typedef struct sort_item {
    json_t *row;
    size_t idx;
} sort_item;

static int sort_cmp(const void *x, const void *y, void *ud)
{
    const tsim_query *q = ud;
    const sort_item *a = x, *b = y;
    for (size_t i = 0; i < q->norder; i++) {
        const tsim_order_key *k = &q->order[i];
        int c = cmp_json(get_path(a->row, k->path), get_path(b->row, k->path), k->prop->type);
        if (c)
            return k->desc ? -c : c;
    }
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

json_t *tsim_query_rows(const tsim_query *q, const tsim_schema *schema, json_t *rows,
                        size_t *count)
{
    size_t n = json_array_size(rows), kept = 0;
    sort_item *items = calloc(n ? n : 1, sizeof *items);
    if (!items)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(rows, i);
        if (q->filter && !tsim_filter_match(q->filter, r))
            continue;
        if (q->search && !search_match(q->search, r))
            continue;
        items[kept].row = r;
        items[kept].idx = kept;
        kept++;
    }
    *count = kept;
    if (q->norder)
        qsort_r(items, kept, sizeof *items, sort_cmp, (void *)q);
    size_t from = (size_t)q->skip < kept ? (size_t)q->skip : kept;
    size_t to = kept;
    if (q->top >= 0 && (size_t)q->top < to - from)
        to = from + (size_t)q->top;
    json_t *out = json_array();
    for (size_t i = from; out && i < to; i++)
        json_array_append(out, items[i].row);
    free(items);
    (void)schema;
    return out;
}

bool tsim_query_expands(const tsim_query *q, const char *nav)
{
    for (size_t i = 0; i < q->nexpand; i++)
        if (strcmp(q->expand[i], nav) == 0)
            return true;
    return false;
}

static bool selected(const tsim_query *q, const char *key)
{
    if (!q->nselect || q->select_all)
        return true;
    for (size_t i = 0; i < q->nselect; i++)
        if (strcmp(q->select[i], key) == 0)
            return true;
    return false;
}

json_t *tsim_query_shape(const tsim_query *q, const tsim_schema *schema, const json_t *entity)
{
    json_t *out = json_object();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)entity, key, v) {
        const tsim_prop *p = tsim_schema_find(schema, key, strlen(key));
        if (p && p->type == TSIM_T_NAV)
            continue;
        if (!selected(q, key))
            continue;
        json_object_set_new(out, key, json_deep_copy(v));
    }
    return out;
}
