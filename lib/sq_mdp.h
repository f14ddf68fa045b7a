/*  sq_mdp: the Majordomo Protocol MDP/0.1 (ZeroMQ RFC 7) on the wire.

    Every MDP frame that suqiu builds or parses goes through this module.
    A message is one of six kinds:
      SQ_MDP_CLIENT      [empty] "MDPC01" service body...      (client request and broker reply)
      SQ_MDP_READY       [empty] "MDPW01" 0x01 service
      SQ_MDP_REQUEST     [empty] "MDPW01" 0x02 client [empty] body...
      SQ_MDP_REPLY       [empty] "MDPW01" 0x03 client [empty] body...
      SQ_MDP_HEARTBEAT   [empty] "MDPW01" 0x04
      SQ_MDP_DISCONNECT  [empty] "MDPW01" 0x05
    On a ROUTER socket the sender's routing id comes first; it is kept as the
    message's address.  A message owns its frames; the getters lend them.
*/
#ifndef SQ_MDP_H
#define SQ_MDP_H

#include <czmq.h>
#include <stdbool.h>

#define SQ_MDP_CLIENT_HEADER "MDPC01"
#define SQ_MDP_WORKER_HEADER "MDPW01"
#define SQ_MDP_SERVICE_MAX 255

typedef enum {
    SQ_MDP_CLIENT = 0,       //  client request, or the broker's reply to a client
    SQ_MDP_READY = 1,        //  worker announces the service it serves
    SQ_MDP_REQUEST = 2,      //  broker hands a client's request to a worker
    SQ_MDP_REPLY = 3,        //  worker answers a request
    SQ_MDP_HEARTBEAT = 4,    //  either side is alive
    SQ_MDP_DISCONNECT = 5,   //  either side is going away
} sq_mdp_kind_t;

typedef struct _sq_mdp_msg_t sq_mdp_msg_t;

//  Name of a kind ("READY", ...), for logs.  Never NULL.
const char *sq_mdp_kind_name(int kind);

//  A new empty message of the kind: no address, no service, empty body.
sq_mdp_msg_t *sq_mdp_msg_new(sq_mdp_kind_t kind);

//  Free a message and its frames; safe on NULL and twice.
void sq_mdp_msg_destroy(sq_mdp_msg_t **self_p);

//  Parse raw frames.  Takes ownership of *raw_p (set to NULL).  When routed, the first
//  frame is the sender's routing id.  Returns the message, or NULL with *reason set to a
//  static text saying what was malformed.
sq_mdp_msg_t *sq_mdp_msg_decode(zmsg_t **raw_p, bool routed, const char **reason);

//  Receive one message and parse it.  Returns NULL when interrupted or when the frames
//  are not MDP (logged at warn level with the reason).
sq_mdp_msg_t *sq_mdp_msg_recv(zsock_t *socket, bool routed);

//  Turn the message into frames (address first when it has one).  Takes ownership.
zmsg_t *sq_mdp_msg_encode(sq_mdp_msg_t **self_p);

//  Encode and send.  Takes ownership.  Returns 0 or -1.
int sq_mdp_msg_send(sq_mdp_msg_t **self_p, zsock_t *socket);

sq_mdp_kind_t sq_mdp_msg_kind(sq_mdp_msg_t *self);

//  The routing id it came from or goes to; borrowed, may be NULL.
zframe_t *sq_mdp_msg_address(sq_mdp_msg_t *self);
//  Set the routing id; takes ownership of *address_p.
void sq_mdp_msg_set_address(sq_mdp_msg_t *self, zframe_t **address_p);

//  The service (CLIENT and READY); borrowed, "" when none.
const char *sq_mdp_msg_service(sq_mdp_msg_t *self);
//  Set the service (copied).
void sq_mdp_msg_set_service(sq_mdp_msg_t *self, const char *service);

//  The client's address (REQUEST and REPLY); borrowed, may be NULL.
zframe_t *sq_mdp_msg_client(sq_mdp_msg_t *self);
//  Set the client's address; takes ownership of *client_p.
void sq_mdp_msg_set_client(sq_mdp_msg_t *self, zframe_t **client_p);
//  Take the client's address out; the caller owns it.
zframe_t *sq_mdp_msg_take_client(sq_mdp_msg_t *self);

//  The body frames (CLIENT, REQUEST, REPLY); borrowed, never NULL.
zmsg_t *sq_mdp_msg_body(sq_mdp_msg_t *self);
//  Replace the body; takes ownership of *body_p.
void sq_mdp_msg_set_body(sq_mdp_msg_t *self, zmsg_t **body_p);
//  Take the body out (the message is left with an empty one); the caller owns it.
zmsg_t *sq_mdp_msg_take_body(sq_mdp_msg_t *self);

#endif
