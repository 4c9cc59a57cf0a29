/* The directories tools may read files from, and the confinement check (see datadir.h). */
#include "tools/datadir.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

int tools_datadirs_init(tools_datadirs *d, const sb_options *opt)
{
    size_t n = opt && opt->n_data_dirs ? opt->n_data_dirs : 1;
    d->n = 0;
    if (!(d->dirs = calloc(n, sizeof *d->dirs)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *dir = opt && opt->n_data_dirs ? opt->data_dirs[i] : ".";
        char *real = realpath(dir, NULL);
        if (real)
            d->dirs[d->n++] = real;
        else
            sb_warn("tools", "data directory %s does not exist; files there cannot be read", dir);
    }
    return 0;
}

void tools_datadirs_free(tools_datadirs *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->dirs[i]);
    free(d->dirs);
    d->dirs = NULL;
    d->n = 0;
}

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

char *tools_datadirs_resolve(const tools_datadirs *d, const char *path, char *err, size_t errlen)
{
    if (!path || !*path || strlen(path) >= PATH_MAX) {
        snprintf(err, errlen, "path is empty or too long");
        return NULL;
    }
    char cand[PATH_MAX * 2];
    for (size_t i = 0; i < (path[0] == '/' ? 1 : d->n); i++) {
        if (path[0] == '/')
            snprintf(cand, sizeof cand, "%s", path);
        else
            snprintf(cand, sizeof cand, "%s/%s", d->dirs[i], path);
        char *real = realpath(cand, NULL);
        if (!real)
            continue;
        for (size_t k = 0; k < d->n; k++)
            if (under(real, d->dirs[k]))
                return real;
        free(real);
        snprintf(err, errlen,
                 "%s is outside the directories this server may read (--data-dir); copy the file "
                 "there or start the server with --data-dir pointing at it", path);
        return NULL;
    }
    snprintf(err, errlen, "%s: no such file under the allowed data directories (%s%s)", path,
             d->n ? d->dirs[0] : "none", d->n > 1 ? ", ..." : "");
    return NULL;
}
