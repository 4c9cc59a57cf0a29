/* The verdict of a released call: outcome, timings, and the findings (retransmissions against
 * RFC 3261 timers, authentication, NAT, media), each with its evidence. */
#include "sip/sip_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T1_US 500000LL
#define TIMER_B_US (64 * T1_US)

static double ms(int64_t a, int64_t b)
{
    return (double)(b - a) / 1000.0;
}

static sip_evidence evd(uint64_t f, int64_t t)
{
    return (sip_evidence){f, t};
}

static const char *category_of(const sip_call *c, bool retry_after)
{
    switch (c->outcome) {
    case SIP_OUT_ANSWERED: return "answered";
    case SIP_OUT_CANCELLED: return "cancelled";
    case SIP_OUT_TIMEOUT:
    case SIP_OUT_NO_RESPONSE: return "timeout";
    case SIP_OUT_INCOMPLETE: return "unknown";
    case SIP_OUT_FAILED: break;
    }
    int s = c->final_code, q = c->q850;
    if (s == 401 || s == 407 || s == 403)
        return "auth";
    if (s == 488 || s == 606 || s == 415 || q == 65 || q == 58 || q == 88)
        return "media";
    if (s == 408 || s == 504 || q == 102)
        return "timeout";
    if (s == 503 && !retry_after && (q == 34 || q == 38 || q == 3))
        return "routing";
    if (s == 404 || s == 484 || s == 410 || s == 604 || q == 1 || q == 2 || q == 3 || q == 22 ||
        q == 28)
        return "routing";
    if (s == 486 || s == 480 || s == 603 || s == 600 || q == 16 || q == 17 || q == 18 ||
        q == 19 || q == 21 || q == 31)
        return "user";
    if (s >= 500 || q == 34 || q == 38 || q == 41 || q == 42 || q == 47)
        return "network";
    return "unknown";
}

static void decide_outcome(sip_dlg *d, int64_t end_us)
{
    sip_call *c = &d->c;
    bool any_resp = false;
    for (size_t i = 0; i < d->n_ev; i++)
        if (d->ev[i].status && d->ev[i].cseq == d->init_cseq)
            any_resp = true;
    if (d->t_answer)
        c->outcome = SIP_OUT_ANSWERED;
    else if (d->cancelled && (!c->final_code || c->final_code == 487))
        c->outcome = SIP_OUT_CANCELLED;
    else if (c->final_code >= 300)
        c->outcome = SIP_OUT_FAILED;
    else {
        /* no final: Timer B (32 s) decides whether the capture can tell; the last
         * retransmission of a full Timer A schedule is at 31.5 s */
        int64_t covered = end_us - d->t_first_req;
        bool timer_b = covered >= TIMER_B_US - T1_US;
        c->outcome = !timer_b ? SIP_OUT_INCOMPLETE : any_resp ? SIP_OUT_TIMEOUT : SIP_OUT_NO_RESPONSE;
    }
    if (c->outcome == SIP_OUT_CANCELLED && !c->q850 && d->cancel_q850) {
        c->q850 = d->cancel_q850;
        c->q850_from_reason = true;
    }
    if (!c->q850 && c->final_code >= 300 && c->outcome != SIP_OUT_CANCELLED) {
        c->q850 = sip_q850_from_status(c->final_code);
        c->q850_from_reason = false;
    }
}

static void timings(sip_dlg *d)
{
    sip_timings *t = &d->c.t;
    int64_t t0 = d->t_first_req;
    t->pdd_ms = t->setup_ms = t->ring_ms = t->talk_ms = t->disconnect_ms = t->final_ms = -1;
    if (!t0)
        return;
    bool inv = d->c.kind == SIP_KIND_CALL;
    if (inv && d->t_18x)
        t->pdd_ms = ms(t0, d->t_18x);
    if (d->t_answer)
        t->setup_ms = ms(t0, d->t_answer);
    if (inv && d->t_18x && (d->t_answer || d->t_final))
        t->ring_ms = ms(d->t_18x, d->t_answer ? d->t_answer : d->t_final);
    if (d->t_answer && d->t_bye)
        t->talk_ms = ms(d->t_answer, d->t_bye);
    if (d->t_bye && d->t_bye_ok)
        t->disconnect_ms = ms(d->t_bye, d->t_bye_ok);
    if (d->t_answer || d->t_final)
        t->final_ms = ms(t0, d->t_answer ? d->t_answer : d->t_final);
}

/* A bounded text under construction (always NUL-terminated; cut at its size). */
typedef struct tx {
    char *b;
    size_t n, cap;
} tx;

static void tx_put(tx *t, const char *s)
{
    size_t k = strlen(s);
    if (k > t->cap - 1 - t->n)
        k = t->cap - 1 - t->n;
    memcpy(t->b + t->n, s, k);
    t->n += k;
    t->b[t->n] = 0;
}

static void tx_uint(tx *t, unsigned v)
{
    char d[16];
    size_t i = sizeof d;
    d[--i] = 0;
    do
        d[--i] = (char)('0' + v % 10);
    while ((v /= 10) && i);
    tx_put(t, d + i);
}

/* printf("%.1f", x) without the printf engine where the answer is unambiguous: x*10 rounded
 * to the nearest integer is what %.1f prints unless x*10 sits within 1e-6 of a tie (below
 * 1e9 the product's own rounding error is under 1.2e-7), or x is negative, huge or not a
 * number; those cases go to snprintf. size is at least 32. */
static void fmt_tenths(char *out, size_t size, double x)
{
    double y = x * 10.0;
    double fl = floor(y), frac = y - fl;
    if (!(x >= 0.0) || !(y < 1e9) || fabs(frac - 0.5) < 1e-6) {
        snprintf(out, size, "%.1f", x);
        return;
    }
    unsigned long t = (unsigned long)fl + (frac > 0.5);
    char d[24];
    size_t i = sizeof d;
    d[--i] = 0;
    d[--i] = (char)('0' + t % 10);
    d[--i] = '.';
    t /= 10;
    do
        d[--i] = (char)('0' + t % 10);
    while ((t /= 10) && i);
    memcpy(out, d + i, sizeof d - i);
}

/* Retransmissions grouped by message: "INVITE sent 7 times over 31.5 s" with the schedule. */
static void retrans_findings(sip_dlg *d)
{
    sip_call *c = &d->c;
    if (!c->n_retrans)
        return;
    /* group: for each original (not retransmitted) message, its retransmissions */
    for (size_t i = 0; i < d->n_ev; i++) {
        const sip_ev *o = &d->ev[i];
        if (o->flags & (EV_RETRANS | EV_DUP))
            continue;
        sip_evidence ev[SIP_MAX_EVIDENCE];
        unsigned n = 0, sends = 1;
        ev[n++] = evd(o->frame, o->t);
        int64_t last = o->t, prev = o->t;
        bool regular = true;
        int64_t expect = T1_US;
        bool capped = o->status >= 200 || o->method != SIP_M_INVITE;
        for (size_t j = i + 1; j < d->n_ev; j++) {
            const sip_ev *r = &d->ev[j];
            if (!(r->flags & EV_RETRANS) || r->status != o->status || r->method != o->method ||
                r->cseq != o->cseq || r->branch != o->branch || !sip_addr_equal(&r->src, &o->src))
                continue;
            sends++;
            if (n < SIP_MAX_EVIDENCE)
                ev[n++] = evd(r->frame, r->t);
            int64_t gap = r->t - prev;
            if (llabs(gap - expect) > expect / 4 + 50000)
                regular = false;
            expect *= 2;
            if (capped && expect > 8 * T1_US)
                expect = 8 * T1_US;
            prev = last = r->t;
        }
        if (sends < 2)
            continue;
        const char *timer = o->status >= 200 && o->method == SIP_M_INVITE ? "2xx T1 doubling capped at T2"
                            : o->status                                   ? "Timer G"
                            : o->method == SIP_M_INVITE                   ? "Timer A"
                                                                          : "Timer E";
        /* "%u response to %s sent %u times over %.1f s (%s the RFC 3261 %s schedule): the other
         * side did not %s", put together piece by piece: one finding per retransmitted message
         * makes the printf engine's walk over the long literal a cost of its own */
        char secs[32], text[320];
        fmt_tenths(secs, sizeof secs, ms(o->t, last) / 1000.0);
        tx t = {text, 0, sizeof text};
        if (o->status) {
            tx_uint(&t, o->status);
            tx_put(&t, " response to ");
        }
        tx_put(&t, sip_method_name(o->method));
        tx_put(&t, " sent ");
        tx_uint(&t, sends);
        tx_put(&t, " times over ");
        tx_put(&t, secs);
        tx_put(&t, " s (");
        tx_put(&t, regular ? "follows" : "does not follow");
        tx_put(&t, " the RFC 3261 ");
        tx_put(&t, timer);
        tx_put(&t, " schedule): the other side did not ");
        tx_put(&t, o->status ? "acknowledge it" : "answer in time");
        sip_call_add_finding(c, "sip.retransmissions", SIP_SEV_WARNING, ev, n, "%s", text);
    }
}

static void auth_findings(sip_dlg *d)
{
    sip_call *c = &d->c;
    c->n_auth_challenges = d->n_challenges;
    if (!d->n_challenges)
        return;
    sip_evidence ev[6];
    unsigned n = 0;
    for (unsigned i = 0; i < d->n_challenges && i < 4; i++)
        ev[n++] = evd(d->f_challenge[i], d->t_challenge[i]);
    /* challenges answered by a request with credentials that were challenged again */
    unsigned bad = 0;
    for (size_t i = 0; i < d->n_ev; i++) {
        const sip_ev *x = &d->ev[i];
        if (!(x->flags & EV_CHALLENGE) || (x->flags & EV_RETRANS) || (x->flags & EV_STALE))
            continue;
        for (size_t j = i; j-- > 0;)
            if (!d->ev[j].status && d->ev[j].cseq == x->cseq && d->ev[j].method == x->method) {
                if (d->ev[j].flags & EV_CRED)
                    bad++;
                break;
            }
    }
    if (d->t_answer) {
        c->auth_ok = true;
        sip_call_add_finding(c, "auth.accepted", SIP_SEV_INFO, ev, n,
                             "%u challenge(s) answered with credentials and accepted",
                             d->n_challenges);
    } else if (bad >= 1 && (c->final_code == 403 || bad >= 2 || d->n_challenges >= 3)) {
        if (d->f_final && n < 6)
            ev[n++] = evd(d->f_final, d->t_final);
        sip_call_add_finding(c, "auth.loop", SIP_SEV_ERROR, ev, n,
                             "wrong credentials: %u challenges, %u of them to requests that already "
                             "carried credentials%s; check the password and realm",
                             d->n_challenges, bad, c->final_code == 403 ? ", then 403 Forbidden" : "");
    } else if (c->final_code == 403 && d->n_cred_requests) {
        sip_call_add_finding(c, "auth.rejected", SIP_SEV_ERROR, ev, n,
                             "credentials sent but refused with 403: account barred or realm wrong");
    } else if (!d->n_cred_requests) {
        sip_call_add_finding(c, "auth.no_credentials", SIP_SEV_WARNING, ev, n,
                             "challenged (%d) but credentials were never sent: the client lacks "
                             "credentials for this realm or a proxy strips them",
                             c->final_code);
    }
}

static const char *const nat_codes[NAT_COUNT] = {
    "nat.private_contact", "nat.via_source_mismatch", "nat.private_via", "nat.private_sdp",
    "nat.via_port_mismatch", "nat.contact_source_mismatch", "nat.contact_port_mismatch",
    "nat.received_rport",
};

static void nat_findings(sip_dlg *d)
{
    sip_call *c = &d->c;
    unsigned hits = 0;
    bool peer_public = c->callee.family && !sip_addr_is_private(&c->callee);
    for (int k = 0; k < NAT_COUNT; k++) {
        if (!d->nat_frame[k])
            continue;
        hits++;
        sip_evidence ev = evd(d->nat_frame[k], d->nat_time[k]);
        sip_call_add_finding(c, nat_codes[k], SIP_SEV_INFO, &ev, 1, "N%d: %s", k + 1,
                             d->nat_detail[k] ? d->nat_detail[k] : "");
    }
    bool private_side = d->nat_frame[NAT_N1] || d->nat_frame[NAT_N3] || d->nat_frame[NAT_N4];
    if (hits && private_side && peer_public) {
        sip_evidence ev[NAT_COUNT];
        unsigned n = 0;
        for (int k = 0; k < NAT_COUNT; k++) {
            bool dup = false;
            for (unsigned j = 0; j < n; j++)
                dup |= ev[j].frame == d->nat_frame[k];
            if (d->nat_frame[k] && !dup)
                ev[n++] = evd(d->nat_frame[k], d->nat_time[k]);
        }
        sip_call_add_finding(c, "nat.detected", SIP_SEV_WARNING, ev, n,
                             "caller is behind NAT (%u of the 8 checks): private addresses in its "
                             "SIP/SDP while it talks to a public peer", hits);
        if (d->nat_frame[NAT_N4]) {
            sip_evidence e4 = evd(d->nat_frame[NAT_N4], d->nat_time[NAT_N4]);
            sip_call_add_finding(c, "media.sdp_unreachable", SIP_SEV_WARNING, &e4, 1,
                                 "SDP media address is private: one-way or no audio unless the far "
                                 "side latches onto the observed source (symmetric RTP)");
        }
    }
    /* 200 OK repeated without ACK, then BYE about 32 s later (RFC 3261 §13.3.1.4) */
    if (d->t_answer && !d->ack_for_2xx && d->n_2xx_sends >= 3) {
        sip_evidence ev[SIP_MAX_EVIDENCE];
        unsigned n = 0;
        for (unsigned i = 0; i < d->n_2xx_sends && i < SIP_MAX_EVIDENCE - 1; i++)
            ev[n++] = evd(d->f_2xx[i], 0);
        for (size_t i = 0, k = 0; i < d->n_ev && k < n; i++)
            if (d->ev[i].frame == ev[k].frame)
                ev[k++].time_us = d->ev[i].t;
        double span = d->t_bye ? ms(d->t_answer, d->t_bye) / 1000.0 : -1;
        if (d->t_bye && n < SIP_MAX_EVIDENCE)
            ev[n++] = evd(d->f_bye, d->t_bye);
        bool drop32 = span >= 30.0 && span <= 40.0;
        sip_call_add_finding(c, "nat.no_ack", SIP_SEV_ERROR, ev, n,
                             "200 OK sent %u times and never acknowledged%s: the ACK does not reach "
                             "the callee (NAT, wrong Contact or Record-Route)",
                             d->n_2xx_sends,
                             drop32 ? "; the call was torn down by BYE 32 s after the answer" : "");
    }
}

/* strcasecmp(s, "telephone-event") == 0, the first letter tested inline (most names fail it) */
static bool is_te(const char *s)
{
    return (s[0] | 0x20) == 't' && strcasecmp(s, "telephone-event") == 0;
}

static void codec_name_list(const sip_sdp_fact *f, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < f->n_fmt && o + 20 < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%s(%d)", i ? " " : "",
                              f->name[i][0] ? f->name[i] : "?", f->pt[i]);
}

static void media_findings(sip_dlg *d, bool any_rtp)
{
    sip_call *c = &d->c;
    char offered[200];
    if (d->offer.present && d->answer.present) {
        /* first answer format that the offer has, by name or payload type */
        for (unsigned i = 0; i < d->answer.n_fmt && !c->codec; i++)
            for (unsigned j = 0; j < d->offer.n_fmt; j++)
                if (d->answer.pt[i] == d->offer.pt[j] ||
                    (d->answer.name[i][0] && strcasecmp(d->answer.name[i], d->offer.name[j]) == 0)) {
                    if (is_te(d->answer.name[i]))
                        break;
                    const char *nm = d->answer.name[i][0] ? d->answer.name[i] : "?";
                    c->codec = sip_dlg_strdup(d, nm, strlen(nm));
                    break;
                }
        if (!c->codec && d->answer.n_fmt && !d->answer.port0) {
            sip_evidence ev[2] = {evd(d->offer.frame, d->offer.t), evd(d->answer.frame, d->answer.t)};
            codec_name_list(&d->offer, offered, sizeof offered);
            sip_call_add_finding(c, "media.no_common_codec", SIP_SEV_ERROR, ev, 2,
                                 "the answer uses no format of the offer (offered %s)", offered);
        }
        if (d->answer.port0) {
            sip_evidence ev = evd(d->answer.frame, d->answer.t);
            sip_call_add_finding(c, "media.stream_rejected", SIP_SEV_WARNING, &ev, 1,
                                 "the answer rejected the audio stream (m= port 0)");
        }
    }
    /* O5: DTMF by RFC 4733 events offered by one side only */
    if (d->offer.present && d->answer.present && d->answer.n_fmt && !d->answer.port0) {
        bool te_offer = false, te_answer = false;
        for (unsigned i = 0; i < d->offer.n_fmt; i++)
            te_offer |= is_te(d->offer.name[i]);
        for (unsigned i = 0; i < d->answer.n_fmt; i++)
            te_answer |= is_te(d->answer.name[i]);
        if (te_offer != te_answer) {
            sip_evidence ev[2] = {evd(d->offer.frame, d->offer.t), evd(d->answer.frame, d->answer.t)};
            sip_call_add_finding(c, "media.dtmf_mismatch", SIP_SEV_INFO, ev, 2,
                                 "telephone-event (RFC 4733 DTMF) is in the %s only: DTMF may go "
                                 "in-band or be lost", te_offer ? "offer" : "answer");
        }
    }
    if (c->final_code == 488 || c->final_code == 606 || c->final_code == 415) {
        sip_evidence ev[2];
        unsigned n = 0;
        if (d->offer.present)
            ev[n++] = evd(d->offer.frame, d->offer.t);
        ev[n++] = evd(d->f_final, d->t_final);
        codec_name_list(&d->offer, offered, sizeof offered);
        char warn[160] = "";
        if (c->warning_code)
            snprintf(warn, sizeof warn, ", Warning %d \"%s\"", c->warning_code,
                     c->warning_text ? c->warning_text : "");
        sip_call_add_finding(c, "media.codec_rejected", SIP_SEV_ERROR, ev, n,
                             "offer refused with %d%s%s: offered %s", c->final_code, warn,
                             c->q850 ? "" : "", offered[0] ? offered : "no SDP");
    }
    if (d->f_reinv_fail) {
        sip_evidence ev = evd(d->f_reinv_fail, d->t_reinv_fail);
        char warn[32] = "";
        if (d->reinv_warning)
            snprintf(warn, sizeof warn, ", Warning %d", d->reinv_warning);
        sip_call_add_finding(c, "media.reinvite_rejected", SIP_SEV_WARNING, &ev, 1,
                             "a re-INVITE was refused with %d%s: the call kept its previous media "
                             "(a codec, T.38 or hold change the other side does not accept)",
                             d->reinv_fail_code, warn);
    }
    if (d->hold) {
        c->on_hold = true;
        sip_evidence ev = evd(d->f_hold, d->t_hold);
        sip_call_add_finding(c, "media.hold", SIP_SEV_INFO, &ev, 1,
                             "call put on hold by re-INVITE (sendonly/inactive or c=0.0.0.0): "
                             "silence is intended, not a fault");
    }
    if (c->outcome != SIP_OUT_ANSWERED || !any_rtp)
        return;
    uint64_t up = 0, down = 0;
    uint64_t f_up = 0, f_down = 0;
    int64_t t_up = 0, t_down = 0;
    for (unsigned i = 0; i < d->n_rtp; i++) {
        const sip_rtp_stream *s = &d->rtp[i].s;
        if (s->from_caller) {
            up += s->packets;
            if (!f_up)
                f_up = s->first_frame, t_up = s->first_us;
        } else {
            down += s->packets;
            if (!f_down)
                f_down = s->first_frame, t_down = s->first_us;
        }
        if (s->packets >= 50 && s->lost * 100 > (s->packets + s->lost) * 1) {
            sip_evidence ev = evd(s->first_frame, s->first_us);
            sip_call_add_finding(c, "media.rtp_loss", SIP_SEV_WARNING, &ev, 1,
                                 "RTP stream SSRC 0x%08x lost %llu of %llu packets", s->ssrc,
                                 (unsigned long long)s->lost,
                                 (unsigned long long)(s->packets + s->lost));
        }
    }
    /* O3: media from another address than its side announced (NAT in front of it: the
     * answer must go to the observed source, symmetric RTP) */
    for (unsigned i = 0; i < d->n_rtp; i++) {
        const sip_rtp_stream *s = &d->rtp[i].s;
        const sip_addr *announced = s->from_caller ? &d->offer.media : &d->answer.media;
        if (!announced->family || sip_addr_equal(&s->src, announced))
            continue;
        char seen[SIP_ADDR_STRLEN], said[SIP_ADDR_STRLEN];
        sip_addr_format(&s->src, seen, sizeof seen);
        sip_addr_format(announced, said, sizeof said);
        sip_evidence ev = evd(s->first_frame, s->first_us);
        sip_call_add_finding(c, "media.rtp_source_mismatch", SIP_SEV_WARNING, &ev, 1,
                             "%s RTP comes from %s although its SDP announced %s: NAT in front of "
                             "it; replies must go to the observed source (symmetric RTP)",
                             s->from_caller ? "caller" : "callee", seen, said);
        break;
    }
    bool sendrecv = d->offer.dir == SIP_DIR_SENDRECV && d->answer.dir == SIP_DIR_SENDRECV;
    sip_evidence ev[3];
    unsigned n = 0;
    if (d->f_answer)
        ev[n++] = evd(d->f_answer, d->t_answer);
    if (!up && !down) {
        sip_call_add_finding(c, "media.no_audio", SIP_SEV_WARNING, ev, n,
                             "answered but no RTP seen in either direction (other calls in the "
                             "capture do have RTP)");
    } else if ((!up || !down) && sendrecv && !d->hold && (up + down) >= 10) {
        if (f_up)
            ev[n++] = evd(f_up, t_up);
        if (f_down)
            ev[n++] = evd(f_down, t_down);
        sip_call_add_finding(c, "media.one_way", SIP_SEV_ERROR, ev, n,
                             "one-way audio: %llu RTP packets %s, none back, although both SDPs "
                             "say sendrecv",
                             (unsigned long long)(up ? up : down),
                             up ? "caller->callee" : "callee->caller");
    }
}

static void outcome_finding(sip_dlg *d)
{
    sip_call *c = &d->c;
    sip_evidence ev[2];
    unsigned n = 0;
    if (d->f_first_req)
        ev[n++] = evd(d->f_first_req, d->t_first_req);
    const char *qn = sip_q850_name(c->q850);
    switch (c->outcome) {
    case SIP_OUT_FAILED:
        ev[n++] = evd(d->f_final, d->t_final);
        if (c->final_code == 401 || c->final_code == 407)
            break; /* auth findings say it */
        sip_call_add_finding(c, "call.failed",
                             strcmp(c->category, "user") == 0 ? SIP_SEV_WARNING : SIP_SEV_ERROR, ev, n,
                             "%s failed: %d %s, Q.850 cause %d%s%s (%s) — %s", c->method ? c->method : "request",
                             c->final_code, c->final_phrase ? c->final_phrase : "", c->q850,
                             qn ? " " : "", qn ? qn : "",
                             c->q850_from_reason ? "Reason header" : "mapped from the status by RFC 3398",
                             c->category);
        break;
    case SIP_OUT_CANCELLED:
        ev[n++] = evd(d->f_cancel, d->t_cancel);
        sip_call_add_finding(c, "call.cancelled", SIP_SEV_INFO, ev, n,
                             "caller abandoned (CANCEL, Q.850 cause %d): not a network failure",
                             c->q850);
        break;
    case SIP_OUT_NO_RESPONSE:
        sip_call_add_finding(c, "call.no_response", SIP_SEV_ERROR, ev, n,
                             "no response at all to %s within Timer B (32 s): the destination is "
                             "unreachable or drops the packets", c->method ? c->method : "the request");
        break;
    case SIP_OUT_TIMEOUT:
        sip_call_add_finding(c, "call.timeout", SIP_SEV_ERROR, ev, n,
                             "provisional response but no final one within 32 s: a downstream hop "
                             "does not answer");
        break;
    case SIP_OUT_INCOMPLETE:
        sip_call_add_finding(c, "call.incomplete", SIP_SEV_INFO, ev, n,
                             "the capture ends before a final response: outcome unknown");
        break;
    case SIP_OUT_ANSWERED:
        break;
    }
    if (c->kind == SIP_KIND_CALL && c->t.pdd_ms > 4000) {
        sip_evidence e2[2] = {evd(d->f_first_req, d->t_first_req), evd(d->f_18x, d->t_18x)};
        sip_call_add_finding(c, "timing.high_pdd", SIP_SEV_WARNING, e2, 2,
                             "post-dial delay %.1f s (first INVITE to first 18x)", c->t.pdd_ms / 1000);
    }
}

void sip_dlg_conclude(sip_dlg *d, int64_t end_us, bool any_rtp)
{
    sip_call *c = &d->c;
    if (!c->method)
        c->method = sip_dlg_strdup(d, "", 0);
    if (!d->t_first_req)
        d->t_first_req = d->t_first;
    decide_outcome(d, end_us);
    c->category = category_of(c, false);
    timings(d);
    outcome_finding(d);
    retrans_findings(d);
    auth_findings(d);
    nat_findings(d);
    media_findings(d, any_rtp);
    if (d->n_rtp) {
        c->rtp = calloc(d->n_rtp, sizeof *c->rtp);
        if (c->rtp) {
            for (unsigned i = 0; i < d->n_rtp; i++)
                c->rtp[i] = d->rtp[i].s;
            c->n_rtp = d->n_rtp;
        }
    }
    if (!c->codec && d->offer.present && d->offer.n_fmt && c->outcome == SIP_OUT_ANSWERED)
        c->codec = sip_dlg_strdup(d, d->offer.name[0], strlen(d->offer.name[0]));
    /* brief SDP lines on kept messages */
    for (size_t i = 0; i < c->n_msgs_kept; i++) {
        sip_msg_rec *k = &c->msgs[i];
        k->call_id = c->call_id;
        if (!k->raw)
            continue;
        sip_msg m;
        bool tr;
        sip_str sb;
        sip_sdp s;
        if (sip_msg_parse(k->raw, k->raw_len, &m, &tr) < 0 || !m.body.n ||
            sip_body_find_sdp(m.content_type, m.body, &sb) < 0 || sip_sdp_parse(sb.p, sb.n, &s) < 0)
            continue;
        sip_sdp_fact f;
        sip_record rr = {0};
        sip_sdp_fact_from(&f, &s, &rr);
        char addr[SIP_ADDR_STRLEN], codecs[120];
        sip_addr_format(&f.media, addr, sizeof addr);
        codec_name_list(&f, codecs, sizeof codecs);
        static const char *const dn[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
        if (asprintf(&k->sdp_brief, "SDP %s %s %s", addr, dn[f.dir], codecs) < 0)
            k->sdp_brief = NULL;
    }
}
