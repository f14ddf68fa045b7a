/*  web: the web door's set-up and its routes (see web.h; the submission path is submit.c). */
#include "web.h"

#include <czmq.h>

#include "sq_log.h"
#include "sq_token.h"
#include "web_app.h"

#define S_RATE_KEYS 100000

static const char *const s_channels[] = {WEB_CHANNEL, NULL};

//  --------------------------------------------------------------------------
//  The server

//  Errors in the form of the path: Open311's array for .json and .xml, else a page.
static void s_error(void *app, sq_http_request_t *request, unsigned status, const char *field,
                    const char *message)
{
    (void) field;
    web_t *self = (web_t *) app;
    if (strncmp(sq_http_path(request), WEB_OPEN311, strlen(WEB_OPEN311)) == 0
        && !strstr(sq_http_path(request), ".html"))
        open311_error(self, request, status, message);
    else
        citizen_error(self, request, status, message);
}

static const sq_http_route_t s_routes[] = {
    {"GET", "/", citizen_form},
    {"GET", "/status", citizen_status},
    {"GET", WEB_OPEN311 "*", open311_get},
    {"POST", WEB_OPEN311 "*", open311_post},
    {NULL, NULL, NULL},
};

static json_t *s_api_keys(const char *list)
{
    json_t *keys = json_array();
    char *copy = strdup(list), *saveptr = NULL;
    for (char *key = strtok_r(copy, ", ", &saveptr); key; key = strtok_r(NULL, ", ", &saveptr))
        json_array_append_new(keys, json_string(key));
    free(copy);
    return keys;
}

web_t *web_new(const sq_config_t *config)
{
    web_t *self = (web_t *) zmalloc(sizeof *self);
    self->config = config;
    self->limits = (sq_limits_t){config->limits_title_max_chars, WEB_DESCRIPTION_MAX,
                                 config->limits_field_max_chars};
    char error[1024];
    char *catalog_dir = sq_config_catalog_dir(config);
    char *pages_dir = sq_config_pages_dir(config);
    self->catalog = sq_catalog_load(catalog_dir, error, sizeof error);
    if (self->catalog)
        self->pages = sq_template_load(pages_dir, error, sizeof error);
    if (!self->pages)
        sq_error("%s", error);
    else
        self->submit = sq_submit_open(config, config->web_broker_timeout_ms,
                                      config->web_broker_retries, s_channels, true);
    free(catalog_dir);
    free(pages_dir);
    if (!self->submit) {
        web_destroy(&self);
        return NULL;
    }
    if (config->web_secret[0])
        sq_token_sign((const unsigned char *) "suqiu web secret", 16, config->web_secret,
                      self->secret);
    else if (sq_token_random_hex(self->secret, 32)) {
        sq_error("web: no randomness for the form's secret; set web.secret");
        web_destroy(&self);
        return NULL;
    }
    self->api_keys = s_api_keys(config->web_api_keys);
    self->submissions = sq_ratelimit_new(config->web_submissions_per_minute, S_RATE_KEYS);
    self->lookups = sq_ratelimit_new(config->web_lookups_per_minute, S_RATE_KEYS);
    sq_http_setup_t http = {
        .name = "web",
        .address = config->web_address,
        .port = config->web_port,
        .threads = config->web_threads,
        .max_body_bytes = (size_t) config->web_max_body_bytes,
        .timeout_s = 30,
        .routes = s_routes,
        .error = s_error,
        .app = self,
    };
    if (!(self->http = sq_http_new(&http)))
        web_destroy(&self);
    return self;
}

void web_destroy(web_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_t *self = *self_p;
    sq_http_destroy(&self->http);
    sq_submit_destroy(&self->submit);
    sq_ratelimit_destroy(&self->submissions);
    sq_ratelimit_destroy(&self->lookups);
    json_decref(self->api_keys);
    sq_template_destroy(&self->pages);
    sq_catalog_destroy(&self->catalog);
    free(self);
    *self_p = NULL;
}
