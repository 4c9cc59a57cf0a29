/* UTF-8 validation follows RFC 3629 to the byte; repair keeps every valid character and puts
 * one U+FFFD where each invalid byte was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/utf8.h"

static void valid_and_invalid_forms(void **state)
{
    assert_true(sb_utf8_valid("", 0));
    assert_true(sb_utf8_valid("Müller \xE2\x82\xAC \xF0\x9F\x93\x9E", 17));
    assert_true(sb_utf8_valid("\xF4\x8F\xBF\xBF", 4));   /* U+10FFFF */
    assert_false(sb_utf8_valid("\xC0\xAF", 2));          /* overlong '/' */
    assert_false(sb_utf8_valid("\xE0\x80\xAF", 3));      /* overlong */
    assert_false(sb_utf8_valid("\xED\xA0\x80", 3));      /* surrogate U+D800 */
    assert_false(sb_utf8_valid("\xF4\x90\x80\x80", 4));  /* above U+10FFFF */
    assert_false(sb_utf8_valid("\xE2\x82", 2));          /* truncated */
    assert_false(sb_utf8_valid("\xFF", 1));
    assert_false(sb_utf8_valid("\x80", 1));              /* lone continuation */
}

static void repair_keeps_the_text(void **state)
{
    sb_buf b;
    sb_buf_init(&b, 1024);
    assert_int_equal(sb_utf8_repair("ab\xFF" "cd\xE2\x82" "e\xC3\xA9", 10, &b), 0);
    assert_string_equal(b.data, "ab\xEF\xBF\xBD" "cd\xEF\xBF\xBD\xEF\xBF\xBD" "e\xC3\xA9");
    assert_true(sb_utf8_valid(b.data, b.len));
    sb_buf_reset(&b);
    assert_int_equal(sb_utf8_repair("plain", 5, &b), 0);
    assert_string_equal(b.data, "plain");
    sb_buf_free(&b);
}

static void repair_respects_the_cap(void **state)
{
    sb_buf b;
    sb_buf_init(&b, 4);
    assert_int_equal(sb_utf8_repair("\xFF\xFF", 2, &b), -1);
    assert_true(b.len <= 4);
    sb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_and_invalid_forms),
        cmocka_unit_test(repair_keeps_the_text),
        cmocka_unit_test(repair_respects_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
