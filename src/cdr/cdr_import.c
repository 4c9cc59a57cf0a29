/* Importers: CDR files (CSV dialects, ConnexCS JSON) and connector rows into cdr_record.
 *
 * Every dialect is a row of `dialects`: an ordered alias table mapping column names to
 * record fields (first alias present wins), and for the header-less formats a fixed column
 * order. A file's header (or mapping argument) becomes a column map once; each row is then
 * converted by one loop over the mapped columns. JSON rows go through the same field
 * converters after their values are rendered as text. */
#include "cdr/cdr_import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdr/cdr_csv.h"
#include "cdr/cdr_import_map.h"

#define READ_CHUNK (1u << 20)
#define PROGRESS_EVERY (4u << 20)
#define MAX_FIELDS 256

static const char *const dialect_names[CDR_DIALECT_COUNT_] = {
    "auto", "asterisk", "freeswitch", "3cx", "connexcs", "connexcs-json", "generic"};

const char *cdr_dialect_name(cdr_dialect d)
{
    return (unsigned)d < CDR_DIALECT_COUNT_ ? dialect_names[d] : "unknown";
}

int cdr_dialect_parse(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < CDR_DIALECT_COUNT_; i++)
        if (strcasecmp(name, dialect_names[i]) == 0)
            return i;
    if (strcasecmp(name, "tcx") == 0)
        return CDR_DIALECT_TCX;
    if (strcasecmp(name, "cx") == 0 || strcasecmp(name, "connexcs-csv") == 0)
        return CDR_DIALECT_CONNEXCS;
    if (strcasecmp(name, "json") == 0)
        return CDR_DIALECT_CONNEXCS_JSON;
    return -1;
}

void cdr_import_opts_init(cdr_import_opts *o)
{
    memset(o, 0, sizeof *o);
}

void cdr_import_stats_free(cdr_import_stats *st)
{
    if (!st)
        return;
    free(st->bad);
    st->bad = NULL;
    st->n_bad = 0;
}

json_t *cdr_import_stats_json(const cdr_import_stats *st)
{
    char sep[2] = {st->sep, 0};
    json_t *bad = json_array();
    for (size_t i = 0; i < st->n_bad; i++)
        json_array_append_new(bad, json_pack("{sI ss}", "line", (json_int_t)st->bad[i].line,
                                             "reason", st->bad[i].reason));
    json_t *o = json_pack("{ss sI sI sI sI so sb}", "dialect", cdr_dialect_name(st->dialect),
                          "bytes", (json_int_t)st->bytes, "lines", (json_int_t)st->lines,
                          "rows_ok", (json_int_t)st->rows_ok, "rows_bad", (json_int_t)st->rows_bad,
                          "bad_rows", bad, "bad_rows_truncated", st->rows_bad > st->n_bad);
    if (st->sep)
        json_object_set_new(o, "separator", json_string(sep));
    if (st->error[0])
        json_object_set_new(o, "error", json_string(st->error));
    return o;
}

/* ---- the import context ----------------------------------------------------------------- */

typedef struct importer {
    const cdr_import_opts *o;
    cdr_sink sink;
    cdr_import_stats *st;
    size_t max_bad;
    cdr_colmap map;
    bool have_map;      /* the column map is fixed (header read or fixed order) */
    bool index_mapping; /* a mapping argument with column numbers only */
    cdr_str source;
    char err[128];
} importer;

static void set_source(importer *im);

static void bad_row(importer *im, uint64_t line, const char *reason)
{
    cdr_import_stats *st = im->st;
    st->rows_bad++;
    if (st->n_bad >= im->max_bad)
        return;
    if (!st->bad) {
        st->bad = calloc(im->max_bad, sizeof *st->bad);
        if (!st->bad)
            return;
    }
    st->bad[st->n_bad].line = line;
    snprintf(st->bad[st->n_bad].reason, sizeof st->bad[st->n_bad].reason, "%s", reason);
    st->n_bad++;
}

static int deliver(importer *im, cdr_record *r)
{
    r->source = im->source;
    cdr_record_finish(r, im->o->country);
    cdr_import_infer_direction(r);
    im->st->rows_ok++;
    if (im->sink.row(im->sink.ud, r)) {
        im->st->stopped = true;
        return 1;
    }
    return 0;
}

static const char *csv_status_reason(int status)
{
    switch (status) {
    case CDR_CSV_TOO_LONG: return "line too long";
    case CDR_CSV_BAD_QUOTE: return "broken quoting";
    case CDR_CSV_TOO_MANY_FIELDS: return "too many fields";
    case CDR_CSV_BAD_UTF8: return "invalid UTF-8";
    default: return "bad row";
    }
}

/* First row: header or data; chooses the dialect and the column map. Returns 1 when the row
 * was a header (consumed), 0 when it is data, -1 when no dialect fits. */
static int first_row(importer *im, const cdr_str *f, size_t nf)
{
    cdr_dialect d = im->o->dialect;
    const char *mapping = im->o->mapping;
    if (mapping && *mapping) {
        int idx_only = cdr_colmap_mapping_is_indexed(mapping);
        im->index_mapping = idx_only == 1;
        if (cdr_colmap_from_mapping(&im->map, mapping, im->index_mapping ? NULL : f, nf, im->err,
                                    sizeof im->err) < 0)
            return -1;
        im->st->dialect = d == CDR_DIALECT_AUTO ? CDR_DIALECT_GENERIC : d;
        im->have_map = true;
        if (!im->index_mapping) {
            im->st->header = true;
            return 1;
        }
        /* column numbers: a first row whose start column is not a time is a header */
        int64_t t;
        int sc = im->map.col[CF_START];
        if (sc >= 0 && (size_t)sc < nf && cdr_parse_time(f[sc].p, f[sc].n, &t) < 0) {
            im->st->header = true;
            return 1;
        }
        return 0;
    }
    cdr_dialect found = cdr_colmap_from_header(&im->map, d, f, nf);
    if (found != CDR_DIALECT_AUTO) {
        im->st->dialect = found;
        im->st->header = true;
        im->have_map = true;
        return 1;
    }
    found = cdr_colmap_fixed(&im->map, d, f, nf);
    if (found == CDR_DIALECT_AUTO) {
        snprintf(im->err, sizeof im->err,
                 d == CDR_DIALECT_AUTO
                     ? "cannot recognise the CDR format from its first line (%zu fields): give the dialect or a column mapping"
                     : "the first line (%zu fields) does not fit the chosen dialect",
                 nf);
        return -1;
    }
    im->st->dialect = found;
    im->have_map = true;
    return 0;
}

static int on_csv_row(void *ud, const cdr_str *f, size_t nf, uint64_t line, int status)
{
    importer *im = ud;
    if (status) {
        bad_row(im, line, csv_status_reason(status));
        return 0;
    }
    if (!im->have_map) {
        int h = first_row(im, f, nf);
        if (h < 0)
            return -1;
        set_source(im);
        if (h == 1)
            return 0;
    }
    cdr_record r;
    char reason[64];
    if (cdr_colmap_row(&im->map, f, nf, line, &r, reason, sizeof reason) < 0) {
        bad_row(im, line, reason);
        return 0;
    }
    return deliver(im, &r);
}

static void progress(importer *im, uint64_t done, uint64_t total)
{
    if (im->o->progress)
        im->o->progress(im->o->progress_ud, done, total, im->st->rows_ok);
}

static void init_importer(importer *im, const cdr_import_opts *o, cdr_sink sink, cdr_import_stats *st)
{
    static const cdr_import_opts defaults;
    memset(st, 0, sizeof *st);
    memset(im, 0, sizeof *im);
    im->o = o ? o : &defaults;
    im->sink = sink;
    im->st = st;
    im->max_bad = im->o->max_bad_kept ? im->o->max_bad_kept : 100;
    st->dialect = im->o->dialect;
}

static void set_source(importer *im)
{
    const char *s = im->o->source ? im->o->source : cdr_dialect_name(im->st->dialect);
    im->source = (cdr_str){s, strlen(s)};
}

/* Reads from a chunk producer into the CSV reader. */
typedef ssize_t (*chunk_fn)(void *ud, char *buf, size_t n);

static int run_csv(importer *im, chunk_fn next, void *ud, uint64_t total)
{
    size_t max_row = im->o->max_row ? im->o->max_row : 64 * 1024;
    cdr_csv *c = cdr_csv_new(im->o->sep, max_row, MAX_FIELDS, on_csv_row, im);
    char *buf = malloc(READ_CHUNK);
    int rc = 0;
    uint64_t last = 0;
    if (!c || !buf) {
        snprintf(im->st->error, sizeof im->st->error, "out of memory");
        rc = -1;
        goto out;
    }
    for (;;) {
        if (im->o->cancel && *im->o->cancel) {
            snprintf(im->st->error, sizeof im->st->error, "cancelled");
            rc = -1;
            goto out;
        }
        ssize_t n = next(ud, buf, READ_CHUNK);
        if (n < 0) {
            snprintf(im->st->error, sizeof im->st->error, "read error: %s", strerror(errno));
            rc = -1;
            goto out;
        }
        if (n == 0)
            break;
        im->st->bytes += (uint64_t)n;
        if (!im->st->sep && cdr_csv_separator(c))
            im->st->sep = cdr_csv_separator(c);
        int f = cdr_csv_feed(c, buf, (size_t)n);
        if (f)
            goto stopped;
        if (im->st->bytes - last >= PROGRESS_EVERY) {
            last = im->st->bytes;
            progress(im, im->st->bytes, total);
        }
    }
    set_source(im);
    if (cdr_csv_finish(c))
        goto stopped;
    goto out;
stopped:
    if (im->err[0]) {
        snprintf(im->st->error, sizeof im->st->error, "%s", im->err);
        rc = -1;
    } else {
        rc = 1;
    }
out:
    if (c) {
        im->st->lines = cdr_csv_lines(c);
        im->st->sep = cdr_csv_separator(c);
    }
    if (rc == 0)
        progress(im, im->st->bytes, total);
    cdr_csv_free(c);
    free(buf);
    return rc;
}

typedef struct mem_src {
    const char *p;
    size_t n;
} mem_src;

static ssize_t mem_next(void *ud, char *buf, size_t n)
{
    mem_src *m = ud;
    size_t k = m->n < n ? m->n : n;
    memcpy(buf, m->p, k);
    m->p += k, m->n -= k;
    return (ssize_t)k;
}

static ssize_t fd_next(void *ud, char *buf, size_t n)
{
    int fd = *(int *)ud;
    for (;;) {
        ssize_t k = read(fd, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        return k;
    }
}

static bool looks_json(const char *p, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) i++;
    return i < n && (p[i] == '[' || p[i] == '{');
}

static int import_json_text(const char *p, size_t n, const cdr_import_opts *o, cdr_sink sink,
                            cdr_import_stats *st)
{
    json_error_t e;
    json_t *doc = json_loadb(p, n, JSON_REJECT_DUPLICATES, &e);
    if (!doc) {
        memset(st, 0, sizeof *st);
        st->dialect = CDR_DIALECT_CONNEXCS_JSON;
        st->bytes = n;
        snprintf(st->error, sizeof st->error, "JSON does not parse at line %d: %s", e.line, e.text);
        return -1;
    }
    int rc = cdr_feed_connexcs_json(doc, o, sink, st);
    st->dialect = CDR_DIALECT_CONNEXCS_JSON;
    st->bytes = n;
    json_decref(doc);
    return rc;
}

int cdr_import_buffer(const char *data, size_t len, const cdr_import_opts *o, cdr_sink sink,
                      cdr_import_stats *st)
{
    importer im;
    init_importer(&im, o, sink, st);
    cdr_dialect d = im.o->dialect;
    if (d == CDR_DIALECT_CONNEXCS_JSON || (d == CDR_DIALECT_AUTO && !im.o->mapping && looks_json(data, len)))
        return import_json_text(data, len, o, sink, st);
    mem_src m = {data, len};
    return run_csv(&im, mem_next, &m, len);
}

/* JSON files are parsed whole: capped so a hostile file cannot exhaust memory. */
#define JSON_FILE_MAX (512u << 20)

static int import_json_fd(int fd, uint64_t size, const cdr_import_opts *o, cdr_sink sink,
                          cdr_import_stats *st)
{
    if (size > JSON_FILE_MAX) {
        memset(st, 0, sizeof *st);
        snprintf(st->error, sizeof st->error, "JSON file larger than %u MiB: export CSV instead",
                 JSON_FILE_MAX >> 20);
        return -1;
    }
    char *buf = malloc(size ? size : 1);
    size_t got = 0;
    if (!buf) {
        memset(st, 0, sizeof *st);
        snprintf(st->error, sizeof st->error, "out of memory");
        return -1;
    }
    while (got < size) {
        ssize_t k = fd_next(&fd, buf + got, size - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    int rc = import_json_text(buf, got, o, sink, st);
    free(buf);
    return rc;
}

int cdr_import_file(const char *path, const cdr_import_opts *o, cdr_sink sink, cdr_import_stats *st)
{
    importer im;
    init_importer(&im, o, sink, st);
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(st->error, sizeof st->error, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    uint64_t total = 0;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
        total = (uint64_t)sb.st_size;
    else if (!is_stdin && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(st->error, sizeof st->error, "%s is a directory", path);
        close(fd);
        return -1;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    if (total)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    int rc;
    cdr_dialect d = im.o->dialect;
    char head[64];
    ssize_t hn = 0;
    if (d == CDR_DIALECT_AUTO && total && !im.o->mapping) {
        hn = pread(fd, head, sizeof head, 0);
        if (hn > 0 && looks_json(head, (size_t)hn))
            d = CDR_DIALECT_CONNEXCS_JSON;
    }
    if (d == CDR_DIALECT_CONNEXCS_JSON)
        rc = import_json_fd(fd, total, o, sink, st);
    else
        rc = run_csv(&im, fd_next, &fd, total);
    if (!is_stdin)
        close(fd);
    return rc;
}

/* ---- connector rows ----------------------------------------------------------------------- */

static const json_t *rows_array(const json_t *rows)
{
    if (json_is_object(rows)) {
        static const char *const keys[] = {"result", "data", "value", "rows", NULL};
        for (size_t i = 0; keys[i]; i++) {
            const json_t *a = json_object_get(rows, keys[i]);
            if (json_is_array(a))
                return a;
        }
    }
    return rows;
}

static int feed_json(const json_t *rows, cdr_dialect d, const cdr_import_opts *o, cdr_sink sink,
                     cdr_import_stats *st)
{
    importer im;
    init_importer(&im, o, sink, st);
    im.st->dialect = d;
    set_source(&im);
    const json_t *a = rows_array(rows);
    if (!json_is_array(a)) {
        snprintf(st->error, sizeof st->error, "expected an array of CDR rows");
        return -1;
    }
    size_t i;
    const json_t *row;
    json_array_foreach(a, i, row) {
        if (im.o->cancel && *im.o->cancel) {
            snprintf(st->error, sizeof st->error, "cancelled");
            return -1;
        }
        st->lines++;
        cdr_record r;
        char reason[64];
        cdr_json_scratch scratch;
        if (cdr_json_row(d, row, (uint64_t)i + 1, &r, &scratch, reason, sizeof reason) < 0) {
            bad_row(&im, (uint64_t)i + 1, reason);
            continue;
        }
        int stop = deliver(&im, &r);
        if (stop)
            return 1;
    }
    return 0;
}

int cdr_feed_connexcs_json(const json_t *rows, const cdr_import_opts *o, cdr_sink sink,
                           cdr_import_stats *st)
{
    return feed_json(rows, CDR_DIALECT_CONNEXCS, o, sink, st);
}

int cdr_feed_tcx_json(const json_t *rows, const cdr_import_opts *o, cdr_sink sink,
                      cdr_import_stats *st)
{
    return feed_json(rows, CDR_DIALECT_TCX, o, sink, st);
}
