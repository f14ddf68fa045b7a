/*  test_mail: e-mail as citizens' clients write it, parsed to a complaint's fields, the
    threading back to a work order, the limits that refuse hostile mail, and the hub's
    outbound mail read back.  The fixtures are the .eml files in tests/fixtures/mail (made by
    make_fixtures.py there); check_suqiu runs from the top of the repository.  The large
    hostile messages are made here in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sq_mail.h"
#include "sq_mail_compose.h"
#include "sq_mail_header.h"
#include "sq_mail_text.h"
#include "sq_mail_thread.h"
#include "suites.h"

#define S_FIXTURES "tests/fixtures/mail/"

static char *s_read_fixture(const char *name, size_t *length)
{
    char path[256];
    snprintf(path, sizeof path, S_FIXTURES "%s", name);
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "cannot open %s (run check_suqiu from the repository)", path);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *bytes = malloc((size_t) size + 1);
    ck_assert_int_eq(fread(bytes, 1, (size_t) size, file), (size_t) size);
    fclose(file);
    bytes[size] = '\0';
    *length = (size_t) size;
    return bytes;
}

//  The fixture parsed with the default limits, expecting status.
static sq_mail_t *s_parse_fixture(const char *name, sq_mail_status_t expected)
{
    size_t length;
    char *bytes = s_read_fixture(name, &length);
    sq_mail_t *mail = NULL;
    char error[256];
    sq_mail_status_t status = sq_mail_parse(bytes, length, NULL, &mail, error, sizeof error);
    free(bytes);
    ck_assert_msg(status == expected, "%s: %s (%s), expected %s", name,
                  sq_mail_status_name(status), error, sq_mail_status_name(expected));
    return mail;
}

static sq_mail_status_t s_parse_text(const char *bytes, size_t length,
                                     const sq_mail_limits_t *limits, char *error)
{
    sq_mail_t *mail = NULL;
    sq_mail_status_t status = sq_mail_parse(bytes, length, limits, &mail, error, 256);
    if (status == SQ_MAIL_OK || status == SQ_MAIL_UNDECODABLE)
        ck_assert_ptr_nonnull(mail);
    else
        ck_assert_ptr_null(mail);
    sq_mail_destroy(&mail);
    return status;
}

static const struct {
    const char *file;
    const char *subject;
    const char *from_name;
    const char *from_address;
    const char *body;      //  the body starts with this
    const char *charset;   //  the charset the body was decoded from
} s_charsets[] = {
    {"utf8_qp.eml", "噪音扰民，夜间施工", "张三", "zhang.san@example.cn",
     "人民路夜间施工噪音很大，凌晨两点还在施工。\n请尽快处理。", "UTF-8"},
    {"gb2312_base64.eml", "路灯不亮", "李四", "li.si@example.cn",
     "城关镇人民路的路灯已经坏了一个星期。", "GB18030"},
    //  Labelled gb2312, written in GBK: 镕 and 堃 are not in GB2312.
    {"gbk_as_gb2312.eml", "朱镕基路 堃", "王堃", "wang.kun@example.cn",
     "朱镕基路上的垃圾没人清运，王堃反映。", "GB18030"},
    //  𠮷 is four bytes in GB18030.
    {"gb18030_8bit.eml", "𠮷野家 食品安全", "", "zhao@example.cn",
     "𠮷野家的饭菜变质，€ 价格也不对。", "GB18030"},
    {"big5_qp.eml", "臺北市 路燈故障", "陳大文", "chen@example.tw",
     "臺北市信義區的路燈故障已經三天。", "BIG5-HKSCS"},
    //  Written by Debian's mutt (send_charset=big5) and s-nail (sendcharsets=gb18030).
    {"mutt_big5.eml", "臺北市 路燈故障", "陳大文", "chen@example.tw",
     "臺北市信義區的路燈故障已三天。", "BIG5-HKSCS"},
    {"snail_gb18030.eml", "路灯坏了 朱镕基", "张三", "zhang@example.cn",
     "路灯坏了，请尽快修理。朱镕基", "GB18030"},
    //  Outlook/Foxmail: "=?gb2312?B?...?=" <a@b>, labels GB_2312-80 and x-gbk.
    {"outlook_quoted.eml", "投诉：小区停水", "刘先生", "liu@example.cn",
     "小区已经停水两天了。", "GB18030"},
    //  x-unknown: the name in GBK, the subject in UTF-8.
    {"unknown_charset.eml", "井盖丢失", "张三", "a@example.cn", "Manhole cover missing.",
     "UTF-8"},
};

START_TEST(each_charset_in_body_and_headers)
{
    for (size_t i = 0; i < sizeof s_charsets / sizeof s_charsets[0]; i++) {
        sq_mail_t *mail = s_parse_fixture(s_charsets[i].file, SQ_MAIL_OK);
        ck_assert_msg(strcmp(sq_mail_subject(mail), s_charsets[i].subject) == 0, "%s: subject [%s]",
                      s_charsets[i].file, sq_mail_subject(mail));
        ck_assert_msg(strcmp(sq_mail_from_name(mail), s_charsets[i].from_name) == 0,
                      "%s: name [%s]", s_charsets[i].file, sq_mail_from_name(mail));
        ck_assert_str_eq(sq_mail_from_address(mail), s_charsets[i].from_address);
        ck_assert_msg(strncmp(sq_mail_body(mail), s_charsets[i].body, strlen(s_charsets[i].body)) == 0,
                      "%s: body [%s]", s_charsets[i].file, sq_mail_body(mail));
        ck_assert_msg(strcmp(sq_mail_body_charset(mail), s_charsets[i].charset) == 0,
                      "%s: charset %s", s_charsets[i].file, sq_mail_body_charset(mail));
        ck_assert(!sq_mail_body_is_html(mail));
        ck_assert(!sq_mail_message_id_generated(mail));
        ck_assert_str_eq(sq_mail_date(mail), "2026-12-04T09:30:00+08:00");
        ck_assert_int_eq(sq_mail_date_epoch(mail), 1796347800);
        sq_mail_destroy(&mail);
        ck_assert_ptr_null(mail);
        sq_mail_destroy(&mail);
    }
}
END_TEST

START_TEST(message_id_without_brackets)
{
    sq_mail_t *mail = s_parse_fixture("utf8_qp.eml", SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_message_id(mail), "utf8-qp-1@example.cn");
    ck_assert_ptr_null(sq_mail_in_reply_to(mail));
    ck_assert_int_eq(sq_mail_references_count(mail), 0);
    ck_assert_int_eq(sq_mail_attachment_count(mail), 0);
    ck_assert(!sq_mail_auto_submitted(mail));
    sq_mail_destroy(&mail);
}
END_TEST

START_TEST(raw_8bit_headers_are_guessed)
{
    //  Some clients send the subject and name unencoded, in GBK.
    const char *message = "From: \xd5\xc5\xc8\xfd <z@example.cn>\nSubject: \xcd\xb6\xcb\xdf\n"
                          "Message-ID: <8bit@example.cn>\n\nbody\n";
    sq_mail_t *mail = NULL;
    ck_assert_int_eq(sq_mail_parse(message, strlen(message), NULL, &mail, NULL, 0), SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_subject(mail), "投诉");
    ck_assert_str_eq(sq_mail_from_name(mail), "张三");
    ck_assert_str_eq(sq_mail_body(mail), "body\n");
    ck_assert_str_eq(sq_mail_body_charset(mail), "UTF-8");   //  no label: valid UTF-8
    ck_assert_ptr_null(sq_mail_date(mail));
    sq_mail_destroy(&mail);
}
END_TEST

START_TEST(alternative_prefers_plain_text)
{
    sq_mail_t *mail = s_parse_fixture("alternative.eml", SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_body(mail), "纯文本：公交站台破损。\n");
    ck_assert(!sq_mail_body_is_html(mail));
    ck_assert_int_eq(sq_mail_attachment_count(mail), 0);   //  the HTML is not a file
    sq_mail_destroy(&mail);
}
END_TEST

START_TEST(html_only_is_reduced_to_text)
{
    sq_mail_t *mail = s_parse_fixture("html_only.eml", SQ_MAIL_OK);
    ck_assert(sq_mail_body_is_html(mail));
    ck_assert_str_eq(sq_mail_body_charset(mail), "GB18030");
    ck_assert_str_eq(sq_mail_body(mail),
                     "河道 污染&发臭\n\n地点：西湖区\n时间：昨天\n- 死鱼\n- 油污\n\n<请处理>");
    ck_assert_ptr_null(strstr(sq_mail_body(mail), "alert"));
    ck_assert_ptr_null(strstr(sq_mail_body(mail), "color"));
    ck_assert_ptr_null(strstr(sq_mail_body(mail), "标题"));
    sq_mail_destroy(&mail);
}
END_TEST

START_TEST(attachments_with_chinese_names_and_checksums)
{
    sq_mail_t *mail = s_parse_fixture("attachments.eml", SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_body(mail), "请看附件照片。\n");
    ck_assert_int_eq(sq_mail_attachment_count(mail), 2);
    const sq_mail_attachment_t *photo = sq_mail_attachment(mail, 0);
    ck_assert_str_eq(photo->filename, "现场照片.jpg");   //  RFC 2231 filename*=utf-8''...
    ck_assert_str_eq(photo->content_type, "image/jpeg");
    ck_assert_int_eq(photo->size, 1000);
    //  sha256 of bytes((i * 7 + 3) % 256 for i in range(1000)), by Python's hashlib
    ck_assert_str_eq(photo->sha256, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371");
    ck_assert(!photo->too_large);
    ck_assert_ptr_nonnull(photo->bytes);
    ck_assert_int_eq((unsigned char) photo->bytes[0], 3);
    ck_assert_int_eq((unsigned char) photo->bytes[999], (999 * 7 + 3) % 256);
    const sq_mail_attachment_t *note = sq_mail_attachment(mail, 1);
    ck_assert_str_eq(note->filename, "证明材料.pdf");   //  an encoded-word in quotes, gb2312
    ck_assert_str_eq(note->content_type, "application/pdf");
    ck_assert_int_eq(note->size, 17);
    ck_assert_str_eq(note->sha256, "192e64c1e117a0be5335ec815634bca06886b1abc64852af00cdc954157fa218");
    ck_assert_ptr_null(sq_mail_attachment(mail, 2));
    sq_mail_destroy(&mail);
}
END_TEST

START_TEST(an_attachment_over_the_limit_is_listed_without_bytes)
{
    size_t length;
    char *bytes = s_read_fixture("attachments.eml", &length);
    sq_mail_limits_t limits;
    sq_mail_limits_default(&limits);
    limits.attachment_max_bytes = 100;
    sq_mail_t *mail = NULL;
    ck_assert_int_eq(sq_mail_parse(bytes, length, &limits, &mail, NULL, 0), SQ_MAIL_OK);
    const sq_mail_attachment_t *photo = sq_mail_attachment(mail, 0);
    ck_assert(photo->too_large);
    ck_assert_ptr_null(photo->bytes);
    ck_assert_int_eq(photo->size, 1000);
    ck_assert_str_eq(photo->sha256, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371");
    ck_assert(!sq_mail_attachment(mail, 1)->too_large);
    sq_mail_destroy(&mail);
    free(bytes);
}
END_TEST

START_TEST(attachment_names_lose_their_directories)
{
    const char *message = "From: a@example.cn\nMessage-ID: <dir@x>\nMIME-Version: 1.0\n"
                          "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                          "Content-Type: text/plain\n\nsee file\n--b\n"
                          "Content-Type: application/octet-stream; name=\"../../etc/passwd\"\n\n"
                          "x\n--b\nContent-Type: image/png\n\npng\n"
                          "--b\nContent-Type: image/gif\n\n--b--\n";
    sq_mail_t *mail = NULL;
    ck_assert_int_eq(sq_mail_parse(message, strlen(message), NULL, &mail, NULL, 0), SQ_MAIL_OK);
    ck_assert_int_eq(sq_mail_attachment_count(mail), 3);
    ck_assert_str_eq(sq_mail_attachment(mail, 0)->filename, "passwd");
    ck_assert_int_eq(sq_mail_attachment(mail, 2)->size, 0);   //  an empty part
    ck_assert_str_eq(sq_mail_attachment(mail, 2)->sha256,
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_str_eq(sq_mail_attachment(mail, 1)->filename, "attachment-2");
    ck_assert_str_eq(sq_mail_attachment(mail, 1)->content_type, "image/png");
    sq_mail_destroy(&mail);
}
END_TEST

START_TEST(a_message_without_message_id_gets_a_content_key)
{
    sq_mail_t *lf = s_parse_fixture("no_message_id.eml", SQ_MAIL_OK);
    sq_mail_t *crlf = s_parse_fixture("no_message_id_crlf.eml", SQ_MAIL_OK);
    ck_assert(sq_mail_message_id_generated(lf));
    ck_assert_int_eq(strlen(sq_mail_message_id(lf)), 7 + 64);
    ck_assert_int_eq(strncmp(sq_mail_message_id(lf), "sha256-", 7), 0);
    //  the same message read from a file and delivered over LMTP: one key
    ck_assert_str_eq(sq_mail_message_id(lf), sq_mail_message_id(crlf));
    sq_mail_destroy(&lf);
    sq_mail_destroy(&crlf);
    //  another body, another key; another Received line, the same key
    const char *a = "Received: from a\nFrom: x@example.cn\nSubject: s\n\nbody one\n";
    const char *b = "Received: from b\nFrom: x@example.cn\nSubject: s\n\nbody one\n\n";
    const char *c = "From: x@example.cn\nSubject: s\n\nbody two\n";
    sq_mail_t *ma, *mb, *mc;
    ck_assert_int_eq(sq_mail_parse(a, strlen(a), NULL, &ma, NULL, 0), SQ_MAIL_OK);
    ck_assert_int_eq(sq_mail_parse(b, strlen(b), NULL, &mb, NULL, 0), SQ_MAIL_OK);
    ck_assert_int_eq(sq_mail_parse(c, strlen(c), NULL, &mc, NULL, 0), SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_message_id(ma), sq_mail_message_id(mb));
    ck_assert_str_ne(sq_mail_message_id(ma), sq_mail_message_id(mc));
    sq_mail_destroy(&ma);
    sq_mail_destroy(&mb);
    sq_mail_destroy(&mc);
}
END_TEST

START_TEST(threading_finds_the_work_order)
{
    char number[32];
    sq_mail_t *mail = s_parse_fixture("reply_subject.eml", SQ_MAIL_OK);
    ck_assert(sq_mail_work_order(mail, "hub.city.example", number, sizeof number));
    ck_assert_str_eq(number, "12345-20261204-000123");
    sq_mail_destroy(&mail);

    mail = s_parse_fixture("reply_in_reply_to.eml", SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_in_reply_to(mail), "ack.EM-20261204-000045@hub.city.example");
    ck_assert_int_eq(sq_mail_references_count(mail), 2);
    ck_assert_str_eq(sq_mail_reference(mail, 0), "gb2312-1@example.cn");
    ck_assert(sq_mail_work_order(mail, "HUB.city.example", number, sizeof number));
    ck_assert_str_eq(number, "EM-20261204-000045");
    //  another domain's Message-IDs are not trusted, and the subject has no number
    ck_assert(!sq_mail_work_order(mail, "other.example", number, sizeof number));
    ck_assert(!sq_mail_work_order(mail, NULL, number, sizeof number));
    sq_mail_destroy(&mail);

    mail = s_parse_fixture("reply_references.eml", SQ_MAIL_OK);
    ck_assert_int_eq(sq_mail_references_count(mail), 3);
    ck_assert(sq_mail_work_order(mail, "hub.city.example", number, sizeof number));
    ck_assert_str_eq(number, "12315-20261130-000007");
    sq_mail_destroy(&mail);

    mail = s_parse_fixture("alternative.eml", SQ_MAIL_OK);
    ck_assert(!sq_mail_work_order(mail, "hub.city.example", number, sizeof number));
    sq_mail_destroy(&mail);
}
END_TEST

START_TEST(work_order_numbers_in_text_and_ids)
{
    char number[32];
    ck_assert(sq_mail_thread_text_number("回复：[WX-20261201-000001]", number, sizeof number));
    ck_assert_str_eq(number, "WX-20261201-000001");
    ck_assert(!sq_mail_thread_text_number("X12345-20261204-000123", number, sizeof number));
    ck_assert(!sq_mail_thread_text_number("12345-20261340-000123", number, sizeof number));
    ck_assert(!sq_mail_thread_text_number("12345-20261204-000123-7", number, sizeof number));
    ck_assert(!sq_mail_thread_text_number(NULL, number, sizeof number));
    ck_assert(!sq_mail_thread_text_number("12345-20261204-000123", number, 10));   //  too small

    char id[128];
    ck_assert_int_eq(sq_mail_ack_id("EM-20261204-000045", "hub.city.example", id, sizeof id), 0);
    ck_assert_str_eq(id, "ack.EM-20261204-000045@hub.city.example");
    ck_assert(sq_mail_thread_id_number(id, "hub.city.example", number, sizeof number));
    ck_assert_str_eq(number, "EM-20261204-000045");
    ck_assert_int_eq(sq_mail_reply_id("EM-20261204-000045", 3, "hub.city.example", id, sizeof id), 0);
    ck_assert_str_eq(id, "reply.EM-20261204-000045.3@hub.city.example");
    ck_assert(sq_mail_thread_id_number(id, "hub.city.example", number, sizeof number));
    ck_assert_str_eq(number, "EM-20261204-000045");
    ck_assert(!sq_mail_thread_id_number("reply.EM-20261204-000045@hub.city.example",
                                        "hub.city.example", number, sizeof number));
    ck_assert(!sq_mail_thread_id_number("ack.EM-20261204-000045@evil.example", "hub.city.example",
                                        number, sizeof number));
    ck_assert_int_eq(sq_mail_ack_id("not-a-number", "hub.city.example", id, sizeof id), -1);
    ck_assert_int_eq(sq_mail_reply_id("EM-20261204-000045", 0, "hub.city.example", id, sizeof id), -1);
    ck_assert_int_eq(sq_mail_ack_id("EM-20261204-000045", "hub.city.example", id, 20), -1);
}
END_TEST

START_TEST(invalid_utf8_is_undecodable_but_keeps_its_headers)
{
    sq_mail_t *mail = s_parse_fixture("invalid_utf8.eml", SQ_MAIL_UNDECODABLE);
    ck_assert_ptr_nonnull(mail);
    ck_assert_ptr_null(sq_mail_body(mail));
    ck_assert_str_eq(sq_mail_message_id(mail), "invalid-utf8-1@example.cn");
    ck_assert_str_eq(sq_mail_subject(mail), "bad bytes");
    ck_assert_str_eq(sq_mail_from_address(mail), "bad@example.cn");
    ck_assert_int_eq(sq_mail_attachment_count(mail), 0);
    ck_assert_ptr_null(sq_mail_status_reply(SQ_MAIL_UNDECODABLE));   //  accepted, kept raw
    sq_mail_destroy(&mail);
    //  a body labelled big5 that is not Big5
    const char *big5 = "From: a@example.cn\nContent-Type: text/plain; charset=big5\n\n\xff\xff\n";
    char error[256];
    ck_assert_int_eq(s_parse_text(big5, strlen(big5), NULL, error), SQ_MAIL_UNDECODABLE);
    ck_assert_ptr_nonnull(strstr(error, "big5"));
}
END_TEST

START_TEST(malformed_mail_is_refused)
{
    char error[256];
    ck_assert_int_eq(s_parse_text("", 0, NULL, error), SQ_MAIL_MALFORMED);
    const char *anonymous = "Subject: who\n\nno From\n";
    ck_assert_int_eq(s_parse_text(anonymous, strlen(anonymous), NULL, error), SQ_MAIL_MALFORMED);
    ck_assert_ptr_nonnull(strstr(error, "From"));
    ck_assert_str_eq(sq_mail_status_reply(SQ_MAIL_MALFORMED), "554 5.6.0 Malformed message");
}
END_TEST

START_TEST(a_50_mb_message_is_too_large)
{
    size_t length = 50u * 1024 * 1024;
    char *bytes = malloc(length);
    const char *head = "From: big@example.cn\nSubject: big\n\n";
    memcpy(bytes, head, strlen(head));
    memset(bytes + strlen(head), 'a', length - strlen(head));
    char error[256];
    ck_assert_int_eq(s_parse_text(bytes, length, NULL, error), SQ_MAIL_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(error, "26214400"));
    ck_assert_str_eq(sq_mail_status_name(SQ_MAIL_TOO_LARGE), "too_large");
    ck_assert_str_eq(sq_mail_status_reply(SQ_MAIL_TOO_LARGE), "552 5.3.4 Message too big");
    free(bytes);
}
END_TEST

START_TEST(a_mime_bomb_of_10000_parts_is_refused)
{
    GString *text = g_string_new("From: bomb@example.cn\nMIME-Version: 1.0\n"
                                 "Content-Type: multipart/mixed; boundary=b\n\n");
    for (int i = 0; i < 10000; i++)
        g_string_append(text, "--b\nContent-Type: text/plain\n\nx\n");
    g_string_append(text, "--b--\n");
    char error[256];
    ck_assert_int_eq(s_parse_text(text->str, text->len, NULL, error), SQ_MAIL_BOMB);
    ck_assert_ptr_nonnull(strstr(error, "500 MIME parts"));
    g_string_free(text, TRUE);
}
END_TEST

//  A message with depth nested multiparts.
static GString *s_nested(int depth)
{
    GString *text = g_string_new("From: bomb@example.cn\nMIME-Version: 1.0\n");
    for (int i = 0; i < depth; i++)
        g_string_append_printf(text, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
    g_string_append(text, "Content-Type: text/plain\n\ndeep\n");
    for (int i = depth - 1; i >= 0; i--)
        g_string_append_printf(text, "--b%d--\n", i);
    return text;
}

START_TEST(deep_nesting_is_refused)
{
    char error[256];
    GString *text = s_nested(200);
    ck_assert_int_eq(s_parse_text(text->str, text->len, NULL, error), SQ_MAIL_BOMB);
    ck_assert_ptr_nonnull(strstr(error, "deeper than 20"));
    g_string_free(text, TRUE);
    //  past GMime's own limit (1024 levels), which it reports as a nesting overflow
    text = s_nested(2000);
    ck_assert_int_eq(s_parse_text(text->str, text->len, NULL, error), SQ_MAIL_BOMB);
    g_string_free(text, TRUE);
    //  within the limit it is mail
    text = s_nested(10);
    sq_mail_t *mail = NULL;
    ck_assert_int_eq(sq_mail_parse(text->str, text->len, NULL, &mail, error, 256), SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_body(mail), "deep");   //  the newline before a boundary is the boundary's
    sq_mail_destroy(&mail);
    g_string_free(text, TRUE);
}
END_TEST

START_TEST(long_headers_are_refused)
{
    char error[256];
    GString *text = g_string_new("From: long@example.cn\nSubject: ");
    for (int i = 0; i < 100 * 1024; i++)
        g_string_append_c(text, 'a' + i % 26);
    g_string_append(text, "\n\nbody\n");
    ck_assert_int_eq(s_parse_text(text->str, text->len, NULL, error), SQ_MAIL_HEADER_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(error, "Subject"));
    g_string_free(text, TRUE);
    //  a folded header: short lines, but a block of 300 KB
    text = g_string_new("From: long@example.cn\nX-Padding: x");
    for (int i = 0; i < 3000; i++)
        g_string_append(text, "\n 0123456789012345678901234567890123456789012345678901234567890123456789"
                              "0123456789012345678901234567890");
    g_string_append(text, "\n\nbody\n");
    ck_assert_int_eq(s_parse_text(text->str, text->len, NULL, error), SQ_MAIL_HEADER_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(error, "header block"));
    g_string_free(text, TRUE);
    //  a long line in the header of a nested part
    text = g_string_new("From: long@example.cn\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                        "Content-Type: text/plain; x=");
    for (int i = 0; i < 20000; i++)
        g_string_append_c(text, 'x');
    g_string_append(text, "\n\nbody\n--b--\n");
    ck_assert_int_eq(s_parse_text(text->str, text->len, NULL, error), SQ_MAIL_HEADER_TOO_LONG);
    g_string_free(text, TRUE);
}
END_TEST

START_TEST(compose_then_parse_round_trip)
{
    const char *references[] = {"citizen-1@example.cn", "ack.EM-20261204-000045@hub.city.example",
                                NULL};
    sq_mail_outgoing_t out = {
        .from_name = "12345市民热线",
        .from_address = "12345@city.example",
        .to_name = "张三",
        .to_address = "zhang@example.cn",
        .subject = "您的诉求已办理：城关镇人民路的路灯已经修好，谢谢您的反映，欢迎继续监督我们的工作",
        .work_order = "EM-20261204-000045",
        .date = 1796347800,
        .message_id = "reply.EM-20261204-000045.1@hub.city.example",
        .in_reply_to = "citizen-2@example.cn",
        .references = references,
        .auto_submitted = false,
        .body = "张三您好：\n\n路灯已于12月5日修复。\r\n城管局\n",
    };
    size_t length = 0;
    char *bytes = sq_mail_compose(&out, &length);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_int_eq(length, strlen(bytes));
    //  SMTP-ready: CRLF everywhere, 7-bit, no line over 998
    size_t line = 0;
    for (size_t i = 0; i < length; i++) {
        ck_assert_msg((unsigned char) bytes[i] < 0x80, "8-bit byte at %zu", i);
        if (bytes[i] == '\n') {
            ck_assert_msg(i > 0 && bytes[i - 1] == '\r', "bare LF at %zu", i);
            line = 0;
        } else
            ck_assert_int_le(++line, 999);
    }
    ck_assert_ptr_nonnull(strstr(bytes, "\r\nMessage-Id: <reply.EM-20261204-000045.1@hub.city.example>\r\n"));
    //  the number readable in the raw subject, encoded-words of at most 75 characters
    ck_assert_ptr_nonnull(strstr(bytes, "Subject: [EM-20261204-000045]\r\n =?UTF-8?B?"));
    for (const char *word = strstr(bytes, "=?"); word; word = strstr(word + 2, "=?")) {
        const char *end = strstr(word + 2, "?=");
        ck_assert_ptr_nonnull(end);
        ck_assert_int_le(end + 2 - word, 75);
        word = end;
    }

    sq_mail_t *mail = NULL;
    ck_assert_int_eq(sq_mail_parse(bytes, length, NULL, &mail, NULL, 0), SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_subject(mail),
                     "[EM-20261204-000045] 您的诉求已办理：城关镇人民路的路灯已经修好，谢谢您的反"
                     "映，欢迎继续监督我们的工作");
    ck_assert_str_eq(sq_mail_from_name(mail), "12345市民热线");
    ck_assert_str_eq(sq_mail_from_address(mail), "12345@city.example");
    ck_assert_str_eq(sq_mail_body(mail), "张三您好：\n\n路灯已于12月5日修复。\n城管局\n");
    ck_assert_str_eq(sq_mail_message_id(mail), "reply.EM-20261204-000045.1@hub.city.example");
    ck_assert_str_eq(sq_mail_in_reply_to(mail), "citizen-2@example.cn");
    ck_assert_int_eq(sq_mail_references_count(mail), 3);
    ck_assert_str_eq(sq_mail_reference(mail, 1), "ack.EM-20261204-000045@hub.city.example");
    ck_assert_str_eq(sq_mail_reference(mail, 2), "citizen-2@example.cn");
    ck_assert_int_eq(sq_mail_date_epoch(mail), 1796347800);
    ck_assert(!sq_mail_auto_submitted(mail));
    char number[32];
    ck_assert(sq_mail_work_order(mail, "hub.city.example", number, sizeof number));
    ck_assert_str_eq(number, "EM-20261204-000045");
    sq_mail_destroy(&mail);
    free(bytes);

    //  the acknowledgement: the number already in the subject, marked auto-replied
    out.subject = "[EM-20261204-000045] 已受理";
    out.auto_submitted = true;
    out.references = NULL;
    out.body = "ASCII only\n";
    bytes = sq_mail_compose(&out, &length);
    ck_assert_int_eq(sq_mail_parse(bytes, length, NULL, &mail, NULL, 0), SQ_MAIL_OK);
    ck_assert_str_eq(sq_mail_subject(mail), "[EM-20261204-000045] 已受理");
    ck_assert(sq_mail_auto_submitted(mail));
    ck_assert_int_eq(sq_mail_references_count(mail), 1);
    ck_assert_str_eq(sq_mail_body(mail), "ASCII only\n");
    sq_mail_destroy(&mail);
    free(bytes);
}
END_TEST

START_TEST(compose_refuses_bad_fields)
{
    sq_mail_outgoing_t good = {.from_address = "12345@city.example",
                               .to_address = "zhang@example.cn",
                               .subject = "s",
                               .message_id = "ack.EM-20261204-000045@hub.city.example",
                               .body = "b"};
    char *bytes = sq_mail_compose(&good, NULL);
    ck_assert_ptr_nonnull(bytes);
    free(bytes);
    sq_mail_outgoing_t bad = good;
    bad.subject = "s\r\nBcc: victim@example.cn";   //  header injection
    ck_assert_ptr_null(sq_mail_compose(&bad, NULL));
    bad = good;
    bad.to_address = "zhang@example.cn>, <other@example.cn";
    ck_assert_ptr_null(sq_mail_compose(&bad, NULL));
    bad = good;
    bad.message_id = "<ack@hub>";
    ck_assert_ptr_null(sq_mail_compose(&bad, NULL));
    bad = good;
    bad.body = "\xff";
    ck_assert_ptr_null(sq_mail_compose(&bad, NULL));
    bad = good;
    bad.from_name = "a\nb";
    ck_assert_ptr_null(sq_mail_compose(&bad, NULL));
}
END_TEST

START_TEST(text_decoding_and_html)
{
    const char *used = NULL;
    ck_assert_str_eq(sq_mail_text_charset("GB2312"), "GB18030");
    ck_assert_str_eq(sq_mail_text_charset("x-gbk"), "GB18030");
    ck_assert_str_eq(sq_mail_text_charset("Big5"), "BIG5-HKSCS");
    ck_assert_ptr_null(sq_mail_text_charset("us-ascii"));
    //  镕 (GBK E946) under a gb2312 label
    char *text = sq_mail_text_decode("\xd6\xec\xe9\x46\xbb\xf9", 6, "gb2312", &used);
    ck_assert_str_eq(text, "朱镕基");
    ck_assert_str_eq(used, "GB18030");
    free(text);
    //  no label: UTF-8 if it is, else GB18030
    text = sq_mail_text_decode("\xcd\xb6\xcb\xdf", 4, NULL, &used);
    ck_assert_str_eq(text, "投诉");
    ck_assert_str_eq(used, "GB18030");
    free(text);
    ck_assert_ptr_null(sq_mail_text_decode("\x80\xff", 2, NULL, &used));
    ck_assert_ptr_null(used);
    //  controls and CRLF cleaned; NUL dropped
    text = sq_mail_text_decode("a\r\nb\x01\x00" "c\rd", 9, "utf-8", NULL);
    ck_assert_str_eq(text, "a\nb c\nd");
    free(text);
    //  a BOM is dropped
    text = sq_mail_text_decode("\xef\xbb\xbfok", 5, "utf-8", NULL);
    ck_assert_str_eq(text, "ok");
    free(text);

    const char *html = "<table><tr><td>地址</td><td>人民路</td></tr></table><pre>a  b\nc</pre>"
                       "<p>x&#20320;&lt;</p><br/><br/><br/><br/>end";
    text = sq_mail_text_from_html(html, strlen(html));
    ck_assert_str_eq(text, "地址 人民路\n\na  b\nc\n\nx你<\n\nend");
    free(text);
    text = sq_mail_text_from_html("", 0);
    ck_assert_str_eq(text, "");
    free(text);
    //  100 levels are read; at 20,000 libxml2 stops at its depth limit (256) and what came
    //  before is kept
    GString *deep = g_string_new("<p>前</p>");
    for (int i = 0; i < 50; i++)
        g_string_append(deep, "<div><span>");
    g_string_append(deep, "深");
    text = sq_mail_text_from_html(deep->str, deep->len);
    ck_assert_str_eq(text, "前\n\n深");
    free(text);
    for (int i = 0; i < 20000; i++)
        g_string_append(deep, "<div><span>");
    text = sq_mail_text_from_html(deep->str, deep->len);
    ck_assert_int_eq(strncmp(text, "前", strlen("前")), 0);
    free(text);
    g_string_free(deep, TRUE);
}
END_TEST

START_TEST(header_values_are_one_line_of_utf8)
{
    char text[] = "  a\tb\r\n c \xff\xfe\xe6\x8a\x95 d  ";
    ck_assert_str_eq(sq_mail_header_one_line(text), "a b c ??投 d");
    size_t count = 0;
    char **ids = sq_mail_header_message_ids(NULL, NULL, &count);
    ck_assert_int_eq(count, 0);
    free(ids);
}
END_TEST

Suite *test_mail_suite(void)
{
    Suite *suite = suite_create("mail");
    TCase *parse = tcase_create("parse");
    tcase_add_test(parse, each_charset_in_body_and_headers);
    tcase_add_test(parse, message_id_without_brackets);
    tcase_add_test(parse, raw_8bit_headers_are_guessed);
    tcase_add_test(parse, alternative_prefers_plain_text);
    tcase_add_test(parse, html_only_is_reduced_to_text);
    tcase_add_test(parse, attachments_with_chinese_names_and_checksums);
    tcase_add_test(parse, an_attachment_over_the_limit_is_listed_without_bytes);
    tcase_add_test(parse, attachment_names_lose_their_directories);
    tcase_add_test(parse, a_message_without_message_id_gets_a_content_key);
    tcase_add_test(parse, invalid_utf8_is_undecodable_but_keeps_its_headers);
    tcase_add_test(parse, malformed_mail_is_refused);
    tcase_add_test(parse, text_decoding_and_html);
    tcase_add_test(parse, header_values_are_one_line_of_utf8);
    suite_add_tcase(suite, parse);
    TCase *thread = tcase_create("thread");
    tcase_add_test(thread, threading_finds_the_work_order);
    tcase_add_test(thread, work_order_numbers_in_text_and_ids);
    suite_add_tcase(suite, thread);
    TCase *limits = tcase_create("limits");
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, a_50_mb_message_is_too_large);
    tcase_add_test(limits, a_mime_bomb_of_10000_parts_is_refused);
    tcase_add_test(limits, deep_nesting_is_refused);
    tcase_add_test(limits, long_headers_are_refused);
    suite_add_tcase(suite, limits);
    TCase *compose = tcase_create("compose");
    tcase_add_test(compose, compose_then_parse_round_trip);
    tcase_add_test(compose, compose_refuses_bad_fields);
    suite_add_tcase(suite, compose);
    return suite;
}
