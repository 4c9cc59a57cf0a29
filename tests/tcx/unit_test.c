/* Unit tests of the 3CX connector without a network: OData literal escaping and URL encoding
 * (hostile text never leaves its literal), URL size caps, configuration from the environment
 * and [pbx NAME] sections (errors for bad values), the port rule of the API base, secret
 * registration with the log redactor, and result redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "connect/tcx/tcx.h"
#include "connect/tcx/tcx_odata.h"
#include "tools/tcx_tools.h"
#include "util/log.h"

static void test_literals(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"O'Brien", "'O''Brien'"},
        {"') or (1 eq 1", "''') or (1 eq 1'"},
        {"''", "''''''"},
        {"", "''"},
        {"Müller", "'Müller'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *l = tcx_odata_lit(cases[i][0]);
        assert_string_equal(l, cases[i][1]);
        free(l);
    }
    char *e = tcx_odata_encode("a b&c=d+e#f%g/h?i'(),:ü");
    assert_string_equal(e, "a%20b%26c%3Dd%2Be%23f%25g%2Fh%3Fi'(),:%C3%BC");
    free(e);
}

static void test_url_building(void **state)
{
    (void)state;
    tcx_url u;
    tcx_filter f;
    tcx_filter_init(&f);
    tcx_filter_raw(&f, "Number eq ");
    tcx_filter_lit(&f, "1' or '1'='1");
    tcx_filter_and(&f);
    tcx_filter_raw(&f, "Enabled eq true");
    tcx_url_init(&u, "Users");
    tcx_url_filter(&u, &f);
    tcx_url_opt(&u, "$select", "Id,Number");
    tcx_url_opt(&u, "$skip", "");
    tcx_url_opt_int(&u, "$top", 5);
    char *s = tcx_url_done(&u);
    assert_string_equal(s, "Users?$filter=Number%20eq%20'1''%20or%20''1''%3D''1'%20and%20Enabled%20eq%20true"
                           "&$select=Id,Number&$top=5");
    free(s);
    tcx_filter_free(&f);

    tcx_url_init(&u, "Trunks");
    tcx_url_key_str(&u, "Number", "10'00 0");
    s = tcx_url_done(&u);
    assert_string_equal(s, "Trunks(Number='10''00%200')");
    free(s);

    /* a filter over the cap fails the whole URL instead of widening the query */
    char *big = malloc(70000);
    memset(big, 'x', 69999);
    big[69999] = 0;
    tcx_filter_init(&f);
    tcx_filter_raw(&f, "contains(Name,");
    tcx_filter_lit(&f, big);
    tcx_url_init(&u, "Users");
    tcx_url_filter(&u, &f);
    assert_null(tcx_url_done(&u));
    tcx_filter_free(&f);
    free(big);
}

static char *write_file(const char *text)
{
    char *path = strdup("/tmp/tcx_unit_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void clear_env(void)
{
    const char *v[] = {"TCX_FQDN", "TCX_PORT", "TCX_TIMEZONE", "TCX_CLIENT_ID", "TCX_CLIENT_SECRET", "TCX_BASE_URL",
                       "TCX_CA_FILE", "TCX_ALLOW_WRITES", "TCX_DEFAULT_COUNTRY", "TCX_TIMEOUT_S",
                       "TCX_REPORT_ROW_LIMIT", "TCX_PAGE_SIZE", NULL};
    for (size_t i = 0; v[i]; i++)
        unsetenv(v[i]);
}

static void test_config(void **state)
{
    (void)state;
    clear_env();
    tcx_config *cfg;
    char err[TCX_ERR_LEN];
    assert_int_equal(tcx_config_load(NULL, &cfg, err, sizeof err), 0); /* not configured */

    setenv("TCX_FQDN", "pbx.example.com", 1);
    assert_int_equal(tcx_config_load(NULL, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "TCX_CLIENT_ID"));
    setenv("TCX_CLIENT_ID", "900", 1);
    setenv("TCX_CLIENT_SECRET", "unit-secret-value-42", 1);
    setenv("TCX_PORT", "70000", 1);
    assert_int_equal(tcx_config_load(NULL, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "port"));
    setenv("TCX_PORT", "443", 1);

    char *path = write_file("# comment\n[connexcs]\nusername = x\n[pbx branch-2]\nfqdn = pbx2.example.com\n"
                            "port = 5001\nclient_id = 77\nTCX_CLIENT_SECRET = \"other-secret-77\"\n"
                            "timezone = America/New_York\nallow_writes = yes\n");
    int n = tcx_config_load(path, &cfg, err, sizeof err);
    assert_int_equal(n, 2);
    assert_string_equal(cfg[0].name, "default");
    assert_string_equal(cfg[1].name, "branch-2");
    assert_int_equal(cfg[1].port, 5001);
    assert_true(cfg[1].allow_writes);
    assert_false(cfg[0].allow_writes);
    assert_string_equal(cfg[1].client_secret, "other-secret-77");

    tcx_pbx *a = tcx_pbx_new(&cfg[0], err, sizeof err), *b = tcx_pbx_new(&cfg[1], err, sizeof err);
    assert_string_equal(tcx_pbx_api_base(a), "https://pbx.example.com/xapi/v1");
    assert_string_equal(tcx_pbx_api_base(b), "https://pbx2.example.com:5001/xapi/v1");
    tcx_pbx_free(a);
    tcx_pbx_free(b);

    /* both secrets are masked in anything logged from now on */
    char line[200] = "token request with unit-secret-value-42 and other-secret-77";
    sb_log_redact(line);
    assert_null(strstr(line, "unit-secret-value-42"));
    assert_null(strstr(line, "other-secret-77"));
    tcx_config_free(cfg, (size_t)n);
    unlink(path);
    free(path);

    path = write_file("[pbx bad name!]\nfqdn = x\n");
    assert_int_equal(tcx_config_load(path, &cfg, err, sizeof err), -1);
    unlink(path);
    free(path);
    path = write_file("[pbx x]\nthis line has no equals sign\n");
    assert_int_equal(tcx_config_load(path, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2"));
    unlink(path);
    free(path);
    assert_int_equal(tcx_config_load("/nonexistent/sb.conf", &cfg, err, sizeof err), -1);
    clear_env();
}

static void test_redaction(void **state)
{
    (void)state;
    json_t *u = json_loads("{\"Number\":\"101\",\"AuthPassword\":\"s3cret\",\"VMPIN\":\"1234\",\"PinProtected\":true,"
                           "\"DeskphonePassword\":\"\",\"Trunk\":{\"AuthPassword\":{\"Concealed\":true,\"Value\":\"x\"}},"
                           "\"List\":[{\"ApiKey\":\"k\",\"Name\":\"n\"}],\"AccessPassword\":null}",
                           0, NULL);
    tcx_redact(u);
    assert_string_equal(json_string_value(json_object_get(u, "AuthPassword")), "***redacted***");
    assert_string_equal(json_string_value(json_object_get(u, "VMPIN")), "***redacted***");
    assert_true(json_is_true(json_object_get(u, "PinProtected")));
    assert_string_equal(json_string_value(json_object_get(u, "DeskphonePassword")), "");
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(u, "Trunk"), "AuthPassword"), "Value")),
                        "***redacted***");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(u, "List"), 0), "ApiKey")),
                        "***redacted***");
    assert_string_equal(json_string_value(json_object_get(u, "Number")), "101");
    json_decref(u);
}

static void test_lower_text(void **state)
{
    (void)state;
    char *l = tcx_lower_text("MÜLLER Straße ÀÉ×Ö");
    assert_string_equal(l, "müller straße àé×ö");
    free(l);
}

static void test_phone_shapes(void **state)
{
    (void)state;
    assert_true(tcx_looks_like_phone("+49 731 123456"));
    assert_true(tcx_looks_like_phone("(0731) 12-34/56"));
    assert_false(tcx_looks_like_phone("101"));
    assert_false(tcx_looks_like_phone("Anna 0731"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals), cmocka_unit_test(test_url_building), cmocka_unit_test(test_config),
        cmocka_unit_test(test_redaction), cmocka_unit_test(test_phone_shapes), cmocka_unit_test(test_lower_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
