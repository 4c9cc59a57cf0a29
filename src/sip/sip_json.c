/* JSON renderer: the report summary, the problems ranked, calls paginated, one call in full.
 * The shapes here are the output schemas the capture tools declare. */
#include "sip/sip_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *jms(double v)
{
    return v < 0 ? json_null() : json_real((double)(long long)(v * 10 + 0.5) / 10.0);
}

static json_t *jaddr(const sip_addr *a)
{
    char b[SIP_ADDR_STRLEN];
    return a->family ? json_string(sip_addr_format(a, b, sizeof b)) : json_null();
}

static json_t *jtime(int64_t us)
{
    return json_real((double)us / 1e6);
}

static json_t *evidence_json(const sip_finding *f)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < f->n_ev; i++)
        json_array_append_new(a, json_pack("{s:I,s:o}", "frame", (json_int_t)f->ev[i].frame,
                                           "time", jtime(f->ev[i].time_us)));
    return a;
}

static json_t *finding_json(const sip_finding *f)
{
    return json_pack("{s:s,s:s,s:s,s:o}", "code", f->code, "severity",
                     sip_severity_name(f->severity), "text", f->text ? f->text : "", "evidence",
                     evidence_json(f));
}

static json_t *stats_json(const sip_stats_summary *s)
{
    return json_pack("{s:I,s:o,s:o,s:o}", "n", (json_int_t)s->n, "median", jms(s->n ? s->median : -1),
                     "p95", jms(s->n ? s->p95 : -1), "max", jms(s->n ? s->max : -1));
}

static json_t *rtp_json(const sip_rtp_stream *s)
{
    return json_pack("{s:o,s:o,s:s,s:I,s:i,s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "src", jaddr(&s->src),
                     "dst", jaddr(&s->dst), "direction", s->from_caller ? "caller->callee" : "callee->caller",
                     "ssrc", (json_int_t)s->ssrc, "payloadType", s->payload_type, "codec", s->codec,
                     "packets", (json_int_t)s->packets, "lost", (json_int_t)s->lost,
                     "jitterMs", jms(s->jitter_ms), "maxJitterMs", jms(s->max_jitter_ms),
                     "meanDeltaMs", jms(s->packets > 1 ? s->mean_delta_ms : -1),
                     "maxDeltaMs", jms(s->packets > 1 ? s->max_delta_ms : -1),
                     "durationS", json_real((double)(s->last_us - s->first_us) / 1e6));
}

static json_t *timings_json(const sip_timings *t)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "pddMs", jms(t->pdd_ms), "setupMs", jms(t->setup_ms),
                     "ringMs", jms(t->ring_ms), "talkMs", jms(t->talk_ms), "disconnectMs",
                     jms(t->disconnect_ms), "finalMs", jms(t->final_ms));
}

/* The raw text with the digest response of Authorization / Proxy-Authorization masked: it is
 * derived from the password (an offline guessing target), so it never leaves in a result. */
static json_t *raw_masked(const char *raw, size_t n)
{
    char *c = malloc(n + 1);
    if (!c)
        return json_null();
    memcpy(c, raw, n);
    c[n] = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && c[e] != '\n')
            e++;
        bool auth = (e - i > 14 && strncasecmp(c + i, "authorization:", 14) == 0) ||
                    (e - i > 20 && strncasecmp(c + i, "proxy-authorization:", 20) == 0);
        for (size_t k = i; auth && k + 9 <= e; k++) {
            if (strncasecmp(c + k, "response=", 9) != 0)
                continue;
            size_t v = k + 9;
            if (v < e && c[v] == '"')
                v++;
            while (v < e && c[v] != '"' && c[v] != ',' && c[v] != '\r')
                c[v++] = '*';
            break;
        }
        i = e + 1;
    }
    json_t *s = json_stringn(c, n);
    free(c);
    return s ? s : json_null();
}

static json_t *msg_json(const sip_msg_rec *m)
{
    json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:s,s:s,s:b}", "frame", (json_int_t)m->frame, "time",
                          jtime(m->time_us), "src", jaddr(&m->src), "dst", jaddr(&m->dst),
                          "transport", sip_transport_name(m->transport), "label",
                          m->label ? m->label : "", "retransmission", m->retransmission);
    if (m->sdp_brief)
        json_object_set_new(o, "sdp", json_string(m->sdp_brief));
    if (m->raw)
        json_object_set_new(o, "raw", raw_masked(m->raw, m->raw_len));
    return o;
}

json_t *sip_call_json(const sip_call *c, bool with_messages)
{
    json_t *o = json_object();
    json_object_set_new(o, "callId", json_string(c->call_id));
    json_object_set_new(o, "kind", json_string(sip_kind_name(c->kind)));
    json_object_set_new(o, "method", jstr(c->method));
    json_object_set_new(o, "from", jstr(c->from_user));
    json_object_set_new(o, "to", jstr(c->to_user));
    json_object_set_new(o, "caller", jaddr(&c->caller));
    json_object_set_new(o, "callee", jaddr(&c->callee));
    json_object_set_new(o, "start", jtime(c->start_us));
    json_object_set_new(o, "end", jtime(c->end_us));
    json_object_set_new(o, "firstFrame", json_integer((json_int_t)c->first_frame));
    json_object_set_new(o, "outcome", json_string(sip_outcome_name(c->outcome)));
    json_object_set_new(o, "category", json_string(c->category ? c->category : "unknown"));
    json_object_set_new(o, "finalCode", c->final_code ? json_integer(c->final_code) : json_null());
    json_object_set_new(o, "finalPhrase", jstr(c->final_phrase));
    json_object_set_new(o, "q850", c->q850 ? json_integer(c->q850) : json_null());
    json_object_set_new(o, "q850Name", jstr(sip_q850_name(c->q850)));
    json_object_set_new(o, "q850Source", c->q850 ? json_string(c->q850_from_reason ? "reason-header" : "rfc3398-map") : json_null());
    json_object_set_new(o, "reasonText", jstr(c->reason_text));
    if (c->warning_code)
        json_object_set_new(o, "warning", json_pack("{s:i,s:o}", "code", c->warning_code, "text", jstr(c->warning_text)));
    json_object_set_new(o, "timings", timings_json(&c->t));
    json_object_set_new(o, "messages", json_integer(c->n_msgs));
    json_object_set_new(o, "retransmissions", json_integer(c->n_retrans));
    json_object_set_new(o, "duplicates", json_integer(c->n_duplicates));
    json_object_set_new(o, "authChallenges", json_integer(c->n_auth_challenges));
    json_object_set_new(o, "codec", jstr(c->codec));
    json_object_set_new(o, "onHold", json_boolean(c->on_hold));
    json_object_set_new(o, "userAgent", jstr(c->user_agent));
    json_object_set_new(o, "xcid", jstr(c->xcid));
    json_object_set_new(o, "legGroup", c->leg_group >= 0 ? json_integer(c->leg_group) : json_null());
    json_t *fa = json_array();
    for (size_t i = 0; i < c->n_findings; i++)
        json_array_append_new(fa, finding_json(&c->findings[i]));
    json_object_set_new(o, "findings", fa);
    json_t *ra = json_array();
    for (size_t i = 0; i < c->n_rtp; i++)
        json_array_append_new(ra, rtp_json(&c->rtp[i]));
    json_object_set_new(o, "rtp", ra);
    if (with_messages) {
        json_t *ma = json_array();
        for (size_t i = 0; i < c->n_msgs_kept; i++)
            json_array_append_new(ma, msg_json(&c->msgs[i]));
        json_object_set_new(o, "flow", ma);
    }
    return o;
}

static json_t *kpi(double v)
{
    return v < 0 ? json_null() : json_real((double)(long long)(v * 10 + 0.5) / 10.0);
}

json_t *sip_summary_json(const sip_report *r)
{
    json_t *out = json_object();
    for (int o = 0; o <= SIP_OUT_INCOMPLETE; o++)
        json_object_set_new(out, sip_outcome_name((sip_outcome)o), json_integer((json_int_t)r->by_outcome[o]));
    return json_pack(
        "{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:b,s:o,"
        "s:{s:o,s:o,s:o,s:o,s:s},s:{s:o,s:o,s:o,s:o,s:o}}",
        "format", r->source_format ? r->source_format : "records",
        "frames", (json_int_t)r->n_frames, "sipMessages", (json_int_t)r->n_messages,
        "callIds", (json_int_t)(r->n_calls + r->n_calls_dropped), "calls", (json_int_t)r->n_invite_calls,
        "registrations", (json_int_t)r->n_register, "options", (json_int_t)r->n_options,
        "otherDialogs", (json_int_t)r->n_other, "retransmissions", (json_int_t)r->n_retransmissions,
        "rtpPackets", (json_int_t)r->n_rtp_packets, "b2buaCalls", (json_int_t)r->n_leg_groups,
        "droppedCalls", (json_int_t)r->n_calls_dropped,
        "start", r->n_messages ? jtime(r->first_us) : json_null(),
        "end", r->n_messages ? jtime(r->last_us) : json_null(), "outcomes", out,
        "truncated", r->truncated, "ipFragments", json_integer((json_int_t)r->n_ip_fragments),
        "kpi", "asr", kpi(r->asr), "ner", kpi(r->ner), "ser", kpi(r->ser), "seer", kpi(r->seer),
        "nerMapping", "answered + cancelled by caller + 486/600 busy + 480 no answer + 603/403 reject",
        "timingsMs", "pdd", stats_json(&r->pdd), "setup", stats_json(&r->setup), "ring",
        stats_json(&r->ring), "talk", stats_json(&r->talk), "disconnect", stats_json(&r->disconnect));
}

/* Problems ranked: findings grouped by code (warnings and errors), worst and most frequent first. */
typedef struct prob {
    const char *code;
    sip_severity sev;
    size_t count;
    size_t examples[5];
    size_t n_ex;
} prob;

static int prob_cmp(const void *a, const void *b)
{
    const prob *x = a, *y = b;
    if (x->sev != y->sev)
        return x->sev > y->sev ? -1 : 1;
    return x->count > y->count ? -1 : x->count < y->count;
}

static json_t *problems_json(const sip_report *r)
{
    prob p[64];
    size_t np = 0;
    for (size_t i = 0; i < r->n_calls; i++) {
        const sip_call *c = &r->calls[i];
        for (size_t k = 0; k < c->n_findings; k++) {
            const sip_finding *f = &c->findings[k];
            if (f->severity == SIP_SEV_INFO)
                continue;
            size_t j = 0;
            while (j < np && strcmp(p[j].code, f->code) != 0)
                j++;
            if (j == np) {
                if (np == 64)
                    continue;
                p[np++] = (prob){.code = f->code, .sev = f->severity};
            }
            if (f->severity > p[j].sev)
                p[j].sev = f->severity;
            if (p[j].n_ex && p[j].examples[p[j].n_ex - 1] == i)
                continue;
            p[j].count++;
            if (p[j].n_ex < 5)
                p[j].examples[p[j].n_ex++] = i;
        }
    }
    qsort(p, np, sizeof *p, prob_cmp);
    json_t *a = json_array();
    for (size_t j = 0; j < np; j++) {
        json_t *ex = json_array();
        for (size_t k = 0; k < p[j].n_ex; k++) {
            const sip_call *c = &r->calls[p[j].examples[k]];
            for (size_t m = 0; m < c->n_findings; m++)
                if (strcmp(c->findings[m].code, p[j].code) == 0) {
                    json_array_append_new(ex, json_pack("{s:s,s:s,s:o}", "callId", c->call_id, "text",
                                                        c->findings[m].text, "evidence",
                                                        evidence_json(&c->findings[m])));
                    break;
                }
        }
        json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:o}", "code", p[j].code, "severity",
                                           sip_severity_name(p[j].sev), "calls", (json_int_t)p[j].count,
                                           "examples", ex));
    }
    return a;
}

json_t *sip_report_json(const sip_report *r, size_t offset, size_t limit)
{
    json_t *o = json_object();
    json_object_set_new(o, "summary", sip_summary_json(r));
    json_object_set_new(o, "problems", problems_json(r));
    json_t *calls = json_array();
    size_t end = offset + limit < r->n_calls ? offset + limit : r->n_calls;
    for (size_t i = offset; i < end; i++)
        json_array_append_new(calls, sip_call_json(&r->calls[i], false));
    json_object_set_new(o, "calls", calls);
    json_object_set_new(o, "total", json_integer((json_int_t)r->n_calls));
    json_object_set_new(o, "offset", json_integer((json_int_t)offset));
    json_object_set_new(o, "hasMore", json_boolean(end < r->n_calls));
    if (end < r->n_calls)
        json_object_set_new(o, "nextOffset", json_integer((json_int_t)end));
    return o;
}

bool sip_call_matches(const sip_call *c, const sip_problem_filter *f)
{
    if (f->final_code && c->final_code != f->final_code)
        return false;
    if (f->min_final_code && c->final_code < f->min_final_code)
        return false;
    if (f->pdd_above_ms > 0 && !(c->t.pdd_ms > f->pdd_above_ms))
        return false;
    bool nat = false, oneway = false, auth = false, retr = c->n_retrans > 0, prefix = !f->code_prefix,
         sev = false;
    for (size_t i = 0; i < c->n_findings; i++) {
        const char *code = c->findings[i].code;
        nat |= strncmp(code, "nat.", 4) == 0 && c->findings[i].severity >= SIP_SEV_WARNING;
        oneway |= strcmp(code, "media.one_way") == 0 || strcmp(code, "media.no_audio") == 0;
        auth |= strcmp(code, "auth.loop") == 0 || strcmp(code, "auth.rejected") == 0 ||
                strcmp(code, "auth.no_credentials") == 0;
        if (f->code_prefix && strncmp(code, f->code_prefix, strlen(f->code_prefix)) == 0)
            prefix = true;
        if (c->findings[i].severity >= f->min_severity)
            sev = true;
    }
    if ((f->nat && !nat) || (f->one_way_audio && !oneway) || (f->auth_failure && !auth) ||
        (f->retransmissions && !retr) || !prefix)
        return false;
    if (f->min_severity > SIP_SEV_INFO && !sev)
        return false;
    return true;
}
