/* libFuzzer target for the TZif reader and POSIX footer rules (src/util/tz.c): any bytes are
 * parsed; whatever parses must answer offsets and day windows without crashing, and no
 * window may end before it starts (a skipped day, like Samoa 2011-12-30, is empty). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[200];
    sb_tz *tz = sb_tz_parse("fuzz", data, size, err, sizeof err);
    if (!tz)
        return 0;
    static const int64_t probes[] = {INT64_C(-2208988800), 0, INT64_C(1774746000), INT64_C(2145916800),
                                     INT64_C(4102444800), INT64_C(253402300799)};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        (void)sb_tz_offset(tz, probes[i]);
        int y, m, d;
        sb_tz_local_date(tz, probes[i], &y, &m, &d);
    }
    int64_t s, e;
    const int days[][3] = {{2026, 3, 29}, {2026, 10, 25}, {2040, 3, 25}, {1970, 1, 1}, {9999, 12, 31}};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        if (sb_tz_day_window(tz, days[i][0], days[i][1], days[i][2], &s, &e) == 0 && s > e)
            abort();
    sb_tz_free(tz);
    return 0;
}
