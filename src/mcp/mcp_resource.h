/* Resources, resource templates, prompts and argument completion: the other two MCP server
 * features besides tools, declared the same way (const tables, one per family) and served by
 * the core (resources/list, resources/templates/list, resources/read, resources/subscribe,
 * prompts/list, prompts/get, completion/complete).
 *
 * Handlers run on the worker pool with an mcp_call, like tools: they may poll cancellation
 * and log. A resource reader answers with mcp_resource_text()/mcp_resource_blob(); a prompt
 * answers with mcp_prompt_message()/mcp_prompt_text(). mcp_call_error() from either turns
 * into a JSON-RPC error (-32603 with the message; resource readers may say "not found" with
 * mcp_resource_not_found(), -32002). */
#ifndef SB_MCP_RESOURCE_H
#define SB_MCP_RESOURCE_H

#include <jansson.h>
#include <stdbool.h>

#include "mcp/mcp_tool.h"

/* ---- completion -------------------------------------------------------------------------- */

/* Suggests values for argument `name` whose current text is `value` (prefix). context_args is
 * the object of arguments already chosen (may be NULL). Returns a JSON array of strings (new
 * reference; the core truncates to 100 and reports total/hasMore), or NULL for none. */
typedef json_t *(*mcp_complete_fn)(void *data, const char *name, const char *value,
                                   const json_t *context_args);

/* ---- resources --------------------------------------------------------------------------- */

/* Reads `uri`. vars: for a template, the object of its variables taken from the uri (e.g.
 * {"id":"42"}); for a fixed resource an empty object. Adds contents with the functions below. */
typedef void (*mcp_resource_fn)(mcp_call *call, const char *uri, const json_t *vars);

typedef struct mcp_resource_def {
    const char *uri;          /* a fixed URI ("test://static-text"), or NULL for a template */
    const char *uri_template; /* RFC 6570 level 1 ("test://template/{id}/data"), or NULL */
    const char *name;         /* short machine name */
    const char *title;        /* display name, may be NULL */
    const char *description;
    const char *mime_type;    /* may be NULL */
    mcp_resource_fn read;
    mcp_complete_fn complete; /* template variables; may be NULL */
} mcp_resource_def;

/* Adds every row (terminated by a row with name == NULL); family_data goes to the handlers
 * (mcp_call_data) and completers. 0, or -1 with an error logged (bad row, duplicate uri). */
int mcp_registry_add_resources(mcp_registry *reg, const mcp_resource_def *table,
                               void *family_data);

/* Answers a read: one text or binary content item for uri (usually the requested one). */
void mcp_resource_text(mcp_call *call, const char *uri, const char *mime_type,
                       const char *text);
void mcp_resource_blob(mcp_call *call, const char *uri, const char *mime_type,
                       const void *data, size_t len);
/* The resource does not exist (for a template whose variables name nothing): -32002. */
void mcp_resource_not_found(mcp_call *call);

/* ---- prompts ----------------------------------------------------------------------------- */

typedef struct mcp_prompt_arg {
    const char *name;
    const char *description;
    bool required;
} mcp_prompt_arg;

/* Builds the prompt: args is an object of string values that has every required argument
 * (checked by the core: a missing one is -32602). */
typedef void (*mcp_prompt_fn)(mcp_call *call, const json_t *args);

typedef struct mcp_prompt_def {
    const char *name;
    const char *title;
    const char *description;
    const mcp_prompt_arg *args; /* terminated by a row with name == NULL; NULL = none */
    mcp_prompt_fn get;
    mcp_complete_fn complete;   /* argument values; may be NULL */
} mcp_prompt_def;

int mcp_registry_add_prompts(mcp_registry *reg, const mcp_prompt_def *table,
                             void *family_data);

/* Appends a message {role, content}; role "user" or "assistant"; steals block (a content
 * block: text, image, audio, resource, resource_link). */
void mcp_prompt_message(mcp_call *call, const char *role, json_t *block);
/* Appends a text message. */
void mcp_prompt_text(mcp_call *call, const char *role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the description of the result (optional). */
void mcp_prompt_description(mcp_call *call, const char *description);

#endif
