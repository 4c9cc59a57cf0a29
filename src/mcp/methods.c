/* The MCP methods a session answers, as one table: name, whether it needs initialize first,
 * and its function. Quick methods build their result inline; handler methods (tools/call,
 * resources/read, prompts/get, completion/complete) prepare an mcp_call and queue it on the
 * worker pool, which answers later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_internal.h"
#include "util/log.h"

#define MOD "mcp"

/* A quick method returns 0 with *result set, or a JSON-RPC error code with *msg (static). */
typedef int (*method_fn)(mcp_session *s, json_t *id, json_t *params, void *handle,
                         json_t **result, const char **msg);

#define ASYNC 1 /* the method answered (or queued) itself */

/* ---- lifecycle --------------------------------------------------------------------------- */

static json_t *server_capabilities(void)
{
    return json_pack("{s:{s:b}, s:{}, s:{s:b, s:b}, s:{s:b}, s:{}}", "tools", "listChanged", 1,
                     "logging", "resources", "subscribe", 1, "listChanged", 1, "prompts",
                     "listChanged", 1, "completions");
}

static int m_initialize(mcp_session *s, json_t *id, json_t *params, void *handle,
                        json_t **result, const char **msg)
{
    const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
    if (!asked) {
        *msg = "Invalid params: initialize needs \"protocolVersion\" (a string)";
        return -32602;
    }
    json_t *caps = json_object_get(params, "capabilities");
    if (caps && !json_is_object(caps)) {
        *msg = "Invalid params: \"capabilities\" must be an object";
        return -32602;
    }
    pthread_mutex_lock(&s->lock);
    if (s->init_done && !(s->flags & MCP_SESSION_STATELESS)) {
        pthread_mutex_unlock(&s->lock);
        *msg = "Invalid Request: the session is already initialized";
        return -32600;
    }
    const char *chosen = MCP_PROTOCOL_LATEST;
    for (const char *const *v = mcp_protocol_versions; *v; v++)
        if (!strcmp(*v, asked))
            chosen = *v;
    __atomic_store_n(&s->version, chosen, __ATOMIC_RELEASE);
    json_decref(s->client_caps);
    s->client_caps = caps ? json_deep_copy(caps) : json_object();
    json_decref(s->client_info);
    s->client_info = json_deep_copy(json_object_get(params, "clientInfo"));
    __atomic_store_n(&s->init_done, true, __ATOMIC_RELEASE);
    const char *version = chosen;
    pthread_mutex_unlock(&s->lock);

    const mcp_server_config *cfg = mcp_server_cfg(s->srv);
    json_t *info = json_pack("{s:s, s:s}", "name", cfg->name, "version", cfg->version);
    if (cfg->title)
        json_object_set_new(info, "title", json_string(cfg->title));
    char *instr = mcp_server_instructions(s->srv);
    *result = json_pack("{s:s, s:o, s:o, s:s}", "protocolVersion", version, "capabilities",
                        server_capabilities(), "serverInfo", info, "instructions", instr);
    free(instr);
    const char *cname = json_string_value(json_object_get(s->client_info, "name"));
    sb_debug(MOD, "initialize: client %s asked %s, answered %s", cname ? cname : "?", asked,
             version);
    return 0;
}

static int m_ping(mcp_session *s, json_t *id, json_t *params, void *handle, json_t **result,
                  const char **msg)
{
    *result = json_object();
    return 0;
}

static int m_set_level(mcp_session *s, json_t *id, json_t *params, void *handle,
                       json_t **result, const char **msg)
{
    const char *name = json_string_value(json_object_get(params, "level"));
    int lvl = name ? sb_log_level_parse(name) : -1;
    if (lvl < 0 || lvl >= SB_LOG_OFF) {
        *msg = "Invalid params: \"level\" must be one of debug, info, notice, warning, error, "
               "critical, alert, emergency";
        return -32602;
    }
    __atomic_store_n(&s->log_level, lvl, __ATOMIC_RELAXED);
    *result = json_object();
    return 0;
}

/* ---- listing with cursors ---------------------------------------------------------------- */

/* Cursors are opaque to clients: "o" + the offset in the stable listing order. */
static int parse_cursor(json_t *params, size_t *offset, const char **msg)
{
    json_t *c = json_object_get(params, "cursor");
    *offset = 0;
    if (!c || json_is_null(c))
        return 0;
    const char *v = json_string_value(c);
    char *end = NULL;
    if (!v || v[0] != 'o' || !v[1] || v[1] < '0' || v[1] > '9')
        goto bad;
    unsigned long long n = strtoull(v + 1, &end, 10);
    if (*end || n > 1000000)
        goto bad;
    *offset = (size_t)n;
    return 0;
bad:
    *msg = "Invalid params: unknown cursor (use the nextCursor of the previous page)";
    return -32602;
}

typedef json_t *(*listing_fn)(void *entry, unsigned writes);

static json_t *tool_item(void *e, unsigned writes)
{
    mcp_tool_entry *t = e;
    return mcp_tool_visible(t, writes, true) ? json_deep_copy(t->listing) : NULL;
}

static json_t *fixed_resource_item(void *e, unsigned writes)
{
    mcp_resource_entry *r = e;
    return r->def.uri ? json_deep_copy(r->listing) : NULL;
}

static json_t *template_item(void *e, unsigned writes)
{
    mcp_resource_entry *r = e;
    return r->def.uri_template ? json_deep_copy(r->listing) : NULL;
}

static json_t *prompt_item(void *e, unsigned writes)
{
    return json_deep_copy(((mcp_prompt_entry *)e)->listing);
}

static int list_page(mcp_session *s, json_t *params, const char *key, size_t vec_off,
                     listing_fn item, json_t **result, const char **msg)
{
    size_t offset;
    int rc = parse_cursor(params, &offset, msg);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->lock);
    unsigned writes = mcp_session_writes_locked(s);
    pthread_mutex_unlock(&s->lock);
    unsigned page = mcp_server_cfg(s->srv)->page_size;
    mcp_registry *reg = mcp_server_current_registry(s->srv);
    mcp_ptr_vec *vec = (mcp_ptr_vec *)((char *)reg + vec_off);
    json_t *arr = json_array();
    size_t seen = 0;
    bool more = false;
    pthread_rwlock_rdlock(&reg->lock);
    for (size_t i = 0; i < vec->n; i++) {
        json_t *it = item(vec->v[i], writes);
        if (!it)
            continue;
        if (seen++ < offset) {
            json_decref(it);
            continue;
        }
        if (json_array_size(arr) >= page) {
            json_decref(it);
            more = true;
            break;
        }
        json_array_append_new(arr, it);
    }
    pthread_rwlock_unlock(&reg->lock);
    mcp_registry_unref(reg);
    *result = json_object();
    json_object_set_new(*result, key, arr);
    if (more) {
        char cur[32];
        snprintf(cur, sizeof cur, "o%zu", offset + json_array_size(arr));
        json_object_set_new(*result, "nextCursor", json_string(cur));
    }
    return 0;
}

static int m_tools_list(mcp_session *s, json_t *id, json_t *params, void *handle,
                        json_t **result, const char **msg)
{
    return list_page(s, params, "tools", offsetof(mcp_registry, tools), tool_item, result, msg);
}

static int m_resources_list(mcp_session *s, json_t *id, json_t *params, void *handle,
                            json_t **result, const char **msg)
{
    return list_page(s, params, "resources", offsetof(mcp_registry, resources),
                     fixed_resource_item, result, msg);
}

static int m_templates_list(mcp_session *s, json_t *id, json_t *params, void *handle,
                            json_t **result, const char **msg)
{
    return list_page(s, params, "resourceTemplates", offsetof(mcp_registry, resources),
                     template_item, result, msg);
}

static int m_prompts_list(mcp_session *s, json_t *id, json_t *params, void *handle,
                          json_t **result, const char **msg)
{
    return list_page(s, params, "prompts", offsetof(mcp_registry, prompts), prompt_item, result,
                     msg);
}

/* ---- subscriptions ----------------------------------------------------------------------- */

static int subscribe(mcp_session *s, json_t *params, bool on, json_t **result, const char **msg)
{
    const char *uri = json_string_value(json_object_get(params, "uri"));
    if (!uri) {
        *msg = "Invalid params: \"uri\" (a string) is required";
        return -32602;
    }
    pthread_mutex_lock(&s->lock);
    if (on && json_object_size(s->subs) < 1024)
        json_object_set_new(s->subs, uri, json_true());
    else if (!on)
        json_object_del(s->subs, uri);
    pthread_mutex_unlock(&s->lock);
    *result = json_object();
    return 0;
}

static int m_subscribe(mcp_session *s, json_t *id, json_t *params, void *handle,
                       json_t **result, const char **msg)
{
    return subscribe(s, params, true, result, msg);
}

static int m_unsubscribe(mcp_session *s, json_t *id, json_t *params, void *handle,
                         json_t **result, const char **msg)
{
    return subscribe(s, params, false, result, msg);
}

/* ---- handler methods --------------------------------------------------------------------- */

/* Registers c as in flight and queues it; answers the request itself when it cannot. */
static int start_call(mcp_session *s, mcp_call *c, json_t *id, json_t *params, void *handle,
                      const char **msg)
{
    /* The call runs on another thread: it owns copies, never shares the request's JSON
     * (jansson's reference counts are not a happens-before edge between threads). Tool calls
     * need no params beyond their validated copy of the arguments. */
    c->id = json_deep_copy(id);
    c->id_key = mcp_id_key(id);
    c->handle = handle;
    c->params = c->kind == MCP_CALL_TOOL ? NULL : json_deep_copy(params);
    json_t *tok = json_object_get(json_object_get(params, "_meta"), "progressToken");
    if (json_is_string(tok) || json_is_integer(tok))
        c->progress_token = json_deep_copy(tok);
    mcp_session_ref(s);
    c->s = s;
    pthread_mutex_lock(&s->lock);
    for (mcp_call *o = s->inflight; o; o = o->next_s)
        if (!strcmp(o->id_key, c->id_key)) {
            pthread_mutex_unlock(&s->lock);
            mcp_call_free(c);
            *msg = "Invalid Request: this id is already used by a request in flight";
            return -32600;
        }
    if (s->n_inflight >= mcp_server_cfg(s->srv)->max_per_session) {
        pthread_mutex_unlock(&s->lock);
        mcp_call_free(c);
        *msg = "Internal error: too many calls in flight on this session; wait for answers";
        return -32603;
    }
    c->scopes = s->scopes ? strdup(s->scopes) : NULL;
    c->next_s = s->inflight;
    s->inflight = c;
    s->n_inflight++;
    pthread_mutex_unlock(&s->lock);
    if (c->tool && (c->tool->flags & MCP_TOOL_INLINE)) {
        mcp_call_run(c); /* pure and bounded: answered on this thread */
        mcp_session_finish_call(s, c);
        return ASYNC;
    }
    if (mcp_server_submit(s->srv, c) < 0) {
        c->rpc_error = -32603;
        c->rpc_message = strdup(mcp_server_stopping(s->srv)
                                    ? "Internal error: the server is shutting down"
                                    : "Internal error: server busy, too many calls in flight");
        c->suppress_reply = false;
        mcp_session_finish_call(s, c);
    }
    return ASYNC;
}

static int m_tools_call(mcp_session *s, json_t *id, json_t *params, void *handle,
                        json_t **result, const char **msg)
{
    const char *name = json_string_value(json_object_get(params, "name"));
    if (!name) {
        *msg = "Invalid params: tools/call needs \"name\" (a string)";
        return -32602;
    }
    json_t *args = json_object_get(params, "arguments");
    if (args && !json_is_object(args) && !json_is_null(args)) {
        *msg = "Invalid params: \"arguments\" must be an object";
        return -32602;
    }
    pthread_mutex_lock(&s->lock);
    unsigned writes = mcp_session_writes_locked(s);
    pthread_mutex_unlock(&s->lock);
    mcp_call *c = mcp_call_new(MCP_CALL_TOOL, mcp_server_current_registry(s->srv));
    char *ignored = NULL;
    if (mcp_call_prepare_tool(c, name, json_is_null(args) ? NULL : args, writes, &ignored)) {
        mcp_call_free(c);
        char m[300];
        snprintf(m, sizeof m, "Invalid params: unknown tool '%.200s' (see tools/list)", name);
        mcp_session_send_rpc_error(s, id, -32602, m, NULL, handle);
        return ASYNC;
    }
    if (c->invalid) { /* the isError result is ready: answer at once, no worker needed */
        *result = mcp_call_result(c);
        mcp_call_free(c);
        return 0;
    }
    return start_call(s, c, id, params, handle, msg);
}

static int m_resources_read(mcp_session *s, json_t *id, json_t *params, void *handle,
                            json_t **result, const char **msg)
{
    const char *uri = json_string_value(json_object_get(params, "uri"));
    if (!uri) {
        *msg = "Invalid params: resources/read needs \"uri\" (a string)";
        return -32602;
    }
    mcp_call *c = mcp_call_new(MCP_CALL_RESOURCE, mcp_server_current_registry(s->srv));
    json_t *vars = NULL;
    c->res = mcp_registry_find_resource(c->reg, uri, &vars);
    if (!c->res) {
        mcp_call_free(c);
        mcp_session_send_rpc_error(s, id, -32002, "Resource not found",
                                   json_pack("{s:s}", "uri", uri), handle);
        return ASYNC;
    }
    c->args = vars;
    c->family_data = c->res->family->data;
    return start_call(s, c, id, params, handle, msg);
}

static int m_prompts_get(mcp_session *s, json_t *id, json_t *params, void *handle,
                         json_t **result, const char **msg)
{
    const char *name = json_string_value(json_object_get(params, "name"));
    json_t *args = json_object_get(params, "arguments");
    if (!name || (args && !json_is_object(args))) {
        *msg = "Invalid params: prompts/get needs \"name\" (a string) and optional "
               "\"arguments\" (an object)";
        return -32602;
    }
    mcp_call *c = mcp_call_new(MCP_CALL_PROMPT, mcp_server_current_registry(s->srv));
    c->prompt = mcp_registry_get_prompt(c->reg, name);
    if (!c->prompt) {
        mcp_call_free(c);
        *msg = "Invalid params: unknown prompt (see prompts/list)";
        return -32602;
    }
    const char *k;
    json_t *v;
    json_object_foreach(args, k, v) if (!json_is_string(v)) {
        mcp_call_free(c);
        *msg = "Invalid params: prompt arguments must be strings";
        return -32602;
    }
    size_t i;
    json_array_foreach(json_object_get(c->prompt->listing, "arguments"), i, v) {
        const char *an = json_string_value(json_object_get(v, "name"));
        if (json_is_true(json_object_get(v, "required")) && !json_object_get(args, an)) {
            mcp_call_free(c);
            *msg = "Invalid params: a required prompt argument is missing (see prompts/list)";
            return -32602;
        }
    }
    c->args = args ? json_deep_copy(args) : json_object();
    c->family_data = c->prompt->family->data;
    return start_call(s, c, id, params, handle, msg);
}

static int m_complete(mcp_session *s, json_t *id, json_t *params, void *handle,
                      json_t **result, const char **msg)
{
    json_t *ref = json_object_get(params, "ref");
    json_t *arg = json_object_get(params, "argument");
    const char *type = json_string_value(json_object_get(ref, "type"));
    if (!type || !json_is_string(json_object_get(arg, "name")) ||
        !json_is_string(json_object_get(arg, "value"))) {
        *msg = "Invalid params: completion/complete needs \"ref\" {type, name|uri} and "
               "\"argument\" {name, value}";
        return -32602;
    }
    mcp_call *c = mcp_call_new(MCP_CALL_COMPLETE, mcp_server_current_registry(s->srv));
    if (!strcmp(type, "ref/prompt")) {
        const char *name = json_string_value(json_object_get(ref, "name"));
        c->prompt = name ? mcp_registry_get_prompt(c->reg, name) : NULL;
        if (c->prompt)
            c->family_data = c->prompt->family->data;
    } else if (!strcmp(type, "ref/resource")) {
        const char *uri = json_string_value(json_object_get(ref, "uri"));
        c->res = uri ? mcp_registry_get_template(c->reg, uri) : NULL;
        if (c->res)
            c->family_data = c->res->family->data;
    }
    if (!c->prompt && !c->res) {
        mcp_call_free(c);
        *msg = "Invalid params: unknown prompt or resource template in \"ref\"";
        return -32602;
    }
    return start_call(s, c, id, params, handle, msg);
}

/* ---- the table --------------------------------------------------------------------------- */

static const struct method {
    const char *name;
    bool before_init; /* allowed before initialize */
    method_fn fn;
} methods[] = {
    {"initialize", true, m_initialize},
    {"ping", true, m_ping},
    {"tools/list", false, m_tools_list},
    {"tools/call", false, m_tools_call},
    {"resources/list", false, m_resources_list},
    {"resources/templates/list", false, m_templates_list},
    {"resources/read", false, m_resources_read},
    {"resources/subscribe", false, m_subscribe},
    {"resources/unsubscribe", false, m_unsubscribe},
    {"prompts/list", false, m_prompts_list},
    {"prompts/get", false, m_prompts_get},
    {"completion/complete", false, m_complete},
    {"logging/setLevel", false, m_set_level},
};

void mcp_session_dispatch(mcp_session *s, const char *method, json_t *id, json_t *params,
                          void *handle)
{
    const struct method *m = NULL;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (!strcmp(methods[i].name, method)) {
            m = &methods[i];
            break;
        }
    if (!m) {
        mcp_session_send_rpc_error(s, id, -32601, "Method not found",
                                   json_pack("{s:s}", "method", method), handle);
        return;
    }
    if (!m->before_init && !mcp_session_initialized(s)) {
        mcp_session_send_rpc_error(s, id, -32600,
                                   "Invalid Request: the session is not initialized; send "
                                   "initialize first", NULL, handle);
        return;
    }
    json_t *empty = NULL;
    if (!params)
        params = empty = json_object();
    json_t *result = NULL;
    const char *msg = "Internal error";
    int rc = m->fn(s, id, params, handle, &result, &msg);
    json_decref(empty);
    if (rc == ASYNC)
        return;
    if (rc == 0)
        mcp_session_send_result(s, id, result ? result : json_object(), handle);
    else
        mcp_session_send_rpc_error(s, id, rc, msg, NULL, handle);
}
