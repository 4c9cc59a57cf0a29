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
} sip_reader;

/* Feeds one record to the engine and counts it (_parsed: the reader parsed it already). */
void sip_reader_emit(sip_reader *rd, const sip_record *r);
void sip_reader_emit_parsed(sip_reader *rd, const sip_record *r, const sip_msg *m);
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
