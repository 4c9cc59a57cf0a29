/* Fuzz target: ConnexCS breakout rows (breakout-aggrid), invoices, customers, rate cards,
 * packages, RTP servers, transcriptions and AI agent logs. The first byte picks the tool call;
 * the rest are the upstream answers, split at "\n----\n" (see fuzz/cx_common/cx_fuzz.h). */
#include "../cx_common/cx_fuzz.h"

static const cxf_case cases[] = {
    {"getCustomerProfitability", "{\"customer_id\":\"1\",\"group_by\":\"month\"}"},
    {"getCustomerProfitability", "{\"customer_id\":\"1\",\"group_by\":\"day\"}"},
    {"listCustomersByProfitability", "{\"sort_by\":\"profit_margin\"}"},
    {"getCustomerCallStatistics", "{\"company_id\":\"1\"}"},
    {"getCustomerDestinationStatistics", "{\"customer_id\":\"all\"}"},
    {"searchCustomers", "{\"query\":\"acme\"}"},
    {"searchCustomers", "{\"query\":\"1.2.3.4\"}"},
    {"searchCustomers", "{\"query\":\"u\",\"search_type\":\"sip_user\"}"},
    {"getCustomerBalance", "{\"customer_id\":\"1\"}"},
    {"getLastTopup", "{\"customer_id\":\"1\"}"},
    {"listRtpServers", "{\"zone\":\"a\"}"},
    {"getCustomerPackages", "{\"customerId\":\"1\"}"},
    {"getCustomerRateCards", "{\"customerId\":\"1\"}"},
    {"getRateCardDetails", "{\"rateCardId\":\"AB-1\"}"},
    {"getRateCardRules", "{\"rateCardId\":\"AB-1\",\"activeRev\":\"1\",\"include_prefixes\":true}"},
    {"getRtpServerGroups", "{}"},
    {"getTranscription", "{\"callid\":\"x\"}"},
    {"getAiAgentLogs", "{\"callid\":\"x\",\"date\":\"2026-02-01\"}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cxf_run(cases, sizeof cases / sizeof cases[0], false, data, size);
    return 0;
}
