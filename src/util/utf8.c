/* UTF-8 validation and repair (see utf8.h). */
#include "util/utf8.h"

size_t sb_utf8_sequence(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* the allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

bool sb_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = sb_utf8_sequence(p + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

int sb_utf8_repair(const char *s, size_t n, sb_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of valid bytes */
    for (size_t i = 0; i < n;) {
        size_t k = sb_utf8_sequence(p + i, n - i);
        if (k) {
            i += k;
            continue;
        }
        if (sb_buf_append(out, s + run, i - run) < 0 || sb_buf_append(out, "\xEF\xBF\xBD", 3) < 0)
            return -1;
        i++;
        run = i;
    }
    return sb_buf_append(out, s + run, n - run);
}
