/*  web: the citizens' web door (suqiu-web): Open311 GeoReport v2 and a plain form.

    Open311, under /open311/v2/ (XML and JSON, the same content; errors as an array of
    {code, description} with 400, 403, 404, as the specification says):
        GET  services.{json,xml}               the service list: the city's complaint categories
        GET  services/{code}.{json,xml}        one service's definition (no extra attributes)
        POST requests.{json,xml}               a new request (form-encoded, api_key required; a
                                               description is optional, as the specification has
                                               it): 201 with its service_request_id (the work-
                                               order number), or 202 with a token while it waits
                                               in the spool; 200 when its device_id + request_key
                                               were seen before
        GET  tokens/{token}.{json,xml}         the service_request_id of a token, once there is one
        GET  requests.{json,xml}               the web door's requests: service_request_id (a comma
                                               list), service_code (the one the client chose),
                                               start_date, end_date (at most 90 days; the last 90
                                               by default), status (open, closed or both); at most
                                               1,000, newest first
        GET  requests/{id}.{json,xml}          one request
    The citizen's pages, in Chinese, without JavaScript:
        GET  /                                 the form (what happened, where, optional contact);
                                               it posts to POST /open311/v2/requests.html, which
                                               answers with a page showing the number
        GET  /status                           look a complaint up by number and the last four
                                               digits of its phone: its state and the reply
    The form carries a CSRF token (HMAC of its cookie); submissions and lookups are rate-limited
    per client address.  Nothing a visitor sent is shown unescaped.
*/
#ifndef WEB_H
#define WEB_H

#include "sq_config.h"

typedef struct _web_t web_t;

//  Load the catalogue and the pages, open the web spool, listen on web.address:web.port.
//  config is borrowed for the object's life.  NULL (logged) when any of that fails.
web_t *web_new(const sq_config_t *config);

//  Stop and free; safe on NULL and twice.
void web_destroy(web_t **self_p);

#endif
