/* Captures built in memory, byte by byte, for what is hard to get on a loopback: every link
 * type (Ethernet, 802.1Q, QinQ, SLL, SLL2, null, raw), IPv4 and IPv6 fragments out of order,
 * IP-in-IP, SIP on an unusual port, TCP with messages split over segments, several messages in
 * one segment, out-of-order, retransmitted and overlapping segments; plus the record-list path
 * (a ConnexCS trace): B2BUA legs, OPTIONS noise, early media with PRACK, RTP loss over the
 * sequence wrap, and many calls streamed through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_read.h"
#include "sip/sip_render.h"

/* ---- a growable byte buffer and the pcap writer ------------------------------------------ */

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
} wbuf;

static void put(wbuf *w, const void *d, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2 + 4096;
        w->p = realloc(w->p, w->cap);
        assert_non_null(w->p);
    }
    memcpy(w->p + w->n, d, n);
    w->n += n;
}

static void le32(wbuf *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, b, 4);
}

static void pcap_begin(wbuf *w, uint32_t linktype)
{
    le32(w, 0xa1b2c3d4);
    uint8_t ver[4] = {2, 0, 4, 0};
    put(w, ver, 4);
    le32(w, 0);
    le32(w, 0);
    le32(w, 262144);
    le32(w, linktype);
}

static int64_t clock_us = 1795278619000000LL;

static void pcap_rec(wbuf *w, const uint8_t *f, size_t n)
{
    clock_us += 1000;
    le32(w, (uint32_t)(clock_us / 1000000));
    le32(w, (uint32_t)(clock_us % 1000000));
    le32(w, (uint32_t)n);
    le32(w, (uint32_t)n);
    put(w, f, n);
}

/* ---- packet builders --------------------------------------------------------------------- */

static void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, (uint16_t)(v >> 16));
    be16(p + 2, (uint16_t)v);
}

static const uint8_t A4[4] = {10, 0, 0, 1}, B4[4] = {10, 0, 0, 2};
static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, B6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static size_t ipv4(uint8_t *o, const uint8_t *s, const uint8_t *d, uint8_t proto,
                   const uint8_t *pl, size_t n, uint16_t id, uint16_t frag)
{
    memset(o, 0, 20);
    o[0] = 0x45;
    be16(o + 2, (uint16_t)(20 + n));
    be16(o + 4, id);
    be16(o + 6, frag);
    o[8] = 64;
    o[9] = proto;
    memcpy(o + 12, s, 4);
    memcpy(o + 16, d, 4);
    memcpy(o + 20, pl, n);
    return 20 + n;
}

static size_t ipv6(uint8_t *o, const uint8_t *s, const uint8_t *d, uint8_t nh, const uint8_t *pl,
                   size_t n)
{
    memset(o, 0, 40);
    o[0] = 0x60;
    be16(o + 4, (uint16_t)n);
    o[6] = nh;
    o[7] = 64;
    memcpy(o + 8, s, 16);
    memcpy(o + 24, d, 16);
    memcpy(o + 40, pl, n);
    return 40 + n;
}

static size_t udp(uint8_t *o, uint16_t sp, uint16_t dp, const void *d, size_t n)
{
    be16(o, sp);
    be16(o + 2, dp);
    be16(o + 4, (uint16_t)(8 + n));
    be16(o + 6, 0);
    memcpy(o + 8, d, n);
    return 8 + n;
}

static size_t tcp(uint8_t *o, uint16_t sp, uint16_t dp, uint32_t seq, uint8_t flags,
                  const void *d, size_t n)
{
    memset(o, 0, 20);
    be16(o, sp);
    be16(o + 2, dp);
    be32(o + 4, seq);
    o[12] = 5 << 4;
    o[13] = flags;
    be16(o + 14, 65535);
    memcpy(o + 20, d, n);
    return 20 + n;
}

typedef enum { L_ETH, L_VLAN, L_QINQ, L_SLL, L_SLL2, L_NULL, L_RAW } link_kind;

static const uint32_t linktypes[] = {1, 1, 1, 113, 276, 0, 101};

/* Wraps an IP packet in the link layer and writes the record. */
static void emit(wbuf *w, link_kind k, const uint8_t *ip, size_t n)
{
    uint8_t f[70000];
    size_t o = 0;
    uint16_t et = (ip[0] >> 4) == 6 ? 0x86dd : 0x0800;
    switch (k) {
    case L_ETH:
    case L_VLAN:
    case L_QINQ:
        memset(f, 0x02, 12);
        o = 12;
        if (k == L_QINQ) {
            be16(f + o, 0x88a8);
            be16(f + o + 2, 100);
            o += 4;
        }
        if (k != L_ETH) {
            be16(f + o, 0x8100);
            be16(f + o + 2, 200);
            o += 4;
        }
        be16(f + o, et);
        o += 2;
        break;
    case L_SLL:
        memset(f, 0, 16);
        be16(f + 2, 1);
        be16(f + 4, 6);
        be16(f + 14, et);
        o = 16;
        break;
    case L_SLL2:
        memset(f, 0, 20);
        be16(f, et);
        be16(f + 8, 1);
        f[11] = 6;
        o = 20;
        break;
    case L_NULL:
        f[0] = (ip[0] >> 4) == 6 ? 30 : 2;
        f[1] = f[2] = f[3] = 0;
        o = 4;
        break;
    case L_RAW:
        break;
    }
    memcpy(f + o, ip, n);
    pcap_rec(w, f, o + n);
}

/* ---- the call ---------------------------------------------------------------------------- */

static char *call_msg(int i, const char *cid)
{
    static const char sdp_a[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
                                "m=audio 6000 RTP/AVP 8 0\r\n";
    static const char sdp_b[] = "v=0\r\no=- 2 2 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
                                "m=audio 6100 RTP/AVP 8\r\n";
    char pad[1601];
    memset(pad, 'x', 1600);
    pad[1600] = 0;
    const char *hdr = "From: <sip:100@10.0.0.1>;tag=a1\r\nCall-ID: %s\r\n";
    char *m = NULL;
    char fh[256];
    snprintf(fh, sizeof fh, hdr, cid);
    switch (i) {
    case 0:
        assert_true(asprintf(&m, "INVITE sip:200@10.0.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinv\r\n"
                                 "%sTo: <sip:200@10.0.0.2>\r\nCSeq: 1 INVITE\r\nContact: <sip:100@10.0.0.1:5060>\r\n"
                                 "X-Pad: %s\r\nContent-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
                             fh, pad, strlen(sdp_a), sdp_a) > 0);
        break;
    case 1:
        assert_true(asprintf(&m, "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinv\r\n"
                                 "%sTo: <sip:200@10.0.0.2>;tag=b1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", fh) > 0);
        break;
    case 2:
        assert_true(asprintf(&m, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinv\r\n"
                                 "%sTo: <sip:200@10.0.0.2>;tag=b1\r\nCSeq: 1 INVITE\r\nContact: <sip:200@10.0.0.2:5080>\r\n"
                                 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
                             fh, strlen(sdp_b), sdp_b) > 0);
        break;
    case 3:
        assert_true(asprintf(&m, "ACK sip:200@10.0.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKack\r\n"
                                 "%sTo: <sip:200@10.0.0.2>;tag=b1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", fh) > 0);
        break;
    case 4:
        assert_true(asprintf(&m, "BYE sip:200@10.0.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKbye\r\n"
                                 "%sTo: <sip:200@10.0.0.2>;tag=b1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", fh) > 0);
        break;
    default:
        assert_true(asprintf(&m, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKbye\r\n"
                                 "%sTo: <sip:200@10.0.0.2>;tag=b1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", fh) > 0);
        break;
    }
    return m;
}

static bool from_a(int i)
{
    return i == 0 || i == 3 || i == 4;
}

static sip_report *read_buf(const wbuf *w)
{
    sip_engine *e = sip_engine_new(NULL);
    char err[256];
    sip_read_stats s;
    int rc = sip_read_buffer(w->p, w->n, e, NULL, &s, err, sizeof err);
    if (rc < 0)
        fail_msg("%s", err);
    sip_report *r = sip_engine_finish(e);
    sip_read_stats_to_report(&s, r);
    return r;
}

static sip_report *read_buf_threads(const wbuf *w, unsigned threads)
{
    sip_engine *e = sip_engine_new(NULL);
    char err[256];
    sip_read_stats s;
    sip_read_opts o = {.threads = threads};
    if (sip_read_buffer(w->p, w->n, e, &o, &s, err, sizeof err) < 0)
        fail_msg("%s", err);
    sip_report *r = sip_engine_finish(e);
    sip_read_stats_to_report(&s, r);
    return r;
}

static void expect_one_call(const sip_report *r, int family, uint16_t caller_port)
{
    assert_int_equal(r->n_calls, 1);
    const sip_call *c = &r->calls[0];
    assert_int_equal(c->n_msgs, 6);
    assert_int_equal(c->outcome, SIP_OUT_ANSWERED);
    assert_int_equal(c->n_retrans, 0);
    assert_int_equal(c->caller.family, family);
    assert_int_equal(c->caller.port, caller_port);
    assert_true(c->t.talk_ms >= 0);
    assert_string_equal(c->codec, "PCMA");
}

/* UDP over every link type, fragmented when fragment is set (fragments sent last-first). */
static void build_udp(wbuf *w, link_kind k, bool v6, bool fragment, bool ipip, uint16_t port)
{
    pcap_begin(w, linktypes[k]);
    for (int i = 0; i < 6; i++) {
        char *m = call_msg(i, "synthetic-1");
        uint8_t u[4000], ip[5000], outer[5100];
        size_t un = udp(u, from_a(i) ? 5060 : port, from_a(i) ? port : 5060, m, strlen(m));
        const uint8_t *s = from_a(i) ? (v6 ? A6 : A4) : (v6 ? B6 : B4);
        const uint8_t *d = from_a(i) ? (v6 ? B6 : B4) : (v6 ? A6 : A4);
        if (fragment && un > 1000) {
            /* three fragments of 800/800/rest, sent in the order 3, 1, 2 */
            size_t off[3] = {0, 800, 1600};
            int order[3] = {2, 0, 1};
            for (int j = 0; j < 3; j++) {
                size_t o = off[order[j]], len = order[j] == 2 ? un - 1600 : 800;
                bool more = order[j] != 2;
                size_t n;
                if (v6) {
                    uint8_t fh[8 + 900];
                    fh[0] = 17;
                    fh[1] = 0;
                    be16(fh + 2, (uint16_t)((o / 8) << 3 | (more ? 1 : 0)));
                    be32(fh + 4, 0x1234);
                    memcpy(fh + 8, u + o, len);
                    n = ipv6(ip, s, d, 44, fh, 8 + len);
                } else {
                    n = ipv4(ip, s, d, 17, u + o, len, 0x4242, (uint16_t)((more ? 0x2000 : 0) | (o / 8)));
                }
                emit(w, k, ip, n);
            }
        } else {
            size_t n = v6 ? ipv6(ip, s, d, 17, u, un) : ipv4(ip, s, d, 17, u, un, (uint16_t)i, 0);
            if (ipip) {
                size_t on = ipv4(outer, (const uint8_t[]){192, 0, 2, 1}, (const uint8_t[]){192, 0, 2, 2}, 4, ip, n, 7, 0);
                emit(w, k, outer, on);
            } else {
                emit(w, k, ip, n);
            }
        }
        free(m);
    }
}

/* With the engine on its own thread the classic-pcap reader parses and stages messages in
 * place in its read blocks, and recycles a block only once the engine has consumed what points
 * into it. Calls separated by megabytes of frames that stage nothing (so the batch holding a
 * call's first messages is still being filled when its block comes round again) give the
 * same report with one thread and with two. */
static void pipeline_blocks_recycled(void **st)
{
    (void)st;
    wbuf w = {0};
    pcap_begin(&w, 1);
    static uint8_t arp[1514];
    memset(arp, 0x02, 12);
    be16(arp + 12, 0x0806);
    for (int c = 0; c < 6; c++) {
        char cid[32];
        snprintf(cid, sizeof cid, "blocks-%d", c);
        for (int i = 0; i < 6; i++) {
            char *m = call_msg(i, cid);
            uint8_t u[4000], ip[4100];
            size_t un = udp(u, from_a(i) ? 5060 : 5080, from_a(i) ? 5080 : 5060, m, strlen(m));
            size_t n = ipv4(ip, from_a(i) ? A4 : B4, from_a(i) ? B4 : A4, 17, u, un, (uint16_t)i, 0);
            emit(&w, L_ETH, ip, n);
            free(m);
            for (int k = 0; i % 2 == 0 && k < 1000; k++)
                pcap_rec(&w, arp, sizeof arp);
        }
    }
    sip_report *one = read_buf_threads(&w, 1), *two = read_buf_threads(&w, 2);
    assert_int_equal(one->n_calls, 6);
    assert_int_equal(one->n_messages, 36);
    assert_int_equal(one->by_outcome[SIP_OUT_ANSWERED], 6);
    assert_int_equal(two->n_calls, one->n_calls);
    assert_int_equal(two->n_messages, one->n_messages);
    assert_int_equal(two->n_frames, one->n_frames);
    assert_int_equal(two->by_outcome[SIP_OUT_ANSWERED], 6);
    for (size_t i = 0; i < two->n_calls; i++) {
        assert_string_equal(two->calls[i].call_id, one->calls[i].call_id);
        assert_int_equal(two->calls[i].n_msgs, 6);
        assert_int_equal(two->calls[i].final_code, 200);
        assert_true(two->calls[i].t.talk_ms == one->calls[i].t.talk_ms);
    }
    sip_report_free(one);
    sip_report_free(two);
    free(w.p);
}

static void link_types(void **st)
{
    (void)st;
    for (link_kind k = L_ETH; k <= L_RAW; k++) {
        wbuf w = {0};
        build_udp(&w, k, false, false, false, 5080);
        sip_report *r = read_buf(&w);
        expect_one_call(r, 4, 5060);
        sip_report_free(r);
        free(w.p);
        memset(&w, 0, sizeof w);
        build_udp(&w, k, true, false, false, 5080);
        r = read_buf(&w);
        expect_one_call(r, 6, 5060);
        sip_report_free(r);
        free(w.p);
    }
}

static void fragments_ipip_ports(void **st)
{
    (void)st;
    wbuf w = {0};
    build_udp(&w, L_VLAN, false, true, false, 5080);
    sip_report *r = read_buf(&w);
    expect_one_call(r, 4, 5060);
    assert_int_equal(r->n_ip_fragments, 3);
    sip_report_free(r);
    free(w.p);
    memset(&w, 0, sizeof w);
    build_udp(&w, L_ETH, true, true, false, 5080);
    r = read_buf(&w);
    expect_one_call(r, 6, 5060);
    assert_int_equal(r->n_ip_fragments, 3);
    sip_report_free(r);
    free(w.p);
    memset(&w, 0, sizeof w);
    build_udp(&w, L_ETH, false, false, true, 5080);
    r = read_buf(&w);
    expect_one_call(r, 4, 5060);
    sip_report_free(r);
    free(w.p);
    memset(&w, 0, sizeof w);
    build_udp(&w, L_SLL2, false, false, false, 7777); /* SIP recognised by content */
    r = read_buf(&w);
    expect_one_call(r, 4, 5060);
    assert_int_equal(r->calls[0].callee.port, 7777);
    sip_report_free(r);
    free(w.p);
}

static void fragment_flood_is_bounded(void **st)
{
    (void)st;
    wbuf w = {0};
    pcap_begin(&w, 101);
    uint8_t data[512], ip[600];
    memset(data, 'A', sizeof data);
    for (uint32_t i = 0; i < 20000; i++) { /* first fragments that never complete */
        size_t n = ipv4(ip, A4, B4, 17, data, sizeof data, (uint16_t)i, 0x2000);
        pcap_rec(&w, ip, n);
    }
    sip_report *r = read_buf(&w);
    assert_int_equal(r->n_calls, 0);
    assert_int_equal(r->n_ip_fragments, 20000);
    sip_report_free(r);
    free(w.p);
}

/* TCP: A->B carries INVITE, ACK, BYE; B->A 180, 200, 200. Segments of 97 bytes; the INVITE's
 * second segment comes before its first, the first is retransmitted, one segment overlaps,
 * and ACK + BYE share one segment. */
static void tcp_reassembly(void **st)
{
    (void)st;
    wbuf w = {0};
    pcap_begin(&w, 1);
    uint32_t seq[2] = {1000, 5000};
    uint8_t t[70000], ip[70000];
    for (int dir = 0; dir < 2; dir++) {
        size_t n = tcp(t, dir ? 5080 : 5060, dir ? 5060 : 5080, seq[dir] - 1, 0x02, "", 0);
        n = ipv4(ip, dir ? B4 : A4, dir ? A4 : B4, 6, t, n, 1, 0);
        emit(&w, L_ETH, ip, n);
    }
    for (int i = 0; i < 6; i++) {
        if (i == 4)
            continue; /* sent together with the ACK */
        int dir = from_a(i) ? 0 : 1;
        char *m = call_msg(i, "synthetic-tcp");
        if (i == 3) {
            char *bye = call_msg(4, "synthetic-tcp");
            char *both = NULL;
            assert_true(asprintf(&both, "%s%s", m, bye) > 0);
            free(m);
            free(bye);
            m = both;
        }
        size_t len = strlen(m), chunk = 97;
        size_t nseg = (len + chunk - 1) / chunk;
        for (size_t s = 0; s < nseg; s++) {
            size_t k = s;
            if (i == 0 && s < 2)
                k = 1 - s; /* swap the first two segments */
            size_t off = k * chunk, l = off + chunk > len ? len - off : chunk;
            size_t n = tcp(t, dir ? 5080 : 5060, dir ? 5060 : 5080, seq[dir] + (uint32_t)off, 0x18,
                           m + off, l);
            n = ipv4(ip, dir ? B4 : A4, dir ? A4 : B4, 6, t, n, 1, 0);
            emit(&w, L_ETH, ip, n);
            if (i == 0 && s == 1) { /* retransmission of segment 0 and an overlapping one */
                n = tcp(t, 5060, 5080, seq[0], 0x18, m, chunk);
                n = ipv4(ip, A4, B4, 6, t, n, 1, 0);
                emit(&w, L_ETH, ip, n);
                n = tcp(t, 5060, 5080, seq[0] + 50, 0x18, m + 50, chunk * 2);
                n = ipv4(ip, A4, B4, 6, t, n, 1, 0);
                emit(&w, L_ETH, ip, n);
            }
        }
        seq[dir] += (uint32_t)len;
        free(m);
    }
    /* garbage on another connection must not disturb anything */
    size_t n = tcp(t, 40000, 80, 1, 0x18, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
    n = ipv4(ip, A4, B4, 6, t, n, 1, 0);
    emit(&w, L_ETH, ip, n);
    sip_report *r = read_buf(&w);
    expect_one_call(r, 4, 5060);
    assert_int_equal(r->n_tcp_streams, 3);
    assert_int_equal(r->n_messages, 6);
    sip_report_free(r);
    free(w.p);
}

/* Plain SIP text: a timestamp line (with "src -> dst") before each message; detected as such. */
static void plain_text_log(void **st)
{
    (void)st;
    wbuf w = {0};
    for (int i = 0; i < 6; i++) {
        char *m = call_msg(i, "text-1");
        char line[160];
        int n = snprintf(line, sizeof line, "2026-11-21 16:30:%02d.%06d UDP %s -> %s\n", 10 + i, i * 1000,
                         from_a(i) ? "10.0.0.1:5060" : "10.0.0.2:5080",
                         from_a(i) ? "10.0.0.2:5080" : "10.0.0.1:5060");
        put(&w, line, (size_t)n);
        put(&w, m, strlen(m));
        put(&w, "\n", 1);
        free(m);
    }
    assert_int_equal(sip_format_detect(w.p, w.n), SIP_FMT_SIP_TEXT);
    sip_report *r = read_buf(&w);
    assert_string_equal(r->source_format, "sip-text");
    expect_one_call(r, 4, 5060);
    assert_int_equal(r->calls[0].callee.port, 5080);
    assert_true(r->calls[0].t.talk_ms > 2001 && r->calls[0].t.talk_ms < 2003); /* 14.004 - 12.002 */
    sip_report_free(r);
    free(w.p);
}

/* ---- the record-list path (ConnexCS traces) -------------------------------------------------- */

typedef struct recs {
    sip_record r[64];
    char *text[64];
    size_t n;
} recs;

static void add(recs *rs, int64_t t_ms, const char *src, const char *dst, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add(recs *rs, int64_t t_ms, const char *src, const char *dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    assert_true(vasprintf(&s, fmt, ap) > 0);
    va_end(ap);
    sip_record *r = &rs->r[rs->n];
    memset(r, 0, sizeof *r);
    r->time_us = 1795278619000000LL + t_ms * 1000;
    assert_int_equal(sip_addr_parse(src, strlen(src), &r->src), 0);
    assert_int_equal(sip_addr_parse(dst, strlen(dst), &r->dst), 0);
    r->data = s;
    r->len = strlen(s);
    rs->text[rs->n++] = s;
}

static void recs_free(recs *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->text[i]);
}

#define HDRS(cid, ftag, ttag, cseq, meth, branch)                                                   \
    "Via: SIP/2.0/UDP %s;branch=" branch "\r\nFrom: <sip:100@x>;tag=" ftag "\r\nTo: <sip:%s@y>" ttag \
    "\r\nCall-ID: " cid "\r\nCSeq: " cseq " " meth "\r\n"

static void b2bua_legs_and_options(void **st)
{
    (void)st;
    recs rs = {0};
    /* leg A: phone -> SBC; leg B: SBC -> carrier, names leg A in X-CID */
    add(&rs, 0, "198.51.100.10:5060", "203.0.113.1:5060",
        "INVITE sip:4420@203.0.113.1 SIP/2.0\r\n" HDRS("legA", "a", "", "1", "INVITE", "z9hG4bKa1") "Content-Length: 0\r\n\r\n",
        "198.51.100.10:5060", "4420");
    add(&rs, 20, "203.0.113.1:5070", "192.0.2.50:5060",
        "INVITE sip:4420@192.0.2.50 SIP/2.0\r\n" HDRS("legB", "b", "", "1", "INVITE", "z9hG4bKb1") "X-CID: legA\r\nContent-Length: 0\r\n\r\n",
        "203.0.113.1:5070", "4420");
    add(&rs, 400, "192.0.2.50:5060", "203.0.113.1:5070",
        "SIP/2.0 486 Busy Here\r\n" HDRS("legB", "b", ";tag=c", "1", "INVITE", "z9hG4bKb1") "Reason: Q.850;cause=17\r\nContent-Length: 0\r\n\r\n",
        "203.0.113.1:5070", "4420");
    add(&rs, 410, "203.0.113.1:5060", "198.51.100.10:5060",
        "SIP/2.0 486 Busy Here\r\n" HDRS("legA", "a", ";tag=s", "1", "INVITE", "z9hG4bKa1") "Content-Length: 0\r\n\r\n",
        "198.51.100.10:5060", "4420");
    /* a second B2BUA call without X-CID: same number, shortly after, from the SBC's address */
    add(&rs, 1000, "198.51.100.11:5060", "203.0.113.1:5060",
        "INVITE sip:4499887766@203.0.113.1 SIP/2.0\r\n" HDRS("legC", "a", "", "1", "INVITE", "z9hG4bKc1") "Content-Length: 0\r\n\r\n",
        "198.51.100.11:5060", "4499887766");
    add(&rs, 1030, "203.0.113.1:5070", "192.0.2.50:5060",
        "INVITE sip:+4499887766@192.0.2.50 SIP/2.0\r\n" HDRS("legD", "b", "", "1", "INVITE", "z9hG4bKd1") "Content-Length: 0\r\n\r\n",
        "203.0.113.1:5070", "+4499887766");
    /* OPTIONS keep-alives: not calls, not in the ASR */
    for (int i = 0; i < 3; i++) {
        add(&rs, 2000 + i * 10, "192.0.2.50:5060", "203.0.113.1:5070",
            "OPTIONS sip:203.0.113.1 SIP/2.0\r\n" HDRS("opt%d", "o", "", "1", "OPTIONS", "z9hG4bKo") "Content-Length: 0\r\n\r\n",
            "192.0.2.50:5060", "ping", i);
        add(&rs, 2001 + i * 10, "203.0.113.1:5070", "192.0.2.50:5060",
            "SIP/2.0 200 OK\r\n" HDRS("opt%d", "o", ";tag=p", "1", "OPTIONS", "z9hG4bKo") "Content-Length: 0\r\n\r\n",
            "192.0.2.50:5060", "ping", i);
    }
    sip_report *r = sip_analyze_records(rs.r, rs.n, &(sip_engine_opts){.keep_messages = true});
    assert_int_equal(r->n_calls, 7);
    assert_int_equal(r->n_invite_calls, 4);
    assert_int_equal(r->n_options, 3);
    assert_int_equal(r->n_leg_groups, 2);
    const sip_call *a = sip_report_find_call(r, "legA"), *b = sip_report_find_call(r, "legB");
    const sip_call *c = sip_report_find_call(r, "legC"), *d = sip_report_find_call(r, "legD");
    assert_true(a->leg_group >= 0 && a->leg_group == b->leg_group);
    assert_true(c->leg_group >= 0 && c->leg_group == d->leg_group && c->leg_group != a->leg_group);
    assert_int_equal(b->q850, 17);
    size_t idx[8];
    size_t n = sip_report_legs(r, (size_t)(a - r->calls), idx, 8);
    assert_int_equal(n, 2);
    char *l = sip_ladder_text(r, idx, n, false);
    assert_non_null(strstr(l, "Call-ID legA"));
    assert_non_null(strstr(l, "Call-ID legB"));
    assert_non_null(strstr(l, "192.0.2.50:5060"));
    free(l);
    for (size_t i = 0; i < r->n_calls; i++)
        if (r->calls[i].kind == SIP_KIND_OPTIONS)
            assert_int_equal(r->calls[i].outcome, SIP_OUT_ANSWERED);
    sip_report_free(r);
    recs_free(&rs);
}

/* A registration refreshed on the same Call-ID: each REGISTER transaction is its own record,
 * so a failing refresh is not hidden behind the first success. */
static void register_refresh(void **st)
{
    (void)st;
    recs rs = {0};
    for (int k = 0; k < 3; k++) {
        const char *cseq = k == 0 ? "1" : k == 1 ? "2" : "3";
        add(&rs, k * 60000, "192.0.2.1:5060", "192.0.2.9:5060",
            "REGISTER sip:192.0.2.9 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKreg%d\r\n"
            "From: <sip:100@x>;tag=r\r\nTo: <sip:100@x>\r\nCall-ID: reg1\r\nCSeq: %s REGISTER\r\n"
            "Content-Length: 0\r\n\r\n", "192.0.2.1:5060", k, cseq);
        add(&rs, k * 60000 + 5, "192.0.2.9:5060", "192.0.2.1:5060",
            "SIP/2.0 %s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKreg%d\r\n"
            "From: <sip:100@x>;tag=r\r\nTo: <sip:100@x>;tag=s\r\nCall-ID: reg1\r\nCSeq: %s REGISTER\r\n"
            "Content-Length: 0\r\n\r\n", k == 2 ? "403 Forbidden" : "200 OK", "192.0.2.1:5060", k, cseq);
    }
    sip_report *r = sip_analyze_records(rs.r, rs.n, NULL);
    assert_int_equal(r->n_calls, 3);
    assert_int_equal(r->n_register, 3);
    assert_int_equal(r->calls[0].outcome, SIP_OUT_ANSWERED);
    assert_int_equal(r->calls[2].outcome, SIP_OUT_FAILED);
    assert_int_equal(r->calls[2].final_code, 403);
    assert_int_equal(r->n_retransmissions, 0);
    sip_report_free(r);
    recs_free(&rs);
}

/* A re-INVITE refused with 488 (a T.38 switch) does not end the call: a warning, not a failure. */
static void reinvite_rejected(void **st)
{
    (void)st;
    recs rs = {0};
    add(&rs, 0, "192.0.2.1:5060", "192.0.2.9:5060",
        "INVITE sip:300@192.0.2.9 SIP/2.0\r\n" HDRS("fax1", "a", "", "1", "INVITE", "z9hG4bKf1") "Content-Length: 0\r\n\r\n",
        "192.0.2.1:5060", "300");
    add(&rs, 100, "192.0.2.9:5060", "192.0.2.1:5060",
        "SIP/2.0 200 OK\r\n" HDRS("fax1", "a", ";tag=z", "1", "INVITE", "z9hG4bKf1") "Content-Length: 0\r\n\r\n",
        "192.0.2.1:5060", "300");
    add(&rs, 5000, "192.0.2.1:5060", "192.0.2.9:5060",
        "INVITE sip:300@192.0.2.9 SIP/2.0\r\n" HDRS("fax1", "a", ";tag=z", "2", "INVITE", "z9hG4bKf2") "Content-Length: 0\r\n\r\n",
        "192.0.2.1:5060", "300");
    add(&rs, 5010, "192.0.2.9:5060", "192.0.2.1:5060",
        "SIP/2.0 488 Not Acceptable Here\r\n" HDRS("fax1", "a", ";tag=z", "2", "INVITE", "z9hG4bKf2")
        "Warning: 304 gw \"T.38 not available\"\r\nContent-Length: 0\r\n\r\n", "192.0.2.1:5060", "300");
    sip_report *r = sip_analyze_records(rs.r, rs.n, NULL);
    const sip_call *c = &r->calls[0];
    assert_int_equal(c->outcome, SIP_OUT_ANSWERED);
    assert_int_equal(c->final_code, 200);
    bool seen = false;
    for (size_t i = 0; i < c->n_findings; i++)
        if (strcmp(c->findings[i].code, "media.reinvite_rejected") == 0) {
            seen = true;
            assert_non_null(strstr(c->findings[i].text, "488, Warning 304"));
            assert_int_equal(c->findings[i].ev[0].frame, 4);
        }
    assert_true(seen);
    sip_report_free(r);
    recs_free(&rs);
}

/* DTMF events offered but not answered (RFC 4733 on one side only) is noted. */
static void dtmf_one_side(void **st)
{
    (void)st;
    recs rs = {0};
    const char *offer = "v=0\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\n"
                        "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n";
    const char *answer = "v=0\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n";
    add(&rs, 0, "192.0.2.1:5060", "192.0.2.9:5060",
        "INVITE sip:300@192.0.2.9 SIP/2.0\r\n" HDRS("dtmf1", "a", "", "1", "INVITE", "z9hG4bKd1")
        "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", "192.0.2.1:5060", "300", strlen(offer), offer);
    add(&rs, 10, "192.0.2.9:5060", "192.0.2.1:5060",
        "SIP/2.0 200 OK\r\n" HDRS("dtmf1", "a", ";tag=z", "1", "INVITE", "z9hG4bKd1")
        "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", "192.0.2.1:5060", "300", strlen(answer), answer);
    sip_report *r = sip_analyze_records(rs.r, rs.n, NULL);
    const sip_call *c = &r->calls[0];
    assert_string_equal(c->codec, "PCMU");
    bool seen = false;
    for (size_t i = 0; i < c->n_findings; i++)
        seen |= strcmp(c->findings[i].code, "media.dtmf_mismatch") == 0 &&
                strstr(c->findings[i].text, "offer only") != NULL;
    assert_true(seen);
    sip_report_free(r);
    recs_free(&rs);
}

static void early_media_prack(void **st)
{
    (void)st;
    recs rs = {0};
    const char *sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n";
    add(&rs, 0, "192.0.2.1:5060", "192.0.2.9:5060",
        "INVITE sip:300@192.0.2.9 SIP/2.0\r\n" HDRS("em1", "a", "", "1", "INVITE", "z9hG4bKe1")
        "Supported: 100rel\r\nContent-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
        "192.0.2.1:5060", "300", strlen(sdp), sdp);
    add(&rs, 700, "192.0.2.9:5060", "192.0.2.1:5060",
        "SIP/2.0 183 Session Progress\r\n" HDRS("em1", "a", ";tag=z", "1", "INVITE", "z9hG4bKe1")
        "Require: 100rel\r\nRSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
        "192.0.2.1:5060", "300", strlen(sdp), sdp);
    add(&rs, 710, "192.0.2.1:5060", "192.0.2.9:5060",
        "PRACK sip:300@192.0.2.9 SIP/2.0\r\n" HDRS("em1", "a", ";tag=z", "2", "PRACK", "z9hG4bKp1") "RAck: 1 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        "192.0.2.1:5060", "300");
    add(&rs, 720, "192.0.2.9:5060", "192.0.2.1:5060",
        "SIP/2.0 200 OK\r\n" HDRS("em1", "a", ";tag=z", "2", "PRACK", "z9hG4bKp1") "Content-Length: 0\r\n\r\n",
        "192.0.2.1:5060", "300");
    add(&rs, 3700, "192.0.2.9:5060", "192.0.2.1:5060",
        "SIP/2.0 200 OK\r\n" HDRS("em1", "a", ";tag=z", "1", "INVITE", "z9hG4bKe1") "Content-Length: 0\r\n\r\n",
        "192.0.2.1:5060", "300");
    sip_report *r = sip_analyze_records(rs.r, rs.n, NULL);
    assert_int_equal(r->n_calls, 1);
    const sip_call *c = &r->calls[0];
    assert_int_equal(c->outcome, SIP_OUT_ANSWERED);
    assert_true(c->t.pdd_ms > 699 && c->t.pdd_ms < 701); /* to the 183 */
    assert_true(c->t.setup_ms > 3699 && c->t.setup_ms < 3701);
    assert_true(c->t.ring_ms > 2999 && c->t.ring_ms < 3001);
    assert_int_equal(c->n_retrans, 0);
    assert_int_equal(c->final_code, 200);
    sip_report_free(r);
    recs_free(&rs);
}

static void rtp_loss_and_wrap(void **st)
{
    (void)st;
    recs rs = {0};
    const char *sdp_a = "v=0\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n";
    const char *sdp_b = "v=0\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\nm=audio 7000 RTP/AVP 8\r\n";
    add(&rs, 0, "192.0.2.1:5060", "192.0.2.9:5060",
        "INVITE sip:300@192.0.2.9 SIP/2.0\r\n" HDRS("rtp1", "a", "", "1", "INVITE", "z9hG4bKr1")
        "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", "192.0.2.1:5060", "300", strlen(sdp_a), sdp_a);
    add(&rs, 10, "192.0.2.9:5060", "192.0.2.1:5060",
        "SIP/2.0 200 OK\r\n" HDRS("rtp1", "a", ";tag=z", "1", "INVITE", "z9hG4bKr1")
        "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s", "192.0.2.1:5060", "300", strlen(sdp_b), sdp_b);
    sip_engine *e = sip_engine_new(NULL);
    for (size_t i = 0; i < rs.n; i++)
        assert_int_equal(sip_engine_feed(e, &rs.r[i]), 0);
    sip_addr a, b;
    sip_addr_parse("192.0.2.1:4000", 14, &a);
    sip_addr_parse("192.0.2.9:7000", 14, &b);
    uint8_t p[172] = {0x80, 8};
    int sent = 0;
    for (int k = 0; k < 100; k++) {
        uint16_t seq = (uint16_t)(65500 + k);
        if (k == 40 || k == 41 || k == 70)
            continue; /* three lost, one of them after the wrap */
        uint32_t ts = (uint32_t)k * 160;
        p[2] = (uint8_t)(seq >> 8);
        p[3] = (uint8_t)seq;
        p[4] = (uint8_t)(ts >> 24), p[5] = (uint8_t)(ts >> 16), p[6] = (uint8_t)(ts >> 8), p[7] = (uint8_t)ts;
        p[8] = 0xca, p[9] = 0xfe;
        assert_int_equal(sip_engine_feed_rtp(e, rs.r[1].time_us + 20000 * k, 100 + (uint64_t)k, &a, &b, p, sizeof p), 1);
        sent++;
    }
    /* the callee answers from a NATed port (7777 instead of 7000): two-way, but flagged O3 */
    sip_addr nat;
    sip_addr_parse("192.0.2.9:7777", 14, &nat);
    for (int k = 0; k < 20; k++) {
        p[2] = 0, p[3] = (uint8_t)k, p[8] = 0xbe, p[9] = 0xef;
        assert_int_equal(sip_engine_feed_rtp(e, rs.r[1].time_us + 20000 * k + 5, 300 + (uint64_t)k, &nat, &a, p, sizeof p), 1);
    }
    sip_report *r = sip_engine_finish(e);
    const sip_call *c = &r->calls[0];
    assert_int_equal(c->n_rtp, 2);
    assert_int_equal(c->rtp[0].packets, (uint64_t)sent);
    assert_int_equal(c->rtp[0].lost, 3);
    assert_true(c->rtp[0].from_caller);
    assert_true(c->rtp[0].jitter_ms < 0.5); /* perfectly paced */
    assert_string_equal(c->rtp[0].codec, "PCMA");
    bool oneway = false, mismatch = false;
    for (size_t i = 0; i < c->n_findings; i++) {
        oneway |= strcmp(c->findings[i].code, "media.one_way") == 0;
        mismatch |= strcmp(c->findings[i].code, "media.rtp_source_mismatch") == 0 &&
                    strstr(c->findings[i].text, "192.0.2.9:7777") != NULL;
    }
    assert_false(oneway);
    assert_true(mismatch);
    assert_false(c->rtp[1].from_caller);
    assert_int_equal(c->rtp[1].packets, 20);
    sip_report_free(r);
    recs_free(&rs);
}

/* Many calls streamed through: finished dialogs are released, the report keeps them all. */
static void stream_calls(sip_engine *e, int N);

static void streaming_many_calls(void **st)
{
    (void)st;
    sip_engine *e = sip_engine_new(NULL);
    const int N = 30000;
    stream_calls(e, N);
    sip_report *r = sip_engine_finish(e);
    assert_int_equal(r->n_calls, (size_t)N);
    assert_int_equal(r->by_outcome[SIP_OUT_ANSWERED], (size_t)N);
    assert_int_equal(r->n_retransmissions, 0);
    for (int i = 1; i < N; i++)
        assert_true(r->calls[i - 1].start_us <= r->calls[i].start_us);
    assert_true(r->talk.median > 1.99 && r->talk.median < 2.01);
    sip_report_free(r);
}

/* Beyond max_calls the summaries are not kept, the totals and KPIs still cover every call. */
static void summaries_capped_kpis_complete(void **st)
{
    (void)st;
    sip_engine *e = sip_engine_new(&(sip_engine_opts){.max_calls = 1000});
    const int N = 30000;
    stream_calls(e, N);
    /* a late retransmission of the BYE's 200 for a call whose summary was not kept */
    const char *late = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK29990-3\r\n"
                       "From: <sip:a@h>;tag=f\r\nTo: <sip:1@h>;tag=t\r\nCall-ID: stream-29990\r\n"
                       "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
    sip_record lr = {.time_us = 1795278619000000LL + (int64_t)N * 10000 + 500000, .data = late,
                     .len = strlen(late)};
    assert_int_equal(sip_engine_feed(e, &lr), 0);
    sip_report *r = sip_engine_finish(e);
    assert_int_equal(r->n_retransmissions, 1);
    assert_int_equal(r->n_calls, 1000);
    assert_int_equal(r->n_calls_dropped, (size_t)N - 1000);
    assert_int_equal(r->n_invite_calls, (size_t)N);
    assert_int_equal(r->by_outcome[SIP_OUT_ANSWERED], (size_t)N);
    assert_true(r->asr > 99.9);
    assert_int_equal(r->talk.n, (size_t)N);
    assert_true(r->talk.median > 1.97 && r->talk.median < 2.03); /* histogram: 1 % buckets */
    assert_int_equal(r->n_messages, (uint64_t)N * 5 + 1);
    sip_report_free(r);
}

static void stream_calls(sip_engine *e, int N)
{
    char buf[1024];
    sip_addr a, b;
    sip_addr_parse("10.0.0.1:5060", 13, &a);
    sip_addr_parse("10.0.0.2:5060", 13, &b);
    for (int i = 0; i < N; i++) {
        static const char *const lines[] = {"INVITE sip:1@h SIP/2.0", "SIP/2.0 200 OK", "ACK sip:1@h SIP/2.0",
                                            "BYE sip:1@h SIP/2.0", "SIP/2.0 200 OK"};
        static const char *const cseq[] = {"1 INVITE", "1 INVITE", "1 ACK", "2 BYE", "2 BYE"};
        for (int k = 0; k < 5; k++) {
            int n = snprintf(buf, sizeof buf,
                             "%s\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK%d-%d\r\nFrom: <sip:a@h>;tag=f\r\n"
                             "To: <sip:1@h>%s\r\nCall-ID: stream-%d\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
                             lines[k], i, k == 1 ? 0 : k == 4 ? 3 : k, k ? ";tag=t" : "", i, cseq[k]);
            sip_record r = {.time_us = 1795278619000000LL + (int64_t)i * 10000 + k * 1000,
                            .src = (k == 1 || k == 4) ? b : a, .dst = (k == 1 || k == 4) ? a : b,
                            .data = buf, .len = (size_t)n};
            assert_int_equal(sip_engine_feed(e, &r), 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(link_types),           cmocka_unit_test(fragments_ipip_ports),
        cmocka_unit_test(fragment_flood_is_bounded), cmocka_unit_test(tcp_reassembly),
        cmocka_unit_test(plain_text_log),       cmocka_unit_test(register_refresh),
        cmocka_unit_test(reinvite_rejected),    cmocka_unit_test(dtmf_one_side),
        cmocka_unit_test(b2bua_legs_and_options), cmocka_unit_test(early_media_prack),
        cmocka_unit_test(rtp_loss_and_wrap),    cmocka_unit_test(streaming_many_calls),
        cmocka_unit_test(summaries_capped_kpis_complete), cmocka_unit_test(pipeline_blocks_recycled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
