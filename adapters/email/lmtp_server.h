/*  lmtp_server: the LMTP listener of suqiu-email: a thread accepts connections on
    email.lmtp_address:email.lmtp_port and runs each (up to email.connections at once; more
    wait in the listen queue) in a thread of its own, speaking lib/sq_lmtp over the socket
    and handing each message to email_take (take.h).  A connection idle for
    email.idle_timeout_s is closed.
*/
#ifndef EMAIL_LMTP_SERVER_H
#define EMAIL_LMTP_SERVER_H

#include "sq_config.h"
#include "sq_submit.h"

typedef struct _lmtp_server_t lmtp_server_t;

//  Listen and start accepting.  config and submit are borrowed for the server's life.  NULL
//  (logged) when it cannot listen.
lmtp_server_t *lmtp_server_new(const sq_config_t *config, sq_submit_t *submit);

//  The port it listens on.
int lmtp_server_port(lmtp_server_t *self);

//  Stop accepting, end the connections (a message being taken is finished first), free.
void lmtp_server_destroy(lmtp_server_t **self_p);

#endif
