/*  suqiuctl show / list: read complaints and their history from PostgreSQL. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "sq_db.h"
#include "sq_log.h"
#include "sq_number.h"
#include "sq_state.h"

static const sq_db_statement_t s_statements[] = {
    {"show_by_number", "SELECT complaint_json_by_number($1)"},
    {"list", "SELECT number, channel, state, received_at, title FROM complaint_list($1, $2::int)"},
    {NULL, NULL},
};

static const char *s_text(json_t *object, const char *key)
{
    const char *text = json_string_value(json_object_get(object, key));
    return text ? text : "-";
}

//  Who handles it, its deadlines per stage and the replies to the citizen.
static void s_print_handling(json_t *complaint)
{
    if (json_object_get(complaint, "lead_department"))
        printf("lead        %s (%s)\n", s_text(complaint, "lead_department_name"),
               s_text(complaint, "lead_department"));
    json_t *deadlines = json_object_get(complaint, "deadlines");
    const char *stages[] = {"sign_for", "first_response", "close"};
    if (json_object_size(deadlines))
        printf("deadlines   (policy %s)\n",
               s_text(json_object_get(deadlines, "close"), "policy"));
    for (size_t i = 0; i < sizeof stages / sizeof *stages; i++) {
        json_t *stage = json_object_get(deadlines, stages[i]);
        if (!stage)
            continue;
        printf("    %-15s due %s", stages[i], s_text(stage, "due"));
        if (json_object_get(stage, "met"))
            printf("  met %s (%.2f working hours)", s_text(stage, "met"),
                   json_number_value(json_object_get(stage, "work_seconds")) / 3600.0);
        if (json_object_get(stage, "overdue"))
            printf("  OVERDUE since %s (督办)", s_text(stage, "overdue"));
        else if (json_object_get(stage, "reminded"))
            printf("  reminded %s", s_text(stage, "reminded"));
        printf("\n");
    }
    size_t index;
    json_t *reply;
    json_array_foreach(json_object_get(complaint, "replies"), index, reply)
        printf("reply       %s via %s: %s\n", s_text(reply, "at"), s_text(reply, "sent_via"),
               s_text(reply, "body"));
}

static void s_print_complaint(json_t *complaint)
{
    printf("work order  %s\n", s_text(complaint, "number"));
    printf("state       %s (since %s)\n", s_text(complaint, "state"), s_text(complaint, "state_since"));
    printf("channel     %s, external id %s\n", s_text(complaint, "channel"),
           s_text(complaint, "external_id"));
    printf("received    %s by operator %s (committed %s)\n", s_text(complaint, "received_at"),
           s_text(complaint, "operator_id"), s_text(complaint, "created_at"));
    printf("caller      %s, phone %s\n", s_text(complaint, "caller_name"), s_text(complaint, "phone"));
    printf("address     %s\n", s_text(complaint, "address"));
    printf("region      %s\n", s_text(complaint, "region"));
    json_t *respondent = json_object_get(complaint, "respondent");
    if (respondent) {
        printf("respondent  %s, %s", s_text(respondent, "name"), s_text(respondent, "address"));
        if (json_object_get(respondent, "credit_code"))
            printf(" (credit code %s)", s_text(respondent, "credit_code"));
        printf("\n");
    }
    printf("title       %s\n", s_text(complaint, "title"));
    printf("content\n");
    const char *content = s_text(complaint, "content");
    for (const char *line = content; *line;) {
        size_t length = strcspn(line, "\n");
        printf("    %.*s\n", (int) length, line);
        line += length;
        if (*line)
            line++;
    }
    s_print_handling(complaint);
    printf("history\n");
    size_t index;
    json_t *event;
    json_array_foreach(json_object_get(complaint, "history"), index, event)
    {
        const char *from = json_string_value(json_object_get(event, "from_state"));
        char *detail = json_dumps(json_object_get(event, "detail"), JSON_COMPACT);
        printf("    %s  %-10s %s%s%-10s by %s  %s\n", s_text(event, "at"), s_text(event, "kind"),
               from ? from : "", from ? " -> " : "", s_text(event, "to_state"),
               s_text(event, "actor"), detail ? detail : "");
        free(detail);
    }
}

int ctl_show(const sq_config_t *config, int argc, char *argv[])
{
    const char *number = NULL;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (!number && argv[i][0] != '-')
            number = argv[i];
        else
            number = NULL, argc = 0;
    }
    if (!number) {
        fprintf(stderr, "usage: suqiuctl show NUMBER [--json]\n");
        return 2;
    }
    if (!sq_number_valid(number)) {
        fprintf(stderr, "suqiuctl show: \"%s\" is not a work-order number (e.g. 12345-20261123-000042)\n",
                number);
        return 2;
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    const char *values[] = {number};
    PGresult *result = sq_db_exec(db, "show_by_number", 1, values);
    int rc = 0;
    if (!result)
        rc = 1;
    else if (PQgetisnull(result, 0, 0)) {
        fprintf(stderr, "suqiuctl show: no work order %s\n", number);
        rc = 1;
    }
    else if (as_json)
        printf("%s\n", PQgetvalue(result, 0, 0));
    else {
        json_t *complaint = json_loads(PQgetvalue(result, 0, 0), 0, NULL);
        s_print_complaint(complaint);
        json_decref(complaint);
    }
    PQclear(result);
    sq_db_destroy(&db);
    return rc;
}

int ctl_list(const sq_config_t *config, int argc, char *argv[])
{
    const char *state = NULL;
    const char *limit = "50";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
            state = argv[++i];
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            limit = argv[++i];
        else {
            fprintf(stderr, "usage: suqiuctl list [--state STATE] [--limit N]\n");
            return 2;
        }
    }
    sq_state_t known;
    if (state && sq_state_parse(state, &known)) {
        fprintf(stderr, "suqiuctl list: no state \"%s\"; the states are: %s\n", state,
                sq_state_names());
        return 2;
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    const char *values[] = {state, limit};
    PGresult *result = sq_db_exec(db, "list", 2, values);
    if (!result) {
        sq_db_destroy(&db);
        return 1;
    }
    int rows = PQntuples(result);
    if (rows)
        printf("%-24s %-13s %-11s %-25s %s\n", "NUMBER", "CHANNEL", "STATE", "RECEIVED", "TITLE");
    for (int row = 0; row < rows; row++)
        printf("%-24s %-13s %-11s %-25s %s\n", PQgetvalue(result, row, 0),
               PQgetvalue(result, row, 1), PQgetvalue(result, row, 2), PQgetvalue(result, row, 3),
               PQgetvalue(result, row, 4));
    printf("(%d work order%s%s%s)\n", rows, rows == 1 ? "" : "s", state ? " in state " : "",
           state ? state : "");
    PQclear(result);
    sq_db_destroy(&db);
    return 0;
}
