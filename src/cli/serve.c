/* `switchboard serve`: builds the server, then serves over stdio (default) or a mode from
 * cli_serve_modes[] (a transport's row), with SIGTERM/SIGINT for a clean stop and SIGHUP to
 * reload the configuration (a fresh registry, list_changed to every session). */
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "transport/http.h"
#include "transport/stdio.h"
#include "util/log.h"

#define MOD "serve"

/* Transports other than stdio add their row here (flag, usage, run, stop). */
static const cli_serve_mode cli_serve_modes[] = {
    {"--http", HTTP_CLI_USAGE, http_cli_run, http_cli_stop},
    {NULL, NULL, NULL, NULL},
};

typedef struct serve_ctx {
    mcp_server *srv;
    const sb_options *opt;
    int sfd;
    const cli_serve_mode *mode;
    atomic_bool done;
} serve_ctx;

/* Returns true when the signal asks to stop. */
static bool handle_signal(serve_ctx *c, int signo)
{
    if (signo == SIGHUP) {
        sb_info(MOD, "SIGHUP: reloading the configuration");
        cli_reload(c->srv, c->opt);
        return false;
    }
    sb_info(MOD, "%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    return true;
}

static bool on_ctl(void *ud)
{
    serve_ctx *c = ud;
    struct signalfd_siginfo si;
    ssize_t n = read(c->sfd, &si, sizeof si);
    if (n != (ssize_t)sizeof si)
        return false;
    return handle_signal(c, (int)si.ssi_signo);
}

static void *signal_thread(void *arg)
{
    serve_ctx *c = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    while (!atomic_load(&c->done)) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        int signo = sigtimedwait(&set, NULL, &ts);
        if (signo > 0 && handle_signal(c, signo)) {
            c->mode->stop();
            break;
        }
    }
    return NULL;
}

static unsigned arg_unsigned(int argc, char **argv, const char *name, unsigned dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return (unsigned)strtoul(argv[i + 1], NULL, 10);
    return dflt;
}

static const cli_serve_mode *pick_mode(int argc, char **argv)
{
    for (const cli_serve_mode *m = cli_serve_modes; m->flag; m++)
        for (int i = 1; i < argc; i++)
            if (!strcmp(argv[i], m->flag) || (!strncmp(argv[i], m->flag, strlen(m->flag)) &&
                                              argv[i][strlen(m->flag)] == '='))
                return m;
    return NULL;
}

int cli_serve(int argc, char **argv, const sb_options *opt)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread created from here inherits it */
    signal(SIGPIPE, SIG_IGN);

    const cli_serve_mode *mode = pick_mode(argc, argv);
    mcp_server *srv = cli_server_new(opt, arg_unsigned(argc, argv, "--workers", 0));
    if (!srv)
        return 1;
    serve_ctx c = {.srv = srv, .opt = opt, .sfd = -1, .mode = mode};
    int rc;
    if (mode) {
        pthread_t th;
        pthread_create(&th, NULL, signal_thread, &c);
        rc = mode->run(srv, argc, argv, opt);
        atomic_store(&c.done, true);
        pthread_join(th, NULL);
    } else {
        c.sfd = signalfd(-1, &set, SFD_CLOEXEC);
        stdio_transport_opts so = {.in_fd = 0, .out_fd = 1, .ctl_fd = c.sfd, .on_ctl = on_ctl,
                                   .ud = &c,
                                   .drain_ms = arg_unsigned(argc, argv, "--drain-ms", 5000)};
        rc = stdio_transport_serve(srv, &so) < 0 ? 1 : 0;
        if (c.sfd >= 0)
            close(c.sfd);
    }
    mcp_server_free(srv, 3000);
    return rc;
}

void cli_serve_usage(FILE *f);
void cli_serve_usage(FILE *f)
{
    for (const cli_serve_mode *m = cli_serve_modes; m->flag; m++)
        fprintf(f, "%s", m->usage);
}
