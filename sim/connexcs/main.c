/* connexcs-sim: a local simulator of the ConnexCS control-panel API (/api/cp/) for tests, the
 * demo and benchmarks. See sim/connexcs/README.md for the options, endpoints, fault injection
 * and the ground truth of the seeded data. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cxsim.h"
#include "server.h"
#include "util/httpd.h"
#include "util/log.h"

#ifndef CXSIM_DOCS_DIR
#define CXSIM_DOCS_DIR "sim/connexcs/docs"
#endif

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fputs("usage: connexcs-sim [options]\n"
          "  --listen ADDR:PORT      loopback address to serve on (default 127.0.0.1:0)\n"
          "  --now ISO-TIME          the data's \"now\" (default: the current hour)\n"
          "  --seed N                generator seed (default 1)\n"
          "  --cdr-count N           base calls over the 30 days (default 3000)\n"
          "  --username EMAIL        Basic user / token e-mail (default api@sim.connexcs.net)\n"
          "  --password PW           Basic password (default sim-password)\n"
          "  --refresh-token TOKEN   also accept TOKEN as a refresh token (30 days)\n"
          "  --access-ttl S          access-token lifetime in seconds (default 900)\n"
          "  --rate-limit N          answer 429 above N API requests per second\n"
          "  --rtcp-array            log/rtcp answers a bare array instead of {processed,aggregate}\n"
          "  --fault KIND[:COUNT]    queue a fault for the next COUNT requests (repeatable)\n"
          "  --docs DIR              documentation pages (default: the source tree's docs)\n"
          "  --max-seconds N         exit after N seconds (tests always pass it)\n"
          "  -v                      log every request to stderr\n",
          f);
}

typedef struct cli {
    const char *listen, *now, *user, *pass, *refresh, *docs;
    const char *faults[16];
    size_t nfaults;
    unsigned long long seed;
    long cdr_count, access_ttl, rate_limit, max_seconds;
    int verbose, rtcp_array;
} cli;

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, cli *c)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (!strcmp(a, "-v")) {
            c->verbose = 1;
            continue;
        }
        if (!strcmp(a, "--rtcp-array")) {
            c->rtcp_array = 1;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        }
        if (!v) {
            fprintf(stderr, "connexcs-sim: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (!strcmp(a, "--listen")) c->listen = v;
        else if (!strcmp(a, "--now")) c->now = v;
        else if (!strcmp(a, "--username")) c->user = v;
        else if (!strcmp(a, "--password")) c->pass = v;
        else if (!strcmp(a, "--refresh-token")) c->refresh = v;
        else if (!strcmp(a, "--docs")) c->docs = v;
        else if (!strcmp(a, "--fault") && c->nfaults < 16) c->faults[c->nfaults++] = v;
        else if (!strcmp(a, "--seed") && !parse_long(v, 0, 0x7fffffffL, &n)) c->seed = (unsigned long long)n;
        else if (!strcmp(a, "--cdr-count") && !parse_long(v, 1, CXS_MAX_CDR_COUNT, &n)) c->cdr_count = n;
        else if (!strcmp(a, "--access-ttl") && !parse_long(v, 1, 86400 * 365, &n)) c->access_ttl = n;
        else if (!strcmp(a, "--rate-limit") && !parse_long(v, 0, 1000000, &n)) c->rate_limit = n;
        else if (!strcmp(a, "--max-seconds") && !parse_long(v, 1, 86400 * 7, &n)) c->max_seconds = n;
        else {
            fprintf(stderr, "connexcs-sim: bad option or value: %s %s\n", a, v);
            return -1;
        }
    }
    return 0;
}

/* "127.0.0.1:0", "[::1]:8080", "127.0.0.1" */
static int split_listen(const char *s, char *host, size_t hl, int *port)
{
    const char *colon = strrchr(s, ':');
    long p = 0;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || (size_t)(e - s - 1) >= hl)
            return -1;
        snprintf(host, hl, "%.*s", (int)(e - s - 1), s + 1);
        colon = e[1] == ':' ? e + 1 : NULL;
    } else {
        if (colon && (size_t)(colon - s) >= hl)
            return -1;
        snprintf(host, hl, "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
    }
    if (colon && parse_long(colon + 1, 0, 65535, &p))
        return -1;
    *port = (int)p;
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
                   strcmp(host, "localhost") == 0
               ? 0
               : -2;
}

static int queue_faults(cxs_server *srv, const cli *c)
{
    for (size_t i = 0; i < c->nfaults; i++) {
        char kind[32];
        long count = 1;
        const char *colon = strchr(c->faults[i], ':');
        snprintf(kind, sizeof kind, "%.*s",
                 colon ? (int)(colon - c->faults[i]) : (int)strlen(c->faults[i]), c->faults[i]);
        if ((colon && parse_long(colon + 1, 1, 1000000, &count)) ||
            cxs_server_add_fault(srv, kind, count, 1, 0, NULL)) {
            fprintf(stderr, "connexcs-sim: bad --fault %s\n", c->faults[i]);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli c = {.listen = "127.0.0.1:0", .user = "api@sim.connexcs.net", .pass = "sim-password",
             .docs = CXSIM_DOCS_DIR, .seed = 1, .cdr_count = 3000};
    if (parse_args(argc, argv, &c)) {
        usage(stderr);
        return 2;
    }
    if (c.verbose)
        sb_log_set_level(SB_LOG_DEBUG);
    sb_log_add_secret(c.pass);
    if (c.refresh)
        sb_log_add_secret(c.refresh);
    char host[128];
    int port;
    int lr = split_listen(c.listen, host, sizeof host, &port);
    if (lr) {
        fprintf(stderr, "connexcs-sim: %s\n", lr == -2 ? "the simulator serves loopback only"
                                                       : "bad --listen address");
        return 2;
    }
    int64_t now = (int64_t)time(NULL);
    now -= now % 3600;
    if (c.now && cxs_parse_time(c.now, strlen(c.now), false, &now)) {
        fprintf(stderr, "connexcs-sim: bad --now (use YYYY-MM-DDTHH:MM:SSZ)\n");
        return 2;
    }
    char err[256];
    cxs_options wo = {.seed = c.seed, .now = now, .cdr_count = (uint32_t)c.cdr_count};
    cxs_world *w = cxs_world_new(&wo, err, sizeof err);
    cxs_docs *docs = w ? cxs_docs_load(c.docs, err, sizeof err) : NULL;
    if (!w || !docs) {
        fprintf(stderr, "connexcs-sim: %s\n", err);
        cxs_world_free(w);
        return 1;
    }
    cxs_server_opts so = {.username = c.user, .password = c.pass, .refresh_token = c.refresh,
                          .access_ttl = c.access_ttl, .rate_limit = c.rate_limit,
                          .rtcp_array = c.rtcp_array, .verbose = c.verbose};
    cxs_server *srv = cxs_server_new(w, docs, &so);
    if (!srv || queue_faults(srv, &c)) {
        cxs_server_free(srv);
        return 1;
    }
    sb_httpd *httpd = sb_httpd_start(strcmp(host, "localhost") ? host : "127.0.0.1", port,
                                     4 * 1024 * 1024, cxs_server_handle, srv);
    if (!httpd) {
        fprintf(stderr, "connexcs-sim: cannot listen on %s\n", c.listen);
        cxs_server_free(srv);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    const char *fmt = strchr(host, ':') ? "listening on http://[%s]:%d\n" : "listening on http://%s:%d\n";
    printf(fmt, strcmp(host, "localhost") ? host : "127.0.0.1", sb_httpd_port(httpd));
    fflush(stdout);
    sb_info("cxsim", "%u calls over %d days, %zu documentation pages", cxs_world_total(w),
            CXS_DAYS, cxs_docs_count(docs));
    time_t started = time(NULL);
    while (!g_stop && (c.max_seconds <= 0 || time(NULL) - started < c.max_seconds))
        usleep(100000);
    cxs_server_stopping(srv);
    sb_httpd_stop(httpd);
    cxs_server_free(srv);
    return 0;
}
