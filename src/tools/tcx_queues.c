/* 3CX queues and ring groups: find_queues (fuzzy: number, name, prefix, contains),
 * get_queue_agents (agents via $expand=Agents, login state joined from each user's QueueStatus,
 * ambiguous names answered with the candidates) and list_ring_groups ($expand=Members). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tcx_tools.h"
#include "util/buf.h"

#define QUEUE_MAX 500

/* 0 number equal, 1 name equal, 2 number prefix, 3 name contains, 4 number contains, -1 none. */
static int queue_score(const json_t *q, const char *lq)
{
    if (!*lq)
        return 5;
    char *num = tcx_lower_trim(tcx_s(q, "Number")), *name = tcx_lower_trim(tcx_s(q, "Name"));
    int s = -1;
    if (num && name) {
        if (strcmp(num, lq) == 0)
            s = 0;
        else if (strcmp(name, lq) == 0)
            s = 1;
        else if (strncmp(num, lq, strlen(lq)) == 0)
            s = 2;
        else if (strstr(name, lq))
            s = 3;
        else if (strstr(num, lq))
            s = 4;
    }
    free(num);
    free(name);
    return s;
}

static const char *score_name(int s)
{
    static const char *const n[] = {"exact-number", "exact-name", "number-prefix", "name-contains",
                                    "number-contains", "all"};
    return s >= 0 && s <= 5 ? n[s] : "none";
}

typedef struct scored {
    json_t *q;
    int score;
    size_t pos;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score - y->score;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Scores every row of v against query; returns the matches best first (count in *n). */
static scored *match_queues(json_t *v, const char *query, size_t *n)
{
    char *lq = tcx_lower_trim(query ? query : "");
    scored *s = calloc(json_array_size(v) + 1, sizeof *s);
    *n = 0;
    if (!lq || !s) {
        free(lq);
        return s;
    }
    size_t i;
    json_t *q;
    json_array_foreach(v, i, q) {
        int sc = queue_score(q, lq);
        if (sc >= 0)
            s[(*n)++] = (scored){q, sc, i};
    }
    qsort(s, *n, sizeof *s, cmp_scored);
    free(lq);
    return s;
}

static bool fetch_queues(tcx_ctx *c, bool agents, json_t **v)
{
    tcx_url u;
    tcx_url_init(&u, "Queues");
    if (agents)
        tcx_url_opt(&u, "$expand", "Agents");
    tcx_url_opt(&u, "$select", "Id,Number,Name,PollingStrategy,RingTimeout,MasterTimeout,IsRegistered");
    tcx_url_opt(&u, "$orderby", "Number asc");
    tcx_url_opt_int(&u, "$top", QUEUE_MAX);
    long cnt;
    return tcx_list(c, &u, v, &cnt);
}

static const char *const queue_fields[] = {"Id", "Number", "Name", "PollingStrategy", "RingTimeout",
                                           "MasterTimeout", "IsRegistered", NULL};

static void h_find_queues(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *query = json_string_value(json_object_get(args, "query"));
    json_t *v;
    if (!fetch_queues(&c, false, &v))
        return;
    size_t n;
    scored *s = match_queues(v, query, &n);
    json_t *items = json_array();
    sb_buf b;
    sb_buf_init(&b, 32768);
    for (size_t i = 0; s && i < n; i++) {
        json_t *o = tcx_pick(s[i].q, queue_fields);
        json_object_set_new(o, "matchedBy", json_string(score_name(s[i].score)));
        json_array_append_new(items, o);
        sb_buf_printf(&b, "\n%s %s (Id %lld): %s, ring %llds, max wait %llds", tcx_s(s[i].q, "Number"),
                      tcx_s(s[i].q, "Name"), (long long)json_integer_value(json_object_get(s[i].q, "Id")),
                      tcx_s(s[i].q, "PollingStrategy"),
                      (long long)json_integer_value(json_object_get(s[i].q, "RingTimeout")),
                      (long long)json_integer_value(json_object_get(s[i].q, "MasterTimeout")));
    }
    free(s);
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "query", json_string(query ? query : ""));
    json_object_set_new(out, "total", json_integer((json_int_t)json_array_size(items)));
    json_object_set_new(out, "returned", json_integer((json_int_t)json_array_size(items)));
    json_object_set_new(out, "hasMore", json_boolean(json_array_size(v) >= QUEUE_MAX));
    json_object_set_new(out, "queues", items);
    tcx_finish(&c, out, "%zu queue(s)%s%s%s%s", json_array_size(items), query && *query ? " matching '" : "",
               query && *query ? query : "", query && *query ? "'" : "", b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(v);
}

/* Resolves the query to one queue; on no match or a tie answers with the candidates. */
static json_t *resolve_queue(tcx_ctx *c, json_t *v, const char *query, const char **how)
{
    size_t n;
    scored *s = match_queues(v, query, &n);
    if (!s || n == 0) {
        tcx_failf(c, "No queue matches '%.64s' (find_queues lists them).", query);
        free(s);
        return NULL;
    }
    size_t ties = 1;
    while (ties < n && s[ties].score == s[0].score)
        ties++;
    if (ties > 1) {
        sb_buf b;
        sb_buf_init(&b, 8192);
        for (size_t i = 0; i < ties; i++)
            sb_buf_printf(&b, "%s%s \"%s\"", i ? ", " : "", tcx_s(s[i].q, "Number"), tcx_s(s[i].q, "Name"));
        tcx_failf(c, "'%.64s' matches %zu queues equally well: %s. Ask with the queue number.", query, ties,
                  b.data ? b.data : "");
        sb_buf_free(&b);
        free(s);
        return NULL;
    }
    json_t *q = s[0].q;
    *how = score_name(s[0].score);
    free(s);
    return q;
}

bool tcx_queue_number(tcx_ctx *c, const char *query, char *number, size_t n)
{
    bool digits = *query != 0;
    for (const char *p = query; *p; p++)
        digits = digits && *p >= '0' && *p <= '9';
    if (digits) {
        snprintf(number, n, "%s", query);
        return true;
    }
    json_t *v;
    if (!fetch_queues(c, false, &v))
        return false;
    const char *how;
    json_t *q = resolve_queue(c, v, query, &how);
    if (q)
        snprintf(number, n, "%s", tcx_s(q, "Number"));
    json_decref(v);
    return q != NULL;
}

/* GET the users behind the agent numbers: Number -> user row. */
static bool agent_users(tcx_ctx *c, json_t *agents, json_t **users)
{
    *users = json_object();
    for (size_t start = 0; start < json_array_size(agents); start += 50) {
        tcx_filter f;
        tcx_filter_init(&f);
        for (size_t i = start; i < json_array_size(agents) && i < start + 50; i++) {
            tcx_filter_raw(&f, i > start ? " or Number eq " : "Number eq ");
            tcx_filter_lit(&f, tcx_s(json_array_get(agents, i), "Number"));
        }
        tcx_url u;
        tcx_url_init(&u, "Users");
        tcx_url_filter(&u, &f);
        tcx_filter_free(&f);
        tcx_url_opt(&u, "$select", "Number,DisplayName,QueueStatus,IsRegistered,CurrentProfileName");
        tcx_url_opt(&u, "$top", "50");
        json_t *v;
        long cnt;
        if (!tcx_list(c, &u, &v, &cnt))
            return false;
        size_t i;
        json_t *row;
        json_array_foreach(v, i, row) json_object_set(*users, tcx_s(row, "Number"), row);
        json_decref(v);
    }
    return true;
}

/* The queue's agents: from $expand, or (a PBX that ignored it) from /Queues(Id)/Agents. */
static json_t *queue_agents(tcx_ctx *c, json_t *q)
{
    json_t *a = json_object_get(q, "Agents");
    if (json_is_array(a))
        return json_incref(a);
    tcx_url u;
    tcx_url_init(&u, "Queues");
    tcx_url_key_int(&u, json_integer_value(json_object_get(q, "Id")));
    tcx_url_path(&u, "/Agents");
    json_t *v;
    long cnt;
    return tcx_list(c, &u, &v, &cnt) ? v : NULL;
}

static void h_get_queue_agents(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *query = json_string_value(json_object_get(args, "queue"));
    bool only_in = json_is_true(json_object_get(args, "loggedInOnly"));
    json_t *v, *users = NULL;
    if (!fetch_queues(&c, true, &v))
        return;
    const char *how = "";
    json_t *q = resolve_queue(&c, v, query, &how), *agents = NULL;
    if (q && !(agents = queue_agents(&c, q))) {
        json_decref(v);
        return;
    }
    if (!q || !agent_users(&c, agents, &users)) {
        json_decref(agents);
        json_decref(v);
        json_decref(users);
        return;
    }
    json_t *items = json_array();
    sb_buf b;
    sb_buf_init(&b, 32768);
    size_t i, in = 0;
    json_t *a;
    json_array_foreach(agents, i, a) {
        json_t *u = json_object_get(users, tcx_s(a, "Number"));
        bool logged = strcmp(tcx_s(u, "QueueStatus"), "LoggedIn") == 0;
        in += logged;
        if (only_in && !logged)
            continue;
        json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:s}", "number", tcx_s(a, "Number"), "name",
                              *tcx_s(u, "DisplayName") ? tcx_s(u, "DisplayName") : tcx_s(a, "Name"), "queueStatus",
                              u ? tcx_s(u, "QueueStatus") : "unknown", "loggedIn", logged, "isRegistered",
                              json_is_true(json_object_get(u, "IsRegistered")), "currentProfile",
                              tcx_s(u, "CurrentProfileName"));
        if (*tcx_s(a, "SkillGroup"))
            json_object_set_new(o, "skillGroup", json_string(tcx_s(a, "SkillGroup")));
        json_array_append_new(items, o);
        sb_buf_printf(&b, "\n%s %s: %s, %s, %s", tcx_s(o, "number"), tcx_s(o, "name"),
                      logged ? "logged in" : "logged out",
                      json_is_true(json_object_get(o, "isRegistered")) ? "registered" : "not registered",
                      tcx_s(o, "currentProfile"));
    }
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "queue", tcx_pick(q, queue_fields));
    json_object_set_new(out, "resolvedBy", json_string(how));
    json_object_set_new(out, "agentCount", json_integer((json_int_t)json_array_size(agents)));
    json_object_set_new(out, "loggedIn", json_integer((json_int_t)in));
    json_object_set_new(out, "returned", json_integer((json_int_t)json_array_size(items)));
    json_object_set_new(out, "agents", items);
    json_object_set_new(out, "note", json_string("3CX keeps one queue login flag per user (QueueStatus): a "
                                                 "logged-in agent is logged in to all of their queues."));
    tcx_finish(&c, out, "Queue %s %s: %zu agent(s), %zu logged in%s%s", tcx_s(q, "Number"), tcx_s(q, "Name"),
               json_array_size(agents), in, only_in ? " (showing those)" : "", b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(agents);
    json_decref(users);
    json_decref(v);
}

/* ---- ring groups ----------------------------------------------------------------------- */

static void h_list_ring_groups(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *name = json_string_value(json_object_get(args, "name"));
    char *lq = tcx_lower_trim(name ? name : "");
    tcx_url u;
    tcx_url_init(&u, "RingGroups");
    tcx_url_opt(&u, "$expand", "Members");
    tcx_url_opt(&u, "$select", "Id,Number,Name,RingStrategy,RingTime,IsRegistered");
    tcx_url_opt(&u, "$orderby", "Number asc");
    tcx_url_opt_int(&u, "$top", QUEUE_MAX);
    tcx_url_opt(&u, "$count", "true");
    json_t *v;
    long total;
    if (!lq || !tcx_list(&c, &u, &v, &total)) {
        free(lq);
        return;
    }
    static const char *const keep[] = {"Id", "Number", "Name", "RingStrategy", "RingTime", "IsRegistered", NULL};
    json_t *items = json_array();
    sb_buf b;
    sb_buf_init(&b, 32768);
    size_t i;
    json_t *g;
    json_array_foreach(v, i, g) {
        char *ln = tcx_lower_trim(tcx_s(g, "Name"));
        bool hit = !*lq || (ln && strstr(ln, lq)) || strstr(tcx_s(g, "Number"), lq);
        free(ln);
        if (!hit)
            continue;
        json_t *o = tcx_pick(g, keep), *members = json_array();
        sb_buf_printf(&b, "\n%s %s (%s, %llds): ", tcx_s(g, "Number"), tcx_s(g, "Name"), tcx_s(g, "RingStrategy"),
                      (long long)json_integer_value(json_object_get(g, "RingTime")));
        size_t k;
        json_t *m;
        json_array_foreach(json_object_get(g, "Members"), k, m) {
            json_array_append_new(members, json_pack("{s:s, s:s}", "number", tcx_s(m, "Number"), "name", tcx_s(m, "Name")));
            sb_buf_printf(&b, "%s%s %s", k ? ", " : "", tcx_s(m, "Number"), tcx_s(m, "Name"));
        }
        if (!json_array_size(members))
            sb_buf_printf(&b, "no members");
        json_object_set_new(o, "members", members);
        json_array_append_new(items, o);
    }
    free(lq);
    size_t n = json_array_size(items);
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "total", json_integer((json_int_t)n));
    json_object_set_new(out, "returned", json_integer((json_int_t)n));
    json_object_set_new(out, "hasMore", json_boolean(total > (long)json_array_size(v)));
    json_object_set_new(out, "ringGroups", items);
    tcx_finish(&c, out, "%zu ring group(s)%s", n, b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(v);
}

/* ---- the table ------------------------------------------------------------------------- */

static const mcp_param p_find_queues[] = {
    {.name = "query", .type = MCP_T_STRING, .max_length = 100,
     .description = "Queue number or (part of its) name; empty lists all queues."},
    {0}};
static const mcp_param p_agents[] = {
    {.name = "queue", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 100,
     .description = "Queue number or name. If several queues match equally, the candidates are returned."},
    {.name = "loggedInOnly", .type = MCP_T_BOOLEAN, .default_json = "false",
     .description = "Only agents currently logged in to queues."},
    {0}};
static const mcp_param p_rg[] = {
    {.name = "name", .type = MCP_T_STRING, .max_length = 100,
     .description = "Only ring groups whose name or number contains this text."},
    {0}};

#define RO (MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD)

const mcp_tool_def tcx_queue_tools[] = {
    {.name = "find_queues", .title = "Find call queues",
     .description = "Call queues by number or name (exact number, exact name, number prefix, name contains), with "
                    "strategy, ring time and maximum wait.",
     .params = p_find_queues, .annotations = RO,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX "," TCX_OS_PAGE ",\"query\":{\"type\":\"string\"},"
                      "\"queues\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},\"required\":[\"queues\"]}",
     .handler = h_find_queues},
    {.name = "get_queue_agents", .title = "Queue agents",
     .description = "The agents of one queue with their login state (QueueStatus), registration and profile; "
                    "loggedInOnly=true answers 'who is taking calls in this queue'.",
     .params = p_agents, .annotations = RO,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX ",\"queue\":{\"type\":\"object\"},"
                      "\"resolvedBy\":{\"type\":\"string\"},\"agentCount\":{\"type\":\"integer\"},\"loggedIn\":"
                      "{\"type\":\"integer\"},\"returned\":{\"type\":\"integer\"},\"agents\":{\"type\":\"array\","
                      "\"items\":{\"type\":\"object\",\"properties\":{\"number\":{\"type\":\"string\"},\"loggedIn\":"
                      "{\"type\":\"boolean\"}},\"required\":[\"number\",\"loggedIn\"]}}},\"required\":[\"queue\",\"agents\"]}",
     .handler = h_get_queue_agents},
    {.name = "list_ring_groups", .title = "List ring groups",
     .description = "Ring groups with their strategy, ring time and members.",
     .params = p_rg, .annotations = RO,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX "," TCX_OS_PAGE ",\"ringGroups\":{\"type\":"
                      "\"array\",\"items\":{\"type\":\"object\"}}},\"required\":[\"ringGroups\"]}",
     .handler = h_list_ring_groups},
    {0}};
