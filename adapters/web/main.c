/*  suqiu-web: the citizens' web door, Open311 GeoReport v2 and a form; see web.h. */
#include <czmq.h>

#include "sq_log.h"
#include "sq_program.h"
#include "web.h"

int main(int argc, char *argv[])
{
    int exit_code;
    sq_config_t *config = sq_program_start(
        argc, argv, "suqiu-web",
        "Take citizens' complaints on the web: Open311 GeoReport v2 under /open311/v2/ (JSON and\n"
        "XML) and a plain Chinese form at /, with a status page at /status.  Answers once a\n"
        "complaint is committed, or kept on disk in the spool while the hub cannot commit it.",
        &exit_code);
    if (!config)
        return exit_code;
    zsys_init();   //  installs the SIGINT/SIGTERM handler that sets zsys_interrupted
    web_t *web = web_new(config);
    if (!web) {
        sq_config_destroy(&config);
        return 1;
    }
    sq_info("listening on http://%s:%d (Open311 under /open311/v2/, the form at /; broker %s)",
            config->web_address, config->web_port, config->broker_client_endpoint);
    while (!zsys_interrupted)
        zclock_sleep(200);
    sq_info("stopping");
    web_destroy(&web);
    sq_config_destroy(&config);
    return 0;
}
