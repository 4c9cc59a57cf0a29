/* switchboard: the command-line entry point. Parses the global options (anywhere on the line)
 * into sb_options, sets the log level, and runs the subcommand row from cli_commands[]
 * (default "serve": MCP over stdio). Exit status: the subcommand's; 2 for usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/log.h"

#ifndef SB_VERSION
#define SB_VERSION "0.1.0"
#endif

#define MAX_DATA_DIRS 64

void cli_serve_usage(FILE *f);

void cli_usage(bool to_stderr)
{
    FILE *f = to_stderr ? stderr : stdout;
    fprintf(f, "switchboard %s: an MCP server for phone systems (3CX, ConnexCS, SIP captures, "
               "CDRs)\n\nusage: switchboard [OPTIONS] [COMMAND [ARGS]]\n\ncommands:\n",
            SB_VERSION);
    for (const cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-8s %s\n           switchboard %s %s\n", c->name, c->summary, c->name,
                c->usage ? c->usage : "");
    fprintf(f, "\noptions (anywhere on the line):\n"
               "  --allow-writes          offer the tools that change state upstream (each is "
               "still confirmed;\n"
               "                          also SB_ALLOW_WRITES=1 or TCX_ALLOW_WRITES=1)\n"
               "  --config FILE           configuration file (INI sections per upstream)\n"
               "  --data-dir DIR          where capture and CDR files may be read (repeatable; "
               "default .)\n"
               "  --store PATH            the CDR store (SQLite); default in the XDG data "
               "directory\n"
               "  --conformance-fixtures  register the MCP conformance suite's fixture tools, "
               "resources, prompts\n"
               "  -v, --verbose           debug logs on stderr (also VERBOSE=1)\n"
               "  --version, -h/--help\n\nserve options:\n"
               "  --workers N             handler threads (1-64, default 4)\n"
               "  --drain-ms N            at end of input, how long calls in flight may finish "
               "(default 5000)\n");
    cli_serve_usage(f);
    fprintf(f, "\nstdio: one JSON-RPC message per line, at most %u bytes; logs on stderr.\n",
            MCP_MAX_MESSAGE);
}

/* Takes the value of an option given as "--name VALUE" or "--name=VALUE". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static bool env_true(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") && strcasecmp(v, "false") && strcasecmp(v, "no");
}

int main(int argc, char **argv)
{
    static const char *dirs[MAX_DATA_DIRS];
    sb_options opt = {.data_dirs = dirs};
    /* TCX_ALLOW_WRITES is the 3CX family's historical switch; it enables writes server-wide */
    opt.allow_writes = env_true("SB_ALLOW_WRITES") || env_true("TCX_ALLOW_WRITES");
    if (env_true("VERBOSE"))
        sb_log_set_level(SB_LOG_DEBUG);
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--version")) {
            printf("switchboard %s (MCP %s)\n", SB_VERSION, "2025-11-25, 2025-06-18, 2025-03-26");
            free(rest);
            return 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_usage(false);
            free(rest);
            return 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
            sb_log_set_level(SB_LOG_DEBUG);
        else if (!strcmp(a, "--allow-writes"))
            opt.allow_writes = true;
        else if (!strcmp(a, "--conformance-fixtures"))
            opt.conformance_fixtures = true;
        else if ((v = opt_value(argc, argv, &i, "--config")))
            opt.config_file = v;
        else if ((v = opt_value(argc, argv, &i, "--store")))
            opt.store_path = v;
        else if ((v = opt_value(argc, argv, &i, "--data-dir"))) {
            if (opt.n_data_dirs < MAX_DATA_DIRS)
                dirs[opt.n_data_dirs++] = v;
        } else
            rest[nrest++] = argv[i];
    }
    if (!opt.n_data_dirs)
        dirs[opt.n_data_dirs++] = ".";
    const char *name = nrest > 1 && rest[1][0] != '-' ? rest[1] : "serve";
    int sub_argc = nrest > 1 && rest[1][0] != '-' ? nrest - 1 : nrest;
    char **sub_argv = nrest > 1 && rest[1][0] != '-' ? rest + 1 : rest;
    if (sub_argv == rest)
        rest[0] = "serve";
    int rc = 2;
    const cli_command *cmd = NULL;
    for (const cli_command *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, name))
            cmd = c;
    if (cmd)
        rc = cmd->fn(sub_argc, sub_argv, &opt);
    else {
        fprintf(stderr, "switchboard: unknown command '%s'\n\n", name);
        cli_usage(true);
    }
    free(rest);
    return rc;
}
