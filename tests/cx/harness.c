/* Test harness for the ConnexCS tools (see harness.h). */
#include "harness.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connect/http.h"
#include "tools/tools.h"

int cxh_sim_start(cxh_sim *s, const char *const *extra)
{
    memset(s, 0, sizeof s[0]);
    const char *bin = getenv("CX_SIM");
    if (!bin || !*bin)
        bin = "build/connexcs-sim";
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    const char *argv[32];
    size_t n = 0;
    argv[n++] = bin;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--now";
    argv[n++] = CXH_NOW;
    argv[n++] = "--max-seconds";
    argv[n++] = "600";
    for (size_t i = 0; extra && extra[i] && n < 31; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    char line[256];
    size_t len = 0;
    while (len + 1 < sizeof line) { /* the first line: "listening on http://127.0.0.1:PORT" */
        ssize_t r = read(fds[0], line + len, 1);
        if (r <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(fds[0]);
    const char *colon = strrchr(line, ':');
    s->pid = pid;
    s->port = colon ? atoi(colon + 1) : 0;
    if (s->port <= 0) {
        cxh_sim_stop(s);
        return -1;
    }
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    snprintf(s->api, sizeof s->api, "%s/api/cp/", s->base);
    return 0;
}

void cxh_sim_stop(cxh_sim *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static long http(cxh_sim *s, const char *method, const char *path, const char *body, json_t **out)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    const char *hdr[] = {"Content-Type: application/json", NULL};
    cn_http_request rq = {.method = method, .url = url, .headers = hdr, .body = body,
                          .body_len = body ? strlen(body) : 0, .timeout_ms = 60000};
    cn_http_response rs;
    memset(&rs, 0, sizeof rs);
    long status = cn_http_perform(&rq, &rs) == 0 ? rs.status : 0;
    if (out)
        *out = rs.body.data ? json_loadb(rs.body.data, rs.body.len, 0, NULL) : NULL;
    cn_http_response_free(&rs);
    return status;
}

json_t *cxh_sim_get(cxh_sim *s, const char *path)
{
    json_t *j = NULL;
    http(s, "GET", path, NULL, &j);
    return j;
}

long cxh_sim_send(cxh_sim *s, const char *method, const char *path, const char *json)
{
    return http(s, method, path, json, NULL);
}

json_t *cxh_sim_post(cxh_sim *s, const char *path, const char *json)
{
    json_t *j = NULL;
    http(s, "POST", path, json, &j);
    return j;
}

long cxh_fault(cxh_sim *s, const char *kind, int count, const char *extra)
{
    char b[512];
    snprintf(b, sizeof b, "{\"kind\":\"%s\",\"count\":%d%s%s}", kind, count, extra ? "," : "", extra ? extra : "");
    return cxh_sim_send(s, "POST", "/_sim/fault", b);
}

void cxh_clear_log(cxh_sim *s) { cxh_sim_send(s, "DELETE", "/_sim/requests", NULL); }

json_t *cxh_requests(cxh_sim *s) { return cxh_sim_get(s, "/_sim/requests"); }

size_t cxh_count(const json_t *log, const char *method, const char *sub)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(log); i++) {
        const json_t *e = json_array_get(log, i);
        const char *m = json_string_value(json_object_get(e, "method"));
        const char *t = json_string_value(json_object_get(e, "target"));
        if ((!method || (m && !strcmp(m, method))) && t && (!sub || strstr(t, sub)))
            n++;
    }
    return n;
}

void cxh_env(const cxh_sim *s, const char *refresh)
{
    static const char *const vars[] = {"API_USERNAME", "API_PASSWORD", "CONNEXCS_API_TOKEN", "CONNEXCS_BASE_URL",
                                       "CONNEXCS_NOW", "CONNEXCS_TIMEOUT_MS", "CONNEXCS_MAX_RETRY_WAIT_S", NULL};
    for (size_t i = 0; vars[i]; i++)
        unsetenv(vars[i]);
    setenv("API_USERNAME", "api@sim.connexcs.net", 1);
    if (refresh)
        setenv("CONNEXCS_API_TOKEN", refresh, 1);
    else
        setenv("API_PASSWORD", "sim-password", 1);
    setenv("CONNEXCS_BASE_URL", s->api, 1);
    setenv("CONNEXCS_NOW", CXH_NOW, 1);
    setenv("SB_CHECK_OUTPUT", "1", 1); /* every structuredContent checked against its outputSchema */
}

mcp_server *cxh_server(void)
{
    mcp_server_config cfg = {.workers = 2};
    mcp_server *srv = mcp_server_new(&cfg);
    if (!srv)
        return NULL;
    sb_options opt = {0};
    if (cx_tools_register(mcp_server_registry(srv), &opt) < 0) {
        mcp_server_free(srv, 1000);
        return NULL;
    }
    return srv;
}

json_t *cxh_call(mcp_server *srv, const char *tool, const char *args)
{
    json_t *a = json_loads(args ? args : "{}", 0, NULL);
    if (!a)
        a = json_object(); /* unparsable test input: the tool sees no arguments */
    int rpc = 0;
    json_t *r = mcp_server_call_tool(srv, tool, a, false, &rpc);
    json_decref(a);
    if (!r)
        r = json_pack("{s:i}", "rpc_error", rpc);
    return r;
}

json_t *cxh_at(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *tok = strtok_r(buf, "/", &save); tok && j; tok = strtok_r(NULL, "/", &save)) {
        if (json_is_array(j)) {
            char *end;
            long i = strtol(tok, &end, 10);
            j = *end ? NULL : json_array_get(j, (size_t)i);
        } else {
            j = json_object_get(j, tok);
        }
    }
    return j;
}

const char *cxh_str(json_t *j, const char *path)
{
    const char *s = json_string_value(cxh_at(j, path));
    return s ? s : "";
}

long long cxh_int(json_t *j, const char *path)
{
    json_t *v = cxh_at(j, path);
    return json_is_number(v) ? (long long)json_number_value(v) : -1;
}

double cxh_num(json_t *j, const char *path)
{
    json_t *v = cxh_at(j, path);
    if (json_is_number(v))
        return json_number_value(v);
    if (json_is_string(v))
        return strtod(json_string_value(v), NULL);
    return NAN;
}

bool cxh_is_error(const json_t *r) { return json_is_true(json_object_get(r, "isError")); }

char *cxh_text(const json_t *r)
{
    size_t cap = 1, n = 0;
    json_t *content = json_object_get(r, "content");
    for (size_t i = 0; i < json_array_size(content); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(content, i), "text"));
        cap += t ? strlen(t) + 1 : 0;
    }
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(content); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(content, i), "text"));
        if (t) {
            memcpy(out + n, t, strlen(t));
            n += strlen(t);
            out[n++] = '\n';
            out[n] = '\0';
        }
    }
    return out;
}

bool cxh_text_has(const json_t *r, const char *needle)
{
    char *t = cxh_text(r);
    bool has = t && strstr(t, needle);
    free(t);
    return has;
}
