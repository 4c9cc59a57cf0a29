/* The tool-facing MCP API: how a tool family declares its tools and how a handler answers.
 *
 * A family declares its tools once, in a const table of mcp_tool_def rows (nginx style). From
 * that one declaration the core derives the inputSchema the client sees (JSON Schema 2020-12)
 * and validates every call before the handler runs: handlers only ever see arguments that
 * passed validation, with declared defaults filled in. A builder API does the same at run time
 * for tools added by embedding code.
 *
 * Handlers run on a worker thread. They answer through the mcp_call they are given: text
 * content, structuredContent (with the text mirror made by the core when no text was added),
 * or an isError result whose text a person can act on. They poll mcp_call_cancelled() (or hand
 * mcp_call_cancel_flag() to a connector) and may report progress, log to the client, and ask
 * the user to confirm through elicitation. */
#ifndef SB_MCP_TOOL_H
#define SB_MCP_TOOL_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct mcp_registry mcp_registry;
typedef struct mcp_call mcp_call;

typedef enum {
    MCP_T_STRING = 1,
    MCP_T_INTEGER,
    MCP_T_NUMBER,
    MCP_T_BOOLEAN,
    MCP_T_ARRAY,
    MCP_T_OBJECT,
} mcp_type;

/* An optional numeric bound: {.set = true, .value = 100} or MCP_BOUND(100). */
typedef struct mcp_bound {
    bool set;
    double value;
} mcp_bound;
#define MCP_BOUND(v) ((mcp_bound){true, (double)(v)})

/* One parameter of a tool. Unset fields (0 / NULL) mean "no constraint". */
typedef struct mcp_param {
    const char *name;
    mcp_type type;
    const char *description;
    bool required;
    const char *default_json;        /* default as JSON text ("10", "\"today\"", "true") */
    const char *const *enum_values;  /* NULL-terminated list of allowed strings */
    mcp_bound minimum, maximum;      /* integer and number */
    unsigned min_length, max_length; /* string length in characters; 0 = unset */
    const char *pattern;             /* string: a POSIX ERE the whole value must match */
    const char *format;              /* string: "date", "date-time", "email", "uri" (documented, checked) */
    mcp_type items;                  /* array: the element type (0 = any) */
    unsigned min_items, max_items;   /* array: 0 = unset */
    const char *schema_json;         /* escape hatch: the property schema as JSON text, used as-is */
} mcp_param;

/* Annotations (MCP tool hints). All four are always emitted explicitly. */
enum {
    MCP_ANN_READ_ONLY = 1u << 0,
    MCP_ANN_DESTRUCTIVE = 1u << 1,
    MCP_ANN_IDEMPOTENT = 1u << 2,
    MCP_ANN_OPEN_WORLD = 1u << 3,
};

/* Tool flags for the core. */
enum {
    /* Changes state upstream: hidden unless writes are enabled, needs the tools:write scope
     * over HTTP. */
    MCP_TOOL_WRITE = 1u << 0,
    /* Not listed in tools/list (aliases kept for compatibility); still callable. */
    MCP_TOOL_HIDDEN = 1u << 1,
    /* (core addition) Pure and bounded: no I/O, no waiting, microseconds (a table lookup,
     * formatting). Runs on the thread that read the request instead of hopping to the worker
     * pool, which saves a thread wake-up per call. Never set it on a tool that may block. */
    MCP_TOOL_INLINE = 1u << 2,
};

/* A handler: args is a JSON object that passed validation, defaults filled in (borrowed). */
typedef void (*mcp_tool_fn)(mcp_call *call, const json_t *args);

typedef struct mcp_tool_def {
    const char *name;          /* 1-128 chars of [A-Za-z0-9_.-] */
    const char *title;         /* human display name */
    const char *description;   /* what it answers, for the model */
    const mcp_param *params;   /* terminated by a row with name == NULL; NULL = no parameters */
    unsigned annotations;      /* MCP_ANN_* */
    const char *output_schema; /* JSON Schema of structuredContent as JSON text, or NULL */
    mcp_tool_fn handler;
    unsigned flags;            /* MCP_TOOL_* */
} mcp_tool_def;

/* ---- registration ---------------------------------------------------------------------- */

/* Adds every row of a table (terminated by a row with name == NULL). family_data is handed to
 * each handler through mcp_call_data(). Returns 0, or -1 with an error logged when a row is
 * invalid (bad name, duplicate name, schema JSON that does not parse). */
int mcp_registry_add_table(mcp_registry *reg, const mcp_tool_def *table, void *family_data);

/* Removes every tool whose family_data is this pointer (configuration reload). */
void mcp_registry_remove_family(mcp_registry *reg, void *family_data);

/* Builder API for tools added at run time by embedding code. The strings are copied. */
typedef struct mcp_tool_builder mcp_tool_builder;
mcp_tool_builder *mcp_tool_new(mcp_registry *reg, const char *name, const char *description,
                               mcp_tool_fn handler, void *data);
/* Adds a parameter; returns it so bounds, enums or a default can be set on it. */
mcp_param *mcp_tool_add_param(mcp_tool_builder *t, const char *name, mcp_type type,
                              const char *description, bool required);
void mcp_tool_set_title(mcp_tool_builder *t, const char *title);
void mcp_tool_set_annotations(mcp_tool_builder *t, unsigned annotations);
void mcp_tool_set_output_schema(mcp_tool_builder *t, const char *schema_json);
void mcp_tool_set_flags(mcp_tool_builder *t, unsigned flags);
/* Validates the tool and makes it visible (sends list_changed to live sessions). 0 or -1. */
int mcp_tool_commit(mcp_tool_builder *t);

/* ---- answering a call ------------------------------------------------------------------ */

/* The family_data given at registration. */
void *mcp_call_data(const mcp_call *call);
const char *mcp_call_tool_name(const mcp_call *call);

/* Appends a text content block. */
void mcp_call_text(mcp_call *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mcp_call_textv(mcp_call *call, const char *fmt, va_list ap);
/* Appends any content block (image, audio, resource, resource_link); steals the reference. */
void mcp_call_content(mcp_call *call, json_t *block);
/* Sets structuredContent (a JSON object); steals the reference. When the handler adds no text
 * block, the core adds the serialised JSON as the text mirror. */
void mcp_call_structured(mcp_call *call, json_t *object);
/* Marks the result isError and appends the message as text. Use for upstream failures and
 * business-logic failures; protocol errors are the core's business. */
void mcp_call_error(mcp_call *call, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True once the client cancelled this call or the server is shutting down. */
bool mcp_call_cancelled(const mcp_call *call);
/* The same as a flag a connector can poll from a libcurl progress callback (non-zero = stop). */
const volatile int *mcp_call_cancel_flag(const mcp_call *call);

/* Sends notifications/progress when the client asked for it (a progressToken); otherwise a
 * no-op. progress must increase; total <= 0 means unknown; message may be NULL. Rate-limited. */
void mcp_call_progress(mcp_call *call, double progress, double total, const char *message);

/* Sends notifications/message at the given syslog level name ("info", "warning", ...) when the
 * client's logging/setLevel allows it; logger may be NULL. Also logged to stderr. */
void mcp_call_log(mcp_call *call, const char *level, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Elicitation: asks the user through the client. */
typedef enum {
    MCP_ELICIT_ACCEPT,
    MCP_ELICIT_DECLINE,
    MCP_ELICIT_CANCEL,
    MCP_ELICIT_UNSUPPORTED, /* the client did not declare the capability (or mode) */
    MCP_ELICIT_FAILED,      /* transport error, timeout, or the call was cancelled */
} mcp_elicit_outcome;

/* Sends elicitation/create (form mode) with message and requested_schema (borrowed; a flat
 * object schema), waits for the answer (bounded), and on ACCEPT stores the content object in
 * *content (new reference, may be NULL). */
mcp_elicit_outcome mcp_call_elicit(mcp_call *call, const char *message,
                                   const json_t *requested_schema, json_t **content);
/* The client's declared capability, e.g. "elicitation", "sampling", "roots". */
bool mcp_call_client_has(const mcp_call *call, const char *capability);

/* Over HTTP with authentication: whether the caller's token carries the scope. Always true on
 * stdio and on unauthenticated loopback HTTP. */
bool mcp_call_has_scope(const mcp_call *call, const char *scope);

/* ---- additions (core) -------------------------------------------------------------------- */

/* Runs free_fn(family_data) once every tool, resource and prompt registered with
 * family_data is gone (registry freed after a reload, or mcp_registry_remove_family) and no
 * call using them is in flight. Lets a family own connector state across reloads. */
void mcp_registry_set_family_free(mcp_registry *reg, void *family_data,
                                  void (*free_fn)(void *family_data));

/* Adds a line to the routing guide in the initialize instructions: topic is a short subject
 * ("3CX PBX", "SIP captures"), hint says which tool answers which question ("who is on a call
 * now -> tcx_active_calls; ..."). Families call it from their register function, so the guide
 * always matches the tools actually registered. Tools not named in any hint are listed by
 * title after the hints. Strings are copied. */
void mcp_registry_add_hint(mcp_registry *reg, const char *topic, const char *hint);

/* Sends any request to the client (e.g. "sampling/createMessage", "roots/list") on this call's
 * stream and waits for the answer (bounded like elicitation, cancellation-aware). Returns 0 with
 * *result (the result object, new reference), or -1 (no session, the client answered an error,
 * timeout, cancelled). Check mcp_call_client_has() first. Steals params. */
int mcp_call_request(mcp_call *call, const char *method, json_t *params, json_t **result);

/* Escape hatch: replaces a registered tool's whole inputSchema with schema_json (used as-is;
 * validation follows it: 2020-12 subset with $defs/$ref). 0, or -1 when there is no such tool
 * or the schema does not parse/compile. Call it right after mcp_registry_add_table(). */
int mcp_registry_set_input_schema(mcp_registry *reg, const char *tool_name,
                                  const char *schema_json);

/* A family whose own configuration enabled its write tools (e.g. allow_writes = true in its
 * section) says so here: its MCP_TOOL_WRITE tools are then offered even without --allow-writes.
 * The per-session check (the tools:write scope over HTTP) still applies. */
void mcp_registry_allow_family_writes(mcp_registry *reg, void *family_data);

/* Number of tools registered (visible or not). */
size_t mcp_registry_tool_count(mcp_registry *reg);

/* Calls fn for each tool in listing order (what `switchboard tools` prints): name, the tool
 * definition as tools/list shows it (borrowed), flags. Stops when fn returns non-zero. */
void mcp_registry_foreach_tool(mcp_registry *reg,
                               int (*fn)(void *ctx, const char *name, const json_t *tool,
                                         unsigned flags),
                               void *ctx);

/* The tool's inputSchema as the client sees it (borrowed; NULL when there is no such tool). */
const json_t *mcp_registry_input_schema(mcp_registry *reg, const char *tool_name);

#endif
