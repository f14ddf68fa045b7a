/*  suqiuctl sign / respond / close / overdue: what a department does with a complaint, and
    what the supervisors see overdue.  The rules (only the lead department acts; no closing
    without a recorded reply) live in the database functions of sql/006_actions.sql.  An
    action ends a pause (the department has reached the citizen), and the deadlines are
    recomputed after it in the same transaction: a stage counted from the one just met now
    runs from its real time (sql/007_extensions.sql, lib/sq_deadline). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "sq_deadline.h"
#include "sq_number.h"

static const sq_db_statement_t s_statements[] = {
    {"sign", "SELECT coalesce(complaint_pause_end($1, $3, 'signed for', false),"
             " complaint_sign_for($1, $2, $3))"},
    {"respond", "SELECT coalesce(complaint_pause_end($1, $5, 'answered', false),"
                " complaint_respond($1, $2, $3, $4, $5))"},
    {"close", "SELECT coalesce(complaint_pause_end($1, $4, 'closed', false),"
              " complaint_close($1, $2, $3, $4))"},
    SQ_DEADLINE_STATEMENTS,
    CTL_PERSON_STATEMENT,
    {"overdue",
     "SELECT number, stage, coalesce(department_name, '-'), iso_shanghai(due_at), days_over,"
     " escalated FROM overdue_now WHERE $1::text IS NULL OR department = $1 ORDER BY due_at"},
    {NULL, NULL},
};

static const char *s_reply_channels[] = {"phone", "sms", "wechat", "email", "letter", "web",
                                         "in_person"};

//  The options of an action: NUMBER --department D --user LOGIN [--reply TEXT] [--via C]
//  [--result TEXT].
typedef struct {
    const char *number, *department, *user, *reply, *via, *result;
} s_action_t;

static int s_parse(int argc, char *argv[], s_action_t *action)
{
    memset(action, 0, sizeof *action);
    for (int i = 1; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--department") == 0 ? &action->department
                            : strcmp(argv[i], "--user") == 0     ? &action->user
                            : strcmp(argv[i], "--reply") == 0    ? &action->reply
                            : strcmp(argv[i], "--via") == 0      ? &action->via
                            : strcmp(argv[i], "--result") == 0   ? &action->result
                                                                 : NULL;
        if (slot && i + 1 < argc)
            *slot = argv[++i];
        else if (!action->number && argv[i][0] != '-')
            action->number = argv[i];
        else
            return -1;
    }
    return action->number && action->department && action->user ? 0 : -1;
}

//  Run one action for the person of action (its actor the last of values) and recompute the
//  deadlines after it, in one transaction.
static int s_act(const sq_config_t *config, const s_action_t *action, const char *statement,
                 const char **values, int count, const char *done)
{
    ctl_rules_t rules;
    if (ctl_rules_load(config, &rules))
        return 1;
    sq_db_t *db = ctl_connect(config, s_statements);
    char actor[80];
    int rc = !db || ctl_person(db, action->user, action->department, false, actor, sizeof actor) ? 1 : 0;
    values[count - 1] = actor;
    if (rc == 0)
        rc = ctl_change(db, &rules, statement, count, values, NULL, values[0], actor,
                        "a stage it counts from has happened");
    if (rc == 0)
        printf("suqiu: %s %s\n", values[0], done);
    sq_db_destroy(&db);
    ctl_rules_free(&rules);
    return rc;
}

int ctl_action(const sq_config_t *config, int argc, char *argv[])
{
    const char *verb = argv[0];
    s_action_t action;
    bool usage = s_parse(argc, argv, &action) != 0;
    if (!usage && strcmp(verb, "respond") == 0) {
        bool known = false;
        for (size_t i = 0; action.via && i < sizeof s_reply_channels / sizeof *s_reply_channels; i++)
            known |= strcmp(action.via, s_reply_channels[i]) == 0;
        usage = !action.reply || !*action.reply || !known;
    }
    if (usage) {
        fprintf(stderr, "usage: suqiuctl sign NUMBER --department ID --user LOGIN\n"
                        "       suqiuctl respond NUMBER --department ID --user LOGIN --reply TEXT --via CHANNEL\n"
                        "         (CHANNEL: phone sms wechat email letter web in_person)\n"
                        "       suqiuctl close NUMBER --department ID --user LOGIN [--result TEXT]\n"
                        "  LOGIN: the person who acts, an account of suqiuctl user list\n");
        return 2;
    }
    if (!sq_number_valid(action.number)) {
        fprintf(stderr, "suqiuctl %s: \"%s\" is not a work-order number\n", verb, action.number);
        return 2;
    }
    if (strcmp(verb, "sign") == 0) {
        const char *values[] = {action.number, action.department, NULL};
        return s_act(config, &action, "sign", values, 3, "signed for");
    }
    if (strcmp(verb, "respond") == 0) {
        const char *values[] = {action.number, action.department, action.reply, action.via, NULL};
        return s_act(config, &action, "respond", values, 5, "answered; the reply is recorded");
    }
    const char *values[] = {action.number, action.department, action.result ? action.result : "",
                            NULL};
    return s_act(config, &action, "close", values, 4, "closed");
}

int ctl_overdue(const sq_config_t *config, int argc, char *argv[])
{
    const char *department = NULL;
    if (argc == 3 && strcmp(argv[1], "--department") == 0)
        department = argv[2];
    else if (argc != 1) {
        fprintf(stderr, "usage: suqiuctl overdue [--department ID]\n");
        return 2;
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    const char *values[] = {department};
    PGresult *result = sq_db_exec(db, "overdue", 1, values);
    if (!result) {
        sq_db_destroy(&db);
        return 1;
    }
    int rows = PQntuples(result);
    if (rows)
        printf("%-24s %-15s %-28s %-25s %9s %s\n", "NUMBER", "STAGE", "DEPARTMENT", "DUE",
               "DAYS OVER", "ESCALATED");
    for (int row = 0; row < rows; row++)
        printf("%-24s %-15s %-28s %-25s %9s %s\n", PQgetvalue(result, row, 0),
               PQgetvalue(result, row, 1), PQgetvalue(result, row, 2), PQgetvalue(result, row, 3),
               PQgetvalue(result, row, 4),
               PQgetvalue(result, row, 5)[0] == 't' ? "yes (督办)" : "not yet");
    printf("(%d overdue stage%s)\n", rows, rows == 1 ? "" : "s");
    PQclear(result);
    sq_db_destroy(&db);
    return 0;
}
