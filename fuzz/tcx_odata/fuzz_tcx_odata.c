/* Fuzz target for the XAPI simulator's OData parsers (sim/tcx/odata*.c): the input is used
 * as a $filter expression (parsed against the User schema and, when valid, evaluated against
 * a few users) and as a whole raw query string (every $option parsed and applied). Nothing
 * may crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odata.h"
#include "sim.h"

static const char users_json[] =
    "[{\"Id\":26,\"Number\":\"100\",\"FirstName\":\"Max\",\"LastName\":\"O'Brien\","
    "\"Mobile\":\"+49 731 123456\",\"Enabled\":true,\"IsRegistered\":true,"
    "\"QueueStatus\":\"LoggedIn\",\"Groups\":[]},"
    "{\"Id\":27,\"Number\":\"101\",\"FirstName\":null,\"Enabled\":false}]";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *users;
    if (!users)
        users = json_loads(users_json, 0, NULL);
    char err[TSIM_ERR_LEN];
    tsim_odata_opts opts = {size % 2 == 0};
    tsim_filter *f = tsim_filter_parse((const char *)data, size, &tsim_schema_user, &opts, err);
    if (f) {
        size_t i;
        json_t *e;
        json_array_foreach(users, i, e) tsim_filter_match(f, e);
        tsim_filter_free(f);
    }
    tsim_query q;
    if (tsim_query_parse((const char *)data, size, &tsim_schema_user, TSIM_Q_COLLECTION, &opts, &q,
                         err) == 0) {
        size_t count;
        json_t *rows = tsim_query_rows(&q, &tsim_schema_user, users, &count);
        size_t i;
        json_t *e;
        json_array_foreach(rows, i, e) json_decref(tsim_query_shape(&q, &tsim_schema_user, e));
        json_decref(rows);
    }
    tsim_query_free(&q);
    return 0;
}
