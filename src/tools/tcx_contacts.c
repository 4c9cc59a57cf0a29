/* 3CX phonebook: search_contacts (server-side contains() with escaped literals, paged) and
 * find_contact_by_phone (every phone field compared across +49 / 0049 / 0 forms with the PBX's
 * default country; exact matches before suffix matches). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tcx_tools.h"
#include "util/buf.h"

#define CONTACT_PAGE 100

static const char *const contact_fields[] = {"Id", "FirstName", "LastName", "CompanyName", "Title", "Department",
                                             "Email", "PhoneNumber", "Business", "Business2", "BusinessFax", "Home",
                                             "Mobile2", "Other", "Pager", "ContactType", NULL};
static const char *const phone_fields[] = {"PhoneNumber", "Business", "Business2", "BusinessFax", "Home",
                                           "Mobile2", "Other", "Pager", NULL};
#define CONTACT_SELECT \
    "Id,FirstName,LastName,CompanyName,Title,Department,Email,PhoneNumber,Business,Business2,BusinessFax,Home,Mobile2,Other,Pager,ContactType"

static void contact_line(sb_buf *b, const json_t *k)
{
    sb_buf_printf(b, "\n%s %s%s%s%s", tcx_s(k, "FirstName"), tcx_s(k, "LastName"), *tcx_s(k, "CompanyName") ? " (" : "",
                  tcx_s(k, "CompanyName"), *tcx_s(k, "CompanyName") ? ")" : "");
    for (size_t i = 0; phone_fields[i]; i++)
        if (*tcx_s(k, phone_fields[i]))
            sb_buf_printf(b, ", %s %s", phone_fields[i], tcx_s(k, phone_fields[i]));
}

/* Best match of the contact's phone fields against the number: 2 exact, 1 suffix, 0 none. */
static int contact_match(tcx_ctx *c, const json_t *k, const char *phone, const char **field)
{
    int best = 0;
    for (size_t i = 0; phone_fields[i]; i++) {
        int m = tcx_phone_match(c, tcx_s(k, phone_fields[i]), phone);
        if (m > best) {
            best = m;
            *field = phone_fields[i];
        }
    }
    return best;
}

typedef struct phone_scan {
    json_t *exact, *suffix; /* matches by kind */
    long scanned;
    bool truncated;
} phone_scan;

/* Compares every contact's phone fields with phone, page by page, at most limit contacts. */
static bool scan_by_phone(tcx_ctx *c, const char *phone, long limit, phone_scan *ps)
{
    *ps = (phone_scan){json_array(), json_array(), 0, false};
    long page = c->cfg->page_size > 0 ? c->cfg->page_size : CONTACT_PAGE;
    for (long skip = 0;; skip += page) {
        if (skip >= limit) {
            ps->truncated = true;
            return true;
        }
        tcx_url u;
        tcx_url_init(&u, "Contacts");
        tcx_url_opt(&u, "$select", CONTACT_SELECT);
        tcx_url_opt(&u, "$orderby", "Id asc");
        tcx_url_opt_int(&u, "$top", page);
        tcx_url_opt_int(&u, "$skip", skip);
        json_t *v, *k;
        long cnt;
        if (!tcx_list(c, &u, &v, &cnt))
            return false;
        size_t i;
        json_array_foreach(v, i, k) {
            const char *field = "";
            int m = contact_match(c, k, phone, &field);
            if (!m)
                continue;
            json_t *o = tcx_pick(k, contact_fields);
            json_object_set_new(o, "matchedField", json_string(field));
            json_array_append_new(m == 2 ? ps->exact : ps->suffix, o);
        }
        size_t got = json_array_size(v);
        ps->scanned += (long)got;
        json_decref(v);
        if ((long)got < page)
            return true;
        mcp_call_progress(c->call, (double)ps->scanned, 0, "scanning contacts");
    }
}

static void scan_free(phone_scan *ps)
{
    json_decref(ps->exact);
    json_decref(ps->suffix);
}

static void h_search_contacts(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *q = json_string_value(json_object_get(args, "query"));
    long top = (long)json_integer_value(json_object_get(args, "top"));
    long skip = (long)json_integer_value(json_object_get(args, "skip"));
    static const char *const fields[] = {"FirstName", "LastName", "CompanyName", "Email", "Business",
                                         "PhoneNumber", NULL};
    tcx_filter f;
    tcx_filter_init(&f);
    tcx_filter_contains_any(&f, fields, q);
    tcx_url u;
    tcx_url_init(&u, "Contacts");
    tcx_url_filter(&u, &f);
    tcx_filter_free(&f);
    tcx_url_opt(&u, "$select", CONTACT_SELECT);
    tcx_url_opt(&u, "$orderby", "LastName asc");
    tcx_url_opt_int(&u, "$top", top);
    tcx_url_opt_int(&u, "$skip", skip);
    tcx_url_opt(&u, "$count", "true");
    json_t *v;
    long total;
    if (!tcx_list(&c, &u, &v, &total))
        return;
    json_t *items = json_array();
    const char *mode = "text";
    if (json_array_size(v) == 0 && skip == 0 && tcx_looks_like_phone(q)) {
        /* the number may be written differently in the phonebook: compare across forms */
        phone_scan ps;
        if (!scan_by_phone(&c, q, 5000, &ps)) {
            scan_free(&ps);
            json_decref(items);
            json_decref(v);
            return;
        }
        json_array_extend(items, json_array_size(ps.exact) ? ps.exact : ps.suffix);
        mode = "phone";
        scan_free(&ps);
    } else {
        size_t i;
        json_t *k;
        json_array_foreach(v, i, k) json_array_append_new(items, tcx_pick(k, contact_fields));
    }
    sb_buf b;
    sb_buf_init(&b, 64 * 1024);
    size_t i;
    json_t *k;
    json_array_foreach(items, i, k) contact_line(&b, k);
    size_t n = json_array_size(items);
    if (total < 0 || strcmp(mode, "phone") == 0)
        total = skip + (long)n;
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "query", json_string(q));
    json_object_set_new(out, "matchMode", json_string(mode));
    json_object_set_new(out, "total", json_integer(total));
    json_object_set_new(out, "returned", json_integer((json_int_t)n));
    json_object_set_new(out, "hasMore", json_boolean(skip + (long)n < total));
    json_object_set_new(out, "contacts", items);
    tcx_finish(&c, out, "%zu of %ld contact(s) matching '%s'%s%s", n, total, q,
               strcmp(mode, "phone") == 0 ? " (compared as a phone number in any form)" : "", b.data ? b.data : "");
    sb_buf_free(&b);
    json_decref(v);
}

static void h_find_contact_by_phone(mcp_call *call, const json_t *args)
{
    tcx_ctx c;
    if (!tcx_begin(call, args, &c))
        return;
    const char *phone = json_string_value(json_object_get(args, "phone"));
    long limit = (long)json_integer_value(json_object_get(args, "scanLimit"));
    phone_scan ps;
    if (!scan_by_phone(&c, phone, limit, &ps)) {
        scan_free(&ps);
        return;
    }
    const char *mode = json_array_size(ps.exact) ? "exact" : json_array_size(ps.suffix) ? "suffix" : "none";
    json_t *items = json_array_size(ps.exact) ? ps.exact : ps.suffix;
    json_t *out = tcx_result(&c);
    json_object_set_new(out, "phone", json_string(phone));
    json_object_set_new(out, "matchMode", json_string(mode));
    json_object_set_new(out, "scanned", json_integer(ps.scanned));
    json_object_set_new(out, "truncated", json_boolean(ps.truncated));
    json_object_set_new(out, "returned", json_integer((json_int_t)json_array_size(items)));
    json_object_set(out, "contacts", items);
    if (!c.fam->country[c.idx])
        json_object_set_new(out, "note", json_string("no default country configured (TCX_DEFAULT_COUNTRY): "
                                                     "national numbers are compared by their last digits"));
    sb_buf b;
    sb_buf_init(&b, 32768);
    size_t i;
    json_t *k;
    json_array_foreach(items, i, k) contact_line(&b, k);
    tcx_finish(&c, out, "%zu contact(s) with number %s (%s match, %ld scanned%s)%s", json_array_size(items), phone,
               mode, ps.scanned, ps.truncated ? ", scan limit reached" : "", b.data ? b.data : "");
    sb_buf_free(&b);
    scan_free(&ps);
}

static const mcp_param p_search[] = {
    {.name = "query", .type = MCP_T_STRING, .required = true, .min_length = 1, .max_length = 200,
     .description = "Text found in the name, company, e-mail or phone number."},
    {.name = "top", .type = MCP_T_INTEGER, .default_json = "25", .minimum = MCP_BOUND(1), .maximum = MCP_BOUND(100),
     .description = "Page size."},
    {.name = "skip", .type = MCP_T_INTEGER, .default_json = "0", .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(100000),
     .description = "Rows to skip (paging)."},
    {0}};
static const mcp_param p_phone[] = {
    {.name = "phone", .type = MCP_T_STRING, .required = true, .min_length = 3, .max_length = 40,
     .description = "The number in any form: +49 731 123456, 0049 731 123456, 0731 123456."},
    {.name = "scanLimit", .type = MCP_T_INTEGER, .default_json = "5000", .minimum = MCP_BOUND(100),
     .maximum = MCP_BOUND(50000), .description = "At most this many contacts are compared."},
    {0}};

#define RO (MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT | MCP_ANN_OPEN_WORLD)

const mcp_tool_def tcx_contact_tools[] = {
    {.name = "search_contacts", .title = "Search the phonebook",
     .description = "Searches the PBX phonebook by name, company, e-mail or number text; a phone number that is "
                    "written differently in the phonebook is still found.",
     .params = p_search, .annotations = RO,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX "," TCX_OS_PAGE ",\"query\":{\"type\":\"string\"},"
                      "\"matchMode\":{\"type\":\"string\",\"enum\":[\"text\",\"phone\"]},\"contacts\":{\"type\":\"array\",\"items\":"
                      "{\"type\":\"object\"}}},\"required\":[\"contacts\",\"returned\",\"hasMore\"]}",
     .handler = h_search_contacts},
    {.name = "find_contact_by_phone", .title = "Who has this number",
     .description = "Finds phonebook contacts by phone number, whatever the form (+49..., 0049..., 0...), across all "
                    "of a contact's phone fields.",
     .params = p_phone, .annotations = RO,
     .output_schema = "{\"type\":\"object\",\"properties\":{" TCX_OS_PBX ",\"phone\":{\"type\":\"string\"},\"matchMode\":"
                      "{\"type\":\"string\",\"enum\":[\"exact\",\"suffix\",\"none\"]},\"scanned\":{\"type\":\"integer\"},"
                      "\"truncated\":{\"type\":\"boolean\"},\"returned\":{\"type\":\"integer\"},\"contacts\":{\"type\":"
                      "\"array\",\"items\":{\"type\":\"object\"}}},\"required\":[\"matchMode\",\"contacts\"]}",
     .handler = h_find_contact_by_phone},
    {0}};
