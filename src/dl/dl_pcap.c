/* libpcap, loaded when a capture file is read (see dl.h): the offline reading functions the
 * capture readers use. When it cannot be loaded, opening a capture fails with the reason in
 * the error buffer, as libpcap itself reports failures. */
#include <pcap/pcap.h>
#include <stdio.h>

#include "dl/dl.h"

static sb_dl_lib g_pcap = {.soname = SB_DL_SONAME_PCAP};

static pcap_t *unavailable(char *errbuf)
{
    if (errbuf)
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "libpcap (%s) could not be loaded", g_pcap.soname);
    return NULL;
}

pcap_t *pcap_fopen_offline_with_tstamp_precision(FILE *f, u_int precision, char *errbuf)
{
    __typeof__(pcap_fopen_offline_with_tstamp_precision) *fn = SB_DL_RESOLVE(g_pcap, pcap_fopen_offline_with_tstamp_precision);
    if (!fn)
        return unavailable(errbuf);
    return fn(f, precision, errbuf);
}

pcap_t *pcap_open_offline(const char *path, char *errbuf)
{
    __typeof__(pcap_open_offline) *fn = SB_DL_RESOLVE(g_pcap, pcap_open_offline);
    if (!fn)
        return unavailable(errbuf);
    return fn(path, errbuf);
}

SB_DL_WRAP(g_pcap, pcap_t *, pcap_fopen_offline, (FILE *f, char *errbuf), (f, errbuf), NULL)
SB_DL_WRAP_VOID(g_pcap, pcap_close, (pcap_t *p), (p))
SB_DL_WRAP(g_pcap, int, pcap_datalink, (pcap_t *p), (p), -1)
SB_DL_WRAP(g_pcap, FILE *, pcap_file, (pcap_t *p), (p), NULL)
SB_DL_WRAP(g_pcap, char *, pcap_geterr, (pcap_t *p), (p), "libpcap is not available")
SB_DL_WRAP(g_pcap, int, pcap_next_ex,
           (pcap_t *p, struct pcap_pkthdr **h, const u_char **data), (p, h, data), PCAP_ERROR)
SB_DL_WRAP(g_pcap, int, pcap_snapshot, (pcap_t *p), (p), -1)
SB_DL_WRAP(g_pcap, int, pcap_get_tstamp_precision, (pcap_t *p), (p), PCAP_TSTAMP_PRECISION_MICRO)
