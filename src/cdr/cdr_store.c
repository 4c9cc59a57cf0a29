/* The embedded CDR store over SQLite (see cdr_store.h).
 *
 * One table `cdr`, one row per record, with a UNIQUE 64-bit row_key computed from the
 * record's identifying fields, so INSERT OR IGNORE makes imports idempotent. Filters that SQL
 * can use an index for (time, customer, carrier, prefix, callee, SIP code, answered,
 * direction) become WHERE clauses with bound parameters; nothing from a caller is ever
 * pasted into SQL text. */
#include "cdr/cdr_store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cdr/cdr_ktab.h"

struct cdr_store {
    sqlite3 *db;
    sqlite3_stmt *ins;
    char *path;
    uint64_t added;
    bool in_tx;
};

/* Built after a bulk load into an empty table (one sort each instead of millions of random
 * B-tree inserts), and at open for an existing store. */
#define SECONDARY_INDEXES                                                                       \
    "CREATE INDEX IF NOT EXISTS cdr_by_start ON cdr(start_ms);"                              \
    "CREATE INDEX IF NOT EXISTS cdr_by_customer ON cdr(customer, start_ms);"                 \
    "CREATE INDEX IF NOT EXISTS cdr_by_prefix ON cdr(dest_prefix);"                          \
    "CREATE INDEX IF NOT EXISTS cdr_by_callee ON cdr(callee_e164);"
#define DROP_SECONDARY_INDEXES                                                                  \
    "DROP INDEX IF EXISTS cdr_by_start; DROP INDEX IF EXISTS cdr_by_customer;"               \
    "DROP INDEX IF EXISTS cdr_by_prefix; DROP INDEX IF EXISTS cdr_by_callee;"

static const char *schema =
    "CREATE TABLE IF NOT EXISTS cdr("
    " id INTEGER PRIMARY KEY, row_key INTEGER NOT NULL UNIQUE,"
    " start_ms INTEGER NOT NULL, answer_ms INTEGER, end_ms INTEGER,"
    " duration_s INTEGER, billsec_s INTEGER, pdd_ms INTEGER, sip_code INTEGER, q850 INTEGER,"
    " disposition INTEGER, direction INTEGER, have INTEGER,"
    " caller TEXT, callee TEXT, caller_e164 TEXT, callee_e164 TEXT, customer TEXT, carrier TEXT,"
    " dest_prefix TEXT, dest_name TEXT, sip_reason TEXT, rate REAL, cost REAL, revenue REAL,"
    " currency TEXT, call_id TEXT, call_id2 TEXT, source TEXT, source_row TEXT, line INTEGER);"
    SECONDARY_INDEXES;

#define COLS "start_ms, answer_ms, end_ms, duration_s, billsec_s, pdd_ms, sip_code, q850," \
             " disposition, direction, have, caller, callee, caller_e164, callee_e164, customer," \
             " carrier, dest_prefix, dest_name, sip_reason, rate, cost, revenue, currency, call_id," \
             " call_id2, source, source_row, line"

char *cdr_store_default_path(void)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (xdg && xdg[0] == '/')
        snprintf(buf, sizeof buf, "%s/switchboard/cdr.db", xdg);
    else if (home && home[0])
        snprintf(buf, sizeof buf, "%s/.local/share/switchboard/cdr.db", home);
    else
        return NULL;
    return strdup(buf);
}

/* mkdir -p of the directory part of path (mode 0700 for what it creates). */
static int make_parent(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    char *slash = strrchr(p, '/');
    if (slash && slash != p) {
        *slash = 0;
        for (char *q = p + 1; *q; q++) {
            if (*q == '/') {
                *q = 0;
                if (mkdir(p, 0700) < 0 && errno != EEXIST) { free(p); return -1; }
                *q = '/';
            }
        }
        if (mkdir(p, 0700) < 0 && errno != EEXIST) { free(p); return -1; }
    }
    free(p);
    return 0;
}

cdr_store *cdr_store_open(const char *path, char *err, size_t errsz)
{
    cdr_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    s->path = path ? strdup(path) : cdr_store_default_path();
    if (!s->path) {
        snprintf(err, errsz, "no store path: set --store, XDG_DATA_HOME or HOME");
        goto fail;
    }
    if (make_parent(s->path) < 0) {
        snprintf(err, errsz, "cannot create the directory of %s: %s", s->path, strerror(errno));
        goto fail;
    }
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errsz, "cannot open store %s: %s", s->path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                                "PRAGMA cache_size=-262144;", NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errsz, "store %s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        goto fail;
    }
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO cdr(row_key, " COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &s->ins, NULL) != SQLITE_OK) {
        snprintf(err, errsz, "store %s: %s", s->path, sqlite3_errmsg(s->db));
        goto fail;
    }
    return s;
fail:
    cdr_store_close(s);
    return NULL;
}

void cdr_store_close(cdr_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        cdr_store_rollback(s);
    sqlite3_finalize(s->ins);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

const char *cdr_store_path(const cdr_store *s)
{
    return s->path;
}

int cdr_store_begin(cdr_store *s)
{
    if (s->in_tx)
        return -1;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    s->in_tx = true;
    s->added = 0;
    return 0;
}

int cdr_store_commit(cdr_store *s)
{
    if (!s->in_tx)
        return -1;
    s->in_tx = false;
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

void cdr_store_rollback(cdr_store *s)
{
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = false;
}

/* The idempotency key: the fields that identify a call from one source. */
static uint64_t row_key(const cdr_record *r)
{
    uint64_t h = cdr_hash(r->source.p ? r->source.p : "", r->source.n);
    const cdr_str parts[] = {r->source_row, r->call_id, r->caller, r->callee, r->customer, r->carrier};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        h = h * 0x100000001b3ull ^ cdr_hash(parts[i].p ? parts[i].p : "", parts[i].n);
    int64_t nums[] = {r->start_ms, r->answer_ms, r->end_ms, r->billsec_s, r->duration_s, r->sip_code, r->q850};
    return h * 0x100000001b3ull ^ cdr_hash(nums, sizeof nums);
}

static void bind_str(sqlite3_stmt *st, int i, cdr_str v)
{
    if (v.n)
        sqlite3_bind_text(st, i, v.p, (int)v.n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_opt_int(sqlite3_stmt *st, int i, bool have, int64_t v)
{
    if (have)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static void bind_opt_real(sqlite3_stmt *st, int i, bool have, double v)
{
    if (have)
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

int cdr_store_add(cdr_store *s, const cdr_record *r)
{
    sqlite3_stmt *st = s->ins;
    int i = 1;
    sqlite3_bind_int64(st, i++, (sqlite3_int64)row_key(r));
    sqlite3_bind_int64(st, i++, r->start_ms);
    bind_opt_int(st, i++, r->answer_ms != 0, r->answer_ms);
    bind_opt_int(st, i++, r->end_ms != 0, r->end_ms);
    bind_opt_int(st, i++, r->have & CDR_HAVE_DURATION, r->duration_s);
    bind_opt_int(st, i++, r->have & CDR_HAVE_BILLSEC, r->billsec_s);
    bind_opt_int(st, i++, r->have & CDR_HAVE_PDD, r->pdd_ms);
    bind_opt_int(st, i++, r->sip_code != 0, r->sip_code);
    bind_opt_int(st, i++, r->q850 != 0, r->q850);
    sqlite3_bind_int(st, i++, (int)r->disposition);
    sqlite3_bind_int(st, i++, (int)r->direction);
    sqlite3_bind_int(st, i++, (int)r->have);
    bind_str(st, i++, r->caller);
    bind_str(st, i++, r->callee);
    bind_str(st, i++, (cdr_str){r->caller_e164, strlen(r->caller_e164)});
    bind_str(st, i++, (cdr_str){r->callee_e164, strlen(r->callee_e164)});
    bind_str(st, i++, r->customer);
    bind_str(st, i++, r->carrier);
    bind_str(st, i++, r->dest_prefix);
    bind_str(st, i++, r->dest_name);
    bind_str(st, i++, r->sip_reason);
    bind_opt_real(st, i++, r->have & CDR_HAVE_RATE, r->rate);
    bind_opt_real(st, i++, r->have & CDR_HAVE_COST, r->cost);
    bind_opt_real(st, i++, r->have & CDR_HAVE_REVENUE, r->revenue);
    bind_str(st, i++, r->currency);
    bind_str(st, i++, r->call_id);
    bind_str(st, i++, r->call_id2);
    bind_str(st, i++, r->source);
    bind_str(st, i++, r->source_row);
    bind_opt_int(st, i++, r->line != 0, (int64_t)r->line);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return -1;
    if (sqlite3_changes(s->db) > 0) {
        s->added++;
        return 1;
    }
    return 0;
}

int cdr_store_sink_row(void *store, const cdr_record *r)
{
    return cdr_store_add(store, r) < 0 ? -1 : 0;
}

uint64_t cdr_store_added(const cdr_store *s)
{
    return s->added;
}

static bool store_empty(cdr_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM cdr LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return false;
    bool empty = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return empty;
}

int cdr_store_import_file(cdr_store *s, const char *path, const cdr_import_opts *o,
                          cdr_import_stats *st, uint64_t *added)
{
    *added = 0;
    if (cdr_store_begin(s) < 0) {
        memset(st, 0, sizeof *st);
        snprintf(st->error, sizeof st->error, "store busy: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    /* into an empty store: load first, index after (same transaction, so still all or nothing) */
    bool bulk = store_empty(s) &&
                sqlite3_exec(s->db, DROP_SECONDARY_INDEXES, NULL, NULL, NULL) == SQLITE_OK;
    int rc = cdr_import_file(path, o, (cdr_sink){cdr_store_sink_row, s}, st);
    if (rc == 0 && bulk && sqlite3_exec(s->db, SECONDARY_INDEXES, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(st->error, sizeof st->error, "indexing failed: %s", sqlite3_errmsg(s->db));
        rc = -1;
    }
    if (rc == 1 && !st->error[0])
        snprintf(st->error, sizeof st->error, "store write failed: %s", sqlite3_errmsg(s->db));
    if (rc != 0) {
        cdr_store_rollback(s);
        return -1;
    }
    if (cdr_store_commit(s) < 0) {
        snprintf(st->error, sizeof st->error, "commit failed: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    *added = s->added;
    return 0;
}

/* ---- queries ----------------------------------------------------------------------------- */

typedef struct where {
    char sql[1024];
    size_t len;
    int n;
    struct { int kind; int64_t i; const char *s; } args[16];
    char prefix[40], callee[SB_PHONE_E164_MAX + 1];
} where;

static void w_add(where *w, const char *clause)
{
    int k = snprintf(w->sql + w->len, sizeof w->sql - w->len, "%s%s", w->len ? " AND " : " WHERE ", clause);
    if (k > 0)
        w->len += (size_t)k;
}

static void w_int(where *w, const char *clause, int64_t v)
{
    w_add(w, clause);
    w->args[w->n].kind = 0;
    w->args[w->n++].i = v;
}

static void w_str(where *w, const char *clause, const char *v)
{
    w_add(w, clause);
    w->args[w->n].kind = 1;
    w->args[w->n++].s = v;
}

static void build_where(where *w, const cdr_filter *f)
{
    memset(w, 0, sizeof *w);
    if (!f)
        return;
    if (f->from_ms) w_int(w, "start_ms >= ?", f->from_ms);
    if (f->to_ms) w_int(w, "start_ms < ?", f->to_ms);
    if (f->customer) w_str(w, "customer = ?", f->customer);
    if (f->carrier) w_str(w, "carrier = ?", f->carrier);
    if (f->sip_code) w_int(w, "sip_code = ?", f->sip_code);
    if (f->answered == 1) w_add(w, "disposition = 1");
    if (f->answered == 0) w_add(w, "disposition <> 1");
    if (f->direction_mask) {
        char c[200];
        size_t k = (size_t)snprintf(c, sizeof c, "direction IN (-1");
        for (int i = 0; i < CDR_DIR_COUNT_; i++)
            if (f->direction_mask & (1u << i))
                k += (size_t)snprintf(c + k, sizeof c - k, ",%d", i);
        snprintf(c + k, sizeof c - k, ")");
        w_add(w, c);
    }
    if (f->prefix) {
        const char *p = f->prefix[0] == '+' ? f->prefix + 1 : f->prefix;
        size_t k = 0;
        for (; p[k] && k + 2 < sizeof w->prefix; k++)
            w->prefix[k] = (p[k] >= '0' && p[k] <= '9') ? p[k] : '_';
        w->prefix[k] = 0;
        w_str(w, "(substr(callee_e164, 2, length(?)) = ?", w->prefix);
        w->args[w->n].kind = 1;
        w->args[w->n++].s = w->prefix;
        w->len += (size_t)snprintf(w->sql + w->len, sizeof w->sql - w->len,
                                   " OR substr(dest_prefix, 1, length(?)) = ?)");
        w->args[w->n].kind = 1;
        w->args[w->n++].s = w->prefix;
        w->args[w->n].kind = 1;
        w->args[w->n++].s = w->prefix;
    }
    if (f->callee) {
        sb_phone_normalize(f->callee, strlen(f->callee), f->country, w->callee);
        if (w->callee[0])
            w_str(w, "callee_e164 = ?", w->callee);
        else
            w_str(w, "callee = ?", f->callee);
    }
}

static sqlite3_stmt *prepare(cdr_store *s, const where *w, const char *head, const char *tail)
{
    size_t n = strlen(head) + w->len + strlen(tail) + 1;
    char *sql = malloc(n);
    sqlite3_stmt *st = NULL;
    if (!sql)
        return NULL;
    snprintf(sql, n, "%s%s%s", head, w->sql, tail);
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return NULL;
    for (int i = 0; i < w->n; i++) {
        if (w->args[i].kind == 0)
            sqlite3_bind_int64(st, i + 1, w->args[i].i);
        else
            sqlite3_bind_text(st, i + 1, w->args[i].s, -1, SQLITE_STATIC);
    }
    return st;
}

static cdr_str col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (cdr_str){(const char *)t, (size_t)sqlite3_column_bytes(st, i)} : (cdr_str){NULL, 0};
}

static void copy_e164(char *dst, cdr_str v)
{
    size_t n = v.n < SB_PHONE_E164_MAX ? v.n : SB_PHONE_E164_MAX;
    if (n) memcpy(dst, v.p, n);
    dst[n] = 0;
}

static void row_to_record(sqlite3_stmt *st, cdr_record *r)
{
    cdr_record_clear(r);
    int i = 0;
    r->start_ms = sqlite3_column_int64(st, i++);
    r->answer_ms = sqlite3_column_int64(st, i++);
    r->end_ms = sqlite3_column_int64(st, i++);
    r->duration_s = sqlite3_column_int64(st, i++);
    r->billsec_s = sqlite3_column_int64(st, i++);
    r->pdd_ms = (int32_t)sqlite3_column_int64(st, i++);
    r->sip_code = (int16_t)sqlite3_column_int(st, i++);
    r->q850 = (int16_t)sqlite3_column_int(st, i++);
    r->disposition = (cdr_disposition)sqlite3_column_int(st, i++);
    r->direction = (cdr_direction)sqlite3_column_int(st, i++);
    r->have = (unsigned)sqlite3_column_int(st, i++);
    r->caller = col_str(st, i++);
    r->callee = col_str(st, i++);
    copy_e164(r->caller_e164, col_str(st, i++));
    copy_e164(r->callee_e164, col_str(st, i++));
    r->customer = col_str(st, i++);
    r->carrier = col_str(st, i++);
    r->dest_prefix = col_str(st, i++);
    r->dest_name = col_str(st, i++);
    r->sip_reason = col_str(st, i++);
    r->rate = sqlite3_column_double(st, i++);
    r->cost = sqlite3_column_double(st, i++);
    r->revenue = sqlite3_column_double(st, i++);
    r->currency = col_str(st, i++);
    r->call_id = col_str(st, i++);
    r->call_id2 = col_str(st, i++);
    r->source = col_str(st, i++);
    r->source_row = col_str(st, i++);
    r->line = (uint64_t)sqlite3_column_int64(st, i++);
    if ((unsigned)r->disposition >= CDR_DISP_COUNT_) r->disposition = CDR_DISP_UNKNOWN;
    if ((unsigned)r->direction >= CDR_DIR_COUNT_) r->direction = CDR_DIR_UNKNOWN;
}

int cdr_store_scan(cdr_store *s, const cdr_filter *f, cdr_sink sink)
{
    where w;
    build_where(&w, f);
    sqlite3_stmt *st = prepare(s, &w, "SELECT " COLS " FROM cdr", " ORDER BY start_ms");
    if (!st)
        return -1;
    int rc = 0, step;
    cdr_record r;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        row_to_record(st, &r);
        if (sink.row(sink.ud, &r)) {
            rc = 1;
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = -1;
    sqlite3_finalize(st);
    return rc;
}

json_t *cdr_store_search(cdr_store *s, const cdr_filter *f, uint64_t offset, unsigned limit)
{
    where w;
    build_where(&w, f);
    sqlite3_stmt *cnt = prepare(s, &w, "SELECT count(*) FROM cdr", "");
    if (!cnt)
        return NULL;
    int64_t total = sqlite3_step(cnt) == SQLITE_ROW ? sqlite3_column_int64(cnt, 0) : -1;
    sqlite3_finalize(cnt);
    if (total < 0)
        return NULL;
    char tail[96];
    snprintf(tail, sizeof tail, " ORDER BY start_ms DESC, id DESC LIMIT %u OFFSET %llu", limit,
             (unsigned long long)offset);
    sqlite3_stmt *st = prepare(s, &w, "SELECT " COLS " FROM cdr", tail);
    if (!st)
        return NULL;
    json_t *rows = json_array();
    cdr_record r;
    while (sqlite3_step(st) == SQLITE_ROW) {
        row_to_record(st, &r);
        json_array_append_new(rows, cdr_record_json(&r));
    }
    sqlite3_finalize(st);
    uint64_t got = json_array_size(rows);
    return json_pack("{sI sI sI sb so}", "total", (json_int_t)total, "offset", (json_int_t)offset,
                     "limit", (json_int_t)limit, "hasMore", (int64_t)(offset + got) < total, "rows", rows);
}

int64_t cdr_store_purge_before(cdr_store *s, int64_t before_ms)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM cdr WHERE start_ms < ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, before_ms);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? sqlite3_changes64(s->db) : -1;
}

int64_t cdr_store_count(cdr_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM cdr", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}
