/* Loading a shared library on first use.
 * libcurl, libmicrohttpd and libpcap each pull in a large tree of libraries (TLS stacks,
 * Kerberos, LDAP, D-Bus) whose loading and constructors cost about 10 ms and 10 MiB at every
 * start, even when the run never makes an HTTP call, serves HTTP or reads a capture. The
 * switchboard binary therefore links small shims (dl_curl.c, dl_mhd.c, dl_pcap.c) that define
 * the functions it uses and resolve the real ones with dlopen/dlsym on the first call. */
#ifndef SB_DL_H
#define SB_DL_H

#include <stdbool.h>

typedef struct sb_dl_lib {
    const char *soname;   /* "libcurl.so.4" */
    void *handle;         /* set once loaded */
    bool failed;          /* dlopen or a dlsym failed: every wrapper answers its error value */
} sb_dl_lib;

/* Resolves name in lib (loading it on first use). Thread-safe; NULL when unavailable (the
 * reason goes to stderr; this layer sits below util/ and has no logger). */
void *sb_dl_symbol(sb_dl_lib *lib, const char *name);

/* Whether the library can be loaded (loads it). */
bool sb_dl_available(sb_dl_lib *lib);

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

#endif
