/* `switchboard tools [--json|--markdown]`: the tool catalogue from the registry, as text (name,
 * title, description, parameters), as the tools/list JSON, or as Markdown for documentation. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct out_ctx {
    int format; /* 0 text, 1 json, 2 markdown */
    json_t *list;
    bool writes;
} out_ctx;

static void print_params_text(const json_t *schema)
{
    const json_t *props = json_object_get(schema, "properties");
    const json_t *req = json_object_get(schema, "required");
    const char *name;
    json_t *p;
    json_object_foreach((json_t *)props, name, p) {
        bool required = false;
        size_t i;
        json_t *r;
        json_array_foreach(req, i, r) required |= !strcmp(json_string_value(r), name);
        const char *type = json_string_value(json_object_get(p, "type"));
        const char *desc = json_string_value(json_object_get(p, "description"));
        printf("    %s (%s%s)%s%s\n", name, type ? type : "any", required ? ", required" : "",
               desc ? ": " : "", desc ? desc : "");
    }
}

static void md_cell(const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", stdout);
        else if (*s == '\n')
            fputs("<br>", stdout);
        else
            putchar(*s);
    }
}

static void print_markdown(const char *name, const json_t *tool, unsigned flags)
{
    const char *title = json_string_value(json_object_get(tool, "title"));
    printf("### `%s`%s%s\n\n%s\n\n", name, title ? " — " : "", title ? title : "",
           json_string_value(json_object_get(tool, "description")));
    if (flags & MCP_TOOL_WRITE)
        printf("Changes state upstream: offered only when writes are enabled (`--allow-writes` "
               "or the family's own configuration).\n\n");
    const json_t *schema = json_object_get(tool, "inputSchema");
    const json_t *props = json_object_get(schema, "properties");
    if (!json_object_size(props))
        return;
    printf("| parameter | type | required | description |\n|---|---|---|---|\n");
    const char *pn;
    json_t *p;
    json_object_foreach((json_t *)props, pn, p) {
        bool required = false;
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(schema, "required"), i, r)
            required |= !strcmp(json_string_value(r), pn);
        printf("| `%s` | %s | %s | ", pn,
               json_string_value(json_object_get(p, "type")) ?: "any", required ? "yes" : "no");
        md_cell(json_string_value(json_object_get(p, "description")));
        printf(" |\n");
    }
    printf("\n");
}

static int each_tool(void *ctx, const char *name, const json_t *tool, unsigned flags)
{
    out_ctx *o = ctx;
    if (flags & MCP_TOOL_HIDDEN)
        return 0;
    if (o->format == 1) {
        json_array_append(o->list, (json_t *)tool);
    } else if (o->format == 2) {
        print_markdown(name, tool, flags);
    } else {
        const char *title = json_string_value(json_object_get(tool, "title"));
        printf("%s%s%s%s\n  %s\n", name, title ? " — " : "", title ? title : "",
               flags & MCP_TOOL_WRITE ? " [write]" : "",
               json_string_value(json_object_get(tool, "description")));
        print_params_text(json_object_get(tool, "inputSchema"));
    }
    return 0;
}

int cli_tools(int argc, char **argv, const sb_options *opt)
{
    out_ctx o = {.writes = opt->allow_writes};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            o.format = 1;
        else if (!strcmp(argv[i], "--markdown"))
            o.format = 2;
        else {
            fprintf(stderr, "switchboard tools: unknown argument '%s' (use --json or "
                            "--markdown)\n", argv[i]);
            return 2;
        }
    }
    mcp_server *srv = cli_server_new(opt, 1);
    if (!srv)
        return 1;
    o.list = json_array();
    if (o.format == 2)
        printf("# switchboard tools\n\n");
    mcp_registry_foreach_tool(mcp_server_registry(srv), each_tool, &o);
    if (o.format == 1) {
        json_t *doc = json_pack("{s:O}", "tools", o.list);
        json_dumpf(doc, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(doc);
    }
    json_decref(o.list);
    mcp_server_free(srv, 1000);
    return 0;
}
