/* libcurl, loaded on the first HTTP request (see dl.h): the functions the connectors use.
 * curl_easy_setopt and curl_easy_getinfo are variadic; their one argument's type follows from
 * the option number, as libcurl itself defines it (CURLOPTTYPE_* ranges, CURLINFO_* masks). */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>

#include "dl/dl.h"

static sb_dl_lib g_curl = {.soname = SB_DL_SONAME_CURL};

SB_DL_WRAP(g_curl, CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)
SB_DL_WRAP_VOID(g_curl, curl_global_cleanup, (void), ())
SB_DL_WRAP(g_curl, CURL *, curl_easy_init, (void), (), NULL)
SB_DL_WRAP_VOID(g_curl, curl_easy_cleanup, (CURL *h), (h))
SB_DL_WRAP_VOID(g_curl, curl_easy_reset, (CURL *h), (h))
SB_DL_WRAP(g_curl, CURLcode, curl_easy_perform, (CURL *h), (h), CURLE_FAILED_INIT)
SB_DL_WRAP(g_curl, const char *, curl_easy_strerror, (CURLcode c), (c), "libcurl is not available")
SB_DL_WRAP(g_curl, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s),
           (l, s), NULL)
SB_DL_WRAP_VOID(g_curl, curl_slist_free_all, (struct curl_slist *l), (l))
SB_DL_WRAP(g_curl, time_t, curl_getdate, (const char *p, const time_t *unused), (p, unused), -1)

CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
    __typeof__(curl_easy_setopt) *fn = SB_DL_RESOLVE(g_curl, curl_easy_setopt);
    if (!fn)
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, option);
    CURLcode rc;
    if (option < CURLOPTTYPE_OBJECTPOINT)
        rc = fn(h, option, va_arg(ap, long));
    else if (option < CURLOPTTYPE_FUNCTIONPOINT)
        rc = fn(h, option, va_arg(ap, void *));
    else if (option < CURLOPTTYPE_OFF_T)
        rc = fn(h, option, va_arg(ap, void (*)(void)));
    else if (option < CURLOPTTYPE_BLOB)
        rc = fn(h, option, va_arg(ap, curl_off_t));
    else
        rc = fn(h, option, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    __typeof__(curl_easy_getinfo) *fn = SB_DL_RESOLVE(g_curl, curl_easy_getinfo);
    if (!fn)
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    CURLcode rc = fn(h, info, va_arg(ap, void *)); /* every CURLINFO type takes a pointer */
    va_end(ap);
    return rc;
}
