/* Upstream health probes (see health.h). */
#include "util/health.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SB_HEALTH_MAX 64

typedef struct probe {
    char *name;
    sb_health_probe_fn fn;
    void *ud;
} probe;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static probe g_probes[SB_HEALTH_MAX];
static size_t g_count;

void sb_health_register(const char *name, sb_health_probe_fn fn, void *ud)
{
    pthread_mutex_lock(&g_lock);
    if (g_count < SB_HEALTH_MAX && name && fn) {
        char *copy = strdup(name);
        if (copy)
            g_probes[g_count++] = (probe){copy, fn, ud};
    }
    pthread_mutex_unlock(&g_lock);
}

void sb_health_unregister(void *ud)
{
    pthread_mutex_lock(&g_lock);
    size_t kept = 0;
    for (size_t i = 0; i < g_count; i++) {
        if (g_probes[i].ud == ud)
            free(g_probes[i].name);
        else
            g_probes[kept++] = g_probes[i];
    }
    g_count = kept;
    pthread_mutex_unlock(&g_lock);
}

size_t sb_health_check_all(void (*fn)(void *ctx, const char *name, bool ok, const char *detail),
                           void *ctx)
{
    probe snapshot[SB_HEALTH_MAX];
    char names[SB_HEALTH_MAX][128];
    pthread_mutex_lock(&g_lock);
    size_t n = g_count;
    for (size_t i = 0; i < n; i++) {
        snapshot[i] = g_probes[i];
        strncpy(names[i], g_probes[i].name, sizeof names[i] - 1);
        names[i][sizeof names[i] - 1] = '\0';
    }
    pthread_mutex_unlock(&g_lock);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        char detail[256] = "";
        bool ok = snapshot[i].fn(snapshot[i].ud, detail, sizeof detail);
        detail[sizeof detail - 1] = '\0';
        if (!ok)
            failed++;
        if (fn)
            fn(ctx, names[i], ok, detail);
    }
    return failed;
}
