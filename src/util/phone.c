/* Phone numbers: E.164 normalisation with a default country, and matching across forms.
 * See phone.h. The input is scanned once into a digit string plus markers ('+', "(0)",
 * extension); the default plan then decides how the digits read. */
#include "util/phone.h"

#include <string.h>

static const sb_phone_country countries[] = {
    {"GB", "44", "0", "00", 10},  {"US", "1", "1", "011", 10}, {"CA", "1", "1", "011", 10},
    {"IE", "353", "0", "00", 0},  {"DE", "49", "0", "00", 0},  {"FR", "33", "0", "00", 9},
    {"IT", "39", "", "00", 0},    {"ES", "34", "", "00", 9},   {"PT", "351", "", "00", 9},
    {"NL", "31", "0", "00", 9},   {"BE", "32", "0", "00", 0},  {"LU", "352", "", "00", 0},
    {"CH", "41", "0", "00", 9},   {"AT", "43", "0", "00", 0},  {"SE", "46", "0", "00", 0},
    {"NO", "47", "", "00", 8},    {"DK", "45", "", "00", 8},   {"FI", "358", "0", "00", 0},
    {"PL", "48", "", "00", 9},    {"CZ", "420", "", "00", 9},  {"GR", "30", "", "00", 10},
    {"CY", "357", "", "00", 8},   {"MT", "356", "", "00", 8},  {"RO", "40", "0", "00", 9},
    {"HU", "36", "06", "00", 0},  {"RU", "7", "8", "810", 10}, {"TR", "90", "0", "00", 10},
    {"IL", "972", "0", "00", 0},  {"AE", "971", "0", "00", 0}, {"SA", "966", "0", "00", 9},
    {"IN", "91", "0", "00", 10},  {"PK", "92", "0", "00", 0},  {"CN", "86", "0", "00", 0},
    {"JP", "81", "0", "010", 0},  {"KR", "82", "0", "001", 0}, {"SG", "65", "", "000", 8},
    {"HK", "852", "", "001", 8},  {"AU", "61", "0", "0011", 9}, {"NZ", "64", "0", "00", 0},
    {"ZA", "27", "0", "00", 9},   {"NG", "234", "0", "009", 0}, {"KE", "254", "0", "000", 9},
    {"EG", "20", "0", "00", 0},   {"BR", "55", "0", "00", 0},  {"MX", "52", "", "00", 10},
    {"AR", "54", "0", "00", 0},   {"CO", "57", "", "00", 10},  {"PH", "63", "0", "00", 10},
    {"MY", "60", "0", "00", 0},   {"TH", "66", "0", "001", 9}, {"ID", "62", "0", "001", 0},
};

static int lc(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

const sb_phone_country *sb_phone_country_find(const char *key)
{
    if (!key || !*key)
        return NULL;
    if (*key == '+')
        key++;
    bool numeric = is_digit((unsigned char)*key);
    for (size_t i = 0; i < sizeof countries / sizeof countries[0]; i++) {
        const sb_phone_country *c = &countries[i];
        if (numeric ? (c->cc[0] == key[0] && strcmp(c->cc, key) == 0)
                    : (strlen(key) == 2 && lc(key[0]) == lc(c->iso[0]) && lc(key[1]) == lc(c->iso[1])))
            return c;
    }
    return NULL;
}

/* ITU-T E.164 country code lengths by the first one or two digits. */
unsigned sb_phone_cc_len(const char *d, size_t n)
{
    if (n == 0 || d[0] == '0')
        return 0;
    if (d[0] == '1' || d[0] == '7')
        return 1;
    if (n < 2)
        return 0;
    int a = d[0] - '0', b = d[1] - '0';
    switch (a) {
    case 2: return (b == 0 || b == 7) ? 2 : 3;
    case 3: return (b == 5 || b == 7 || b == 8) ? 3 : 2;
    case 4: return b == 2 ? 3 : 2;
    case 5: return (b == 0 || b == 9) ? 3 : 2;
    case 6: return b >= 7 ? 3 : 2;
    case 8: return (b == 1 || b == 2 || b == 4 || b == 6) ? 2 : 3;
    case 9: return (b <= 5 || b == 8) ? 2 : 3;
    default: return 0;
    }
}

/* The scanned input: digits (and * #), markers. */
typedef struct scan {
    char d[40];
    size_t n;
    bool plus, zero_paren, special, bad;
    char ext[SB_PHONE_EXT_MAX + 1];
} scan;

static bool starts_ci(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (lc((unsigned char)s[i]) != w[i])
            return false;
    return true;
}

/* Copies the digits after an extension marker. */
static void take_ext(scan *sc, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_digit(c)) {
            if (k < SB_PHONE_EXT_MAX)
                sc->ext[k++] = (char)c;
            else
                sc->bad = true;
        } else if (c != ' ' && c != '.' && c != ':' && c != '=' && c != '-') {
            sc->bad = true;
            return;
        }
    }
    sc->ext[k] = 0;
    if (k == 0)
        sc->bad = true;
}

/* Length of an extension marker at s ("x", "ext", "ext.", "extension", ";ext=", "#"), 0 if none. */
static size_t ext_marker(const char *s, size_t n)
{
    static const char *const marks[] = {";ext=", "extension", "ext.", "ext", "x", NULL};
    for (size_t i = 0; marks[i]; i++)
        if (starts_ci(s, n, marks[i]))
            return strlen(marks[i]);
    return 0;
}

static void do_scan(const char *s, size_t n, scan *sc)
{
    memset(sc, 0, sizeof *sc);
    while (n && (*s == ' ' || *s == '\t' || *s == '"')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '"')) n--;
    if (starts_ci(s, n, "tel:"))
        s += 4, n -= 4;
    else if (starts_ci(s, n, "sips:"))
        s += 5, n -= 5;
    else if (starts_ci(s, n, "sip:"))
        s += 4, n -= 4;
    const char *at = memchr(s, '@', n);
    if (at)
        n = (size_t)(at - s);
    for (size_t i = 0; i < n && !sc->bad; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_digit(c) || c == '*' || c == '#') {
            if (sc->n >= sizeof sc->d - 1) {
                sc->bad = true;
                break;
            }
            if (c == '*' || c == '#')
                sc->special = true;
            sc->d[sc->n++] = (char)c;
        } else if (c == '+' && sc->n == 0 && !sc->plus) {
            sc->plus = true;
        } else if (c == '(' && i + 2 < n && s[i + 1] == '0' && s[i + 2] == ')' && sc->plus) {
            sc->zero_paren = true;
            i += 2;
        } else if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' || c == '\t') {
            continue;
        } else if (sc->n > 0 && ext_marker(s + i, n - i)) {
            take_ext(sc, s + i + ext_marker(s + i, n - i), n - i - ext_marker(s + i, n - i));
            break;
        } else if (c == ';') {
            /* tel: URI parameters other than ext are ignored */
            size_t m = ext_marker(s + i, n - i);
            if (m)
                take_ext(sc, s + i + m, n - i - m);
            break;
        } else {
            sc->bad = true;
        }
    }
    sc->d[sc->n] = 0;
}

/* Builds "+" cc nsn into out. */
static sb_phone_kind emit(sb_phone *out, const char *cc, size_t cclen, const char *nsn, size_t nlen,
                          sb_phone_form form)
{
    if (cclen + nlen > 15 || nlen < 4)
        return out->kind = SB_PHONE_INVALID;
    out->e164[0] = '+';
    memcpy(out->e164 + 1, cc, cclen);
    memcpy(out->e164 + 1 + cclen, nsn, nlen);
    out->e164[1 + cclen + nlen] = 0;
    out->cc_len = (unsigned)cclen;
    out->form = form;
    return out->kind = SB_PHONE_E164;
}

/* An international digit string (CC + NSN, no access code): drops a kept trunk 0. */
static sb_phone_kind emit_intl(sb_phone *out, const char *d, size_t n, sb_phone_form form)
{
    unsigned ccl = sb_phone_cc_len(d, n);
    if (ccl == 0 || n <= ccl)
        return out->kind = SB_PHONE_INVALID;
    const char *nsn = d + ccl;
    size_t nl = n - ccl;
    const sb_phone_country *pl = NULL;
    if (nl > 1 && nsn[0] == '0') {
        char cc[4] = {0};
        memcpy(cc, d, ccl);
        pl = sb_phone_country_find(cc);
    }
    if (pl && strcmp(pl->trunk, "0") == 0) {
        out->trunk_zero_kept = true;
        nsn++, nl--;
    }
    return emit(out, d, ccl, nsn, nl, form);
}

static sb_phone_kind as_short(sb_phone *out, const scan *sc)
{
    memcpy(out->e164, sc->d, sc->n + 1);
    out->form = SB_PHONE_FORM_SHORT;
    return out->kind = SB_PHONE_SHORT;
}

static sb_phone_kind national(sb_phone *out, const scan *sc, const sb_phone_country *def)
{
    const char *d = sc->d;
    size_t n = sc->n, il = strlen(def->intl), tl = strlen(def->trunk), cl = strlen(def->cc);
    bool nanp = strcmp(def->cc, "1") == 0;
    if (n > il && strncmp(d, def->intl, il) == 0)
        return emit_intl(out, d + il, n - il, SB_PHONE_FORM_INTL_ACCESS);
    if (!nanp && n > 2 && d[0] == '0' && d[1] == '0')
        return emit_intl(out, d + 2, n - 2, SB_PHONE_FORM_INTL_ACCESS);
    if (nanp) {
        if (n == 11 && d[0] == '1')
            return emit(out, "1", 1, d + 1, 10, SB_PHONE_FORM_NATIONAL);
        if (n == 10)
            return emit(out, "1", 1, d, 10, SB_PHONE_FORM_LOCAL);
    } else {
        if (tl && n > tl + 3 && strncmp(d, def->trunk, tl) == 0)
            return emit(out, def->cc, cl, d + tl, n - tl, SB_PHONE_FORM_NATIONAL);
        if (n >= cl + 7 && strncmp(d, def->cc, cl) == 0 &&
            (!def->national_len || n - cl >= def->national_len - 1))
            return emit_intl(out, d, n, SB_PHONE_FORM_BARE_CC);
        if (!tl || (def->national_len && n == def->national_len))
            return emit(out, def->cc, cl, d, n, SB_PHONE_FORM_LOCAL);
    }
    if (n >= 11 && sb_phone_cc_len(d, n))
        return emit_intl(out, d, n, SB_PHONE_FORM_BARE_CC);
    return out->kind = SB_PHONE_INVALID;
}

sb_phone_kind sb_phone_parse(const char *s, size_t len, const sb_phone_country *def, sb_phone *out)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return SB_PHONE_INVALID;
    scan sc;
    do_scan(s, len, &sc);
    if (sc.bad || sc.n == 0)
        return SB_PHONE_INVALID;
    memcpy(out->ext, sc.ext, sizeof out->ext);
    out->trunk_zero_kept = sc.zero_paren;
    if (sc.special)
        return sc.plus || sc.n > 16 ? SB_PHONE_INVALID : as_short(out, &sc);
    if (sc.plus) {
        sb_phone_kind k = emit_intl(out, sc.d, sc.n, SB_PHONE_FORM_PLUS);
        out->trunk_zero_kept |= sc.zero_paren;
        return k;
    }
    if (sc.n <= 6)
        return as_short(out, &sc);
    if (def)
        return national(out, &sc, def);
    if (sc.n > 4 && strncmp(sc.d, "011", 3) == 0)
        return emit_intl(out, sc.d + 3, sc.n - 3, SB_PHONE_FORM_INTL_ACCESS);
    if (sc.n > 4 && sc.d[0] == '0' && sc.d[1] == '0')
        return emit_intl(out, sc.d + 2, sc.n - 2, SB_PHONE_FORM_INTL_ACCESS);
    if (sc.n > 15)
        return SB_PHONE_INVALID;
    memcpy(out->e164, sc.d, sc.n + 1);
    out->form = SB_PHONE_FORM_LOCAL;
    return out->kind = SB_PHONE_DIGITS;
}

size_t sb_phone_normalize(const char *s, size_t len, const sb_phone_country *def, char *out)
{
    sb_phone ph;
    if (sb_phone_parse(s, len, def, &ph) == SB_PHONE_INVALID) {
        out[0] = 0;
        return 0;
    }
    size_t n = 0;
    while (n < SB_PHONE_E164_MAX && ph.e164[n]) n++;
    memcpy(out, ph.e164, n);
    out[n] = 0;
    return n;
}

static const char *digits_of(const sb_phone *p)
{
    return p->e164[0] == '+' ? p->e164 + 1 : p->e164;
}

sb_phone_match_kind sb_phone_match(const char *a, size_t alen, const char *b, size_t blen,
                                   const sb_phone_country *def)
{
    sb_phone pa, pb;
    sb_phone_kind ka = sb_phone_parse(a, alen, def, &pa);
    sb_phone_kind kb = sb_phone_parse(b, blen, def, &pb);
    if (ka == SB_PHONE_INVALID || kb == SB_PHONE_INVALID)
        return SB_PHONE_MATCH_NONE;
    if (ka == kb && (ka == SB_PHONE_E164 || ka == SB_PHONE_SHORT || ka == SB_PHONE_DIGITS))
        if (strcmp(pa.e164, pb.e164) == 0)
            return SB_PHONE_MATCH_EXACT;
    if (ka == SB_PHONE_SHORT || kb == SB_PHONE_SHORT)
        return SB_PHONE_MATCH_NONE;
    if (ka == SB_PHONE_E164 && kb == SB_PHONE_E164)
        return SB_PHONE_MATCH_NONE;
    /* One side has no country: compare the trailing national digits. */
    const char *da = digits_of(&pa), *db = digits_of(&pb);
    size_t la = strlen(da), lb = strlen(db), m = la < lb ? la : lb;
    if (m < 7)
        return SB_PHONE_MATCH_NONE;
    return memcmp(da + la - m, db + lb - m, m) == 0 ? SB_PHONE_MATCH_SUFFIX : SB_PHONE_MATCH_NONE;
}
