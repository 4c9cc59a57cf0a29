/* IP endpoints: parsing and formatting literals, comparisons, private-range tests (RFC 1918,
 * RFC 6598, link-local, IPv6 ULA and link-local). */
#include "sip/sip.h"
#include "sip/sip_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static inline bool is_digit(const char *p, const char *e)
{
    return p < e && (unsigned)(*p - '0') <= 9;
}

/* One dotted-quad octet: 1 to 3 digits, at most 255 (leading zeros allowed, as below). */
static inline const char *octet(const char *p, const char *e, uint8_t *out)
{
    if (!is_digit(p, e))
        return NULL;
    unsigned v = (unsigned)(*p++ - '0');
    if (is_digit(p, e)) {
        v = v * 10 + (unsigned)(*p++ - '0');
        if (is_digit(p, e)) {
            v = v * 10 + (unsigned)(*p++ - '0');
            if (v > 255)
                return NULL;
        }
    }
    *out = (uint8_t)v;
    return p;
}

/* "a.b.c.d" or "a.b.c.d:port" exactly, nothing around it: the form nearly every address in a
 * capture takes. Returns false when the text is anything else (the general parser decides
 * then); when true, *out is what the general parser gives for the same text. */
static bool fast_v4(const char *p, size_t len, sip_addr *out)
{
    const char *e = p + len;
    for (int i = 0; i < 4; i++) {
        if (i && (p >= e || *p++ != '.'))
            return false;
        if (!(p = octet(p, e, &out->ip[i])))
            return false;
    }
    if (p == e)
        return true;
    if (*p++ != ':' || p == e || e - p > 5)
        return false;
    unsigned v = 0;
    for (; p < e; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (v > 65535)
        return false;
    out->port = (uint16_t)v;
    return true;
}

int sip_addr_parse_general(const char *text, size_t len, sip_addr *out)
{
    memset(out, 0, sizeof *out);
    char tmp[64];
    while (len && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r'))
        len--;
    if (!len || len >= sizeof tmp)
        return -1;
    const char *host = text, *port = NULL;
    size_t hl = len, pl = 0;
    if (text[0] == '[') {
        const char *e = memchr(text, ']', len);
        if (!e)
            return -1;
        host = text + 1;
        hl = (size_t)(e - text - 1);
        if ((size_t)(e - text) + 1 < len) {
            if (e[1] != ':')
                return -1;
            port = e + 2;
            pl = len - (size_t)(e - text) - 2;
        }
    } else {
        const char *c = memchr(text, ':', len);
        if (c && !memchr(c + 1, ':', len - (size_t)(c - text) - 1)) {
            hl = (size_t)(c - text);
            port = c + 1;
            pl = len - hl - 1;
        }
    }
    if (hl >= 7 && fast_v4(host, hl, out)) { /* a dotted quad, leading zeros allowed */
        out->family = 4;
    } else {
        memset(out, 0, sizeof *out);
        memcpy(tmp, host, hl);
        tmp[hl] = 0;
        int family = memchr(tmp, ':', hl) ? AF_INET6 : AF_INET;
        if (inet_pton(family, tmp, out->ip) != 1)
            return memset(out, 0, sizeof *out), -1;
        out->family = family == AF_INET6 ? 6 : 4;
    }
    if (port) {
        unsigned v = 0;
        if (!pl || pl > 5)
            return memset(out, 0, sizeof *out), -1;
        for (size_t i = 0; i < pl; i++) {
            if (port[i] < '0' || port[i] > '9')
                return memset(out, 0, sizeof *out), -1;
            v = v * 10 + (unsigned)(port[i] - '0');
        }
        if (v > 65535)
            return memset(out, 0, sizeof *out), -1;
        out->port = (uint16_t)v;
    }
    return 0;
}

bool sip_addr_parse_v4_exact(const char *text, size_t len, sip_addr *out)
{
    memset(out, 0, sizeof *out);
    if (len >= 7 && fast_v4(text, len, out)) {
        out->family = 4;
        return true;
    }
    memset(out, 0, sizeof *out);
    return false;
}

int sip_addr_parse(const char *text, size_t len, sip_addr *out)
{
    memset(out, 0, sizeof *out);
    if (len >= 7 && fast_v4(text, len, out)) {
        out->family = 4;
        return 0;
    }
    return sip_addr_parse_general(text, len, out);
}

char *sip_addr_format(const sip_addr *a, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (!size)
        return buf;
    if (a->family == 4)
        inet_ntop(AF_INET, a->ip, ip, sizeof ip);
    else if (a->family == 6)
        inet_ntop(AF_INET6, a->ip, ip, sizeof ip);
    if (a->family == 6 && a->port)
        snprintf(buf, size, "[%s]:%u", ip, a->port);
    else if (a->port)
        snprintf(buf, size, "%s:%u", ip, a->port);
    else
        snprintf(buf, size, "%s", ip);
    return buf;
}

bool sip_addr_same_host(const sip_addr *a, const sip_addr *b)
{
    if (a->family != b->family)
        return false;
    /* fixed-size compares (inlined) instead of a memcmp call of 4 or 16 bytes: the engine
     * compares addresses for every message */
    if (a->family == 6)
        return memcmp(a->ip, b->ip, 16) == 0;
    return memcmp(a->ip, b->ip, 4) == 0;
}

bool sip_addr_equal(const sip_addr *a, const sip_addr *b)
{
    return sip_addr_same_host(a, b) && a->port == b->port;
}

bool sip_addr_is_private(const sip_addr *a)
{
    const uint8_t *p = a->ip;
    if (a->family == 4)
        return p[0] == 10 || (p[0] == 172 && (p[1] & 0xf0) == 16) ||
               (p[0] == 192 && p[1] == 168) || (p[0] == 100 && (p[1] & 0xc0) == 64) ||
               (p[0] == 169 && p[1] == 254);
    if (a->family == 6)
        return (p[0] & 0xfe) == 0xfc || (p[0] == 0xfe && (p[1] & 0xc0) == 0x80);
    return false;
}
