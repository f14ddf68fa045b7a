/*  test_records: the rows of a file to import, from CSV, a JSON array or JSON Lines, with
    bad rows reported by line and reading going on, and broken files stopping it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_records.h"
#include "suites.h"

//  Write text to a new temporary file whose name ends in suffix; returns its path.
static char *s_file(const char *text, const char *suffix)
{
    char *path = malloc(256);
    snprintf(path, 256, "%s/test_records_XXXXXX%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             suffix);
    int fd = mkstemps(path, (int) strlen(suffix));
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    return path;
}

static void s_remove(char **path_p)
{
    unlink(*path_p);
    free(*path_p);
    *path_p = NULL;
}

//  Read every row of text and describe them: "L:ok:VALUE-OF-key" or "L:bad:PROBLEM" each
//  line, then "end" or "stop:ERROR-AFTER-THE-PATH".
static char *s_describe(const char *text, const char *suffix, const char *key,
                        sq_records_form_t expected)
{
    char *path = s_file(text, suffix);
    char error[600];
    sq_records_t *records = sq_records_open(path, error, sizeof error);
    ck_assert_msg(records != NULL, "%s", error);
    ck_assert_int_eq(sq_records_form(records), expected);
    char *out = calloc(1, 8192);
    int rc;
    while ((rc = sq_records_next(records)) > 0) {
        size_t used = strlen(out);
        if (rc == 1)
            snprintf(out + used, 8192 - used, "%zu:ok:%s\n", sq_records_line(records),
                     json_string_value(json_object_get(sq_records_row(records), key)));
        else {
            ck_assert_ptr_null(sq_records_row(records));
            snprintf(out + used, 8192 - used, "%zu:bad:%s\n", sq_records_line(records),
                     sq_records_problem(records));
        }
    }
    size_t used = strlen(out);
    const char *stopped = sq_records_error(records);
    if (rc == 0)
        snprintf(out + used, 8192 - used, "end");
    else
        snprintf(out + used, 8192 - used, "stop%s", strstr(stopped, path) ? stopped + strlen(path) : stopped);
    ck_assert_int_eq(sq_records_next(records), rc);   //  the end and errors stay
    ck_assert(sq_records_progress(records) == 1 || rc < 0);
    sq_records_destroy(&records);
    sq_records_destroy(&records);
    s_remove(&path);
    return out;
}

START_TEST(csv_rows_are_objects_of_strings_by_column)
{
    char *path = s_file("\xEF\xBB\xBFline,title,address\n12345,噪音,\n12315,\"两行\n标题\",柳市镇\n",
                        ".csv");
    char error[600];
    sq_records_t *records = sq_records_open(path, error, sizeof error);
    ck_assert_msg(records != NULL, "%s", error);
    size_t count;
    const char *const *columns = sq_records_columns(records, &count);
    ck_assert_uint_eq(count, 3);
    ck_assert_str_eq(columns[0], "line");   //  the byte-order mark is gone
    ck_assert_str_eq(columns[2], "address");
    ck_assert_int_eq(sq_records_next(records), 1);
    json_t *row = sq_records_row(records);
    ck_assert_uint_eq(json_object_size(row), 3);
    ck_assert_str_eq(json_string_value(json_object_get(row, "line")), "12345");
    ck_assert_str_eq(json_string_value(json_object_get(row, "address")), "");
    ck_assert_uint_eq(sq_records_line(records), 2);
    ck_assert_int_eq(sq_records_next(records), 1);
    ck_assert_str_eq(json_string_value(json_object_get(sq_records_row(records), "title")),
                     "两行\n标题");
    ck_assert_int_eq(sq_records_next(records), 0);
    ck_assert_str_eq(sq_records_form_name(sq_records_form(records)), "CSV");
    sq_records_destroy(&records);
    s_remove(&path);

    char *described = s_describe("id,x\na,1\nb,2,3\nc\n\"d\",4\ne\"f,5\ng,6\n", ".csv", "id",
                                 SQ_RECORDS_CSV);
    ck_assert_str_eq(described, "2:ok:a\n3:bad:3 fields, the header has 2\n"
                                "4:bad:1 field, the header has 2\n5:ok:d\n"
                                "stop:6: malformed CSV: a quote inside an unquoted field or after "
                                "a closing quote");
    free(described);
}
END_TEST

START_TEST(a_json_array_row_by_row)
{
    const char *text = "[\n"
                       "  {\"id\": \"a\"},\n"
                       "  {\n    \"id\": \"b\",\n    \"n\": 1\n  },\n"   //  lines 3-6
                       "  7,\n"                                           //  line 7
                       "  {\"id\": \"c\", \"id\": \"d\"},\n"              //  line 8
                       "  {\"id\": \"e\"}\n"
                       "]\n";
    char *described = s_describe(text, ".json", "id", SQ_RECORDS_JSON_ARRAY);
    ck_assert_str_eq(described, "2:ok:a\n3:ok:b\n7:bad:must be a JSON object\n"
                                "8:bad:duplicate object key near '\"id\"'\n9:ok:e\nend");
    free(described);
    described = s_describe("[]", ".json", "id", SQ_RECORDS_JSON_ARRAY);
    ck_assert_str_eq(described, "end");
    free(described);
    //  Whatever breaks the array stops reading, naming the line.
    described = s_describe("[{\"id\":\"a\"},\n{\"id\": \"\xff\"},\n{\"id\":\"c\"}]", ".json", "id",
                           SQ_RECORDS_JSON_ARRAY);
    ck_assert_ptr_nonnull(strstr(described, "1:ok:a\nstop:2: not valid JSON (UTF-8)"));
    free(described);
    described = s_describe("[{\"id\":\"a\"} {\"id\":\"b\"}]", "", "id", SQ_RECORDS_JSON_ARRAY);
    ck_assert_str_eq(described, "1:ok:a\nstop:1: expected \",\" or \"]\" after a row");
    free(described);
    described = s_describe("[{\"id\":\"a\"},\n{\"id\":\"b\"}", ".json", "id",
                           SQ_RECORDS_JSON_ARRAY);
    ck_assert_str_eq(described, "1:ok:a\n2:ok:b\nstop:2: the array is not closed with \"]\"");
    free(described);
    described = s_describe("[{\"id\":\"a\"},]", ".json", "id", SQ_RECORDS_JSON_ARRAY);
    ck_assert_str_eq(described, "1:ok:a\nstop:1: \"]\" after \",\": a row is missing");
    free(described);
    described = s_describe("[{\"id\":\"a\"}]\n[]", ".json", "id", SQ_RECORDS_JSON_ARRAY);
    ck_assert_str_eq(described, "1:ok:a\nstop:2: data after the end of the array");
    free(described);
}
END_TEST

START_TEST(json_lines_go_on_after_a_bad_line)
{
    const char *text = "{\"id\":\"a\"}\n"
                       "\n"
                       "{\"id\":\"b\"\n"              //  line 3: not closed
                       "{\"id\":\"\xc3\x28\"}\n"      //  line 4: not UTF-8
                       "{\"id\":\"c\"} {\"id\":\"x\"}\n"
                       "[1]\n"
                       "  {\"id\":\"d\"}  \r\n"
                       "{\"id\":\"e\"}";             //  no newline at the end
    char *described = s_describe(text, ".jsonl", "id", SQ_RECORDS_JSON_LINES);
    ck_assert_ptr_nonnull(strstr(described, "1:ok:a\n3:bad:not valid JSON (UTF-8): "));
    ck_assert_ptr_nonnull(strstr(described, "\n4:bad:not valid JSON (UTF-8): "));
    ck_assert_ptr_nonnull(strstr(described, "\n5:bad:more than one JSON value on the line"));
    ck_assert_ptr_nonnull(strstr(described, "\n6:bad:must be a JSON object\n7:ok:d\n8:ok:e\nend"));
    free(described);
    //  No suffix: the first byte decides.
    described = s_describe("  {\"id\":\"a\"}\n", "", "id", SQ_RECORDS_JSON_LINES);
    ck_assert_str_eq(described, "1:ok:a\nend");
    free(described);
}
END_TEST

START_TEST(empty_and_missing_files_do_not_open)
{
    char error[600];
    ck_assert_ptr_null(sq_records_open("/nonexistent/x.json", error, sizeof error));
    ck_assert_str_eq(error, "/nonexistent/x.json: cannot open: No such file or directory");
    char *path = s_file(" \n", ".json");
    ck_assert_ptr_null(sq_records_open(path, error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "empty"));
    s_remove(&path);
    path = s_file("", ".csv");
    ck_assert_ptr_null(sq_records_open(path, error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "empty"));
    s_remove(&path);
}
END_TEST

Suite *test_records_suite(void)
{
    Suite *suite = suite_create("records");
    TCase *tc = tcase_create("records");
    tcase_add_test(tc, csv_rows_are_objects_of_strings_by_column);
    tcase_add_test(tc, a_json_array_row_by_row);
    tcase_add_test(tc, json_lines_go_on_after_a_bad_line);
    tcase_add_test(tc, empty_and_missing_files_do_not_open);
    suite_add_tcase(suite, tc);
    return suite;
}
