/* The period report over cdr_records: KPIs, money, tops, failure breakdowns, per-day series.
 *
 * Feed records one at a time (from a file being read, the store, or connector rows); memory
 * is bounded by the number of distinct keys (customers, carriers, prefixes, days), each table
 * capped (overflow goes to an "(other)" row and sets `truncated`), never by the row count.
 *
 * Definitions (stated in the JSON output too):
 *   attempts = records passing the filter; answered = disposition ANSWERED;
 *   ASR = answered / attempts x 100;
 *   NER = (answered + busy + no answer + caller cancel + terminal reject) / attempts x 100;
 *   ACD = sum(billsec of answered) / answered, seconds;
 *   ALOC = sum(duration of answered) / answered, seconds (holding time incl. ringing);
 *   PDD median / p95 over records that carry a PDD (1 ms buckets to 10 s, then 100 ms to 120 s);
 *   talk minutes = sum(billsec) / 60; margin = revenue - cost, per currency;
 *   routing failures = cdr_record_no_route();
 *   RFC 6076 (JSON only): SER, SEER, ISA over the final SIP codes. */
#ifndef SB_CDR_REPORT_H
#define SB_CDR_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cdr/cdr_record.h"
#include "util/buf.h"

/* A record filter shared by reports, detectors and store searches. NULL/0 = no constraint. */
typedef struct cdr_filter {
    int64_t from_ms, to_ms;   /* start time in [from_ms, to_ms) */
    const char *customer;     /* exact */
    const char *carrier;      /* exact */
    const char *prefix;       /* callee E.164 digits start with this ('+' optional), or dest_prefix does */
    const char *callee;       /* same number as callee (sb_phone_match, any strength) */
    unsigned direction_mask;  /* bit (1u << cdr_direction); 0 = any */
    int answered;             /* -1 any, 0 unanswered only, 1 answered only */
    int sip_code;             /* 0 any */
    const sb_phone_country *country; /* for callee matching */
} cdr_filter;

void cdr_filter_init(cdr_filter *f); /* all open, answered = -1 */
bool cdr_filter_match(const cdr_filter *f, const cdr_record *r);

#define CDR_MAX_CURRENCIES 16

typedef struct cdr_money {
    char currency[8];  /* "" = not stated */
    double revenue, cost;
    uint64_t calls;
} cdr_money;

typedef struct cdr_summary {
    uint64_t attempts, answered, ner_ok, failed, routing_failures;
    double asr, ner;                /* percent; -1 when attempts == 0 */
    double acd_s, aloc_s;           /* -1 when answered == 0 */
    double pdd_median_ms, pdd_p95_ms; /* -1 when no record carried a PDD */
    uint64_t pdd_samples;
    double talk_minutes;
    uint64_t active_customers;      /* distinct customers with attempts > 0 */
    int64_t first_ms, last_ms;      /* earliest / latest start seen (0 = none) */
    size_t n_money;
    cdr_money money[CDR_MAX_CURRENCIES];
} cdr_summary;

typedef struct cdr_report_opts {
    unsigned top_n;          /* rows in each top/breakdown list; 0 = 10 */
    unsigned prefix_digits;  /* prefix length when the source has no rate-card prefix; 0 = 4 */
    unsigned max_keys;       /* cap per table (customers, destinations, ...); 0 = 100000 */
    unsigned max_days;       /* per-day series cap; 0 = 3660 */
} cdr_report_opts;

typedef struct cdr_report cdr_report;

/* f and o may be NULL. The filter's strings are copied. */
cdr_report *cdr_report_new(const cdr_filter *f, const cdr_report_opts *o);
void cdr_report_free(cdr_report *r);
/* Adds one record; returns 1 when it passed the filter and was counted, else 0. */
int cdr_report_add(cdr_report *rep, const cdr_record *r);
/* A sink feeding cdr_report_add, for cdr_import_file / connectors (ud = the report). */
int cdr_report_sink_row(void *rep, const cdr_record *r);

void cdr_report_summary(const cdr_report *rep, cdr_summary *out);

/* The whole report: {definitions, filter, summary{...}, money:[{currency, revenue, cost,
 * margin, margin_percent}], top_customers, top_destinations, failures{by_sip_code, by_cause,
 * by_prefix, by_carrier}, daily:[{day, attempts, answered, asr, minutes, failed}], truncated}.
 * Numbers are JSON numbers (money rounded to 4 dp). */
json_t *cdr_report_json(const cdr_report *rep);

/* Human text (a few dozen lines) for tool text content and the CLI. */
int cdr_report_text(const cdr_report *rep, sb_buf *out);

/* Mermaid: an xychart-beta of attempts/answered per day and a pie of failures by SIP code. */
int cdr_report_mermaid(const cdr_report *rep, sb_buf *out);

/* A self-contained SVG: per-day attempts (bars) and ASR (line) on top, failure breakdown by
 * SIP code (horizontal bars) below. */
int cdr_report_svg(const cdr_report *rep, sb_buf *out);

#endif
