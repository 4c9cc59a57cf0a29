/* DNS-rebinding protection for the HTTP transport: the Host and Origin headers checked
 * against allow-lists (MCP Streamable HTTP: an Origin that is present and not allowed → 403).
 *
 * Hosts: names compared case-insensitively without the port; default the loopback names
 * (localhost, 127.0.0.1, ::1) plus the bind address when it is a specific address.
 * Origins: "scheme://host[:port]" compared exactly (case-insensitive); by default any http or
 * https origin whose host is a loopback name. A missing Origin (non-browser clients) passes; the
 * literal "null" origin never does. "*" in a list allows everything (documented as unsafe). */
#ifndef SB_TRANSPORT_HTTP_GUARD_H
#define SB_TRANSPORT_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct http_guard http_guard;

/* hosts, origins: comma-separated lists, or NULL for the defaults. bind_addr: the address the
 * server listens on (added to the default hosts unless it is a wildcard). NULL on OOM or when a
 * list entry is malformed (err says which). */
http_guard *http_guard_new(const char *hosts, const char *origins, const char *bind_addr,
                           char *err, size_t errsz);
void http_guard_free(http_guard *g);

/* Host header value (NULL = absent: refused, HTTP/1.1 requires it). */
bool http_guard_host_ok(const http_guard *g, const char *host);
/* Origin header value (NULL = absent: allowed). */
bool http_guard_origin_ok(const http_guard *g, const char *origin);

/* Splits "host[:port]" or "[v6]:port" into the host part (without brackets): sets *name and *len.
 * Returns false when malformed. */
bool http_guard_split_host(const char *hostport, size_t n, const char **name, size_t *len);

#endif
