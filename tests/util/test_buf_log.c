/* Capped buffers never grow past their maximum; log redaction masks secrets and credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"

static void buf_respects_cap(void **state)
{
    sb_buf b;
    sb_buf_init(&b, 10);
    assert_int_equal(sb_buf_puts(&b, "0123456789"), 0);
    assert_int_equal(sb_buf_putc(&b, 'x'), -1);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    sb_buf_consume(&b, 4);
    assert_string_equal(b.data, "456789");
    assert_int_equal(sb_buf_printf(&b, "%d", 1234), 0);
    assert_int_equal(sb_buf_printf(&b, "%d", 5), -1);
    assert_string_equal(b.data, "4567891234");
    size_t n;
    char *s = sb_buf_steal(&b, &n);
    assert_int_equal(n, 10);
    assert_null(b.data);
    free(s);
    sb_buf_free(&b);
}

static void buf_empty_and_huge(void **state)
{
    sb_buf b;
    sb_buf_init(&b, 1u << 20);
    assert_int_equal(sb_buf_append(&b, "", 0), 0);
    assert_string_equal(b.data, "");
    assert_int_equal(sb_buf_append(&b, "x", SIZE_MAX), -1);
    assert_int_equal(b.len, 0);
    sb_buf_free(&b);
}

static void steal_of_untouched_buffer_is_a_string(void **state)
{
    sb_buf b;
    sb_buf_init(&b, 16);
    size_t n = 99;
    char *s = sb_buf_steal(&b, &n);
    assert_non_null(s);
    assert_int_equal(n, 0);
    assert_string_equal(s, "");
    free(s);
}

static void redaction_masks_secrets(void **state)
{
    sb_log_add_secret("s3cr3t-value");
    sb_log_add_secret("abc"); /* too short to register */
    char line[256];
    strcpy(line, "token s3cr3t-value twice s3cr3t-value abc");
    sb_log_redact(line);
    assert_string_equal(line, "token *** twice *** abc");
    strcpy(line, "Authorization: Bearer eyJhbGciOi.x.y and password=hunter2&x=1");
    sb_log_redact(line);
    assert_string_equal(line, "Authorization: Bearer *** and password=***&x=1");
    strcpy(line, "{\"client_secret\":\"abcdef\",\"x\":1}");
    sb_log_redact(line);
    assert_string_equal(line, "{\"client_secret\":\"***\",\"x\":1}");
}

static void level_names_parse(void **state)
{
    assert_int_equal(sb_log_level_parse("warning"), SB_LOG_WARNING);
    assert_int_equal(sb_log_level_parse("DEBUG"), SB_LOG_DEBUG);
    assert_int_equal(sb_log_level_parse("emergency"), SB_LOG_EMERGENCY);
    assert_int_equal(sb_log_level_parse("loud"), -1);
    assert_int_equal(sb_log_level_parse(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_respects_cap),
        cmocka_unit_test(buf_empty_and_huge),
        cmocka_unit_test(steal_of_untouched_buffer_is_a_string),
        cmocka_unit_test(redaction_masks_secrets),
        cmocka_unit_test(level_names_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
