/* The SIP diagnostics engine: the one meeting point every source feeds, and the report it gives.
 *
 * Every source ends in sip_engine_feed(): the pcap/pcapng reader (after link layer, IP
 * fragment and TCP reassembly), the text-log readers (ngrep, SIPp -trace_msg, plain SIP), and
 * a list of message records from upstream (a ConnexCS trace). A record is one raw SIP message
 * with its time, source and destination. UDP payloads that are not SIP go to
 * sip_engine_feed_rtp() so RTP streams announced in SDP are measured.
 *
 * The engine groups messages into calls by Call-ID (tags and transactions inside), keeps
 * REGISTER/OPTIONS/other methods apart from INVITE calls, and releases a dialog once it is
 * finished and idle (its summary and findings are kept, its per-message state freed), so a
 * multi-gigabyte capture streams through bounded memory. sip_engine_finish() analyses what is
 * left, correlates B2BUA legs and returns a sip_report: calls with outcome, timings, findings
 * with evidence (frame numbers and times), RTP streams and KPIs. Renderers (sip_render.h)
 * turn a report into JSON, a text ladder or a Mermaid sequence diagram.
 *
 * The engine does no I/O and is not thread-safe; one engine per analysis. */
#ifndef SB_SIP_H
#define SB_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- addresses and records --------------------------------------------------------------- */

typedef enum {
    SIP_TP_UNKNOWN = 0,
    SIP_TP_UDP,
    SIP_TP_TCP,
    SIP_TP_TLS,
    SIP_TP_SCTP,
    SIP_TP_WS,
} sip_transport;

/* An IP endpoint. family 4 or 6 (0 = unknown/unset); ip holds 4 or 16 bytes, network order. */
typedef struct sip_addr {
    uint8_t family;
    uint16_t port;
    uint8_t ip[16];
} sip_addr;

/* Parses "1.2.3.4", "1.2.3.4:5060", "::1", "[::1]:5060" (len bytes, no NUL needed).
 * Returns 0, or -1 when the text is not an IP literal (out is then zeroed). */
int sip_addr_parse(const char *text, size_t len, sip_addr *out);
/* Formats "1.2.3.4:5060" / "[::1]:5060" (port omitted when 0) into buf; returns buf.
 * SIP_ADDR_STRLEN is always enough. */
#define SIP_ADDR_STRLEN 56
char *sip_addr_format(const sip_addr *a, char *buf, size_t size);
bool sip_addr_equal(const sip_addr *a, const sip_addr *b);     /* ip and port */
bool sip_addr_same_host(const sip_addr *a, const sip_addr *b); /* ip only */
/* RFC 1918, RFC 6598 CGNAT, 169.254/16, fc00::/7, fe80::/10 (and 127/8, ::1 are NOT private). */
bool sip_addr_is_private(const sip_addr *a);

/* One SIP message from any source. data is borrowed for the duration of the feed call. */
typedef struct sip_record {
    int64_t time_us;         /* UTC microseconds since the epoch */
    sip_addr src, dst;       /* family 0 when the source does not know (a SIPp log) */
    sip_transport transport; /* as seen on the wire (SIP_TP_UNKNOWN: taken from the top Via) */
    const char *data;        /* the raw message: start line, headers, blank line, body */
    size_t len;
    uint64_t frame;          /* 1-based position in the source (pcap frame, log entry, record
                                index); 0 = the engine numbers records itself */
} sip_record;

/* ---- the engine ---------------------------------------------------------------------------- */

typedef struct sip_engine sip_engine;

typedef struct sip_engine_opts {
    /* Keep the raw text of every message of every call (ladders for all calls). Fine for
     * record lists and small files; for big captures use keep_call_ids instead. */
    bool keep_messages;
    /* Keep the raw messages of these Call-IDs only (and of legs whose X-CID/X-Call-ID header
     * names one of them). Borrowed until sip_engine_finish(). */
    const char *const *keep_call_ids;
    size_t n_keep_call_ids;
    /* Upper bounds (0 = default): call summaries retained (default 200,000, about 100 MB at
     * most; further calls are not listed but still counted in the totals, outcomes, KPIs and
     * timing percentiles), messages tracked per call (default 4,096; further messages counted
     * only), bytes of raw text kept per call (default 1 MiB). */
    size_t max_calls;
    size_t max_msgs_per_call;
    size_t max_kept_bytes_per_call;
    /* A finished call (BYE answered, final failure, non-INVITE final) idle this long in capture
     * time is concluded and its per-message state freed (default 4 s); an unfinished one after
     * unfinished_s (default 600 s, beyond Timer C). Stragglers for a released call (late
     * retransmissions) are still counted on its summary. */
    double linger_s;
    double unfinished_s;
    /* B2BUA legs: INVITEs with the same dialled number within this window (default 2 s) and
     * different Call-IDs are correlated as legs of one call when no X-CID header says so.
     * Negative disables time+number matching. */
    double leg_window_s;
} sip_engine_opts;

/* opts may be NULL (defaults). Returns NULL only when out of memory. */
sip_engine *sip_engine_new(const sip_engine_opts *opts);

/* Feeds one SIP message. Returns 0 when taken, 1 when the bytes are not a SIP message (counted
 * in stats.not_sip, nothing else happens), -1 when the engine hit a hard memory limit. The
 * record's bytes may be freed after the call. Records should come in time order; small
 * disorder (merged logs) is tolerated. */
int sip_engine_feed(sip_engine *e, const sip_record *r);

/* Feeds one UDP payload that was not SIP (RTP candidates). Counted for a call when src or dst
 * is a media address announced in that call's SDP. Returns 1 when used, 0 when ignored. */
int sip_engine_feed_rtp(sip_engine *e, int64_t time_us, uint64_t frame, const sip_addr *src,
                        const sip_addr *dst, const uint8_t *payload, size_t len);

/* Analyses the remaining calls, correlates legs, computes KPIs and hands back the report.
 * The engine is freed. Returns NULL only when out of memory. */
typedef struct sip_report sip_report;
sip_report *sip_engine_finish(sip_engine *e);
void sip_engine_free(sip_engine *e); /* abandon without a report */

/* ---- the report ---------------------------------------------------------------------------- */

typedef enum {
    SIP_KIND_CALL = 0, /* INVITE dialog */
    SIP_KIND_REGISTER,
    SIP_KIND_OPTIONS,
    SIP_KIND_OTHER,    /* SUBSCRIBE, NOTIFY, MESSAGE, out-of-dialog others; or no request seen */
} sip_kind;

typedef enum {
    SIP_OUT_ANSWERED = 0, /* 2xx to the initial request (REGISTER/OPTIONS: 2xx) */
    SIP_OUT_FAILED,       /* final >= 300 (code, Q.850 cause) */
    SIP_OUT_CANCELLED,    /* caller CANCEL (487) */
    SIP_OUT_TIMEOUT,      /* provisional seen but no final within Timer B (32 s) */
    SIP_OUT_NO_RESPONSE,  /* nothing at all answered the request within Timer B */
    SIP_OUT_INCOMPLETE,   /* the capture ends before a final and before Timer B: unknown */
} sip_outcome;

typedef enum { SIP_SEV_INFO = 0, SIP_SEV_WARNING, SIP_SEV_ERROR } sip_severity;

/* Where a finding is seen: a message (frame number in its source) and its time. */
typedef struct sip_evidence {
    uint64_t frame;
    int64_t time_us;
} sip_evidence;

#define SIP_MAX_EVIDENCE 16 /* evidence entries per finding at most */
typedef struct sip_finding {
    const char *code;     /* stable id, e.g. "nat.private_contact", "auth.loop" (static) */
    sip_severity severity;
    char *text;           /* one sentence a person can act on */
    sip_evidence *ev;     /* n_ev entries (owned) */
    unsigned n_ev;
} sip_finding;

/* One message kept for the ladder (when asked for through keep_messages / keep_call_ids). */
typedef struct sip_msg_rec {
    uint64_t frame;
    int64_t time_us;
    sip_addr src, dst;
    sip_transport transport;
    char *label;      /* "INVITE", "180 Ringing", "200 OK (INVITE)" ... */
    char *sdp_brief;  /* "SDP PCMA 127.0.0.1:6000 sendrecv" or NULL */
    bool retransmission;
    char *raw;        /* the raw text (NUL-terminated), may be NULL when over the cap */
    size_t raw_len;
    const char *call_id; /* points into the owning sip_call */
} sip_msg_rec;

/* One RTP stream (one SSRC in one direction) of a call. */
typedef struct sip_rtp_stream {
    sip_addr src, dst;
    uint32_t ssrc;
    uint8_t payload_type;
    char codec[24];          /* from the SDP rtpmap or the static table; "" unknown */
    bool from_caller;        /* direction: caller -> callee */
    uint64_t packets, lost;  /* lost from sequence gaps (16-bit wrap handled) */
    uint64_t first_frame;
    int64_t first_us, last_us;
    double jitter_ms;        /* RFC 3550 interarrival jitter at the end */
    double max_jitter_ms, mean_delta_ms, max_delta_ms;
} sip_rtp_stream;

/* Timings in milliseconds; negative = not defined for this call. */
typedef struct sip_timings {
    double pdd_ms;        /* first INVITE -> first 180/183 */
    double setup_ms;      /* first INVITE -> 200 */
    double ring_ms;       /* first 18x -> 200 (or -> final failure) */
    double talk_ms;       /* 200 -> BYE */
    double disconnect_ms; /* BYE -> its 200 */
    double final_ms;      /* first request -> final response, whatever it is */
} sip_timings;

typedef struct sip_call {
    char *call_id;
    sip_kind kind;
    char *method;            /* the initial request method */
    char *from_user, *to_user; /* user parts of From/To (To: the dialled number), may be "" */
    char *from_tag, *to_tag;
    char *user_agent;        /* of the first request, may be NULL */
    char *xcid;              /* X-CID / X-Call-ID header value, may be NULL */
    sip_addr caller, callee; /* source and destination of the first request */
    int64_t start_us, end_us;
    uint64_t first_frame, last_frame;
    sip_outcome outcome;
    int final_code;          /* 0 when none */
    char *final_phrase;      /* reason phrase of the final response, may be NULL */
    int q850;                /* Q.850 cause: Reason header first, else mapped from the code; 0 none */
    bool q850_from_reason;   /* true: from a Reason header; false: mapped by RFC 3398 */
    char *reason_text;       /* Reason header text= (or SIP;text=), may be NULL */
    int warning_code;        /* Warning header code, 0 none */
    char *warning_text;
    const char *category;    /* "answered","user","routing","network","timeout","media","auth",
                                "cancelled","unknown" (static) */
    sip_timings t;
    unsigned n_msgs;         /* SIP messages seen for this Call-ID */
    uint32_t max_cseq;       /* highest CSeq number seen */
    unsigned n_retrans;      /* retransmissions (RFC 3261 timers), duplicates excluded */
    unsigned n_duplicates;   /* exact capture duplicates (same bytes within 5 ms) */
    unsigned n_auth_challenges;
    bool auth_ok;            /* a challenged request later succeeded */
    char *codec;             /* negotiated codec (first common format of the answer), may be NULL */
    bool on_hold;            /* a re-INVITE put the call on hold at some point */
    int leg_group;           /* calls with the same non-negative value are B2BUA legs of one call */
    sip_finding *findings;
    size_t n_findings;
    sip_rtp_stream *rtp;
    size_t n_rtp;
    sip_msg_rec *msgs;       /* kept messages (see sip_engine_opts), in time order */
    size_t n_msgs_kept;
    bool ids_block;          /* every string of the call (call_id ... codec) shares one
                                allocation that starts at method (sip_call_free_fields) */
} sip_call;

typedef struct sip_stats_summary {
    size_t n;
    double median, p95, max; /* milliseconds; 0 when n == 0 */
} sip_stats_summary;

typedef struct sip_report {
    sip_call *calls;         /* in order of first message */
    size_t n_calls;
    size_t n_calls_dropped;  /* beyond max_calls: counted, not kept */
    /* Counts */
    uint64_t n_messages;     /* SIP messages fed */
    uint64_t n_not_sip;      /* records that were not SIP */
    uint64_t n_rtp_packets;  /* RTP packets matched to a call */
    uint64_t n_retransmissions;
    size_t n_invite_calls, n_register, n_options, n_other;
    size_t by_outcome[SIP_OUT_INCOMPLETE + 1]; /* INVITE calls only */
    /* KPIs over INVITE calls (percent; -1 when no seizures) */
    double asr, ner, ser, seer;
    sip_stats_summary pdd, setup, ring, talk, disconnect;
    int64_t first_us, last_us;
    unsigned n_leg_groups;   /* B2BUA calls found (groups of >= 2 legs) */
    /* Reader facts (set by sip_read.h readers; 0/NULL for records) */
    const char *source_format; /* "pcap", "pcapng", "ngrep", "sipp-trace", "sip-text", "records" */
    uint64_t n_frames, n_frames_skipped, n_ip_fragments, n_tcp_streams;
    bool truncated;          /* the source ended in the middle of a packet or message */
} sip_report;

void sip_report_free(sip_report *r);

/* Lookups. find_call: by Call-ID (NULL when absent). legs: fills out[] (up to max) with the
 * indexes of every call in the same leg group as call index i (i itself included); returns n. */
const sip_call *sip_report_find_call(const sip_report *r, const char *call_id);
size_t sip_report_legs(const sip_report *r, size_t i, size_t *out, size_t max);

/* Names for enums (static strings). */
const char *sip_outcome_name(sip_outcome o);   /* "answered", "failed", "cancelled", ... */
const char *sip_kind_name(sip_kind k);         /* "call", "register", "options", "other" */
const char *sip_severity_name(sip_severity s); /* "info", "warning", "error" */
const char *sip_transport_name(sip_transport t);

/* RFC 3398 SIP status -> Q.850 cause (0 when none, e.g. 487, 488). A table, not code. */
int sip_q850_from_status(int status);
/* Short Q.850 cause name ("USER_BUSY"), or NULL when unknown. */
const char *sip_q850_name(int cause);

#endif
