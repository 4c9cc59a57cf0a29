/* Anomaly detectors over cdr_records, each with its thresholds as parameters and evidence rows.
 *
 * Like the report, a detector is fed one record at a time and keeps bounded state (capped
 * key tables; a finding keeps at most max_evidence rows). Window rules assume records arrive
 * roughly in start-time order (files and the store scan are); each finding states its window.
 *
 *   zero_repeat     answered-or-not calls with billsec 0 to the same callee from the same customer,
 *                   >= zero_repeat_min within zero_repeat_window_s (ConnexCS §6: 3 in 10 min)
 *   routing_gap     a destination prefix with >= gap_min_attempts attempts whose no-route share
 *                   (cdr_record_no_route) is >= gap_min_share
 *   prefix_dup      callee dialled with a doubled prefix: "+44 44...", "0044 0044", "00 00", "011 011",
 *                   "+44 0..." (trunk 0 kept), a tech prefix from tech_prefixes repeated, > 15 digits
 *   burst_503       >= burst_min 503 (or Q.850 34/38/41/42) failures within burst_window_s, per carrier
 *   short_calls     a carrier with >= short_min_answered answered calls of which >= short_share
 *                   last <= short_call_s
 *   fas             false answer supervision: a carrier with ASR >= fas_min_asr and ACD <= fas_max_acd_s
 *                   over >= fas_min_attempts attempts
 *   high_cost_burst >= hc_min_calls calls to prefixes in high_cost_prefixes within hc_window_s from
 *                   one customer (or >= hc_min_distinct distinct numbers)
 *   round_duration  a carrier whose answered calls end at the same billsec >= round_min_s in
 *                   >= round_min_count calls and >= round_min_share of its answered calls (trunk timers) */
#ifndef SB_CDR_DETECT_H
#define SB_CDR_DETECT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cdr/cdr_record.h"
#include "cdr/cdr_report.h"

typedef enum {
    CDR_FIND_ZERO_REPEAT = 0,
    CDR_FIND_ROUTING_GAP,
    CDR_FIND_PREFIX_DUP,
    CDR_FIND_BURST_503,
    CDR_FIND_SHORT_CALLS,
    CDR_FIND_FAS,
    CDR_FIND_HIGH_COST_BURST,
    CDR_FIND_ROUND_DURATION,
    CDR_FIND_COUNT_
} cdr_finding_kind;

const char *cdr_finding_kind_name(cdr_finding_kind k); /* "zero_repeat", "routing_gap", ... */
int cdr_finding_kind_parse(const char *s);              /* -1 when unknown */

typedef struct cdr_thresholds {
    unsigned enabled_mask;          /* bit (1u << kind); 0 = all */
    unsigned max_evidence;          /* per finding; default 10 */
    unsigned max_findings;          /* per kind; default 50 */
    unsigned prefix_digits;         /* grouping prefix when no rate-card prefix; default 4 */

    unsigned zero_repeat_min;       /* 3 */
    unsigned zero_repeat_window_s;  /* 600 */

    unsigned gap_min_attempts;      /* 5 */
    double gap_min_share;           /* 0.8 */

    const char *const *tech_prefixes; /* e.g. {"1010", "#31#"}; NULL-terminated or NULL */

    unsigned burst_min;             /* 10 */
    unsigned burst_window_s;        /* 60 */

    unsigned short_min_answered;    /* 20 */
    unsigned short_call_s;          /* 6 */
    double short_share;             /* 0.5 */

    unsigned fas_min_attempts;      /* 20 */
    double fas_min_asr;             /* 80 (percent) */
    double fas_max_acd_s;           /* 15 */

    const char *const *high_cost_prefixes; /* E.164 digit prefixes, NULL-terminated; NULL = built-in list */
    unsigned hc_min_calls;          /* 10 */
    unsigned hc_min_distinct;       /* 5 */
    unsigned hc_window_s;           /* 3600 */

    unsigned round_min_s;           /* 60 */
    unsigned round_min_count;       /* 10 */
    double round_min_share;         /* 0.2 */
} cdr_thresholds;

void cdr_thresholds_default(cdr_thresholds *t);

#define CDR_EVIDENCE_STR 48
/* Call-IDs are kept longer than other evidence strings: a person opens the trace by them.
 * The detector's own per-key state keeps CDR_CALL_ID_KEEP bytes (NUL included) of each. */
#define CDR_EVIDENCE_CALL_ID 128
#define CDR_CALL_ID_KEEP 72

/* One row of evidence: copied out of the record (strings truncated to CDR_EVIDENCE_STR-1). */
typedef struct cdr_evidence {
    int64_t start_ms;
    int64_t duration_s, billsec_s;
    int sip_code, q850;
    uint64_t line;
    char caller[CDR_EVIDENCE_STR], callee[CDR_EVIDENCE_STR];
    char customer[CDR_EVIDENCE_STR], carrier[CDR_EVIDENCE_STR];
    char call_id[CDR_EVIDENCE_CALL_ID], source_row[CDR_EVIDENCE_STR];
} cdr_evidence;

typedef struct cdr_finding {
    cdr_finding_kind kind;
    const char *severity;           /* "info", "warning", "critical" */
    char key[128];                  /* what it is about: "cust=C1 callee=+4420...", "prefix 4420", "carrier X" */
    char summary[400];              /* one sentence a person can act on */
    uint64_t count;                 /* rows involved */
    double metric;                  /* the measured value compared with the threshold (share, ASR, ...) */
    int64_t first_ms, last_ms;
    size_t n_evidence;
    cdr_evidence *evidence;
} cdr_finding;

typedef struct cdr_detector cdr_detector;

/* t and f may be NULL (defaults / no filter); the arrays and strings are copied. */
cdr_detector *cdr_detector_new(const cdr_thresholds *t, const cdr_filter *f);
void cdr_detector_free(cdr_detector *d);
int cdr_detector_add(cdr_detector *d, const cdr_record *r); /* 1 counted, 0 filtered */
int cdr_detector_sink_row(void *d, const cdr_record *r);   /* cdr_sink adapter */
/* Closes the open windows and per-carrier tallies; returns the findings (owned by d, valid
 * until free), ordered by kind then severity. Idempotent. */
const cdr_finding *cdr_detector_finish(cdr_detector *d, size_t *n);
/* {thresholds, rows_seen, findings:[{kind, severity, key, summary, count, metric, first, last,
 * evidence:[...]}], counts_by_kind, truncated}. Calls finish. */
json_t *cdr_detector_json(cdr_detector *d);

#endif
