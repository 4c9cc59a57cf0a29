/* A streaming CSV reader: RFC 4180 quoting, LF or CRLF (mixed), an optional UTF-8 BOM, and a
 * separator detected from the first line (',', ';', '\t', '|') unless given.
 *
 * Feed it bytes in chunks of any size; it hands each complete row to the callback as
 * pointer+length fields (quotes removed, "" unescaped in place). Rows are bounded: a row
 * longer than max_row bytes is reported once as a bad row (CDR_CSV_TOO_LONG) and skipped to
 * its end without buffering it, so a 1 GB line costs max_row bytes of memory, not 1 GB. Rows
 * whose quoting is broken (a quote inside an unquoted field, text after a closing quote, a
 * quote still open at end of input) are reported with CDR_CSV_BAD_QUOTE; rows with more than
 * max_fields fields with CDR_CSV_TOO_MANY_FIELDS. Blank lines are skipped. */
#ifndef SB_CDR_CSV_H
#define SB_CDR_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "cdr/cdr_record.h"

enum {
    CDR_CSV_OK = 0,
    CDR_CSV_TOO_LONG = 1,
    CDR_CSV_BAD_QUOTE = 2,
    CDR_CSV_TOO_MANY_FIELDS = 3,
    CDR_CSV_BAD_UTF8 = 4,
};

/* One row: fields[0..nfields); line = the 1-based line where the row starts; status one of
 * CDR_CSV_*. For a bad row fields may be empty. Return non-zero to stop the reader. */
typedef int (*cdr_csv_row_fn)(void *ud, const cdr_str *fields, size_t nfields, uint64_t line,
                              int status);

typedef struct cdr_csv cdr_csv;

/* sep = 0 detects it from the first line; max_row bytes per row (>= 64); max_fields >= 1. */
cdr_csv *cdr_csv_new(char sep, size_t max_row, size_t max_fields, cdr_csv_row_fn fn, void *ud);
void cdr_csv_free(cdr_csv *c);

/* Feeds len bytes. Returns 0, 1 when the callback asked to stop, -1 on allocation failure. */
int cdr_csv_feed(cdr_csv *c, const char *data, size_t len);
/* Flushes the last row (no trailing newline needed). Same returns. */
int cdr_csv_finish(cdr_csv *c);

char cdr_csv_separator(const cdr_csv *c); /* the detected or given separator (0 before the first row) */
uint64_t cdr_csv_lines(const cdr_csv *c);  /* lines seen so far */

#endif
