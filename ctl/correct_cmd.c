/*  suqiuctl correct / train --from-db: people correct the classifier, and the city retrains
    from what people confirmed (corrections, and complaints signed for without a return). */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "sq_catalog.h"
#include "sq_db.h"
#include "sq_handoff.h"
#include "sq_number.h"
#include "sq_state.h"
#include "sq_training.h"

static const char *const s_targets[] = {"category", "type", "urgency"};

static const sq_db_statement_t s_statements[] = {
    {"correct", "SELECT complaint_correct($1, $2, $3, $4, $5, $6)"},
    {"training_rows", "SELECT title, body, label FROM training_rows($1)"},
    CTL_PERSON_STATEMENT,
    {NULL, NULL},
};

int ctl_correct(const sq_config_t *config, int argc, char *argv[])
{
    const char *number = NULL, *category = NULL, *type_text = NULL, *urgency_text = NULL;
    const char *reason = NULL, *user = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--category") == 0 && i + 1 < argc)
            category = argv[++i];
        else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
            user = argv[++i];
        else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
            type_text = argv[++i];
        else if (strcmp(argv[i], "--urgency") == 0 && i + 1 < argc)
            urgency_text = argv[++i];
        else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (!number && argv[i][0] != '-')
            number = argv[i];
        else
            number = NULL, i = argc;
    }
    if (!number || !reason || !*reason || !user || (!category && !type_text && !urgency_text)) {
        fprintf(stderr, "usage: suqiuctl correct NUMBER --user LOGIN [--category ID] [--type TYPE] "
                        "[--urgency URGENCY] --reason TEXT\n");
        return 2;
    }
    if (!sq_number_valid(number)) {
        fprintf(stderr, "suqiuctl correct: \"%s\" is not a work-order number\n", number);
        return 2;
    }
    sq_type_t type = SQ_TYPE_NONE;
    sq_urgency_t urgency = SQ_URGENCY_NONE;
    if (type_text && sq_type_parse(type_text, &type)) {
        fprintf(stderr, "suqiuctl correct: no type \"%s\" (投诉 举报 咨询 求助 建议 表扬)\n", type_text);
        return 2;
    }
    if (urgency_text && sq_urgency_parse(urgency_text, &urgency)) {
        fprintf(stderr, "suqiuctl correct: no urgency \"%s\" (紧急 一般)\n", urgency_text);
        return 2;
    }
    char error[1024];
    char *dir = sq_config_catalog_dir(config);
    sq_catalog_t *catalog = category ? sq_catalog_load(dir, error, sizeof error) : NULL;
    free(dir);
    if (category && !catalog) {
        fprintf(stderr, "suqiuctl correct: %s\n", error);
        return 1;
    }
    if (category && !sq_catalog_category(catalog, category)) {
        fprintf(stderr, "suqiuctl correct: no category \"%s\" in the catalogue\n", category);
        sq_catalog_destroy(&catalog);
        return 2;
    }
    sq_catalog_destroy(&catalog);
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    char actor[80];
    if (ctl_person(db, user, NULL, false, actor, sizeof actor)) {
        sq_db_destroy(&db);
        return 1;
    }
    const char *values[] = {number, category, type_text ? sq_type_name(type) : NULL,
                            urgency_text ? sq_urgency_name(urgency) : NULL, actor, reason};
    PGresult *result = sq_db_exec(db, "correct", 6, values);
    int rc = 1;
    if (result && !PQgetisnull(result, 0, 0)) {
        const char *state = PQgetvalue(result, 0, 0);
        printf("suqiu: %s corrected; it is now %s\n", number, state);
        rc = 0;
        if (strcmp(state, sq_state_name(SQ_STATE_CLASSIFIED)) == 0) {
            sq_handoff_t *handoff = sq_handoff_new(config->broker_client_endpoint);
            if (handoff)
                sq_handoff_send(handoff, sq_state_next_service(SQ_STATE_CLASSIFIED), "corrected",
                                number);
            sq_handoff_destroy(&handoff);
        }
    }
    else if (result)
        fprintf(stderr, "suqiuctl correct: no work order %s\n", number);
    PQclear(result);
    sq_db_destroy(&db);
    return rc;
}

//  Add the confirmed rows of one target from the database; the type and urgency come back
//  as the Chinese labels the training files use.  Returns the rows added, or -1.
static long s_add_confirmed(sq_db_t *db, const char *target, sq_textclass_trainer_t *trainer)
{
    const char *values[] = {target};
    PGresult *result = sq_db_exec(db, "training_rows", 1, values);
    if (!result)
        return -1;
    long added = 0;
    for (int row = 0; row < PQntuples(result); row++) {
        const char *label = PQgetvalue(result, row, 2);
        sq_type_t type;
        sq_urgency_t urgency;
        if (strcmp(target, "type") == 0 && sq_type_parse(label, &type) == 0)
            label = sq_type_label(type);
        else if (strcmp(target, "urgency") == 0 && sq_urgency_parse(label, &urgency) == 0)
            label = sq_urgency_label(urgency);
        if (sq_textclass_trainer_add(trainer, PQgetvalue(result, row, 0), PQgetvalue(result, row, 1),
                                     label) == 0)
            added++;
    }
    PQclear(result);
    return added;
}

int ctl_train_from_db(const sq_config_t *config, int argc, char *argv[])
{
    char *models = sq_config_model_dir(config);
    const char *out_dir = models;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from-db") == 0)
            continue;
        if (strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc)
            out_dir = argv[++i];
        else {
            fprintf(stderr, "usage: suqiuctl train --from-db [--out-dir DIR]\n");
            free(models);
            return 2;
        }
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    char *catalog_dir = sq_config_catalog_dir(config);
    int rc = db ? 0 : 1;
    for (size_t t = 0; t < sizeof s_targets / sizeof s_targets[0] && rc == 0; t++) {
        char error[1024];
        char *csv = zsys_sprintf("%s/training/%s.csv", catalog_dir, s_targets[t]);
        char *out = zsys_sprintf("%s/%s.model", out_dir, s_targets[t]);
        sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(NULL);
        size_t base = 0;
        long confirmed = -1;
        if (!trainer || sq_training_add_folder(trainer, csv, &base, error, sizeof error)) {
            fprintf(stderr, "suqiuctl train: %s\n", trainer ? error : "options out of range");
            rc = 1;
        }
        else if ((confirmed = s_add_confirmed(db, s_targets[t], trainer)) < 0)
            rc = 1;
        sq_textclass_t *model = rc == 0 ? sq_textclass_trainer_finish(&trainer) : NULL;
        sq_textclass_trainer_destroy(&trainer);
        if (rc == 0 && (!model || sq_training_save(model, out))) {
            fprintf(stderr, "suqiuctl train: cannot make or write %s\n", out);
            rc = 1;
        }
        else if (rc == 0)
            printf("suqiu: %s: %zu rows from %s (and the files beside it) and %ld confirmed by "
                   "people -> %s\n", s_targets[t], base, csv, confirmed, out);
        sq_textclass_destroy(&model);
        zstr_free(&csv);
        zstr_free(&out);
    }
    if (rc == 0)
        printf("suqiu: reload the configuration at the desk (admin), or restart the workers, to use "
               "the new models\n");
    free(catalog_dir);
    free(models);
    sq_db_destroy(&db);
    return rc;
}
