/* Unit tests of the XAPI simulator's seed data (sim/tcx/seed.c): every record was built (a
 * failed json_pack would silently drop one), the records that the tools' tests rely on are
 * there with the documented values, and the set is the same for the same --now. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static tsim_state st;

static int setup(void **state)
{
    (void)state;
    tsim_config cfg = {.token_lifetime_s = 3600, .single_token = true, .report_row_limit = 20000,
                       .fqdn = "sim.3cx.local"};
    assert_true(tsim_parse_datetime("2026-06-15T10:00:00Z", 20, &cfg.now_ms));
    return tsim_state_init(&st, &cfg);
}

static int teardown(void **state)
{
    (void)state;
    tsim_state_free(&st);
    return 0;
}

static void test_counts(void **state)
{
    (void)state;
    assert_int_equal(json_array_size(st.users), 9);
    assert_int_equal(json_array_size(st.groups), 2);
    assert_int_equal(json_array_size(st.trunks), 2);
    assert_int_equal(json_array_size(st.queues), 3);
    assert_int_equal(json_array_size(st.ringgroups), 2);
    assert_int_equal(json_array_size(st.contacts), 10);
    assert_int_equal(json_array_size(st.eventlogs), 20);
    assert_int_equal(json_array_size(st.active_calls), 3);
    assert_int_equal(json_array_size(st.history), 4);
    assert_int_equal(json_array_size(st.calllog), 47);
    assert_int_equal(json_array_size(st.timezones), 5);
    assert_non_null(json_object_get(st.system_status, "FQDN"));
}

/* Every property a record carries is declared in its schema, with a value of that type. */
static void check_rows(json_t *rows, const tsim_schema *s, size_t min_props)
{
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e) {
        assert_true(json_is_object(e));
        assert_true(json_object_size(e) >= min_props);
        const char *key;
        json_t *v;
        json_object_foreach(e, key, v) {
            const tsim_prop *p = tsim_schema_find(s, key, strlen(key));
            if (!p)
                fail_msg("%s row %zu: undeclared property %s", s->name, i, key);
            if (json_is_null(v))
                continue;
            int64_t ms;
            switch (p->type) {
            case TSIM_T_INT: assert_true(json_is_integer(v)); break;
            case TSIM_T_BOOL: assert_true(json_is_boolean(v)); break;
            case TSIM_T_DATETIME:
                assert_true(json_is_string(v));
                assert_true(tsim_parse_datetime(json_string_value(v), json_string_length(v), &ms));
                break;
            case TSIM_T_STRING:
            case TSIM_T_ENUM:
            case TSIM_T_DURATION: assert_true(json_is_string(v)); break;
            default: break;
            }
        }
    }
}

static void test_schemas(void **state)
{
    (void)state;
    check_rows(st.users, &tsim_schema_user, 30);
    check_rows(st.groups, &tsim_schema_group, 10);
    check_rows(st.trunks, &tsim_schema_trunk, 15);
    check_rows(st.queues, &tsim_schema_queue, 15);
    check_rows(st.ringgroups, &tsim_schema_ringgroup, 8);
    check_rows(st.contacts, &tsim_schema_contact, 17);
    check_rows(st.eventlogs, &tsim_schema_eventlog, 9);
    check_rows(st.active_calls, &tsim_schema_activecall, 6);
    check_rows(st.calllog, &tsim_schema_calllog, 37);
    check_rows(st.history, &tsim_schema_history, 12);
    json_t *u = json_array_get(st.users, 0);
    check_rows(json_object_get(u, "ForwardingProfiles"), &tsim_schema_fwdprofile, 12);
    check_rows(json_object_get(u, "Groups"), &tsim_schema_usergroup, 8);
    check_rows(json_object_get(json_array_get(st.queues, 0), "Agents"), &tsim_schema_agent, 5);
}

static json_t *find(json_t *rows, const char *field, const char *value)
{
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e) {
        const char *v = json_string_value(json_object_get(e, field));
        if (v && strcmp(v, value) == 0)
            return e;
    }
    return NULL;
}

static void test_named_records(void **state)
{
    (void)state;
    json_t *ob = find(st.users, "LastName", "O'Brien");
    assert_non_null(ob);
    assert_string_equal(json_string_value(json_object_get(ob, "Number")), "101");
    assert_non_null(json_string_value(json_object_get(ob, "AuthPassword")));
    assert_non_null(json_string_value(json_object_get(ob, "VMPIN")));
    assert_false(json_is_true(json_object_get(find(st.users, "Number", "106"), "Enabled")));
    assert_non_null(find(st.users, "CurrentProfileName", "Out of office"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(find(st.trunks, "Number", "10000"), "Gateway"), "Name")),
                        "Provider A");
    /* the queue call answered on its third segment: three rows, one MainCallHistoryId */
    const char *main_id = "6d1c0000-0000-4000-8000-000000000001";
    size_t i, segs = 0, answered = 0;
    json_t *r;
    json_array_foreach(st.calllog, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "MainCallHistoryId")), main_id) == 0) {
            segs++;
            answered += json_is_true(json_object_get(r, "Answered"));
            if (json_is_true(json_object_get(r, "Answered")))
                assert_string_equal(json_string_value(json_object_get(r, "DestinationCallerId")),
                                    "Ext.101");
        }
    }
    assert_int_equal(segs, 3);
    assert_int_equal(answered, 1);
    /* the missed queue call: three rows, none answered */
    segs = answered = 0;
    json_array_foreach(st.calllog, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "MainCallHistoryId")),
                   "6d1c0000-0000-4000-8000-000000000002") == 0) {
            segs++;
            answered += json_is_true(json_object_get(r, "Answered"));
        }
    }
    assert_int_equal(segs, 3);
    assert_int_equal(answered, 0);
    assert_non_null(find(st.calllog, "StartTime", "2026-03-28T23:30:00.000Z"));
    assert_non_null(find(st.calllog, "StartTime", "2026-11-02T04:30:00.000Z"));
    /* calls on both sides of the UTC midnight before now (2026-06-15T00:00Z) */
    assert_non_null(find(st.calllog, "StartTime", "2026-06-14T23:55:00.000Z"));
    assert_non_null(find(st.calllog, "StartTime", "2026-06-15T00:07:00.000Z"));
}

static void test_reseed_is_deterministic(void **state)
{
    (void)state;
    char *before = json_dumps(st.calllog, JSON_COMPACT);
    char *users_before = json_dumps(st.users, JSON_COMPACT);
    assert_int_equal(tsim_seed(&st), 0);
    char *after = json_dumps(st.calllog, JSON_COMPACT);
    char *users_after = json_dumps(st.users, JSON_COMPACT);
    assert_string_equal(before, after);
    assert_string_equal(users_before, users_after);
    free(before);
    free(after);
    free(users_before);
    free(users_after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_schemas),
        cmocka_unit_test(test_named_records),
        cmocka_unit_test(test_reseed_is_deterministic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
