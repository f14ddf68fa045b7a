/*  sq_mdp: MDP/0.1 frames built and parsed in one place (see sq_mdp.h). */
#include "sq_mdp.h"

#include "sq_log.h"

struct _sq_mdp_msg_t {
    sq_mdp_kind_t kind;
    zframe_t *address;   //  routing id on a ROUTER, or NULL
    char *service;       //  CLIENT and READY
    zframe_t *client;    //  REQUEST and REPLY
    zmsg_t *body;        //  never NULL
};

static const char *s_kind_names[] = {"CLIENT", "READY", "REQUEST", "REPLY", "HEARTBEAT",
                                     "DISCONNECT"};

const char *sq_mdp_kind_name(int kind)
{
    if (kind < SQ_MDP_CLIENT || kind > SQ_MDP_DISCONNECT)
        return "UNKNOWN";
    return s_kind_names[kind];
}

sq_mdp_msg_t *sq_mdp_msg_new(sq_mdp_kind_t kind)
{
    sq_mdp_msg_t *self = (sq_mdp_msg_t *) zmalloc(sizeof *self);
    self->kind = kind;
    self->service = strdup("");
    self->body = zmsg_new();
    return self;
}

void sq_mdp_msg_destroy(sq_mdp_msg_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_mdp_msg_t *self = *self_p;
    zframe_destroy(&self->address);
    zframe_destroy(&self->client);
    zmsg_destroy(&self->body);
    free(self->service);
    free(self);
    *self_p = NULL;
}

//  Pop a frame that must be empty; false when it is missing or not empty.
static bool s_pop_empty(zmsg_t *raw)
{
    zframe_t *frame = zmsg_pop(raw);
    bool ok = frame && zframe_size(frame) == 0;
    zframe_destroy(&frame);
    return ok;
}

//  Pop a frame as a service name; NULL when missing, empty or too long.
static char *s_pop_service(zmsg_t *raw)
{
    zframe_t *frame = zmsg_pop(raw);
    if (!frame || zframe_size(frame) == 0 || zframe_size(frame) > SQ_MDP_SERVICE_MAX
        || memchr(zframe_data(frame), 0, zframe_size(frame))) {
        zframe_destroy(&frame);
        return NULL;
    }
    char *service = zframe_strdup(frame);
    zframe_destroy(&frame);
    return service;
}

static bool s_frame_is(zframe_t *frame, const char *text)
{
    return frame && zframe_streq(frame, text);
}

//  Parse what follows the worker header; fills self or returns a reason.
static const char *s_decode_worker(sq_mdp_msg_t *self, zmsg_t *raw)
{
    zframe_t *command = zmsg_pop(raw);
    if (!command || zframe_size(command) != 1) {
        zframe_destroy(&command);
        return "worker command frame missing or not one byte";
    }
    int kind = zframe_data(command)[0];
    zframe_destroy(&command);
    if (kind < SQ_MDP_READY || kind > SQ_MDP_DISCONNECT)
        return "unknown worker command";
    self->kind = (sq_mdp_kind_t) kind;
    if (kind == SQ_MDP_READY) {
        char *service = s_pop_service(raw);
        if (!service)
            return "READY without a valid service name";
        free(self->service);
        self->service = service;
    }
    else if (kind == SQ_MDP_REQUEST || kind == SQ_MDP_REPLY) {
        self->client = zmsg_pop(raw);
        if (!self->client || zframe_size(self->client) == 0)
            return "REQUEST/REPLY without a client address";
        if (!s_pop_empty(raw))
            return "REQUEST/REPLY without the empty frame after the client address";
        zmsg_destroy(&self->body);
        self->body = zmsg_dup(raw);
    }
    return NULL;
}

sq_mdp_msg_t *sq_mdp_msg_decode(zmsg_t **raw_p, bool routed, const char **reason)
{
    assert(raw_p && *raw_p);
    zmsg_t *raw = *raw_p;
    *raw_p = NULL;
    sq_mdp_msg_t *self = sq_mdp_msg_new(SQ_MDP_CLIENT);
    const char *why = NULL;
    if (routed && (self->address = zmsg_pop(raw)) == NULL)
        why = "no routing id";
    else if (!s_pop_empty(raw))
        why = "first frame is not empty";
    else {
        zframe_t *header = zmsg_pop(raw);
        if (s_frame_is(header, SQ_MDP_CLIENT_HEADER)) {
            char *service = s_pop_service(raw);
            if (!service)
                why = "client message without a valid service name";
            else {
                free(self->service);
                self->service = service;
                zmsg_destroy(&self->body);
                self->body = zmsg_dup(raw);
            }
        }
        else if (s_frame_is(header, SQ_MDP_WORKER_HEADER))
            why = s_decode_worker(self, raw);
        else
            why = "unknown protocol header (expected MDPC01 or MDPW01)";
        zframe_destroy(&header);
    }
    zmsg_destroy(&raw);
    if (why) {
        if (reason)
            *reason = why;
        sq_mdp_msg_destroy(&self);
    }
    return self;
}

sq_mdp_msg_t *sq_mdp_msg_recv(zsock_t *socket, bool routed)
{
    zmsg_t *raw = zmsg_recv(socket);
    if (!raw)
        return NULL;
    const char *reason = NULL;
    sq_mdp_msg_t *self = sq_mdp_msg_decode(&raw, routed, &reason);
    if (!self)
        sq_warn("dropped a malformed MDP message: %s", reason);
    return self;
}

zmsg_t *sq_mdp_msg_encode(sq_mdp_msg_t **self_p)
{
    assert(self_p && *self_p);
    sq_mdp_msg_t *self = *self_p;
    zmsg_t *raw = self->body;
    self->body = NULL;
    if (self->kind == SQ_MDP_CLIENT) {
        zmsg_pushstr(raw, self->service);
        zmsg_pushstr(raw, SQ_MDP_CLIENT_HEADER);
    }
    else {
        if (self->kind == SQ_MDP_REQUEST || self->kind == SQ_MDP_REPLY) {
            zmsg_pushmem(raw, "", 0);
            zmsg_prepend(raw, &self->client);
        }
        else {
            zmsg_destroy(&raw);
            raw = zmsg_new();
            if (self->kind == SQ_MDP_READY)
                zmsg_pushstr(raw, self->service);
        }
        byte command = (byte) self->kind;
        zmsg_pushmem(raw, &command, 1);
        zmsg_pushstr(raw, SQ_MDP_WORKER_HEADER);
    }
    zmsg_pushmem(raw, "", 0);
    if (self->address)
        zmsg_prepend(raw, &self->address);
    sq_mdp_msg_destroy(self_p);
    return raw;
}

int sq_mdp_msg_send(sq_mdp_msg_t **self_p, zsock_t *socket)
{
    zmsg_t *raw = sq_mdp_msg_encode(self_p);
    return zmsg_send(&raw, socket);
}

sq_mdp_kind_t sq_mdp_msg_kind(sq_mdp_msg_t *self)
{
    return self->kind;
}

zframe_t *sq_mdp_msg_address(sq_mdp_msg_t *self)
{
    return self->address;
}

void sq_mdp_msg_set_address(sq_mdp_msg_t *self, zframe_t **address_p)
{
    zframe_destroy(&self->address);
    self->address = *address_p;
    *address_p = NULL;
}

const char *sq_mdp_msg_service(sq_mdp_msg_t *self)
{
    return self->service;
}

void sq_mdp_msg_set_service(sq_mdp_msg_t *self, const char *service)
{
    free(self->service);
    self->service = strdup(service);
}

zframe_t *sq_mdp_msg_client(sq_mdp_msg_t *self)
{
    return self->client;
}

void sq_mdp_msg_set_client(sq_mdp_msg_t *self, zframe_t **client_p)
{
    zframe_destroy(&self->client);
    self->client = *client_p;
    *client_p = NULL;
}

zframe_t *sq_mdp_msg_take_client(sq_mdp_msg_t *self)
{
    zframe_t *client = self->client;
    self->client = NULL;
    return client;
}

zmsg_t *sq_mdp_msg_body(sq_mdp_msg_t *self)
{
    return self->body;
}

void sq_mdp_msg_set_body(sq_mdp_msg_t *self, zmsg_t **body_p)
{
    zmsg_destroy(&self->body);
    self->body = *body_p;
    *body_p = NULL;
}

zmsg_t *sq_mdp_msg_take_body(sq_mdp_msg_t *self)
{
    zmsg_t *body = self->body;
    self->body = zmsg_new();
    return body;
}
