/*  open311: GeoReport v2 on the web door: services, requests and tokens in JSON and XML, with
    the specification's errors (see web.h). */
#include <czmq.h>
#include <libxml/xmlwriter.h>
#include <time.h>

#include "sq_log.h"
#include "sq_number.h"
#include "sq_token.h"
#include "web_app.h"

#define S_LIST_MAX 1000
#define S_WINDOW_DAYS 90
#define S_NUMBERS_MAX 1000

typedef enum { S_NONE = 0, S_JSON, S_XML, S_HTML } s_format_t;

//  Split "requests/WEB-20261203-000001.json" into the resource and its format.  A resource too
//  long for the buffer is left empty (no resource has such a name) but keeps its format, so that
//  its 404 comes in the format asked for.
static s_format_t s_split(const char *tail, char *resource, size_t size)
{
    const char *dot = strrchr(tail, '.');
    resource[0] = 0;
    if (!dot || strchr(dot, '/'))
        return S_NONE;
    if ((size_t) (dot - tail) < size)
        snprintf(resource, size, "%.*s", (int) (dot - tail), tail);
    return streq(dot, ".json") ? S_JSON : streq(dot, ".xml") ? S_XML : streq(dot, ".html") ? S_HTML : S_NONE;
}

//  --------------------------------------------------------------------------
//  Rendering: one JSON value, written as JSON or as the specification's XML

static void s_xml_value(xmlTextWriterPtr writer, const char *name, json_t *value);

//  "attributes" -> "attribute", "values" -> "value": the element of each array item.
static void s_singular(const char *plural, char *out, size_t size)
{
    size_t length = strlen(plural);
    snprintf(out, size, "%.*s", (int) (length > 1 && plural[length - 1] == 's' ? length - 1 : length),
             plural);
}

static void s_xml_fields(xmlTextWriterPtr writer, json_t *object)
{
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value) s_xml_value(writer, key, value);
}

static void s_xml_value(xmlTextWriterPtr writer, const char *name, json_t *value)
{
    char text[64];
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        xmlTextWriterStartElement(writer, BAD_CAST name);
        s_xml_fields(writer, value);
        xmlTextWriterEndElement(writer);
        return;
    case JSON_ARRAY: {
        char item[64];
        s_singular(name, item, sizeof item);
        xmlTextWriterStartElement(writer, BAD_CAST name);
        size_t index;
        json_t *element;
        json_array_foreach(value, index, element) s_xml_value(writer, item, element);
        xmlTextWriterEndElement(writer);
        return;
    }
    case JSON_STRING:
        xmlTextWriterWriteElement(writer, BAD_CAST name, BAD_CAST json_string_value(value));
        return;
    case JSON_INTEGER:
        snprintf(text, sizeof text, "%lld", (long long) json_integer_value(value));
        break;
    case JSON_REAL:
        snprintf(text, sizeof text, "%.7f", json_real_value(value));
        break;
    case JSON_TRUE:
        snprintf(text, sizeof text, "true");
        break;
    case JSON_FALSE:
        snprintf(text, sizeof text, "false");
        break;
    default:   //  null: an empty element, as the specification's examples show
        xmlTextWriterStartElement(writer, BAD_CAST name);
        xmlTextWriterEndElement(writer);
        return;
    }
    xmlTextWriterWriteElement(writer, BAD_CAST name, BAD_CAST text);
}

//  Answer value (consumed): a list of items under root (each an `item` element), or with item
//  NULL one object as root's fields.
static void s_reply(sq_http_request_t *request, unsigned status, s_format_t format, const char *root,
                    const char *item, json_t *value)
{
    if (format != S_XML) {
        sq_http_reply_json(request, status, value);
        return;
    }
    xmlBufferPtr buffer = xmlBufferCreate();
    xmlTextWriterPtr writer = xmlNewTextWriterMemory(buffer, 0);
    xmlTextWriterStartDocument(writer, NULL, "UTF-8", NULL);
    if (item) {
        xmlTextWriterStartElement(writer, BAD_CAST root);
        size_t index;
        json_t *element;
        json_array_foreach(value, index, element) s_xml_value(writer, item, element);
        xmlTextWriterEndElement(writer);
    }
    else
        s_xml_value(writer, root, value);
    xmlTextWriterEndDocument(writer);
    xmlFreeTextWriter(writer);
    sq_http_reply(request, status, "text/xml; charset=utf-8", (const char *) buffer->content,
                  (size_t) buffer->use);
    xmlBufferFree(buffer);
    json_decref(value);
}

void open311_error(web_t *self, sq_http_request_t *request, unsigned status, const char *message)
{
    (void) self;
    char resource[256];
    s_format_t format = s_split(sq_http_path(request), resource, sizeof resource);
    json_t *errors = json_pack("[{s:i, s:s}]", "code", (int) status, "description", message);
    s_reply(request, status, format == S_XML ? S_XML : S_JSON, "errors", "error", errors);
}

//  --------------------------------------------------------------------------
//  Services

static json_t *s_service(const sq_category_t *category)
{
    char *keywords = zsys_sprintf("%s,%s", category->name, category->group);
    json_t *service = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "service_code", category->id,
                                "service_name", category->name, "description", category->description,
                                "metadata", 0, "type", "realtime", "keywords", keywords, "group",
                                category->group);
    zstr_free(&keywords);
    return service;
}

static void s_services(web_t *self, sq_http_request_t *request, s_format_t format)
{
    json_t *services = json_array();
    for (size_t i = 0; i < sq_catalog_category_count(self->catalog); i++)
        json_array_append_new(services, s_service(sq_catalog_category_at(self->catalog, i)));
    s_reply(request, 200, format, "services", "service", services);
}

static void s_service_definition(web_t *self, sq_http_request_t *request, s_format_t format,
                                 const char *code)
{
    if (!sq_catalog_category(self->catalog, code)) {
        sq_http_error(request, 404, "service_code", "no such service_code");
        return;
    }
    s_reply(request, 200, format, "service_definition", NULL,
            json_pack("{s:s, s:[]}", "service_code", code, "attributes"));
}

//  --------------------------------------------------------------------------
//  Requests and tokens

//  Ask suqiu.lookup; the answer's JSON (the caller's) with its status, or NULL after answering.
static json_t *s_lookup(web_t *self, sq_http_request_t *request, zmsg_t **message, int *code)
{
    char *answer = NULL;
    *code = sq_submit_ask(self->submit, "suqiu.lookup", message, &answer);
    json_t *value = answer ? json_loads(answer, 0, NULL) : NULL;
    free(answer);
    if (!*code || !value || *code >= 500) {
        sq_http_error(request, 503, NULL, "the hub did not answer in time; retry");
        json_decref(value);
        return NULL;
    }
    return value;
}

static void s_epoch_iso(int64_t epoch, char *out, size_t size)
{
    time_t when = (time_t) epoch;
    struct tm broken;
    gmtime_r(&when, &broken);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &broken);
}

//  GET requests: the filters of the specification, checked, as the lookup's filter.
static json_t *s_request_filter(sq_http_request_t *request)
{
    json_t *filter = json_object();
    const char *ids = sq_http_query(request, "service_request_id");
    const char *code = sq_http_query(request, "service_code");
    const char *status = sq_http_query(request, "status");
    const char *start_text = sq_http_query(request, "start_date");
    const char *end_text = sq_http_query(request, "end_date");
    const char *problem = NULL, *field = NULL;
    if (ids && *ids) {
        json_t *numbers = json_array();
        char *copy = strdup(ids), *saveptr = NULL;
        for (char *id = strtok_r(copy, ",", &saveptr); id && !problem; id = strtok_r(NULL, ",", &saveptr)) {
            if (!sq_number_valid(id) || json_array_size(numbers) >= S_NUMBERS_MAX)
                problem = "must be work-order numbers separated by commas", field = "service_request_id";
            else
                json_array_append_new(numbers, json_string(id));
        }
        free(copy);
        json_object_set_new(filter, "numbers", numbers);
    }
    if (code && *code)
        json_object_set_new(filter, "service_code", json_string(code));
    if (status && *status) {
        //  The specification allows a comma list: open, closed, or both (no filter then).
        bool open = false, closed = false;
        char *copy = strdup(status), *saveptr = NULL;
        for (char *one = strtok_r(copy, ",", &saveptr); one; one = strtok_r(NULL, ",", &saveptr)) {
            if (streq(one, "open"))
                open = true;
            else if (streq(one, "closed"))
                closed = true;
            else
                problem = "must be open, closed, or both separated by a comma", field = "status";
        }
        free(copy);
        if (!open && !closed)
            problem = "must be open, closed, or both separated by a comma", field = "status";
        else if (open != closed)
            json_object_set_new(filter, "status", json_string(open ? "open" : "closed"));
    }
    int64_t start = 0, end = 0, now = (int64_t) time(NULL), window = S_WINDOW_DAYS * 86400LL;
    if (start_text && *start_text && sq_time_parse(start_text, &start))
        problem = "must be an ISO-8601 time with zone", field = "start_date";
    if (end_text && *end_text && sq_time_parse(end_text, &end))
        problem = "must be an ISO-8601 time with zone", field = "end_date";
    bool has_start = start_text && *start_text, has_end = end_text && *end_text;
    if (!has_start && !has_end)
        end = now, start = now - window;
    else if (!has_start)
        start = end - window;
    else if (!has_end)
        end = start + window;
    if (!problem && end < start)
        problem = "must not be before start_date", field = "end_date";
    if (!problem && end - start > window)
        problem = "the dates may span at most 90 days", field = "end_date";
    if (problem) {
        char message[160];
        snprintf(message, sizeof message, "%s: %s", field, problem);
        sq_http_error(request, 400, field, message);
        json_decref(filter);
        return NULL;
    }
    char start_iso[32], end_iso[32];
    s_epoch_iso(start, start_iso, sizeof start_iso);
    s_epoch_iso(end, end_iso, sizeof end_iso);
    json_object_set_new(filter, "start", json_string(start_iso));
    json_object_set_new(filter, "end", json_string(end_iso));
    json_object_set_new(filter, "limit", json_integer(S_LIST_MAX));
    return filter;
}

static void s_requests(web_t *self, sq_http_request_t *request, s_format_t format, json_t *filter,
                       bool one)
{
    const char *code = json_string_value(json_object_get(filter, "service_code"));
    if (code && !sq_catalog_category(self->catalog, code)) {
        json_decref(filter);
        sq_http_error(request, 404, "service_code", "no such service_code");
        return;
    }
    char *text = json_dumps(filter, JSON_COMPACT);
    json_decref(filter);
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "open311");
    zmsg_addstr(message, text);
    free(text);
    int status = 0;
    json_t *found = s_lookup(self, request, &message, &status);
    if (!found)
        return;
    if (status != 200 || !json_is_array(found)) {
        json_decref(found);
        sq_http_error(request, 400, NULL, "the filter was refused");
        return;
    }
    if (one && json_array_size(found) == 0) {
        json_decref(found);
        sq_http_error(request, 404, "service_request_id", "no such service request");
        return;
    }
    s_reply(request, 200, format, "service_requests", "request", found);
}

//  A token is the request's external id: only letters and digits.
static bool s_token_ok(const char *token)
{
    size_t length = strlen(token);
    return length >= 2 && length <= 64 && strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789") == length;
}

static void s_token(web_t *self, sq_http_request_t *request, s_format_t format, const char *token)
{
    if (!s_token_ok(token)) {
        sq_http_error(request, 404, "token", "no such token");
        return;
    }
    if (sq_submit_spooled(self->submit, WEB_CHANNEL, token, NULL)) {
        s_reply(request, 200, format, "service_requests", "request",
                json_pack("[{s:n, s:s}]", "service_request_id", "token", token));
        return;
    }
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "key");
    zmsg_addstr(message, WEB_CHANNEL);
    zmsg_addstr(message, token);
    int status = 0;
    json_t *found = s_lookup(self, request, &message, &status);
    if (!found)
        return;
    const char *number = json_string_value(json_object_get(found, "number"));
    if (status == 200 && number)
        s_reply(request, 200, format, "service_requests", "request",
                json_pack("[{s:s, s:s}]", "service_request_id", number, "token", token));
    else
        sq_http_error(request, 404, "token", "no such token");
    json_decref(found);
}

void open311_get(void *app, sq_http_request_t *request)
{
    web_t *self = (web_t *) app;
    char resource[256];
    s_format_t format = s_split(sq_http_tail(request), resource, sizeof resource);
    if (format != S_JSON && format != S_XML) {
        sq_http_error(request, 404, NULL, "no such resource: ask for .json or .xml");
        return;
    }
    if (streq(resource, "services"))
        s_services(self, request, format);
    else if (strncmp(resource, "services/", 9) == 0)
        s_service_definition(self, request, format, resource + 9);
    else if (streq(resource, "requests")) {
        json_t *filter = s_request_filter(request);
        if (filter)
            s_requests(self, request, format, filter, false);
    }
    else if (strncmp(resource, "requests/", 9) == 0) {
        if (!sq_number_valid(resource + 9))
            sq_http_error(request, 404, "service_request_id", "no such service request");
        else {
            char start[32], end[32];
            s_epoch_iso(0, start, sizeof start);
            s_epoch_iso((int64_t) time(NULL) + 86400, end, sizeof end);
            s_requests(self, request, format,
                       json_pack("{s:[s], s:s, s:s, s:i}", "numbers", resource + 9, "start", start,
                                 "end", end, "limit", 1),
                       true);
        }
    }
    else if (strncmp(resource, "tokens/", 7) == 0)
        s_token(self, request, format, resource + 7);
    else
        sq_http_error(request, 404, NULL, "no such resource");
}

//  True when the request carries one of the configured api_keys.
static bool s_api_key_ok(web_t *self, const char *key)
{
    bool ok = false;
    size_t index;
    json_t *known;
    json_array_foreach(self->api_keys, index, known) ok |= key && sq_token_equal(key, json_string_value(known));
    return ok;
}

void open311_post(void *app, sq_http_request_t *request)
{
    web_t *self = (web_t *) app;
    char resource[256];
    s_format_t format = s_split(sq_http_tail(request), resource, sizeof resource);
    if (!streq(resource, "requests") || format == S_NONE) {
        if (format != S_NONE && (streq(resource, "services") || strncmp(resource, "requests/", 9) == 0
                                 || strncmp(resource, "tokens/", 7) == 0
                                 || strncmp(resource, "services/", 9) == 0)) {
            sq_http_add_header(request, "Allow", "GET");
            sq_http_error(request, 405, NULL, "use GET");
        }
        else
            sq_http_error(request, 404, NULL, "no such resource");
        return;
    }
    if (format == S_HTML) {
        citizen_submitted(self, request);
        return;
    }
    const char *error = NULL;
    json_t *fields = sq_http_form_body(request, &error);
    if (!fields) {
        sq_http_error(request, 400, NULL, error);
        return;
    }
    if (!s_api_key_ok(self, json_string_value(json_object_get(fields, "api_key")))) {
        json_decref(fields);
        sq_http_error(request, 403, "api_key", "api_key is missing or not valid");
        return;
    }
    if (!web_rate_allows(self, self->submissions, request)) {
        json_decref(fields);
        return;
    }
    web_submission_t result;
    web_submit(self, fields, false, &result);
    const char *account = json_string_value(json_object_get(fields, "account_id"));
    json_t *answer = NULL;
    if (result.status == 200 || result.status == 201) {
        char *notice = zsys_sprintf("您的诉求已受理，工单号 %s。承办单位将在规定时限内答复。", result.number);
        answer = json_pack("[{s:s, s:s, s:s?}]", "service_request_id", result.number,
                           "service_notice", notice, "account_id", account);
        zstr_free(&notice);
    }
    else if (result.status == 202)
        answer = json_pack("[{s:s, s:s, s:s?}]", "token", result.token, "service_notice",
                           "您的诉求已收到，工单号稍后生成：请凭 token 查询。", "account_id", account);
    json_decref(fields);
    if (answer)
        s_reply(request, result.status, format, "service_requests", "request", answer);
    else
        sq_http_error(request, result.status, result.field, result.message);
}
