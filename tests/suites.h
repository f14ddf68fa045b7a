/*  suites: every Check suite in check_suqiu, one per module. */
#ifndef SUITES_H
#define SUITES_H

#include <check.h>

Suite *test_log_suite(void);
Suite *test_config_suite(void);
Suite *test_mdp_suite(void);
Suite *test_mdp_worker_suite(void);
Suite *test_envelope_suite(void);
Suite *test_credit_suite(void);
Suite *test_call_suite(void);
Suite *test_number_suite(void);
Suite *test_state_suite(void);
Suite *test_simhash_suite(void);
Suite *test_yaml_suite(void);
Suite *test_catalog_suite(void);
Suite *test_matrix_suite(void);
Suite *test_textclass_suite(void);
Suite *test_csv_suite(void);
Suite *test_records_suite(void);
Suite *test_calendar_suite(void);
Suite *test_sla_suite(void);
Suite *test_deadline_suite(void);
Suite *test_broker_suite(void);
Suite *test_db_suite(void);
Suite *test_http_suite(void);
Suite *test_spool_suite(void);
Suite *test_intake_db_suite(void);
Suite *test_hanzi_suite(void);
Suite *test_repeat_suite(void);
Suite *test_history_suite(void);
Suite *test_wechat_suite(void);
Suite *test_mail_suite(void);
Suite *test_lmtp_suite(void);
Suite *test_regex_leads_suite(void);

#endif
