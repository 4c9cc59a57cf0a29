/* The stdio transport: one MCP session over a pair of file descriptors (stdin/stdout), one
 * JSON-RPC message per line (UTF-8, '\n'-terminated; a trailing '\r' is ignored).
 *
 * Bound: a line may hold at most MCP_MAX_MESSAGE bytes (16 MiB). A longer line is read to its
 * end and thrown away, answered with -32600 (id null), and the connection goes on. Nothing but
 * protocol messages is ever written to out_fd; logs go to stderr. */
#ifndef SB_TRANSPORT_STDIO_H
#define SB_TRANSPORT_STDIO_H

#include <signal.h>

#include "mcp/mcp_session.h"

typedef struct stdio_transport_opts {
    int in_fd;          /* usually 0 */
    int out_fd;         /* usually 1 */
    /* Optional control descriptor (e.g. an eventfd or a pipe) polled beside in_fd; when it
     * becomes readable on_ctl runs (in the serving thread) and the loop stops when it
     * returns true. -1 = none. */
    int ctl_fd;
    bool (*on_ctl)(void *ud);
    void *ud;
    unsigned drain_ms;  /* on EOF: how long in-flight calls may finish before they are
                         * cancelled; 0 = 5000 */
    /* Without ctl_fd the loop is a plain blocking read (one syscall per message instead of
     * poll + read). To stop it, set *stop (with __atomic_store_n, from another thread) and
     * interrupt the read with a signal whose handler was installed without SA_RESTART
     * (cli/serve.c does this with SIGUSR1). NULL = never. */
    volatile sig_atomic_t *stop;
} stdio_transport_opts;

/* Serves until EOF on in_fd, a read error, or on_ctl asks to stop. In-flight calls are then
 * finished (EOF, up to drain_ms) or cancelled (stop), their answers still written while
 * out_fd is open. Returns 0 on EOF or stop, -1 on a read error. */
int stdio_transport_serve(mcp_server *srv, const stdio_transport_opts *opts);

#endif
