/* Fuzz target: ConnexCS RTCP answers (log/rtcp), in the {processed, aggregate} object shape
 * or as a bare array of samples, through getCallQuality (first byte even) or investigateCall
 * (odd; trace, class5, RTCP, CDR answers in turn). The rest of the input are the upstream
 * answers, split at "\n----\n" (see fuzz/cx_common/cx_fuzz.h). */
#include "../cx_common/cx_fuzz.h"

static const cxf_case cases[] = {
    {"getCallQuality", "{\"callid\":\"a84b4c76e66710@10.0.0.1\"}"},
    {"investigateCall", "{\"callid\":\"a84b4c76e66710@10.0.0.1\"}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cxf_run(cases, sizeof cases / sizeof cases[0], false, data, size);
    return 0;
}
