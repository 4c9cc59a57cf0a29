/* Confirmation of write tools, shared by every family that changes state upstream.
 *
 * Before anything is sent, a write tool calls tools_confirm() with a plain summary of exactly
 * what will change. When the client declared elicitation, the user is asked there: accept
 * goes ahead; decline or cancel ends the call with nothing sent. Without elicitation the
 * first call answers with a preview, and only a call with `confirm: true` goes ahead. */
#ifndef SB_TOOLS_CONFIRM_H
#define SB_TOOLS_CONFIRM_H

#include <jansson.h>
#include <stdbool.h>

#include "mcp/mcp_tool.h"

/* Returns true when the change may be made now. When it returns false the call has been
 * answered: a preview (status "preview"), a refusal (status "declined"/"cancelled"), or an
 * error when the confirmation could not be obtained. result is the structuredContent to use
 * for that answer (stolen; "status" and "summary" are added to it; may be NULL). args is the
 * call's arguments (its "confirm" member is read). */
bool tools_confirm(mcp_call *call, const json_t *args, const char *summary, json_t *result);

#endif
