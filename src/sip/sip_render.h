/* Renderers over a sip_report: JSON (for MCP structuredContent and `analyze --json`), a text
 * ladder in the manner of sngrep (one column per address, arrows, times and deltas) and a
 * Mermaid sequenceDiagram. Pure functions: no I/O. Strings returned are malloc'd (free()). */
#ifndef SB_SIP_RENDER_H
#define SB_SIP_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sip/sip.h"

/* A page of the report for analyze_capture: summary (counts, outcomes, KPIs with median/p95),
 * the problems ranked (findings grouped by code, worst first, with up to 5 example calls and
 * their evidence), and calls[offset .. offset+limit) with hasMore/nextOffset. */
json_t *sip_report_json(const sip_report *r, size_t offset, size_t limit);

/* One call as JSON: identity, outcome, codes, timings, findings with evidence, RTP streams;
 * with its kept messages when with_messages. */
json_t *sip_call_json(const sip_call *c, bool with_messages);

/* The summary object alone (counts, outcomes, KPIs). */
json_t *sip_summary_json(const sip_report *r);

/* Filters for find_sip_problems (zero/NULL fields = no filter). A call matches when it passes
 * every set filter. */
typedef struct sip_problem_filter {
    int final_code;          /* exact final status */
    int min_final_code;      /* final status >= this (e.g. 400) */
    double pdd_above_ms;     /* PDD above this bound (calls without PDD do not match) */
    bool nat, one_way_audio, auth_failure, retransmissions;
    const char *code_prefix; /* finding code prefix ("nat.", "media.one_way") */
    sip_severity min_severity;
} sip_problem_filter;
bool sip_call_matches(const sip_call *c, const sip_problem_filter *f);

/* Ladder of the calls at idx[0..n) (B2BUA legs together), messages merged in time order.
 * The calls must have kept messages. with_sdp adds a line of SDP summary under arrows. */
char *sip_ladder_text(const sip_report *r, const size_t *idx, size_t n, bool with_sdp);
char *sip_ladder_mermaid(const sip_report *r, const size_t *idx, size_t n);

/* The verdict of a call as one short paragraph ("Answered after 1.2 s; talk 2.0 s; ...",
 * "Failed: 486 Busy Here, Q.850 17 USER_BUSY (Reason header) ..."). */
char *sip_call_verdict(const sip_call *c);

#endif
