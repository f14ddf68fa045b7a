/*  suqiuctl route --explain / return: why a complaint went where it went, and a department
    handing back a complaint that is not theirs (退回). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "sq_db.h"
#include <czmq.h>

#include "sq_handoff.h"
#include "sq_number.h"
#include "sq_state.h"

static const sq_db_statement_t s_statements[] = {
    {"explain", "SELECT complaint_json_by_number($1)"},
    {"return", "SELECT complaint_return_to_routing($1, $2, $3, $4)"},
    CTL_PERSON_STATEMENT,
    {NULL, NULL},
};

static const char *s_text(json_t *object, const char *key)
{
    const char *text = json_string_value(json_object_get(object, key));
    return text ? text : "-";
}

//  The model's scores and the cues that weighed in, on one line each.
static void s_print_scores(json_t *why)
{
    printf(" confidence %.2f; top:", json_number_value(json_object_get(why, "confidence")));
    size_t index;
    json_t *item;
    json_array_foreach(json_object_get(why, "scores"), index, item)
        printf(" %s %.2f", json_string_value(json_array_get(item, 0)),
               json_number_value(json_array_get(item, 1)));
    printf("\n");
    if (json_array_size(json_object_get(why, "cues"))) {
        printf("            cues:");
        json_array_foreach(json_object_get(why, "cues"), index, item)
            printf(" %s (%s %+.1f)", json_string_value(json_array_get(item, 0)),
                   json_string_value(json_array_get(item, 1)),
                   json_number_value(json_array_get(item, 2)));
        printf("\n");
    }
    json_array_foreach(json_object_get(why, "vetoed"), index, item)
        printf("            (%s vetoed by rule %s)\n", s_text(item, "label"), s_text(item, "rule"));
}

//  One decision of the classifier: "category  food.x  by rule r", "... by the model (and
//  cues), confidence ...", or "... chosen by the operator; the classifier said ...".
static void s_print_decision(const char *name, json_t *why)
{
    if (!why)
        return;
    printf("  %-9s %-28s", name, s_text(why, "value"));
    const char *by = s_text(why, "by");
    if (strcmp(by, "rule") == 0)
        printf(" by rule %s\n", s_text(why, "rule"));
    else if (strcmp(by, "operator") == 0) {
        json_t *model = json_object_get(why, "classifier");
        printf(" chosen by the operator; the classifier %s %s\n",
               json_is_true(json_object_get(why, "disagrees")) ? "disagrees:" : "agrees:",
               s_text(model, "value"));
    }
    else {
        printf(" by the %s,", strcmp(by, "model and cues") == 0 ? "model and cues" : "model");
        s_print_scores(why);
    }
    json_t *chosen = json_object_get(why, "chosen_for_lead");
    if (chosen)
        printf("            (chosen instead of %s: more of the probability leads to %s)\n",
               s_text(chosen, "instead_of"), s_text(chosen, "lead"));
    if (json_object_get(why, "operator_refused"))
        printf("            (the operator's \"%s\" is not a known label: left out)\n",
               s_text(why, "operator_refused"));
}

static void s_explain(json_t *complaint)
{
    printf("work order %s: %s", s_text(complaint, "number"), s_text(complaint, "state"));
    if (json_object_get(complaint, "lead_department"))
        printf(", lead %s (%s)", s_text(complaint, "lead_department_name"),
               s_text(complaint, "lead_department"));
    json_t *co = json_object_get(complaint, "co_departments");
    if (json_array_size(co)) {
        printf(", with");
        size_t index;
        json_t *id;
        json_array_foreach(co, index, id)
            printf(" %s", json_string_value(id));
    }
    printf("\n");
    size_t index;
    json_t *event;
    json_array_foreach(json_object_get(complaint, "history"), index, event)
    {
        const char *to = s_text(event, "to_state");
        json_t *detail = json_object_get(event, "detail");
        if (json_is_true(json_object_get(detail, "corrected"))) {
            printf("corrected %s by %s: %s\n", s_text(event, "at"), s_text(event, "actor"),
                   s_text(detail, "reason"));
            const char *targets[] = {"category", "type", "urgency"};
            for (int t = 0; t < 3; t++) {
                json_t *change = json_object_get(detail, targets[t]);
                if (change)
                    printf("  %-9s %s -> %s\n", targets[t], s_text(change, "from"),
                           s_text(change, "to"));
            }
        }
        else if (strcmp(to, "classified") == 0 && json_object_get(detail, "category")) {
            printf("classified %s by %s%s\n", s_text(event, "at"), s_text(event, "actor"),
                   json_is_true(json_object_get(detail, "low_confidence")) ? " (unsure of the category)" : "");
            s_print_decision("category", json_object_get(detail, "category"));
            s_print_decision("type", json_object_get(detail, "type"));
            s_print_decision("urgency", json_object_get(detail, "urgency"));
            json_t *setting = json_object_get(detail, "setting");
            if (json_object_get(setting, "value") && !json_is_null(json_object_get(setting, "value")))
                printf("  %-9s %-28s by rule %s\n", "setting", s_text(setting, "value"),
                       s_text(setting, "rule"));
            json_t *lead = json_object_get(detail, "lead");
            if (json_object_get(lead, "share"))
                printf("  %-9s %-28s %.2f of the category's probability leads there\n", "lead",
                       s_text(lead, "lead"), json_number_value(json_object_get(lead, "share")));
            json_t *repeat = json_object_get(detail, "repeat");
            if (json_object_get(repeat, "candidate"))
                printf("  %-9s %-28s similarity %.2f: %s\n", "repeat", s_text(repeat, "candidate"),
                       json_number_value(json_object_get(repeat, "similarity")),
                       s_text(repeat, "decision"));
            json_t *region = json_object_get(detail, "region");
            if (json_object_get(region, "id"))
                printf("  %-9s %-28s from %s (\"%s\")\n", "region", s_text(region, "id"),
                       s_text(region, "from"), s_text(region, "matched"));
            else
                printf("  %-9s not found in the region field, address, title or content\n",
                       "region");
        }
        else if (strcmp(to, "classified") == 0)
            printf("returned %s by %s: %s (it came by rule %s)\n", s_text(event, "at"),
                   s_text(detail, "returned_by"), s_text(detail, "reason"), s_text(detail, "rule"));
        else if (strcmp(to, "dispatched") == 0 || strcmp(to, "triage") == 0)
            printf("%s %s by %s: %s\n", to, s_text(event, "at"), s_text(event, "actor"),
                   s_text(detail, "reason"));
        else if (strcmp(to, "merged") == 0)
            printf("merged %s into %s (similarity %.2f)\n", s_text(event, "at"),
                   s_text(detail, "master"), json_number_value(json_object_get(detail, "similarity")));
        else if (strcmp(s_text(event, "kind"), "repeat_suggested") == 0)
            printf("suggested %s to the dispatch desk as a repeat of %s (similarity %.2f): %s\n",
                   s_text(event, "at"), s_text(detail, "candidate"),
                   json_number_value(json_object_get(detail, "similarity")), s_text(detail, "note"));
    }
}

int ctl_route(const sq_config_t *config, int argc, char *argv[])
{
    if (argc != 3 || strcmp(argv[1], "--explain") != 0) {
        fprintf(stderr, "usage: suqiuctl route --explain NUMBER\n");
        return 2;
    }
    if (!sq_number_valid(argv[2])) {
        fprintf(stderr, "suqiuctl route: \"%s\" is not a work-order number\n", argv[2]);
        return 2;
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    const char *values[] = {argv[2]};
    PGresult *result = sq_db_exec(db, "explain", 1, values);
    int rc = 0;
    if (!result)
        rc = 1;
    else if (PQgetisnull(result, 0, 0)) {
        fprintf(stderr, "suqiuctl route: no work order %s\n", argv[2]);
        rc = 1;
    }
    else {
        json_t *complaint = json_loads(PQgetvalue(result, 0, 0), 0, NULL);
        s_explain(complaint);
        json_decref(complaint);
    }
    PQclear(result);
    sq_db_destroy(&db);
    return rc;
}

int ctl_return(const sq_config_t *config, int argc, char *argv[])
{
    const char *number = NULL, *department = NULL, *reason = NULL, *user = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--department") == 0 && i + 1 < argc)
            department = argv[++i];
        else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
            user = argv[++i];
        else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (!number && argv[i][0] != '-')
            number = argv[i];
        else
            number = NULL, i = argc;
    }
    if (!number || !department || !reason || !*reason || !user) {
        fprintf(stderr, "usage: suqiuctl return NUMBER --department ID --user LOGIN --reason TEXT\n");
        return 2;
    }
    if (!sq_number_valid(number)) {
        fprintf(stderr, "suqiuctl return: \"%s\" is not a work-order number\n", number);
        return 2;
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    char actor[80];
    if (ctl_person(db, user, department, false, actor, sizeof actor)) {
        sq_db_destroy(&db);
        return 1;
    }
    const char *values[] = {number, department, reason, actor};
    PGresult *result = sq_db_exec(db, "return", 4, values);
    int rc = 1;
    if (result && PQgetvalue(result, 0, 0)[0] == 't') {
        printf("suqiu: %s returned by %s; routing decides again without it\n", number, department);
        rc = 0;
        //  Routing need not wait for the sweeper: hand it over now, when routing runs.
        sq_handoff_t *handoff = sq_handoff_new(config->broker_client_endpoint);
        if (handoff)
            sq_handoff_send(handoff, sq_state_next_service(SQ_STATE_CLASSIFIED), "return", number);
        sq_handoff_destroy(&handoff);
    }
    else if (result)
        fprintf(stderr, "suqiuctl return: %s is not dispatched to %s, so it cannot return it\n",
                number, department);
    PQclear(result);
    sq_db_destroy(&db);
    return rc;
}
