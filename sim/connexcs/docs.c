/* The documentation corpus of the ConnexCS simulator: our own Markdown pages under
 * sim/connexcs/docs/, served as `docs/<link>` (text/markdown) and searched by `docs?s=`
 * (spec §2.22-2.23, §4.8). A page's link is its path under the folder without ".md". */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cxsim.h"

#define MAX_PAGES 64
#define MAX_PAGE_BYTES (256 * 1024)
#define MAX_WORDS 8

typedef struct page {
    char *link;
    char *text;
    char *title;
} page;

struct cxs_docs {
    page p[MAX_PAGES];
    size_t n;
};

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sb_buf b;
    sb_buf_init(&b, MAX_PAGE_BYTES);
    char chunk[4096];
    size_t n;
    int ok = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sb_buf_append(&b, chunk, n)) {
            ok = -1;
            break;
        }
    fclose(f);
    if (ok) {
        sb_buf_free(&b);
        return NULL;
    }
    return sb_buf_steal(&b, NULL);
}

static char *title_of(const char *text)
{
    for (const char *p = text; p && *p;) {
        if (p[0] == '#' && p[1] == ' ') {
            const char *e = strchr(p, '\n');
            size_t l = e ? (size_t)(e - p - 2) : strlen(p + 2);
            return strndup(p + 2, l);
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return strdup("");
}

static void load_dir(cxs_docs *d, const char *dir, const char *prefix, int depth)
{
    DIR *dh = opendir(dir);
    if (!dh || depth > 3) {
        if (dh)
            closedir(dh);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dh)) && d->n < MAX_PAGES) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024], link[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(link, sizeof link, "%s%s", prefix, e->d_name);
        struct stat st;
        if (stat(path, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            char sub[520];
            snprintf(sub, sizeof sub, "%s/", link);
            load_dir(d, path, sub, depth + 1);
            continue;
        }
        size_t l = strlen(link);
        if (l < 4 || strcmp(link + l - 3, ".md") != 0 || strcasecmp(e->d_name, "README.md") == 0)
            continue;
        char *text = read_file(path);
        if (!text)
            continue;
        link[l - 3] = '\0';
        page *p = &d->p[d->n++];
        p->link = strdup(link);
        p->text = text;
        p->title = title_of(text);
    }
    closedir(dh);
}

cxs_docs *cxs_docs_load(const char *dir, char *err, size_t errlen)
{
    cxs_docs *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    load_dir(d, dir, "", 0);
    if (d->n == 0) {
        snprintf(err, errlen, "no Markdown pages under %s", dir);
        cxs_docs_free(d);
        return NULL;
    }
    return d;
}

void cxs_docs_free(cxs_docs *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->p[i].link);
        free(d->p[i].text);
        free(d->p[i].title);
    }
    free(d);
}

size_t cxs_docs_count(const cxs_docs *d) { return d ? d->n : 0; }

const char *cxs_docs_get(const cxs_docs *d, const char *path)
{
    if (!d || !path)
        return NULL;
    while (*path == '/')
        path++;
    size_t l = strlen(path);
    if (l > 3 && strcmp(path + l - 3, ".md") == 0)
        l -= 3;
    while (l && path[l - 1] == '/')
        l--;
    for (size_t i = 0; i < d->n; i++)
        if (strlen(d->p[i].link) == l && strncmp(d->p[i].link, path, l) == 0)
            return d->p[i].text;
    return NULL;
}

static size_t count_ci(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = strcasestr(hay, needle); p && l; p = strcasestr(p + l, needle))
        n++;
    return n;
}

/* The body text after the metadata block, or the whole text. */
static const char *body_start(const char *text)
{
    const char *e = strstr(text, "</details>");
    return e ? e + 10 : text;
}

static json_t *snippet(const page *p, const char *word)
{
    const char *b = body_start(p->text);
    const char *hit = word ? strcasestr(b, word) : NULL;
    const char *from = hit ? hit : b;
    int back = 0;
    for (; from > b && back < 80 && from[-1] != '\n'; back++)
        from--;
    if (back == 80) /* start at a word, not inside one */
        while (*from && *from != ' ' && from < hit)
            from++;
    sb_buf s;
    sb_buf_init(&s, 1024);
    bool space = false;
    for (const char *q = from; *q && s.len < 280; q++) {
        char ch = *q;
        if (ch == '\n' || ch == '\r' || ch == '\t' || ch == '#' || ch == '*' || ch == '`') {
            space = s.len > 0;
            continue;
        }
        if (space && ch != ' ')
            sb_buf_putc(&s, ' ');
        space = false;
        sb_buf_putc(&s, ch);
    }
    if (s.len >= 280)
        sb_buf_puts(&s, "...");
    json_t *j = json_string(s.data ? s.data : "");
    sb_buf_free(&s);
    return j;
}

typedef struct scored {
    size_t idx;
    int words, score;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->words != y->words)
        return y->words - x->words;
    if (x->score != y->score)
        return y->score - x->score;
    return (int)x->idx - (int)y->idx;
}

json_t *cxs_docs_search(const cxs_docs *d, const char *q, size_t max)
{
    char words[MAX_WORDS][32];
    size_t nw = 0;
    for (const char *p = q ? q : ""; *p && nw < MAX_WORDS;) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        size_t l = 0;
        while (p[l] && (isalnum((unsigned char)p[l]) || p[l] == '-'))
            l++;
        if (l >= 2 && l < sizeof words[0]) {
            memcpy(words[nw], p, l);
            words[nw++][l] = '\0';
        }
        p += l;
    }
    json_t *out = json_array();
    scored s[MAX_PAGES];
    size_t ns = 0;
    for (size_t i = 0; d && nw && i < d->n; i++) {
        scored sc = {i, 0, 0};
        for (size_t k = 0; k < nw; k++) {
            int hits = (int)count_ci(d->p[i].text, words[k]);
            int t = (int)count_ci(d->p[i].title, words[k]) * 10 + (strcasestr(d->p[i].link, words[k]) ? 5 : 0);
            if (hits + t > 0)
                sc.words++, sc.score += hits + t;
        }
        /* the whole phrase in the title weighs most */
        if (strcasestr(d->p[i].title, q))
            sc.score += 50;
        if (sc.words)
            s[ns++] = sc;
    }
    qsort(s, ns, sizeof s[0], cmp_scored);
    for (size_t i = 0; i < ns && i < max; i++) {
        const page *p = &d->p[s[i].idx];
        char url[600];
        snprintf(url, sizeof url, "https://docs.connexcs.com/%s/", p->link);
        json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "public_url", url, "link",
                                             p->link, "body", snippet(p, words[0])));
    }
    return out;
}
