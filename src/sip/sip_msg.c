/* SIP message parser: start line, headers (compact forms, folding, comma lists), framing by
 * Content-Length. Views only (see sip_msg.h); every loop is bounded by the input length. */
#include "sip/sip_msg.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char *const method_names[SIP_M_COUNT] = {
    "", "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "UPDATE",
    "INFO", "REFER", "NOTIFY", "SUBSCRIBE", "MESSAGE", "PUBLISH",
};

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Character classes, one table load per byte in the scanning loops: C_WS white space
 * (SP HT CR LF), C_TOK RFC 3261 token characters, C_DIG digits, C_STOP the end of a
 * parameter value (';' ',' or white space), C_UEND the end of a URI's host part (';' '?' '>'
 * or white space), C_SCWS ';' or white space, C_PNAME the end of a parameter name (';' '='
 * ',' white space). */
enum { C_WS = 1, C_TOK = 2, C_DIG = 4, C_STOP = 8, C_UEND = 16, C_SCWS = 64, C_PNAME = 128 };
static const unsigned char cls[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 217, 217, 0, 0, 217, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    217, 2, 0, 0, 0, 2, 0, 2, 0, 0, 2, 2, 136, 2, 2, 0,
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 0, 216, 0, 128, 16, 16,
    0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 2, 0,
};

static inline bool is_ws(char c)
{
    return cls[(unsigned char)c] & C_WS;
}

static inline bool is_digit(char c)
{
    return cls[(unsigned char)c] & C_DIG;
}

static inline bool is_token_char(char c)
{
    return cls[(unsigned char)c] & C_TOK;
}

static inline bool is_cls(char c, unsigned bits)
{
    return cls[(unsigned char)c] & bits;
}

bool sip_str_eq(sip_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

bool sip_str_ieq(sip_str s, const char *lit)
{
    size_t i = 0;
    for (; i < s.n && lit[i]; i++)
        if (lower((unsigned char)s.p[i]) != lower((unsigned char)lit[i]))
            return false;
    return i == s.n && !lit[i];
}

bool sip_str_iprefix(sip_str s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n < n)
        return false;
    return sip_str_ieq((sip_str){s.p, n}, lit);
}

char *sip_str_dup(sip_str s)
{
    if (!s.p || !s.n)
        return NULL;
    char *d = malloc(s.n + 1);
    if (!d)
        return NULL;
    memcpy(d, s.p, s.n);
    d[s.n] = 0;
    return d;
}

/* A fast in-process hash: 8 bytes at a time (the last word overlaps the one before it;
 * shorter strings in two overlapping halves), then murmur3's finaliser, so that every bit
 * depends on every byte. Not stable across machines of different byte order, which it never
 * needs to be: the values live in tables of one process (dialogs, released calls, media). */
uint64_t sip_hash(const void *data, size_t n)
{
    const char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w = 0;
    if (n >= 8) {
        const char *last = p + n - 8;
        for (; p < last; p += 8) {
            memcpy(&w, p, 8);
            h = (h ^ w) * 0xff51afd7ed558ccdULL;
            h ^= h >> 29;
        }
        memcpy(&w, last, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else if (n) {
        w = (uint64_t)(unsigned char)p[0] << 16 | (uint64_t)(unsigned char)p[n / 2] << 8 |
            (unsigned char)p[n - 1];
    }
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ h >> 33;
}

static uint32_t key32(sip_str s)
{
    return s.n ? (uint32_t)sip_hash(s.p, s.n) : 0;
}

sip_keys sip_msg_keys_of(const sip_msg *m)
{
    if (m->keyed)
        return m->keys;
    return (sip_keys){
        .call_id = sip_hash(m->call_id.p, m->call_id.n),
        .branch = key32(m->via.branch),
        .to_tag = m->is_request ? 0 : key32(m->to_tag), /* compared between responses only */
    };
}

void sip_msg_keys(sip_msg *m)
{
    m->keys = sip_msg_keys_of(m);
    m->keyed = true;
}

/* Case-insensitive equality with a lowercase literal (header and parameter names: letters,
 * digits, '-', '.', '_', where OR-ing 0x20 lowercases letters and leaves the rest alone). */
static inline uint64_t ld64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t ld32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The index of the first a or b in p[i..len), or len. SSE2 16 bytes at a time where the
 * input has them (header lines are tens of bytes: cheaper than a libc call per line). */
static inline size_t find2(const char *p, size_t i, size_t len, char a, char b)
{
#ifdef __SSE2__
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
    for (; i + 16 <= len; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)));
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* 8 bytes at a time for the rest (short values: tags, host:port): a byte equal to a or b
     * becomes zero after the XOR; the lowest flagged byte of the zero-byte test is exact */
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const uint64_t wa = ones * (unsigned char)a, wb = ones * (unsigned char)b;
    for (; i + 8 <= len; i += 8) {
        uint64_t w, xa, xb;
        memcpy(&w, p + i, 8);
        xa = w ^ wa;
        xb = w ^ wb;
        uint64_t m = ((xa - ones) & ~xa & highs) | ((xb - ones) & ~xb & highs);
        if (m)
            return i + (size_t)__builtin_ctzll(m) / 8;
    }
#endif
    while (i < len && p[i] != a && p[i] != b)
        i++;
    return i;
}

/* memchr for the short spans of header values, inlined */
static inline const char *mchr(const char *p, char c, size_t n)
{
    size_t k = find2(p, 0, n, c, c);
    return k < n ? p + k : NULL;
}

/* Flags (high bit of a byte) where the word holds c; the lowest flag is exact. */
static inline uint64_t has_byte(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (0x0101010101010101ULL * c);
    return (x - 0x0101010101010101ULL) & ~x;
}

/* The index of the first byte of p[i..n) in class bits (white space and a few of the
 * characters a, b, c, which name the class's others: C_STOP ';' ',', C_SCWS ';', C_UEND ';'
 * '?' '>'), or n. Eight bytes at a time: bytes below 0x21 and a, b, c are flagged (a
 * superset of the class; the lowest flag of each zero-byte test is exact) and the class table
 * confirms the flagged byte, so other control bytes do not stop the span. */
static inline size_t span_until(const char *p, size_t i, size_t n, unsigned bits, char a, char b,
                                char c)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (i + 8 <= n) {
        uint64_t w = ld64(p + i);
        uint64_t m = ((w - ones * 0x21) & ~w) | has_byte(w, (unsigned char)a) |
                     has_byte(w, (unsigned char)b) | has_byte(w, (unsigned char)c);
        m &= highs;
        if (!m) {
            i += 8;
            continue;
        }
        size_t k = i + (size_t)__builtin_ctzll(m) / 8;
        if (is_cls(p[k], bits))
            return k;
        i = k + 1; /* a control byte outside the class: go on after it */
    }
#endif
    while (i < n && !is_cls(p[i], bits))
        i++;
    return i;
}

/* The index of the first of a, b, c or d in p[i..n), or n; eight bytes at a time. */
static inline size_t find4(const char *p, size_t i, size_t n, char a, char b, char c, char d)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t w = ld64(p + i);
        uint64_t m = (has_byte(w, (unsigned char)a) | has_byte(w, (unsigned char)b) |
                      has_byte(w, (unsigned char)c) | has_byte(w, (unsigned char)d)) &
                     0x8080808080808080ULL;
        if (m)
            return i + (size_t)__builtin_ctzll(m) / 8;
    }
#endif
    while (i < n && p[i] != a && p[i] != b && p[i] != c && p[i] != d)
        i++;
    return i;
}

/* Word-wide: OR-ing 0x20 into every byte of a word is OR-ing it into each byte; names of 4
 * bytes or more are covered by two overlapping loads of 8 (or 4) bytes. */
static inline bool ieq_lower(sip_str s, const char *lit, size_t n)
{
    if (s.n != n)
        return false;
    if (n >= 8)
        return (ld64(s.p) | 0x2020202020202020ULL) == ld64(lit) &&
               (ld64(s.p + n - 8) | 0x2020202020202020ULL) == ld64(lit + n - 8);
    if (n >= 4)
        return (ld32(s.p) | 0x20202020U) == ld32(lit) &&
               (ld32(s.p + n - 4) | 0x20202020U) == ld32(lit + n - 4);
    for (size_t i = 0; i < n; i++)
        if ((s.p[i] | 0x20) != lit[i])
            return false;
    return true;
}

static inline sip_str trim(sip_str s)
{
    while (s.n && is_ws(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_ws(s.p[s.n - 1]))
        s.n--;
    return s;
}

static sip_str unquote(sip_str s)
{
    s = trim(s);
    if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"') {
        s.p++;
        s.n -= 2;
    }
    return s;
}

/* Parses a decimal number of at most 9 digits; -1 when none. */
static long parse_num(const char *p, size_t n, size_t *used)
{
    long v = 0;
    size_t i = 0, max = n < 9 ? n : 9;
    for (unsigned d; i < max && (d = (unsigned)(unsigned char)p[i] - '0') < 10; i++)
        v = v * 10 + (long)d;
    if (used)
        *used = i;
    return i ? v : -1;
}

/* By length, then fixed-size compares (inlined; exact, case-sensitive as RFC 3261 says). */
sip_method sip_method_from(const char *p, size_t n)
{
#define M_IS(lit, m)                                                                          \
    if (memcmp(p, lit, sizeof lit - 1) == 0)                                                  \
        return m;
    switch (n) {
    case 3:
        M_IS("ACK", SIP_M_ACK) M_IS("BYE", SIP_M_BYE) break;
    case 4:
        M_IS("INFO", SIP_M_INFO) break;
    case 5:
        M_IS("PRACK", SIP_M_PRACK) M_IS("REFER", SIP_M_REFER) break;
    case 6:
        M_IS("INVITE", SIP_M_INVITE) M_IS("CANCEL", SIP_M_CANCEL) M_IS("UPDATE", SIP_M_UPDATE)
        M_IS("NOTIFY", SIP_M_NOTIFY) break;
    case 7:
        M_IS("OPTIONS", SIP_M_OPTIONS) M_IS("MESSAGE", SIP_M_MESSAGE)
        M_IS("PUBLISH", SIP_M_PUBLISH) break;
    case 8:
        M_IS("REGISTER", SIP_M_REGISTER) break;
    case 9:
        M_IS("SUBSCRIBE", SIP_M_SUBSCRIBE) break;
    default:
        break;
    }
#undef M_IS
    return SIP_M_UNKNOWN;
}

const char *sip_method_name(sip_method m)
{
    return (m > 0 && m < SIP_M_COUNT) ? method_names[m] : "";
}

bool sip_looks_like_sip(const char *data, size_t len)
{
    if (len < 12)
        return false;
    if (memcmp(data, "SIP/2.0 ", 8) == 0)
        return is_digit(data[8]);
    size_t i = 0;
    while (i < len && i < 32 && data[i] >= 'A' && data[i] <= 'Z')
        i++;
    if (i < 3 || i >= len || data[i] != ' ')
        return false;
    /* the line must end with SIP/2.0 */
    const char *nl = mchr(data, '\n', len < 2048 ? len : 2048);
    if (!nl)
        nl = data + (len < 2048 ? len : 2048);
    size_t ll = (size_t)(nl - data);
    if (ll && data[ll - 1] == '\r')
        ll--;
    return ll >= 8 + i && memcmp(data + ll - 7, "SIP/2.0", 7) == 0;
}

void sip_split_hostport(sip_str hp, sip_str *host, int *port)
{
    hp = trim(hp);
    *port = 0;
    if (hp.n && hp.p[0] == '[') {
        const char *e = mchr(hp.p, ']', hp.n);
        if (!e) {
            *host = (sip_str){hp.p + 1, hp.n - 1};
            return;
        }
        *host = (sip_str){hp.p + 1, (size_t)(e - hp.p - 1)};
        size_t rest = hp.n - (size_t)(e - hp.p) - 1;
        if (rest > 1 && e[1] == ':')
            *port = (int)parse_num(e + 2, rest - 1, NULL);
        if (*port < 0)
            *port = 0;
        return;
    }
    /* the first colon; more than one and no brackets: a bare IPv6 address without port
     * (one short pass: host:port values are a dozen bytes) */
    const char *c = NULL;
    for (size_t k = 0; k < hp.n; k++)
        if (hp.p[k] == ':') {
            if (c) {
                c = NULL;
                break;
            }
            c = hp.p + k;
        }
    if (!c) {
        *host = hp;
        return;
    }
    *host = (sip_str){hp.p, (size_t)(c - hp.p)};
    *port = (int)parse_num(c + 1, hp.n - (size_t)(c - hp.p) - 1, NULL);
    if (*port < 0 || *port > 65535)
        *port = 0;
}

/* ---- header values ------------------------------------------------------------------------ */

/* Splits the next element of a comma list (commas inside quotes or <> do not split). */
static bool next_elem(sip_str *list, sip_str *elem)
{
    sip_str s = *list;
    while (s.n && (is_ws(s.p[0]) || s.p[0] == ',')) {
        s.p++;
        s.n--;
    }
    if (!s.n)
        return false;
    bool q = false;
    int angle = 0;
    size_t i = 0;
    for (; (i = find4(s.p, i, s.n, '"', '<', '>', ',')) < s.n; i++) {
        char c = s.p[i];
        if (c == '"' && (i == 0 || s.p[i - 1] != '\\'))
            q = !q;
        else if (!q && c == '<')
            angle++;
        else if (!q && c == '>' && angle)
            angle--;
        else if (!q && !angle && c == ',')
            break;
    }
    *elem = trim((sip_str){s.p, i});
    list->p = s.p + i;
    list->n = s.n - i;
    return true;
}

/* Finds parameter name (case-insensitive) in a ";a=b;c" list; value may be empty. */
static bool find_param(sip_str params, const char *name, sip_str *val)
{
    size_t nl = strlen(name);
    size_t i = 0;
    while (i < params.n) {
        while (i < params.n && (params.p[i] == ';' || is_ws(params.p[i])))
            i++;
        size_t s = i;
        while (i < params.n && params.p[i] != ';' && params.p[i] != '=' && params.p[i] != ',')
            i++;
        sip_str pn = trim((sip_str){params.p + s, i - s});
        sip_str pv = {params.p + i, 0};
        if (i < params.n && params.p[i] == '=') {
            i++;
            size_t vs = i;
            bool q = false;
            while (i < params.n && (q || (params.p[i] != ';' && params.p[i] != ','))) {
                if (params.p[i] == '"')
                    q = !q;
                i++;
            }
            pv = trim((sip_str){params.p + vs, i - vs});
        }
        if (pn.n == nl && sip_str_ieq(pn, name)) {
            *val = pv;
            return true;
        }
        if (i < params.n && params.p[i] == ',')
            break;
    }
    return false;
}

/* The URI and the parameters after it of a name-addr or addr-spec. */
static void name_addr(sip_str v, sip_str *uri, sip_str *params)
{
    /* the first '<' outside quotes: jump from quote to quote */
    const char *lt = NULL;
    for (size_t i = 0; i < v.n;) {
        size_t k = find2(v.p, i, v.n, '"', '<');
        if (k == v.n)
            break;
        if (v.p[k] == '<') {
            lt = v.p + k;
            break;
        }
        k = find2(v.p, k + 1, v.n, '"', '"'); /* the closing quote */
        if (k == v.n)
            break;
        i = k + 1;
    }
    if (lt) {
        size_t rest = v.n - (size_t)(lt - v.p);
        const char *gt = mchr(lt, '>', rest);
        if (!gt)
            gt = v.p + v.n;
        *uri = (sip_str){lt + 1, (size_t)(gt - lt - 1)};
        size_t after = (size_t)(v.p + v.n - gt);
        *params = after ? (sip_str){gt + 1, after - 1} : (sip_str){gt, 0};
        return;
    }
    const char *sc = mchr(v.p, ';', v.n);
    if (!sc) {
        *uri = v;
        *params = (sip_str){v.p + v.n, 0};
        return;
    }
    *uri = (sip_str){v.p, (size_t)(sc - v.p)};
    *params = (sip_str){sc, v.n - (size_t)(sc - v.p)};
}

/* user part and host:port of a sip:/sips:/tel: URI */
static void uri_parts(sip_str uri, sip_str *user, sip_str *hostport)
{
    uri = trim(uri);
    *user = (sip_str){uri.p, 0};
    *hostport = (sip_str){uri.p, 0};
    const char *c = mchr(uri.p, ':', uri.n);
    if (!c)
        return;
    sip_str rest = {c + 1, uri.n - (size_t)(c - uri.p) - 1};
    rest.n = span_until(rest.p, 0, rest.n, C_UEND, ';', '?', '>');
    const char *at = mchr(rest.p, '@', rest.n);
    if (at) {
        sip_str u = {rest.p, (size_t)(at - rest.p)};
        const char *pw = mchr(u.p, ':', u.n);
        if (pw)
            u.n = (size_t)(pw - u.p);
        *user = u;
        *hostport = (sip_str){at + 1, rest.n - (size_t)(at - rest.p) - 1};
    } else if (sip_str_iprefix((sip_str){uri.p, (size_t)(c - uri.p)}, "tel")) {
        *user = rest;
    } else {
        *hostport = rest;
    }
}

/* The tag parameter of a From/To value: the parameters after the closing '>' of a name-addr
 * (a quoted display name holding '>' only moves the start earlier, still before ";tag=").
 * The URI's user part is left to sip_msg_details (only a call's first request needs it). */
static void parse_tag(sip_str v, sip_str *tag)
{
    const char *gt = mchr(v.p, '>', v.n);
    size_t i = gt ? (size_t)(gt - v.p) + 1 : 0;
    *tag = (sip_str){NULL, 0};
    while (i < v.n) {
        const char *sc = mchr(v.p + i, ';', v.n - i);
        if (!sc)
            return;
        i = (size_t)(sc - v.p) + 1;
        while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
            i++;
        if (i + 4 <= v.n && (v.p[i] | 0x20) == 't' && (v.p[i + 1] | 0x20) == 'a' &&
            (v.p[i + 2] | 0x20) == 'g') {
            size_t k = i + 3;
            while (k < v.n && (v.p[k] == ' ' || v.p[k] == '\t'))
                k++;
            if (k < v.n && v.p[k] == '=') {
                k++;
                while (k < v.n && (v.p[k] == ' ' || v.p[k] == '\t'))
                    k++;
                size_t s = k;
                k = span_until(v.p, k, v.n, C_STOP, ';', ',', ',');
                *tag = (sip_str){v.p + s, k - s};
                return;
            }
        }
    }
}

static void uri_user(sip_str v, sip_str *user)
{
    sip_str uri, params, hp;
    name_addr(v, &uri, &params);
    uri_parts(uri, user, &hp);
}

static void parse_via(sip_str v, sip_via *via)
{
    memset(via, 0, sizeof *via);
    /* SIP / 2.0 / UDP sent-by ;params */
    size_t i = 0, slashes = 0;
    if (v.n >= 8 && memcmp(v.p, "SIP/2.0/", 8) == 0) /* the usual form, both slashes at once */
        i = 8, slashes = 2;
    while (i < v.n && slashes < 2) {
        if (v.p[i] == '/')
            slashes++;
        i++;
    }
    while (i < v.n && is_ws(v.p[i]))
        i++;
    size_t ts = i;
    while (i < v.n && is_token_char(v.p[i]))
        i++;
    via->transport = (sip_str){v.p + ts, i - ts};
    while (i < v.n && is_ws(v.p[i]))
        i++;
    /* sent-by: host:port (or a lone host) is split here at once, brackets and bare IPv6
     * (a second colon) go through sip_split_hostport */
    size_t hs = i;
    i = span_until(v.p, i, v.n, C_SCWS, ';', ';', ';');
    size_t colon = hs + find2(v.p + hs, 0, i - hs, ':', ':');
    if (i == hs || v.p[hs] == '[' || (colon < i && find2(v.p, colon + 1, i, ':', ':') < i)) {
        sip_split_hostport((sip_str){v.p + hs, i - hs}, &via->host, &via->port);
    } else if (colon == i) {
        via->host = (sip_str){v.p + hs, i - hs};
    } else {
        via->host = (sip_str){v.p + hs, colon - hs};
        long port = parse_num(v.p + colon + 1, i - colon - 1, NULL);
        via->port = port > 0 && port <= 65535 ? (int)port : 0;
    }
    /* one pass over ;name[=value] up to the end or a comma */
    while (i < v.n && v.p[i] != ',') {
        while (i < v.n && (v.p[i] == ';' || is_ws(v.p[i])))
            i++;
        size_t ns = i;
        while (i < v.n && !is_cls(v.p[i], C_PNAME))
            i++;
        sip_str name = {v.p + ns, i - ns};
        while (i < v.n && is_ws(v.p[i]))
            i++;
        sip_str val = {v.p + i, 0};
        if (i < v.n && v.p[i] == '=') {
            i++;
            while (i < v.n && is_ws(v.p[i]))
                i++;
            size_t vs = i;
            i = span_until(v.p, i, v.n, C_STOP, ';', ',', ',');
            val = (sip_str){v.p + vs, i - vs};
        }
        if (!name.n) {
            if (i < v.n && v.p[i] != ';' && v.p[i] != ',')
                i++; /* stray character */
            continue;
        }
        if (ieq_lower(name, "branch", 6))
            via->branch = val;
        else if (ieq_lower(name, "received", 8))
            via->received = val;
        else if (ieq_lower(name, "rport", 5)) {
            via->has_rport = true;
            long p = parse_num(val.p, val.n, NULL);
            via->rport = p > 0 && p <= 65535 ? (int)p : 0;
        }
    }
}

static void parse_cseq(sip_str v, sip_msg *m)
{
    v = trim(v);
    size_t used = 0;
    long n = parse_num(v.p, v.n, &used);
    m->cseq = n < 0 ? 0 : (uint32_t)n;
    sip_str meth = trim((sip_str){v.p + used, v.n - used});
    size_t e = 0;
    while (e < meth.n && !is_ws(meth.p[e]))
        e++;
    m->cseq_method_str = (sip_str){meth.p, e};
    m->cseq_method = sip_method_from(meth.p, e);
}

static void parse_reason(sip_str v, sip_msg *m)
{
    sip_str el;
    while (next_elem(&v, &el)) {
        const char *sc = mchr(el.p, ';', el.n);
        sip_str proto = trim((sip_str){el.p, sc ? (size_t)(sc - el.p) : el.n});
        sip_str params = sc ? (sip_str){sc, el.n - (size_t)(sc - el.p)} : (sip_str){el.p, 0};
        sip_str cause, text;
        long c = find_param(params, "cause", &cause) ? parse_num(cause.p, cause.n, NULL) : -1;
        bool has_text = find_param(params, "text", &text);
        if (sip_str_ieq(proto, "Q.850") && c > 0 && !m->reason_q850) {
            m->reason_q850 = (int)c;
            if (has_text)
                m->reason_text = unquote(text);
        } else if (sip_str_ieq(proto, "SIP") && c > 0 && !m->reason_sip) {
            m->reason_sip = (int)c;
            if (has_text && !m->reason_text.n)
                m->reason_text = unquote(text);
        }
    }
}

static void parse_warning(sip_str v, sip_msg *m)
{
    if (m->warning_code)
        return;
    v = trim(v);
    size_t used = 0;
    long c = parse_num(v.p, v.n, &used);
    if (c < 100 || c > 999)
        return;
    m->warning_code = (int)c;
    const char *q = mchr(v.p, '"', v.n);
    if (q) {
        size_t rest = v.n - (size_t)(q - v.p) - 1;
        const char *e = mchr(q + 1, '"', rest);
        m->warning_text = (sip_str){q + 1, e ? (size_t)(e - q - 1) : rest};
    }
}

static void parse_contact(sip_str v, sip_msg *m)
{
    sip_str el;
    if (!next_elem(&v, &el))
        return;
    m->contact = el;
    sip_str uri, params, user, hp;
    name_addr(el, &uri, &params);
    uri_parts(uri, &user, &hp);
    sip_split_hostport(hp, &m->contact_host, &m->contact_port);
}

void sip_msg_details(sip_msg *m)
{
    if (m->details)
        return;
    m->details = true;
    if (m->from.n) {
        uri_user(m->from, &m->from_user);
        parse_tag(m->from, &m->from_tag);
    }
    if (m->to.n)
        uri_user(m->to, &m->to_user);
    if (m->contact.n)
        parse_contact(m->contact, m);
}

static void parse_challenge(sip_str v, sip_msg *m)
{
    m->has_challenge = true;
    /* parameters are comma-separated after the scheme */
    for (size_t i = 0; i + 5 <= v.n; i++) {
        if (lower((unsigned char)v.p[i]) != 's' && lower((unsigned char)v.p[i]) != 'r')
            continue;
        sip_str rest = {v.p + i, v.n - i};
        if (sip_str_iprefix(rest, "stale=")) {
            sip_str val = unquote((sip_str){rest.p + 6, rest.n - 6 < 6 ? rest.n - 6 : 6});
            if (sip_str_iprefix(val, "true"))
                m->challenge_stale = true;
        } else if (sip_str_iprefix(rest, "realm=") && !m->auth_realm.n) {
            const char *s = rest.p + 6;
            size_t n = rest.n - 6;
            if (n && *s == '"') {
                const char *e = mchr(s + 1, '"', n - 1);
                m->auth_realm = (sip_str){s + 1, e ? (size_t)(e - s - 1) : n - 1};
            }
        }
    }
}

enum hdr {
    H_OTHER,
    H_VIA,
    H_FROM,
    H_TO,
    H_CALLID,
    H_CSEQ,
    H_CONTACT,
    H_CLEN,
    H_CTYPE,
    H_REASON,
    H_WARNING,
    H_RR,
    H_UA,
    H_WWWAUTH,
    H_AUTHZ,
    H_XCID,
    H_RETRY,
};

/* Case-insensitive equality of the n bytes at p with a lowercase header name (letters and
 * '-'), a word at a time: OR-ing 0x20 lowercases letters and leaves '-' alone, but it also
 * turns CR into '-', so for a name with a '-' a CR in the bytes is refused separately. */
static inline bool has_cr64(uint64_t v)
{
    uint64_t x = v ^ 0x0d0d0d0d0d0d0d0dULL;
    return ((x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL) != 0;
}

static inline bool name_eq(const char *p, const char *lit, size_t n, bool dash)
{
    if (n >= 8) {
        uint64_t a = ld64(p), b = ld64(p + n - 8);
        return (a | 0x2020202020202020ULL) == ld64(lit) &&
               (b | 0x2020202020202020ULL) == ld64(lit + n - 8) &&
               !(dash && (has_cr64(a) || has_cr64(b)));
    }
    if (n >= 4) {
        uint32_t a = ld32(p), b = ld32(p + n - 4);
        return (a | 0x20202020U) == ld32(lit) && (b | 0x20202020U) == ld32(lit + n - 4) &&
               !(dash && has_cr64((uint64_t)a << 32 | b));
    }
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != lit[i])
            return false;
    return true;
}

/* After a name of n bytes: optional SP/HT, then the colon; *v = the index after it. */
static inline bool colon_after(const char *p, size_t n, size_t avail, size_t *v)
{
    while (n < avail && (p[n] == ' ' || p[n] == '\t'))
        n++;
    if (n < avail && p[n] == ':') {
        *v = n + 1;
        return true;
    }
    return false;
}

/* The kind of the header line at p (avail bytes to the end of the message) and where its
 * value starts (*v, relative to p), read from the line's first bytes: the name is matched
 * where it stands, so a line the parser ignores costs a switch and a compare or two, and no
 * search for its colon. RFC 3261 compact forms included; H_OTHER for any other line. */
#define H_IS(lit, h)                                                                          \
    if (avail > sizeof lit - 1 &&                                                             \
        name_eq(p, lit, sizeof lit - 1, __builtin_strchr(lit, '-') != NULL) &&                \
        colon_after(p, sizeof lit - 1, avail, v))                                             \
        return h;
static enum hdr line_header(const char *p, size_t avail, size_t *v)
{
    switch (p[0] | 0x20) {
    case 'v':
        H_IS("via", H_VIA) H_IS("v", H_VIA) break;
    case 'f':
        H_IS("from", H_FROM) H_IS("f", H_FROM) break;
    case 't':
        H_IS("to", H_TO) H_IS("t", H_TO) break;
    case 'i':
        H_IS("i", H_CALLID) break;
    case 'l':
        H_IS("l", H_CLEN) break;
    case 'm':
        H_IS("m", H_CONTACT) break;
    case 'c':
        switch (avail > 1 ? p[1] | 0x20 : 0) {
        case 's':
            H_IS("cseq", H_CSEQ) break;
        case 'a':
            H_IS("call-id", H_CALLID) break;
        case 'o':
            H_IS("contact", H_CONTACT) H_IS("content-length", H_CLEN)
            H_IS("content-type", H_CTYPE) break;
        default:
            H_IS("c", H_CTYPE) break;
        }
        break;
    case 'r':
        H_IS("reason", H_REASON) H_IS("record-route", H_RR) H_IS("retry-after", H_RETRY) break;
    case 'w':
        H_IS("warning", H_WARNING) H_IS("www-authenticate", H_WWWAUTH) break;
    case 'u':
        H_IS("user-agent", H_UA) break;
    case 's':
        H_IS("server", H_UA) break;
    case 'a':
        H_IS("authorization", H_AUTHZ) break;
    case 'p':
        H_IS("proxy-authenticate", H_WWWAUTH) H_IS("proxy-authorization", H_AUTHZ) break;
    case 'x':
        H_IS("x-cid", H_XCID) H_IS("x-call-id", H_XCID) H_IS("x-orig-call-id", H_XCID) break;
    default:
        break;
    }
    return H_OTHER;
}
#undef H_IS

static void apply_header(sip_msg *m, enum hdr h, sip_str v)
{
    sip_str el;
    switch (h) {
    case H_VIA: {
        if (m->n_via == 0) {
            m->via_value = v;
            if (!m->deferred)
                parse_via(v, &m->via);
        }
        if (!mchr(v.p, ',', v.n)) { /* the common case: one Via per header line */
            m->n_via++;
            break;
        }
        sip_str list = v;
        while (next_elem(&list, &el))
            m->n_via++;
        break;
    }
    case H_FROM:
        if (!m->from.p)
            m->from = v; /* its tag and user: sip_msg_details */
        break;
    case H_TO:
        if (!m->to.p) {
            m->to = v;
            if (!m->deferred)
                parse_tag(v, &m->to_tag);
        }
        break;
    case H_CALLID:
        if (!m->call_id.n)
            m->call_id = v;
        break;
    case H_CSEQ:
        if (!m->cseq_method_str.n)
            parse_cseq(v, m);
        break;
    case H_CONTACT:
        if (!m->contact.n)
            m->contact = v; /* the list; sip_msg_details takes its first element */
        break;
    case H_CLEN: {
        size_t used = 0;
        long n = parse_num(v.p, v.n, &used);
        if (n >= 0 && used == v.n && m->content_length < 0)
            m->content_length = n;
        else if (n < 0 || used != v.n)
            m->content_length = -2; /* malformed (or absurdly long) */
        break;
    }
    case H_CTYPE:
        if (!m->content_type.n)
            m->content_type = v;
        break;
    case H_REASON:
        parse_reason(v, m);
        break;
    case H_WARNING:
        parse_warning(v, m);
        break;
    case H_RR: {
        sip_str list = v;
        while (next_elem(&list, &el))
            m->n_record_route++;
        break;
    }
    case H_UA:
        if (!m->user_agent.n)
            m->user_agent = v;
        break;
    case H_WWWAUTH:
        parse_challenge(v, m);
        break;
    case H_AUTHZ:
        m->has_credentials = true;
        break;
    case H_XCID:
        if (!m->xcid.n)
            m->xcid = v;
        break;
    case H_RETRY:
        m->has_retry_after = true;
        break;
    case H_OTHER:
        break;
    }
}

static int parse_start_line(const char *p, size_t n, sip_msg *m)
{
    if (n >= 12 && memcmp(p, "SIP/2.0 ", 8) == 0) {
        size_t used = 0;
        long st = parse_num(p + 8, n - 8, &used);
        if (used != 3 || st < 100 || st > 699)
            return -1;
        m->is_request = false;
        m->status = (int)st;
        m->phrase = trim((sip_str){p + 8 + used, n - 8 - used});
        return 0;
    }
    const char *sp = mchr(p, ' ', n);
    if (!sp || sp == p)
        return -1;
    for (const char *q = p; q < sp; q++)
        if (!is_token_char(*q))
            return -1;
    const char *sp2 = NULL;
    for (size_t i = n; i > (size_t)(sp - p) + 1; i--)
        if (p[i - 1] == ' ') {
            sp2 = p + i - 1;
            break;
        }
    if (!sp2 || (size_t)(p + n - sp2 - 1) != 7 || memcmp(sp2 + 1, "SIP/2.0", 7) != 0)
        return -1;
    m->is_request = true;
    m->method_str = (sip_str){p, (size_t)(sp - p)};
    m->method = sip_method_from(p, (size_t)(sp - p));
    m->ruri = trim((sip_str){sp + 1, (size_t)(sp2 - sp - 1)});
    return 0;
}

/* Finds the end of the line starting at p: returns the index of '\n' or len. */
static inline size_t line_end(const char *p, size_t i, size_t len)
{
    return find2(p, i, len, '\n', '\n');
}

/* A header value without the white space around it: usually one leading space and the
 * line's CR, tested before the general loops. */
static inline sip_str value_trim(const char *p, size_t s, size_t e)
{
    if (s < e && p[s] == ' ')
        s++;
    while (s < e && is_ws(p[s]))
        s++;
    if (s < e && p[e - 1] == '\r')
        e--;
    while (s < e && is_ws(p[e - 1]))
        e--;
    return (sip_str){p + s, e - s};
}

static int parse_msg(const char *data, size_t len, sip_msg *m, bool *truncated, bool defer);

int sip_msg_parse(const char *data, size_t len, sip_msg *m, bool *truncated)
{
    return parse_msg(data, len, m, truncated, false);
}

int sip_msg_parse_deferred(const char *data, size_t len, sip_msg *m, bool *truncated)
{
    return parse_msg(data, len, m, truncated, true);
}

void sip_msg_finish(sip_msg *m)
{
    if (!m->deferred)
        return;
    m->deferred = false;
    if (m->via_value.p)
        parse_via(m->via_value, &m->via);
    if (m->to.p)
        parse_tag(m->to, &m->to_tag);
}

static int parse_msg(const char *data, size_t len, sip_msg *m, bool *truncated, bool defer)
{
    memset(m, 0, sizeof *m);
    m->content_length = -1;
    m->deferred = defer;
    if (truncated)
        *truncated = false;
    size_t i = 0;
    while (i < len && (data[i] == '\r' || data[i] == '\n'))
        i++;
    size_t e = line_end(data, i, len);
    size_t ll = e - i;
    if (ll && data[i + ll - 1] == '\r')
        ll--;
    if (parse_start_line(data + i, ll, m) < 0)
        return -1;
    i = e < len ? e + 1 : len;
    bool ended = false;
    while (i < len) {
        size_t v = 0;
        enum hdr h = line_header(data + i, len - i, &v);
        e = line_end(data, i + v, len); /* v: past the colon of a header the parser reads */
        if (h == H_OTHER && (e == i || (e == i + 1 && data[i] == '\r'))) {
            i = e < len ? e + 1 : len; /* the empty line */
            ended = true;
            break;
        }
        size_t hend = e; /* with its folded continuation lines */
        while (hend + 1 < len && (data[hend + 1] == ' ' || data[hend + 1] == '\t'))
            hend = line_end(data, hend + 1, len);
        if (h != H_OTHER) /* the value of an ignored header is never looked at */
            apply_header(m, h, value_trim(data, i + v, hend));
        i = hend < len ? hend + 1 : len;
    }
    m->call_id = trim(m->call_id);
    if (!m->call_id.n || !m->cseq_method_str.n)
        return -1;
    if (!m->is_request)
        m->method = m->cseq_method;
    size_t avail = len - i;
    if (!ended) {
        if (truncated)
            *truncated = true;
        avail = 0;
    }
    size_t blen = avail;
    if (m->content_length >= 0) {
        if ((size_t)m->content_length > avail) {
            if (truncated)
                *truncated = true;
        } else {
            blen = (size_t)m->content_length;
        }
    }
    m->body = (sip_str){data + i, blen};
    m->msg_len = i + blen;
    return 0;
}

long sip_msg_frame(const char *data, size_t len, size_t max, size_t *skip)
{
    size_t i = 0;
    while (i < len && (data[i] == '\r' || data[i] == '\n'))
        i++;
    *skip = i;
    if (i == len)
        return 0;
    size_t avail = len - i;
    if (!mchr(data + i, '\n', avail)) {
        /* the start line is not complete yet: plausible prefix? */
        if (avail > 2048)
            return -1;
        size_t k = 0;
        while (k < avail && ((data[i + k] >= 'A' && data[i + k] <= 'Z') || data[i + k] == '/' ||
                             data[i + k] == '.' || (data[i + k] >= '0' && data[i + k] <= '9')))
            k++;
        return (k == avail || data[i + k] == ' ') ? 0 : -1;
    }
    if (!sip_looks_like_sip(data + i, avail))
        return -1;
    /* find the end of the headers */
    const char *p = data + i;
    size_t scan = avail < max ? avail : max;
    size_t hdr_end = 0;
    for (size_t k = 0; k + 1 < scan; k++) {
        const char *nl = mchr(p + k, '\n', scan - k);
        if (!nl)
            break;
        k = (size_t)(nl - p);
        if (k + 1 < scan && p[k + 1] == '\n') {
            hdr_end = k + 2;
            break;
        }
        if (k + 2 < scan && p[k + 1] == '\r' && p[k + 2] == '\n') {
            hdr_end = k + 3;
            break;
        }
    }
    if (!hdr_end)
        return avail >= max ? -1 : 0;
    sip_msg m;
    bool trunc;
    if (sip_msg_parse(p, hdr_end, &m, &trunc) < 0)
        return -1;
    if (m.content_length == -2)
        return -1;
    size_t clen = m.content_length > 0 ? (size_t)m.content_length : 0;
    if (clen > max || hdr_end + clen > max)
        return -1;
    if (hdr_end + clen > avail)
        return 0;
    return (long)(i + hdr_end + clen);
}

static const struct {
    int code;
    const char *phrase;
} phrases[] = {
    {100, "Trying"}, {180, "Ringing"}, {181, "Call Is Being Forwarded"}, {182, "Queued"},
    {183, "Session Progress"}, {200, "OK"}, {202, "Accepted"}, {300, "Multiple Choices"},
    {301, "Moved Permanently"}, {302, "Moved Temporarily"}, {400, "Bad Request"},
    {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
    {407, "Proxy Authentication Required"}, {408, "Request Timeout"}, {410, "Gone"},
    {415, "Unsupported Media Type"}, {480, "Temporarily Unavailable"},
    {481, "Call/Transaction Does Not Exist"}, {484, "Address Incomplete"}, {486, "Busy Here"},
    {487, "Request Terminated"}, {488, "Not Acceptable Here"}, {491, "Request Pending"},
    {500, "Server Internal Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
    {503, "Service Unavailable"}, {504, "Server Time-out"}, {600, "Busy Everywhere"},
    {603, "Decline"}, {604, "Does Not Exist Anywhere"}, {606, "Not Acceptable"},
};

const char *sip_status_phrase(int code)
{
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
        if (phrases[i].code == code)
            return phrases[i].phrase;
    return "";
}
