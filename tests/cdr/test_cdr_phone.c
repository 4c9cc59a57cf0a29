/* E.164 normalisation and matching across the forms people and switches write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "util/phone.h"

static const char *norm(const char *s, const char *country)
{
    static char out[SB_PHONE_E164_MAX + 1];
    sb_phone_normalize(s, strlen(s), country ? sb_phone_country_find(country) : NULL, out);
    return out;
}

static void test_forms_gb(void **state)
{
    (void)state;
    assert_string_equal(norm("020 7946 0018", "GB"), "+442079460018");
    assert_string_equal(norm("+44 (0)20 7946-0018", "GB"), "+442079460018");
    assert_string_equal(norm("0044 20 7946 0018", "GB"), "+442079460018");
    assert_string_equal(norm("442079460018", "GB"), "+442079460018");
    assert_string_equal(norm("tel:+44-20-7946-0018;ext=12", "GB"), "+442079460018");
    assert_string_equal(norm("sip:+442079460018@pbx.example.com", "GB"), "+442079460018");
    assert_string_equal(norm("+44020 7946 0018", NULL), "+442079460018"); /* trunk 0 kept */
    assert_string_equal(norm("00 33 1 23 45 67 89", "GB"), "+33123456789");
    assert_string_equal(norm("101", "GB"), "101");
    assert_string_equal(norm("*97", "GB"), "*97");
    assert_string_equal(norm("", "GB"), "");
    assert_string_equal(norm("call me", "GB"), "");
    assert_string_equal(norm("+4420794600181234567", "GB"), ""); /* > 15 digits */
}

static void test_forms_nanp(void **state)
{
    (void)state;
    assert_string_equal(norm("(212) 555-0142", "US"), "+12125550142");
    assert_string_equal(norm("1-212-555-0142", "US"), "+12125550142");
    assert_string_equal(norm("011 44 20 7946 0018", "US"), "+442079460018");
    assert_string_equal(norm("+1 212 555 0142", "GB"), "+12125550142");
    assert_string_equal(norm("011442079460018", NULL), "+442079460018");
}

static void test_extension_and_kinds(void **state)
{
    (void)state;
    sb_phone p;
    assert_int_equal(sb_phone_parse("(212) 555-0142 x 33", 19, sb_phone_country_find("US"), &p), SB_PHONE_E164);
    assert_string_equal(p.e164, "+12125550142");
    assert_string_equal(p.ext, "33");
    assert_int_equal(p.form, SB_PHONE_FORM_LOCAL);
    assert_int_equal(sb_phone_parse("020 7946 0018 ext. 7", 20, sb_phone_country_find("44"), &p), SB_PHONE_E164);
    assert_string_equal(p.ext, "7");
    assert_int_equal(p.form, SB_PHONE_FORM_NATIONAL);
    assert_int_equal(sb_phone_parse("+44 (0)20 7946 0018", 19, NULL, &p), SB_PHONE_E164);
    assert_true(p.trunk_zero_kept);
    assert_int_equal(p.cc_len, 2);
    assert_int_equal(sb_phone_parse("2079460018", 10, NULL, &p), SB_PHONE_DIGITS);
    assert_string_equal(p.e164, "2079460018");
    assert_int_equal(sb_phone_parse("100", 3, NULL, &p), SB_PHONE_SHORT);
    assert_null(sb_phone_country_find("XX"));
    assert_string_equal(sb_phone_country_find("gb")->cc, "44");
    assert_string_equal(sb_phone_country_find("+1")->iso, "US");
    assert_int_equal(sb_phone_cc_len("442079", 6), 2);
    assert_int_equal(sb_phone_cc_len("3531234", 7), 3);
    assert_int_equal(sb_phone_cc_len("12125", 5), 1);
    assert_int_equal(sb_phone_cc_len("0123", 4), 0);
}

static void test_match(void **state)
{
    (void)state;
    const sb_phone_country *gb = sb_phone_country_find("GB");
    assert_int_equal(sb_phone_match("+44 20 7946 0018", 16, "020-7946-0018", 13, gb), SB_PHONE_MATCH_EXACT);
    assert_int_equal(sb_phone_match("+442079460018", 13, "2079460018", 10, NULL), SB_PHONE_MATCH_SUFFIX);
    assert_int_equal(sb_phone_match("+442079460018", 13, "+442079460019", 13, gb), SB_PHONE_MATCH_NONE);
    assert_int_equal(sb_phone_match("101", 3, "101", 3, gb), SB_PHONE_MATCH_EXACT);
    assert_int_equal(sb_phone_match("101", 3, "+44101", 6, gb), SB_PHONE_MATCH_NONE);
    assert_int_equal(sb_phone_match("", 0, "", 0, gb), SB_PHONE_MATCH_NONE);
    assert_int_equal(sb_phone_match("+12125550142", 12, "+442125550142", 13, gb), SB_PHONE_MATCH_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms_gb),
        cmocka_unit_test(test_forms_nanp),
        cmocka_unit_test(test_extension_and_kinds),
        cmocka_unit_test(test_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
