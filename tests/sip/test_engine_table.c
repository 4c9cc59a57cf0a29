/* The engine's table of live dialogs (open addressing on the Call-ID hash, backward-shift
 * removal). Thousands of calls live at once (the table grows several times) and concluded in
 * a scrambled order, with in-dialog messages to the calls still live after every removal:
 * each message must land in its own call, so every call ends with exactly the messages it was
 * sent. Call-IDs of every length around the hash's 8-byte steps, and one written with blanks
 * and the compact header name, find their dialogs. The report's exact percentiles (selection,
 * not sorting) against a sort, for talk times with many equal values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_int.h"

#define T0 1795278619000000LL
#define NCALLS 5000

static sip_record rec(int64_t t_ms, const char *text)
{
    sip_record r = {.time_us = T0 + t_ms * 1000, .data = text, .len = strlen(text)};
    assert_int_equal(sip_addr_parse("10.0.0.1:5060", 13, &r.src), 0);
    assert_int_equal(sip_addr_parse("10.0.0.2:5060", 13, &r.dst), 0);
    return r;
}

static void feed(sip_engine *e, int64_t t_ms, const char *text)
{
    sip_record r = rec(t_ms, text);
    assert_int_equal(sip_engine_feed(e, &r), 0);
}

/* A message without a body; the branch differs per CSeq so nothing is a retransmission. */
static const char *sipmsg(char *buf, size_t size, const char *start, unsigned cseq, const char *method,
                          const char *cid, bool to_tag)
{
    int n = snprintf(buf, size,
                     "%s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-%s-%u-%s\r\n"
                     "From: <sip:a@h>;tag=f\r\nTo: <sip:b@h>%s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n"
                     "Content-Length: 0\r\n\r\n",
                     start, cid, cseq, method, to_tag ? ";tag=t" : "", cid, cseq, method);
    assert_true(n > 0 && (size_t)n < size);
    return buf;
}

static void call_id(char *buf, size_t size, unsigned i)
{
    /* SIPp-like ids: they differ in a few digits only */
    snprintf(buf, size, "%u-4242@127.0.0.1", i + 1);
}

static void many_live_scrambled(void **st)
{
    (void)st;
    sip_engine *e = sip_engine_new(NULL);
    assert_non_null(e);
    static unsigned order[NCALLS], sent[NCALLS];
    static bool done[NCALLS];
    char b[512], cid[64];
    int64_t t = 0;
    for (unsigned i = 0; i < NCALLS; i++) {
        call_id(cid, sizeof cid, i);
        feed(e, t++, sipmsg(b, sizeof b, "INVITE sip:b@h SIP/2.0", 1, "INVITE", cid, false));
        feed(e, t++, sipmsg(b, sizeof b, "SIP/2.0 200 OK", 1, "INVITE", cid, true));
        sent[i] = 2;
        order[i] = i;
    }
    uint32_t x = 12345; /* xorshift: a fixed scrambled order */
    for (unsigned i = NCALLS - 1; i > 0; i--) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        unsigned j = x % (i + 1), k = order[i];
        order[i] = order[j];
        order[j] = k;
    }
    for (unsigned n = 0; n < NCALLS; n++) {
        unsigned i = order[n];
        call_id(cid, sizeof cid, i);
        feed(e, t++, sipmsg(b, sizeof b, "ACK sip:b@h SIP/2.0", 1, "ACK", cid, true));
        feed(e, t++, sipmsg(b, sizeof b, "BYE sip:b@h SIP/2.0", 2, "BYE", cid, true));
        feed(e, t++, sipmsg(b, sizeof b, "SIP/2.0 200 OK", 2, "BYE", cid, true)); /* released */
        sent[i] += 3;
        done[i] = true;
        /* a few live calls hear from their peer: found after the removal moved entries */
        for (unsigned k = 1; k <= 3 && n + k < NCALLS; k++) {
            unsigned v = order[(n + k * 977) % NCALLS];
            if (done[v])
                continue;
            call_id(cid, sizeof cid, v);
            feed(e, t++, sipmsg(b, sizeof b, "INFO sip:b@h SIP/2.0", 10 + sent[v], "INFO", cid, true));
            sent[v]++;
        }
    }
    sip_report *r = sip_engine_finish(e);
    assert_non_null(r);
    assert_int_equal(r->n_calls, NCALLS);
    assert_int_equal(r->n_retransmissions, 0);
    for (unsigned i = 0; i < NCALLS; i++) {
        call_id(cid, sizeof cid, i);
        const sip_call *c = sip_report_find_call(r, cid);
        assert_non_null(c);
        assert_int_equal(c->n_msgs, sent[i]);
        assert_int_equal(c->outcome, SIP_OUT_ANSWERED);
    }
    sip_report_free(r);
}

static void call_id_forms(void **st)
{
    (void)st;
    const char *a = "OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                    "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID:   abc@h  \r\n"
                    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    const char *c = "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                    "f: <sip:a@h>;tag=1\r\nt: <sip:b@h>;tag=2\r\ni: abc@h\r\n"
                    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    sip_engine *e = sip_engine_new(NULL);
    assert_non_null(e);
    feed(e, 0, a);
    sip_msg m;
    assert_int_equal(sip_msg_parse(c, strlen(c), &m, NULL), 0);
    sip_record r2 = rec(5, c);
    assert_int_equal(sip_engine_feed_parsed(e, &r2, &m), 0);
    /* Call-IDs of 1 to 40 bytes sharing prefixes, all live at once, then one more message each */
    char b[512], cid[64];
    for (int pass = 0; pass < 2; pass++)
        for (unsigned n = 1; n <= 40; n++) {
            memset(cid, 'x', n);
            cid[n] = 0;
            feed(e, 10 + pass * 100 + n, sipmsg(b, sizeof b, "OPTIONS sip:b@h SIP/2.0", 1 + pass,
                                                "OPTIONS", cid, false));
        }
    sip_report *r = sip_engine_finish(e);
    assert_non_null(r);
    assert_int_equal(r->n_calls, 41);
    const sip_call *k = sip_report_find_call(r, "abc@h");
    assert_non_null(k);
    assert_int_equal(k->n_msgs, 2);
    assert_int_equal(k->final_code, 200);
    for (unsigned n = 1; n <= 40; n++) {
        memset(cid, 'x', n);
        cid[n] = 0;
        k = sip_report_find_call(r, cid);
        assert_non_null(k);
        assert_int_equal(k->n_msgs, 2);
    }
    sip_report_free(r);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void percentiles_with_ties(void **st)
{
    (void)st;
    enum { N = 301 };
    static int talk[N];
    sip_engine *e = sip_engine_new(NULL);
    assert_non_null(e);
    char b[512], cid[64];
    uint32_t x = 777;
    for (unsigned i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        talk[i] = i % 3 ? 1000 + (int)(x % 7) * 250 : 1000; /* a third exactly 1 s, the rest 7 values */
        call_id(cid, sizeof cid, i);
        int64_t t = (int64_t)i * 10000;
        feed(e, t, sipmsg(b, sizeof b, "INVITE sip:b@h SIP/2.0", 1, "INVITE", cid, false));
        feed(e, t + 10, sipmsg(b, sizeof b, "SIP/2.0 200 OK", 1, "INVITE", cid, true));
        feed(e, t + 10 + talk[i], sipmsg(b, sizeof b, "BYE sip:b@h SIP/2.0", 2, "BYE", cid, true));
        feed(e, t + 11 + talk[i], sipmsg(b, sizeof b, "SIP/2.0 200 OK", 2, "BYE", cid, true));
    }
    sip_report *r = sip_engine_finish(e);
    assert_non_null(r);
    qsort(talk, N, sizeof *talk, cmp_int);
    assert_int_equal(r->talk.n, N);
    assert_true(r->talk.median == talk[N / 2]);
    assert_true(r->talk.p95 == talk[(N * 95 + 99) / 100 - 1]);
    assert_true(r->talk.max == talk[N - 1]);
    sip_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_live_scrambled),
        cmocka_unit_test(call_id_forms),
        cmocka_unit_test(percentiles_with_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
