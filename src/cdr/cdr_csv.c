/* A streaming CSV reader (see cdr_csv.h).
 *
 * Complete rows are parsed straight out of the caller's chunk: unquoted fields point into it,
 * quoted fields with "" escapes are unescaped into a per-row scratch buffer. Only a row cut
 * by the chunk boundary is copied (into `pending`, capped at max_row). A row that outgrows
 * max_row switches the reader to skip mode, which only tracks quote parity until the row's
 * real end, so memory stays at max_row whatever the line length. */
#include "cdr/cdr_csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum { PARSE_DONE, PARSE_MORE };

struct cdr_csv {
#ifdef __SSE2__
    __m128i vsep; /* the separator in every byte */
#endif
    char sep;
    bool sep_known, bom_checked, skipping;
    int skip_state;         /* SK_* while skipping an over-long row */
    size_t max_row, max_fields;
    cdr_csv_row_fn fn;
    void *ud;
    uint64_t line;          /* lines consumed so far */
    uint64_t skip_line;     /* where the skipped row started */
    char *pending;          /* a row cut by a chunk boundary */
    size_t pending_len;
    char *scratch;          /* unescaped quoted fields of the current row */
    size_t scratch_len;
    cdr_str *fields;
    unsigned char special[256];
};

/* A parsed row: fields, status, consumed bytes, newlines inside. */
typedef struct row {
    size_t nf, consumed;
    uint64_t newlines;
    int status;
    bool check_utf8;
} row;

static void set_sep(cdr_csv *c, char sep)
{
    c->sep = sep;
    c->sep_known = true;
#ifdef __SSE2__
    c->vsep = _mm_set1_epi8(sep);
#endif
    memset(c->special, 0, sizeof c->special);
    c->special[(unsigned char)sep] = 1;
    c->special['\n'] = 1;
    c->special['\r'] = 1;
    c->special['"'] = 1;
    for (int i = 0x80; i < 0x100; i++)
        c->special[i] = 2;
}

cdr_csv *cdr_csv_new(char sep, size_t max_row, size_t max_fields, cdr_csv_row_fn fn, void *ud)
{
    cdr_csv *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max_row = max_row < 64 ? 64 : max_row;
    c->max_fields = max_fields < 1 ? 1 : max_fields;
    c->fn = fn;
    c->ud = ud;
    c->pending = malloc(c->max_row + 1);
    c->scratch = malloc(c->max_row + 1);
    c->fields = calloc(c->max_fields, sizeof *c->fields);
    if (!c->pending || !c->scratch || !c->fields) {
        cdr_csv_free(c);
        return NULL;
    }
    if (sep)
        set_sep(c, sep);
    return c;
}

void cdr_csv_free(cdr_csv *c)
{
    if (!c)
        return;
    free(c->pending);
    free(c->scratch);
    free(c->fields);
    free(c);
}

char cdr_csv_separator(const cdr_csv *c)
{
    return c->sep_known ? c->sep : 0;
}

uint64_t cdr_csv_lines(const cdr_csv *c)
{
    return c->line;
}

/* Picks the separator that occurs most often outside quotes on the first line. */
static void detect_sep(cdr_csv *c, const char *p, size_t n)
{
    static const char cand[] = {',', ';', '\t', '|'};
    size_t count[4] = {0};
    bool q = false;
    if (n > c->max_row)
        n = c->max_row; /* the same bytes whatever the chunking: at most max_row of line 1 */
    for (size_t i = 0; i < n && p[i] != '\n'; i++) {
        if (p[i] == '"')
            q = !q;
        else if (!q)
            for (int k = 0; k < 4; k++)
                count[k] += p[i] == cand[k];
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (count[k] > count[best])
            best = k;
    set_sep(c, cand[best]);
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = s[i];
        if (b < 0x80) { i++; continue; }
        size_t k;
        unsigned min;
        if ((b & 0xE0) == 0xC0) k = 1, min = 0x80;
        else if ((b & 0xF0) == 0xE0) k = 2, min = 0x800;
        else if ((b & 0xF8) == 0xF0) k = 3, min = 0x10000;
        else return false;
        if (i + k >= n)
            return false;
        unsigned cp = b & (0x3F >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

/* The first byte at or after u that is special (separator, quote, CR, LF, or >= 0x80).
 * SSE2 compares 16 bytes at a time; the table handles the tail. */
static inline const unsigned char *skip_plain(const cdr_csv *c, const unsigned char *u,
                                              const unsigned char *ue)
{
#ifdef __SSE2__
    const __m128i vs = c->vsep, vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n'),
                  vr = _mm_set1_epi8('\r');
    while (ue - u >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)u);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vs), _mm_cmpeq_epi8(x, vq)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, vn), _mm_cmpeq_epi8(x, vr)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m) | (unsigned)_mm_movemask_epi8(x);
        if (bits)
            return u + __builtin_ctz(bits);
        u += 16;
    }
#endif
    while (u < ue && !c->special[*u]) u++;
    return u;
}

/* A quoted field starting after the opening quote at p (< end). Sets *f to the content,
 * returns the position after the closing quote, or NULL when the quote is still open at end. */
static const char *quoted(cdr_csv *c, const char *p, const char *end, row *rw, cdr_str *f)
{
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (!q)
        return NULL;
    if (q + 1 >= end || q[1] != '"') { /* no escapes: point into the input */
        f->p = p, f->n = (size_t)(q - p);
        for (const char *x = p; (x = memchr(x, '\n', (size_t)(q - x))); x++)
            rw->newlines++;
        return q + 1;
    }
    char *out = c->scratch + c->scratch_len;
    size_t room = c->max_row - c->scratch_len, k = 0;
    const char *s = p;
    for (;;) {
        q = memchr(s, '"', (size_t)(end - s));
        if (!q)
            return NULL;
        size_t len = (size_t)(q - s);
        if (k + len + 1 > room) {
            rw->status = CDR_CSV_TOO_LONG;
            len = room > k ? room - k : 0;
        }
        memcpy(out + k, s, len);
        for (const char *x = s; (x = memchr(x, '\n', (size_t)(q - x))); x++)
            rw->newlines++;
        k += len;
        if (q + 1 < end && q[1] == '"') {
            if (k < room)
                out[k++] = '"';
            s = q + 2;
            continue;
        }
        f->p = out, f->n = k;
        c->scratch_len += k;
        return q + 1;
    }
}

/* A row with broken quoting (a quote inside an unquoted field, or text after a closing
 * quote) ends at the next newline after the offending byte at `bad`: the same rule the skip
 * state machine follows, so where such a row ends never depends on how the input was cut. */
static int bad_quote_row(const char *p, const char *bad, const char *end, bool final,
                         size_t max_row, row *rw)
{
    uint64_t nl = 0;
    for (const char *x = p; (x = memchr(x, '\n', (size_t)(bad - x))); x++)
        nl++; /* newlines inside earlier quoted fields */
    const char *e = memchr(bad, '\n', (size_t)(end - bad));
    if (!e && !final)
        return PARSE_MORE;
    rw->nf = 0;
    rw->newlines = nl + (e ? 1 : 0);
    rw->consumed = e ? (size_t)(e + 1 - p) : (size_t)(end - p);
    /* longer than max_row is "too long" first, as a chunked read must call it */
    rw->status = rw->consumed > max_row ? CDR_CSV_TOO_LONG : CDR_CSV_BAD_QUOTE;
    return PARSE_DONE;
}

/* Parses one row at p[0..end). final = no more input will come. */
#ifdef __SSE2__
/* The common row — no quotes, no CR except before the LF, ASCII only, LF inside the buffer —
 * parsed 16 bytes at a time: separator positions come out of a bitmask, one field per set
 * bit. Returns false (nothing done) for any other row; parse_row then takes it byte by byte. */
static bool fast_row(cdr_csv *c, const char *p, const char *end, row *rw)
{
    const __m128i vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
    const char *s = p, *fstart = p;
    size_t nf = 0;
    while (end - s >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
        unsigned nl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vn));
        unsigned sep = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, c->vsep));
        unsigned cr = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vr));
        unsigned bad = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq)) | (unsigned)_mm_movemask_epi8(x);
        unsigned upto = 0xFFFF, limit = 16;
        if (nl) {
            limit = (unsigned)__builtin_ctz(nl);
            upto = (1u << limit) - 1;
            if (limit > 0 && (cr & (1u << (limit - 1))))
                cr &= ~(1u << (limit - 1)); /* CR LF */
        }
        if ((bad | cr) & upto)
            return false;
        for (unsigned m = sep & upto; m; m &= m - 1) {
            if (nf >= c->max_fields)
                return false;
            const char *at = s + __builtin_ctz(m);
            c->fields[nf++] = (cdr_str){fstart, (size_t)(at - fstart)};
            fstart = at + 1;
        }
        if (nl) {
            const char *e = s + limit;
            if (nf >= c->max_fields || (size_t)(e + 1 - p) > c->max_row)
                return false;
            const char *fe = e > fstart && e[-1] == '\r' ? e - 1 : e;
            c->fields[nf++] = (cdr_str){fstart, (size_t)(fe - fstart)};
            rw->nf = nf;
            rw->newlines = 1;
            rw->consumed = (size_t)(e + 1 - p);
            return true;
        }
        s += 16;
    }
    return false;
}
#endif

static int parse_row(cdr_csv *c, const char *p, const char *end, bool final, row *rw)
{
    const char *s = p;
    memset(rw, 0, sizeof *rw);
    c->scratch_len = 0;
#ifdef __SSE2__
    if (fast_row(c, p, end, rw))
        return PARSE_DONE;
    memset(rw, 0, sizeof *rw);
#endif
    for (;;) {
        cdr_str f = {s, 0};
        const char *after;
        if (s < end && *s == '"') {
            rw->check_utf8 = true;
            after = quoted(c, s + 1, end, rw, &f);
            if (!after) {
                if (!final)
                    return PARSE_MORE;
                rw->consumed = (size_t)(end - p);
                rw->status = rw->consumed > c->max_row ? CDR_CSV_TOO_LONG : CDR_CSV_BAD_QUOTE;
                rw->nf = 0;
                return PARSE_DONE;
            }
            if (after == end && !final)
                return PARSE_MORE; /* the next byte may be '"' (an escape) */
            if (after < end && (unsigned char)*after != (unsigned char)c->sep && *after != '\n' &&
                *after != '\r')
                return bad_quote_row(p, after, end, final, c->max_row, rw);
            s = after;
            while (s < end && (unsigned char)*s != (unsigned char)c->sep && *s != '\n') s++;
        } else {
            const unsigned char *u = (const unsigned char *)s, *ue = (const unsigned char *)end;
            for (;;) {
                u = skip_plain(c, u, ue);
                if (u < ue && c->special[*u] == 2) { rw->check_utf8 = true; u++; continue; }
                if (u < ue && *u == '"')
                    return bad_quote_row(p, (const char *)u, end, final, c->max_row, rw);
                if (u < ue && *u == '\r' && !(u + 1 < ue && u[1] == '\n') && u + 1 < ue) { u++; continue; }
                break;
            }
            s = (const char *)u;
            f.n = (size_t)(s - f.p);
            if (s < end && *s == '\r' && s + 1 == end && !final)
                return PARSE_MORE;
        }
        if (s >= end && !final)
            return PARSE_MORE;
        if (rw->nf < c->max_fields) {
            c->fields[rw->nf++] = f;
        } else {
            rw->status = rw->status ? rw->status : CDR_CSV_TOO_MANY_FIELDS;
        }
        if (s >= end) {
            rw->consumed = (size_t)(end - p);
            break;
        }
        if ((unsigned char)*s == (unsigned char)c->sep) {
            s++;
            continue;
        }
        if (*s == '\r') /* CR LF; a lone CR inside an unquoted field was kept as content */
            s++;
        if (s < end && *s == '\n')
            s++;
        rw->newlines++;
        rw->consumed = (size_t)(s - p);
        break;
    }
    if (rw->consumed > c->max_row)
        rw->status = CDR_CSV_TOO_LONG;
    if (!rw->status && rw->check_utf8 && !utf8_valid((const unsigned char *)p, rw->consumed))
        rw->status = CDR_CSV_BAD_UTF8;
    return PARSE_DONE;
}

/* Hands a finished row to the callback. Blank lines are dropped. Returns the callback's value. */
static int emit(cdr_csv *c, const row *rw)
{
    uint64_t line = c->line + 1;
    c->line += rw->newlines ? rw->newlines : 1;
    if (rw->status)
        return c->fn(c->ud, c->fields, 0, line, rw->status);
    if (rw->nf == 1 && c->fields[0].n == 0)
        return 0;
    return c->fn(c->ud, c->fields, rw->nf, line, CDR_CSV_OK);
}

/* Skip mode: a state machine that follows the parser's rules (field start, unquoted,
 * quoted, quote seen inside quotes, after a closing quote, broken) without keeping the bytes,
 * to find where an over-long row really ends. Returns bytes consumed; clears skipping at the
 * row's end. Long runs are crossed with memchr / skip_plain, so a 1 GB line costs little. */
enum { SK_START, SK_UNQ, SK_Q, SK_QQ, SK_AFTER, SK_BAD };

static size_t skip(cdr_csv *c, const char *p, size_t n)
{
    const char *s = p, *end = p + n;
    while (s < end) {
        if (c->skip_state == SK_Q) {
            const char *q = memchr(s, '"', (size_t)(end - s));
            const char *stop = q ? q : end;
            for (const char *x = s; (x = memchr(x, '\n', (size_t)(stop - x))); x++)
                c->line++;
            if (!q)
                return n;
            c->skip_state = SK_QQ;
            s = q + 1;
            continue;
        }
        if (c->skip_state == SK_BAD) {
            const char *e = memchr(s, '\n', (size_t)(end - s));
            if (!e)
                return n;
            s = e; /* handled as the row end below */
        } else if (c->skip_state == SK_UNQ || c->skip_state == SK_AFTER) {
            s = (const char *)skip_plain(c, (const unsigned char *)s, (const unsigned char *)end);
            if (s >= end)
                return n;
        }
        char ch = *s++;
        if (ch == '\n' && c->skip_state != SK_Q) {
            c->skipping = false;
            c->line++;
            return (size_t)(s - p);
        }
        switch (c->skip_state) {
        case SK_START:
            c->skip_state = ch == '"' ? SK_Q : (unsigned char)ch == (unsigned char)c->sep ? SK_START : SK_UNQ;
            break;
        case SK_UNQ:
            if ((unsigned char)ch == (unsigned char)c->sep) c->skip_state = SK_START;
            else if (ch == '"') c->skip_state = SK_BAD;
            break;
        case SK_QQ:
            if (ch == '"') c->skip_state = SK_Q;
            else if ((unsigned char)ch == (unsigned char)c->sep) c->skip_state = SK_START;
            else if (ch == '\r') c->skip_state = SK_AFTER;
            else c->skip_state = SK_BAD;
            break;
        case SK_AFTER:
            if ((unsigned char)ch == (unsigned char)c->sep) c->skip_state = SK_START;
            break;
        default:
            break;
        }
    }
    return n;
}

static int start_skip(cdr_csv *c, const char *p, size_t n, uint64_t *consumed)
{
    if (!c->sep_known) /* an over-long first line: its start decides the separator */
        detect_sep(c, p, n);
    c->skipping = true;
    c->skip_state = SK_START;
    c->skip_line = c->line + 1;
    size_t used = skip(c, p, n); /* the row cannot end inside p: the parser found no end */
    (void)used;
    c->skipping = true;
    *consumed = n;
    return c->fn(c->ud, c->fields, 0, c->skip_line, CDR_CSV_TOO_LONG);
}

/* Parses complete rows out of p[0..n); returns bytes consumed, sets *stop. */
static size_t run(cdr_csv *c, const char *p, size_t n, bool final, int *stop)
{
    size_t off = 0;
    while (off < n && !*stop) {
        if (c->skipping) {
            off += skip(c, p + off, n - off);
            continue;
        }
        if (!c->sep_known) {
            const char *nl = memchr(p + off, '\n', n - off);
            if (!nl && !final && n - off <= c->max_row)
                return off;
            detect_sep(c, p + off, nl ? (size_t)(nl - (p + off)) : n - off);
        }
        row rw;
        if (parse_row(c, p + off, p + n, final, &rw) == PARSE_MORE) {
            if (n - off > c->max_row) {
                uint64_t used;
                *stop = start_skip(c, p + off, n - off, &used);
                off += used;
                continue;
            }
            return off;
        }
        *stop = emit(c, &rw);
        off += rw.consumed;
    }
    return off;
}

static int feed(cdr_csv *c, const char *data, size_t len, bool final)
{
    int stop = 0;
    if (!c->bom_checked) {
        if (c->pending_len + len < 3 && !final) {
            memcpy(c->pending + c->pending_len, data, len);
            c->pending_len += len;
            return 0;
        }
        c->bom_checked = true;
        char head[3];
        size_t k = 0;
        for (; k < c->pending_len && k < 3; k++) head[k] = c->pending[k];
        for (size_t i = 0; k < 3 && i < len; k++, i++) head[k] = data[i];
        if (k == 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
            size_t from_pending = c->pending_len < 3 ? c->pending_len : 3;
            memmove(c->pending, c->pending + from_pending, c->pending_len - from_pending);
            c->pending_len -= from_pending;
            data += 3 - from_pending;
            len -= 3 - from_pending;
        }
    }
    /* Complete the pending row with bytes up to each next newline. */
    while (c->pending_len && !stop) {
        if (c->skipping) {
            c->pending_len = 0;
            break;
        }
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        if (c->pending_len + take > c->max_row) {
            /* fill up to max_row (no newline in there: take ends at the first one) so that
             * separator detection sees the same bytes as an unchunked read */
            size_t fit = c->max_row - c->pending_len;
            memcpy(c->pending + c->pending_len, data, fit);
            c->pending_len += fit;
            data += fit, len -= fit;
            uint64_t used;
            stop = start_skip(c, c->pending, c->pending_len, &used);
            c->pending_len = 0;
            break;
        }
        memcpy(c->pending + c->pending_len, data, take);
        c->pending_len += take;
        data += take, len -= take;
        bool fin = final && len == 0;
        size_t used = run(c, c->pending, c->pending_len, fin, &stop);
        if (used == c->pending_len) {
            c->pending_len = 0;
        } else if (used > 0) {
            memmove(c->pending, c->pending + used, c->pending_len - used);
            c->pending_len -= used;
        }
        if (len == 0)
            return stop;
    }
    if (stop)
        return stop;
    size_t used = run(c, data, len, final, &stop);
    if (!stop && used < len) {
        size_t rest = len - used;
        if (c->skipping) {
            used += skip(c, data + used, rest);
        } else if (rest > c->max_row) {
            uint64_t u;
            stop = start_skip(c, data + used, rest, &u);
        } else {
            memcpy(c->pending, data + used, rest);
            c->pending_len = rest;
        }
    }
    return stop;
}

int cdr_csv_feed(cdr_csv *c, const char *data, size_t len)
{
    return len ? feed(c, data, len, false) : 0;
}

int cdr_csv_finish(cdr_csv *c)
{
    int stop = 0;
    if (c->skipping) {
        c->skipping = false;
        c->pending_len = 0;
        return 0;
    }
    if (c->pending_len) {
        size_t n = c->pending_len;
        c->pending_len = 0;
        char *tmp = malloc(n);
        if (!tmp)
            return -1;
        memcpy(tmp, c->pending, n);
        c->bom_checked = true;
        run(c, tmp, n, true, &stop);
        free(tmp);
    }
    return stop;
}
