/* Text-log readers, line by line in bounded memory (a line is capped, a message is capped):
 *   ngrep -W byline: "U 2026/11/21 16:30:19.827654 1.2.3.4:5070 -> 5.6.7.8:5060 #1" then the
 *       message, one line per line, a CR shown as a trailing '.'; an empty line ends it.
 *   SIPp -trace_msg: "----- 2026-11-21 16:30:19.827668" then "UDP message sent (N bytes):" or
 *       "UDP message received [N] bytes :", an empty line and the message. The log has no
 *       addresses: they are inferred from the top Via and the Request-URI (SIPp's own address
 *       and its peer's).
 *   plain SIP: a timestamp line (ISO-like, optional "src -> dst") before each message. */
#include "sip/sip_read_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"

#define MAX_LINE 65536

typedef struct text_state {
    sip_reader *rd;
    sip_format fmt;
    sb_buf msg;
    bool in_msg;
    int64_t t;
    sip_addr src, dst;
    sip_transport tp;
    uint64_t entry, frame_hint;
    int sipp_dir;            /* 1 sent, 2 received */
    sip_addr local, remote;  /* SIPp: learned */
} text_state;

static bool digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return n > 0;
}

static int num(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* "YYYY-MM-DD HH:MM:SS[.ffffff]" (or / and T separators); returns chars used, 0 if none. */
static size_t parse_time(const char *p, size_t n, int64_t *us)
{
    if (n < 19 || !digits(p, 4) || (p[4] != '-' && p[4] != '/') || !digits(p + 5, 2) ||
        !digits(p + 8, 2) || (p[10] != ' ' && p[10] != 'T') || !digits(p + 11, 2) ||
        p[13] != ':' || !digits(p + 14, 2) || p[16] != ':' || !digits(p + 17, 2))
        return 0;
    struct tm tm = {0};
    tm.tm_year = num(p, 4) - 1900;
    tm.tm_mon = num(p + 5, 2) - 1;
    tm.tm_mday = num(p + 8, 2);
    tm.tm_hour = num(p + 11, 2);
    tm.tm_min = num(p + 14, 2);
    tm.tm_sec = num(p + 17, 2);
    int64_t v = (int64_t)timegm(&tm) * 1000000;
    size_t i = 19;
    if (i < n && (p[i] == '.' || p[i] == ',')) {
        i++;
        int64_t frac = 0, scale = 1000000;
        size_t k = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            if (k < 6) {
                frac = frac * 10 + (p[i] - '0');
                scale /= 10;
            }
            k++;
            i++;
        }
        v += frac * scale;
    }
    if (i < n && p[i] == 'Z')
        i++;
    *us = v;
    return i;
}

static void flush_msg(text_state *s)
{
    if (!s->in_msg)
        return;
    s->in_msg = false;
    if (!s->msg.len)
        return;
    s->entry++;
    sip_record r = {.time_us = s->t, .src = s->src, .dst = s->dst, .transport = s->tp,
                    .data = s->msg.data, .len = s->msg.len,
                    .frame = s->frame_hint ? s->frame_hint : s->entry};
    if (s->fmt == SIP_FMT_SIPP_TRACE) {
        sip_msg m;
        bool tr;
        if (sip_msg_parse(s->msg.data, s->msg.len, &m, &tr) == 0) {
            sip_addr via = {0}, ruri = {0};
            sip_addr_parse(m.via.host.p, m.via.host.n, &via);
            via.port = (uint16_t)(m.via.port ? m.via.port : 5060);
            if (m.is_request) {
                const char *at = memchr(m.ruri.p, '@', m.ruri.n);
                const char *h = at ? at + 1 : (memchr(m.ruri.p, ':', m.ruri.n) ? (const char *)memchr(m.ruri.p, ':', m.ruri.n) + 1 : m.ruri.p);
                sip_str hp = {h, (size_t)(m.ruri.p + m.ruri.n - h)};
                size_t k = 0;
                while (k < hp.n && hp.p[k] != ';' && hp.p[k] != '>' && hp.p[k] != '?')
                    k++;
                sip_str host;
                int port;
                sip_split_hostport((sip_str){hp.p, k}, &host, &port);
                if (sip_addr_parse(host.p, host.n, &ruri) == 0)
                    ruri.port = (uint16_t)(port ? port : 5060);
            }
            if (s->sipp_dir == 1) { /* sent by SIPp */
                if (m.is_request) {
                    if (!s->local.family && via.family)
                        s->local = via;
                    if (!s->remote.family && ruri.family)
                        s->remote = ruri;
                    r.src = via.family ? via : s->local;
                    r.dst = ruri.family ? ruri : s->remote;
                } else {
                    r.src = s->local;
                    r.dst = via;
                }
            } else {
                if (m.is_request) {
                    if (!s->remote.family && via.family)
                        s->remote = via;
                    if (!s->local.family && ruri.family)
                        s->local = ruri;
                    r.src = via;
                    r.dst = s->local;
                } else {
                    if (!s->local.family && via.family)
                        s->local = via;
                    r.src = s->remote;
                    r.dst = via;
                }
            }
            r.len = m.msg_len <= s->msg.len ? m.msg_len : s->msg.len;
        }
    }
    sip_reader_emit(s->rd, &r);
    sb_buf_reset(&s->msg);
}

/* "1.2.3.4:5060", "[::1]:5060" or "::1:5060" (ngrep's IPv6 form: the last colon is the port) */
static void parse_endpoint(const char *p, size_t n, sip_addr *a)
{
    while (n && (p[n - 1] == ':' || p[n - 1] == ','))
        n--;
    if (sip_addr_parse(p, n, a) == 0)
        return;
    const char *c = NULL;
    for (size_t i = n; i-- > 0;)
        if (p[i] == ':') {
            c = p + i;
            break;
        }
    if (!c)
        return;
    if (sip_addr_parse(p, (size_t)(c - p), a) == 0 && digits(c + 1, (size_t)(p + n - c - 1)) &&
        p + n - c - 1 <= 5)
        a->port = (uint16_t)num(c + 1, (size_t)(p + n - c - 1));
}

/* "src -> dst" anywhere in the line */
static bool parse_arrow(const char *p, size_t n, sip_addr *src, sip_addr *dst)
{
    const char *arrow = memmem(p, n, " -> ", 4);
    if (!arrow)
        return false;
    const char *ls = arrow;
    while (ls > p && ls[-1] != ' ')
        ls--;
    const char *re = arrow + 4;
    while (re < p + n && *re != ' ')
        re++;
    parse_endpoint(ls, (size_t)(arrow - ls), src);
    parse_endpoint(arrow + 4, (size_t)(re - arrow - 4), dst);
    return true;
}

static void ngrep_line(text_state *s, const char *p, size_t n)
{
    if (n >= 2 && (p[0] == 'U' || p[0] == 'T' || p[0] == 'I') && p[1] == ' ' &&
        memmem(p, n, " -> ", 4)) {
        flush_msg(s);
        s->tp = p[0] == 'T' ? SIP_TP_TCP : SIP_TP_UDP;
        size_t used = parse_time(p + 2, n - 2, &s->t);
        (void)used;
        memset(&s->src, 0, sizeof s->src);
        memset(&s->dst, 0, sizeof s->dst);
        parse_arrow(p, n, &s->src, &s->dst);
        s->frame_hint = 0;
        const char *hash = memrchr(p, '#', n);
        if (hash && digits(hash + 1, (size_t)(p + n - hash - 1)) && p + n - hash - 1 < 12)
            for (const char *q = hash + 1; q < p + n; q++)
                s->frame_hint = s->frame_hint * 10 + (uint64_t)(*q - '0');
        s->in_msg = true;
        return;
    }
    if (!s->in_msg)
        return;
    if (n == 0) {
        flush_msg(s);
        return;
    }
    if (p[n - 1] == '.') {
        sb_buf_append(&s->msg, p, n - 1);
        sb_buf_append(&s->msg, "\r\n", 2);
    } else {
        sb_buf_append(&s->msg, p, n);
        sb_buf_append(&s->msg, "\n", 1);
    }
}

static void sipp_line(text_state *s, const char *p, size_t n)
{
    if (n > 20 && p[0] == '-' && p[1] == '-' && p[2] == '-') {
        flush_msg(s);
        size_t i = 0;
        while (i < n && (p[i] == '-' || p[i] == ' '))
            i++;
        parse_time(p + i, n - i, &s->t);
        return;
    }
    if (!s->in_msg && n > 10 && (memmem(p, n, "message sent", 12) || memmem(p, n, "message received", 16))) {
        s->sipp_dir = memmem(p, n, "message sent", 12) ? 1 : 2;
        s->tp = n >= 3 && memcmp(p, "TCP", 3) == 0 ? SIP_TP_TCP
                : n >= 3 && memcmp(p, "TLS", 3) == 0 ? SIP_TP_TLS
                                                     : SIP_TP_UDP;
        memset(&s->src, 0, sizeof s->src);
        memset(&s->dst, 0, sizeof s->dst);
        s->in_msg = true;
        return;
    }
    if (!s->in_msg)
        return;
    if (!s->msg.len && n == 0)
        return; /* the empty line after the banner */
    sb_buf_append(&s->msg, p, n);
    sb_buf_append(&s->msg, "\n", 1);
}

static void plain_line(text_state *s, const char *p, size_t n)
{
    size_t off = (n && p[0] == '[') ? 1 : 0;
    size_t bare = n && p[n - 1] == '\r' ? n - 1 : n; /* a line may keep its CR */
    int64_t t;
    size_t used = parse_time(p + off, n - off, &t);
    if (used && !sip_looks_like_sip(p, n)) {
        flush_msg(s);
        s->t = t;
        memset(&s->src, 0, sizeof s->src);
        memset(&s->dst, 0, sizeof s->dst);
        parse_arrow(p, n, &s->src, &s->dst);
        s->tp = memmem(p, n, "TCP", 3) ? SIP_TP_TCP : SIP_TP_UNKNOWN;
        s->frame_hint = 0;
        s->in_msg = true;
        return;
    }
    if (!s->in_msg) {
        if (!sip_looks_like_sip(p, n))
            return;
        s->in_msg = true; /* messages without any timestamp line */
    }
    if (!s->msg.len && bare == 0)
        return;
    sb_buf_append(&s->msg, p, n);
    sb_buf_append(&s->msg, "\n", 1);
}

int sip_read_text_fp(sip_reader *rd, FILE *fp, sip_format fmt, uint64_t total, char *err,
                     size_t errlen)
{
    (void)err;
    (void)errlen;
    text_state s = {.rd = rd, .fmt = fmt};
    sb_buf_init(&s.msg, rd->o.max_sip_message);
    char *line = malloc(MAX_LINE);
    if (!line) {
        snprintf(err, errlen, "out of memory");
        sb_buf_free(&s.msg);
        return -1;
    }
    uint64_t done = 0, next_report = 0, lines = 0;
    for (;;) {
        size_t n = 0;
        int c;
        bool any = false;
        while ((c = getc_unlocked(fp)) != EOF) {
            any = true;
            done++;
            if (c == '\n')
                break;
            if (n < MAX_LINE)
                line[n++] = (char)c;
        }
        if (!any)
            break;
        if (n && line[n - 1] == '\r' && fmt != SIP_FMT_SIPP_TRACE && fmt != SIP_FMT_SIP_TEXT)
            n--;
        rd->st->bytes = done;
        if (fmt == SIP_FMT_NGREP)
            ngrep_line(&s, line, n);
        else if (fmt == SIP_FMT_SIPP_TRACE)
            sipp_line(&s, line, n);
        else
            plain_line(&s, line, n);
        if ((++lines & 4095) == 0 && sip_reader_should_stop(rd, done, total, &next_report))
            break;
        if (c == EOF)
            break;
    }
    flush_msg(&s);
    rd->st->frames = s.entry;
    free(line);
    sb_buf_free(&s.msg);
    return 0;
}
