/*  test_log: level names and the one line format. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sq_log.h"
#include "suites.h"

START_TEST(level_names_parse)
{
    sq_log_level_t level = SQ_LOG_ERROR;
    ck_assert_int_eq(sq_log_level_parse("debug", &level), 0);
    ck_assert_int_eq(level, SQ_LOG_DEBUG);
    ck_assert_int_eq(sq_log_level_parse("WARN", &level), 0);
    ck_assert_int_eq(level, SQ_LOG_WARN);
    ck_assert_int_eq(sq_log_level_parse("loud", &level), -1);
    ck_assert_int_eq(sq_log_level_parse(NULL, &level), -1);
}
END_TEST

//  Capture stderr into a file while logging, and read back what was written.
static void s_capture(void (*log_something)(void), char *out, size_t size)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *file = tmpfile();
    dup2(fileno(file), 2);
    log_something();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(file);
    size_t length = fread(out, 1, size - 1, file);
    out[length] = 0;
    fclose(file);
}

static void s_log_two_lines(void)
{
    sq_log_init("suqiu-test", SQ_LOG_INFO);
    sq_debug("hidden %d", 1);
    sq_info("committed complaint=%s", "12345-20261123-000042");
    sq_error("boom");
}

START_TEST(line_format_has_time_zone_process_and_level)
{
    char text[1024];
    s_capture(s_log_two_lines, text, sizeof text);
    ck_assert_ptr_null(strstr(text, "hidden"));
    ck_assert_ptr_nonnull(strstr(text, " suqiu-test["));
    ck_assert_ptr_nonnull(strstr(text, "] INFO committed complaint=12345-20261123-000042\n"));
    ck_assert_ptr_nonnull(strstr(text, "] ERROR boom\n"));
    //  2026-11-23T19:50:05.123+08:00: a T at 10, a dot at 19, a zone sign at 23, a colon at 26
    ck_assert_int_eq(text[10], 'T');
    ck_assert_int_eq(text[19], '.');
    ck_assert(text[23] == '+' || text[23] == '-');
    ck_assert_int_eq(text[26], ':');
}
END_TEST

static int s_count(const char *text, const char *needle)
{
    int count = 0;
    for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
        count++;
    return count;
}

//  A storm from one call site: 3 lines a window, then one line with the count.
static void s_log_a_storm(void)
{
    sq_log_init("suqiu-test", SQ_LOG_INFO);
    sq_log_set_limit(3, 200);
    for (int i = 0; i < 50; i++)
        sq_warn_limited("worker %d went away", i);
    sq_warn_limited("another site");   //  its own window: printed
    sq_log_flush_limited();            //  the window is not over: nothing yet
    usleep(250 * 1000);
    sq_log_flush_limited();
    sq_warn_limited("worker %d went away", 50);   //  a new window: printed
    sq_log_set_limit(10, 10000);
}

START_TEST(a_storm_from_one_call_site_is_limited_and_counted)
{
    char text[8192];
    s_capture(s_log_a_storm, text, sizeof text);
    ck_assert_int_eq(s_count(text, "WARN worker "), 4);   //  0, 1, 2 and 50
    ck_assert_ptr_nonnull(strstr(text, "WARN worker 2 went away\n"));
    ck_assert_ptr_null(strstr(text, "WARN worker 3 went away"));
    ck_assert_ptr_nonnull(strstr(text, "WARN another site\n"));
    ck_assert_int_eq(s_count(text, "(47 more like this in 0.2 s, the last: worker 49 went away)"), 1);
    ck_assert_ptr_nonnull(strstr(text, "WARN worker 50 went away\n"));
    //  The count comes before the next window's first line.
    ck_assert(strstr(text, "47 more") < strstr(text, "worker 50"));
}
END_TEST

Suite *test_log_suite(void)
{
    Suite *suite = suite_create("log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, level_names_parse);
    tcase_add_test(tc, line_format_has_time_zone_process_and_level);
    tcase_add_test(tc, a_storm_from_one_call_site_is_limited_and_counted);
    suite_add_tcase(suite, tc);
    return suite;
}
