/* The capture reader: libpcap (pcap and pcapng) frames down to SIP records and RTP payloads.
 * Link types Ethernet (802.1Q/QinQ tags), Linux SLL/SLL2, raw IP, BSD loopback/null; IPv4
 * and IPv6 (extension headers, fragments reassembled in a bounded table), IP-in-IP; UDP
 * datagrams recognised as SIP by content on any port; TCP handed to sip_tcp.c. */
#include "sip/sip_read_int.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FRAG_TIMEOUT_US 30000000LL

typedef struct frag {
    struct frag *next;
    uint8_t family, proto;
    uint8_t src[16], dst[16];
    uint32_t id;
    int64_t first_t;
    uint8_t *buf;           /* grows with the highest fragment end, up to max_datagram */
    size_t cap;
    uint8_t *have;          /* bitmap of 8-byte blocks (max_datagram / 8 bits) */
    size_t total;           /* 0 until the last fragment arrived */
    size_t hdr_len;         /* IPv4: the first fragment's header, kept to rebuild */
} frag;

struct frag_table {
    frag *head;
    size_t n;
};

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void frag_free(frag *f)
{
    free(f->buf);
    free(f->have);
    free(f);
}

void sip_frags_free(sip_reader *rd)
{
    if (!rd->frags)
        return;
    for (frag *f = rd->frags->head, *n; f; f = n) {
        n = f->next;
        frag_free(f);
    }
    free(rd->frags);
    rd->frags = NULL;
}

static bool frag_complete(const frag *f)
{
    if (!f->total)
        return false;
    for (size_t b = 0; b < (f->total + 7) / 8; b++)
        if (!(f->have[b / 8] & (1u << (b % 8))))
            return false;
    return true;
}

/* Adds a fragment; returns the reassembled payload (caller frees) when complete. */
static uint8_t *frag_add(sip_reader *rd, uint8_t family, const uint8_t *src, const uint8_t *dst,
                         uint32_t id, uint8_t proto, size_t off, const uint8_t *p, size_t n,
                         bool more, size_t *out_len)
{
    rd->st->ip_fragments++;
    if (!rd->frags && !(rd->frags = calloc(1, sizeof *rd->frags)))
        return NULL;
    size_t alen = family == 6 ? 16 : 4;
    frag **pp = &rd->frags->head, *f = NULL;
    /* expire old entries while looking */
    while (*pp) {
        frag *c = *pp;
        if (rd->now - c->first_t > FRAG_TIMEOUT_US) {
            *pp = c->next;
            frag_free(c);
            rd->frags->n--;
            continue;
        }
        if (c->family == family && c->id == id && c->proto == proto &&
            !memcmp(c->src, src, alen) && !memcmp(c->dst, dst, alen))
            f = c;
        pp = &c->next;
    }
    size_t maxd = rd->o.max_datagram;
    if (off + n > maxd)
        return NULL;
    if (!f) {
        if (rd->frags->n >= rd->o.max_ip_reassemblies) { /* drop the oldest */
            frag *old = rd->frags->head;
            rd->frags->head = old->next;
            frag_free(old);
            rd->frags->n--;
        }
        f = calloc(1, sizeof *f);
        if (!f)
            return NULL;
        f->have = calloc((maxd + 63) / 64, 1);
        if (!f->have) {
            frag_free(f);
            return NULL;
        }
        f->family = family;
        f->proto = proto;
        f->id = id;
        memcpy(f->src, src, alen);
        memcpy(f->dst, dst, alen);
        f->first_t = rd->now;
        f->next = rd->frags->head;
        rd->frags->head = f;
        rd->frags->n++;
    }
    if (off + n > f->cap) { /* a SIP datagram is a few kB: grow, never preallocate 64 kB */
        size_t nc = f->cap ? f->cap : 2048;
        while (nc < off + n)
            nc *= 2;
        if (nc > maxd)
            nc = maxd;
        uint8_t *nb = realloc(f->buf, nc);
        if (!nb)
            return NULL;
        f->buf = nb;
        f->cap = nc;
    }
    memcpy(f->buf + off, p, n);
    for (size_t b = off / 8; b < (off + n + 7) / 8; b++)
        f->have[b / 8] |= (uint8_t)(1u << (b % 8));
    if (!more)
        f->total = off + n;
    if (!frag_complete(f))
        return NULL;
    /* unlink and hand over */
    for (frag **q = &rd->frags->head; *q; q = &(*q)->next)
        if (*q == f) {
            *q = f->next;
            break;
        }
    rd->frags->n--;
    uint8_t *buf = f->buf;
    *out_len = f->total;
    f->buf = NULL;
    frag_free(f);
    return buf;
}

static void addr_set(sip_addr *a, uint8_t family, const uint8_t *ip, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->family = family;
    memcpy(a->ip, ip, family == 6 ? 16 : 4);
    a->port = port;
}

static void udp_payload(sip_reader *rd, const sip_addr *src, const sip_addr *dst, const uint8_t *p,
                        size_t n)
{
    const char *orig = (const char *)p;
    if (!sip_looks_like_sip(orig, n)) {
        sip_reader_rtp(rd, src, dst, p, n);
        return;
    }
    /* one datagram may carry several messages back to back */
    for (int k = 0; k < 8 && n; k++) {
        void *token;
        const char *d = sip_reader_stage(rd, orig, n, &token);
        sip_msg local, *mp = sip_reader_msg_slot(token, &local);
        bool tr;
        int rc = token && sip_reader_defer(rd) ? sip_msg_parse_deferred(d, n, mp, &tr)
                                               : sip_msg_parse(d, n, mp, &tr);
        if (rc < 0) {
            sip_reader_unstage(rd, token);
            rd->st->frames_skipped++;
            return;
        }
        if (tr)
            rd->st->truncated = true;
        size_t used = mp->msg_len <= n ? mp->msg_len : n;
        sip_record r = {.time_us = rd->now, .src = *src, .dst = *dst, .transport = SIP_TP_UDP,
                        .data = d, .len = used, .frame = rd->frame};
        sip_reader_emit_parsed(rd, &r, mp, token);
        if (used >= n || !sip_looks_like_sip(orig + used, n - used))
            return;
        orig += used;
        n -= used;
    }
}

static void l4(sip_reader *rd, uint8_t family, const uint8_t *sip, const uint8_t *dip,
               uint8_t proto, const uint8_t *p, size_t n, int depth);

static void ipv4(sip_reader *rd, const uint8_t *p, size_t n, int depth)
{
    if (n < 20 || (p[0] >> 4) != 4)
        goto bad;
    size_t ihl = (size_t)(p[0] & 0x0f) * 4, tot = be16(p + 2);
    if (ihl < 20 || tot < ihl)
        goto bad;
    if (tot > n) {
        rd->st->truncated = true;
        tot = n;
    }
    uint16_t fo = be16(p + 6);
    bool more = fo & 0x2000;
    size_t off = (size_t)(fo & 0x1fff) * 8;
    if (more || off) {
        size_t len = 0;
        uint8_t *buf = frag_add(rd, 4, p + 12, p + 16, be16(p + 4), p[9], off, p + ihl, tot - ihl,
                                more, &len);
        if (buf) {
            l4(rd, 4, p + 12, p + 16, p[9], buf, len, depth);
            free(buf);
        }
        return;
    }
    l4(rd, 4, p + 12, p + 16, p[9], p + ihl, tot - ihl, depth);
    return;
bad:
    rd->st->frames_skipped++;
}

static void ipv6(sip_reader *rd, const uint8_t *p, size_t n, int depth)
{
    if (n < 40 || (p[0] >> 4) != 6)
        goto bad;
    size_t plen = be16(p + 4);
    if (40 + plen > n) {
        rd->st->truncated = true;
        plen = n - 40;
    }
    uint8_t nh = p[6];
    const uint8_t *q = p + 40;
    size_t left = plen;
    for (int k = 0; k < 8; k++) {
        if (nh == 0 || nh == 43 || nh == 60) {
            if (left < 8 || (size_t)(q[1] + 1) * 8 > left)
                goto bad;
            size_t hl = (size_t)(q[1] + 1) * 8;
            nh = q[0];
            q += hl;
            left -= hl;
        } else if (nh == 51) {
            if (left < 8 || (size_t)(q[1] + 2) * 4 > left)
                goto bad;
            size_t hl = (size_t)(q[1] + 2) * 4;
            nh = q[0];
            q += hl;
            left -= hl;
        } else if (nh == 44) {
            if (left < 8)
                goto bad;
            uint16_t fo = be16(q + 2);
            size_t off = (size_t)(fo >> 3) * 8, len = 0;
            uint8_t *buf = frag_add(rd, 6, p + 8, p + 24, be32(q + 4), q[0], off, q + 8,
                                    left - 8, fo & 1, &len);
            if (buf) {
                l4(rd, 6, p + 8, p + 24, q[0], buf, len, depth);
                free(buf);
            }
            return;
        } else {
            break;
        }
    }
    l4(rd, 6, p + 8, p + 24, nh, q, left, depth);
    return;
bad:
    rd->st->frames_skipped++;
}

static void l4(sip_reader *rd, uint8_t family, const uint8_t *sip, const uint8_t *dip,
               uint8_t proto, const uint8_t *p, size_t n, int depth)
{
    sip_addr src, dst;
    switch (proto) {
    case 17: {
        if (n < 8)
            break;
        size_t ul = be16(p + 4);
        if (ul < 8)
            break;
        if (ul > n) {
            rd->st->truncated = true;
            ul = n;
        }
        addr_set(&src, family, sip, be16(p));
        addr_set(&dst, family, dip, be16(p + 2));
        udp_payload(rd, &src, &dst, p + 8, ul - 8);
        return;
    }
    case 6: {
        if (n < 20)
            break;
        size_t doff = (size_t)(p[12] >> 4) * 4;
        if (doff < 20 || doff > n)
            break;
        addr_set(&src, family, sip, be16(p));
        addr_set(&dst, family, dip, be16(p + 2));
        sip_tcp_segment(rd, &src, &dst, be32(p + 4), p[13], p + doff, n - doff);
        return;
    }
    case 4:
        if (depth < 4)
            ipv4(rd, p, n, depth + 1);
        return;
    case 41:
        if (depth < 4)
            ipv6(rd, p, n, depth + 1);
        return;
    default:
        break;
    }
    rd->st->frames_skipped++;
}

static void ip_any(sip_reader *rd, const uint8_t *p, size_t n)
{
    if (n && (p[0] >> 4) == 4)
        ipv4(rd, p, n, 0);
    else if (n && (p[0] >> 4) == 6)
        ipv6(rd, p, n, 0);
    else
        rd->st->frames_skipped++;
}

static void by_ethertype(sip_reader *rd, uint16_t et, const uint8_t *p, size_t n)
{
    if (et == 0x0800 || et == 0x86dd)
        ip_any(rd, p, n);
    else
        rd->st->frames_skipped++;
}

static void frame(sip_reader *rd, int dlt, const uint8_t *p, size_t n)
{
    switch (dlt) {
    case DLT_EN10MB: {
        if (n < 14)
            break;
        size_t off = 12;
        uint16_t et = be16(p + off);
        for (int k = 0; k < 4 && (et == 0x8100 || et == 0x88a8 || et == 0x9100); k++) {
            if (n < off + 6)
                goto bad;
            off += 4;
            et = be16(p + off);
        }
        by_ethertype(rd, et, p + off + 2, n - off - 2);
        return;
    }
    case DLT_LINUX_SLL:
        if (n < 16)
            break;
        by_ethertype(rd, be16(p + 14), p + 16, n - 16);
        return;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (n < 20)
            break;
        by_ethertype(rd, be16(p), p + 20, n - 20);
        return;
#endif
    case DLT_NULL:
    case DLT_LOOP:
        if (n < 4)
            break;
        ip_any(rd, p + 4, n - 4);
        return;
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
    case DLT_IPV6:
#endif
#if defined(DLT_RAW) && DLT_RAW != 12
    case 12:
#endif
#if DLT_RAW != 14
    case 14:
#endif
        ip_any(rd, p, n);
        return;
    default:
        break;
    }
bad:
    rd->st->frames_skipped++;
}

static int read_loop(sip_reader *rd, pcap_t *pc, uint64_t total, char *err, size_t errlen)
{
    int dlt = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    FILE *fp = pcap_file(pc);
    uint64_t next_report = 0;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        rd->frame++;
        rd->st->frames++;
        rd->now = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        if (h->caplen < h->len)
            rd->st->truncated = true;
        frame(rd, dlt, data, h->caplen);
        if ((rd->frame & 1023) == 0) {
            uint64_t pos = fp ? (uint64_t)ftell(fp) : 0;
            rd->st->bytes = pos;
            if (sip_reader_should_stop(rd, pos, total, &next_report))
                return 0;
        }
    }
    if (fp)
        rd->st->bytes = (uint64_t)ftell(fp);
    if (rc == -1) {
        /* a truncated file: what was read stands */
        rd->st->truncated = true;
        if (rd->frame == 0) {
            snprintf(err, errlen, "cannot read the capture: %s", pcap_geterr(pc));
            return -1;
        }
    }
    return 0;
}

/* ---- classic pcap read here ------------------------------------------------------------------
 * The classic format is a 24-byte file header and 16-byte record headers: read in 1 MB blocks
 * and framed here, it costs a fraction of libpcap's per-packet path (a call through the lazy
 * loader, a copy into its buffer, byte swapping checks). Same results as libpcap for the files
 * this takes: version 2.4, the link types frame() decodes; snapshot length as libpcap adjusts
 * it (0 or above 262144 = 262144), a record longer than that is kept to the snapshot length
 * and one above 262144 ends the file as libpcap's "invalid packet capture length" does; a
 * partial last record ends the file as truncated; nanosecond files are read to microseconds
 * (PCAP_TSTAMP_PRECISION_MICRO). Anything else, and a file whose first record is already
 * unreadable (so the error names libpcap's reason), goes to libpcap. */

#define FAST_MAX_SNAP 262144u
#define FAST_BUF (1u << 20)
#define FAST_BLOCKS 3 /* with the engine thread: messages are parsed and staged in place */

/* The file is read into a block of FAST_BUF bytes. Alone, the reader reuses one block (the
 * unread tail moved to its start). With the engine thread it moves on to the next of
 * FAST_BLOCKS blocks instead, so the messages staged from a block stay where they are until
 * the engine has consumed the batches that point into it (sip_pipe_wait_done) and need no
 * copy. */
typedef struct fast_in {
    FILE *fp;
    sip_reader *rd;
    unsigned char *mem;                /* n_blocks blocks of FAST_BUF bytes */
    unsigned n_blocks, blk;            /* blocks, the one being read */
    uint64_t last_batch[FAST_BLOCKS];  /* the pipe batch current when a block was left */
    bool left[FAST_BLOCKS];            /* the block was read and left at least once */
    unsigned char *buf;                /* mem + blk * FAST_BUF */
    size_t start, end;                 /* unread bytes are buf[start..end) */
    uint64_t off;                      /* file offset of buf[start] */
    bool eof;
} fast_in;

static bool fast_alloc(fast_in *in, sip_reader *rd)
{
    in->rd = rd;
    in->n_blocks = rd->pipe ? FAST_BLOCKS : 1;
    if (!(in->mem = malloc((size_t)in->n_blocks * FAST_BUF)))
        return false;
    in->buf = in->mem;
    if (rd->pipe) {
        rd->stable = (const char *)in->buf;
        rd->stable_n = FAST_BUF;
    }
    return true;
}

/* Frees the blocks once nothing staged from them is left in the pipe. */
static void fast_free(fast_in *in)
{
    if (in->n_blocks > 1)
        sip_pipe_wait_done(in->rd, sip_pipe_batch(in->rd));
    in->rd->stable = NULL;
    in->rd->stable_n = 0;
    free(in->mem);
}

/* The unread tail goes to the start of the next block (the same one when alone), once the
 * engine is done with that block's messages. */
static void fast_next_block(fast_in *in)
{
    unsigned next = (in->blk + 1) % in->n_blocks;
    unsigned char *to = in->mem + (size_t)next * FAST_BUF;
    if (next != in->blk) {
        in->last_batch[in->blk] = sip_pipe_batch(in->rd);
        in->left[in->blk] = true;
        if (in->left[next])
            sip_pipe_wait_done(in->rd, in->last_batch[next]);
    }
    memmove(to, in->buf + in->start, in->end - in->start);
    in->end -= in->start;
    in->start = 0;
    in->blk = next;
    in->buf = to;
    if (in->n_blocks > 1)
        in->rd->stable = (const char *)to;
}

/* Makes n bytes available at buf[start] (n <= FAST_BUF); false at the end of the file. */
static bool fast_need(fast_in *in, size_t n)
{
    while (in->end - in->start < n) {
        if (in->eof)
            return false;
        if (in->start)
            fast_next_block(in);
        size_t got = fread(in->buf + in->end, 1, FAST_BUF - in->end, in->fp);
        if (got == 0)
            in->eof = true;
        in->end += got;
    }
    return true;
}

static uint32_t rd32(const unsigned char *p, bool big)
{
    return big ? be32(p) : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

/* The DLT of a classic-pcap link type this reader decodes, -1 for the others. */
static int fast_dlt(uint32_t linktype)
{
    switch (linktype & 0x03FFFFFF) { /* the low bits; the high ones carry FCS information */
    case 0:
        return DLT_NULL;
    case 1:
        return DLT_EN10MB;
    case 101:
        return DLT_RAW;
    case 108:
        return DLT_LOOP;
    case 113:
        return DLT_LINUX_SLL;
#ifdef DLT_LINUX_SLL2
    case 276:
        return DLT_LINUX_SLL2;
#endif
#ifdef DLT_IPV4
    case 228:
        return DLT_IPV4;
    case 229:
        return DLT_IPV6;
#endif
    default:
        return -1;
    }
}

/* 1 when the file was read here (rc in *rc), 0 when libpcap should read it (fp rewound). */
static int fast_read(sip_reader *rd, FILE *fp, uint64_t total, int *rc)
{
    fast_in in = {.fp = fp};
    unsigned char h[24];
    if (fread(h, 1, 24, fp) != 24)
        goto libpcap;
    uint32_t magic = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    bool big = magic == 0xa1b2c3d4 || magic == 0xa1b23c4d;
    bool nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
    if (!big && magic != 0xd4c3b2a1 && magic != 0x4d3cb2a1)
        goto libpcap;
    uint16_t vmaj = big ? be16(h + 4) : (uint16_t)(h[5] << 8 | h[4]);
    uint16_t vmin = big ? be16(h + 6) : (uint16_t)(h[7] << 8 | h[6]);
    int dlt = fast_dlt(rd32(h + 20, big));
    if (vmaj != 2 || vmin != 4 || dlt < 0)
        goto libpcap;
    uint32_t snap = rd32(h + 16, big);
    if (snap == 0 || snap > FAST_MAX_SNAP)
        snap = FAST_MAX_SNAP;
    if (!fast_alloc(&in, rd))
        goto libpcap;
    in.off = 24;
    uint64_t next_report = 0;
    bool bad = false;
    *rc = 0;
    for (;;) {
        if (!fast_need(&in, 16)) {
            bad = in.end > in.start; /* a partial record header */
            break;
        }
        const unsigned char *rh = in.buf + in.start;
        uint32_t sec = rd32(rh, big), frac = rd32(rh + 4, big);
        uint32_t caplen = rd32(rh + 8, big), len = rd32(rh + 12, big);
        size_t keep = caplen, skip = 0;
        if (caplen > snap) {
            if (caplen > FAST_MAX_SNAP) {
                bad = true;
                in.end = in.start + 16; /* libpcap stops after this record header */
                break;
            }
            keep = snap;
            skip = caplen - snap;
        }
        if (!fast_need(&in, 16 + caplen)) {
            bad = true;
            break;
        }
        const uint8_t *data = in.buf + in.start + 16;
        in.start += 16 + keep + skip;
        in.off += 16 + (uint64_t)caplen;
        rd->frame++;
        rd->st->frames++;
        rd->now = (int64_t)sec * 1000000 + (nano ? frac / 1000 : frac);
        if (keep < len)
            rd->st->truncated = true;
        frame(rd, dlt, data, keep);
        if ((rd->frame & 1023) == 0) {
            rd->st->bytes = in.off;
            if (sip_reader_should_stop(rd, in.off, total, &next_report))
                break;
        }
    }
    if (bad && rd->frame == 0) { /* libpcap reads it again and says what is wrong */
        fast_free(&in);
        goto libpcap;
    }
    if (bad) { /* what was read stands; libpcap's position is past the bytes it read */
        rd->st->truncated = true;
        in.off += in.end - in.start;
    }
    rd->st->bytes = in.off;
    sip_tcp_flush(rd);
    fast_free(&in);
    sip_frags_free(rd);
    fclose(fp);
    return 1;
libpcap:
    rewind(fp);
    return 0;
}

int sip_read_pcap_fp(sip_reader *rd, FILE *fp, uint64_t total, char *err, size_t errlen)
{
    int frc;
    if (rd->st->format == SIP_FMT_PCAP && fast_read(rd, fp, total, &frc))
        return frc;
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    if (!pc) {
        fclose(fp);
        snprintf(err, errlen, "not a readable pcap/pcapng capture: %s", ebuf);
        return -1;
    }
    int rc = read_loop(rd, pc, total, err, errlen);
    sip_tcp_flush(rd);
    sip_frags_free(rd);
    pcap_close(pc); /* closes fp */
    return rc;
}
