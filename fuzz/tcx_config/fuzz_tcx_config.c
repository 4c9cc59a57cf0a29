/* libFuzzer target for the 3CX configuration reader (src/connect/tcx/tcx_config.c): any bytes
 * as an INI file; whatever parses must be complete PBX rows. */
#include <stdint.h>
#include <stdlib.h>

#include "connect/tcx/tcx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tcx_config *cfg;
    char err[TCX_ERR_LEN];
    int n = tcx_config_parse((const char *)data, size, &cfg, err, sizeof err);
    for (int i = 0; i < n; i++)
        if (!cfg[i].name || (!cfg[i].fqdn && !cfg[i].base_url) || !cfg[i].client_id || !cfg[i].client_secret ||
            cfg[i].port < 1 || cfg[i].port > 65535)
            abort();
    if (n > 0)
        tcx_config_free(cfg, (size_t)n);
    return 0;
}
