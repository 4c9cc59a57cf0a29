/* 3CX configuration: the TCX_* environment (one PBX named "default") and the [pbx NAME]
 * sections of the INI-style configuration file (one PBX each). Lines are parsed as
 * pointer+length views; other sections belong to other families and are skipped. */
#include "connect/tcx/tcx.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

#define TCX_CONFIG_MAX_FILE (1u << 20)
#define TCX_MAX_PBX 64

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static bool truthy(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
                 strcasecmp(v, "on") == 0);
}

static bool name_ok(const char *n)
{
    if (!*n || strlen(n) > 40)
        return false;
    for (const char *p = n; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return false;
    return true;
}

static void cfg_defaults(tcx_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 443;
    c->timeout_ms = 30000;
    c->report_row_limit = 20000;
}

/* Sets one key (already lower-cased without a "tcx_" prefix). Returns -1 on a bad value. */
static int cfg_set(tcx_config *c, const char *key, const char *val, char *err, size_t errsz)
{
    char **slot = NULL;
    if (strcmp(key, "fqdn") == 0)
        slot = &c->fqdn;
    else if (strcmp(key, "timezone") == 0)
        slot = &c->timezone;
    else if (strcmp(key, "client_id") == 0)
        slot = &c->client_id;
    else if (strcmp(key, "client_secret") == 0)
        slot = &c->client_secret;
    else if (strcmp(key, "base_url") == 0)
        slot = &c->base_url;
    else if (strcmp(key, "ca_file") == 0)
        slot = &c->ca_file;
    else if (strcmp(key, "default_country") == 0)
        slot = &c->default_country;
    if (slot) {
        free(*slot);
        *slot = *val ? strdup(val) : NULL;
        if (slot == &c->client_secret && *val)
            sb_log_add_secret(val);
        return 0;
    }
    char *end;
    if (strcmp(key, "port") == 0) {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || *end || v < 1 || v > 65535) {
            snprintf(err, errsz, "3CX port must be a number from 1 to 65535, not '%.40s'", val);
            return -1;
        }
        c->port = (unsigned)v;
    } else if (strcmp(key, "allow_writes") == 0) {
        c->allow_writes = truthy(val);
    } else if (strcmp(key, "timeout_s") == 0) {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || *end || v < 1 || v > 600) {
            snprintf(err, errsz, "3CX timeout_s must be 1..600 seconds, not '%.40s'", val);
            return -1;
        }
        c->timeout_ms = v * 1000;
    } else if (strcmp(key, "report_row_limit") == 0) {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || *end || v < 1 || v > 1000000) {
            snprintf(err, errsz, "3CX report_row_limit must be 1..1000000, not '%.40s'", val);
            return -1;
        }
        c->report_row_limit = v;
    } else if (strcmp(key, "page_size") == 0) {
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || *end || v < 1 || v > 1000) {
            snprintf(err, errsz, "3CX page_size must be 1..1000, not '%.40s'", val);
            return -1;
        }
        c->page_size = v;
    }
    /* unknown keys are ignored so newer files work with older binaries */
    return 0;
}

static int cfg_check(const tcx_config *c, char *err, size_t errsz)
{
    if (!c->fqdn && !c->base_url) {
        snprintf(err, errsz, "3CX PBX '%s': set TCX_FQDN (or fqdn=) to the PBX host name", c->name);
        return -1;
    }
    if (!c->client_id || !c->client_secret) {
        snprintf(err, errsz,
                 "3CX PBX '%s': set TCX_CLIENT_ID and TCX_CLIENT_SECRET (Admin > Integrations > API: "
                 "an API client with XAPI access, role System Owner)",
                 c->name);
        return -1;
    }
    if (c->base_url && strncmp(c->base_url, "http://", 7) != 0 && strncmp(c->base_url, "https://", 8) != 0) {
        snprintf(err, errsz, "3CX PBX '%s': TCX_BASE_URL must start with http:// or https://", c->name);
        return -1;
    }
    if (c->fqdn) {
        for (const char *p = c->fqdn; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '[' && *p != ']' && *p != ':') {
                snprintf(err, errsz, "3CX PBX '%s': TCX_FQDN must be a bare host name such as pbx.example.com", c->name);
                return -1;
            }
    }
    return 0;
}

static void cfg_clear(tcx_config *c)
{
    free(c->name);
        free(c->fqdn);
        free(c->timezone);
        free(c->client_id);
        free(c->client_secret);
        free(c->base_url);
        free(c->ca_file);
    free(c->default_country);
    cfg_defaults(c);
}

void tcx_config_free(tcx_config *cfg, size_t n)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < n; i++)
        cfg_clear(&cfg[i]);
    free(cfg);
}

static int from_env(tcx_config *c, char *err, size_t errsz)
{
    static const char *const keys[] = {"fqdn", "port", "timezone", "client_id", "client_secret",
                                       "base_url", "ca_file", "allow_writes", "default_country",
                                       "timeout_s", "report_row_limit", "page_size", NULL};
    cfg_defaults(c);
    bool any = false;
    for (size_t i = 0; keys[i]; i++) {
        char env[48] = "TCX_";
        for (size_t j = 0; keys[i][j] && j < 40; j++)
            env[4 + j] = (char)toupper((unsigned char)keys[i][j]), env[5 + j] = 0;
        const char *v = getenv(env);
        if (!v)
            continue;
        if (strcmp(keys[i], "fqdn") == 0 || strcmp(keys[i], "base_url") == 0)
            any = any || *v;
        if (cfg_set(c, keys[i], v, err, errsz) < 0)
            return -1;
    }
    if (!any)
        return 0;
    c->name = strdup("default");
    return c->name ? 1 : -1;
}

/* Normalises a key: lower case, "tcx_" prefix dropped. */
static void norm_key(const char *k, size_t n, char *out, size_t outsz)
{
    size_t j = 0;
    if (n > 4 && strncasecmp(k, "tcx_", 4) == 0)
        k += 4, n -= 4;
    for (size_t i = 0; i < n && j + 1 < outsz; i++)
        out[j++] = (char)tolower((unsigned char)k[i]);
    out[j] = 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
    if (*n >= 2 && ((**s == '"' && (*s)[*n - 1] == '"') || (**s == '\'' && (*s)[*n - 1] == '\'')))
        (*s)++, *n -= 2;
}

typedef struct cfg_list {
    tcx_config *v;
    size_t n;
} cfg_list;

static tcx_config *list_add(cfg_list *l, const char *name, size_t nlen, char *err, size_t errsz)
{
    if (l->n >= TCX_MAX_PBX) {
        snprintf(err, errsz, "too many [pbx ...] sections (at most %d)", TCX_MAX_PBX);
        return NULL;
    }
    tcx_config *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
    if (!nv)
        return NULL;
    l->v = nv;
    tcx_config *c = &l->v[l->n++];
    cfg_defaults(c);
    c->name = dupn(name, nlen);
    if (!c->name || !name_ok(c->name)) {
        snprintf(err, errsz, "config: [pbx %.*s]: the name may use letters, digits, '-', '_', '.'",
                 (int)(nlen > 40 ? 40 : nlen), name);
        return NULL;
    }
    for (size_t i = 0; i + 1 < l->n; i++)
        if (strcmp(l->v[i].name, c->name) == 0) {
            snprintf(err, errsz, "config: [pbx %s] appears twice", c->name);
            return NULL;
        }
    return c;
}

static int parse_file(const char *text, size_t len, cfg_list *l, char *err, size_t errsz)
{
    tcx_config *cur = NULL;
    bool in_other = false;
    size_t lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + 1;
        lineno++;
        trim(&line, &n);
        if (n == 0 || *line == '#' || *line == ';')
            continue;
        if (*line == '[') {
            cur = NULL;
            in_other = true;
            if (n < 2 || line[n - 1] != ']')
                return snprintf(err, errsz, "config line %zu: a section header must end with ']'", lineno), -1;
            const char *s = line + 1;
            size_t sn = n - 2;
            trim(&s, &sn);
            if (sn > 4 && strncasecmp(s, "pbx", 3) == 0 && isspace((unsigned char)s[3])) {
                s += 4, sn -= 4;
                trim(&s, &sn);
                if (!(cur = list_add(l, s, sn, err, errsz)))
                    return -1;
                in_other = false;
            }
            continue;
        }
        if (in_other || !cur)
            continue;
        const char *eq = memchr(line, '=', n);
        if (!eq)
            return snprintf(err, errsz, "config line %zu: expected key = value", lineno), -1;
        const char *k = line, *v = eq + 1;
        size_t kn = (size_t)(eq - line), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        char key[48], *val = dupn(v, vn);
        norm_key(k, kn, key, sizeof key);
        int rc = val ? cfg_set(cur, key, val, err, errsz) : -1;
        free(val);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int read_file(const char *path, char **text, size_t *len, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "cannot open the configuration file %s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(TCX_CONFIG_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, TCX_CONFIG_MAX_FILE + 1, f) : 0;
    fclose(f);
    if (!buf || n > TCX_CONFIG_MAX_FILE) {
        free(buf);
        snprintf(err, errsz, "the configuration file %s is larger than 1 MiB", path);
        return -1;
    }
    buf[n] = 0;
    *text = buf;
    *len = n;
    return 0;
}

int tcx_config_parse(const char *text, size_t len, tcx_config **out, char *err, size_t errsz)
{
    cfg_list l = {0};
    *out = NULL;
    if (parse_file(text, len, &l, err, errsz) < 0)
        goto fail;
    for (size_t i = 0; i < l.n; i++)
        if (cfg_check(&l.v[i], err, errsz) < 0)
            goto fail;
    *out = l.v;
    return (int)l.n;
fail:
    tcx_config_free(l.v, l.n);
    return -1;
}

int tcx_config_load(const char *config_file, tcx_config **out, char *err, size_t errsz)
{
    cfg_list l = {0};
    *out = NULL;
    if (config_file) {
        char *text;
        size_t len;
        if (read_file(config_file, &text, &len, err, errsz) < 0)
            return -1;
        int rc = parse_file(text, len, &l, err, errsz);
        free(text);
        if (rc < 0)
            goto fail;
    }
    tcx_config env;
    int e = from_env(&env, err, errsz);
    if (e < 0) {
        cfg_clear(&env);
        goto fail;
    }
    if (e == 1) {
        bool clash = false;
        for (size_t i = 0; i < l.n; i++)
            clash = clash || strcmp(l.v[i].name, "default") == 0;
        tcx_config *nv = clash ? NULL : realloc(l.v, (l.n + 1) * sizeof *nv);
        if (!nv) {
            snprintf(err, errsz, clash ? "config: [pbx default] clashes with the TCX_* environment PBX"
                                       : "out of memory");
            cfg_clear(&env);
            goto fail;
        }
        l.v = nv;
        /* the environment PBX comes first */
        memmove(l.v + 1, l.v, l.n * sizeof *l.v);
        l.v[0] = env;
        l.n++;
    } else {
        cfg_clear(&env);
    }
    for (size_t i = 0; i < l.n; i++)
        if (cfg_check(&l.v[i], err, errsz) < 0)
            goto fail;
    *out = l.v;
    return (int)l.n;
fail:
    tcx_config_free(l.v, l.n);
    return -1;
}
