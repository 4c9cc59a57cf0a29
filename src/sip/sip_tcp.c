/* TCP reassembly for SIP: one byte stream per direction (4-tuple), segments put in sequence
 * order (retransmitted and overlapping bytes dropped, out-of-order segments held in a bounded
 * list), and the stream cut into messages by header end + Content-Length (several messages in
 * one segment, one message over many). A gap the capture lost resynchronises on the next start
 * line. Every buffer and the number of streams are capped. */
#include "sip/sip_read_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_OOO_SEGS 64
#define HELD_MAX (64u << 20) /* bytes buffered over all streams (buffers + held segments) */
#define IDLE_US 300000000LL

typedef struct seg {
    struct seg *next;
    uint32_t seq;
    size_t len;
    uint8_t data[];
} seg;

typedef struct tcp_stream {
    struct tcp_stream *next;
    sip_addr src, dst;
    uint32_t next_seq;
    bool have_seq, not_sip, seen_sip;
    char *buf;
    size_t len, cap;
    seg *ooo;
    size_t ooo_bytes, n_ooo;
    int64_t last_t;
} tcp_stream;

struct tcp_table {
    tcp_stream **b;
    size_t nb, n;
    size_t held; /* sum of buffer capacities and held segment bytes */
};

static size_t slot(const struct tcp_table *t, const sip_addr *s, const sip_addr *d)
{
    uint64_t h = sip_hash(s, sizeof *s) ^ (sip_hash(d, sizeof *d) * 31);
    return (size_t)(h & (t->nb - 1));
}

static void stream_free(tcp_stream *s)
{
    for (seg *g = s->ooo, *n; g; g = n) {
        n = g->next;
        free(g);
    }
    free(s->buf);
    free(s);
}

static void stream_remove(struct tcp_table *t, tcp_stream *s)
{
    t->held -= s->cap + s->ooo_bytes;
    tcp_stream **pp = &t->b[slot(t, &s->src, &s->dst)];
    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp)
        *pp = s->next;
    t->n--;
    stream_free(s);
}

/* Frees streams idle for long (and, when still full, any stream) to stay under the cap. */
static void evict(sip_reader *rd, struct tcp_table *t, bool any)
{
    for (size_t i = 0; i < t->nb && (any ? t->n >= rd->o.max_tcp_streams : true); i++)
        for (tcp_stream *s = t->b[i], *n; s; s = n) {
            n = s->next;
            if (any || rd->now - s->last_t > IDLE_US)
                stream_remove(t, s);
        }
}

static tcp_stream *stream_get(sip_reader *rd, const sip_addr *src, const sip_addr *dst, bool create)
{
    struct tcp_table *t = rd->tcp;
    if (!t) {
        if (!create || !(t = rd->tcp = calloc(1, sizeof *t)))
            return NULL;
        t->nb = 1024;
        if (!(t->b = calloc(t->nb, sizeof *t->b))) {
            free(t);
            rd->tcp = NULL;
            return NULL;
        }
    }
    size_t k = slot(t, src, dst);
    for (tcp_stream *s = t->b[k]; s; s = s->next)
        if (sip_addr_equal(&s->src, src) && sip_addr_equal(&s->dst, dst))
            return s;
    if (!create)
        return NULL;
    if (t->n >= rd->o.max_tcp_streams) {
        evict(rd, t, false);
        if (t->n >= rd->o.max_tcp_streams)
            evict(rd, t, true);
        k = slot(t, src, dst);
    }
    tcp_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->src = *src;
    s->dst = *dst;
    s->next = t->b[k];
    t->b[k] = s;
    t->n++;
    rd->st->tcp_streams++;
    return s;
}

static bool append(sip_reader *rd, tcp_stream *s, const uint8_t *p, size_t n)
{
    if (s->len + n > rd->o.max_tcp_stream_bytes) {
        /* no message can be this long: drop what is buffered and resynchronise */
        s->len = 0;
        if (n > rd->o.max_tcp_stream_bytes)
            return false;
    }
    if (s->len + n > s->cap) {
        size_t nc = s->cap ? s->cap : 4096;
        while (nc < s->len + n)
            nc *= 2;
        if (nc > rd->o.max_tcp_stream_bytes)
            nc = rd->o.max_tcp_stream_bytes;
        if (rd->tcp->held + (nc - s->cap) > HELD_MAX) { /* over the global budget: a gap */
            rd->st->tcp_gaps++;
            s->len = 0;
            return false;
        }
        char *b = realloc(s->buf, nc);
        if (!b)
            return false;
        rd->tcp->held += nc - s->cap;
        s->buf = b;
        s->cap = nc;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->next_seq += (uint32_t)n;
    return true;
}

/* Drops bytes up to the next line that starts like SIP (after garbage or a gap). */
static void resync(tcp_stream *s)
{
    size_t i = 0;
    while (i < s->len) {
        const char *nl = memchr(s->buf + i, '\n', s->len - i);
        if (!nl) {
            i = s->len;
            break;
        }
        i = (size_t)(nl - s->buf) + 1;
        if (sip_looks_like_sip(s->buf + i, s->len - i))
            break;
    }
    memmove(s->buf, s->buf + i, s->len - i);
    s->len -= i;
}

static void cut_messages(sip_reader *rd, tcp_stream *s)
{
    for (int guard = 0; guard < 100000 && s->len; guard++) {
        size_t skip = 0;
        long n = sip_msg_frame(s->buf, s->len, rd->o.max_sip_message, &skip);
        if (n == 0) {
            if (skip) {
                memmove(s->buf, s->buf + skip, s->len - skip);
                s->len -= skip;
            }
            return;
        }
        if (n < 0) {
            if (!s->seen_sip && s->len >= 12) {
                s->not_sip = true; /* another protocol on this connection */
                s->len = 0;
                return;
            }
            resync(s);
            continue;
        }
        s->seen_sip = true;
        sip_record r = {.time_us = rd->now, .src = s->src, .dst = s->dst, .transport = SIP_TP_TCP,
                        .data = s->buf + skip, .len = (size_t)n - skip, .frame = rd->frame};
        sip_reader_emit(rd, &r);
        memmove(s->buf, s->buf + n, s->len - (size_t)n);
        s->len -= (size_t)n;
    }
}

static void drain_ooo(sip_reader *rd, tcp_stream *s)
{
    bool progress = true;
    while (progress && s->ooo) {
        progress = false;
        for (seg **pp = &s->ooo; *pp;) {
            seg *g = *pp;
            int32_t rel = (int32_t)(g->seq - s->next_seq);
            if (rel > 0) {
                pp = &g->next;
                continue;
            }
            *pp = g->next;
            s->ooo_bytes -= g->len;
            rd->tcp->held -= g->len;
            s->n_ooo--;
            if ((int64_t)g->len + rel > 0)
                append(rd, s, g->data + (-rel), g->len - (size_t)(-rel));
            free(g);
            progress = true;
        }
    }
}

static void hold(sip_reader *rd, tcp_stream *s, uint32_t seq, const uint8_t *p, size_t n)
{
    if (s->n_ooo >= MAX_OOO_SEGS || s->ooo_bytes + n > rd->o.max_tcp_stream_bytes ||
        rd->tcp->held + n > HELD_MAX) {
        /* too far ahead: the capture lost bytes; give up on them and resynchronise */
        rd->st->tcp_gaps++;
        for (seg *g = s->ooo, *nx; g; g = nx) {
            nx = g->next;
            free(g);
        }
        rd->tcp->held -= s->ooo_bytes;
        s->ooo = NULL;
        s->ooo_bytes = s->n_ooo = 0;
        s->len = 0;
        s->next_seq = seq;
        append(rd, s, p, n);
        resync(s);
        return;
    }
    seg *g = malloc(sizeof *g + n);
    if (!g)
        return;
    g->seq = seq;
    g->len = n;
    memcpy(g->data, p, n);
    g->next = s->ooo;
    s->ooo = g;
    s->ooo_bytes += n;
    rd->tcp->held += n;
    s->n_ooo++;
}

void sip_tcp_segment(sip_reader *rd, const sip_addr *src, const sip_addr *dst, uint32_t seq,
                     uint8_t flags, const uint8_t *p, size_t n)
{
    bool syn = flags & 0x02, fin = flags & 0x01, rst = flags & 0x04;
    tcp_stream *s = stream_get(rd, src, dst, syn || n > 0);
    if (!s)
        return;
    s->last_t = rd->now;
    if (syn) {
        s->next_seq = seq + 1;
        s->have_seq = true;
        s->len = 0;
        return;
    }
    if (n && !s->not_sip) {
        if (!s->have_seq) {
            s->next_seq = seq;
            s->have_seq = true;
        }
        int32_t rel = (int32_t)(seq - s->next_seq);
        if (rel > 0) {
            hold(rd, s, seq, p, n);
        } else if ((int64_t)n + rel > 0) { /* new bytes (a retransmission may overlap) */
            append(rd, s, p + (-rel), n - (size_t)(-rel));
            drain_ooo(rd, s);
        }
        cut_messages(rd, s);
    }
    if (fin || rst)
        stream_remove(rd->tcp, s);
}

void sip_tcp_flush(sip_reader *rd)
{
    struct tcp_table *t = rd->tcp;
    if (!t)
        return;
    for (size_t i = 0; i < t->nb; i++)
        for (tcp_stream *s = t->b[i], *n; s; s = n) {
            n = s->next;
            if (s->len)
                rd->st->truncated = true;
            stream_free(s);
        }
    free(t->b);
    free(t);
    rd->tcp = NULL;
}
