/* Upstream health probes: a connector registers one probe per configured upstream, and the
 * HTTP transport's /healthz (and `switchboard` diagnostics) run them. A probe answers whether
 * the upstream is reachable right now and a short detail line that never contains secrets. */
#ifndef SB_UTIL_HEALTH_H
#define SB_UTIL_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

/* Returns true when reachable; writes a short detail ("HTTP 200 in 12 ms", "DNS failure")
 * into detail (always NUL-terminated). Must finish within a few seconds. */
typedef bool (*sb_health_probe_fn)(void *ud, char *detail, size_t detail_size);

/* Registers a named probe (name copied, e.g. "3cx:main", "connexcs"). Thread-safe. */
void sb_health_register(const char *name, sb_health_probe_fn probe, void *ud);
/* Removes every probe registered with this ud (configuration reload). */
void sb_health_unregister(void *ud);

/* Runs every probe in registration order and calls fn with each outcome. Returns the number
 * of probes that failed. */
size_t sb_health_check_all(void (*fn)(void *ctx, const char *name, bool ok, const char *detail),
                           void *ctx);

#endif
