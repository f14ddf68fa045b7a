/*  test_mdp: MDP/0.1 frames as RFC 7 lays them out, both ways. */
#include "sq_mdp.h"
#include "suites.h"

//  Frames from strings; "" is an empty frame, "\x01" a command byte.
static zmsg_t *s_frames(int count, const char *frames[])
{
    zmsg_t *raw = zmsg_new();
    for (int i = 0; i < count; i++)
        zmsg_addmem(raw, frames[i], strlen(frames[i]));
    return raw;
}

START_TEST(client_request_encodes_as_rfc7)
{
    sq_mdp_msg_t *message = sq_mdp_msg_new(SQ_MDP_CLIENT);
    sq_mdp_msg_set_service(message, "suqiu.intake");
    zmsg_t *body = zmsg_new();
    zmsg_addstr(body, "{\"a\":1}");
    sq_mdp_msg_set_body(message, &body);
    ck_assert_ptr_null(body);
    zmsg_t *raw = sq_mdp_msg_encode(&message);
    ck_assert_ptr_null(message);
    ck_assert_int_eq(zmsg_size(raw), 4);
    char *frame = zmsg_popstr(raw);
    ck_assert_str_eq(frame, "");
    free(frame);
    frame = zmsg_popstr(raw);
    ck_assert_str_eq(frame, "MDPC01");
    free(frame);
    frame = zmsg_popstr(raw);
    ck_assert_str_eq(frame, "suqiu.intake");
    free(frame);
    frame = zmsg_popstr(raw);
    ck_assert_str_eq(frame, "{\"a\":1}");
    free(frame);
    zmsg_destroy(&raw);
}
END_TEST

START_TEST(worker_commands_encode_with_command_byte)
{
    sq_mdp_msg_t *ready = sq_mdp_msg_new(SQ_MDP_READY);
    sq_mdp_msg_set_service(ready, "echo");
    zmsg_t *raw = sq_mdp_msg_encode(&ready);
    ck_assert_int_eq(zmsg_size(raw), 4);
    zframe_t *frame = zmsg_first(raw);
    ck_assert_int_eq(zframe_size(frame), 0);
    ck_assert(zframe_streq(zmsg_next(raw), "MDPW01"));
    frame = zmsg_next(raw);
    ck_assert_int_eq(zframe_size(frame), 1);
    ck_assert_int_eq(zframe_data(frame)[0], 0x01);
    ck_assert(zframe_streq(zmsg_next(raw), "echo"));
    zmsg_destroy(&raw);

    sq_mdp_msg_t *reply = sq_mdp_msg_new(SQ_MDP_REPLY);
    zframe_t *client = zframe_new("CLIENT", 6);
    sq_mdp_msg_set_client(reply, &client);
    zmsg_t *body = zmsg_new();
    zmsg_addstr(body, "done");
    sq_mdp_msg_set_body(reply, &body);
    raw = sq_mdp_msg_encode(&reply);
    //  [empty] MDPW01 0x03 client [empty] body
    ck_assert_int_eq(zmsg_size(raw), 6);
    zmsg_first(raw);
    zmsg_next(raw);
    ck_assert_int_eq(zframe_data(zmsg_next(raw))[0], 0x03);
    ck_assert(zframe_streq(zmsg_next(raw), "CLIENT"));
    ck_assert_int_eq(zframe_size(zmsg_next(raw)), 0);
    ck_assert(zframe_streq(zmsg_next(raw), "done"));
    zmsg_destroy(&raw);

    sq_mdp_msg_t *heartbeat = sq_mdp_msg_new(SQ_MDP_HEARTBEAT);
    raw = sq_mdp_msg_encode(&heartbeat);
    ck_assert_int_eq(zmsg_size(raw), 3);
    zmsg_destroy(&raw);
}
END_TEST

START_TEST(routed_request_decodes_with_address)
{
    const char *frames[] = {"WORKER-ID", "", "MDPW01", "\x02", "CLIENT-ID", "", "body1", "body2"};
    zmsg_t *raw = s_frames(8, frames);
    const char *reason = NULL;
    sq_mdp_msg_t *message = sq_mdp_msg_decode(&raw, true, &reason);
    ck_assert_ptr_null(raw);
    ck_assert_ptr_nonnull(message);
    ck_assert_int_eq(sq_mdp_msg_kind(message), SQ_MDP_REQUEST);
    ck_assert(zframe_streq(sq_mdp_msg_address(message), "WORKER-ID"));
    ck_assert(zframe_streq(sq_mdp_msg_client(message), "CLIENT-ID"));
    ck_assert_int_eq(zmsg_size(sq_mdp_msg_body(message)), 2);
    zmsg_t *body = sq_mdp_msg_take_body(message);
    ck_assert_int_eq(zmsg_size(body), 2);
    ck_assert_int_eq(zmsg_size(sq_mdp_msg_body(message)), 0);
    zmsg_destroy(&body);
    zframe_t *client = sq_mdp_msg_take_client(message);
    ck_assert_ptr_null(sq_mdp_msg_client(message));
    zframe_destroy(&client);
    sq_mdp_msg_destroy(&message);
}
END_TEST

START_TEST(round_trip_keeps_everything)
{
    for (int kind = SQ_MDP_CLIENT; kind <= SQ_MDP_DISCONNECT; kind++) {
        sq_mdp_msg_t *message = sq_mdp_msg_new((sq_mdp_kind_t) kind);
        zframe_t *address = zframe_new("ADDR", 4);
        sq_mdp_msg_set_address(message, &address);
        if (kind == SQ_MDP_CLIENT || kind == SQ_MDP_READY)
            sq_mdp_msg_set_service(message, "svc");
        if (kind == SQ_MDP_REQUEST || kind == SQ_MDP_REPLY) {
            zframe_t *client = zframe_new("C", 1);
            sq_mdp_msg_set_client(message, &client);
        }
        if (kind == SQ_MDP_CLIENT || kind == SQ_MDP_REQUEST || kind == SQ_MDP_REPLY) {
            zmsg_t *body = zmsg_new();
            zmsg_addstr(body, "x");
            sq_mdp_msg_set_body(message, &body);
        }
        zmsg_t *raw = sq_mdp_msg_encode(&message);
        const char *reason = NULL;
        sq_mdp_msg_t *back = sq_mdp_msg_decode(&raw, true, &reason);
        ck_assert_msg(back != NULL, "kind %s: %s", sq_mdp_kind_name(kind), reason);
        ck_assert_int_eq(sq_mdp_msg_kind(back), kind);
        ck_assert(zframe_streq(sq_mdp_msg_address(back), "ADDR"));
        if (kind == SQ_MDP_CLIENT || kind == SQ_MDP_READY)
            ck_assert_str_eq(sq_mdp_msg_service(back), "svc");
        sq_mdp_msg_destroy(&back);
    }
}
END_TEST

START_TEST(malformed_frames_are_refused_with_a_reason)
{
    struct {
        int count;
        const char *frames[6];
        const char *reason;
    } cases[] = {
        {2, {"ID", "MDPC01"}, "first frame is not empty"},
        {3, {"ID", "", "MDPX01"}, "unknown protocol header"},
        {3, {"ID", "", "MDPC01"}, "client message without a valid service name"},
        {4, {"ID", "", "MDPW01", "\x09"}, "unknown worker command"},
        {4, {"ID", "", "MDPW01", "\x01\x02"}, "not one byte"},
        {4, {"ID", "", "MDPW01", "\x01"}, "READY without a valid service name"},
        {5, {"ID", "", "MDPW01", "\x03", "CLIENT"}, "without the empty frame"},
        {1, {"ID"}, "first frame is not empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zmsg_t *raw = s_frames(cases[i].count, cases[i].frames);
        const char *reason = NULL;
        sq_mdp_msg_t *message = sq_mdp_msg_decode(&raw, true, &reason);
        ck_assert_ptr_null(message);
        ck_assert_ptr_null(raw);
        ck_assert_msg(reason && strstr(reason, cases[i].reason), "case %zu: got \"%s\"", i,
                      reason ? reason : "(none)");
    }
    ck_assert_str_eq(sq_mdp_kind_name(42), "UNKNOWN");
    ck_assert_str_eq(sq_mdp_kind_name(SQ_MDP_HEARTBEAT), "HEARTBEAT");
}
END_TEST

Suite *test_mdp_suite(void)
{
    Suite *suite = suite_create("mdp");
    TCase *tc = tcase_create("mdp");
    tcase_add_test(tc, client_request_encodes_as_rfc7);
    tcase_add_test(tc, worker_commands_encode_with_command_byte);
    tcase_add_test(tc, routed_request_decodes_with_address);
    tcase_add_test(tc, round_trip_keeps_everything);
    tcase_add_test(tc, malformed_frames_are_refused_with_a_reason);
    suite_add_tcase(suite, tc);
    return suite;
}
