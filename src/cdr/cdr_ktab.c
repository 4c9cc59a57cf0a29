/* A capped open-addressing hash table (see cdr_ktab.h): linear probing, power-of-two slots
 * kept under 50% load, entries in parallel arrays so a lookup touches one slot and one hash. */
#include "cdr/cdr_ktab.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t load32(const unsigned char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

static inline uint64_t mix(uint64_t h)
{
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

/* Short keys dominate (customer ids, prefixes, days): fixed-size loads, no memcpy call. */
uint64_t cdr_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (len * 0xff51afd7ed558ccdull);
    if (len >= 8) {
        const unsigned char *end = p + len;
        while (end - p > 8) {
            h = (h ^ load64(p)) * 0xbf58476d1ce4e5b9ull;
            h ^= h >> 31;
            p += 8;
        }
        h = (h ^ load64(end - 8)) * 0x94d049bb133111ebull;
    } else if (len >= 4) {
        h = (h ^ (load32(p) | (load32(p + len - 4) << 32))) * 0x94d049bb133111ebull;
    } else if (len) {
        uint64_t w = p[0] | ((uint64_t)p[len / 2] << 8) | ((uint64_t)p[len - 1] << 16);
        h = (h ^ w) * 0x94d049bb133111ebull;
    }
    return mix(h);
}

int cdr_ktab_init(cdr_ktab *t, size_t val_size, uint32_t max_keys)
{
    memset(t, 0, sizeof *t);
    t->val_size = val_size;
    t->max_keys = max_keys ? max_keys : 1;
    t->other = -1;
    t->cap = 64;
    t->slots = calloc(t->cap, sizeof *t->slots);
    return t->slots ? 0 : -1;
}

void cdr_ktab_free(cdr_ktab *t)
{
    free(t->slots);
    free(t->hashes);
    free(t->keys);
    free(t->klen);
    free(t->vals);
    memset(t, 0, sizeof *t);
}

static int grow_entries(cdr_ktab *t)
{
    uint32_t na = t->alloc ? t->alloc * 2 : 32;
    uint64_t *h = realloc(t->hashes, na * sizeof *h);
    if (!h) return -1;
    t->hashes = h;
    char *k = realloc(t->keys, (size_t)na * CDR_KTAB_KEY_MAX);
    if (!k) return -1;
    t->keys = k;
    uint8_t *kl = realloc(t->klen, na);
    if (!kl) return -1;
    t->klen = kl;
    unsigned char *v = realloc(t->vals, (size_t)na * t->val_size);
    if (!v) return -1;
    t->vals = v;
    t->alloc = na;
    return 0;
}

static int rehash(cdr_ktab *t)
{
    uint32_t nc = t->cap * 2;
    uint32_t *s = calloc(nc, sizeof *s);
    if (!s)
        return -1;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t j = (uint32_t)t->hashes[i] & (nc - 1);
        while (s[j]) j = (j + 1) & (nc - 1);
        s[j] = i + 1;
    }
    free(t->slots);
    t->slots = s;
    t->cap = nc;
    return 0;
}

static int64_t lookup(const cdr_ktab *t, uint64_t h, const void *key, size_t len, uint32_t *slot)
{
    uint32_t j = (uint32_t)h & (t->cap - 1);
    while (t->slots[j]) {
        uint32_t i = t->slots[j] - 1;
        if (t->hashes[i] == h && t->klen[i] == len &&
            memcmp(t->keys + (size_t)i * CDR_KTAB_KEY_MAX, key, len) == 0)
            return i;
        j = (j + 1) & (t->cap - 1);
    }
    *slot = j;
    return -1;
}

void *cdr_ktab_find(const cdr_ktab *t, const void *key, size_t len)
{
    if (len > CDR_KTAB_KEY_MAX) len = CDR_KTAB_KEY_MAX;
    uint32_t slot;
    int64_t i = lookup(t, cdr_hash(key, len), key, len, &slot);
    return i < 0 ? NULL : cdr_ktab_val(t, (uint32_t)i);
}

static int64_t add(cdr_ktab *t, uint64_t h, const void *key, size_t len)
{
    if (t->n >= t->alloc && grow_entries(t) < 0)
        return -1;
    if ((t->n + 1) * 2 > t->cap) {
        if (rehash(t) < 0)
            return -1;
    }
    uint32_t j = (uint32_t)h & (t->cap - 1);
    while (t->slots[j]) j = (j + 1) & (t->cap - 1);
    uint32_t i = t->n++;
    t->slots[j] = i + 1;
    t->hashes[i] = h;
    t->klen[i] = (uint8_t)len;
    memcpy(t->keys + (size_t)i * CDR_KTAB_KEY_MAX, key, len);
    memset(cdr_ktab_val(t, i), 0, t->val_size);
    return i;
}

void *cdr_ktab_get(cdr_ktab *t, const void *key, size_t len)
{
    if (len > CDR_KTAB_KEY_MAX) len = CDR_KTAB_KEY_MAX;
    uint64_t h = cdr_hash(key, len);
    uint32_t slot;
    int64_t i = lookup(t, h, key, len, &slot);
    if (i >= 0)
        return cdr_ktab_val(t, (uint32_t)i);
    if (t->n >= t->max_keys) {
        t->truncated = true;
        if (t->other < 0) {
            /* one entry beyond the cap holds everything else */
            t->max_keys++;
            t->other = add(t, cdr_hash("(other)", 7), "(other)", 7);
            t->max_keys--;
            if (t->other < 0)
                return NULL;
        }
        return cdr_ktab_val(t, (uint32_t)t->other);
    }
    i = add(t, h, key, len);
    return i < 0 ? NULL : cdr_ktab_val(t, (uint32_t)i);
}

void *cdr_ktab_get_capped(cdr_ktab *t, const void *key, size_t len)
{
    if (len > CDR_KTAB_KEY_MAX) len = CDR_KTAB_KEY_MAX;
    uint64_t h = cdr_hash(key, len);
    uint32_t slot;
    int64_t i = lookup(t, h, key, len, &slot);
    if (i >= 0)
        return (int64_t)i == t->other ? NULL : cdr_ktab_val(t, (uint32_t)i);
    if (t->n >= t->max_keys) {
        t->truncated = true;
        return NULL;
    }
    i = add(t, h, key, len);
    return i < 0 ? NULL : cdr_ktab_val(t, (uint32_t)i);
}

uint32_t cdr_ktab_retain(cdr_ktab *t, bool (*keep)(const void *val, void *ud), void *ud)
{
    uint32_t w = 0, dropped = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if ((int64_t)i == t->other || !keep(cdr_ktab_val(t, i), ud)) {
            dropped++;
            continue;
        }
        if (w != i) {
            t->hashes[w] = t->hashes[i];
            t->klen[w] = t->klen[i];
            memcpy(t->keys + (size_t)w * CDR_KTAB_KEY_MAX, t->keys + (size_t)i * CDR_KTAB_KEY_MAX, CDR_KTAB_KEY_MAX);
            memcpy(cdr_ktab_val(t, w), cdr_ktab_val(t, i), t->val_size);
        }
        w++;
    }
    t->n = w;
    t->other = -1;
    memset(t->slots, 0, t->cap * sizeof *t->slots);
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t j = (uint32_t)t->hashes[i] & (t->cap - 1);
        while (t->slots[j]) j = (j + 1) & (t->cap - 1);
        t->slots[j] = i + 1;
    }
    return dropped;
}
