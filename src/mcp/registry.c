/* The tool registry: tables of tool definitions (and the builder API) turned into entries that
 * carry the listing JSON, the compiled input/output schemas and the handler. Entries and
 * registries are reference-counted so a configuration reload never pulls a tool from under a
 * running call; family destructors run when the last user is gone. Listing order is
 * registration order (stable across pages and reloads). */
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_internal.h"
#include "util/buf.h"
#include "util/log.h"

#define MOD "mcp"
#define MAX_TOOLS 4096

static void vec_push(mcp_ptr_vec *v, void *p)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->v = realloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = p;
}

static void vec_remove_at(mcp_ptr_vec *v, size_t i)
{
    memmove(v->v + i, v->v + i + 1, (v->n - i - 1) * sizeof *v->v);
    v->n--;
}

mcp_registry *mcp_registry_create(mcp_server *srv)
{
    mcp_registry *reg = calloc(1, sizeof *reg);
    atomic_init(&reg->refs, 1);
    pthread_rwlock_init(&reg->lock, NULL);
    reg->hints = json_array();
    reg->srv = srv;
    return reg;
}

void mcp_registry_ref(mcp_registry *reg)
{
    atomic_fetch_add(&reg->refs, 1);
}

/* ---- families ---------------------------------------------------------------------------- */

void mcp_family_unref(mcp_family *f)
{
    if (f && atomic_fetch_sub(&f->refs, 1) == 1) {
        if (f->free_fn)
            f->free_fn(f->data);
        free(f);
    }
}

/* Finds or creates the family record (caller holds the write lock); returns a new reference. */
static mcp_family *family_get(mcp_registry *reg, void *data)
{
    for (mcp_family *f = reg->families; f; f = f->next)
        if (f->data == data) {
            atomic_fetch_add(&f->refs, 1);
            return f;
        }
    mcp_family *f = calloc(1, sizeof *f);
    atomic_init(&f->refs, 2); /* the registry's and the caller's */
    f->data = data;
    f->next = reg->families;
    reg->families = f;
    return f;
}

mcp_family *mcp_registry_family(mcp_registry *reg, void *data)
{
    return family_get(reg, data);
}

void mcp_registry_set_family_free(mcp_registry *reg, void *family_data,
                                  void (*free_fn)(void *family_data))
{
    pthread_rwlock_wrlock(&reg->lock);
    mcp_family *f = family_get(reg, family_data);
    f->free_fn = free_fn;
    pthread_rwlock_unlock(&reg->lock);
    mcp_family_unref(f);
}

/* ---- entries ----------------------------------------------------------------------------- */

void mcp_tool_entry_unref(mcp_tool_entry *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    mcp_schema_free(t->compiled);
    mcp_schema_free(t->out_compiled);
    json_decref(t->listing);
    mcp_family_unref(t->family);
    free(t->name);
    free(t);
}

void mcp_resource_entry_unref(mcp_resource_entry *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    free((char *)r->def.uri);
    free((char *)r->def.uri_template);
    free((char *)r->def.name);
    free((char *)r->def.title);
    free((char *)r->def.description);
    free((char *)r->def.mime_type);
    json_decref(r->listing);
    mcp_family_unref(r->family);
    free(r);
}

void mcp_prompt_entry_unref(mcp_prompt_entry *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    json_decref(p->listing);
    mcp_family_unref(p->family);
    free(p->name);
    free(p);
}

void mcp_registry_unref(mcp_registry *reg)
{
    if (!reg || atomic_fetch_sub(&reg->refs, 1) != 1)
        return;
    for (size_t i = 0; i < reg->tools.n; i++)
        mcp_tool_entry_unref(reg->tools.v[i]);
    for (size_t i = 0; i < reg->resources.n; i++)
        mcp_resource_entry_unref(reg->resources.v[i]);
    for (size_t i = 0; i < reg->prompts.n; i++)
        mcp_prompt_entry_unref(reg->prompts.v[i]);
    free(reg->tools.v);
    free(reg->resources.v);
    free(reg->prompts.v);
    for (mcp_family *f = reg->families, *n; f; f = n) {
        n = f->next;
        mcp_family_unref(f);
    }
    json_decref(reg->hints);
    pthread_rwlock_destroy(&reg->lock);
    free(reg);
}

/* ---- tools ------------------------------------------------------------------------------- */

static bool valid_tool_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static json_t *annotations_json(unsigned a, const char *title)
{
    json_t *o = json_object();
    if (title)
        json_object_set_new(o, "title", json_string(title));
    json_object_set_new(o, "readOnlyHint", json_boolean(a & MCP_ANN_READ_ONLY));
    json_object_set_new(o, "destructiveHint", json_boolean(a & MCP_ANN_DESTRUCTIVE));
    json_object_set_new(o, "idempotentHint", json_boolean(a & MCP_ANN_IDEMPOTENT));
    json_object_set_new(o, "openWorldHint", json_boolean(a & MCP_ANN_OPEN_WORLD));
    return o;
}

/* Builds an entry from a definition; NULL with the reason logged. */
static mcp_tool_entry *entry_from_def(const mcp_tool_def *d)
{
    char *err = NULL;
    json_t *out = NULL;
    mcp_tool_entry *t = NULL;
    if (!valid_tool_name(d->name) || !d->handler || !d->description) {
        sb_error(MOD, "tool '%s': invalid name (1-128 of [A-Za-z0-9_.-]), or no handler or "
                      "description", d->name ? d->name : "(null)");
        return NULL;
    }
    json_t *in = mcp_schema_from_params(d->params, &err);
    if (!in)
        goto fail;
    if (d->output_schema) {
        json_error_t je;
        out = json_loads(d->output_schema, 0, &je);
        if (!out || !json_is_object(out)) {
            err = strdup(je.text);
            goto fail;
        }
    }
    t = calloc(1, sizeof *t);
    atomic_init(&t->refs, 1);
    t->name = strdup(d->name);
    t->handler = d->handler;
    t->flags = d->flags;
    t->listing = json_object();
    json_object_set_new(t->listing, "name", json_string(d->name));
    if (d->title)
        json_object_set_new(t->listing, "title", json_string(d->title));
    json_object_set_new(t->listing, "description", json_string(d->description));
    json_object_set_new(t->listing, "inputSchema", in);
    t->input_schema = in;
    if (out) {
        json_object_set_new(t->listing, "outputSchema", out);
        t->output_schema = out;
        out = NULL;
    }
    json_object_set_new(t->listing, "annotations", annotations_json(d->annotations, d->title));
    if (!(t->compiled = mcp_schema_compile(t->input_schema, &err)))
        goto fail;
    if (t->output_schema && !(t->out_compiled = mcp_schema_compile(t->output_schema, &err)))
        goto fail;
    return t;
fail:
    sb_error(MOD, "tool '%s': %s", d->name, err ? err : "invalid definition");
    free(err);
    json_decref(out);
    if (t)
        mcp_tool_entry_unref(t);
    else
        json_decref(in);
    return NULL;
}

static ssize_t find_tool(mcp_registry *reg, const char *name)
{
    for (size_t i = 0; i < reg->tools.n; i++)
        if (!strcmp(((mcp_tool_entry *)reg->tools.v[i])->name, name))
            return (ssize_t)i;
    return -1;
}

/* Adds one entry (takes it); -1 on duplicate. Caller holds the write lock. */
static int add_entry(mcp_registry *reg, mcp_tool_entry *t, void *family_data)
{
    if (find_tool(reg, t->name) >= 0 || reg->tools.n >= MAX_TOOLS) {
        sb_error(MOD, "tool '%s': duplicate name (or too many tools)", t->name);
        mcp_tool_entry_unref(t);
        return -1;
    }
    t->family = family_get(reg, family_data);
    vec_push(&reg->tools, t);
    return 0;
}

int mcp_registry_add_table(mcp_registry *reg, const mcp_tool_def *table, void *family_data)
{
    int rc = 0;
    pthread_rwlock_wrlock(&reg->lock);
    for (const mcp_tool_def *d = table; d && d->name; d++) {
        mcp_tool_entry *t = entry_from_def(d);
        if (!t || add_entry(reg, t, family_data) < 0)
            rc = -1;
    }
    pthread_rwlock_unlock(&reg->lock);
    return rc;
}

void mcp_registry_remove_family(mcp_registry *reg, void *family_data)
{
    pthread_rwlock_wrlock(&reg->lock);
    mcp_ptr_vec *vecs[] = {&reg->tools, &reg->resources, &reg->prompts};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < vecs[k]->n;) {
            void *e = vecs[k]->v[i];
            mcp_family *f = k == 0   ? ((mcp_tool_entry *)e)->family
                            : k == 1 ? ((mcp_resource_entry *)e)->family
                                     : ((mcp_prompt_entry *)e)->family;
            if (f->data != family_data) {
                i++;
                continue;
            }
            vec_remove_at(vecs[k], i);
            if (k == 0) mcp_tool_entry_unref(e);
            else if (k == 1) mcp_resource_entry_unref(e);
            else mcp_prompt_entry_unref(e);
        }
    }
    for (mcp_family **pp = &reg->families; *pp; pp = &(*pp)->next) {
        if ((*pp)->data == family_data) {
            mcp_family *f = *pp;
            *pp = f->next;
            mcp_family_unref(f);
            break;
        }
    }
    pthread_rwlock_unlock(&reg->lock);
    if (reg->srv)
        mcp_server_notify_list_changed(reg->srv);
}

mcp_tool_entry *mcp_registry_get_tool(mcp_registry *reg, const char *name)
{
    pthread_rwlock_rdlock(&reg->lock);
    ssize_t i = find_tool(reg, name);
    mcp_tool_entry *t = i >= 0 ? reg->tools.v[i] : NULL;
    if (t)
        atomic_fetch_add(&t->refs, 1);
    pthread_rwlock_unlock(&reg->lock);
    return t;
}

size_t mcp_registry_tool_count(mcp_registry *reg)
{
    pthread_rwlock_rdlock(&reg->lock);
    size_t n = reg->tools.n;
    pthread_rwlock_unlock(&reg->lock);
    return n;
}

void mcp_registry_foreach_tool(mcp_registry *reg,
                               int (*fn)(void *ctx, const char *name, const json_t *tool,
                                         unsigned flags),
                               void *ctx)
{
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < reg->tools.n; i++) {
        mcp_tool_entry *t = reg->tools.v[i];
        if (fn(ctx, t->name, t->listing, t->flags))
            break;
    }
    pthread_rwlock_unlock(&reg->lock);
}

const json_t *mcp_registry_input_schema(mcp_registry *reg, const char *tool_name)
{
    mcp_tool_entry *t = mcp_registry_get_tool(reg, tool_name);
    const json_t *s = t ? t->input_schema : NULL;
    mcp_tool_entry_unref(t); /* the registry still holds it */
    return s;
}

int mcp_registry_set_input_schema(mcp_registry *reg, const char *tool_name,
                                  const char *schema_json)
{
    json_error_t je;
    char *err = NULL;
    json_t *in = json_loads(schema_json ? schema_json : "", 0, &je);
    mcp_schema *sc = json_is_object(in) ? mcp_schema_compile(in, &err) : NULL;
    int rc = -1;
    pthread_rwlock_wrlock(&reg->lock);
    ssize_t i = sc ? find_tool(reg, tool_name) : -1;
    if (i >= 0) {
        mcp_tool_entry *t = reg->tools.v[i];
        /* entries are shared with calls in flight: swap in a copy */
        mcp_tool_entry *n = calloc(1, sizeof *n);
        atomic_init(&n->refs, 1);
        n->name = strdup(t->name);
        n->listing = json_deep_copy(t->listing);
        json_object_set(n->listing, "inputSchema", in);
        n->input_schema = in;
        n->compiled = sc;
        n->output_schema = json_object_get(n->listing, "outputSchema");
        if (n->output_schema)
            n->out_compiled = mcp_schema_compile(n->output_schema, &err);
        n->handler = t->handler;
        n->family = t->family;
        atomic_fetch_add(&n->family->refs, 1);
        n->flags = t->flags;
        reg->tools.v[i] = n;
        mcp_tool_entry_unref(t);
        sc = NULL;
        rc = 0;
    }
    pthread_rwlock_unlock(&reg->lock);
    if (rc < 0)
        sb_error(MOD, "tool '%s': input schema not set: %s", tool_name ? tool_name : "(null)",
                 err ? err : i < 0 && sc ? "no such tool" : je.text);
    mcp_schema_free(sc);
    json_decref(in);
    free(err);
    return rc;
}

bool mcp_tool_visible(const mcp_tool_entry *t, unsigned writes, bool listing)
{
    if (listing && (t->flags & MCP_TOOL_HIDDEN))
        return false;
    if (!(t->flags & MCP_TOOL_WRITE))
        return true;
    return (writes & MCP_W_SESSION) && ((writes & MCP_W_SERVER) || t->family->writes_ok);
}

void mcp_registry_allow_family_writes(mcp_registry *reg, void *family_data)
{
    pthread_rwlock_wrlock(&reg->lock);
    mcp_family *f = family_get(reg, family_data);
    f->writes_ok = true;
    pthread_rwlock_unlock(&reg->lock);
    mcp_family_unref(f);
}

/* ---- hints and the routing guide --------------------------------------------------------- */

void mcp_registry_add_hint(mcp_registry *reg, const char *topic, const char *hint)
{
    if (!topic || !hint)
        return;
    json_t *h = json_pack("{s:s, s:s}", "topic", topic, "hint", hint);
    pthread_rwlock_wrlock(&reg->lock);
    json_array_append_new(reg->hints, h);
    pthread_rwlock_unlock(&reg->lock);
}

/* True when the tool's name appears in text as a whole word. */
static bool names_tool(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
        char before = p == text ? ' ' : p[-1], after = p[n];
        bool wb = !(before == '_' || before == '.' || (before >= 'a' && before <= 'z') ||
                    (before >= 'A' && before <= 'Z') || (before >= '0' && before <= '9'));
        char after2 = after ? p[n + 1] : '\0';
        bool sentence_dot = after == '.' && !((after2 >= 'a' && after2 <= 'z') ||
                                              (after2 >= 'A' && after2 <= 'Z') ||
                                              (after2 >= '0' && after2 <= '9'));
        bool wa = sentence_dot || !(after == '_' || after == '.' || (after >= 'a' && after <= 'z') ||
                                    (after >= 'A' && after <= 'Z') || (after >= '0' && after <= '9'));
        if (wb && wa)
            return true;
    }
    return false;
}

char *mcp_registry_guide(mcp_registry *reg)
{
    sb_buf b;
    sb_buf_init(&b, 64 * 1024);
    pthread_rwlock_rdlock(&reg->lock);
    size_t i;
    json_t *h;
    json_array_foreach(reg->hints, i, h)
        sb_buf_printf(&b, "- %s: %s\n", json_string_value(json_object_get(h, "topic")),
                      json_string_value(json_object_get(h, "hint")));
    bool header = false;
    for (size_t k = 0; k < reg->tools.n; k++) {
        mcp_tool_entry *t = reg->tools.v[k];
        if (t->flags & MCP_TOOL_HIDDEN)
            continue;
        bool named = false;
        json_array_foreach(reg->hints, i, h)
            if (names_tool(json_string_value(json_object_get(h, "hint")), t->name)) {
                named = true;
                break;
            }
        if (named)
            continue;
        if (!header) {
            sb_buf_puts(&b, json_array_size(reg->hints) ? "Other tools:\n" : "Tools:\n");
            header = true;
        }
        const char *title = json_string_value(json_object_get(t->listing, "title"));
        sb_buf_printf(&b, "- %s -> %s%s\n", title ? title : t->name, t->name,
                      t->flags & MCP_TOOL_WRITE ? " (changes state; confirm first)" : "");
    }
    pthread_rwlock_unlock(&reg->lock);
    char *s = sb_buf_steal(&b, NULL);
    return s ? s : strdup("");
}

/* ---- builder ----------------------------------------------------------------------------- */

struct mcp_tool_builder {
    mcp_registry *reg;
    mcp_tool_def def;
    mcp_param *params; /* n + 1 rows, last zeroed */
    size_t n;
    void *data;
};

mcp_tool_builder *mcp_tool_new(mcp_registry *reg, const char *name, const char *description,
                               mcp_tool_fn handler, void *data)
{
    mcp_tool_builder *t = calloc(1, sizeof *t);
    t->reg = reg;
    t->def.name = strdup(name ? name : "");
    t->def.description = strdup(description ? description : "");
    t->def.handler = handler;
    t->data = data;
    t->params = calloc(1, sizeof *t->params);
    return t;
}

mcp_param *mcp_tool_add_param(mcp_tool_builder *t, const char *name, mcp_type type,
                              const char *description, bool required)
{
    t->params = realloc(t->params, (t->n + 2) * sizeof *t->params);
    mcp_param *p = &t->params[t->n++];
    memset(p, 0, 2 * sizeof *p);
    p->name = strdup(name ? name : "");
    p->type = type;
    p->description = description ? strdup(description) : NULL;
    p->required = required;
    return p;
}

void mcp_tool_set_title(mcp_tool_builder *t, const char *title)
{
    free((char *)t->def.title);
    t->def.title = title ? strdup(title) : NULL;
}

void mcp_tool_set_annotations(mcp_tool_builder *t, unsigned annotations)
{
    t->def.annotations = annotations;
}

void mcp_tool_set_output_schema(mcp_tool_builder *t, const char *schema_json)
{
    free((char *)t->def.output_schema);
    t->def.output_schema = schema_json ? strdup(schema_json) : NULL;
}

void mcp_tool_set_flags(mcp_tool_builder *t, unsigned flags)
{
    t->def.flags = flags;
}

static void builder_free(mcp_tool_builder *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free((char *)t->params[i].name);
        free((char *)t->params[i].description);
    }
    free(t->params);
    free((char *)t->def.name);
    free((char *)t->def.description);
    free((char *)t->def.title);
    free((char *)t->def.output_schema);
    free(t);
}

int mcp_tool_commit(mcp_tool_builder *t)
{
    t->def.params = t->params;
    mcp_tool_entry *e = entry_from_def(&t->def);
    int rc = -1;
    if (e) {
        pthread_rwlock_wrlock(&t->reg->lock);
        rc = add_entry(t->reg, e, t->data);
        pthread_rwlock_unlock(&t->reg->lock);
    }
    mcp_registry *reg = t->reg;
    builder_free(t);
    if (rc == 0 && reg->srv)
        mcp_server_notify_list_changed(reg->srv);
    return rc;
}
