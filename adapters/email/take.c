/*  take: an e-mail into a complaint or a follow-up (see take.h). */
#include "take.h"

#include <czmq.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <time.h>

#include "sq_envelope.h"
#include "sq_log.h"
#include "sq_mail.h"
#include "sq_mail_thread.h"
#include "sq_utf8.h"

#define S_CHANNEL "email"
#define S_TITLE_CHARS 100

static void s_result(email_take_result_t *result, int code, const char *text, const char *number)
{
    result->code = code;
    snprintf(result->text, sizeof result->text, "%s", text);
    snprintf(result->number, sizeof result->number, "%s", number ? number : "");
}

//  bytes as base64: a new string.
static char *s_base64(const char *bytes, size_t length)
{
    char *out = (char *) zmalloc(4 * ((length + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *) out, (const unsigned char *) bytes, (int) length);
    return out;
}

static void s_sha256_hex(const char *bytes, size_t length, char out[65])
{
    unsigned char digest[32];
    unsigned int size = 0;
    EVP_Digest(bytes, length, digest, &size, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

//  A file for extra.attachments / a follow-up's detail.attachments; sha256 (hex) when known,
//  else NULL to compute it.
static json_t *s_file(const char *name, const char *type, const char *bytes, size_t length,
                      const char *sha256)
{
    char sha[65];
    if (sha256)
        snprintf(sha, sizeof sha, "%s", sha256);
    else
        s_sha256_hex(bytes, length, sha);
    char *data = s_base64(bytes, length);
    json_t *file = json_pack("{s:s, s:s, s:s, s:s}", "file_name", name, "content_type", type,
                             "sha256", sha, "data", data);
    free(data);
    return file;
}

//  The external id: the Message-ID when the envelope can carry it, else a key made from it.
static void s_external_id(const char *message_id, char *out, size_t size)
{
    bool usable = strlen(message_id) <= 128 && *message_id;
    for (const char *c = message_id; usable && *c; c++)
        usable = isalnum((unsigned char) *c) || strchr("!#$%&'*+-/=?^_`{|}~.@", *c);
    if (usable)
        snprintf(out, size, "%s", message_id);
    else {
        char sha[65];
        s_sha256_hex(message_id, strlen(message_id), sha);
        snprintf(out, size, "sha256-%s", sha);
    }
}

//  The mail's attachments as files, and what was too large to keep, listed.
static json_t *s_attachments(const sq_mail_t *mail, json_t **too_large)
{
    json_t *files = json_array();
    *too_large = json_array();
    for (size_t i = 0; i < sq_mail_attachment_count(mail); i++) {
        const sq_mail_attachment_t *part = sq_mail_attachment(mail, i);
        if (part->too_large || !part->bytes)
            json_array_append_new(*too_large, json_pack("{s:s, s:s, s:I, s:s}", "file_name",
                                                        part->filename, "content_type",
                                                        part->content_type, "size",
                                                        (json_int_t) part->size, "sha256",
                                                        part->sha256));
        else
            json_array_append_new(files, s_file(part->filename, part->content_type, part->bytes,
                                                part->size, part->sha256));
    }
    return files;
}

//  When the mail was written (its Date), else now; never in the future.
static void s_received_at(const sq_mail_t *mail, char *out, size_t size)
{
    int64_t now = (int64_t) time(NULL);
    int64_t written = mail ? sq_mail_date_epoch(mail) : 0;
    sq_time_format(written > 0 && written <= now ? written : now, out, size);
}

//  Where the hub's answers go: the sender, threaded to the citizen's message.
static json_t *s_reply_to(const sq_mail_t *mail)
{
    json_t *references = json_array();
    for (size_t i = 0; i < sq_mail_references_count(mail); i++)
        json_array_append_new(references, json_string(sq_mail_reference(mail, i)));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "via", "email", "address",
                     sq_mail_from_address(mail), "name", sq_mail_from_name(mail), "message_id",
                     sq_mail_message_id(mail), "subject", sq_mail_subject(mail), "references",
                     references);
}

static void s_submitted(const sq_submit_result_t *submitted, const char *what,
                        email_take_result_t *result)
{
    char text[200];
    if (submitted->status == 201 || submitted->status == 200) {
        snprintf(text, sizeof text, "2.0.0 %s %s", what, submitted->number);
        s_result(result, 250, text, submitted->number);
    }
    else if (submitted->status == 202) {
        snprintf(text, sizeof text, "2.0.0 kept in the spool (receipt %.120s); the number follows",
                 submitted->receipt);
        s_result(result, 250, text, NULL);
    }
    else if (submitted->status == 400) {
        snprintf(text, sizeof text, "5.6.0 refused: %.80s: %.100s", submitted->field, submitted->message);
        s_result(result, 554, text, NULL);
    }
    else
        s_result(result, 451, "4.3.0 the hub cannot take it now; try again later", NULL);
}

//  A new complaint of envelope (consumed).
static void s_new(const sq_config_t *config, sq_submit_t *submit, json_t *envelope,
                  email_take_result_t *result)
{
    sq_limits_t limits = {config->limits_title_max_chars, config->limits_content_max_chars,
                          config->limits_field_max_chars};
    sq_field_error_t error = {"", ""};
    if (sq_envelope_check(envelope, &limits, &error)) {
        char text[200];
        sq_warn_limited("email: %s refused: %s: %s",
                        json_string_value(json_object_get(envelope, "external_id")), error.field,
                        error.message);
        snprintf(text, sizeof text, "5.6.0 refused: %.60s: %.120s", error.field, error.message);
        s_result(result, 554, text, NULL);
    }
    else {
        sq_submit_result_t submitted;
        sq_submit_envelope(submit, envelope, &submitted);
        s_submitted(&submitted, "complaint", result);
        if (*result->number)
            sq_info("email: %s is complaint=%s",
                    json_string_value(json_object_get(envelope, "external_id")), result->number);
    }
    json_decref(envelope);
}

//  A follow-up of the complaint number.
static void s_follow(sq_submit_t *submit, const sq_mail_t *mail, const char *external_id,
                     const char *number, email_take_result_t *result)
{
    char received_at[SQ_TIME_TEXT_MAX];
    s_received_at(mail, received_at, sizeof received_at);
    json_t *too_large;
    json_t *files = s_attachments(mail, &too_large);
    json_t *follow = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:o, s:o}, s:s}", "channel", S_CHANNEL,
        "external_id", external_id, "number", number, "kind", "mail", "body", sq_mail_body(mail),
        "detail", "subject", sq_mail_subject(mail), "from", sq_mail_from_address(mail),
        "message_id", sq_mail_message_id(mail), "attachments", files, "not_kept", too_large,
        "received_at", received_at);
    char *text = json_dumps(follow, JSON_COMPACT);
    json_decref(follow);
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, "follow");
    zmsg_addstr(request, text);
    free(text);
    char *answer = NULL;
    int status = sq_submit_ask(submit, "suqiu.outbox", &request, &answer);
    json_t *parsed = answer ? json_loads(answer, 0, NULL) : NULL;
    free(answer);
    if (status == 200) {
        char reply[200];
        snprintf(reply, sizeof reply, "2.0.0 added to complaint %s", number);
        s_result(result, 250, reply, number);
        sq_info("email: %s added to complaint=%s", external_id, number);
    }
    else if (status == 404)
        result->code = 0;   //  no such work order: the caller makes a new complaint
    else if (status == 400) {
        sq_warn_limited("email: follow-up %s refused: %s", external_id,
                        json_string_value(json_object_get(parsed, "error")));
        s_result(result, 554, "5.6.0 the follow-up was refused", NULL);
    }
    else
        s_result(result, 451, "4.3.0 the hub cannot take it now; try again later", NULL);
    json_decref(parsed);
}

//  A mail that cannot be decoded: a complaint that says so, the raw message attached.
static json_t *s_undecodable(const sq_mail_t *mail, const char *external_id, const char *bytes,
                             size_t length, const char *why)
{
    char received_at[SQ_TIME_TEXT_MAX];
    s_received_at(mail, received_at, sizeof received_at);
    const char *subject = sq_mail_subject(mail);
    char *title = sq_utf8_first_line(*subject ? subject : "无法解码的邮件", S_TITLE_CHARS);
    json_t *files = json_array();
    json_array_append_new(files, s_file("original.eml", "message/rfc822", bytes, length, NULL));
    char *content = zsys_sprintf("（这封邮件的正文无法解码：%s。原文已作为附件 original.eml "
                                 "保存，请人工阅读。）", why);
    json_t *envelope = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:o, s:o, s:b}}", "channel",
                                 S_CHANNEL, "external_id", external_id, "received_at", received_at,
                                 "title", title, "content", content, "caller_name",
                                 sq_mail_from_name(mail), "extra", "reply_to", s_reply_to(mail),
                                 "attachments", files, "undecodable", 1);
    free(title);
    zstr_free(&content);
    if (!*sq_mail_from_name(mail))
        json_object_del(envelope, "caller_name");
    return envelope;
}

void email_take(const sq_config_t *config, sq_submit_t *submit, const char *bytes, size_t length,
                email_take_result_t *result)
{
    s_result(result, 451, "4.3.0 not taken", NULL);
    sq_mail_limits_t limits;
    sq_mail_limits_default(&limits);
    limits.message_max_bytes = (size_t) config->email_max_message_bytes;
    limits.attachment_max_bytes = (size_t) config->email_max_attachment_bytes;
    sq_mail_t *mail = NULL;
    char why[300] = "";
    sq_mail_status_t status = sq_mail_parse(bytes, length, &limits, &mail, why, sizeof why);
    if (status != SQ_MAIL_OK && status != SQ_MAIL_UNDECODABLE) {
        sq_warn_limited("email: a message of %zu bytes refused (%s): %s", length,
                        sq_mail_status_name(status), why);
        const char *reply = sq_mail_status_reply(status);   //  "552 5.3.4 ..."
        s_result(result, reply ? atoi(reply) : 554, reply && strlen(reply) > 4 ? reply + 4
                                                                             : "5.6.0 refused", NULL);
        return;
    }
    char external_id[160];
    s_external_id(sq_mail_message_id(mail), external_id, sizeof external_id);
    if (sq_mail_auto_submitted(mail)) {
        sq_info("email: %s dropped: sent by a machine (Auto-Submitted or bulk)", external_id);
        s_result(result, 250, "2.0.0 accepted; automatic mail is not taken as a complaint", NULL);
        sq_mail_destroy(&mail);
        return;
    }
    if (status == SQ_MAIL_UNDECODABLE) {
        sq_warn_limited("email: %s cannot be decoded (%s): kept raw for a person", external_id, why);
        s_new(config, submit, s_undecodable(mail, external_id, bytes, length, why), result);
        sq_mail_destroy(&mail);
        return;
    }
    char number[64];
    result->code = 0;
    if (sq_mail_work_order(mail, config->email_ack_domain, number, sizeof number))
        s_follow(submit, mail, external_id, number, result);
    if (result->code == 0) {
        char received_at[SQ_TIME_TEXT_MAX];
        s_received_at(mail, received_at, sizeof received_at);
        const char *subject = sq_mail_subject(mail);
        const char *body = sq_mail_body(mail);
        char *title = sq_utf8_first_line(*subject ? subject : (*body ? body : "（无主题）"),
                                         S_TITLE_CHARS);
        json_t *too_large;
        json_t *files = s_attachments(mail, &too_large);
        //  a body longer than a complaint holds: cut there, and kept whole as a file
        char *content;
        size_t limit = (size_t) config->limits_content_max_chars;
        if (sq_utf8_length(body) > limit) {
            char *cut = sq_utf8_prefix(body, limit - 40);
            content = zsys_sprintf("%s……（邮件正文较长，全文见附件 正文.txt）", cut);
            free(cut);
            json_array_append_new(files, s_file("正文.txt", "text/plain; charset=utf-8", body,
                                                strlen(body), NULL));
        }
        else
            content = strdup(*body ? body : "（邮件没有正文）");
        json_t *envelope = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:{s:o, s:o, s:o, s:s?}}", "channel", S_CHANNEL,
            "external_id", external_id, "received_at", received_at, "title", *title ? title : "（无主题）",
            "content", content, "extra", "reply_to", s_reply_to(mail), "attachments", files,
            "not_kept", too_large, "charset", sq_mail_body_charset(mail));
        if (*sq_mail_from_name(mail))
            json_object_set_new(envelope, "caller_name", json_string(sq_mail_from_name(mail)));
        free(title);
        free(content);
        s_new(config, submit, envelope, result);
    }
    sq_mail_destroy(&mail);
}
