/* Loading a shared library on first use (see dl.h). */
#include "dl/dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void *load(sb_dl_lib *lib)
{
    if (lib->handle || lib->failed)
        return lib->handle;
    lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        lib->failed = true;
        const char *why = dlerror();
        fprintf(stderr, "switchboard: cannot load %s: %s\n", lib->soname, why ? why : "unknown reason");
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

void *sb_dl_symbol(sb_dl_lib *lib, const char *name)
{
    pthread_mutex_lock(&g_lock);
    void *sym = NULL;
    if (load(lib)) {
        dlerror();
        sym = dlsym(lib->handle, name);
        if (!sym)
            fprintf(stderr, "switchboard: %s has no function %s\n", lib->soname, name);
    }
    pthread_mutex_unlock(&g_lock);
    return sym;
}
