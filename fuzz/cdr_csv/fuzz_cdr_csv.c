/* Fuzz target: the CDR importers end to end. The first byte picks the dialect, the mapping
 * (or none) and the read chunk size; the rest is the file. Every record goes through the
 * report and all detectors, whose JSON and charts are then rendered. The CSV reader is also
 * driven directly with the chosen chunk size and must give the same rows as one feed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdr/cdr_csv.h"
#include "cdr/cdr_detect.h"
#include "cdr/cdr_import.h"
#include "cdr/cdr_report.h"

typedef struct both {
    cdr_report *rep;
    cdr_detector *det;
} both;

static int row(void *ud, const cdr_record *r)
{
    both *b = ud;
    cdr_report_add(b->rep, r);
    cdr_detector_add(b->det, r);
    json_decref(cdr_record_json(r));
    return 0;
}

/* Folds every row (line, status, fields' bytes) into one hash: chunked and whole reads must
 * agree on all of it, which also pits the SIMD row path against the byte-by-byte one. */
static int count_row(void *ud, const cdr_str *f, size_t nf, uint64_t line, int status)
{
    uint64_t h = *(uint64_t *)ud * 0x100000001b3ull ^ (line * 31 + (uint64_t)status) ^ nf;
    for (size_t i = 0; i < nf; i++) {
        h = (h ^ f[i].n) * 0x100000001b3ull;
        for (size_t k = 0; k < f[i].n; k++)
            h = (h ^ (unsigned char)f[i].p[k]) * 0x100000001b3ull;
    }
    *(uint64_t *)ud = h + 1;
    return 0;
}

static uint64_t csv_rows(const uint8_t *d, size_t n, size_t chunk)
{
    uint64_t rows = 0;
    cdr_csv *c = cdr_csv_new(0, 256, 32, count_row, &rows);
    if (!c)
        return 0;
    for (size_t off = 0; off < n; off += chunk)
        cdr_csv_feed(c, (const char *)d + off, n - off < chunk ? n - off : chunk);
    cdr_csv_finish(c);
    cdr_csv_free(c);
    return rows;
}

static const char *const mappings[] = {
    NULL, "start=1,callee=2,billsec=3,customer=4", "start=start,callee=dst,sip_code=code",
    "start=1,answer=2,end=3,caller=4,callee=5,cost=6,revenue=7,currency=8,q850=9,disposition=10",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++, size--;
    size_t chunk = (size_t)(sel >> 4) * 7 + 1;
    if (csv_rows(data, size, chunk) != csv_rows(data, size, size ? size : 1))
        abort(); /* the reader's rows must not depend on how the input is cut */

    cdr_import_opts o;
    cdr_import_opts_init(&o);
    o.dialect = (cdr_dialect)(sel % CDR_DIALECT_COUNT_);
    o.mapping = mappings[(sel >> 3) & 3];
    o.country = (sel & 0x40) ? sb_phone_country_find("GB") : NULL;
    o.max_row = 128 + (size_t)(sel & 0x30) * 16;
    o.max_bad_kept = 4;
    cdr_thresholds t;
    cdr_thresholds_default(&t);
    t.zero_repeat_min = 2;
    t.burst_min = 2;
    t.round_min_count = 1;
    t.gap_min_attempts = 1;
    t.fas_min_attempts = 1;
    t.short_min_answered = 1;
    t.hc_min_calls = 1;
    both b = {cdr_report_new(NULL, NULL), cdr_detector_new(&t, NULL)};
    cdr_import_stats st;
    cdr_import_buffer((const char *)data, size, &o, (cdr_sink){row, &b}, &st);
    json_decref(cdr_import_stats_json(&st));
    cdr_import_stats_free(&st);
    json_decref(cdr_report_json(b.rep));
    sb_buf buf;
    sb_buf_init(&buf, 1 << 22);
    cdr_report_text(b.rep, &buf);
    cdr_report_mermaid(b.rep, &buf);
    cdr_report_svg(b.rep, &buf);
    sb_buf_free(&buf);
    json_decref(cdr_detector_json(b.det));
    cdr_report_free(b.rep);
    cdr_detector_free(b.det);
    return 0;
}
