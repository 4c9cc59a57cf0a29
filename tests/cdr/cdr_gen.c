/* cdr_gen: writes a large synthetic CDR CSV (generic dialect, with a header) for tests and
 * the benchmark, optionally with planted anomalies whose detection the tests assert.
 *
 *   cdr_gen --rows N [--seed S] [--days D] [--plant] [--start YYYY-MM-DD] > file.csv
 *
 * Normal traffic: 200 customers, 5 carriers, callees in six countries, ~65% answered,
 * failures spread over 486/480/487/404/503, talk times 10..1800 s, PDD 0.8..4 s. Planted
 * (--plant, all on the first day, each on its own customer/carrier/prefix):
 *   zero_repeat      customer C-ZR calls +447700900123 6 times in 5 minutes, billsec 0
 *   routing_gap      30 calls to +2125... all 503 "No Route Available"
 *   prefix_dup       12 calls dialled 0044442079460xxx (country code twice after 00)
 *   burst_503        carrier CARR-BURST: 25 503 failures within 40 s
 *   fas              carrier CARR-FAS: 60 calls, 57 answered with 1..4 s talk
 *   high_cost_burst  customer C-IRSF: 15 calls to +88216xxxxxxx within 20 minutes
 *   round_duration   carrier CARR-TIMER: 40 answered calls, 20 of them end at exactly 3600 s
 * The planted rows are written first, then the normal rows (times ascending within each). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static unsigned rn(unsigned n)
{
    return (unsigned)((rnd() >> 32) % n);
}

/* Output buffer with a hand-rolled formatter (printf per field would dominate). */
static char obuf[1 << 20];
static size_t olen;

static void flush_out(void)
{
    fwrite(obuf, 1, olen, stdout);
    olen = 0;
}

static void put(const char *s, size_t n)
{
    if (olen + n > sizeof obuf)
        flush_out();
    memcpy(obuf + olen, s, n);
    olen += n;
}

static void puts_(const char *s)
{
    put(s, strlen(s));
}

static void putu(uint64_t v)
{
    char b[24];
    int i = 24;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(b + i, (size_t)(24 - i));
}

static void put2(unsigned v)
{
    char b[2] = {(char)('0' + v / 10), (char)('0' + v % 10)};
    put(b, 2);
}

static void civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void put_time(int64_t s)
{
    int y;
    unsigned m, d;
    int64_t day = s / 86400, rem = s % 86400;
    civil(day, &y, &m, &d);
    putu((uint64_t)y);
    put("-", 1), put2(m), put("-", 1), put2(d), put(" ", 1);
    put2((unsigned)(rem / 3600)), put(":", 1), put2((unsigned)(rem / 60 % 60)), put(":", 1), put2((unsigned)(rem % 60));
}

static void put_money(uint64_t micro) /* 4 decimals */
{
    putu(micro / 10000);
    put(".", 1);
    char b[4];
    uint64_t f = micro % 10000;
    for (int i = 3; i >= 0; i--) b[i] = (char)('0' + f % 10), f /= 10;
    put(b, 4);
}

typedef struct row {
    int64_t start;
    unsigned ring, talk, sip, pdd;
    const char *customer, *carrier, *dest;
    char callee[32];
    const char *reason;
    unsigned rate_micro;
} row;

static uint64_t seq;

static void emit(const row *r)
{
    int answered = r->sip == 200;
    put_time(r->start), put(",", 1);
    if (answered) put_time(r->start + r->ring);
    put(",", 1);
    put_time(r->start + r->ring + (answered ? r->talk : 0)), put(",", 1);
    putu(r->ring + (answered ? r->talk : 0)), put(",", 1);
    putu(answered ? r->talk : 0), put(",", 1);
    puts_("+44"), putu(2000000000ull + seq % 1000000000ull), put(",", 1);
    puts_(r->callee), put(",", 1);
    puts_("outbound,"), putu(r->sip), put(",", 1);
    if (r->reason) puts_(r->reason);
    put(",", 1);
    puts_(r->customer), put(",", 1), puts_(r->carrier), put(",", 1), puts_(r->dest), put(",", 1);
    put_money(r->rate_micro), put(",", 1);
    uint64_t rev = answered ? (uint64_t)r->rate_micro * r->talk / 60 : 0;
    put_money(rev), put(",", 1), put_money(rev * 7 / 10), puts_(",USD,");
    puts_("gen-"), putu(seq), put(",", 1), putu(r->pdd), put("\n", 1);
    seq++;
}

typedef struct dest {
    const char *cc_prefix, *name;
    unsigned digits, rate_micro;
} dest;

static const dest dests[] = {
    {"+4420", "UK London", 8, 100}, {"+447", "UK Mobile", 9, 800}, {"+1212", "USA New York", 7, 50},
    {"+4930", "Germany Berlin", 8, 120}, {"+331", "France Paris", 8, 130}, {"+3491", "Spain Madrid", 7, 140},
    {"+612", "Australia Sydney", 8, 300},
};

static void random_callee(char *out, const dest *d)
{
    size_t k = (size_t)snprintf(out, 32, "%s", d->cc_prefix);
    for (unsigned i = 0; i < d->digits; i++)
        out[k++] = (char)('0' + rn(10));
    out[k] = 0;
}

static char customers[200][8];
static const char *carriers[] = {"CARR-A", "CARR-B", "CARR-C", "CARR-D", "CARR-E"};

static void normal_row(row *r, int64_t t)
{
    const dest *d = &dests[rn(sizeof dests / sizeof dests[0])];
    memset(r, 0, sizeof *r);
    r->start = t;
    r->customer = customers[rn(200)];
    r->carrier = carriers[rn(5)];
    r->dest = d->name;
    r->rate_micro = d->rate_micro;
    random_callee(r->callee, d);
    r->pdd = 800 + rn(3200);
    r->ring = 2 + rn(20);
    unsigned p = rn(100);
    if (p < 65) r->sip = 200, r->talk = 10 + rn(1790);
    else if (p < 77) r->sip = 486, r->reason = "Busy Here";
    else if (p < 87) r->sip = 480, r->reason = "Temporarily Unavailable";
    else if (p < 94) r->sip = 487, r->reason = "Request Terminated";
    else if (p < 97) r->sip = 404, r->reason = "Not Found";
    else r->sip = 503, r->reason = "Service Unavailable";
}

static void plant(int64_t t0)
{
    row r;
    /* zero_repeat */
    for (int i = 0; i < 6; i++) {
        normal_row(&r, t0 + 600 + i * 50);
        r.customer = "C-ZR", r.sip = 480, r.reason = "Temporarily Unavailable";
        strcpy(r.callee, "+447700900123");
        emit(&r);
    }
    /* routing_gap */
    for (int i = 0; i < 30; i++) {
        normal_row(&r, t0 + 3600 + i * 97);
        r.sip = 503, r.reason = "No Route Available", r.dest = "Morocco";
        snprintf(r.callee, sizeof r.callee, "+2125%08u", rn(100000000));
        emit(&r);
    }
    /* prefix_dup */
    for (int i = 0; i < 12; i++) {
        normal_row(&r, t0 + 7200 + i * 300);
        snprintf(r.callee, sizeof r.callee, "0044442079460%03d", i);
        emit(&r);
    }
    /* burst_503 */
    for (int i = 0; i < 25; i++) {
        normal_row(&r, t0 + 10800 + i * 1 + i / 2);
        r.carrier = "CARR-BURST", r.sip = 503, r.reason = "Service Unavailable";
        emit(&r);
    }
    /* fas */
    for (int i = 0; i < 60; i++) {
        normal_row(&r, t0 + 14400 + i * 60);
        r.carrier = "CARR-FAS";
        if (i % 20 == 19) r.sip = 486, r.reason = "Busy Here", r.talk = 0;
        else r.sip = 200, r.talk = 1 + rn(4), r.reason = NULL;
        emit(&r);
    }
    /* high_cost_burst */
    for (int i = 0; i < 15; i++) {
        normal_row(&r, t0 + 20000 + i * 80);
        r.customer = "C-IRSF", r.dest = "Satellite", r.rate_micro = 90000;
        snprintf(r.callee, sizeof r.callee, "+88216%07u", rn(10000000));
        emit(&r);
    }
    /* round_duration */
    for (int i = 0; i < 40; i++) {
        normal_row(&r, t0 + 30000 + i * 400);
        r.carrier = "CARR-TIMER", r.sip = 200, r.reason = NULL;
        r.talk = i % 2 ? 3600 : 30 + rn(1500);
        emit(&r);
    }
}

int main(int argc, char **argv)
{
    uint64_t rows = 1000;
    unsigned days = 30;
    int planted = 0;
    int64_t t0 = 20393LL * 86400; /* 2025-11-01 */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rows") && i + 1 < argc) rows = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) rng_state ^= strtoull(argv[++i], NULL, 10) * 0x9E37ull;
        else if (!strcmp(argv[i], "--days") && i + 1 < argc) days = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--plant")) planted = 1;
        else {
            fprintf(stderr, "usage: cdr_gen --rows N [--seed S] [--days D] [--plant]\n");
            return 2;
        }
    }
    if (days == 0) days = 1;
    for (int i = 0; i < 200; i++)
        snprintf(customers[i], sizeof customers[i], "C%04d", i + 1);
    puts_("start,answer,end,duration,billsec,caller,callee,direction,sip_code,sip_reason,customer,"
          "carrier,dest_name,rate,revenue,cost,currency,call_id,pdd_ms\n");
    if (planted)
        plant(t0);
    double step = (double)days * 86400.0 / (double)(rows ? rows : 1);
    for (uint64_t i = 0; i < rows; i++) {
        row r;
        normal_row(&r, t0 + (int64_t)((double)i * step));
        emit(&r);
    }
    flush_out();
    return 0;
}
