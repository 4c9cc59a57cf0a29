/* tcx-sim: a 3CX v20 XAPI simulator for tests and the demo. Parses the command line, seeds the
 * simulated PBX relative to --now, serves HTTP on --listen, prints
 * "listening on http://HOST:PORT" on stdout (flushed) so a test can read the port, and stops by
 * itself after --max-seconds, on SIGINT/SIGTERM, or on POST /_sim/shutdown. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "util/log.h"

#define DEFAULT_NOW "2026-06-15T10:00:00Z"

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
}

typedef struct opts {
    const char *listen, *now, *client_id, *client_secret, *role, *admin_id, *admin_secret;
    long max_seconds;
    const char *faults[16];
    int nfaults;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tcx-sim [options]\n"
            "  --listen HOST:PORT          address to serve (default 127.0.0.1:0, 0 = any port)\n"
            "  --now ISO                   simulated now for the seed data (default " DEFAULT_NOW
            ")\n"
            "  --client-id ID              main client (default 900)\n"
            "  --client-secret S           its secret (default sim-secret-900)\n"
            "  --role ROLE                 its role (default system_owners; system_admins gets\n"
            "                              403 on call history)\n"
            "  --admin-client-id ID        second client, role system_admins (default 901)\n"
            "  --admin-client-secret S     its secret (default sim-secret-901)\n"
            "  --legacy-expiry-minutes     expires_in in minutes (builds before 20.0.9)\n"
            "  --token-lifetime N          real token lifetime in seconds (default 3600)\n"
            "  --multi-token               do not revoke a client's previous token\n"
            "  --ignore-calllog-orderby    ignore $orderby on GetCallLogData\n"
            "  --report-row-limit N        REPORT_ROW_LIMIT (default 20000)\n"
            "  --case-sensitive-contains   contains/startswith/endswith match case\n"
            "  --fqdn NAME                 PBX name in SystemStatus and @odata.context\n"
            "  --fault JSON                a fault rule, as POST /_sim/fault (repeatable)\n"
            "  --max-seconds N             stop after N seconds (0 = never)\n"
            "  -v                          log every request to stderr\n");
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Returns 0 to run, 1 to exit successfully (--help), -1 on a usage error. */
static int parse_args(int argc, char **argv, opts *o, tsim_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        bool takes = true;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "-v") == 0) {
            cfg->verbose = true, takes = false;
        } else if (strcmp(a, "--legacy-expiry-minutes") == 0) {
            cfg->legacy_expiry_minutes = true, takes = false;
        } else if (strcmp(a, "--multi-token") == 0) {
            cfg->single_token = false, takes = false;
        } else if (strcmp(a, "--ignore-calllog-orderby") == 0) {
            cfg->ignore_calllog_orderby = true, takes = false;
        } else if (strcmp(a, "--case-sensitive-contains") == 0) {
            cfg->odata.case_sensitive_contains = true, takes = false;
        } else if (!v) {
            fprintf(stderr, "tcx-sim: %s needs a value (or is unknown)\n", a);
            return -1;
        } else if (strcmp(a, "--listen") == 0) {
            o->listen = v;
        } else if (strcmp(a, "--now") == 0) {
            o->now = v;
        } else if (strcmp(a, "--client-id") == 0) {
            o->client_id = v;
        } else if (strcmp(a, "--client-secret") == 0) {
            o->client_secret = v;
        } else if (strcmp(a, "--role") == 0) {
            o->role = v;
        } else if (strcmp(a, "--admin-client-id") == 0) {
            o->admin_id = v;
        } else if (strcmp(a, "--admin-client-secret") == 0) {
            o->admin_secret = v;
        } else if (strcmp(a, "--fqdn") == 0) {
            cfg->fqdn = v;
        } else if (strcmp(a, "--fault") == 0 && o->nfaults < 16) {
            o->faults[o->nfaults++] = v;
        } else if (strcmp(a, "--token-lifetime") == 0 && parse_long(v, 1, 86400 * 30, &n)) {
            cfg->token_lifetime_s = (int)n;
        } else if (strcmp(a, "--report-row-limit") == 0 && parse_long(v, 0, 10000000, &n)) {
            cfg->report_row_limit = n;
        } else if (strcmp(a, "--max-seconds") == 0 && parse_long(v, 0, 86400 * 7, &n)) {
            o->max_seconds = n;
        } else {
            fprintf(stderr, "tcx-sim: bad option or value: %s %s\n", a, v);
            return -1;
        }
        if (takes)
            i++;
    }
    if (!tsim_parse_datetime(o->now, strlen(o->now), &cfg->now_ms)) {
        fprintf(stderr, "tcx-sim: --now must be an ISO date-time like %s\n", DEFAULT_NOW);
        return -1;
    }
    return 0;
}

/* "127.0.0.1:0", "[::1]:8080" → host (in buf) and port. */
static bool split_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return false;
    const char *h = s, *hend = colon;
    if (*h == '[' && hend > h && hend[-1] == ']')
        h++, hend--;
    long p;
    if (hend <= h || (size_t)(hend - h) >= hostlen || !parse_long(colon + 1, 0, 65535, &p))
        return false;
    snprintf(host, hostlen, "%.*s", (int)(hend - h), h);
    *port = (int)p;
    return true;
}

static int setup(tsim_state *st, const opts *o, const tsim_config *cfg)
{
    if (tsim_state_init(st, cfg) < 0) {
        fprintf(stderr, "tcx-sim: seeding failed\n");
        return -1;
    }
    sb_log_add_secret(o->client_secret);
    sb_log_add_secret(o->admin_secret);
    if (tsim_add_principal(st, o->client_id, o->client_secret, o->role) < 0 ||
        tsim_add_principal(st, o->admin_id, o->admin_secret, "system_admins") < 0) {
        fprintf(stderr, "tcx-sim: the two client ids must differ\n");
        return -1;
    }
    for (int i = 0; i < o->nfaults; i++) {
        json_t *rule = json_loads(o->faults[i], 0, NULL);
        char err[160] = "not JSON";
        int rc = rule ? tsim_fault_add(st, rule, err, sizeof err) : -1;
        json_decref(rule);
        if (rc < 0) {
            fprintf(stderr, "tcx-sim: --fault: %s\n", err);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {.listen = "127.0.0.1:0", .now = DEFAULT_NOW, .client_id = "900",
              .client_secret = "sim-secret-900", .role = "system_owners", .admin_id = "901",
              .admin_secret = "sim-secret-901"};
    tsim_config cfg = {.token_lifetime_s = 3600, .single_token = true,
                       .report_row_limit = 20000, .fqdn = "sim.3cx.local"};
    int rc = parse_args(argc, argv, &o, &cfg);
    if (rc)
        return rc > 0 ? 0 : 2;
    char host[128];
    int port;
    if (!split_listen(o.listen, host, sizeof host, &port)) {
        fprintf(stderr, "tcx-sim: --listen wants HOST:PORT, e.g. 127.0.0.1:0\n");
        return 2;
    }
    static tsim_state st;
    if (setup(&st, &o, &cfg) < 0) {
        tsim_state_free(&st);
        return 1;
    }
    sb_httpd *srv = sb_httpd_start(host, port, 1 << 20, tsim_handle, &st);
    if (!srv) {
        fprintf(stderr, "tcx-sim: cannot listen on %s\n", o.listen);
        tsim_state_free(&st);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    bool v6 = strchr(host, ':') != NULL;
    printf("listening on http://%s%s%s:%d\n", v6 ? "[" : "", host, v6 ? "]" : "",
           sb_httpd_port(srv));
    fflush(stdout);
    int64_t deadline = o.max_seconds ? tsim_mono_ms() + o.max_seconds * 1000LL : 0;
    while (!got_signal && !st.stop_requested && (!deadline || tsim_mono_ms() < deadline)) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    st.stop_requested = 1; /* ends injected delays at once */
    sb_httpd_stop(srv);
    tsim_state_free(&st);
    return 0;
}
