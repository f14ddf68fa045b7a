/*  sq_http: routes, bodies, decoding and the access log over libmicrohttpd (see sq_http.h). */
#include "sq_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>

#include "sq_alloc.h"
#include "sq_log.h"
#include "sq_utf8.h"

#define S_FORM_BUFFER 4096
#define S_HEADERS_MAX 8

struct _sq_http_t {
    sq_http_setup_t setup;
    char *name;
    char *address;
    struct MHD_Daemon *daemon;
    int port;
};

struct _sq_http_request_t {
    sq_http_t *server;
    struct MHD_Connection *connection;
    const char *method;
    const char *path;
    const char *tail;
    char *body;
    size_t length;
    bool too_large;
    char client[INET6_ADDRSTRLEN];
    struct timespec started;
    //  The answer.
    bool answered;
    unsigned status;
    char *header_names[S_HEADERS_MAX];
    char *header_values[S_HEADERS_MAX];
    int header_count;
    struct MHD_Response *response;
    //  Form decoding.
    json_t *form;
    const char *form_error;
};

//  --------------------------------------------------------------------------
//  The request

const char *sq_http_method(sq_http_request_t *request)
{
    return request->method;
}

const char *sq_http_path(sq_http_request_t *request)
{
    return request->path;
}

const char *sq_http_tail(sq_http_request_t *request)
{
    return request->tail ? request->tail : "";
}

const char *sq_http_query(sq_http_request_t *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *sq_http_header(sq_http_request_t *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, name);
}

const char *sq_http_cookie(sq_http_request_t *request, const char *name)
{
    return MHD_lookup_connection_value(request->connection, MHD_COOKIE_KIND, name);
}

const char *sq_http_client(sq_http_request_t *request)
{
    return request->client;
}

const char *sq_http_body(sq_http_request_t *request, size_t *length)
{
    if (length)
        *length = request->length;
    return request->body ? request->body : "";
}

bool sq_http_content_type_is(sq_http_request_t *request, const char *media_type)
{
    const char *type = sq_http_header(request, "Content-Type");
    if (!type)
        return false;
    size_t length = strlen(media_type);
    if (strncasecmp(type, media_type, length))
        return false;
    char next = type[length];
    return next == 0 || next == ';' || next == ' ' || next == '\t';
}

json_t *sq_http_json_body(sq_http_request_t *request, const char **error)
{
    static const char *not_utf8 = "the body is not valid UTF-8";
    static const char *not_json = "the body is not valid JSON (or a key appears twice)";
    if (!sq_utf8_valid(sq_http_body(request, NULL), request->length)) {
        *error = not_utf8;
        return NULL;
    }
    json_error_t parse_error;
    json_t *value = json_loadb(sq_http_body(request, NULL), request->length,
                               JSON_REJECT_DUPLICATES, &parse_error);
    if (!value)
        *error = not_json;
    return value;
}

//  libmicrohttpd's post processor hands a value in pieces (off says where each goes).
static enum MHD_Result s_form_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *filename, const char *content_type,
                                    const char *transfer_encoding, const char *data,
                                    uint64_t off, size_t size)
{
    (void) kind;
    (void) filename;
    (void) content_type;
    (void) transfer_encoding;
    sq_http_request_t *request = (sq_http_request_t *) cls;
    if (!key || !sq_utf8_valid(key, strlen(key))) {
        request->form_error = "a form field's name is not valid UTF-8";
        return MHD_NO;
    }
    json_t *known = json_object_get(request->form, key);
    if (off == 0 && known) {
        request->form_error = "a form field appears twice";
        return MHD_NO;
    }
    const char *before = known ? json_string_value(known) : "";
    size_t before_length = known ? json_string_length(known) : 0;
    char *joined = (char *) sq_alloc(before_length + size + 1);
    memcpy(joined, before, before_length);
    memcpy(joined + before_length, data, size);
    joined[before_length + size] = 0;
    //  A piece may end inside a character: the whole value is checked once it is complete.
    json_t *value = json_stringn_nocheck(joined, before_length + size);
    free(joined);
    json_object_set_new(request->form, key, value);
    return MHD_YES;
}

//  True when every % of a urlencoded text starts an escape of two hex digits: libmicrohttpd's
//  decoder does not refuse a broken one, and lets it spill into the next field.
static bool s_escapes_ok(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (text[i] == '%' && (i + 2 >= length || !isxdigit((unsigned char) text[i + 1])
                               || !isxdigit((unsigned char) text[i + 2])))
            return false;
    return true;
}

json_t *sq_http_form_body(sq_http_request_t *request, const char **error)
{
    if (!sq_http_content_type_is(request, "application/x-www-form-urlencoded")) {
        *error = "send Content-Type: application/x-www-form-urlencoded";
        return NULL;
    }
    if (!s_escapes_ok(sq_http_body(request, NULL), request->length)) {
        *error = "the form holds a % that is not followed by two hex digits";
        return NULL;
    }
    json_decref(request->form);
    request->form = json_object();
    request->form_error = NULL;
    struct MHD_PostProcessor *processor =
        MHD_create_post_processor(request->connection, S_FORM_BUFFER, s_form_field, request);
    if (!processor) {
        *error = "the body is not a form";
        return NULL;
    }
    enum MHD_Result result = request->length
                                 ? MHD_post_process(processor, request->body, request->length)
                                 : MHD_YES;
    MHD_destroy_post_processor(processor);
    const char *key;
    json_t *value;
    json_object_foreach(request->form, key, value) {
        if (!sq_utf8_valid(json_string_value(value), json_string_length(value))) {
            request->form_error = "a form value is not valid UTF-8";
            break;
        }
    }
    if (result != MHD_YES || request->form_error) {
        *error = request->form_error ? request->form_error : "the body is not a valid form";
        json_decref(request->form);
        request->form = NULL;
        return NULL;
    }
    json_t *form = request->form;
    request->form = NULL;
    return form;
}

//  --------------------------------------------------------------------------
//  The answer

void sq_http_add_header(sq_http_request_t *request, const char *name, const char *value)
{
    if (request->header_count >= S_HEADERS_MAX) {
        sq_error("%s: more than %d headers on one answer; %s dropped", request->server->name,
                 S_HEADERS_MAX, name);
        return;
    }
    request->header_names[request->header_count] = sq_strdup(name);
    request->header_values[request->header_count++] = sq_strdup(value);
}

void sq_http_reply(sq_http_request_t *request, unsigned status, const char *content_type,
                   const char *body, size_t length)
{
    if (request->answered) {
        sq_error("%s: %s %s answered twice; the second answer (%u) is dropped",
                 request->server->name, request->method, request->path, status);
        return;
    }
    request->answered = true;
    request->status = status;
    request->response = MHD_create_response_from_buffer(length, (void *) body, MHD_RESPMEM_MUST_COPY);
    if (content_type)
        MHD_add_response_header(request->response, "Content-Type", content_type);
    for (int i = 0; i < request->header_count; i++)
        MHD_add_response_header(request->response, request->header_names[i],
                                request->header_values[i]);
}

void sq_http_reply_json(sq_http_request_t *request, unsigned status, json_t *value)
{
    //  Fifteen digits: what a double holds, so 28.12 stays 28.12 and not 28.120000000000001.
    char *text = json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(value);
    size_t length = strlen(text);
    text = (char *) sq_realloc(text, length + 2);
    text[length] = '\n';
    text[length + 1] = 0;
    sq_http_reply(request, status, "application/json; charset=utf-8", text, length + 1);
    free(text);
}

static const char *s_media_type(const char *path)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},   {".png", "image/png"},
        {".svg", "image/svg+xml"},             {".json", "application/json; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return NULL;
}

void sq_http_reply_file(sq_http_request_t *request, const char *folder, const char *relative,
                        int max_age)
{
    const char *type = s_media_type(relative);
    size_t length = strlen(relative);
    bool safe = type && length > 0 && length < 200 && relative[0] != '/' && !strstr(relative, "..")
                && strspn(relative, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")
                       == length;
    char path[4096];
    FILE *file = NULL;
    if (safe && (size_t) snprintf(path, sizeof path, "%s/%s", folder, relative) < sizeof path)
        file = fopen(path, "rb");
    if (!file) {
        sq_http_error(request, 404, NULL, "no such resource");
        return;
    }
    char *data = NULL;
    size_t size = 0, room = 0;
    while (!ferror(file) && !feof(file)) {
        if (size + 65536 > room)
            data = (char *) sq_realloc(data, room = size + 65536 * 4);
        size += fread(data + size, 1, room - size, file);
    }
    bool failed = ferror(file);
    fclose(file);
    if (failed) {
        free(data);
        sq_http_error(request, 500, NULL, "cannot read the file");
        return;
    }
    char cache[48];
    snprintf(cache, sizeof cache, "max-age=%d", max_age);
    sq_http_add_header(request, "Cache-Control", cache);
    sq_http_add_header(request, "X-Content-Type-Options", "nosniff");
    sq_http_reply(request, 200, type, data ? data : "", size);
    free(data);
}

void sq_http_error(sq_http_request_t *request, unsigned status, const char *field,
                   const char *message)
{
    request->server->setup.error(request->server->setup.app, request, status, field, message);
}

//  --------------------------------------------------------------------------
//  Routing and the libmicrohttpd callbacks

//  The route for method and path; *path_known says whether any route has the path.
static const sq_http_route_t *s_route(sq_http_t *self, const char *method, const char *path,
                                      const char **tail, bool *path_known, char *allow,
                                      size_t allow_size)
{
    *path_known = false;
    allow[0] = 0;
    const sq_http_route_t *found = NULL;
    for (const sq_http_route_t *route = self->setup.routes; route->method; route++) {
        size_t length = strlen(route->path);
        bool prefix = length > 0 && route->path[length - 1] == '*';
        bool matches = prefix ? strncmp(path, route->path, length - 1) == 0
                              : strcmp(path, route->path) == 0;
        if (!matches)
            continue;
        *path_known = true;
        if (!strstr(allow, route->method)) {
            size_t used = strlen(allow);
            snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "", route->method);
        }
        if (!found && strcmp(route->method, method) == 0) {
            found = route;
            *tail = prefix ? path + length - 1 : "";
        }
    }
    return found;
}

static double s_elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - since->tv_sec) * 1000.0 + (double) (now.tv_nsec - since->tv_nsec) / 1e6;
}

static void s_access_log(sq_http_request_t *request)
{
    if (request->status >= 400)
        sq_info_limited("%s %s %s -> %u in %.1f ms from %s", request->server->name,
                        request->method, request->path, request->status,
                        s_elapsed_ms(&request->started), request->client);
    else
        sq_debug("%s %s %s -> %u in %.1f ms from %s", request->server->name, request->method,
                 request->path, request->status, s_elapsed_ms(&request->started), request->client);
}

static void s_client_address(struct MHD_Connection *connection, char *out, size_t size)
{
    snprintf(out, size, "?");
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *) address)->sin_addr, out, (socklen_t) size);
    else if (address->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) address)->sin6_addr, out, (socklen_t) size);
}

//  Counts the query arguments whose name or value is not UTF-8.
static enum MHD_Result s_check_argument(void *cls, enum MHD_ValueKind kind, const char *key,
                                        const char *value)
{
    (void) kind;
    int *bad = (int *) cls;
    if ((key && !sq_utf8_valid(key, strlen(key))) || (value && !sq_utf8_valid(value, strlen(value))))
        (*bad)++;
    return MHD_YES;
}

static enum MHD_Result s_dispatch(sq_http_t *self, sq_http_request_t *request)
{
    int bad_arguments = 0;
    MHD_get_connection_values(request->connection, MHD_GET_ARGUMENT_KIND, s_check_argument,
                              &bad_arguments);
    char allow[128];
    bool path_known;
    const char *tail = "";
    const sq_http_route_t *route =
        s_route(self, request->method, request->path, &tail, &path_known, allow, sizeof allow);
    if (route && bad_arguments) {
        request->tail = tail;
        sq_http_error(request, 400, NULL, "the query holds text that is not valid UTF-8");
    }
    else if (!route && !path_known)
        sq_http_error(request, 404, NULL, "no such resource");
    else if (!route) {
        sq_http_add_header(request, "Allow", allow);
        char message[160];
        snprintf(message, sizeof message, "use %s", allow);
        sq_http_error(request, 405, NULL, message);
    }
    else {
        request->tail = tail;
        if (request->too_large)
            sq_http_error(request, 413, NULL, "the body is too large");
        else
            route->handler(self->setup.app, request);
        if (!request->answered) {
            sq_error("%s: %s %s was not answered; answering 500", self->name, request->method,
                     request->path);
            sq_http_reply(request, 500, "text/plain; charset=utf-8", "internal error\n", 15);
        }
    }
    s_access_log(request);
    enum MHD_Result result = MHD_queue_response(request->connection, request->status, request->response);
    MHD_destroy_response(request->response);
    request->response = NULL;
    return result;
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **state)
{
    (void) version;
    sq_http_t *self = (sq_http_t *) cls;
    sq_http_request_t *request = (sq_http_request_t *) *state;
    if (!request) {
        request = (sq_http_request_t *) sq_alloc(sizeof *request);
        request->server = self;
        request->connection = connection;
        request->method = method;
        request->path = url;
        clock_gettime(CLOCK_MONOTONIC, &request->started);
        s_client_address(connection, request->client, sizeof request->client);
        const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
        *state = request;
        if (length && strtoull(length, NULL, 10) > self->setup.max_body_bytes) {
            //  Said too large before it comes: answered now, and the body is never read.
            request->too_large = true;
            return s_dispatch(self, request);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t room = self->setup.max_body_bytes - request->length;
        if (request->too_large || *upload_data_size > room)
            request->too_large = true;   //  read and dropped; answered 413 at the end
        else {
            request->body = (char *) sq_realloc(request->body, request->length + *upload_data_size + 1);
            memcpy(request->body + request->length, upload_data, *upload_data_size);
            request->length += *upload_data_size;
            request->body[request->length] = 0;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return s_dispatch(self, request);
}

static void s_on_completed(void *cls, struct MHD_Connection *connection, void **state,
                           enum MHD_RequestTerminationCode code)
{
    (void) cls;
    (void) connection;
    (void) code;
    sq_http_request_t *request = (sq_http_request_t *) *state;
    if (!request)
        return;
    for (int i = 0; i < request->header_count; i++) {
        free(request->header_names[i]);
        free(request->header_values[i]);
    }
    if (request->response)
        MHD_destroy_response(request->response);
    json_decref(request->form);
    free(request->body);
    free(request);
    *state = NULL;
}

//  libmicrohttpd's own complaints (a socket error, a malformed request line) go to our log.
static void s_on_library_error(void *cls, const char *format, va_list args)
{
    char message[512];
    vsnprintf(message, sizeof message, format, args);
    size_t length = strlen(message);
    while (length && (message[length - 1] == '\n' || message[length - 1] == ' '))
        message[--length] = 0;
    sq_warn_limited("%s: libmicrohttpd: %s", ((sq_http_t *) cls)->name, message);
}

sq_http_t *sq_http_new(const sq_http_setup_t *setup)
{
    sq_http_t *self = (sq_http_t *) sq_alloc(sizeof *self);
    self->setup = *setup;
    self->name = sq_strdup(setup->name);
    self->address = sq_strdup(setup->address);
    self->setup.name = self->name;
    self->setup.address = self->address;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t) setup->port)};
    if (inet_pton(AF_INET, setup->address, &address.sin_addr) != 1) {
        sq_error("%s: not an IPv4 address to listen on: %s", setup->name, setup->address);
        sq_http_destroy(&self);
        return NULL;
    }
    self->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t) setup->port, NULL, NULL,
        &s_on_request, self, MHD_OPTION_EXTERNAL_LOGGER, &s_on_library_error, self,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) setup->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int) setup->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, &s_on_completed, self,
        MHD_OPTION_END);
    if (!self->daemon) {
        sq_error("%s: cannot listen on http://%s:%d: %s", setup->name, setup->address, setup->port,
                 strerror(errno));
        sq_http_destroy(&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : setup->port;
    return self;
}

void sq_http_destroy(sq_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_http_t *self = *self_p;
    if (self->daemon)
        MHD_stop_daemon(self->daemon);
    free(self->name);
    free(self->address);
    free(self);
    *self_p = NULL;
}

int sq_http_port(sq_http_t *self)
{
    return self->port;
}
