/* The SIP and SDP parsers: compact forms, folding, comma lists, parameters, Reason/Warning,
 * Contact, SDP variants and multipart bodies; framing for streams; hostile input (absurd
 * Content-Length, a million headers, binary garbage, deep multipart) without a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_msg.h"
#include "sip/sip_read.h"

static sip_msg parse_ok(const char *text)
{
    sip_msg m;
    bool tr;
    assert_int_equal(sip_msg_parse(text, strlen(text), &m, &tr), 0);
    return m;
}

/* A message parsed deferred, then finished, has every field of a full parse (the capture
 * pipeline parses so while its engine thread has time for the rest). */
static void deferred_then_finished(void **st)
{
    (void)st;
    static const char *const msgs[] = {
        "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK-x;received=1.2.3.4;"
        "rport=5070, SIP/2.0/TCP 10.0.0.9\r\nf: <sip:a@b>;tag=1\r\nt: \"B, c\" <sip:c@d>;x=1;TAG = t2\r\n"
        "i: q\r\nCSeq: 7 INVITE\r\nl: 0\r\n\r\n",
        "BYE sip:x SIP/2.0\r\nv: SIP/2.0/TLS h.example:5061 ;branch=b1\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: sip:c@d\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\n\r\n",
        "ACK sip:x SIP/2.0\r\nCall-ID: no-via\r\nCSeq: 1 ACK\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        sip_msg full = parse_ok(msgs[i]), d;
        bool tr;
        assert_int_equal(sip_msg_parse_deferred(msgs[i], strlen(msgs[i]), &d, &tr), 0);
        assert_true(d.deferred);
        sip_msg_finish(&d);
        sip_msg_finish(&d); /* idempotent */
        assert_false(d.deferred);
        full.deferred = d.deferred;
        assert_memory_equal(&d, &full, sizeof d);
    }
    sip_msg m = parse_ok(msgs[0]);
    assert_true(sip_str_eq(m.to_tag, "t2"));
    assert_true(sip_str_eq(m.via.branch, "z9hG4bK-x"));
    assert_int_equal(m.via.rport, 5070);
}

static void compact_forms_and_case(void **st)
{
    (void)st;
    const char *t = "INVITE sip:bob@example.com SIP/2.0\r\n"
                    "v: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;rport;received=1.2.3.4\r\n"
                    "F: \"Al, ice\" <sip:alice@example.com>;tag=abc\r\n"
                    "t: <sip:bob@example.com>\r\n"
                    "I:  call-1@host \r\n"
                    "cseq: 7 INVITE\r\n"
                    "M: <sip:alice@192.168.1.2:5099;transport=udp>\r\n"
                    "c: application/sdp\r\n"
                    "L: 4\r\n\r\nbody";
    sip_msg m = parse_ok(t);
    sip_msg_details(&m);
    assert_true(m.is_request);
    assert_int_equal(m.method, SIP_M_INVITE);
    assert_true(sip_str_eq(m.call_id, "call-1@host"));
    assert_true(sip_str_eq(m.from_tag, "abc"));
    assert_true(sip_str_eq(m.from_user, "alice"));
    assert_int_equal(m.to_tag.n, 0);
    assert_int_equal(m.cseq, 7);
    assert_int_equal(m.cseq_method, SIP_M_INVITE);
    assert_true(sip_str_eq(m.via.host, "10.0.0.1"));
    assert_int_equal(m.via.port, 5062);
    assert_true(sip_str_eq(m.via.branch, "z9hG4bK1"));
    assert_true(sip_str_eq(m.via.received, "1.2.3.4"));
    assert_true(m.via.has_rport);
    assert_int_equal(m.via.rport, 0);
    assert_true(sip_str_eq(m.contact_host, "192.168.1.2"));
    assert_int_equal(m.contact_port, 5099);
    assert_int_equal(m.content_length, 4);
    assert_true(sip_str_eq(m.body, "body"));
    assert_int_equal(m.msg_len, strlen(t));
}

static void folding_and_lists(void **st)
{
    (void)st;
    const char *t = "SIP/2.0 486 Busy Here\r\n"
                    "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKa;rport=4000,\r\n"
                    "  SIP/2.0/TCP proxy.example.com;branch=z9hG4bKb\r\n"
                    "Via: SIP/2.0/UDP third.example.com\r\n"
                    "Record-Route: <sip:p1;lr>, <sip:p2;lr>\r\n"
                    "Record-Route: <sip:p3;lr>\r\n"
                    "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c2\r\n"
                    "CSeq: 1\r\n INVITE\r\n"
                    "Reason: SIP;cause=200;text=\"Call completed elsewhere\", Q.850;cause=17;text=\"User busy\"\r\n"
                    "Warning: 399 devnull \"Overloaded\"\r\n"
                    "Content-Length: 0\r\n\r\n";
    sip_msg m = parse_ok(t);
    assert_false(m.is_request);
    assert_int_equal(m.status, 486);
    assert_true(sip_str_eq(m.phrase, "Busy Here"));
    assert_int_equal(m.n_via, 3);
    assert_true(sip_str_eq(m.via.host, "2001:db8::1"));
    assert_int_equal(m.via.rport, 4000);
    assert_int_equal(m.n_record_route, 3);
    assert_int_equal(m.cseq_method, SIP_M_INVITE);
    assert_int_equal(m.reason_q850, 17);
    assert_int_equal(m.reason_sip, 200);
    assert_true(sip_str_eq(m.reason_text, "User busy"));
    assert_int_equal(m.warning_code, 399);
    assert_true(sip_str_eq(m.warning_text, "Overloaded"));
    assert_true(sip_str_eq(m.to_tag, "2"));
}

static void rejects_non_sip(void **st)
{
    (void)st;
    sip_msg m;
    bool tr;
    const char *bad[] = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "INVITE sip:x SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n", /* no Call-ID */
        "SIP/2.0 99 Low\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\n\r\n",
        "SIP/2.0 200\r\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sip_msg_parse(bad[i], strlen(bad[i]), &m, &tr), -1);
}

static void content_length_edges(void **st)
{
    (void)st;
    sip_msg m;
    bool tr;
    const char *absurd = "MESSAGE sip:x SIP/2.0\r\nCall-ID: a\r\nCSeq: 1 MESSAGE\r\n"
                         "Content-Length: 99999999999999999999\r\n\r\nhello";
    assert_int_equal(sip_msg_parse(absurd, strlen(absurd), &m, &tr), 0);
    assert_int_equal(m.content_length, -2);
    size_t skip;
    assert_int_equal(sip_msg_frame(absurd, strlen(absurd), 65536, &skip), -1);
    const char *short_body = "MESSAGE sip:x SIP/2.0\r\nCall-ID: a\r\nCSeq: 1 MESSAGE\r\n"
                             "Content-Length: 50\r\n\r\nhello";
    assert_int_equal(sip_msg_parse(short_body, strlen(short_body), &m, &tr), 0);
    assert_true(tr);
    assert_int_equal(m.body.n, 5);
    assert_int_equal(sip_msg_frame(short_body, strlen(short_body), 65536, &skip), 0);
}

static void stream_framing(void **st)
{
    (void)st;
    const char *one = "OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\nCSeq: 1 OPTIONS\r\nl: 3\r\n\r\nabc";
    char buf[512];
    int n = snprintf(buf, sizeof buf, "\r\n\r\n%s%s", one, one);
    size_t skip = 0;
    long len = sip_msg_frame(buf, (size_t)n, 65536, &skip);
    assert_int_equal(skip, 4);
    assert_int_equal(len, 4 + (long)strlen(one));
    assert_int_equal(sip_msg_frame(buf + len, (size_t)n - (size_t)len, 65536, &skip), (long)strlen(one));
    assert_int_equal(sip_msg_frame(one, 20, 65536, &skip), 0);
    const char *tls = "\x16\x03\x01 binary tls hello\r\n....";
    assert_int_equal(sip_msg_frame(tls, strlen(tls), 65536, &skip), -1);
}

static void million_headers(void **st)
{
    (void)st;
    const char *head = "INVITE sip:x SIP/2.0\r\nCall-ID: many\r\nCSeq: 1 INVITE\r\n";
    size_t n = 1000000, hl = strlen(head), line = 8;
    size_t total = hl + n * line + 2;
    char *b = malloc(total + 1);
    assert_non_null(b);
    memcpy(b, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(b + hl + i * line, "X-H: v\r\n", line);
    memcpy(b + hl + n * line, "\r\n", 2);
    sip_msg m;
    bool tr;
    assert_int_equal(sip_msg_parse(b, total, &m, &tr), 0);
    assert_int_equal(m.msg_len, total); /* every line read, up to the empty one */
    assert_int_equal(m.body.n, 0);
    assert_true(sip_str_eq(m.call_id, "many"));
    /* through the engine too, and as a stream it is refused (over the message cap) */
    sip_engine *e = sip_engine_new(NULL);
    sip_record r = {.time_us = 1, .data = b, .len = total};
    assert_int_equal(sip_engine_feed(e, &r), 0);
    sip_report *rep = sip_engine_finish(e);
    assert_int_equal(rep->n_calls, 1);
    sip_report_free(rep);
    size_t skip;
    assert_int_equal(sip_msg_frame(b, total, 65536, &skip), -1);
    free(b);
}

static void garbage_input(void **st)
{
    (void)st;
    size_t n = 1 << 20;
    unsigned char *g = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        g[i] = (unsigned char)(x >> 16);
    }
    sip_engine *e = sip_engine_new(NULL);
    char err[256];
    sip_read_stats s;
    assert_int_equal(sip_read_buffer(g, n, e, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a capture"));
    sip_record r = {.data = (const char *)g, .len = n};
    assert_int_equal(sip_engine_feed(e, &r), 1);
    /* a pcap header followed by garbage records */
    static const unsigned char ph[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                         0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0};
    memcpy(g, ph, sizeof ph);
    int rc = sip_read_buffer(g, n, e, NULL, &s, err, sizeof err);
    assert_true(rc == 0 || rc == -1);
    sip_report *rep = sip_engine_finish(e);
    assert_non_null(rep);
    sip_report_free(rep);
    free(g);
}

static void sdp_variants(void **st)
{
    (void)st;
    const char *s = "v=0\r\no=- 1 1 IN IP4 192.168.1.10\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\n"
                    "a=sendonly\r\n"
                    "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
                    "a=fmtp:101 0-15\r\n"
                    "m=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 H264/90000\r\na=inactive\r\n"
                    "m=audio 5000 RTP/SAVP 111\nc=IN IP6 2001:db8::5\na=rtpmap:111 opus/48000/2\na=crypto:1 AES\n";
    sip_sdp sdp;
    assert_int_equal(sip_sdp_parse(s, strlen(s), &sdp), 0);
    assert_int_equal(sdp.n_media, 3);
    assert_int_equal(sdp.m[0].port, 4000);
    assert_int_equal(sdp.m[0].n_fmt, 3);
    assert_int_equal(sdp.m[0].dir, SIP_DIR_SENDONLY);
    char b[16];
    assert_string_equal(sip_sdp_codec(&sdp.m[0], 1, b, sizeof b), "PCMA");
    assert_string_equal(sip_sdp_codec(&sdp.m[0], 2, b, sizeof b), "telephone-event");
    assert_true(sip_str_eq(sdp.m[0].fmt_param[2], "0-15"));
    assert_int_equal(sdp.m[0].fmt_param[0].n, 0);
    char a[SIP_ADDR_STRLEN];
    assert_string_equal(sip_addr_format(&sdp.m[0].conn, a, sizeof a), "10.1.1.1");
    assert_int_equal(sdp.m[1].port, 0);
    assert_true(sdp.m[1].conn_zero);
    assert_int_equal(sdp.m[1].dir, SIP_DIR_INACTIVE);
    assert_int_equal(sdp.m[2].conn.family, 6);
    assert_true(sdp.m[2].has_crypto);
    assert_int_equal(sdp.m[2].fmt_rate[0], 48000);
    sip_addr o;
    assert_int_equal(sip_sdp_origin(&sdp, &o), 0);
    assert_string_equal(sip_addr_format(&o, a, sizeof a), "192.168.1.10");
    assert_int_equal(sip_sdp_parse("hello", 5, &sdp), -1);
}

static void multipart_bodies(void **st)
{
    (void)st;
    const char *body = "--b1\r\nContent-Type: application/isup\r\n\r\nxx\r\n"
                       "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
                       "--b2\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 1 RTP/AVP 0\r\n"
                       "--b2--\r\n--b1--\r\n";
    sip_str sdp;
    assert_int_equal(sip_body_find_sdp((sip_str){"multipart/mixed;boundary=b1", 27},
                                       (sip_str){body, strlen(body)}, &sdp), 0);
    assert_true(sdp.n > 3 && memcmp(sdp.p, "v=0", 3) == 0);
    /* 200 nested levels: refused beyond depth 4, no crash */
    size_t cap = 200 * 120 + 64;
    char *deep = malloc(cap);
    size_t o = 0;
    for (int i = 0; i < 200; i++)
        o += (size_t)snprintf(deep + o, cap - o, "--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n");
    o += (size_t)snprintf(deep + o, cap - o, "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b--\r\n");
    sip_str ct = {"multipart/mixed; boundary=b", 27};
    int rc = sip_body_find_sdp(ct, (sip_str){deep, o}, &sdp);
    assert_true(rc == 0 || rc == -1);
    free(deep);
}

static void addresses(void **st)
{
    (void)st;
    sip_addr a;
    char b[SIP_ADDR_STRLEN];
    assert_int_equal(sip_addr_parse("[::1]:5060", 10, &a), 0);
    assert_string_equal(sip_addr_format(&a, b, sizeof b), "[::1]:5060");
    assert_int_equal(sip_addr_parse("192.168.1.10:5060", 17, &a), 0);
    assert_true(sip_addr_is_private(&a));
    assert_int_equal(sip_addr_parse("100.64.1.1", 10, &a), 0);
    assert_true(sip_addr_is_private(&a));
    assert_int_equal(sip_addr_parse("203.0.113.5", 11, &a), 0);
    assert_false(sip_addr_is_private(&a));
    assert_int_equal(sip_addr_parse("fd00::1", 7, &a), 0);
    assert_true(sip_addr_is_private(&a));
    assert_int_equal(sip_addr_parse("example.com:5060", 16, &a), -1);
    assert_int_equal(sip_addr_parse("1.2.3.4:99999", 13, &a), -1);
    assert_int_equal(sip_q850_from_status(486), 17);
    assert_int_equal(sip_q850_from_status(487), 0);
    assert_string_equal(sip_q850_name(16), "NORMAL_CLEARING");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_forms_and_case), cmocka_unit_test(folding_and_lists),
        cmocka_unit_test(deferred_then_finished),
        cmocka_unit_test(rejects_non_sip),        cmocka_unit_test(content_length_edges),
        cmocka_unit_test(stream_framing),         cmocka_unit_test(million_headers),
        cmocka_unit_test(garbage_input),          cmocka_unit_test(sdp_variants),
        cmocka_unit_test(multipart_bodies),       cmocka_unit_test(addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
