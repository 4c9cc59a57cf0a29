/* Internal: the report's accumulated state, shared by cdr_report.c and cdr_chart.c. */
#ifndef SB_CDR_REPORT_INTERNAL_H
#define SB_CDR_REPORT_INTERNAL_H

#include "cdr/cdr_ktab.h"
#include "cdr/cdr_report.h"

#define CDR_PDD_BUCKETS (10000 + 1100)

/* Per-key tallies (customer, carrier, prefix, destination, day, reason). */
typedef struct cdr_kstat {
    uint64_t attempts, answered, failed, ner_ok, no_route;
    uint64_t billsec, duration;
    double revenue, cost;
    int64_t first_ms, last_ms;
} cdr_kstat;

struct cdr_report {
    cdr_filter filter;
    char *own[4];
    unsigned top_n, prefix_digits;
    uint64_t attempts, answered, ner_ok, routing_failures, billsec, duration;
    uint64_t rfc_3xx, rfc_seer, rfc_isa; /* RFC 6076 counters: 3xx finals, SEER effective, ISA */
    int64_t first_ms, last_ms;
    uint64_t *pdd_hist, pdd_samples;
    size_t n_money;
    cdr_money money[CDR_MAX_CURRENCIES];
    uint8_t money_len[CDR_MAX_CURRENCIES];
    bool money_truncated;
    cdr_ktab customers, destinations, prefixes, carriers, days, reasons;
    uint64_t by_sip[700];   /* failures by final SIP code (0 = none) */
    uint64_t by_cause[128]; /* failures by Q.850 cause (0 = none) */
    uint64_t by_disp[CDR_DISP_COUNT_]; /* attempts by disposition */
};

enum { CDR_SORT_ATTEMPTS, CDR_SORT_FAILED, CDR_SORT_NOROUTE };

/* Entry indices of t sorted by the chosen count, descending (zero counts dropped unless by
 * attempts); at most max. */
size_t cdr_report_sorted(const cdr_ktab *t, int by, uint32_t *out, size_t max);
/* The days seen, ascending; and one day's tallies. */
size_t cdr_report_days(const cdr_report *rep, int64_t *days, size_t max);
const cdr_kstat *cdr_report_day(const cdr_report *rep, int64_t day);

#endif
