/* Column maps and row conversion for the importers (see cdr_import_map.h).
 *
 * Column names are compared after normalisation (lower case, letters and digits only), so
 * "Call Time", "call_time" and "CallTime" are one name. Each dialect lists its own names
 * first; the generic list follows, and a column is given to at most one field. */
#include "cdr/cdr_import_map.h"

#include <stdio.h>
#include <string.h>

typedef struct alias {
    unsigned char field;
    const char *name; /* normalised */
} alias;

#define END_ALIASES {CF_COUNT, NULL}

static const alias connexcs_aliases[] = {
    {CF_START, "dt"}, {CF_CALL_ID, "callid"}, {CF_CALLER, "sourcecli"}, {CF_CALLER, "destcli"},
    {CF_CALLEE, "sourcedestnumber"}, {CF_CALLEE, "destnumber"},
    {CF_BILLSEC, "customerduration"}, {CF_BILLSEC, "duration"},
    {CF_CUSTOMER, "customerid"}, {CF_CARRIER, "providerid"}, {CF_REVENUE, "customercharge"},
    {CF_COST, "providercharge"}, {CF_CURRENCY, "customercardcurrency"},
    {CF_RATE, "customercardrate"}, {CF_DEST_PREFIX, "customercarddestcode"},
    {CF_DEST_NAME, "customercarddestname"}, {CF_PDD_MS, "pddin"}, {CF_PDD_MS, "pdd"},
    {CF_SIP_CODE, "sipcode"}, {CF_SIP_REASON, "sipreason"}, {CF_SIP_REASON, "releasereason"},
    {CF_RING_S, "ringduration"}, {CF_SOURCE_ROW, "id"},
    END_ALIASES};

static const alias tcx_aliases[] = {
    /* CDR service output */
    {CF_SOURCE_ROW, "historyid"}, {CF_CALL_ID, "callid"}, {CF_BILLSEC, "duration"}, {CF_START, "timestart"},
    {CF_ANSWER, "timeanswered"}, {CF_END, "timeend"}, {CF_SIP_REASON, "reasonterminated"},
    {CF_CALLER, "fromno"}, {CF_CALLEE, "dialno"}, {CF_CALLEE, "tono"}, {CF_COST, "billcost"},
    {CF_RATE, "billrate"}, {CF_DEST_NAME, "billname"},
    /* XAPI CallLogData */
    {CF_SOURCE_ROW, "cdrid"}, {CF_CALL_ID, "maincallhistoryid"}, {CF_START, "starttime"},
    {CF_START, "segmentstarttime"}, {CF_CALLER, "sourcecallerid"}, {CF_CALLER, "sourcedn"},
    {CF_CALLER, "srccallernumber"}, {CF_CALLEE, "destinationcallerid"},
    {CF_CALLEE, "destinationdn"}, {CF_CALLEE, "dstcallernumber"},
    {CF_RING_S, "ringingduration"}, {CF_BILLSEC, "talkingduration"}, {CF_COST, "callcost"},
    {CF_ANSWERED, "answered"}, {CF_ANSWERED, "callanswered"}, {CF_SIP_REASON, "reason"},
    /* web client export */
    {CF_START, "calltime"}, {CF_CALLER, "from"}, {CF_CALLEE, "to"}, {CF_RING_S, "ringing"},
    {CF_BILLSEC, "talking"}, {CF_COST, "cost"}, {CF_DISPOSITION, "status"},
    END_ALIASES};

static const alias asterisk_aliases[] = {
    {CF_CUSTOMER, "accountcode"}, {CF_CALLER, "src"}, {CF_CALLEE, "dst"}, {CF_CHANNEL, "dstchannel"},
    {CF_START, "start"}, {CF_ANSWER, "answer"}, {CF_END, "end"}, {CF_START, "calldate"},
    {CF_DURATION, "duration"}, {CF_BILLSEC, "billsec"}, {CF_DISPOSITION, "disposition"},
    {CF_SOURCE_ROW, "uniqueid"}, {CF_CALL_ID, "uniqueid"}, {CF_CALL_ID2, "linkedid"},
    END_ALIASES};

static const alias freeswitch_aliases[] = {
    {CF_CALLER, "calleridnumber"}, {CF_CALLEE, "destinationnumber"}, {CF_START, "startstamp"},
    {CF_ANSWER, "answerstamp"}, {CF_END, "endstamp"}, {CF_DURATION, "duration"},
    {CF_BILLSEC, "billsec"}, {CF_Q850, "hangupcause"}, {CF_CALL_ID, "uuid"},
    {CF_SOURCE_ROW, "uuid"}, {CF_CALL_ID2, "bleguuid"}, {CF_CUSTOMER, "accountcode"},
    END_ALIASES};

static const alias generic_aliases[] = {
    {CF_START, "start"}, {CF_START, "starttime"}, {CF_START, "startstamp"}, {CF_START, "starttimestamp"},
    {CF_START, "calldate"}, {CF_START, "calltime"}, {CF_START, "datetime"}, {CF_START, "date"},
    {CF_START, "timestamp"}, {CF_START, "dt"}, {CF_START, "setuptime"}, {CF_START, "begin"},
    {CF_ANSWER, "answer"}, {CF_ANSWER, "answertime"}, {CF_ANSWER, "answerstamp"}, {CF_ANSWER, "connecttime"},
    {CF_END, "end"}, {CF_END, "endtime"}, {CF_END, "endstamp"}, {CF_END, "hanguptime"},
    {CF_END, "disconnecttime"},
    {CF_DURATION, "duration"}, {CF_DURATION, "totalduration"}, {CF_DURATION, "durations"},
    {CF_BILLSEC, "billsec"}, {CF_BILLSEC, "billableseconds"}, {CF_BILLSEC, "billedduration"},
    {CF_BILLSEC, "talktime"}, {CF_BILLSEC, "talkduration"}, {CF_BILLSEC, "billduration"},
    {CF_CALLER, "caller"}, {CF_CALLER, "src"}, {CF_CALLER, "callerid"}, {CF_CALLER, "callernumber"},
    {CF_CALLER, "callingnumber"}, {CF_CALLER, "from"}, {CF_CALLER, "ani"}, {CF_CALLER, "cli"},
    {CF_CALLER, "source"}, {CF_CALLER, "calleridnumber"},
    {CF_CALLEE, "callee"}, {CF_CALLEE, "dst"}, {CF_CALLEE, "destination"},
    {CF_CALLEE, "destinationnumber"}, {CF_CALLEE, "dialednumber"}, {CF_CALLEE, "diallednumber"},
    {CF_CALLEE, "callednumber"}, {CF_CALLEE, "to"}, {CF_CALLEE, "dnis"}, {CF_CALLEE, "number"},
    {CF_CALLEE, "destnumber"},
    {CF_DIRECTION, "direction"}, {CF_DIRECTION, "calldirection"},
    {CF_SIP_CODE, "sipcode"}, {CF_SIP_CODE, "sipstatus"}, {CF_SIP_CODE, "responsecode"},
    {CF_SIP_CODE, "statuscode"}, {CF_SIP_CODE, "sipresponse"},
    {CF_Q850, "q850"}, {CF_Q850, "q850cause"}, {CF_Q850, "hangupcause"}, {CF_Q850, "cause"},
    {CF_Q850, "releasecause"},
    {CF_DISPOSITION, "disposition"}, {CF_DISPOSITION, "status"}, {CF_DISPOSITION, "result"},
    {CF_DISPOSITION, "callstatus"},
    {CF_CUSTOMER, "customer"}, {CF_CUSTOMER, "customerid"}, {CF_CUSTOMER, "accountcode"},
    {CF_CUSTOMER, "account"}, {CF_CUSTOMER, "tenant"}, {CF_CUSTOMER, "company"},
    {CF_CARRIER, "carrier"}, {CF_CARRIER, "provider"}, {CF_CARRIER, "providerid"},
    {CF_CARRIER, "trunk"}, {CF_CARRIER, "gateway"}, {CF_CARRIER, "vendor"}, {CF_CARRIER, "supplier"},
    {CF_CARRIER, "route"},
    {CF_DEST_PREFIX, "destprefix"}, {CF_DEST_PREFIX, "prefix"}, {CF_DEST_PREFIX, "destcode"},
    {CF_DEST_PREFIX, "dialcode"}, {CF_DEST_PREFIX, "ratecode"},
    {CF_DEST_NAME, "destname"}, {CF_DEST_NAME, "destinationname"}, {CF_DEST_NAME, "country"},
    {CF_RATE, "rate"}, {CF_RATE, "ratepermin"}, {CF_RATE, "rateperminute"},
    {CF_COST, "cost"}, {CF_COST, "buy"}, {CF_COST, "buycost"}, {CF_COST, "carriercost"},
    {CF_REVENUE, "revenue"}, {CF_REVENUE, "sell"}, {CF_REVENUE, "charge"}, {CF_REVENUE, "price"},
    {CF_REVENUE, "amount"},
    {CF_CURRENCY, "currency"}, {CF_CURRENCY, "curr"},
    {CF_CALL_ID, "callid"}, {CF_CALL_ID, "sipcallid"}, {CF_CALL_ID, "uuid"},
    {CF_CALL_ID2, "callid2"}, {CF_CALL_ID2, "bleguuid"}, {CF_CALL_ID2, "linkedid"},
    {CF_SOURCE_ROW, "id"}, {CF_SOURCE_ROW, "rowid"}, {CF_SOURCE_ROW, "uniqueid"},
    {CF_SOURCE_ROW, "cdrid"}, {CF_SOURCE_ROW, "recordid"},
    {CF_PDD_MS, "pdd"}, {CF_PDD_MS, "pddms"}, {CF_PDD_MS, "postdialdelay"},
    {CF_SIP_REASON, "sipreason"}, {CF_SIP_REASON, "reason"}, {CF_SIP_REASON, "hangupreason"},
    {CF_RING_S, "ringtime"}, {CF_RING_S, "ringduration"}, {CF_RING_S, "ringingduration"},
    {CF_ANSWERED, "answered"},
    END_ALIASES};

/* The record field names accepted in a mapping argument. */
static const char *const field_names[CF_COUNT] = {
    "start", "answer", "end", "duration", "billsec", "caller", "callee", "direction", "sip_code",
    "q850", "disposition", "customer", "carrier", "dest_prefix", "dest_name", "rate", "cost",
    "revenue", "currency", "call_id", "call_id2", "source_row", "pdd_ms", "sip_reason", "ring_s",
    "answered", "channel"};

static const alias *dialect_aliases(cdr_dialect d)
{
    switch (d) {
    case CDR_DIALECT_CONNEXCS: case CDR_DIALECT_CONNEXCS_JSON: return connexcs_aliases;
    case CDR_DIALECT_TCX: return tcx_aliases;
    case CDR_DIALECT_ASTERISK: return asterisk_aliases;
    case CDR_DIALECT_FREESWITCH: return freeswitch_aliases;
    default: return NULL;
    }
}

/* Normalised name: lower-case letters and digits only, at most outsz-1 bytes. */
static size_t norm(const char *s, size_t n, char *out, size_t outsz)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < outsz; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            out[k++] = (char)(c + 32);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[k++] = (char)c;
    }
    out[k] = 0;
    return k;
}

static void map_reset(cdr_colmap *m, cdr_dialect d)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < CF_COUNT; i++)
        m->col[i] = -1;
    m->dialect = d;
}

static void map_finish(cdr_colmap *m)
{
    m->n_used = 0;
    for (int i = 0; i < CF_COUNT; i++)
        if (m->col[i] >= 0)
            m->used[m->n_used++] = (unsigned char)i;
}

#define MAX_HDR 256

/* Assigns columns from one alias list; a column goes to one field only. */
static void apply_aliases(cdr_colmap *m, const alias *al, char names[][48], size_t nf, bool *taken)
{
    for (size_t a = 0; al[a].name; a++) {
        if (m->col[al[a].field] >= 0)
            continue;
        for (size_t i = 0; i < nf && i < MAX_HDR; i++) {
            if (strcmp(names[i], al[a].name) == 0 && (!taken[i] || al[a].field == CF_CALL_ID ||
                                                       al[a].field == CF_SOURCE_ROW)) {
                m->col[al[a].field] = (int)i;
                taken[i] = true;
                break;
            }
        }
    }
}

static bool has_name(char names[][48], size_t nf, const char *n)
{
    for (size_t i = 0; i < nf && i < MAX_HDR; i++)
        if (strcmp(names[i], n) == 0)
            return true;
    return false;
}

static cdr_dialect sniff_header(char names[][48], size_t nf)
{
    if (has_name(names, nf, "dt") && (has_name(names, nf, "destnumber") || has_name(names, nf, "callid") ||
                                      has_name(names, nf, "customercharge")))
        return CDR_DIALECT_CONNEXCS;
    if (has_name(names, nf, "historyid") || has_name(names, nf, "cdrid") ||
        has_name(names, nf, "maincallhistoryid") ||
        (has_name(names, nf, "timestart") && has_name(names, nf, "fromno")) ||
        (has_name(names, nf, "calltime") && (has_name(names, nf, "talking") || has_name(names, nf, "ringing"))) ||
        has_name(names, nf, "talkingduration"))
        return CDR_DIALECT_TCX;
    if (has_name(names, nf, "calleridnumber") && has_name(names, nf, "destinationnumber") &&
        (has_name(names, nf, "startstamp") || has_name(names, nf, "hangupcause")))
        return CDR_DIALECT_FREESWITCH;
    if (has_name(names, nf, "accountcode") && has_name(names, nf, "src") && has_name(names, nf, "dst") &&
        has_name(names, nf, "dcontext"))
        return CDR_DIALECT_ASTERISK;
    return CDR_DIALECT_GENERIC;
}

cdr_dialect cdr_colmap_from_header(cdr_colmap *m, cdr_dialect hint, const cdr_str *f, size_t nf)
{
    char nm[MAX_HDR][48];
    bool taken[MAX_HDR] = {false};
    if (nf == 0 || nf > MAX_HDR)
        return CDR_DIALECT_AUTO;
    for (size_t i = 0; i < nf; i++) {
        int64_t t;
        if (f[i].n >= 8 && cdr_parse_time(f[i].p, f[i].n, &t) == 0)
            return CDR_DIALECT_AUTO; /* data, not a header */
        norm(f[i].p, f[i].n, nm[i], sizeof nm[i]);
    }
    cdr_dialect d = hint == CDR_DIALECT_AUTO ? sniff_header(nm, nf) : hint;
    map_reset(m, d);
    const alias *al = dialect_aliases(d);
    if (al)
        apply_aliases(m, al, nm, nf, taken);
    apply_aliases(m, generic_aliases, nm, nf, taken);
    if (m->col[CF_START] < 0 || (m->col[CF_CALLEE] < 0 && m->col[CF_CALLER] < 0))
        return CDR_DIALECT_AUTO;
    m->min_fields = m->max_fields = nf;
    map_finish(m);
    return d;
}

static bool is_time(const cdr_str *f)
{
    int64_t t;
    return cdr_parse_time(f->p, f->n, &t) == 0;
}

static bool is_int(const cdr_str *f)
{
    int64_t v;
    return cdr_parse_int(f->p, f->n, &v) == 0;
}

static bool is_cause_name(const cdr_str *f)
{
    if (f->n < 3)
        return false;
    for (size_t i = 0; i < f->n; i++)
        if (!((f->p[i] >= 'A' && f->p[i] <= 'Z') || f->p[i] == '_'))
            return false;
    return true;
}

static void fixed(cdr_colmap *m, cdr_dialect d, const int *cols, size_t lo, size_t hi)
{
    map_reset(m, d);
    for (int i = 0; i < CF_COUNT; i++)
        m->col[i] = cols[i];
    m->min_fields = lo;
    m->max_fields = hi;
    map_finish(m);
}

cdr_dialect cdr_colmap_fixed(cdr_colmap *m, cdr_dialect hint, const cdr_str *f, size_t nf)
{
    int cols[CF_COUNT];
    for (int i = 0; i < CF_COUNT; i++)
        cols[i] = -1;
    bool ast = nf >= 18 && nf <= 22 && is_time(&f[9]) && is_time(&f[11]) && is_int(&f[12]) && is_int(&f[13]);
    bool fs = nf >= 15 && nf <= 16 && is_time(&f[4]) && is_time(&f[6]) && is_int(&f[7]) &&
              is_int(&f[8]) && is_cause_name(&f[9]);
    if ((hint == CDR_DIALECT_AUTO || hint == CDR_DIALECT_ASTERISK) && ast) {
        cols[CF_CUSTOMER] = 0, cols[CF_CALLER] = 1, cols[CF_CALLEE] = 2, cols[CF_CHANNEL] = 6;
        cols[CF_START] = 9, cols[CF_ANSWER] = 10, cols[CF_END] = 11, cols[CF_DURATION] = 12;
        cols[CF_BILLSEC] = 13, cols[CF_DISPOSITION] = 14, cols[CF_SOURCE_ROW] = 16;
        cols[CF_CALL_ID] = 16;
        if (nf >= 20)
            cols[CF_CALL_ID2] = 19;
        fixed(m, CDR_DIALECT_ASTERISK, cols, 18, 22);
        return CDR_DIALECT_ASTERISK;
    }
    if ((hint == CDR_DIALECT_AUTO || hint == CDR_DIALECT_FREESWITCH) && fs) {
        cols[CF_CALLER] = 1, cols[CF_CALLEE] = 2, cols[CF_START] = 4, cols[CF_ANSWER] = 5;
        cols[CF_END] = 6, cols[CF_DURATION] = 7, cols[CF_BILLSEC] = 8, cols[CF_Q850] = 9;
        cols[CF_CALL_ID] = 10, cols[CF_SOURCE_ROW] = 10, cols[CF_CALL_ID2] = 11;
        cols[CF_CUSTOMER] = 12;
        fixed(m, CDR_DIALECT_FREESWITCH, cols, 15, 16);
        return CDR_DIALECT_FREESWITCH;
    }
    return CDR_DIALECT_AUTO;
}

/* ---- mapping argument ------------------------------------------------------------------ */

static int field_by_name(const char *s, size_t n)
{
    for (int i = 0; i < CF_COUNT; i++)
        if (strlen(field_names[i]) == n && strncmp(field_names[i], s, n) == 0)
            return i;
    return -1;
}

/* Iterates "k=v" items; returns the number of items or -1. */
typedef int (*item_fn)(void *ud, const char *k, size_t kn, const char *v, size_t vn);

static int each_item(const char *mapping, item_fn fn, void *ud)
{
    const char *p = mapping;
    int count = 0;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq || eq == p || eq + 1 == p + len)
            return -1;
        if (fn(ud, p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1) < 0)
            return -1;
        count++;
        p += len + (e ? 1 : 0);
    }
    return count;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 4)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int count_indexed(void *ud, const char *k, size_t kn, const char *v, size_t vn)
{
    int *flags = ud;
    flags[all_digits(v, vn) ? 0 : 1]++;
    return 0;
}

int cdr_colmap_mapping_is_indexed(const char *mapping)
{
    int flags[2] = {0, 0};
    if (each_item(mapping, count_indexed, flags) <= 0)
        return -1;
    return flags[1] == 0 ? 1 : 0;
}

typedef struct map_ctx {
    cdr_colmap *m;
    const cdr_str *f;
    size_t nf;
    char *err;
    size_t errsz;
} map_ctx;

static int map_item(void *ud, const char *k, size_t kn, const char *v, size_t vn)
{
    map_ctx *c = ud;
    int fid = field_by_name(k, kn);
    if (fid < 0) {
        snprintf(c->err, c->errsz, "mapping: unknown field \"%.*s\"", (int)(kn > 40 ? 40 : kn), k);
        return -1;
    }
    if (all_digits(v, vn)) {
        int idx = 0;
        for (size_t i = 0; i < vn; i++) idx = idx * 10 + (v[i] - '0');
        if (idx < 1 || idx > 256) {
            snprintf(c->err, c->errsz, "mapping: column %d out of range 1..256", idx);
            return -1;
        }
        c->m->col[fid] = idx - 1;
        return 0;
    }
    char want[48], have[48];
    norm(v, vn, want, sizeof want);
    for (size_t i = 0; c->f && i < c->nf; i++) {
        norm(c->f[i].p, c->f[i].n, have, sizeof have);
        if (strcmp(want, have) == 0) {
            c->m->col[fid] = (int)i;
            return 0;
        }
    }
    snprintf(c->err, c->errsz, "mapping: no column named \"%.*s\" in the header", (int)(vn > 40 ? 40 : vn), v);
    return -1;
}

int cdr_colmap_from_mapping(cdr_colmap *m, const char *mapping, const cdr_str *f, size_t nf,
                            char *err, size_t errsz)
{
    map_reset(m, CDR_DIALECT_GENERIC);
    map_ctx c = {m, f, nf, err, errsz};
    if (each_item(mapping, map_item, &c) < 0) {
        if (!err[0])
            snprintf(err, errsz, "mapping must look like \"start=calldate,callee=3\"");
        return -1;
    }
    if (m->col[CF_START] < 0) {
        snprintf(err, errsz, "mapping must name the start column (start=...)");
        return -1;
    }
    int maxcol = 0;
    for (int i = 0; i < CF_COUNT; i++)
        if (m->col[i] > maxcol)
            maxcol = m->col[i];
    m->min_fields = (size_t)maxcol + 1;
    m->max_fields = f ? nf : 256;
    if (f && m->min_fields < nf)
        m->min_fields = nf;
    map_finish(m);
    return 0;
}

/* ---- row conversion -------------------------------------------------------------------- */

static cdr_str trim(cdr_str s)
{
    while (s.n && (*s.p == ' ' || *s.p == '\t')) s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t')) s.n--;
    return s;
}

/* Asterisk dstchannel "PJSIP/trunk1-0000002a" -> "trunk1". */
static cdr_str channel_peer(cdr_str s)
{
    const char *slash = memchr(s.p, '/', s.n);
    if (slash) {
        s.n -= (size_t)(slash + 1 - s.p);
        s.p = slash + 1;
    }
    for (size_t i = s.n; i > 0; i--)
        if (s.p[i - 1] == '-') {
            s.n = i - 1;
            break;
        }
    return s;
}

static bool parse_bool(cdr_str s, bool *out)
{
    if (s.n == 0)
        return false;
    char c = s.p[0];
    if (c == 't' || c == 'T' || c == 'y' || c == 'Y' || c == '1') { *out = true; return true; }
    if (c == 'f' || c == 'F' || c == 'n' || c == 'N' || c == '0') { *out = false; return true; }
    return false;
}

typedef struct conv {
    int64_t ring_s;
    bool has_ring, answered_flag, has_answered_flag;
} conv;

static int bad(char *reason, size_t rsz, const char *what, int fid)
{
    snprintf(reason, rsz, "%s in column %s", what, field_names[fid]);
    return -1;
}

static int convert(cdr_record *r, conv *cv, int fid, cdr_str v, char *reason, size_t rsz)
{
    int64_t i;
    double d;
    switch (fid) {
    case CF_START: case CF_ANSWER: case CF_END: {
        int64_t *t = fid == CF_START ? &r->start_ms : fid == CF_ANSWER ? &r->answer_ms : &r->end_ms;
        if (cdr_parse_time(v.p, v.n, t) < 0)
            return bad(reason, rsz, "bad time", fid);
        return 0;
    }
    case CF_DURATION: case CF_BILLSEC: case CF_RING_S:
        if (cdr_parse_duration(v.p, v.n, &i) < 0)
            return bad(reason, rsz, "bad duration", fid);
        if (fid == CF_DURATION) r->duration_s = i, r->have |= CDR_HAVE_DURATION;
        else if (fid == CF_BILLSEC) r->billsec_s = i, r->have |= CDR_HAVE_BILLSEC;
        else cv->ring_s = i, cv->has_ring = true;
        return 0;
    case CF_CALLER: r->caller = v; return 0;
    case CF_CALLEE: r->callee = v; return 0;
    case CF_DIRECTION: {
        int dir = cdr_direction_parse(v.p, v.n);
        if (dir > 0) r->direction = (cdr_direction)dir;
        return 0;
    }
    case CF_SIP_CODE:
        if (cdr_parse_int(v.p, v.n, &i) < 0 || i < 100 || i > 699)
            return bad(reason, rsz, "bad SIP code", fid);
        r->sip_code = (int16_t)i;
        return 0;
    case CF_Q850:
        if (cdr_parse_int(v.p, v.n, &i) == 0 && i >= 0 && i < 1000)
            r->q850 = (int16_t)i;
        else if ((i = cdr_q850_from_name(v.p, v.n)) > 0)
            r->q850 = (int16_t)i;
        if (!r->sip_reason.n)
            r->sip_reason = v;
        return 0;
    case CF_DISPOSITION: {
        int dp = cdr_disposition_parse(v.p, v.n);
        if (dp > 0) r->disposition = (cdr_disposition)dp;
        return 0;
    }
    case CF_CUSTOMER: r->customer = v; return 0;
    case CF_CARRIER: r->carrier = v; return 0;
    case CF_CHANNEL: if (!r->carrier.n) r->carrier = channel_peer(v); return 0;
    case CF_DEST_PREFIX: r->dest_prefix = v; return 0;
    case CF_DEST_NAME: r->dest_name = v; return 0;
    case CF_RATE: case CF_COST: case CF_REVENUE: case CF_PDD_MS:
        if (cdr_parse_double(v.p, v.n, &d) < 0)
            return bad(reason, rsz, "bad number", fid);
        if (fid == CF_RATE) r->rate = d, r->have |= CDR_HAVE_RATE;
        else if (fid == CF_COST) r->cost = d, r->have |= CDR_HAVE_COST;
        else if (fid == CF_REVENUE) r->revenue = d, r->have |= CDR_HAVE_REVENUE;
        else if (d >= 0 && d < 1e7) r->pdd_ms = (int32_t)d, r->have |= CDR_HAVE_PDD;
        return 0;
    case CF_CURRENCY: r->currency = v; return 0;
    case CF_CALL_ID: r->call_id = v; return 0;
    case CF_CALL_ID2: r->call_id2 = v; return 0;
    case CF_SOURCE_ROW: r->source_row = v; return 0;
    case CF_SIP_REASON: r->sip_reason = v; return 0;
    case CF_ANSWERED:
        if (!parse_bool(v, &cv->answered_flag))
            return bad(reason, rsz, "bad boolean", fid);
        cv->has_answered_flag = true;
        return 0;
    default:
        return 0;
    }
}

/* Ringing + talking durations (3CX, ConnexCS) -> answer/end times. */
static void apply_ring(cdr_record *r, const conv *cv)
{
    if (cv->has_answered_flag && r->disposition == CDR_DISP_UNKNOWN)
        r->disposition = cv->answered_flag ? CDR_DISP_ANSWERED : CDR_DISP_NO_ANSWER;
    if (!cv->has_ring || !r->start_ms)
        return;
    bool talked = r->billsec_s > 0 || (cv->has_answered_flag && cv->answered_flag);
    if (talked && !r->answer_ms)
        r->answer_ms = r->start_ms + cv->ring_s * 1000;
    if (!r->end_ms)
        r->end_ms = r->start_ms + (cv->ring_s + (talked ? r->billsec_s : 0)) * 1000;
}

int cdr_colmap_row(const cdr_colmap *m, const cdr_str *f, size_t nf, uint64_t line, cdr_record *r,
                   char *reason, size_t rsz)
{
    if (nf < m->min_fields || nf > m->max_fields) {
        if (m->min_fields == m->max_fields)
            snprintf(reason, rsz, "wrong field count %zu (expected %zu)", nf, m->min_fields);
        else
            snprintf(reason, rsz, "wrong field count %zu (expected %zu..%zu)", nf, m->min_fields,
                     m->max_fields);
        return -1;
    }
    cdr_record_clear(r);
    r->line = line;
    conv cv = {0, false, false, false};
    for (unsigned k = 0; k < m->n_used; k++) {
        int fid = m->used[k];
        int col = m->col[fid];
        if ((size_t)col >= nf)
            continue;
        cdr_str v = trim(f[col]);
        if (v.n == 0) {
            if (fid == CF_START)
                return bad(reason, rsz, "empty time", fid);
            continue;
        }
        if (convert(r, &cv, fid, v, reason, rsz) < 0)
            return -1;
    }
    apply_ring(r, &cv);
    if (!r->start_ms)
        return bad(reason, rsz, "missing time", CF_START);
    return 0;
}

/* ---- JSON rows ------------------------------------------------------------------------- */

static cdr_str scratch_put(cdr_json_scratch *s, const char *p, size_t n)
{
    if (s->used + n > sizeof s->buf)
        n = sizeof s->buf - s->used;
    memcpy(s->buf + s->used, p, n);
    cdr_str out = {s->buf + s->used, n};
    s->used += n;
    return out;
}

/* Appends the non-empty strings of a (possibly nested) array, separated by "/". */
static void join_strings(cdr_json_scratch *s, const json_t *a, size_t start, int depth)
{
    size_t i;
    json_t *x;
    if (depth > 4)
        return;
    json_array_foreach(a, i, x) {
        if (json_is_array(x)) {
            join_strings(s, x, start, depth + 1);
        } else if (json_is_string(x) && json_string_length(x)) {
            if (s->used > start)
                scratch_put(s, "/", 1);
            scratch_put(s, json_string_value(x), json_string_length(x));
        }
    }
}

/* Renders a JSON value as text; objects (currency maps) give their first amount and report
 * the currency; arrays (groupUniqArray names) give their non-empty strings joined by "/". */
static bool render(cdr_json_scratch *s, const json_t *v, cdr_str *out, const char **currency)
{
    char tmp[64];
    int n;
    switch (json_typeof(v)) {
    case JSON_STRING:
        *out = (cdr_str){json_string_value(v), json_string_length(v)};
        return true;
    case JSON_INTEGER:
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        *out = scratch_put(s, tmp, (size_t)n);
        return true;
    case JSON_REAL:
        n = snprintf(tmp, sizeof tmp, "%.10g", json_real_value(v));
        *out = scratch_put(s, tmp, (size_t)n);
        return true;
    case JSON_TRUE: *out = CDR_STR("true"); return true;
    case JSON_FALSE: *out = CDR_STR("false"); return true;
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            if (json_is_number(x)) {
                *currency = k;
                return render(s, x, out, currency);
            }
        }
        return false;
    }
    case JSON_ARRAY: {
        size_t start = s->used;
        join_strings(s, v, start, 0);
        *out = (cdr_str){s->buf + start, s->used - start};
        return out->n > 0;
    }
    default:
        return false;
    }
}

int cdr_json_row(cdr_dialect d, const json_t *row, uint64_t line, cdr_record *r,
                 cdr_json_scratch *s, char *reason, size_t rsz)
{
    if (!json_is_object(row)) {
        snprintf(reason, rsz, "row is not an object");
        return -1;
    }
    s->used = 0;
    size_t nf = 0;
    const char *k, *currency = NULL;
    json_t *v;
    json_object_foreach((json_t *)row, k, v) {
        if (nf >= 127)
            break;
        cdr_str val;
        const char *cur = NULL;
        if (!render(s, v, &val, &cur))
            continue;
        if (cur && !currency)
            currency = cur;
        s->names[nf] = (cdr_str){k, strlen(k)};
        s->values[nf++] = val;
    }
    if (currency) {
        s->names[nf] = CDR_STR("currency");
        s->values[nf++] = (cdr_str){currency, strlen(currency)};
    }
    cdr_colmap m;
    char names[MAX_HDR][48];
    bool taken[MAX_HDR] = {false};
    for (size_t i = 0; i < nf; i++)
        norm(s->names[i].p, s->names[i].n, names[i], sizeof names[i]);
    map_reset(&m, d);
    const alias *al = dialect_aliases(d);
    if (al)
        apply_aliases(&m, al, names, nf, taken);
    apply_aliases(&m, generic_aliases, names, nf, taken);
    m.min_fields = 0;
    m.max_fields = nf;
    map_finish(&m);
    if (m.col[CF_START] < 0) {
        snprintf(reason, rsz, "row has no start time field");
        return -1;
    }
    return cdr_colmap_row(&m, s->values, nf, line, r, reason, rsz);
}

/* ---- direction ------------------------------------------------------------------------- */

static bool is_short(const char *e164)
{
    return e164[0] && e164[0] != '+' && strlen(e164) <= 6;
}

void cdr_import_infer_direction(cdr_record *r)
{
    if (r->direction != CDR_DIR_UNKNOWN || !r->caller_e164[0] || !r->callee_e164[0])
        return;
    bool a = is_short(r->caller_e164), b = is_short(r->callee_e164);
    if (a && b)
        r->direction = CDR_DIR_INTERNAL;
    else if (a)
        r->direction = CDR_DIR_OUTBOUND;
    else if (b)
        r->direction = CDR_DIR_INBOUND;
}
