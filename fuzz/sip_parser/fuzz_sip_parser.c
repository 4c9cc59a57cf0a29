/* Fuzzes the SIP parser (datagram and stream framing), the SDP and multipart parsers, and one
 * message through the engine and the renderers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_msg.h"
#include "sip/sip_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    sip_msg m;
    bool tr;
    if (sip_msg_parse(p, size, &m, &tr) == 0) {
        sip_str sdp;
        sip_sdp s;
        if (sip_body_find_sdp(m.content_type, m.body, &sdp) == 0)
            sip_sdp_parse(sdp.p, sdp.n, &s);
    }
    size_t skip, off = 0;
    for (int k = 0; k < 64 && off < size; k++) {
        long n = sip_msg_frame(p + off, size - off, 65536, &skip);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    sip_sdp s;
    sip_sdp_parse(p, size, &s);
    sip_engine_opts o = {.keep_messages = true};
    sip_engine *e = sip_engine_new(&o);
    if (!e)
        return 0;
    sip_record r = {.time_us = 1000000, .data = p, .len = size};
    sip_addr_parse("10.0.0.1:5060", 13, &r.src);
    sip_addr_parse("192.168.0.2:5062", 16, &r.dst);
    sip_engine_feed(e, &r);
    r.time_us += 600000;
    sip_engine_feed(e, &r); /* a retransmission of itself */
    sip_report *rep = sip_engine_finish(e);
    if (rep && rep->n_calls) {
        json_t *j = sip_report_json(rep, 0, 10);
        json_decref(j);
        size_t idx = 0;
        free(sip_ladder_text(rep, &idx, 1, true));
        free(sip_ladder_mermaid(rep, &idx, 1));
        free(sip_call_verdict(&rep->calls[0]));
    }
    sip_report_free(rep);
    return 0;
}
