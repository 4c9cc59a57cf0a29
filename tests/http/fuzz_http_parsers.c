/* libFuzzer target for the HTTP transport's parsers of untrusted input: a bearer token through
 * JWT verification (HS256 verifier), the Authorization header through the auth decision, and
 * Host/Origin values through the allow-list. The first byte picks the parser. Replayed from
 * tests/http/fuzz-corpus in every build (fuzz_http_parsers_replay). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/auth.h"
#include "transport/http_guard.h"
#include "transport/jwt.h"

static const unsigned char k_secret[] = "fuzz-secret-fuzz-secret-fuzz-secret-0123";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static http_jwt_verifier *v;
    static http_auth *a;
    static http_guard *g;
    if (!v) {
        http_jwt_config cfg = {.hs256_secret = k_secret, .hs256_secret_len = sizeof k_secret - 1,
                               .audience = "urn:fuzz", .leeway_s = -1};
        v = http_jwt_verifier_new(&cfg, NULL, 0);
        http_jwt_verifier *v2 = http_jwt_verifier_new(&cfg, NULL, 0);
        a = http_auth_new(NULL, v2, NULL, 0);
        g = http_guard_new(NULL, NULL, "127.0.0.1", NULL, 0);
        if (!v || !a || !g)
            abort();
    }
    if (size == 0)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 4) {
    case 0: {
        json_t *claims = NULL;
        if (http_jwt_verify(v, s, size - 1, 1800000000, &claims) == HTTP_JWT_OK) {
            free(http_jwt_scopes(claims));
            json_decref(claims);
        }
        break;
    }
    case 1: {
        http_auth_result r;
        http_auth_check(a, s, HTTP_SCOPE_READ, &r);
        break;
    }
    case 2:
        http_guard_host_ok(g, s);
        http_guard_origin_ok(g, s);
        break;
    default: {
        unsigned char out[64];
        if (size - 1 <= 80)
            http_b64url_decode(s, size - 1, out);
        http_scope_parse(s, size - 1);
        break;
    }
    }
    free(s);
    return 0;
}
