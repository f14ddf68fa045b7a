/*  hotline: HTTP work orders in, through the shared submit path (see hotline.h). */
#include "hotline.h"

#include <czmq.h>
#include <jansson.h>

#include "sq_call.h"
#include "sq_envelope.h"
#include "sq_http.h"
#include "sq_log.h"
#include "sq_number.h"
#include "sq_submit.h"

#define S_PREFIX "/v1/workorders"

struct _hotline_t {
    const sq_config_t *config;   //  borrowed
    sq_limits_t limits;
    sq_submit_t *submit;
    sq_http_t *http;
};

static const char *const s_channels[] = {"hotline12345", "hotline12315", NULL};

//  Errors as {"error": ..., "field": ...}.
static void s_error(void *app, sq_http_request_t *request, unsigned status, const char *field,
                    const char *message)
{
    (void) app;
    json_t *object = json_pack("{s:s}", "error", message);
    if (field && *field)
        json_object_set_new(object, "field", json_string(field));
    sq_http_reply_json(request, status, object);
}

//  The answer for a work order kept in the spool.
static json_t *s_spooled(const char *channel, const char *external_id, int64_t spooled_at)
{
    char *lookup = zsys_sprintf(S_PREFIX "?channel=%s&external_id=%s", channel, external_id);
    char at[32] = "";
    time_t when = (time_t) spooled_at;
    struct tm local;
    if (spooled_at && localtime_r(&when, &local))
        strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S%z", &local);
    json_t *answer = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "status", "spooled", "receipt",
                               external_id, "channel", channel, "external_id", external_id,
                               "message", "received; the work-order number follows", "lookup",
                               lookup);
    if (*at)
        json_object_set_new(answer, "spooled_at", json_string(at));
    zstr_free(&lookup);
    return answer;
}

static void s_post_workorder(void *app, sq_http_request_t *request)
{
    hotline_t *self = (hotline_t *) app;
    if (!sq_http_content_type_is(request, "application/json")) {
        sq_http_error(request, 415, NULL, "send Content-Type: application/json");
        return;
    }
    size_t length = 0;
    const char *body = sq_http_body(request, &length);
    sq_field_error_t error = {"", ""};
    json_t *envelope = sq_envelope_from_hotline(body, length, &self->limits, &error);
    if (!envelope) {
        sq_warn_limited("POST %s refused: %s%s%s", S_PREFIX, error.field,
                        *error.field ? ": " : "", error.message);
        sq_http_error(request, 400, error.field, error.message);
        return;
    }
    sq_submit_result_t result;
    sq_submit_envelope(self->submit, envelope, &result);
    const char *channel = json_string_value(json_object_get(envelope, "channel"));
    const char *external_id = json_string_value(json_object_get(envelope, "external_id"));
    if (result.status == 200 || result.status == 201)
        sq_http_reply_json(request, result.status,
                           json_pack("{s:s, s:s, s:s}", "number", result.number, "channel",
                                     channel, "external_id", external_id));
    else if (result.status == 202)
        sq_http_reply_json(request, 202, s_spooled(channel, external_id, (int64_t) time(NULL)));
    else
        sq_http_error(request, result.status, result.field, result.message);
    json_decref(envelope);
}

//  A call record of the telephone queue, for the answer rate: checked here for a quick 400,
//  recorded by suqiu.calls.  No spool: the platform sends its records again with the same
//  call_id when the answer is 503.
static void s_post_call(void *app, sq_http_request_t *request)
{
    hotline_t *self = (hotline_t *) app;
    if (!sq_http_content_type_is(request, "application/json")) {
        sq_http_error(request, 415, NULL, "send Content-Type: application/json");
        return;
    }
    size_t length = 0;
    const char *body = sq_http_body(request, &length);
    sq_field_error_t error = {"", ""};
    json_t *record = sq_call_from_body(body, length, &error);
    if (!record) {
        sq_warn_limited("POST /v1/calls refused: %s%s%s", error.field, *error.field ? ": " : "",
                        error.message);
        sq_http_error(request, 400, error.field, error.message);
        return;
    }
    char *text = json_dumps(record, JSON_COMPACT);
    json_decref(record);
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, text);
    free(text);
    char *answer = NULL;
    int code = sq_submit_ask(self->submit, "suqiu.calls", &message, &answer);
    if (code)
        sq_http_reply(request, (unsigned) code, "application/json; charset=utf-8", answer,
                      strlen(answer));
    else
        sq_http_error(request, 503, NULL, "the hub did not record it in time; send it again "
                                          "with the same call_id");
    free(answer);
}

static void s_lookup(hotline_t *self, sq_http_request_t *request, zmsg_t **message)
{
    char *answer = NULL;
    int code = sq_submit_ask(self->submit, "suqiu.lookup", message, &answer);
    if (code)
        sq_http_reply(request, (unsigned) code, "application/json; charset=utf-8", answer,
                      strlen(answer));
    else
        sq_http_error(request, 503, NULL, "the hub did not answer in time; retry");
    free(answer);
}

static void s_get_workorder(void *app, sq_http_request_t *request)
{
    const char *number = sq_http_tail(request);
    if (!sq_number_valid(number)) {
        sq_http_error(request, 400, "number", "not a work-order number (e.g. 12345-20261123-000042)");
        return;
    }
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "number");
    zmsg_addstr(message, number);
    s_lookup((hotline_t *) app, request, &message);
}

static void s_find_workorder(void *app, sq_http_request_t *request)
{
    hotline_t *self = (hotline_t *) app;
    const char *channel = sq_http_query(request, "channel");
    const char *external_id = sq_http_query(request, "external_id");
    if (!channel || !sq_channel_known(channel)) {
        sq_http_error(request, 400, "channel",
                      "must be one of hotline12345, hotline12315, web, wechat, email");
        return;
    }
    if (!external_id || !*external_id || strlen(external_id) > 128) {
        sq_http_error(request, 400, "external_id", "is required (1 to 128 characters)");
        return;
    }
    int64_t spooled_at = 0;
    if (sq_submit_spooled(self->submit, channel, external_id, &spooled_at)) {
        sq_http_reply_json(request, 202, s_spooled(channel, external_id, spooled_at));
        return;
    }
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "key");
    zmsg_addstr(message, channel);
    zmsg_addstr(message, external_id);
    s_lookup(self, request, &message);
}

static void s_health(void *app, sq_http_request_t *request)
{
    hotline_t *self = (hotline_t *) app;
    if (sq_submit_served(self->submit, "suqiu.intake"))
        sq_http_reply_json(request, 200,
                           json_pack("{s:s, s:I}", "status", "ok", "spooled",
                                     (json_int_t) sq_submit_waiting(self->submit)));
    else
        sq_http_error(request, 503, NULL, "no intake worker is reachable");
}

static const sq_http_route_t s_routes[] = {
    {"GET", "/v1/health", s_health},
    {"POST", S_PREFIX, s_post_workorder},
    {"POST", S_PREFIX "/", s_post_workorder},
    {"GET", S_PREFIX, s_find_workorder},
    {"GET", S_PREFIX "/", s_find_workorder},
    {"GET", S_PREFIX "/*", s_get_workorder},
    {"POST", "/v1/calls", s_post_call},
    {"POST", "/v1/calls/", s_post_call},
    {NULL, NULL, NULL},
};

hotline_t *hotline_new(const sq_config_t *config)
{
    hotline_t *self = (hotline_t *) zmalloc(sizeof *self);
    self->config = config;
    self->limits = (sq_limits_t){config->limits_title_max_chars, config->limits_content_max_chars,
                                 config->limits_field_max_chars};
    self->submit = sq_submit_open(config, config->hotline_broker_timeout_ms,
                                  config->hotline_broker_retries, s_channels, true);
    if (!self->submit) {
        hotline_destroy(&self);
        return NULL;
    }
    sq_http_setup_t http = {
        .name = "hotline",
        .address = config->hotline_address,
        .port = config->hotline_port,
        .threads = config->hotline_threads,
        .max_body_bytes = (size_t) config->hotline_max_body_bytes,
        .timeout_s = 30,
        .routes = s_routes,
        .error = s_error,
        .app = self,
    };
    if (!(self->http = sq_http_new(&http)))
        hotline_destroy(&self);
    return self;
}

void hotline_destroy(hotline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hotline_t *self = *self_p;
    sq_http_destroy(&self->http);
    sq_submit_destroy(&self->submit);
    free(self);
    *self_p = NULL;
}
