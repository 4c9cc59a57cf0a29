/* Confirmation of write tools: elicitation when the client supports it, otherwise a preview
 * and a second call with confirm:true (confirm.h). Nothing is sent upstream unless this
 * returns true. */
#include "tools/confirm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void answer(mcp_call *call, json_t *result, const char *status, const char *summary,
                   const char *text)
{
    if (!result)
        result = json_object();
    json_object_set_new(result, "status", json_string(status));
    json_object_set_new(result, "summary", json_string(summary));
    mcp_call_text(call, "%s", text);
    mcp_call_structured(call, result);
}

static bool ask(mcp_call *call, const char *summary, json_t *result, bool *decided)
{
    json_t *schema = json_pack("{s:s, s:{s:{s:s, s:s, s:s}}, s:[s]}", "type", "object", "properties",
                               "confirm", "type", "boolean", "title", "Apply this change?",
                               "description", "Yes applies it now; no leaves everything as it is.",
                               "required", "confirm");
    size_t n = strlen(summary) + 64;
    char *msg = malloc(n);
    if (!schema || !msg) {
        json_decref(schema);
        free(msg);
        json_decref(result);
        mcp_call_error(call, "out of memory while asking for confirmation; nothing was changed");
        *decided = true;
        return false;
    }
    snprintf(msg, n, "%s\n\nApply this change?", summary);
    json_t *content = NULL;
    mcp_elicit_outcome o = mcp_call_elicit(call, msg, schema, &content);
    json_decref(schema);
    free(msg);
    *decided = true;
    bool yes = o == MCP_ELICIT_ACCEPT && json_is_true(json_object_get(content, "confirm"));
    json_decref(content);
    switch (o) {
    case MCP_ELICIT_ACCEPT:
        if (yes) {
            json_decref(result);
            return true;
        }
        answer(call, result, "declined", summary, "Nothing was changed: the user did not confirm.");
        return false;
    case MCP_ELICIT_DECLINE:
        answer(call, result, "declined", summary, "Nothing was changed: the user declined.");
        return false;
    case MCP_ELICIT_CANCEL:
        answer(call, result, "cancelled", summary, "Nothing was changed: the user cancelled.");
        return false;
    case MCP_ELICIT_UNSUPPORTED:
        *decided = false; /* fall back to preview + confirm:true */
        return false;
    case MCP_ELICIT_FAILED:
    default:
        json_decref(result);
        mcp_call_error(call, "Could not get the user's confirmation (no answer, or the call was "
                             "cancelled); nothing was changed.");
        return false;
    }
}

bool tools_confirm(mcp_call *call, const json_t *args, const char *summary, json_t *result)
{
    if (mcp_call_client_has(call, "elicitation")) {
        bool decided = false;
        bool go = ask(call, summary, result, &decided);
        if (decided)
            return go;
    }
    if (json_is_true(json_object_get(args, "confirm"))) {
        json_decref(result);
        return true;
    }
    size_t n = strlen(summary) + 200;
    char *text = malloc(n);
    if (text)
        snprintf(text, n, "Preview, nothing changed yet: %s\nShow this to the user; if they agree, "
                          "call the tool again with the same arguments and confirm: true.", summary);
    answer(call, result, "preview", summary, text ? text : summary);
    free(text);
    return false;
}
