/* JSON Schema (2020-12 subset) for tool inputs and outputs: generation from mcp_param rows and
 * validation of instances. The same compiled schema that tools/list shows is what validates a
 * call's arguments, so the client's view and the server's check cannot drift apart.
 *
 * Keywords checked: type (one or a list), enum, const, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, minLength, maxLength (in characters), pattern (POSIX ERE, as written in
 * our tables: "^(...)$" anchored by generation), format (date, date-time, email, uri), items,
 * prefixItems, minItems, maxItems, properties, required, additionalProperties (bool or
 * schema), anyOf, oneOf, allOf, not, $ref to "#/$defs/..". Other keywords are annotations. */
#ifndef SB_MCP_SCHEMA_H
#define SB_MCP_SCHEMA_H

#include <jansson.h>

#include "mcp/mcp_tool.h"

typedef struct mcp_schema mcp_schema;

/* The inputSchema for a parameter table (terminated by name == NULL; NULL = no parameters):
 * {"type":"object","properties":{..},"required":[..],"additionalProperties":false}. New
 * reference, or NULL with *err set (malloc'd) when a row is inconsistent (a default that
 * breaks its own bounds, schema_json that does not parse, an unknown type). */
json_t *mcp_schema_from_params(const mcp_param *params, char **err);

/* Compiles a schema for validation (keeps a reference to it; compiles every pattern once).
 * NULL with *err set when a pattern does not compile or $ref points nowhere. */
mcp_schema *mcp_schema_compile(json_t *schema, char **err);
void mcp_schema_free(mcp_schema *sc);

/* Validates instance. Integral reals are turned into integers where the schema asks for an
 * integer (in place), so handlers can read them with json_integer_value(). Returns 0, or -1
 * with *err (malloc'd) naming the argument and the rule, e.g.
 * "argument 'limit': must be at most 100 (maximum)". `what` prefixes the name ("argument"). */
int mcp_schema_validate(const mcp_schema *sc, json_t *instance, const char *what, char **err);

/* For an object schema: sets each missing property that declares a "default" (top level). */
void mcp_schema_fill_defaults(const json_t *schema, json_t *object);

#endif
