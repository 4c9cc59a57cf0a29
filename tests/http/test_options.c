/* Unit tests for the HTTP option table (src/transport/http.c: http_config_option): every kind
 * of option, both "--name value" and "--name=value", --http forms, and bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "transport/http.h"

static int parse(http_config *cfg, int argc, char **argv, char *err)
{
    int consumed = 0;
    for (int i = 1; i < argc;) {
        int r = http_config_option(cfg, argc, argv, &i, err, 256);
        if (r < 0)
            return -1;
        if (r == 0)
            i++;
        else
            consumed++;
    }
    return consumed;
}

static void test_defaults(void **state)
{
    (void)state;
    http_config c;
    http_config_defaults(&c);
    assert_false(c.enabled);
    assert_string_equal(c.addr, "127.0.0.1");
    assert_int_equal(c.port, 8808);
    assert_string_equal(c.path, "/mcp");
    assert_true(c.access_log);
    assert_int_equal(c.max_calls_per_session, 16);
}

static void test_listen_forms(void **state)
{
    (void)state;
    char err[256];
    struct { const char *arg; const char *addr; int port; } rows[] = {
        {"9000", "127.0.0.1", 9000},        {"0.0.0.0:80", "0.0.0.0", 80},
        {"[::1]:8808", "::1", 8808},        {"localhost:0", "127.0.0.1", 0},
        {"192.0.2.1:65535", "192.0.2.1", 65535},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        http_config c;
        http_config_defaults(&c);
        char *argv[] = {"serve", "--http", (char *)rows[k].arg};
        assert_int_equal(parse(&c, 3, argv, err), 1);
        assert_true(c.enabled);
        assert_string_equal(c.addr, rows[k].addr);
        assert_int_equal(c.port, rows[k].port);
    }
    http_config c;
    http_config_defaults(&c);
    char *alone[] = {"serve", "--http", "--stateless"};
    assert_int_equal(parse(&c, 3, alone, err), 2);
    assert_true(c.enabled && c.stateless);
    assert_int_equal(c.port, 8808);
    const char *bad[] = {"65536", "abc", ":80", "1.2.3.4:", "[::1]:x", "-1"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        http_config_defaults(&c);
        char opt[64];
        snprintf(opt, sizeof opt, "--http=%s", bad[k]);
        char *argv[] = {"serve", opt};
        assert_int_equal(parse(&c, 2, argv, err), -1);
        assert_non_null(strstr(err, "--http"));
    }
}

static void test_kinds(void **state)
{
    (void)state;
    char err[256];
    http_config c;
    http_config_defaults(&c);
    char *argv[] = {"serve", "--auth-tokens", "/etc/t", "--max-body=1024", "--no-access-log",
                    "--workers", "3", "--jwt-audience", "urn:x", "--request-timeout", "5",
                    "--allowed-origins=https://a.example"};
    assert_int_equal(parse(&c, 12, argv, err), 6); /* --workers is not ours */
    assert_string_equal(c.tokens_file, "/etc/t");
    assert_int_equal(c.max_body, 1024);
    assert_false(c.access_log);
    assert_string_equal(c.jwt_audience, "urn:x");
    assert_int_equal(c.request_timeout_s, 5);
    assert_string_equal(c.allowed_origins, "https://a.example");
    char *bad1[] = {"serve", "--max-body", "0"};
    assert_int_equal(parse(&c, 3, bad1, err), -1);
    char *bad2[] = {"serve", "--max-connections", "12x"};
    assert_int_equal(parse(&c, 3, bad2, err), -1);
    char *bad3[] = {"serve", "--auth-tokens"};
    assert_int_equal(parse(&c, 2, bad3, err), -1);
    assert_non_null(strstr(err, "needs a value"));
    char *bad4[] = {"serve", "--stateless=yes"};
    assert_int_equal(parse(&c, 2, bad4, err), -1);
    char *bad5[] = {"serve", "--max-body", "99999999999999999999999"};
    assert_int_equal(parse(&c, 3, bad5, err), -1);
    char *prefix[] = {"serve", "--httpx", "1"}; /* a longer name is not --http */
    assert_int_equal(parse(&c, 3, prefix, err), 0);
}

static void test_usage(void **state)
{
    (void)state;
    const char *u = http_config_usage();
    assert_non_null(strstr(u, "--auth-tokens FILE"));
    assert_non_null(strstr(u, "--max-calls-per-session N"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_listen_forms),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
