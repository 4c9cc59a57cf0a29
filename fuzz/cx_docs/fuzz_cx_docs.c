/* Fuzz target: ConnexCS documentation answers. The first byte picks the tool call; the rest
 * are the upstream answers, split at "\n----\n" (see fuzz/cx_common/cx_fuzz.h): a Markdown
 * page for getDocumentation (cleaned of details/summary blocks and HTML, metadata read, heading
 * found, content capped; a 404 falls back to <path>.md), a JSON result list for
 * searchDocumentation. */
#include "../cx_common/cx_fuzz.h"

static const cxf_case cases[] = {
    {"getDocumentation", "{\"path\":\"guides/sip-trace\"}"},
    {"searchDocumentation", "{\"query\":\"sip trace\"}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cxf_run(cases, sizeof cases / sizeof cases[0], false, data, size);
    return 0;
}
