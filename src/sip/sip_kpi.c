/* The report once every call is concluded: calls in order of their first message, B2BUA legs
 * correlated (X-CID/X-Call-ID header, else dialled number and time), outcome counts, KPIs
 * (ASR, NER, SER, SEER) and timing summaries (median, p95); lookups, names and the Q.850
 * tables. */
#include "sip/sip.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip_int.h"

void sip_call_free_fields(sip_call *c);

#define TIMINGS 5 /* pdd, setup, ring, talk, disconnect */

typedef struct order {
    int64_t start;
    uint64_t frame;
    size_t i;
} order;

static int by_first(const void *a, const void *b)
{
    const order *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* Calls in order of their first message: an index sort, then one permutation (the structs are
 * large; release order is by last activity). */
static void sort_calls(sip_report *r)
{
    size_t n = r->n_calls;
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = by_first(&(order){r->calls[i - 1].start_us, r->calls[i - 1].first_frame, 0},
                          &(order){r->calls[i].start_us, r->calls[i].first_frame, 0}) <= 0;
    if (sorted)
        return;
    order *o = malloc(n * sizeof *o);
    if (!o)
        return;
    for (size_t i = 0; i < n; i++)
        o[i] = (order){r->calls[i].start_us, r->calls[i].first_frame, i};
    qsort(o, n, sizeof *o, by_first);
    /* apply the permutation in place, cycle by cycle (position k takes the call at o[k].i) */
    for (size_t k = 0; k < n; k++) {
        if (o[k].i == k || o[k].i == (size_t)-1)
            continue;
        sip_call tmp = r->calls[k];
        size_t j = k;
        while (o[j].i != k) {
            size_t from = o[j].i;
            r->calls[j] = r->calls[from];
            o[j].i = (size_t)-1;
            j = from;
        }
        r->calls[j] = tmp;
        o[j].i = (size_t)-1;
    }
    free(o);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Moves the values of v[lo..hi) below p (or equal to it too) to the front without branching
 * on them (comparisons of timings are unpredictable); returns where the others start. */
static size_t split_below(double *v, size_t lo, size_t hi, double p, bool or_equal)
{
    size_t i = lo;
    for (size_t j = lo; j < hi; j++) {
        double x = v[j];
        bool below = or_equal ? x <= p : x < p;
        v[j] = v[i];
        v[i] = x;
        i += below;
    }
    return i;
}

static double med3(double a, double b, double c)
{
    return a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
}

/* k-th smallest of v[0..n), n > 0 (quickselect: v is reordered so that v[0..k) holds the k
 * smallest). Each round splits the range three ways around a median-of-3 pivot (below,
 * equal, above: many equal timings cost one round); after 64 rounds the rest is sorted. */
static double kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    for (unsigned round = 0; hi - lo > 1; round++) {
        if (round == 64) {
            qsort(v + lo, hi - lo, sizeof *v, cmp_double);
            return v[k];
        }
        double p = med3(v[lo], v[lo + (hi - lo) / 2], v[hi - 1]);
        size_t lt = split_below(v, lo, hi, p, false);
        if (k < lt) {
            hi = lt;
            continue;
        }
        size_t le = split_below(v, lt, hi, p, true);
        if (k < le)
            return p;
        lo = le;
    }
    return v[k];
}

static double largest(const double *v, size_t n)
{
    double m = v[0];
    for (size_t i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

/* Median, p95 and maximum of v[0..n), n > 0 (v is reordered). */
static void summary_of(double *v, size_t n, sip_stats_summary *s)
{
    /* one selection splits v at n/2 (v[0..h) the h smallest, v[h..n) the rest): the value below
     * the median is the lower part's largest, the 95th percentile (at or above h) is selected
     * in the upper part only, the maximum is the upper part's largest */
    s->n = n;
    size_t h = n / 2;
    double hi = kth(v, n, h);
    s->median = n % 2 ? hi : (largest(v, h) + hi) / 2;
    size_t k = (size_t)ceil(0.95 * (double)n);
    k = (k ? k : 1) - 1;
    s->p95 = kth(v + h, n - h, k - h);
    s->max = largest(v + h, n - h);
}

/* The timing summaries of the INVITE calls (negative timings are absent), the values of all
 * of them gathered in one pass over the calls (the array is large: one pass, not one each). */
static void summarise(const sip_report *r, const size_t off[TIMINGS],
                      sip_stats_summary *out[TIMINGS])
{
    size_t cap = r->n_calls ? r->n_calls : 1, n[TIMINGS] = {0};
    for (int k = 0; k < TIMINGS; k++)
        memset(out[k], 0, sizeof *out[k]);
    double *v = cap <= SIZE_MAX / sizeof *v / TIMINGS ? malloc(TIMINGS * cap * sizeof *v) : NULL;
    if (!v)
        return;
    for (size_t i = 0; i < r->n_calls; i++) {
        if (r->calls[i].kind != SIP_KIND_CALL)
            continue;
        const char *t = (const char *)&r->calls[i].t;
        for (int k = 0; k < TIMINGS; k++) {
            double x = *(const double *)(t + off[k]);
            if (x >= 0)
                v[(size_t)k * cap + n[k]++] = x;
        }
    }
    for (int k = 0; k < TIMINGS; k++)
        if (n[k])
            summary_of(v + (size_t)k * cap, n[k], out[k]);
    free(v);
}

static const sip_call *find_by_id(const sip_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_calls; i++)
        if (strcmp(r->calls[i].call_id, id) == 0)
            return &r->calls[i];
    return NULL;
}

static bool suffix_match(const char *a, const char *b)
{
    if (!a || !b || !*a || !*b)
        return false;
    size_t na = strlen(a), nb = strlen(b);
    if (na > nb)
        return strcmp(a + na - nb, b) == 0 && nb >= 6;
    if (nb > na)
        return strcmp(b + nb - na, a) == 0 && na >= 6;
    return strcmp(a, b) == 0;
}

static void correlate_legs(sip_report *r, double window_s)
{
    int next = 0;
    /* X-CID style headers: the leg names the Call-ID of the other leg */
    for (size_t i = 0; i < r->n_calls; i++) {
        sip_call *c = &r->calls[i];
        if (!c->xcid || c->kind != SIP_KIND_CALL)
            continue;
        sip_call *o = (sip_call *)find_by_id(r, c->xcid);
        if (!o || o == c)
            continue;
        if (o->leg_group < 0)
            o->leg_group = next++;
        c->leg_group = o->leg_group;
    }
    r->n_leg_groups = (unsigned)next;
    if (window_s < 0)
        return;
    /* dialled number and time: leg B leaves the host leg A went to, shortly after, to the same
     * number (calls are sorted by start time, so the window scan is short) */
    int64_t w = (int64_t)(window_s * 1e6);
    /* start time and a 32-bit key per caller endpoint, side by side in a small array: most
     * candidates share the caller and are skipped on it without touching the large sip_call;
     * a run of calls from one caller (a trunk: every call) is skipped in one step through
     * other, the index of the next call from another caller */
    struct win {
        int64_t start;
        uint32_t ck;
        uint32_t other;
    } *k = malloc((r->n_calls ? r->n_calls : 1) * sizeof *k);
    if (!k || r->n_calls > UINT32_MAX) {
        free(k);
        return;
    }
    for (size_t i = 0; i < r->n_calls; i++)
        k[i] = (struct win){r->calls[i].start_us,
                            (uint32_t)sip_hash(&r->calls[i].caller, sizeof r->calls[i].caller), 0};
    for (size_t i = r->n_calls; i-- > 0;)
        k[i].other = i + 1 == r->n_calls          ? (uint32_t)r->n_calls
                     : k[i + 1].ck != k[i].ck ? (uint32_t)(i + 1)
                                              : k[i + 1].other;
    for (size_t i = 0; i < r->n_calls; i++) {
        sip_call *a = &r->calls[i];
        if (a->kind != SIP_KIND_CALL || a->xcid || a->leg_group >= 0)
            continue;
        /* the nearest 64 later calls: a B2BUA forwards at once, and a trunk with thousands of
         * calls in the window must not make this quadratic */
        size_t end = i + 65 < r->n_calls ? i + 65 : r->n_calls;
        const int64_t s0 = k[i].start; /* locals: the loop also stores through sip_call */
        const uint32_t c0 = k[i].ck;
        /* starts are sorted: jumping over a run never passes a start the loop would stop at */
        for (size_t j = i + 1; j < end && k[j].start - s0 <= w; j++) {
            if (k[j].ck == c0) { /* same caller endpoint (a 32-bit key; a collision only misses a leg) */
                j = k[j].other - 1;
                continue;
            }
            sip_call *b = &r->calls[j];
            /* one leg leaves the host the other went to (either may be captured first) */
            bool chained = sip_addr_same_host(&b->caller, &a->callee) ||
                           sip_addr_same_host(&a->caller, &b->callee);
            if (b->kind != SIP_KIND_CALL || b->xcid || b->leg_group >= 0 || !chained ||
                sip_addr_equal(&b->caller, &a->caller) || !suffix_match(a->to_user, b->to_user))
                continue;
            if (a->leg_group < 0)
                a->leg_group = next++;
            b->leg_group = a->leg_group;
            break;
        }
    }
    free(k);
    r->n_leg_groups = (unsigned)next;
}

static size_t bucket(double ms)
{
    double b = log1p(ms) / log(1.01);
    return b >= KPI_BUCKETS - 1 ? KPI_BUCKETS - 1 : (size_t)b;
}

void sip_kpi_hist(sip_kpi_acc *a, const sip_call *c)
{
    if (c->kind != SIP_KIND_CALL)
        return;
    const double t[5] = {c->t.pdd_ms, c->t.setup_ms, c->t.ring_ms, c->t.talk_ms, c->t.disconnect_ms};
    for (int k = 0; k < 5; k++)
        if (t[k] >= 0) {
            a->hist[k][bucket(t[k])]++;
            a->hist_n[k]++;
            if (t[k] > a->hist_max[k])
                a->hist_max[k] = t[k];
        }
}

void sip_kpi_count(sip_kpi_acc *a, const sip_call *c)
{
    switch (c->kind) {
    case SIP_KIND_CALL: a->n_invite++; break;
    case SIP_KIND_REGISTER: a->n_register++; return;
    case SIP_KIND_OPTIONS: a->n_options++; return;
    default: a->n_other++; return;
    }
    a->by_outcome[c->outcome]++;
    if (a->hist_on)
        sip_kpi_hist(a, c);
    if (c->outcome == SIP_OUT_INCOMPLETE)
        return;
    a->seizures++;
    int s = c->final_code;
    bool ans = c->outcome == SIP_OUT_ANSWERED;
    a->answered += ans;
    if (ans || c->outcome == SIP_OUT_CANCELLED || s == 486 || s == 600 || s == 480 || s == 603 ||
        s == 403)
        a->ner_ok++;
    if (!(s >= 300 && s < 400))
        a->no3xx++;
    if (ans || s == 480 || s == 486 || s == 600 || s == 603)
        a->seer++;
}

/* Percentile from the histogram (used when summaries were dropped): the bucket's midpoint. */
static double hist_q(const sip_kpi_acc *a, int k, double q)
{
    size_t want = (size_t)ceil(q * (double)a->hist_n[k]), seen = 0;
    if (!want)
        want = 1;
    for (size_t b = 0; b < KPI_BUCKETS; b++) {
        seen += a->hist[k][b];
        if (seen >= want)
            return (exp((double)b * log(1.01)) + exp((double)(b + 1) * log(1.01))) / 2 - 1;
    }
    return a->hist_max[k];
}

void sip_report_finalize(sip_report *r, double leg_window_s, const sip_kpi_acc *a)
{
    if (r->n_calls > 1)
        sort_calls(r);
    for (size_t i = 0; i < r->n_calls; i++)
        for (size_t k = 0; k < r->calls[i].n_msgs_kept; k++)
            r->calls[i].msgs[k].call_id = r->calls[i].call_id;
    correlate_legs(r, leg_window_s);
    r->n_invite_calls = a->n_invite;
    r->n_register = a->n_register;
    r->n_options = a->n_options;
    r->n_other = a->n_other;
    memcpy(r->by_outcome, a->by_outcome, sizeof r->by_outcome);
    r->asr = a->seizures ? 100.0 * (double)a->answered / (double)a->seizures : -1;
    r->ner = a->seizures ? 100.0 * (double)a->ner_ok / (double)a->seizures : -1;
    r->ser = a->no3xx ? 100.0 * (double)a->answered / (double)a->no3xx : -1;
    r->seer = a->no3xx ? 100.0 * (double)a->seer / (double)a->no3xx : -1;
    sip_stats_summary *out[TIMINGS] = {&r->pdd, &r->setup, &r->ring, &r->talk, &r->disconnect};
    static const size_t off[TIMINGS] = {
        offsetof(sip_timings, pdd_ms),  offsetof(sip_timings, setup_ms),
        offsetof(sip_timings, ring_ms), offsetof(sip_timings, talk_ms),
        offsetof(sip_timings, disconnect_ms)};
    if (!r->n_calls_dropped) { /* every call is here: exact percentiles */
        summarise(r, off, out);
        return;
    }
    for (int k = 0; k < TIMINGS; k++) {
        out[k]->n = a->hist_n[k];
        out[k]->median = a->hist_n[k] ? hist_q(a, k, 0.5) : 0;
        out[k]->p95 = a->hist_n[k] ? hist_q(a, k, 0.95) : 0;
        out[k]->max = a->hist_max[k];
    }
}

void sip_report_free(sip_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_calls; i++)
        sip_call_free_fields(&r->calls[i]);
    sip_calls_free(r->calls);
    free(r);
}

const sip_call *sip_report_find_call(const sip_report *r, const char *call_id)
{
    return r && call_id ? find_by_id(r, call_id) : NULL;
}

size_t sip_report_legs(const sip_report *r, size_t i, size_t *out, size_t max)
{
    if (!r || i >= r->n_calls || !max)
        return 0;
    int g = r->calls[i].leg_group;
    if (g < 0) {
        out[0] = i;
        return 1;
    }
    size_t n = 0;
    for (size_t k = 0; k < r->n_calls && n < max; k++)
        if (r->calls[k].leg_group == g)
            out[n++] = k;
    return n;
}

const char *sip_outcome_name(sip_outcome o)
{
    static const char *const n[] = {"answered", "failed", "cancelled", "timeout", "no_response", "incomplete"};
    return (unsigned)o <= SIP_OUT_INCOMPLETE ? n[o] : "unknown";
}

const char *sip_kind_name(sip_kind k)
{
    static const char *const n[] = {"call", "register", "options", "other"};
    return (unsigned)k <= SIP_KIND_OTHER ? n[k] : "other";
}

const char *sip_severity_name(sip_severity s)
{
    static const char *const n[] = {"info", "warning", "error"};
    return (unsigned)s <= SIP_SEV_ERROR ? n[s] : "info";
}

const char *sip_transport_name(sip_transport t)
{
    static const char *const n[] = {"unknown", "udp", "tcp", "tls", "sctp", "ws"};
    return (unsigned)t <= SIP_TP_WS ? n[t] : "unknown";
}

/* RFC 3398 §8.2.6.1 as reproduced in vendor manuals (sip-cdr.md §2.3). */
static const struct {
    short sip, q850;
} sip_to_q850[] = {
    {400, 41}, {401, 21}, {402, 21}, {403, 21}, {404, 1}, {405, 63}, {406, 79}, {407, 21},
    {408, 102}, {410, 22}, {413, 127}, {414, 127}, {415, 79}, {416, 127}, {420, 127},
    {421, 127}, {423, 127}, {480, 18}, {481, 41}, {482, 25}, {483, 25}, {484, 28}, {485, 1},
    {486, 17}, {500, 41}, {501, 79}, {502, 38}, {503, 41}, {504, 102}, {505, 127}, {513, 127},
    {600, 17}, {603, 21}, {604, 1},
};

int sip_q850_from_status(int status)
{
    for (size_t i = 0; i < sizeof sip_to_q850 / sizeof sip_to_q850[0]; i++)
        if (sip_to_q850[i].sip == status)
            return sip_to_q850[i].q850;
    return 0;
}

/* A switch: the compiler makes it a jump table (every call's verdict looks its cause up). */
const char *sip_q850_name(int cause)
{
    switch (cause) {
    case 1: return "UNALLOCATED_NUMBER";
    case 2: return "NO_ROUTE_TRANSIT_NET";
    case 3: return "NO_ROUTE_DESTINATION";
    case 16: return "NORMAL_CLEARING";
    case 17: return "USER_BUSY";
    case 18: return "NO_USER_RESPONSE";
    case 19: return "NO_ANSWER";
    case 20: return "SUBSCRIBER_ABSENT";
    case 21: return "CALL_REJECTED";
    case 22: return "NUMBER_CHANGED";
    case 25: return "EXCHANGE_ROUTING_ERROR";
    case 27: return "DESTINATION_OUT_OF_ORDER";
    case 28: return "INVALID_NUMBER_FORMAT";
    case 31: return "NORMAL_UNSPECIFIED";
    case 34: return "NORMAL_CIRCUIT_CONGESTION";
    case 38: return "NETWORK_OUT_OF_ORDER";
    case 41: return "NORMAL_TEMPORARY_FAILURE";
    case 42: return "SWITCH_CONGESTION";
    case 47: return "RESOURCE_UNAVAILABLE";
    case 58: return "BEARERCAPABILITY_NOTAVAIL";
    case 63: return "SERVICE_UNAVAILABLE";
    case 65: return "BEARERCAPABILITY_NOTIMPL";
    case 79: return "SERVICE_NOT_IMPLEMENTED";
    case 88: return "INCOMPATIBLE_DESTINATION";
    case 102: return "RECOVERY_ON_TIMER_EXPIRE";
    case 111: return "PROTOCOL_ERROR";
    case 127: return "INTERWORKING";
    default: return NULL;
    }
}
