/* Seed data of the XAPI simulator (spec §4.5), built relative to the simulated "now" so tests
 * are deterministic: users with apostrophes and mixed phone formats and secrets the tools must
 * redact, groups, trunks, queues (two that match one fuzzy query), a ring group, contacts
 * with the same number in national and international form, event logs, active calls, and a
 * call log with multi-segment queue calls, a truly missed call, calls around the UTC midnight
 * before "now", and fixed-date calls at the edges of the DST-change days of Europe/Berlin and
 * America/New_York in 2026. README.md lists what each record is for. */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define MIN_MS (60 * 1000LL)
#define DAY_MS (86400 * 1000LL)

static void iso(int64_t ms, bool millis, char out[40])
{
    tsim_format_datetime(ms, millis, out, 40);
}

/* ---- users ---- */

typedef struct user_seed {
    int id;
    const char *number, *first, *last, *email, *mobile;
    bool enabled, registered, logged_in;
    const char *profile;
    const char *role;
    bool sales;
} user_seed;

static const user_seed users[] = {
    {26, "100", "Max", "Mustermann", "max.mustermann@example.com", "+49 731 123456", true, true,
     true, "Available", "system_owners", false},
    {27, "101", "Seán", "O'Brien", "sean.obrien@example.com", "0176-1234567", true, true, true,
     "Available", "users", false},
    {28, "102", "Julia", "Weber", "julia.weber@example.com", "004917612345", true, false, false,
     "Away", "users", false},
    {29, "103", "Tom", "Becker", "tom.becker@example.com", "0731 9876543", true, true, true,
     "Out of office", "users", true},
    {30, "104", "Lena", "Fischer", "lena.fischer@example.com", NULL, true, true, false, "Custom 1",
     "users", true},
    {31, "105", "Anna", "Smith", "anna.smith@example.com", "+1 212 555 0147", true, true, true,
     "Available", "users", false},
    {32, "106", "Peter", "D'Angelo", "peter.dangelo@example.com", "+49 (0)731 4445566", false,
     false, false, "Available", "users", false},
    {33, "107", "Mia", "Schneider", "mia.schneider@example.com", "+49-176-7654321", true, false,
     true, "Custom 2", "users", false},
};

static json_t *destination(const char *to, const char *number, const char *name)
{
    return json_pack("{s:s, s:s?, s:n, s:s?, s:s, s:[]}", "To", to, "Number", number, "External",
                     "Name", name, "Type", number ? "Extension" : "None", "Tags");
}

static json_t *profile(tsim_state *st, const char *name, const char *custom, bool forward_now)
{
    json_t *vm = destination("VoiceMail", NULL, NULL);
    json_t *avail = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "NoAnswerAllCalls",
                              vm, "NoAnswerInternal", vm, "NoAnswerExternal", vm, "BusyAllCalls",
                              vm, "BusyInternal", vm, "BusyExternal", vm, "NotRegisteredAllCalls",
                              vm, "NotRegisteredInternal", vm, "NotRegisteredExternal", vm);
    json_t *away = json_pack("{s:O, s:O, s:O, s:O}", "AllHoursInternal", vm, "AllHoursExternal",
                             vm, "Internal", vm, "External", vm);
    json_decref(vm);
    return json_pack("{s:i, s:s, s:s?, s:n, s:b, s:b, s:b, s:b, s:b, s:i, s:o, s:o}", "Id",
                     st->next_id++, "Name", name, "CustomName", custom, "CustomMessage",
                     "AcceptMultipleCalls", !forward_now, "RingMyMobile", false,
                     "DisableRingGroupCalls", forward_now, "BlockPushCalls", false,
                     "OfficeHoursAutoQueueLogOut", false, "NoAnswerTimeout",
                     forward_now ? 0 : 20, "AvailableRoute", avail, "AwayRoute", away);
}

json_t *tsim_default_profiles(tsim_state *st)
{
    return json_pack("[o,o,o,o,o]", profile(st, "Available", NULL, false),
                     profile(st, "Away", NULL, true), profile(st, "Out of office", NULL, true),
                     profile(st, "Custom 1", "Lunch", false),
                     profile(st, "Custom 2", "Business Trip", true));
}

static json_t *user_group(int id, int gid, const char *gname, const char *gnum,
                          const char *member, const char *role)
{
    return json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:b, s:{s:s}}", "Id", id, "GroupId", gid,
                     "Name", gname, "Number", gnum, "MemberName", member, "Type", "Extension",
                     "CanDelete", false, "Rights", "RoleName", role);
}

static json_t *make_user(tsim_state *st, const user_seed *u)
{
    char display[128], secret[64], authid[32], pin[16], desk[32];
    snprintf(display, sizeof display, "%s %s", u->first, u->last);
    snprintf(secret, sizeof secret, "SimAuthPw-%s-x7Q", u->number);
    snprintf(authid, sizeof authid, "auth%s", u->number);
    snprintf(pin, sizeof pin, "%d", 4000 + u->id * 7);
    snprintf(desk, sizeof desk, "SimDesk-%s-9z", u->number);
    json_t *groups = json_pack("[o]", user_group(u->id * 10, 28, "DEFAULT", "GRP0000", display,
                                                 u->role));
    if (u->sales)
        json_array_append_new(groups, user_group(u->id * 10 + 1, 35, "Sales", "GRP0001", display,
                                                 "users"));
    json_t *user = json_pack(
        "{s:i, s:s, s:s, s:s, s:s, s:s, s:s?, s:b, s:s, s:s, s:i, s:b, s:s, s:s, s:[], s:s, s:s,"
        " s:s, s:s, s:n, s:s}",
        "Id", u->id, "Number", u->number, "FirstName", u->first, "LastName", u->last,
        "DisplayName", display, "EmailAddress", u->email, "Mobile", u->mobile, "Enabled",
        u->enabled, "Language", "EN", "OutboundCallerID", "+4973112340", "PrimaryGroupId", 28,
        "IsRegistered", u->registered, "CurrentProfileName", u->profile, "QueueStatus",
        u->logged_in ? "LoggedIn" : "LoggedOut", "Tags", "AuthID", authid, "AuthPassword", secret,
        "DeskphonePassword", desk, "VMPIN", pin, "AccessPassword", "SIPID", authid);
    json_t *more = json_pack("{s:b, s:s, s:b, s:b, s:b, s:b, s:b, s:n}", "VMEnabled", true,
                             "VMEmailOptions", "Notification", "RecordCalls", false, "Require2FA",
                             false, "SendEmailMissedCalls", true, "HideInPhonebook", false,
                             "Internal", false, "PromptSet");
    json_object_update(user, more);
    json_decref(more);
    json_object_set_new(user, "Groups", groups);
    json_object_set_new(user, "ForwardingProfiles", tsim_default_profiles(st));
    json_object_set_new(user, "ForwardingExceptions", json_array());
    json_object_set_new(user, "Greetings", json_array());
    json_object_set_new(user, "Phones", json_array());
    return user;
}

static void seed_users(tsim_state *st)
{
    st->users = json_array();
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        json_array_append_new(st->users, make_user(st, &users[i]));
    /* the service principal's own route point, tagged "Principal" */
    user_seed p = {34, "900", "XAPI", "Service", "xapi@example.com", NULL, true, false, false,
                   "Available", "system_owners", false};
    json_t *pu = make_user(st, &p);
    json_array_append_new(json_object_get(pu, "Tags"), json_string("Principal"));
    json_array_append_new(st->users, pu);
}

/* ---- groups, trunks, queues, ring groups ---- */

static json_t *group(int id, const char *number, const char *name, bool is_default)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:n, s:{s:s, s:s, s:s, s:s, s:i,"
                     " s:i}, s:[], s:[]}",
                     "Id", id, "Number", number, "Name", name, "Language", "EN", "TimeZoneId",
                     "51", "IsDefault", is_default, "HasMembers", true, "AllowCallService", true,
                     "PromptSet", "Props", "SystemNumberFrom", "800", "SystemNumberTo", "899",
                     "UserNumberFrom", "100", "UserNumberTo", "199", "LiveChatMaxCount", 20,
                     "PersonalContactsMaxCount", 500, "Rights", "OfficeHolidays");
}

static json_t *trunk(int id, const char *number, const char *name, const char *host, bool online,
                     int lines, const char *ext, const char *did)
{
    json_t *gw = json_pack("{s:s, s:s, s:i, s:s, s:n, s:i, s:i, s:[s,s], s:s, s:s}", "Name", name,
                           "Host", host, "Port", 5060, "Type", "Provider", "ProxyHost",
                           "ProxyPort", 5060, "Lines", lines, "Codecs", "G711A", "G722",
                           "TemplateFilename", "generic.pv.xml", "RequireRegistrationFor",
                           "InOutCalls");
    return json_pack("{s:i, s:s, s:o, s:b, s:s, s:i, s:s, s:[s], s:s, s:{s:b, s:n}, s:s, s:b,"
                     " s:b, s:s, s:n, s:[], s:[], s:[], s:[]}",
                     "Id", id, "Number", number, "Gateway", gw, "IsOnline", online, "Direction",
                     "Both", "SimultaneousCalls", lines, "ExternalNumber", ext, "DidNumbers", did,
                     "AuthID", ext + 1, "AuthPassword", "Concealed", true, "Value",
                     "OutboundCallerID", ext, "EnableInboundCalls", true, "EnableOutboundCalls",
                     true, "E164CountryCode", ext[1] == '4' ? "49" : "1", "ConfigurationIssue",
                     "RoutingRules", "ReceiveExtensions", "EmergencyGeoLocations", "Groups");
}

static const char *user_name(const tsim_state *st, const char *number, char *out, size_t n)
{
    size_t i;
    json_t *u;
    json_array_foreach(st->users, i, u) {
        if (strcmp(json_string_value(json_object_get(u, "Number")), number) == 0) {
            snprintf(out, n, "%s", json_string_value(json_object_get(u, "DisplayName")));
            return out;
        }
    }
    snprintf(out, n, "%s", number);
    return out;
}

static json_t *members(tsim_state *st, const char *const *numbers, bool agents)
{
    json_t *arr = json_array();
    char name[128];
    for (; *numbers; numbers++) {
        json_t *m = json_pack("{s:i, s:s, s:s, s:[]}", "Id", st->next_id++, "Number", *numbers,
                              "Name", user_name(st, *numbers, name, sizeof name), "Tags");
        if (agents)
            json_object_set_new(m, "SkillGroup", json_null());
        json_array_append_new(arr, m);
    }
    return arr;
}

static json_t *queue(tsim_state *st, int id, const char *number, const char *name,
                     const char *strategy, int ring, int master, const char *const *agents,
                     const char *const *managers)
{
    json_t *q = json_pack("{s:i, s:s, s:s, s:b, s:s, s:i, s:i, s:i, s:i, s:i, s:b, s:i, s:b, s:s,"
                          " s:i, s:o}",
                          "Id", id, "Number", number, "Name", name, "IsRegistered", true,
                          "PollingStrategy", strategy, "RingTimeout", ring, "MasterTimeout", master,
                          "SLATime", 60, "WrapUpTime", 10, "MaxCallersInQueue", 20,
                          "AnnounceQueuePosition", true, "AnnouncementInterval", 60,
                          "PriorityQueue", false, "Recording", "Disabled", "CallbackEnableTime",
                          0, "ForwardNoAnswer", destination("VoiceMail", NULL, NULL));
    json_object_set_new(q, "Agents", members(st, agents, true));
    json_object_set_new(q, "Managers", members(st, managers, false));
    json_object_set_new(q, "Groups", json_array());
    return q;
}

static void seed_pbx_objects(tsim_state *st)
{
    st->groups = json_pack("[o,o]", group(28, "GRP0000", "DEFAULT", true),
                           group(35, "GRP0001", "Sales", false));
    st->trunks = json_pack("[o,o]",
                           trunk(1, "10000", "Provider A", "sip.provider-a.example", true, 8,
                                 "+4973112340", "+4973112340"),
                           trunk(2, "10001", "Provider B", "sip.provider-b.example", false, 4,
                                 "+12125550100", "+12125550100"));
    static const char *const support[] = {"100", "101", "102", NULL};
    static const char *const sales[] = {"103", "104", NULL};
    static const char *const level2[] = {"101", "105", NULL};
    static const char *const mgr[] = {"100", NULL};
    static const char *const none[] = {NULL};
    st->queues = json_pack("[o,o,o]",
                           queue(st, 40, "800", "Support", "RingAll", 20, 180, support, mgr),
                           queue(st, 41, "801", "Sales Queue", "LongestWaiting", 15, 120, sales,
                                 none),
                           queue(st, 42, "802", "Support Level 2", "Hunt", 25, 300, level2, mgr));
    static const char *const reception[] = {"100", "105", NULL};
    static const char *const night[] = {"102", NULL};
    st->ringgroups = json_array();
    const struct {
        int id;
        const char *number, *name, *strategy;
        int ring;
        const char *const *m;
    } rgs[] = {{50, "700", "Reception", "RingAll", 20, reception},
               {51, "701", "Night Line", "Hunt", 30, night}};
    for (size_t i = 0; i < 2; i++) {
        json_t *rg = json_pack("{s:i, s:s, s:s, s:s, s:i, s:b, s:o, s:o, s:[]}", "Id", rgs[i].id,
                               "Number", rgs[i].number, "Name", rgs[i].name, "RingStrategy",
                               rgs[i].strategy, "RingTime", rgs[i].ring, "IsRegistered", true,
                               "ForwardNoAnswer", destination("VoiceMail", NULL, NULL), "Members",
                               members(st, rgs[i].m, false), "Groups");
        json_array_append_new(st->ringgroups, rg);
    }
}

/* ---- contacts, event logs, time zones ---- */

static void seed_contacts(tsim_state *st)
{
    static const char *const c[][16] = {
        /* FirstName, LastName, CompanyName, Email, PhoneNumber, Business, Business2,
         * BusinessFax, Home, Mobile2, Other, Pager, Title, Department, Tag, ContactType */
        {"Hans", "Müller", "Müller GmbH", "hans@mueller.example", "+49 731 5551234", "0731 5551000",
         NULL, NULL, NULL, NULL, NULL, NULL, "CEO", NULL, NULL, "3CX"},
        {"Eva", "O'Neil", "Acme Ltd", "eva@acme.example", "0049 731 5552345", NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, "Purchasing", NULL, "3CX"},
        {"Karl", "Schmidt", "Schmidt & Söhne", NULL, NULL, "0731 5553456", NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, "CRM"},
        {"Sophie", "Wagner", NULL, "sophie@wagner.example", NULL, NULL, NULL, NULL, NULL,
         "+49 (0)176 5554567", NULL, NULL, NULL, NULL, NULL, "Google"},
        {"John", "Doe", "Doe Consulting", "john@doe.example", "+1 (212) 555-0199", NULL, NULL,
         NULL, "212.555.0198", NULL, NULL, NULL, NULL, NULL, NULL, "M365"},
        {"Acme", "Support", "Acme Ltd", "support@acme.example", NULL, "+44 20 7946 0958", NULL,
         "+44 20 7946 0959", NULL, NULL, NULL, NULL, NULL, "Support", NULL, "3CX"},
        {"Lisa", "Neumann", NULL, NULL, NULL, NULL, NULL, NULL, "07315556789", NULL,
         "+49 731 5556789", NULL, NULL, NULL, NULL, "3CX"},
        {"Ali", "Yılmaz", "Yılmaz Handel", NULL, NULL, NULL, "+49-731-555-7890", NULL, NULL, NULL,
         NULL, "0731/5557891", NULL, NULL, NULL, "3CX"},
        {"Zentrale", "Müller", "Müller GmbH", "zentrale@mueller.example", NULL, "0731 5551234",
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, "Reception", NULL, "3CX"},
        {"Rabatt", "Team", "100% Deals", "deals@example.com", "+49 731 5559999", NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, "promo_%_", "CRM"},
    };
    st->contacts = json_array();
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        json_t *o = json_pack("{s:i, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?,"
                              " s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
                              "Id", (int)i + 1, "FirstName", c[i][0], "LastName", c[i][1],
                              "CompanyName", c[i][2], "Email", c[i][3], "PhoneNumber", c[i][4],
                              "Business", c[i][5], "Business2", c[i][6], "BusinessFax", c[i][7],
                              "Home", c[i][8], "Mobile2", c[i][9], "Other", c[i][10], "Pager",
                              c[i][11], "Title", c[i][12], "Department", c[i][13], "Tag",
                              c[i][14], "ContactType", c[i][15]);
        json_array_append_new(st->contacts, o);
    }
}

static void seed_eventlogs(tsim_state *st, int64_t now)
{
    static const struct {
        const char *type;
        int event_id;
        const char *msg, *source;
    } ev[] = {
        {"Info", 4096, "Service started", "PBX"},
        {"Warning", 12290, "Trunk 10001 (Provider B) lost registration", "Trunks"},
        {"Error", 12291, "Trunk 10001 (Provider B) registration failed: 403 Forbidden", "Trunks"},
        {"Info", 4100, "Backup completed", "Backup"},
        {"Info", 8200, "User 105 logged in from 192.0.2.15", "Security"},
        {"Warning", 8201, "Failed login for extension 106 from 198.51.100.7", "Security"},
        {"Error", 8202, "IP 198.51.100.7 blacklisted after 25 failed logins", "Security"},
        {"Info", 4101, "Update check: no updates available", "Updates"},
    };
    st->eventlogs = json_array();
    char when[40];
    for (int i = 0; i < 20; i++) {
        size_t k = (size_t)i % (sizeof ev / sizeof ev[0]);
        /* ids grow with time: id 1001 is the oldest (about 66 h ago), 1020 the newest */
        iso(now - (int64_t)(19 - i) * 210 * MIN_MS - 7 * MIN_MS, false, when);
        json_array_append_new(st->eventlogs,
                              json_pack("{s:i, s:s, s:i, s:s, s:[s], s:s, s:s, s:s, s:s}", "Id",
                                        1001 + i, "Type", ev[k].type, "EventId", ev[k].event_id,
                                        "Message", ev[k].msg, "Params", ev[k].source, "Source",
                                        ev[k].source, "Group", "System", "GroupName", "System",
                                        "TimeGenerated", when));
    }
}

static void seed_timezones(tsim_state *st)
{
    static const char *const tz[][4] = {
        {"51", "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin",
         "W. Europe Standard Time"},
        {"35", "(UTC-05:00) Eastern Time (US & Canada)", "America/New_York",
         "Eastern Standard Time"},
        {"0", "(UTC) Coordinated Universal Time", "Etc/UTC", "UTC"},
        {"52", "(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London",
         "GMT Standard Time"},
        {"74", "(UTC+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney",
         "AUS Eastern Standard Time"},
    };
    st->timezones = json_array();
    for (size_t i = 0; i < sizeof tz / sizeof tz[0]; i++)
        json_array_append_new(st->timezones, json_pack("{s:s, s:s, s:s, s:s}", "Id", tz[i][0],
                                                       "Name", tz[i][1], "IanaName", tz[i][2],
                                                       "WindowsName", tz[i][3]));
}

static void seed_active_calls(tsim_state *st, int64_t now)
{
    static const struct {
        int id;
        const char *caller, *callee, *status;
        int est_s, chg_s;
    } ac[] = {
        {301, "105 Smith, Anna", "10000 Provider A (+4930123456)", "Talking", 125, 118},
        {302, "+4930999777", "800 - Support", "Talking", 47, 45},
        {303, "101 O'Brien, Seán", "102 Weber, Julia", "Ringing", 9, 9},
    };
    st->active_calls = json_array();
    char est[40], chg[40];
    for (size_t i = 0; i < 3; i++) {
        iso(now - ac[i].est_s * 1000LL, true, est);
        iso(now - ac[i].chg_s * 1000LL, true, chg);
        json_array_append_new(st->active_calls,
                              json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "Id", ac[i].id,
                                        "Caller", ac[i].caller, "Callee", ac[i].callee, "Status",
                                        ac[i].status, "EstablishedAt", est, "LastChangeStatus",
                                        chg));
    }
}

static void seed_history(tsim_state *st)
{
    /* CallHistoryView holds only data from before V20 Update 6: a few 2024 rows */
    static const struct {
        const char *start, *end, *src, *srcnum, *srcname, *dst, *dstnum, *dstname, *dur;
        bool answered;
    } h[] = {
        {"2024-05-13T08:01:12Z", "2024-05-13T08:04:40Z", "10000", "+497315551234", "Hans Müller",
         "100", "100", "Max Mustermann", "PT3M28S", true},
        {"2024-05-13T09:15:00Z", "2024-05-13T09:15:25Z", "10000", "+4930999777", "",
         "800", "800", "Support", "PT0S", false},
        {"2024-05-14T16:30:05Z", "2024-05-14T16:31:05Z", "101", "101", "Seán O'Brien", "102",
         "102", "Julia Weber", "PT1M", true},
        {"2024-06-02T23:50:00Z", "2024-06-03T00:05:00Z", "105", "105", "Anna Smith", "10000",
         "+12125550199", "John Doe", "PT15M", true},
    };
    st->history = json_array();
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
        json_array_append_new(st->history,
                              json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b,"
                                        " s:s}",
                                        "SegmentId", 5001 + (int)i, "CallId", 7001 + (int)i,
                                        "SegmentStartTime", h[i].start, "SegmentEndTime",
                                        h[i].end, "SrcDn", h[i].src, "SrcCallerNumber",
                                        h[i].srcnum, "SrcDisplayName", h[i].srcname, "DstDn",
                                        h[i].dst, "DstCallerNumber", h[i].dstnum,
                                        "DstDisplayName", h[i].dstname, "CallAnswered",
                                        h[i].answered, "CallTime", h[i].dur));
}

/* ---- the call log ---- */

typedef struct seg {
    const char *src_type, *src_dn, *src_cid, *src_name;
    const char *dst_type, *dst_dn, *dst_cid, *dst_name;
    int ring_cs, talk_cs; /* centiseconds */
    const char *status;   /* Answered | Unanswered | Waiting */
    const char *reason;
} seg;

static void duration(int cs, char *out, size_t n)
{
    int s = cs / 100, frac = cs % 100, h = s / 3600, m = s / 60 % 60;
    s %= 60;
    int k = snprintf(out, n, "PT");
    if (h)
        k += snprintf(out + k, n - (size_t)k, "%dH", h);
    if (m)
        k += snprintf(out + k, n - (size_t)k, "%dM", m);
    if (frac)
        snprintf(out + k, n - (size_t)k, "%d.%02dS", s, frac);
    else if (s || (!h && !m))
        snprintf(out + k, n - (size_t)k, "%dS", s);
}

static void add_call(tsim_state *st, int call_no, int64_t start, const char *direction,
                     const seg *segs, int nsegs)
{
    char main_id[64];
    snprintf(main_id, sizeof main_id, "6d1c0000-0000-4000-8000-%012d", call_no);
    for (int i = 0; i < nsegs; i++) {
        const seg *s = &segs[i];
        char cdr[64], hist[64], when[40], ring[32], talk[32];
        snprintf(cdr, sizeof cdr, "cd000000-0000-4000-8000-%09d%03d", call_no, i + 1);
        snprintf(hist, sizeof hist, "4c000000-0000-4000-8000-%09d%03d", call_no, i + 1);
        iso(start, true, when);
        duration(s->ring_cs, ring, sizeof ring);
        duration(s->talk_cs, talk, sizeof talk);
        bool answered = strcmp(s->status, "Answered") == 0;
        json_t *row = json_pack(
            "{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "CdrId",
            cdr, "CallHistoryId", hist, "MainCallHistoryId", main_id, "CallId", 1, "Indent", 1,
            "SegmentId", 1, "StartTime", when, "SourceType", s->src_type, "SourceDn", s->src_dn,
            "SourceCallerId", s->src_cid, "SourceDisplayName", s->src_name, "DestinationType",
            s->dst_type, "DestinationDn", s->dst_dn, "DestinationCallerId", s->dst_cid,
            "DestinationDisplayName", s->dst_name);
        json_t *rest = json_pack(
            "{s:i, s:s, s:s, s:n, s:n, s:s, s:s, s:f, s:b, s:s, s:s, s:s, s:s?, s:n, s:[], s:n,"
            " s:n, s:b, s:n, s:n, s:n, s:n}",
            "ActionType", answered ? 1 : 0, "ActionDnType", s->dst_type, "actionDnDn", s->dst_dn,
            "ActionDnCallerId", "ActionDnDisplayName", "RingingDuration", ring, "TalkingDuration",
            talk, "CallCost", answered && strcmp(direction, "Outbound") == 0 ? 0.12 : 0.0,
            "Answered", answered, "Direction", direction, "CallType",
            strcmp(direction, "Internal") == 0 ? "Internal" : "External", "Status", s->status,
            "Reason", s->reason, "RecordingUrl", "Recordings", "SrcRecId", "DstRecId",
            "QualityReport", answered, "SubrowDescNumber", "Transcription", "Summary",
            "SentimentScore");
        json_object_update(row, rest);
        json_decref(rest);
        json_array_append_new(st->calllog, row);
        start += (s->ring_cs + s->talk_cs) * 10LL;
    }
}

#define EXT(dn, name) "Extension", dn, dn, name
#define EXTC(dn, name) "Extension", dn, "Ext." dn, name
#define OUT(num, name) "External", "10000", num, name
#define QUEUE(dn, name) "Queue", dn, dn, name
#define RG(dn, name) "RingGroup", dn, dn, name

/* The named calls of README.md, at fixed offsets before "now". */
static void seed_named_calls(tsim_state *st, int64_t now)
{
    const seg c1[] = {
        {OUT("+497315551234", "Hans Müller"), QUEUE("800", "Support"), 1200, 0, "Waiting", NULL},
        {OUT("+497315551234", "Hans Müller"), EXT("100", "Max Mustermann"), 2000, 0,
         "Unanswered", "NoAnswer"},
        {OUT("+497315551234", "Hans Müller"), EXTC("101", "Seán O'Brien"), 500, 7646, "Answered",
         NULL}};
    add_call(st, 1, now - 95 * MIN_MS, "Inbound Queue", c1, 3);
    const seg c2[] = {
        {OUT("00497315552345", "Eva O'Neil"), QUEUE("801", "Sales Queue"), 1500, 0, "Waiting",
         NULL},
        {OUT("00497315552345", "Eva O'Neil"), EXT("103", "Tom Becker"), 1500, 0, "Unanswered",
         "NoAnswer"},
        {OUT("00497315552345", "Eva O'Neil"), EXT("104", "Lena Fischer"), 1500, 0, "Unanswered",
         "Abandoned"}};
    add_call(st, 2, now - 150 * MIN_MS, "Inbound Queue", c2, 3);
    const seg c3[] = {{OUT("07315553456", "Karl Schmidt"), EXT("102", "Julia Weber"), 3000, 0,
                       "Unanswered", "NoAnswer"}};
    add_call(st, 3, now - 40 * MIN_MS, "Inbound", c3, 1);
    const seg c4[] = {{EXT("100", "Max Mustermann"), "External", "10000", "+4930123456",
                       "+4930123456", 800, 31200, "Answered", NULL}};
    add_call(st, 4, now - 200 * MIN_MS, "Outbound", c4, 1);
    const seg c5[] = {{EXT("100", "Max Mustermann"), EXTC("101", "Seán O'Brien"), 400, 9000,
                       "Answered", NULL}};
    add_call(st, 5, now - 260 * MIN_MS, "Internal", c5, 1);
    const seg c6[] = {
        {OUT("+12125550199", "John Doe"), RG("700", "Reception"), 600, 0, "Waiting", NULL},
        {OUT("+12125550199", "John Doe"), EXT("105", "Anna Smith"), 600, 24000, "Answered", NULL}};
    add_call(st, 6, now - 320 * MIN_MS, "Inbound", c6, 2);
    const seg c10[] = {{EXT("102", "Julia Weber"), EXTC("103", "Tom Becker"), 2500, 0,
                        "Unanswered", "NoAnswer"}};
    add_call(st, 10, now - 380 * MIN_MS, "Internal", c10, 1);
}

/* Calls around the UTC midnight at least an hour before now. */
static void seed_midnight_calls(tsim_state *st, int64_t now)
{
    int64_t m = ((now - 60 * MIN_MS) / DAY_MS) * DAY_MS;
    const seg c7[] = {{EXT("103", "Tom Becker"), "External", "10000", "+442079460958",
                       "Acme Support", 700, 60000, "Answered", NULL}};
    add_call(st, 7, m - 5 * MIN_MS, "Outbound", c7, 1);
    const seg c8[] = {{OUT("+497315556789", "Lisa Neumann"), EXT("104", "Lena Fischer"), 900,
                       12000, "Answered", NULL}};
    add_call(st, 8, m + 7 * MIN_MS, "Inbound", c8, 1);
    const seg c9[] = {{OUT("+491765554567", "Sophie Wagner"), EXT("105", "Anna Smith"), 1100,
                       4500, "Answered", NULL}};
    add_call(st, 9, m - 50 * MIN_MS, "Inbound", c9, 1);
}

/* Filler calls every six hours over the last three days. */
static void seed_filler_calls(tsim_state *st, int64_t now)
{
    static const char *const exts[] = {"100", "101", "103", "104", "105"};
    static const char *const names[] = {"Max Mustermann", "Seán O'Brien", "Tom Becker",
                                        "Lena Fischer", "Anna Smith"};
    for (int k = 0; k < 12; k++) {
        int64_t start = now - (330 + 360 * k) * MIN_MS;
        const char *dn = exts[k % 5], *name = names[k % 5];
        char cid[16];
        snprintf(cid, sizeof cid, "Ext.%s", dn);
        if (k % 3 == 0) {
            const seg s[] = {{"Extension", dn, dn, name, "External", "10000", "+4989123400",
                              "+4989123400", 500, 6000 + 1000 * k, "Answered", NULL}};
            add_call(st, 20 + k, start, "Outbound", s, 1);
        } else if (k % 3 == 1) {
            const seg s[] = {{OUT("+4971155500", ""), QUEUE("800", "Support"), 800, 0, "Waiting",
                              NULL},
                             {OUT("+4971155500", ""), "Extension", dn, cid, name, 700,
                              9000 + 500 * k, "Answered", NULL}};
            add_call(st, 20 + k, start, "Inbound Queue", s, 2);
        } else {
            const seg s[] = {{EXT("101", "Seán O'Brien"), "Extension", dn, cid, name, 300,
                              3000 + 100 * k, "Answered", NULL}};
            add_call(st, 20 + k, start, "Internal", s, 1);
        }
    }
}

/* Fixed-date calls at the edges of the 2026 DST-change days, present whatever "now" is:
 * for each day, one call just before and one just after local midnight at both ends. */
static void seed_dst_calls(tsim_state *st)
{
    static const struct {
        const char *when, *label;
    } d[] = {
        /* Europe/Berlin 2026-03-29: local day = [03-28T23:00Z, 03-29T22:00Z), 23 h */
        {"2026-03-28T22:30:00.000Z", "DST Berlin spring: 03-28 23:30 CET (day before)"},
        {"2026-03-28T23:30:00.000Z", "DST Berlin spring: 03-29 00:30 CET (first)"},
        {"2026-03-29T21:30:00.000Z", "DST Berlin spring: 03-29 23:30 CEST (last)"},
        {"2026-03-29T22:30:00.000Z", "DST Berlin spring: 03-30 00:30 CEST (day after)"},
        /* Europe/Berlin 2026-10-25: local day = [10-24T22:00Z, 10-25T23:00Z), 25 h */
        {"2026-10-24T21:30:00.000Z", "DST Berlin autumn: 10-24 23:30 CEST (day before)"},
        {"2026-10-24T22:30:00.000Z", "DST Berlin autumn: 10-25 00:30 CEST (first)"},
        {"2026-10-25T22:30:00.000Z", "DST Berlin autumn: 10-25 23:30 CET (last)"},
        {"2026-10-25T23:30:00.000Z", "DST Berlin autumn: 10-26 00:30 CET (day after)"},
        /* America/New_York 2026-03-08: local day = [03-08T05:00Z, 03-09T04:00Z), 23 h */
        {"2026-03-08T04:30:00.000Z", "DST New York spring: 03-07 23:30 EST (day before)"},
        {"2026-03-08T05:30:00.000Z", "DST New York spring: 03-08 00:30 EST (first)"},
        {"2026-03-09T03:30:00.000Z", "DST New York spring: 03-08 23:30 EDT (last)"},
        {"2026-03-09T04:30:00.000Z", "DST New York spring: 03-09 00:30 EDT (day after)"},
        /* America/New_York 2026-11-01: local day = [11-01T04:00Z, 11-02T05:00Z), 25 h */
        {"2026-11-01T03:30:00.000Z", "DST New York autumn: 10-31 23:30 EDT (day before)"},
        {"2026-11-01T04:30:00.000Z", "DST New York autumn: 11-01 00:30 EDT (first)"},
        {"2026-11-02T04:30:00.000Z", "DST New York autumn: 11-01 23:30 EST (last)"},
        {"2026-11-02T05:30:00.000Z", "DST New York autumn: 11-02 00:30 EST (day after)"},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        int64_t ms;
        tsim_parse_datetime(d[i].when, strlen(d[i].when), &ms);
        const seg s[] = {{"External", "10000", "+4973155500", d[i].label, EXT("100",
                          "Max Mustermann"), 500, 6000, "Answered", NULL}};
        add_call(st, 100 + (int)i, ms, "Inbound", s, 1);
    }
}

static json_t *system_status(const tsim_state *st, int64_t now)
{
    char backup[40], check[40];
    iso(now - 9 * 60 * MIN_MS, false, backup);
    iso(now - 3 * 60 * MIN_MS, false, check);
    json_t *s = json_pack("{s:i, s:s, s:s, s:b, s:i, s:b, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:s,"
                          " s:i, s:I, s:I, s:s, s:s, s:s, s:s}",
                          "Id", 1, "FQDN", st->cfg.fqdn, "Version", TSIM_VERSION, "Activated",
                          true, "MaxSimCalls", 8, "LicenseActive", true, "LicenseKey",
                          "SIM0-0000-0000-0000", "ProductCode", "3CXPSENT8", "ExpirationDate",
                          "2035-01-01T00:00:00Z", "MaintenanceExpiresAt", "2027-06-30T00:00:00Z",
                          "Support", true, "ResellerName", "Sim Reseller", "BackupScheduled", true,
                          "LastBackupDateTime", backup, "DiskUsage", 21, "FreeDiskSpace",
                          (json_int_t)23911714816LL, "TotalDiskSpace", (json_int_t)30266880000LL,
                          "OS", "Linux", "Ip", "192.0.2.10", "IpV4", "192.0.2.10", "IpV6", "::");
    json_t *more = json_pack("{s:b, s:s, s:i, s:i, s:b, s:b, s:i, s:i, s:i}", "AutoUpdateEnabled",
                             true, "LastCheckForUpdates", check, "RecordingQuota", 10240,
                             "RecordingUsedSpace", 312, "HasNotRunningServices", false,
                             "HasUnregisteredSystemExtensions", false, "OutboundRules", 3,
                             "MaxUserExtensions", 50, "UserExtensions", 9);
    json_object_update(s, more);
    json_decref(more);
    return s;
}

static void clear_sets(tsim_state *st)
{
    json_t **sets[] = {&st->system_status, &st->users,    &st->groups,     &st->trunks,
                       &st->active_calls,  &st->calllog,  &st->history,    &st->queues,
                       &st->ringgroups,    &st->contacts, &st->eventlogs, &st->timezones};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        json_decref(*sets[i]);
        *sets[i] = NULL;
    }
}

int tsim_seed(tsim_state *st)
{
    clear_sets(st);
    int64_t now = st->cfg.now_ms;
    st->next_id = 1000;
    seed_users(st);
    seed_pbx_objects(st);
    seed_contacts(st);
    seed_eventlogs(st, now);
    seed_timezones(st);
    seed_active_calls(st, now);
    seed_history(st);
    st->calllog = json_array();
    seed_named_calls(st, now);
    seed_midnight_calls(st, now);
    seed_filler_calls(st, now);
    seed_dst_calls(st);
    st->system_status = system_status(st, now);
    return st->users && st->queues && st->calllog && st->system_status ? 0 : -1;
}
