/*  check_suqiu: runs every Check suite and prints Check's summary.
    check_suqiu [SUITE...] runs only the named suites (e.g. check_suqiu config mdp). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

static const struct {
    const char *name;
    Suite *(*make)(void);
} s_suites[] = {
    {"log", test_log_suite},       {"config", test_config_suite},
    {"mdp", test_mdp_suite},       {"mdp_worker", test_mdp_worker_suite},
    {"envelope", test_envelope_suite}, {"credit", test_credit_suite},
    {"call", test_call_suite},
    {"number", test_number_suite}, {"state", test_state_suite},
    {"simhash", test_simhash_suite}, {"yaml", test_yaml_suite},
    {"catalog", test_catalog_suite}, {"matrix", test_matrix_suite},
    {"textclass", test_textclass_suite}, {"csv", test_csv_suite},
    {"records", test_records_suite},
    {"broker", test_broker_suite},
    {"http", test_http_suite},     {"spool", test_spool_suite},
    {"db", test_db_suite},         {"intake_db", test_intake_db_suite}, {"calendar", test_calendar_suite},
    {"sla", test_sla_suite},       {"deadline", test_deadline_suite},
    {"hanzi", test_hanzi_suite},   {"repeat", test_repeat_suite},
    {"history", test_history_suite}, {"wechat", test_wechat_suite},
    {"mail", test_mail_suite},     {"lmtp", test_lmtp_suite},
    {"regex_leads", test_regex_leads_suite},
};

int main(int argc, char *argv[])
{
    SRunner *runner = NULL;
    for (size_t i = 0; i < sizeof s_suites / sizeof s_suites[0]; i++) {
        bool wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            wanted |= strcmp(argv[a], s_suites[i].name) == 0;
        if (!wanted)
            continue;
        if (!runner)
            runner = srunner_create(s_suites[i].make());
        else
            srunner_add_suite(runner, s_suites[i].make());
    }
    if (!runner)
        return 2;
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
