/* Unit tests for the Host/Origin allow-lists (src/transport/http_guard.c). */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "transport/http_guard.h"

static void test_default_hosts(void **state)
{
    (void)state;
    char err[128] = "";
    http_guard *g = http_guard_new(NULL, NULL, "127.0.0.1", err, sizeof err);
    assert_non_null(g);
    assert_true(http_guard_host_ok(g, "localhost:8808"));
    assert_true(http_guard_host_ok(g, "LOCALHOST"));
    assert_true(http_guard_host_ok(g, "127.0.0.1:1"));
    assert_true(http_guard_host_ok(g, "[::1]:8808"));
    assert_true(http_guard_host_ok(g, "[::1]"));
    assert_false(http_guard_host_ok(g, "evil.example.com"));
    assert_false(http_guard_host_ok(g, "evil.example.com:8808"));
    assert_false(http_guard_host_ok(g, "localhost.evil.com"));
    assert_false(http_guard_host_ok(g, "localhost@evil"));
    assert_false(http_guard_host_ok(g, "[::1"));
    assert_false(http_guard_host_ok(g, "[::1]x"));
    assert_false(http_guard_host_ok(g, ""));
    assert_false(http_guard_host_ok(g, ":80"));
    assert_false(http_guard_host_ok(g, NULL));
    http_guard_free(g);
    g = http_guard_new(NULL, NULL, "192.0.2.7", err, sizeof err);
    assert_true(http_guard_host_ok(g, "192.0.2.7:8808"));
    http_guard_free(g);
    g = http_guard_new(NULL, NULL, "0.0.0.0", err, sizeof err);
    assert_false(http_guard_host_ok(g, "0.0.0.0"));
    http_guard_free(g);
}

static void test_default_origins(void **state)
{
    (void)state;
    char err[128] = "";
    http_guard *g = http_guard_new(NULL, NULL, "127.0.0.1", err, sizeof err);
    assert_true(http_guard_origin_ok(g, NULL));
    assert_true(http_guard_origin_ok(g, "http://localhost:6274"));
    assert_true(http_guard_origin_ok(g, "https://127.0.0.1"));
    assert_true(http_guard_origin_ok(g, "http://[::1]:3000"));
    assert_false(http_guard_origin_ok(g, "http://evil.example.com"));
    assert_false(http_guard_origin_ok(g, "http://localhost.evil.example.com"));
    assert_false(http_guard_origin_ok(g, "null"));
    assert_false(http_guard_origin_ok(g, "file://localhost"));
    assert_false(http_guard_origin_ok(g, "http://localhost/path"));
    assert_false(http_guard_origin_ok(g, ""));
    http_guard_free(g);
}

static void test_configured_lists(void **state)
{
    (void)state;
    char err[128] = "";
    http_guard *g = http_guard_new("mcp.example.com, api.example.com",
                                   "https://app.example.com,https://claude.ai", "0.0.0.0", err,
                                   sizeof err);
    assert_non_null(g);
    assert_true(http_guard_host_ok(g, "MCP.example.com:443"));
    assert_false(http_guard_host_ok(g, "localhost")); /* a list replaces the defaults */
    assert_true(http_guard_origin_ok(g, "https://claude.ai"));
    assert_false(http_guard_origin_ok(g, "http://claude.ai"));
    assert_false(http_guard_origin_ok(g, "https://claude.ai.evil"));
    assert_false(http_guard_origin_ok(g, "http://localhost"));
    http_guard_free(g);
    g = http_guard_new("*", "*", NULL, err, sizeof err);
    assert_true(http_guard_host_ok(g, "anything"));
    assert_true(http_guard_origin_ok(g, "https://x"));
    assert_false(http_guard_origin_ok(g, "null"));
    http_guard_free(g);
    err[0] = '\0';
    assert_null(http_guard_new(NULL, "app.example.com", NULL, err, sizeof err));
    assert_non_null(strstr(err, "http://"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_hosts),
        cmocka_unit_test(test_default_origins),
        cmocka_unit_test(test_configured_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
