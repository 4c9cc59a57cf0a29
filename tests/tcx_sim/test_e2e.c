/* End-to-end tests of the tcx-sim binary over loopback HTTP (libcurl): it is started with
 * --max-seconds so it always stops, the port is read from its first stdout line, and every
 * behaviour the 3CX connector's tests depend on is checked on the wire: tokens (units, single
 * active token, revocation, bad credentials), OData answers and errors, keys, $expand, the
 * call-log function with its parameter rules and DST windows, roles, writes, BatchDelete
 * errors, fault injection and the request log. Usage: tcx_sim_e2e <path to tcx-sim>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *sim_path;
static pid_t sim_pid;
static char base[64];
static char token[2048];

typedef struct reply {
    long status;
    char *body;
    size_t len;
    char headers[4096];
    size_t hlen;
    CURLcode rc;
} reply;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = size * n;
    char *b = realloc(r->body, r->len + k + 1);
    if (!b)
        return 0;
    memcpy(b + r->len, p, k);
    r->len += k;
    b[r->len] = '\0';
    r->body = b;
    return k;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = size * n;
    if (r->hlen + k < sizeof r->headers) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = '\0';
    }
    return k;
}

/* One request; path is appended to the base URL as given (already encoded). */
static reply req(const char *method, const char *path, const char *ctype, const char *body,
                 const char *bearer)
{
    reply r = {0};
    CURL *c = curl_easy_init();
    char url[8192], auth[2200], ct[200];
    snprintf(url, sizeof url, "%s%s", base, path);
    struct curl_slist *h = NULL;
    if (bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
        h = curl_slist_append(h, auth);
    }
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        h = curl_slist_append(h, ct);
    }
    h = curl_slist_append(h, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    r.rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r.body)
        r.body = calloc(1, 1);
    return r;
}

static reply get(const char *path) { return req("GET", path, NULL, NULL, token); }

static json_t *json_of(const reply *r)
{
    json_t *j = json_loads(r->body, 0, NULL);
    if (!j)
        fail_msg("not JSON (%ld): %s", r->status, r->body);
    return j;
}

static char *get_token(const char *id, const char *secret, long want_status, long *expires)
{
    static char tok[2048];
    char form[256];
    snprintf(form, sizeof form, "grant_type=client_credentials&client_id=%s&client_secret=%s", id,
             secret);
    reply r = req("POST", "/connect/token", "application/x-www-form-urlencoded", form, NULL);
    assert_int_equal(r.status, want_status);
    tok[0] = '\0';
    if (r.status == 200) {
        json_t *j = json_of(&r);
        snprintf(tok, sizeof tok, "%s", json_string_value(json_object_get(j, "access_token")));
        if (expires)
            *expires = (long)json_integer_value(json_object_get(j, "expires_in"));
        json_decref(j);
    }
    free(r.body);
    return tok;
}

static void control(const char *method, const char *path, const char *json)
{
    reply r = req(method, path, json ? "application/json" : NULL, json, NULL);
    if (r.status != 200 && r.status != 204)
        fail_msg("%s %s: %ld %s", method, path, r.status, r.body);
    free(r.body);
}

static int start_sim(void **state)
{
    (void)state;
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *argv[] = {(char *)sim_path, "--listen", "127.0.0.1:0", "--now", "2026-03-29T20:00:00Z",
                    "--max-seconds", "90", NULL};
    if (posix_spawn(&sim_pid, sim_path, &fa, NULL, argv, environ) != 0)
        return -1;
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[256];
    int port = 0;
    if (f && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "127.0.0.1:");
        if (p)
            port = atoi(p + 10);
    }
    if (f)
        fclose(f);
    if (port <= 0)
        return -1;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(token, sizeof token, "%s", get_token("900", "sim-secret-900", 200, NULL));
    return 0;
}

static int stop_sim(void **state)
{
    (void)state;
    reply r = req("POST", "/_sim/shutdown", NULL, "", NULL);
    free(r.body);
    int status = 0;
    if (waitpid(sim_pid, &status, 0) < 0)
        kill(sim_pid, SIGTERM);
    curl_global_cleanup();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void test_tokens(void **state)
{
    (void)state;
    long exp = 0;
    get_token("900", "wrong", 401, NULL);
    reply r = req("POST", "/connect/token", "application/x-www-form-urlencoded",
                  "grant_type=password&client_id=900&client_secret=sim-secret-900", NULL);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "unsupported_grant_type"));
    free(r.body);
    r = req("POST", "/connect/token", "application/json", "{}", NULL);
    assert_int_equal(r.status, 400);
    free(r.body);
    r = req("POST", "/connect/token", "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\n900\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nsim-secret-900\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials\r\n"
            "--XyZ--\r\n", NULL);
    assert_int_equal(r.status, 200);
    free(r.body);

    char first[2048];
    snprintf(first, sizeof first, "%s", get_token("900", "sim-secret-900", 200, &exp));
    assert_int_equal(exp, 3600);
    assert_int_equal(strchr(first, '.') != NULL, 1);
    char second[2048];
    snprintf(second, sizeof second, "%s", get_token("900", "sim-secret-900", 200, NULL));
    /* one active token per client: the first is gone */
    r = req("GET", "/xapi/v1/Defs?$select=Id", NULL, NULL, first);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.headers, "WWW-Authenticate: Bearer"));
    assert_int_equal(r.len, 0);
    free(r.body);
    r = req("GET", "/xapi/v1/Defs?$select=Id", NULL, NULL, second);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "X-3CX-Version: 20.0.10"));
    assert_non_null(strstr(r.body, "#Defs(Id)/$entity"));
    free(r.body);
    r = req("GET", "/xapi/v1/Defs", NULL, NULL, NULL);
    assert_int_equal(r.status, 401);
    free(r.body);

    control("POST", "/_sim/config", "{\"expires_in_unit\":\"minutes\"}");
    get_token("900", "sim-secret-900", 200, &exp);
    assert_int_equal(exp, 60);
    control("POST", "/_sim/config", "{\"expires_in_unit\":\"seconds\",\"token_lifetime_s\":1}");
    snprintf(token, sizeof token, "%s", get_token("900", "sim-secret-900", 200, &exp));
    assert_int_equal(exp, 1);
    usleep(1300 * 1000);
    r = get("/xapi/v1/Defs");
    assert_int_equal(r.status, 401);
    free(r.body);
    control("POST", "/_sim/config", "{\"token_lifetime_s\":3600}");
    snprintf(token, sizeof token, "%s", get_token("900", "sim-secret-900", 200, NULL));
    control("POST", "/_sim/tokens/revoke", "");
    r = get("/xapi/v1/Defs");
    assert_int_equal(r.status, 401);
    free(r.body);
    snprintf(token, sizeof token, "%s", get_token("900", "sim-secret-900", 200, NULL));
}

static void test_users(void **state)
{
    (void)state;
    reply r = get("/xapi/v1/Users?$filter=contains(LastName,%27o%27%27b%27)%20and%20Enabled%20eq%20true"
                  "&$select=Id,Number,DisplayName&$count=true&$orderby=Number%20asc&$top=10");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "Content-Type: application/json; odata.metadata=minimal"));
    json_t *j = json_of(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "@odata.count")), 1);
    json_t *u = json_array_get(json_object_get(j, "value"), 0);
    assert_string_equal(json_string_value(json_object_get(u, "Number")), "101");
    assert_int_equal(json_object_size(u), 3);
    assert_non_null(strstr(json_string_value(json_object_get(j, "@odata.context")),
                           "#Users(Id,Number,DisplayName)"));
    json_decref(j);
    free(r.body);

    /* the find_users filter of the existing server (v0.3.0), query "o'b" */
    r = get("/xapi/v1/Users?$filter=(contains(FirstName,'o''b')%20or%20contains(LastName,'o''b')%20or%20"
            "contains(DisplayName,'o''b')%20or%20contains(EmailAddress,'o''b')%20or%20"
            "contains(Mobile,'o''b')%20or%20contains(Number,'o''b'))%20and%20Enabled%20eq%20true%20and%20"
            "IsRegistered%20eq%20true&$top=50&$orderby=Number%20asc&$select=Id,Number,FirstName,"
            "LastName,DisplayName,EmailAddress,Mobile,IsRegistered,CurrentProfileName,QueueStatus,"
            "Enabled&$count=true");
    assert_int_equal(r.status, 200);
    j = json_of(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "@odata.count")), 1); /* 101 only */
    json_decref(j);
    free(r.body);

    r = get("/xapi/v1/Users(Number='101')");
    assert_int_equal(r.status, 200);
    j = json_of(&r);
    assert_non_null(json_string_value(json_object_get(j, "AuthPassword")));
    assert_null(json_object_get(j, "Groups")); /* navigation only with $expand */
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/Users(27)?$expand=Groups");
    j = json_of(&r);
    assert_int_equal(json_array_size(json_object_get(j, "Groups")), 1);
    json_decref(j);
    free(r.body);

    r = get("/xapi/v1/Users(99999)");
    assert_int_equal(r.status, 404);
    free(r.body);
    r = get("/xapi/v1/Nope");
    assert_int_equal(r.status, 404);
    free(r.body);
    r = req("PUT", "/xapi/v1/Users", NULL, NULL, token);
    assert_int_equal(r.status, 405);
    free(r.body);
    r = get("/xapi/v1/Users?$filter=Number%20eq%20100");
    assert_int_equal(r.status, 400);
    j = json_of(&r);
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(j, "error"),
                                                            "message")), "incompatible"));
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/Users?$top=x");
    assert_int_equal(r.status, 400);
    free(r.body);
}

static void test_queues_and_groups(void **state)
{
    (void)state;
    reply r = get("/xapi/v1/Queues?$orderby=Number%20asc");
    json_t *j = json_of(&r);
    json_t *q0 = json_array_get(json_object_get(j, "value"), 0);
    assert_string_equal(json_string_value(json_object_get(q0, "Name")), "Support");
    assert_null(json_object_get(q0, "Agents"));
    assert_int_equal(json_array_size(json_object_get(j, "value")), 3);
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/Queues?$expand=Agents&$filter=Number%20eq%20'800'");
    j = json_of(&r);
    q0 = json_array_get(json_object_get(j, "value"), 0);
    assert_int_equal(json_array_size(json_object_get(q0, "Agents")), 3);
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/RingGroups(Number='700')/Members");
    j = json_of(&r);
    assert_int_equal(json_array_size(json_object_get(j, "value")), 2);
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/Groups(35)/Members");
    j = json_of(&r);
    assert_int_equal(json_array_size(json_object_get(j, "value")), 2);
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/Trunks");
    j = json_of(&r);
    json_t *t = json_array_get(json_object_get(j, "value"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(t, "Gateway"), "Name")),
                        "Provider A");
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/EventLogs?$top=2");
    j = json_of(&r);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "value"), 0),
                                                        "Id")), 1020);
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/Contacts/Pbx.GetContactsByNumber(number='%2B49%20731%205551234')");
    j = json_of(&r);
    assert_int_equal(json_array_size(json_object_get(j, "value")), 1);
    json_decref(j);
    free(r.body);
    r = get("/xapi/v1/SystemStatus");
    j = json_of(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "CallsActive")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "TrunksRegistered")), 1);
    json_decref(j);
    free(r.body);
}

#define CALLLOG "/xapi/v1/ReportCallLogData/Pbx.GetCallLogData("
#define REST ",sourceType=0,sourceFilter='',destinationType=0,destinationFilter='',callsType=0," \
             "callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',"      \
             "hidePcalls=true)"

static void test_call_log(void **state)
{
    (void)state;
    /* Europe/Berlin 2026-03-29 is 23 hours long: [03-28T23:00Z, 03-29T22:00Z) */
    reply r = get(CALLLOG "periodFrom=2026-03-28T23:00:00Z,periodTo=2026-03-29T21:59:59Z" REST
                  "?$filter=startswith(SourceDisplayName,'DST%20Berlin%20spring')&$count=true");
    assert_int_equal(r.status, 200);
    json_t *j = json_of(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "@odata.count")), 2);
    json_t *v = json_object_get(j, "value");
    /* newest first */
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "StartTime")),
                        "2026-03-29T21:30:00.000Z");
    json_decref(j);
    free(r.body);
    /* percent-encoded form of the same request */
    r = get("/xapi/v1/ReportCallLogData/Pbx.GetCallLogData(periodFrom=2026-03-28T23%3A00%3A00Z,"
            "periodTo=2026-03-29T21%3A59%3A59Z,sourceType=0,sourceFilter=%27%27,destinationType=0,"
            "destinationFilter=%27%27,callsType=0,callTimeFilterType=0,callTimeFilterFrom=%270%3A00%3A0%27,"
            "callTimeFilterTo=%270%3A00%3A0%27,hidePcalls=true)?$top=1");
    assert_int_equal(r.status, 200);
    free(r.body);
    r = get(CALLLOG "periodFrom=2026-03-28T23:00:00Z" REST);
    assert_int_equal(r.status, 404);
    free(r.body);
    r = get(CALLLOG "periodFrom=yesterday,periodTo=2026-03-29T21:59:59Z" REST);
    assert_int_equal(r.status, 500);
    free(r.body);
    r = get(CALLLOG "periodFrom='2026-03-28T23:00:00Z',periodTo=2026-03-29T21:59:59Z" REST);
    assert_int_equal(r.status, 500);
    free(r.body);
    r = get(CALLLOG "periodFrom=2026-03-28T23:00:00Z,periodTo=2026-03-29T21:59:59Z,sourceType=0,"
            "sourceFilter='',destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,"
            "callTimeFilterFrom='',callTimeFilterTo='',hidePcalls=true)");
    assert_int_equal(r.status, 400);
    free(r.body);
    /* the queue call answered on its third segment, found by its destination */
    r = get(CALLLOG "periodFrom=2026-03-29T00:00:00Z,periodTo=2026-03-29T20:00:00Z" REST
            "?$filter=MainCallHistoryId%20eq%20'6d1c0000-0000-4000-8000-000000000001'");
    j = json_of(&r);
    assert_int_equal(json_array_size(json_object_get(j, "value")), 3);
    json_decref(j);
    free(r.body);
    /* system_admins may not read call history */
    char *admin = get_token("901", "sim-secret-901", 200, NULL);
    r = req("GET", CALLLOG "periodFrom=2026-03-28T23:00:00Z,periodTo=2026-03-29T21:59:59Z" REST, NULL,
            NULL, admin);
    assert_int_equal(r.status, 403);
    free(r.body);
    r = req("GET", "/xapi/v1/Users?$top=1", NULL, NULL, admin);
    assert_int_equal(r.status, 200);
    free(r.body);
    r = get("/xapi/v1/CallHistoryView?$filter=date(SegmentStartTime)%20ge%202024-05-14&$count=true");
    assert_int_equal(r.status, 200);
    j = json_of(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "@odata.count")), 2);
    json_decref(j);
    free(r.body);
    r = req("GET", "/xapi/v1/CallHistoryView", NULL, NULL, admin);
    assert_int_equal(r.status, 403);
    assert_int_equal(r.len, 0);
    free(r.body);
    control("POST", "/_sim/config", "{\"report_row_limit\":5}");
    r = get(CALLLOG "periodFrom=2026-03-25T00:00:00Z,periodTo=2026-03-30T00:00:00Z" REST "?$count=true");
    j = json_of(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "@odata.count")), 5);
    json_decref(j);
    free(r.body);
    control("POST", "/_sim/config", "{\"report_row_limit\":20000}");
}

static void test_writes(void **state)
{
    (void)state;
    reply r = req("POST", "/xapi/v1/Users", "application/json",
                  "{\"Number\":\"100\",\"FirstName\":\"X\"}", token);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "Number:\\nWARNINGS.XAPI.ALREADY_IN_USE"));
    free(r.body);
    r = req("POST", "/xapi/v1/Users", "application/json", "{\"Bogus\":1}", token);
    assert_int_equal(r.status, 400);
    free(r.body);
    r = req("POST", "/xapi/v1/Users", "application/json",
            "{\"FirstName\":\"New\",\"LastName\":\"O'Hara\",\"EmailAddress\":\"new@example.com\"}",
            token);
    assert_int_equal(r.status, 201);
    json_t *j = json_of(&r);
    assert_string_equal(json_string_value(json_object_get(j, "Number")), "108");
    assert_string_equal(json_string_value(json_object_get(j, "DisplayName")), "New O'Hara");
    long long id = json_integer_value(json_object_get(j, "Id"));
    json_decref(j);
    free(r.body);
    char path[128];
    snprintf(path, sizeof path, "/xapi/v1/Users(%lld)", id);
    r = req("PATCH", path, "application/json", "{\"CurrentProfileName\":\"Holiday\"}", token);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "CurrentProfileName"));
    free(r.body);
    r = req("PATCH", path, "application/json", "{\"Number\":\"555\"}", token);
    assert_int_equal(r.status, 400);
    free(r.body);
    r = req("PATCH", path, "application/json", "{\"CurrentProfileName\":\"Away\",\"Mobile\":\"0731 1\"}",
            token);
    assert_int_equal(r.status, 204);
    free(r.body);
    r = get(path);
    j = json_of(&r);
    assert_string_equal(json_string_value(json_object_get(j, "CurrentProfileName")), "Away");
    json_decref(j);
    free(r.body);
    char body[128];
    snprintf(body, sizeof body, "{\"ids\":[%lld,424242]}", id);
    r = req("POST", "/xapi/v1/Users/Pbx.BatchDelete", "application/json", body, token);
    assert_int_equal(r.status, 200);
    j = json_of(&r);
    json_t *errs = json_object_get(j, "value");
    assert_int_equal(json_array_size(errs), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "Error")),
                        "WARNINGS.XAPI.NOT_FOUND");
    json_decref(j);
    free(r.body);
    r = get(path);
    assert_int_equal(r.status, 404);
    free(r.body);
    r = req("POST", "/xapi/v1/Groups", "application/json", "{\"Name\":\"sales\"}", token);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "DUPLICATE"));
    free(r.body);
    r = req("POST", "/xapi/v1/Groups", "application/json",
            "{\"Name\":\"Support EU\",\"TimeZoneId\":\"W. Europe Standard Time\"}", token);
    assert_int_equal(r.status, 400);
    free(r.body);
    r = req("POST", "/xapi/v1/Groups", "application/json", "{\"Name\":\"Support EU\"}", token);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, "\"Number\":\"GRP0002\""));
    free(r.body);
    control("POST", "/_sim/reset", "");
}

static void test_faults_and_log(void **state)
{
    (void)state;
    control("DELETE", "/_sim/requests", NULL);
    control("POST", "/_sim/fault", "{\"path\":\"/xapi/v1/Trunks\",\"status\":500,\"count\":2}");
    reply r = get("/xapi/v1/Users?$top=1");
    assert_int_equal(r.status, 200);
    free(r.body);
    for (int i = 0; i < 2; i++) {
        r = get("/xapi/v1/Trunks");
        assert_int_equal(r.status, 500);
        free(r.body);
    }
    r = get("/xapi/v1/Trunks");
    assert_int_equal(r.status, 200);
    free(r.body);
    control("POST", "/_sim/fault", "[{\"status\":401},{\"malformed\":true},{\"close\":true},"
                                   "{\"delay_ms\":50}]");
    r = get("/xapi/v1/Users");
    assert_int_equal(r.status, 401);
    free(r.body);
    r = get("/xapi/v1/Users");
    assert_int_equal(r.status, 200);
    assert_null(json_loads(r.body, 0, NULL));
    free(r.body);
    r = get("/xapi/v1/Users");
    assert_int_not_equal(r.rc, CURLE_OK);
    free(r.body);
    r = get("/xapi/v1/Users?$top=1");
    assert_int_equal(r.status, 200);
    free(r.body);
    reply bad = req("POST", "/_sim/fault", "application/json", "{\"status\":\"x\"}", NULL);
    assert_int_equal(bad.status, 400);
    free(bad.body);

    r = req("GET", "/_sim/requests", NULL, NULL, NULL);
    json_t *j = json_of(&r);
    json_t *log = json_object_get(j, "requests");
    assert_int_equal(json_array_size(log), 8);
    json_t *first = json_array_get(log, 0);
    assert_string_equal(json_string_value(json_object_get(first, "target")), "/xapi/v1/Users?$top=1");
    assert_string_equal(json_string_value(json_object_get(first, "query")), "$top=1");
    assert_true(json_is_true(json_object_get(first, "authorization")));
    assert_null(strstr(r.body, token)); /* the bearer token itself is never logged */
    json_decref(j);
    free(r.body);
    snprintf(token, sizeof token, "%s", get_token("900", "sim-secret-900", 200, NULL));
    r = req("GET", "/_sim/requests", NULL, NULL, NULL);
    assert_null(strstr(r.body, "sim-secret-900"));
    assert_non_null(strstr(r.body, "client_secret=***"));
    free(r.body);
}

/* Hostile and malformed requests: each gets its documented status, and the simulator lives on. */
static void test_bad_input(void **state)
{
    (void)state;
    static const struct {
        const char *method, *path, *body;
        long status;
    } cases[] = {
        {"GET", "/xapi/v1/Users(", NULL, 404},
        {"GET", "/xapi/v1/Users(Number='1)", NULL, 404},
        {"GET", "/xapi/v1/Users(Number=%27%27%27)", NULL, 404},
        {"GET", "/xapi/v1/Users(26)/Groups/x", NULL, 404},
        {"GET", "/xapi/v1/Users(99999999999999999999)", NULL, 404},
        {"GET", "/xapi/v1/Users/Pbx.Nope()", NULL, 404},
        {"GET", "/xapi/v1/Users/Pbx.GetFirstAvailableExtensionNumber(x=1)", NULL, 404},
        {"GET", "/xapi/v1/ReportCallLogData/Pbx.GetCallLogData()", NULL, 404},
        {"GET", "/xapi/v1/ReportCallLogData/Pbx.GetCallLogData(,,,)", NULL, 404},
        {"GET", "/xapi/v1/SystemStatus(1)", NULL, 404},
        {"GET", "/xapi/v1/%00", NULL, 400},
        {"GET", "/xapi/v1/Users?$filter=%", NULL, 400},
        {"GET", "/xapi/v1/Users?$filter=contains(LastName,'100%')", NULL, 400},
        {"GET", "/xapi/v1/Contacts?$filter=contains(CompanyName,'100%25')", NULL, 200},
        {"GET", "/xapi/v1/Users?$expand=Groups($expand=(((", NULL, 400},
        {"GET", "/xapi/v1/Users(26)?$top=1", NULL, 400},
        {"POST", "/xapi/v1/ActiveCalls(301)/Pbx.DropCall", "", 200},
        {"GET", "/xapi/v1/ActiveCalls(301)/Pbx.DropCall", NULL, 405},
        {"POST", "/xapi/v1/ActiveCalls(301)/Pbx.DropCall", "", 404},
        {"PATCH", "/xapi/v1/Users(26)", "[]", 400},
        {"PATCH", "/xapi/v1/Users(26)", "", 400},
        {"PATCH", "/xapi/v1/Users(26)", "{\"FirstName\":5}", 400},
        {"PATCH", "/xapi/v1/Users(26)", "{\"Groups\":[{\"GroupId\":999}]}", 400},
        {"PATCH", "/xapi/v1/Users(26)", "{\"QueueStatus\":\"Maybe\"}", 400},
        {"PATCH", "/xapi/v1/Users(26)", "{\"EmailAddress\":\"SEAN.OBRIEN@example.com\"}", 400},
        {"PATCH", "/xapi/v1/Users(26)", "{\"FirstName\":\"a\",\"FirstName\":\"b\"}", 400},
        {"PATCH", "/xapi/v1/Queues(40)", "{\"Agents\":[{\"Number\":\"999\"}]}", 400},
        {"PATCH", "/xapi/v1/Queues(40)", "{\"Agents\":[{\"Number\":\"105\"}]}", 204},
        {"POST", "/xapi/v1/Users/Pbx.BatchDelete", "{\"ids\":[\"26\"]}", 400},
        {"POST", "/xapi/v1/Users/Pbx.BatchDelete", "{\"ids\":26}", 400},
        {"DELETE", "/xapi/v1/Users(34)", NULL, 400},
        {"DELETE", "/xapi/v1/Groups(28)", NULL, 400},
        {"POST", "/xapi/v1/Groups/Pbx.DeleteCompanyById", "{\"Id\":4242}", 400},
        {"GET", "/xapi/v1/Defs", NULL, 200},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reply r = req(cases[i].method, cases[i].path, cases[i].body ? "application/json" : NULL,
                      cases[i].body, token);
        if (r.status != cases[i].status)
            fail_msg("%s %s: got %ld, want %ld: %s", cases[i].method, cases[i].path, r.status,
                     cases[i].status, r.body);
        free(r.body);
    }
    reply r = get("/xapi/v1/Queues(40)?$expand=Agents");
    json_t *j = json_of(&r);
    json_t *agents = json_object_get(j, "Agents");
    assert_int_equal(json_array_size(agents), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(agents, 0), "Name")),
                        "Anna Smith");
    json_decref(j);
    free(r.body);
    control("POST", "/_sim/reset", "");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <tcx-sim>\n", argv[0]);
        return 2;
    }
    sim_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),        cmocka_unit_test(test_users),
        cmocka_unit_test(test_queues_and_groups), cmocka_unit_test(test_call_log),
        cmocka_unit_test(test_writes),        cmocka_unit_test(test_faults_and_log),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, start_sim, stop_sim);
}
