/*  hotline: HTTP work orders in, MDP requests out (see hotline.h). */
#include "hotline.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <strings.h>

#include "sq_envelope.h"
#include "sq_log.h"
#include "sq_mdp_client.h"
#include "sq_number.h"

#define S_PREFIX "/v1/workorders"

struct _hotline_t {
    const sq_config_t *config;   //  borrowed
    sq_limits_t limits;
    struct MHD_Daemon *daemon;
    pthread_mutex_t pool_lock;
    zlist_t *idle_clients;       //  sq_mdp_client_t *, one per request in flight at most
};

//  The state of one HTTP request while its body arrives.
typedef struct {
    char *body;
    size_t length;
    bool too_large;
    int64_t started;
} s_request_t;

//  --- MDP clients, pooled so that each thread need not connect anew ---

static sq_mdp_client_t *s_client_take(hotline_t *self)
{
    pthread_mutex_lock(&self->pool_lock);
    sq_mdp_client_t *client = (sq_mdp_client_t *) zlist_pop(self->idle_clients);
    pthread_mutex_unlock(&self->pool_lock);
    if (!client)
        client = sq_mdp_client_new(self->config->broker_client_endpoint,
                                   self->config->hotline_broker_timeout_ms,
                                   self->config->hotline_broker_retries);
    return client;
}

static void s_client_give_back(hotline_t *self, sq_mdp_client_t *client)
{
    if (!client)
        return;
    pthread_mutex_lock(&self->pool_lock);
    zlist_append(self->idle_clients, client);
    pthread_mutex_unlock(&self->pool_lock);
}

//  Ask a service; returns the reply's status code and sets *json to its JSON text
//  (the caller's), or returns 0 when the hub did not answer.
static int s_ask(hotline_t *self, const char *service, zmsg_t **request, char **json)
{
    *json = NULL;
    sq_mdp_client_t *client = s_client_take(self);
    zmsg_t *reply = client ? sq_mdp_client_request(client, service, request) : NULL;
    zmsg_destroy(request);
    s_client_give_back(self, client);
    if (!reply)
        return 0;
    char *status = zmsg_popstr(reply);
    *json = zmsg_popstr(reply);
    zmsg_destroy(&reply);
    int code = status ? atoi(status) : 0;
    free(status);
    if (code < 200 || code > 599 || !*json) {
        sq_error_limited("malformed reply from %s", service);
        free(*json);
        *json = NULL;
        return 0;
    }
    return code;
}

//  --- HTTP answers ---

static enum MHD_Result s_send(struct MHD_Connection *connection, unsigned int status,
                              const char *json)
{
    size_t length = strlen(json);
    char *copy = (char *) malloc(length + 1);
    memcpy(copy, json, length);
    copy[length] = '\n';
    struct MHD_Response *response =
        MHD_create_response_from_buffer(length + 1, copy, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(response, "Content-Type", "application/json; charset=utf-8");
    if (status == 405)
        MHD_add_response_header(response, "Allow", "GET, POST");
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result s_send_error(struct MHD_Connection *connection, unsigned int status,
                                    const char *field, const char *message)
{
    json_t *object = json_pack("{s:s}", "error", message);
    if (field && *field)
        json_object_set_new(object, "field", json_string(field));
    char *text = json_dumps(object, JSON_COMPACT);
    json_decref(object);
    enum MHD_Result result = s_send(connection, status, text);
    free(text);
    return result;
}

//  --- the endpoints ---

static enum MHD_Result s_post_workorder(hotline_t *self, struct MHD_Connection *connection,
                                        s_request_t *request)
{
    sq_field_error_t error = {"", ""};
    json_t *envelope =
        sq_envelope_from_hotline(request->body ? request->body : "", request->length,
                                 &self->limits, &error);
    if (!envelope) {
        sq_warn_limited("POST %s refused: %s%s%s", S_PREFIX, error.field, *error.field ? ": " : "",
                error.message);
        return s_send_error(connection, 400, error.field, error.message);
    }
    char *text = json_dumps(envelope, JSON_COMPACT);
    char *external_id = strdup(json_string_value(json_object_get(envelope, "external_id")));
    json_decref(envelope);
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, text);
    free(text);
    char *answer = NULL;
    int code = s_ask(self, "suqiu.intake", &message, &answer);
    enum MHD_Result result;
    json_t *reply = answer ? json_loads(answer, 0, NULL) : NULL;
    const char *replied_id = json_string_value(json_object_get(reply, "external_id"));
    if (code == 0)
        result = s_send_error(connection, 503, NULL,
                              "the hub did not answer in time; retry with the same external_id");
    else if ((code == 200 || code == 201) && (!replied_id || strcmp(replied_id, external_id))) {
        sq_error("intake answered for another key (%s, expected %s)", replied_id, external_id);
        result = s_send_error(connection, 503, NULL, "the hub answered out of turn; retry");
    }
    else
        result = s_send(connection, (unsigned) code, answer);
    json_decref(reply);
    free(answer);
    free(external_id);
    return result;
}

static enum MHD_Result s_lookup(hotline_t *self, struct MHD_Connection *connection,
                                zmsg_t **message)
{
    char *answer = NULL;
    int code = s_ask(self, "suqiu.lookup", message, &answer);
    enum MHD_Result result =
        code ? s_send(connection, (unsigned) code, answer)
             : s_send_error(connection, 503, NULL, "the hub did not answer in time; retry");
    free(answer);
    return result;
}

static enum MHD_Result s_get_workorder(hotline_t *self, struct MHD_Connection *connection,
                                       const char *number)
{
    if (!sq_number_valid(number))
        return s_send_error(connection, 400, "number",
                            "not a work-order number (e.g. 12345-20261123-000042)");
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "number");
    zmsg_addstr(message, number);
    return s_lookup(self, connection, &message);
}

static enum MHD_Result s_find_workorder(hotline_t *self, struct MHD_Connection *connection)
{
    const char *channel = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "channel");
    const char *external_id =
        MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "external_id");
    if (!channel || !sq_channel_known(channel))
        return s_send_error(connection, 400, "channel",
                            "must be one of hotline12345, hotline12315, web, wechat, email");
    if (!external_id || !*external_id || strlen(external_id) > 128)
        return s_send_error(connection, 400, "external_id", "is required (1 to 128 characters)");
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "key");
    zmsg_addstr(message, channel);
    zmsg_addstr(message, external_id);
    return s_lookup(self, connection, &message);
}

static enum MHD_Result s_health(hotline_t *self, struct MHD_Connection *connection)
{
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "suqiu.intake");
    sq_mdp_client_t *client = s_client_take(self);
    zmsg_t *reply = client ? sq_mdp_client_request(client, "mmi.service", &message) : NULL;
    zmsg_destroy(&message);
    s_client_give_back(self, client);
    char *code = reply ? zmsg_popstr(reply) : NULL;
    bool ok = code && streq(code, "200");
    free(code);
    zmsg_destroy(&reply);
    return ok ? s_send(connection, 200, "{\"status\":\"ok\"}")
              : s_send_error(connection, 503, NULL, "no intake worker is reachable");
}

//  Route a complete request to its endpoint.
static enum MHD_Result s_dispatch(hotline_t *self, struct MHD_Connection *connection,
                                  const char *url, const char *method, s_request_t *request)
{
    bool is_get = streq(method, "GET"), is_post = streq(method, "POST");
    if (streq(url, "/v1/health"))
        return is_get ? s_health(self, connection) : s_send_error(connection, 405, NULL, "use GET");
    if (streq(url, S_PREFIX) || streq(url, S_PREFIX "/")) {
        if (is_post) {
            const char *type =
                MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Type");
            if (!type || strncasecmp(type, "application/json", 16))
                return s_send_error(connection, 415, NULL, "send Content-Type: application/json");
            if (request->too_large)
                return s_send_error(connection, 413, NULL, "the body is too large");
            return s_post_workorder(self, connection, request);
        }
        return is_get ? s_find_workorder(self, connection)
                      : s_send_error(connection, 405, NULL, "use GET or POST");
    }
    if (strncmp(url, S_PREFIX "/", strlen(S_PREFIX) + 1) == 0) {
        return is_get ? s_get_workorder(self, connection, url + strlen(S_PREFIX) + 1)
                      : s_send_error(connection, 405, NULL, "use GET");
    }
    return s_send_error(connection, 404, NULL, "no such resource");
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **state)
{
    (void) version;
    hotline_t *self = (hotline_t *) cls;
    s_request_t *request = (s_request_t *) *state;
    if (!request) {
        request = (s_request_t *) zmalloc(sizeof *request);
        request->started = zclock_usecs();
        *state = request;
        const char *length =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Length");
        if (length && strtoull(length, NULL, 10) > (unsigned long long) self->config->hotline_max_body_bytes)
            request->too_large = true;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t room = (size_t) self->config->hotline_max_body_bytes - request->length;
        if (request->too_large || *upload_data_size > room)
            request->too_large = true;   //  read and dropped; answered 413 at the end
        else {
            request->body = (char *) realloc(request->body, request->length + *upload_data_size + 1);
            memcpy(request->body + request->length, upload_data, *upload_data_size);
            request->length += *upload_data_size;
            request->body[request->length] = 0;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return s_dispatch(self, connection, url, method, request);
}

static void s_on_completed(void *cls, struct MHD_Connection *connection, void **state,
                           enum MHD_RequestTerminationCode code)
{
    (void) cls;
    (void) connection;
    (void) code;
    s_request_t *request = (s_request_t *) *state;
    if (!request)
        return;
    sq_debug("request done in %.1f ms", (zclock_usecs() - request->started) / 1000.0);
    free(request->body);
    free(request);
    *state = NULL;
}

hotline_t *hotline_new(const sq_config_t *config)
{
    hotline_t *self = (hotline_t *) zmalloc(sizeof *self);
    self->config = config;
    self->limits = (sq_limits_t){config->limits_title_max_chars, config->limits_content_max_chars,
                                 config->limits_field_max_chars};
    pthread_mutex_init(&self->pool_lock, NULL);
    self->idle_clients = zlist_new();
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t) config->hotline_port)};
    if (inet_pton(AF_INET, config->hotline_address, &address.sin_addr) != 1) {
        sq_error("%s: hotline.address: not an IPv4 address: %s", config->path,
                 config->hotline_address);
        hotline_destroy(&self);
        return NULL;
    }
    self->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t) config->hotline_port, NULL,
        NULL, &s_on_request, self, MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) config->hotline_threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 30, MHD_OPTION_NOTIFY_COMPLETED,
        &s_on_completed, self, MHD_OPTION_END);
    if (!self->daemon) {
        sq_error("cannot listen on http://%s:%d: %s", config->hotline_address,
                 config->hotline_port, strerror(errno));
        hotline_destroy(&self);
    }
    return self;
}

void hotline_destroy(hotline_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hotline_t *self = *self_p;
    if (self->daemon)
        MHD_stop_daemon(self->daemon);
    sq_mdp_client_t *client;
    while ((client = (sq_mdp_client_t *) zlist_pop(self->idle_clients)))
        sq_mdp_client_destroy(&client);
    zlist_destroy(&self->idle_clients);
    pthread_mutex_destroy(&self->pool_lock);
    free(self);
    *self_p = NULL;
}
