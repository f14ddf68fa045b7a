/*  suqiu-email: complaints by e-mail over LMTP, or from files with `ingest`; see email.h. */
#include <czmq.h>

#include "email.h"
#include "sq_log.h"
#include "sq_program.h"

int main(int argc, char *argv[])
{
    //  "ingest PATH..." after the options: the paths are ours, the rest sq_program's
    int paths_at = 0;
    for (int i = 1; i < argc; i++)
        if (streq(argv[i], "ingest")) {
            paths_at = i + 1;
            break;
        }
    int options = paths_at ? paths_at - 1 : argc;
    int exit_code;
    sq_config_t *config = sq_program_start(
        options, argv, "suqiu-email",
        "Take complaints by e-mail: an LMTP server (RFC 2033) at email.lmtp_address:lmtp_port\n"
        "for the city's MTA, answering each message 250 only once it is committed or spooled;\n"
        "or, with `ingest PATH...`, message files (.eml) and Maildirs.  A mail that carries a\n"
        "work-order number is added to that complaint.  The acknowledgement and the\n"
        "departments' replies go back by SMTP to email.smtp_url.",
        &exit_code);
    if (!config)
        return exit_code;
    if (paths_at && paths_at >= argc) {
        fprintf(stderr, "suqiu-email: ingest needs a file or a Maildir\n");
        sq_config_destroy(&config);
        return 2;
    }
    zsys_init();   //  installs the SIGINT/SIGTERM handler that sets zsys_interrupted
    email_t *email = email_new(config, paths_at == 0);
    if (!email) {
        sq_config_destroy(&config);
        return 1;
    }
    int failed = 0;
    if (paths_at) {
        for (int i = paths_at; i < argc; i++)
            failed += email_ingest(email, argv[i]);
    }
    else {
        sq_info("listening for LMTP on %s:%d (mailboxes %s; replies by %s; broker %s)",
                config->email_lmtp_address, config->email_lmtp_port, config->email_mailboxes,
                config->email_smtp_url, config->broker_client_endpoint);
        while (!zsys_interrupted)
            zclock_sleep(200);
        sq_info("stopping");
    }
    email_destroy(&email);
    sq_config_destroy(&config);
    return failed ? 1 : 0;
}
