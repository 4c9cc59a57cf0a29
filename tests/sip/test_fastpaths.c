/* The SDP and IP-address parsers' fast paths against the straightforward versions they
 * replaced (kept here verbatim as the reference): every field of the result must be the same
 * for the fuzz corpus, hand-written edge cases and many pseudo-random mutations of real SDP
 * bodies and address literals (fixed seed: the inputs are the same on every run). */
#include <arpa/inet.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_msg.h"

#define STR_IS(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

/* ---- the reference implementations ---- */

static int ref_addr_parse(const char *text, size_t len, sip_addr *out)
{
    memset(out, 0, sizeof *out);
    char tmp[64];
    while (len && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r'))
        len--;
    if (!len || len >= sizeof tmp)
        return -1;
    const char *host = text, *port = NULL;
    size_t hl = len, pl = 0;
    if (text[0] == '[') {
        const char *e = memchr(text, ']', len);
        if (!e)
            return -1;
        host = text + 1;
        hl = (size_t)(e - text - 1);
        if ((size_t)(e - text) + 1 < len) {
            if (e[1] != ':')
                return -1;
            port = e + 2;
            pl = len - (size_t)(e - text) - 2;
        }
    } else {
        const char *c = memchr(text, ':', len);
        if (c && !memchr(c + 1, ':', len - (size_t)(c - text) - 1)) {
            hl = (size_t)(c - text);
            port = c + 1;
            pl = len - hl - 1;
        }
    }
    /* dotted IPv4, the common case, without inet_pton */
    unsigned oct = 0, parts = 0, digits = 0;
    bool v4 = hl >= 7 && hl <= 15;
    for (size_t i = 0; v4 && i <= hl; i++) {
        char ch = i < hl ? host[i] : '.';
        if (ch >= '0' && ch <= '9' && digits < 3) {
            oct = oct * 10 + (unsigned)(ch - '0');
            digits++;
        } else if (ch == '.' && digits && oct <= 255 && parts < 4) {
            out->ip[parts++] = (uint8_t)oct;
            oct = digits = 0;
        } else {
            v4 = false;
        }
    }
    if (v4 && parts == 4) {
        out->family = 4;
    } else {
    memcpy(tmp, host, hl);
    tmp[hl] = 0;
    if (memchr(tmp, ':', hl)) {
        if (inet_pton(AF_INET6, tmp, out->ip) != 1)
            return memset(out, 0, sizeof *out), -1;
        out->family = 6;
    } else {
        if (inet_pton(AF_INET, tmp, out->ip) != 1)
            return memset(out, 0, sizeof *out), -1;
        out->family = 4;
    }
    }
    if (port) {
        unsigned v = 0;
        if (!pl || pl > 5)
            return memset(out, 0, sizeof *out), -1;
        for (size_t i = 0; i < pl; i++) {
            if (port[i] < '0' || port[i] > '9')
                return memset(out, 0, sizeof *out), -1;
            v = v * 10 + (unsigned)(port[i] - '0');
        }
        if (v > 65535)
            return memset(out, 0, sizeof *out), -1;
        out->port = (uint16_t)v;
    }
    return 0;
}


static sip_str ref_trim(sip_str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

/* Splits off the next space-separated word. Every caller passes the rest of a line that
 * sdp_trim already cut at its end, so only the leading blanks need skipping here. */
static sip_str ref_word(sip_str *s)
{
    while (s->n && (s->p[0] == ' ' || s->p[0] == '\t'))
        s->p++, s->n--;
    size_t i = 0;
    while (i < s->n && s->p[i] != ' ' && s->p[i] != '\t')
        i++;
    sip_str w = {s->p, i};
    s->p += i;
    s->n -= i;
    return w;
}

static long ref_num(sip_str s)
{
    long v = 0;
    if (!s.n || s.n > 9)
        return -1;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return -1;
        v = v * 10 + (s.p[i] - '0');
    }
    return v;
}

/* "IN IP4 1.2.3.4" */
static void ref_conn_addr(sip_str v, sip_addr *a, bool *zero)
{
    ref_word(&v);
    ref_word(&v);
    sip_str addr = ref_word(&v);
    const char *slash = memchr(addr.p, '/', addr.n); /* multicast TTL */
    if (slash)
        addr.n = (size_t)(slash - addr.p);
    ref_addr_parse(addr.p, addr.n, a);
    if (zero)
        *zero = STR_IS(addr, "0.0.0.0") || STR_IS(addr, "::");
}

static bool ref_dir_attr(sip_str a, sip_dir *d)
{
    if (a.n != 8) /* all four are 8 letters */
        return false;
    if (STR_IS(a, "sendrecv"))
        *d = SIP_DIR_SENDRECV;
    else if (STR_IS(a, "sendonly"))
        *d = SIP_DIR_SENDONLY;
    else if (STR_IS(a, "recvonly"))
        *d = SIP_DIR_RECVONLY;
    else if (STR_IS(a, "inactive"))
        *d = SIP_DIR_INACTIVE;
    else
        return false;
    return true;
}

static void ref_media_line(sip_str v, sip_sdp_media *m)
{
    m->type = ref_word(&v);
    sip_str port = ref_word(&v);
    const char *slash = memchr(port.p, '/', port.n);
    if (slash)
        port.n = (size_t)(slash - port.p);
    long p = ref_num(port);
    m->port = p >= 0 && p <= 65535 ? (int)p : 0;
    m->proto = ref_word(&v);
    while (v.n && m->n_fmt < SIP_SDP_MAX_FMT) {
        sip_str f = ref_word(&v);
        if (!f.n)
            break;
        long pt = ref_num(f);
        m->fmt[m->n_fmt++] = pt >= 0 && pt < 128 ? (int)pt : -1;
    }
}

static void ref_rtpmap(sip_str v, sip_sdp_media *m)
{
    sip_str pt = ref_word(&v);
    long n = ref_num(pt);
    sip_str enc = ref_word(&v);
    const char *slash = memchr(enc.p, '/', enc.n);
    sip_str name = {enc.p, slash ? (size_t)(slash - enc.p) : enc.n};
    long rate = -1;
    if (slash) {
        sip_str r = {slash + 1, enc.n - (size_t)(slash - enc.p) - 1};
        const char *s2 = memchr(r.p, '/', r.n);
        if (s2)
            r.n = (size_t)(s2 - r.p);
        rate = ref_num(r);
    }
    for (unsigned i = 0; i < m->n_fmt; i++)
        if (m->fmt[i] == n) {
            m->fmt_name[i] = name;
            m->fmt_rate[i] = rate > 0 ? (int)rate : 0;
        }
}

static int ref_sdp_origin(const sip_sdp *sdp, sip_addr *out)
{
    memset(out, 0, sizeof *out);
    sip_str t = sdp->origin_line;
    if (!t.n)
        return -1;
    for (int k = 0; k < 3; k++)
        ref_word(&t);
    ref_conn_addr(t, out, NULL);
    return out->family ? 0 : -1;
}

static int ref_sdp_parse(const char *body, size_t len, sip_sdp *sdp)
{
    /* only the header: media entries are cleared as they are created (the struct is large) */
    sdp->origin_line = (sip_str){NULL, 0};
    sdp->n_media = 0;
    sip_addr sess_conn = {0};
    bool sess_zero = false, seen_v = false;
    sip_dir sess_dir = SIP_DIR_SENDRECV;
    sip_sdp_media *cur = NULL;
    bool cur_conn = false, cur_dir = false;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - body) : len;
        sip_str line = ref_trim((sip_str){body + i, e - i});
        i = e + 1;
        if (line.n < 2 || line.p[1] != '=')
            continue;
        sip_str v = {line.p + 2, line.n - 2};
        switch (line.p[0]) {
        case 'v':
            seen_v = true;
            break;
        case 'o': /* origin: its address is parsed on demand (sip_sdp_origin) */
            sdp->origin_line = v;
            break;
        case 'c':
            if (cur) {
                ref_conn_addr(v, &cur->conn, &cur->conn_zero);
                cur_conn = true;
            } else {
                ref_conn_addr(v, &sess_conn, &sess_zero);
            }
            break;
        case 'm':
            if (sdp->n_media >= SIP_SDP_MAX_MEDIA) {
                cur = NULL;
                i = len; /* ignore the rest: the cap is documented */
                break;
            }
            cur = &sdp->m[sdp->n_media++];
            memset(cur, 0, sizeof *cur);
            cur_conn = cur_dir = false;
            ref_media_line(v, cur);
            cur->conn = sess_conn;
            cur->conn_zero = sess_zero;
            cur->dir = sess_dir;
            break;
        case 'a': {
            sip_dir d;
            if (ref_dir_attr(v, &d)) {
                if (cur) {
                    cur->dir = d;
                    cur_dir = true;
                } else {
                    sess_dir = d;
                }
            } else if (cur && v.n > 7 && memcmp(v.p, "rtpmap:", 7) == 0) {
                ref_rtpmap((sip_str){v.p + 7, v.n - 7}, cur);
            } else if (cur && v.n > 5 && memcmp(v.p, "fmtp:", 5) == 0) {
                sip_str f = {v.p + 5, v.n - 5};
                long pt = ref_num(ref_word(&f));
                for (unsigned k = 0; k < cur->n_fmt; k++)
                    if (cur->fmt[k] == pt)
                        cur->fmt_param[k] = ref_trim(f);
            } else if (cur && v.n >= 6 && memcmp(v.p, "crypto", 6) == 0) {
                cur->has_crypto = true;
            }
            break;
        }
        default:
            break;
        }
    }
    (void)cur_conn;
    (void)cur_dir;
    return seen_v ? 0 : -1;
}


/* ---- comparison ---- */

static void same_str(sip_str a, sip_str b)
{
    assert_int_equal(a.n, b.n);
    if (a.n)
        assert_ptr_equal(a.p, b.p);
}

static void same_addr(const sip_addr *a, const sip_addr *b)
{
    assert_int_equal(a->family, b->family);
    assert_int_equal(a->port, b->port);
    assert_memory_equal(a->ip, b->ip, sizeof a->ip);
}

static void check_sdp(const char *p, size_t n)
{
    sip_sdp *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    memset(a, 0x5a, sizeof *a);
    memset(b, 0x5a, sizeof *b);
    assert_int_equal(sip_sdp_parse(p, n, a), ref_sdp_parse(p, n, b));
    same_str(a->origin_line, b->origin_line);
    assert_int_equal(a->n_media, b->n_media);
    for (unsigned i = 0; i < a->n_media; i++) {
        const sip_sdp_media *x = &a->m[i], *y = &b->m[i];
        same_str(x->type, y->type);
        same_str(x->proto, y->proto);
        assert_int_equal(x->port, y->port);
        assert_int_equal(x->n_fmt, y->n_fmt);
        for (unsigned k = 0; k < SIP_SDP_MAX_FMT; k++) {
            assert_int_equal(x->fmt[k], y->fmt[k]);
            same_str(x->fmt_name[k], y->fmt_name[k]);
            assert_int_equal(x->fmt_rate[k], y->fmt_rate[k]);
            same_str(x->fmt_param[k], y->fmt_param[k]);
        }
        same_addr(&x->conn, &y->conn);
        assert_int_equal(x->conn_zero, y->conn_zero);
        assert_int_equal(x->dir, y->dir);
        assert_int_equal(x->has_crypto, y->has_crypto);
    }
    sip_addr oa, ob;
    assert_int_equal(sip_sdp_origin(a, &oa), ref_sdp_origin(b, &ob));
    same_addr(&oa, &ob);
    free(a);
    free(b);
}

static void check_addr(const char *p, size_t n)
{
    sip_addr a, b;
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0xa5, sizeof b);
    assert_int_equal(sip_addr_parse(p, n, &a), ref_addr_parse(p, n, &b));
    assert_memory_equal(&a, &b, sizeof a); /* padding too: addresses are hashed as bytes */
}

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

static void sdp_samples_and_mutations(void **st)
{
    (void)st;
    char buf[1024];
    for (size_t s = 0; s < sizeof sdps / sizeof sdps[0]; s++) {
        size_t len = strlen(sdps[s]);
        for (size_t cut = 0; cut <= len; cut++) {
            char *exact = malloc(cut ? cut : 1); /* every prefix, in a buffer of its own size (ASan) */
            assert_non_null(exact);
            memcpy(exact, sdps[s], cut);
            check_sdp(exact, cut);
            free(exact);
        }
        for (int i = 0; i < 20000; i++) {
            size_t n = len;
            memcpy(buf, sdps[s], n);
            mutate(buf, &n, sizeof buf);
            check_sdp(buf, n);
        }
    }
}

static void sdp_fuzz_corpus(void **st)
{
    (void)st;
    DIR *dir = opendir("fuzz/sip_parser/corpus");
    assert_non_null(dir);
    struct dirent *de;
    int files = 0;
    static char data[1 << 20];
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "fuzz/sip_parser/corpus/%s", de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        size_t n = fread(data, 1, sizeof data, f);
        fclose(f);
        check_sdp(data, n);
        sip_msg m;
        bool tr;
        sip_str sdp;
        if (sip_msg_parse(data, n, &m, &tr) == 0 &&
            sip_body_find_sdp(m.content_type, m.body, &sdp) == 0)
            check_sdp(sdp.p, sdp.n);
        files++;
    }
    closedir(dir);
    assert_true(files > 10);
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
        cmocka_unit_test(sdp_samples_and_mutations),
        cmocka_unit_test(sdp_fuzz_corpus),
        cmocka_unit_test(addr_cases_and_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
