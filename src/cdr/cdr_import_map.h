/* Internal to the importers: column maps from headers, fixed orders and mapping arguments,
 * and the conversion of one row (CSV fields or a JSON object) into a cdr_record. */
#ifndef SB_CDR_IMPORT_MAP_H
#define SB_CDR_IMPORT_MAP_H

#include <jansson.h>

#include "cdr/cdr_import.h"

typedef enum {
    CF_START, CF_ANSWER, CF_END, CF_DURATION, CF_BILLSEC, CF_CALLER, CF_CALLEE, CF_DIRECTION,
    CF_SIP_CODE, CF_Q850, CF_DISPOSITION, CF_CUSTOMER, CF_CARRIER, CF_DEST_PREFIX, CF_DEST_NAME,
    CF_RATE, CF_COST, CF_REVENUE, CF_CURRENCY, CF_CALL_ID, CF_CALL_ID2, CF_SOURCE_ROW, CF_PDD_MS,
    CF_SIP_REASON, CF_RING_S, CF_ANSWERED, CF_CHANNEL, CF_COUNT
} cdr_field_id;

typedef struct cdr_colmap {
    int col[CF_COUNT];          /* column index or -1 */
    unsigned n_used;
    unsigned char used[CF_COUNT]; /* fields with a column, in conversion order */
    size_t min_fields, max_fields; /* accepted field count per row */
    cdr_dialect dialect;
} cdr_colmap;

/* Recognises a header line; fills map and returns the dialect, or CDR_DIALECT_AUTO. hint
 * (not AUTO) forces that dialect's names. */
cdr_dialect cdr_colmap_from_header(cdr_colmap *m, cdr_dialect hint, const cdr_str *f, size_t nf);
/* Recognises a header-less first data row (Asterisk, FreeSWITCH). */
cdr_dialect cdr_colmap_fixed(cdr_colmap *m, cdr_dialect hint, const cdr_str *f, size_t nf);
/* 1 when every column of the mapping is a number, 0 otherwise, -1 when malformed. */
int cdr_colmap_mapping_is_indexed(const char *mapping);
/* Builds a map from "field=column,..." (header f/nf used for names; NULL for numbers). */
int cdr_colmap_from_mapping(cdr_colmap *m, const char *mapping, const cdr_str *f, size_t nf,
                            char *err, size_t errsz);
/* Converts a row. Returns 0, or -1 with a reason. */
int cdr_colmap_row(const cdr_colmap *m, const cdr_str *f, size_t nf, uint64_t line, cdr_record *r,
                   char *reason, size_t rsz);

/* Text rendered from JSON values lives here while the record is delivered. */
typedef struct cdr_json_scratch {
    char buf[4096];
    size_t used;
    cdr_str names[128], values[128];
} cdr_json_scratch;

int cdr_json_row(cdr_dialect d, const json_t *row, uint64_t line, cdr_record *r,
                 cdr_json_scratch *s, char *reason, size_t rsz);

/* Sets direction from the numbers when the source did not say: short -> short internal,
 * short -> long outbound, long -> short inbound. */
void cdr_import_infer_direction(cdr_record *r);

#endif
