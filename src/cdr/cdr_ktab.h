/* Internal: a capped hash table from short byte keys to fixed-size zeroed values, used by the
 * report and the detectors. Keys longer than CDR_KTAB_KEY_MAX are cut. When max_keys distinct
 * keys exist, further new keys all share one overflow entry (key "(other)") and `truncated`
 * is set, so memory never grows with the number of rows. Value pointers stay valid until the
 * next cdr_ktab_get that creates a key. */
#ifndef SB_CDR_KTAB_H
#define SB_CDR_KTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CDR_KTAB_KEY_MAX 64

typedef struct cdr_ktab {
    size_t val_size;
    uint32_t max_keys, n, cap;  /* cap: slot count, power of two */
    uint32_t *slots;            /* entry index + 1; 0 = empty */
    uint64_t *hashes;           /* per entry */
    char *keys;                 /* per entry: CDR_KTAB_KEY_MAX bytes */
    uint8_t *klen;
    unsigned char *vals;        /* per entry: val_size bytes */
    uint32_t alloc;             /* entries allocated */
    int64_t other;              /* overflow entry index, -1 until used */
    bool truncated;
} cdr_ktab;

int cdr_ktab_init(cdr_ktab *t, size_t val_size, uint32_t max_keys);
void cdr_ktab_free(cdr_ktab *t);
/* The value for key (created zeroed when new); NULL only when out of memory. */
void *cdr_ktab_get(cdr_ktab *t, const void *key, size_t len);
/* Like cdr_ktab_get, but NULL (and `truncated` set) instead of the shared overflow entry when
 * the table is full: for state that must never mix keys (the detectors' windows). */
void *cdr_ktab_get_capped(cdr_ktab *t, const void *key, size_t len);
/* Keeps only the entries for which keep(value, ud) is true (rebuilding the index); returns how
 * many were dropped. Frees room in a full table of time windows. */
uint32_t cdr_ktab_retain(cdr_ktab *t, bool (*keep)(const void *val, void *ud), void *ud);
/* The value for key if present, else NULL. */
void *cdr_ktab_find(const cdr_ktab *t, const void *key, size_t len);
/* Entry i (0 <= i < n): key and value. */
static inline void *cdr_ktab_val(const cdr_ktab *t, uint32_t i)
{
    return t->vals + (size_t)i * t->val_size;
}
static inline const char *cdr_ktab_key(const cdr_ktab *t, uint32_t i, size_t *len)
{
    *len = t->klen[i];
    return t->keys + (size_t)i * CDR_KTAB_KEY_MAX;
}
uint64_t cdr_hash(const void *key, size_t len);

#endif
