/*  suqiu-hotline: the HTTP intake for 12345/12315 operators; see hotline.h for the API. */
#include <getopt.h>
#include <signal.h>
#include <czmq.h>

#include "hotline.h"
#include "sq_config.h"
#include "sq_log.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: suqiu-hotline [-c FILE] [-v] [--help]\n"
            "Take 12345/12315 work orders over HTTP (POST /v1/workorders) and hand them to the\n"
            "hub through the MDP broker; answer only after they are committed.\n"
            "  -c, --config FILE  the configuration (default $SUQIU_CONFIG or config/hub.yaml)\n"
            "  -v, --verbose      log debug lines\n"
            "  -h, --help         this text\n");
}

int main(int argc, char *argv[])
{
    const char *config_path = sq_config_default_path();
    bool verbose = false;
    static struct option options[] = {{"config", required_argument, NULL, 'c'},
                                      {"verbose", no_argument, NULL, 'v'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    int option;
    while ((option = getopt_long(argc, argv, "c:vh", options, NULL)) != -1) {
        switch (option) {
        case 'c': config_path = optarg; break;
        case 'v': verbose = true; break;
        case 'h': s_usage(stdout); return 0;
        default: s_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "suqiu-hotline: unexpected argument \"%s\"\n", argv[optind]);
        s_usage(stderr);
        return 2;
    }
    char error[1024];
    sq_config_t *config = sq_config_load(config_path, error, sizeof error);
    if (!config) {
        fprintf(stderr, "suqiu-hotline: %s\n", error);
        return 1;
    }
    sq_log_level_t level = SQ_LOG_INFO;
    sq_log_level_parse(config->log_level, &level);
    sq_log_init("suqiu-hotline", verbose ? SQ_LOG_DEBUG : level);
    zsys_init();   //  installs the SIGINT/SIGTERM handler that sets zsys_interrupted
    signal(SIGPIPE, SIG_IGN);
    hotline_t *hotline = hotline_new(config);
    int rc = 1;
    if (hotline) {
        sq_info("listening on http://%s:%d (broker %s)", config->hotline_address,
                config->hotline_port, config->broker_client_endpoint);
        while (!zsys_interrupted)
            zclock_sleep(200);
        sq_info("stopping");
        hotline_destroy(&hotline);
        rc = 0;
    }
    sq_config_destroy(&config);
    return rc;
}
