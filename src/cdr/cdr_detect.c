/* Anomaly detectors (see cdr_detect.h). Each detector keeps per-key state in a capped
 * cdr_ktab; rows kept as evidence are compact copies (cev) turned into cdr_evidence rows when
 * a finding is made. Window detectors (zero_repeat, burst_503, high_cost_burst) use a ring of
 * the last N event times per key; tally detectors (routing_gap, short_calls, fas,
 * round_duration) decide in cdr_detector_finish(). */
#include "cdr/cdr_detect.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdr/cdr_ktab.h"

#define RING 16      /* window detectors: at most this many events per window are tracked */
#define KEEP_EV 3    /* compact evidence rows kept per key before a finding exists */
#define MAX_KEYS 100000

static const char *const kind_names[CDR_FIND_COUNT_] = {
    "zero_repeat", "routing_gap", "prefix_dup", "burst_503", "short_calls", "fas",
    "high_cost_burst", "round_duration"};

const char *cdr_finding_kind_name(cdr_finding_kind k)
{
    return (unsigned)k < CDR_FIND_COUNT_ ? kind_names[k] : "unknown";
}

int cdr_finding_kind_parse(const char *s)
{
    for (int i = 0; i < CDR_FIND_COUNT_; i++)
        if (s && strcmp(s, kind_names[i]) == 0)
            return i;
    return -1;
}

/* Ranges commonly abused for IRSF (satellite, international networks, premium and small
 * island ranges). Tunable: pass high_cost_prefixes. */
static const char *const default_high_cost[] = {
    "881", "882", "883", "870", "979", "53", "252", "239", "247", "290", "674", "676", "677",
    "678", "686", "688", "690", "691", "692", "960", "223", "224", "232", "371", NULL};

void cdr_thresholds_default(cdr_thresholds *t)
{
    memset(t, 0, sizeof *t);
    t->max_evidence = 10;
    t->max_findings = 50;
    t->prefix_digits = 4;
    t->zero_repeat_min = 3;
    t->zero_repeat_window_s = 600;
    t->gap_min_attempts = 5;
    t->gap_min_share = 0.8;
    t->burst_min = 10;
    t->burst_window_s = 60;
    t->short_min_answered = 20;
    t->short_call_s = 6;
    t->short_share = 0.5;
    t->fas_min_attempts = 20;
    t->fas_min_asr = 80;
    t->fas_max_acd_s = 15;
    t->hc_min_calls = 10;
    t->hc_min_distinct = 5;
    t->hc_window_s = 3600;
    t->round_min_s = 60;
    t->round_min_count = 10;
    t->round_min_share = 0.2;
}

/* A compact row copy. */
typedef struct cev {
    int64_t start_ms, duration_s, billsec_s;
    uint64_t line;
    int16_t sip, q850;
    char caller[24], callee[24], call_id[CDR_CALL_ID_KEEP];
} cev;

typedef struct ring {
    int64_t t[RING];
    uint32_t h[RING]; /* callee hash, for distinct counts */
    uint8_t pos, len;
} ring;

/* Per-key states. */
/* zero_repeat keeps many keys: its ring holds small rows (the callee is in the key). */
#define ZR_RING 8
typedef struct zev {
    int64_t start_ms;
    uint64_t line;
    int16_t sip, q850;
    char call_id[CDR_CALL_ID_KEEP];
} zev;

typedef struct zr_state {
    ring r;
    zev ev[ZR_RING];
    int32_t finding; /* index + 1 of the open finding, 0 = none */
    int64_t last_ms;
} zr_state;

typedef struct tally {
    uint64_t attempts, answered, failed, no_route, short_calls, billsec;
    uint8_t n_ev, n_short_ev;
    cev ev[KEEP_EV];       /* no-route rows (gap) */
    cev short_ev[KEEP_EV]; /* short answered rows */
} tally;

typedef struct burst_state {
    ring r;
    cev ev[RING];
    int32_t finding;
    int64_t last_ms;
} burst_state;

typedef struct round_state {
    uint64_t count;
    uint8_t n_ev;
    cev ev[KEEP_EV];
} round_state;

typedef struct dup_state {
    int32_t finding;
} dup_state;

struct cdr_detector {
    cdr_thresholds t;
    cdr_filter f;
    char *own[4];
    char **hc, **tech;       /* owned copies of the prefix lists */
    size_t n_hc, n_tech;
    uint64_t rows;
    cdr_ktab zr, prefixes, carriers, bursts, hcb, rounds, dups;
    cdr_finding *fs;
    size_t n_fs, cap_fs;
    unsigned per_kind[CDR_FIND_COUNT_];
    uint64_t suppressed[CDR_FIND_COUNT_];
    bool finished, truncated;
};

static bool enabled(const cdr_detector *d, cdr_finding_kind k)
{
    return !d->t.enabled_mask || (d->t.enabled_mask & (1u << k));
}

static char **copy_list(const char *const *src, size_t *n)
{
    size_t k = 0;
    while (src && src[k]) k++;
    char **out = calloc(k + 1, sizeof *out);
    for (size_t i = 0; out && i < k; i++)
        out[i] = strdup(src[i][0] == '+' ? src[i] + 1 : src[i]);
    *n = out ? k : 0;
    return out;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        free(l[i]);
    free(l);
}

cdr_detector *cdr_detector_new(const cdr_thresholds *t, const cdr_filter *f)
{
    cdr_detector *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    cdr_thresholds_default(&d->t);
    if (t)
        d->t = *t;
    if (!d->t.max_evidence) d->t.max_evidence = 10;
    if (!d->t.max_findings) d->t.max_findings = 50;
    if (!d->t.prefix_digits) d->t.prefix_digits = 4;
    if (d->t.zero_repeat_min < 2) d->t.zero_repeat_min = 2;
    if (d->t.zero_repeat_min > ZR_RING) d->t.zero_repeat_min = ZR_RING;
    if (d->t.burst_min < 2) d->t.burst_min = 2;
    if (d->t.burst_min > RING) d->t.burst_min = RING;
    if (d->t.hc_min_calls < 1) d->t.hc_min_calls = 1;
    if (d->t.hc_min_calls > RING) d->t.hc_min_calls = RING;
    if (d->t.hc_min_distinct > RING) d->t.hc_min_distinct = RING;
    d->hc = copy_list(d->t.high_cost_prefixes ? d->t.high_cost_prefixes : default_high_cost, &d->n_hc);
    d->tech = copy_list(d->t.tech_prefixes, &d->n_tech);
    d->t.high_cost_prefixes = NULL;
    d->t.tech_prefixes = NULL;
    cdr_filter_init(&d->f);
    if (f) {
        d->f = *f;
        d->f.customer = d->own[0] = f->customer ? strdup(f->customer) : NULL;
        d->f.carrier = d->own[1] = f->carrier ? strdup(f->carrier) : NULL;
        d->f.prefix = d->own[2] = f->prefix ? strdup(f->prefix) : NULL;
        d->f.callee = d->own[3] = f->callee ? strdup(f->callee) : NULL;
    }
    int rc = cdr_ktab_init(&d->zr, sizeof(zr_state), MAX_KEYS);
    rc |= cdr_ktab_init(&d->prefixes, sizeof(tally), MAX_KEYS);
    rc |= cdr_ktab_init(&d->carriers, sizeof(tally), 10000);
    rc |= cdr_ktab_init(&d->bursts, sizeof(burst_state), 10000);
    rc |= cdr_ktab_init(&d->hcb, sizeof(burst_state), MAX_KEYS);
    rc |= cdr_ktab_init(&d->rounds, sizeof(round_state), MAX_KEYS);
    rc |= cdr_ktab_init(&d->dups, sizeof(dup_state), 10000);
    if (rc || !d->hc) {
        cdr_detector_free(d);
        return NULL;
    }
    return d;
}

void cdr_detector_free(cdr_detector *d)
{
    if (!d)
        return;
    cdr_ktab_free(&d->zr);
    cdr_ktab_free(&d->prefixes);
    cdr_ktab_free(&d->carriers);
    cdr_ktab_free(&d->bursts);
    cdr_ktab_free(&d->hcb);
    cdr_ktab_free(&d->rounds);
    cdr_ktab_free(&d->dups);
    for (size_t i = 0; i < d->n_fs; i++)
        free(d->fs[i].evidence);
    free(d->fs);
    free_list(d->hc, d->n_hc);
    free_list(d->tech, d->n_tech);
    for (int i = 0; i < 4; i++)
        free(d->own[i]);
    free(d);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static void copy_str(char *dst, size_t dn, const char *p, size_t n)
{
    if (n >= dn) n = dn - 1;
    if (n) memcpy(dst, p, n);
    dst[n] = 0;
}

static void cev_fill(cev *e, const cdr_record *r)
{
    e->start_ms = r->start_ms;
    e->duration_s = r->duration_s;
    e->billsec_s = r->billsec_s;
    e->line = r->line;
    e->sip = r->sip_code;
    e->q850 = r->q850;
    copy_str(e->caller, sizeof e->caller, r->caller.p, r->caller.n);
    copy_str(e->callee, sizeof e->callee, r->callee.p, r->callee.n);
    copy_str(e->call_id, sizeof e->call_id, r->call_id.n ? r->call_id.p : r->source_row.p,
             r->call_id.n ? r->call_id.n : r->source_row.n);
}

static void ev_from_cev(cdr_evidence *v, const cev *e, const char *customer, const char *carrier)
{
    memset(v, 0, sizeof *v);
    v->start_ms = e->start_ms;
    v->duration_s = e->duration_s;
    v->billsec_s = e->billsec_s;
    v->sip_code = e->sip;
    v->q850 = e->q850;
    v->line = e->line;
    snprintf(v->caller, sizeof v->caller, "%s", e->caller);
    snprintf(v->callee, sizeof v->callee, "%s", e->callee);
    snprintf(v->call_id, sizeof v->call_id, "%s", e->call_id);
    snprintf(v->customer, sizeof v->customer, "%s", customer ? customer : "");
    snprintf(v->carrier, sizeof v->carrier, "%s", carrier ? carrier : "");
}

/* A new finding (NULL when the per-kind cap is reached: the count is kept as suppressed). */
static cdr_finding *new_finding(cdr_detector *d, cdr_finding_kind k, const char *severity)
{
    if (d->per_kind[k] >= d->t.max_findings) {
        d->suppressed[k]++;
        return NULL;
    }
    if (d->n_fs == d->cap_fs) {
        size_t nc = d->cap_fs ? d->cap_fs * 2 : 16;
        cdr_finding *n = realloc(d->fs, nc * sizeof *n);
        if (!n)
            return NULL;
        d->fs = n;
        d->cap_fs = nc;
    }
    cdr_finding *f = &d->fs[d->n_fs++];
    memset(f, 0, sizeof *f);
    f->kind = k;
    f->severity = severity;
    f->evidence = calloc(d->t.max_evidence, sizeof *f->evidence);
    d->per_kind[k]++;
    return f;
}

static void add_ev(cdr_detector *d, cdr_finding *f, const cev *e, const char *cust, const char *carr)
{
    if (f->n_evidence < d->t.max_evidence && f->evidence)
        ev_from_cev(&f->evidence[f->n_evidence++], e, cust, carr);
    if (e->start_ms && (!f->first_ms || e->start_ms < f->first_ms)) f->first_ms = e->start_ms;
    if (e->start_ms > f->last_ms) f->last_ms = e->start_ms;
}

static void ring_push(ring *r, int64_t t, uint32_t h, unsigned size)
{
    unsigned i = (unsigned)(r->pos + r->len) % size;
    if (r->len < size) {
        r->len++;
    } else {
        r->pos = (uint8_t)((r->pos + 1) % size);
        i = (unsigned)(r->pos + r->len - 1) % size;
    }
    r->t[i] = t;
    r->h[i] = h;
}

/* max - min of the tracked times (records may arrive slightly out of order). */
static int64_t ring_span(const ring *r, unsigned size)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (unsigned i = 0; i < r->len; i++) {
        int64_t t = r->t[(r->pos + i) % size];
        if (t < lo) lo = t;
        if (t > hi) hi = t;
    }
    return r->len ? hi - lo : 0;
}

static unsigned ring_distinct(const ring *r, unsigned size)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->len; i++) {
        uint32_t h = r->h[(r->pos + i) % size];
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = r->h[(r->pos + j) % size] == h;
        n += !seen;
    }
    return n;
}

static size_t join_key(char *out, size_t outsz, cdr_str a, const char *b, size_t bn)
{
    size_t n = 0;
    copy_str(out, outsz, a.p, a.n);
    n = strlen(out);
    if (n + 1 < outsz) out[n++] = '|';
    size_t k = bn < outsz - n - 1 ? bn : outsz - n - 1;
    memcpy(out + n, b, k);
    out[n + k] = 0;
    return n + k;
}

static const char *key_part(const char *key, size_t kl, char *buf, size_t bn, int part)
{
    const char *bar = memchr(key, '|', kl);
    if (!bar) {
        copy_str(buf, bn, part ? "" : key, part ? 0 : kl);
        return buf;
    }
    if (part == 0)
        copy_str(buf, bn, key, (size_t)(bar - key));
    else
        copy_str(buf, bn, bar + 1, kl - (size_t)(bar - key) - 1);
    return buf;
}

/* ---- window detectors -------------------------------------------------------------------- */

typedef struct zr_age {
    int64_t now_ms, window_ms;
} zr_age;

static bool zr_recent(const void *val, void *ud)
{
    const zr_state *s = val;
    const zr_age *a = ud;
    return llabs(a->now_ms - s->last_ms) <= a->window_ms;
}

static void zero_repeat(cdr_detector *d, const cdr_record *r)
{
    if (r->billsec_s != 0 || !r->callee.n)
        return;
    const char *callee = r->callee_e164[0] ? r->callee_e164 : NULL;
    char key[CDR_KTAB_KEY_MAX];
    size_t kl = join_key(key, sizeof key, r->customer, callee ? callee : r->callee.p,
                         callee ? strlen(callee) : r->callee.n);
    bool was_truncated = d->zr.truncated;
    zr_state *s = cdr_ktab_get_capped(&d->zr, key, kl);
    if (!s && d->zr.n >= d->zr.max_keys) {
        /* full: forget the numbers whose window has passed (files come in time order) */
        zr_age age = {r->start_ms, (int64_t)d->t.zero_repeat_window_s * 1000};
        if (cdr_ktab_retain(&d->zr, zr_recent, &age) && (s = cdr_ktab_get_capped(&d->zr, key, kl)))
            d->zr.truncated = was_truncated;
    }
    if (!s)
        return;
    unsigned n = d->t.zero_repeat_min;
    int64_t win = (int64_t)d->t.zero_repeat_window_s * 1000;
    if (s->finding && llabs(r->start_ms - s->last_ms) <= win) {
        cdr_finding *f = &d->fs[s->finding - 1];
        cev e;
        cev_fill(&e, r);
        f->count++;
        char cust[64];
        add_ev(d, f, &e, key_part(key, kl, cust, sizeof cust, 0), NULL);
        s->last_ms = r->start_ms;
        return;
    }
    s->finding = 0;
    unsigned i = (unsigned)(s->r.pos + s->r.len) % n;
    if (s->r.len == n)
        i = s->r.pos;
    ring_push(&s->r, r->start_ms, 0, n);
    zev *nz = &s->ev[i];
    nz->start_ms = r->start_ms;
    nz->line = r->line;
    nz->sip = r->sip_code;
    nz->q850 = r->q850;
    copy_str(nz->call_id, sizeof nz->call_id, r->call_id.n ? r->call_id.p : r->source_row.p,
             r->call_id.n ? r->call_id.n : r->source_row.n);
    s->last_ms = r->start_ms;
    if (s->r.len < n || ring_span(&s->r, n) > win)
        return;
    cdr_finding *f = new_finding(d, CDR_FIND_ZERO_REPEAT, n >= 5 ? "critical" : "warning");
    if (!f)
        return;
    char cust[64], cal[64];
    key_part(key, kl, cust, sizeof cust, 0);
    key_part(key, kl, cal, sizeof cal, 1);
    snprintf(f->key, sizeof f->key, "customer=%.40s callee=%.40s", cust[0] ? cust : "-", cal);
    for (unsigned j = 0; j < s->r.len; j++) {
        const zev *z = &s->ev[(s->r.pos + j) % n];
        cev e;
        memset(&e, 0, sizeof e);
        e.start_ms = z->start_ms;
        e.line = z->line;
        e.sip = z->sip;
        e.q850 = z->q850;
        copy_str(e.callee, sizeof e.callee, cal, strlen(cal));
        snprintf(e.call_id, sizeof e.call_id, "%s", z->call_id);
        add_ev(d, f, &e, cust, NULL);
    }
    f->count = s->r.len;
    f->metric = (double)(f->last_ms - f->first_ms) / 1000.0;
    s->finding = (int32_t)(f - d->fs) + 1;
    s->r.len = 0;
}

static bool is_503(const cdr_record *r)
{
    if (cdr_record_answered(r))
        return false;
    return r->sip_code == 503 || r->q850 == 34 || r->q850 == 38 || r->q850 == 41 || r->q850 == 42;
}

/* Shared by burst_503 (key carrier) and high_cost_burst (key customer). */
static void window_event(cdr_detector *d, burst_state *s, const cdr_record *r, cdr_finding_kind k,
                         unsigned need, unsigned need_distinct, int64_t win, const char *key,
                         const char *carrier)
{
    uint32_t h = (uint32_t)cdr_hash(r->callee_e164, strlen(r->callee_e164));
    if (s->finding && llabs(r->start_ms - s->last_ms) <= win) {
        cdr_finding *f = &d->fs[s->finding - 1];
        cev e;
        cev_fill(&e, r);
        f->count++;
        add_ev(d, f, &e, k == CDR_FIND_HIGH_COST_BURST ? key : NULL, carrier);
        s->last_ms = r->start_ms;
        return;
    }
    s->finding = 0;
    unsigned size = need > need_distinct ? need : need_distinct;
    if (size < 2) size = 2;
    unsigned i = (unsigned)(s->r.pos + s->r.len) % size;
    if (s->r.len == size)
        i = s->r.pos;
    ring_push(&s->r, r->start_ms, h, size);
    cev_fill(&s->ev[i], r);
    s->last_ms = r->start_ms;
    /* the oldest tracked event inside the window */
    unsigned inwin = 0;
    for (unsigned j = 0; j < s->r.len; j++)
        if (llabs(r->start_ms - s->r.t[(s->r.pos + j) % size]) <= win)
            inwin++;
    bool by_count = inwin >= need;
    bool by_distinct = need_distinct && inwin >= need_distinct && ring_distinct(&s->r, size) >= need_distinct;
    if (!by_count && !by_distinct)
        return;
    cdr_finding *f = new_finding(d, k, k == CDR_FIND_HIGH_COST_BURST ? "critical" : "warning");
    if (!f)
        return;
    if (k == CDR_FIND_BURST_503)
        snprintf(f->key, sizeof f->key, "carrier=%s", key);
    else
        snprintf(f->key, sizeof f->key, "customer=%s", key);
    for (unsigned j = 0; j < s->r.len; j++) {
        unsigned at = (s->r.pos + j) % size;
        if (llabs(r->start_ms - s->r.t[at]) <= win)
            add_ev(d, f, &s->ev[at], k == CDR_FIND_HIGH_COST_BURST ? key : NULL, carrier);
    }
    f->count = inwin;
    s->finding = (int32_t)(f - d->fs) + 1;
    s->r.len = 0;
}

static bool high_cost(const cdr_detector *d, const cdr_record *r)
{
    const char *e = r->callee_e164[0] == '+' ? r->callee_e164 + 1 : NULL;
    if (!e)
        return false;
    for (size_t i = 0; i < d->n_hc; i++)
        if (strncmp(e, d->hc[i], strlen(d->hc[i])) == 0)
            return true;
    return false;
}

/* ---- dial-prefix duplication ------------------------------------------------------------- */

static size_t digits_of(const cdr_str s, char *out, size_t outsz, bool *plus)
{
    size_t k = 0;
    *plus = false;
    for (size_t i = 0; i < s.n && k + 1 < outsz; i++) {
        char c = s.p[i];
        if (c >= '0' && c <= '9') out[k++] = c;
        else if (c == '+' && k == 0) *plus = true;
    }
    out[k] = 0;
    return k;
}

/* Returns a description of the doubled prefix, or NULL. */
static const char *dup_pattern(const cdr_detector *d, const cdr_record *r, char *why, size_t wn)
{
    char dg[64];
    bool plus;
    size_t n = digits_of(r->callee, dg, sizeof dg, &plus);
    for (size_t i = 0; i < d->n_tech; i++) {
        size_t tl = strlen(d->tech[i]);
        if (tl && r->callee.n >= 2 * tl && memcmp(r->callee.p, d->tech[i], tl) == 0 &&
            memcmp(r->callee.p + tl, d->tech[i], tl) == 0) {
            snprintf(why, wn, "tech prefix %s twice", d->tech[i]);
            return why;
        }
    }
    const char *rest = dg;
    size_t rn = n;
    const char *access = plus ? "+" : NULL;
    if (!plus && n > 4 && strncmp(dg, "011", 3) == 0) access = "011", rest += 3, rn -= 3;
    else if (!plus && n > 4 && dg[0] == '0' && dg[1] == '0') access = "00", rest += 2, rn -= 2;
    if (!access)
        return NULL;
    if (rn > 2 && ((rest[0] == '0' && rest[1] == '0') || strncmp(rest, "011", 3) == 0)) {
        snprintf(why, wn, "international prefix after %s", access);
        return why;
    }
    unsigned cl = sb_phone_cc_len(rest, rn);
    if (!cl || rn <= cl)
        return NULL;
    const char *nsn = rest + cl;
    size_t nl = rn - cl;
    char cc[4] = {0};
    memcpy(cc, rest, cl);
    const sb_phone_country *pl = sb_phone_country_find(cc);
    if (nl > cl && memcmp(nsn, rest, cl) == 0) {
        size_t after = nl - cl;
        if (rn > 15 || (pl && pl->national_len && (after == pl->national_len || after + 1 == pl->national_len)) ||
            (!pl && after >= 8)) {
            snprintf(why, wn, "country code %s twice after %s", cc, access);
            return why;
        }
    }
    if (nl > 2 && ((nsn[0] == '0' && nsn[1] == '0') || strncmp(nsn, "011", 3) == 0)) {
        snprintf(why, wn, "international prefix after %s%s", access, cc);
        return why;
    }
    if (pl && strcmp(pl->trunk, "0") == 0 && nsn[0] == '0') {
        snprintf(why, wn, "national 0 kept after %s%s", access, cc);
        return why;
    }
    if (rn > 15) {
        snprintf(why, wn, "%zu digits after %s (E.164 allows 15)", rn, access);
        return why;
    }
    return NULL;
}

static void prefix_dup(cdr_detector *d, const cdr_record *r)
{
    char why[64];
    if (!r->callee.n || !dup_pattern(d, r, why, sizeof why))
        return;
    dup_state *s = cdr_ktab_get_capped(&d->dups, why, strlen(why));
    if (!s)
        return;
    cdr_finding *f;
    if (s->finding) {
        f = &d->fs[s->finding - 1];
    } else {
        f = new_finding(d, CDR_FIND_PREFIX_DUP, "warning");
        if (!f)
            return;
        snprintf(f->key, sizeof f->key, "pattern=%s", why);
        s->finding = (int32_t)(f - d->fs) + 1;
    }
    cev e;
    cev_fill(&e, r);
    char cust[64];
    copy_str(cust, sizeof cust, r->customer.p, r->customer.n);
    f->count++;
    add_ev(d, f, &e, cust, NULL);
}

/* ---- tallies ----------------------------------------------------------------------------- */

static void tally_add(tally *t, const cdr_record *r, const cdr_thresholds *th)
{
    t->attempts++;
    if (cdr_record_answered(r)) {
        t->answered++;
        t->billsec += (uint64_t)(r->billsec_s > 0 ? r->billsec_s : 0);
        if (r->billsec_s <= (int64_t)th->short_call_s) {
            t->short_calls++;
            if (t->n_short_ev < KEEP_EV)
                cev_fill(&t->short_ev[t->n_short_ev++], r);
        }
    } else {
        t->failed++;
    }
    if (cdr_record_no_route(r)) {
        t->no_route++;
        if (t->n_ev < KEEP_EV)
            cev_fill(&t->ev[t->n_ev++], r);
    }
}

static cdr_str carrier_of(const cdr_record *r)
{
    return r->carrier.n ? r->carrier : CDR_STR("(no carrier)");
}

int cdr_detector_add(cdr_detector *d, const cdr_record *r)
{
    if (d->finished || !cdr_filter_match(&d->f, r))
        return 0;
    d->rows++;
    cdr_str carr = carrier_of(r);
    if (enabled(d, CDR_FIND_ZERO_REPEAT))
        zero_repeat(d, r);
    if (enabled(d, CDR_FIND_PREFIX_DUP))
        prefix_dup(d, r);
    if (enabled(d, CDR_FIND_ROUTING_GAP)) {
        char pfx[CDR_KTAB_KEY_MAX];
        size_t pn = cdr_record_prefix(r, d->t.prefix_digits, pfx, sizeof pfx);
        tally *t = pn ? cdr_ktab_get_capped(&d->prefixes, pfx, pn) : NULL;
        if (t)
            tally_add(t, r, &d->t);
    }
    if (enabled(d, CDR_FIND_SHORT_CALLS) || enabled(d, CDR_FIND_FAS)) {
        tally *t = cdr_ktab_get_capped(&d->carriers, carr.p, carr.n);
        if (t)
            tally_add(t, r, &d->t);
    }
    char ck[CDR_KTAB_KEY_MAX];
    copy_str(ck, sizeof ck, carr.p, carr.n);
    if (enabled(d, CDR_FIND_BURST_503) && is_503(r)) {
        burst_state *s = cdr_ktab_get_capped(&d->bursts, carr.p, carr.n);
        if (s)
            window_event(d, s, r, CDR_FIND_BURST_503, d->t.burst_min, 0,
                         (int64_t)d->t.burst_window_s * 1000, ck, ck);
    }
    if (enabled(d, CDR_FIND_HIGH_COST_BURST) && high_cost(d, r)) {
        cdr_str cu = r->customer.n ? r->customer : CDR_STR("(no customer)");
        char cub[CDR_KTAB_KEY_MAX];
        copy_str(cub, sizeof cub, cu.p, cu.n);
        burst_state *s = cdr_ktab_get_capped(&d->hcb, cu.p, cu.n);
        if (s)
            window_event(d, s, r, CDR_FIND_HIGH_COST_BURST, d->t.hc_min_calls, d->t.hc_min_distinct,
                         (int64_t)d->t.hc_window_s * 1000, cub, ck);
    }
    if (enabled(d, CDR_FIND_ROUND_DURATION) && cdr_record_answered(r) &&
        r->billsec_s >= (int64_t)d->t.round_min_s) {
        char key[CDR_KTAB_KEY_MAX];
        char num[24];
        int nn = snprintf(num, sizeof num, "%lld", (long long)r->billsec_s);
        size_t kl = join_key(key, sizeof key, carr, num, (size_t)nn);
        round_state *s = cdr_ktab_get_capped(&d->rounds, key, kl);
        if (s) {
            s->count++;
            if (s->n_ev < KEEP_EV)
                cev_fill(&s->ev[s->n_ev++], r);
        }
    }
    return 1;
}

int cdr_detector_sink_row(void *d, const cdr_record *r)
{
    cdr_detector_add(d, r);
    return 0;
}

/* ---- finish ------------------------------------------------------------------------------ */

static void finish_gaps(cdr_detector *d)
{
    for (uint32_t i = 0; i < d->prefixes.n; i++) {
        const tally *t = cdr_ktab_val(&d->prefixes, i);
        double share = t->attempts ? (double)t->no_route / (double)t->attempts : 0;
        if (t->attempts < d->t.gap_min_attempts || share < d->t.gap_min_share)
            continue;
        cdr_finding *f = new_finding(d, CDR_FIND_ROUTING_GAP, share >= 0.999 ? "critical" : "warning");
        if (!f)
            continue;
        size_t kl;
        const char *k = cdr_ktab_key(&d->prefixes, i, &kl);
        snprintf(f->key, sizeof f->key, "prefix=%.*s", (int)kl, k);
        f->count = t->no_route;
        f->metric = share;
        for (unsigned j = 0; j < t->n_ev; j++)
            add_ev(d, f, &t->ev[j], NULL, NULL);
        snprintf(f->summary, sizeof f->summary,
                 "Prefix %.*s: %llu of %llu attempts failed with no route (%.0f%%): a routing gap; "
                 "check the rate card / routing rules for this prefix.",
                 (int)kl, k, (unsigned long long)t->no_route, (unsigned long long)t->attempts, share * 100);
    }
}

static void finish_carriers(cdr_detector *d)
{
    for (uint32_t i = 0; i < d->carriers.n; i++) {
        const tally *t = cdr_ktab_val(&d->carriers, i);
        size_t kl;
        const char *k = cdr_ktab_key(&d->carriers, i, &kl);
        char carr[CDR_KTAB_KEY_MAX + 1];
        copy_str(carr, sizeof carr, k, kl);
        double asr = t->attempts ? 100.0 * (double)t->answered / (double)t->attempts : 0;
        double acd = t->answered ? (double)t->billsec / (double)t->answered : 0;
        double share = t->answered ? (double)t->short_calls / (double)t->answered : 0;
        if (enabled(d, CDR_FIND_SHORT_CALLS) && t->answered >= d->t.short_min_answered &&
            share >= d->t.short_share) {
            cdr_finding *f = new_finding(d, CDR_FIND_SHORT_CALLS, "warning");
            if (f) {
                snprintf(f->key, sizeof f->key, "carrier=%s", carr);
                f->count = t->short_calls;
                f->metric = share;
                for (unsigned j = 0; j < t->n_short_ev; j++)
                    add_ev(d, f, &t->short_ev[j], NULL, carr);
                snprintf(f->summary, sizeof f->summary,
                         "Carrier %s: %llu of %llu answered calls lasted <= %u s (%.0f%%).", carr,
                         (unsigned long long)t->short_calls, (unsigned long long)t->answered,
                         d->t.short_call_s, share * 100);
            }
        }
        if (enabled(d, CDR_FIND_FAS) && t->attempts >= d->t.fas_min_attempts && asr >= d->t.fas_min_asr &&
            acd <= d->t.fas_max_acd_s) {
            cdr_finding *f = new_finding(d, CDR_FIND_FAS, "critical");
            if (f) {
                snprintf(f->key, sizeof f->key, "carrier=%s", carr);
                f->count = t->answered;
                f->metric = asr;
                for (unsigned j = 0; j < t->n_short_ev; j++)
                    add_ev(d, f, &t->short_ev[j], NULL, carr);
                snprintf(f->summary, sizeof f->summary,
                         "Carrier %s: ASR %.1f%% with ACD %.1f s over %llu attempts: possible false answer "
                         "supervision (calls billed as answered that never connected).",
                         carr, asr, acd, (unsigned long long)t->attempts);
            }
        }
    }
}

static uint64_t carrier_answered(const cdr_detector *d, const char *carr, size_t n)
{
    const tally *t = cdr_ktab_find(&d->carriers, carr, n);
    return t ? t->answered : 0;
}

static void finish_rounds(cdr_detector *d)
{
    for (uint32_t i = 0; i < d->rounds.n; i++) {
        const round_state *s = cdr_ktab_val(&d->rounds, i);
        if (s->count < d->t.round_min_count)
            continue;
        size_t kl;
        const char *k = cdr_ktab_key(&d->rounds, i, &kl);
        char carr[CDR_KTAB_KEY_MAX], secs[CDR_KTAB_KEY_MAX];
        key_part(k, kl, carr, sizeof carr, 0);
        key_part(k, kl, secs, sizeof secs, 1);
        uint64_t ans = carrier_answered(d, carr, strlen(carr));
        double share = ans ? (double)s->count / (double)ans : 1.0;
        if (ans && share < d->t.round_min_share)
            continue;
        cdr_finding *f = new_finding(d, CDR_FIND_ROUND_DURATION, "warning");
        if (!f)
            continue;
        snprintf(f->key, sizeof f->key, "carrier=%.64s billsec=%.24s", carr, secs);
        f->count = s->count;
        f->metric = share;
        for (unsigned j = 0; j < s->n_ev; j++)
            add_ev(d, f, &s->ev[j], NULL, carr);
        snprintf(f->summary, sizeof f->summary,
                 "Carrier %s: %llu answered calls (%.0f%%) ended at exactly %s s: a session or trunk timer "
                 "is cutting calls.", carr, (unsigned long long)s->count, share * 100, secs);
    }
}

static void summaries(cdr_detector *d)
{
    char t1[40], t2[40];
    for (size_t i = 0; i < d->n_fs; i++) {
        cdr_finding *f = &d->fs[i];
        if (f->summary[0])
            continue;
        cdr_format_time(f->first_ms, t1, sizeof t1);
        cdr_format_time(f->last_ms, t2, sizeof t2);
        switch (f->kind) {
        case CDR_FIND_ZERO_REPEAT:
            snprintf(f->summary, sizeof f->summary,
                     "%llu zero-duration calls (%.90s) between %s and %s: redial storm, robocalling or a "
                     "failing route to this number.", (unsigned long long)f->count, f->key, t1, t2);
            break;
        case CDR_FIND_BURST_503:
            snprintf(f->summary, sizeof f->summary,
                     "%llu 503/congestion failures (%.90s) between %s and %s: the carrier or a gateway was "
                     "overloaded or had no route.", (unsigned long long)f->count, f->key, t1, t2);
            break;
        case CDR_FIND_HIGH_COST_BURST:
            snprintf(f->summary, sizeof f->summary,
                     "%llu calls to high-cost ranges (%.90s) between %s and %s: possible IRSF / toll fraud; "
                     "check the account.", (unsigned long long)f->count, f->key, t1, t2);
            break;
        case CDR_FIND_PREFIX_DUP:
            snprintf(f->summary, sizeof f->summary,
                     "%llu calls dialled with a doubled prefix (%.90s): fix the dial plan or number "
                     "translation.", (unsigned long long)f->count, f->key);
            break;
        default:
            break;
        }
    }
}

static int cmp_finding(const void *a, const void *b)
{
    const cdr_finding *x = a, *y = b;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    int sx = x->severity[0] == 'c' ? 0 : x->severity[0] == 'w' ? 1 : 2;
    int sy = y->severity[0] == 'c' ? 0 : y->severity[0] == 'w' ? 1 : 2;
    if (sx != sy)
        return sx - sy;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

const cdr_finding *cdr_detector_finish(cdr_detector *d, size_t *n)
{
    if (!d->finished) {
        d->finished = true;
        if (enabled(d, CDR_FIND_ROUTING_GAP))
            finish_gaps(d);
        finish_carriers(d);
        if (enabled(d, CDR_FIND_ROUND_DURATION))
            finish_rounds(d);
        summaries(d);
        if (d->n_fs)
            qsort(d->fs, d->n_fs, sizeof *d->fs, cmp_finding);
        d->truncated = d->zr.truncated || d->prefixes.truncated || d->carriers.truncated ||
                       d->bursts.truncated || d->hcb.truncated || d->rounds.truncated || d->dups.truncated;
    }
    *n = d->n_fs;
    return d->fs;
}

static json_t *evidence_json(const cdr_evidence *e)
{
    char t[40];
    json_t *o = json_object();
    if (e->start_ms) {
        cdr_format_time(e->start_ms, t, sizeof t);
        json_object_set_new(o, "start", json_string(t));
    }
    json_object_set_new(o, "duration_s", json_integer(e->duration_s));
    json_object_set_new(o, "billsec_s", json_integer(e->billsec_s));
    if (e->sip_code) json_object_set_new(o, "sip_code", json_integer(e->sip_code));
    if (e->q850) json_object_set_new(o, "q850", json_integer(e->q850));
    if (e->line) json_object_set_new(o, "line", json_integer((json_int_t)e->line));
    static const struct { const char *k; size_t off; } strs[] = {
        {"caller", offsetof(cdr_evidence, caller)}, {"callee", offsetof(cdr_evidence, callee)},
        {"customer", offsetof(cdr_evidence, customer)}, {"carrier", offsetof(cdr_evidence, carrier)},
        {"call_id", offsetof(cdr_evidence, call_id)}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const char *v = (const char *)e + strs[i].off;
        json_t *s = v[0] ? json_string(v) : NULL;
        if (s)
            json_object_set_new(o, strs[i].k, s);
    }
    return o;
}

json_t *cdr_detector_json(cdr_detector *d)
{
    size_t n;
    const cdr_finding *fs = cdr_detector_finish(d, &n);
    json_t *arr = json_array(), *counts = json_object(), *supp = json_object();
    unsigned per[CDR_FIND_COUNT_] = {0};
    char t[40];
    for (size_t i = 0; i < n; i++) {
        const cdr_finding *f = &fs[i];
        per[f->kind]++;
        json_t *ev = json_array();
        for (size_t j = 0; j < f->n_evidence; j++)
            json_array_append_new(ev, evidence_json(&f->evidence[j]));
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(cdr_finding_kind_name(f->kind)));
        json_object_set_new(o, "severity", json_string(f->severity));
        json_t *ks = json_string(f->key), *ss = json_string(f->summary);
        json_object_set_new(o, "key", ks ? ks : json_string("?"));
        json_object_set_new(o, "summary", ss ? ss : json_string("?"));
        json_object_set_new(o, "count", json_integer((json_int_t)f->count));
        json_object_set_new(o, "metric", json_real(round(f->metric * 1000.0) / 1000.0));
        if (f->first_ms) cdr_format_time(f->first_ms, t, sizeof t), json_object_set_new(o, "first", json_string(t));
        if (f->last_ms) cdr_format_time(f->last_ms, t, sizeof t), json_object_set_new(o, "last", json_string(t));
        json_object_set_new(o, "evidence", ev);
        json_array_append_new(arr, o);
    }
    for (int k = 0; k < CDR_FIND_COUNT_; k++) {
        if (enabled(d, (cdr_finding_kind)k))
            json_object_set_new(counts, kind_names[k], json_integer(per[k]));
        if (d->suppressed[k])
            json_object_set_new(supp, kind_names[k], json_integer((json_int_t)d->suppressed[k]));
    }
    json_t *th = json_pack("{sI sI sI sf sI sI sI sI sf sI sf sf sI sI sI sI sI sf}",
                           "zero_repeat_min", (json_int_t)d->t.zero_repeat_min,
                           "zero_repeat_window_s", (json_int_t)d->t.zero_repeat_window_s,
                           "gap_min_attempts", (json_int_t)d->t.gap_min_attempts, "gap_min_share", d->t.gap_min_share,
                           "burst_min", (json_int_t)d->t.burst_min, "burst_window_s", (json_int_t)d->t.burst_window_s,
                           "short_min_answered", (json_int_t)d->t.short_min_answered,
                           "short_call_s", (json_int_t)d->t.short_call_s, "short_share", d->t.short_share,
                           "fas_min_attempts", (json_int_t)d->t.fas_min_attempts, "fas_min_asr", d->t.fas_min_asr,
                           "fas_max_acd_s", d->t.fas_max_acd_s, "hc_min_calls", (json_int_t)d->t.hc_min_calls,
                           "hc_min_distinct", (json_int_t)d->t.hc_min_distinct, "hc_window_s", (json_int_t)d->t.hc_window_s,
                           "round_min_s", (json_int_t)d->t.round_min_s, "round_min_count", (json_int_t)d->t.round_min_count,
                           "round_min_share", d->t.round_min_share);
    json_t *hc = json_array();
    for (size_t i = 0; i < d->n_hc; i++)
        json_array_append_new(hc, json_string(d->hc[i]));
    json_object_set_new(th, "high_cost_prefixes", hc);
    json_t *o = json_object();
    json_object_set_new(o, "rows_seen", json_integer((json_int_t)d->rows));
    json_object_set_new(o, "findings", arr);
    json_object_set_new(o, "counts_by_kind", counts);
    json_object_set_new(o, "suppressed_by_kind", supp);
    json_object_set_new(o, "thresholds", th);
    json_object_set_new(o, "truncated", json_boolean(d->truncated));
    return o;
}
