/* Phone numbers: E.164 normalisation with a default country, and matching across forms.
 *
 * Numbers arrive as people and switches write them: "020 7946 0018", "+44 (0)20 7946-0018",
 * "0044 20 7946 0018", "011 44 20 7946 0018" (NANP international access), "442079460018" from a
 * trunk, "tel:+44-20-7946-0018;ext=12", "(212) 555-0142 x 33", or an internal extension "101".
 * sb_phone_parse() turns any of these into one canonical form ("+442079460018") using the
 * default country's trunk prefix ("0", "1" for NANP) and international access codes ("00",
 * "011"), splits off an extension, and says how it read the input. Pure functions over
 * pointer+length views; no allocation; never reads past len. */
#ifndef SB_UTIL_PHONE_H
#define SB_UTIL_PHONE_H

#include <stdbool.h>
#include <stddef.h>

/* E.164 allows at most 15 digits; "+" and the terminator make 17. */
#define SB_PHONE_E164_MAX 17
#define SB_PHONE_EXT_MAX 16

/* A dialling plan: the country code and its prefixes. */
typedef struct sb_phone_country {
    const char *iso;        /* "GB", "US", ... */
    const char *cc;         /* country calling code digits: "44", "1" */
    const char *trunk;      /* national trunk prefix: "0", "1" (NANP), "" (none, e.g. IT keeps 0) */
    const char *intl;       /* primary international access code: "00", "011" */
    unsigned national_len;  /* usual national significant number length (0 = variable) */
} sb_phone_country;

/* Looks up a plan by ISO 3166 alpha-2 ("GB", case-insensitive) or by calling code with or
 * without "+" ("44", "+1"). NULL when unknown. The table covers the common countries; an
 * unknown numeric code still works as a default via sb_phone_parse's cc_fallback rule. */
const sb_phone_country *sb_phone_country_find(const char *iso_or_cc);

typedef enum {
    SB_PHONE_INVALID = 0,  /* no digits, letters where digits belong, or too long */
    SB_PHONE_E164,         /* canonical international number in e164 */
    SB_PHONE_SHORT,        /* internal extension / short code (<= 6 digits, or with * #): as written in e164 */
    SB_PHONE_DIGITS,       /* a longer number whose country cannot be inferred (no default plan
                              and no +/00/011): its digits in e164, without "+" */
} sb_phone_kind;

/* How the input was written (for reports and the dial-prefix-duplication check). */
typedef enum {
    SB_PHONE_FORM_NONE = 0,
    SB_PHONE_FORM_PLUS,        /* +CC... */
    SB_PHONE_FORM_INTL_ACCESS, /* 00CC... / 011CC... */
    SB_PHONE_FORM_NATIONAL,    /* trunk prefix + national number (0..., or 1+10 in NANP) */
    SB_PHONE_FORM_BARE_CC,     /* digits that already start with the default country code */
    SB_PHONE_FORM_LOCAL,       /* national number without trunk prefix (NANP 10 digits) */
    SB_PHONE_FORM_SHORT,
} sb_phone_form;

typedef struct sb_phone {
    sb_phone_kind kind;
    sb_phone_form form;
    char e164[SB_PHONE_E164_MAX + 1];   /* "+442079460018", or "101" for SHORT, "" if INVALID */
    char ext[SB_PHONE_EXT_MAX + 1];     /* extension digits ("x33", ";ext=33", "ext. 33"), or "" */
    unsigned cc_len;                    /* digits of the country code within e164 (0 if unknown) */
    bool trunk_zero_kept;               /* "+44 (0)20..." or "+44020..." seen: the trunk 0 was dropped */
} sb_phone;

/* Parses s[0..len) with the default country plan (NULL = no default: only +/00/011 forms can
 * become E.164). Accepts spaces, dots, dashes, slashes, parentheses, a "tel:"/"sip:" scheme
 * (user part only, up to '@'), a leading "+", "(0)" after the country code, and extensions.
 * Returns out->kind. */
sb_phone_kind sb_phone_parse(const char *s, size_t len, const sb_phone_country *def, sb_phone *out);

/* Convenience: writes the canonical form into out (size >= SB_PHONE_E164_MAX + 1); returns
 * its length, or 0 when the input is invalid (out is then ""). */
size_t sb_phone_normalize(const char *s, size_t len, const sb_phone_country *def, char *out);

typedef enum {
    SB_PHONE_MATCH_NONE = 0,
    SB_PHONE_MATCH_SUFFIX,  /* one side lacked a country: the national significant numbers agree
                               (the last max(7, shorter) digits) */
    SB_PHONE_MATCH_EXACT,   /* same E.164 (extensions ignored), or same short code */
} sb_phone_match_kind;

/* Do a and b name the same number? "+44 20 7946 0018" vs "020-7946-0018" (default GB) is
 * EXACT; "2079460018" vs "+442079460018" is SUFFIX when no default applies. */
sb_phone_match_kind sb_phone_match(const char *a, size_t alen, const char *b, size_t blen,
                                   const sb_phone_country *def);

/* The calling-code length of a digits-only E.164 body (without "+"): 1, 2 or 3, from the ITU
 * assignment table; 0 when the leading digit is 0. */
unsigned sb_phone_cc_len(const char *digits, size_t len);

#endif
