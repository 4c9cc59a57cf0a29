/* `switchboard analyze FILE [--call CALLID] [--json|--ladder|--mermaid] [--progress]`:
 * the SIP engine from the command line. Without --call: a summary (counts, outcomes, KPIs,
 * problems ranked, one line per call); with --call: the verdict and ladder of that call and
 * its B2BUA legs. A progress bar goes to stderr when it is a terminal (or with --progress). */
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sip/sip_read.h"
#include "sip/sip_render.h"

typedef enum { OUT_TEXT, OUT_JSON, OUT_LADDER, OUT_MERMAID } out_mode;

static int progress_bar(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (!total)
        return 0;
    int pct = (int)(done * 100 / total);
    if (pct > 100)
        pct = 100;
    char bar[41];
    int fill = pct * 40 / 100;
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '.', (size_t)(40 - fill));
    bar[40] = 0;
    fprintf(stderr, "\r[%s] %3d%% %.1f/%.1f MB", bar, pct, (double)done / 1e6, (double)total / 1e6);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

static void print_summary(const sip_report *r)
{
    printf("format %s: %llu frames, %llu SIP messages, %zu Call-IDs (%zu calls, %zu REGISTER, "
           "%zu OPTIONS, %zu other), %llu retransmissions, %llu RTP packets%s\n",
           r->source_format, (unsigned long long)r->n_frames, (unsigned long long)r->n_messages,
           r->n_calls + r->n_calls_dropped, r->n_invite_calls, r->n_register, r->n_options,
           r->n_other, (unsigned long long)r->n_retransmissions,
           (unsigned long long)r->n_rtp_packets, r->truncated ? " (input truncated)" : "");
    printf("outcomes:");
    for (int o = 0; o <= SIP_OUT_INCOMPLETE; o++)
        if (r->by_outcome[o])
            printf(" %s %zu", sip_outcome_name((sip_outcome)o), r->by_outcome[o]);
    printf("\n");
    if (r->asr >= 0)
        printf("ASR %.1f%%  NER %.1f%%  SER %.1f%%  SEER %.1f%%\n", r->asr, r->ner, r->ser, r->seer);
    const struct {
        const char *name;
        const sip_stats_summary *s;
    } t[] = {{"PDD", &r->pdd}, {"setup", &r->setup}, {"ring", &r->ring}, {"talk", &r->talk},
             {"disconnect", &r->disconnect}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].s->n)
            printf("%-10s n=%zu median %.1f ms p95 %.1f ms max %.1f ms\n", t[i].name, t[i].s->n,
                   t[i].s->median, t[i].s->p95, t[i].s->max);
    if (r->n_leg_groups)
        printf("B2BUA calls (correlated legs): %u\n", r->n_leg_groups);
    printf("\n");
    size_t shown = 0;
    for (size_t i = 0; i < r->n_calls && shown < 1000; i++, shown++) {
        const sip_call *c = &r->calls[i];
        printf("%-40s %-8s %-11s %3d", c->call_id, sip_kind_name(c->kind), sip_outcome_name(c->outcome),
               c->final_code);
        if (c->q850)
            printf(" q850=%d", c->q850);
        if (c->t.pdd_ms >= 0)
            printf(" pdd=%.0fms", c->t.pdd_ms);
        if (c->n_retrans)
            printf(" retrans=%u", c->n_retrans);
        for (size_t k = 0; k < c->n_findings; k++)
            if (c->findings[k].severity >= SIP_SEV_WARNING)
                printf(" [%s]", c->findings[k].code);
        printf("\n");
    }
    if (r->n_calls > shown)
        printf("... %zu more (use --json)\n", r->n_calls - shown);
}

static int usage(void)
{
    fprintf(stderr, "usage: switchboard analyze FILE [--call CALLID] [--json|--ladder|--mermaid] "
                    "[--progress|--no-progress]\n");
    return 2;
}

static int one_call(const char *file, const char *call_id, out_mode mode, const sip_read_opts *ro)
{
    char err[512];
    size_t idx[16], n = 0;
    sip_report *r = sip_analyze_file_call(file, call_id, ro, idx, 16, &n, err, sizeof err);
    if (!r) {
        fprintf(stderr, "switchboard analyze: %s\n", err);
        return 1;
    }
    if (mode == OUT_JSON) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, sip_call_json(&r->calls[idx[i]], true));
        json_t *o = json_pack("{s:o}", "legs", a);
        char *s = json_dumps(o, JSON_INDENT(2));
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    } else if (mode == OUT_MERMAID) {
        char *m = sip_ladder_mermaid(r, idx, n);
        if (m)
            fputs(m, stdout);
        free(m);
    } else {
        for (size_t i = 0; i < n; i++) {
            char *v = sip_call_verdict(&r->calls[idx[i]]);
            if (v)
                printf("%s: %s\n", r->calls[idx[i]].call_id, v);
            free(v);
        }
        char *l = sip_ladder_text(r, idx, n, true);
        if (l)
            printf("\n%s", l);
        free(l);
    }
    sip_report_free(r);
    return 0;
}

/* The whole-capture report is left to the process's exit, which returns it at once: freeing
 * the strings of every call one by one costs a large capture's analysis several per cent.
 * Kept reachable here so leak checkers do not count it. */
static sip_report *exit_report;

/* One heap for the reader and engine threads, grown 8 MB at a time: the engine thread's own
 * arena grew a page per mprotect call (about a thousand on the 102,000-message benchmark),
 * each a TLB shootdown across the other thread's CPU. A one-shot command can choose this. */
static void tune_heap(void)
{
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_TOP_PAD, 8 << 20);
}

int cli_analyze(int argc, char **argv, const sb_options *opt)
{
    (void)opt;
    tune_heap();
    const char *file = NULL, *call_id = NULL;
    out_mode mode = OUT_TEXT;
    int progress = isatty(2);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--call") == 0 && i + 1 < argc)
            call_id = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            mode = OUT_JSON;
        else if (strcmp(argv[i], "--ladder") == 0)
            mode = OUT_LADDER;
        else if (strcmp(argv[i], "--mermaid") == 0)
            mode = OUT_MERMAID;
        else if (strcmp(argv[i], "--progress") == 0)
            progress = 1;
        else if (strcmp(argv[i], "--no-progress") == 0)
            progress = 0;
        else if (argv[i][0] == '-' || file)
            return usage();
        else
            file = argv[i];
    }
    if (!file)
        return usage();
    sip_read_opts ro = {.progress = progress ? progress_bar : NULL};
    if (call_id)
        return one_call(file, call_id, mode, &ro);
    if (mode == OUT_LADDER || mode == OUT_MERMAID) {
        fprintf(stderr, "switchboard analyze: --ladder and --mermaid need --call CALLID\n");
        return 2;
    }
    char err[512];
    sip_report *r = sip_analyze_file(file, NULL, &ro, NULL, err, sizeof err);
    if (!r) {
        fprintf(stderr, "switchboard analyze: %s\n", err);
        return 1;
    }
    if (mode == OUT_JSON) {
        json_t *o = sip_report_json(r, 0, r->n_calls);
        char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    } else {
        print_summary(r);
    }
    exit_report = r;
    return 0;
}
