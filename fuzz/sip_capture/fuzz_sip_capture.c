/* Fuzzes the capture readers end to end: format detection, libpcap framing, link layers, IP
 * fragments, TCP reassembly, text logs, then the analysis and every renderer. */
#include <stdint.h>
#include <stdlib.h>

#include "sip/sip_read.h"
#include "sip/sip_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sip_engine_opts o = {.keep_messages = true};
    sip_engine *e = sip_engine_new(&o);
    if (!e)
        return 0;
    char err[256];
    sip_read_stats st;
    sip_read_buffer(data, size, e, NULL, &st, err, sizeof err);
    sip_report *r = sip_engine_finish(e);
    if (!r)
        return 0;
    sip_read_stats_to_report(&st, r);
    json_t *j = sip_report_json(r, 0, 50);
    json_decref(j);
    for (size_t i = 0; i < r->n_calls && i < 4; i++) {
        size_t idx[8], n = sip_report_legs(r, i, idx, 8);
        free(sip_ladder_text(r, idx, n, true));
        free(sip_ladder_mermaid(r, idx, n));
        free(sip_call_verdict(&r->calls[i]));
    }
    sip_report_free(r);
    return 0;
}
