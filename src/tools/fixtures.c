/* The fixtures the official MCP conformance suite (0.1.16) calls, by their fixed names, plus an
 * `echo` tool for the stdio benchmark. Registered only with --conformance-fixtures: they prove
 * the core end to end (content types, logging, progress, sampling, elicitation, resources,
 * templates, prompts, completion) with the suite as the judge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcp/mcp_resource.h"
#include "mcp/mcp_tool.h"
#include "tools/tools.h"

/* a 1x1 PNG and a 8-sample 8 kHz WAV */
static const char png_b64[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
static const char wav_b64[] =
    "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA";

static void sleep_ms(mcp_call *call, int ms)
{
    for (int waited = 0; waited < ms && !mcp_call_cancelled(call); waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static json_t *media_block(const char *type, const char *data, const char *mime)
{
    return json_pack("{s:s, s:s, s:s}", "type", type, "data", data, "mimeType", mime);
}

static json_t *resource_block(const char *uri, const char *mime, const char *text)
{
    return json_pack("{s:s, s:{s:s, s:s, s:s}}", "type", "resource", "resource", "uri", uri,
                     "mimeType", mime, "text", text);
}

/* ---- tools ------------------------------------------------------------------------------- */

static void echo(mcp_call *call, const json_t *args)
{
    mcp_call_text(call, "%s", json_string_value(json_object_get(args, "message")));
}

static void simple_text(mcp_call *call, const json_t *args)
{
    mcp_call_text(call, "This is a simple text response for testing.");
}

static void image_content(mcp_call *call, const json_t *args)
{
    mcp_call_content(call, media_block("image", png_b64, "image/png"));
}

static void audio_content(mcp_call *call, const json_t *args)
{
    mcp_call_content(call, media_block("audio", wav_b64, "audio/wav"));
}

static void embedded_resource(mcp_call *call, const json_t *args)
{
    mcp_call_content(call, resource_block("test://embedded-resource", "text/plain",
                                          "This is an embedded resource content."));
}

static void multiple_content(mcp_call *call, const json_t *args)
{
    mcp_call_text(call, "Multiple content types test:");
    mcp_call_content(call, media_block("image", png_b64, "image/png"));
    mcp_call_content(call, resource_block("test://mixed-content-resource", "application/json",
                                          "{\"test\":\"data\",\"value\":123}"));
}

static void with_logging(mcp_call *call, const json_t *args)
{
    mcp_call_log(call, "info", "fixtures", "Tool execution started");
    sleep_ms(call, 50);
    mcp_call_log(call, "info", "fixtures", "Tool processing data");
    sleep_ms(call, 50);
    mcp_call_log(call, "info", "fixtures", "Tool execution completed");
    mcp_call_text(call, "Tool with logging executed successfully");
}

static void with_progress(mcp_call *call, const json_t *args)
{
    mcp_call_progress(call, 0, 100, NULL);
    sleep_ms(call, 50);
    mcp_call_progress(call, 50, 100, NULL);
    sleep_ms(call, 50);
    mcp_call_progress(call, 100, 100, NULL);
    mcp_call_text(call, "Tool with progress executed successfully");
}

static void error_handling(mcp_call *call, const json_t *args)
{
    mcp_call_error(call, "This tool intentionally returns an error for testing");
}

static void sampling(mcp_call *call, const json_t *args)
{
    if (!mcp_call_client_has(call, "sampling")) {
        mcp_call_error(call, "The client does not support sampling");
        return;
    }
    json_t *params = json_pack(
        "{s:[{s:s, s:{s:s, s:s}}], s:i}", "messages", "role", "user", "content", "type", "text",
        "text", json_string_value(json_object_get(args, "prompt")), "maxTokens", 100);
    json_t *result = NULL;
    if (mcp_call_request(call, "sampling/createMessage", params, &result) < 0) {
        mcp_call_error(call, "Sampling failed (the client refused, timed out or the call was "
                             "cancelled)");
        return;
    }
    const char *text = json_string_value(json_object_get(json_object_get(result, "content"),
                                                         "text"));
    mcp_call_text(call, "LLM response: %s", text ? text : "(no text)");
    json_decref(result);
}

static void report_elicitation(mcp_call *call, mcp_elicit_outcome o, json_t *content,
                               const char *prefix)
{
    static const char *const names[] = {"accept", "decline", "cancel", "unsupported", "failed"};
    char *c = content ? json_dumps(content, JSON_COMPACT) : NULL;
    if (o == MCP_ELICIT_UNSUPPORTED || o == MCP_ELICIT_FAILED)
        mcp_call_error(call, "Elicitation %s", names[o]);
    else
        mcp_call_text(call, "%saction=%s, content=%s", prefix, names[o], c ? c : "{}");
    free(c);
    json_decref(content);
}

static void elicitation(mcp_call *call, const json_t *args)
{
    json_t *schema = json_pack(
        "{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:[s, s]}", "type", "object", "properties",
        "username", "type", "string", "description", "User's response", "email", "type",
        "string", "description", "User's email address", "required", "username", "email");
    json_t *content = NULL;
    mcp_elicit_outcome o = mcp_call_elicit(
        call, json_string_value(json_object_get(args, "message")), schema, &content);
    json_decref(schema);
    report_elicitation(call, o, content, "User response: ");
}

static void elicitation_defaults(mcp_call *call, const json_t *args)
{
    json_t *schema = json_loads(
        "{\"type\":\"object\",\"properties\":{"
        "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
        "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
        "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
        "\"status\":{\"type\":\"string\",\"description\":\"User status\","
        "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
        "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\","
        "\"default\":true}},\"required\":[]}", 0, NULL);
    json_t *content = NULL;
    mcp_elicit_outcome o = mcp_call_elicit(
        call, "Test client default value handling - please accept with defaults", schema,
        &content);
    json_decref(schema);
    report_elicitation(call, o, content, "Elicitation completed: ");
}

static void elicitation_enums(mcp_call *call, const json_t *args)
{
    json_t *schema = json_loads(
        "{\"type\":\"object\",\"properties\":{"
        "\"untitledSingle\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]},"
        "\"titledSingle\":{\"type\":\"string\",\"oneOf\":[{\"const\":\"value1\",\"title\":"
        "\"First Option\"},{\"const\":\"value2\",\"title\":\"Second Option\"},{\"const\":"
        "\"value3\",\"title\":\"Third Option\"}]},"
        "\"legacyEnum\":{\"type\":\"string\",\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
        "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
        "\"untitledMulti\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":"
        "[\"option1\",\"option2\",\"option3\"]}},"
        "\"titledMulti\":{\"type\":\"array\",\"items\":{\"anyOf\":[{\"const\":\"value1\","
        "\"title\":\"First Choice\"},{\"const\":\"value2\",\"title\":\"Second Choice\"},"
        "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}},\"required\":[]}", 0, NULL);
    json_t *content = NULL;
    mcp_elicit_outcome o = mcp_call_elicit(call, "Test enum schema variants", schema, &content);
    json_decref(schema);
    report_elicitation(call, o, content, "Elicitation completed: ");
}

static void schema_2020_12(mcp_call *call, const json_t *args)
{
    char *a = json_dumps(args, JSON_COMPACT);
    mcp_call_text(call, "Received: %s", a ? a : "{}");
    free(a);
}

/* Sleeps `ms` in 10 ms steps, reporting progress, until done or cancelled: exercises the
 * worker pool (ping and other calls answer meanwhile) and cancellation. */
static void slow(mcp_call *call, const json_t *args)
{
    json_int_t ms = json_integer_value(json_object_get(args, "ms"));
    json_int_t waited = 0;
    for (; waited < ms && !mcp_call_cancelled(call); waited += 10) {
        if (waited % 100 == 0)
            mcp_call_progress(call, (double)waited, (double)ms, "sleeping");
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (mcp_call_cancelled(call))
        mcp_call_error(call, "cancelled after %lld ms", (long long)waited);
    else
        mcp_call_text(call, "slept %lld ms", (long long)ms);
}

/* Writes to stdout behind the protocol's back, as a careless library might: serve must have
 * pointed fd 1 at stderr so the protocol channel stays clean. */
static void stdout_guard(mcp_call *call, const json_t *args)
{
    printf("stray output from a handler\n");
    fflush(stdout);
    mcp_call_text(call, "wrote to stdout");
}

static const mcp_param slow_params[] = {
    {.name = "ms", .type = MCP_T_INTEGER, .description = "How long to sleep",
     .default_json = "1000", .minimum = MCP_BOUND(0), .maximum = MCP_BOUND(60000)},
    {0},
};

static const mcp_param echo_params[] = {
    {.name = "message", .type = MCP_T_STRING, .required = true,
     .description = "The text to send back"},
    {0},
};
static const mcp_param sampling_params[] = {
    {.name = "prompt", .type = MCP_T_STRING, .required = true,
     .description = "The prompt to send to the LLM"},
    {0},
};
static const mcp_param elicitation_params[] = {
    {.name = "message", .type = MCP_T_STRING, .required = true,
     .description = "The message to show the user"},
    {0},
};

static const char schema_2020_12_json[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
    "\"$defs\":{\"address\":{\"type\":\"object\",\"properties\":{\"street\":{\"type\":\"string\"},"
    "\"city\":{\"type\":\"string\"}}}},\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"address\":{\"$ref\":\"#/$defs/address\"}},\"additionalProperties\":false}";

#define RO (MCP_ANN_READ_ONLY | MCP_ANN_IDEMPOTENT)
static const mcp_tool_def fixture_tools[] = {
    {.name = "echo", .description = "Echo the message back (benchmarks)", .params = echo_params,
     .annotations = RO, .handler = echo, .flags = MCP_TOOL_INLINE},
    {.name = "test_write_echo", .description = "Echo, declared as changing state (write-gate tests)",
     .params = echo_params, .annotations = MCP_ANN_DESTRUCTIVE, .handler = echo,
     .flags = MCP_TOOL_WRITE},
    {.name = "test_stdout_guard", .description = "Prints to stdout (the protocol must not see it)",
     .handler = stdout_guard},
    {.name = "slow", .description = "Sleeps, reporting progress; honours cancellation (tests)",
     .params = slow_params, .annotations = RO, .handler = slow},
    {.name = "test_simple_text", .description = "Returns a simple text response",
     .annotations = RO, .handler = simple_text},
    {.name = "test_image_content", .description = "Returns an image", .annotations = RO,
     .handler = image_content},
    {.name = "test_audio_content", .description = "Returns audio", .annotations = RO,
     .handler = audio_content},
    {.name = "test_embedded_resource", .description = "Returns an embedded resource",
     .annotations = RO, .handler = embedded_resource},
    {.name = "test_multiple_content_types", .description = "Returns text, image and resource",
     .annotations = RO, .handler = multiple_content},
    {.name = "test_tool_with_logging", .description = "Sends three log messages",
     .annotations = RO, .handler = with_logging},
    {.name = "test_tool_with_progress", .description = "Reports progress 0, 50, 100 of 100",
     .annotations = RO, .handler = with_progress},
    {.name = "test_error_handling", .description = "Always returns an error result",
     .annotations = RO, .handler = error_handling},
    {.name = "test_sampling", .description = "Asks the client's LLM (sampling)",
     .params = sampling_params, .handler = sampling},
    {.name = "test_elicitation", .description = "Asks the user (elicitation)",
     .params = elicitation_params, .handler = elicitation},
    {.name = "test_elicitation_sep1034_defaults",
     .description = "Elicitation with defaults for every primitive type",
     .handler = elicitation_defaults},
    {.name = "test_elicitation_sep1330_enums",
     .description = "Elicitation with the five enum variants", .handler = elicitation_enums},
    {.name = "json_schema_2020_12_tool", .description = "Tool with JSON Schema 2020-12 features",
     .annotations = RO, .handler = schema_2020_12},
    {0},
};

/* ---- resources --------------------------------------------------------------------------- */

static void read_static_text(mcp_call *call, const char *uri, const json_t *vars)
{
    mcp_resource_text(call, uri, "text/plain", "This is the content of the static text resource.");
}

static void read_static_binary(mcp_call *call, const char *uri, const json_t *vars)
{
    static const unsigned char png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
        0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
        0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
        0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47,
        0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    mcp_resource_blob(call, uri, "image/png", png, sizeof png);
}

static void read_template(mcp_call *call, const char *uri, const json_t *vars)
{
    const char *id = json_string_value(json_object_get(vars, "id"));
    json_t *o = json_pack("{s:s, s:b, s:s+}", "id", id, "templateTest", 1, "data",
                          "Data for ID: ", id);
    char *text = json_dumps(o, JSON_COMPACT);
    mcp_resource_text(call, uri, "application/json", text);
    free(text);
    json_decref(o);
}

static void read_watched(mcp_call *call, const char *uri, const json_t *vars)
{
    mcp_resource_text(call, uri, "text/plain", "Watched resource content");
}

static json_t *complete_id(void *data, const char *name, const char *value,
                           const json_t *context)
{
    json_t *out = json_array();
    static const char *const ids[] = {"1", "2", "3", "42", "123"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (!strncmp(ids[i], value, strlen(value)))
            json_array_append_new(out, json_string(ids[i]));
    return out;
}

static const mcp_resource_def fixture_resources[] = {
    {.uri = "test://static-text", .name = "static-text", .description = "A static text resource",
     .mime_type = "text/plain", .read = read_static_text},
    {.uri = "test://static-binary", .name = "static-binary",
     .description = "A static binary resource (PNG)", .mime_type = "image/png",
     .read = read_static_binary},
    {.uri = "test://watched-resource", .name = "watched-resource",
     .description = "A resource to subscribe to", .mime_type = "text/plain",
     .read = read_watched},
    {.uri_template = "test://template/{id}/data", .name = "template-data",
     .description = "Data for an id", .mime_type = "application/json", .read = read_template,
     .complete = complete_id},
    {0},
};

/* ---- prompts ----------------------------------------------------------------------------- */

static void prompt_simple(mcp_call *call, const json_t *args)
{
    mcp_prompt_text(call, "user", "This is a simple prompt for testing.");
}

static void prompt_args(mcp_call *call, const json_t *args)
{
    mcp_prompt_text(call, "user", "Prompt with arguments: arg1='%s', arg2='%s'",
                    json_string_value(json_object_get(args, "arg1")),
                    json_string_value(json_object_get(args, "arg2")));
}

static void prompt_embedded(mcp_call *call, const json_t *args)
{
    mcp_prompt_message(call, "user",
                       resource_block(json_string_value(json_object_get(args, "resourceUri")),
                                      "text/plain", "Embedded resource content for testing."));
    mcp_prompt_text(call, "user", "Please process the embedded resource above.");
}

static void prompt_image(mcp_call *call, const json_t *args)
{
    mcp_prompt_message(call, "user", media_block("image", png_b64, "image/png"));
    mcp_prompt_text(call, "user", "Please analyze the image above.");
}

static json_t *complete_arg1(void *data, const char *name, const char *value,
                             const json_t *context)
{
    static const char *const words[] = {"paris", "park", "party", "hello", "world"};
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(name, "arg1") && !strncmp(words[i], value, strlen(value)))
            json_array_append_new(out, json_string(words[i]));
    return out;
}

static const mcp_prompt_arg args_two[] = {
    {"arg1", "First test argument", true},
    {"arg2", "Second test argument", true},
    {0},
};
static const mcp_prompt_arg args_uri[] = {
    {"resourceUri", "URI of the resource to embed", true},
    {0},
};

static const mcp_prompt_def fixture_prompts[] = {
    {.name = "test_simple_prompt", .description = "A simple prompt", .get = prompt_simple},
    {.name = "test_prompt_with_arguments", .description = "A prompt with two arguments",
     .args = args_two, .get = prompt_args, .complete = complete_arg1},
    {.name = "test_prompt_with_embedded_resource",
     .description = "A prompt with an embedded resource", .args = args_uri,
     .get = prompt_embedded},
    {.name = "test_prompt_with_image", .description = "A prompt with an image",
     .get = prompt_image},
    {0},
};

int fixtures_tools_register(mcp_registry *reg, const sb_options *opt)
{
    if (!opt->conformance_fixtures)
        return 0;
    int rc = 0;
    rc |= mcp_registry_add_table(reg, fixture_tools, NULL);
    rc |= mcp_registry_set_input_schema(reg, "json_schema_2020_12_tool", schema_2020_12_json);
    rc |= mcp_registry_add_resources(reg, fixture_resources, NULL);
    rc |= mcp_registry_add_prompts(reg, fixture_prompts, NULL);
    mcp_registry_add_hint(reg, "Conformance fixtures",
                          "test_* tools, test:// resources and test_* prompts exist only for the "
                          "MCP conformance suite; echo is for benchmarks");
    return rc ? -1 : 0;
}
