/* Fuzz target: the ConnexCS client's authentication. The whole input is decoded as a JWT
 * (cx_jwt_exp), then used as the upstream answers (split at "\n----\n", see
 * fuzz/cx_common/cx_fuzz.h) for a fresh client holding a refresh JWT close to expiry: POST
 * auth/jwt/refresh, GET auth/jwt, then the tool's own request (401 re-authenticates once, 429
 * retries, error bodies become the message). */
#include <stdlib.h>
#include <string.h>

#include "../cx_common/cx_fuzz.h"
#include "connect/connexcs/cx_client.h"

static const cxf_case c_balance = {"getCustomerBalance", "{\"customer_id\":\"1\"}"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    (void)cx_jwt_exp(s);
    free(s);
    cxf_run_case(&c_balance, true, data, size);
    return 0;
}
