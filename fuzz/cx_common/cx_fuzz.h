/* Shared driver of the ConnexCS fuzz targets (fuzz/cx_*): the real cx tool tables in an
 * in-process MCP server whose ConnexCS client answers every upstream request from the fuzz
 * input instead of HTTP (cx_client_set_transport), so the bytes travel the same way an upstream
 * body does: the client's status handling and JSON parse, then the tool's analysis and reply.
 *
 * Input format: the bytes after the selector byte are split into segments at each line "----"
 * ("\n----\n"); request k of a tool call (authentication included) is answered by segment
 * k mod count. A segment that starts with "HTTP nnn\n" is answered with status nnn (a 429 is
 * retried without waiting), otherwise 200; "HTTP 000\n" is a transport failure.
 *
 * Running one (clang build: CC=clang cmake -S . -B B -DSB_FUZZ=ON; binaries in B/fuzzers):
 *   UBSAN_OPTIONS=halt_on_error=1 B/fuzzers/fuzz_cx_trace -dict=fuzz/cx_common/cx.dict \
 *       -rss_limit_mb=2048 -max_total_time=300 NEW_DIR fuzz/cx_trace/corpus
 * CXF_DEBUG=1 prints each tool result (checking seeds). fuzz/cx_common/seed.sh re-captures the
 * sim-* seeds from connexcs-sim. */
#ifndef SB_FUZZ_CX_FUZZ_H
#define SB_FUZZ_CX_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One tool call of a target: the tool and its arguments (JSON text). */
typedef struct cxf_case {
    const char *tool;
    const char *args;
} cxf_case;

/* Runs cases[data[0] % n] with data+1 as the upstream answers. refresh: the client
 * authenticates with a refresh JWT (auth/jwt, auth/jwt/refresh answered from the input too),
 * on a fresh client each run, otherwise Basic auth on one client for the process. */
void cxf_run(const cxf_case *cases, size_t n, bool refresh, const uint8_t *data, size_t size);

/* Same with the whole input as answers and a given case (selector-free targets). */
void cxf_run_case(const cxf_case *c, bool refresh, const uint8_t *data, size_t size);

#endif
