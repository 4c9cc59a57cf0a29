/* Capture readers: a file or a buffer in, sip_record / RTP payloads out into one sip_engine.
 *
 * The format is detected from the content: pcap (all four magic numbers) and pcapng through
 * libpcap (link types Ethernet, Linux cooked SLL/SLL2, raw IPv4/IPv6, BSD loopback/null;
 * 802.1Q/QinQ tags; IPv4/IPv6 with bounded fragment reassembly; IP-in-IP; UDP; TCP with
 * per-stream reassembly and Content-Length framing; SIP recognised by content on any port),
 * or a text log: `ngrep -W byline`, SIPp `-trace_msg`, or plain SIP messages each preceded by a
 * timestamp line. Memory stays bounded whatever the file size: fragments, TCP streams and
 * message sizes are capped, and the engine releases finished dialogs.
 *
 * Readers do file I/O only; they know nothing of MCP. Progress and cancellation come through
 * the callbacks in sip_read_opts. */
#ifndef SB_SIP_READ_H
#define SB_SIP_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/sip.h"

typedef enum {
    SIP_FMT_UNKNOWN = 0,
    SIP_FMT_PCAP,
    SIP_FMT_PCAPNG,
    SIP_FMT_NGREP,      /* ngrep -W byline (-t/-T timestamps) */
    SIP_FMT_SIPP_TRACE, /* SIPp -trace_msg */
    SIP_FMT_SIP_TEXT,   /* plain SIP messages, each after a timestamp line */
} sip_format;

/* Guesses the format from the first bytes of a file (at least 4; 4096 is plenty). */
sip_format sip_format_detect(const void *head, size_t len);
const char *sip_format_name(sip_format f); /* "pcap", "pcapng", "ngrep", ... */

typedef struct sip_read_opts {
    /* Called now and then (about every 1% or 64 KiB of input) with bytes read so far and the
     * total (file size). A non-zero return stops reading (the report then covers what was
     * read). May be NULL. */
    int (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* Polled often; non-zero = stop (MCP cancellation). May be NULL. */
    const volatile int *cancel;
    /* Caps (0 = defaults): bytes buffered per TCP stream (default 256 KiB), concurrent TCP
     * streams (default 65,536), concurrent IP reassemblies (default 4,096), bytes per
     * reassembled datagram (default 65,535), size of one SIP message (default 64 KiB). */
    size_t max_tcp_stream_bytes;
    size_t max_tcp_streams;
    size_t max_ip_reassemblies;
    size_t max_datagram;
    size_t max_sip_message;
    /* 0 = automatic (two threads for inputs of 8 MiB or more), 1 = one thread, 2 = two
     * threads: the reader (I/O, decoding, SIP parsing) and the engine, in a pipeline. */
    unsigned threads;
} sip_read_opts;

/* What a reader saw, beside what it fed the engine. */
typedef struct sip_read_stats {
    sip_format format;
    uint64_t bytes;            /* input bytes consumed */
    uint64_t frames;           /* packets (pcap) or log entries (text) */
    uint64_t frames_skipped;   /* not IP, not UDP/TCP, malformed */
    uint64_t sip_messages;     /* records fed to the engine */
    uint64_t ip_fragments;     /* fragments seen (reassembled or dropped) */
    uint64_t tcp_streams;
    uint64_t tcp_gaps;         /* stream bytes lost (capture gaps) */
    bool truncated;            /* input ended inside a packet or a message */
    bool cancelled;            /* stopped by progress/cancel */
} sip_read_stats;

/* Reads a whole file into the engine. Returns 0 (also when cancelled: see stats), or -1 with a
 * message a person can act on in err ("not a capture or SIP log", "cannot open: ..."). */
int sip_read_file(const char *path, sip_engine *e, const sip_read_opts *opts,
                  sip_read_stats *stats, char *err, size_t errlen);

/* Reads an in-memory capture or text log (same detection). Same contract as sip_read_file. */
int sip_read_buffer(const void *data, size_t len, sip_engine *e, const sip_read_opts *opts,
                    sip_read_stats *stats, char *err, size_t errlen);

/* Copies reader facts into a report (format name, frame counts, truncation). */
void sip_read_stats_to_report(const sip_read_stats *s, sip_report *r);

/* One-shot helper for callers holding records (a ConnexCS trace): a new engine with opts,
 * every record fed in order, finished. Records need not carry frame numbers (their index+1 is
 * used). Returns NULL when out of memory. */
sip_report *sip_analyze_records(const sip_record *recs, size_t n, const sip_engine_opts *opts);

/* Reads a file and analyses it: a new engine with eo (NULL = defaults), sip_read_file, finish,
 * reader facts copied into the report. NULL with err set when the file cannot be read. */
sip_report *sip_analyze_file(const char *path, const sip_engine_opts *eo, const sip_read_opts *ro,
                             sip_read_stats *st, char *err, size_t errlen);

/* For a ladder of one call: analyses the file keeping the messages of call_id, finds its B2BUA
 * legs (X-CID or number+time) and reads the file a second time when a leg's messages were not
 * kept. Fills idx[0..*n) with the report indexes of the call and its legs (max entries).
 * NULL with err set when the file cannot be read or the Call-ID is not in it. */
sip_report *sip_analyze_file_call(const char *path, const char *call_id, const sip_read_opts *ro,
                                  size_t *idx, size_t max, size_t *n, char *err, size_t errlen);

#endif
