/* Test harness for the 3CX tools (harness.h). */
#include "harness.h"

#include <ctype.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connect/http.h"
#include "tools/tools.h"

extern char **environ;

int th_sim_start(th_sim *s, const char *const *extra)
{
    const char *bin = getenv("TCX_SIM");
    if (!bin)
        bin = "build/tcx-sim";
    const char *argv[32] = {bin, "--max-seconds", "120"};
    size_t n = 3;
    for (size_t i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    int rc = posix_spawn(&s->pid, bin, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return -1;
    }
    char line[256];
    size_t len = 0;
    while (len + 1 < sizeof line) { /* bounded: one line */
        ssize_t r = read(fds[0], line + len, 1);
        if (r <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = 0;
    close(fds[0]);
    const char *colon = strrchr(line, ':');
    s->port = colon ? atoi(colon + 1) : 0;
    if (!strstr(line, "listening on") || s->port <= 0) {
        th_sim_stop(s);
        return -1;
    }
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    return 0;
}

void th_sim_stop(th_sim *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static long control(th_sim *s, const char *method, const char *path, const char *json, json_t **out)
{
    char url[256];
    snprintf(url, sizeof url, "%s/_sim/%s", s->base, path);
    const char *hdr[] = {"Content-Type: application/json", NULL};
    cn_http_request req = {.method = method, .url = url, .headers = hdr, .body = json,
                           .body_len = json ? strlen(json) : 0, .timeout_ms = 10000};
    cn_http_response r;
    memset(&r, 0, sizeof r);
    long st = cn_http_perform(&req, &r) == 0 ? r.status : -1;
    if (out)
        *out = json_loads(r.body.data ? r.body.data : "", 0, NULL);
    cn_http_response_free(&r);
    return st;
}

json_t *th_sim_get(th_sim *s, const char *path)
{
    json_t *j = NULL;
    control(s, "GET", path, NULL, &j);
    return j;
}

long th_sim_send(th_sim *s, const char *method, const char *path, const char *json)
{
    return control(s, method, path, json, NULL);
}

void th_sim_clear_log(th_sim *s)
{
    th_sim_send(s, "DELETE", "requests", NULL);
}

static char *pct_decode(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1), *p = o;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n + 0 && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            char h[3] = {s[i + 1], s[i + 2], 0};
            *p++ = (char)strtol(h, NULL, 16);
            i += 2;
        } else {
            *p++ = s[i];
        }
    }
    *p = 0;
    return o;
}

json_t *th_sim_requests(th_sim *s, json_t **bodies)
{
    json_t *j = th_sim_get(s, "requests"), *out = json_array();
    if (bodies)
        *bodies = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "requests"), i, r) {
        const char *path = json_string_value(json_object_get(r, "path"));
        const char *q = json_string_value(json_object_get(r, "query"));
        if (path && strncmp(path, "/_sim/", 6) == 0)
            continue;
        char *dq = q ? pct_decode(q) : NULL;
        char *line = NULL;
        if (asprintf(&line, "%s %s%s%s", json_string_value(json_object_get(r, "method")), path ? path : "?",
                     dq ? "?" : "", dq ? dq : "") < 0)
            line = NULL;
        json_array_append_new(out, json_string(line ? line : ""));
        if (bodies) {
            json_t *b = json_object_get(r, "body");
            json_array_append(*bodies, b ? b : json_null());
        }
        free(line);
        free(dq);
    }
    json_decref(j);
    return out;
}

size_t th_count(const json_t *lines, const char *prefix)
{
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(lines, i, v) n += strncmp(json_string_value(v), prefix, strlen(prefix)) == 0;
    return n;
}

void th_env(const th_sim *s)
{
    static const char *const clear[] = {"TCX_PORT", "TCX_CA_FILE", "TCX_ALLOW_WRITES", "TCX_TIMEOUT_S",
                                        "TCX_REPORT_ROW_LIMIT", "TCX_PAGE_SIZE", NULL};
    for (size_t i = 0; clear[i]; i++)
        unsetenv(clear[i]);
    setenv("TCX_FQDN", "sim.3cx.local", 1);
    setenv("TCX_BASE_URL", s->base, 1);
    setenv("TCX_CLIENT_ID", "900", 1);
    setenv("TCX_CLIENT_SECRET", "sim-secret-900", 1);
    setenv("TCX_TIMEZONE", "Europe/Berlin", 1);
    setenv("TCX_DEFAULT_COUNTRY", "DE", 1);
    setenv("SB_CHECK_OUTPUT", "1", 1);
}

mcp_server *th_server(const char *config_file)
{
    mcp_server_config cfg = {.allow_writes = true, .workers = 2, .elicit_timeout_ms = 10000};
    mcp_server *srv = mcp_server_new(&cfg);
    if (!srv)
        return NULL;
    sb_options opt = {.allow_writes = true, .config_file = config_file};
    if (tcx_tools_register(mcp_server_registry(srv), &opt) < 0) {
        mcp_server_free(srv, 1000);
        return NULL;
    }
    return srv;
}

json_t *th_call(mcp_server *srv, const char *tool, const char *args)
{
    json_error_t je;
    json_t *a = json_loads(args ? args : "{}", 0, &je);
    if (!a) {
        fprintf(stderr, "bad test args for %s: %s\n", tool, je.text);
        return NULL;
    }
    int rpc = 0;
    json_t *r = mcp_server_call_tool(srv, tool, a, true, &rpc);
    json_decref(a);
    return r;
}

json_t *th_at(json_t *j, const char *path)
{
    char *copy = strdup(path), *save = NULL;
    for (char *tok = strtok_r(copy, "/", &save); tok && j; tok = strtok_r(NULL, "/", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, (size_t)strtoul(tok, NULL, 10));
        else
            j = json_object_get(j, tok);
    }
    free(copy);
    return j;
}

char *th_text(const json_t *result)
{
    size_t cap = 1, i;
    json_t *b;
    json_array_foreach(json_object_get(result, "content"), i, b) cap += strlen(json_string_value(json_object_get(b, "text")) ? json_string_value(json_object_get(b, "text")) : "") + 1;
    char *out = calloc(1, cap);
    json_array_foreach(json_object_get(result, "content"), i, b) {
        const char *t = json_string_value(json_object_get(b, "text"));
        if (t) {
            strcat(out, t);
            strcat(out, "\n");
        }
    }
    return out;
}
