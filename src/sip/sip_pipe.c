/* The reader/engine pipeline. Every reader hands its output to the engine through the four
 * functions here. With one thread they call the engine directly. With two (large captures),
 * the reader thread parses each message where it is staged and an engine thread consumes full
 * batches in order: reading, link/IP/TCP decoding and SIP parsing run beside dialog tracking
 * and analysis. A message is staged in place when the reader's bytes stay put until the
 * engine is done with them (the read blocks of sip_pcap.c, recycled only after the batches
 * that point into them are consumed), else copied into the batch's arena. Batches are few and
 * fixed in size (bounded memory); order is kept: one producer, one consumer. */
#include "sip/sip_int.h"
#include "sip/sip_read_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_BATCHES 3
#define PIPE_ITEMS 1024

typedef struct pipe_item {
    bool rtp;
    sip_record r;        /* SIP: data points into a read block or the batch arena */
    sip_msg m;           /* SIP: parsed where r.data points */
    sip_addr src, dst;   /* RTP */
    uint8_t head[12];    /* RTP: the fixed header is all the statistics read */
    size_t len;
} pipe_item;

typedef struct pipe_batch {
    pipe_item items[PIPE_ITEMS];
    size_t n;
    char *arena;
    size_t used;
} pipe_batch;

struct sip_pipe {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pipe_batch batch[PIPE_BATCHES];
    size_t arena_size;
    /* ring of batch indexes: head = next full to consume, n_full full ones */
    size_t head, n_full;
    size_t cur;          /* the batch the reader fills */
    bool done;
    bool feed_error;
    uint64_t flushed, consumed; /* batches handed over / consumed so far */
    bool reader_full;        /* the engine is behind: the reader parses in full, dialog details
                                and keys too; else it leaves the top Via, the To tag, the
                                details and the keys to the engine (sip_reader_defer) */
};

/* ---- engine thread ------------------------------------------------------------------------- */

static void consume(sip_engine *e, pipe_batch *b, bool *err)
{
    for (size_t i = 0; i < b->n; i++) {
        pipe_item *it = &b->items[i];
        if (it->rtp) {
            sip_engine_feed_rtp(e, it->r.time_us, it->r.frame, &it->src, &it->dst, it->head, it->len);
            continue;
        }
        sip_msg_finish(&it->m); /* what the reader left (sip_reader_defer) */
        if (sip_engine_feed_parsed(e, &it->r, &it->m) < 0)
            *err = true;
    }
    b->n = 0;
    b->used = 0;
}

typedef struct thread_arg {
    struct sip_pipe *p;
    sip_engine *e;
} thread_arg;

static void *engine_thread(void *arg)
{
    thread_arg ta = *(thread_arg *)arg;
    struct sip_pipe *p = ta.p;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->n_full && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->n_full && p->done) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        pipe_batch *b = &p->batch[p->head];
        pthread_mutex_unlock(&p->mu);
        bool err = false;
        consume(ta.e, b, &err);
        pthread_mutex_lock(&p->mu);
        if (err)
            p->feed_error = true;
        p->head = (p->head + 1) % PIPE_BATCHES;
        p->n_full--;
        p->consumed++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/* ---- reader side --------------------------------------------------------------------------- */

/* Hands the current batch over and waits for a free one. */
static void flush(struct sip_pipe *p)
{
    if (!p->batch[p->cur].n)
        return;
    pthread_mutex_lock(&p->mu);
    /* the work that can be done on either side goes where there is time for it: with batches
     * still queued the engine is the slower thread, so the reader takes it on */
    p->reader_full = p->n_full > 0;
    p->n_full++;
    p->flushed++;
    pthread_cond_broadcast(&p->cv);
    while (p->n_full == PIPE_BATCHES)
        pthread_cond_wait(&p->cv, &p->mu);
    p->cur = (p->head + p->n_full) % PIPE_BATCHES;
    pthread_mutex_unlock(&p->mu);
}

int sip_pipe_start(sip_reader *rd)
{
    struct sip_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->arena_size = rd->o.max_sip_message * 2 > (512u << 10) ? rd->o.max_sip_message * 2 : (512u << 10);
    for (int i = 0; i < PIPE_BATCHES; i++)
        if (!(p->batch[i].arena = malloc(p->arena_size)))
            goto fail;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    thread_arg *ta = malloc(sizeof *ta);
    if (!ta)
        goto fail_sync;
    *ta = (thread_arg){p, rd->e};
    if (pthread_create(&p->thread, NULL, engine_thread, ta) != 0) {
        free(ta);
        goto fail_sync;
    }
    p->head = p->cur = 0;
    rd->pipe = p;
    rd->pipe_arg = ta;
    return 0;
fail_sync:
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
fail:
    for (int i = 0; i < PIPE_BATCHES; i++)
        free(p->batch[i].arena);
    free(p);
    return -1;
}

void sip_pipe_finish(sip_reader *rd)
{
    struct sip_pipe *p = rd->pipe;
    if (!p)
        return;
    flush(p);
    pthread_mutex_lock(&p->mu);
    p->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    if (p->feed_error)
        rd->feed_error = 1;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    for (int i = 0; i < PIPE_BATCHES; i++)
        free(p->batch[i].arena);
    free(p);
    free(rd->pipe_arg);
    rd->pipe = NULL;
    rd->pipe_arg = NULL;
}

bool sip_reader_defer(const sip_reader *rd)
{
    return rd->pipe && !rd->pipe->reader_full;
}

uint64_t sip_pipe_batch(sip_reader *rd)
{
    return rd->pipe ? rd->pipe->flushed : 0; /* only the reader thread changes it */
}

void sip_pipe_wait_done(sip_reader *rd, uint64_t n)
{
    struct sip_pipe *p = rd->pipe;
    if (!p)
        return;
    if (n >= p->flushed) { /* still the batch being filled */
        if (p->batch[p->cur].n)
            flush(p);
        else if (p->flushed)
            n = p->flushed - 1; /* empty: the batches before it are what is left */
        else
            return;
    }
    pthread_mutex_lock(&p->mu);
    while (p->consumed <= n)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* A slot for one item (and n arena bytes, returned in *copy); flushes when full. */
static pipe_item *slot(struct sip_pipe *p, size_t n, char **copy)
{
    pipe_batch *b = &p->batch[p->cur];
    if (b->n == PIPE_ITEMS || b->used + n > p->arena_size) {
        flush(p);
        b = &p->batch[p->cur];
    }
    if (copy) {
        *copy = b->arena + b->used;
        b->used += n;
    }
    return &b->items[b->n++];
}

const char *sip_reader_stage(sip_reader *rd, const char *data, size_t n, void **token)
{
    *token = NULL;
    struct sip_pipe *p = rd->pipe;
    if (!p)
        return data;
    const char *staged = data;
    pipe_item *it;
    if (rd->stable && data >= rd->stable && n <= rd->stable_n &&
        (size_t)(data - rd->stable) <= rd->stable_n - n) {
        it = slot(p, 0, NULL); /* in place: the bytes stay until the batch is consumed */
    } else if (n <= p->arena_size) {
        char *copy;
        it = slot(p, n, &copy);
        memcpy(copy, data, n);
        staged = copy;
    } else {
        return data;
    }
    it->rtp = false;
    it->r.data = NULL; /* filled by emit_parsed; an unused slot is dropped there */
    *token = it;
    return staged;
}

void sip_reader_emit_parsed(sip_reader *rd, const sip_record *r, const sip_msg *m, void *token)
{
    pipe_item *it = token;
    if (!it) {
        int rc = sip_engine_feed_parsed(rd->e, r, m);
        if (rc == 0)
            rd->st->sip_messages++;
        else if (rc < 0)
            rd->feed_error = 1;
        return;
    }
    it->r = *r;
    if (m != &it->m)
        it->m = *m;
    if (rd->pipe->reader_full) { /* else the engine does these (sip_engine_feed_parsed) */
        sip_msg_keys(&it->m);
        if (it->m.is_request && !it->m.to_tag.n)
            sip_msg_details(&it->m);
    }
    rd->st->sip_messages++;
}

sip_msg *sip_reader_msg_slot(void *token, sip_msg *local)
{
    return token ? &((pipe_item *)token)->m : local;
}

/* Drops a staged slot that was not emitted (the bytes were not SIP after all). */
void sip_reader_unstage(sip_reader *rd, void *token)
{
    struct sip_pipe *p = rd->pipe;
    pipe_item *it = token;
    if (!p || !it)
        return;
    pipe_batch *b = &p->batch[p->cur];
    if (b->n && &b->items[b->n - 1] == it)
        b->n--; /* the arena bytes stay used until the batch is consumed: harmless */
}

void sip_reader_emit(sip_reader *rd, const sip_record *r)
{
    if (!rd->pipe) {
        int rc = sip_engine_feed(rd->e, r);
        if (rc == 0)
            rd->st->sip_messages++;
        else if (rc < 0)
            rd->feed_error = 1;
        return;
    }
    void *token;
    const char *d = sip_reader_stage(rd, r->data, r->len, &token);
    sip_msg m;
    bool tr;
    if (!token || !sip_looks_like_sip(d, r->len) || sip_msg_parse(d, r->len, &m, &tr) < 0) {
        sip_reader_unstage(rd, token);
        rd->not_sip++;
        return;
    }
    sip_record rec = *r;
    rec.data = d;
    sip_reader_emit_parsed(rd, &rec, &m, token);
}

void sip_reader_rtp(sip_reader *rd, const sip_addr *src, const sip_addr *dst, const uint8_t *p,
                    size_t n)
{
    if (!rd->pipe) {
        sip_engine_feed_rtp(rd->e, rd->now, rd->frame, src, dst, p, n);
        return;
    }
    if (n < 12)
        return;
    pipe_item *it = slot(rd->pipe, 0, NULL);
    it->rtp = true;
    it->r.time_us = rd->now;
    it->r.frame = rd->frame;
    it->src = *src;
    it->dst = *dst;
    memcpy(it->head, p, 12);
    it->len = n;
}
