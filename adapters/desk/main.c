/*  suqiu-desk: the staff desks, pages and JSON API; see desk.h. */
#include <czmq.h>

#include "desk.h"
#include "sq_log.h"
#include "sq_program.h"

int main(int argc, char *argv[])
{
    int exit_code;
    sq_config_t *config = sq_program_start(
        argc, argv, "suqiu-desk",
        "Serve the staff desks (hotline operators, department dispatch desks, supervisors,\n"
        "admins): their pages and the JSON API under /api/, each request as its session's user,\n"
        "with PostgreSQL's row-level security deciding what that user sees.",
        &exit_code);
    if (!config)
        return exit_code;
    zsys_init();   //  installs the SIGINT/SIGTERM handler that sets zsys_interrupted
    desk_t *desk = desk_new(config);
    if (!desk) {
        sq_config_destroy(&config);
        return 1;
    }
    sq_info("listening on http://%s:%d (the desks; broker %s)", config->desk_address,
            config->desk_port, config->broker_client_endpoint);
    while (!zsys_interrupted)
        zclock_sleep(200);
    sq_info("stopping");
    desk_destroy(&desk);
    sq_config_destroy(&config);
    return 0;
}
