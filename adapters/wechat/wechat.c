/*  wechat: the Official Account's callback: signatures, safe mode, messages into complaints,
    passive replies (see wechat.h). */
#include "wechat.h"

#include <czmq.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <time.h>

#include "sender.h"
#include "sq_envelope.h"
#include "sq_http.h"
#include "sq_log.h"
#include "sq_number.h"
#include "sq_submit.h"
#include "sq_token.h"
#include "sq_utf8.h"
#include "sq_wechat.h"

#define S_CHANNEL "wechat"
#define S_TITLE_CHARS 30
#define S_HOW_TO "欢迎关注！直接发送文字即可反映诉求（投诉、举报、咨询、求助、建议），" \
                 "可接着发送现场照片和位置；发送工单号可查询办理进度。紧急情况请拨打 110、119、120。"

struct _wechat_t {
    const sq_config_t *config;   //  borrowed
    sq_limits_t limits;
    sq_wechat_crypto_t *crypto;
    sq_submit_t *submit;
    wechat_sender_t *sender;
    sq_http_route_t routes[3];
    sq_http_t *http;
};

static const char *const s_channels[] = {S_CHANNEL, NULL};

static void s_error(void *app, sq_http_request_t *request, unsigned status, const char *field,
                    const char *message)
{
    (void) app;
    (void) field;
    sq_http_reply(request, status, "text/plain; charset=utf-8", message, strlen(message));
}

//  Refused: a log line with the client's address, a short answer, nothing stored.
static void s_refuse(sq_http_request_t *request, unsigned status, const char *why)
{
    sq_warn_limited("wechat: %s from %s refused (%u): %s", sq_http_method(request),
                    sq_http_client(request), status, why);
    sq_http_reply(request, status, "text/plain; charset=utf-8", why, strlen(why));
}

//  --------------------------------------------------------------------------
//  GET: the platform checks the server

static void s_verify(void *app, sq_http_request_t *request)
{
    wechat_t *self = (wechat_t *) app;
    const char *echostr = sq_http_query(request, "echostr");
    if (!sq_wechat_signature_ok(self->config->wechat_token, sq_http_query(request, "timestamp"),
                                sq_http_query(request, "nonce"),
                                sq_http_query(request, "signature"))) {
        s_refuse(request, 401, "bad signature");
        return;
    }
    if (!echostr || strlen(echostr) > 256) {
        s_refuse(request, 400, "echostr is missing or too long");
        return;
    }
    sq_http_reply(request, 200, "text/plain; charset=utf-8", echostr, strlen(echostr));
}

//  --------------------------------------------------------------------------
//  What a message becomes

//  CreateTime (seconds) as ISO-8601 in Shanghai; now when it is not given.
static void s_received_at(const char *create_time, char *out, size_t size)
{
    sq_time_format(create_time ? strtoll(create_time, NULL, 10) : (int64_t) time(NULL), out, size);
}

//  The kind of a message that makes or adds to a complaint, or NULL.
static const char *s_kind(const sq_wechat_message_t *message)
{
    const char *type = message->msg_type;
    return streq(type, "text") ? "text" : streq(type, "image") ? "image"
           : streq(type, "location") ? "location" : NULL;
}

//  What the message says, as a complaint's text: a new string.
static char *s_content(const sq_wechat_message_t *message)
{
    const char *type = message->msg_type;
    if (streq(type, "image"))
        return zsys_sprintf("（微信图片）%s", message->pic_url ? message->pic_url : "");
    if (streq(type, "location"))
        return zsys_sprintf("（微信位置）%s（纬度 %s，经度 %s）", message->label ? message->label : "",
                            message->location_x ? message->location_x : "-",
                            message->location_y ? message->location_y : "-");
    return strdup(message->content ? message->content : "");
}

//  The message's own fields, kept with the complaint or follow-up.
static json_t *s_detail(const sq_wechat_message_t *message)
{
    return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "msg_type",
                     message->msg_type, "msg_id", message->msg_id, "pic_url", message->pic_url,
                     "media_id", message->media_id, "location_x", message->location_x,
                     "location_y", message->location_y, "scale", message->scale, "label",
                     message->label);
}

//  Ask suqiu.outbox; the answer's JSON (the caller's) with *status, or NULL.
static json_t *s_outbox(wechat_t *self, const char *verb, const char *argument, int *status)
{
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, verb);
    zmsg_addstr(request, argument);
    char *answer = NULL;
    *status = sq_submit_ask(self->submit, "suqiu.outbox", &request, &answer);
    json_t *parsed = answer ? json_loads(answer, 0, NULL) : NULL;
    free(answer);
    return parsed;
}

//  A work-order number sent as a message: its state and reply.  A new string.
static char *s_status_text(wechat_t *self, const char *number)
{
    int status = 0;
    json_t *known = s_outbox(self, "status", number, &status);
    char *text;
    if (status == 404)
        text = zsys_sprintf("未找到工单 %s，请核对工单号。", number);
    else if (status != 200 || !known)
        text = zsys_sprintf("暂时无法查询工单 %s，请稍后再试。", number);
    else {
        const char *department = json_string_value(json_object_get(known, "department"));
        const char *reply = json_string_value(json_object_get(known, "reply"));
        text = zsys_sprintf("工单 %s：%s%s%s%s%s", number,
                            json_string_value(json_object_get(known, "state_label")),
                            department ? "；承办单位：" : "", department ? department : "",
                            reply ? "；答复：" : "", reply ? reply : "");
    }
    json_decref(known);
    return text;
}

//  Added to the sender's recent complaint?  Its number into number; 0 added, -1 not.
static int s_follow(wechat_t *self, const sq_wechat_message_t *message, const char *key,
                    const char *kind, const char *content, char *number, size_t size)
{
    char received_at[SQ_TIME_TEXT_MAX];
    s_received_at(message->create_time, received_at, sizeof received_at);
    json_t *follow = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:s}", "channel", S_CHANNEL,
                               "external_id", key, "sender", message->from_user_name, "minutes",
                               self->config->wechat_follow_minutes, "kind", kind, "body", content,
                               "detail", s_detail(message), "received_at", received_at);
    char *text = json_dumps(follow, JSON_COMPACT);
    json_decref(follow);
    int status = 0;
    json_t *answer = s_outbox(self, "follow", text, &status);
    free(text);
    const char *found = json_string_value(json_object_get(answer, "number"));
    int rc = status == 200 && found ? 0 : -1;
    if (rc == 0)
        snprintf(number, size, "%s", found);
    json_decref(answer);
    return rc;
}

//  A new complaint; the passive reply's text (a new string), or NULL with *http_status set
//  when the platform should send it again (nothing could keep it).
static char *s_new_complaint(wechat_t *self, const sq_wechat_message_t *message, const char *key,
                             const char *content, unsigned *http_status)
{
    char received_at[SQ_TIME_TEXT_MAX];
    s_received_at(message->create_time, received_at, sizeof received_at);
    char *title = streq(message->msg_type, "text") ? sq_utf8_first_line(content, S_TITLE_CHARS)
                  : strdup(streq(message->msg_type, "image") ? "微信图片" : "微信位置");
    json_t *envelope = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s, s:i}, s:o}}", "channel", S_CHANNEL,
        "external_id", key, "received_at", received_at, "title", *title ? title : "微信留言",
        "content", content, "extra", "reply_to", "via", "wechat", "address",
        message->from_user_name, "ack_after_seconds", self->config->wechat_ack_after_s,
        "wechat", s_detail(message));
    free(title);
    sq_field_error_t error = {"", ""};
    char *text = NULL;
    if (sq_envelope_check(envelope, &self->limits, &error)) {
        sq_warn_limited("wechat: message %s refused: %s: %s", key, error.field, error.message);
        text = zsys_sprintf("抱歉，这条消息无法受理（%s）。请用文字简要说明诉求。",
                            streq(error.field, "content") ? "内容过长或含无效字符" : "格式不符");
    }
    else {
        sq_submit_result_t result;
        sq_submit_envelope(self->submit, envelope, &result);
        if (result.status == 201 || result.status == 200) {
            int status = 0;
            json_decref(s_outbox(self, "passive", result.number, &status));
            text = zsys_sprintf("您的诉求已受理，工单号：%s。我们将按时限办理并通过本公众号答复；"
                                "可继续发送照片和位置补充。", result.number);
            sq_info("wechat: message %s is complaint=%s", key, result.number);
        }
        else if (result.status == 202) {
            text = zsys_sprintf("已收到您的诉求（回执：%s），工单号稍后通过消息发送给您。", key);
            sq_info("wechat: message %s kept in the spool", key);
        }
        else if (result.status == 400)
            text = zsys_sprintf("抱歉，这条消息无法受理：%s。", result.message);
        else
            *http_status = 503;
    }
    json_decref(envelope);
    return text;
}

//  The passive reply's text for a message (a new string), or NULL for none ("success").
static char *s_answer(wechat_t *self, const sq_wechat_message_t *message, unsigned *http_status)
{
    if (streq(message->msg_type, "event"))
        return message->event && streq(message->event, "subscribe") ? strdup(S_HOW_TO) : NULL;
    const char *kind = s_kind(message);
    if (!kind)
        return strdup("抱歉，暂不支持这类消息，请发送文字、图片或位置。");
    char key[160];
    if (sq_wechat_dedupe_key(message, key, sizeof key)) {
        *http_status = 400;
        return NULL;
    }
    char *content = s_content(message);
    char *text = NULL;
    //  a work-order number alone: its state
    char *trimmed = strdup(content);
    char *start = trimmed + strspn(trimmed, " \t\r\n");
    for (char *end = start + strlen(start); end > start && strchr(" \t\r\n", end[-1]); end--)
        end[-1] = 0;
    if (streq(kind, "text") && sq_number_valid(start))
        text = s_status_text(self, start);
    free(trimmed);
    char number[64];
    if (!text && s_follow(self, message, key, kind, content, number, sizeof number) == 0)
        text = zsys_sprintf("已补充到您的工单 %s。", number);
    if (!text && !(streq(kind, "text") && !*content))
        text = s_new_complaint(self, message, key, content, http_status);
    else if (!text)
        text = strdup("请用文字说明您的诉求。");
    free(content);
    return text;
}

//  --------------------------------------------------------------------------
//  POST: a message

static void s_message(void *app, sq_http_request_t *request)
{
    wechat_t *self = (wechat_t *) app;
    const char *timestamp = sq_http_query(request, "timestamp");
    const char *nonce = sq_http_query(request, "nonce");
    const char *encrypt_type = sq_http_query(request, "encrypt_type");
    bool safe = encrypt_type && streq(encrypt_type, "aes");
    if (encrypt_type && !safe && !streq(encrypt_type, "raw")) {
        s_refuse(request, 400, "unknown encrypt_type");
        return;
    }
    if (!sq_wechat_timestamp_fresh(timestamp, (int64_t) time(NULL),
                                   self->config->wechat_replay_window_s)) {
        s_refuse(request, 401, "stale or missing timestamp");
        return;
    }
    if (!safe && !sq_wechat_signature_ok(self->config->wechat_token, timestamp, nonce,
                                         sq_http_query(request, "signature"))) {
        s_refuse(request, 401, "bad signature");
        return;
    }
    size_t length = 0;
    const char *body = sq_http_body(request, &length);
    char error[256] = "";
    sq_wechat_message_t outer = {0}, inner = {0};
    if (sq_wechat_parse(body ? body : "", length, &outer, error, sizeof error)) {
        s_refuse(request, 400, error);
        return;
    }
    sq_wechat_message_t *message = &outer;
    if (safe) {
        char *xml = NULL;
        size_t xml_length = 0;
        int rc = -1;
        if (!outer.encrypt)
            snprintf(error, sizeof error, "safe mode without Encrypt");
        else if (!sq_wechat_msg_signature_ok(self->config->wechat_token, timestamp, nonce,
                                             outer.encrypt, sq_http_query(request, "msg_signature")))
            snprintf(error, sizeof error, "bad msg_signature");
        else if ((rc = sq_wechat_decrypt(self->crypto, outer.encrypt, &xml, &xml_length, error,
                                         sizeof error)) == 0
                 && (rc = sq_wechat_parse(xml, xml_length, &inner, error, sizeof error)) == 0)
            message = &inner;
        free(xml);
        if (message != &inner) {
            bool forged = strstr(error, "signature") || rc == SQ_WECHAT_WRONG_APPID;
            sq_wechat_message_free(&outer);
            s_refuse(request, forged ? 401 : 400, error);
            return;
        }
    }
    if (!message->msg_type || !message->from_user_name || !message->to_user_name) {
        sq_wechat_message_free(&outer);
        sq_wechat_message_free(&inner);
        s_refuse(request, 400, "not a message: MsgType, FromUserName or ToUserName missing");
        return;
    }
    unsigned http_status = 200;
    char *text = s_answer(self, message, &http_status);
    if (http_status != 200) {
        sq_http_reply(request, http_status, "text/plain; charset=utf-8", "try again", 9);
    }
    else if (!text)
        sq_http_reply(request, 200, "text/plain; charset=utf-8", "success", 7);
    else {
        int64_t now = (int64_t) time(NULL);
        char now_text[24];
        snprintf(now_text, sizeof now_text, "%lld", (long long) now);
        char *reply = sq_wechat_reply_text(message->from_user_name, message->to_user_name, now, text);
        char *sealed = NULL;
        if (reply && safe) {
            char reply_nonce[17];
            if (sq_token_random_hex(reply_nonce, 8) == 0)
                sealed = sq_wechat_reply_encrypted(self->crypto, self->config->wechat_token,
                                                   now_text, reply_nonce, reply);
        }
        const char *out = safe ? sealed : reply;
        if (out)
            sq_http_reply(request, 200, "application/xml; charset=utf-8", out, strlen(out));
        else
            sq_http_reply(request, 200, "text/plain; charset=utf-8", "success", 7);
        free(reply);
        free(sealed);
    }
    free(text);
    sq_wechat_message_free(&outer);
    sq_wechat_message_free(&inner);
}

//  --------------------------------------------------------------------------

wechat_t *wechat_new(const sq_config_t *config)
{
    wechat_t *self = (wechat_t *) zmalloc(sizeof *self);
    self->config = config;
    self->limits = (sq_limits_t){config->limits_title_max_chars, config->limits_content_max_chars,
                                 config->limits_field_max_chars};
    xmlInitParser();
    char error[512];
    self->crypto = sq_wechat_crypto_new(config->wechat_encoding_aes_key, config->wechat_appid,
                                        error, sizeof error);
    if (!self->crypto) {
        sq_error("%s: wechat.encoding_aes_key / wechat.appid: %s", config->path, error);
        wechat_destroy(&self);
        return NULL;
    }
    self->submit = sq_submit_open(config, config->wechat_broker_timeout_ms,
                                  config->wechat_broker_retries, s_channels, true);
    if (!self->submit) {
        wechat_destroy(&self);
        return NULL;
    }
    if (!(self->sender = wechat_sender_new(config, self->submit))) {
        wechat_destroy(&self);
        return NULL;
    }
    self->routes[0] = (sq_http_route_t){"GET", config->wechat_path, s_verify};
    self->routes[1] = (sq_http_route_t){"POST", config->wechat_path, s_message};
    self->routes[2] = (sq_http_route_t){NULL, NULL, NULL};
    sq_http_setup_t http = {
        .name = "wechat",
        .address = config->wechat_address,
        .port = config->wechat_port,
        .threads = config->wechat_threads,
        .max_body_bytes = SQ_WECHAT_XML_MAX,
        .timeout_s = 10,
        .routes = self->routes,
        .error = s_error,
        .app = self,
    };
    if (!(self->http = sq_http_new(&http)))
        wechat_destroy(&self);
    return self;
}

void wechat_destroy(wechat_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wechat_t *self = *self_p;
    sq_http_destroy(&self->http);
    wechat_sender_destroy(&self->sender);
    sq_submit_destroy(&self->submit);
    sq_wechat_crypto_destroy(&self->crypto);
    free(self);
    *self_p = NULL;
}
