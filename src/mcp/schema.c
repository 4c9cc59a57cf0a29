/* JSON Schema generation from parameter rows and a validator for the 2020-12 subset our tools
 * use (see mcp_schema.h). Errors name the argument path and the keyword that failed. */
#include "mcp/mcp_schema.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

typedef struct pattern_rx {
    char *source;
    regex_t rx;
    struct pattern_rx *next;
} pattern_rx;

struct mcp_schema {
    json_t *root;
    pattern_rx *patterns;
};

#define ERR_MAX 4096

static char *fmt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_err(const char *fmt, ...)
{
    sb_buf b;
    sb_buf_init(&b, ERR_MAX);
    va_list ap;
    va_start(ap, fmt);
    if (sb_buf_vprintf(&b, fmt, ap) < 0)
        sb_buf_puts(&b, "invalid value");
    va_end(ap);
    char *s = sb_buf_steal(&b, NULL);
    return s ? s : strdup("invalid value");
}

/* ---- generation ------------------------------------------------------------------------ */

static const char *type_name(mcp_type t)
{
    switch (t) {
    case MCP_T_STRING: return "string";
    case MCP_T_INTEGER: return "integer";
    case MCP_T_NUMBER: return "number";
    case MCP_T_BOOLEAN: return "boolean";
    case MCP_T_ARRAY: return "array";
    case MCP_T_OBJECT: return "object";
    }
    return NULL;
}

static json_t *param_schema(const mcp_param *p, char **err)
{
    if (p->schema_json) {
        json_error_t je;
        json_t *s = json_loads(p->schema_json, 0, &je);
        if (!s || !json_is_object(s)) {
            json_decref(s);
            *err = fmt_err("parameter '%s': schema_json does not parse: %s", p->name, je.text);
            return NULL;
        }
        if (p->description && !json_object_get(s, "description"))
            json_object_set_new(s, "description", json_string(p->description));
        return s;
    }
    const char *tn = type_name(p->type);
    if (!tn) {
        *err = fmt_err("parameter '%s': unknown type %d", p->name, (int)p->type);
        return NULL;
    }
    json_t *s = json_object();
    json_object_set_new(s, "type", json_string(tn));
    if (p->description)
        json_object_set_new(s, "description", json_string(p->description));
    if (p->enum_values) {
        json_t *e = json_array();
        for (const char *const *v = p->enum_values; *v; v++)
            json_array_append_new(e, json_string(*v));
        json_object_set_new(s, "enum", e);
    }
    if (p->minimum.set)
        json_object_set_new(s, "minimum", p->type == MCP_T_INTEGER
                                              ? json_integer((json_int_t)ceil(p->minimum.value))
                                              : json_real(p->minimum.value));
    if (p->maximum.set)
        json_object_set_new(s, "maximum", p->type == MCP_T_INTEGER
                                              ? json_integer((json_int_t)floor(p->maximum.value))
                                              : json_real(p->maximum.value));
    if (p->min_length)
        json_object_set_new(s, "minLength", json_integer(p->min_length));
    if (p->max_length)
        json_object_set_new(s, "maxLength", json_integer(p->max_length));
    if (p->pattern) {
        char *anch = fmt_err("^(%s)$", p->pattern);
        json_object_set_new(s, "pattern", json_string(anch));
        free(anch);
    }
    if (p->format)
        json_object_set_new(s, "format", json_string(p->format));
    if (p->type == MCP_T_ARRAY && p->items) {
        json_t *it = json_object();
        json_object_set_new(it, "type", json_string(type_name(p->items) ? type_name(p->items)
                                                                         : "string"));
        json_object_set_new(s, "items", it);
    }
    if (p->min_items)
        json_object_set_new(s, "minItems", json_integer(p->min_items));
    if (p->max_items)
        json_object_set_new(s, "maxItems", json_integer(p->max_items));
    return s;
}

static int add_default(json_t *prop, const mcp_param *p, char **err)
{
    if (!p->default_json)
        return 0;
    json_error_t je;
    json_t *d = json_loads(p->default_json, JSON_DECODE_ANY, &je);
    if (!d) {
        *err = fmt_err("parameter '%s': default does not parse: %s", p->name, je.text);
        return -1;
    }
    char *verr = NULL;
    mcp_schema *sc = mcp_schema_compile(prop, &verr);
    int rc = sc ? mcp_schema_validate(sc, d, "default of", &verr) : -1;
    mcp_schema_free(sc);
    if (rc < 0) {
        *err = fmt_err("parameter '%s': %s", p->name, verr ? verr : "bad default");
        free(verr);
        json_decref(d);
        return -1;
    }
    json_object_set_new(prop, "default", d);
    return 0;
}

json_t *mcp_schema_from_params(const mcp_param *params, char **err)
{
    json_t *schema = json_object();
    json_t *props = json_object();
    json_t *req = json_array();
    json_object_set_new(schema, "type", json_string("object"));
    json_object_set_new(schema, "properties", props);
    for (const mcp_param *p = params; p && p->name; p++) {
        if (!*p->name || json_object_get(props, p->name)) {
            *err = fmt_err("parameter '%s': empty or duplicate name", p->name);
            goto fail;
        }
        json_t *prop = param_schema(p, err);
        if (!prop)
            goto fail;
        json_object_set_new(props, p->name, prop);
        if (add_default(prop, p, err) < 0)
            goto fail;
        if (p->required)
            json_array_append_new(req, json_string(p->name));
    }
    if (json_array_size(req))
        json_object_set(schema, "required", req);
    json_decref(req);
    json_object_set_new(schema, "additionalProperties", json_false());
    return schema;
fail:
    json_decref(req);
    json_decref(schema);
    return NULL;
}

/* ---- compilation ----------------------------------------------------------------------- */

static int compile_walk(mcp_schema *sc, json_t *node, int depth, char **err)
{
    if (depth > 64) {
        *err = fmt_err("schema nested too deeply");
        return -1;
    }
    if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) if (compile_walk(sc, v, depth + 1, err) < 0) return -1;
        return 0;
    }
    if (!json_is_object(node))
        return 0;
    const char *key;
    json_t *v;
    json_object_foreach(node, key, v) {
        if (!strcmp(key, "pattern") && json_is_string(v)) {
            pattern_rx *p = calloc(1, sizeof *p);
            p->source = strdup(json_string_value(v));
            int rc = regcomp(&p->rx, p->source, REG_EXTENDED | REG_NOSUB);
            if (rc) {
                *err = fmt_err("pattern '%s' does not compile", p->source);
                free(p->source);
                free(p);
                return -1;
            }
            p->next = sc->patterns;
            sc->patterns = p;
        } else if (strcmp(key, "enum") && strcmp(key, "const") && strcmp(key, "default") &&
                   strcmp(key, "examples")) {
            if (compile_walk(sc, v, depth + 1, err) < 0)
                return -1;
        }
    }
    return 0;
}

mcp_schema *mcp_schema_compile(json_t *schema, char **err)
{
    if (!json_is_object(schema) && !json_is_boolean(schema)) {
        *err = fmt_err("a schema must be an object or a boolean");
        return NULL;
    }
    mcp_schema *sc = calloc(1, sizeof *sc);
    sc->root = json_incref(schema);
    if (compile_walk(sc, schema, 0, err) < 0) {
        mcp_schema_free(sc);
        return NULL;
    }
    return sc;
}

void mcp_schema_free(mcp_schema *sc)
{
    if (!sc)
        return;
    for (pattern_rx *p = sc->patterns, *n; p; p = n) {
        n = p->next;
        regfree(&p->rx);
        free(p->source);
        free(p);
    }
    json_decref(sc->root);
    free(sc);
}

/* ---- validation ------------------------------------------------------------------------ */

typedef struct vctx {
    const mcp_schema *sc;
    const char *what;
    sb_buf path;
    char *err;
    int ref_depth;
} vctx;

static int fail(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(vctx *v, const char *fmt, ...)
{
    if (v->err)
        return -1;
    sb_buf b;
    sb_buf_init(&b, ERR_MAX);
    if (v->path.len)
        sb_buf_printf(&b, "%s '%s': ", v->what, v->path.data);
    else
        sb_buf_printf(&b, "%s: ", !strcmp(v->what, "argument") ? "arguments" : v->what);
    va_list ap;
    va_start(ap, fmt);
    sb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    v->err = sb_buf_steal(&b, NULL);
    if (!v->err)
        v->err = strdup("invalid arguments");
    return -1;
}

static int validate(vctx *v, const json_t *schema, json_t *inst, json_t *parent, size_t pidx,
                    const char *pkey);

static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static bool type_matches(const char *t, const json_t *inst)
{
    if (!strcmp(t, "string")) return json_is_string(inst);
    if (!strcmp(t, "integer")) {
        if (json_is_integer(inst)) return true;
        if (!json_is_real(inst)) return false;
        double d = json_real_value(inst);
        return isfinite(d) && d == floor(d) && fabs(d) < 9.007199254740992e15;
    }
    if (!strcmp(t, "number")) return json_is_number(inst);
    if (!strcmp(t, "boolean")) return json_is_boolean(inst);
    if (!strcmp(t, "array")) return json_is_array(inst);
    if (!strcmp(t, "object")) return json_is_object(inst);
    if (!strcmp(t, "null")) return json_is_null(inst);
    return false;
}

static const char *kind_of(const json_t *inst)
{
    switch (json_typeof(inst)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* Replaces an integral real with an integer in its container. */
static json_t *normalise_int(json_t *inst, json_t *parent, size_t pidx, const char *pkey)
{
    if (!json_is_real(inst) || !parent)
        return inst;
    json_t *i = json_integer((json_int_t)json_real_value(inst));
    if (pkey)
        json_object_set_new(parent, pkey, i);
    else
        json_array_set_new(parent, pidx, i);
    return i;
}

static int check_type(vctx *v, const json_t *t, json_t **inst, json_t *parent, size_t pidx,
                      const char *pkey)
{
    if (json_is_string(t)) {
        const char *ts = json_string_value(t);
        if (!type_matches(ts, *inst))
            return fail(v, "must be %s %s, got %s (type)",
                        ts[0] == 'a' || ts[0] == 'i' || ts[0] == 'o' ? "an" : "a", ts,
                        kind_of(*inst));
        if (!strcmp(ts, "integer"))
            *inst = normalise_int(*inst, parent, pidx, pkey);
        return 0;
    }
    if (!json_is_array(t))
        return 0;
    size_t i;
    json_t *e;
    json_array_foreach(t, i, e) {
        if (json_is_string(e) && type_matches(json_string_value(e), *inst)) {
            if (!strcmp(json_string_value(e), "integer"))
                *inst = normalise_int(*inst, parent, pidx, pkey);
            return 0;
        }
    }
    char *types = json_dumps(t, JSON_COMPACT);
    fail(v, "must be one of the types %s, got %s (type)", types ? types : "?", kind_of(*inst));
    free(types);
    return -1;
}

static int check_enum(vctx *v, const json_t *en, const json_t *inst)
{
    size_t i;
    json_t *e;
    json_array_foreach(en, i, e) if (json_equal(e, inst)) return 0;
    char *list = json_dumps(en, JSON_COMPACT);
    size_t ll = list ? strlen(list) : 0;
    if (ll > 400)
        strcpy(list + 396, "...]");
    fail(v, "must be one of %s (enum)", list ? list : "the allowed values");
    free(list);
    return -1;
}

static double num(const json_t *j) { return json_number_value(j); }

static int check_number(vctx *v, const json_t *s, const json_t *inst)
{
    double x = num(inst);
    const json_t *k;
    if ((k = json_object_get(s, "minimum")) && json_is_number(k) && x < num(k))
        return fail(v, "must be at least %g (minimum)", num(k));
    if ((k = json_object_get(s, "maximum")) && json_is_number(k) && x > num(k))
        return fail(v, "must be at most %g (maximum)", num(k));
    if ((k = json_object_get(s, "exclusiveMinimum")) && json_is_number(k) && x <= num(k))
        return fail(v, "must be greater than %g (exclusiveMinimum)", num(k));
    if ((k = json_object_get(s, "exclusiveMaximum")) && json_is_number(k) && x >= num(k))
        return fail(v, "must be less than %g (exclusiveMaximum)", num(k));
    return 0;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int dnum(const char *s, size_t n)
{
    int x = 0;
    for (size_t i = 0; i < n; i++)
        x = x * 10 + (s[i] - '0');
    return x;
}

static bool is_date(const char *s, size_t n)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return false;
    int y = dnum(s, 4), m = dnum(s + 5, 2), d = dnum(s + 8, 2);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

static bool is_datetime(const char *s, size_t n)
{
    if (n < 20 || !is_date(s, 10) || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return false;
    const char *t = s + 11;
    size_t r = n - 11;
    if (r < 9 || t[2] != ':' || t[5] != ':' || !digits(t, 2) || !digits(t + 3, 2) ||
        !digits(t + 6, 2) || dnum(t, 2) > 23 || dnum(t + 3, 2) > 59 || dnum(t + 6, 2) > 60)
        return false;
    t += 8;
    r -= 8;
    if (*t == '.') {
        size_t k = 1;
        while (k < r && t[k] >= '0' && t[k] <= '9')
            k++;
        if (k == 1)
            return false;
        t += k;
        r -= k;
    }
    if (r == 1 && (*t == 'Z' || *t == 'z'))
        return true;
    return r == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':' && digits(t + 1, 2) &&
           digits(t + 4, 2) && dnum(t + 1, 2) < 24 && dnum(t + 4, 2) < 60;
}

static bool is_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s || at == s + n - 1 || memchr(at + 1, '@', n - (size_t)(at - s) - 1))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ')
            return false;
    const char *dot = memchr(at + 1, '.', n - (size_t)(at - s) - 1);
    return dot && dot != at + 1 && dot != s + n - 1;
}

static bool is_uri(const char *s, size_t n)
{
    size_t i = 0;
    if (!n || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
        return false;
    while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
                     (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i == n || s[i] != ':')
        return false;
    for (; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '<' || s[i] == '>' || s[i] == '"')
            return false;
    return true;
}

static int check_format(vctx *v, const char *fmtname, const char *s, size_t n)
{
    bool ok = true;
    if (!strcmp(fmtname, "date")) ok = is_date(s, n);
    else if (!strcmp(fmtname, "date-time")) ok = is_datetime(s, n);
    else if (!strcmp(fmtname, "email")) ok = is_email(s, n);
    else if (!strcmp(fmtname, "uri")) ok = is_uri(s, n);
    if (ok)
        return 0;
    static const struct { const char *name, *hint; } hints[] = {
        {"date", "YYYY-MM-DD"}, {"date-time", "RFC 3339, e.g. 2026-11-21T09:30:00Z"},
        {"email", "name@example.com"}, {"uri", "scheme:rest, e.g. https://host/path"}};
    const char *hint = "";
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
        if (!strcmp(hints[i].name, fmtname))
            hint = hints[i].hint;
    return fail(v, "must be a valid %s (%s) (format)", fmtname, hint);
}

static const regex_t *find_rx(const mcp_schema *sc, const char *src)
{
    for (const pattern_rx *p = sc->patterns; p; p = p->next)
        if (!strcmp(p->source, src))
            return &p->rx;
    return NULL;
}

static int check_string(vctx *v, const json_t *s, const json_t *inst)
{
    const char *str = json_string_value(inst);
    size_t n = json_string_length(inst);
    const json_t *k;
    size_t chars = 0;
    bool counted = false;
    if ((k = json_object_get(s, "minLength")) && json_is_integer(k)) {
        chars = utf8_chars(str, n);
        counted = true;
        if ((json_int_t)chars < json_integer_value(k))
            return fail(v, "must be at least %lld characters long (minLength)",
                        (long long)json_integer_value(k));
    }
    if ((k = json_object_get(s, "maxLength")) && json_is_integer(k)) {
        if (!counted)
            chars = utf8_chars(str, n);
        if ((json_int_t)chars > json_integer_value(k))
            return fail(v, "must be at most %lld characters long, got %zu (maxLength)",
                        (long long)json_integer_value(k), chars);
    }
    if ((k = json_object_get(s, "pattern")) && json_is_string(k)) {
        const regex_t *rx = find_rx(v->sc, json_string_value(k));
        if (memchr(str, '\0', n))
            return fail(v, "must not contain NUL characters (pattern)");
        if (rx && regexec(rx, str, 0, NULL, 0) != 0)
            return fail(v, "must match the pattern %s (pattern)", json_string_value(k));
    }
    if ((k = json_object_get(s, "format")) && json_is_string(k))
        return check_format(v, json_string_value(k), str, n);
    return 0;
}

static void path_push_index(vctx *v, size_t i, size_t *mark)
{
    *mark = v->path.len;
    sb_buf_printf(&v->path, "[%zu]", i);
}

static void path_push_key(vctx *v, const char *key, size_t *mark)
{
    *mark = v->path.len;
    if (v->path.len)
        sb_buf_putc(&v->path, '.');
    sb_buf_puts(&v->path, key);
}

static void path_pop(vctx *v, size_t mark)
{
    v->path.len = mark;
    if (v->path.data)
        v->path.data[mark] = '\0';
}

static int check_array(vctx *v, const json_t *s, json_t *inst)
{
    const json_t *k;
    size_t n = json_array_size(inst);
    if ((k = json_object_get(s, "minItems")) && json_is_integer(k) &&
        (json_int_t)n < json_integer_value(k))
        return fail(v, "must have at least %lld items (minItems)", (long long)json_integer_value(k));
    if ((k = json_object_get(s, "maxItems")) && json_is_integer(k) &&
        (json_int_t)n > json_integer_value(k))
        return fail(v, "must have at most %lld items, got %zu (maxItems)",
                    (long long)json_integer_value(k), n);
    const json_t *prefix = json_object_get(s, "prefixItems");
    size_t np = json_is_array(prefix) ? json_array_size(prefix) : 0;
    const json_t *items = json_object_get(s, "items");
    for (size_t i = 0; i < n; i++) {
        const json_t *sub = i < np ? json_array_get(prefix, i) : items;
        if (!sub)
            continue;
        size_t mark;
        path_push_index(v, i, &mark);
        int rc = validate(v, sub, json_array_get(inst, i), inst, i, NULL);
        path_pop(v, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int check_object(vctx *v, const json_t *s, json_t *inst)
{
    const json_t *props = json_object_get(s, "properties");
    const json_t *req = json_object_get(s, "required");
    size_t i;
    json_t *r;
    json_array_foreach(req, i, r) {
        if (json_is_string(r) && !json_object_get(inst, json_string_value(r))) {
            size_t mark;
            path_push_key(v, json_string_value(r), &mark);
            int rc = fail(v, "is required but missing (required)");
            path_pop(v, mark);
            return rc;
        }
    }
    const json_t *addl = json_object_get(s, "additionalProperties");
    const char *key;
    json_t *val;
    void *tmp;
    json_object_foreach_safe(inst, tmp, key, val) {
        const json_t *sub = props ? json_object_get(props, key) : NULL;
        size_t mark;
        path_push_key(v, key, &mark);
        int rc = 0;
        if (sub)
            rc = validate(v, sub, val, inst, 0, key);
        else if (json_is_false(addl)) {
            sb_buf names;
            sb_buf_init(&names, 1024);
            const char *pk;
            json_t *pv;
            json_object_foreach((json_t *)props, pk, pv) {
                if (sb_buf_printf(&names, "%s%s", names.len ? ", " : "", pk) < 0)
                    break;
            }
            rc = fail(v, "is not an accepted argument (additionalProperties); accepted: %s",
                      names.len ? names.data : "none");
            sb_buf_free(&names);
        } else if (json_is_object(addl))
            rc = validate(v, addl, val, inst, 0, key);
        path_pop(v, mark);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static const json_t *resolve_ref(vctx *v, const char *ref)
{
    if (strncmp(ref, "#/$defs/", 8) && strncmp(ref, "#/definitions/", 14))
        return ref[0] == '#' && !ref[1] ? v->sc->root : NULL;
    const char *name = strchr(ref + 2, '/') + 1;
    const json_t *defs = json_object_get(v->sc->root, ref[2] == '$' ? "$defs" : "definitions");
    return json_object_get(defs, name);
}

static int check_combinators(vctx *v, const json_t *s, json_t *inst, json_t *parent,
                             size_t pidx, const char *pkey)
{
    const json_t *k;
    size_t i;
    json_t *sub;
    if ((k = json_object_get(s, "allOf")))
        json_array_foreach(k, i, sub) if (validate(v, sub, inst, parent, pidx, pkey) < 0) return -1;
    const char *names[] = {"anyOf", "oneOf"};
    for (int w = 0; w < 2; w++) {
        if (!(k = json_object_get(s, names[w])) || !json_is_array(k))
            continue;
        size_t ok = 0;
        json_array_foreach(k, i, sub) {
            vctx t = {.sc = v->sc, .what = v->what, .ref_depth = v->ref_depth};
            sb_buf_init(&t.path, 1);
            if (validate(&t, sub, inst, NULL, 0, NULL) == 0)
                ok++;
            free(t.err);
            sb_buf_free(&t.path);
        }
        if (w == 0 && ok == 0)
            return fail(v, "matches none of the allowed forms (anyOf)");
        if (w == 1 && ok != 1)
            return fail(v, "must match exactly one of the allowed forms, matched %zu (oneOf)", ok);
    }
    if ((k = json_object_get(s, "not"))) {
        vctx t = {.sc = v->sc, .what = v->what, .ref_depth = v->ref_depth};
        sb_buf_init(&t.path, 1);
        int rc = validate(&t, k, inst, NULL, 0, NULL);
        free(t.err);
        sb_buf_free(&t.path);
        if (rc == 0)
            return fail(v, "matches a form that is not allowed (not)");
    }
    return 0;
}

static int validate(vctx *v, const json_t *s, json_t *inst, json_t *parent, size_t pidx,
                    const char *pkey)
{
    if (json_is_true(s))
        return 0;
    if (json_is_false(s))
        return fail(v, "is not allowed");
    if (!json_is_object(s))
        return 0;
    const json_t *k;
    if ((k = json_object_get(s, "$ref")) && json_is_string(k)) {
        const json_t *target = resolve_ref(v, json_string_value(k));
        if (!target || v->ref_depth > 32)
            return fail(v, "schema reference %s cannot be resolved", json_string_value(k));
        v->ref_depth++;
        int rc = validate(v, target, inst, parent, pidx, pkey);
        v->ref_depth--;
        if (rc < 0)
            return -1;
    }
    if ((k = json_object_get(s, "type")) && check_type(v, k, &inst, parent, pidx, pkey) < 0)
        return -1;
    if ((k = json_object_get(s, "enum")) && json_is_array(k) && check_enum(v, k, inst) < 0)
        return -1;
    if ((k = json_object_get(s, "const")) && !json_equal(k, inst)) {
        char *c = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
        fail(v, "must be %s (const)", c ? c : "the fixed value");
        free(c);
        return -1;
    }
    int rc = 0;
    if (json_is_number(inst))
        rc = check_number(v, s, inst);
    else if (json_is_string(inst))
        rc = check_string(v, s, inst);
    else if (json_is_array(inst))
        rc = check_array(v, s, inst);
    else if (json_is_object(inst))
        rc = check_object(v, s, inst);
    if (rc < 0)
        return -1;
    return check_combinators(v, s, inst, parent, pidx, pkey);
}

int mcp_schema_validate(const mcp_schema *sc, json_t *instance, const char *what, char **err)
{
    vctx v = {.sc = sc, .what = what ? what : "argument"};
    sb_buf_init(&v.path, 4096);
    int rc = validate(&v, sc->root, instance, NULL, 0, NULL);
    sb_buf_free(&v.path);
    if (rc < 0) {
        if (err)
            *err = v.err;
        else
            free(v.err);
        return -1;
    }
    free(v.err);
    return 0;
}

void mcp_schema_fill_defaults(const json_t *schema, json_t *object)
{
    const json_t *props = json_object_get(schema, "properties");
    const char *key;
    json_t *p;
    json_object_foreach((json_t *)props, key, p) {
        json_t *d = json_object_get(p, "default");
        if (d && !json_object_get(object, key))
            json_object_set_new(object, key, json_deep_copy(d));
    }
}
