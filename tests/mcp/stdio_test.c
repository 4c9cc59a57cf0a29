/* The stdio transport's framing: lines split across reads, CRLF, blank lines, a last line
 * without '\n', an over-long line (answered -32600, the connection goes on), and EOF with a
 * call in flight (answered before the transport returns). Input comes from a writer thread
 * through a pipe; output is read back from another pipe. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "transport/stdio.h"
#include "util/buf.h"

typedef struct feed {
    int fd;
    const char *const *parts; /* written one write() each, then the pipe is closed */
    size_t big;               /* when non-zero: a line of this many bytes is written first */
} feed;

static void *writer(void *arg)
{
    feed *f = arg;
    if (f->big) {
        char *line = malloc(f->big + 1);
        memset(line, 'x', f->big);
        line[f->big] = '\n';
        for (size_t off = 0; off <= f->big;) {
            ssize_t w = write(f->fd, line + off, f->big + 1 - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        free(line);
    }
    for (const char *const *p = f->parts; *p; p++) {
        size_t n = strlen(*p);
        if (write(f->fd, *p, n) != (ssize_t)n)
            break;
        usleep(2000); /* separate reads */
    }
    close(f->fd);
    return NULL;
}

static void slow(mcp_call *call, const json_t *args)
{
    usleep(100000);
    mcp_call_text(call, "late");
}

static const mcp_tool_def tools[] = {{.name = "slow", .description = "d", .handler = slow}, {0}};

/* Runs the transport over parts; returns every output line as a JSON array. */
static json_t *run(const char *const *parts, size_t big)
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    fcntl(out[1], F_SETPIPE_SZ, 1 << 20);
    mcp_server_config cfg = {.workers = 1};
    mcp_server *srv = mcp_server_new(&cfg);
    mcp_registry_add_table(mcp_server_registry(srv), tools, NULL);
    feed f = {.fd = in[1], .parts = parts, .big = big};
    pthread_t th;
    pthread_create(&th, NULL, writer, &f);
    stdio_transport_opts o = {.in_fd = in[0], .out_fd = out[1], .ctl_fd = -1};
    assert_int_equal(stdio_transport_serve(srv, &o), 0);
    pthread_join(th, NULL);
    close(in[0]);
    close(out[1]);
    mcp_server_free(srv, 1000);
    sb_buf b;
    sb_buf_init(&b, 1 << 20);
    char chunk[4096];
    ssize_t n;
    while ((n = read(out[0], chunk, sizeof chunk)) > 0)
        sb_buf_append(&b, chunk, (size_t)n);
    close(out[0]);
    json_t *lines = json_array();
    for (char *p = b.data, *nl; p && (nl = strchr(p, '\n')); p = nl + 1) {
        json_t *m = json_loadb(p, (size_t)(nl - p), 0, NULL);
        assert_non_null(m);
        json_array_append_new(lines, m);
    }
    sb_buf_free(&b);
    return lines;
}

#define INIT "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\"}}"

static void test_framing(void **state)
{
    static const char *const parts[] = {
        INIT "\r\n",
        "\n   \n",
        "{\"jsonrpc\":\"2.0\",\"id\":2,",          /* a line split across reads */
        "\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}", /* last line, no '\n' */
        NULL,
    };
    json_t *lines = run(parts, 0);
    assert_int_equal(json_array_size(lines), 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, i), "id")), (json_int_t)i + 1);
    json_decref(lines);
}

static void test_long_line_and_drain(void **state)
{
    static const char *const parts[] = {
        INIT "\n",
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}\n",
        NULL,
    };
    json_t *lines = run(parts, MCP_MAX_MESSAGE + 10);
    assert_int_equal(json_array_size(lines), 3);
    json_t *err = json_array_get(lines, 0);
    assert_true(json_is_null(json_object_get(err, "id")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(err, "error"), "code")), -32600);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, 1), "id")), 1);
    json_t *late = json_array_get(lines, 2); /* in flight at EOF: still answered */
    assert_int_equal(json_integer_value(json_object_get(late, "id")), 5);
    json_decref(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_long_line_and_drain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
