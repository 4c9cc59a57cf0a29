/* Internal interface of the ConnexCS API simulator (sim/connexcs).
 * The world is a deterministic function of (seed, now, cdr_count): static reference tables
 * (customers, providers, destinations, rate cards, RTP servers, payments, packages), a small
 * array of scripted calls that carry the diagnostic scenarios, and N "base" calls that are never
 * stored: base call i is recomputed from a seeded hash whenever it is needed, so a million CDRs
 * cost no memory and every query sees exactly the same data. Everything here is read-only after
 * cxs_world_init(), so request threads share it without locks. */
#ifndef CXSIM_H
#define CXSIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define CXS_SWITCH_IP "198.51.100.10"
#define CXS_SCRIPT_BASE 0x40000000u /* positions >= this are scripted calls */
#define CXS_MAX_CDR_COUNT 50000000u
#define CXS_TRACE_RETENTION_S (7 * 86400)
#define CXS_DAYS 30
#define CXS_FX_EUR_USD 1.08 /* fixed rate used for account_profit (account currency USD) */

/* ---- reference tables (world.c) ---- */

typedef struct cxs_customer {
    int id;
    const char *name;
    const char *currency;
    double credit, debit_limit;
    const char *status;
    double weight;           /* share of base traffic (0 = no calls) */
    const char *card_id;     /* the customer's main rate card */
    const char *cli_prefix;  /* the CLIs it sends: prefix + 2 digits */
    const char *src_ip;      /* its signalling address */
    int src_port;
    const char *user_agent;
    const char *dial_prefix; /* what it prepends to international numbers ("" or "00") */
    const char *ips[3];
    const char *sip_users[3];
} cxs_customer;

typedef struct cxs_provider {
    int id;
    const char *name;
    const char *currency;
    const char *ip;
    const char *card_id;
} cxs_provider;

typedef struct cxs_dest {
    const char *code;   /* longest rate-card prefix */
    const char *name;
    int digits;         /* total length of a number */
    int provider_id;
    double cost;        /* provider rate per minute in the provider's currency */
    double sell;        /* list price per minute, USD */
    double weight;
} cxs_dest;

typedef struct cxs_rule {
    char prefix[24];
    const char *name;
    double cost;
    int mcd, pulse;
} cxs_rule;

typedef struct cxs_card {
    const char *id;
    const char *name;
    const char *currency;
    const char *direction; /* "customer" | "provider" */
    const char *strategy;
    int nrevs;             /* revisions 1..nrevs exist */
    int active_rev;
    int owner_id;          /* customer or provider id */
    double factor;         /* price factor over the destination list price / cost */
    unsigned dest_mask;    /* destinations (bit per cxs_dest index) the card prices */
    int big_usa;           /* adds the US NPA table (thousands of rules) */
} cxs_card;

typedef struct cxs_world cxs_world;

/* ---- one call (gen.c) ---- */

enum {
    CXS_F_180 = 1u << 0,       /* ringing with 180 (else 183 Session Progress) */
    CXS_F_AUTH = 1u << 1,      /* 407 challenge, then an authenticated re-INVITE */
    CXS_F_NAT = 1u << 2,       /* customer behind NAT: private Via/Contact/SDP */
    CXS_F_RETRANS = 1u << 3,   /* the first INVITE retransmitted twice */
    CXS_F_ANYEDGE = 1u << 4,   /* arrived through AnyEdge */
    CXS_F_RTCP = 1u << 5,      /* RTCP reports exist */
    CXS_F_RTCP_BAD = 1u << 6,  /* poor quality: low MOS, high jitter, loss */
    CXS_F_CLASS5 = 1u << 7,    /* handled by a Class 5 IVR */
    CXS_F_AI = 1u << 8,        /* AI agent call */
    CXS_F_TRANSCRIBE = 1u << 9,
    CXS_F_CANCEL = 1u << 10,   /* the caller cancelled (487) */
    CXS_F_CODEC = 1u << 11,    /* offer only G729 (488 from the carrier) */
};

typedef struct cxs_cdr {
    uint32_t pos;             /* base index, or CXS_SCRIPT_BASE + scripted index */
    int64_t dt;               /* INVITE time, Unix seconds */
    int ms;                   /* sub-second part of the INVITE time */
    int duration;             /* talk time, s */
    int billed_customer, billed_provider;
    int customer_id;
    int provider_id;          /* 0: never left ingress */
    int dest;                 /* index into the destination table, -1: none */
    int sip_code;
    const char *sip_reason;
    const char *release_reason;
    int pdd_in, pdd_out;      /* ms */
    int ring_duration;        /* s */
    int branch_idx;
    double customer_rate, provider_rate;
    double customer_charge, provider_charge;
    const char *customer_currency, *provider_currency;
    const char *customer_card, *provider_card;
    unsigned flags;
    char callid[72];
    char callidb[48];
    char bleg_callid[72];
    char dest_cli[24], source_cli[24];
    char dest_number[32], source_dest_number[32];
    const char *src_ip;
    int src_port;
    const char *user_agent;
} cxs_cdr;

/* The scenario names exposed in the truth document, in order. */
typedef enum {
    CXS_SC_NORMAL, CXS_SC_AUTH407, CXS_SC_NAT, CXS_SC_NOROUTE503, CXS_SC_NOROUTE580,
    CXS_SC_488, CXS_SC_RETRANS, CXS_SC_SLOW_PDD, CXS_SC_ANYEDGE, CXS_SC_RTCP_BAD,
    CXS_SC_CLASS5, CXS_SC_AI, CXS_SC_TRANSCRIBED, CXS_SC_TRACE_EXPIRED, CXS_SC_COUNT
} cxs_scenario;

typedef struct cxs_options {
    uint64_t seed;
    int64_t now;
    uint32_t cdr_count;       /* base calls (scripted calls come on top) */
} cxs_options;

/* Builds the world; NULL on bad options (message in err). */
cxs_world *cxs_world_new(const cxs_options *opt, char *err, size_t errlen);
void cxs_world_free(cxs_world *w);
int64_t cxs_world_now(const cxs_world *w);
int64_t cxs_world_start(const cxs_world *w);   /* now - 30 days */
uint32_t cxs_world_base_count(const cxs_world *w);
uint32_t cxs_world_script_count(const cxs_world *w);
uint32_t cxs_world_total(const cxs_world *w);

/* Fills out with call pos (base or scripted); -1 if no such call. */
int cxs_cdr_get(const cxs_world *w, uint32_t pos, cxs_cdr *out);
/* The call with this a-leg or b-leg Call-ID; -1 if none. */
int cxs_cdr_find(const cxs_world *w, const char *callid, cxs_cdr *out);
/* The scripted call of a scenario. */
int cxs_cdr_scenario(const cxs_world *w, cxs_scenario sc, cxs_cdr *out);
const char *cxs_scenario_name(cxs_scenario sc);

/* Time-ordered iteration over [t_lo, t_hi] (inclusive, Unix s), merging base and scripted
 * calls; desc walks newest first. */
typedef struct cxs_iter {
    const cxs_world *w;
    uint32_t b_lo, b_hi;      /* base range [b_lo, b_hi) still to walk */
    uint32_t s_lo, s_hi;      /* scripted range [s_lo, s_hi) */
    bool desc;
} cxs_iter;
void cxs_iter_init(cxs_iter *it, const cxs_world *w, int64_t t_lo, int64_t t_hi, bool desc);
/* Next position, or false at the end. Cheap: does not build the record. */
bool cxs_iter_next(cxs_iter *it, uint32_t *pos);

/* Reference tables. */
const cxs_customer *cxs_customers(size_t *n);
const cxs_customer *cxs_customer_by_id(int id);
const cxs_provider *cxs_providers(size_t *n);
const cxs_provider *cxs_provider_by_id(int id);
const cxs_dest *cxs_dests(size_t *n);
const cxs_card *cxs_cards(size_t *n);
const cxs_card *cxs_card_by_id(const char *id);
/* Rules of a card revision into out (malloc'd); count, or -1 for an unknown revision. */
long cxs_card_rules(const cxs_card *c, int rev, cxs_rule **out);
/* The rule that prices number on a card's active revision (longest prefix), or -1. */
int cxs_card_match(const cxs_card *c, const char *number, cxs_rule *out);

/* JSON documents for the reference endpoints (world.c). New references. */
json_t *cxs_json_customer(const cxs_customer *c, const cxs_world *w);
json_t *cxs_json_customers(const cxs_world *w, const char *id, const char *name,
                           const char *status);
json_t *cxs_json_switch_users(int company_id, long limit);
json_t *cxs_json_switch_ips(const char *ip, long limit);
json_t *cxs_json_payments(const cxs_world *w, int company_id);
json_t *cxs_json_packages(int company_id);
json_t *cxs_json_routing(int company_id);
json_t *cxs_json_card(const cxs_card *c);
json_t *cxs_json_rtp_groups(void);
json_t *cxs_json_rtp_servers(void);
json_t *cxs_json_invoices(const cxs_world *w, int company_id);

/* ---- per-call artefacts (trace.c) ---- */
json_t *cxs_trace_json(const cxs_world *w, const cxs_cdr *c);
json_t *cxs_rtcp_json(const cxs_world *w, const cxs_cdr *c, bool array_shape);
json_t *cxs_class5_json(const cxs_cdr *c);
json_t *cxs_ai_json(const cxs_cdr *c);
json_t *cxs_transcript_json(const cxs_cdr *c);
json_t *cxs_log_entry_json(const cxs_world *w, const cxs_cdr *c);
/* Whether a log search term matches the call (case-insensitive substring of cli, called
 * number, Call-IDs, callidb, IPs). term_lc is lower-case. */
bool cxs_log_match(const cxs_cdr *c, const char *term_lc);

/* ---- CDR queries and aggregation (query.c) ---- */

/* POST cdr: evaluates body (JSON text) and writes the JSON array into out. Returns the HTTP
 * status; on error out holds {"error":...}. */
int cxs_cdr_query(const cxs_world *w, const char *body, size_t len, sb_buf *out);

typedef int (*cxs_param_fn)(void *ud, const char *name, const char *value);
typedef void (*cxs_param_each)(void *req, cxs_param_fn fn, void *ud);
/* GET breakout-aggrid: the query arguments are walked with each(req, ...). With nested_names
 * the groupUniqArray columns come back nested ([["", "UK"]]), a shape the real API also gives. */
int cxs_breakout_query(const cxs_world *w, cxs_param_each each, void *req, bool nested_names,
                       sb_buf *out);

/* Field access shared by query and truth. */
int cxs_field_index(const char *name);
const char *cxs_field_name(int idx);
size_t cxs_field_count(void);
/* The field as text (dt as "YYYY-MM-DD HH:MM:SS"); num gets numeric fields (may be NULL). */
void cxs_field_text(const cxs_cdr *c, int idx, char *out, size_t cap, double *num);
/* Writes the field as a JSON value. */
void cxs_field_json(const cxs_cdr *c, int idx, sb_buf *out);

/* Formats Unix time as "YYYY-MM-DD HH:MM:SS" (buf >= 20 bytes). */
void cxs_fmt_dt(int64_t t, char *buf);
/* Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS[.fff][Z]" or Unix seconds
 * (10 digits); end_of_day turns a bare date into 23:59:59. -1 on error. */
int cxs_parse_time(const char *s, size_t len, bool end_of_day, int64_t *out);
/* JSON string escaping into a buffer. */
void cxs_json_str(sb_buf *out, const char *s);

/* The scripted failure patterns (gen.c). */
#define CXS_BURST_CALLS 40
#define CXS_BURST_STEP 22
#define CXS_BURST_PREFIX "23480"
#define CXS_ZERO_CALLS 9
#define CXS_ZERO_STEP 52
#define CXS_ZERO_NUMBER "12125550147"
#define CXS_ZERO_CUSTOMER 1005
#define CXS_DUP_CALLS 5
#define CXS_DUP_CUSTOMER 1003
int64_t cxs_burst_start(const cxs_world *w);
int64_t cxs_zero_start(const cxs_world *w);
int64_t cxs_dup_start(const cxs_world *w);
/* account_profit of a call in USD (customer charge minus provider charge, EUR at the fixed rate). */
double cxs_profit_usd(const cxs_cdr *c);

/* ---- ground truth (truth.c) ---- */
json_t *cxs_truth_json(const cxs_world *w);

/* ---- documentation corpus (docs.c) ---- */
typedef struct cxs_docs cxs_docs;
cxs_docs *cxs_docs_load(const char *dir, char *err, size_t errlen);
void cxs_docs_free(cxs_docs *d);
size_t cxs_docs_count(const cxs_docs *d);
/* Markdown of a page by link ("guides/tshoot-signal", optional ".md"), or NULL. */
const char *cxs_docs_get(const cxs_docs *d, const char *path);
/* [{public_url, link, body}] for pages matching the words of q, best first. */
json_t *cxs_docs_search(const cxs_docs *d, const char *q, size_t max);

/* ---- small helpers (gen.c) ---- */
uint64_t cxs_mix(uint64_t x);

#endif
