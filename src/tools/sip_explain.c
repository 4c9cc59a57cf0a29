/* explain_sip_response: a SIP status code (100-699) -> reason phrase, class, what it usually
 * means in practice, the causes to check, and the Q.850 cause RFC 3398 (§8.2.6.1) maps it to.
 * Everything is data: one row per registered code; codes without a row are explained by their
 * class (RFC 3261 §21: an unknown code is treated as x00 of its class). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_tool.h"
#include "tools/tools.h"

typedef struct sip_code_row {
    int code;
    const char *reason;
    const char *meaning;
    const char *causes; /* '|'-separated list of things to check */
    int q850;           /* 0 = no mapping */
    const char *q850_note;
} sip_code_row;

static const sip_code_row sip_codes[] = {
    {100, "Trying", "The next hop received the request and is working on it; stops INVITE retransmissions.", "", 0, NULL},
    {180, "Ringing", "The callee's device is alerting.", "", 0, NULL},
    {181, "Call Is Being Forwarded", "The call is being forwarded to another destination.", "forwarding rules on the called extension", 0, NULL},
    {182, "Queued", "The callee is busy and the call waits in a queue.", "queue or call-waiting settings", 0, NULL},
    {183, "Session Progress", "Early media: announcements or ringback sent by the far end before answer.", "one-way early media: NAT or SDP addresses|PRACK / 100rel support", 0, NULL},
    {199, "Early Dialog Terminated", "A forked early dialog ended before the final response.", "forking at the proxy", 0, NULL},
    {200, "OK", "Success: the request was accepted (for INVITE, the call is answered).", "", 0, NULL},
    {202, "Accepted", "Accepted for processing (REFER, deprecated elsewhere).", "", 0, NULL},
    {204, "No Notification", "The subscription was accepted but no NOTIFY will be sent.", "", 0, NULL},
    {300, "Multiple Choices", "Several alternative addresses were returned in Contact.", "redirect handling on the caller side", 0, NULL},
    {301, "Moved Permanently", "The user moved; the new address is in Contact.", "update the dialled address", 0, NULL},
    {302, "Moved Temporarily", "Redirect to the Contact address (call forwarding by redirect).", "whether the caller follows redirects|forwarding rules", 0, NULL},
    {305, "Use Proxy", "The request must go through the proxy given in Contact.", "outbound proxy settings", 0, NULL},
    {380, "Alternative Service", "The call failed, but alternative services are possible (e.g. emergency).", "", 0, NULL},
    {400, "Bad Request", "The request was malformed and the far end could not parse it.", "malformed headers or SDP (a sip trace shows which)|an SBC or ALG rewriting packets|header size / MTU fragmentation over UDP", 41, NULL},
    {401, "Unauthorized", "The registrar or UAS asks for digest authentication (normal on the first attempt).", "a second 401 after credentials means wrong username or password|realm mismatch|clock or nonce reuse problems", 21, NULL},
    {402, "Payment Required", "Reserved; some carriers use it for no credit.", "account balance at the carrier", 21, NULL},
    {403, "Forbidden", "The request was understood and refused; retrying with credentials does not help.", "IP not allowed (ACL) on the trunk|number not permitted to dial that destination|wrong From/P-Asserted-Identity for the trunk|account disabled or out of credit|registration with the wrong auth ID", 21, NULL},
    {404, "Not Found", "The user or number does not exist at this domain.", "dialled number format (E.164, prefixes)|routing or dial plan at the PBX/carrier|the called extension exists and is registered", 1, NULL},
    {405, "Method Not Allowed", "The method is not allowed for this address.", "device does not accept that method (e.g. MESSAGE, REFER)", 63, NULL},
    {406, "Not Acceptable", "The response would need content the caller does not accept.", "Accept headers", 79, NULL},
    {407, "Proxy Authentication Required", "A proxy asks for digest authentication (normal on the first attempt).", "wrong credentials on the trunk if repeated|outbound proxy realm", 21, NULL},
    {408, "Request Timeout", "No final response in time (Timer B/F), or the far end gave up.", "callee device unreachable (NAT, firewall, unregistered)|network loss between hops|SIP over UDP with packets too large", 102, NULL},
    {410, "Gone", "The user existed but is no longer available here.", "number ported or disconnected", 22, NULL},
    {412, "Conditional Request Failed", "A PUBLISH precondition (entity tag) failed.", "presence publication state", 0, NULL},
    {413, "Request Entity Too Large", "The body is too large for the server.", "large SDP or attachments|UDP fragmentation", 127, NULL},
    {414, "Request-URI Too Long", "The Request-URI is too long.", "dial string, URI parameters", 127, NULL},
    {415, "Unsupported Media Type", "The body type is not supported (e.g. no SDP support for that format).", "Content-Type of the body|multipart bodies", 79, NULL},
    {416, "Unsupported URI Scheme", "The URI scheme (e.g. tel:, sips:) is not supported.", "tel: vs sip: URIs|TLS (sips) configuration", 127, NULL},
    {417, "Unknown Resource-Priority", "The Resource-Priority namespace is unknown.", "", 0, NULL},
    {420, "Bad Extension", "A required SIP extension (Require header) is not supported.", "Require: headers (100rel, timer) the far end does not support", 127, NULL},
    {421, "Extension Required", "The far end needs an extension the request did not offer.", "Supported: headers (e.g. timer, 100rel)", 127, NULL},
    {422, "Session Interval Too Small", "The Session-Expires interval is below the far end's minimum.", "session timer settings (Min-SE)", 0, NULL},
    {423, "Interval Too Brief", "The registration/subscription expiry is too short.", "registration expiry setting on the device", 127, NULL},
    {428, "Use Identity Header", "The far end requires an Identity header (STIR/SHAKEN).", "STIR/SHAKEN signing at the carrier", 0, NULL},
    {429, "Provide Referrer Identity", "A REFER lacks a valid Referred-By.", "transfer configuration", 0, NULL},
    {433, "Anonymity Disallowed", "The callee refuses anonymous calls.", "caller ID withheld", 0, NULL},
    {436, "Bad Identity Info", "The Identity header could not be used.", "STIR/SHAKEN certificate URL", 0, NULL},
    {437, "Unsupported Credential", "The Identity certificate is not supported.", "STIR/SHAKEN certificate", 0, NULL},
    {438, "Invalid Identity Header", "The Identity header failed verification.", "STIR/SHAKEN signature, From number vs attestation", 0, NULL},
    {439, "First Hop Lacks Outbound Support", "The first hop does not support SIP Outbound.", "", 0, NULL},
    {440, "Max-Breadth Exceeded", "Forking limit exceeded.", "forking loops", 0, NULL},
    {469, "Bad Info Package", "The INFO package is not supported.", "DTMF via SIP INFO settings", 0, NULL},
    {470, "Consent Needed", "The recipient has not consented to receive the request.", "", 0, NULL},
    {480, "Temporarily Unavailable", "The callee is known but not reachable now (not registered, DND, no answer).", "is the callee registered?|do-not-disturb or presence status|no-answer timers and forwarding|carrier: destination temporarily unreachable", 18, NULL},
    {481, "Call/Transaction Does Not Exist", "A request for a dialog or transaction the far end does not know.", "BYE/ACK after the far end already cleared the call|NAT rebinding changing the Contact|mismatched tags after a transfer", 41, NULL},
    {482, "Loop Detected", "The request came back to a server it already passed.", "routing loop between PBX and carrier|forwarding to oneself", 25, NULL},
    {483, "Too Many Hops", "Max-Forwards reached 0.", "routing loop|very long proxy chain", 25, NULL},
    {484, "Address Incomplete", "The dialled number is incomplete.", "number length and dial plan|overlap dialling", 28, NULL},
    {485, "Ambiguous", "The address matched several users.", "dial plan, aliases", 1, NULL},
    {486, "Busy Here", "The callee is busy at this device.", "callee on another call without call waiting|busy-on-busy settings|concurrent call limits on the extension", 17, NULL},
    {487, "Request Terminated", "The INVITE was cancelled (CANCEL or BYE) before answer: usually the caller hung up.", "caller gave up (normal)|ring timeout at the PBX|forking: another branch answered", 0, "no mapping (normal caller cancel; often logged as cause 16 or 127)"},
    {488, "Not Acceptable Here", "The SDP offer was refused: no common codec, transport or crypto.", "codec lists on both sides (G.711/G.729/Opus)|SRTP vs RTP mismatch|T.38 fax re-INVITE support|the Warning header names the reason", 0, "mapped from the Warning header (e.g. 65 or 31 by vendor)"},
    {489, "Bad Event", "The event package of SUBSCRIBE/NOTIFY is not supported.", "BLF / presence subscriptions", 0, NULL},
    {491, "Request Pending", "A re-INVITE crossed another one in the same dialog (glare).", "simultaneous holds/transfers; the retry happens after a random delay", 0, NULL},
    {493, "Undecipherable", "The S/MIME body could not be decrypted.", "", 0, NULL},
    {494, "Security Agreement Required", "A security mechanism must be negotiated first.", "", 0, NULL},
    {500, "Server Internal Error", "The far end hit an internal error.", "far-end server logs|malformed but parseable requests triggering bugs|resource exhaustion", 41, NULL},
    {501, "Not Implemented", "The far end does not implement the method.", "device does not support the method (e.g. UPDATE, REFER)", 79, NULL},
    {502, "Bad Gateway", "A downstream gateway returned an invalid response.", "carrier or gateway failure behind the proxy", 38, NULL},
    {503, "Service Unavailable", "The server is overloaded, in maintenance, or (from carriers) has no route.", "Retry-After present = overload|Reason Q.850 cause 34/38/3 = no route to the destination|trunk capacity (channels) exhausted|upstream carrier down", 41, NULL},
    {504, "Server Time-out", "A server timed out waiting for another server.", "downstream carrier or DNS not answering", 102, NULL},
    {505, "Version Not Supported", "The SIP version is not supported.", "non-SIP/2.0 traffic", 127, NULL},
    {513, "Message Too Large", "The message is too large.", "UDP fragmentation; switch to TCP", 127, NULL},
    {555, "Push Notification Service Not Supported", "The push service is not supported.", "mobile app push settings", 0, NULL},
    {580, "Precondition Failure", "QoS or security preconditions could not be met.", "precondition support", 0, NULL},
    {600, "Busy Everywhere", "The callee is busy and no other location will answer.", "", 17, NULL},
    {603, "Decline", "The callee explicitly declined the call.", "user pressed reject|call screening or blacklist rules", 21, NULL},
    {604, "Does Not Exist Anywhere", "The callee does not exist anywhere.", "dialled number", 1, NULL},
    {606, "Not Acceptable", "The callee's agent cannot accept the session (media) anywhere.", "codecs and media capabilities; see Warning", 0, "mapped from the Warning header"},
    {607, "Unwanted", "The callee marked the call as unwanted (spam).", "caller reputation / STIR attestation", 0, NULL},
    {608, "Rejected", "An intermediary rejected the call (analytics, robocall blocking).", "carrier call-blocking; the response may carry contact info for redress", 0, NULL},
};

static const struct { int cause; const char *name; } q850_names[] = {
    {1, "Unallocated (unassigned) number"}, {17, "User busy"}, {18, "No user responding"},
    {21, "Call rejected"}, {22, "Number changed"}, {25, "Exchange routing error"},
    {28, "Invalid number format (address incomplete)"}, {38, "Network out of order"},
    {41, "Temporary failure"}, {63, "Service or option not available, unspecified"},
    {79, "Service or option not implemented, unspecified"}, {102, "Recovery on timer expiry"},
    {127, "Interworking, unspecified"},
};

static const struct { const char *name; const char *meaning; } sip_classes[] = {
    {"provisional", "Provisional: the request is in progress; a final response follows."},
    {"success", "Success: the request was accepted."},
    {"redirection", "Redirection: the caller should try the address(es) in Contact."},
    {"client error", "Client error: the request cannot be fulfilled as sent (address, auth, "
                     "format); retrying unchanged will fail again."},
    {"server error", "Server error: a server failed to handle a valid request; another server or "
                     "a later retry may succeed."},
    {"global failure", "Global failure: the request will fail at every location."},
};

static const char *q850_name(int cause)
{
    for (size_t i = 0; i < sizeof q850_names / sizeof q850_names[0]; i++)
        if (q850_names[i].cause == cause)
            return q850_names[i].name;
    return NULL;
}

static const sip_code_row *find_row(int code)
{
    for (size_t i = 0; i < sizeof sip_codes / sizeof sip_codes[0]; i++)
        if (sip_codes[i].code == code)
            return &sip_codes[i];
    return NULL;
}

static json_t *split_causes(const char *causes)
{
    json_t *arr = json_array();
    for (const char *p = causes; p && *p;) {
        size_t n = strcspn(p, "|");
        if (n)
            json_array_append_new(arr, json_stringn(p, n));
        p += n + (p[n] == '|');
    }
    return arr;
}

static void explain(mcp_call *call, const json_t *args)
{
    int code = (int)json_integer_value(json_object_get(args, "code"));
    const sip_code_row *row = find_row(code);
    const sip_code_row *base = row ? row : find_row(code / 100 * 100);
    int cls = code / 100;
    json_t *o = json_object();
    json_object_set_new(o, "code", json_integer(code));
    json_object_set_new(o, "reason", json_string(row ? row->reason : "(unregistered code)"));
    json_object_set_new(o, "class", json_string(sip_classes[cls - 1].name));
    json_object_set_new(o, "registered", json_boolean(row != NULL));
    json_object_set_new(o, "meaning",
                        json_string(row ? row->meaning : sip_classes[cls - 1].meaning));
    json_object_set_new(o, "causes_to_check", split_causes(base ? base->causes : ""));
    int q = base ? base->q850 : 0;
    if (q)
        json_object_set_new(o, "q850", json_pack("{s:i, s:s}", "cause", q, "name", q850_name(q)));
    else
        json_object_set_new(o, "q850", json_null());
    if (base && base->q850_note)
        json_object_set_new(o, "q850_note", json_string(base->q850_note));
    if (!row)
        json_object_set_new(o, "note", json_string("Not a registered code: RFC 3261 §21 says to "
                                                   "treat it as the x00 code of its class."));

    /* one text block: the same facts as the structured result, for a person */
    const char *src = base && base->causes ? base->causes : "";
    char *causes = malloc(2 * strlen(src) + 1), *w = causes;
    for (const char *p = src; *p; p++) {
        if (*p == '|')
            *w++ = ';', *w++ = ' ';
        else
            *w++ = *p;
    }
    *w = '\0';
    char q850[160] = "";
    if (q)
        snprintf(q850, sizeof q850, "\nQ.850 cause (RFC 3398): %d %s", q, q850_name(q));
    else if (base && base->q850_note)
        snprintf(q850, sizeof q850, "\nQ.850 cause: %s", base->q850_note);
    mcp_call_text(call, "SIP %d %s (%s)\n%s%s%s%s", code, row ? row->reason : "(unregistered)",
                  sip_classes[cls - 1].name, row ? row->meaning : sip_classes[cls - 1].meaning,
                  q850, *causes ? "\nCheck: " : "", causes);
    free(causes);
    mcp_call_structured(call, o);
}

static const mcp_param explain_params[] = {
    {.name = "code", .type = MCP_T_INTEGER, .required = true,
     .description = "SIP status code, 100-699 (e.g. 486, 503)",
     .minimum = MCP_BOUND(100), .maximum = MCP_BOUND(699)},
    {0},
};

static const char explain_output[] =
    "{\"type\":\"object\",\"required\":[\"code\",\"reason\",\"class\",\"registered\",\"meaning\","
    "\"causes_to_check\",\"q850\"],\"properties\":{"
    "\"code\":{\"type\":\"integer\"},\"reason\":{\"type\":\"string\"},"
    "\"class\":{\"type\":\"string\",\"enum\":[\"provisional\",\"success\",\"redirection\","
    "\"client error\",\"server error\",\"global failure\"]},"
    "\"registered\":{\"type\":\"boolean\"},\"meaning\":{\"type\":\"string\"},"
    "\"causes_to_check\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"q850\":{\"type\":[\"object\",\"null\"],\"properties\":{\"cause\":{\"type\":\"integer\"},"
    "\"name\":{\"type\":\"string\"}}},"
    "\"q850_note\":{\"type\":\"string\"},\"note\":{\"type\":\"string\"}}}";

static const mcp_tool_def sip_explain_tools[] = {
    {.name = "explain_sip_response",
     .title = "Explain a SIP response code",
     .description = "Explains a SIP status code (100-699): reason phrase, class, what it usually "
                    "means on a PBX or trunk, the causes to check first, and the Q.850 cause it "
                    "maps to (RFC 3398). Use it to read a failed call's final response.",
     .params = explain_params,
     .annotations = MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT,
     .output_schema = explain_output,
     .handler = explain,
     .flags = MCP_TOOL_INLINE},
    {0},
};

int sip_explain_tools_register(mcp_registry *reg, const sb_options *opt)
{
    (void)opt;
    mcp_registry_add_hint(reg, "SIP response codes",
                          "what a status code such as 486 or 503 means and which Q.850 cause "
                          "it maps to -> explain_sip_response");
    return mcp_registry_add_table(reg, sip_explain_tools, NULL);
}
