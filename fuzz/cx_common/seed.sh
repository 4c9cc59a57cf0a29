#!/bin/sh
# Captures seeds for the cx fuzz corpora from the ConnexCS simulator: each line below is
# "TARGET CASE_INDEX CASES_IN_TARGET NAME TOOL ARGS"; the capture runs the tool against the
# simulator and stores selector + recorded answers as fuzz/TARGET/corpus/sim-NAME.
# Usage: fuzz/cx_common/seed.sh BUILD_DIR (with cx_fuzz_capture and connexcs-sim built).
set -eu
B=${1:?build dir}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CAP=$(find "$B/fuzz" -name cx_fuzz_capture -type f | head -1)
SIM=${CX_SIM:-$B/connexcs-sim}
[ -x "$SIM" ] || SIM=$ROOT/build/connexcs-sim
T=$(mktemp -d)
"$SIM" --listen 127.0.0.1:0 --now 2026-03-01T12:00:00Z --max-seconds 300 --cdr-count 300 >"$T/out" 2>/dev/null &
SIMPID=$!
trap 'kill $SIMPID 2>/dev/null; rm -rf "$T"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q listening "$T/out" && break; sleep 0.3; done
URL=$(head -1 "$T/out" | sed 's/.* //')
API=$URL/api/cp/
curl -s "$URL/_sim/truth" >"$T/truth"
cid() { python3 -c "import json,sys; print(json.load(open('$T/truth'))['scenarios']['$1']['callid'])"; }
sel() { # a printable selector byte with code % n == index
    c=65; while [ $((c % $2)) -ne "$1" ]; do c=$((c + 1)); done; printf "\\$(printf %o $c)"; }
cap() { # target index n name tool args
    "$CAP" "$API" api@sim.connexcs.net sim-password "$ROOT/fuzz/$1/corpus/sim-$4" "$(sel "$2" "$3")" "$5" "$6"; }
for s in normal auth_407 nat no_route_503 sip_488 invite_retransmission pdd_over_5s anyedge; do
    cap cx_trace 0 4 "trace-$s" getSipTrace "{\"callid\":\"$(cid $s)\"}"
done
for s in normal rtcp_poor class5_ivr nat; do
    cap cx_trace 1 4 "investigate-$s" investigateCall "{\"callid\":\"$(cid $s)\"}"
done
cap cx_trace 2 4 ctrace-phone getCTrace '{"phone":"+1 212 555 0147"}'
cap cx_trace 3 4 ctrace-expired getCTrace "{\"callid\":\"$(cid trace_expired)\"}"
for s in normal rtcp_poor trace_expired; do
    cap cx_rtcp 0 2 "quality-$s" getCallQuality "{\"callid\":\"$(cid $s)\"}"
done
curl -s -X POST -d '{"rtcp_shape":"array"}' "$URL/_sim/config" >/dev/null
cap cx_rtcp 0 2 quality-array-rtcp_poor getCallQuality "{\"callid\":\"$(cid rtcp_poor)\"}"
cap cx_rtcp 1 2 investigate-array-rtcp_poor investigateCall "{\"callid\":\"$(cid rtcp_poor)\"}"
curl -s -X POST -d '{"rtcp_shape":"object","dest_names":"nested"}' "$URL/_sim/config" >/dev/null
cap cx_cdr 0 10 report-3d getCallReport '{"days":3}'
cap cx_cdr 1 10 report-1001 getCallReport '{"days":30,"customer_id":"1001","top_n":3}'
cap cx_cdr 2 10 health getSwitchHealth '{"hours":24}'
cap cx_cdr 3 10 zero findZeroDurationRepeats '{}'
cap cx_cdr 4 10 gaps findRoutingGaps '{}'
cap cx_cdr 5 10 dup findDialPrefixDuplication '{"tech_prefixes":["1010"]}'
cap cx_cdr 6 10 noroute findNoRouteFailures '{}'
cap cx_cdr 7 10 searchcdr searchCdr '{"start_date":"2026-02-27","end_date":"2026-02-28"}'
cap cx_cdr 8 10 analytics getCallAnalytics '{"start_date":"2026-02-20","cli":"44","dst":"44"}'
cap cx_cdr 9 10 logs searchCallLogs '{"search":"4420"}'
cap cx_stats 0 18 profit-month getCustomerProfitability '{"customer_id":"1004","group_by":"month"}'
cap cx_stats 1 18 profit-day getCustomerProfitability '{"customer_id":"1003","group_by":"day"}'
cap cx_stats 2 18 list-profit listCustomersByProfitability '{"sort_by":"profit_margin"}'
cap cx_stats 3 18 call-stats getCustomerCallStatistics '{"company_id":"1001"}'
cap cx_stats 4 18 dest-stats getCustomerDestinationStatistics '{"customer_id":"1003"}'
cap cx_stats 5 18 customers-name searchCustomers '{"query":"test"}'
cap cx_stats 6 18 customers-ip searchCustomers '{"query":"203.0.113.99"}'
cap cx_stats 7 18 customers-sip searchCustomers '{"query":"acme","search_type":"sip_user"}'
cap cx_stats 8 18 balance getCustomerBalance '{"customer_id":"1005"}'
cap cx_stats 9 18 topup getLastTopup '{"customer_id":"1001"}'
cap cx_stats 10 18 rtp-servers listRtpServers '{"zone":"US East"}'
cap cx_stats 11 18 packages getCustomerPackages '{"customerId":"1001"}'
cap cx_stats 12 18 rate-cards getCustomerRateCards '{"customerId":"1001"}'
cap cx_stats 13 18 card getRateCardDetails '{"rateCardId":"AcmE-R8T1"}'
cap cx_stats 14 18 card-rules getRateCardRules '{"rateCardId":"AdCm-EU04","activeRev":"4","include_prefixes":true}'
cap cx_stats 15 18 rtp-groups getRtpServerGroups '{}'
cap cx_stats 16 18 transcript getTranscription "{\"callid\":\"$(cid transcribed)\"}"
cap cx_stats 17 18 ai-agent getAiAgentLogs "{\"callid\":\"$(cid ai_agent)\",\"date\":\"$(python3 -c "import json; print(json.load(open('$T/truth'))['scenarios']['ai_agent']['time'][:10])")\"}"
for d in logging far-end-nat-traversal guides/tshoot-signal customer/cdr no/such-page; do
    cap cx_docs 0 2 "doc-$(echo $d | tr / -)" getDocumentation "{\"path\":\"$d\"}"
done
cap cx_docs 1 2 search-nat searchDocumentation '{"query":"nat traversal"}'
cap cx_docs 1 2 search-none searchDocumentation '{"query":"zzzzqqq"}'
# Big answers slow the fuzzer down: lists in answers over 16 KiB keep their first 12 rows.
python3 - "$ROOT"/fuzz/cx_*/corpus/sim-* <<'PY'
import json, sys
for path in sys.argv[1:]:
    raw = open(path, 'rb').read()
    head, segs = raw[:1], raw[1:].split(b'\n----\n')
    out = []
    for s in segs:
        if len(s) > 16384 and not s.startswith(b'HTTP '):
            try:
                j = json.loads(s)
                if isinstance(j, dict) and isinstance(j.get('data'), list):
                    j['data'] = j['data'][:12]
                elif isinstance(j, list):
                    j = j[:12]
                s = json.dumps(j, separators=(',', ':')).encode()
            except ValueError:
                pass
        out.append(s)
    open(path, 'wb').write(head + b'\n----\n'.join(out))
PY
