/* Fuzzes the capture readers end to end: format detection, libpcap framing, link layers, IP
 * fragments, TCP reassembly, text logs, then the analysis and every renderer. Every input is
 * also read by the two-thread pipeline (reader and engine threads, messages staged in the read
 * blocks): its counts must be the single thread's, or the run aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "sip/sip_read.h"
#include "sip/sip_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input through the readers with the given threads; NULL when the engine cannot start.
 * *ok: the reader took the whole input (rc 0). */
static sip_report *read_with(const uint8_t *data, size_t size, unsigned threads,
                             sip_read_stats *st, bool *ok)
{
    sip_engine_opts o = {.keep_messages = true};
    sip_engine *e = sip_engine_new(&o);
    if (!e)
        return NULL;
    char err[256];
    sip_read_opts ro = {.threads = threads};
    *ok = sip_read_buffer(data, size, e, &ro, st, err, sizeof err) == 0;
    return sip_engine_finish(e);
}

/* The input through the pipeline: the same messages, calls and frames as with one thread. */
static void same_with_two_threads(const uint8_t *data, size_t size, const sip_report *one,
                                  const sip_read_stats *st1)
{
    sip_read_stats st;
    bool ok;
    sip_report *two = read_with(data, size, 2, &st, &ok);
    if (!two)
        return;
    if (ok && (two->n_messages != one->n_messages || two->n_calls != one->n_calls ||
               two->n_not_sip != one->n_not_sip || st.frames != st1->frames ||
               two->n_rtp_packets != one->n_rtp_packets))
        abort();
    sip_report_free(two);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sip_read_stats st;
    bool ok;
    sip_report *r = read_with(data, size, 1, &st, &ok);
    if (!r)
        return 0;
    if (ok)
        same_with_two_threads(data, size, r, &st);
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
