/*  suqiu-broker: load config, start logging, run the Majordomo broker until stopped. */
#include "broker.h"
#include "sq_log.h"
#include "sq_program.h"

int main(int argc, char *argv[])
{
    int exit_code;
    sq_config_t *config = sq_program_start(
        argc, argv, "suqiu-broker",
        "Route MDP/0.1 requests from clients to workers (ZeroMQ Majordomo broker, RFC 7 and 8).",
        &exit_code);
    if (!config)
        return exit_code;
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
