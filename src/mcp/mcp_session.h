/* The transport-facing MCP API: a server object (registry, worker pool, live sessions) and
 * sessions that a transport feeds with complete JSON-RPC messages.
 *
 * A transport (stdio, Streamable HTTP) owns the bytes; the core owns the protocol. The
 * transport creates one mcp_session per connection / HTTP session (or one per POST in
 * stateless mode), hands it every complete message it receives with mcp_session_handle(),
 * and receives every outgoing message through its output callback. Each outgoing message
 * carries the opaque handle of the incoming request it relates to, so an HTTP transport can
 * put a call's progress, log messages and elicitation requests on that call's SSE stream and
 * close the stream when the message flagged MCP_OUT_FINAL arrives.
 *
 * Threads: quick methods (initialize, ping, tools/list, ...) are answered synchronously,
 * inside mcp_session_handle(); handler methods (tools/call, resources/read, prompts/get,
 * completion/complete) run on the server's worker pool and answer later from a worker
 * thread. A slow handler therefore never blocks ping, other calls or cancellation. */
#ifndef SB_MCP_SESSION_H
#define SB_MCP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "mcp/mcp_tool.h"

typedef struct mcp_server mcp_server;
typedef struct mcp_session mcp_session;

/* Protocol versions we speak, newest first (legacy handshake era). */
#define MCP_PROTOCOL_LATEST "2025-11-25"
extern const char *const mcp_protocol_versions[]; /* NULL-terminated, newest first */
/* True when version (NUL-terminated) is one of mcp_protocol_versions. */
bool mcp_protocol_supported(const char *version);

/* Largest message the core accepts (bytes). Transports reject longer input before parsing
 * (stdio answers -32700 and reads on; HTTP answers 413). */
#define MCP_MAX_MESSAGE (16u * 1024u * 1024u)

/* ---- server ------------------------------------------------------------------------------ */

typedef struct mcp_server_config {
    const char *name;         /* serverInfo.name; default "switchboard" */
    const char *version;      /* serverInfo.version; default the build version */
    const char *title;        /* serverInfo.title; may be NULL */
    const char *instructions; /* opening paragraph of the instructions; the routing guide built
                               * from the registry follows it. NULL = a default. */
    unsigned workers;         /* worker threads for handlers; 0 = 4 */
    unsigned max_queue;       /* queued + running handler calls, server-wide; 0 = 256. Over it
                               * a call is answered -32603 "server busy" at once. */
    bool allow_writes;        /* MCP_TOOL_WRITE tools exist at all (--allow-writes) */
    unsigned elicit_timeout_ms; /* how long mcp_call_elicit waits; 0 = 300000 (5 min) */
    unsigned page_size;       /* items per tools/list (resources, prompts) page; 0 = 100 */
    unsigned max_per_session; /* calls in flight per session; 0 = 64. Over it: -32603 "busy",
                               * so one client cannot take every worker from the others. */
} mcp_server_config;

/* Creates a server with an empty registry and starts its worker pool. NULL on failure. */
mcp_server *mcp_server_new(const mcp_server_config *cfg);

/* Cancels every call in flight, waits (bounded by timeout_ms) for handlers to return, stops
 * the workers and frees everything. Close every session first (mcp_session_close): while a
 * session is still open, or a handler ignores cancellation past the timeout, the calls are
 * cancelled but the memory is left to the exiting process rather than freed under a user. */
void mcp_server_free(mcp_server *srv, unsigned timeout_ms);

/* The live registry: families register into it before serving, embedding code may add tools
 * at run time (mcp_tool_commit broadcasts list_changed). */
mcp_registry *mcp_server_registry(mcp_server *srv);

/* Configuration reload: a fresh, empty registry to fill with tools_register_all(), then
 * mcp_server_swap_registry() publishes it atomically. Calls in flight keep the tools they
 * started with; the old registry is freed (family destructors run) once the last of them
 * ends. Every initialized session gets notifications/tools|resources|prompts/list_changed. */
mcp_registry *mcp_server_new_registry(mcp_server *srv);
void mcp_server_swap_registry(mcp_server *srv, mcp_registry *fresh);
/* Discards a registry from mcp_server_new_registry() that was not swapped in. */
void mcp_server_discard_registry(mcp_server *srv, mcp_registry *fresh);

/* Broadcasts to every initialized session (handle NULL, MCP_OUT_NOTIFICATION). */
void mcp_server_notify_list_changed(mcp_server *srv);
/* notifications/resources/updated {uri} to each session that subscribed to uri. */
void mcp_server_notify_resource_updated(mcp_server *srv, const char *uri);

/* The instructions text as initialize returns it (malloc'd; free it). */
char *mcp_server_instructions(mcp_server *srv);

/* Runs one tool in-process, in the calling thread, through the same lookup and validation as
 * tools/call (`switchboard call`, embedding, tests). writes_ok: may a MCP_TOOL_WRITE tool run
 * (it also needs cfg.allow_writes or its family's mcp_registry_allow_family_writes). Returns the CallToolResult object (content,
 * structuredContent, isError; new reference), or NULL with *rpc_error = -32602 when there is
 * no such tool. No progress, logging to the client or elicitation (UNSUPPORTED). */
json_t *mcp_server_call_tool(mcp_server *srv, const char *name, const json_t *args,
                             bool writes_ok, int *rpc_error);

/* Calls in flight (queued or running), server-wide: for health and metrics. */
unsigned mcp_server_calls_in_flight(mcp_server *srv);

/* ---- sessions ---------------------------------------------------------------------------- */

/* Flags on an outgoing message. */
enum {
    MCP_OUT_RESPONSE = 1u << 0,     /* a response (result or error) to a client request */
    MCP_OUT_NOTIFICATION = 1u << 1, /* progress, message, list_changed, resources/updated, ... */
    MCP_OUT_REQUEST = 1u << 2,      /* a server->client request (elicitation/create) */
    /* The last message for this handle: after it the core never uses the handle again. Set on
     * every response; also sent alone (json == NULL, len == 0) when a request ends without a
     * response (the client cancelled it: the spec says not to answer). */
    MCP_OUT_FINAL = 1u << 3,
};

/* Receives one outgoing message: complete JSON text without a trailing newline (not
 * NUL-terminated; valid only during the call). handle is the one given to
 * mcp_session_handle() for the request this message belongs to, or NULL for messages that
 * belong to no request (list_changed, log messages outside a call, resources/updated).
 * Called from any thread, but never concurrently for one session, and never after
 * mcp_session_close() returned. It must not call back into the session. Returns 0, or -1
 * when the message could not be delivered (the core then treats an outgoing request as
 * failed). */
typedef int (*mcp_output_fn)(void *ctx, const char *json, size_t len, void *handle,
                             unsigned flags);

/* Session flags. */
enum {
    /* No initialize needed: requests are served at once with the protocol version set by
     * mcp_session_set_protocol_version() (default 2025-03-26 as the HTTP spec says when the
     * header is absent). Client capabilities are empty (no elicitation). For stateless HTTP:
     * one session per POST. */
    MCP_SESSION_STATELESS = 1u << 0,
};

mcp_session *mcp_session_new(mcp_server *srv, mcp_output_fn out, void *ctx, unsigned flags);

/* Stops the session: cancels its calls in flight, fails its pending elicitations, and
 * detaches the output callback (never called again once this returns; handles of requests
 * still in flight get no FINAL message, the transport releases them itself). The memory
 * goes when the last worker using it finishes. Does not block on handlers. */
void mcp_session_close(mcp_session *s);

/* What mcp_session_handle() did with a message. */
typedef enum {
    /* A request: exactly one MCP_OUT_FINAL message for this handle follows (maybe already
     * delivered, synchronously, before this returned). Parse errors and invalid requests are
     * answered this way too (with the error response). */
    MCP_IN_REQUEST,
    /* A notification or a response to one of our requests: nothing will be sent for this
     * handle (HTTP: 202 Accepted). */
    MCP_IN_ACCEPTED,
} mcp_in_kind;

/* Feeds one complete message (one JSON value; json need not be NUL-terminated). handle is
 * the transport's opaque tag for it (may be NULL for stdio). Never fails: bad input is
 * answered with a JSON-RPC error through the output callback. A JSON array is a batch only
 * when the session negotiated 2025-03-26 (else -32600): its responses go out together as one
 * JSON array, the single MCP_OUT_FINAL message for this handle (MCP_IN_ACCEPTED when the batch
 * holds only notifications and responses); progress and other messages of its requests come
 * with this handle before it. */
mcp_in_kind mcp_session_handle(mcp_session *s, const char *json, size_t len, void *handle);

/* Answers an already-rejected input with a JSON-RPC error (id null), e.g. the stdio
 * transport's "line too long": sends code/message through the output callback with
 * MCP_OUT_RESPONSE | MCP_OUT_FINAL and this handle. */
void mcp_session_send_error(mcp_session *s, void *handle, int code, const char *message);

/* Per-session authorisation. scopes: space-separated OAuth scopes the caller's token grants
 * ("tools:read tools:write"), copied; NULL = unrestricted (stdio, unauthenticated loopback
 * HTTP). MCP_TOOL_WRITE tools are listed and callable only when the server allows writes and
 * the session is unrestricted or has "tools:write". May be called at any time; calls take a
 * snapshot when they start. */
void mcp_session_set_scopes(mcp_session *s, const char *scopes);
/* Per-session write switch on top of the server's (default true). */
void mcp_session_set_writes(mcp_session *s, bool enabled);

/* The negotiated protocol version (after initialize), or the one set for a stateless
 * session; NULL before initialize. The pointer is to a static string. */
const char *mcp_session_protocol_version(const mcp_session *s);
/* Sets the version of a stateless session (from the MCP-Protocol-Version header). Returns
 * -1 when the version is not supported. */
int mcp_session_set_protocol_version(mcp_session *s, const char *version);
/* True once initialize succeeded (always true for stateless sessions). */
bool mcp_session_initialized(const mcp_session *s);

/* Cancels every request of this session that arrived with this handle (an HTTP stream the
 * client closed, if the transport decides disconnect means cancel). */
void mcp_session_cancel_handle(mcp_session *s, void *handle);

/* Requests of this session still in flight (queued or running). */
unsigned mcp_session_in_flight(mcp_session *s);
/* Waits until no request of this session is in flight, at most timeout_ms. True when idle. */
bool mcp_session_wait_idle(mcp_session *s, unsigned timeout_ms);
/* Cancels every request in flight (shutdown); they still end through the usual path. */
void mcp_session_cancel_all(mcp_session *s);

#endif
