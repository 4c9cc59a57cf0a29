/* The call generator of the ConnexCS simulator.
 * Base call i is a pure function of (seed, i): its time comes from a monotone map of i onto the
 * 30-day window (denser in business hours, thinner at weekends), everything else from a
 * splitmix64 stream keyed by i. Scripted calls (the diagnostic scenarios: a 503 no-route burst,
 * repeated zero-duration calls, a duplicated dial prefix, the SIP trace cases) are built once
 * and kept sorted. Call-IDs encode their position, so a Call-ID lookup is O(1). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxsim.h"

#define KEY_A 0x5bd1e995u
#define KEY_B 0x27d4eb2fu
#define SCRAMBLE 0x9e3779b1u /* odd: multiplication by it is a bijection mod 2^32 */

/* Call-IDs carry their position scrambled (invertible), so lookups are O(1). */
static uint32_t scramble(uint32_t pos, uint32_t key) { return (pos * SCRAMBLE) ^ key; }

static uint32_t unscramble(uint32_t v, uint32_t key)
{
    uint32_t inv = SCRAMBLE; /* Newton iteration for the inverse mod 2^32 */
    for (int k = 0; k < 5; k++)
        inv *= 2u - SCRAMBLE * inv;
    return (v ^ key) * inv;
}
#define NHOURS (CXS_DAYS * 24)
#define MAX_SCRIPT 128

struct cxs_world {
    cxs_options opt;
    int64_t start;
    double cum[NHOURS + 1];      /* cumulative traffic weight per hour of the window */
    cxs_cdr script[MAX_SCRIPT];  /* sorted by time */
    uint32_t nscript;
    int scenario[CXS_SC_COUNT];  /* index into script */
};

uint64_t cxs_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnext(rng *r) { return cxs_mix(r->s += 0x632be59bd9b4e019ull); }
static double runit(rng *r) { return (double)(rnext(r) >> 11) * (1.0 / 9007199254740992.0); }
static int rint_(rng *r, int lo, int hi) { return lo + (int)(rnext(r) % (uint64_t)(hi - lo + 1)); }

static const char *const SCENARIO_NAMES[CXS_SC_COUNT] = {
    "normal", "auth_407", "nat", "no_route_503", "no_route_580", "sip_488", "invite_retransmission",
    "pdd_over_5s", "anyedge", "rtcp_poor", "class5_ivr", "ai_agent", "transcribed", "trace_expired",
};

const char *cxs_scenario_name(cxs_scenario sc)
{
    return sc < CXS_SC_COUNT ? SCENARIO_NAMES[sc] : "?";
}

/* ---- time map ---- */

static const double HOUR_WEIGHT[24] = {2, 1.5, 1, 1, 1, 1.5, 3, 6, 10, 12, 12, 11,
                                       10, 11, 12, 12, 11, 9, 7, 6, 5, 4, 3, 2.5};

static double hour_weight(int64_t t)
{
    int64_t day = t / 86400;
    int dow = (int)((day + 4) % 7); /* 0 = Sunday */
    double w = HOUR_WEIGHT[(t % 86400) / 3600];
    return dow == 0 || dow == 6 ? w * 0.45 : w;
}

static int64_t base_time(const cxs_world *w, uint32_t i, int *ms)
{
    double c = ((double)i + 0.5) / (double)w->opt.cdr_count * w->cum[NHOURS];
    size_t lo = 0, hi = NHOURS;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (w->cum[mid] <= c)
            lo = mid;
        else
            hi = mid;
    }
    double wk = w->cum[lo + 1] - w->cum[lo];
    double off = (double)lo * 3600.0 + (wk > 0 ? (c - w->cum[lo]) / wk * 3600.0 : 0);
    double whole = floor(off);
    if (ms)
        *ms = (int)((off - whole) * 1000.0);
    return w->start + (int64_t)whole;
}

/* First base index whose time is >= t (or > t when strict). */
static uint32_t base_lower(const cxs_world *w, int64_t t, bool strict)
{
    uint32_t lo = 0, hi = w->opt.cdr_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t x = base_time(w, mid, NULL);
        if (strict ? x > t : x >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static uint32_t script_lower(const cxs_world *w, int64_t t, bool strict)
{
    uint32_t i = 0;
    while (i < w->nscript && (strict ? w->script[i].dt <= t : w->script[i].dt < t))
        i++;
    return i;
}

/* ---- record assembly ---- */

static const char *reason_for(int code)
{
    switch (code) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 480: return "Temporarily Unavailable";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 503: return "No Routes Available (Pre)";
    case 580: return "No Route Available";
    default: return "Unknown";
    }
}

static int billed(int dur, int mcd, int pulse)
{
    if (dur <= 0)
        return 0;
    if (pulse < 1)
        pulse = 1;
    int b = (dur + pulse - 1) / pulse * pulse;
    return b < mcd ? mcd : b;
}

static double round4(double v) { return round(v * 10000.0) / 10000.0; }

/* Small formatters for the hot path (snprintf dominated the cost of building a call). */
static char *put_str(char *p, char *end, const char *s)
{
    while (*s && p < end)
        *p++ = *s++;
    return p;
}

static char *put_hex(char *p, char *end, uint32_t v, int width)
{
    static const char H[] = "0123456789abcdef";
    for (int k = width - 1; k >= 0 && p < end; k--)
        *p++ = H[(v >> (4 * k)) & 15];
    return p;
}

static char *put_uint(char *p, char *end, unsigned v)
{
    char tmp[12];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < 12);
    while (n && p < end)
        *p++ = tmp[--n];
    return p;
}

#define PUT_BEGIN(buf) char *p_ = (buf), *e_ = (buf) + sizeof(buf) - 1
#define PUT_END(buf) (*p_ = '\0')

/* The Call-IDs of both legs and the internal callidb, all derived from the position. */
static void make_ids(cxs_cdr *c, uint64_t h)
{
    {
        PUT_BEGIN(c->callid);
        p_ = put_hex(p_, e_, scramble(c->pos, KEY_A), 8);
        p_ = put_str(p_, e_, "-");
        p_ = put_hex(p_, e_, (uint32_t)(h >> 32), 8);
        p_ = put_str(p_, e_, "-");
        p_ = put_hex(p_, e_, (uint32_t)(h & 0xffff), 4);
        p_ = put_str(p_, e_, "@");
        p_ = put_str(p_, e_, c->src_ip);
        PUT_END(c->callid);
    }
    {
        PUT_BEGIN(c->bleg_callid);
        p_ = put_hex(p_, e_, scramble(c->pos, KEY_B), 8);
        p_ = put_hex(p_, e_, (uint32_t)(h >> 16), 8);
        p_ = put_hex(p_, e_, (uint32_t)(h >> 40), 8);
        p_ = put_str(p_, e_, "@" CXS_SWITCH_IP);
        PUT_END(c->bleg_callid);
    }
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char tag[13];
    uint64_t x = cxs_mix(h ^ 0xc0ffee);
    for (int k = 0; k < 12; k++, x >>= 5)
        tag[k] = b64[x & 63];
    tag[12] = '\0';
    {
        PUT_BEGIN(c->callidb);
        p_ = put_str(p_, e_, "CNX");
        p_ = put_uint(p_, e_, 1000 + c->pos % 9000);
        p_ = put_str(p_, e_, "_");
        p_ = put_str(p_, e_, tag);
        p_ = put_str(p_, e_, "/");
        p_ = put_uint(p_, e_, (unsigned)(h % 97));
        PUT_END(c->callidb);
    }
}

/* Fills the derived fields (dest, rates, charges, Call-IDs) from the core ones. */
static void finish(const cxs_world *w, cxs_cdr *c, uint64_t h)
{
    const cxs_customer *cu = cxs_customer_by_id(c->customer_id);
    const cxs_card *card = cu ? cxs_card_by_id(cu->card_id) : NULL;
    cxs_rule rule;
    c->customer_card = card ? card->id : "";
    c->customer_currency = card ? card->currency : "USD";
    c->dest = -1;
    c->customer_rate = c->provider_rate = 0;
    c->billed_customer = c->billed_provider = 0;
    if (c->sip_code != 503 && c->sip_code != 580)
        c->dest = cxs_card_match(card, c->dest_number, &rule);
    if (c->dest >= 0) {
        c->customer_rate = rule.cost;
        c->billed_customer = billed(c->duration, rule.mcd, rule.pulse);
    }
    const cxs_provider *pv = cxs_provider_by_id(c->provider_id);
    size_t nd;
    const cxs_dest *dests = cxs_dests(&nd);
    if (pv && c->dest >= 0) {
        c->provider_card = pv->card_id;
        c->provider_currency = pv->currency;
        c->provider_rate = dests[c->dest].cost;
        c->billed_provider = billed(c->duration, 0, 6);
    } else {
        c->provider_id = pv ? c->provider_id : 0;
        c->provider_card = "";
        c->provider_currency = "USD";
    }
    c->customer_charge = round4(c->customer_rate * c->billed_customer / 60.0);
    c->provider_charge = round4(c->provider_rate * c->billed_provider / 60.0);
    c->src_ip = c->src_ip ? c->src_ip : (cu ? cu->src_ip : "192.0.2.1");
    c->user_agent = cu ? cu->user_agent : "unknown";
    if (!c->src_port)
        c->src_port = cu ? cu->src_port : 5060;
    make_ids(c, h);
    if (!c->source_dest_number[0]) {
        PUT_BEGIN(c->source_dest_number);
        p_ = put_str(p_, e_, cu ? cu->dial_prefix : "");
        p_ = put_str(p_, e_, c->dest_number);
        PUT_END(c->source_dest_number);
    }
    if (!c->dest_cli[0])
        memcpy(c->dest_cli, c->source_cli, sizeof c->dest_cli);
    (void)w;
}

static void release_for(cxs_cdr *c, rng *r)
{
    if (c->sip_code == 200) {
        double u = runit(r);
        c->release_reason = u < 0.55 ? "Upstream BYE" : u < 0.98 ? "Downstream BYE"
                                                                   : "MI Termination (no audio)";
    } else if (c->sip_code == 487) {
        c->release_reason = "Upstream CANCEL";
    } else if (c->sip_code == 503 || c->sip_code == 580) {
        c->release_reason = "Ingress Routing";
    } else {
        c->release_reason = "Downstream Reply";
    }
}

/* A random national number part for destination d, kept away from longer prefixes. */
static void make_number(rng *r, const cxs_dest *d, char *out, size_t cap)
{
    static const char *const next_digit[][2] = {
        {"44", "13"}, {"1", "3456789"}, {"49", "2467"}, {"33", "45"},
    };
    size_t n = strlen(d->code) < cap ? strlen(d->code) : cap - 1;
    memcpy(out, d->code, n);
    for (size_t k = 0; k < sizeof next_digit / sizeof next_digit[0]; k++)
        if (strcmp(d->code, next_digit[k][0]) == 0) {
            const char *set = next_digit[k][1];
            out[n++] = set[rnext(r) % strlen(set)];
            break;
        }
    while ((int)n < d->digits && n + 1 < cap)
        out[n++] = (char)('0' + rnext(r) % 10);
    out[n] = '\0';
}

static const cxs_customer *pick_customer(rng *r)
{
    size_t n;
    const cxs_customer *cs = cxs_customers(&n);
    double u = runit(r), acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += cs[i].weight;
        if (u < acc && cs[i].weight > 0)
            return &cs[i];
    }
    return &cs[0];
}

static int pick_dest(rng *r, const cxs_card *card)
{
    size_t n;
    const cxs_dest *d = cxs_dests(&n);
    double total = 0;
    for (size_t i = 0; i < n; i++)
        if ((card->dest_mask >> i) & 1u)
            total += d[i].weight;
    double u = runit(r) * total, acc = 0;
    int last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!((card->dest_mask >> i) & 1u) || d[i].weight <= 0)
            continue;
        acc += d[i].weight;
        last = (int)i;
        if (u < acc)
            return (int)i;
    }
    return last;
}

static int pick_outcome(rng *r)
{
    static const struct { double p; int code; } T[] = {
        {0.665, 200}, {0.09, 486}, {0.10, 487}, {0.07, 480}, {0.03, 408}, {0.035, 404},
        {0.01, 488},
    };
    double u = runit(r), acc = 0;
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        acc += T[i].p;
        if (u < acc)
            return T[i].code;
    }
    return 200;
}

static void build_base(const cxs_world *w, uint32_t i, cxs_cdr *c)
{
    memset(c, 0, sizeof *c);
    rng r = {cxs_mix(w->opt.seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15ull))};
    uint64_t h = rnext(&r);
    c->pos = i;
    c->dt = base_time(w, i, &c->ms);
    const cxs_customer *cu = pick_customer(&r);
    const cxs_card *card = cxs_card_by_id(cu->card_id);
    size_t nd;
    const cxs_dest *dests = cxs_dests(&nd);
    int d = pick_dest(&r, card);
    c->customer_id = cu->id;
    make_number(&r, &dests[d], c->dest_number, sizeof c->dest_number);
    {
        int k = rint_(&r, 0, 49);
        PUT_BEGIN(c->source_cli);
        p_ = put_str(p_, e_, cu->cli_prefix);
        p_ = put_uint(p_, e_, (unsigned)(k / 10));
        p_ = put_uint(p_, e_, (unsigned)(k % 10));
        PUT_END(c->source_cli);
    }
    c->sip_code = pick_outcome(&r);
    c->sip_reason = reason_for(c->sip_code);
    c->provider_id = dests[d].provider_id;
    if (runit(&r) < 0.04) {
        c->branch_idx = 1;
        c->provider_id = c->provider_id == 2001 ? 2002 : 2001;
    }
    c->pdd_in = rint_(&r, 700, 4500);
    c->pdd_out = c->pdd_in - rint_(&r, 40, 120);
    if (c->sip_code == 200) {
        double u = runit(&r);
        c->duration = u < 0.1 ? rint_(&r, 1, 9) : 3 + (int)(-log(1.0 - runit(&r)) * 95.0);
        if (c->duration > 3600)
            c->duration = 3600;
        c->ring_duration = rint_(&r, 2, 20);
        c->flags |= runit(&r) < 0.7 ? CXS_F_RTCP : 0;
        if (cu->id == 1002 && h % 10 == 0)
            c->flags |= CXS_F_CLASS5;
        if (cu->id == 1004 && h % 40 == 1)
            c->flags |= CXS_F_AI | CXS_F_TRANSCRIBE;
    } else if (c->sip_code == 487 || c->sip_code == 480) {
        c->ring_duration = rint_(&r, 3, 35);
        c->flags |= c->sip_code == 487 ? CXS_F_CANCEL : 0;
    } else if (c->sip_code == 488) {
        c->flags |= CXS_F_CODEC;
    }
    c->flags |= runit(&r) < 0.6 ? CXS_F_180 : 0;
    release_for(c, &r);
    finish(w, c, h);
}

/* ---- scripted calls ---- */

typedef struct script_def {
    int sc;              /* scenario or -1 */
    int64_t ago;         /* seconds before now */
    int customer;
    const char *number;
    int code;
    int duration;
    unsigned flags;
    int pdd_ms;
} script_def;

static const script_def SCRIPT[] = {
    {CXS_SC_NORMAL, 26 * 3600, 1001, "442079460123", 200, 95, CXS_F_180 | CXS_F_RTCP, 2100},
    {CXS_SC_AUTH407, 30 * 3600, 1002, "12125550199", 200, 42, CXS_F_AUTH | CXS_F_180 | CXS_F_RTCP, 1800},
    {CXS_SC_NAT, 40 * 3600, 1003, "49301234567", 200, 180, CXS_F_NAT | CXS_F_RTCP, 2600},
    {CXS_SC_NOROUTE580, 44 * 3600, 1002, "442079460999", 580, 0, 0, 0},
    {CXS_SC_488, 50 * 3600, 1001, "33142685300", 488, 0, CXS_F_CODEC, 900},
    {CXS_SC_RETRANS, 55 * 3600, 1005, "447700900456", 200, 60, CXS_F_RETRANS | CXS_F_180 | CXS_F_RTCP, 2300},
    {CXS_SC_SLOW_PDD, 60 * 3600, 1004, "919812345678", 200, 120, CXS_F_RTCP, 6200},
    {CXS_SC_ANYEDGE, 70 * 3600, 1001, "61291234567", 200, 33, CXS_F_ANYEDGE | CXS_F_180 | CXS_F_RTCP, 1500},
    {CXS_SC_RTCP_BAD, 75 * 3600, 1003, "447911123456", 200, 240, CXS_F_RTCP | CXS_F_RTCP_BAD | CXS_F_180, 2000},
    {CXS_SC_CLASS5, 80 * 3600, 1002, "18005550100", 200, 75, CXS_F_CLASS5 | CXS_F_180 | CXS_F_RTCP, 1200},
    {CXS_SC_AI, 90 * 3600, 1001, "442035550111", 200, 130, CXS_F_AI | CXS_F_TRANSCRIBE | CXS_F_RTCP, 1400},
    {CXS_SC_TRANSCRIBED, 100 * 3600, 1005, "49891234567", 200, 58, CXS_F_TRANSCRIBE | CXS_F_180 | CXS_F_RTCP, 1700},
    {CXS_SC_TRACE_EXPIRED, 9 * 86400, 1001, "442079460555", 200, 50, CXS_F_180 | CXS_F_RTCP, 1900},
};


int64_t cxs_burst_start(const cxs_world *w)
{
    int64_t t = w->opt.now - 3 * 86400;
    return t - t % 300 - 7200;
}

int64_t cxs_zero_start(const cxs_world *w)
{
    int64_t t = w->opt.now - 2 * 86400 - 5 * 3600;
    return t - t % 60;
}

int64_t cxs_dup_start(const cxs_world *w)
{
    int64_t t = w->opt.now - 4 * 86400 - 3 * 3600;
    return t - t % 60;
}

static cxs_cdr *script_add(cxs_world *w, int sc, int64_t t, int customer, const char *number,
                           int code, int duration, unsigned flags, int pdd_ms)
{
    if (w->nscript >= MAX_SCRIPT)
        return NULL;
    cxs_cdr *c = &w->script[w->nscript++];
    memset(c, 0, sizeof *c);
    c->pos = (uint32_t)sc; /* scenario tag until sorting; -1 = none */
    c->dt = t;
    c->ms = (int)(cxs_mix((uint64_t)t) % 1000);
    c->customer_id = customer;
    snprintf(c->dest_number, sizeof c->dest_number, "%s", number);
    c->sip_code = code;
    c->sip_reason = reason_for(code);
    c->duration = duration;
    c->flags = flags;
    c->pdd_in = pdd_ms;
    c->pdd_out = pdd_ms > 100 ? pdd_ms - 80 : 0;
    c->ring_duration = code == 200 ? 3 + (int)(t % 9) : 0;
    return c;
}

static int cmp_script(const void *a, const void *b)
{
    const cxs_cdr *x = a, *y = b;
    if (x->dt != y->dt)
        return x->dt < y->dt ? -1 : 1;
    return (x->ms > y->ms) - (x->ms < y->ms);
}

static void build_scripts(cxs_world *w)
{
    int64_t now = w->opt.now;
    for (size_t i = 0; i < sizeof SCRIPT / sizeof SCRIPT[0]; i++) {
        const script_def *s = &SCRIPT[i];
        script_add(w, s->sc, now - s->ago, s->customer, s->number, s->code, s->duration,
                   s->flags, s->pdd_ms);
    }
    rng r = {cxs_mix(w->opt.seed ^ 0xb0b5)};
    int64_t t0 = cxs_burst_start(w);
    for (int k = 0; k < CXS_BURST_CALLS; k++) {
        char num[32];
        snprintf(num, sizeof num, CXS_BURST_PREFIX "%08d", rint_(&r, 30000000, 99999999));
        script_add(w, k == 0 ? CXS_SC_NOROUTE503 : -1, t0 + k * CXS_BURST_STEP,
                   k % 2 ? 1003 : 1001, num, 503, 0, 0, 0);
    }
    t0 = cxs_zero_start(w);
    for (int k = 0; k < CXS_ZERO_CALLS; k++)
        script_add(w, -1, t0 + k * CXS_ZERO_STEP, CXS_ZERO_CUSTOMER, CXS_ZERO_NUMBER, k == 2 || k == 6 ? 487 : 480, 0,
                   k == 2 || k == 6 ? CXS_F_CANCEL | CXS_F_180 : CXS_F_180, 1900 + 37 * k);
    t0 = cxs_dup_start(w);
    for (int k = 0; k < CXS_DUP_CALLS; k++) {
        char num[32];
        snprintf(num, sizeof num, "4444207946098%d", k);
        script_add(w, -1, t0 + k * 600, CXS_DUP_CUSTOMER, num, 404, 0, 0, 1100);
    }
    qsort(w->script, w->nscript, sizeof w->script[0], cmp_script);
    for (int sc = 0; sc < CXS_SC_COUNT; sc++)
        w->scenario[sc] = -1;
    for (uint32_t j = 0; j < w->nscript; j++) {
        cxs_cdr *c = &w->script[j];
        int sc = (int)c->pos;
        if (sc >= 0 && sc < CXS_SC_COUNT)
            w->scenario[sc] = (int)j;
        c->pos = CXS_SCRIPT_BASE + j;
        rng cr = {cxs_mix(w->opt.seed ^ (0xabcdull + j))};
        uint64_t h = rnext(&cr);
        const cxs_customer *cu = cxs_customer_by_id(c->customer_id);
        snprintf(c->source_cli, sizeof c->source_cli, "%s%02d", cu->cli_prefix,
                 rint_(&cr, 0, 49));
        size_t nd;
        const cxs_dest *dests = cxs_dests(&nd);
        cxs_rule rule;
        int d = cxs_card_match(cxs_card_by_id(cu->card_id), c->dest_number, &rule);
        c->provider_id = (c->sip_code == 503 || c->sip_code == 580 || d < 0)
                             ? 0 : dests[d].provider_id;
        if (c->flags & CXS_F_NAT)
            c->src_port = 34567;
        if (c->flags & CXS_F_ANYEDGE)
            c->src_ip = "198.51.100.30";
        release_for(c, &cr);
        finish(w, c, h);
    }
}

/* ---- public API ---- */

cxs_world *cxs_world_new(const cxs_options *opt, char *err, size_t errlen)
{
    if (opt->cdr_count < 1 || opt->cdr_count > CXS_MAX_CDR_COUNT) {
        snprintf(err, errlen, "cdr count must be 1..%u", CXS_MAX_CDR_COUNT);
        return NULL;
    }
    if (opt->now < 40 * 86400) {
        snprintf(err, errlen, "now is too early");
        return NULL;
    }
    cxs_world *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->opt = *opt;
    w->start = opt->now - (int64_t)CXS_DAYS * 86400;
    w->cum[0] = 0;
    for (int k = 0; k < NHOURS; k++)
        w->cum[k + 1] = w->cum[k] + hour_weight(w->start + (int64_t)k * 3600 + 1800);
    build_scripts(w);
    return w;
}

void cxs_world_free(cxs_world *w) { free(w); }
int64_t cxs_world_now(const cxs_world *w) { return w->opt.now; }
int64_t cxs_world_start(const cxs_world *w) { return w->start; }
uint32_t cxs_world_base_count(const cxs_world *w) { return w->opt.cdr_count; }
uint32_t cxs_world_script_count(const cxs_world *w) { return w->nscript; }
uint32_t cxs_world_total(const cxs_world *w) { return w->opt.cdr_count + w->nscript; }

int cxs_cdr_get(const cxs_world *w, uint32_t pos, cxs_cdr *out)
{
    if (pos >= CXS_SCRIPT_BASE) {
        if (pos - CXS_SCRIPT_BASE >= w->nscript)
            return -1;
        *out = w->script[pos - CXS_SCRIPT_BASE];
        return 0;
    }
    if (pos >= w->opt.cdr_count)
        return -1;
    build_base(w, pos, out);
    return 0;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

int cxs_cdr_find(const cxs_world *w, const char *callid, cxs_cdr *out)
{
    if (!callid || strlen(callid) < 10)
        return -1;
    uint32_t v = 0;
    for (int k = 0; k < 8; k++) {
        int x = hexval(callid[k]);
        if (x < 0)
            return -1;
        v = v << 4 | (uint32_t)x;
    }
    bool aleg = callid[8] == '-';
    uint32_t pos = unscramble(v, aleg ? KEY_A : KEY_B);
    if (cxs_cdr_get(w, pos, out) != 0)
        return -1;
    return strcmp(aleg ? out->callid : out->bleg_callid, callid) == 0 ? 0 : -1;
}

int cxs_cdr_scenario(const cxs_world *w, cxs_scenario sc, cxs_cdr *out)
{
    if (sc >= CXS_SC_COUNT || w->scenario[sc] < 0)
        return -1;
    *out = w->script[w->scenario[sc]];
    return 0;
}

void cxs_iter_init(cxs_iter *it, const cxs_world *w, int64_t t_lo, int64_t t_hi, bool desc)
{
    it->w = w;
    it->desc = desc;
    if (t_hi < t_lo) {
        it->b_lo = it->b_hi = it->s_lo = it->s_hi = 0;
        return;
    }
    it->b_lo = base_lower(w, t_lo, false);
    it->b_hi = base_lower(w, t_hi, true);
    it->s_lo = script_lower(w, t_lo, false);
    it->s_hi = script_lower(w, t_hi, true);
}

bool cxs_iter_next(cxs_iter *it, uint32_t *pos)
{
    const cxs_world *w = it->w;
    bool hb = it->b_lo < it->b_hi, hs = it->s_lo < it->s_hi;
    if (!hb && !hs)
        return false;
    if (!it->desc) {
        bool take_s = hs && (!hb || w->script[it->s_lo].dt < base_time(w, it->b_lo, NULL));
        *pos = take_s ? CXS_SCRIPT_BASE + it->s_lo++ : it->b_lo++;
    } else {
        bool take_s =
            hs && (!hb || w->script[it->s_hi - 1].dt >= base_time(w, it->b_hi - 1, NULL));
        *pos = take_s ? CXS_SCRIPT_BASE + --it->s_hi : --it->b_hi;
    }
    return true;
}
