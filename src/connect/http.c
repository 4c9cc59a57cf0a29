/* The HTTP client every connector uses, over libcurl (see http.h).
 * Each thread keeps one easy handle so its connections stay open between calls; the handle
 * is reset before every request, so no option leaks from one request into the next. Counters
 * per upstream host feed the metrics endpoint. */
#include "connect/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

#define CN_HTTP_DEFAULT_TIMEOUT_MS 30000L
#define CN_HTTP_DEFAULT_CONNECT_MS 5000L
#define CN_HTTP_DEFAULT_MAX (64u * 1024 * 1024)
#define CN_HTTP_MAX_HOSTS 32

static pthread_key_t g_handle_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_stats_lock = PTHREAD_MUTEX_INITIALIZER;
static cn_http_host_stats g_stats[CN_HTTP_MAX_HOSTS];
static size_t g_nstats;

typedef struct transfer {
    const cn_http_request *req;
    cn_http_response *resp;
} transfer;

static void handle_destroy(void *h) { curl_easy_cleanup(h); }
static void make_key(void) { pthread_key_create(&g_handle_key, handle_destroy); }

int cn_http_global_init(void)
{
    pthread_once(&g_key_once, make_key);
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void cn_http_global_cleanup(void)
{
    CURL *h = pthread_getspecific(g_handle_key);
    if (h) {
        curl_easy_cleanup(h);
        pthread_setspecific(g_handle_key, NULL);
    }
    curl_global_cleanup();
}

static CURL *thread_handle(void)
{
    pthread_once(&g_key_once, make_key);
    CURL *h = pthread_getspecific(g_handle_key);
    if (h) {
        curl_easy_reset(h);
        return h;
    }
    h = curl_easy_init();
    if (h)
        pthread_setspecific(g_handle_key, h);
    return h;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t n = size * nmemb;
    if (sb_buf_append(&t->resp->body, data, n) < 0) {
        t->resp->error = CN_HTTP_ERR_TOO_LARGE;
        return 0;
    }
    return n;
}

static void clear_headers(cn_http_response *resp)
{
    for (size_t i = 0; i < resp->nheaders; i++) {
        free(resp->header_names[i]);
        free(resp->header_values[i]);
    }
    resp->nheaders = 0;
}

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r' ||
                  (*p)[*n - 1] == '\n'))
        (*n)--;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        clear_headers(t->resp); /* a new response (after 100 Continue or a redirect) */
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (!colon || t->resp->nheaders >= CN_HTTP_MAX_RESPONSE_HEADERS)
        return n;
    const char *name = data, *value = colon + 1;
    size_t nlen = (size_t)(colon - data), vlen = n - nlen - 1;
    trim(&name, &nlen);
    trim(&value, &vlen);
    char *lname = strndup(name, nlen), *v = strndup(value, vlen);
    if (!lname || !v) {
        free(lname);
        free(v);
        return n;
    }
    for (char *c = lname; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    t->resp->header_names[t->resp->nheaders] = lname;
    t->resp->header_values[t->resp->nheaders] = v;
    t->resp->nheaders++;
    return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    const transfer *t = ud;
    return t->req->cancel && __atomic_load_n(t->req->cancel, __ATOMIC_RELAXED) ? 1 : 0;
}

static cn_http_error classify(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK: return CN_HTTP_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return CN_HTTP_ERR_DNS;
    case CURLE_COULDNT_CONNECT: return CN_HTTP_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: return CN_HTTP_ERR_TIMEOUT;
    case CURLE_ABORTED_BY_CALLBACK: return CN_HTTP_ERR_CANCELLED;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return CN_HTTP_ERR_TLS;
    case CURLE_FILESIZE_EXCEEDED: return CN_HTTP_ERR_TOO_LARGE;
    default: return CN_HTTP_ERR_OTHER;
    }
}

static const char *error_text(cn_http_error e)
{
    switch (e) {
    case CN_HTTP_ERR_DNS: return "the host name did not resolve";
    case CN_HTTP_ERR_CONNECT: return "the connection was refused or the host is unreachable";
    case CN_HTTP_ERR_TLS: return "the TLS handshake or certificate verification failed";
    case CN_HTTP_ERR_TIMEOUT: return "no complete answer within the timeout";
    case CN_HTTP_ERR_CANCELLED: return "the request was cancelled";
    case CN_HTTP_ERR_TOO_LARGE: return "the response was larger than allowed";
    default: return "the request failed";
    }
}

static long parse_retry_after(const char *v)
{
    if (!v || !*v)
        return -1;
    char *end;
    long s = strtol(v, &end, 10);
    if (end != v && *end == '\0')
        return s < 0 ? 0 : s;
    time_t when = curl_getdate(v, NULL);
    if (when < 0)
        return -1;
    long delta = (long)(when - time(NULL));
    return delta < 0 ? 0 : delta;
}

static void host_of(const char *url, char *host, size_t size)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    if (n >= size)
        n = size - 1;
    memcpy(host, p, n);
    host[n] = '\0';
}

static void count(const char *url, const cn_http_response *resp)
{
    char host[sizeof g_stats[0].host];
    host_of(url, host, sizeof host);
    pthread_mutex_lock(&g_stats_lock);
    cn_http_host_stats *s = NULL;
    for (size_t i = 0; i < g_nstats && !s; i++)
        if (strcmp(g_stats[i].host, host) == 0)
            s = &g_stats[i];
    if (!s && g_nstats < CN_HTTP_MAX_HOSTS) {
        s = &g_stats[g_nstats++];
        memset(s, 0, sizeof *s);
        memcpy(s->host, host, sizeof host);
    }
    if (s) {
        s->requests++;
        if (resp->error != CN_HTTP_OK)
            s->transport_errors++;
        else if (resp->status >= 500)
            s->status_5xx++;
        else if (resp->status >= 400)
            s->status_4xx++;
        s->seconds_total += resp->elapsed_s;
    }
    pthread_mutex_unlock(&g_stats_lock);
}

size_t cn_http_stats(cn_http_host_stats *out, size_t max)
{
    pthread_mutex_lock(&g_stats_lock);
    size_t n = g_nstats < max ? g_nstats : max;
    memcpy(out, g_stats, n * sizeof *out);
    pthread_mutex_unlock(&g_stats_lock);
    return n;
}

static struct curl_slist *build_headers(const cn_http_request *req)
{
    struct curl_slist *list = NULL;
    for (const char *const *h = req->headers; h && *h; h++) {
        struct curl_slist *next = curl_slist_append(list, *h);
        if (!next) {
            curl_slist_free_all(list);
            return NULL;
        }
        list = next;
    }
    /* libcurl would otherwise add "Expect: 100-continue" to larger bodies. */
    struct curl_slist *next = curl_slist_append(list, "Expect:");
    return next ? next : list;
}

static void set_options(CURL *h, const cn_http_request *req, transfer *t,
                        struct curl_slist *headers)
{
    const char *method = req->method ? req->method : "GET";
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : CN_HTTP_DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms : CN_HTTP_DEFAULT_CONNECT_MS);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "switchboard/0.1");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req->insecure ? 0L : 2L);
    if (req->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
    if (strcmp(method, "GET") == 0)
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    else if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (req->body || strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
        strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
}

int cn_http_perform(const cn_http_request *req, cn_http_response *resp)
{
    memset(resp, 0, sizeof *resp);
    sb_buf_init(&resp->body, req->max_response ? req->max_response : CN_HTTP_DEFAULT_MAX);
    resp->retry_after_s = -1;
    if (!req->url) {
        resp->error = CN_HTTP_ERR_OTHER;
        snprintf(resp->message, sizeof resp->message, "no URL given");
        return -1;
    }
    CURL *h = thread_handle();
    struct curl_slist *headers = build_headers(req);
    if (!h || !headers) {
        curl_slist_free_all(headers);
        resp->error = CN_HTTP_ERR_OTHER;
        snprintf(resp->message, sizeof resp->message, "out of memory");
        return -1;
    }
    transfer t = {req, resp};
    set_options(h, req, &t, headers);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &resp->elapsed_s);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        const char *ct = NULL;
        curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
        resp->content_type = ct ? strdup(ct) : NULL;
        resp->retry_after_s = parse_retry_after(cn_http_response_header(resp, "retry-after"));
        resp->error = CN_HTTP_OK;
    } else {
        if (resp->error != CN_HTTP_ERR_TOO_LARGE)
            resp->error = classify(rc);
        snprintf(resp->message, sizeof resp->message, "%s (%s)", error_text(resp->error),
                 curl_easy_strerror(rc));
        resp->status = 0;
    }
    count(req->url, resp);
    if (resp->body.data == NULL)
        sb_buf_append(&resp->body, "", 0);
    return resp->error == CN_HTTP_OK ? 0 : -1;
}

void cn_http_response_free(cn_http_response *resp)
{
    sb_buf_free(&resp->body);
    free(resp->content_type);
    resp->content_type = NULL;
    clear_headers(resp);
}

const char *cn_http_response_header(const cn_http_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->header_names[i], name) == 0)
            return resp->header_values[i];
    return NULL;
}

char *cn_url_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}
