/* Loading a shared library on first use.
 * libcurl, libmicrohttpd and libpcap each pull in a large tree of libraries (TLS stacks,
 * Kerberos, LDAP, D-Bus) whose loading and constructors cost about 10 ms and 10 MiB at every
 * start, even when the run never makes an HTTP call, serves HTTP or reads a capture; libcrypto
 * (JWT and bearer-token checks) and libsqlite3 (the CDR store) together cost about 1.3 ms of
 * CPU and 1.8 MiB of RSS (switchboard --version: 2.1 ms with them, 0.8 ms without). The
 * switchboard binary therefore links small shims (dl_curl.c, dl_mhd.c, dl_pcap.c, dl_crypto.c,
 * dl_sqlite.c) that define the functions it uses and resolve the real ones with dlopen/dlsym
 * on the first call. When a library cannot be loaded every
 * wrapper answers the library's own error value, so callers take their usual error paths (an
 * authentication check refuses, the store does not open); nothing is retried. */
#ifndef SB_DL_H
#define SB_DL_H

#include <stdbool.h>

typedef struct sb_dl_lib {
    const char *soname;   /* "libcurl.so.4" */
    const char *without;  /* optional: what stops working without it, for the load error */
    void *handle;         /* set once loaded */
    bool failed;          /* dlopen failed (for good): every wrapper answers its error value */
    char why[256];        /* the first failure: "cannot load libX.so.1: <dlerror>" */
} sb_dl_lib;

/* Resolves name in lib (loading it on first use). Thread-safe; NULL when unavailable (the
 * reason goes to stderr; this layer sits below util/ and has no logger). */
void *sb_dl_symbol(sb_dl_lib *lib, const char *name);

/* Whether the library can be loaded (loads it). */
bool sb_dl_available(sb_dl_lib *lib);

/* The first failure to load lib or one of its functions, as a sentence without a trailing
 * newline; "" while there was none. The text stays valid and unchanged once set. */
const char *sb_dl_error(sb_dl_lib *lib);

/* The real function behind a wrapper, of exactly the header's type: resolved on the first
 * call and cached (threads may race to resolve it; they store the same pointer, atomically);
 * NULL when the library is unavailable. A statement expression, valid inside a function. */
#define SB_DL_RESOLVE(lib, name)                                                           \
    ({                                                                                     \
        static __typeof__(name) *cached;                                                   \
        __typeof__(name) *resolved = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);           \
        if (!resolved) {                                                                   \
            resolved = (__typeof__(name) *)sb_dl_symbol(&lib, #name);                      \
            if (resolved)                                                                  \
                __atomic_store_n(&cached, resolved, __ATOMIC_RELEASE);                     \
        }                                                                                  \
        resolved;                                                                          \
    })

/* Defines a wrapper for a function with a fixed parameter list: the real function is resolved
 * on the first call and called through a pointer of exactly the header's type. */
#define SB_DL_WRAP(lib, ret, name, params, args, fail)                                       \
    ret name params                                                                        \
    {                                                                                      \
        __typeof__(name) *fn = SB_DL_RESOLVE(lib, name);                                   \
        if (!fn)                                                                           \
            return fail;                                                                   \
        return fn args;                                                                    \
    }

#define SB_DL_WRAP_VOID(lib, name, params, args)                                           \
    void name params                                                                       \
    {                                                                                      \
        __typeof__(name) *fn = SB_DL_RESOLVE(lib, name);                                   \
        if (fn)                                                                            \
            fn args;                                                                       \
    }

/* A destructor taking one pointer, a no-op for NULL: a NULL argument neither loads the
 * library (a shutdown that frees nothing stays cheap) nor reaches it; when the library is
 * unavailable nothing of it can have been allocated. */
#define SB_DL_WRAP_FREE(lib, name, type)                                                   \
    void name(type p)                                                                      \
    {                                                                                      \
        if (!p)                                                                            \
            return;                                                                        \
        __typeof__(name) *fn = SB_DL_RESOLVE(lib, name);                                   \
        if (fn)                                                                            \
            fn(p);                                                                         \
    }

#endif
