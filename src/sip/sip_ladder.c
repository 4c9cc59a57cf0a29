/* Ladder renderers: a text ladder in the manner of sngrep (one column per address, arrows,
 * absolute times and deltas, retransmissions marked, SDP summaries under the arrows), a
 * Mermaid sequenceDiagram, and a call's verdict in one paragraph. */
#include "sip/sip_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"

#define MAX_COLS 8
#define MIN_COL_W 28
#define MAX_COL_W 64
#define LEFT_W 32
#define OUT_MAX (8u << 20)

typedef struct merged {
    const sip_msg_rec **m;
    size_t n;
    sip_addr cols[MAX_COLS];
    size_t ncols;
} merged;

static int by_time(const void *a, const void *b)
{
    const sip_msg_rec *x = *(const sip_msg_rec *const *)a, *y = *(const sip_msg_rec *const *)b;
    if (x->time_us != y->time_us)
        return x->time_us < y->time_us ? -1 : 1;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static size_t col_of(merged *g, const sip_addr *a)
{
    for (size_t i = 0; i < g->ncols; i++)
        if (sip_addr_equal(&g->cols[i], a))
            return i;
    if (g->ncols < MAX_COLS) {
        g->cols[g->ncols] = *a;
        return g->ncols++;
    }
    return MAX_COLS - 1;
}

static int merge(const sip_report *r, const size_t *idx, size_t n, merged *g)
{
    memset(g, 0, sizeof *g);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (idx[i] < r->n_calls)
            total += r->calls[idx[i]].n_msgs_kept;
    g->m = malloc((total ? total : 1) * sizeof *g->m);
    if (!g->m)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (idx[i] < r->n_calls)
            for (size_t k = 0; k < r->calls[idx[i]].n_msgs_kept; k++)
                g->m[g->n++] = &r->calls[idx[i]].msgs[k];
    qsort(g->m, g->n, sizeof *g->m, by_time);
    for (size_t i = 0; i < g->n; i++) {
        col_of(g, &g->m[i]->src);
        col_of(g, &g->m[i]->dst);
    }
    return 0;
}

static void fmt_time(int64_t us, char *b, size_t n)
{
    time_t s = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(b, n, "%02d:%02d:%02d.%06d", tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000));
}

static void put_row(sb_buf *b, const char *left, size_t from, size_t to, size_t ncols,
                    size_t COL_W, const char *label)
{
    size_t width = ncols * COL_W;
    char *row = malloc(width + 1);
    if (!row)
        return;
    memset(row, ' ', width);
    row[width] = 0;
    for (size_t c = 0; c < ncols; c++)
        row[c * COL_W + COL_W / 2] = '|';
    if (label) {
        size_t a = (from < to ? from : to) * COL_W + COL_W / 2;
        size_t z = (from < to ? to : from) * COL_W + COL_W / 2;
        if (from == to)
            z = a + 4 < width ? a + 4 : a;
        for (size_t k = a + 1; k < z; k++)
            row[k] = '-';
        if (from <= to && z < width)
            row[z - 1] = '>';
        else
            row[a + 1] = '<';
        size_t ll = strlen(label), span = z - a > 4 ? z - a - 4 : 0;
        if (ll > span)
            ll = span;
        size_t start = a + 2 + (span - ll) / 2;
        memcpy(row + start, label, ll);
    }
    size_t end = width;
    while (end && row[end - 1] == ' ')
        end--;
    row[end] = 0;
    sb_buf_printf(b, "%-32s%s\n", left, row);
    free(row);
}

char *sip_ladder_text(const sip_report *r, const size_t *idx, size_t n, bool with_sdp)
{
    merged g;
    if (merge(r, idx, n, &g) < 0)
        return NULL;
    /* columns wide enough for the longest label between neighbours */
    size_t COL_W = MIN_COL_W;
    for (size_t i = 0; i < g.n; i++) {
        size_t l = (g.m[i]->label ? strlen(g.m[i]->label) : 1) + 24;
        if (l > COL_W)
            COL_W = l < MAX_COL_W ? l : MAX_COL_W;
    }
    sb_buf b;
    sb_buf_init(&b, OUT_MAX);
    for (size_t i = 0; i < n; i++)
        if (idx[i] < r->n_calls)
            sb_buf_printf(&b, "Call-ID %s (%s)\n", r->calls[idx[i]].call_id,
                          sip_outcome_name(r->calls[idx[i]].outcome));
    sb_buf_printf(&b, "%-32s", "time            +delta");
    for (size_t c = 0; c < g.ncols; c++) {
        char a[SIP_ADDR_STRLEN];
        sip_addr_format(&g.cols[c], a, sizeof a);
        int len = (int)strlen(a), pad = (int)COL_W / 2 - len / 2;
        if (pad < 0)
            pad = 0;
        sb_buf_printf(&b, "%*s%-*s", pad, "", (int)COL_W - pad, a);
    }
    sb_buf_putc(&b, '\n');
    int64_t prev = g.n ? g.m[0]->time_us : 0;
    for (size_t i = 0; i < g.n; i++) {
        const sip_msg_rec *m = g.m[i];
        char t[32], left[48], label[MAX_COL_W * MAX_COLS];
        fmt_time(m->time_us, t, sizeof t);
        snprintf(left, sizeof left, "%s +%.6f", t, (double)(m->time_us - prev) / 1e6);
        prev = m->time_us;
        snprintf(label, sizeof label, "%s%s%s #%llu", m->label ? m->label : "?",
                 m->sdp_brief ? " (SDP)" : "", m->retransmission ? " [retrans]" : "",
                 (unsigned long long)m->frame);
        size_t from = col_of(&g, &m->src), to = col_of(&g, &m->dst);
        put_row(&b, left, from, to, g.ncols, COL_W, label);
        if (with_sdp && m->sdp_brief)
            sb_buf_printf(&b, "%-32s  %s\n", "", m->sdp_brief);
    }
    free(g.m);
    return sb_buf_steal(&b, NULL);
}

static void clean_label(char *s)
{
    for (; *s; s++)
        if (*s == ';' || *s == '#' || *s == '\n' || *s == '\r' || *s == '"')
            *s = ' ';
}

char *sip_ladder_mermaid(const sip_report *r, const size_t *idx, size_t n)
{
    merged g;
    if (merge(r, idx, n, &g) < 0)
        return NULL;
    sb_buf b;
    sb_buf_init(&b, OUT_MAX);
    sb_buf_puts(&b, "sequenceDiagram\n");
    for (size_t c = 0; c < g.ncols; c++) {
        char a[SIP_ADDR_STRLEN];
        sip_addr_format(&g.cols[c], a, sizeof a);
        sb_buf_printf(&b, "    participant P%zu as %s\n", c + 1, g.cols[c].family ? a : "unknown");
    }
    int64_t t0 = g.n ? g.m[0]->time_us : 0;
    for (size_t i = 0; i < g.n; i++) {
        const sip_msg_rec *m = g.m[i];
        char label[160];
        snprintf(label, sizeof label, "%s%s%s (+%.3fs, frame %llu)", m->label ? m->label : "?",
                 m->sdp_brief ? " with SDP" : "", m->retransmission ? " retransmission" : "",
                 (double)(m->time_us - t0) / 1e6, (unsigned long long)m->frame);
        clean_label(label);
        size_t from = col_of(&g, &m->src) + 1, to = col_of(&g, &m->dst) + 1;
        sb_buf_printf(&b, "    P%zu%sP%zu: %s\n", from, m->retransmission ? "-)" : "->>", to, label);
        if (m->sdp_brief) {
            char note[200];
            snprintf(note, sizeof note, "%s", m->sdp_brief);
            clean_label(note);
            sb_buf_printf(&b, "    Note over P%zu: %s\n", from, note);
        }
    }
    free(g.m);
    return sb_buf_steal(&b, NULL);
}

char *sip_call_verdict(const sip_call *c)
{
    sb_buf b;
    sb_buf_init(&b, 1u << 16);
    const char *qn = sip_q850_name(c->q850);
    switch (c->outcome) {
    case SIP_OUT_ANSWERED:
        sb_buf_printf(&b, "%s answered", c->kind == SIP_KIND_CALL ? "Call" : c->method);
        if (c->t.setup_ms >= 0)
            sb_buf_printf(&b, " after %.3f s", c->t.setup_ms / 1000);
        if (c->t.pdd_ms >= 0)
            sb_buf_printf(&b, " (PDD %.3f s)", c->t.pdd_ms / 1000);
        if (c->t.talk_ms >= 0)
            sb_buf_printf(&b, "; talk %.3f s", c->t.talk_ms / 1000);
        if (c->codec)
            sb_buf_printf(&b, "; codec %s", c->codec);
        break;
    case SIP_OUT_FAILED:
        sb_buf_printf(&b, "%s failed: %d %s", c->kind == SIP_KIND_CALL ? "Call" : c->method,
                      c->final_code, c->final_phrase ? c->final_phrase : "");
        if (c->q850)
            sb_buf_printf(&b, ", Q.850 cause %d%s%s (%s)", c->q850, qn ? " " : "", qn ? qn : "",
                          c->q850_from_reason ? "Reason header" : "mapped by RFC 3398");
        if (c->warning_code)
            sb_buf_printf(&b, ", Warning %d \"%s\"", c->warning_code,
                          c->warning_text ? c->warning_text : "");
        sb_buf_printf(&b, "; category %s", c->category ? c->category : "unknown");
        break;
    case SIP_OUT_CANCELLED:
        sb_buf_printf(&b, "Cancelled by the caller");
        if (c->q850)
            sb_buf_printf(&b, " (Q.850 cause %d)", c->q850);
        break;
    case SIP_OUT_TIMEOUT:
        sb_buf_puts(&b, "Timed out: provisional response, no final response within 32 s");
        break;
    case SIP_OUT_NO_RESPONSE:
        sb_buf_puts(&b, "No response at all within Timer B (32 s)");
        break;
    case SIP_OUT_INCOMPLETE:
        sb_buf_puts(&b, "Incomplete: the capture ends before a final response");
        break;
    }
    sb_buf_printf(&b, ". %u messages, %u retransmissions.", c->n_msgs, c->n_retrans);
    for (size_t i = 0; i < c->n_findings; i++) {
        const sip_finding *f = &c->findings[i];
        if (f->severity == SIP_SEV_INFO && strncmp(f->code, "nat.", 4) == 0)
            continue;
        sb_buf_printf(&b, "\n- [%s] %s: %s (frames", sip_severity_name(f->severity), f->code,
                      f->text);
        for (unsigned k = 0; k < f->n_ev; k++)
            sb_buf_printf(&b, "%s%llu", k ? "," : " ", (unsigned long long)f->ev[k].frame);
        sb_buf_puts(&b, ")");
    }
    return sb_buf_steal(&b, NULL);
}
