/* Per-call artefacts of the ConnexCS simulator: the SIP trace of both legs (spec §4.4) with
 * raw SIP text and SDP, RTCP reports in the real {processed, aggregate} shape (or the bare array
 * the app's code expects), Class 5 events, AI-agent turns, transcriptions, and the call-log
 * entry of `log?s=` (§4.5). Every artefact is derived from the call record, so CDR, log and
 * trace always agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cxsim.h"

#define MAX_EVENTS 40
#define MSG_CAP 8192

typedef struct sip_ev {
    int64_t us;       /* absolute time, µs */
    int leg;          /* 0: customer <-> switch, 1: switch <-> carrier */
    bool up;          /* towards the carrier (a request from the caller side) */
    const char *method;
    int code;         /* 0 for requests */
    int cseq;
    const char *cseq_method;
    int sdp;          /* 0 none, 1 offer, 2 answer */
    bool auth;        /* carries Proxy-Authorization */
} sip_ev;

typedef struct flow {
    sip_ev ev[MAX_EVENTS];
    int n;
} flow;

static void add(flow *f, int64_t us, int leg, bool up, const char *method, int code, int cseq,
                const char *cseq_method, int sdp)
{
    if (f->n >= MAX_EVENTS)
        return;
    f->ev[f->n++] = (sip_ev){us, leg, up, method, code, cseq, cseq_method, sdp, false};
}

static const char *reason(int code)
{
    switch (code) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 404: return "Not Found";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 480: return "Temporarily Unavailable";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 503: return "No Routes Available (Pre)";
    case 580: return "No Route Available";
    default: return "";
    }
}

#define MS 1000LL
#define SEC 1000000LL

/* A failure from the carrier, relayed to the customer, each acknowledged. */
static void fail_both(flow *f, int64_t t, int code, int cseq)
{
    add(f, t, 1, false, NULL, code, 1, "INVITE", 0);
    add(f, t + 2 * MS, 1, true, "ACK", 0, 1, "ACK", 0);
    add(f, t + 5 * MS, 0, false, NULL, code, cseq, "INVITE", 0);
    add(f, t + 40 * MS, 0, true, "ACK", 0, cseq, "ACK", 0);
}

static void build_flow(const cxs_cdr *c, flow *f)
{
    int64_t t = c->dt * SEC + c->ms * MS, tinv = t;
    int cseq = 1;
    add(f, t, 0, true, "INVITE", 0, cseq, "INVITE", 1);
    if (c->flags & CXS_F_RETRANS) {
        add(f, t + 500 * MS, 0, true, "INVITE", 0, cseq, "INVITE", 1);
        add(f, t + 1500 * MS, 0, true, "INVITE", 0, cseq, "INVITE", 1);
        t += 1500 * MS;
    }
    if (c->flags & CXS_F_AUTH) {
        add(f, t + 3 * MS, 0, false, NULL, 407, cseq, "INVITE", 0);
        add(f, t + 35 * MS, 0, true, "ACK", 0, cseq, "ACK", 0);
        cseq++;
        t += 120 * MS;
        add(f, t, 0, true, "INVITE", 0, cseq, "INVITE", 1);
        f->ev[f->n - 1].auth = true;
    }
    add(f, t + 5 * MS, 0, false, NULL, 100, cseq, "INVITE", 0);
    if (c->sip_code == 503 || c->sip_code == 580) {
        add(f, t + 40 * MS, 0, false, NULL, c->sip_code, cseq, "INVITE", 0);
        add(f, t + 70 * MS, 0, true, "ACK", 0, cseq, "ACK", 0);
        return;
    }
    add(f, t + 25 * MS, 1, true, "INVITE", 0, 1, "INVITE", 1);
    add(f, t + 60 * MS, 1, false, NULL, 100, 1, "INVITE", 0);
    if (c->sip_code == 488 || c->sip_code == 404 || c->sip_code == 486) {
        fail_both(f, t + 90 * MS + (c->sip_code == 488 ? 0 : c->pdd_out * MS), c->sip_code, cseq);
        return;
    }
    if (c->sip_code == 408) {
        fail_both(f, t + 8 * SEC, 408, cseq);
        return;
    }
    int64_t t18 = tinv + (int64_t)c->pdd_in * MS;
    if (t18 < t + 70 * MS)
        t18 = t + 70 * MS;
    int code18 = (c->flags & CXS_F_180) ? 180 : 183;
    add(f, t18, 1, false, NULL, code18, 1, "INVITE", code18 == 183 ? 2 : 0);
    add(f, t18 + 10 * MS, 0, false, NULL, code18, cseq, "INVITE", code18 == 183 ? 2 : 0);
    int64_t ring = (int64_t)c->ring_duration * SEC;
    if (c->sip_code == 480) {
        fail_both(f, t18 + ring, 480, cseq);
        return;
    }
    if (c->sip_code == 487) {
        int64_t tc = t18 + ring;
        add(f, tc, 0, true, "CANCEL", 0, cseq, "CANCEL", 0);
        add(f, tc + 3 * MS, 0, false, NULL, 200, cseq, "CANCEL", 0);
        add(f, tc + 10 * MS, 1, true, "CANCEL", 0, 1, "CANCEL", 0);
        add(f, tc + 40 * MS, 1, false, NULL, 200, 1, "CANCEL", 0);
        fail_both(f, tc + 45 * MS, 487, cseq);
        return;
    }
    int64_t ta = t18 + ring;
    add(f, ta, 1, false, NULL, 200, 1, "INVITE", 2);
    add(f, ta + 2 * MS, 1, true, "ACK", 0, 1, "ACK", 0);
    add(f, ta + 8 * MS, 0, false, NULL, 200, cseq, "INVITE", 2);
    add(f, ta + 45 * MS, 0, true, "ACK", 0, cseq, "ACK", 0);
    int64_t tb = ta + (int64_t)c->duration * SEC;
    bool upstream = c->release_reason && strncmp(c->release_reason, "Upstream", 8) == 0;
    if (upstream) {
        add(f, tb, 0, true, "BYE", 0, cseq + 1, "BYE", 0);
        add(f, tb + 5 * MS, 1, true, "BYE", 0, 2, "BYE", 0);
        add(f, tb + 40 * MS, 1, false, NULL, 200, 2, "BYE", 0);
        add(f, tb + 45 * MS, 0, false, NULL, 200, cseq + 1, "BYE", 0);
    } else {
        add(f, tb, 1, false, "BYE", 0, 1, "BYE", 0);
        add(f, tb + 5 * MS, 0, false, "BYE", 0, 1, "BYE", 0);
        add(f, tb + 40 * MS, 0, true, NULL, 200, 1, "BYE", 0);
        add(f, tb + 45 * MS, 1, true, NULL, 200, 1, "BYE", 0);
    }
}

/* ---- rendering ---- */

/* The Via branch of a message's transaction: responses share their request's; an ACK for a
 * failure (or the 407) belongs to the INVITE transaction, an ACK for a 200 is its own. */
static unsigned long long branch_of(const cxs_cdr *c, const sip_ev *e, uint64_t h)
{
    const char *m = e->cseq_method;
    bool ack = !strcmp(m, "ACK");
    bool auth_ack = ack && e->leg == 0 && (c->flags & CXS_F_AUTH) && e->cseq == 1;
    if (ack && (c->sip_code != 200 || auth_ack))
        m = "INVITE";
    uint64_t x = (h >> 8) + (uint64_t)e->cseq * 7919u;
    for (; *m; m++)
        x = x * 31 + (unsigned char)*m;
    return (unsigned long long)(cxs_mix(x) & 0xffffffffull);
}

/* The SIP user a customer authenticates with. */
static const char *digest_user(const cxs_cdr *c)
{
    const cxs_customer *cu = cxs_customer_by_id(c->customer_id);
    return cu && cu->sip_users[0] ? cu->sip_users[0] : c->source_cli;
}

/* The software that sent the message. */
static const char *agent_of(const cxs_cdr *c, const sip_ev *e)
{
    bool from_far = e->leg == 0 ? e->up : !e->up;
    return !from_far ? "ConnexCS" : e->leg == 0 ? c->user_agent : "Carrier SBC 4.2";
}

/* Whether the message belongs to a transaction the callee side started: a request sent
 * towards the caller, or a response sent towards the callee. */
static bool reversed(const sip_ev *e)
{
    return e->code ? e->up : !e->up;
}

typedef struct ends {
    const char *src_ip, *dst_ip;
    int src_port, dst_port;
} ends;

static const char *carrier_ip(const cxs_cdr *c)
{
    const cxs_provider *p = cxs_provider_by_id(c->provider_id);
    return p ? p->ip : "192.0.2.10";
}

static ends ends_of(const cxs_cdr *c, const sip_ev *e)
{
    const char *far = e->leg == 0 ? c->src_ip : carrier_ip(c);
    int far_port = e->leg == 0 ? c->src_port : 5060;
    /* on leg 0 "up" leaves the customer; on leg 1 "up" leaves the switch */
    bool from_far = e->leg == 0 ? e->up : !e->up;
    if (from_far)
        return (ends){far, CXS_SWITCH_IP, far_port, 5060};
    return (ends){CXS_SWITCH_IP, far, 5060, far_port};
}

static void sdp(sb_buf *b, const char *ip, int port, bool g729_only, uint64_t sess)
{
    sb_buf_printf(b, "v=0\r\no=- %llu 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n",
                  (unsigned long long)(sess % 1000000000ull), ip, ip);
    if (g729_only) {
        sb_buf_printf(b, "m=audio %d RTP/AVP 18 101\r\na=rtpmap:18 G729/8000\r\n"
                         "a=fmtp:18 annexb=no\r\n", port);
    } else {
        sb_buf_printf(b, "m=audio %d RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
                         "a=rtpmap:8 PCMA/8000\r\n", port);
    }
    sb_buf_puts(b, "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"
                   "a=sendrecv\r\n");
}

static void render_msg(const cxs_cdr *c, const sip_ev *e, int idx, sb_buf *b)
{
    bool nat = (c->flags & CXS_F_NAT) && e->leg == 0;
    const char *callid = e->leg == 0 ? c->callid : c->bleg_callid;
    const char *from_user = e->leg == 0 ? c->source_cli : c->dest_cli;
    const char *to_user = e->leg == 0 ? c->source_dest_number : c->dest_number;
    const char *caller_host = e->leg == 0 ? (nat ? "192.168.1.20" : c->src_ip) : CXS_SWITCH_IP;
    const char *callee_host = e->leg == 0 ? CXS_SWITCH_IP : carrier_ip(c);
    uint64_t h = cxs_mix(c->pos * 131ull + (uint64_t)e->leg);
    bool rev = reversed(e); /* a transaction the callee started (BYE from downstream) */
    if (!e->code)
        sb_buf_printf(b, "%s sip:%s@%s SIP/2.0\r\n", e->method, rev ? from_user : to_user,
                      rev ? caller_host : callee_host);
    else
        sb_buf_printf(b, "SIP/2.0 %d %s\r\n", e->code, reason(e->code));
    /* Via names the side that sent the request */
    const char *via_host = e->leg == 0 ? (nat ? "192.168.1.20" : c->src_ip) : CXS_SWITCH_IP;
    int via_port = e->leg == 0 ? (nat ? 5060 : c->src_port) : 5060;
    if (rev) { /* responses carry the request's Via */
        via_host = e->leg == 0 ? CXS_SWITCH_IP : carrier_ip(c);
        via_port = 5060;
    }
    sb_buf_printf(b, "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%08llx%s\r\n", via_host, via_port,
                  branch_of(c, e, h), nat && !e->code ? ";rport" : "");
    if (!e->code)
        sb_buf_puts(b, "Max-Forwards: 70\r\n");
    unsigned long long ftag = h & 0xffffff, ttag = (h >> 24) & 0xffffff;
    bool to_tag = e->code > 100 || (e->method && strcmp(e->method, "INVITE") != 0 &&
                                    strcmp(e->method, "CANCEL") != 0);
    if (rev) {
        sb_buf_printf(b, "From: <sip:%s@%s>;tag=%06llx\r\nTo: <sip:%s@%s>;tag=%06llx", to_user,
                      callee_host, ttag, from_user, caller_host, ftag);
    } else {
        sb_buf_printf(b, "From: <sip:%s@%s>;tag=%06llx\r\nTo: <sip:%s@%s>", from_user,
                      caller_host, ftag, to_user, callee_host);
        if (to_tag)
            sb_buf_printf(b, ";tag=%06llx", ttag);
    }
    sb_buf_printf(b, "\r\nCall-ID: %s\r\nCSeq: %d %s\r\n", callid, e->cseq, e->cseq_method);
    bool invite_like = (e->method && !strcmp(e->method, "INVITE")) ||
                       (e->code >= 180 && e->code < 300 && !strcmp(e->cseq_method, "INVITE"));
    if (invite_like) {
        bool from_callee = e->code != 0;
        const char *ch = from_callee ? callee_host : caller_host;
        sb_buf_printf(b, "Contact: <sip:%s@%s:5060>\r\n", from_callee ? to_user : from_user, ch);
    }
    if (e->auth)
        sb_buf_printf(b, "Proxy-Authorization: Digest username=\"%s\", realm=\"sim.connexcs.net\", "
                         "nonce=\"%08llx\", uri=\"sip:%s@%s\", response=\"%016llx\", algorithm=MD5\r\n",
                      digest_user(c), (unsigned long long)(h >> 32), to_user, callee_host,
                      (unsigned long long)cxs_mix(h));
    if (e->code == 407)
        sb_buf_printf(b, "Proxy-Authenticate: Digest realm=\"sim.connexcs.net\", nonce=\"%08llx\", "
                         "algorithm=MD5, qop=\"auth\"\r\n", (unsigned long long)(h >> 32));
    if (e->leg == 0 && !e->code && (c->flags & CXS_F_ANYEDGE) && !strcmp(e->method, "INVITE"))
        sb_buf_puts(b, "X-AnyEdge-Host: anyedge-lon1.sim.connexcs.net\r\nX-Orig-IP: 203.0.113.61\r\n");
    if (e->leg == 1 && !e->code && !strcmp(e->method, "INVITE")) {
        if (c->flags & CXS_F_NAT)
            sb_buf_puts(b, "X-CX-NAT: true\r\nX-NAT-IDX: 1\r\n");
        sb_buf_printf(b, "X-Orig-IP: %s\r\n", c->src_ip);
    }
    /* the sender names itself: User-Agent on requests, Server on responses */
    sb_buf_printf(b, "%s: %s\r\n", e->code ? "Server" : "User-Agent", agent_of(c, e));
    sb_buf parts;
    sb_buf_init(&parts, 2048);
    if (e->sdp) {
        const char *mip = e->leg == 0 ? (e->sdp == 1 ? (nat ? "192.168.1.20" : c->src_ip) : "198.51.100.100")
                                      : (e->sdp == 1 ? "198.51.100.100" : carrier_ip(c));
        int port = 10000 + (int)((h >> 16) % 20000) * 2 + e->leg * 2;
        sdp(&parts, mip, port, (c->flags & CXS_F_CODEC) && e->sdp == 1, h + (uint64_t)idx);
        sb_buf_puts(b, "Content-Type: application/sdp\r\n");
    }
    sb_buf_printf(b, "Content-Length: %zu\r\n\r\n%s", parts.len, parts.data ? parts.data : "");
    sb_buf_free(&parts);
}

static void iso_time(int64_t us, char *out, size_t cap)
{
    char dt[24];
    cxs_fmt_dt(us / SEC, dt);
    dt[10] = 'T';
    snprintf(out, cap, "%sZ", dt);
    /* insert milliseconds before the Z */
    size_t l = strlen(out);
    if (l + 4 < cap) {
        snprintf(out + l - 1, cap - (l - 1), ".%03dZ", (int)((us % SEC) / MS));
    }
}

json_t *cxs_trace_json(const cxs_world *w, const cxs_cdr *c)
{
    json_t *arr = json_array();
    if (cxs_world_now(w) - c->dt >= CXS_TRACE_RETENTION_S || c->dt > cxs_world_now(w))
        return arr;
    flow f = {.n = 0};
    build_flow(c, &f);
    /* stable sort by time (the events are nearly ordered already) */
    for (int i = 1; i < f.n; i++)
        for (int j = i; j > 0 && f.ev[j - 1].us > f.ev[j].us; j--) {
            sip_ev tmp = f.ev[j];
            f.ev[j] = f.ev[j - 1];
            f.ev[j - 1] = tmp;
        }
    sb_buf b;
    sb_buf_init(&b, MSG_CAP);
    int64_t prev = 0;
    for (int i = 0; i < f.n; i++) {
        const sip_ev *e = &f.ev[i];
        ends en = ends_of(c, e);
        char date[40], method[16];
        iso_time(e->us, date, sizeof date);
        if (e->code)
            snprintf(method, sizeof method, "%d", e->code);
        else
            snprintf(method, sizeof method, "%s", e->method);
        sb_buf_reset(&b);
        render_msg(c, e, i, &b);
        const char *to_user = e->leg == 0 ? c->source_dest_number : c->dest_number;
        char ruri[96] = "";
        if (!e->code && reversed(e))
            snprintf(ruri, sizeof ruri, "sip:%s@%s", e->leg == 0 ? c->source_cli : c->dest_cli,
                     e->leg == 0 ? c->src_ip : CXS_SWITCH_IP);
        else if (!e->code)
            snprintf(ruri, sizeof ruri, "sip:%s@%s", to_user,
                     e->leg == 0 ? CXS_SWITCH_IP : carrier_ip(c));
        json_t *m = json_object();
        json_object_set_new(m, "id", json_integer((json_int_t)c->pos * 64 + i + 1));
        json_object_set_new(m, "date", json_string(date));
        json_object_set_new(m, "micro_ts", json_integer(e->us));
        json_object_set_new(m, "callid", json_string(e->leg == 0 ? c->callid : c->bleg_callid));
        json_object_set_new(m, "method", json_string(method));
        json_object_set_new(m, "reply_reason", json_string(e->code ? reason(e->code) : ""));
        json_object_set_new(m, "ruri", json_string(ruri));
        json_object_set_new(m, "ruri_user", json_string(e->code ? "" : to_user));
        json_object_set_new(m, "from_user", json_string(e->leg == 0 ? c->source_cli : c->dest_cli));
        json_object_set_new(m, "to_user", json_string(to_user));
        json_object_set_new(m, "user_agent", json_string(agent_of(c, e)));
        json_object_set_new(m, "source_ip", json_string(en.src_ip));
        json_object_set_new(m, "source_port", json_integer(en.src_port));
        json_object_set_new(m, "destination_ip", json_string(en.dst_ip));
        json_object_set_new(m, "destination_port", json_integer(en.dst_port));
        json_object_set_new(m, "protocol", json_string("UDP"));
        json_object_set_new(m, "msg", json_stringn(b.data ? b.data : "", b.len));
        json_object_set_new(m, "delta", json_integer(i == 0 ? 0 : e->us - prev));
        prev = e->us;
        json_array_append_new(arr, m);
    }
    sb_buf_free(&b);
    return arr;
}

/* ---- RTCP ---- */

json_t *cxs_rtcp_json(const cxs_world *w, const cxs_cdr *c, bool array_shape)
{
    (void)w;
    json_t *proc = json_array();
    int n = (c->flags & CXS_F_RTCP) && c->duration > 0 ? c->duration / 5 + 1 : 0;
    if (n > 24)
        n = 24;
    bool bad = c->flags & CXS_F_RTCP_BAD;
    double smos = 0, minmos = 10, sj = 0, maxj = 0, sl = 0, sr = 0;
    uint64_t h = cxs_mix(c->pos ^ 0x27c9);
    for (int i = 0; i < n; i++) {
        uint64_t x = cxs_mix(h + (uint64_t)i);
        double u1 = (double)(x & 0xffff) / 65535.0, u2 = (double)((x >> 16) & 0xffff) / 65535.0;
        double u3 = (double)((x >> 32) & 0xffff) / 65535.0, u4 = (double)(x >> 48) / 65535.0;
        double mos = round((bad ? 2.6 + 0.6 * u1 : 4.1 + 0.3 * u1) * 100) / 100;
        double jit = round((bad ? 35 + 25 * u2 : 2 + 10 * u2) * 10) / 10;
        double loss = round((bad ? 2 + 3 * u3 : 0.4 * u3) * 100) / 100;
        double rtt = round(bad ? 250 + 130 * u4 : 20 + 100 * u4);
        char ts[40], ssrc[16];
        iso_time((c->dt + (c->pdd_in / 1000) + c->ring_duration + 5 * (i + 1)) * SEC, ts, sizeof ts);
        snprintf(ssrc, sizeof ssrc, "0x%08x", (unsigned)(h >> (i % 2 ? 32 : 0)));
        bool in = i % 2 == 0;
        json_array_append_new(
            proc, json_pack("{s:s, s:f, s:f, s:f, s:f, s:s, s:s, s:s, s:s, s:f}", "timestamp", ts,
                            "mos", mos, "jitter", jit, "packet_loss", loss, "rtt", rtt, "ssrc",
                            ssrc, "src", in ? c->src_ip : "198.51.100.100", "dst",
                            in ? "198.51.100.100" : c->src_ip, "direction",
                            in ? "inbound" : "outbound", "r_factor",
                            round((mos - 1.0) * 22.0 * 10) / 10));
        smos += mos, sj += jit, sl += loss, sr += rtt;
        minmos = mos < minmos ? mos : minmos;
        maxj = jit > maxj ? jit : maxj;
    }
    if (array_shape)
        return proc;
    json_t *agg = json_object();
    if (n > 0) {
        json_object_set_new(agg, "mos_avg", json_real(round(smos / n * 100) / 100));
        json_object_set_new(agg, "mos_min", json_real(minmos));
        json_object_set_new(agg, "jitter_avg", json_real(round(sj / n * 100) / 100));
        json_object_set_new(agg, "jitter_max", json_real(maxj));
        json_object_set_new(agg, "packet_loss_avg", json_real(round(sl / n * 100) / 100));
        json_object_set_new(agg, "rtt_avg", json_real(round(sr / n * 100) / 100));
        json_object_set_new(agg, "samples", json_integer(n));
    }
    return json_pack("{s:o, s:o}", "processed", proc, "aggregate", agg);
}

/* ---- Class 5, AI agent, transcription ---- */

static void stamp(int64_t t, char *out) { cxs_fmt_dt(t, out); }

json_t *cxs_class5_json(const cxs_cdr *c)
{
    json_t *a = json_array();
    if (!(c->flags & CXS_F_CLASS5) || c->sip_code != 200)
        return a;
    int64_t t = c->dt + c->pdd_in / 1000 + c->ring_duration;
    static const char *const ev[][2] = {
        {"answer", "IVR main menu"}, {"play", "welcome-main.wav"}, {"dtmf", "2"},
        {"play", "queue-hold.wav"},  {"queue", "support"},          {"agent", "ext 204"},
        {"hangup", "normal clearing"},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
        char ts[24];
        int64_t at = i + 1 == sizeof ev / sizeof ev[0] ? t + c->duration : t + (int64_t)i * 4;
        stamp(at, ts);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "time", ts, "event", ev[i][0],
                                           "value", ev[i][1]));
    }
    return a;
}

json_t *cxs_ai_json(const cxs_cdr *c)
{
    json_t *a = json_array();
    if (!(c->flags & CXS_F_AI) || c->sip_code != 200)
        return a;
    static const char *const said[][2] = {
        {"Hi, I'd like to check my order status.", "Sure. Can you give me the order number?"},
        {"It's 4 4 7 1 9.", "Thanks. Order 44719 shipped yesterday and arrives Friday."},
        {"Great, thank you.", "You're welcome. Anything else I can help with?"},
    };
    static const char *const stage[] = {"stt", "llm", "tts"};
    int64_t t = c->dt + c->pdd_in / 1000 + c->ring_duration + 2;
    uint64_t h = cxs_mix(c->pos ^ 0xa1);
    for (int turn = 0; turn < 3; turn++)
        for (int s = 0; s < 3; s++) {
            char ts[24];
            stamp(t + turn * 9 + s * 2, ts);
            int ttfb = 120 + (int)((h >> (turn * 8 + s * 3)) % 200) + (s == 1 ? 250 : 0);
            json_array_append_new(
                a, json_pack("{s:s, s:i, s:s, s:s, s:i, s:i, s:s}", "time", ts, "turn", turn + 1,
                             "stage", stage[s], "text", s == 0 ? said[turn][0] : said[turn][1],
                             "ttfb_ms", ttfb, "latency_ms", ttfb + 180 + s * 60, "model",
                             s == 0 ? "whisper-large-v3" : s == 1 ? "gpt-4o-mini" : "eleven-turbo-v2"));
        }
    return a;
}

json_t *cxs_transcript_json(const cxs_cdr *c)
{
    json_t *a = json_array();
    if (!(c->flags & CXS_F_TRANSCRIBE) || c->sip_code != 200)
        return a;
    static const char *const lines[][2] = {
        {"callee", "Good morning, accounts department."},
        {"caller", "Hello, I'm calling about invoice INV-2291, I think we were charged twice."},
        {"callee", "Let me check that for you. Yes, I can see a duplicate charge."},
        {"callee", "I've raised a refund; it will show within three working days."},
        {"caller", "Perfect, thanks for your help."},
    };
    int64_t t = c->dt + c->pdd_in / 1000 + c->ring_duration;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char ts[24];
        stamp(t + (int64_t)i * (c->duration / 6 + 1), ts);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:f}", "time", ts, "speaker",
                                           (c->flags & CXS_F_AI) && !strcmp(lines[i][0], "callee")
                                               ? "agent" : lines[i][0],
                                           "text", lines[i][1], "confidence",
                                           0.86 + 0.02 * (double)(i % 4)));
    }
    return a;
}

/* ---- call log entry ---- */

static json_t *log_trail(const cxs_cdr *c)
{
    const cxs_customer *cu = cxs_customer_by_id(c->customer_id);
    const cxs_provider *pv = cxs_provider_by_id(c->provider_id);
    size_t nd;
    const cxs_dest *d = cxs_dests(&nd);
    char line[256];
    json_t *a = json_array();
    if (c->sip_code == 580) {
        snprintf(line, sizeof line, "Ingress: no routing profile matches %s:%d for %s", c->src_ip,
                 c->src_port, c->source_dest_number);
        json_array_append_new(a, json_string(line));
        json_array_append_new(a, json_string("580 No Route Available"));
        return a;
    }
    snprintf(line, sizeof line, "Ingress: IP %s authenticated as customer %d (%s)", c->src_ip,
             c->customer_id, cu ? cu->name : "?");
    json_array_append_new(a, json_string(line));
    snprintf(line, sizeof line, "CLI %s matched rule: allow", c->source_cli);
    json_array_append_new(a, json_string(line));
    if (c->dest < 0) {
        snprintf(line, sizeof line, "No rate card rule for %s on %s (active revision)",
                 c->dest_number, c->customer_card);
        json_array_append_new(a, json_string(line));
        snprintf(line, sizeof line, "%d %s", c->sip_code, c->sip_reason);
        json_array_append_new(a, json_string(line));
        return a;
    }
    snprintf(line, sizeof line, "Rate card %s: prefix %s (%s) %.4f %s/min", c->customer_card,
             d[c->dest].code, d[c->dest].name, c->customer_rate, c->customer_currency);
    json_array_append_new(a, json_string(line));
    snprintf(line, sizeof line, "Egress %d: %s (%d) via %s", c->branch_idx + 1,
             pv ? pv->name : "?", c->provider_id, c->provider_card);
    json_array_append_new(a, json_string(line));
    snprintf(line, sizeof line, "Result: %d %s", c->sip_code, c->sip_reason);
    json_array_append_new(a, json_string(line));
    return a;
}

json_t *cxs_log_entry_json(const cxs_world *w, const cxs_cdr *c)
{
    (void)w;
    const cxs_card *card = cxs_card_by_id(c->customer_card);
    int64_t end = c->dt + c->pdd_in / 1000 + c->ring_duration + c->duration;
    json_t *r = json_object();
    json_object_set_new(r, "callid", json_string(c->callid));
    json_object_set_new(r, "callidb", json_string(c->callidb));
    json_object_set_new(r, "cli", json_string(c->source_cli));
    json_object_set_new(r, "ou", json_string(c->source_dest_number));
    json_object_set_new(r, "switch", json_string(CXS_SWITCH_IP));
    json_object_set_new(r, "server", json_string("198.51.100.11"));
    json_object_set_new(r, "sip_code", json_integer(c->sip_code));
    json_object_set_new(r, "sip_reason", json_string(c->sip_reason));
    json_object_set_new(r, "start_time", json_integer(c->dt));
    json_object_set_new(r, "end_time", json_integer(end));
    json_object_set_new(r, "account_id", json_integer(c->customer_id));
    json_object_set_new(r, "offer_auth", json_boolean(c->flags & CXS_F_AUTH));
    json_object_set_new(r, "re", json_string(c->release_reason ? c->release_reason : ""));
    json_object_set_new(r, "log", log_trail(c));
    json_t *egress = json_array();
    if (c->provider_id)
        json_array_append_new(egress, json_pack("{s:i, s:s, s:f, s:s, s:i}", "provider_id",
                                                c->provider_id, "card_id", c->provider_card,
                                                "rate", c->provider_rate, "rtp_server_id",
                                                "rtp-lon1", "sip_code", c->sip_code));
    json_object_set_new(r, "attempts", json_deep_copy(egress));
    json_object_set_new(r, "egress_routing", egress);
    json_object_set_new(r, "card_rev", json_integer(card ? card->active_rev : 0));
    json_object_set_new(r, "profile", json_pack("{s:i, s:i, s:i}", "auth", 2, "ingress", 4,
                                                "total", 9 + (int)(c->pos % 7)));
    json_t *params = json_object();
    json_object_set_new(params, "switch", json_string(CXS_SWITCH_IP));
    json_object_set_new(params, "oU", json_string(c->source_dest_number));
    json_object_set_new(params, "fU", json_string(c->source_cli));
    json_object_set_new(params, "callid", json_string(c->callid));
    json_object_set_new(params, "userAgent", json_string(c->user_agent));
    json_object_set_new(params, "si", json_string(c->src_ip));
    json_object_set_new(params, "sp", json_integer(c->src_port));
    json_object_set_new(params, "rtp_ip", json_string("198.51.100.100"));
    json_object_set_new(params, "proto", json_string("udp"));
    json_object_set_new(params, "x_orig_ip", json_string(c->flags & CXS_F_ANYEDGE ? "203.0.113.61" : c->src_ip));
    if (c->flags & CXS_F_ANYEDGE)
        json_object_set_new(params, "x_anyedge_host", json_string("anyedge-lon1.sim.connexcs.net"));
    json_object_set_new(r, "params", params);
    json_object_set_new(r, "meta", json_object());
    json_object_set_new(r, "p", json_object());
    if (c->sip_code == 200)
        json_object_set_new(r, "ok", json_pack("{s:i, s:s, s:s, s:i}", "duration", c->duration,
                                               "callid_b", c->bleg_callid, "release_reason",
                                               c->release_reason, "provider_id", c->provider_id));
    return json_pack("{s:o}", "routing", r);
}

bool cxs_log_match(const cxs_cdr *c, const char *term)
{
    const char *fields[] = {c->source_cli, c->dest_cli, c->dest_number, c->source_dest_number,
                            c->callid, c->bleg_callid, c->callidb, c->src_ip};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcasestr(fields[i], term))
            return true;
    return strstr(CXS_SWITCH_IP, term) || strstr("198.51.100.100", term);
}
