/* The normalised CDR record: derivation of missing fields, code tables (SIP <-> Q.850, cause
 * names, dispositions, directions), and the field parsers every importer uses (times,
 * durations, numbers) — all over pointer+length views, no sscanf, no locale. */
#include "cdr/cdr_record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void cdr_record_clear(cdr_record *r)
{
    memset(r, 0, sizeof *r);
}

/* ---- code tables ------------------------------------------------------------------------ */

typedef struct code_pair {
    short a, b;
} code_pair;

/* RFC 3398 §8.2.6.1: SIP response -> Q.850 cause. */
static const code_pair sip_to_q850[] = {
    {400, 41}, {401, 21}, {402, 21}, {403, 21}, {404, 1},   {405, 63},  {406, 79},  {407, 21},
    {408, 102}, {410, 22}, {413, 127}, {414, 127}, {415, 79}, {416, 127}, {420, 127}, {421, 127},
    {423, 127}, {480, 18}, {481, 41}, {482, 25},  {483, 25},  {484, 28},  {485, 1},   {486, 17},
    {500, 41}, {501, 79}, {502, 38},  {503, 41},  {504, 102}, {505, 127}, {513, 127}, {580, 3},
    {600, 17}, {603, 21}, {604, 1},
};

/* RFC 3398 §7.2.4.1: Q.850 cause -> SIP response. */
static const code_pair q850_to_sip[] = {
    {1, 404},  {2, 404},  {3, 404},  {17, 486}, {18, 408}, {19, 480}, {20, 480}, {21, 403},
    {22, 410}, {23, 410}, {26, 404}, {27, 502}, {28, 484}, {29, 501}, {31, 480}, {34, 503},
    {38, 503}, {41, 503}, {42, 503}, {47, 503}, {55, 403}, {57, 403}, {58, 503}, {65, 488},
    {70, 488}, {79, 501}, {87, 403}, {88, 503}, {102, 504}, {111, 500}, {127, 500},
};

static int lookup(const code_pair *t, size_t n, int key)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].a == key)
            return t[i].b;
    return 0;
}

int cdr_q850_from_sip(int sip)
{
    return lookup(sip_to_q850, sizeof sip_to_q850 / sizeof sip_to_q850[0], sip);
}

int cdr_sip_from_q850(int cause)
{
    if (cause == 16)
        return 200;
    int s = lookup(q850_to_sip, sizeof q850_to_sip / sizeof q850_to_sip[0], cause);
    return s ? s : (cause > 0 && cause < 128 ? 500 : 0);
}

typedef struct cause_name {
    short code;
    const char *name;
} cause_name;

/* Q.850 cause names as FreeSWITCH writes them (hangup_cause); ORIGINATOR_CANCEL is
 * FreeSWITCH's own 487. */
static const cause_name causes[] = {
    {1, "UNALLOCATED_NUMBER"}, {2, "NO_ROUTE_TRANSIT_NET"}, {3, "NO_ROUTE_DESTINATION"},
    {6, "CHANNEL_UNACCEPTABLE"}, {7, "CALL_AWARDED_DELIVERED"}, {16, "NORMAL_CLEARING"},
    {17, "USER_BUSY"}, {18, "NO_USER_RESPONSE"}, {19, "NO_ANSWER"}, {20, "SUBSCRIBER_ABSENT"},
    {21, "CALL_REJECTED"}, {22, "NUMBER_CHANGED"}, {23, "REDIRECTION_TO_NEW_DESTINATION"},
    {25, "EXCHANGE_ROUTING_ERROR"}, {27, "DESTINATION_OUT_OF_ORDER"}, {28, "INVALID_NUMBER_FORMAT"},
    {29, "FACILITY_REJECTED"}, {30, "RESPONSE_TO_STATUS_ENQUIRY"}, {31, "NORMAL_UNSPECIFIED"},
    {34, "NORMAL_CIRCUIT_CONGESTION"}, {38, "NETWORK_OUT_OF_ORDER"}, {41, "NORMAL_TEMPORARY_FAILURE"},
    {42, "SWITCH_CONGESTION"}, {43, "ACCESS_INFO_DISCARDED"}, {44, "REQUESTED_CHAN_UNAVAIL"},
    {45, "PRE_EMPTED"}, {47, "RESOURCE_UNAVAILABLE"}, {50, "FACILITY_NOT_SUBSCRIBED"},
    {52, "OUTGOING_CALL_BARRED"}, {54, "INCOMING_CALL_BARRED"}, {57, "BEARERCAPABILITY_NOTAUTH"},
    {58, "BEARERCAPABILITY_NOTAVAIL"}, {63, "SERVICE_UNAVAILABLE"}, {65, "BEARERCAPABILITY_NOTIMPL"},
    {66, "CHAN_NOT_IMPLEMENTED"}, {69, "FACILITY_NOT_IMPLEMENTED"}, {79, "SERVICE_NOT_IMPLEMENTED"},
    {81, "INVALID_CALL_REFERENCE"}, {88, "INCOMPATIBLE_DESTINATION"}, {95, "INVALID_MSG_UNSPECIFIED"},
    {96, "MANDATORY_IE_MISSING"}, {97, "MESSAGE_TYPE_NONEXIST"}, {98, "WRONG_MESSAGE"},
    {99, "IE_NONEXIST"}, {100, "INVALID_IE_CONTENTS"}, {101, "WRONG_CALL_STATE"},
    {102, "RECOVERY_ON_TIMER_EXPIRE"}, {103, "MANDATORY_IE_LENGTH_ERROR"}, {111, "PROTOCOL_ERROR"},
    {127, "INTERWORKING"}, {487, "ORIGINATOR_CANCEL"},
};

static bool eq_ci(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n != k)
        return false;
    for (size_t i = 0; i < n; i++) {
        int a = (unsigned char)s[i], b = (unsigned char)w[i];
        if (a >= 'A' && a <= 'Z') a += 32;
        if (b >= 'A' && b <= 'Z') b += 32;
        if (a != b)
            return false;
    }
    return true;
}

int cdr_q850_from_name(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
        if (eq_ci(s, n, causes[i].name))
            return causes[i].code;
    return 0;
}

const char *cdr_q850_name(int cause)
{
    for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
        if (causes[i].code == cause)
            return causes[i].name;
    return NULL;
}

static const char *const dir_names[CDR_DIR_COUNT_] = {"unknown", "inbound", "outbound", "internal"};
static const char *const disp_names[CDR_DISP_COUNT_] = {
    "unknown", "answered", "no_answer", "busy", "cancelled", "rejected", "failed", "congestion"};

const char *cdr_direction_name(cdr_direction d)
{
    return (unsigned)d < CDR_DIR_COUNT_ ? dir_names[d] : "unknown";
}

const char *cdr_disposition_name(cdr_disposition d)
{
    return (unsigned)d < CDR_DISP_COUNT_ ? disp_names[d] : "unknown";
}

static bool prefix_ci(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    return n >= k && eq_ci(s, k, w);
}

int cdr_direction_parse(const char *s, size_t n)
{
    while (n && *s == ' ') s++, n--;
    if (n == 0)
        return -1;
    if (prefix_ci(s, n, "in") || eq_ci(s, n, "i") || eq_ci(s, n, "incoming"))
        return prefix_ci(s, n, "internal") ? CDR_DIR_INTERNAL : CDR_DIR_INBOUND;
    if (prefix_ci(s, n, "out") || eq_ci(s, n, "o"))
        return CDR_DIR_OUTBOUND;
    if (eq_ci(s, n, "local") || eq_ci(s, n, "int") || prefix_ci(s, n, "extension"))
        return CDR_DIR_INTERNAL;
    if (eq_ci(s, n, "unknown"))
        return CDR_DIR_UNKNOWN;
    return -1;
}

typedef struct disp_word {
    const char *w;
    cdr_disposition d;
} disp_word;

static const disp_word disp_words[] = {
    {"answered", CDR_DISP_ANSWERED},   {"answer", CDR_DISP_ANSWERED},
    {"connected", CDR_DISP_ANSWERED},  {"completed", CDR_DISP_ANSWERED},
    {"no answer", CDR_DISP_NO_ANSWER}, {"no_answer", CDR_DISP_NO_ANSWER},
    {"noanswer", CDR_DISP_NO_ANSWER},  {"unanswered", CDR_DISP_NO_ANSWER},
    {"missed", CDR_DISP_NO_ANSWER},    {"busy", CDR_DISP_BUSY},
    {"cancel", CDR_DISP_CANCELLED},    {"cancelled", CDR_DISP_CANCELLED},
    {"canceled", CDR_DISP_CANCELLED},  {"abandoned", CDR_DISP_CANCELLED},
    {"rejected", CDR_DISP_REJECTED},   {"declined", CDR_DISP_REJECTED},
    {"failed", CDR_DISP_FAILED},       {"failure", CDR_DISP_FAILED},
    {"congestion", CDR_DISP_CONGESTION}, {"unknown", CDR_DISP_UNKNOWN},
};

int cdr_disposition_parse(const char *s, size_t n)
{
    while (n && s[n - 1] == ' ') n--;
    for (size_t i = 0; i < sizeof disp_words / sizeof disp_words[0]; i++)
        if (eq_ci(s, n, disp_words[i].w))
            return (int)disp_words[i].d;
    return -1;
}

/* ---- derivation ------------------------------------------------------------------------- */

static cdr_disposition disp_from_sip(int sip)
{
    if (sip >= 200 && sip < 300)
        return CDR_DISP_ANSWERED;
    switch (sip) {
    case 486: case 600: return CDR_DISP_BUSY;
    case 480: case 408: return CDR_DISP_NO_ANSWER;
    case 487: return CDR_DISP_CANCELLED;
    case 603: case 403: return CDR_DISP_REJECTED;
    case 503: case 502: case 500: case 504: return CDR_DISP_CONGESTION;
    default: return CDR_DISP_FAILED;
    }
}

static cdr_disposition disp_from_q850(int c, bool talked)
{
    switch (c) {
    case 16: return talked ? CDR_DISP_ANSWERED : CDR_DISP_NO_ANSWER;
    case 17: return CDR_DISP_BUSY;
    case 18: case 19: case 20: return CDR_DISP_NO_ANSWER;
    case 21: return CDR_DISP_REJECTED;
    case 34: case 38: case 41: case 42: case 44: case 47: return CDR_DISP_CONGESTION;
    case 487: return CDR_DISP_CANCELLED;
    default: return CDR_DISP_FAILED;
    }
}

static void derive_times(cdr_record *r)
{
    if (!r->end_ms && r->start_ms && (r->have & CDR_HAVE_DURATION))
        r->end_ms = r->start_ms + r->duration_s * 1000;
    if (!r->answer_ms && r->end_ms && (r->have & CDR_HAVE_BILLSEC) && r->billsec_s > 0)
        r->answer_ms = r->end_ms - r->billsec_s * 1000;
    if (!(r->have & CDR_HAVE_DURATION) && r->start_ms && r->end_ms && r->end_ms >= r->start_ms) {
        r->duration_s = (r->end_ms - r->start_ms + 500) / 1000;
        r->have |= CDR_HAVE_DURATION;
    }
    if (!(r->have & CDR_HAVE_BILLSEC) && r->answer_ms && r->end_ms && r->end_ms >= r->answer_ms) {
        r->billsec_s = (r->end_ms - r->answer_ms + 500) / 1000;
        r->have |= CDR_HAVE_BILLSEC;
    }
    if (!(r->have & CDR_HAVE_DURATION) && (r->have & CDR_HAVE_BILLSEC)) {
        r->duration_s = r->billsec_s; /* only talk time known (ConnexCS): holding >= talk */
        r->have |= CDR_HAVE_DURATION;
    }
    if (r->start_ms) r->have |= CDR_HAVE_START;
    if (r->answer_ms) r->have |= CDR_HAVE_ANSWER;
    if (r->end_ms) r->have |= CDR_HAVE_END;
}

static void derive_disposition(cdr_record *r)
{
    if (r->q850 >= 128) { /* a name like ORIGINATOR_CANCEL that is really a SIP code */
        if (!r->sip_code)
            r->sip_code = r->q850;
        r->q850 = 0;
    }
    bool talked = r->billsec_s > 0 || r->answer_ms > 0;
    if (r->disposition == CDR_DISP_UNKNOWN) {
        if (talked)
            r->disposition = CDR_DISP_ANSWERED;
        else if (r->sip_code)
            r->disposition = disp_from_sip(r->sip_code);
        else if (r->q850)
            r->disposition = disp_from_q850(r->q850, talked);
        else
            r->disposition = CDR_DISP_FAILED;
    }
    if (!r->sip_code) {
        if (r->disposition == CDR_DISP_ANSWERED)
            r->sip_code = 200;
        else if (r->q850)
            r->sip_code = (int16_t)cdr_sip_from_q850(r->q850);
    }
    if (!r->q850 && r->sip_code && r->sip_code != 200)
        r->q850 = (int16_t)cdr_q850_from_sip(r->sip_code);
    if (r->sip_code) r->have |= CDR_HAVE_SIP;
    if (r->q850) r->have |= CDR_HAVE_Q850;
}

void cdr_record_finish(cdr_record *r, const sb_phone_country *def)
{
    derive_times(r);
    derive_disposition(r);
    if (r->disposition != CDR_DISP_ANSWERED && !(r->have & CDR_HAVE_BILLSEC)) {
        r->billsec_s = 0;
        r->have |= CDR_HAVE_BILLSEC;
    }
    if (r->caller.n)
        sb_phone_normalize(r->caller.p, r->caller.n, def, r->caller_e164);
    else
        r->caller_e164[0] = 0;
    if (r->callee.n)
        sb_phone_normalize(r->callee.p, r->callee.n, def, r->callee_e164);
    else
        r->callee_e164[0] = 0;
}

bool cdr_record_ner_ok(const cdr_record *r)
{
    switch (r->disposition) {
    case CDR_DISP_ANSWERED: case CDR_DISP_BUSY: case CDR_DISP_NO_ANSWER:
    case CDR_DISP_CANCELLED: case CDR_DISP_REJECTED:
        return true;
    default:
        return false;
    }
}

static bool has_ci(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++)
        if ((s[i] | 0x20) == w[0] && eq_ci(s + i, k, w))
            return true;
    return false;
}

bool cdr_record_no_route(const cdr_record *r)
{
    if (r->disposition == CDR_DISP_ANSWERED)
        return false;
    switch (r->sip_code) {
    case 404: case 484: case 604: case 580: return true;
    case 503:
        if (r->q850 == 0 || r->q850 == 3 || r->q850 == 34 || r->q850 == 38 || r->q850 == 41)
            return true;
        break;
    default:
        break;
    }
    if (r->q850 >= 1 && r->q850 <= 3)
        return true;
    /* a reason naming the missing route, whatever the code ("No Route Available" on a 480) */
    return r->sip_reason.n >= 8 && (r->sip_code == 0 || r->sip_code >= 480) &&
           (has_ci(r->sip_reason.p, r->sip_reason.n, "no route") ||
            has_ci(r->sip_reason.p, r->sip_reason.n, "no_route"));
}

size_t cdr_record_prefix(const cdr_record *r, unsigned digits, char *out, size_t outsz)
{
    const char *p;
    size_t n;
    if (outsz == 0)
        return 0;
    if (r->dest_prefix.n) {
        p = r->dest_prefix.p, n = r->dest_prefix.n;
    } else if (r->callee_e164[0]) {
        p = r->callee_e164[0] == '+' ? r->callee_e164 + 1 : r->callee_e164;
        n = strlen(p);
        if (n > digits) n = digits;
    } else {
        p = r->callee.p, n = r->callee.n;
        if (n > digits) n = digits;
    }
    if (n >= outsz) n = outsz - 1;
    if (n) memcpy(out, p, n);
    out[n] = 0;
    return n;
}

/* ---- field parsers ---------------------------------------------------------------------- */

static int num(const char *s, size_t n, int64_t *v)
{
    int64_t x = 0;
    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

/* Howard Hinnant's days_from_civil. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int valid_date(int64_t y, int64_t mo, int64_t d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return 0;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mo != 2 || d <= 28 || leap;
}

/* Parses "HH:MM[:SS[.fff]]" and an optional zone at t[0..n); sets ms of day and offset. */
static int parse_clock(const char *t, size_t n, int64_t *ms, int64_t *off_ms)
{
    int64_t h, mi, sec = 0, frac = 0;
    size_t i = 5;
    *off_ms = 0;
    if (n < 5 || t[2] != ':' || num(t, 2, &h) || num(t + 3, 2, &mi))
        return -1;
    if (n >= 8 && t[5] == ':') {
        if (num(t + 6, 2, &sec))
            return -1;
        i = 8;
        if (i < n && (t[i] == '.' || t[i] == ',')) {
            size_t k = ++i, scale = 0;
            while (i < n && t[i] >= '0' && t[i] <= '9') {
                if (scale < 3)
                    frac = frac * 10 + (t[i] - '0'), scale++;
                i++;
            }
            if (i == k)
                return -1;
            while (scale < 3)
                frac *= 10, scale++;
        }
    }
    if (h > 23 || mi > 59 || sec > 60)
        return -1;
    while (i < n && t[i] == ' ') i++;
    if (i < n) {
        if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == n) {
            i++;
        } else if ((t[i] == '+' || t[i] == '-') && (n - i == 6 || n - i == 5 || n - i == 3)) {
            int64_t oh, om = 0;
            int sign = t[i] == '-' ? -1 : 1;
            const char *z = t + i + 1;
            if (num(z, 2, &oh))
                return -1;
            if (n - i == 6 && (z[2] != ':' || num(z + 3, 2, &om)))
                return -1;
            if (n - i == 5 && num(z + 2, 2, &om))
                return -1;
            *off_ms = sign * (oh * 3600 + om * 60) * 1000;
            i = n;
        } else if (n - i == 3 && eq_ci(t + i, 3, "UTC")) {
            i = n;
        } else {
            return -1;
        }
    }
    *ms = ((h * 60 + mi) * 60 + sec) * 1000 + frac;
    return 0;
}

static int parse_epoch(const char *s, size_t n, int64_t *ms)
{
    size_t dot = n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.') { dot = i; break; }
    int64_t v;
    if (num(s, dot, &v))
        return -1;
    if (dot == 13 && dot == n) {
        *ms = v;
        return 0;
    }
    if (dot < 9 || dot > 10)
        return -1;
    int64_t frac = 0;
    if (dot < n) {
        size_t k = 0;
        for (size_t i = dot + 1; i < n; i++, k++) {
            if (s[i] < '0' || s[i] > '9')
                return -1;
            if (k < 3) frac = frac * 10 + (s[i] - '0');
        }
        for (; k < 3; k++) frac *= 10;
    }
    *ms = v * 1000 + frac;
    return 0;
}

static inline int d2(const char *p)
{
    unsigned a = (unsigned)(p[0] - '0'), b = (unsigned)(p[1] - '0');
    return a < 10 && b < 10 ? (int)(a * 10 + b) : -1;
}

/* "YYYY-MM-DD HH:MM:SS" exactly: the layout nearly every CSV uses. -1 = not this layout. */
static int fast_time(const char *s, int64_t *ms)
{
    if (s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
        return -1;
    int y1 = d2(s), y2 = d2(s + 2), mo = d2(s + 5), d = d2(s + 8), h = d2(s + 11), mi = d2(s + 14),
        sec = d2(s + 17);
    if ((y1 | y2 | mo | d | h | mi | sec) < 0)
        return -1;
    int64_t y = y1 * 100 + y2;
    if (!valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60)
        return -1;
    *ms = (days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec) * 1000;
    return 0;
}

int cdr_parse_time(const char *s, size_t n, int64_t *ms)
{
    if (n == 19 && fast_time(s, ms) == 0)
        return 0;
    while (n && (*s == ' ' || *s == '"')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '"')) n--;
    if (n < 8)
        return -1;
    int64_t y, mo, d, day_ms, off;
    const char *rest;
    size_t rn;
    if (n >= 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4]) {
        if (num(s, 4, &y) || num(s + 5, 2, &mo) || num(s + 8, 2, &d))
            return -1;
        rest = s + 10, rn = n - 10;
    } else if (n >= 10 && (s[2] == '/' || s[2] == '.' || s[2] == '-') && s[5] == s[2]) {
        if (num(s, 2, &d) || num(s + 3, 2, &mo) || num(s + 6, 4, &y))
            return -1;
        rest = s + 10, rn = n - 10;
    } else {
        return parse_epoch(s, n, ms);
    }
    if (!valid_date(y, mo, d))
        return -1;
    day_ms = 0, off = 0;
    if (rn) {
        if (rest[0] != ' ' && rest[0] != 'T' && rest[0] != 't')
            return -1;
        if (parse_clock(rest + 1, rn - 1, &day_ms, &off))
            return -1;
    }
    *ms = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000LL + day_ms - off;
    return 0;
}

int cdr_parse_duration(const char *s, size_t n, int64_t *seconds)
{
    while (n && *s == ' ') s++, n--;
    while (n && s[n - 1] == ' ') n--;
    if (n == 0)
        return -1;
    if (num(s, n, seconds) == 0)
        return 0;
    if (n > 2 && (s[0] == 'P' || s[0] == 'p')) { /* ISO 8601 PnDTnHnMn.nS */
        double total = 0, v = 0, scale = 0;
        bool in_time = false, any = false;
        for (size_t i = 1; i < n; i++) {
            char c = s[i];
            if (c >= '0' && c <= '9') {
                if (scale) v += (c - '0') * scale, scale /= 10;
                else v = v * 10 + (c - '0');
                any = true;
            } else if (c == '.' || c == ',') {
                scale = 0.1;
            } else if (c == 'T') {
                in_time = true;
            } else {
                double mul = c == 'D' ? 86400 : c == 'H' ? 3600 : c == 'M' ? (in_time ? 60 : -1)
                           : c == 'S' ? 1 : -1;
                if (mul < 0 || !any)
                    return -1;
                total += v * mul, v = 0, scale = 0, any = false;
            }
        }
        if (any)
            return -1;
        *seconds = (int64_t)llround(total);
        return 0;
    }
    if (memchr(s, ':', n)) { /* [[H:]M:]S */
        int64_t parts[3] = {0, 0, 0}, v;
        size_t np = 0, start = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || s[i] == ':') {
                size_t len = i - start;
                const char *dot = memchr(s + start, '.', len);
                if (dot) len = (size_t)(dot - (s + start));
                if (np >= 3 || num(s + start, len, &v))
                    return -1;
                parts[np++] = v;
                start = i + 1;
            }
        }
        int64_t t = 0;
        for (size_t i = 0; i < np; i++) t = t * 60 + parts[i];
        *seconds = t;
        return 0;
    }
    double d;
    if (cdr_parse_double(s, n, &d) || d < 0 || d > 1e12)
        return -1;
    *seconds = (int64_t)llround(d);
    return 0;
}

int cdr_parse_int(const char *s, size_t n, int64_t *out)
{
    while (n && *s == ' ') s++, n--;
    while (n && s[n - 1] == ' ') n--;
    bool neg = n && *s == '-';
    if (neg || (n && *s == '+')) s++, n--;
    if (num(s, n, out))
        return -1;
    if (neg) *out = -*out;
    return 0;
}

static const double pow10_tab[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};

int cdr_parse_double(const char *s, size_t n, double *out)
{
    while (n && *s == ' ') s++, n--;
    while (n && s[n - 1] == ' ') n--;
    if (n == 0 || n > 40)
        return -1;
    size_t i = 0;
    int sign = 1;
    if (s[i] == '-' || s[i] == '+') sign = s[i++] == '-' ? -1 : 1;
    uint64_t mant = 0;
    int frac = 0, mdigits = 0;
    double big = 0; /* digits beyond what the mantissa holds exactly */
    bool digits = false, dot = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            digits = true;
            if (mdigits < 18) {
                mant = mant * 10 + (uint64_t)(c - '0');
                if (mant) mdigits++;
                if (dot) frac++;
            } else if (!dot) {
                big++;
            }
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (!digits)
        return -1;
    double v = (double)mant / pow10_tab[frac];
    if (big > 0)
        v *= pow(10.0, big);
    if (i < n) {
        if (s[i] != 'e' && s[i] != 'E')
            return -1;
        int64_t e;
        if (cdr_parse_int(s + i + 1, n - i - 1, &e) || e < -300 || e > 300)
            return -1;
        v *= pow(10.0, (double)e);
    }
    *out = sign * v;
    return 0;
}

int64_t cdr_day_of(int64_t ms)
{
    return ms >= 0 ? ms / 86400000LL : -((-ms + 86399999LL) / 86400000LL);
}

void cdr_format_day(int64_t z, char *out, size_t outsz)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, outsz, "%04lld-%02u-%02u", (long long)y, m, d);
}

void cdr_format_time(int64_t ms, char *out, size_t outsz)
{
    char day[16];
    int64_t d = cdr_day_of(ms), rem = (ms - d * 86400000LL) / 1000;
    cdr_format_day(d, day, sizeof day);
    snprintf(out, outsz, "%sT%02d:%02d:%02dZ", day, (int)(rem / 3600), (int)(rem / 60 % 60),
             (int)(rem % 60));
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void put_str(json_t *o, const char *k, cdr_str s)
{
    if (s.n)
        json_object_set_new(o, k, json_stringn(s.p, s.n));
}

static void put_time(json_t *o, const char *k, int64_t ms)
{
    char b[40];
    if (!ms)
        return;
    cdr_format_time(ms, b, sizeof b);
    json_object_set_new(o, k, json_string(b));
}

json_t *cdr_record_json(const cdr_record *r)
{
    json_t *o = json_object();
    put_time(o, "start", r->start_ms);
    put_time(o, "answer", r->answer_ms);
    put_time(o, "end", r->end_ms);
    if (r->have & CDR_HAVE_DURATION) json_object_set_new(o, "duration_s", json_integer(r->duration_s));
    if (r->have & CDR_HAVE_BILLSEC) json_object_set_new(o, "billsec_s", json_integer(r->billsec_s));
    if (r->have & CDR_HAVE_PDD) json_object_set_new(o, "pdd_ms", json_integer(r->pdd_ms));
    put_str(o, "caller", r->caller);
    put_str(o, "callee", r->callee);
    if (r->caller_e164[0]) json_object_set_new(o, "caller_e164", json_string(r->caller_e164));
    if (r->callee_e164[0]) json_object_set_new(o, "callee_e164", json_string(r->callee_e164));
    json_object_set_new(o, "direction", json_string(cdr_direction_name(r->direction)));
    json_object_set_new(o, "disposition", json_string(cdr_disposition_name(r->disposition)));
    if (r->sip_code) json_object_set_new(o, "sip_code", json_integer(r->sip_code));
    if (r->q850) json_object_set_new(o, "q850", json_integer(r->q850));
    put_str(o, "sip_reason", r->sip_reason);
    put_str(o, "customer", r->customer);
    put_str(o, "carrier", r->carrier);
    put_str(o, "dest_prefix", r->dest_prefix);
    put_str(o, "dest_name", r->dest_name);
    if (r->have & CDR_HAVE_RATE) json_object_set_new(o, "rate", json_real(r->rate));
    if (r->have & CDR_HAVE_COST) json_object_set_new(o, "cost", json_real(r->cost));
    if (r->have & CDR_HAVE_REVENUE) json_object_set_new(o, "revenue", json_real(r->revenue));
    put_str(o, "currency", r->currency);
    put_str(o, "call_id", r->call_id);
    put_str(o, "call_id2", r->call_id2);
    put_str(o, "source", r->source);
    put_str(o, "source_row", r->source_row);
    if (r->line) json_object_set_new(o, "line", json_integer((json_int_t)r->line));
    return o;
}
