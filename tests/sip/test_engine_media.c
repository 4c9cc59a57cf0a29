/* The engine's dialog memory. The media map (SDP address -> live dialog): a call that announces more media
 * addresses than a dialog tracks (re-INVITE after re-INVITE) leaves no entry behind once it
 * is released, so RTP that arrives later to any of those addresses matches nothing (an entry
 * left behind would point at a freed or reused dialog: ASan catches the former). Also many
 * calls one after another on the same media addresses, the SIPp pattern, with RTP between.
 * The call's strings: in the dialog's own space while short, on the heap beyond, replaced
 * (final responses after challenges), and all in one block in the report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip.h"

#define T0 1795278619000000LL

static void feed(sip_engine *e, int64_t t_ms, const char *src, const char *dst, const char *text)
{
    sip_record r = {.time_us = T0 + t_ms * 1000, .data = text, .len = strlen(text)};
    assert_int_equal(sip_addr_parse(src, strlen(src), &r.src), 0);
    assert_int_equal(sip_addr_parse(dst, strlen(dst), &r.dst), 0);
    assert_int_equal(sip_engine_feed(e, &r), 0);
}

/* One SIP message with an SDP body offering/answering audio at ip:port. */
static const char *msg(char *buf, size_t size, const char *start, const char *cseq, const char *cid,
                       bool to_tag, const char *ip, int port)
{
    char sdp[256];
    int n = snprintf(sdp, sizeof sdp,
                     "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                     "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
                     ip, ip, port);
    assert_true(n > 0 && (size_t)n < sizeof sdp);
    n = snprintf(buf, size,
                 "%s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-%s-%s\r\n"
                 "From: <sip:a@h>;tag=f\r\nTo: <sip:b@h>%s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
                 "Contact: <sip:a@10.0.0.1:5060>\r\nContent-Type: application/sdp\r\n"
                 "Content-Length: %d\r\n\r\n%s",
                 start, cid, cseq, to_tag ? ";tag=t" : "", cid, cseq, (int)strlen(sdp), sdp);
    assert_true(n > 0 && (size_t)n < size);
    return buf;
}

static const char *bare(char *buf, size_t size, const char *start, const char *cseq, const char *cid)
{
    int n = snprintf(buf, size,
                     "%s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-%s-%s\r\n"
                     "From: <sip:a@h>;tag=f\r\nTo: <sip:b@h>;tag=t\r\nCall-ID: %s\r\nCSeq: %s\r\n"
                     "Content-Length: 0\r\n\r\n",
                     start, cid, cseq, cid, cseq);
    assert_true(n > 0 && (size_t)n < size);
    return buf;
}

static int rtp_to(sip_engine *e, int64_t t_ms, const char *src, const char *dst)
{
    uint8_t p[172] = {0x80, 0x00, 0x00, 0x01};
    sip_addr s, d;
    assert_int_equal(sip_addr_parse(src, strlen(src), &s), 0);
    assert_int_equal(sip_addr_parse(dst, strlen(dst), &d), 0);
    return sip_engine_feed_rtp(e, T0 + t_ms * 1000, 0, &s, &d, p, sizeof p);
}

static void many_addresses_released(void **st)
{
    (void)st;
    sip_engine *e = sip_engine_new(&(sip_engine_opts){.linger_s = 1});
    assert_non_null(e);
    char b[1024];
    const char *A = "10.0.0.1:5060", *B = "10.0.0.2:5060";
    feed(e, 0, A, B, msg(b, sizeof b, "INVITE sip:b@h SIP/2.0", "1 INVITE", "many", false, "10.0.0.1", 4000));
    feed(e, 10, B, A, msg(b, sizeof b, "SIP/2.0 200 OK", "1 INVITE", "many", true, "10.0.0.2", 5000));
    feed(e, 20, A, B, bare(b, sizeof b, "ACK sip:b@h SIP/2.0", "1 ACK", "many"));
    char cseq[32];
    for (int k = 1; k <= 6; k++) { /* each re-INVITE moves the caller's media to a new port */
        snprintf(cseq, sizeof cseq, "%d INVITE", k + 1);
        feed(e, 100 * k, A, B, msg(b, sizeof b, "INVITE sip:b@h SIP/2.0", cseq, "many", true, "10.0.0.1", 4000 + 2 * k));
        feed(e, 100 * k + 10, B, A, msg(b, sizeof b, "SIP/2.0 200 OK", cseq, "many", true, "10.0.0.2", 5000));
        snprintf(cseq, sizeof cseq, "%d ACK", k + 1);
        feed(e, 100 * k + 20, A, B, bare(b, sizeof b, "ACK sip:b@h SIP/2.0", cseq, "many"));
    }
    assert_int_equal(rtp_to(e, 900, "10.0.0.9:9", "10.0.0.1:4012"), 0); /* beyond the tracked */
    assert_int_equal(rtp_to(e, 901, "10.0.0.1:4000", "10.0.0.2:5000"), 1);
    feed(e, 1000, A, B, bare(b, sizeof b, "BYE sip:b@h SIP/2.0", "9 BYE", "many"));
    feed(e, 1010, B, A, bare(b, sizeof b, "SIP/2.0 200 OK", "9 BYE", "many"));
    /* released: no address of the call maps to anything any more */
    for (int k = 0; k <= 6; k++) {
        char dst[32];
        snprintf(dst, sizeof dst, "10.0.0.1:%d", 4000 + 2 * k);
        assert_int_equal(rtp_to(e, 2000 + k, "10.0.0.9:9", dst), 0);
    }
    assert_int_equal(rtp_to(e, 2100, "10.0.0.9:9", "10.0.0.2:5000"), 0);
    /* a new call on the first address takes it over */
    feed(e, 3000, A, B, msg(b, sizeof b, "INVITE sip:b@h SIP/2.0", "1 INVITE", "next", false, "10.0.0.1", 4000));
    assert_int_equal(rtp_to(e, 3001, "10.0.0.9:9", "10.0.0.1:4000"), 1);
    sip_report *r = sip_engine_finish(e);
    assert_non_null(r);
    assert_int_equal(r->n_calls, 2);
    assert_int_equal(r->n_rtp_packets, 2);
    sip_report_free(r);
}

/* Overlapping calls sharing the caller's and the callee's media addresses: each put takes the
 * address over, each release drops only what is still its own; every packet lands in a live
 * call and the counts add up. */
static void shared_addresses_many_calls(void **st)
{
    (void)st;
    sip_engine *e = sip_engine_new(&(sip_engine_opts){.linger_s = 1});
    assert_non_null(e);
    char b[1024], cid[32];
    const char *A = "10.0.0.1:5060", *B = "10.0.0.2:5060";
    const int N = 300;
    int matched = 0;
    for (int i = 0; i < N; i++) {
        int64_t t = i * 50;
        snprintf(cid, sizeof cid, "shared-%d", i);
        feed(e, t, A, B, msg(b, sizeof b, "INVITE sip:b@h SIP/2.0", "1 INVITE", cid, false, "10.0.0.1", 6000));
        feed(e, t + 5, B, A, msg(b, sizeof b, "SIP/2.0 200 OK", "1 INVITE", cid, true, "10.0.0.2", 7000));
        feed(e, t + 6, A, B, bare(b, sizeof b, "ACK sip:b@h SIP/2.0", "1 ACK", cid));
        matched += rtp_to(e, t + 7, "10.0.0.1:6000", "10.0.0.2:7000");
        if (i >= 3) { /* the call three back ends */
            snprintf(cid, sizeof cid, "shared-%d", i - 3);
            feed(e, t + 8, A, B, bare(b, sizeof b, "BYE sip:b@h SIP/2.0", "2 BYE", cid));
            feed(e, t + 9, B, A, bare(b, sizeof b, "SIP/2.0 200 OK", "2 BYE", cid));
        }
    }
    sip_report *r = sip_engine_finish(e);
    assert_non_null(r);
    assert_int_equal(r->n_calls, (size_t)N);
    assert_int_equal(matched, N);
    assert_int_equal(r->n_rtp_packets, (uint64_t)N);
    sip_report_free(r);
}

static void long_and_replaced_strings(void **st)
{
    (void)st;
    sip_engine *e = sip_engine_new(NULL);
    assert_non_null(e);
    char cid[400], ua[300], b[2048];
    memset(cid, 'c', sizeof cid - 1);
    cid[sizeof cid - 1] = 0;
    memset(ua, 'u', sizeof ua - 1);
    ua[sizeof ua - 1] = 0;
    const char *A = "10.0.0.1:5060", *B = "10.0.0.2:5060";
    const char *phr[] = {"Unauthorized", "Proxy Authentication Required For This Realm Indeed",
                         "Unauthorized Again"};
    int codes[] = {401, 407, 401};
    for (int k = 0; k < 3; k++) { /* three challenges: the phrase replaced each time */
        snprintf(b, sizeof b,
                 "INVITE sip:12345@h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK%d\r\n"
                 "From: <sip:alice@h>;tag=ftag\r\nTo: <sip:12345@h>\r\nCall-ID: %s\r\n"
                 "CSeq: %d INVITE\r\nUser-Agent: %s\r\nContent-Length: 0\r\n\r\n",
                 k, cid, k + 1, ua);
        feed(e, 100 * k, A, B, b);
        snprintf(b, sizeof b,
                 "SIP/2.0 %d %s\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK%d\r\n"
                 "From: <sip:alice@h>;tag=ftag\r\nTo: <sip:12345@h>;tag=t%d\r\nCall-ID: %s\r\n"
                 "CSeq: %d INVITE\r\nContent-Length: 0\r\n\r\n",
                 codes[k], phr[k], k, k, cid, k + 1);
        feed(e, 100 * k + 10, B, A, b);
    }
    snprintf(b, sizeof b,
             "INVITE sip:12345@h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK9\r\n"
             "From: <sip:alice@h>;tag=ftag\r\nTo: <sip:12345@h>\r\nCall-ID: %s\r\n"
             "CSeq: 4 INVITE\r\nContent-Length: 0\r\n\r\n", cid);
    feed(e, 400, A, B, b);
    snprintf(b, sizeof b,
             "SIP/2.0 403 Forbidden With A Reason\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK9\r\n"
             "From: <sip:alice@h>;tag=ftag\r\nTo: <sip:12345@h>;tag=z\r\nCall-ID: %s\r\n"
             "CSeq: 4 INVITE\r\nReason: Q.850;cause=21;text=\"rejected here\"\r\n"
             "Warning: 399 h \"%s\"\r\nContent-Length: 0\r\n\r\n",
             cid, ua);
    feed(e, 410, B, A, b);
    sip_report *r = sip_engine_finish(e);
    assert_non_null(r);
    assert_int_equal(r->n_calls, 1);
    const sip_call *c = sip_report_find_call(r, cid);
    assert_non_null(c);
    assert_string_equal(c->call_id, cid);
    assert_string_equal(c->method, "INVITE");
    assert_string_equal(c->from_user, "alice");
    assert_string_equal(c->to_user, "12345");
    assert_string_equal(c->from_tag, "ftag");
    assert_string_equal(c->user_agent, ua);
    assert_int_equal(c->final_code, 403);
    assert_string_equal(c->final_phrase, "Forbidden With A Reason");
    assert_string_equal(c->reason_text, "rejected here");
    assert_int_equal(c->warning_code, 399);
    assert_string_equal(c->warning_text, ua);
    assert_true(c->ids_block);
    sip_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_addresses_released),
        cmocka_unit_test(shared_addresses_many_calls),
        cmocka_unit_test(long_and_replaced_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
