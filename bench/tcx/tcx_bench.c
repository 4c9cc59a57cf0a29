/* 3CX benchmark driver (run by bench/tcx.sh): N tool calls in-process through the MCP core
 * against the XAPI simulator. Reports token requests per N calls (goal: 1, for both meanings
 * of expires_in), upstream requests per tool, and per tool the wall time of a call, the part
 * spent waiting for the PBX (libcurl's own timing), and the server-side rest. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "connect/http.h"
#include "harness.h"
#include "tools/tcx_tools.h"
#include "tools/tools.h"

static const char *const mix[][2] = {
    {"get_system_status", "{}"},
    {"find_users", "{\"query\":\"an\"}"},
    {"find_users", "{\"query\":\"+49 731 123456\"}"},
    {"get_user", "{\"extension\":\"101\"}"},
    {"get_extension_status", "{\"extension\":\"102\"}"},
    {"list_departments", "{}"},
    {"list_trunks", "{}"},
    {"get_trunk_details", "{\"id\":1}"},
    {"get_active_calls", "{}"},
    {"get_call_history", "{\"date\":\"2026-06-15\"}"},
    {"find_queues", "{\"query\":\"support\"}"},
    {"get_queue_agents", "{\"queue\":\"800\",\"loggedInOnly\":true}"},
    {"list_ring_groups", "{}"},
    {"search_contacts", "{\"query\":\"Müller\"}"},
    {"find_contact_by_phone", "{\"phone\":\"0731 5551234\"}"},
    {"get_event_logs", "{\"type\":\"Error\"}"},
    {"get_forwarding_profiles", "{\"extension\":\"101\"}"},
    {"set_forwarding_profile", "{\"extension\":\"104\",\"profile\":\"Custom 1\"}"}, /* already active: no write */
    {"update_user", "{\"extension\":\"101\",\"firstName\":\"Sean\"}"},              /* preview only */
};
#define NMIX (sizeof mix / sizeof mix[0])

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long sim_counter(th_sim *s, const char *name)
{
    json_t *j = th_sim_get(s, "stats");
    long v = (long)json_integer_value(json_object_get(j, name));
    json_decref(j);
    return v;
}

/* Runs `calls` calls round-robin over the mix; returns token requests seen by the simulator. */
static long run(th_sim *sim, int calls, bool per_tool_table)
{
    mcp_server_config cfg = {.allow_writes = true, .workers = 1};
    mcp_server *srv = mcp_server_new(&cfg);
    sb_options opt = {.allow_writes = true};
    tcx_family *fam = NULL;
    if (!srv || tcx_tools_register_ex(mcp_server_registry(srv), &opt, &fam) < 0 || !fam) {
        fprintf(stderr, "cannot start the server\n");
        exit(1);
    }
    long tok0 = sim_counter(sim, "token_requests");
    double wall[NMIX] = {0}, up[NMIX] = {0};
    long reqs[NMIX] = {0}, n[NMIX] = {0}, errors = 0;
    for (int i = 0; i < calls; i++) {
        size_t k = (size_t)i % NMIX;
        tcx_stats a, b;
        tcx_pbx_stats(fam->pbx[0], &a);
        double t0 = now_s();
        json_t *r = th_call(srv, mix[k][0], mix[k][1]);
        double t1 = now_s();
        tcx_pbx_stats(fam->pbx[0], &b);
        errors += !r || json_is_true(json_object_get(r, "isError"));
        json_decref(r);
        wall[k] += t1 - t0;
        up[k] += b.upstream_seconds - a.upstream_seconds;
        reqs[k] += (long)(b.xapi_requests - a.xapi_requests);
        n[k]++;
    }
    long tokens = sim_counter(sim, "token_requests") - tok0;
    if (per_tool_table) {
        double tw = 0, tu = 0;
        printf("%-24s %6s %9s %12s %12s %12s\n", "tool", "calls", "req/call", "wall us", "upstream us", "server us");
        for (size_t k = 0; k < NMIX; k++) {
            printf("%-24s %6ld %9.2f %12.1f %12.1f %12.1f\n", mix[k][0], n[k], (double)reqs[k] / (double)n[k],
                   wall[k] / (double)n[k] * 1e6, up[k] / (double)n[k] * 1e6, (wall[k] - up[k]) / (double)n[k] * 1e6);
            tw += wall[k];
            tu += up[k];
        }
        printf("%-24s %6d %9s %12.1f %12.1f %12.1f\n", "ALL (mean per call)", calls, "", tw / calls * 1e6,
               tu / calls * 1e6, (tw - tu) / calls * 1e6);
        printf("server-side share of call time: %.1f%%\n", (tw - tu) / tw * 100.0);
    }
    printf("tool calls: %d, isError results: %ld, token requests: %ld\n", calls, errors, tokens);
    mcp_server_free(srv, 2000);
    return tokens;
}

extern char **environ;

/* Buffered line reader over a pipe (the client side must not cost a syscall per byte). */
typedef struct line_reader {
    int fd;
    char buf[1 << 16];
    size_t start, end;
} line_reader;

/* Reads one line (bounded) into out; returns its length or -1. */
static long read_line(line_reader *r, char *out, size_t cap)
{
    size_t n = 0;
    for (;;) {
        if (r->start == r->end) {
            ssize_t got = read(r->fd, r->buf, sizeof r->buf);
            if (got <= 0)
                return -1;
            r->start = 0;
            r->end = (size_t)got;
        }
        char c = r->buf[r->start++];
        if (c == '\n')
            break;
        if (n + 1 < cap)
            out[n++] = c;
    }
    out[n] = 0;
    return (long)n;
}

/* The same mix over stdio through `switchboard serve`: mean wall time per tools/call. */
static double run_stdio(const char *bin, int calls, long *tokens, th_sim *sim)
{
    int in[2], out[2];
    if (pipe(in) < 0 || pipe(out) < 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *const argv[] = {(char *)bin, "--allow-writes", "serve", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0)
        return -1;
    static char line[1 << 20];
    static line_reader rd;
    rd.fd = out[0];
    rd.start = rd.end = 0;
    const char *init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                       "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}\n"
                       "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
    if (write(in[1], init, strlen(init)) < 0 || read_line(&rd, line, sizeof line) < 0)
        return -1;
    long tok0 = sim_counter(sim, "token_requests");
    double t0 = now_s();
    for (int i = 0; i < calls; i++) {
        size_t k = (size_t)i % NMIX;
        int n = snprintf(line, sizeof line,
                         "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
                         "\"arguments\":%s}}\n", i + 1, mix[k][0], mix[k][1]);
        if (write(in[1], line, (size_t)n) < 0)
            return -1;
        do { /* skip notifications until the response */
            if (read_line(&rd, line, sizeof line) < 0)
                return -1;
        } while (!strstr(line, "\"result\"") && !strstr(line, "\"error\""));
    }
    double wall = (now_s() - t0) / calls;
    *tokens = sim_counter(sim, "token_requests") - tok0;
    close(in[1]);
    close(out[0]);
    waitpid(pid, NULL, 0);
    return wall;
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 1000;
    th_sim sim;
    cn_http_global_init();
    if (th_sim_start(&sim, NULL) < 0) {
        fprintf(stderr, "cannot start tcx-sim (set TCX_SIM)\n");
        return 1;
    }
    th_env(&sim);
    unsetenv("SB_CHECK_OUTPUT");
    printf("== expires_in in seconds (20.0.9+), in-process through the MCP core\n");
    long t1 = run(&sim, calls, true);
    const char *bin = getenv("SWITCHBOARD");
    if (bin) {
        long st = -1;
        double w = run_stdio(bin, calls, &st, &sim);
        printf("== over stdio (switchboard serve, JSON-RPC lines, one client): %.1f us per tools/call, token "
               "requests: %ld\n", w * 1e6, st);
    }
    th_sim_send(&sim, "POST", "config", "{\"expires_in_unit\":\"minutes\"}");
    printf("== expires_in in minutes (before 20.0.9)\n");
    long t2 = run(&sim, calls, false);
    th_sim_stop(&sim);
    cn_http_global_cleanup();
    printf("RESULT token requests per %d calls: %ld (seconds unit), %ld (minutes unit); goal 1\n", calls, t1, t2);
    return t1 == 1 && t2 == 1 ? 0 : 2;
}
