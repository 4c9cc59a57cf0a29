/* One handler invocation (mcp_call): the answer builders of mcp_tool.h, progress, logging to
 * the client, elicitation, scope checks, running the handler and shaping its result. Shared
 * by tools/call, resources/read, prompts/get, completion/complete and in-process calls. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_internal.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "util/log.h"

#define MOD "mcp"
#define TEXT_MAX (64u << 20)      /* one text block */
#define PROGRESS_MIN_MS 10.0      /* rate limit between progress notifications */
#define COMPLETE_MAX 100

double mcp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

bool mcp_scope_has(const char *scopes, const char *scope)
{
    if (!scopes)
        return true;
    size_t n = strlen(scope);
    for (const char *p = scopes; *p;) {
        while (*p == ' ')
            p++;
        size_t k = strcspn(p, " ");
        if (k == n && !strncmp(p, scope, n))
            return true;
        p += k;
    }
    return false;
}

void mcp_call_free(mcp_call *c)
{
    if (!c)
        return;
    mcp_tool_entry_unref(c->tool);
    mcp_resource_entry_unref(c->res);
    mcp_prompt_entry_unref(c->prompt);
    if (c->reg)
        mcp_registry_unref(c->reg);
    json_decref(c->id);
    json_decref(c->params);
    json_decref(c->args);
    json_decref(c->progress_token);
    json_decref(c->content);
    json_decref(c->structured);
    free(c->id_key);
    free(c->scopes);
    free(c->rpc_message);
    free(c->description);
    if (c->s)
        mcp_session_unref(c->s);
    free(c);
}

/* ---- the handler-facing API -------------------------------------------------------------- */

void *mcp_call_data(const mcp_call *call)
{
    return call->family_data;
}

const char *mcp_call_tool_name(const mcp_call *call)
{
    if (call->tool)
        return call->tool->name;
    if (call->prompt)
        return call->prompt->name;
    if (call->res)
        return call->res->def.name;
    return "";
}

static void add_block(mcp_call *call, json_t *block)
{
    if (!call->content)
        call->content = json_array();
    json_array_append_new(call->content, block);
}

static json_t *text_object(json_t *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string_nocheck("text"));
    json_object_set_new(o, "text", s);
    return o;
}

static json_t *text_block(const char *fmt, va_list ap)
{
    if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) { /* the common "%s": no formatting pass */
        va_list cp;
        va_copy(cp, ap);
        const char *str = va_arg(cp, const char *);
        va_end(cp);
        size_t n = str ? strnlen(str, TEXT_MAX + 1) : 0;
        json_t *s = n <= TEXT_MAX ? json_stringn(str ? str : "", n) : NULL;
        if (s)
            return text_object(s);
    }
    sb_buf b;
    sb_buf_init(&b, TEXT_MAX);
    if (sb_buf_vprintf(&b, fmt, ap) < 0) {
        sb_buf_reset(&b);
        sb_buf_puts(&b, "(text too long)");
    }
    json_t *s = json_stringn(b.data ? b.data : "", b.len);
    if (!s) { /* not valid UTF-8: keep the text, replace what cannot be sent */
        sb_buf fixed;
        sb_buf_init(&fixed, TEXT_MAX + TEXT_MAX / 2);
        sb_utf8_repair(b.data ? b.data : "", b.len, &fixed);
        s = json_stringn(fixed.data ? fixed.data : "", fixed.len);
        sb_buf_free(&fixed);
    }
    sb_buf_free(&b);
    return text_object(s);
}

void mcp_call_textv(mcp_call *call, const char *fmt, va_list ap)
{
    add_block(call, text_block(fmt, ap));
    call->has_text = true;
}

void mcp_call_text(mcp_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcp_call_textv(call, fmt, ap);
    va_end(ap);
}

void mcp_call_content(mcp_call *call, json_t *block)
{
    if (!block)
        return;
    if (!strcmp(json_string_value(json_object_get(block, "type")) ?: "", "text"))
        call->has_text = true;
    add_block(call, block);
}

void mcp_call_structured(mcp_call *call, json_t *object)
{
    json_decref(call->structured);
    call->structured = object;
}

void mcp_call_error(mcp_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *b = text_block(fmt, ap);
    va_end(ap);
    if (call->kind == MCP_CALL_TOOL || call->kind == MCP_CALL_DIRECT) {
        call->is_error = true;
        call->has_text = true;
        add_block(call, b);
        return;
    }
    if (!call->rpc_error) {
        call->rpc_error = -32603;
        call->rpc_message = strdup(json_string_value(json_object_get(b, "text")));
    }
    json_decref(b);
}

bool mcp_call_cancelled(const mcp_call *call)
{
    return mcp_call_is_cancelled(call);
}

const volatile int *mcp_call_cancel_flag(const mcp_call *call)
{
    return &call->cancelled;
}

void mcp_call_progress(mcp_call *call, double progress, double total, const char *message)
{
    if (!call->s || !call->progress_token || !isfinite(progress))
        return;
    if (call->progress_sent && progress <= call->last_progress)
        return;
    double now = mcp_now_ms();
    bool final = total > 0 && progress >= total;
    double last = (double)call->last_progress_at.tv_sec * 1e3 +
                  (double)call->last_progress_at.tv_nsec / 1e6;
    if (call->progress_sent && !final && now - last < PROGRESS_MIN_MS)
        return;
    call->progress_sent = true;
    call->last_progress = progress;
    call->last_progress_at.tv_sec = (time_t)(now / 1e3);
    call->last_progress_at.tv_nsec = (long)(fmod(now, 1e3) * 1e6);
    json_t *p = json_object();
    json_object_set(p, "progressToken", call->progress_token);
    json_object_set_new(p, "progress", progress == floor(progress) && fabs(progress) < 1e15
                                           ? json_integer((json_int_t)progress)
                                           : json_real(progress));
    if (total > 0)
        json_object_set_new(p, "total", total == floor(total) && total < 1e15
                                            ? json_integer((json_int_t)total)
                                            : json_real(total));
    if (message)
        json_object_set_new(p, "message", json_string(message));
    json_t *msg = json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method",
                            "notifications/progress", "params", p);
    mcp_session_emit(call->s, msg, call->handle, MCP_OUT_NOTIFICATION);
}

void mcp_call_log(mcp_call *call, const char *level, const char *logger, const char *fmt, ...)
{
    int lvl = sb_log_level_parse(level ? level : "info");
    if (lvl < 0)
        lvl = SB_LOG_INFO;
    sb_buf b;
    sb_buf_init(&b, 64 * 1024);
    va_list ap;
    va_start(ap, fmt);
    if (sb_buf_vprintf(&b, fmt, ap) < 0)
        sb_buf_puts(&b, "(log message too long)");
    va_end(ap);
    if (!b.data)
        sb_buf_puts(&b, "");
    sb_log_redact(b.data);
    sb_log((sb_log_level)lvl, logger ? logger : mcp_call_tool_name(call), "%s", b.data);
    if (call->s && mcp_session_log_allowed(call->s, lvl)) {
        json_t *p = json_object();
        json_object_set_new(p, "level", json_string(sb_log_level_name((sb_log_level)lvl)));
        if (logger)
            json_object_set_new(p, "logger", json_string(logger));
        json_t *data = json_stringn(b.data, b.len);
        json_object_set_new(p, "data", data ? data : json_string("(not UTF-8)"));
        json_t *msg = json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method",
                                "notifications/message", "params", p);
        mcp_session_emit(call->s, msg, call->handle, MCP_OUT_NOTIFICATION);
    }
    sb_buf_free(&b);
}

bool mcp_call_client_has(const mcp_call *call, const char *capability)
{
    if (!call->s)
        return false;
    json_t *caps = mcp_session_client_caps(call->s);
    bool has = caps && json_object_get(caps, capability) != NULL;
    json_decref(caps);
    return has;
}

bool mcp_call_has_scope(const mcp_call *call, const char *scope)
{
    return mcp_scope_has(call->scopes, scope);
}

static bool form_elicitation_ok(mcp_call *call)
{
    if (!call->s)
        return false;
    json_t *caps = mcp_session_client_caps(call->s);
    json_t *el = caps ? json_object_get(caps, "elicitation") : NULL;
    /* {} (pre-2025-11-25 form) or {"form":{}}; {"url":{}} alone does not do forms */
    bool ok = json_is_object(el) && (json_object_size(el) == 0 || json_object_get(el, "form"));
    json_decref(caps);
    return ok;
}

mcp_elicit_outcome mcp_call_elicit(mcp_call *call, const char *message,
                                   const json_t *requested_schema, json_t **content)
{
    if (content)
        *content = NULL;
    if (!form_elicitation_ok(call))
        return MCP_ELICIT_UNSUPPORTED;
    if (mcp_call_is_cancelled(call))
        return MCP_ELICIT_FAILED;
    json_t *params = json_object();
    json_object_set_new(params, "message", json_string(message ? message : ""));
    json_object_set_new(params, "requestedSchema",
                        requested_schema ? json_deep_copy(requested_schema)
                                         : json_pack("{s:s, s:{}}", "type", "object",
                                                     "properties"));
    json_t *result = NULL;
    const mcp_server_config *cfg = mcp_server_cfg(call->s->srv);
    if (mcp_session_request(call->s, call, "elicitation/create", params, cfg->elicit_timeout_ms,
                            &result) < 0)
        return MCP_ELICIT_FAILED;
    const char *action = json_string_value(json_object_get(result, "action"));
    mcp_elicit_outcome o = MCP_ELICIT_FAILED;
    if (action && !strcmp(action, "accept")) {
        o = MCP_ELICIT_ACCEPT;
        json_t *c = json_object_get(result, "content");
        if (content && json_is_object(c))
            *content = json_incref(c);
    } else if (action && !strcmp(action, "decline"))
        o = MCP_ELICIT_DECLINE;
    else if (action && !strcmp(action, "cancel"))
        o = MCP_ELICIT_CANCEL;
    json_decref(result);
    return o;
}

int mcp_call_request(mcp_call *call, const char *method, json_t *params, json_t **result)
{
    *result = NULL;
    if (!call->s || mcp_call_is_cancelled(call) || !method) {
        json_decref(params);
        return -1;
    }
    const mcp_server_config *cfg = mcp_server_cfg(call->s->srv);
    return mcp_session_request(call->s, call, method, params ? params : json_object(),
                               cfg->elicit_timeout_ms, result);
}

/* ---- running and shaping ----------------------------------------------------------------- */

static void run_complete(mcp_call *c)
{
    json_t *arg = json_object_get(c->params, "argument");
    const char *name = json_string_value(json_object_get(arg, "name"));
    const char *value = json_string_value(json_object_get(arg, "value"));
    json_t *ctx = json_object_get(json_object_get(c->params, "context"), "arguments");
    mcp_complete_fn fn = c->prompt ? c->prompt->complete : c->res ? c->res->def.complete : NULL;
    json_t *all = fn ? fn(c->family_data, name ? name : "", value ? value : "", ctx) : NULL;
    json_t *values = json_array();
    size_t i, total = 0;
    json_t *v;
    json_array_foreach(all, i, v) {
        if (!json_is_string(v))
            continue;
        total++;
        if (json_array_size(values) < COMPLETE_MAX)
            json_array_append(values, v);
    }
    json_decref(all);
    c->structured = json_pack("{s:{s:o, s:I, s:b}}", "completion", "values", values, "total",
                              (json_int_t)total, "hasMore", total > COMPLETE_MAX);
}

void mcp_call_run(mcp_call *c)
{
    switch (c->kind) {
    case MCP_CALL_TOOL:
    case MCP_CALL_DIRECT:
        c->tool->handler(c, c->args);
        break;
    case MCP_CALL_RESOURCE:
        c->res->def.read(c, json_string_value(json_object_get(c->params, "uri")), c->args);
        break;
    case MCP_CALL_PROMPT:
        c->prompt->get(c, c->args);
        break;
    case MCP_CALL_COMPLETE:
        run_complete(c);
        break;
    }
}

static bool check_output_enabled(void)
{
    static int enabled = -1; /* read by every worker: atomics, the first to look decides */
    int v = __atomic_load_n(&enabled, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *e = getenv("SB_CHECK_OUTPUT");
        v = e && *e && strcmp(e, "0");
        __atomic_store_n(&enabled, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* With SB_CHECK_OUTPUT=1 (tests), a structuredContent that breaks the tool's outputSchema
 * turns the result into an error, so e2e tests catch a drifting declaration. */
static void check_output(mcp_call *c)
{
    if (!c->tool || c->is_error || !check_output_enabled())
        return;
    char *err = NULL;
    if (c->tool->out_compiled && !c->structured)
        err = strdup("the tool declares an outputSchema but returned no structuredContent");
    else if (c->tool->out_compiled)
        mcp_schema_validate(c->tool->out_compiled, c->structured, "structuredContent", &err);
    else if (c->structured)
        err = strdup("structuredContent without an outputSchema");
    if (!err)
        return;
    sb_error(MOD, "tool %s: output check failed: %s", c->tool->name, err);
    json_decref(c->content);
    c->content = NULL;
    json_decref(c->structured);
    c->structured = NULL;
    mcp_call_error(c, "internal error: the result does not match the tool's output schema: %s",
                   err);
    free(err);
}

static json_t *tool_result(mcp_call *c)
{
    check_output(c);
    json_t *r = json_object();
    if (c->structured && !c->has_text) {
        char *txt = json_dumps(c->structured, JSON_COMPACT);
        json_t *b = json_object();
        json_object_set_new(b, "type", json_string("text"));
        json_object_set_new(b, "text", json_string(txt ? txt : "{}"));
        free(txt);
        add_block(c, b);
    }
    json_object_set_new(r, "content", c->content ? c->content : json_array());
    c->content = NULL;
    if (c->structured) {
        json_object_set_new(r, "structuredContent", c->structured);
        c->structured = NULL;
    }
    if (c->is_error)
        json_object_set_new(r, "isError", json_true());
    return r;
}

json_t *mcp_call_result(mcp_call *c)
{
    if (c->rpc_error)
        return NULL;
    json_t *r;
    switch (c->kind) {
    case MCP_CALL_TOOL:
    case MCP_CALL_DIRECT:
        return tool_result(c);
    case MCP_CALL_RESOURCE:
        if (!c->content || !json_array_size(c->content)) {
            mcp_resource_not_found(c);
            return NULL;
        }
        r = json_object();
        json_object_set_new(r, "contents", c->content);
        c->content = NULL;
        return r;
    case MCP_CALL_PROMPT:
        r = json_object();
        if (c->description)
            json_object_set_new(r, "description", json_string(c->description));
        json_object_set_new(r, "messages", c->content ? c->content : json_array());
        c->content = NULL;
        return r;
    case MCP_CALL_COMPLETE:
        return json_incref(c->structured);
    }
    return NULL;
}

/* ---- preparing a tool call ---------------------------------------------------------------- */

mcp_call *mcp_call_new(mcp_call_kind kind, mcp_registry *reg)
{
    mcp_call *c = calloc(1, sizeof *c);
    c->kind = kind;
    c->reg = reg;
    return c;
}

int mcp_call_prepare_tool(mcp_call *c, const char *name, json_t *args, unsigned writes,
                          char **msg)
{
    mcp_tool_entry *t = mcp_registry_get_tool(c->reg, name);
    if (!t) {
        *msg = NULL;
        return -32602;
    }
    c->tool = t;
    c->family_data = t->family->data;
    c->writes_ok = mcp_tool_visible(t, writes, false);
    if (!c->writes_ok) {
        mcp_call_error(c, "Tool %s changes state upstream and writes are not enabled for this "
                          "session: start switchboard with --allow-writes (over HTTP the token "
                          "also needs the tools:write scope).", name);
        c->invalid = true;
        return 0;
    }
    if (args && !json_is_object(args)) {
        mcp_call_error(c, "Invalid arguments for tool %s: arguments must be a JSON object", name);
        c->invalid = true;
        return 0;
    }
    c->args = args ? json_deep_copy(args) : json_object();
    char *err = NULL;
    if (mcp_schema_validate(t->compiled, c->args, "argument", &err) < 0) {
        mcp_call_error(c, "Invalid arguments for tool %s: %s", name, err);
        free(err);
        c->invalid = true;
        return 0;
    }
    mcp_schema_fill_defaults(t->input_schema, c->args);
    return 0;
}
