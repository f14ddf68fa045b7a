/*  test_lmtp: an MTA's LMTP sessions with the e-mail adapter, as the bytes on the wire: one
    reply per accepted recipient after DATA, dot-stuffing, size limits, commands out of
    order, pipelining, and a delivery the adapter answers later. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sq_lmtp.h"
#include "suites.h"

static const char *s_accepted[] = {"12345@city.example", "12315@city.example", NULL};

//  What deliver saw, and what it answers.
typedef struct {
    int calls;
    char from[64];
    size_t count;
    char recipients[4][64];
    char message[4096];
    size_t length;
    int codes[4];   //  the reply code for each recipient
    bool pending;
} s_delivery_t;

static sq_lmtp_deliver_result_t s_deliver(void *arg, const char *from,
                                          const char *const *recipients, size_t count,
                                          const char *bytes, size_t length,
                                          sq_lmtp_reply_t *replies)
{
    s_delivery_t *delivery = arg;
    delivery->calls++;
    snprintf(delivery->from, sizeof delivery->from, "%s", from);
    delivery->count = count;
    for (size_t i = 0; i < count && i < 4; i++)
        snprintf(delivery->recipients[i], sizeof delivery->recipients[i], "%s", recipients[i]);
    ck_assert_int_lt(length, sizeof delivery->message);
    memcpy(delivery->message, bytes, length);
    delivery->message[length] = '\0';
    delivery->length = length;
    if (delivery->pending)
        return SQ_LMTP_PENDING;
    for (size_t i = 0; i < count && i < 4; i++)
        replies[i].code = delivery->codes[i];
    if (count > 1 && delivery->codes[1] == 554)
        snprintf(replies[1].text, sizeof replies[1].text, "5.6.0 Refused: MIME bomb\r\nInjected");
    return SQ_LMTP_DONE;
}

static sq_lmtp_t *s_session(s_delivery_t *delivery, const sq_lmtp_limits_t *limits)
{
    sq_lmtp_t *session = sq_lmtp_session_new("lmtp.city.example", s_accepted, limits, s_deliver,
                                             delivery);
    ck_assert_ptr_nonnull(session);
    return session;
}

//  Feed text and expect exactly the replies.
static void s_expect(sq_lmtp_t *session, const char *text, const char *replies)
{
    size_t length = 0;
    const char *got = sq_lmtp_feed(session, text, strlen(text), &length);
    ck_assert_int_eq(length, strlen(got));
    ck_assert_msg(strcmp(got, replies) == 0, "for [%s]\ngot      [%s]\nexpected [%s]", text, got,
                  replies);
}

#define S_LHLO_REPLY                                                                               \
    "250-lmtp.city.example\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"       \
    "250 SIZE 26214400\r\n"

START_TEST(a_session_with_two_recipients_one_refused)
{
    s_delivery_t delivery = {.codes = {250, 451}};
    sq_lmtp_t *session = s_session(&delivery, NULL);
    ck_assert_str_eq(sq_lmtp_greeting(session), "220 lmtp.city.example LMTP ready\r\n");
    s_expect(session, "LHLO mx.city.example\r\n", S_LHLO_REPLY);
    s_expect(session, "MAIL FROM:<zhang@example.cn> SIZE=120 BODY=8BITMIME\r\n",
             "250 2.1.0 Sender OK\r\n");
    s_expect(session, "RCPT TO:<12345@city.example>\r\n",
             "250 2.1.5 <12345@city.example> Recipient OK\r\n");
    s_expect(session, "RCPT TO:<nobody@city.example>\r\n",
             "550 5.1.1 <nobody@city.example> Mailbox unavailable\r\n");
    s_expect(session, "RCPT TO:<12315@CITY.example>\r\n",
             "250 2.1.5 <12315@CITY.example> Recipient OK\r\n");
    s_expect(session, "DATA\r\n", "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    s_expect(session, "Subject: test\r\n\r\n", "");
    s_expect(session, "路灯坏了\r\n", "");
    ck_assert_int_eq(delivery.calls, 0);
    //  one reply per accepted recipient, in RCPT order: 250 after the commit, 451 when not
    s_expect(session, ".\r\n", "250 2.0.0 Delivered\r\n451 4.3.0 Temporary failure, try again later\r\n");
    ck_assert_int_eq(delivery.calls, 1);
    ck_assert_str_eq(delivery.from, "zhang@example.cn");
    ck_assert_int_eq(delivery.count, 2);
    ck_assert_str_eq(delivery.recipients[0], "12345@city.example");
    ck_assert_str_eq(delivery.recipients[1], "12315@CITY.example");
    ck_assert_str_eq(delivery.message, "Subject: test\r\n\r\n路灯坏了\r\n");
    //  a second transaction on the same connection, then QUIT
    delivery.codes[0] = 250;
    s_expect(session, "MAIL FROM:<>\r\n", "250 2.1.0 Sender OK\r\n");   //  a bounce
    s_expect(session, "RCPT TO:<12345@city.example>\r\n",
             "250 2.1.5 <12345@city.example> Recipient OK\r\n");
    s_expect(session, "DATA\r\n", "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    s_expect(session, "x\r\n.\r\n", "250 2.0.0 Delivered\r\n");
    ck_assert_str_eq(delivery.from, "");
    ck_assert_int_eq(delivery.count, 1);
    ck_assert(!sq_lmtp_closed(session));
    s_expect(session, "QUIT\r\n", "221 2.0.0 lmtp.city.example closing connection\r\n");
    ck_assert(sq_lmtp_closed(session));
    s_expect(session, "NOOP\r\n", "");   //  nothing after QUIT
    sq_lmtp_session_destroy(&session);
    ck_assert_ptr_null(session);
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(refusals_per_recipient_with_their_own_text)
{
    s_delivery_t delivery = {.codes = {250, 554}};
    sq_lmtp_t *session = s_session(&delivery, NULL);
    s_expect(session, "LHLO mx\r\nMAIL FROM:<a@example.cn>\r\nRCPT TO:<12345@city.example>\r\n"
                      "RCPT TO:<12315@city.example>\r\nDATA\r\n",
             S_LHLO_REPLY "250 2.1.0 Sender OK\r\n250 2.1.5 <12345@city.example> Recipient OK\r\n"
                          "250 2.1.5 <12315@city.example> Recipient OK\r\n"
                          "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    //  the text deliver gave is one line: its line break cannot inject a reply
    s_expect(session, "m\r\n.\r\n",
             "250 2.0.0 Delivered\r\n554 5.6.0 Refused: MIME bomb  Injected\r\n");
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(dot_stuffing_is_undone)
{
    s_delivery_t delivery = {.codes = {250}};
    sq_lmtp_t *session = s_session(&delivery, NULL);
    s_expect(session, "LHLO mx\r\nMAIL FROM:<a@example.cn>\r\nRCPT TO:<12345@city.example>\r\nDATA\r\n",
             S_LHLO_REPLY "250 2.1.0 Sender OK\r\n250 2.1.5 <12345@city.example> Recipient OK\r\n"
                          "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    s_expect(session, "..\r\n...hidden\r\n.x\r\n. \r\n a.\r\n.\r\n", "250 2.0.0 Delivered\r\n");
    ck_assert_str_eq(delivery.message, ".\r\n..hidden\r\nx\r\n \r\n a.\r\n");
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(size_limits)
{
    s_delivery_t delivery = {.codes = {250, 250}};
    sq_lmtp_limits_t limits;
    sq_lmtp_limits_default(&limits);
    limits.message_max_bytes = 100;
    sq_lmtp_t *session = s_session(&delivery, &limits);
    s_expect(session, "LHLO mx\r\n",
             "250-lmtp.city.example\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
             "250-8BITMIME\r\n250 SIZE 100\r\n");
    s_expect(session, "MAIL FROM:<a@example.cn> SIZE=101\r\n",
             "552 5.3.4 Message size exceeds fixed limit of 100 bytes\r\n");
    s_expect(session, "MAIL FROM:<a@example.cn> SIZE=99999999999999999999999999\r\n",
             "552 5.3.4 Message size exceeds fixed limit of 100 bytes\r\n");
    s_expect(session, "MAIL FROM:<a@example.cn> SIZE=abc\r\n", "501 5.5.4 Bad SIZE parameter\r\n");
    s_expect(session, "MAIL FROM:<a@example.cn> SIZE=100\r\n", "250 2.1.0 Sender OK\r\n");
    s_expect(session, "RCPT TO:<12345@city.example>\r\nRCPT TO:<12315@city.example>\r\nDATA\r\n",
             "250 2.1.5 <12345@city.example> Recipient OK\r\n"
             "250 2.1.5 <12315@city.example> Recipient OK\r\n"
             "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    //  a client that lied about SIZE: read to the end, thrown away, 552 per recipient
    for (int i = 0; i < 10; i++)
        s_expect(session, "0123456789012345678901234567890123456789\r\n", "");
    s_expect(session, ".\r\n", "552 5.3.4 Message too big\r\n552 5.3.4 Message too big\r\n");
    ck_assert_int_eq(delivery.calls, 0);
    //  the session goes on
    s_expect(session, "MAIL FROM:<a@example.cn>\r\n", "250 2.1.0 Sender OK\r\n");
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(commands_out_of_order_and_unknown)
{
    s_delivery_t delivery = {.codes = {250}};
    sq_lmtp_t *session = s_session(&delivery, NULL);
    s_expect(session, "MAIL FROM:<a@example.cn>\r\n", "503 5.5.1 Send LHLO first\r\n");
    s_expect(session, "EHLO mx\r\n", "500 5.5.1 This is LMTP: send LHLO\r\n");
    s_expect(session, "HELO mx\r\n", "500 5.5.1 This is LMTP: send LHLO\r\n");
    s_expect(session, "LHLO\r\n", "501 5.5.4 Syntax: LHLO hostname\r\n");
    s_expect(session, "lhlo mx\r\n", S_LHLO_REPLY);
    s_expect(session, "RCPT TO:<12345@city.example>\r\n", "503 5.5.1 Send MAIL first\r\n");
    s_expect(session, "DATA\r\n", "503 5.5.1 Send MAIL and RCPT first\r\n");
    s_expect(session, "MAIL TO:<a@example.cn>\r\n", "501 5.5.2 Syntax: MAIL FROM:<address>\r\n");
    s_expect(session, "MAIL FROM:a@example.cn\r\n", "501 5.5.2 Syntax: MAIL FROM:<address>\r\n");
    s_expect(session, "MAIL FROM:<a@example.cn> AUTH=<>\r\n",
             "555 5.5.4 Unsupported parameter AUTH=<>\r\n");
    s_expect(session, "MAIL FROM:<a@example.cn>\r\n", "250 2.1.0 Sender OK\r\n");
    s_expect(session, "MAIL FROM:<a@example.cn>\r\n", "503 5.5.1 Nested MAIL command\r\n");
    s_expect(session, "RCPT TO:<other@city.example>\r\n",
             "550 5.1.1 <other@city.example> Mailbox unavailable\r\n");
    s_expect(session, "DATA\r\n", "503 5.5.1 No valid recipients\r\n");
    s_expect(session, "RCPT TO:<>\r\n", "501 5.5.2 Syntax: RCPT TO:<address>\r\n");
    s_expect(session, "RSET\r\n", "250 2.0.0 OK\r\n");
    s_expect(session, "RCPT TO:<12345@city.example>\r\n", "503 5.5.1 Send MAIL first\r\n");
    s_expect(session, "NOOP\r\n", "250 2.0.0 OK\r\n");
    s_expect(session, "VRFY 12345\r\n",
             "252 2.5.0 Cannot VRFY user, but will accept message for delivery\r\n");
    s_expect(session, "STARTTLS\r\n", "500 5.5.1 Command unrecognized\r\n");
    s_expect(session, "\r\n", "500 5.5.1 Command unrecognized\r\n");
    s_expect(session, "NOOP \x01\r\n", "500 5.5.2 Syntax error\r\n");
    s_expect(session, "DATA now\r\n", "501 5.5.4 DATA takes no arguments\r\n");
    ck_assert_int_eq(delivery.calls, 0);
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(a_line_too_long_and_too_many_errors)
{
    s_delivery_t delivery = {.codes = {250}};
    sq_lmtp_t *session = s_session(&delivery, NULL);
    char line[2100];
    memset(line, 'A', 2000);
    strcpy(line + 2000, "\r\n");
    //  in pieces, as a reader with a small buffer passes it
    s_expect(session, "NOOP ", "");
    s_expect(session, line, "500 5.5.2 Line too long\r\n");
    s_expect(session, "NOOP\r\n", "250 2.0.0 OK\r\n");   //  the next line is read normally
    //  a line of exactly line_max bytes is taken
    memset(line, ' ', 512);
    memcpy(line, "NOOP", 4);
    strcpy(line + 512, "\r\n");
    s_expect(session, line, "250 2.0.0 OK\r\n");
    for (int errors = 1; errors < 19; errors++)   //  the long line was the first
        s_expect(session, "FOO\r\n", "500 5.5.1 Command unrecognized\r\n");
    s_expect(session, "FOO\r\n",
             "500 5.5.1 Command unrecognized\r\n"
             "421 4.7.0 lmtp.city.example Too many errors, closing connection\r\n");
    ck_assert(sq_lmtp_closed(session));
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(pipelined_and_byte_by_byte_give_the_same_replies)
{
    const char *wire = "LHLO mx\r\nMAIL FROM:<a@example.cn>\r\nRCPT TO:<12345@city.example>\r\n"
                       "RCPT TO:<x@city.example>\r\nDATA\r\nSubject: s\r\n\r\n.line\r\n.\r\n"
                       "QUIT\r\n";
    const char *replies = S_LHLO_REPLY "250 2.1.0 Sender OK\r\n"
                                       "250 2.1.5 <12345@city.example> Recipient OK\r\n"
                                       "550 5.1.1 <x@city.example> Mailbox unavailable\r\n"
                                       "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
                                       "250 2.0.0 Delivered\r\n"
                                       "221 2.0.0 lmtp.city.example closing connection\r\n";
    s_delivery_t delivery = {.codes = {250}};
    sq_lmtp_t *session = s_session(&delivery, NULL);
    s_expect(session, wire, replies);
    ck_assert_str_eq(delivery.message, "Subject: s\r\n\r\nline\r\n");
    sq_lmtp_session_destroy(&session);

    s_delivery_t one_by_one = {.codes = {250}};
    session = s_session(&one_by_one, NULL);
    GString *all = g_string_new(NULL);
    for (const char *c = wire; *c; c++)
        g_string_append(all, sq_lmtp_feed(session, c, 1, NULL));
    ck_assert_str_eq(all->str, replies);
    ck_assert_str_eq(one_by_one.message, delivery.message);
    g_string_free(all, TRUE);
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(lf_line_ends_and_long_data_lines)
{
    s_delivery_t delivery = {.codes = {250}};
    sq_lmtp_t *session = s_session(&delivery, NULL);
    s_expect(session, "LHLO mx\nMAIL FROM:<a@example.cn>\nRCPT TO:<12345@city.example>\nDATA\n",
             S_LHLO_REPLY "250 2.1.0 Sender OK\r\n250 2.1.5 <12345@city.example> Recipient OK\r\n"
                          "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    //  a data line longer than a command line, starting with a dot
    GString *line = g_string_new(".");
    for (int i = 0; i < 3000; i++)
        g_string_append_c(line, 'a' + i % 26);
    g_string_append(line, "\n");
    s_expect(session, line->str, "");
    s_expect(session, ".\n", "250 2.0.0 Delivered\r\n");
    ck_assert_int_eq(delivery.length, line->len - 1);
    ck_assert_int_eq(memcmp(delivery.message, line->str + 1, line->len - 1), 0);
    g_string_free(line, TRUE);
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(a_delivery_answered_later)
{
    s_delivery_t delivery = {.pending = true};
    sq_lmtp_t *session = s_session(&delivery, NULL);
    s_expect(session, "LHLO mx\r\nMAIL FROM:<a@example.cn>\r\nRCPT TO:<12345@city.example>\r\n"
                      "RCPT TO:<12315@city.example>\r\nDATA\r\n",
             S_LHLO_REPLY "250 2.1.0 Sender OK\r\n250 2.1.5 <12345@city.example> Recipient OK\r\n"
                          "250 2.1.5 <12315@city.example> Recipient OK\r\n"
                          "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    //  the client pipelines the next commands after the message: held until the answer
    s_expect(session, "body\r\n.\r\nRSET\r\nQUIT\r\n", "");
    ck_assert(sq_lmtp_pending(session));
    ck_assert_int_eq(delivery.calls, 1);
    s_expect(session, "NOOP\r\n", "");
    sq_lmtp_reply_t replies[2] = {{250, ""}, {451, "4.3.0 Hub unreachable, spooled nothing"}};
    size_t length = 0;
    const char *got = sq_lmtp_complete(session, replies, &length);
    ck_assert_str_eq(got, "250 2.0.0 Delivered\r\n451 4.3.0 Hub unreachable, spooled nothing\r\n"
                          "250 2.0.0 OK\r\n221 2.0.0 lmtp.city.example closing connection\r\n");
    ck_assert_int_eq(length, strlen(got));
    ck_assert(!sq_lmtp_pending(session));
    ck_assert(sq_lmtp_closed(session));
    ck_assert_str_eq(sq_lmtp_complete(session, replies, NULL), "");
    sq_lmtp_session_destroy(&session);
}
END_TEST

START_TEST(too_many_recipients_and_bad_arguments)
{
    s_delivery_t delivery = {.codes = {250}};
    sq_lmtp_limits_t limits;
    sq_lmtp_limits_default(&limits);
    limits.recipients_max = 1;
    sq_lmtp_t *session = s_session(&delivery, &limits);
    s_expect(session, "LHLO mx\r\nMAIL FROM:<a@example.cn>\r\nRCPT TO:<12345@city.example>\r\n"
                      "RCPT TO:<12315@city.example>\r\n",
             S_LHLO_REPLY "250 2.1.0 Sender OK\r\n250 2.1.5 <12345@city.example> Recipient OK\r\n"
                          "452 4.5.3 Too many recipients\r\n");
    s_expect(session, "RCPT TO:<12345@city.example> NOTIFY=NEVER\r\n",
             "555 5.5.4 Unsupported RCPT parameter\r\n");
    s_expect(session, "RCPT TO:<a b@city.example>\r\n", "501 5.5.2 Syntax: RCPT TO:<address>\r\n");
    sq_lmtp_session_destroy(&session);
    ck_assert_ptr_null(sq_lmtp_session_new(NULL, s_accepted, NULL, s_deliver, NULL));
    ck_assert_ptr_null(sq_lmtp_session_new("h", NULL, NULL, s_deliver, NULL));
    ck_assert_ptr_null(sq_lmtp_session_new("h", s_accepted, NULL, NULL, NULL));
}
END_TEST

Suite *test_lmtp_suite(void)
{
    Suite *suite = suite_create("lmtp");
    TCase *session = tcase_create("session");
    tcase_add_test(session, a_session_with_two_recipients_one_refused);
    tcase_add_test(session, refusals_per_recipient_with_their_own_text);
    tcase_add_test(session, dot_stuffing_is_undone);
    tcase_add_test(session, size_limits);
    tcase_add_test(session, commands_out_of_order_and_unknown);
    tcase_add_test(session, a_line_too_long_and_too_many_errors);
    tcase_add_test(session, pipelined_and_byte_by_byte_give_the_same_replies);
    tcase_add_test(session, lf_line_ends_and_long_data_lines);
    tcase_add_test(session, a_delivery_answered_later);
    tcase_add_test(session, too_many_recipients_and_bad_arguments);
    suite_add_tcase(suite, session);
    return suite;
}
