/* The one normalised CDR record every source feeds, and the small tables around it.
 *
 * A cdr_record is a view: its strings (cdr_str) point into memory the producer owns and that
 * stays valid only during the callback it is handed to (an importer's row buffer, a
 * connector's json_t). Consumers that keep anything copy it. Numbers are plain fields with a
 * `have` bitmask saying which ones the source actually provided, so "cost 0" and "no cost"
 * stay different. Times are UTC milliseconds since the epoch, 0 = unknown.
 *
 * Every source (Asterisk, FreeSWITCH, 3CX, ConnexCS CSV/JSON, generic CSV, connector rows)
 * meets here; reports, detectors and the store only ever see cdr_record. */
#ifndef SB_CDR_RECORD_H
#define SB_CDR_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/phone.h"

typedef struct cdr_str {
    const char *p;
    size_t n;
} cdr_str;
#define CDR_STR(lit) ((cdr_str){(lit), sizeof(lit) - 1})

typedef enum {
    CDR_DIR_UNKNOWN = 0,
    CDR_DIR_INBOUND,
    CDR_DIR_OUTBOUND,
    CDR_DIR_INTERNAL,
    CDR_DIR_COUNT_
} cdr_direction;

/* Final disposition. ANSWERED is the only "answered" value; the rest are failures of one
 * class each (used by NER and the failure breakdowns). */
typedef enum {
    CDR_DISP_UNKNOWN = 0,
    CDR_DISP_ANSWERED,
    CDR_DISP_NO_ANSWER,   /* ring no answer: 480, 408 after ringing, Q.850 18/19 */
    CDR_DISP_BUSY,        /* 486/600, Q.850 17 */
    CDR_DISP_CANCELLED,   /* caller gave up: 487, ORIGINATOR_CANCEL */
    CDR_DISP_REJECTED,    /* terminal reject: 603/403, Q.850 21 */
    CDR_DISP_FAILED,      /* routing/number/network/other failure */
    CDR_DISP_CONGESTION,  /* 503/no circuit, Q.850 34/38/41/42/47 */
    CDR_DISP_COUNT_
} cdr_disposition;

/* Bits of cdr_record.have. */
enum {
    CDR_HAVE_START = 1u << 0,
    CDR_HAVE_ANSWER = 1u << 1,
    CDR_HAVE_END = 1u << 2,
    CDR_HAVE_DURATION = 1u << 3,
    CDR_HAVE_BILLSEC = 1u << 4,
    CDR_HAVE_SIP = 1u << 5,
    CDR_HAVE_Q850 = 1u << 6,
    CDR_HAVE_PDD = 1u << 7,
    CDR_HAVE_RATE = 1u << 8,
    CDR_HAVE_COST = 1u << 9,     /* what we pay the carrier (buy) */
    CDR_HAVE_REVENUE = 1u << 10, /* what the customer pays (sell) */
};

typedef struct cdr_record {
    int64_t start_ms, answer_ms, end_ms; /* UTC epoch ms; 0 = unknown */
    int64_t duration_s;                  /* end - start (whole call, incl. ringing) */
    int64_t billsec_s;                   /* end - answer (talk time); 0 for unanswered */
    int32_t pdd_ms;                      /* post-dial delay when the source knows it */
    int16_t sip_code;                    /* final SIP status, 0 = unknown */
    int16_t q850;                        /* Q.850 cause, 0 = unknown */
    cdr_disposition disposition;
    cdr_direction direction;
    unsigned have;                       /* CDR_HAVE_* */

    cdr_str caller, callee;              /* as dialled / presented */
    char caller_e164[SB_PHONE_E164_MAX + 1]; /* normalised ("+44...", short code digits, or "") */
    char callee_e164[SB_PHONE_E164_MAX + 1];

    cdr_str customer;                    /* account code, customer id, tenant */
    cdr_str carrier;                     /* carrier, provider, trunk, gateway */
    cdr_str dest_prefix;                 /* rate-card prefix when the source has one */
    cdr_str dest_name;                   /* destination name ("UK Mobile") */
    cdr_str sip_reason;                  /* reason phrase or hangup-cause name as given */
    double rate;                         /* per minute, in currency */
    double cost, revenue;
    cdr_str currency;                    /* ISO 4217; empty = the report's "unknown" bucket */
    cdr_str call_id, call_id2;           /* SIP Call-ID / uuid; second leg if any */
    cdr_str source;                      /* dialect or connector name ("asterisk", "connexcs") */
    cdr_str source_row;                  /* the source's row id (uniqueid, CdrId) or "" */
    uint64_t line;                       /* line number in the file (1-based), 0 for API rows */
} cdr_record;

/* Resets to an empty record (all unknown). */
void cdr_record_clear(cdr_record *r);

/* Fills what can be derived and was not given: duration/billsec from the times (and the times
 * from each other when only some are known), the disposition from SIP code / Q.850 / billsec,
 * the SIP code from Q.850 (RFC 3398 table) and the reverse, and caller_e164/callee_e164 from
 * caller/callee with the default country (NULL = none). Call once after filling a record. */
void cdr_record_finish(cdr_record *r, const sb_phone_country *def);

/* True when the call was answered (disposition ANSWERED). */
static inline bool cdr_record_answered(const cdr_record *r)
{
    return r->disposition == CDR_DISP_ANSWERED;
}

/* True for failures that count as "network effective" in NER: answered, busy, no answer,
 * cancelled by the caller and terminal reject (ITU E.411 proposal; see cdr_report.h). */
bool cdr_record_ner_ok(const cdr_record *r);

/* True for "no route" failures: 404/484/604 or Q.850 1/2/3/28, 503/580 with cause 3/34/38 or
 * a reason naming "no route". */
bool cdr_record_no_route(const cdr_record *r);

/* The destination prefix used for grouping: dest_prefix when the source gave one, else the
 * first `digits` digits of callee_e164 (without '+'), else of the dialled callee. Writes at
 * most outsz-1 bytes + NUL; returns the length (0 when there is no callee). */
size_t cdr_record_prefix(const cdr_record *r, unsigned digits, char *out, size_t outsz);

const char *cdr_direction_name(cdr_direction d);     /* "inbound", "outbound", "internal", "unknown" */
int cdr_direction_parse(const char *s, size_t n);    /* -1 when not recognised */
const char *cdr_disposition_name(cdr_disposition d); /* "answered", "no_answer", "busy", ... */
int cdr_disposition_parse(const char *s, size_t n);  /* Asterisk/3CX words too; -1 unknown */

/* SIP <-> Q.850 (RFC 3398 §7.2.4.1 and §8.2.6.1), and FreeSWITCH/Q.850 cause names
 * ("NORMAL_CLEARING" -> 16). 0 when unknown. */
int cdr_q850_from_sip(int sip);
int cdr_sip_from_q850(int cause);
int cdr_q850_from_name(const char *s, size_t n);
const char *cdr_q850_name(int cause); /* "NORMAL_CLEARING", or NULL */

/* UTC timestamp parsing for CDR fields: "YYYY-MM-DD HH:MM:SS[.fff]" with 'T' or ' ', optional
 * "Z" or "+hh:mm"/"-hhmm" offset, "YYYY/MM/DD ...", "DD/MM/YYYY HH:MM[:SS]" (day first),
 * epoch seconds (9-10 digits, optional fraction) or epoch ms (13 digits). Returns 0 and sets
 * *ms, or -1. Empty input is -1 (callers decide whether a field may be empty). */
int cdr_parse_time(const char *s, size_t n, int64_t *ms);
/* Durations: "83", "83.4", "1:23", "00:01:23", ISO-8601 "PT1M23S". Whole seconds (rounded). */
int cdr_parse_duration(const char *s, size_t n, int64_t *seconds);
/* Strict decimal numbers ("-1.25", "3", "1e-3"); and integers. 0 or -1. */
int cdr_parse_double(const char *s, size_t n, double *out);
int cdr_parse_int(const char *s, size_t n, int64_t *out);
/* Formats epoch ms as "YYYY-MM-DDTHH:MM:SSZ" (out >= 21 bytes). */
void cdr_format_time(int64_t ms, char *out, size_t outsz);
/* Days since the epoch of a UTC instant (floor), and back to "YYYY-MM-DD". */
int64_t cdr_day_of(int64_t ms);
void cdr_format_day(int64_t day, char *out, size_t outsz);

/* A record as JSON (search results): times as ISO UTC, numbers only when known. */
json_t *cdr_record_json(const cdr_record *r);

#endif
