/* Every capture in the shared folder against the ground truth its README states, and the two
 * text logs against the pcaps they came from (same calls, same verdicts, same frame numbers for
 * ngrep). The folder is ../shared/captures from the repository root, or $SB_SHARED_CAPTURES. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/sip_read.h"
#include "sip/sip_render.h"

static sip_report *load(const char *name)
{
    const char *dir = getenv("SB_SHARED_CAPTURES");
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "../shared/captures", name);
    sip_report *r = sip_analyze_file(path, NULL, NULL, NULL, err, sizeof err);
    if (!r)
        fail_msg("%s: %s", path, err);
    return r;
}

static const sip_finding *finding(const sip_call *c, const char *code)
{
    for (size_t i = 0; i < c->n_findings; i++)
        if (strcmp(c->findings[i].code, code) == 0)
            return &c->findings[i];
    return NULL;
}

static bool has_warning(const sip_call *c)
{
    for (size_t i = 0; i < c->n_findings; i++)
        if (c->findings[i].severity >= SIP_SEV_WARNING)
            return true;
    return false;
}

/* Every call of the file: kind CALL, this outcome, code, Q.850 (from the Reason header). */
static void all_calls(const sip_report *r, size_t n, sip_outcome o, int code, int q850, bool reason)
{
    assert_int_equal(r->n_calls, n);
    for (size_t i = 0; i < n; i++) {
        const sip_call *c = &r->calls[i];
        assert_int_equal(c->kind, SIP_KIND_CALL);
        assert_int_equal(c->outcome, o);
        assert_int_equal(c->final_code, code);
        assert_int_equal(c->q850, q850);
        if (q850)
            assert_int_equal(c->q850_from_reason, reason);
    }
}

static void ok_calls(void **st)
{
    (void)st;
    sip_report *r = load("ok_calls.pcap");
    all_calls(r, 10, SIP_OUT_ANSWERED, 200, 0, false);
    assert_int_equal(r->n_messages, 60);
    assert_int_equal(r->n_retransmissions, 0);
    for (size_t i = 0; i < r->n_calls; i++) {
        const sip_call *c = &r->calls[i];
        assert_int_equal(c->n_msgs, 6); /* INVITE 180 200 ACK BYE 200: no 100 Trying */
        assert_true(c->t.pdd_ms >= 0 && c->t.pdd_ms < 50);
        assert_true(c->t.talk_ms > 1900 && c->t.talk_ms < 2200);
        assert_true(c->t.disconnect_ms >= 0);
        assert_false(has_warning(c));
        assert_string_equal(c->codec, "PCMU");
    }
    assert_true(r->asr > 99.9);
    assert_int_equal(r->pdd.n, 10);
    assert_true(r->talk.median > 1900 && r->talk.p95 < 2200);
    sip_report_free(r);
}

static void ok_calls_tcp_ipv6(void **st)
{
    (void)st;
    sip_report *r = load("ok_calls_tcp.pcap");
    all_calls(r, 5, SIP_OUT_ANSWERED, 200, 0, false);
    assert_int_equal(r->n_messages, 30);
    assert_int_equal(r->n_retransmissions, 0);
    assert_int_equal(r->n_tcp_streams, 2);
    sip_report_free(r);
    r = load("ok_calls_ipv6.pcap");
    all_calls(r, 3, SIP_OUT_ANSWERED, 200, 0, false);
    assert_int_equal(r->calls[0].caller.family, 6);
    assert_int_equal(r->calls[0].callee.port, 5060);
    sip_report_free(r);
}

static void hold(void **st)
{
    (void)st;
    sip_report *r = load("hold_reinvite.pcap");
    all_calls(r, 1, SIP_OUT_ANSWERED, 200, 0, false);
    const sip_call *c = &r->calls[0];
    assert_true(c->on_hold);
    const sip_finding *f = finding(c, "media.hold");
    assert_non_null(f);
    assert_int_equal(f->severity, SIP_SEV_INFO);
    assert_null(finding(c, "media.one_way"));
    assert_false(has_warning(c));
    sip_report_free(r);
}

static void failures(void **st)
{
    (void)st;
    static const struct {
        const char *file;
        int code, q850;
        bool ringing;
        double final_ms;
        const char *category;
    } cases[] = {
        {"fail_404.pcap", 404, 1, false, 3000, "routing"},
        {"fail_486_busy.pcap", 486, 17, true, 1500, "user"},
        {"fail_480_noanswer.pcap", 480, 19, true, 1500, "user"},
        {"fail_603_decline.pcap", 603, 21, true, 1500, "user"},
        {"fail_503_noroute.pcap", 503, 34, false, 3000, "routing"},
        {"fail_408_timeout.pcap", 408, 102, false, 3000, "timeout"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sip_report *r = load(cases[k].file);
        all_calls(r, 3, SIP_OUT_FAILED, cases[k].code, cases[k].q850, true);
        for (size_t i = 0; i < 3; i++) {
            const sip_call *c = &r->calls[i];
            assert_string_equal(c->category, cases[k].category);
            if (cases[k].ringing) {
                assert_true(c->t.pdd_ms >= 0);
                assert_true(c->t.ring_ms > cases[k].final_ms - 200 && c->t.ring_ms < cases[k].final_ms + 300);
            } else {
                assert_true(c->t.pdd_ms < 0); /* no 18x: PDD undefined */
            }
            assert_true(c->t.final_ms > cases[k].final_ms - 200 && c->t.final_ms < cases[k].final_ms + 300);
            assert_int_equal(c->n_retrans, 0);
            const sip_finding *f = finding(c, "call.failed");
            assert_non_null(f);
            assert_true(f->n_ev >= 2);
        }
        assert_true(r->asr < 0.1);
        sip_report_free(r);
    }
}

static void codec_488(void **st)
{
    (void)st;
    sip_report *r = load("codec_488.pcap");
    all_calls(r, 2, SIP_OUT_FAILED, 488, 65, true);
    const sip_call *c = &r->calls[0];
    assert_int_equal(c->warning_code, 305);
    assert_non_null(strstr(c->warning_text, "Incompatible media format"));
    const sip_finding *f = finding(c, "media.codec_rejected");
    assert_non_null(f);
    assert_non_null(strstr(f->text, "G729"));
    assert_non_null(strstr(f->text, "305"));
    assert_string_equal(c->category, "media");
    sip_report_free(r);
}

static void invite_retransmissions(void **st)
{
    (void)st;
    sip_report *r = load("invite_noanswer_retrans.pcap");
    assert_int_equal(r->n_calls, 1);
    const sip_call *c = &r->calls[0];
    assert_int_equal(c->outcome, SIP_OUT_NO_RESPONSE);
    assert_int_equal(c->final_code, 0);
    assert_int_equal(c->n_msgs, 7);
    assert_int_equal(c->n_retrans, 6);
    const sip_finding *f = finding(c, "sip.retransmissions");
    assert_non_null(f);
    assert_int_equal(f->n_ev, 7);
    assert_non_null(strstr(f->text, "7 times over 31.5 s"));
    assert_non_null(strstr(f->text, "follows the RFC 3261 Timer A"));
    static const double at[] = {0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5};
    for (int i = 0; i < 7; i++) {
        double dt = (double)(f->ev[i].time_us - f->ev[0].time_us) / 1e6;
        assert_true(dt > at[i] - 0.1 && dt < at[i] + 0.1);
    }
    assert_non_null(finding(c, "call.no_response"));
    sip_report_free(r);
}

static void cancel(void **st)
{
    (void)st;
    sip_report *r = load("cancel_487.pcap");
    all_calls(r, 2, SIP_OUT_CANCELLED, 487, 16, true);
    assert_string_equal(r->calls[0].category, "cancelled");
    assert_false(has_warning(&r->calls[0]));
    assert_true(r->calls[0].t.pdd_ms >= 0);
    sip_report_free(r);
}

static void auth(void **st)
{
    (void)st;
    sip_report *r = load("auth_invite_407.pcap");
    all_calls(r, 2, SIP_OUT_ANSWERED, 200, 0, false);
    for (size_t i = 0; i < 2; i++) {
        const sip_call *c = &r->calls[i];
        assert_int_equal(c->n_auth_challenges, 1);
        assert_true(c->auth_ok);
        assert_int_equal(c->n_retrans, 0); /* the CSeq 2 INVITE is a new transaction */
        assert_non_null(finding(c, "auth.accepted"));
        assert_false(has_warning(c));
    }
    assert_true(r->asr > 99.9); /* each dialog counted once */
    sip_report_free(r);

    r = load("register_401_ok.pcap");
    assert_int_equal(r->n_calls, 1);
    assert_int_equal(r->n_invite_calls, 0);
    assert_int_equal(r->n_register, 1);
    assert_int_equal(r->calls[0].kind, SIP_KIND_REGISTER);
    assert_int_equal(r->calls[0].outcome, SIP_OUT_ANSWERED);
    assert_non_null(finding(&r->calls[0], "auth.accepted"));
    assert_true(r->asr < 0); /* no seizures: REGISTER does not count */
    sip_report_free(r);

    r = load("register_401_loop.pcap");
    const sip_call *c = &r->calls[0];
    assert_int_equal(c->kind, SIP_KIND_REGISTER);
    assert_int_equal(c->outcome, SIP_OUT_FAILED);
    assert_int_equal(c->final_code, 403);
    assert_int_equal(c->n_auth_challenges, 3);
    assert_int_equal(c->n_retrans, 0);
    const sip_finding *f = finding(c, "auth.loop");
    assert_non_null(f);
    assert_int_equal(f->severity, SIP_SEV_ERROR);
    assert_non_null(strstr(f->text, "403"));
    sip_report_free(r);
}

static void nat(void **st)
{
    (void)st;
    static const char *const codes[] = {
        "nat.private_contact", "nat.via_source_mismatch", "nat.private_via", "nat.private_sdp",
        "nat.via_port_mismatch", "nat.contact_source_mismatch", "nat.contact_port_mismatch",
        "nat.received_rport", "nat.detected", "media.sdp_unreachable",
    };
    sip_report *r = load("nat_private_contact.pcap");
    all_calls(r, 1, SIP_OUT_ANSWERED, 200, 0, false);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_non_null(finding(&r->calls[0], codes[i]));
    assert_null(finding(&r->calls[0], "nat.no_ack"));
    sip_report_free(r);

    r = load("nat_no_ack.pcap");
    all_calls(r, 1, SIP_OUT_ANSWERED, 200, 0, false);
    const sip_call *c = &r->calls[0];
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_non_null(finding(c, codes[i]));
    const sip_finding *f = finding(c, "nat.no_ack");
    assert_non_null(f);
    assert_int_equal(f->severity, SIP_SEV_ERROR);
    assert_non_null(strstr(f->text, "11 times"));
    assert_non_null(strstr(f->text, "32 s"));
    assert_int_equal(c->n_retrans, 10);
    assert_true(c->t.talk_ms > 31500 && c->t.talk_ms < 33000);
    f = finding(c, "sip.retransmissions");
    assert_non_null(f);
    assert_non_null(strstr(f->text, "follows"));
    sip_report_free(r);
}

static void rtp(void **st)
{
    (void)st;
    sip_report *r = load("rtp_twoway.pcap");
    all_calls(r, 1, SIP_OUT_ANSWERED, 200, 0, false);
    const sip_call *c = &r->calls[0];
    assert_string_equal(c->codec, "PCMA");
    assert_int_equal(c->n_rtp, 2);
    assert_true(c->rtp[0].from_caller != c->rtp[1].from_caller);
    assert_int_equal(c->rtp[0].ssrc, c->rtp[1].ssrc); /* echoed */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(c->rtp[i].packets, 236);
        assert_int_equal(c->rtp[i].lost, 0);
        assert_int_equal(c->rtp[i].payload_type, 8);
        assert_true(c->rtp[i].mean_delta_ms > 29.5 && c->rtp[i].mean_delta_ms < 30.5);
        assert_true(c->rtp[i].max_delta_ms > 30 && c->rtp[i].max_delta_ms < 40);
    }
    assert_null(finding(c, "media.one_way"));
    assert_false(has_warning(c));
    sip_report_free(r);

    r = load("rtp_oneway.pcap");
    c = &r->calls[0];
    assert_int_equal(c->n_rtp, 1);
    assert_int_equal(c->rtp[0].packets, 236);
    assert_true(c->rtp[0].from_caller);
    const sip_finding *f = finding(c, "media.one_way");
    assert_non_null(f);
    assert_int_equal(f->severity, SIP_SEV_ERROR);
    sip_report_free(r);
}

static void mixed(void **st)
{
    (void)st;
    sip_report *r = load("mixed_outcomes.pcapng");
    assert_string_equal(r->source_format, "pcapng");
    assert_int_equal(r->n_calls, 40);
    assert_int_equal(r->n_messages, 237);
    assert_int_equal(r->n_retransmissions, 16);
    assert_int_equal(r->n_invite_calls, 38);
    assert_int_equal(r->n_register, 2);
    assert_int_equal(r->by_outcome[SIP_OUT_ANSWERED], 15);
    assert_int_equal(r->by_outcome[SIP_OUT_FAILED], 20);
    assert_int_equal(r->by_outcome[SIP_OUT_CANCELLED], 2);
    assert_int_equal(r->by_outcome[SIP_OUT_NO_RESPONSE], 1);
    size_t final300 = 0;
    for (size_t i = 0; i < r->n_calls; i++)
        final300 += r->calls[i].final_code >= 300;
    assert_int_equal(final300, 23); /* as the throwaway grouper counted */
    sip_report_free(r);
}

/* Calls compared field by field (and frame numbers when same_frames). */
static void same_calls(const sip_report *a, const sip_report *b, bool same_frames)
{
    assert_int_equal(a->n_calls, b->n_calls);
    assert_int_equal(a->n_messages, b->n_messages);
    assert_int_equal(a->n_retransmissions, b->n_retransmissions);
    for (size_t i = 0; i < a->n_calls; i++) {
        const sip_call *x = &a->calls[i];
        const sip_call *y = sip_report_find_call(b, x->call_id);
        assert_non_null(y);
        assert_int_equal(x->outcome, y->outcome);
        assert_int_equal(x->final_code, y->final_code);
        assert_int_equal(x->q850, y->q850);
        assert_int_equal(x->n_msgs, y->n_msgs);
        assert_int_equal(x->n_retrans, y->n_retrans);
        assert_true(sip_addr_equal(&x->caller, &y->caller));
        assert_true(sip_addr_equal(&x->callee, &y->callee));
        assert_int_equal(x->n_findings, y->n_findings);
        for (size_t k = 0; k < x->n_findings; k++) {
            assert_string_equal(x->findings[k].code, y->findings[k].code);
            if (same_frames && x->findings[k].n_ev)
                assert_int_equal(x->findings[k].ev[0].frame, y->findings[k].ev[0].frame);
        }
        assert_true(x->start_us - y->start_us < 1000 && y->start_us - x->start_us < 1000);
    }
}

static void text_logs_match_pcaps(void **st)
{
    (void)st;
    sip_report *a = load("mixed_outcomes.pcapng"), *b = load("mixed_outcomes.ngrep.txt");
    assert_string_equal(b->source_format, "ngrep");
    same_calls(a, b, true);
    sip_report_free(a);
    sip_report_free(b);
    a = load("ok_calls.pcap");
    b = load("ok_calls.sipp-trace_msg.log");
    assert_string_equal(b->source_format, "sipp-trace");
    same_calls(a, b, false);
    sip_report_free(a);
    sip_report_free(b);
}

static void renderers(void **st)
{
    (void)st;
    const char *dir = getenv("SB_SHARED_CAPTURES");
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/mixed_outcomes.pcapng", dir ? dir : "../shared/captures");
    size_t idx[4], n = 0;
    sip_report *r = sip_analyze_file_call(path, "1-25617@127.0.0.1", NULL, idx, 4, &n, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(n, 1);
    const sip_call *c = &r->calls[idx[0]];
    assert_int_equal(c->n_msgs_kept, 10);
    char *l = sip_ladder_text(r, idx, n, true);
    assert_non_null(strstr(l, "127.0.0.1:5070"));
    assert_non_null(strstr(l, "407 Proxy"));
    assert_non_null(strstr(l, "INVITE (SDP) #183"));
    free(l);
    char *m = sip_ladder_mermaid(r, idx, n);
    assert_true(strncmp(m, "sequenceDiagram\n", 16) == 0);
    assert_non_null(strstr(m, "P1->>P2: INVITE with SDP"));
    free(m);
    char *v = sip_call_verdict(c);
    assert_non_null(strstr(v, "answered"));
    free(v);
    json_t *j = sip_call_json(c, true);
    assert_int_equal(json_array_size(json_object_get(j, "flow")), 10);
    /* the INVITE with credentials: its digest response is masked in the raw text */
    const char *raw = json_string_value(json_object_get(json_array_get(json_object_get(j, "flow"), 3), "raw"));
    assert_non_null(strstr(raw, "Proxy-Authorization:"));
    const char *resp = strstr(raw, "response=\"");
    assert_non_null(resp);
    assert_true(resp[10] == '*' && resp[11] == '*');
    json_decref(j);
    j = sip_report_json(r, 0, 5);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "calls")), 5);
    assert_true(json_is_true(json_object_get(j, "hasMore")));
    assert_true(json_array_size(json_object_get(j, "problems")) >= 5);
    json_decref(j);
    sip_report_free(r);
    r = sip_analyze_file_call(path, "no-such-call", NULL, idx, 4, &n, err, sizeof err);
    assert_null(r);
    assert_non_null(strstr(err, "not in"));
}

/* The two-thread pipeline gives exactly the one-thread result (every shared capture). */
static void pipeline_same_result(void **st)
{
    (void)st;
    static const char *const files[] = {
        "mixed_outcomes.pcapng", "ok_calls_tcp.pcap", "rtp_twoway.pcap", "rtp_oneway.pcap",
        "ok_calls_ipv6.pcap", "mixed_outcomes.ngrep.txt", "ok_calls.sipp-trace_msg.log",
    };
    const char *dir = getenv("SB_SHARED_CAPTURES");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1024], err[256];
        snprintf(path, sizeof path, "%s/%s", dir ? dir : "../shared/captures", files[i]);
        sip_read_opts one = {.threads = 1}, two = {.threads = 2};
        sip_report *a = sip_analyze_file(path, NULL, &one, NULL, err, sizeof err);
        sip_report *b = sip_analyze_file(path, NULL, &two, NULL, err, sizeof err);
        assert_non_null(a);
        assert_non_null(b);
        json_t *ja = sip_report_json(a, 0, 1000), *jb = sip_report_json(b, 0, 1000);
        assert_true(json_equal(ja, jb));
        json_decref(ja);
        json_decref(jb);
        sip_report_free(a);
        sip_report_free(b);
    }
}

static void truncated_files(void **st)
{
    (void)st;
    const char *dir = getenv("SB_SHARED_CAPTURES");
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/ok_calls_tcp.pcap", dir ? dir : "../shared/captures");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    for (size_t cut = 1; cut < n; cut += 37) {
        sip_engine *e = sip_engine_new(NULL);
        sip_read_stats s;
        (void)sip_read_buffer(buf, cut, e, NULL, &s, err, sizeof err);
        sip_report *r = sip_engine_finish(e);
        assert_non_null(r);
        sip_report_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ok_calls),         cmocka_unit_test(ok_calls_tcp_ipv6),
        cmocka_unit_test(hold),             cmocka_unit_test(failures),
        cmocka_unit_test(codec_488),        cmocka_unit_test(invite_retransmissions),
        cmocka_unit_test(cancel),           cmocka_unit_test(auth),
        cmocka_unit_test(nat),              cmocka_unit_test(rtp),
        cmocka_unit_test(mixed),            cmocka_unit_test(text_logs_match_pcaps),
        cmocka_unit_test(renderers),        cmocka_unit_test(truncated_files),
        cmocka_unit_test(pipeline_same_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
