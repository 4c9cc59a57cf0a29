/* ConnexCS trace tools: getSipTrace, getCTrace (by Call-ID or phone number), getCallQuality
 * (RTCP in its real {processed, aggregate} shape, and the bare array) and investigateCall.
 *
 * A trace (GET log/trace) is a list of SIP message records. It is judged twice: by the app's
 * own rules (§3.1, with its quirks fixed: a re-INVITE after 401/407 is not a retransmission,
 * only a 200 to the INVITE connects a call, X-CX-NAT is read by value) for the familiar
 * fields, and by the project's SIP engine (the same code that judges a pcap), which gives the
 * findings with evidence, the verdict and the ladders (text and Mermaid). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdr/cdr_record.h"
#include "sip/sip.h"
#include "sip/sip_read.h"
#include "sip/sip_render.h"
#include "tools/cx_internal.h"

/* ---- raw message helpers ----------------------------------------------------------------- */

/* Finds header `name` (or its compact form) in the header part of msg; sets *v and *vn. */
static bool header_value(const char *msg, const char *name, char compact, const char **v,
                         size_t *vn)
{
    if (!msg)
        return false;
    size_t nl = strlen(name);
    const char *p = strchr(msg, '\n');
    while (p && p[1] && p[1] != '\r' && p[1] != '\n') {
        const char *line = p + 1;
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        if (colon) {
            size_t kn = (size_t)(colon - line);
            while (kn && (line[kn - 1] == ' ' || line[kn - 1] == '\t'))
                kn--;
            if ((kn == nl && !strncasecmp(line, name, nl)) ||
                (compact && kn == 1 && (line[0] | 0x20) == compact)) {
                const char *s = colon + 1;
                const char *e = line + len;
                while (s < e && (*s == ' ' || *s == '\t'))
                    s++;
                while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                    e--;
                *v = s;
                *vn = (size_t)(e - s);
                return true;
            }
        }
        p = end;
    }
    return false;
}

static bool value_true(const char *v, size_t n)
{
    return (n == 4 && !strncasecmp(v, "true", 4)) || (n == 1 && (*v == '1' || *v == 'y' || *v == 'Y')) ||
           (n == 3 && !strncasecmp(v, "yes", 3));
}

/* The host of a Via ("SIP/2.0/UDP 10.0.0.5:5060;branch=...") or Contact ("<sip:u@h:p>"). */
static void host_of(const char *v, size_t n, bool via, char *out, size_t outsz)
{
    out[0] = '\0';
    const char *s = v, *e = v + n;
    if (via) {
        const char *sp = memchr(s, ' ', n);
        if (!sp)
            return;
        s = sp + 1;
    } else {
        const char *at = memchr(s, '@', n);
        const char *sip = NULL;
        for (const char *p = s; p + 4 <= e; p++)
            if (!strncasecmp(p, "sip:", 4)) {
                sip = p + 4;
                break;
            }
        if (at)
            s = at + 1;
        else if (sip)
            s = sip;
    }
    size_t k = 0;
    while (s < e && *s != ':' && *s != ';' && *s != '>' && *s != ' ' && k + 1 < outsz)
        out[k++] = *s++;
    out[k] = '\0';
}

static bool ip_private(const char *ip)
{
    sip_addr a;
    return sip_addr_parse(ip, strlen(ip), &a) == 0 && sip_addr_is_private(&a);
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* CSeq "<n> <METHOD>": the method part and number (0 when absent). */
static long cseq_of(const char *msg, char *method, size_t msz)
{
    const char *v;
    size_t n;
    method[0] = '\0';
    if (!header_value(msg, "CSeq", 0, &v, &n))
        return 0;
    long num = strtol(v, NULL, 10);
    const char *sp = memchr(v, ' ', n);
    if (sp) {
        size_t k = 0;
        for (const char *p = sp + 1; p < v + n && *p != ' ' && k + 1 < msz; p++)
            method[k++] = *p;
        method[k] = '\0';
    }
    return num;
}

/* ---- app-compatible analysis (§3.1, fixed) ----------------------------------------------- */

typedef struct trace_state {
    double invite_ms;
    bool have_invite;
    json_t *retrans; /* key -> count */
    json_t *nat_rules;
} trace_state;

static double msg_ms(const json_t *m)
{
    double us = cx_num(json_object_get(m, "micro_ts"), -1);
    if (us >= 0)
        return us / 1000.0;
    int64_t ms;
    const char *d = jstr(m, "date");
    if (*d && cdr_parse_time(d, strlen(d), &ms) == 0)
        return (double)ms;
    return 0;
}

static void nat_checks(const json_t *m, trace_state *st, bool *nat)
{
    const char *msg = json_string_value(json_object_get(m, "msg"));
    const char *v;
    size_t n;
    if (header_value(msg, "X-CX-NAT", 0, &v, &n) && value_true(v, n)) {
        *nat = true;
        json_object_set_new(st->nat_rules, "X-CX-NAT header is true", json_true());
    }
    char host[64];
    const char *src = jstr(m, "source_ip");
    if (header_value(msg, "Contact", 'm', &v, &n)) {
        host_of(v, n, false, host, sizeof host);
        if (*host && ip_private(host) && !ip_private(src) && *src) {
            *nat = true;
            json_object_set_new(st->nat_rules, "private address in Contact", json_true());
        }
    }
    if (header_value(msg, "Via", 'v', &v, &n)) {
        host_of(v, n, true, host, sizeof host);
        if (*host && ip_private(host) && !ip_private(src) && *src) {
            *nat = true;
            json_object_set_new(st->nat_rules, "private address in top Via (source differs)", json_true());
        }
    }
    if (msg) {
        const char *c = strstr(msg, "\nc=IN IP4 ");
        if (c) {
            char ip[48];
            size_t k = 0;
            for (c += 10; *c && *c != '\r' && *c != '\n' && k + 1 < sizeof ip; c++)
                ip[k++] = *c;
            ip[k] = '\0';
            if (ip_private(ip) && *src && !ip_private(src)) {
                *nat = true;
                json_object_set_new(st->nat_rules, "private address in SDP c= line", json_true());
            }
        }
    }
}

static void codecs_of(const char *msg, json_t *codecs)
{
    for (const char *p = msg ? strstr(msg, "a=rtpmap:") : NULL; p; p = strstr(p + 1, "a=rtpmap:")) {
        const char *sp = strchr(p, ' ');
        if (!sp)
            break;
        char name[32];
        size_t k = 0;
        for (const char *q = sp + 1; *q && *q != '/' && *q != '\r' && *q != '\n' && k + 1 < sizeof name; q++)
            name[k++] = *q;
        name[k] = '\0';
        bool seen = false;
        for (size_t i = 0; i < json_array_size(codecs); i++)
            if (!strcmp(json_string_value(json_array_get(codecs, i)), name))
                seen = true;
        if (!seen && k)
            json_array_append_new(codecs, json_string(name));
    }
}

/* What the app's analysis accumulates over the messages of a trace. */
typedef struct trace_acc {
    trace_state st;
    json_t *flow, *protos, *parts, *codecs, *final;
    bool connected, terminated, auth, nat;
    double pdd, setup;
    const char *anyedge;
    size_t anyedge_n;
} trace_acc;

static void add_unique(json_t *arr, const char *s)
{
    if (!*s)
        return;
    for (size_t j = 0; j < json_array_size(arr); j++)
        if (!strcmp(json_string_value(json_array_get(arr, j)), s))
            return;
    json_array_append_new(arr, json_string(s));
}

static void flow_entry(trace_acc *a, const json_t *m, const char *from, const char *to)
{
    const char *method = jstr(m, "method"), *reason = jstr(m, "reply_reason");
    char label[96];
    snprintf(label, sizeof label, "%s%s%s", method, *reason ? " " : "", reason);
    if (json_array_size(a->flow) < CX_MAX_RAW_MESSAGES)
        json_array_append_new(a->flow, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:f}", "time", jstr(m, "date"), "label",
                                                 label, "from", from, "to", to, "from_user", jstr(m, "from_user"),
                                                 "to_user", jstr(m, "to_user"), "protocol", jstr(m, "protocol"),
                                                 "delta_ms", round(cx_num(json_object_get(m, "delta"), 0) / 100.0) / 10.0));
    add_unique(a->parts, from);
    add_unique(a->parts, to);
    add_unique(a->protos, jstr(m, "protocol"));
}

/* A retransmission repeats the same transaction: same hop, same CSeq, same Via branch. So the
 * re-INVITE with credentials after a 401/407 (new CSeq, new branch) is not one. */
static void count_invite(trace_acc *a, const char *msg, const char *from, const char *to, long cseq)
{
    const char *bv = "";
    size_t bn = 0;
    header_value(msg, "Via", 'v', &bv, &bn);
    char key[512];
    snprintf(key, sizeof key, "INVITE|%s|%s|%ld|%.*s", from, to, cseq, (int)(bn > 300 ? 300 : bn), bv);
    json_object_set_new(a->st.retrans, key, json_integer(json_integer_value(json_object_get(a->st.retrans, key)) + 1));
}

static void set_final(trace_acc *a, int code, const char *reason)
{
    json_decref(a->final);
    a->final = json_pack("{s:i,s:s}", "code", code, "reason", reason);
}

/* Outcome of one message: PDD (first 18x after the INVITE), connected (a 200 to the INVITE
 * only), auth, the final response (a challenge only while nothing better is known). */
static void outcome_step(trace_acc *a, const json_t *m, const char *from, const char *to)
{
    const char *method = jstr(m, "method"), *reason = jstr(m, "reply_reason");
    const char *msg = json_string_value(json_object_get(m, "msg"));
    double t = msg_ms(m);
    char cm[24];
    long cseq = cseq_of(msg, cm, sizeof cm);
    int code = (int)strtol(method, NULL, 10);
    if (!strcmp(method, "INVITE")) {
        if (!a->st.have_invite) {
            a->st.have_invite = true;
            a->st.invite_ms = t;
        }
        count_invite(a, msg, from, to, cseq);
    }
    bool to_invite = !*cm || !strcasecmp(cm, "INVITE");
    bool challenge = code == 401 || code == 407;
    a->auth |= challenge;
    if ((code == 180 || code == 183) && a->pdd < 0 && a->st.have_invite)
        a->pdd = t - a->st.invite_ms;
    if (code == 200 && a->st.have_invite && to_invite && !a->connected && !a->terminated) {
        a->connected = true;
        a->setup = t - a->st.invite_ms;
    }
    if (!strcmp(method, "BYE"))
        a->terminated = true;
    if (code >= 300 && to_invite && !challenge)
        set_final(a, code, reason);
    else if (challenge && json_is_null(a->final) && !a->connected)
        set_final(a, code, reason);
}

static void inspect_raw(trace_acc *a, const json_t *m)
{
    const char *msg = json_string_value(json_object_get(m, "msg"));
    nat_checks(m, &a->st, &a->nat);
    const char *v;
    size_t vn;
    if (!a->anyedge && header_value(msg, "X-AnyEdge-Host", 0, &v, &vn)) {
        a->anyedge = v;
        a->anyedge_n = vn;
    }
    codecs_of(msg, a->codecs);
}

/* The issues of §3.1 in the app's order; *retrans gets the retransmission count. */
static json_t *trace_issues(const trace_acc *a, unsigned *retrans)
{
    json_t *issues = json_array();
    char buf[256];
    if (a->pdd > 5000) {
        snprintf(buf, sizeof buf, "High Post-Dial Delay: %.0fms (>5s)", a->pdd);
        json_array_append_new(issues, json_string(buf));
    }
    if (!a->connected && !json_is_null(a->final)) {
        snprintf(buf, sizeof buf, "Call failed: %lld %s", (long long)json_integer_value(json_object_get(a->final, "code")),
                 jstr(a->final, "reason"));
        json_array_append_new(issues, json_string(buf));
    }
    const char *k;
    json_t *v;
    *retrans = 0;
    json_object_foreach(a->st.retrans, k, v) if (json_integer_value(v) > 1) {
        *retrans += (unsigned)json_integer_value(v) - 1;
        snprintf(buf, sizeof buf, "INVITE retransmission detected (%lld copies) — possible network issue",
                 (long long)json_integer_value(v));
        json_array_append_new(issues, json_string(buf));
    }
    if (a->nat)
        json_array_append_new(issues, json_string("NAT detected — verify media path and Far-End NAT Traversal configuration"));
    return issues;
}

static json_t *analyze_app(const json_t *msgs)
{
    size_t n = json_array_size(msgs);
    if (!n)
        return json_pack("{s:s,s:i}", "error", "No trace data available", "message_count", 0);
    trace_acc a = {.st = {.retrans = json_object(), .nat_rules = json_object()}, .flow = json_array(),
                   .protos = json_array(), .parts = json_array(), .codecs = json_array(), .final = json_null(),
                   .pdd = -1, .setup = -1};
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(msgs, i);
        char from[80], to[80];
        snprintf(from, sizeof from, "%s:%lld", jstr(m, "source_ip"), (long long)cx_num(json_object_get(m, "source_port"), 0));
        snprintf(to, sizeof to, "%s:%lld", jstr(m, "destination_ip"),
                 (long long)cx_num(json_object_get(m, "destination_port"), 0));
        flow_entry(&a, m, from, to);
        outcome_step(&a, m, from, to);
        inspect_raw(&a, m);
    }
    if (a.connected) { /* an auth challenge answered by a successful re-INVITE is not the outcome */
        json_decref(a.final);
        a.final = json_null();
    }
    unsigned retrans;
    json_t *issues = trace_issues(&a, &retrans);
    json_t *rules = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(a.st.nat_rules, k, v) json_array_append_new(rules, json_string(k));
    const json_t *m0 = json_array_get(msgs, 0), *mn = json_array_get(msgs, n - 1);
    json_t *out = json_pack(
        "{s:I,s:s,s:s,s:s,s:s,s:s,s:f,s:b,s:b,s:o,s:o,s:o,s:b,s:b,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:o}",
        "message_count", (json_int_t)n, "call_id", jstr(m0, "callid"), "from_user", jstr(m0, "from_user"),
        "to_user", jstr(m0, "to_user"), "start_time", jstr(m0, "date"), "end_time", jstr(mn, "date"),
        "duration_ms", msg_ms(mn) - msg_ms(m0), "call_connected", a.connected, "call_terminated", a.terminated,
        "final_response", a.final, "pdd_ms", a.pdd >= 0 ? json_real(a.pdd) : json_null(), "setup_time_ms",
        a.setup >= 0 ? json_real(a.setup) : json_null(), "auth_required", a.auth, "nat_detected", a.nat, "nat_rules",
        rules, "anyedge_host", a.anyedge ? json_stringn(a.anyedge, a.anyedge_n) : json_null(), "retransmissions",
        (json_int_t)retrans, "protocols_used", a.protos, "participants", a.parts, "codecs", a.codecs, "call_flow",
        a.flow, "issues", issues);
    json_decref(a.st.retrans);
    json_decref(a.st.nat_rules);
    return out;
}

/* ---- the SIP engine view ----------------------------------------------------------------- */

static sip_transport transport_of(const char *p)
{
    if (!strcasecmp(p, "TCP"))
        return SIP_TP_TCP;
    if (!strcasecmp(p, "TLS"))
        return SIP_TP_TLS;
    if (!strcasecmp(p, "UDP"))
        return SIP_TP_UDP;
    return SIP_TP_UNKNOWN;
}

static void addr_of(const json_t *m, const char *ipk, const char *portk, sip_addr *a)
{
    char b[96];
    snprintf(b, sizeof b, "%s", jstr(m, ipk));
    if (sip_addr_parse(b, strlen(b), a) == 0) {
        double port = cx_num(json_object_get(m, portk), 0);
        a->port = (uint16_t)(port >= 0 && port <= 65535 ? port : 0);
    }
}

/* Ladders of very long traces are cut (at a line end) so one answer stays readable. */
#define CX_LADDER_MAX (96 * 1024)

static bool cap_text(char *s)
{
    if (!s || strlen(s) <= CX_LADDER_MAX)
        return false;
    char *cut = s + CX_LADDER_MAX - 128; /* room for the note: the string is longer than the cap */
    while (cut > s && *cut != '\n')
        cut--;
    strcpy(cut, "\n... (ladder cut: see raw_messages and engine.calls)\n");
    return true;
}

/* The message records → SIP engine → {calls, verdict, ladder{text, mermaid}}. */
static json_t *analyze_engine(const json_t *msgs, const char *callid, char **verdict_out)
{
    size_t n = json_array_size(msgs);
    sip_record *recs = calloc(n ? n : 1, sizeof *recs);
    if (!recs)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(msgs, i);
        const char *raw = json_string_value(json_object_get(m, "msg"));
        if (!raw || !*raw)
            continue;
        recs[k].time_us = (int64_t)(msg_ms(m) * 1000.0);
        addr_of(m, "source_ip", "source_port", &recs[k].src);
        addr_of(m, "destination_ip", "destination_port", &recs[k].dst);
        recs[k].transport = transport_of(jstr(m, "protocol"));
        recs[k].data = raw;
        recs[k].len = strlen(raw);
        recs[k].frame = i + 1;
        k++;
    }
    sip_engine_opts o = {.keep_messages = true};
    sip_report *r = k ? sip_analyze_records(recs, k, &o) : NULL;
    free(recs);
    if (!r)
        return NULL;
    json_t *calls = json_array();
    size_t idx[16], ni = 0;
    size_t main_i = 0;
    for (size_t i = 0; i < r->n_calls; i++)
        if (callid && !strcmp(r->calls[i].call_id, callid))
            main_i = i;
    for (size_t i = 0; i < r->n_calls && ni < 16; i++) {
        json_array_append_new(calls, sip_call_json(&r->calls[i], false));
        idx[ni++] = i;
    }
    json_t *out = json_object();
    json_object_set_new(out, "calls", calls);
    if (r->n_calls) {
        char *verdict = sip_call_verdict(&r->calls[main_i]);
        char *text = sip_ladder_text(r, idx, ni, true);
        char *mmd = sip_ladder_mermaid(r, idx, ni);
        json_object_set_new(out, "verdict", verdict ? json_string(verdict) : json_null());
        bool cut_text = cap_text(text), cut_mmd = cap_text(mmd); /* both, always */
        bool cut = cut_text || cut_mmd;
        json_object_set_new(out, "ladder", json_pack("{s:s?,s:s?,s:b}", "text", text, "mermaid", mmd, "truncated", cut));
        if (verdict_out)
            *verdict_out = verdict;
        else
            free(verdict);
        free(text);
        free(mmd);
    }
    sip_report_free(r);
    return out;
}

/* ---- fetching a trace -------------------------------------------------------------------- */

/* GET log/trace; NULL after an isError answer. */
static json_t *fetch_trace(mcp_call *call, cx_client *c, const char *callid, const char *callidb,
                           cx_response *err_out)
{
    char *a = cx_enc(callid), *b = callidb ? cx_enc(callidb) : NULL;
    size_t qn = strlen(a ? a : "") + (b ? strlen(b) : 0) + 32;
    char *q = malloc(qn);
    if (q)
        snprintf(q, qn, "callid=%s%s%s", a ? a : "", b ? "&callidb=" : "", b ? b : "");
    free(a);
    free(b);
    json_t *t = NULL;
    if (err_out) {
        int rc = cx_get_json(c, "log/trace", q, mcp_call_cancel_flag(call), err_out);
        if (rc == 0) {
            t = err_out->json;
            err_out->json = NULL;
        }
    } else {
        t = cx_fetch(call, c, "log/trace", q);
    }
    free(q);
    if (t && json_is_object(t) && json_is_array(json_object_get(t, "data"))) {
        json_t *inner = json_incref(json_object_get(t, "data"));
        json_decref(t);
        t = inner;
    }
    return t;
}

static json_t *no_trace_suggestions(void)
{
    return json_pack("[s,s,s,s]", "Check the Call-ID for typos (copy routing.callid from searchCallLogs).",
                     "SIP traces are kept for 7 days only; use searchCdr for older calls.",
                     "The call may never have reached ConnexCS (check the customer's side).",
                     "Search the Logging page or searchCallLogs by number or IP.");
}

/* Builds the full trace result (shared by getSipTrace and getCTrace). */
static void answer_trace(mcp_call *call, cx_client *c, const char *callid, const char *callidb,
                         json_t *resolved)
{
    json_t *t = fetch_trace(call, c, callid, callidb, NULL);
    if (!t) {
        json_decref(resolved);
        return;
    }
    if (!json_is_array(t) || !json_array_size(t)) {
        json_decref(t);
        json_t *out = json_pack("{s:b,s:b,s:s,s:s,s:o}", "success", 0, "found", 0, "callid", callid,
                                "message", "No SIP trace data found for this Call-ID", "suggestions",
                                no_trace_suggestions());
        if (resolved)
            json_object_set_new(out, "resolved_from", resolved);
        cx_reply(call, out, "No SIP trace data found for Call-ID %.255s. Traces are kept 7 days; "
                            "check the id with searchCallLogs.", callid);
        return;
    }
    json_t *analysis = analyze_app(t);
    char *verdict = NULL;
    json_t *engine = analyze_engine(t, callid, &verdict);
    size_t n = json_array_size(t);
    json_t *out = json_pack("{s:b,s:b,s:s,s:o,s:I,s:I,s:o}", "success", 1, "found", 1, "callid", callid,
                            "analysis", analysis, "raw_message_count", (json_int_t)n,
                            "raw_messages_returned", (json_int_t)(n < CX_MAX_RAW_MESSAGES ? n : CX_MAX_RAW_MESSAGES),
                            "raw_messages", cx_array_head(t, CX_MAX_RAW_MESSAGES));
    if (engine) {
        json_t *ladder = json_object_get(engine, "ladder");
        if (ladder)
            json_object_set(out, "ladder", ladder);
        json_object_del(engine, "ladder");
        json_object_set_new(out, "engine", engine);
    }
    if (resolved)
        json_object_set_new(out, "resolved_from", resolved);
    const char *text_ladder = json_string_value(json_object_get(json_object_get(out, "ladder"), "text"));
    json_t *issues = json_object_get(analysis, "issues");
    char head[1024];
    size_t o = (size_t)snprintf(head, sizeof head, "Trace %s: %zu message(s), %s.", callid, n,
                                json_is_true(json_object_get(analysis, "call_connected")) ? "connected" : "not connected");
    for (size_t i = 0; i < json_array_size(issues) && o < sizeof head; i++)
        o += (size_t)snprintf(head + o, sizeof head - o, "\n- %s", json_string_value(json_array_get(issues, i)));
    mcp_call_text(call, "%s%s%s%s%s", head, verdict ? "\nVerdict: " : "", verdict ? verdict : "",
                  text_ladder ? "\n\n" : "", text_ladder ? text_ladder : "");
    free(verdict);
    json_decref(t);
    mcp_call_structured(call, out);
}

/* ---- getSipTrace / getCTrace ------------------------------------------------------------- */

static const mcp_param p_trace[] = {
    {.name = "callid", .type = MCP_T_STRING, .required = true, .max_length = 255,
     .description = "The Call-ID (routing.callid from searchCallLogs, or callid from searchCdr)."},
    {.name = "callidb", .type = MCP_T_STRING, .max_length = 512,
     .description = "Optional internal encoded id (routing.callidb, e.g. CNX2863_...) to include the carrier leg."},
    {0}};

static const char s_trace[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"found\":{\"type\":\"boolean\"},"
    "\"callid\":{\"type\":\"string\"},\"analysis\":{\"type\":\"object\"},"
    "\"raw_message_count\":{\"type\":\"integer\"},\"raw_messages\":{\"type\":\"array\"},"
    "\"ladder\":{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"},\"mermaid\":{\"type\":\"string\"}}},"
    "\"engine\":{\"type\":\"object\"},\"message\":{\"type\":\"string\"},\"suggestions\":{\"type\":\"array\"},"
    "\"resolved_from\":{\"type\":\"object\"}},\"required\":[\"success\",\"callid\"]}";

static void h_sip_trace(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cid;
    if (!c || !cx_check_callid(call, args, "callid", &cid))
        return;
    answer_trace(call, c, cid, cx_arg_str(args, "callidb"), NULL);
}

static const mcp_param p_ctrace[] = {
    {.name = "callid", .type = MCP_T_STRING, .max_length = 255,
     .description = "The Call-ID to trace. Give this or phone."},
    {.name = "phone", .type = MCP_T_STRING, .max_length = 64,
     .description = "A phone number (caller or dialled): the newest call for it is traced."},
    {.name = "callidb", .type = MCP_T_STRING, .max_length = 512,
     .description = "Optional internal encoded id (routing.callidb)."},
    {0}};

static void h_ctrace(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    if (!c)
        return;
    const char *cid = cx_arg_str(args, "callid"), *phone = cx_arg_str(args, "phone");
    if (!cid == !phone) {
        mcp_call_error(call, "Give exactly one of \"callid\" or \"phone\" (a phone number whose newest call is traced).");
        return;
    }
    if (cid) {
        if (cx_check_callid(call, args, "callid", &cid))
            answer_trace(call, c, cid, cx_arg_str(args, "callidb"), NULL);
        return;
    }
    size_t pl = strlen(phone);
    if (strspn(phone, "+0123456789 -().") != pl || strspn(phone, " -().") == pl) {
        mcp_call_error(call, "\"phone\" must be a phone number (digits, optional +), got \"%.40s\".", phone);
        return;
    }
    /* ConnexCS writes numbers as E.164 digits without '+'; the log search matches substrings, so
     * leading zeros (a national 0, an international 00) are dropped: "020 7946 0999" and
     * "0044 20 7946 0999" both find 442079460999. */
    char digits[72];
    size_t k = 0;
    for (const char *p = phone; *p && k + 1 < sizeof digits; p++)
        if ((*p >= '0' && *p <= '9') && !(k == 0 && *p == '0'))
            digits[k++] = *p;
    digits[k] = '\0';
    if (k < 4) {
        mcp_call_error(call, "\"phone\" needs at least 4 significant digits, got \"%.40s\".", phone);
        return;
    }
    char *enc = cx_enc(digits);
    char q[256];
    snprintf(q, sizeof q, "s=%s", enc ? enc : "");
    free(enc);
    json_t *logs = cx_fetch(call, c, "log", q);
    if (!logs)
        return;
    const json_t *best = NULL;
    double best_t = -1;
    for (size_t i = 0; i < json_array_size(logs); i++) {
        const json_t *rt = json_object_get(json_array_get(logs, i), "routing");
        double t = cx_num(json_object_get(rt, "start_time"), 0);
        /* the number must be the caller or the dialled number, not a part of a Call-ID or IP */
        bool is_party = strstr(jstr(rt, "cli"), digits) || strstr(jstr(rt, "ou"), digits);
        if (is_party && json_string_value(json_object_get(rt, "callid")) && t > best_t) {
            best_t = t;
            best = rt;
        }
    }
    if (!best) {
        json_t *out = json_pack("{s:b,s:b,s:s,s:s,s:o}", "success", 0, "found", 0, "callid", "", "message",
                                "No call found for this phone number in the call logs.", "suggestions",
                                json_pack("[s,s]", "Try the number with and without the country code.",
                                          "Logs cover recent calls only; use searchCdr for older ones."));
        json_object_set_new(out, "resolved_from", json_pack("{s:s,s:i}", "phone", phone, "matches", 0));
        json_decref(logs);
        cx_reply(call, out, "No call found for %s in the call logs; try another form of the number.", phone);
        return;
    }
    char *bcid = strdup(jstr(best, "callid"));
    char *bcidb = json_string_value(json_object_get(best, "callidb")) ? strdup(jstr(best, "callidb")) : NULL;
    json_t *resolved = json_pack("{s:s,s:s,s:s?,s:I,s:I}", "phone", phone, "callid", bcid, "callidb", bcidb,
                                 "start_time", cx_i64(best_t), "matches", (json_int_t)json_array_size(logs));
    json_decref(logs);
    answer_trace(call, c, bcid, bcidb, resolved);
    free(bcid);
    free(bcidb);
}

/* ---- RTCP -------------------------------------------------------------------------------- */

typedef struct metric {
    double min, max, sum;
    size_t n;
} metric;

static void metric_add(metric *m, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    double d = cx_num(v, 0.0 / 0.0);
    if (d != d)
        return;
    if (!m->n || d < m->min)
        m->min = d;
    if (!m->n || d > m->max)
        m->max = d;
    m->sum += d;
    m->n++;
}

static json_t *metric_json(const metric *m)
{
    if (!m->n)
        return json_null();
    double avg = round(m->sum / (double)m->n * 100) / 100.0;
    return json_pack("{s:f,s:f,s:f,s:I}", "min", m->min, "max", m->max, "avg", avg, "samples", (json_int_t)m->n);
}

/* Splits a log/rtcp answer into samples (borrowed) and aggregate (borrowed or NULL). */
static const json_t *rtcp_samples(const json_t *r, const json_t **aggregate, const char **shape)
{
    *aggregate = NULL;
    if (json_is_array(r)) {
        *shape = "array";
        return r;
    }
    *shape = "object";
    const json_t *agg = json_object_get(r, "aggregate");
    if (json_is_object(agg) && json_object_size(agg))
        *aggregate = agg;
    return json_object_get(r, "processed");
}

static double avg_of(const metric *m) { return m->n ? m->sum / (double)m->n : -1; }

/* §3.2 over the samples; when there are none, the aggregate's *_avg values stand in. */
static json_t *rtcp_summary(const json_t *samples, const json_t *agg)
{
    metric mos = {0}, jit = {0}, loss = {0}, rtt = {0};
    for (size_t i = 0; i < json_array_size(samples); i++) {
        const json_t *s = json_array_get(samples, i);
        metric_add(&mos, json_object_get(s, "mos"));
        metric_add(&jit, json_object_get(s, "jitter"));
        metric_add(&loss, json_object_get(s, "packet_loss"));
        metric_add(&rtt, json_object_get(s, "rtt"));
    }
    if (!json_array_size(samples) && agg) {
        metric_add(&mos, json_object_get(agg, "mos_avg"));
        metric_add(&jit, json_object_get(agg, "jitter_avg"));
        metric_add(&loss, json_object_get(agg, "packet_loss_avg"));
        metric_add(&rtt, json_object_get(agg, "rtt_avg"));
    }
    json_t *issues = json_array();
    char b[128];
    if (mos.n && avg_of(&mos) < 3.5) {
        snprintf(b, sizeof b, "Low MOS: %.2f (< 3.5 threshold)", avg_of(&mos));
        json_array_append_new(issues, json_string(b));
    }
    if (jit.n && avg_of(&jit) > 30) {
        snprintf(b, sizeof b, "High jitter: %.2fms (> 30ms threshold)", avg_of(&jit));
        json_array_append_new(issues, json_string(b));
    }
    if (loss.n && avg_of(&loss) > 1) {
        snprintf(b, sizeof b, "Packet loss: %.2f%% (> 1%% threshold)", avg_of(&loss));
        json_array_append_new(issues, json_string(b));
    }
    if (rtt.n && avg_of(&rtt) > 300) {
        snprintf(b, sizeof b, "High RTT: %.2fms (> 300ms threshold)", avg_of(&rtt));
        json_array_append_new(issues, json_string(b));
    }
    size_t ni = json_array_size(issues);
    const char *q = ni == 0 ? "good" : ni == 1 ? "fair" : "poor";
    if (!ni)
        json_array_append_new(issues, json_string("No quality issues detected"));
    return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:I}", "overall_quality", q, "mos", metric_json(&mos),
                     "jitter_ms", metric_json(&jit), "packet_loss_pct", metric_json(&loss), "rtt_ms",
                     metric_json(&rtt), "issues", issues, "sample_count",
                     (json_int_t)json_array_size(samples));
}

static json_t *fetch_rtcp(mcp_call *call, cx_client *c, const char *callid, cx_response *r)
{
    char *enc = cx_enc(callid);
    size_t qn = strlen(enc ? enc : "") + 16;
    char *q = malloc(qn);
    if (q)
        snprintf(q, qn, "callid=%s", enc ? enc : "");
    free(enc);
    json_t *out = NULL;
    if (cx_get_json(c, "log/rtcp", q, mcp_call_cancel_flag(call), r) == 0) {
        out = r->json;
        r->json = NULL;
    }
    free(q);
    return out;
}

static const mcp_param p_callid_only_trace[] = {
    {.name = "callid", .type = MCP_T_STRING, .required = true, .max_length = 255,
     .description = "The Call-ID of the call."},
    {0}};

static const char s_quality[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"callid\":{\"type\":\"string\"},"
    "\"has_rtcp\":{\"type\":\"boolean\"},\"summary\":{\"type\":\"object\"},\"aggregate\":{\"type\":[\"object\",\"null\"]},"
    "\"metrics_count\":{\"type\":\"integer\"},\"raw_metrics\":{\"type\":\"array\"},\"shape\":{\"type\":\"string\"},"
    "\"message\":{\"type\":\"string\"}},\"required\":[\"success\",\"callid\",\"has_rtcp\"]}";

static void h_quality(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cid;
    if (!c || !cx_check_callid(call, args, "callid", &cid))
        return;
    cx_response r;
    json_t *j = fetch_rtcp(call, c, cid, &r);
    if (!j) {
        mcp_call_error(call, "%s", r.error);
        cx_response_free(&r);
        return;
    }
    cx_response_free(&r);
    const json_t *agg;
    const char *shape;
    const json_t *samples = rtcp_samples(j, &agg, &shape);
    size_t n = json_array_size(samples);
    if (!n && !agg) {
        json_t *out = json_pack("{s:b,s:s,s:b,s:s,s:s}", "success", 1, "callid", cid, "has_rtcp", 0, "shape", shape,
                                "message", "No RTCP data available - RTCP must be enabled on both call endpoints");
        json_decref(j);
        cx_reply(call, out, "No RTCP data for %s: RTCP must be enabled on both call endpoints.", cid);
        return;
    }
    json_t *summary = rtcp_summary(samples, agg);
    json_t *out = json_pack("{s:b,s:s,s:b,s:o,s:O?,s:I,s:o,s:s}", "success", 1, "callid", cid, "has_rtcp", 1,
                            "summary", summary, "aggregate", agg, "metrics_count", (json_int_t)n,
                            "raw_metrics", cx_array_head(samples, CX_MAX_LIST), "shape", shape);
    json_t *mos = json_object_get(summary, "mos");
    json_t *jit = json_object_get(summary, "jitter_ms");
    char m1[32] = "", m2[32] = "";
    if (json_is_object(mos))
        snprintf(m1, sizeof m1, "%.2f", cx_num(json_object_get(mos, "avg"), 0));
    if (json_is_object(jit))
        snprintf(m2, sizeof m2, "%.2f", cx_num(json_object_get(jit, "avg"), 0));
    json_decref(j);
    cx_reply(call, out, "RTCP for %s: quality %s over %zu sample(s); MOS avg %s, jitter avg %s ms. %s", cid,
             jstr(summary, "overall_quality"), n, *m1 ? m1 : "n/a", *m2 ? m2 : "n/a",
             json_string_value(json_array_get(json_object_get(summary, "issues"), 0)));
}

/* ---- investigateCall --------------------------------------------------------------------- */

static const char s_investigate[] =
    "{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"callid\":{\"type\":\"string\"},"
    "\"call_type\":{\"type\":[\"string\",\"null\"]},\"trace\":{\"type\":\"object\"},\"class5\":{\"type\":\"object\"},"
    "\"rtcp\":{\"type\":\"object\"},\"issues\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"debug_summary\":{\"type\":\"string\"},\"ladder\":{\"type\":\"object\"}},"
    "\"required\":[\"success\",\"callid\",\"call_type\",\"trace\",\"issues\",\"debug_summary\"]}";

/* debug_summary: the app's lines, with the arrow it meant ("→"). */
static char *debug_summary(const char *call_type, const json_t *analysis, const json_t *rtcp_sum,
                           const json_t *issues)
{
    size_t cap = 8192, o = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
#define ADD(...) do { if (o < cap) o += (size_t)snprintf(b + o, cap - o, __VA_ARGS__); } while (0)
    ADD("Call Type: %s\n", call_type ? call_type : "unknown");
    if (analysis) {
        bool conn = json_is_true(json_object_get(analysis, "call_connected"));
        ADD("From: %s → To: %s\n", jstr(analysis, "from_user"), jstr(analysis, "to_user"));
        ADD("Connected: %s\n", conn ? "Yes" : "No");
        if (conn && json_is_number(json_object_get(analysis, "setup_time_ms")))
            ADD("Setup: %.0fms\n", cx_num(json_object_get(analysis, "setup_time_ms"), 0));
        if (json_is_number(json_object_get(analysis, "pdd_ms")))
            ADD("PDD: %.0fms\n", cx_num(json_object_get(analysis, "pdd_ms"), 0));
        json_t *fr = json_object_get(analysis, "final_response");
        if (!conn && json_is_object(fr))
            ADD("Failed: %lld %s\n", (long long)json_integer_value(json_object_get(fr, "code")), jstr(fr, "reason"));
        if (json_is_true(json_object_get(analysis, "auth_required")))
            ADD("Auth: Required\n");
        if (json_is_true(json_object_get(analysis, "nat_detected")))
            ADD("NAT: Detected\n");
        json_t *codecs = json_object_get(analysis, "codecs");
        if (json_array_size(codecs)) {
            ADD("Codecs: ");
            for (size_t i = 0; i < json_array_size(codecs); i++)
                ADD("%s%s", i ? ", " : "", json_string_value(json_array_get(codecs, i)));
            ADD("\n");
        }
    }
    if (rtcp_sum) {
        const char *q = jstr(rtcp_sum, "overall_quality");
        char uq[16];
        size_t k = 0;
        for (; q[k] && k + 1 < sizeof uq; k++)
            uq[k] = (char)(q[k] >= 'a' && q[k] <= 'z' ? q[k] - 32 : q[k]);
        uq[k] = '\0';
        ADD("Quality: %s\n", uq);
        json_t *mos = json_object_get(rtcp_sum, "mos"), *jit = json_object_get(rtcp_sum, "jitter_ms");
        if (json_is_object(mos))
            ADD("  MOS: %.2f\n", cx_num(json_object_get(mos, "avg"), 0));
        if (json_is_object(jit))
            ADD("  Jitter: %.2fms\n", cx_num(json_object_get(jit, "avg"), 0));
    }
    if (json_array_size(issues)) {
        ADD("\n--- Issues ---\n");
        for (size_t i = 0; i < json_array_size(issues); i++)
            ADD("%zu. %s\n", i + 1, json_string_value(json_array_get(issues, i)));
    } else {
        ADD("\nNo issues detected.\n");
    }
#undef ADD
    return b;
}

static void append_issue(json_t *issues, const char *fmt, const char *arg)
{
    char b[600];
    snprintf(b, sizeof b, fmt, arg);
    json_array_append_new(issues, json_string(b));
}

static void h_investigate(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    const char *cid;
    if (!c || !cx_check_callid(call, args, "callid", &cid))
        return;
    const char *cidb = cx_arg_str(args, "callidb");
    json_t *issues = json_array(), *ladder = NULL, *engine = NULL;
    const json_t *analysis = NULL;
    char *verdict = NULL;
    unsigned failures = 0;
    char first_err[512] = "";
    /* 1. trace */
    cx_response r;
    json_t *t = fetch_trace(call, c, cid, cidb, &r), *trace;
    if (!t) {
        trace = json_pack("{s:b,s:s}", "available", 0, "error", r.error);
        append_issue(issues, "Trace error: %s", r.error);
        failures++;
        snprintf(first_err, sizeof first_err, "%s", r.error);
    } else if (!json_is_array(t) || !json_array_size(t)) {
        trace = json_pack("{s:b}", "available", 0);
        json_array_append_new(issues, json_string("No SIP trace data found"));
    } else {
        json_t *an = analyze_app(t);
        size_t n = json_array_size(t);
        trace = json_pack("{s:b,s:o,s:I,s:o}", "available", 1, "analysis", an, "raw_message_count", (json_int_t)n,
                          "raw_messages", cx_array_head(t, CX_MAX_RAW_MESSAGES));
        analysis = an;
        json_t *ai = json_object_get(an, "issues");
        for (size_t i = 0; i < json_array_size(ai); i++)
            json_array_append(issues, json_array_get(ai, i));
        engine = analyze_engine(t, cid, &verdict);
        if (engine) {
            ladder = json_incref(json_object_get(engine, "ladder"));
            json_object_del(engine, "ladder");
        }
    }
    json_decref(t);
    cx_response_free(&r);
    /* 2. class5 */
    char *enc = cx_enc(cid);
    char q[1024];
    snprintf(q, sizeof q, "callid=%s", enc ? enc : "");
    free(enc);
    const char *call_type = NULL;
    json_t *class5;
    if (cx_get_json(c, "log/class5", q, mcp_call_cancel_flag(call), &r) == 0) {
        bool has = json_is_array(r.json) && json_array_size(r.json);
        call_type = has ? "class5" : "class4";
        class5 = has ? json_pack("{s:b,s:o}", "available", 1, "records", cx_array_head(r.json, CX_MAX_LIST))
                     : json_pack("{s:b}", "available", 0);
    } else {
        class5 = json_pack("{s:b,s:s}", "available", 0, "error", r.error);
        failures++;
        if (!first_err[0])
            snprintf(first_err, sizeof first_err, "%s", r.error);
    }
    cx_response_free(&r);
    /* 3. RTCP */
    json_t *rtcp, *rj = fetch_rtcp(call, c, cid, &r);
    const json_t *rtcp_sum = NULL;
    if (!rj) {
        rtcp = json_pack("{s:b,s:s}", "available", 0, "error", r.error);
        failures++;
    } else {
        const json_t *agg;
        const char *shape;
        const json_t *samples = rtcp_samples(rj, &agg, &shape);
        if (json_array_size(samples) || agg) {
            json_t *sum = rtcp_summary(samples, agg);
            rtcp_sum = sum;
            json_t *si = json_object_get(sum, "issues");
            for (size_t i = 0; i < json_array_size(si); i++)
                if (strcmp(json_string_value(json_array_get(si, i)), "No quality issues detected"))
                    json_array_append(issues, json_array_get(si, i));
            rtcp = json_pack("{s:b,s:o,s:I,s:o}", "available", 1, "summary", sum, "metrics_count",
                             (json_int_t)json_array_size(samples), "raw_metrics", cx_array_head(samples, CX_MAX_LIST));
        } else {
            rtcp = json_pack("{s:b}", "available", 0);
        }
    }
    json_decref(rj);
    cx_response_free(&r);
    if (failures == 3) {
        mcp_call_error(call, "Could not investigate %.255s: %s", cid, first_err);
        json_decref(issues);
        json_decref(trace);
        json_decref(class5);
        json_decref(rtcp);
        json_decref(ladder);
        json_decref(engine);
        free(verdict);
        return;
    }
    char *sum = debug_summary(call_type, analysis, rtcp_sum, issues);
    json_t *out = json_pack("{s:b,s:s,s:s?,s:o,s:o,s:o,s:o,s:s}", "success", 1, "callid", cid, "call_type",
                            call_type, "trace", trace, "class5", class5, "rtcp", rtcp, "issues", issues,
                            "debug_summary", sum ? sum : "");
    if (!call_type)
        json_object_set_new(out, "call_type", json_null());
    if (ladder)
        json_object_set_new(out, "ladder", ladder);
    if (engine)
        json_object_set_new(out, "engine", engine);
    if (verdict)
        json_object_set_new(out, "verdict", json_string(verdict));
    const char *lt = ladder ? json_string_value(json_object_get(ladder, "text")) : NULL;
    mcp_call_text(call, "%s%s%s%s%s", sum ? sum : "", verdict ? "Verdict: " : "", verdict ? verdict : "",
                  lt ? "\n\n" : "", lt ? lt : "");
    mcp_call_structured(call, out);
    free(sum);
    free(verdict);
}

/* ---- table ------------------------------------------------------------------------------- */

static const mcp_tool_def cx_trace_tools[] = {
    CX_TOOL("getSipTrace", "SIP trace of a call",
     "Fetch and analyse the SIP trace of a call (the primary debugging tool): the SIP flow with "
     "timing, authentication, NAT detection, codecs and identified issues, a verdict from the SIP "
     "engine, and a ladder (text and Mermaid). Traces are kept for 7 days. Endpoint log/trace.",
     p_trace, s_trace, h_sip_trace),
    CX_TOOL("getCTrace", "C-Trace (SIP trace by Call-ID or phone number)",
     "C-Trace: the SIP trace of a call given its Call-ID, or given a phone number (the newest "
     "call for that number is found in the call logs first). Same analysis and ladder as getSipTrace.",
     p_ctrace, s_trace, h_ctrace),
    CX_TOOL("getCallQuality", "Call quality (RTCP)",
     "RTCP quality metrics of a call: MOS, jitter, packet loss and RTT (min/max/avg), with issues "
     "against the usual thresholds (MOS < 3.5, jitter > 30 ms, loss > 1 %, RTT > 300 ms).",
     p_callid_only_trace, s_quality, h_quality),
    CX_TOOL("investigateCall", "Investigate a call",
     "One-stop investigation of a call: SIP trace analysis, class 4/class 5 type (IVR logs), RTCP "
     "quality, all issues found and a readable debug summary with a ladder.",
     p_trace, s_investigate, h_investigate),
    {0}};

int cx_trace_register(mcp_registry *reg, cx_family *fam)
{
    return mcp_registry_add_table(reg, cx_trace_tools, fam);
}
