/* Fuzz target: ConnexCS SIP traces. The first byte picks the tool call; the rest are the
 * upstream answers (segments split at "\n----\n", see fuzz/cx_common/cx_fuzz.h): log/trace
 * rows become the app-compatible analysis and SIP engine records, verdict and ladder (text and
 * mermaid); getCTrace first resolves a phone number through a log search; investigateCall also
 * reads class5, RTCP and CDR answers. */
#include "../cx_common/cx_fuzz.h"

static const cxf_case cases[] = {
    {"getSipTrace", "{\"callid\":\"a84b4c76e66710@10.0.0.1\"}"},
    {"investigateCall", "{\"callid\":\"a84b4c76e66710@10.0.0.1\"}"},
    {"getCTrace", "{\"phone\":\"+44 20 7946 0999\"}"},
    {"getCTrace", "{\"callid\":\"a84b4c76e66710@10.0.0.1\",\"callidb\":\"CNX2863_abc\"}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cxf_run(cases, sizeof cases / sizeof cases[0], false, data, size);
    return 0;
}
