/* Fuzz target: the raw SIP messages of a ConnexCS trace. The input holds the messages
 * themselves (split at "\n----\n", at most 64), unescaped, so mutations land in the SIP text
 * rather than in JSON escapes. Each becomes one log/trace row the way the API writes them
 * (msg, method, time, addresses: requests from the customer side, responses back), and the
 * JSON answer goes through getSipTrace: the tool's header scanning (Via/Contact hosts, CSeq,
 * X-CX-NAT, SDP codecs), its app-compatible analysis, the SIP engine and both ladders. */
#include <stdio.h>
#include <string.h>

#include "../cx_common/cx_fuzz.h"
#include "util/buf.h"

#define MAX_MSGS 64

static const cxf_case c_trace = {"getSipTrace", "{\"callid\":\"a84b4c76e66710@10.0.0.1\"}"};

/* Any bytes as a JSON string: quotes, backslashes, controls and non-ASCII as escapes (a byte
 * >= 0x80 becomes U+0080..U+00FF, so the answer is always valid JSON). */
static void put_json_bytes(sb_buf *b, const char *p, size_t n)
{
    sb_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"' || ch == '\\')
            sb_buf_printf(b, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            sb_buf_printf(b, "\\u%04x", ch);
        else
            sb_buf_putc(b, (char)ch);
    }
    sb_buf_putc(b, '"');
}

/* The method column (the request method, or the status code of a response) and, for a
 * response, reply_reason (the rest of its first line). */
static void put_method(sb_buf *b, const char *p, size_t n, bool *response)
{
    *response = n >= 8 && !memcmp(p, "SIP/2.0 ", 8);
    const char *s = *response ? p + 8 : p, *e = p + n;
    size_t k = 0;
    while (s + k < e && k < 32 && s[k] != ' ' && s[k] != '\r' && s[k] != '\n')
        k++;
    put_json_bytes(b, s, k);
    const char *r = s + k < e && s[k] == ' ' ? s + k + 1 : s + k;
    size_t rn = 0;
    while (*response && r + rn < e && rn < 128 && r[rn] != '\r' && r[rn] != '\n')
        rn++;
    sb_buf_puts(b, ",\"reply_reason\":");
    put_json_bytes(b, r, rn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    sb_buf b;
    sb_buf_init(&b, 1u << 24);
    sb_buf_putc(&b, '[');
    size_t start = 0, nmsg = 0;
    for (size_t i = 0; i <= size && nmsg < MAX_MSGS; i++) {
        if (i < size && (i + 6 > size || memcmp(d + i, "\n----\n", 6)))
            continue;
        const char *m = d + start;
        size_t n = i - start;
        bool resp;
        sb_buf_printf(&b, "%s{\"id\":%zu,\"date\":\"2026-03-01 11:00:%02zu\",\"micro_ts\":%lld,\"method\":",
                      nmsg ? "," : "", nmsg + 1, nmsg % 60, 1772362800000000LL + (long long)nmsg * 250000);
        put_method(&b, m, n, &resp);
        sb_buf_printf(&b, ",\"callid\":\"a84b4c76e66710@10.0.0.1\",\"from_user\":\"100\",\"to_user\":\"442079460999\","
                          "\"source_ip\":\"%s\",\"source_port\":%s,\"destination_ip\":\"%s\",\"destination_port\":%s,"
                          "\"protocol\":\"UDP\",\"delta\":%zu,\"msg\":",
                      resp ? "203.0.113.7" : "192.168.1.20", resp ? "5060" : "34567",
                      resp ? "192.168.1.20" : "203.0.113.7", resp ? "34567" : "5060", nmsg * 250000);
        put_json_bytes(&b, m, n);
        sb_buf_putc(&b, '}');
        nmsg++;
        start = i + 6;
        i += 5;
    }
    sb_buf_putc(&b, ']');
    if (b.data)
        cxf_run_case(&c_trace, false, (const uint8_t *)b.data, b.len);
    sb_buf_free(&b);
    return 0;
}
