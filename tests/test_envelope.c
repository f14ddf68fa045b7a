/*  test_envelope: what a hotline work order must look like, and the errors that name the field. */
#include <string.h>

#include "sq_envelope.h"
#include "sq_utf8.h"
#include "suites.h"

static const sq_limits_t s_limits = {20, 100, 30};

#define S_GOOD                                                                                     \
    "\"line\":\"12345\",\"external_id\":\"HL-2026-0001\",\"caller_name\":\"张三\","                \
    "\"phone\":\"138-0000-0000\",\"address\":\"城关镇人民路1号\",\"title\":\"学校食堂饭菜变质\","   \
    "\"content\":\"多名学生呕吐。\\n请尽快处理\",\"operator_id\":\"1001\","                       \
    "\"received_at\":\"2026-11-23T10:00:00+08:00\""

//  Parse "{" S_GOOD extra "}" and expect the error on field.
static void s_expect_field_error(const char *json, const char *field, const char *message)
{
    sq_field_error_t error = {"", ""};
    json_t *envelope = sq_envelope_from_hotline(json, strlen(json), &s_limits, &error);
    ck_assert_msg(envelope == NULL, "accepted: %s", json);
    ck_assert_msg(strcmp(error.field, field) == 0, "field \"%s\" (%s), expected \"%s\" for %s",
                  error.field, error.message, field, json);
    ck_assert_msg(strstr(error.message, message) != NULL, "message \"%s\" lacks \"%s\"",
                  error.message, message);
}

START_TEST(a_good_work_order_becomes_an_envelope)
{
    const char *json = "{" S_GOOD ",\"region\":\"城关镇\"}";
    sq_field_error_t error;
    json_t *envelope = sq_envelope_from_hotline(json, strlen(json), &s_limits, &error);
    ck_assert_ptr_nonnull(envelope);
    ck_assert_str_eq(json_string_value(json_object_get(envelope, "channel")), "hotline12345");
    ck_assert_ptr_null(json_object_get(envelope, "line"));
    ck_assert_str_eq(json_string_value(json_object_get(envelope, "title")), "学校食堂饭菜变质");
    ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), 0);
    json_decref(envelope);
}
END_TEST

START_TEST(line_12315_and_numeric_line)
{
    const char *json = "{\"line\":12315,\"external_id\":\"X\",\"title\":\"t\",\"content\":\"c\","
                       "\"operator_id\":\"7\",\"received_at\":\"2026-01-01T00:00:00Z\"}";
    sq_field_error_t error;
    json_t *envelope = sq_envelope_from_hotline(json, strlen(json), &s_limits, &error);
    ck_assert_ptr_nonnull(envelope);
    ck_assert_str_eq(json_string_value(json_object_get(envelope, "channel")), "hotline12315");
    json_decref(envelope);
}
END_TEST

START_TEST(bad_bodies_are_refused)
{
    s_expect_field_error("", "", "not valid JSON");
    s_expect_field_error("[1,2]", "", "must be a JSON object");
    s_expect_field_error("{\"line\":\"12345\"", "", "not valid JSON");
    s_expect_field_error("{\"title\":\"\xff\xfe\"}", "", "not valid JSON");   //  not UTF-8
    s_expect_field_error("{" S_GOOD ",\"title\":\"again\"}", "", "duplicate");
}
END_TEST

START_TEST(each_field_is_checked)
{
    s_expect_field_error("{" S_GOOD ",\"colour\":\"red\"}", "colour", "is not a known field");
    s_expect_field_error("{\"line\":\"110\",\"external_id\":\"A\"}", "line", "must be \"12345\" or \"12315\"");
    s_expect_field_error("{\"external_id\":\"A\",\"title\":\"t\",\"content\":\"c\",\"operator_id\":\"1\","
                         "\"received_at\":\"2026-01-01T00:00:00Z\"}", "line", "is required");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"t\",\"content\":\"c\","
                         "\"received_at\":\"2026-01-01T00:00:00Z\"}", "operator_id", "is required");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"content\":\"c\",\"operator_id\":\"1\","
                         "\"received_at\":\"2026-01-01T00:00:00Z\"}", "title", "is required");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"a b\",\"title\":\"t\",\"content\":\"c\","
                         "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\"}",
                         "external_id", "only letters, digits");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"  \",\"content\":\"c\","
                         "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\"}", "title", "blank");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"a\\nb\",\"content\":\"c\","
                         "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\"}", "title", "one line");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"t\",\"content\":\"c\\u0007\","
                         "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\"}", "content", "control character");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"t\",\"content\":\"c\\u0000\","
                         "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\"}", "", "not valid JSON");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"t\",\"content\":\"c\","
                         "\"operator_id\":\"1\",\"received_at\":\"yesterday\"}", "received_at", "ISO-8601");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"t\",\"content\":\"c\","
                         "\"operator_id\":\"1\",\"received_at\":\"2126-01-01T00:00:00Z\"}", "received_at", "future");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"t\",\"content\":\"c\","
                         "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\",\"phone\":\"call me\"}",
                         "phone", "phone number");
    s_expect_field_error("{\"line\":\"12345\",\"external_id\":\"A\",\"title\":\"t\",\"content\":\"c\","
                         "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\",\"phone\":12}",
                         "phone", "must be a string");
}
END_TEST

START_TEST(limits_count_characters_not_bytes)
{
    //  20 Chinese characters = 60 bytes: within a 20-character limit.
    const char *twenty = "\"title\":\"一二三四五六七八九十一二三四五六七八九十\"";
    const char *twenty_one = "\"title\":\"一二三四五六七八九十一二三四五六七八九十一\"";
    char json[512];
    snprintf(json, sizeof json, "{\"line\":\"12345\",\"external_id\":\"A\",%s,\"content\":\"c\","
             "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\"}", twenty);
    sq_field_error_t error;
    json_t *envelope = sq_envelope_from_hotline(json, strlen(json), &s_limits, &error);
    ck_assert_msg(envelope != NULL, "%s: %s", error.field, error.message);
    json_decref(envelope);
    snprintf(json, sizeof json, "{\"line\":\"12345\",\"external_id\":\"A\",%s,\"content\":\"c\","
             "\"operator_id\":\"1\",\"received_at\":\"2026-01-01T00:00:00Z\"}", twenty_one);
    s_expect_field_error(json, "title", "longer than 20 characters");
    ck_assert_uint_eq(sq_utf8_length("诉求ab"), 4);
}
END_TEST

START_TEST(times_parse_strictly)
{
    int64_t when = 0;
    ck_assert_int_eq(sq_time_parse("2026-11-23T10:00:00+08:00", &when), 0);
    ck_assert_int_eq(when, 1795399200);   //  02:00:00 UTC
    ck_assert_int_eq(sq_time_parse("2026-11-23T02:00:00Z", &when), 0);
    ck_assert_int_eq(when, 1795399200);
    ck_assert_int_eq(sq_time_parse("2026-11-23T02:00:00.123456Z", &when), 0);
    ck_assert_int_eq(sq_time_parse("2024-02-29T00:00:00Z", &when), 0);
    ck_assert_int_eq(sq_time_parse("2023-02-29T00:00:00Z", &when), -1);
    ck_assert_int_eq(sq_time_parse("2026-11-23T10:00:00", &when), -1);   //  no zone
    ck_assert_int_eq(sq_time_parse("2026-11-23T24:00:00Z", &when), -1);
    ck_assert_int_eq(sq_time_parse("2026-11-23T10:00:00+0800", &when), -1);
    ck_assert_int_eq(sq_time_parse("2026-11-23T10:00:00Zjunk", &when), -1);
    ck_assert_int_eq(sq_time_parse("2026-13-23T10:00:00Z", &when), -1);
}
END_TEST

//  Times written as the envelopes write them, read back; titles cut at a character.
START_TEST(times_written_in_shanghai_and_titles_cut_at_a_character)
{
    char text[SQ_TIME_TEXT_MAX];
    int64_t epoch = 0;
    ck_assert_int_eq(sq_time_parse("2026-11-23T10:00:00+08:00", &epoch), 0);
    sq_time_format(epoch, text, sizeof text);
    ck_assert_str_eq(text, "2026-11-23T10:00:00+08:00");
    sq_time_format(epoch + 14 * 3600, text, sizeof text);   //  past midnight in Shanghai
    ck_assert_str_eq(text, "2026-11-24T00:00:00+08:00");
    char *cut = sq_utf8_prefix("路灯坏了\n三天", 5);
    ck_assert_str_eq(cut, "路灯坏了\n");
    free(cut);
    cut = sq_utf8_first_line("路灯坏了\n三天", 6);
    ck_assert_str_eq(cut, "路灯坏了 三");
    free(cut);
    cut = sq_utf8_first_line("短", 30);
    ck_assert_str_eq(cut, "短");
    free(cut);
}
END_TEST

START_TEST(the_operators_labels_are_kept_for_classification)
{
    const char *json = "{" S_GOOD ",\"type\":\"举报\",\"urgency\":\"normal\","
                       "\"category\":\"food.school_canteen\"}";
    sq_field_error_t error;
    json_t *envelope = sq_envelope_from_hotline(json, strlen(json), &s_limits, &error);
    ck_assert_msg(envelope != NULL, "%s: %s", error.field, error.message);
    json_t *labels = json_object_get(json_object_get(envelope, "extra"), "operator");
    ck_assert_str_eq(json_string_value(json_object_get(labels, "type")), "举报");
    ck_assert_str_eq(json_string_value(json_object_get(labels, "urgency")), "normal");
    ck_assert_str_eq(json_string_value(json_object_get(labels, "category")), "food.school_canteen");
    ck_assert_ptr_null(json_object_get(envelope, "type"));
    ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), 0);
    json_decref(envelope);

    //  Only known labels; a category is an id (the catalogue is checked when classifying).
    s_expect_field_error("{" S_GOOD ",\"type\":\"抱怨\"}", "type", "投诉 举报");
    s_expect_field_error("{" S_GOOD ",\"urgency\":\"very\"}", "urgency", "紧急 or 一般");
    s_expect_field_error("{" S_GOOD ",\"category\":\"学校食堂\"}", "category", "category id");
    s_expect_field_error("{" S_GOOD ",\"type\":3}", "type", "must be a string");
    json_t *other = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s}}}", "channel", "web",
                              "external_id", "W-1", "received_at", "2026-01-01T00:00:00Z",
                              "title", "t", "content", "c", "extra", "operator", "colour", "red");
    ck_assert_int_eq(sq_envelope_check(other, &s_limits, &error), -1);
    ck_assert_str_eq(error.field, "colour");
    json_decref(other);
}
END_TEST

START_TEST(envelopes_from_any_channel)
{
    sq_field_error_t error;
    json_t *envelope = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "channel", "wechat",
                                 "external_id", "MSG-1", "received_at", "2026-11-23T10:00:00+08:00",
                                 "title", "t", "content", "c", "extra", "openid", "o1");
    ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), 0);
    json_object_set_new(envelope, "channel", json_string("fax"));
    ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), -1);
    ck_assert_str_eq(error.field, "channel");
    json_decref(envelope);
    ck_assert(sq_channel_known("email"));
    ck_assert(!sq_channel_known(NULL));
}
END_TEST

//  An e-mail's external id is its Message-ID: "@", "+", "=" and the like are allowed there,
//  and only there; angle brackets, spaces and quotes never.
START_TEST(an_email_is_known_by_its_message_id)
{
    sq_field_error_t error;
    json_t *envelope = json_pack("{s:s, s:s, s:s, s:s, s:s}", "channel", "email", "external_id",
                                 "CAB+x=9f$e7_Q@mail.gmail.com", "received_at",
                                 "2026-11-23T10:00:00+08:00", "title", "t", "content", "c");
    ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), 0);
    const char *refused[] = {"<a@b>", "a b@c", "a\"b@c", "", NULL};
    for (const char *const *id = refused; *id; id++) {
        json_object_set_new(envelope, "external_id", json_string(*id));
        ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), -1);
        ck_assert_str_eq(error.field, "external_id");
    }
    json_object_set_new(envelope, "channel", json_string("web"));
    json_object_set_new(envelope, "external_id", json_string("a@b"));
    ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), -1);
    json_decref(envelope);
}
END_TEST

START_TEST(a_12315_order_names_the_business)
{
    const char *json = "{" S_GOOD ",\"line\":\"12315\"," "\"respondent_name\":\"某某餐饮店\","
                       "\"respondent_address\":\"柳市镇长江路88号\","
                       "\"respondent_credit_code\":\"91350100M000100Y43\"}";
    //  S_GOOD has line 12345 already: a second "line" is a duplicate key.
    s_expect_field_error(json, "", "duplicate");
    json = "{\"line\":\"12315\",\"external_id\":\"X-1\",\"title\":\"t\",\"content\":\"c\","
           "\"operator_id\":\"7\",\"received_at\":\"2026-01-01T00:00:00Z\","
           "\"respondent_name\":\"某某餐饮店\",\"respondent_address\":\"柳市镇长江路88号\","
           "\"respondent_credit_code\":\"91350100M000100Y43\"}";
    sq_field_error_t error;
    json_t *envelope = sq_envelope_from_hotline(json, strlen(json), &s_limits, &error);
    ck_assert_msg(envelope != NULL, "%s: %s", error.field, error.message);
    ck_assert_str_eq(json_string_value(json_object_get(envelope, "respondent_name")), "某某餐饮店");
    ck_assert_str_eq(json_string_value(json_object_get(envelope, "respondent_address")),
                     "柳市镇长江路88号");
    ck_assert_str_eq(json_string_value(json_object_get(envelope, "respondent_credit_code")),
                     "91350100M000100Y43");
    ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), 0);
    //  The intake checks it again: a wrong code in an envelope is refused there too.
    json_object_set_new(envelope, "respondent_credit_code", json_string("91350100M000100Y44"));
    ck_assert_int_eq(sq_envelope_check(envelope, &s_limits, &error), -1);
    ck_assert_str_eq(error.field, "respondent_credit_code");
    json_decref(envelope);
    s_expect_field_error("{" S_GOOD ",\"respondent_credit_code\":\"91350100M000100Y4\"}",
                         "respondent_credit_code", "18 characters");
    s_expect_field_error("{" S_GOOD ",\"respondent_credit_code\":\"91350100M000100Y44\"}",
                         "respondent_credit_code", "check character");
    s_expect_field_error("{" S_GOOD ",\"respondent_name\":\"两行\\n名字\"}", "respondent_name",
                         "one line");
    s_expect_field_error("{" S_GOOD ",\"respondent_address\":\"一二三四五六七八九十一二三四五六七八九十"
                         "一二三四五六七八九十一\"}", "respondent_address", "longer than 30");
}
END_TEST

START_TEST(optional_fields_sent_empty_are_absent)
{
    const char *json = "{\"line\":\"12345\",\"external_id\":\"E-1\",\"title\":\"t\","
                       "\"content\":\"c\",\"operator_id\":\"7\","
                       "\"received_at\":\"2026-01-01T00:00:00Z\",\"caller_name\":\"\","
                       "\"phone\":\"\",\"address\":\"  \",\"region\":\"\","
                       "\"respondent_name\":\"\",\"respondent_address\":\"\","
                       "\"respondent_credit_code\":\"\"}";
    sq_field_error_t error;
    json_t *envelope = sq_envelope_from_hotline(json, strlen(json), &s_limits, &error);
    ck_assert_msg(envelope != NULL, "%s: %s", error.field, error.message);
    const char *absent[] = {"caller_name", "phone", "address", "region", "respondent_name",
                            "respondent_address", "respondent_credit_code"};
    for (size_t i = 0; i < sizeof absent / sizeof *absent; i++)
        ck_assert_msg(json_object_get(envelope, absent[i]) == NULL, "%s is kept", absent[i]);
    json_decref(envelope);
    //  Required ones sent empty are still errors, naming the field.
    const char *required[] = {"title", "content", "operator_id", "external_id", "received_at",
                              "line"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        json_t *order = json_loads(json, 0, NULL);
        ck_assert_ptr_nonnull(order);
        json_object_set_new(order, required[i], json_string(""));
        ck_assert_ptr_null(sq_envelope_from_hotline_order(order, &s_limits, &error));
        ck_assert_str_eq(error.field, required[i]);
        json_decref(order);
    }
    //  Whatever is not a string keeps its error.
    s_expect_field_error("{" S_GOOD ",\"region\":0}", "region", "must be a string");
}
END_TEST

START_TEST(an_order_already_parsed)
{
    json_t *order = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "line", "12345", "external_id",
                              "ROW-2", "title", "t", "content", "c", "operator_id", "1",
                              "received_at", "2026-01-01T00:00:00Z");
    sq_field_error_t error;
    json_t *envelope = sq_envelope_from_hotline_order(order, &s_limits, &error);
    ck_assert_ptr_nonnull(envelope);
    ck_assert_str_eq(json_string_value(json_object_get(envelope, "channel")), "hotline12345");
    ck_assert_ptr_nonnull(json_object_get(order, "line"));   //  the order is not changed
    json_decref(envelope);
    json_decref(order);
    json_t *array = json_array();
    ck_assert_ptr_null(sq_envelope_from_hotline_order(array, &s_limits, &error));
    ck_assert_str_eq(error.field, "");
    json_decref(array);
}
END_TEST

Suite *test_envelope_suite(void)
{
    Suite *suite = suite_create("envelope");
    TCase *tc = tcase_create("envelope");
    tcase_add_test(tc, a_good_work_order_becomes_an_envelope);
    tcase_add_test(tc, line_12315_and_numeric_line);
    tcase_add_test(tc, bad_bodies_are_refused);
    tcase_add_test(tc, each_field_is_checked);
    tcase_add_test(tc, limits_count_characters_not_bytes);
    tcase_add_test(tc, times_parse_strictly);
    tcase_add_test(tc, envelopes_from_any_channel);
    tcase_add_test(tc, an_email_is_known_by_its_message_id);
    tcase_add_test(tc, times_written_in_shanghai_and_titles_cut_at_a_character);
    tcase_add_test(tc, the_operators_labels_are_kept_for_classification);
    tcase_add_test(tc, a_12315_order_names_the_business);
    tcase_add_test(tc, optional_fields_sent_empty_are_absent);
    tcase_add_test(tc, an_order_already_parsed);
    suite_add_tcase(suite, tc);
    return suite;
}
