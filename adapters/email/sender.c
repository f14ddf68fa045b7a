/*  sender: acknowledgements and replies by SMTP (see sender.h). */
#include "sender.h"

#include <curl/curl.h>
#include <czmq.h>
#include <jansson.h>

#include "sq_log.h"
#include "sq_mail_compose.h"
#include "sq_mail_thread.h"
#include "sq_outbox_client.h"

#define S_SMTP_TIMEOUT_S 30L
#define S_REFERENCES_MAX 20

struct _email_sender_t {
    const sq_config_t *config;   //  borrowed
    sq_outbox_client_t *client;
};

typedef struct {
    const char *bytes;
    size_t length;
    size_t at;
} s_upload_t;

static size_t s_read(char *buffer, size_t size, size_t count, void *arg)
{
    s_upload_t *upload = (s_upload_t *) arg;
    size_t room = size * count, left = upload->length - upload->at;
    size_t take = left < room ? left : room;
    memcpy(buffer, upload->bytes + upload->at, take);
    upload->at += take;
    return take;
}

//  Hand message to the relay for to.  0, or -1 with the relay's answer in error.
static int s_smtp(email_sender_t *self, const char *to, const char *message, size_t length,
                  char *error, size_t error_size)
{
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(error, error_size, "libcurl could not start a transfer");
        return -1;
    }
    char *from = zsys_sprintf("<%s>", self->config->email_from_address);
    char *rcpt = zsys_sprintf("<%s>", to);
    struct curl_slist *recipients = curl_slist_append(NULL, rcpt);
    s_upload_t upload = {message, length, 0};
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, self->config->email_smtp_url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, s_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) length);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, S_SMTP_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    CURLcode code = curl_easy_perform(curl);
    long answer = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer);
    if (code != CURLE_OK)
        snprintf(error, error_size, "SMTP %ld: %s", answer,
                 *curl_error ? curl_error : curl_easy_strerror(code));
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    zstr_free(&from);
    zstr_free(&rcpt);
    return code == CURLE_OK ? 0 : -1;
}

//  The client's send: compose the acknowledgement or the reply, then SMTP.
static int s_send_item(void *arg, json_t *item, json_t **done, char *error, size_t error_size)
{
    email_sender_t *self = (email_sender_t *) arg;
    const sq_config_t *config = self->config;
    const char *kind = json_string_value(json_object_get(item, "kind"));
    const char *number = json_string_value(json_object_get(item, "number"));
    const char *to = json_string_value(json_object_get(item, "address"));
    json_t *detail = json_object_get(item, "detail");
    const char *citizen_id = json_string_value(json_object_get(detail, "message_id"));
    const char *subject = json_string_value(json_object_get(detail, "subject"));
    if (!subject || !*subject)
        subject = json_string_value(json_object_get(item, "title"));
    bool ack = kind && streq(kind, "ack");
    if (!number || !to || !*to) {
        snprintf(error, error_size, "no work-order number or address to send to");
        return -1;
    }
    char message_id[200], ack_id[200];
    json_int_t reply_id = json_integer_value(json_object_get(item, "reply_id"));
    if (sq_mail_ack_id(number, config->email_ack_domain, ack_id, sizeof ack_id)
        || (ack ? snprintf(message_id, sizeof message_id, "%s", ack_id) < 0
                : sq_mail_reply_id(number, (int) reply_id, config->email_ack_domain, message_id,
                                   sizeof message_id))) {
        snprintf(error, error_size, "no Message-ID can be made for %s at %s", number,
                 config->email_ack_domain);
        return -1;
    }
    //  References: the citizen's, then the citizen's message, then (for a reply) the ack
    const char *references[S_REFERENCES_MAX + 3];
    size_t count = 0;
    size_t index;
    json_t *reference;
    json_array_foreach(json_object_get(detail, "references"), index, reference) {
        if (count < S_REFERENCES_MAX && json_string_value(reference))
            references[count++] = json_string_value(reference);
    }
    if (citizen_id)
        references[count++] = citizen_id;
    if (!ack)
        references[count++] = ack_id;
    references[count] = NULL;
    const char *department = json_string_value(json_object_get(item, "department"));
    const char *reply = json_string_value(json_object_get(item, "reply"));
    const char *received_at = json_string_value(json_object_get(item, "received_at"));
    char *body = ack ? zsys_sprintf("您好：\n\n您于 %s 发来的诉求已受理，工单号：%s。\n"
                                    "我们将按规定时限办理，办理结果会回复到本邮箱。回复本邮件"
                                    "可补充材料（照片等可作为附件）。\n\n%s\n",
                                    received_at ? received_at : "", number, config->email_from_name)
                     : zsys_sprintf("您好：\n\n您的诉求（工单号：%s）已有办理答复。\n\n承办单位：%s\n"
                                    "答复内容：\n%s\n\n如对办理结果有意见，请直接回复本邮件。\n\n%s\n",
                                    number, department ? department : "（未注明）",
                                    reply ? reply : "", config->email_from_name);
    char *title = zsys_sprintf("%s%s", ack ? "诉求已受理：" : "诉求办理答复：",
                               subject && *subject ? subject : "您的来信");
    sq_mail_outgoing_t out = {
        .from_name = config->email_from_name,
        .from_address = config->email_from_address,
        .to_name = json_string_value(json_object_get(detail, "name")),
        .to_address = to,
        .subject = title,
        .work_order = number,
        .message_id = message_id,
        .in_reply_to = citizen_id,
        .references = references,
        .auto_submitted = ack,
        .body = body,
    };
    size_t length = 0;
    char *message = sq_mail_compose(&out, &length);
    zstr_free(&body);
    zstr_free(&title);
    if (!message) {
        snprintf(error, error_size, "the mail could not be composed (see the log)");
        return -1;
    }
    int rc = s_smtp(self, to, message, length, error, error_size);
    free(message);
    if (rc == 0)
        *done = json_pack("{s:s, s:s}", "sent_message_id", message_id, "via", "smtp");
    return rc;
}

email_sender_t *email_sender_new(const sq_config_t *config, sq_submit_t *submit)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sq_error("email: libcurl cannot be initialised");
        return NULL;
    }
    email_sender_t *self = (email_sender_t *) zmalloc(sizeof *self);
    self->config = config;
    self->client = sq_outbox_client_new(submit, "email", config->email_send_interval_ms,
                                        config->email_send_max_tries, s_send_item, self);
    if (!self->client) {
        free(self);
        curl_global_cleanup();
        return NULL;
    }
    return self;
}

void email_sender_destroy(email_sender_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    email_sender_t *self = *self_p;
    sq_outbox_client_destroy(&self->client);
    free(self);
    curl_global_cleanup();
    *self_p = NULL;
}
