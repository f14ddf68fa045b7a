/*  sq_http: the HTTP plumbing every suqiu server shares, over libmicrohttpd.

    A server is a table of routes and an error formatter; everything else is here: the
    listening socket and its thread pool, bodies read up to a limit (413 past it, read and
    dropped), the route lookup (404 for an unknown path, 405 with Allow for a known path and
    another method), JSON and form (application/x-www-form-urlencoded) decoding with UTF-8
    checked, the client's address, cookies, and the access log: one line per request that
    ended in an error (4xx/5xx, at info level and rate-limited), and one at debug level for
    the others.  The hotline, web, WeChat and desk servers differ only in their routes.

    A handler runs in one of the server's threads and must answer exactly once, with
    sq_http_reply (or a helper built on it) before it returns; a handler that forgets is
    answered 500 and logged.  Handlers may block (they wait for the hub over MDP).
*/
#ifndef SQ_HTTP_H
#define SQ_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct _sq_http_t sq_http_t;
typedef struct _sq_http_request_t sq_http_request_t;

//  Answers one request.  app is the server's setup.app; request is borrowed for the call.
typedef void(sq_http_handler_fn)(void *app, sq_http_request_t *request);

//  Formats an error answer in the server's own form (JSON {"error"}, Open311's array, an HTML
//  page...); field may be NULL.  It must call sq_http_reply.
typedef void(sq_http_error_fn)(void *app, sq_http_request_t *request, unsigned status,
                                const char *field, const char *message);

typedef struct {
    const char *method;            //  "GET", "POST", ...
    const char *path;              //  exact, or ending in "*": a prefix, the rest is the tail
    sq_http_handler_fn *handler;
} sq_http_route_t;

typedef struct {
    const char *name;              //  for logs, e.g. "hotline"
    const char *address;           //  IPv4 address to listen on
    int port;                      //  0: any free port (see sq_http_port)
    int threads;
    size_t max_body_bytes;
    int timeout_s;                 //  an idle connection is closed after this
    const sq_http_route_t *routes; //  ends with {NULL, NULL, NULL}; borrowed for the server's life
    sq_http_error_fn *error;
    void *app;                     //  handed to handlers; borrowed
} sq_http_setup_t;

//  Listen as setup says (copied; what it points to is borrowed).  NULL (logged) when it cannot.
sq_http_t *sq_http_new(const sq_http_setup_t *setup);

//  Stop listening, wait for the requests in progress, free.  Safe on NULL and twice.
void sq_http_destroy(sq_http_t **self_p);

//  The port it listens on.
int sq_http_port(sq_http_t *self);

//  --- the request (all strings borrowed until the handler returns) ---

const char *sq_http_method(sq_http_request_t *request);
const char *sq_http_path(sq_http_request_t *request);
//  For a prefix route, what follows the prefix ("" for an exact route).
const char *sq_http_tail(sq_http_request_t *request);
//  A query argument (percent-decoded), or NULL when absent.
const char *sq_http_query(sq_http_request_t *request, const char *name);
//  A request header, or NULL.
const char *sq_http_header(sq_http_request_t *request, const char *name);
//  A cookie, or NULL.
const char *sq_http_cookie(sq_http_request_t *request, const char *name);
//  The client's IP address as text.
const char *sq_http_client(sq_http_request_t *request);
//  The raw body and its length (never NULL: "" when there is none; NUL-terminated).
const char *sq_http_body(sq_http_request_t *request, size_t *length);
//  True when the Content-Type is media_type (parameters such as charset ignored).
bool sq_http_content_type_is(sq_http_request_t *request, const char *media_type);

//  The body as a JSON value (the caller's), or NULL with *error set to a static or
//  request-owned text: not JSON, duplicate keys, invalid UTF-8.
json_t *sq_http_json_body(sq_http_request_t *request, const char **error);

//  The body as a form: a JSON object of string values (the caller's), decoded and checked for
//  UTF-8; NULL with *error set when it is not a form, a key repeats or a value is not UTF-8.
json_t *sq_http_form_body(sq_http_request_t *request, const char **error);

//  --- the answer ---

//  Add a header to the answer (copied); before sq_http_reply.
void sq_http_add_header(sq_http_request_t *request, const char *name, const char *value);

//  Answer with a body (copied).  Only the first answer counts; a second is logged and dropped.
void sq_http_reply(sq_http_request_t *request, unsigned status, const char *content_type,
                   const char *body, size_t length);

//  Answer with JSON (consumes value), Content-Type application/json; charset=utf-8.
void sq_http_reply_json(sq_http_request_t *request, unsigned status, json_t *value);

//  Answer with the file at folder/relative (a path of letters, digits, - _ . and /, no ".."),
//  its Content-Type from its ending (.html .js .css .png .svg .json .txt), cached for max_age
//  seconds; 404 through the error formatter when there is no such file or the path is not one.
void sq_http_reply_file(sq_http_request_t *request, const char *folder, const char *relative,
                        int max_age);

//  Answer an error through the server's error formatter.
void sq_http_error(sq_http_request_t *request, unsigned status, const char *field,
                   const char *message);

#endif
