/* 3CX users: find_users, get_user, get_extension_status, create/update/delete_user,
 * get_forwarding_profiles and set_forwarding_profile. Reads filter on the PBX with escaped
 * literals; phone-number queries are matched here across +49/0049/0 forms; writes show exactly
 * what will change and go through tools_confirm() before anything is sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tools/confirm.h"
#include "tools/tcx_tools.h"
#include "util/buf.h"

#define USER_LIST_FIELDS                                                                          \
    "Id,Number,FirstName,LastName,DisplayName,EmailAddress,Mobile,IsRegistered,CurrentProfileName," \
    "QueueStatus,Enabled"
#define PHONE_SCAN_MAX 2000
#define PHONE_PAGE 100

static const char *const user_brief[] = {"Id", "Number", "FirstName", "LastName", "DisplayName",
                                         "EmailAddress", "Mobile", "IsRegistered", "CurrentProfileName",
                                         "QueueStatus", "Enabled", NULL};

static void user_line(sb_buf *b, const json_t *u)
{
    sb_buf_printf(b, "\n%s %s: %s, %s, queue %s%s", tcx_s(u, "Number"), tcx_s(u, "DisplayName"),
                  json_is_true(json_object_get(u, "IsRegistered")) ? "registered" : "not registered",
                  *tcx_s(u, "CurrentProfileName") ? tcx_s(u, "CurrentProfileName") : "no profile",
                  *tcx_s(u, "QueueStatus") ? tcx_s(u, "QueueStatus") : "unknown",
                  json_is_false(json_object_get(u, "Enabled")) ? ", DISABLED" : "");
}

/* ---- find_users ------------------------------------------------------------------------ */

static void base_filter(tcx_filter *f, const json_t *args)
{
    if (!json_is_true(json_object_get(args, "includeDisabled"))) {
        tcx_filter_and(f);
        tcx_filter_raw(f, "Enabled eq true");
    }
    if (json_is_true(json_object_get(args, "onlyRegistered"))) {
        tcx_filter_and(f);
        tcx_filter_raw(f, "IsRegistered eq true");
    }
}

typedef struct ranked {
    json_t *u;
    int rank;
    size_t pos;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int rank_user(const json_t *u, const char *q)
{
    if (!*q)
        return 2;
    if (strcasecmp(tcx_s(u, "Number"), q) == 0 || strcasecmp(tcx_s(u, "EmailAddress"), q) == 0 ||
        strcasecmp(tcx_s(u, "Mobile"), q) == 0)
        return 0;
    return strncasecmp(tcx_s(u, "Number"), q, strlen(q)) == 0 ? 1 : 2;
}

/* Sorts the users of v by rank (exact, number prefix, rest), keeping the PBX order inside. */
static json_t *rank_users(json_t *v, const char *q)
{
    size_t n = json_array_size(v);
    ranked *r = calloc(n ? n : 1, sizeof *r);
    json_t *out = json_array();
    if (!r)
        return out;
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){json_array_get(v, i), rank_user(json_array_get(v, i), q), i};
    qsort(r, n, sizeof *r, cmp_ranked);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, tcx_pick(r[i].u, user_brief));
    free(r);
    return out;
}

/* Phone queries: scan the users (bounded) and compare Mobile and Number across forms. */
static bool find_by_phone(tcx_ctx *c, const json_t *args, const char *q, json_t *matches, long *scanned,
                          bool *truncated)
{
    *scanned = 0;
    *truncated = false;
    long page = c->cfg->page_size > 0 ? c->cfg->page_size : PHONE_PAGE;
    for (long skip = 0; skip < PHONE_SCAN_MAX; skip += page) {
        tcx_filter f;
        tcx_filter_init(&f);
        base_filter(&f, args);
        tcx_url u;
        tcx_url_init(&u, "Users");
        tcx_url_filter(&u, &f);
        tcx_filter_free(&f);
        tcx_url_opt(&u, "$select", USER_LIST_FIELDS);
        tcx_url_opt(&u, "$orderby", "Number asc");
        tcx_url_opt_int(&u, "$top", page);
        tcx_url_opt_int(&u, "$skip", skip);
        json_t *v;
        long cnt;
        if (!tcx_list(c, &u, &v, &cnt))
            return false;
        size_t i;
        json_t *row;
        json_array_foreach(v, i, row) {
            int m = tcx_phone_match(c, tcx_s(row, "Mobile"), q);
            if (m || strcmp(tcx_s(row, "Number"), q) == 0) {
                json_t *p = tcx_pick(row, user_brief);
                json_object_set_new(p, "match", json_string(m == 1 ? "suffix" : "exact"));
                json_array_append_new(matches, p);
            }
        }
        *scanned += (long)json_array_size(v);
        size_t got = json_array_size(v);
        json_decref(v);
        if ((long)got < page)
            return true;
    }
    *truncated = true;
    return true;
}

static void h_find_users(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *q = json_string_value(json_object_get(args, "query"));
    q = q ? q : "";
    long top = (long)json_integer_value(json_object_get(args, "top"));
    long skip = (long)json_integer_value(json_object_get(args, "skip"));
    json_t *out = tcx_result(&c), *users;
    long total;
    const char *mode;
    if (tcx_looks_like_phone(q)) {
        long scanned;
        bool truncated;
        json_t *all = json_array();
        if (!find_by_phone(&c, args, q, all, &scanned, &truncated)) {
            json_decref(all);
            json_decref(out);
            return;
        }
        total = (long)json_array_size(all);
        users = json_array();
        for (long i = skip; i < total && i < skip + top; i++)
            json_array_append(users, json_array_get(all, (size_t)i));
        json_decref(all);
        mode = "phone";
        json_object_set_new(out, "scanned", json_integer(scanned));
        if (truncated)
            json_object_set_new(out, "note", json_string("only the first 2000 users were compared"));
    } else {
        tcx_filter f;
        tcx_filter_init(&f);
        if (*q) {
            static const char *const fields[] = {"FirstName", "LastName", "DisplayName", "EmailAddress",
                                                 "Mobile", "Number", NULL};
            tcx_filter_contains_any(&f, fields, q);
        }
        base_filter(&f, args);
        tcx_url u;
        tcx_url_init(&u, "Users");
        tcx_url_filter(&u, &f);
        tcx_filter_free(&f);
        tcx_url_opt(&u, "$select", USER_LIST_FIELDS);
        tcx_url_opt(&u, "$orderby", "Number asc");
        tcx_url_opt_int(&u, "$top", top);
        tcx_url_opt_int(&u, "$skip", skip);
        tcx_url_opt(&u, "$count", "true");
        json_t *v;
        if (!tcx_list(&c, &u, &v, &total)) {
            json_decref(out);
            return;
        }
        users = rank_users(v, q);
        if (total < 0)
            total = skip + (long)json_array_size(v) + (json_array_size(v) == (size_t)top ? 1 : 0);
        json_decref(v);
        mode = *q ? "search" : "all";
    }
    size_t n = json_array_size(users);
    bool more = skip + (long)n < total;
    json_object_set_new(out, "query", json_string(q));
    json_object_set_new(out, "matchMode", json_string(mode));
    json_object_set_new(out, "total", json_integer(total));
    json_object_set_new(out, "returned", json_integer((json_int_t)n));
    json_object_set_new(out, "hasMore", json_boolean(more));
    json_object_set_new(out, "users", users);
    sb_buf b;
    sb_buf_init(&b, 64 * 1024);
    sb_buf_printf(&b, "%zu of %ld user(s)%s%s%s%s", n, total, *q ? " matching '" : "", *q ? q : "",
                  *q ? "'" : "", more ? " (more: raise skip)" : "");
    for (size_t i = 0; i < n; i++)
        user_line(&b, json_array_get(users, i));
    tcx_finish(&c, out, "%s", b.data ? b.data : "");
    sb_buf_free(&b);
}

/* ---- get_user, get_extension_status ----------------------------------------------------- */

static void h_get_user(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *ext = json_string_value(json_object_get(args, "extension"));
    json_t *u;
    if (tcx_user_by_ext(&c, ext, NULL, "Groups", &u) <= 0)
        return;
    json_object_del(u, "@odata.context");
    tcx_redact(u);
    json_t *out = tcx_result(&c);
    json_object_set(out, "user", u);
    sb_buf b;
    sb_buf_init(&b, 4096);
    sb_buf_printf(&b, "User Id %lld, extension %s: %s <%s>", (long long)json_integer_value(json_object_get(u, "Id")),
                  tcx_s(u, "Number"), tcx_s(u, "DisplayName"), tcx_s(u, "EmailAddress"));
    user_line(&b, u);
    json_decref(u);
    tcx_finish(&c, out, "%s", b.data ? b.data : "");
    sb_buf_free(&b);
}

static void h_get_extension_status(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *ext = json_string_value(json_object_get(args, "extension"));
    json_t *u;
    if (tcx_user_by_ext(&c, ext, "Number,DisplayName,IsRegistered,CurrentProfileName,QueueStatus,Enabled",
                        NULL, &u) <= 0)
        return;
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "extension", json_string(tcx_s(u, "Number")));
    json_object_set_new(out, "displayName", json_string(tcx_s(u, "DisplayName")));
    json_object_set_new(out, "isRegistered", json_boolean(json_is_true(json_object_get(u, "IsRegistered"))));
    json_object_set_new(out, "currentProfile", json_string(tcx_s(u, "CurrentProfileName")));
    json_object_set_new(out, "queueStatus", json_string(tcx_s(u, "QueueStatus")));
    json_object_set_new(out, "enabled", json_boolean(!json_is_false(json_object_get(u, "Enabled"))));
    sb_buf b;
    sb_buf_init(&b, 1024);
    sb_buf_printf(&b, "Extension status:");
    user_line(&b, u);
    json_decref(u);
    tcx_finish(&c, out, "%s", b.data ? b.data : "");
    sb_buf_free(&b);
}

/* ---- create_user ----------------------------------------------------------------------- */

static void put_field(json_t *body, sb_buf *sum, const json_t *args, const char *arg, const char *field)
{
    const char *v = json_string_value(json_object_get(args, arg));
    if (!v)
        return;
    json_object_set_new(body, field, json_string(v));
    sb_buf_printf(sum, "%s%s '%s'", sum->len ? ", " : "", field, v);
}

static void h_create_user(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *number = json_string_value(json_object_get(args, "number"));
    if (number) {
        json_t *v;
        long cnt;
        tcx_filter f;
        tcx_filter_init(&f);
        tcx_filter_raw(&f, "Number eq ");
        tcx_filter_lit(&f, number);
        tcx_url u;
        tcx_url_init(&u, "Users");
        tcx_url_filter(&u, &f);
        tcx_filter_free(&f);
        tcx_url_opt(&u, "$select", "Id,Number,DisplayName");
        tcx_url_opt(&u, "$top", "1");
        if (!tcx_list(&c, &u, &v, &cnt))
            return;
        json_t *dup = json_array_get(v, 0);
        if (dup) {
            tcx_failf(&c, "Extension %s is already used by %s (Id %lld); choose another number, or leave "
                          "number out to let the PBX pick the next free one.", number,
                      tcx_s(dup, "DisplayName"), (long long)json_integer_value(json_object_get(dup, "Id")));
            json_decref(v);
            return;
        }
        json_decref(v);
    }
    json_t *body = json_object();
    sb_buf fields;
    sb_buf_init(&fields, 4096);
    put_field(body, &fields, args, "number", "Number");
    put_field(body, &fields, args, "firstName", "FirstName");
    put_field(body, &fields, args, "lastName", "LastName");
    put_field(body, &fields, args, "email", "EmailAddress");
    put_field(body, &fields, args, "mobile", "Mobile");
    char summary[5000];
    snprintf(summary, sizeof summary, "Create a new 3CX user on PBX '%s' with %s%s.", c.cfg->name,
             fields.data ? fields.data : "", number ? "" : " (the PBX assigns the next free extension number)");
    sb_buf_free(&fields);
    json_t *res = tcx_result(&c);
    json_object_set(res, "request", body);
    if (!tools_confirm(call, args, summary, res)) {
        json_decref(body);
        return;
    }
    tcx_url u;
    tcx_url_init(&u, "Users");
    json_t *created;
    bool ok = tcx_do(&c, "POST", &u, body, &created);
    json_decref(body);
    if (!ok)
        return;
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "status", json_string("done"));
    json_object_set_new(out, "summary", json_string(summary));
    json_object_set_new(out, "user", tcx_pick(created, user_brief));
    tcx_finish(&c, out, "Created user Id %lld, extension %s (%s).",
               (long long)json_integer_value(json_object_get(created, "Id")), tcx_s(created, "Number"),
               tcx_s(created, "DisplayName"));
    json_decref(created);
}

/* ---- update_user ----------------------------------------------------------------------- */

static const char *const upd_fields[][2] = {{"firstName", "FirstName"}, {"lastName", "LastName"},
                                            {"email", "EmailAddress"}, {"mobile", "Mobile"},
                                            {"enabled", "Enabled"}, {NULL, NULL}};

/* Resolves id or extension into the current user (Id, Number, names, fields to change). */
static int load_target(tcx_ctx *c, const json_t *args, json_t **user)
{
    json_t *id = json_object_get(args, "id");
    const char *ext = json_string_value(json_object_get(args, "extension"));
    const char *sel = "Id,Number,FirstName,LastName,DisplayName,EmailAddress,Mobile,Enabled";
    if (json_is_integer(id)) {
        tcx_url u;
        tcx_url_init(&u, "Users");
        tcx_url_key_int(&u, json_integer_value(id));
        tcx_url_opt(&u, "$select", sel);
        return tcx_do(c, "GET", &u, NULL, user) ? 1 : -1;
    }
    if (ext)
        return tcx_user_by_ext(c, ext, sel, NULL, user);
    tcx_failf(c, "Say which user: give id (the numeric Id from get_user) or extension.");
    return -1;
}

static char *jtext(const json_t *v)
{
    if (!v || json_is_null(v))
        return strdup("(empty)");
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static void h_update_user(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    bool any = false;
    for (size_t i = 0; upd_fields[i][0]; i++)
        any = any || json_object_get(args, upd_fields[i][0]);
    if (!any) {
        tcx_failf(&c, "Nothing to update: give at least one of firstName, lastName, email, mobile, enabled.");
        return;
    }
    json_t *cur;
    if (load_target(&c, args, &cur) <= 0)
        return;
    long long id = json_integer_value(json_object_get(cur, "Id"));
    json_t *patch = json_object();
    sb_buf sum;
    sb_buf_init(&sum, 8192);
    sb_buf_printf(&sum, "Update user %s (Id %lld, %s) on PBX '%s':", tcx_s(cur, "Number"), id,
                  tcx_s(cur, "DisplayName"), c.cfg->name);
    size_t changes = 0;
    for (size_t i = 0; upd_fields[i][0]; i++) {
        json_t *nv = json_object_get(args, upd_fields[i][0]), *ov = json_object_get(cur, upd_fields[i][1]);
        if (!nv || (ov && json_equal(nv, ov)))
            continue;
        char *a = jtext(ov), *b = jtext(nv);
        sb_buf_printf(&sum, "%s %s %s -> %s", changes ? ";" : "", upd_fields[i][1], a ? a : "?", b ? b : "?");
        free(a);
        free(b);
        json_object_set(patch, upd_fields[i][1], nv);
        changes++;
    }
    if (!changes) {
        json_t *out = tcx_result(&c);
        json_object_set_new(out, "status", json_string("unchanged"));
        json_object_set_new(out, "summary", json_string("The user already has these values; nothing sent."));
        json_object_set_new(out, "user", tcx_pick(cur, user_brief));
        tcx_finish(&c, out, "User %s already has these values; nothing was changed.", tcx_s(cur, "Number"));
        goto out;
    }
    json_t *res = tcx_result(&c);
    json_object_set(res, "changes", patch);
    if (!tools_confirm(call, args, sum.data, res))
        goto out;
    tcx_url u;
    tcx_url_init(&u, "Users");
    tcx_url_key_int(&u, id);
    if (!tcx_do(&c, "PATCH", &u, patch, NULL))
        goto out;
    json_t *after;
    tcx_url_init(&u, "Users");
    tcx_url_key_int(&u, id);
    tcx_url_opt(&u, "$select", "Id,Number,FirstName,LastName,DisplayName,EmailAddress,Mobile,Enabled");
    if (!tcx_do(&c, "GET", &u, NULL, &after))
        goto out;
    json_t *o = tcx_result(&c);
    json_object_set_new(o, "status", json_string("done"));
    json_object_set_new(o, "summary", json_string(sum.data));
    json_object_set_new(o, "user", tcx_pick(after, user_brief));
    json_decref(after);
    tcx_finish(&c, o, "Done. %s", sum.data);
out:
    json_decref(cur);
    json_decref(patch);
    sb_buf_free(&sum);
}

/* ---- delete_user ----------------------------------------------------------------------- */

/* GET the users named by ids or extensions: Id, Number, DisplayName. */
static bool lookup_many(tcx_ctx *c, const json_t *ids, const json_t *exts, json_t **found)
{
    tcx_filter f;
    tcx_filter_init(&f);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        char t[48];
        snprintf(t, sizeof t, "%sId eq %lld", i ? " or " : "", (long long)json_integer_value(v));
        tcx_filter_raw(&f, t);
    }
    json_array_foreach(exts, i, v) {
        tcx_filter_raw(&f, i ? " or Number eq " : "Number eq ");
        tcx_filter_lit(&f, json_string_value(v));
    }
    tcx_url u;
    tcx_url_init(&u, "Users");
    tcx_url_filter(&u, &f);
    tcx_filter_free(&f);
    tcx_url_opt(&u, "$select", "Id,Number,DisplayName");
    tcx_url_opt(&u, "$top", "100");
    long cnt;
    return tcx_list(c, &u, found, &cnt);
}

static json_t *by_key(const json_t *arr, const char *key, const json_t *want)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_equal(json_object_get(v, key), want)) return v;
    return NULL;
}

/* Outcomes of users that were asked for but do not exist. */
static void not_found_outcomes(const json_t *ids, const json_t *exts, const json_t *found, json_t *outcomes)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        if (!by_key(found, "Id", v))
            json_array_append_new(outcomes, json_pack("{s:O, s:s}", "id", v, "outcome", "not_found"));
    }
    json_array_foreach(exts, i, v) {
        if (!by_key(found, "Number", v))
            json_array_append_new(outcomes, json_pack("{s:O, s:s}", "extension", v, "outcome", "not_found"));
    }
}

/* After BatchDelete: per user deleted or failed (still there, with 3CX's error when it gave one). */
static size_t delete_outcomes(const json_t *found, const json_t *after, const json_t *reply, json_t *outcomes)
{
    json_t *errs = json_object_get(reply, "value"), *u;
    size_t i, deleted = 0;
    json_array_foreach(found, i, u) {
        json_t *still = by_key(after, "Id", json_object_get(u, "Id"));
        json_t *o = json_pack("{s:O, s:s, s:s, s:s}", "id", json_object_get(u, "Id"), "extension", tcx_s(u, "Number"),
                              "name", tcx_s(u, "DisplayName"), "outcome", still ? "failed" : "deleted");
        json_t *err = by_key(errs, "ExtensionNumber", json_object_get(u, "Number"));
        if (still)
            json_object_set_new(o, "error", json_string(err ? tcx_s(err, "Error") : "still present after the delete"));
        deleted += !still;
        json_array_append_new(outcomes, o);
    }
    return deleted;
}

static void outcome_text(sb_buf *t, const json_t *outcomes)
{
    size_t i;
    json_t *v;
    json_array_foreach(outcomes, i, v) {
        json_t *idv = json_object_get(v, "id");
        if (json_is_integer(idv))
            sb_buf_printf(t, "\nId %lld %s: %s", (long long)json_integer_value(idv), tcx_s(v, "extension"),
                          tcx_s(v, "outcome"));
        else
            sb_buf_printf(t, "\nextension %s: %s", tcx_s(v, "extension"), tcx_s(v, "outcome"));
        if (*tcx_s(v, "error"))
            sb_buf_printf(t, " - %s", tcx_s(v, "error"));
    }
}

/* Sends BatchDelete for the confirmed users, verifies, and answers with per-user outcomes. */
static void do_delete(tcx_ctx *c, const json_t *found, json_t *send, json_t *outcomes, const char *summary)
{
    json_t *body = json_pack("{s:O}", "Ids", send), *reply = NULL, *after = NULL;
    tcx_url url;
    tcx_url_init(&url, "Users/Pbx.BatchDelete");
    bool ok = tcx_do(c, "POST", &url, body, &reply);
    json_decref(body);
    if (ok && lookup_many(c, send, NULL, &after)) {
        size_t deleted = delete_outcomes(found, after, reply, outcomes);
        json_t *o = tcx_result(c);
        json_object_set_new(o, "status", json_string("done"));
        json_object_set_new(o, "summary", json_string(summary));
        json_object_set_new(o, "deleted", json_integer((json_int_t)deleted));
        json_object_set(o, "outcomes", outcomes);
        sb_buf t;
        sb_buf_init(&t, 16384);
        sb_buf_printf(&t, "Deleted %zu of %zu user(s).", deleted, json_array_size(outcomes));
        outcome_text(&t, outcomes);
        tcx_finish(c, o, "%s", t.data ? t.data : "");
        sb_buf_free(&t);
    }
    json_decref(reply);
    json_decref(after);
}

static void h_delete_user(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    json_t *ids = json_object_get(args, "ids"), *exts = json_object_get(args, "extensions");
    if (json_array_size(ids) + json_array_size(exts) == 0) {
        tcx_failf(&c, "Say which users to delete: ids (numeric Ids from get_user) or extensions.");
        return;
    }
    json_t *found;
    if (!lookup_many(&c, ids, exts, &found))
        return;
    json_t *outcomes = json_array(), *send = json_array(), *u;
    sb_buf sum;
    sb_buf_init(&sum, 16384);
    size_t i;
    json_array_foreach(found, i, u) {
        json_array_append(send, json_object_get(u, "Id"));
        sb_buf_printf(&sum, "%s%s %s (Id %lld)", i ? ", " : "", tcx_s(u, "Number"), tcx_s(u, "DisplayName"),
                      (long long)json_integer_value(json_object_get(u, "Id")));
    }
    not_found_outcomes(ids, exts, found, outcomes);
    char *summary = json_array_size(send) ? malloc(sum.len + 200) : NULL;
    if (!json_array_size(send)) {
        tcx_failf(&c, "None of the given users exist on PBX '%s'; nothing was deleted.", c.cfg->name);
    } else if (summary) {
        snprintf(summary, sum.len + 200, "Permanently delete %zu user(s) on PBX '%s': %s.%s", json_array_size(send),
                 c.cfg->name, sum.data, json_array_size(outcomes) ? " Some given users do not exist and are skipped." : "");
        json_t *res = tcx_result(&c);
        json_object_set(res, "outcomes", outcomes);
        if (tools_confirm(call, args, summary, res))
            do_delete(&c, found, send, outcomes, summary);
    }
    free(summary);
    json_decref(found);
    json_decref(outcomes);
    json_decref(send);
    sb_buf_free(&sum);
}

/* ---- forwarding profiles --------------------------------------------------------------- */

static json_t *profiles_of(tcx_ctx *c, json_t *user)
{
    json_t *p = json_object_get(user, "ForwardingProfiles");
    if (json_is_array(p))
        return json_incref(p);
    tcx_url u; /* an older PBX that ignored $expand: read the sub-collection */
    tcx_url_init(&u, "Users");
    tcx_url_key_int(&u, json_integer_value(json_object_get(user, "Id")));
    tcx_url_path(&u, "/ForwardingProfiles");
    json_t *v;
    long cnt;
    return tcx_list(c, &u, &v, &cnt) ? v : NULL;
}

static const char *route_text(const json_t *dest, char *buf, size_t n)
{
    const char *to = tcx_s(dest, "To"), *num = tcx_s(dest, "Number");
    if (!*to)
        num = tcx_s(dest, "External");
    snprintf(buf, n, "%s%s%s", *to ? to : "default", *num ? " " : "", num);
    return buf;
}

static void h_get_forwarding_profiles(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    json_t *user, *profiles;
    if (tcx_user_by_ext(&c, json_string_value(json_object_get(args, "extension")),
                        "Id,Number,DisplayName,CurrentProfileName", "ForwardingProfiles", &user) <= 0)
        return;
    if (!(profiles = profiles_of(&c, user))) {
        json_decref(user);
        return;
    }
    static const char *const keep[] = {"Id", "Name", "CustomName", "CustomMessage", "AcceptMultipleCalls",
                                       "RingMyMobile", "DisableRingGroupCalls", "NoAnswerTimeout",
                                       "AvailableRoute", "AwayRoute", NULL};
    const char *current = tcx_s(user, "CurrentProfileName");
    json_t *list = json_array();
    sb_buf b;
    sb_buf_init(&b, 16384);
    sb_buf_printf(&b, "Extension %s (%s): current profile '%s'.", tcx_s(user, "Number"),
                  tcx_s(user, "DisplayName"), current);
    size_t i;
    json_t *p;
    json_array_foreach(profiles, i, p) {
        json_t *row = tcx_pick(p, keep);
        bool active = strcmp(tcx_s(p, "Name"), current) == 0;
        json_object_set_new(row, "active", json_boolean(active));
        json_array_append_new(list, row);
        char r1[96], r2[96];
        json_t *av = json_object_get(p, "AvailableRoute"), *aw = json_object_get(p, "AwayRoute");
        sb_buf_printf(&b, "\n%s %s%s%s%s: no answer -> %s; away/external -> %s", active ? "*" : "-",
                      tcx_s(p, "Name"), *tcx_s(p, "CustomName") ? " (" : "", tcx_s(p, "CustomName"),
                      *tcx_s(p, "CustomName") ? ")" : "",
                      route_text(json_object_get(av, "NoAnswerAllCalls"), r1, sizeof r1),
                      route_text(json_object_get(aw, "AllHoursExternal"), r2, sizeof r2));
    }
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "extension", json_string(tcx_s(user, "Number")));
    json_object_set_new(out, "displayName", json_string(tcx_s(user, "DisplayName")));
    json_object_set_new(out, "currentProfile", json_string(current));
    json_object_set_new(out, "profiles", list);
    tcx_finish(&c, out, "%s", b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(profiles);
    json_decref(user);
}

static void h_set_forwarding_profile(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *want = json_string_value(json_object_get(args, "profile"));
    json_t *user, *profiles;
    if (tcx_user_by_ext(&c, json_string_value(json_object_get(args, "extension")),
                        "Id,Number,DisplayName,CurrentProfileName", "ForwardingProfiles", &user) <= 0)
        return;
    if (!(profiles = profiles_of(&c, user))) {
        json_decref(user);
        return;
    }
    const char *name = NULL;
    sb_buf names;
    sb_buf_init(&names, 4096);
    size_t i;
    json_t *p;
    json_array_foreach(profiles, i, p) {
        const char *n = tcx_s(p, "Name"), *cn = tcx_s(p, "CustomName");
        if (!name && (strcasecmp(n, want) == 0 || (*cn && strcasecmp(cn, want) == 0)))
            name = n;
        sb_buf_printf(&names, "%s'%s'%s%s%s", i ? ", " : "", n, *cn ? " (" : "", cn, *cn ? ")" : "");
    }
    const char *old = tcx_s(user, "CurrentProfileName");
    long long id = json_integer_value(json_object_get(user, "Id"));
    if (!name) {
        tcx_failf(&c, "Extension %s has no forwarding profile '%.64s'. Its profiles: %s.", tcx_s(user, "Number"),
                  want, names.data ? names.data : "none");
    } else if (strcmp(old, name) == 0) {
        json_t *out = tcx_result(&c);
        json_object_set_new(out, "status", json_string("unchanged"));
        json_object_set_new(out, "summary", json_string("already active"));
        json_object_set_new(out, "previous", json_string(old));
        json_object_set_new(out, "current", json_string(old));
        tcx_finish(&c, out, "Extension %s already uses profile '%s'; nothing was changed.", tcx_s(user, "Number"), old);
    } else {
        char summary[600];
        snprintf(summary, sizeof summary, "Switch extension %s (%s) on PBX '%s' from forwarding profile '%s' to '%s'.",
                 tcx_s(user, "Number"), tcx_s(user, "DisplayName"), c.cfg->name, old, name);
        json_t *res = tcx_result(&c);
        json_object_set_new(res, "previous", json_string(old));
        json_object_set_new(res, "current", json_string(old));
        if (tools_confirm(call, args, summary, res)) {
            json_t *body = json_pack("{s:s}", "CurrentProfileName", name);
            tcx_url u;
            tcx_url_init(&u, "Users");
            tcx_url_key_int(&u, id);
            if (tcx_do(&c, "PATCH", &u, body, NULL)) {
                json_t *out = tcx_result(&c);
                json_object_set_new(out, "status", json_string("done"));
                json_object_set_new(out, "summary", json_string(summary));
                json_object_set_new(out, "previous", json_string(old));
                json_object_set_new(out, "current", json_string(name));
                tcx_finish(&c, out, "Extension %s: '%s' -> '%s'.", tcx_s(user, "Number"), old, name);
            }
            json_decref(body);
        }
    }
    sb_buf_free(&names);
    json_decref(profiles);
    json_decref(user);
}

/* ---- the table ------------------------------------------------------------------------- */

#define P_EXT                                                                                         \
    {.name = "extension", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 64, \
     .description = "Extension number, e.g. \"101\"."}

static const mcp_param p_find_users[] = {
    {.name = "query", .type = MCP_T_STRING, .max_length = 200,
     .description = "Name, extension, e-mail or mobile number (any form: +49 731 ..., 0731 ...). Empty lists everyone."},
    {.name = "onlyRegistered", .type = MCP_T_BOOLEAN, .default_json = "false",
     .description = "Only users whose phone is registered right now (who is online)."},
    {.name = "includeDisabled", .type = MCP_T_BOOLEAN, .default_json = "false",
     .description = "Also list disabled users."},
    {.name = "top", .type = MCP_T_INTEGER, .default_json = "25", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(100),
     .description = "Page size."},
    {.name = "skip", .type = MCP_T_INTEGER, .default_json = "0", .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(100000),
     .description = "Users to skip (paging)."},
    {0}};
static const mcp_param p_ext[] = {P_EXT, {0}};
static const mcp_param p_create[] = {
    {.name = "number", .type = MCP_T_STRING, .min_length = 1, .max_length = 16, .pattern = "^[0-9]+$",
     .description = "Extension number; leave out to let the PBX assign the next free one."},
    {.name = "firstName", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 100,
     .description = "First name."},
    {.name = "lastName", .type = MCP_T_STRING, .required = true, .max_length = 100, .description = "Last name."},
    {.name = "email", .type = MCP_T_STRING, .required = true, .max_length = 254, .format = "email",
     .description = "E-mail address (3CX sends the welcome e-mail there)."},
    {.name = "mobile", .type = MCP_T_STRING, .max_length = 40, .description = "Mobile number."},
    TCX_P_CONFIRM,
    {0}};
static const mcp_param p_update[] = {
    {.name = "id", .type = MCP_T_INTEGER, .minimum = MCP_BOUND(1), .description = "The user's numeric Id (from get_user)."},
    {.name = "extension", .type = MCP_T_STRING, .min_length = 1, .max_length = 64,
     .description = "Or the extension number instead of id."},
    {.name = "firstName", .type = MCP_T_STRING, .min_length = 1, .max_length = 100, .description = "New first name."},
    {.name = "lastName", .type = MCP_T_STRING, .max_length = 100, .description = "New last name."},
    {.name = "email", .type = MCP_T_STRING, .max_length = 254, .format = "email", .description = "New e-mail address."},
    {.name = "mobile", .type = MCP_T_STRING, .max_length = 40, .description = "New mobile number."},
    {.name = "enabled", .type = MCP_T_BOOLEAN, .description = "Enable or disable the user."},
    TCX_P_CONFIRM,
    {0}};
static const mcp_param p_delete[] = {
    {.name = "ids", .type = MCP_T_ARRAY, .items = MCP_T_INTEGER, .max_items = 50,
     .description = "Numeric user Ids (from get_user)."},
    {.name = "extensions", .type = MCP_T_ARRAY, .items = MCP_T_STRING, .max_items = 50,
     .description = "Or extension numbers."},
    TCX_P_CONFIRM,
    {0}};
static const mcp_param p_set_fwd[] = {
    P_EXT,
    {.name = "profile", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 64,
     .description = "Profile name: Available, Away, Out of office, Custom 1, Custom 2 (or a custom label such as Lunch)."},
    TCX_P_CONFIRM,
    {0}};

#define OS_USER "{\"type\":\"object\"}"
#define OS_WRITE(extra)                                                                          \
    "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX "," TCX_OS_WRITE extra "},\"required\":[\"status\",\"summary\"]}"

const mcp_tool_def tcx_users_tools[] = {
    {.name = "find_users", .title = "Find 3CX users",
     .description = "Searches users (extensions) by name, number, e-mail or mobile; onlyRegistered=true answers "
                    "'who is online'. Lists with total and hasMore.",
     .params = p_find_users, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX "," TCX_OS_PAGE ",\"query\":{\"type\":\"string\"},"
                      "\"matchMode\":{\"type\":\"string\"},\"users\":{\"type\":\"array\",\"items\":" OS_USER "}},"
                      "\"required\":[\"users\",\"total\",\"returned\",\"hasMore\"]}",
     .handler = h_find_users},
    {.name = "get_user", .title = "Get a 3CX user",
     .description = "Everything about one user by extension number, including the numeric Id that update_user and "
                    "delete_user need, and department memberships. Passwords and PINs are redacted.",
     .params = p_ext, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX ",\"user\":" OS_USER "},\"required\":[\"user\"]}",
     .handler = h_get_user},
    {.name = "get_extension_status", .title = "Extension status",
     .description = "Whether an extension's phone is registered, its active forwarding profile and its queue login state.",
     .params = p_ext, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX ",\"extension\":{\"type\":\"string\"},"
                      "\"displayName\":{\"type\":\"string\"},\"isRegistered\":{\"type\":\"boolean\"},\"currentProfile\":"
                      "{\"type\":\"string\"},\"queueStatus\":{\"type\":\"string\"},\"enabled\":{\"type\":\"boolean\"}},"
                      "\"required\":[\"extension\",\"isRegistered\"]}",
     .handler = h_get_extension_status},
    {.name = "create_user", .title = "Create a 3CX user",
     .description = "Creates a user (extension). Shows what will be created and asks the user to confirm first.",
     .params = p_create, .annotations = MCP_ANN_OPEN_WORLD, .flags = MCP_TOOL_WRITE,
     .output_schema = OS_WRITE(",\"request\":{\"type\":\"object\"},\"user\":" OS_USER),
     .handler = h_create_user},
    {.name = "update_user", .title = "Update a 3CX user",
     .description = "Changes a user's name, e-mail, mobile or enabled state. Shows old -> new values and asks the user "
                    "to confirm first.",
     .params = p_update, .annotations = MCP_ANN_DESTRUCTIVE | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .flags = MCP_TOOL_WRITE,
     .output_schema = OS_WRITE(",\"changes\":{\"type\":\"object\"},\"user\":" OS_USER),
     .handler = h_update_user},
    {.name = "delete_user", .title = "Delete 3CX users",
     .description = "Deletes users permanently and reports per user whether it was deleted. Asks the user to confirm first.",
     .params = p_delete, .annotations = MCP_ANN_DESTRUCTIVE | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .flags = MCP_TOOL_WRITE,
     .output_schema = OS_WRITE(",\"deleted\":{\"type\":\"integer\"},\"outcomes\":{\"type\":\"array\",\"items\":"
                               "{\"type\":\"object\",\"properties\":{\"outcome\":{\"type\":\"string\",\"enum\":"
                               "[\"deleted\",\"not_found\",\"failed\"]}},\"required\":[\"outcome\"]}}"),
     .handler = h_delete_user},
    {.name = "get_forwarding_profiles", .title = "Forwarding profiles",
     .description = "An extension's forwarding (status) profiles — Available, Away, Out of office, Custom 1/2 — with "
                    "the active one and where unanswered calls go.",
     .params = p_ext, .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX ",\"extension\":{\"type\":\"string\"},"
                      "\"currentProfile\":{\"type\":\"string\"},\"profiles\":{\"type\":\"array\",\"items\":{\"type\":"
                      "\"object\"}}},\"required\":[\"extension\",\"currentProfile\",\"profiles\"]}",
     .handler = h_get_forwarding_profiles},
    {.name = "set_forwarding_profile", .title = "Set forwarding profile",
     .description = "Switches an extension's active forwarding profile (e.g. to Away). The name is checked against the "
                    "extension's profiles; asks the user to confirm first.",
     .params = p_set_fwd, .annotations = MCP_ANN_DESTRUCTIVE | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD,
     .flags = MCP_TOOL_WRITE,
     .output_schema = OS_WRITE(",\"previous\":{\"type\":\"string\"},\"current\":{\"type\":\"string\"}"),
     .handler = h_set_forwarding_profile},
    {0}};
