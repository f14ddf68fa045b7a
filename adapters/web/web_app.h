/*  web_app: what the web door's parts (open311.c, citizen.c, submit.c) share: the server's state
    and the one path from submitted fields to a committed or spooled complaint.  Internal to
    adapters/web.
*/
#ifndef WEB_APP_H
#define WEB_APP_H

#include <jansson.h>
#include <stdbool.h>

#include "sq_catalog.h"
#include "sq_config.h"
#include "sq_envelope.h"
#include "sq_http.h"
#include "sq_ratelimit.h"
#include "sq_submit.h"
#include "sq_template.h"
#include "web.h"

#define WEB_OPEN311 "/open311/v2/"
#define WEB_CHANNEL "web"
#define WEB_DESCRIPTION_MAX 4000

struct _web_t {
    const sq_config_t *config;     //  borrowed
    sq_limits_t limits;
    sq_catalog_t *catalog;
    sq_template_t *pages;
    sq_submit_t *submit;
    sq_ratelimit_t *submissions;   //  per client address
    sq_ratelimit_t *lookups;       //  per client address
    json_t *api_keys;              //  array of strings
    char secret[65];               //  signs the form's CSRF tokens (64 hex digits, the key)
    sq_http_t *http;
};

//  What a submission gave: the status (201, 200, 202, 400, 403, 404, 429, 503), the number or
//  token, and for an error the field and why.
typedef struct {
    unsigned status;
    char number[64];
    char token[160];
    char field[64];
    char message[400];
} web_submission_t;

//  Turn submitted fields (a JSON object of strings, borrowed: Open311's names, plus region and
//  consent from the form) into an envelope and hand it to the hub.  Fills result.
void web_submit(web_t *self, json_t *fields, bool from_form, web_submission_t *result);

//  True when the client may submit (or look up) now; otherwise answers 429 itself.
bool web_rate_allows(web_t *self, sq_ratelimit_t *limit, sq_http_request_t *request);

//  The Open311 routes' handlers (open311.c) and their error form.
void open311_get(void *app, sq_http_request_t *request);
void open311_post(void *app, sq_http_request_t *request);
void open311_error(web_t *self, sq_http_request_t *request, unsigned status, const char *message);

//  The citizen's pages (citizen.c).
void citizen_form(void *app, sq_http_request_t *request);
void citizen_status(void *app, sq_http_request_t *request);
//  POST requests.html: the form's submission, answered with a page.
void citizen_submitted(web_t *self, sq_http_request_t *request);
//  An error page (status, message), in the form's look.
void citizen_error(web_t *self, sq_http_request_t *request, unsigned status, const char *message);

#endif
