/*  suqiuctl extend / extension / pause / resume: what moves a deadline after routing.  The
    lead department asks for an extension (延期) of a stage with a reason, within what the
    complaint's SLA policy allows; a supervisor approves or refuses it.  The department
    pauses the clock while it waits for the citizen and resumes it.  Each change and the
    deadlines recomputed after it are one transaction (sql/007_extensions.sql,
    lib/sq_deadline). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "sq_change.h"
#include "sq_deadline.h"
#include "sq_number.h"

static const sq_db_statement_t s_statements[] = {
    SQ_CHANGE_STATEMENTS,
    CTL_PERSON_STATEMENT,
    {"extend", "SELECT complaint_extension_request($1, $2, $3, $4, $5, $6)"},
    {"decide", "SELECT complaint_extension_decide($1, $2::boolean, $3, $4)"},
    {"settled", "SELECT complaint_extension_settled($1)"},
    {"pause", "SELECT complaint_pause_start($1, $2, $3, $4)"},
    {"resume", "SELECT complaint_pause_end($1, $2, $3, true)"},
    {"due", "SELECT d.stage, iso_shanghai(d.due_at) FROM complaint c"
            " JOIN complaint_deadline d ON d.complaint_id = c.id"
            " WHERE c.number = $1 AND d.met_at IS NULL ORDER BY d.due_at"},
    SQ_DEADLINE_STATEMENTS,
    {NULL, NULL},
};

static const char *s_usage =
    "usage: suqiuctl extend NUMBER --department ID --user LOGIN --stage STAGE --by DURATION --reason TEXT\n"
    "         (STAGE: sign_for first_response close; DURATION: Nwd Nwh Nh, within the policy)\n"
    "       suqiuctl extension approve|refuse NUMBER --user LOGIN [--reason TEXT]   (a supervisor)\n"
    "       suqiuctl pause NUMBER --department ID --user LOGIN --reason TEXT   (waiting for the citizen)\n"
    "       suqiuctl resume NUMBER --user LOGIN [--note TEXT]\n"
    "  LOGIN: the person who acts, an account of suqiuctl user list\n";

//  The options of these verbs.
typedef struct {
    const char *number, *department, *stage, *by, *reason, *user, *note;
    sq_duration_t asked;   //  --by, parsed
} s_options_t;

static int s_parse(int argc, char *argv[], int first, s_options_t *options)
{
    memset(options, 0, sizeof *options);
    for (int i = first; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--department") == 0   ? &options->department
                            : strcmp(argv[i], "--stage") == 0      ? &options->stage
                            : strcmp(argv[i], "--by") == 0         ? &options->by
                            : strcmp(argv[i], "--reason") == 0     ? &options->reason
                            : strcmp(argv[i], "--user") == 0       ? &options->user
                            : strcmp(argv[i], "--note") == 0       ? &options->note
                                                                   : NULL;
        if (slot && i + 1 < argc && !*slot)
            *slot = argv[++i];
        else if (!options->number && argv[i][0] != '-')
            options->number = argv[i];
        else
            return -1;
    }
    return options->number && options->user ? 0 : -1;
}

//  The stage's name when it is one, else NULL.
static const char *s_stage(const char *text)
{
    for (int stage = 0; text && stage < SQ_SLA_STAGE_COUNT; stage++)
        if (strcmp(text, sq_sla_stage_name((sq_sla_stage_t) stage)) == 0)
            return text;
    return NULL;
}

//  True when the complaint's policy allows the extension asked; else false, said why.
static bool s_extension_allowed(sq_db_t *db, const ctl_rules_t *rules, const s_options_t *options)
{
    char error[300];
    if (sq_change_extension_allowed(db, rules->sla, options->number, options->stage,
                                    &options->asked, error, sizeof error) == 0)
        return true;
    fprintf(stderr, "suqiuctl extend: %s: %s\n", options->number, error);
    return false;
}

//  Print the deadlines still due after a change.
static void s_print_due(sq_db_t *db, const char *number)
{
    const char *values[] = {number};
    PGresult *result = sq_db_exec(db, "due", 1, values);
    for (int row = 0; result && row < PQntuples(result); row++)
        printf("  %-15s due %s\n", PQgetvalue(result, row, 0), PQgetvalue(result, row, 1));
    PQclear(result);
}

//  Run one change and say what it did.
//  The person's actor ("user:LOGIN") goes in values[actor_at].
static int s_run(const sq_config_t *config, const ctl_rules_t *rules, const s_options_t *options,
                 bool (*check)(sq_db_t *, const ctl_rules_t *, const s_options_t *),
                 const char *statement, int count, const char **values, int actor_at,
                 const char *after, bool supervising, const char *reason, const char *done)
{
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    char actor[80];
    int rc = ctl_person(db, options->user, options->department, supervising, actor, sizeof actor);
    values[actor_at] = actor;
    if (rc == 0)
        rc = check && !check(db, rules, options) ? 1
             : ctl_change(db, rules, statement, count, values, after, options->number, actor,
                          reason);
    if (rc == 0) {
        printf("suqiu: %s %s\n", options->number, done);
        s_print_due(db, options->number);
    }
    sq_db_destroy(&db);
    return rc;
}

int ctl_deadline(const sq_config_t *config, int argc, char *argv[])
{
    const char *verb = argv[0];
    bool extension = strcmp(verb, "extension") == 0;
    s_options_t options;
    bool usage = s_parse(argc, argv, extension ? 2 : 1, &options) != 0;
    if (!usage && strcmp(verb, "extend") == 0)
        usage = !options.department || !s_stage(options.stage) || !options.reason
                || !options.by || sq_duration_parse(options.by, &options.asked) != 0;
    else if (!usage && extension)
        usage = argc < 2 || (strcmp(argv[1], "approve") && strcmp(argv[1], "refuse"));
    else if (!usage && strcmp(verb, "pause") == 0)
        usage = !options.department || !options.reason;
    if (usage) {
        fprintf(stderr, "%s", s_usage);
        return 2;
    }
    if (!sq_number_valid(options.number)) {
        fprintf(stderr, "suqiuctl %s: \"%s\" is not a work-order number\n", verb, options.number);
        return 2;
    }
    ctl_rules_t rules;
    if (ctl_rules_load(config, &rules))
        return 1;
    int rc;
    if (strcmp(verb, "extend") == 0) {
        const char *values[] = {options.number, options.department, options.stage, options.by,
                                options.reason, NULL};
        rc = s_run(config, &rules, &options, s_extension_allowed, "extend", 6, values, 5, NULL,
                   false, "extension requested", "extension requested; a supervisor decides");
    }
    else if (extension) {
        bool approve = strcmp(argv[1], "approve") == 0;
        const char *values[] = {options.number, approve ? "true" : "false", NULL, options.reason};
        rc = s_run(config, &rules, &options, NULL, "decide", 4, values, 2,
                   approve ? "settled" : NULL, true, "extension approved",
                   approve ? "extension approved" : "extension refused");
    }
    else if (strcmp(verb, "pause") == 0) {
        const char *values[] = {options.number, options.department, options.reason, NULL};
        rc = s_run(config, &rules, &options, NULL, "pause", 4, values, 3, NULL, false, "paused",
                   "paused: its clock stops until it resumes");
    }
    else {
        const char *values[] = {options.number, NULL, options.note};
        rc = s_run(config, &rules, &options, NULL, "resume", 3, values, 1, NULL, false,
                   "the pause while waiting for the citizen ended", "resumed");
    }
    ctl_rules_free(&rules);
    return rc;
}
