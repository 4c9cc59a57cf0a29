/* Every 3CX tool against the XAPI simulator, in-process through the MCP core (argument
 * validation, handler, output-schema check with SB_CHECK_OUTPUT=1). Each case is data: the
 * tool call, the exact upstream requests the simulator logged (decoded, token requests left
 * out), the request bodies of writes, and checks on the result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connect/http.h"
#include "harness.h"

#define USERSEL "Id,Number,FirstName,LastName,DisplayName,EmailAddress,Mobile,IsRegistered,CurrentProfileName,QueueStatus,Enabled"
#define QSEL "Id,Number,Name,PollingStrategy,RingTimeout,MasterTimeout,IsRegistered"
#define CSEL "Id,FirstName,LastName,CompanyName,Title,Department,Email,PhoneNumber,Business,Business2,BusinessFax,Home,Mobile2,Other,Pager,ContactType"
#define CALLLOG(from, to)                                                                                   \
    "GET /xapi/v1/ReportCallLogData/Pbx.GetCallLogData(periodFrom=" from ",periodTo=" to ",sourceType=0,"    \
    "sourceFilter='',destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,"               \
    "callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)?$top=500&$skip=0&$count=true"
#define CONTAINS6(f1, q)                                                                                    \
    "(contains(tolower(FirstName)," q ") or contains(tolower(LastName)," q ") or contains(tolower(CompanyName)," q \
    ") or contains(tolower(Email)," q ") or contains(tolower(Business)," q ") or contains(tolower(PhoneNumber)," q "))"
#define UCONTAINS(q)                                                                                        \
    "(contains(tolower(FirstName)," q ") or contains(tolower(LastName)," q ") or contains(tolower(DisplayName)," q \
    ") or contains(tolower(EmailAddress)," q ") or contains(tolower(Mobile)," q ") or contains(tolower(Number)," q "))"

#define NONE "-" /* requests[0] = NONE: no upstream request at all */

typedef struct tool_case {
    const char *tool;
    const char *args;
    const char *requests[6];  /* exact lines; {NULL} = not checked; {NONE} = none at all */
    const char *bodies[6];    /* JSON of each request body (NULL = not checked) */
    bool is_error;
    const char *checks[8];    /* "path=JSON", "text~substring", "notext~substring", "!path" (absent) */
} tool_case;

/* Reads: no state changes. */
static const tool_case read_cases[] = {
    {"get_system_status", "{}", {"GET /xapi/v1/SystemStatus"}, {0}, false,
     {"structuredContent/status/Version=\"20.0.10.1000\"", "text~extensions registered", "structuredContent/pbx=\"default\""}},
    {"find_users", "{\"query\":\"o'brien\"}",
     {"GET /xapi/v1/Users?$filter=" UCONTAINS("'o''brien'") " and Enabled eq true&$select=" USERSEL
      "&$orderby=Number asc&$top=25&$skip=0&$count=true"},
     {0}, false, {"structuredContent/total=1", "structuredContent/users/0/Number=\"101\"", "structuredContent/hasMore=false"}},
    {"find_users", "{\"onlyRegistered\":true,\"top\":2}",
     {"GET /xapi/v1/Users?$filter=Enabled eq true and IsRegistered eq true&$select=" USERSEL
      "&$orderby=Number asc&$top=2&$skip=0&$count=true"},
     {0}, false, {"structuredContent/total=5", "structuredContent/returned=2", "structuredContent/hasMore=true"}},
    {"find_users", "{\"query\":\"+49 731 123456\"}",
     {"GET /xapi/v1/Users?$filter=Enabled eq true&$select=" USERSEL "&$orderby=Number asc&$top=100&$skip=0"},
     {0}, false, {"structuredContent/matchMode=\"phone\"", "structuredContent/users/0/Number=\"100\"", "structuredContent/total=1"}},
    {"find_users", "{\"query\":\"0176 1234567\"}", {NULL}, {0}, false,
     {"structuredContent/users/0/Number=\"101\"", "structuredContent/total=1"}},
    {"find_users", "{\"query\":\"+4917612345\"}", {NULL}, {0}, false,
     {"structuredContent/users/0/Number=\"102\"", "structuredContent/total=1"}},
    {"find_users", "{\"query\":\"') or (1 eq 1\"}",
     {"GET /xapi/v1/Users?$filter=" UCONTAINS("''') or (1 eq 1'") " and Enabled eq true&$select=" USERSEL
      "&$orderby=Number asc&$top=25&$skip=0&$count=true"},
     {0}, false, {"structuredContent/total=0"}},
    {"get_user", "{\"extension\":\"101\"}", {"GET /xapi/v1/Users?$filter=Number eq '101'&$top=1&$expand=Groups"}, {0},
     false,
     {"structuredContent/user/Id=27", "structuredContent/user/AuthPassword=\"***redacted***\"",
      "structuredContent/user/VMPIN=\"***redacted***\"", "structuredContent/user/DeskphonePassword=\"***redacted***\"",
      "text~User Id 27"}},
    {"get_user", "{\"extension\":\"999\"}", {"GET /xapi/v1/Users?$filter=Number eq '999'&$top=1&$expand=Groups"}, {0},
     true, {"text~No user with extension '999'"}},
    {"get_user", "{\"extension\":\"1' or Number ne '\"}",
     {"GET /xapi/v1/Users?$filter=Number eq '1'' or Number ne '''&$top=1&$expand=Groups"}, {0}, true,
     {"text~No user with extension"}},
    {"get_extension_status", "{\"extension\":\"102\"}",
     {"GET /xapi/v1/Users?$filter=Number eq '102'&$top=1&$select=Number,DisplayName,IsRegistered,CurrentProfileName,QueueStatus,Enabled"},
     {0}, false,
     {"structuredContent/isRegistered=false", "structuredContent/currentProfile=\"Away\"",
      "structuredContent/queueStatus=\"LoggedOut\""}},
    {"list_departments", "{}",
     {"GET /xapi/v1/Groups?$select=Id,Name,Number,Language,TimeZoneId,IsDefault&$orderby=Name asc&$top=50&$skip=0&$count=true"},
     {0}, false, {"structuredContent/total=2", "structuredContent/departments/1/Name=\"Sales\""}},
    {"list_departments", "{\"name\":\"Sa'les\"}",
     {"GET /xapi/v1/Groups?$filter=(contains(tolower(Name),'sa''les'))&$select=Id,Name,Number,Language,TimeZoneId,IsDefault&$orderby=Name asc&$top=50&$skip=0&$count=true"},
     {0}, false, {"structuredContent/total=0"}},
    {"list_trunks", "{}",
     {"GET /xapi/v1/Trunks?$select=Id,Number,Gateway,IsOnline,Direction,SimultaneousCalls,ExternalNumber&$orderby=Number asc&$count=true"},
     {0}, false,
     {"structuredContent/trunks/0/Name=\"Provider A\"", "structuredContent/online=1", "structuredContent/trunks/1/IsOnline=false"}},
    {"get_trunk_details", "{\"id\":1}", {"GET /xapi/v1/Trunks(1)"}, {0}, false,
     {"structuredContent/trunk/Name=\"Provider A\"", "structuredContent/trunk/Gateway/Name=\"Provider A\""}},
    {"get_trunk_details", "{\"number\":\"10001\"}", {"GET /xapi/v1/Trunks(Number='10001')"}, {0}, false,
     {"structuredContent/trunk/IsOnline=false"}},
    {"get_trunk_details", "{\"id\":77}", {"GET /xapi/v1/Trunks(77)"}, {0}, true, {"text~404"}},
    {"get_trunk_details", "{}", {NONE}, {0}, true, {"text~Say which trunk"}},
    {"get_active_calls", "{}", {"GET /xapi/v1/ActiveCalls?$orderby=EstablishedAt asc&$top=500&$count=true"}, {0}, false,
     {"structuredContent/returned=3", "structuredContent/calls/0/Status=\"Talking\"", "text~Talking for"}},
    {"get_event_logs", "{\"type\":\"Error\",\"top\":5}",
     {"GET /xapi/v1/EventLogs?$filter=Type eq 'Error'&$orderby=TimeGenerated desc&$top=5&$skip=0&$count=true"}, {0}, false,
     {"structuredContent/events/0/Type=\"Error\"", "text~newest first"}},
    {"get_event_logs", "{\"since\":\"2026-06-15T00:00:00+02:00\"}",
     {"GET /xapi/v1/EventLogs?$filter=TimeGenerated ge 2026-06-14T22:00:00Z&$orderby=TimeGenerated desc&$top=50&$skip=0&$count=true"},
     {0}, false, {"text~event(s)"}},
    {"find_queues", "{\"query\":\"support\"}",
     {"GET /xapi/v1/Queues?$select=" QSEL "&$orderby=Number asc&$top=500"}, {0}, false,
     {"structuredContent/queues/0/Number=\"800\"", "structuredContent/queues/0/matchedBy=\"exact-name\"",
      "structuredContent/queues/1/Number=\"802\"", "structuredContent/returned=2"}},
    {"get_queue_agents", "{\"queue\":\"support\",\"loggedInOnly\":true}",
     {"GET /xapi/v1/Queues?$expand=Agents&$select=" QSEL "&$orderby=Number asc&$top=500",
      "GET /xapi/v1/Users?$filter=Number eq '100' or Number eq '101' or Number eq '102'&$select=Number,DisplayName,"
      "QueueStatus,IsRegistered,CurrentProfileName&$top=50"},
     {0}, false,
     {"structuredContent/agentCount=3", "structuredContent/loggedIn=2", "structuredContent/returned=2",
      "structuredContent/agents/0/loggedIn=true", "structuredContent/queue/Number=\"800\""}},
    {"get_queue_agents", "{\"queue\":\"801\"}", {NULL}, {0}, false,
     {"structuredContent/agents/1/number=\"104\"", "structuredContent/agents/1/loggedIn=false",
      "structuredContent/resolvedBy=\"exact-number\""}},
    {"get_queue_agents", "{\"queue\":\"80\"}", {"GET /xapi/v1/Queues?$expand=Agents&$select=" QSEL "&$orderby=Number asc&$top=500"},
     {0}, true, {"text~matches 3 queues", "text~802 \"Support Level 2\""}},
    {"get_queue_agents", "{\"queue\":\"nothing-like-this\"}", {NULL}, {0}, true, {"text~No queue matches"}},
    {"list_ring_groups", "{}",
     {"GET /xapi/v1/RingGroups?$expand=Members&$select=Id,Number,Name,RingStrategy,RingTime,IsRegistered&$orderby=Number asc&$top=500&$count=true"},
     {0}, false, {"structuredContent/ringGroups/0/members/1/number=\"105\"", "structuredContent/ringGroups/0/Name=\"Reception\""}},
    {"search_contacts", "{\"query\":\"') or (1 eq 1\"}",
     {"GET /xapi/v1/Contacts?$filter=" CONTAINS6(, "''') or (1 eq 1'") "&$select=" CSEL
      "&$orderby=LastName asc&$top=25&$skip=0&$count=true"},
     {0}, false, {"structuredContent/returned=0", "structuredContent/total=0"}},
    {"search_contacts", "{\"query\":\"ZENTRALE MÜLLER\"}", {NULL}, {0}, false,
     {"structuredContent/returned=0"}},
    {"search_contacts", "{\"query\":\"MÜLLER\"}",
     {"GET /xapi/v1/Contacts?$filter=" CONTAINS6(, "'müller'") "&$select=" CSEL "&$orderby=LastName asc&$top=25&$skip=0&$count=true"},
     {0}, false, {"structuredContent/returned=2"}},
    {"search_contacts", "{\"query\":\"+49 731 5553456\"}",
     {"GET /xapi/v1/Contacts?$filter=" CONTAINS6(, "'+49 731 5553456'") "&$select=" CSEL "&$orderby=LastName asc&$top=25&$skip=0&$count=true",
      "GET /xapi/v1/Contacts?$select=" CSEL "&$orderby=Id asc&$top=100&$skip=0"},
     {0}, false, {"structuredContent/matchMode=\"phone\"", "structuredContent/contacts/0/FirstName=\"Karl\"", "structuredContent/returned=1"}},
    {"search_contacts", "{\"query\":\"O'Neil\"}", {NULL}, {0}, false,
     {"structuredContent/returned=1", "structuredContent/contacts/0/FirstName=\"Eva\""}},
    {"search_contacts", "{\"query\":\"100%\"}",
     {"GET /xapi/v1/Contacts?$filter=" CONTAINS6(, "'100%'") "&$select=" CSEL "&$orderby=LastName asc&$top=25&$skip=0&$count=true"},
     {0}, false, {"structuredContent/returned=1", "structuredContent/contacts/0/CompanyName=\"100% Deals\""}},
    {"search_contacts", "{\"query\":\"Yılmaz\"}", {NULL}, {0}, false, {"structuredContent/contacts/0/FirstName=\"Ali\""}},
    {"find_contact_by_phone", "{\"phone\":\"0731 5551234\"}",
     {"GET /xapi/v1/Contacts?$select=" CSEL "&$orderby=Id asc&$top=100&$skip=0"}, {0}, false,
     {"structuredContent/matchMode=\"exact\"", "structuredContent/returned=2", "structuredContent/contacts/0/LastName=\"Müller\""}},
    {"find_contact_by_phone", "{\"phone\":\"+49 176 5554567\"}", {NULL}, {0}, false,
     {"structuredContent/contacts/0/FirstName=\"Sophie\"", "structuredContent/contacts/0/matchedField=\"Mobile2\""}},
    {"find_contact_by_phone", "{\"phone\":\"0049 731 5556789\"}", {NULL}, {0}, false,
     {"structuredContent/returned=1", "structuredContent/contacts/0/FirstName=\"Lisa\""}},
    {"find_contact_by_phone", "{\"phone\":\"+49 89 000000\"}", {NULL}, {0}, false, {"structuredContent/matchMode=\"none\""}},
    {"get_forwarding_profiles", "{\"extension\":\"104\"}",
     {"GET /xapi/v1/Users?$filter=Number eq '104'&$top=1&$select=Id,Number,DisplayName,CurrentProfileName&$expand=ForwardingProfiles"},
     {0}, false,
     {"structuredContent/currentProfile=\"Custom 1\"", "structuredContent/profiles/3/active=true",
      "structuredContent/profiles/3/CustomName=\"Lunch\""}},
    {"get_call_history", "{\"date\":\"2026-06-15\"}", {CALLLOG("2026-06-14T22:00:00Z", "2026-06-15T21:59:59Z")}, {0},
     false, {"structuredContent/window/hours=24.0", "structuredContent/timezone=\"Europe/Berlin\""}},
    {"get_call_history", "{\"date\":\"2026-06-15\",\"includeSegments\":true,\"extension\":\"101\",\"top\":1}", {NULL},
     {0}, false,
     {"structuredContent/calls/0/segmentRows/0/DestinationCallerId=\"Ext.101\"", "structuredContent/calls/0/segments=3",
      "structuredContent/hasMore=true"}},
    {"get_call_history", "{\"date\":\"2026-06-15\",\"top\":1}", {NULL}, {0}, false, {"!structuredContent/calls/0/segmentRows"}},
    {"get_call_history", "{\"date\":\"2026-06-15\",\"missedOnly\":true}", {NULL}, {0}, false,
     {"structuredContent/calls/0/status=\"missed\""}},
    {"get_call_history", "{\"date\":\"2026-06-15\",\"extension\":\"Ext.101\"}", {NULL}, {0}, false,
     {"structuredContent/matchedCalls=3", "structuredContent/calls/0/answeredBy=\"101\""}},
    {"get_call_history", "{\"date\":\"2026-06-15\",\"queue\":\"Support\"}",
     {"GET /xapi/v1/Queues?$select=" QSEL "&$orderby=Number asc&$top=500", CALLLOG("2026-06-14T22:00:00Z", "2026-06-15T21:59:59Z")},
     {0}, false, {"structuredContent/matchedCalls=2", "structuredContent/calls/0/to=\"800\""}},
    {"get_call_history", "{\"date\":\"2026-03-29\",\"timezone\":\"Europe/Berlin\"}",
     {CALLLOG("2026-03-28T23:00:00Z", "2026-03-29T21:59:59Z")}, {0}, false,
     {"structuredContent/window/hours=23.0", "text~23 hours", "structuredContent/matchedCalls=2", "text~(first)",
      "text~(last)", "notext~(after)", "notext~(before)"}},
    {"get_call_history", "{\"date\":\"2026-10-25\",\"timezone\":\"Europe/Berlin\"}",
     {CALLLOG("2026-10-24T22:00:00Z", "2026-10-25T22:59:59Z")}, {0}, false,
     {"structuredContent/window/hours=25.0", "structuredContent/matchedCalls=2", "text~(first)", "text~(last)",
      "notext~(after)", "notext~(before)"}},
    {"get_call_history", "{\"date\":\"2026-03-08\",\"timezone\":\"America/New_York\"}",
     {CALLLOG("2026-03-08T05:00:00Z", "2026-03-09T03:59:59Z")}, {0}, false,
     {"structuredContent/window/hours=23.0", "structuredContent/matchedCalls=2", "text~(first)", "text~(last)",
      "notext~(after)", "notext~(before)"}},
    {"get_call_history", "{\"date\":\"2026-11-01\",\"timezone\":\"America/New_York\"}",
     {CALLLOG("2026-11-01T04:00:00Z", "2026-11-02T04:59:59Z")}, {0}, false,
     {"structuredContent/window/hours=25.0", "structuredContent/matchedCalls=2", "text~(first)", "text~(last)",
      "notext~(after)", "notext~(before)"}},
    {"get_call_history", "{\"scope\":\"date\"}", {NONE}, {0}, true, {"text~YYYY-MM-DD"}},
    {"get_call_history", "{\"date\":\"2026-02-30\"}", {NONE}, {0}, true, {"text~YYYY-MM-DD"}},
    {"get_call_history", "{\"timezone\":\"../../etc/passwd\"}", {NONE}, {0}, true, {"text~time zone"}},
    {"list_pbxs", "{}", {"GET /xapi/v1/Defs?$select=Id"}, {0}, false,
     {"structuredContent/reachable=1", "structuredContent/pbxs/0/timezone=\"Europe/Berlin\""}},
};

/* Writes, in order, on a freshly reset simulator. */
static const tool_case write_cases[] = {
    {"create_user", "{\"firstName\":\"Neu\",\"lastName\":\"User\",\"email\":\"neu@example.com\"}", {NONE}, {0}, false,
     {"structuredContent/status=\"preview\"", "text~call the tool again", "structuredContent/request/FirstName=\"Neu\""}},
    {"create_user", "{\"number\":\"101\",\"firstName\":\"Neu\",\"lastName\":\"User\",\"email\":\"neu@example.com\",\"confirm\":true}",
     {"GET /xapi/v1/Users?$filter=Number eq '101'&$select=Id,Number,DisplayName&$top=1"}, {0}, true,
     {"text~already used by Seán O'Brien"}},
    {"create_user", "{\"number\":\"150\",\"firstName\":\"Neu\",\"lastName\":\"User\",\"email\":\"neu@example.com\",\"confirm\":true}",
     {"GET /xapi/v1/Users?$filter=Number eq '150'&$select=Id,Number,DisplayName&$top=1", "POST /xapi/v1/Users"},
     {NULL, "{\"Number\":\"150\",\"FirstName\":\"Neu\",\"LastName\":\"User\",\"EmailAddress\":\"neu@example.com\"}"},
     false, {"structuredContent/status=\"done\"", "structuredContent/user/Number=\"150\""}},
    {"update_user", "{\"id\":27}", {NONE}, {0}, true, {"text~Nothing to update"}},
    {"update_user", "{\"extension\":\"101\",\"firstName\":\"Sean\"}",
     {"GET /xapi/v1/Users?$filter=Number eq '101'&$top=1&$select=Id,Number,FirstName,LastName,DisplayName,EmailAddress,Mobile,Enabled"},
     {0}, false, {"structuredContent/status=\"preview\"", "structuredContent/changes/FirstName=\"Sean\"", "text~FirstName \"Seán\" -> \"Sean\""}},
    {"update_user", "{\"id\":27,\"firstName\":\"Sean\",\"enabled\":true,\"confirm\":true}",
     {"GET /xapi/v1/Users(27)?$select=Id,Number,FirstName,LastName,DisplayName,EmailAddress,Mobile,Enabled",
      "PATCH /xapi/v1/Users(27)",
      "GET /xapi/v1/Users(27)?$select=Id,Number,FirstName,LastName,DisplayName,EmailAddress,Mobile,Enabled"},
     {NULL, "{\"FirstName\":\"Sean\"}", NULL}, false,
     {"structuredContent/status=\"done\"", "structuredContent/user/FirstName=\"Sean\""}},
    {"update_user", "{\"id\":9999,\"firstName\":\"X\",\"confirm\":true}",
     {"GET /xapi/v1/Users(9999)?$select=Id,Number,FirstName,LastName,DisplayName,EmailAddress,Mobile,Enabled"}, {0}, true,
     {"text~404"}},
    {"delete_user", "{\"ids\":[33,9999],\"confirm\":true}",
     {"GET /xapi/v1/Users?$filter=Id eq 33 or Id eq 9999&$select=Id,Number,DisplayName&$top=100",
      "POST /xapi/v1/Users/Pbx.BatchDelete", "GET /xapi/v1/Users?$filter=Id eq 33&$select=Id,Number,DisplayName&$top=100"},
     {NULL, "{\"Ids\":[33]}", NULL}, false,
     {"structuredContent/deleted=1", "structuredContent/outcomes/0/outcome=\"not_found\"", "structuredContent/outcomes/0/id=9999",
      "structuredContent/outcomes/1/outcome=\"deleted\"", "structuredContent/outcomes/1/extension=\"107\""}},
    {"delete_user", "{\"extensions\":[\"555\"],\"confirm\":true}",
     {"GET /xapi/v1/Users?$filter=Number eq '555'&$select=Id,Number,DisplayName&$top=100"}, {0}, true, {"text~None of the given users"}},
    {"set_forwarding_profile", "{\"extension\":\"101\",\"profile\":\"Vacation\",\"confirm\":true}",
     {"GET /xapi/v1/Users?$filter=Number eq '101'&$top=1&$select=Id,Number,DisplayName,CurrentProfileName&$expand=ForwardingProfiles"},
     {0}, true, {"text~no forwarding profile 'Vacation'", "text~'Custom 1' (Lunch)"}},
    {"set_forwarding_profile", "{\"extension\":\"101\",\"profile\":\"lunch\",\"confirm\":true}",
     {"GET /xapi/v1/Users?$filter=Number eq '101'&$top=1&$select=Id,Number,DisplayName,CurrentProfileName&$expand=ForwardingProfiles",
      "PATCH /xapi/v1/Users(27)"},
     {NULL, "{\"CurrentProfileName\":\"Custom 1\"}"}, false,
     {"structuredContent/previous=\"Available\"", "structuredContent/current=\"Custom 1\""}},
    {"get_extension_status", "{\"extension\":\"101\"}", {NULL}, {0}, false, {"structuredContent/currentProfile=\"Custom 1\""}},
    {"set_forwarding_profile", "{\"extension\":\"101\",\"profile\":\"Custom 1\"}", {NULL}, {0}, false,
     {"structuredContent/status=\"unchanged\""}},
    {"create_department", "{\"name\":\"Sales\",\"confirm\":true}",
     {"GET /xapi/v1/Groups?$filter=Name eq 'Sales'&$select=Id,Name,Number&$top=1"}, {0}, true, {"text~already exists"}},
    {"create_department", "{\"name\":\"Support DE\",\"language\":\"DE\",\"confirm\":true}",
     {"GET /xapi/v1/Groups?$filter=Name eq 'Support DE'&$select=Id,Name,Number&$top=1", "POST /xapi/v1/Groups"},
     {NULL, "{\"Name\":\"Support DE\",\"Language\":\"DE\"}"}, false,
     {"structuredContent/status=\"done\"", "structuredContent/department/Name=\"Support DE\""}},
    {"update_department", "{\"id\":35,\"name\":\"Vertrieb\",\"confirm\":true}",
     {"GET /xapi/v1/Groups(35)?$select=Id,Name,Number,Language,TimeZoneId,IsDefault", "PATCH /xapi/v1/Groups(35)",
      "GET /xapi/v1/Groups(35)?$select=Id,Name,Number,Language,TimeZoneId,IsDefault"},
     {NULL, "{\"Name\":\"Vertrieb\"}", NULL}, false, {"structuredContent/department/Name=\"Vertrieb\""}},
    {"update_department", "{\"id\":35}", {NONE}, {0}, true, {"text~Nothing to update"}},
    {"update_department", "{\"id\":35,\"timeZone\":\"America/New_York\",\"confirm\":true}",
     {"GET /xapi/v1/Defs/TimeZones?$filter=IanaName eq 'America/New_York'&$select=Id,Name,IanaName",
      "GET /xapi/v1/Groups(35)?$select=Id,Name,Number,Language,TimeZoneId,IsDefault", "PATCH /xapi/v1/Groups(35)",
      "GET /xapi/v1/Groups(35)?$select=Id,Name,Number,Language,TimeZoneId,IsDefault"},
     {NULL, NULL, NULL, NULL}, false, {"structuredContent/status=\"done\"", "text~TimeZoneId '51' ->"}},
    {"create_department", "{\"name\":\"Tokyo\",\"timeZone\":\"Mars/Olympus\",\"confirm\":true}",
     {"GET /xapi/v1/Defs/TimeZones?$filter=IanaName eq 'Mars/Olympus'&$select=Id,Name,IanaName"}, {0}, true,
     {"text~knows no time zone 'Mars/Olympus'"}},
    {"create_user", "{\"firstName\":\"Dup\",\"lastName\":\"Mail\",\"email\":\"sean.obrien@example.com\",\"confirm\":true}",
     {"POST /xapi/v1/Users"}, {0}, true, {"text~HTTP 400", "text~EmailAddress is already used by another entry"}},
};

static th_sim g_sim;
static mcp_server *g_srv;

static int setup(void **state)
{
    (void)state;
    cn_http_global_init();
    if (th_sim_start(&g_sim, NULL) < 0) {
        fprintf(stderr, "cannot start the simulator ($TCX_SIM)\n");
        return -1;
    }
    th_env(&g_sim);
    g_srv = th_server(NULL);
    return g_srv ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mcp_server_free(g_srv, 2000);
    th_sim_stop(&g_sim);
    cn_http_global_cleanup();
    return 0;
}

static void check_result(const tool_case *tc, json_t *r)
{
    char *text = th_text(r);
    bool err = json_is_true(json_object_get(r, "isError"));
    if (err != tc->is_error)
        fail_msg("%s %s: isError %d, expected %d: %s", tc->tool, tc->args, err, tc->is_error, text);
    for (size_t i = 0; i < 8 && tc->checks[i]; i++) {
        const char *c = tc->checks[i];
        if (strncmp(c, "notext~", 7) == 0) {
            if (strstr(text, c + 7))
                fail_msg("%s %s: text should not contain '%s':\n%s", tc->tool, tc->args, c + 7, text);
            continue;
        }
        if (strncmp(c, "text~", 5) == 0) {
            if (!strstr(text, c + 5))
                fail_msg("%s %s: text lacks '%s':\n%s", tc->tool, tc->args, c + 5, text);
            continue;
        }
        const char *eq = strchr(c, '=');
        char path[200];
        snprintf(path, sizeof path, "%.*s", (int)(eq ? eq - c : (long)strlen(c)), c[0] == '!' ? c + 1 : c);
        json_t *got = th_at(r, path);
        if (c[0] == '!') {
            if (got)
                fail_msg("%s %s: %s should be absent", tc->tool, tc->args, path);
            continue;
        }
        json_t *want = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
        if (!got || !want || !json_equal(got, want)) {
            char *g = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
            fail_msg("%s %s: %s is %s, expected %s\n%s", tc->tool, tc->args, path, g ? g : "(absent)", eq + 1, text);
        }
        json_decref(want);
    }
    free(text);
}

static void check_requests(const tool_case *tc)
{
    json_t *bodies, *lines = th_sim_requests(&g_sim, &bodies), *xapi = json_array(), *xb = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) if (strcmp(json_string_value(l), "POST /connect/token") != 0) {
        json_array_append(xapi, l);
        json_array_append(xb, json_array_get(bodies, i));
    }
    if (tc->requests[0] && strcmp(tc->requests[0], NONE) == 0) {
        if (json_array_size(xapi) != 0)
            fail_msg("%s %s: expected no upstream request, got %zu", tc->tool, tc->args, json_array_size(xapi));
        goto out;
    }
    size_t n = 0;
    while (n < 6 && tc->requests[n])
        n++;
    if (n) {
        if (json_array_size(xapi) != n) {
            char *d = json_dumps(xapi, JSON_INDENT(1));
            fail_msg("%s %s: %zu upstream requests, expected %zu:\n%s", tc->tool, tc->args, json_array_size(xapi), n, d);
        }
        for (i = 0; i < n; i++)
            if (strcmp(json_string_value(json_array_get(xapi, i)), tc->requests[i]) != 0)
                fail_msg("%s %s: request %zu is\n  %s\nexpected\n  %s", tc->tool, tc->args, i,
                         json_string_value(json_array_get(xapi, i)), tc->requests[i]);
        for (i = 0; i < n; i++) {
            if (!tc->bodies[i])
                continue;
            json_t *want = json_loads(tc->bodies[i], 0, NULL);
            json_t *got = json_loads(json_string_value(json_array_get(xb, i)) ? json_string_value(json_array_get(xb, i)) : "", 0, NULL);
            if (!want || !got || !json_equal(want, got))
                fail_msg("%s %s: body %zu is %s, expected %s", tc->tool, tc->args, i,
                         json_string_value(json_array_get(xb, i)), tc->bodies[i]);
            json_decref(want);
            json_decref(got);
        }
    }
    /* a preview, a refusal or a local error never writes (exact lists are checked above) */
    if (n == 0 && (tc->is_error || strstr(tc->args, "confirm") == NULL))
        json_array_foreach(xapi, i, l) {
            const char *s = json_string_value(l);
            if (strncmp(s, "GET ", 4) != 0)
                fail_msg("%s %s: wrote upstream (%s) without confirmation or after an error", tc->tool, tc->args, s);
        }
out:
    json_decref(lines);
    json_decref(bodies);
    json_decref(xapi);
    json_decref(xb);
}

static void run_case(const tool_case *tc)
{
    th_sim_clear_log(&g_sim);
    json_t *r = th_call(g_srv, tc->tool, tc->args);
    if (!r)
        fail_msg("%s: no result", tc->tool);
    check_result(tc, r);
    check_requests(tc);
    json_decref(r);
}

static void test_reads(void **state)
{
    (void)state;
    th_sim_send(&g_sim, "POST", "reset", NULL);
    for (size_t i = 0; i < sizeof read_cases / sizeof read_cases[0]; i++)
        run_case(&read_cases[i]);
}

static void test_writes(void **state)
{
    (void)state;
    th_sim_send(&g_sim, "POST", "reset", NULL);
    for (size_t i = 0; i < sizeof write_cases / sizeof write_cases[0]; i++)
        run_case(&write_cases[i]);
}

/* Semantics of the call history beyond single fields: segments grouped per call, the queue
 * call answered on its third segment counted as answered, newest first. */
static void test_call_grouping(void **state)
{
    (void)state;
    th_sim_send(&g_sim, "POST", "reset", NULL);
    json_t *r = th_call(g_srv, "get_call_history", "{\"date\":\"2026-06-15\",\"top\":200}");
    json_t *calls = th_at(r, "structuredContent/calls");
    assert_true(json_array_size(calls) > 3);
    size_t i, three = 0, missed = 0;
    json_t *k;
    const char *prev = NULL;
    json_array_foreach(calls, i, k) {
        const char *st = json_string_value(json_object_get(k, "startTime"));
        if (prev)
            assert_true(strcmp(prev, st) >= 0); /* newest first */
        prev = st;
        if (json_integer_value(json_object_get(k, "segments")) == 3 &&
            strcmp(json_string_value(json_object_get(k, "to")), "800") == 0) {
            assert_string_equal(json_string_value(json_object_get(k, "status")), "answered");
            assert_string_equal(json_string_value(json_object_get(k, "answeredBy")), "101");
            three++;
        }
        missed += strcmp(json_string_value(json_object_get(k, "status")), "missed") == 0;
    }
    assert_int_equal(three, 1);
    assert_int_equal(missed, (size_t)json_integer_value(th_at(r, "structuredContent/missedCalls")));
    json_t *m = th_call(g_srv, "get_call_history", "{\"date\":\"2026-06-15\",\"missedOnly\":true,\"top\":200}");
    assert_int_equal(json_integer_value(th_at(m, "structuredContent/matchedCalls")), (json_int_t)missed);
    json_array_foreach(th_at(m, "structuredContent/calls"), i, k)
        assert_string_equal(json_string_value(json_object_get(k, "status")), "missed");
    json_decref(m);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_call_grouping),
        cmocka_unit_test(test_writes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
