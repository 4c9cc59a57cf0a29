/* The embedded CDR store: SQLite in WAL mode, by default $XDG_DATA_HOME/switchboard/cdr.db
 * (~/.local/share/switchboard/cdr.db).
 *
 * Imports are transactional (all rows of one import, or none: an interrupted or cancelled
 * import rolls back) and idempotent (each row has a 64-bit key of its source and content;
 * re-importing a file adds nothing). Indexes: start time, customer, destination prefix,
 * callee. Scans feed the same cdr_sink as the importers, so reports and detectors run over
 * the store exactly as over a file. A handle is used by one thread at a time. */
#ifndef SB_CDR_STORE_H
#define SB_CDR_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "cdr/cdr_import.h"
#include "cdr/cdr_report.h"

typedef struct cdr_store cdr_store;

/* The default path (malloc'd), or NULL when neither XDG_DATA_HOME nor HOME is set. */
char *cdr_store_default_path(void);

/* Opens (creating the file, its directory and the schema) path, or the default when NULL.
 * Returns NULL with a message in err (errsz bytes) on failure. */
cdr_store *cdr_store_open(const char *path, char *err, size_t errsz);
void cdr_store_close(cdr_store *s);
const char *cdr_store_path(const cdr_store *s);

/* Explicit batches for connectors: begin, add rows, commit (or rollback). add returns 1 when
 * the row was new, 0 when it was already stored, -1 on error. */
int cdr_store_begin(cdr_store *s);
int cdr_store_add(cdr_store *s, const cdr_record *r);
int cdr_store_commit(cdr_store *s);
void cdr_store_rollback(cdr_store *s);

/* A sink that adds rows (inside a batch the caller opened); ud = the store. Counts new rows
 * in cdr_store_added(). */
int cdr_store_sink_row(void *store, const cdr_record *r);
uint64_t cdr_store_added(const cdr_store *s);

/* Imports a file in one transaction. Returns 0 (stats in st; *added = new rows), or -1 (the
 * store is unchanged; st->error says why). Cancellation through o->cancel rolls back. */
int cdr_store_import_file(cdr_store *s, const char *path, const cdr_import_opts *o,
                          cdr_import_stats *st, uint64_t *added);

/* Feeds every stored record matching f (in start-time order) to sink. Returns 0, 1 when the
 * sink stopped, -1 on error. country is used to re-normalise (may be NULL). */
int cdr_store_scan(cdr_store *s, const cdr_filter *f, cdr_sink sink);

/* One page of matching records, newest first: {total, offset, limit, hasMore, rows:[...]}. */
json_t *cdr_store_search(cdr_store *s, const cdr_filter *f, uint64_t offset, unsigned limit);

/* Deletes records that started before before_ms. Returns the number deleted, or -1. */
int64_t cdr_store_purge_before(cdr_store *s, int64_t before_ms);

/* Total rows stored, or -1. */
int64_t cdr_store_count(cdr_store *s);

#endif
