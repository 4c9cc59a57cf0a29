/* `switchboard call TOOL ['JSON-ARGS'] [--json]`: runs one tool in-process through the same
 * lookup and validation as tools/call. Prints the text content (or, with --json, the whole
 * result object). Exit status: 0 ok, 1 isError, 2 usage error or unknown tool. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void print_text(const json_t *result)
{
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(result, "content"), i, b) {
        const char *type = json_string_value(json_object_get(b, "type"));
        if (type && !strcmp(type, "text"))
            printf("%s\n", json_string_value(json_object_get(b, "text")));
        else
            printf("[%s content]\n", type ? type : "unknown");
    }
}

int cli_call(int argc, char **argv, const sb_options *opt)
{
    const char *tool = NULL, *args_text = NULL;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            as_json = true;
        else if (!tool)
            tool = argv[i];
        else if (!args_text)
            args_text = argv[i];
        else {
            fprintf(stderr, "switchboard call: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!tool) {
        fprintf(stderr, "usage: switchboard call TOOL ['JSON-ARGS'] [--json]\n");
        return 2;
    }
    json_t *args = NULL;
    if (args_text) {
        json_error_t je;
        args = json_loads(args_text, JSON_DECODE_ANY, &je);
        if (!args) {
            fprintf(stderr, "switchboard call: the arguments are not JSON: %s (at %d)\n",
                    je.text, je.position);
            return 2;
        }
    }
    mcp_server *srv = cli_server_new(opt, 1);
    if (!srv) {
        json_decref(args);
        return 1;
    }
    int code = 0;
    json_t *result = mcp_server_call_tool(srv, tool, args, true, &code);
    int rc;
    if (!result) {
        fprintf(stderr, "switchboard call: unknown tool '%s' (see `switchboard tools`)\n", tool);
        rc = 2;
    } else {
        if (as_json) {
            json_dumpf(result, stdout, JSON_INDENT(2));
            putchar('\n');
        } else
            print_text(result);
        rc = json_is_true(json_object_get(result, "isError")) ? 1 : 0;
    }
    fflush(stdout);
    json_decref(result);
    json_decref(args);
    mcp_server_free(srv, 1000);
    return rc;
}
