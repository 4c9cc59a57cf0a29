/* SDP parser (RFC 4566 subset the diagnosis needs): o=, session and media c=, m= lines with
 * their formats, a=rtpmap, direction attributes, a=crypto; multipart bodies searched for the
 * application/sdp part. Views only; bounded by the input and the fixed media/format caps. */
#include "sip/sip_msg.h"
#include "sip/sip_int.h"

#include <string.h>

/* s equals the literal exactly (length first, then a fixed-size compare the compiler inlines) */
#define STR_IS(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

static inline bool is_blank(char c)
{
    /* most bytes are above ' ': one compare decides for them */
    return (unsigned char)c <= ' ' && (c == ' ' || c == '\t');
}

static inline sip_str sdp_trim(sip_str s)
{
    while (s.n && is_blank(s.p[0]))
        s.p++, s.n--;
    while (s.n && (is_blank(s.p[s.n - 1]) || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

/* Splits off the next space-separated word. Every caller passes the rest of a line that
 * sdp_trim already cut at its end, so only the leading blanks need skipping here. Inlined:
 * it runs a dozen times per SDP, on words of a few bytes. */
static inline sip_str word(sip_str *s)
{
    const char *p = s->p, *e = s->p + s->n;
    while (p < e && is_blank(*p))
        p++;
    const char *w = p;
    while (p < e && !is_blank(*p))
        p++;
    s->p = p;
    s->n = (size_t)(e - p);
    return (sip_str){w, (size_t)(p - w)};
}

/* s cut before its first '/' (a loop: the spans are a few bytes, shorter than a memchr call) */
static inline sip_str before_slash(sip_str s)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] == '/')
            return (sip_str){s.p, i};
    return s;
}

/* The number of s cut before its first '/': 1 to 9 digits, else -1; one pass. */
static long num_cut(sip_str s)
{
    long v = 0;
    size_t i = 0;
    for (; i < s.n && s.p[i] != '/'; i++) {
        unsigned dg = (unsigned)(unsigned char)s.p[i] - '0';
        if (dg > 9 || i >= 9)
            return -1;
        v = v * 10 + dg;
    }
    return i ? v : -1;
}

/* The next word's number (1 to 9 digits, else -1), with cut_slash of its part before a '/',
 * in one pass over the word; *len: the word's length (0 at the end of the line). */
static inline long word_num(sip_str *s, bool cut_slash, size_t *len)
{
    const char *p = s->p, *e = s->p + s->n;
    while (p < e && is_blank(*p))
        p++;
    const char *w = p;
    long v = 0;
    size_t nd = 0;
    bool bad = false;
    for (; p < e && !is_blank(*p); p++) {
        unsigned dg = (unsigned)(unsigned char)*p - '0';
        if (dg <= 9 && nd < 9) {
            v = v * 10 + dg;
            nd++;
        } else if (cut_slash && *p == '/') {
            while (p < e && !is_blank(*p))
                p++;
            break;
        } else {
            bad = true;
        }
    }
    s->p = p;
    s->n = (size_t)(e - p);
    *len = (size_t)(p - w);
    return bad || !nd ? -1 : v;
}

/* "IN IP4 1.2.3.4" */
static void conn_addr(sip_str v, sip_addr *a, bool *zero)
{
    if (v.n > 7 && memcmp(v.p, "IN IP4 ", 7) == 0) { /* the usual spelling: two words skipped */
        v.p += 7;
        v.n -= 7;
        /* the rest is just the address (a dotted quad has no blank and no '/'), as it nearly
         * always is: the word and TTL cuts below would give the same text */
        if (sip_addr_parse_v4_exact(v.p, v.n, a)) {
            if (zero)
                *zero = STR_IS(v, "0.0.0.0");
            return;
        }
    } else {
        word(&v);
        word(&v);
    }
    sip_str addr = before_slash(word(&v)); /* multicast TTL */
    sip_addr_parse(addr.p, addr.n, a);
    if (zero)
        *zero = STR_IS(addr, "0.0.0.0") || STR_IS(addr, "::");
}

static bool dir_attr(sip_str a, sip_dir *d)
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

static void media_line(sip_str v, sip_sdp_media *m)
{
    size_t len;
    m->type = word(&v);
    long p = word_num(&v, true, &len);
    m->port = p >= 0 && p <= 65535 ? (int)p : 0;
    m->proto = word(&v);
    while (v.n && m->n_fmt < SIP_SDP_MAX_FMT) {
        long pt = word_num(&v, false, &len);
        if (!len)
            break;
        m->fmt[m->n_fmt++] = pt >= 0 && pt < 128 ? (int)pt : -1;
    }
}

static void rtpmap(sip_str v, sip_sdp_media *m)
{
    size_t len;
    long n = word_num(&v, false, &len);
    sip_str enc = word(&v);
    sip_str name = before_slash(enc);
    long rate = -1;
    if (name.n < enc.n)
        rate = num_cut((sip_str){name.p + name.n + 1, enc.n - name.n - 1});
    for (unsigned i = 0; i < m->n_fmt; i++)
        if (m->fmt[i] == n) {
            m->fmt_name[i] = name;
            m->fmt_rate[i] = rate > 0 ? (int)rate : 0;
        }
}

int sip_sdp_origin(const sip_sdp *sdp, sip_addr *out)
{
    memset(out, 0, sizeof *out);
    sip_str t = sdp->origin_line;
    if (!t.n)
        return -1;
    for (int k = 0; k < 3; k++)
        word(&t);
    conn_addr(t, out, NULL);
    return out->family ? 0 : -1;
}

/* Parse state: the session-level c= and direction, the media section being filled. */
typedef struct sdp_state {
    sip_sdp *sdp;
    sip_addr sess_conn;
    bool sess_zero, seen_v, stop;
    sip_dir sess_dir;
    sip_sdp_media *cur;
} sdp_state;

static void attr_line(sdp_state *st, sip_str v)
{
    sip_sdp_media *cur = st->cur;
    sip_dir d;
    if (dir_attr(v, &d)) {
        if (cur)
            cur->dir = d;
        else
            st->sess_dir = d;
    } else if (!cur) {
        return; /* the other attributes are media-level */
    } else if (v.n > 7 && memcmp(v.p, "rtpmap:", 7) == 0) {
        rtpmap((sip_str){v.p + 7, v.n - 7}, cur);
    } else if (v.n > 5 && memcmp(v.p, "fmtp:", 5) == 0) {
        sip_str f = {v.p + 5, v.n - 5};
        size_t len;
        long pt = word_num(&f, false, &len);
        for (unsigned k = 0; k < cur->n_fmt; k++)
            if (cur->fmt[k] == pt)
                cur->fmt_param[k] = sdp_trim(f);
    } else if (v.n >= 6 && memcmp(v.p, "crypto", 6) == 0) {
        cur->has_crypto = true;
    }
}

/* The value of a line (after "x="), its trailing blanks and CR cut (the line starts with its
 * type letter: sdp_trim's leading part has nothing to do). */
static inline sip_str line_value(sip_str line)
{
    while (line.n > 2 && (is_blank(line.p[line.n - 1]) || line.p[line.n - 1] == '\r'))
        line.n--;
    return (sip_str){line.p + 2, line.n - 2};
}

static void media_start(sdp_state *st, sip_str v)
{
    sip_sdp *sdp = st->sdp;
    if (sdp->n_media >= SIP_SDP_MAX_MEDIA) {
        st->cur = NULL;
        st->stop = true; /* ignore the rest: the cap is documented */
        return;
    }
    st->cur = &sdp->m[sdp->n_media++];
    memset(st->cur, 0, sizeof *st->cur);
    media_line(v, st->cur);
    st->cur->conn = st->sess_conn;
    st->cur->conn_zero = st->sess_zero;
    st->cur->dir = st->sess_dir;
}

/* One line, leading blanks already skipped (line.n >= 2, line.p[1] == '='). */
static void sdp_line(sdp_state *st, sip_str line)
{
    switch (line.p[0]) {
    case 'v':
        st->seen_v = true;
        break;
    case 'o': /* origin: its address is parsed on demand (sip_sdp_origin) */
        st->sdp->origin_line = line_value(line);
        break;
    case 'c':
        if (st->cur)
            conn_addr(line_value(line), &st->cur->conn, &st->cur->conn_zero);
        else
            conn_addr(line_value(line), &st->sess_conn, &st->sess_zero);
        break;
    case 'm':
        media_start(st, line_value(line));
        break;
    case 'a':
        attr_line(st, line_value(line));
        break;
    default:
        break;
    }
}

int sip_sdp_parse(const char *body, size_t len, sip_sdp *sdp)
{
    /* only the header: media entries are cleared as they are created (the struct is large) */
    sdp->origin_line = (sip_str){NULL, 0};
    sdp->n_media = 0;
    sdp_state st = {.sdp = sdp, .sess_dir = SIP_DIR_SENDRECV};
    const char *p = body, *end = body + len;
    while (p < end && !st.stop) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        while (p < e && is_blank(*p))
            p++;
        /* a line's type and '=' decide first; a trailing blank never sits at index 1 when
         * the line has an '=' there, so the trimmed test equals this one */
        if (e - p >= 2 && p[1] == '=')
            sdp_line(&st, (sip_str){p, (size_t)(e - p)});
        if (!nl)
            break;
        p = nl + 1;
    }
    return st.seen_v ? 0 : -1;
}

/* Multipart: finds the application/sdp part, following nested multiparts to depth 4. */
static int find_sdp(sip_str ctype, sip_str body, sip_str *out, int depth)
{
    /* the exact lower-case spelling first: it is what nearly every agent sends */
    if ((ctype.n >= 15 && memcmp(ctype.p, "application/sdp", 15) == 0) ||
        sip_str_iprefix(ctype, "application/sdp")) {
        *out = body;
        return 0;
    }
    if (depth >= 4 || !sip_str_iprefix(ctype, "multipart/"))
        return -1;
    /* boundary=... */
    sip_str b = {NULL, 0};
    for (size_t i = 0; i + 9 <= ctype.n; i++)
        if (sip_str_iprefix((sip_str){ctype.p + i, ctype.n - i}, "boundary=")) {
            b = (sip_str){ctype.p + i + 9, ctype.n - i - 9};
            size_t k = 0;
            if (b.n && b.p[0] == '"') {
                b.p++;
                b.n--;
                while (k < b.n && b.p[k] != '"')
                    k++;
            } else {
                while (k < b.n && b.p[k] != ';' && b.p[k] != ' ' && b.p[k] != '\r')
                    k++;
            }
            b.n = k;
            break;
        }
    if (!b.n || b.n > 70)
        return -1;
    /* walk parts: "--boundary" lines */
    size_t i = 0;
    const char *part = NULL;
    while (i + 2 + b.n <= body.n) {
        const char *p = memmem(body.p + i, body.n - i, b.p, b.n);
        if (!p || p < body.p + 2)
            return -1;
        if (p[-1] != '-' || p[-2] != '-') {
            i = (size_t)(p - body.p) + b.n;
            continue;
        }
        if (part) {
            /* part runs from `part` to p-2 (minus the CRLF before the delimiter) */
            size_t plen = (size_t)(p - 2 - part);
            sip_str ps = {part, plen};
            /* part headers end at an empty line */
            const char *he = memmem(ps.p, ps.n, "\r\n\r\n", 4);
            size_t hl = 4;
            if (!he) {
                he = memmem(ps.p, ps.n, "\n\n", 2);
                hl = 2;
            }
            if (he) {
                sip_str hdrs = {ps.p, (size_t)(he - ps.p)};
                sip_str pbody = {he + hl, ps.n - (size_t)(he - ps.p) - hl};
                sip_str pct = {NULL, 0};
                for (size_t k = 0; k + 13 <= hdrs.n; k++)
                    if (sip_str_iprefix((sip_str){hdrs.p + k, hdrs.n - k}, "content-type:")) {
                        pct = (sip_str){hdrs.p + k + 13, hdrs.n - k - 13};
                        while (pct.n && pct.p[0] == ' ')
                            pct.p++, pct.n--;
                        const char *nl = memchr(pct.p, '\n', pct.n);
                        if (nl)
                            pct.n = (size_t)(nl - pct.p);
                        break;
                    }
                if (pct.n && find_sdp(pct, pbody, out, depth + 1) == 0)
                    return 0;
            }
        }
        const char *after = p + b.n;
        if (after + 2 <= body.p + body.n && after[0] == '-' && after[1] == '-')
            return -1; /* closing delimiter */
        const char *nl = memchr(after, '\n', (size_t)(body.p + body.n - after));
        if (!nl)
            return -1;
        part = nl + 1;
        i = (size_t)(part - body.p);
    }
    return -1;
}

int sip_body_find_sdp(sip_str content_type, sip_str body, sip_str *sdp_body)
{
    if (!body.n)
        return -1;
    if (!content_type.n) /* no type: accept a body that starts like SDP */
        content_type = (sip_str){"application/sdp", 15};
    return find_sdp(content_type, body, sdp_body, 0);
}

const char *sip_static_pt_name(int pt)
{
    switch (pt) {
    case 0: return "PCMU";
    case 3: return "GSM";
    case 4: return "G723";
    case 8: return "PCMA";
    case 9: return "G722";
    case 13: return "CN";
    case 18: return "G729";
    default: return "";
    }
}

const char *sip_sdp_codec(const sip_sdp_media *m, unsigned i, char *buf, size_t size)
{
    if (i >= m->n_fmt || size == 0)
        return "";
    if (m->fmt_name[i].n) {
        size_t n = m->fmt_name[i].n < size - 1 ? m->fmt_name[i].n : size - 1;
        memcpy(buf, m->fmt_name[i].p, n);
        buf[n] = 0;
        return buf;
    }
    return sip_static_pt_name(m->fmt[i]);
}
