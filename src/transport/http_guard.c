/* Host and Origin allow-lists (see http_guard.h). Header values are parsed as pointer+length
 * views; the lists are copied once at start. */
#include "transport/http_guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GUARD_MAX_ENTRIES 64

typedef struct name_list {
    char *items[GUARD_MAX_ENTRIES];
    size_t n;
    bool any; /* "*" */
} name_list;

struct http_guard {
    name_list hosts;
    name_list origins; /* empty and !any = default rule (loopback host in origin) */
};

static const char *const k_loopback[] = {"localhost", "127.0.0.1", "::1"};

static bool eq_ci(const char *a, size_t an, const char *b)
{
    return strlen(b) == an && strncasecmp(a, b, an) == 0;
}

bool http_guard_split_host(const char *hp, size_t n, const char **name, size_t *len)
{
    if (n == 0)
        return false;
    if (hp[0] == '[') {
        const char *close = memchr(hp, ']', n);
        if (!close || close == hp + 1)
            return false;
        size_t rest = n - (size_t)(close + 1 - hp);
        if (rest > 0 && close[1] != ':')
            return false;
        *name = hp + 1;
        *len = (size_t)(close - hp - 1);
    } else {
        const char *colon = memchr(hp, ':', n);
        *name = hp;
        *len = colon ? (size_t)(colon - hp) : n;
        if (*len == 0)
            return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)hp[i];
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '@' || c == '\\')
            return false;
    }
    return true;
}

static int list_add(name_list *l, const char *s, size_t n)
{
    if (n == 1 && s[0] == '*') {
        l->any = true;
        return 0;
    }
    if (l->n >= GUARD_MAX_ENTRIES)
        return -1;
    char *copy = strndup(s, n);
    if (!copy)
        return -1;
    l->items[l->n++] = copy;
    return 0;
}

static int list_parse(name_list *l, const char *csv)
{
    const char *p = csv;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n > 0 && list_add(l, p, n) < 0)
            return -1;
        p += n;
    }
    return 0;
}

static void list_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    l->n = 0;
}

static bool is_wildcard(const char *addr)
{
    return !addr || !*addr || strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0;
}

http_guard *http_guard_new(const char *hosts, const char *origins, const char *bind_addr,
                           char *err, size_t errsz)
{
    http_guard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    int rc = 0;
    if (hosts) {
        rc |= list_parse(&g->hosts, hosts);
    } else {
        for (size_t i = 0; i < sizeof k_loopback / sizeof k_loopback[0]; i++)
            rc |= list_add(&g->hosts, k_loopback[i], strlen(k_loopback[i]));
        if (!is_wildcard(bind_addr))
            rc |= list_add(&g->hosts, bind_addr, strlen(bind_addr));
    }
    if (origins) {
        rc |= list_parse(&g->origins, origins);
        for (size_t i = 0; i < g->origins.n && rc == 0; i++) {
            const char *o = g->origins.items[i];
            if (strncasecmp(o, "http://", 7) != 0 && strncasecmp(o, "https://", 8) != 0) {
                snprintf(err, errsz, "allowed origin '%s' must start with http:// or https://", o);
                rc = -1;
            }
        }
    }
    if (rc != 0) {
        if (err && !err[0])
            snprintf(err, errsz, "too many or invalid entries in the allow-lists");
        http_guard_free(g);
        return NULL;
    }
    return g;
}

void http_guard_free(http_guard *g)
{
    if (!g)
        return;
    list_free(&g->hosts);
    list_free(&g->origins);
    free(g);
}

static bool host_allowed(const name_list *l, const char *name, size_t len)
{
    if (l->any)
        return true;
    for (size_t i = 0; i < l->n; i++)
        if (eq_ci(name, len, l->items[i]))
            return true;
    return false;
}

bool http_guard_host_ok(const http_guard *g, const char *host)
{
    if (!host)
        return false;
    const char *name;
    size_t len;
    if (!http_guard_split_host(host, strlen(host), &name, &len))
        return false;
    return host_allowed(&g->hosts, name, len);
}

static bool is_loopback_name(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof k_loopback / sizeof k_loopback[0]; i++)
        if (eq_ci(name, len, k_loopback[i]))
            return true;
    return false;
}

bool http_guard_origin_ok(const http_guard *g, const char *origin)
{
    if (!origin)
        return true;
    size_t n = strlen(origin);
    if (g->origins.any)
        return n > 0 && strcmp(origin, "null") != 0;
    if (g->origins.n > 0) {
        for (size_t i = 0; i < g->origins.n; i++)
            if (eq_ci(origin, n, g->origins.items[i]))
                return true;
        return false;
    }
    size_t skip = strncasecmp(origin, "http://", 7) == 0    ? 7
                  : strncasecmp(origin, "https://", 8) == 0 ? 8
                                                            : 0;
    if (skip == 0)
        return false;
    const char *name;
    size_t len;
    return http_guard_split_host(origin + skip, n - skip, &name, &len) &&
           is_loopback_name(name, len);
}
