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

//  Drive the session and collect what the broker side receives, until count messages of
//  kind have arrived (0 when that was reached) or timeout_ms pass (-1).  Timed by what
//  arrives, not by fixed sleeps, so that it holds under valgrind too.
static int s_run_until(sq_mdp_worker_t *session, s_broker_t *broker, s_seen_t *seen, int kind,
                       int count, int timeout_ms, uint64_t *ticket)
{
    int64_t end = zclock_mono() + timeout_ms;
    while (zclock_mono() < end) {
        zmsg_t *body = s_drive(session, 5, ticket);
        zmsg_destroy(&body);
        s_collect(broker, seen);
        if (s_count_kind(seen, kind) >= count)
            return 0;
    }
    return -1;
}

//  Drive the session until it has read what was sent to it and closed its socket.
static int s_run_until_closed(sq_mdp_worker_t *session, int timeout_ms)
{
    uint64_t ticket = 0;
    int64_t end = zclock_mono() + timeout_ms;
    while (zclock_mono() < end && sq_mdp_worker_socket(session)) {
        zmsg_t *body = s_drive(session, 5, &ticket);
        zmsg_destroy(&body);
    }
    return sq_mdp_worker_socket(session) ? -1 : 0;
}

START_TEST(disconnect_means_one_ready_from_a_new_identity_after_the_wait)
{
    s_broker_t broker = s_broker_new();
    sq_mdp_worker_t *session = sq_mdp_worker_new(broker.endpoint, "echo", 1000, S_LIVENESS, 1000);
    ck_assert_ptr_nonnull(session);
    uint64_t ticket = 0;
    s_seen_t seen = {.count = 0};
    ck_assert_int_eq(s_run_until(session, &broker, &seen, SQ_MDP_READY, 1, 3000, &ticket), 0);
    char *first = strdup(s_identity_of(&seen, SQ_MDP_READY, 0));
    s_seen_free(&seen);

    s_send_to(&broker, first, SQ_MDP_DISCONNECT, NULL);
    ck_assert_int_eq(s_run_until_closed(session, 3000), 0);   //  closed, and waiting
    zclock_sleep(300);
    s_collect(&broker, &seen);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_READY), 0);   //  nothing during the wait
    s_seen_free(&seen);

    ck_assert_int_eq(s_run_until(session, &broker, &seen, SQ_MDP_READY, 1, 5000, &ticket), 0);
    ck_assert_ptr_nonnull(sq_mdp_worker_socket(session));
    ck_assert_int_eq((int) sq_mdp_worker_reconnects(session), 1);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_READY), 1);
    ck_assert_str_ne(s_identity_of(&seen, SQ_MDP_READY, 0), first);   //  a new socket
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
    //  The broker answers nothing: after 3 x 100 ms the session gives up on its socket and
    //  150 ms later announces itself again, once, from a new one.
    int64_t began = zclock_mono();
    s_seen_t seen = {.count = 0};
    ck_assert_int_eq(s_run_until(session, &broker, &seen, SQ_MDP_READY, 2, 5000, &ticket), 0);
    ck_assert_int_ge(zclock_mono() - began, S_HEARTBEAT_MS * S_LIVENESS + S_RECONNECT_MS);
    ck_assert_int_eq((int) sq_mdp_worker_reconnects(session), 1);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_READY), 2);
    ck_assert_int_ge(s_count_kind(&seen, SQ_MDP_HEARTBEAT), 1);
    ck_assert_str_ne(s_identity_of(&seen, SQ_MDP_READY, 0), s_identity_of(&seen, SQ_MDP_READY, 1));
    s_seen_free(&seen);
    sq_mdp_worker_destroy(&session);
    s_broker_destroy(&broker);
}
END_TEST

START_TEST(a_request_held_across_a_reconnection_is_not_answered)
{
    s_broker_t broker = s_broker_new();
    sq_mdp_worker_t *session = sq_mdp_worker_new(broker.endpoint, "echo", 1000, S_LIVENESS, 200);
    uint64_t ticket = 0;
    s_seen_t seen = {.count = 0};
    ck_assert_int_eq(s_run_until(session, &broker, &seen, SQ_MDP_READY, 1, 3000, &ticket), 0);
    char *first = strdup(s_identity_of(&seen, SQ_MDP_READY, 0));
    s_seen_free(&seen);

    s_send_to(&broker, first, SQ_MDP_REQUEST, "hello");
    zmsg_t *request = NULL;
    for (int64_t end = zclock_mono() + 3000; !request && zclock_mono() < end;)
        request = s_drive(session, 5, &ticket);
    ck_assert_ptr_nonnull(request);
    ck_assert_int_eq((int) ticket, 1);
    zmsg_destroy(&request);
    uint64_t held = ticket;

    s_send_to(&broker, first, SQ_MDP_DISCONNECT, NULL);
    ck_assert_int_eq(s_run_until_closed(session, 3000), 0);
    ck_assert_int_eq(s_run_until(session, &broker, &seen, SQ_MDP_READY, 1, 5000, &ticket), 0);
    char *second = strdup(s_identity_of(&seen, SQ_MDP_READY, 0));
    s_seen_free(&seen);
    zmsg_t *late = zmsg_new();
    zmsg_addstr(late, "late");
    ck_assert_int_eq(sq_mdp_worker_reply(session, held, &late), -1);
    ck_assert_ptr_null(late);

    //  A request on the new socket is answered there, once; a second reply is refused.
    s_send_to(&broker, second, SQ_MDP_REQUEST, "again");
    for (int64_t end = zclock_mono() + 3000; !request && zclock_mono() < end;)
        request = s_drive(session, 5, &ticket);
    ck_assert_ptr_nonnull(request);
    ck_assert_int_eq((int) ticket, 2);
    ck_assert_int_eq(sq_mdp_worker_reply(session, ticket, &request), 0);
    zmsg_t *twice = zmsg_new();
    zmsg_addstr(twice, "twice");
    ck_assert_int_eq(sq_mdp_worker_reply(session, ticket, &twice), -1);
    ck_assert_int_eq(s_run_until(session, &broker, &seen, SQ_MDP_REPLY, 1, 3000, &ticket), 0);
    zclock_sleep(100);
    s_collect(&broker, &seen);
    ck_assert_int_eq(s_count_kind(&seen, SQ_MDP_REPLY), 1);   //  the late one never came
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
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, disconnect_means_one_ready_from_a_new_identity_after_the_wait);
    tcase_add_test(tc, a_silent_broker_means_one_reconnection_per_liveness_period);
    tcase_add_test(tc, a_request_held_across_a_reconnection_is_not_answered);
    suite_add_tcase(suite, tc);
    return suite;
}
