/* UTF-8 validation and repair (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF). Text from upstreams and files reaches JSON, which must be valid UTF-8; repairing
 * keeps every valid character and replaces each invalid sequence with U+FFFD instead of losing
 * the whole text. */
#ifndef SB_UTIL_UTF8_H
#define SB_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Length of the valid sequence starting at s (1-4), or 0 when s[0..n) does not start one. */
size_t sb_utf8_sequence(const unsigned char *s, size_t n);
bool sb_utf8_valid(const char *s, size_t n);
/* Appends s[0..n) to out with every invalid sequence replaced by U+FFFD. 0, or -1 when out's
 * cap was reached (out then holds what fitted). */
int sb_utf8_repair(const char *s, size_t n, sb_buf *out);

#endif
