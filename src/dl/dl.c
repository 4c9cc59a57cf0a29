/* Loading a shared library on first use (see dl.h). One lock serialises loading and symbol
 * lookup; a library that failed to load is never tried again, so every later call answers
 * the same error at once. */
#include "dl/dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* Keeps the first failure in lib->why and reports it on stderr (with what stops working). */
static void note_failure(sb_dl_lib *lib, const char *what, const char *detail)
{
    if (lib->why[0])
        return;
    snprintf(lib->why, sizeof lib->why, "%s %s: %s", what, lib->soname, detail);
    fprintf(stderr, "switchboard: %s%s%s\n", lib->why, lib->without ? "; " : "",
            lib->without ? lib->without : "");
}

static void *load(sb_dl_lib *lib)
{
    if (lib->handle || lib->failed)
        return lib->handle;
    lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        lib->failed = true;
        const char *why = dlerror();
        note_failure(lib, "cannot load", why ? why : "unknown reason");
    }
    return lib->handle;
}

bool sb_dl_available(sb_dl_lib *lib)
{
    pthread_mutex_lock(&g_lock);
    bool ok = load(lib) != NULL;
    pthread_mutex_unlock(&g_lock);
    return ok;
}

const char *sb_dl_error(sb_dl_lib *lib)
{
    pthread_mutex_lock(&g_lock);
    const char *why = lib->why;
    pthread_mutex_unlock(&g_lock);
    return why;
}

void *sb_dl_symbol(sb_dl_lib *lib, const char *name)
{
    pthread_mutex_lock(&g_lock);
    void *sym = NULL;
    if (load(lib)) {
        dlerror();
        sym = dlsym(lib->handle, name);
        if (!sym) {
            char what[128];
            snprintf(what, sizeof what, "no function %s in", name);
            note_failure(lib, what, "symbol not found");
        }
    }
    pthread_mutex_unlock(&g_lock);
    return sym;
}
