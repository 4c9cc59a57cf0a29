/* The captures made by tests/data/captures/make.sh (SIPp + tcpdump in network namespaces):
 * IPv4/IPv6 fragments, TCP segmentation, VLAN and QinQ tags, SLL and SLL2, early media with
 * PRACK, B2BUA legs (X-CID and number+time), OPTIONS noise. */
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
    char path[512], err[512];
    snprintf(path, sizeof path, "tests/data/captures/%s", name);
    sip_report *r = sip_analyze_file(path, NULL, NULL, NULL, err, sizeof err);
    if (!r)
        fail_msg("%s: %s", path, err);
    return r;
}

/* n INVITE calls, all answered, msgs SIP messages, no retransmission, no warning. */
static void answered(const sip_report *r, size_t n, uint64_t msgs)
{
    assert_int_equal(r->n_invite_calls, n);
    assert_int_equal(r->by_outcome[SIP_OUT_ANSWERED], n);
    assert_int_equal(r->n_messages, msgs);
    assert_int_equal(r->n_retransmissions, 0);
    for (size_t i = 0; i < r->n_calls; i++)
        for (size_t k = 0; k < r->calls[i].n_findings; k++)
            assert_int_equal(r->calls[i].findings[k].severity, SIP_SEV_INFO);
}

static void fragments(void **st)
{
    (void)st;
    sip_report *r = load("frag_udp_ipv4.pcap");
    answered(r, 2, 12);
    assert_int_equal(r->n_ip_fragments, 4); /* each INVITE in two fragments */
    sip_report_free(r);
    r = load("frag_udp_ipv6.pcap");
    answered(r, 2, 12);
    assert_int_equal(r->n_ip_fragments, 4);
    assert_int_equal(r->calls[0].caller.family, 6);
    sip_report_free(r);
}

static void tcp_segments(void **st)
{
    (void)st;
    sip_report *r = load("tcp_segmented.pcap");
    answered(r, 2, 10);
    assert_int_equal(r->n_tcp_streams, 2);
    assert_true(r->n_frames > r->n_messages); /* the INVITEs took more than one segment */
    sip_report_free(r);
}

static void link_layers(void **st)
{
    (void)st;
    const char *files[] = {"vlan.pcap", "vlan_qinq.pcap", "sll.pcap", "sll2.pcap"};
    for (size_t i = 0; i < 4; i++) {
        sip_report *r = load(files[i]);
        answered(r, 2, 12);
        assert_int_equal(r->n_frames_skipped, 0);
        sip_report_free(r);
    }
}

static void early_media_prack(void **st)
{
    (void)st;
    sip_report *r = load("early_prack.pcap");
    answered(r, 2, 16);
    for (size_t i = 0; i < 2; i++) {
        const sip_call *c = &r->calls[i];
        assert_true(c->t.pdd_ms >= 0 && c->t.pdd_ms < 100); /* to the 183 */
        assert_true(c->t.setup_ms > 900 && c->t.setup_ms < 1200);
        assert_true(c->t.ring_ms > 900);
        assert_string_equal(c->codec, "PCMA");
        assert_int_equal(c->n_msgs, 8);
    }
    sip_report_free(r);
}

static void b2bua(void **st)
{
    (void)st;
    const char *files[] = {"b2bua_xcid.pcap", "b2bua_number.pcap"};
    for (size_t f = 0; f < 2; f++) {
        sip_report *r = load(files[f]);
        answered(r, 4, 24);
        assert_int_equal(r->n_leg_groups, 2);
        for (size_t i = 0; i < r->n_calls; i++) {
            size_t idx[8];
            size_t n = sip_report_legs(r, i, idx, 8);
            assert_int_equal(n, 2);
            const sip_call *a = &r->calls[idx[0]], *b = &r->calls[idx[1]];
            /* one leg into 127.0.0.2, the other out of it */
            assert_true(a->callee.ip[3] == 2 || b->callee.ip[3] == 2);
            assert_true(a->caller.ip[3] == 2 || b->caller.ip[3] == 2);
            if (f == 0) {
                const sip_call *out = a->xcid ? a : b, *in = a->xcid ? b : a;
                assert_non_null(out->xcid);
                assert_string_equal(out->xcid, in->call_id);
            }
        }
        sip_report_free(r);
    }
    /* the ladder of leg A carries both legs, three columns */
    char err[256];
    size_t idx[8], n = 0;
    sip_report *r = sip_analyze_file_call("tests/data/captures/b2bua_xcid.pcap", "legA-1@sbc", NULL,
                                          idx, 8, &n, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(n, 2);
    char *l = sip_ladder_text(r, idx, n, false);
    assert_non_null(strstr(l, "127.0.0.1:5070"));
    assert_non_null(strstr(l, "127.0.0.2:5060"));
    assert_non_null(strstr(l, "127.0.0.3:5060"));
    free(l);
    sip_report_free(r);
}

static void options_noise(void **st)
{
    (void)st;
    sip_report *r = load("options_noise.pcap");
    assert_int_equal(r->n_calls, 12);
    assert_int_equal(r->n_options, 10);
    assert_int_equal(r->n_invite_calls, 2);
    assert_true(r->asr > 99.9); /* OPTIONS are not seizures */
    assert_int_equal(r->pdd.n, 2);
    sip_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fragments),     cmocka_unit_test(tcp_segments),
        cmocka_unit_test(link_layers),   cmocka_unit_test(early_media_prack),
        cmocka_unit_test(b2bua),         cmocka_unit_test(options_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
