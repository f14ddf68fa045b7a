/*  board: the desk's endpoints beyond one complaint: the operator's new work order and a
    caller's history, the overdue board, the measures (JSON or CSV), the catalogue for the
    pickers, and the admins' users and configuration check (see desk.h). */
#include <czmq.h>
#include <time.h>

#include "desk_app.h"
#include "sq_catalog.h"
#include "sq_envelope.h"
#include "sq_log.h"
#include "sq_matrix.h"
#include "sq_password.h"
#include "sq_rules.h"
#include "sq_token.h"

static void s_error(sq_http_request_t *request, unsigned status, const char *message)
{
    sq_http_reply_json(request, status, json_pack("{s:s}", "error", message));
}

//  Answer a statement's one JSON text value, or an error; ends the session.
static void s_answer_json(desk_t *self, desk_session_t **session, sq_http_request_t *request,
                          PGresult *result)
{
    if (!result) {
        const char *why = sq_db_error((*session)->db);
        bool refused = strstr(why, "may not") || strstr(why, "only an admin") || strstr(why, "for supervisors");
        s_error(request, refused ? 403 : 503, refused ? "not allowed" : "cannot be read now; try again");
    }
    else
        sq_http_reply(request, 200, "application/json; charset=utf-8", PQgetvalue(result, 0, 0),
                      strlen(PQgetvalue(result, 0, 0)));
    PQclear(result);
    desk_end(self, session, result != NULL);
}

static bool s_role_in(desk_session_t *session, const char *roles)
{
    const char *role = desk_role(session);
    return *role && strstr(roles, role) != NULL;
}

//  --------------------------------------------------------------------------
//  The operator: a new work order during the call, a caller's history

//  An operator's (or supervisor's) work-order body: the JSON object, with the user's login
//  in login; NULL after answering 400, 401, 403 or 503.  The caller frees the body.
static json_t *s_operator_order(desk_t *self, sq_http_request_t *request, char *login,
                                size_t login_size, const char *refusal)
{
    const char *problem = NULL;
    json_t *body = sq_http_json_body(request, &problem);
    if (!json_is_object(body)) {
        json_decref(body);
        s_error(request, 400, problem ? problem : "send a JSON object");
        return NULL;
    }
    desk_session_t *session = desk_begin(self, request, true);
    if (!session) {
        json_decref(body);
        return NULL;
    }
    snprintf(login, login_size, "%s", desk_login(session));
    bool allowed = s_role_in(session, "operator supervisor");
    desk_end(self, &session, true);
    if (!allowed) {
        json_decref(body);
        s_error(request, 403, refusal);
        return NULL;
    }
    return body;
}

void board_new_complaint(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    char login[64];
    json_t *body = s_operator_order(self, request, login, sizeof login,
                                    "only operators enter work orders");
    if (!body)
        return;
    //  The operator's work order, as the hotline API would take it: its key minted here.
    json_t *consent = json_incref(json_object_get(body, "reporter_consent"));
    json_object_del(body, "reporter_consent");
    char random[25], received_at[SQ_TIME_TEXT_MAX];
    sq_time_format((int64_t) time(NULL), received_at, sizeof received_at);
    if (sq_token_random_hex(random, 12)) {
        json_decref(body);
        json_decref(consent);
        s_error(request, 503, "no randomness for a key; try again");
        return;
    }
    char *external_id = zsys_sprintf("DESK-%s-%s", login, random);
    json_object_set_new(body, "external_id", json_string(external_id));
    json_object_set_new(body, "operator_id", json_string(login));
    json_object_set_new(body, "received_at", json_string(received_at));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    sq_limits_t limits = {self->config->limits_title_max_chars, self->config->limits_content_max_chars,
                          self->config->limits_field_max_chars};
    sq_field_error_t error = {"", ""};
    json_t *envelope = sq_envelope_from_hotline(text, strlen(text), &limits, &error);
    free(text);
    if (envelope && json_is_true(consent)) {
        json_t *extra = json_object_get(envelope, "extra");
        if (!extra)
            json_object_set_new(envelope, "extra", extra = json_object());
        json_object_set_new(extra, "reporter_consent", json_true());
    }
    json_decref(consent);
    if (!envelope) {
        zstr_free(&external_id);
        json_t *answer = json_pack("{s:s, s:s}", "error", error.message, "field", error.field);
        sq_http_reply_json(request, 400, answer);
        return;
    }
    sq_submit_result_t result;
    sq_submit_envelope(self->submit, envelope, &result);
    json_decref(envelope);
    if (result.status == 201 || result.status == 200) {
        sq_info("desk: user:%s entered complaint=%s", login, result.number);
        sq_http_reply_json(request, 201, json_pack("{s:s, s:s}", "number", result.number,
                                                   "external_id", external_id));
    }
    else
        s_error(request, result.status == 400 ? 400 : 503,
                result.status == 400 ? result.message : "the hub cannot take it now; try again");
    zstr_free(&external_id);
}

void board_preview(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    char login[64];
    json_t *body = s_operator_order(self, request, login, sizeof login,
                                    "only operators and supervisors preview a work order");
    if (!body)
        return;
    //  Checked as the work order itself will be; a title not written yet is no error here.
    json_object_del(body, "reporter_consent");
    const char *title = json_string_value(json_object_get(body, "title"));
    if (!title || !*title)
        json_object_set_new(body, "title", json_string("-"));
    json_object_set_new(body, "external_id", json_string("DESK-preview"));
    json_object_set_new(body, "operator_id", json_string(login));
    json_object_set_new(body, "received_at", json_string("2026-01-01T00:00:00+08:00"));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    sq_limits_t limits = {self->config->limits_title_max_chars, self->config->limits_content_max_chars,
                          self->config->limits_field_max_chars};
    sq_field_error_t error = {"", ""};
    json_t *envelope = sq_envelope_from_hotline(text, strlen(text), &limits, &error);
    free(text);
    if (!envelope) {
        sq_http_reply_json(request, 400,
                           json_pack("{s:s, s:s}", "error", error.message, "field", error.field));
        return;
    }
    char *envelope_text = json_dumps(envelope, JSON_COMPACT);
    json_decref(envelope);
    zmsg_t *ask = zmsg_new();
    zmsg_addstr(ask, "preview");
    zmsg_addstr(ask, envelope_text);
    free(envelope_text);
    char *answer = NULL;
    int status = sq_submit_ask(self->submit, "suqiu.classify", &ask, &answer);
    json_t *preview = (status == 200 || status == 400) && answer ? json_loads(answer, 0, NULL)
                                                                 : NULL;
    free(answer);
    if (preview)
        sq_http_reply_json(request, (unsigned) status, preview);
    else
        s_error(request, 503, "the classifier cannot be reached; the work order can still be entered");
}

void board_callers(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    const char *phone = sq_http_query(request, "phone");
    if (!phone || strlen(phone) < 5 || strlen(phone) > 32) {
        s_error(request, 400, "phone: 5 to 32 characters");
        return;
    }
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    const char *values[] = {phone};
    s_answer_json(self, &session, request, sq_db_exec(session->db, "by_phone", 1, values));
}

//  --------------------------------------------------------------------------
//  The overdue board and the measures

void board_overdue(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    s_answer_json(self, &session, request, sq_db_exec(session->db, "overdue", 0, NULL));
}

static bool s_date_ok(const char *text)
{
    int year, month, day;
    char tail;
    return text && strlen(text) == 10 && sscanf(text, "%4d-%2d-%2d%c", &year, &month, &day, &tail) == 3
           && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

//  The measures of a period (from, to: dates, both included) by department, category, region
//  or line, as JSON rows or as CSV (format=csv), for the supervisors' charts and exports.
void board_stats(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    const char *from = sq_http_query(request, "from"), *to = sq_http_query(request, "to");
    const char *by = sq_http_query(request, "by"), *format = sq_http_query(request, "format");
    if (!s_date_ok(from) || !s_date_ok(to)) {
        s_error(request, 400, "from and to are dates: 2026-11-01");
        return;
    }
    if (by && !streq(by, "department") && !streq(by, "category") && !streq(by, "region")
        && !streq(by, "line") && !streq(by, "all")) {
        s_error(request, 400, "by: department, category, region, line or all");
        return;
    }
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    if (!s_role_in(session, "supervisor admin department")) {
        desk_end(self, &session, true);
        s_error(request, 403, "the measures are the supervisors' and the departments'");
        return;
    }
    const char *values[] = {from, to, by ? by : "department"};
    PGresult *result = sq_db_exec(session->db, "stats", 3, values);
    if (!result || !format || !streq(format, "csv")) {
        s_answer_json(self, &session, request, result);
        return;
    }
    //  CSV: the same rows, the columns in the order of the measures, every field quoted.
    static const char *const columns[] = {
        "group_id", "group_name", "received", "responded", "responded_rate", "closed",
        "closed_on_time", "due", "on_time_rate", "overdue_now", "sign_for_avg_wh",
        "sign_for_p90_wh", "close_avg_wh", "close_p90_wh", "returns", "extensions", "merged",
        "callbacks", "satisfied", "satisfied_rate", NULL};
    json_t *rows = json_loads(PQgetvalue(result, 0, 0), 0, NULL);
    PQclear(result);
    desk_end(self, &session, true);
    char *csv = strdup("");
    for (const char *const *column = columns; *column; column++) {
        char *more = zsys_sprintf("%s%s\"%s\"", csv, column == columns ? "" : ",", *column);
        free(csv);
        csv = more;
    }
    size_t index;
    json_t *row;
    json_array_foreach(rows, index, row) {
        char *line = strdup("\r\n");
        for (const char *const *column = columns; *column; column++) {
            json_t *value = json_object_get(row, *column);
            char *cell = json_is_string(value)                   ? strdup(json_string_value(value))
                         : json_is_null(value) || !value ? strdup("")
                                                                 : json_dumps(value, JSON_ENCODE_ANY);
            //  A quote inside a cell is doubled, as RFC 4180 says.
            char *quoted = (char *) zmalloc(strlen(cell) * 2 + 3), *at = quoted;
            *at++ = '"';
            for (const char *c = cell; *c; c++) {
                if (*c == '"')
                    *at++ = '"';
                *at++ = *c;
            }
            *at++ = '"';
            char *more = zsys_sprintf("%s%s%s", line, column == columns ? "" : ",", quoted);
            free(line);
            free(cell);
            free(quoted);
            line = more;
        }
        char *more = zsys_sprintf("%s%s", csv, line);
        free(csv);
        free(line);
        csv = more;
    }
    char *ended = zsys_sprintf("%s\r\n", csv);
    free(csv);
    csv = ended;
    json_decref(rows);
    char *disposition = zsys_sprintf("attachment; filename=\"suqiu-measures-%s-%s.csv\"", from, to);
    sq_http_add_header(request, "Content-Disposition", disposition);
    zstr_free(&disposition);
    //  A byte-order mark, so that spreadsheet programs read the Chinese names as UTF-8.
    char *body = zsys_sprintf("\xEF\xBB\xBF%s", csv);
    sq_http_reply(request, 200, "text/csv; charset=utf-8", body, strlen(body));
    free(body);
    free(csv);
}

//  The hotlines' answer rate of a period (from, to: dates, both included), for supervisors.
void board_calls(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    const char *from = sq_http_query(request, "from"), *to = sq_http_query(request, "to");
    if (!s_date_ok(from) || !s_date_ok(to)) {
        s_error(request, 400, "from and to are dates: 2026-11-01");
        return;
    }
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    const char *values[] = {from, to};
    s_answer_json(self, &session, request, sq_db_exec(session->db, "calls", 2, values));
}

void board_catalog(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    s_answer_json(self, &session, request, sq_db_exec(session->db, "catalog", 0, NULL));
}

//  --------------------------------------------------------------------------
//  The admins: users, and a check of the city's configuration

void board_users(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    s_answer_json(self, &session, request, sq_db_exec(session->db, "users", 0, NULL));
}

void board_user_put(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    const char *problem = NULL;
    json_t *body = sq_http_json_body(request, &problem);
    const char *login = json_string_value(json_object_get(body, "login"));
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *department = json_string_value(json_object_get(body, "department"));
    const char *password = json_string_value(json_object_get(body, "password"));
    if (!login || !name || !role) {
        json_decref(body);
        s_error(request, 400, problem ? problem : "login, name and role are required");
        return;
    }
    char hash[SQ_PASSWORD_HASH_MAX];
    if (password && *password && sq_password_hash(password, hash)) {
        json_decref(body);
        s_error(request, 400, "a password has 8 to 256 characters");
        return;
    }
    desk_session_t *session = desk_begin(self, request, true);
    if (!session) {
        json_decref(body);
        return;
    }
    const char *values[] = {login, name, role, department && *department ? department : NULL,
                            password && *password ? hash : NULL,
                            json_is_true(json_object_get(body, "disabled")) ? "true" : "false"};
    PGresult *result = sq_db_exec(session->db, "user_put", 6, values);
    if (!result) {
        desk_end(self, &session, false);
        json_decref(body);
        s_error(request, 403, "only an admin may change users");
        return;
    }
    bool done = PQgetisnull(result, 0, 0);
    char why[256];
    snprintf(why, sizeof why, "%s", done ? "" : PQgetvalue(result, 0, 0));
    PQclear(result);
    desk_end(self, &session, done);
    if (done)
        sq_http_reply_json(request, 200, json_pack("{s:s}", "login", login));
    else
        s_error(request, 400, why);
    json_decref(body);
}

//  Check the city's configuration files as the workers would load them, and take the desk's
//  own part (calendar, SLA policies) again when they are good.  Answers the messages.
void board_config_check(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    const char *problem = NULL;
    size_t length = 0;
    sq_http_body(request, &length);
    json_t *body = length ? sq_http_json_body(request, &problem) : json_object();   //  none: a check
    if (!json_is_object(body)) {
        json_decref(body);
        s_error(request, 400, problem ? problem : "send a JSON object, e.g. {\"reload\": true}");
        return;
    }
    bool reload = json_is_true(json_object_get(body, "reload"));
    json_decref(body);
    desk_session_t *session = desk_begin(self, request, true);
    if (!session)
        return;
    bool admin = s_role_in(session, "admin");
    if (!admin) {
        desk_end(self, &session, false);
        s_error(request, 403, "only an admin checks and reloads the configuration");
        return;
    }
    char error[1024] = "";
    char *dir = sq_config_catalog_dir(self->config);
    char *matrix_path = zsys_sprintf("%s/matrix.yaml", dir);
    char *rules_path = zsys_sprintf("%s/classify_rules.yaml", dir);
    char *sla_path = zsys_sprintf("%s/sla.yaml", dir);
    json_t *messages = json_array();
    sq_catalog_t *catalog = sq_catalog_load(dir, error, sizeof error);
    if (!catalog)
        json_array_append_new(messages, json_string(error));
    else {
        sq_matrix_t *matrix = sq_matrix_load(matrix_path, catalog, error, sizeof error);
        if (!matrix)
            json_array_append_new(messages, json_string(error));
        sq_rules_t *rules = sq_rules_load(rules_path, catalog, error, sizeof error);
        if (!rules)
            json_array_append_new(messages, json_string(error));
        sq_matrix_destroy(&matrix);
        sq_rules_destroy(&rules);
        sq_catalog_destroy(&catalog);
    }
    sq_calendar_t *calendar = sq_calendar_load_dir(dir, error, sizeof error);
    sq_sla_t *sla = calendar ? sq_sla_load(sla_path, error, sizeof error) : NULL;
    if (!sla)
        json_array_append_new(messages, json_string(error));
    bool good = json_array_size(messages) == 0;
    json_int_t generation = 0;
    if (good && reload) {
        //  The workers read the files again at their next tick; the desk swaps its own now.
        PGresult *result = sq_db_exec(session->db, "config_reload", 0, NULL);
        generation = result ? strtoll(PQgetvalue(result, 0, 0), NULL, 10) : 0;
        PQclear(result);
        if (generation && desk_end(self, &session, true) == 0) {
            pthread_rwlock_wrlock(&self->rules_lock);
            sq_sla_t *old_sla = self->sla;
            sq_calendar_t *old_calendar = self->calendar;
            self->sla = sla;
            self->calendar = calendar;
            pthread_rwlock_unlock(&self->rules_lock);
            sla = old_sla;
            calendar = old_calendar;
            json_array_append_new(messages, json_string("the configuration is valid and reloaded: "
                                                        "the workers read it at their next tick"));
        }
        else {
            if (session)
                desk_end(self, &session, false);
            generation = 0;
            json_array_append_new(messages, json_string("the configuration is valid but the reload "
                                                        "could not be recorded; try again"));
        }
    }
    else if (good)
        json_array_append_new(messages, json_string("the configuration is valid; reload it to use it"));
    if (session)
        desk_end(self, &session, true);
    sq_sla_destroy(&sla);
    sq_calendar_destroy(&calendar);
    free(dir);
    zstr_free(&matrix_path);
    zstr_free(&rules_path);
    zstr_free(&sla_path);
    sq_info("desk: the configuration was checked: %s%s", good ? "valid" : "errors",
            generation ? " and reloaded" : "");
    unsigned status = !good ? 422 : reload && !generation ? 503 : 200;
    json_t *answer = json_pack("{s:b, s:o}", "valid", good, "messages", messages);
    if (generation)
        json_object_set_new(answer, "reloaded", json_integer(generation));
    sq_http_reply_json(request, status, answer);
}
