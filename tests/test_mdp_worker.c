/*  test_mdp_worker: a worker session reconnects as RFC 7 says, against a broker played by
    the test with a raw ROUTER socket: after DISCONNECT, and after the broker's silence, it
    closes its socket, waits, and announces itself exactly once from a new identity; a
    request held across a reconnection is never answered on the new socket. */
#include "sq_mdp.h"
#include "sq_mdp_worker.h"
#include "suites.h"

#define S_HEARTBEAT_MS 100
#define S_LIVENESS 3
#define S_RECONNECT_MS 150

typedef struct {
    zsock_t *router;
    char *endpoint;
} s_broker_t;

static s_broker_t s_broker_new(void)
{
    s_broker_t broker;
    broker.router = zsock_new(ZMQ_ROUTER);
    ck_assert_int_ne(zsock_bind(broker.router, "tcp://127.0.0.1:*"), -1);
    broker.endpoint = zsock_last_endpoint(broker.router);
    return broker;
}

static void s_broker_destroy(s_broker_t *broker)
{
    zsock_destroy(&broker->router);
    free(broker->endpoint);
}

//  Drive the session (poll its socket, tick it) for ms milliseconds, handing whatever it
//  reads to sq_mdp_worker_recv.  Returns the last request body seen (the caller's) or NULL.
static zmsg_t *s_drive(sq_mdp_worker_t *session, int ms, uint64_t *ticket)
{
    zmsg_t *request = NULL;
    int64_t end = zclock_mono() + ms;
    while (zclock_mono() < end) {
        zsock_t *socket = sq_mdp_worker_socket(session);
        if (socket) {
            zmq_pollitem_t item = {zsock_resolve(socket), 0, ZMQ_POLLIN, 0};
            zmq_poll(&item, 1, 10);
            if (item.revents & ZMQ_POLLIN) {
                zmsg_t *body = sq_mdp_worker_recv(session, ticket);
                if (body) {
                    zmsg_destroy(&request);
                    request = body;
                }
            }
        }
        else
            zclock_sleep(10);
        if (zclock_mono() >= sq_mdp_worker_wake_at(session))
            sq_mdp_worker_tick(session);
    }
    return request;
}

//  Read what the broker side has received within ms: the commands, in order, with the
//  routing id of each (the caller's, hex).
typedef struct {
    int kinds[64];
    char *identities[64];
    int count;
} s_seen_t;

static void s_seen_free(s_seen_t *seen)
{
    for (int i = 0; i < seen->count; i++)
        free(seen->identities[i]);
    seen->count = 0;
}

static void s_collect(s_broker_t *broker, s_seen_t *seen)
{
    while (zsock_events(broker->router) & ZMQ_POLLIN) {
        sq_mdp_msg_t *message = sq_mdp_msg_recv(broker->router, true);
        if (!message)
            continue;
        if (seen->count < 64) {
            seen->kinds[seen->count] = sq_mdp_msg_kind(message);
            seen->identities[seen->count++] = zframe_strhex(sq_mdp_msg_address(message));
        }
        sq_mdp_msg_destroy(&message);
    }
}

//  The identity of the n-th message of the kind (borrowed), or NULL.
static const char *s_identity_of(s_seen_t *seen, int kind, int n)
{
    for (int i = 0; i < seen->count; i++)
        if (seen->kinds[i] == kind && n-- == 0)
            return seen->identities[i];
    return NULL;
}

static int s_count_kind(s_seen_t *seen, int kind)
{
    int count = 0;
    for (int i = 0; i < seen->count; i++)
        count += seen->kinds[i] == kind;
    return count;
}

//  Send a command from the broker side to a routing id given in hex.
static void s_send_to(s_broker_t *broker, const char *identity_hex, sq_mdp_kind_t kind,
                      const char *body_text)
{
    size_t size = strlen(identity_hex) / 2;
    byte id[256];
    for (size_t i = 0; i < size; i++)
        sscanf(identity_hex + 2 * i, "%2hhx", &id[i]);
    sq_mdp_msg_t *command = sq_mdp_msg_new(kind);
    zframe_t *to = zframe_new(id, size);
    sq_mdp_msg_set_address(command, &to);
    if (kind == SQ_MDP_REQUEST) {
        zframe_t *client = zframe_new("CLIENT-1", 8);
        sq_mdp_msg_set_client(command, &client);
        zmsg_t *body = zmsg_new();
        zmsg_addstr(body, body_text);
        sq_mdp_msg_set_body(command, &body);
    }
    ck_assert_int_eq(sq_mdp_msg_send(&command, broker->router), 0);
}

START_TEST(disconnect_means_one_ready_from_a_new_identity_after_the_wait)
{
    s_broker_t broker = s_broker_new();
    sq_mdp_worker_t *session =
        sq_mdp_worker_new(broker.endpoint, "echo", S_HEARTBEAT_MS, S_LIVENESS, S_RECONNECT_MS);
    ck_assert_ptr_nonnull(session);
    uint64_t ticket = 0;
    s_drive(session, 50, &ticket);
    s_seen_t seen = {.count = 0};
    s_collect(&broker, &seen);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_READY), 1);
    char *first = strdup(seen.identities[0]);
    s_seen_free(&seen);

    s_send_to(&broker, first, SQ_MDP_DISCONNECT, NULL);
    s_drive(session, 50, &ticket);
    ck_assert_ptr_null(sq_mdp_worker_socket(session));   //  closed, waiting
    s_collect(&broker, &seen);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_READY), 0);
    s_seen_free(&seen);

    s_drive(session, S_RECONNECT_MS + 100, &ticket);
    ck_assert_ptr_nonnull(sq_mdp_worker_socket(session));
    ck_assert_int_eq((int) sq_mdp_worker_reconnects(session), 1);
    s_collect(&broker, &seen);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_READY), 1);
    for (int i = 0; i < seen.count; i++)
        ck_assert_str_ne(seen.identities[i], first);   //  a new socket, a new identity
    s_seen_free(&seen);
    free(first);
    sq_mdp_worker_destroy(&session);
    s_broker_destroy(&broker);
}
END_TEST

START_TEST(a_silent_broker_means_one_reconnection_per_liveness_period)
{
    s_broker_t broker = s_broker_new();
    sq_mdp_worker_t *session =
        sq_mdp_worker_new(broker.endpoint, "echo", S_HEARTBEAT_MS, S_LIVENESS, S_RECONNECT_MS);
    uint64_t ticket = 0;
    //  The broker answers nothing: after 3 x 100 ms the session gives up on the socket,
    //  150 ms later it announces again from a new one; in 600 ms that happens once.
    s_drive(session, 600, &ticket);
    s_seen_t seen = {.count = 0};
    s_collect(&broker, &seen);
    ck_assert_int_eq((int) sq_mdp_worker_reconnects(session), 1);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_READY), 2);
    ck_assert_int_ge(s_count_kind(&seen, SQ_MDP_HEARTBEAT), 2);
    ck_assert_str_ne(s_identity_of(&seen, SQ_MDP_READY, 0), s_identity_of(&seen, SQ_MDP_READY, 1));
    s_seen_free(&seen);
    sq_mdp_worker_destroy(&session);
    s_broker_destroy(&broker);
}
END_TEST

START_TEST(a_request_held_across_a_reconnection_is_not_answered)
{
    s_broker_t broker = s_broker_new();
    sq_mdp_worker_t *session =
        sq_mdp_worker_new(broker.endpoint, "echo", S_HEARTBEAT_MS, S_LIVENESS, S_RECONNECT_MS);
    uint64_t ticket = 0;
    s_drive(session, 50, &ticket);
    s_seen_t seen = {.count = 0};
    s_collect(&broker, &seen);
    char *first = strdup(seen.identities[0]);
    s_seen_free(&seen);

    s_send_to(&broker, first, SQ_MDP_REQUEST, "hello");
    zmsg_t *request = s_drive(session, 50, &ticket);
    ck_assert_ptr_nonnull(request);
    ck_assert_int_eq((int) ticket, 1);
    zmsg_destroy(&request);
    uint64_t held = ticket;

    s_send_to(&broker, first, SQ_MDP_DISCONNECT, NULL);
    s_drive(session, S_RECONNECT_MS + 100, &ticket);
    s_collect(&broker, &seen);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_READY), 1);
    char *second = strdup(s_identity_of(&seen, SQ_MDP_READY, 0));
    s_seen_free(&seen);
    zmsg_t *late = zmsg_new();
    zmsg_addstr(late, "late");
    ck_assert_int_eq(sq_mdp_worker_reply(session, held, &late), -1);
    ck_assert_ptr_null(late);
    s_drive(session, 50, &ticket);
    s_collect(&broker, &seen);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_REPLY), 0);
    s_seen_free(&seen);

    //  A request on the new socket is answered there, once; a second reply is refused.
    s_send_to(&broker, second, SQ_MDP_REQUEST, "again");
    request = s_drive(session, 50, &ticket);
    ck_assert_ptr_nonnull(request);
    ck_assert_int_eq((int) ticket, 2);
    ck_assert_int_eq(sq_mdp_worker_reply(session, ticket, &request), 0);
    zmsg_t *twice = zmsg_new();
    zmsg_addstr(twice, "twice");
    ck_assert_int_eq(sq_mdp_worker_reply(session, ticket, &twice), -1);
    zclock_sleep(50);
    s_collect(&broker, &seen);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_REPLY), 1);
    s_seen_free(&seen);
    free(second);
    free(first);
    sq_mdp_worker_destroy(&session);
    s_broker_destroy(&broker);
}
END_TEST

Suite *test_mdp_worker_suite(void)
{
    Suite *suite = suite_create("mdp_worker");
    TCase *tc = tcase_create("reconnect");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, disconnect_means_one_ready_from_a_new_identity_after_the_wait);
    tcase_add_test(tc, a_silent_broker_means_one_reconnection_per_liveness_period);
    tcase_add_test(tc, a_request_held_across_a_reconnection_is_not_answered);
    suite_add_tcase(suite, tc);
    return suite;
}
