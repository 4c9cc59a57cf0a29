/* RTP stream statistics for the media announced in a call's SDP: packets per direction and
 * SSRC, loss from sequence gaps (16-bit wrap), RFC 3550 §6.4.1 interarrival jitter, packet
 * spacing, duration. */
#include "sip/sip_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sip_rtp_looks(const uint8_t *p, size_t len)
{
    if (len < 12 || (p[0] >> 6) != 2)
        return false;
    uint8_t pt = p[1] & 0x7f;
    return !(pt >= 72 && pt <= 76); /* RTCP SR/RR/SDES/BYE/APP share the port range */
}

static uint32_t clock_of(const sip_dlg *d, uint8_t pt)
{
    const sip_sdp_fact *fs[2] = {&d->offer, &d->answer};
    for (int k = 0; k < 2; k++)
        for (unsigned i = 0; i < fs[k]->n_fmt; i++)
            if (fs[k]->pt[i] == pt && fs[k]->rate[i] > 0)
                return (uint32_t)fs[k]->rate[i];
    return 8000;
}

static void codec_of(const sip_dlg *d, uint8_t pt, char *out, size_t size)
{
    const sip_sdp_fact *fs[2] = {&d->answer, &d->offer};
    for (int k = 0; k < 2; k++)
        for (unsigned i = 0; i < fs[k]->n_fmt; i++)
            if (fs[k]->pt[i] == pt && fs[k]->name[i][0]) {
                snprintf(out, size, "%s", fs[k]->name[i]);
                return;
            }
    snprintf(out, size, "%s", sip_static_pt_name(pt));
}

void sip_rtp_packet(sip_dlg *d, bool from_caller, int64_t t, uint64_t frame, const sip_addr *src,
                    const sip_addr *dst, const uint8_t *p, size_t len)
{
    (void)len;
    uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
    uint32_t ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    uint32_t ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
    uint8_t pt = p[1] & 0x7f;
    sip_rtp_state *st = NULL;
    for (unsigned i = 0; i < d->n_rtp; i++)
        if (d->rtp[i].s.ssrc == ssrc && sip_addr_equal(&d->rtp[i].s.src, src) &&
            sip_addr_equal(&d->rtp[i].s.dst, dst))
            st = &d->rtp[i];
    if (!st) {
        if (!d->rtp && !(d->rtp = calloc(DLG_MAX_RTP, sizeof *d->rtp)))
            return;
        if (d->n_rtp >= DLG_MAX_RTP)
            return;
        st = &d->rtp[d->n_rtp++];
        memset(st, 0, sizeof *st);
        st->s.src = *src;
        st->s.dst = *dst;
        st->s.ssrc = ssrc;
        st->s.payload_type = pt;
        st->s.from_caller = from_caller;
        st->s.first_frame = frame;
        st->s.first_us = t;
        st->base_seq = seq;
        st->max_seq = seq;
        st->clock = clock_of(d, pt);
        codec_of(d, pt, st->s.codec, sizeof st->s.codec);
        st->last_ts = ts;
        st->last_arrival = t;
        st->s.last_us = t;
        st->s.packets = 1;
        return;
    }
    st->s.packets++;
    uint16_t delta = (uint16_t)(seq - st->max_seq);
    if (delta && delta < 0x8000) {
        if (seq < st->max_seq)
            st->cycles += 65536;
        st->max_seq = seq;
    }
    /* jitter in timestamp units: D = (Rj - Ri) - (Sj - Si) */
    double arrival_units = (double)(t - st->last_arrival) * st->clock / 1e6;
    double dd = arrival_units - (double)(int32_t)(ts - st->last_ts);
    if (dd < 0)
        dd = -dd;
    st->jitter_units += (dd - st->jitter_units) / 16.0;
    double jms = st->jitter_units * 1000.0 / st->clock;
    if (jms > st->s.max_jitter_ms)
        st->s.max_jitter_ms = jms;
    double gap = (double)(t - st->s.last_us) / 1000.0;
    if (gap > st->s.max_delta_ms)
        st->s.max_delta_ms = gap;
    st->last_ts = ts;
    st->last_arrival = t;
    st->s.last_us = t;
}

void sip_rtp_finish(sip_dlg *d)
{
    for (unsigned i = 0; i < d->n_rtp; i++) {
        sip_rtp_state *st = &d->rtp[i];
        uint64_t expected = (uint64_t)st->cycles + st->max_seq - st->base_seq + 1;
        st->s.lost = expected > st->s.packets ? expected - st->s.packets : 0;
        st->s.jitter_ms = st->jitter_units * 1000.0 / st->clock;
        if (st->s.packets > 1)
            st->s.mean_delta_ms = (double)(st->s.last_us - st->s.first_us) / 1000.0 /
                                  (double)(st->s.packets - 1);
    }
}
