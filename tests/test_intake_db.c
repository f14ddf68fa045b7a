/*  test_intake_db: intake against a real PostgreSQL (the database make check provisions,
    named by SUQIU_TEST_DB): numbering, idempotency, history, and group commit through a
    real broker with replies only after the commit. */
#include <pthread.h>

#include "broker.h"
#include "intake.h"
#include "sq_db.h"
#include "sq_mdp_worker.h"
#include "suites.h"

static const sq_db_statement_t s_statements[] = {
    {"intake_batch", "SELECT idx, number, created FROM intake_batch($1::jsonb, $2)"},
    {"count", "SELECT (SELECT count(*) FROM complaint)::text, (SELECT count(*) FROM complaint_event)::text"},
    {"by_key", "SELECT number FROM complaint WHERE channel = $1 AND external_id = $2"},
    {"json", "SELECT complaint_json_by_number($1)::text"},
    {NULL, NULL},
};

static sq_db_t *s_db_fresh(void)
{
    const char *conninfo = getenv("SUQIU_TEST_DB");
    ck_assert_msg(conninfo != NULL, "SUQIU_TEST_DB is not set: run these tests through make check");
    sq_db_t *db = sq_db_new(conninfo, "check_suqiu", s_statements);
    ck_assert_msg(sq_db_connect(db) == 0, "cannot connect to %s: %s", conninfo, sq_db_error(db));
    ck_assert_int_eq(sq_db_command(db, "TRUNCATE complaint, complaint_detail, complaint_event,"
                                       " number_counter RESTART IDENTITY CASCADE"), 0);
    return db;
}

static char *s_envelope(const char *channel, const char *external_id)
{
    char *text = NULL;
    ck_assert_int_ge(asprintf(&text,
                              "{\"channel\":\"%s\",\"external_id\":\"%s\",\"received_at\":"
                              "\"2026-11-23T10:00:00+08:00\",\"title\":\"路灯不亮\",\"content\":"
                              "\"人民路路灯坏了\",\"operator_id\":\"1001\"}",
                              channel, external_id), 0);
    return text;
}

//  Run intake_batch on a JSON array text; returns the result.
static PGresult *s_intake(sq_db_t *db, const char *array)
{
    const char *values[] = {array, "test"};
    PGresult *result = sq_db_exec(db, "intake_batch", 2, values);
    ck_assert_msg(result != NULL, "intake_batch failed: %s", sq_db_error(db));
    return result;
}

static void s_counts(sq_db_t *db, int *complaints, int *events)
{
    PGresult *result = sq_db_exec(db, "count", 0, NULL);
    ck_assert_ptr_nonnull(result);
    *complaints = atoi(PQgetvalue(result, 0, 0));
    *events = atoi(PQgetvalue(result, 0, 1));
    PQclear(result);
}

START_TEST(numbers_count_per_channel_and_repeats_keep_theirs)
{
    sq_db_t *db = s_db_fresh();
    char *a = s_envelope("hotline12345", "A"), *b = s_envelope("hotline12345", "B");
    char *c = s_envelope("hotline12315", "A");
    char *array = NULL;
    ck_assert_int_ge(asprintf(&array, "[%s,%s,%s,%s]", a, b, c, a), 0);
    PGresult *result = s_intake(db, array);
    ck_assert_int_eq(PQntuples(result), 4);
    char *numbers[4] = {0};
    bool created[4];
    for (int row = 0; row < 4; row++) {
        int index = atoi(PQgetvalue(result, row, 0));
        numbers[index] = strdup(PQgetvalue(result, row, 1));
        created[index] = PQgetvalue(result, row, 2)[0] == 't';
    }
    PQclear(result);
    ck_assert(created[0] && created[1] && created[2] && !created[3]);
    ck_assert_str_eq(numbers[0], numbers[3]);   //  the same key, the same number
    ck_assert(strstr(numbers[0], "12345-") == numbers[0]);
    ck_assert(strstr(numbers[2], "12315-") == numbers[2]);
    ck_assert_str_eq(numbers[0] + strlen(numbers[0]) - 7, "-000001");
    ck_assert_str_eq(numbers[1] + strlen(numbers[1]) - 7, "-000002");
    ck_assert_str_eq(numbers[2] + strlen(numbers[2]) - 7, "-000001");   //  its own counter

    //  Sent again later: the same numbers, nothing new written.
    result = s_intake(db, array);
    for (int row = 0; row < 4; row++) {
        int index = atoi(PQgetvalue(result, row, 0));
        ck_assert_str_eq(PQgetvalue(result, row, 1), numbers[index]);
        ck_assert_str_eq(PQgetvalue(result, row, 2), "f");
    }
    PQclear(result);
    int complaints, events;
    s_counts(db, &complaints, &events);
    ck_assert_int_eq(complaints, 3);
    ck_assert_int_eq(events, 3);
    for (int i = 0; i < 4; i++)
        free(numbers[i]);
    free(a), free(b), free(c), free(array);
    sq_db_destroy(&db);
}
END_TEST

START_TEST(history_is_recorded_and_append_only)
{
    sq_db_t *db = s_db_fresh();
    char *a = s_envelope("web", "W-1"), *array = NULL;
    ck_assert_int_ge(asprintf(&array, "[%s]", a), 0);
    PGresult *result = s_intake(db, array);
    char *number = strdup(PQgetvalue(result, 0, 1));
    PQclear(result);
    const char *values[] = {number};
    result = sq_db_exec(db, "json", 1, values);
    ck_assert_ptr_nonnull(result);
    json_t *complaint = json_loads(PQgetvalue(result, 0, 0), 0, NULL);
    PQclear(result);
    ck_assert_str_eq(json_string_value(json_object_get(complaint, "state")), "received");
    ck_assert_str_eq(json_string_value(json_object_get(complaint, "received_at")),
                     "2026-11-23T10:00:00+08:00");
    json_t *history = json_object_get(complaint, "history");
    ck_assert_int_eq(json_array_size(history), 1);
    json_t *event = json_array_get(history, 0);
    ck_assert_str_eq(json_string_value(json_object_get(event, "kind")), "received");
    ck_assert_str_eq(json_string_value(json_object_get(event, "actor")), "test");
    ck_assert_ptr_nonnull(json_object_get(event, "at"));
    json_decref(complaint);
    //  Events cannot be changed or removed.
    ck_assert_int_eq(sq_db_command(db, "UPDATE complaint_event SET actor = 'someone else'"), -1);
    ck_assert_ptr_nonnull(strstr(sq_db_error(db), "append-only"));
    ck_assert_int_eq(sq_db_command(db, "DELETE FROM complaint_event"), -1);
    free(a), free(array), free(number);
    sq_db_destroy(&db);
}
END_TEST

//  Two connections commit the same key at once: one row, one number for both.
static void *s_race(void *arg)
{
    const char *array = (const char *) arg;
    sq_db_t *db = sq_db_new(getenv("SUQIU_TEST_DB"), "check_suqiu_race", s_statements);
    char *number = NULL;
    if (sq_db_connect(db) == 0) {
        const char *values[] = {array, "race"};
        PGresult *result = sq_db_exec(db, "intake_batch", 2, values);
        if (result && PQntuples(result) == 1)
            number = strdup(PQgetvalue(result, 0, 1));
        PQclear(result);
    }
    sq_db_destroy(&db);
    return number;
}

START_TEST(concurrent_commits_of_one_key_make_one_row)
{
    sq_db_t *db = s_db_fresh();
    for (int round = 0; round < 20; round++) {
        char key[32];
        snprintf(key, sizeof key, "RACE-%d", round);
        char *envelope = s_envelope("email", key), *array = NULL;
        ck_assert_int_ge(asprintf(&array, "[%s]", envelope), 0);
        pthread_t first, second;
        pthread_create(&first, NULL, s_race, array);
        pthread_create(&second, NULL, s_race, array);
        char *one = NULL, *two = NULL;
        pthread_join(first, (void **) &one);
        pthread_join(second, (void **) &two);
        ck_assert_ptr_nonnull(one);
        ck_assert_ptr_nonnull(two);
        ck_assert_str_eq(one, two);
        free(one), free(two), free(envelope), free(array);
    }
    int complaints, events;
    s_counts(db, &complaints, &events);
    ck_assert_int_eq(complaints, 20);
    ck_assert_int_eq(events, 20);
    sq_db_destroy(&db);
}
END_TEST

//  --- group commit through a real broker ---

#define S_CLIENTS 8

START_TEST(group_commit_answers_only_after_the_commit)
{
    sq_db_t *db = s_db_fresh();
    sq_config_t *config = sq_config_defaults();
    free(config->broker_client_endpoint);
    free(config->broker_worker_endpoint);
    char client_endpoint[64], worker_endpoint[64];
    snprintf(client_endpoint, sizeof client_endpoint, "ipc:///tmp/suqiu-check-%d-c", (int) getpid());
    snprintf(worker_endpoint, sizeof worker_endpoint, "ipc:///tmp/suqiu-check-%d-w", (int) getpid());
    config->broker_client_endpoint = strdup(client_endpoint);
    config->broker_worker_endpoint = strdup(worker_endpoint);
    zactor_t *broker = zactor_new(broker_actor, config);
    ck_assert_ptr_nonnull(broker);

    sq_limits_t limits = {200, 4000, 500};
    intake_t *intake = intake_new(db, &limits, 64, NULL);
    //  One session more than valid requests, so that the invalid one reaches a session too.
    sq_mdp_worker_t *sessions[S_CLIENTS + 1];
    zpoller_t *poller = zpoller_new(NULL);
    for (int i = 0; i <= S_CLIENTS; i++) {
        sessions[i] = sq_mdp_worker_new(worker_endpoint, INTAKE_SERVICE, 2500, 3, 1000);
        zpoller_add(poller, sq_mdp_worker_socket(sessions[i]));
    }
    //  No wait for the READYs: the broker queues requests until the sessions are registered.

    //  S_CLIENTS clients each send one envelope (raw MDP frames), plus one invalid one.
    zsock_t *clients[S_CLIENTS + 1];
    for (int i = 0; i <= S_CLIENTS; i++) {
        clients[i] = zsock_new_dealer(client_endpoint);
        char key[16];
        snprintf(key, sizeof key, "G-%d", i);
        char *envelope = i < S_CLIENTS ? s_envelope("hotline12345", key) : strdup("{\"channel\":\"x\"}");
        zsock_send(clients[i], "ssss", "", "MDPC01", INTAKE_SERVICE, envelope);
        free(envelope);
    }
    //  Take every request into the intake; the invalid one is answered at once.
    int64_t deadline = zclock_mono() + 3000;
    int taken = 0;
    while (taken < S_CLIENTS + 1 && zclock_mono() < deadline) {
        zsock_t *ready = (zsock_t *) zpoller_wait(poller, 100);
        for (int i = 0; ready && i <= S_CLIENTS; i++)
            if (sq_mdp_worker_socket(sessions[i]) == ready) {
                uint64_t ticket = 0;
                zmsg_t *body = sq_mdp_worker_recv(sessions[i], &ticket);
                if (body) {
                    intake_take(intake, sessions[i], ticket, &body);
                    taken++;
                }
            }
    }
    ck_assert_int_eq(taken, S_CLIENTS + 1);
    ck_assert_int_eq((int) intake_pending(intake), S_CLIENTS);
    zsock_set_rcvtimeo(clients[S_CLIENTS], 2000);
    zmsg_t *refusal = zmsg_recv(clients[S_CLIENTS]);
    ck_assert_ptr_nonnull(refusal);
    ck_assert_int_eq(zmsg_size(refusal), 5);   //  "" MDPC01 service status json
    zmsg_destroy(&refusal);

    //  Nothing is committed, and no valid client has an answer, before the flush.
    int complaints, events;
    s_counts(db, &complaints, &events);
    ck_assert_int_eq(complaints, 0);
    zclock_sleep(50);
    for (int i = 0; i < S_CLIENTS; i++)
        ck_assert(!(zsock_events(clients[i]) & ZMQ_POLLIN));

    ck_assert_int_eq(intake_flush(intake), S_CLIENTS);
    s_counts(db, &complaints, &events);
    ck_assert_int_eq(complaints, S_CLIENTS);
    for (int i = 0; i < S_CLIENTS; i++) {
        zsock_set_rcvtimeo(clients[i], 2000);
        char *empty = NULL, *header = NULL, *service = NULL, *status = NULL, *json = NULL;
        ck_assert_int_eq(zsock_recv(clients[i], "sssss", &empty, &header, &service, &status, &json), 0);
        ck_assert_str_eq(header, "MDPC01");
        ck_assert_str_eq(status, "201");
        json_t *answer = json_loads(json, 0, NULL);
        const char *values[] = {"hotline12345", json_string_value(json_object_get(answer, "external_id"))};
        PGresult *row = sq_db_exec(db, "by_key", 2, values);
        ck_assert_int_eq(PQntuples(row), 1);
        ck_assert_str_eq(PQgetvalue(row, 0, 0), json_string_value(json_object_get(answer, "number")));
        PQclear(row);
        json_decref(answer);
        free(empty), free(header), free(service), free(status), free(json);
    }
    for (int i = 0; i <= S_CLIENTS; i++)
        zsock_destroy(&clients[i]);
    zpoller_destroy(&poller);
    for (int i = 0; i <= S_CLIENTS; i++)
        sq_mdp_worker_destroy(&sessions[i]);
    intake_destroy(&intake);
    zactor_destroy(&broker);
    unlink(client_endpoint + strlen("ipc://"));
    unlink(worker_endpoint + strlen("ipc://"));
    sq_config_destroy(&config);
    sq_db_destroy(&db);
}
END_TEST

Suite *test_intake_db_suite(void)
{
    Suite *suite = suite_create("intake_db");
    TCase *tc = tcase_create("intake_db");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, numbers_count_per_channel_and_repeats_keep_theirs);
    tcase_add_test(tc, history_is_recorded_and_append_only);
    tcase_add_test(tc, concurrent_commits_of_one_key_make_one_row);
    tcase_add_test(tc, group_commit_answers_only_after_the_commit);
    suite_add_tcase(suite, tc);
    return suite;
}
