/* Growable byte buffers with a hard maximum fixed at creation.
 * Every append either fits under the cap or fails with -1 and leaves the buffer unchanged,
 * so input of any size can never grow memory past what the caller allowed. The content is
 * always NUL-terminated (the terminator is not counted in len). */
#ifndef SB_UTIL_BUF_H
#define SB_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sb_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
} sb_buf;

void sb_buf_init(sb_buf *b, size_t max);
void sb_buf_free(sb_buf *b);
void sb_buf_reset(sb_buf *b);
int sb_buf_append(sb_buf *b, const void *data, size_t n);
int sb_buf_puts(sb_buf *b, const char *s);
int sb_buf_putc(sb_buf *b, char c);
int sb_buf_printf(sb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_buf_vprintf(sb_buf *b, const char *fmt, va_list ap);
/* Removes the first n bytes (n <= len). */
void sb_buf_consume(sb_buf *b, size_t n);
/* Hands the content to the caller (free() it) and leaves the buffer empty. */
char *sb_buf_steal(sb_buf *b, size_t *len);

#endif
