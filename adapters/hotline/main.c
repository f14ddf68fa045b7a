/*  suqiu-hotline: the HTTP intake for 12345/12315 operators; see hotline.h for the API. */
#include <czmq.h>

#include "hotline.h"
#include "sq_log.h"
#include "sq_program.h"

int main(int argc, char *argv[])
{
    int exit_code;
    sq_config_t *config = sq_program_start(
        argc, argv, "suqiu-hotline",
        "Take 12345/12315 work orders over HTTP (POST /v1/workorders) and hand them to the\n"
        "hub through the MDP broker; answer only once they are committed, or kept on disk in\n"
        "the spool while the hub cannot commit them (answered 202, replayed later).  Take the\n"
        "telephone queue's call records (POST /v1/calls) for the answer rate.",
        &exit_code);
    if (!config)
        return exit_code;
    zsys_init();   //  installs the SIGINT/SIGTERM handler that sets zsys_interrupted
    hotline_t *hotline = hotline_new(config);
    if (!hotline) {
        sq_config_destroy(&config);
        return 1;
    }
    sq_info("listening on http://%s:%d (broker %s)", config->hotline_address, config->hotline_port,
            config->broker_client_endpoint);
    while (!zsys_interrupted)
        zclock_sleep(200);
    sq_info("stopping");
    hotline_destroy(&hotline);
    sq_config_destroy(&config);
    return 0;
}
