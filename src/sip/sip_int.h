/* Engine internals shared by sip_engine.c (grouping, state), sip_analyze.c (verdicts) and
 * sip_rtp.c (media). Not a public header. */
#ifndef SB_SIP_INT_H
#define SB_SIP_INT_H

#include "sip/sip.h"
#include "sip/sip_msg.h"

#include <stdlib.h>
#include <string.h>

enum {
    EV_RETRANS = 1u << 0,
    EV_DUP = 1u << 1,
    EV_SDP = 1u << 2,
    EV_CRED = 1u << 3,
    EV_TOTAG = 1u << 4,     /* request carried a To tag (in-dialog) */
    EV_CHALLENGE = 1u << 5,
    EV_STALE = 1u << 6,
};

/* One message of a call, compact. */
typedef struct sip_ev {
    uint64_t frame;
    int64_t t;
    sip_addr src, dst;
    uint32_t cseq;
    uint16_t status; /* 0 = request */
    uint8_t method;  /* request method or CSeq method */
    uint8_t flags;
    uint32_t branch, totag;  /* hashes of the top Via branch and (responses) the To tag */
    uint32_t len;
} sip_ev;

/* The SDP facts of one side (first audio stream), copied out of the message. */
#define SDP_FMTS 8
typedef struct sip_sdp_fact {
    bool present;
    uint64_t frame;
    int64_t t;
    sip_addr media;     /* c= address and m= port */
    sip_dir dir;
    bool zero, port0, crypto;
    unsigned n_fmt;
    int pt[SDP_FMTS];
    char name[SDP_FMTS][16];
    int rate[SDP_FMTS];
} sip_sdp_fact;

enum { NAT_N1, NAT_N2, NAT_N3, NAT_N4, NAT_N5, NAT_N6, NAT_N7, NAT_N8, NAT_COUNT };

typedef struct sip_rtp_state {
    sip_rtp_stream s;
    uint16_t max_seq;
    uint32_t cycles, base_seq;
    uint32_t last_ts;
    int64_t last_arrival;
    double jitter_units, sum_delta;
    uint32_t clock;
} sip_rtp_state;

#define DLG_MAX_RTP 8
#define DLG_MAX_MEDIA 4
#define DLG_SBUF 192

typedef struct sip_dlg {
    struct sip_dlg *lprev, *lnext; /* LRU by last activity (lnext: the spare list once released) */
    uint64_t key;
    size_t cid_len;
    sip_call c;              /* being built; strings owned */
    sip_ev *ev;
    size_t n_ev, cap_ev;
    bool keep;
    size_t kept_cap, kept_bytes;
    int64_t last_t;
    bool finished;
    bool release_now;        /* nothing but stragglers can follow: conclude at once */
    uint8_t init_method;
    /* state */
    uint32_t init_cseq;      /* CSeq of the latest initial (to-tag-less) request */
    uint32_t answered_cseq;
    int64_t t_first, t_first_req, t_18x, t_answer, t_final, t_bye, t_bye_ok, t_cancel;
    uint64_t f_first_req, f_18x, f_answer, f_final, f_bye, f_cancel;
    bool cancelled, ack_for_2xx, bye_from_callee, early_media;
    unsigned n_2xx_sends;
    uint64_t f_2xx[SIP_MAX_EVIDENCE];
    int64_t t_2xx_last;
    unsigned n_challenges, n_bad_cred, n_cred_requests;
    uint64_t f_challenge[4];
    int64_t t_challenge[4];
    bool challenge_answered;
    int cancel_q850;
    sip_sdp_fact offer, answer;
    bool hold;
    uint64_t f_hold;
    int64_t t_hold;
    /* the first re-INVITE refused (e.g. 488 to a T.38 or codec change) */
    uint64_t f_reinv_fail;
    int64_t t_reinv_fail;
    int reinv_fail_code, reinv_warning;
    /* NAT evidence: frame and time per check (0 = not seen) */
    uint64_t nat_frame[NAT_COUNT];
    int64_t nat_time[NAT_COUNT];
    char *nat_detail[NAT_COUNT];   /* malloc'd when a check hits */
    /* media */
    sip_addr media_keys[DLG_MAX_MEDIA]; /* distinct addresses this dialog put in the media map */
    unsigned n_media_keys;
    sip_rtp_state *rtp;            /* DLG_MAX_RTP entries, allocated on the first packet */
    unsigned n_rtp;
    uint32_t max_cseq;
    /* the call's strings while it is live (sip_dlg_strdup): bump-allocated here, on the heap
     * once this is full; sip_dlg_pack_strings moves them into one block at release */
    size_t sbuf_n;
    unsigned n_heap_str;     /* strings of the call on the heap (did not fit in sbuf) */
    char sbuf[DLG_SBUF];     /* last: a reused dialog is cleared up to here */
} sip_dlg;

/* Feeds a message the caller already parsed (readers parse once). Same contract as
 * sip_engine_feed for a SIP message. */
int sip_engine_feed_parsed(sip_engine *e, const sip_record *r, const sip_msg *m);
/* Frees a report's calls array (the engine maps it: sip_engine.c). */
void sip_calls_free(sip_call *calls);
/* Counts records a reader found not to be SIP (the pipeline parses before the engine). */
void sip_engine_add_not_sip(sip_engine *e, uint64_t n);

/* ---- sip_kpi.c: counts and timing histograms kept as calls are concluded, so the totals
 * and KPIs cover every call even when summaries beyond max_calls are not kept ---- */
#define KPI_BUCKETS 1900 /* log scale, 1 % wide, 0 .. ~1.6e8 ms */
typedef struct sip_kpi_acc {
    size_t n_invite, n_register, n_options, n_other;
    size_t by_outcome[SIP_OUT_INCOMPLETE + 1];
    size_t seizures, answered, ner_ok, no3xx, seer;
    bool hist_on;            /* histograms counted (from the first call not kept on) */
    uint32_t hist[5][KPI_BUCKETS];
    size_t hist_n[5];
    double hist_max[5];
} sip_kpi_acc;
/* Counts a concluded call; its timings go into the histograms only once hist_on is set: they
 * serve the percentiles when summaries were dropped, so the engine sets hist_on at the first
 * call it does not keep and passes every kept call to sip_kpi_hist then. */
void sip_kpi_count(sip_kpi_acc *a, const sip_call *c);
void sip_kpi_hist(sip_kpi_acc *a, const sip_call *c);
void sip_report_finalize(sip_report *r, double leg_window_s, const sip_kpi_acc *a);

/* ---- sip_analyze.c ---- */
/* Records the NAT checks and SDP facts of one message into the dialog. */
void sip_dlg_observe(sip_dlg *d, const sip_msg *m, const sip_record *r);
/* Turns a released dialog into its final sip_call (outcome, timings, findings). end_us is
 * the capture's last time (how far the capture covers). any_rtp: the capture has RTP at all. */
void sip_dlg_conclude(sip_dlg *d, int64_t end_us, bool any_rtp);
int sip_call_add_finding(sip_call *c, const char *code, sip_severity sev, const sip_evidence *ev,
                         unsigned n_ev, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Frees what a sip_call owns. With ids_block set, every string of the call shares one block
 * that starts at method (sip_dlg_pack_strings). */
void sip_call_free_fields(sip_call *c);

/* A copy of n bytes, NUL-terminated, in the dialog's string space (the heap beyond it);
 * NULL only when out of memory. sip_dlg_str: the same for a view, NULL for an empty one (as
 * sip_str_dup). sip_dlg_str_free releases one (nothing for a copy in the dialog's space). */
static inline char *sip_dlg_strdup(sip_dlg *d, const char *p, size_t n)
{
    char *s;
    if (n < sizeof d->sbuf - d->sbuf_n) {
        s = d->sbuf + d->sbuf_n;
        d->sbuf_n += n + 1;
    } else if ((s = malloc(n + 1)) != NULL) {
        d->n_heap_str++;
    } else {
        return NULL;
    }
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static inline char *sip_dlg_str(sip_dlg *d, sip_str s)
{
    return s.p && s.n ? sip_dlg_strdup(d, s.p, s.n) : NULL;
}

void sip_dlg_str_free(sip_dlg *d, char *p);
/* At release: the call's strings into one heap block (ids_block), so the summary outlives the
 * dialog. false when out of memory (the strings are then as they were). */
bool sip_dlg_pack_strings(sip_dlg *d);
/* Frees the call of a dialog not packed (sip_call_free_fields, minus its in-dialog strings). */
void sip_dlg_free_call(sip_dlg *d);

void sip_sdp_fact_from(sip_sdp_fact *f, const sip_sdp *s, const sip_record *r);

/* ---- sip_addr.c ---- */
/* "a.b.c.d" or "a.b.c.d:port" and nothing else: true and *out as sip_addr_parse gives it;
 * false (out zeroed) for any other text, which sip_addr_parse may still accept. */
bool sip_addr_parse_v4_exact(const char *text, size_t len, sip_addr *out);
/* The parser sip_addr_parse falls back to (blanks, brackets, IPv6, inet_pton): for any text
 * the result of the exact dotted-quad path in front of it must be this one's. */
int sip_addr_parse_general(const char *text, size_t len, sip_addr *out);

/* ---- sip_rtp.c ---- */
void sip_rtp_packet(sip_dlg *d, bool from_caller, int64_t t, uint64_t frame, const sip_addr *src,
                    const sip_addr *dst, const uint8_t *p, size_t len);
void sip_rtp_finish(sip_dlg *d);
bool sip_rtp_looks(const uint8_t *p, size_t len);

#endif
