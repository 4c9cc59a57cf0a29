/* The stdio transport (see stdio.h): a poll loop that splits stdin into lines without copying
 * when a line lies inside one read, feeds each to the session, and writes each outgoing
 * message plus '\n' with one writev. */
#include "transport/stdio.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

#define MOD "stdio"
#define READ_CHUNK (64 * 1024)

typedef struct stdio_out {
    int fd;
    bool broken;
} stdio_out;

static int write_all(int fd, const char *json, size_t len)
{
    struct iovec iov[2] = {{(void *)json, len}, {"\n", 1}};
    int n = 2;
    struct iovec *v = iov;
    while (n > 0) {
        ssize_t w = writev(fd, v, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        while (n > 0 && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* Called with the session's output lock held: one message at a time. */
static int on_output(void *ctx, const char *json, size_t len, void *handle, unsigned flags)
{
    stdio_out *o = ctx;
    if (!json) /* a request that ends without a response (cancelled) */
        return 0;
    if (o->broken)
        return -1;
    if (write_all(o->fd, json, len) < 0) {
        sb_warn(MOD, "cannot write to the client: %s", strerror(errno));
        o->broken = true;
        return -1;
    }
    return 0;
}

typedef struct line_reader {
    sb_buf acc;      /* a line spanning reads */
    bool skipping;   /* inside an over-long line: drop bytes to the next '\n' */
} line_reader;

static void feed_line(mcp_session *s, const char *p, size_t n)
{
    if (n && p[n - 1] == '\r')
        n--;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == n)
        return; /* blank line */
    mcp_session_handle(s, p, n, NULL);
}

static void too_long(mcp_session *s)
{
    char msg[160];
    snprintf(msg, sizeof msg, "Invalid Request: line longer than %u bytes; discarded",
             MCP_MAX_MESSAGE);
    sb_warn(MOD, "%s", msg);
    mcp_session_send_error(s, NULL, -32600, msg);
}

/* Splits one chunk of input into lines. */
static void consume(line_reader *r, mcp_session *s, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t part = nl ? (size_t)(nl - p) : n;
        if (r->skipping) {
            if (nl) {
                r->skipping = false;
                too_long(s);
            }
        } else if (r->acc.len == 0 && nl) {
            feed_line(s, p, part); /* the whole line is in this chunk: no copy */
        } else if (sb_buf_append(&r->acc, p, part) < 0) {
            sb_buf_reset(&r->acc);
            if (nl)
                too_long(s);
            else
                r->skipping = true;
        } else if (nl) {
            feed_line(s, r->acc.data, r->acc.len);
            sb_buf_reset(&r->acc);
        }
        if (!nl)
            return;
        p = nl + 1;
        n -= part + 1;
    }
}

int stdio_transport_serve(mcp_server *srv, const stdio_transport_opts *opts)
{
    stdio_out out = {.fd = opts->out_fd};
    mcp_session *s = mcp_session_new(srv, on_output, &out, 0);
    line_reader r = {0};
    sb_buf_init(&r.acc, MCP_MAX_MESSAGE);
    char *chunk = malloc(READ_CHUNK);
    int rc = 0;
    bool stopped = false;
    struct pollfd pf[2] = {{.fd = opts->in_fd, .events = POLLIN},
                           {.fd = opts->ctl_fd, .events = POLLIN}};
    nfds_t nfds = opts->ctl_fd >= 0 ? 2 : 1;
    for (;;) {
        if (opts->stop && __atomic_load_n(opts->stop, __ATOMIC_ACQUIRE)) {
            stopped = true;
            break;
        }
        if (nfds == 2 && poll(pf, nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        if (nfds == 2 && (pf[1].revents & POLLIN) && opts->on_ctl && opts->on_ctl(opts->ud)) {
            stopped = true;
            break;
        }
        if (nfds == 2 && !(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t got = read(opts->in_fd, chunk, READ_CHUNK);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0) {
            sb_error(MOD, "read: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (got == 0) {
            if (r.acc.len && !r.skipping) /* a last line without '\n' */
                feed_line(s, r.acc.data, r.acc.len);
            break;
        }
        consume(&r, s, chunk, (size_t)got);
    }
    free(chunk);
    sb_buf_free(&r.acc);
    unsigned drain = opts->drain_ms ? opts->drain_ms : 5000;
    if (stopped || !mcp_session_wait_idle(s, drain)) {
        mcp_session_cancel_all(s);
        mcp_session_wait_idle(s, 2000);
    }
    sb_debug(MOD, "session ends (%s)", stopped ? "stop" : rc ? "read error" : "end of input");
    mcp_session_close(s);
    return rc;
}
