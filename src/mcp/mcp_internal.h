/* Shared between the files of the MCP core (not for other modules): the registry, call and
 * session structures and the functions the core files call in each other. */
#ifndef SB_MCP_INTERNAL_H
#define SB_MCP_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "mcp/mcp_resource.h"
#include "mcp/mcp_schema.h"
#include "mcp/mcp_session.h"
#include "mcp/mcp_tool.h"

/* A family: the family_data pointer of its rows, with the destructor to run when the last
 * row using it is gone. */
typedef struct mcp_family {
    atomic_int refs;
    void *data;
    void (*free_fn)(void *data);
    bool writes_ok; /* the family enabled its write tools itself (mcp_registry_allow_family_writes) */
    struct mcp_family *next;
} mcp_family;

typedef struct mcp_tool_entry {
    atomic_int refs;
    char *name;
    json_t *listing;        /* what tools/list shows */
    json_t *input_schema;   /* borrowed from listing */
    mcp_schema *compiled;   /* validator for input_schema */
    json_t *output_schema;  /* borrowed from listing, or NULL */
    mcp_schema *out_compiled;
    mcp_tool_fn handler;
    mcp_family *family;
    unsigned flags;
} mcp_tool_entry;

typedef struct mcp_resource_entry {
    atomic_int refs;
    mcp_resource_def def;   /* strings owned (copied) */
    json_t *listing;
    mcp_family *family;
} mcp_resource_entry;

typedef struct mcp_prompt_entry {
    atomic_int refs;
    char *name;
    json_t *listing;
    mcp_prompt_fn get;
    mcp_complete_fn complete;
    mcp_family *family;
} mcp_prompt_entry;

typedef struct mcp_ptr_vec {
    void **v;
    size_t n, cap;
} mcp_ptr_vec;

struct mcp_registry {
    atomic_int refs;
    pthread_rwlock_t lock;
    mcp_ptr_vec tools;      /* mcp_tool_entry*, listing order */
    mcp_ptr_vec resources;  /* fixed and template resources */
    mcp_ptr_vec prompts;
    json_t *hints;          /* array of {topic, hint} */
    mcp_family *families;
    mcp_server *srv;        /* for list_changed on mcp_tool_commit; NULL when detached */
};

mcp_registry *mcp_registry_create(mcp_server *srv);
void mcp_registry_ref(mcp_registry *reg);
void mcp_registry_unref(mcp_registry *reg);
/* Finds a tool and takes a reference (release with mcp_tool_entry_unref), or NULL. */
mcp_tool_entry *mcp_registry_get_tool(mcp_registry *reg, const char *name);
void mcp_tool_entry_unref(mcp_tool_entry *t);
mcp_resource_entry *mcp_registry_find_resource(mcp_registry *reg, const char *uri, json_t **vars);
mcp_resource_entry *mcp_registry_get_template(mcp_registry *reg, const char *uri_template);
void mcp_resource_entry_unref(mcp_resource_entry *r);
mcp_prompt_entry *mcp_registry_get_prompt(mcp_registry *reg, const char *name);
void mcp_prompt_entry_unref(mcp_prompt_entry *p);
void mcp_family_unref(mcp_family *f);
mcp_family *mcp_registry_family(mcp_registry *reg, void *data);
/* The routing guide (malloc'd). */
char *mcp_registry_guide(mcp_registry *reg);
/* Write permission of a caller, as bits: the server allows writes (--allow-writes), and the
 * session does (its per-session switch and, over HTTP, the tools:write scope). */
enum { MCP_W_SERVER = 1u << 0, MCP_W_SESSION = 1u << 1 };
/* Whether a tool is offered to a caller with these write bits: a write tool needs the session
 * bit and either the server bit or its family's own approval. listing: hidden tools too. */
bool mcp_tool_visible(const mcp_tool_entry *t, unsigned writes, bool listing);

/* What a worker runs. */
typedef enum {
    MCP_CALL_TOOL,
    MCP_CALL_RESOURCE,
    MCP_CALL_PROMPT,
    MCP_CALL_COMPLETE,
    MCP_CALL_DIRECT, /* mcp_call_direct: in-process, no session */
} mcp_call_kind;

struct mcp_call {
    mcp_call_kind kind;
    mcp_session *s;          /* NULL for direct calls */
    mcp_registry *reg;       /* reference */
    mcp_tool_entry *tool;    /* reference (tool calls) */
    mcp_resource_entry *res; /* reference (resource reads, template completion) */
    mcp_prompt_entry *prompt;/* reference (prompt gets, prompt completion) */
    void *family_data;
    json_t *id;              /* request id (reference) */
    char *id_key;            /* serialised id for matching */
    void *handle;
    json_t *params;          /* request params (reference) */
    json_t *args;            /* validated arguments (tools: defaults filled) */
    json_t *progress_token;
    double last_progress;
    bool progress_sent;
    struct timespec last_progress_at;
    volatile int cancelled;  /* 1 = client cancelled or shutdown */
    bool suppress_reply;     /* cancelled by the client: no response */
    bool invalid;            /* arguments rejected: the error result is ready, skip the handler */
    bool writes_ok;
    char *scopes;            /* snapshot; NULL = unrestricted */
    /* the result being built */
    json_t *content;         /* array: tool content, resource contents, prompt messages */
    json_t *structured;
    bool is_error;
    bool has_text;
    int rpc_error;           /* non-zero: answer with this JSON-RPC error */
    char *rpc_message;
    char *description;       /* prompts */
    struct mcp_call *next_q; /* worker queue */
    struct mcp_call *next_s; /* session in-flight list */
};

mcp_call *mcp_call_new(mcp_call_kind kind, mcp_registry *reg); /* takes the registry ref */
/* Looks the tool up and validates args (borrowed). Returns -32602 when there is no such tool;
 * else 0 with either c->args ready or c->invalid set and the isError result built. */
int mcp_call_prepare_tool(mcp_call *c, const char *name, json_t *args, unsigned writes,
                          char **msg);
void mcp_call_free(mcp_call *c);
/* The cancel flag is written by the reader thread (notifications/cancelled) or at shutdown
 * while the handler's thread and connectors read it: always through these atomics. */
static inline void mcp_call_set_cancelled(mcp_call *c)
{
    __atomic_store_n(&c->cancelled, 1, __ATOMIC_RELEASE);
}
static inline bool mcp_call_is_cancelled(const mcp_call *c)
{
    return __atomic_load_n(&c->cancelled, __ATOMIC_ACQUIRE) != 0;
}
/* Runs the handler of a call (on a worker). */
void mcp_call_run(mcp_call *c);
/* Builds the JSON-RPC result object of a finished call (new reference), or NULL when the
 * call ended with an RPC error (c->rpc_error). */
json_t *mcp_call_result(mcp_call *c);

/* Server internals used by sessions. */
mcp_registry *mcp_server_current_registry(mcp_server *srv); /* reference */
const mcp_server_config *mcp_server_cfg(const mcp_server *srv);
int mcp_server_submit(mcp_server *srv, mcp_call *c); /* -1 when the queue is full */
void mcp_server_attach(mcp_server *srv, mcp_session *s);
void mcp_server_detach(mcp_server *srv, mcp_session *s);
bool mcp_server_stopping(const mcp_server *srv);

/* Session internals used by calls and the server. */
void mcp_session_finish_call(mcp_session *s, mcp_call *c);
int mcp_session_emit(mcp_session *s, json_t *msg, void *handle, unsigned flags); /* steals msg */
int mcp_session_log_allowed(mcp_session *s, int level);
json_t *mcp_session_client_caps(mcp_session *s); /* reference or NULL */
/* Sends a request to the client and waits for its answer (elicitation). */
int mcp_session_request(mcp_session *s, mcp_call *c, const char *method, json_t *params,
                        unsigned timeout_ms, json_t **result);
void mcp_session_ref(mcp_session *s);
void mcp_session_unref(mcp_session *s);
void mcp_session_notify(mcp_session *s, const char *method, json_t *params);
/* Initialized and long-lived (not stateless): list_changed goes to it. */
bool mcp_session_wants_broadcasts(const mcp_session *s);
bool mcp_session_subscribed(mcp_session *s, const char *uri);

/* The session structure (session.c, methods.c). */
typedef struct pending_req {
    char *id_key;
    json_t *result;
    int state; /* 0 waiting, 1 answered, -1 error answer */
    struct pending_req *next;
} pending_req;

struct mcp_session {
    mcp_server *srv;
    atomic_int refs;
    pthread_mutex_t out_lock;
    mcp_output_fn out;
    void *ctx;
    bool closed;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a call ended, an answer arrived, a cancellation */
    unsigned flags;
    bool init_done;
    bool client_ready; /* notifications/initialized seen */
    const char *version;
    json_t *client_caps;
    json_t *client_info;
    int log_level;
    char *scopes;
    bool writes;
    mcp_call *inflight;
    unsigned n_inflight;
    pending_req *pending;
    unsigned long next_req_id;
    json_t *subs;
    struct mcp_batch *batches; /* 2025-03-26 batches being answered (under lock) */
    atomic_int n_batches;      /* fast check in the output path */
};

void mcp_session_dispatch(mcp_session *s, const char *method, json_t *id, json_t *params,
                          void *handle);
void mcp_session_send_result(mcp_session *s, json_t *id, json_t *result, void *handle);
void mcp_session_send_rpc_error(mcp_session *s, json_t *id, int code, const char *message,
                                json_t *data, void *handle);
unsigned mcp_session_writes_locked(mcp_session *s); /* MCP_W_* bits */
char *mcp_id_key(const json_t *id);
/* One parsed message (not an array) of a session: the body of mcp_session_handle. */
mcp_in_kind mcp_session_handle_value(mcp_session *s, json_t *msg, void *handle);
/* batch.c: a JSON-RPC batch (2025-03-26 sessions), answered with one array. */
mcp_in_kind mcp_batch_handle(mcp_session *s, json_t *batch, void *handle);
/* In the output path: when handle is a batch, collects responses (and sends the array when
 * the last one arrives) or forwards the message with the transport's handle. True when it
 * took the message (steals msg); *rc is the output result. */
bool mcp_batch_intercept(mcp_session *s, json_t *msg, void *handle, unsigned flags, int *rc);
/* Frees the batches still open (session end). */
void mcp_batch_free_all(mcp_session *s);

/* Helpers. */
double mcp_now_ms(void);
bool mcp_scope_has(const char *scopes, const char *scope);

#endif
