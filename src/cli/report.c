/* `switchboard report FILE|--store [--from T --to T --days N --customer C --carrier C
 *  --prefix P --direction D --country CC --dialect NAME --mapping M --top N]
 *  [--json|--svg OUT|--mermaid] [--anomalies] [--import] [--retain-days N] [--progress]`
 *
 * The CDR engine from the command line. Given a FILE the report is computed while the file
 * streams by (no import, memory independent of the file size); --store reads the CDR store
 * (`--store PATH` is the global option naming it, so `report --store PATH` reports from
 * that store; a bare `--store` last means the default XDG data directory store);
 * --import FILE loads the file into the store first and reports from the store. A progress bar
 * goes to stderr when it is a terminal (or with --progress). --anomalies adds the detectors'
 * findings. --retain-days N deletes stored calls older than N days (store mode). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cdr/cdr_detect.h"
#include "cdr/cdr_import.h"
#include "cdr/cdr_report.h"
#include "cdr/cdr_store.h"
#include "cli/cli.h"

typedef struct report_args {
    const char *file, *svg, *from, *to, *dialect, *mapping, *country;
    bool store, json, mermaid, anomalies, import, progress;
    cdr_filter f;
    cdr_report_opts ro;
    double days, retain_days;
} report_args;

static void progress_bar(void *ud, uint64_t done, uint64_t total, uint64_t rows)
{
    (void)ud;
    if (!total)
        return;
    int pct = (int)(done * 100 / total);
    if (pct > 100)
        pct = 100;
    char bar[41];
    int fill = pct * 40 / 100;
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '.', (size_t)(40 - fill));
    bar[40] = 0;
    fprintf(stderr, "\r[%s] %3d%% %.0f/%.0f MB %llu rows", bar, pct, (double)done / 1e6, (double)total / 1e6,
            (unsigned long long)rows);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

static int usage(void)
{
    fprintf(stderr, "usage: switchboard report FILE|--store [--from T] [--to T] [--days N] [--customer C] "
                    "[--carrier C] [--prefix P] [--direction in|out|internal] [--country CC] [--dialect NAME] "
                    "[--mapping M] [--top N] [--json|--svg OUT|--mermaid] [--anomalies] [--import] [--retain-days N] [--progress]\n");
    return 2;
}

static int parse_time_opt(const char *s, bool end, int64_t *out)
{
    if (!s)
        return 0;
    if (cdr_parse_time(s, strlen(s), out) < 0) {
        fprintf(stderr, "report: \"%s\" is not a date or date-time\n", s);
        return -1;
    }
    if (end && strlen(s) == 10)
        *out += 86400000LL;
    return 0;
}

static int parse_args(int argc, char **argv, const sb_options *opt, report_args *a)
{
    if (opt && opt->store_path && opt->store_path[0] == '-') {
        fprintf(stderr, "report: --store takes the store's path (write --store=PATH, or put a bare --store last)\n");
        return 2;
    }
    memset(a, 0, sizeof *a);
    cdr_filter_init(&a->f);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VAL(field) do { if (!v) return usage(); a->field = v; i++; } while (0)
        if (!strcmp(o, "--store")) a->store = true;
        else if (!strcmp(o, "--json")) a->json = true;
        else if (!strcmp(o, "--mermaid")) a->mermaid = true;
        else if (!strcmp(o, "--anomalies")) a->anomalies = true;
        else if (!strcmp(o, "--import")) a->import = true;
        else if (!strcmp(o, "--progress")) a->progress = true;
        else if (!strcmp(o, "--svg")) VAL(svg);
        else if (!strcmp(o, "--from")) VAL(from);
        else if (!strcmp(o, "--to")) VAL(to);
        else if (!strcmp(o, "--dialect")) VAL(dialect);
        else if (!strcmp(o, "--mapping")) VAL(mapping);
        else if (!strcmp(o, "--country")) VAL(country);
        else if (!strcmp(o, "--customer")) VAL(f.customer);
        else if (!strcmp(o, "--carrier")) VAL(f.carrier);
        else if (!strcmp(o, "--prefix")) VAL(f.prefix);
        else if (!strcmp(o, "--days") && v) a->days = atof(v), i++;
        else if (!strcmp(o, "--retain-days") && v) a->retain_days = atof(v), i++;
        else if (!strcmp(o, "--top") && v) a->ro.top_n = (unsigned)atoi(v), i++;
        else if (!strcmp(o, "--direction") && v) {
            int d = cdr_direction_parse(v, strlen(v));
            if (d < 0) {
                fprintf(stderr, "report: unknown direction \"%s\"\n", v);
                return 2;
            }
            a->f.direction_mask = 1u << d;
            i++;
        } else if (o[0] != '-' && !a->file) a->file = o;
        else return usage();
#undef VAL
    }
    if (!a->file && opt && opt->store_path)
        a->store = true; /* `report --store PATH`: the global option took PATH */
    if ((!a->file && !a->store) || (a->import && !a->file))
        return usage();
    if (parse_time_opt(a->from, false, &a->f.from_ms) < 0 || parse_time_opt(a->to, true, &a->f.to_ms) < 0)
        return 2;
    if (a->days > 0 && !a->f.from_ms)
        a->f.from_ms = (int64_t)time(NULL) * 1000 - (int64_t)(a->days * 86400000.0);
    return 0;
}

/* Feeds both sinks at once. */
typedef struct both {
    cdr_report *rep;
    cdr_detector *det;
} both;

static int both_row(void *ud, const cdr_record *r)
{
    both *b = ud;
    cdr_report_add(b->rep, r);
    if (b->det)
        cdr_detector_add(b->det, r);
    return 0;
}

static int print_import_stats(const cdr_import_stats *st)
{
    if (st->rows_bad) {
        fprintf(stderr, "report: %llu bad rows skipped", (unsigned long long)st->rows_bad);
        for (size_t i = 0; i < st->n_bad && i < 5; i++)
            fprintf(stderr, "%s line %llu (%s)", i ? "," : ":", (unsigned long long)st->bad[i].line, st->bad[i].reason);
        fprintf(stderr, "%s\n", st->rows_bad > 5 ? ", ..." : "");
    }
    return 0;
}

static int run_source(report_args *a, const sb_options *opt, both *b)
{
    cdr_import_opts io;
    cdr_import_opts_init(&io);
    if (!a->country)
        a->country = getenv("SB_DEFAULT_COUNTRY");
    if (a->country && *a->country && !(io.country = sb_phone_country_find(a->country))) {
        fprintf(stderr, "report: unknown country \"%s\"\n", a->country);
        return 2;
    }
    a->f.country = io.country;
    if (a->dialect) {
        int d = cdr_dialect_parse(a->dialect);
        if (d < 0) {
            fprintf(stderr, "report: unknown dialect \"%s\"\n", a->dialect);
            return 2;
        }
        io.dialect = (cdr_dialect)d;
    }
    io.mapping = a->mapping;
    if (a->progress || isatty(2))
        io.progress = progress_bar;
    cdr_import_stats st;
    int rc = 0;
    if (a->file && !a->import) {
        rc = cdr_import_file(a->file, &io, (cdr_sink){both_row, b}, &st);
        if (rc < 0)
            fprintf(stderr, "report: %s\n", st.error);
        print_import_stats(&st);
        cdr_import_stats_free(&st);
        return rc < 0 ? 1 : 0;
    }
    char err[512];
    cdr_store *s = cdr_store_open(opt ? opt->store_path : NULL, err, sizeof err);
    if (!s) {
        fprintf(stderr, "report: %s\n", err);
        return 1;
    }
    if (a->import) {
        uint64_t added;
        rc = cdr_store_import_file(s, a->file, &io, &st, &added);
        if (rc < 0)
            fprintf(stderr, "report: import failed, store unchanged: %s\n", st.error);
        else
            fprintf(stderr, "report: imported %llu rows into %s (%llu new)\n", (unsigned long long)st.rows_ok,
                    cdr_store_path(s), (unsigned long long)added);
        print_import_stats(&st);
        cdr_import_stats_free(&st);
    }
    if (rc == 0 && a->retain_days > 0) {
        int64_t cut = (int64_t)time(NULL) * 1000 - (int64_t)(a->retain_days * 86400000.0);
        fprintf(stderr, "report: retention: %lld calls older than %.0f days deleted\n",
                (long long)cdr_store_purge_before(s, cut), a->retain_days);
    }
    if (rc == 0 && cdr_store_scan(s, &a->f, (cdr_sink){both_row, b}) < 0) {
        fprintf(stderr, "report: reading the store %s failed\n", cdr_store_path(s));
        rc = -1;
    }
    cdr_store_close(s);
    return rc < 0 ? 1 : 0;
}

static int write_svg(const cdr_report *rep, const char *path)
{
    sb_buf b;
    sb_buf_init(&b, 16 << 20);
    int rc = cdr_report_svg(rep, &b);
    FILE *f = rc == 0 ? (strcmp(path, "-") ? fopen(path, "w") : stdout) : NULL;
    if (!f || fwrite(b.data, 1, b.len, f) != b.len) {
        fprintf(stderr, "report: cannot write %s\n", path);
        rc = -1;
    }
    if (f && f != stdout)
        fclose(f);
    sb_buf_free(&b);
    return rc;
}

static void print_findings(cdr_detector *det)
{
    size_t n;
    const cdr_finding *fs = cdr_detector_finish(det, &n);
    printf("\n%zu anomal%s found\n", n, n == 1 ? "y" : "ies");
    for (size_t i = 0; i < n; i++)
        printf("[%s] %s %s: %s\n", fs[i].severity, cdr_finding_kind_name(fs[i].kind), fs[i].key, fs[i].summary);
}

int cli_report(int argc, char **argv, const sb_options *opt)
{
    report_args a;
    int rc = parse_args(argc, argv, opt, &a);
    if (rc)
        return rc;
    both b = {cdr_report_new(&a.f, &a.ro), a.anomalies ? cdr_detector_new(NULL, &a.f) : NULL};
    if (!b.rep || (a.anomalies && !b.det)) {
        fprintf(stderr, "report: out of memory\n");
        rc = 1;
        goto out;
    }
    if ((rc = run_source(&a, opt, &b)) != 0)
        goto out;
    if (a.svg && write_svg(b.rep, a.svg) < 0)
        rc = 1;
    if (a.json) {
        json_t *o = cdr_report_json(b.rep);
        if (b.det)
            json_object_set_new(o, "anomalies", cdr_detector_json(b.det));
        char *s = json_dumps(o, JSON_INDENT(2));
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    } else if (!a.svg || strcmp(a.svg, "-")) {
        sb_buf t;
        sb_buf_init(&t, 1 << 20);
        cdr_report_text(b.rep, &t);
        if (a.mermaid)
            cdr_report_mermaid(b.rep, &t);
        if (t.data)
            fputs(t.data, stdout);
        sb_buf_free(&t);
        if (b.det)
            print_findings(b.det);
    }
out:
    cdr_report_free(b.rep);
    cdr_detector_free(b.det);
    return rc;
}
