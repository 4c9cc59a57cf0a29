/* The tool families: each one a file (or a few) with a const table of tool definitions and
 * thin handlers, registered by one function named <family>_tools_register. The options are
 * what the command line and configuration decided; a family reads its own settings (its
 * environment variables, its section of the configuration file) in its register function and
 * registers nothing when it is not configured. */
#ifndef SB_TOOLS_H
#define SB_TOOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "mcp/mcp_tool.h"

typedef struct sb_options {
    bool allow_writes;          /* --allow-writes: write tools are offered (still confirmed) */
    bool conformance_fixtures;  /* --conformance-fixtures: register the conformance suite's fixtures */
    const char *config_file;    /* --config FILE (INI-style sections), or NULL */
    const char *const *data_dirs; /* --data-dir (repeatable): where files may be read; default "." */
    size_t n_data_dirs;
    const char *store_path;     /* --store PATH: the CDR store; NULL = XDG data directory default */
} sb_options;

/* Registers every family that is configured. Returns 0, or -1 when a configured family could
 * not start (its error already logged). */
int tools_register_all(mcp_registry *reg, const sb_options *opt);

/* One entry per family; each returns 0 (also when not configured: it then adds nothing). */
int sip_explain_tools_register(mcp_registry *reg, const sb_options *opt);
int fixtures_tools_register(mcp_registry *reg, const sb_options *opt);
int tcx_tools_register(mcp_registry *reg, const sb_options *opt);
int cx_tools_register(mcp_registry *reg, const sb_options *opt);
int capture_tools_register(mcp_registry *reg, const sb_options *opt);
int cdr_tools_register(mcp_registry *reg, const sb_options *opt);

#endif
