/*  suqiu-wechat: the WeChat Official Account's message callback; see wechat.h. */
#include <czmq.h>

#include "sq_log.h"
#include "sq_program.h"
#include "wechat.h"

int main(int argc, char *argv[])
{
    int exit_code;
    sq_config_t *config = sq_program_start(
        argc, argv, "suqiu-wechat",
        "Take citizens' messages from a WeChat Official Account (公众号 消息推送: plaintext,\n"
        "compatible and safe mode) at wechat.path: text, photos and locations become complaints\n"
        "answered with their work-order number; a number sent asks for its state.  Sends the\n"
        "departments' replies back as customer-service messages.",
        &exit_code);
    if (!config)
        return exit_code;
    zsys_init();   //  installs the SIGINT/SIGTERM handler that sets zsys_interrupted
    wechat_t *wechat = wechat_new(config);
    if (!wechat) {
        sq_config_destroy(&config);
        return 1;
    }
    sq_info("listening on http://%s:%d%s (appid %s; broker %s)", config->wechat_address,
            config->wechat_port, config->wechat_path, config->wechat_appid,
            config->broker_client_endpoint);
    while (!zsys_interrupted)
        zclock_sleep(200);
    sq_info("stopping");
    wechat_destroy(&wechat);
    sq_config_destroy(&config);
    return 0;
}
