/*  lmtp_server: LMTP connections over TCP, one thread each (see lmtp_server.h). */
#include "lmtp_server.h"

#include <arpa/inet.h>
#include <czmq.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sq_lmtp.h"
#include "sq_log.h"
#include "take.h"

#define S_READ_SIZE 65536
#define S_POLL_MS 250   //  how often a connection looks whether the server is stopping

struct _lmtp_server_t {
    const sq_config_t *config;   //  borrowed
    sq_submit_t *submit;         //  borrowed
    int listener;
    int port;
    pthread_t acceptor;
    pthread_mutex_t lock;
    pthread_cond_t idle;
    int connections;             //  running connection threads
    volatile bool stopping;
    char **mailboxes;            //  the accepted recipients, NULL-terminated
};

typedef struct {
    lmtp_server_t *server;
    int socket;
    char peer[64];
} s_connection_t;

//  The session's deliver: the message to the hub, the same answer for every recipient
//  (the message is one complaint, whichever of the city's mailboxes it was sent to).
static sq_lmtp_deliver_result_t s_deliver(void *arg, const char *from, const char *const *recipients,
                                          size_t count, const char *bytes, size_t length,
                                          sq_lmtp_reply_t *replies)
{
    s_connection_t *connection = (s_connection_t *) arg;
    (void) recipients;
    email_take_result_t result;
    email_take(connection->server->config, connection->server->submit, bytes, length, &result);
    sq_info("email: LMTP from %s <%s>: %d %s", connection->peer, from, result.code, result.text);
    for (size_t i = 0; i < count; i++) {
        replies[i].code = result.code;
        snprintf(replies[i].text, sizeof replies[i].text, "%s", result.text);
    }
    return SQ_LMTP_DONE;
}

static int s_send_all(int socket, const char *bytes, size_t length)
{
    while (length) {
        ssize_t sent = send(socket, bytes, length, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return -1;
        bytes += sent;
        length -= (size_t) sent;
    }
    return 0;
}

static void *s_serve(void *arg)
{
    s_connection_t *connection = (s_connection_t *) arg;
    lmtp_server_t *server = connection->server;
    sq_lmtp_limits_t limits;
    sq_lmtp_limits_default(&limits);
    limits.message_max_bytes = (size_t) server->config->email_max_message_bytes;
    sq_lmtp_t *session = sq_lmtp_session_new(server->config->email_hostname,
                                             (const char *const *) server->mailboxes, &limits,
                                             s_deliver, connection);
    char *buffer = (char *) zmalloc(S_READ_SIZE);
    const char *greeting = sq_lmtp_greeting(session);
    int idle_ms = 0;
    bool open = s_send_all(connection->socket, greeting, strlen(greeting)) == 0;
    while (open && !server->stopping && !sq_lmtp_closed(session)) {
        struct pollfd item = {connection->socket, POLLIN, 0};
        int ready = poll(&item, 1, S_POLL_MS);
        if (ready == 0) {
            idle_ms += S_POLL_MS;
            if (idle_ms >= server->config->email_idle_timeout_s * 1000) {
                const char *bye = "421 4.4.2 idle too long, closing\r\n";
                s_send_all(connection->socket, bye, strlen(bye));
                break;
            }
            continue;
        }
        if (ready < 0 && errno == EINTR)
            continue;
        ssize_t got = ready > 0 ? recv(connection->socket, buffer, S_READ_SIZE, 0) : -1;
        if (got <= 0)
            break;
        idle_ms = 0;
        size_t reply_length = 0;
        const char *reply = sq_lmtp_feed(session, buffer, (size_t) got, &reply_length);
        if (reply_length && s_send_all(connection->socket, reply, reply_length))
            open = false;
    }
    free(buffer);
    sq_lmtp_session_destroy(&session);
    close(connection->socket);
    free(connection);
    pthread_mutex_lock(&server->lock);
    server->connections--;
    pthread_cond_broadcast(&server->idle);
    pthread_mutex_unlock(&server->lock);
    return NULL;
}

static void *s_accept(void *arg)
{
    lmtp_server_t *self = (lmtp_server_t *) arg;
    while (!self->stopping) {
        struct pollfd item = {self->listener, POLLIN, 0};
        if (poll(&item, 1, S_POLL_MS) <= 0)
            continue;
        pthread_mutex_lock(&self->lock);
        bool full = self->connections >= self->config->email_connections;
        pthread_mutex_unlock(&self->lock);
        if (full) {   //  let it wait in the listen queue
            usleep(20000);
            continue;
        }
        struct sockaddr_in peer;
        socklen_t peer_length = sizeof peer;
        int socket = accept(self->listener, (struct sockaddr *) &peer, &peer_length);
        if (socket < 0)
            continue;
        s_connection_t *connection = (s_connection_t *) zmalloc(sizeof *connection);
        connection->server = self;
        connection->socket = socket;
        inet_ntop(AF_INET, &peer.sin_addr, connection->peer, sizeof connection->peer);
        pthread_mutex_lock(&self->lock);
        self->connections++;
        pthread_mutex_unlock(&self->lock);
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, s_serve, connection)) {
            sq_error("email: no thread for a connection from %s", connection->peer);
            close(socket);
            free(connection);
            pthread_mutex_lock(&self->lock);
            self->connections--;
            pthread_mutex_unlock(&self->lock);
        }
        pthread_attr_destroy(&attributes);
    }
    return NULL;
}

//  email.mailboxes, comma-separated, as a NULL-terminated list.
static char **s_mailboxes(const char *text)
{
    char *copy = strdup(text), *saveptr = NULL;
    size_t count = 0;
    char **list = (char **) zmalloc(sizeof(char *) * (strlen(text) / 2 + 2));
    for (char *name = strtok_r(copy, ", ", &saveptr); name; name = strtok_r(NULL, ", ", &saveptr))
        list[count++] = strdup(name);
    free(copy);
    return list;
}

lmtp_server_t *lmtp_server_new(const sq_config_t *config, sq_submit_t *submit)
{
    lmtp_server_t *self = (lmtp_server_t *) zmalloc(sizeof *self);
    self->config = config;
    self->submit = submit;
    self->mailboxes = s_mailboxes(config->email_mailboxes);
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->idle, NULL);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t) config->email_lmtp_port)};
    int one = 1;
    self->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (self->listener < 0 || inet_pton(AF_INET, config->email_lmtp_address, &address.sin_addr) != 1
        || setsockopt(self->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
        || bind(self->listener, (struct sockaddr *) &address, sizeof address)
        || listen(self->listener, 64)) {
        sq_error("email: cannot listen for LMTP on %s:%d: %s", config->email_lmtp_address,
                 config->email_lmtp_port, strerror(errno));
        if (self->listener >= 0)
            close(self->listener);
        self->listener = -1;
        lmtp_server_destroy(&self);
        return NULL;
    }
    socklen_t length = sizeof address;
    getsockname(self->listener, (struct sockaddr *) &address, &length);
    self->port = ntohs(address.sin_port);
    if (pthread_create(&self->acceptor, NULL, s_accept, self)) {
        sq_error("email: cannot start the LMTP acceptor");
        close(self->listener);
        self->listener = -1;
        lmtp_server_destroy(&self);
        return NULL;
    }
    return self;
}

int lmtp_server_port(lmtp_server_t *self)
{
    return self->port;
}

void lmtp_server_destroy(lmtp_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lmtp_server_t *self = *self_p;
    self->stopping = true;
    if (self->listener >= 0) {
        pthread_join(self->acceptor, NULL);
        close(self->listener);
    }
    pthread_mutex_lock(&self->lock);
    while (self->connections > 0)
        pthread_cond_wait(&self->idle, &self->lock);
    pthread_mutex_unlock(&self->lock);
    pthread_mutex_destroy(&self->lock);
    pthread_cond_destroy(&self->idle);
    for (char **name = self->mailboxes; name && *name; name++)
        free(*name);
    free(self->mailboxes);
    free(self);
    *self_p = NULL;
}
