/* Reader front door: format detection, files and buffers, progress and cancellation, and the
 * one-shot helper for record lists. */
#include "sip/sip_int.h"
#include "sip/sip_read_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Inputs this large are read by two threads (reader+parser, engine) unless opts say otherwise. */
#define PIPE_MIN_BYTES (8u << 20)

static const char *const fmt_names[] = {"unknown", "pcap", "pcapng", "ngrep", "sipp-trace", "sip-text"};

const char *sip_format_name(sip_format f)
{
    return (unsigned)f <= SIP_FMT_SIP_TEXT ? fmt_names[f] : "unknown";
}

static bool has(const char *h, size_t n, const char *needle)
{
    return memmem(h, n, needle, strlen(needle)) != NULL;
}

sip_format sip_format_detect(const void *head, size_t len)
{
    const unsigned char *p = head;
    if (len >= 4) {
        uint32_t m = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1)
            return SIP_FMT_PCAP;
        if (m == 0x0a0d0d0a)
            return SIP_FMT_PCAPNG;
    }
    const char *t = head;
    size_t n = len < 8192 ? len : 8192;
    for (size_t i = 0; i < n; i++)
        if (t[i] == 0)
            return SIP_FMT_UNKNOWN; /* binary, not a capture we know */
    if (has(t, n, "message sent (") || has(t, n, "message received ["))
        return SIP_FMT_SIPP_TRACE;
    /* ngrep: "U ... a:b -> c:d" header lines */
    for (size_t i = 0; i + 4 < n; i++) {
        if ((i == 0 || t[i - 1] == '\n') && (t[i] == 'U' || t[i] == 'T') && t[i + 1] == ' ') {
            const char *nl = memchr(t + i, '\n', n - i);
            size_t ll = nl ? (size_t)(nl - t - i) : n - i;
            if (memmem(t + i, ll, " -> ", 4))
                return SIP_FMT_NGREP;
        }
    }
    if (has(t, n, "SIP/2.0"))
        return SIP_FMT_SIP_TEXT;
    return SIP_FMT_UNKNOWN;
}

bool sip_reader_should_stop(sip_reader *rd, uint64_t done, uint64_t total, uint64_t *next_report)
{
    if (rd->o.cancel && *rd->o.cancel) {
        rd->st->cancelled = true;
        return true;
    }
    if (rd->o.progress && done >= *next_report) {
        uint64_t step = total ? total / 100 : 0;
        *next_report = done + (step > 65536 ? step : 65536);
        if (rd->o.progress(rd->o.progress_ctx, done, total)) {
            rd->st->cancelled = true;
            return true;
        }
    }
    return false;
}

static void defaults(sip_reader *rd, const sip_read_opts *o)
{
    if (o)
        rd->o = *o;
    if (!rd->o.max_tcp_stream_bytes)
        rd->o.max_tcp_stream_bytes = 256 * 1024;
    if (!rd->o.max_tcp_streams)
        rd->o.max_tcp_streams = 65536;
    if (!rd->o.max_ip_reassemblies)
        rd->o.max_ip_reassemblies = 4096;
    if (!rd->o.max_datagram || rd->o.max_datagram > 65535)
        rd->o.max_datagram = 65535;
    if (!rd->o.max_sip_message)
        rd->o.max_sip_message = 64 * 1024;
}

/* fp positioned at 0; head holds the first bytes for detection. Closes fp. */
static int read_fp(FILE *fp, const void *head, size_t hlen, uint64_t total, sip_engine *e,
                   const sip_read_opts *opts, sip_read_stats *stats, char *err, size_t errlen)
{
    sip_read_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    sip_reader rd = {.e = e, .st = stats};
    defaults(&rd, opts);
    stats->format = sip_format_detect(head, hlen);
    bool pipe = stats->format != SIP_FMT_UNKNOWN &&
                (rd.o.threads == 2 || (rd.o.threads == 0 && total >= PIPE_MIN_BYTES));
    if (pipe)
        sip_pipe_start(&rd); /* stays direct when the thread cannot start */
    int rc;
    switch (stats->format) {
    case SIP_FMT_PCAP:
    case SIP_FMT_PCAPNG:
        rc = sip_read_pcap_fp(&rd, fp, total, err, errlen);
        break;
    case SIP_FMT_NGREP:
    case SIP_FMT_SIPP_TRACE:
    case SIP_FMT_SIP_TEXT:
        rc = sip_read_text_fp(&rd, fp, stats->format, total, err, errlen);
        fclose(fp);
        break;
    default:
        fclose(fp);
        snprintf(err, errlen, "not a capture or SIP log this reader knows (pcap, pcapng, ngrep "
                              "-W byline, SIPp -trace_msg, SIP text with timestamps)");
        return -1;
    }
    sip_pipe_finish(&rd);
    sip_engine_add_not_sip(e, rd.not_sip);
    if (rc == 0 && rd.o.progress && !stats->cancelled)
        rd.o.progress(rd.o.progress_ctx, total ? total : stats->bytes, total ? total : stats->bytes);
    if (rc == 0 && rd.feed_error) {
        snprintf(err, errlen, "out of memory while analysing the capture");
        return -1;
    }
    return rc;
}

int sip_read_file(const char *path, sip_engine *e, const sip_read_opts *opts,
                  sip_read_stats *stats, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) < 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        snprintf(err, errlen, "%s is not a regular file", path);
        return -1;
    }
    setvbuf(fp, NULL, _IOFBF, 1u << 20); /* fewer read calls on big captures */
    unsigned char head[8192];
    size_t hl = fread(head, 1, sizeof head, fp);
    if (hl == 0) {
        fclose(fp);
        snprintf(err, errlen, "%s is empty", path);
        return -1;
    }
    rewind(fp);
    return read_fp(fp, head, hl, (uint64_t)sb.st_size, e, opts, stats, err, errlen);
}

int sip_read_buffer(const void *data, size_t len, sip_engine *e, const sip_read_opts *opts,
                    sip_read_stats *stats, char *err, size_t errlen)
{
    if (!data || !len) {
        snprintf(err, errlen, "empty input");
        return -1;
    }
    FILE *fp = fmemopen((void *)data, len, "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot read the buffer: %s", strerror(errno));
        return -1;
    }
    return read_fp(fp, data, len, len, e, opts, stats, err, errlen);
}

void sip_read_stats_to_report(const sip_read_stats *s, sip_report *r)
{
    if (!s || !r)
        return;
    r->source_format = sip_format_name(s->format);
    r->n_frames = s->frames;
    r->n_frames_skipped = s->frames_skipped;
    r->n_ip_fragments = s->ip_fragments;
    r->n_tcp_streams = s->tcp_streams;
    r->truncated = s->truncated;
}

sip_report *sip_analyze_records(const sip_record *recs, size_t n, const sip_engine_opts *opts)
{
    sip_engine *e = sip_engine_new(opts);
    if (!e)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        sip_record r = recs[i];
        if (!r.frame)
            r.frame = i + 1;
        if (sip_engine_feed(e, &r) < 0)
            break;
    }
    return sip_engine_finish(e);
}

sip_report *sip_analyze_file(const char *path, const sip_engine_opts *eo, const sip_read_opts *ro,
                             sip_read_stats *st, char *err, size_t errlen)
{
    sip_read_stats local;
    if (!st)
        st = &local;
    sip_engine *e = sip_engine_new(eo);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sip_read_file(path, e, ro, st, err, errlen) < 0) {
        sip_engine_free(e);
        return NULL;
    }
    sip_report *r = sip_engine_finish(e);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sip_read_stats_to_report(st, r);
    return r;
}

static size_t call_index(const sip_report *r, const char *id)
{
    const sip_call *c = sip_report_find_call(r, id);
    return c ? (size_t)(c - r->calls) : (size_t)-1;
}

sip_report *sip_analyze_file_call(const char *path, const char *call_id, const sip_read_opts *ro,
                                  size_t *idx, size_t max, size_t *n, char *err, size_t errlen)
{
    const char *ids[1] = {call_id};
    sip_engine_opts eo = {.keep_call_ids = ids, .n_keep_call_ids = 1};
    *n = 0;
    sip_report *r = sip_analyze_file(path, &eo, ro, NULL, err, errlen);
    if (!r)
        return NULL;
    size_t i = call_index(r, call_id);
    if (i == (size_t)-1) {
        snprintf(err, errlen, "Call-ID %s is not in %s (%zu Call-IDs there)", call_id, path,
                 r->n_calls);
        sip_report_free(r);
        return NULL;
    }
    size_t k = sip_report_legs(r, i, idx, max);
    bool missing = false;
    for (size_t j = 0; j < k; j++)
        if (!r->calls[idx[j]].n_msgs_kept && r->calls[idx[j]].n_msgs)
            missing = true;
    if (missing) { /* second pass keeping every leg */
        const char **legs = calloc(k, sizeof *legs);
        char **copies = calloc(k, sizeof *copies);
        if (legs && copies) {
            for (size_t j = 0; j < k; j++)
                legs[j] = copies[j] = strdup(r->calls[idx[j]].call_id);
            sip_engine_opts eo2 = {.keep_call_ids = legs, .n_keep_call_ids = k};
            sip_report *r2 = sip_analyze_file(path, &eo2, ro, NULL, err, errlen);
            if (r2) {
                sip_report_free(r);
                r = r2;
                k = 0;
                for (size_t j = 0; j < eo2.n_keep_call_ids && k < max; j++) {
                    size_t x = legs[j] ? call_index(r, legs[j]) : (size_t)-1;
                    if (x != (size_t)-1)
                        idx[k++] = x;
                }
            }
            for (size_t j = 0; j < eo2.n_keep_call_ids; j++)
                free(copies[j]);
        }
        free(legs);
        free(copies);
        if (!r)
            return NULL;
    }
    *n = k;
    return r;
}
