/* Helpers the subcommands share: building a server with every configured family, and the
 * configuration reload used on SIGHUP. */
#include "cli/cli.h"
#include "util/log.h"

mcp_server *cli_server_new(const sb_options *opt, unsigned workers)
{
    mcp_server_config cfg = {.allow_writes = opt->allow_writes, .workers = workers,
                             .title = "switchboard: 3CX, ConnexCS, SIP captures and CDRs"};
    mcp_server *srv = mcp_server_new(&cfg);
    if (!srv)
        return NULL;
    if (tools_register_all(mcp_server_registry(srv), opt) < 0) {
        sb_error("switchboard", "a configured tool family could not start (see above)");
        mcp_server_free(srv, 0);
        return NULL;
    }
    return srv;
}

int cli_reload(mcp_server *srv, const sb_options *opt)
{
    mcp_registry *fresh = mcp_server_new_registry(srv);
    if (tools_register_all(fresh, opt) < 0) {
        sb_error("switchboard", "reload failed; the previous configuration stays in force");
        mcp_server_discard_registry(srv, fresh);
        return -1;
    }
    mcp_server_swap_registry(srv, fresh);
    sb_info("switchboard", "configuration reloaded: %zu tools", mcp_registry_tool_count(fresh));
    return 0;
}
