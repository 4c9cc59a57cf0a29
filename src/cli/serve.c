/* `switchboard serve`: builds the server, then serves over stdio (default) or a mode from
 * cli_serve_modes[] (a transport's row), with SIGTERM/SIGINT for a clean stop and SIGHUP to
 * reload the configuration (a fresh registry, list_changed to every session). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "transport/http.h"
#include "transport/stdio.h"
#include "util/log.h"

#define MOD "serve"

/* Transports other than stdio add their row here (flag, usage, run, stop). */
static const cli_serve_mode cli_serve_modes[] = {
    {"--http", HTTP_CLI_USAGE, http_cli_run, http_cli_stop, http_cli_reload},
    {NULL, NULL, NULL, NULL, NULL},
};

typedef struct serve_ctx {
    mcp_server *srv;
    const sb_options *opt;
    const cli_serve_mode *mode;
    atomic_bool done;
} serve_ctx;

/* Returns true when the signal asks to stop. */
static bool handle_signal(serve_ctx *c, int signo)
{
    if (signo == SIGHUP) {
        sb_info(MOD, "SIGHUP: reloading the configuration");
        cli_reload(c->srv, c->opt);
        if (c->mode->reload)
            c->mode->reload();
        return false;
    }
    sb_info(MOD, "%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    return true;
}

/* stdio as a mode: a blocking read on stdin, stopped by a flag plus SIGUSR1 to the reader
 * (its handler has no SA_RESTART, so the read returns EINTR). */
static volatile sig_atomic_t stdio_stop_flag;
static pthread_t stdio_reader;
static atomic_bool stdio_running;
static unsigned stdio_drain_ms;

static void on_usr1(int signo)
{
    (void)signo;
}

static int stdio_run(mcp_server *srv, int argc, char **argv, const sb_options *opt)
{
    struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    stdio_reader = pthread_self();
    atomic_store(&stdio_running, true);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    /* The protocol gets a private copy of stdout and fd 1 becomes stderr: a stray printf
     * anywhere (a library, a family) can then never corrupt the protocol channel. */
    int proto = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (proto < 0 || dup2(2, 1) < 0) {
        sb_error(MOD, "cannot set up stdout: %s", strerror(errno));
        if (proto >= 0)
            close(proto);
        proto = 1;
    }
    stdio_transport_opts so = {.in_fd = 0, .out_fd = proto, .ctl_fd = -1,
                               .drain_ms = stdio_drain_ms, .stop = &stdio_stop_flag};
    int rc = stdio_transport_serve(srv, &so) < 0 ? 1 : 0;
    if (proto != 1)
        close(proto);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    atomic_store(&stdio_running, false);
    return rc;
}

/* Called from the signal thread: kicks the reader until it has left its read(). */
static void stdio_stop(void)
{
    __atomic_store_n(&stdio_stop_flag, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 100 && atomic_load(&stdio_running); i++) {
        pthread_kill(stdio_reader, SIGUSR1);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static const cli_serve_mode stdio_mode = {NULL, NULL, stdio_run, stdio_stop, NULL};

/* Waits for SIGTERM/SIGINT (stop the mode), SIGHUP (reload) and SIGUSR1 (serving ended). */
static void *signal_thread(void *arg)
{
    serve_ctx *c = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    while (!atomic_load(&c->done)) {
        struct timespec ts = {1, 0};
        int signo = sigtimedwait(&set, NULL, &ts);
        if (signo > 0 && signo != SIGUSR1 && handle_signal(c, signo)) {
            c->mode->stop();
            break;
        }
    }
    return NULL;
}

/* The value of "--name N" (or "--name=N"), clamped to [lo, hi]; dflt when absent or not a number. */
static unsigned arg_unsigned(int argc, char **argv, const char *name, unsigned dflt, unsigned lo,
                             unsigned hi)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], name) && i + 1 < argc)
            v = argv[i + 1];
        else if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
            v = argv[i] + n + 1;
        if (!v)
            continue;
        char *end;
        unsigned long x = strtoul(v, &end, 10);
        if (end == v || *end) {
            sb_warn(MOD, "%s: '%s' is not a number; using %u", name, v, dflt);
            return dflt;
        }
        return x < lo ? lo : x > hi ? hi : (unsigned)x;
    }
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
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread created from here inherits it */
    signal(SIGPIPE, SIG_IGN);

    const cli_serve_mode *mode = pick_mode(argc, argv);
    mcp_server *srv = cli_server_new(opt, arg_unsigned(argc, argv, "--workers", 4, 1, 64));
    if (!srv)
        return 1;
    serve_ctx c = {.srv = srv, .opt = opt, .mode = mode ? mode : &stdio_mode};
    stdio_drain_ms = arg_unsigned(argc, argv, "--drain-ms", 5000, 1, 600000);
    pthread_t th;
    pthread_create(&th, NULL, signal_thread, &c);
    int rc = c.mode->run(srv, argc, argv, opt);
    atomic_store(&c.done, true);
    pthread_kill(th, SIGUSR1); /* wakes its sigtimedwait */
    pthread_join(th, NULL);
    mcp_server_free(srv, 3000);
    return rc;
}

void cli_serve_usage(FILE *f);
void cli_serve_usage(FILE *f)
{
    for (const cli_serve_mode *m = cli_serve_modes; m->flag; m++)
        fprintf(f, "%s", m->usage);
}
