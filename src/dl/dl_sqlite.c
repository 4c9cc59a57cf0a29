/* libsqlite3, loaded when the CDR store is opened (see dl.h): the connection, statement,
 * binding and column functions of src/cdr/cdr_store.c. None of them is variadic.
 *
 * When the library cannot be loaded sqlite3_open_v2 does what SQLite does for most failed
 * opens: it answers an error code with a connection handle, here a placeholder, whose
 * sqlite3_errmsg is the load error and which sqlite3_close accepts; no other function reaches
 * it, since each answers SQLITE_ERROR (or an empty column) before looking at its arguments. */
#include <sqlite3.h>
#include <stddef.h>

#include "dl/dl.h"

static sb_dl_lib g_sqlite = {
    .soname = SB_DL_SONAME_SQLITE,
    .without = "the CDR store cannot be opened",
};

/* The handle sqlite3_open_v2 answers without the library; never dereferenced. */
static char g_placeholder;
#define PLACEHOLDER_DB ((sqlite3 *)(void *)&g_placeholder)

static const char *unavailable_text(void)
{
    const char *why = sb_dl_error(&g_sqlite);
    return why[0] ? why : "SQLite is not available";
}

/* ---- connections --------------------------------------------------------------------------- */

int sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs)
{
    __typeof__(sqlite3_open_v2) *fn = SB_DL_RESOLVE(g_sqlite, sqlite3_open_v2);
    if (fn)
        return fn(filename, db, flags, vfs);
    *db = PLACEHOLDER_DB;
    return SQLITE_CANTOPEN;
}

int sqlite3_close(sqlite3 *db)
{
    if (!db || db == PLACEHOLDER_DB)
        return SQLITE_OK;
    __typeof__(sqlite3_close) *fn = SB_DL_RESOLVE(g_sqlite, sqlite3_close);
    return fn ? fn(db) : SQLITE_ERROR;
}

const char *sqlite3_errmsg(sqlite3 *db)
{
    if (db == PLACEHOLDER_DB)
        return unavailable_text();
    __typeof__(sqlite3_errmsg) *fn = SB_DL_RESOLVE(g_sqlite, sqlite3_errmsg);
    return fn ? fn(db) : unavailable_text();
}

int sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg,
                 char **errmsg)
{
    __typeof__(sqlite3_exec) *fn = SB_DL_RESOLVE(g_sqlite, sqlite3_exec);
    if (fn)
        return fn(db, sql, cb, arg, errmsg);
    if (errmsg)
        *errmsg = NULL;
    return SQLITE_ERROR;
}

SB_DL_WRAP(g_sqlite, int, sqlite3_busy_timeout, (sqlite3 *db, int ms), (db, ms), SQLITE_ERROR)
SB_DL_WRAP(g_sqlite, int, sqlite3_changes, (sqlite3 *db), (db), 0)
SB_DL_WRAP(g_sqlite, sqlite3_int64, sqlite3_changes64, (sqlite3 *db), (db), 0)
SB_DL_WRAP_FREE(g_sqlite, sqlite3_free, void *)

/* ---- statements ---------------------------------------------------------------------------- */

int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int nbyte, sqlite3_stmt **stmt, const char **tail)
{
    __typeof__(sqlite3_prepare_v2) *fn = SB_DL_RESOLVE(g_sqlite, sqlite3_prepare_v2);
    if (fn)
        return fn(db, sql, nbyte, stmt, tail);
    *stmt = NULL;
    if (tail)
        *tail = sql;
    return SQLITE_ERROR;
}

int sqlite3_finalize(sqlite3_stmt *st)
{
    if (!st)
        return SQLITE_OK;
    __typeof__(sqlite3_finalize) *fn = SB_DL_RESOLVE(g_sqlite, sqlite3_finalize);
    return fn ? fn(st) : SQLITE_ERROR;
}

SB_DL_WRAP(g_sqlite, int, sqlite3_step, (sqlite3_stmt *st), (st), SQLITE_ERROR)
SB_DL_WRAP(g_sqlite, int, sqlite3_reset, (sqlite3_stmt *st), (st), SQLITE_ERROR)
SB_DL_WRAP(g_sqlite, int, sqlite3_clear_bindings, (sqlite3_stmt *st), (st), SQLITE_ERROR)

/* ---- bindings and columns ------------------------------------------------------------------ */

SB_DL_WRAP(g_sqlite, int, sqlite3_bind_int, (sqlite3_stmt *st, int i, int v), (st, i, v), SQLITE_ERROR)
SB_DL_WRAP(g_sqlite, int, sqlite3_bind_int64, (sqlite3_stmt *st, int i, sqlite3_int64 v), (st, i, v),
           SQLITE_ERROR)
SB_DL_WRAP(g_sqlite, int, sqlite3_bind_double, (sqlite3_stmt *st, int i, double v), (st, i, v),
           SQLITE_ERROR)
SB_DL_WRAP(g_sqlite, int, sqlite3_bind_null, (sqlite3_stmt *st, int i), (st, i), SQLITE_ERROR)
/* SQLite disposes of the text with its destructor even when binding fails; so does this. */
int sqlite3_bind_text(sqlite3_stmt *st, int i, const char *v, int n, void (*destroy)(void *))
{
    __typeof__(sqlite3_bind_text) *fn = SB_DL_RESOLVE(g_sqlite, sqlite3_bind_text);
    if (fn)
        return fn(st, i, v, n, destroy);
    if (destroy != SQLITE_STATIC && destroy != SQLITE_TRANSIENT && v)
        destroy((void *)v);
    return SQLITE_ERROR;
}
SB_DL_WRAP(g_sqlite, int, sqlite3_column_int, (sqlite3_stmt *st, int i), (st, i), 0)
SB_DL_WRAP(g_sqlite, sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt *st, int i), (st, i), 0)
SB_DL_WRAP(g_sqlite, double, sqlite3_column_double, (sqlite3_stmt *st, int i), (st, i), 0)
SB_DL_WRAP(g_sqlite, const unsigned char *, sqlite3_column_text, (sqlite3_stmt *st, int i), (st, i),
           NULL)
SB_DL_WRAP(g_sqlite, int, sqlite3_column_bytes, (sqlite3_stmt *st, int i), (st, i), 0)
