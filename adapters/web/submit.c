/*  submit: the web door's one submission path, shared by Open311 and the citizen's form:
    the fields checked and turned into an envelope, handed to the hub (see web_app.h), and
    the per-address rate limits. */
#include <czmq.h>
#include <time.h>

#include "sq_log.h"
#include "sq_token.h"
#include "web_app.h"

#define S_REQUEST_KEY_SALT "suqiu open311 device request key"

//  --------------------------------------------------------------------------
//  From submitted fields to an envelope

//  The fields a submission may carry: Open311's, then the form's own.  attribute[...] too.
static const char *const s_known_fields[] = {
    "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
    "email", "device_id", "account_id", "first_name", "last_name", "phone", "description",
    "media_url", "request_key", "region", "consent", "csrf", NULL};

static int s_fail(web_submission_t *result, unsigned status, const char *field, const char *message)
{
    result->status = status;
    snprintf(result->field, sizeof result->field, "%s", field ? field : "");
    snprintf(result->message, sizeof result->message, "%s%s%s", field ? field : "",
             field ? ": " : "", message);
    return -1;
}

//  A field's value, or NULL when absent or empty (forms send empty fields).
static const char *s_field(json_t *fields, const char *name)
{
    const char *value = json_string_value(json_object_get(fields, name));
    return value && *value ? value : NULL;
}

//  A coordinate: a plain decimal number within [-limit, limit].
static int s_coordinate(const char *text, double limit, double *value)
{
    char *end = NULL;
    if (!text || strlen(text) > 32 || strspn(text, "+-0123456789.") != strlen(text))
        return -1;
    *value = strtod(text, &end);
    return end && *end == 0 && *value >= -limit && *value <= limit ? 0 : -1;
}

//  Tags such as <b> or </p> or <!--: the specification wants no HTML in a description.
static bool s_has_html(const char *text)
{
    for (const char *at = strchr(text, '<'); at; at = strchr(at + 1, '<')) {
        char next = at[1];
        if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '/' || next == '!')
            return true;
    }
    return false;
}

static bool s_email_ok(const char *text)
{
    const char *at = strchr(text, '@');
    if (strlen(text) > 254 || !at || at == text || strchr(at + 1, '@') || !strchr(at, '.'))
        return false;
    for (const unsigned char *c = (const unsigned char *) text; *c; c++)
        if (*c <= ' ' || *c == 0x7F || strchr("<>()[]\\,;:\"", *c))
            return false;
    return true;
}

static bool s_url_ok(const char *text)
{
    if (strlen(text) > 500 || (strncmp(text, "http://", 7) && strncmp(text, "https://", 8)))
        return false;
    for (const unsigned char *c = (const unsigned char *) text; *c; c++)
        if (*c <= ' ' || *c == 0x7F || *c == '"' || *c == '<' || *c == '>')
            return false;
    return true;
}

//  The external id: the same for the same device_id + request_key (a client's own retry key),
//  else minted afresh.  Both are made only of hex digits, so they fit any channel's id rules.
static int s_external_id(json_t *fields, char *out, size_t size, web_submission_t *result)
{
    const char *device = s_field(fields, "device_id");
    const char *key = s_field(fields, "request_key");
    if (key && !device)
        return s_fail(result, 400, "request_key", "needs a device_id (the key is the device's own)");
    if (key && device) {
        char *message = zsys_sprintf("%s\n%s", device, key);
        char digest[65];
        sq_token_sign((const unsigned char *) S_REQUEST_KEY_SALT, strlen(S_REQUEST_KEY_SALT), message,
                      digest);
        zstr_free(&message);
        snprintf(out, size, "D%.40s", digest);
        return 0;
    }
    char random[41];
    if (sq_token_random_hex(random, 20))
        return s_fail(result, 503, NULL, "no randomness to mint a request id; retry");
    snprintf(out, size, "W%s", random);
    return 0;
}

//  The envelope of a submission (the caller's), or NULL with result filled.
static json_t *s_envelope(web_t *self, json_t *fields, bool from_form, web_submission_t *result)
{
    const char *key;
    json_t *value;
    json_t *attributes = json_object();
    json_object_foreach(fields, key, value) {
        bool known = false;
        for (const char *const *name = s_known_fields; *name && !known; name++)
            known = strcmp(key, *name) == 0;
        size_t length = strlen(key);
        if (!known && strncmp(key, "attribute[", 10) == 0 && key[length - 1] == ']' && length > 11
            && length < 80) {
            if (*json_string_value(value)) {
                char *code = strndup(key + 10, length - 11);
                json_object_set(attributes, code, value);
                free(code);
            }
            continue;
        }
        if (!known) {
            json_decref(attributes);
            s_fail(result, 400, key, "is not a field of a service request");
            return NULL;
        }
    }
    const sq_category_t *service = NULL;
    const char *service_code = s_field(fields, "service_code");
    const char *description = s_field(fields, "description");
    const char *region_id = s_field(fields, "region");
    const char *lat_text = s_field(fields, "lat"), *long_text = s_field(fields, "long");
    const char *address = s_field(fields, "address_string"), *address_id = s_field(fields, "address_id");
    const char *email = s_field(fields, "email"), *media_url = s_field(fields, "media_url");
    double lat = 0, lon = 0;
    int rc = 0;
    if (!service_code)
        rc = s_fail(result, 400, "service_code", "is required");
    else if (!(service = sq_catalog_category(self->catalog, service_code)))
        rc = s_fail(result, 404, "service_code", "no such service");
    else if (!description && from_form)
        rc = s_fail(result, 400, "description", "is required: say what happened");
    else if (description && sq_utf8_length(description) > WEB_DESCRIPTION_MAX)
        rc = s_fail(result, 400, "description", "is longer than 4,000 characters");
    else if (description && s_has_html(description))
        rc = s_fail(result, 400, "description", "must be plain text, without HTML");
    else if ((lat_text != NULL) != (long_text != NULL))
        rc = s_fail(result, 400, lat_text ? "long" : "lat", "lat and long go together");
    else if (lat_text && (s_coordinate(lat_text, 90, &lat) || s_coordinate(long_text, 180, &lon)))
        rc = s_fail(result, 400, "lat", "lat must be -90 to 90 and long -180 to 180, as decimals");
    else if (!lat_text && !address && !address_id && !(from_form && region_id))
        rc = s_fail(result, 400, "address_string",
                    "a location is required: lat and long, address_string or address_id");
    else if (region_id && !sq_catalog_region(self->catalog, region_id))
        rc = s_fail(result, 400, "region", "no such township or street");
    else if (email && !s_email_ok(email))
        rc = s_fail(result, 400, "email", "is not an e-mail address");
    else if (media_url && !s_url_ok(media_url))
        rc = s_fail(result, 400, "media_url", "must be an http or https URL");
    char external_id[64];
    if (rc || s_external_id(fields, external_id, sizeof external_id, result)) {
        json_decref(attributes);
        return NULL;
    }
    const char *first = s_field(fields, "first_name"), *last = s_field(fields, "last_name");
    //  Chinese names are family name first.
    char *name = first || last ? zsys_sprintf("%s%s", last ? last : "", first ? first : "") : NULL;
    char received_at[SQ_TIME_TEXT_MAX];
    sq_time_format((int64_t) time(NULL), received_at, sizeof received_at);
    const char *consent = s_field(fields, "consent");
    json_t *extra = json_pack("{s:s}", "service_code", service_code);
    if (lat_text) {
        json_object_set_new(extra, "lat", json_real(lat));
        json_object_set_new(extra, "long", json_real(lon));
    }
    const char *passed[] = {"address_id", "email", "device_id", "account_id", "media_url", NULL};
    for (const char *const *field = passed; *field; field++)
        if (s_field(fields, *field))
            json_object_set_new(extra, *field, json_string(s_field(fields, *field)));
    if (json_object_size(attributes))
        json_object_set(extra, "attributes", attributes);
    json_object_set_new(extra, "form", json_boolean(from_form));
    if (!description)
        json_object_set_new(extra, "description_given", json_false());
    json_object_set_new(extra, "consent_to_contact",
                        json_boolean(consent && (streq(consent, "on") || streq(consent, "yes")
                                                 || streq(consent, "true") || streq(consent, "1"))));
    json_decref(attributes);
    //  Open311 makes the description optional (the service and the place may say it all); the
    //  hub's content is then the service's name.  The citizen's form asks for it.
    json_t *envelope = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "channel", WEB_CHANNEL,
                                 "external_id", external_id, "received_at", received_at, "title",
                                 service->name, "content", description ? description : service->name,
                                 "extra", extra);
    if (name)
        json_object_set_new(envelope, "caller_name", json_string(name));
    if (s_field(fields, "phone"))
        json_object_set_new(envelope, "phone", json_string(s_field(fields, "phone")));
    if (address)
        json_object_set_new(envelope, "address", json_string(address));
    if (region_id)
        json_object_set_new(envelope, "region", json_string(region_id));
    zstr_free(&name);
    sq_field_error_t error = {"", ""};
    if (sq_envelope_check(envelope, &self->limits, &error)) {
        //  The envelope's names, back in Open311's where they differ.
        const char *field = streq(error.field, "caller_name") ? "first_name"
                            : streq(error.field, "address")   ? "address_string"
                            : streq(error.field, "content")   ? "description"
                                                              : error.field;
        s_fail(result, 400, field, error.message);
        json_decref(envelope);
        return NULL;
    }
    return envelope;
}

void web_submit(web_t *self, json_t *fields, bool from_form, web_submission_t *result)
{
    memset(result, 0, sizeof *result);
    json_t *envelope = s_envelope(self, fields, from_form, result);
    if (!envelope) {
        sq_info_limited("web submission refused (%u): %s", result->status, result->message);
        return;
    }
    sq_submit_result_t submitted;
    sq_submit_envelope(self->submit, envelope, &submitted);
    result->status = submitted.status;
    snprintf(result->number, sizeof result->number, "%s", submitted.number);
    snprintf(result->token, sizeof result->token, "%s",
             json_string_value(json_object_get(envelope, "external_id")));
    snprintf(result->field, sizeof result->field, "%s", submitted.field);
    snprintf(result->message, sizeof result->message, "%s", submitted.message);
    json_decref(envelope);
}

bool web_rate_allows(web_t *self, sq_ratelimit_t *limit, sq_http_request_t *request)
{
    int retry_after = 60;
    if (sq_ratelimit_allow(limit, sq_http_client(request), &retry_after))
        return true;
    char seconds[16];
    snprintf(seconds, sizeof seconds, "%d", retry_after);
    sq_http_add_header(request, "Retry-After", seconds);
    sq_warn_limited("web: %s sends too often; answered 429", sq_http_client(request));
    sq_http_error(request, 429, NULL, "too many requests from your address; wait a minute and try again");
    (void) self;
    return false;
}

