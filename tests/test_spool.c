/*  test_spool: the durable spool, as an adapter uses it: items kept across a restart in the
    order they came, done marks, a torn record at the end cut off, one owner at a time, and
    the journal files removed once nothing waits. */
#include <czmq.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_spool.h"
#include "sq_submit.h"
#include "suites.h"

static char *s_folder(void)
{
    char *folder = strdup("/tmp/suqiu-test-spool-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(folder));
    return folder;
}

static void s_remove(const char *folder)
{
    char *command = NULL;
    ck_assert_int_ge(asprintf(&command, "rm -rf '%s'", folder), 0);
    ck_assert_int_eq(system(command), 0);
    free(command);
}

//  How many journal files (*.spool) the folder holds.
static int s_journal_files(const char *folder)
{
    DIR *dir = opendir(folder);
    int count = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir)))
        count += strstr(entry->d_name, ".spool") != NULL;
    if (dir)
        closedir(dir);
    return count;
}

static json_t *s_envelope(const char *external_id)
{
    return json_pack("{s:s, s:s, s:s}", "channel", "hotline12345", "external_id", external_id,
                     "content", "夜间施工噪音");
}

static sq_spool_t *s_open(const char *folder, bool owner)
{
    char error[256] = "";
    sq_spool_t *spool = sq_spool_open(folder, owner, error, sizeof error);
    ck_assert_msg(spool != NULL, "%s", error);
    return spool;
}

START_TEST(items_survive_a_restart_in_their_order_until_done)
{
    char *folder = s_folder();
    sq_spool_t *spool = s_open(folder, true);
    const char *keys[] = {"HL-3", "HL-1", "HL-2"};
    for (int i = 0; i < 3; i++) {
        json_t *envelope = s_envelope(keys[i]);
        ck_assert_int_eq(sq_spool_append(spool, keys[i], envelope), 0);
        json_decref(envelope);
    }
    json_t *again = s_envelope("HL-1");
    ck_assert_int_eq(sq_spool_append(spool, "HL-1", again), 0);   //  waits already: kept once
    json_decref(again);
    ck_assert_uint_eq(sq_spool_waiting(spool), 3);
    sq_spool_close(&spool);

    spool = s_open(folder, true);   //  as after a crash and a restart
    ck_assert_uint_eq(sq_spool_waiting(spool), 3);
    int64_t at = 0;
    ck_assert(sq_spool_find(spool, "HL-2", &at));
    ck_assert_int_gt(at, 1700000000);
    for (int i = 0; i < 3; i++) {
        char *receipt = NULL;
        json_t *envelope = sq_spool_oldest(spool, &receipt, NULL);
        ck_assert_ptr_nonnull(envelope);
        ck_assert_str_eq(receipt, keys[i]);
        ck_assert_str_eq(json_string_value(json_object_get(envelope, "content")), "夜间施工噪音");
        ck_assert_int_eq(sq_spool_done(spool, receipt, "12345-20261203-000001", NULL), 0);
        json_decref(envelope);
        free(receipt);
    }
    ck_assert_uint_eq(sq_spool_waiting(spool), 0);
    ck_assert(!sq_spool_find(spool, "HL-2", NULL));
    ck_assert_int_eq(s_journal_files(folder), 1);   //  spent files removed, one begun afresh
    sq_spool_close(&spool);
    spool = s_open(folder, true);
    ck_assert_uint_eq(sq_spool_waiting(spool), 0);
    sq_spool_close(&spool);
    sq_spool_close(&spool);   //  safe twice
    s_remove(folder);
    free(folder);
}
END_TEST

START_TEST(a_torn_record_at_the_end_is_cut_off)
{
    char *folder = s_folder();
    sq_spool_t *spool = s_open(folder, true);
    json_t *envelope = s_envelope("HL-1");
    ck_assert_int_eq(sq_spool_append(spool, "HL-1", envelope), 0);
    json_decref(envelope);
    char *journal = NULL;
    ck_assert_int_ge(asprintf(&journal, "%s/0000000000000001.spool", folder), 0);
    sq_spool_close(&spool);
    //  A crash in the middle of the next record: its header and half its payload.
    int fd = open(journal, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "SQSP\0\0\1\0\0\0\0\0{\"kind\":\"it", 22), 22);
    close(fd);

    spool = s_open(folder, true);
    ck_assert_uint_eq(sq_spool_waiting(spool), 1);
    ck_assert(sq_spool_find(spool, "HL-1", NULL));
    envelope = s_envelope("HL-2");
    ck_assert_int_eq(sq_spool_append(spool, "HL-2", envelope), 0);
    json_decref(envelope);
    sq_spool_close(&spool);
    spool = s_open(folder, false);
    ck_assert_uint_eq(sq_spool_waiting(spool), 2);   //  nothing lost behind the cut
    sq_spool_close(&spool);
    free(journal);
    s_remove(folder);
    free(folder);
}
END_TEST

START_TEST(one_owner_at_a_time_and_readers_beside_it)
{
    char *folder = s_folder();
    sq_spool_t *owner = s_open(folder, true);
    char error[256] = "";
    ck_assert_ptr_null(sq_spool_open(folder, true, error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "another process owns it"));
    json_t *envelope = s_envelope("HL-9");
    ck_assert_int_eq(sq_spool_append(owner, "HL-9", envelope), 0);
    json_decref(envelope);
    sq_spool_set_status(owner, "the hub did not answer in time");

    sq_spool_t *reader = s_open(folder, false);
    ck_assert_uint_eq(sq_spool_waiting(reader), 1);
    sq_spool_close(&reader);
    char *status_path = NULL;
    ck_assert_int_ge(asprintf(&status_path, "%s/status.json", folder), 0);
    json_t *status = json_load_file(status_path, 0, NULL);
    ck_assert_ptr_nonnull(status);
    ck_assert_int_eq(json_integer_value(json_object_get(status, "waiting")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(status, "last_error")),
                     "the hub did not answer in time");
    ck_assert_int_eq(json_integer_value(json_object_get(status, "pid")), getpid());
    json_decref(status);
    free(status_path);
    sq_spool_close(&owner);
    owner = s_open(folder, true);   //  the lock went with the first owner
    sq_spool_close(&owner);
    s_remove(folder);
    free(folder);
}
END_TEST

START_TEST(a_folder_that_cannot_be_made_is_a_clear_error)
{
    char error[256] = "";
    ck_assert_ptr_null(sq_spool_open("/proc/suqiu/spool", true, error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "/proc/suqiu/spool"));
}
END_TEST

//  Adapters started at once (make run starts four) each make the spools' folder: every one
//  of them opens its spool, whichever made the folder.
typedef struct {
    char dir[128];
    const char *channels[2];
    sq_submit_t *submit;
    char error[256];
} s_starter_t;

static void *s_start(void *arg)
{
    s_starter_t *starter = (s_starter_t *) arg;
    sq_submit_setup_t setup = {.broker_endpoint = "tcp://127.0.0.1:9", .timeout_ms = 100,
                               .retries = 1, .spool_dir = starter->dir,
                               .channels = starter->channels, .replay_interval_ms = 1000};
    starter->submit = sq_submit_new(&setup, starter->error, sizeof starter->error);
    return NULL;
}

START_TEST(adapters_started_together_all_open_their_spools)
{
    static const char *const channels[] = {"hotline12345", "web", "wechat", "email"};
    zsys_init();   //  once, as a process's main does before its threads (czmq's is not reentrant)
    for (int round = 0; round < 20; round++) {
        char *folder = s_folder();
        s_starter_t starters[4];
        pthread_t threads[4];
        for (int i = 0; i < 4; i++) {
            memset(&starters[i], 0, sizeof starters[i]);
            snprintf(starters[i].dir, sizeof starters[i].dir, "%s/var/spool", folder);
            starters[i].channels[0] = channels[i];
            pthread_create(&threads[i], NULL, s_start, &starters[i]);
        }
        for (int i = 0; i < 4; i++) {
            pthread_join(threads[i], NULL);
            ck_assert_msg(starters[i].submit != NULL, "%s: %s", channels[i], starters[i].error);
            sq_submit_destroy(&starters[i].submit);
        }
        s_remove(folder);
        free(folder);
    }
}
END_TEST

Suite *test_spool_suite(void)
{
    Suite *suite = suite_create("spool");
    TCase *tc = tcase_create("spool");
    tcase_add_test(tc, items_survive_a_restart_in_their_order_until_done);
    tcase_add_test(tc, a_torn_record_at_the_end_is_cut_off);
    tcase_add_test(tc, one_owner_at_a_time_and_readers_beside_it);
    tcase_add_test(tc, a_folder_that_cannot_be_made_is_a_clear_error);
    tcase_add_test(tc, adapters_started_together_all_open_their_spools);
    suite_add_tcase(suite, tc);
    return suite;
}
