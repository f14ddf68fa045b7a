/*  sender: customer-service messages for what suqiu.outbox says is owed (see sender.h). */
#include "sender.h"

#include <curl/curl.h>
#include <czmq.h>
#include <jansson.h>
#include <time.h>

#include "sq_log.h"
#include "sq_outbox_client.h"

#define S_HTTP_TIMEOUT_S 10L
#define S_ANSWER_MAX (64 * 1024)   //  bytes of the platform's answer read
#define S_TOKEN_MARGIN_S 300       //  a token is fetched again this long before it expires

struct _wechat_sender_t {
    const sq_config_t *config;   //  borrowed
    sq_outbox_client_t *client;
    char token[600];             //  the access token, "" when there is none (the client's
    time_t token_expires;        //  one thread alone uses it)
};

//  --------------------------------------------------------------------------
//  HTTP with libcurl

typedef struct {
    char *bytes;
    size_t length;
} s_buffer_t;

static size_t s_collect(char *data, size_t size, size_t count, void *arg)
{
    s_buffer_t *buffer = (s_buffer_t *) arg;
    size_t more = size * count;
    if (buffer->length + more > S_ANSWER_MAX)
        return 0;   //  too long: the transfer fails
    buffer->bytes = (char *) realloc(buffer->bytes, buffer->length + more + 1);
    memcpy(buffer->bytes + buffer->length, data, more);
    buffer->length += more;
    buffer->bytes[buffer->length] = 0;
    return more;
}

//  GET (body NULL) or POST a JSON body; the answer parsed as JSON, or NULL with why in error.
static json_t *s_call(const char *url, const char *body, char *error, size_t error_size)
{
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(error, error_size, "libcurl could not start a transfer");
        return NULL;
    }
    s_buffer_t buffer = {NULL, 0};
    struct curl_slist *headers = NULL;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, S_HTTP_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buffer);
    if (body) {
        headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    json_t *answer = NULL;
    if (code != CURLE_OK)
        snprintf(error, error_size, "%s", curl_easy_strerror(code));
    else if (status != 200)
        snprintf(error, error_size, "HTTP %ld from the platform", status);
    else if (!(answer = buffer.bytes ? json_loads(buffer.bytes, 0, NULL) : NULL)
             || !json_is_object(answer)) {
        json_decref(answer);
        answer = NULL;
        snprintf(error, error_size, "the platform's answer is not a JSON object");
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    free(buffer.bytes);
    return answer;
}

//  --------------------------------------------------------------------------
//  The access token

//  A valid token in self->token, fetched when there is none or it is about to expire.
//  0, or -1 with why in error.
static int s_token(wechat_sender_t *self, char *error, size_t error_size)
{
    if (*self->token && time(NULL) < self->token_expires - S_TOKEN_MARGIN_S)
        return 0;
    CURL *curl = curl_easy_init();
    char *appid = curl ? curl_easy_escape(curl, self->config->wechat_appid, 0) : NULL;
    char *secret = curl ? curl_easy_escape(curl, self->config->wechat_app_secret, 0) : NULL;
    char *url = zsys_sprintf("%s/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s",
                             self->config->wechat_api_base, appid ? appid : "",
                             secret ? secret : "");
    curl_free(appid);
    curl_free(secret);
    if (curl)
        curl_easy_cleanup(curl);
    json_t *answer = s_call(url, NULL, error, error_size);
    zstr_free(&url);
    if (!answer)
        return -1;
    const char *token = json_string_value(json_object_get(answer, "access_token"));
    json_int_t expires_in = json_integer_value(json_object_get(answer, "expires_in"));
    int rc = 0;
    if (!token || !*token || strlen(token) >= sizeof self->token || expires_in <= 0) {
        snprintf(error, error_size, "cgi-bin/token: errcode %lld: %s",
                 (long long) json_integer_value(json_object_get(answer, "errcode")),
                 json_string_value(json_object_get(answer, "errmsg"))
                     ? json_string_value(json_object_get(answer, "errmsg")) : "no access_token");
        rc = -1;
    }
    else {
        snprintf(self->token, sizeof self->token, "%s", token);
        self->token_expires = time(NULL) + (time_t) expires_in;
        sq_info("wechat: access token fetched, valid for %lld s", (long long) expires_in);
    }
    json_decref(answer);
    return rc;
}

//  --------------------------------------------------------------------------
//  One message

//  The text a citizen gets for an item of suqiu.outbox; the caller frees it.
static char *s_text(json_t *item)
{
    const char *kind = json_string_value(json_object_get(item, "kind"));
    const char *number = json_string_value(json_object_get(item, "number"));
    if (kind && streq(kind, "ack"))
        return zsys_sprintf("您的诉求已受理，工单号：%s。办理结果将通过本公众号告知；"
                            "发送工单号可查询办理进度。", number);
    const char *department = json_string_value(json_object_get(item, "department"));
    const char *reply = json_string_value(json_object_get(item, "reply"));
    return zsys_sprintf("【工单 %s 答复】%s%s%s", number, department ? department : "",
                        department ? "：" : "", reply ? reply : "");
}

//  Send one item; 0 sent, -1 not (why in error).
static int s_send(wechat_sender_t *self, json_t *item, char *error, size_t error_size)
{
    const char *address = json_string_value(json_object_get(item, "address"));
    if (!address || !*address) {
        snprintf(error, error_size, "no openid to send to");
        return -1;
    }
    if (s_token(self, error, error_size))
        return -1;
    char *text = s_text(item);
    json_t *message = json_pack("{s:s, s:s, s:{s:s}}", "touser", address, "msgtype", "text",
                                "text", "content", text);
    zstr_free(&text);
    char *body = json_dumps(message, JSON_COMPACT);
    json_decref(message);
    char *url = zsys_sprintf("%s/cgi-bin/message/custom/send?access_token=%s",
                             self->config->wechat_api_base, self->token);
    json_t *answer = s_call(url, body, error, error_size);
    zstr_free(&url);
    free(body);
    if (!answer)
        return -1;
    json_int_t errcode = json_integer_value(json_object_get(answer, "errcode"));
    const char *errmsg = json_string_value(json_object_get(answer, "errmsg"));
    int rc = 0;
    if (errcode != 0) {
        snprintf(error, error_size, "errcode %lld: %s", (long long) errcode, errmsg ? errmsg : "");
        //  the token is no longer good (invalid, expired): fetch a new one next time
        if (errcode == 40001 || errcode == 40014 || errcode == 42001)
            self->token[0] = 0;
        rc = -1;
    }
    json_decref(answer);
    return rc;
}

//  The client's send: one item as a customer-service message.
static int s_send_item(void *arg, json_t *item, json_t **done, char *error, size_t error_size)
{
    wechat_sender_t *self = (wechat_sender_t *) arg;
    int rc = s_send(self, item, error, error_size);
    if (rc == 0)
        *done = json_pack("{s:s}", "via", "message/custom/send");
    return rc;
}

wechat_sender_t *wechat_sender_new(const sq_config_t *config, sq_submit_t *submit)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sq_error("wechat: libcurl cannot be initialised");
        return NULL;
    }
    wechat_sender_t *self = (wechat_sender_t *) zmalloc(sizeof *self);
    self->config = config;
    self->client = sq_outbox_client_new(submit, "wechat", config->wechat_send_interval_ms,
                                        config->wechat_send_max_tries, s_send_item, self);
    if (!self->client) {
        free(self);
        curl_global_cleanup();
        return NULL;
    }
    return self;
}

void wechat_sender_destroy(wechat_sender_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wechat_sender_t *self = *self_p;
    sq_outbox_client_destroy(&self->client);
    free(self);
    curl_global_cleanup();
    *self_p = NULL;
}
