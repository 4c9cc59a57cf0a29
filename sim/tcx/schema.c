/* The entity types of the simulated XAPI: for each, the properties a client may name in
 * $filter, $select, $orderby and request bodies, with their types (spec §3.5). A name not
 * listed here is an unknown property (400), as on the real ASP.NET OData service. */
#include "sim.h"

#define S TSIM_T_STRING
#define E TSIM_T_ENUM
#define DUR TSIM_T_DURATION
#define I TSIM_T_INT
#define DEC TSIM_T_DECIMAL
#define B TSIM_T_BOOL
#define DT TSIM_T_DATETIME
#define O TSIM_T_OBJECT
#define C TSIM_T_COLLECTION
#define NAV TSIM_T_NAV
#define SCHEMA(var, name, table) \
    const tsim_schema var = {name, table, sizeof table / sizeof table[0]}

static const tsim_prop rights_props[] = {{"RoleName", S, NULL}};
static const tsim_schema rights_schema = {"Rights", rights_props, 1};

static const tsim_prop usergroup_props[] = {
    {"Id", I, NULL},      {"GroupId", I, NULL}, {"Name", S, NULL},      {"Number", S, NULL},
    {"MemberName", S, NULL}, {"Type", E, NULL}, {"CanDelete", B, NULL}, {"Rights", O, NULL},
};
SCHEMA(tsim_schema_usergroup, "UserGroup", usergroup_props);

static const tsim_prop fwd_props[] = {
    {"Id", I, NULL},
    {"Name", S, NULL},
    {"CustomName", S, NULL},
    {"CustomMessage", S, NULL},
    {"AcceptMultipleCalls", B, NULL},
    {"RingMyMobile", B, NULL},
    {"DisableRingGroupCalls", B, NULL},
    {"BlockPushCalls", B, NULL},
    {"OfficeHoursAutoQueueLogOut", B, NULL},
    {"NoAnswerTimeout", I, NULL},
    {"AvailableRoute", O, NULL},
    {"AwayRoute", O, NULL},
};
SCHEMA(tsim_schema_fwdprofile, "ForwardingProfile", fwd_props);

static const tsim_prop user_props[] = {
    {"Id", I, NULL},
    {"Number", S, NULL},
    {"FirstName", S, NULL},
    {"LastName", S, NULL},
    {"DisplayName", S, NULL},
    {"EmailAddress", S, NULL},
    {"Mobile", S, NULL},
    {"Enabled", B, NULL},
    {"Language", S, NULL},
    {"OutboundCallerID", S, NULL},
    {"PrimaryGroupId", I, NULL},
    {"IsRegistered", B, NULL},
    {"CurrentProfileName", S, NULL},
    {"QueueStatus", E, NULL},
    {"Tags", C, NULL},
    {"AuthID", S, NULL},
    {"AuthPassword", S, NULL},
    {"DeskphonePassword", S, NULL},
    {"VMPIN", S, NULL},
    {"AccessPassword", S, NULL},
    {"SIPID", S, NULL},
    {"VMEnabled", B, NULL},
    {"VMEmailOptions", E, NULL},
    {"RecordCalls", B, NULL},
    {"Require2FA", B, NULL},
    {"SendEmailMissedCalls", B, NULL},
    {"HideInPhonebook", B, NULL},
    {"Internal", B, NULL},
    {"PromptSet", S, NULL},
    {"Groups", NAV, &tsim_schema_usergroup},
    {"ForwardingProfiles", NAV, &tsim_schema_fwdprofile},
    {"ForwardingExceptions", NAV, NULL},
    {"Greetings", NAV, NULL},
    {"Phones", NAV, NULL},
};
SCHEMA(tsim_schema_user, "User", user_props);

static const tsim_prop group_props[] = {
    {"Id", I, NULL},
    {"Number", S, NULL},
    {"Name", S, NULL},
    {"Language", S, NULL},
    {"TimeZoneId", S, NULL},
    {"IsDefault", B, NULL},
    {"HasMembers", B, NULL},
    {"AllowCallService", B, NULL},
    {"PromptSet", S, NULL},
    {"Props", O, NULL},
    {"Members", NAV, &tsim_schema_usergroup},
    {"Rights", NAV, &rights_schema},
    {"OfficeHolidays", NAV, NULL},
};
SCHEMA(tsim_schema_group, "Group", group_props);

static const tsim_prop trunk_props[] = {
    {"Id", I, NULL},
    {"Number", S, NULL},
    {"Gateway", O, NULL},
    {"IsOnline", B, NULL},
    {"Direction", E, NULL},
    {"SimultaneousCalls", I, NULL},
    {"ExternalNumber", S, NULL},
    {"DidNumbers", C, NULL},
    {"AuthID", S, NULL},
    {"AuthPassword", O, NULL},
    {"OutboundCallerID", S, NULL},
    {"EnableInboundCalls", B, NULL},
    {"EnableOutboundCalls", B, NULL},
    {"E164CountryCode", S, NULL},
    {"ConfigurationIssue", S, NULL},
    {"RoutingRules", NAV, NULL},
    {"ReceiveExtensions", NAV, NULL},
    {"EmergencyGeoLocations", NAV, NULL},
    {"Groups", NAV, NULL},
};
SCHEMA(tsim_schema_trunk, "Trunk", trunk_props);

static const tsim_prop activecall_props[] = {
    {"Id", I, NULL},           {"Caller", S, NULL},           {"Callee", S, NULL},
    {"Status", S, NULL},       {"EstablishedAt", DT, NULL},   {"LastChangeStatus", DT, NULL},
    {"ServerNow", DT, NULL},
};
SCHEMA(tsim_schema_activecall, "ActiveCall", activecall_props);

static const tsim_prop calllog_props[] = {
    {"CdrId", S, NULL},
    {"CallHistoryId", S, NULL},
    {"MainCallHistoryId", S, NULL},
    {"CallId", I, NULL},
    {"Indent", I, NULL},
    {"SegmentId", I, NULL},
    {"StartTime", DT, NULL},
    {"SourceType", S, NULL},
    {"SourceDn", S, NULL},
    {"SourceCallerId", S, NULL},
    {"SourceDisplayName", S, NULL},
    {"DestinationType", S, NULL},
    {"DestinationDn", S, NULL},
    {"DestinationCallerId", S, NULL},
    {"DestinationDisplayName", S, NULL},
    {"ActionType", I, NULL},
    {"ActionDnType", S, NULL},
    {"actionDnDn", S, NULL},
    {"ActionDnCallerId", S, NULL},
    {"ActionDnDisplayName", S, NULL},
    {"RingingDuration", DUR, NULL},
    {"TalkingDuration", DUR, NULL},
    {"CallCost", DEC, NULL},
    {"Answered", B, NULL},
    {"Direction", S, NULL},
    {"CallType", S, NULL},
    {"Status", S, NULL},
    {"Reason", S, NULL},
    {"RecordingUrl", S, NULL},
    {"Recordings", C, NULL},
    {"SrcRecId", I, NULL},
    {"DstRecId", I, NULL},
    {"QualityReport", B, NULL},
    {"SubrowDescNumber", I, NULL},
    {"Transcription", S, NULL},
    {"Summary", S, NULL},
    {"SentimentScore", I, NULL},
};
SCHEMA(tsim_schema_calllog, "CallLogData", calllog_props);

static const tsim_prop history_props[] = {
    {"SegmentId", I, NULL},        {"CallId", I, NULL},           {"SegmentStartTime", DT, NULL},
    {"SegmentEndTime", DT, NULL},  {"SrcDn", S, NULL},            {"SrcCallerNumber", S, NULL},
    {"SrcDisplayName", S, NULL},   {"DstDn", S, NULL},            {"DstCallerNumber", S, NULL},
    {"DstDisplayName", S, NULL},   {"CallAnswered", B, NULL},     {"CallTime", DUR, NULL},
};
SCHEMA(tsim_schema_history, "CallHistoryView", history_props);

static const tsim_prop agent_props[] = {
    {"Id", I, NULL}, {"Number", S, NULL}, {"Name", S, NULL}, {"SkillGroup", S, NULL},
    {"Tags", C, NULL},
};
SCHEMA(tsim_schema_agent, "QueueAgent", agent_props);

static const tsim_prop manager_props[] = {
    {"Id", I, NULL}, {"Number", S, NULL}, {"Name", S, NULL}, {"Tags", C, NULL},
};
SCHEMA(tsim_schema_manager, "QueueManager", manager_props);
SCHEMA(tsim_schema_rgmember, "RingGroupMember", manager_props);

static const tsim_prop queue_props[] = {
    {"Id", I, NULL},
    {"Number", S, NULL},
    {"Name", S, NULL},
    {"IsRegistered", B, NULL},
    {"PollingStrategy", E, NULL},
    {"RingTimeout", I, NULL},
    {"MasterTimeout", I, NULL},
    {"SLATime", I, NULL},
    {"WrapUpTime", I, NULL},
    {"MaxCallersInQueue", I, NULL},
    {"AnnounceQueuePosition", B, NULL},
    {"AnnouncementInterval", I, NULL},
    {"PriorityQueue", B, NULL},
    {"Recording", E, NULL},
    {"CallbackEnableTime", I, NULL},
    {"ForwardNoAnswer", O, NULL},
    {"Agents", NAV, &tsim_schema_agent},
    {"Managers", NAV, &tsim_schema_manager},
    {"Groups", NAV, NULL},
};
SCHEMA(tsim_schema_queue, "Queue", queue_props);

static const tsim_prop ringgroup_props[] = {
    {"Id", I, NULL},          {"Number", S, NULL},          {"Name", S, NULL},
    {"RingStrategy", E, NULL}, {"RingTime", I, NULL},       {"IsRegistered", B, NULL},
    {"ForwardNoAnswer", O, NULL}, {"Members", NAV, &tsim_schema_rgmember},
    {"Groups", NAV, NULL},
};
SCHEMA(tsim_schema_ringgroup, "RingGroup", ringgroup_props);

static const tsim_prop contact_props[] = {
    {"Id", I, NULL},         {"FirstName", S, NULL},   {"LastName", S, NULL},
    {"CompanyName", S, NULL}, {"Title", S, NULL},      {"Department", S, NULL},
    {"Email", S, NULL},      {"PhoneNumber", S, NULL}, {"Business", S, NULL},
    {"Business2", S, NULL},  {"BusinessFax", S, NULL}, {"Home", S, NULL},
    {"Mobile2", S, NULL},    {"Other", S, NULL},       {"Pager", S, NULL},
    {"Tag", S, NULL},        {"ContactType", E, NULL},
};
SCHEMA(tsim_schema_contact, "Contact", contact_props);

static const tsim_prop eventlog_props[] = {
    {"Id", I, NULL},     {"Type", E, NULL},      {"EventId", I, NULL},
    {"Message", S, NULL}, {"Params", C, NULL},   {"Source", S, NULL},
    {"Group", S, NULL},  {"GroupName", S, NULL}, {"TimeGenerated", DT, NULL},
};
SCHEMA(tsim_schema_eventlog, "EventLog", eventlog_props);

static const tsim_prop timezone_props[] = {
    {"Id", S, NULL}, {"Name", S, NULL}, {"IanaName", S, NULL}, {"WindowsName", S, NULL},
};
SCHEMA(tsim_schema_timezone, "TimeZone", timezone_props);

static const tsim_prop defs_props[] = {{"Id", I, NULL}};
SCHEMA(tsim_schema_defs, "Defs", defs_props);

static const tsim_prop status_props[] = {
    {"Id", I, NULL},
    {"FQDN", S, NULL},
    {"Version", S, NULL},
    {"Activated", B, NULL},
    {"MaxSimCalls", I, NULL},
    {"ExtensionsRegistered", I, NULL},
    {"ExtensionsTotal", I, NULL},
    {"TrunksRegistered", I, NULL},
    {"TrunksTotal", I, NULL},
    {"CallsActive", I, NULL},
    {"LicenseActive", B, NULL},
    {"LicenseKey", S, NULL},
    {"ProductCode", S, NULL},
    {"ExpirationDate", DT, NULL},
    {"MaintenanceExpiresAt", DT, NULL},
    {"Support", B, NULL},
    {"ResellerName", S, NULL},
    {"BackupScheduled", B, NULL},
    {"LastBackupDateTime", DT, NULL},
    {"DiskUsage", I, NULL},
    {"FreeDiskSpace", I, NULL},
    {"TotalDiskSpace", I, NULL},
    {"OS", E, NULL},
    {"Ip", S, NULL},
    {"IpV4", S, NULL},
    {"IpV6", S, NULL},
    {"AutoUpdateEnabled", B, NULL},
    {"LastCheckForUpdates", DT, NULL},
    {"RecordingQuota", I, NULL},
    {"RecordingUsedSpace", I, NULL},
    {"HasNotRunningServices", B, NULL},
    {"HasUnregisteredSystemExtensions", B, NULL},
    {"OutboundRules", I, NULL},
    {"MaxUserExtensions", I, NULL},
    {"UserExtensions", I, NULL},
};
SCHEMA(tsim_schema_systemstatus, "SystemStatus", status_props);
