/*  sq_program: options, config and logging for every daemon (see sq_program.h). */
#include "sq_program.h"

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "sq_log.h"

static void s_usage(FILE *out, const char *name, const char *purpose)
{
    fprintf(out,
            "usage: %s [-c FILE] [-v] [--help]\n"
            "%s\n"
            "  -c, --config FILE  the configuration (default $SUQIU_CONFIG or config/hub.yaml)\n"
            "  -v, --verbose      log debug lines, whatever log.level says\n"
            "  -h, --help         this text\n",
            name, purpose);
}

sq_config_t *sq_program_start(int argc, char *argv[], const char *name, const char *purpose,
                              int *exit_code)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = sq_config_default_path();
    bool verbose = false;
    int option;
    while ((option = getopt_long(argc, argv, "c:vh", options, NULL)) != -1) {
        switch (option) {
        case 'c':
            config_path = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            s_usage(stdout, name, purpose);
            *exit_code = 0;
            return NULL;
        default:   //  getopt has said what was wrong
            s_usage(stderr, name, purpose);
            *exit_code = 2;
            return NULL;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%s\"\n", name, argv[optind]);
        s_usage(stderr, name, purpose);
        *exit_code = 2;
        return NULL;
    }
    char error[1024];
    sq_config_t *config = sq_config_load(config_path, error, sizeof error);
    if (!config) {
        fprintf(stderr, "%s: %s\n", name, error);
        *exit_code = 1;
        return NULL;
    }
    sq_log_level_t level = SQ_LOG_INFO;
    sq_log_level_parse(config->log_level, &level);   //  the loader has validated it
    sq_log_init(name, verbose ? SQ_LOG_DEBUG : level);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    *exit_code = 0;
    return config;
}
