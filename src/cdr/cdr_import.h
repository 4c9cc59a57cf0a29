/* Importers: CDR files and upstream rows into cdr_record, handed to a sink.
 *
 * A dialect is a row of a table (name, how to recognise it, how to map a row). Files are read
 * in chunks through the streaming CSV reader (cdr_csv.h): memory stays bounded whatever the
 * file size. The dialect is detected from the header line (or the shape of the first row for
 * header-less Asterisk Master.csv and FreeSWITCH cdr_csv) or chosen by name. Bad rows (wrong
 * field count, unparsable dates or numbers, broken quoting, invalid UTF-8, over-long lines)
 * are counted with their line numbers and skipped; good rows still load.
 *
 * Connectors feed their rows through cdr_feed_connexcs_json() / cdr_feed_tcx_json(): the same
 * sink, so a ConnexCS API fetch and a ConnexCS CSV export give the same records. */
#ifndef SB_CDR_IMPORT_H
#define SB_CDR_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdr/cdr_record.h"

typedef enum {
    CDR_DIALECT_AUTO = 0,
    CDR_DIALECT_ASTERISK,      /* Master.csv, no header, fixed 18 (+ optional) fields */
    CDR_DIALECT_FREESWITCH,    /* mod_cdr_csv "default" template, no header, 15 fields (or its header) */
    CDR_DIALECT_TCX,           /* 3CX call log CSV (CDR service fields, CallLogData names, web export) */
    CDR_DIALECT_CONNEXCS,      /* ConnexCS CDR CSV export (dt, callid, dest_number, ...) */
    CDR_DIALECT_CONNEXCS_JSON, /* ConnexCS CDR JSON: an array, or {result|data:[...]} */
    CDR_DIALECT_GENERIC,       /* any CSV with a header (known column names) or a mapping */
    CDR_DIALECT_COUNT_
} cdr_dialect;

const char *cdr_dialect_name(cdr_dialect d); /* "asterisk", "freeswitch", "3cx", "connexcs", "connexcs-json", "generic", "auto" */
int cdr_dialect_parse(const char *name);     /* -1 when unknown */

/* The sink every importer and connector feeds. Return non-zero from row() to stop. */
typedef struct cdr_sink {
    int (*row)(void *ud, const cdr_record *r);
    void *ud;
} cdr_sink;

typedef void (*cdr_progress_fn)(void *ud, uint64_t bytes_done, uint64_t bytes_total, uint64_t rows);

typedef struct cdr_import_opts {
    cdr_dialect dialect;              /* AUTO = detect */
    /* Generic CSV column mapping, "field=column,...": field is a record field name (start,
     * answer, end, duration, billsec, caller, callee, direction, sip_code, q850, disposition,
     * customer, carrier, dest_prefix, dest_name, rate, cost, revenue, currency, call_id,
     * call_id2, source_row, pdd_ms, sip_reason); column is a header name or a 1-based index
     * ("callee=3"); when every column is an index the file has no header. NULL = header names. */
    const char *mapping;
    const sb_phone_country *country;  /* default country for E.164 (NULL = none) */
    char sep;                         /* 0 = detect */
    size_t max_row;                   /* bytes per row; 0 = 64 KiB */
    size_t max_bad_kept;              /* bad-row line numbers remembered; 0 = 100 */
    const volatile int *cancel;       /* polled between chunks; non-zero = stop (error "cancelled") */
    cdr_progress_fn progress;         /* called about every 4 MiB, and at the end; may be NULL */
    void *progress_ud;
    const char *source;               /* source label stored in records; NULL = dialect name */
} cdr_import_opts;

typedef struct cdr_bad_row {
    uint64_t line;
    char reason[64];
} cdr_bad_row;

typedef struct cdr_import_stats {
    cdr_dialect dialect;   /* what was used (detected or given) */
    char sep;
    uint64_t bytes, lines, rows_ok, rows_bad;
    bool header;           /* the file had a header line */
    bool stopped;          /* the sink asked to stop */
    size_t n_bad;          /* bad[0..n_bad) kept (the first max_bad_kept) */
    cdr_bad_row *bad;
    char error[256];       /* fatal error ("cannot open ...", "cancelled", "unknown dialect"), "" = none */
} cdr_import_stats;

void cdr_import_opts_init(cdr_import_opts *o);
void cdr_import_stats_free(cdr_import_stats *st);
/* {dialect, separator, bytes, lines, rows_ok, rows_bad, bad_rows:[{line, reason}], truncated} */
json_t *cdr_import_stats_json(const cdr_import_stats *st);

/* Imports a file (or "-" for stdin). Returns 0 when the file was read to the end (bad rows do
 * not make it fail), 1 when the sink stopped it, -1 on a fatal error (st->error says why).
 * st is always filled; free it with cdr_import_stats_free. */
int cdr_import_file(const char *path, const cdr_import_opts *o, cdr_sink sink, cdr_import_stats *st);
/* The same over a memory buffer (tests, fuzzing, an uploaded file). */
int cdr_import_buffer(const char *data, size_t len, const cdr_import_opts *o, cdr_sink sink,
                      cdr_import_stats *st);

/* Rows fetched by connectors. rows is a JSON array of objects (or an object holding one under
 * "result"/"data"/"value"). ConnexCS: the `POST cdr` fields (dt, callid, dest_cli,
 * dest_number, duration, customer_id, customer_charge, customer_card_currency,
 * customer_card_dest_code/name, provider_id, provider_charge, sip_code, sip_reason, pdd_in,
 * ...). 3CX: CallLogData rows (StartTime, SourceCallerId/SourceDn, DestinationCallerId/
 * DestinationDn, RingingDuration, TalkingDuration, CallCost, Answered, Direction, Status,
 * Reason, CdrId, MainCallHistoryId). Rows that are not objects or lack a start time count
 * as bad (line = index + 1). Same returns as cdr_import_file. */
int cdr_feed_connexcs_json(const json_t *rows, const cdr_import_opts *o, cdr_sink sink,
                           cdr_import_stats *st);
int cdr_feed_tcx_json(const json_t *rows, const cdr_import_opts *o, cdr_sink sink,
                      cdr_import_stats *st);

#endif
