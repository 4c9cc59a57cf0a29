/* Unit tests for bearer authentication (src/transport/auth.c): the token file, scopes and
 * their implications, every decision (400/401/403), JWT tokens through the same path, reload. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "jwt_helpers.h"
#include "transport/auth.h"

#define READ_TOK "read-token-0123456789abcdef"
#define WRITE_TOK "write-token-0123456789abcdef"
#define ADMIN_TOK "admin-token-0123456789abcdef"
static const unsigned char SECRET[] = "hs256-shared-secret-for-the-tests-0123456789";

static int teardown(void **state)
{
    (void)state;
    th_tmpdir_remove();
    return 0;
}

static char *token_file(void)
{
    return th_write_file("tokens", "# comment line\n\n" READ_TOK " tools:read\n" WRITE_TOK
                                   "\ttools:read,tools:write\r\n" ADMIN_TOK " admin");
}

static void test_scope_parse(void **state)
{
    (void)state;
    const char *s = "tools:read";
    assert_int_equal(http_scope_parse(s, strlen(s)), HTTP_SCOPE_READ);
    s = " tools:write ";
    assert_int_equal(http_scope_parse(s, strlen(s)), HTTP_SCOPE_READ | HTTP_SCOPE_WRITE);
    s = "admin";
    assert_int_equal(http_scope_parse(s, strlen(s)), 7);
    s = "tools:readx tools tools:wri openid";
    assert_int_equal(http_scope_parse(s, strlen(s)), 0);
    assert_string_equal(http_scope_string(HTTP_SCOPE_READ | HTTP_SCOPE_WRITE), "tools:read tools:write");
    assert_string_equal(http_scope_name(HTTP_SCOPE_WRITE), "tools:write");
}

static void test_static_tokens(void **state)
{
    (void)state;
    char err[256] = "";
    char *path = token_file();
    http_auth *a = http_auth_new(path, NULL, err, sizeof err);
    assert_non_null(a);
    assert_true(http_auth_enabled(a));
    assert_int_equal(http_auth_token_count(a), 3);
    http_auth_result r;

    http_auth_check(a, NULL, HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 401);
    assert_null(r.error);

    http_auth_check(a, "Bearer " READ_TOK, HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.scopes, HTTP_SCOPE_READ);
    assert_non_null(strstr(r.who, "token:"));
    assert_null(strstr(r.who, "read-token"));

    http_auth_check(a, "bearer   " READ_TOK "  ", HTTP_SCOPE_READ, &r); /* scheme case, spaces */
    assert_int_equal(r.status, 0);

    http_auth_check(a, "Bearer " READ_TOK, HTTP_SCOPE_WRITE, &r);
    assert_int_equal(r.status, 403);
    assert_string_equal(r.error, "insufficient_scope");

    http_auth_check(a, "Bearer " WRITE_TOK, HTTP_SCOPE_WRITE, &r);
    assert_int_equal(r.status, 0);
    http_auth_check(a, "Bearer " WRITE_TOK, HTTP_SCOPE_ADMIN, &r);
    assert_int_equal(r.status, 403);
    http_auth_check(a, "Bearer " ADMIN_TOK, HTTP_SCOPE_ADMIN | HTTP_SCOPE_WRITE, &r);
    assert_int_equal(r.status, 0);

    http_auth_check(a, "Bearer wrong-token-0123456789abcdef", HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(r.error, "invalid_token");
    http_auth_check(a, "Bearer " READ_TOK "x", HTTP_SCOPE_READ, &r); /* a prefix is not enough */
    assert_int_equal(r.status, 401);

    http_auth_check(a, "Basic dXNlcjpwYXNz", HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 401);
    http_auth_check(a, "Bearer", HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.error, "invalid_request");
    http_auth_check(a, "Bearer a b", HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 400);
    http_auth_check(a, "BearerXYZ " READ_TOK, HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 401);
    http_auth_free(a);
    free(path);
}

static void test_bad_files(void **state)
{
    (void)state;
    char err[256] = "";
    char *p = th_write_file("short", "abc tools:read\n");
    assert_null(http_auth_new(p, NULL, err, sizeof err));
    assert_non_null(strstr(err, "line 1"));
    free(p);
    p = th_write_file("noscope", "# x\nlong-enough-token-0123456789\n");
    assert_null(http_auth_new(p, NULL, err, sizeof err));
    assert_non_null(strstr(err, "line 2"));
    assert_null(strstr(err, "long-enough")); /* the token is never echoed */
    free(p);
    p = th_write_file("unknown", "long-enough-token-0123456789 tools:everything\n");
    assert_null(http_auth_new(p, NULL, err, sizeof err));
    free(p);
    assert_null(http_auth_new("/nonexistent/tokens", NULL, err, sizeof err));
    p = th_write_file("empty", "");
    http_auth *a = http_auth_new(p, NULL, err, sizeof err);
    assert_non_null(a); /* an empty file: auth on, nobody gets in */
    http_auth_result r;
    http_auth_check(a, "Bearer long-enough-token-0123456789", HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 401);
    http_auth_free(a);
    free(p);
}

static void test_reload(void **state)
{
    (void)state;
    char err[256] = "";
    char *path = th_write_file("reload", READ_TOK " tools:read\n");
    http_auth *a = http_auth_new(path, NULL, err, sizeof err);
    http_auth_result r;
    http_auth_check(a, "Bearer " WRITE_TOK, HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 401);
    free(th_write_file("reload", WRITE_TOK " tools:write\n"));
    assert_int_equal(http_auth_reload(a, err, sizeof err), 0);
    http_auth_check(a, "Bearer " WRITE_TOK, HTTP_SCOPE_WRITE, &r);
    assert_int_equal(r.status, 0);
    http_auth_check(a, "Bearer " READ_TOK, HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 401); /* removed token no longer works */
    free(th_write_file("reload", "broken\n"));
    assert_int_equal(http_auth_reload(a, err, sizeof err), -1);
    http_auth_check(a, "Bearer " WRITE_TOK, HTTP_SCOPE_WRITE, &r);
    assert_int_equal(r.status, 0); /* a bad file keeps the previous tokens */
    http_auth_free(a);
    free(path);
}

static void test_jwt_through_auth(void **state)
{
    (void)state;
    http_jwt_config cfg = {.hs256_secret = SECRET, .hs256_secret_len = sizeof SECRET - 1,
                           .audience = "http://127.0.0.1/mcp", .leeway_s = -1};
    char err[256] = "";
    http_jwt_verifier *v = http_jwt_verifier_new(&cfg, err, sizeof err);
    assert_non_null(v);
    char *path = token_file();
    http_auth *a = http_auth_new(path, v, err, sizeof err);
    assert_non_null(a);
    char claims[256], header[512];
    snprintf(claims, sizeof claims,
             "{\"aud\":\"http://127.0.0.1/mcp\",\"exp\":%ld,\"scope\":\"tools:read\"}",
             (long)time(NULL) + 300);
    char *tok = th_sign("{\"alg\":\"HS256\"}", claims, "HS256", NULL, SECRET, sizeof SECRET - 1);
    snprintf(header, sizeof header, "Bearer %s", tok);
    http_auth_result r;
    http_auth_check(a, header, HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.who, "jwt:"));
    http_auth_check(a, header, HTTP_SCOPE_WRITE, &r);
    assert_int_equal(r.status, 403);
    free(tok);
    snprintf(claims, sizeof claims, "{\"aud\":\"http://127.0.0.1/mcp\",\"exp\":%ld,\"scope\":\"admin\"}",
             (long)time(NULL) - 300);
    tok = th_sign("{\"alg\":\"HS256\"}", claims, "HS256", NULL, SECRET, sizeof SECRET - 1);
    snprintf(header, sizeof header, "Bearer %s", tok);
    http_auth_check(a, header, HTTP_SCOPE_READ, &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(r.description, "token expired");
    free(tok);
    http_auth_check(a, "Bearer " ADMIN_TOK, HTTP_SCOPE_ADMIN, &r); /* static still works */
    assert_int_equal(r.status, 0);
    http_auth_free(a);
    free(path);
}

static void test_auth_off(void **state)
{
    (void)state;
    http_auth *a = http_auth_new(NULL, NULL, NULL, 0);
    assert_false(http_auth_enabled(a));
    http_auth_result r;
    http_auth_check(a, NULL, HTTP_SCOPE_ADMIN, &r);
    assert_int_equal(r.status, 0);
    http_auth_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_parse),
        cmocka_unit_test(test_static_tokens),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_jwt_through_auth),
        cmocka_unit_test(test_auth_off),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
