/* JSON-RPC batches, for sessions that negotiated protocol 2025-03-26 (the only version that
 * has them; later versions answer an array with -32600). Every element goes through the usual
 * path with the batch itself as its handle; the output path collects the responses and sends
 * them as one array, flagged FINAL, with the transport's handle, once the last one is in
 * (handlers run on workers, so that may be after mcp_session_handle returned). Progress, log
 * and elicitation messages of an element go out at once with the transport's handle. */
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_internal.h"

#define MCP_BATCH_MAX 1000 /* elements per batch */

typedef struct mcp_batch {
    struct mcp_batch *next;
    void *handle;       /* the transport's */
    json_t *responses;  /* array */
    size_t expected;    /* elements that are answered */
    size_t answered;    /* FINAL messages seen (with or without a response) */
    bool sealed;        /* every element dispatched: expected is final */
} mcp_batch;

/* Caller holds s->lock. Removes b from the session's list when complete; returns whether. */
static bool take_if_complete(mcp_session *s, mcp_batch *b)
{
    if (!b->sealed || b->answered < b->expected)
        return false;
    for (mcp_batch **pp = &s->batches; *pp; pp = &(*pp)->next)
        if (*pp == b) {
            *pp = b->next;
            atomic_fetch_sub(&s->n_batches, 1);
            return true;
        }
    return false;
}

/* Sends the collected array (or, when every request was cancelled, a bare FINAL). */
static int send_batch(mcp_session *s, mcp_batch *b)
{
    json_t *arr = b->responses;
    void *handle = b->handle;
    free(b);
    if (!json_array_size(arr)) {
        json_decref(arr);
        return mcp_session_emit(s, NULL, handle, MCP_OUT_FINAL);
    }
    return mcp_session_emit(s, arr, handle, MCP_OUT_RESPONSE | MCP_OUT_FINAL);
}

bool mcp_batch_intercept(mcp_session *s, json_t *msg, void *handle, unsigned flags, int *rc)
{
    pthread_mutex_lock(&s->lock);
    mcp_batch *b = s->batches;
    while (b && b != handle)
        b = b->next;
    if (!b) {
        pthread_mutex_unlock(&s->lock);
        return false;
    }
    if (!(flags & MCP_OUT_FINAL)) { /* progress, log, elicitation: straight through */
        void *th = b->handle;
        pthread_mutex_unlock(&s->lock);
        *rc = mcp_session_emit(s, msg, th, flags);
        return true;
    }
    if (msg)
        json_array_append_new(b->responses, msg);
    b->answered++;
    bool done = take_if_complete(s, b);
    pthread_mutex_unlock(&s->lock);
    *rc = done ? send_batch(s, b) : 0;
    return true;
}

mcp_in_kind mcp_batch_handle(mcp_session *s, json_t *batch, void *handle)
{
    size_t n = json_array_size(batch);
    if (n == 0 || n > MCP_BATCH_MAX) {
        mcp_session_send_rpc_error(s, NULL, -32600,
                                   n ? "Invalid Request: a batch may hold at most 1000 messages"
                                     : "Invalid Request: an empty batch",
                                   NULL, handle);
        return MCP_IN_REQUEST;
    }
    mcp_batch *b = calloc(1, sizeof *b);
    b->handle = handle;
    b->responses = json_array();
    pthread_mutex_lock(&s->lock);
    b->next = s->batches;
    s->batches = b;
    atomic_fetch_add(&s->n_batches, 1);
    pthread_mutex_unlock(&s->lock);

    size_t requests = 0;
    for (size_t i = 0; i < n; i++)
        if (mcp_session_handle_value(s, json_array_get(batch, i), b) == MCP_IN_REQUEST)
            requests++;

    pthread_mutex_lock(&s->lock);
    b->expected = requests;
    b->sealed = true;
    bool done = take_if_complete(s, b);
    pthread_mutex_unlock(&s->lock);
    if (!requests) { /* only notifications and responses: nothing is sent */
        if (done) {
            json_decref(b->responses);
            free(b);
        }
        return MCP_IN_ACCEPTED;
    }
    if (done)
        send_batch(s, b);
    return MCP_IN_REQUEST;
}

void mcp_batch_free_all(mcp_session *s)
{
    for (mcp_batch *b = s->batches, *n; b; b = n) {
        n = b->next;
        json_decref(b->responses);
        free(b);
    }
    s->batches = NULL;
}
