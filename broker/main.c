/*  suqiu-broker: parse arguments, load config, start logging, run the Majordomo broker. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "broker.h"
#include "sq_config.h"
#include "sq_log.h"

static void s_usage(FILE *stream)
{
    fprintf(stream,
            "usage: suqiu-broker [-c FILE] [-v] [--help]\n"
            "Route MDP/0.1 requests from clients to workers (ZeroMQ Majordomo broker).\n"
            "  -c, --config FILE  config file (default: $SUQIU_CONFIG or config/hub.yaml)\n"
            "  -v, --verbose      log at debug level, whatever log.level says\n"
            "  -h, --help         show this help and exit\n");
}

int main(int argc, char *argv[])
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
            s_usage(stdout);
            return 0;
        default:   //  getopt has printed what was wrong
            s_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "suqiu-broker: unexpected argument '%s'\n", argv[optind]);
        s_usage(stderr);
        return 2;
    }

    char error[512];
    sq_config_t *config = sq_config_load(config_path, error, sizeof error);
    if (!config) {
        fprintf(stderr, "suqiu-broker: %s\n", error);
        return 1;
    }
    sq_log_level_t level = SQ_LOG_INFO;
    sq_log_level_parse(config->log_level, &level);   //  the loader has validated it
    sq_log_init("suqiu-broker", verbose ? SQ_LOG_DEBUG : level);

    broker_t *broker = broker_new(config);
    if (!broker) {
        sq_config_destroy(&config);
        return 1;
    }
    sq_info("listening: clients %s workers %s (heartbeat %d ms, liveness %d)",
            broker_client_endpoint(broker), broker_worker_endpoint(broker),
            config->broker_heartbeat_ms, config->broker_liveness);
    broker_run(broker, NULL);
    sq_info("stopping");
    broker_destroy(&broker);
    sq_config_destroy(&config);
    return 0;
}
