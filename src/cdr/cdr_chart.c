/* Charts of a report: Mermaid (xychart-beta for the per-day series, pie for failures by SIP
 * code) for chat clients that render it, and a self-contained SVG for the CLI's --svg. The
 * per-day series shows at most the last CHART_DAYS days. */
#include "cdr/cdr_report_internal.h"

#include <stdlib.h>
#include <string.h>

#define CHART_DAYS 92
#define CHART_CODES 10

typedef struct series {
    size_t n;
    int64_t day[CHART_DAYS];
    uint64_t attempts[CHART_DAYS], answered[CHART_DAYS];
    uint64_t max;
} series;

static void load_series(const cdr_report *rep, series *s)
{
    memset(s, 0, sizeof *s);
    int64_t *days = malloc((rep->days.n + 1) * sizeof *days);
    if (!days)
        return;
    size_t n = cdr_report_days(rep, days, rep->days.n + 1);
    size_t from = n > CHART_DAYS ? n - CHART_DAYS : 0;
    for (size_t i = from; i < n; i++) {
        const cdr_kstat *k = cdr_report_day(rep, days[i]);
        s->day[s->n] = days[i];
        s->attempts[s->n] = k->attempts;
        s->answered[s->n] = k->answered;
        if (k->attempts > s->max) s->max = k->attempts;
        s->n++;
    }
    free(days);
}

typedef struct code_count {
    unsigned code;
    uint64_t count;
} code_count;

static int cmp_cc(const void *a, const void *b)
{
    const code_count *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : (x->code > y->code) - (x->code < y->code);
}

static size_t top_codes(const cdr_report *rep, code_count *out)
{
    code_count all[700];
    size_t m = 0;
    for (unsigned i = 0; i < 700; i++)
        if (rep->by_sip[i]) all[m].code = i, all[m++].count = rep->by_sip[i];
    qsort(all, m, sizeof *all, cmp_cc);
    if (m > CHART_CODES) m = CHART_CODES;
    memcpy(out, all, m * sizeof *out);
    return m;
}

int cdr_report_mermaid(const cdr_report *rep, sb_buf *out)
{
    series s;
    load_series(rep, &s);
    int rc = 0;
    if (s.n) {
        rc |= sb_buf_puts(out, "```mermaid\nxychart-beta\n  title \"Calls per day (bars: attempts, line: answered)\"\n  x-axis [");
        for (size_t i = 0; i < s.n; i++) {
            char d[16];
            cdr_format_day(s.day[i], d, sizeof d);
            rc |= sb_buf_printf(out, "%s\"%s\"", i ? ", " : "", d + 5);
        }
        rc |= sb_buf_printf(out, "]\n  y-axis \"calls\" 0 --> %llu\n  bar [", (unsigned long long)(s.max ? s.max : 1));
        for (size_t i = 0; i < s.n; i++)
            rc |= sb_buf_printf(out, "%s%llu", i ? ", " : "", (unsigned long long)s.attempts[i]);
        rc |= sb_buf_puts(out, "]\n  line [");
        for (size_t i = 0; i < s.n; i++)
            rc |= sb_buf_printf(out, "%s%llu", i ? ", " : "", (unsigned long long)s.answered[i]);
        rc |= sb_buf_puts(out, "]\n```\n");
    }
    code_count cc[CHART_CODES];
    size_t m = top_codes(rep, cc);
    if (m) {
        rc |= sb_buf_puts(out, "```mermaid\npie title Failures by SIP code\n");
        for (size_t i = 0; i < m; i++) {
            if (cc[i].code)
                rc |= sb_buf_printf(out, "  \"%u\" : %llu\n", cc[i].code, (unsigned long long)cc[i].count);
            else
                rc |= sb_buf_printf(out, "  \"no code\" : %llu\n", (unsigned long long)cc[i].count);
        }
        rc |= sb_buf_puts(out, "```\n");
    }
    return rc ? -1 : 0;
}

/* ---- SVG ------------------------------------------------------------------------------- */

#define W 900
#define TOP_H 300
#define BAR_H 22

static int svg_days(const series *s, sb_buf *out)
{
    int rc = 0;
    double x0 = 60, y0 = 50, w = W - 90, h = TOP_H - 90;
    double max = s->max ? (double)s->max : 1;
    double bw = s->n ? w / (double)s->n : w;
    rc |= sb_buf_printf(out, "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">Calls per day</text>\n", 20);
    rc |= sb_buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", x0, y0 + h, x0 + w, y0 + h);
    rc |= sb_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%llu</text>\n", x0 - 4, y0 + 4, (unsigned long long)s->max);
    rc |= sb_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">0</text>\n", x0 - 4, y0 + h);
    for (size_t i = 0; i < s->n; i++) {
        double x = x0 + (double)i * bw, ha = h * (double)s->attempts[i] / max, hb = h * (double)s->answered[i] / max;
        rc |= sb_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#c9d6ea\"><title>attempts %llu</title></rect>\n",
                            x + 1, y0 + h - ha, bw > 3 ? bw - 2 : bw, ha, (unsigned long long)s->attempts[i]);
        rc |= sb_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b6db3\"><title>answered %llu</title></rect>\n",
                            x + 1, y0 + h - hb, bw > 3 ? bw - 2 : bw, hb, (unsigned long long)s->answered[i]);
        if (s->n <= 31 || i % (s->n / 15 + 1) == 0) {
            char d[16];
            cdr_format_day(s->day[i], d, sizeof d);
            rc |= sb_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-45 %.1f %.1f)\">%s</text>\n",
                                x + bw / 2, y0 + h + 14, x + bw / 2, y0 + h + 14, d + 5);
        }
    }
    /* ASR line on a 0..100 % scale */
    if (s->n) {
        rc |= sb_buf_puts(out, "<polyline fill=\"none\" stroke=\"#d9534f\" stroke-width=\"2\" points=\"");
        for (size_t i = 0; i < s->n; i++) {
            double asr = s->attempts[i] ? (double)s->answered[i] / (double)s->attempts[i] : 0;
            rc |= sb_buf_printf(out, "%.1f,%.1f ", x0 + ((double)i + 0.5) * bw, y0 + h - h * asr);
        }
        rc |= sb_buf_puts(out, "\"/>\n");
    }
    rc |= sb_buf_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\"><tspan fill=\"#c9d6ea\">&#9632;</tspan> attempts "
                             "<tspan fill=\"#3b6db3\">&#9632;</tspan> answered <tspan fill=\"#d9534f\">&#9632;</tspan> ASR (0-100%%)</text>\n",
                        W - 330, 28);
    return rc;
}

static int svg_codes(const code_count *cc, size_t m, double y, sb_buf *out)
{
    int rc = sb_buf_printf(out, "<text x=\"20\" y=\"%.1f\" font-size=\"16\" font-weight=\"bold\">Failures by SIP code</text>\n", y);
    uint64_t max = m ? cc[0].count : 1;
    double x0 = 110, w = W - 200;
    for (size_t i = 0; i < m; i++) {
        double yy = y + 16 + (double)i * BAR_H, bw = w * (double)cc[i].count / (double)max;
        if (cc[i].code)
            rc |= sb_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%u</text>\n", x0 - 8, yy + 14, cc[i].code);
        else
            rc |= sb_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">no code</text>\n", x0 - 8, yy + 14);
        rc |= sb_buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"#e08a3c\"/>\n", x0, yy + 2, bw, BAR_H - 6);
        rc |= sb_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%llu</text>\n", x0 + bw + 6, yy + 14, (unsigned long long)cc[i].count);
    }
    if (!m)
        rc |= sb_buf_printf(out, "<text x=\"110\" y=\"%.1f\" font-size=\"12\">no failures</text>\n", y + 30);
    return rc;
}

int cdr_report_svg(const cdr_report *rep, sb_buf *out)
{
    series s;
    load_series(rep, &s);
    code_count cc[CHART_CODES];
    size_t m = top_codes(rep, cc);
    int height = TOP_H + 50 + (int)(m ? m : 1) * BAR_H + 20;
    int rc = sb_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
                                "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                           W, height, W, height);
    rc |= svg_days(&s, out);
    rc |= svg_codes(cc, m, TOP_H + 20, out);
    rc |= sb_buf_puts(out, "</svg>\n");
    return rc ? -1 : 0;
}
