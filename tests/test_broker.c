/*  test_broker: the Majordomo broker on the wire.

    Each test starts the broker as an actor on its own ipc:// endpoints with a 100 ms
    heartbeat and talks to it through plain DEALER sockets.  Frames are built and
    checked by hand from RFC 7 (MDP/0.1) and RFC 8 (MMI), not through sq_mdp, so the
    wire format itself is under test.  Clients set their routing id, so the address
    a worker sees in a REQUEST is known.  Waits end on a message or a deadline; a
    worker passed as "alive" sends HEARTBEAT meanwhile so that it does not expire.
*/
#include <check.h>
#include <czmq.h>
#include <inttypes.h>
#include <stdarg.h>
#include <unistd.h>

#include "broker.h"
#include "sq_config.h"
#include "suites.h"

#define S_HEARTBEAT_MS 100
#define S_LIVENESS 3
#define S_EXPIRY_MS (S_HEARTBEAT_MS * S_LIVENESS)
#define S_WAIT_MS 1500    //  for a message that must come, even after an expiry
#define S_QUIET_MS 200    //  for a message that must not come
#define S_TTL_MS 5000
#define S_QUEUE_MAX 100

//  Frames, as C strings: "\001" is a one-byte command, "" an empty frame.
#define C_HEADER "MDPC01"
#define W_HEADER "MDPW01"
#define READY "\001"
#define REQUEST "\002"
#define REPLY "\003"
#define HEARTBEAT "\004"
#define DISCONNECT "\005"

//  --------------------------------------------------------------------------
//  Helpers

static sq_config_t *s_config_new(int request_ttl_ms, int queue_max)
{
    sq_config_t *config = sq_config_defaults();
    int64_t unique = zclock_usecs();
    free(config->broker_client_endpoint);
    free(config->broker_worker_endpoint);
    config->broker_client_endpoint =
        zsys_sprintf("ipc:///tmp/suqiu-test-%d-%" PRId64 "-client.ipc", (int) getpid(), unique);
    config->broker_worker_endpoint =
        zsys_sprintf("ipc:///tmp/suqiu-test-%d-%" PRId64 "-worker.ipc", (int) getpid(), unique);
    config->broker_heartbeat_ms = S_HEARTBEAT_MS;
    config->broker_liveness = S_LIVENESS;
    config->broker_request_ttl_ms = request_ttl_ms;
    config->broker_queue_max = queue_max;
    return config;
}

//  libzmq leaves ipc socket files behind; remove them with the config.
static void s_config_destroy(sq_config_t **config_p)
{
    const char *endpoints[] = {(*config_p)->broker_client_endpoint,
                               (*config_p)->broker_worker_endpoint};
    for (int i = 0; i < 2; i++)
        if (strncmp(endpoints[i], "ipc://", 6) == 0)
            unlink(endpoints[i] + 6);
    sq_config_destroy(config_p);
}

//  A client DEALER with a known routing id.
static zsock_t *s_client_new(const sq_config_t *config, const char *identity)
{
    zsock_t *client = zsock_new(ZMQ_DEALER);
    ck_assert_ptr_nonnull(client);
    zsock_set_identity(client, identity);
    ck_assert_int_eq(zsock_connect(client, "%s", config->broker_client_endpoint), 0);
    return client;
}

//  A worker DEALER that has sent READY for service.
static zsock_t *s_worker_new(const sq_config_t *config, const char *service)
{
    zsock_t *worker = zsock_new(ZMQ_DEALER);
    ck_assert_ptr_nonnull(worker);
    ck_assert_int_eq(zsock_connect(worker, "%s", config->broker_worker_endpoint), 0);
    zstr_sendx(worker, "", W_HEADER, READY, service, NULL);
    return worker;
}

static void s_heartbeat(zsock_t *worker)
{
    zstr_sendx(worker, "", W_HEADER, HEARTBEAT, NULL);
}

static bool s_is_heartbeat(zmsg_t *message)
{
    if (zmsg_size(message) != 3)
        return false;
    zframe_t *frame = zmsg_first(message);
    return zframe_size(frame) == 0 && zframe_streq(zmsg_next(message), W_HEADER)
           && zframe_streq(zmsg_next(message), HEARTBEAT);
}

//  The next message on socket within timeout_ms, or NULL.  Heartbeats are skipped when
//  asked.  Meanwhile, when alive is not NULL, it heartbeats every half interval.
static zmsg_t *s_next(zsock_t *socket, int timeout_ms, zsock_t *alive, bool skip_heartbeats)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    int64_t beat_at = zclock_mono();
    while (true) {
        int64_t now = zclock_mono();
        if (now >= deadline)
            return NULL;
        if (alive && now >= beat_at) {
            s_heartbeat(alive);
            beat_at = now + S_HEARTBEAT_MS / 2;
        }
        int64_t until = alive && beat_at < deadline ? beat_at : deadline;
        zsock_set_rcvtimeo(socket, (int) (until - now));
        zmsg_t *message = zmsg_recv(socket);
        if (message && skip_heartbeats && s_is_heartbeat(message))
            zmsg_destroy(&message);
        if (message)
            return message;
    }
}

//  The next message that is not a heartbeat.
static zmsg_t *s_recv(zsock_t *socket, int timeout_ms, zsock_t *alive)
{
    return s_next(socket, timeout_ms, alive, true);
}

//  True when the next message on a worker is a HEARTBEAT: proof that the broker
//  has registered it and sent it nothing else first.
static bool s_wait_heartbeat(zsock_t *worker, zsock_t *alive)
{
    zmsg_t *message = s_next(worker, S_WAIT_MS, alive, false);
    bool beat = message && s_is_heartbeat(message);
    zmsg_destroy(&message);
    return beat;
}

static bool s_printable(zframe_t *frame)
{
    for (size_t i = 0; i < zframe_size(frame); i++)
        if (zframe_data(frame)[i] < 32 || zframe_data(frame)[i] > 126)
            return false;
    return true;
}

//  Write a message (may be NULL) as [frame][frame]..., unprintable frames in hex.
static void s_describe(zmsg_t *message, char *seen, size_t seen_size)
{
    snprintf(seen, seen_size, "%s", message ? "" : "(nothing)");
    for (zframe_t *frame = message ? zmsg_first(message) : NULL; frame;
         frame = zmsg_next(message)) {
        char *text = s_printable(frame) ? zframe_strdup(frame) : zframe_strhex(frame);
        size_t used = strlen(seen);
        snprintf(seen + used, seen_size - used, "[%s]", text);
        free(text);
    }
}

//  True when message (may be NULL) has exactly the frames in the NULL-terminated list;
//  writes what it saw into seen for the failure message.
static bool s_frames_are(zmsg_t *message, char *seen, size_t seen_size, ...)
{
    s_describe(message, seen, seen_size);
    if (!message)
        return false;
    bool match = true;
    va_list args;
    va_start(args, seen_size);
    zframe_t *frame = zmsg_first(message);
    for (const char *want = va_arg(args, const char *); want; want = va_arg(args, const char *)) {
        if (!frame || !zframe_streq(frame, want))
            match = false;
        frame = frame ? zmsg_next(message) : NULL;
    }
    va_end(args);
    return match && !frame;
}

#define ck_assert_frames(message, ...) ck_assert_frames_at(__LINE__, message, __VA_ARGS__)
#define ck_assert_frames_at(line, message, ...)                                                   \
    do {                                                                                          \
        char seen_[512];                                                                          \
        ck_assert_msg(s_frames_are(message, seen_, sizeof seen_, __VA_ARGS__, NULL),              \
                      "line %d: unexpected message: %s", line, seen_);                            \
    } while (0)

//  Receive a REQUEST on worker and check it carries client and body.
static void s_expect_request(int line, zsock_t *worker, zsock_t *alive, const char *client,
                             const char *body)
{
    zmsg_t *message = s_recv(worker, S_WAIT_MS, alive);
    ck_assert_frames_at(line, message, "", W_HEADER, REQUEST, client, "", body);
    zmsg_destroy(&message);
}

static void s_reply(zsock_t *worker, const char *client, const char *body)
{
    zstr_sendx(worker, "", W_HEADER, REPLY, client, "", body, NULL);
}

static void s_expect_reply(int line, zsock_t *client, zsock_t *alive, const char *service,
                           const char *body)
{
    zmsg_t *message = s_recv(client, S_WAIT_MS, alive);
    ck_assert_frames_at(line, message, "", C_HEADER, service, body);
    zmsg_destroy(&message);
}

static void s_expect_disconnect(int line, zsock_t *worker, zsock_t *alive)
{
    zmsg_t *message = s_recv(worker, S_WAIT_MS, alive);
    ck_assert_frames_at(line, message, "", W_HEADER, DISCONNECT);
    zmsg_destroy(&message);
}

static void s_expect_nothing(int line, zsock_t *socket, zsock_t *alive)
{
    zmsg_t *message = s_recv(socket, S_QUIET_MS, alive);
    char seen[512];
    s_describe(message, seen, sizeof seen);
    bool quiet = message == NULL;
    zmsg_destroy(&message);
    ck_assert_msg(quiet, "line %d: unexpected message: %s", line, seen);
}

//  Throw away whatever has arrived on socket.
static void s_drain(zsock_t *socket)
{
    zsock_set_rcvtimeo(socket, 0);
    zmsg_t *message;
    while ((message = zmsg_recv(socket)))
        zmsg_destroy(&message);
}

//  Ask mmi.service about service and check the code.  Because one client's messages
//  are handled in order, the answer also proves that its earlier requests were handled.
static void s_expect_mmi(int line, zsock_t *client, zsock_t *alive, const char *service,
                         const char *code)
{
    zstr_sendx(client, "", C_HEADER, "mmi.service", service, NULL);
    s_expect_reply(line, client, alive, "mmi.service", code);
}

//  Wait until the broker's timer has run twice after `since` (zclock_mono), watching
//  the heartbeats it sends to the live worker.
static void s_wait_ticks_after(int line, zsock_t *alive, int64_t since)
{
    int ticks = 0;
    while (ticks < 2) {
        ck_assert_msg(s_wait_heartbeat(alive, alive), "line %d: no heartbeat", line);
        if (zclock_mono() >= since)
            ticks++;
    }
}

//  The expectations report the test's line when they fail.
#define EXPECT_REQUEST(...) s_expect_request(__LINE__, __VA_ARGS__)
#define EXPECT_REPLY(...) s_expect_reply(__LINE__, __VA_ARGS__)
#define EXPECT_DISCONNECT(...) s_expect_disconnect(__LINE__, __VA_ARGS__)
#define EXPECT_NOTHING(...) s_expect_nothing(__LINE__, __VA_ARGS__)
#define EXPECT_MMI(...) s_expect_mmi(__LINE__, __VA_ARGS__)
#define WAIT_TICKS_AFTER(...) s_wait_ticks_after(__LINE__, __VA_ARGS__)

//  --------------------------------------------------------------------------
//  Tests

START_TEST(test_request_reaches_worker_and_reply_reaches_client)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *worker = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(worker, NULL));
    zsock_t *client = s_client_new(config, "client-1");

    zstr_sendx(client, "", C_HEADER, "echo", "part one", "part two", NULL);
    zmsg_t *request = s_recv(worker, S_WAIT_MS, NULL);
    ck_assert_frames(request, "", W_HEADER, REQUEST, "client-1", "", "part one", "part two");
    zmsg_destroy(&request);

    zstr_sendx(worker, "", W_HEADER, REPLY, "client-1", "", "answer", "second frame", NULL);
    zmsg_t *reply = s_recv(client, S_WAIT_MS, NULL);
    ck_assert_frames(reply, "", C_HEADER, "echo", "answer", "second frame");
    zmsg_destroy(&reply);

    zsock_destroy(&client);
    zsock_destroy(&worker);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_request_queued_until_a_worker_is_ready)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *client = s_client_new(config, "client-1");
    zstr_sendx(client, "", C_HEADER, "late", "early bird", NULL);
    EXPECT_MMI(client, NULL, "late", "404");   //  the request is queued, no worker yet

    zsock_t *worker = s_worker_new(config, "late");
    EXPECT_REQUEST(worker, NULL, "client-1", "early bird");
    s_reply(worker, "client-1", "worm");
    EXPECT_REPLY(client, NULL, "late", "worm");

    zsock_destroy(&client);
    zsock_destroy(&worker);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_mmi_service_codes)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *worker = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(worker, NULL));
    zsock_t *client = s_client_new(config, "client-1");

    EXPECT_MMI(client, NULL, "echo", "200");
    EXPECT_MMI(client, NULL, "nobody.serves.this", "404");
    zstr_sendx(client, "", C_HEADER, "mmi.service", NULL);   //  no service name at all
    EXPECT_REPLY(client, NULL, "mmi.service", "404");
    zstr_sendx(client, "", C_HEADER, "mmi.other", "echo", NULL);
    EXPECT_REPLY(client, NULL, "mmi.other", "501");

    //  A worker that said goodbye no longer counts.  The broker handles one worker's
    //  messages in order, so the DISCONNECT answering its HEARTBEAT proves it is forgotten.
    zstr_sendx(worker, "", W_HEADER, DISCONNECT, NULL);
    s_heartbeat(worker);
    EXPECT_DISCONNECT(worker, NULL);
    EXPECT_MMI(client, NULL, "echo", "404");

    zsock_destroy(&client);
    zsock_destroy(&worker);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_silent_worker_request_goes_to_another)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *silent = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(silent, NULL));
    zsock_t *client = s_client_new(config, "client-1");

    zstr_sendx(client, "", C_HEADER, "echo", "job", NULL);
    EXPECT_REQUEST(silent, NULL, "client-1", "job");
    //  The first worker now says nothing; the second keeps itself alive while it waits.
    zsock_t *second = s_worker_new(config, "echo");
    EXPECT_REQUEST(second, second, "client-1", "job");

    //  The late answer of the dead worker is refused, not forwarded.
    s_reply(silent, "client-1", "stale");
    EXPECT_DISCONNECT(silent, NULL);
    s_reply(second, "client-1", "fresh");
    EXPECT_REPLY(client, second, "echo", "fresh");
    EXPECT_NOTHING(client, second);

    zsock_destroy(&second);
    zsock_destroy(&silent);
    zsock_destroy(&client);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

//  The zguide broker's purge stops at the first live worker.  Here the first worker in
//  the service's list stays alive while busy (b, c) and idle (d, e) workers behind it
//  die: all four must go, and the requests of b and c must reach a.
START_TEST(test_purge_checks_every_worker)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *a = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(a, a));
    zsock_t *b = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(b, a));
    zsock_t *c = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(c, a));
    zsock_t *client = s_client_new(config, "client-1");

    zstr_sendx(client, "", C_HEADER, "echo", "r1", NULL);
    zstr_sendx(client, "", C_HEADER, "echo", "r2", NULL);
    zstr_sendx(client, "", C_HEADER, "echo", "r3", NULL);
    EXPECT_REQUEST(a, a, "client-1", "r1");   //  the longest idle worker first
    EXPECT_REQUEST(b, a, "client-1", "r2");
    EXPECT_REQUEST(c, a, "client-1", "r3");
    s_reply(a, "client-1", "a1");
    EXPECT_REPLY(client, a, "echo", "a1");

    zsock_t *d = s_worker_new(config, "echo");   //  idle behind a
    ck_assert(s_wait_heartbeat(d, a));
    zsock_t *e = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(e, a));
    int64_t all_expired = zclock_mono() + S_EXPIRY_MS;

    //  r2 and r3 come back to a, in either order.
    bool got[2] = {false, false};
    for (int i = 0; i < 2; i++) {
        zmsg_t *request = s_recv(a, S_WAIT_MS, a);
        ck_assert_ptr_nonnull(request);
        ck_assert_int_eq(zmsg_size(request), 6);
        char *body = zframe_strdup(zmsg_last(request));
        ck_assert_msg(streq(body, "r2") || streq(body, "r3"), "a got %s", body);
        got[streq(body, "r3")] = true;
        s_reply(a, "client-1", body);
        EXPECT_REPLY(client, a, "echo", body);
        free(body);
        zmsg_destroy(&request);
    }
    ck_assert(got[0] && got[1]);

    //  Once a tick has passed their expiry, all four are unknown: a HEARTBEAT earns
    //  DISCONNECT.  (d or e may have held r2 or r3 for a while: drop what they got.)
    WAIT_TICKS_AFTER(a, all_expired);
    zsock_t *dead[] = {b, c, d, e};
    for (int i = 0; i < 4; i++) {
        s_drain(dead[i]);
        s_heartbeat(dead[i]);
        EXPECT_DISCONNECT(dead[i], a);
    }
    EXPECT_MMI(client, a, "echo", "200");   //  a still serves

    zsock_t *all[] = {a, b, c, d, e, client};
    for (int i = 0; i < 6; i++)
        zsock_destroy(&all[i]);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_disconnecting_worker_request_goes_to_another)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *leaving = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(leaving, leaving));
    zsock_t *client = s_client_new(config, "client-1");
    zstr_sendx(client, "", C_HEADER, "echo", "job", NULL);
    EXPECT_REQUEST(leaving, leaving, "client-1", "job");
    zsock_t *staying = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(staying, leaving));   //  registered and idle

    zstr_sendx(leaving, "", W_HEADER, DISCONNECT, NULL);
    //  Sooner than the leaving worker could have expired: the DISCONNECT did it.
    zmsg_t *request = s_recv(staying, S_EXPIRY_MS / 2, staying);
    ck_assert_frames(request, "", W_HEADER, REQUEST, "client-1", "", "job");
    zmsg_destroy(&request);
    s_reply(staying, "client-1", "done");
    EXPECT_REPLY(client, staying, "echo", "done");

    zsock_destroy(&staying);
    zsock_destroy(&leaving);
    zsock_destroy(&client);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_reply_from_unknown_worker_is_refused)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *client = s_client_new(config, "client-1");
    EXPECT_MMI(client, NULL, "echo", "404");   //  the client is connected and known

    zsock_t *stranger = zsock_new_dealer(config->broker_worker_endpoint);
    s_reply(stranger, "client-1", "forged");
    EXPECT_DISCONNECT(stranger, NULL);
    //  Had the forged reply been forwarded, it would arrive before this answer.
    EXPECT_MMI(client, NULL, "echo", "404");
    EXPECT_NOTHING(client, NULL);

    zsock_destroy(&stranger);
    zsock_destroy(&client);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_malformed_messages_are_dropped)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *worker = s_worker_new(config, "echo");   //  kept alive through the test
    ck_assert(s_wait_heartbeat(worker, worker));
    zsock_t *client = s_client_new(config, "client-1");

    zstr_sendx(client, C_HEADER, "echo", "no empty frame", NULL);
    zstr_sendx(client, "", "MDPX01", "echo", "wrong header", NULL);
    zstr_sendx(client, "", C_HEADER, NULL);                  //  no service
    zstr_sendx(client, "", C_HEADER, "", "empty service", NULL);
    zstr_sendx(client, "", W_HEADER, READY, "echo", NULL);   //  a worker command
    zstr_sendx(client, "", NULL);
    EXPECT_MMI(client, worker, "echo", "200");

    zsock_t *rogue = zsock_new_dealer(config->broker_worker_endpoint);
    zstr_sendx(rogue, "", W_HEADER, NULL);                    //  no command
    zstr_sendx(rogue, "", W_HEADER, "\011", NULL);            //  bogus command
    zstr_sendx(rogue, "", W_HEADER, "\001\001", "echo", NULL); //  two-byte command
    zstr_sendx(rogue, "", W_HEADER, READY, NULL);             //  READY without service
    zstr_sendx(rogue, "", W_HEADER, REPLY, NULL);             //  REPLY without client
    zstr_sendx(rogue, "", "MDPW02", READY, "echo", NULL);
    zstr_sendx(rogue, "", W_HEADER, READY, "mmi.service", NULL);   //  reserved name
    EXPECT_DISCONNECT(rogue, worker);
    zstr_sendx(rogue, "", W_HEADER, REQUEST, "client-1", "", "x", NULL);
    EXPECT_DISCONNECT(rogue, worker);
    EXPECT_NOTHING(rogue, worker);   //  the malformed ones got no answer at all

    //  A registered worker repeating READY breaks the protocol and is dropped...
    zstr_sendx(worker, "", W_HEADER, READY, "echo", NULL);
    EXPECT_DISCONNECT(worker, NULL);
    //  ...and may come back, after which everything still works.
    zstr_sendx(worker, "", W_HEADER, READY, "echo", NULL);
    zstr_sendx(client, "", C_HEADER, "echo", "still there?", NULL);
    EXPECT_REQUEST(worker, NULL, "client-1", "still there?");
    s_reply(worker, "client-1", "yes");
    EXPECT_REPLY(client, NULL, "echo", "yes");

    zsock_destroy(&rogue);
    zsock_destroy(&client);
    zsock_destroy(&worker);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_queued_request_expires)
{
    int ttl_ms = 300;
    sq_config_t *config = s_config_new(ttl_ms, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *probe = s_worker_new(config, "probe");   //  to watch the broker's ticks
    ck_assert(s_wait_heartbeat(probe, probe));
    zsock_t *client = s_client_new(config, "client-1");
    zstr_sendx(client, "", C_HEADER, "late", "too late", NULL);
    EXPECT_MMI(client, probe, "late", "404");
    int64_t expired = zclock_mono() + ttl_ms;   //  the request arrived before now

    WAIT_TICKS_AFTER(probe, expired);
    zsock_t *worker = s_worker_new(config, "late");
    //  A request would be dispatched at READY, before any heartbeat.
    ck_assert(s_wait_heartbeat(worker, worker));

    zsock_destroy(&worker);
    zsock_destroy(&client);
    zsock_destroy(&probe);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_full_queue_drops_new_requests)
{
    sq_config_t *config = s_config_new(S_TTL_MS, 2);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *client = s_client_new(config, "client-1");
    zstr_sendx(client, "", C_HEADER, "echo", "q1", NULL);
    zstr_sendx(client, "", C_HEADER, "echo", "q2", NULL);
    zstr_sendx(client, "", C_HEADER, "echo", "q3", NULL);   //  beyond queue_max
    EXPECT_MMI(client, NULL, "echo", "404");

    zsock_t *worker = s_worker_new(config, "echo");
    EXPECT_REQUEST(worker, worker, "client-1", "q1");
    s_reply(worker, "client-1", "a1");
    EXPECT_REQUEST(worker, worker, "client-1", "q2");
    s_reply(worker, "client-1", "a2");
    ck_assert(s_wait_heartbeat(worker, worker));   //  and no q3
    EXPECT_REPLY(client, worker, "echo", "a1");
    EXPECT_REPLY(client, worker, "echo", "a2");

    zsock_destroy(&worker);
    zsock_destroy(&client);
    zactor_destroy(&broker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_destroy_disconnects_workers)
{
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    zactor_t *broker = zactor_new(broker_actor, config);
    zsock_t *worker = s_worker_new(config, "echo");
    ck_assert(s_wait_heartbeat(worker, NULL));
    zactor_destroy(&broker);
    EXPECT_DISCONNECT(worker, NULL);
    zsock_destroy(&worker);
    s_config_destroy(&config);
}
END_TEST

START_TEST(test_new_fails_when_endpoint_is_taken)
{
    zsock_t *squatter = zsock_new(ZMQ_ROUTER);
    int port = zsock_bind(squatter, "tcp://127.0.0.1:*");
    ck_assert_int_gt(port, 0);
    sq_config_t *config = s_config_new(S_TTL_MS, S_QUEUE_MAX);
    free(config->broker_worker_endpoint);
    config->broker_worker_endpoint = zsys_sprintf("tcp://127.0.0.1:%d", port);
    broker_t *broker = broker_new(config);
    ck_assert_ptr_null(broker);
    broker_destroy(&broker);   //  safe on NULL

    free(config->broker_worker_endpoint);
    config->broker_worker_endpoint = strdup("nonsense://here");
    ck_assert_ptr_null(broker_new(config));

    free(config->broker_worker_endpoint);
    config->broker_worker_endpoint = strdup("tcp://127.0.0.1:*");
    broker = broker_new(config);
    ck_assert_ptr_nonnull(broker);
    ck_assert_str_eq(broker_client_endpoint(broker), config->broker_client_endpoint);
    ck_assert(strncmp(broker_worker_endpoint(broker), "tcp://127.0.0.1:", 16) == 0);
    ck_assert_str_ne(broker_worker_endpoint(broker), "tcp://127.0.0.1:*");
    broker_destroy(&broker);
    ck_assert_ptr_null(broker);
    broker_destroy(&broker);   //  safe twice

    zsock_destroy(&squatter);
    s_config_destroy(&config);
}
END_TEST

Suite *test_broker_suite(void)
{
    Suite *suite = suite_create("broker");
    TCase *routing = tcase_create("routing");
    tcase_set_timeout(routing, 10);
    tcase_add_test(routing, test_request_reaches_worker_and_reply_reaches_client);
    tcase_add_test(routing, test_request_queued_until_a_worker_is_ready);
    tcase_add_test(routing, test_mmi_service_codes);
    tcase_add_test(routing, test_queued_request_expires);
    tcase_add_test(routing, test_full_queue_drops_new_requests);
    suite_add_tcase(suite, routing);

    TCase *failures = tcase_create("failures");
    tcase_set_timeout(failures, 10);
    tcase_add_test(failures, test_silent_worker_request_goes_to_another);
    tcase_add_test(failures, test_purge_checks_every_worker);
    tcase_add_test(failures, test_disconnecting_worker_request_goes_to_another);
    tcase_add_test(failures, test_reply_from_unknown_worker_is_refused);
    tcase_add_test(failures, test_malformed_messages_are_dropped);
    suite_add_tcase(suite, failures);

    TCase *lifecycle = tcase_create("lifecycle");
    tcase_add_test(lifecycle, test_destroy_disconnects_workers);
    tcase_add_test(lifecycle, test_new_fails_when_endpoint_is_taken);
    suite_add_tcase(suite, lifecycle);
    return suite;
}
