/* Resources, resource templates and prompts in the registry, template matching (RFC 6570
 * level 1: "{name}" matches one path segment or more up to the next literal), and the answer
 * builders resource readers and prompt handlers use (see mcp_resource.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_internal.h"
#include "util/buf.h"
#include "util/log.h"

#define MOD "mcp"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void vec_push(mcp_ptr_vec *v, void *p)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->v = realloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = p;
}

static bool template_valid(const char *t)
{
    int open = 0;
    for (const char *p = t; *p; p++) {
        if (*p == '{') {
            if (open || p[1] == '}')
                return false;
            open = 1;
        } else if (*p == '}') {
            if (!open)
                return false;
            open = 0;
        }
    }
    return !open;
}

static json_t *resource_listing(const mcp_resource_def *d)
{
    json_t *o = json_object();
    if (d->uri)
        json_object_set_new(o, "uri", json_string(d->uri));
    else
        json_object_set_new(o, "uriTemplate", json_string(d->uri_template));
    json_object_set_new(o, "name", json_string(d->name));
    if (d->title)
        json_object_set_new(o, "title", json_string(d->title));
    if (d->description)
        json_object_set_new(o, "description", json_string(d->description));
    if (d->mime_type)
        json_object_set_new(o, "mimeType", json_string(d->mime_type));
    return o;
}

static bool uri_taken(mcp_registry *reg, const mcp_resource_def *d)
{
    for (size_t i = 0; i < reg->resources.n; i++) {
        const mcp_resource_def *e = &((mcp_resource_entry *)reg->resources.v[i])->def;
        if ((d->uri && e->uri && !strcmp(d->uri, e->uri)) ||
            (d->uri_template && e->uri_template && !strcmp(d->uri_template, e->uri_template)))
            return true;
    }
    return false;
}

int mcp_registry_add_resources(mcp_registry *reg, const mcp_resource_def *table,
                               void *family_data)
{
    int rc = 0;
    pthread_rwlock_wrlock(&reg->lock);
    for (const mcp_resource_def *d = table; d && d->name; d++) {
        if (!d->read || (!d->uri == !d->uri_template) ||
            (d->uri_template && !template_valid(d->uri_template)) || uri_taken(reg, d)) {
            sb_error(MOD, "resource '%s': needs a reader and exactly one of uri / uri_template "
                          "(valid, not registered twice)", d->name);
            rc = -1;
            continue;
        }
        mcp_resource_entry *r = calloc(1, sizeof *r);
        atomic_init(&r->refs, 1);
        r->def = *d;
        r->def.uri = dup_or_null(d->uri);
        r->def.uri_template = dup_or_null(d->uri_template);
        r->def.name = dup_or_null(d->name);
        r->def.title = dup_or_null(d->title);
        r->def.description = dup_or_null(d->description);
        r->def.mime_type = dup_or_null(d->mime_type);
        r->listing = resource_listing(d);
        r->family = mcp_registry_family(reg, family_data);
        vec_push(&reg->resources, r);
    }
    pthread_rwlock_unlock(&reg->lock);
    return rc;
}

/* Matches uri against template t; on success returns an object of the variables. A variable
 * takes the shortest non-empty run up to the next literal and never spans a '/' (level-1
 * expansion percent-encodes reserved characters). */
static json_t *template_match(const char *t, const char *uri)
{
    json_t *vars = json_object();
    const char *u = uri;
    while (*t) {
        if (*t != '{') {
            if (*u != *t)
                goto no;
            t++, u++;
            continue;
        }
        const char *close = strchr(t, '}');
        const char *lit = close + 1;
        size_t lit_len = strcspn(lit, "{");
        const char *end;
        if (lit_len == 0) {
            if (*lit)
                goto no; /* two adjacent variables are ambiguous */
            end = u + strlen(u);
        } else {
            end = memmem(u, strlen(u), lit, lit_len);
        }
        if (!end || end == u || memchr(u, '/', (size_t)(end - u)))
            goto no;
        char *name = strndup(t + 1, (size_t)(close - t - 1));
        json_object_set_new(vars, name, json_stringn(u, (size_t)(end - u)));
        free(name);
        u = end;
        t = lit;
    }
    if (*u)
        goto no;
    return vars;
no:
    json_decref(vars);
    return NULL;
}

mcp_resource_entry *mcp_registry_find_resource(mcp_registry *reg, const char *uri, json_t **vars)
{
    mcp_resource_entry *found = NULL;
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->resources.n && !found; i++) {
        mcp_resource_entry *r = reg->resources.v[i];
        if (r->def.uri && !strcmp(r->def.uri, uri)) {
            *vars = json_object();
            found = r;
        }
    }
    for (size_t i = 0; i < reg->resources.n && !found; i++) {
        mcp_resource_entry *r = reg->resources.v[i];
        if (r->def.uri_template && (*vars = template_match(r->def.uri_template, uri)))
            found = r;
    }
    if (found)
        atomic_fetch_add(&found->refs, 1);
    pthread_rwlock_unlock(&reg->lock);
    return found;
}

mcp_resource_entry *mcp_registry_get_template(mcp_registry *reg, const char *uri_template)
{
    mcp_resource_entry *found = NULL;
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->resources.n && !found; i++) {
        mcp_resource_entry *r = reg->resources.v[i];
        if ((r->def.uri_template && !strcmp(r->def.uri_template, uri_template)) ||
            (r->def.uri && !strcmp(r->def.uri, uri_template)))
            found = r;
    }
    if (found)
        atomic_fetch_add(&found->refs, 1);
    pthread_rwlock_unlock(&reg->lock);
    return found;
}

/* ---- prompts ----------------------------------------------------------------------------- */

static json_t *prompt_listing(const mcp_prompt_def *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(d->name));
    if (d->title)
        json_object_set_new(o, "title", json_string(d->title));
    if (d->description)
        json_object_set_new(o, "description", json_string(d->description));
    json_t *args = json_array();
    for (const mcp_prompt_arg *a = d->args; a && a->name; a++) {
        json_t *ja = json_object();
        json_object_set_new(ja, "name", json_string(a->name));
        if (a->description)
            json_object_set_new(ja, "description", json_string(a->description));
        json_object_set_new(ja, "required", json_boolean(a->required));
        json_array_append_new(args, ja);
    }
    json_object_set_new(o, "arguments", args);
    return o;
}

int mcp_registry_add_prompts(mcp_registry *reg, const mcp_prompt_def *table, void *family_data)
{
    int rc = 0;
    pthread_rwlock_wrlock(&reg->lock);
    for (const mcp_prompt_def *d = table; d && d->name; d++) {
        bool dup = false;
        for (size_t i = 0; i < reg->prompts.n; i++)
            dup |= !strcmp(((mcp_prompt_entry *)reg->prompts.v[i])->name, d->name);
        if (!d->get || !*d->name || dup) {
            sb_error(MOD, "prompt '%s': needs a handler and a unique name", d->name);
            rc = -1;
            continue;
        }
        mcp_prompt_entry *p = calloc(1, sizeof *p);
        atomic_init(&p->refs, 1);
        p->name = strdup(d->name);
        p->get = d->get;
        p->complete = d->complete;
        p->listing = prompt_listing(d);
        p->family = mcp_registry_family(reg, family_data);
        vec_push(&reg->prompts, p);
    }
    pthread_rwlock_unlock(&reg->lock);
    return rc;
}

mcp_prompt_entry *mcp_registry_get_prompt(mcp_registry *reg, const char *name)
{
    mcp_prompt_entry *found = NULL;
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->prompts.n && !found; i++)
        if (!strcmp(((mcp_prompt_entry *)reg->prompts.v[i])->name, name))
            found = reg->prompts.v[i];
    if (found)
        atomic_fetch_add(&found->refs, 1);
    pthread_rwlock_unlock(&reg->lock);
    return found;
}

/* ---- answers ----------------------------------------------------------------------------- */

static void add_content_item(mcp_call *call, json_t *item)
{
    if (!call->content)
        call->content = json_array();
    json_array_append_new(call->content, item);
}

void mcp_resource_text(mcp_call *call, const char *uri, const char *mime_type, const char *text)
{
    json_t *o = json_pack("{s:s, s:s}", "uri", uri ? uri : "", "text", text ? text : "");
    if (!o) /* text that is not UTF-8 */
        o = json_pack("{s:s, s:s}", "uri", uri ? uri : "", "text", "");
    if (mime_type)
        json_object_set_new(o, "mimeType", json_string(mime_type));
    add_content_item(call, o);
}

static char *base64(const unsigned char *d, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        *o++ = tbl[v >> 18], *o++ = tbl[(v >> 12) & 63], *o++ = tbl[(v >> 6) & 63],
        *o++ = tbl[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0);
        *o++ = tbl[v >> 18], *o++ = tbl[(v >> 12) & 63];
        *o++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

void mcp_resource_blob(mcp_call *call, const char *uri, const char *mime_type, const void *data,
                       size_t len)
{
    char *b64 = base64(data, len);
    json_t *o = json_pack("{s:s, s:s}", "uri", uri ? uri : "", "blob", b64);
    free(b64);
    if (mime_type)
        json_object_set_new(o, "mimeType", json_string(mime_type));
    add_content_item(call, o);
}

void mcp_resource_not_found(mcp_call *call)
{
    call->rpc_error = -32002;
    free(call->rpc_message);
    call->rpc_message = strdup("Resource not found");
}

void mcp_prompt_message(mcp_call *call, const char *role, json_t *block)
{
    if (!block)
        return;
    json_t *m = json_object();
    json_object_set_new(m, "role", json_string(role && !strcmp(role, "assistant") ? "assistant"
                                                                                 : "user"));
    json_object_set_new(m, "content", block);
    add_content_item(call, m);
}

void mcp_prompt_text(mcp_call *call, const char *role, const char *fmt, ...)
{
    sb_buf b;
    sb_buf_init(&b, 4u << 20);
    va_list ap;
    va_start(ap, fmt);
    sb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    json_t *block = json_pack("{s:s, s:s?}", "type", "text", "text", b.data ? b.data : "");
    sb_buf_free(&b);
    if (block)
        mcp_prompt_message(call, role, block);
}

void mcp_prompt_description(mcp_call *call, const char *description)
{
    free(call->description);
    call->description = dup_or_null(description);
}
