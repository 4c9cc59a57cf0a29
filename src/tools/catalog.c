/* The list of tool families: one row per family, in the order their tools are listed. */
#include "tools/tools.h"

typedef int (*family_register_fn)(mcp_registry *reg, const sb_options *opt);

static const family_register_fn families[] = {
    sip_explain_tools_register,
    fixtures_tools_register,
    tcx_tools_register,
    cx_tools_register,
    capture_tools_register,
    cdr_tools_register,
};

int tools_register_all(mcp_registry *reg, const sb_options *opt)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (families[i](reg, opt) < 0)
            rc = -1;
    return rc;
}
