/* The engine: every SIP message from every source lands in sip_engine_feed(), is grouped by
 * Call-ID into a live dialog (open-addressing table of Call-ID hashes + LRU list by last
 * activity), checked against earlier messages for retransmissions and capture duplicates, and
 * recorded compactly. Dialogs that are finished and idle for linger_s of capture time are
 * concluded (sip_analyze.c) and their per-message state freed; only the sip_call summary
 * stays. */
#include "sip/sip_int.h"

#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#define DEF_MAX_CALLS 200000u
#define DEF_MAX_MSGS 4096u
#define DEF_MAX_KEPT (1u << 20)

struct sip_engine {
    sip_engine_opts o;
    /* live dialogs by Call-ID hash: open addressing, linear probing, at most half full; a
     * probe compares the slot's key and touches a dialog only on a match */
    struct dlg_slot {
        uint64_t key;
        sip_dlg *d;          /* NULL = empty */
    } *tab;
    size_t tab_cap, n_live;
    sip_dlg *lru_head, *lru_tail;
    sip_report *rep;
    size_t calls_cap;
    size_t calls_ready;      /* rep->calls slots below this have their pages faulted in */
    uint64_t *idx;           /* released calls by Call-ID hash: open addressing, index+1 in
                                the low 32 bits, the hash's high 32 bits above (a probe
                                skips other calls without touching their records) */
    size_t idx_cap;
    uint64_t frame_counter;
    int64_t last_t, first_t;
    uint64_t since_sweep;
    /* media address -> dialog */
    struct media_ent {
        sip_addr a;
        sip_dlg *d;
        bool caller_side;    /* the address is the caller's media */
    } *media;
    size_t media_cap, media_n;
    bool any_rtp;
    sip_kpi_acc *acc;
    /* Released calls whose summary was not kept (beyond max_calls): their Call-ID hashes for
     * GONE_KEEP_US of capture time, so their stragglers (late retransmissions, within Timer J
     * = 32 s) are not taken for new calls. Open addressing; expired entries are dropped when
     * the table is rebuilt, so its size follows the call rate, not the capture length. */
    struct gone {
        uint64_t key;
        int64_t t;
        uint32_t max_cseq;
    } *gone;
    size_t gone_cap, gone_n;
    /* released dialogs kept for reuse (linked by lnext, at most SPARE_MAX): a call's dialog
     * and event array come from here instead of the allocator, which otherwise sorts the
     * large freed blocks again for every small allocation */
    sip_dlg *spare;
    size_t n_spare;
};

#define SPARE_MAX 64
#define SPARE_MAX_EV 64

#define GONE_KEEP_US 64000000LL

static void gone_insert(struct gone *tab, size_t cap, const struct gone *g)
{
    size_t s = (size_t)g->key & (cap - 1);
    while (tab[s].key)
        s = (s + 1) & (cap - 1);
    tab[s] = *g;
}

static void gone_put(sip_engine *e, uint64_t key, uint32_t max_cseq)
{
    if (!key)
        key = 1;
    if ((e->gone_n + 1) * 2 > e->gone_cap) {
        size_t live = 0;
        for (size_t i = 0; i < e->gone_cap; i++)
            live += e->gone[i].key && e->last_t - e->gone[i].t < GONE_KEEP_US;
        size_t cap = 4096;
        while (cap < (live + 1) * 4)
            cap *= 2;
        struct gone *t = calloc(cap, sizeof *t);
        if (!t)
            return;
        for (size_t i = 0; i < e->gone_cap; i++)
            if (e->gone[i].key && e->last_t - e->gone[i].t < GONE_KEEP_US)
                gone_insert(t, cap, &e->gone[i]);
        free(e->gone);
        e->gone = t;
        e->gone_cap = cap;
        e->gone_n = live;
    }
    gone_insert(e->gone, e->gone_cap, &(struct gone){key, e->last_t, max_cseq});
    e->gone_n++;
}

static const struct gone *gone_get(const sip_engine *e, uint64_t key)
{
    if (!e->gone_cap)
        return NULL;
    if (!key)
        key = 1;
    size_t s = (size_t)key & (e->gone_cap - 1);
    for (size_t k = 0; k < e->gone_cap && e->gone[s].key; k++) {
        if (e->gone[s].key == key)
            return &e->gone[s];
        s = (s + 1) & (e->gone_cap - 1);
    }
    return NULL;
}

/* ---- small helpers ------------------------------------------------------------------------- */

static void lru_unlink(sip_engine *e, sip_dlg *d)
{
    if (d->lprev)
        d->lprev->lnext = d->lnext;
    else
        e->lru_head = d->lnext;
    if (d->lnext)
        d->lnext->lprev = d->lprev;
    else
        e->lru_tail = d->lprev;
    d->lprev = d->lnext = NULL;
}

static void lru_push(sip_engine *e, sip_dlg *d)
{
    d->lprev = e->lru_tail;
    d->lnext = NULL;
    if (e->lru_tail)
        e->lru_tail->lnext = d;
    else
        e->lru_head = d;
    e->lru_tail = d;
}

sip_engine *sip_engine_new(const sip_engine_opts *opts)
{
    sip_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (opts)
        e->o = *opts;
    if (!e->o.max_calls)
        e->o.max_calls = DEF_MAX_CALLS;
    if (!e->o.max_msgs_per_call)
        e->o.max_msgs_per_call = DEF_MAX_MSGS;
    if (!e->o.max_kept_bytes_per_call)
        e->o.max_kept_bytes_per_call = DEF_MAX_KEPT;
    if (e->o.linger_s <= 0)
        e->o.linger_s = 4.0;
    if (e->o.unfinished_s <= 0)
        e->o.unfinished_s = 600.0;
    if (e->o.leg_window_s == 0)
        e->o.leg_window_s = 2.0;
    e->tab_cap = 2048;
    e->tab = calloc(e->tab_cap, sizeof *e->tab);
    e->rep = calloc(1, sizeof *e->rep);
    e->acc = calloc(1, sizeof *e->acc);
    if (!e->tab || !e->rep || !e->acc) {
        free(e->tab);
        free(e->rep);
        free(e->acc);
        free(e);
        return NULL;
    }
    e->rep->source_format = "records";
    return e;
}

/* ---- media map (open addressing on the address; small) ------------------------------------ */

_Static_assert(sizeof(sip_addr) == 20, "addr_slot reads a sip_addr as 8 + 8 + 4 bytes");

/* The slot of an address: its 20 bytes as three words, multiplied and folded (a few
 * instructions; RTP looks it up for every packet and each call puts its media twice). */
static size_t addr_slot(const sip_addr *a, size_t cap)
{
    uint64_t w0, w1;
    uint32_t w2;
    memcpy(&w0, (const char *)a, 8);
    memcpy(&w1, (const char *)a + 8, 8);
    memcpy(&w2, (const char *)a + 16, 4);
    uint64_t h = (w0 ^ (w1 * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)w2 << 29)) * 0xff51afd7ed558ccdULL;
    return (size_t)(h ^ h >> 31 ^ h >> 47) & (cap - 1);
}

/* sip_addr_equal, inlined for the probe loops */
static inline bool addr_eq(const sip_addr *a, const sip_addr *b)
{
    if (a->family != b->family || a->port != b->port)
        return false;
    return a->family == 6 ? memcmp(a->ip, b->ip, 16) == 0 : memcmp(a->ip, b->ip, 4) == 0;
}

/* Doubles the media map (out of line: the put itself stays small). */
__attribute__((noinline)) static bool media_grow(sip_engine *e)
{
    size_t nc = e->media_cap ? e->media_cap * 2 : 256;
    struct media_ent *nm = calloc(nc, sizeof *nm);
    if (!nm)
        return false;
    for (size_t i = 0; i < e->media_cap; i++)
        if (e->media[i].d) {
            size_t s = addr_slot(&e->media[i].a, nc);
            while (nm[s].d)
                s = (s + 1) & (nc - 1);
            nm[s] = e->media[i];
        }
    free(e->media);
    e->media = nm;
    e->media_cap = nc;
    return true;
}

/* Records a among the dialog's media addresses (distinct); false when it is new and there is
 * no room. */
static bool media_key_add(sip_dlg *d, const sip_addr *a)
{
    unsigned k = 0;
    while (k < d->n_media_keys && !addr_eq(&d->media_keys[k], a))
        k++;
    if (k == DLG_MAX_MEDIA)
        return false;
    if (k == d->n_media_keys)
        d->media_keys[d->n_media_keys++] = *a;
    return true;
}

/* Maps a to the dialog. Every entry a dialog has is among its media_keys, so that media_drop
 * removes them all: an address beyond DLG_MAX_MEDIA is not mapped (an entry left behind would
 * point at a released, maybe reused, dialog). */
static void media_put(sip_engine *e, const sip_addr *a, sip_dlg *d, bool caller_side)
{
    if (!a->family || !a->port)
        return;
    if (e->media_n * 2 >= e->media_cap && !media_grow(e))
        return;
    size_t s = addr_slot(a, e->media_cap);
    while (e->media[s].d && !addr_eq(&e->media[s].a, a))
        s = (s + 1) & (e->media_cap - 1);
    if (e->media[s].d != d && !media_key_add(d, a)) /* the dialog's own entry: recorded */
        return;
    if (!e->media[s].d)
        e->media_n++;
    e->media[s] = (struct media_ent){*a, d, caller_side};
}

static struct media_ent *media_get(sip_engine *e, const sip_addr *a)
{
    if (!e->media_cap)
        return NULL;
    size_t s = addr_slot(a, e->media_cap);
    for (size_t k = 0; k < e->media_cap && e->media[s].d; k++) {
        if (addr_eq(&e->media[s].a, a))
            return &e->media[s];
        s = (s + 1) & (e->media_cap - 1);
    }
    return NULL;
}

/* Removes a dialog's entries (rebuilding the probe chains after each removal). */
static void media_drop(sip_engine *e, sip_dlg *d)
{
    for (unsigned k = 0; k < d->n_media_keys; k++) {
        struct media_ent *m = media_get(e, &d->media_keys[k]);
        if (!m || m->d != d)
            continue;
        size_t s = (size_t)(m - e->media);
        e->media[s].d = NULL;
        e->media_n--;
        size_t j = (s + 1) & (e->media_cap - 1);
        while (e->media[j].d) {
            struct media_ent t = e->media[j];
            e->media[j].d = NULL;
            e->media_n--;
            size_t ns = addr_slot(&t.a, e->media_cap);
            while (e->media[ns].d)
                ns = (ns + 1) & (e->media_cap - 1);
            e->media[ns] = t;
            e->media_n++;
            j = (j + 1) & (e->media_cap - 1);
        }
    }
    d->n_media_keys = 0;
}

/* ---- released-call index -------------------------------------------------------------------- */

static void idx_put(sip_engine *e, uint64_t key, size_t i)
{
    if ((e->rep->n_calls + 1) * 2 >= e->idx_cap) {
        size_t nc = e->idx_cap ? e->idx_cap * 2 : 1024;
        uint64_t *ni = calloc(nc, sizeof *ni);
        if (!ni)
            return;
        for (size_t k = 0; k < e->idx_cap; k++)
            if ((uint32_t)e->idx[k]) { /* the stored hash bits give the slot: no rehashing */
                size_t s = (size_t)(e->idx[k] >> 32) & (nc - 1);
                while (ni[s])
                    s = (s + 1) & (nc - 1);
                ni[s] = e->idx[k];
            }
        free(e->idx);
        e->idx = ni;
        e->idx_cap = nc;
    }
    size_t s = (size_t)(key >> 32) & (e->idx_cap - 1);
    while (e->idx[s])
        s = (s + 1) & (e->idx_cap - 1);
    e->idx[s] = (key >> 32) << 32 | (uint32_t)(i + 1);
}

static sip_call *idx_get(sip_engine *e, uint64_t key, sip_str cid)
{
    if (!e->idx_cap)
        return NULL;
    size_t s = (size_t)(key >> 32) & (e->idx_cap - 1);
    for (size_t k = 0; k < e->idx_cap && e->idx[s]; k++) {
        if (e->idx[s] >> 32 == key >> 32) { /* same hash bits: compare the Call-IDs */
            sip_call *c = &e->rep->calls[(uint32_t)e->idx[s] - 1];
            if (strncmp(c->call_id, cid.p, cid.n) == 0 && c->call_id[cid.n] == 0)
                return c;
        }
        s = (s + 1) & (e->idx_cap - 1);
    }
    return NULL;
}

/* ---- dialogs -------------------------------------------------------------------------------- */

/* A key's home slot: the high bits of the key times an odd constant (the Call-ID hashes of
 * one capture often differ in a few bytes only). */
static inline size_t tab_home(uint64_t key, size_t cap)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

static sip_dlg *dlg_find(sip_engine *e, uint64_t key, sip_str cid)
{
    size_t mask = e->tab_cap - 1, s = tab_home(key, e->tab_cap);
    for (const struct dlg_slot *t = e->tab; t[s].d; s = (s + 1) & mask) { /* a slot is free */
        sip_dlg *d = t[s].d;
        if (t[s].key == key && d->cid_len == cid.n && memcmp(d->c.call_id, cid.p, cid.n) == 0)
            return d;
    }
    return NULL;
}

/* Puts a dialog into a table that has a free slot. */
static void tab_insert(struct dlg_slot *tab, size_t cap, uint64_t key, sip_dlg *d)
{
    size_t s = tab_home(key, cap);
    for (size_t k = 0; k < cap && tab[s].d; k++)
        s = (s + 1) & (cap - 1);
    tab[s] = (struct dlg_slot){key, d};
}

/* Doubles the dialog table (out of line: rare). */
__attribute__((noinline)) static void grow_tab(sip_engine *e)
{
    size_t nc = e->tab_cap * 2;
    struct dlg_slot *t = calloc(nc, sizeof *t);
    if (!t)
        return;
    for (size_t i = 0; i < e->tab_cap; i++)
        if (e->tab[i].d)
            tab_insert(t, nc, e->tab[i].key, e->tab[i].d);
    free(e->tab);
    e->tab = t;
    e->tab_cap = nc;
}

static bool wants_keep(const sip_engine *e, sip_str cid, sip_str xcid)
{
    if (e->o.keep_messages)
        return true;
    for (size_t i = 0; i < e->o.n_keep_call_ids; i++) {
        const char *k = e->o.keep_call_ids[i];
        if (!k)
            continue;
        size_t n = strlen(k);
        if ((cid.n == n && memcmp(cid.p, k, n) == 0) || (xcid.n == n && memcmp(xcid.p, k, n) == 0))
            return true;
    }
    return false;
}

static void dlg_free(sip_engine *e, sip_dlg *d);

/* A zeroed dialog, a spare one when there is (its event array is kept, emptied). */
static sip_dlg *dlg_alloc(sip_engine *e)
{
    sip_dlg *d = e->spare;
    if (!d)
        return calloc(1, sizeof *d);
    e->spare = d->lnext;
    e->n_spare--;
    sip_ev *ev = d->ev;
    size_t cap = d->cap_ev;
    memset(d, 0, offsetof(sip_dlg, sbuf)); /* the string space is used from sbuf_n = 0 on */
    d->ev = ev;
    d->cap_ev = cap;
    return d;
}

static sip_dlg *dlg_new(sip_engine *e, uint64_t key, const sip_msg *m, const sip_record *r)
{
    if ((e->n_live + 1) * 2 > e->tab_cap)
        grow_tab(e);
    if (e->n_live + 2 > e->tab_cap) /* a slot stays free: every probe loop ends at one */
        return NULL;
    sip_dlg *d = dlg_alloc(e);
    if (!d)
        return NULL;
    d->key = key;
    d->cid_len = m->call_id.n;
    d->c.call_id = sip_dlg_str(d, m->call_id);
    if (!d->c.call_id) {
        dlg_free(e, d);
        return NULL;
    }
    d->c.leg_group = -1;
    d->c.start_us = r->time_us;
    d->c.first_frame = r->frame;
    d->t_first = r->time_us;
    d->keep = wants_keep(e, m->call_id, m->xcid);
    tab_insert(e->tab, e->tab_cap, key, d);
    e->n_live++;
    lru_push(e, d);
    return d;
}

/* Removes a dialog from the table: the entries after it in its probe run move back into the
 * hole when their home slot allows (backward-shift deletion, no tombstones). */
static void dlg_unhash(sip_engine *e, sip_dlg *d)
{
    size_t mask = e->tab_cap - 1, i = tab_home(d->key, e->tab_cap), k = 0;
    while (k++ <= mask && e->tab[i].d && e->tab[i].d != d)
        i = (i + 1) & mask;
    if (e->tab[i].d == d) {
        for (size_t j = (i + 1) & mask; e->tab[j].d; j = (j + 1) & mask) {
            size_t home = tab_home(e->tab[j].key, e->tab_cap);
            if (((j - home) & mask) >= ((j - i) & mask)) { /* the hole is on j's probe path */
                e->tab[i] = e->tab[j];
                i = j;
            }
        }
        e->tab[i].d = NULL;
    }
    e->n_live--;
    lru_unlink(e, d);
}

/* The dialog's own memory (its call is freed or moved into the report already). */
static void dlg_free(sip_engine *e, sip_dlg *d)
{
    for (int k = 0; k < NAT_COUNT; k++)
        free(d->nat_detail[k]);
    free(d->rtp);
    if (e->n_spare < SPARE_MAX && d->cap_ev <= SPARE_MAX_EV) {
        d->lnext = e->spare;
        e->spare = d;
        e->n_spare++;
        return;
    }
    free(d->ev);
    free(d);
}

static void spares_free(sip_engine *e)
{
    while (e->spare) {
        sip_dlg *d = e->spare;
        e->spare = d->lnext;
        free(d->ev);
        free(d);
    }
    e->n_spare = 0;
}

/* The first call not kept: from now on the histograms count every call, so they are filled
 * with the calls kept so far and this one. */
static void hist_start(sip_engine *e, const sip_call *dropped)
{
    if (e->acc->hist_on)
        return;
    e->acc->hist_on = true;
    for (size_t i = 0; i < e->rep->n_calls; i++)
        sip_kpi_hist(e->acc, &e->rep->calls[i]);
    sip_kpi_hist(e->acc, dropped);
}

/* The report's calls array: an anonymous mapping (a header, then the calls) that grows by
 * mremap, which moves pages instead of copying them, and whose pages are faulted in
 * CALLS_WINDOW bytes at a time by one madvise ahead of use: with realloc the copies and the
 * first touches took ~2,300 page faults for 17,000 calls, and a fault is dear in a VM. The
 * capacity doubles; sip_calls_free releases it. Under AddressSanitizer it is a malloc block
 * (checked, and scanned by the leak checker: the calls point at their strings). */
#if defined(__SANITIZE_ADDRESS__)
#define CALLS_MMAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CALLS_MMAP 0
#endif
#endif
#ifndef CALLS_MMAP
#define CALLS_MMAP 1
#endif
#define CALLS_HDR 64u
#define CALLS_WINDOW (256u << 10)
#define PAGE 4096u

typedef struct calls_hdr {
    size_t map_len;
} calls_hdr;

static sip_call *calls_map(sip_call *calls, size_t cap)
{
    if (cap > (SIZE_MAX - CALLS_HDR - PAGE) / sizeof *calls)
        return NULL;
    if (!CALLS_MMAP)
        return realloc(calls, cap * sizeof *calls);
    size_t len = (CALLS_HDR + cap * sizeof *calls + PAGE - 1) & ~(size_t)(PAGE - 1);
    void *base;
    if (calls) {
        char *old = (char *)calls - CALLS_HDR;
        base = mremap(old, ((calls_hdr *)(void *)old)->map_len, len, MREMAP_MAYMOVE);
    } else {
        base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    if (base == MAP_FAILED)
        return NULL;
    ((calls_hdr *)base)->map_len = len;
    return (sip_call *)(void *)((char *)base + CALLS_HDR);
}

void sip_calls_free(sip_call *calls)
{
    if (!CALLS_MMAP) {
        free(calls);
    } else if (calls) {
        char *base = (char *)calls - CALLS_HDR;
        munmap(base, ((calls_hdr *)(void *)base)->map_len);
    }
}

/* Faults in the pages of [p, p + n) that lie wholly inside it (a hint: nothing on error). */
static void populate(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    uintptr_t from = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    uintptr_t to = ((uintptr_t)p + n) & ~(uintptr_t)(PAGE - 1);
    if (to > from)
        (void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)n;
#endif
}

/* Room for the next call; false when out of memory. */
__attribute__((noinline)) static bool calls_room(sip_engine *e)
{
    sip_report *rep = e->rep;
    size_t n = rep->n_calls, win = CALLS_WINDOW / sizeof *rep->calls;
    if (n == e->calls_cap) {
        size_t nc = e->calls_cap ? e->calls_cap * 2 : 64;
        sip_call *c = calls_map(rep->calls, nc);
        if (!c)
            return false;
        rep->calls = c;
        e->calls_cap = nc;
    }
    size_t ready = n + win < e->calls_cap ? n + win : e->calls_cap;
    populate(rep->calls + n, (ready - n) * sizeof *rep->calls);
    e->calls_ready = ready;
    return true;
}

/* Concludes a dialog and moves its summary into the report. */
static void dlg_release(sip_engine *e, sip_dlg *d)
{
    dlg_unhash(e, d);
    media_drop(e, d);
    sip_rtp_finish(d);
    sip_dlg_conclude(d, e->last_t, e->any_rtp);
    sip_kpi_count(e->acc, &d->c);
    sip_report *rep = e->rep;
    if (rep->n_calls >= e->o.max_calls) {
        rep->n_calls_dropped++;
        hist_start(e, &d->c);
        gone_put(e, d->key, d->max_cseq);
        sip_dlg_free_call(d);
    } else {
        if (rep->n_calls == e->calls_ready && !calls_room(e))
            goto oom;
        if (!sip_dlg_pack_strings(d))
            goto oom;
        rep->calls[rep->n_calls] = d->c;
        idx_put(e, d->key, rep->n_calls);
        rep->n_calls++;
    }
    dlg_free(e, d);
    return;
oom:
    rep->n_calls_dropped++;
    hist_start(e, &d->c);
    sip_dlg_free_call(d);
    dlg_free(e, d);
}

static void sweep(sip_engine *e)
{
    int64_t now = e->last_t;
    int64_t fin = (int64_t)(e->o.linger_s * 1e6), unfin = (int64_t)(e->o.unfinished_s * 1e6);
    if (fin > unfin)
        unfin = fin;
    sip_dlg *d = e->lru_head;
    while (d) {
        sip_dlg *n = d->lnext;
        int64_t idle = now - d->last_t;
        if (idle < fin)
            break; /* LRU order: the rest are younger */
        if (d->finished || idle >= unfin)
            dlg_release(e, d);
        d = n;
    }
}

/* ---- per message ---------------------------------------------------------------------------- */

static char *make_label(const sip_msg *m)
{
    size_t n = m->is_request ? m->method_str.n + 1 : m->phrase.n + 32;
    char *s = malloc(n + 16);
    if (!s)
        return NULL;
    if (m->is_request) {
        memcpy(s, m->method_str.p, m->method_str.n);
        s[m->method_str.n] = 0;
        return s;
    }
    int k = snprintf(s, n + 16, "%d %.*s", m->status, (int)m->phrase.n, m->phrase.p);
    (void)k;
    return s;
}

static void keep_message(sip_engine *e, sip_dlg *d, const sip_msg *m, const sip_record *r,
                         bool retrans)
{
    if (d->c.n_msgs_kept == d->kept_cap) {
        size_t nc = d->kept_cap ? d->kept_cap * 2 : 16;
        if (nc > e->o.max_msgs_per_call)
            return;
        sip_msg_rec *n = realloc(d->c.msgs, nc * sizeof *n);
        if (!n)
            return;
        d->c.msgs = n;
        d->kept_cap = nc;
    }
    sip_msg_rec *k = &d->c.msgs[d->c.n_msgs_kept++];
    memset(k, 0, sizeof *k);
    k->frame = r->frame;
    k->time_us = r->time_us;
    k->src = r->src;
    k->dst = r->dst;
    k->transport = r->transport;
    k->label = make_label(m);
    k->retransmission = retrans;
    size_t len = m->msg_len ? m->msg_len : r->len;
    if (len > r->len)
        len = r->len;
    if (d->kept_bytes + len <= e->o.max_kept_bytes_per_call) {
        k->raw = malloc(len + 1);
        if (k->raw) {
            memcpy(k->raw, r->data, len);
            k->raw[len] = 0;
            k->raw_len = len;
            d->kept_bytes += len;
        }
    }
}

/* Finds an earlier copy of this message: retransmission (same transaction and message) or
 * capture duplicate (same length, same path, within 5 ms: no RFC 3261 timer fires that fast,
 * so such a copy is the capture seeing one packet twice, e.g. -i any or a mirrored port). */
static uint8_t repeat_flags(const sip_dlg *d, const sip_ev *x)
{
    size_t lo = d->n_ev > 64 ? d->n_ev - 64 : 0;
    for (size_t i = d->n_ev; i-- > lo;) {
        const sip_ev *p = &d->ev[i];
        if (p->status != x->status || p->method != x->method || p->cseq != x->cseq ||
            p->branch != x->branch)
            continue;
        if (x->status && p->totag != x->totag)
            continue;
        if (!addr_eq(&p->src, &x->src))
            continue;
        if (p->len == x->len && x->t - p->t < 5000 &&
            addr_eq(&p->dst, &x->dst))
            return EV_DUP;
        return EV_RETRANS;
    }
    return 0;
}

/* A call's identity strings (set once, from its first request or response, never replaced):
 * n views, stored NUL-terminated through out[] in the dialog's string space; an empty view
 * gives NULL as sip_str_dup does. */
static void ids_dup(sip_dlg *d, const sip_str *v, char **const *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *out[i] = sip_dlg_str(d, v[i]);
}

static void track_state(sip_engine *e, sip_dlg *d, const sip_msg *m, const sip_record *r,
                        const sip_ev *x)
{
    sip_call *c = &d->c;
    int64_t t = r->time_us;
    if (m->cseq > d->max_cseq)
        d->max_cseq = d->c.max_cseq = m->cseq;
    if (m->is_request) {
        bool initial = !m->to_tag.n;
        if (!c->method && m->method != SIP_M_ACK && m->method != SIP_M_CANCEL) {
            ids_dup(d,
                    (const sip_str[]){m->method_str, m->from_user, m->to_user, m->from_tag,
                                      m->user_agent, m->xcid},
                    (char **const[]){&c->method, &c->from_user, &c->to_user, &c->from_tag,
                                     &c->user_agent, &c->xcid},
                    6);
            d->init_method = (uint8_t)m->method;
            c->kind = m->method == SIP_M_INVITE     ? SIP_KIND_CALL
                      : m->method == SIP_M_REGISTER ? SIP_KIND_REGISTER
                      : m->method == SIP_M_OPTIONS  ? SIP_KIND_OPTIONS
                                                    : SIP_KIND_OTHER;
            c->caller = r->src;
            c->callee = r->dst;
            d->t_first_req = t;
            d->f_first_req = r->frame;
            if (!d->keep && c->xcid)
                d->keep = wants_keep(e, m->call_id, m->xcid);
        }
        if (x->flags & EV_CRED)
            d->n_cred_requests++;
        if (initial && (m->method == SIP_M_INVITE || m->method == SIP_M_REGISTER ||
                        m->method == SIP_M_OPTIONS || m->method == SIP_M_SUBSCRIBE ||
                        m->method == SIP_M_MESSAGE)) {
            if (m->cseq != d->init_cseq && d->init_cseq && d->n_challenges)
                d->challenge_answered = true;
            d->init_cseq = m->cseq;
        }
        if (m->method == SIP_M_CANCEL && !d->cancelled) {
            d->cancelled = true;
            d->t_cancel = t;
            d->f_cancel = r->frame;
            d->cancel_q850 = m->reason_q850;
        } else if (m->method == SIP_M_BYE && !d->t_bye) {
            d->t_bye = t;
            d->f_bye = r->frame;
            d->bye_from_callee = !sip_addr_equal(&r->src, &c->caller);
            if (m->reason_q850 && !c->q850) {
                c->q850 = m->reason_q850;
                c->q850_from_reason = true;
            }
        } else if (m->method == SIP_M_ACK && d->answered_cseq && m->cseq == d->answered_cseq) {
            d->ack_for_2xx = true;
        } else if (m->method == SIP_M_ACK && d->finished && m->cseq == d->init_cseq && !d->t_answer) {
            d->release_now = true; /* the failure is acknowledged */
        }
        return;
    }
    /* responses */
    bool init_resp = m->cseq_method == (c->method ? d->init_method : m->cseq_method) &&
                     (m->cseq == d->init_cseq || !d->init_cseq);
    if (!c->method && m->cseq_method != SIP_M_CANCEL && m->cseq_method != SIP_M_ACK) {
        /* capture started after the request */
        ids_dup(d, (const sip_str[]){m->cseq_method_str, m->from_user, m->to_user},
                (char **const[]){&c->method, &c->from_user, &c->to_user}, 3);
        d->init_method = (uint8_t)m->cseq_method;
        c->kind = m->cseq_method == SIP_M_INVITE     ? SIP_KIND_CALL
                  : m->cseq_method == SIP_M_REGISTER ? SIP_KIND_REGISTER
                  : m->cseq_method == SIP_M_OPTIONS  ? SIP_KIND_OPTIONS
                                                     : SIP_KIND_OTHER;
        c->caller = r->dst;
        c->callee = r->src;
        init_resp = true;
    }
    if (m->cseq_method == SIP_M_BYE && m->status >= 200 && !d->t_bye_ok && d->t_bye) {
        d->t_bye_ok = t;
        d->finished = d->release_now = true;
    }
    if (!init_resp) {
        if (m->cseq_method == SIP_M_INVITE && m->status >= 300 && !(x->flags & EV_RETRANS) &&
            !d->f_reinv_fail && d->t_answer) {
            d->f_reinv_fail = r->frame;
            d->t_reinv_fail = t;
            d->reinv_fail_code = m->status;
            d->reinv_warning = m->warning_code;
        }
        return;
    }
    if (m->status >= 180 && m->status < 200 && !d->t_18x) {
        d->t_18x = t;
        d->f_18x = r->frame;
        if (m->status == 183 && (x->flags & EV_SDP))
            d->early_media = true;
    }
    if (m->status < 200)
        return;
    if (m->status < 300) {
        if (!d->t_answer) {
            d->t_answer = t;
            d->f_answer = r->frame;
            d->answered_cseq = m->cseq;
            c->final_code = m->status;
            sip_dlg_str_free(d, c->final_phrase);
            c->final_phrase = sip_dlg_str(d, m->phrase);
            c->to_tag = c->to_tag ? c->to_tag : sip_dlg_str(d, m->to_tag);
        }
        if (m->cseq_method == SIP_M_INVITE) {
            if (d->n_2xx_sends < SIP_MAX_EVIDENCE)
                d->f_2xx[d->n_2xx_sends] = r->frame;
            d->n_2xx_sends++;
            d->t_2xx_last = t;
        }
        if (m->cseq_method != SIP_M_INVITE)
            d->finished = d->release_now = true;
        return;
    }
    if (x->flags & EV_RETRANS)
        return;
    /* final failure of the latest initial transaction */
    if (x->flags & EV_CHALLENGE) {
        if (d->n_challenges < 4) {
            d->f_challenge[d->n_challenges] = r->frame;
            d->t_challenge[d->n_challenges] = t;
        }
        d->n_challenges++;
    }
    d->t_final = t;
    d->f_final = r->frame;
    c->final_code = m->status;
    sip_dlg_str_free(d, c->final_phrase);
    c->final_phrase = sip_dlg_str(d, m->phrase);
    c->q850 = m->reason_q850;
    c->q850_from_reason = m->reason_q850 != 0;
    sip_dlg_str_free(d, c->reason_text);
    c->reason_text = sip_dlg_str(d, m->reason_text);
    c->warning_code = m->warning_code;
    sip_dlg_str_free(d, c->warning_text);
    c->warning_text = sip_dlg_str(d, m->warning_text);
    d->finished = m->status != 401 && m->status != 407;
    if (d->finished && m->cseq_method != SIP_M_INVITE)
        d->release_now = true; /* no ACK for non-INVITE */
}

int sip_engine_feed(sip_engine *e, const sip_record *r)
{
    sip_msg m;
    bool trunc;
    if (!r->data || !sip_looks_like_sip(r->data, r->len) || sip_msg_parse(r->data, r->len, &m, &trunc) < 0) {
        e->rep->n_not_sip++;
        return 1;
    }
    return sip_engine_feed_parsed(e, r, &m);
}

int sip_engine_feed_parsed(sip_engine *e, const sip_record *r, const sip_msg *msg)
{
    /* a call's first message and dialog-creating requests need the URIs' user parts and the
     * Contact (second parsing pass, done once here for everything downstream) */
    sip_msg full;
    const sip_msg *m = msg;
    if (msg->is_request && !msg->to_tag.n && !msg->details) {
        full = *msg;
        sip_msg_details(&full);
        m = &full;
    }
    sip_record rec = *r;
    if (!rec.frame)
        rec.frame = ++e->frame_counter;
    else
        e->frame_counter = rec.frame;
    if (!e->rep->n_messages)
        e->first_t = rec.time_us;
    e->rep->n_messages++;
    if (rec.time_us > e->last_t)
        e->last_t = rec.time_us;
    if (rec.transport == SIP_TP_UNKNOWN) {
        if (sip_str_ieq(m->via.transport, "TCP"))
            rec.transport = SIP_TP_TCP;
        else if (sip_str_ieq(m->via.transport, "TLS"))
            rec.transport = SIP_TP_TLS;
        else if (sip_str_ieq(m->via.transport, "WS") || sip_str_ieq(m->via.transport, "WSS"))
            rec.transport = SIP_TP_WS;
        else
            rec.transport = SIP_TP_UDP;
    }
    /* the keys: from the reader thread when it had time for them (sip_msg_keys), else here */
    const sip_keys keys = sip_msg_keys_of(m);
    uint64_t key = keys.call_id;
    sip_dlg *d = dlg_find(e, key, m->call_id);
    if (!d) {
        /* a request with a new CSeq after the release (a REGISTER refresh on the same
         * Call-ID) starts a new record; anything else is a straggler */
        bool fresh = m->is_request && m->method != SIP_M_ACK;
        sip_call *late = e->idx_cap ? idx_get(e, key, m->call_id) : NULL;
        if (late && fresh && m->cseq > late->max_cseq)
            late = NULL;
        if (late) { /* a straggler for a released call: a late retransmission when its CSeq
                       * is not new (a finished dialog sends nothing new) */
            late->n_msgs++;
            late->last_frame = rec.frame;
            late->end_us = rec.time_us;
            if (m->cseq <= late->max_cseq) {
                late->n_retrans++;
                e->rep->n_retransmissions++;
            }
            return 0;
        }
        const struct gone *g = gone_get(e, key);
        if (g && !(fresh && m->cseq > g->max_cseq)) { /* a straggler of a call counted but not kept */
            if (m->cseq <= g->max_cseq)
                e->rep->n_retransmissions++;
            return 0;
        }
        d = dlg_new(e, key, m, &rec);
        if (!d)
            return -1;
    } else {
        lru_unlink(e, d);
        lru_push(e, d);
    }
    if (!d->c.method && !m->details) { /* first message is a response (capture began late) */
        full = *msg;
        sip_msg_details(&full);
        m = &full;
    }
    d->last_t = rec.time_us;
    d->c.n_msgs++;
    d->c.end_us = rec.time_us;
    d->c.last_frame = rec.frame;
    sip_ev x = {
        .frame = rec.frame, .t = rec.time_us, .src = rec.src, .dst = rec.dst, .cseq = m->cseq,
        .status = (uint16_t)(m->is_request ? 0 : m->status), .method = (uint8_t)m->method,
        .branch = keys.branch, .totag = keys.to_tag,
        .len = (uint32_t)m->msg_len,
    };
    if (m->body.n && m->content_type.n)
        x.flags |= EV_SDP;
    if (m->has_credentials)
        x.flags |= EV_CRED;
    if (m->is_request && m->to_tag.n)
        x.flags |= EV_TOTAG;
    if (m->has_challenge && (m->status == 401 || m->status == 407))
        x.flags |= EV_CHALLENGE;
    if (m->challenge_stale)
        x.flags |= EV_STALE;
    x.flags |= repeat_flags(d, &x);
    if (x.flags & EV_DUP) {
        d->c.n_duplicates++;
    } else {
        if (x.flags & EV_RETRANS) {
            d->c.n_retrans++;
            e->rep->n_retransmissions++;
        }
        track_state(e, d, m, &rec, &x);
        if (!(x.flags & EV_RETRANS)) {
            int had = d->offer.present + d->answer.present;
            sip_dlg_observe(d, m, &rec);
            if (d->offer.present + d->answer.present != had || (m->is_request && m->to_tag.n)) {
                if (d->offer.present)
                    media_put(e, &d->offer.media, d, true);
                if (d->answer.present)
                    media_put(e, &d->answer.media, d, false);
            }
        }
    }
    if (d->n_ev < e->o.max_msgs_per_call) {
        if (d->n_ev == d->cap_ev) {
            size_t nc = d->cap_ev ? d->cap_ev * 2 : 8;
            sip_ev *n = realloc(d->ev, nc * sizeof *n);
            if (n) {
                d->ev = n;
                d->cap_ev = nc;
            }
        }
        if (d->n_ev < d->cap_ev)
            d->ev[d->n_ev++] = x;
    }
    if (d->keep)
        keep_message(e, d, m, &rec, (x.flags & (EV_RETRANS | EV_DUP)) != 0);
    if (d->release_now)
        dlg_release(e, d);
    if (++e->since_sweep >= 512) {
        e->since_sweep = 0;
        sweep(e);
    }
    return 0;
}

int sip_engine_feed_rtp(sip_engine *e, int64_t time_us, uint64_t frame, const sip_addr *src,
                        const sip_addr *dst, const uint8_t *payload, size_t len)
{
    if (!e->media_n || !sip_rtp_looks(payload, len))
        return 0;
    struct media_ent *m = media_get(e, dst);
    bool from_caller;
    if (m) {
        from_caller = !m->caller_side; /* sent to the caller's media = from the callee */
    } else if ((m = media_get(e, src)) != NULL) {
        from_caller = m->caller_side;
    } else {
        return 0;
    }
    if (time_us > e->last_t)
        e->last_t = time_us;
    m->d->last_t = time_us;
    lru_unlink(e, m->d);
    lru_push(e, m->d);
    e->any_rtp = true;
    e->rep->n_rtp_packets++;
    sip_rtp_packet(m->d, from_caller, time_us, frame, src, dst, payload, len);
    return 1;
}

void sip_engine_add_not_sip(sip_engine *e, uint64_t n)
{
    e->rep->n_not_sip += n;
}

void sip_engine_free(sip_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->tab_cap; i++)
        if (e->tab[i].d) {
            sip_dlg_free_call(e->tab[i].d);
            dlg_free(e, e->tab[i].d);
        }
    free(e->tab);
    free(e->idx);
    free(e->media);
    free(e->acc);
    free(e->gone);
    spares_free(e);
    sip_report_free(e->rep);
    free(e);
}

/* ---- finish: the rest concluded, legs, KPIs -------------------------------------------------- */


sip_report *sip_engine_finish(sip_engine *e)
{
    if (!e)
        return NULL;
    while (e->lru_head)
        dlg_release(e, e->lru_head);
    sip_report *r = e->rep;
    e->rep = NULL;
    r->first_us = e->first_t;
    r->last_us = e->last_t;
    sip_report_finalize(r, e->o.leg_window_s, e->acc);
    free(e->tab);
    e->tab = NULL;
    e->tab_cap = 0;
    free(e->idx);
    free(e->media);
    free(e->acc);
    free(e->gone);
    spares_free(e);
    free(e);
    return r;
}
