/* The `switchboard` command line: a table of subcommands (one row each, nginx style) and the
 * helpers they share. main.c parses the global options into an sb_options, then runs the row
 * whose name is the first non-option word (default "serve").
 *
 * Adding a subcommand: write src/cli/<name>.c with
 *     int cli_<name>(int argc, char **argv, const sb_options *opt);
 * (argv[0] is the subcommand name, global options already removed; return the exit status),
 * add its prototype below and one row to cli_commands[] in src/cli/commands.c.
 *
 * Adding a serve mode (a transport other than stdio): one row in cli_serve_modes[] in
 * src/cli/serve.c (see cli_serve_mode). */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <stdbool.h>

#include "mcp/mcp_session.h"
#include "tools/tools.h"

typedef int (*cli_fn)(int argc, char **argv, const sb_options *opt);

typedef struct cli_command {
    const char *name;
    cli_fn fn;
    const char *summary; /* one line for --help */
    const char *usage;   /* the argument synopsis for --help, e.g. "TOOL 'JSON' [--json]" */
} cli_command;

/* The table, terminated by a row with name == NULL (src/cli/commands.c). */
extern const cli_command cli_commands[];

/* A way to serve besides stdio. `flag` selects it when it appears among serve's arguments
 * (e.g. "--http"); run() serves until stop() is called (from the signal thread on SIGTERM /
 * SIGINT), then returns the exit status; it gets serve's whole argv to read its options.
 * SIGHUP reloads the tool registry in the core, then calls reload() (may be NULL) so the
 * mode re-reads its own files (e.g. a token file). */
typedef struct cli_serve_mode {
    const char *flag;
    const char *usage; /* option lines for --help */
    int (*run)(mcp_server *srv, int argc, char **argv, const sb_options *opt);
    void (*stop)(void);
    void (*reload)(void);
} cli_serve_mode;

/* Builds a server with every configured tool family registered (tools_register_all). NULL
 * when a configured family could not start (already logged). */
mcp_server *cli_server_new(const sb_options *opt, unsigned workers);

/* Re-reads the configuration: a fresh registry from tools_register_all, swapped in when every
 * family registered (otherwise the old one stays and the error is logged). 0 or -1. */
int cli_reload(mcp_server *srv, const sb_options *opt);

/* Prints the global usage to stdout (or stderr when to_stderr). */
void cli_usage(bool to_stderr);

int cli_serve(int argc, char **argv, const sb_options *opt);
int cli_tools(int argc, char **argv, const sb_options *opt);
int cli_call(int argc, char **argv, const sb_options *opt);
int cli_analyze(int argc, char **argv, const sb_options *opt);
int cli_report(int argc, char **argv, const sb_options *opt);

#endif
