/* `switchboard serve --http`: the HTTP serve mode (see http.h). The core's serve command owns
 * the signals and calls http_cli_stop() (SIGTERM/SIGINT) and http_cli_reload() (SIGHUP) from
 * its signal thread; this loop waits for them and expires idle sessions once a second. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "transport/http.h"
#include "util/log.h"

#define MOD "http"

/* The serve mode is one per process; the signal thread reaches it only through these. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_stop, g_reload;

int http_cli_run(mcp_server *srv, int argc, char **argv, const struct sb_options *opt)
{
    (void)opt;
    http_config cfg;
    http_config_defaults(&cfg);
    char err[512] = "";
    for (int i = 1; i < argc;) {
        int r = http_config_option(&cfg, argc, argv, &i, err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "switchboard: %s\n", err);
            return 2;
        }
        if (r == 0)
            i++;
    }
    http_server *hs = http_start(srv, &cfg, err, sizeof err);
    if (!hs) {
        sb_error(MOD, "%s", err);
        return 1;
    }
    fprintf(stderr, "switchboard: listening on port %d\n", http_port(hs));
    pthread_mutex_lock(&g_mu);
    while (!g_stop) {
        if (g_reload) {
            g_reload = false;
            pthread_mutex_unlock(&g_mu);
            http_reload(hs);
            pthread_mutex_lock(&g_mu);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        if (pthread_cond_timedwait(&g_cv, &g_mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&g_mu);
            http_sweep(hs);
            pthread_mutex_lock(&g_mu);
        }
    }
    g_stop = false;
    pthread_mutex_unlock(&g_mu);
    sb_info(MOD, "stopping");
    http_stop(hs);
    return 0;
}

void http_cli_stop(void)
{
    pthread_mutex_lock(&g_mu);
    g_stop = true;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

void http_cli_reload(void)
{
    pthread_mutex_lock(&g_mu);
    g_reload = true;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
}
