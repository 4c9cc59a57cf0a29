/* OData URL and $filter building with literal escaping and percent-encoding (tcx_odata.h). */
#include "connect/tcx/tcx_odata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *tcx_odata_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '.' || c == '_' || c == '~' || c == '\'' || c == '(' || c == ')' || c == ',' || c == ':') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = 0;
    return out;
}

char *tcx_odata_lit(const char *s)
{
    size_t n = strlen(s), q = 0;
    for (size_t i = 0; i < n; i++)
        q += s[i] == '\'';
    char *out = malloc(n + q + 3), *o = out;
    if (!out)
        return NULL;
    *o++ = '\'';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'')
            *o++ = '\'';
        *o++ = s[i];
    }
    *o++ = '\'';
    *o = 0;
    return out;
}

/* ---- URL ------------------------------------------------------------------------------- */

static void url_put(tcx_url *u, const char *s)
{
    if (!s || u->failed || sb_buf_puts(&u->b, s) < 0)
        u->failed = true;
}

/* Takes ownership of s (NULL = allocation failure). */
static void url_put_owned(tcx_url *u, char *s)
{
    if (!s)
        u->failed = true;
    else
        url_put(u, s);
    free(s);
}

void tcx_url_init(tcx_url *u, const char *path)
{
    sb_buf_init(&u->b, TCX_URL_MAX);
    u->has_query = false;
    u->failed = false;
    url_put(u, path);
}

void tcx_url_path(tcx_url *u, const char *text)
{
    url_put(u, text);
}

void tcx_url_path_lit(tcx_url *u, const char *value)
{
    char *lit = tcx_odata_lit(value ? value : "");
    url_put_owned(u, lit ? tcx_odata_encode(lit) : NULL);
    free(lit);
}

void tcx_url_key_str(tcx_url *u, const char *prop, const char *value)
{
    url_put(u, "(");
    if (prop) {
        url_put(u, prop);
        url_put(u, "=");
    }
    tcx_url_path_lit(u, value);
    url_put(u, ")");
}

void tcx_url_key_int(tcx_url *u, long long id)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "(%lld)", id);
    url_put(u, tmp);
}

void tcx_url_opt(tcx_url *u, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    url_put(u, u->has_query ? "&" : "?");
    u->has_query = true;
    url_put(u, name);
    url_put(u, "=");
    url_put_owned(u, tcx_odata_encode(value));
}

void tcx_url_opt_int(tcx_url *u, const char *name, long long value)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", value);
    tcx_url_opt(u, name, tmp);
}

char *tcx_url_done(tcx_url *u)
{
    if (u->failed) {
        sb_buf_free(&u->b);
        return NULL;
    }
    char *s = sb_buf_steal(&u->b, NULL);
    if (!s)
        s = strdup("");
    return s;
}

void tcx_url_free(tcx_url *u)
{
    sb_buf_free(&u->b);
}

/* ---- $filter --------------------------------------------------------------------------- */

void tcx_filter_init(tcx_filter *f)
{
    sb_buf_init(&f->b, TCX_URL_MAX / 2);
    f->failed = false;
}

void tcx_filter_raw(tcx_filter *f, const char *text)
{
    if (f->failed || sb_buf_puts(&f->b, text) < 0)
        f->failed = true;
}

void tcx_filter_lit(tcx_filter *f, const char *value)
{
    char *lit = tcx_odata_lit(value ? value : "");
    if (!lit)
        f->failed = true;
    else
        tcx_filter_raw(f, lit);
    free(lit);
}

void tcx_filter_and(tcx_filter *f)
{
    if (f->b.len)
        tcx_filter_raw(f, " and ");
}

const char *tcx_filter_text(const tcx_filter *f)
{
    return f->failed || f->b.len == 0 ? NULL : f->b.data;
}

void tcx_filter_free(tcx_filter *f)
{
    sb_buf_free(&f->b);
}

void tcx_url_filter(tcx_url *u, const tcx_filter *f)
{
    if (f->failed)
        u->failed = true;
    else if (f->b.len)
        tcx_url_opt(u, "$filter", f->b.data);
}
