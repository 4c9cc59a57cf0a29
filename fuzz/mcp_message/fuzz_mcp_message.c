/* Fuzzes the MCP core through its transport API: the input is split into lines, each fed to
 * a fresh session's mcp_session_handle (as the stdio transport does); tools with every kind
 * of parameter rule make the validator run on fuzzed arguments. Nothing may crash, leak or
 * hang; every request must be answered. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mcp/mcp_session.h"
#include "util/log.h"

static int out(void *ctx, const char *json, size_t len, void *handle, unsigned flags)
{
    (void)json, (void)len, (void)handle, (void)flags;
    (*(size_t *)ctx)++;
    return 0;
}

static void echo(mcp_call *call, const json_t *args)
{
    mcp_call_structured(call, json_deep_copy(args));
    mcp_call_progress(call, 1, 2, "half");
    mcp_call_log(call, "info", NULL, "called");
}

static const char *const modes[] = {"a", "b", NULL};
static const mcp_param params[] = {
    {.name = "s", .type = MCP_T_STRING, .min_length = 1, .max_length = 20, .pattern = "[a-z]+"},
    {.name = "i", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(-5), .maximum = MCP_BOUND(5),
     .default_json = "1"},
    {.name = "n", .type = MCP_T_NUMBER},
    {.name = "b", .type = MCP_T_BOOLEAN},
    {.name = "e", .type = MCP_T_STRING, .enum_values = modes},
    {.name = "d", .type = MCP_T_STRING, .format = "date-time"},
    {.name = "arr", .type = MCP_T_ARRAY, .items = MCP_T_INTEGER, .max_items = 4},
    {.name = "o", .type = MCP_T_OBJECT},
    {0},
};
static const mcp_tool_def tools[] = {
    {.name = "echo", .description = "echo", .params = params, .handler = echo},
    {0},
};

static mcp_server *srv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv) {
        sb_log_set_level(SB_LOG_OFF);
        mcp_server_config cfg = {.workers = 2};
        srv = mcp_server_new(&cfg);
        mcp_registry_add_table(mcp_server_registry(srv), tools, NULL);
        mcp_registry_set_input_schema(mcp_server_registry(srv), "echo", NULL); /* refused */
    }
    size_t count = 0;
    mcp_session *s = mcp_session_new(srv, out, &count, 0);
    static const char init[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
                               "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}";
    static const char init_batch[] = /* 2025-03-26: arrays are batches */
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
        "{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{\"elicitation\":{}}}}";
    if (size && data[0] & 2)
        mcp_session_handle(s, init_batch, sizeof init_batch - 1, (void *)1);
    else if (size && data[0] & 1)
        mcp_session_handle(s, init, sizeof init - 1, NULL);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n)
            mcp_session_handle(s, p, n, (void *)1);
        p += n + 1;
    }
    mcp_session_wait_idle(s, 5000);
    mcp_session_close(s);
    return 0;
}
