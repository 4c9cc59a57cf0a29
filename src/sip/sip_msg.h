/* The SIP message and SDP parsers (internal to sb_sip; also driven by the fuzz targets).
 *
 * Strict about framing, forgiving about style: a message is a start line, header lines, an
 * empty line and exactly Content-Length body bytes (missing Content-Length on a datagram = the
 * rest of it). Header names are matched case-insensitively with their compact forms (RFC 3261
 * §7.3.3), repeated and comma-joined headers are both read, folded lines are part of their
 * header. Every field is a pointer+length view into the caller's bytes: nothing is copied and
 * nothing is written, so the input must outlive the sip_msg. */
#ifndef SB_SIP_MSG_H
#define SB_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/sip.h"

typedef struct sip_str {
    const char *p;
    size_t n;
} sip_str;

typedef enum {
    SIP_M_UNKNOWN = 0,
    SIP_M_INVITE,
    SIP_M_ACK,
    SIP_M_BYE,
    SIP_M_CANCEL,
    SIP_M_REGISTER,
    SIP_M_OPTIONS,
    SIP_M_PRACK,
    SIP_M_UPDATE,
    SIP_M_INFO,
    SIP_M_REFER,
    SIP_M_NOTIFY,
    SIP_M_SUBSCRIBE,
    SIP_M_MESSAGE,
    SIP_M_PUBLISH,
    SIP_M_COUNT
} sip_method;

/* The top Via, parsed. */
typedef struct sip_via {
    sip_str transport; /* "UDP", "TCP", ... */
    sip_str host;      /* without brackets for IPv6 */
    int port;          /* 0 when absent */
    sip_str branch, received;
    bool has_rport;
    int rport;         /* 0 when the parameter is empty */
} sip_via;

/* The engine's hashes of a message: Call-ID, top Via branch, To tag (responses only; the
 * 32-bit ones 0 when the string is empty). */
typedef struct sip_keys {
    uint64_t call_id;
    uint32_t branch, to_tag;
} sip_keys;

typedef struct sip_msg {
    bool is_request;
    sip_method method;  /* request method, or the CSeq method for responses */
    sip_str method_str; /* request method text */
    sip_str ruri;
    int status;         /* responses: 100..699 */
    sip_str phrase;
    sip_str call_id, from, to, to_tag;
    sip_str from_tag, from_user, to_user; /* filled by sip_msg_details() */
    uint32_t cseq;
    sip_method cseq_method;
    sip_str cseq_method_str;
    sip_via via;        /* the top Via (after sip_msg_finish when parsed deferred) */
    sip_str via_value;  /* the top Via header's value */
    unsigned n_via;     /* Via entries, counting comma-joined ones */
    sip_str contact;    /* the Contact value (after sip_msg_details: its first element) */
    sip_str contact_host; /* filled by sip_msg_details() */
    int contact_port;
    bool details;
    bool deferred;      /* sip_msg_parse_deferred: via and to_tag wait for sip_msg_finish */
    bool keyed;          /* sip_msg_keys: keys is set */
    sip_keys keys;
    unsigned n_record_route;
    int reason_q850;    /* first Reason: Q.850;cause=N (0 none) */
    int reason_sip;     /* Reason: SIP;cause=N (0 none) */
    sip_str reason_text;
    int warning_code;
    sip_str warning_text;
    sip_str content_type;
    long content_length; /* -1 when absent */
    sip_str body;
    sip_str user_agent;  /* User-Agent or Server */
    sip_str xcid;        /* X-CID / X-Call-ID / X-Call-Id / X-Orig-Call-ID */
    bool has_credentials;  /* Authorization / Proxy-Authorization */
    bool has_challenge;    /* WWW-Authenticate / Proxy-Authenticate */
    bool challenge_stale;  /* stale=TRUE in the challenge */
    sip_str auth_realm;
    bool has_retry_after;
    size_t msg_len;      /* bytes the message takes (start line .. end of body) */
} sip_msg;

/* Cheap test: do the bytes start like a SIP request or status line? */
bool sip_looks_like_sip(const char *data, size_t len);

/* Parses one message at data. Returns 0 (m filled, m->msg_len = bytes used), or -1 when the
 * bytes are not a well-framed SIP message (missing mandatory parts: start line, Call-ID,
 * CSeq). When the body is shorter than Content-Length the message is still parsed with the
 * body it has (datagram truncated by the capture snap length); *truncated is set. */
int sip_msg_parse(const char *data, size_t len, sip_msg *m, bool *truncated);

/* sip_msg_parse without the top Via's fields and the To tag, which sip_msg_finish reads later:
 * the capture pipeline's reader thread leaves this part to the engine thread while the engine
 * has time to spare (sip_pipe.c). sip_msg_finish does nothing for a message parsed in full. */
int sip_msg_parse_deferred(const char *data, size_t len, sip_msg *m, bool *truncated);
void sip_msg_finish(sip_msg *m);

/* The engine's keys of the message (Call-ID, top Via branch, To tag of a response), computed
 * once: by the capture pipeline's reader thread while the bytes are in its cache when the
 * engine thread is the slower one, else by the engine. Idempotent. */
void sip_msg_keys(sip_msg *m);
/* m->keys when set, else computed now (m unchanged). */
sip_keys sip_msg_keys_of(const sip_msg *m);

/* The second, on-demand pass over a parsed message: user parts of the From/To URIs and the
 * first Contact's host and port (only a dialog's first request and the NAT checks need them,
 * so the hot path skips the URI parsing). Idempotent. */
void sip_msg_details(sip_msg *m);

/* Stream framing (TCP): the length of the first complete message at data, 0 when more bytes
 * are needed, -1 when the bytes cannot be SIP or a message would exceed max. Leading CRLF
 * keep-alives are counted in *skip (and included in the returned length). */
long sip_msg_frame(const char *data, size_t len, size_t max, size_t *skip);

sip_method sip_method_from(const char *p, size_t n);
const char *sip_method_name(sip_method m);
const char *sip_status_phrase(int code); /* default phrase, "" when unknown */

/* View helpers */
bool sip_str_eq(sip_str s, const char *lit);      /* exact, case-sensitive */
bool sip_str_ieq(sip_str s, const char *lit);     /* case-insensitive */
bool sip_str_iprefix(sip_str s, const char *lit); /* case-insensitive prefix */
char *sip_str_dup(sip_str s);                     /* malloc'd NUL-terminated copy, NULL if empty */
uint64_t sip_hash(const void *p, size_t n);       /* fast, in-process (see sip_msg.c) */
/* Parses a host:port or [v6]:port string view into host and port (0 when absent). */
void sip_split_hostport(sip_str hp, sip_str *host, int *port);

/* ---- SDP ---------------------------------------------------------------------------------- */

#define SIP_SDP_MAX_MEDIA 8
#define SIP_SDP_MAX_FMT 16

typedef enum { SIP_DIR_SENDRECV = 0, SIP_DIR_SENDONLY, SIP_DIR_RECVONLY, SIP_DIR_INACTIVE } sip_dir;

typedef struct sip_sdp_media {
    sip_str type;     /* "audio", "video", "image" */
    int port;         /* 0 = rejected/disabled */
    sip_str proto;    /* "RTP/AVP", "RTP/SAVP", "udptl" */
    int fmt[SIP_SDP_MAX_FMT];
    sip_str fmt_name[SIP_SDP_MAX_FMT]; /* rtpmap encoding name ("PCMA"), empty when absent */
    int fmt_rate[SIP_SDP_MAX_FMT];
    sip_str fmt_param[SIP_SDP_MAX_FMT]; /* a=fmtp parameters ("0-16", "annexb=no"), may be empty */
    unsigned n_fmt;
    sip_addr conn;    /* media-level c=, else the session c=; family 0 when none */
    bool conn_zero;   /* c=0.0.0.0 (old-style hold) */
    sip_dir dir;      /* media-level attribute, else the session one */
    bool has_crypto;
} sip_sdp_media;

typedef struct sip_sdp {
    sip_str origin_line; /* the o= value (sip_sdp_origin parses its address) */
    sip_sdp_media m[SIP_SDP_MAX_MEDIA];
    unsigned n_media;
} sip_sdp;

/* The o= line's address; 0, or -1 when there is none. */
int sip_sdp_origin(const sip_sdp *sdp, sip_addr *out);
/* Parses an SDP body (LF or CRLF lines). Returns 0, or -1 when it is not SDP (no v= line). */
int sip_sdp_parse(const char *body, size_t len, sip_sdp *sdp);
/* Finds the SDP in a body: the body itself for application/sdp, the application/sdp part of a
 * multipart body (nested multiparts followed to depth 4). Returns 0 and sets *sdp_body. */
int sip_body_find_sdp(sip_str content_type, sip_str body, sip_str *sdp_body);
/* The codec name of a payload type: the rtpmap name, else the RFC 3551 static name, else "". */
const char *sip_sdp_codec(const sip_sdp_media *m, unsigned i, char *buf, size_t size);
const char *sip_static_pt_name(int pt);

#endif
