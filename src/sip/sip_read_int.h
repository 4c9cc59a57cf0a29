/* Reader internals shared by sip_read.c (detection, files, progress), sip_pcap.c (frames, IP,
 * UDP), sip_tcp.c (stream reassembly) and sip_text.c (text logs). Not a public header. */
#ifndef SB_SIP_READ_INT_H
#define SB_SIP_READ_INT_H

#include <stdio.h>

#include "sip/sip_msg.h"
#include "sip/sip_read.h"

struct frag_table;
struct tcp_table;

typedef struct sip_reader {
    sip_engine *e;
    sip_read_opts o;         /* with defaults filled in */
    sip_read_stats *st;
    int64_t now;             /* time of the current frame */
    uint64_t frame;          /* current frame number (1-based) */
    struct frag_table *frags;
    struct tcp_table *tcp;
    bool stop;
    int feed_error;
    struct sip_pipe *pipe;   /* two-thread mode (sip_pipe.c), NULL = direct */
    void *pipe_arg;
    uint64_t not_sip;        /* records the reader found not to be SIP in pipe mode */
    const char *stable;      /* bytes that stay unchanged until the batches pointing into them
                                are consumed (see sip_pipe_wait_done): staged without a copy */
    size_t stable_n;
} sip_reader;

/* The way from readers to the engine (sip_pipe.c), direct or through the pipeline:
 *   sip_reader_emit: one raw record (parsed here);
 *   sip_reader_stage + sip_msg_parse on the returned bytes + sip_reader_emit_parsed (or
 *     sip_reader_unstage when they are not SIP): parse once, in the reader thread;
 *   sip_reader_rtp: a non-SIP UDP payload at the current frame. */
void sip_reader_emit(sip_reader *rd, const sip_record *r);
const char *sip_reader_stage(sip_reader *rd, const char *data, size_t n, void **token);
void sip_reader_unstage(sip_reader *rd, void *token);
void sip_reader_emit_parsed(sip_reader *rd, const sip_record *r, const sip_msg *m, void *token);
/* Whether a staged message is parsed with sip_msg_parse_deferred: the engine thread has caught
 * up with the reader, so the parts it can do itself are left to it. */
bool sip_reader_defer(const sip_reader *rd);
/* Where to parse a staged message: the pipeline slot's own sip_msg (emit_parsed then copies
 * nothing), or local when the message was not staged. */
sip_msg *sip_reader_msg_slot(void *token, sip_msg *local);
void sip_reader_rtp(sip_reader *rd, const sip_addr *src, const sip_addr *dst, const uint8_t *p,
                    size_t n);
/* Starts the engine thread (0, or -1: stay direct) / drains and joins it. */
int sip_pipe_start(sip_reader *rd);
void sip_pipe_finish(sip_reader *rd);
/* The number of the batch being filled (from 0): what is staged now travels in it. */
uint64_t sip_pipe_batch(sip_reader *rd);
/* Returns once the engine has consumed batch n and every one before it (handing it over
 * first if it is still being filled); at once without the engine thread. */
void sip_pipe_wait_done(sip_reader *rd, uint64_t n);
/* Progress/cancel check; true = stop reading. */
bool sip_reader_should_stop(sip_reader *rd, uint64_t done, uint64_t total, uint64_t *next_report);

int sip_read_pcap_fp(sip_reader *rd, FILE *fp, uint64_t total, char *err, size_t errlen);
void sip_frags_free(sip_reader *rd);
void sip_tcp_segment(sip_reader *rd, const sip_addr *src, const sip_addr *dst, uint32_t seq,
                     uint8_t flags, const uint8_t *p, size_t n);
void sip_tcp_flush(sip_reader *rd);
int sip_read_text_fp(sip_reader *rd, FILE *fp, sip_format fmt, uint64_t total, char *err,
                     size_t errlen);

#endif
