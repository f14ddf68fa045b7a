/*  suqiuctl: the command line for operators and supervisors.  One verb per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "sq_config.h"
#include "sq_log.h"
#include "sq_state.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: suqiuctl [-c FILE] VERB [ARGS]\n"
            "\n"
            "  show NUMBER [--json]              a work order: its fields, state and history\n"
            "                                    (every event with time and actor)\n"
            "  list [--state STATE] [--limit N]  the newest work orders (default 50), e.g.\n"
            "                                    --state received\n"
            "  route --explain NUMBER            why it went where it went: the classification\n"
            "                                    (rule or model scores), the matrix rule, returns\n"
            "  return NUMBER --department ID --user LOGIN --reason TEXT\n"
            "                                    the lead department hands back a complaint that is\n"
            "                                    not theirs (退回); routing decides again without it\n"
            "  train --csv FILE --out MODEL      fit the classifier on a labelled CSV (body, label[, title])\n"
            "        [--label-column NAME] [--param KEY=VALUE]...\n"
            "  train --from-db [--out-dir DIR]   retrain the worker's models from the training files\n"
            "                                    and what people confirmed (corrections, complaints\n"
            "                                    signed for without a return)\n"
            "  train --history FILE --mapping FILE [--out-dir DIR] [--labelled OUT.csv]\n"
            "                                    learn the city's own words from its old work\n"
            "                                    orders (a CSV export: body, title, old label),\n"
            "                                    mapped onto the taxonomy by the mapping file\n"
            "                                    (config/history_mapping.yaml)\n"
            "  correct NUMBER --user LOGIN [--category ID] [--type TYPE] [--urgency U] --reason TEXT\n"
            "                                    a person corrects the classifier; routing decides\n"
            "                                    again when it is not yet signed for\n"
            "  eval --train A.csv --test B.csv   train on A; accuracy, macro-F1, confusion, speed on B\n"
            "        [--label-column NAME] [--param KEY=VALUE]...\n"
            "  sign NUMBER --department ID --user LOGIN   the lead department signs for it (签收)\n"
            "  respond NUMBER --department ID --user LOGIN --reply TEXT --via CHANNEL\n"
            "                                    it answers the citizen (答复); the reply is kept\n"
            "  close NUMBER --department ID --user LOGIN [--result TEXT]\n"
            "                                    it closes it (办结): only after a recorded reply;\n"
            "                                    repeat reports merged into it are answered too\n"
            "  extend NUMBER --department ID --user LOGIN --stage STAGE --by DURATION --reason TEXT\n"
            "                                    it asks for more time for a stage (延期), within\n"
            "                                    what the complaint's SLA policy allows\n"
            "  extension approve|refuse NUMBER --user LOGIN [--reason TEXT]   (a supervisor's account)\n"
            "                                    a supervisor decides; approved, the deadline moves\n"
            "  pause NUMBER --department ID --user LOGIN --reason TEXT\n"
            "                                    stop its clock while waiting for the citizen\n"
            "  resume NUMBER --user LOGIN [--note TEXT]   start it again; the deadlines move by the pause\n"
            "  overdue [--department ID]         every overdue stage of an open complaint\n"
            "  stats --from DATE --to DATE [--by department|category|region|line] [--csv]\n"
            "        [--calls] [--daily]         received, responded, closed on time, overdue,\n"
            "                                    working time to sign-for and close (README: Measures),\n"
            "                                    and the hotlines' answer rate (接通率) per line\n"
            "  user add|passwd|list|disable|enable   the people of the desks: suqiuctl user add LOGIN\n"
            "                                    --name NAME --role admin|operator|supervisor|\n"
            "                                    department [--department ID]; the password is\n"
            "                                    asked, or read from standard input\n"
            "  demo [--count N] [--force]        demo accounts (password demo-<name>) and N work orders\n"
            "                                    across departments, channels and states; never in\n"
            "                                    production (it refuses a database with real ones)\n"
            "  spool                             what waits in each adapter's spool: how many, since\n"
            "                                    when, the owner, the last error of its replay\n"
            "  import FILE [--batch N]           work orders exported from the hotline platform\n"
            "                                    (CSV, JSON array or JSON Lines), checked and\n"
            "                                    committed as the API does; twice imports nothing\n"
            "                                    twice (suqiuctl import --help)\n"
            "  import-calls FILE [--batch N]     the telephone queue's call records, for the\n"
            "                                    answer rate (suqiuctl import-calls --help)\n"
            "  catalog                           check the city's catalogue, matrix and rules\n"
            "  calendar add TIME DURATION        when a time limit ends: DURATION is Nwd (working\n"
            "                                    days), Nwh (working hours) or Nh, e.g.\n"
            "                                    calendar add 2026-02-13T16:00:00+08:00 2wd\n"
            "  calendar between TIME TIME        working hours and working days between two times\n"
            "  calendar check DATE               working day, rest day, holiday or make-up day\n"
            "  calendar import FILE [--replace]  merge a year's holiday notice (holiday-cn JSON or\n"
            "                                    CSV date,is_off_day,name) into the holidays file\n"
            "  migrate [--dir DIR]               apply the sql/ migrations the database lacks\n"
            "  config KEY                        print one config value, e.g. database.name\n"
            "  help                              this text\n"
            "\n"
            "  A person's verbs (sign ... resume, return, correct) name the person with --user LOGIN:\n"
            "  an account of suqiuctl user list; every event they write names that user.\n"
            "  -c, --config FILE  the configuration (default $SUQIU_CONFIG or config/hub.yaml)\n"
            "States: %s\n",
            sq_state_names());
}

static int s_config_verb(const sq_config_t *config, int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: suqiuctl config SECTION.KEY\n");
        return 2;
    }
    char *value = sq_config_get(config, argv[1]);
    if (!value) {
        fprintf(stderr, "suqiuctl config: no key \"%s\"\n", argv[1]);
        return 2;
    }
    printf("%s\n", value);
    free(value);
    return 0;
}

int main(int argc, char *argv[])
{
    const char *config_path = sq_config_default_path();
    int first = 1;
    while (first < argc && argv[first][0] == '-') {
        if ((strcmp(argv[first], "-c") == 0 || strcmp(argv[first], "--config") == 0)
            && first + 1 < argc) {
            config_path = argv[first + 1];
            first += 2;
        }
        else if (strcmp(argv[first], "-h") == 0 || strcmp(argv[first], "--help") == 0) {
            s_usage(stdout);
            return 0;
        }
        else {
            fprintf(stderr, "suqiuctl: unknown option \"%s\"\n", argv[first]);
            s_usage(stderr);
            return 2;
        }
    }
    if (first >= argc) {
        s_usage(stderr);
        return 2;
    }
    const char *verb = argv[first];
    if (strcmp(verb, "help") == 0) {
        s_usage(stdout);
        return 0;
    }
    sq_log_init("suqiuctl", SQ_LOG_WARN);
    char error[1024];
    sq_config_t *config = sq_config_load(config_path, error, sizeof error);
    if (!config) {
        fprintf(stderr, "suqiuctl: %s\n", error);
        return 1;
    }
    int verb_argc = argc - first;
    char **verb_argv = argv + first;
    int rc;
    if (strcmp(verb, "show") == 0)
        rc = ctl_show(config, verb_argc, verb_argv);
    else if (strcmp(verb, "list") == 0)
        rc = ctl_list(config, verb_argc, verb_argv);
    else if (strcmp(verb, "route") == 0)
        rc = ctl_route(config, verb_argc, verb_argv);
    else if (strcmp(verb, "return") == 0)
        rc = ctl_return(config, verb_argc, verb_argv);
    else if (strcmp(verb, "train") == 0 && verb_argc > 1 && strcmp(verb_argv[1], "--from-db") == 0)
        rc = ctl_train_from_db(config, verb_argc, verb_argv);
    else if (strcmp(verb, "train") == 0 && verb_argc > 1 && strcmp(verb_argv[1], "--history") == 0)
        rc = ctl_train_history(config, verb_argc, verb_argv);
    else if (strcmp(verb, "train") == 0)
        rc = ctl_train(config, verb_argc, verb_argv);
    else if (strcmp(verb, "correct") == 0)
        rc = ctl_correct(config, verb_argc, verb_argv);
    else if (strcmp(verb, "eval") == 0)
        rc = ctl_eval(config, verb_argc, verb_argv);
    else if (strcmp(verb, "sign") == 0 || strcmp(verb, "respond") == 0
             || strcmp(verb, "close") == 0)
        rc = ctl_action(config, verb_argc, verb_argv);
    else if (strcmp(verb, "extend") == 0 || strcmp(verb, "extension") == 0
             || strcmp(verb, "pause") == 0 || strcmp(verb, "resume") == 0)
        rc = ctl_deadline(config, verb_argc, verb_argv);
    else if (strcmp(verb, "stats") == 0)
        rc = ctl_stats(config, verb_argc, verb_argv);
    else if (strcmp(verb, "overdue") == 0)
        rc = ctl_overdue(config, verb_argc, verb_argv);
    else if (strcmp(verb, "calendar") == 0)
        rc = ctl_calendar(config, verb_argc, verb_argv);
    else if (strcmp(verb, "user") == 0)
        rc = ctl_user(config, verb_argc, verb_argv);
    else if (strcmp(verb, "demo") == 0)
        rc = ctl_demo(config, verb_argc, verb_argv);
    else if (strcmp(verb, "spool") == 0)
        rc = ctl_spool(config, verb_argc, verb_argv);
    else if (strcmp(verb, "import") == 0 || strcmp(verb, "import-calls") == 0)
        rc = ctl_import(config, verb_argc, verb_argv);
    else if (strcmp(verb, "catalog") == 0)
        rc = ctl_catalog(config, verb_argc, verb_argv);
    else if (strcmp(verb, "migrate") == 0)
        rc = ctl_migrate(config, verb_argc, verb_argv);
    else if (strcmp(verb, "config") == 0)
        rc = s_config_verb(config, verb_argc, verb_argv);
    else {
        fprintf(stderr, "suqiuctl: unknown verb \"%s\"\n", verb);
        s_usage(stderr);
        rc = 2;
    }
    sq_config_destroy(&config);
    return rc;
}
