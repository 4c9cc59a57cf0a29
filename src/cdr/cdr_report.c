/* The period report (see cdr_report.h): one pass, bounded state, then JSON / text.
 * Charts (Mermaid, SVG) are in cdr_chart.c over the same accumulated tables. */
#include "cdr/cdr_report_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cdr_filter_init(cdr_filter *f)
{
    memset(f, 0, sizeof *f);
    f->answered = -1;
}

static bool str_eq(cdr_str s, const char *z)
{
    size_t n = strlen(z);
    return s.n == n && (n == 0 || memcmp(s.p, z, n) == 0);
}

static bool starts_with(const char *s, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    return n >= k && memcmp(s, pre, k) == 0;
}

bool cdr_filter_match(const cdr_filter *f, const cdr_record *r)
{
    if (!f)
        return true;
    if (f->from_ms && r->start_ms < f->from_ms)
        return false;
    if (f->to_ms && r->start_ms >= f->to_ms)
        return false;
    if (f->customer && !str_eq(r->customer, f->customer))
        return false;
    if (f->carrier && !str_eq(r->carrier, f->carrier))
        return false;
    if (f->direction_mask && !(f->direction_mask & (1u << r->direction)))
        return false;
    if (f->answered >= 0 && (int)cdr_record_answered(r) != f->answered)
        return false;
    if (f->sip_code && r->sip_code != f->sip_code)
        return false;
    if (f->prefix) {
        const char *p = f->prefix[0] == '+' ? f->prefix + 1 : f->prefix;
        const char *e = r->callee_e164[0] == '+' ? r->callee_e164 + 1 : r->callee_e164;
        if (!starts_with(e, strlen(e), p) && !starts_with(r->dest_prefix.p ? r->dest_prefix.p : "",
                                                          r->dest_prefix.n, p))
            return false;
    }
    if (f->callee && sb_phone_match(f->callee, strlen(f->callee), r->callee.p, r->callee.n,
                                    f->country) == SB_PHONE_MATCH_NONE)
        return false;
    return true;
}

/* ---- accumulation ----------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

cdr_report *cdr_report_new(const cdr_filter *f, const cdr_report_opts *o)
{
    cdr_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    cdr_filter_init(&r->filter);
    if (f) {
        r->filter = *f;
        r->filter.customer = r->own[0] = dup_or_null(f->customer);
        r->filter.carrier = r->own[1] = dup_or_null(f->carrier);
        r->filter.prefix = r->own[2] = dup_or_null(f->prefix);
        r->filter.callee = r->own[3] = dup_or_null(f->callee);
    }
    r->top_n = o && o->top_n ? o->top_n : 10;
    r->prefix_digits = o && o->prefix_digits ? o->prefix_digits : 4;
    unsigned max_keys = o && o->max_keys ? o->max_keys : 100000;
    unsigned max_days = o && o->max_days ? o->max_days : 3660;
    int rc = cdr_ktab_init(&r->customers, sizeof(cdr_kstat), max_keys);
    rc |= cdr_ktab_init(&r->destinations, sizeof(cdr_kstat), max_keys);
    rc |= cdr_ktab_init(&r->prefixes, sizeof(cdr_kstat), max_keys);
    rc |= cdr_ktab_init(&r->carriers, sizeof(cdr_kstat), max_keys);
    rc |= cdr_ktab_init(&r->days, sizeof(cdr_kstat), max_days);
    rc |= cdr_ktab_init(&r->reasons, sizeof(cdr_kstat), 1000);
    r->pdd_hist = calloc(CDR_PDD_BUCKETS, sizeof *r->pdd_hist);
    if (rc || !r->pdd_hist) {
        cdr_report_free(r);
        return NULL;
    }
    return r;
}

void cdr_report_free(cdr_report *r)
{
    if (!r)
        return;
    cdr_ktab_free(&r->customers);
    cdr_ktab_free(&r->destinations);
    cdr_ktab_free(&r->prefixes);
    cdr_ktab_free(&r->carriers);
    cdr_ktab_free(&r->days);
    cdr_ktab_free(&r->reasons);
    for (int i = 0; i < 4; i++)
        free(r->own[i]);
    free(r->pdd_hist);
    free(r);
}

static int currency_index(cdr_report *rep, cdr_str c)
{
    size_t n = c.n < 7 ? c.n : 7;
    for (size_t i = 0; i < rep->n_money; i++)
        if (rep->money_len[i] == n && (n == 0 || memcmp(rep->money[i].currency, c.p, n) == 0))
            return (int)i;
    if (rep->n_money >= CDR_MAX_CURRENCIES)
        return -1;
    cdr_money *m = &rep->money[rep->n_money];
    if (n) memcpy(m->currency, c.p, n);
    m->currency[n] = 0;
    rep->money_len[rep->n_money] = (uint8_t)n;
    return (int)rep->n_money++;
}

static void kstat_add(cdr_kstat *k, const cdr_record *r, bool answered, bool ner, bool noroute)
{
    k->attempts++;
    if (answered) {
        k->answered++;
        k->billsec += (uint64_t)(r->billsec_s > 0 ? r->billsec_s : 0);
        k->duration += (uint64_t)(r->duration_s > 0 ? r->duration_s : 0);
    } else {
        k->failed++;
    }
    k->ner_ok += ner;
    k->no_route += noroute;
    if (r->have & CDR_HAVE_REVENUE) k->revenue += r->revenue;
    if (r->have & CDR_HAVE_COST) k->cost += r->cost;
    if (r->start_ms && (!k->first_ms || r->start_ms < k->first_ms)) k->first_ms = r->start_ms;
    if (r->start_ms > k->last_ms) k->last_ms = r->start_ms;
}

static void pdd_add(cdr_report *rep, int32_t ms)
{
    if (ms < 0)
        return;
    uint32_t b = ms < 10000 ? (uint32_t)ms : 10000 + (uint32_t)((ms - 10000) / 100);
    if (b >= CDR_PDD_BUCKETS)
        b = CDR_PDD_BUCKETS - 1;
    rep->pdd_hist[b]++;
    rep->pdd_samples++;
}

int cdr_report_add(cdr_report *rep, const cdr_record *r)
{
    if (!cdr_filter_match(&rep->filter, r))
        return 0;
    bool ans = cdr_record_answered(r), ner = cdr_record_ner_ok(r), nr = cdr_record_no_route(r);
    rep->attempts++;
    rep->answered += ans;
    rep->ner_ok += ner;
    rep->routing_failures += nr;
    rep->by_disp[(unsigned)r->disposition < CDR_DISP_COUNT_ ? r->disposition : CDR_DISP_UNKNOWN]++;
    int sc = r->sip_code;
    rep->rfc_3xx += sc >= 300 && sc < 400;
    rep->rfc_seer += ans || sc == 480 || sc == 486 || sc == 600 || sc == 603;
    rep->rfc_isa += sc == 408 || sc == 500 || sc == 503 || sc == 504;
    if (ans) {
        rep->billsec += (uint64_t)(r->billsec_s > 0 ? r->billsec_s : 0);
        rep->duration += (uint64_t)(r->duration_s > 0 ? r->duration_s : 0);
    }
    if (r->start_ms) {
        if (!rep->first_ms || r->start_ms < rep->first_ms) rep->first_ms = r->start_ms;
        if (r->start_ms > rep->last_ms) rep->last_ms = r->start_ms;
    }
    if (r->have & CDR_HAVE_PDD)
        pdd_add(rep, r->pdd_ms);
    if (r->have & (CDR_HAVE_REVENUE | CDR_HAVE_COST)) {
        int ci = currency_index(rep, r->currency);
        if (ci >= 0) {
            cdr_money *m = &rep->money[ci];
            if (r->have & CDR_HAVE_REVENUE) m->revenue += r->revenue;
            if (r->have & CDR_HAVE_COST) m->cost += r->cost;
            m->calls++;
        } else {
            rep->money_truncated = true;
        }
    }
    cdr_kstat *k;
    if (r->customer.n && (k = cdr_ktab_get(&rep->customers, r->customer.p, r->customer.n)))
        kstat_add(k, r, ans, ner, nr);
    if (r->carrier.n && (k = cdr_ktab_get(&rep->carriers, r->carrier.p, r->carrier.n)))
        kstat_add(k, r, ans, ner, nr);
    char pfx[CDR_KTAB_KEY_MAX];
    size_t pn = cdr_record_prefix(r, rep->prefix_digits, pfx, sizeof pfx);
    if (pn && (k = cdr_ktab_get(&rep->prefixes, pfx, pn)))
        kstat_add(k, r, ans, ner, nr);
    const char *dk = r->dest_name.n ? r->dest_name.p : pfx;
    size_t dn = r->dest_name.n ? r->dest_name.n : pn;
    if (dn && (k = cdr_ktab_get(&rep->destinations, dk, dn)))
        kstat_add(k, r, ans, ner, nr);
    if (r->start_ms) {
        int64_t day = cdr_day_of(r->start_ms);
        if ((k = cdr_ktab_get(&rep->days, &day, sizeof day)))
            kstat_add(k, r, ans, ner, nr);
    }
    if (!ans) {
        if (r->sip_code > 0 && r->sip_code < 700) rep->by_sip[r->sip_code]++;
        else rep->by_sip[0]++;
        rep->by_cause[r->q850 > 0 && r->q850 < 128 ? r->q850 : 0]++;
        if (r->sip_reason.n && (k = cdr_ktab_get(&rep->reasons, r->sip_reason.p, r->sip_reason.n)))
            k->attempts++;
    }
    return 1;
}

int cdr_report_sink_row(void *rep, const cdr_record *r)
{
    cdr_report_add(rep, r);
    return 0;
}

/* ---- results ---------------------------------------------------------------------------- */

static double pdd_quantile(const cdr_report *rep, double q)
{
    if (!rep->pdd_samples)
        return -1;
    uint64_t want = (uint64_t)ceil(q * (double)rep->pdd_samples), seen = 0;
    if (want == 0) want = 1;
    for (uint32_t b = 0; b < CDR_PDD_BUCKETS; b++) {
        seen += rep->pdd_hist[b];
        if (seen >= want)
            return b < 10000 ? (double)b : 10000.0 + (double)(b - 10000) * 100.0;
    }
    return -1;
}

void cdr_report_summary(const cdr_report *rep, cdr_summary *s)
{
    memset(s, 0, sizeof *s);
    s->attempts = rep->attempts;
    s->answered = rep->answered;
    s->ner_ok = rep->ner_ok;
    s->failed = rep->attempts - rep->answered;
    s->routing_failures = rep->routing_failures;
    s->asr = rep->attempts ? 100.0 * (double)rep->answered / (double)rep->attempts : -1;
    s->ner = rep->attempts ? 100.0 * (double)rep->ner_ok / (double)rep->attempts : -1;
    s->acd_s = rep->answered ? (double)rep->billsec / (double)rep->answered : -1;
    s->aloc_s = rep->answered ? (double)rep->duration / (double)rep->answered : -1;
    s->pdd_median_ms = pdd_quantile(rep, 0.5);
    s->pdd_p95_ms = pdd_quantile(rep, 0.95);
    s->pdd_samples = rep->pdd_samples;
    s->talk_minutes = (double)rep->billsec / 60.0;
    s->active_customers = rep->customers.n - (rep->customers.other >= 0 ? 1 : 0);
    s->first_ms = rep->first_ms;
    s->last_ms = rep->last_ms;
    s->n_money = rep->n_money;
    memcpy(s->money, rep->money, sizeof s->money);
}

static json_t *num2(double v)
{
    return v < 0 ? json_null() : json_real(round(v * 100.0) / 100.0);
}

static json_t *money4(double v)
{
    return json_real(round(v * 10000.0) / 10000.0);
}

/* Indices of ktab entries sorted by a key (descending). */
typedef struct sort_item {
    uint32_t i;
    uint64_t v;
} sort_item;

static int cmp_desc(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    return x->v < y->v ? 1 : x->v > y->v ? -1 : (x->i > y->i) - (x->i < y->i);
}

size_t cdr_report_sorted(const cdr_ktab *t, int by, uint32_t *out, size_t max)
{
    sort_item *it = malloc((t->n ? t->n : 1) * sizeof *it);
    if (!it)
        return 0;
    size_t n = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        const cdr_kstat *k = cdr_ktab_val(t, i);
        uint64_t v = by == CDR_SORT_FAILED ? k->failed : by == CDR_SORT_NOROUTE ? k->no_route : k->attempts;
        if (by != CDR_SORT_ATTEMPTS && v == 0)
            continue;
        it[n].i = i;
        it[n++].v = v;
    }
    qsort(it, n, sizeof *it, cmp_desc);
    if (n > max) n = max;
    for (size_t j = 0; j < n; j++)
        out[j] = it[j].i;
    free(it);
    return n;
}

static json_t *kstat_json(const cdr_ktab *t, uint32_t i, const char *keyname)
{
    size_t kl;
    const char *key = cdr_ktab_key(t, i, &kl);
    const cdr_kstat *k = cdr_ktab_val(t, i);
    json_t *o = json_object(), *ks = json_stringn(key, kl);
    json_object_set_new(o, keyname, ks ? ks : json_string("?"));
    json_object_set_new(o, "attempts", json_integer((json_int_t)k->attempts));
    json_object_set_new(o, "answered", json_integer((json_int_t)k->answered));
    json_object_set_new(o, "failed", json_integer((json_int_t)k->failed));
    json_object_set_new(o, "asr", num2(k->attempts ? 100.0 * (double)k->answered / (double)k->attempts : -1));
    json_object_set_new(o, "acd_s", num2(k->answered ? (double)k->billsec / (double)k->answered : -1));
    json_object_set_new(o, "minutes", num2((double)k->billsec / 60.0));
    json_object_set_new(o, "no_route", json_integer((json_int_t)k->no_route));
    json_object_set_new(o, "revenue", money4(k->revenue));
    json_object_set_new(o, "cost", money4(k->cost));
    json_object_set_new(o, "margin", money4(k->revenue - k->cost));
    return o;
}

static json_t *top_json(const cdr_report *rep, const cdr_ktab *t, int by, const char *keyname)
{
    uint32_t idx[1000];
    size_t max = rep->top_n < 1000 ? rep->top_n : 1000;
    size_t n = cdr_report_sorted(t, by, idx, max);
    json_t *a = json_array();
    for (size_t j = 0; j < n; j++)
        json_array_append_new(a, kstat_json(t, idx[j], keyname));
    return a;
}

static json_t *code_hist_json(const uint64_t *h, size_t n, uint64_t total, const char *keyname,
                              unsigned top, bool names)
{
    sort_item *it = malloc(n * sizeof *it);
    json_t *a = json_array();
    size_t m = 0;
    if (!it)
        return a;
    for (size_t i = 0; i < n; i++)
        if (h[i]) it[m].i = (uint32_t)i, it[m++].v = h[i];
    qsort(it, m, sizeof *it, cmp_desc);
    for (size_t j = 0; j < m && j < top; j++) {
        json_t *o = json_object();
        if (it[j].i == 0)
            json_object_set_new(o, keyname, json_null());
        else
            json_object_set_new(o, keyname, json_integer(it[j].i));
        if (names && it[j].i && cdr_q850_name((int)it[j].i))
            json_object_set_new(o, "name", json_string(cdr_q850_name((int)it[j].i)));
        json_object_set_new(o, "count", json_integer((json_int_t)it[j].v));
        json_object_set_new(o, "share", num2(total ? 100.0 * (double)it[j].v / (double)total : -1));
        json_array_append_new(a, o);
    }
    free(it);
    return a;
}

static int cmp_day(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

size_t cdr_report_days(const cdr_report *rep, int64_t *days, size_t max)
{
    size_t n = 0;
    for (uint32_t i = 0; i < rep->days.n && n < max; i++) {
        if ((int64_t)i == rep->days.other)
            continue;
        size_t kl;
        const char *k = cdr_ktab_key(&rep->days, i, &kl);
        memcpy(&days[n++], k, sizeof(int64_t));
    }
    qsort(days, n, sizeof *days, cmp_day);
    return n;
}

const cdr_kstat *cdr_report_day(const cdr_report *rep, int64_t day)
{
    return cdr_ktab_find(&rep->days, &day, sizeof day);
}

static json_t *daily_json(const cdr_report *rep)
{
    json_t *a = json_array();
    int64_t *days = malloc((rep->days.n + 1) * sizeof *days);
    if (!days)
        return a;
    size_t n = cdr_report_days(rep, days, rep->days.n + 1);
    for (size_t i = 0; i < n; i++) {
        const cdr_kstat *k = cdr_report_day(rep, days[i]);
        char d[16];
        cdr_format_day(days[i], d, sizeof d);
        json_array_append_new(a, json_pack("{ss sI sI sI so so so}", "day", d, "attempts",
                                           (json_int_t)k->attempts, "answered", (json_int_t)k->answered,
                                           "failed", (json_int_t)k->failed, "asr",
                                           num2(k->attempts ? 100.0 * (double)k->answered / (double)k->attempts : -1),
                                           "minutes", num2((double)k->billsec / 60.0), "revenue",
                                           money4(k->revenue)));
    }
    free(days);
    return a;
}

static json_t *filter_json(const cdr_filter *f)
{
    json_t *o = json_object();
    char t[40];
    if (f->from_ms) cdr_format_time(f->from_ms, t, sizeof t), json_object_set_new(o, "from", json_string(t));
    if (f->to_ms) cdr_format_time(f->to_ms, t, sizeof t), json_object_set_new(o, "to", json_string(t));
    if (f->customer) json_object_set_new(o, "customer", json_string(f->customer));
    if (f->carrier) json_object_set_new(o, "carrier", json_string(f->carrier));
    if (f->prefix) json_object_set_new(o, "prefix", json_string(f->prefix));
    if (f->callee) json_object_set_new(o, "callee", json_string(f->callee));
    if (f->direction_mask) {
        json_t *d = json_array();
        for (int i = 0; i < CDR_DIR_COUNT_; i++)
            if (f->direction_mask & (1u << i))
                json_array_append_new(d, json_string(cdr_direction_name((cdr_direction)i)));
        json_object_set_new(o, "direction", d);
    }
    return o;
}

static const char *definitions =
    "ASR = answered/attempts x 100. NER = (answered + busy + no answer + caller cancel + "
    "terminal reject)/attempts x 100. ACD = talk seconds/answered. ALOC = holding seconds "
    "(start to end, incl. ringing)/answered. PDD quantiles over records carrying a PDD. "
    "Routing failures: 404/484/604/580, 503 with cause 3/34/38/41 or none, or reason 'no route'. "
    "Margin = revenue - cost per currency. RFC 6076: SER = answered/(attempts - 3xx), SEER = "
    "(answered + 480/486/600/603)/(attempts - 3xx), ISA = (408/500/503/504)/attempts, in percent.";

json_t *cdr_report_json(const cdr_report *rep)
{
    cdr_summary s;
    cdr_report_summary(rep, &s);
    char t1[40] = "", t2[40] = "";
    if (s.first_ms) cdr_format_time(s.first_ms, t1, sizeof t1);
    if (s.last_ms) cdr_format_time(s.last_ms, t2, sizeof t2);
    json_t *sum = json_pack("{sI sI sI sI sI so so so so so so sI so sI}", "attempts", (json_int_t)s.attempts,
                            "answered", (json_int_t)s.answered, "failed", (json_int_t)s.failed,
                            "ner_effective", (json_int_t)s.ner_ok, "routing_failures",
                            (json_int_t)s.routing_failures, "asr", num2(s.asr), "ner", num2(s.ner),
                            "acd_s", num2(s.acd_s), "aloc_s", num2(s.aloc_s), "pdd_median_ms",
                            num2(s.pdd_median_ms), "pdd_p95_ms", num2(s.pdd_p95_ms), "pdd_samples",
                            (json_int_t)s.pdd_samples, "talk_minutes", num2(s.talk_minutes),
                            "active_customers", (json_int_t)s.active_customers);
    uint64_t base = rep->attempts - rep->rfc_3xx;
    json_object_set_new(sum, "ser", num2(base ? 100.0 * (double)rep->answered / (double)base : -1));
    json_object_set_new(sum, "seer", num2(base ? 100.0 * (double)rep->rfc_seer / (double)base : -1));
    json_object_set_new(sum, "isa", num2(rep->attempts ? 100.0 * (double)rep->rfc_isa / (double)rep->attempts : -1));
    json_object_set_new(sum, "first_call", t1[0] ? json_string(t1) : json_null());
    json_object_set_new(sum, "last_call", t2[0] ? json_string(t2) : json_null());
    json_t *money = json_array();
    for (size_t i = 0; i < s.n_money; i++) {
        const cdr_money *m = &s.money[i];
        json_array_append_new(money, json_pack("{ss so so so so sI}", "currency", m->currency[0] ? m->currency : "(unstated)",
                                               "revenue", money4(m->revenue), "cost", money4(m->cost),
                                               "margin", money4(m->revenue - m->cost), "margin_percent",
                                               num2(m->revenue > 0 ? 100.0 * (m->revenue - m->cost) / m->revenue : -1),
                                               "calls", (json_int_t)m->calls));
    }
    uint64_t failed = s.failed;
    json_t *fail = json_object();
    json_object_set_new(fail, "by_sip_code", code_hist_json(rep->by_sip, 700, failed, "sip_code", rep->top_n, false));
    json_object_set_new(fail, "by_cause", code_hist_json(rep->by_cause, 128, failed, "q850", rep->top_n, true));
    json_t *disp = json_object();
    for (int i = 0; i < CDR_DISP_COUNT_; i++)
        if (rep->by_disp[i] && i != CDR_DISP_ANSWERED)
            json_object_set_new(disp, cdr_disposition_name((cdr_disposition)i), json_integer((json_int_t)rep->by_disp[i]));
    json_object_set_new(fail, "by_disposition", disp);
    json_object_set_new(fail, "by_reason", top_json(rep, &rep->reasons, CDR_SORT_ATTEMPTS, "reason"));
    json_object_set_new(fail, "by_prefix", top_json(rep, &rep->prefixes, CDR_SORT_FAILED, "prefix"));
    json_object_set_new(fail, "by_carrier", top_json(rep, &rep->carriers, CDR_SORT_FAILED, "carrier"));
    bool trunc = rep->customers.truncated || rep->destinations.truncated || rep->prefixes.truncated ||
                 rep->carriers.truncated || rep->days.truncated || rep->money_truncated;
    json_t *o = json_object();
    json_object_set_new(o, "definitions", json_string(definitions));
    json_object_set_new(o, "filter", filter_json(&rep->filter));
    json_object_set_new(o, "summary", sum);
    json_object_set_new(o, "money", money);
    json_object_set_new(o, "top_customers", top_json(rep, &rep->customers, CDR_SORT_ATTEMPTS, "customer"));
    json_object_set_new(o, "top_destinations", top_json(rep, &rep->destinations, CDR_SORT_ATTEMPTS, "destination"));
    json_object_set_new(o, "carriers", top_json(rep, &rep->carriers, CDR_SORT_ATTEMPTS, "carrier"));
    json_object_set_new(o, "failures", fail);
    json_object_set_new(o, "daily", daily_json(rep));
    json_object_set_new(o, "truncated", json_boolean(trunc));
    return o;
}

static void fmt_pct(char *b, size_t n, double v)
{
    if (v < 0) snprintf(b, n, "n/a");
    else snprintf(b, n, "%.2f%%", v);
}

static void fmt_num(char *b, size_t n, double v, const char *unit)
{
    if (v < 0) snprintf(b, n, "n/a");
    else snprintf(b, n, "%.1f%s", v, unit);
}

int cdr_report_text(const cdr_report *rep, sb_buf *out)
{
    cdr_summary s;
    cdr_report_summary(rep, &s);
    char asr[32], ner[32], acd[32], aloc[32], p50[32], p95[32], t1[40] = "-", t2[40] = "-";
    fmt_pct(asr, sizeof asr, s.asr);
    fmt_pct(ner, sizeof ner, s.ner);
    fmt_num(acd, sizeof acd, s.acd_s, " s");
    fmt_num(aloc, sizeof aloc, s.aloc_s, " s");
    fmt_num(p50, sizeof p50, s.pdd_median_ms, " ms");
    fmt_num(p95, sizeof p95, s.pdd_p95_ms, " ms");
    if (s.first_ms) cdr_format_time(s.first_ms, t1, sizeof t1);
    if (s.last_ms) cdr_format_time(s.last_ms, t2, sizeof t2);
    int rc = sb_buf_printf(out,
                           "CDR report %s .. %s\n"
                           "attempts %llu, answered %llu, failed %llu (routing %llu)\n"
                           "ASR %s  NER %s  ACD %s  ALOC %s  PDD median %s p95 %s\n"
                           "talk minutes %.1f, active customers %llu\n",
                           t1, t2, (unsigned long long)s.attempts, (unsigned long long)s.answered,
                           (unsigned long long)s.failed, (unsigned long long)s.routing_failures, asr, ner,
                           acd, aloc, p50, p95, s.talk_minutes, (unsigned long long)s.active_customers);
    for (size_t i = 0; i < s.n_money && rc == 0; i++)
        rc = sb_buf_printf(out, "%s: revenue %.2f cost %.2f margin %.2f\n",
                           s.money[i].currency[0] ? s.money[i].currency : "(unstated)", s.money[i].revenue,
                           s.money[i].cost, s.money[i].revenue - s.money[i].cost);
    uint32_t idx[10];
    size_t n = cdr_report_sorted(&rep->customers, CDR_SORT_ATTEMPTS, idx, 5);
    if (n && rc == 0) rc = sb_buf_puts(out, "top customers:");
    for (size_t j = 0; j < n && rc == 0; j++) {
        size_t kl;
        const char *k = cdr_ktab_key(&rep->customers, idx[j], &kl);
        const cdr_kstat *ks = cdr_ktab_val(&rep->customers, idx[j]);
        rc = sb_buf_printf(out, " %.*s (%llu)", (int)kl, k, (unsigned long long)ks->attempts);
    }
    if (n && rc == 0) rc = sb_buf_puts(out, "\n");
    n = cdr_report_sorted(&rep->destinations, CDR_SORT_ATTEMPTS, idx, 5);
    if (n && rc == 0) rc = sb_buf_puts(out, "top destinations:");
    for (size_t j = 0; j < n && rc == 0; j++) {
        size_t kl;
        const char *k = cdr_ktab_key(&rep->destinations, idx[j], &kl);
        const cdr_kstat *ks = cdr_ktab_val(&rep->destinations, idx[j]);
        rc = sb_buf_printf(out, " %.*s (%llu)", (int)kl, k, (unsigned long long)ks->attempts);
    }
    if (n && rc == 0) rc = sb_buf_puts(out, "\n");
    if (s.failed && rc == 0) {
        rc = sb_buf_puts(out, "failures by disposition:");
        for (int i = 0; i < CDR_DISP_COUNT_ && rc == 0; i++)
            if (rep->by_disp[i] && i != CDR_DISP_ANSWERED)
                rc = sb_buf_printf(out, " %s x%llu", cdr_disposition_name((cdr_disposition)i),
                                   (unsigned long long)rep->by_disp[i]);
        if (rc == 0) rc = sb_buf_puts(out, "\n");
    }
    if (s.failed && rc == 0) {
        rc = sb_buf_puts(out, "failures by SIP code:");
        sort_item it[700];
        size_t m = 0;
        for (uint32_t i = 0; i < 700; i++)
            if (rep->by_sip[i]) it[m].i = i, it[m++].v = rep->by_sip[i];
        qsort(it, m, sizeof *it, cmp_desc);
        for (size_t j = 0; j < m && j < 8 && rc == 0; j++) {
            if (it[j].i)
                rc = sb_buf_printf(out, " %u x%llu", it[j].i, (unsigned long long)it[j].v);
            else
                rc = sb_buf_printf(out, " (none) x%llu", (unsigned long long)it[j].v);
        }
        if (rc == 0) rc = sb_buf_puts(out, "\n");
    }
    return rc;
}
