/* The $filter expression language of the XAPI simulator: a tokenizer and recursive-descent
 * parser over a pointer+length view that builds a small typed tree (at most
 * TSIM_FILTER_MAX_NODES nodes, TSIM_FILTER_MAX_DEPTH nesting), checked against the entity
 * schema as ASP.NET OData does (unknown property, incompatible operand types and a
 * non-boolean result are 400s), and an evaluator over jansson objects.
 * Supported: eq ne gt ge lt le, and or not, parentheses, 'string' literals with '' escaping,
 * integers, decimals, true/false/null, bare date-times and dates, contains startswith
 * endswith tolower toupper trim length date, and Complex/Sub property paths. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odata.h"

enum { VT_NULL, VT_BOOL, VT_INT, VT_NUM, VT_STR, VT_DT, VT_DATE, VT_ANY };
enum { N_OR, N_AND, N_NOT, N_CMP, N_FUNC, N_PROP, N_LIT };
enum { OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE };
enum { F_CONTAINS, F_STARTSWITH, F_ENDSWITH, F_TOLOWER, F_TOUPPER, F_TRIM, F_LENGTH, F_DATE };

typedef struct fnode {
    unsigned char kind, op, vt;
    int a, b;      /* children (node indices), -1 when absent */
    bool bval;
    int64_t i;     /* INT, DT (ms), DATE (days) */
    double d;
    char *s;       /* string literal (decoded) or property path */
    size_t slen;
    tsim_type ptype;
} fnode;

struct tsim_filter {
    fnode *nodes;
    int n;
    int root;
    bool case_sensitive;
};

typedef enum { TK_END, TK_LP, TK_RP, TK_COMMA, TK_IDENT, TK_STR, TK_INT, TK_NUM, TK_DT, TK_DATE } tk_kind;

typedef struct token {
    tk_kind kind;
    const char *p; /* start in the text */
    size_t n;
    int64_t i;
    double d;
    char *s;       /* decoded string literal (owned until moved into a node) */
    size_t slen;
} token;

typedef struct parser {
    const char *text, *p, *end;
    token tok;
    const tsim_schema *schema;
    tsim_filter *f;
    char *err;
    int depth;
    bool failed;
} parser;

static const char *const vt_names[] = {"null", "Edm.Boolean", "Edm.Int32", "Edm.Decimal",
                                       "Edm.String", "Edm.DateTimeOffset", "Edm.Date", "Edm.Untyped"};

static void fail(parser *ps, const char *fmt, const char *a, size_t alen)
{
    if (ps->failed)
        return;
    ps->failed = true;
    char detail[160];
    int w = alen > 60 ? 60 : (int)alen;
    snprintf(detail, sizeof detail, fmt, w, a ? a : "");
    snprintf(ps->err, TSIM_ERR_LEN, "The query specified in the URI is not valid. %s", detail);
}

static void fail_at(parser *ps, const char *what)
{
    char msg[96];
    snprintf(msg, sizeof msg, "%s at position %ld in '%%.*s'.", what, (long)(ps->tok.p - ps->text));
    fail(ps, msg, ps->text, (size_t)(ps->end - ps->text));
}

/* ---- tokenizer ---- */

static bool is_ident_start(char c) { return isalpha((unsigned char)c) || c == '_' || c == '$'; }
static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '/' || c == '$';
}

static bool lex_string(parser *ps, token *t)
{
    const char *q = ps->p + 1;
    size_t n = 0;
    for (const char *r = q;; r++) {
        if (r >= ps->end)
            return false;
        if (*r == '\'') {
            if (r + 1 < ps->end && r[1] == '\'') {
                n++;
                r++;
                continue;
            }
            break;
        }
        n++;
    }
    char *s = malloc(n + 1);
    if (!s)
        return false;
    size_t k = 0;
    const char *r = q;
    while (k < n) {
        s[k++] = *r;
        r += (*r == '\'') ? 2 : 1;
    }
    s[n] = '\0';
    if (memchr(s, '\0', n)) {
        free(s);
        return false;
    }
    t->kind = TK_STR;
    t->s = s;
    t->slen = n;
    ps->p = r + 1;
    return true;
}

static bool lex_number(parser *ps, token *t)
{
    const char *q = ps->p, *r = q;
    /* a date or date-time starts with four digits and a dash */
    if (ps->end - q >= 10 && isdigit((unsigned char)q[0]) && isdigit((unsigned char)q[1]) &&
        isdigit((unsigned char)q[2]) && isdigit((unsigned char)q[3]) && q[4] == '-') {
        while (r < ps->end && *r && (isdigit((unsigned char)*r) || strchr("-:.TZ+", *r)))
            r++;
        size_t n = (size_t)(r - q);
        if (memchr(q, 'T', n)) {
            if (!tsim_parse_datetime(q, n, &t->i))
                return false;
            t->kind = TK_DT;
        } else {
            if (!tsim_parse_date(q, n, &t->i))
                return false;
            t->kind = TK_DATE;
        }
        ps->p = r;
        return true;
    }
    bool neg = false;
    if (*r == '-') {
        neg = true;
        r++;
    }
    int64_t v = 0;
    const char *digits = r;
    while (r < ps->end && isdigit((unsigned char)*r)) {
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*r - '0');
        r++;
    }
    if (r == digits)
        return false;
    t->kind = TK_INT;
    t->i = neg ? -v : v;
    if (r < ps->end && *r == '.') {
        double frac = 0, scale = 1;
        const char *fd = ++r;
        while (r < ps->end && isdigit((unsigned char)*r) && r - fd < 18) {
            frac = frac * 10 + (*r - '0');
            scale *= 10;
            r++;
        }
        if (r == fd || (r < ps->end && isdigit((unsigned char)*r)))
            return false;
        t->kind = TK_NUM;
        t->d = (double)v + frac / scale;
        if (neg)
            t->d = -t->d;
    }
    if (r < ps->end && is_ident_char(*r))
        return false;
    ps->p = r;
    return true;
}

static void next(parser *ps)
{
    token *t = &ps->tok;
    free(t->s);
    memset(t, 0, sizeof *t);
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
    t->p = ps->p;
    if (ps->p >= ps->end) {
        t->kind = TK_END;
        return;
    }
    char c = *ps->p;
    bool ok = true;
    if (c == '(' || c == ')' || c == ',') {
        t->kind = c == '(' ? TK_LP : c == ')' ? TK_RP : TK_COMMA;
        ps->p++;
    } else if (c == '\'') {
        ok = lex_string(ps, t);
    } else if (isdigit((unsigned char)c) || (c == '-' && ps->p + 1 < ps->end &&
                                             isdigit((unsigned char)ps->p[1]))) {
        ok = lex_number(ps, t);
    } else if (is_ident_start(c)) {
        const char *r = ps->p;
        while (r < ps->end && is_ident_char(*r))
            r++;
        t->kind = TK_IDENT;
        ps->p = r;
    } else {
        ok = false;
    }
    t->n = (size_t)(ps->p - t->p);
    if (!ok) {
        t->kind = TK_END;
        fail_at(ps, "Syntax error: unexpected or malformed token");
    }
}

static bool tok_is(const parser *ps, const char *word)
{
    return ps->tok.kind == TK_IDENT && ps->tok.n == strlen(word) &&
           memcmp(ps->tok.p, word, ps->tok.n) == 0;
}

/* ---- tree building ---- */

static int new_node(parser *ps, int kind, int vt)
{
    tsim_filter *f = ps->f;
    if (f->n >= TSIM_FILTER_MAX_NODES) {
        fail(ps, "The node count limit of 512 has been exceeded%.*s.", "", 0);
        return -1;
    }
    fnode *nd = &f->nodes[f->n];
    memset(nd, 0, sizeof *nd);
    nd->kind = (unsigned char)kind;
    nd->vt = (unsigned char)vt;
    nd->a = nd->b = -1;
    return f->n++;
}

static int parse_or(parser *ps);

static int vt_of_type(tsim_type t)
{
    switch (t) {
    case TSIM_T_STRING:
    case TSIM_T_ENUM:
    case TSIM_T_DURATION: return VT_STR;
    case TSIM_T_INT: return VT_INT;
    case TSIM_T_DECIMAL: return VT_NUM;
    case TSIM_T_BOOL: return VT_BOOL;
    case TSIM_T_DATETIME: return VT_DT;
    default: return VT_ANY;
    }
}

static int parse_property(parser *ps)
{
    const char *p = ps->tok.p;
    size_t n = ps->tok.n;
    const char *slash = memchr(p, '/', n);
    size_t head = slash ? (size_t)(slash - p) : n;
    const tsim_prop *prop = tsim_schema_find(ps->schema, p, head);
    if (!prop) {
        char msg[128];
        snprintf(msg, sizeof msg, "Could not find a property named '%%.*s' on type 'Pbx.%s'.",
                 ps->schema->name);
        fail(ps, msg, p, head);
        return -1;
    }
    if (prop->type == TSIM_T_NAV || prop->type == TSIM_T_COLLECTION) {
        fail(ps, "The collection or navigation property '%.*s' cannot be compared in $filter "
                 "(any/all lambdas are not supported).", p, head);
        return -1;
    }
    if (slash && prop->type != TSIM_T_OBJECT) {
        fail(ps, "The property '%.*s' has no sub-properties.", p, head);
        return -1;
    }
    if (!slash && prop->type == TSIM_T_OBJECT) {
        fail(ps, "The complex property '%.*s' cannot be compared as a whole.", p, head);
        return -1;
    }
    if (slash && (slash + 1 == p + n || p[n - 1] == '/' || memmem(p, n, "//", 2))) {
        fail(ps, "Malformed property path '%.*s'.", p, n);
        return -1;
    }
    int id = new_node(ps, N_PROP, vt_of_type(prop->type));
    if (id < 0)
        return -1;
    fnode *nd = &ps->f->nodes[id];
    nd->s = strndup(p, n);
    nd->slen = n;
    nd->ptype = prop->type;
    if (!nd->s) {
        fail(ps, "Out of memory%.*s.", "", 0);
        return -1;
    }
    next(ps);
    return id;
}

static const struct {
    const char *name;
    int id, arity, result;
} funcs[] = {
    {"contains", F_CONTAINS, 2, VT_BOOL}, {"startswith", F_STARTSWITH, 2, VT_BOOL},
    {"endswith", F_ENDSWITH, 2, VT_BOOL}, {"tolower", F_TOLOWER, 1, VT_STR},
    {"toupper", F_TOUPPER, 1, VT_STR},    {"trim", F_TRIM, 1, VT_STR},
    {"length", F_LENGTH, 1, VT_INT},      {"date", F_DATE, 1, VT_DATE},
};

static bool arg_ok(int fid, int vt)
{
    if (vt == VT_ANY || vt == VT_NULL)
        return true;
    if (fid == F_DATE)
        return vt == VT_DT;
    return vt == VT_STR;
}

static int parse_call(parser *ps)
{
    size_t k;
    for (k = 0; k < sizeof funcs / sizeof funcs[0]; k++)
        if (tok_is(ps, funcs[k].name))
            break;
    if (k == sizeof funcs / sizeof funcs[0]) {
        fail(ps, "An unknown function with name '%.*s' was found.", ps->tok.p, ps->tok.n);
        return -1;
    }
    const char *fname = ps->tok.p;
    size_t fnlen = ps->tok.n;
    next(ps); /* name */
    next(ps); /* ( */
    if (++ps->depth > TSIM_FILTER_MAX_DEPTH) {
        fail(ps, "The recursion depth limit was exceeded%.*s.", "", 0);
        return -1;
    }
    int args[2] = {-1, -1};
    for (int i = 0; i < funcs[k].arity; i++) {
        if (i > 0) {
            if (ps->tok.kind != TK_COMMA) {
                fail(ps, "The function '%.*s' expects more arguments.", fname, fnlen);
                return -1;
            }
            next(ps);
        }
        args[i] = parse_or(ps);
        if (args[i] < 0)
            return -1;
        if (!arg_ok(funcs[k].id, ps->f->nodes[args[i]].vt)) {
            fail(ps, "No function signature for the function with name '%.*s' matches the "
                     "specified arguments.", fname, fnlen);
            return -1;
        }
    }
    if (ps->tok.kind != TK_RP) {
        fail(ps, "The function '%.*s' was given the wrong number of arguments or a missing ')'.",
             fname, fnlen);
        return -1;
    }
    next(ps);
    ps->depth--;
    int id = new_node(ps, N_FUNC, funcs[k].result);
    if (id < 0)
        return -1;
    ps->f->nodes[id].op = (unsigned char)funcs[k].id;
    ps->f->nodes[id].a = args[0];
    ps->f->nodes[id].b = args[1];
    return id;
}

static int parse_literal(parser *ps)
{
    token *t = &ps->tok;
    int vt = t->kind == TK_STR ? VT_STR : t->kind == TK_INT ? VT_INT : t->kind == TK_NUM ? VT_NUM
           : t->kind == TK_DT ? VT_DT : VT_DATE;
    int id = new_node(ps, N_LIT, vt);
    if (id < 0)
        return -1;
    fnode *nd = &ps->f->nodes[id];
    nd->i = t->i;
    nd->d = t->d;
    nd->s = t->s;
    nd->slen = t->slen;
    t->s = NULL;
    next(ps);
    return id;
}

static int parse_primary(parser *ps)
{
    if (ps->failed)
        return -1;
    switch (ps->tok.kind) {
    case TK_LP: {
        if (++ps->depth > TSIM_FILTER_MAX_DEPTH) {
            fail(ps, "The recursion depth limit was exceeded%.*s.", "", 0);
            return -1;
        }
        next(ps);
        int id = parse_or(ps);
        if (id < 0)
            return -1;
        if (ps->tok.kind != TK_RP) {
            fail_at(ps, "Syntax error: ')' expected");
            return -1;
        }
        ps->depth--;
        next(ps);
        return id;
    }
    case TK_STR:
    case TK_INT:
    case TK_NUM:
    case TK_DT:
    case TK_DATE:
        return parse_literal(ps);
    case TK_IDENT: {
        if (tok_is(ps, "true") || tok_is(ps, "false")) {
            int id = new_node(ps, N_LIT, VT_BOOL);
            if (id < 0)
                return -1;
            ps->f->nodes[id].bval = tok_is(ps, "true");
            next(ps);
            return id;
        }
        if (tok_is(ps, "null")) {
            int id = new_node(ps, N_LIT, VT_NULL);
            if (id >= 0)
                next(ps);
            return id;
        }
        const char *after = ps->p;
        while (after < ps->end && (*after == ' ' || *after == '\t'))
            after++;
        if (after < ps->end && *after == '(')
            return parse_call(ps);
        return parse_property(ps);
    }
    default:
        fail_at(ps, "Syntax error: an operand was expected");
        return -1;
    }
}

static int parse_unary(parser *ps)
{
    if (!tok_is(ps, "not"))
        return parse_primary(ps);
    if (++ps->depth > TSIM_FILTER_MAX_DEPTH) {
        fail(ps, "The recursion depth limit was exceeded%.*s.", "", 0);
        return -1;
    }
    next(ps);
    int a = parse_unary(ps);
    ps->depth--;
    if (a < 0)
        return -1;
    int vt = ps->f->nodes[a].vt;
    if (vt != VT_BOOL && vt != VT_ANY) {
        fail(ps, "The operand of 'not' must be a boolean%.*s.", "", 0);
        return -1;
    }
    int id = new_node(ps, N_NOT, VT_BOOL);
    if (id >= 0)
        ps->f->nodes[id].a = a;
    return id;
}

static int cmp_op(const parser *ps)
{
    static const char *const ops[] = {"eq", "ne", "gt", "ge", "lt", "le"};
    for (int i = 0; i < 6; i++)
        if (tok_is(ps, ops[i]))
            return i;
    return -1;
}

static bool vt_compatible(int a, int b, int op)
{
    if (a == VT_ANY || b == VT_ANY)
        return true;
    if (a == VT_NULL || b == VT_NULL)
        return op == OP_EQ || op == OP_NE;
    if ((a == VT_INT || a == VT_NUM) && (b == VT_INT || b == VT_NUM))
        return true;
    if (a == VT_BOOL && b == VT_BOOL)
        return op == OP_EQ || op == OP_NE;
    return a == b;
}

static int parse_cmp(parser *ps)
{
    int a = parse_unary(ps);
    if (a < 0)
        return -1;
    int op = cmp_op(ps);
    if (op < 0)
        return a;
    next(ps);
    int b = parse_unary(ps);
    if (b < 0)
        return -1;
    int va = ps->f->nodes[a].vt, vb = ps->f->nodes[b].vt;
    if (!vt_compatible(va, vb, op)) {
        char msg[200];
        snprintf(msg, sizeof msg, "A binary operator with incompatible types was detected. Found "
                 "operand types '%s' and '%s' for an operator%%.*s.", vt_names[va], vt_names[vb]);
        fail(ps, msg, "", 0);
        return -1;
    }
    int id = new_node(ps, N_CMP, VT_BOOL);
    if (id < 0)
        return -1;
    ps->f->nodes[id].op = (unsigned char)op;
    ps->f->nodes[id].a = a;
    ps->f->nodes[id].b = b;
    return id;
}

static int parse_bin(parser *ps, bool is_or)
{
    int a = is_or ? parse_bin(ps, false) : parse_cmp(ps);
    while (a >= 0 && tok_is(ps, is_or ? "or" : "and")) {
        next(ps);
        int b = is_or ? parse_bin(ps, false) : parse_cmp(ps);
        if (b < 0)
            return -1;
        const fnode *na = &ps->f->nodes[a], *nb = &ps->f->nodes[b];
        if ((na->vt != VT_BOOL && na->vt != VT_ANY) || (nb->vt != VT_BOOL && nb->vt != VT_ANY)) {
            fail(ps, "The operands of '%.*s' must be boolean.", is_or ? "or" : "and",
                 is_or ? 2 : 3);
            return -1;
        }
        int id = new_node(ps, is_or ? N_OR : N_AND, VT_BOOL);
        if (id < 0)
            return -1;
        ps->f->nodes[id].a = a;
        ps->f->nodes[id].b = b;
        a = id;
    }
    return a;
}

static int parse_or(parser *ps)
{
    return parse_bin(ps, true);
}

tsim_filter *tsim_filter_parse(const char *text, size_t len, const tsim_schema *schema,
                               const tsim_odata_opts *opts, char *err)
{
    err[0] = '\0';
    if (len > TSIM_QUERY_MAX_TEXT) {
        snprintf(err, TSIM_ERR_LEN, "The query specified in the URI is not valid. The $filter "
                 "text is longer than %d bytes.", TSIM_QUERY_MAX_TEXT);
        return NULL;
    }
    tsim_filter *f = calloc(1, sizeof *f);
    if (f)
        f->nodes = calloc(TSIM_FILTER_MAX_NODES, sizeof *f->nodes);
    if (!f || !f->nodes) {
        free(f);
        snprintf(err, TSIM_ERR_LEN, "out of memory");
        return NULL;
    }
    f->case_sensitive = opts && opts->case_sensitive_contains;
    parser ps = {.text = text, .p = text, .end = text + len, .schema = schema, .f = f, .err = err};
    next(&ps);
    if (ps.tok.kind == TK_END && !ps.failed)
        fail(&ps, "The $filter expression is empty%.*s.", "", 0);
    int root = ps.failed ? -1 : parse_or(&ps);
    if (root >= 0 && ps.tok.kind != TK_END)
        fail_at(&ps, "Syntax error: unexpected token");
    if (root >= 0 && !ps.failed && f->nodes[root].vt != VT_BOOL && f->nodes[root].vt != VT_ANY)
        fail(&ps, "The $filter expression must evaluate to a single boolean value%.*s.", "", 0);
    free(ps.tok.s);
    if (ps.failed || root < 0) {
        if (!err[0])
            snprintf(err, TSIM_ERR_LEN, "The query specified in the URI is not valid.");
        tsim_filter_free(f);
        return NULL;
    }
    f->root = root;
    return f;
}

void tsim_filter_free(tsim_filter *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n; i++)
        free(f->nodes[i].s);
    free(f->nodes);
    free(f);
}

/* ---- evaluation ---- */

typedef struct rval {
    int t; /* VT_* */
    bool b;
    int64_t i;
    double d;
    const char *s;
    size_t n;
    char *own;
} rval;

static const json_t *lookup_path(const json_t *obj, const char *path)
{
    const char *p = path;
    while (obj && json_is_object(obj)) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        obj = json_object_getn(obj, p, n);
        if (!slash)
            return obj;
        p = slash + 1;
    }
    return NULL;
}

static rval from_json(const json_t *v, tsim_type t)
{
    rval r = {.t = VT_NULL};
    if (!v || json_is_null(v))
        return r;
    if (json_is_string(v)) {
        r.t = VT_STR;
        r.s = json_string_value(v);
        r.n = json_string_length(v);
        if (t == TSIM_T_DATETIME && tsim_parse_datetime(r.s, r.n, &r.i))
            r.t = VT_DT;
    } else if (json_is_integer(v)) {
        r.t = VT_INT;
        r.i = json_integer_value(v);
    } else if (json_is_real(v)) {
        r.t = VT_NUM;
        r.d = json_real_value(v);
    } else if (json_is_boolean(v)) {
        r.t = VT_BOOL;
        r.b = json_is_true(v);
    }
    return r;
}

static rval eval(const tsim_filter *f, int id, const json_t *e);

static bool ci_eq(const char *a, const char *b, size_t n, bool cs)
{
    if (cs)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    return true;
}

static bool str_func(int fid, const rval *h, const rval *nd, bool cs)
{
    if (nd->n > h->n)
        return false;
    if (fid == F_STARTSWITH)
        return ci_eq(h->s, nd->s, nd->n, cs);
    if (fid == F_ENDSWITH)
        return ci_eq(h->s + h->n - nd->n, nd->s, nd->n, cs);
    for (size_t i = 0; i + nd->n <= h->n; i++)
        if (ci_eq(h->s + i, nd->s, nd->n, cs))
            return true;
    return false;
}

static rval eval_func(const tsim_filter *f, const fnode *nd, const json_t *e)
{
    rval r = {.t = VT_NULL};
    rval a = eval(f, nd->a, e);
    if (nd->op <= F_ENDSWITH) {
        rval b = eval(f, nd->b, e);
        r.t = VT_BOOL;
        r.b = a.t == VT_STR && b.t == VT_STR && str_func(nd->op, &a, &b, f->case_sensitive);
        free(b.own);
    } else if (nd->op == F_DATE) {
        if (a.t == VT_STR && tsim_parse_datetime(a.s, a.n, &a.i))
            a.t = VT_DT;
        if (a.t == VT_DT) {
            r.t = VT_DATE;
            r.i = a.i >= 0 ? a.i / 86400000 : -((-a.i + 86399999) / 86400000);
        }
    } else if (nd->op == F_LENGTH) {
        if (a.t == VT_STR) {
            r.t = VT_INT;
            r.i = (int64_t)a.n;
        }
    } else if (a.t == VT_STR) {
        const char *s = a.s;
        size_t n = a.n;
        if (nd->op == F_TRIM) {
            while (n && isspace((unsigned char)*s))
                s++, n--;
            while (n && isspace((unsigned char)s[n - 1]))
                n--;
        }
        r.own = strndup(s, n);
        if (r.own) {
            for (size_t i = 0; i < n; i++)
                if (nd->op != F_TRIM)
                    r.own[i] = (char)(nd->op == F_TOLOWER ? tolower((unsigned char)r.own[i])
                                                          : toupper((unsigned char)r.own[i]));
            r.t = VT_STR;
            r.s = r.own;
            r.n = n;
        }
    }
    free(a.own);
    return r;
}

/* -2 when the values cannot be ordered, else -1/0/1. */
static int compare(rval *a, rval *b)
{
    if (a->t == VT_DT && b->t == VT_STR && tsim_parse_datetime(b->s, b->n, &b->i))
        b->t = VT_DT;
    if (b->t == VT_DT && a->t == VT_STR && tsim_parse_datetime(a->s, a->n, &a->i))
        a->t = VT_DT;
    if ((a->t == VT_INT || a->t == VT_NUM) && (b->t == VT_INT || b->t == VT_NUM)) {
        if (a->t == VT_INT && b->t == VT_INT)
            return a->i < b->i ? -1 : a->i > b->i;
        double x = a->t == VT_INT ? (double)a->i : a->d, y = b->t == VT_INT ? (double)b->i : b->d;
        return x < y ? -1 : x > y;
    }
    if (a->t != b->t)
        return -2;
    switch (a->t) {
    case VT_BOOL: return a->b == b->b ? 0 : a->b ? 1 : -1;
    case VT_DT:
    case VT_DATE: return a->i < b->i ? -1 : a->i > b->i;
    case VT_STR: {
        size_t n = a->n < b->n ? a->n : b->n;
        int c = memcmp(a->s, b->s, n);
        if (c)
            return c < 0 ? -1 : 1;
        return a->n < b->n ? -1 : a->n > b->n;
    }
    default: return -2;
    }
}

static bool eval_cmp(const tsim_filter *f, const fnode *nd, const json_t *e)
{
    rval a = eval(f, nd->a, e), b = eval(f, nd->b, e);
    bool res;
    if (a.t == VT_NULL || b.t == VT_NULL) {
        bool both = a.t == VT_NULL && b.t == VT_NULL;
        res = nd->op == OP_EQ ? both : nd->op == OP_NE ? !both : false;
    } else {
        int c = compare(&a, &b);
        switch (nd->op) {
        case OP_EQ: res = c == 0; break;
        case OP_NE: res = c != 0; break;
        case OP_GT: res = c == 1; break;
        case OP_GE: res = c == 0 || c == 1; break;
        case OP_LT: res = c == -1; break;
        default: res = c == -1 || c == 0; break;
        }
    }
    free(a.own);
    free(b.own);
    return res;
}

static bool truthy(const tsim_filter *f, int id, const json_t *e)
{
    rval v = eval(f, id, e);
    free(v.own);
    return v.t == VT_BOOL && v.b;
}

static rval eval(const tsim_filter *f, int id, const json_t *e)
{
    const fnode *nd = &f->nodes[id];
    rval r = {.t = VT_BOOL};
    switch (nd->kind) {
    case N_OR: r.b = truthy(f, nd->a, e) || truthy(f, nd->b, e); break;
    case N_AND: r.b = truthy(f, nd->a, e) && truthy(f, nd->b, e); break;
    case N_NOT: {
        rval v = eval(f, nd->a, e);
        free(v.own);
        if (v.t != VT_BOOL)
            r.t = VT_NULL;
        r.b = !v.b;
        break;
    }
    case N_CMP: r.b = eval_cmp(f, nd, e); break;
    case N_FUNC: return eval_func(f, nd, e);
    case N_PROP: return from_json(lookup_path(e, nd->s), nd->ptype);
    default:
        r.t = nd->vt;
        r.b = nd->bval;
        r.i = nd->i;
        r.d = nd->d;
        r.s = nd->s;
        r.n = nd->slen;
        break;
    }
    return r;
}

bool tsim_filter_match(const tsim_filter *f, const json_t *entity)
{
    return f && truthy(f, f->root, entity);
}
