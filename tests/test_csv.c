/*  test_csv: reading labelled CSV files: RFC 4180 quoting, columns by name, and the errors
    that name file and line (bad UTF-8, stray quotes, wrong field counts, huge fields). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_csv.h"
#include "suites.h"

//  Write text to a new temporary file; returns its path (the caller's: free, unlink).
static char *s_file(const void *text, size_t size)
{
    char *path = malloc(256);
    snprintf(path, 256, "%s/test_csv_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, size), (ssize_t) size);
    close(fd);
    return path;
}

static void s_remove(char **path_p)
{
    unlink(*path_p);
    free(*path_p);
    *path_p = NULL;
}

//  Open text as a CSV file, read records until an error, and return the error ("" if none).
static char *s_first_error(const char *text, size_t *records)
{
    char *path = s_file(text, strlen(text));
    char error[600] = "";
    sq_csv_t *csv = sq_csv_open(path, error, sizeof error);
    *records = 0;
    if (csv) {
        int rc;
        while ((rc = sq_csv_next(csv)) == 1)
            (*records)++;
        if (rc < 0)
            snprintf(error, sizeof error, "%s", sq_csv_error(csv));
        ck_assert_int_eq(sq_csv_next(csv), rc < 0 ? -1 : 0);   //  errors and ends stay
        sq_csv_destroy(&csv);
    }
    //  keep only "LINE: what" so that tests need not know the temporary name
    const char *after = strstr(error, path);
    char *result = strdup(after ? after + strlen(path) + 1 : error);
    s_remove(&path);
    return result;
}

START_TEST(quoted_fields_hold_commas_quotes_and_newlines)
{
    const char *text = "title,body,label\n"
                       "\"路灯, 不亮\",\"他说\"\"快修\"\"\n第二行\",城乡建设\n"
                       "plain, spaced ,x\r\n"
                       ",,\n"
                       "\n"
                       "\"\",\"\"\"\",last";   //  no newline at the end
    char *path = s_file(text, strlen(text));
    char error[300];
    sq_csv_t *csv = sq_csv_open(path, error, sizeof error);
    ck_assert_msg(csv != NULL, "%s", error);
    ck_assert(sq_csv_has_column(csv, "body"));
    ck_assert_ptr_null(sq_csv_field(csv, "body"));   //  no record yet

    ck_assert_int_eq(sq_csv_next(csv), 1);
    ck_assert_str_eq(sq_csv_field(csv, "title"), "路灯, 不亮");
    ck_assert_str_eq(sq_csv_field(csv, "body"), "他说\"快修\"\n第二行");
    ck_assert_str_eq(sq_csv_field(csv, "label"), "城乡建设");
    ck_assert_uint_eq(sq_csv_line(csv), 2);

    ck_assert_int_eq(sq_csv_next(csv), 1);
    ck_assert_str_eq(sq_csv_field(csv, "title"), "plain");
    ck_assert_str_eq(sq_csv_field(csv, "body"), " spaced ");   //  spaces are data
    ck_assert_str_eq(sq_csv_field(csv, "label"), "x");          //  CRLF ends a record too
    ck_assert_uint_eq(sq_csv_line(csv), 4);

    ck_assert_int_eq(sq_csv_next(csv), 1);
    ck_assert_str_eq(sq_csv_field(csv, "title"), "");
    ck_assert_str_eq(sq_csv_field(csv, "label"), "");

    ck_assert_int_eq(sq_csv_next(csv), 1);   //  the blank line is skipped
    ck_assert_str_eq(sq_csv_field(csv, "title"), "");
    ck_assert_str_eq(sq_csv_field(csv, "body"), "\"");
    ck_assert_str_eq(sq_csv_field(csv, "label"), "last");
    ck_assert_uint_eq(sq_csv_line(csv), 7);

    ck_assert_int_eq(sq_csv_next(csv), 0);
    ck_assert_int_eq(sq_csv_next(csv), 0);
    ck_assert_str_eq(sq_csv_error(csv), "");
    sq_csv_destroy(&csv);
    sq_csv_destroy(&csv);
    ck_assert_ptr_null(csv);
    s_remove(&path);
}
END_TEST

START_TEST(a_missing_column_gives_null)
{
    //  with a byte-order mark
    const char *text = "\xEF\xBB\xBF" "body,label\n路灯坏了,城乡建设\n";
    char *path = s_file(text, strlen(text));
    char error[300];
    sq_csv_t *csv = sq_csv_open(path, error, sizeof error);
    ck_assert_ptr_nonnull(csv);
    ck_assert(sq_csv_has_column(csv, "body"));
    ck_assert(!sq_csv_has_column(csv, "title"));
    ck_assert_int_eq(sq_csv_next(csv), 1);
    ck_assert_str_eq(sq_csv_field(csv, "body"), "路灯坏了");
    ck_assert_ptr_null(sq_csv_field(csv, "title"));
    ck_assert_ptr_null(sq_csv_field(csv, "Body"));   //  names are exact
    sq_csv_destroy(&csv);
    s_remove(&path);
}
END_TEST

START_TEST(bad_utf8_is_reported_with_its_line)
{
    size_t records;
    char *error = s_first_error("body,label\n好,a\n\"多\n行\",b\n坏\xff,c\n", &records);
    ck_assert_str_eq(error, "5: not UTF-8 (byte 0xFF in field 1)");
    ck_assert_uint_eq(records, 2);
    free(error);
    //  inside a quoted field that spans lines, the line of the bad byte itself
    error = s_first_error("body,label\n\"第一行\n第二\xc3(\n第三行\",a\n", &records);
    ck_assert_str_eq(error, "3: not UTF-8 (byte 0xC3 in field 1)");
    free(error);
    error = s_first_error("body,label\n\xed\xa0\x80,a\n", &records);   //  a surrogate
    ck_assert_str_eq(error, "2: not UTF-8 (byte 0xED in field 1)");
    free(error);
    char *path = s_file("body,label\nx,\0\n", 15);   //  a NUL byte
    char message[300];
    sq_csv_t *csv = sq_csv_open(path, message, sizeof message);
    ck_assert_int_eq(sq_csv_next(csv), -1);
    ck_assert_ptr_nonnull(strstr(sq_csv_error(csv), ":2: a NUL byte"));
    sq_csv_destroy(&csv);
    s_remove(&path);
    error = s_first_error("body\xfe,label\nx,y\n", &records);   //  in the header
    ck_assert_str_eq(error, "1: not UTF-8 (byte 0xFE in field 1)");
    free(error);
}
END_TEST

START_TEST(malformed_records_are_reported_with_their_line)
{
    size_t records;
    char *error = s_first_error("body,label\na,b\na,b,c\n", &records);
    ck_assert_str_eq(error, "3: more than 2 fields, as in the header");
    free(error);
    error = s_first_error("body,label\na,b\nonly\n", &records);
    ck_assert_str_eq(error, "3: 1 field, the header has 2");
    free(error);
    error = s_first_error("body,label\na\"b,c\n", &records);
    ck_assert_ptr_nonnull(strstr(error, "2: malformed CSV"));
    free(error);
    error = s_first_error("body,label\n\"a\"b,c\n", &records);
    ck_assert_ptr_nonnull(strstr(error, "2: malformed CSV"));
    free(error);
    error = s_first_error("body,label\nx,y\n\"never closed,z\nmore\n", &records);
    ck_assert_str_eq(error, "3: a quoted field is not closed");
    ck_assert_uint_eq(records, 1);
    free(error);
    error = s_first_error("body,body\nx,y\n", &records);
    ck_assert_str_eq(error, "1: column \"body\" appears twice in the header");
    free(error);
}
END_TEST

START_TEST(a_field_over_the_limit_is_refused)
{
    size_t size = SQ_CSV_FIELD_MAX + 100;
    char *text = malloc(size + 64);
    strcpy(text, "body,label\nok,a\n\"");
    size_t at = strlen(text);
    memset(text + at, 'x', SQ_CSV_FIELD_MAX + 1);
    at += SQ_CSV_FIELD_MAX + 1;
    strcpy(text + at, "\",b\n");
    size_t records;
    char *error = s_first_error(text, &records);
    ck_assert_str_eq(error, "3: a field is longer than 1048576 bytes");
    ck_assert_uint_eq(records, 1);
    free(error);
    //  exactly at the limit is fine
    strcpy(text + strlen("body,label\nok,a\n\"") + SQ_CSV_FIELD_MAX, "\",b\n");
    error = s_first_error(text, &records);
    ck_assert_str_eq(error, "");
    ck_assert_uint_eq(records, 2);
    free(error);
    free(text);
}
END_TEST

START_TEST(empty_and_missing_files_fail_to_open)
{
    char *path = s_file("", 0);
    char error[600];
    ck_assert_ptr_null(sq_csv_open(path, error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "empty"));
    ck_assert_ptr_nonnull(strstr(error, path));
    s_remove(&path);
    ck_assert_ptr_null(sq_csv_open("/nonexistent/suqiu.csv", error, sizeof error));
    ck_assert_str_eq(error, "/nonexistent/suqiu.csv: cannot open: No such file or directory");
    path = s_file("body,label\n", 11);   //  a header and nothing else
    sq_csv_t *csv = sq_csv_open(path, error, sizeof error);
    ck_assert_ptr_nonnull(csv);
    ck_assert_int_eq(sq_csv_next(csv), 0);
    sq_csv_destroy(&csv);
    s_remove(&path);
}
END_TEST

START_TEST(an_importer_can_go_on_after_a_bad_record)
{
    const char *text = "body,label\n"
                       "one,a\n"
                       "too,many,fields\n"           //  line 3
                       "short\n"                     //  line 4
                       "\"multi\nline\",b,extra\n"    //  lines 5-6
                       "bad \xff byte,c\n"            //  line 7
                       "two,d\n"
                       "\"stray\"quote,e\n"          //  line 9: the structure is broken
                       "never,read\n";
    char *path = s_file(text, strlen(text));
    char error[600];
    sq_csv_t *csv = sq_csv_open(path, error, sizeof error);
    ck_assert_msg(csv != NULL, "%s", error);
    sq_csv_go_on_after_bad_records(csv);
    ck_assert_int_eq(sq_csv_next(csv), 1);
    ck_assert_str_eq(sq_csv_field(csv, "body"), "one");
    ck_assert_str_eq(sq_csv_record_problem(csv), "");
    ck_assert_int_eq(sq_csv_next(csv), SQ_CSV_BAD_RECORD);
    ck_assert_uint_eq(sq_csv_line(csv), 3);
    ck_assert_str_eq(sq_csv_record_problem(csv), "3 fields, the header has 2");
    ck_assert_int_eq(sq_csv_next(csv), SQ_CSV_BAD_RECORD);
    ck_assert_uint_eq(sq_csv_line(csv), 4);
    ck_assert_str_eq(sq_csv_record_problem(csv), "1 field, the header has 2");
    ck_assert_ptr_null(sq_csv_field(csv, "label"));
    ck_assert_int_eq(sq_csv_next(csv), SQ_CSV_BAD_RECORD);
    ck_assert_uint_eq(sq_csv_line(csv), 5);
    ck_assert_int_eq(sq_csv_next(csv), SQ_CSV_BAD_RECORD);
    ck_assert_uint_eq(sq_csv_line(csv), 7);
    ck_assert_str_eq(sq_csv_record_problem(csv), "not UTF-8 (byte 0xFF in field 1)");
    ck_assert_int_eq(sq_csv_next(csv), 1);
    ck_assert_str_eq(sq_csv_field(csv, "label"), "d");
    ck_assert_uint_eq(sq_csv_line(csv), 8);
    ck_assert_int_eq(sq_csv_next(csv), -1);
    ck_assert_ptr_nonnull(strstr(sq_csv_error(csv), ":9: malformed CSV"));
    ck_assert_int_eq(sq_csv_next(csv), -1);
    sq_csv_destroy(&csv);
    s_remove(&path);
}
END_TEST

Suite *test_csv_suite(void)
{
    Suite *suite = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_test(tc, quoted_fields_hold_commas_quotes_and_newlines);
    tcase_add_test(tc, a_missing_column_gives_null);
    tcase_add_test(tc, bad_utf8_is_reported_with_its_line);
    tcase_add_test(tc, malformed_records_are_reported_with_their_line);
    tcase_add_test(tc, a_field_over_the_limit_is_refused);
    tcase_add_test(tc, empty_and_missing_files_fail_to_open);
    tcase_add_test(tc, an_importer_can_go_on_after_a_bad_record);
    suite_add_tcase(suite, tc);
    return suite;
}
