/* Reference data of the ConnexCS simulator: customers, providers, destinations, rate cards
 * with revisions and rules, SIP users and IPs, payments, packages, invoices, RTP groups and
 * servers, and the JSON shapes the API returns for them (spec §4.8). All of it is static or
 * derived from "now", so it is the same on every run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cxsim.h"

/* Destinations; the bit index in a card's dest_mask is the row index. */
static const cxs_dest DESTS[] = {
    {"4420", "UK - London", 12, 2001, 0.0060, 0.0110, 14},
    {"447", "UK - Mobile", 12, 2001, 0.0095, 0.0160, 12},
    {"44", "UK - Fixed", 12, 2001, 0.0070, 0.0120, 6},
    {"1212", "USA - New York", 11, 2001, 0.0040, 0.0080, 10},
    {"1", "USA", 11, 2001, 0.0035, 0.0070, 12},
    {"4930", "Germany - Berlin", 11, 2002, 0.0074, 0.0140, 5},
    {"49", "Germany", 11, 2002, 0.0083, 0.0150, 5},
    {"331", "France - Paris", 11, 2002, 0.0079, 0.0150, 5},
    {"9198", "India - Mobile", 12, 2001, 0.0120, 0.0190, 6},
    {"612", "Australia - Sydney", 11, 2001, 0.0150, 0.0250, 3},
    {"3531", "Ireland - Dublin", 11, 2002, 0.0074, 0.0140, 3},
    {"23480", "Nigeria - Mobile", 13, 2001, 0.0900, 0.1300, 0},
    {"1800", "USA - Toll Free", 11, 2001, 0.0010, 0.0030, 2},
    {"33", "France", 11, 2002, 0.0088, 0.0160, 3},
    {"4989", "Germany - Munich", 11, 2002, 0.0078, 0.0140, 2},
};
#define NDEST (sizeof DESTS / sizeof DESTS[0])
#define ALL_BUT_NG (((1u << NDEST) - 1) & ~(1u << 11))

static const cxs_customer CUSTOMERS[] = {
    {1001, "Acme Telecom Ltd", "USD", 1520.50, 250, "Active", 0.30, "AcmE-R8T1", "4420381000",
     "203.0.113.7", 5060, "Asterisk PBX 18.20.0", "", {"203.0.113.7", "203.0.113.8", NULL},
     {"acme_main", "acme_pbx2", NULL}},
    {1002, "Test Customer Alpha", "USD", 84.10, 0, "Active", 0.10, "TsTA-0001", "1415555010",
     "198.51.100.77", 5060, "FreeSWITCH-mod_sofia/1.10.11", "",
     {"198.51.100.77", "203.0.113.99", NULL}, {"alpha100", NULL, NULL}},
    {1003, "Adam Communications", "EUR", 310.00, 100, "Active", 0.22, "AdCm-EU04", "4930901820",
     "203.0.113.50", 5060, "Yealink SIP-T46U 108.86.0.20", "",
     {"203.0.113.50", NULL, NULL}, {"adam_office", "adam_fax", NULL}},
    {1004, "Northwind VoIP", "USD", 2210.75, 500, "Active", 0.18, "NwVp-LOW2", "1646555020",
     "192.0.2.44", 5060, "Kamailio (5.7.4 (x86_64/linux))", "", {"192.0.2.44", NULL, NULL},
     {"nwind_trunk", NULL, NULL}},
    {1005, "Contest Media GmbH", "EUR", -12.40, 50, "Active", 0.20, "CnTm-EU01", "4989410000",
     "192.0.2.80", 5060, "Grandstream UCM6302 1.0.21.9", "00", {"192.0.2.80", NULL, NULL},
     {"contest_sip", NULL, NULL}},
    {1006, "Test Lab Internal", "USD", 0, 0, "Inactive", 0, "TLab-0000", "1202555000",
     "203.0.113.99", 5060, "PJSUA v2.14", "", {"203.0.113.99", NULL, NULL},
     {"testlab01", NULL, NULL}},
};
#define NCUST (sizeof CUSTOMERS / sizeof CUSTOMERS[0])

static const cxs_provider PROVIDERS[] = {
    {2001, "CarrierOne Wholesale", "USD", "192.0.2.10", "PrV1-USD1"},
    {2002, "EuroTransit Carrier", "EUR", "192.0.2.20", "PrV2-EUR1"},
};
#define NPROV (sizeof PROVIDERS / sizeof PROVIDERS[0])

/* factor > 0: list price x factor (converted to the card currency); factor < 0: provider cost
 * x |factor| (below-cost pricing for the negative-margin customer). */
static const cxs_card CARDS[] = {
    {"AcmE-R8T1", "Acme Retail 2026", "USD", "customer", "lcr", 3, 2, 1001, 1.0, ALL_BUT_NG, 0},
    {"TsTA-0001", "Alpha Test Card", "USD", "customer", "lcr", 1, 1, 1002, 1.1,
     (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 12), 0},
    {"AdCm-EU04", "Adam EU Wholesale", "EUR", "customer", "quality", 4, 4, 1003, 0.95,
     ALL_BUT_NG, 0},
    {"NwVp-LOW2", "Northwind Promo", "USD", "customer", "lcr", 2, 2, 1004, -0.85,
     (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8) | (1u << 9), 0},
    {"CnTm-EU01", "Contest Media EU", "EUR", "customer", "lcr", 2, 1, 1005, 1.05,
     (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |
         (1u << 7) | (1u << 10) | (1u << 13) | (1u << 14), 0},
    {"TLab-0000", "Test Lab Zero", "USD", "customer", "lcr", 1, 1, 1006, 1.0, (1u << 4), 0},
    {"PrV1-USD1", "CarrierOne Buy", "USD", "provider", "fixed", 2, 2, 2001, 0, 0, 1},
    {"PrV2-EUR1", "EuroTransit Buy", "EUR", "provider", "fixed", 1, 1, 2002, 0, 0, 0},
};
#define NCARD (sizeof CARDS / sizeof CARDS[0])

const cxs_customer *cxs_customers(size_t *n) { *n = NCUST; return CUSTOMERS; }
const cxs_provider *cxs_providers(size_t *n) { *n = NPROV; return PROVIDERS; }
const cxs_dest *cxs_dests(size_t *n) { *n = NDEST; return DESTS; }
const cxs_card *cxs_cards(size_t *n) { *n = NCARD; return CARDS; }

const cxs_customer *cxs_customer_by_id(int id)
{
    for (size_t i = 0; i < NCUST; i++)
        if (CUSTOMERS[i].id == id)
            return &CUSTOMERS[i];
    return NULL;
}

const cxs_provider *cxs_provider_by_id(int id)
{
    for (size_t i = 0; i < NPROV; i++)
        if (PROVIDERS[i].id == id)
            return &PROVIDERS[i];
    return NULL;
}

const cxs_card *cxs_card_by_id(const char *id)
{
    for (size_t i = 0; id && i < NCARD; i++)
        if (strcmp(CARDS[i].id, id) == 0)
            return &CARDS[i];
    return NULL;
}

static double round4(double v) { return round(v * 10000.0) / 10000.0; }

static double prov_fx(int provider_id)
{
    const cxs_provider *p = cxs_provider_by_id(provider_id);
    return p && strcmp(p->currency, "EUR") == 0 ? CXS_FX_EUR_USD : 1.0;
}

/* Price per minute of destination d on a customer card (card currency). */
static double card_price(const cxs_card *c, size_t d)
{
    double usd = c->factor > 0 ? DESTS[d].sell * c->factor
                               : DESTS[d].cost * prov_fx(DESTS[d].provider_id) * -c->factor;
    if (strcmp(c->currency, "EUR") == 0)
        usd /= CXS_FX_EUR_USD;
    return round4(usd);
}

static void dest_billing(size_t d, int *mcd, int *pulse)
{
    *mcd = 0;
    *pulse = 6;
    if (strcmp(DESTS[d].code, "612") == 0)
        *mcd = 60, *pulse = 60;
    else if (strcmp(DESTS[d].code, "9198") == 0)
        *mcd = 30, *pulse = 6;
}

static int add_rule(cxs_rule *r, long *n, long cap, const char *prefix, const char *name,
                    double cost, int mcd, int pulse)
{
    if (*n >= cap)
        return -1;
    cxs_rule *x = &r[(*n)++];
    snprintf(x->prefix, sizeof x->prefix, "%s", prefix);
    x->name = name;
    x->cost = round4(cost);
    x->mcd = mcd;
    x->pulse = pulse;
    return 0;
}

/* The US NPA table of the big provider card: 1NPA and 1NPA[2-6] for every NPA 201..989
 * that is not an N11 code. */
static void add_usa_table(cxs_rule *r, long *n, long cap, double base)
{
    static const char *name = "USA - Geographic";
    char p[24];
    for (int npa = 201; npa <= 989; npa++) {
        if (npa % 100 == 11 || npa % 10 == 0)
            continue;
        snprintf(p, sizeof p, "1%d", npa);
        add_rule(r, n, cap, p, name, base + (npa % 7) * 0.0001, 0, 6);
        for (int k = 2; k <= 6; k++) {
            snprintf(p, sizeof p, "1%d%d", npa, k);
            add_rule(r, n, cap, p, name, base + (npa % 5 + k) * 0.0001, 0, 6);
        }
    }
}

long cxs_card_rules(const cxs_card *c, int rev, cxs_rule **out)
{
    *out = NULL;
    if (!c || rev < 1 || rev > c->nrevs)
        return -1;
    long cap = NDEST + 8 + (c->big_usa ? 5000 : 0), n = 0;
    cxs_rule *r = calloc((size_t)cap, sizeof *r);
    if (!r)
        return -1;
    double drift = 1.0 + 0.02 * (c->active_rev - rev); /* older revisions were dearer */
    int mcd, pulse;
    bool provider = strcmp(c->direction, "provider") == 0;
    for (size_t d = 0; d < NDEST; d++) {
        bool priced = provider ? DESTS[d].provider_id == c->owner_id
                               : (c->dest_mask >> d) & 1u;
        /* a draft revision (above the active one) adds the Nigeria mobile range */
        if (!provider && rev > c->active_rev && strcmp(DESTS[d].code, "23480") == 0)
            priced = true;
        if (!priced)
            continue;
        double price = provider ? DESTS[d].cost : card_price(c, d);
        dest_billing(d, &mcd, &pulse);
        add_rule(r, &n, cap, DESTS[d].code, DESTS[d].name, price * drift, mcd, pulse);
    }
    /* the duplicated prefix: Adam's active revision lists 447 twice */
    if (strcmp(c->id, "AdCm-EU04") == 0 && rev == 4)
        add_rule(r, &n, cap, "447", "UK - Mobile (imported)", card_price(c, 1) * 0.9, 0, 6);
    if (c->big_usa)
        add_usa_table(r, &n, cap, 0.0032);
    *out = r;
    return n;
}

int cxs_card_match(const cxs_card *c, const char *number, cxs_rule *out)
{
    if (!c || c->big_usa || strcmp(c->direction, "customer") != 0)
        return -1;
    int best = -1;
    size_t best_len = 0;
    for (size_t d = 0; d < NDEST; d++) {
        if (!((c->dest_mask >> d) & 1u))
            continue;
        size_t l = strlen(DESTS[d].code);
        if (l > best_len && strncmp(number, DESTS[d].code, l) == 0)
            best = (int)d, best_len = l;
    }
    if (best < 0)
        return -1;
    if (out) {
        snprintf(out->prefix, sizeof out->prefix, "%s", DESTS[best].code);
        out->name = DESTS[best].name;
        out->cost = card_price(c, (size_t)best);
        dest_billing((size_t)best, &out->mcd, &out->pulse);
    }
    return best;
}

/* ---- JSON shapes ---- */

static json_t *str_array(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static const char *const CONTACTS[][2] = {
    {"Priya Shah", NULL}, {"Tom Becker", NULL}, {"Adam Novak", "Eva Novak"},
    {"Lena Fischer", NULL}, {"Jonas Weber", NULL}, {"QA Team", NULL},
};

json_t *cxs_json_customer(const cxs_customer *c, const cxs_world *w)
{
    (void)w;
    size_t idx = (size_t)(c - CUSTOMERS);
    json_t *o = json_pack("{s:i, s:s, s:f, s:s, s:f, s:s}", "id", c->id, "name", c->name,
                          "credit", c->credit, "currency", c->currency, "debit_limit",
                          c->debit_limit, "status", c->status);
    json_object_set_new(o, "ips", str_array(c->ips, 3));
    json_object_set_new(o, "sip_users", str_array(c->sip_users, 3));
    json_t *cards = json_array();
    json_array_append_new(cards, json_string(c->card_id));
    json_object_set_new(o, "cards", cards);
    json_object_set_new(o, "contact_name", str_array(CONTACTS[idx % NCUST], 2));
    json_t *tags = json_array();
    if (strcasestr(c->name, "test"))
        json_array_append_new(tags, json_string("testing"));
    if (strcmp(c->currency, "EUR") == 0)
        json_array_append_new(tags, json_string("eu"));
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "account_manager_id", json_integer(c->id % 2 ? 11 : 12));
    json_object_set_new(o, "cx_referal", json_null());
    json_object_set_new(o, "s3_size", json_integer((json_int_t)(idx * 1048576)));
    json_object_set_new(o, "portal_access", json_boolean(strcmp(c->status, "Active") == 0));
    json_object_set_new(o, "channels", json_integer(c->weight > 0 ? 30 : 0));
    json_object_set_new(o, "last_call", json_null());
    return o;
}

json_t *cxs_json_customers(const cxs_world *w, const char *id, const char *name,
                           const char *status)
{
    json_t *a = json_array();
    for (size_t i = 0; i < NCUST; i++) {
        const cxs_customer *c = &CUSTOMERS[i];
        char idbuf[16];
        snprintf(idbuf, sizeof idbuf, "%d", c->id);
        if (id && *id && strcmp(id, idbuf) != 0)
            continue;
        if (name && *name && !strcasestr(c->name, name))
            continue;
        if (status && *status && strcasecmp(status, c->status) != 0)
            continue;
        json_array_append_new(a, cxs_json_customer(c, w));
    }
    return a;
}

json_t *cxs_json_switch_users(int company_id, long limit)
{
    json_t *a = json_array();
    int id = 301;
    for (size_t i = 0; i < NCUST; i++)
        for (size_t k = 0; k < 3 && CUSTOMERS[i].sip_users[k]; k++, id++) {
            if (company_id && CUSTOMERS[i].id != company_id)
                continue;
            if (limit > 0 && (long)json_array_size(a) >= limit)
                return a;
            json_array_append_new(
                a, json_pack("{s:i, s:s, s:i, s:i, s:s, s:b}", "id", id, "username",
                             CUSTOMERS[i].sip_users[k], "company_id", CUSTOMERS[i].id,
                             "channels", 10, "codecs", "PCMU,PCMA,G729", "enabled",
                             strcmp(CUSTOMERS[i].status, "Active") == 0));
        }
    return a;
}

json_t *cxs_json_switch_ips(const char *ip, long limit)
{
    json_t *a = json_array();
    int id = 401;
    for (size_t i = 0; i < NCUST; i++)
        for (size_t k = 0; k < 3 && CUSTOMERS[i].ips[k]; k++, id++) {
            if (ip && *ip && strcmp(ip, CUSTOMERS[i].ips[k]) != 0)
                continue;
            if (limit > 0 && (long)json_array_size(a) >= limit)
                return a;
            json_array_append_new(
                a, json_pack("{s:i, s:s, s:i, s:s, s:i}", "id", id, "ip", CUSTOMERS[i].ips[k],
                             "company_id", CUSTOMERS[i].id, "direction", "ingress", "port",
                             5060));
        }
    /* 203.0.113.99 is shared by Alpha (1002) and Test Lab (1006): a second row */
    if ((!ip || !*ip || strcmp(ip, "203.0.113.99") == 0) &&
        (limit <= 0 || (long)json_array_size(a) < limit))
        json_array_append_new(a, json_pack("{s:i, s:s, s:i, s:s, s:i}", "id", 499, "ip",
                                           "203.0.113.99", "company_id", 1002, "direction",
                                           "egress", "port", 5080));
    return a;
}

typedef struct pay_row {
    int company_id;
    int days_ago;
    double amount;
    const char *method;
    const char *status;
} pay_row;

static const pay_row PAYMENTS[] = {
    {1001, 5, 500.00, "Card", "Completed"},   {1001, 19, 250.00, "Card", "Completed"},
    {1001, 48, 1000.00, "Wire Transfer", "Completed"}, {1002, 20, 50.00, "PayPal", "Completed"},
    {1003, 9, 200.00, "SEPA", "Completed"},   {1003, 39, 300.00, "SEPA", "Completed"},
    {1004, 2, 2500.00, "Wire Transfer", "Completed"}, {1004, 33, 2000.00, "Wire Transfer", "Completed"},
    {1005, 40, 100.00, "Card", "Completed"},  {1005, 1, 25.00, "Card", "Failed"},
};

json_t *cxs_json_payments(const cxs_world *w, int company_id)
{
    json_t *a = json_array();
    int64_t now = cxs_world_now(w);
    /* newest first (the app asks for payment_time desc) */
    for (int pass_day = 0; pass_day <= 60; pass_day++)
        for (size_t i = 0; i < sizeof PAYMENTS / sizeof PAYMENTS[0]; i++) {
            const pay_row *p = &PAYMENTS[i];
            if (p->days_ago != pass_day || (company_id && p->company_id != company_id))
                continue;
            const cxs_customer *c = cxs_customer_by_id(p->company_id);
            char t[24], desc[64];
            cxs_fmt_dt(now - (int64_t)p->days_ago * 86400 - 3600 * (int64_t)(i % 7) - 1200, t);
            snprintf(desc, sizeof desc, "Top-up via %s", p->method);
            json_array_append_new(
                a, json_pack("{s:i, s:i, s:f, s:f, s:s, s:s, s:s, s:s, s:s}", "id", 9001 + (int)i,
                             "company_id", p->company_id, "amount", p->amount, "total",
                             p->amount, "currency", c ? c->currency : "USD", "payment_time", t,
                             "method", p->method, "status", p->status, "description", desc));
        }
    return a;
}

json_t *cxs_json_packages(int company_id)
{
    json_t *a = json_array();
    /* newest (highest id) first is the app's order; the API returns ascending ids */
    if (!company_id || company_id == 1001) {
        json_array_append_new(a, json_pack("{s:i,s:i,s:s,s:[s],s:i,s:n,s:n,s:i,s:i,s:s}", "id", 71,
                                           "company_id", 1001, "name", "UK Landline 1000",
                                           "type", "free-minutes", "qty", 1, "retail",
                                           "setup_retail", "minutes", 1000, "minutes_used",
                                           640, "frequency", "monthly"));
        json_array_append_new(a, json_pack("{s:i,s:i,s:s,s:[s],s:i,s:s,s:n,s:i,s:i,s:s}", "id", 72,
                                           "company_id", 1001, "name", "DID Rental Bundle",
                                           "type", "did", "qty", 10, "retail", "15.00",
                                           "setup_retail", "minutes", 0, "minutes_used", 0,
                                           "frequency", "monthly"));
    }
    if (!company_id || company_id == 1003) {
        json_array_append_new(a, json_pack("{s:i,s:i,s:s,s:[s],s:i,s:n,s:s,s:i,s:i,s:s}", "id", 73,
                                           "company_id", 1003, "name", "EU Trunk Setup",
                                           "type", "setup", "qty", 1, "retail", "setup_retail",
                                           "49.00", "minutes", 0, "minutes_used", 0,
                                           "frequency", "once"));
        json_array_append_new(a, json_pack("{s:i,s:i,s:s,s:[s,s],s:i,s:s,s:n,s:i,s:i,s:s}", "id",
                                           74, "company_id", 1003, "name", "Mobile 500",
                                           "type", "free-minutes", "retail", "qty", 1, "retail",
                                           "9.99", "setup_retail", "minutes", 500,
                                           "minutes_used", 512, "frequency", "monthly"));
    }
    return a;
}

json_t *cxs_json_routing(int company_id)
{
    json_t *a = json_array();
    int id = 501;
    for (size_t i = 0; i < NCUST; i++, id += 3) {
        const cxs_customer *c = &CUSTOMERS[i];
        if (company_id && c->id != company_id)
            continue;
        const cxs_card *card = cxs_card_by_id(c->card_id);
        json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:s, s:s, s:i}", "id", id,
                                           "company_id", c->id, "card_id", c->card_id, "name",
                                           card ? card->name : "", "tech_prefix", "",
                                           "priority", 1));
        if (c->id == 1001) {
            json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:s, s:s, s:i}", "id", id + 1,
                                               "company_id", c->id, "card_id", "internal",
                                               "name", "Internal extensions", "tech_prefix",
                                               "", "priority", 2));
            json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:s, s:s, s:i}", "id", id + 2,
                                               "company_id", c->id, "card_id",
                                               "ip:203.0.113.7", "name", "Direct IP route",
                                               "tech_prefix", "9901#", "priority", 3));
        }
    }
    return a;
}

json_t *cxs_json_card(const cxs_card *c)
{
    cxs_rule *r = NULL;
    long n = cxs_card_rules(c, c->active_rev, &r);
    free(r);
    json_t *revs = json_array();
    for (int k = 1; k <= c->nrevs; k++)
        json_array_append_new(revs, json_pack("{s:i, s:s}", "rev", k, "status",
                                              k == c->active_rev  ? "active"
                                              : k > c->active_rev ? "draft"
                                                                  : "archived"));
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:o}", "id", c->id, "name",
                     c->name, "active_rev", c->active_rev, "currency", c->currency, "strategy",
                     c->strategy, "direction", c->direction, "count", (int)n, "owner_id",
                     c->owner_id, "revisions", revs);
}

static const struct {
    const char *name, *location;
    int status;
} RTP_GROUPS[] = {
    {"UK (London)", "lon", 1},           {"Netherlands (Amsterdam)", "ams", 1},
    {"US East (New York)", "nyc", 1},    {"US West (San Francisco)", "sfo", 1},
    {"Germany (Frankfurt)", "fra", 1},   {"Singapore", "sgp", 1},
    {"India (Bangalore)", "blr", 1},     {"Germany (Frankfurt 2)", "fra", 1},
    {"UK (London 2)", "lon", 1},         {"US East (New York 2)", "nyc", 0},
};
#define NGROUP (sizeof RTP_GROUPS / sizeof RTP_GROUPS[0])

json_t *cxs_json_rtp_groups(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < NGROUP; i++)
        json_array_append_new(
            a, json_pack("{s:i, s:s, s:i, s:n, s:b, s:s, s:b, s:i}", "id", (int)i + 1, "name",
                         RTP_GROUPS[i].name, "status", RTP_GROUPS[i].status, "alt",
                         "transcoding", i % 3 == 0, "location", RTP_GROUPS[i].location,
                         "elastic", i % 4 == 1, "max_server_per_sip", 2));
    return a;
}

static const char *const ZONES[] = {
    "UK London 1", "Netherlands Amsterdam", "US East New York", "US West San Francisco",
    "Frankfurt 2 (High Capacity)", "Singapore", "India Bangalore",
};

json_t *cxs_json_rtp_servers(void)
{
    json_t *a = json_array();
    static const char *const loc[] = {"lon", "ams", "nyc", "sfo", "fra", "sgp", "blr"};
    for (int i = 0; i < 20; i++) {
        int z = i % 7;
        char alias[64], ip[32];
        snprintf(alias, sizeof alias, "rtp-%s%d.sim.connexcs.net", loc[z], i / 7 + 1);
        snprintf(ip, sizeof ip, "198.51.100.%d", 100 + i);
        json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:i}", "id",
                                           1200 + i, "alias", alias, "zone", ZONES[z], "ip",
                                           ip, "group_id", z + 1, "status", i == 13 ? 0 : 1,
                                           "capacity", 2000 + 500 * (i % 3)));
    }
    return a;
}

json_t *cxs_json_invoices(const cxs_world *w, int company_id)
{
    json_t *a = json_array();
    int64_t now = cxs_world_now(w);
    for (size_t i = 0; i < NCUST; i++) {
        const cxs_customer *c = &CUSTOMERS[i];
        if ((company_id && c->id != company_id) || c->weight <= 0)
            continue;
        for (int m = 3; m >= 1; m--) {
            char d[24], due[24], inv[32];
            int64_t t = now - (int64_t)m * 30 * 86400;
            cxs_fmt_dt(t - t % 86400, d);
            cxs_fmt_dt(t - t % 86400 + 14 * 86400, due);
            d[10] = due[10] = '\0';
            snprintf(inv, sizeof inv, "INV-%d-%02d", c->id, 4 - m);
            json_array_append_new(
                a, json_pack("{s:s, s:i, s:s, s:f, s:s, s:s, s:s}", "invoice_id", inv,
                             "company_id", c->id, "cdr_date", d, "total",
                             round(c->weight * 1000.0 * (5 - m)) / 10.0, "currency",
                             c->currency, "status", m == 1 ? "Unpaid" : "Paid", "due_date",
                             due));
        }
    }
    return a;
}
