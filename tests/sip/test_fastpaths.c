/* The fast paths of the SDP and IP-address parsers. Addresses: the exact dotted-quad path in
 * front of sip_addr_parse against the general parser behind it, on hand-written cases and
 * many pseudo-random near-misses (fixed seed). SDP: every field the parser gives for the
 * samples below, each of their prefixes and seeded mutations, against
 * tests/data/sdp_parse.golden, written by the parser the fast SDP code replaced (so any
 * change of what an SDP body yields shows here, as one line per input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_int.h"
#include "sip/sip_msg.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11) % n;
}

static const char *const sdps[] = {
    "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.1.1\r\ns=-\r\nc=IN IP4 127.0.1.1\r\n"
    "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
    "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=x\nc=IN IP4 0.0.0.0\nt=0 0\na=sendonly\n"
    "m=audio 4000/2 RTP/SAVP 8 0 101 18\nc=IN IP4 224.2.1.1/127/3\na=rtpmap:8 PCMA/8000\n"
    "a=rtpmap:101 telephone-event/8000/1\na=fmtp:101 0-16\na=fmtp:18 annexb=no \n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc\na=inactive\n"
    "m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=recvonly\nm=image 5000 udptl t38\n",
    " v=0\r\n  c=IN  IP6 ::\r\nm=audio 99999 RTP/AVP 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\r\n"
    "a=rtpmap:3 GSM\r\na=rtpmap:x y/z\r\nc=IN IP6 [::1]\r\nc=IN IP4 1.2.3.4:5\t\r\n",
    "v=0\r\nc=IN IP4 192.168.001.010\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 x\r\nm=a 3 x\r\n"
    "m=a 4 x\r\nm=a 5 x\r\nm=a 6 x\r\nm=a 7 x\r\nm=a 8 x\r\nm=a 9 x\r\nc=IN IP4 1.1.1.1\r\n",
};

static const char mut_chars[] = " \t\r\n/=:.0123456789amcovIPN4xf-";

static void mutate(char *b, size_t *n, size_t cap)
{
    unsigned edits = 1 + rnd(4);
    for (unsigned k = 0; k < edits && *n; k++) {
        size_t at = rnd((uint32_t)*n);
        switch (rnd(3)) {
        case 0: b[at] = mut_chars[rnd(sizeof mut_chars - 1)]; break;
        case 1: memmove(b + at, b + at + 1, *n - at - 1), (*n)--; break;
        default:
            if (*n < cap) {
                memmove(b + at + 1, b + at, *n - at);
                b[at] = mut_chars[rnd(sizeof mut_chars - 1)];
                (*n)++;
            }
        }
    }
}


static void dump_str(FILE *o, const char *base, sip_str s)
{
    if (s.n)
        fprintf(o, " %ld+%zu", (long)(s.p - base), s.n);
    else
        fprintf(o, " -");
}

static void dump_addr(FILE *o, const sip_addr *a)
{
    fprintf(o, " %u/", a->family);
    for (int i = 0; i < (a->family == 6 ? 16 : 4); i++)
        fprintf(o, "%02x", a->ip[i]);
    fprintf(o, "/%u", a->port);
}

static void dump_sdp(FILE *o, const char *p, size_t n, int rc, const sip_sdp *s, int orc,
                     const sip_addr *org)
{
    fprintf(o, "%zu %d", n, rc);
    if (rc == 0) {
        dump_str(o, p, s->origin_line);
        fprintf(o, " m%u", s->n_media);
        for (unsigned i = 0; i < s->n_media; i++) {
            const sip_sdp_media *m = &s->m[i];
            fprintf(o, " [");
            dump_str(o, p, m->type);
            fprintf(o, " %d", m->port);
            dump_str(o, p, m->proto);
            fprintf(o, " f%u", m->n_fmt);
            for (unsigned k = 0; k < m->n_fmt; k++) {
                fprintf(o, " %d", m->fmt[k]);
                dump_str(o, p, m->fmt_name[k]);
                fprintf(o, " %d", m->fmt_rate[k]);
                dump_str(o, p, m->fmt_param[k]);
            }
            dump_addr(o, &m->conn);
            fprintf(o, " z%d d%d c%d]", m->conn_zero, m->dir, m->has_crypto);
        }
        fprintf(o, " o%d", orc);
        dump_addr(o, org);
    }
    fputc('\n', o);
}

/* One input's line, parsed from a buffer of exactly its size (ASan sees any overread). */
static void sdp_line(FILE *o, const char *p, size_t n)
{
    sip_sdp *s = calloc(1, sizeof *s);
    char *exact = malloc(n ? n : 1);
    assert_non_null(s);
    assert_non_null(exact);
    memcpy(exact, p, n);
    int rc = sip_sdp_parse(exact, n, s);
    sip_addr org;
    memset(&org, 0, sizeof org);
    int orc = rc == 0 ? sip_sdp_origin(s, &org) : 0;
    dump_sdp(o, exact, n, rc, s, orc, &org);
    free(exact);
    free(s);
}

static void sdp_against_golden(void **st)
{
    (void)st;
    char *got = NULL;
    size_t got_n = 0;
    FILE *o = open_memstream(&got, &got_n);
    assert_non_null(o);
    rng_state = 0x9e3779b97f4a7c15ULL; /* the mutations the golden file was written with */
    char buf[1024];
    for (size_t s = 0; s < sizeof sdps / sizeof sdps[0]; s++) {
        size_t len = strlen(sdps[s]);
        for (size_t cut = 0; cut <= len; cut++)
            sdp_line(o, sdps[s], cut);
        for (int i = 0; i < 100; i++) {
            size_t n = len;
            memcpy(buf, sdps[s], n);
            mutate(buf, &n, sizeof buf);
            sdp_line(o, buf, n);
        }
    }
    fclose(o);
    FILE *g = fopen("tests/data/sdp_parse.golden", "rb");
    assert_non_null(g);
    char *want = malloc(got_n + 2);
    assert_non_null(want);
    size_t want_n = fread(want, 1, got_n + 1, g);
    fclose(g);
    /* the first differing line, to say which input changed */
    size_t i = 0, line = 1;
    while (i < got_n && i < want_n && got[i] == want[i])
        line += got[i++] == '\n';
    if (i != got_n || want_n != got_n)
        fail_msg("SDP parse differs from tests/data/sdp_parse.golden at line %zu", line);
    free(want);
    free(got);
}

static void check_addr(const char *p, size_t n)
{
    sip_addr a, b;
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0xa5, sizeof b);
    assert_int_equal(sip_addr_parse(p, n, &a), sip_addr_parse_general(p, n, &b));
    assert_memory_equal(&a, &b, sizeof a); /* padding too: addresses are hashed as bytes */
}

static const char *const addrs[] = {
    "1.2.3.4", "1.2.3.4:5060", "255.255.255.255:65535", "256.1.1.1", "1.2.3.4:65536",
    "01.002.3.4", "0001.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.4:", ":5060", "1.2.3.4:50600",
    " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\r", "1.2.3.4:5060\t", "[::1]:5060", "::1", "fd00::1",
    "[1.2.3.4]:5", "1.2.3.4:5:6", "1..2.3", "1.2.3.4x", "1.2.3.4:5x", "a.b.c.d", "",
    "1.2.3.04:0", "10.0.0.1:00005", "127.0.0.1:1234567", "1.2.3.4/24", "::ffff:1.2.3.4",
};

static void addr_cases_and_mutations(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        size_t n = strlen(addrs[i]);
        char *exact = malloc(n ? n : 1);
        assert_non_null(exact);
        memcpy(exact, addrs[i], n);
        check_addr(exact, n);
        free(exact);
    }
    static const char ch[] = "0123456789.:[] \t\rabf";
    char b[80];
    for (int i = 0; i < 300000; i++) {
        size_t n = rnd(24);
        if (rnd(2)) { /* near-miss dotted quads are the interesting ones */
            n = (size_t)snprintf(b, sizeof b, "%u.%u.%u.%u:%u", rnd(300), rnd(300), rnd(300),
                                 rnd(300), rnd(70000));
            size_t m = n;
            mutate(b, &m, sizeof b);
            n = m;
        } else {
            for (size_t k = 0; k < n; k++)
                b[k] = ch[rnd(sizeof ch - 1)];
        }
        char *exact = malloc(n ? n : 1);
        assert_non_null(exact);
        memcpy(exact, b, n);
        check_addr(exact, n);
        free(exact);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sdp_against_golden),
        cmocka_unit_test(addr_cases_and_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
