/*  citizen: the web door's pages for citizens: the form, the page after it, the status page
    and the error page, from the templates in adapters/web/pages (see web.h). */
#include <czmq.h>

#include "sq_log.h"
#include "sq_number.h"
#include "sq_token.h"
#include "web_app.h"

#define S_COOKIE "suqiu_form"
#define S_HTML_TYPE "text/html; charset=utf-8"

//  The state names of sq_state, as a citizen reads them.
static const char *s_state_label(const char *state)
{
    static const char *const labels[][2] = {
        {"received", "已受理，正在分类"},   {"classified", "已分类，正在派单"},
        {"triage", "人工分拨中"},           {"dispatched", "已派至承办单位"},
        {"signed_for", "承办单位已签收，正在办理"}, {"responded", "已答复"},
        {"closed", "已办结"},               {"merged", "已与同一事件的诉求合并办理"},
    };
    for (size_t i = 0; state && i < sizeof labels / sizeof labels[0]; i++)
        if (streq(labels[i][0], state))
            return labels[i][1];
    return "处理中";
}

static void s_page(web_t *self, sq_http_request_t *request, unsigned status, const char *name,
                   json_t *values)
{
    sq_http_add_header(request, "Cache-Control", "no-store");
    sq_http_add_header(request, "X-Content-Type-Options", "nosniff");
    sq_http_add_header(request, "Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
    char *page = sq_template_render(self->pages, name, values);
    json_decref(values);
    if (page)
        sq_http_reply(request, status, S_HTML_TYPE, page, strlen(page));
    else
        sq_http_reply(request, 500, "text/plain; charset=utf-8", "page error\n", 11);
    free(page);
}

void citizen_error(web_t *self, sq_http_request_t *request, unsigned status, const char *message)
{
    s_page(self, request, status, "error.html",
           json_pack("{s:s, s:i, s:s}", "title", "出错了", "status", (int) status, "message", message));
}

//  --------------------------------------------------------------------------
//  The form and its CSRF token

//  The form's cookie: 32 hex digits.
static bool s_cookie_ok(const char *cookie)
{
    return cookie && strlen(cookie) == 32 && strspn(cookie, "0123456789abcdef") == 32;
}

static void s_csrf(web_t *self, const char *cookie, char *token)
{
    sq_token_sign((const unsigned char *) self->secret, strlen(self->secret), cookie, token);
}

//  <option>s of the townships and streets, and of the services in their groups, escaped here.
static char *s_region_options(web_t *self, const char *chosen)
{
    char *out = strdup("<option value=\"\">请选择（不清楚可不选）</option>");
    for (size_t i = 0; i < sq_catalog_region_count(self->catalog); i++) {
        const sq_region_t *region = sq_catalog_region_at(self->catalog, i);
        char *name = sq_html_escape(region->name);
        char *more = zsys_sprintf("%s<option value=\"%s\"%s>%s</option>", out, region->id,
                                  chosen && streq(chosen, region->id) ? " selected" : "", name);
        free(out);
        free(name);
        out = more;
    }
    return out;
}

static char *s_service_options(web_t *self, const char *chosen)
{
    char *out = strdup("<option value=\"\">请选择诉求的类别</option>");
    const char *group = NULL;
    for (size_t i = 0; i < sq_catalog_category_count(self->catalog); i++) {
        const sq_category_t *category = sq_catalog_category_at(self->catalog, i);
        char *name = sq_html_escape(category->name);
        char *group_name = sq_html_escape(category->group);
        bool new_group = !group || !streq(group, category->group);
        char *more = zsys_sprintf("%s%s%s%s%s<option value=\"%s\"%s>%s</option>", out,
                                  new_group && group ? "</optgroup>" : "",
                                  new_group ? "<optgroup label=\"" : "", new_group ? group_name : "",
                                  new_group ? "\">" : "", category->id,
                                  chosen && streq(chosen, category->id) ? " selected" : "", name);
        free(out);
        free(name);
        free(group_name);
        out = more;
        group = category->group;
    }
    char *closed = zsys_sprintf("%s%s", out, group ? "</optgroup>" : "");
    free(out);
    return closed;
}

//  What a citizen reads for a refused field (the submission path speaks Open311's English).
static const char *s_hint(const web_submission_t *result)
{
    const char *field = result->field, *why = result->message;
    if (streq(field, "service_code"))
        return "请选择诉求类别。";
    if (streq(field, "description"))
        return strstr(why, "HTML")     ? "具体情况请只写文字，不要包含 <b> 之类的网页标签。"
               : strstr(why, "longer") ? "具体情况最多 4000 字，请精简后再提交。"
                                       : "请填写具体情况：什么时间、在哪里、发生了什么。";
    if (streq(field, "region"))
        return "请从列表中选择所在乡镇（街道）。";
    if (streq(field, "address_string") || streq(field, "lat") || streq(field, "long"))
        return strstr(why, "longer") ? "详细地址太长，请精简。"
                                     : "请选择所在乡镇（街道）或填写详细地址，至少一项。";
    if (streq(field, "first_name"))
        return "姓名太长，或含有无法识别的字符。";
    if (streq(field, "phone"))
        return "手机号码格式不正确：请只填数字（可含 + - 和空格）。";
    if (streq(field, "email"))
        return "电子邮箱格式不正确。";
    return "提交的内容有误，请检查后再提交。";
}

//  The form, empty or with what was sent and the error to mend.
static void s_form_page(web_t *self, sq_http_request_t *request, unsigned status, json_t *fields,
                        const char *error)
{
    const char *cookie = sq_http_cookie(request, S_COOKIE);
    char fresh[33];
    if (!s_cookie_ok(cookie)) {
        if (sq_token_random_hex(fresh, 16)) {
            citizen_error(self, request, 503, "暂时无法生成表单，请稍后再试");
            return;
        }
        cookie = fresh;
        char *header = zsys_sprintf(S_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict", cookie);
        sq_http_add_header(request, "Set-Cookie", header);
        zstr_free(&header);
    }
    char token[65];
    s_csrf(self, cookie, token);
    const char *names[] = {"description", "address_string", "first_name", "phone", "email", NULL};
    json_t *values = json_pack("{s:s, s:s, s:s}", "title", "网上诉求", "csrf", token, "error",
                               error ? error : "");
    for (const char *const *name = names; *name; name++) {
        const char *value = json_string_value(json_object_get(fields, *name));
        json_object_set_new(values, *name, json_string(value ? value : ""));
    }
    const char *consent = json_string_value(json_object_get(fields, "consent"));
    json_object_set_new(values, "consent_checked", json_string(consent && *consent ? "checked" : ""));
    char *regions = s_region_options(self, json_string_value(json_object_get(fields, "region")));
    char *services = s_service_options(self, json_string_value(json_object_get(fields, "service_code")));
    json_object_set_new(values, "region_options", json_string(regions));
    json_object_set_new(values, "service_options", json_string(services));
    json_object_set_new(values, "error_class", json_string(error ? "error" : "hidden"));
    free(regions);
    free(services);
    s_page(self, request, status, "form.html", values);
}

void citizen_form(void *app, sq_http_request_t *request)
{
    s_form_page((web_t *) app, request, 200, NULL, NULL);
}

void citizen_submitted(web_t *self, sq_http_request_t *request)
{
    const char *error = NULL;
    json_t *fields = sq_http_form_body(request, &error);
    if (!fields) {
        citizen_error(self, request, 400, "表单内容无法读取，请返回重新填写");
        return;
    }
    const char *cookie = sq_http_cookie(request, S_COOKIE);
    const char *sent = json_string_value(json_object_get(fields, "csrf"));
    char expected[65] = "";
    if (s_cookie_ok(cookie))
        s_csrf(self, cookie, expected);
    if (!sent || !*expected || !sq_token_equal(sent, expected)) {
        json_decref(fields);
        sq_warn_limited("web: a form from %s without a valid CSRF token", sq_http_client(request));
        citizen_error(self, request, 403, "表单已过期或来源不明，请重新打开诉求页面再提交");
        return;
    }
    if (!web_rate_allows(self, self->submissions, request)) {
        json_decref(fields);
        return;
    }
    web_submission_t result;
    web_submit(self, fields, true, &result);
    if (result.status == 200 || result.status == 201)
        s_page(self, request, 201, "submitted.html",
               json_pack("{s:s, s:s, s:s, s:s}", "title", "诉求已受理", "number", result.number,
                         "headline", "您的诉求已受理", "next",
                         "请记下工单号。承办单位会在规定的工作日时限内处理并答复；您可凭工单号和手机号后四位在“查询进度”页面查看进展。"));
    else if (result.status == 202)
        s_page(self, request, 202, "submitted.html",
               json_pack("{s:s, s:s, s:s, s:s}", "title", "诉求已收到", "number", result.token,
                         "headline", "您的诉求已收到，工单号稍后生成", "next",
                         "系统正忙，您的诉求已安全保存，稍后自动登记。请记下上面的受理凭证，稍后可在“查询进度”页面凭它查到工单号。"));
    else if (result.status == 400 || result.status == 404)
        s_form_page(self, request, 400, fields, s_hint(&result));
    else
        citizen_error(self, request, result.status, "系统暂时无法接收诉求，请稍后再试，或拨打 12345 热线");
    json_decref(fields);
}

//  --------------------------------------------------------------------------
//  The status page

//  The number of a receipt (a token) once it is committed, into number; 0, 1 while it waits,
//  -1 when unknown, -2 when the hub did not answer.
static int s_number_of_token(web_t *self, const char *token, char *number, size_t size)
{
    if (sq_submit_spooled(self->submit, WEB_CHANNEL, token, NULL))
        return 1;
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "key");
    zmsg_addstr(message, WEB_CHANNEL);
    zmsg_addstr(message, token);
    char *answer = NULL;
    int code = sq_submit_ask(self->submit, "suqiu.lookup", &message, &answer);
    json_t *found = answer ? json_loads(answer, 0, NULL) : NULL;
    free(answer);
    const char *value = json_string_value(json_object_get(found, "number"));
    int rc = !code || code >= 500 ? -2 : code == 200 && value ? 0 : -1;
    if (rc == 0)
        snprintf(number, size, "%s", value);
    json_decref(found);
    return rc;
}

//  "2026-12-03T23:15:06+08:00" as a citizen reads it: "2026-12-03 23:15" (the city's time).
static char *s_friendly_time(const char *iso)
{
    if (!iso || strlen(iso) < 16 || iso[10] != 'T')
        return strdup(iso ? iso : "");
    return zsys_sprintf("%.10s %.5s", iso, iso + 11);
}

static char *s_replies_html(json_t *replies)
{
    char *out = strdup("");
    size_t index;
    json_t *reply;
    json_array_foreach(replies, index, reply) {
        char *when = s_friendly_time(json_string_value(json_object_get(reply, "at")));
        char *at = sq_html_escape(when);
        free(when);
        char *body = sq_html_escape(json_string_value(json_object_get(reply, "body")) ?: "");
        char *more = zsys_sprintf("%s<li><span class=\"when\">%s</span><p>%s</p></li>", out, at, body);
        free(out);
        free(at);
        free(body);
        out = more;
    }
    if (!*out) {
        free(out);
        out = strdup("<li>承办单位尚未答复。</li>");
    }
    return out;
}

static void s_status_page(web_t *self, sq_http_request_t *request, unsigned status, const char *asked,
                          const char *message, json_t *found)
{
    json_t *values = json_pack("{s:s, s:s, s:s, s:s}", "title", "查询进度", "number",
                               asked ? asked : "", "message", message ? message : "",
                               "message_class", message ? "notice" : "hidden");
    if (found) {
        char *replies = s_replies_html(json_object_get(found, "replies"));
        const char *agency = json_string_value(json_object_get(found, "agency"));
        const char *expected = json_string_value(json_object_get(found, "expected_at"));
        json_object_set_new(values, "result_class", json_string("result"));
        json_object_set_new(values, "found_number", json_string(json_string_value(json_object_get(found, "number"))));
        json_object_set_new(values, "found_title", json_string(json_string_value(json_object_get(found, "title")) ?: ""));
        json_object_set_new(values, "state", json_string(s_state_label(json_string_value(json_object_get(found, "state")))));
        char *received = s_friendly_time(json_string_value(json_object_get(found, "received_at")));
        char *due = expected ? s_friendly_time(expected) : strdup("尚未确定");
        json_object_set_new(values, "received_at", json_string(received));
        json_object_set_new(values, "agency", json_string(agency ? agency : "尚未确定"));
        json_object_set_new(values, "expected_at", json_string(due));
        free(received);
        free(due);
        json_object_set_new(values, "replies", json_string(replies));
        free(replies);
    }
    else {
        const char *blank[] = {"found_number", "found_title", "state", "received_at", "agency",
                               "expected_at", "replies", NULL};
        for (const char *const *name = blank; *name; name++)
            json_object_set_new(values, *name, json_string(""));
        json_object_set_new(values, "result_class", json_string("hidden"));
    }
    s_page(self, request, status, "status.html", values);
}

void citizen_status(void *app, sq_http_request_t *request)
{
    web_t *self = (web_t *) app;
    const char *asked = sq_http_query(request, "number");
    const char *last4 = sq_http_query(request, "last4");
    if (!asked || !*asked) {
        s_status_page(self, request, 200, NULL, NULL, NULL);
        return;
    }
    if (!web_rate_allows(self, self->lookups, request))
        return;
    const char *not_found = "没有找到这件诉求：请核对工单号（或受理凭证）和手机号后四位。";
    char number[64] = "";
    size_t length = strlen(asked);
    if (length > 64 || !last4 || strlen(last4) != 4 || strspn(last4, "0123456789") != 4) {
        s_status_page(self, request, 400, length > 64 ? NULL : asked,
                      "请输入工单号（或受理凭证）和提交时所留手机号的后四位数字。", NULL);
        return;
    }
    if (sq_number_valid(asked))
        snprintf(number, sizeof number, "%s", asked);
    else if (strspn(asked, "0123456789abcdefDW") == length) {
        int found = s_number_of_token(self, asked, number, sizeof number);
        if (found == 1) {
            s_status_page(self, request, 200, asked, "这件诉求已收到，正在登记，请稍后再查。", NULL);
            return;
        }
        if (found == -2) {
            citizen_error(self, request, 503, "暂时无法查询，请稍后再试");
            return;
        }
    }
    if (!*number) {
        s_status_page(self, request, 404, asked, not_found, NULL);
        return;
    }
    zmsg_t *message = zmsg_new();
    zmsg_addstr(message, "citizen");
    zmsg_addstr(message, number);
    zmsg_addstr(message, last4);
    char *answer = NULL;
    int code = sq_submit_ask(self->submit, "suqiu.lookup", &message, &answer);
    json_t *found = answer && code == 200 ? json_loads(answer, 0, NULL) : NULL;
    free(answer);
    if (!code || code >= 500)
        citizen_error(self, request, 503, "暂时无法查询，请稍后再试");
    else if (!json_is_object(found))
        s_status_page(self, request, 404, asked, not_found, NULL);
    else
        s_status_page(self, request, 200, asked, NULL, found);
    json_decref(found);
}
