/* Fuzz target: ConnexCS CDR pages and call logs. The first byte picks the tool call; the
 * rest are the upstream answers, split at "\n----\n" (see fuzz/cx_common/cx_fuzz.h): POST cdr
 * pages fed to the CDR engine (getCallReport, with paging), the switch health and find*
 * diagnostics (routing, rate cards, RTP groups answers too), searchCdr, getCallAnalytics and
 * the log search. */
#include "../cx_common/cx_fuzz.h"

static const cxf_case cases[] = {
    {"getCallReport", "{\"days\":3}"},
    {"getCallReport", "{\"days\":30,\"customer_id\":\"1001\",\"top_n\":3}"},
    {"getSwitchHealth", "{\"hours\":24}"},
    {"findZeroDurationRepeats", "{}"},
    {"findRoutingGaps", "{}"},
    {"findDialPrefixDuplication", "{\"tech_prefixes\":[\"1010\"]}"},
    {"findNoRouteFailures", "{}"},
    {"searchCdr", "{\"start_date\":\"2026-02-01\",\"end_date\":\"2026-02-28\"}"},
    {"getCallAnalytics", "{\"start_date\":\"2026-02-01\",\"cli\":\"4420\",\"dst\":\"4420\"}"},
    {"searchCallLogs", "{\"search\":\"4420\"}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cxf_run(cases, sizeof cases / sizeof cases[0], false, data, size);
    return 0;
}
