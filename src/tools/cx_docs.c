/* ConnexCS documentation tools: searchDocumentation (GET docs?s=) and getDocumentation
 * (GET docs/<path>, which answers Markdown, not JSON; falls back to <path>.md). The page is
 * cleaned (details/summary blocks and HTML removed, blank lines collapsed), its metadata lines
 * read, and the content capped at 3000 characters with the full text capped separately. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tools/cx_internal.h"
#include "util/buf.h"

#define DOC_CONTENT_MAX 3000
#define DOC_FULL_MAX 20000

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* ---- Markdown clean-up ------------------------------------------------------------------- */

/* Removes <tag ...>...</tag> blocks (case-insensitive) in place. */
static void drop_blocks(char *s, const char *tag)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    for (char *p = strcasestr(s, open); p; p = strcasestr(p, open)) {
        char *e = strcasestr(p, close);
        if (!e) {
            *p = '\0';
            return;
        }
        e += strlen(close);
        memmove(p, e, strlen(e) + 1);
    }
}

/* Strips remaining tags and the two common entities; collapses runs of blank lines. New string. */
static char *clean_markdown(const char *in)
{
    char *s = strdup(in);
    if (!s)
        return NULL;
    drop_blocks(s, "details");
    drop_blocks(s, "summary");
    sb_buf b;
    sb_buf_init(&b, strlen(s) + 1);
    int newlines = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '<' && (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!')) {
            const char *e = strchr(p, '>');
            if (e) {
                p = e;
                continue;
            }
        }
        if (*p == '&' && !strncmp(p, "&nbsp;", 6)) {
            sb_buf_putc(&b, ' ');
            p += 5;
            continue;
        }
        if (*p == '&' && !strncmp(p, "&amp;", 5)) {
            sb_buf_putc(&b, '&');
            p += 4;
            continue;
        }
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            if (++newlines > 2)
                continue;
        } else if (*p != ' ' && *p != '\t') {
            newlines = 0;
        }
        sb_buf_putc(&b, *p);
    }
    free(s);
    /* an empty buffer is not stolen: sb_buf_steal() of one returns unterminated memory */
    char *out = b.len ? sb_buf_steal(&b, NULL) : NULL;
    sb_buf_free(&b);
    if (!out)
        return strdup("");
    /* trim leading and trailing whitespace */
    size_t lead = strspn(out, " \n\t");
    memmove(out, out + lead, strlen(out + lead) + 1);
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '\t'))
        out[--n] = '\0';
    return out;
}

/* Reads "Key: value" metadata (also "- **Key:** value") from the raw page. */
static json_t *read_metadata(const char *raw)
{
    static const char *const keys[][2] = {{"Category", "category"}, {"Audience", "audience"},
                                          {"Difficulty", "difficulty"}, {"Time Required", "timeRequired"},
                                          {"Prerequisites", "prerequisites"}};
    json_t *m = json_object();
    for (const char *line = raw; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *p = line;
        while (p < line + len && (*p == ' ' || *p == '-' || *p == '*' || *p == '>'))
            p++;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            size_t kl = strlen(keys[k][0]);
            if ((size_t)(line + len - p) > kl && !strncasecmp(p, keys[k][0], kl) && !json_object_get(m, keys[k][1])) {
                const char *q = p + kl;
                while (q < line + len && *q == '*')
                    q++;
                if (q < line + len && *q == ':') {
                    q++;
                    while (q < line + len && (*q == ' ' || *q == '*'))
                        q++;
                    const char *e = line + len;
                    while (e > q && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '*'))
                        e--;
                    char *v = strndup(q, (size_t)(e - q));
                    char *clean = v ? clean_markdown(v) : NULL;
                    if (clean && *clean)
                        json_object_set_new(m, keys[k][1], json_string(clean));
                    free(v);
                    free(clean);
                }
            }
        }
        line = end ? end + 1 : NULL;
    }
    return m;
}

static char *first_heading(const char *md)
{
    for (const char *line = md; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 2 && line[0] == '#' && line[1] == ' ') {
            /* trimmed no further than "# ": a blank heading ("#  \r") is skipped, not read as
             * the rest of the page (len - 2 wrapped round; found by fuzz/cx_docs) */
            while (len > 2 && (line[len - 1] == '\r' || line[len - 1] == ' '))
                len--;
            if (len > 2)
                return strndup(line + 2, len - 2);
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

/* ---- getDocumentation -------------------------------------------------------------------- */

static bool doc_path_ok(const char *p)
{
    size_t n = strlen(p);
    if (!n || n > 200 || p[0] == '/' || strstr(p, "..") || strstr(p, "//"))
        return false;
    return strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_.-") == n;
}

static const mcp_param p_get_doc[] = {
    {.name = "path", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 200,
     .description = "Page path, e.g. \"guides/tshoot-signal\" (the link from searchDocumentation)."},
    {0}};

static const char s_get_doc[] =
    "{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\",\"enum\":[\"success\",\"error\"]},"
    "\"data\":{\"type\":\"object\",\"properties\":{\"success\":{\"type\":\"boolean\"},\"path\":{\"type\":\"string\"},"
    "\"title\":{\"type\":\"string\"},\"content\":{\"type\":[\"string\",\"null\"]},\"fullContent\":{\"type\":\"string\"},"
    "\"truncated\":{\"type\":\"boolean\"},\"metadata\":{\"type\":\"object\"},\"attempts\":{\"type\":\"array\"}}}},"
    "\"required\":[\"status\",\"data\"]}";

/* One attempt: GET docs/<path>; returns the body text (new) or NULL and notes the outcome. */
static char *try_doc(mcp_call *call, cx_client *c, const char *path, json_t *attempts, bool *fatal, char *err,
                     size_t errn)
{
    char full[256];
    snprintf(full, sizeof full, "docs/%s", path);
    cx_request rq = {.method = "GET", .path = full, .expect_json = false, .cancel = mcp_call_cancel_flag(call)};
    cx_response r;
    char *out = NULL;
    if (cx_call(c, &rq, &r) == 0 && r.text && *r.text) {
        out = r.text;
        r.text = NULL;
        /* a JSON envelope ({content|body|markdown}) is accepted too */
        if (r.content_type && strstr(r.content_type, "json")) {
            json_t *j = json_loads(out, 0, NULL);
            const char *t = json_string_value(json_object_get(j, "content"));
            if (!t)
                t = json_string_value(json_object_get(j, "markdown"));
            if (!t)
                t = json_string_value(json_object_get(j, "body"));
            char *inner = t ? strdup(t) : NULL;
            json_decref(j);
            if (inner) {
                free(out);
                out = inner;
            }
        }
        json_array_append_new(attempts, json_pack("{s:s,s:I,s:s}", "path", full, "status", (json_int_t)r.status,
                                                  "note", "found"));
    } else {
        const char *note = r.status == 404 ? "not found (404)" : r.status == 401 ? "unauthorised (401): check credentials"
                           : r.status == 403 ? "forbidden (403)" : r.status ? "error" : "no answer";
        json_array_append_new(attempts, json_pack("{s:s,s:I,s:s}", "path", full, "status", (json_int_t)r.status,
                                                  "note", note));
        if (r.status != 404 && !(r.status == 200)) {
            *fatal = true;
            snprintf(err, errn, "%s", r.error);
        }
    }
    cx_response_free(&r);
    return out;
}

static void h_get_doc(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    if (!c)
        return;
    const char *path = cx_arg_str(args, "path");
    if (!path || !doc_path_ok(path)) {
        mcp_call_error(call, "\"%.80s\" is not a documentation path: use the link of a searchDocumentation result, "
                             "e.g. guides/tshoot-signal (letters, digits, '/', '-', '_', '.'; no '..').",
                       path ? path : "");
        return;
    }
    json_t *attempts = json_array();
    bool fatal = false;
    char err[512] = "";
    char *raw = try_doc(call, c, path, attempts, &fatal, err, sizeof err);
    size_t pl = strlen(path);
    if (!raw && !fatal && (pl < 3 || strcmp(path + pl - 3, ".md"))) {
        char md[220];
        snprintf(md, sizeof md, "%s.md", path);
        raw = try_doc(call, c, md, attempts, &fatal, err, sizeof err);
    }
    if (!raw) {
        json_decref(attempts);
        if (fatal)
            mcp_call_error(call, "%s", err);
        else
            mcp_call_error(call, "Documentation not found or empty: \"%s\". Use searchDocumentation to find the page "
                                 "and pass its link.", path);
        return;
    }
    json_t *meta = read_metadata(raw);
    char *clean = clean_markdown(raw);
    char *title = first_heading(clean ? clean : raw);
    free(raw);
    size_t cl = clean ? strlen(clean) : 0;
    bool truncated = cl > DOC_CONTENT_MAX;
    sb_buf content;
    sb_buf_init(&content, DOC_CONTENT_MAX + 64);
    sb_buf_append(&content, clean ? clean : "", truncated ? DOC_CONTENT_MAX : cl);
    if (truncated)
        sb_buf_puts(&content, "\n\n[Content truncated...]");
    if (cl > DOC_FULL_MAX && clean)
        clean[DOC_FULL_MAX] = '\0';
    const char *ttl = title ? title : *jstr(meta, "category") ? jstr(meta, "category") : path;
    json_t *data = json_pack("{s:b,s:s,s:s,s:O?,s:O?,s:O?,s:O?,s:O?,s:s,s:s,s:b,s:O,s:o}", "success", 1, "path", path,
                             "title", ttl, "category", json_object_get(meta, "category"), "audience",
                             json_object_get(meta, "audience"), "difficulty", json_object_get(meta, "difficulty"),
                             "timeRequired", json_object_get(meta, "timeRequired"), "prerequisites",
                             json_object_get(meta, "prerequisites"), "content", content.data ? content.data : "",
                             "fullContent", clean ? clean : "", "truncated", truncated, "metadata", meta, "attempts",
                             attempts);
    json_t *out = json_pack("{s:s,s:o}", "status", "success", "data", data);
    mcp_call_text(call, "# %s (%s)\n\n%s", ttl, path, content.data ? content.data : "");
    mcp_call_structured(call, out);
    json_decref(meta);
    sb_buf_free(&content);
    free(clean);
    free(title);
}

/* ---- searchDocumentation ----------------------------------------------------------------- */

static const mcp_param p_search_doc[] = {
    {.name = "query", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 200,
     .description = "Words to look for, e.g. \"rate card\" or \"503 no route\"."},
    {.name = "limit", .type = MCP_T_INTEGER, .default_json = "10", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(100),
     .description = "Most results (1-100)."},
    {0}};

static const char s_search_doc[] =
    "{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\"},\"data\":{\"type\":\"object\",\"properties\":{"
    "\"success\":{\"type\":\"boolean\"},\"query\":{\"type\":\"string\"},\"totalResults\":{\"type\":\"integer\"},"
    "\"displayedResults\":{\"type\":\"integer\"},\"results\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
    "\"properties\":{\"public_url\":{\"type\":\"string\"},\"link\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
    "\"body\":{\"type\":\"string\"}}}},\"message\":{\"type\":\"string\"}}}},\"required\":[\"status\",\"data\"]}";

/* The path part of a docs URL ("https://docs.connexcs.com/guides/x/" -> "guides/x"). */
static void link_from_url(const char *url, char *out, size_t n)
{
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : url;
    if (!p)
        p = "";
    while (*p == '/')
        p++;
    snprintf(out, n, "%s", p);
    size_t l = strlen(out);
    while (l && out[l - 1] == '/')
        out[--l] = '\0';
}

static void h_search_doc(mcp_call *call, const json_t *args)
{
    cx_client *c = cx_tool_client(call);
    if (!c)
        return;
    const char *q = cx_arg_str(args, "query");
    if (!q || strspn(q, " \t") == strlen(q)) {
        mcp_call_error(call, "Parameter \"query\" is required: words to search the documentation for.");
        return;
    }
    long long limit = cx_arg_int(args, "limit", 10);
    limit = limit < 1 ? 1 : limit > 100 ? 100 : limit;
    char *enc = cx_enc(q);
    size_t qn = strlen(enc ? enc : "") + 8;
    char *qs = malloc(qn);
    if (qs)
        snprintf(qs, qn, "s=%s", enc ? enc : "");
    free(enc);
    json_t *j = cx_fetch(call, c, "docs", qs);
    free(qs);
    if (!j)
        return;
    const json_t *arr = json_is_array(j) ? j : json_object_get(j, "results");
    size_t n = json_array_size(arr);
    json_t *results = json_array();
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        const json_t *e = json_array_get(arr, i);
        char link[256];
        if (*jstr(e, "link"))
            snprintf(link, sizeof link, "%s", jstr(e, "link"));
        else
            link_from_url(jstr(e, "public_url"), link, sizeof link);
        char *title = first_heading(jstr(e, "body"));
        if (!title && *jstr(e, "title"))
            title = strdup(jstr(e, "title"));
        json_array_append_new(results, json_pack("{s:s,s:s,s:s,s:s}", "public_url", jstr(e, "public_url"), "link", link,
                                                 "title", title ? title : "", "body", jstr(e, "body")));
        free(title);
    }
    size_t shown = json_array_size(results);
    char msg[320];
    if (n)
        snprintf(msg, sizeof msg, "%zu page(s) match \"%.80s\"; showing %zu. Pass a result's link to getDocumentation.", n,
                 q, shown);
    else
        snprintf(msg, sizeof msg, "No documentation matched \"%.80s\". Try fewer or more general words (e.g. \"rate "
                                  "card\", \"SIP trace\", \"NAT\").", q);
    json_t *out = json_pack("{s:s,s:{s:b,s:s,s:I,s:I,s:o,s:s}}", "status", "success", "data", "success", 1, "query", q,
                            "totalResults", (json_int_t)n, "displayedResults", (json_int_t)shown, "results", results,
                            "message", msg);
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text, "%s", msg);
    for (size_t i = 0; i < shown && o < sizeof text; i++) {
        json_t *r = json_array_get(results, i);
        o += (size_t)snprintf(text + o, sizeof text - o, "\n- %s (%s)", *jstr(r, "title") ? jstr(r, "title") : jstr(r, "link"),
                              jstr(r, "link"));
    }
    json_decref(j);
    cx_reply(call, out, "%s", text);
}

static const mcp_tool_def cx_doc_tools[] = {
    CX_TOOL("getDocumentation", "Read a documentation page",
     "Fetch a ConnexCS documentation page by path (e.g. guides/tshoot-signal): title, metadata and the "
     "cleaned Markdown content (first 3000 characters, full text alongside).",
     p_get_doc, s_get_doc, h_get_doc),
    CX_TOOL("searchDocumentation", "Search documentation",
     "Search the ConnexCS documentation; each result has a link to pass to getDocumentation.", p_search_doc, s_search_doc, h_search_doc),
    {0}};

int cx_docs_register(mcp_registry *reg, cx_family *fam)
{
    return mcp_registry_add_table(reg, cx_doc_tools, fam);
}
