/* Per-call analysis: what each message tells (NAT checks of sip-cdr.md §2.5, SDP offer and
 * answer), and the verdict once the call is released: outcome with final code and Q.850 cause
 * (Reason header first), timings, retransmissions against the RFC 3261 timers, authentication,
 * NAT, media. Every finding carries evidence: the frames and times it rests on. Also a call's
 * strings: in its dialog's own space while it is live, one heap block once it is released. */
#include "sip/sip_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FINDINGS 32

int sip_call_add_finding(sip_call *c, const char *code, sip_severity sev, const sip_evidence *ev,
                         unsigned n_ev, const char *fmt, ...)
{
    if (c->n_findings >= MAX_FINDINGS)
        return -1;
    sip_finding *n = realloc(c->findings, (c->n_findings + 1) * sizeof *n);
    if (!n)
        return -1;
    c->findings = n;
    sip_finding *f = &n[c->n_findings];
    memset(f, 0, sizeof *f);
    f->code = code;
    f->severity = sev;
    /* formatted once into a stack buffer (findings are a sentence or two), then copied out:
     * vasprintf formats into a growing buffer of its own at several times the cost */
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0)
        return -1;
    f->text = malloc((size_t)k + 1);
    if (!f->text)
        return -1;
    if ((size_t)k < sizeof tmp) {
        memcpy(f->text, tmp, (size_t)k + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(f->text, (size_t)k + 1, fmt, ap);
        va_end(ap);
    }
    if (n_ev > SIP_MAX_EVIDENCE)
        n_ev = SIP_MAX_EVIDENCE;
    if (n_ev && !(f->ev = malloc(n_ev * sizeof *ev))) {
        free(f->text);
        return -1;
    }
    if (n_ev)
        memcpy(f->ev, ev, n_ev * sizeof *ev);
    f->n_ev = n_ev;
    c->n_findings++;
    return 0;
}

void sip_call_free_fields(sip_call *c)
{
    if (c->ids_block) {
        free(c->method); /* the block with every string */
    } else {
        free(c->call_id);
        free(c->method);
        free(c->from_user);
        free(c->to_user);
        free(c->from_tag);
        free(c->user_agent);
        free(c->xcid);
        free(c->to_tag);
        free(c->final_phrase);
        free(c->reason_text);
        free(c->warning_text);
        free(c->codec);
    }
    for (size_t i = 0; i < c->n_findings; i++) {
        free(c->findings[i].text);
        free(c->findings[i].ev);
    }
    free(c->findings);
    free(c->rtp);
    for (size_t i = 0; i < c->n_msgs_kept; i++) {
        free(c->msgs[i].label);
        free(c->msgs[i].sdp_brief);
        free(c->msgs[i].raw);
    }
    free(c->msgs);
    memset(c, 0, sizeof *c);
}

/* ---- the call's strings ---------------------------------------------------------------- */

static bool in_sbuf(const sip_dlg *d, const char *p)
{
    return (uintptr_t)p - (uintptr_t)d->sbuf < sizeof d->sbuf;
}

void sip_dlg_str_free(sip_dlg *d, char *p)
{
    if (p && !in_sbuf(d, p)) {
        free(p);
        d->n_heap_str--;
    }
}

/* The string fields of a call; the first (method) starts the packed block. */
#define CALL_STRINGS(c)                                                                         \
    {&(c)->method, &(c)->call_id, &(c)->from_user, &(c)->to_user, &(c)->from_tag,              \
     &(c)->to_tag, &(c)->user_agent, &(c)->xcid, &(c)->final_phrase, &(c)->reason_text,         \
     &(c)->warning_text, &(c)->codec}
enum { N_CALL_STRINGS = 12 };

/* The block: the method first (the block's handle), then the used part of the dialog's string
 * space as it is (its strings move by one offset), then the strings that went to the heap. */
bool sip_dlg_pack_strings(sip_dlg *d)
{
    sip_call *c = &d->c;
    char **f[N_CALL_STRINGS] = CALL_STRINGS(c);
    size_t len[N_CALL_STRINGS] = {0}, total;
    if (!c->method || c->ids_block)
        return false;
    len[0] = strlen(c->method);
    total = len[0] + 1 + d->sbuf_n;
    for (int i = 1; i < N_CALL_STRINGS && d->n_heap_str; i++) { /* usually none */
        if (*f[i] && !in_sbuf(d, *f[i])) {
            /* the Call-ID keeps all its bytes (the engine compares it by length) */
            len[i] = f[i] == &c->call_id ? d->cid_len : strlen(*f[i]);
            total += len[i] + 1;
        }
    }
    char *b = malloc(total);
    if (!b)
        return false;
    memcpy(b, c->method, len[0] + 1);
    char *space = b + len[0] + 1, *o = space + d->sbuf_n;
    memcpy(space, d->sbuf, d->sbuf_n);
    sip_dlg_str_free(d, c->method);
    c->method = b;
    for (int i = 1; i < N_CALL_STRINGS; i++) {
        if (!*f[i])
            continue;
        if (in_sbuf(d, *f[i])) {
            *f[i] = space + (*f[i] - d->sbuf);
            continue;
        }
        memcpy(o, *f[i], len[i]);
        o[len[i]] = 0;
        free(*f[i]);
        *f[i] = o;
        o += len[i] + 1;
    }
    c->ids_block = true;
    for (size_t i = 0; i < c->n_msgs_kept; i++)
        c->msgs[i].call_id = c->call_id;
    return true;
}

void sip_dlg_free_call(sip_dlg *d)
{
    sip_call *c = &d->c;
    if (!c->ids_block) {
        char **f[N_CALL_STRINGS] = CALL_STRINGS(c);
        for (int i = 0; i < N_CALL_STRINGS; i++)
            if (*f[i] && in_sbuf(d, *f[i]))
                *f[i] = NULL;
    }
    sip_call_free_fields(c);
}

/* ---- observation ------------------------------------------------------------------------- */

static bool host_addr(sip_str host, int port, sip_addr *a)
{
    if (sip_addr_parse(host.p, host.n, a) < 0)
        return false;
    a->port = (uint16_t)port;
    return true;
}

static void nat_mark(sip_dlg *d, int check, const sip_record *r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void nat_mark(sip_dlg *d, int check, const sip_record *r, const char *fmt, ...)
{
    if (d->nat_frame[check])
        return;
    d->nat_frame[check] = r->frame;
    d->nat_time[check] = r->time_us;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&d->nat_detail[check], fmt, ap) < 0)
        d->nat_detail[check] = NULL;
    va_end(ap);
}

static void nat_request(sip_dlg *d, const sip_msg *m, const sip_record *r)
{
    if (!r->src.family)
        return;
    char src[SIP_ADDR_STRLEN] = ""; /* formatted only when a check hits */
    sip_addr via, ct;
    int vport = m->via.port ? m->via.port : 5060;
    if (m->via.host.n && host_addr(m->via.host, vport, &via)) {
        if (!sip_addr_same_host(&via, &r->src) && sip_addr_format(&r->src, src, sizeof src))
            nat_mark(d, NAT_N2, r, "top Via host %.*s differs from packet source %s",
                     (int)m->via.host.n, m->via.host.p, src);
        if (sip_addr_is_private(&via))
            nat_mark(d, NAT_N3, r, "top Via host %.*s is a private address", (int)m->via.host.n,
                     m->via.host.p);
    }
    if (m->via.host.n && vport != r->src.port)
        nat_mark(d, NAT_N5, r, "packet source port %u differs from Via port %d", r->src.port, vport);
    int cport = m->contact_port ? m->contact_port : 5060;
    if (m->contact_host.n && host_addr(m->contact_host, cport, &ct)) {
        if (sip_addr_is_private(&ct))
            nat_mark(d, NAT_N1, r, "Contact host %.*s is a private address",
                     (int)m->contact_host.n, m->contact_host.p);
        if (!sip_addr_same_host(&ct, &r->src) && sip_addr_format(&r->src, src, sizeof src))
            nat_mark(d, NAT_N6, r, "Contact host %.*s differs from packet source %s",
                     (int)m->contact_host.n, m->contact_host.p, src);
        if (cport != r->src.port)
            nat_mark(d, NAT_N7, r, "Contact port %d differs from packet source port %u", cport,
                     r->src.port);
    }
}

/* The codec name of format i as sip_sdp_codec gives it, cut at 15 bytes and at a NUL (the
 * name is a view into the message), into out; no intermediate buffer, no library calls. */
static void fact_name(const sip_sdp_media *m, unsigned i, char out[16])
{
    const char *p = m->fmt_name[i].p;
    size_t n = m->fmt_name[i].n < 15 ? m->fmt_name[i].n : 15;
    if (!m->fmt_name[i].n) {
        p = sip_static_pt_name(m->fmt[i]); /* NUL-terminated, under 15 bytes */
        n = 15;
    }
    size_t k = 0;
    while (k < n && p[k]) {
        out[k] = p[k];
        k++;
    }
    out[k] = 0;
}

void sip_sdp_fact_from(sip_sdp_fact *f, const sip_sdp *s, const sip_record *r)
{
    const sip_sdp_media *m = NULL;
    for (unsigned i = 0; i < s->n_media && !m; i++)
        if (s->m[i].type.n == 5 && memcmp(s->m[i].type.p, "audio", 5) == 0)
            m = &s->m[i];
    if (!m && s->n_media)
        m = &s->m[0];
    memset(f, 0, sizeof *f);
    f->present = true;
    f->frame = r->frame;
    f->t = r->time_us;
    if (!m)
        return;
    f->media = m->conn;
    f->media.port = (uint16_t)m->port;
    f->dir = m->dir;
    f->zero = m->conn_zero;
    f->port0 = m->port == 0;
    f->crypto = m->has_crypto;
    for (unsigned i = 0; i < m->n_fmt && f->n_fmt < SDP_FMTS; i++) {
        f->pt[f->n_fmt] = m->fmt[i];
        fact_name(m, i, f->name[f->n_fmt]);
        f->rate[f->n_fmt] = m->fmt_rate[i];
        f->n_fmt++;
    }
}

void sip_dlg_observe(sip_dlg *d, const sip_msg *m, const sip_record *r)
{
    sip_call *c = &d->c;
    /* the NAT checks on the caller's dialog-creating requests (one hit per check is evidence
     * enough; in-dialog requests repeat the same headers) */
    if (m->is_request && !m->to_tag.n && m->method != SIP_M_ACK && m->method != SIP_M_CANCEL &&
        sip_addr_equal(&r->src, &c->caller)) {
        nat_request(d, m, r); /* the engine ran sip_msg_details on such requests */
    }
    if (!m->is_request && (m->via.received.n || m->via.rport > 0)) {
        int sent = m->via.port ? m->via.port : 5060;
        if (m->via.received.n || m->via.rport != sent)
            nat_mark(d, NAT_N8, r, "response Via shows received=%.*s rport=%d (sent-by %.*s:%d)",
                     (int)m->via.received.n, m->via.received.p, m->via.rport,
                     (int)m->via.host.n, m->via.host.p, sent);
    }
    sip_str sdp_body;
    sip_sdp sdp;
    if (!m->body.n || sip_body_find_sdp(m->content_type, m->body, &sdp_body) < 0 ||
        sip_sdp_parse(sdp_body.p, sdp_body.n, &sdp) < 0)
        return;
    sip_sdp_fact f;
    sip_sdp_fact_from(&f, &sdp, r);
    bool from_caller = sip_addr_equal(&r->src, &c->caller) || !r->src.family;
    if (m->is_request && m->method == SIP_M_INVITE && m->to_tag.n) {
        /* re-INVITE: hold when it asks for sendonly/inactive or c=0.0.0.0 */
        if (f.dir == SIP_DIR_SENDONLY || f.dir == SIP_DIR_INACTIVE || f.zero) {
            if (!d->hold) {
                d->hold = true;
                d->f_hold = r->frame;
                d->t_hold = r->time_us;
            }
        }
        /* a new media address of the sender */
        if (from_caller && f.media.family && !f.zero)
            d->offer.media = f.media;
        else if (f.media.family && !f.zero)
            d->answer.media = f.media;
        return;
    }
    if (m->is_request && !d->offer.present && !m->to_tag.n) {
        d->offer = f;
        if (f.media.family && sip_addr_is_private(&f.media))
            nat_mark(d, NAT_N4, r, "SDP c= address is private");
    } else if (!m->is_request && d->offer.present && !d->answer.present &&
               m->cseq_method == SIP_M_INVITE && m->status < 300) {
        d->answer = f;
    } else if (!m->is_request && !d->offer.present && m->cseq_method == SIP_M_INVITE) {
        d->offer = f; /* late offer in the 200; the answer comes in the ACK */
    } else if (m->is_request && m->method == SIP_M_ACK && d->offer.present && !d->answer.present) {
        d->answer = f;
    }
}
