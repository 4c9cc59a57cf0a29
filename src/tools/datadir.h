/* The directories tools may read files from (--data-dir, default the working directory), and
 * the one check every file-reading tool makes: a user path, relative to one of them or
 * absolute, is resolved through every symlink and ".." and accepted only when the real file
 * lies inside an allowed directory. */
#ifndef SB_TOOLS_DATADIR_H
#define SB_TOOLS_DATADIR_H

#include <stddef.h>

#include "tools/tools.h"

typedef struct tools_datadirs {
    char **dirs; /* realpath of each allowed directory that exists */
    size_t n;
} tools_datadirs;

/* Resolves opt's data directories (a missing one is skipped with a warning). 0, or -1 when out
 * of memory. */
int tools_datadirs_init(tools_datadirs *d, const sb_options *opt);
void tools_datadirs_free(tools_datadirs *d);

/* The real path of the file (free() it), or NULL with a message a person can act on in err. */
char *tools_datadirs_resolve(const tools_datadirs *d, const char *path, char *err, size_t errlen);

#endif
