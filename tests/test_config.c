/*  test_config: hub.yaml loading, defaults, and errors that name file, line and key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_config.h"
#include "suites.h"

//  Write text to a new temporary file; returns its path (static buffer).
static const char *s_write(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/suqiu-test-config-%d.yaml", (int) getpid());
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
    return path;
}

//  Load text and expect failure with a message that contains want.
static void s_expect_error(const char *text, const char *want)
{
    char error[512] = "";
    const char *path = s_write(text);
    sq_config_t *config = sq_config_load(path, error, sizeof error);
    ck_assert_msg(config == NULL, "expected an error for: %s", text);
    ck_assert_msg(strstr(error, want) != NULL, "error \"%s\" lacks \"%s\"", error, want);
    ck_assert_msg(strncmp(error, path, strlen(path)) == 0, "error \"%s\" does not start with the file", error);
    unlink(path);
}

START_TEST(empty_file_gives_defaults)
{
    char error[256];
    const char *path = s_write("");
    sq_config_t *config = sq_config_load(path, error, sizeof error);
    ck_assert_ptr_nonnull(config);
    ck_assert_str_eq(config->broker_client_endpoint, "tcp://127.0.0.1:5555");
    ck_assert_str_eq(config->broker_worker_endpoint, "tcp://127.0.0.1:5556");
    ck_assert_int_eq(config->broker_heartbeat_ms, 2500);
    ck_assert_int_eq(config->broker_liveness, 3);
    ck_assert_int_eq(config->hotline_port, 8081);
    ck_assert_str_eq(config->database_conninfo, "");
    sq_config_destroy(&config);
    sq_config_destroy(&config);   //  safe twice
    ck_assert_ptr_null(config);
    unlink(path);
}
END_TEST

START_TEST(values_are_read_and_typed)
{
    char error[256];
    const char *path = s_write("# comment\n"
                               "broker:\n"
                               "  client_endpoint: tcp://127.0.0.1:6000\n"
                               "  heartbeat_ms: 100\n"
                               "hotline:\n"
                               "  port: \"9000\"\n"
                               "log:\n"
                               "  level: debug\n"
                               "worker:\n");
    sq_config_t *config = sq_config_load(path, error, sizeof error);
    ck_assert_msg(config != NULL, "%s", error);
    ck_assert_str_eq(config->broker_client_endpoint, "tcp://127.0.0.1:6000");
    ck_assert_int_eq(config->broker_heartbeat_ms, 100);
    ck_assert_int_eq(config->hotline_port, 9000);
    ck_assert_str_eq(config->log_level, "debug");
    char *value = sq_config_get(config, "hotline.port");
    ck_assert_str_eq(value, "9000");
    free(value);
    value = sq_config_get(config, "broker.client_endpoint");
    ck_assert_str_eq(value, "tcp://127.0.0.1:6000");
    free(value);
    ck_assert_ptr_null(sq_config_get(config, "hotline.nope"));
    ck_assert_ptr_null(sq_config_get(config, "nodot"));
    sq_config_destroy(&config);
    unlink(path);
}
END_TEST

START_TEST(errors_name_file_line_and_key)
{
    s_expect_error("broker:\n  heartbeat_ms: fast\n", ":2: broker.heartbeat_ms: must be a whole number from 100 to 60000, got \"fast\"");
    s_expect_error("broker:\n  liveness: 0\n", ":2: broker.liveness: must be a whole number");
    s_expect_error("broker:\n  liveness: 3x\n", ":2: broker.liveness");
    s_expect_error("hotline:\n  port: 8081\n  colour: red\n", ":3: hotline.colour: unknown key");
    s_expect_error("hotlines:\n  port: 8081\n", ":1: hotlines: unknown section");
    s_expect_error("hotline:\n  port: 1\n  port: 2\n", ":3: hotline.port: given twice");
    s_expect_error("log:\n  level: loud\n", ":2: log.level: must be one of: debug info warn error");
    s_expect_error("- a\n- b\n", ":1: the top level must be a mapping");
    s_expect_error("broker:\n  heartbeat_ms: [1, 2]\n", ":2: broker.heartbeat_ms: expected a single value");
    s_expect_error("broker: [1]\n", "broker: expected a mapping");
    s_expect_error("broker:\n  heartbeat_ms: 200\n bad indent: x\n", "YAML syntax");
}
END_TEST

START_TEST(missing_file_is_named)
{
    char error[256];
    ck_assert_ptr_null(sq_config_load("/nonexistent/hub.yaml", error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "/nonexistent/hub.yaml: cannot open"));
}
END_TEST

START_TEST(conninfo_defaults_to_the_private_cluster)
{
    sq_config_t *config = sq_config_defaults();
    unsetenv("PGHOST");
    char *conninfo = sq_config_conninfo(config);
    ck_assert_str_eq(conninfo, "host=./var/pgsock dbname=suqiu user=suqiu");
    free(conninfo);
    setenv("PGHOST", "/tmp", 1);
    conninfo = sq_config_conninfo(config);
    ck_assert_str_eq(conninfo, "");   //  libpq reads the PG* environment
    free(conninfo);
    free(config->database_conninfo);
    config->database_conninfo = strdup("host=db.example dbname=city");
    conninfo = sq_config_conninfo(config);
    ck_assert_str_eq(conninfo, "host=db.example dbname=city");
    free(conninfo);
    unsetenv("PGHOST");
    sq_config_destroy(&config);
}
END_TEST

START_TEST(shipped_config_loads)
{
    char error[512];
    sq_config_t *config = sq_config_load("config/hub.yaml", error, sizeof error);
    ck_assert_msg(config != NULL, "%s", error);
    ck_assert_int_eq(config->hotline_port, 8081);
    sq_config_destroy(&config);
}
END_TEST

Suite *test_config_suite(void)
{
    Suite *suite = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, empty_file_gives_defaults);
    tcase_add_test(tc, values_are_read_and_typed);
    tcase_add_test(tc, errors_name_file_line_and_key);
    tcase_add_test(tc, missing_file_is_named);
    tcase_add_test(tc, conninfo_defaults_to_the_private_cluster);
    tcase_add_test(tc, shipped_config_loads);
    suite_add_tcase(suite, tc);
    return suite;
}
